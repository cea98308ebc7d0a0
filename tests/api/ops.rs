//! Liveness, readiness and the request id.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use rogatory::db::migrations;

use crate::backend_test;
use crate::support::{TestApp, TestBackend, TestDatabase};

backend_test! {
    async fn health_and_readiness_answer(app) {
        let r = app.get("/healthz").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["status"], "ok");

        let r = app.get("/readyz").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let expected = match app.database.backend {
            TestBackend::Sqlite => "sqlite",
            TestBackend::Postgres => "postgres",
        };
        assert_eq!(r.json()["database"], expected);
        assert_eq!(app.state.db.backend().to_string(), expected);
        assert_eq!(r.json()["migrations"], "applied");
    }
}

backend_test! {
    async fn every_response_carries_a_request_id(app) {
        let generated = app.get("/healthz").await;
        let id = generated.header("x-request-id").expect("x-request-id");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert_ne!(app.get("/healthz").await.header("x-request-id"), Some(id), "a new id per request");

        let r = app.send(actix_web::test::TestRequest::get().uri("/nope").insert_header(("x-request-id", "case-4711.a"))).await;
        assert_eq!(r.header("x-request-id"), Some("case-4711.a"), "the caller's id is kept, also on errors");

        // An id that could forge log lines is replaced.
        let r = app.send(actix_web::test::TestRequest::get().uri("/healthz").insert_header(("x-request-id", "a b\"c"))).await;
        assert_ne!(r.header("x-request-id"), Some("a b\"c"));
    }
}

backend_test! {
    async fn readiness_is_503_while_migrations_are_pending(app) {
        let mut conn = app.database.connect();
        let source = migrations::source_for(conn.backend());
        diesel_migrations::MigrationHarness::revert_last_migration(&mut conn, source).expect("revert");
        let r = app.get("/readyz").await;
        let body = r.assert_problem(503, "service_unavailable");
        assert!(body["detail"].as_str().unwrap().contains("migrations"), "{body}");
        migrations::run_pending(&mut conn).expect("up");
        assert_eq!(app.get("/readyz").await.status, 200);
    }
}

/// PostgreSQL going away: readiness and reads answer a 503 problem, not a hang or a 500.
#[actix_web::test]
async fn a_lost_postgres_database_is_503() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let app = TestApp::on(database, &[("ROGATORY_DB_TIMEOUT_SECS", "1")]).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    let name = app.database.url.rsplit('/').next().unwrap().to_owned();
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| crate::support::database::DEFAULT_ADMIN_URL.into());
    let mut admin = diesel::PgConnection::establish(&admin).expect("admin connection");
    admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).expect("drop");
    let r = app.get("/readyz").await;
    r.assert_problem(503, "database_unavailable");
    assert_eq!(r.header("retry-after"), Some("5"));
    app.get("/v1/legal-bases").await.assert_problem(503, "database_unavailable");
}
