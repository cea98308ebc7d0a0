//! The application: the one function that assembles it (routes, spec, middleware) and `serve`,
//! which runs it with the background work. The state it carries is `state::AppState`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::http::fallback::{self, RouteTable};
use crate::state::AppState;
use crate::{http, openapi};

/// `rogatory serve`: the HTTP API and, unless `ROGATORY_BACKGROUND=off`, the deadline scanner
/// and job workers, until the process is told to stop.
pub fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let listen = settings.listen;
    let workers = settings.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let connections = settings.connections.clone();
    let open_files = match crate::ops::limits::raise_open_file_limit() {
        Some((before, after)) if after > before => {
            tracing::info!(before, after, "raised the soft open-file limit to the hard limit");
            Some(after)
        }
        Some((_, limit)) => Some(limit),
        None => None,
    };
    let max_connections =
        crate::ops::limits::fitting_connections(connections.max_connections, open_files, settings.db_pool.max_size);
    if max_connections < connections.max_connections {
        tracing::warn!(
            wanted = connections.max_connections,
            allowed = max_connections,
            open_files,
            "ROGATORY_MAX_CONNECTIONS lowered to fit the open-file limit (raise it with ulimit -n or LimitNOFILE=)"
        );
    }
    let state = AppState::init(settings)?;
    build_statistics(&state)?;
    tracing::info!(backend = %state.db.backend(), "database ready");
    actix_web::rt::System::new().block_on(async move {
        if let Err(error) = crate::ops::check_writable(&state).await {
            tracing::error!(error = %error, "the database does not accept writes; /readyz answers 503 until it does");
        }
        if state.settings.background {
            let background = state.clone();
            actix_web::rt::spawn(async move {
                let (scan, poll) = (background.settings.scan_interval, background.settings.job_poll_interval);
                crate::background::worker::run_forever(background, scan, poll).await;
            });
        }
        // The cap is per worker in actix: share the total out.
        let per_worker = max_connections.div_ceil(workers).max(1);
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .workers(workers)
            .max_connections(per_worker)
            .client_request_timeout(connections.header_timeout);
        let server = server.bind(listen).map_err(|e| anyhow::anyhow!("ROGATORY_LISTEN: cannot bind {listen}: {e}"))?;
        tracing::info!(
            %listen,
            docs = %format!("http://{listen}/docs/"),
            workers,
            max_connections = per_worker * workers,
            "listening"
        );
        server.run().await?;
        Ok(())
    })
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
    let server_timing = http::ServerTiming(state.settings.server_timing);
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
        .app_data(server_timing)
        .default_service(web::to(fallback::not_matched))
        .wrap(from_fn(http::text_guard::refuse_nul))
        // Outside the NUL guard, which reads JSON and form bodies: the deadline covers that read.
        .wrap(from_fn(http::body_deadline::enforce))
        .wrap(ErrorHandlers::new().default_handler(http::problem_safety_net))
        .wrap(from_fn(http::request_context))
}

/// The statistics summary of the requests stored before it existed, built once from their
/// trail after the migration that created it (issue 19); nothing on later starts.
pub fn build_statistics(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.settings.database_url.connect()?;
    let built = crate::statistics::summary::ensure_built(&mut conn, crate::clock::Clock::now(&*state.clock))
        .map_err(|e| anyhow::anyhow!("cannot build the statistics summary: {e:?}"))?;
    if let Some(built) = built {
        tracing::info!(
            requests = built.requests,
            rows = built.rows,
            seconds = built.seconds,
            "statistics summary built"
        );
    }
    Ok(())
}
