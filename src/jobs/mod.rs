//! A portable job queue in the database (the outbox): jobs are enqueued in the transaction of
//! the change that causes them, so a committed change always yields its jobs and a rolled-back
//! one never does. Workers claim jobs with a lease, retry with exponential backoff, and park a
//! job as `dead` after its last attempt, for an exchange administrator to see and retry.

pub mod dto;
pub mod handlers;
pub mod queue;
pub mod service;

pub use queue::{JobState, Lease, MAX_ATTEMPTS, complete, enqueue, fail, release, renew};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_jobs).service(handlers::retry_job);
}
