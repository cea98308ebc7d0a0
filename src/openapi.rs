//! The OpenAPI 3.1 document, built from the routes actually registered (utoipa-actix-web),
//! served at `/openapi.json`, printed by `rogatory openapi` and committed as
//! `openapi/openapi.json` (a test fails when they differ).

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, UtoipaApp};

use crate::error::FieldError;
use crate::http::problem::Problem;
use crate::notify::webhooks::dto::{WebhookEvent, WebhookEventData, event_types};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rogatory",
        description = "Issue, route and track cross-border requests for electronic evidence \
            (mutual legal assistance, expedited preservation, production and disclosure orders, \
            emergency disclosure) between states' contact points and online platforms.\n\n\
            Errors are RFC 9457 problem details (`application/problem+json`) with a stable `type` and `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        contact(name = "Rogatory", url = "https://rogatory.dev"),
    ),
    tags(
        (name = "operations", description = "Liveness and readiness"),
        (name = "legal-bases", description = "The catalogue of legal instruments, their recipients, required fields and clocks"),
        (name = "auth", description = "OAuth 2.0 client credentials, the exchange's public keys, the caller"),
        (name = "parties", description = "The directory of state authorities and service providers, and their API clients"),
        (name = "requests", description = "Requests for evidence: drafting, routing, the lifecycle, clarifications, messages, answers"),
        (name = "attachments", description = "Files attached to requests, stored by SHA-256 and streamed"),
        (name = "audit", description = "Hash-chained history, signed request documents, offline-verifiable exports"),
        (name = "deadlines", description = "Legal clocks of requests and party targets"),
        (name = "deconfliction", description = "Matches between the targets of different parties' open requests, compared as keyed hashes"),
        (name = "notifications", description = "The in-app feed of a party"),
        (name = "webhooks", description = "Subscriptions to events, delivered per Standard Webhooks"),
        (name = "webhook-events", description = "What a subscriber receives: one delivery per event type (OpenAPI `webhooks`), a tag of its own so that generators do not merge them with the subscription operations"),
        (name = "admin", description = "Operating the exchange: the job queue"),
        (name = "statistics", description = "Counts and times from the audit trail, and the yearly Reg. (EU) 2023/1543 Art 28 report"),
    ),
    servers((url = "/", description = "This exchange")),
    components(schemas(Problem, FieldError, crate::requests::dto::Direction)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// `bearer`: the JWT that `/v1/oauth/token` issues (client credentials), sent as
/// `Authorization: Bearer …`. The only scheme protected operations list: with a second,
/// `oauth2`, beside it, generators write one header per scheme and some (openapi-generator's
/// typescript-fetch) let the oauth2 branch overwrite the bearer one with the bare token (401).
/// Where the token comes from is said in the description instead.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "webhook_signature",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "webhook-signature",
                    "Deliveries to subscribers are signed per Standard Webhooks with the subscription's secret",
                ),
            )),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token (EdDSA-signed JWT) from `POST /v1/oauth/token`: the OAuth 2.0 client \
                         credentials grant (RFC 6749 §4.4) with an API client's `client_id` and `client_secret` \
                         (HTTP Basic or form fields). Send it as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Registers the API on an application and returns it with the document of what was registered.
pub fn assemble<T>(app: UtoipaApp<T>) -> (actix_web::App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut spec) = app.openapi(ApiDoc::openapi()).configure(crate::routes::configure).split_for_parts();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    spec.webhooks = Some(webhooks());
    let components = spec.components.get_or_insert_with(Default::default);
    for (name, schema) in [
        ("WebhookEvent", <WebhookEvent as utoipa::PartialSchema>::schema()),
        ("WebhookEventData", <WebhookEventData as utoipa::PartialSchema>::schema()),
    ] {
        components.schemas.insert(name.to_owned(), schema);
    }
    let mut spec = refine(spec);
    type_webhook_deliveries(&mut spec);
    (app, with_examples(spec))
}

