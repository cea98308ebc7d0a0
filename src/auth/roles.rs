//! Roles and the pure who-may-do-what rules.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an API client may do for its party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Drafts, submits and tracks the party's requests.
    Operator,
    /// Approves requests before they leave (four eyes).
    Approver,
    /// Answers incoming requests.
    Responder,
    /// Reads requests and audit trails, changes nothing.
    Auditor,
    /// Manages the party's clients, webhooks and notification addresses.
    PartyAdmin,
    /// Manages the directory: creates, verifies and suspends parties.
    ExchangeAdmin,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Operator, Role::Approver, Role::Responder, Role::Auditor, Role::PartyAdmin, Role::ExchangeAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::Responder => "responder",
            Role::Auditor => "auditor",
            Role::PartyAdmin => "party_admin",
            Role::ExchangeAdmin => "exchange_admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}
