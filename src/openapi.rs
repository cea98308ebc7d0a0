//! The OpenAPI 3.1 document, built from the routes actually registered (utoipa-actix-web),
//! served at `/openapi.json`, printed by `rogatory openapi` and committed as
//! `openapi/openapi.json` (a test fails when they differ).

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::OpenApi;
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
    ),
    components(schemas(Problem, FieldError)),
)]
struct ApiDoc;

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
