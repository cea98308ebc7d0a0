//! Hostile callers (issue 12): webhooks that cannot reach inside, drafts that stay private,
//! four eyes that cannot be bypassed, NUL characters refused, on both backends.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::backend_test;
use crate::on_both_backends;
use futures_util::future::join_all;

use crate::support::process::{Http, free_port, spawn};
use crate::support::receiver::Receiver;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase};

async fn strict_app(backend: TestBackend) -> Option<TestApp> {
    let database = TestDatabase::create(backend)?;
    Some(TestApp::on(database, &[("ROGATORY_WEBHOOK_ALLOW_PRIVATE", "0")]).await)
}

async fn webhooks_never_reach_inside(backend: TestBackend) {
    let Some(app) = strict_app(backend).await else { return };
    let w = world(&app).await;
    let subscribe =
        |url: &str| post(&app, &w.platform, "/v1/webhooks", json!({"url": url, "event_types": ["request.submitted"]}));
    for url in [
        "https://169.254.169.254/latest/meta-data/iam/",
        "https://10.0.0.7/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.20/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://127.0.0.1:9443/hook",
        "https://0.0.0.0/hook",
    ] {
        let body = subscribe(url).await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{url}: {body}");
        assert_eq!(body["errors"][0]["code"], "internal_address", "{url}: {body}");
    }
    // Plain http is refused without the operator's setting, even to a public address.
    let body = subscribe("http://93.184.216.34/hook").await.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "invalid_url", "{body}");
    // A public https address is accepted (delivery is checked again, see below).
    ok(&subscribe("https://93.184.216.34/hook").await, 201);
    assert_eq!(ok(&get(&app, &w.platform, "/v1/webhooks").await, 200)["items"].as_array().unwrap().len(), 1);

    // A subscription made while private targets were allowed (or a name that later resolves
    // inside) is refused again at delivery: the attempt is recorded, nothing is sent.
    let receiver = Receiver::start().await;
    let hook_id = uuid::Uuid::now_v7();
    {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!(
            "INSERT INTO webhooks (id, party_id, url, event_types, secret, created_at) VALUES ('{hook_id}', '{}', '{}', '[\"request.submitted\"]', 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', '2026-12-01T08:00:00Z')",
            w.platform.id, receiver.url.replace("http://", "https://")
        ))
        .execute(&mut app.database.connect())
        .unwrap();
    }
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();
    assert!(receiver.deliveries().is_empty(), "nothing reaches 127.0.0.1");
    let log = ok(&get(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/deliveries")).await, 200);
    let refused = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["error"].as_str().is_some_and(|e| e.contains("internal address")));
    assert!(refused.is_some(), "the refused attempt is logged: {log}");
}

on_both_backends!(webhooks_never_reach_inside);

async fn live_webhooks(app: &TestApp, who: &Actor) -> usize {
    ok(&get(app, who, "/v1/webhooks").await, 200)["items"].as_array().unwrap().len()
}

/// A party holds at most 25 live subscriptions (`MAX_PER_PARTY`): each one is a job written
/// with every event the party hears of. Ten subscriptions sent at once to the built binary
/// when five places are left: five stored, five refused, none past the cap and no 500; a
/// deleted subscription frees its place; another party keeps its own 25.
async fn webhook_subscriptions_are_capped_per_party(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let app = TestApp::on(database, &[("ROGATORY_WEBHOOK_ALLOW_PRIVATE", "1")]).await;
    let w = world(&app).await;
    let hook = |i: usize| json!({"url": format!("http://127.0.0.1:9/hook/{i}"), "event_types": ["request.submitted"]});
    let mut first = None;
    for i in 0..20 {
        let made = ok(&post(&app, &w.platform, "/v1/webhooks", hook(i)).await, 201);
        first.get_or_insert(made["id"].as_str().unwrap().to_owned());
    }
    let port = free_port();
    let _server =
        spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off"), ("ROGATORY_WEBHOOK_ALLOW_PRIVATE", "1")]);
    let http = Http::new(port);
    let answers = join_all((20..30).map(|i| {
        let (http, token, body) = (http.clone(), w.platform.token.clone(), hook(i));
        async move { http.call("POST", "/v1/webhooks", &token, Some(&body), &[]).await }
    }))
    .await;
    let stored = answers.iter().filter(|a| a.status == 201).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status == 422).collect();
    assert_eq!((stored, refused.len()), (5, 5), "{answers:?}");
    for answer in refused {
        assert_eq!(answer.body["code"], "validation_failed", "{answer:?}");
        assert_eq!(answer.body["errors"][0]["code"], "too_many_webhooks", "{answer:?}");
        assert_eq!(answer.body["errors"][0]["pointer"], "", "{answer:?}");
    }
    assert_eq!(live_webhooks(&app, &w.platform).await, 25);
    let body = post(&app, &w.platform, "/v1/webhooks", hook(30)).await.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "too_many_webhooks", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("25"), "{body}");

    // Another party is not held by this one's subscriptions.
    ok(&post(&app, &w.de_24_7, "/v1/webhooks", hook(31)).await, 201);
    assert_eq!(live_webhooks(&app, &w.de_24_7).await, 1);

    // A deleted subscription frees its place, once.
    let first = first.unwrap();
    let deleted = app
        .call(actix_web::http::Method::DELETE, &format!("/v1/webhooks/{first}"), Some(&w.platform.token), None)
        .await;
    assert_eq!(deleted.status.as_u16(), 204, "{}", deleted.text());
    ok(&post(&app, &w.platform, "/v1/webhooks", hook(32)).await, 201);
    post(&app, &w.platform, "/v1/webhooks", hook(33)).await.assert_problem(422, "validation_failed");
    assert_eq!(live_webhooks(&app, &w.platform).await, 25);
}

