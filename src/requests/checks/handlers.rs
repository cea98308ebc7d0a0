//! HTTP of the checks: a request against its addressee's policy.

use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use super::dto::CheckReport;
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId, RequestNotFound};
use crate::state::AppState;

/// Check a request against its addressee's policy
///
/// The findings of the request (the issuer's `operator` or `approver`) against the policy its
/// addressee published: each with a JSON Pointer into the request, a severity and a stable
/// code. `error` findings block submission unless it carries `override` with a reason (recorded
/// in the submission's event, which the addressee sees); `warning` findings inform. Changes
/// nothing.
#[utoipa::path(
    operation_id = "check_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The findings", body = CheckReport),
        MalformedId,
        (status = 403, description = "Not the issuer's operator or approver", body = Problem, content_type = "application/problem+json"),
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/check")]
pub async fn check_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = state.db.run(move |conn| service::check(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(report))
}
