//! Requests for evidence, driven through the API as contact points and platforms use it.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::backend_test;
use crate::support::world::*;

backend_test! {
    async fn a_preservation_is_routed_acknowledged_preserved_and_followed_up(app) {
        let w = world(&app).await;
        let draft = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201);
        let id = draft["id"].as_str().unwrap().to_owned();
        let year = chrono::Utc::now().format("%Y").to_string();
        assert_eq!(draft["reference"], format!("FR-{year}-000001"));
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["kind"], "preservation");
        // Routed by country to Germany's 24/7 point of contact (ETS 185 Art 35), not the central authority.
        assert_eq!(draft["addressee"]["id"], w.de_24_7.id.as_str());
        // Targets are normalised.
        assert_eq!(draft["content"]["targets"][0]["value"], "recruiter.jobs2026@example-mail.de");
        // A draft is the issuer's alone.
        get(&app, &w.de_24_7, &format!("/v1/requests/{id}")).await.assert_problem(404, "not_found");

        let submitted = ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        assert_eq!(submitted["status"], "submitted");
        assert!(submitted["submitted_at"].is_string());

        let incoming = ok(&get(&app, &w.de_24_7, "/v1/requests?direction=incoming").await, 200);
        assert_eq!(incoming["items"][0]["id"], id.as_str());
        let acknowledged = ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        assert_eq!(acknowledged["status"], "acknowledged");

        let preserved = ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Data preserved at Example Mail GmbH under P-2026-8812."})).await, 200);
        assert_eq!(preserved["status"], "preserved");
        assert_eq!(preserved["outcome"], "preserved");
        let until = chrono::DateTime::parse_from_rfc3339(preserved["preservation_expires_at"].as_str().unwrap()).unwrap();
        let days = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
        assert!((59..=60).contains(&days), "60 days by default (ETS 185 Art 29(7)): {days}");

        // ETS 185 Art 29(7) has no renewal: the follow-up request keeps the data pending its
        // decision. Only the issuer could ask; it is refused with the provision.
        post(&app, &w.de_24_7, &format!("/v1/requests/{id}/extend"), json!({"reason": "x"})).await.assert_problem(403, "forbidden");
        let body = post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/extend"), json!({"reason": "The MLA request is in translation."})).await.assert_problem(409, "conflict");
        assert_eq!(body["current_status"], "preserved");
        assert!(body["detail"].as_str().unwrap().contains("no extension"), "{body}");

        // The follow-up MLA request, linked to the preservation, goes to Germany's central authority.
        let mut mla = json!({
            "legal_basis": "mlat",
            "addressee": {"country": "DE"},
            "follow_up_of": id,
            "content": {
                "issuing_authority": "OCLCTIC, Nanterre",
                "offences": ["Trafficking in human beings"],
                "facts_summary": "See the preservation request; production of the preserved data is requested.",
                "requested_measures": ["Production of the preserved subscriber and traffic data"]
            }
        });
        let follow_up = ok(&post(&app, &w.fr_24_7, "/v1/requests", mla.clone()).await, 201);
        assert_eq!(follow_up["follow_up_of"], id.as_str());
        assert_eq!(follow_up["addressee"]["id"], w.de_central.id.as_str());
        assert_eq!(follow_up["reference"], format!("FR-{year}-000002"));
        // Someone else's request cannot be followed up.
        mla["follow_up_of"] = json!(uuid::Uuid::now_v7());
        post(&app, &w.fr_24_7, "/v1/requests", mla).await.assert_problem(422, "validation_failed");

        let history = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/events")).await, 200);
        assert_eq!(events(&history), ["request.created", "request.submitted", "request.acknowledged", "request.responded"]);
        assert!(history["items"].as_array().unwrap().iter().enumerate().all(|(i, e)| e["seq"] == i + 1));
    }
}

