//! HTTP for exchange administrators over the job queue: list jobs (dead ones to look at) and
//! put a dead job back in the queue.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::queue::{self, JobRow, JobState};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::codec::{decode_text, encode_text};
use crate::error::ApiError;
use crate::http::pagination::list_response;
use crate::http::problem::Problem;
use crate::page::Page;
use crate::state::AppState;

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

fn to_job(row: JobRow) -> Result<Job, ApiError> {
    Ok(Job {
        id: row.id,
        kind: row.kind,
        state: decode_text("jobs.state", row.state)?,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        run_at: row.run_at,
        last_error: row.last_error,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// List background jobs
///
/// Jobs of the queue (e-mails, webhook deliveries), newest first, cursor-paginated; `state=dead`
/// shows the ones that exhausted their attempts. Exchange administrators only. Payloads are
/// not shown.
#[utoipa::path(
    operation_id = "list_jobs",
    tag = "admin",
    params(JobQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an exchange administrator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/jobs")]
pub async fn list_jobs(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<JobQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::ExchangeAdmin])?;
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let wanted = query.state;
    let rows: Vec<JobRow> = state.db.run(move |conn| Ok::<_, ApiError>(queue::list(conn, wanted, page)?)).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items = rows.into_iter().map(to_job).collect::<Result<_, _>>()?;
    let body = JobList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}

/// Retry a dead job
///
/// Puts a `dead` job back in the queue with a fresh set of attempts. Exchange administrators
/// only; a job that is not dead is a 409.
#[utoipa::path(
    operation_id = "retry_job",
    tag = "admin",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job, queued again", body = Job),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an exchange administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::ExchangeAdmin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let job = state
        .db
        .write(move |conn| -> Result<Job, ApiError> {
            let row = queue::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
            if row.state != encode_text(&JobState::Dead) {
                return Err(ApiError::conflict_in_status(&row.state, "only a dead job can be retried"));
            }
            queue::requeue(conn, id, now)?;
            let row = queue::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
            to_job(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(job))
}
