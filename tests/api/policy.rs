//! Request policies and pre-submission checks (issue 18 item 2): a platform publishes what it
//! needs; a request that ignores it is blocked at submission unless the issuer overrides the
//! findings with a reason, which the platform sees.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::support::TestApp;
use crate::support::world::*;

async fn put(app: &TestApp, who: &Actor, path: &str, body: Value) -> crate::support::TestResponse {
    app.call(Method::PUT, path, Some(&who.token), Some(body)).await
}

/// A French production order to the platform, written in French, as a draft.
async fn french_order(app: &TestApp, w: &World) -> String {
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    order["content"]["language"] = json!("fr");
    ok(&post(app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned()
}

backend_test! {
    async fn a_platform_publishes_its_policy_in_versions(app) {
        let w = world(&app).await;
        let path = format!("/v1/parties/{}/policy", w.platform.id);
        let policy = json!({"languages": ["EN"], "identifier_types": {"eu_epoc": ["username", "email"], "*": ["email"]},
            "max_period_days": 365, "requires_ndo_duration": true, "contact": "LERS@example.com"});
        let first = ok(&put(&app, &w.platform, &path, policy.clone()).await, 200);
        assert_eq!(first["version"], 1);
        assert_eq!(first["policy"]["languages"], json!(["en"]));
        let second = ok(&put(&app, &w.platform, &path, policy).await, 200);
        assert_eq!(second["version"], 2);
        // The directory shows the current version.
        let party = ok(&get(&app, &w.fr_24_7, &format!("/v1/parties/{}", w.platform.id)).await, 200);
        assert_eq!(party["request_policy"]["version"], 2);
        assert_eq!(party["request_policy"]["policy"]["contact"], "lers@example.com");
        // Only the party's own administrator publishes it; a bad policy is a 422 naming each field.
        put(&app, &w.stranger, &path, json!({})).await.assert_problem(403, "forbidden");
        let r = put(&app, &w.platform, &path, json!({"languages": ["english"], "identifier_types": {"nope": ["email"]},
            "max_period_days": 0})).await;
        r.assert_problem(422, "validation_failed");
        let pointers: Vec<String> =
            r.json()["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect();
        assert_eq!(pointers, ["/languages/0", "/identifier_types/nope", "/max_period_days"]);
    }
}

backend_test! {
    async fn a_request_in_a_language_the_platform_does_not_accept_is_blocked_unless_overridden(app) {
        let w = world(&app).await;
        ok(&put(&app, &w.platform, &format!("/v1/parties/{}/policy", w.platform.id), json!({"languages": ["en"]})).await, 200);
        let id = french_order(&app, &w).await;

        // The issuer sees the finding before sending.
        let report = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/check"), json!({})).await, 200);
        assert_eq!(report["policy_version"], 1);
        assert_eq!(report["blocks_submission"], true);
        assert_eq!(report["findings"][0]["pointer"], "/content/language");
        assert_eq!(report["findings"][0]["severity"], "error");
        assert_eq!(report["findings"][0]["code"], "language_not_accepted");
        // Nobody else may check it.
        get(&app, &w.platform, &format!("/v1/requests/{id}")).await.assert_problem(404, "not_found");
        post(&app, &w.stranger, &format!("/v1/requests/{id}/check"), json!({})).await.assert_problem(404, "not_found");

        // Submission is blocked, naming the finding.
        let r = post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.json()["errors"][0]["pointer"], "/content/language");
        assert_eq!(r.json()["errors"][0]["code"], "language_not_accepted");
        let draft = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}")).await, 200);
        assert_eq!(draft["status"], "draft");
        // An override needs a reason.
        let r = post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({"override": {"reason": "  "}})).await;
        r.assert_problem(422, "validation_failed");

        // With a reason it goes through, and the platform sees the override and its reason.
        let reason = "Urgent: no translation can be made in time; agreed with the platform by phone.";
        let sent = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({"override": {"reason": reason}})).await, 200);
        assert_eq!(sent["status"], "submitted");
        let trail = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200);
        let submitted = trail["items"].as_array().unwrap().iter().find(|e| e["type"] == "request.submitted").unwrap();
        assert_eq!(submitted["data"]["checks_overridden"]["reason"], reason);
        assert_eq!(submitted["data"]["checks_overridden"]["policy_version"], 1);
        assert_eq!(submitted["data"]["checks_overridden"]["findings"][0]["code"], "language_not_accepted");
        let feed = ok(&get(&app, &w.platform, "/v1/notifications").await, 200);
        let note = feed["items"].as_array().unwrap().iter().find(|n| n["event_type"] == "request.submitted").unwrap();
        assert_eq!(note["data"]["data"]["checks_overridden"]["reason"], reason);
    }
}

