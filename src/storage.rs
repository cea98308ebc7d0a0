//! Content-addressed storage of attachment bodies under `<data dir>/attachments/sha256/`:
//! a body is streamed to a temporary file while its SHA-256 is computed (never whole in
//! memory), then renamed to its digest. The same content is stored once.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use actix_web::web::{Bytes, Payload};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ProblemType};

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// This upload put the content in the store (it was not there already): if the upload is
    /// then refused, the content is this upload's to take away again.
    pub created: bool,
}

/// A file under `attachments/tmp` that is removed when dropped, unless it was moved to its
/// place: an upload whose client went away (the handler's future is dropped mid-stream) or
/// that failed leaves nothing behind.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// The file was renamed or removed on purpose: nothing to clean up.
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            // Synchronous on purpose: Drop cannot wait, and unlinking one file is quick.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Temporary files older than this at start-up belong to no running upload (an upload that
/// is still writing keeps its file's modification time fresh).
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

fn io_error(error: std::io::Error) -> ApiError {
    match error.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            ApiError::new(ProblemType::InsufficientStorage, "the attachment store is full; nothing was recorded")
                .with_source(error)
        }
        _ => ApiError::internal(error),
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ProblemType::PayloadTooLarge,
        format!("attachments are limited to {limit} bytes; nothing was recorded"),
    )
}

/// Evidence with no bytes is a client mistake (a file that was not read, a stream already
/// consumed), never something to record.
fn empty() -> ApiError {
    ApiError::validation(vec![crate::error::FieldError::new("", "empty", "an attachment has at least one byte")])
}

impl Store {
    pub fn new(data_dir: &Path) -> Store {
        Store { root: data_dir.join("attachments") }
    }

    /// Where the body with this digest lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Streams `payload` into the store, refusing it past `limit` bytes (413), when it is empty
    /// (422) and when the disk is full (507); on any failure nothing is left behind.
    pub async fn save(&self, mut payload: Payload, declared: Option<u64>, limit: u64) -> Result<Stored, ApiError> {
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large(limit));
        }
        if declared == Some(0) {
            return Err(empty());
        }
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io_error)?;
        let mut tmp = TempFile(Some(tmp_dir.join(uuid::Uuid::now_v7().to_string())));
        let result = async {
            let mut file = tokio::fs::File::create(tmp.path()).await.map_err(io_error)?;
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            while let Some(chunk) = payload.next().await {
                let chunk: Bytes =
                    chunk.map_err(|e| ApiError::new(ProblemType::InvalidBody, format!("the upload broke off: {e}")))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(too_large(limit));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(io_error)?;
            }
            if size == 0 {
                return Err(empty());
            }
            file.flush().await.map_err(io_error)?;
            file.sync_all().await.map_err(io_error)?;
            Ok(Stored { sha256: crate::audit::chain::hex(&hasher.finalize()), size, created: false })
        }
        .await;
        // On an error `tmp` is removed when dropped.
        let mut stored = result?;
        let target = self.path_of(&stored.sha256);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
        }
        if !tokio::fs::try_exists(&target).await.map_err(io_error)? {
            tokio::fs::rename(tmp.path(), &target).await.map_err(io_error)?;
            tmp.disarm();
            stored.created = true;
        }
        Ok(stored)
    }

    /// Removes the content this upload created (nothing when it was already stored); the
    /// caller checks first that no attachment record refers to it.
    pub async fn discard_created(&self, stored: &Stored) {
        if stored.created {
            let _ = tokio::fs::remove_file(self.path_of(&stored.sha256)).await;
        }
    }

    /// Removes temporary files left by uploads that were cut off by a crash; called at
    /// start-up. Returns how many were removed.
    pub fn sweep_stale_temp_files(&self) -> usize {
        let Ok(entries) = std::fs::read_dir(self.root.join("tmp")) else { return 0 };
        let mut removed = 0;
        for entry in entries.flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > STALE_TEMP_AGE));
            if stale && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    pub async fn open(&self, sha256: &str) -> Result<tokio::fs::File, ApiError> {
        tokio::fs::File::open(self.path_of(sha256))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("attachment body {sha256} is missing from the store: {e}")))
    }
}
