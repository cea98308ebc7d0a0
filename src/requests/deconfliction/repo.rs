//! Queries of deconfliction: stored target hashes, the match lookup, hits.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::Counterpart;
use super::rules::OPEN;
use crate::db::AnyConnection;
use crate::db::schema::{deconfliction_hits, deconfliction_targets, parties, requests};
use crate::db::types::{DbText, DbTime, DbUuid, PTimestamptz, PUuid};
use crate::error::ApiError;
use crate::page::Page;
use diesel::sql_types::Text;

/// A stored target of another party's open request with the same hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub hash: String,
    pub request: Uuid,
    pub party: Uuid,
}

/// One side of the lookup of `matches`: the targets with one of these hashes whose party is on
/// one side of the submitter's, whose request is open. The status is checked by a correlated
/// `EXISTS` rather than a join, so that no planner can start from the open requests.
macro_rules! lookup_side {
    ($hashes:expr, $other_party:expr) => {
        deconfliction_targets::table
            .filter(deconfliction_targets::hash.eq_any($hashes))
            .filter($other_party)
            .filter(diesel::dsl::exists(
                requests::table
                    .filter(requests::id.eq(deconfliction_targets::request_id))
                    .filter(requests::status.eq_any(OPEN.map(DbText))),
            ))
            .select((deconfliction_targets::hash, deconfliction_targets::request_id, deconfliction_targets::party_id))
    };
}

/// The lookup of `matches`, written once for the lookup and for its plan (`lookup_plan`). Its
/// plan must start at the hashes, on SQLite too, which keeps no statistics: each side is a
/// range of the table's key `(hash, party_id, request_id)` per hash, whatever the submitter
/// itself stored under it, then each match's request by key. As one `party_id <> ?`, or as
/// `party_id < ? OR party_id > ?`, or with the requests joined and 20 hashes bound, SQLite
/// walked every open request by status and probed its hashes.
macro_rules! lookup {
    ($hashes:expr, $party:expr) => {
        crate::db::union::union_all(
            lookup_side!($hashes.clone(), deconfliction_targets::party_id.lt(DbUuid($party))),
            lookup_side!($hashes, deconfliction_targets::party_id.gt(DbUuid($party))),
        )
    };
}

/// The targets of other parties' open requests with one of these hashes (`lookup!`), in the
/// order of their requests, then hashes.
pub fn matches(conn: &mut AnyConnection, hashes: &[String], party: Uuid) -> Result<Vec<Match>, ApiError> {
    matches_after(conn, vec![], hashes, party)
}

/// `matches`, after `writes` (`db::together::execute_then_load`: one statement with them on
/// PostgreSQL, where the lookup does not see what they insert).
pub fn matches_after(
    conn: &mut AnyConnection,
    writes: Vec<crate::db::together::Part<'static>>,
    hashes: &[String],
    party: Uuid,
) -> Result<Vec<Match>, ApiError> {
    if hashes.is_empty() {
        crate::db::together::execute_together(conn, &writes)?;
        return Ok(vec![]);
    }
    let hashes = hashes.to_vec();
    let rows: Vec<(String, DbUuid, DbUuid)> =
        crate::db::together::execute_then_load(conn, writes, lookup!(hashes, party))?;
    let mut found: Vec<Match> =
        rows.into_iter().map(|(hash, request, party)| Match { hash, request: request.0, party: party.0 }).collect();
    // In one order whatever the plan: hits are recorded as they are found.
    found.sort_by(|a, b| (a.request, &a.hash).cmp(&(b.request, &b.hash)));
    Ok(found)
}

/// The plan this backend picks for the lookup of `matches` (`db::explain`).
pub fn lookup_plan(conn: &mut AnyConnection, hashes: &[String], party: Uuid) -> Result<Vec<String>, ApiError> {
    let hashes = hashes.to_vec();
    Ok(crate::db::explain::plan(conn, lookup!(hashes, party))?)
}

/// Stores a submitted request's target hashes (distinct), in one statement. A request leaves
/// its issuer once, so its hashes are stored once.
pub fn insert_targets(
    conn: &mut AnyConnection,
    request: Uuid,
    party: Uuid,
    hashes: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(insert) = targets_insert(request, party, hashes, now) {
        crate::db::together::execute_together(conn, &[insert])?;
    }
    Ok(())
}

