//! HTTP of identity: the OAuth 2.0 token endpoint (client credentials), the exchange's JWKS,
//! and `GET /v1/me`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::auth::repo::{self, ClientKey};
use crate::auth::roles::Role;
use crate::auth::secrets::{self, Busy, StoredSecret};
use crate::error::ApiError;
use crate::http::problem::{PROBLEM_TYPE_BASE, Problem};
use crate::http::responses::DatabaseUnavailable;
use crate::state::AppState;
use crate::vocab::PartyStatus;

/// Form fields of a token request (RFC 6749 §4.4.2; client credentials in the form or in
/// HTTP Basic, §2.3.1).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    #[schema(example = "rgc_Xq3b8Jk2LmNpQr5s")]
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Ignored: a token carries all the client's roles.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln", "token_type": "Bearer", "expires_in": 900}))]
pub struct TokenResponse {
    /// A JWT signed with the exchange's Ed25519 key (`EdDSA`); keys at `/.well-known/jwks.json`.
    pub access_token: String,
    pub token_type: String,
    /// Seconds until the token expires. The exchange accepts a token for up to 30 seconds
    /// past its `exp` (and 30 seconds before its `nbf`), to tolerate clock skew between the
    /// client's and the exchange's clocks; request a new token before `expires_in` runs out.
    pub expires_in: i64,
}

/// An OAuth 2.0 error (RFC 6749 §5.2) that is also an RFC 9457 problem: `error` and
/// `error_description` for OAuth clients, `type`, `title`, `status`, `code` for everyone else.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "error": "invalid_client", "error_description": "client authentication failed",
    "type": "https://rogatory.dev/problems/invalid_client", "title": "OAuth 2.0 error",
    "status": 401, "code": "invalid_client"
}))]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub code: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"rogatory\""));
    }
    response.json(OAuthError {
        error: error.to_owned(),
        error_description: description.to_owned(),
        type_uri: format!("{PROBLEM_TYPE_BASE}{error}"),
        title: "OAuth 2.0 error".to_owned(),
        status: status.as_u16(),
        code: error.to_owned(),
    })
}

/// Percent-decoding of `application/x-www-form-urlencoded` user and password (RFC 6749 §2.3.1).
fn form_decode(text: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={text}")).ok()?.pop().map(|(_, v)| v)
}

fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, &'static str> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let text = value.to_str().map_err(|_| "the Authorization header is not text")?;
    let Some((scheme, encoded)) = text.split_once(' ') else { return Err("malformed Authorization header") };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("client authentication uses HTTP Basic or form fields");
    }
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| "malformed Basic credentials")?;
    let decoded = String::from_utf8(decoded).map_err(|_| "malformed Basic credentials")?;
    let (id, secret) = decoded.split_once(':').ok_or("malformed Basic credentials")?;
    let id = form_decode(id).ok_or("malformed Basic credentials")?;
    let secret = form_decode(secret).ok_or("malformed Basic credentials")?;
    Ok(Some((id, secret)))
}

/// Largest token request body: a real one has some 150 bytes.
const MAX_TOKEN_BODY: usize = 16 * 1024;

enum BodyError {
    TooLarge,
    Unreadable,
}

