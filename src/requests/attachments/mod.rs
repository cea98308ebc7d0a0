//! Attachments of requests: bodies streamed to content-addressed storage, recorded with their
//! SHA-256, size, media type and file name, each upload an event of the request's hash chain.

pub mod handlers;
pub mod service;

use chrono::{DateTime, Utc};
use diesel::prelude::{Insertable, Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::attachments;
use crate::db::types::{DbTime, DbUuid};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::upload_attachment).service(handlers::list_attachments).service(handlers::download_attachment);
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub client_id: Uuid,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: Option<String>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
}

/// An attachment as the request's parties see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f9-1b2c-7d3e-8f40-5a6b7c8d9e0f", "request_id": "0193a6f5-0000-7000-8000-000000000001",
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size_bytes": 48213,
    "media_type": "application/pdf", "file_name": "subscriber-records.pdf", "created_at": "2026-11-30T10:02:11Z",
    "repr_digest": "sha-256=:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=:"
}))]
pub struct Attachment {
    pub id: Uuid,
    pub request_id: Uuid,
    /// The party that uploaded it.
    pub party_id: Uuid,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The same digest as the `Repr-Digest` header of the download (RFC 9530).
    pub repr_digest: String,
}

/// What a response event records of an attachment: enough to check a download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    pub id: Uuid,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: Option<String>,
}

/// `sha-256=:<base64>:` for a hex digest.
pub fn repr_digest(sha256_hex: &str) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..sha256_hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(sha256_hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(bytes))
}

impl From<AttachmentRow> for Attachment {
    fn from(row: AttachmentRow) -> Self {
        Attachment {
            repr_digest: repr_digest(&row.sha256),
            id: row.id,
            request_id: row.request_id,
            party_id: row.party_id,
            sha256: row.sha256,
            size_bytes: row.size_bytes,
            media_type: row.media_type,
            file_name: row.file_name,
            created_at: row.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn repr_digest_is_base64_of_the_bytes() {
        // SHA-256 of "test", RFC 9530 style.
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(super::repr_digest(hex), "sha-256=:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=:");
    }
}
