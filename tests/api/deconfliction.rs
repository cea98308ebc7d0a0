//! Deconfliction (issue 18): the same target sought by two parties' open requests is a hit for
//! both issuers, naming the other party and the target type, never the other request.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::backend_test;
use crate::support::TestApp;
use crate::support::world::*;

/// A Dutch 24/7 point of contact (not in `world`, which bootstrapped the exchange), with a
/// deconfliction contact.
async fn dutch(app: &TestApp) -> Actor {
    let admin = app.admin_token_again().await;
    let nl = actor(
        app,
        &admin,
        state(
            "Politie 24/7 point of contact",
            "NL",
            json!(["contact_point_24_7", "police"]),
            json!(["coe_budapest_29"]),
        ),
    )
    .await;
    patch_party(app, &nl, json!({"deconfliction_contact": "Deconfliction@Politie.example.NL"})).await;
    nl
}

/// Changes a party as its own party administrator, at its current version.
async fn patch_party(app: &TestApp, who: &Actor, body: Value) -> Value {
    let party = ok(&get(app, who, &format!("/v1/parties/{}", who.id)).await, 200);
    let request = TestRequest::patch()
        .uri(&format!("/v1/parties/{}", who.id))
        .insert_header(("authorization", format!("Bearer {}", who.token)))
        .insert_header(("if-match", format!("\"{}\"", party["version"])))
        .set_json(body);
    let r = app.send(request).await;
    ok(&r, 200)
}

/// Drafts and submits a Budapest Art 29 preservation to Germany seeking `phone`.
async fn submit_for_phone(app: &TestApp, who: &Actor, phone: &str, deconfliction: Option<bool>) -> Value {
    let mut body = preservation_request();
    body["content"]["targets"] = json!([{"type": "phone", "value": phone}]);
    if let Some(flag) = deconfliction {
        body["content"]["deconfliction"] = json!(flag);
    }
    let draft = ok(&post(app, who, "/v1/requests", body).await, 201);
    let id = draft["id"].as_str().unwrap();
    ok(&post(app, who, &format!("/v1/requests/{id}/submit"), json!({})).await, 200)
}

async fn hits(app: &TestApp, who: &Actor) -> Vec<Value> {
    ok(&get(app, who, "/v1/deconfliction/hits").await, 200)["items"].as_array().unwrap().clone()
}

fn hit_notifications(feed: &Value) -> Vec<Value> {
    feed["items"].as_array().unwrap().iter().filter(|n| n["event_type"] == "deconfliction.hit").cloned().collect()
}

