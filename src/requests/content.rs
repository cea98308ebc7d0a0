//! Validation of a request's legal content against its legal basis: required fields present,
//! typed targets normalised, the period coherent. Every problem is reported with its JSON
//! Pointer, in one answer.

use chrono::{DateTime, TimeDelta, Utc};

use super::dto::{RefusalReason, RequestContent, Target, TargetType};
use crate::error::FieldError;
use crate::legal_bases::LegalBasis;
use crate::validate;
use crate::vocab::{DataCategory, Outcome, Priority, RequestKind};

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Whether a required field of the catalogue is present.
fn present(content: &RequestContent, field: &str) -> Option<bool> {
    Some(match field {
        "issuing_authority" => !blank(&content.issuing_authority),
        "issuing_file_number" => !blank(&content.issuing_file_number),
        "validating_authority" => !blank(&content.validating_authority),
        "offences" => content.offences.iter().any(|o| !o.trim().is_empty()),
        "facts_summary" => !blank(&content.facts_summary),
        "targets" => !content.targets.is_empty(),
        "data_categories" => !content.data_categories.is_empty(),
        "period" => content.period.is_some(),
        "custodian" => !blank(&content.custodian),
        "preservation_necessity" => !blank(&content.preservation_necessity),
        // The issuer must state that it intends to send a request for assistance.
        "mla_intent" => content.mla_intent == Some(true),
        "requested_measures" => content.requested_measures.iter().any(|m| !m.trim().is_empty()),
        "emergency_justification" => !blank(&content.emergency_justification),
        "legal_grounds" => !blank(&content.legal_grounds),
        "recipient_authority" => !blank(&content.recipient_authority),
        // CETS 197 Art 33(1) concerns only the persons of Art 28(1).
        "protected_person" => content.protected_person.is_some(),
        _ => return None,
    })
}

/// Normalises a phone number to E.164 (`+` and 8 to 15 digits).
pub fn phone_e164(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let international =
        if let Some(rest) = trimmed.strip_prefix("00") { format!("+{rest}") } else { trimmed.to_owned() };
    if !international.starts_with('+') {
        return Err(format!("{raw:?}: give the number in international form, with its country code (+33 …)"));
    }
    let digits: String = international[1..].chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    if digits.starts_with('0') || !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{raw:?} is not an E.164 phone number (+, country code, 8 to 15 digits)"));
    }
    Ok(format!("+{digits}"))
}

fn domain(raw: &str) -> Result<String, String> {
    let lower = raw.trim().trim_end_matches('.').to_lowercase();
    validate::email(&format!("x@{lower}")).map(|_| lower).map_err(|_| format!("{raw:?} is not a domain name"))
}

