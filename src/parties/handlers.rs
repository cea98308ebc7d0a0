//! HTTP of the directory: parties (create, read, change, verify, suspend, reinstate) and their
//! API clients (create, list, revoke).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::dto::{
    ClientCredentials, ClientList, NewClient, NewParty, Party, PartyList, PartyPatch, PartyQuery, SuspendParty,
};
use super::rules::StatusChange;
use super::service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::pagination::list_response;
use crate::http::preconditions::{IfMatch, etag};
use crate::http::problem::Problem;
use crate::http::responses::{DatabaseUnavailable, NotExchangeAdmin, NotPartyAdmin};
use crate::page::Page;
use crate::state::AppState;
use crate::vocab::PartyStatus;

fn party_response(mut response: actix_web::HttpResponseBuilder, party: &Party) -> HttpResponse {
    response.insert_header((header::ETAG, etag(party.version))).json(party)
}

fn party_reply(party: &Party, status: StatusCode) -> Replayable {
    let reply = Replayable::json(status, party).header(header::ETAG, etag(party.version));
    if status == StatusCode::CREATED {
        reply.header(header::LOCATION, format!("/v1/parties/{}", party.id))
    } else {
        reply
    }
}

/// Create a party
///
/// Adds a state authority or a service provider to the directory, `pending_verification`
/// until an exchange administrator verifies it. Exchange administrators only. Country codes
/// are ISO 3166-1 alpha-2, accepted legal bases must exist in the catalogue, names are unique
/// regardless of case; every problem is reported per field in one 422. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "create_party",
    tag = "parties",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewParty,
    responses(
        (status = 201, description = "The party, pending verification", body = Party,
            headers(("Location" = String, description = "URL of the party"), ("ETag" = String, description = "Version of the party"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NotExchangeAdmin,
        (status = 422, description = "Invalid fields (each listed in `errors`)", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/parties")]
pub async fn create_party(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    input: web::Json<NewParty>,
) -> Result<HttpResponse, ApiError> {
    service::authorise_directory_change(&caller)?;
    let now = state.clock.now();
    let actor = caller.actor();
    let input = input.into_inner();
    let print = idempotency::fingerprint(&req, &input);
    idempotency::run(&state.db, caller.client, key, print, now, move |conn| {
        let party = service::create_party(conn, &actor, input, PartyStatus::PendingVerification, now)?;
        Ok(party_reply(&party, StatusCode::CREATED))
    })
    .await
}

/// List the directory
///
/// Parties in creation order, cursor-paginated (`limit` up to 200, `next_cursor`, `Link`).
/// Any authenticated caller sees the active parties; exchange administrators see all and may
/// filter by `status`.
#[utoipa::path(
    operation_id = "list_parties",
    tag = "parties",
    params(PartyQuery),
    responses(
        (status = 200, description = "A page of parties", body = PartyList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Listing non-active parties needs an exchange administrator", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/parties")]
pub async fn list_parties(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PartyQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let (items, next_cursor) = state
        .db
        .run(move |conn| service::list_parties(conn, &caller, query.kind, query.country, query.status, page))
        .await?;
    let body = PartyList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}

/// Get a party
///
/// One party of the directory, with its `ETag`. Parties that are not active are visible only
/// to exchange administrators and to the party itself (404 for others).
#[utoipa::path(
    operation_id = "get_party",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id")),
    responses(
        (status = 200, description = "The party", body = Party, headers(("ETag" = String, description = "Version of the party"))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party visible to the caller", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/parties/{id}")]
pub async fn get_party(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let party = state.db.run(move |conn| service::visible_party(conn, &caller, id)).await?;
    Ok(party_response(HttpResponse::Ok(), &party))
}

/// Change a party
///
/// Changes the fields present in the body. Requires `If-Match` with the party's `ETag`
/// (428 without it, 412 when the party changed since it was read). Exchange administrators
/// change any field; a party administrator changes only `languages`, `emergency_contact` and
/// `notification_emails` of its own party.
#[utoipa::path(
    operation_id = "update_party",
    tag = "parties",
    params(
        ("id" = Uuid, Path, description = "Party id"),
        ("If-Match" = String, Header, description = "ETag of the version read, e.g. `\"3\"`"),
    ),
    request_body = PartyPatch,
    responses(
        (status = 200, description = "The changed party", body = Party, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to change this party or these fields", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The party changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[patch("/parties/{id}")]
pub async fn update_party(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: web::Json<PartyPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let party =
        state.db.write(move |conn| service::update_party(conn, &caller, id, if_match, patch.into_inner(), now)).await?;
    Ok(party_response(HttpResponse::Ok(), &party))
}

async fn change_status(
    caller: Caller,
    state: web::Data<AppState>,
    (req, key): (HttpRequest, IdempotencyKey),
    id: Uuid,
    change: StatusChange,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    service::authorise_directory_change(&caller)?;
    let now = state.clock.now();
    let actor = caller.actor();
    let print = idempotency::fingerprint(&req, &reason);
    idempotency::run(&state.db, caller.client, key, print, now, move |conn| {
        let party = service::change_status(conn, &actor, id, change, reason, now)?;
        Ok(party_reply(&party, StatusCode::OK))
    })
    .await
}

/// Verify a party
///
/// `pending_verification` → `active`: the party may now send and receive requests. Exchange
/// administrators only; recorded in the audit log. Any other status is a 409.
#[utoipa::path(
    operation_id = "verify_party",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The verified party", body = Party),
        NotExchangeAdmin,
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The party is not pending verification", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/parties/{id}/verify")]
pub async fn verify_party(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    change_status(caller, state, (req, key), id.into_inner(), StatusChange::Verify, None).await
}

/// Suspend a party
///
/// `active` or `pending_verification` → `suspended`, with a reason. Its clients lose access at
/// once, even with unexpired tokens. Exchange administrators only; recorded in the audit log.
#[utoipa::path(
    operation_id = "suspend_party",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = SuspendParty,
    responses(
        (status = 200, description = "The suspended party", body = Party),
        NotExchangeAdmin,
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already suspended, or the exchange's own party", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/parties/{id}/suspend")]
pub async fn suspend_party(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<SuspendParty>,
) -> Result<HttpResponse, ApiError> {
    // Who may, before what they sent: a non-administrator is told 403, not how to fix the body.
    service::authorise_directory_change(&caller)?;
    let reason = service::suspension_reason(body.into_inner())?;
    change_status(caller, state, (req, key), id.into_inner(), StatusChange::Suspend, Some(reason)).await
}

/// Reinstate a party
///
/// `suspended` → `active`. Exchange administrators only; recorded in the audit log.
#[utoipa::path(
    operation_id = "reinstate_party",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The reinstated party", body = Party),
        NotExchangeAdmin,
        (status = 404, description = "No such party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The party is not suspended", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/parties/{id}/reinstate")]
pub async fn reinstate_party(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    change_status(caller, state, (req, key), id.into_inner(), StatusChange::Reinstate, None).await
}

/// Create an API client
///
/// A client of the party with the given roles. The answer holds the `client_secret`, shown
/// only this once and stored only as its SHA-256 digest. A party administrator creates clients
/// of its own party; exchange administrators of any party (and only they grant
/// `exchange_admin`, to clients of the exchange's own party). Another party's id is a 404.
/// `Idempotency-Key` is not honoured here: replaying the answer would mean storing the secret.
#[utoipa::path(
    operation_id = "create_client",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id")),
    request_body = NewClient,
    responses(
        (status = 201, description = "The client and its secret", body = ClientCredentials),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        NotPartyAdmin,
        (status = 404, description = "No such party managed by the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/parties/{id}/clients")]
pub async fn create_client(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    input: web::Json<NewClient>,
) -> Result<HttpResponse, ApiError> {
    let party = id.into_inner();
    let now = state.clock.now();
    let issuers: Vec<String> = state.tokens.external.iter().map(|e| e.issuer.clone()).collect();
    let credentials = state
        .db
        .write(move |conn| service::create_client_for(conn, &caller, party, input.into_inner(), &issuers, now))
        .await?;
    Ok(HttpResponse::Created().insert_header((header::CACHE_CONTROL, "no-store")).json(credentials))
}

/// List a party's API clients
///
/// Every client of the party, revoked ones included (with `revoked_at`); never a secret.
/// Party administrators for their own party, exchange administrators for any.
#[utoipa::path(
    operation_id = "list_clients",
    tag = "parties",
    params(("id" = Uuid, Path, description = "Party id")),
    responses(
        (status = 200, description = "The clients", body = ClientList),
        NotPartyAdmin,
        (status = 404, description = "No such party managed by the caller", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/parties/{id}/clients")]
pub async fn list_clients(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClientList>, ApiError> {
    let party = id.into_inner();
    let items = state.db.run(move |conn| service::list_clients(conn, &caller, party)).await?;
    Ok(web::Json(ClientList { items }))
}

/// Revoke an API client
///
/// The client can no longer get tokens, and tokens it already holds stop working at once.
/// Party administrators for their own party's clients, exchange administrators for any;
/// another party's client is a 404. Recorded in the audit log.
#[utoipa::path(
    operation_id = "revoke_client",
    tag = "parties",
    params(("id" = String, Path, pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|rgc_[A-Za-z0-9_-]+)$",
        description = "The client: its `id` (a UUID) or its `client_id` (`rgc_…`, the one its credentials carry); either names it")),
    responses(
        (status = 204, description = "Revoked"),
        NotPartyAdmin,
        (status = 404, description = "No such client managed by the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[delete("/clients/{id}")]
pub async fn revoke_client(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let named = id.into_inner();
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            // A client is held by integrators as its `client_id`; the path takes either name.
            let id = match Uuid::parse_str(&named) {
                Ok(id) => id,
                Err(_) if named.starts_with("rgc_") => {
                    crate::auth::repo::find_client_with_party(conn, crate::auth::repo::ClientKey::ClientId(&named))?
                        .map(|found| found.client.id)
                        .ok_or_else(|| ApiError::not_found(format!("no client {named}")))?
                }
                Err(_) => {
                    return Err(ApiError::new(
                        crate::error::ProblemType::InvalidPath,
                        "a client is named by its id (a UUID) or its client_id (rgc_…)",
                    ));
                }
            };
            service::revoke_client(conn, &caller, id, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
