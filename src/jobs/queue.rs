//! The queue itself: enqueue in the caller's transaction, claim with a lease, renew,
//! complete, fail with backoff, release; and the reads of the admin endpoints. Every write
//! after a claim is fenced by the lease's token.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::db::DbError;
use crate::db::dialect;
use crate::db::prepared::prepared;
use crate::db::schema::jobs;
use crate::db::types::{DbJson, DbText, DbTime, DbUuid};

crate::db::types::text_columns!(JobState);

pub const MAX_ATTEMPTS: i32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

/// Enqueues a job in the caller's transaction; a dedupe key makes enqueueing idempotent.
pub fn enqueue(
    conn: &mut AnyConnection,
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let insert =
        dialect::job_insert(conn.backend(), Uuid::now_v7(), kind, &payload, MAX_ATTEMPTS, now, dedupe_key, now);
    Ok(prepared(insert).execute(conn)? == 1)
}

/// `enqueue` as an insert to send with others (`db::together`): the job is queued with the
/// change that makes it, in one statement on PostgreSQL.
pub fn enqueue_with(
    backend: crate::db::Backend,
    kind: &str,
    payload: &serde_json::Value,
    dedupe_key: Option<&str>,
    now: DateTime<Utc>,
) -> crate::db::together::Part<'static> {
    dialect::job_insert(backend, Uuid::now_v7(), kind, payload, MAX_ATTEMPTS, now, dedupe_key, now).part()
}

/// Delay before attempt `n + 1` after `n` failed attempts: 30 s, 1 min, 2 min … capped at 1 h.
pub fn backoff(failed_attempts: i32) -> TimeDelta {
    let exponent = u32::try_from(failed_attempts.clamp(1, 12) - 1).unwrap_or(0);
    (TimeDelta::seconds(30) * 2_i32.pow(exponent)).min(TimeDelta::hours(1))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    #[diesel(deserialize_as = DbUuid)]
    pub id: Uuid,
    pub kind: String,
    #[diesel(deserialize_as = DbJson)]
    pub payload: serde_json::Value,
    #[diesel(deserialize_as = DbText<JobState>)]
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    #[diesel(deserialize_as = DbTime)]
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    #[diesel(deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
}

/// The lease a worker holds on a job it claimed: the job and the token written into
/// `locked_by` by that one claim. Every later write of the worker names the token, so a worker
/// whose lease ran out and was taken over (the job claimed again, by another worker or
/// instance) changes nothing: the fencing token no longer matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job: Uuid,
    pub token: String,
}

/// The job, still running under this lease: the filter of every fenced write.
type Held = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::Eq<jobs::id, DbUuid>, diesel::dsl::Eq<jobs::locked_by, String>>,
    diesel::dsl::Eq<jobs::state, DbText<JobState>>,
>;

fn held(lease: &Lease) -> Held {
    jobs::id
        .eq(DbUuid(lease.job))
        .and(jobs::locked_by.eq(lease.token.clone()))
        .and(jobs::state.eq(DbText(JobState::Running)))
}

/// Extends the lease to `until` just before the job runs, so its time is counted from its own
/// start; `false` when the lease was lost (the job must not run).
pub fn renew(
    conn: &mut AnyConnection,
    lease: &Lease,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = prepared(
        diesel::update(jobs::table.filter(held(lease)))
            .set((jobs::locked_until.eq(Some(DbTime(until))), jobs::updated_at.eq(DbTime(now)))),
    )
    .execute(conn)?;
    Ok(updated == 1)
}

/// Marks the job done if the lease is still held; `false` when it was not (nothing changed).
pub fn complete(conn: &mut AnyConnection, lease: &Lease, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = prepared(diesel::update(jobs::table.filter(held(lease))).set((
        jobs::state.eq(DbText(JobState::Done)),
        jobs::locked_by.eq(None::<String>),
        jobs::last_error.eq(None::<String>),
        jobs::updated_at.eq(DbTime(now)),
    )))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a failed attempt: back to the queue after the backoff, or `dead` after the last one.
/// `None` when the lease was no longer held (nothing changed).
pub fn fail(
    conn: &mut AnyConnection,
    lease: &Lease,
    attempts: i32,
    max_attempts: i32,
    error: &str,
    now: DateTime<Utc>,
) -> Result<Option<JobState>, DbError> {
    let state = if attempts >= max_attempts { JobState::Dead } else { JobState::Queued };
    let error: String = error.chars().take(2000).collect();
    let updated = prepared(diesel::update(jobs::table.filter(held(lease))).set((
        jobs::state.eq(DbText(state)),
        jobs::run_at.eq(DbTime(now + backoff(attempts))),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<DbTime>),
        jobs::last_error.eq(Some(error)),
        jobs::updated_at.eq(DbTime(now)),
    )))
    .execute(conn)?;
    Ok((updated == 1).then_some(state))
}

/// Gives a claimed job back to the queue without counting the attempt (its receiver already
/// has as many deliveries in flight as it may), to be claimed again at `run_at`.
pub fn release(
    conn: &mut AnyConnection,
    lease: &Lease,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = prepared(diesel::update(jobs::table.filter(held(lease))).set((
        jobs::state.eq(DbText(JobState::Queued)),
        jobs::attempts.eq(jobs::attempts - 1),
        jobs::run_at.eq(DbTime(run_at)),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<DbTime>),
        jobs::updated_at.eq(DbTime(now)),
    )))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A page of jobs, newest first, optionally in one state (`limit + 1` rows, for `Page::finish`).
pub fn list(
    conn: &mut AnyConnection,
    state: Option<JobState>,
    page: crate::page::Page,
) -> Result<Vec<JobRow>, DbError> {
    let mut q = jobs::table.select(JobRow::as_select()).into_boxed();
    if let Some(s) = state {
        q = q.filter(jobs::state.eq(DbText(s)));
    }
    if let Some(after) = page.after {
        q = q.filter(jobs::id.lt(DbUuid(after)));
    }
    Ok(q.order(jobs::id.desc()).limit(page.limit + 1).load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<JobRow>, DbError> {
    Ok(jobs::table.filter(jobs::id.eq(DbUuid(id))).select(JobRow::as_select()).first(conn).optional()?)
}

/// Puts a job back in the queue with a fresh set of attempts, due now.
pub fn requeue(conn: &mut AnyConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(jobs::table.filter(jobs::id.eq(DbUuid(id))))
        .set((
            jobs::state.eq(DbText(JobState::Queued)),
            jobs::attempts.eq(0),
            jobs::run_at.eq(DbTime(now)),
            jobs::updated_at.eq(DbTime(now)),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
