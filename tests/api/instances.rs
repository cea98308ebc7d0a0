//! Several instances on one database (issue 17): one identity (the signing keys in the
//! database, one issuer), `rogatory keys rotate` reaching every instance, a wrong
//! key-encryption key refused at start-up, token-failure limits counted across instances.

use std::process::Command;
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use base64::Engine;
use serde_json::Value;

use crate::backend_test;
use crate::support::process::{Process, free_port, spawn};
use crate::support::{Credentials, TEST_KEK, TestApp, TestBackend, TestDatabase};

const PUBLIC_URL: &str = "https://exchange.rogatory.test";

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// `rogatory keys …` as an operator runs it: (success, JSON on stdout, stderr).
fn keys_command(database: &TestDatabase, kek: &str, args: &[&str]) -> (bool, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .arg("keys")
        .args(args)
        .current_dir(database.path())
        .env("DATABASE_URL", &database.url)
        .env("ROGATORY_DATA_DIR", database.data_dir())
        .env("ROGATORY_KEY_ENCRYPTION_KEY", kek)
        .env("ROGATORY_KEY_POLL_SECS", "1")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the rogatory binary");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.success(), json, String::from_utf8_lossy(&output.stderr).into_owned())
}

async fn token_from(port: u16, credentials: &Credentials) -> String {
    let mut response = awc::Client::new()
        .post(format!("http://127.0.0.1:{port}/v1/oauth/token"))
        .send_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
        ])
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn me_status(port: u16, token: &str) -> u16 {
    awc::Client::new()
        .get(format!("http://127.0.0.1:{port}/v1/me"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("an answer")
        .status()
        .as_u16()
}

async fn jwks_kids(port: u16) -> Vec<String> {
    let mut response =
        awc::Client::new().get(format!("http://127.0.0.1:{port}/.well-known/jwks.json")).send().await.unwrap();
    let jwks: Value = response.json().await.unwrap();
    let mut kids: Vec<String> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect();
    kids.sort();
    kids
}

/// Two instances on one PostgreSQL database with the same public URL accept each other's
/// tokens and publish the same keys, with nothing shared but the database and the KEK.
#[actix_web::test]
async fn two_instances_accept_each_others_tokens() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let one = TestApp::on(database, &[("ROGATORY_PUBLIC_URL", PUBLIC_URL)]).await;
    let two = TestApp::on(one.database.sibling(), &[("ROGATORY_PUBLIC_URL", PUBLIC_URL)]).await;
    assert_eq!(one.state.tokens.issuer, PUBLIC_URL);
    assert_eq!(one.state.tokens.keys.signing.kid, two.state.tokens.keys.signing.kid, "one key for both");
    assert!(!one.database.data_dir().join("jwt-signing-key.pem").exists(), "no key file on PostgreSQL");

    let credentials = one.bootstrap();
    for (issuer, verifier) in [(&one, &two), (&two, &one)] {
        let token = issuer.token(&credentials).await;
        let r = verifier
            .send(TestRequest::get().uri("/v1/me").insert_header(("authorization", format!("Bearer {token}"))))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(one.get("/.well-known/jwks.json").await.json(), two.get("/.well-known/jwks.json").await.json());
}

/// Instances starting at once on an empty table end with one key.
#[actix_web::test]
async fn instances_starting_at_once_make_one_key() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    rogatory::db::migrations::run_pending(&mut database.connect()).unwrap();
    let siblings: Vec<TestDatabase> = (0..4).map(|_| database.sibling()).collect();
    let starts: Vec<_> = siblings
        .iter()
        .map(|sibling| {
            let settings = sibling.settings(&[]);
            std::thread::spawn(move || rogatory::AppState::init(settings).map(|s| s.tokens.keys.signing.kid.clone()))
        })
        .collect();
    let kids: std::collections::BTreeSet<String> =
        starts.into_iter().map(|t| t.join().unwrap().expect("the instance starts")).collect();
    assert_eq!(kids.len(), 1, "{kids:?}");
    let (ok, listed, stderr) = keys_command(&database, TEST_KEK, &["list"]);
    assert!(ok, "{stderr}");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    drop(siblings);
}

/// A kid is a JWK thumbprint in base64url (RFC 7638), so one in 64 starts with `-`: the
/// command line takes it as the kid, not as an option (`keys_rotate_reaches_every_instance`
/// failed so on a rotation whose new kid began `-J`).
#[actix_web::test]
async fn a_kid_that_starts_with_a_hyphen_is_a_kid() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let _app = TestApp::on(database.sibling(), &[]).await;
    let (ok, _, stderr) = keys_command(&database, TEST_KEK, &["retire", "-JxZa9kq3cTn0iNhoWQd7WbGO5sBqX-4V2j1mYRuE8"]);
    assert!(!ok, "no such key");
    assert!(
        stderr.contains("no signing key -JxZa9kq3cTn0iNhoWQd7WbGO5sBqX-4V2j1mYRuE8 in the database"),
        "the kid reached the key store: {stderr}"
    );
}

