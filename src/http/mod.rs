//! HTTP plumbing shared by every feature: the request context middleware (request id and
//! tracing span), extractor configurations whose errors are problems, the 404/405 fallback and
//! the safety net that turns any error response produced outside our handlers into a problem.

pub mod body_deadline;
pub mod caller;
pub mod fallback;
pub mod idempotency;
pub mod pagination;
pub mod preconditions;
pub mod problem;
pub mod responses;
pub mod text_guard;

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpRequest, web};
use tracing::Instrument;

use crate::error::{ApiError, ProblemType};
use crate::http::problem::{PROBLEM_CONTENT_TYPE, problem_response};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's request id is kept when it is short printable ASCII; otherwise we make one.
fn caller_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    ok.then(|| value.to_owned())
}

/// Whether answers carry `Server-Timing: db;desc="N statements"` (`ROGATORY_SERVER_TIMING`):
/// the statements the request sent to the database, for budgets and diagnosis. Off by default:
/// it tells callers something of the inside.
#[derive(Debug, Clone, Copy)]
pub struct ServerTiming(pub bool);

/// Outermost middleware: one span per request carrying its id, the id echoed in
/// `x-request-id` on every response, and one log line with status and latency.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = caller_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    // Never clone the HttpRequest here: routing needs to own it (actix panics otherwise).
    let started = Instant::now();
    let server_timing = req.app_data::<ServerTiming>().is_some_and(|t| t.0);
    let (response, statements) = crate::db::statements::counted(next.call(req).instrument(span.clone())).await;
    let mut response = response?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if server_timing && let Ok(value) = HeaderValue::from_str(&format!("db;desc=\"{statements} statements\"")) {
        response.headers_mut().insert(header::HeaderName::from_static("server-timing"), value);
    }
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms, statements, "request finished"));
    Ok(response)
}

/// Safety net: an error response that is not already a problem (actix internals, Swagger UI
/// assets) is rewritten as one, keeping headers such as `Allow` or `Retry-After`.
pub fn problem_safety_net<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems, and the OAuth token endpoint's JSON errors (RFC 6749 §5.2), are kept as they are.
    let is_deliberate = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()) || v.as_bytes().starts_with(b"application/json")
    });
    if is_deliberate {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let kind = ProblemType::for_status(response.status());
    let (request, old) = response.into_parts();
    let mut problem = ApiError::bare(kind).problem();
    problem.status = old.status().as_u16();
    let mut new = problem_response(&problem, &[]);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && name != header::CONTENT_ENCODING {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, new).map_into_right_body()))
}

/// JSON bodies: size limit (413), content type (415), syntax (400) and shape (422).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|error, _req: &HttpRequest| json_error(error).into())
}

fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
            ProblemType::PayloadTooLarge,
            format!("the body is {length} bytes; the limit is {limit} bytes"),
        ),
        JsonPayloadError::Overflow { limit } => {
            ApiError::new(ProblemType::PayloadTooLarge, format!("the body exceeds the limit of {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::new(ProblemType::UnsupportedMediaType, "expected a body with Content-Type: application/json")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(ProblemType::InvalidBody, e.to_string()),
        JsonPayloadError::Deserialize(e) => ApiError::new(ProblemType::MalformedJson, e.to_string()),
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::new(ProblemType::PayloadTooLarge, "the body exceeds the size limit")
        }
        other => ApiError::new(ProblemType::MalformedJson, other.to_string()),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|error: PathError, _req| ApiError::new(ProblemType::InvalidPath, error.to_string()).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::new(ProblemType::InvalidQuery, error.to_string()).into()
    })
}
