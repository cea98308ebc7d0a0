//! Database rows of parties and API clients, and their conversion to the wire shapes.

use chrono::{DateTime, Utc};
use diesel::prelude::{Insertable, Queryable, Selectable};
use serde_json::Value;
use uuid::Uuid;

use super::dto::{ApiClient, Party};
pub use crate::auth::model::ApiClientRow;
use crate::db::codec::decode;
use crate::db::schema::parties;
use crate::db::types::{DbJson, DbText, DbTime, DbUuid};
use crate::error::ApiError;
use crate::vocab::{PartyKind, PartyStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = parties)]
pub struct PartyRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbText<PartyKind>, deserialize_as = DbText<PartyKind>)]
    pub kind: PartyKind,
    pub name: String,
    pub name_key: String,
    pub country: Option<String>,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub designations: Value,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub legal_entities: Value,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub accepted_legal_bases: Value,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub languages: Value,
    pub emergency_contact: Option<String>,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub notification_emails: Value,
    #[diesel(serialize_as = DbText<PartyStatus>, deserialize_as = DbText<PartyStatus>)]
    pub status: PartyStatus,
    pub version: i64,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
    pub requires_approval: bool,
    pub deconfliction: bool,
    pub deconfliction_contact: Option<String>,
    /// The current request policy (`policy::dto::PublishedPolicy`), when the party published one.
    pub request_policy: Option<DbJson>,
}

impl PartyRow {
    pub fn into_party(self) -> Result<Party, ApiError> {
        Ok(Party {
            id: self.id,
            kind: self.kind,
            name: self.name,
            country: self.country,
            designations: decode("parties.designations", self.designations)?,
            legal_entities: decode("parties.legal_entities", self.legal_entities)?,
            accepted_legal_bases: decode("parties.accepted_legal_bases", self.accepted_legal_bases)?,
            languages: decode("parties.languages", self.languages)?,
            emergency_contact: self.emergency_contact,
            notification_emails: decode("parties.notification_emails", self.notification_emails)?,
            status: self.status,
            requires_approval: self.requires_approval,
            deconfliction: self.deconfliction,
            deconfliction_contact: self.deconfliction_contact,
            request_policy: self.request_policy.map(|p| decode("parties.request_policy", p.0)).transpose()?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl ApiClientRow {
    pub fn into_client(self) -> Result<ApiClient, ApiError> {
        Ok(ApiClient {
            id: self.id,
            party_id: self.party_id,
            client_id: self.client_id,
            name: self.name,
            roles: decode("api_clients.roles", self.roles)?,
            external_issuer: self.external_issuer,
            external_subject: self.external_subject,
            created_at: self.created_at,
            revoked_at: self.revoked_at.map(|t| t.0),
        })
    }
}
