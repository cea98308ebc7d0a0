//! HTTP of a request's legal clocks: the request's access rule decides who sees them, the
//! clocks themselves are `deadlines`'.

use actix_web::{get, web};
use uuid::Uuid;

use crate::auth::Caller;
use crate::deadlines::dto::ClockList;
use crate::deadlines::repo;
use crate::error::ApiError;
use crate::http::responses::{DatabaseUnavailable, MalformedId, RequestNotFound};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_request_clocks);
}

/// The clocks of a request
///
/// Every legal clock of the request: which party must act, by when, its state (`running`,
/// `paused` while a clarification is pending, `met`, `missed`, `cancelled`) and its legal source.
/// The request's parties only.
#[utoipa::path(
    operation_id = "list_request_clocks",
    tag = "deadlines",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The clocks", body = ClockList),
        MalformedId,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/clocks")]
pub async fn list_request_clocks(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClockList>, ApiError> {
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |conn| {
            super::service::load(conn, &caller, id)?;
            repo::for_request(conn, id)
        })
        .await?;
    Ok(web::Json(ClockList { items: rows.into_iter().map(|r| r.into_clock()).collect::<Result<_, _>>()? }))
}
