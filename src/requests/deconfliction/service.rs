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

/// What a submission's targets met, looked up before its event is recorded: the other
/// parties' matches, and the insert of its own hashes, which goes with the event
/// (`db::together`).
pub struct Lookup {
    hashed: Vec<(String, TargetType)>,
    party: Uuid,
    /// The hashes to look up, until they are (`sent_with`, else `record_hits`).
    pending: Option<Vec<String>>,
    found: Vec<repo::Match>,
    insert: Option<crate::db::together::Part<'static>>,
}

impl Lookup {
    /// Runs `writes` (the submission event's) with the insert of the request's own hashes, and
    /// the lookup after them: one statement on PostgreSQL (issue 16), whose lookup reads the
    /// database as it was after the lock, so it sees every hash committed before, and none of
    /// this request's (its own party's, which never match anyway). Once: a request leaves its
    /// issuer once.
    pub fn sent_with(
        &mut self,
        conn: &mut AnyConnection,
        mut writes: Vec<crate::db::together::Part<'static>>,
    ) -> Result<(), ApiError> {
        writes.extend(self.insert.take());
        let hashes = self.pending.take().unwrap_or_default();
        self.found = repo::matches_after(conn, writes, &hashes, self.party)?;
        Ok(())
    }
}

/// Matches a request that is leaving its issuer, in the submission's transaction, unless it or
/// its party opted out (`None`: nothing is stored, so its targets are not matchable either).
/// `issuer_takes_part`: the issuing party's setting, when the caller read it already (otherwise
/// it is read here). Its hashes are stored and looked up by `Lookup::sent_with`, with the
/// submission's event, and the hits recorded by `record_hits`.
pub fn look_up(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: &RequestRow,
    issuer_takes_part: Option<bool>,
    now: DateTime<Utc>,
) -> Result<Option<Lookup>, ApiError> {
    let content: RequestContent = decode("requests.content", row.content.clone())?;
    if content.targets.is_empty() {
        return Ok(None);
    }
    let party_takes_part = match issuer_takes_part {
        Some(setting) => setting,
        None => repo::party_takes_part(conn, row.issuer_party)?,
    };
    if !rules::takes_part(&content, party_takes_part) {
        return Ok(None);
    }
    let hashed = rules::hashes(&keys.deconfliction, &content.targets);
    let mut hashes: Vec<String> = hashed.iter().map(|(h, _)| h.clone()).collect();
    hashes.sort();
    // Two submissions of the same target at once would not see each other's uncommitted rows
    // on PostgreSQL: the second waits for the first here, then sees its rows. (SQLite has one
    // writer at a time.) In key order, so two submissions never wait on each other; one
    // statement for all (the keys are numbers computed here, not input). The lock is held to
    // the end of the transaction, so past the insert of this request's hashes.
    if conn.backend() == Backend::Postgres {
        let mut keys: Vec<i64> = hashes.iter().map(|h| i64::from_str_radix(&h[..15], 16).unwrap_or_default()).collect();
        keys.sort_unstable();
        keys.dedup();
        let values: Vec<String> = keys.iter().map(|k| format!("({k})")).collect();
        diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM (VALUES {}) AS v(k) ORDER BY k) AS ordered",
            values.join(", ")
        ))
        .execute(conn)?;
    }
    let typed: Vec<(String, String)> = hashed.iter().map(|(h, t)| (h.clone(), rules::type_name(*t))).collect();
    let insert = repo::targets_insert(row.id, row.issuer_party, &typed, now);
    Ok(Some(Lookup { hashed, party: row.issuer_party, pending: Some(hashes), found: vec![], insert }))
}

/// Records the hits a submission's lookup found, after the submission's event: each a row and
/// an event on both requests. Answers the number of hits.
pub fn record_hits(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: &RequestRow,
    mut lookup: Lookup,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    // Looked up and stored here unless the submission's event took them with it.
    if lookup.pending.is_some() {
        lookup.sent_with(conn, vec![])?;
    }
    let Lookup { hashed, found, .. } = lookup;
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
        // reads its events too. The notification to each issuer adds the other party.
        let data = json!({"hit": hit.id, "target_type": target_type});
        let parties = repo::counterparts(conn, &[hit.party_a, hit.party_b])?;
        for (request, other) in [(hit.request_a, hit.party_b), (hit.request_b, hit.party_a)] {
            let mut notice = data.clone();
            if let Some(counterpart) = parties.iter().find(|c| c.party_id == other) {
                notice["counterpart"] = json!(counterpart);
            }
            crate::requests::service::event_noticed(
                conn,
                keys,
                request,
                EventType::DeconflictionHit,
                data.clone(),
                &notice,
                now,
            )?;
        }
    }
    Ok(found.len())
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
