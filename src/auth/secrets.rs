//! Client credentials: a public `client_id` and a secret shown once, stored only as an
//! argon2id hash (PHC string).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};

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

pub fn hash_secret(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(secret.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Checks a secret against a stored hash. With no hash (unknown client, or a client without a
/// secret), a dummy hash is checked anyway so that timing does not reveal which client ids exist.
pub fn verify_secret(secret: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_secret("rogatory-dummy-secret").unwrap_or_default());
    let hash = stored.unwrap_or(dummy);
    let matches = PasswordHash::new(hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok());
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_hash_and_verify() {
        let secret = new_client_secret();
        assert!(secret.starts_with("rgs_") && secret.len() > 40);
        let hash = hash_secret(&secret).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(&secret));
        assert!(verify_secret(&secret, Some(&hash)));
        assert!(!verify_secret("rgs_wrong", Some(&hash)));
        assert!(!verify_secret(&secret, None));
        assert!(!verify_secret(&secret, Some("not a hash")));
        assert_ne!(new_client_id(), new_client_id());
    }
}
