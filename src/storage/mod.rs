//! Content-addressed storage of attachment bodies, one interface over three stores (issue 17):
//! `dir`, files under the data directory (the default on SQLite); `postgres`, the content in
//! the database in fixed-size chunks (the default on PostgreSQL: every instance on one
//! database sees every attachment); `s3`, an S3-compatible object store.
//!
//! Every store is keyed by the content's SHA-256, takes a body as a stream (never whole in
//! memory) and gives it back as a stream whose digest is checked on the way out: a body whose
//! bytes do not hash to its digest ends in an error *before its last chunk* is handed on, so a
//! client sees a broken transfer (fewer bytes than `Content-Length`), never a complete-looking
//! corrupted file.
//!
//! One enum rather than a `dyn` trait: an upload streams actix's `Payload`, which is not
//! `Send`, and async methods in traits are not object-safe; the enum dispatches statically and
//! each store stays a plain struct with the same methods.

pub mod dir;
pub mod migrate;
pub mod postgres;
pub mod s3;

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::web::Bytes;
use futures_util::Stream;
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};

pub use dir::DirStore;
pub use postgres::PgStore;
pub use s3::S3Store;

use crate::config::AttachmentStoreSetting;
use crate::db::Db;
use crate::error::{ApiError, FieldError, ProblemType};

/// A stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// This upload put the content in the store (it was not there already): if the upload is
    /// then refused, the content is this upload's to take away again.
    pub created: bool,
}

/// Temporary uploads older than this at start-up belong to no running upload (an upload that
/// is still writing keeps its temporary file or row fresh).
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// A body read back from a store: chunks of bytes, digest-checked (see `Verified`).
pub type BodyStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// Where attachment bodies live, as `ROGATORY_ATTACHMENT_STORE` says.
#[derive(Debug, Clone)]
pub enum AttachmentStore {
    Dir(DirStore),
    Postgres(PgStore),
    S3(S3Store),
}

impl AttachmentStore {
    /// The store a setting names. `db` is the application's database (the `postgres` store
    /// keeps its chunks there). Builds clients only; nothing is contacted yet.
    pub fn open(setting: &AttachmentStoreSetting, data_dir: &std::path::Path, db: &Db) -> anyhow::Result<Self> {
        Ok(match setting {
            AttachmentStoreSetting::Dir => AttachmentStore::Dir(DirStore::new(data_dir)),
            AttachmentStoreSetting::Postgres => {
                if db.backend() != crate::db::Backend::Postgres {
                    anyhow::bail!("ROGATORY_ATTACHMENT_STORE: the `postgres` store needs DATABASE_URL on PostgreSQL");
                }
                AttachmentStore::Postgres(PgStore::new(db.clone()))
            }
            AttachmentStoreSetting::S3(s3) => AttachmentStore::S3(
                S3Store::new(s3).map_err(|e| anyhow::anyhow!("ROGATORY_ATTACHMENT_STORE ({}): {e}", setting.name()))?,
            ),
        })
    }

    /// `dir`, `postgres` or `s3://bucket/prefix`, for logs and reports.
    pub fn name(&self) -> String {
        match self {
            AttachmentStore::Dir(_) => "dir".into(),
            AttachmentStore::Postgres(_) => "postgres".into(),
            AttachmentStore::S3(s3) => s3.name(),
        }
    }

