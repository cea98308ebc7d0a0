//! Examples for every operation of the OpenAPI document. Bodies come from a real run of the
//! binary (`openapi/examples.json`, written by `tests/clients/examples/capture.py`); an operation
//! that history does not reach borrows the example of the schema it sends or answers with.
//! Each captured body also becomes the example of every component schema it passes through, so
//! `Request`, `Event`, `PartyRef` … carry realistic examples too. A test validates them all.

use serde_json::{Map, Value, json};

const CAPTURED: &str = include_str!("../openapi/examples.json");

/// What a download answers in the example: the bytes of the captured upload.
const BINARY_EXAMPLE: &str = "timestamp,ip,port\n2026-11-20T21:14:05Z,203.0.113.7,51234\n";

/// Adds the examples to a document (as JSON): component schemas first, then every operation's
/// request body and responses. Examples already written in the code are kept.
pub fn apply(doc: &mut Value) {
    let captured: Map<String, Value> = serde_json::from_str(CAPTURED).unwrap_or_default();
    let mut schemas = doc["components"]["schemas"].take();
    // 1. Captured bodies give examples to the schemas they pass through.
    for op in operations(doc) {
        let Some(entry) = captured.get(&op.id) else { continue };
        if let (Some(body), Some(schema)) = (entry.get("request"), op.request_schema.as_ref()) {
            teach(&mut schemas, schema, body, 0);
        }
        if let Some(body) = entry.get("response") {
            let status = entry["status"].as_u64().unwrap_or(200).to_string();
            if let Some(schema) = op.response_schemas.get(&status) {
                teach(&mut schemas, schema, body, 0);
            }
        }
    }
    // 2. What history does not reach (webhook deliveries go to addresses outside the capture).
    for (name, example) in written_examples() {
        if schemas.get(name).is_some_and(|s| !has_example(s)) {
            schemas[name]["example"] = example;
        }
    }
    // 3. The rest: enumerations show their first value; objects and lists are built from the
    //    examples of what they hold.
    let names: Vec<String> = schemas.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    for name in names {
        if has_example(&schemas[&name]) {
            continue;
        }
        let schema = schemas[&name].clone();
        if let Some(example) = synthesise(&schemas, &schema, 0) {
            schemas[&name]["example"] = example;
        }
    }
    // 4. Every operation: the captured body, else the schema's example.
    let paths = doc["paths"].as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut paths = Value::Object(paths);
    for item in paths.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
        for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let entry = captured.get(&id);
            if let Some(content) = op.pointer_mut("/requestBody/content").and_then(Value::as_object_mut) {
                for media in content.values_mut() {
                    let example = entry.and_then(|e| e.get("request")).cloned();
                    fill(media, example, &schemas);
                }
            }
            let captured_status = entry.and_then(|e| e["status"].as_u64()).map(|s| s.to_string());
            for (status, response) in op["responses"].as_object_mut().into_iter().flatten() {
                for media in response.get_mut("content").and_then(Value::as_object_mut).into_iter().flatten() {
                    let same_status = captured_status.as_deref() == Some(status.as_str());
                    let example = entry.filter(|_| same_status).and_then(|e| e.get("response")).cloned();
                    fill(media.1, example, &schemas);
                }
            }
        }
    }
    doc["paths"] = paths;
    doc["components"]["schemas"] = schemas;
}

/// Examples written by hand for schemas that the captured history does not pass through.
fn written_examples() -> [(&'static str, Value); 2] {
    [
        (
            "WebhookEventData",
            json!({
                "request_id": "0193a1c4-5e6f-7a80-9b1c-000000000005",
                "reference": "RGT-2026-000042",
                "legal_basis": "coe_budapest_29",
                "event_id": "0193a1c4-5e6f-7a80-9b1c-00000000000f",
                "seq": 3,
                "event_type": "request.submitted",
                "occurred_at": "2026-11-20T21:14:05Z",
                "data": {}
            }),
        ),
        (
            "Delivery",
            json!({
                "id": "0193a1c4-5e6f-7a80-9b1c-000000000021",
                "message_id": "msg_0193a1c4-5e6f-7a80-9b1c-00000000000f",
                "event_type": "request.submitted",
                "attempt": 1,
                "duration_ms": 42,
                "status_code": 204,
                "error": null,
                "created_at": "2026-11-20T21:14:06Z"
            }),
        ),
    ]
}

/// Sets a media type's example: the one given, else its schema's, else the bytes of a file.
fn fill(media: &mut Value, example: Option<Value>, schemas: &Value) {
    if has_example(media) {
        return;
    }
    let schema = media["schema"].clone();
    let example = example.or_else(|| {
        if schema["format"] == "binary" {
            return Some(json!(BINARY_EXAMPLE));
        }
        synthesise(schemas, &schema, 0)
    });
    if let Some(example) = example {
        media["example"] = example;
    }
}

fn has_example(schema: &Value) -> bool {
    schema.get("example").is_some() || schema.get("examples").is_some()
}

struct Operation {
    id: String,
    request_schema: Option<Value>,
    response_schemas: Map<String, Value>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for item in doc["paths"].as_object().into_iter().flat_map(|m| m.values()) {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            let first_schema = |content: &Value| content.as_object()?.values().next().map(|m| m["schema"].clone());
            let mut response_schemas = Map::new();
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                if let Some(schema) = first_schema(&response["content"]) {
                    response_schemas.insert(status.clone(), schema);
                }
            }
            out.push(Operation {
                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                request_schema: first_schema(&op["requestBody"]["content"]),
                response_schemas,
            });
        }
    }
    out
}

