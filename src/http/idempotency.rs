//! `Idempotency-Key` on POSTs that create or change: a retry with the same key returns the
//! first answer (status, body and headers) with `Idempotent-Replayed: true`; the same key with
//! another request is a 422; concurrent duplicates produce one effect. Keys are scoped to the
//! API client and kept 24 hours.
//!
//! How: the change and the key's row (with the answer) are written in one transaction. A
//! concurrent duplicate either sees the stored row, or (PostgreSQL, racing) fails on the key's
//! primary key at commit time, rolls back all its work, and replays the stored answer.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::prepared::prepared;
use crate::db::schema::idempotency_keys;
use crate::db::types::{DbJson, DbTime, DbUuid};
use crate::db::{AnyConnection, Db};
use crate::error::{ApiError, ProblemType};

pub const HEADER: &str = "idempotency-key";
pub const MAX_LENGTH: usize = 255;
/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// The `Idempotency-Key` header, when present and well-formed (printable ASCII, 1 to 255).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IdempotencyKey, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match req.headers().get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(value) => match value.to_str() {
                Ok(text)
                    if !text.is_empty()
                        && text.len() <= MAX_LENGTH
                        && text.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
                {
                    Ok(IdempotencyKey(Some(text.to_owned())))
                }
                _ => Err(ApiError::new(
                    ProblemType::InvalidHeader,
                    format!("Idempotency-Key must be 1 to {MAX_LENGTH} printable ASCII characters without spaces"),
                )),
            },
        })
    }
}

/// An answer that can be stored and replayed.
#[derive(Debug, Clone)]
pub struct Replayable {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub headers: Vec<(HeaderName, String)>,
}

impl Replayable {
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        Replayable { status, body: serde_json::to_value(body).unwrap_or_default(), headers: Vec::new() }
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.insert_header((name, value));
            }
        }
        if replayed {
            response.insert_header(("idempotent-replayed", "true"));
        }
        response.json(self.body)
    }
}

/// What identifies "the same request": method, path and the parsed body.
pub fn fingerprint<T: Serialize>(req: &HttpRequest, body: &T) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(body).unwrap_or_default());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
struct StoredRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    client_id: Uuid,
    idem_key: String,
    fingerprint: String,
    response_status: i32,
    response_body: String,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    response_headers: serde_json::Value,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    created_at: DateTime<Utc>,
}

impl StoredRow {
    fn replay(self, fingerprint: &str) -> Result<HttpResponse, ApiError> {
        if self.fingerprint != fingerprint {
            return Err(ApiError::new(
                ProblemType::IdempotencyKeyReused,
                "this Idempotency-Key was already used with another method, path or body; use a new key",
            ));
        }
        let headers: Vec<(String, String)> = serde_json::from_value(self.response_headers).unwrap_or_default();
        let replay = Replayable {
            status: StatusCode::from_u16(u16::try_from(self.response_status).unwrap_or(200)).unwrap_or(StatusCode::OK),
            body: serde_json::from_str(&self.response_body).unwrap_or_default(),
            headers: headers.into_iter().filter_map(|(n, v)| HeaderName::try_from(n).ok().map(|n| (n, v))).collect(),
        };
        Ok(replay.into_response(true))
    }
}

fn find(conn: &mut AnyConnection, client: Uuid, key: &str, now: DateTime<Utc>) -> Result<Option<StoredRow>, ApiError> {
    let row: Option<StoredRow> = idempotency_keys::table
        .filter(idempotency_keys::client_id.eq(DbUuid(client)))
        .filter(idempotency_keys::idem_key.eq(key))
        .select(StoredRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.filter(|r| r.created_at > now - TimeDelta::hours(RETENTION_HOURS)))
}

enum Failure {
    Api(ApiError),
    /// Another transaction stored this key first.
    Raced,
}

impl From<DieselError> for Failure {
    fn from(e: DieselError) -> Self {
        Failure::Api(e.into())
    }
}

impl From<crate::db::DbError> for Failure {
    fn from(e: crate::db::DbError) -> Self {
        Failure::Api(e.into())
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

enum Done {
    Fresh(Replayable),
    Stored(StoredRow),
}

/// Runs `work` as one write transaction, honouring the caller's Idempotency-Key.
pub async fn run<F>(
    db: &Db,
    client: Uuid,
    key: IdempotencyKey,
    fingerprint: String,
    now: DateTime<Utc>,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<Replayable, ApiError> + Send + 'static,
{
    let Some(key) = key.0 else {
        return db.write(work).await.map(|r| r.into_response(false));
    };
    let print = fingerprint.clone();
    let lookup = key.clone();
    let outcome = db
        .write(move |conn| -> Result<Done, Failure> {
            if let Some(stored) = find(conn, client, &lookup, now)? {
                return Ok(Done::Stored(stored));
            }
            let answer = work(conn)?;
            // Forget this client's expired keys, including an expired row with this key.
            prepared(diesel::delete(
                idempotency_keys::table
                    .filter(idempotency_keys::client_id.eq(DbUuid(client)))
                    .filter(idempotency_keys::created_at.le(DbTime(now - TimeDelta::hours(RETENTION_HOURS)))),
            ))
            .execute(conn)?;
            let headers: Vec<(String, String)> =
                answer.headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
            let row = StoredRow {
                client_id: client,
                idem_key: lookup,
                fingerprint: print,
                response_status: i32::from(answer.status.as_u16()),
                response_body: answer.body.to_string(),
                response_headers: serde_json::to_value(headers).unwrap_or_default(),
                created_at: now,
            };
            match prepared(diesel::insert_into(idempotency_keys::table).values(row)).execute(conn) {
                Ok(_) => Ok(Done::Fresh(answer)),
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(Failure::Raced),
                Err(e) => Err(e.into()),
            }
        })
        .await;
    match outcome {
        Ok(Done::Fresh(answer)) => Ok(answer.into_response(false)),
        Ok(Done::Stored(stored)) => stored.replay(&fingerprint),
        Err(Failure::Api(error)) => Err(error),
        Err(Failure::Raced) => {
            let stored = db
                .run(move |conn| find(conn, client, &key, now))
                .await?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("idempotency row vanished after a conflict")))?;
            stored.replay(&fingerprint)
        }
    }
}
