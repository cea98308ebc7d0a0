//! HTTP of deadlines: a party's own targets for bases the law gives no time. (A request's
//! clocks are listed by `requests::clocks`, which decides who may see the request.)

use actix_web::{get, put, web};
use uuid::Uuid;

use super::dto::{ClockTarget, ClockTargetEntry, ClockTargetList};
use super::targets;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId, NotPartyAdmin};
use crate::state::AppState;

/// A party's clock targets
///
/// The targets the party set for legal bases whose clocks no law fixes. Party administrators
/// of the party, exchange administrators.
#[utoipa::path(
    operation_id = "list_clock_targets",
    tag = "deadlines",
    params(("id" = Uuid, Path, description = "Party id")),
    responses(
        (status = 200, description = "The targets", body = ClockTargetList),
        MalformedId,
        NotPartyAdmin,
        (status = 404, description = "Another party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/parties/{id}/clock-targets")]
pub async fn list_clock_targets(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClockTargetList>, ApiError> {
    let items = targets::list(&state.db, &caller, id.into_inner()).await?;
    Ok(web::Json(ClockTargetList { items }))
}

/// Set a clock target
///
/// Sets the party's own target for a clock of a legal basis that has no time by law (e.g. 60
/// days to answer MLA requests, or a target to answer ETS 185 Art 31 requests, which have no
/// clock at all). Requests it receives afterwards use it. A clock set by law (`binding: true`
/// in the catalogue) cannot be changed: 422.
#[utoipa::path(
    operation_id = "set_clock_target",
    tag = "deadlines",
    params(("id" = Uuid, Path, description = "Party id"), ("code" = String, Path, description = "Legal basis code", example = "mlat")),
    request_body = ClockTarget,
    responses(
        (status = 200, description = "The target", body = ClockTargetEntry),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        NotPartyAdmin,
        (status = 404, description = "Another party", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown basis, or its clock is set by law", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/parties/{id}/clock-targets/{code}")]
pub async fn set_clock_target(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    body: web::Json<ClockTarget>,
) -> Result<web::Json<ClockTargetEntry>, ApiError> {
    let (party, code) = path.into_inner();
    let entry = targets::set(&state.db, &caller, party, code, body.into_inner(), state.clock.now()).await?;
    Ok(web::Json(entry))
}
