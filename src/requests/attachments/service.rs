//! Who may attach and read what; the record of each upload, one transaction with its event.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::{Attachment, AttachmentRef, AttachmentRow};
use crate::auth::Caller;
use crate::auth::keys::KeyRing;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::db::schema::attachments;
use crate::db::types::DbUuid;
use crate::error::{ApiError, FieldError, ProblemType};
use crate::requests::lifecycle::Side;
use crate::requests::service as requests;
use crate::storage::{AttachmentStore, Stored};
use crate::vocab::{EventType, RequestStatus};

/// The caller may attach to this request: a party acting on it (not a party that only
/// forwarded it), as `operator` or `responder`, while the request is not closed.
pub fn check_upload(conn: &mut AnyConnection, caller: &Caller, request: Uuid) -> Result<(), ApiError> {
    let (row, side) = requests::load(conn, caller, request)?;
    if side == Side::Observer {
        return Err(ApiError::new(ProblemType::Forbidden, "a party that forwarded the request no longer adds to it"));
    }
    caller.require(&[Role::Operator, Role::Responder])?;
    let status = row.status;
    if matches!(status, RequestStatus::Withdrawn | RequestStatus::Released | RequestStatus::Lapsed) {
        return Err(ApiError::conflict_in_status(&row.status, "the request is closed; nothing can be attached"));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    store: &AttachmentStore,
    request: Uuid,
    stored: &Stored,
    media_type: String,
    file_name: Option<String>,
    now: DateTime<Utc>,
) -> Result<Attachment, ApiError> {
    // Locked first: the status checked here is the one the event is appended under.
    crate::requests::repo::lock(conn, request)?;
    check_upload(conn, caller, request)?;
    // The content must still be there, and stay: see `discard_if_unreferenced`.
    crate::db::dialect::lock_content(conn, &stored.sha256)?;
    if !store.exists_blocking(conn, &stored.sha256)? {
        return Err(ApiError::new(
            ProblemType::ServiceUnavailable,
            "a concurrent upload of the same content was refused and took it back; send it again",
        )
        .with_header("retry-after", "1"));
    }
    let row = AttachmentRow {
        id: Uuid::now_v7(),
        request_id: request,
        party_id: caller.party,
        client_id: caller.client,
        sha256: stored.sha256.clone(),
        size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
        media_type,
        file_name,
        created_at: now,
    };
    diesel::insert_into(attachments::table).values(row.clone()).execute(conn)?;
    requests::event(
        conn,
        keys,
        request,
        Some(caller),
        EventType::AttachmentAdded,
        json!({"attachment": row.id, "sha256": row.sha256, "size_bytes": row.size_bytes,
            "media_type": row.media_type, "file_name": row.file_name}),
        now,
    )?;
    Ok(row.into())
}

/// Whether any attachment record refers to this content.
pub fn is_referenced(conn: &mut AnyConnection, sha256: &str) -> Result<bool, ApiError> {
    let found = attachments::table
        .filter(attachments::sha256.eq(sha256))
        .select(attachments::id)
        .first::<DbUuid>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Takes back content an upload created when the upload was then refused (a reused
/// Idempotency-Key, a request that closed meanwhile), unless an attachment record refers to it.
/// The check and the removal hold the content's lock (`dialect::lock_content`), which `record`
/// holds too while it checks that the content is there: a concurrent upload of the same bytes
/// either records before (and the content stays) or finds it gone (and is told to retry),
/// never records content that is no longer stored.
pub async fn discard_if_unreferenced(store: &AttachmentStore, db: &crate::db::Db, stored: &Stored) {
    if !stored.created {
        return;
    }
    let sha256 = stored.sha256.clone();
    let store = store.clone();
    let taken = db
        .write(move |conn| -> Result<(), ApiError> {
            crate::db::dialect::lock_content(conn, &sha256)?;
            if !is_referenced(conn, &sha256)? {
                store.delete_blocking(conn, &sha256)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = taken {
        tracing::warn!(sha256 = %stored.sha256, error = %e, "could not take back refused content");
    }
}

/// An attachment, if the caller's party may see its request.
pub fn find_visible(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Attachment, ApiError> {
    let row: AttachmentRow = attachments::table
        .filter(attachments::id.eq(DbUuid(id)))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no attachment {id}")))?;
    let (request, side) = requests::load(conn, caller, row.request_id).map_err(|e| {
        if e.kind() == ProblemType::NotFound { ApiError::not_found(format!("no attachment {id}")) } else { e }
    })?;
    // Held from the issuer while the enforcing authority's notification is suspensive
    // (Reg. 2023/1543 Art 8(4), Art 10(2)).
    if side == Side::Issuer && row.party_id != caller.party && requests::hidden_from_issuer(&request) {
        return Err(ApiError::not_found(format!("no attachment {id}")));
    }
    Ok(row.into())
}

pub fn list(conn: &mut AnyConnection, caller: &Caller, request: Uuid) -> Result<Vec<Attachment>, ApiError> {
    let (row, side) = requests::load(conn, caller, request)?;
    let hide = side == Side::Issuer && requests::hidden_from_issuer(&row);
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::request_id.eq(DbUuid(request)))
        .select(AttachmentRow::as_select())
        .order(attachments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter(|a| !hide || a.party_id == caller.party).map(Attachment::from).collect())
}

/// The attachments a response cites: each must belong to the request and have been uploaded
/// by the responding party.
pub fn for_response(
    conn: &mut AnyConnection,
    caller: &Caller,
    request: Uuid,
    ids: &[Uuid],
) -> Result<Vec<AttachmentRef>, ApiError> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let row: Option<AttachmentRow> = attachments::table
            .filter(attachments::id.eq(DbUuid(*id)))
            .filter(attachments::request_id.eq(DbUuid(request)))
            .filter(attachments::party_id.eq(DbUuid(caller.party)))
            .select(AttachmentRow::as_select())
            .first(conn)
            .optional()?;
        match row {
            Some(row) => found.push(AttachmentRef {
                id: row.id,
                sha256: row.sha256,
                size_bytes: row.size_bytes,
                media_type: row.media_type,
                file_name: row.file_name,
            }),
            None => errors.push(FieldError::new(
                format!("/attachments/{i}"),
                "unknown_attachment",
                format!("{id} is not an attachment your party uploaded to this request"),
            )),
        }
    }
    if errors.is_empty() { Ok(found) } else { Err(ApiError::validation(errors)) }
}
