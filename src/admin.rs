//! `rogatory admin …`: directory operations for operators without HTTP access. They act as
//! the command line (recorded as `cli:<command>` in the audit log) and print JSON.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::roles::Role;
use crate::config::Settings;
use crate::db::{AnyConnection, migrations};
use crate::error::ApiError;
use crate::parties::dto::{ClientCredentials, LegalEntity, NewClient, NewParty, Party};
use crate::parties::service;
use crate::vocab::{PartyKind, PartyStatus};

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

/// One party of the demonstration directory and the roles of its client.
struct DemoParty {
    key: &'static str,
    party: serde_json::Value,
    roles: &'static [Role],
}

fn demo_parties() -> Vec<DemoParty> {
    use serde_json::json;
    let working = &[Role::Operator, Role::Responder, Role::PartyAdmin];
    let state = |name: &str, country: &str, designations: serde_json::Value, bases: serde_json::Value, email: &str| {
        json!({"kind": "state_authority", "name": name, "country": country, "designations": designations,
            "accepted_legal_bases": bases, "languages": [country.to_lowercase(), "en"], "notification_emails": [email]})
    };
    vec![
        DemoParty {
            key: "fr_24_7",
            party: state(
                "OCLCTIC 24/7 point of contact",
                "FR",
                json!(["contact_point_24_7", "police"]),
                json!(["coe_budapest_29", "mlat"]),
                "24-7@oclctic.example.fr",
            ),
            roles: working,
        },
        DemoParty {
            key: "fr_prosecutor",
            party: state(
                "Parquet de Paris, J3 cybercriminalite",
                "FR",
                json!(["judicial"]),
                json!(["eu_epoc", "mlat"]),
                "j3@parquet-paris.example.fr",
            ),
            roles: working,
        },
        DemoParty {
            key: "de_24_7",
            party: state(
                "BKA 24/7 point of contact",
                "DE",
                json!(["contact_point_24_7", "police"]),
                json!(["coe_budapest_29"]),
                "24-7@bka.example.de",
            ),
            roles: working,
        },
        DemoParty {
            key: "de_central",
            party: state(
                "Bundesamt fuer Justiz",
                "DE",
                json!(["central_authority"]),
                json!(["mlat", "coe_budapest_29"]),
                "rechtshilfe@bfj.example.de",
            ),
            roles: working,
        },
        DemoParty {
            key: "ie_enforcing",
            party: state(
                "Irish enforcing authority",
                "IE",
                json!(["enforcing_authority", "judicial"]),
                json!([]),
                "eio@courts.example.ie",
            ),
            roles: working,
        },
        DemoParty {
            key: "platform",
            party: json!({"kind": "service_provider", "name": "Example Platforms", "country": "US",
                "legal_entities": [
                    {"region": "EU", "country": "IE", "name": "Example Platforms Ireland Ltd"},
                    {"region": "*", "country": "US", "name": "Example Platforms Inc"}],
                "accepted_legal_bases": ["eu_epoc", "eu_epoc_pr", "us_2703f", "us_2702_emergency"],
                "languages": ["en"], "emergency_contact": "lers-emergency@example.com",
                "notification_emails": ["lers@example.com"]}),
            roles: &[Role::Responder, Role::PartyAdmin],
        },
    ]
}

