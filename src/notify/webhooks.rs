//! Webhook subscriptions of a party and their deliveries, per the Standard Webhooks
//! specification: `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64
//! HMAC-SHA256 of `id.timestamp.body` with the subscription's secret), retried with backoff
//! by the job queue, each attempt recorded.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::types::{DbJson, DbTime, DbUuid, PJsonb, PTimestamptz, PUuid};
use crate::error::{ApiError, FieldError};
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::problem::Problem;
use crate::state::AppState;
use diesel::sql_types::{Nullable, Text};

/// The event types a subscription may name.
pub const EVENT_TYPES: [&str; 23] = [
    "request.submitted",
    "request.acknowledged",
    "request.recognised",
    "request.no_grounds",
    "request.derogation",
    "response.held",
    "response.released",
    "request.clarification_requested",
    "request.clarification_answered",
    "request.forwarded",
    "request.responded",
    "request.objected",
    "request.withdrawn",
    "preservation.extended",
    "preservation.released",
    "preservation.follow_up_confirmed",
    "preservation.expiring",
    "preservation.lapsed",
    "clock.approaching",
    "clock.missed",
    "message.posted",
    "attachment.added",
    "ping",
];

/// The body of every webhook delivery (Standard Webhooks: `type`, `timestamp`, `data`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "clock.approaching", "timestamp": "2026-12-05T09:00:00.000000Z",
    "data": {"request_id": "0193a6f5-0000-7000-8000-000000000001", "reference": "FR-2026-000001", "legal_basis": "eu_epoc",
        "event_id": "0193a700-0000-7000-8000-0000000000e1", "seq": 4, "event_type": "clock.approaching",
        "occurred_at": "2026-12-05T09:00:00Z",
        "data": {"kind": "respond", "due_at": "2026-12-10T08:00:00.000000Z", "reminder": "half", "citation": "Reg. (EU) 2023/1543 Art 10(2)"}}
}))]
pub struct WebhookEvent {
    /// One of the subscribed event types, or `ping`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub timestamp: DateTime<Utc>,
    pub data: WebhookEventData,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookEventData {
    pub request_id: Uuid,
    /// Human reference of the request.
    pub reference: String,
    pub legal_basis: String,
    /// The request event (`GET /v1/requests/{id}/events`) this delivery reports.
    pub event_id: Uuid,
    pub seq: i32,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// The event's own data (e.g. the clock and its due time).
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://lers.example.com/hooks/rogatory", "event_types": ["request.submitted", "clock.approaching", "clock.missed"],
    "description": "Compliance queue"}))]
pub struct NewWebhook {
    /// An `https://` URL whose host is, and resolves to, public addresses only (no loopback,
    /// private, link-local, unique-local or metadata ranges); checked again at every delivery.
    /// Plain `http://` and private targets only where the operator set
    /// `ROGATORY_WEBHOOK_ALLOW_PRIVATE=1`.
    pub url: String,
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0193a6fc-0000-7000-8000-0000000000bb", "url": "https://lers.example.com/hooks/rogatory",
    "event_types": ["request.submitted"], "description": "Compliance queue", "created_at": "2026-11-30T09:00:00Z"}))]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A new subscription and its signing secret, shown only here.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` + base64 key for HMAC-SHA256 (Standard Webhooks).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub message_id: String,
    pub event_type: String,
    pub attempt: i32,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of delivery attempts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn new_secret() -> String {
    use rand_core::{OsRng, RngCore};
    let mut key = [0u8; 24];
    OsRng.fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` (Standard Webhooks).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).map_err(|_| "the secret is not base64")?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

