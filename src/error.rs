//! Errors as RFC 9457 problem details. One error type, `ApiError`, and one table,
//! `ProblemType::spec`, mapping each kind to its HTTP status, stable `type` URI, `code` and
//! title. Internal causes are logged with the request's span, never returned to the caller.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// Prefix of the stable problem `type` URIs; the suffix is the problem's `code`.
pub const PROBLEM_TYPE_BASE: &str = "https://rogatory.dev/problems/";

/// Every kind of problem the API can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    MalformedJson,
    InvalidBody,
    InvalidPath,
    InvalidQuery,
    InvalidHeader,
    ValidationFailed,
    IdempotencyKeyReused,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    Conflict,
    PreconditionFailed,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    PreconditionRequired,
    TooManyRequests,
    Internal,
    ServiceUnavailable,
    DatabaseUnavailable,
    InsufficientStorage,
}

impl ProblemType {
    pub const ALL: [ProblemType; 23] = [
        ProblemType::MalformedJson,
        ProblemType::InvalidBody,
        ProblemType::InvalidPath,
        ProblemType::InvalidQuery,
        ProblemType::InvalidHeader,
        ProblemType::ValidationFailed,
        ProblemType::IdempotencyKeyReused,
        ProblemType::Unauthorized,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::NotAcceptable,
        ProblemType::Conflict,
        ProblemType::PreconditionFailed,
        ProblemType::PayloadTooLarge,
        ProblemType::RequestTimeout,
        ProblemType::UnsupportedMediaType,
        ProblemType::PreconditionRequired,
        ProblemType::TooManyRequests,
        ProblemType::Internal,
        ProblemType::ServiceUnavailable,
        ProblemType::DatabaseUnavailable,
        ProblemType::InsufficientStorage,
    ];

    /// The table: status, stable code (also the last segment of `type`), title.
    pub const fn spec(self) -> (StatusCode, &'static str, &'static str) {
        use ProblemType::*;
        match self {
            MalformedJson => (StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON"),
            InvalidBody => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "The request body does not have the expected shape")
            }
            InvalidPath => (StatusCode::BAD_REQUEST, "invalid_path_parameter", "A path parameter is not valid"),
            InvalidQuery => (StatusCode::BAD_REQUEST, "invalid_query_parameter", "A query parameter is not valid"),
            InvalidHeader => (StatusCode::BAD_REQUEST, "invalid_header", "A request header is not valid"),
            ValidationFailed => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "The request is not valid"),
            IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ),
            Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Authentication is required"),
            Forbidden => (StatusCode::FORBIDDEN, "forbidden", "The caller may not do this"),
            NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed on this resource")
            }
            NotAcceptable => (StatusCode::NOT_ACCEPTABLE, "not_acceptable", "No acceptable representation"),
            Conflict => (StatusCode::CONFLICT, "conflict", "The request conflicts with the resource's current state"),
            PreconditionFailed => {
                (StatusCode::PRECONDITION_FAILED, "precondition_failed", "The resource has changed since it was read")
            }
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large"),
            RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout", "The request did not arrive in time"),
            UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type")
            }
            PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition_required", "This change needs an If-Match header")
            }
            TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "Too many requests"),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"),
            ServiceUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "The service is not ready"),
            DatabaseUnavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "The database is unavailable")
            }
            InsufficientStorage => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage", "No space left to store the change")
            }
        }
    }

    pub fn status(self) -> StatusCode {
        self.spec().0
    }

    pub fn code(self) -> &'static str {
        self.spec().1
    }

    pub fn type_uri(self) -> String {
        format!("{PROBLEM_TYPE_BASE}{}", self.code())
    }

    /// The generic kind for a bare status (used by the safety net that wraps responses
    /// produced outside our handlers).
    pub fn for_status(status: StatusCode) -> ProblemType {
        Self::ALL
            .into_iter()
            .find(|kind| kind.status() == status && !matches!(kind, ProblemType::DatabaseUnavailable))
            .unwrap_or(if status.is_server_error() { ProblemType::Internal } else { ProblemType::InvalidBody })
    }
}

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "https://rogatory.dev/problems/not_found",
    "title": "Not found",
    "status": 404,
    "detail": "no legal basis with code \"eu_epoc_x\"",
    "code": "not_found"
}))]
pub struct Problem {
    /// Stable URI identifying the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, the last segment of `type`.
    pub code: String,
    /// Per-field problems, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a refused state change (409): the resource's current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
}

/// One problem with one field of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"pointer": "/targets/0/value", "code": "invalid_email", "message": "not an e-mail address"}))]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) to the field in the request body, or the parameter name.
    pub pointer: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), code: code.into(), message: message.into() }
    }
}

