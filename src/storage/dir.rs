//! The `dir` store: content under `<data dir>/attachments/sha256/`. A body is streamed to a
//! temporary file while its SHA-256 is computed, then renamed to its digest; the same content
//! is stored once.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

use super::{Intake, STALE_TEMP_AGE, Stored, chunk};
use crate::error::{ApiError, ProblemType};

/// An upload is written to its file this much at a time (see `put`).
const WRITE_BYTES: usize = 512 * 1024;

/// The pieces of one write. The body arrives in pieces of a few KiB; each is kept as it came
/// (no copy) and a batch goes to the file as one vectored write, so the writer makes one
/// system call per `WRITE_BYTES`, not one per piece.
#[derive(Default)]
struct Batch {
    pieces: Vec<Bytes>,
    bytes: usize,
}

impl Batch {
    /// Most pieces one write takes (Linux's `IOV_MAX`): a body in tiny pieces still goes in
    /// batches a write can take whole.
    const MOST_PIECES: usize = 1024;

    /// Adds a piece; the batch, when it is full.
    fn add(&mut self, piece: Bytes) -> Option<Vec<Bytes>> {
        self.bytes += piece.len();
        self.pieces.push(piece);
        if self.bytes < WRITE_BYTES && self.pieces.len() < Self::MOST_PIECES {
            return None;
        }
        self.bytes = 0;
        Some(std::mem::take(&mut self.pieces))
    }
}

/// The written bytes are handed to the disk this much at a time, while the upload goes on.
const WRITEBACK_BYTES: u64 = 8 << 20;

/// Starts writing a range of the file to the disk without waiting for it (Linux's
/// `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that the `fsync` that ends an upload
/// waits for the last few MiB, not for the whole body: without it the kernel held every byte
/// in its cache until that `fsync`, which then took a quarter of a 100 MiB upload (issue 16).
/// The `fsync` still decides: a failure here would show there, so its result is not needed.
fn start_writeback(file: &std::fs::File, offset: u64, length: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain system call on a file descriptor this function borrows; it reads
        // no memory of ours.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset as i64, length as i64, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, length);
}

/// The writing side of `put`: the temporary file and what was written to it. Each batch is
/// hashed and written by a blocking job of its own (`write`), which hands this back; between
/// batches no thread is held, however slowly the client sends.
struct Writing {
    file: std::fs::File,
    intake: Intake,
    handed_to_disk: u64,
}

