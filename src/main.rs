use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::HttpServer;
use clap::{Parser, Subcommand};

use rogatory::db::migrations;
use rogatory::{AppState, Settings, build_app, openapi, telemetry};

/// Rogatory: cross-border evidence requests between states and platforms.
#[derive(Debug, Parser)]
#[command(name = "rogatory", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API (the default): applies pending migrations, then serves.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (the same one the server serves at /openapi.json).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Openapi { output } => print_openapi(output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rogatory: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_settings() -> anyhow::Result<Settings> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format, &settings.log_filter);
    Ok(settings)
}

fn serve() -> anyhow::Result<()> {
    let settings = load_settings()?;
    tracing::info!(?settings, "starting");
    let listen = settings.listen;
    let workers = settings.workers;
    let state = AppState::init(settings)?;
    tracing::info!(backend = %state.db.backend(), "database ready");
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || build_app(state.clone()));
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.bind(listen).map_err(|e| anyhow::anyhow!("ROGATORY_LISTEN: cannot bind {listen}: {e}"))?;
        tracing::info!(%listen, docs = %format!("http://{listen}/docs/"), "listening");
        server.run().await?;
        Ok(())
    })
}

fn migrate() -> anyhow::Result<()> {
    let settings = load_settings()?;
    let mut conn = settings.database_url.connect()?;
    let applied = migrations::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    if applied.is_empty() {
        println!("database {} is up to date", settings.database_url.redacted());
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

fn print_openapi(output: Option<PathBuf>) -> anyhow::Result<()> {
    let text = openapi::spec_json()?;
    match output {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}
