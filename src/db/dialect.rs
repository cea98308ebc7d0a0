//! The few statements that differ between the backends: claiming jobs with a lease
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same job) and
//! inserting a row unless its unique key exists (`ON CONFLICT DO NOTHING` / `INSERT OR IGNORE`).

use chrono::{DateTime, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use uuid::Uuid;

use super::prepared::prepared;
use super::together::Written;
use super::types::{DbTime, DbUuid, PTimestamptz, PUuid};
use super::{AnyConnection, Backend};

/// A job taken by a worker.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct ClaimedJob {
    #[diesel(sql_type = PUuid)]
    pub id: DbUuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
}

/// Takes up to `limit` jobs that are due (or whose lease expired) for `worker` until `lease_until`.
pub fn claim_jobs(
    conn: &mut AnyConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ClaimedJob>, diesel::result::Error> {
    let (sql, payload) = match conn {
        AnyConnection::Postgresql(_) => (
            "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3) \
             ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED)",
            "payload::text",
        ),
        AnyConnection::Sqlite(_) => (
            "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3) \
             ORDER BY run_at LIMIT $4)",
            "payload",
        ),
    };
    prepared(
        diesel::sql_query(format!("{sql} RETURNING id, kind, {payload} AS payload, attempts, max_attempts"))
            .bind::<Text, _>(worker)
            .bind::<PTimestamptz, _>(DbTime(lease_until))
            .bind::<PTimestamptz, _>(DbTime(now))
            .bind::<BigInt, _>(limit),
    )
    .load(conn)
}

/// Records that a reminder was sent; `false` when it already was (by this or another instance).
pub fn insert_sent_reminder(
    conn: &mut AnyConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, diesel::result::Error> {
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            "INSERT INTO sent_reminders (dedupe_key, sent_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        }
        AnyConnection::Sqlite(_) => "INSERT OR IGNORE INTO sent_reminders (dedupe_key, sent_at) VALUES ($1, $2)",
    };
    let inserted =
        prepared(diesel::sql_query(sql).bind::<Text, _>(key).bind::<PTimestamptz, _>(DbTime(now))).execute(conn)?;
    Ok(inserted == 1)
}

/// Enqueues a job unless one with the same dedupe key exists (`ON CONFLICT DO NOTHING` /
/// `INSERT OR IGNORE`), as an insert to run or to send with others (`db::together`).
#[allow(clippy::too_many_arguments)]
pub fn job_insert(
    backend: Backend,
    id: Uuid,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    dedupe_key: Option<&str>,
    now: DateTime<Utc>,
) -> Written {
    let (verb, conflict, json) = match backend {
        Backend::Postgres => ("INSERT", " ON CONFLICT DO NOTHING", ("CAST(", " AS jsonb)")),
        Backend::Sqlite => ("INSERT OR IGNORE", "", ("", "")),
    };
    Written::default()
        .sql(format!(
            "{verb} INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, dedupe_key, created_at, \
             updated_at) VALUES ("
        ))
        .bind::<PUuid, _>(DbUuid(id))
        .sql(", ")
        .bind::<Text, _>(kind.to_owned())
        .sql(format!(", {}", json.0))
        .bind::<Text, _>(payload.to_string())
        .sql(format!("{}, 'queued', 0, ", json.1))
        .bind::<Integer, _>(max_attempts)
        .sql(", ")
        .bind::<PTimestamptz, _>(DbTime(run_at))
        .sql(", ")
        .bind::<Nullable<Text>, _>(dedupe_key.map(str::to_owned))
        .sql(", ")
        .bind::<PTimestamptz, _>(DbTime(now))
        .sql(", ")
        .bind::<PTimestamptz, _>(DbTime(now))
        .sql(format!("){conflict}"))
}

/// Makes the caller's transaction read one snapshot (call it first in the transaction): on
/// PostgreSQL `REPEATABLE READ`, as each statement of `READ COMMITTED` sees a new one; a SQLite
/// transaction reads one snapshot from its first read on (WAL).
pub fn repeatable_read(conn: &mut AnyConnection) -> Result<(), diesel::result::Error> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(conn)?;
    }
    Ok(())
}

