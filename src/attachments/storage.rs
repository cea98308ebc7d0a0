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
}

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

impl Store {
    pub fn new(data_dir: &Path) -> Store {
        Store { root: data_dir.join("attachments") }
    }

    /// Where the body with this digest lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Streams `payload` into the store, refusing it past `limit` bytes (413) and when the
    /// disk is full (507); on any failure nothing is left behind.
    pub async fn save(&self, mut payload: Payload, declared: Option<u64>, limit: u64) -> Result<Stored, ApiError> {
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large(limit));
        }
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io_error)?;
        let tmp = tmp_dir.join(uuid::Uuid::now_v7().to_string());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io_error)?;
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
            file.flush().await.map_err(io_error)?;
            file.sync_all().await.map_err(io_error)?;
            Ok(Stored { sha256: crate::audit::chain::hex(&hasher.finalize()), size })
        }
        .await;
        let stored = match result {
            Ok(stored) => stored,
            Err(error) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(error);
            }
        };
        let target = self.path_of(&stored.sha256);
        let placed = async {
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            if tokio::fs::try_exists(&target).await? {
                tokio::fs::remove_file(&tmp).await
            } else {
                tokio::fs::rename(&tmp, &target).await
            }
        }
        .await;
        if let Err(error) = placed {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io_error(error));
        }
        Ok(stored)
    }

    pub async fn open(&self, sha256: &str) -> Result<tokio::fs::File, ApiError> {
        tokio::fs::File::open(self.path_of(sha256))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("attachment body {sha256} is missing from the store: {e}")))
    }
}
