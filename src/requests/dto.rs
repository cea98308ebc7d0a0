//! Wire types of requests for evidence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::parties::dto::LegalEntity;
use crate::vocab::{DataCategory, Outcome, Priority, RequestKind, RequestStatus};

/// Why a request was refused (DESIGN.md section 4), as codes statistics can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    WrongAddressee,
    Overbroad,
    NoLegalBasis,
    DataNotHeld,
    InsufficientInformation,
    FundamentalRights,
    Other,
}

pub use crate::vocab::TargetType;

/// An identifier the request is about, normalised: e-mail lower-cased, phone in E.164, URL
/// parsed, IP with the time it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "email", "value": "recruiter.jobs2026@example-mail.com"}))]
pub struct Target {
    #[serde(rename = "type")]
    pub target_type: TargetType,
    pub value: String,
    /// The service a username or account id belongs to (e.g. `instagram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// When an IP address was seen (required for `ip`: addresses are reassigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Source port, for IP addresses behind carrier-grade NAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Non-disclosure to the data subject (e.g. Reg. 2023/1543 Art 13, ETS 185 Art 28).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confidentiality {
    pub non_disclosure: bool,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The legal content of a request: what is asked, of whom, why. Which fields are required
/// depends on the legal basis (`required_fields` in the catalogue).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "issuing_authority": "OCLCTIC, Office central de lutte contre la criminalite liee aux technologies, Nanterre",
    "issuing_file_number": "OCLCTIC-2026-4471",
    "offences": ["Trafficking in human beings (Code penal art. 225-4-1)"],
    "facts_summary": "Victims recruited through fake modelling job offers sent from the account below, then exploited in Paris.",
    "targets": [{"type": "email", "value": "recruiter.jobs2026@example-mail.com"}],
    "data_categories": ["subscriber", "traffic"],
    "period": {"from": "2026-09-01T00:00:00Z", "to": "2026-11-29T00:00:00Z"},
    "custodian": "Example Mail GmbH, Berlin",
    "preservation_necessity": "Logs are kept 90 days by the provider; the oldest relevant entries expire in December.",
    "mla_intent": true,
    "confidentiality": {"non_disclosure": true, "until": "2027-06-01T00:00:00Z", "reason": "Investigation would be compromised"},
    "language": "en"
}))]
pub struct RequestContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_file_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validating_authority: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offences: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts_summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_categories: Vec<DataCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Who holds the data, where (ETS 185 Art 29(2)(d)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<String>,
    /// Why the data must be preserved (ETS 185 Art 29(2)(e)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preservation_necessity: Option<String>,
    /// The issuer intends to send a request for mutual assistance (ETS 185 Art 29(2)(f)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mla_intent: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_measures: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_grounds: Option<String>,
    /// Authority to which the data are to be sent (EPOC Annex I section L(a)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<Confidentiality>,
    /// ISO 639-1 language of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// EPOC only: why the enforcing authority need not be notified (Reg. 2023/1543 Art 8(2):
    /// offence in the issuing State and the person resides there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_exempt_reason: Option<String>,
    /// The issuer declares that the offence was committed in the issuing State (Reg. 2023/1543
    /// Art 8(2)(a)). With `person_resides_in_issuing_state`, the enforcing authority is not notified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence_in_issuing_state: Option<bool>,
    /// The issuer declares that the person whose data are sought resides in the issuing State
    /// (Reg. 2023/1543 Art 8(2)(b)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_resides_in_issuing_state: Option<bool>,
    /// An urgent EIO asks for provisional measures (Dir. 2014/41 Art 32): decided within 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisional_measures: Option<bool>,
    /// The information sought is directly accessible to the requested Single Point of Contact
    /// (Dir. (EU) 2023/977 Art 5(1)(a): 8 hours when urgent; otherwise 3 days when urgent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directly_accessible: Option<bool>,
    /// Who the person in danger is (CETS 197 Art 33(1) covers only the persons of Art 28(1)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_person: Option<ProtectedPerson>,
    /// EPOC for traffic or content data: the maximum custodial sentence the offence carries in
    /// the issuing State, in months (Reg. 2023/1543 Art 5(4)(a): at least 3 years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_custodial_sentence_months: Option<u32>,
    /// EPOC for traffic or content data: the offence is one Reg. 2023/1543 Art 5(4) admits
    /// whatever its sentence (point (b): offences under Dir. (EU) 2019/713 Arts 3 to 8,
    /// Dir. 2011/93/EU Arts 3 to 7 or Dir. 2013/40/EU Arts 3 to 8, committed wholly or partly by
    /// means of an information system; and the points after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub art_5_4_listed_offence: Option<bool>,
    /// `false`: the request's targets take no part in deconfliction (covert operations): they
    /// are neither matched against other parties' open requests nor matchable by them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deconfliction: Option<bool>,
}