/// The one error type of every handler.
pub struct ApiError {
    kind: ProblemType,
    detail: Option<String>,
    errors: Vec<FieldError>,
    current_status: Option<String>,
    headers: Vec<(HeaderName, String)>,
    /// The internal cause: logged, never sent.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            errors: Vec::new(),
            current_status: None,
            headers: Vec::new(),
            source: None,
        }
    }

    pub fn bare(kind: ProblemType) -> Self {
        Self { kind, detail: None, errors: Vec::new(), current_status: None, headers: Vec::new(), source: None }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::NotFound, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is not valid".to_owned(),
            n => format!("{n} fields are not valid"),
        };
        Self { errors, ..Self::new(ProblemType::ValidationFailed, detail) }
    }

    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        Self::new(ProblemType::MethodNotAllowed, format!("allowed methods: {}", allowed.join(", ")))
            .with_header(header::ALLOW, allowed.join(", "))
    }

    /// An unexpected failure: the cause is logged, the caller sees only a 500.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self { source: Some(cause.into()), ..Self::bare(ProblemType::Internal) }
    }

    /// The database could not be reached (pool timeout, connection lost): 503, retryable.
    pub fn database_unavailable(cause: impl fmt::Display) -> Self {
        Self {
            source: Some(anyhow::anyhow!("database unavailable: {cause}")),
            ..Self::new(ProblemType::DatabaseUnavailable, "the database is unavailable; retry later")
        }
        .with_header(header::RETRY_AFTER, "5")
    }

    /// A 409 for a state change the resource's status does not allow.
    pub fn conflict_in_status(status: &str, detail: impl Into<String>) -> Self {
        Self { current_status: Some(status.to_owned()), ..Self::new(ProblemType::Conflict, detail) }
    }

    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_source(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.source = Some(cause.into());
        self
    }

    pub fn kind(&self) -> ProblemType {
        self.kind
    }

    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.kind.spec();
        Problem {
            type_uri: self.kind.type_uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail.clone(),
            code: code.to_owned(),
            errors: self.errors.clone(),
            current_status: self.current_status.clone(),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.kind)
            .field("detail", &self.detail)
            .field("errors", &self.errors)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.code())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.source {
            if self.kind.status().is_server_error() {
                tracing::error!(code = self.kind.code(), error = format!("{cause:#}"), "request failed");
            } else {
                tracing::info!(code = self.kind.code(), error = format!("{cause:#}"), "request refused");
            }
        }
        problem_response(&self.problem(), &self.headers)
    }
}

/// Serialises a problem with its media type and extra headers.
pub fn problem_response(problem: &Problem, headers: &[(HeaderName, String)]) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.insert_header((name.clone(), value));
        }
    }
    // Serialising plain strings and numbers cannot fail; fall back to an empty object anyway.
    response.body(serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec()))
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => ApiError::not_found("not found"),
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => ApiError::database_unavailable(info.message()),
            Error::BrokenTransactionManager => ApiError::database_unavailable("broken transaction manager"),
            // A unique key taken by a concurrent writer (or a serialisation failure) is a race
            // the caller lost, never a server fault: a 409 it can retry after reading again.
            Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::SerializationFailure,
                info,
            ) => ApiError::new(
                ProblemType::Conflict,
                "a concurrent change to the same resource came first; read it again and retry",
            )
            .with_source(anyhow::anyhow!("{}", info.message())),
            Error::DatabaseError(_, ref info) => match storage_fault(info.message()) {
                Some(fault) => fault.with_source(anyhow::anyhow!("{}", info.message())),
                None => ApiError::internal(error),
            },
            other => ApiError::internal(other),
        }
    }
}

/// A database that cannot take a write for want of space (507) or because it is read-only
/// (503), told apart by the backend's message: SQLite reports `SQLITE_FULL` and
/// `SQLITE_READONLY` with no kind of their own in diesel, PostgreSQL `disk_full` (53100) and
/// `read_only_sql_transaction` (25006, a standby after a failover) likewise.
pub fn storage_fault(message: &str) -> Option<ApiError> {
    let message = message.to_ascii_lowercase();
    if message.contains("database or disk is full") || message.contains("no space left on device") {
        return Some(ApiError::new(
            ProblemType::InsufficientStorage,
            "the database has no space left; nothing was recorded",
        ));
    }
    if message.contains("readonly database")
        || message.contains("read-only transaction")
        || message.contains("read-only file system")
        || message.contains("disk i/o error")
    {
        return Some(
            ApiError::new(ProblemType::ServiceUnavailable, "the database does not accept writes; nothing was recorded")
                .with_header(header::RETRY_AFTER, "30"),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_types_stable() {
        let mut codes: Vec<_> = ProblemType::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ProblemType::ALL.len());
        assert_eq!(ProblemType::NotFound.type_uri(), "https://rogatory.dev/problems/not_found");
        for kind in ProblemType::ALL {
            assert!(kind.status().is_client_error() || kind.status().is_server_error(), "{kind:?}");
        }
    }

    #[test]
    fn bare_statuses_map_to_a_kind() {
        assert_eq!(ProblemType::for_status(StatusCode::NOT_FOUND), ProblemType::NotFound);
        assert_eq!(ProblemType::for_status(StatusCode::SERVICE_UNAVAILABLE), ProblemType::ServiceUnavailable);
        assert_eq!(ProblemType::for_status(StatusCode::BAD_GATEWAY), ProblemType::Internal);
    }

    #[test]
    fn internal_causes_are_not_returned() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 in connection string"));
        let body = serde_json::to_string(&err.problem()).unwrap();
        assert!(!body.contains("hunter2"), "{body}");
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
