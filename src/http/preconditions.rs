//! Optimistic concurrency: resources carry `ETag: "<version>"`; changes require `If-Match`
//! with the version the client read (428 without it, 400 when it is not an entity tag, 412
//! when it is stale or weak), checked after the resource is found and the change allowed.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::{ApiError, ProblemType};

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// What `If-Match` said, checked only once the resource is found and the caller may change it
/// (so that a missing resource is a 404 and a forbidden change a 403, whatever the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current version (RFC 9110 §13.1.1).
    Any,
    /// A strong entity tag naming a version.
    Version(i64),
    /// A weak tag (`W/"3"`): If-Match uses the strong comparison, so it never matches.
    Weak(i64),
    /// No If-Match: 428.
    Missing,
    /// Not an entity tag: 400.
    Malformed,
}

impl IfMatch {
    /// Whether a resource at `current` satisfies the precondition (only a strong match does).
    pub fn matches(self, current: i64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Version(v) => v == current,
            IfMatch::Weak(_) | IfMatch::Missing | IfMatch::Malformed => false,
        }
    }

    /// The precondition, checked against the resource's `current` version: 428 without
    /// If-Match, 400 for a value that is not an entity tag, 412 for a stale or weak tag.
    pub fn check(self, current: i64) -> Result<(), ApiError> {
        match self {
            IfMatch::Missing => Err(ApiError::new(
                ProblemType::PreconditionRequired,
                "send If-Match with the ETag of the version you read",
            )),
            IfMatch::Malformed => Err(ApiError::new(
                ProblemType::InvalidHeader,
                "If-Match must be \"*\" or an entity tag such as \"3\" (the ETag you read)",
            )),
            IfMatch::Weak(_) => Err(ApiError::new(
                ProblemType::PreconditionFailed,
                format!(
                    "a weak entity tag never satisfies If-Match (RFC 9110 §13.1.1); send \"{current}\" if that is the version you read"
                ),
            )),
            _ if self.matches(current) => Ok(()),
            _ => Err(ApiError::new(
                ProblemType::PreconditionFailed,
                format!("the resource is at version {current}; read it again"),
            )),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(parse(req.headers().get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("?")))))
    }
}

fn parse(value: Option<&str>) -> IfMatch {
    let Some(value) = value.map(str::trim) else { return IfMatch::Missing };
    if value == "*" {
        return IfMatch::Any;
    }
    let (weak, tag) = match value.strip_prefix("W/") {
        Some(tag) => (true, tag),
        None => (false, value),
    };
    let version = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|v| v.parse::<i64>().ok());
    match (version, weak) {
        (Some(v), false) => IfMatch::Version(v),
        (Some(v), true) => IfMatch::Weak(v),
        (None, _) => IfMatch::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_etags() {
        assert_eq!(parse(Some("\"3\"")), IfMatch::Version(3));
        assert_eq!(parse(Some("W/\"12\"")), IfMatch::Weak(12));
        assert_eq!(parse(None).check(1).unwrap_err().kind(), ProblemType::PreconditionRequired);
        assert_eq!(parse(Some("x")).check(1).unwrap_err().kind(), ProblemType::InvalidHeader);
        assert_eq!(parse(Some("3")).check(3).unwrap_err().kind(), ProblemType::InvalidHeader);
        assert_eq!(parse(Some("W/\"7\"")).check(7).unwrap_err().kind(), ProblemType::PreconditionFailed);
        assert!(parse(Some("*")).matches(7));
        assert!(!parse(Some("\"6\"")).matches(7));
        assert!(parse(Some("\"7\"")).check(7).is_ok());
        assert_eq!(etag(7), "\"7\"");
    }
}
