//! Signing keys kept in the database, so that every instance on one PostgreSQL database signs
//! and verifies with the same keys (issue 17). Private halves are sealed with
//! XChaCha20-Poly1305 under the key-encryption key (`ROGATORY_KEY_ENCRYPTION_KEY`, 32 bytes),
//! with the `kid` as associated data, so a sealed key moved to another row does not open.
//!
//! - The first instance to start on an empty table creates the key under an advisory lock (one
//!   key, however many start at once), or imports the key files it was given.
//! - `rogatory keys rotate` adds a key that becomes the signing key at `activated_at`: one poll
//!   interval later, so that every instance already knows it (and publishes it in its JWKS)
//!   before any token or document is signed with it.
//! - `rogatory keys retire <kid>` takes a key out: it then verifies nothing, like a key file
//!   removed from `ROGATORY_JWT_PREVIOUS_KEY_FILES`.
//! - Each instance reloads the table every poll interval (and at a pending activation), and at
//!   once (at most once a second) when a token names a `kid` it does not know.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{Nullable, Text};
use rand_core::{OsRng, RngCore};
use serde::Serialize;

use super::keys::{self, KeyRing, SharedKeys, VerificationKey};
use crate::db::types::{DbTime, PTimestamptz};
use crate::db::{AnyConnection, Db};

/// Prefix of a sealed private key: the scheme, then base64 of nonce (24 bytes) and ciphertext.
const SEALED_PREFIX: &str = "xchacha20poly1305:";
/// Arbitrary constant naming the advisory lock under which keys are created.
const KEY_LOCK: i64 = 0x526f_6761_4b65_7973; // "RogaKeys"
/// Unknown-kid reloads, at most one per this interval per instance.
const UNKNOWN_KID_RELOAD: Duration = Duration::from_secs(1);

/// The key-encryption key. `Debug` never shows it.
#[derive(Clone)]
pub struct Kek([u8; 32]);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(***)")
    }
}

impl Kek {
    /// The deconfliction key derived from this key (HMAC-SHA256 of a fixed label): every
    /// instance with the key-encryption key has it, and it is never in the database (issue 18).
    pub fn deconfliction_key(&self) -> super::deconfliction_key::DeconflictionKey {
        super::deconfliction_key::DeconflictionKey::derived(&self.0, "rogatory deconfliction key v1")
    }

    /// 32 bytes in base64 (standard or URL-safe alphabet, padded or not).
    pub fn parse(text: &str) -> Result<Kek, String> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "32 random bytes in base64 (`openssl rand -base64 32`); this is not base64".to_owned())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!("32 random bytes in base64 (`openssl rand -base64 32`); this decodes to {} bytes", b.len())
        })?;
        Ok(Kek(bytes))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    /// Seals `plaintext` for the row of `kid`.
    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: kid.as_bytes() })
            .expect("XChaCha20-Poly1305 seals any length we give it");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens what `seal` made for `kid`; fails on another key-encryption key or another row.
    pub fn open(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, String> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or("not sealed by this version of rogatory")?;
        let bytes = STANDARD.decode(body).map_err(|_| "the sealed key is not base64")?;
        if bytes.len() < 24 + 16 {
            return Err("the sealed key is too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| "bad nonce")?;
        self.cipher().decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: kid.as_bytes() }).map_err(|_| {
            "it does not open with ROGATORY_KEY_ENCRYPTION_KEY (another key-encryption key sealed it)".into()
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("signing key {kid} in the database: {reason}")]
    Key { kid: String, reason: String },
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

#[derive(Debug, Clone, diesel::QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Text)]
    kid: String,
    #[diesel(sql_type = Text)]
    public_key: String,
    #[diesel(sql_type = Nullable<Text>)]
    private_key: Option<String>,
    #[diesel(sql_type = PTimestamptz)]
    created_at: DbTime,
    #[diesel(sql_type = PTimestamptz)]
    activated_at: DbTime,
    #[diesel(sql_type = Nullable<PTimestamptz>)]
    retired_at: Option<DbTime>,
}

/// A key as `rogatory keys list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: DateTime<Utc>,
    pub activated_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Whether the private half is held (a key imported from a public PEM only verifies).
    pub can_sign: bool,
    /// `signing`, `pending` (activates later), `verifying`, or `retired`.
    pub state: &'static str,
}

