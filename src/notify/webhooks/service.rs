//! What a caller may do with webhooks, decided here rather than in the handlers: only a party
//! administrator manages subscriptions, and only its own party's (another party's is a 404).
//! The role is checked before anything else is judged, so a caller without it learns nothing
//! from validation errors.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::delivery::{self, new_secret};
use super::dto::{Delivery, NewWebhook, Webhook, WebhookWithSecret};
use super::repo;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::{AnyConnection, Db};
use crate::error::{ApiError, FieldError};
use crate::page::Page;

/// Managing webhooks is a party administrator's job.
pub fn authorise(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::PartyAdmin])
}

async fn validate(input: &NewWebhook, allow_private: bool) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match crate::notify::egress::check_subscription(&input.url, allow_private).await {
        Ok(()) => {}
        Err(refusal @ crate::notify::egress::Refusal::Address(_)) => {
            errors.push(FieldError::new("/url", "internal_address", refusal.to_string()))
        }
        Err(refusal) => errors.push(FieldError::new("/url", "invalid_url", refusal.to_string())),
    }
    if input.event_types.is_empty() {
        errors.push(FieldError::new("/event_types", "required", "name at least one event type"));
    }
    for (i, t) in input.event_types.iter().enumerate() {
        if !super::dto::event_types().any(|known| known == t) {
            errors.push(FieldError::new(
                format!("/event_types/{i}"),
                "unknown_event_type",
                format!("{t:?} is not an event type"),
            ));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

/// The most live subscriptions one party may hold. Every event a party hears of is queued once
/// per matching subscription, inside the event's own transaction: without a cap, one party
/// administrator (or a leaked token) could make every action on its requests write thousands
/// of jobs and send thousands of POSTs. A compliance team needs a few endpoints (per system,
/// per desk); a party past this many is refused (422 `too_many_webhooks`) until it deletes one.
pub const MAX_PER_PARTY: i64 = 25;

/// Subscribes the caller's party; the secret is answered this once.
pub async fn create(
    db: &Db,
    caller: Caller,
    input: NewWebhook,
    allow_private: bool,
    now: DateTime<Utc>,
) -> Result<WebhookWithSecret, ApiError> {
    authorise(&caller)?;
    validate(&input, allow_private).await?;
    let secret = new_secret();
    let stored = secret.clone();
    let webhook = db
        .write(move |conn| -> Result<Webhook, ApiError> {
            crate::db::dialect::lock_webhooks_of(conn, caller.party)?;
            let live = repo::live_count(conn, caller.party)?;
            if live >= MAX_PER_PARTY {
                return Err(ApiError::validation(vec![FieldError::new(
                    "",
                    "too_many_webhooks",
                    format!(
                        "your party has {live} subscriptions, the most allowed ({MAX_PER_PARTY}); delete one first"
                    ),
                )]));
            }
            let id = repo::insert(conn, caller.party, &input, stored, now)?;
            Ok(Webhook {
                id,
                url: input.url,
                event_types: input.event_types,
                description: input.description,
                created_at: now,
            })
        })
        .await?;
    Ok(WebhookWithSecret { webhook, secret })
}

pub async fn list(db: &Db, caller: Caller) -> Result<Vec<Webhook>, ApiError> {
    authorise(&caller)?;
    db.run(move |conn| repo::list(conn, caller.party)).await
}

pub async fn delete(db: &Db, caller: Caller, id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    authorise(&caller)?;
    db.write(move |conn| -> Result<(), ApiError> {
        repo::find(conn, &caller, id)?;
        repo::mark_deleted(conn, id, now)
    })
    .await
}

/// A page of the subscription's delivery attempts, newest first.
pub async fn deliveries(db: &Db, caller: Caller, id: Uuid, page: Page) -> Result<Vec<Delivery>, ApiError> {
    authorise(&caller)?;
    db.run(move |conn| {
        repo::find(conn, &caller, id)?;
        repo::deliveries(conn, id, page)
    })
    .await
}

/// Queues a test delivery to one of the caller's party's subscriptions (inside the caller's
/// idempotent transaction); answers the message id.
pub fn ping(conn: &mut AnyConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<Uuid, ApiError> {
    authorise(caller)?;
    repo::find(conn, caller, id)?;
    delivery::enqueue_ping(conn, id, now)
}