    /// Streams `body` into the store, refusing it past `limit` bytes (413), when it is empty
    /// (422) and when the store is full (507); on any failure nothing is left behind.
    pub async fn put<S, E>(&self, body: S, declared: Option<u64>, limit: u64) -> Result<Stored, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large(limit));
        }
        if declared == Some(0) {
            return Err(empty());
        }
        match self {
            AttachmentStore::Dir(store) => store.put(body, limit).await,
            AttachmentStore::Postgres(store) => store.put(body, limit).await,
            AttachmentStore::S3(store) => store.put(body, limit).await,
        }
    }

    /// The content with this digest, checked against it as it streams out (see `Verified`).
    pub async fn open_verified(&self, sha256: &str) -> Result<BodyStream, ApiError> {
        let raw = match self {
            // Checked on the thread that reads it (see `DirStore::open_verified`).
            AttachmentStore::Dir(store) => return store.open_verified(sha256, self.name()).await,
            AttachmentStore::Postgres(store) => store.open(sha256).await?,
            AttachmentStore::S3(store) => store.open(sha256).await?,
        };
        Ok(Box::pin(Verified::new(raw, sha256, self.name())))
    }

    /// Whether content with this digest is stored (complete).
    pub async fn exists(&self, sha256: &str) -> Result<bool, ApiError> {
        match self {
            AttachmentStore::Dir(store) => store.exists(sha256).await,
            AttachmentStore::Postgres(store) => store.exists(sha256).await,
            AttachmentStore::S3(store) => store.exists(sha256).await,
        }
    }

    /// Removes the content with this digest; nothing when it is not there.
    pub async fn delete(&self, sha256: &str) -> Result<(), ApiError> {
        match self {
            AttachmentStore::Dir(store) => store.delete(sha256).await,
            AttachmentStore::Postgres(store) => store.delete(sha256).await,
            AttachmentStore::S3(store) => store.delete(sha256).await,
        }
    }

    /// Whether the content is stored, asked from inside a database transaction (a blocking
    /// thread): the `postgres` store answers on that transaction's connection, so what it sees
    /// is what the transaction commits against.
    pub fn exists_blocking(&self, conn: &mut crate::db::AnyConnection, sha256: &str) -> Result<bool, ApiError> {
        match self {
            AttachmentStore::Dir(store) => store.exists_blocking(sha256),
            AttachmentStore::Postgres(_) => Ok(postgres::exists_on(conn, sha256)?),
            AttachmentStore::S3(store) => tokio::runtime::Handle::current().block_on(store.exists(sha256)),
        }
    }

    /// Removes the content, from inside a database transaction (a blocking thread); nothing
    /// when it is not there. The `postgres` store removes it in that transaction.
    pub fn delete_blocking(&self, conn: &mut crate::db::AnyConnection, sha256: &str) -> Result<(), ApiError> {
        match self {
            AttachmentStore::Dir(store) => store.delete_blocking(sha256),
            AttachmentStore::Postgres(_) => Ok(postgres::delete_on(conn, sha256)?),
            AttachmentStore::S3(store) => tokio::runtime::Handle::current().block_on(store.delete(sha256)),
        }
    }

    /// The digests of all complete content, sorted.
    pub async fn list(&self) -> Result<Vec<String>, ApiError> {
        let mut digests = match self {
            AttachmentStore::Dir(store) => store.list().await,
            AttachmentStore::Postgres(store) => store.list().await,
            AttachmentStore::S3(store) => store.list().await,
        }?;
        digests.sort();
        Ok(digests)
    }

    /// Removes the content this upload created (nothing when it was already stored); the
    /// caller checks first that no attachment record refers to it.
    pub async fn discard_created(&self, stored: &Stored) {
        if stored.created
            && let Err(e) = self.delete(&stored.sha256).await
        {
            tracing::warn!(sha256 = %stored.sha256, error = %e, "could not take back refused content");
        }
    }

    /// Removes what uploads cut off by a crash left behind (temporary files, incomplete chunk
    /// rows); called at start-up, blocking. Returns how many were removed. The S3 store leaves
    /// this to the bucket's lifecycle rules (see the README).
    pub fn sweep_stale_blocking(&self, database: &crate::db::DbUrl) -> usize {
        match self {
            AttachmentStore::Dir(store) => store.sweep_stale_temp_files(),
            AttachmentStore::Postgres(_) => postgres::sweep_stale_blocking(database),
            AttachmentStore::S3(_) => 0,
        }
    }
}

/// What every store checks while a body comes in: the size limit, the digest, not empty.
pub(crate) struct Intake {
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl Intake {
    pub(crate) fn new(limit: u64) -> Self {
        Intake { hasher: Sha256::new(), size: 0, limit }
    }

    pub(crate) fn take(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(too_large(self.limit));
        }
        self.hasher.update(chunk);
        Ok(())
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The hex digest and size; an empty body is refused.
    pub(crate) fn finish(self) -> Result<(String, u64), ApiError> {
        if self.size == 0 {
            return Err(empty());
        }
        Ok((crate::audit::chain::hex(&self.hasher.finalize()), self.size))
    }
}

/// A chunk of the upload, or the problem of a body that broke off.
pub(crate) fn chunk<E: std::fmt::Display>(item: Result<Bytes, E>) -> Result<Bytes, ApiError> {
    item.map_err(|e| ApiError::new(ProblemType::InvalidBody, format!("the upload broke off: {e}")))
}

pub(crate) fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ProblemType::PayloadTooLarge,
        format!("attachments are limited to {limit} bytes; nothing was recorded"),
    )
}

/// Evidence with no bytes is a client mistake (a file that was not read, a stream already
/// consumed), never something to record.
pub(crate) fn empty() -> ApiError {
    ApiError::validation(vec![FieldError::new("", "empty", "an attachment has at least one byte")])
}

