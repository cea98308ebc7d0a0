//! HTTP of webhooks: subscribe, list, delete, the delivery log and a test ping. The caller
//! must be a party administrator; a party sees only its own subscriptions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde_json::json;
use uuid::Uuid;

use super::delivery::{self, new_secret};
use super::dto::{DeliveryList, DeliveryQuery, EVENT_TYPES, NewWebhook, Webhook, WebhookList, WebhookWithSecret};
use super::repo;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::error::{ApiError, FieldError};
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::problem::Problem;
use crate::state::AppState;

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
        if !EVENT_TYPES.contains(&t.as_str()) {
            errors.push(FieldError::new(
                format!("/event_types/{i}"),
                "unknown_event_type",
                format!("{t:?} is not an event type"),
            ));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

/// Subscribe to events
///
/// Creates a webhook subscription of the caller's party (`party_admin`). Deliveries follow the
/// Standard Webhooks specification and are signed with the secret returned here, once.
/// `Idempotency-Key` is not honoured: replaying would mean storing the secret's answer twice.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The subscription and its secret", body = WebhookWithSecret),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or event type", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    input: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let input = input.into_inner();
    validate(&input, state.settings.webhook_allow_private).await?;
    let now = state.clock.now();
    let secret = new_secret();
    let stored = secret.clone();
    let webhook = state
        .db
        .write(move |conn| -> Result<Webhook, ApiError> {
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
    Ok(HttpResponse::Created().insert_header(("cache-control", "no-store")).json(WebhookWithSecret { webhook, secret }))
}

/// List subscriptions
///
/// The caller's party's webhook subscriptions (never their secrets).
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The subscriptions", body = WebhookList),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks")]
pub async fn list_webhooks(caller: Caller, state: web::Data<AppState>) -> Result<web::Json<WebhookList>, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let items = state.db.run(move |conn| repo::list(conn, caller.party)).await?;
    Ok(web::Json(WebhookList { items }))
}

/// Delete a subscription
///
/// Stops deliveries to it, pending retries included. The caller's party's subscriptions only
/// (404 otherwise).
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    state
        .db
        .write(move |conn| -> Result<(), ApiError> {
            repo::find(conn, &caller, id)?;
            repo::mark_deleted(conn, id, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List delivery attempts
///
/// Every attempt to deliver to the subscription, newest first, cursor-paginated, with the
/// receiver's status or the error.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of attempts", body = DeliveryList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let id = id.into_inner();
    let query = query.into_inner();
    let page = crate::page::Page::parse(query.limit, query.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| {
            repo::find(conn, &caller, id)?;
            repo::deliveries(conn, id, page)
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |d| d.id);
    let body = DeliveryList { items, next_cursor };
    Ok(crate::http::pagination::list_response(&req, body.next_cursor.as_deref(), &body))
}

/// Send a test event
///
/// Queues a `ping` delivery to the subscription (delivered by the workers within seconds),
/// signed like every other. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "test_webhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"),
        ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 202, description = "The ping is queued", body = Object, example = json!({"message_id": "msg_0193a6fd-0000-7000-8000-0000000000cc"})),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let print = idempotency::fingerprint(&req, &());
    let client = caller.client;
    idempotency::run(&state.db, client, key, print, now, move |conn| {
        repo::find(conn, &caller, id)?;
        let message = delivery::enqueue_ping(conn, id, now)?;
        Ok(Replayable::json(StatusCode::ACCEPTED, &json!({"message_id": format!("msg_{message}")})))
    })
    .await
}
