//! Database rows of requests and what hangs off them: participants, events, clarifications,
//! messages and responses.

use chrono::{DateTime, Utc};
use diesel::prelude::{Insertable, Queryable, Selectable};
use serde_json::Value;
use uuid::Uuid;

use super::dto::{HoldStatus, ParticipantRole, RefusalReason};
use crate::db::schema::{
    clarifications, request_events, request_messages, request_participants, request_responses, requests,
};
use crate::db::types::{DbJson, DbText, DbTime, DbUuid};
use crate::vocab::{EventType, Outcome, Priority, RequestKind, RequestStatus};

crate::db::types::text_columns!(HoldStatus, ParticipantRole, RefusalReason);

/// What a list shows of a request (`GET /v1/requests`): none of its content, nor the catalogue
/// entry it was submitted under, which a page would read and decode for nothing.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct RequestSummaryRow {
    #[diesel(deserialize_as = DbUuid)]
    pub id: Uuid,
    pub reference: String,
    pub legal_basis: String,
    #[diesel(deserialize_as = DbText<RequestKind>)]
    pub kind: RequestKind,
    #[diesel(deserialize_as = DbText<Priority>)]
    pub priority: Priority,
    #[diesel(deserialize_as = DbText<RequestStatus>)]
    pub status: RequestStatus,
    #[diesel(deserialize_as = DbUuid)]
    pub issuer_party: Uuid,
    #[diesel(deserialize_as = DbUuid)]
    pub addressee_party: Uuid,
    #[diesel(deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
pub struct RequestRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    pub reference: String,
    pub legal_basis: String,
    #[diesel(serialize_as = DbText<RequestKind>, deserialize_as = DbText<RequestKind>)]
    pub kind: RequestKind,
    #[diesel(serialize_as = DbText<Priority>, deserialize_as = DbText<Priority>)]
    pub priority: Priority,
    #[diesel(serialize_as = DbText<RequestStatus>, deserialize_as = DbText<RequestStatus>)]
    pub status: RequestStatus,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub issuer_party: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub addressee_party: Uuid,
    pub enforcing_party: Option<DbUuid>,
    pub addressee_entity: Option<DbJson>,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub content: Value,
    pub follow_up_of: Option<DbUuid>,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub drafted_by: Uuid,
    pub outcome: Option<DbText<Outcome>>,
    pub submitted_at: Option<DbTime>,
    pub preservation_expires_at: Option<DbTime>,
    pub extensions_used: i32,
    pub version: i64,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
    /// The catalogue entry the request was submitted under (a snapshot): later corrections of
    /// the catalogue do not move its clocks.
    pub legal_basis_pinned: Option<DbJson>,
    /// Suspensive effect of the enforcing authority's notification (Reg. 2023/1543 Art 8(4)).
    pub hold_status: Option<DbText<HoldStatus>>,
    pub hold_until: Option<DbTime>,
    /// The issuer confirmed a follow-up request sent outside Rogatory (Reg. 2023/1543 Annex V).
    pub follow_up_confirmed_at: Option<DbTime>,
    /// The head of the request's audit chain: its last event's number and hash (none before
    /// the first event), kept by the database as events are inserted (migration 000025).
    pub head_seq: i32,
    pub head_hash: Option<String>,
}

impl RequestRow {
    /// The chain's head as the row read it: the next event links after it.
    pub fn chain_head(&self) -> super::repo::ChainHead {
        match &self.head_hash {
            Some(hash) => (self.head_seq, hash.clone()),
            None => super::repo::genesis_head(),
        }
    }

    /// The row once `event` is recorded (what the database's trigger does to the stored row).
    pub fn followed_by(&mut self, seq: i32, hash: &str) {
        self.head_seq = seq;
        self.head_hash = Some(hash.to_owned());
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_participants)]
pub struct ParticipantRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    #[diesel(serialize_as = DbText<ParticipantRole>, deserialize_as = DbText<ParticipantRole>)]
    pub role: ParticipantRole,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_events)]
pub struct EventRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    pub seq: i32,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub occurred_at: DateTime<Utc>,
    pub actor_client: Option<DbUuid>,
    pub actor_party: Option<DbUuid>,
    #[diesel(serialize_as = DbText<EventType>, deserialize_as = DbText<EventType>)]
    pub event_type: EventType,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub data: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl EventRow {
    /// The fields the event's hash covers.
    pub fn link(&self) -> crate::audit::chain::Link {
        crate::audit::chain::Link {
            request_id: self.request_id,
            seq: self.seq,
            occurred_at: crate::audit::chain::time_text(self.occurred_at),
            actor_client: self.actor_client.as_ref().map(|c| c.0),
            actor_party: self.actor_party.as_ref().map(|p| p.0),
            event_type: self.event_type.as_str().to_owned(),
            data: self.data.clone(),
            prev_hash: self.prev_hash.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clarifications)]
pub struct ClarificationRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub asked_by: Uuid,
    pub question: String,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DbTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_messages)]
pub struct MessageRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub author_party: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub author_client: Uuid,
    pub body: String,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
}

impl From<MessageRow> for super::dto::Message {
    fn from(m: MessageRow) -> Self {
        super::dto::Message {
            id: m.id,
            request_id: m.request_id,
            author_party: m.author_party,
            body: m.body,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_responses)]
pub struct ResponseRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    #[diesel(serialize_as = DbText<Outcome>, deserialize_as = DbText<Outcome>)]
    pub outcome: Outcome,
    pub refusal_reason: Option<DbText<RefusalReason>>,
    pub text: String,
    pub preserved_until: Option<DbTime>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub attachments: Value,
    pub status: String,
    pub release_at: Option<DbTime>,
}
