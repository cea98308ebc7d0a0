//! Webhook subscriptions of a party and their deliveries, per the Standard Webhooks
//! specification: `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64
//! HMAC-SHA256 of `id.timestamp.body` with the subscription's secret), retried with backoff
//! by the job queue, each attempt recorded. `dto` the wire shapes, `repo` the queries,
//! `delivery` signing, queueing and sending, `service` who may do what, `handlers` the HTTP.

pub mod delivery;
pub mod dto;
pub mod handlers;
pub mod repo;
pub mod service;

pub use delivery::{deliver, enqueue_to, sign};
pub use dto::event_types;
