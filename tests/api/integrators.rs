//! What integrators trip over (issue 15): the order of checks and If-Match, on both backends.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::backend_test;
use crate::support::world::*;

backend_test! {
    async fn if_match_is_checked_after_the_resource_and_strongly(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        let patch = |path: String, if_match: Option<&'static str>| {
            let mut request = TestRequest::patch().uri(&path).insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)));
            if let Some(value) = if_match {
                request = request.insert_header(("if-match", value));
            }
            request.set_json(json!({"priority": "normal"}))
        };
        let path = format!("/v1/requests/{id}");
        // A weak tag never satisfies If-Match (RFC 9110 strong comparison).
        app.send(patch(path.clone(), Some("W/\"1\""))).await.assert_problem(412, "precondition_failed");
        // Not an entity tag: 400.
        app.send(patch(path.clone(), Some("1"))).await.assert_problem(400, "invalid_header");
        // A missing resource is a 404 whatever the header says, and another party's too.
        let missing = format!("/v1/requests/{}", uuid::Uuid::now_v7());
        app.send(patch(missing.clone(), None)).await.assert_problem(404, "not_found");
        app.send(patch(missing, Some("garbage"))).await.assert_problem(404, "not_found");
        let r = app.send(TestRequest::patch().uri(&path).insert_header(("authorization", format!("Bearer {}", w.stranger.token)))
            .set_json(json!({"priority": "normal"}))).await;
        r.assert_problem(404, "not_found");
        // The strong tag works.
        assert_eq!(ok(&app.send(patch(path, Some("\"1\""))).await, 200)["priority"], "normal");
        // Parties alike.
        let party = format!("/v1/parties/{}", w.fr_24_7.id);
        let r = app.send(TestRequest::patch().uri(&party).insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("if-match", "W/\"2\"")).set_json(json!({"languages": ["fr"]}))).await;
        r.assert_problem(412, "precondition_failed");
    }
}

backend_test! {
    async fn a_caller_without_the_role_is_told_403_before_body_problems(app) {
        let w = world(&app).await;
        let r = post(&app, &w.fr_24_7, &format!("/v1/parties/{}/suspend", w.de_24_7.id), json!({"reason": "  "})).await;
        r.assert_problem(403, "forbidden");
    }
}

