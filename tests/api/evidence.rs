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

use crate::support::stores;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase, TestResponse, TestStore};
use crate::{backend_test, store_test};

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

store_test! {
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
        // The bytes as declared, so that no client parses them; the recorded type beside them.
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(r.header("rogatory-media-type"), Some("application/pdf"));
        assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"subscriber-records.pdf\""));
        assert_eq!(r.body.as_ref(), content.as_slice());
        assert_eq!(hex_sha256(&r.body), promised);
        assert_eq!(r.header("repr-digest"), attachment["repr_digest"].as_str());
        // The enforcing authority, a party of the request, may read it too.
        assert_eq!(download(&app, &w.ie_enforcing, &aid).await.status, 200);
    }
}

/// Oversized uploads are refused and leave no record and nothing in the store.
async fn oversized(store: TestStore) {
    let Some(app) = TestApp::with_store_and(store, &[("ROGATORY_MAX_ATTACHMENT_BYTES", "1000")]).await else { return };
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
    let left = stores::contents(&app).await;
    assert!(left.is_empty(), "nothing half-written is left: {left:?}");
    let history = events(&ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/events")).await, 200));
    assert!(!history.contains(&"attachment.added".to_owned()));
    ok(&upload(&app, &w.platform, &id, vec![7u8; 1000], "fits.pdf").await, 201);
}

store_test!(an_oversized_upload_is_413_and_leaves_nothing => super::oversized);

store_test! {
    /// Two uploads of the same content overlap while one of them is refused (a reused
    /// Idempotency-Key, a request closed meanwhile). The refused one takes back the content it
    /// stored unless a record refers to it, and the other upload records it a moment later.
    /// Whatever the interleaving, a recorded attachment must always download whole: here the
    /// cleanup runs between the second upload's store and its record, the worst moment.
    async fn a_refused_upload_never_takes_content_another_upload_records(app) {
        let w = world(&app).await;
        let id = submitted_order(&app, &w).await;
        let request = uuid::Uuid::parse_str(&id).unwrap();
        let content = b"the same subscriber records, uploaded twice at once".to_vec();
        let store = app.state.attachments.clone();
        let put = |body: Vec<u8>| {
            let store = store.clone();
            async move {
                let stream = futures_util::stream::once(async move {
                    Ok::<_, std::convert::Infallible>(actix_web::web::Bytes::from(body))
                });
                store.put(Box::pin(stream), None, 1 << 20).await.unwrap()
            }
        };
        let refused = put(content.clone()).await;
        let recording = put(content.clone()).await;
        // The refused upload cleans up before the other one records.
        rogatory::requests::attachments::service::discard_if_unreferenced(&store, &app.state.db, &refused).await;
        let subject = app.state.tokens.verify(&w.platform.token, chrono::Utc::now()).unwrap();
        let caller = app.state.db.run(move |conn| rogatory::auth::authenticate(conn, &subject)).await.unwrap();
        let keys = app.state.tokens.clone();
        let recording_store = store.clone();
        let recorded = app
            .state
            .db
            .write(move |conn| {
                rogatory::requests::attachments::service::record(
                    conn,
                    &caller,
                    &keys.keys,
                    &recording_store,
                    request,
                    &recording,
                    "application/pdf".into(),
                    None,
                    chrono::Utc::now(),
                )
            })
            .await;
        let listed = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/attachments")).await, 200);
        match recorded {
            Ok(attachment) => {
                // Recorded: its content is there, whole.
                let r = download(&app, &w.platform, &attachment.id.to_string()).await;
                assert_eq!(r.status, 200, "a recorded attachment whose content was taken back");
                assert_eq!(r.body.as_ref(), content.as_slice());
            }
            Err(e) => {
                // Refused instead: retryable, and nothing recorded.
                assert_eq!(actix_web::ResponseError::status_code(&e), actix_web::http::StatusCode::SERVICE_UNAVAILABLE, "{e:?}");
                assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");
            }
        }
        // A retry through HTTP records the content, whole.
        let again = ok(&upload(&app, &w.platform, &id, content.clone(), "records.pdf").await, 201);
        let r = download(&app, &w.platform, again["id"].as_str().unwrap()).await;
        assert_eq!(r.body.as_ref(), content.as_slice());
    }
}

store_test! {
    /// The same bytes uploaded many times at once, half of the uploads refused after their body
    /// was stored (they reuse one Idempotency-Key with another file name): every answer is 201,
    /// the key's mismatch (422) or a retryable 503, never a 500, and every recorded attachment
    /// downloads whole.
    async fn concurrent_identical_uploads_with_refusals_keep_every_record_whole(app) {
        let w = world(&app).await;
        let id = submitted_order(&app, &w).await;
        let mut sent = std::collections::HashMap::new();
        for round in 0..4u8 {
            let content: Vec<u8> = (0..50_000u32).map(|i| (i % 199) as u8 ^ round).collect();
            sent.insert(hex_sha256(&content), content.clone());
            let uploads = (0..10).map(|i| {
                let key = if i % 2 == 0 { format!("shared-{round}") } else { format!("own-{round}-{i}") };
                app.send(
                    TestRequest::post()
                        .uri(&format!("/v1/requests/{id}/attachments?file_name=copy-{i}.pdf"))
                        .insert_header(("authorization", format!("Bearer {}", w.platform.token)))
                        .insert_header(("content-type", "application/pdf"))
                        .insert_header(("idempotency-key", key))
                        .set_payload(content.clone()),
                )
            });
            for r in futures_util::future::join_all(uploads).await {
                assert!(matches!(r.status.as_u16(), 201 | 422 | 503), "{} {}", r.status, r.text());
            }
        }
        let listed = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/attachments")).await, 200);
        let items = listed["items"].as_array().unwrap().clone();
        assert!(items.len() >= 4, "{listed}");
        for item in items {
            let r = download(&app, &w.platform, item["id"].as_str().unwrap()).await;
            assert_eq!(r.status, 200, "{item}");
            assert!(r.body.as_ref() == sent[item["sha256"].as_str().unwrap()].as_slice(), "{item}: not whole");
        }
    }
}

store_test! {
    /// Content changed in the store after it was recorded (a disk, a database or a bucket gone
    /// wrong, or someone with access): the download is cut short before its last bytes, so
    /// no client takes a corrupted file for a complete one; the next download of sound content
    /// is unaffected.
    async fn a_corrupted_body_is_never_served_whole(app) {
        let w = world(&app).await;
        let id = submitted_order(&app, &w).await;
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
        let attachment = ok(&upload(&app, &w.platform, &id, content.clone(), "records.pdf").await, 201);
        let sound = ok(&upload(&app, &w.platform, &id, b"other records".to_vec(), "other.pdf").await, 201);
        let sha256 = attachment["sha256"].as_str().unwrap();
        stores::tamper(&app, sha256).await;

        // Through HTTP: the answer starts (200, its headers were sent) but its body breaks off.
        let r = download(&app, &w.platform, attachment["id"].as_str().unwrap()).await;
        assert_eq!(r.status, 200);
        assert!(r.body.len() < content.len(), "a corrupted body was served whole ({} bytes)", r.body.len());
        // From the store: the stream ends in an error, before the last chunk.
        let mut body = app.state.attachments.open_verified(sha256).await.unwrap();
        let mut received = 0;
        let error = loop {
            match futures_util::StreamExt::next(&mut body).await {
                Some(Ok(chunk)) => received += chunk.len(),
                Some(Err(e)) => break e,
                None => panic!("a corrupted body ended without an error"),
            }
        };
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
        assert!(received < content.len());
        let r = download(&app, &w.platform, sound["id"].as_str().unwrap()).await;
        assert_eq!(r.body.as_ref(), b"other records");
    }
}

backend_test! {
    /// A new request's first checkpoint signs the request as the exchange built it in memory
    /// (issue 16: no read back): it must be the request as any later read gives it, with two
    /// participants and with three (an enforcing authority).
    async fn a_new_draft_is_signed_as_it_reads(app) {
        let w = world(&app).await;
        let preservation = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201);
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        order["content"]["data_categories"] = json!(["subscriber", "traffic"]);
        let order = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201);
        assert_eq!(order["participants"].as_array().unwrap().len(), 3, "{order}");
        for (who, created) in [(&w.fr_24_7, preservation), (&w.fr_prosecutor, order)] {
            let id = created["id"].as_str().unwrap();
            let read = ok(&get(&app, who, &format!("/v1/requests/{id}")).await, 200);
            assert_eq!(read["participants"], created["participants"]);
            let verdict = ok(&get(&app, who, &format!("/v1/requests/{id}/audit")).await, 200);
            assert_eq!(verdict["status"], "intact", "{verdict}");
        }
    }
}

