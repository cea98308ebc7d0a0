//! The wire shapes of the job queue as exchange administrators see it (payloads never shown).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::queue::{JobRow, JobState};
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0193a6fe-0000-7000-8000-0000000000dd", "kind": "email", "state": "dead", "attempts": 8,
    "max_attempts": 8, "run_at": "2026-12-01T10:00:00Z", "last_error": "SMTP: Connection refused", "created_at": "2026-11-30T10:00:00Z",
    "updated_at": "2026-12-01T09:00:00Z"}))]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    pub items: Vec<Job>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// `dead` for the jobs that exhausted their attempts.
    pub state: Option<JobState>,
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn to_job(row: JobRow) -> Result<Job, ApiError> {
    Ok(Job {
        id: row.id,
        kind: row.kind,
        state: row.state,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        run_at: row.run_at,
        last_error: row.last_error,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
