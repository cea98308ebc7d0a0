//! The shared vocabulary of the domain (DESIGN.md section 3): closed lists that the API,
//! the catalogue and later the requests use with the same spelling.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Preservation,
    Production,
    EmergencyDisclosure,
    MutualLegalAssistance,
    ExpeditedDisclosure,
    DomainRegistration,
    UrgentInformation,
    /// Exchange of information between police single points of contact (Dir. (EU) 2023/977).
    InformationExchange,
}

/// Which kind of party may receive a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    StateAuthority,
    ServiceProvider,
}

/// What a state authority is designated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Designation {
    CentralAuthority,
    /// Point of contact of the 24/7 network (ETS 185 Art 35).
    #[serde(rename = "contact_point_24_7")]
    ContactPoint24_7,
    EnforcingAuthority,
    Judicial,
    Police,
    /// Single point of contact for information exchange between law enforcement authorities
    /// (Dir. (EU) 2023/977 Art 14).
    SinglePointOfContact,
}

/// Categories of data a request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    Subscriber,
    /// Data requested solely to identify the user (Reg. (EU) 2023/1543 Art 3(10)), e.g. IP
    /// addresses with their time: no notification of the enforcing authority (Art 8(1)).
    Identification,
    Traffic,
    Content,
}

/// The kinds of legal clock a request can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Acknowledge,
    Respond,
    Object,
    Preservation,
    Recognition,
    Execution,
    NonDisclosure,
    /// The decision on provisional measures of an urgent EIO (Dir. 2014/41 Art 32(2)).
    ProvisionalMeasures,
}

/// The event that starts a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockTrigger {
    /// The addressee received the request (it was submitted to it).
    Received,
    /// The addressee recognised the request (EIO decision on recognition).
    Recognised,
    /// The addressee answered that the data are preserved.
    Preserved,
}

/// The participant that must act before a clock runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Obligor {
    Addressee,
    EnforcingAuthority,
    Issuer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_as_in_the_design() {
        assert_eq!(serde_json::to_value(Designation::ContactPoint24_7).unwrap(), "contact_point_24_7");
        assert_eq!(serde_json::to_value(RequestKind::MutualLegalAssistance).unwrap(), "mutual_legal_assistance");
    }
}

// Where a request stands in its lifecycle (DESIGN.md section 4). No doc comment: it would
// become the schema's description in the committed spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Draft,
    PendingApproval,
    Submitted,
    Acknowledged,
    AwaitingClarification,
    Completed,
    Preserved,
    Released,
    Lapsed,
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 10] = [
        RequestStatus::Draft,
        RequestStatus::PendingApproval,
        RequestStatus::Submitted,
        RequestStatus::Acknowledged,
        RequestStatus::AwaitingClarification,
        RequestStatus::Completed,
        RequestStatus::Preserved,
        RequestStatus::Released,
        RequestStatus::Lapsed,
        RequestStatus::Withdrawn,
    ];
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    Urgent,
    /// Danger to life or physical integrity: the emergency clocks of the legal basis apply.
    Emergency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fulfilled,
    PartiallyFulfilled,
    NoData,
    Refused,
    /// Preservation requests: the data are preserved until `preserved_until`.
    Preserved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// The operator of this Rogatory exchange (created by `rogatory admin bootstrap`).
    Exchange,
    StateAuthority,
    ServiceProvider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyStatus {
    PendingVerification,
    Active,
    Suspended,
}

/// Displays vocabulary values in their API spelling (`pending_approval`), for messages: the
/// rules name a status without knowing how it is stored.
macro_rules! api_spelling {
    ($($ty:ty),* $(,)?) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(text)) => f.write_str(&text),
                    _ => write!(f, "{self:?}"),
                }
            }
        }
    )*};
}

api_spelling!(
    RequestKind,
    RecipientKind,
    Designation,
    DataCategory,
    ClockKind,
    RequestStatus,
    Priority,
    Outcome,
    PartyKind,
    PartyStatus
);