/// The body, up to `MAX_TOKEN_BODY` bytes: larger ones are refused as soon as that is known.
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<web::BytesMut, BodyError> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_TOKEN_BODY) {
        return Err(BodyError::TooLarge);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        if body.len() + chunk.len() > MAX_TOKEN_BODY {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

enum Outcome {
    Issued(String),
    /// `known`: the client id exists (its wrong secrets count against it).
    BadCredentials {
        known: bool,
    },
    PartyNotActive(PartyStatus),
}

/// How long a wrong secret waits for its answer once its client is over its failure limit.
const SLOWED_FAILURE_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// Get an access token
///
/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Send `grant_type=client_credentials`
/// form-encoded, with the client authenticated by HTTP Basic (`client_id:client_secret`) or by
/// the `client_id` and `client_secret` form fields. Answers an `EdDSA`-signed JWT valid for
/// 15 minutes by default. Errors use the RFC's JSON shape (`error`, `error_description`).
/// Repeated failures from one address, for one client or for any, are refused with 429 and
/// `Retry-After`; other addresses are not affected, and past a client's own limit its wrong
/// secrets are answered after a pause while the right secret still gets its token.
#[utoipa::path(
    operation_id = "create_token",
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = TokenResponse,
            headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type` or `unauthorized_client` (the client's party is not active)", body = OAuthError),
        (status = 401, description = "`invalid_client`: unknown client, wrong secret or revoked client", body = OAuthError,
            headers(("WWW-Authenticate" = String, description = "Basic realm=\"rogatory\""))),
        (status = 413, description = "The body is larger than 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts from this address (for this client or for any)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
        DatabaseUnavailable,
    ),
    security(()),
)]
#[post("/oauth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = match read_body(&req, payload).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Err(ApiError::new(
                crate::error::ProblemType::PayloadTooLarge,
                format!("a token request has at most {MAX_TOKEN_BODY} bytes"),
            ));
        }
        Err(BodyError::Unreadable) => {
            return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the body could not be read"));
        }
    };
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    let Ok(form) = serde_urlencoded::from_bytes::<TokenRequest>(&body) else {
        return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the form body cannot be parsed"));
    };
    let basic = match basic_credentials(&req) {
        Ok(basic) => basic,
        Err(reason) => return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", reason)),
    };
    let (client_id, secret) = match (basic, form.client_id, form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use only one client authentication method",
            ));
        }
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => return Ok(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication is missing")),
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            let description = format!("grant type {other:?} is not supported; use client_credentials");
            return Ok(oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", &description));
        }
        None => return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing")),
    }

    if let Some(store) = &state.key_store {
        store.refresh_if_due(&state.db, &state.tokens.keys).await;
    }
    // The caller's text: cut short for the log (which escapes it as well).
    let logged_id = crate::telemetry::clipped(&client_id, 64);
    let now = state.clock.now();
    let address = state.settings.trusted_proxies.client_address(req.peer_addr().map(|a| a.ip()), req.headers());
    // An id the exchange never issues is not looked up, and counts only against the address.
    let plausible = secrets::is_plausible_client_id(&client_id);
    let attempt =
        match state.token_failures.begin(&state.db, if plausible { &client_id } else { "" }, address, now).await? {
            Ok(attempt) => attempt,
            Err(wait) => {
                tracing::warn!(client_id = %logged_id, address = %address, "token request refused: too many failures");
                return Err(ApiError::new(
                    crate::error::ProblemType::TooManyRequests,
                    "too many failed token requests from this address; retry later",
                )
                .with_header(header::RETRY_AFTER, wait.to_string()));
            }
        };

    // The database only looks the client up; the secret is checked after the connection is
    // back in the pool, and argon2 hashes of earlier releases on their own small pool.
    let found = match plausible.then(|| client_id.clone()) {
        Some(id) => {
            let _permit = state.token_lookups.acquire().await.map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
            state.db.run(move |conn| repo::find_client_with_party(conn, ClientKey::ClientId(&id))).await?
        }
        None => None,
    };
    let stored = found.as_ref().and_then(|f| f.client.secret_hash.clone());
    let (matches, legacy) = match stored.as_deref().map(StoredSecret::parse) {
        Some(StoredSecret::Sha256(digest)) => (secrets::verify_sha256(&secret, Some(&digest)), false),
        Some(StoredSecret::Argon2(phc)) => match state.legacy_secrets.verify(&secret, phc).await {
            Ok(matches) => (matches, true),
            Err(Busy) => {
                // Not a failure of the caller's: give its place back.
                state.token_failures.succeeded(&state.db, &attempt, now).await;
                tracing::warn!(client_id = %logged_id, "token request deferred: argon2 checks of earlier secrets are queued");
                return Err(ApiError::new(
                    crate::error::ProblemType::ServiceUnavailable,
                    "the client's secret is in an earlier format whose checks are queued; retry shortly",
                )
                .with_header(header::RETRY_AFTER, "1"));
            }
        },
        // Unknown client, no secret, unusable hash: the same work as a real check, then no.
        _ => (secrets::verify_sha256(&secret, None), false),
    };
    let outcome = match found {
        Some(found) if matches && found.client.revoked_at.is_none() => {
            let status = found.party_status;
            if status != PartyStatus::Active {
                Outcome::PartyNotActive(status)
            } else {
                let client = found.client.into_client()?;
                if legacy {
                    upgrade_secret_hash(&state, client.id, stored.unwrap_or_default(), &secret).await;
                }
                let token = state
                    .tokens
                    .issue(&client.client_id, client.party_id, &client.roles, now)
                    .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
                Outcome::Issued(token)
            }
        }
        found => Outcome::BadCredentials { known: found.is_some() },
    };
    match outcome {
        Outcome::Issued(access_token) => {
            state.token_failures.succeeded(&state.db, &attempt, now).await;
            tracing::info!(client_id = %logged_id, "token issued");
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(TokenResponse { access_token, token_type: "Bearer".into(), expires_in: state.tokens.ttl_secs }))
        }
        Outcome::BadCredentials { known } => {
            // Past the client's own limit, wrong secrets are answered slowly; the right one is not.
            let slowed = known && state.token_failures.failed_for_client(&state.db, &attempt, now).await;
            tracing::warn!(client_id = %logged_id, address = %address, slowed, "token request refused: invalid client credentials");
            if slowed {
                actix_web::rt::time::sleep(SLOWED_FAILURE_DELAY).await;
            }
            Ok(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed"))
        }
        Outcome::PartyNotActive(status) => {
            // The secret was right: not a guess.
            state.token_failures.succeeded(&state.db, &attempt, now).await;
            tracing::warn!(client_id = %logged_id, ?status, "token request refused: party not active");
            Ok(oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "the client's party is not active"))
        }
    }
}

/// Replaces a verified argon2 hash of an earlier release with the SHA-256 form. Best effort:
/// on failure the old hash stays and verifies again next time.
async fn upgrade_secret_hash(state: &AppState, id: Uuid, old: String, secret: &str) {
    let new = secrets::hash_secret(secret);
    match state.db.write(move |conn| repo::replace_secret_hash(conn, id, &old, &new)).await {
        Ok(true) => tracing::info!(client = %id, "client secret hash upgraded from argon2 to sha256"),
        Ok(false) => {}
        Err(e) => tracing::warn!(client = %id, error = %e, "could not upgrade the client secret hash"),
    }
}

/// The exchange's public keys
///
/// The JSON Web Key Set with every key that verifies the exchange's access tokens and signed
/// documents (the current signing key and, during a rotation, previous ones). Public.
#[utoipa::path(
    operation_id = "get_jwks",
    tag = "auth",
    responses((status = 200, description = "JSON Web Key Set (RFC 7517)", body = Object,
        example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "use": "sig", "alg": "EdDSA"}]}))),
    security(()),
)]
#[get("/.well-known/jwks.json")]
pub async fn get_jwks(state: web::Data<AppState>) -> HttpResponse {
    if let Some(store) = &state.key_store {
        store.refresh_if_due(&state.db, &state.tokens.keys).await;
    }
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "public, max-age=300")).json(state.tokens.keys.jwks())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"client": "0193a6f3-0a00-7c1d-8e2f-3a4b5c6d7e8f", "client_id": "rgc_Xq3b8Jk2LmNpQr5s",
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", "roles": ["operator"]}))]
pub struct Me {
    pub client: Uuid,
    pub client_id: String,
    pub party_id: Uuid,
    pub roles: Vec<Role>,
}

/// Who am I
///
/// The client and party the presented token acts for, and its roles. Any authenticated caller.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 403, description = "The caller's party is not active", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/me")]
pub async fn get_me(caller: Caller) -> web::Json<Me> {
    web::Json(Me { client: caller.client, client_id: caller.client_id, party_id: caller.party, roles: caller.roles })
}
