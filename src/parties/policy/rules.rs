//! Pure rules of request policies: what a valid policy is. No database, no HTTP.

use super::dto::{RequestPolicy, RoutingRule};
use crate::error::FieldError;
use crate::parties::dto::LegalEntity;
use crate::validate;
use crate::vocab::EU_MEMBER_STATES;

/// The longest `max_period_days` a policy may state (ten years).
pub const MAX_PERIOD_DAYS: u32 = 3650;

/// The most routing rules a policy may state: a provider has a handful of legal entities, and
/// every request to it is routed through the list (a bound on work, not only on body size).
pub const MAX_ROUTING_RULES: usize = 100;

/// Whether a routing rule's region covers an issuer of `country`.
pub fn region_covers(region: &str, country: &str) -> bool {
    region == "*" || region == country || (region == "EU" && EU_MEMBER_STATES.contains(&country))
}

/// Whether a routing rule applies to a request from `issuer_country` on `legal_basis`.
pub fn rule_applies(rule: &RoutingRule, issuer_country: &str, legal_basis: &str) -> bool {
    region_covers(&rule.issuer_region, issuer_country)
        && (rule.legal_bases.is_empty() || rule.legal_bases.iter().any(|b| b == legal_basis))
}

/// What the directory holds of the party publishing a policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Directory<'a> {
    /// Its legal entities, which routing rules name.
    pub entities: &'a [LegalEntity],
    /// The legal bases it accepts requests on.
    pub accepted_legal_bases: &'a [String],
}

/// Validates the routing rules against the party's directory entities: each names one of them,
/// and no EU instrument the party accepts, from a Member State, would land outside the Union
/// (Dir. (EU) 2023/1544 Art 3: the designated establishment or legal representative is in a
/// Member State).
fn validate_routing(
    rules: &mut [RoutingRule],
    known_legal_bases: &[String],
    directory: Directory,
    errors: &mut Vec<FieldError>,
) {
    if rules.len() > MAX_ROUTING_RULES {
        errors.push(FieldError::new(
            "/routing",
            "too_many",
            format!("at most {MAX_ROUTING_RULES} routing rules, not {}", rules.len()),
        ));
        return;
    }
    let entities = directory.entities;
    let mut named: Vec<Option<&LegalEntity>> = vec![];
    for (i, rule) in rules.iter_mut().enumerate() {
        let at = format!("/routing/{i}");
        rule.issuer_region = rule.issuer_region.trim().to_ascii_uppercase();
        if rule.issuer_region != "*" && rule.issuer_region != "EU" {
            match validate::country(&rule.issuer_region) {
                Ok(code) => rule.issuer_region = code,
                Err(message) => errors.push(FieldError::new(
                    format!("{at}/issuer_region"),
                    "invalid_region",
                    format!("{message}; or `EU`, or `*`"),
                )),
            }
        }
        for (j, basis) in rule.legal_bases.iter().enumerate() {
            if !known_legal_bases.contains(basis) {
                errors.push(FieldError::new(
                    format!("{at}/legal_bases/{j}"),
                    "unknown_legal_basis",
                    format!("{basis:?} is not in the legal-basis catalogue (GET /v1/legal-bases)"),
                ));
            }
        }
        let matches: Vec<&LegalEntity> = entities.iter().filter(|e| e.name == rule.entity.trim()).collect();
        rule.entity = rule.entity.trim().to_owned();
        match matches.as_slice() {
            [one] => named.push(Some(one)),
            [] => {
                let names: Vec<&str> = entities.iter().map(|e| e.name.as_str()).collect();
                errors.push(FieldError::new(
                    format!("{at}/entity"),
                    "unknown_entity",
                    if names.is_empty() {
                        "the party has no legal entities in the directory".to_owned()
                    } else {
                        format!("not one of the party's legal entities: {}", names.join("; "))
                    },
                ));
                named.push(None);
            }
            _ => {
                errors.push(FieldError::new(
                    format!("{at}/entity"),
                    "ambiguous_entity",
                    "several of the party's legal entities have this name",
                ));
                named.push(None);
            }
        }
    }
    // For every EU instrument and Member State, the rule that would decide must name an entity
    // in the Union.
    let mut reported = std::collections::HashSet::new();
    for basis in directory.accepted_legal_bases.iter().filter(|b| b.starts_with("eu_")) {
        for country in EU_MEMBER_STATES {
            let Some(i) = rules.iter().position(|r| rule_applies(r, country, basis)) else { continue };
            if let Some(entity) = named[i]
                && !EU_MEMBER_STATES.contains(&entity.country.as_str())
                && reported.insert(i)
            {
                errors.push(FieldError::new(
                    format!("/routing/{i}/entity"),
                    "eu_instrument_outside_union",
                    format!(
                        "this rule would send {basis} orders from {country} to {} in {}: EU instruments go to the \
                         establishment or legal representative in a Member State (Dir. (EU) 2023/1544 Art 3); \
                         name an EU entity in an earlier rule, or limit this one with legal_bases",
                        entity.name, entity.country
                    ),
                ));
            }
        }
    }
}

