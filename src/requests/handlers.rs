//! HTTP in, domain call, HTTP out. Every POST honours `Idempotency-Key`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Serialize;
use uuid::Uuid;

use super::dto::{
    Clarification, ClarificationAnswer, ClarificationList, Derogation, EventList, EventQuery, Extension,
    FollowUpConfirmation, Forward, Message, MessageList, NewClarification, NewMessage, NewRequest, NewResponse,
    Objection, Recognition, Request, RequestList, RequestPatch, RequestQuery, Withdrawal,
};
use super::service::{self, Act};
use crate::auth::Caller;
use crate::auth::keys::KeyRing;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::pagination::list_response;
use crate::http::preconditions::{IfMatch, etag};
use crate::http::problem::Problem;
use crate::http::responses::{
    DatabaseUnavailable, MalformedJsonIdOrHeader, RequestNotFound, StatusConflict, WrongSideOrRole,
};
use crate::page::Page;
use crate::state::AppState;

fn request_reply(request: &Request, status: StatusCode) -> Replayable {
    let reply = Replayable::json(status, request).header(header::ETAG, etag(request.version));
    if status == StatusCode::CREATED {
        reply.header(header::LOCATION, format!("/v1/requests/{}", request.id))
    } else {
        reply
    }
}

/// Runs a state change in one transaction, honouring the Idempotency-Key.
async fn change<B, F>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    key: IdempotencyKey,
    body: &B,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    B: Serialize,
    F: FnOnce(&mut AnyConnection, &Caller, &KeyRing, chrono::DateTime<chrono::Utc>) -> Result<Replayable, ApiError>
        + Send
        + 'static,
{
    let now = state.clock.now();
    let print = idempotency::fingerprint(req, body);
    let client = caller.client;
    // The exchange's keys sign each event's checkpoint (and documents) in the same transaction.
    let tokens = state.tokens.clone();
    idempotency::run(&state.db, client, key, print, now, move |conn| work(conn, &caller, &tokens.keys, now)).await
}

async fn lifecycle_action<B: Serialize>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: Uuid,
    body: &B,
    act: Act,
) -> Result<HttpResponse, ApiError> {
    change(&state, caller, &req, key, body, move |conn, caller, keys, now| {
        service::act(conn, caller, keys, id, act, now).map(|r| request_reply(&r, StatusCode::OK))
    })
    .await
}

/// Draft a request
///
/// Creates a draft request of the caller's party (an active state authority; role `operator`)
/// on a legal basis of the catalogue. The content is validated against the basis: its required
/// fields (e.g. ETS 185 Art 29(2)(a)-(f) for a preservation), typed targets (e-mail lower-cased,
/// phones in E.164, URLs parsed, IPs with a timestamp) and a coherent period, every problem in
/// one 422. The addressee is a party, or a country whose competent authority the directory
/// finds for the basis; a provider's receiving entity follows the issuer's region, and an EU
/// production order for traffic or content data also notifies the enforcing authority.
/// Unroutable requests are a 422 that says why. The reference (`FR-2026-000123`) is unique per
/// issuing country and year. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "create_request",
    tag = "requests",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewRequest,
    responses(
        (status = 201, description = "The draft", body = Request,
            headers(("Location" = String, description = "URL of the request"), ("ETag" = String, description = "Version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests")]
pub async fn create_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    input: web::Json<NewRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = input.into_inner();
    let body = input.clone();
    change(&state, caller, &req, key, &body, move |conn, caller, keys, now| {
        service::create(conn, caller, keys, input, now).map(|r| request_reply(&r, StatusCode::CREATED))
    })
    .await
}

/// List requests
///
/// Requests the caller's party can see (as issuer, addressee, enforcing authority or on the
/// routing path), newest first, cursor-paginated (`limit` up to 200, `next_cursor`, `Link`).
/// `direction=outgoing` for requests the party issued, `incoming` for the others.
#[utoipa::path(
    operation_id = "list_requests",
    tag = "requests",
    params(RequestQuery),
    responses(
        (status = 200, description = "A page of requests", body = RequestList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        MalformedJsonIdOrHeader,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests")]
pub async fn list_requests(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<RequestQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let (items, next_cursor) = state.db.run(move |conn| service::list(conn, &caller, query, page)).await?;
    let body = RequestList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}

/// Get a request
///
/// The request with its participants (the whole routing path), content and status, and its
/// `ETag`. Only its parties see it; for anyone else it does not exist (404). Drafts are
/// visible to the issuer only.
#[utoipa::path(
    operation_id = "get_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = Request, headers(("ETag" = String, description = "Version"))),
        MalformedJsonIdOrHeader,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}")]
pub async fn get_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let request = state.db.run(move |conn| service::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(request.version))).json(request))
}

