//! The wire shapes of request policies.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab::TargetType;

/// What a party needs in the requests it receives. Every field is optional: what is not stated
/// is not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "languages": ["en"],
    "identifier_types": {"eu_epoc": ["email", "username", "account_id", "ip"], "*": ["email", "username"]},
    "max_period_days": 365,
    "requires_ndo_duration": true,
    "emergency_criteria": "Imminent danger of death or serious physical injury to a person.",
    "contact": "lers@example.com"
}))]
pub struct RequestPolicy {
    /// Languages (ISO 639-1) a request must be written in (`content.language`); empty: any.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The identifier types the party can act on, per legal basis code; `*` for every basis not
    /// listed. A basis not listed, without `*`: any type.
    #[serde(default)]
    pub identifier_types: BTreeMap<String, Vec<TargetType>>,
    /// The longest period of data (`content.period`) one request may cover, in days.
    #[serde(default)]
    pub max_period_days: Option<u32>,
    /// A non-disclosure request must say until when (`content.confidentiality.until`).
    #[serde(default)]
    pub requires_ndo_duration: bool,
    /// What the party treats as an emergency (shown to issuers of emergency requests).
    #[serde(default)]
    pub emergency_criteria: Option<String>,
    /// Where issuers ask questions about the policy (e-mail).
    #[serde(default)]
    pub contact: Option<String>,
}

/// A published version of a party's request policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "version": 2,
    "published_at": "2026-12-18T09:00:00Z",
    "policy": {"languages": ["en"], "identifier_types": {"*": ["email", "username"]}, "max_period_days": 365,
        "requires_ndo_duration": true, "emergency_criteria": null, "contact": "lers@example.com"}
}))]
pub struct PublishedPolicy {
    /// 1 for the first publication, then one more at each.
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub policy: RequestPolicy,
}
