//! The database row of a clock, and its wire shape.

use chrono::{DateTime, Utc};
use diesel::prelude::{Insertable, Queryable, Selectable};
use uuid::Uuid;

use super::dto::Clock;
use super::rules::ClockState;
use crate::db::schema::clocks;
use crate::db::types::{DbText, DbTime, DbUuid};
use crate::error::ApiError;
use crate::vocab::{ClockKind, Obligor};

crate::db::types::text_columns!(ClockState);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clocks)]
pub struct ClockRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    #[diesel(serialize_as = DbText<ClockKind>, deserialize_as = DbText<ClockKind>)]
    pub kind: ClockKind,
    #[diesel(serialize_as = DbText<Obligor>, deserialize_as = DbText<Obligor>)]
    pub obligation_of: Obligor,
    #[diesel(serialize_as = DbText<ClockState>, deserialize_as = DbText<ClockState>)]
    pub state: ClockState,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub started_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub due_at: DateTime<Utc>,
    pub span_secs: i64,
    pub remaining_secs: Option<i64>,
    pub binding: bool,
    pub emergency: bool,
    pub pauses_on_clarification: bool,
    pub citation: String,
    pub next_reminder_at: Option<DbTime>,
    pub closed_at: Option<DbTime>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
}

impl ClockRow {
    pub fn into_clock(self) -> Result<Clock, ApiError> {
        Ok(Clock {
            state: self.state,
            kind: self.kind,
            obligation_of: self.obligation_of,
            id: self.id,
            request_id: self.request_id,
            party_id: self.party_id,
            started_at: self.started_at,
            due_at: self.due_at,
            remaining_secs: self.remaining_secs,
            binding: self.binding,
            emergency: self.emergency,
            pauses_on_clarification: self.pauses_on_clarification,
            citation: self.citation,
            closed_at: self.closed_at.map(|t| t.0),
        })
    }
}
