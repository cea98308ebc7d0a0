//! Evidence integrity: attachments, the hash-chained audit trail, signed request documents
//! and the offline-verifiable export.

use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::connection::SimpleConnection;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backend_test;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase, TestResponse};

async fn upload(app: &TestApp, who: &Actor, request: &str, body: Vec<u8>, name: &str) -> TestResponse {
    app.send(
        TestRequest::post()
            .uri(&format!("/v1/requests/{request}/attachments?file_name={name}"))
            .insert_header(("authorization", format!("Bearer {}", who.token)))
            .insert_header(("content-type", "application/pdf"))
            .set_payload(body),
    )
    .await
}

async fn download(app: &TestApp, who: &Actor, id: &str) -> TestResponse {
    get(app, who, &format!("/v1/attachments/{id}")).await
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest as the system's `sha256sum` computes it.
fn sha256sum(bytes: &[u8], dir: &std::path::Path) -> String {
    let path = dir.join("content.bin");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("sha256sum").arg(&path).output().expect("sha256sum");
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

/// A submitted production order from the French prosecutor to the platform.
/// Subscriber and identification data only: no enforcing authority to notify (Reg. 2023/1543
/// Art 8(1)), so the answer reaches the issuer at once (see tests/api/law.rs for the hold).
async fn submitted_order(app: &TestApp, w: &World) -> String {
    submitted_order_for(app, w, json!(["subscriber", "identification"])).await
}

async fn submitted_order_for(app: &TestApp, w: &World, categories: Value) -> String {
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    order["content"]["data_categories"] = categories;
    let id = ok(&post(app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    id
}

backend_test! {
    async fn a_response_carries_attachments_whose_digests_the_issuer_checks(app) {
        let w = world(&app).await;
        // Traffic data: the enforcing authority is notified and its notification is suspensive.
        let id = submitted_order_for(&app, &w, json!(["subscriber", "traffic"])).await;
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let r = upload(&app, &w.platform, &id, content.clone(), "subscriber-records.pdf").await;
        let attachment = ok(&r, 201);
        let digest = sha256sum(&content, app.database.path());
        assert_eq!(attachment["sha256"], digest.as_str(), "the recorded digest is sha256sum's");
        assert_eq!(attachment["size_bytes"], content.len());
        assert_eq!(attachment["media_type"], "application/pdf");
        assert_eq!(attachment["file_name"], "subscriber-records.pdf");
        assert_eq!(r.header("repr-digest"), attachment["repr_digest"].as_str());
        let aid = attachment["id"].as_str().unwrap().to_owned();

        // A stranger neither reads nor adds; a bad id is not found.
        download(&app, &w.stranger, &aid).await.assert_problem(404, "not_found");
        get(&app, &w.stranger, &format!("/v1/requests/{id}/attachments")).await.assert_problem(404, "not_found");
        upload(&app, &w.stranger, &id, b"x".to_vec(), "x.pdf").await.assert_problem(404, "not_found");
        download(&app, &w.fr_prosecutor, &uuid::Uuid::now_v7().to_string()).await.assert_problem(404, "not_found");

        // The answer cites the attachment; only the uploader's own attachments can be cited.
        post(&app, &w.platform, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Records attached.", "attachments": [uuid::Uuid::now_v7()]})).await
            .assert_problem(422, "validation_failed");
        ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Records attached.", "attachments": [aid]})).await, 200);
        // Held until the enforcing authority confirms it raises no ground (Reg. 2023/1543 Art 10(2)).
        download(&app, &w.fr_prosecutor, &aid).await.assert_problem(404, "not_found");
        ok(&post(&app, &w.ie_enforcing, &format!("/v1/requests/{id}/no-grounds"), json!({})).await, 200);

        // The issuer takes the digest from the released answer and checks the download against it.
        let history = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200);
        let responded = history["items"].as_array().unwrap().iter().find(|e| e["type"] == "response.released").unwrap();
        let promised = responded["data"]["attachments"][0]["sha256"].as_str().unwrap().to_owned();
        let r = download(&app, &w.fr_prosecutor, &aid).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/pdf"));
        assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"subscriber-records.pdf\""));
        assert_eq!(r.body.as_ref(), content.as_slice());
        assert_eq!(hex_sha256(&r.body), promised);
        assert_eq!(r.header("repr-digest"), attachment["repr_digest"].as_str());
        // The enforcing authority, a party of the request, may read it too.
        assert_eq!(download(&app, &w.ie_enforcing, &aid).await.status, 200);
    }
}

/// Oversized uploads are refused and leave no record and no file.
async fn oversized(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let app = TestApp::on(database, &[("ROGATORY_MAX_ATTACHMENT_BYTES", "1000")]).await;
    let w = world(&app).await;
    let id = submitted_order(&app, &w).await;
    let body =
        upload(&app, &w.platform, &id, vec![7u8; 1001], "big.pdf").await.assert_problem(413, "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("1000"), "{body}");
    // Chunked, with no declared length: refused while streaming.
    let chunked = TestRequest::post()
        .uri(&format!("/v1/requests/{id}/attachments"))
        .insert_header(("authorization", format!("Bearer {}", w.platform.token)))
        .set_payload(vec![7u8; 5000]);
    let mut request = chunked.to_request();
    request.headers_mut().remove("content-length");
    let r = app.send_request(request).await;
    r.assert_problem(413, "payload_too_large");
    assert!(
        ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/attachments")).await, 200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let store = app.database.data_dir().join("attachments");
    let files: Vec<_> = walk(&store);
    assert!(files.is_empty(), "nothing half-written is left: {files:?}");
    let history = events(&ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200));
    assert!(!history.contains(&"attachment.added".to_owned()));
    ok(&upload(&app, &w.platform, &id, vec![7u8; 1000], "fits.pdf").await, 201);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

#[actix_web::test]
async fn an_oversized_upload_is_413_and_leaves_nothing_sqlite() {
    oversized(TestBackend::Sqlite).await;
}

#[actix_web::test]
async fn an_oversized_upload_is_413_and_leaves_nothing_postgres() {
    oversized(TestBackend::Postgres).await;
}

backend_test! {
    async fn an_edited_event_row_is_named_as_the_first_broken_link(app) {
        let w = world(&app).await;
        let id = submitted_order(&app, &w).await;
        ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "intact", "{verdict}");
        assert_eq!(verdict["events"], 3);
        let history = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200);
        assert_eq!(verdict["head"], history["items"][2]["hash"]);
        assert_eq!(history["items"][1]["prev_hash"], history["items"][0]["hash"]);

        // Someone with database access rewrites the submission event.
        let cast = if app.database.backend == TestBackend::Postgres { "::jsonb" } else { "" };
        app.database.connect().batch_execute(&format!(
            "UPDATE request_events SET data = '{{\"addressee\": \"someone else\"}}'{cast} WHERE request_id = '{id}' AND seq = 2"
        )).unwrap();
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "broken", "{verdict}");
        assert_eq!(verdict["first_broken_seq"], 2);
        assert_eq!(verdict["first_broken_event"], history["items"][1]["id"]);
        get(&app, &w.stranger, &format!("/v1/requests/{id}/audit")).await.assert_problem(404, "not_found");
    }
}

/// Verifies a compact JWS with jsonwebtoken's JWS primitives and a JWKS: nothing of Rogatory.
fn verify_with_jwks(jws: &str, jwks: &JwkSet) -> Result<Value, String> {
    let parts: Vec<&str> = jws.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    let jwk = jwks.find(header["kid"].as_str().unwrap()).ok_or("unknown kid")?;
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    if !jsonwebtoken::crypto::verify(parts[2], signing_input.as_bytes(), &key, Algorithm::EdDSA).unwrap_or(false) {
        return Err("bad signature".into());
    }
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap())
}

