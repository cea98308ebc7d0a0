//! The committed spec is the generated spec; every operation documents itself; the docs page
//! and its assets are served by the binary, with nothing loaded from the internet.

use std::path::Path;

use serde_json::Value;

use crate::backend_test;

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn committed_spec_matches_the_code() {
    let generated = rogatory::openapi::spec_json().expect("spec serialises");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var("ROGATORY_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write the spec");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} differs from the spec generated from the code.\n\
         Regenerate it with `cargo run -- openapi --output {COMMITTED}` \
         (or `ROGATORY_UPDATE_OPENAPI=1 cargo test committed_spec`), review the diff and commit it."
    );
}

fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op));
        }
    }
    out
}

#[test]
fn every_operation_is_documented() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let ops = operations(&spec);
    assert!(ops.len() >= 4, "{ops:?}");
    let mut ids = std::collections::BTreeSet::new();
    for (method, path, op) in ops {
        let name = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{name}: no operationId"));
        assert!(
            id.contains('_') && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}: operationId {id} is not verb_resource"
        );
        assert!(ids.insert(id.to_owned()), "{name}: duplicate operationId {id}");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: no summary");
        assert!(op["description"].as_str().is_some_and(|s| !s.is_empty()), "{name}: no description");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name}: no tag");
        assert!(op.get("security").is_some(), "{name}: security not declared");
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{name}: no responses"));
        let secured =
            op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
        if secured {
            assert!(responses.contains_key("401"), "{name}: a protected operation documents 401");
        }
        assert!(responses.keys().any(|s| s.starts_with('2')), "{name}: no success response");
        for (status, response) in responses {
            if status == "204" {
                assert!(response.get("content").is_none(), "{name}: 204 has no body");
                continue;
            }
            let content = response["content"].as_object().unwrap_or_else(|| panic!("{name} {status}: no content"));
            if (status == "400" || status == "401") && id == "create_token" {
                // RFC 6749 §5.2 errors: application/json, a superset of the problem members.
                let oauth = &content["application/json"]["schema"]["$ref"];
                assert_eq!(oauth, "#/components/schemas/OAuthError", "{name} {status}");
            } else if status.starts_with('4') || status.starts_with('5') {
                let problem = &content["application/problem+json"]["schema"]["$ref"];
                assert_eq!(problem, "#/components/schemas/Problem", "{name} {status}: errors must be problems");
            } else if id == "download_attachment" {
                assert!(content.contains_key("application/octet-stream"), "{name} {status}");
            } else {
                assert!(content.contains_key("application/json"), "{name} {status}");
            }
        }
    }
}

#[test]
fn schemas_carry_examples() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    for name in [
        "Problem",
        "LegalBasis",
        "Health",
        "Readiness",
        "Party",
        "NewParty",
        "PartyPatch",
        "Client",
        "NewClient",
        "ClientCredentials",
        "TokenResponse",
        "OAuthError",
        "Me",
    ] {
        let schema = &spec["components"]["schemas"][name];
        assert!(schema.get("example").is_some() || schema.get("examples").is_some(), "{name} has no example: {schema}");
    }
}

