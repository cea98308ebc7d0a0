//! The application's state: one `AppState` in `web::Data`, shared by all workers, and its
//! construction (data directory, keys, mailer, database), used by `serve` and the tests alike.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::auth::key_store::{self, KeyStore};
use crate::auth::keys::{KeyRing, SharedKeys};
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
    /// Where the signing keys are reloaded from when they live in the database (PostgreSQL);
    /// `None` when they are files.
    pub key_store: Option<Arc<KeyStore>>,
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
        let external = match &t.external_issuers_file {
            Some(path) => tokens::load_external_issuers(path)
                .map_err(|e| anyhow::anyhow!("ROGATORY_EXTERNAL_ISSUERS_FILE: {e}"))?,
            None => Vec::new(),
        };
        let db = Db::open(settings.database_url.clone(), &settings.db_pool)?;
        let attachments = AttachmentStore::open(&settings.attachment_store, &settings.data_dir, &db)?;
        let swept = attachments.sweep_stale_blocking(&settings.database_url);
        if swept > 0 {
            tracing::info!(uploads = swept, store = %attachments.name(), "removed what uploads cut off by an earlier stop left");
        }
        let (mut keys, key_store) = load_keys(&settings, &db)?;
        keys.deconfliction = deconfliction_key(&settings, key_store.is_some(), keys.deconfliction)?;
        if db.backend() == crate::db::Backend::Postgres && !settings.public_url_set {
            tracing::warn!(
                issuer = %t.issuer,
                "ROGATORY_PUBLIC_URL is not set: this instance names itself by its listen address in its links and \
                 (unless ROGATORY_TOKEN_ISSUER is set) as the issuer of its tokens. Running more than one instance \
                 on this database, give all of them the same ROGATORY_PUBLIC_URL, the address clients reach them \
                 at, or each refuses the others' tokens"
            );
        }
        let tokens = Tokens {
            keys: SharedKeys::new(keys),
            issuer: t.issuer.clone(),
            audience: t.audience.clone(),
            ttl_secs: t.ttl_secs,
            external,
        };
        let token_failures = FailureLimiter::new(
            t.max_failures,
            t.max_address_failures,
            TimeDelta::seconds(t.failure_window_secs.max(1)),
        );
        let mailer = Mailer::new(settings.smtp_url.as_ref().map(|s| s.expose()), &settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_SMTP_URL: {e}"))?;
        let settings_pool = settings.db_pool.max_size;
        Ok(AppState {
            mailer: Arc::new(mailer),
            attachments,
            settings: Arc::new(settings),
            db,
            clock,
            tokens: Arc::new(tokens),
            key_store: key_store.map(Arc::new),
            token_failures: Arc::new(token_failures),
            legacy_secrets: Arc::new(LegacyVerifier::default()),
            token_lookups: Arc::new(tokio::sync::Semaphore::new((settings_pool / 8).max(1) as usize)),
        })
    }
}

