//! Pure rules of the directory: what a valid party looks like, which status changes are
//! allowed, and who may change what. No database, no HTTP.

use std::collections::HashSet;

use super::dto::{LegalEntity, NewParty, PartyPatch};
use crate::auth::roles::Role;
use crate::error::FieldError;
use crate::validate;
use crate::vocab::{Designation, PartyKind, PartyStatus};

/// The editable content of a party, validated and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyContent {
    pub kind: PartyKind,
    pub name: String,
    pub country: Option<String>,
    pub designations: Vec<Designation>,
    pub legal_entities: Vec<LegalEntity>,
    pub accepted_legal_bases: Vec<String>,
    pub languages: Vec<String>,
    pub emergency_contact: Option<String>,
    pub notification_emails: Vec<String>,
    pub requires_approval: bool,
    pub deconfliction: bool,
    pub deconfliction_contact: Option<String>,
}

impl From<NewParty> for PartyContent {
    fn from(p: NewParty) -> Self {
        PartyContent {
            kind: p.kind,
            name: p.name,
            country: p.country,
            designations: p.designations,
            legal_entities: p.legal_entities,
            accepted_legal_bases: p.accepted_legal_bases,
            languages: p.languages,
            emergency_contact: p.emergency_contact,
            notification_emails: p.notification_emails,
            requires_approval: false,
            deconfliction: true,
            deconfliction_contact: None,
        }
    }
}

impl PartyContent {
    pub fn apply(mut self, patch: PartyPatch) -> Self {
        if let Some(v) = patch.name {
            self.name = v;
        }
        if let Some(v) = patch.country {
            self.country = Some(v);
        }
        if let Some(v) = patch.designations {
            self.designations = v;
        }
        if let Some(v) = patch.legal_entities {
            self.legal_entities = v;
        }
        if let Some(v) = patch.accepted_legal_bases {
            self.accepted_legal_bases = v;
        }
        if let Some(v) = patch.languages {
            self.languages = v;
        }
        if let Some(v) = patch.emergency_contact {
            self.emergency_contact = Some(v).filter(|c| !c.trim().is_empty());
        }
        if let Some(v) = patch.notification_emails {
            self.notification_emails = v;
        }
        if let Some(v) = patch.requires_approval {
            self.requires_approval = v;
        }
        if let Some(v) = patch.deconfliction {
            self.deconfliction = v;
        }
        if let Some(v) = patch.deconfliction_contact {
            self.deconfliction_contact = Some(v).filter(|c| !c.trim().is_empty());
        }
        self
    }
}

/// The key under which names must be unique: trimmed, whitespace collapsed, lower-cased.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn duplicates<T: std::hash::Hash + Eq + Clone>(items: &[T]) -> Option<T> {
    let mut seen = HashSet::new();
    items.iter().find(|i| !seen.insert((*i).clone())).cloned()
}