/// What integrators asked for (issue 15): every problem answer has an example whose code is one
/// of the listed codes, every answer documents `x-request-id`, every 401 `WWW-Authenticate`,
/// no schema is named like a generator's HTTP class, webhook payloads have a tag of their own.
#[test]
fn responses_document_problems_and_headers() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    let codes: Vec<String> = spec["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), rogatory::error::ProblemType::ALL.len());
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let at = format!("{method} {path} {status}");
                assert!(response["headers"].get("x-request-id").is_some(), "{at}: no x-request-id");
                if status == "401" {
                    assert!(response["headers"].get("WWW-Authenticate").is_some(), "{at}: no WWW-Authenticate");
                }
                if let Some(problem) = response["content"].get("application/problem+json") {
                    let example = &problem["example"];
                    assert_eq!(
                        example["status"].as_u64().map(|s| s.to_string()),
                        Some(status.clone()),
                        "{at}: {example}"
                    );
                    assert!(
                        codes.contains(&example["code"].as_str().unwrap_or_default().to_owned()),
                        "{at}: {example}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "{checked} problem answers checked");
    assert!(spec["components"]["schemas"].get("ApiClient").is_none());
    for (_, item) in spec["webhooks"].as_object().unwrap() {
        assert_eq!(item["post"]["tags"], serde_json::json!(["webhook-events"]));
    }
}

backend_test! {
    async fn the_served_spec_is_the_generated_spec(app) {
        let r = app.get("/openapi.json").await;
        assert_eq!(r.status, 200);
        let generated = serde_json::to_value(rogatory::openapi::spec()).unwrap();
        assert_eq!(r.json(), generated);
    }
}

/// `src`/`href` attribute values of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                refs.push(rest[..end].to_owned());
            }
        }
    }
    refs
}

backend_test! {
    async fn the_docs_page_works_offline(app) {
        let r = app.get("/docs").await;
        assert_eq!(r.status, 307);
        assert_eq!(r.header("location"), Some("/docs/"));
        let page = app.get("/docs/").await;
        assert_eq!(page.status, 200);
        let html = page.text();
        let refs = references(&html);
        assert!(refs.len() >= 3, "{refs:?}");
        for reference in refs {
            assert!(!reference.starts_with("http") && !reference.starts_with("//"), "the page loads {reference} from the internet");
            let asset = app.get(&format!("/docs/{}", reference.trim_start_matches("./"))).await;
            assert_eq!(asset.status, 200, "{reference}");
            assert!(!asset.body.is_empty(), "{reference}");
        }
        let bundle = app.get("/docs/swagger-ui-bundle.js").await;
        assert_eq!(bundle.status, 200);
        assert!(bundle.body.len() > 500_000, "the Swagger UI bundle is served by the binary");
        let init = app.get("/docs/swagger-initializer.js").await.text();
        assert!(init.contains("/openapi.json"), "{init}");
    }
}

/// The links `openapi::refine` adds name their routes by path: if a route moves, the patch
/// must fail here rather than invent a path item of its own.
#[test]
fn links_hang_off_real_operations() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    for path in ["/v1/parties/{id}/clients", "/v1/requests", "/v1/webhooks", "/v1/requests/{id}/attachments"] {
        let post = &spec["paths"][path]["post"];
        assert!(post["operationId"].is_string(), "{path}: no POST operation");
        let links = post["responses"]["201"]["links"].as_object().unwrap_or_else(|| panic!("{path}: no links"));
        assert!(!links.is_empty(), "{path}: no links");
        for (name, link) in links {
            let target = link["operationId"].as_str().unwrap();
            let exists = spec["paths"]
                .as_object()
                .unwrap()
                .values()
                .any(|item| item.as_object().unwrap().values().any(|op| op["operationId"] == target));
            assert!(exists, "{path}: link {name} names no operation {target}");
        }
    }
}

/// One way to authenticate, said once: generators write one header per listed scheme, and
/// openapi-generator's typescript-fetch let an `oauth2` branch overwrite `Authorization:
/// Bearer …` with the bare token (every call a 401). A protected operation lists `bearer` alone.
#[test]
fn protected_operations_list_the_bearer_scheme_alone() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let bearer = schemes["bearer"]["description"].as_str().unwrap();
    assert!(bearer.contains("/v1/oauth/token"), "the bearer scheme says where the token comes from: {bearer}");
    assert!(!schemes.contains_key("oauth2"), "a second scheme for the same token: {:?}", schemes.keys());
    for (method, path, op) in operations(&spec) {
        let security = op["security"].as_array().unwrap_or_else(|| panic!("{method} {path}: no security"));
        let public = security.len() == 1 && security[0].as_object().is_some_and(|o| o.is_empty());
        if !public {
            assert_eq!(security, &vec![serde_json::json!({"bearer": []})], "{method} {path}");
        }
    }
}
