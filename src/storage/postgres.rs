//! The `postgres` store: content in the application's PostgreSQL database, in chunks of
//! `CHUNK_BYTES` (`attachment_chunks`), under one `attachment_blobs` row per upload. An upload
//! writes its chunks as the body arrives, under a row with no digest yet; when the body ends the
//! row gets its digest, or is removed when that content is already stored (the unique digest
//! decides between two uploads of the same content finishing at once). A download reads one
//! chunk per query. Neither holds more than a chunk or two in memory, and every query runs on
//! the blocking pool (`Db::run`).
//!
//! An upload that fails removes its rows; one whose client goes away removes them from its
//! `Drop`; one cut off by a crash leaves a row with no digest, swept at the next start-up.

use actix_web::web::Bytes;
use chrono::Utc;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::{BodyStream, Intake, STALE_TEMP_AGE, Stored, chunk};
use crate::db::schema::{attachment_blobs as blobs, attachment_chunks as chunks};
use crate::db::types::{DbTime, DbUuid};
use crate::db::{AnyConnection, Db, DbUrl};
use crate::error::ApiError;

/// Size of one chunk row (the last one of a body may be shorter). A chunk in flight is in memory
/// about four times over: the buffer filling, the one being written, diesel's bind and libpq's
/// send buffer (which a pooled connection keeps). At 1 MiB, 16 concurrent uploads grew the server
/// by 53-63 MB; at 512 KiB by 29 MB, at the same throughput (issue 16). Reads go by row number,
/// so content an earlier release stored in 1 MiB rows reads as ever.
pub const CHUNK_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone)]
pub struct PgStore {
    db: Db,
}

fn delete_blob(conn: &mut AnyConnection, blob: Uuid) -> Result<(), DieselError> {
    diesel::delete(chunks::table.filter(chunks::blob_id.eq(DbUuid(blob)))).execute(conn)?;
    diesel::delete(blobs::table.filter(blobs::id.eq(DbUuid(blob)))).execute(conn)?;
    Ok(())
}

fn find(conn: &mut AnyConnection, sha256: &str) -> Result<Option<Uuid>, DieselError> {
    let found: Option<DbUuid> =
        blobs::table.filter(blobs::sha256.eq(sha256)).select(blobs::id).first(conn).optional()?;
    Ok(found.map(|id| id.0))
}

/// Whether complete content with this digest is stored, on the caller's connection.
pub(super) fn exists_on(conn: &mut AnyConnection, sha256: &str) -> Result<bool, DieselError> {
    Ok(find(conn, sha256)?.is_some())
}

/// Removes the content with this digest on the caller's connection (in its transaction).
pub(super) fn delete_on(conn: &mut AnyConnection, sha256: &str) -> Result<(), DieselError> {
    match find(conn, sha256)? {
        Some(blob) => delete_blob(conn, blob),
        None => Ok(()),
    }
}

/// The rows of an upload that did not finish: removed when dropped unless disarmed, on the
/// runtime the upload ran on (a client that goes away drops the handler's future mid-body).
struct Pending {
    db: Option<Db>,
    blob: Uuid,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let (Some(db), Ok(runtime)) = (self.db.take(), tokio::runtime::Handle::try_current()) else { return };
        let blob = self.blob;
        runtime.spawn(async move {
            if let Err(e) = db.run(move |conn| delete_blob(conn, blob).map_err(ApiError::from)).await {
                tracing::warn!(%blob, error = %e, "could not remove the chunks of an abandoned upload");
            }
        });
    }
}

/// Removes the rows of uploads cut off by a crash (no digest, older than `STALE_TEMP_AGE`).
pub fn sweep_stale_blocking(database: &DbUrl) -> usize {
    let sweep = || -> Result<usize, Box<dyn std::error::Error>> {
        let mut conn = database.connect()?;
        let cutoff = Utc::now() - chrono::Duration::from_std(STALE_TEMP_AGE)?;
        let stale: Vec<DbUuid> = blobs::table
            .filter(blobs::sha256.is_null())
            .filter(blobs::created_at.lt(DbTime(cutoff)))
            .select(blobs::id)
            .load(&mut conn)?;
        for blob in &stale {
            delete_blob(&mut conn, blob.0)?;
        }
        Ok(stale.len())
    };
    sweep().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not sweep incomplete attachment uploads");
        0
    })
}

impl PgStore {
    pub fn new(db: Db) -> PgStore {
        PgStore { db }
    }

    async fn write_chunk(&self, blob: Uuid, seq: i32, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.db
            .run(move |conn| {
                diesel::insert_into(chunks::table)
                    .values((chunks::blob_id.eq(DbUuid(blob)), chunks::seq.eq(seq), chunks::bytes.eq(bytes)))
                    .execute(conn)
                    .map(|_| ())
                    .map_err(ApiError::from)
            })
            .await
    }