/// The multi-row insert of `insert_targets` (none for no hashes), to be sent with the
/// submission's event (`db::together`).
pub fn targets_insert(
    request: Uuid,
    party: Uuid,
    hashes: &[(String, String)],
    now: DateTime<Utc>,
) -> Option<crate::db::together::Part<'static>> {
    if hashes.is_empty() {
        return None;
    }
    let mut insert = crate::db::together::Written::default()
        .sql("INSERT INTO deconfliction_targets (request_id, party_id, created_at, hash, target_type) VALUES ");
    for (i, (hash, target_type)) in hashes.iter().enumerate() {
        insert = insert
            .sql(if i == 0 { "(" } else { ", (" })
            .bind::<PUuid, _>(DbUuid(request))
            .sql(", ")
            .bind::<PUuid, _>(DbUuid(party))
            .sql(", ")
            .bind::<PTimestamptz, _>(DbTime(now))
            .sql(", ")
            .bind::<Text, _>(hash.clone())
            .sql(", ")
            .bind::<Text, _>(target_type.clone())
            .sql(")");
    }
    Some(insert.part())
}

/// A hit as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct HitRow {
    pub id: Uuid,
    pub target_type: String,
    pub request_a: Uuid,
    pub party_a: Uuid,
    pub request_b: Uuid,
    pub party_b: Uuid,
    pub created_at: DateTime<Utc>,
}

type HitTuple = (DbUuid, String, DbUuid, DbUuid, DbUuid, DbUuid, DbTime);

fn hit_row(t: HitTuple) -> HitRow {
    HitRow {
        id: t.0.0,
        target_type: t.1,
        request_a: t.2.0,
        party_a: t.3.0,
        request_b: t.4.0,
        party_b: t.5.0,
        created_at: t.6.0,
    }
}

pub fn insert_hit(conn: &mut AnyConnection, hit: &HitRow) -> Result<(), ApiError> {
    diesel::insert_into(deconfliction_hits::table)
        .values((
            deconfliction_hits::id.eq(DbUuid(hit.id)),
            deconfliction_hits::target_type.eq(&hit.target_type),
            deconfliction_hits::request_a.eq(DbUuid(hit.request_a)),
            deconfliction_hits::party_a.eq(DbUuid(hit.party_a)),
            deconfliction_hits::request_b.eq(DbUuid(hit.request_b)),
            deconfliction_hits::party_b.eq(DbUuid(hit.party_b)),
            deconfliction_hits::created_at.eq(DbTime(hit.created_at)),
        ))
        .execute(conn)?;
    Ok(())
}

const HIT_COLUMNS: (
    deconfliction_hits::id,
    deconfliction_hits::target_type,
    deconfliction_hits::request_a,
    deconfliction_hits::party_a,
    deconfliction_hits::request_b,
    deconfliction_hits::party_b,
    deconfliction_hits::created_at,
) = (
    deconfliction_hits::id,
    deconfliction_hits::target_type,
    deconfliction_hits::request_a,
    deconfliction_hits::party_a,
    deconfliction_hits::request_b,
    deconfliction_hits::party_b,
    deconfliction_hits::created_at,
);

/// The hits of a party's requests (either side), newest first, `limit + 1` rows.
pub fn hits_of(conn: &mut AnyConnection, party: Uuid, page: Page) -> Result<Vec<HitRow>, ApiError> {
    let mut q = deconfliction_hits::table
        .filter(deconfliction_hits::party_a.eq(DbUuid(party)).or(deconfliction_hits::party_b.eq(DbUuid(party))))
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(deconfliction_hits::id.lt(DbUuid(after)));
    }
    let rows: Vec<HitTuple> =
        q.select(HIT_COLUMNS).order(deconfliction_hits::id.desc()).limit(page.limit + 1).load(conn)?;
    Ok(rows.into_iter().map(hit_row).collect())
}

/// What a hit tells of a party: name, country, deconfliction contact.
pub fn counterparts(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<Counterpart>, ApiError> {
    let ids: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, String, Option<String>, Option<String>)> = parties::table
        .filter(parties::id.eq_any(ids))
        .select((parties::id, parties::name, parties::country, parties::deconfliction_contact))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, country, deconfliction_contact)| Counterpart {
            party_id: id.0,
            name,
            country,
            deconfliction_contact,
        })
        .collect())
}

/// Whether a party takes part in deconfliction (its setting).
pub fn party_takes_part(conn: &mut AnyConnection, party: Uuid) -> Result<bool, ApiError> {
    Ok(parties::table.filter(parties::id.eq(DbUuid(party))).select(parties::deconfliction).first::<bool>(conn)?)
}