backend_test! {
    async fn an_epoc_reaches_the_platform_and_notifies_the_enforcing_authority(app) {
        let w = world(&app).await;
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let draft = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201);
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(draft["addressee_entity"]["country"], "IE", "the EU legal representative receives it");
        assert_eq!(draft["enforcing_authority"]["id"], w.ie_enforcing.id.as_str(), "traffic data: Art 8 notification");
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);

        // The platform asks for clarification before acknowledging.
        let clarification = ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/clarifications"),
            json!({"question": "Is model.scout.paris the handle or the display name?"})).await, 201);
        let cid = clarification["id"].as_str().unwrap();
        assert_eq!(ok(&get(&app, &w.platform, &format!("/v1/requests/{id}")).await, 200)["status"], "awaiting_clarification");
        // Only the issuer answers; the platform cannot answer itself.
        post(&app, &w.platform, &format!("/v1/requests/{id}/clarifications/{cid}/answer"), json!({"answer": "x"})).await.assert_problem(403, "forbidden");
        let answered = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/clarifications/{cid}/answer"),
            json!({"answer": "It is the handle: https://social.example.com/model.scout.paris"})).await, 200);
        assert!(answered["answered_at"].is_string());
        post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/clarifications/{cid}/answer"), json!({"answer": "again"})).await
            .assert_problem(409, "conflict");
        assert_eq!(ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/clarifications")).await, 200)["items"][0]["answer"],
            "It is the handle: https://social.example.com/model.scout.paris");

        let done = ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Subscriber and traffic data produced."})).await, 200);
        assert_eq!(done["status"], "completed");
        assert_eq!(done["outcome"], "fulfilled");

        // The enforcing authority sees it; a stranger does not.
        let seen = ok(&get(&app, &w.ie_enforcing, &format!("/v1/requests/{id}")).await, 200);
        assert_eq!(seen["participants"].as_array().unwrap().len(), 3);
        let incoming = ok(&get(&app, &w.ie_enforcing, "/v1/requests?direction=incoming").await, 200);
        assert_eq!(incoming["items"].as_array().unwrap().len(), 1);
        get(&app, &w.stranger, &format!("/v1/requests/{id}")).await.assert_problem(404, "not_found");
        assert!(ok(&get(&app, &w.stranger, "/v1/requests").await, 200)["items"].as_array().unwrap().is_empty());

        let history = events(&ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200));
        // Traffic data: the notification is suspensive (Reg. 2023/1543 Art 8(4)); the answer is
        // held from the issuer until the enforcing authority's time ends.
        assert_eq!(history, ["request.created", "request.submitted", "request.clarification_requested", "request.clarification_answered", "response.held"]);
        assert_eq!(done["data_hold"]["status"], "held_pending_enforcing_authority");
    }
}

backend_test! {
    async fn the_enforcing_authority_can_object(app) {
        let w = world(&app).await;
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        post(&app, &w.platform, &format!("/v1/requests/{id}/objection"), json!({"reason": "fundamental_rights", "text": "x"})).await
            .assert_problem(403, "forbidden");
        let objected = ok(&post(&app, &w.ie_enforcing, &format!("/v1/requests/{id}/objection"),
            json!({"reason": "fundamental_rights", "text": "Manifest breach of freedom of expression (Art 12(1)(d))."})).await, 200);
        assert_eq!((objected["status"].as_str(), objected["outcome"].as_str()), (Some("completed"), Some("refused")));
    }
}

