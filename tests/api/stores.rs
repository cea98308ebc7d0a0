//! Issue 17 item 1: the same attachment-store suite on every store (`dir` on SQLite, `postgres`
//! on PostgreSQL, `s3` on moto), and `rogatory attachments migrate` between them. The HTTP
//! attachment tests (evidence.rs, integrators.rs) run on every store as well (`store_test!`).

use std::process::Command;

use actix_web::web::Bytes;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::store_test;
use crate::support::world::*;
use crate::support::{TestApp, TestDatabase, TestStore, s3, stores};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A body as a network would bring it: pieces of `piece` bytes.
fn pieces(content: &[u8], piece: usize) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        content.chunks(piece).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    stream::iter(chunks)
}

/// The whole content, read back through the digest check.
async fn read_back(app: &TestApp, sha256: &str) -> Vec<u8> {
    let mut body = app.state.attachments.open_verified(sha256).await.expect("open stored content");
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("a sound body reads whole"));
    }
    out
}

store_test! {
    async fn content_goes_in_and_out_by_its_digest_once(app) {
        let store = &app.state.attachments;
        let content = b"subscriber records of account 4711".repeat(100);
        let stored = store.put(pieces(&content, 1000), None, 1 << 20).await.unwrap();
        assert_eq!((stored.sha256.as_str(), stored.size, stored.created), (hex(&content).as_str(), content.len() as u64, true));
        assert!(store.exists(&stored.sha256).await.unwrap());
        assert_eq!(read_back(&app, &stored.sha256).await, content);
        // The same content again: stored once, and this upload did not create it.
        let again = store.put(pieces(&content, 333), None, 1 << 20).await.unwrap();
        assert_eq!((again.sha256.as_str(), again.created), (stored.sha256.as_str(), false));
        // Two uploads of new content at once both succeed, and leave one copy.
        let other = b"traffic data".repeat(5000);
        let (a, b) = futures_util::join!(
            store.put(pieces(&other, 4096), None, 1 << 20),
            store.put(pieces(&other, 1500), None, 1 << 20)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(read_back(&app, &a.sha256).await, other);
        let mut expected = vec![stored.sha256.clone(), a.sha256.clone()];
        expected.sort();
        assert_eq!(store.list().await.unwrap(), expected);
        assert_eq!(stores::contents(&app).await.len(), 2, "one copy each, nothing temporary: {:?}", stores::contents(&app).await);
        // Gone when deleted; deleting again is no error.
        store.delete(&stored.sha256).await.unwrap();
        assert!(!store.exists(&stored.sha256).await.unwrap());
        store.delete(&stored.sha256).await.unwrap();
        assert_eq!(store.list().await.unwrap(), vec![a.sha256.clone()]);
        // Limits: past the limit (413) and empty (422), nothing left behind.
        let refused = store.put(pieces(&content, 1000), None, 100).await.unwrap_err();
        assert_eq!(refused.kind(), rogatory::error::ProblemType::PayloadTooLarge);
        let refused = store.put(pieces(b"", 1), None, 100).await.unwrap_err();
        assert_eq!(refused.kind(), rogatory::error::ProblemType::ValidationFailed);
        assert_eq!(stores::contents(&app).await.len(), 1, "{:?}", stores::contents(&app).await);
    }
}

store_test! {
    /// 20 MB in 64 KiB pieces: streamed in (chunk rows, multipart parts, a file) and out.
    async fn a_large_body_streams_in_and_out(app) {
        let content: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let stored = app.state.attachments.put(pieces(&content, 64 * 1024), None, 100 << 20).await.unwrap();
        assert_eq!(stored.sha256, hex(&content));
        assert_eq!(stored.size, content.len() as u64);
        let mut body = app.state.attachments.open_verified(&stored.sha256).await.unwrap();
        let (mut hasher, mut size, mut largest) = (Sha256::new(), 0usize, 0usize);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.unwrap();
            largest = largest.max(chunk.len());
            size += chunk.len();
            hasher.update(&chunk);
        }
        assert_eq!(size, content.len());
        assert_eq!(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>(), stored.sha256);
        assert!(largest <= 8 * 1024 * 1024, "read back in pieces, not whole: {largest} bytes at once");
    }
}

