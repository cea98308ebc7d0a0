//! Correct under concurrency and faults (issue 11): the built binary as a process, real
//! concurrent HTTP calls, on both backends.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::support::process::{Http, free_port, spawn};
use crate::support::receiver::Receiver;
use crate::support::smtp::SmtpSink;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase};

/// A preservation from France to Germany, submitted and (optionally) acknowledged.
async fn submitted(app: &TestApp, w: &World, acknowledge: bool) -> String {
    let id = ok(&post(app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&post(app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    if acknowledge {
        ok(&post(app, &w.de_24_7, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
    }
    id
}

fn mails_with(sink: &SmtpSink, needle: &str) -> usize {
    sink.messages().iter().filter(|m| m.contains(needle)).count()
}

/// Item 1: `serve` and `worker` start with `ROGATORY_SMTP_URL` set (lettre's pool needs a
/// runtime, which exists only once the binary runs), and a submission yields exactly one mail.
async fn binary_with_smtp_sends_exactly_one_mail(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let sink = SmtpSink::start(database.path());
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let smtp = sink.url();
    let env = [
        ("ROGATORY_SMTP_URL", smtp.as_str()),
        ("ROGATORY_JOB_POLL_MS", "100"),
        ("ROGATORY_SCAN_INTERVAL_SECS", "3600"),
        ("ROGATORY_WEBHOOK_ALLOW_PRIVATE", "1"),
    ];
    for command in ["serve", "worker"] {
        let port = free_port();
        let mut process = spawn(&app, command, (command == "serve").then_some(port), &env);
        let id = submitted(&app, &w, false).await;
        let reference = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await, 200)["reference"]
            .as_str()
            .unwrap()
            .to_owned();
        let started = Instant::now();
        while mails_with(&sink, &reference) == 0 {
            assert!(started.elapsed() < Duration::from_secs(20), "{command}: no mail for {reference}");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        // Time for a duplicate to show up, if there were one.
        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
        let mails: Vec<String> = sink.messages().into_iter().filter(|m| m.contains(&reference)).collect();
        assert_eq!(mails.len(), 1, "{command}: exactly one mail for {reference}: {mails:#?}");
        assert!(mails[0].contains("To: desk@de.example.org"), "{}", mails[0]);
        // And it stops cleanly with a pooled SMTP connection open: no panic on the way out.
        let (status, stderr) = process.terminate();
        assert!(!stderr.contains("panicked"), "{command} panicked while stopping: {stderr}");
        assert!(status.success(), "{command} exited with {status} after SIGTERM: {stderr}");
    }
}
crate::on_both_backends!(binary_with_smtp_sends_exactly_one_mail);

/// Item 2: 30 concurrent messages and 30 concurrent uploads on one request all succeed, and
/// the event chain stays contiguous and intact.
async fn concurrent_writes_to_one_request(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let id = submitted(&app, &w, true).await;
    let port = free_port();
    let _server = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off"), ("ROGATORY_DB_POOL_SIZE", "16")]);
    let http = Http::new(port);
    let messages = (0..30).map(|i| {
        let (http, token, id) = (http.clone(), w.de_24_7.token.clone(), id.clone());
        async move {
            http.call(
                "POST",
                &format!("/v1/requests/{id}/messages"),
                &token,
                Some(&json!({"body": format!("note {i}")})),
                &[],
            )
            .await
        }
    });
    let uploads = (0..30).map(|i| {
        let (http, token, id) = (http.clone(), w.fr_24_7.token.clone(), id.clone());
        async move {
            http.upload(
                &format!("/v1/requests/{id}/attachments?file_name=f{i}.bin"),
                &token,
                vec![i as u8; 2048 + i],
                &[],
            )
            .await
        }
    });
    let (messages, uploads) = futures_util::future::join(join_all(messages), join_all(uploads)).await;
    for answer in messages.iter().chain(uploads.iter()) {
        assert_eq!(answer.status, 201, "every concurrent write succeeds: {answer:?}");
    }
    let history = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/events")).await, 200);
    let seqs: Vec<i64> = history["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "contiguous chain");
    assert_eq!(events(&history).iter().filter(|t| *t == "message.posted").count(), 30);
    assert_eq!(events(&history).iter().filter(|t| *t == "attachment.added").count(), 30);
    let audit = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/audit")).await, 200);
    assert_eq!(audit["status"], "intact", "{audit}");
}
crate::on_both_backends!(concurrent_writes_to_one_request);

/// Item 3: a withdrawal and a response race; the loser's 409 names the status the request
/// really has, and two PATCHes with the same ETag give the loser a 412.
async fn race_losers_are_told_the_truth(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let port = free_port();
    let _server = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let http = Http::new(port);
    for round in 0..6 {
        let id = submitted(&app, &w, true).await;
        let (withdraw_path, respond_path) =
            (format!("/v1/requests/{id}/withdraw"), format!("/v1/requests/{id}/responses"));
        let (reason, answer) = (json!({"reason": "Resolved."}), json!({"outcome": "preserved", "text": "Preserved."}));
        let withdraw = http.call("POST", &withdraw_path, &w.fr_24_7.token, Some(&reason), &[]);
        let respond = http.call("POST", &respond_path, &w.de_24_7.token, Some(&answer), &[]);
        let (withdraw, respond) = futures_util::future::join(withdraw, respond).await;
        let now = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await, 200)["status"].clone();
        let statuses = (withdraw.status, respond.status);
        // Either may win (a preserved request can still be withdrawn); a loser is a 409 that
        // names the status the request has now, never the status the loser wanted.
        assert!(matches!(statuses, (200, 200) | (200, 409) | (409, 200)), "round {round}: {statuses:?}");
        for loser in [&withdraw, &respond].into_iter().filter(|a| a.status == 409) {
            assert_eq!(loser.body["code"], "conflict", "{:?}", loser.body);
            assert_eq!(loser.body["current_status"], now, "round {round}: {:?}", loser.body);
        }
    }
    for round in 0..6 {
        let draft = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201);
        let id = draft["id"].as_str().unwrap().to_owned();
        let etag = format!("\"{}\"", draft["version"]);
        let patch = |priority: &'static str| {
            let (http, token, id, etag) = (http.clone(), w.fr_24_7.token.clone(), id.clone(), etag.clone());
            async move {
                http.call(
                    "PATCH",
                    &format!("/v1/requests/{id}"),
                    &token,
                    Some(&json!({"priority": priority})),
                    &[("if-match", etag.as_str())],
                )
                .await
            }
        };
        let (a, b) = futures_util::future::join(patch("normal"), patch("urgent")).await;
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}: {:?} {:?}", a.body, b.body);
        let loser = if a.status == 412 { &a } else { &b };
        assert_eq!(loser.body["code"], "precondition_failed");
    }
}
crate::on_both_backends!(race_losers_are_told_the_truth);

/// Item 4: a receiver that never answers does not delay another receiver, and two worker
/// processes never deliver a job twice.
async fn slow_receivers_delay_nobody_and_jobs_run_once(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    // A receiver that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://127.0.0.1:{}/hook", silent.local_addr().unwrap().port());
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in silent.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    let fast = Receiver::start().await;
    let types = json!(["request.submitted", "message.posted"]);
    ok(&post(&app, &w.de_24_7, "/v1/webhooks", json!({"url": silent_url, "event_types": types})).await, 201);
    ok(&post(&app, &w.fr_24_7, "/v1/webhooks", json!({"url": fast.url, "event_types": types})).await, 201);

    let env = [
        ("ROGATORY_JOB_POLL_MS", "100"),
        ("ROGATORY_SCAN_INTERVAL_SECS", "3600"),
        ("ROGATORY_WEBHOOK_ALLOW_PRIVATE", "1"),
    ];
    let _a = spawn(&app, "worker", None, &env);
    let _b = spawn(&app, "worker", None, &env);
    // Germany's silent receiver gets a delivery for each of these submissions.
    let mut ids = vec![];
    for _ in 0..4 {
        ids.push(submitted(&app, &w, true).await);
    }
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    // A message from Germany: France's receiver answers at once and must get it promptly.
    let before = fast.deliveries().len();
    let posted = Instant::now();
    ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{}/messages", ids[0]), json!({"body": "Received."})).await, 201);
    while fast.deliveries().len() == before {
        assert!(posted.elapsed() < Duration::from_secs(10), "the fast receiver got nothing");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let waited = posted.elapsed();
    assert!(waited < Duration::from_secs(1), "delivered after {waited:?}, behind a silent receiver");

    // Many messages, two workers: every delivery exactly once.
    for i in 0..20 {
        ok(
            &post(&app, &w.de_24_7, &format!("/v1/requests/{}/messages", ids[i % 4]), json!({"body": format!("n{i}")}))
                .await,
            201,
        );
    }
    let expected = before + 21;
    let started = Instant::now();
    while fast.deliveries().len() < expected {
        assert!(started.elapsed() < Duration::from_secs(20), "{} of {expected} delivered", fast.deliveries().len());
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for d in fast.deliveries() {
        *seen.entry(d.id).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert_eq!(seen.len(), expected);
    drop(held);
}
crate::on_both_backends!(slow_receivers_delay_nobody_and_jobs_run_once);

/// Item 4: a worker whose lease ran out and was taken over changes nothing (fencing).
async fn a_stale_worker_cannot_undo_a_finished_job(backend: TestBackend) {
    let Some(app) = TestApp::with_manual_clock(backend, &[]).await else { return };
    let clock = app.clock.clone().unwrap();
    let mut conn = app.database.connect();
    let now = rogatory::clock::Clock::now(&clock);
    rogatory::jobs::enqueue(&mut conn, "webhook", json!({"webhook": uuid::Uuid::nil()}), None, now).unwrap();
    let lease_until = now + rogatory::background::worker::LEASE;
    let first = rogatory::db::dialect::claim_jobs(&mut conn, "a:1", now, lease_until, 10).unwrap();
    assert_eq!(first.len(), 1);
    let job = first[0].id.0;
    // The lease runs out; another worker takes the job over and finishes it.
    let later = lease_until + chrono::TimeDelta::seconds(1);
    let second =
        rogatory::db::dialect::claim_jobs(&mut conn, "b:1", later, later + rogatory::background::worker::LEASE, 10)
            .unwrap();
    assert_eq!(second.len(), 1);
    let stale = rogatory::jobs::Lease { job, token: "a:1".into() };
    let current = rogatory::jobs::Lease { job, token: "b:1".into() };
    assert!(rogatory::jobs::complete(&mut conn, &current, later).unwrap());
    // The first worker comes back: neither its failure nor its completion changes anything.
    assert_eq!(rogatory::jobs::fail(&mut conn, &stale, 1, 8, "late", later).unwrap(), None);
    assert!(!rogatory::jobs::complete(&mut conn, &stale, later).unwrap());
    assert!(!rogatory::jobs::renew(&mut conn, &stale, later, later).unwrap());
    #[derive(diesel::QueryableByName)]
    struct State {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
    }
    let state: State = diesel::RunQueryDsl::get_result(diesel::sql_query("SELECT state FROM jobs"), &mut conn).unwrap();
    assert_eq!(state.state, "done");
}
crate::on_both_backends!(a_stale_worker_cannot_undo_a_finished_job);

/// Item 5: drafts are filtered before the page is cut: full pages until the last, and no
/// cursor names another party's draft.
async fn pages_are_full_until_the_last(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let mut sent = vec![];
    for i in 0..23 {
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Two drafts for every submitted request, interleaved.
        if i % 3 == 0 {
            ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
            sent.push(id);
        }
    }
    let mut seen = vec![];
    let mut cursor = String::new();
    let mut sizes = vec![];
    loop {
        let page =
            ok(&get(&app, &w.de_24_7, &format!("/v1/requests?direction=incoming&limit=3&cursor={cursor}")).await, 200);
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    sent.reverse();
    assert_eq!(seen, sent, "every submitted request once, newest first, and no draft");
    assert_eq!(sizes, [3, 3, 2], "pages are full until the last: {sizes:?}");
}
crate::on_both_backends!(pages_are_full_until_the_last);

fn temp_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(app.database.data_dir().join("attachments/tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// Uploads being written: temporary files (`dir`, SQLite's default store) or chunk rows with
/// no digest yet (`postgres`, PostgreSQL's).
fn uploads_in_progress(app: &TestApp) -> Vec<String> {
    match app.database.backend {
        TestBackend::Sqlite => temp_files(app).iter().map(|p| p.display().to_string()).collect(),
        TestBackend::Postgres => {
            use diesel::prelude::*;
            use rogatory::db::schema::attachment_blobs as blobs;
            let ids: Vec<rogatory::db::types::DbUuid> = blobs::table
                .filter(blobs::sha256.is_null())
                .select(blobs::id)
                .load(&mut app.database.connect())
                .unwrap();
            ids.into_iter().map(|id| id.0.to_string()).collect()
        }
    }
}

/// Item 6: an upload cut off by its client, and one refused after its body was read, leave no
/// bytes behind; what a crash left is swept at start-up. On each backend's default store.
async fn partial_uploads_leave_nothing(backend: TestBackend) {
    use std::io::Write;
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let id = submitted(&app, &w, true).await;
    let port = free_port();
    let _server = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    // A client sends half of a 4 MB body, then goes away.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /v1/requests/{id}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 4194304\r\n\r\n",
        w.de_24_7.token
    )
    .unwrap();
    stream.write_all(&vec![7u8; 2 * 1024 * 1024]).unwrap();
    let started = Instant::now();
    while uploads_in_progress(&app).is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(uploads_in_progress(&app).len(), 1, "the upload is being written");
    drop(stream);
    let started = Instant::now();
    while !uploads_in_progress(&app).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "left behind: {:?}", uploads_in_progress(&app));
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }

    // The same Idempotency-Key with other content: a 422, and that content is not kept.
    let http = Http::new(port);
    let path = format!("/v1/requests/{id}/attachments");
    let first = http.upload(&path, &w.de_24_7.token, b"first body".to_vec(), &[("idempotency-key", "k-1")]).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let other = b"another body, refused".to_vec();
    let refused = http.upload(&path, &w.de_24_7.token, other.clone(), &[("idempotency-key", "k-1")]).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "idempotency_key_reused");
    let digest = {
        use sha2::Digest;
        rogatory::audit::chain::hex(&sha2::Sha256::digest(&other))
    };
    let store = &app.state.attachments;
    assert!(!store.exists(&digest).await.unwrap(), "refused content is not kept");
    assert!(store.exists(first.body["sha256"].as_str().unwrap()).await.unwrap(), "recorded content stays");
    assert!(uploads_in_progress(&app).is_empty());

    // What an upload cut off by a crash left: swept at the next start, unless it is recent.
    let stale_and_fresh = match backend {
        TestBackend::Sqlite => {
            let stale = app.database.data_dir().join("attachments/tmp/left-by-a-crash");
            std::fs::write(&stale, b"partial").unwrap();
            let old = std::time::SystemTime::now() - Duration::from_secs(2 * 3600);
            std::fs::File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
            let fresh = app.database.data_dir().join("attachments/tmp/being-written");
            std::fs::write(&fresh, b"partial").unwrap();
            (stale.display().to_string(), fresh.display().to_string())
        }
        TestBackend::Postgres => {
            use diesel::connection::SimpleConnection;
            let (stale, fresh) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
            app.database
                .connect()
                .batch_execute(&format!(
                    "INSERT INTO attachment_blobs (id, sha256, size_bytes, created_at) VALUES \
                     ('{stale}', NULL, 0, now() - interval '2 hours'), ('{fresh}', NULL, 0, now()); \
                     INSERT INTO attachment_chunks (blob_id, seq, bytes) VALUES ('{stale}', 0, '\\x07'), ('{fresh}', 0, '\\x07')"
                ))
                .unwrap();
            (stale.to_string(), fresh.to_string())
        }
    };
    let port = free_port();
    let _second = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let left = uploads_in_progress(&app);
    assert!(!left.contains(&stale_and_fresh.0), "what a crash left is swept at start-up: {left:?}");
    assert!(left.contains(&stale_and_fresh.1), "an upload that may still be written is not: {left:?}");
}
crate::on_both_backends!(partial_uploads_leave_nothing);

/// Item 7: a database that does not accept writes makes /readyz answer 503 and say why, and a
/// write answers a problem, not a 500. PostgreSQL: the database turned read-only, as a standby
/// after a failover is (the SQLite cases need root and run as drills).
#[actix_web::test]
async fn readiness_says_when_the_database_is_read_only() {
    let Some(app) = TestApp::spawn(TestBackend::Postgres).await else { return };
    let w = world(&app).await;
    let port = free_port();
    let _server = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let http = Http::new(port);
    assert_eq!(http.call("GET", "/readyz", "-", None, &[]).await.status, 200);
    let name = app.database.url.rsplit('/').next().unwrap().to_owned();
    let mut conn = app.database.connect();
    set_read_only(&mut conn, &name, true);
    let started = Instant::now();
    let ready = loop {
        let ready = http.call("GET", "/readyz", "-", None, &[]).await;
        if ready.status == 503 && ready.body["code"] == "service_unavailable" {
            break ready;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{ready:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(ready.body["detail"].as_str().unwrap().contains("does not accept writes"), "{:?}", ready.body);
    let write = http.call("POST", "/v1/requests", &w.fr_24_7.token, Some(&preservation_request()), &[]).await;
    assert_eq!(write.status, 503, "{:?}", write.body);
    set_read_only(&mut conn, &name, false);
    let started = Instant::now();
    while http.call("GET", "/readyz", "-", None, &[]).await.status != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "recovers without a restart");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Turns a PostgreSQL database read-only (or back) for new sessions, and ends the open ones.
fn set_read_only(conn: &mut rogatory::db::AnyConnection, database: &str, on: bool) {
    use diesel::RunQueryDsl;
    let value = if on { "on" } else { "off" };
    diesel::sql_query(format!("ALTER DATABASE \"{database}\" SET default_transaction_read_only = {value}"))
        .execute(conn)
        .unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .execute(conn)
    .unwrap();
}

/// The deadline scanner takes a request's lock before it touches the request's clocks, in the
/// order every action takes them. Here an action's order is held by hand on PostgreSQL: one
/// transaction locks the request, waits until the scan reaches the request's clocks, then
/// changes them, as an answer closing its clocks does. Taken clock first, the scan waited
/// for the request while holding the clock, and PostgreSQL broke the deadlock by aborting
/// one side after `deadlock_timeout`: the action's change (a 500 for the party answering) or
/// the clock's reminder. Taken in the same order, the scan waits its turn: the change
/// commits, then the scan sends both reminders.
#[actix_web::test]
async fn the_scan_locks_a_request_before_its_clocks() {
    use diesel::connection::SimpleConnection;
    let Some(app) = TestApp::with_manual_clock(TestBackend::Postgres, &[]).await else { return };
    let mut w = world(&app).await;
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    // Half-way through the platform's ten days: both of the request's clocks are due a reminder.
    crate::support::clocked::advance(&app, &mut w, chrono::TimeDelta::days(5) + chrono::TimeDelta::hours(1)).await;
    let mut action = app.database.connect();
    action
        .batch_execute(&format!("BEGIN; SELECT id FROM requests WHERE id = '{id}' FOR UPDATE;"))
        .expect("the request locked");
    let (locked_tx, locked_rx) = std::sync::mpsc::channel::<()>();
    let change = actix_web::web::block(move || {
        locked_rx.recv().ok();
        // Time for the scan to reach the request's clocks and wait.
        std::thread::sleep(std::time::Duration::from_millis(700));
        let changed = action
            .batch_execute(&format!("UPDATE clocks SET updated_at = updated_at WHERE request_id = '{id}'"))
            .map_err(|e| e.to_string());
        let _ = action.batch_execute(if changed.is_ok() { "COMMIT" } else { "ROLLBACK" });
        changed
    });
    locked_tx.send(()).unwrap();
    let (changed, report) =
        futures_util::future::join(change, rogatory::background::scanner::scan(&app.state, 1000)).await;
    assert_eq!(changed.unwrap(), Ok(()), "the action's change is not aborted");
    let report = report.expect("scan");
    assert_eq!((report.examined, report.reminders), (2, 2), "both clocks reminded: {report:?}");
}

/// A deadlock PostgreSQL breaks by aborting one of its transactions is a race that transaction
/// lost: a 409 `conflict` its caller can retry, never a 500. diesel reports
/// `deadlock_detected` (40P01) with no kind of its own, so it used to fall through to
/// "internal". Two real transactions, each holding the row the other wants.
#[test]
fn a_deadlock_is_a_conflict_not_a_server_fault() {
    use diesel::connection::SimpleConnection;
    let Some(database) = TestDatabase::create(TestBackend::Postgres) else { return };
    let mut setup = database.connect();
    setup
        .batch_execute("CREATE TABLE deadlock_probe (id int PRIMARY KEY); INSERT INTO deadlock_probe VALUES (1), (2)")
        .unwrap();
    let (mut a, mut b) = (database.connect(), database.connect());
    a.batch_execute("BEGIN; UPDATE deadlock_probe SET id = id WHERE id = 1").unwrap();
    b.batch_execute("BEGIN; UPDATE deadlock_probe SET id = id WHERE id = 2").unwrap();
    let first = std::thread::spawn(move || {
        let taken = a.batch_execute("UPDATE deadlock_probe SET id = id WHERE id = 2");
        a.batch_execute("ROLLBACK").unwrap();
        taken
    });
    // `a` waits for `b`'s row; then `b` asks for `a`'s.
    std::thread::sleep(Duration::from_millis(300));
    let second = b.batch_execute("UPDATE deadlock_probe SET id = id WHERE id = 1");
    b.batch_execute("ROLLBACK").unwrap();
    let lost: Vec<_> = [first.join().unwrap(), second].into_iter().filter_map(Result::err).collect();
    assert_eq!(lost.len(), 1, "PostgreSQL aborts exactly one side: {lost:?}");
    let message = lost[0].to_string();
    assert!(message.contains("deadlock detected"), "{message}");
    let error = rogatory::error::ApiError::from(lost.into_iter().next().unwrap());
    assert_eq!(error.kind(), rogatory::error::ProblemType::Conflict, "{error:?}");
}

/// A scan in which one clock fails (here two clocks whose rows no reader can decode) still
/// sends every other clock's reminder: the scan goes again clock by clock, the failing ones
/// alone are rolled back, stay due, and go at the first scan after they are mended.
async fn a_failing_clock_holds_up_no_other(backend: TestBackend) {
    use diesel::connection::SimpleConnection;
    let Some(app) = TestApp::with_manual_clock(backend, &[]).await else { return };
    let mut w = world(&app).await;
    let mut ids = vec![];
    for _ in 0..2 {
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ids.push(id);
    }
    // Half-way through the platform's ten days: each request's two clocks are due a reminder.
    crate::support::clocked::advance(&app, &mut w, chrono::TimeDelta::days(5) + chrono::TimeDelta::hours(1)).await;
    let (broken, healthy) = (&ids[0], &ids[1]);
    let mut conn = app.database.connect();
    conn.batch_execute(&format!("UPDATE clocks SET kind = 'broken:' || kind WHERE request_id = '{broken}'")).unwrap();
    let reminders_of = |id: String| {
        let (app, w) = (&app, &w);
        async move {
            let trail = ok(&get(app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200);
            trail["items"].as_array().unwrap().iter().filter(|e| e["type"] == "clock.approaching").count()
        }
    };
    let report = crate::support::clocked::scan(&app).await;
    assert_eq!((report.examined, report.reminders), (2, 2), "the healthy request's clocks: {report:?}");
    assert_eq!(reminders_of(healthy.clone()).await, 2);
    assert_eq!(reminders_of(broken.clone()).await, 0);
    // Still due, and still failing.
    let report = crate::support::clocked::scan(&app).await;
    assert_eq!((report.examined, report.reminders), (0, 0), "{report:?}");
    conn.batch_execute("UPDATE clocks SET kind = substr(kind, 8) WHERE kind LIKE 'broken:%'").unwrap();
    let report = crate::support::clocked::scan(&app).await;
    assert_eq!((report.examined, report.reminders), (2, 2), "the mended clocks: {report:?}");
    assert_eq!(reminders_of(broken.clone()).await, 2);
    assert_eq!(reminders_of(healthy.clone()).await, 2, "sent once");
    // Each reminder's checkpoint signs the request as a read gives it (the scan built it from
    // the row it locked and the participants it read with the parties).
    for id in [broken, healthy] {
        let verdict = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "intact", "{verdict}");
    }
}
crate::on_both_backends!(a_failing_clock_holds_up_no_other);
