//! HTTP of evidence integrity: a request's chain verdict, its signed document, the offline
//! audit export, and the exchange-wide audit log.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::export::{self, AuditBundle, Checkpoint, SignedDocument};
use crate::audit::chain::Verdict;
use crate::auth::Caller;
use crate::db::dialect;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, MalformedId, RequestNotFound};
use crate::requests::dto::{Event, Request};
use crate::requests::repo::{self, DocumentKind};
use crate::requests::service;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_request_audit).service(get_request_document).service(export_request_audit);
}

/// Verify a request's audit trail
///
/// Recomputes the hash chain of the request's events and holds it against the exchange's
/// signed checkpoints (one per event), then reports `intact` (with the head hash) or the first
/// broken event: one whose content does not match its hash, whose hash is not the one the
/// exchange signed, or that lacks its checkpoint; or the last event when the request is not
/// as the exchange signed it then. The request's parties only.
#[utoipa::path(
    operation_id = "get_request_audit",
    tag = "audit",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The verdict", body = Verdict,
            example = json!({"status": "intact", "events": 5, "head": "3f0c…"})),
        MalformedId,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/audit")]
pub async fn get_request_audit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Verdict>, ApiError> {
    let id = id.into_inner();
    let (request, events, checkpoints) = state
        .db
        .run(move |conn| {
            diesel::Connection::transaction(conn, |conn| {
                dialect::repeatable_read(conn)?;
                let request = service::get(conn, &caller, id)?;
                let events = service::events(conn, &caller, id)?;
                Ok::<_, ApiError>((request, events, repo::checkpoints(conn, id)?))
            })
        })
        .await?;
    Ok(web::Json(verdict(&state, &request, &events, &checkpoints)))
}

/// The chain recomputed, then held against the exchange's signed checkpoints: a history
/// rewritten with every later hash recomputed, or a request changed without an event, is
/// found by them.
fn verdict(state: &AppState, request: &Request, events: &[Event], checkpoints: &[(i32, String, String)]) -> Verdict {
    let verdict = crate::audit::chain::verify(&export::links(request.id, events));
    if !matches!(verdict, Verdict::Intact { .. }) {
        return verdict;
    }
    let stored: Vec<(i32, String)> = checkpoints.iter().map(|(seq, _, jws)| (*seq, jws.clone())).collect();
    match super::checkpoints::first_broken(request, events, &stored, &state.tokens.keys.jwks()) {
        None => verdict,
        Some((first_broken_event, first_broken_seq, reason)) => {
            Verdict::Broken { events: events.len(), first_broken_seq, first_broken_event, reason }
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestDocument {
    #[serde(flatten)]
    pub signed: SignedDocument,
    /// The signed payload, decoded for convenience; verify the `jws`, not this.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

/// Get the signed request document
///
/// The latest document the exchange signed for the request (at submission, approval or
/// forwarding): a compact JWS with `EdDSA` over the request's canonical JSON (RFC 8785).
/// Verify it with the public keys at `/.well-known/jwks.json` alone: this is how a recipient
/// tells a genuine request from a forged one. 404 before the request has left.
#[utoipa::path(
    operation_id = "get_request_document",
    tag = "audit",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The signed document", body = RequestDocument),
        MalformedId,
        (status = 404, description = "No such request visible to the caller, or not signed yet", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/document")]
pub async fn get_request_document(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<RequestDocument>, ApiError> {
    let id = id.into_inner();
    let documents = state
        .db
        .run(move |conn| {
            service::get(conn, &caller, id)?;
            repo::documents(conn, id, DocumentKind::Request)
        })
        .await?;
    let (event_seq, kid, jws) = documents
        .into_iter()
        .last()
        .ok_or_else(|| ApiError::not_found("the request has not left yet: no signed document"))?;
    let document = super::documents::verify(&jws, &state.tokens.keys.jwks()).unwrap_or_default();
    Ok(web::Json(RequestDocument { signed: SignedDocument { event_seq, kid, jws }, document }))
}

/// Export a request's audit bundle
///
/// The request, its events with their hashes, the exchange's signed checkpoint of each event,
/// every signed request and response document and the exchange's public keys in one JSON
/// bundle that can be verified offline (`rogatory verify-export`). The request's parties only.
#[utoipa::path(
    operation_id = "export_request_audit",
    tag = "audit",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The bundle", body = AuditBundle),
        MalformedId,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/audit/export")]
pub async fn export_request_audit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AuditBundle>, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    // One snapshot, so that the request section is the request as of the last event exported.
    let (request, events, checkpoints, documents, responses) = state
        .db
        .run(move |conn| {
            diesel::Connection::transaction(conn, |conn| {
                dialect::repeatable_read(conn)?;
                let request = service::get(conn, &caller, id)?;
                let events = service::events(conn, &caller, id)?;
                let checkpoints = repo::checkpoints(conn, id)?;
                let documents = repo::documents(conn, id, DocumentKind::Request)?;
                let responses = repo::documents(conn, id, DocumentKind::Response)?;
                Ok::<_, ApiError>((request, events, checkpoints, documents, responses))
            })
        })
        .await?;
    let verdict = verdict(&state, &request, &events, &checkpoints);
    let signed = |rows: Vec<(i32, String, String)>| {
        rows.into_iter().map(|(event_seq, kid, jws)| SignedDocument { event_seq, kid, jws }).collect()
    };
    Ok(web::Json(AuditBundle {
        format: export::FORMAT.into(),
        exported_at: now,
        request,
        events,
        checkpoints: checkpoints.into_iter().map(|(event_seq, kid, jws)| Checkpoint { event_seq, kid, jws }).collect(),
        documents: signed(documents),
        responses: signed(responses),
        jwks: state.tokens.keys.jwks(),
        verdict,
    }))
}
