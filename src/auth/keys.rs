//! Token signing keys: one Ed25519 key signs, every configured key verifies (rotation), and
//! all of them are published as a JWKS. Keys are PKCS#8 PEM files; the embedded default
//! generates one into the data directory on first start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand_core::{OsRng, RngCore};

/// DER prefix of a PKCS#8 v1 Ed25519 private key (RFC 8410 §7); the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> KeyError {
    KeyError::File { path: path.display().to_string(), reason: reason.to_string() }
}

/// A key that verifies tokens, with its public JWK (carrying its `kid`).
#[derive(Clone)]
pub struct VerificationKey {
    pub kid: String,
    pub decoding: DecodingKey,
    pub jwk: Jwk,
}

#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    /// The same key, parsed once: `jsonwebtoken::crypto::sign` parses the PKCS#8 DER and derives
    /// the public half (a scalar multiplication, as costly as the signature) at every call, and
    /// the exchange signs two or three documents per change, inside the write transaction.
    signer: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// The Ed25519 signature of `message`, base64url without padding (a JWS signature).
    pub fn sign(&self, message: &[u8]) -> String {
        use ed25519_dalek::Signer;
        URL_SAFE_NO_PAD.encode(self.signer.sign(message).to_bytes())
    }

    /// A compact JWS of these header and payload bytes (their base64url, then the signature of
    /// both): what the exchange's documents and access tokens are.
    pub fn compact_jws(&self, header: &[u8], payload: &[u8]) -> String {
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let signature = self.sign(input.as_bytes());
        format!("{input}.{signature}")
    }
}

/// The exchange's keys.
#[derive(Clone)]
pub struct KeyRing {
    pub signing: SigningKey,
    pub verification: Vec<VerificationKey>,
    /// The key of deconfliction's target hashes (issue 18). `load` gives a random one and the
    /// key store one derived from the key-encryption key; `AppState::init` settles it
    /// (`state::deconfliction_key`), and a reloaded ring keeps it.
    pub deconfliction: super::deconfliction_key::DeconflictionKey,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.verification.iter().map(|k| k.kid.as_str()).collect();
        f.debug_struct("KeyRing").field("signing_kid", &self.signing.kid).field("verification_kids", &kids).finish()
    }
}

impl KeyRing {
    /// Loads the signing key (generating it at `default_path` when no file is configured and
    /// none exists yet) and the previous keys that still verify.
    pub fn load(
        configured: Option<&Path>,
        default_path: &Path,
        previous: &[PathBuf],
    ) -> Result<(KeyRing, Option<PathBuf>), KeyError> {
        let mut generated = None;
        let signing_path = match configured {
            Some(path) => path.to_path_buf(),
            None => {
                if !default_path.exists() {
                    write_new_key(default_path)?;
                    generated = Some(default_path.to_path_buf());
                }
                default_path.to_path_buf()
            }
        };
        let pem = std::fs::read(&signing_path).map_err(|e| file_error(&signing_path, e))?;
        let (signing, signing_public) = private_key(&pem).map_err(|e| file_error(&signing_path, e))?;
        let mut verification = vec![signing_public];
        for path in previous {
            let pem = std::fs::read(path).map_err(|e| file_error(path, e))?;
            let key = match private_key(&pem) {
                Ok((_, public)) => public,
                Err(_) => public_key(&pem).map_err(|e| file_error(path, e))?,
            };
            if !verification.iter().any(|k| k.kid == key.kid) {
                verification.push(key);
            }
        }
        let deconfliction = super::deconfliction_key::DeconflictionKey::generate();
        Ok((KeyRing { signing, verification, deconfliction }, generated))
    }

    pub fn find(&self, kid: &str) -> Option<&VerificationKey> {
        self.verification.iter().find(|k| k.kid == kid)
    }

    pub fn jwks(&self) -> JwkSet {
        JwkSet { keys: self.verification.iter().map(|k| k.jwk.clone()).collect() }
    }

