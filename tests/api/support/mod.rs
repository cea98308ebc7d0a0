//! The test harness: a `TestApp` built exactly as `serve` builds the application, on a fresh
//! database of either backend, and `backend_test!` to write a test once and run it on both.

pub mod clocked;
pub mod database;
pub mod process;
pub mod receiver;
pub mod s3;
pub mod schema;
pub mod smtp;
pub mod stores;
pub mod world;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_http::Request;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use serde_json::Value;

pub use database::{TestBackend, TestDatabase};
use rogatory::clock::ManualClock;
use rogatory::{AppState, Settings, build_app};

type CallFuture = Pin<Box<dyn Future<Output = ServiceResponse<BoxBody>>>>;

pub struct TestApp {
    call: Box<dyn Fn(Request) -> CallFuture>,
    pub state: AppState,
    /// Set when the app runs on a clock the test moves.
    pub clock: Option<ManualClock>,
    /// Dropped last: the database goes away after the app that uses it.
    pub database: TestDatabase,
}

impl TestApp {
    /// A fresh database of the given backend and the application on it; `None` only when the
    /// person running the tests opted out of PostgreSQL (`ROGATORY_TEST_SKIP_POSTGRES=1`).
    pub async fn spawn(backend: TestBackend) -> Option<TestApp> {
        let database = TestDatabase::create(backend)?;
        Some(Self::on(database, &[]).await)
    }

    /// A fresh database and the application on it with one attachment store: `dir` on SQLite,
    /// `postgres` on PostgreSQL (each the default there), `s3` on SQLite with moto (see `s3`).
    pub async fn with_store(store: TestStore) -> Option<TestApp> {
        Self::with_store_and(store, &[]).await
    }

    /// As `with_store`, with extra settings.
    pub async fn with_store_and(store: TestStore, more: &[(&str, &str)]) -> Option<TestApp> {
        let (backend, settings) = match store {
            TestStore::Dir => (TestBackend::Sqlite, vec![]),
            TestStore::Postgres => (TestBackend::Postgres, vec![]),
            TestStore::S3 => (TestBackend::Sqlite, s3::store_settings()),
        };
        let database = TestDatabase::create(backend)?;
        let mut extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        extra.extend_from_slice(more);
        Some(Self::on(database, &extra).await)
    }

    /// The application on an existing test database, with extra settings.
    pub async fn on(database: TestDatabase, extra: &[(&str, &str)]) -> TestApp {
        Self::on_clock(database, extra, None).await
    }

