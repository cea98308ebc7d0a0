//! The audit log of administrative changes (parties, clients). Every entry is written in the
//! same transaction as the change it records, with who did it.

pub mod chain;
pub mod jcs;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::db::DbError;
use crate::db::prepared::prepared;
use crate::db::schema::audit_log;
use crate::db::types::{DbJson, DbTime, DbUuid};

/// Who made a change: an API client of a party, or an operator at the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub client: Option<Uuid>,
    pub party: Option<Uuid>,
    /// `client_id` of the client, or `cli:<command>`.
    pub label: String,
}

impl Actor {
    pub fn cli(command: &str) -> Actor {
        Actor { client: None, party: None, label: format!("cli:{command}") }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry {
    #[diesel(serialize_as = DbUuid)]
    id: Uuid,
    #[diesel(serialize_as = DbTime)]
    occurred_at: DateTime<Utc>,
    actor_client: Option<DbUuid>,
    actor_party: Option<DbUuid>,
    actor: String,
    action: String,
    subject_type: String,
    subject_id: String,
    #[diesel(serialize_as = DbJson)]
    details: Value,
}

/// Appends one entry; call it inside the transaction of the change.
pub fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    subject: (&str, &str),
    details: Value,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    prepared(diesel::insert_into(audit_log::table).values(NewEntry {
        id: Uuid::now_v7(),
        occurred_at: now,
        actor_client: actor.client.map(DbUuid),
        actor_party: actor.party.map(DbUuid),
        actor: actor.label.clone(),
        action: action.to_owned(),
        subject_type: subject.0.to_owned(),
        subject_id: subject.1.to_owned(),
        details,
    }))
    .execute(conn)?;
    Ok(())
}