/// The signing keys, from the database or from files:
///
/// - **PostgreSQL with `ROGATORY_KEY_ENCRYPTION_KEY`**: in the database, shared by every
///   instance. An empty table is seeded with the key files this deployment used until now
///   (`ROGATORY_JWT_SIGNING_KEY_FILE`, else `<data dir>/jwt-signing-key.pem` when it exists, and
///   `ROGATORY_JWT_PREVIOUS_KEY_FILES`), so what they signed keeps verifying; else with a new key.
/// - **PostgreSQL with only `ROGATORY_JWT_SIGNING_KEY_FILE`**: that file, which every instance
///   must mount; refused when the database holds keys (instances would disagree).
/// - **PostgreSQL with neither**: refused (each instance would make its own key).
/// - **SQLite**: files, as ever (one instance).
fn load_keys(settings: &Settings, db: &Db) -> anyhow::Result<(KeyRing, Option<KeyStore>)> {
    let t = &settings.tokens;
    let default_key = settings.data_dir.join("jwt-signing-key.pem");
    let from_files = || -> anyhow::Result<KeyRing> {
        let (keys, generated) = KeyRing::load(t.signing_key_file.as_deref(), &default_key, &t.previous_key_files)
            .map_err(|e| anyhow::anyhow!("ROGATORY_JWT_SIGNING_KEY_FILE / ROGATORY_JWT_PREVIOUS_KEY_FILES: {e}"))?;
        if let Some(path) = generated {
            tracing::warn!(
                path = %path.display(),
                "generated a new token signing key; set ROGATORY_JWT_SIGNING_KEY_FILE to use a key you manage"
            );
        }
        Ok(keys)
    };
    if db.backend() == crate::db::Backend::Sqlite {
        if t.key_encryption_key.is_some() {
            tracing::warn!("ROGATORY_KEY_ENCRYPTION_KEY is ignored on SQLite: the signing keys are files there");
        }
        return Ok((from_files()?, None));
    }
    let mut conn = settings.database_url.connect()?;
    let Some(kek) = &t.key_encryption_key else {
        if t.signing_key_file.is_none() {
            anyhow::bail!(
                "ROGATORY_KEY_ENCRYPTION_KEY is required on PostgreSQL: the signing keys are kept in the database, \
                 sealed with it, so that every instance signs and verifies with the same keys. Generate one with \
                 `openssl rand -base64 32` and give the same value to every instance (or set \
                 ROGATORY_JWT_SIGNING_KEY_FILE to a key file that every instance mounts)"
            );
        }
        let live = key_store::live_kids(&mut conn)?;
        if !live.is_empty() {
            anyhow::bail!(
                "ROGATORY_JWT_SIGNING_KEY_FILE is set but this database keeps its signing keys itself ({}): instances \
                 would sign with different keys. Set ROGATORY_KEY_ENCRYPTION_KEY (the same on every instance) instead",
                live.join(", ")
            );
        }
        tracing::warn!(
            "signing keys from ROGATORY_JWT_SIGNING_KEY_FILE on PostgreSQL: every instance must mount the same key \
             files; ROGATORY_KEY_ENCRYPTION_KEY keeps them in the database instead"
        );
        return Ok((from_files()?, None));
    };
    let read = |path: &std::path::Path, key: &str| {
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{key}: {}: {e}", path.display()))
    };
    let seed = key_store::Seed {
        signing_pem: match &t.signing_key_file {
            Some(path) => Some(read(path, "ROGATORY_JWT_SIGNING_KEY_FILE")?),
            None if default_key.exists() => Some(read(&default_key, "ROGATORY_DATA_DIR")?),
            None => None,
        },
        previous_pems: t
            .previous_key_files
            .iter()
            .map(|p| read(p, "ROGATORY_JWT_PREVIOUS_KEY_FILES"))
            .collect::<anyhow::Result<_>>()?,
    };
    let key_store::StartedKeys { created, ring, next_activation: next } = key_store::ensure_and_load(
        &mut conn,
        kek,
        &seed,
        &chrono::Utc::now,
    )
    .map_err(|failed| match failed {
        key_store::StartFailure::Making(e) => anyhow::anyhow!("signing keys: {e}"),
        key_store::StartFailure::Loading(e) => anyhow::anyhow!(
            "ROGATORY_KEY_ENCRYPTION_KEY: {e}; every instance needs the key-encryption key the keys were sealed with"
        ),
    })?;
    if !created.is_empty() {
        tracing::info!(kids = %created.join(", "), "stored the signing keys in the database");
    }
    tracing::info!(signing_kid = %ring.signing.kid, keys = ring.verification.len(), "signing keys from the database");
    Ok((ring, Some(KeyStore::new(kek.clone(), t.key_poll_interval, next))))
}

/// The key of deconfliction's target hashes (issue 18), never in the database:
/// `ROGATORY_DECONFLICTION_KEY` when set; on PostgreSQL with the key-encryption key, one derived
/// from it (`ring`, the same on every instance); otherwise `<data dir>/deconfliction-key`,
/// generated once (SQLite: one instance; PostgreSQL with key files: every instance must mount
/// the same file, as it does the signing key).
fn deconfliction_key(
    settings: &Settings,
    keys_in_database: bool,
    ring: crate::auth::deconfliction_key::DeconflictionKey,
) -> anyhow::Result<crate::auth::deconfliction_key::DeconflictionKey> {
    if let Some(key) = &settings.deconfliction_key {
        return Ok(key.clone());
    }
    if keys_in_database {
        return Ok(ring);
    }
    let path = settings.data_dir.join("deconfliction-key");
    let (key, generated) = crate::auth::deconfliction_key::load_or_generate(&path)
        .map_err(|e| anyhow::anyhow!("ROGATORY_DECONFLICTION_KEY (unset, so the key file): {e}"))?;
    if generated {
        tracing::warn!(
            path = %path.display(),
            "generated a new deconfliction key; instances sharing a database need the same one: set \
             ROGATORY_DECONFLICTION_KEY (or, on PostgreSQL, ROGATORY_KEY_ENCRYPTION_KEY)"
        );
    }
    Ok(key)
}