backend_test! {
    async fn the_same_phone_written_two_ways_is_one_hit_for_both_parties(app) {
        let w = world(&app).await;
        let nl = dutch(&app).await;
        let french = submit_for_phone(&app, &w.fr_24_7, "+33 6 12 34 56 78", None).await;
        assert!(hits(&app, &w.fr_24_7).await.is_empty(), "no one else seeks it yet");
        let dutch_request = submit_for_phone(&app, &nl, "0033612345678", None).await;
        let (fr_id, nl_id) = (french["id"].as_str().unwrap(), dutch_request["id"].as_str().unwrap());

        // France sees one hit on its own request, naming the Dutch party but not its request.
        let for_fr = hits(&app, &w.fr_24_7).await;
        assert_eq!(for_fr.len(), 1, "{for_fr:?}");
        assert_eq!(for_fr[0]["request_id"], fr_id);
        assert_eq!(for_fr[0]["target_type"], "phone");
        assert_eq!(for_fr[0]["counterpart"]["party_id"], nl.id.as_str());
        assert_eq!(for_fr[0]["counterpart"]["name"], "Politie 24/7 point of contact");
        assert_eq!(for_fr[0]["counterpart"]["country"], "NL");
        assert_eq!(for_fr[0]["counterpart"]["deconfliction_contact"], "deconfliction@politie.example.nl");
        let text = serde_json::to_string(&for_fr).unwrap();
        assert!(!text.contains(nl_id), "the other request's id is never shown");
        assert!(!text.contains(dutch_request["reference"].as_str().unwrap()), "nor its reference");
        assert!(!text.contains("612345678"), "nor the target itself");

        // The Netherlands sees the same hit from its side.
        let for_nl = hits(&app, &nl).await;
        assert_eq!(for_nl.len(), 1, "{for_nl:?}");
        assert_eq!(for_nl[0]["id"], for_fr[0]["id"]);
        assert_eq!(for_nl[0]["request_id"], nl_id);
        assert_eq!(for_nl[0]["counterpart"]["name"], "OCLCTIC 24/7 point of contact");
        assert_eq!(for_nl[0]["counterpart"]["country"], "FR");
        assert!(!serde_json::to_string(&for_nl).unwrap().contains(fr_id));

        // A stranger, and the addressee of both requests, see no hits.
        assert!(hits(&app, &w.stranger).await.is_empty());
        assert!(hits(&app, &w.de_24_7).await.is_empty());

        // The hit is an event of both requests' audit trails, naming neither the other party
        // nor the other request (the addressee reads the trail too).
        for (who, id, other) in [(&w.fr_24_7, fr_id, nl_id), (&nl, nl_id, fr_id)] {
            let trail = ok(&get(&app, who, &format!("/v1/requests/{id}/events")).await, 200);
            let hit_events: Vec<&Value> =
                trail["items"].as_array().unwrap().iter().filter(|e| e["type"] == "deconfliction.hit").collect();
            assert_eq!(hit_events.len(), 1, "{trail}");
            assert_eq!(hit_events[0]["data"]["hit"], for_fr[0]["id"]);
            assert_eq!(hit_events[0]["data"]["target_type"], "phone");
            let text = hit_events[0].to_string();
            assert!(!text.contains(other) && !text.contains("Politie") && !text.contains("OCLCTIC"), "{text}");
        }

        // Both issuers are notified, naming the other party; the addressee is not.
        let fr_feed = hit_notifications(&ok(&get(&app, &w.fr_24_7, "/v1/notifications").await, 200));
        assert_eq!(fr_feed.len(), 1, "{fr_feed:?}");
        assert_eq!(fr_feed[0]["request_id"], fr_id);
        assert_eq!(fr_feed[0]["data"]["data"]["counterpart"]["name"], "Politie 24/7 point of contact");
        assert!(!fr_feed[0].to_string().contains(nl_id));
        let nl_feed = hit_notifications(&ok(&get(&app, &nl, "/v1/notifications").await, 200));
        assert_eq!(nl_feed.len(), 1, "{nl_feed:?}");
        assert_eq!(nl_feed[0]["data"]["data"]["counterpart"]["country"], "FR");
        assert!(hit_notifications(&ok(&get(&app, &w.de_24_7, "/v1/notifications").await, 200)).is_empty());

        // Statistics count the hit on each request: France's one request with a hit.
        let stats = ok(&get(&app, &w.fr_24_7, "/v1/statistics").await, 200);
        assert_eq!(stats["totals"]["deconfliction_hits"], 1, "{}", stats["totals"]);

        // A third French request for the same number is the French party's own business: no hit
        // with France's first request, one more with the Dutch one.
        submit_for_phone(&app, &w.fr_24_7, "+33612345678", None).await;
        assert_eq!(hits(&app, &w.fr_24_7).await.len(), 2);
        assert_eq!(hits(&app, &nl).await.len(), 2);
    }
}

backend_test! {
    async fn an_opted_out_request_neither_matches_nor_is_matched(app) {
        let w = world(&app).await;
        let nl = dutch(&app).await;
        // Covert first: its target is not stored, so the later request does not find it.
        submit_for_phone(&app, &w.fr_24_7, "+33 6 12 34 56 78", Some(false)).await;
        submit_for_phone(&app, &nl, "0033612345678", None).await;
        assert!(hits(&app, &w.fr_24_7).await.is_empty());
        assert!(hits(&app, &nl).await.is_empty());
        // Covert second: it is not matched against the open Dutch request.
        submit_for_phone(&app, &w.fr_24_7, "+33612345678", Some(false)).await;
        assert!(hits(&app, &w.fr_24_7).await.is_empty());
        assert!(hits(&app, &nl).await.is_empty());
    }
}