backend_test! {
    async fn a_request_that_follows_the_policy_is_sent_without_override(app) {
        let w = world(&app).await;
        ok(&put(&app, &w.platform, &format!("/v1/parties/{}/policy", w.platform.id), json!({"languages": ["en", "fr"]})).await, 200);
        let id = french_order(&app, &w).await;
        let report = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/check"), json!({})).await, 200);
        assert_eq!(report["findings"], json!([]));
        assert_eq!(report["blocks_submission"], false);
        // No body at all is a submission without override.
        let r = app.call(Method::POST, &format!("/v1/requests/{id}/submit"), Some(&w.fr_prosecutor.token), None).await;
        let sent = ok(&r, 200);
        assert_eq!(sent["status"], "submitted");
        let trail = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200);
        let submitted = trail["items"].as_array().unwrap().iter().find(|e| e["type"] == "request.submitted").unwrap();
        assert!(submitted["data"].get("checks_overridden").is_none());
    }
}

/// A messaging platform with three entities: Ireland and the Netherlands in the Union, and its
/// US parent.
fn nimbus() -> Value {
    json!({
        "kind": "service_provider", "name": "Nimbus Messaging", "country": "US",
        "legal_entities": [
            {"region": "EU", "country": "IE", "name": "Nimbus Ireland Ltd"},
            {"region": "NL", "country": "NL", "name": "Nimbus Netherlands B.V."},
            {"region": "*", "country": "US", "name": "Nimbus Inc"}
        ],
        "accepted_legal_bases": ["eu_epoc", "eu_epoc_pr", "us_2703f"],
        "notification_emails": ["lers@nimbus.example"]
    })
}

fn routing_of(trail: &Value, event: &str) -> Value {
    trail["items"].as_array().unwrap().iter().find(|e| e["type"] == event).unwrap()["data"]["routing"].clone()
}

backend_test! {
    async fn a_platform_s_policy_routes_eu_orders_to_its_eu_entity_and_others_elsewhere(app) {
        let w = world(&app).await;
        let admin = app.admin_token_again().await;
        let nimbus = actor(&app, &admin, nimbus()).await;
        let nl_enforcing =
            actor(&app, &admin, state("Dutch enforcing authority", "NL", json!(["enforcing_authority", "judicial"]), json!([]))).await;
        let uk = actor(&app, &admin, state("National Crime Agency", "GB", json!(["police"]), json!([]))).await;
        let policy_path = format!("/v1/parties/{}/policy", nimbus.id);

        // Before any policy the directory's regions decide: a French order goes to Ireland.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": nimbus.id});
        let draft = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order.clone()).await, 201);
        assert_eq!(draft["addressee_entity"]["name"], "Nimbus Ireland Ltd");
        assert_eq!(draft["enforcing_authority"]["id"], w.ie_enforcing.id);
        let early = draft["id"].as_str().unwrap().to_owned();

        // Nimbus publishes its routing: EU orders to its Dutch entity, everyone else to the US.
        let policy = json!({"routing": [
            {"issuer_region": "EU", "legal_bases": ["eu_epoc", "eu_epoc_pr"], "entity": "Nimbus Netherlands B.V."},
            {"issuer_region": "*", "entity": "Nimbus Inc"}
        ]});
        let published = ok(&put(&app, &nimbus, &policy_path, policy).await, 200);
        assert_eq!(published["version"], 1);
        // The directory shows it.
        let party = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/parties/{}", nimbus.id)).await, 200);
        assert_eq!(party["request_policy"]["policy"]["routing"][0]["entity"], "Nimbus Netherlands B.V.");

        // A French EPOC lands on the Dutch entity, and the Dutch enforcing authority is notified
        // (Reg. 2023/1543 Art 8: the Member State of the addressee's entity).
        let draft = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201);
        assert_eq!(draft["addressee_entity"], json!({"region": "NL", "country": "NL", "name": "Nimbus Netherlands B.V."}));
        assert_eq!(draft["enforcing_authority"]["id"], nl_enforcing.id);
        let id = draft["id"].as_str().unwrap().to_owned();
        let sent = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        assert_eq!(sent["status"], "submitted");
        // The addressee sees which policy version and rule routed it there.
        let trail = ok(&get(&app, &nimbus, &format!("/v1/requests/{id}/events")).await, 200);
        let routing = routing_of(&trail, "request.submitted");
        assert_eq!(routing["entity"]["name"], "Nimbus Netherlands B.V.");
        assert_eq!(routing["policy_version"], 1);
        assert_eq!(routing["policy_rule"], 0);
        ok(&get(&app, &nl_enforcing, &format!("/v1/requests/{id}")).await, 200);

        // The order drafted before the policy is routed again as it leaves.
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{early}/submit"), json!({})).await, 200);
        let left = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{early}")).await, 200);
        assert_eq!(left["addressee_entity"]["name"], "Nimbus Netherlands B.V.");
        assert_eq!(left["enforcing_authority"]["id"], nl_enforcing.id);
        get(&app, &w.ie_enforcing, &format!("/v1/requests/{early}")).await.assert_problem(404, "not_found");

        // A British authority, outside the Union, under a US preservation: the US entity.
        let mut hold = preservation_request();
        hold["legal_basis"] = json!("us_2703f");
        hold["addressee"] = json!({"party_id": nimbus.id});
        let draft = ok(&post(&app, &uk, "/v1/requests", hold).await, 201);
        assert_eq!(draft["addressee_entity"]["name"], "Nimbus Inc");
        assert!(draft["enforcing_authority"].is_null());
        let created = ok(&get(&app, &uk, &format!("/v1/requests/{}/events", draft["id"].as_str().unwrap())).await, 200);
        let routing = routing_of(&created, "request.created");
        assert_eq!((routing["policy_version"].clone(), routing["policy_rule"].clone()), (json!(1), json!(1)));
    }
}

