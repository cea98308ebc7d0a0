//! The shared vocabulary of the domain (DESIGN.md section 3): closed lists that the API,
//! the catalogue and later the requests use with the same spelling.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The Member States of the European Union, for provider entities designated for region `EU`.
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

// A request as a party sees it: issued by it, or received. (No doc comment: the spec's schema
// has none.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Requests the caller's party issued.
    Outgoing,
    /// Requests addressed to, notified to or forwarded by the caller's party.
    Incoming,
}

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

// The type of a request's target (an identifier the request is about). No doc comment: it
// would become the schema's description in the committed spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Email,
    Phone,
    Username,
    Url,
    Ip,
    Domain,
    AccountId,
}

/// Displays vocabulary values in their API spelling (`pending_approval`), for messages: the
/// rules name a status without knowing how it is stored.
macro_rules! api_spelling {
    ($($ty:ty),* $(,)?) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(text)) => f.write_str(&text),
                    _ => write!(f, "{self:?}"),
                }
            }
        }
    )*};
}

pub(crate) use api_spelling;

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
    PartyStatus,
    Obligor,
    TargetType
);

/// Every event a request's audit chain records, spelt as stored and as webhooks carry it
/// (`request.submitted`). One enum instead of string literals: who hears of an event, its
/// feed line, whether it is mailed and whether webhooks may subscribe to it are decided here,
/// so a misspelt type cannot silently drop a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "request.created")]
    RequestCreated,
    #[serde(rename = "request.updated")]
    RequestUpdated,
    #[serde(rename = "request.approval_requested")]
    ApprovalRequested,
    #[serde(rename = "request.submitted")]
    Submitted,
    #[serde(rename = "request.acknowledged")]
    Acknowledged,
    #[serde(rename = "request.recognised")]
    Recognised,
    #[serde(rename = "request.no_grounds")]
    NoGrounds,
    #[serde(rename = "request.derogation")]
    Derogation,
    #[serde(rename = "response.held")]
    ResponseHeld,
    #[serde(rename = "response.released")]
    ResponseReleased,
    #[serde(rename = "request.clarification_requested")]
    ClarificationRequested,
    #[serde(rename = "request.clarification_answered")]
    ClarificationAnswered,
    #[serde(rename = "request.forwarded")]
    Forwarded,
    #[serde(rename = "request.responded")]
    Responded,
    #[serde(rename = "request.objected")]
    Objected,
    #[serde(rename = "request.withdrawn")]
    Withdrawn,
    #[serde(rename = "preservation.extended")]
    PreservationExtended,
    #[serde(rename = "preservation.released")]
    PreservationReleased,
    #[serde(rename = "preservation.follow_up_confirmed")]
    FollowUpConfirmed,
    #[serde(rename = "preservation.expiring")]
    PreservationExpiring,
    #[serde(rename = "preservation.lapsed")]
    PreservationLapsed,
    #[serde(rename = "clock.approaching")]
    ClockApproaching,
    #[serde(rename = "clock.missed")]
    ClockMissed,
    #[serde(rename = "message.posted")]
    MessagePosted,
    #[serde(rename = "attachment.added")]
    AttachmentAdded,
    /// A target of the request is also sought by an open request of another party (issue 18).
    #[serde(rename = "deconfliction.hit")]
    DeconflictionHit,
}

/// A participant an event concerns, resolved to a party by the notification fan-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Issuer,
    Addressee,
    /// The enforcing authority of an order (Reg. 2023/1543 Art 8), when there is one.
    Enforcing,
    /// The party a request was forwarded to (the event's `data.to`).
    ForwardedTo,
    /// The party that must act on a clock (the event's `data.party`).
    ClockParty,
}

