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

/// What a finding rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingSource {
    /// The addressee's published request policy.
    #[default]
    Policy,
    /// The legal basis's own text (`citation` names the provision).
    LegalBasis,
}

/// One thing the request does not do as the addressee's policy, or its legal basis, asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"pointer": "/content/language", "severity": "error", "code": "language_not_accepted",
    "message": "the addressee accepts requests in: en", "source": "policy"}))]
pub struct Finding {
    /// JSON Pointer into the request.
    pub pointer: String,
    pub severity: Severity,
    /// Stable code. From the policy: `language_not_accepted`, `language_missing`,
    /// `identifier_type_not_accepted`, `period_too_long`, `period_missing`,
    /// `ndo_duration_required`, `emergency_criteria`. From the legal basis:
    /// `offence_below_threshold`, `offence_threshold_unstated`, `validation_required`,
    /// `judge_required`, `emergency_definition`, `data_not_yet_stored`,
    /// `not_a_governmental_entity`.
    pub code: String,
    pub message: String,
    pub source: FindingSource,
    /// For a finding of the legal basis: the provision it rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Reg. (EU) 2023/1543 Art 5(4)")]
    pub citation: Option<String>,
}

/// The findings of a check of a request against its addressee's published policy and its
/// legal basis's own rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "addressee": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c92",
    "policy_version": 2,
    "findings": [{"pointer": "/content/language", "severity": "error", "code": "language_not_accepted",
        "message": "the addressee accepts requests in: en", "source": "policy"},
        {"pointer": "/content/max_custodial_sentence_months", "severity": "warning", "code": "offence_threshold_unstated",
        "message": "an EPOC for traffic data (other than data requested solely to identify the user) or content data may be issued only for offences punishable in the issuing State by a custodial sentence of a maximum of at least 3 years, or those Art 5(4) lists; state max_custodial_sentence_months, or art_5_4_listed_offence",
        "source": "legal_basis", "citation": "Reg. (EU) 2023/1543 Art 5(4)"}],
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
    /// Submit despite `error` findings of the check (the addressee's policy, the legal basis).
    #[serde(default, rename = "override")]
    pub checks_override: Option<Override>,
}