backend_test! {
    async fn job_and_delivery_lists_are_paginated(app) {
        let w = world(&app).await;
        let receiver = crate::support::receiver::Receiver::start().await;
        let hook = ok(&post(&app, &w.platform, "/v1/webhooks", json!({"url": receiver.url, "event_types": ["request.submitted"]})).await, 201);
        let hook_id = hook["id"].as_str().unwrap().to_owned();
        for _ in 0..3 {
            let mut order = production_order();
            order["addressee"] = json!({"party_id": w.platform.id});
            let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
            ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        }
        rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();
        let first = get(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/deliveries?limit=2")).await;
        assert!(first.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
        let first = ok(&first, 200);
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = ok(&get(&app, &w.platform, &format!("/v1/webhooks/{hook_id}/deliveries?limit=2&cursor={cursor}")).await, 200);
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());

        let admin = app.admin_token_again().await;
        let jobs = app.call(actix_web::http::Method::GET, "/v1/admin/jobs?limit=2", Some(&admin), None).await;
        let jobs = ok(&jobs, 200);
        assert_eq!(jobs["items"].as_array().unwrap().len(), 2);
        let mut seen = 2;
        let mut cursor = jobs["next_cursor"].as_str().unwrap().to_owned();
        loop {
            let page = ok(&app.call(actix_web::http::Method::GET, &format!("/v1/admin/jobs?limit=2&cursor={cursor}"), Some(&admin), None).await, 200);
            seen += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let total = ok(&app.call(actix_web::http::Method::GET, "/v1/admin/jobs?limit=200", Some(&admin), None).await, 200);
        assert_eq!(seen, total["items"].as_array().unwrap().len());
    }
}

backend_test! {
    async fn a_client_is_revoked_by_either_of_its_names(app) {
        let w = world(&app).await;
        let admin = app.admin_token_again().await;
        let by_client_id = app.create_client(&admin, &w.fr_24_7.id, &["operator"]).await;
        let r = app.call(actix_web::http::Method::DELETE, &format!("/v1/clients/{}", by_client_id.client_id), Some(&w.fr_24_7.token), None).await;
        assert_eq!(r.status, 204, "{}", r.text());
        let r = app.send(TestRequest::post().uri("/v1/oauth/token").set_form([
            ("grant_type", "client_credentials"),
            ("client_id", by_client_id.client_id.as_str()),
            ("client_secret", by_client_id.client_secret.as_str()),
        ])).await;
        assert_eq!(r.status, 401, "a revoked client gets no token: {}", r.text());
        // Another party's client, by either name: 404, as for a client that does not exist.
        let theirs = app.create_client(&admin, &w.de_24_7.id, &["operator"]).await;
        let r = app.call(actix_web::http::Method::DELETE, &format!("/v1/clients/{}", theirs.client_id), Some(&w.fr_24_7.token), None).await;
        r.assert_problem(404, "not_found");
        let r = app.call(actix_web::http::Method::DELETE, "/v1/clients/not-a-client", Some(&w.fr_24_7.token), None).await;
        r.assert_problem(400, "invalid_path_parameter");
    }
}

crate::store_test! {
    async fn json_and_text_evidence_downloads_byte_for_byte_as_octet_stream(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        for (media, bytes) in [
            ("application/json", br#"{ "subscriber": "x",  "ip": "203.0.113.7" }"#.to_vec()),
            ("text/plain; charset=utf-8", b"line one\r\nline two\n".to_vec()),
            ("image/png", vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255]),
        ] {
            let r = app.send(TestRequest::post().uri(&format!("/v1/requests/{id}/attachments"))
                .insert_header(("authorization", format!("Bearer {}", w.de_24_7.token)))
                .insert_header(("content-type", media)).set_payload(bytes.clone())).await;
            let attachment = ok(&r, 201);
            assert_eq!(attachment["media_type"], media);
            let aid = attachment["id"].as_str().unwrap();
            let r = get(&app, &w.fr_24_7, &format!("/v1/attachments/{aid}")).await;
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-type"), Some("application/octet-stream"), "{media}");
            assert_eq!(r.header("rogatory-media-type"), Some(media));
            assert_eq!(r.body.as_ref(), bytes.as_slice(), "{media}: byte for byte");
        }
    }
}

/// One upload: `query` is appended to the path as is, `content_type` sent when given.
async fn upload_to(
    app: &crate::support::TestApp,
    who: &Actor,
    request: &str,
    query: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> crate::support::TestResponse {
    let mut call = TestRequest::post()
        .uri(&format!("/v1/requests/{request}/attachments{query}"))
        .insert_header(("authorization", format!("Bearer {}", who.token)));
    if let Some(media) = content_type {
        call = call.insert_header(("content-type", media));
    }
    app.send(call.set_payload(body.to_vec())).await
}

crate::store_test! {
    async fn an_empty_upload_or_a_blank_file_name_is_refused_and_leaves_nothing(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        // Evidence with no bytes is a client mistake (a file not read, a stream already consumed).
        let r = upload_to(&app, &w.de_24_7, &id, "?file_name=records.txt", Some("text/plain"), b"").await;
        let problem = r.assert_problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["pointer"], "", "{problem}");
        assert_eq!(problem["errors"][0]["code"], "empty", "{problem}");
        // A file_name that is there but names nothing is refused, not stored as null.
        for query in ["?file_name=", "?file_name=%20%20"] {
            let r = upload_to(&app, &w.de_24_7, &id, query, Some("text/plain"), b"records").await;
            let problem = r.assert_problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["pointer"], "file_name", "{query}: {problem}");
            assert_eq!(problem["errors"][0]["code"], "invalid_file_name", "{query}: {problem}");
        }
        let list = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/attachments")).await, 200);
        assert_eq!(list["items"], json!([]), "nothing was recorded");
        let left = crate::support::stores::contents(&app).await;
        assert!(left.is_empty(), "nothing was stored: {left:?}");
        // Without file_name, a file is still welcome (no name to keep).
        let attachment = ok(&upload_to(&app, &w.de_24_7, &id, "", Some("text/plain"), b"records").await, 201);
        assert_eq!(attachment["file_name"], serde_json::Value::Null);
    }
}

crate::store_test! {
    async fn the_media_type_query_parameter_is_the_recorded_media_type(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        // A generated client that cannot send JSON bytes as application/json sends them as
        // octet-stream and names their type in the query.
        let bytes = br#"{"subscriber": "x", "ip": "203.0.113.7"}"#;
        for (query, header, recorded) in [
            ("?media_type=application/json", Some("application/octet-stream"), "application/json"),
            ("?media_type=Text/Plain;%20charset=utf-8", None, "text/plain; charset=utf-8"),
            ("?media_type=application/json&file_name=a.json", Some("not a media type"), "application/json"),
        ] {
            let r = upload_to(&app, &w.de_24_7, &id, query, header, bytes).await;
            let attachment = ok(&r, 201);
            assert_eq!(attachment["media_type"], recorded, "{query}");
            let r = get(&app, &w.fr_24_7, &format!("/v1/attachments/{}", attachment["id"].as_str().unwrap())).await;
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-type"), Some("application/octet-stream"));
            assert_eq!(r.header("rogatory-media-type"), Some(recorded), "{query}");
            assert_eq!(r.body.as_ref(), bytes.as_slice());
        }
        for bad in ["json", "application/", "%20text/plain", "text/plain%20;x=1", "text/pl%C3%A4in", "a/b;%C3%A4"] {
            let r = upload_to(&app, &w.de_24_7, &id, &format!("?media_type={bad}"), None, bytes).await;
            let problem = r.assert_problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["pointer"], "media_type", "{bad}: {problem}");
            assert_eq!(problem["errors"][0]["code"], "invalid_media_type", "{bad}: {problem}");
        }
    }
}

