//! Fault drills with a pass/fail verdict. The first two run with every `cargo test`; the ones
//! that mount a file system or restart PostgreSQL are `#[ignore]`d there and run alone by
//! `.ci/run` (`cargo test --test api drill_ -- --ignored --test-threads=1`).

use std::cell::RefCell;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::backend_test;
use crate::on_both_backends;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase};

backend_test! {
    async fn drill_hundred_identical_posts_make_one_request(app) {
        let w = world(&app).await;
        let send = || actix_web::test::TestRequest::post().uri("/v1/requests")
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("idempotency-key", "drill-100")).set_json(preservation_request());
        let answers = futures_util::future::join_all((0..100).map(|_| app.send(send()))).await;
        let ids: std::collections::BTreeSet<String> = answers.iter().map(|r| ok(r, 201)["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 1);
        let mine = ok(&get(&app, &w.fr_24_7, "/v1/requests?direction=outgoing").await, 200);
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(app: &TestApp, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .arg("serve")
        .current_dir(app.database.path())
        .env("DATABASE_URL", &app.database.url)
        .env("ROGATORY_DATA_DIR", app.database.data_dir())
        .env("ROGATORY_LISTEN", format!("127.0.0.1:{port}"))
        .env("ROGATORY_TOKEN_ISSUER", app.state.tokens.issuer.clone())
        .env("ROGATORY_BACKGROUND", "off")
        .env("ROGATORY_DB_TIMEOUT_SECS", "2")
        .env("ROGATORY_KEY_ENCRYPTION_KEY", crate::support::TEST_KEK)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rogatory serve");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(25));
    }
    Server(child)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Clients creating requests against a real server until `stop` says so; returns the ids
/// that were acknowledged with 201 and the statuses of the failures.
async fn create_load(port: u16, token: String, clients: usize, stop: Rc<RefCell<bool>>) -> (Vec<String>, Vec<u16>) {
    create_load_counting(port, token, clients, stop, Rc::new(RefCell::new(0))).await
}

/// `create_load`, counting acknowledgements in `progress` as they come, so a drill can strike
/// once the load really runs (a fixed pause is too short on a loaded machine).
async fn create_load_counting(
    port: u16,
    token: String,
    clients: usize,
    stop: Rc<RefCell<bool>>,
    progress: Rc<RefCell<usize>>,
) -> (Vec<String>, Vec<u16>) {
    let acked = Rc::new(RefCell::new(Vec::new()));
    let failures = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = vec![];
    for _ in 0..clients {
        let (token, acked, failures, stop, progress) =
            (token.clone(), acked.clone(), failures.clone(), stop.clone(), progress.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let client = awc::Client::builder().timeout(Duration::from_secs(5)).finish();
            while !*stop.borrow() {
                let res = client
                    .post(format!("http://127.0.0.1:{port}/v1/requests"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .insert_header(("idempotency-key", uuid::Uuid::now_v7().to_string()))
                    .send_json(&preservation_request())
                    .await;
                match res {
                    Ok(mut r) if r.status() == 201 => {
                        let v: Value = r.json().await.unwrap_or_default();
                        acked.borrow_mut().push(v["id"].as_str().unwrap_or_default().to_owned());
                        *progress.borrow_mut() += 1;
                    }
                    Ok(r) => failures.borrow_mut().push(r.status().as_u16()),
                    Err(_) => {
                        failures.borrow_mut().push(0);
                        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.borrow().clone();
    let failures = failures.borrow().clone();
    (acked, failures)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(&mut app.database.connect()).unwrap().n
}

async fn kill_9_during_load(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let port = free_port();
    let mut server = start_server(&app, port);
    let stop = Rc::new(RefCell::new(false));
    let progress = Rc::new(RefCell::new(0));
    let load =
        actix_web::rt::spawn(create_load_counting(port, w.fr_24_7.token.clone(), 6, stop.clone(), progress.clone()));
    // kill -9 in the middle of the load: once it has written something, at most 30 s on.
    let started = Instant::now();
    while *progress.borrow() < 20 && started.elapsed() < Duration::from_secs(30) {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    *stop.borrow_mut() = true;
    let (acked, failures) = load.await.unwrap();
    assert!(acked.len() > 10, "the load ran: {} acknowledged; failures (0 = no answer): {failures:?}", acked.len());
    eprintln!("{backend:?}: {} requests acknowledged before kill -9, {} failed around it", acked.len(), failures.len());

    let _restarted = start_server(&app, port);
    // Every acknowledged request is there, and its audit chain verifies.
    for id in &acked {
        let r = get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await;
        assert_eq!(r.status, 200, "acknowledged request {id} lost");
        let audit = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(audit["status"], "intact", "{audit}");
    }
    // Nothing half-exists: every stored request has its participants and its creation event.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM requests r WHERE NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.event_type = 'request.created')"
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM requests r WHERE NOT EXISTS (SELECT 1 FROM request_participants p WHERE p.request_id = r.id AND p.role = 'issuer')"
        ),
        0
    );
    let stored = count(&app, "SELECT COUNT(*) AS n FROM requests");
    assert!(stored >= acked.len() as i64, "{stored} stored < {} acknowledged", acked.len());
}

on_both_backends!(drill_kill_9_during_create_load => kill_9_during_load);

/// PostgreSQL restarts under load: the service answers 503 problems while it is down,
/// recovers by itself, and loses nothing it acknowledged. Restarts the machine's cluster.
#[actix_web::test]
#[ignore = "fault drill: restarts PostgreSQL; run alone by .ci/run"]
async fn drill_postgres_restart_during_load() {
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let port = free_port();
    let _server = start_server(&app, port);
    let stop = Rc::new(RefCell::new(false));
    let load = actix_web::rt::spawn(create_load(port, w.fr_24_7.token.clone(), 4, stop.clone()));
    actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
    let version = std::fs::read_dir("/etc/postgresql").unwrap().next().unwrap().unwrap().file_name();
    let version = version.to_string_lossy().into_owned();
    assert!(
        Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "stop", "-m", "fast"])
            .status()
            .unwrap()
            .success()
    );
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    // While it is down: a 503 problem, not a 500 and not a hang.
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let mut down = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.unwrap();
    assert_eq!(down.status(), 503);
    let problem: Value = down.json().await.unwrap();
    assert_eq!(problem["code"], "database_unavailable");
    assert!(
        Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status()
            .unwrap()
            .success()
    );
    actix_web::rt::time::sleep(Duration::from_millis(3000)).await;
    *stop.borrow_mut() = true;
    let (acked, failures) = load.await.unwrap();
    assert!(
        failures.iter().all(|s| *s == 503 || *s == 0),
        "only 503 problems (or refused connections) while down: {failures:?}"
    );
    assert!(!acked.is_empty(), "the load ran: nothing was acknowledged, so nothing could be checked");
    // Recovered without a restart of the service.
    let after = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.unwrap();
    assert_eq!(after.status(), 200);
    for id in &acked {
        assert_eq!(
            get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await.status,
            200,
            "acknowledged request {id} lost"
        );
    }
    eprintln!("postgres restart: {} acknowledged, {} refused while down, all present", acked.len(), failures.len());
}

/// The attachment store fills up: a clear 507 problem, and no half-written attachment.
#[actix_web::test]
#[ignore = "fault drill: mounts a 1 MB tmpfs (needs root); run by .ci/run"]
async fn drill_full_disk_for_attachments() {
    let Some(database) = TestDatabase::create(TestBackend::Sqlite) else { return };
    let store = database.data_dir().join("attachments");
    std::fs::create_dir_all(&store).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&store).status().unwrap();
    assert!(mounted.success(), "cannot mount a tmpfs at {} (root needed)", store.display());
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(store.clone());
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    let r = app
        .send(
            actix_web::test::TestRequest::post()
                .uri(&format!("/v1/requests/{id}/attachments"))
                .insert_header(("authorization", format!("Bearer {}", w.platform.token)))
                .set_payload(vec![9u8; 3 * 1024 * 1024]),
        )
        .await;
    r.assert_problem(507, "insufficient_storage");
    assert!(
        ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/attachments")).await, 200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let left: Vec<_> = std::fs::read_dir(store.join("tmp")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(left.is_empty(), "no half-written file: {left:?}");
    // Space freed: a small upload works.
    ok(
        &app.send(
            actix_web::test::TestRequest::post()
                .uri(&format!("/v1/requests/{id}/attachments"))
                .insert_header(("authorization", format!("Bearer {}", w.platform.token)))
                .set_payload(vec![1u8; 1000]),
        )
        .await,
        201,
    );
}

/// The disk under the SQLite database fills up: every write answers a 507 problem (never a
/// 500), nothing is half-written, and the service recovers by itself once space is freed.
#[actix_web::test]
#[ignore = "fault drill: mounts a tmpfs (needs root); run by .ci/run"]
async fn drill_full_disk_for_the_sqlite_database() {
    use std::io::Write;
    let Some(database) = TestDatabase::create(TestBackend::Sqlite) else { return };
    let dir = database.path().to_path_buf();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"]).arg(&dir).status().unwrap();
    assert!(mounted.success(), "cannot mount a tmpfs at {} (root needed)", dir.display());
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(dir.clone());
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let port = free_port();
    let _server = crate::support::process::spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let http = crate::support::process::Http::new(port);
    // Fill what is left of the disk.
    let filler = dir.join("filler");
    {
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut created = vec![];
    for _ in 0..60 {
        let answer = http.call("POST", "/v1/requests", &w.fr_24_7.token, Some(&preservation_request()), &[]).await;
        *statuses.entry(answer.status).or_default() += 1;
        match answer.status {
            201 => created.push(answer.body["id"].as_str().unwrap().to_owned()),
            507 => assert_eq!(answer.body["code"], "insufficient_storage", "{:?}", answer.body),
            other => panic!("a full disk answers 201 or 507, not {other}: {:?}", answer.body),
        }
    }
    assert!(statuses.get(&507).is_some_and(|n| *n > 0), "the disk was full: {statuses:?}");
    // Space comes back: writes work again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let answer = http.call("POST", "/v1/requests", &w.fr_24_7.token, Some(&preservation_request()), &[]).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    created.push(answer.body["id"].as_str().unwrap().to_owned());
    assert_eq!(http.call("GET", "/readyz", "-", None, &[]).await.status, 200);
    // Nothing half-written: every acknowledged request is whole and its chain intact.
    for id in &created {
        let audit = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(audit["status"], "intact", "{audit}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM requests r WHERE NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id)"
        ),
        0
    );
    eprintln!("sqlite full disk: {statuses:?}, then recovered");
}

/// The SQLite database stops taking writes under a running server (its write-ahead log made
/// immutable, as a read-only or failing disk would): `/readyz` answers 503 and says why,
/// writes answer 503 problems (never 500), and both recover without a restart.
#[actix_web::test]
#[ignore = "fault drill: chattr +i on the database's files (needs root); run by .ci/run"]
async fn drill_sqlite_database_that_cannot_be_written() {
    let Some(database) = TestDatabase::create(TestBackend::Sqlite) else { return };
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let port = free_port();
    let mut server = crate::support::process::spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let http = crate::support::process::Http::new(port);
    assert_eq!(http.call("GET", "/readyz", "-", None, &[]).await.status, 200);
    let wal = app.database.path().join("rogatory.db-wal");
    assert!(wal.exists(), "the database runs in WAL mode");
    let chattr = |flag: &str| {
        let ok = Command::new("chattr").arg(flag).arg(&wal).status().unwrap().success();
        assert!(ok, "chattr {flag} {} (root needed)", wal.display());
    };
    struct Mutable(std::path::PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
    let _mutable = Mutable(wal.clone());
    chattr("+i");
    let ready = http.call("GET", "/readyz", "-", None, &[]).await;
    assert_eq!(ready.status, 503, "{:?}", ready.body);
    assert_eq!(ready.body["code"], "service_unavailable", "{:?}", ready.body);
    assert!(ready.body["detail"].as_str().unwrap().contains("does not accept writes"), "{:?}", ready.body);
    for _ in 0..5 {
        let write = http.call("POST", "/v1/requests", &w.fr_24_7.token, Some(&preservation_request()), &[]).await;
        assert!(matches!(write.status, 503 | 507), "a problem, not a 500: {} {:?}", write.status, write.body);
    }
    chattr("-i");
    let started = Instant::now();
    while http.call("GET", "/readyz", "-", None, &[]).await.status != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "recovers without a restart");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let created = http.call("POST", "/v1/requests", &w.fr_24_7.token, Some(&preservation_request()), &[]).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let audit =
        ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{}/audit", created.body["id"].as_str().unwrap())).await, 200);
    assert_eq!(audit["status"], "intact");
    server.0.kill().unwrap();
    server.0.wait().unwrap();
}
