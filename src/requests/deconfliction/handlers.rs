//! HTTP of deconfliction: the caller's party's hits.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{HitList, HitQuery};
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::pagination::list_response;
use crate::http::problem::Problem;
use crate::http::responses::DatabaseUnavailable;
use crate::page::Page;
use crate::state::AppState;

/// List deconfliction hits
///
/// The hits of the caller's party's requests, newest first, cursor-paginated: a target of one
/// of its submitted requests is also sought by an open request of another party. Each hit names
/// the caller's own request, the target's type and the other party (name, country, its
/// deconfliction contact), never the other request. For `operator`, `approver` and `auditor`.
#[utoipa::path(
    operation_id = "list_deconfliction_hits",
    tag = "deconfliction",
    params(HitQuery),
    responses(
        (status = 200, description = "A page of hits", body = HitList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator, approver or auditor", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/deconfliction/hits")]
pub async fn list_deconfliction_hits(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<HitQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let rows = service::hits(&state.db, caller, page).await?;
    let (items, next_cursor) = page.finish(rows, |h| h.id);
    let body = HitList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}
