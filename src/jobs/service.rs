//! Who may look at and act on the job queue: exchange administrators only, checked here before
//! anything else is judged.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dto::{Job, to_job};
use super::queue::{self, JobRow, JobState};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::Db;
use crate::error::ApiError;
use crate::page::Page;

pub fn authorise(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::ExchangeAdmin])
}

/// A page of jobs, newest first, optionally in one state.
pub async fn list(db: &Db, caller: &Caller, wanted: Option<JobState>, page: Page) -> Result<Vec<JobRow>, ApiError> {
    authorise(caller)?;
    db.run(move |conn| Ok::<_, ApiError>(queue::list(conn, wanted, page)?)).await
}

/// Puts a dead job back in the queue with a fresh set of attempts; any other state is a 409.
pub async fn retry(db: &Db, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<Job, ApiError> {
    authorise(caller)?;
    db.write(move |conn| -> Result<Job, ApiError> {
        let row = queue::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
        if row.state != JobState::Dead {
            return Err(ApiError::conflict_in_status(&row.state, "only a dead job can be retried"));
        }
        queue::requeue(conn, id, now)?;
        let row = queue::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
        to_job(row)
    })
    .await
}