/// Whether `value` has the JSON type a schema property declares (`type` a string or a list;
/// `$ref`s and formats are not followed: enough to catch a field typed wrong).
fn has_declared_type(schema: &serde_json::Value, value: &serde_json::Value) -> bool {
    let kinds: Vec<&str> = match &schema["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => return true,
    };
    kinds.iter().any(|kind| match *kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    })
}

backend_test! {
    async fn every_delivery_matches_the_schema_of_its_event_type(app) {
        let w = world(&app).await;
        let receiver = crate::support::receiver::Receiver::start().await;
        let all: Vec<&str> = rogatory::notify::webhooks::event_types().filter(|t| *t != "ping").collect();
        let hook = ok(&post(&app, &w.de_24_7, "/v1/webhooks", json!({"url": receiver.url, "event_types": all})).await, 201);
        let hook_id = hook["id"].as_str().unwrap().to_owned();
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/messages"), json!({"body": "Urgent."})).await, 201);
        let r = app.send(TestRequest::post().uri(&format!("/v1/requests/{id}/attachments?file_name=a.txt"))
            .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
            .insert_header(("content-type", "text/plain")).set_payload(b"annex".to_vec())).await;
        ok(&r, 201);
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/withdraw"), json!({"reason": "Resolved."})).await, 200);
        ok(&post(&app, &w.de_24_7, &format!("/v1/webhooks/{hook_id}/test"), json!({})).await, 202);
        rogatory::background::worker::run_once(&app.state, "test", 100).await.unwrap();

        let spec = serde_json::to_value(rogatory::openapi::spec()).unwrap();
        let schemas = &spec["components"]["schemas"];
        let mapping = &schemas["WebhookEvent"]["discriminator"]["mapping"];
        let mut seen = std::collections::BTreeSet::new();
        for delivery in receiver.deliveries() {
            let body: serde_json::Value = serde_json::from_str(&delivery.body).unwrap();
            let event = body["type"].as_str().unwrap().to_owned();
            let name = mapping[&event].as_str().unwrap_or_else(|| panic!("no schema for {event}")).rsplit('/').next().unwrap();
            let schema = &schemas[name];
            assert_eq!(schema["properties"]["type"]["enum"], json!([event]));
            for field in schema["required"].as_array().unwrap() {
                assert!(body.get(field.as_str().unwrap()).is_some(), "{event}: no {field}: {body}");
            }
            if event == "ping" {
                assert!(body["data"]["webhook"].is_string(), "{body}");
            } else {
                let inner = &schema["properties"]["data"]["allOf"][1]["properties"]["data"]["properties"];
                assert_eq!(body["data"]["event_type"], event.as_str());
                for (field, declared) in inner.as_object().unwrap() {
                    if let Some(value) = body["data"]["data"].get(field) {
                        assert!(has_declared_type(declared, value), "{event}: {field} = {value} is not {declared}");
                    }
                }
            }
            seen.insert(event);
        }
        for event in ["request.submitted", "message.posted", "attachment.added", "request.withdrawn", "ping"] {
            assert!(seen.contains(event), "{event} delivered: {seen:?}");
        }
    }
}

backend_test! {
    /// Item 11: who may upload is decided before what is uploaded is judged: an auditor (read
    /// only) sending a bad media type and a bad file name learns 403, not the validation.
    async fn an_upload_without_the_role_is_403_before_any_validation(app) {
        let w = world(&app).await;
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        let admin = app.admin_token_again().await;
        let credentials = app.create_client(&admin, &w.de_24_7.id, &["auditor"]).await;
        let auditor = Actor { id: w.de_24_7.id.clone(), token: app.token(&credentials).await, credentials };
        upload_to(&app, &auditor, &id, "?file_name=a/b", Some("not a media type"), b"x").await.assert_problem(403, "forbidden");
        // The same mistakes from a responder are the validation's.
        upload_to(&app, &w.de_24_7, &id, "?file_name=a/b", Some("not a media type"), b"x").await.assert_problem(422, "validation_failed");
    }
}
