//! Routing: which party is competent for a request (DESIGN.md section 3, issue 4). Pure
//! functions over directory entries; the service loads the candidates.

use crate::legal_bases::LegalBasis;
use crate::parties::dto::{LegalEntity, Party};
use crate::parties::policy::dto::PublishedPolicy;
use crate::parties::policy::rules::rule_applies;
use crate::vocab::{Designation, PartyKind, PartyStatus, RecipientKind};

pub use crate::vocab::EU_MEMBER_STATES;

fn recipient_kind(party: &Party) -> Option<RecipientKind> {
    match party.kind {
        PartyKind::StateAuthority => Some(RecipientKind::StateAuthority),
        PartyKind::ServiceProvider => Some(RecipientKind::ServiceProvider),
        PartyKind::Exchange => None,
    }
}

/// Checks that a named party may receive a request on `basis`.
pub fn check_recipient(party: &Party, basis: &LegalBasis, issuer: &Party) -> Result<(), String> {
    if party.id == issuer.id {
        return Err("a party cannot address a request to itself".into());
    }
    if party.status != PartyStatus::Active {
        return Err(format!("{} is not an active party", party.name));
    }
    let kind = recipient_kind(party).ok_or("the exchange itself does not receive requests")?;
    if !basis.allowed_recipient_kinds.contains(&kind) {
        let allowed: Vec<String> = basis.allowed_recipient_kinds.iter().map(ToString::to_string).collect();
        return Err(format!("{} requests go to a {}, and {} is not one", basis.code, allowed.join(" or "), party.name));
    }
    if !party.accepted_legal_bases.contains(&basis.code) {
        return Err(format!("{} does not accept {} requests", party.name, basis.code));
    }
    Ok(())
}

/// The competent state authority of a country: among active authorities accepting the basis,
/// the one holding the basis's first preferred designation (e.g. a Budapest Art 29 request
/// goes to the 24/7 point of contact, ETS 185 Art 35).
pub fn resolve_country<'a>(country: &str, basis: &LegalBasis, candidates: &'a [Party]) -> Result<&'a Party, String> {
    if !basis.allowed_recipient_kinds.contains(&RecipientKind::StateAuthority) {
        return Err(format!("{} requests go to service providers: name the provider's party", basis.code));
    }
    let accepting: Vec<&Party> = candidates
        .iter()
        .filter(|p| {
            p.kind == PartyKind::StateAuthority
                && p.status == PartyStatus::Active
                && p.country.as_deref() == Some(country)
                && p.accepted_legal_bases.contains(&basis.code)
        })
        .collect();
    let designations: Vec<Designation> = if basis.preferred_designations.is_empty() {
        accepting.iter().flat_map(|p| p.designations.clone()).collect()
    } else {
        basis.preferred_designations.clone()
    };
    for designation in &designations {
        let holders: Vec<&&Party> = accepting.iter().filter(|p| p.designations.contains(designation)).collect();
        match holders.as_slice() {
            [] => continue,
            [one] => return Ok(one),
            many => {
                let names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
                return Err(format!(
                    "several {} parties in {country} accept {}: {}; name one with addressee.party_id",
                    designation,
                    basis.code,
                    names.join(", ")
                ));
            }
        }
    }
    let wanted: Vec<String> = basis.preferred_designations.iter().map(ToString::to_string).collect();
    Err(format!(
        "no active authority in {country} accepts {} requests{}",
        basis.code,
        if wanted.is_empty() { String::new() } else { format!(" as {}", wanted.join(" or ")) }
    ))
}

/// The legal entity a request to a provider goes to, and what chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityChoice {
    pub entity: LegalEntity,
    /// The version of the provider's published policy and the index of its routing rule that
    /// chose the entity; `None` when the directory's regions decided.
    pub policy: Option<(i64, usize)>,
}

/// The provider's legal entity that receives orders from `issuer_country`. First the
/// provider's published routing (`policy`): the first rule that applies to the issuer's country
/// and the basis, naming an entity the directory still lists. Otherwise the directory's
/// regions: the entity for that country, else the EU entity for an EU issuer, else the
/// worldwide one. EU instruments need the entity designated in the Union (Dir. (EU) 2023/1544
/// Art 3): a rule naming an entity elsewhere never applies to them.
pub fn provider_entity(
    provider: &Party,
    issuer_country: &str,
    basis: &LegalBasis,
    policy: Option<&PublishedPolicy>,
) -> Result<EntityChoice, String> {
    let eu_instrument = basis.code.starts_with("eu_");
    if let Some(published) = policy {
        for (i, rule) in published.policy.routing.iter().enumerate() {
            if !rule_applies(rule, issuer_country, &basis.code) {
                continue;
            }
            let Some(entity) = provider.legal_entities.iter().find(|e| e.name == rule.entity) else { continue };
            if eu_instrument && !EU_MEMBER_STATES.contains(&entity.country.as_str()) {
                continue;
            }
            return Ok(EntityChoice { entity: entity.clone(), policy: Some((published.version, i)) });
        }
    }
    let in_eu = EU_MEMBER_STATES.contains(&issuer_country);
    let find = |region: &str| provider.legal_entities.iter().find(|e| e.region == region).cloned();
    let entity = if eu_instrument {
        find("EU")
            .or_else(|| provider.legal_entities.iter().find(|e| EU_MEMBER_STATES.contains(&e.region.as_str())).cloned())
    } else {
        find(issuer_country).or_else(|| if in_eu { find("EU") } else { None }).or_else(|| find("*"))
    };
    let entity = entity.ok_or_else(|| {
        if eu_instrument {
            format!("{} has no legal entity designated in the EU to receive {} orders", provider.name, basis.code)
        } else {
            format!("{} has no legal entity that receives requests from {issuer_country}", provider.name)
        }
    })?;
    Ok(EntityChoice { entity, policy: None })
}

