//! The per-request summary statistics read (`request_statistics`, issue 19): what the trail says
//! of each request (`rules::Derived`) and the request's attributes the figures count by. Written
//! in the transaction of every event statistics read (`record`, called by the request repository
//! as it appends the event), recomputed from the trail by `rebuild` and compared with it by
//! `check` (`rogatory statistics rebuild|check`). The figures therefore still come from the
//! audit trail: the summary is the trail folded, and a fold that drifted is found and redone.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::rules::{self, Derived, EventFact};
use crate::db::AnyConnection;
use crate::db::dialect;
use crate::db::schema::{request_events, request_statistics, request_statistics_state, requests};
use crate::db::together::Written;
use crate::db::types::{DbJson, DbText, DbTime, DbUuid, PJsonb, PTimestamptz, PUuid};
use crate::error::ApiError;
use crate::vocab::EventType;

/// Requests per transaction of a rebuild or a check.
const CHUNK: usize = 2000;

/// What the summary copies of a request as it stands (events are appended after the change
/// they record, so the row in hand is current), stored spellings.
pub struct Attributes {
    pub request: Uuid,
    pub legal_basis: String,
    pub kind: String,
    pub priority: String,
    pub issuer: Uuid,
    pub addressee: Uuid,
    pub enforcing: Option<Uuid>,
    /// The content's `data_categories` value as stored.
    pub categories: Option<Value>,
}

/// What an event just appended adds to its request's summary, as a statement to send with the
/// event's own (`db::together`): one for an event statistics read, none for any other.
///
/// The upsert never reads the row first: a new row takes the step's values, an existing one
/// keeps its first times, replaces its outcome when the step sets one, and adds the counts and
/// objections (`Derived::then` in SQL). The request's attributes are bound as they stand rather
/// than read from `requests`, so the statement can go with the one that inserts the request.
pub fn record(
    attributes: impl FnOnce() -> Attributes,
    event_type: EventType,
    occurred_at: DateTime<Utc>,
    data: &Value,
) -> Option<Written> {
    if !rules::reads(event_type) {
        return None;
    }
    let attributes = &attributes();
    let step = rules::step(&EventFact { event_type, occurred_at, data: data.clone() });
    let d = step.change;
    let a = attributes;
    let time = |t: Option<DateTime<Utc>>| t.map(DbTime);
    let objection_reasons: String = d.objection_reasons.iter().map(|r| format!("{r},")).collect();
    Some(
        Written::default()
            .sql(
                "INSERT INTO request_statistics (request_id, legal_basis, kind, priority, issuer_party, \
                 addressee_party, enforcing_party, data_categories, submitted_at, first_answer_at, data_at, \
                 completed_at, outcome, refusal_reason, withdrawn, forwards, clarifications, objection_reasons, \
                 no_grounds, deconfliction_hits) VALUES (",
            )
            .bind::<PUuid, _>(DbUuid(a.request))
            .sql(", ")
            .bind::<Text, _>(a.legal_basis.clone())
            .sql(", ")
            .bind::<Text, _>(a.kind.clone())
            .sql(", ")
            .bind::<Text, _>(a.priority.clone())
            .sql(", ")
            .bind::<PUuid, _>(DbUuid(a.issuer))
            .sql(", ")
            .bind::<PUuid, _>(DbUuid(a.addressee))
            .sql(", ")
            .bind::<Nullable<PUuid>, _>(a.enforcing.map(DbUuid))
            .sql(", ")
            .bind::<Nullable<PJsonb>, _>(a.categories.clone().map(DbJson))
            .sql(", ")
            .bind::<Nullable<PTimestamptz>, _>(time(d.submitted_at))
            .sql(", ")
            .bind::<Nullable<PTimestamptz>, _>(time(d.first_answer_at))
            .sql(", ")
            .bind::<Nullable<PTimestamptz>, _>(time(d.data_at))
            .sql(", ")
            .bind::<Nullable<PTimestamptz>, _>(time(d.completed_at))
            .sql(", ")
            .bind::<Nullable<Text>, _>(d.outcome.clone())
            .sql(", ")
            .bind::<Nullable<Text>, _>(d.refusal_reason.clone())
            .sql(", ")
            .bind::<Bool, _>(d.withdrawn)
            .sql(", ")
            .bind::<BigInt, _>(d.forwards as i64)
            .sql(", ")
            .bind::<BigInt, _>(d.clarifications as i64)
            .sql(", ")
            .bind::<Text, _>(objection_reasons)
            .sql(", ")
            .bind::<Bool, _>(d.no_grounds)
            .sql(", ")
            .bind::<BigInt, _>(d.deconfliction_hits as i64)
            .sql(
                ") ON CONFLICT (request_id) DO UPDATE SET legal_basis = excluded.legal_basis, kind = excluded.kind, \
                 priority = excluded.priority, issuer_party = excluded.issuer_party, \
                 addressee_party = excluded.addressee_party, enforcing_party = excluded.enforcing_party, \
                 data_categories = excluded.data_categories, \
                 submitted_at = COALESCE(request_statistics.submitted_at, excluded.submitted_at), \
                 first_answer_at = COALESCE(request_statistics.first_answer_at, excluded.first_answer_at), \
                 data_at = COALESCE(request_statistics.data_at, excluded.data_at), \
                 completed_at = COALESCE(request_statistics.completed_at, excluded.completed_at), \
                 outcome = CASE WHEN ",
            )
            .bind::<Bool, _>(step.sets_outcome)
            .sql(" THEN excluded.outcome ELSE request_statistics.outcome END, refusal_reason = CASE WHEN ")
            .bind::<Bool, _>(step.sets_outcome)
            .sql(
                " THEN excluded.refusal_reason ELSE request_statistics.refusal_reason END, \
                 withdrawn = request_statistics.withdrawn OR excluded.withdrawn, \
                 forwards = request_statistics.forwards + excluded.forwards, \
                 clarifications = request_statistics.clarifications + excluded.clarifications, \
                 objection_reasons = request_statistics.objection_reasons || excluded.objection_reasons, \
                 no_grounds = request_statistics.no_grounds OR excluded.no_grounds, \
                 deconfliction_hits = request_statistics.deconfliction_hits + excluded.deconfliction_hits",
            ),
    )
}