impl EventType {
    /// In the order webhook subscriptions and the spec list them (the subscribable ones first).
    pub const ALL: [EventType; 26] = [
        EventType::Submitted,
        EventType::Acknowledged,
        EventType::Recognised,
        EventType::NoGrounds,
        EventType::Derogation,
        EventType::ResponseHeld,
        EventType::ResponseReleased,
        EventType::ClarificationRequested,
        EventType::ClarificationAnswered,
        EventType::Forwarded,
        EventType::Responded,
        EventType::Objected,
        EventType::Withdrawn,
        EventType::PreservationExtended,
        EventType::PreservationReleased,
        EventType::FollowUpConfirmed,
        EventType::PreservationExpiring,
        EventType::PreservationLapsed,
        EventType::ClockApproaching,
        EventType::ClockMissed,
        EventType::MessagePosted,
        EventType::AttachmentAdded,
        EventType::DeconflictionHit,
        EventType::RequestCreated,
        EventType::RequestUpdated,
        EventType::ApprovalRequested,
    ];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        use EventType::*;
        match self {
            RequestCreated => "request.created",
            RequestUpdated => "request.updated",
            ApprovalRequested => "request.approval_requested",
            Submitted => "request.submitted",
            Acknowledged => "request.acknowledged",
            Recognised => "request.recognised",
            NoGrounds => "request.no_grounds",
            Derogation => "request.derogation",
            ResponseHeld => "response.held",
            ResponseReleased => "response.released",
            ClarificationRequested => "request.clarification_requested",
            ClarificationAnswered => "request.clarification_answered",
            Forwarded => "request.forwarded",
            Responded => "request.responded",
            Objected => "request.objected",
            Withdrawn => "request.withdrawn",
            PreservationExtended => "preservation.extended",
            PreservationReleased => "preservation.released",
            FollowUpConfirmed => "preservation.follow_up_confirmed",
            PreservationExpiring => "preservation.expiring",
            PreservationLapsed => "preservation.lapsed",
            ClockApproaching => "clock.approaching",
            ClockMissed => "clock.missed",
            MessagePosted => "message.posted",
            AttachmentAdded => "attachment.added",
            DeconflictionHit => "deconfliction.hit",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Which participants hear of the event, in this order (before the one that caused it is
    /// removed). The drafting events concern the issuer alone and notify no one.
    pub fn audience(self) -> &'static [Audience] {
        use Audience::*;
        use EventType::*;
        match self {
            Submitted | Withdrawn | PreservationExtended | PreservationReleased | FollowUpConfirmed => {
                &[Addressee, Enforcing]
            }
            ApprovalRequested
            | Acknowledged
            | ClarificationRequested
            | Responded
            | Recognised
            | Derogation
            | ResponseReleased
            | PreservationExpiring
            // Only the issuer: the addressee never hears that someone else seeks the target.
            | DeconflictionHit => &[Issuer],
            // The issuer learns that an answer exists and when its data come; the enforcing
            // authority, that its decision now holds them (Reg. 2023/1543 Art 8(4)).
            ResponseHeld => &[Issuer, Enforcing],
            Objected | NoGrounds | PreservationLapsed => &[Issuer, Addressee],
            ClarificationAnswered => &[Addressee],
            Forwarded => &[Issuer, ForwardedTo],
            MessagePosted | AttachmentAdded => &[Issuer, Addressee, Enforcing],
            ClockApproaching => &[ClockParty],
            // A missed clock escalates to the party that had to act and to the issuer.
            ClockMissed => &[ClockParty, Issuer],
            RequestCreated | RequestUpdated => &[],
        }
    }

    /// The feed's line for it; never evidence content.
    pub fn summary(self) -> &'static str {
        use EventType::*;
        match self {
            RequestCreated => "request created",
            RequestUpdated => "request updated",
            Submitted => "new request received",
            ApprovalRequested => "request awaits approval",
            Acknowledged => "request acknowledged",
            ClarificationRequested => "clarification requested",
            ClarificationAnswered => "clarification answered",
            Forwarded => "request forwarded",
            Responded => "request answered",
            Objected => "objection raised by the enforcing authority",
            Recognised => "decision of the executing authority",
            Derogation => "time limit suspended to obtain a judicial authorisation",
            FollowUpConfirmed => "follow-up request confirmed: keep the data preserved",
            NoGrounds => "the enforcing authority raises no ground for refusal",
            ResponseHeld => "answer held while the enforcing authority decides",
            ResponseReleased => "answer released to the issuer",
            Withdrawn => "request withdrawn",
            PreservationExtended => "preservation extended",
            PreservationReleased => "preservation released",
            PreservationExpiring => "preservation expiring",
            PreservationLapsed => "preservation lapsed",
            ClockApproaching => "deadline approaching",
            ClockMissed => "deadline missed",
            MessagePosted => "new message",
            AttachmentAdded => "new attachment",
            DeconflictionHit => "a target is also sought by another party (deconfliction)",
        }
    }

    /// Also sent by e-mail: the events a person must act on.
    pub fn emailed(self) -> bool {
        use EventType::*;
        matches!(
            self,
            Submitted
                | ClarificationRequested
                | Responded
                | ResponseReleased
                | Objected
                | Forwarded
                | ClockApproaching
                | ClockMissed
                | PreservationExpiring
                | PreservationLapsed
                | DeconflictionHit
        )
    }

    /// A webhook subscription may name it: every event that reaches another party, except
    /// the approval step, which stays inside the issuing party.
    pub fn subscribable(self) -> bool {
        !matches!(self, EventType::RequestCreated | EventType::RequestUpdated | EventType::ApprovalRequested)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod event_type_tests {
    use super::EventType;

    #[test]
    fn stored_spelling_is_the_serde_spelling_and_parses_back() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("request.submited"), None);
    }

    #[test]
    fn every_mailed_event_reaches_someone() {
        for t in EventType::ALL.into_iter().filter(|t| t.emailed()) {
            assert!(!t.audience().is_empty(), "{t} is mailed to no one");
            assert!(t.subscribable(), "{t} is mailed but not subscribable");
        }
    }
}
