//! Access tokens: JWTs signed with the exchange's Ed25519 key (`EdDSA`), and tokens from
//! configured external issuers (a national identity provider). Verification pins the
//! algorithm per issuer (no `alg: none`, no HS256 with a public key as secret), requires
//! `iss`, `aud`, `sub`, `exp`, `nbf`, `iat`, and checks times against the injected clock.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::SharedKeys;
use super::roles::Role;

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 30;

/// The claims of the exchange's access tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The API client's `client_id`.
    pub sub: String,
    /// The party the client acts for.
    pub party: Uuid,
    pub roles: Vec<Role>,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

/// Claims read from an external issuer's token: only who it is.
#[derive(Debug, Deserialize)]
struct ExternalClaims {
    sub: String,
    exp: i64,
    nbf: Option<i64>,
}

/// A configured external issuer (e.g. a national identity provider).
#[derive(Clone)]
pub struct ExternalIssuer {
    pub issuer: String,
    pub audience: String,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

impl std::fmt::Debug for ExternalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalIssuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalIssuerFile {
    issuer: String,
    audience: String,
    /// `EdDSA`, `RS256`, `PS256` or `ES256`.
    algorithm: String,
    /// PEM public key; a relative path is read from the configuration file's folder.
    public_key_file: PathBuf,
}

/// Reads the JSON list of external issuers named by `ROGATORY_EXTERNAL_ISSUERS_FILE`.
pub fn load_external_issuers(path: &Path) -> Result<Vec<ExternalIssuer>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let entries: Vec<ExternalIssuerFile> =
        serde_json::from_str(&text).map_err(|e| format!("{}: expected a JSON list of issuers: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    entries
        .into_iter()
        .map(|entry| {
            let key_path = base.join(&entry.public_key_file);
            let pem = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
            let (algorithm, key) = match entry.algorithm.as_str() {
                "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(&pem)),
                "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)),
                "PS256" => (Algorithm::PS256, DecodingKey::from_rsa_pem(&pem)),
                "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(&pem)),
                other => return Err(format!("issuer {}: unsupported algorithm {other:?}", entry.issuer)),
            };
            let key = key.map_err(|e| format!("{}: not a {} public key: {e}", key_path.display(), entry.algorithm))?;
            Ok(ExternalIssuer { issuer: entry.issuer, audience: entry.audience, algorithm, key })
        })
        .collect()
}

/// Who a verified token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSubject {
    /// One of our clients, by `client_id`.
    Client(String),
    /// A subject of an external issuer, mapped to a client by (issuer, subject).
    External { issuer: String, subject: String },
}

/// Why a token was refused; the text goes into `WWW-Authenticate` and the problem detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token was signed by an unknown key")]
    UnknownKey,
    #[error("the token's issuer is not trusted")]
    UnknownIssuer,
    #[error("the token's signature or claims are not valid")]
    Invalid,
    #[error("the token is not for this audience")]
    Audience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// Issues and verifies tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The exchange's keys; replaced in place when the keys in the database change.
    pub keys: SharedKeys,
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: i64,
    pub external: Vec<ExternalIssuer>,
}

#[derive(Debug, Deserialize)]
struct UnverifiedIssuer {
    iss: Option<String>,
}

/// A compact JWS of `claims`, as `jsonwebtoken::encode` builds it (the JSON of the header and
/// of the claims), signed with the key parsed once (`encode` parses it again for every token).
fn signed(key: &super::keys::SigningKey, header: &Header, claims: &impl Serialize) -> Result<String, String> {
    let header = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let claims = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
    Ok(key.compact_jws(&header, &claims))
}