fn all_keys(conn: &mut AnyConnection) -> Result<Vec<StoredKey>, diesel::result::Error> {
    diesel::sql_query(
        "SELECT kid, public_key, private_key, created_at, activated_at, retired_at FROM signing_keys \
         ORDER BY activated_at, created_at, kid",
    )
    .load(conn)
}

/// The kid of the key that signs at `now`: the latest activated, non-retired key holding its
/// private half whose activation has come.
fn signing_kid(rows: &[StoredKey], now: DateTime<Utc>) -> Option<&str> {
    rows.iter()
        .filter(|r| r.retired_at.is_none() && r.private_key.is_some() && r.activated_at.0 <= now)
        .max_by_key(|r| (r.activated_at.0, r.created_at.0))
        .map(|r| r.kid.as_str())
}

/// The key ring the rows make at `now`, and when the next pending key activates. Every
/// private key held is opened (so a wrong key-encryption key is found at start-up, naming the key).
fn ring_from_rows(
    rows: &[StoredKey],
    kek: &Kek,
    now: DateTime<Utc>,
) -> Result<(KeyRing, Option<DateTime<Utc>>), KeyStoreError> {
    let live: Vec<&StoredKey> = rows.iter().filter(|r| r.retired_at.is_none()).collect();
    let mut verification: Vec<VerificationKey> = Vec::new();
    let mut signing = None;
    let signer = signing_kid(rows, now);
    for row in &live {
        let fail = |reason: String| KeyStoreError::Key { kid: row.kid.clone(), reason };
        let public = keys::public_key_from_pem(row.public_key.as_bytes()).map_err(fail)?;
        if public.kid != row.kid {
            return Err(fail(format!("its public key has the kid {}", public.kid)));
        }
        if let Some(sealed) = &row.private_key {
            let pem = kek.open(&row.kid, sealed).map_err(fail)?;
            let (key, public) = keys::private_key_from_pem(&pem).map_err(fail)?;
            if key.kid != row.kid {
                return Err(fail(format!("its private key has the kid {}", key.kid)));
            }
            if signer == Some(row.kid.as_str()) {
                signing = Some(key);
            }
            verification.push(public);
        } else {
            verification.push(public);
        }
    }
    let signing = signing.ok_or_else(|| {
        KeyStoreError::Refused("the database holds no active signing key: run `rogatory keys rotate`".into())
    })?;
    // The signing key first, as in a ring loaded from files.
    verification.sort_by_key(|k| k.kid != signing.kid);
    let next = live.iter().map(|r| r.activated_at.0).filter(|at| *at > now).min();
    Ok((KeyRing { signing, verification, deconfliction: kek.deconfliction_key() }, next))
}

fn insert_key(
    conn: &mut AnyConnection,
    kek: &Kek,
    private_pem: Option<&[u8]>,
    public_pem: &str,
    kid: &str,
    activated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, diesel::result::Error> {
    let sealed = private_pem.map(|pem| kek.seal(kid, pem));
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            "INSERT INTO signing_keys (kid, public_key, private_key, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        }
        AnyConnection::Sqlite(_) => {
            "INSERT OR IGNORE INTO signing_keys (kid, public_key, private_key, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5)"
        }
    };
    let n = diesel::sql_query(sql)
        .bind::<Text, _>(kid)
        .bind::<Text, _>(public_pem)
        .bind::<Nullable<Text>, _>(sealed)
        .bind::<PTimestamptz, _>(DbTime(now))
        .bind::<PTimestamptz, _>(DbTime(activated_at))
        .execute(conn)?;
    Ok(n == 1)
}

/// Serialises key creation across instances and commands (PostgreSQL: an advisory lock held
/// to the end of the transaction; SQLite: the write transaction is the lock already).
fn lock_keys(conn: &mut AnyConnection) -> Result<(), diesel::result::Error> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({KEY_LOCK})")).execute(conn)?;
    }
    Ok(())
}

