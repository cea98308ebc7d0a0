//! The `rogatory` binary: `serve` (the default), `worker`, `migrate`, `openapi`,
//! `verify-export`, `statistics` and the `admin` commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use rogatory::auth::roles::Role;
use rogatory::db::migrations;
use rogatory::parties::dto::{LegalEntity, NewParty};
use rogatory::vocab::{Designation, PartyKind};
use rogatory::{AppState, Settings, openapi, telemetry};

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
    /// Run only the deadline scanner and the job workers (no HTTP), e.g. on a separate host.
    Worker,
    /// Print the OpenAPI document (the same one the server serves at /openapi.json).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Directory administration without HTTP access (prints JSON).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The token and document signing keys kept in the database (PostgreSQL with
    /// ROGATORY_KEY_ENCRYPTION_KEY); prints JSON.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Attachment content (prints JSON).
    #[command(subcommand)]
    Attachments(AttachmentsCommand),
    /// The per-request statistics summary kept with the audit trail (prints JSON).
    #[command(subcommand)]
    Statistics(StatisticsCommand),
    /// Fill an empty database with a demonstration directory (the exchange, French and German
    /// points of contact, a prosecutor, a central authority, an enforcing authority, a platform)
    /// and print each party's client credentials (JSON). Refuses a database that has parties.
    Demo,
    /// Check an audit bundle (GET /v1/requests/{id}/audit/export) offline: recompute the event
    /// hash chain, require the exchange's signed checkpoint of the last event, verify the signed
    /// request and response documents and compare the request section with what was signed.
    /// Exits non-zero when anything fails.
    VerifyExport {
        /// The bundle (JSON).
        file: PathBuf,
        /// A JWKS you fetched yourself from /.well-known/jwks.json; default: the bundle's own.
        #[arg(long)]
        jwks: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum StatisticsCommand {
    /// Recompute every request's summary from its events and replace the stored rows (a
    /// chunk of requests per transaction, their rows locked meanwhile).
    Rebuild,
    /// Recompute every request's summary from its events and compare it with the stored row;
    /// exits non-zero when any differs (run it while no events are being appended).
    Check,
}

#[derive(Debug, Subcommand)]
enum AttachmentsCommand {
    /// Copy the content of every attachment from the configured store
    /// (ROGATORY_ATTACHMENT_STORE) to another, read each copy back and check its SHA-256, and
    /// print the counts. Content the target already holds is checked, not copied again. Exits
    /// non-zero when any content could not be copied or does not match its digest.
    Migrate {
        /// The target store: `dir`, `postgres` or `s3://bucket/prefix` (with the ROGATORY_S3_*
        /// settings of the environment).
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create the exchange's own party and its first exchange_admin client on an empty
    /// directory; prints the client's credentials once. Refuses to run again.
    Bootstrap {
        /// Name of the exchange's party.
        #[arg(long, default_value = "Rogatory exchange")]
        name: String,
        /// Notification address of the exchange's operators.
        #[arg(long)]
        email: Option<String>,
    },
    /// Create a party (pending verification unless --active).
    CreateParty {
        /// state_authority or service_provider
        #[arg(long, value_parser = rogatory::admin::parse_word::<PartyKind>)]
        kind: PartyKind,
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2
        #[arg(long)]
        country: Option<String>,
        /// central_authority, contact_point_24_7, enforcing_authority, judicial, police (repeatable)
        #[arg(long = "designation", value_parser = rogatory::admin::parse_word::<Designation>)]
        designations: Vec<Designation>,
        /// REGION:COUNTRY:NAME, e.g. EU:IE:Example Ltd (repeatable; service providers)
        #[arg(long = "legal-entity", value_parser = rogatory::admin::parse_legal_entity)]
        legal_entities: Vec<LegalEntity>,
        /// Code of an accepted legal basis (repeatable)
        #[arg(long = "legal-basis")]
        legal_bases: Vec<String>,
        /// ISO 639-1 (repeatable)
        #[arg(long = "language")]
        languages: Vec<String>,
        /// Notification e-mail address (repeatable, at least one)
        #[arg(long = "email")]
        emails: Vec<String>,
        #[arg(long)]
        emergency_contact: Option<String>,
        /// Create the party already verified.
        #[arg(long)]
        active: bool,
    },
    /// Create an API client of a party; prints its credentials once.
    CreateClient {
        /// Party id
        #[arg(long)]
        party: uuid::Uuid,
        #[arg(long)]
        name: String,
        /// operator, approver, responder, auditor, party_admin, exchange_admin (repeatable)
        #[arg(long = "role", value_parser = rogatory::admin::parse_word::<Role>, required = true)]
        roles: Vec<Role>,
        /// Map tokens of this configured external issuer to the client (with --external-subject).
        #[arg(long, requires = "external_subject")]
        external_issuer: Option<String>,
        #[arg(long, requires = "external_issuer")]
        external_subject: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new signing key. Every instance loads it within its poll interval
    /// (ROGATORY_KEY_POLL_SECS) and publishes it; it signs from its activation on, one poll
    /// interval from now unless --activate-in says otherwise. Older keys keep verifying.
    Rotate {
        /// Seconds until the new key signs (default: ROGATORY_KEY_POLL_SECS). Give at least the
        /// time verifiers cache /.well-known/jwks.json (max-age 300) to let them see it first.
        #[arg(long)]
        activate_in: Option<u64>,
    },
    /// Retire a key: from the next poll on it verifies nothing, neither tokens nor the
    /// documents and checkpoints it signed (GET …/audit then reports those as broken). For a
    /// compromised key; the key that signs now cannot be retired (rotate first).
    Retire {
        /// The key's kid (`rogatory keys list`).
        // A kid is base64url, so it may begin with `-`: a value, not an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// List the keys: kid, times, and state (signing, pending, verifying, retired).
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Worker => worker(),
        Command::Openapi { output } => print_openapi(output),
        Command::Admin(command) => admin(command),
        Command::Keys(command) => keys(command),
        Command::Attachments(command) => attachments(command),
        Command::Statistics(command) => statistics(command),
        Command::Demo => demo(),
        Command::VerifyExport { file, jwks } => verify_export(file, jwks),
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
    rogatory::app::serve(load_settings()?)
}

fn worker() -> anyhow::Result<()> {
    let settings = load_settings()?;
    let state = AppState::init(settings)?;
    rogatory::app::build_statistics(&state)?;
    tracing::info!(backend = %state.db.backend(), "worker started");
    actix_web::rt::System::new().block_on(async move {
        let (scan, poll) = (state.settings.scan_interval, state.settings.job_poll_interval);
        // SIGTERM (an orchestrator stopping it) or Ctrl-C ends the worker with status 0; a job
        // cut off mid-way keeps its lease until it expires and is then run again, as after a
        // crash (deliveries are at least once, recognisable by their ids).
        let mut terminate = actix_web::rt::signal::unix::signal(actix_web::rt::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = rogatory::background::worker::run_forever(state, scan, poll) => {}
            _ = terminate.recv() => tracing::info!("worker stopping (SIGTERM)"),
            _ = actix_web::rt::signal::ctrl_c() => tracing::info!("worker stopping (Ctrl-C)"),
        }
        Ok::<_, std::io::Error>(())
    })?;
    Ok(())
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

fn verify_export(file: PathBuf, jwks: Option<PathBuf>) -> anyhow::Result<()> {
    let read = |path: &PathBuf| std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    let bundle: rogatory::requests::evidence::export::AuditBundle = serde_json::from_str(&read(&file)?)
        .map_err(|e| anyhow::anyhow!("{}: not an audit bundle: {e}", file.display()))?;
    let keys = match &jwks {
        Some(path) => {
            serde_json::from_str(&read(path)?).map_err(|e| anyhow::anyhow!("{}: not a JWKS: {e}", path.display()))?
        }
        None => {
            eprintln!(
                "rogatory: warning: checking against the keys the bundle carries; whoever made the bundle chose \
                 them. Pass --jwks with the exchange's /.well-known/jwks.json fetched yourself."
            );
            bundle.jwks.clone()
        }
    };
    let report = rogatory::requests::evidence::export::verify(&bundle, &keys);
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.valid { Ok(()) } else { anyhow::bail!("the bundle does not verify:\n  {}", report.reasons.join("\n  ")) }
}

fn keys(command: KeysCommand) -> anyhow::Result<()> {
    let settings = load_settings()?;
    let output = match command {
        KeysCommand::Rotate { activate_in } => {
            serde_json::to_value(rogatory::admin::rotate_key(&settings, activate_in)?)?
        }
        KeysCommand::Retire { kid } => serde_json::to_value(rogatory::admin::retire_key(&settings, &kid)?)?,
        KeysCommand::List => serde_json::to_value(rogatory::admin::list_keys(&settings)?)?,
    };
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

fn statistics(command: StatisticsCommand) -> anyhow::Result<()> {
    let settings = load_settings()?;
    match command {
        StatisticsCommand::Rebuild => {
            println!("{}", serde_json::to_string_pretty(&rogatory::admin::statistics_rebuild(&settings)?)?);
            Ok(())
        }
        StatisticsCommand::Check => {
            let checked = rogatory::admin::statistics_check(&settings)?;
            println!("{}", serde_json::to_string_pretty(&checked)?);
            if checked.differing > 0 {
                anyhow::bail!(
                    "{} of {} requests have a statistics summary that is not what their trail gives; run `rogatory statistics rebuild`",
                    checked.differing,
                    checked.requests
                );
            }
            Ok(())
        }
    }
}

fn attachments(command: AttachmentsCommand) -> anyhow::Result<()> {
    let settings = load_settings()?;
    match command {
        AttachmentsCommand::Migrate { to } => {
            let env = |key: &str| std::env::var(key).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            let target = rogatory::config::AttachmentStoreSetting::parse(&to, settings.database_url.backend(), &env)
                .map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let report = rogatory::storage::migrate::run(&settings, &target)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.failed.is_empty() {
                anyhow::bail!(
                    "{} of {} contents failed to migrate from {} to {}",
                    report.failed.len(),
                    report.referenced,
                    report.from,
                    report.to
                );
            }
            Ok(())
        }
    }
}

fn demo() -> anyhow::Result<()> {
    let settings = load_settings()?;
    let directory = rogatory::admin::demo(&settings)?;
    println!("{}", serde_json::to_string_pretty(&directory)?);
    Ok(())
}

fn admin(command: AdminCommand) -> anyhow::Result<()> {
    let settings = load_settings()?;
    let output = match command {
        AdminCommand::Bootstrap { name, email } => {
            let credentials = rogatory::admin::bootstrap(&settings, &name, email)?;
            serde_json::json!({
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "party_id": credentials.client.party_id,
            })
        }
        AdminCommand::CreateParty {
            kind,
            name,
            country,
            designations,
            legal_entities,
            legal_bases,
            languages,
            emails,
            emergency_contact,
            active,
        } => {
            let input = NewParty {
                kind,
                name,
                country,
                designations,
                legal_entities,
                accepted_legal_bases: legal_bases,
                languages,
                emergency_contact,
                notification_emails: emails,
            };
            serde_json::to_value(rogatory::admin::create_party(&settings, input, active)?)?
        }
        AdminCommand::CreateClient { party, name, roles, external_issuer, external_subject } => {
            let external = external_issuer.zip(external_subject);
            serde_json::to_value(rogatory::admin::create_client(&settings, party, name, roles, external)?)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}