/// Locks a request's row until the end of the caller's transaction, so that changes to one
/// request (its status, its event chain) are made one after the other: PostgreSQL takes the
/// row lock (`FOR UPDATE`). SQLite has one writer per database and every write transaction
/// begins `IMMEDIATE` (`db::immediate_transaction`), so it is serialised already.
/// Returns `false` when there is no such request (PostgreSQL only; SQLite answers `true`).
pub fn lock_request(conn: &mut AnyConnection, id: Uuid) -> Result<bool, diesel::result::Error> {
    match conn {
        AnyConnection::Postgresql(_) => {
            let locked = diesel::sql_query("SELECT id FROM requests WHERE id = $1 FOR UPDATE")
                .bind::<PUuid, _>(DbUuid(id))
                .execute(conn)?;
            Ok(locked == 1)
        }
        AnyConnection::Sqlite(_) => Ok(true),
    }
}

/// Serialises, until the end of the caller's transaction, everything that decides whether the
/// stored content with this digest stays: an attachment record that will refer to it and the
/// cleanup of a refused upload that would take it back. PostgreSQL takes a transaction-level
/// advisory lock keyed on the digest; SQLite's write transactions are serialised already (see
/// `lock_request`).
pub fn lock_content(conn: &mut AnyConnection, sha256: &str) -> Result<(), diesel::result::Error> {
    advisory_xact_lock(conn, "rogatory.attachment-content:", sha256)
}

/// Serialises, until the end of the caller's transaction, the subscriptions of one party
/// being counted and added, so that two concurrent subscriptions cannot both pass the cap
/// (`notify::webhooks::service::MAX_PER_PARTY`). An advisory lock, not a row lock on the
/// party: `FOR UPDATE` on it would also hold up every insert that refers to the party (its
/// foreign keys take `FOR KEY SHARE`). SQLite: serialised already (see `lock_request`).
pub fn lock_webhooks_of(conn: &mut AnyConnection, party: Uuid) -> Result<(), diesel::result::Error> {
    advisory_xact_lock(conn, "rogatory.webhooks-of:", &party.to_string())
}

/// A PostgreSQL transaction-level advisory lock on `scope` + `key` (nothing on SQLite).
fn advisory_xact_lock(conn: &mut AnyConnection, scope: &'static str, key: &str) -> Result<(), diesel::result::Error> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || $2, 0))")
            .bind::<Text, _>(scope)
            .bind::<Text, _>(key)
            .execute(conn)?;
    }
    Ok(())
}

/// Records that `instance` could write at `now` (the readiness probe's write).
pub fn beat(conn: &mut AnyConnection, instance: &str, now: DateTime<Utc>) -> Result<(), diesel::result::Error> {
    diesel::sql_query(
        "INSERT INTO instance_heartbeats (instance, seen_at) VALUES ($1, $2) \
         ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind::<Text, _>(instance)
    .bind::<PTimestamptz, _>(DbTime(now))
    .execute(conn)?;
    Ok(())
}

/// Locks these requests' rows for the rest of the transaction (PostgreSQL; SQLite has one
/// writer, whose lock the transaction's first write takes): a rebuild of their statistics then
/// sees every event appended before it and none during it.
pub fn lock_requests(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<(), diesel::result::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    if let AnyConnection::Postgresql(_) = conn {
        // Ids of stored rows, formatted (hyphenated hex): nothing to escape.
        let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
        diesel::sql_query(format!("SELECT id FROM requests WHERE id IN ({}) ORDER BY id FOR UPDATE", list.join(",")))
            .execute(conn)?;
    }
    Ok(())
}
