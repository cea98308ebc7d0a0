//! The application: its state and the one function that builds it, used by `serve` and by
//! the tests alike.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::db::Db;
use crate::http::fallback::{self, RouteTable};
use crate::{http, openapi};

/// Everything a handler may need, shared by all workers.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
}

impl AppState {
    /// Creates the data directory, connects to the database (with an error that names the
    /// real cause), applies pending migrations and builds the pool. Blocking: call it before
    /// the server starts, or from a blocking context.
    pub fn init(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_DATA_DIR: cannot create {}: {e}", settings.data_dir.display()))?;
        let db = Db::open(settings.database_url.clone(), &settings.db_pool)?;
        Ok(AppState { settings: Arc::new(settings), db })
    }
}

/// Builds the application exactly as `serve` runs it.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.settings.max_json_body;
    let (app, spec) = openapi::assemble(
        App::new()
            .into_utoipa_app()
            .app_data(web::Data::new(state))
            .app_data(http::json_config(json_limit))
            .app_data(http::path_config())
            .app_data(http::query_config()),
    );
    let mut routes = RouteTable::from_spec(&spec);
    routes.add("/openapi.json", &["GET"]);
    routes.add("/docs", &["GET"]);
    routes.add("/docs/{_:.*}", &["GET"]);
    app.service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec))
        .app_data(web::Data::new(routes))
        .default_service(web::to(fallback::not_matched))
        .wrap(ErrorHandlers::new().default_handler(http::problem_safety_net))
        .wrap(from_fn(http::request_context))
}