/// Every operation's request and response examples (`spec_examples`).
fn with_examples(spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut doc) = serde_json::to_value(&spec) else { return spec };
    crate::spec_examples::apply(&mut doc);
    serde_json::from_value(doc).unwrap_or(spec)
}

/// The schema of one event type's delivery, e.g. `RequestSubmittedDelivery`.
fn delivery_schema_name(event: &str) -> String {
    let camel: String = event
        .split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{camel}Delivery")
}

/// What each event type records in its `data` (the request event's own data), as the code that
/// appends the event writes it. Further fields may be added; none is removed without notice.
fn event_data_schema(event: &str) -> serde_json::Value {
    use serde_json::json;
    let uuid = json!({"type": "string", "format": "uuid"});
    let text = json!({"type": "string"});
    let time = json!({"type": ["string", "null"], "format": "date-time"});
    let citation = json!({"type": "string", "description": "The provision the step rests on"});
    let outcome = json!({"$ref": "#/components/schemas/Outcome"});
    let attachments = json!({"type": "array", "description": "Each cited attachment with its SHA-256, to check a download",
        "items": {"type": "object", "properties": {"id": uuid, "sha256": text, "size_bytes": {"type": "integer"},
            "media_type": text, "file_name": {"type": ["string", "null"]}}}});
    let clock = json!({"clock": uuid, "kind": {"$ref": "#/components/schemas/ClockKind"}, "party": uuid,
        "obligation_of": text, "due_at": time, "citation": citation,
        "reminder": {"type": ["string", "null"], "description": "Which reminder this is (e.g. `half`, `day_before`); null when the clock was missed"}});
    use crate::vocab::EventType::*;
    let properties = match crate::vocab::EventType::parse(event) {
        Some(Submitted) => json!({"addressee": uuid, "approved_by": uuid}),
        Some(Recognised) => json!({"scope": text, "citation": citation}),
        Some(NoGrounds) => json!({"citation": citation}),
        Some(Derogation) => json!({"reason": text, "citation": citation}),
        Some(ResponseHeld) => json!({"outcome": outcome, "status": text, "release_at": time, "citation": citation}),
        Some(ResponseReleased) => {
            json!({"outcome": outcome, "text": text, "attachments": attachments, "citation": citation})
        }
        Some(ClarificationRequested) => json!({"clarification": uuid, "question": text}),
        Some(ClarificationAnswered) => json!({"clarification": uuid, "answer": text}),
        Some(Forwarded) => json!({"from": uuid, "to": uuid, "reason": text}),
        Some(Responded) => json!({"outcome": outcome, "refusal_reason": {"type": ["string", "null"]},
            "refusal_ground": {"type": ["string", "null"]}, "text": text, "preserved_until": time, "attachments": attachments}),
        Some(Objected) => json!({"reason": {"$ref": "#/components/schemas/RefusalReason"}, "text": text}),
        Some(Withdrawn) => json!({"reason": text}),
        Some(PreservationExtended) => {
            json!({"until": time, "reason": {"type": ["string", "null"]}, "citation": citation})
        }
        Some(FollowUpConfirmed) => json!({"reference": text, "citation": citation}),
        Some(PreservationExpiring) | Some(PreservationLapsed) | Some(ClockApproaching) | Some(ClockMissed) => clock,
        Some(MessagePosted) => json!({"message": uuid}),
        Some(AttachmentAdded) => json!({"attachment": uuid, "sha256": text, "size_bytes": {"type": "integer"},
            "media_type": text, "file_name": {"type": ["string", "null"]}}),
        _ => json!({}),
    };
    json!({"type": "object", "properties": properties, "additionalProperties": true})
}

