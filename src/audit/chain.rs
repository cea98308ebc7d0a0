//! The hash chain of a request's events: each event's hash covers its content and the hash of
//! the event before it, so changing, removing or reordering an event breaks every later link.
//! `hash = SHA-256(JCS({request_id, seq, occurred_at, actor_client, actor_party, type, data,
//! prev_hash}))`, hex; the first event's `prev_hash` is 64 zeros.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::jcs;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub request_id: Uuid,
    pub seq: i32,
    /// RFC 3339 with microseconds, UTC (`2026-11-30T08:15:00.123456Z`).
    pub occurred_at: String,
    pub actor_client: Option<Uuid>,
    pub actor_party: Option<Uuid>,
    pub event_type: String,
    pub data: Value,
    pub prev_hash: String,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn hash(link: &Link) -> String {
    let canonical = jcs::to_vec(&json!({
        "request_id": link.request_id,
        "seq": link.seq,
        "occurred_at": link.occurred_at,
        "actor_client": link.actor_client,
        "actor_party": link.actor_party,
        "type": link.event_type,
        "data": link.data,
        "prev_hash": link.prev_hash,
    }));
    hex(&Sha256::digest(canonical))
}

/// The result of recomputing a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// Every event's hash matches its content and links to the one before; from the API, each
    /// event also has the exchange's signed checkpoint of its hash (events recorded before
    /// checkpoints existed excepted) and the request is the one the last checkpoint covers.
    Intact {
        events: usize,
        /// Hash of the last event: a receipt for the whole history.
        head: String,
    },
    Broken {
        events: usize,
        /// The first event whose stored hashes do not match, or whose signed checkpoint does
        /// not (or the last event, when the request is not the one its checkpoint covers).
        first_broken_seq: i32,
        first_broken_event: Uuid,
        reason: String,
    },
}

/// Recomputes the chain over `(event id, link, stored hash)` in sequence order.
pub fn verify(events: &[(Uuid, Link, String)]) -> Verdict {
    let mut previous = GENESIS.to_owned();
    for (index, (id, link, stored)) in events.iter().enumerate() {
        let broken = |reason: String| Verdict::Broken {
            events: events.len(),
            first_broken_seq: link.seq,
            first_broken_event: *id,
            reason,
        };
        if link.seq != i32::try_from(index + 1).unwrap_or(i32::MAX) {
            return broken(format!("expected event number {}, found {}", index + 1, link.seq));
        }
        if link.prev_hash != previous {
            return broken("its prev_hash is not the hash of the event before it".into());
        }
        let recomputed = hash(link);
        if &recomputed != stored {
            return broken("its content does not match its hash".into());
        }
        previous = recomputed;
    }
    Verdict::Intact { events: events.len(), head: previous }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i32) -> Vec<(Uuid, Link, String)> {
        let request = Uuid::now_v7();
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let link = Link {
                    request_id: request,
                    seq,
                    occurred_at: format!("2026-11-30T08:00:0{seq}.000000Z"),
                    actor_client: None,
                    actor_party: Some(request),
                    event_type: "request.updated".into(),
                    data: json!({"n": seq}),
                    prev_hash: prev.clone(),
                };
                let h = hash(&link);
                prev = h.clone();
                (Uuid::now_v7(), link, h)
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let events = chain(4);
        assert_eq!(verify(&events), Verdict::Intact { events: 4, head: events[3].2.clone() });
        assert_eq!(verify(&[]), Verdict::Intact { events: 0, head: GENESIS.into() });
    }

    #[test]
    fn an_edit_a_removal_or_a_reorder_is_found() {
        let mut edited = chain(4);
        edited[2].1.data = json!({"n": 99});
        assert!(matches!(verify(&edited), Verdict::Broken { first_broken_seq: 3, .. }));

        let mut removed = chain(4);
        removed.remove(1);
        assert!(matches!(verify(&removed), Verdict::Broken { first_broken_seq: 3, .. }));

        // Rewriting an event and its own hash still breaks the next link.
        let mut rehashed = chain(4);
        rehashed[1].1.data = json!({"forged": true});
        rehashed[1].2 = hash(&rehashed[1].1);
        assert!(matches!(verify(&rehashed), Verdict::Broken { first_broken_seq: 3, .. }));
    }
}
