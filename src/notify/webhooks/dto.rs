//! The wire shapes of webhooks: subscriptions, the events they receive, delivery attempts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// The event types a subscription may name: the subscribable request events
/// (`EventType::subscribable`), then `ping`, the test delivery.
pub fn event_types() -> impl Iterator<Item = &'static str> {
    crate::vocab::EventType::ALL
        .into_iter()
        .filter(|t| t.subscribable())
        .map(crate::vocab::EventType::as_str)
        .chain(["ping"])
}

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
