//! The one error type of the domain, `ApiError`: a kind (`ProblemType`), a detail, per-field
//! errors, the current status of a refused change, and an internal cause that is logged, never
//! sent. No HTTP here: `http::problem` holds the table that turns a kind into a status, a
//! stable `type` URI, `code` and title, and answers with RFC 9457 problem details.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbError;

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
    /// Response headers the problem carries (`Retry-After`, `Allow`, …), by lowercase name.
    headers: Vec<(String, String)>,
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
            .with_header("allow", allowed.join(", "))
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
        .with_header("retry-after", "5")
    }

    /// A 409 for a state change the resource's status does not allow.
    /// `status` is a snake_case vocabulary value (`RequestStatus`, …) or its text.
    pub fn conflict_in_status<S: Serialize + ?Sized>(status: &S, detail: impl Into<String>) -> Self {
        Self {
            current_status: Some(crate::db::codec::encode_text(&status)),
            ..Self::new(ProblemType::Conflict, detail)
        }
    }

    pub fn with_header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.push((name.as_ref().to_ascii_lowercase(), value.into()));
        self
    }

    pub fn with_source(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.source = Some(cause.into());
        self
    }

    pub fn kind(&self) -> ProblemType {
        self.kind
    }

    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn current_status(&self) -> Option<&str> {
        self.current_status.as_deref()
    }

    /// Response headers the problem carries, by lowercase name.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The internal cause: for the log, never for the caller.
    pub fn source(&self) -> Option<&anyhow::Error> {
        self.source.as_ref()
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
            // A unique key taken by a concurrent writer, a serialisation failure or a deadlock
            // PostgreSQL broke by aborting this transaction (`deadlock_detected`, 40P01, which
            // diesel reports with no kind of its own) is a race the caller lost, never a server
            // fault: a 409 it can retry after reading again.
            Error::DatabaseError(kind, info)
                if matches!(kind, DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::SerializationFailure)
                    || is_deadlock(info.message()) =>
            {
                ApiError::new(
                    ProblemType::Conflict,
                    "a concurrent change to the same resource came first; read it again and retry",
                )
                .with_source(anyhow::anyhow!("{}", info.message()))
            }
            Error::DatabaseError(_, ref info) => match storage_fault(info.message()) {
                Some(fault) => fault.with_source(anyhow::anyhow!("{}", info.message())),
                None => ApiError::internal(error),
            },
            other => ApiError::internal(other),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Query(e) => e.into(),
            // As before `db/` had its own error: the pool's message behind a 503, the rest a 500.
            DbError::Unavailable(cause) => ApiError::database_unavailable(cause),
            DbError::Blocking(cause) => ApiError::internal(anyhow::anyhow!("blocking task failed: {cause}")),
            DbError::Decode { column, cause } => {
                ApiError::internal(anyhow::anyhow!("column {column} holds a bad value: {cause}"))
            }
            other @ (DbError::Connect { .. } | DbError::Migrate { .. }) => ApiError::internal(other),
        }
    }
}

/// PostgreSQL's message for `deadlock_detected` (40P01); its error fields carry no SQLSTATE
/// through diesel.
fn is_deadlock(message: &str) -> bool {
    message == "deadlock detected"
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
                .with_header("retry-after", "30"),
        );
    }
    None
}