/// `rogatory demo`: fills an empty directory with a realistic one (the exchange, French and
/// German 24/7 points of contact, a prosecutor, a central authority, an enforcing authority, a
/// platform with EU and US legal entities), each active with one client, and returns their
/// credentials, so a newcomer can follow the README's walkthrough at once. Refuses to run on a
/// directory that has any party. All or nothing: one transaction.
pub fn demo(settings: &Settings) -> anyhow::Result<serde_json::Value> {
    use diesel::prelude::*;
    let mut conn = open(settings)?;
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let result = crate::db::immediate_transaction(&mut conn, |conn| -> Result<serde_json::Value, ApiError> {
        let existing: i64 = crate::db::schema::parties::table.count().get_result(conn)?;
        if existing > 0 {
            return Err(ApiError::new(
                crate::error::ProblemType::Conflict,
                format!("the directory already has {existing} parties; `rogatory demo` fills only an empty one"),
            ));
        }
        let admin = service::bootstrap(conn, "Rogatory demo exchange", Some("ops@exchange.example.org".into()), now)?;
        let mut out = serde_json::Map::new();
        out.insert("exchange_admin".into(), credentials_json(&admin, None));
        for demo in demo_parties() {
            let input: NewParty = serde_json::from_value(demo.party)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("demo party {}: {e}", demo.key)))?;
            let party =
                service::create_party(conn, &crate::audit::Actor::cli("demo"), input, PartyStatus::Active, now)?;
            let client = NewClient {
                name: format!("{} case system", party.name),
                roles: demo.roles.to_vec(),
                external_issuer: None,
                external_subject: None,
            };
            let credentials =
                service::create_client(conn, &crate::audit::Actor::cli("demo"), &party, client, false, &[], now)?;
            out.insert(demo.key.into(), credentials_json(&credentials, Some(&party)));
        }
        Ok(serde_json::Value::Object(out))
    });
    result.map_err(explain)
}

fn credentials_json(credentials: &ClientCredentials, party: Option<&Party>) -> serde_json::Value {
    serde_json::json!({
        "party_id": credentials.client.party_id,
        "party_name": party.map(|p| p.name.clone()),
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "roles": credentials.client.roles,
    })
}

/// The database and key-encryption key of `rogatory keys …`, or why keys are not there.
fn key_database(settings: &Settings) -> anyhow::Result<(AnyConnection, &crate::auth::key_store::Kek)> {
    if settings.database_url.backend() != crate::db::Backend::Postgres {
        anyhow::bail!(
            "on SQLite the signing keys are files: rotate by starting with a new ROGATORY_JWT_SIGNING_KEY_FILE and \
             the old key in ROGATORY_JWT_PREVIOUS_KEY_FILES"
        );
    }
    let kek = settings.tokens.key_encryption_key.as_ref().ok_or_else(|| {
        anyhow::anyhow!(
            "ROGATORY_KEY_ENCRYPTION_KEY is not set: give the command the key-encryption key of the instances \
             (keys live in the database only with it; with key files, rotate the files)"
        )
    })?;
    Ok((open(settings)?, kek))
}

/// `rogatory keys rotate`: a new key, signing one poll interval from now (or `activate_in`).
pub fn rotate_key(settings: &Settings, activate_in: Option<u64>) -> anyhow::Result<crate::auth::key_store::KeyInfo> {
    let (mut conn, kek) = key_database(settings)?;
    let now = chrono::Utc::now();
    let delay = activate_in.map_or(settings.tokens.key_poll_interval, std::time::Duration::from_secs);
    let activates_at = now + chrono::TimeDelta::from_std(delay).map_err(|e| anyhow::anyhow!("--activate-in: {e}"))?;
    crate::auth::key_store::rotate(&mut conn, kek, activates_at, now).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `rogatory keys retire <kid>`.
pub fn retire_key(settings: &Settings, kid: &str) -> anyhow::Result<crate::auth::key_store::KeyInfo> {
    let (mut conn, _) = key_database(settings)?;
    crate::auth::key_store::retire(&mut conn, kid, chrono::Utc::now()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `rogatory keys list`.
pub fn list_keys(settings: &Settings) -> anyhow::Result<Vec<crate::auth::key_store::KeyInfo>> {
    let (mut conn, _) = key_database(settings)?;
    crate::auth::key_store::list(&mut conn, chrono::Utc::now()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `rogatory statistics rebuild`: every request's statistics summary recomputed from its trail.
pub fn statistics_rebuild(settings: &Settings) -> anyhow::Result<crate::statistics::summary::Rebuilt> {
    let mut conn = open(settings)?;
    crate::statistics::summary::rebuild(&mut conn, crate::clock::Clock::now(&crate::clock::SystemClock))
        .map_err(explain)
}

/// `rogatory statistics check`: every stored summary compared with its recomputation.
pub fn statistics_check(settings: &Settings) -> anyhow::Result<crate::statistics::summary::Checked> {
    let mut conn = open(settings)?;
    crate::statistics::summary::check(&mut conn).map_err(explain)
}
