//! Signed checkpoints: after every event of a request the exchange signs the head of its chain,
//! a compact JWS (`EdDSA`, `kid`) over the canonical JSON of
//! `{type: "rogatory.checkpoint", request_id, seq, event_hash, request_sha256}`. The hash chain
//! alone shows an edit only to someone who kept a later hash: whoever rewrites an event can
//! recompute every hash after it. A checkpoint cannot be recomputed without the exchange's key,
//! so an exported history is valid only up to an event the exchange signed, and the request
//! section of an export only as it stood after that event (`request_sha256`).

use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::documents;
use crate::audit::{chain, jcs};
use crate::auth::keys::KeyRing;
use crate::requests::dto::{Event, Request};

/// Media type of a checkpoint (the JWS `cty`).
pub const CONTENT_TYPE: &str = "application/vnd.rogatory.checkpoint+json";
/// The payload's `type`.
pub const TYPE: &str = "rogatory.checkpoint";

/// The request as a checkpoint covers it: the request section of the API (and of an export)
/// with each party reference reduced to the party's id. Names and countries of parties are the
/// directory's and change without an event; everything else changes only with one.
pub fn request_state(request: &Request) -> Value {
    let mut value = serde_json::to_value(request).unwrap_or_default();
    let id_only = |party: &mut Value| {
        if let Some(id) = party.get("id").cloned() {
            *party = id;
        }
    };
    for member in ["issuer", "addressee", "enforcing_authority"] {
        if let Some(party) = value.get_mut(member) {
            id_only(party);
        }
    }
    if let Some(participants) = value.get_mut("participants").and_then(Value::as_array_mut) {
        for participant in participants {
            if let Some(party) = participant.get_mut("party") {
                id_only(party);
            }
        }
    }
    value
}

/// SHA-256 (hex) of the canonical JSON of `request_state`.
pub fn request_digest(request: &Request) -> String {
    chain::hex(&Sha256::digest(jcs::to_vec(&request_state(request))))
}

pub fn payload(request_id: Uuid, seq: i32, event_hash: &str, request_sha256: &str) -> Value {
    json!({
        "type": TYPE,
        "request_id": request_id,
        "seq": seq,
        "event_hash": event_hash,
        "request_sha256": request_sha256,
    })
}

/// Signs the checkpoint of event `seq` (hash `event_hash`) of `request`, as it stands after
/// the event; returns the compact JWS.
pub fn sign(keys: &KeyRing, request: &Request, seq: i32, event_hash: &str) -> String {
    documents::sign_as(keys, CONTENT_TYPE, &payload(request.id, seq, event_hash, &request_digest(request)))
}

/// Checks the stored checkpoints of an intact chain (`events` in order) against the exchange's
/// keys: each must verify and name its event's hash; once the exchange signed an event, every
/// later one must have a checkpoint (earlier ones may predate checkpoints); and the request as
/// it stands must be the one the last checkpoint covers. Returns the first broken event
/// (id, seq) and why, or `None`.
pub fn first_broken(
    request: &Request,
    events: &[Event],
    stored: &[(i32, String)],
    jwks: &JwkSet,
) -> Option<(Uuid, i32, String)> {
    let first_signed = stored.iter().map(|(seq, _)| *seq).min()?;
    let mut last_payload = None;
    for event in events.iter().filter(|e| e.seq >= first_signed) {
        let Some((_, jws)) = stored.iter().find(|(seq, _)| *seq == event.seq) else {
            let why = format!("it has no signed checkpoint, though the events since {first_signed} have one");
            return Some((event.id, event.seq, why));
        };
        let payload = match documents::verify(jws, jwks) {
            Ok(payload) => payload,
            Err(why) => return Some((event.id, event.seq, format!("its checkpoint does not verify: {why}"))),
        };
        let signed = payload["type"] == TYPE
            && payload["request_id"] == request.id.to_string()
            && payload["seq"] == event.seq
            && payload["event_hash"] == event.hash;
        if !signed {
            let why = "it is not the event the exchange signed in its checkpoint (it or an earlier one was rewritten)";
            return Some((event.id, event.seq, why.into()));
        }
        last_payload = Some((event, payload));
    }
    let (last, payload) = last_payload?;
    if last.seq == events.last().map_or(0, |e| e.seq) && payload["request_sha256"] != request_digest(request) {
        let why = "the request is not as the exchange signed it in the checkpoint of the last event (it was changed \
                   without an event)";
        return Some((last.id, last.seq, why.into()));
    }
    None
}
