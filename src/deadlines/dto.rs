//! Wire shapes of deadlines: a request's clocks and a party's own targets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::ClockState;
use crate::legal_bases::IsoDuration;
use crate::vocab::{ClockKind, Obligor};

/// A legal clock of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6fa-0000-7000-8000-00000000c10c", "request_id": "0193a6f5-0000-7000-8000-000000000001",
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", "kind": "respond", "obligation_of": "addressee",
    "state": "running", "started_at": "2026-11-30T08:00:00Z", "due_at": "2026-12-10T08:00:00Z",
    "remaining_secs": null, "binding": true, "emergency": false, "pauses_on_clarification": true,
    "citation": "Reg. (EU) 2023/1543 Art 10(2) (10 days), Art 10(4) (8 hours in an emergency)", "closed_at": null
}))]
pub struct Clock {
    pub id: Uuid,
    pub request_id: Uuid,
    /// The party that must act before the clock runs out.
    pub party_id: Uuid,
    pub kind: ClockKind,
    pub obligation_of: Obligor,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// When it runs out (while paused: when it would, had it not been paused).
    pub due_at: DateTime<Utc>,
    /// Seconds that were left when it was paused.
    pub remaining_secs: Option<i64>,
    /// Set by law (true) or a default target (false).
    pub binding: bool,
    pub emergency: bool,
    pub pauses_on_clarification: bool,
    pub citation: String,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClockList {
    pub items: Vec<Clock>,
}

/// A party's own target for a clock that no law sets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"clock": "respond", "duration": "P60D"}))]
pub struct ClockTarget {
    pub clock: ClockKind,
    /// ISO 8601, days and hours.
    #[schema(value_type = String, example = "P60D")]
    pub duration: IsoDuration,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClockTargetEntry {
    pub legal_basis: String,
    pub clock: ClockKind,
    /// Seconds.
    pub duration_secs: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClockTargetList {
    pub items: Vec<ClockTargetEntry>,
}