backend_test! {
    async fn refusals_forwarding_and_withdrawal(app) {
        let w = world(&app).await;
        // A platform refuses as the wrong addressee, with the reason code.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        post(&app, &w.platform, &format!("/v1/requests/{id}/responses"), json!({"outcome": "refused", "text": "no reason"})).await
            .assert_problem(422, "validation_failed");
        let refused = ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "refused", "refusal_reason": "wrong_addressee", "text": "The account belongs to another service."})).await, 200);
        assert_eq!(refused["outcome"], "refused");
        let body = post(&app, &w.platform, &format!("/v1/requests/{id}/acknowledge"), json!({})).await.assert_problem(409, "conflict");
        assert_eq!(body["current_status"], "completed");

        // A state forwards to the competent authority; the route stays visible.
        let mut request = preservation_request();
        request["addressee"] = json!({"party_id": w.de_central.id});
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", request).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        post(&app, &w.de_central, &format!("/v1/requests/{id}/forward"), json!({"to": {"country": "XX"}, "reason": "r"})).await
            .assert_problem(422, "validation_failed");
        let forwarded = ok(&post(&app, &w.de_central, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_24_7.id}, "reason": "Preservation is handled by the 24/7 point of contact."})).await, 200);
        assert_eq!(forwarded["addressee"]["id"], w.de_24_7.id.as_str());
        assert_eq!(forwarded["status"], "submitted");
        let roles: Vec<(&str, &str)> = forwarded["participants"].as_array().unwrap().iter()
            .map(|p| (p["party"]["name"].as_str().unwrap(), p["role"].as_str().unwrap())).collect();
        assert!(roles.contains(&("Bundesamt fuer Justiz", "previous_addressee")), "{roles:?}");
        // The forwarding party still reads it but can no longer act.
        ok(&get(&app, &w.de_central, &format!("/v1/requests/{id}")).await, 200);
        post(&app, &w.de_central, &format!("/v1/requests/{id}/acknowledge"), json!({})).await.assert_problem(403, "forbidden");
        let history = events(&ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/events")).await, 200));
        assert!(history.contains(&"request.forwarded".to_owned()));
        // The new addressee hears of it, though the action read only the request's parties as
        // they were (their addresses and subscriptions; a new one is read as it joins).
        let feed = ok(&get(&app, &w.de_24_7, "/v1/notifications").await, 200);
        let heard: Vec<(&str, &str)> = feed["items"].as_array().unwrap().iter()
            .map(|n| (n["event_type"].as_str().unwrap(), n["request_id"].as_str().unwrap_or_default())).collect();
        assert!(heard.contains(&("request.forwarded", id.as_str())), "{heard:?}");
        let addresses = ok(&get(&app, &w.de_24_7, &format!("/v1/parties/{}", w.de_24_7.id)).await, 200)["notification_emails"].clone();
        assert!(!addresses.as_array().unwrap().is_empty(), "the new addressee has addresses");
        {
            use diesel::prelude::*;
            use rogatory::db::schema::jobs;
            let mailed: Vec<serde_json::Value> = jobs::table
                .filter(jobs::kind.eq("email"))
                .select(jobs::payload)
                .load::<rogatory::db::types::DbJson>(&mut app.database.connect())
                .unwrap()
                .into_iter()
                .map(|p| p.0)
                .collect();
            assert!(
                mailed.iter().any(|m| m["party"] == w.de_24_7.id.as_str()
                    && m["notification"]["event_type"] == "request.forwarded"
                    && m["to"] == addresses),
                "the new addressee is mailed at its address: {mailed:?}"
            );
        }

        // The issuer withdraws, with a reason.
        post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/withdraw"), json!({"reason": ""})).await.assert_problem(422, "validation_failed");
        let withdrawn = ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/withdraw"), json!({"reason": "Suspect identified."})).await, 200);
        assert_eq!(withdrawn["status"], "withdrawn");
        post(&app, &w.de_24_7, &format!("/v1/requests/{id}/acknowledge"), json!({})).await.assert_problem(409, "conflict");
    }
}

backend_test! {
    async fn invalid_and_unroutable_requests_get_one_422(app) {
        let w = world(&app).await;
        let mut bad = preservation_request();
        bad["content"]["targets"] = json!([{"type": "phone", "value": "06 12 34 56 78"}, {"type": "ip", "value": "203.0.113.7"}]);
        bad["content"]["period"] = json!({"from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"});
        bad["content"].as_object_mut().unwrap().remove("custodian");
        bad["content"]["mla_intent"] = json!(false);
        let body = post(&app, &w.fr_24_7, "/v1/requests", bad).await.assert_problem(422, "validation_failed");
        let pointers: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
        for expected in ["/content/custodian", "/content/mla_intent", "/content/targets/0/value", "/content/targets/1/timestamp", "/content/period"] {
            assert!(pointers.contains(&expected), "{expected} missing from {pointers:?}");
        }
        // Routing: nobody in Italy accepts Budapest Art 29 requests.
        let mut italy = preservation_request();
        italy["addressee"] = json!({"country": "IT"});
        let body = post(&app, &w.fr_24_7, "/v1/requests", italy).await.assert_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["code"], "unroutable");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("IT"), "{body}");
        // An EU production order goes to a provider, not to a state.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.de_24_7.id});
        let body = post(&app, &w.fr_prosecutor, "/v1/requests", order).await.assert_problem(422, "validation_failed");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("service_provider"), "{body}");
        // Emergency needs a justification and a basis with an emergency procedure.
        let mut emergency = preservation_request();
        emergency["priority"] = json!("emergency");
        let body = post(&app, &w.fr_24_7, "/v1/requests", emergency).await.assert_problem(422, "validation_failed");
        let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"no_emergency_procedure") && codes.contains(&"required"), "{codes:?}");
        let mut unknown = preservation_request();
        unknown["legal_basis"] = json!("letters_rogatory");
        post(&app, &w.fr_24_7, "/v1/requests", unknown).await.assert_problem(422, "validation_failed");
        // A platform does not issue requests.
        let mut from_platform = production_order();
        from_platform["addressee"] = json!({"party_id": w.platform.id});
        post(&app, &w.platform, "/v1/requests", from_platform).await.assert_problem(403, "forbidden");
    }
}

