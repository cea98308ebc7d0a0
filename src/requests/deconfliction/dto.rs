//! The wire shapes of deconfliction hits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::requests::dto::TargetType;

/// The other party of a hit, as the directory and its own settings publish it. Never its
/// request: not its id, reference, content, facts or offences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c91",
    "name": "Politie 24/7 point of contact",
    "country": "NL",
    "deconfliction_contact": "deconfliction@politie.example.nl"
}))]
pub struct Counterpart {
    pub party_id: Uuid,
    pub name: String,
    pub country: Option<String>,
    /// Where the other party takes questions about hits; absent when it publishes none.
    pub deconfliction_contact: Option<String>,
}

/// A target of one of the caller's requests is also sought by an open request of another
/// party. Each side decides whether to contact the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a700-0000-7000-8000-0000000000d1",
    "request_id": "0193a6f8-1111-7000-8000-000000000001",
    "target_type": "phone",
    "counterpart": {
        "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c91",
        "name": "Politie 24/7 point of contact",
        "country": "NL",
        "deconfliction_contact": "deconfliction@politie.example.nl"
    },
    "created_at": "2026-12-18T10:15:00Z"
}))]
pub struct DeconflictionHit {
    pub id: Uuid,
    /// The caller's own request that seeks the target.
    pub request_id: Uuid,
    /// The type of the target both requests seek (never the target itself).
    pub target_type: TargetType,
    pub counterpart: Counterpart,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a700-0000-7000-8000-0000000000d1",
    "request_id": "0193a6f8-1111-7000-8000-000000000001",
    "target_type": "phone",
    "counterpart": {
        "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c91",
        "name": "Politie 24/7 point of contact",
        "country": "NL",
        "deconfliction_contact": "deconfliction@politie.example.nl"
    },
    "created_at": "2026-12-18T10:15:00Z"
}]}))]
pub struct HitList {
    pub items: Vec<DeconflictionHit>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of hits, newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HitQuery {
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