backend_test! {
    async fn a_platform_verifies_the_signed_request_with_the_jwks_alone(app) {
        let w = world(&app).await;
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/document")).await.assert_problem(404, "not_found");
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);

        let signed = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/document")).await, 200);
        let jws = signed["jws"].as_str().unwrap();
        let jwks: JwkSet = serde_json::from_value(app.get("/.well-known/jwks.json").await.json()).unwrap();
        let document = verify_with_jwks(jws, &jwks).expect("a genuine document verifies");
        assert_eq!(document["request"]["id"], id.as_str());
        assert_eq!(document["request"]["issuer"]["id"], w.fr_prosecutor.id.as_str());
        assert_eq!(document["request"]["content"]["issuing_file_number"], "PARQUET-2026-118842");
        let history = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200);
        assert_eq!(document["event"]["hash"], history["items"][1]["hash"], "bound to the submission event");

        // One changed byte of the payload and it no longer verifies.
        let parts: Vec<&str> = jws.split('.').collect();
        let mut payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
        let at = payload.windows(6).position(|w| w == b"118842").unwrap();
        payload[at] = b'9';
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(&payload), parts[2]);
        assert_eq!(verify_with_jwks(&forged, &jwks), Err("bad signature".into()));
    }
}

/// After a key rotation, documents signed with the previous key still verify.
#[actix_web::test]
async fn documents_signed_before_a_rotation_still_verify() {
    let Some(database) = TestDatabase::create(TestBackend::Sqlite) else { return };
    let old_key = database.path().join("old.pem");
    let new_key = database.path().join("new.pem");
    rogatory::auth::keys::write_new_key(&old_key).unwrap();
    rogatory::auth::keys::write_new_key(&new_key).unwrap();
    let (url, dir) = (database.url.clone(), database.data_dir());
    let old = TestApp::on(database, &[("ROGATORY_JWT_SIGNING_KEY_FILE", old_key.to_str().unwrap())]).await;
    let w = world(&old).await;
    let id = submitted_order(&old, &w).await;
    let jws = ok(&get(&old, &w.platform, &format!("/v1/requests/{id}/document")).await, 200)["jws"]
        .as_str()
        .unwrap()
        .to_owned();

    let settings = crate::support::settings_for(
        &url,
        &dir,
        &[
            ("ROGATORY_JWT_SIGNING_KEY_FILE", new_key.to_str().unwrap()),
            ("ROGATORY_JWT_PREVIOUS_KEY_FILES", old_key.to_str().unwrap()),
        ],
    );
    let state = actix_web::web::block(move || rogatory::AppState::init(settings)).await.unwrap().unwrap();
    let rotated = actix_web::test::init_service(rogatory::build_app(state)).await;
    let jwks: JwkSet = actix_web::test::call_and_read_body_json(
        &rotated,
        TestRequest::get().uri("/.well-known/jwks.json").to_request(),
    )
    .await;
    assert_eq!(jwks.keys.len(), 2);
    verify_with_jwks(&jws, &jwks).expect("the previous key still verifies");
}

