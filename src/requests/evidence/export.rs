//! The audit bundle of a request: its events with their hashes, the exchange's signed
//! checkpoint of each event, its signed request and response documents and the exchange's
//! public keys, in one JSON document that can be checked offline (`rogatory verify-export`).

use jsonwebtoken::jwk::JwkSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{checkpoints, documents};
use crate::audit::chain::{self, Link, Verdict};
use crate::audit::jcs;
use crate::requests::dto::{Event, Request};

/// The format of bundles made now.
pub const FORMAT: &str = "rogatory-audit-export/2";
/// The format before checkpoints and signed responses: still read, never valid.
pub const FORMAT_V1: &str = "rogatory-audit-export/1";

/// A document the exchange signed, bound to an event of the request's chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_seq": 2, "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    "jws": "eyJhbGciOiJFZERTQSIsImN0eSI6ImFwcGxpY2F0aW9uL3ZuZC5yb2dhdG9yeS5yZXF1ZXN0K2pzb24iLCJraWQiOiIuLi4iLCJ0eXAiOiJKT1NFIn0.eyJyZXF1ZXN0Ijp7fX0.c2lnbmF0dXJl"}))]
pub struct SignedDocument {
    /// The event it is bound to: for a request document the one that made the request leave
    /// (submission, approval, forwarding), for a response document the answer's.
    pub event_seq: i32,
    pub kid: String,
    /// Compact JWS (RFC 7515), `EdDSA`, payload: the document's canonical JSON (RFC 8785).
    pub jws: String,
}

/// The exchange's signature over the head of the chain after one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_seq": 5, "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    "jws": "eyJhbGciOiJFZERTQSIsImN0eSI6ImFwcGxpY2F0aW9uL3ZuZC5yb2dhdG9yeS5jaGVja3BvaW50K2pzb24iLCJraWQiOiIuLi4iLCJ0eXAiOiJKT1NFIn0.eyJ0eXBlIjoicm9nYXRvcnkuY2hlY2twb2ludCJ9.c2lnbmF0dXJl"}))]
pub struct Checkpoint {
    pub event_seq: i32,
    pub kid: String,
    /// Compact JWS, `EdDSA`, payload: the canonical JSON of `{type: "rogatory.checkpoint",
    /// request_id, seq, event_hash, request_sha256}`; `request_sha256` is the SHA-256 of the
    /// canonical JSON of the request section with each party reference reduced to its id.
    pub jws: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditBundle {
    /// `rogatory-audit-export/2`.
    pub format: String,
    pub exported_at: chrono::DateTime<chrono::Utc>,
    pub request: Request,
    pub events: Vec<Event>,
    /// The signed checkpoint of each event (events recorded before checkpoints existed have
    /// none). The bundle is valid only if its last event has one.
    #[serde(default)]
    #[schema(required = true)]
    pub checkpoints: Vec<Checkpoint>,
    /// Signed request documents, one per submission, approval or forwarding.
    pub documents: Vec<SignedDocument>,
    /// Signed response documents, one per answer (response or objection).
    #[serde(default)]
    #[schema(required = true)]
    pub responses: Vec<SignedDocument>,
    /// The exchange's public keys when the bundle was made. Verify against a JWKS you fetched
    /// yourself (`/.well-known/jwks.json`) when the bundle's origin is in doubt.
    #[schema(value_type = Object)]
    pub jwks: JwkSet,
    pub verdict: Verdict,
}

/// What an offline check of a bundle found. Each line of a section says `ok` or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub chain: Verdict,
    pub checkpoints: Vec<String>,
    pub documents: Vec<String>,
    pub responses: Vec<String>,
    /// The request section against what the exchange signed.
    pub request: Vec<String>,
    pub valid: bool,
    /// Every failure, one line each; empty when the bundle is valid.
    pub reasons: Vec<String>,
}

pub fn links(request: uuid::Uuid, events: &[Event]) -> Vec<(uuid::Uuid, Link, String)> {
    events
        .iter()
        .map(|e| {
            let link = Link {
                request_id: request,
                seq: e.seq,
                occurred_at: chain::time_text(e.occurred_at),
                actor_client: e.actor_client,
                actor_party: e.actor_party,
                event_type: e.event_type.clone(),
                data: e.data.clone(),
                prev_hash: e.prev_hash.clone(),
            };
            (e.id, link, e.hash.clone())
        })
        .collect()
}

