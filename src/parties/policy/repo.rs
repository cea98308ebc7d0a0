//! Queries of request policies: publishing a version.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::PublishedPolicy;
use crate::db::AnyConnection;
use crate::db::codec::encode;
use crate::db::schema::{parties, party_policies};
use crate::db::types::{DbJson, DbTime, DbUuid};
use crate::error::ApiError;

/// Keeps the version in the history and makes it the party's current policy (a change of the
/// party: its version moves, as its `ETag` must).
pub fn publish(
    conn: &mut AnyConnection,
    party: Uuid,
    published: &PublishedPolicy,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::insert_into(party_policies::table)
        .values((
            party_policies::party_id.eq(DbUuid(party)),
            party_policies::version.eq(published.version),
            party_policies::policy.eq(DbJson(encode(&published.policy))),
            party_policies::published_at.eq(DbTime(published.published_at)),
            party_policies::published_by.eq(by.map(DbUuid)),
        ))
        .execute(conn)?;
    diesel::update(parties::table.filter(parties::id.eq(DbUuid(party))))
        .set((
            parties::request_policy.eq(Some(DbJson(encode(published)))),
            parties::version.eq(parties::version + 1),
            parties::updated_at.eq(DbTime(now)),
        ))
        .execute(conn)?;
    Ok(())
}