/// The race behind a start that failed with "no active signing key" (four instances at once,
/// the machine loaded): an instance reads its clock, waits for the keys' lock while another
/// instance, whose clock reading came later, creates the key; the first then finds the key
/// and must load it at a reading taken after the wait, not before.
#[actix_web::test]
async fn an_instance_that_waited_for_another_s_key_starts_with_it() {
    use rogatory::auth::key_store::{Kek, Seed, ensure_and_load, ensure_signing_key};
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let mut conn = database.connect();
    rogatory::db::migrations::run_pending(&mut conn).unwrap();
    let kek = Kek::parse(TEST_KEK).unwrap();
    let seed = Seed { signing_pem: None, previous_pems: vec![] };
    let before = chrono::Utc::now();
    // The other instance, whose clock reading came after this one's.
    let created = ensure_signing_key(&mut conn, &kek, &seed, before + chrono::TimeDelta::seconds(2)).unwrap();
    assert_eq!(created.len(), 1);
    // This instance's readings: before the wait, then after it.
    let readings = std::cell::RefCell::new(vec![before + chrono::TimeDelta::seconds(3), before]);
    let clock = || readings.borrow_mut().pop().unwrap();
    let started = ensure_and_load(&mut conn, &kek, &seed, &clock).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(started.created.is_empty(), "the other instance's key is kept: {:?}", started.created);
    assert_eq!(started.ring.signing.kid, created[0]);
}

