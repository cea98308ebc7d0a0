//! Every error is an RFC 9457 problem with the right status: JSON, path and query parse
//! errors, unknown routes, wrong methods, oversized bodies and unsupported media types.

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use serde::Deserialize;
use serde_json::json;

use crate::backend_test;
use crate::support::{TestBackend, TestDatabase, TestResponse};
use rogatory::{AppState, build_app};

#[derive(Deserialize, serde::Serialize)]
struct Item {
    name: String,
    count: u32,
}

async fn echo(item: web::Json<Item>) -> web::Json<Item> {
    item
}

async fn by_number(n: web::Path<u32>) -> String {
    n.to_string()
}

/// The real application with two extra routes that take a JSON body and a typed path, so the
/// extractor errors configured by `build_app` can be exercised before any feature needs them.
/// They exist only in this test binary.
async fn call(request: TestRequest) -> TestResponse {
    let db = TestDatabase::create(TestBackend::Sqlite).expect("sqlite");
    let settings = db.settings(&[("ROGATORY_MAX_JSON_BYTES", "256")]);
    let state = web::block(move || AppState::init(settings)).await.unwrap().unwrap();
    let app: App<_> =
        build_app(state).route("/test/echo", web::post().to(echo)).route("/test/numbers/{n}", web::get().to(by_number));
    let service = test::init_service(app).await;
    let response = test::call_service(&service, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    TestResponse { status, headers, body }
}

#[actix_web::test]
async fn a_valid_body_passes() {
    let r = call(TestRequest::post().uri("/test/echo").set_json(json!({"name": "a", "count": 1}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"name": "a", "count": 1}));
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let r = call(
        TestRequest::post()
            .uri("/test/echo")
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"name\": \"a\", "),
    )
    .await;
    let body = r.assert_problem(400, "malformed_json");
    assert!(body["detail"].as_str().unwrap().contains("line 1"), "{body}");
}

#[actix_web::test]
async fn json_of_the_wrong_shape_is_422() {
    let r = call(TestRequest::post().uri("/test/echo").set_json(json!({"name": "a", "count": "many"}))).await;
    let body = r.assert_problem(422, "invalid_body");
    assert!(body["detail"].as_str().unwrap().contains("invalid type"), "{body}");
}

#[actix_web::test]
async fn an_oversized_body_is_413() {
    let big = "x".repeat(1000);
    let r = call(TestRequest::post().uri("/test/echo").set_json(json!({"name": big, "count": 1}))).await;
    let body = r.assert_problem(413, "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("256"), "{body}");
}

#[actix_web::test]
async fn a_body_of_another_media_type_is_415() {
    let r =
        call(TestRequest::post().uri("/test/echo").insert_header(("content-type", "text/plain")).set_payload("name=a"))
            .await;
    r.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn a_bad_path_parameter_is_400() {
    let r = call(TestRequest::get().uri("/test/numbers/seven")).await;
    r.assert_problem(400, "invalid_path_parameter");
    let r = call(TestRequest::get().uri("/test/numbers/7")).await;
    assert_eq!(r.status, 200);
}

backend_test! {
    async fn unknown_routes_are_404(app) {
        for path in ["/nope", "/v1", "/v1/legal-bases/eu_epoc/extra", "/v2/legal-bases"] {
            let r = app.get(path).await;
            let body = r.assert_problem(404, "not_found");
            assert!(r.header("x-request-id").is_some(), "{path}");
            assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
        }
    }
}

backend_test! {
    async fn wrong_methods_are_405_with_allow(app) {
        for (method, path) in [
            (Method::POST, "/v1/legal-bases"),
            (Method::DELETE, "/v1/legal-bases/eu_epoc"),
            (Method::PUT, "/healthz"),
            (Method::POST, "/openapi.json"),
            (Method::DELETE, "/docs/index.css"),
        ] {
            let r = app.request(method.clone(), path).await;
            r.assert_problem(405, "method_not_allowed");
            assert_eq!(r.header("allow"), Some("GET"), "{method} {path}");
        }
    }
}

backend_test! {
    async fn bad_query_parameters_are_400(app) {
        let r = app.get("/v1/legal-bases?request_kind=letters").await;
        let body = r.assert_problem(400, "invalid_query_parameter");
        assert!(body["detail"].as_str().unwrap().contains("letters"), "{body}");
        app.get("/v1/legal-bases?colour=blue").await.assert_problem(400, "invalid_query_parameter");
    }
}