/// One schema per event type (its `type` a constant), and `WebhookEvent` the union of them
/// with `type` as discriminator, so a generated client gets typed events. `ping` carries only
/// the subscription's id.
fn type_webhook_deliveries(spec: &mut utoipa::openapi::OpenApi) {
    use serde_json::{Value, json};
    let Ok(mut doc) = serde_json::to_value(&*spec) else { return };
    let mut one_of = vec![];
    let mut mapping = serde_json::Map::new();
    for event in event_types() {
        let name = delivery_schema_name(event);
        let reference = format!("#/components/schemas/{name}");
        let data = if event == "ping" {
            json!({"type": "object", "required": ["webhook"], "properties": {"webhook": {"type": "string", "format": "uuid"}},
                "description": "A test delivery (`POST /v1/webhooks/{id}/test`): the subscription's id"})
        } else {
            json!({"allOf": [{"$ref": "#/components/schemas/WebhookEventData"},
                {"type": "object", "properties": {"event_type": {"type": "string", "enum": [event]}, "data": event_data_schema(event)}}]})
        };
        doc["components"]["schemas"][&name] = json!({
            "type": "object",
            "description": format!("The body of a `{event}` delivery"),
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "enum": [event]},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": data
            }
        });
        one_of.push(json!({"$ref": reference}));
        mapping.insert(event.to_owned(), Value::String(reference));
    }
    let example = doc["components"]["schemas"]["WebhookEvent"]["example"].clone();
    doc["components"]["schemas"]["WebhookEvent"] = json!({
        "description": "The body of every webhook delivery (Standard Webhooks: `type`, `timestamp`, `data`), one schema per event type",
        "oneOf": one_of,
        "discriminator": {"propertyName": "type", "mapping": mapping},
        "example": example
    });
    if let Ok(typed) = serde_json::from_value(doc) {
        *spec = typed;
    }
}

