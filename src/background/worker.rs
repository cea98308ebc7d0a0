//! Workers: claim due jobs with a lease, run them, record the outcome. `run_once` is what a
//! test calls; `run_forever` is what `serve` and `rogatory worker` spawn.
//!
//! Jobs run concurrently: at most `MAX_IN_FLIGHT` per instance and `MAX_PER_TARGET` per
//! receiver (one webhook subscription, one party's mailbox), so one slow or silent receiver
//! holds only its own slots and every other receiver is served at once. Each job holds its
//! own lease, renewed when it starts, and every write after the run is fenced by the lease's
//! token: a worker that lost its lease changes nothing. The deadline scanner runs in its own
//! loop, never behind a delivery.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::dialect::{self, ClaimedJob};
use crate::error::ApiError;
use crate::jobs::queue::{self as jobs, JobState, Lease};
use crate::notify;
use crate::state::AppState;

/// How long a claimed job is held before another worker may take it over. Renewed when the
/// job starts; far longer than any job runs (deliveries and SMTP time out after 10 s).
pub const LEASE: TimeDelta = TimeDelta::seconds(120);
/// Jobs one instance runs at the same time.
pub const MAX_IN_FLIGHT: usize = 32;
/// Jobs for one receiver at the same time.
pub const MAX_PER_TARGET: usize = 2;
/// When a receiver's slots are all taken, a job claimed for it goes back to the queue for this
/// long (its attempt is not counted).
const TARGET_BUSY_DELAY: TimeDelta = TimeDelta::milliseconds(500);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
    /// Claimed, then given back because its receiver was busy, or its lease was lost.
    pub deferred: usize,
}

impl RunReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Done => self.done += 1,
            Outcome::Retried => self.retried += 1,
            Outcome::Dead => self.dead += 1,
            Outcome::Deferred => self.deferred += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Retried,
    Dead,
    Deferred,
}

async fn run_job(
    state: &AppState,
    id: uuid::Uuid,
    kind: &str,
    attempt: i32,
    payload: &serde_json::Value,
) -> Result<(), String> {
    match kind {
        "email" => {
            let to: Vec<String> = serde_json::from_value(payload["to"].clone()).unwrap_or_default();
            let languages: Vec<String> = serde_json::from_value(payload["languages"].clone()).unwrap_or_default();
            let mail = notify::templates::render(&payload["notification"], &languages, &state.settings.public_url);
            state.mailer.send(&state.settings.mail_from, &to, mail, Some(&id.to_string())).await
        }
        "webhook" => notify::webhooks::deliver(state, id, attempt, payload).await,
        other => Err(format!("unknown job kind {other:?}")),
    }
}

/// The receiver a job goes to: the unit that `MAX_PER_TARGET` bounds.
fn target_of(kind: &str, payload: &serde_json::Value) -> String {
    match kind {
        "webhook" => format!("webhook:{}", payload["webhook"].as_str().unwrap_or_default()),
        "email" => format!("email:{}", payload["party"].as_str().unwrap_or_default()),
        other => other.to_owned(),
    }
}

/// The slots of the receivers, shared by the jobs of one instance.
#[derive(Default)]
struct Targets(std::cell::RefCell<HashMap<String, Arc<Semaphore>>>);

impl Targets {
    fn slots(&self, target: &str) -> Arc<Semaphore> {
        let mut map = self.0.borrow_mut();
        // Forget receivers with nothing in flight, so the map stays as small as the work.
        map.retain(|_, s| s.available_permits() < MAX_PER_TARGET);
        map.entry(target.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(MAX_PER_TARGET))).clone()
    }

    /// A slot of the receiver: at once or `None` (`wait` false), or when one frees.
    async fn acquire(&self, target: &str, wait: bool) -> Option<OwnedSemaphorePermit> {
        let slots = self.slots(target);
        if wait { slots.acquire_owned().await.ok() } else { slots.try_acquire_owned().ok() }
    }
}

/// Claims up to `limit` due jobs under a fresh lease token.
async fn claim(state: &AppState, worker: &str, limit: i64) -> Result<(String, Vec<ClaimedJob>), ApiError> {
    let now = state.clock.now();
    let token = format!("{worker}:{}", uuid::Uuid::now_v7());
    let lease_token = token.clone();
    let claimed = state
        .db
        .write(move |conn| Ok::<_, ApiError>(dialect::claim_jobs(conn, &lease_token, now, now + LEASE, limit)?))
        .await?;
    Ok((token, claimed))
}