/// Validates and normalises a party's content against the legal-basis catalogue. Every
/// problem is reported, each with a JSON Pointer to its field.
pub fn validate(content: PartyContent, known_legal_bases: &[String]) -> Result<PartyContent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut c = content;

    c.name = c.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if c.name.chars().count() < 2 || c.name.chars().count() > 200 {
        errors.push(FieldError::new("/name", "invalid_length", "a name has 2 to 200 characters"));
    }

    if let Some(country) = &c.country {
        match validate::country(country) {
            Ok(code) => c.country = Some(code),
            Err(message) => errors.push(FieldError::new("/country", "invalid_country", message)),
        }
    }

    match c.kind {
        PartyKind::Exchange => {}
        PartyKind::StateAuthority => {
            if c.country.is_none() {
                errors.push(FieldError::new("/country", "required", "a state authority needs its country"));
            }
            if c.designations.is_empty() {
                errors.push(FieldError::new(
                    "/designations",
                    "required",
                    "a state authority needs at least one designation",
                ));
            }
            if !c.legal_entities.is_empty() {
                errors.push(FieldError::new(
                    "/legal_entities",
                    "not_allowed",
                    "only service providers have legal entities",
                ));
            }
        }
        PartyKind::ServiceProvider => {
            if !c.designations.is_empty() {
                errors.push(FieldError::new("/designations", "not_allowed", "designations are for state authorities"));
            }
            if c.legal_entities.is_empty() {
                errors.push(FieldError::new(
                    "/legal_entities",
                    "required",
                    "a service provider needs at least one legal entity that receives orders",
                ));
            }
        }
    }
    if let Some(d) = duplicates(&c.designations) {
        errors.push(FieldError::new("/designations", "duplicate", format!("{d:?} is listed twice")));
    }

    let mut regions = HashSet::new();
    for (i, entity) in c.legal_entities.iter_mut().enumerate() {
        let region = entity.region.trim().to_ascii_uppercase();
        if region == "EU" || region == "*" {
            entity.region = region;
        } else {
            match validate::country(&region) {
                Ok(code) => entity.region = code,
                Err(_) => errors.push(FieldError::new(
                    format!("/legal_entities/{i}/region"),
                    "invalid_region",
                    format!("{:?} is not a country code, EU or *", entity.region),
                )),
            }
        }
        if !regions.insert(entity.region.clone()) {
            errors.push(FieldError::new(
                format!("/legal_entities/{i}/region"),
                "duplicate",
                format!("region {} has two legal entities", entity.region),
            ));
        }
        entity.name = entity.name.trim().to_owned();
        if entity.name.is_empty() {
            errors.push(FieldError::new(format!("/legal_entities/{i}/name"), "required", "the entity needs a name"));
        }
        match validate::country(&entity.country) {
            Ok(code) => entity.country = code,
            Err(message) => {
                errors.push(FieldError::new(format!("/legal_entities/{i}/country"), "invalid_country", message))
            }
        }
    }

    for (i, code) in c.accepted_legal_bases.iter().enumerate() {
        if !known_legal_bases.contains(code) {
            errors.push(FieldError::new(
                format!("/accepted_legal_bases/{i}"),
                "unknown_legal_basis",
                format!("{code:?} is not in the legal-basis catalogue (GET /v1/legal-bases)"),
            ));
        }
    }
    if let Some(code) = duplicates(&c.accepted_legal_bases) {
        errors.push(FieldError::new("/accepted_legal_bases", "duplicate", format!("{code:?} is listed twice")));
    }

    for (i, language) in c.languages.iter_mut().enumerate() {
        match validate::language(language) {
            Ok(code) => *language = code,
            Err(message) => errors.push(FieldError::new(format!("/languages/{i}"), "invalid_language", message)),
        }
    }
    if let Some(l) = duplicates(&c.languages) {
        errors.push(FieldError::new("/languages", "duplicate", format!("{l:?} is listed twice")));
    }

    if let Some(contact) = &c.deconfliction_contact {
        match validate::email(contact) {
            Ok(address) => c.deconfliction_contact = Some(address),
            Err(message) => errors.push(FieldError::new("/deconfliction_contact", "invalid_email", message)),
        }
    }

    if c.notification_emails.is_empty() && c.kind != PartyKind::Exchange {
        errors.push(FieldError::new(
            "/notification_emails",
            "required",
            "at least one address is needed for deadline notifications",
        ));
    }
    for (i, address) in c.notification_emails.iter_mut().enumerate() {
        match validate::email(address) {
            Ok(normalised) => *address = normalised,
            Err(message) => errors.push(FieldError::new(format!("/notification_emails/{i}"), "invalid_email", message)),
        }
    }
    if let Some(a) = duplicates(&c.notification_emails) {
        errors.push(FieldError::new("/notification_emails", "duplicate", format!("{a:?} is listed twice")));
    }

    c.emergency_contact = c.emergency_contact.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if c.emergency_contact.as_ref().is_some_and(|e| e.chars().count() > 500) {
        errors.push(FieldError::new("/emergency_contact", "invalid_length", "at most 500 characters"));
    }

    if errors.is_empty() { Ok(c) } else { Err(errors) }
}