/// Change a draft
///
/// Changes the priority, addressee or content of a draft (issuer, `operator`). Requires
/// `If-Match` with the draft's `ETag`: 428 without it, 412 when it is stale. The whole request
/// is validated and routed again.
#[utoipa::path(
    operation_id = "update_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("If-Match" = String, Header, description = "ETag of the version read")),
    request_body = RequestPatch,
    responses(
        (status = 200, description = "The changed draft", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 412, description = "The request changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[patch("/requests/{id}")]
pub async fn update_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: web::Json<RequestPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let tokens = state.tokens.clone();
    let request = state
        .db
        .write(move |conn| service::update_draft(conn, &caller, &tokens.keys, id, if_match, patch.into_inner(), now))
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(request.version))).json(request))
}

/// Submit a request
///
/// Sends a draft to its addressee (issuer, `operator`): `draft` → `submitted`, or `pending_approval` when the issuing party requires four eyes. The addressee must still be competent. The request is checked against the addressee's published policy (`POST /v1/requests/{id}/check`): `error` findings answer 422 with each finding in `errors`, unless the body carries `override` with a reason, which the submission's event records with the findings (the addressee sees it). The body is optional. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "submit_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<crate::requests::checks::dto::Submission>, description = "Optional: `override` of the policy check's `error` findings, with a reason"),
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, findings of the policy check not overridden, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/submit")]
pub async fn submit_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // The body is optional (earlier clients send none, or `{}`).
    let submission: crate::requests::checks::dto::Submission = if body.iter().all(u8::is_ascii_whitespace) {
        Default::default()
    } else {
        // As the JSON extractor answers: syntax 400, shape 422.
        serde_json::from_slice(&body).map_err(|e| {
            let kind = if e.is_data() {
                crate::error::ProblemType::InvalidBody
            } else {
                crate::error::ProblemType::MalformedJson
            };
            ApiError::new(kind, format!("the body is not a submission: {e}"))
        })?
    };
    let reason = submission.checks_override.as_ref().map(|o| o.reason.clone());
    lifecycle_action(state, caller, req, key, id.into_inner(), &submission, Act::Submit(reason)).await
}

/// Approve a request
///
/// Four eyes: an `approver` of the issuing party, who is not the client that drafted it, lets the request leave: `pending_approval` → `submitted`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "approve_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/approve")]
pub async fn approve_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    lifecycle_action(state, caller, req, key, id.into_inner(), &(), Act::Approve).await
}

/// Acknowledge a request
///
/// The addressee (`responder`) confirms receipt: `submitted` → `acknowledged`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "acknowledge_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/acknowledge")]
pub async fn acknowledge_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    lifecycle_action(state, caller, req, key, id.into_inner(), &(), Act::Acknowledge).await
}

/// Forward a request
///
/// The addressee (`responder`) sends the request on to another competent party (a party or a country): `submitted`/`acknowledged` → `submitted`. The forwarding party stays on the route and keeps reading access; the issuer sees the whole route. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "forward_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Forward,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/forward")]
pub async fn forward_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Forward>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Forward(body)).await
}

/// Answer a request
///
/// The addressee (`responder`) answers: `fulfilled`, `partially_fulfilled`, `no_data`, `refused` (with a reason code) → `completed`; `preserved` (preservation requests, until `preserved_until`, by default the basis's preservation period) → `preserved`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "respond_to_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewResponse,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/responses")]
pub async fn respond_to_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<NewResponse>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Respond(body)).await
}