fn problem(description: &str) -> serde_json::Value {
    serde_json::json!({"description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// The one description of the `Idempotency-Key` header: handlers declare only
/// `("Idempotency-Key" = Option<String>, Header)`, `refine` gives it this text and its schema.
const IDEMPOTENCY_KEY_DESCRIPTION: &str = "Makes a retry safe: a retry with the same key returns the first answer (status, body, headers) for 24 hours; the same key with another body is a 422. 1 to 255 printable ASCII characters.";

/// Conventions every operation shares, applied in one place rather than repeated in each
/// handler's annotation: the exact shape of the common headers and query parameters, binary
/// bodies, and the error answers the shared extractors can give (400 for a malformed id, query
/// or header; 413, 415, 422 for JSON bodies; 422 for a reused Idempotency-Key).
fn refine(spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use serde_json::{Value, json};
    let Ok(mut doc) = serde_json::to_value(&spec) else { return spec };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return spec };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let Some(op) = op.as_object_mut() else { continue };
            let mut has_path = false;
            let mut has_query = false;
            let mut has_idempotency = false;
            for param in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                match (param["in"].as_str().unwrap_or_default(), name.as_str()) {
                    ("header", "Idempotency-Key") => {
                        has_idempotency = true;
                        param["description"] = json!(IDEMPOTENCY_KEY_DESCRIPTION);
                        param["schema"] =
                            json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"});
                    }
                    ("header", "If-Match") => {
                        param["schema"] =
                            json!({"type": "string", "pattern": "^(\\*|(W/)?\"[0-9]+\")$", "example": "\"3\""});
                    }
                    ("query", "limit") => {
                        has_query = true;
                        param["schema"] =
                            json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 200, "default": 50});
                    }
                    ("query", "cursor") => {
                        has_query = true;
                        param["schema"] = json!({"type": "string", "pattern": "^([A-Za-z0-9_-]{22})?$",
                            "description": "`next_cursor` of the previous page"});
                    }
                    ("query", _) => has_query = true,
                    ("path", _) => {
                        has_path = true;
                        // JSON Schema treats `format` as an annotation; the pattern makes a uuid a uuid.
                        if param["schema"]["format"] == "uuid" {
                            param["schema"]["pattern"] =
                                json!("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
                        }
                    }
                    _ => {}
                }
            }
            // An optional body (`Option<Json<T>>`) comes out as `oneOf: [T, null]`; JSON `null`
            // is not what an absent body means, and openapi-python-client then serialises its
            // `UNSET` marker. Say it the plain way: the schema `T`, `required: false`.
            if let Some(body) = op.get_mut("requestBody")
                && let Some(schema) = body["content"].get_mut("application/json").and_then(|c| c.get_mut("schema"))
                && let Some(one_of) = schema.get("oneOf").and_then(Value::as_array)
                && one_of.len() == 2
                && one_of.iter().any(|s| s.get("type").and_then(Value::as_str) == Some("null"))
                && let Some(plain) = one_of.iter().find(|s| s.get("$ref").is_some()).cloned()
            {
                *schema = plain;
                body["required"] = json!(false);
            }
            let json_body = op.get("requestBody").and_then(|b| b["content"].get("application/json")).is_some();
            let form_body =
                op.get("requestBody").and_then(|b| b["content"].get("application/x-www-form-urlencoded")).is_some();
            let binary_body =
                op.get("requestBody").and_then(|b| b["content"].get("application/octet-stream")).is_some();
            if binary_body {
                for (media, schema) in op["requestBody"]["content"].as_object_mut().into_iter().flatten() {
                    if media == "application/octet-stream" || media == "*/*" {
                        schema["schema"] = json!({"type": "string", "format": "binary"});
                    }
                }
            }
            // Behind a token (not the `[{}]` of public operations).
            let secured = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|r| !r.is_empty())));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content").and_then(|c| c.get_mut("application/octet-stream")) {
                    content["schema"] = json!({"type": "string", "format": "binary"});
                }
            }
            let mut ensure = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| problem(description));
            };
            // The `Caller` extractor's answer, declared here once instead of in each handler.
            if secured {
                ensure("401", "No valid token");
            }
            if has_path || has_query || has_idempotency {
                ensure("400", "A path parameter, query parameter or header is not valid");
            }
            if json_body {
                ensure("400", "The body is not valid JSON");
                ensure("413", "The body is too large");
                ensure("415", "The body is not application/json");
                ensure("422", "The body does not have the expected shape, or its fields are not valid");
            }
            if has_idempotency {
                ensure("422", "The Idempotency-Key was used with another request");
            }
            // `http::text_guard`: a NUL character in a query parameter or form field.
            if has_query || form_body {
                ensure("422", "A query parameter or form field holds a NUL character (U+0000)");
            }
        }
    }
    document_shared_headers_and_problems(&mut doc);
    say_what_the_server_enforces(&mut doc["components"]["schemas"]);
    // Where a created resource is used next, say so (OpenAPI links), for generated clients and
    // stateful testing: a client's `id` (not its `client_id`) is what revocation takes. A
    // created request leads to every operation on it; an upload to its download; a webhook
    // subscription to its delivery log, its test and its deletion.
    let link_all = |doc: &Value, prefix: &str, from: &str| -> Value {
        let mut links = serde_json::Map::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            if path != prefix && !path.starts_with(&format!("{prefix}/")) {
                continue;
            }
            for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
                if let Some(id) = op["operationId"].as_str() {
                    links.insert(id.to_owned(), json!({"operationId": id, "parameters": {"id": from}}));
                }
            }
        }
        Value::Object(links)
    };
    for (path, links) in [
        (
            LINKED_CREATIONS[0],
            json!({"revoke_client": {"operationId": "revoke_client", "parameters": {"id": "$response.body#/client/id"}}}),
        ),
        (LINKED_CREATIONS[1], link_all(&doc, "/v1/requests/{id}", "$response.body#/id")),
        (LINKED_CREATIONS[2], link_all(&doc, "/v1/webhooks/{id}", "$response.body#/id")),
        (
            LINKED_CREATIONS[3],
            json!({"download_attachment": {"operationId": "download_attachment", "parameters": {"id": "$response.body#/id"}}}),
        ),
    ] {
        // Only onto a route that exists: indexing a missing one would invent it. The test
        // `every_patched_route_and_schema_exists` fails when a route named here is gone.
        if let Some(created) = created_response(&mut doc, path) {
            created["links"] = links;
        } else {
            tracing::error!(path, "openapi: no POST with a 201 answer to attach links to");
        }
    }
    serde_json::from_value(doc).unwrap_or(spec)
}