/// Status changes of a party, each allowed from some statuses only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Verify,
    Suspend,
    Reinstate,
}

impl StatusChange {
    pub fn action(self) -> &'static str {
        match self {
            StatusChange::Verify => "party.verified",
            StatusChange::Suspend => "party.suspended",
            StatusChange::Reinstate => "party.reinstated",
        }
    }
}

/// The status after a change, or why it is not allowed (a 409).
pub fn change_status(kind: PartyKind, from: PartyStatus, change: StatusChange) -> Result<PartyStatus, String> {
    use PartyStatus::*;
    if kind == PartyKind::Exchange && change == StatusChange::Suspend {
        return Err("the exchange's own party cannot be suspended".into());
    }
    match (change, from) {
        (StatusChange::Verify, PendingVerification) => Ok(Active),
        (StatusChange::Suspend, PendingVerification | Active) => Ok(Suspended),
        (StatusChange::Reinstate, Suspended) => Ok(Active),
        (change, from) => Err(format!("cannot {change:?} a party whose status is {from:?}").to_lowercase()),
    }
}

/// Whether a party administrator's patch stays within what it may change itself.
pub fn patch_allowed_for_party_admin(patch: &PartyPatch) -> Result<(), String> {
    let forbidden: Vec<&str> = [
        ("name", patch.name.is_some()),
        ("country", patch.country.is_some()),
        ("designations", patch.designations.is_some()),
        ("legal_entities", patch.legal_entities.is_some()),
        ("accepted_legal_bases", patch.accepted_legal_bases.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, present)| present.then_some(field))
    .collect();
    if forbidden.is_empty() {
        Ok(())
    } else {
        Err(format!("only an exchange administrator may change {} (they decide routing)", forbidden.join(", ")))
    }
}

