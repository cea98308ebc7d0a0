//! Optimistic concurrency: resources carry `ETag: "<version>"`; changes require `If-Match`
//! with the version the client read (428 without it, 412 when it is stale).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::{ApiError, ProblemType};

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`; `None` for `*` (any current version, RFC 9110 §13.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// Whether a resource at `current` satisfies the precondition.
    pub fn matches(self, current: i64) -> bool {
        self.0.is_none_or(|v| v == current)
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse(req.headers().get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("?"))))
    }
}

fn parse(value: Option<&str>) -> Result<IfMatch, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::new(ProblemType::PreconditionRequired, "send If-Match with the ETag of the version you read")
    })?;
    if value.trim() == "*" {
        return Ok(IfMatch(None));
    }
    let version = value.trim().trim_start_matches("W/").trim_matches('"');
    version.parse().map(|v| IfMatch(Some(v))).map_err(|_| {
        ApiError::new(
            ProblemType::PreconditionFailed,
            format!("If-Match {value:?} does not name a version of this resource"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_etags() {
        assert_eq!(parse(Some("\"3\"")).unwrap(), IfMatch(Some(3)));
        assert_eq!(parse(Some("W/\"12\"")).unwrap(), IfMatch(Some(12)));
        assert_eq!(parse(None).unwrap_err().kind(), ProblemType::PreconditionRequired);
        assert_eq!(parse(Some("x")).unwrap_err().kind(), ProblemType::PreconditionFailed);
        assert!(parse(Some("*")).unwrap().matches(7));
        assert!(!parse(Some("\"6\"")).unwrap().matches(7));
        assert_eq!(etag(7), "\"7\"");
    }
}