async fn validate(input: &NewWebhook, allow_private: bool) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match super::egress::check_subscription(&input.url, allow_private).await {
        Ok(()) => {}
        Err(refusal @ super::egress::Refusal::Address(_)) => {
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

type WebhookRow = (DbUuid, DbUuid, String, DbJson, Option<String>, DbTime);

fn to_webhook(row: WebhookRow) -> Webhook {
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
fn of_party(party: Uuid) -> webhooks::BoxedQuery<'static, crate::db::MultiBackend, WebhookColumns> {
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

fn find(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<WebhookRow, ApiError> {
    of_party(caller.party)
        .filter(webhooks::id.eq(DbUuid(id)))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no webhook {id}")))
}

/// Enqueues one delivery job per subscription of `party` to `event_type`.
pub fn enqueue_for_party(
    conn: &mut AnyConnection,
    party: Uuid,
    event_type: &str,
    message: Uuid,
    data: &Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let subscriptions: Vec<(DbUuid, DbJson)> = webhooks::table
        .filter(webhooks::party_id.eq(DbUuid(party)))
        .filter(webhooks::deleted_at.is_null())
        .select((webhooks::id, webhooks::event_types))
        .load(conn)?;
    for (id, types) in subscriptions {
        let wanted: Vec<String> = serde_json::from_value(types.0).unwrap_or_default();
        if wanted.iter().any(|t| t == event_type) {
            let body = json!({"type": event_type, "timestamp": crate::audit::chain::time_text(now), "data": data});
            let job = json!({"webhook": id.0, "message_id": format!("msg_{message}"), "event_type": event_type, "body": body.to_string()});
            crate::jobs::enqueue(conn, "webhook", job, Some(&format!("webhook:{}:{message}", id.0)), now)?;
        }
    }
    Ok(())
}

/// Delivers one webhook job; an `Err` makes the queue retry it.
pub async fn deliver(state: &AppState, job: Uuid, attempt: i32, payload: &Value) -> Result<(), String> {
    let webhook = Uuid::parse_str(payload["webhook"].as_str().unwrap_or_default()).map_err(|_| "bad job payload")?;
    let message_id = payload["message_id"].as_str().unwrap_or_default().to_owned();
    let event_type = payload["event_type"].as_str().unwrap_or_default().to_owned();
    let body = payload["body"].as_str().unwrap_or_default().to_owned();
    let target: Option<(String, String)> = state
        .db
        .run(move |conn| {
            Ok(webhooks::table
                .filter(webhooks::id.eq(DbUuid(webhook)))
                .filter(webhooks::deleted_at.is_null())
                .select((webhooks::url, webhooks::secret))
                .first::<(String, String)>(conn)
                .optional()?)
        })
        .await
        .map_err(|e: ApiError| e.to_string())?;
    // A deleted subscription: nothing to deliver.
    let Some((url, secret)) = target else { return Ok(()) };
    let now = state.clock.now();
    let timestamp = now.timestamp();
    let signature = sign(&secret, &message_id, timestamp, &body)?;
    let started = Instant::now();
    // Checked again at every delivery, and the connection goes to the checked address: a name
    // that now resolves inside (DNS rebinding) is refused as a failed attempt.
    let address = match super::egress::delivery_address(&url, state.settings.webhook_allow_private).await {
        Ok(address) => address,
        Err(refusal) => {
            let error = format!("refused: {refusal}");
            record_attempt(state, webhook, job, message_id, event_type, attempt, None, Some(error.clone()), 0, now)
                .await?;
            return Err(error);
        }
    };
    // Never follow a redirect: a 307 would re-send the signed POST elsewhere, a 302 turn it
    // into a GET. A 3xx is a failed attempt with its status.
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).disable_redirects().finish();
    let result = client
        .post(url.as_str())
        .address(address)
        .insert_header(("content-type", "application/json"))
        .insert_header(("user-agent", concat!("Rogatory/", env!("CARGO_PKG_VERSION"))))
        .insert_header(("webhook-id", message_id.as_str()))
        .insert_header(("webhook-timestamp", timestamp.to_string()))
        .insert_header(("webhook-signature", signature))
        .send_body(body)
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match &result {
        Ok(response) if response.status().is_success() => (Some(i32::from(response.status().as_u16())), None),
        Ok(response) => {
            (Some(i32::from(response.status().as_u16())), Some(format!("the receiver answered {}", response.status())))
        }
        Err(e) => (None, Some(format!("no answer: {e}"))),
    };
    record_attempt(state, webhook, job, message_id, event_type, attempt, status, error.clone(), duration_ms, now)
        .await?;
    error.map_or(Ok(()), Err)
}

/// Writes one attempt to the delivery log.
#[allow(clippy::too_many_arguments)]
async fn record_attempt(
    state: &AppState,
    webhook: Uuid,
    job: Uuid,
    message_id: String,
    event_type: String,
    attempt: i32,
    status: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    state
        .db
        .write(move |conn| -> Result<(), ApiError> {
            diesel::insert_into(webhook_deliveries::table)
                .values((
                    webhook_deliveries::id.eq(DbUuid(Uuid::now_v7())),
                    webhook_deliveries::webhook_id.eq(DbUuid(webhook)),
                    webhook_deliveries::job_id.eq(DbUuid(job)),
                    webhook_deliveries::message_id.eq(message_id),
                    webhook_deliveries::event_type.eq(event_type),
                    webhook_deliveries::attempt.eq(attempt),
                    webhook_deliveries::status_code.eq(status),
                    webhook_deliveries::error.eq(error),
                    webhook_deliveries::duration_ms.eq(duration_ms),
                    webhook_deliveries::created_at.eq(DbTime(now)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())
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
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or event type", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = []), ("bearer" = [])),
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
            let id = Uuid::now_v7();
            diesel::insert_into(webhooks::table)
                .values((
                    webhooks::id.eq(DbUuid(id)),
                    webhooks::party_id.eq(DbUuid(caller.party)),
                    webhooks::url.eq(&input.url),
                    webhooks::event_types.eq(DbJson(json!(input.event_types))),
                    webhooks::secret.eq(stored),
                    webhooks::description.eq(&input.description),
                    webhooks::created_at.eq(DbTime(now)),
                ))
                .execute(conn)?;
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
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = []), ("bearer" = [])),
)]
#[get("/webhooks")]
pub async fn list_webhooks(caller: Caller, state: web::Data<AppState>) -> Result<web::Json<WebhookList>, ApiError> {
    caller.require(&[Role::PartyAdmin])?;
    let rows: Vec<WebhookRow> = state
        .db
        .run(move |conn| Ok::<_, ApiError>(of_party(caller.party).order(webhooks::id.asc()).load(conn)?))
        .await?;
    Ok(web::Json(WebhookList { items: rows.into_iter().map(to_webhook).collect() }))
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
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = []), ("bearer" = [])),
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
            find(conn, &caller, id)?;
            diesel::update(webhooks::table.filter(webhooks::id.eq(DbUuid(id))))
                .set(webhooks::deleted_at.eq(Some(DbTime(now))))
                .execute(conn)?;
            Ok(())
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
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = []), ("bearer" = [])),
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
    type D = (DbUuid, String, String, i32, Option<i32>, Option<String>, i64, DbTime);
    let rows: Vec<D> = state
        .db
        .run(move |conn| {
            find(conn, &caller, id)?;
            let mut q = webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(DbUuid(id))).into_boxed();
            if let Some(after) = page.after {
                q = q.filter(webhook_deliveries::id.lt(DbUuid(after)));
            }
            Ok::<_, ApiError>(
                q.select((
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
                .load(conn)?,
            )
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.0.0);
    let items = rows
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
        .collect();
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
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Makes a retry safe: a retry with the same key returns the first answer (status, body, headers) for 24 hours; the same key with another body is a 422. 1 to 255 printable ASCII characters.")),
    responses(
        (status = 202, description = "The ping is queued", body = Object, example = json!({"message_id": "msg_0193a6fd-0000-7000-8000-0000000000cc"})),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of the caller's party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = []), ("bearer" = [])),
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
        find(conn, &caller, id)?;
        let message = Uuid::now_v7();
        let body = json!({"type": "ping", "timestamp": crate::audit::chain::time_text(now), "data": {"webhook": id}});
        let job = json!({"webhook": id, "message_id": format!("msg_{message}"), "event_type": "ping", "body": body.to_string()});
        crate::jobs::enqueue(conn, "webhook", job, None, now)?;
        Ok(Replayable::json(StatusCode::ACCEPTED, &json!({"message_id": format!("msg_{message}")})))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // Test vector of the Standard Webhooks reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
