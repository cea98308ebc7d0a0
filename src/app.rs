//! The application: its state and the one function that builds it, used by `serve` and by
//! the tests alike.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use chrono::TimeDelta;

use crate::auth::keys::KeyRing;
use crate::auth::rate_limit::FailureLimiter;
use crate::auth::secrets::LegacyVerifier;
use crate::auth::tokens::{self, Tokens};
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::http::fallback::{self, RouteTable};
use crate::notify::mail::Mailer;
use crate::{http, openapi};

/// Everything a handler may need, shared by all workers.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<Tokens>,
    pub token_failures: Arc<FailureLimiter>,
    /// Checks argon2 secret hashes of earlier releases, off the database's threads.
    pub legacy_secrets: Arc<LegacyVerifier>,
    /// Client lookups of the token endpoint in flight at once: one per eight pooled connections,
    /// so that a flood of token requests leaves the database to every other request.
    pub token_lookups: Arc<tokio::sync::Semaphore>,
    pub mailer: Arc<Mailer>,
}

impl AppState {
    /// Creates the data directory, connects to the database (with an error that names the
    /// real cause), applies pending migrations and builds the pool. Blocking: call it before
    /// the server starts, or from a blocking context.
    pub fn init(settings: Settings) -> anyhow::Result<Self> {
        Self::init_with_clock(settings, Arc::new(SystemClock))
    }

    /// As `init`, with the clock the application reads time from (tests move it).
    pub fn init_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_DATA_DIR: cannot create {}: {e}", settings.data_dir.display()))?;
        let swept = crate::attachments::storage::Store::new(&settings.data_dir).sweep_stale_temp_files();
        if swept > 0 {
            tracing::info!(files = swept, "removed temporary files of uploads cut off by an earlier stop");
        }
        let t = &settings.tokens;
        let default_key = settings.data_dir.join("jwt-signing-key.pem");
        let (keys, generated) = KeyRing::load(t.signing_key_file.as_deref(), &default_key, &t.previous_key_files)
            .map_err(|e| anyhow::anyhow!("ROGATORY_JWT_SIGNING_KEY_FILE / ROGATORY_JWT_PREVIOUS_KEY_FILES: {e}"))?;
        if let Some(path) = generated {
            tracing::warn!(
                path = %path.display(),
                "generated a new token signing key; set ROGATORY_JWT_SIGNING_KEY_FILE to use a key you manage"
            );
        }
        let external = match &t.external_issuers_file {
            Some(path) => tokens::load_external_issuers(path)
                .map_err(|e| anyhow::anyhow!("ROGATORY_EXTERNAL_ISSUERS_FILE: {e}"))?,
            None => Vec::new(),
        };
        let tokens =
            Tokens { keys, issuer: t.issuer.clone(), audience: t.audience.clone(), ttl_secs: t.ttl_secs, external };
        let token_failures = FailureLimiter::new(
            t.max_failures,
            t.max_address_failures,
            TimeDelta::seconds(t.failure_window_secs.max(1)),
        );
        let mailer = Mailer::new(settings.smtp_url.as_ref().map(|s| s.expose()), &settings.data_dir)
            .map_err(|e| anyhow::anyhow!("ROGATORY_SMTP_URL: {e}"))?;
        let db = Db::open(settings.database_url.clone(), &settings.db_pool)?;
        let settings_pool = settings.db_pool.max_size;
        Ok(AppState {
            mailer: Arc::new(mailer),
            settings: Arc::new(settings),
            db,
            clock,
            tokens: Arc::new(tokens),
            token_failures: Arc::new(token_failures),
            legacy_secrets: Arc::new(LegacyVerifier::default()),
            token_lookups: Arc::new(tokio::sync::Semaphore::new((settings_pool / 8).max(1) as usize)),
        })
    }
}

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
    tracing::info!(backend = %state.db.backend(), "database ready");
    actix_web::rt::System::new().block_on(async move {
        if let Err(error) = crate::ops::check_writable(&state).await {
            tracing::error!(error = %error, "the database does not accept writes; /readyz answers 503 until it does");
        }
        if state.settings.background {
            let background = state.clone();
            actix_web::rt::spawn(async move {
                let (scan, poll) = (background.settings.scan_interval, background.settings.job_poll_interval);
                crate::jobs::worker::run_forever(background, scan, poll).await;
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
