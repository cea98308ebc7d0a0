//! Queries of the directory. Only plain data in and out; transactions are opened by `service`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use super::model::{ApiClientRow, PartyRow};
use crate::db::AnyConnection;
use crate::db::schema::{api_clients, parties};
use crate::db::types::{DbJson, DbText, DbTime, DbUuid};
use crate::error::ApiError;
use crate::page::Page;
use crate::vocab::{PartyKind, PartyStatus};

/// Inserts a party; `Ok(false)` when its name is already taken.
pub fn insert_party(conn: &mut AnyConnection, row: PartyRow) -> Result<bool, ApiError> {
    match diesel::insert_into(parties::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn find_party(conn: &mut AnyConnection, id: Uuid) -> Result<Option<PartyRow>, ApiError> {
    Ok(parties::table.filter(parties::id.eq(DbUuid(id))).select(PartyRow::as_select()).first(conn).optional()?)
}

/// A request's issuer with the parties routing may pick its addressee from (the one named by id,
/// or the active parties of a country), by id, in one statement.
pub fn find_issuer_and_candidates(
    conn: &mut AnyConnection,
    issuer: Uuid,
    named: Option<Uuid>,
    country: Option<&str>,
) -> Result<Vec<PartyRow>, ApiError> {
    // `=` rather than an `IN` list, which diesel would not let the connection cache.
    let mut query = parties::table.select(PartyRow::as_select()).filter(parties::id.eq(DbUuid(issuer))).into_boxed();
    if let Some(named) = named {
        query = query.or_filter(parties::id.eq(DbUuid(named)));
    }
    if let Some(country) = country {
        query = query
            .or_filter(parties::country.eq(country.to_owned()).and(parties::status.eq(DbText(PartyStatus::Active))));
    }
    Ok(query.order(parties::id.asc()).load(conn)?)
}

pub fn name_taken(conn: &mut AnyConnection, name_key: &str, except: Option<Uuid>) -> Result<bool, ApiError> {
    let mut query = parties::table.filter(parties::name_key.eq(name_key)).select(parties::id).into_boxed();
    if let Some(id) = except {
        query = query.filter(parties::id.ne(DbUuid(id)));
    }
    Ok(query.first::<DbUuid>(conn).optional()?.is_some())
}

pub fn exchange_exists(conn: &mut AnyConnection) -> Result<bool, ApiError> {
    let found = parties::table
        .filter(parties::kind.eq(DbText(PartyKind::Exchange)))
        .select(parties::id)
        .first::<DbUuid>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Replaces a party's content if its version is still `expected`; `Ok(false)` when it changed
/// meanwhile (or the new name is taken by another party: the caller checks that first).
pub fn update_party(conn: &mut AnyConnection, row: &PartyRow, expected: i64) -> Result<bool, ApiError> {
    let updated =
        diesel::update(parties::table.filter(parties::id.eq(DbUuid(row.id))).filter(parties::version.eq(expected)))
            .set((
                parties::name.eq(&row.name),
                parties::name_key.eq(&row.name_key),
                parties::country.eq(&row.country),
                parties::designations.eq(DbJson(row.designations.clone())),
                parties::legal_entities.eq(DbJson(row.legal_entities.clone())),
                parties::accepted_legal_bases.eq(DbJson(row.accepted_legal_bases.clone())),
                parties::languages.eq(DbJson(row.languages.clone())),
                parties::emergency_contact.eq(&row.emergency_contact),
                parties::notification_emails.eq(DbJson(row.notification_emails.clone())),
                parties::status.eq(DbText(row.status)),
                parties::requires_approval.eq(row.requires_approval),
                parties::deconfliction.eq(row.deconfliction),
                parties::deconfliction_contact.eq(&row.deconfliction_contact),
                parties::version.eq(row.version),
                parties::updated_at.eq(DbTime(row.updated_at)),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

pub struct PartyFilter {
    pub kind: Option<PartyKind>,
    pub country: Option<String>,
    pub statuses: Vec<PartyStatus>,
}

pub fn list_parties(conn: &mut AnyConnection, filter: &PartyFilter, page: Page) -> Result<Vec<PartyRow>, ApiError> {
    let mut query = parties::table.select(PartyRow::as_select()).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(parties::kind.eq(DbText(kind)));
    }
    if let Some(country) = &filter.country {
        query = query.filter(parties::country.eq(country.clone()));
    }
    let statuses: Vec<DbText<PartyStatus>> = filter.statuses.iter().copied().map(DbText).collect();
    query = query.filter(parties::status.eq_any(statuses));
    if let Some(after) = page.after {
        query = query.filter(parties::id.gt(DbUuid(after)));
    }
    Ok(query.order(parties::id.asc()).limit(page.limit + 1).load(conn)?)
}

pub fn insert_client(conn: &mut AnyConnection, row: ApiClientRow) -> Result<bool, ApiError> {
    match diesel::insert_into(api_clients::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn find_client(conn: &mut AnyConnection, id: Uuid) -> Result<Option<ApiClientRow>, ApiError> {
    Ok(api_clients::table
        .filter(api_clients::id.eq(DbUuid(id)))
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_clients(conn: &mut AnyConnection, party: Uuid) -> Result<Vec<ApiClientRow>, ApiError> {
    Ok(api_clients::table
        .filter(api_clients::party_id.eq(DbUuid(party)))
        .select(ApiClientRow::as_select())
        .order(api_clients::id.asc())
        .load(conn)?)
}

pub fn revoke_client(
    conn: &mut AnyConnection,
    id: Uuid,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let updated = diesel::update(
        api_clients::table.filter(api_clients::id.eq(DbUuid(id))).filter(api_clients::revoked_at.is_null()),
    )
    .set((api_clients::revoked_at.eq(Some(DbTime(now))), api_clients::revoked_by.eq(by.map(DbUuid))))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Forgets a party's stored deconfliction hashes (it opted out): they match nothing any more.
pub fn forget_deconfliction_targets(conn: &mut AnyConnection, party: Uuid) -> Result<usize, ApiError> {
    use crate::db::schema::deconfliction_targets;
    Ok(diesel::delete(deconfliction_targets::table.filter(deconfliction_targets::party_id.eq(DbUuid(party))))
        .execute(conn)?)
}
