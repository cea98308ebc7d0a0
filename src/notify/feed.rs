//! The in-app feed of a party.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::pagination::list_response;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId};
use crate::page::Page;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0193a6fb-0000-7000-8000-0000000000aa", "request_id": "0193a6f5-0000-7000-8000-000000000001",
    "event_type": "clock.approaching", "summary": "FR-2026-000001: deadline approaching",
    "data": {"reference": "FR-2026-000001", "event_type": "clock.approaching", "data": {"due_at": "2026-12-10T08:00:00Z"}},
    "created_at": "2026-12-09T08:00:00Z", "read_at": null}))]
pub struct Notification {
    pub id: Uuid,
    pub request_id: Option<Uuid>,
    pub event_type: String,
    pub summary: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List notifications
///
/// The caller's party's feed, newest first, cursor-paginated. Any authenticated caller.
#[utoipa::path(
    operation_id = "list_notifications",
    tag = "notifications",
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/notifications")]
pub async fn list_notifications(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let party = caller.party;
    let unread_only = query.unread == Some(true);
    let rows = state.db.run(move |conn| Ok::<_, ApiError>(super::repo::feed(conn, party, unread_only, page)?)).await?;
    let (items, next_cursor) = page.finish(rows, |n| n.id);
    let body = NotificationList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}

/// Mark a notification read
///
/// Marks one of the caller's party's notifications as read (idempotent). Another party's
/// notification is a 404.
#[utoipa::path(
    operation_id = "read_notification",
    tag = "notifications",
    params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 204, description = "Marked read"),
        MalformedId,
        (status = 404, description = "No such notification of the caller's party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/notifications/{id}/read")]
pub async fn read_notification(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let found = state
        .db
        .write(move |conn| -> Result<bool, ApiError> { Ok(super::repo::mark_read(conn, caller.party, id, now)?) })
        .await?;
    if !found {
        return Err(ApiError::not_found(format!("no notification {id}")));
    }
    Ok(HttpResponse::NoContent().finish())
}
