//! Events of a request: recording one in its hash chain, fanning it out, signing the
//! checkpoint and the request and response documents.

use super::*;
use crate::db::together::{Part, Written};

/// Appends an event to the request's hash chain and signs the new head (a checkpoint over the
/// event's hash and the request as it now stands), in the caller's transaction: call it after
/// the change the event records.
pub fn event(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    request: Uuid,
    caller: Option<&Caller>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
) -> Result<EventRow, ApiError> {
    // The row read and locked in one statement (PostgreSQL), before the chain's head is read.
    let row = repo::find_for_update(conn, request)?.ok_or_else(|| not_found(request))?;
    let (recorded, _) = record(conn, keys, row, caller, event_type, data, now, None, None, Along::default())?;
    Ok(recorded)
}

/// `event` by the exchange itself on `row`, which the caller read under its lock
/// (`repo::find_for_update`) and has not changed since, with `before` (the change the event
/// records, built with the query builder) written in the event's statement: no re-read, the
/// request's participants and how its parties are reached in one read (as for an action), and
/// the writes in one round trip on PostgreSQL (`db::together`; the deadline scanner, issue 16).
pub fn event_after(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: RequestRow,
    before: Vec<Part<'static>>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
) -> Result<EventRow, ApiError> {
    let ActionParties { participants, reach, .. } = action_parties(conn, &row)?;
    let along = Along { before, reach: Some(&reach), ..Along::default() };
    let (recorded, _) = record(conn, keys, row, None, event_type, data, now, None, Some(participants), along)?;
    Ok(recorded)
}

/// `event` by the exchange itself, whose notifications carry `notice` instead of the event's
/// data: what the recipients may read but the request's other parties, who read its trail,
/// may not (a deconfliction hit names the other party only to the issuer).
pub fn event_noticed(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    request: Uuid,
    event_type: EventType,
    data: Value,
    notice: &Value,
    now: DateTime<Utc>,
) -> Result<EventRow, ApiError> {
    let row = repo::find_for_update(conn, request)?.ok_or_else(|| not_found(request))?;
    let (recorded, _) = record(conn, keys, row, None, event_type, data, now, Some(notice), None, Along::default())?;
    Ok(recorded)
}

/// `event` for a caller that holds the request as it now stands (just inserted or saved):
/// no re-read, and the signed view comes back for the answer (issue 16: statements per action).
pub fn event_on(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: RequestRow,
    caller: Option<&Caller>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
) -> Result<(EventRow, Request), ApiError> {
    event_along(conn, keys, row, None, caller, event_type, data, now, Along::default())
}

/// `event_on`, with the request's participants when the caller holds them as they now stand
/// (else read), and what goes along with the event in its statement (`Along`).
#[allow(clippy::too_many_arguments)]
pub(super) fn event_along(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: RequestRow,
    participants: Option<Vec<Participant>>,
    caller: Option<&Caller>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
    along: Along<'_>,
) -> Result<(EventRow, Request), ApiError> {
    // The row was just inserted or saved in this transaction: its lock is held already.
    record(conn, keys, row, caller, event_type, data, now, None, participants, along)
}

/// `event_on` for the first event of a new request, written with the inserts of its row and
/// its participants (`inserts`, in that order; one statement on PostgreSQL): neither the
/// chain's head (it has none) nor the participants are read back. A new row is this
/// transaction's alone until it commits, so no lock is needed for its chain.
#[allow(clippy::too_many_arguments)]
pub fn first_event(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: RequestRow,
    inserts: Vec<Part<'static>>,
    participants: Vec<Participant>,
    caller: Option<&Caller>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
) -> Result<(EventRow, Request), ApiError> {
    let along = Along { before: inserts, ..Along::default() };
    record(conn, keys, row, caller, event_type, data, now, None, Some(participants), along)
}

/// What an action writes with its event, in the event's statement (`db::together`): a new
/// request's row and participants, the documents the exchange signs over the event and the
/// request as it now stands (a request that leaves, an answer), and a submission's
/// deconfliction hashes and lookup.
#[derive(Default)]
pub(super) struct Along<'a> {
    /// Inserts of the change the event records, before it: a new request's row and its
    /// participants, in that order.
    pub before: Vec<Part<'static>>,
    /// The documents to sign, with the name they are signed in.
    pub documents: Vec<DocumentKind>,
    pub exchange: &'a str,
    /// How the request's parties are reached, as the action read them (else read here).
    pub reach: Option<&'a [crate::notify::Reach]>,
    /// A submission's deconfliction: its hashes inserted with the event, its lookup run after
    /// the event's writes, in their statement.
    pub lookup: Option<&'a mut crate::requests::deconfliction::service::Lookup>,
}

