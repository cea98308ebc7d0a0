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

/// Check a request against its addressee's policy and its legal basis
///
/// The findings of the request (the issuer's `operator` or `approver`) against the policy its
/// addressee published, and against its legal basis's own rules where the content lets us
/// tell (e.g. Reg. 2023/1543 Art 4 on who issues an order and Art 5(4) on the offences a
/// traffic or content order needs; each such finding has `source: legal_basis` and the
/// `citation` of its provision): each with a JSON Pointer into the request, a severity and a
/// stable code. `error` findings block submission unless it carries `override` with a reason (recorded
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
    let (id, now) = (id.into_inner(), state.clock.now());
    let report = state.db.run(move |conn| service::check(conn, &caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(report))
}
