//! HTTP of deadlines: a party's own targets for bases the law gives no time. (A request's
//! clocks are listed by `requests::clocks`, which decides who may see the request.)

use actix_web::{get, put, web};
use uuid::Uuid;

use super::dto::{ClockTarget, ClockTargetEntry, ClockTargetList};
use super::repo;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::codec::decode_text;
use crate::error::{ApiError, FieldError};
use crate::http::problem::Problem;
use crate::legal_bases;
use crate::state::AppState;

fn manage(caller: &Caller, party: Uuid) -> Result<(), ApiError> {
    if caller.is_exchange_admin() {
        return Ok(());
    }
    if party != caller.party {
        return Err(ApiError::not_found(format!("no party {party}")));
    }
    caller.require(&[Role::PartyAdmin])
}

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
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another party", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/parties/{id}/clock-targets")]
pub async fn list_clock_targets(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClockTargetList>, ApiError> {
    let party = id.into_inner();
    manage(&caller, party)?;
    let rows = state.db.run(move |conn| repo::targets(conn, party)).await?;
    let items = rows
        .into_iter()
        .map(|(legal_basis, clock, duration_secs)| {
            Ok(ClockTargetEntry {
                legal_basis,
                clock: decode_text("party_clock_targets.clock_kind", clock)?,
                duration_secs,
            })
        })
        .collect::<Result<_, ApiError>>()?;
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
        (status = 403, description = "Not a party administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another party", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown basis, or its clock is set by law", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
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
    manage(&caller, party)?;
    let target = body.into_inner();
    let now = state.clock.now();
    let duration = target.duration.as_delta();
    if duration < chrono::TimeDelta::hours(1) || duration > chrono::TimeDelta::days(3650) {
        return Err(ApiError::validation(vec![FieldError::new(
            "/duration",
            "out_of_range",
            "between one hour and ten years",
        )]));
    }
    let basis_code = code.clone();
    state
        .db
        .write(move |conn| -> Result<(), ApiError> {
            crate::parties::service::get_party(conn, party)?
                .ok_or_else(|| ApiError::not_found(format!("no party {party}")))?;
            let basis = legal_bases::repo::find(conn, &basis_code)?.ok_or_else(|| {
                ApiError::validation(vec![FieldError::new(
                    "code",
                    "unknown_legal_basis",
                    format!("{basis_code:?} is not in the catalogue"),
                )])
            })?;
            // A party sets its own target where no law sets the time: a clock the catalogue
            // marks `binding: false`, or (to acknowledge or respond) a basis with no such clock
            // at all, like ETS 185 Art 31 or ETS 030.
            let rules: Vec<_> = basis.clocks.iter().filter(|c| c.kind == target.clock).collect();
            let settable = if rules.is_empty() {
                crate::deadlines::service::OWN_TARGET_KINDS.contains(&target.clock)
            } else {
                rules.iter().all(|c| !c.binding)
            };
            if !settable {
                let why = match rules.iter().find(|c| c.binding) {
                    Some(rule) => format!("the law sets this time ({})", rule.citation),
                    None => {
                        format!("a party may set its own target only to acknowledge or respond, not {:?}", target.clock)
                    }
                };
                return Err(ApiError::validation(vec![FieldError::new(
                    "/clock",
                    "set_by_law",
                    format!("{}: {why}", basis.code),
                )]));
            }
            repo::set_target(conn, party, &basis.code, target.clock, duration, now)
        })
        .await?;
    Ok(web::Json(ClockTargetEntry { legal_basis: code, clock: target.clock, duration_secs: duration.num_seconds() }))
}
