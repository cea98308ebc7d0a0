//! The database row of a catalogue entry and its decoding into the wire shape.

use chrono::{DateTime, Utc};
use diesel::prelude::{Queryable, Selectable};
use serde_json::Value;

use crate::db::schema::legal_bases;
use crate::db::types::{DbJson, DbTime};

/// A catalogue row as stored; JSON columns are checked when turned into a `LegalBasis`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = legal_bases)]
pub struct LegalBasisRow {
    pub code: String,
    pub title: String,
    pub instrument: String,
    pub article: String,
    pub request_kind: String,
    #[diesel(deserialize_as = DbJson)]
    pub allowed_recipient_kinds: Value,
    #[diesel(deserialize_as = DbJson)]
    pub preferred_designations: Value,
    #[diesel(deserialize_as = DbJson)]
    pub required_fields: Value,
    #[diesel(deserialize_as = DbJson)]
    pub clocks: Value,
    #[diesel(deserialize_as = DbJson)]
    pub extensions: Value,
    pub citation: String,
    pub source_url: Option<String>,
    pub verified: bool,
    pub notes: Option<String>,
    #[diesel(deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
    pub binding: bool,
    #[diesel(deserialize_as = DbJson)]
    pub refusal_grounds: Value,
    pub in_force: Option<DbJson>,
    #[diesel(deserialize_as = DbTime)]
    pub effective_from: DateTime<Utc>,
    pub source_quote: Option<String>,
    pub refusal_grounds_exhaustive: bool,
}
