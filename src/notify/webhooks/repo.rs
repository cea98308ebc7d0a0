//! Queries of webhook subscriptions and their delivery log. Transactions are opened by the
//! callers (`handlers`, `delivery`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde_json::json;
use uuid::Uuid;

use super::dto::{Delivery, Webhook};
use crate::auth::Caller;
use crate::db::AnyConnection;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::types::{DbJson, DbTime, DbUuid, PJsonb, PTimestamptz, PUuid};
use crate::error::ApiError;
use crate::page::Page;

pub type WebhookRow = (DbUuid, DbUuid, String, DbJson, Option<String>, DbTime);

pub fn to_webhook(row: WebhookRow) -> Webhook {
    Webhook {
        id: row.0.0,
        url: row.2,
        event_types: serde_json::from_value(row.3.0).unwrap_or_default(),
        description: row.4,
        created_at: row.5.0,
    }
}

/// The SQL types of a `WebhookRow`.
type WebhookColumns = (PUuid, PUuid, Text, PJsonb, Nullable<Text>, PTimestamptz);

/// The live subscriptions of a party, as `WebhookRow`s.
pub fn of_party(party: Uuid) -> webhooks::BoxedQuery<'static, crate::db::MultiBackend, WebhookColumns> {
    webhooks::table
        .filter(webhooks::party_id.eq(DbUuid(party)))
        .filter(webhooks::deleted_at.is_null())
        .select((
            webhooks::id,
            webhooks::party_id,
            webhooks::url,
            webhooks::event_types,
            webhooks::description,
            webhooks::created_at,
        ))
        .into_boxed()
}

pub fn find(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<WebhookRow, ApiError> {
    of_party(caller.party)
        .filter(webhooks::id.eq(DbUuid(id)))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no webhook {id}")))
}

/// The caller's party's live subscriptions, oldest first.
pub fn list(conn: &mut AnyConnection, party: Uuid) -> Result<Vec<Webhook>, ApiError> {
    let rows: Vec<WebhookRow> = of_party(party).order(webhooks::id.asc()).load(conn)?;
    Ok(rows.into_iter().map(to_webhook).collect())
}

/// How many live subscriptions `party` holds.
pub fn live_count(conn: &mut AnyConnection, party: Uuid) -> Result<i64, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::party_id.eq(DbUuid(party)))
        .filter(webhooks::deleted_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Stores a new subscription of `party`.
pub fn insert(
    conn: &mut AnyConnection,
    party: Uuid,
    input: &super::dto::NewWebhook,
    secret: String,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(DbUuid(id)),
            webhooks::party_id.eq(DbUuid(party)),
            webhooks::url.eq(&input.url),
            webhooks::event_types.eq(DbJson(json!(input.event_types))),
            webhooks::secret.eq(secret),
            webhooks::description.eq(&input.description),
            webhooks::created_at.eq(DbTime(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Marks a subscription deleted: no more deliveries, pending retries included.
pub fn mark_deleted(conn: &mut AnyConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(DbUuid(id))))
        .set(webhooks::deleted_at.eq(Some(DbTime(now))))
        .execute(conn)?;
    Ok(())
}

/// Where and with which secret to deliver, unless the subscription was deleted.
pub fn target(conn: &mut AnyConnection, webhook: Uuid) -> Result<Option<(String, String)>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(DbUuid(webhook)))
        .filter(webhooks::deleted_at.is_null())
        .select((webhooks::url, webhooks::secret))
        .first::<(String, String)>(conn)
        .optional()?)
}

/// One delivery attempt, for the log.
pub struct Attempt {
    pub webhook: Uuid,
    pub job: Uuid,
    pub message_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub at: DateTime<Utc>,
}

pub fn insert_attempt(conn: &mut AnyConnection, a: Attempt) -> Result<(), ApiError> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(DbUuid(Uuid::now_v7())),
            webhook_deliveries::webhook_id.eq(DbUuid(a.webhook)),
            webhook_deliveries::job_id.eq(DbUuid(a.job)),
            webhook_deliveries::message_id.eq(a.message_id),
            webhook_deliveries::event_type.eq(a.event_type),
            webhook_deliveries::attempt.eq(a.attempt),
            webhook_deliveries::status_code.eq(a.status),
            webhook_deliveries::error.eq(a.error),
            webhook_deliveries::duration_ms.eq(a.duration_ms),
            webhook_deliveries::created_at.eq(DbTime(a.at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A page of a subscription's delivery attempts, newest first (`limit + 1` rows, for
/// `Page::finish`).
pub fn deliveries(conn: &mut AnyConnection, webhook: Uuid, page: Page) -> Result<Vec<Delivery>, ApiError> {
    type D = (DbUuid, String, String, i32, Option<i32>, Option<String>, i64, DbTime);
    let mut q = webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(DbUuid(webhook))).into_boxed();
    if let Some(after) = page.after {
        q = q.filter(webhook_deliveries::id.lt(DbUuid(after)));
    }
    let rows: Vec<D> = q
        .select((
            webhook_deliveries::id,
            webhook_deliveries::message_id,
            webhook_deliveries::event_type,
            webhook_deliveries::attempt,
            webhook_deliveries::status_code,
            webhook_deliveries::error,
            webhook_deliveries::duration_ms,
            webhook_deliveries::created_at,
        ))
        .order(webhook_deliveries::id.desc())
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, message_id, event_type, attempt, status_code, error, duration_ms, created)| Delivery {
            id: id.0,
            message_id,
            event_type,
            attempt,
            status_code,
            error,
            duration_ms,
            created_at: created.0,
        })
        .collect())
}
