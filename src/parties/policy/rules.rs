//! Pure rules of request policies: what a valid policy is. No database, no HTTP.

use super::dto::RequestPolicy;
use crate::error::FieldError;
use crate::validate;

/// The longest `max_period_days` a policy may state (ten years).
pub const MAX_PERIOD_DAYS: u32 = 3650;

/// Validates and normalises a policy; every problem with its JSON Pointer.
pub fn validate(mut policy: RequestPolicy, known_legal_bases: &[String]) -> Result<RequestPolicy, Vec<FieldError>> {
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
        let ok = validate(policy, &known).unwrap();
        assert_eq!(ok.languages, ["en"]);
        assert_eq!(ok.contact.as_deref(), Some("lers@example.com"));
        let bad: RequestPolicy = serde_json::from_value(json!({
            "languages": ["english"], "identifier_types": {"nope": [], "a/b": ["email"]}, "max_period_days": 0,
            "contact": "not an address"
        }))
        .unwrap();
        let pointers: Vec<String> = validate(bad, &known).unwrap_err().into_iter().map(|e| e.pointer).collect();
        for p in ["/languages/0", "/identifier_types/nope", "/identifier_types/a~1b", "/max_period_days", "/contact"] {
            assert!(pointers.iter().any(|x| x == p), "{p} in {pointers:?}");
        }
    }
}