    /// The kids that verify, the signing one first: two rings with the same are the same.
    fn kids(&self) -> Vec<&str> {
        std::iter::once(self.signing.kid.as_str()).chain(self.verification.iter().map(|k| k.kid.as_str())).collect()
    }
}

/// The key ring every worker reads, replaced when the keys in the database change (issue 17).
/// Readers get a `&'static KeyRing` under a read lock held only to copy the reference: no
/// reference count, no lock across a verification. A ring replaced is left in memory (a few
/// hundred bytes per rotation or retirement; the ring only changes then).
#[derive(Clone)]
pub struct SharedKeys(Arc<RwLock<&'static KeyRing>>);

impl SharedKeys {
    pub fn new(ring: KeyRing) -> SharedKeys {
        SharedKeys(Arc::new(RwLock::new(Box::leak(Box::new(ring)))))
    }

    /// The ring as it is now: one consistent set of keys for one signature or verification.
    pub fn current(&self) -> &'static KeyRing {
        *self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the ring when its keys differ; answers whether they did.
    pub fn replace_if_changed(&self, ring: KeyRing) -> bool {
        let mut current = self.0.write().unwrap_or_else(|p| p.into_inner());
        if current.kids() == ring.kids() {
            return false;
        }
        // The deconfliction key is not one of the stored keys: it stays what start-up chose.
        let ring = KeyRing { deconfliction: current.deconfliction.clone(), ..ring };
        *current = Box::leak(Box::new(ring));
        true
    }
}

impl std::ops::Deref for SharedKeys {
    type Target = KeyRing;

    fn deref(&self) -> &KeyRing {
        self.current()
    }
}

impl std::fmt::Debug for SharedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.current().fmt(f)
    }
}

/// Writes a new Ed25519 private key as PKCS#8 PEM, readable by the owner only.
pub fn write_new_key(path: &Path) -> Result<(), KeyError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| file_error(parent, e))?;
    }
    let pem = generate_private_key_pem();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| file_error(path, e))?;
    std::io::Write::write_all(&mut file, pem.as_bytes()).map_err(|e| file_error(path, e))
}

/// A fresh Ed25519 private key (32 random bytes are a valid seed) as PKCS#8 PEM.
pub fn generate_private_key_pem() -> String {
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    der.extend_from_slice(&seed);
    let body = STANDARD.encode(&der);
    format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4); the 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// The public half of an Ed25519 private key PEM, as SPKI PEM (to give to a verifier).
pub fn public_key_pem(private_pem: &[u8]) -> Result<String, String> {
    let (_, public) = private_key(private_pem)?;
    public_pem_of(&public)
}

/// A verification key as SPKI PEM.
pub fn public_pem_of(public: &VerificationKey) -> Result<String, String> {
    let x = match &public.jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => {
            URL_SAFE_NO_PAD.decode(&p.x).map_err(|e| e.to_string())?
        }
        _ => return Err("not an Ed25519 key".into()),
    };
    let mut der = ED25519_SPKI_PREFIX.to_vec();
    der.extend_from_slice(&x);
    Ok(format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(der)))
}

fn with_kid(mut jwk: Jwk) -> Result<(String, Jwk), String> {
    let kid = jwk.thumbprint(ThumbprintHash::SHA256).map_err(|e| format!("cannot compute the key id: {e}"))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(KeyAlgorithm::EdDSA);
    Ok((kid, jwk))
}

/// An Ed25519 private key in PKCS#8 PEM, with its public half.
pub fn private_key_from_pem(pem: &[u8]) -> Result<(SigningKey, VerificationKey), String> {
    private_key(pem)
}

/// An Ed25519 public key in SPKI PEM.
pub fn public_key_from_pem(pem: &[u8]) -> Result<VerificationKey, String> {
    public_key(pem)
}

