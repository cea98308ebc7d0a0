//! `rogatory admin …`: directory operations for operators without HTTP access. They act as
//! the command line (recorded as `cli:<command>` in the audit log) and print JSON.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::roles::Role;
use crate::config::Settings;
use crate::db::{AnyConnection, migrations};
use crate::error::ApiError;
use crate::parties::dto::{ClientCredentials, LegalEntity, NewClient, NewParty, Party, PartyKind, PartyStatus};
use crate::parties::service;

/// Parses one value of a snake_case vocabulary (`state_authority`, `contact_point_24_7`, …).
pub fn parse_word<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| format!("{text:?}: {e}"))
}

/// `REGION:COUNTRY:NAME`, e.g. `EU:IE:Example Platforms Ireland Ltd`.
pub fn parse_legal_entity(text: &str) -> Result<LegalEntity, String> {
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(region), Some(country), Some(name)) => {
            Ok(LegalEntity { region: region.into(), country: country.into(), name: name.into() })
        }
        _ => Err(format!("{text:?}: expected REGION:COUNTRY:NAME, e.g. EU:IE:Example Ltd")),
    }
}

fn open(settings: &Settings) -> anyhow::Result<AnyConnection> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let mut conn = settings.database_url.connect()?;
    migrations::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    Ok(conn)
}

fn explain(error: ApiError) -> anyhow::Error {
    let problem = error.problem();
    let fields: Vec<String> = problem.errors.iter().map(|e| format!("\n  {}: {}", e.pointer, e.message)).collect();
    anyhow::anyhow!("{}{}", problem.detail.unwrap_or(problem.title), fields.concat())
}

pub fn bootstrap(settings: &Settings, name: &str, email: Option<String>) -> anyhow::Result<ClientCredentials> {
    let mut conn = open(settings)?;
    service::bootstrap(&mut conn, name, email, crate::clock::Clock::now(&crate::clock::SystemClock)).map_err(explain)
}

pub fn create_party(settings: &Settings, input: NewParty, active: bool) -> anyhow::Result<Party> {
    let mut conn = open(settings)?;
    let status = if active { PartyStatus::Active } else { PartyStatus::PendingVerification };
    service::create_party(
        &mut conn,
        &crate::audit::Actor::cli("admin create-party"),
        input,
        status,
        crate::clock::Clock::now(&crate::clock::SystemClock),
    )
    .map_err(explain)
}

pub fn create_client(
    settings: &Settings,
    party: Uuid,
    name: String,
    roles: Vec<Role>,
    external: Option<(String, String)>,
) -> anyhow::Result<ClientCredentials> {
    let mut conn = open(settings)?;
    let party =
        service::get_party(&mut conn, party).map_err(explain)?.ok_or_else(|| anyhow::anyhow!("no party {party}"))?;
    let issuers: Vec<String> = match &settings.tokens.external_issuers_file {
        Some(path) => crate::auth::tokens::load_external_issuers(path)
            .map_err(|e| anyhow::anyhow!(e))?
            .into_iter()
            .map(|i| i.issuer)
            .collect(),
        None => Vec::new(),
    };
    let (external_issuer, external_subject) = external.map_or((None, None), |(i, s)| (Some(i), Some(s)));
    let input = NewClient { name, roles, external_issuer, external_subject };
    // The command line is the exchange operator: it may grant exchange_admin on the exchange party.
    let by_exchange_admin = party.kind == PartyKind::Exchange;
    service::create_client(
        &mut conn,
        &crate::audit::Actor::cli("admin create-client"),
        &party,
        input,
        by_exchange_admin,
        &issuers,
        crate::clock::Clock::now(&crate::clock::SystemClock),
    )
    .map_err(explain)
}
