//! Pure rules of the checks: what a request's content breaks of its addressee's request policy.
//! No database, no HTTP.

use super::dto::{Finding, FindingSource, Severity};
use crate::parties::policy::dto::RequestPolicy;
use crate::requests::dto::RequestContent;
use crate::vocab::Priority;

fn finding(pointer: impl Into<String>, severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding {
        pointer: pointer.into(),
        severity,
        code: code.into(),
        message: message.into(),
        source: FindingSource::Policy,
        citation: None,
    }
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
        let names: Vec<String> = types.iter().map(|t| crate::requests::deconfliction::rules::type_name(*t)).collect();
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
