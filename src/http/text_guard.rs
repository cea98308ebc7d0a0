//! NUL characters never reach storage: PostgreSQL refuses them in text (a 500 where SQLite
//! silently stored them), and no field of this API has a use for them. Every query parameter,
//! JSON body and form body is checked before any handler runs, and a NUL is a 422 field error
//! naming where it is, on both backends alike.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::{ApiError, FieldError, ProblemType};

fn nul_error(pointer: String) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        pointer,
        "nul_character",
        "text may not contain the NUL character (U+0000)",
    )])
}

/// The JSON Pointer (RFC 6901) of the first string or key holding a NUL.
pub fn nul_in_json(value: &Value, pointer: &str) -> Option<String> {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::String(s) => s.contains('\0').then(|| pointer.to_owned()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_in_json(v, &format!("{pointer}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{pointer}/{}", escape(k));
            if k.contains('\0') { Some(here) } else { nul_in_json(v, &here) }
        }),
        _ => None,
    }
}

/// The name of the first form or query pair holding a NUL.
pub fn nul_in_form(text: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(text)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\\0"))
}

fn media_type(req: &ServiceRequest) -> String {
    let value = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// Middleware: refuses NUL characters in the query string and in JSON or form bodies (bodies
/// are read up to the JSON limit, then handed on unchanged).
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().to_ascii_lowercase().contains("%00") {
        let error = ApiError::new(ProblemType::InvalidPath, "a path parameter may not contain the NUL character");
        return Ok(req.error_response(error));
    }
    if let Some(name) = nul_in_form(req.query_string().as_bytes()) {
        return Ok(req.error_response(nul_error(name)));
    }
    let media = media_type(&req);
    let is_json = media == "application/json" || media.ends_with("+json");
    let is_form = media == "application/x-www-form-urlencoded";
    // Attachment bodies are files of any media type, stored as bytes, never as text.
    let is_upload = req.method() == actix_web::http::Method::POST && req.path().ends_with("/attachments");
    if (is_json || is_form) && !is_upload {
        let limit = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map_or(1024 * 1024, |state| state.settings.max_json_body);
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let error = ApiError::new(ProblemType::InvalidBody, format!("the body broke off: {e}"));
                    return Ok(req.error_response(error));
                }
            };
            if body.len() + chunk.len() > limit {
                let error =
                    ApiError::new(ProblemType::PayloadTooLarge, format!("the body exceeds the limit of {limit} bytes"));
                return Ok(req.error_response(error));
            }
            body.extend_from_slice(&chunk);
        }
        let body: Bytes = body.freeze();
        let found = if is_form {
            nul_in_form(&body)
        } else if memchr_nul_escape(&body) {
            // Only then parse: `\u0000` may also be an escaped backslash followed by "u0000".
            serde_json::from_slice::<Value>(&body).ok().and_then(|v| nul_in_json(&v, ""))
        } else {
            None
        };
        if let Some(pointer) = found {
            return Ok(req.error_response(nul_error(if pointer.is_empty() { "/".into() } else { pointer })));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn memchr_nul_escape(body: &[u8]) -> bool {
    body.windows(6).any(|w| w == b"\\u0000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_with_a_nul() {
        let v = serde_json::json!({"content": {"targets": [{"value": "ok"}, {"value": "a\u{0}b"}]}});
        assert_eq!(nul_in_json(&v, "").as_deref(), Some("/content/targets/1/value"));
        assert_eq!(nul_in_json(&serde_json::json!({"a/b": "\u{0}"}), "").as_deref(), Some("/a~1b"));
        assert_eq!(nul_in_json(&serde_json::json!({"text": "no nul, only \\u0000 as text"}), ""), None);
        assert_eq!(nul_in_form(b"grant_type=client_credentials&client_id=x%00y").as_deref(), Some("client_id"));
        assert_eq!(nul_in_form(b"a=1&b=2"), None);
        assert!(memchr_nul_escape(br#"{"a":"\u0000"}"#));
    }
}
