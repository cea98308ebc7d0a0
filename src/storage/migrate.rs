//! `rogatory attachments migrate --to STORE`: copies the content of every attachment record
//! from the configured store to another, checks every digest, and reports. Idempotent: content
//! the target already holds is not copied again (but is still read back and checked).

use diesel::prelude::*;
use futures_util::StreamExt;
use serde::Serialize;

use super::AttachmentStore;
use crate::config::{AttachmentStoreSetting, Settings};
use crate::db::Db;
use crate::db::schema::attachments;
use crate::error::ApiError;

#[derive(Debug, Default, Serialize)]
pub struct MigrationReport {
    pub from: String,
    pub to: String,
    /// Distinct contents that attachment records refer to.
    pub referenced: usize,
    /// Copied by this run, then read back from the target and found to match their digest.
    pub copied: usize,
    /// Already in the target (an earlier run), read back and found to match.
    pub already_present: usize,
    /// Could not be copied, or do not match their digest in the target.
    pub failed: Vec<MigrationFailure>,
}

#[derive(Debug, Serialize)]
pub struct MigrationFailure {
    pub sha256: String,
    pub reason: String,
}

/// Reads `sha256` back from `store`, whole, through the digest check.
async fn verify(store: &AttachmentStore, sha256: &str) -> Result<(), String> {
    let mut body = store.open_verified(sha256).await.map_err(|e| describe(&e))?;
    while let Some(chunk) = body.next().await {
        chunk.map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn describe(error: &ApiError) -> String {
    match error.source() {
        Some(cause) => format!("{error}: {cause:#}"),
        None => error.to_string(),
    }
}

/// Copies each digest from `from` to `to` (streamed: the source's digest check runs as the
/// target writes, so corrupt source content is never stored), then verifies it in `to`.
pub async fn copy_all(from: &AttachmentStore, to: &AttachmentStore, digests: &[String]) -> MigrationReport {
    let mut report =
        MigrationReport { from: from.name(), to: to.name(), referenced: digests.len(), ..MigrationReport::default() };
    for sha256 in digests {
        let fail = |reason: String| MigrationFailure { sha256: sha256.clone(), reason };
        let present = match to.exists(sha256).await {
            Ok(present) => present,
            Err(e) => {
                report.failed.push(fail(format!("cannot reach the target: {}", describe(&e))));
                continue;
            }
        };
        if !present {
            let copied = async {
                let body = from
                    .open_verified(sha256)
                    .await
                    .map_err(|e| format!("cannot read the source: {}", describe(&e)))?;
                let stored =
                    to.put(body, None, u64::MAX).await.map_err(|e| format!("copy failed: {}", describe(&e)))?;
                if &stored.sha256 != sha256 {
                    // Cannot happen past the source's digest check; never leave it behind.
                    to.discard_created(&stored).await;
                    return Err(format!("the copy hashed to {}", stored.sha256));
                }
                Ok(())
            }
            .await;
            if let Err(reason) = copied {
                report.failed.push(fail(reason));
                continue;
            }
        }
        match verify(to, sha256).await {
            Ok(()) if present => report.already_present += 1,
            Ok(()) => report.copied += 1,
            Err(reason) => report.failed.push(fail(format!("the target's copy does not verify: {reason}"))),
        }
    }
    report
}

/// The command: the configured store to `target`, for every content an attachment record
/// names. Blocking (it runs its own runtime).
pub fn run(settings: &Settings, target: &AttachmentStoreSetting) -> anyhow::Result<MigrationReport> {
    if *target == settings.attachment_store {
        anyhow::bail!("--to names the configured store ({}): nothing to migrate", target.name());
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = Db::open(settings.database_url.clone(), &settings.db_pool)?;
    let from = AttachmentStore::open(&settings.attachment_store, &settings.data_dir, &db)?;
    let to = AttachmentStore::open(target, &settings.data_dir, &db)
        .map_err(|e| anyhow::anyhow!("--to {}: {e:#}", target.name()))?;
    actix_web::rt::System::new().block_on(async move {
        let digests: Vec<String> = db
            .run(|conn| {
                attachments::table
                    .select(attachments::sha256)
                    .distinct()
                    .order(attachments::sha256.asc())
                    .load::<String>(conn)
                    .map_err(ApiError::from)
            })
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the attachment records: {}", describe(&e)))?;
        Ok(copy_all(&from, &to, &digests).await)
    })
}