/// What an empty table is seeded with: the key files of a deployment that kept its keys in
/// files until now, so that what they signed keeps verifying.
#[derive(Debug, Default)]
pub struct Seed {
    /// PKCS#8 PEM of the key that signed until now.
    pub signing_pem: Option<Vec<u8>>,
    /// PEMs (private or public) of keys that still verify.
    pub previous_pems: Vec<Vec<u8>>,
}

/// Makes sure the table holds a signing key: on an empty table (or one whose keys are all
/// retired) creates one, from `seed` or new, under the lock. Returns the kids created.
pub fn ensure_signing_key(
    conn: &mut AnyConnection,
    kek: &Kek,
    seed: &Seed,
    now: DateTime<Utc>,
) -> Result<Vec<String>, KeyStoreError> {
    crate::db::immediate_transaction(conn, |conn| {
        lock_keys(conn)?;
        let rows = all_keys(conn)?;
        if rows.iter().any(|r| r.retired_at.is_none() && r.private_key.is_some()) {
            return Ok(Vec::new());
        }
        let mut created = Vec::new();
        // Previous keys first, so the signing key is the latest activated.
        let earlier = now - chrono::TimeDelta::seconds(1);
        for pem in &seed.previous_pems {
            let (private, public) = match keys::private_key_from_pem(pem) {
                Ok((_, public)) => (Some(pem.as_slice()), public),
                Err(_) => (
                    None,
                    keys::public_key_from_pem(pem)
                        .map_err(|e| KeyStoreError::Refused(format!("a previous key file: {e}")))?,
                ),
            };
            let public_pem = keys::public_pem_of(&public).map_err(KeyStoreError::Refused)?;
            if insert_key(conn, kek, private, &public_pem, &public.kid, earlier, now)? {
                created.push(public.kid);
            }
        }
        let generated;
        let pem: &[u8] = match &seed.signing_pem {
            Some(pem) => pem,
            None => {
                generated = keys::generate_private_key_pem();
                generated.as_bytes()
            }
        };
        let (_, public) = keys::private_key_from_pem(pem).map_err(KeyStoreError::Refused)?;
        let public_pem = keys::public_pem_of(&public).map_err(KeyStoreError::Refused)?;
        if !insert_key(conn, kek, Some(pem), &public_pem, &public.kid, now, now)? {
            // The same key was there, retired or verify-only: bring it back as the signing key.
            diesel::sql_query(
                "UPDATE signing_keys SET private_key = $2, retired_at = NULL, activated_at = $3 WHERE kid = $1",
            )
            .bind::<Text, _>(&public.kid)
            .bind::<Text, _>(kek.seal(&public.kid, pem))
            .bind::<PTimestamptz, _>(DbTime(now))
            .execute(conn)?;
        }
        created.push(public.kid);
        Ok(created)
    })
}