/// The creations whose 201 answer `refine` links to what comes next (POST, by path).
const LINKED_CREATIONS: [&str; 4] =
    ["/v1/parties/{id}/clients", "/v1/requests", "/v1/webhooks", "/v1/requests/{id}/attachments"];

fn created_response<'a>(doc: &'a mut serde_json::Value, path: &str) -> Option<&'a mut serde_json::Value> {
    doc.get_mut("paths")?.get_mut(path)?.get_mut("post")?.get_mut("responses")?.get_mut("201")
}

/// The example problem of an error response: the kind its status stands for in this operation.
fn problem_example(status: u16, json_body: bool, has_path: bool, description: &str) -> serde_json::Value {
    use crate::error::ProblemType as P;
    let kind = match status {
        400 if json_body => P::MalformedJson,
        400 if has_path => P::InvalidPath,
        400 => P::InvalidQuery,
        401 => P::Unauthorized,
        403 => P::Forbidden,
        404 => P::NotFound,
        409 => P::Conflict,
        412 => P::PreconditionFailed,
        413 => P::PayloadTooLarge,
        415 => P::UnsupportedMediaType,
        422 => P::ValidationFailed,
        428 => P::PreconditionRequired,
        429 => P::TooManyRequests,
        503 => P::DatabaseUnavailable,
        507 => P::InsufficientStorage,
        other => P::for_status(actix_web::http::StatusCode::from_u16(other).unwrap_or_default()),
    };
    let mut problem = crate::error::ApiError::new(kind, description).problem();
    problem.status = status;
    if kind == P::ValidationFailed {
        problem.errors = vec![FieldError::new("/content/targets/0/value", "invalid_email", "not an e-mail address")];
    }
    if kind == P::Conflict {
        problem.current_status = Some("withdrawn".into());
    }
    serde_json::to_value(problem).unwrap_or_default()
}