impl Writing {
    /// Hashes a batch and writes it with one vectored write, handing what was written to the
    /// disk every `WRITEBACK_BYTES`.
    fn write(mut self, batch: Vec<Bytes>) -> Result<Writing, ApiError> {
        use std::io::{IoSlice, Write};

        for piece in &batch {
            self.intake.take(piece)?;
        }
        let mut slices: Vec<IoSlice<'_>> = batch.iter().map(|piece| IoSlice::new(piece)).collect();
        let mut unwritten = &mut slices[..];
        while !unwritten.is_empty() {
            match self.file.write_vectored(unwritten) {
                Ok(0) => return Err(io_error(ErrorKind::WriteZero.into())),
                Ok(n) => IoSlice::advance_slices(&mut unwritten, n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        let written = self.intake.size();
        if written - self.handed_to_disk >= WRITEBACK_BYTES {
            start_writeback(&self.file, self.handed_to_disk, written - self.handed_to_disk);
            self.handed_to_disk = written;
        }
        Ok(self)
    }

    /// The body ended: syncs the file; the digest and size of what was written.
    fn finish(self) -> Result<(String, u64), ApiError> {
        self.file.sync_all().map_err(io_error)?;
        self.intake.finish()
    }
}

/// `put`'s writing side: waiting for the next batch, or writing one on a blocking thread.
enum Writer {
    Idle(Writing),
    Busy(tokio::task::JoinHandle<Result<Writing, ApiError>>),
}

impl Writer {
    /// The writing side once the batch in flight (if any) is written.
    async fn idle(self) -> Result<Writing, ApiError> {
        match self {
            Writer::Idle(writing) => Ok(writing),
            Writer::Busy(job) => job.await.map_err(ApiError::internal)?,
        }
    }
}

/// `open_verified`'s reading side: the file and the digest check of what was read. Each chunk
/// is read and checked by a blocking job of its own (`next`), which hands this back.
struct Reading {
    file: std::fs::File,
    check: super::DigestCheck,
}

impl Reading {
    const READ_BYTES: usize = 512 * 1024;

    /// Reads until a chunk may be handed on (the one before the latest, see `DigestCheck`):
    /// that chunk and the reading side to go on with; at the end of the file the last chunk
    /// (or the error in its place), and nothing to go on with.
    fn next(mut self) -> (Option<Reading>, Option<Result<Bytes, std::io::Error>>) {
        use std::io::Read;
        loop {
            let mut buffer = vec![0u8; Self::READ_BYTES];
            match self.file.read(&mut buffer) {
                Ok(0) => return (None, self.check.finish()),
                Ok(n) => {
                    buffer.truncate(n);
                    if let Some(previous) = self.check.push(Bytes::from(buffer)) {
                        return (Some(self), Some(Ok(previous)));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return (None, Some(Err(self.check.failed(e)))),
            }
        }
    }
}

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
            // Created here, not by the writer: once `tmp` exists on disk it is `tmp`'s to remove,
            // whenever the upload stops.
            let file = tokio::fs::File::create(tmp.path()).await.map_err(io_error)?.into_std().await;
            // Two stages (issue 16: on one thread, receiving, hashing and writing took turns,
            // and an upload ran at a third of `dd`): this task receives the body and holds it to
            // the size limit; each full batch is hashed and written by a blocking job while the
            // next is received. (Hashing here instead, or on a third thread, measured slower on
            // two cores.) One batch in flight and one filling: an upload holds about 1 MiB
            // whatever its size, and a client that sends slowly holds no thread while it does.
            let mut writer = Writer::Idle(Writing { file, intake: Intake::new(limit), handed_to_disk: 0 });
            let mut size = 0u64;
            let mut batch = Batch::default();
            while let Some(item) = body.next().await {
                let bytes = chunk(item)?;
                size += bytes.len() as u64;
                if size > limit {
                    return Err(super::too_large(limit));
                }
                if let Some(full) = batch.add(bytes) {
                    let writing = writer.idle().await?;
                    writer = Writer::Busy(tokio::task::spawn_blocking(move || writing.write(full)));
                }
            }
            // The end of the body: the last batch, then the sync. Stopped before it (a failure
            // here, or the client gone and this future dropped), the batch in flight is written
            // and nothing is synced; `tmp` removes the file.
            let writing = writer.idle().await?;
            let last = std::mem::take(&mut batch.pieces);
            let (sha256, size) = tokio::task::spawn_blocking(move || {
                if last.is_empty() { writing.finish() } else { writing.write(last)?.finish() }
            })
            .await
            .map_err(ApiError::internal)??;
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

    /// The content with this digest, read and checked against it (`DigestCheck`) by blocking
    /// jobs, one chunk ahead of what the request's task sends (issue 16: on one thread,
    /// reading, hashing and sending took turns, and a download ran at 43-47 % of SHA-256's own
    /// rate). A download holds two chunks of `Reading::READ_BYTES` at most, and a client that
    /// reads slowly holds no thread while it does.
    pub(super) async fn open_verified(&self, sha256: &str, store: String) -> Result<super::BodyStream, ApiError> {
        let file = tokio::fs::File::open(self.path_of(sha256)).await.map_err(|e| {
            if e.kind() == ErrorKind::NotFound { super::missing(sha256, "dir") } else { ApiError::internal(e) }
        })?;
        let reading = Reading { file: file.into_std().await, check: super::DigestCheck::new(sha256, store) };
        let first = tokio::task::spawn_blocking(move || reading.next());
        Ok(futures_util::stream::unfold(Some(first), |job| async move {
            let (reading, item) = job?.await.unwrap_or_else(|e| (None, Some(Err(std::io::Error::other(e)))));
            // The next chunk is read and checked while this one is sent.
            let next = reading.map(|reading| tokio::task::spawn_blocking(move || reading.next()));
            item.map(|item| (item, next))
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
