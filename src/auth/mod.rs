//! Who may call, for which party, with which powers: OAuth 2.0 client credentials, JWT access
//! tokens signed with Ed25519, external issuers, and the `Caller` extractor every protected
//! handler takes, so a handler cannot forget to authenticate.

pub mod deconfliction_key;
pub mod key_store;
pub mod keys;
pub mod model;
pub mod rate_limit;
pub mod repo;
pub mod roles;
pub mod secrets;
pub mod tokens;

use actix_web::http::header;
use uuid::Uuid;

use crate::audit::Actor;
use crate::db::AnyConnection;
use crate::error::{ApiError, ProblemType};
use crate::vocab::{PartyKind, PartyStatus};
use repo::ClientKey;
use roles::Role;
use tokens::{TokenError, TokenSubject};

/// An authenticated caller: an active API client of an active party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The client's internal id.
    pub client: Uuid,
    pub client_id: String,
    pub party: Uuid,
    pub party_kind: PartyKind,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::new(ProblemType::Forbidden, format!("this needs one of the roles: {}", names.join(", "))))
        }
    }

    pub fn is_exchange_admin(&self) -> bool {
        self.has(Role::ExchangeAdmin)
    }

    pub fn actor(&self) -> Actor {
        Actor { client: Some(self.client), party: Some(self.party), label: self.client_id.clone() }
    }
}

/// A 401 problem with the `WWW-Authenticate` challenge of RFC 6750 §3.
pub fn unauthorized(error: Option<&TokenError>, detail: &str) -> ApiError {
    let challenge = match error {
        None => "Bearer realm=\"rogatory\"".to_owned(),
        Some(e) => format!("Bearer realm=\"rogatory\", error=\"invalid_token\", error_description=\"{e}\""),
    };
    ApiError::new(ProblemType::Unauthorized, detail).with_header(header::WWW_AUTHENTICATE, challenge)
}

/// Resolves a verified token's subject to a caller, checking at every request that the
/// client is not revoked and its party is active: revocation and suspension act at once.
pub fn authenticate(conn: &mut AnyConnection, subject: &TokenSubject) -> Result<Caller, ApiError> {
    let key = match subject {
        TokenSubject::Client(client_id) => ClientKey::ClientId(client_id),
        TokenSubject::External { issuer, subject } => ClientKey::External { issuer, subject },
    };
    let invalid = |detail: &str| unauthorized(Some(&TokenError::Invalid), detail);
    let found = repo::find_client_with_party(conn, key)?.ok_or_else(|| invalid("the token's client is not known"))?;
    if found.client.revoked_at.is_some() {
        return Err(invalid("the client has been revoked"));
    }
    let status = found.party_status;
    if status != PartyStatus::Active {
        return Err(ApiError::new(
            ProblemType::Forbidden,
            format!("the client's party is {}", status.to_string().replace('_', " ")),
        ));
    }
    let client = found.client;
    Ok(Caller {
        client: client.id,
        party: client.party_id,
        party_kind: found.party_kind,
        roles: crate::db::codec::decode("api_clients.roles", client.roles)?,
        client_id: client.client_id,
    })
}
