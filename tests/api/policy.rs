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