    pub(super) async fn put<S, E>(&self, mut body: S, limit: u64) -> Result<Stored, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let blob = Uuid::now_v7();
        let now = Utc::now();
        self.db
            .run(move |conn| {
                diesel::insert_into(blobs::table)
                    .values((
                        blobs::id.eq(DbUuid(blob)),
                        blobs::sha256.eq(None::<String>),
                        blobs::size_bytes.eq(0i64),
                        blobs::created_at.eq(DbTime(now)),
                    ))
                    .execute(conn)
                    .map_err(ApiError::from)
            })
            .await?;
        let mut pending = Pending { db: Some(self.db.clone()), blob };
        let result = async {
            let mut intake = Intake::new(limit);
            let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
            let mut seq = 0i32;
            while let Some(item) = body.next().await {
                let mut bytes = chunk(item)?;
                intake.take(&bytes)?;
                while !bytes.is_empty() {
                    let room = CHUNK_BYTES - buffer.len();
                    let part = bytes.split_to(room.min(bytes.len()));
                    buffer.extend_from_slice(&part);
                    if buffer.len() == CHUNK_BYTES {
                        let full = std::mem::replace(&mut buffer, Vec::with_capacity(CHUNK_BYTES));
                        self.write_chunk(blob, seq, full).await?;
                        seq += 1;
                    }
                }
            }
            let (sha256, size) = intake.finish()?;
            if !buffer.is_empty() {
                self.write_chunk(blob, seq, buffer).await?;
            }
            Ok::<_, ApiError>((sha256, size))
        }
        .await;
        let (sha256, size) = match result {
            Ok(done) => done,
            Err(e) => {
                pending.db = None;
                let _ = self.db.run(move |conn| delete_blob(conn, blob).map_err(ApiError::from)).await;
                return Err(e);
            }
        };
        let digest = sha256.clone();
        let created = self
            .db
            .run(move |conn| {
                if find(conn, &digest)?.is_some() {
                    delete_blob(conn, blob)?;
                    return Ok(false);
                }
                let size_bytes = i64::try_from(size).unwrap_or(i64::MAX);
                let named = diesel::update(blobs::table.filter(blobs::id.eq(DbUuid(blob))))
                    .set((blobs::sha256.eq(Some(digest.as_str())), blobs::size_bytes.eq(size_bytes)))
                    .execute(conn);
                match named {
                    Ok(_) => Ok(true),
                    // Another upload of the same content finished first: its copy stays.
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        delete_blob(conn, blob)?;
                        Ok(false)
                    }
                    Err(e) => Err(ApiError::from(e)),
                }
            })
            .await;
        pending.db = None;
        match created {
            Ok(created) => Ok(Stored { sha256, size, created }),
            Err(e) => {
                let _ = self.db.run(move |conn| delete_blob(conn, blob).map_err(ApiError::from)).await;
                Err(e)
            }
        }
    }

    pub(super) async fn open(&self, sha256: &str) -> Result<BodyStream, ApiError> {
        let digest = sha256.to_owned();
        let blob = self.db.run(move |conn| find(conn, &digest).map_err(ApiError::from)).await?;
        let Some(blob) = blob else { return Err(super::missing(sha256, "postgres")) };
        let db = self.db.clone();
        Ok(futures_util::stream::unfold(Some((db, 0i32)), move |state| async move {
            let (db, seq) = state?;
            let read = db
                .run(move |conn| {
                    chunks::table
                        .filter(chunks::blob_id.eq(DbUuid(blob)))
                        .filter(chunks::seq.eq(seq))
                        .select(chunks::bytes)
                        .first::<Vec<u8>>(conn)
                        .optional()
                        .map_err(ApiError::from)
                })
                .await;
            match read {
                Ok(Some(bytes)) => Some((Ok(Bytes::from(bytes)), Some((db, seq + 1)))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        })
        .boxed())
    }

    pub(super) async fn exists(&self, sha256: &str) -> Result<bool, ApiError> {
        let digest = sha256.to_owned();
        Ok(self.db.run(move |conn| find(conn, &digest).map_err(ApiError::from)).await?.is_some())
    }

    pub(super) async fn delete(&self, sha256: &str) -> Result<(), ApiError> {
        let digest = sha256.to_owned();
        self.db
            .run(move |conn| {
                if let Some(blob) = find(conn, &digest)? {
                    delete_blob(conn, blob)?;
                }
                Ok::<_, ApiError>(())
            })
            .await
    }

    pub(super) async fn list(&self) -> Result<Vec<String>, ApiError> {
        self.db
            .run(|conn| {
                blobs::table
                    .filter(blobs::sha256.is_not_null())
                    .select(blobs::sha256.assume_not_null())
                    .load::<String>(conn)
                    .map_err(ApiError::from)
            })
            .await
    }
}