backend_test! {
    async fn strangers_get_404_and_wrong_roles_403(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        let cid = uuid::Uuid::now_v7();
        let gets = ["", "/events", "/messages", "/clarifications"];
        for suffix in gets {
            get(&app, &w.stranger, &format!("/v1/requests/{id}{suffix}")).await.assert_problem(404, "not_found");
        }
        for suffix in ["/submit", "/approve", "/acknowledge", "/forward", "/responses", "/objection", "/withdraw", "/extend",
            "/release", "/clarifications", "/messages", &format!("/clarifications/{cid}/answer")] {
            let body = json!({"reason": "x", "text": "x", "outcome": "no_data", "question": "x", "answer": "x", "body": "x", "to": {"country": "DE"}});
            let r = post(&app, &w.stranger, &format!("/v1/requests/{id}{suffix}"), body).await;
            assert!(r.status == 404 || r.status == 422, "{suffix}: {}", r.text());
            if r.status == 404 {
                r.assert_problem(404, "not_found");
            }
        }
        let patch = TestRequest::patch().uri(&format!("/v1/requests/{id}"))
            .insert_header(("authorization", format!("Bearer {}", w.stranger.token))).insert_header(("if-match", "\"1\""))
            .set_json(json!({"priority": "normal"}));
        app.send(patch).await.assert_problem(404, "not_found");

        // An auditor of the addressee may read but not act.
        let admin_token = app.admin_token_again().await;
        let auditor = app.create_client(&admin_token, &w.de_24_7.id, &["auditor"]).await;
        let auditor_token = app.token(&auditor).await;
        let r = app.call(Method::GET, &format!("/v1/requests/{id}"), Some(&auditor_token), None).await;
        assert_eq!(r.status, 200);
        let body = app.call(Method::POST, &format!("/v1/requests/{id}/acknowledge"), Some(&auditor_token), Some(json!({}))).await
            .assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("responder"), "{body}");
    }
}

backend_test! {
    async fn four_eyes_approval(app) {
        let w = world(&app).await;
        let admin = app.admin_token_again().await;
        let r = app.send(TestRequest::patch().uri(&format!("/v1/parties/{}", w.fr_24_7.id))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("if-match", "\"2\"")).set_json(json!({"requires_approval": true}))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        let pending = ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        assert_eq!(pending["status"], "pending_approval");
        // Not yet left: the addressee does not see it.
        get(&app, &w.de_24_7, &format!("/v1/requests/{id}")).await.assert_problem(404, "not_found");
        // The drafter's client holds no approver role; an approver that is the drafter is refused too.
        post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/approve"), json!({})).await.assert_problem(403, "forbidden");
        let both = app.create_client(&admin, &w.fr_24_7.id, &["operator", "approver"]).await;
        let both = Actor { id: w.fr_24_7.id.clone(), token: app.token(&both).await, credentials: both };
        let own = ok(&post(&app, &both, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &both, &format!("/v1/requests/{own}/submit"), json!({})).await, 200);
        let body = post(&app, &both, &format!("/v1/requests/{own}/approve"), json!({})).await.assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("four eyes"), "{body}");
        // Another approver lets it leave.
        let approved = ok(&post(&app, &both, &format!("/v1/requests/{id}/approve"), json!({})).await, 200);
        assert_eq!(approved["status"], "submitted");
        ok(&get(&app, &w.de_24_7, &format!("/v1/requests/{id}")).await, 200);
    }
}