backend_test! {
    async fn a_routing_policy_names_the_party_s_own_entities_and_keeps_eu_orders_in_the_union(app) {
        let w = world(&app).await;
        let admin = app.admin_token_again().await;
        let nimbus = actor(&app, &admin, nimbus()).await;
        let path = format!("/v1/parties/{}/policy", nimbus.id);
        let pointers = |r: &crate::support::TestResponse| -> Vec<(String, String)> {
            r.json()["errors"].as_array().unwrap().iter()
                .map(|e| (e["pointer"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
                .collect()
        };
        // An entity the directory does not list.
        let r = put(&app, &nimbus, &path, json!({"routing": [{"issuer_region": "EU", "entity": "Nimbus GmbH"}]})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(pointers(&r), [("/routing/0/entity".to_owned(), "unknown_entity".to_owned())]);
        // Everything to the US parent would take EU orders out of the Union (Dir. 2023/1544 Art 3).
        let r = put(&app, &nimbus, &path, json!({"routing": [
            {"issuer_region": "DE", "entity": "Nimbus Ireland Ltd"},
            {"issuer_region": "*", "entity": "Nimbus Inc"}
        ]})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(pointers(&r), [("/routing/1/entity".to_owned(), "eu_instrument_outside_union".to_owned())]);
        // Nothing was published.
        let party = ok(&get(&app, &nimbus, &format!("/v1/parties/{}", nimbus.id)).await, 200);
        assert!(party["request_policy"].is_null());

        // Only the party's own administrator publishes: not another party, not an operator.
        let valid = json!({"routing": [{"issuer_region": "EU", "entity": "Nimbus Ireland Ltd"}]});
        put(&app, &w.platform, &path, valid.clone()).await.assert_problem(403, "forbidden");
        let operator = app.create_client(&admin, &nimbus.id, &["operator"]).await;
        let operator = Actor { id: nimbus.id.clone(), token: app.token(&operator).await, credentials: operator };
        put(&app, &operator, &path, valid.clone()).await.assert_problem(403, "forbidden");
        ok(&put(&app, &nimbus, &path, valid).await, 200);
    }
}

backend_test! {
    async fn an_order_below_the_legal_threshold_is_blocked_unless_overridden_and_a_warning_only_informs(app) {
        let w = world(&app).await;
        // Reg. 2023/1543 Art 5(4): traffic data only for offences of at least 3 years' maximum.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        order["content"]["max_custodial_sentence_months"] = json!(24);
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        let report = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/check"), json!({})).await, 200);
        assert_eq!(report["policy_version"], Value::Null);
        assert_eq!(report["blocks_submission"], true);
        let finding = &report["findings"][0];
        assert_eq!(finding["pointer"], "/content/max_custodial_sentence_months");
        assert_eq!(finding["code"], "offence_below_threshold");
        assert_eq!(finding["severity"], "error");
        assert_eq!(finding["source"], "legal_basis");
        assert_eq!(finding["citation"], "Reg. (EU) 2023/1543 Art 5(4)");

        let r = post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.json()["errors"][0]["pointer"], "/content/max_custodial_sentence_months");
        assert_eq!(r.json()["errors"][1]["pointer"], "/override/reason");
        let reason = "The offence is listed in Art 5(4)(b): the form's box was left unticked by mistake.";
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({"override": {"reason": reason}})).await, 200);
        let trail = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200);
        let submitted = trail["items"].as_array().unwrap().iter().find(|e| e["type"] == "request.submitted").unwrap();
        assert_eq!(submitted["data"]["checks_overridden"]["reason"], reason);
        assert_eq!(submitted["data"]["checks_overridden"]["findings"][0]["code"], "offence_below_threshold");
        assert_eq!(submitted["data"]["checks_overridden"]["findings"][0]["citation"], "Reg. (EU) 2023/1543 Art 5(4)");

        // Without the sentence stated, a warning: the order leaves without override.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        order["content"].as_object_mut().unwrap().remove("max_custodial_sentence_months");
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        let report = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/check"), json!({})).await, 200);
        assert_eq!(report["blocks_submission"], false);
        assert_eq!(report["findings"][0]["code"], "offence_threshold_unstated");
        assert_eq!(report["findings"][0]["severity"], "warning");
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    }
}