impl Tokens {
    /// A signed access token for a client, valid from `now` for the configured lifetime.
    pub fn issue(&self, client_id: &str, party: Uuid, roles: &[Role], now: DateTime<Utc>) -> Result<String, String> {
        let iat = now.timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client_id.to_owned(),
            party,
            roles: roles.to_vec(),
            exp: iat + self.ttl_secs,
            iat,
            nbf: iat,
            jti: Uuid::now_v7().to_string(),
        };
        // One ring for the kid and the key, even while the keys are being replaced.
        let keys = self.keys.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.signing.kid.clone());
        signed(&keys.signing, &header, &claims)
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenSubject, TokenError> {
        // The header is read before any key is chosen; its `alg` must match the issuer's.
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
            _ => TokenError::Malformed,
        })?;
        let issuer = unverified_issuer(token)?;
        if issuer == self.issuer {
            if header.alg != Algorithm::EdDSA {
                return Err(TokenError::Algorithm);
            }
            let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
            let key = self.keys.find(kid).ok_or(TokenError::UnknownKey)?;
            let data = jsonwebtoken::decode::<Claims>(
                token,
                &key.decoding,
                &validation(Algorithm::EdDSA, &self.issuer, &self.audience),
            )
            .map_err(map_error)?;
            check_times(data.claims.exp, Some(data.claims.nbf), now)?;
            return Ok(TokenSubject::Client(data.claims.sub));
        }
        let external = self.external.iter().find(|e| e.issuer == issuer).ok_or(TokenError::UnknownIssuer)?;
        if header.alg != external.algorithm {
            return Err(TokenError::Algorithm);
        }
        let data = jsonwebtoken::decode::<ExternalClaims>(
            token,
            &external.key,
            &validation(external.algorithm, &external.issuer, &external.audience),
        )
        .map_err(map_error)?;
        check_times(data.claims.exp, data.claims.nbf, now)?;
        Ok(TokenSubject::External { issuer: external.issuer.clone(), subject: data.claims.sub })
    }
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.required_spec_claims = HashSet::from(["exp", "iss", "aud", "sub"].map(String::from));
    // Times are checked against the application's clock (`check_times`), not the system's.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation
}

fn check_times(exp: i64, nbf: Option<i64>, now: DateTime<Utc>) -> Result<(), TokenError> {
    let now = now.timestamp();
    if exp + LEEWAY_SECS <= now {
        return Err(TokenError::Expired);
    }
    if nbf.is_some_and(|nbf| nbf - LEEWAY_SECS > now) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

/// The `iss` claim before verification, only to pick the issuer's key and algorithm.
fn unverified_issuer(token: &str) -> Result<String, TokenError> {
    use base64::Engine;
    let payload = token.split('.').nth(1).ok_or(TokenError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    let claims: UnverifiedIssuer = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    claims.iss.ok_or(TokenError::UnknownIssuer)
}

fn map_error(error: jsonwebtoken::errors::Error) -> TokenError {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidAudience => TokenError::Audience,
        ErrorKind::InvalidIssuer => TokenError::UnknownIssuer,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed
        }
        _ => TokenError::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::KeyRing;

    fn tokens() -> Tokens {
        let dir = std::env::temp_dir().join(format!("rogatory-tok-{}", uuid::Uuid::new_v4()));
        let (keys, _) = KeyRing::load(None, &dir.join("k.pem"), &[]).unwrap();
        std::fs::remove_dir_all(dir).ok();
        Tokens {
            keys: SharedKeys::new(keys),
            issuer: "https://rogatory.test".into(),
            audience: "rogatory".into(),
            ttl_secs: 900,
            external: vec![],
        }
    }

    #[test]
    fn tokens_are_signed_as_jsonwebtoken_signs_them() {
        let t = tokens();
        let keys = t.keys.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.signing.kid.clone());
        let claims = Claims {
            iss: t.issuer.clone(),
            aud: t.audience.clone(),
            sub: "rgc_abc".into(),
            party: Uuid::now_v7(),
            roles: vec![Role::Operator],
            exp: 1_800_000_900,
            iat: 1_800_000_000,
            nbf: 1_800_000_000,
            jti: Uuid::now_v7().to_string(),
        };
        // Ed25519 is deterministic: the same token, byte for byte.
        assert_eq!(
            signed(&keys.signing, &header, &claims).unwrap(),
            jsonwebtoken::encode(&header, &claims, &keys.signing.encoding).unwrap()
        );
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let t = tokens();
        let now = Utc::now();
        let token = t.issue("rgc_abc", Uuid::now_v7(), &[Role::Operator], now).unwrap();
        assert_eq!(t.verify(&token, now), Ok(TokenSubject::Client("rgc_abc".into())));
        assert_eq!(t.verify(&token, now + chrono::TimeDelta::seconds(899)), Ok(TokenSubject::Client("rgc_abc".into())));
        assert_eq!(t.verify(&token, now + chrono::TimeDelta::seconds(900 + LEEWAY_SECS)), Err(TokenError::Expired));
        assert_eq!(t.verify(&token, now - chrono::TimeDelta::seconds(LEEWAY_SECS + 1)), Err(TokenError::NotYetValid));
    }

    #[test]
    fn another_audience_or_garbage_is_refused() {
        let t = tokens();
        let now = Utc::now();
        let mut other = t.clone();
        other.audience = "someone-else".into();
        let token = other.issue("rgc_abc", Uuid::now_v7(), &[], now).unwrap();
        assert_eq!(t.verify(&token, now), Err(TokenError::Audience));
        assert_eq!(t.verify("abc", now), Err(TokenError::Malformed));
        assert_eq!(t.verify("a.b.c", now), Err(TokenError::Malformed));
    }
}
