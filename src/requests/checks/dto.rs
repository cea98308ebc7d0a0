//! The wire shapes of the checks of a request against its addressee's request policy.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission unless the issuer overrides it with a reason.
    Error,
    /// Informs; never blocks.
    Warning,
}

/// One thing the request does not do as the addressee's policy asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"pointer": "/content/language", "severity": "error", "code": "language_not_accepted",
    "message": "the addressee accepts requests in: en"}))]
pub struct Finding {
    /// JSON Pointer into the request.
    pub pointer: String,
    pub severity: Severity,
    /// Stable code: `language_not_accepted`, `language_missing`, `identifier_type_not_accepted`,
    /// `period_too_long`, `period_missing`, `ndo_duration_required`, `emergency_criteria`.
    pub code: String,
    pub message: String,
}

/// The findings of a check of a request against its addressee's published policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "addressee": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c92",
    "policy_version": 2,
    "findings": [{"pointer": "/content/language", "severity": "error", "code": "language_not_accepted",
        "message": "the addressee accepts requests in: en"}],
    "blocks_submission": true
}))]
pub struct CheckReport {
    pub addressee: Uuid,
    /// The version of the policy checked against; absent when the addressee published none.
    pub policy_version: Option<i64>,
    pub findings: Vec<Finding>,
    /// An `error` finding: submission answers 422 unless it carries `override` with a reason.
    pub blocks_submission: bool,
}

/// Overriding the `error` findings of the pre-submission check, with the reason, which the
/// submission's event records for the addressee to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Urgent: no English translation can be made in time; the platform agreed by phone."}))]
pub struct Override {
    pub reason: String,
}

/// The optional body of a submission.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"override": {"reason": "Urgent: no English translation can be made in time; the platform agreed by phone."}}))]
pub struct Submission {
    /// Submit despite `error` findings of the check against the addressee's policy.
    #[serde(default, rename = "override")]
    pub checks_override: Option<Override>,
}