backend_test! {
    /// An action signs the request with the participants it read with the parties, before it
    /// acted (issue 16: no read back), unless it changed them (a forward): after every step the
    /// answer is the request as a later read gives it, and the last checkpoint covers it.
    async fn an_action_signs_the_request_as_it_reads(app) {
        let w = world(&app).await;
        async fn check(app: &TestApp, who: &str, answer: Value, actor: &Actor) {
            let id = answer["id"].as_str().unwrap().to_owned();
            let read = ok(&get(app, actor, &format!("/v1/requests/{id}")).await, 200);
            assert_eq!(read["participants"], answer["participants"], "{who}: {answer}");
            assert_eq!(read, answer, "{who}");
            let verdict = ok(&get(app, actor, &format!("/v1/requests/{id}/audit")).await, 200);
            assert_eq!(verdict["status"], "intact", "{who}: {verdict}");
        }
        // Three participants (an enforcing authority), submitted, acknowledged, answered.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        order["content"]["data_categories"] = json!(["subscriber", "traffic"]);
        let order = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201);
        let id = order["id"].as_str().unwrap().to_owned();
        let submitted = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        assert_eq!(submitted["participants"].as_array().unwrap().len(), 3, "{submitted}");
        check(&app, "submit", submitted, &w.fr_prosecutor).await;
        let acknowledged = ok(&post(&app, &w.platform, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        check(&app, "acknowledge", acknowledged, &w.platform).await;
        // Forwarded, then forwarded back: the participants change, and are read again.
        let mut request = preservation_request();
        request["addressee"] = json!({"party_id": w.de_central.id});
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", request).await, 201)["id"].as_str().unwrap().to_owned();
        check(&app, "submit", ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200), &w.fr_24_7).await;
        let forwarded = ok(&post(&app, &w.de_central, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_24_7.id}, "reason": "Preservation is handled by the 24/7 point of contact."})).await, 200);
        check(&app, "forward", forwarded, &w.de_24_7).await;
        let back = ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_central.id}, "reason": "Back to the central authority."})).await, 200);
        check(&app, "forward back", back, &w.de_central).await;
        let acknowledged = ok(&post(&app, &w.de_central, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
        check(&app, "acknowledge after forwards", acknowledged, &w.de_central).await;
    }
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
        assert_eq!(bundle["format"], "rogatory-audit-export/2");
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

/// Recomputes every event's `prev_hash` and `hash` in a bundle, as a forger who edited an event
/// would, so that the hash chain alone no longer shows the edit.
fn rehash(bundle: &mut Value) {
    let request: uuid::Uuid = bundle["request"]["id"].as_str().unwrap().parse().unwrap();
    let events: Vec<rogatory::requests::dto::Event> = serde_json::from_value(bundle["events"].clone()).unwrap();
    let mut previous = rogatory::audit::chain::GENESIS.to_owned();
    for (i, (_, mut link, _)) in rogatory::requests::evidence::export::links(request, &events).into_iter().enumerate() {
        link.prev_hash = previous.clone();
        let hash = rogatory::audit::chain::hash(&link);
        bundle["events"][i]["prev_hash"] = json!(previous);
        bundle["events"][i]["hash"] = json!(hash);
        previous = hash;
    }
    let chain =
        rogatory::audit::chain::verify(&rogatory::requests::evidence::export::links(request, &events_of(bundle)));
    assert_eq!(chain, rogatory::audit::chain::Verdict::Intact { events: events.len(), head: previous });
}

fn events_of(bundle: &Value) -> Vec<rogatory::requests::dto::Event> {
    serde_json::from_value(bundle["events"].clone()).unwrap()
}

/// `rogatory verify-export` as a process, with the JWKS fetched from the server: (exit 0, the
/// report on stdout, stderr).
async fn verify_export(app: &TestApp, name: &str, bundle: &Value) -> (bool, Value, String) {
    let dir = app.database.path();
    let jwks = dir.join("jwks.json");
    std::fs::write(&jwks, app.get("/.well-known/jwks.json").await.text()).unwrap();
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(["verify-export", file.to_str().unwrap(), "--jwks", jwks.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), report, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A production order answered with an attachment, then a message from the issuer: the
/// response is not the last event, so a forger has later hashes to recompute.
async fn answered_order(app: &TestApp, w: &World) -> (String, usize) {
    let id = submitted_order(app, w).await;
    let aid =
        ok(&upload(app, &w.platform, &id, b"%PDF-1.7 subscriber records".to_vec(), "records.pdf").await, 201)["id"]
            .clone();
    ok(
        &post(
            app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Subscriber records attached.", "attachments": [aid]}),
        )
        .await,
        200,
    );
    ok(
        &post(app, &w.fr_prosecutor, &format!("/v1/requests/{id}/messages"), json!({"body": "Received, thank you."}))
            .await,
        201,
    );
    let history = ok(&get(app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200);
    let responded = events(&history).iter().position(|t| t == "request.responded").unwrap();
    (id, responded)
}

backend_test! {
    async fn a_forged_response_does_not_verify_offline(app) {
        let w = world(&app).await;
        let (id, responded) = answered_order(&app, &w).await;
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        let (valid, report, stderr) = verify_export(&app, "genuine", &bundle).await;
        assert!(valid, "an untouched bundle verifies: {report} {stderr}");
        assert_eq!(report["valid"], true, "{report}");

        // The forger rewrites the answer and the digest it cites, then every later hash.
        let mut forged = bundle.clone();
        let data = &mut forged["events"][responded]["data"];
        data["text"] = json!("No records exist for this account.");
        data["attachments"][0]["sha256"] = json!(hex_sha256(b"a harmless file"));
        rehash(&mut forged);
        let (valid, report, stderr) = verify_export(&app, "forged-response", &forged).await;
        assert!(!valid, "a forged response must not verify: {report}");
        assert_eq!(report["valid"], false, "{report}");
        let reasons = report["reasons"].to_string();
        assert!(reasons.contains("checkpoint"), "names the unsigned head: {reasons}");
        assert!(reasons.contains(&format!("response of event {}", responded + 1)), "names the response: {reasons}");
        assert!(stderr.contains("does not verify"), "{stderr}");
    }
}

backend_test! {
    async fn an_altered_request_section_does_not_verify_offline(app) {
        let w = world(&app).await;
        let (id, _) = answered_order(&app, &w).await;
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);

        // What was asked: the legal content differs from the signed document.
        let mut forged = bundle.clone();
        forged["request"]["content"]["issuing_file_number"] = json!("PARQUET-2026-999999");
        let (valid, report, _) = verify_export(&app, "forged-content", &forged).await;
        assert!(!valid, "{report}");
        let reasons = report["reasons"].to_string();
        assert!(reasons.contains("/content/issuing_file_number"), "names the altered member: {reasons}");

        // What became of it: the outcome is not the one the exchange signed after the last event.
        let mut forged = bundle.clone();
        forged["request"]["outcome"] = json!("refused");
        let (valid, report, _) = verify_export(&app, "forged-outcome", &forged).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("request section"), "{report}");
    }
}

backend_test! {
    async fn a_shortened_history_verifies_only_up_to_a_signed_event(app) {
        let w = world(&app).await;
        // 1 created, 2 submitted, 3 attachment added, 4 responded, 5 message posted.
        let (id, responded) = answered_order(&app, &w).await;
        assert_eq!(responded, 3);
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        assert_eq!(bundle["checkpoints"].as_array().unwrap().len(), 5, "one checkpoint per event");
        assert_eq!(bundle["responses"].as_array().unwrap().len(), 1, "the answer is signed");
        let drop_last = |bundle: &Value, keep: usize| {
            let mut cut = bundle.clone();
            cut["events"].as_array_mut().unwrap().truncate(keep);
            cut
        };
        let without_checkpoints_after = |mut cut: Value, keep: i64| {
            cut["checkpoints"].as_array_mut().unwrap().retain(|c| c["event_seq"].as_i64().unwrap() <= keep);
            cut["responses"].as_array_mut().unwrap().retain(|c| c["event_seq"].as_i64().unwrap() <= keep);
            cut
        };

        // The message dropped with its checkpoint: a history the exchange signed up to event 4,
        // and the message changed nothing of the request.
        let (valid, report, stderr) = verify_export(&app, "cut-4", &without_checkpoints_after(drop_last(&bundle, 4), 4)).await;
        assert!(valid, "{report} {stderr}");

        // Dropped, but its checkpoint left in: the bundle shows that events were removed.
        let (valid, report, _) = verify_export(&app, "cut-4-with-5", &drop_last(&bundle, 4)).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("the bundle has no event 5"), "{report}");

        // The answer dropped too: the request section (completed, fulfilled) is not the request
        // as it stood after event 3.
        let (valid, report, _) = verify_export(&app, "cut-3", &without_checkpoints_after(drop_last(&bundle, 3), 3)).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("the request section is not the request as it stood after event 3"), "{report}");

        // A forged event in place of the dropped one: unsigned, whether its checkpoint is left
        // out or the genuine event 5's is kept.
        let mut forged = drop_last(&bundle, 5);
        forged["events"][4]["type"] = json!("request.responded");
        forged["events"][4]["data"] = json!({"outcome": "refused", "refusal_reason": null, "text": "Nothing found.",
            "preserved_until": null, "attachments": []});
        rehash(&mut forged);
        let (valid, report, _) = verify_export(&app, "forged-5", &forged).await;
        assert!(!valid, "{report}");
        let reasons = report["reasons"].to_string();
        assert!(reasons.contains("event 5 is not the one the exchange signed"), "{reasons}");
        assert!(reasons.contains("event 5, the last, has no valid signed checkpoint"), "{reasons}");
        assert!(reasons.contains("response of event 5: no signed response document"), "{reasons}");
        let (valid, report, _) = verify_export(&app, "forged-5-alone", &without_checkpoints_after(forged, 4)).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("event 5, the last, has no valid signed checkpoint"), "{report}");
    }
}

