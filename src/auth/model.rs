//! The database row of an API client: the credentials authentication reads. The directory
//! (`parties`) manages clients and turns the row into its wire shape.

use chrono::{DateTime, Utc};
use diesel::prelude::{Insertable, Queryable, Selectable};
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::api_clients;
use crate::db::types::{DbJson, DbTime, DbUuid};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
pub struct ApiClientRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub external_issuer: Option<String>,
    pub external_subject: Option<String>,
    #[diesel(serialize_as = DbJson, deserialize_as = DbJson)]
    pub roles: Value,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    pub created_by: Option<DbUuid>,
    pub revoked_at: Option<DbTime>,
    pub revoked_by: Option<DbUuid>,
}