/// Validates and normalises a policy; every problem with its JSON Pointer.
pub fn validate(
    mut policy: RequestPolicy,
    known_legal_bases: &[String],
    directory: Directory,
) -> Result<RequestPolicy, Vec<FieldError>> {
    let mut errors = vec![];
    for (i, language) in policy.languages.iter_mut().enumerate() {
        match validate::language(language) {
            Ok(code) => *language = code,
            Err(message) => errors.push(FieldError::new(format!("/languages/{i}"), "invalid_language", message)),
        }
    }
    let mut seen = std::collections::HashSet::new();
    if policy.languages.iter().any(|l| !seen.insert(l.clone())) {
        errors.push(FieldError::new("/languages", "duplicate", "a language is listed twice"));
    }
    for (basis, types) in &policy.identifier_types {
        let pointer = format!("/identifier_types/{}", basis.replace('~', "~0").replace('/', "~1"));
        if basis != "*" && !known_legal_bases.contains(basis) {
            errors.push(FieldError::new(
                pointer.clone(),
                "unknown_legal_basis",
                format!("{basis:?} is not in the legal-basis catalogue (GET /v1/legal-bases), nor `*`"),
            ));
        }
        if types.is_empty() {
            errors.push(FieldError::new(pointer.clone(), "required", "list at least one identifier type"));
        }
        let mut seen = std::collections::HashSet::new();
        if types.iter().any(|t| !seen.insert(*t)) {
            errors.push(FieldError::new(pointer, "duplicate", "an identifier type is listed twice"));
        }
    }
    if let Some(days) = policy.max_period_days
        && !(1..=MAX_PERIOD_DAYS).contains(&days)
    {
        errors.push(FieldError::new("/max_period_days", "out_of_range", format!("from 1 to {MAX_PERIOD_DAYS} days")));
    }
    policy.emergency_criteria = policy.emergency_criteria.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if policy.emergency_criteria.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        errors.push(FieldError::new("/emergency_criteria", "invalid_length", "at most 2000 characters"));
    }
    policy.contact = policy.contact.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if let Some(contact) = &policy.contact {
        match validate::email(contact) {
            Ok(address) => policy.contact = Some(address),
            Err(message) => errors.push(FieldError::new("/contact", "invalid_email", message)),
        }
    }
    validate_routing(&mut policy.routing, known_legal_bases, directory, &mut errors);
    if errors.is_empty() { Ok(policy) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_policy_is_validated_and_normalised() {
        let known = vec!["eu_epoc".to_owned()];
        let policy: RequestPolicy = serde_json::from_value(json!({
            "languages": ["EN"], "identifier_types": {"eu_epoc": ["email"], "*": ["username"]},
            "max_period_days": 365, "contact": " LERS@Example.com "
        }))
        .unwrap();
        let ok = validate(policy, &known, Directory::default()).unwrap();
        assert_eq!(ok.languages, ["en"]);
        assert_eq!(ok.contact.as_deref(), Some("lers@example.com"));
        let bad: RequestPolicy = serde_json::from_value(json!({
            "languages": ["english"], "identifier_types": {"nope": [], "a/b": ["email"]}, "max_period_days": 0,
            "contact": "not an address"
        }))
        .unwrap();
        let pointers: Vec<String> =
            validate(bad, &known, Directory::default()).unwrap_err().into_iter().map(|e| e.pointer).collect();
        for p in ["/languages/0", "/identifier_types/nope", "/identifier_types/a~1b", "/max_period_days", "/contact"] {
            assert!(pointers.iter().any(|x| x == p), "{p} in {pointers:?}");
        }
    }

    fn entities() -> Vec<LegalEntity> {
        vec![
            LegalEntity { region: "EU".into(), country: "IE".into(), name: "Example Ireland".into() },
            LegalEntity { region: "*".into(), country: "US".into(), name: "Example Inc".into() },
        ]
    }

    #[test]
    fn routing_names_the_party_s_entities_and_keeps_eu_instruments_in_the_union() {
        let known = vec!["eu_epoc".to_owned(), "eu_epoc_pr".to_owned(), "eu_eio".to_owned(), "us_2703f".to_owned()];
        let (entities, accepted) = (entities(), ["eu_epoc".to_owned(), "us_2703f".to_owned()]);
        let directory = Directory { entities: &entities, accepted_legal_bases: &accepted };
        let policy: RequestPolicy = serde_json::from_value(json!({"routing": [
            {"issuer_region": "eu", "entity": " Example Ireland "},
            {"issuer_region": "US", "legal_bases": ["us_2703f"], "entity": "Example Inc"},
            {"issuer_region": "*", "entity": "Example Inc"}
        ]}))
        .unwrap();
        let ok = validate(policy, &known, directory).unwrap();
        assert_eq!(ok.routing[0].issuer_region, "EU");
        assert_eq!(ok.routing[0].entity, "Example Ireland");

        // Everyone to the US entity: EU orders from Member States would leave the Union.
        let everyone: RequestPolicy =
            serde_json::from_value(json!({"routing": [{"issuer_region": "*", "entity": "Example Inc"}]})).unwrap();
        let errors = validate(everyone, &known, directory).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].pointer.as_str(), errors[0].code.as_str()),
            ("/routing/0/entity", "eu_instrument_outside_union")
        );
        // ... but a rule limited to non-EU bases may name it.
        let limited: RequestPolicy = serde_json::from_value(json!({"routing": [
            {"issuer_region": "FR", "legal_bases": ["us_2703f"], "entity": "Example Inc"}
        ]}))
        .unwrap();
        assert!(validate(limited, &known, directory).is_ok());
        // Only the EU instruments the party accepts count (it never receives an EIO).
        let epoc_only: RequestPolicy = serde_json::from_value(json!({"routing": [
            {"issuer_region": "EU", "legal_bases": ["eu_epoc"], "entity": "Example Ireland"},
            {"issuer_region": "*", "entity": "Example Inc"}
        ]}))
        .unwrap();
        assert!(validate(epoc_only, &known, directory).is_ok());

        let bad: RequestPolicy = serde_json::from_value(json!({"routing": [
            {"issuer_region": "Europe", "legal_bases": ["nope"], "entity": "Example GmbH"}
        ]}))
        .unwrap();
        let pointers: Vec<String> =
            validate(bad, &known, directory).unwrap_err().into_iter().map(|e| e.pointer).collect();
        assert_eq!(pointers, ["/routing/0/issuer_region", "/routing/0/legal_bases/0", "/routing/0/entity"]);
        // A list past the bound is refused whole, with one error, before any rule is judged.
        let rule = json!({"issuer_region": "nowhere", "entity": "Nobody"});
        let flood: RequestPolicy =
            serde_json::from_value(json!({"routing": vec![rule; MAX_ROUTING_RULES + 1]})).unwrap();
        let errors = validate(flood, &known, directory).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].pointer.as_str(), errors[0].code.as_str()), ("/routing", "too_many"));
    }
}
