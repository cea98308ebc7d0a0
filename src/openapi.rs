//! The OpenAPI 3.1 document, built from the routes actually registered (utoipa-actix-web),
//! served at `/openapi.json`, printed by `rogatory openapi` and committed as
//! `openapi/openapi.json` (a test fails when they differ).

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::openapi::security::{ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, UtoipaApp};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rogatory",
        description = "Issue, route and track cross-border requests for electronic evidence \
            (mutual legal assistance, expedited preservation, production and disclosure orders, \
            emergency disclosure) between states' contact points and online platforms.\n\n\
            Errors are RFC 9457 problem details (`application/problem+json`) with a stable `type` and `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "operations", description = "Liveness and readiness"),
        (name = "legal-bases", description = "The catalogue of legal instruments, their recipients, required fields and clocks"),
        (name = "auth", description = "OAuth 2.0 client credentials, the exchange's public keys, the caller"),
        (name = "parties", description = "The directory of state authorities and service providers, and their API clients"),
        (name = "requests", description = "Requests for evidence: drafting, routing, the lifecycle, clarifications, messages, answers"),
        (name = "attachments", description = "Files attached to requests, stored by SHA-256 and streamed"),
        (name = "audit", description = "Hash-chained history, signed request documents, offline-verifiable exports"),
        (name = "deadlines", description = "Legal clocks of requests and party targets"),
        (name = "notifications", description = "The in-app feed of a party"),
        (name = "webhooks", description = "Subscriptions to events, delivered per Standard Webhooks"),
        (name = "admin", description = "Operating the exchange: the job queue"),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// `oauth2` (client-credentials flow at `/v1/oauth/token`) and `bearer` (the same JWT, for
/// clients that obtain it themselves). Protected operations accept either.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new("/v1/oauth/token", Scopes::new()))],
                "Client credentials of an API client (RFC 6749 §4.4)",
            )),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from /v1/oauth/token (EdDSA-signed JWT)"))
                    .build(),
            ),
        );
    }
}

/// Registers the API on an application and returns it with the document of what was registered.
pub fn assemble<T>(app: UtoipaApp<T>) -> (actix_web::App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut spec) = app.openapi(ApiDoc::openapi()).configure(crate::routes::configure).split_for_parts();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (app, spec)
}

/// The document alone, without starting anything.
pub fn spec() -> utoipa::openapi::OpenApi {
    assemble(actix_web::App::new().into_utoipa_app()).1
}

/// The committed form: pretty JSON with a final newline.
pub fn spec_json() -> Result<String, serde_json::Error> {
    let mut text = spec().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