fn component_name(schema: &Value) -> Option<&str> {
    schema["$ref"].as_str()?.strip_prefix("#/components/schemas/")
}

/// Walks a captured value along its schema; every component met without an example gets the
/// part of the value it describes.
fn teach(schemas: &mut Value, schema: &Value, value: &Value, depth: usize) {
    if depth > 12 || value.is_null() {
        return;
    }
    if let Some(name) = component_name(schema) {
        let name = name.to_owned();
        let target = schemas[&name].clone();
        if !has_example(&target) && schemas.get(&name).is_some() {
            schemas[&name]["example"] = value.clone();
        }
        return teach(schemas, &target, value, depth + 1);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for branch in schema[key].as_array().into_iter().flatten() {
            // Only a branch that is not `null` and whose type fits the value.
            if branch["type"] != "null" && fits(branch, value) {
                teach(schemas, branch, value, depth + 1);
            }
        }
    }
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                if let Some(field_schema) = schema["properties"].get(name) {
                    teach(schemas, field_schema, field, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                teach(schemas, &schema["items"], first, depth + 1);
            }
        }
        _ => {}
    }
}

/// A cheap guess of whether a `oneOf` branch describes a value: a reference to an object schema
/// for an object, an enumeration holding a string.
fn fits(branch: &Value, value: &Value) -> bool {
    match (branch.get("enum"), value) {
        (Some(Value::Array(allowed)), v) => allowed.contains(v),
        _ => match branch["type"].as_str() {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            _ => branch.get("$ref").is_some() && value.is_object(),
        },
    }
}

/// An example built from the schema: its own example, a default, the first enumerated value, an
/// object of its fields' examples (required fields first), a list of one item.
fn synthesise(schemas: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > 8 {
        return None;
    }
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = schema["examples"].as_array().and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(name) = component_name(schema) {
        return synthesise(schemas, &schemas[name], depth + 1);
    }
    if let Some(default) = schema.get("default") {
        return Some(default.clone());
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return Some(first.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            return branches.iter().filter(|b| b["type"] != "null").find_map(|b| synthesise(schemas, b, depth + 1));
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        // The parts' examples merged, later parts refining earlier ones (e.g. a constant `type`).
        let mut merged = Map::new();
        for part in parts {
            match synthesise(schemas, part, depth + 1)? {
                Value::Object(fields) => merged.extend(fields),
                other => return Some(other),
            }
        }
        return Some(Value::Object(merged));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"object") || schema.get("properties").is_some() {
        let mut object = Map::new();
        for (name, field) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(example) = synthesise(schemas, field, depth + 1) {
                object.insert(name.clone(), example);
            }
        }
        return Some(Value::Object(object));
    }
    if types.contains(&"array") {
        let item = synthesise(schemas, &schema["items"], depth + 1);
        return Some(Value::Array(item.into_iter().collect()));
    }
    types.iter().find_map(|t| primitive(schema, t))
}

/// A placeholder for a scalar the document gives no example of, valid against its format,
/// lengths and bounds; none for a pattern (a guess would not match it).
fn primitive(schema: &Value, kind: &str) -> Option<Value> {
    match kind {
        "string" => {
            let text = match schema["format"].as_str() {
                Some("uuid") => "0193a1c4-5e6f-7a80-9b1c-000000000001",
                Some("date-time") => "2026-11-20T21:14:05Z",
                Some("date") => "2026-11-20",
                Some("email") => "contact@example.org",
                Some("uri") => "https://example.org/",
                _ if schema.get("pattern").is_some() => return None,
                _ => "example",
            };
            let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
            let max = schema["maxLength"].as_u64().map_or(usize::MAX, |m| m as usize);
            let mut text = text.to_owned();
            while text.len() < min {
                text.push('x');
            }
            text.truncate(max.max(min));
            Some(json!(text))
        }
        "integer" | "number" => {
            let min = schema["minimum"].as_i64().unwrap_or(0);
            let max = schema["maximum"].as_i64().unwrap_or(i64::MAX);
            Some(json!(1.clamp(min, max)))
        }
        "boolean" => Some(json!(false)),
        _ => None,
    }
}