/// `rogatory keys rotate`: a new key, the signing key from `activates_at` on.
pub fn rotate(
    conn: &mut AnyConnection,
    kek: &Kek,
    activates_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<KeyInfo, KeyStoreError> {
    crate::db::immediate_transaction(conn, |conn| {
        lock_keys(conn)?;
        // Every key the table holds must open with this KEK: a rotation under another one would
        // leave instances that cannot agree.
        let rows = all_keys(conn)?;
        for row in rows.iter().filter(|r| r.retired_at.is_none()) {
            if let Some(sealed) = &row.private_key {
                kek.open(&row.kid, sealed).map_err(|reason| KeyStoreError::Key { kid: row.kid.clone(), reason })?;
            }
        }
        let pem = keys::generate_private_key_pem();
        let (_, public) = keys::private_key_from_pem(pem.as_bytes()).map_err(KeyStoreError::Refused)?;
        let public_pem = keys::public_pem_of(&public).map_err(KeyStoreError::Refused)?;
        insert_key(conn, kek, Some(pem.as_bytes()), &public_pem, &public.kid, activates_at, now)?;
        Ok(KeyInfo {
            kid: public.kid,
            created_at: now,
            activated_at: activates_at,
            retired_at: None,
            can_sign: true,
            state: if activates_at > now { "pending" } else { "signing" },
        })
    })
}

/// `rogatory keys retire <kid>`: the key verifies nothing from now on. The key that signs now
/// cannot be retired (rotate first, and wait for the new key's activation).
pub fn retire(conn: &mut AnyConnection, kid: &str, now: DateTime<Utc>) -> Result<KeyInfo, KeyStoreError> {
    crate::db::immediate_transaction(conn, |conn| {
        lock_keys(conn)?;
        let rows = all_keys(conn)?;
        let row = rows
            .iter()
            .find(|r| r.kid == kid)
            .ok_or_else(|| KeyStoreError::Refused(format!("no signing key {kid} in the database")))?;
        if row.retired_at.is_some() {
            return Ok(info(&rows, row, now));
        }
        if signing_kid(&rows, now) == Some(kid) {
            return Err(KeyStoreError::Refused(format!(
                "{kid} is the key that signs now: run `rogatory keys rotate` and wait for the new key's activation first"
            )));
        }
        diesel::sql_query("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1")
            .bind::<Text, _>(kid)
            .bind::<PTimestamptz, _>(DbTime(now))
            .execute(conn)?;
        let rows = all_keys(conn)?;
        let row = rows.iter().find(|r| r.kid == kid).expect("just updated");
        Ok(info(&rows, row, now))
    })
}

fn info(rows: &[StoredKey], row: &StoredKey, now: DateTime<Utc>) -> KeyInfo {
    let state = if row.retired_at.is_some() {
        "retired"
    } else if signing_kid(rows, now) == Some(row.kid.as_str()) {
        "signing"
    } else if row.activated_at.0 > now {
        "pending"
    } else {
        "verifying"
    };
    KeyInfo {
        kid: row.kid.clone(),
        created_at: row.created_at.0,
        activated_at: row.activated_at.0,
        retired_at: row.retired_at.as_ref().map(|t| t.0),
        can_sign: row.private_key.is_some(),
        state,
    }
}

/// `rogatory keys list`.
pub fn list(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Vec<KeyInfo>, KeyStoreError> {
    let rows = all_keys(conn)?;
    Ok(rows.iter().map(|r| info(&rows, r, now)).collect())
}

/// Kids of keys the table holds that are not retired (file mode refuses a database that has any).
pub fn live_kids(conn: &mut AnyConnection) -> Result<Vec<String>, diesel::result::Error> {
    Ok(all_keys(conn)?.into_iter().filter(|r| r.retired_at.is_none()).map(|r| r.kid).collect())
}

/// What an instance does at start: the signing key made if the database has none, then the
/// ring as it stands. The clock is read for each step. Another instance may create the key
/// while this one waits for the keys' lock, stamped with that instance's clock, read after this
/// one's first reading: a ring loaded at the first reading would find no key active yet and
/// the instance would not start (seen with four instances starting at once on a loaded
/// machine).
pub fn ensure_and_load(
    conn: &mut AnyConnection,
    kek: &Kek,
    seed: &Seed,
    now: &dyn Fn() -> DateTime<Utc>,
) -> Result<StartedKeys, StartFailure> {
    let created = ensure_signing_key(conn, kek, seed, now()).map_err(StartFailure::Making)?;
    let (ring, next_activation) = load_ring(conn, kek, now()).map_err(StartFailure::Loading)?;
    Ok(StartedKeys { created, ring, next_activation })
}

/// What `ensure_and_load` found: the kids it created (none when another instance had), the
/// ring, and the next pending activation.
pub struct StartedKeys {
    pub created: Vec<String>,
    pub ring: KeyRing,
    pub next_activation: Option<DateTime<Utc>>,
}

/// Which step of `ensure_and_load` failed.
#[derive(Debug)]
pub enum StartFailure {
    /// Making the signing key (a key file refused, the database).
    Making(KeyStoreError),
    /// Loading the ring (most often: the wrong key-encryption key).
    Loading(KeyStoreError),
}

/// Loads the ring from the database at start-up (after `ensure_signing_key`).
pub fn load_ring(
    conn: &mut AnyConnection,
    kek: &Kek,
    now: DateTime<Utc>,
) -> Result<(KeyRing, Option<DateTime<Utc>>), KeyStoreError> {
    let rows = all_keys(conn)?;
    ring_from_rows(&rows, kek, now)
}

/// An instance's link to the shared keys: when to reload them, and how.
#[derive(Debug)]
pub struct KeyStore {
    kek: Kek,
    poll: Duration,
    /// When the ring was last loaded, and the next pending activation.
    schedule: Mutex<(Instant, Option<DateTime<Utc>>)>,
    last_unknown_kid: Mutex<Option<Instant>>,
    busy: AtomicBool,
}

impl KeyStore {
    pub fn new(kek: Kek, poll: Duration, next_activation: Option<DateTime<Utc>>) -> KeyStore {
        KeyStore {
            kek,
            poll,
            schedule: Mutex::new((Instant::now(), next_activation)),
            last_unknown_kid: Mutex::new(None),
            busy: AtomicBool::new(false),
        }
    }

    pub fn poll_interval(&self) -> Duration {
        self.poll
    }

    fn due(&self) -> bool {
        let (at, next) = *self.schedule.lock().unwrap_or_else(|p| p.into_inner());
        at.elapsed() >= self.poll || next.is_some_and(|n| n <= Utc::now())
    }

    /// Reloads the keys when the poll interval has passed or a pending key's time has come;
    /// one reload at a time per instance, the others go on with the ring they have.
    pub async fn refresh_if_due(&self, db: &Db, keys: &SharedKeys) {
        if self.due() {
            self.refresh(db, keys).await;
        }
    }

    /// A token named a kid this instance does not know: reload (at most once a second), and
    /// answer whether the ring changed.
    pub async fn refresh_for_unknown_kid(&self, db: &Db, keys: &SharedKeys) -> bool {
        {
            let mut last = self.last_unknown_kid.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|at| at.elapsed() < UNKNOWN_KID_RELOAD) {
                return false;
            }
            *last = Some(Instant::now());
        }
        self.refresh(db, keys).await
    }

    async fn refresh(&self, db: &Db, keys: &SharedKeys) -> bool {
        if self.busy.swap(true, Ordering::AcqRel) {
            return false;
        }
        let kek = self.kek.clone();
        let loaded = db
            .run(move |conn| -> Result<_, KeyStoreError> {
                let rows = all_keys(conn)?;
                ring_from_rows(&rows, &kek, Utc::now())
            })
            .await;
        let changed = match loaded {
            Ok((ring, next)) => {
                *self.schedule.lock().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), next);
                let changed = keys.replace_if_changed(ring);
                if changed {
                    tracing::info!(signing_kid = %keys.signing.kid, keys = keys.verification.len(), "signing keys reloaded");
                }
                changed
            }
            Err(error) => {
                // Keep the keys in hand; try again at the next poll.
                self.schedule.lock().unwrap_or_else(|p| p.into_inner()).0 = Instant::now();
                tracing::error!(error = %error, "cannot reload the signing keys from the database; keeping the current ones");
                false
            }
        };
        self.busy.store(false, Ordering::Release);
        changed
    }
}

