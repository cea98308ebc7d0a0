//! `Caller` as an actix extractor: the bearer token is checked synchronously (so a request
//! without a valid token is refused before any other extractor's error can answer), then the
//! client and party are loaded from the database.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::tokens::{TokenError, TokenSubject};
use crate::auth::{Caller, authenticate, unauthorized};
use crate::error::ApiError;
use crate::state::AppState;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let verified = verify_bearer(req);
        Box::pin(async move {
            let (state, subject) = match verified? {
                Verified::Subject(state, subject) => (state, subject),
                // Signed by a key this instance has not loaded yet (another instance rotated):
                // reload the keys from the database (at most once a second) and try again.
                Verified::UnknownKey(state, token) => {
                    if let Some(store) = &state.key_store {
                        store.refresh_for_unknown_kid(&state.db, &state.tokens.keys).await;
                    }
                    let subject = state
                        .tokens
                        .verify(&token, state.clock.now())
                        .map_err(|e| unauthorized(Some(&e), &e.to_string()))?;
                    (state, subject)
                }
            };
            if let Some(store) = &state.key_store {
                store.refresh_if_due(&state.db, &state.tokens.keys).await;
            }
            state.db.run(move |conn| authenticate(conn, &subject)).await
        })
    }
}

enum Verified {
    Subject(web::Data<AppState>, TokenSubject),
    /// A token of ours whose `kid` is unknown here, while the keys live in the database.
    UnknownKey(web::Data<AppState>, String),
}

fn verify_bearer(req: &HttpRequest) -> Result<Verified, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized(None, "this needs an access token: Authorization: Bearer <token>"))?;
    let text = value.to_str().map_err(|_| unauthorized(None, "the Authorization header is not text"))?;
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthorized(None, "this needs an access token: Authorization: Bearer <token>"));
    }
    match state.tokens.verify(token.trim(), state.clock.now()) {
        Ok(subject) => Ok(Verified::Subject(state, subject)),
        Err(TokenError::UnknownKey) if state.key_store.is_some() => {
            let token = token.trim().to_owned();
            Ok(Verified::UnknownKey(state, token))
        }
        Err(e) => Err(unauthorized(Some(&e), &e.to_string())),
    }
}
