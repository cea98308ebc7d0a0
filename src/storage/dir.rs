//! The `dir` store: content under `<data dir>/attachments/sha256/`. A body is streamed to a
//! temporary file while its SHA-256 is computed, then renamed to its digest; the same content
//! is stored once.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Intake, STALE_TEMP_AGE, Stored, chunk};
use crate::error::{ApiError, ProblemType};

/// An upload is written to its file this much at a time (see `put`).
const WRITE_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
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

fn io_error(error: std::io::Error) -> ApiError {
    match error.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            ApiError::new(ProblemType::InsufficientStorage, "the attachment store is full; nothing was recorded")
                .with_source(error)
        }
        _ => ApiError::internal(error),
    }
}

/// A 64-character lowercase hex digest: the only names this store reads or writes.
fn is_digest(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl DirStore {
    pub fn new(data_dir: &Path) -> DirStore {
        DirStore { root: data_dir.join("attachments") }
    }

    /// Where the body with this digest lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    pub(super) async fn put<S, E>(&self, mut body: S, limit: u64) -> Result<Stored, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io_error)?;
        let mut tmp = TempFile(Some(tmp_dir.join(uuid::Uuid::now_v7().to_string())));
        let result = async {
            let mut file = tokio::fs::File::create(tmp.path()).await.map_err(io_error)?;
            let mut intake = Intake::new(limit);
            // The body arrives in pieces of a few KiB; each write is a trip to the blocking pool
            // (tokio's file I/O), so they go out gathered. One write runs while the next
            // pieces are received and hashed.
            let mut gathered: Vec<u8> = Vec::with_capacity(WRITE_BYTES);
            while let Some(item) = body.next().await {
                let bytes = chunk(item)?;
                intake.take(&bytes)?;
                gathered.extend_from_slice(&bytes);
                if gathered.len() >= WRITE_BYTES {
                    file.write_all(&gathered).await.map_err(io_error)?;
                    gathered.clear();
                }
            }
            let (sha256, size) = intake.finish()?;
            file.write_all(&gathered).await.map_err(io_error)?;
            file.flush().await.map_err(io_error)?;
            file.sync_all().await.map_err(io_error)?;
            Ok::<_, ApiError>(Stored { sha256, size, created: false })
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

    pub(super) async fn open(&self, sha256: &str) -> Result<super::BodyStream, ApiError> {
        /// A download reads the file this much at a time (two such chunks in memory per
        /// download: the one held back by the digest check, and the one being read).
        const READ_BYTES: usize = 512 * 1024;
        let file = tokio::fs::File::open(self.path_of(sha256)).await.map_err(|e| {
            if e.kind() == ErrorKind::NotFound { super::missing(sha256, "dir") } else { ApiError::internal(e) }
        })?;
        Ok(futures_util::stream::unfold(Some(file), |file| async move {
            let mut file = file?;
            // Large reads: each is a trip to the blocking pool (tokio's file I/O), and a download
            // checks every byte on the way out, so the fewer hops the closer it runs to the hash.
            let mut buffer = vec![0u8; READ_BYTES];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    Some((Ok(Bytes::from(buffer)), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed())
    }

    pub(super) async fn exists(&self, sha256: &str) -> Result<bool, ApiError> {
        tokio::fs::try_exists(self.path_of(sha256)).await.map_err(io_error)
    }

    pub(super) async fn delete(&self, sha256: &str) -> Result<(), ApiError> {
        match tokio::fs::remove_file(self.path_of(sha256)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    pub(super) fn exists_blocking(&self, sha256: &str) -> Result<bool, ApiError> {
        self.path_of(sha256).try_exists().map_err(io_error)
    }

    pub(super) fn delete_blocking(&self, sha256: &str) -> Result<(), ApiError> {
        match std::fs::remove_file(self.path_of(sha256)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    pub(super) async fn list(&self) -> Result<Vec<String>, ApiError> {
        let root = self.root.join("sha256");
        actix_web::web::block(move || {
            let mut found = Vec::new();
            let Ok(prefixes) = std::fs::read_dir(&root) else { return Ok(found) };
            for prefix in prefixes.flatten() {
                for entry in std::fs::read_dir(prefix.path())?.flatten() {
                    if let Some(name) = entry.file_name().to_str().filter(|n| is_digest(n)) {
                        found.push(name.to_owned());
                    }
                }
            }
            Ok::<_, std::io::Error>(found)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(io_error)
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
}