/// The enforcing authority to notify of an EU production order: the authority designated as
/// such in the Member State of the addressee's entity (Reg. 2023/1543 Art 8).
pub fn enforcing_authority<'a>(entity_country: &str, candidates: &'a [Party]) -> Result<&'a Party, String> {
    let found: Vec<&Party> = candidates
        .iter()
        .filter(|p| {
            p.kind == PartyKind::StateAuthority
                && p.status == PartyStatus::Active
                && p.country.as_deref() == Some(entity_country)
                && p.designations.contains(&Designation::EnforcingAuthority)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no enforcing authority of {entity_country} is registered to be notified (Reg. 2023/1543 Art 8)"
        )),
        many => Err(format!("several enforcing authorities in {entity_country}: {}", many.len())),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::legal_bases::dto::LegalBasis;
    use crate::vocab::RequestKind;

    fn basis(code: &str, recipients: Vec<RecipientKind>, designations: Vec<Designation>) -> LegalBasis {
        LegalBasis {
            code: code.into(),
            title: String::new(),
            instrument: String::new(),
            article: String::new(),
            request_kind: RequestKind::Preservation,
            allowed_recipient_kinds: recipients,
            preferred_designations: designations,
            required_fields: vec![],
            clocks: vec![],
            extensions: vec![],
            refusal_grounds: vec![],
            refusal_grounds_exhaustive: false,
            citation: String::new(),
            source_quote: None,
            source_url: None,
            verified: true,
            binding: true,
            in_force: None,
            notes: None,
            effective_from: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn state(name: &str, country: &str, designations: Vec<Designation>, accepts: &[&str]) -> Party {
        Party {
            id: Uuid::now_v7(),
            kind: PartyKind::StateAuthority,
            name: name.into(),
            country: Some(country.into()),
            designations,
            legal_entities: vec![],
            accepted_legal_bases: accepts.iter().map(|s| s.to_string()).collect(),
            languages: vec![],
            emergency_contact: None,
            notification_emails: vec![],
            status: PartyStatus::Active,
            requires_approval: false,
            deconfliction: true,
            deconfliction_contact: None,
            request_policy: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_budapest_29_request_to_a_country_goes_to_its_24_7_point() {
        let b = basis(
            "coe_budapest_29",
            vec![RecipientKind::StateAuthority],
            vec![Designation::ContactPoint24_7, Designation::CentralAuthority],
        );
        let parties = vec![
            state("BfJ", "DE", vec![Designation::CentralAuthority], &["coe_budapest_29"]),
            state("BKA 24/7", "DE", vec![Designation::ContactPoint24_7, Designation::Police], &["coe_budapest_29"]),
            state("Pharos", "FR", vec![Designation::ContactPoint24_7], &["coe_budapest_29"]),
        ];
        assert_eq!(resolve_country("DE", &b, &parties).unwrap().name, "BKA 24/7");
        // Without a 24/7 point, the central authority.
        assert_eq!(resolve_country("DE", &b, &parties[..1]).unwrap().name, "BfJ");
        let why = resolve_country("IT", &b, &parties).unwrap_err();
        assert!(why.contains("IT") && why.contains("contact_point_24_7"), "{why}");
        let mut two = parties.clone();
        two.push(state("LKA 24/7", "DE", vec![Designation::ContactPoint24_7], &["coe_budapest_29"]));
        assert!(resolve_country("DE", &b, &two).unwrap_err().contains("several"));
        // A party that does not accept the basis is not competent.
        let not_accepting = vec![state("BKA 24/7", "DE", vec![Designation::ContactPoint24_7], &["mlat"])];
        assert!(resolve_country("DE", &b, &not_accepting).is_err());
    }

    #[test]
    fn provider_entities_follow_the_issuer_region() {
        let mut provider = state("Example Platforms", "US", vec![], &["eu_epoc", "us_2703f"]);
        provider.kind = PartyKind::ServiceProvider;
        provider.legal_entities = vec![
            LegalEntity { region: "EU".into(), country: "IE".into(), name: "Example Ireland".into() },
            LegalEntity { region: "*".into(), country: "US".into(), name: "Example Inc".into() },
        ];
        let epoc = basis("eu_epoc", vec![RecipientKind::ServiceProvider], vec![]);
        let us = basis("us_2703f", vec![RecipientKind::ServiceProvider], vec![]);
        let country = |p: &Party, c: &str, b: &LegalBasis| provider_entity(p, c, b, None).unwrap().entity.country;
        assert_eq!(country(&provider, "FR", &epoc), "IE");
        assert_eq!(country(&provider, "FR", &us), "IE");
        assert_eq!(country(&provider, "BR", &us), "US");
        assert_eq!(provider_entity(&provider, "BR", &us, None).unwrap().policy, None);
        provider.legal_entities.remove(0);
        assert!(provider_entity(&provider, "FR", &epoc, None).unwrap_err().contains("designated in the EU"));
    }

    #[test]
    fn the_provider_s_published_routing_comes_first() {
        use crate::parties::policy::dto::{RequestPolicy, RoutingRule};
        let mut provider = state("Example Platforms", "US", vec![], &["eu_epoc", "us_2703f", "coe_budapest_29"]);
        provider.kind = PartyKind::ServiceProvider;
        provider.legal_entities = vec![
            LegalEntity { region: "EU".into(), country: "IE".into(), name: "Example Ireland".into() },
            LegalEntity { region: "*".into(), country: "US".into(), name: "Example Inc".into() },
            LegalEntity { region: "NL".into(), country: "NL".into(), name: "Example Netherlands".into() },
        ];
        let rule = |region: &str, bases: &[&str], entity: &str| RoutingRule {
            issuer_region: region.into(),
            legal_bases: bases.iter().map(|b| b.to_string()).collect(),
            entity: entity.into(),
        };
        let published = PublishedPolicy {
            version: 3,
            published_at: Utc::now(),
            policy: RequestPolicy {
                routing: vec![
                    rule("EU", &["eu_epoc"], "Example Netherlands"),
                    rule("US", &["coe_budapest_29"], "Example Inc"),
                    rule("*", &[], "Example Ireland"),
                    rule("*", &["eu_epoc"], "Gone Ltd"),
                ],
                ..RequestPolicy::default()
            },
        };
        let epoc = basis("eu_epoc", vec![RecipientKind::ServiceProvider], vec![]);
        let budapest = basis("coe_budapest_29", vec![RecipientKind::ServiceProvider], vec![]);
        let us = basis("us_2703f", vec![RecipientKind::ServiceProvider], vec![]);
        let chosen = provider_entity(&provider, "FR", &epoc, Some(&published)).unwrap();
        assert_eq!((chosen.entity.name.as_str(), chosen.policy), ("Example Netherlands", Some((3, 0))));
        let chosen = provider_entity(&provider, "US", &budapest, Some(&published)).unwrap();
        assert_eq!((chosen.entity.name.as_str(), chosen.policy), ("Example Inc", Some((3, 1))));
        // Without the policy the directory's regions would send a Brazilian request to the US.
        let chosen = provider_entity(&provider, "BR", &us, Some(&published)).unwrap();
        assert_eq!((chosen.entity.name.as_str(), chosen.policy), ("Example Ireland", Some((3, 2))));
        // A rule naming an entity the directory no longer lists, or one outside the Union for an
        // EU order, gives way; with no rule left, the directory decides.
        let stale = PublishedPolicy {
            policy: RequestPolicy {
                routing: vec![rule("*", &["eu_epoc"], "Gone Ltd"), rule("FR", &[], "Example Inc")],
                ..RequestPolicy::default()
            },
            ..published
        };
        let chosen = provider_entity(&provider, "FR", &epoc, Some(&stale)).unwrap();
        assert_eq!((chosen.entity.name.as_str(), chosen.policy), ("Example Ireland", None));
    }

    #[test]
    fn recipients_must_fit_the_basis() {
        let epoc = basis("eu_epoc", vec![RecipientKind::ServiceProvider], vec![]);
        let issuer = state("Parquet", "FR", vec![Designation::Judicial], &[]);
        let german = state("BKA", "DE", vec![Designation::Police], &["eu_epoc"]);
        assert!(check_recipient(&german, &epoc, &issuer).unwrap_err().contains("service_provider"));
        assert!(check_recipient(&issuer, &epoc, &issuer).is_err());
    }

    #[test]
    fn the_enforcing_authority_is_found_by_country() {
        let parties = vec![state("DPP Ireland", "IE", vec![Designation::EnforcingAuthority], &[])];
        assert_eq!(enforcing_authority("IE", &parties).unwrap().name, "DPP Ireland");
        assert!(enforcing_authority("LU", &parties).is_err());
    }
}
