//! Default deny: every operation in the generated spec refuses a caller without a token,
//! except an explicit allow-list of public ones.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::Value;

use crate::backend_test;
use crate::support::german_24_7;

const PUBLIC: [&str; 6] =
    ["get_health", "get_readiness", "get_jwks", "create_token", "list_legal_bases", "get_legal_basis"];

fn operations() -> Vec<(Method, String, String, bool)> {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            // A public operation declares an empty security requirement; a protected one a scheme.
            let declared_public = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty())));
            let concrete = path.replace("{id}", "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90").replace("{code}", "eu_epoc");
            out.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), concrete, id, declared_public));
        }
    }
    out
}

backend_test! {
    async fn every_operation_without_a_token_is_401(app) {
        let ops = operations();
        assert!(ops.len() >= 15, "{}", ops.len());
        for (method, path, id, declared_public) in ops {
            assert_eq!(declared_public, PUBLIC.contains(&id.as_str()), "{id}: the spec's security disagrees with the allow-list");
            let r = app.send(TestRequest::default().method(method.clone()).uri(&path)).await;
            if PUBLIC.contains(&id.as_str()) {
                assert_ne!(r.status, 401, "{id} ({method} {path}) is public");
            } else {
                let body = r.assert_problem(401, "unauthorized");
                assert!(r.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")), "{id}: {body}");
            }
        }
        for public in ["/openapi.json", "/docs/", "/healthz"] {
            assert_eq!(app.get(public).await.status, 200, "{public}");
        }
    }
}

backend_test! {
    async fn a_stranger_token_never_causes_a_server_error(app) {
        let admin = app.admin_token().await;
        let (_, _, stranger) = app.party_with_token(&admin, german_24_7(), &["operator"]).await;
        for (method, path, id, _) in operations() {
            let mut request = TestRequest::default().method(method.clone()).uri(&path)
                .insert_header(("authorization", format!("Bearer {stranger}")));
            if method == Method::POST || method == Method::PATCH {
                request = request.set_json(Value::Object(Default::default()));
            }
            let r = app.send(request).await;
            assert!(r.status.is_client_error() || r.status.is_success(), "{id}: {} {}", r.status, r.text());
            if r.status.is_client_error() {
                let ct = r.header("content-type").unwrap_or_default();
                assert!(ct == "application/problem+json" || (id == "create_token" && ct == "application/json"), "{id}: {ct}");
            }
        }
    }
}

backend_test! {
    /// A party with every role a party can hold asks for things that exist but are not its
    /// own (a request it is not party to, that request's attachment, another party's webhook
    /// subscription): every operation on them answers 404, as if they did not exist, never a
    /// 403 or a 409 that would confirm they do.
    async fn another_partys_things_are_not_found(app) {
        use crate::support::world::*;
        use serde_json::json;
        let w = world(&app).await;
        let request = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
            .as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{request}/submit"), json!({})).await, 200);
        let upload = app.send(
            TestRequest::post()
                .uri(&format!("/v1/requests/{request}/attachments?file_name=log.txt"))
                .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
                .insert_header(("content-type", "text/plain"))
                .set_payload("connection log"),
        ).await;
        let attachment = ok(&upload, 201)["id"].as_str().unwrap().to_owned();
        let hook = post(&app, &w.de_24_7, "/v1/webhooks", json!({"url": "http://127.0.0.1:9/hook", "event_types": ["request.submitted"]})).await;
        let webhook = ok(&hook, 201)["id"].as_str().unwrap().to_owned();
        let mut checked = 0;
        for (method, path, id, _) in operations() {
            // Other path parameters (a clarification's id): one that exists nowhere.
            let path = fill_other_ids(&path);
            let real = if path.starts_with("/v1/requests/0193a6f2") {
                path.replace("0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", &request)
            } else if path.starts_with("/v1/attachments/0193a6f2") {
                path.replace("0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", &attachment)
            } else if path.starts_with("/v1/webhooks/0193a6f2") {
                path.replace("0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", &webhook)
            } else {
                continue;
            };
            // The same call on the real id and on an id that exists nowhere: a body the
            // operation cannot read is refused alike before anything is looked up; anything
            // else must be the 404 of a thing that does not exist.
            let mut answers = vec![];
            for target in [&real, &path] {
                let mut call = TestRequest::default().method(method.clone()).uri(target)
                    .insert_header(("authorization", format!("Bearer {}", w.stranger.token)))
                    .insert_header(("idempotency-key", uuid::Uuid::now_v7().to_string()));
                if method == Method::PATCH {
                    call = call.insert_header(("if-match", "\"1\""));
                }
                if id == "upload_attachment" {
                    call = call.insert_header(("content-type", "text/plain")).set_payload("x");
                } else if method == Method::POST || method == Method::PATCH {
                    call = call.set_json(json!({}));
                }
                let r = app.send(call).await;
                let code: Value = serde_json::from_str(&r.text()).unwrap_or_default();
                answers.push((r.status.as_u16(), code["code"].clone(), r.text()));
            }
            assert_eq!(
                (answers[0].0, &answers[0].1),
                (answers[1].0, &answers[1].1),
                "{id} ({method} {real}) answers a stranger differently for a thing that exists: {} vs {}",
                answers[0].2,
                answers[1].2
            );
            assert!(
                answers[0].0 == 404 || answers[0].0 == 422 && answers[0].1 == "invalid_body",
                "{id} ({method} {real}) told a stranger something: {}",
                answers[0].2
            );
            checked += usize::from(answers[0].0 == 404);
        }
        assert!(checked >= 20, "only {checked} operations on existing things were tried");
        // And the owners still see them: the 404s above were not because they do not exist.
        ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{request}")).await, 200);
        assert_eq!(get(&app, &w.de_24_7, &format!("/v1/attachments/{attachment}")).await.status, 200);
        ok(&get(&app, &w.de_24_7, &format!("/v1/webhooks/{webhook}/deliveries")).await, 200);
    }
}

/// Replaces each `{name}` left in a path with an id that exists nowhere.
fn fill_other_ids(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[..open]);
        out.push_str("0193a6f2-0000-7000-8000-000000000000");
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
