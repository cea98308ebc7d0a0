//! The one query authentication makes: a client, by its `client_id` or its external identity,
//! with the kind and status of its party.

use diesel::prelude::*;
use uuid::Uuid;

use super::model::ApiClientRow;
use crate::db::AnyConnection;
use crate::db::schema::{api_clients, parties};
use crate::db::types::{DbText, DbUuid};
use crate::error::ApiError;
use crate::vocab::{PartyKind, PartyStatus};

/// A client with the kind and status of its party, for authentication.
pub struct ClientWithParty {
    pub client: ApiClientRow,
    pub party_kind: PartyKind,
    pub party_status: PartyStatus,
}

pub enum ClientKey<'a> {
    ClientId(&'a str),
    External { issuer: &'a str, subject: &'a str },
}

pub fn find_client_with_party(
    conn: &mut AnyConnection,
    key: ClientKey<'_>,
) -> Result<Option<ClientWithParty>, ApiError> {
    let query = api_clients::table
        .inner_join(parties::table)
        .select((ApiClientRow::as_select(), parties::kind, parties::status))
        .into_boxed();
    let query = match key {
        ClientKey::ClientId(client_id) => query.filter(api_clients::client_id.eq(client_id.to_owned())),
        ClientKey::External { issuer, subject } => query
            .filter(api_clients::external_issuer.eq(issuer.to_owned()))
            .filter(api_clients::external_subject.eq(subject.to_owned())),
    };
    let found: Option<(ApiClientRow, DbText<PartyKind>, DbText<PartyStatus>)> = query.first(conn).optional()?;
    Ok(found.map(|(client, party_kind, party_status)| ClientWithParty {
        client,
        party_kind: party_kind.0,
        party_status: party_status.0,
    }))
}

/// Replaces a client's stored secret hash, unless it changed meanwhile; `Ok(false)` then.
pub fn replace_secret_hash(conn: &mut AnyConnection, id: Uuid, old: &str, new: &str) -> Result<bool, ApiError> {
    let updated = diesel::update(
        api_clients::table.filter(api_clients::id.eq(DbUuid(id))).filter(api_clients::secret_hash.eq(old)),
    )
    .set(api_clients::secret_hash.eq(Some(new)))
    .execute(conn)?;
    Ok(updated == 1)
}