backend_test! {
    async fn drafts_change_only_with_a_fresh_etag(app) {
        let w = world(&app).await;
        let r = post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await;
        assert_eq!(r.header("etag"), Some("\"1\""));
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/requests/{id}");
        let patch = |etag: Option<&str>, body: Value| {
            let mut request = TestRequest::patch().uri(&path).insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)));
            if let Some(etag) = etag {
                request = request.insert_header(("if-match", etag.to_owned()));
            }
            request.set_json(body)
        };
        app.send(patch(None, json!({"priority": "normal"}))).await.assert_problem(428, "precondition_required");
        let r = app.send(patch(Some("\"1\""), json!({"priority": "normal"}))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("etag"), Some("\"2\""));
        app.send(patch(Some("\"1\""), json!({"priority": "urgent"}))).await.assert_problem(412, "precondition_failed");
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        let body = app.send(patch(Some("\"3\""), json!({"priority": "urgent"}))).await.assert_problem(409, "conflict");
        assert_eq!(body["current_status"], "submitted");
    }
}

backend_test! {
    async fn retries_with_an_idempotency_key_create_one_request(app) {
        let w = world(&app).await;
        let send = |key: &str, body: Value| {
            TestRequest::post().uri("/v1/requests")
                .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
                .insert_header(("idempotency-key", key.to_owned()))
                .set_json(body)
        };
        let requests: Vec<_> = (0..20).map(|_| app.send(send("create-4711", preservation_request()))).collect();
        let answers = futures_util::future::join_all(requests).await;
        let ids: std::collections::BTreeSet<String> = answers.iter().map(|r| {
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["id"].as_str().unwrap().to_owned()
        }).collect();
        assert_eq!(ids.len(), 1, "one request for one key");
        assert_eq!(answers.iter().filter(|r| r.header("idempotent-replayed") == Some("true")).count(), 19);
        let outgoing = ok(&get(&app, &w.fr_24_7, "/v1/requests?direction=outgoing").await, 200);
        assert_eq!(outgoing["items"].as_array().unwrap().len(), 1);

        let mut other = preservation_request();
        other["priority"] = json!("normal");
        app.send(send("create-4711", other)).await.assert_problem(422, "idempotency_key_reused");
        let long = "k".repeat(256);
        app.send(send(&long, preservation_request())).await.assert_problem(400, "invalid_header");

        // Actions are idempotent too: a retried submit answers the first result.
        let id = ids.into_iter().next().unwrap();
        let submit = || TestRequest::post().uri(&format!("/v1/requests/{id}/submit"))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("idempotency-key", "submit-1")).set_json(json!({}));
        let first = app.send(submit()).await;
        let again = app.send(submit()).await;
        assert_eq!((first.status.as_u16(), again.status.as_u16()), (200, 200), "{}", again.text());
        assert_eq!(first.json(), again.json());
        let history = events(&ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/events")).await, 200));
        assert_eq!(history.iter().filter(|e| *e == "request.submitted").count(), 1);
    }
}