store_test! {
    /// Issue 16: the `dir` store receives on the request's task and hashes and writes each
    /// batch of pieces in a blocking job. A body in pieces of one byte (more pieces than one write takes), a
    /// body that breaks off, and an upload abandoned mid-stream (its client gone: the future
    /// dropped) each end as they must, and leave nothing behind.
    async fn bodies_in_tiny_pieces_broken_off_or_abandoned(app) {
        let store = &app.state.attachments;
        let content: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let stored = store.put(pieces(&content, 1), None, 1 << 20).await.unwrap();
        assert_eq!((stored.sha256.as_str(), stored.size), (hex(&content).as_str(), 5000));
        assert_eq!(read_back(&app, &stored.sha256).await, content);
        store.delete(&stored.sha256).await.unwrap();

        // 2 MiB arrive, then the connection fails: 422 `invalid_body`, nothing stored.
        let big: Vec<u8> = (0..(4u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let broken = pieces(&big[..2 << 20], 64 * 1024)
            .chain(stream::iter([Err(std::io::Error::other("connection reset by peer"))]));
        let refused = store.put(broken, None, 100 << 20).await.unwrap_err();
        assert_eq!(refused.kind(), rogatory::error::ProblemType::InvalidBody);

        // 2 MiB arrive, then nothing more until the client's request is dropped.
        let stalled = pieces(&big[..2 << 20], 64 * 1024).chain(stream::pending());
        let abandoned = tokio::time::timeout(std::time::Duration::from_millis(300), store.put(stalled, None, 100 << 20));
        assert!(abandoned.await.is_err(), "the upload waits for the rest of its body");
        if matches!(store, rogatory::storage::AttachmentStore::Dir(_)) {
            // No thread waits for the rest: a batch in flight finishes on its blocking job, and
            // the temporary file is gone at once.
            assert_eq!(stores::contents(&app).await, Vec::<String>::new());
        }

        // The store still takes a whole body after all that.
        let stored = store.put(pieces(&big, 64 * 1024), None, 100 << 20).await.unwrap();
        assert_eq!(stored.sha256, hex(&big));
        assert_eq!(read_back(&app, &stored.sha256).await, big);
    }
}

/// `rogatory attachments …` against this app's database, with these settings.
fn rogatory(app: &TestApp, args: &[&str], env: &[(String, String)]) -> (bool, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(args)
        .current_dir(app.database.path())
        .env("DATABASE_URL", &app.database.url)
        .env("ROGATORY_DATA_DIR", app.database.data_dir())
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run the rogatory binary");
    // The log shares standard output with the report: the report is the lines from `{` on.
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = stdout.lines().skip_while(|l| *l != "{").collect::<Vec<_>>().join("\n");
    let report = serde_json::from_str(&report).unwrap_or(Value::String(stdout));
    (output.status.success(), report, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn counts(report: &Value) -> (u64, u64, u64, usize) {
    let count = |key: &str| report[key].as_u64().unwrap_or_else(|| panic!("no {key} in the report: {report}"));
    let failed = report["failed"].as_array().map_or(usize::MAX, Vec::len);
    (count("referenced"), count("copied"), count("already_present"), failed)
}

/// dir -> postgres -> s3 with the command, on PostgreSQL: every referenced content copied and
/// verified, a second run copies nothing, a corrupted copy fails the run (exit non-zero).
#[actix_web::test]
async fn attachments_migrate_between_stores_and_verifies_every_digest() {
    let Some(database) = TestDatabase::create(crate::support::TestBackend::Postgres) else { return };
    let app = TestApp::on(database, &[("ROGATORY_ATTACHMENT_STORE", "dir")]).await;
    let w = world(&app).await;
    let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    let big: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    let mut digests = vec![];
    for body in [big.clone(), b"small".to_vec(), big.clone()] {
        let r = app
            .send(
                actix_web::test::TestRequest::post()
                    .uri(&format!("/v1/requests/{id}/attachments"))
                    .insert_header(("authorization", format!("Bearer {}", w.de_24_7.token)))
                    .set_payload(body),
            )
            .await;
        digests.push(ok(&r, 201)["sha256"].as_str().unwrap().to_owned());
    }
    let dir = vec![("ROGATORY_ATTACHMENT_STORE".to_owned(), "dir".to_owned())];

    // dir -> postgres, twice.
    let (ok1, report, stderr) = rogatory(&app, &["attachments", "migrate", "--to", "postgres"], &dir);
    assert!(ok1, "{stderr}\n{report}");
    assert_eq!(counts(&report), (2, 2, 0, 0), "{report}");
    let (ok2, report, stderr) = rogatory(&app, &["attachments", "migrate", "--to", "postgres"], &dir);
    assert!(ok2, "{stderr}");
    assert_eq!(counts(&report), (2, 0, 2, 0), "idempotent: {report}");

    // postgres -> s3.
    let mut to_s3 = s3::store_settings();
    let target = to_s3.remove(0).1;
    to_s3.push(("ROGATORY_ATTACHMENT_STORE".into(), "postgres".into()));
    let (ok3, report, stderr) = rogatory(&app, &["attachments", "migrate", "--to", &target], &to_s3);
    assert!(ok3, "{stderr}\n{report}");
    assert_eq!(counts(&report), (2, 2, 0, 0), "{report}");
    assert_eq!(report["to"], target.as_str());
    let env: std::collections::HashMap<String, String> = to_s3.iter().cloned().collect();
    let settings = rogatory::Settings::from_lookup(|k| match k {
        "ROGATORY_ATTACHMENT_STORE" => Some(target.clone()),
        _ => env.get(k).cloned(),
    })
    .unwrap();
    let rogatory::config::AttachmentStoreSetting::S3(s3_settings) = &settings.attachment_store else { panic!() };
    let in_s3 = rogatory::storage::AttachmentStore::S3(rogatory::storage::S3Store::new(s3_settings).unwrap());
    let mut expected = vec![digests[0].clone(), digests[1].clone()];
    expected.sort();
    assert_eq!(in_s3.list().await.unwrap(), expected);

    // A copy corrupted in the target: the next run says which, and fails.
    let key = object_store::path::Path::from(format!("{}/sha256/{}", s3_settings.prefix, digests[1]));
    {
        use object_store::ObjectStoreExt;
        s3::bucket_client().put(&key, object_store::PutPayload::from_static(b"smalL")).await.unwrap();
    }
    let (ok4, report, stderr) = rogatory(&app, &["attachments", "migrate", "--to", &target], &to_s3);
    assert!(!ok4, "a digest mismatch fails the run: {report}");
    assert!(report.is_object(), "the report is printed all the same: {stderr} {report}");
    assert_eq!(counts(&report), (2, 0, 1, 1), "{report}");
    assert_eq!(report["failed"][0]["sha256"], digests[1].as_str(), "{report}");
    assert!(stderr.contains("1 of 2"), "{stderr}");

    // A target that is the configured store, and a bad one, are refused with a reason.
    let (same, _, stderr) = rogatory(&app, &["attachments", "migrate", "--to", "dir"], &dir);
    assert!(!same && stderr.contains("configured store"), "{stderr}");
    let (bad, _, stderr) = rogatory(&app, &["attachments", "migrate", "--to", "ftp://x"], &dir);
    assert!(!bad && stderr.contains("ROGATORY_ATTACHMENT_STORE") && stderr.contains("s3://bucket/prefix"), "{stderr}");
}

/// Corrupt source content is never copied: the run fails for it and the target stays without it.
#[actix_web::test]
async fn migrate_refuses_to_copy_corrupt_content() {
    let Some(app) = TestApp::with_store(TestStore::Postgres).await else { return };
    let stored = app.state.attachments.put(pieces(b"evidence", 3), None, 1000).await.unwrap();
    stores::tamper(&app, &stored.sha256).await;
    let target = rogatory::storage::AttachmentStore::Dir(rogatory::storage::DirStore::new(app.database.path()));
    let report =
        rogatory::storage::migrate::copy_all(&app.state.attachments, &target, std::slice::from_ref(&stored.sha256))
            .await;
    assert_eq!((report.copied, report.already_present, report.failed.len()), (0, 0, 1), "{report:?}");
    assert!(!target.exists(&stored.sha256).await.unwrap());
    assert!(target.list().await.unwrap().is_empty());
}

/// `postgres` needs PostgreSQL: on SQLite start-up stops with a message that says so.
#[test]
fn the_postgres_store_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("ROGATORY_DATA_DIR", dir.path())
        .env("ROGATORY_ATTACHMENT_STORE", "postgres")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("ROGATORY_ATTACHMENT_STORE") && stderr.contains("SQLite"), "{stderr}");
}

/// The settings a `serve` process needs to use the same attachment store as `app`.
fn store_env(app: &TestApp) -> Vec<(String, String)> {
    use rogatory::config::AttachmentStoreSetting;
    let store = &app.state.settings.attachment_store;
    let mut env = vec![("ROGATORY_ATTACHMENT_STORE".to_owned(), store.name())];
    if let AttachmentStoreSetting::S3(s3) = store {
        env.push(("ROGATORY_S3_ENDPOINT".into(), s3.endpoint.clone().unwrap_or_default()));
        env.push(("ROGATORY_S3_REGION".into(), s3.region.clone().unwrap_or_default()));
        env.push(("ROGATORY_S3_ACCESS_KEY_ID".into(), s3.access_key_id.clone().unwrap_or_default()));
        let secret = s3.secret_access_key.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
        env.push(("ROGATORY_S3_SECRET_ACCESS_KEY".into(), secret));
    }
    env
}

/// What the shared stores are for: two `serve` instances on one database, each with its own
/// data directory (the key file shared), and an attachment uploaded through one downloads
/// whole through the other; neither data directory holds it.
async fn one_instance_uploads_another_serves(store: TestStore) {
    use crate::support::process::{Http, free_port, spawn};
    let Some(app) = TestApp::with_store(store).await else { return };
    let w = world(&app).await;
    let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    let other_dir = tempfile::tempdir().unwrap();
    let key = app.database.data_dir().join("jwt-signing-key.pem");
    let mut env = store_env(&app);
    env.push(("ROGATORY_BACKGROUND".into(), "off".into()));
    let shared: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut second = shared.clone();
    let (other, key) = (other_dir.path().display().to_string(), key.display().to_string());
    second.push(("ROGATORY_DATA_DIR", other.as_str()));
    // SQLite keeps its signing key in the data directory; on PostgreSQL it is in the database.
    if app.database.backend == crate::support::TestBackend::Sqlite {
        second.push(("ROGATORY_JWT_SIGNING_KEY_FILE", key.as_str()));
    }
    let (a, b) = (free_port(), free_port());
    let _first = spawn(&app, "serve", Some(a), &shared);
    let _second = spawn(&app, "serve", Some(b), &second);

    let content: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 239) as u8).collect();
    let path = format!("/v1/requests/{id}/attachments");
    let uploaded = Http::new(a).upload(&path, &w.de_24_7.token, content.clone(), &[]).await;
    assert_eq!(uploaded.status, 201, "{:?}", uploaded.body);
    let client = awc::Client::builder().timeout(std::time::Duration::from_secs(30)).finish();
    let mut response = client
        .get(format!("http://127.0.0.1:{b}/v1/attachments/{}", uploaded.body["id"].as_str().unwrap()))
        .insert_header(("authorization", format!("Bearer {}", w.fr_24_7.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    assert_eq!(body.len(), content.len());
    assert_eq!(hex(&body), uploaded.body["sha256"].as_str().unwrap());
    for dir in [app.database.data_dir(), other_dir.path().to_path_buf()] {
        assert!(!dir.join("attachments").exists(), "the content is in the shared store, not under {}", dir.display());
    }
}

mod one_instance_uploads_another_serves {
    use crate::support::TestStore;

    #[actix_web::test]
    async fn postgres() {
        super::one_instance_uploads_another_serves(TestStore::Postgres).await;
    }

    #[actix_web::test]
    async fn s3() {
        super::one_instance_uploads_another_serves(TestStore::S3).await;
    }
}

/// An S3 store that cannot be reached: an upload answers a retryable 503 problem and records
/// nothing; reading from it is the same 503.
#[actix_web::test]
async fn an_unreachable_store_answers_503() {
    let Some(database) = TestDatabase::create(crate::support::TestBackend::Sqlite) else { return };
    let nobody = format!("http://127.0.0.1:{}", crate::support::process::free_port());
    let app = TestApp::on(
        database,
        &[
            ("ROGATORY_ATTACHMENT_STORE", "s3://nowhere/x"),
            ("ROGATORY_S3_ENDPOINT", &nobody),
            ("ROGATORY_S3_REGION", "us-east-1"),
            ("ROGATORY_S3_ACCESS_KEY_ID", "testing"),
            ("ROGATORY_S3_SECRET_ACCESS_KEY", "testing"),
        ],
    )
    .await;
    let w = world(&app).await;
    let id = ok(&post(&app, &w.fr_24_7, "/v1/requests", preservation_request()).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    let r = app
        .send(
            actix_web::test::TestRequest::post()
                .uri(&format!("/v1/requests/{id}/attachments"))
                .insert_header(("authorization", format!("Bearer {}", w.de_24_7.token)))
                .set_payload(b"records".to_vec()),
        )
        .await;
    r.assert_problem(503, "service_unavailable");
    assert!(r.header("retry-after").is_some());
    let list = ok(&get(&app, &w.de_24_7, &format!("/v1/requests/{id}/attachments")).await, 200);
    assert_eq!(list["items"], json!([]));
    let read = app.state.attachments.open_verified(&hex(b"records")).await.err().expect("nothing to read");
    assert_eq!(read.kind(), rogatory::error::ProblemType::ServiceUnavailable);
}

/// Issue 16 made the `postgres` store's rows 512 KiB, from 1 MiB: content an earlier release
/// stored in 1 MiB rows still reads whole, since a download goes by row number.
#[actix_web::test]
async fn content_an_earlier_release_stored_in_larger_rows_reads_whole() {
    use diesel::prelude::*;
    use rogatory::db::schema::{attachment_blobs as blobs, attachment_chunks as chunks};
    use rogatory::db::types::{DbTime, DbUuid};
    let Some(app) = TestApp::with_store(TestStore::Postgres).await else { return };
    let content: Vec<u8> =
        (0..(2 * 1024 * 1024 + 4321) as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let (digest, blob) = (hex(&content), uuid::Uuid::now_v7());
    let mut conn = app.database.connect();
    diesel::insert_into(blobs::table)
        .values((
            blobs::id.eq(DbUuid(blob)),
            blobs::sha256.eq(Some(digest.as_str())),
            blobs::size_bytes.eq(content.len() as i64),
            blobs::created_at.eq(DbTime(chrono::Utc::now())),
        ))
        .execute(&mut conn)
        .unwrap();
    for (seq, row) in content.chunks(1024 * 1024).enumerate() {
        diesel::insert_into(chunks::table)
            .values((chunks::blob_id.eq(DbUuid(blob)), chunks::seq.eq(seq as i32), chunks::bytes.eq(row.to_vec())))
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(read_back(&app, &digest).await, content);
    // And new content goes into rows of the new size.
    let stored = app.state.attachments.put(pieces(&content, 64 * 1024), None, 100 << 20).await.unwrap();
    assert!(!stored.created, "the same content is stored once");
    let other: Vec<u8> = content.iter().map(|b| b ^ 0x5a).collect();
    let stored = app.state.attachments.put(pieces(&other, 64 * 1024), None, 100 << 20).await.unwrap();
    let new_blob: DbUuid =
        blobs::table.filter(blobs::sha256.eq(Some(stored.sha256.as_str()))).select(blobs::id).first(&mut conn).unwrap();
    let sizes: Vec<i32> = chunks::table
        .filter(chunks::blob_id.eq(new_blob))
        .order(chunks::seq)
        .select(diesel::dsl::sql::<diesel::sql_types::Integer>("length(bytes)"))
        .load(&mut conn)
        .unwrap();
    assert_eq!(sizes, [512 * 1024, 512 * 1024, 512 * 1024, 512 * 1024, 4321]);
    assert_eq!(read_back(&app, &stored.sha256).await, other);
}