    /// The application on a clock that starts at 2026-12-01T08:00:00Z and moves only when told.
    pub async fn with_manual_clock(backend: TestBackend, extra: &[(&str, &str)]) -> Option<TestApp> {
        let database = TestDatabase::create(backend)?;
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&chrono::Utc);
        Some(Self::on_clock(database, extra, Some(ManualClock::new(start))).await)
    }

    pub async fn on_clock(database: TestDatabase, extra: &[(&str, &str)], clock: Option<ManualClock>) -> TestApp {
        let settings = database.settings(extra);
        let app_clock: std::sync::Arc<dyn rogatory::clock::Clock> = match &clock {
            Some(c) => std::sync::Arc::new(c.clone()),
            None => std::sync::Arc::new(rogatory::clock::SystemClock),
        };
        let state = actix_web::web::block(move || AppState::init_with_clock(settings, app_clock))
            .await
            .expect("blocking pool")
            .expect("the application starts on the test database");
        let service = Rc::new(test::init_service(build_app(state.clone())).await);
        let call = Box::new(move |request: Request| -> CallFuture {
            let service = Rc::clone(&service);
            Box::pin(async move {
                match service.call(request).await {
                    Ok(response) => response.map_into_boxed_body(),
                    Err(error) => panic!("the service returned an error instead of a response: {error}"),
                }
            })
        });
        TestApp { call, state, clock, database }
    }

    pub async fn send(&self, request: TestRequest) -> TestResponse {
        self.send_request(request.to_request()).await
    }

    /// Sends an already built request (e.g. one whose headers a test changed).
    pub async fn send_request(&self, request: Request) -> TestResponse {
        let response = (self.call)(request).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = actix_web::body::to_bytes(response.into_body()).await.unwrap_or_else(|_| Bytes::new());
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(TestRequest::get().uri(path)).await
    }

    pub async fn request(&self, method: Method, path: &str) -> TestResponse {
        self.send(TestRequest::default().method(method).uri(path)).await
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> TestResponse {
        let mut request = TestRequest::default().method(method).uri(path);
        if let Some(token) = token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.send(request).await
    }

    /// `rogatory admin bootstrap`, as the command line runs it.
    pub fn bootstrap(&self) -> Credentials {
        let mut conn = self.database.connect();
        let credentials =
            rogatory::parties::service::bootstrap(&mut conn, "Test exchange", None, self.state.clock.now())
                .expect("bootstrap an empty exchange");
        Credentials {
            client_id: credentials.client_id,
            client_secret: credentials.client_secret.expect("a secret"),
            party_id: credentials.client.party_id.to_string(),
        }
    }

    /// A token from the token endpoint (client credentials in the form).
    pub async fn token(&self, credentials: &Credentials) -> String {
        let r = self
            .send(TestRequest::post().uri("/v1/oauth/token").set_form([
                ("grant_type", "client_credentials"),
                ("client_id", credentials.client_id.as_str()),
                ("client_secret", credentials.client_secret.as_str()),
            ]))
            .await;
        assert_eq!(r.status, 200, "token: {}", r.text());
        r.json()["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Bootstraps the exchange and returns an exchange_admin token.
    pub async fn admin_token(&self) -> String {
        let credentials = self.bootstrap();
        self.token(&credentials).await
    }

    /// A fresh exchange_admin token after `admin_token` (a second client of the exchange).
    pub async fn admin_token_again(&self) -> String {
        let mut conn = self.database.connect();
        let exchange = rogatory::parties::repo::list_parties(
            &mut conn,
            &rogatory::parties::repo::PartyFilter {
                kind: Some(rogatory::vocab::PartyKind::Exchange),
                country: None,
                statuses: vec![rogatory::vocab::PartyStatus::Active],
            },
            rogatory::page::Page { limit: 1, after: None },
        )
        .expect("the exchange party")
        .into_iter()
        .next()
        .expect("bootstrapped")
        .into_party()
        .expect("party");
        let input = rogatory::parties::dto::NewClient {
            name: "second exchange admin".into(),
            roles: vec![rogatory::auth::roles::Role::ExchangeAdmin],
            external_issuer: None,
            external_subject: None,
        };
        let credentials = rogatory::parties::service::create_client(
            &mut conn,
            &rogatory::audit::Actor::cli("test"),
            &exchange,
            input,
            true,
            &[],
            self.state.clock.now(),
        )
        .expect("client");
        self.token(&Credentials {
            client_id: credentials.client_id,
            client_secret: credentials.client_secret.expect("secret"),
            party_id: exchange.id.to_string(),
        })
        .await
    }

    /// Creates a party as exchange administrator and verifies it when `active`.
    pub async fn create_party(&self, admin: &str, body: Value, active: bool) -> Value {
        let r = self.call(Method::POST, "/v1/parties", Some(admin), Some(body)).await;
        assert_eq!(r.status, 201, "create party: {}", r.text());
        let party = r.json();
        if !active {
            return party;
        }
        let path = format!("/v1/parties/{}/verify", party["id"].as_str().unwrap());
        let r = self.call(Method::POST, &path, Some(admin), None).await;
        assert_eq!(r.status, 200, "verify party: {}", r.text());
        r.json()
    }

    pub async fn create_client(&self, token: &str, party_id: &str, roles: &[&str]) -> Credentials {
        let path = format!("/v1/parties/{party_id}/clients");
        let r = self
            .call(Method::POST, &path, Some(token), Some(serde_json::json!({"name": "test client", "roles": roles})))
            .await;
        assert_eq!(r.status, 201, "create client: {}", r.text());
        let body = r.json();
        Credentials {
            client_id: body["client_id"].as_str().unwrap().to_owned(),
            client_secret: body["client_secret"].as_str().unwrap().to_owned(),
            party_id: party_id.to_owned(),
        }
    }

    /// An active party with one client holding `roles`, and that client's token.
    pub async fn party_with_token(&self, admin: &str, party: Value, roles: &[&str]) -> (Value, Credentials, String) {
        let party = self.create_party(admin, party, true).await;
        let credentials = self.create_client(admin, party["id"].as_str().unwrap(), roles).await;
        let token = self.token(&credentials).await;
        (party, credentials, token)
    }
}

/// The stored secret hash of a client.
pub fn stored_secret_hash(app: &TestApp, client_id: &str) -> Option<String> {
    use diesel::prelude::*;
    use rogatory::db::schema::api_clients;
    api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .select(api_clients::secret_hash)
        .first(&mut app.database.connect())
        .expect("the client exists")
}

/// Stores the client's secret as an argon2id PHC string, as releases before SHA-256 did.
pub fn store_argon2_secret(app: &TestApp, client_id: &str, secret: &str) {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use diesel::prelude::*;
    use rogatory::db::schema::api_clients;
    let salt = SaltString::generate(&mut rand_core::OsRng);
    let hash = argon2::Argon2::default().hash_password(secret.as_bytes(), &salt).expect("argon2").to_string();
    let updated = diesel::update(api_clients::table.filter(api_clients::client_id.eq(client_id)))
        .set(api_clients::secret_hash.eq(Some(hash)))
        .execute(&mut app.database.connect())
        .expect("update the client");
    assert_eq!(updated, 1);
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub party_id: String,
}

/// A French prosecutor's office, as a directory entry.
pub fn french_prosecutor() -> Value {
    serde_json::json!({
        "kind": "state_authority",
        "name": "Parquet de Paris, section cybercriminalite",
        "country": "FR",
        "designations": ["judicial"],
        "accepted_legal_bases": ["mlat", "eu_eio", "eu_epoc"],
        "languages": ["fr", "en"],
        "notification_emails": ["cyber@parquet-paris.example.fr"]
    })
}

/// Germany's 24/7 point of contact.
pub fn german_24_7() -> Value {
    serde_json::json!({
        "kind": "state_authority",
        "name": "BKA 24/7 point of contact",
        "country": "DE",
        "designations": ["contact_point_24_7", "police"],
        "accepted_legal_bases": ["coe_budapest_29", "coe_224_art9"],
        "languages": ["de", "en"],
        "emergency_contact": "+49 611 55 0",
        "notification_emails": ["24-7@bka.example.de"]
    })
}

/// A platform with an EU legal representative.
pub fn platform() -> Value {
    serde_json::json!({
        "kind": "service_provider",
        "name": "Example Platforms",
        "country": "US",
        "legal_entities": [
            {"region": "EU", "country": "IE", "name": "Example Platforms Ireland Ltd"},
            {"region": "*", "country": "US", "name": "Example Platforms Inc"}
        ],
        "accepted_legal_bases": ["eu_epoc", "eu_epoc_pr", "us_2703f", "us_2702_emergency"],
        "languages": ["en"],
        "emergency_contact": "lers-emergency@example.com",
        "notification_emails": ["lers@example.com"]
    })
}

/// Settings as `serve` would read them, for a given database.
/// The key-encryption key of the tests (32 bytes of 0x2a in base64).
pub const TEST_KEK: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

pub fn settings_for(url: &str, data_dir: &std::path::Path, extra: &[(&str, &str)]) -> Settings {
    let data_dir = data_dir.to_string_lossy().into_owned();
    Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.to_owned()),
        "ROGATORY_DATA_DIR" => Some(data_dir.clone()),
        "ROGATORY_DB_POOL_SIZE" if !extra.iter().any(|(k, _)| *k == key) => Some("4".into()),
        // The tests' webhook receivers listen on 127.0.0.1; the SSRF tests set it to 0.
        "ROGATORY_WEBHOOK_ALLOW_PRIVATE" if !extra.iter().any(|(k, _)| *k == key) => Some("1".into()),
        // On PostgreSQL the signing keys live in the database, sealed with it (ignored on SQLite).
        "ROGATORY_KEY_ENCRYPTION_KEY" if !extra.iter().any(|(k, _)| *k == key) => Some(TEST_KEK.into()),
        _ => extra.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()),
    })
    .expect("test settings are valid")
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type; body: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["type"], format!("https://rogatory.dev/problems/{code}"), "{body}");
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
        body
    }
}

