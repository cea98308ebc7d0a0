//! Pure rules of request policies: what a valid policy is, and what a request's content breaks
//! of its addressee's policy. No database, no HTTP.

use super::dto::{Finding, RequestPolicy, Severity};
use crate::error::FieldError;
use crate::requests::dto::RequestContent;
use crate::validate;
use crate::vocab::Priority;

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

fn finding(pointer: impl Into<String>, severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding { pointer: pointer.into(), severity, code: code.into(), message: message.into() }
}

/// What `content`, sent under `legal_basis` with `priority`, breaks of the addressee's `policy`.
pub fn check(policy: &RequestPolicy, legal_basis: &str, priority: Priority, content: &RequestContent) -> Vec<Finding> {
    use Severity::{Error, Warning};
    let mut out = vec![];
    if !policy.languages.is_empty() {
        let accepted = policy.languages.join(", ");
        match &content.language {
            Some(language) if !policy.languages.contains(language) => out.push(finding(
                "/content/language",
                Error,
                "language_not_accepted",
                format!("the addressee accepts requests in: {accepted}"),
            )),
            Some(_) => {}
            None => out.push(finding(
                "/content/language",
                Warning,
                "language_missing",
                format!("state the request's language; the addressee accepts: {accepted}"),
            )),
        }
    }
    let types = policy.identifier_types.get(legal_basis).or_else(|| policy.identifier_types.get("*"));
    if let Some(types) = types {
        let names: Vec<String> = types.iter().map(|t| crate::deconfliction::rules::type_name(*t)).collect();
        for (i, target) in content.targets.iter().enumerate() {
            if !types.contains(&target.target_type) {
                out.push(finding(
                    format!("/content/targets/{i}/type"),
                    Error,
                    "identifier_type_not_accepted",
                    format!("under {legal_basis} the addressee acts on: {}", names.join(", ")),
                ));
            }
        }
    }
    if let Some(days) = policy.max_period_days {
        match &content.period {
            Some(period) if (period.to - period.from).num_seconds() > i64::from(days) * 86_400 => out.push(finding(
                "/content/period",
                Error,
                "period_too_long",
                format!("the addressee answers for at most {days} days per request"),
            )),
            Some(_) => {}
            None => out.push(finding(
                "/content/period",
                Warning,
                "period_missing",
                format!("no period stated; the addressee answers for at most {days} days per request"),
            )),
        }
    }
    if policy.requires_ndo_duration
        && let Some(c) = &content.confidentiality
        && c.non_disclosure
        && c.until.is_none()
    {
        out.push(finding(
            "/content/confidentiality/until",
            Error,
            "ndo_duration_required",
            "the addressee honours a non-disclosure request only with its end date",
        ));
    }
    if priority == Priority::Emergency
        && let Some(criteria) = &policy.emergency_criteria
    {
        out.push(finding(
            "/priority",
            Warning,
            "emergency_criteria",
            format!("the addressee's emergency criteria: {criteria}"),
        ));
    }
    out
}

/// Whether a finding blocks submission.
pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};
    use serde_json::json;

    use super::*;

    fn content(value: serde_json::Value) -> RequestContent {
        serde_json::from_value(value).unwrap()
    }

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

    #[test]
    fn findings_point_into_the_request() {
        let policy: RequestPolicy = serde_json::from_value(json!({
            "languages": ["en"], "identifier_types": {"eu_epoc": ["email", "username"]},
            "max_period_days": 30, "requires_ndo_duration": true, "emergency_criteria": "Danger to life."
        }))
        .unwrap();
        let now = Utc::now();
        let request = content(json!({
            "language": "fr",
            "targets": [{"type": "email", "value": "x@example.org"}, {"type": "phone", "value": "+33612345678"}],
            "period": {"from": now - TimeDelta::days(90), "to": now},
            "confidentiality": {"non_disclosure": true, "reason": "the suspects must not know"}
        }));
        let found = check(&policy, "eu_epoc", Priority::Emergency, &request);
        let codes: Vec<(&str, &str)> = found.iter().map(|f| (f.pointer.as_str(), f.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("/content/language", "language_not_accepted"),
                ("/content/targets/1/type", "identifier_type_not_accepted"),
                ("/content/period", "period_too_long"),
                ("/content/confidentiality/until", "ndo_duration_required"),
                ("/priority", "emergency_criteria"),
            ]
        );
        assert!(blocks(&found));
        // Another basis, no `*`: any identifier type; English and no period: a warning only.
        let fine = content(json!({"language": "en", "targets": [{"type": "phone", "value": "+33612345678"}]}));
        let found = check(&policy, "coe_budapest_29", Priority::Normal, &fine);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "period_missing");
        assert!(!blocks(&found));
        assert!(check(&RequestPolicy::default(), "eu_epoc", Priority::Emergency, &request).is_empty());
    }
}
