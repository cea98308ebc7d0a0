//! Queries of the in-app feed: a party's notifications, a page at a time, and marking one read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::feed::Notification;
use crate::db::schema::notifications;
use crate::db::types::{DbJson, DbTime, DbUuid};
use crate::db::{AnyConnection, DbError};
use crate::page::Page;

type Row = (DbUuid, Option<DbUuid>, String, String, DbJson, DbTime, Option<DbTime>);

/// A page of the party's notifications, newest first (`limit + 1` rows, for `Page::finish`).
pub fn feed(
    conn: &mut AnyConnection,
    party: Uuid,
    unread_only: bool,
    page: Page,
) -> Result<Vec<Notification>, DbError> {
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
    let rows: Vec<Row> = q.order(notifications::id.desc()).limit(page.limit + 1).load(conn)?;
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
