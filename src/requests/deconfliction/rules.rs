//! Pure rules of deconfliction: the keyed hash of a target's canonical form, which requests
//! take part, which requests are open. No database, no HTTP.

pub use crate::auth::deconfliction_key::DeconflictionKey;
use crate::requests::dto::{RequestContent, Target};
use crate::vocab::RequestStatus;
use crate::vocab::TargetType;

/// The API spelling of a target type (`account_id`).
pub fn type_name(t: TargetType) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{t:?}").to_lowercase(),
    }
}

/// The canonical form of a target that was normalised by `requests::content::validate`: its
/// type, then what identifies it, separated by a unit separator. A username or account id is
/// the same target only on the same service; an IP address only on the same day (UTC) and,
/// when given, the same port: addresses are reassigned and shared behind carrier-grade NAT.
pub fn canonical(target: &Target) -> String {
    let service = target.service.as_deref().unwrap_or("");
    let value = match target.target_type {
        TargetType::Ip => {
            let day = target.timestamp.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
            let port = target.port.map(|p| p.to_string()).unwrap_or_default();
            format!("{}\u{1f}{day}\u{1f}{port}", target.value)
        }
        _ => target.value.clone(),
    };
    format!("{}\u{1f}{service}\u{1f}{value}", type_name(target.target_type))
}

/// Whether a request's targets take part in deconfliction: neither the request (`deconfliction:
/// false`, e.g. covert operations) nor its issuing party opted out.
pub fn takes_part(content: &RequestContent, party_takes_part: bool) -> bool {
    party_takes_part && content.deconfliction != Some(false)
}

/// The statuses of an open request, whose targets others' submissions are matched against:
/// sent and not yet finished (withdrawn, completed, released or lapsed).
pub const OPEN: [RequestStatus; 4] = [
    RequestStatus::Submitted,
    RequestStatus::Acknowledged,
    RequestStatus::AwaitingClarification,
    RequestStatus::Preserved,
];

/// The keyed hashes of a request's targets, with their types (one per distinct hash).
pub fn hashes(key: &DeconflictionKey, targets: &[Target]) -> Vec<(String, TargetType)> {
    let mut out: Vec<(String, TargetType)> = Vec::with_capacity(targets.len());
    for target in targets {
        let hash = key.hash(&canonical(target));
        if !out.iter().any(|(h, _)| *h == hash) {
            out.push((hash, target.target_type));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn target(t: TargetType, value: &str) -> Target {
        Target { target_type: t, value: value.into(), service: None, timestamp: None, port: None }
    }

    #[test]
    fn the_hash_is_keyed_and_depends_on_type_service_and_value() {
        let (k1, k2) = (DeconflictionKey::generate(), DeconflictionKey::generate());
        let phone = target(TargetType::Phone, "+33612345678");
        assert_eq!(k1.hash(&canonical(&phone)).len(), 64);
        assert_ne!(k1.hash(&canonical(&phone)), k2.hash(&canonical(&phone)), "another key, another hash");
        // The same value as another type is another target.
        assert_ne!(canonical(&phone), canonical(&target(TargetType::AccountId, "+33612345678")));
        let mut on_a = target(TargetType::Username, "recruiter");
        on_a.service = Some("instagram".into());
        let mut on_b = on_a.clone();
        on_b.service = Some("tiktok".into());
        assert_ne!(canonical(&on_a), canonical(&on_b));
    }

    #[test]
    fn an_ip_address_matches_on_the_same_day_and_port() {
        let mut ip = target(TargetType::Ip, "192.0.2.1");
        ip.timestamp = Some(Utc.with_ymd_and_hms(2026, 11, 3, 8, 0, 0).unwrap());
        let mut later = ip.clone();
        later.timestamp = Some(Utc.with_ymd_and_hms(2026, 11, 3, 21, 30, 0).unwrap());
        assert_eq!(canonical(&ip), canonical(&later));
        later.timestamp = Some(Utc.with_ymd_and_hms(2026, 11, 4, 8, 0, 0).unwrap());
        assert_ne!(canonical(&ip), canonical(&later));
        let mut port = ip.clone();
        port.port = Some(443);
        assert_ne!(canonical(&ip), canonical(&port));
    }

    #[test]
    fn opting_out_by_request_or_by_party() {
        let content = RequestContent::default();
        assert!(takes_part(&content, true));
        assert!(!takes_part(&content, false));
        let covert = RequestContent { deconfliction: Some(false), ..RequestContent::default() };
        assert!(!takes_part(&covert, true));
        let explicit = RequestContent { deconfliction: Some(true), ..RequestContent::default() };
        assert!(takes_part(&explicit, true));
    }

    #[test]
    fn a_target_listed_once_per_hash() {
        let key = DeconflictionKey::generate();
        let targets = [target(TargetType::Phone, "+33612345678"), target(TargetType::Email, "x@example.org")];
        let h = hashes(&key, &targets);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].1, TargetType::Phone);
        assert!(!OPEN.contains(&RequestStatus::Withdrawn) && !OPEN.contains(&RequestStatus::Draft));
    }
}