/// A summary row as stored (or as recomputed), for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub legal_basis: String,
    pub kind: String,
    pub priority: String,
    pub issuer: Uuid,
    pub addressee: Uuid,
    pub enforcing: Option<Uuid>,
    pub data_categories: Vec<String>,
    pub derived: Derived,
}

/// The data categories a request's content asks for (`data_categories`, a list of codes).
pub fn categories(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The objection reasons as stored: each followed by a comma.
pub fn objection_reasons(text: &str) -> Vec<String> {
    text.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect()
}

type RequestTuple = (DbUuid, String, String, String, DbUuid, DbUuid, Option<DbUuid>, DbJson);

/// Up to `CHUNK` request ids after `after`, in id order.
fn next_ids(conn: &mut AnyConnection, after: Option<Uuid>) -> Result<Vec<Uuid>, ApiError> {
    let mut query = requests::table.select(requests::id).order(requests::id.asc()).limit(CHUNK as i64).into_boxed();
    if let Some(after) = after {
        query = query.filter(requests::id.gt(DbUuid(after)));
    }
    Ok(query.load::<DbUuid>(conn)?.into_iter().map(|id| id.0).collect())
}

/// The summaries the trail gives for these requests: one for each request with an event
/// statistics read, computed from the request and its events.
/// Each comes with the `data_categories` value of the request's content as stored (what an
/// event's upsert copies into the row), for a rebuild to write.
fn recompute(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<Fresh>, ApiError> {
    let keys: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    // Every event of the chunk, the types statistics read picked here: with the types in the
    // WHERE too, SQLite walked request_events_type_time_idx over every such event of the table
    // for each chunk (4 M rows per chunk at 1 M requests) instead of seeking each request's.
    let events: Vec<(DbUuid, DbText<EventType>, DbTime, DbJson)> = request_events::table
        .filter(request_events::request_id.eq_any(keys))
        .select((
            request_events::request_id,
            request_events::event_type,
            request_events::occurred_at,
            request_events::data,
        ))
        .order((request_events::request_id.asc(), request_events::seq.asc()))
        .load(conn)?;
    let mut derived: std::collections::HashMap<Uuid, Derived> = std::collections::HashMap::new();
    for (request, event_type, occurred_at, data) in events {
        if !rules::reads(event_type.0) {
            continue;
        }
        derived.entry(request.0).or_default().apply(&EventFact {
            event_type: event_type.0,
            occurred_at: occurred_at.0,
            data: data.0,
        });
    }
    if derived.is_empty() {
        return Ok(vec![]);
    }
    let with_events: Vec<DbUuid> = derived.keys().copied().map(DbUuid).collect();
    let rows: Vec<RequestTuple> = requests::table
        .filter(requests::id.eq_any(with_events))
        .select((
            requests::id,
            requests::legal_basis,
            requests::kind,
            requests::priority,
            requests::issuer_party,
            requests::addressee_party,
            requests::enforcing_party,
            requests::content,
        ))
        .load(conn)?;
    let mut out: Vec<Fresh> = rows
        .into_iter()
        .filter_map(|(id, legal_basis, kind, priority, issuer, addressee, enforcing, content)| {
            let derived = derived.remove(&id.0)?;
            let stored_categories = content.0.get("data_categories").cloned();
            Some((
                id.0,
                SummaryRow {
                    legal_basis,
                    kind,
                    priority,
                    issuer: issuer.0,
                    addressee: addressee.0,
                    enforcing: enforcing.map(|e| e.0),
                    data_categories: categories(stored_categories.as_ref()),
                    derived,
                },
                stored_categories,
            ))
        })
        .collect();
    out.sort_by_key(|(id, _, _)| *id);
    Ok(out)
}

/// A recomputed summary: the request, its row, and its content's `data_categories` as stored.
type Fresh = (Uuid, SummaryRow, Option<Value>);

/// Rows per multi-row INSERT of a rebuild: 20 parameters each, so 20,000 a statement, well under
/// SQLite's limit (32,766) and PostgreSQL's (65,535).
const INSERT_ROWS: usize = 1000;

/// Writes recomputed summaries of requests that have no row (a rebuild deletes them first, in
/// the same transaction), `INSERT_ROWS` to a statement. A row holds what an event's upsert
/// (`record`) leaves in an empty row given the whole trail as one
/// step: the request's attributes as they stand, the trail's times, outcome and counts.
fn insert_rows(conn: &mut AnyConnection, fresh: &[Fresh]) -> Result<(), ApiError> {
    const COLUMNS: usize = 20;
    for batch in fresh.chunks(INSERT_ROWS) {
        // PostgreSQL: `$1` … `$20000`. SQLite: plain `?`, numbered in order; it takes `$N` for a
        // named parameter and looks each name up in a list, linearly: 20,000 of them made the
        // rebuild slower than one statement per request.
        let sqlite = matches!(conn, AnyConnection::Sqlite(_));
        let values: Vec<String> = (0..batch.len())
            .map(|i| {
                let placeholders: Vec<String> = (1..=COLUMNS)
                    .map(|c| if sqlite { "?".to_owned() } else { format!("${}", i * COLUMNS + c) })
                    .collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO request_statistics (request_id, legal_basis, kind, priority, issuer_party, addressee_party, \
             enforcing_party, data_categories, submitted_at, first_answer_at, data_at, completed_at, outcome, \
             refusal_reason, withdrawn, forwards, clarifications, objection_reasons, no_grounds, deconfliction_hits) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<crate::db::MultiBackend>();
        let time = |t: Option<DateTime<Utc>>| t.map(DbTime);
        for (id, row, stored_categories) in batch {
            let d = &row.derived;
            let reasons: String = d.objection_reasons.iter().map(|r| format!("{r},")).collect();
            query = query
                .bind::<PUuid, _>(DbUuid(*id))
                .bind::<Text, _>(row.legal_basis.clone())
                .bind::<Text, _>(row.kind.clone())
                .bind::<Text, _>(row.priority.clone())
                .bind::<PUuid, _>(DbUuid(row.issuer))
                .bind::<PUuid, _>(DbUuid(row.addressee))
                .bind::<Nullable<PUuid>, _>(row.enforcing.map(DbUuid))
                .bind::<Nullable<PJsonb>, _>(stored_categories.clone().map(DbJson))
                .bind::<Nullable<PTimestamptz>, _>(time(d.submitted_at))
                .bind::<Nullable<PTimestamptz>, _>(time(d.first_answer_at))
                .bind::<Nullable<PTimestamptz>, _>(time(d.data_at))
                .bind::<Nullable<PTimestamptz>, _>(time(d.completed_at))
                .bind::<Nullable<Text>, _>(d.outcome.clone())
                .bind::<Nullable<Text>, _>(d.refusal_reason.clone())
                .bind::<Bool, _>(d.withdrawn)
                .bind::<BigInt, _>(d.forwards as i64)
                .bind::<BigInt, _>(d.clarifications as i64)
                .bind::<Text, _>(reasons)
                .bind::<Bool, _>(d.no_grounds)
                .bind::<BigInt, _>(d.deconfliction_hits as i64);
        }
        query.execute(conn)?;
    }
    Ok(())
}

type StoredTuple = (
    DbUuid,
    String,
    String,
    String,
    DbUuid,
    DbUuid,
    Option<DbUuid>,
    Option<DbJson>,
    (Option<DbTime>, Option<DbTime>, Option<DbTime>, Option<DbTime>),
    (Option<String>, Option<String>, bool, i64, i64, String, bool, i64),
);

/// The stored summaries of these requests.
fn stored(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<(Uuid, SummaryRow)>, ApiError> {
    let keys: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<StoredTuple> = request_statistics::table
        .filter(request_statistics::request_id.eq_any(keys))
        .select(stored_columns())
        .order(request_statistics::request_id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(stored_row).collect())
}

/// The columns of a stored summary, in `StoredTuple` order.
#[allow(clippy::type_complexity)]
pub fn stored_columns() -> (
    request_statistics::request_id,
    request_statistics::legal_basis,
    request_statistics::kind,
    request_statistics::priority,
    request_statistics::issuer_party,
    request_statistics::addressee_party,
    request_statistics::enforcing_party,
    request_statistics::data_categories,
    (
        request_statistics::submitted_at,
        request_statistics::first_answer_at,
        request_statistics::data_at,
        request_statistics::completed_at,
    ),
    (
        request_statistics::outcome,
        request_statistics::refusal_reason,
        request_statistics::withdrawn,
        request_statistics::forwards,
        request_statistics::clarifications,
        request_statistics::objection_reasons,
        request_statistics::no_grounds,
        request_statistics::deconfliction_hits,
    ),
) {
    use request_statistics::*;
    (
        request_id,
        legal_basis,
        kind,
        priority,
        issuer_party,
        addressee_party,
        enforcing_party,
        data_categories,
        (submitted_at, first_answer_at, data_at, completed_at),
        (
            outcome,
            refusal_reason,
            withdrawn,
            forwards,
            clarifications,
            objection_reasons,
            no_grounds,
            deconfliction_hits,
        ),
    )
}

pub type Stored = StoredTuple;

/// A stored summary as a row.
pub fn stored_row(t: StoredTuple) -> (Uuid, SummaryRow) {
    let (id, legal_basis, kind, priority, issuer, addressee, enforcing, data_categories, times, state) = t;
    let (submitted_at, first_answer_at, data_at, completed_at) = times;
    let (outcome, refusal_reason, withdrawn, forwards, clarifications, reasons, no_grounds, hits) = state;
    let time = |t: Option<DbTime>| t.map(|t| t.0);
    (
        id.0,
        SummaryRow {
            legal_basis,
            kind,
            priority,
            issuer: issuer.0,
            addressee: addressee.0,
            enforcing: enforcing.map(|e| e.0),
            data_categories: categories(data_categories.as_ref().map(|j| &j.0)),
            derived: Derived {
                submitted_at: time(submitted_at),
                first_answer_at: time(first_answer_at),
                data_at: time(data_at),
                completed_at: time(completed_at),
                outcome,
                refusal_reason,
                withdrawn,
                forwards: forwards.max(0) as u64,
                clarifications: clarifications.max(0) as u64,
                objection_reasons: objection_reasons(&reasons),
                no_grounds,
                deconfliction_hits: hits.max(0) as u64,
            },
        },
    )
}

/// What a rebuild did.
#[derive(Debug, Clone, Serialize)]
pub struct Rebuilt {
    /// Requests whose trail was read.
    pub requests: u64,
    /// Summary rows written (requests with an event statistics read).
    pub rows: u64,
    pub seconds: f64,
}

/// Recomputes every request's summary from its trail and replaces the stored rows, a chunk of
/// requests per transaction (their rows locked, so no event of theirs is appended meanwhile):
/// the chunk's rows deleted, its trail read in two queries, its rows written by multi-row
/// INSERTs (one statement per request cost about 0.35 ms each, six minutes a backend at 1 M
/// requests), then records when. Run by `rogatory statistics rebuild`, and once at start-up after the
/// migration that created the summary (`ensure_built`).
pub fn rebuild(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Rebuilt, ApiError> {
    let started = std::time::Instant::now();
    let (mut requests, mut rows, mut after) = (0u64, 0u64, None);
    loop {
        let ids = next_ids(conn, after)?;
        let Some(last) = ids.last().copied() else { break };
        after = Some(last);
        requests += ids.len() as u64;
        rows += conn.transaction(|conn| -> Result<u64, ApiError> {
            dialect::lock_requests(conn, &ids)?;
            let keys: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
            diesel::delete(request_statistics::table.filter(request_statistics::request_id.eq_any(keys)))
                .execute(conn)?;
            let fresh = recompute(conn, &ids)?;
            insert_rows(conn, &fresh)?;
            Ok(fresh.len() as u64)
        })?;
    }
    // Rows of requests that no longer exist cannot be: the table references `requests`.
    diesel::update(request_statistics_state::table)
        .set(request_statistics_state::rebuilt_at.eq(Some(DbTime(now))))
        .execute(conn)?;
    Ok(Rebuilt { requests, rows, seconds: started.elapsed().as_secs_f64() })
}

/// Rebuilds the summary if it never was (the migration that created it leaves `rebuilt_at`
/// empty): existing requests get their rows. `None` when there was nothing to do.
pub fn ensure_built(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Option<Rebuilt>, ApiError> {
    let rebuilt_at: Option<Option<DbTime>> =
        request_statistics_state::table.select(request_statistics_state::rebuilt_at).first(conn).optional()?;
    match rebuilt_at {
        Some(Some(_)) => Ok(None),
        _ => rebuild(conn, now).map(Some),
    }
}

/// One request whose stored summary is not what its trail gives.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub request: Uuid,
    /// `missing`, `unexpected` or `different`.
    pub kind: &'static str,
    pub stored: Option<String>,
    pub recomputed: Option<String>,
}

/// What a check found.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub requests: u64,
    pub rows: u64,
    /// How many requests differ.
    pub differing: u64,
    /// The first 20 of them.
    pub differences: Vec<Difference>,
    pub seconds: f64,
}

/// Recomputes every request's summary from its trail and compares it with the stored row.
/// Read-only; run it while no events are being appended, or re-run it on a difference.
pub fn check(conn: &mut AnyConnection) -> Result<Checked, ApiError> {
    let started = std::time::Instant::now();
    let (mut requests, mut rows, mut differing, mut differences, mut after) = (0u64, 0u64, 0u64, vec![], None);
    loop {
        let ids = next_ids(conn, after)?;
        let Some(last) = ids.last().copied() else { break };
        after = Some(last);
        requests += ids.len() as u64;
        let (fresh, kept) =
            conn.transaction(|conn| -> Result<_, ApiError> { Ok((recompute(conn, &ids)?, stored(conn, &ids)?)) })?;
        let fresh = fresh.into_iter().map(|(id, row, _)| (id, row));
        rows += kept.len() as u64;
        let fresh: std::collections::BTreeMap<Uuid, SummaryRow> = fresh.collect();
        let kept: std::collections::BTreeMap<Uuid, SummaryRow> = kept.into_iter().collect();
        let keys: std::collections::BTreeSet<Uuid> = fresh.keys().chain(kept.keys()).copied().collect();
        for id in keys {
            let (a, b) = (kept.get(&id), fresh.get(&id));
            let kind = match (a, b) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(_), Some(_)) => "different",
                (None, _) => "missing",
                (_, None) => "unexpected",
            };
            differing += 1;
            if differences.len() < 20 {
                differences.push(Difference {
                    request: id,
                    kind,
                    stored: a.map(|r| format!("{r:?}")),
                    recomputed: b.map(|r| format!("{r:?}")),
                });
            }
        }
    }
    Ok(Checked { requests, rows, differing, differences, seconds: started.elapsed().as_secs_f64() })
}