backend_test! {
    async fn a_bundle_without_checkpoints_is_not_valid(app) {
        let w = world(&app).await;
        let (id, _) = answered_order(&app, &w).await;
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        // As exports were made before checkpoints: format 1, no checkpoints, no signed answers.
        let mut old = bundle.clone();
        old["format"] = json!("rogatory-audit-export/1");
        old.as_object_mut().unwrap().remove("checkpoints");
        old.as_object_mut().unwrap().remove("responses");
        let (valid, report, stderr) = verify_export(&app, "format-1", &old).await;
        assert!(!valid, "{report}");
        assert_eq!(report["valid"], false);
        assert_eq!(report["chain"]["status"], "intact", "read, and its chain still recomputed: {report}");
        let reasons = report["reasons"].to_string();
        assert!(reasons.contains("has no valid signed checkpoint"), "{reasons}");
        assert!(reasons.contains("rogatory-audit-export/1"), "says why: {reasons}");
        assert!(stderr.contains("no valid signed checkpoint"), "{stderr}");
    }
}

backend_test! {
    async fn answers_are_signed_and_a_forwarded_and_answered_request_verifies(app) {
        let w = world(&app).await;
        // An answer with an attachment: its signed document, checked with the JWKS alone, holds
        // the text, the outcome and the digest of what was attached, bound to its event.
        let (id, responded) = answered_order(&app, &w).await;
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        let jwks: JwkSet = serde_json::from_value(app.get("/.well-known/jwks.json").await.json()).unwrap();
        let signed = &bundle["responses"][0];
        assert_eq!(signed["event_seq"], responded + 1);
        let jws = signed["jws"].as_str().unwrap();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["cty"], "application/vnd.rogatory.response+json");
        let answer = verify_with_jwks(jws, &jwks).expect("the signed answer verifies");
        assert_eq!(answer["type"], "rogatory.response");
        assert_eq!(answer["request"]["id"], id.as_str());
        assert_eq!(answer["party"], w.platform.id.as_str());
        assert_eq!(answer["response"]["outcome"], "fulfilled");
        assert_eq!(answer["response"]["text"], "Subscriber records attached.");
        assert_eq!(answer["response"]["attachments"][0]["sha256"], hex_sha256(b"%PDF-1.7 subscriber records").as_str());
        assert_eq!(answer["event"]["hash"], bundle["events"][responded]["hash"]);
        // Each checkpoint verifies with the JWKS alone and names its event's hash.
        for (i, checkpoint) in bundle["checkpoints"].as_array().unwrap().iter().enumerate() {
            let head = verify_with_jwks(checkpoint["jws"].as_str().unwrap(), &jwks).expect("a checkpoint verifies");
            assert_eq!(head["type"], "rogatory.checkpoint");
            assert_eq!(head["seq"], i + 1);
            assert_eq!(head["event_hash"], bundle["events"][i]["hash"]);
        }

        // An objection is an answer too.
        let mut order = production_order();
        order["addressee"] = json!({"party_id": w.platform.id});
        let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.ie_enforcing, &format!("/v1/requests/{id}/objection"),
            json!({"reason": "fundamental_rights", "text": "Manifest breach of freedom of expression."})).await, 200);
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        let objection = verify_with_jwks(bundle["responses"][0]["jws"].as_str().unwrap(), &jwks).unwrap();
        assert_eq!(objection["party"], w.ie_enforcing.id.as_str());
        assert_eq!(objection["response"]["reason"], "fundamental_rights");
        let (valid, report, stderr) = verify_export(&app, "objected", &bundle).await;
        assert!(valid, "{report} {stderr}");

        // Forwarded, then preserved: two request documents, the request section is the latest.
        let mut request = preservation_request();
        request["addressee"] = json!({"party_id": w.de_central.id});
        let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", request).await, 201)["id"].as_str().unwrap().to_owned();
        ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
        ok(&post(&app, &w.de_central, &format!("/v1/requests/{id}/forward"),
            json!({"to": {"party_id": w.de_24_7.id}, "reason": "Preservation is handled by the 24/7 point of contact."})).await, 200);
        ok(&post(&app, &w.de_24_7, &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Data preserved."})).await, 200);
        let bundle = ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}/audit/export")).await, 200);
        assert_eq!(bundle["documents"].as_array().unwrap().len(), 2);
        assert_eq!(bundle["request"]["addressee"]["id"], w.de_24_7.id.as_str());
        let (valid, report, stderr) = verify_export(&app, "forwarded", &bundle).await;
        assert!(valid, "{report} {stderr}");
        // The addressee as first signed is not the request's addressee now.
        let mut forged = bundle.clone();
        forged["documents"].as_array_mut().unwrap().truncate(1);
        let (valid, report, _) = verify_export(&app, "forwarded-first-document", &forged).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("has no valid signed request document"), "{report}");
    }
}

