//! HTTP of request policies: publish a party's.

use actix_web::{put, web};
use uuid::Uuid;

use super::dto::{PublishedPolicy, RequestPolicy};
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedJsonIdOrHeader};
use crate::state::AppState;

/// Publish a request policy
///
/// Publishes what the party needs in the requests it receives (its own `party_admin`):
/// accepted languages, identifier types per legal basis, the longest period per request,
/// whether a non-disclosure request needs its end date, emergency criteria, a contact. Each
/// publication is a new version; the directory's party view shows the current one, and checks
/// (`POST /v1/requests/{id}/check`, and every submission) use it.
#[utoipa::path(
    operation_id = "publish_policy",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id")),
    request_body = RequestPolicy,
    responses(
        (status = 200, description = "The published version", body = PublishedPolicy),
        MalformedJsonIdOrHeader,
        (status = 403, description = "Not a party administrator of this party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/parties/{id}/policy")]
pub async fn publish_policy(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    policy: web::Json<RequestPolicy>,
) -> Result<web::Json<PublishedPolicy>, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    let published = state.db.write(move |conn| service::publish(conn, &caller, id, policy.into_inner(), now)).await?;
    Ok(web::Json(published))
}