/// Headers every answer carries (`x-request-id`), or every answer of a kind (`WWW-Authenticate`
/// on a 401, `Idempotent-Replayed` on a replayed answer, `Retry-After` on a 503), the list of
/// problem codes, and an example for every problem answer.
fn document_shared_headers_and_problems(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let string = json!({"type": "string"});
    doc["components"]["headers"] = json!({
        "RequestId": {"description": "The request's id: the caller's `x-request-id` when it is short printable ASCII, otherwise one the exchange made; quote it when reporting a problem", "schema": string},
        "IdempotentReplayed": {"description": "`true` when this is the stored first answer to an earlier request with the same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}},
        "WwwAuthenticate": {"description": "`Bearer` (RFC 6750) with the error, for a missing, invalid or expired token", "schema": string},
        "RetryAfter": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
        "ETag": {"description": "The resource's version, for `If-Match`", "schema": string}
    });
    let codes: Vec<Value> = crate::error::ProblemType::ALL.iter().map(|k| json!(k.code())).collect();
    let listing: Vec<String> = crate::error::ProblemType::ALL
        .iter()
        .map(|k| format!("- `{}` ({}): {}", k.code(), k.status().as_u16(), k.spec().2))
        .collect();
    doc["components"]["schemas"]["ProblemCode"] = json!({
        "type": "string",
        "enum": codes,
        "description": format!("Stable machine-readable problem codes, the last segment of the problem `type`:\n{}", listing.join("\n"))
    });
    doc["components"]["schemas"]["Problem"]["properties"]["code"] = json!({"$ref": "#/components/schemas/ProblemCode", "description": "Stable machine-readable code, the last segment of `type`."});
    let etag_after = ["verify_party", "suspend_party", "reinstate_party"];
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let idempotent = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key"));
            let has_path = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
            let json_body = op.get("requestBody").and_then(|b| b["content"].get("application/json")).is_some();
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for (status, response) in responses.iter_mut() {
                let code: u16 = status.parse().unwrap_or(0);
                let headers = response.as_object_mut().map(|r| r.entry("headers").or_insert_with(|| json!({})));
                let Some(headers) = headers.and_then(Value::as_object_mut) else { continue };
                headers.insert("x-request-id".into(), json!({"$ref": "#/components/headers/RequestId"}));
                if code == 401 && !headers.contains_key("WWW-Authenticate") {
                    headers.insert("WWW-Authenticate".into(), json!({"$ref": "#/components/headers/WwwAuthenticate"}));
                }
                if code == 503 {
                    headers.insert("Retry-After".into(), json!({"$ref": "#/components/headers/RetryAfter"}));
                }
                if idempotent && (200..300).contains(&code) {
                    headers.insert(
                        "Idempotent-Replayed".into(),
                        json!({"$ref": "#/components/headers/IdempotentReplayed"}),
                    );
                }
                if code == 200 && etag_after.contains(&id.as_str()) && !headers.contains_key("ETag") {
                    headers.insert("ETag".into(), json!({"$ref": "#/components/headers/ETag"}));
                }
                let description = response["description"].as_str().unwrap_or_default().to_owned();
                if let Some(content) = response.get_mut("content").and_then(|c| c.get_mut("application/problem+json"))
                    && content.get("example").is_none()
                {
                    content["example"] = problem_example(code, json_body, has_path, &description);
                }
            }
        }
    }
}

/// Constraints the server checks that the derived schemas do not show, so that generated
/// clients and fuzzers know them: text fields that must hold 1 to 20000 characters, codes
/// with their pattern, a port's range, a kind a caller may not create.
fn say_what_the_server_enforces(schemas: &mut serde_json::Value) {
    use serde_json::json;
    for (schema, field) in [
        ("NewMessage", "body"),
        ("Withdrawal", "reason"),
        ("Forward", "reason"),
        ("NewResponse", "text"),
        ("Objection", "text"),
        ("NewClarification", "question"),
        ("ClarificationAnswer", "answer"),
        ("SuspendParty", "reason"),
    ] {
        let property = &mut schemas[schema]["properties"][field];
        if property.is_object() {
            property["minLength"] = json!(1);
            property["maxLength"] = json!(20000);
        }
    }
    for schema in ["NewParty", "PartyPatch"] {
        let properties = &mut schemas[schema]["properties"];
        if properties.is_object() {
            properties["country"]["pattern"] = json!("^[A-Za-z]{2}$");
            properties["languages"]["items"]["pattern"] = json!("^[A-Za-z]{2}$");
            properties["notification_emails"]["items"]["format"] = json!("email");
        }
    }
    if schemas["LegalEntity"]["properties"].is_object() {
        schemas["LegalEntity"]["properties"]["country"]["pattern"] = json!("^[A-Za-z]{2}$");
    }
    // The exchange's own party is made by `rogatory admin bootstrap`, never through the API.
    if schemas["NewParty"]["properties"].is_object() {
        schemas["NewParty"]["properties"]["kind"] = json!({"type": "string", "enum": ["state_authority", "service_provider"],
            "description": "`state_authority` or `service_provider` (the exchange's own party is created by `rogatory admin bootstrap`)."});
    }
    // RFC 6749 §4.4.2: `grant_type` is required and has one value here. The credentials stay
    // optional in the form: HTTP Basic (§2.3.1) is the other way to send them.
    if schemas["TokenRequest"]["properties"].is_object() {
        schemas["TokenRequest"]["required"] = json!(["grant_type"]);
        schemas["TokenRequest"]["properties"]["grant_type"] = json!({"type": "string", "enum": ["client_credentials"],
            "description": "Always `client_credentials` (RFC 6749 §4.4.2)."});
        for field in ["client_id", "client_secret"] {
            schemas["TokenRequest"]["properties"][field]["description"] = json!(
                "Required unless the client authenticates with HTTP Basic (`client_id:client_secret`, RFC 6749 §2.3.1); never both."
            );
        }
    }
    if schemas["Target"]["properties"]["port"].is_object() {
        schemas["Target"]["properties"]["port"]["maximum"] = json!(65535);
    }
}

