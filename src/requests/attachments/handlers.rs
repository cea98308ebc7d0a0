//! HTTP of attachments: streamed upload to a request, list, and download with its digest.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Attachment, repr_digest, service};
use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::http::idempotency::{self, IdempotencyKey, Replayable};
use crate::http::problem::Problem;
use crate::http::responses::{
    DatabaseUnavailable, MalformedId, RequestNotFound, StoreOrDatabaseUnavailable, WrongSideOrRole,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, kept for the recipient (no path). When present, 1 to 255 bytes, not
    /// blank.
    #[param(min_length = 1, max_length = 255, pattern = r"^[^/\\\x00-\x1F\x7F-\x9F]+$")]
    pub file_name: Option<String>,
    /// The file's media type, recorded as `media_type` instead of `Content-Type`: for clients
    /// that cannot send the bytes with the file's own `Content-Type` (a generated client that
    /// serialises a `bytes` body sent as `application/json` to a JSON string, for instance). The
    /// body may then be sent as `application/octet-stream`. Same grammar as the header, without
    /// optional whitespace: `type/subtype`, then optional `;` parameters.
    #[param(
        max_length = 255,
        pattern = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(;[\x20-\x7E]*)?$",
        example = "application/json"
    )]
    pub media_type: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<Attachment>,
}

fn is_token(x: &str) -> bool {
    !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
}

