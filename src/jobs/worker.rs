//! Workers: claim due jobs with a lease, run them, record the outcome. `run_once` is what a
//! test calls; `run_forever` is what `serve` and `rogatory worker` spawn.

use std::time::Duration;

use chrono::TimeDelta;
use uuid::Uuid;

use super::JobState;
use crate::app::AppState;
use crate::db::dialect;
use crate::error::ApiError;
use crate::notify;

/// How long a claimed job is held before another worker may take it over.
pub const LEASE: TimeDelta = TimeDelta::seconds(120);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
}

async fn run_job(
    state: &AppState,
    id: Uuid,
    kind: &str,
    attempt: i32,
    payload: &serde_json::Value,
) -> Result<(), String> {
    match kind {
        "email" => {
            let to: Vec<String> = serde_json::from_value(payload["to"].clone()).unwrap_or_default();
            let languages: Vec<String> = serde_json::from_value(payload["languages"].clone()).unwrap_or_default();
            let mail = notify::templates::render(&payload["notification"], &languages, &state.settings.public_url);
            state.mailer.send(&state.settings.mail_from, &to, mail).await
        }
        "webhook" => notify::webhooks::deliver(state, id, attempt, payload).await,
        other => Err(format!("unknown job kind {other:?}")),
    }
}

/// Claims up to `limit` due jobs and runs them.
pub async fn run_once(state: &AppState, worker: &str, limit: i64) -> Result<RunReport, ApiError> {
    let now = state.clock.now();
    let name = worker.to_owned();
    let claimed = state
        .db
        .write(move |conn| Ok::<_, ApiError>(dialect::claim_jobs(conn, &name, now, now + LEASE, limit)?))
        .await?;
    let mut report = RunReport::default();
    for job in claimed {
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
        let outcome = run_job(state, job.id.0, &job.kind, job.attempts, &payload).await;
        let finished = state.clock.now();
        let id = job.id.0;
        match outcome {
            Ok(()) => {
                state.db.write(move |conn| super::complete(conn, id, finished)).await?;
                report.done += 1;
            }
            Err(error) => {
                tracing::warn!(job = %id, kind = %job.kind, attempt = job.attempts, error = %error, "job failed");
                let (attempts, max) = (job.attempts, job.max_attempts);
                match state.db.write(move |conn| super::fail(conn, id, attempts, max, &error, finished)).await? {
                    JobState::Dead => report.dead += 1,
                    _ => report.retried += 1,
                }
            }
        }
    }
    Ok(report)
}

/// The background loops of an instance: the deadline scanner and the job worker.
pub async fn run_forever(state: AppState, scan_every: Duration, poll_every: Duration) {
    let worker = format!("{}:{}", hostname(), std::process::id());
    let mut scan_tick = actix_web::rt::time::interval(scan_every);
    let mut poll_tick = actix_web::rt::time::interval(poll_every);
    loop {
        tokio::select! {
            _ = scan_tick.tick() => {
                if let Err(e) = crate::deadlines::scanner::scan(&state, 500).await {
                    tracing::warn!(error = %e, "deadline scan failed");
                }
            }
            _ = poll_tick.tick() => {
                loop {
                    match run_once(&state, &worker, 20).await {
                        Ok(report) if report.done + report.retried + report.dead == 20 => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "job worker failed");
                            break;
                        }
                    }
                }
            }
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "rogatory".into())
}
