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