backend_test! {
    async fn the_export_verifies_offline_and_a_tampered_one_does_not(app) {
        let w = world(&app).await;
        let id = submitted_order(&app, &w).await;
        ok(&upload(&app, &w.platform, &id, b"%PDF-1.7 records".to_vec(), "records.pdf").await, 201);
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        assert_eq!(bundle["format"], "rogatory-audit-export/1");
        assert_eq!(bundle["verdict"]["status"], "intact");
        assert_eq!(bundle["documents"].as_array().unwrap().len(), 1);
        get(&app, &w.stranger, &format!("/v1/requests/{id}/audit/export")).await.assert_problem(404, "not_found");

        let dir = app.database.path();
        let path = dir.join("bundle.json");
        std::fs::write(&path, bundle.to_string()).unwrap();
        let jwks_path = dir.join("jwks.json");
        std::fs::write(&jwks_path, app.get("/.well-known/jwks.json").await.text()).unwrap();
        let verify = |file: &std::path::Path| {
            std::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
                .args(["verify-export", file.to_str().unwrap(), "--jwks", jwks_path.to_str().unwrap()])
                .output()
                .unwrap()
        };
        let out = verify(&path);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

        let mut tampered = bundle.clone();
        tampered["events"][2]["data"]["size_bytes"] = json!(1);
        let bad = dir.join("tampered.json");
        std::fs::write(&bad, tampered.to_string()).unwrap();
        let out = verify(&bad);
        assert!(!out.status.success());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["chain"]["first_broken_seq"], 3, "{report}");
    }
}
