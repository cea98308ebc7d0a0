//! The audit bundle of a request: its events with their hashes, its signed documents and the
//! exchange's public keys, in one JSON document that can be checked offline
//! (`rogatory verify-export`).

use jsonwebtoken::jwk::JwkSet;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::chain::{self, Link, Verdict};
use super::documents;
use crate::requests::dto::{Event, Request};

pub const FORMAT: &str = "rogatory-audit-export/1";

/// A signed request document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_seq": 2, "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    "jws": "eyJhbGciOiJFZERTQSIsImN0eSI6ImFwcGxpY2F0aW9uL3ZuZC5yb2dhdG9yeS5yZXF1ZXN0K2pzb24iLCJraWQiOiIuLi4iLCJ0eXAiOiJKT1NFIn0.eyJyZXF1ZXN0Ijp7fX0.c2lnbmF0dXJl"}))]
pub struct SignedDocument {
    /// The event that made the request leave (submission, approval, forwarding).
    pub event_seq: i32,
    pub kid: String,
    /// Compact JWS (RFC 7515), `EdDSA`, payload: the document's canonical JSON (RFC 8785).
    pub jws: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditBundle {
    /// `rogatory-audit-export/1`.
    pub format: String,
    pub exported_at: chrono::DateTime<chrono::Utc>,
    pub request: Request,
    pub events: Vec<Event>,
    pub documents: Vec<SignedDocument>,
    /// The exchange's public keys when the bundle was made. Verify against a JWKS you fetched
    /// yourself (`/.well-known/jwks.json`) when the bundle's origin is in doubt.
    #[schema(value_type = Object)]
    pub jwks: JwkSet,
    pub verdict: Verdict,
}

/// What an offline check of a bundle found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub chain: Verdict,
    /// One line per document: `ok` or why it failed.
    pub documents: Vec<String>,
    pub valid: bool,
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

/// Checks a bundle with nothing but itself and a key set: the event chain is recomputed, and
/// each document's signature is verified and its event hash matched against the chain.
pub fn verify(bundle: &AuditBundle, jwks: &JwkSet) -> Report {
    let chain = chain::verify(&links(bundle.request.id, &bundle.events));
    let documents: Vec<String> = bundle
        .documents
        .iter()
        .map(|d| match documents::verify(&d.jws, jwks) {
            Err(why) => format!("document of event {}: {why}", d.event_seq),
            Ok(payload) => {
                let event = bundle.events.iter().find(|e| e.seq == d.event_seq);
                match event {
                    Some(e)
                        if payload["event"]["hash"] == e.hash.as_str()
                            && payload["request"]["id"] == bundle.request.id.to_string() =>
                    {
                        "ok".to_owned()
                    }
                    _ => format!("document of event {}: not bound to this request's chain", d.event_seq),
                }
            }
        })
        .collect();
    let valid = matches!(chain, Verdict::Intact { .. }) && documents.iter().all(|d| d == "ok");
    Report { chain, documents, valid }
}
