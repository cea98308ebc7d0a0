//! The directory and API clients: who may create, see and change what.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::json;

use crate::backend_test;
use crate::support::{TestApp, french_prosecutor, german_24_7, platform};

#[derive(diesel::QueryableByName, Debug)]
struct AuditRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor: String,
}

/// The audit entries of one subject, oldest first, read straight from the database.
fn audit_of(app: &TestApp, subject_id: &str) -> Vec<(String, String)> {
    let mut conn = app.database.connect();
    let rows: Vec<AuditRow> = diesel::sql_query(format!(
        "SELECT action, actor FROM audit_log WHERE subject_id = '{subject_id}' ORDER BY occurred_at, id"
    ))
    .load(&mut conn)
    .unwrap();
    rows.into_iter().map(|r| (r.action, r.actor)).collect()
}

backend_test! {
    async fn an_exchange_admin_onboards_a_party(app) {
        let credentials = app.bootstrap();
        let admin = app.token(&credentials).await;
        let r = app.call(Method::POST, "/v1/parties", Some(&admin), Some(german_24_7())).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let party = r.json();
        let id = party["id"].as_str().unwrap();
        assert_eq!(r.header("location"), Some(format!("/v1/parties/{id}").as_str()));
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(party["status"], "pending_verification");
        assert_eq!(party["designations"], json!(["contact_point_24_7", "police"]));

        let r = app.call(Method::POST, &format!("/v1/parties/{id}/verify"), Some(&admin), None).await;
        assert_eq!(r.json()["status"], "active");
        app.call(Method::POST, &format!("/v1/parties/{id}/verify"), Some(&admin), None).await.assert_problem(409, "conflict");

        let audit = audit_of(&app, id);
        assert_eq!(audit, [
            ("party.created".to_owned(), credentials.client_id.clone()),
            ("party.verified".to_owned(), credentials.client_id.clone()),
        ]);
    }
}

backend_test! {
    async fn invalid_parties_get_one_422_listing_each_field(app) {
        let admin = app.admin_token().await;
        let mut bad = german_24_7();
        bad["country"] = json!("XY");
        bad["accepted_legal_bases"] = json!(["coe_budapest_29", "eu_epoc_x"]);
        bad["notification_emails"] = json!(["not an address"]);
        let body = app.call(Method::POST, "/v1/parties", Some(&admin), Some(bad)).await.assert_problem(422, "validation_failed");
        let pointers: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
        assert_eq!(pointers, ["/country", "/accepted_legal_bases/1", "/notification_emails/0"]);
        assert_eq!(body["errors"][1]["code"], "unknown_legal_basis");

        app.create_party(&admin, german_24_7(), false).await;
        let mut same = german_24_7();
        same["name"] = json!("  bka 24/7 POINT of contact ");
        let body = app.call(Method::POST, "/v1/parties", Some(&admin), Some(same)).await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["code"], "duplicate_name");

        let mut exchange = platform();
        exchange["kind"] = json!("exchange");
        app.call(Method::POST, "/v1/parties", Some(&admin), Some(exchange)).await.assert_problem(422, "validation_failed");
        let body = app.call(Method::POST, "/v1/parties", Some(&admin), Some(json!({"kind": "state_authority"}))).await
            .assert_problem(422, "invalid_body");
        assert!(body["detail"].as_str().unwrap().contains("missing field"), "{body}");
    }
}

