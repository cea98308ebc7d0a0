//! The read side of requests: one request, its clarifications, messages and events, lists.

use super::*;

pub(super) fn clarification_dto(row: ClarificationRow) -> Clarification {
    Clarification {
        id: row.id,
        request_id: row.request_id,
        asked_by: row.asked_by,
        question: row.question,
        asked_at: row.asked_at,
        answer: row.answer,
        answered_at: row.answered_at.map(|t| t.0),
    }
}

pub fn get(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Request, ApiError> {
    let (row, _) = load(conn, caller, id)?;
    view_of(conn, row)
}

pub fn clarifications(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Vec<Clarification>, ApiError> {
    load(conn, caller, id)?;
    Ok(repo::clarifications(conn, id)?.into_iter().map(clarification_dto).collect())
}

pub fn messages(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Vec<Message>, ApiError> {
    load(conn, caller, id)?;
    Ok(repo::messages(conn, id)?.into_iter().map(Message::from).collect())
}

/// Every event of the request, in order (the audit and the export verify the chain whole).
pub fn events(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Vec<Event>, ApiError> {
    // Every event, also while data are held (Reg. 2023/1543 Art 8(4)): the chain must verify
    // for every party. Held data never are in an event (`response.held` carries none); an
    // `attachment.added` event names a file the issuer cannot read until the release.
    load(conn, caller, id)?;
    Ok(repo::events(conn, id)?.into_iter().map(event_of).collect())
}

/// A page of the request's events, in order, and the cursor of the next page (as `events`).
pub fn events_page(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    page: Page,
) -> Result<(Vec<Event>, Option<String>), ApiError> {
    load(conn, caller, id)?;
    let rows = repo::events_page(conn, id, &page)?;
    Ok(page.finish(rows.into_iter().map(event_of).collect(), |e| e.id))
}

fn event_of(e: EventRow) -> Event {
    Event {
        id: e.id,
        seq: e.seq,
        occurred_at: e.occurred_at,
        actor_client: e.actor_client.map(|c| c.0),
        actor_party: e.actor_party.map(|p| p.0),
        event_type: e.event_type.as_str().to_owned(),
        data: e.data,
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: RequestQuery,
    page: Page,
) -> Result<(Vec<RequestSummary>, Option<String>), ApiError> {
    use crate::requests::dto::Direction;
    let filter = ListFilter {
        party: caller.party,
        outgoing: q.direction.map(|d| d == Direction::Outgoing),
        status: q.status.map(|s| encode_text(&s)),
        legal_basis: q.legal_basis,
        kind: q.kind.map(|k| encode_text(&k)),
        counterpart: q.counterpart,
        priority: q.priority.map(|p| encode_text(&p)),
        created_after: q.created_after,
        created_before: q.created_before,
        overdue: q.overdue,
        due_before: q.due_before,
    };
    let rows = repo::list(conn, &filter, page)?;
    let (rows, next) = page.finish(rows, |r| r.id);
    let items = rows
        .into_iter()
        .map(|r| RequestSummary {
            id: r.id,
            reference: r.reference,
            legal_basis: r.legal_basis,
            kind: r.kind,
            priority: r.priority,
            status: r.status,
            issuer_party: r.issuer_party,
            addressee_party: r.addressee_party,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect();
    Ok((items, next))
}

/// The request as its parties see it.
pub fn view(conn: &mut AnyConnection, id: Uuid) -> Result<Request, ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(|| not_found(id))?;
    view_of(conn, row)
}

/// The request as its parties see it, from a row already read.
pub(super) fn view_of(conn: &mut AnyConnection, row: RequestRow) -> Result<Request, ApiError> {
    let mut participants = Vec::new();
    for (p, name, country) in repo::participants(conn, row.id)? {
        participants.push(Participant {
            party: PartyRef { id: p.party_id, name, country },
            role: p.role,
            since: p.added_at,
        });
    }
    view_with(row, participants)
}

/// The request as answered, from its row and its participants in `repo::participants`'s order.
pub(super) fn view_with(row: RequestRow, participants: Vec<Participant>) -> Result<Request, ApiError> {
    let id = row.id;
    let find = |party: Uuid| participants.iter().find(|p| p.party.id == party).map(|p| p.party.clone());
    let missing = |what: &str| ApiError::internal(anyhow::anyhow!("request {id} has no {what} participant"));
    Ok(Request {
        id: row.id,
        reference: row.reference,
        legal_basis: row.legal_basis,
        kind: row.kind,
        priority: row.priority,
        status: row.status,
        issuer: find(row.issuer_party).ok_or_else(|| missing("issuer"))?,
        addressee: find(row.addressee_party).ok_or_else(|| missing("addressee"))?,
        addressee_entity: row.addressee_entity.map(|e| decode("requests.addressee_entity", e.0)).transpose()?,
        enforcing_authority: row.enforcing_party.and_then(|p| find(p.0)),
        participants,
        content: decode("requests.content", row.content)?,
        follow_up_of: row.follow_up_of.map(|p| p.0),
        outcome: row.outcome.map(|o| o.0),
        submitted_at: row.submitted_at.map(|t| t.0),
        preservation_expires_at: row.preservation_expires_at.map(|t| t.0),
        extensions_used: row.extensions_used,
        follow_up_confirmed_at: row.follow_up_confirmed_at.map(|t| t.0),
        legal_basis_version: row
            .legal_basis_pinned
            .as_ref()
            .and_then(|p| p.0.get("effective_from").cloned())
            .and_then(|v| serde_json::from_value(v).ok()),
        data_hold: row
            .hold_status
            .map(|s| {
                Ok::<_, ApiError>(DataHold {
                    status: s.0,
                    release_at: row.hold_until.map(|t| t.0),
                    citation: HOLD_CITATION.to_owned(),
                })
            })
            .transpose()?,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
