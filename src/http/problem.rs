//! Errors as RFC 9457 problem details, at the HTTP edge: the `Problem` body, the one table
//! mapping each kind of `error::ApiError` to its HTTP status, stable `type` URI, `code` and
//! title, and the `ResponseError` impl that answers with it. Internal causes are logged with
//! the request's span, never returned to the caller.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError, ProblemType};

/// Media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// Prefix of the stable problem `type` URIs; the suffix is the problem's `code`.
pub const PROBLEM_TYPE_BASE: &str = "https://rogatory.dev/problems/";

impl ProblemType {
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

impl ApiError {
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.kind().spec();
        Problem {
            type_uri: self.kind().type_uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail().map(str::to_owned),
            code: code.to_owned(),
            errors: self.errors().to_vec(),
            current_status: self.current_status().map(str::to_owned),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind().code())?;
        if let Some(detail) = self.detail() {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().status()
    }

    fn error_response(&self) -> HttpResponse {
        let kind = self.kind();
        if let Some(cause) = self.source() {
            if kind.status().is_server_error() {
                tracing::error!(code = kind.code(), error = format!("{cause:#}"), "request failed");
            } else {
                tracing::info!(code = kind.code(), error = format!("{cause:#}"), "request refused");
            }
        }
        problem_response(&self.problem(), self.headers())
    }
}

/// Serialises a problem with its media type and extra headers.
pub fn problem_response(problem: &Problem, headers: &[(String, String)]) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            response.insert_header((name, value));
        }
    }
    // Serialising plain strings and numbers cannot fail; fall back to an empty object anyway.
    response.body(serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec()))
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