backend_test! {
    async fn the_directory_is_paged_and_hides_unverified_parties(app) {
        let admin = app.admin_token().await;
        let (_, _, operator) = app.party_with_token(&admin, german_24_7(), &["operator"]).await;
        app.create_party(&admin, platform(), true).await;
        let pending = app.create_party(&admin, french_prosecutor(), false).await;

        // Exchange party, BKA and the platform are active; the prosecutor is pending.
        let r = app.call(Method::GET, "/v1/parties?limit=2", Some(&operator), None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        let next = page["next_cursor"].as_str().unwrap();
        assert_eq!(r.header("link"), Some(format!("</v1/parties?limit=2&cursor={next}>; rel=\"next\"").as_str()));
        let page2 = app.call(Method::GET, &format!("/v1/parties?limit=2&cursor={next}"), Some(&operator), None).await.json();
        assert_eq!(page2["items"].as_array().unwrap().len(), 1);
        assert!(page2["next_cursor"].is_null());
        let seen: Vec<&str> = page["items"].as_array().unwrap().iter().chain(page2["items"].as_array().unwrap())
            .map(|p| p["status"].as_str().unwrap()).collect();
        assert_eq!(seen, ["active", "active", "active"]);

        let pid = pending["id"].as_str().unwrap();
        app.call(Method::GET, &format!("/v1/parties/{pid}"), Some(&operator), None).await.assert_problem(404, "not_found");
        assert_eq!(app.call(Method::GET, &format!("/v1/parties/{pid}"), Some(&admin), None).await.status, 200);
        app.call(Method::GET, "/v1/parties?status=pending_verification", Some(&operator), None).await.assert_problem(403, "forbidden");
        let pending_list = app.call(Method::GET, "/v1/parties?status=pending_verification", Some(&admin), None).await.json();
        assert_eq!(pending_list["items"].as_array().unwrap().len(), 1);
        let germans = app.call(Method::GET, "/v1/parties?country=de&kind=state_authority", Some(&operator), None).await.json();
        assert_eq!(germans["items"][0]["name"], "BKA 24/7 point of contact");
        app.call(Method::GET, "/v1/parties?limit=500", Some(&operator), None).await.assert_problem(400, "invalid_query_parameter");
        app.call(Method::GET, "/v1/parties?cursor=zzz", Some(&operator), None).await.assert_problem(400, "invalid_query_parameter");
        app.call(Method::GET, "/v1/parties/not-a-uuid", Some(&operator), None).await.assert_problem(400, "invalid_path_parameter");
    }
}

backend_test! {
    async fn changes_need_if_match_and_the_right_powers(app) {
        let admin = app.admin_token().await;
        let (party, _, party_admin) = app.party_with_token(&admin, german_24_7(), &["party_admin"]).await;
        let path = format!("/v1/parties/{}", party["id"].as_str().unwrap());
        let change = json!({"notification_emails": ["24-7@bka.example.de", "duty@bka.example.de"]});

        let r = app.call(Method::PATCH, &path, Some(&party_admin), Some(change.clone())).await;
        r.assert_problem(428, "precondition_required");
        let patch = |etag: &str, token: &str, body: serde_json::Value| {
            TestRequest::patch().uri(&path).insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("if-match", etag.to_owned())).set_json(body)
        };
        // Verification bumped the version to 2.
        app.send(patch("\"1\"", &party_admin, change.clone())).await.assert_problem(412, "precondition_failed");
        let r = app.send(patch("\"2\"", &party_admin, change.clone())).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("etag"), Some("\"3\""));
        assert_eq!(r.json()["notification_emails"][1], "duty@bka.example.de");
        // The same If-Match again is stale now: concurrent edits are caught.
        app.send(patch("\"2\"", &party_admin, change)).await.assert_problem(412, "precondition_failed");

        // A party admin may not re-route its party.
        let body = app.send(patch("\"3\"", &party_admin, json!({"designations": ["central_authority"]}))).await.assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("designations"));
        // The exchange admin may, and bad values are 422.
        app.send(patch("\"3\"", &admin, json!({"country": "ZZ"}))).await.assert_problem(422, "validation_failed");
        let r = app.send(patch("\"3\"", &admin, json!({"designations": ["contact_point_24_7"]}))).await;
        assert_eq!(r.status, 200, "{}", r.text());

        // Another party's admin cannot change it.
        let (_, _, other_admin) = app.party_with_token(&admin, platform(), &["party_admin"]).await;
        app.send(patch("\"4\"", &other_admin, json!({"languages": ["en"]}))).await.assert_problem(403, "forbidden");
    }
}

