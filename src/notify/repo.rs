//! Queries of the in-app feed: a party's notifications, a page at a time, and marking one read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use uuid::Uuid;

use super::feed::Notification;
use crate::db::schema::notifications;
use crate::db::types::{DbJson, DbTime, DbUuid, PJsonb, PTimestamptz, PUuid};
use crate::db::{AnyConnection, DbError, MultiBackend};
use crate::page::Page;

type Row = (DbUuid, Option<DbUuid>, String, String, DbJson, DbTime, Option<DbTime>);
/// The SQL types of a `Row`.
type Columns = (PUuid, Nullable<PUuid>, Text, Text, PJsonb, PTimestamptz, Nullable<PTimestamptz>);

/// The query of a page of the party's notifications, newest first (`limit + 1` rows, for
/// `Page::finish`), unread ones only when asked: then by `notifications_unread_idx`, which
/// holds only the unread ones, so a poll for what is new costs the same whatever the party
/// has read before (migration 000027). Public so that the tests and the bench explain the
/// very query the feed runs.
pub fn feed_query(
    party: Uuid,
    unread_only: bool,
    page: &Page,
) -> notifications::BoxedQuery<'static, MultiBackend, Columns> {
    let mut q = notifications::table
        .filter(notifications::party_id.eq(DbUuid(party)))
        .select((
            notifications::id,
            notifications::request_id,
            notifications::event_type,
            notifications::summary,
            notifications::data,
            notifications::created_at,
            notifications::read_at,
        ))
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(notifications::id.lt(DbUuid(after)));
    }
    q.order(notifications::id.desc()).limit(page.limit + 1)
}

/// A page of the party's notifications (`feed_query`).
pub fn feed(
    conn: &mut AnyConnection,
    party: Uuid,
    unread_only: bool,
    page: Page,
) -> Result<Vec<Notification>, DbError> {
    let rows: Vec<Row> = feed_query(party, unread_only, &page).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, request, event_type, summary, data, created, read)| Notification {
            id: id.0,
            request_id: request.map(|r| r.0),
            event_type,
            summary,
            data: data.0,
            created_at: created.0,
            read_at: read.map(|r| r.0),
        })
        .collect())
}

/// Marks one of the party's notifications read (idempotent); `false` when the party has no
/// such notification.
pub fn mark_read(conn: &mut AnyConnection, party: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let mine =
        notifications::table.filter(notifications::id.eq(DbUuid(id))).filter(notifications::party_id.eq(DbUuid(party)));
    let exists = mine.clone().select(notifications::id).first::<DbUuid>(conn).optional()?.is_some();
    if !exists {
        return Ok(false);
    }
    diesel::update(mine.filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(Some(DbTime(now))))
        .execute(conn)?;
    Ok(true)
}
