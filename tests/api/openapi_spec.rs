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

/// Issue 15 item 8: every operation shows a request (when it takes a body) and a response for
/// each answer with content, and every example is valid against its schema (a small JSON Schema
/// checker: types, enums, required and known fields, lengths, patterns, bounds, references,
/// oneOf/anyOf/allOf), so an integrator can paste any example and be understood.
#[test]
fn every_operation_has_examples_valid_against_their_schemas() {
    let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (method, path, op) in operations(&spec) {
        let name = format!("{method} {path}");
        let mut media_types: Vec<(String, &Value)> = Vec::new();
        if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
            media_types.extend(content.iter().map(|(t, m)| (format!("{name} request {t}"), m)));
        }
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            for (t, m) in response["content"].as_object().into_iter().flatten() {
                media_types.push((format!("{name} {status} {t}"), m));
            }
        }
        for (place, media) in media_types {
            let Some(example) = media.get("example") else {
                problems.push(format!("{place}: no example"));
                continue;
            };
            checked += 1;
            if media["schema"]["format"] == "binary" || media["schema"]["contentMediaType"].is_string() {
                assert!(example.is_string(), "{place}: a file's example is its text");
                continue;
            }
            let mut errors = Vec::new();
            schema_check::validate(&spec, &media["schema"], example, "", &mut errors);
            problems.extend(errors.into_iter().map(|e| format!("{place}: {e}")));
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        if let Some(example) = schema.get("example") {
            let mut errors = Vec::new();
            schema_check::validate(&spec, schema, example, "", &mut errors);
            problems.extend(errors.into_iter().map(|e| format!("schema {name}: {e}")));
        }
    }
    assert!(checked > 150, "only {checked} examples checked");
    assert!(problems.is_empty(), "{} example problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_example_checker_refuses_what_the_schema_refuses() {
    let spec = serde_json::json!({"components": {"schemas": {
        "Kind": {"type": "string", "enum": ["state", "provider"]},
        "Thing": {"type": "object", "required": ["kind", "name"], "additionalProperties": false,
                  "properties": {"kind": {"$ref": "#/components/schemas/Kind"},
                                 "name": {"type": "string", "minLength": 1, "pattern": "^[A-Z]"},
                                 "port": {"type": ["integer", "null"], "minimum": 0, "maximum": 65535},
                                 "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 1}}}
    }}});
    let schema = serde_json::json!({"$ref": "#/components/schemas/Thing"});
    let check = |value: Value| {
        let mut errors = Vec::new();
        schema_check::validate(&spec, &schema, &value, "", &mut errors);
        errors
    };
    assert!(check(serde_json::json!({"kind": "state", "name": "Fr", "port": null, "tags": ["a"]})).is_empty());
    for bad in [
        serde_json::json!({"kind": "exchange", "name": "Fr"}),
        serde_json::json!({"kind": "state"}),
        serde_json::json!({"kind": "state", "name": ""}),
        serde_json::json!({"kind": "state", "name": "fr"}),
        serde_json::json!({"kind": "state", "name": "Fr", "port": 70000}),
        serde_json::json!({"kind": "state", "name": "Fr", "port": "80"}),
        serde_json::json!({"kind": "state", "name": "Fr", "tags": ["a", "b"]}),
        serde_json::json!({"kind": "state", "name": "Fr", "extra": 1}),
    ] {
        assert!(!check(bad.clone()).is_empty(), "accepted {bad}");
    }
}

/// Just enough of JSON Schema 2020-12 for the examples of this document.
mod schema_check {
    use serde_json::Value;

    pub fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let here = if at.is_empty() { "/" } else { at };
        if let Some(reference) = schema["$ref"].as_str() {
            let target = reference.strip_prefix('#').and_then(|p| doc.pointer(p));
            match target {
                Some(target) => validate(doc, target, value, at, errors),
                None => errors.push(format!("{here}: unresolvable {reference}")),
            }
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            validate(doc, part, value, at, errors);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema[key].as_array() {
                let passing = branches
                    .iter()
                    .filter(|b| {
                        let mut e = Vec::new();
                        validate(doc, b, value, at, &mut e);
                        e.is_empty()
                    })
                    .count();
                if passing == 0 || (key == "oneOf" && passing > 1) {
                    errors.push(format!("{here}: {passing} branches of {key} match {value}"));
                }
            }
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            errors.push(format!("{here}: {value} is not one of {allowed:?}"));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            errors.push(format!("{here}: {value} is not {constant}"));
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| is_type(value, t)) {
            errors.push(format!("{here}: {value} is not of type {types:?}"));
            return;
        }
        match value {
            Value::Object(fields) => {
                for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if !fields.contains_key(required) {
                        errors.push(format!("{here}: missing required {required}"));
                    }
                }
                let properties = schema["properties"].as_object();
                for (name, field) in fields {
                    let path = format!("{at}/{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(field_schema) => validate(doc, field_schema, field, &path, errors),
                        None => match &schema["additionalProperties"] {
                            Value::Bool(false) => errors.push(format!("{here}: unknown field {name}")),
                            extra @ Value::Object(_) => validate(doc, extra, field, &path, errors),
                            _ => {}
                        },
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = schema["minItems"].as_u64()
                    && (items.len() as u64) < min
                {
                    errors.push(format!("{here}: fewer than {min} items"));
                }
                if let Some(max) = schema["maxItems"].as_u64()
                    && (items.len() as u64) > max
                {
                    errors.push(format!("{here}: more than {max} items"));
                }
                if schema.get("items").is_some_and(Value::is_object) {
                    for (i, item) in items.iter().enumerate() {
                        validate(doc, &schema["items"], item, &format!("{at}/{i}"), errors);
                    }
                }
            }
            Value::String(text) => {
                let length = text.chars().count() as u64;
                if schema["minLength"].as_u64().is_some_and(|min| length < min) {
                    errors.push(format!("{here}: {text:?} is shorter than {}", schema["minLength"]));
                }
                if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
                    errors.push(format!("{here}: {text:?} is longer than {}", schema["maxLength"]));
                }
                if let Some(pattern) = schema["pattern"].as_str() {
                    match regex::Regex::new(pattern) {
                        Ok(re) if !re.is_match(text) => {
                            errors.push(format!("{here}: {text:?} does not match {pattern}"))
                        }
                        Err(e) => errors.push(format!("{here}: bad pattern {pattern}: {e}")),
                        _ => {}
                    }
                }
                let format_ok = match schema["format"].as_str() {
                    Some("uuid") => text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
                    Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                    Some("date") => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                    Some("email") => text.contains('@'),
                    Some("uri") => text.contains(':'),
                    _ => true,
                };
                if !format_ok {
                    errors.push(format!("{here}: {text:?} is not a {}", schema["format"]));
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or_default();
                if schema["minimum"].as_f64().is_some_and(|min| x < min) {
                    errors.push(format!("{here}: {x} below {}", schema["minimum"]));
                }
                if schema["maximum"].as_f64().is_some_and(|max| x > max) {
                    errors.push(format!("{here}: {x} above {}", schema["maximum"]));
                }
            }
            _ => {}
        }
    }

    fn is_type(value: &Value, t: &str) -> bool {
        match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            _ => true,
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