backend_test! {
    async fn party_admins_manage_only_their_own_clients(app) {
        let admin = app.admin_token().await;
        let (german, _, german_admin) = app.party_with_token(&admin, german_24_7(), &["party_admin"]).await;
        let (platform_party, _, platform_admin) = app.party_with_token(&admin, platform(), &["party_admin", "responder"]).await;
        let gid = german["id"].as_str().unwrap();
        let pid = platform_party["id"].as_str().unwrap();

        let created = app.create_client(&german_admin, gid, &["operator", "approver"]).await;
        let r = app.call(Method::GET, &format!("/v1/parties/{gid}/clients"), Some(&german_admin), None).await;
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|c| c.get("secret_hash").is_none() && c.get("client_secret").is_none()));
        assert!(items.iter().any(|c| c["client_id"] == created.client_id.as_str()));

        // Another party's clients: 404, never a glimpse.
        app.call(Method::GET, &format!("/v1/parties/{gid}/clients"), Some(&platform_admin), None).await.assert_problem(404, "not_found");
        app.call(Method::POST, &format!("/v1/parties/{gid}/clients"), Some(&platform_admin), Some(json!({"name": "x", "roles": ["operator"]})))
            .await.assert_problem(404, "not_found");
        let german_client_id = items[0]["id"].as_str().unwrap();
        app.call(Method::DELETE, &format!("/v1/clients/{german_client_id}"), Some(&platform_admin), None).await.assert_problem(404, "not_found");
        // A party admin cannot mint exchange administrators.
        let body = app.call(Method::POST, &format!("/v1/parties/{pid}/clients"), Some(&platform_admin), Some(json!({"name": "x", "roles": ["exchange_admin"]})))
            .await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["code"], "role_not_allowed");
        // An operator of the party is not a party admin: 403.
        let operator = app.token(&created).await;
        app.call(Method::GET, &format!("/v1/parties/{gid}/clients"), Some(&operator), None).await.assert_problem(403, "forbidden");

        // Revocation is audited with who did it.
        let clients = app.call(Method::GET, &format!("/v1/parties/{gid}/clients"), Some(&german_admin), None).await.json();
        let target = clients["items"].as_array().unwrap().iter().find(|c| c["client_id"] == created.client_id.as_str()).unwrap();
        let target_id = target["id"].as_str().unwrap();
        assert_eq!(app.call(Method::DELETE, &format!("/v1/clients/{target_id}"), Some(&german_admin), None).await.status, 204);
        app.call(Method::DELETE, &format!("/v1/clients/{target_id}"), Some(&german_admin), None).await.assert_problem(409, "conflict");
        let audit = audit_of(&app, target_id);
        assert_eq!(audit.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["client.created", "client.revoked"]);
        let german_admin_client = app.call(Method::GET, "/v1/me", Some(&german_admin), None).await.json()["client_id"].as_str().unwrap().to_owned();
        assert_eq!(audit[1].1, german_admin_client);
    }
}

backend_test! {
    async fn suspension_is_audited_with_its_reason_and_the_exchange_cannot_be_suspended(app) {
        let credentials = app.bootstrap();
        let admin = app.token(&credentials).await;
        let party = app.create_party(&admin, platform(), true).await;
        let id = party["id"].as_str().unwrap();
        let r = app.call(Method::POST, &format!("/v1/parties/{id}/suspend"), Some(&admin), Some(json!({"reason": " "}))).await;
        r.assert_problem(422, "validation_failed");
        // Longer than the spec's maxLength (20000 characters; schemathesis found it accepted).
        let long = format!("Y.\u{c7e99}{}", "*".repeat(20_000));
        let r = app.call(Method::POST, &format!("/v1/parties/{id}/suspend"), Some(&admin), Some(json!({"reason": long}))).await;
        r.assert_problem(422, "validation_failed");
        let r = app.call(Method::POST, &format!("/v1/parties/{id}/suspend"), Some(&admin), Some(json!({"reason": "forged emergency requests"}))).await;
        assert_eq!(r.json()["status"], "suspended");
        let actions: Vec<String> = audit_of(&app, id).into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["party.created", "party.verified", "party.suspended"]);
        let exchange = &credentials.party_id;
        app.call(Method::POST, &format!("/v1/parties/{exchange}/suspend"), Some(&admin), Some(json!({"reason": "oops"}))).await
            .assert_problem(409, "conflict");
    }
}
