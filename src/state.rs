//! The application's state: one `AppState` in `web::Data`, shared by all workers, and its
//! construction (data directory, keys, mailer, database), used by `serve` and the tests alike.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::auth::keys::KeyRing;
use crate::auth::rate_limit::FailureLimiter;
use crate::auth::secrets::LegacyVerifier;
use crate::auth::tokens::{self, Tokens};
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::mail::Mailer;
use crate::storage::AttachmentStore;

/// Everything a handler may need, shared by all workers.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<Tokens>,
    pub token_failures: Arc<FailureLimiter>,
    /// Checks argon2 secret hashes of earlier releases, off the database's threads.
    pub legacy_secrets: Arc<LegacyVerifier>,
    /// Client lookups of the token endpoint in flight at once: one per eight pooled connections,
    /// so that a flood of token requests leaves the database to every other request.
    pub token_lookups: Arc<tokio::sync::Semaphore>,
    pub mailer: Arc<Mailer>,
    /// Where attachment bodies are kept (`ROGATORY_ATTACHMENT_STORE`).
    pub attachments: AttachmentStore,
}

impl AppState {
    /// Creates the data directory, connects to the database (with an error that names the
    /// real cause), applies pending migrations and builds the pool. Blocking: call it before
    /// the server starts, or from a blocking context.
    pub fn init(settings: Settings) -> anyhow::Result<Self> {
        Self::init_with_clock(settings, Arc::new(SystemClock))
    }

    /// As `init`, with the clock the application reads time from (tests move it).
    pub fn init_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_DATA_DIR: cannot create {}: {e}", settings.data_dir.display()))?;
        let t = &settings.tokens;
        let default_key = settings.data_dir.join("jwt-signing-key.pem");
        let (mut keys, generated) =
            KeyRing::load(t.signing_key_file.as_deref(), &default_key, &t.previous_key_files)
                .map_err(|e| anyhow::anyhow!("ROGATORY_JWT_SIGNING_KEY_FILE / ROGATORY_JWT_PREVIOUS_KEY_FILES: {e}"))?;
        if let Some(path) = generated {
            tracing::warn!(
                path = %path.display(),
                "generated a new token signing key; set ROGATORY_JWT_SIGNING_KEY_FILE to use a key you manage"
            );
        }
        keys.deconfliction = match &settings.deconfliction_key {
            Some(key) => key.clone(),
            None => {
                let path = settings.data_dir.join("deconfliction-key");
                let (key, generated) = crate::auth::deconfliction_key::load_or_generate(&path)
                    .map_err(|e| anyhow::anyhow!("ROGATORY_DECONFLICTION_KEY (unset, so the key file): {e}"))?;
                if generated {
                    tracing::warn!(
                        path = %path.display(),
                        "generated a new deconfliction key; set ROGATORY_DECONFLICTION_KEY on every instance to share one"
                    );
                }
                key
            }
        };
        let external = match &t.external_issuers_file {
            Some(path) => tokens::load_external_issuers(path)
                .map_err(|e| anyhow::anyhow!("ROGATORY_EXTERNAL_ISSUERS_FILE: {e}"))?,
            None => Vec::new(),
        };
        let tokens =
            Tokens { keys, issuer: t.issuer.clone(), audience: t.audience.clone(), ttl_secs: t.ttl_secs, external };
        let token_failures = FailureLimiter::new(
            t.max_failures,
            t.max_address_failures,
            TimeDelta::seconds(t.failure_window_secs.max(1)),
        );
        let mailer = Mailer::new(settings.smtp_url.as_ref().map(|s| s.expose()), &settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_SMTP_URL: {e}"))?;
        let db = Db::open(settings.database_url.clone(), &settings.db_pool)?;
        let attachments = AttachmentStore::open(&settings.attachment_store, &settings.data_dir, &db)?;
        let swept = attachments.sweep_stale_blocking(&settings.database_url);
        if swept > 0 {
            tracing::info!(uploads = swept, store = %attachments.name(), "removed what uploads cut off by an earlier stop left");
        }
        let settings_pool = settings.db_pool.max_size;
        Ok(AppState {
            mailer: Arc::new(mailer),
            attachments,
            settings: Arc::new(settings),
            db,
            clock,
            tokens: Arc::new(tokens),
            token_failures: Arc::new(token_failures),
            legacy_secrets: Arc::new(LegacyVerifier::default()),
            token_lookups: Arc::new(tokio::sync::Semaphore::new((settings_pool / 8).max(1) as usize)),
        })
    }
}
