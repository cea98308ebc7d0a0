//! Looking into an attachment store behind the application's back: what it holds (complete
//! or not), and tampering with stored content, for each store.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use rogatory::config::AttachmentStoreSetting;
use rogatory::storage::{AttachmentStore, DirStore};

use super::TestApp;
use super::s3::bucket_client;

fn walk(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries
        .flatten()
        .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path().display().to_string()] })
        .collect()
}

fn s3_prefix(app: &TestApp) -> String {
    match &app.state.settings.attachment_store {
        AttachmentStoreSetting::S3(s3) => s3.prefix.clone(),
        other => panic!("not an s3 store: {other:?}"),
    }
}

/// Everything the store holds, complete or being written: files under `attachments/` (dir),
/// `attachment_blobs` rows (postgres), objects under the prefix, temporary ones included (s3).
pub async fn contents(app: &TestApp) -> Vec<String> {
    match &app.state.attachments {
        AttachmentStore::Dir(_) => walk(&app.database.data_dir().join("attachments")),
        AttachmentStore::Postgres(_) => {
            use rogatory::db::schema::attachment_blobs as blobs;
            let mut conn = app.database.connect();
            let rows: Vec<Option<String>> = blobs::table.select(blobs::sha256).load(&mut conn).unwrap();
            rows.into_iter().map(|d| d.unwrap_or_else(|| "incomplete upload".into())).collect()
        }
        AttachmentStore::S3(_) => {
            use futures_util::TryStreamExt;
            let prefix = object_store::path::Path::from(s3_prefix(app));
            let found: Vec<object_store::ObjectMeta> =
                bucket_client().list(Some(&prefix)).try_collect().await.expect("list the test bucket");
            found.into_iter().map(|m| m.location.to_string()).collect()
        }
    }
}

/// Changes the first byte of the stored content with this digest, as a disk, a database or
/// an object store that went wrong (or someone with access) would.
pub async fn tamper(app: &TestApp, sha256: &str) {
    match &app.state.attachments {
        AttachmentStore::Dir(_) => {
            let path = DirStore::new(&app.database.data_dir()).path_of(sha256);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[0] ^= 0x01;
            std::fs::write(&path, bytes).unwrap();
        }
        AttachmentStore::Postgres(_) => {
            let mut conn = app.database.connect();
            conn.batch_execute(&format!(
                "UPDATE attachment_chunks SET bytes = set_byte(bytes, 0, get_byte(bytes, 0) # 1) \
                 WHERE seq = 0 AND blob_id = (SELECT id FROM attachment_blobs WHERE sha256 = '{sha256}')"
            ))
            .unwrap();
        }
        AttachmentStore::S3(_) => {
            let client = bucket_client();
            let key = object_store::path::Path::from(format!("{}/sha256/{sha256}", s3_prefix(app)));
            let mut bytes = client.get(&key).await.unwrap().bytes().await.unwrap().to_vec();
            bytes[0] ^= 0x01;
            client.put(&key, PutPayload::from(bytes)).await.unwrap();
        }
    }
}