backend_test! {
    async fn lists_filter_and_page(app) {
        let w = world(&app).await;
        for _ in 0..3 {
            let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
            ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        }
        let mut mla = json!({"legal_basis": "mlat", "addressee": {"country": "DE"}, "content": {
            "issuing_authority": "OCLCTIC", "offences": ["THB"], "facts_summary": "x", "requested_measures": ["y"]}});
        mla["priority"] = json!("normal");
        let mla_id = ok(&post(&app, &w.fr_24_7, "/v1/requests", mla).await, 201)["id"].as_str().unwrap().to_owned();

        let page = app.call(Method::GET, "/v1/requests?direction=outgoing&limit=2", Some(&w.fr_24_7.token), None).await;
        let first = ok(&page, 200);
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert_eq!(first["items"][0]["id"], mla_id.as_str(), "newest first");
        assert!(page.header("link").unwrap().contains("rel=\"next\""));
        let next = first["next_cursor"].as_str().unwrap();
        let second = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests?direction=outgoing&limit=2&cursor={next}")).await, 200);
        assert_eq!(second["items"].as_array().unwrap().len(), 2);
        assert!(second["next_cursor"].is_null());

        let drafts = ok(&get(&app, &w.fr_24_7, "/v1/requests?status=draft").await, 200);
        assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
        let budapest = ok(&get(&app, &w.fr_24_7, "/v1/requests?legal_basis=coe_budapest_29&kind=preservation&priority=urgent").await, 200);
        assert_eq!(budapest["items"].as_array().unwrap().len(), 3);
        let to_bka = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests?direction=outgoing&counterpart={}", w.de_24_7.id)).await, 200);
        assert_eq!(to_bka["items"].as_array().unwrap().len(), 3);
        let incoming = ok(&get(&app, &w.de_24_7, &format!("/v1/requests?direction=incoming&counterpart={}", w.fr_24_7.id)).await, 200);
        assert_eq!(incoming["items"].as_array().unwrap().len(), 3);
        let none = ok(&get(&app, &w.fr_24_7, "/v1/requests?created_after=2099-01-01T00:00:00Z").await, 200);
        assert!(none["items"].as_array().unwrap().is_empty());
        get(&app, &w.fr_24_7, "/v1/requests?direction=sideways").await.assert_problem(400, "invalid_query_parameter");
        // The central authority received the draft's routing but sees nothing until submission.
        assert!(ok(&get(&app, &w.de_central, "/v1/requests").await, 200)["items"].as_array().unwrap().is_empty());
    }
}

backend_test! {
    /// Issue 16: the list reads each party's own rows (`party_requests`), kept current by every
    /// change: status, re-addressing a draft, forwarding (the earlier addressee keeps its view),
    /// forwarding back (listed once though the party held two roles).
    async fn lists_follow_status_readdressing_and_forwarding(app) {
        let w = world(&app).await;
        let ids = |v: &Value| -> Vec<String> {
            v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        let list = |who: &Actor, query: &str| {
            let (app, token, query) = (&app, who.token.clone(), query.to_owned());
            async move {
                let r = app.call(Method::GET, &format!("/v1/requests?{query}"), Some(&token), None).await;
                ids(&ok(&r, 200))
            }
        };
        let mut request = preservation_request();
        request["addressee"] = json!({"party_id": w.de_central.id});
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", request).await, 201)["id"].as_str().unwrap().to_owned();
        assert_eq!(list(&w.fr_24_7, "status=draft&direction=outgoing").await, vec![id.clone()]);
        // Re-addressed while a draft: the first addressee loses it, the new one sees it only once sent.
        let readdress = TestRequest::patch().uri(&format!("/v1/requests/{id}"))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token))).insert_header(("if-match", "\"1\""))
            .set_json(json!({"addressee": {"party_id": w.de_24_7.id}}));
        ok(&app.send(readdress).await, 200);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        assert!(list(&w.fr_24_7, "status=draft").await.is_empty());
        assert_eq!(list(&w.fr_24_7, "status=submitted&direction=outgoing").await, vec![id.clone()]);
        assert_eq!(list(&w.de_24_7, "status=submitted&direction=incoming").await, vec![id.clone()]);
        assert!(list(&w.de_24_7, "direction=outgoing").await.is_empty());
        assert!(list(&w.de_central, "").await.is_empty());
        ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        assert!(list(&w.de_24_7, "status=submitted").await.is_empty());
        assert_eq!(list(&w.de_24_7, "status=acknowledged").await, vec![id.clone()]);
        // Forwarded: both German parties list it; forwarded back: the 24/7 point lists it once.
        ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_central.id}, "reason": "A production of content needs the central authority."})).await, 200);
        assert_eq!(list(&w.de_central, "direction=incoming").await, vec![id.clone()]);
        assert_eq!(list(&w.de_24_7, "direction=incoming").await, vec![id.clone()]);
        ok(&post(&app, &w.de_central, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_24_7.id}, "reason": "Preservation is the 24/7 point's."})).await, 200);
        assert_eq!(list(&w.de_24_7, "").await, vec![id.clone()]);
        assert_eq!(list(&w.de_central, "").await, vec![id.clone()]);
        assert_eq!(list(&w.fr_24_7, "legal_basis=coe_budapest_29&kind=preservation&priority=urgent").await, vec![id]);
    }
}

