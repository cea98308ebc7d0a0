//! Client credentials: a public `client_id` and a secret shown once.
//!
//! The exchange generates every secret itself with 256 bits of entropy, so nobody can guess it
//! and a slow password hash buys nothing: a secret is stored as its SHA-256 (`$sha256$` and the
//! digest in unpadded base64) and checked in constant time, as API-key services do. A slow
//! hash only cost memory (argon2id: 19 MiB per check) and a database connection per check.
//!
//! Releases before that stored argon2id PHC strings (`$argon2id$…`). Those still verify, on a
//! small pool of their own (`LegacyVerifier`: one thread, a bounded queue, one reused block
//! of memory), never on the database's threads, and the token endpoint replaces them with the
//! SHA-256 form on the client's first success.

use std::sync::OnceLock;
use std::sync::mpsc::{self, SyncSender, TrySendError};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// The prefix of a stored SHA-256 secret hash.
pub const SHA256_PREFIX: &str = "$sha256$";

/// Longest secret that is hashed at all; ours have 47 characters.
const MAX_SECRET_LEN: usize = 1024;

fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A new public client identifier, e.g. `rgc_3q2J…`.
pub fn new_client_id() -> String {
    format!("rgc_{}", random_token(15))
}

/// Whether `id` could be a client id the exchange issued (`rgc_` and URL-safe base64); other
/// ids are not looked up nor kept whole anywhere.
pub fn is_plausible_client_id(id: &str) -> bool {
    (5..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A new client secret with 256 bits of entropy, e.g. `rgs_…`.
pub fn new_client_secret() -> String {
    format!("rgs_{}", random_token(32))
}

fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The stored form of a new secret: `$sha256$<base64 of its SHA-256>`.
pub fn hash_secret(secret: &str) -> String {
    format!("{SHA256_PREFIX}{}", STANDARD_NO_PAD.encode(sha256(secret)))
}

/// What a stored secret hash is.
#[derive(Debug, PartialEq, Eq)]
pub enum StoredSecret<'a> {
    Sha256([u8; 32]),
    /// An argon2 PHC string of an earlier release.
    Argon2(&'a str),
    /// Nothing that can match (malformed, or another scheme).
    Unusable,
}

impl<'a> StoredSecret<'a> {
    pub fn parse(stored: &'a str) -> StoredSecret<'a> {
        if let Some(encoded) = stored.strip_prefix(SHA256_PREFIX) {
            return STANDARD_NO_PAD
                .decode(encoded)
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .map_or(StoredSecret::Unusable, StoredSecret::Sha256);
        }
        if stored.starts_with("$argon2") {
            return StoredSecret::Argon2(stored);
        }
        StoredSecret::Unusable
    }
}

/// Equality whose time depends only on the length, not on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// Checks a secret against a stored SHA-256 digest, in constant time. `None` (an unknown
/// client, or one without a secret) does the same work and fails.
pub fn verify_sha256(secret: &str, digest: Option<&[u8; 32]>) -> bool {
    let candidate = sha256(if secret.len() <= MAX_SECRET_LEN { secret } else { "" });
    let matches = constant_time_eq(&candidate, digest.unwrap_or(&[0; 32]));
    matches && digest.is_some() && secret.len() <= MAX_SECRET_LEN
}

/// Largest argon2 memory cost verified (KiB); the default is 19 456.
const MAX_ARGON2_KIB: u32 = 64 * 1024;

/// Checks a secret against an argon2 PHC string, computing into `memory` (kept by the caller
/// and reused, so repeated checks do not allocate 19 MiB each).
pub fn verify_argon2(secret: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    secret.len() <= MAX_SECRET_LEN && argon2_matches(secret, phc, memory).unwrap_or(false)
}

fn argon2_matches(secret: &str, phc: &str, memory: &mut Vec<Block>) -> Option<bool> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed.version.map_or(Some(Version::default()), |v| Version::try_from(v).ok())?;
    let params = Params::try_from(&parsed).ok()?;
    if params.m_cost() > MAX_ARGON2_KIB {
        return None;
    }
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(secret.as_bytes(), salt, &mut output, &mut memory[..blocks])
        .ok()?;
    Some(constant_time_eq(&output, expected.as_bytes()))
}

/// Runs the calling thread at the lowest priority (nice 19), so that argon2 checks use only
/// CPU time that serving requests leaves. Linux only: elsewhere nothing changes.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls without pointers; on Linux `setpriority(PRIO_PROCESS, tid)`
    // sets the priority of that one thread.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

/// The legacy verification pool is full: the caller should come back shortly.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

type Job = (String, String, tokio::sync::oneshot::Sender<bool>);

/// Verifies argon2 hashes of earlier releases on one dedicated thread with a bounded queue:
/// at most `QUEUE` checks wait, one runs, in one reused 19 MiB block. Started on first use.
#[derive(Debug, Default)]
pub struct LegacyVerifier {
    queue: OnceLock<SyncSender<Job>>,
}

impl LegacyVerifier {
    /// Checks that may wait for the thread; more are answered `Busy`.
    pub const QUEUE: usize = 32;

    fn sender(&self) -> &SyncSender<Job> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::sync_channel::<Job>(Self::QUEUE);
            std::thread::Builder::new()
                .name("rogatory-argon2".into())
                .spawn(move || {
                    lower_this_threads_priority();
                    let mut memory = Vec::new();
                    // Ends when the verifier (its sender) is dropped.
                    while let Ok((secret, phc, answer)) = receiver.recv() {
                        // A caller that went away wants no answer: skip the work.
                        if answer.is_closed() {
                            continue;
                        }
                        let _ = answer.send(verify_argon2(&secret, &phc, &mut memory));
                    }
                })
                .expect("start the argon2 verification thread");
            sender
        })
    }

    pub async fn verify(&self, secret: &str, phc: &str) -> Result<bool, Busy> {
        let (answer, verdict) = tokio::sync::oneshot::channel();
        match self.sender().try_send((secret.to_owned(), phc.to_owned(), answer)) {
            Ok(()) => Ok(verdict.await.unwrap_or(false)),
            Err(TrySendError::Full(_)) => Err(Busy),
            Err(TrySendError::Disconnected(_)) => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, SaltString};

    use super::*;

    #[test]
    fn secrets_hash_and_verify() {
        let secret = new_client_secret();
        assert!(secret.starts_with("rgs_") && secret.len() > 40);
        let hash = hash_secret(&secret);
        assert!(hash.starts_with("$sha256$"), "{hash}");
        assert!(!hash.contains(&secret));
        let StoredSecret::Sha256(digest) = StoredSecret::parse(&hash) else { panic!("{hash}") };
        assert!(verify_sha256(&secret, Some(&digest)));
        assert!(!verify_sha256("rgs_wrong", Some(&digest)));
        assert!(!verify_sha256(&secret, None));
        assert_eq!(StoredSecret::parse("not a hash"), StoredSecret::Unusable);
        assert_eq!(StoredSecret::parse("$sha256$short"), StoredSecret::Unusable);
        assert_ne!(new_client_id(), new_client_id());
        assert!(is_plausible_client_id(&new_client_id()));
        assert!(!is_plausible_client_id("rgc_x\n") && !is_plausible_client_id(&"a".repeat(65)));
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    fn argon2_phc(secret: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(secret.as_bytes(), &salt).unwrap().to_string()
    }

    #[test]
    fn argon2_hashes_of_earlier_releases_verify_in_reused_memory() {
        let phc = argon2_phc("rgs_old");
        assert!(matches!(StoredSecret::parse(&phc), StoredSecret::Argon2(_)));
        let mut memory = Vec::new();
        assert!(verify_argon2("rgs_old", &phc, &mut memory));
        let allocated = memory.len();
        assert_eq!(allocated, 19 * 1024, "one block per KiB of the default m_cost");
        assert!(!verify_argon2("rgs_new", &phc, &mut memory));
        assert_eq!(memory.len(), allocated, "reused, not grown");
        assert!(!verify_argon2("rgs_old", "$argon2id$v=19$m=19456,t=2,p=1$broken", &mut memory));
    }

    #[actix_web::test]
    async fn the_legacy_pool_answers_and_refuses_beyond_its_queue() {
        let verifier = LegacyVerifier::default();
        let phc = argon2_phc("rgs_old");
        assert_eq!(verifier.verify("rgs_old", &phc).await, Ok(true));
        assert_eq!(verifier.verify("rgs_wrong", &phc).await, Ok(false));
        let many =
            futures_util::future::join_all((0..LegacyVerifier::QUEUE + 20).map(|_| verifier.verify("x", &phc))).await;
        assert!(many.contains(&Err(Busy)), "a full queue answers Busy");
        assert!(many.iter().filter(|v| **v == Ok(false)).count() >= LegacyVerifier::QUEUE);
    }
}
