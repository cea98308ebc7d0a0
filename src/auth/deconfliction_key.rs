//! The key of deconfliction's target hashes (issue 18): targets are stored only as
//! HMAC-SHA256 under it. From `ROGATORY_DECONFLICTION_KEY`, or a file in the data directory
//! generated once, outside the database like the token signing key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// The least key length, in bytes (the output size of SHA-256).
pub const MIN_KEY_BYTES: usize = 32;

/// The exchange's deconfliction key: targets are stored only as HMAC-SHA256 under it.
#[derive(Clone)]
pub struct DeconflictionKey(Vec<u8>);

impl std::fmt::Debug for DeconflictionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeconflictionKey(<redacted>)")
    }
}

impl DeconflictionKey {
    /// A key from its base64 text (`ROGATORY_DECONFLICTION_KEY`, or the generated key file).
    pub fn parse(text: &str) -> Result<DeconflictionKey, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "expected base64 (e.g. the output of `openssl rand -base64 32`)".to_owned())?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!("the key has {} bytes; it needs at least {MIN_KEY_BYTES}", bytes.len()));
        }
        Ok(DeconflictionKey(bytes))
    }

    /// 32 random bytes.
    pub fn generate() -> DeconflictionKey {
        let mut bytes = vec![0u8; MIN_KEY_BYTES];
        OsRng.fill_bytes(&mut bytes);
        DeconflictionKey(bytes)
    }

    /// A key derived from another secret: HMAC-SHA256(secret, label).
    pub fn derived(secret: &[u8], label: &str) -> DeconflictionKey {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(label.as_bytes());
        DeconflictionKey(mac.finalize().into_bytes().to_vec())
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// HMAC-SHA256 of `canonical` under the key, hex.
    pub fn hash(&self, canonical: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(canonical.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key persisted at `path` (base64 text), generated there with mode 0600 when missing, as
/// the token signing key is: outside the database, so that a dump of it holds hashes but not
/// their key. Answers whether it was generated.
pub fn load_or_generate(path: &std::path::Path) -> Result<(DeconflictionKey, bool), String> {
    let generated = if path.exists() {
        false
    } else {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = format!("{}\n", DeconflictionKey::generate().to_base64());
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        true
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = DeconflictionKey::parse(&text).map_err(|why| format!("{}: {why}", path.display()))?;
    Ok((key, generated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_base64_of_at_least_32_bytes_and_never_printed() {
        let key = DeconflictionKey::generate();
        let again = DeconflictionKey::parse(&key.to_base64()).unwrap();
        assert_eq!(key.hash("x"), again.hash("x"));
        assert!(DeconflictionKey::parse("c2hvcnQ=").unwrap_err().contains("at least 32"));
        assert!(DeconflictionKey::parse("not base64!").unwrap_err().contains("base64"));
        assert_eq!(format!("{key:?}"), "DeconflictionKey(<redacted>)");
    }

    #[test]
    fn a_derived_key_is_the_same_wherever_the_secret_is() {
        let secret = [7u8; 32];
        let a = DeconflictionKey::derived(&secret, "rogatory deconfliction key v1");
        let b = DeconflictionKey::derived(&secret, "rogatory deconfliction key v1");
        assert_eq!(a.hash("phone"), b.hash("phone"));
        assert_ne!(a.hash("phone"), DeconflictionKey::derived(&secret, "another use").hash("phone"));
        assert_ne!(
            a.hash("phone"),
            DeconflictionKey::derived(&[8u8; 32], "rogatory deconfliction key v1").hash("phone")
        );
    }
}