/// `rogatory keys rotate` (the real binary) makes both running instances sign with the new
/// key within the poll interval, while tokens signed with the old one keep verifying;
/// `keys retire` then takes the old key out everywhere, and the signing key cannot be retired.
#[actix_web::test]
async fn keys_rotate_reaches_every_instance() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let app = TestApp::on(database, &[("ROGATORY_PUBLIC_URL", PUBLIC_URL)]).await;
    let credentials = app.bootstrap();
    let env = [("ROGATORY_PUBLIC_URL", PUBLIC_URL), ("ROGATORY_KEY_POLL_SECS", "1"), ("ROGATORY_BACKGROUND", "off")];
    let ports = [free_port(), free_port()];
    let _servers: Vec<Process> = ports.iter().map(|p| spawn(&app, "serve", Some(*p), &env)).collect();

    let old_tokens = [token_from(ports[0], &credentials).await, token_from(ports[1], &credentials).await];
    let old_kid = kid_of(&old_tokens[0]);
    assert_eq!(kid_of(&old_tokens[1]), old_kid);
    for token in &old_tokens {
        for port in ports {
            assert_eq!(me_status(port, token).await, 200, "each instance accepts the other's tokens");
        }
    }

    let (ok, rotated, stderr) = keys_command(&app.database, TEST_KEK, &["rotate"]);
    assert!(ok, "{stderr}");
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    assert_eq!(rotated["state"], "pending", "it signs one poll interval later: {rotated}");

    // Within the poll interval (1 s) after the activation (1 s), both sign with the new key.
    let started = Instant::now();
    for port in ports {
        loop {
            let token = token_from(port, &credentials).await;
            if kid_of(&token) == new_kid {
                for other in ports {
                    assert_eq!(me_status(other, &token).await, 200, "the new key verifies everywhere");
                }
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(8), "instance on {port} still signs with {old_kid}");
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let mut both = vec![old_kid.clone(), new_kid.clone()];
    both.sort();
    for port in ports {
        assert_eq!(jwks_kids(port).await, both, "both keys published");
        for token in &old_tokens {
            assert_eq!(me_status(port, token).await, 200, "tokens of the old key still verify");
        }
    }

    let (ok, _, stderr) = keys_command(&app.database, TEST_KEK, &["retire", &new_kid]);
    assert!(!ok && stderr.contains("signs now"), "the signing key cannot be retired: {stderr}");
    let (ok, retired, stderr) = keys_command(&app.database, TEST_KEK, &["retire", &old_kid]);
    assert!(ok, "{stderr}");
    assert_eq!(retired["state"], "retired");
    let started = Instant::now();
    for port in ports {
        while me_status(port, &old_tokens[0]).await != 401 {
            assert!(started.elapsed() < Duration::from_secs(5), "instance on {port} still accepts a retired key");
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(jwks_kids(port).await, vec![new_kid.clone()]);
    }
}

/// A key-encryption key that cannot open the keys in the database stops start-up with a
/// message naming the key; so does a missing or malformed one on PostgreSQL. Never a panic.
#[actix_web::test]
async fn a_wrong_key_encryption_key_refuses_to_start() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let app = TestApp::on(database, &[]).await;
    let kid = app.state.tokens.keys.signing.kid.clone();
    let other = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);

    let settings = app.database.sibling().settings(&[("ROGATORY_KEY_ENCRYPTION_KEY", &other)]);
    let error = rogatory::AppState::init(settings).expect_err("a wrong KEK must not start").to_string();
    assert!(error.contains(&kid) && error.contains("ROGATORY_KEY_ENCRYPTION_KEY"), "{error}");

    let (ok, _, stderr) = keys_command(&app.database, &other, &["rotate"]);
    assert!(!ok && stderr.contains(&kid), "no rotation under another KEK: {stderr}");

    // Missing (the test harness sets one unless told; an empty value is unset).
    let settings = app.database.sibling().settings(&[("ROGATORY_KEY_ENCRYPTION_KEY", "")]);
    let error = rogatory::AppState::init(settings).expect_err("no KEK on PostgreSQL").to_string();
    assert!(error.contains("ROGATORY_KEY_ENCRYPTION_KEY is required on PostgreSQL"), "{error}");

    // Malformed: named, never echoed.
    let error = rogatory::Settings::from_lookup(|key| {
        (key == "ROGATORY_KEY_ENCRYPTION_KEY").then(|| "c2hvcnQtc2VjcmV0".to_owned())
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("ROGATORY_KEY_ENCRYPTION_KEY") && error.contains("12 bytes"), "{error}");
    assert!(!error.contains("c2hvcnQtc2VjcmV0"), "{error}");

    // A key file on PostgreSQL while the database keeps its keys: instances would disagree.
    let file = app.database.path().join("own.pem");
    rogatory::auth::keys::write_new_key(&file).unwrap();
    let settings = app
        .database
        .sibling()
        .settings(&[("ROGATORY_KEY_ENCRYPTION_KEY", ""), ("ROGATORY_JWT_SIGNING_KEY_FILE", file.to_str().unwrap())]);
    let error = rogatory::AppState::init(settings).expect_err("a key file beside keys in the database").to_string();
    assert!(error.contains(&kid) && error.contains("ROGATORY_KEY_ENCRYPTION_KEY"), "{error}");
}

/// A PostgreSQL deployment that kept its key in the data directory keeps it: the first start
/// with a KEK moves it into the database, so what it signed keeps verifying.
#[actix_web::test]
async fn the_key_file_of_an_earlier_release_seeds_the_database() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let file = database.data_dir().join("jwt-signing-key.pem");
    rogatory::auth::keys::write_new_key(&file).unwrap();
    let (ring, _) = rogatory::auth::keys::KeyRing::load(Some(&file), &file, &[]).unwrap();
    let app = TestApp::on(database, &[]).await;
    assert_eq!(app.state.tokens.keys.signing.kid, ring.signing.kid);
}

backend_test! {
    /// Failed token requests count against the limit on whichever instance they arrive at.
    async fn token_failures_are_counted_across_instances(app) {
        let extra = [("ROGATORY_TOKEN_MAX_FAILURES", "3"), ("ROGATORY_PUBLIC_URL", PUBLIC_URL)];
        let one = TestApp::on(app.database.sibling(), &extra).await;
        let two = TestApp::on(app.database.sibling(), &extra).await;
        let credentials = one.bootstrap();
        let wrong = || {
            TestRequest::post().uri("/v1/oauth/token").set_form([
                ("grant_type", "client_credentials"),
                ("client_id", credentials.client_id.as_str()),
                ("client_secret", "rgs_wrong"),
            ])
        };
        assert_eq!(one.send(wrong()).await.status, 401);
        assert_eq!(two.send(wrong()).await.status, 401);
        assert_eq!(one.send(wrong()).await.status, 401);
        for instance in [&two, &one] {
            let r = instance.send(wrong()).await;
            assert_eq!(r.status, 429, "the fourth failure, on any instance: {}", r.text());
            assert!(r.header("retry-after").is_some());
        }
        drop((one, two));
    }
}
