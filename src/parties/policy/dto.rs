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
    "contact": "lers@example.com",
    "routing": [
        {"issuer_region": "EU", "entity": "Example Platforms Ireland Ltd"},
        {"issuer_region": "US", "legal_bases": ["coe_budapest_29"], "entity": "Example Platforms Inc"},
        {"issuer_region": "*", "entity": "Example Platforms Inc"}
    ]
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
    /// Which of the party's legal entities (its directory `legal_entities`, by name) receives
    /// the requests of which issuers: the first rule that matches the issuer's country and the
    /// request's legal basis decides; without a match, the directory's regions decide. An EU
    /// instrument (`eu_…`) always lands on an entity in the Union (Dir. (EU) 2023/1544 Art 3).
    /// At most 100 rules.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub routing: Vec<RoutingRule>,
}

/// One rule of a party's routing: requests from `issuer_region` (under `legal_bases`, if
/// given) go to `entity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"issuer_region": "EU", "legal_bases": ["eu_epoc", "eu_epoc_pr"], "entity": "Example Platforms Ireland Ltd"}))]
pub struct RoutingRule {
    /// The issuer's country (ISO 3166-1 alpha-2), `EU` for every Member State, or `*` for
    /// every issuer.
    pub issuer_region: String,
    /// Only requests on these legal basis codes; empty: every basis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_bases: Vec<String>,
    /// The `name` of one of the party's `legal_entities`.
    pub entity: String,
}

/// A published version of a party's request policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "version": 2,
    "published_at": "2026-12-18T09:00:00Z",
    "policy": {"languages": ["en"], "identifier_types": {"*": ["email", "username"]}, "max_period_days": 365,
        "requires_ndo_duration": true, "emergency_criteria": null, "contact": "lers@example.com",
        "routing": [{"issuer_region": "EU", "entity": "Example Platforms Ireland Ltd"}]}
}))]
pub struct PublishedPolicy {
    /// 1 for the first publication, then one more at each.
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub policy: RequestPolicy,
}