/// JSON pointers (RFC 6901) of the members where `shown` differs from `signed`, at most ten.
fn differences(signed: &Value, shown: &Value) -> Vec<String> {
    fn walk(signed: &Value, shown: &Value, at: &str, out: &mut Vec<String>) {
        if out.len() >= 10 || jcs::to_vec(signed) == jcs::to_vec(shown) {
            return;
        }
        match (signed, shown) {
            (Value::Object(a), Value::Object(b)) => {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    let (x, y) = (a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null));
                    if a.contains_key(key) != b.contains_key(key) {
                        out.push(format!("{at}/{escaped}"));
                    } else {
                        walk(x, y, &format!("{at}/{escaped}"), out);
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    walk(x, y, &format!("{at}/{i}"), out);
                }
            }
            _ => out.push(if at.is_empty() { "/".into() } else { at.to_owned() }),
        }
    }
    let mut out = Vec::new();
    walk(signed, shown, "", &mut out);
    out
}

/// Verifies a document's signature and its payload `type`, and finds the event `seq` of this
/// request it names; returns the payload and the event. Whether the event is the one signed is
/// `signed_hash_matches`.
fn signed_event<'a>(
    bundle: &'a AuditBundle,
    jwks: &JwkSet,
    seq: i32,
    jws: &str,
    kind: &str,
) -> Result<(Value, &'a Event), String> {
    let payload = documents::verify(jws, jwks)?;
    if payload["type"] != kind {
        return Err(format!("not a {kind} document (its type is {})", payload["type"]));
    }
    let request = payload.get("request_id").unwrap_or(&payload["request"]["id"]);
    if request != &Value::String(bundle.request.id.to_string()) {
        return Err(format!("signed for request {request}, not this one"));
    }
    let signed_seq = payload.get("seq").unwrap_or(&payload["event"]["seq"]);
    if signed_seq != &Value::from(seq) {
        return Err(format!("signed for event {signed_seq}"));
    }
    let event = bundle
        .events
        .iter()
        .find(|e| e.seq == seq)
        .ok_or_else(|| format!("the bundle has no event {seq} (were events removed?)"))?;
    Ok((payload, event))
}

fn signed_hash_matches(payload: &Value, event: &Event) -> Result<(), String> {
    let signed = payload.get("event_hash").unwrap_or(&payload["event"]["hash"]);
    if signed == &Value::String(event.hash.clone()) {
        Ok(())
    } else {
        Err(format!(
            "event {} is not the one the exchange signed: its hash differs (it or an earlier event was altered)",
            event.seq
        ))
    }
}

/// A document bound to its event: signature, type, request, event number and hash.
fn bound<'a>(
    bundle: &'a AuditBundle,
    jwks: &JwkSet,
    seq: i32,
    jws: &str,
    kind: &str,
) -> Result<(Value, &'a Event), String> {
    let (payload, event) = signed_event(bundle, jwks, seq, jws, kind)?;
    signed_hash_matches(&payload, event)?;
    Ok((payload, event))
}