/// The persons of CETS 197 Art 28(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProtectedPerson {
    /// Art 28(1)(a).
    Victim,
    /// Art 28(1)(b): reports offences or otherwise co-operates with the authorities.
    Cooperating,
    /// Art 28(1)(c): a witness who gives testimony.
    Witness,
    /// Art 28(1)(d): a family member of a victim or witness.
    FamilyMember,
}

impl RequestContent {
    /// A declaration of the content that a clock rule may depend on (`ClockCondition::flags`).
    pub fn flag(&self, name: &str) -> bool {
        match name {
            "provisional_measures" => self.provisional_measures == Some(true),
            "directly_accessible" => self.directly_accessible == Some(true),
            "offence_in_issuing_state" => self.offence_in_issuing_state == Some(true),
            "person_resides_in_issuing_state" => self.person_resides_in_issuing_state == Some(true),
            _ => false,
        }
    }
}

/// Where the data of an answer stand while an enforcing authority's notification has
/// suspensive effect (Reg. 2023/1543 Art 8(4), Art 10(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// The addressee's data are held from the issuer until `release_at`, or until the enforcing
    /// authority confirms it raises no ground.
    HeldPendingEnforcingAuthority,
    Released,
    /// The enforcing authority raised a ground for refusal: the data never reach the issuer.
    Withheld,
}

/// The suspensive effect on a request's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DataHold {
    pub status: HoldStatus,
    /// The end of the enforcing authority's 10 days (Art 10(2)); the data go to the issuer then.
    pub release_at: Option<DateTime<Utc>>,
    pub citation: String,
}

/// Whom a request goes to: a party, or a country (the directory finds the competent party
/// for the legal basis).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"country": "DE"}))]
pub struct AddresseeSpec {
    #[serde(default)]
    pub party_id: Option<Uuid>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "legal_basis": "coe_budapest_29",
    "priority": "urgent",
    "addressee": {"country": "DE"},
    "content": {
        "issuing_authority": "OCLCTIC 24/7 point of contact, Nanterre",
        "offences": ["Trafficking in human beings"],
        "facts_summary": "Victims recruited through fake job offers sent from this mailbox.",
        "targets": [{"type": "email", "value": "Recruiter.Jobs2026@Example-Mail.com"}],
        "data_categories": ["subscriber", "traffic"],
        "custodian": "Example Mail GmbH, Berlin",
        "preservation_necessity": "Provider keeps logs 90 days.",
        "mla_intent": true
    }
}))]
pub struct NewRequest {
    /// Code from `GET /v1/legal-bases`; it decides the kind, recipients, required fields and clocks.
    pub legal_basis: String,
    #[serde(default)]
    pub priority: Priority,
    pub addressee: AddresseeSpec,
    /// The earlier request this one follows (e.g. production after preservation).
    #[serde(default)]
    pub follow_up_of: Option<Uuid>,
    pub content: RequestContent,
}

/// Changes to a draft; absent fields stay. `content` replaces the whole content.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"priority": "emergency", "content": {"emergency_justification": "A victim is held at an unknown address."}}))]
pub struct RequestPatch {
    pub priority: Option<Priority>,
    pub addressee: Option<AddresseeSpec>,
    pub content: Option<RequestContent>,
}

/// A party, as a request shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartyRef {
    pub id: Uuid,
    pub name: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    Issuer,
    Addressee,
    /// Notified of an EU production order (Reg. 2023/1543 Art 8); may object.
    EnforcingAuthority,
    /// Received the request earlier and forwarded it.
    PreviousAddressee,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub party: PartyRef,
    pub role: ParticipantRole,
    pub since: DateTime<Utc>,
}

/// A request for evidence as its parties see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Request {
    pub id: Uuid,
    /// Human reference, unique per issuing country and year (`FR-2026-000123`).
    pub reference: String,
    pub legal_basis: String,
    pub kind: RequestKind,
    pub priority: Priority,
    pub status: RequestStatus,
    pub issuer: PartyRef,
    /// The current recipient.
    pub addressee: PartyRef,
    /// For a service provider: the legal entity that receives it for the issuer's region.
    pub addressee_entity: Option<LegalEntity>,
    pub enforcing_authority: Option<PartyRef>,
    /// Everyone who can see the request, the routing path included, in the order they joined.
    pub participants: Vec<Participant>,
    pub content: RequestContent,
    pub follow_up_of: Option<Uuid>,
    pub outcome: Option<Outcome>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub preservation_expires_at: Option<DateTime<Utc>>,
    pub extensions_used: i32,
    /// When the issuer confirmed a follow-up request sent outside Rogatory (Reg. 2023/1543
    /// Art 11(1)-(2), Annex V): the preservation no longer lapses; the issuer releases it.
    pub follow_up_confirmed_at: Option<DateTime<Utc>>,
    /// The version (`effective_from`) of the catalogue entry the request was submitted under.
    pub legal_basis_version: Option<DateTime<Utc>>,
    /// Set on EU production orders whose enforcing authority's notification is suspensive.
    pub data_hold: Option<DataHold>,
    /// The `ETag` is `"<version>"`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A request in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestSummary {
    pub id: Uuid,
    pub reference: String,
    pub legal_basis: String,
    pub kind: RequestKind,
    pub priority: Priority,
    pub status: RequestStatus,
    pub issuer_party: Uuid,
    pub addressee_party: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestSummary>,
    pub next_cursor: Option<String>,
}