/// Object to a production order
///
/// The notified enforcing authority (`responder`) raises a ground for refusal (Reg. (EU) 2023/1543 Art 12) while its time runs (10 days, 96 hours in an emergency, from the notification). Before the answer: the request is `completed` as `refused`. After the answer, outside emergencies: the held data never reach the issuer (Art 8(4)); in an emergency: the objection is to the use of data already sent (Art 10(4)). Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "object_to_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Objection,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/objection")]
pub async fn object_to_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Objection>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Object(body)).await
}

/// Decide on an EIO
///
/// The executing authority (`responder`, the addressee) records a decision, separate from the acknowledgement of receipt (Dir. 2014/41/EU Art 16(1), Annex B): `scope: order` is the decision on recognition (Art 12(3), 30 days from receipt), which starts the 90 days of execution (Art 12(4)); `scope: provisional_measures` is the decision on provisional measures of an urgent EIO (Art 32(2), 24 hours). `submitted`/`acknowledged` → `acknowledged`. 409 on a basis without such decisions, or when the decision was already taken. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "recognise_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Recognition,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/recognise")]
pub async fn recognise_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Recognition>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Recognise(body)).await
}

/// Derogate from a time limit to obtain a judicial authorisation
///
/// The addressee (`responder`) of a request under Dir. (EU) 2023/977 states that the information needs a judicial authorisation (Art 5(2)): its time limit pauses, keeping the time left, until it answers; the issuer is told why (`request.derogation`). `submitted`/`acknowledged` → `acknowledged`. 409 on a basis without such a derogation or without a running time limit. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "derogate_time_limit",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Derogation,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/derogation")]
pub async fn derogate_time_limit(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Derogation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Derogate(body)).await
}

/// Confirm that no ground for refusal is raised
///
/// The notified enforcing authority (`responder`) confirms, before its time ends, that it raises no ground for refusal (Reg. (EU) 2023/1543 Art 10(2)): its clock is met and an answer held under the suspensive effect of the notification (Art 8(4)) goes to the issuer now (`response.released`). The status does not change. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "confirm_no_grounds",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/no-grounds")]
pub async fn confirm_no_grounds(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    lifecycle_action(state, caller, req, key, id.into_inner(), &(), Act::ConfirmNoGrounds).await
}

/// Withdraw a request
///
/// The issuer (`operator`) withdraws an open request, with a reason: → `withdrawn`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "withdraw_request",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Withdrawal,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/withdraw")]
pub async fn withdraw_request(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Withdrawal>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Withdraw(body.reason)).await
}

/// Extend a preservation
///
/// The issuer (`operator`) extends a `preserved` request by the basis's extension period, as often as the basis allows (e.g. once by 30 days for an EPOC-PR, Reg. 2023/1543 Art 11(1)); otherwise 409. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "extend_preservation",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Extension,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/extend")]
pub async fn extend_preservation(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<Extension>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::Extend(body.reason)).await
}

/// Confirm a follow-up request sent outside Rogatory
///
/// The issuer (`operator`) of a preservation confirms that the follow-up request for production was issued by another channel (Reg. (EU) 2023/1543 Art 11(1)-(2), Annex V; ETS 185 Art 29(7)): the preservation no longer lapses and lasts until the issuer releases it (Art 11(3)). `preserved` → `preserved`. 409 where the basis keeps no data for a follow-up (e.g. 18 U.S.C. 2703(f)) or a confirmation exists. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "confirm_follow_up",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = FollowUpConfirmation,
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/follow-up-confirmation")]
pub async fn confirm_follow_up(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<FollowUpConfirmation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let print = body.clone();
    lifecycle_action(state, caller, req, key, id.into_inner(), &print, Act::ConfirmFollowUp(body)).await
}

/// Release a preservation
///
/// The issuer (`operator`) says the preserved data are no longer needed (Reg. 2023/1543 Art 11(3)): `preserved` → `released`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "release_preservation",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, description = "The request after the change", body = Request, headers(("ETag" = String, description = "New version"))),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/release")]
pub async fn release_preservation(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    lifecycle_action(state, caller, req, key, id.into_inner(), &(), Act::Release).await
}

