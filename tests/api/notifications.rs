//! Notifications: e-mail through a real SMTP server, webhooks to a real HTTP receiver, the
//! in-app feed, the outbox's transactional guarantee, and two instances on one database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use diesel::RunQueryDsl;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::on_both_backends;
use crate::support::receiver::Receiver;
use crate::support::smtp::SmtpSink;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase};

async fn work(app: &TestApp) -> rogatory::background::worker::RunReport {
    rogatory::background::worker::run_once(&app.state, "test-worker", 100).await.expect("worker")
}

#[derive(diesel::QueryableByName, Debug)]
struct JobLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

fn jobs(app: &TestApp) -> Vec<JobLine> {
    diesel::sql_query("SELECT kind, state, attempts FROM jobs ORDER BY created_at, id")
        .load(&mut app.database.connect())
        .unwrap()
}

async fn epoc(app: &TestApp, w: &World) -> String {
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = ok(&post(app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    id
}

async fn mail_goes_out_and_survives_an_smtp_outage(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let mut sink = SmtpSink::start(database.path());
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let clock = rogatory::clock::ManualClock::new(start);
    let url = sink.url();
    let app = TestApp::on_clock(
        database,
        &[("ROGATORY_SMTP_URL", &url), ("ROGATORY_MAIL_FROM", "Rogatory <noreply@exchange.example>")],
        Some(clock.clone()),
    )
    .await;
    let mut w = world(&app).await;
    let id = epoc(&app, &w).await;
    let reference = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}")).await, 200)["reference"]
        .as_str()
        .unwrap()
        .to_owned();

    // Submission mails the platform and the notified enforcing authority.
    assert_eq!(work(&app).await.done, 2);
    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    let to_platform = mails.iter().find(|m| m.contains("To: lers@example.com")).expect("a mail to the platform");
    assert!(
        to_platform.contains(&reference) && to_platform.contains("From: Rogatory <noreply@exchange.example>"),
        "{to_platform}"
    );
    assert!(to_platform.contains(&format!("/v1/requests/{id}")), "{to_platform}");
    assert!(!to_platform.contains("model.scout.paris"), "no evidence content in mail");
    assert!(mails.iter().any(|m| m.contains("To: desk@ie.example.org")));

    // Half way through the 10 days: the reminder mail carries the deadline.
    clock.advance(TimeDelta::days(5) + TimeDelta::hours(1));
    w.refresh(&app).await;
    rogatory::background::scanner::scan(&app.state, 100).await.unwrap();
    assert_eq!(work(&app).await.done, 2);
    let reminder = sink
        .messages()
        .into_iter()
        .find(|m| m.contains("A legal deadline is approaching") && m.contains("lers@example.com"))
        .expect("reminder");
    assert!(reminder.contains("2026-12-11T08:00:00"), "{reminder}");

    // The SMTP server goes down: the mail is retried with backoff, then delivered once it is back.
    sink.stop();
    ok(
        &post(&app, &w.platform, &format!("/v1/requests/{id}/clarifications"), json!({"question": "Which account?"}))
            .await,
        201,
    );
    let report = work(&app).await;
    assert_eq!((report.done, report.retried), (0, 1));
    let queued: Vec<JobLine> = jobs(&app).into_iter().filter(|j| j.state == "queued").collect();
    assert_eq!((queued.len(), queued[0].attempts, queued[0].kind.as_str()), (1, 1, "email"));
    sink.restart();
    assert_eq!(work(&app).await.done, 0, "not before the backoff");
    clock.advance(TimeDelta::seconds(31));
    assert_eq!(work(&app).await.done, 1);
    assert_eq!(work(&app).await.done, 0);
    let clarification_mails = sink.messages().into_iter().filter(|m| m.contains("clarification")).count();
    assert_eq!(clarification_mails, 1, "exactly once");
}

on_both_backends!(mail_goes_out_and_survives_an_smtp_outage);

fn verify(secret: &str, id: &str, timestamp: &str, body: &str, signature: &str) -> bool {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    signature.split(' ').any(|s| s == expected)
}

async fn webhooks_are_signed_and_retried(backend: TestBackend) {
    let Some(app) = TestApp::with_manual_clock(backend, &[]).await else { return };
    let mut w = world(&app).await;
    let receiver = Receiver::start().await;
    let r = post(
        &app,
        &w.platform,
        "/v1/webhooks",
        json!({"url": receiver.url, "event_types": ["request.submitted", "request.withdrawn"]}),
    )
    .await;
    let hook = ok(&r, 201);
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    post(&app, &w.platform, "/v1/webhooks", json!({"url": "ftp://x", "event_types": ["nope"]}))
        .await
        .assert_problem(422, "validation_failed");
    assert!(ok(&get(&app, &w.platform, "/v1/webhooks").await, 200)["items"][0].get("secret").is_none());

    let id = epoc(&app, &w).await;
    assert_eq!(work(&app).await.done, 3, "one webhook, two mails");
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert!(verify(&secret, &d.id, &d.timestamp, &d.body, &d.signature), "signature: {d:?}");
    assert!(!verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &d.id, &d.timestamp, &d.body, &d.signature));
    let body: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["data"]["request_id"].as_str()),
        (Some("request.submitted"), Some(id.as_str()))
    );

    // The receiver fails: retried with backoff, every attempt recorded.
    receiver.answer(500);
    ok(
        &post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/withdraw"), json!({"reason": "Resolved."})).await,
        200,
    );
    assert_eq!(work(&app).await.retried, 1);
    app.clock.as_ref().unwrap().advance(TimeDelta::seconds(31));
    assert_eq!(work(&app).await.retried, 1, "second attempt also refused");
    receiver.answer(204);
    app.clock.as_ref().unwrap().advance(TimeDelta::seconds(45));
    assert_eq!(work(&app).await.done, 0, "the third attempt waits 60 s");
    app.clock.as_ref().unwrap().advance(TimeDelta::seconds(20));
    w.refresh(&app).await;
    assert_eq!(work(&app).await.done, 1);
    let log = ok(&get(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/deliveries")).await, 200);
    let statuses: Vec<(i64, i64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["attempt"].as_i64().unwrap(), d["status_code"].as_i64().unwrap()))
        .collect();
    assert_eq!(statuses, [(3, 204), (2, 500), (1, 500), (1, 200)]);
    let withdrawn: Vec<_> =
        receiver.deliveries().into_iter().filter(|d| d.body.contains("request.withdrawn")).collect();
    assert_eq!(withdrawn.len(), 3);
    assert!(withdrawn.iter().all(|d| d.id == withdrawn[0].id), "retries keep their webhook-id");

    // A ping on demand; another party sees nothing of the subscription.
    ok(&post(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/test"), json!({})).await, 202);
    work(&app).await;
    assert!(receiver.deliveries().last().unwrap().body.contains("\"ping\""));
    get(&app, &w.stranger, &format!("/v1/webhooks/{hook_id}/deliveries")).await.assert_problem(404, "not_found");
    app.call(actix_web::http::Method::DELETE, &format!("/v1/webhooks/{hook_id}"), Some(&w.stranger.token), None)
        .await
        .assert_problem(404, "not_found");
}

on_both_backends!(webhooks_are_signed_and_retried);

async fn feed_and_outbox(backend: TestBackend) {
    let Some(app) = TestApp::with_manual_clock(backend, &[]).await else { return };
    let w = world(&app).await;
    let id = epoc(&app, &w).await;
    let feed = ok(&get(&app, &w.platform, "/v1/notifications?unread=true").await, 200);
    let first = &feed["items"][0];
    assert_eq!(
        (first["event_type"].as_str(), first["request_id"].as_str()),
        (Some("request.submitted"), Some(id.as_str()))
    );
    let nid = first["id"].as_str().unwrap().to_owned();
    post(&app, &w.stranger, &format!("/v1/notifications/{nid}/read"), json!({})).await.assert_problem(404, "not_found");
    assert_eq!(post(&app, &w.platform, &format!("/v1/notifications/{nid}/read"), json!({})).await.status, 204);
    assert!(
        ok(&get(&app, &w.platform, "/v1/notifications?unread=true").await, 200)["items"].as_array().unwrap().is_empty()
    );
    assert!(ok(&get(&app, &w.stranger, "/v1/notifications").await, 200)["items"].as_array().unwrap().is_empty());

    // The outbox: a change that rolls back leaves no notification and no job behind.
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let draft = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let before = jobs(&app).len();
    let caller = app
        .state
        .db
        .run({
            let client = w.fr_prosecutor.credentials.client_id.clone();
            move |conn| rogatory::auth::authenticate(conn, &rogatory::auth::tokens::TokenSubject::Client(client))
        })
        .await
        .unwrap();
    let keys = app.state.tokens.keys.clone();
    let now = app.state.clock.now();
    let (c2, k2) = (caller.clone(), keys.clone());
    let failed = app
        .state
        .db
        .write(move |conn| -> Result<(), rogatory::error::ApiError> {
            rogatory::requests::service::act(
                conn,
                &c2,
                &k2,
                draft,
                rogatory::requests::service::Act::Submit(None),
                now,
            )?;
            Err(rogatory::error::ApiError::internal(anyhow::anyhow!("the transaction fails after the change")))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(jobs(&app).len(), before, "rolled back: no job");
    assert_eq!(ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{draft}")).await, 200)["status"], "draft");
    app.state
        .db
        .write(move |conn| {
            rogatory::requests::service::act(
                conn,
                &caller,
                &keys,
                draft,
                rogatory::requests::service::Act::Submit(None),
                now,
            )
        })
        .await
        .unwrap();
    assert_eq!(jobs(&app).len(), before + 2, "committed: the mails to the platform and the enforcing authority");
}

on_both_backends!(feed_and_outbox);

async fn dead_jobs_are_parked_and_retried(backend: TestBackend) {
    // An SMTP server that never answers: port 1.
    let Some(app) = TestApp::with_manual_clock(backend, &[("ROGATORY_SMTP_URL", "smtp://127.0.0.1:1")]).await else {
        return;
    };
    let mut w = world(&app).await;
    epoc(&app, &w).await;
    let mut dead = 0;
    for _ in 0..8 {
        dead += work(&app).await.dead;
        app.clock.as_ref().unwrap().advance(TimeDelta::hours(1));
    }
    assert_eq!(dead, 2, "both mails exhausted their 8 attempts");
    w.refresh(&app).await;
    let admin = app.admin_token_again().await;
    let list = app.call(actix_web::http::Method::GET, "/v1/admin/jobs?state=dead", Some(&admin), None).await;
    let list = ok(&list, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"][0]["last_error"].as_str().unwrap().contains("SMTP"));
    get(&app, &w.platform, "/v1/admin/jobs").await.assert_problem(403, "forbidden");
    let job = list["items"][0]["id"].as_str().unwrap();
    let retried =
        app.call(actix_web::http::Method::POST, &format!("/v1/admin/jobs/{job}/retry"), Some(&admin), None).await;
    assert_eq!(ok(&retried, 200)["state"], "queued");
    app.call(actix_web::http::Method::POST, &format!("/v1/admin/jobs/{job}/retry"), Some(&admin), None)
        .await
        .assert_problem(409, "conflict");
}

on_both_backends!(dead_jobs_are_parked_and_retried);

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Two instances on one PostgreSQL database, scanning and working at the same time: every
/// reminder is sent once and every job delivered once.
#[actix_web::test]
async fn two_instances_on_one_postgres_send_each_reminder_once() {
    let Some(app) = TestApp::with_manual_clock(TestBackend::Postgres, &[]).await else { return };
    let w = world(&app).await;
    for _ in 0..12 {
        epoc(&app, &w).await;
    }
    // A second instance: its own pool and state on the same database and clock.
    let settings = app.database.settings(&[]);
    let clock: std::sync::Arc<dyn rogatory::clock::Clock> = std::sync::Arc::new(app.clock.clone().unwrap());
    let second =
        actix_web::web::block(move || rogatory::AppState::init_with_clock(settings, clock)).await.unwrap().unwrap();
    app.clock.as_ref().unwrap().advance(TimeDelta::days(5) + TimeDelta::hours(1));
    for _ in 0..3 {
        let (a, b) = futures_util::future::join(
            rogatory::background::scanner::scan(&app.state, 1000),
            rogatory::background::scanner::scan(&second, 1000),
        )
        .await;
        a.unwrap();
        b.unwrap();
    }
    let mut conn = app.database.connect();
    let reminders: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM request_events WHERE event_type = 'clock.approaching'")
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(reminders.n, 24, "12 requests x 2 clocks, each reminded once");
    let (a, b) = futures_util::future::join(
        rogatory::background::worker::run_once(&app.state, "instance-a", 1000),
        rogatory::background::worker::run_once(&second, "instance-b", 1000),
    )
    .await;
    let (a, b) = (a.unwrap(), b.unwrap());
    let total: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM jobs").get_result(&mut conn).unwrap();
    assert_eq!((a.done + b.done) as i64, total.n, "every job done once, none lost: {a:?} {b:?}");
    let mails = std::fs::read_dir(app.database.data_dir().join("mail")).unwrap().count();
    assert_eq!(mails as i64, total.n, "one .eml file per job");
}

/// Issue 16: a poll for what is new (`?unread=true`) costs the same whatever the party has read
/// before. 5,000 read notifications of the German party, then three requests submitted to it:
/// the unread page holds exactly those three, newest first, and is read from
/// `notifications_unread_idx`, which holds only the unread ones (the plan of the very query
/// the feed runs, on both backends; PostgreSQL analysed, as autovacuum does after a load).
async fn unread_feed_walks_only_the_unread(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let party = w.de_24_7.id.clone();
    let mut conn = app.database.connect();
    let seed = match backend {
        TestBackend::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)
             INSERT INTO notifications (id, party_id, request_id, event_type, summary, data, created_at, read_at)
             SELECT printf('00000000-0000-7000-8000-%012x', n), '{party}', NULL, 'request.submitted', 'old', '{{}}',
                 '2026-01-01 00:00:00.000000+00:00', '2026-01-02 00:00:00.000000+00:00' FROM s"
        ),
        TestBackend::Postgres => format!(
            "INSERT INTO notifications (id, party_id, request_id, event_type, summary, data, created_at, read_at)
             SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, '{party}', NULL,
                 'request.submitted', 'old', '{{}}'::jsonb, now(), now() FROM generate_series(1, 5000) n;
             ANALYZE notifications;"
        ),
    };
    diesel::connection::SimpleConnection::batch_execute(&mut conn, &seed).expect("seed");
    let mut submitted = vec![];
    for _ in 0..3 {
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        submitted.push(id);
    }
    let unread = ok(&get(&app, &w.de_24_7, "/v1/notifications?unread=true").await, 200);
    let about: Vec<&str> =
        unread["items"].as_array().unwrap().iter().map(|n| n["request_id"].as_str().unwrap()).collect();
    submitted.reverse();
    assert_eq!(about, submitted, "the unread ones, newest first: {unread}");
    let all = ok(&get(&app, &w.de_24_7, "/v1/notifications?limit=200").await, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 200, "the read ones are still listed");

    let party_id: uuid::Uuid = party.parse().unwrap();
    let page = rogatory::page::Page { limit: 50, after: None };
    for unread_only in [true, false] {
        let query = rogatory::notify::repo::feed_query(party_id, unread_only, &page);
        let plan = rogatory::db::explain::plan(&mut conn, query).expect("plan").join(" / ");
        eprintln!("{backend:?} feed plan (unread only: {unread_only}): {plan}");
        if unread_only {
            assert!(plan.contains("notifications_unread_idx"), "the unread ones' own index: {plan}");
        } else if backend == TestBackend::Sqlite {
            assert!(plan.contains("notifications_party_idx"), "{plan}");
        } else {
            // Here every notification is the party's: PostgreSQL may as well walk the key.
            assert!(plan.contains("Index Scan"), "{plan}");
        }
        assert!(!plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "no sort, an index walk: {plan}");
        assert!(!plan.contains("Seq Scan") && !plan.contains("SCAN notifications"), "no table walked: {plan}");
    }
}
on_both_backends!(unread_feed_walks_only_the_unread);
