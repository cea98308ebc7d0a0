//! The test harness: a `TestApp` built exactly as `serve` builds the application, on a fresh
//! database of either backend, and `backend_test!` to write a test once and run it on both.

pub mod database;
pub mod schema;

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
use rogatory::{AppState, Settings, build_app};

type CallFuture = Pin<Box<dyn Future<Output = ServiceResponse<BoxBody>>>>;

pub struct TestApp {
    call: Box<dyn Fn(Request) -> CallFuture>,
    pub state: AppState,
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

    /// The application on an existing test database, with extra settings.
    pub async fn on(database: TestDatabase, extra: &[(&str, &str)]) -> TestApp {
        let settings = database.settings(extra);
        let state = actix_web::web::block(move || AppState::init(settings))
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
        TestApp { call, state, database }
    }

    pub async fn send(&self, request: TestRequest) -> TestResponse {
        let response = (self.call)(request.to_request()).await;
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
}

/// Settings as `serve` would read them, for a given database.
pub fn settings_for(url: &str, data_dir: &std::path::Path, extra: &[(&str, &str)]) -> Settings {
    let data_dir = data_dir.to_string_lossy().into_owned();
    Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.to_owned()),
        "ROGATORY_DATA_DIR" => Some(data_dir.clone()),
        "ROGATORY_DB_POOL_SIZE" if !extra.iter().any(|(k, _)| *k == key) => Some("4".into()),
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
