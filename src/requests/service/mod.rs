//! State changes of requests. Each public function runs inside one write transaction opened
//! by the caller (`Db::write`), and records an event row for every change it makes.

use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::content::{self, needs_enforcing_notification};
use super::dto::{
    AddresseeSpec, Clarification, DataHold, Derogation, Event, FollowUpConfirmation, Forward, HoldStatus, Message,
    NewRequest, NewResponse, Objection, Participant, ParticipantRole, PartyRef, Recognition, RecognitionScope, Request,
    RequestContent, RequestPatch, RequestQuery, RequestSummary,
};
use super::lifecycle::{self, Action, Facts, Side};
use super::model::{ClarificationRow, EventRow, MessageRow, ParticipantRow, RequestRow, ResponseRow};
use super::repo::{self, DocumentKind, ListFilter};
use super::routing;
use crate::auth::Caller;
use crate::auth::keys::KeyRing;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::db::codec::{decode, encode, encode_text};
use crate::db::types::{DbJson, DbText, DbTime, DbUuid};
use crate::error::{ApiError, FieldError, ProblemType};
use crate::legal_bases::{self, LegalBasis};
use crate::page::Page;
use crate::parties::dto::{LegalEntity, Party};
use crate::parties::{repo as party_repo, service as party_service};
use crate::requests::attachments;
use crate::vocab::{ClockKind, EventType, Outcome, PartyKind, PartyStatus, Priority, RequestKind, RequestStatus};

mod access;
mod commands;
mod events;
mod queries;

pub use access::*;
pub use commands::*;
pub use events::*;
pub use queries::*;

/// The statuses of a request that has not left its issuer: nobody else sees it, nor hears of it.
pub const NOT_LEFT: [RequestStatus; 2] = [RequestStatus::Draft, RequestStatus::PendingApproval];

fn has_left(status: RequestStatus) -> bool {
    !NOT_LEFT.contains(&status)
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no request {id}"))
}

fn basis(conn: &mut AnyConnection, code: &str) -> Result<LegalBasis, ApiError> {
    legal_bases::repo::find(conn, code)?.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new(
            "/legal_basis",
            "unknown_legal_basis",
            format!("{code:?} is not in the legal-basis catalogue (GET /v1/legal-bases)"),
        )])
    })
}

/// The catalogue entry a request runs under: the version pinned when it was submitted, so a
/// later correction of the catalogue does not move its clocks; the current one for a draft.
pub(crate) fn basis_for(conn: &mut AnyConnection, row: &RequestRow) -> Result<LegalBasis, ApiError> {
    match &row.legal_basis_pinned {
        Some(pinned) => Ok(decode("requests.legal_basis_pinned", pinned.0.clone())?),
        None => basis(conn, &row.legal_basis),
    }
}

fn party(conn: &mut AnyConnection, id: Uuid) -> Result<Party, ApiError> {
    party_service::get_party(conn, id)?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {id} vanished")))
}

/// The parties an action on a request names: its issuer, its addressee, and the exchange,
/// whose name signs the documents; the request's participants as they stood before the action
/// (the request it signs, unless the action changes them); and how each of these parties is
/// reached (the action's notifications go to its participants).
struct ActionParties {
    issuer: Party,
    addressee: Party,
    exchange_name: String,
    participants: Vec<Participant>,
    reach: Vec<crate::notify::Reach>,
}

/// A request's issuer and addressee, the exchange's name, the request's participants and how
/// each is reached, read in one statement (issue 16: statements per action).
fn action_parties(conn: &mut AnyConnection, row: &RequestRow) -> Result<ActionParties, ApiError> {
    let found = repo::parties_and_participants(conn, row.id, (row.issuer_party, row.addressee_party))?;
    let take = |id: Uuid| -> Result<Party, ApiError> {
        let (party, _, _) = found
            .iter()
            .find(|(p, _, _)| p.id == id)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {id} vanished")))?;
        party.clone().into_party()
    };
    let issuer = take(row.issuer_party)?;
    let addressee = take(row.addressee_party)?;
    // The first active exchange party by id, as `exchange_name` reads it.
    let exchange_name = found
        .iter()
        .map(|(p, _, _)| p)
        .filter(|p| p.kind == PartyKind::Exchange && p.status == PartyStatus::Active)
        .min_by_key(|p| p.id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| EXCHANGE_FALLBACK_NAME.into());
    // A party's role comes once per subscription of the party: each (party, role) once.
    let mut participants: Vec<Participant> = vec![];
    let mut reach: Vec<crate::notify::Reach> = vec![];
    for (party, taking_part, webhook) in &found {
        if let Some(t) = taking_part
            && !participants.iter().any(|p| p.party.id == t.party_id && p.role == t.role)
        {
            participants.push(Participant {
                party: PartyRef { id: t.party_id, name: party.name.clone(), country: party.country.clone() },
                role: t.role,
                since: t.added_at,
            });
        }
        let at = match reach.iter().position(|r| r.party == party.id) {
            Some(at) => at,
            None => {
                reach.push(crate::notify::Reach::of(party.id, &party.notification_emails, &party.languages));
                reach.len() - 1
            }
        };
        if let Some((id, types)) = webhook
            && !reach[at].webhooks.iter().any(|(known, _)| *known == id.0)
        {
            reach[at].webhooks.push((id.0, serde_json::from_value(types.0.clone()).unwrap_or_default()));
        }
    }
    Ok(ActionParties { issuer, addressee, exchange_name, participants, reach })
}

/// Where the request's data stand with the enforcing authority (Reg. 2023/1543 Art 8(4)).
fn hold_of(row: &RequestRow) -> Option<HoldStatus> {
    row.hold_status.as_ref().map(|h| h.0)
}

/// A response's status while its data are held, and once they are handed over or withheld.
const HELD: &str = "held_pending_enforcing_authority";
const WITHHELD: &str = "withheld";
const DELIVERED: &str = "delivered";
const HOLD_CITATION: &str =
    "Reg. (EU) 2023/1543 Art 8(4) (suspensive effect), Art 10(2) (data at the end of the 10 days)";