/// The store cannot be reached (network, credentials, server errors): 503, retryable.
pub(crate) fn unavailable(store: &str, cause: impl std::fmt::Display) -> ApiError {
    ApiError::new(ProblemType::ServiceUnavailable, "the attachment store is unavailable; retry later")
        .with_header("retry-after", "5")
        .with_source(anyhow::anyhow!("attachment store {store}: {cause}"))
}

/// Content an attachment record names is not in the store: a defect (500), logged.
pub(crate) fn missing(sha256: &str, store: &str) -> ApiError {
    ApiError::internal(anyhow::anyhow!("attachment body {sha256} is missing from the {store} store"))
}

/// The check every download makes, wherever it runs: each chunk is hashed and held back until
/// the next one comes, so the last chunk is handed on only after the whole body hashed to the
/// expected digest; otherwise an error comes in its place (logged), and a response streamed
/// from it is cut short of its `Content-Length`.
pub(crate) struct DigestCheck {
    hasher: Sha256,
    expected: String,
    store: String,
    held: Option<Bytes>,
}

impl DigestCheck {
    pub(crate) fn new(expected: &str, store: String) -> Self {
        DigestCheck { hasher: Sha256::new(), expected: expected.to_owned(), store, held: None }
    }

    /// Takes the next chunk; the one before it, now safe to hand on.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Option<Bytes> {
        if chunk.is_empty() {
            return None;
        }
        self.hasher.update(&chunk);
        self.held.replace(chunk)
    }

    /// The body ended: its last chunk if the digest matches, else the error that takes its place.
    pub(crate) fn finish(self) -> Option<Result<Bytes, std::io::Error>> {
        let actual = crate::audit::chain::hex(&self.hasher.finalize());
        if actual == self.expected {
            return self.held.map(Ok);
        }
        tracing::error!(sha256 = %self.expected, actual = %actual, store = %self.store,
            "attachment body does not match its digest; the download is cut short before its end");
        Some(Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("attachment body {} does not match its digest (store {})", self.expected, self.store),
        )))
    }

    /// Reading the body failed: the error to end the stream with (logged).
    pub(crate) fn failed(&self, error: std::io::Error) -> std::io::Error {
        tracing::error!(sha256 = %self.expected, store = %self.store, error = %error,
            "reading an attachment body failed; the download is cut short");
        error
    }
}

/// A body stream whose SHA-256 is checked as it ends (see `DigestCheck`), on the thread that
/// polls it.
pub struct Verified {
    inner: BodyStream,
    check: Option<DigestCheck>,
}

impl Verified {
    pub fn new(inner: BodyStream, expected: &str, store: String) -> Self {
        Verified { inner, check: Some(DigestCheck::new(expected, store)) }
    }
}

impl Stream for Verified {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            let Some(check) = this.check.as_mut() else { return Poll::Ready(None) };
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    if let Some(previous) = check.push(chunk) {
                        return Poll::Ready(Some(Ok(previous)));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    let error = check.failed(e);
                    this.check = None;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => return Poll::Ready(this.check.take().and_then(DigestCheck::finish)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn hex(bytes: &[u8]) -> String {
        crate::audit::chain::hex(&Sha256::digest(bytes))
    }

    fn body(chunks: &[&'static [u8]]) -> BodyStream {
        futures_util::stream::iter(chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect::<Vec<_>>()).boxed()
    }

    #[actix_web::test]
    async fn a_body_that_hashes_to_its_digest_passes_whole() {
        let digest = hex(b"abcdef");
        let out: Vec<_> = Verified::new(body(&[b"ab", b"", b"cd", b"ef"]), &digest, "dir".into()).collect().await;
        let bytes: Vec<u8> = out.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        assert_eq!(bytes, b"abcdef");
    }

    #[actix_web::test]
    async fn a_corrupted_body_ends_in_an_error_before_its_last_chunk() {
        let digest = hex(b"abcdef");
        let out: Vec<_> = Verified::new(body(&[b"ab", b"cd", b"eX"]), &digest, "dir".into()).collect().await;
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(out[0].as_ref().unwrap().as_ref(), b"ab");
        assert_eq!(out[1].as_ref().unwrap().as_ref(), b"cd");
        let error = out[2].as_ref().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        // A one-chunk body: nothing at all is handed on.
        let out: Vec<_> = Verified::new(body(&[b"abcdeX"]), &digest, "dir".into()).collect().await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
