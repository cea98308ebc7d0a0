//! Deconfliction at submission: the request's targets, as keyed hashes, against the targets of
//! other parties' open requests; a hit for each match, recorded with an event on both requests
//! that notifies both issuers. Runs in the submission's transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use super::dto::DeconflictionHit;
use super::repo::{self, HitRow};
use super::rules;
use crate::auth::Caller;
use crate::auth::keys::KeyRing;
use crate::auth::roles::Role;
use crate::db::codec::decode;
use crate::db::{AnyConnection, Backend, Db};
use crate::error::ApiError;
use crate::page::Page;
use crate::requests::dto::{RequestContent, TargetType};
use crate::requests::model::RequestRow;
use crate::vocab::EventType;

/// Matches a request that has just left its issuer and stores its hashes, unless it or its
/// party opted out (then nothing is stored: its targets are not matchable either). Answers the
/// number of hits.
pub fn on_submission(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: &RequestRow,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let content: RequestContent = decode("requests.content", row.content.clone())?;
    if content.targets.is_empty() || !rules::takes_part(&content, repo::party_takes_part(conn, row.issuer_party)?) {
        return Ok(0);
    }
    let hashed = rules::hashes(&keys.deconfliction, &content.targets);
    let mut hashes: Vec<String> = hashed.iter().map(|(h, _)| h.clone()).collect();
    hashes.sort();
    // Two submissions of the same target at once would not see each other's uncommitted rows
    // on PostgreSQL: the second waits for the first here, then sees its rows. (SQLite has one
    // writer at a time.) In hash order, so two submissions never wait on each other.
    if conn.backend() == Backend::Postgres {
        for hash in &hashes {
            let key = i64::from_str_radix(&hash[..15], 16).unwrap_or_default();
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .execute(conn)?;
        }
    }
    let found = repo::matches(conn, &hashes, row.issuer_party)?;
    let typed: Vec<(String, String)> = hashed.iter().map(|(h, t)| (h.clone(), rules::type_name(*t))).collect();
    repo::insert_targets(conn, row.id, row.issuer_party, &typed, now)?;
    for m in &found {
        let target_type = hashed.iter().find(|(h, _)| *h == m.hash).map(|(_, t)| *t).unwrap_or(TargetType::Email);
        let hit = HitRow {
            id: Uuid::now_v7(),
            target_type: rules::type_name(target_type),
            request_a: row.id,
            party_a: row.issuer_party,
            request_b: m.request,
            party_b: m.party,
            created_at: now,
        };
        repo::insert_hit(conn, &hit)?;
        // The event names the hit and the target type only: the addressee of either request
        // reads its events too. The notification to the issuer adds the other party (`notice`).
        let data = json!({"hit": hit.id, "target_type": target_type});
        for request in [hit.request_a, hit.request_b] {
            crate::requests::service::event(conn, keys, request, None, EventType::DeconflictionHit, data.clone(), now)?;
        }
    }
    Ok(found.len())
}

/// What the issuer's notification of a `deconfliction.hit` event carries: the event's data and
/// the other party (name, country, deconfliction contact), never its request.
pub fn notice(conn: &mut AnyConnection, data: &Value, issuer: Uuid) -> Result<Value, ApiError> {
    let hit = data.get("hit").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
    let Some(hit) = hit.map(|id| repo::find_hit(conn, id)).transpose()?.flatten() else {
        return Ok(data.clone());
    };
    let other = if hit.party_a == issuer { hit.party_b } else { hit.party_a };
    let mut out = data.clone();
    if let (Some(counterpart), Some(map)) =
        (repo::counterparts(conn, &[other])?.into_iter().next(), out.as_object_mut())
    {
        map.insert("counterpart".into(), json!(counterpart));
    }
    Ok(out)
}

/// Who may read a party's hits: those who issue, approve or audit its requests.
pub fn authorise(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::Operator, Role::Approver, Role::Auditor])
}

/// The hits of the caller's party, newest first (`limit + 1`: the handler pages).
pub async fn hits(db: &Db, caller: Caller, page: Page) -> Result<Vec<DeconflictionHit>, ApiError> {
    authorise(&caller)?;
    let party = caller.party;
    db.run(move |conn| {
        let rows = repo::hits_of(conn, party, page)?;
        let others: Vec<Uuid> = rows.iter().map(|h| if h.party_a == party { h.party_b } else { h.party_a }).collect();
        let known = repo::counterparts(conn, &others)?;
        rows.into_iter()
            .map(|h| {
                let (mine, other) =
                    if h.party_a == party { (h.request_a, h.party_b) } else { (h.request_b, h.party_a) };
                let counterpart = known
                    .iter()
                    .find(|c| c.party_id == other)
                    .cloned()
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {other} of hit {} vanished", h.id)))?;
                Ok(DeconflictionHit {
                    id: h.id,
                    request_id: mine,
                    target_type: decode("deconfliction_hits.target_type", Value::String(h.target_type))?,
                    counterpart,
                    created_at: h.created_at,
                })
            })
            .collect()
    })
    .await
}
