//! The identity endpoints: the OAuth 2.0 token endpoint, the exchange's JWKS and `GET /v1/me`.
//! The token machinery itself (keys, tokens, secrets, failure limits) is `auth`'s.

pub mod handlers;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::create_token).service(handlers::get_me);
}
