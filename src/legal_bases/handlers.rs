//! HTTP of the catalogue: list the legal bases and read one.

use actix_web::{get, web};

use super::dto::{LegalBasis, LegalBasisFilter, LegalBasisList};
use super::repo;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::DatabaseUnavailable;
use crate::state::AppState;

/// List the legal-basis catalogue
///
/// Every instrument a request can rest on, ordered by code, with its allowed recipients,
/// required fields, clocks (ISO 8601 durations), extension rules and citations. Public: no
/// token needed. Values not yet checked against the primary legal text say `verified: false`.
#[utoipa::path(
    operation_id = "list_legal_bases",
    tag = "legal-bases",
    params(LegalBasisFilter),
    responses(
        (status = 200, description = "The catalogue", body = LegalBasisList),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(()),
)]
#[get("/legal-bases")]
pub async fn list_legal_bases(
    state: web::Data<AppState>,
    filter: web::Query<LegalBasisFilter>,
) -> Result<web::Json<LegalBasisList>, ApiError> {
    let filter = filter.into_inner();
    let items = state.db.run(repo::list).await?;
    let items = items.into_iter().filter(|basis| filter.accepts(basis)).collect();
    Ok(web::Json(LegalBasisList { items }))
}

/// Get one legal basis
///
/// One entry of the catalogue by its code, e.g. `coe_budapest_29`. Public: no token needed.
#[utoipa::path(
    operation_id = "get_legal_basis",
    tag = "legal-bases",
    params(("code" = String, Path, description = "Code of the legal basis", example = "coe_budapest_29")),
    responses(
        (status = 200, description = "The legal basis", body = LegalBasis),
        (status = 404, description = "No legal basis has this code", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(()),
)]
#[get("/legal-bases/{code}")]
pub async fn get_legal_basis(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<LegalBasis>, ApiError> {
    let code = code.into_inner();
    let lookup = code.clone();
    state
        .db
        .run(move |conn| repo::find(conn, &lookup))
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::not_found(format!("no legal basis with code {code:?}")))
}