backend_test! {
    async fn a_party_that_opts_out_takes_no_part(app) {
        let w = world(&app).await;
        let nl = dutch(&app).await;
        submit_for_phone(&app, &nl, "+31 6 12 34 56 78", None).await;
        // Opting out withdraws what the party had stored, and its later requests are not matched.
        let party = patch_party(&app, &nl, json!({"deconfliction": false})).await;
        assert_eq!(party["deconfliction"], false);
        submit_for_phone(&app, &w.fr_24_7, "0031612345678", None).await;
        submit_for_phone(&app, &nl, "+31612345678", None).await;
        assert!(hits(&app, &w.fr_24_7).await.is_empty());
        assert!(hits(&app, &nl).await.is_empty());
    }
}

/// Two parties submit the same target at the same moment, through the binary: on PostgreSQL
/// neither transaction would see the other's uncommitted hashes without the advisory lock, and
/// the hit would be lost; on SQLite writers take turns. Each round must give exactly one hit.
async fn simultaneous_submissions_of_one_target_still_meet(backend: crate::support::TestBackend) {
    use crate::support::process::{Http, free_port, spawn};
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let nl = dutch(&app).await;
    let port = free_port();
    let _server = spawn(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off")]);
    let http = Http::new(port);
    let rounds = 6;
    for round in 0..rounds {
        let draft = |who: &Actor, phone: String| {
            let mut body = preservation_request();
            body["content"]["targets"] = json!([{"type": "phone", "value": phone}]);
            let (app, token) = (&app, who.token.clone());
            async move {
                let r = app.call(actix_web::http::Method::POST, "/v1/requests", Some(&token), Some(body)).await;
                ok(&r, 201)["id"].as_str().unwrap().to_owned()
            }
        };
        let fr = draft(&w.fr_24_7, format!("+33 6 55 00 00 {round:02}")).await;
        let nl_id = draft(&nl, format!("0033 6 55 00 00 {round:02}")).await;
        let (a, b) = futures_util::future::join(
            http.call("POST", &format!("/v1/requests/{fr}/submit"), &w.fr_24_7.token, Some(&json!({})), &[]),
            http.call("POST", &format!("/v1/requests/{nl_id}/submit"), &nl.token, Some(&json!({})), &[]),
        )
        .await;
        assert_eq!((a.status, b.status), (200, 200), "round {round}: {:?} {:?}", a.body, b.body);
        assert_eq!(hits(&app, &w.fr_24_7).await.len(), round + 1, "round {round}");
        assert_eq!(hits(&app, &nl).await.len(), round + 1, "round {round}");
    }
}
crate::on_both_backends!(simultaneous_submissions_of_one_target_still_meet);

/// A party that sends many requests about one target (an account, a phone) stores that hash
/// many times, and a busy exchange holds many open requests. A submission's lookup must walk
/// neither: it starts at the hashes of other parties (a range on each side of the submitter's
/// party in the table's key, `(hash, party_id, request_id)`), then reads each match's request by key.
/// Found by the bench (issue 16): on SQLite, which keeps no statistics, the lookup walked every
/// open request by status and probed its hashes, 15 % of the server's CPU under create+submit.
/// PostgreSQL plans by its statistics: held after `ANALYZE` over a party's thousand requests on
/// one target.
async fn the_lookup_walks_only_other_parties_hashes(backend: crate::support::TestBackend) {
    use diesel::connection::SimpleConnection;
    use rogatory::requests::deconfliction::repo::lookup_plan;

    let Some(database) = crate::support::TestDatabase::create(backend) else { return };
    let mut conn = database.connect();
    rogatory::db::migrations::run_pending(&mut conn).expect("migrations");
    let party = uuid::Uuid::now_v7();
    let hashes = ["ab".repeat(32), "cd".repeat(32)];
    if matches!(backend, crate::support::TestBackend::Postgres) {
        // A thousand open requests of one party on one target, and one of another party's,
        // written around the foreign keys (this test is about plans, not about rows).
        conn.batch_execute(&format!(
            "SET session_replication_role = replica;
             INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party,
                 content, drafted_by, extensions_used, version, created_at, updated_at)
             SELECT gen_random_uuid(), 'R-' || i, 'x', 'x', 'normal', 'submitted', '{party}', '{party}', '{{}}',
                 '{party}', 0, 1, now(), now()
             FROM generate_series(1, 1000) i;
             INSERT INTO deconfliction_targets (hash, request_id, party_id, target_type, created_at)
             SELECT '{hot}', id, issuer_party, 'phone', now() FROM requests;
             INSERT INTO deconfliction_targets (hash, request_id, party_id, target_type, created_at)
             SELECT md5(r.reference || i), r.id, r.issuer_party, 'phone', now()
             FROM requests r, generate_series(1, 20) i;
             SET session_replication_role = DEFAULT;
             ANALYZE;",
            hot = hashes[0]
        ))
        .expect("seed");
    }
    // SQLite weighs an `IN` list by its length: with a join, 2 hashes started at the hashes and
    // 20 at the open requests. Held from one hash to more than a submission may carry.
    for n in [1, 2, 20, 100] {
        let asked: Vec<String> = (0..n).map(|i| if i < 2 { hashes[i].clone() } else { format!("{i:064x}") }).collect();
        let plan = lookup_plan(&mut conn, &asked, party).expect("plan");
        let text = plan.join(" / ");
        eprintln!("{backend:?} lookup plan for {n} hashes: {text}");
        match backend {
            crate::support::TestBackend::Sqlite => {
                let first = plan.iter().find(|l| l.starts_with("SEARCH") || l.starts_with("SCAN")).unwrap();
                assert_eq!(
                    first, "SEARCH deconfliction_targets USING PRIMARY KEY (hash=? AND party_id<?)",
                    "{n} hashes: the lookup starts at the other parties' hashes: {text}"
                );
                assert!(
                    text.contains("SEARCH deconfliction_targets USING PRIMARY KEY (hash=? AND party_id>?)"),
                    "{n} hashes: on both sides of the party: {text}"
                );
                assert!(!text.contains("SCAN"), "{n} hashes: no table walked: {text}");
                assert!(
                    text.contains("SEARCH requests EXISTS USING") && text.contains("(status=? AND id=?)"),
                    "{n} hashes: each match's request read by key: {text}"
                );
            }
            crate::support::TestBackend::Postgres => {
                assert!(text.contains("Index Only Scan using deconfliction_targets_pkey"), "{n}: the key: {text}");
                assert!(text.contains("AND (party_id < ") && text.contains("AND (party_id > "), "{n}: {text}");
                assert!(!text.contains("Seq Scan") && !text.contains("requests_status_idx"), "{n}: {text}");
            }
        }
    }
}
crate::on_both_backends!(the_lookup_walks_only_other_parties_hashes);

