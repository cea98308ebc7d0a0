//! Signed checkpoints: after every event of a request the exchange signs the head of its chain,
//! a compact JWS (`EdDSA`, `kid`) over the canonical JSON of
//! `{type: "rogatory.checkpoint", request_id, seq, event_hash, request_sha256}`. The hash chain
//! alone shows an edit only to someone who kept a later hash: whoever rewrites an event can
//! recompute every hash after it. A checkpoint cannot be recomputed without the exchange's key,
//! so an exported history is valid only up to an event the exchange signed, and the request
//! section of an export only as it stood after that event (`request_sha256`).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{chain, documents, jcs};
use crate::auth::keys::KeyRing;
use crate::requests::dto::Request;

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
pub fn sign(keys: &KeyRing, request: &Request, seq: i32, event_hash: &str) -> Result<String, String> {
    documents::sign_as(keys, CONTENT_TYPE, &payload(request.id, seq, event_hash, &request_digest(request)))
}