impl From<crate::db::DbError> for KeyStoreError {
    fn from(error: crate::db::DbError) -> Self {
        KeyStoreError::Refused(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_kek_and_row() {
        let kek = Kek::parse(&STANDARD.encode([7u8; 32])).unwrap();
        let sealed = kek.seal("kid-a", b"secret pem");
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert_eq!(kek.open("kid-a", &sealed).unwrap(), b"secret pem");
        assert!(kek.open("kid-b", &sealed).is_err(), "another row's kid");
        let other = Kek::parse(&STANDARD.encode([8u8; 32])).unwrap();
        assert!(other.open("kid-a", &sealed).unwrap_err().contains("ROGATORY_KEY_ENCRYPTION_KEY"));
        assert_ne!(kek.seal("kid-a", b"secret pem"), sealed, "a fresh nonce each time");
    }

    #[test]
    fn a_kek_is_32_bytes_of_base64() {
        assert!(Kek::parse("not base64!").unwrap_err().contains("base64"));
        assert!(Kek::parse(&STANDARD.encode([1u8; 16])).unwrap_err().contains("16 bytes"));
        assert!(Kek::parse(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([1u8; 32])).is_ok());
        assert_eq!(format!("{:?}", Kek::parse(&STANDARD.encode([1u8; 32])).unwrap()), "Kek(***)");
    }
}
