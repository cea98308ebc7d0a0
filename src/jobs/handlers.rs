//! HTTP for exchange administrators over the job queue: list jobs (dead ones to look at) and
//! put a dead job back in the queue.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

use super::dto::{Job, JobList, JobQuery, to_job};
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::pagination::list_response;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId, NotExchangeAdmin};
use crate::page::Page;
use crate::state::AppState;

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
        NotExchangeAdmin,
        DatabaseUnavailable,
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
    service::authorise(&caller)?;
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let rows = service::list(&state.db, &caller, query.state, page).await?;
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
        MalformedId,
        NotExchangeAdmin,
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let job = service::retry(&state.db, &caller, id.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(job))
}