/// The deliveries a subscriber receives, one entry per event type (OpenAPI 3.1 `webhooks`).
fn webhooks() -> utoipa::openapi::Paths {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, PathsBuilder, Ref, Required, ResponseBuilder, Type};
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let mut paths = PathsBuilder::new();
    for event in event_types() {
        let operation = OperationBuilder::new()
            .operation_id(Some(format!("webhook_{}", event.replace('.', "_"))))
            .summary(Some(format!("`{event}` delivered to a subscriber")))
            .description(Some(
                "POSTed to each subscription of the concerned party that names this event type, per the Standard \
                 Webhooks specification. Verify `webhook-signature` (`v1,` + base64 HMAC-SHA256 of \
                 `{webhook-id}.{webhook-timestamp}.{body}` with the subscription's secret, the part after `whsec_` \
                 base64-decoded) before trusting the body. Answer 2xx; anything else is retried with exponential \
                 backoff (30 s doubling to 1 h, 8 attempts), keeping the same `webhook-id`.",
            ))
            .tag("webhook-events")
            .security(utoipa::openapi::security::SecurityRequirement::new("webhook_signature", Vec::<String>::new()))
            .parameter(header("webhook-id", "Message id; the same on every retry (deduplicate on it)"))
            .parameter(header("webhook-timestamp", "Unix seconds when the attempt was signed; reject old ones"))
            .parameter(header("webhook-signature", "`v1,<base64 HMAC-SHA256>`"))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name(delivery_schema_name(event)))).build(),
                    )
                    .build(),
            ))
            .response("200", ResponseBuilder::new().description("Received; any 2xx will do"))
            .build();
        paths = paths.path(event, PathItem::new(HttpMethod::Post, operation));
    }
    paths.build()
}

/// The document alone, without starting anything.
pub fn spec() -> utoipa::openapi::OpenApi {
    assemble(actix_web::App::new().into_utoipa_app()).1
}

/// The committed form: pretty JSON with a final newline.
pub fn spec_json() -> Result<String, serde_json::Error> {
    let mut text = spec().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    /// `refine` and `say_what_the_server_enforces` patch routes and schemas by name; a patch
    /// whose target was renamed would silently do nothing. Each must be visible in the result.
    #[test]
    fn every_patched_route_and_schema_exists() {
        let doc = serde_json::to_value(super::spec()).unwrap();
        for path in super::LINKED_CREATIONS {
            let links = &doc["paths"][path]["post"]["responses"]["201"]["links"];
            assert!(links.as_object().is_some_and(|l| !l.is_empty()), "{path}: its 201 answer has no links");
        }
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["LegalEntity"]["properties"]["country"]["pattern"], "^[A-Za-z]{2}$");
        assert!(schemas["NewParty"]["properties"]["kind"]["enum"].is_array(), "NewParty.kind");
        assert_eq!(schemas["TokenRequest"]["required"], serde_json::json!(["grant_type"]));
        assert_eq!(schemas["Target"]["properties"]["port"]["maximum"], 65535);
        assert!(schemas["ProblemCode"]["enum"].is_array() || schemas["ProblemCode"].is_object(), "ProblemCode");
        assert!(schemas["WebhookEvent"]["oneOf"].is_array(), "WebhookEvent is the union of the event schemas");
    }
}