/// Migration 000026 rebuilds `deconfliction_targets` under its new key (a new table on SQLite):
/// every stored hash survives it, undone and applied again, and still matches.
async fn stored_hashes_survive_the_new_key(backend: crate::support::TestBackend) {
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;
    use rogatory::db::schema::deconfliction_targets;

    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = world(&app).await;
    let nl = dutch(&app).await;
    submit_for_phone(&app, &w.fr_24_7, "+33 6 12 34 56 78", None).await;
    submit_for_phone(&app, &w.fr_24_7, "+33 6 12 34 56 79", None).await;
    let mut conn = app.database.connect();
    let stored = |conn: &mut rogatory::db::AnyConnection| -> Vec<(String, String)> {
        deconfliction_targets::table
            .select((deconfliction_targets::hash, deconfliction_targets::target_type))
            .order(deconfliction_targets::hash)
            .load(conn)
            .unwrap()
    };
    let before = stored(&mut conn);
    assert_eq!(before.len(), 2, "{before:?}");
    // Back to before the new key (the migrations after it first, newest first).
    let mut undone = vec![];
    while undone.last().is_none_or(|v: &String| v.as_str() > "20261222000026") {
        let source = rogatory::db::migrations::source_for(conn.backend());
        undone.push(conn.revert_last_migration(source).unwrap().to_string());
    }
    assert_eq!(undone.last().map(String::as_str), Some("20261222000026"), "the new key was undone: {undone:?}");
    assert_eq!(stored(&mut conn), before, "kept under the old key");
    rogatory::db::migrations::run_pending(&mut conn).expect("migrations");
    assert_eq!(stored(&mut conn), before, "kept under the new key");
    // And still found: a Dutch request for the first number meets the French one.
    submit_for_phone(&app, &nl, "0033612345678", None).await;
    assert_eq!(hits(&app, &nl).await.len(), 1);
}
crate::on_both_backends!(stored_hashes_survive_the_new_key);