/// Runs one claimed job to its recorded outcome once its receiver has a free slot; with
/// `wait` false, a job whose receiver is busy goes back to the queue at once.
async fn run_claimed(
    state: &AppState,
    targets: &Targets,
    token: &str,
    job: ClaimedJob,
    wait: bool,
) -> Result<Outcome, ApiError> {
    let lease = Lease { job: job.id.0, token: token.to_owned() };
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let slot = targets.acquire(&target_of(&job.kind, &payload), wait).await;
    let now = state.clock.now();
    let Some(_slot) = slot else {
        let back = lease.clone();
        state.db.write(move |conn| jobs::release(conn, &back, now + TARGET_BUSY_DELAY, now)).await?;
        return Ok(Outcome::Deferred);
    };
    let renew = lease.clone();
    if !state.db.write(move |conn| jobs::renew(conn, &renew, now + LEASE, now)).await? {
        tracing::warn!(job = %lease.job, "lease lost before the job started; not running it");
        return Ok(Outcome::Deferred);
    }
    let outcome = run_job(state, job.id.0, &job.kind, job.attempts, &payload).await;
    let finished = state.clock.now();
    let fenced = lease.clone();
    let recorded = match outcome {
        Ok(()) => state.db.write(move |conn| jobs::complete(conn, &fenced, finished)).await?.then_some(Outcome::Done),
        Err(error) => {
            tracing::warn!(job = %lease.job, kind = %job.kind, attempt = job.attempts, error = %error, "job failed");
            let (attempts, max) = (job.attempts, job.max_attempts);
            state.db.write(move |conn| jobs::fail(conn, &fenced, attempts, max, &error, finished)).await?.map(|state| {
                match state {
                    JobState::Dead => Outcome::Dead,
                    _ => Outcome::Retried,
                }
            })
        }
    };
    Ok(recorded.unwrap_or_else(|| {
        tracing::warn!(job = %lease.job, "lease lost while the job ran; its outcome was not recorded");
        Outcome::Deferred
    }))
}

/// Claims up to `limit` due jobs and runs them concurrently (within the per-receiver bound,
/// a job waiting for its receiver's slot), returning when all of them are recorded.
pub async fn run_once(state: &AppState, worker: &str, limit: i64) -> Result<RunReport, ApiError> {
    let (token, claimed) = claim(state, worker, limit).await?;
    let targets = Targets::default();
    let outcomes =
        futures_util::future::join_all(claimed.into_iter().map(|job| run_claimed(state, &targets, &token, job, true)))
            .await;
    let mut report = RunReport::default();
    for outcome in outcomes {
        report.add(outcome?);
    }
    Ok(report)
}

/// The background loops of an instance: the deadline scanner on its own schedule, and the job
/// dispatcher, which keeps up to `MAX_IN_FLIGHT` jobs running and claims more as slots free.
pub async fn run_forever(state: AppState, scan_every: Duration, poll_every: Duration) {
    let scanner = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(scan_every);
        loop {
            tick.tick().await;
            if let Err(e) = crate::background::scanner::scan(&scanner, 500).await {
                tracing::warn!(error = %e, "deadline scan failed");
            }
        }
    });
    let worker = format!("{}:{}", hostname(), std::process::id());
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let targets = Rc::new(Targets::default());
    let mut poll_tick = actix_web::rt::time::interval(poll_every);
    loop {
        poll_tick.tick().await;
        loop {
            let free = in_flight.available_permits();
            if free == 0 {
                break;
            }
            let (token, claimed) = match claim(&state, &worker, free as i64).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "job worker failed to claim jobs");
                    break;
                }
            };
            let full_batch = claimed.len() == free;
            for job in claimed {
                // Permits only come back while we wait, so one is free for every claimed job.
                let Ok(permit) = in_flight.clone().try_acquire_owned() else { break };
                let (state, targets, token) = (state.clone(), targets.clone(), token.clone());
                actix_web::rt::spawn(async move {
                    if let Err(e) = run_claimed(&state, &targets, &token, job, false).await {
                        tracing::warn!(error = %e, "job worker failed");
                    }
                    drop(permit);
                });
            }
            if !full_batch {
                break;
            }
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "rogatory".into())
}