// In the vocabulary, so that statistics (which requests feed, issue 19) need not name requests.
pub use crate::vocab::Direction;

/// Filters of `GET /v1/requests`. Newest first.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    pub direction: Option<Direction>,
    pub status: Option<RequestStatus>,
    pub legal_basis: Option<String>,
    pub kind: Option<RequestKind>,
    /// The other side: the issuer of incoming requests, the addressee of outgoing ones.
    pub counterpart: Option<Uuid>,
    pub priority: Option<Priority>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    /// Only requests with a missed clock (`true`) or without one (`false`).
    pub overdue: Option<bool>,
    /// Only requests with a running clock due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question": "Please confirm the time zone of the IP timestamps and the exact account URL."}))]
pub struct NewClarification {
    pub question: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "Times are UTC; the account is https://social.example.com/u/recruiter2026."}))]
pub struct ClarificationAnswer {
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Clarification {
    pub id: Uuid,
    pub request_id: Uuid,
    pub asked_by: Uuid,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClarificationList {
    pub items: Vec<Clarification>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": {"country": "DE"}, "reason": "Competence lies with the federal 24/7 point of contact."}))]
pub struct Forward {
    pub to: AddresseeSpec,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "preserved", "text": "Subscriber and traffic data preserved under our reference P-2026-8812."}))]
pub struct NewResponse {
    pub outcome: Outcome,
    /// Required when `outcome` is `refused`.
    #[serde(default)]
    pub refusal_reason: Option<RefusalReason>,
    /// For a refusal on legal grounds: the ground of the legal basis it rests on (one of its
    /// `refusal_grounds[].ground` in the catalogue). Required where the basis limits the grounds
    /// (ETS 185 Art 30(2)).
    #[serde(default)]
    pub refusal_ground: Option<String>,
    pub text: String,
    /// For `preserved`: until when; by default the preservation clock of the legal basis.
    #[serde(default)]
    pub preserved_until: Option<DateTime<Utc>>,
    /// Ids of attachments the responding party uploaded to this request; their digests go into
    /// the response event, so the issuer can check what it downloads.
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// The issuer confirms that the follow-up request was sent outside Rogatory.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "EPOC PARQUET-2026-118842-2, sent through e-Evidence on 2026-12-20"}))]
pub struct FollowUpConfirmation {
    /// How the follow-up request can be identified (its reference, channel, date).
    pub reference: String,
}

/// The addressee derogates from a time limit while it obtains a judicial authorisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The subscriber data require the authorisation of the investigating judge; requested today."}))]
pub struct Derogation {
    pub reason: String,
}

/// What an executing authority decides on (Dir. 2014/41).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionScope {
    /// The decision on recognition of the EIO (Art 12(3)): execution's 90 days start (Art 12(4)).
    #[default]
    Order,
    /// The decision on provisional measures of an urgent EIO (Art 32(2)).
    ProvisionalMeasures,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scope": "order"}))]
pub struct Recognition {
    #[serde(default)]
    pub scope: RecognitionScope,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The suspect has been identified by other means."}))]
pub struct Withdrawal {
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The MLA request is being translated."}))]
pub struct Extension {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "fundamental_rights", "text": "Manifest breach of the right to freedom of expression (Art 12(1)(d))."}))]
pub struct Objection {
    pub reason: RefusalReason,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "The MLA request will follow through the central authority this week."}))]
pub struct NewMessage {
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub request_id: Uuid,
    pub author_party: Uuid,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<Message>,
}

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    pub seq: i32,
    pub occurred_at: DateTime<Utc>,
    /// The API client that acted (absent for the system's own events).
    pub actor_client: Option<Uuid>,
    /// The party that acted (absent for the system's own events).
    pub actor_party: Option<Uuid>,
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// SHA-256 (hex) of the event before (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) of this event's canonical JSON, which includes `prev_hash`.
    pub hash: String,
}

/// A page of a request's events, in the chain's order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventList {
    pub items: Vec<Event>,
    /// The cursor of the next page (`cursor=`), absent on the last one.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/requests/{id}/events`: from the first event on.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Events per page, 1 to 200 (default 200).
    pub limit: Option<u32>,
    /// `next_cursor` of the page before: the page starts after that page's last event.
    pub cursor: Option<String>,
}