/// Ask for clarification
///
/// The addressee (`responder`) asks the issuer a question (e.g. Reg. 2023/1543 Annex III):
/// `submitted`/`acknowledged` → `awaiting_clarification`. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "create_clarification",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewClarification,
    responses(
        (status = 201, description = "The clarification request", body = Clarification),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/clarifications")]
pub async fn create_clarification(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<NewClarification>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let print = body.clone();
    change(&state, caller, &req, key, &print, move |conn, caller, keys, now| {
        service::ask_clarification(conn, caller, keys, id, &body.question, now)
            .map(|c| Replayable::json(StatusCode::CREATED, &c))
    })
    .await
}

/// List clarifications
///
/// Every clarification asked on the request, with its answer. The request's parties only.
#[utoipa::path(
    operation_id = "list_clarifications",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The clarifications", body = ClarificationList),
        MalformedJsonIdOrHeader,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/clarifications")]
pub async fn list_clarifications(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClarificationList>, ApiError> {
    let id = id.into_inner();
    let items = state.db.run(move |conn| service::clarifications(conn, &caller, id)).await?;
    Ok(web::Json(ClarificationList { items }))
}

/// Answer a clarification
///
/// The issuer (`operator`) answers: `awaiting_clarification` → `acknowledged`. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    operation_id = "answer_clarification",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("cid" = Uuid, Path, description = "Clarification id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = ClarificationAnswer,
    responses(
        (status = 200, description = "The answered clarification", body = Clarification),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/clarifications/{cid}/answer")]
pub async fn answer_clarification(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ClarificationAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (id, cid) = path.into_inner();
    let body = body.into_inner();
    let print = body.clone();
    change(&state, caller, &req, key, &print, move |conn, caller, keys, now| {
        service::answer_clarification(conn, caller, keys, id, cid, &body.answer, now)
            .map(|c| Replayable::json(StatusCode::OK, &c))
    })
    .await
}

/// Post a message
///
/// A message on a submitted request, visible to its parties only (issuer, addressee,
/// enforcing authority; `operator` or `responder`). Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "create_message",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewMessage,
    responses(
        (status = 201, description = "The message", body = Message),
        MalformedJsonIdOrHeader,
        WrongSideOrRole,
        RequestNotFound,
        StatusConflict,
        (status = 422, description = "Invalid fields, unroutable addressee, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/messages")]
pub async fn create_message(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let print = body.clone();
    change(&state, caller, &req, key, &print, move |conn, caller, keys, now| {
        service::post_message(conn, caller, keys, id, &body.body, now)
            .map(|m| Replayable::json(StatusCode::CREATED, &m))
    })
    .await
}

/// List messages
///
/// The request's messages, oldest first. The request's parties only.
#[utoipa::path(
    operation_id = "list_messages",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The messages", body = MessageList),
        MalformedJsonIdOrHeader,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/messages")]
pub async fn list_messages(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageList>, ApiError> {
    let id = id.into_inner();
    let items = state.db.run(move |conn| service::messages(conn, &caller, id)).await?;
    Ok(web::Json(MessageList { items }))
}

/// List a request's events
///
/// The request's history, one event per change (who, what, when), in the chain's order from
/// the first event, cursor-paginated (`limit` up to 200, which is also the default; follow
/// `next_cursor` or `Link` to the last page). The request's parties only.
#[utoipa::path(
    operation_id = "list_request_events",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Request id"), EventQuery),
    responses(
        (status = 200, description = "A page of the events", body = EventList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        MalformedJsonIdOrHeader,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/events")]
pub async fn list_request_events(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<EventQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let query = query.into_inner();
    // A page of the most events a page may hold unless fewer are asked: the trail of nearly
    // every request in one call, as this list answered before it was paged (issue 16), while
    // a page's cost stays bounded however long the trail.
    let page = Page::parse_or(query.limit, query.cursor.as_deref(), crate::page::MAX_LIMIT)?;
    let (items, next_cursor) = state.db.run(move |conn| service::events_page(conn, &caller, id, page)).await?;
    let body = EventList { items, next_cursor };
    Ok(list_response(&req, body.next_cursor.as_deref(), &body))
}