/// Checks a bundle with nothing but itself and a key set:
/// - the event chain is recomputed;
/// - the last event must carry the exchange's signed checkpoint, and every checkpoint must
///   verify and match its event's hash; the request section must hash to the checkpoint's
///   `request_sha256` (the request as it stood after the last event);
/// - every request document must verify and be bound to its event, each submission and
///   forwarding must have one, and the request section's legal content must equal the latest;
/// - every answer must have a signed response document equal to its event's data.
pub fn verify(bundle: &AuditBundle, jwks: &JwkSet) -> Report {
    let request_id: Uuid = bundle.request.id;
    let chain = chain::verify(&links(request_id, &bundle.events));
    let mut reasons = Vec::new();
    if let Verdict::Broken { first_broken_seq, reason, .. } = &chain {
        reasons.push(format!("event {first_broken_seq}: {reason}"));
    }
    if bundle.format != FORMAT && bundle.format != FORMAT_V1 {
        reasons.push(format!("unknown bundle format {:?}", bundle.format));
    }
    let mut fail = |section: &mut Vec<String>, line: String| {
        section.push(line.clone());
        reasons.push(line);
    };
    let mut request = Vec::new();

    // Checkpoints: every one carried must hold; the last event must have one.
    let mut checkpoints = Vec::new();
    let mut signed_heads: Vec<(i32, Value)> = Vec::new();
    for c in &bundle.checkpoints {
        match bound(bundle, jwks, c.event_seq, &c.jws, checkpoints::TYPE) {
            Ok((payload, _)) => {
                checkpoints.push(format!("checkpoint of event {}: ok", c.event_seq));
                signed_heads.push((c.event_seq, payload));
            }
            Err(why) => fail(&mut checkpoints, format!("checkpoint of event {}: {why}", c.event_seq)),
        }
    }
    match bundle.events.last() {
        None => fail(&mut checkpoints, "the bundle has no events".into()),
        Some(last) => match signed_heads.iter().find(|(seq, _)| *seq == last.seq) {
            None => {
                let hint = if bundle.format == FORMAT_V1 {
                    format!(" (bundles of format {FORMAT_V1} carry no checkpoints; export the request again)")
                } else {
                    String::new()
                };
                fail(
                    &mut checkpoints,
                    format!(
                        "event {}, the last, has no valid signed checkpoint: the exchange did not sign this history{hint}",
                        last.seq
                    ),
                );
                request.push("not checked against a checkpoint: the last event has none".into());
            }
            Some((seq, payload)) => {
                if payload["request_sha256"] != checkpoints::request_digest(&bundle.request).as_str() {
                    fail(
                        &mut request,
                        format!(
                            "the request section is not the request as it stood after event {seq}, the last \
                             (its digest differs from the checkpoint the exchange signed)"
                        ),
                    );
                }
            }
        },
    }

    // Request documents: each verifies and is bound; each leaving event has one; the request
    // section's legal content is the latest one's.
    let mut docs = Vec::new();
    let mut latest: Option<(i32, Value)> = None;
    for d in &bundle.documents {
        match bound(bundle, jwks, d.event_seq, &d.jws, documents::REQUEST_TYPE) {
            Ok((payload, _)) => {
                docs.push(format!("document of event {}: ok", d.event_seq));
                if latest.as_ref().is_none_or(|(seq, _)| *seq < d.event_seq) {
                    latest = Some((d.event_seq, payload));
                }
            }
            Err(why) => fail(&mut docs, format!("document of event {}: {why}", d.event_seq)),
        }
    }
    for e in bundle.events.iter().filter(|e| documents::LEAVING_EVENTS.iter().any(|t| t.as_str() == e.event_type)) {
        if !docs.contains(&format!("document of event {}: ok", e.seq)) {
            fail(&mut docs, format!("event {} ({}) has no valid signed request document", e.seq, e.event_type));
        }
    }
    if let Some((seq, payload)) = &latest {
        let differ = differences(&payload["request"], &documents::legal_content(&bundle.request));
        if !differ.is_empty() {
            fail(
                &mut request,
                format!(
                    "the request section differs from the request document signed at event {seq} at {}",
                    differ.join(", ")
                ),
            );
        }
    }

    // Answers: each has its signed response document, equal to the event's data.
    let mut responses = Vec::new();
    for d in &bundle.responses {
        let result =
            signed_event(bundle, jwks, d.event_seq, &d.jws, documents::RESPONSE_TYPE).and_then(|(payload, event)| {
                if !documents::RESPONSE_EVENTS.iter().any(|t| t.as_str() == event.event_type) {
                    return Err(format!("event {} is a {}, not an answer", event.seq, event.event_type));
                }
                // The content first, so that a forged answer is named by what was changed.
                let differ = differences(&payload["response"], &event.data);
                if !differ.is_empty() {
                    return Err(format!("the event differs from the signed response at {}", differ.join(", ")));
                }
                if payload["party"] != serde_json::to_value(event.actor_party).unwrap_or_default() {
                    return Err("signed as the answer of another party".into());
                }
                signed_hash_matches(&payload, event)
            });
        match result {
            Ok(()) => responses.push(format!("response of event {}: ok", d.event_seq)),
            Err(why) => fail(&mut responses, format!("response of event {}: {why}", d.event_seq)),
        }
    }
    for e in bundle.events.iter().filter(|e| documents::RESPONSE_EVENTS.iter().any(|t| t.as_str() == e.event_type)) {
        if bundle.responses.iter().any(|d| d.event_seq == e.seq) {
            continue;
        }
        if bundle.checkpoints.iter().any(|c| c.event_seq == e.seq) {
            fail(&mut responses, format!("response of event {}: no signed response document", e.seq));
        } else {
            // Recorded before answers and checkpoints were signed: only the chain up to a
            // later signed checkpoint covers it.
            responses.push(format!(
                "response of event {}: ok (recorded before responses were signed; covered by the chain and the \
                 checkpoint of a later event)",
                e.seq
            ));
        }
    }

    if request.is_empty() {
        request.push("ok".into());
    }
    let valid = reasons.is_empty();
    Report { chain, checkpoints, documents: docs, responses, request, valid, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_are_named_by_pointer() {
        let signed = json!({"a": 1, "b": {"c/d": [1, 2], "e": "x"}, "f": null});
        let shown = json!({"a": 1, "b": {"c/d": [1, 3], "e": "x"}, "g": true});
        assert_eq!(differences(&signed, &shown), vec!["/b/c~1d/1", "/f", "/g"]);
        assert!(differences(&signed, &signed.clone()).is_empty());
        assert_eq!(differences(&json!([1]), &json!([1, 2])), vec!["/"]);
    }
}
