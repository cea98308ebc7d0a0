//! Queries of clocks and of the parties' own clock targets. Transactions are opened by the
//! callers.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::model::ClockRow;
use crate::db::AnyConnection;
use crate::db::prepared::prepared;
use crate::db::schema::{clocks, party_clock_targets};
use crate::db::types::{DbText, DbTime, DbUuid};
use crate::error::ApiError;
use crate::vocab::ClockKind;

/// Every clock target `party` set for `basis`, in one statement.
pub fn targets_for_basis(
    conn: &mut AnyConnection,
    party: Uuid,
    basis: &str,
) -> Result<Vec<(ClockKind, TimeDelta)>, ApiError> {
    let rows: Vec<(DbText<ClockKind>, i64)> = party_clock_targets::table
        .filter(party_clock_targets::party_id.eq(DbUuid(party)))
        .filter(party_clock_targets::legal_basis.eq(basis))
        .select((party_clock_targets::clock_kind, party_clock_targets::duration_secs))
        .load(conn)?;
    Ok(rows.into_iter().map(|(kind, secs)| (kind.0, TimeDelta::seconds(secs))).collect())
}

pub fn for_request(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<ClockRow>, ApiError> {
    Ok(clocks::table
        .filter(clocks::request_id.eq(DbUuid(request)))
        .select(ClockRow::as_select())
        .order(clocks::id.asc())
        .load(conn)?)
}

pub fn insert(conn: &mut AnyConnection, row: &ClockRow) -> Result<(), ApiError> {
    prepared(diesel::insert_into(clocks::table).values(row.clone())).execute(conn)?;
    Ok(())
}

pub fn save(conn: &mut AnyConnection, row: &ClockRow) -> Result<(), ApiError> {
    prepared(diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(row.id)))).set((
        clocks::state.eq(DbText(row.state)),
        clocks::due_at.eq(DbTime(row.due_at)),
        clocks::remaining_secs.eq(row.remaining_secs),
        clocks::next_reminder_at.eq(row.next_reminder_at.clone()),
        clocks::closed_at.eq(row.closed_at.clone()),
        clocks::updated_at.eq(DbTime(row.updated_at)),
    )))
    .execute(conn)?;
    Ok(())
}

pub fn set_target(
    conn: &mut AnyConnection,
    party: Uuid,
    basis: &str,
    kind: ClockKind,
    duration: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::delete(
        party_clock_targets::table
            .filter(party_clock_targets::party_id.eq(DbUuid(party)))
            .filter(party_clock_targets::legal_basis.eq(basis))
            .filter(party_clock_targets::clock_kind.eq(DbText(kind))),
    )
    .execute(conn)?;
    diesel::insert_into(party_clock_targets::table)
        .values((
            party_clock_targets::party_id.eq(DbUuid(party)),
            party_clock_targets::legal_basis.eq(basis),
            party_clock_targets::clock_kind.eq(DbText(kind)),
            party_clock_targets::duration_secs.eq(duration.num_seconds()),
            party_clock_targets::updated_at.eq(DbTime(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn targets(conn: &mut AnyConnection, party: Uuid) -> Result<Vec<(String, String, i64)>, ApiError> {
    Ok(party_clock_targets::table
        .filter(party_clock_targets::party_id.eq(DbUuid(party)))
        .select((party_clock_targets::legal_basis, party_clock_targets::clock_kind, party_clock_targets::duration_secs))
        .order((party_clock_targets::legal_basis.asc(), party_clock_targets::clock_kind.asc()))
        .load(conn)?)
}