fn private_key(pem: &[u8]) -> Result<(SigningKey, VerificationKey), String> {
    let encoding = EncodingKey::from_ed_pem(pem).map_err(|e| format!("not an Ed25519 PKCS#8 private key: {e}"))?;
    let jwk = Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|e| format!("not an Ed25519 key: {e}"))?;
    let (kid, jwk) = with_kid(jwk)?;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let signer =
        <ed25519_dalek::SigningKey as ed25519_dalek::pkcs8::DecodePrivateKey>::from_pkcs8_der(encoding.as_bytes())
            .map_err(|e| format!("not an Ed25519 PKCS#8 private key: {e}"))?;
    Ok((SigningKey { kid: kid.clone(), encoding, signer }, VerificationKey { kid, decoding, jwk }))
}

/// An Ed25519 public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
fn public_key(pem: &[u8]) -> Result<VerificationKey, String> {
    let decoding = DecodingKey::from_ed_pem(pem).map_err(|e| format!("not an Ed25519 key in PEM: {e}"))?;
    let jwk = Jwk::from_decoding_key(&decoding, Some(Algorithm::EdDSA)).map_err(|e| e.to_string())?;
    let (kid, jwk) = with_kid(jwk)?;
    Ok(VerificationKey { kid, decoding, jwk })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parsed_key_signs_as_jsonwebtoken_does() {
        let dir = std::env::temp_dir().join(format!("rogatory-keys-{}", uuid::Uuid::new_v4()));
        let (ring, _) = KeyRing::load(None, &dir.join("key.pem"), &[]).unwrap();
        let message = b"eyJhbGciOiJFZERTQSJ9.eyJzZXEiOjF9";
        // Ed25519 is deterministic: the same key gives the same signature of the same bytes.
        let by_jsonwebtoken = jsonwebtoken::crypto::sign(message, &ring.signing.encoding, Algorithm::EdDSA).unwrap();
        assert_eq!(ring.signing.sign(message), by_jsonwebtoken);
        let key = &ring.verification.iter().find(|k| k.kid == ring.signing.kid).unwrap().decoding;
        assert!(jsonwebtoken::crypto::verify(&ring.signing.sign(message), message, key, Algorithm::EdDSA).unwrap());
        assert!(!jsonwebtoken::crypto::verify(&ring.signing.sign(b"other"), message, key, Algorithm::EdDSA).unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn generated_keys_sign_and_publish() {
        let dir = std::env::temp_dir().join(format!("rogatory-keys-{}", uuid::Uuid::new_v4()));
        let path = dir.join("key.pem");
        let (ring, generated) = KeyRing::load(None, &path, &[]).unwrap();
        assert_eq!(generated.as_deref(), Some(path.as_path()));
        let (again, generated) = KeyRing::load(None, &path, &[]).unwrap();
        assert!(generated.is_none(), "an existing key is kept");
        assert_eq!(ring.signing.kid, again.signing.kid);
        let jwks = serde_json::to_value(ring.jwks()).unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        assert_eq!(jwks["keys"][0]["kid"], ring.signing.kid.as_str());
        assert!(jwks["keys"][0].get("d").is_none(), "no private part is published");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // The public PEM verifies as a previous key with the same kid.
        let public = public_key_pem(&std::fs::read(&path).unwrap()).unwrap();
        let public_path = dir.join("public.pem");
        std::fs::write(&public_path, public).unwrap();
        let other = dir.join("other.pem");
        let (rotated, _) = KeyRing::load(None, &other, &[public_path]).unwrap();
        assert_eq!(rotated.verification.len(), 2);
        assert!(rotated.find(&ring.signing.kid).is_some());
        assert_ne!(rotated.signing.kid, ring.signing.kid);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn bad_key_files_are_named() {
        let dir = std::env::temp_dir().join(format!("rogatory-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.pem");
        std::fs::write(&path, "not a key").unwrap();
        let err = KeyRing::load(Some(&path), &dir.join("x"), &[]).unwrap_err().to_string();
        assert!(err.contains("bad.pem"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