backend_test! {
    async fn messages_stay_between_the_parties(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": "draft note"})).await.assert_problem(409, "conflict");
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": "The MLA request follows."})).await, 201);
        ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": "Noted."})).await, 201);
        let thread = ok(&get(&app, &w.de_24_7, &format!("/v1/requests/{id}/messages")).await, 200);
        let bodies: Vec<&str> = thread["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["The MLA request follows.", "Noted."]);
        get(&app, &w.stranger, &format!("/v1/requests/{id}/messages")).await.assert_problem(404, "not_found");
    }
}

backend_test! {
    /// Issue 16: a request's trail is a list like the others, a page at a time from the first
    /// event (`limit` 1 to 200, by default 200, `next_cursor` and `Link`), so a page costs the
    /// same however long the trail. The pages together are the whole chain, in order, and it
    /// links.
    async fn events_come_a_page_at_a_time_from_the_first(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        for i in 0..210 {
            ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": format!("Note {i}.")})).await, 201);
        }
        let path = format!("/v1/requests/{id}/events");
        let mut trail: Vec<Value> = vec![];
        let mut pages = vec![];
        let mut next = format!("{path}?limit=50");
        loop {
            let page = get(&app, &w.fr_24_7, &next).await;
            let body = ok(&page, 200);
            let items = body["items"].as_array().unwrap();
            pages.push(items.len());
            trail.extend(items.iter().cloned());
            match body["next_cursor"].as_str() {
                Some(cursor) => {
                    let link = page.header("link").unwrap_or_else(|| panic!("a Link beside next_cursor: {body}"));
                    assert!(link.contains(cursor) && link.contains("rel=\"next\""), "{link}");
                    next = format!("{path}?limit=50&cursor={cursor}");
                }
                None => {
                    assert!(page.header("link").is_none(), "no Link on the last page");
                    break;
                }
            }
        }
        assert_eq!(pages, vec![50, 50, 50, 50, 13], "pages of 50");
        let seqs: Vec<i64> = trail.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=213).collect::<Vec<_>>(), "every event once, in order");
        assert_eq!(trail[0]["prev_hash"], "0".repeat(64));
        for pair in trail.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "the pages are one chain");
        }
        // Unasked, a page holds 200: the same events.
        let first = ok(&get(&app, &w.de_24_7, &path).await, 200);
        assert_eq!(first["items"].as_array().unwrap()[..], trail[..200]);
        let cursor = first["next_cursor"].as_str().expect("a second page");
        let rest = ok(&get(&app, &w.de_24_7, &format!("{path}?cursor={cursor}")).await, 200);
        assert_eq!(rest["items"].as_array().unwrap()[..], trail[200..]);
        assert!(rest["next_cursor"].is_null(), "{}", rest["next_cursor"]);
        let small = ok(&get(&app, &w.de_24_7, &format!("{path}?limit=1")).await, 200);
        assert_eq!(small["items"][0]["seq"], 1);
        // Bad paging is the caller's mistake; another request's cursor starts nowhere here.
        for bad in ["limit=0", "limit=201", "cursor=!!", "page=2"] {
            get(&app, &w.fr_24_7, &format!("{path}?{bad}")).await.assert_problem(400, "invalid_query_parameter");
        }
        let other = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        let foreign = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{other}/events")).await, 200);
        let foreign_event = foreign["items"][0]["id"].as_str().unwrap();
        let cursor = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, uuid::Uuid::parse_str(foreign_event).unwrap().as_bytes());
        let nothing = ok(&get(&app, &w.fr_24_7, &format!("{path}?cursor={cursor}")).await, 200);
        assert!(nothing["items"].as_array().unwrap().is_empty(), "{nothing}");
        // Still only the request's parties.
        get(&app, &w.stranger, &path).await.assert_problem(404, "not_found");
    }
}