on_both_backends!(webhook_subscriptions_are_capped_per_party);

backend_test! {
    async fn deliveries_never_follow_redirects(app) {
        let w = world(&app).await;
        let elsewhere = Receiver::start().await;
        let redirecting = Receiver::start().await;
        let hook = ok(&post(&app, &w.platform, "/v1/webhooks", json!({"url": redirecting.url, "event_types": ["request.submitted"]})).await, 201);
        let hook_id = hook["id"].as_str().unwrap().to_owned();
        for status in [307, 302] {
            redirecting.redirect(status, &elsewhere.url);
            let mut order = production_order();
            order["addressee"] = json!({"party_id": w.platform.id});
            let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
            ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
            let report = rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();
            assert!(report.retried >= 1, "a {status} is a failed attempt: {report:?}");
        }
        assert!(elsewhere.deliveries().is_empty(), "the redirect target got nothing");
        let log = ok(&get(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/deliveries")).await, 200);
        let statuses: Vec<i64> = log["items"].as_array().unwrap().iter().filter_map(|d| d["status_code"].as_i64()).collect();
        assert!(statuses.contains(&307) && statuses.contains(&302), "{log}");
    }
}

fn feed_mentions(app_feed: &Value, id: &str) -> bool {
    app_feed["items"].as_array().unwrap().iter().any(|n| n["request_id"] == id || n["data"]["request_id"] == id)
}

backend_test! {
    async fn nothing_about_a_draft_reaches_another_party(app) {
        let w = world(&app).await;
        let receiver = Receiver::start().await;
        ok(&post(&app, &w.de_24_7, "/v1/webhooks", json!({"url": receiver.url,
            "event_types": ["request.withdrawn", "attachment.added", "message.posted"]})).await, 201);
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        let upload = app.send(TestRequest::post().uri(&format!("/v1/requests/{id}/attachments?file_name=informant-list.pdf"))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("content-type", "application/pdf")).set_payload(b"%PDF-1.7 secret".to_vec())).await;
        ok(&upload, 201);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/withdraw"), json!({"reason": "The informant is at risk."})).await, 200);
        rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();
        assert!(receiver.deliveries().is_empty(), "no webhook about a draft: {:?}", receiver.deliveries());
        let feed = ok(&get(&app, &w.de_24_7, "/v1/notifications").await, 200);
        assert!(!feed_mentions(&feed, &id), "no feed entry about a draft: {feed}");
        assert!(!feed.to_string().contains("informant"), "{feed}");

        // Once sent, the same events do reach the addressee.
        let sent = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{sent}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{sent}/withdraw"), json!({"reason": "Resolved."})).await, 200);
        rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();
        assert_eq!(receiver.deliveries().len(), 1, "the withdrawal of a sent request is delivered");
        assert!(feed_mentions(&ok(&get(&app, &w.de_24_7, "/v1/notifications").await, 200), &sent));
    }
}

backend_test! {
    async fn four_eyes_cannot_be_bypassed(app) {
        let w = world(&app).await;
        let admin = app.admin_token_again().await;
        let r = app.send(TestRequest::patch().uri(&format!("/v1/parties/{}", w.fr_24_7.id))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("if-match", "\"2\"")).set_json(json!({"requires_approval": true}))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let both = app.create_client(&admin, &w.fr_24_7.id, &["operator", "approver"]).await;
        let both = Actor { id: w.fr_24_7.id.clone(), token: app.token(&both).await, credentials: both };
        let other = app.create_client(&admin, &w.fr_24_7.id, &["approver"]).await;
        let other = Actor { id: w.fr_24_7.id.clone(), token: app.token(&other).await, credentials: other };

        // Another operator drafts; `both` edits it, submits it, and may not approve it.
        let draft = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201);
        let id = draft["id"].as_str().unwrap().to_owned();
        let edited = app.send(TestRequest::patch().uri(&format!("/v1/requests/{id}"))
            .insert_header(("authorization", format!("Bearer {}", both.token)))
            .insert_header(("if-match", "\"1\"")).set_json(json!({"priority": "normal"}))).await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        let body = post(&app, &both, &format!("/v1/requests/{id}/approve"), json!({})).await;
        assert_eq!(body.status, 409, "not yet submitted: {}", body.text());
        ok(&post(&app, &both, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        let body = post(&app, &both, &format!("/v1/requests/{id}/approve"), json!({})).await.assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("four eyes"), "{body}");

        // A draft `both` only edited, submitted by its drafter: still not `both`'s to approve.
        let second = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        let edited = app.send(TestRequest::patch().uri(&format!("/v1/requests/{second}"))
            .insert_header(("authorization", format!("Bearer {}", both.token)))
            .insert_header(("if-match", "\"1\"")).set_json(json!({"priority": "normal"}))).await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{second}/submit"), json!({})).await, 200);
        post(&app, &both, &format!("/v1/requests/{second}/approve"), json!({})).await.assert_problem(403, "forbidden");

        // An approver that took no part approves both.
        assert_eq!(ok(&post(&app, &other, &format!("/v1/requests/{id}/approve"), json!({})).await, 200)["status"], "submitted");
        assert_eq!(ok(&post(&app, &other, &format!("/v1/requests/{second}/approve"), json!({})).await, 200)["status"], "submitted");
    }
}

backend_test! {
    async fn nul_characters_are_refused_everywhere(app) {
        let w = world(&app).await;
        let mut request = preservation_request();
        request["content"]["facts_summary"] = json!("Recruitment\u{0} through fake offers.");
        let body = post(&app, &w.fr_24_7, "/v1/requests", request).await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["pointer"], "/content/facts_summary", "{body}");
        assert_eq!(body["errors"][0]["code"], "nul_character", "{body}");
        let mut request = preservation_request();
        request["content"]["targets"][0]["value"] = json!("x\u{0}@example.org");
        let body = post(&app, &w.fr_24_7, "/v1/requests", request).await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["pointer"], "/content/targets/0/value", "{body}");
        // An escaped backslash followed by "u0000" is text, not a NUL.
        let mut request = preservation_request();
        request["content"]["facts_summary"] = json!("the literal text \\u0000 is fine");
        ok(&post(&app, &w.fr_24_7, "/v1/requests", request).await, 201);

        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": "a\u{0}b"})).await.assert_problem(422, "validation_failed");
        post(&app, &w.fr_24_7, "/v1/webhooks", json!({"url": "https://hooks.example.org/\u{0}", "event_types": ["request.submitted"]}))
            .await.assert_problem(422, "validation_failed");
        // Query parameters and the (unauthenticated) token endpoint's form.
        get(&app, &w.fr_24_7, "/v1/legal-bases/coe%00x").await.assert_problem(400, "invalid_path_parameter");
        let body = get(&app, &w.fr_24_7, "/v1/requests?legal_basis=coe%00").await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["pointer"], "legal_basis", "{body}");
        let r = app.send(TestRequest::post().uri("/v1/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("grant_type=client_credentials&client_id=rgc_x%00y&client_secret=s")).await;
        let body = r.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["pointer"], "client_id", "{body}");
        let r = app.send(TestRequest::post().uri("/v1/parties")
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .set_json(json!({"kind": "state_authority", "name": "x\u{0}"}))).await;
        r.assert_problem(422, "validation_failed");
        // Nothing was stored: the requests created above are the only ones.
        let mine = ok(&get(&app, &w.fr_24_7, "/v1/requests?direction=outgoing").await, 200);
        assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    }
}
