//! Signing, queueing and sending webhook deliveries: one job per subscription and event,
//! delivered by the workers to the checked address, each attempt logged.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::repo::{self, Attempt};
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::state::AppState;

pub fn new_secret() -> String {
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

/// The jobs that deliver an event to each of a party's live subscriptions (id, event types)
/// that wants its type, to be inserted with the event (`db::together`).
pub fn enqueue_to(
    backend: crate::db::Backend,
    subscriptions: &[(Uuid, Vec<String>)],
    event_type: crate::vocab::EventType,
    message: Uuid,
    data: &Value,
    now: DateTime<Utc>,
) -> Vec<crate::db::together::Part<'static>> {
    let event_type = event_type.as_str();
    subscriptions
        .iter()
        .filter(|(_, wanted)| wanted.iter().any(|t| t == event_type))
        .map(|(id, _)| {
            let body = json!({"type": event_type, "timestamp": crate::audit::chain::time_text(now), "data": data});
            let job = json!({"webhook": id, "message_id": format!("msg_{message}"), "event_type": event_type, "body": body.to_string()});
            crate::jobs::queue::enqueue_with(backend, "webhook", &job, Some(&format!("webhook:{id}:{message}")), now)
        })
        .collect()
}

/// Queues a `ping` to one subscription; returns its message id.
pub fn enqueue_ping(conn: &mut AnyConnection, webhook: Uuid, now: DateTime<Utc>) -> Result<Uuid, ApiError> {
    let message = Uuid::now_v7();
    let body = json!({"type": "ping", "timestamp": crate::audit::chain::time_text(now), "data": {"webhook": webhook}});
    let job = json!({"webhook": webhook, "message_id": format!("msg_{message}"), "event_type": "ping", "body": body.to_string()});
    crate::jobs::queue::enqueue(conn, "webhook", job, None, now)?;
    Ok(message)
}

/// Delivers one webhook job; an `Err` makes the queue retry it.
pub async fn deliver(state: &AppState, job: Uuid, attempt: i32, payload: &Value) -> Result<(), String> {
    let webhook = Uuid::parse_str(payload["webhook"].as_str().unwrap_or_default()).map_err(|_| "bad job payload")?;
    let message_id = payload["message_id"].as_str().unwrap_or_default().to_owned();
    let event_type = payload["event_type"].as_str().unwrap_or_default().to_owned();
    let body = payload["body"].as_str().unwrap_or_default().to_owned();
    let target = state.db.run(move |conn| repo::target(conn, webhook)).await.map_err(|e: ApiError| e.to_string())?;
    // A deleted subscription: nothing to deliver.
    let Some((url, secret)) = target else { return Ok(()) };
    let now = state.clock.now();
    let timestamp = now.timestamp();
    let signature = sign(&secret, &message_id, timestamp, &body)?;
    let started = Instant::now();
    // Checked again at every delivery, and the connection goes to the checked address: a name
    // that now resolves inside (DNS rebinding) is refused as a failed attempt.
    let address = match crate::notify::egress::delivery_address(&url, state.settings.webhook_allow_private).await {
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
    now: DateTime<Utc>,
) -> Result<(), String> {
    let attempt = Attempt { webhook, job, message_id, event_type, attempt, status, error, duration_ms, at: now };
    state.db.write(move |conn| repo::insert_attempt(conn, attempt)).await.map_err(|e: ApiError| e.to_string())
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
