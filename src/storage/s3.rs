//! The `s3` store: content in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, …)
//! through the `object_store` crate, as `<prefix>/sha256/<digest>`. A body is streamed to a
//! temporary key `<prefix>/tmp/<uuid>` while its SHA-256 is computed, as one PUT when it fits
//! in a part and as a multipart upload of `PART_BYTES` parts otherwise (at most two parts in
//! flight: never the whole body in memory); then copied to its digest's key, server-side, and
//! the temporary key deleted. A failed or abandoned multipart upload is aborted; parts of one
//! cut off by a crash are the bucket's lifecycle rule's to remove (see the README).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart};

use super::{BodyStream, Intake, Stored, chunk};
use crate::config::S3Settings;
use crate::error::ApiError;

/// Size of one part of a multipart upload (S3's least, but for the last part, is 5 MiB).
pub const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts uploaded at once by one upload.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Arc<AmazonS3>,
    bucket: String,
    prefix: String,
}

/// A multipart upload that is aborted when dropped unfinished (its client went away, or the
/// upload failed), on the runtime it ran on.
struct Multipart(Option<WriteMultipart>);

impl Drop for Multipart {
    fn drop(&mut self) {
        let (Some(upload), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) else { return };
        runtime.spawn(async move {
            if let Err(e) = upload.abort().await {
                tracing::warn!(error = %e, "could not abort an abandoned multipart upload");
            }
        });
    }
}

impl S3Store {
    /// A client for the bucket; the standard `AWS_*` variables (credentials, region, endpoint)
    /// apply where `ROGATORY_S3_*` settings do not say otherwise.
    pub fn new(settings: &S3Settings) -> Result<S3Store, String> {
        // reqwest's rustls comes without a crypto provider here: ring, which the rest of the
        // binary already uses (object_store's default would add aws-lc-rs and a C build).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&settings.bucket).with_retry(RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
            ..RetryConfig::default()
        });
        builder = builder.with_client_options(
            ClientOptions::new().with_connect_timeout(Duration::from_secs(5)).with_timeout(Duration::from_secs(300)),
        );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let Some(key) = &settings.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(S3Store { client: Arc::new(client), bucket: settings.bucket.clone(), prefix: settings.prefix.clone() })
    }

    pub fn name(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn key(&self, rest: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rest)
        } else {
            ObjectPath::from(format!("{}/{rest}", self.prefix))
        }
    }

    /// Where the content with this digest lives.
    pub fn key_of(&self, sha256: &str) -> ObjectPath {
        self.key(&format!("sha256/{sha256}"))
    }

    fn unavailable(&self, e: object_store::Error) -> ApiError {
        super::unavailable(&self.name(), e)
    }

    pub(super) async fn put<S, E>(&self, mut body: S, limit: u64) -> Result<Stored, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self.key(&format!("tmp/{}", uuid::Uuid::now_v7()));
        let mut intake = Intake::new(limit);
        let mut first: Vec<Bytes> = Vec::new();
        let mut upload = Multipart(None);
        while let Some(item) = body.next().await {
            let bytes = chunk(item)?;
            intake.take(&bytes)?;
            match upload.0.as_mut() {
                Some(writer) => {
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| self.unavailable(e))?;
                    writer.put(bytes);
                }
                None => {
                    first.push(bytes);
                    if intake.size() >= PART_BYTES as u64 {
                        let parts = self.client.put_multipart(&tmp).await.map_err(|e| self.unavailable(e))?;
                        let mut writer = WriteMultipart::new_with_chunk_size(parts, PART_BYTES);
                        for bytes in first.drain(..) {
                            writer.put(bytes);
                        }
                        upload.0 = Some(writer);
                    }
                }
            }
        }
        let (sha256, size) = intake.finish()?;
        match upload.0.take() {
            Some(writer) => writer.finish().await.map(|_| ()),
            None => self.client.put(&tmp, PutPayload::from_iter(first)).await.map(|_| ()),
        }
        .map_err(|e| self.unavailable(e))?;
        let target = self.key_of(&sha256);
        let placed = async {
            match self.client.head(&target).await {
                Ok(_) => Ok(false),
                Err(object_store::Error::NotFound { .. }) => self.client.copy(&tmp, &target).await.map(|_| true),
                Err(e) => Err(e),
            }
        }
        .await;
        if let Err(e) = self.client.delete(&tmp).await {
            tracing::warn!(key = %tmp, error = %e, "could not delete a temporary upload");
        }
        let created = placed.map_err(|e| self.unavailable(e))?;
        Ok(Stored { sha256, size, created })
    }

    pub(super) async fn open(&self, sha256: &str) -> Result<BodyStream, ApiError> {
        match self.client.get(&self.key_of(sha256)).await {
            Ok(found) => Ok(found.into_stream().map_err(std::io::Error::other).boxed()),
            Err(object_store::Error::NotFound { .. }) => Err(super::missing(sha256, &self.name())),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    pub(super) async fn exists(&self, sha256: &str) -> Result<bool, ApiError> {
        match self.client.head(&self.key_of(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    pub(super) async fn delete(&self, sha256: &str) -> Result<(), ApiError> {
        match self.client.delete(&self.key_of(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    pub(super) async fn list(&self) -> Result<Vec<String>, ApiError> {
        let under = self.key("sha256");
        let found: Vec<object_store::ObjectMeta> = object_store::ObjectStore::list(&*self.client, Some(&under))
            .try_collect()
            .await
            .map_err(|e| self.unavailable(e))?;
        Ok(found
            .into_iter()
            .filter_map(|meta| meta.location.filename().map(str::to_owned))
            .filter(|name| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect())
    }
}