fn normalise_target(target: &mut Target, now: DateTime<Utc>) -> Result<(), (&'static str, String)> {
    let value = target.value.trim().to_owned();
    if value.is_empty() {
        return Err(("value", "a target needs a value".into()));
    }
    target.value = match target.target_type {
        TargetType::Email => validate::email(&value).map_err(|m| ("value", m))?,
        TargetType::Phone => phone_e164(&value).map_err(|m| ("value", m))?,
        TargetType::Url => {
            let url = url::Url::parse(&value).map_err(|e| ("value", format!("{value:?} is not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(("value", format!("{value:?}: expected an http or https URL with a host")));
            }
            url.to_string()
        }
        TargetType::Ip => {
            let ip: std::net::IpAddr =
                value.parse().map_err(|_| ("value", format!("{value:?} is not an IP address")))?;
            match target.timestamp {
                None => {
                    return Err((
                        "timestamp",
                        "an IP address needs the time it was seen (addresses are reassigned)".into(),
                    ));
                }
                Some(t) if t > now + TimeDelta::minutes(5) => {
                    return Err(("timestamp", "the time is in the future".into()));
                }
                Some(_) => {}
            }
            ip.to_string()
        }
        TargetType::Domain => domain(&value).map_err(|m| ("value", m))?,
        TargetType::Username | TargetType::AccountId => {
            if blank(&target.service) {
                return Err(("service", "say which service the identifier belongs to".into()));
            }
            target.service = target.service.as_ref().map(|s| s.trim().to_lowercase());
            value
        }
    };
    if target.port.is_some() && target.target_type != TargetType::Ip {
        return Err(("port", "only IP addresses have a port".into()));
    }
    Ok(())
}

/// Validates and normalises `content` for `basis` and `priority`.
pub fn validate(
    mut content: RequestContent,
    basis: &LegalBasis,
    priority: Priority,
    now: DateTime<Utc>,
) -> Result<RequestContent, Vec<FieldError>> {
    let mut errors = Vec::new();

    for required in &basis.required_fields {
        match present(&content, &required.field) {
            Some(true) => {}
            Some(false) => errors.push(FieldError::new(
                format!("/content/{}", required.field),
                "required",
                format!("{} requires {} ({})", basis.code, required.field, required.source),
            )),
            None => errors.push(FieldError::new(
                "/legal_basis",
                "catalogue_defect",
                format!("the catalogue names an unknown field {:?}", required.field),
            )),
        }
    }

    let emergency_capable =
        basis.clocks.iter().any(|c| {
            c.emergency_duration.is_some()
                || c.when.as_ref().and_then(|w| w.priorities.as_ref()).is_some_and(|p| p.contains(&Priority::Emergency))
        }) || matches!(basis.request_kind, RequestKind::EmergencyDisclosure | RequestKind::UrgentInformation);
    if priority == Priority::Emergency {
        if !emergency_capable {
            errors.push(FieldError::new(
                "/priority",
                "no_emergency_procedure",
                format!("{} has no emergency procedure; use urgent, or an emergency basis", basis.code),
            ));
        }
        if blank(&content.emergency_justification) {
            errors.push(FieldError::new(
                "/content/emergency_justification",
                "required",
                "an emergency request states the danger to life or physical integrity",
            ));
        }
    }

    for (i, target) in content.targets.iter_mut().enumerate() {
        if let Err((field, message)) = normalise_target(target, now) {
            errors.push(FieldError::new(format!("/content/targets/{i}/{field}"), "invalid_target", message));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, target) in content.targets.iter().enumerate() {
        if !seen.insert((target.target_type, target.value.clone(), target.service.clone())) {
            errors.push(FieldError::new(format!("/content/targets/{i}"), "duplicate", "this target is listed twice"));
        }
    }

    if let Some(period) = &content.period {
        if period.from > period.to {
            errors.push(FieldError::new("/content/period", "invalid_period", "`from` is after `to`"));
        }
        if period.from > now {
            errors.push(FieldError::new("/content/period/from", "invalid_period", "the period starts in the future"));
        }
    }

    if let Some(c) = &content.confidentiality {
        if c.non_disclosure && blank(&c.reason) {
            errors.push(FieldError::new(
                "/content/confidentiality/reason",
                "required",
                "non-disclosure to the data subject needs its reason",
            ));
        }
        if c.until.is_some_and(|until| until <= now) {
            errors.push(FieldError::new("/content/confidentiality/until", "in_the_past", "the date has passed"));
        }
    }

    if let Some(language) = &content.language {
        match validate::language(language) {
            Ok(code) => content.language = Some(code),
            Err(message) => errors.push(FieldError::new("/content/language", "invalid_language", message)),
        }
    }

    let mut categories = content.data_categories.clone();
    categories.sort_by_key(|c| *c as u8);
    categories.dedup();
    if categories.len() != content.data_categories.len() {
        errors.push(FieldError::new("/content/data_categories", "duplicate", "a category is listed twice"));
    }

    if errors.is_empty() { Ok(content) } else { Err(errors) }
}

/// Whether a refusal's ground fits the legal basis: a named ground must be one of the basis's
/// (`refusal_grounds`), only a refusal names one, and where the text allows refusal only on
/// listed grounds (ETS 185 Art 30(2)) a refusal on legal grounds must name one. Factual answers
/// (wrong addressee, data not held, insufficient information) are not refusals on grounds.
pub fn check_refusal_ground(
    basis: &LegalBasis,
    outcome: Outcome,
    reason: Option<RefusalReason>,
    ground: Option<&str>,
) -> Result<(), FieldError> {
    let listed: Vec<&str> = basis.refusal_grounds.iter().map(|g| g.ground.as_str()).collect();
    match ground {
        Some(_) if outcome != Outcome::Refused => {
            Err(FieldError::new("/refusal_ground", "not_allowed", "only a refusal rests on a ground"))
        }
        Some(g) if !listed.contains(&g) => Err(FieldError::new(
            "/refusal_ground",
            "unknown_ground",
            format!(
                "{} allows refusal on: {}",
                basis.code,
                if listed.is_empty() { "no listed ground".to_owned() } else { listed.join(", ") }
            ),
        )),
        None if outcome == Outcome::Refused
            && basis.refusal_grounds_exhaustive
            && !matches!(
                reason,
                Some(
                    RefusalReason::WrongAddressee | RefusalReason::DataNotHeld | RefusalReason::InsufficientInformation
                )
            ) =>
        {
            let citations: Vec<&str> = basis.refusal_grounds.iter().map(|g| g.citation.as_str()).collect();
            Err(FieldError::new(
                "/refusal_ground",
                "required",
                format!(
                    "{} may be refused only on these grounds: {} ({})",
                    basis.code,
                    listed.join(", "),
                    citations.join("; ")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Whether an EU production order must also go to the enforcing authority (Reg. 2023/1543
/// Art 8(1)): traffic data other than data requested solely to identify the user (category
/// `identification`, Art 3(10)), or content data; unless the issuer declares both conditions
/// of Art 8(2): the offence was committed in the issuing State, and the person whose data are
/// sought resides there. A stated reason alone (`notification_exempt_reason`) is not enough.
pub fn needs_enforcing_notification(basis: &LegalBasis, content: &RequestContent) -> bool {
    let notifiable = content.data_categories.iter().any(|c| matches!(c, DataCategory::Traffic | DataCategory::Content));
    let exempt =
        content.offence_in_issuing_state == Some(true) && content.person_resides_in_issuing_state == Some(true);
    basis.code == "eu_epoc" && notifiable && !exempt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoc() -> LegalBasis {
        serde_json::from_value(serde_json::json!({
            "code": "eu_epoc", "title": "", "instrument": "", "article": "", "request_kind": "production",
            "allowed_recipient_kinds": ["service_provider"], "preferred_designations": [], "required_fields": [],
            "clocks": [], "extensions": [], "refusal_grounds": [], "citation": "", "source_quote": null,
            "source_url": null, "verified": true, "binding": true, "in_force": null, "notes": null,
            "effective_from": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn a_refusal_rests_on_a_ground_the_basis_allows() {
        use crate::legal_bases::dto::RefusalGround;
        let mut art30 = epoc();
        art30.code = "coe_budapest_30".into();
        art30.refusal_grounds_exhaustive = true;
        art30.refusal_grounds = vec![RefusalGround {
            ground: "political_offence".into(),
            citation: "ETS 185 Art 30(2)(a)".into(),
            source_quote: None,
            source_url: None,
            verified: false,
        }];
        let refused = |reason, ground| check_refusal_ground(&art30, Outcome::Refused, Some(reason), ground);
        assert_eq!(refused(RefusalReason::Overbroad, None).unwrap_err().code, "required");
        assert!(refused(RefusalReason::Other, Some("political_offence")).is_ok());
        assert_eq!(refused(RefusalReason::Other, Some("cost")).unwrap_err().code, "unknown_ground");
        // Factual answers are not refusals on grounds.
        assert!(refused(RefusalReason::DataNotHeld, None).is_ok());
        assert_eq!(
            check_refusal_ground(&art30, Outcome::Fulfilled, None, Some("political_offence")).unwrap_err().code,
            "not_allowed"
        );
        // Where the list is not exhaustive, no ground is needed.
        art30.refusal_grounds_exhaustive = false;
        assert!(check_refusal_ground(&art30, Outcome::Refused, Some(RefusalReason::Overbroad), None).is_ok());
    }

    #[test]
    fn the_enforcing_authority_is_notified_as_article_8_says() {
        use DataCategory::*;
        let basis = epoc();
        let with = |categories: Vec<DataCategory>, offence: Option<bool>, resides: Option<bool>| RequestContent {
            data_categories: categories,
            offence_in_issuing_state: offence,
            person_resides_in_issuing_state: resides,
            ..RequestContent::default()
        };
        // Art 8(1): subscriber data and data solely to identify the user: no notification.
        assert!(!needs_enforcing_notification(&basis, &with(vec![Subscriber, Identification], None, None)));
        // Other traffic data, content data: notified.
        assert!(needs_enforcing_notification(&basis, &with(vec![Identification, Traffic], None, None)));
        assert!(needs_enforcing_notification(&basis, &with(vec![Content], None, None)));
        // Art 8(2): both conditions, not one of them.
        assert!(needs_enforcing_notification(&basis, &with(vec![Content], Some(true), None)));
        assert!(needs_enforcing_notification(&basis, &with(vec![Content], Some(true), Some(false))));
        assert!(!needs_enforcing_notification(&basis, &with(vec![Content], Some(true), Some(true))));
        let reason_only = RequestContent {
            notification_exempt_reason: Some("domestic case".into()),
            ..with(vec![Traffic], None, None)
        };
        assert!(needs_enforcing_notification(&basis, &reason_only), "a reason alone does not exempt");
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(phone_e164("+33 6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(phone_e164("0049 (30) 1234-5678").unwrap(), "+493012345678");
        assert!(phone_e164("06 12 34 56 78").unwrap_err().contains("country code"));
        assert!(phone_e164("+12").is_err());
        assert!(phone_e164("+33 6x").is_err());
    }

    #[test]
    fn targets_are_normalised_or_refused() {
        let now = Utc::now();
        let mut email = Target {
            target_type: TargetType::Email,
            value: " Jo@Example.COM ".into(),
            service: None,
            timestamp: None,
            port: None,
        };
        normalise_target(&mut email, now).unwrap();
        assert_eq!(email.value, "jo@example.com");
        let mut url = Target {
            target_type: TargetType::Url,
            value: "HTTPS://Social.Example.com/u/x".into(),
            service: None,
            timestamp: None,
            port: None,
        };
        normalise_target(&mut url, now).unwrap();
        assert_eq!(url.value, "https://social.example.com/u/x");
        let mut ip = Target {
            target_type: TargetType::Ip,
            value: "2001:DB8::1".into(),
            service: None,
            timestamp: None,
            port: Some(443),
        };
        assert_eq!(normalise_target(&mut ip, now).unwrap_err().0, "timestamp");
        ip.timestamp = Some(now - TimeDelta::days(3));
        normalise_target(&mut ip, now).unwrap();
        assert_eq!(ip.value, "2001:db8::1");
        let mut user = Target {
            target_type: TargetType::Username,
            value: "recruiter2026".into(),
            service: None,
            timestamp: None,
            port: None,
        };
        assert_eq!(normalise_target(&mut user, now).unwrap_err().0, "service");
        let mut ftp = Target {
            target_type: TargetType::Url,
            value: "ftp://x.example".into(),
            service: None,
            timestamp: None,
            port: None,
        };
        assert!(normalise_target(&mut ftp, now).is_err());
    }
}