/// Writes a test once and runs it on both backends: `backend_test!(async fn name(app) { … })`
/// expands into `name::sqlite` and `name::postgres`, each with a fresh database.
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::support::TestApp) $body

            $(#[$meta])*
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = $crate::support::TestApp::spawn($crate::support::TestBackend::Sqlite).await {
                    run(app).await;
                }
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::spawn($crate::support::TestBackend::Postgres).await {
                    run(app).await;
                }
            }
        }
    };
}

/// The attachment stores every attachment test runs on (`store_test!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStore {
    Dir,
    Postgres,
    S3,
}

/// Writes an attachment test once and runs it on every store: `store_test!(async fn name(app)
/// { … })` expands into `name::dir` (SQLite), `name::postgres` (PostgreSQL) and `name::s3`
/// (moto), each with a fresh database and store. `store_test!(name => scenario)` runs
/// `async fn scenario(store: TestStore)` (which builds its own application) the same way.
#[macro_export]
macro_rules! store_test {
    // A scenario that builds its own application (other settings) from the store it is given.
    ($(#[$meta:meta])* $name:ident => $scenario:path) => {
        mod $name {
            $(#[$meta])*
            #[actix_web::test]
            async fn dir() {
                $scenario($crate::support::TestStore::Dir).await;
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn postgres() {
                $scenario($crate::support::TestStore::Postgres).await;
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn s3() {
                $scenario($crate::support::TestStore::S3).await;
            }
        }
    };
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::support::TestApp) $body

            $(#[$meta])*
            #[actix_web::test]
            async fn dir() {
                if let Some(app) = $crate::support::TestApp::with_store($crate::support::TestStore::Dir).await {
                    run(app).await;
                }
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::with_store($crate::support::TestStore::Postgres).await {
                    run(app).await;
                }
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn s3() {
                if let Some(app) = $crate::support::TestApp::with_store($crate::support::TestStore::S3).await {
                    run(app).await;
                }
            }
        }
    };
}

/// Runs `async fn name(backend: TestBackend)` on SQLite and on PostgreSQL as `name::sqlite` and
/// `name::postgres`: for scenarios that build their own application (a manual clock, extra
/// settings, the binary as a process).
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* $name:ident) => {
        $crate::on_both_backends!($(#[$meta])* $name => $name);
    };
    // `name => scenario`: the tests are `name::sqlite` and `name::postgres`; `scenario` is a
    // function or closure of the backend (e.g. `|b| token_flood(b, true)`).
    ($(#[$meta:meta])* $name:ident => $scenario:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[actix_web::test]
            async fn sqlite() {
                ($scenario)($crate::support::TestBackend::Sqlite).await;
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn postgres() {
                ($scenario)($crate::support::TestBackend::Postgres).await;
            }
        }
    };
}
