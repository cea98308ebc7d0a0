//! Queries of requests. Plain data in and out; transactions are opened by the caller.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use super::model::{
    ClarificationRow, EventRow, MessageRow, ParticipantRow, RequestRow, RequestSummaryRow, ResponseRow,
};
use crate::db::AnyConnection;
use crate::db::codec::encode_text;
use crate::db::prepared::prepared;
use crate::db::schema::webhooks as webhooks_table;
use crate::db::schema::{
    clarifications, parties, party_requests, reference_counters, request_events, request_messages,
    request_participants, request_responses, requests,
};
use crate::db::types::{DbJson, DbText, DbTime, DbUuid, PTimestamptz, PUuid};
use crate::error::ApiError;
use crate::page::Page;

/// The next number of `country`'s references in `year`, starting at 1.
pub fn next_reference_number(conn: &mut AnyConnection, country: &str, year: i32) -> Result<i64, ApiError> {
    for _ in 0..3 {
        let updated: Option<i64> = prepared(
            diesel::update(
                reference_counters::table
                    .filter(reference_counters::country.eq(country))
                    .filter(reference_counters::year.eq(year)),
            )
            .set(reference_counters::last.eq(reference_counters::last + 1))
            .returning(reference_counters::last),
        )
        .get_result(conn)
        .optional()?;
        if let Some(number) = updated {
            return Ok(number);
        }
        // First reference of the year. In a savepoint: on PostgreSQL a concurrent first insert
        // fails the statement, and the loop then takes the update path.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(reference_counters::table)
                .values((
                    reference_counters::country.eq(country),
                    reference_counters::year.eq(year),
                    reference_counters::last.eq(1_i64),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => return Ok(1),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal(anyhow::anyhow!("could not allocate a reference for {country}-{year}")))
}

/// The insert of a new request's row, to be sent with its participants and first event
/// (`db::together`).
pub fn request_insert(row: RequestRow) -> crate::db::together::Part<'static> {
    Box::new(diesel::insert_into(requests::table).values(row))
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<RequestRow>, ApiError> {
    Ok(requests::table.filter(requests::id.eq(DbUuid(id))).select(RequestRow::as_select()).first(conn).optional()?)
}

/// `find` holding the row's lock until the transaction ends (see `dialect::lock_request`): on
/// PostgreSQL one `SELECT … FOR UPDATE` instead of a lock then a read (issue 16).
pub fn find_for_update(conn: &mut AnyConnection, id: Uuid) -> Result<Option<RequestRow>, ApiError> {
    match conn {
        AnyConnection::Postgresql(pg) => Ok(requests::table
            .filter(requests::id.eq(DbUuid(id)))
            .select(RequestRow::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        AnyConnection::Sqlite(_) => find(conn, id),
    }
}

/// `find_for_update` of the request a clock belongs to, found from the clock in the same
/// statement. The deadline scanner takes it before it reads or changes the clock, in the order
/// every action takes them (the request, then its clocks): the other order deadlocks against
/// an action on the same request, and PostgreSQL aborts one of the two. Only `requests` is
/// locked (`FOR UPDATE` reaches the tables of the `FROM`, not of a sub-select); after a wait the
/// row is read as it now stands, and a clock never changes its request.
pub fn find_for_update_of_clock(conn: &mut AnyConnection, clock: Uuid) -> Result<Option<RequestRow>, ApiError> {
    use crate::db::schema::clocks;
    // A macro, not a value: the selection's backend is inferred where each arm runs it.
    macro_rules! query {
        () => {
            requests::table
                .filter(
                    requests::id.eq_any(clocks::table.filter(clocks::id.eq(DbUuid(clock))).select(clocks::request_id)),
                )
                .select(RequestRow::as_select())
        };
    }
    match conn {
        AnyConnection::Postgresql(pg) => Ok(query!().for_update().first(pg).optional()?),
        AnyConnection::Sqlite(_) => Ok(query!().first(conn).optional()?),
    }
}

/// Writes a changed request if it is still at `expected` version.
pub fn save(conn: &mut AnyConnection, row: &RequestRow, expected: i64) -> Result<bool, ApiError> {
    let updated = prepared(
        diesel::update(requests::table.filter(requests::id.eq(DbUuid(row.id))).filter(requests::version.eq(expected)))
            .set((
                requests::priority.eq(DbText(row.priority)),
                requests::status.eq(DbText(row.status)),
                requests::addressee_party.eq(DbUuid(row.addressee_party)),
                requests::enforcing_party.eq(row.enforcing_party.clone()),
                requests::addressee_entity.eq(row.addressee_entity.clone()),
                requests::content.eq(DbJson(row.content.clone())),
                requests::outcome.eq(row.outcome),
                requests::submitted_at.eq(row.submitted_at.clone()),
                requests::preservation_expires_at.eq(row.preservation_expires_at.clone()),
                requests::extensions_used.eq(row.extensions_used),
                requests::legal_basis_pinned.eq(row.legal_basis_pinned.clone()),
                requests::hold_status.eq(&row.hold_status),
                requests::hold_until.eq(row.hold_until.clone()),
                requests::follow_up_confirmed_at.eq(row.follow_up_confirmed_at.clone()),
                requests::version.eq(row.version),
                requests::updated_at.eq(DbTime(row.updated_at)),
            )),
    )
    .execute(conn)?;
    // The list's copy of the status and priority (`party_requests`) follows by trigger
    // (migration 000024).
    Ok(updated == 1)
}

/// A request's new participants, in one statement however many (issue 16: statements per
/// action). Each party's row of the list (`party_requests`) is added with its first role by
/// trigger (migration 000024).
pub fn add_participants(
    conn: &mut AnyConnection,
    request: Uuid,
    joining: &[(Uuid, super::dto::ParticipantRole)],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    crate::db::together::execute_together(conn, &[participants_insert(request, joining, now)])?;
    Ok(())
}

/// The insert of a request's new participants (`add_participants`), to be sent with others
/// (`db::together`): its binds are numbered as the whole statement is written. One text per
/// number of parties joining at once: a handful (create, forward).
pub fn participants_insert(
    request: Uuid,
    joining: &[(Uuid, super::dto::ParticipantRole)],
    now: DateTime<Utc>,
) -> crate::db::together::Part<'static> {
    // diesel's multi-row insert does not build for the two-backend connection: written here.
    let mut insert = crate::db::together::Written::default()
        .sql("INSERT INTO request_participants (request_id, added_at, party_id, role) VALUES ");
    for (i, (party, role)) in joining.iter().enumerate() {
        insert = insert
            .sql(if i == 0 { "(" } else { ", (" })
            .bind::<PUuid, _>(DbUuid(request))
            .sql(", ")
            .bind::<PTimestamptz, _>(DbTime(now))
            .sql(", ")
            .bind::<PUuid, _>(DbUuid(*party))
            .sql(", ")
            .bind::<diesel::sql_types::Text, _>(encode_text(role))
            .sql(")");
    }
    insert.part()
}

/// One participant more (see `add_participants`).
pub fn add_participant(conn: &mut AnyConnection, row: ParticipantRow) -> Result<(), ApiError> {
    add_participants(conn, row.request_id, &[(row.party_id, row.role)], row.added_at)
}

/// Takes a role from a party on a request; its row of the list goes with its last role (by
/// trigger, migration 000024).
pub fn remove_participant(
    conn: &mut AnyConnection,
    request: Uuid,
    party: Uuid,
    role: super::dto::ParticipantRole,
) -> Result<(), ApiError> {
    diesel::delete(
        request_participants::table
            .filter(request_participants::request_id.eq(DbUuid(request)))
            .filter(request_participants::party_id.eq(DbUuid(party)))
            .filter(request_participants::role.eq(DbText(role))),
    )
    .execute(conn)?;
    Ok(())
}

/// Participants with their party's name and country, in the order they joined.
pub fn participants(
    conn: &mut AnyConnection,
    request: Uuid,
) -> Result<Vec<(ParticipantRow, String, Option<String>)>, ApiError> {
    let rows: Vec<(ParticipantRow, String, Option<String>)> = request_participants::table
        .inner_join(parties::table.on(parties::id.eq(request_participants::party_id)))
        .filter(request_participants::request_id.eq(DbUuid(request)))
        .select((ParticipantRow::as_select(), parties::name, parties::country))
        // The party last: the order is total, so the request reads the same every time (its
        // digest is signed in each checkpoint).
        .order((
            request_participants::added_at.asc(),
            request_participants::role.asc(),
            request_participants::party_id.asc(),
        ))
        .load(conn)?;
    Ok(rows)
}

/// A party, its role on the request if it takes part, and one of its live webhook
/// subscriptions (id, event types) if it has any.
pub type PartyOnRequest = (crate::parties::model::PartyRow, Option<ParticipantRow>, Option<(DbUuid, DbJson)>);

/// For an action on a request, in one statement (issue 16: statements per action): the rows of
/// the request's issuer and addressee and of the active exchange party, and every participant
/// of the request with its party, each with its live webhook subscriptions (what the action's
/// notifications need to reach it). Each party comes once per role it holds and subscription
/// it has; a party named but not taking part comes with no role. The participants come in
/// `participants`'s order, so the request they make reads (and is signed) the same either way.
pub fn parties_and_participants(
    conn: &mut AnyConnection,
    request: Uuid,
    (issuer, addressee): (Uuid, Uuid),
) -> Result<Vec<PartyOnRequest>, ApiError> {
    use crate::vocab::{PartyKind, PartyStatus};
    use webhooks_table as webhooks;
    let exchange = parties::kind.eq(DbText(PartyKind::Exchange)).and(parties::status.eq(DbText(PartyStatus::Active)));
    // Two `=` rather than an `IN` list: a statement of one fixed shape, which the connection
    // prepares once (diesel does not cache an `IN` of a bound list).
    let named = parties::id.eq(DbUuid(issuer)).or(parties::id.eq(DbUuid(addressee)));
    Ok(parties::table
        .left_join(request_participants::table.on(
            request_participants::party_id.eq(parties::id).and(request_participants::request_id.eq(DbUuid(request))),
        ))
        .left_join(webhooks::table.on(webhooks::party_id.eq(parties::id).and(webhooks::deleted_at.is_null())))
        .filter(named.or(exchange).or(request_participants::request_id.is_not_null()))
        .select((
            crate::parties::model::PartyRow::as_select(),
            Option::<ParticipantRow>::as_select(),
            (webhooks::id, webhooks::event_types).nullable(),
        ))
        .order((
            request_participants::added_at.asc(),
            request_participants::role.asc(),
            request_participants::party_id.asc(),
            parties::id.asc(),
            webhooks::id.asc(),
        ))
        .load(conn)?)
}

// A request's participants join their parties' subscriptions (`parties_and_participants`).
diesel::allow_tables_to_appear_in_same_query!(request_participants, webhooks_table);

pub fn is_participant(conn: &mut AnyConnection, request: Uuid, party: Uuid) -> Result<bool, ApiError> {
    let found = request_participants::table
        .filter(request_participants::request_id.eq(DbUuid(request)))
        .filter(request_participants::party_id.eq(DbUuid(party)))
        .select(request_participants::role)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

pub struct ListFilter {
    pub party: Uuid,
    /// `Some(true)`: issued by the party; `Some(false)`: issued by others.
    pub outgoing: Option<bool>,
    pub status: Option<String>,
    pub legal_basis: Option<String>,
    pub kind: Option<String>,
    pub counterpart: Option<Uuid>,
    pub priority: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub due_before: Option<DateTime<Utc>>,
}

/// The list's filters on a party's own rows (`party_requests`), for a query over them alone or
/// joined to their requests (`list`).
macro_rules! party_filters {
    ($query:expr, $f:expr, $page:expr) => {{
        let (mut query, f, page) = ($query, $f, $page);
        // A request that has not left its issuer (drafted, awaiting approval) is the issuer's
        // alone. Filtered here, before the page is cut, so that a page is short only when it is
        // the last and a cursor never names another party's draft.
        query = query.filter(
            party_requests::outgoing.eq(true).or(party_requests::status.ne_all(super::service::NOT_LEFT.map(DbText))),
        );
        if let Some(outgoing) = f.outgoing {
            // With a narrower filter (status, legal basis, kind, priority) the direction is
            // checked on the rows that filter's index finds, never used to pick the index: two
            // values narrow nothing, and SQLite without statistics took the direction's index for
            // "incoming and acknowledged" and walked every incoming row (seconds at 10 k stored).
            let narrowed = f.status.is_some() || f.legal_basis.is_some() || f.kind.is_some() || f.priority.is_some();
            query = if narrowed {
                query.filter(party_requests::outgoing.eq(outgoing).eq(true))
            } else {
                query.filter(party_requests::outgoing.eq(outgoing))
            };
        }
        if let Some(status) = &f.status {
            query = query.filter(party_requests::status.eq(status.clone()));
        }
        if let Some(code) = &f.legal_basis {
            query = query.filter(party_requests::legal_basis.eq(code.clone()));
        }
        if let Some(kind) = &f.kind {
            query = query.filter(party_requests::kind.eq(kind.clone()));
        }
        if let Some(priority) = &f.priority {
            query = query.filter(party_requests::priority.eq(priority.clone()));
        }
        if let Some(overdue) = f.overdue {
            let missed = crate::db::schema::clocks::table
                .filter(crate::db::schema::clocks::state.eq(DbText(crate::deadlines::rules::ClockState::Missed)))
                .select(crate::db::schema::clocks::request_id);
            query = if overdue {
                query.filter(party_requests::request_id.eq_any(missed))
            } else {
                query.filter(party_requests::request_id.ne_all(missed))
            };
        }
        if let Some(before) = f.due_before {
            let due = crate::db::schema::clocks::table
                .filter(crate::db::schema::clocks::state.eq(DbText(crate::deadlines::rules::ClockState::Running)))
                .filter(crate::db::schema::clocks::due_at.lt(DbTime(before)))
                .select(crate::db::schema::clocks::request_id);
            query = query.filter(party_requests::request_id.eq_any(due));
        }
        if let Some(cursor) = page.after {
            query = query.filter(party_requests::request_id.lt(DbUuid(cursor)));
        }
        query
    }};
}

/// Requests visible to a party, newest first.
pub fn list(conn: &mut AnyConnection, f: &ListFilter, page: Page) -> Result<Vec<RequestSummaryRow>, ApiError> {
    // Driven by the party's rows of `party_requests` newest first, through the index the
    // filter picks (party + status, priority, legal basis, kind or direction), its requests
    // read by primary key: a page costs the same at ten or a million stored requests.
    // (`requests.id IN (participants of the party)` read every request a party ever saw before
    // cutting the page: 1.8 s on SQLite for a platform holding 900 k of 1 M requests.)
    //
    // The page is cut on the party's rows alone, then only its requests are read, by primary
    // key (issue 16): a plan that walks all the party's rows before cutting (PostgreSQL's
    // while a table has no statistics yet, as after a bulk load) then costs a scan of small
    // rows, not a join of every request the party holds (50-80 ms at 2.5 k). Two statements:
    // diesel's multi-backend connection cannot send the dynamically filtered page as a
    // subquery. Filters on the request itself (the counterpart, the creation time) need the
    // join before the cut.
    let joined = f.counterpart.is_some() || f.created_after.is_some() || f.created_before.is_some();
    if !joined {
        let mut page_ids = party_requests::table
            .filter(party_requests::party_id.eq(DbUuid(f.party)))
            .select(party_requests::request_id)
            .into_boxed();
        page_ids = party_filters!(page_ids, f, page);
        let page_ids: Vec<DbUuid> =
            page_ids.order(party_requests::request_id.desc()).limit(page.limit + 1).load(conn)?;
        if page_ids.is_empty() {
            return Ok(vec![]);
        }
        return Ok(requests::table
            .filter(requests::id.eq_any(page_ids))
            .select(RequestSummaryRow::as_select())
            .order(requests::id.desc())
            .load(conn)?);
    }
    let mut query = party_requests::table
        .inner_join(requests::table)
        .filter(party_requests::party_id.eq(DbUuid(f.party)))
        .select(RequestSummaryRow::as_select())
        .into_boxed();
    query = party_filters!(query, f, page);
    if let Some(counterpart) = f.counterpart {
        query = match f.outgoing {
            Some(true) => query.filter(requests::addressee_party.eq(DbUuid(counterpart))),
            Some(false) => query.filter(requests::issuer_party.eq(DbUuid(counterpart))),
            None => query.filter(
                requests::addressee_party.eq(DbUuid(counterpart)).or(requests::issuer_party.eq(DbUuid(counterpart))),
            ),
        };
    }
    if let Some(after) = f.created_after {
        query = query.filter(requests::created_at.ge(DbTime(after)));
    }
    if let Some(before) = f.created_before {
        query = query.filter(requests::created_at.lt(DbTime(before)));
    }
    Ok(query.order(party_requests::request_id.desc()).limit(page.limit + 1).load(conn)?)
}

/// Locks the request's row for the rest of the transaction (see `dialect::lock_request`);
/// `false` when there is no such request.
pub fn lock(conn: &mut AnyConnection, id: Uuid) -> Result<bool, ApiError> {
    Ok(crate::db::dialect::lock_request(conn, id)?)
}

/// A chain's head: the last event's number and hash.
pub type ChainHead = (i32, String);

/// The head of a chain without events: a new request's first event links after it.
pub fn genesis_head() -> ChainHead {
    (0, crate::audit::chain::GENESIS.to_owned())
}

/// Links `row` after the chain's head (`seq`, `prev_hash`): its number and both hashes (see
/// `audit::chain`). A head read outside the request's lock would fork the chain: the unique
/// (request_id, seq) refuses that at the insert.
pub fn link(mut row: EventRow, (seq, prev_hash): ChainHead) -> EventRow {
    row.seq = seq + 1;
    row.prev_hash = prev_hash;
    row.hash = crate::audit::chain::hash(&row.link());
    row
}

/// The inserts of an event and of its signed checkpoint, to be sent with the rest of what the
/// event writes (`db::together`: one statement on PostgreSQL).
pub fn event_inserts(row: &EventRow, kid: &str, jws: &str) -> [crate::db::together::Part<'static>; 2] {
    use crate::db::schema::event_checkpoints;
    [
        Box::new(diesel::insert_into(request_events::table).values(row.clone())),
        Box::new(diesel::insert_into(event_checkpoints::table).values((
            event_checkpoints::request_id.eq(DbUuid(row.request_id)),
            event_checkpoints::seq.eq(row.seq),
            event_checkpoints::kid.eq(kid.to_owned()),
            event_checkpoints::jws.eq(jws.to_owned()),
        ))),
    ]
}

/// Whether `client` recorded an event of one of these types on the request.
pub fn client_did(
    conn: &mut AnyConnection,
    request: Uuid,
    client: Uuid,
    types: &[crate::vocab::EventType],
) -> Result<bool, ApiError> {
    let found = request_events::table
        .filter(request_events::request_id.eq(DbUuid(request)))
        .filter(request_events::actor_client.eq(DbUuid(client)))
        .filter(request_events::event_type.eq_any(types.iter().map(|t| t.as_str())))
        .select(request_events::seq)
        .first::<i32>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// A page of the request's events in the chain's order (`limit + 1` rows, for `Page::finish`),
/// after the cursor's event: by the key `(request_id, seq)`, so a page costs the same however
/// long the trail (issue 16). The cursor's event is found in the same statement; a cursor that
/// names no event of this request gives an empty page.
pub fn events_page(conn: &mut AnyConnection, request: Uuid, page: &Page) -> Result<Vec<EventRow>, ApiError> {
    Ok(events_page_query(request, page).load(conn)?)
}

/// The query `events_page` runs: public so that the bench explains the very query the trail
/// runs.
pub fn events_page_query(
    request: Uuid,
    page: &Page,
) -> request_events::BoxedQuery<'static, crate::db::MultiBackend, SqlTypeOf<AsSelect<EventRow, crate::db::MultiBackend>>>
{
    let mut q = request_events::table
        .filter(request_events::request_id.eq(DbUuid(request)))
        .select(EventRow::as_select())
        .order(request_events::seq.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        let cursor = diesel::alias!(request_events as cursor_event);
        let after_seq = cursor
            .filter(cursor.field(request_events::id).eq(DbUuid(after)))
            .filter(cursor.field(request_events::request_id).eq(DbUuid(request)))
            .select(cursor.field(request_events::seq))
            .single_value();
        q = q.filter(request_events::seq.nullable().gt(after_seq));
    }
    q
}

/// Every event of the request, in the chain's order (the audit and the export verify it whole).
pub fn events(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<EventRow>, ApiError> {
    Ok(request_events::table
        .filter(request_events::request_id.eq(DbUuid(request)))
        .select(EventRow::as_select())
        .order(request_events::seq.asc())
        .load(conn)?)
}

pub fn insert_clarification(conn: &mut AnyConnection, row: ClarificationRow) -> Result<(), ApiError> {
    prepared(diesel::insert_into(clarifications::table).values(row)).execute(conn)?;
    Ok(())
}

pub fn find_clarification(
    conn: &mut AnyConnection,
    request: Uuid,
    id: Uuid,
) -> Result<Option<ClarificationRow>, ApiError> {
    Ok(clarifications::table
        .filter(clarifications::id.eq(DbUuid(id)))
        .filter(clarifications::request_id.eq(DbUuid(request)))
        .select(ClarificationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn answer_clarification(
    conn: &mut AnyConnection,
    id: Uuid,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let updated = diesel::update(
        clarifications::table.filter(clarifications::id.eq(DbUuid(id))).filter(clarifications::answer.is_null()),
    )
    .set((clarifications::answer.eq(Some(answer)), clarifications::answered_at.eq(Some(DbTime(now)))))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn clarifications(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<ClarificationRow>, ApiError> {
    Ok(clarifications::table
        .filter(clarifications::request_id.eq(DbUuid(request)))
        .select(ClarificationRow::as_select())
        .order(clarifications::id.asc())
        .load(conn)?)
}

pub fn insert_message(conn: &mut AnyConnection, row: MessageRow) -> Result<(), ApiError> {
    prepared(diesel::insert_into(request_messages::table).values(row)).execute(conn)?;
    Ok(())
}

pub fn messages(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<MessageRow>, ApiError> {
    Ok(request_messages::table
        .filter(request_messages::request_id.eq(DbUuid(request)))
        .select(MessageRow::as_select())
        .order(request_messages::id.asc())
        .load(conn)?)
}

/// What a signed document is of: the request as it left, or a response to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Request,
    Response,
}

impl DocumentKind {
    fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Request => "request",
            DocumentKind::Response => "response",
        }
    }
}

/// The insert of a signed document of the request, bound to the event at `event_seq`, to be
/// sent with that event's (`db::together`).
pub fn document_insert(
    request: Uuid,
    kind: DocumentKind,
    event_seq: i32,
    kid: &str,
    jws: String,
    now: DateTime<Utc>,
) -> crate::db::together::Part<'static> {
    use crate::db::schema::request_documents;
    Box::new(diesel::insert_into(request_documents::table).values((
        request_documents::id.eq(DbUuid(Uuid::now_v7())),
        request_documents::request_id.eq(DbUuid(request)),
        request_documents::kind.eq(kind.as_str()),
        request_documents::event_seq.eq(event_seq),
        request_documents::kid.eq(kid.to_owned()),
        request_documents::jws.eq(jws),
        request_documents::created_at.eq(DbTime(now)),
    )))
}

/// Signed documents of one kind of a request, oldest first: `(event_seq, kid, jws)`.
pub fn documents(
    conn: &mut AnyConnection,
    request: Uuid,
    kind: DocumentKind,
) -> Result<Vec<(i32, String, String)>, ApiError> {
    use crate::db::schema::request_documents;
    Ok(request_documents::table
        .filter(request_documents::request_id.eq(DbUuid(request)))
        .filter(request_documents::kind.eq(kind.as_str()))
        .select((request_documents::event_seq, request_documents::kid, request_documents::jws))
        .order(request_documents::event_seq.asc())
        .load(conn)?)
}

/// Signed checkpoints of a request's events, in event order: `(seq, kid, jws)`. Events
/// recorded before checkpoints existed have none.
pub fn checkpoints(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<(i32, String, String)>, ApiError> {
    use crate::db::schema::event_checkpoints;
    Ok(event_checkpoints::table
        .filter(event_checkpoints::request_id.eq(DbUuid(request)))
        .select((event_checkpoints::seq, event_checkpoints::kid, event_checkpoints::jws))
        .order(event_checkpoints::seq.asc())
        .load(conn)?)
}

pub fn insert_response(conn: &mut AnyConnection, row: ResponseRow) -> Result<(), ApiError> {
    prepared(diesel::insert_into(request_responses::table).values(row)).execute(conn)?;
    Ok(())
}

/// The responses of a request, oldest first.
pub fn responses(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<ResponseRow>, ApiError> {
    Ok(request_responses::table
        .filter(request_responses::request_id.eq(DbUuid(request)))
        .select(ResponseRow::as_select())
        .order(request_responses::id.asc())
        .load(conn)?)
}

/// Sets the status of the responses of a request that are in `from`.
pub fn set_response_status(conn: &mut AnyConnection, request: Uuid, from: &str, to: &str) -> Result<(), ApiError> {
    diesel::update(
        request_responses::table
            .filter(request_responses::request_id.eq(DbUuid(request)))
            .filter(request_responses::status.eq(from)),
    )
    .set(request_responses::status.eq(to))
    .execute(conn)?;
    Ok(())
}
