//! HTTP of webhooks: subscribe, list, delete, the delivery log and a test ping. Who may do
//! what is decided in `service` (a party administrator, for its own party's subscriptions).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde_json::json;
use uuid::Uuid;

use super::dto::{DeliveryList, DeliveryQuery, NewWebhook, WebhookList, WebhookWithSecret};
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId, NotPartyAdmin};
use crate::state::AppState;

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
        NotPartyAdmin,
        (status = 422, description = "Invalid URL or event type, or the party already holds the most subscriptions allowed (25, `too_many_webhooks`)", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    input: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let created =
        service::create(&state.db, caller, input.into_inner(), state.settings.webhook_allow_private, state.clock.now())
            .await?;
    Ok(HttpResponse::Created().insert_header(("cache-control", "no-store")).json(created))
}

/// List subscriptions
///
/// The caller's party's webhook subscriptions (never their secrets).
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The subscriptions", body = WebhookList),
        NotPartyAdmin,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks")]
pub async fn list_webhooks(caller: Caller, state: web::Data<AppState>) -> Result<web::Json<WebhookList>, ApiError> {
    let items = service::list(&state.db, caller).await?;
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
        MalformedId,
        NotPartyAdmin,
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.db, caller, id.into_inner(), state.clock.now()).await?;
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
        MalformedId,
        NotPartyAdmin,
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
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
    service::authorise(&caller)?;
    let query = query.into_inner();
    let page = crate::page::Page::parse(query.limit, query.cursor.as_deref())?;
    let rows = service::deliveries(&state.db, caller, id.into_inner(), page).await?;
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
        MalformedId,
        NotPartyAdmin,
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
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
    service::authorise(&caller)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let print = idempotency::fingerprint(&req, &());
    let client = caller.client;
    idempotency::run(&state.db, client, key, print, now, move |conn| {
        let message = service::ping(conn, &caller, id, now)?;
        Ok(Replayable::json(StatusCode::ACCEPTED, &json!({"message_id": format!("msg_{message}")})))
    })
    .await
}