/// Roles a client may be given: `exchange_admin` only to clients of the exchange's own party,
/// and only by an exchange administrator.
pub fn validate_roles(
    roles: &[Role],
    party_kind: PartyKind,
    granted_by_exchange_admin: bool,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if roles.is_empty() {
        errors.push(FieldError::new("/roles", "required", "a client needs at least one role"));
    }
    if let Some(role) = duplicates(roles) {
        errors.push(FieldError::new("/roles", "duplicate", format!("{} is listed twice", role.as_str())));
    }
    if roles.contains(&Role::ExchangeAdmin) && (party_kind != PartyKind::Exchange || !granted_by_exchange_admin) {
        errors.push(FieldError::new(
            "/roles",
            "role_not_allowed",
            "exchange_admin is only for clients of the exchange's own party, granted by an exchange administrator",
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(country: &str) -> PartyContent {
        PartyContent {
            kind: PartyKind::StateAuthority,
            name: "  Parquet  de Paris ".into(),
            country: Some(country.into()),
            designations: vec![Designation::Judicial],
            legal_entities: vec![],
            accepted_legal_bases: vec!["mlat".into()],
            languages: vec!["FR".into()],
            emergency_contact: None,
            notification_emails: vec!["Parquet@Justice.Example.FR".into()],
            requires_approval: false,
            deconfliction: true,
            deconfliction_contact: None,
        }
    }

    fn catalogue() -> Vec<String> {
        vec!["mlat".into(), "coe_budapest_29".into()]
    }

    #[test]
    fn a_valid_state_authority_is_normalised() {
        let c = validate(state("fr"), &catalogue()).unwrap();
        assert_eq!(c.name, "Parquet de Paris");
        assert_eq!(c.country.as_deref(), Some("FR"));
        assert_eq!(c.languages, ["fr"]);
        assert_eq!(c.notification_emails, ["parquet@justice.example.fr"]);
        assert_eq!(name_key(" Parquet  DE paris"), "parquet de paris");
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let mut c = state("XX");
        c.accepted_legal_bases.push("eu_epoc_x".into());
        c.notification_emails.push("not-an-address".into());
        c.designations.clear();
        let errors = validate(c, &catalogue()).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/country", "/designations", "/accepted_legal_bases/1", "/notification_emails/1"]);
        assert_eq!(errors[2].code, "unknown_legal_basis");
    }

    #[test]
    fn providers_need_legal_entities_per_region() {
        let provider = PartyContent {
            kind: PartyKind::ServiceProvider,
            name: "Example Platforms".into(),
            country: Some("US".into()),
            designations: vec![],
            legal_entities: vec![
                LegalEntity { region: "eu".into(), name: "Example Platforms Ireland Ltd".into(), country: "ie".into() },
                LegalEntity { region: "*".into(), name: "Example Platforms Inc".into(), country: "US".into() },
            ],
            accepted_legal_bases: vec![],
            languages: vec![],
            emergency_contact: Some(" lers@example.com ".into()),
            notification_emails: vec!["lers@example.com".into()],
            requires_approval: false,
            deconfliction: true,
            deconfliction_contact: None,
        };
        let c = validate(provider.clone(), &catalogue()).unwrap();
        assert_eq!(c.legal_entities[0].region, "EU");
        assert_eq!(c.legal_entities[0].country, "IE");
        assert_eq!(c.emergency_contact.as_deref(), Some("lers@example.com"));
        let mut bad = provider;
        bad.legal_entities.clear();
        bad.designations.push(Designation::Police);
        let pointers: Vec<String> = validate(bad, &catalogue()).unwrap_err().into_iter().map(|e| e.pointer).collect();
        assert_eq!(pointers, ["/designations", "/legal_entities"]);
    }

    #[test]
    fn status_changes() {
        use PartyStatus::*;
        let k = PartyKind::StateAuthority;
        assert_eq!(change_status(k, PendingVerification, StatusChange::Verify), Ok(Active));
        assert_eq!(change_status(k, Active, StatusChange::Suspend), Ok(Suspended));
        assert_eq!(change_status(k, PendingVerification, StatusChange::Suspend), Ok(Suspended));
        assert_eq!(change_status(k, Suspended, StatusChange::Reinstate), Ok(Active));
        for (from, change) in [
            (Active, StatusChange::Verify),
            (Suspended, StatusChange::Verify),
            (Suspended, StatusChange::Suspend),
            (Active, StatusChange::Reinstate),
            (PendingVerification, StatusChange::Reinstate),
        ] {
            assert!(change_status(k, from, change).is_err(), "{from:?} {change:?}");
        }
        assert!(change_status(PartyKind::Exchange, Active, StatusChange::Suspend).is_err());
    }

    #[test]
    fn party_admins_cannot_change_routing_fields() {
        assert!(patch_allowed_for_party_admin(&PartyPatch { languages: Some(vec![]), ..Default::default() }).is_ok());
        let err = patch_allowed_for_party_admin(&PartyPatch {
            designations: Some(vec![Designation::ContactPoint24_7]),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.contains("designations"));
    }

    #[test]
    fn exchange_admin_role_is_reserved() {
        assert!(validate_roles(&[Role::Operator], PartyKind::StateAuthority, false).is_ok());
        assert!(validate_roles(&[], PartyKind::StateAuthority, true).is_err());
        assert!(validate_roles(&[Role::Operator, Role::Operator], PartyKind::StateAuthority, true).is_err());
        assert!(validate_roles(&[Role::ExchangeAdmin], PartyKind::StateAuthority, true).is_err());
        assert!(validate_roles(&[Role::ExchangeAdmin], PartyKind::Exchange, false).is_err());
        assert!(validate_roles(&[Role::ExchangeAdmin], PartyKind::Exchange, true).is_ok());
    }
}
