//! The wire shapes of the directory: parties, their API clients, and what callers send to
//! create and change them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::roles::Role;
use crate::vocab::{Designation, PartyKind, PartyStatus};

/// Where a service provider receives orders for a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region": "EU", "name": "Example Platforms Ireland Ltd", "country": "IE"}))]
pub struct LegalEntity {
    /// ISO 3166-1 alpha-2 country, `EU` for the whole Union, or `*` for everywhere else.
    pub region: String,
    /// The establishment or legal representative that receives orders.
    pub name: String,
    /// Country of the entity's seat.
    pub country: String,
}

/// A party of the exchange: a state authority, a service provider, or the exchange itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90",
    "kind": "state_authority",
    "name": "Bundeskriminalamt 24/7 point of contact",
    "country": "DE",
    "designations": ["contact_point_24_7", "police"],
    "legal_entities": [],
    "accepted_legal_bases": ["coe_budapest_29", "coe_224_art9"],
    "languages": ["de", "en"],
    "emergency_contact": "+49 611 55 0",
    "notification_emails": ["24-7@bka.example.de"],
    "status": "active",
    "requires_approval": false,
    "deconfliction": true,
    "deconfliction_contact": "deconfliction@bka.example.de",
    "version": 3,
    "created_at": "2026-11-30T08:00:00Z",
    "updated_at": "2026-11-30T09:12:00Z"
}))]
pub struct Party {
    pub id: Uuid,
    pub kind: PartyKind,
    pub name: String,
    /// ISO 3166-1 alpha-2; required for state authorities.
    pub country: Option<String>,
    pub designations: Vec<Designation>,
    /// Service providers only.
    pub legal_entities: Vec<LegalEntity>,
    /// Codes of the legal bases this party accepts requests under.
    pub accepted_legal_bases: Vec<String>,
    /// ISO 639-1 codes, preferred first.
    pub languages: Vec<String>,
    pub emergency_contact: Option<String>,
    pub notification_emails: Vec<String>,
    pub status: PartyStatus,
    /// Requests of this party need an `approver`'s approval before they leave (four eyes).
    pub requires_approval: bool,
    /// The party's submitted requests take part in deconfliction (their targets are matched
    /// against other parties' open requests and matchable by them); `false` opts out entirely.
    /// Always answered; absent in a body read before issue 18, it is `true`.
    #[serde(default = "taking_part")]
    #[schema(default = true)]
    pub deconfliction: bool,
    /// The address other parties are given when one of their requests seeks a target this
    /// party also seeks (a deconfliction hit).
    pub deconfliction_contact: Option<String>,
    /// What the party needs in the requests it receives, as its party administrator published
    /// it (`PUT /v1/parties/{id}/policy`); absent when it published none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_policy: Option<crate::parties::policy::dto::PublishedPolicy>,
    /// Incremented by every change; the `ETag` is `"<version>"`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn taking_part() -> bool {
    true
}

/// A new party; it starts `pending_verification` until an exchange administrator verifies it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "state_authority",
    "name": "Bundeskriminalamt 24/7 point of contact",
    "country": "DE",
    "designations": ["contact_point_24_7", "police"],
    "accepted_legal_bases": ["coe_budapest_29", "coe_224_art9"],
    "languages": ["de", "en"],
    "emergency_contact": "+49 611 55 0",
    "notification_emails": ["24-7@bka.example.de"]
}))]
pub struct NewParty {
    /// `state_authority` or `service_provider`.
    pub kind: PartyKind,
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub designations: Vec<Designation>,
    #[serde(default)]
    pub legal_entities: Vec<LegalEntity>,
    #[serde(default)]
    pub accepted_legal_bases: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub emergency_contact: Option<String>,
    pub notification_emails: Vec<String>,
}

/// Changes to a party; absent fields stay as they are. A party administrator may change only
/// `languages`, `emergency_contact`, `notification_emails`, `requires_approval`, `deconfliction`
/// and `deconfliction_contact` of its own party.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"notification_emails": ["24-7@bka.example.de", "duty-officer@bka.example.de"]}))]
pub struct PartyPatch {
    pub name: Option<String>,
    pub country: Option<String>,
    pub designations: Option<Vec<Designation>>,
    pub legal_entities: Option<Vec<LegalEntity>>,
    pub accepted_legal_bases: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    /// An empty string removes the emergency contact.
    pub emergency_contact: Option<String>,
    pub notification_emails: Option<Vec<String>>,
    /// Require an approver's approval before requests leave (four eyes).
    pub requires_approval: Option<bool>,
    /// `false`: the party's requests take no part in deconfliction (neither matched nor matchable).
    pub deconfliction: Option<bool>,
    /// An e-mail address given to other parties on a deconfliction hit; an empty string removes it.
    pub deconfliction_contact: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Mailbox of the contact point reported compromised"}))]
pub struct SuspendParty {
    /// Why the party is suspended (recorded in the audit log).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyList {
    pub items: Vec<Party>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the directory.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartyQuery {
    pub kind: Option<PartyKind>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Exchange administrators only; others always see active parties.
    pub status: Option<PartyStatus>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An API client of a party. Named `Client` in the spec: `ApiClient` collides with the HTTP
/// class of every client generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Client)]
#[schema(example = json!({
    "id": "0193a6f3-0a00-7c1d-8e2f-3a4b5c6d7e8f",
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90",
    "client_id": "rgc_Xq3b8Jk2LmNpQr5s",
    "name": "BKA case system",
    "roles": ["operator", "responder"],
    "external_issuer": null,
    "external_subject": null,
    "created_at": "2026-11-30T08:05:00Z",
    "revoked_at": null
}))]
pub struct ApiClient {
    pub id: Uuid,
    pub party_id: Uuid,
    /// Public identifier used with the token endpoint.
    pub client_id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Set when the client authenticates with tokens of an external identity provider.
    pub external_issuer: Option<String>,
    pub external_subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "BKA case system", "roles": ["operator", "responder"]}))]
pub struct NewClient {
    pub name: String,
    pub roles: Vec<Role>,
    /// Map tokens of this configured external issuer (with `external_subject`) to the client.
    #[serde(default)]
    pub external_issuer: Option<String>,
    #[serde(default)]
    pub external_subject: Option<String>,
}

/// A new client and its secret. The secret is shown only here, once; it is stored only as a hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "client": {
        "id": "0193a6f3-0a00-7c1d-8e2f-3a4b5c6d7e8f",
        "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90",
        "client_id": "rgc_Xq3b8Jk2LmNpQr5s",
        "name": "BKA case system",
        "roles": ["operator", "responder"],
        "external_issuer": null,
        "external_subject": null,
        "created_at": "2026-11-30T08:05:00Z",
        "revoked_at": null
    },
    "client_id": "rgc_Xq3b8Jk2LmNpQr5s",
    "client_secret": "rgs_8fJ2kL9mN3pQ5rS7tV1wX4yZ6aB0cD2eF4gH6iJ8kL0"
}))]
pub struct ClientCredentials {
    pub client: ApiClient,
    pub client_id: String,
    /// Absent for clients that authenticate only through an external issuer.
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<ApiClient>,
}