/// The media type to record: the `media_type` query parameter when given, else `Content-Type`
/// (default `application/octet-stream`), lowercased.
fn media_type(req: &HttpRequest, query: Option<String>) -> Result<String, ApiError> {
    if let Some(given) = query {
        // The grammar of the parameter's documented pattern, exactly.
        let (essence, parameters) = match given.split_once(';') {
            Some((essence, parameters)) => (essence, Some(parameters)),
            None => (given.as_str(), None),
        };
        let valid = given.len() <= 255
            && essence.split_once('/').is_some_and(|(t, s)| is_token(t) && is_token(s))
            && parameters.is_none_or(|p| p.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        return if valid {
            Ok(given.to_ascii_lowercase())
        } else {
            Err(ApiError::validation(vec![FieldError::new(
                "media_type",
                "invalid_media_type",
                "not a media type (type/subtype, then optional ;parameters)",
            )]))
        };
    }
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else { return Ok("application/octet-stream".into()) };
    let text = value.to_str().unwrap_or_default().trim().to_ascii_lowercase();
    let essence = text.split(';').next().unwrap_or_default().trim();
    let valid = essence.split_once('/').is_some_and(|(t, s)| is_token(t) && is_token(s));
    if valid {
        Ok(text)
    } else {
        Err(ApiError::validation(vec![FieldError::new("Content-Type", "invalid_media_type", "not a media type")]))
    }
}

/// The file name to keep: absent is none; present, it must name a file (a blank one is a
/// client mistake, not "no name").
fn file_name(name: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(given) = name else { return Ok(None) };
    let name = given.trim().to_owned();
    let bad = name.is_empty()
        || given.len() > 255
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
        || name == "."
        || name == "..";
    if bad {
        return Err(ApiError::validation(vec![FieldError::new(
            "file_name",
            "invalid_file_name",
            "a file name has 1 to 255 characters, no path separators and no control characters",
        )]));
    }
    Ok(Some(name))
}

/// Attach a file to a request
///
/// Streams the body (any media type, given by `Content-Type` or by the `media_type` query
/// parameter, which wins) to the exchange's content-addressed store; it is never held whole in
/// memory. Records its size, media type, file name and SHA-256 as an event of the request's
/// audit chain. Parties acting on the request (issuer, addressee, enforcing authority;
/// `operator` or `responder`) may attach while it is open. Bodies over the configured limit get
/// 413 and leave nothing behind; a full disk gets 507; an empty body or a blank `file_name` is
/// a 422. Honours `Idempotency-Key` (a retry of the same content returns the first answer).
#[utoipa::path(
    operation_id = "upload_attachment",
    tag = "attachments",
    params(
        ("id" = Uuid, Path, description = "Request id"),
        UploadQuery,
        ("Idempotency-Key" = Option<String>, Header),
    ),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The file's bytes, at least one, sent with the file's own media type as `Content-Type` (recorded as `media_type`), or as `application/octet-stream` with the file's media type in the `media_type` query parameter; any media type is accepted"),
    responses(
        (status = 201, description = "The recorded attachment", body = Attachment,
            headers(("Repr-Digest" = String, description = "RFC 9530 digest of the stored content"))),
        (status = 400, description = "Malformed id or header", body = Problem, content_type = "application/problem+json"),
        WrongSideOrRole,
        RequestNotFound,
        (status = 409, description = "The request is closed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty body, a blank or invalid file name, or an invalid media type (header or `media_type`)", body = Problem, content_type = "application/problem+json"),
        StoreOrDatabaseUnavailable,
        (status = 507, description = "The store is full", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/requests/{id}/attachments")]
pub async fn upload_attachment(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = id.into_inner();
    let query = query.into_inner();
    // Who is uploading first (404, 403, 409), before the media type and the file name are
    // judged (issue 15 item 11: a caller without the role learns nothing from validation) and
    // before a single byte is accepted.
    let check = caller.clone();
    state.db.run(move |conn| service::check_upload(conn, &check, request)).await?;
    let media_type = media_type(&req, query.media_type)?;
    let file_name = file_name(query.file_name)?;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let store = &state.attachments;
    let stored = store.put(payload, declared, state.settings.max_attachment_bytes).await?;
    let now = state.clock.now();
    let print = idempotency::fingerprint(&req, &(&stored.sha256, &media_type, &file_name));
    let record = stored.clone();
    let tokens = state.tokens.clone();
    let recording_store = store.clone();
    let answer = idempotency::run(&state.db, caller.client, key, print, now, move |conn| {
        let attachment = service::record(
            conn,
            &caller,
            &tokens.keys,
            &recording_store,
            request,
            &record,
            media_type,
            file_name,
            now,
        )?;
        Ok(Replayable::json(StatusCode::CREATED, &attachment)
            .header(header::HeaderName::from_static("repr-digest"), attachment.repr_digest.clone()))
    })
    .await;
    if answer.is_err() {
        // Refused after the body was stored: content nobody refers to does not stay.
        service::discard_if_unreferenced(store, &state.db, &stored).await;
    }
    answer
}

/// List a request's attachments
///
/// Every attachment of the request with its digest. The request's parties only.
#[utoipa::path(
    operation_id = "list_attachments",
    tag = "attachments",
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The attachments", body = AttachmentList),
        MalformedId,
        RequestNotFound,
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/requests/{id}/attachments")]
pub async fn list_attachments(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttachmentList>, ApiError> {
    let request = id.into_inner();
    let items = state.db.run(move |conn| service::list(conn, &caller, request)).await?;
    Ok(web::Json(AttachmentList { items }))
}

/// Download an attachment
///
/// Streams the content back with its `Repr-Digest` (RFC 9530, SHA-256), to the parties of its
/// request only (404 for anyone else), always as `application/octet-stream` (the recorded media
/// type is in `Rogatory-Media-Type`). Compare the digest with the one in the response event.
#[utoipa::path(
    operation_id = "download_attachment",
    tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The content, byte for byte, always as `application/octet-stream` so that no client decodes or parses it (a JSON or text file would otherwise come back altered and fail its digest); the media type recorded at upload is in `Rogatory-Media-Type` and in the attachment record", content_type = "application/octet-stream", body = String,
            headers(("Repr-Digest" = String, description = "`sha-256=:<base64>:` of the content"),
                ("Content-Disposition" = String, description = "attachment, with the file name"),
                ("Rogatory-Media-Type" = String, description = "The media type recorded at upload"))),
        MalformedId,
        (status = 404, description = "No such attachment visible to the caller", body = Problem, content_type = "application/problem+json"),
        StoreOrDatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/attachments/{id}")]
pub async fn download_attachment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let attachment = state.db.run(move |conn| service::find_visible(conn, &caller, id)).await?;
    // Checked against its digest as it streams: a body that does not match is cut short before
    // its last chunk (the client sees a broken transfer), and logged.
    let body = state.attachments.open_verified(&attachment.sha256).await?;
    let name: String = attachment
        .file_name
        .clone()
        .unwrap_or_else(|| attachment.id.to_string())
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    // The bytes exactly as stored: generated clients parse a JSON or text body by its media
    // type, and the digest they then compute no longer matches `Repr-Digest`.
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header(("rogatory-media-type", attachment.media_type.clone()))
        .insert_header(("repr-digest", repr_digest(&attachment.sha256)))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header(("x-content-type-options", "nosniff"))
        .no_chunking(u64::try_from(attachment.size_bytes).unwrap_or(0))
        .streaming(body))
}