/// Records an event of `row`'s request: the event with the signed checkpoint over its hash and
/// the request as it now stands (with the request's participants when the caller holds them as
/// they now stand, else read), the statistics summary's step, the outbox (notifications and
/// deliveries) and what goes `along`, all in one statement on PostgreSQL (`db::together`, issue
/// 16), written with the change itself. Returns the event and the signed view, which is
/// answered.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    row: RequestRow,
    caller: Option<&Caller>,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
    notice: Option<&Value>,
    participants: Option<Vec<Participant>>,
    along: Along<'_>,
) -> Result<(EventRow, Request), ApiError> {
    // The event links after the chain's head as the row holds it (`requests.head_seq`,
    // `head_hash`; the genesis for a new request). The caller read that row inside its lock,
    // or inserted or saved it in this transaction after reading it so, and has recorded no
    // event since (or followed it, `RequestRow::followed_by`), so concurrent appends take their
    // numbers one after the other. A stale head is refused by the unique (request_id, seq).
    let head = row.chain_head();
    let mut writes = along.before;
    let recorded = repo::link(
        EventRow {
            id: Uuid::now_v7(),
            request_id: row.id,
            seq: 0,
            occurred_at: now,
            actor_client: caller.map(|c| DbUuid(c.client)),
            actor_party: caller.map(|c| DbUuid(c.party)),
            event_type,
            data,
            prev_hash: String::new(),
            hash: String::new(),
        },
        head,
    );
    // What the outbox and the statistics need of the row, taken before it becomes the view.
    let subject = notify_subject(&row);
    let statistics = crate::statistics::summary::record(
        || statistics_attributes(&row),
        recorded.event_type,
        recorded.occurred_at,
        &recorded.data,
    );
    let view = match participants {
        Some(participants) => view_with(row, participants)?,
        None => view_of(conn, row)?,
    };
    let jws = crate::requests::evidence::checkpoints::sign(keys, &view, recorded.seq, &recorded.hash);
    writes.extend(repo::event_inserts(&recorded, &keys.signing.kid, &jws));
    writes.extend(statistics.map(Written::part));
    let occurred = crate::notify::Occurrence { notice, ..occurrence(&recorded) };
    writes.extend(crate::notify::fan_out(conn, &subject, &occurred, along.reach, now)?);
    for kind in along.documents {
        writes.push(signed_document(keys, kind, &view, &recorded, along.exchange, now));
    }
    match along.lookup {
        Some(lookup) => lookup.sent_with(conn, writes)?,
        None => crate::db::together::execute_together(conn, &writes)?,
    }
    Ok((recorded, view))
}

/// The name documents are signed with when the exchange has no active party of its own.
pub(super) const EXCHANGE_FALLBACK_NAME: &str = "Rogatory exchange";

pub(super) fn bound(event: &EventRow) -> crate::requests::evidence::documents::BoundEvent<'_> {
    crate::requests::evidence::documents::BoundEvent { seq: event.seq, event_type: event.event_type, hash: &event.hash }
}

/// The request as the notification fan-out sees it.
pub(super) fn notify_subject(row: &RequestRow) -> crate::notify::Subject {
    crate::notify::Subject {
        id: row.id,
        reference: row.reference.clone(),
        legal_basis: row.legal_basis.clone(),
        issuer_party: row.issuer_party,
        addressee_party: row.addressee_party,
        enforcing_party: row.enforcing_party.as_ref().map(|p| p.0),
        submitted: row.submitted_at.is_some(),
        hidden_from_issuer: hidden_from_issuer(row),
    }
}

/// The request as its statistics summary copies it.
fn statistics_attributes(row: &RequestRow) -> crate::statistics::summary::Attributes {
    crate::statistics::summary::Attributes {
        request: row.id,
        legal_basis: row.legal_basis.clone(),
        kind: crate::db::codec::encode_text(&row.kind),
        priority: crate::db::codec::encode_text(&row.priority),
        issuer: row.issuer_party,
        addressee: row.addressee_party,
        enforcing: row.enforcing_party.as_ref().map(|p| p.0),
        categories: row.content.get("data_categories").cloned(),
    }
}

/// A recorded event as the notification fan-out sees it.
pub(super) fn occurrence(event: &EventRow) -> crate::notify::Occurrence<'_> {
    crate::notify::Occurrence {
        id: event.id,
        seq: event.seq,
        occurred_at: event.occurred_at,
        actor_party: event.actor_party.as_ref().map(|p| p.0),
        event_type: event.event_type,
        data: &event.data,
        notice: None,
    }
}

/// The legal content of a request as the exchange signs it, bound to the event that made it
/// leave (its sequence number and hash in the audit chain).
pub fn document(request: &Request, exchange: &str, event: &EventRow) -> Value {
    crate::requests::evidence::documents::request_document(request, exchange, &bound(event))
}

/// The insert of a document the exchange signs over `event` and the request as it stands:
/// the request's legal content as it leaves, or an answer (a response, or an enforcing
/// authority's objection) as its event records it: the text, the outcome and the digests of
/// the attachments it cites.
fn signed_document(
    keys: &KeyRing,
    kind: DocumentKind,
    request: &Request,
    event: &EventRow,
    exchange: &str,
    now: DateTime<Utc>,
) -> Part<'static> {
    use crate::requests::evidence::documents::{RESPONSE_CONTENT_TYPE, response_document, sign, sign_as};
    let jws = match kind {
        DocumentKind::Request => sign(keys, &document(request, exchange, event)),
        DocumentKind::Response => {
            let party = event.actor_party.as_ref().map(|p| p.0);
            sign_as(
                keys,
                RESPONSE_CONTENT_TYPE,
                &response_document(request, exchange, party, &event.data, &bound(event)),
            )
        }
    };
    repo::document_insert(request.id, kind, event.seq, &keys.signing.kid, jws, now)
}
