//! The `rogatory admin …` commands, run as the real binary against both backends.

use std::process::Command;

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{Credentials, TestApp, TestBackend, TestDatabase};

fn rogatory(database: &TestDatabase, args: &[&str]) -> (bool, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(args)
        .current_dir(database.path())
        .env("DATABASE_URL", &database.url)
        .env("ROGATORY_DATA_DIR", database.data_dir())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the rogatory binary");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (output.status.success(), json, String::from_utf8_lossy(&output.stderr).into_owned())
}

async fn bootstrap_then_onboard(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let (ok, boot, stderr) = rogatory(&database, &["admin", "bootstrap", "--email", "ops@exchange.example.org"]);
    assert!(ok, "{stderr}");
    assert!(boot["client_id"].as_str().unwrap().starts_with("rgc_"), "{boot}");
    assert!(boot["client_secret"].as_str().unwrap().starts_with("rgs_"), "{boot}");

    let (ok, _, stderr) = rogatory(&database, &["admin", "bootstrap"]);
    assert!(!ok, "a second bootstrap must refuse");
    assert!(stderr.contains("already bootstrapped"), "{stderr}");

    let (ok, party, stderr) = rogatory(
        &database,
        &[
            "admin",
            "create-party",
            "--kind",
            "state_authority",
            "--name",
            "BKA 24/7 point of contact",
            "--country",
            "DE",
            "--designation",
            "contact_point_24_7",
            "--legal-basis",
            "coe_budapest_29",
            "--email",
            "24-7@bka.example.de",
            "--active",
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(party["status"], "active");
    let (ok, _, stderr) = rogatory(
        &database,
        &["admin", "create-party", "--kind", "state_authority", "--name", "X", "--country", "XX", "--email", "x@y.z"],
    );
    assert!(!ok);
    assert!(stderr.contains("/country") && stderr.contains("/designations"), "{stderr}");

    let party_id = party["id"].as_str().unwrap();
    let (ok, client, stderr) = rogatory(
        &database,
        &[
            "admin",
            "create-client",
            "--party",
            party_id,
            "--name",
            "BKA case system",
            "--role",
            "operator",
            "--role",
            "responder",
        ],
    );
    assert!(ok, "{stderr}");

    // The credentials printed by the command line work against the server.
    let app = TestApp::on(database, &[]).await;
    let credentials = Credentials {
        client_id: client["client_id"].as_str().unwrap().to_owned(),
        client_secret: client["client_secret"].as_str().unwrap().to_owned(),
        party_id: party_id.to_owned(),
    };
    let token = app.token(&credentials).await;
    let me = app.call(actix_web::http::Method::GET, "/v1/me", Some(&token), None).await.json();
    assert_eq!(me["party_id"], party_id);
    assert_eq!(me["roles"], serde_json::json!(["operator", "responder"]));
    let admin = Credentials {
        client_id: boot["client_id"].as_str().unwrap().to_owned(),
        client_secret: boot["client_secret"].as_str().unwrap().to_owned(),
        party_id: boot["party_id"].as_str().unwrap().to_owned(),
    };
    app.token(&admin).await;
}

on_both_backends!(admin_commands => bootstrap_then_onboard);

/// `rogatory demo` fills an empty directory whose clients can get tokens and work at once, and
/// refuses a directory that has parties.
async fn demo_fills_an_empty_directory(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let (ok, demo, stderr) = rogatory(&database, &["demo"]);
    assert!(ok, "{stderr}");
    for key in ["exchange_admin", "fr_24_7", "fr_prosecutor", "de_24_7", "de_central", "ie_enforcing", "platform"] {
        assert!(demo[key]["client_secret"].as_str().is_some_and(|s| s.starts_with("rgs_")), "{key}: {demo}");
    }
    let (again, _, stderr) = rogatory(&database, &["demo"]);
    assert!(!again, "a second demo must refuse");
    assert!(stderr.contains("already has"), "{stderr}");
    // The README walkthrough works with these credentials: France preserves at Germany.
    let app = TestApp::on(database, &[]).await;
    let credentials = |key: &str| Credentials {
        client_id: demo[key]["client_id"].as_str().unwrap().to_owned(),
        client_secret: demo[key]["client_secret"].as_str().unwrap().to_owned(),
        party_id: demo[key]["party_id"].as_str().unwrap().to_owned(),
    };
    let fr = app.token(&credentials("fr_24_7")).await;
    let de = app.token(&credentials("de_24_7")).await;
    let created = app
        .call(
            actix_web::http::Method::POST,
            "/v1/requests",
            Some(&fr),
            Some(crate::support::world::preservation_request()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let submitted =
        app.call(actix_web::http::Method::POST, &format!("/v1/requests/{id}/submit"), Some(&fr), None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    let seen = app.call(actix_web::http::Method::GET, &format!("/v1/requests/{id}"), Some(&de), None).await;
    assert_eq!(seen.status, 200, "routed to Germany's 24/7 point: {}", seen.text());
}

on_both_backends!(demo_fills_an_empty_directory);