backend_test! {
    async fn a_history_rewritten_in_the_database_is_found_by_its_checkpoints(app) {
        let w = world(&app).await;
        let (id, responded) = answered_order(&app, &w).await;
        let history = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/events")).await, 200);

        // Someone with database access rewrites the answer and recomputes every later hash.
        let mut rewritten = json!({"request": {"id": id}, "events": history["items"]});
        rewritten["events"][responded]["data"]["text"] = json!("No records exist for this account.");
        rehash(&mut rewritten);
        let cast = if app.database.backend == TestBackend::Postgres { "::jsonb" } else { "" };
        let mut conn = app.database.connect();
        for event in &rewritten["events"].as_array().unwrap()[responded..] {
            conn.batch_execute(&format!(
                "UPDATE request_events SET data = '{}'{cast}, prev_hash = '{}', hash = '{}' WHERE id = '{}'",
                event["data"], event["prev_hash"].as_str().unwrap(), event["hash"].as_str().unwrap(),
                event["id"].as_str().unwrap()
            )).unwrap();
        }
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "broken", "the chain recomputes, its checkpoints do not: {verdict}");
        assert_eq!(verdict["first_broken_seq"], responded + 1, "{verdict}");
        assert!(verdict["reason"].as_str().unwrap().contains("checkpoint"), "{verdict}");

        // Removing the checkpoints that no longer match does not hide it.
        conn.batch_execute(&format!("DELETE FROM event_checkpoints WHERE request_id = '{id}' AND seq > {responded}")).unwrap();
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "broken", "{verdict}");
        assert_eq!(verdict["first_broken_seq"], responded + 1, "{verdict}");
        assert!(verdict["reason"].as_str().unwrap().contains("no signed checkpoint"), "{verdict}");

        // Nor does an export of it verify.
        let bundle = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
        assert_eq!(bundle["verdict"]["status"], "broken", "{}", bundle["verdict"]);
        let (valid, report, _) = verify_export(&app, "rewritten", &bundle).await;
        assert!(!valid, "{report}");
        assert!(report["reasons"].to_string().contains("has no valid signed checkpoint"), "{report}");
    }
}

backend_test! {
    async fn a_request_row_changed_in_the_database_is_found_by_its_checkpoint(app) {
        let w = world(&app).await;
        let (id, _) = answered_order(&app, &w).await;
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "intact", "{verdict}");
        app.database.connect().batch_execute(&format!("UPDATE requests SET outcome = 'refused' WHERE id = '{id}'")).unwrap();
        let verdict = ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/audit")).await, 200);
        assert_eq!(verdict["status"], "broken", "{verdict}");
        assert_eq!(verdict["first_broken_seq"], 5, "named at the last event, whose checkpoint covers the request: {verdict}");
        assert!(verdict["reason"].as_str().unwrap().contains("request"), "{verdict}");
    }
}
