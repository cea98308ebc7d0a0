//! The reads statistics make: the summaries of the requests in scope and period
//! (`request_statistics`, index-backed: by issuer or legal basis and submission time, by
//! submission or completion time, a party's participation by `request_participants`), then
//! their clocks by request id, in chunks, when the figures need them. Portable diesel, no
//! backend named.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::PeriodOf;
use super::rules::{ClockFact, Derived, PartyFact, RequestFacts};
use super::summary::{self, Stored};
use crate::db::AnyConnection;
use crate::db::schema::{clocks, parties, request_participants, request_statistics};
use crate::db::types::{DbText, DbTime, DbUuid};
use crate::deadlines::rules::ClockState;
use crate::error::ApiError;
use crate::vocab::{ClockKind, Obligor};

/// Which requests to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The party whose requests count (any participant role); `None`: every request.
    pub party: Option<Uuid>,
    /// Issued by this party only (the Art 28 report).
    pub issuer: Option<Uuid>,
    pub legal_bases: Option<Vec<String>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub period_of: PeriodOf,
    /// Read the requests' clocks too (`/v1/statistics`; the Art 28 report counts none).
    pub clocks: bool,
}

/// Ids per statement: fewer round trips, well below the bound-parameter limits (SQLite 32766,
/// PostgreSQL 65535).
const CHUNK: usize = 5000;

/// The requests that left their issuer and match the selection, with what their trail says
/// (their summary: no content, no events). The period is applied here on the summary's times.
pub fn requests_in(conn: &mut AnyConnection, sel: &Selection) -> Result<Vec<(RequestFacts, Derived)>, ApiError> {
    let mut query = request_statistics::table
        .filter(request_statistics::submitted_at.is_not_null())
        .select(summary::stored_columns())
        .into_boxed();
    if let Some(party) = sel.party {
        // EXISTS, not IN: the period's index drives and each request's participation is one
        // index seek (SQLite walked all of a busy party's participations first: 1.8 s against
        // 0.13 s for a month at 1 M requests).
        let takes_part = request_participants::table
            .filter(request_participants::request_id.eq(request_statistics::request_id))
            .filter(request_participants::party_id.eq(DbUuid(party)));
        query = query.filter(diesel::dsl::exists(takes_part));
    }
    if let Some(issuer) = sel.issuer {
        query = query.filter(request_statistics::issuer_party.eq(DbUuid(issuer)));
    }
    if let Some(bases) = &sel.legal_bases {
        query = query.filter(request_statistics::legal_basis.eq_any(bases.clone()));
    }
    match sel.period_of {
        PeriodOf::Submitted => {
            if let Some(from) = sel.from {
                query = query.filter(request_statistics::submitted_at.ge(DbTime(from)));
            }
            if let Some(to) = sel.to {
                query = query.filter(request_statistics::submitted_at.lt(DbTime(to)));
            }
        }
        PeriodOf::Completed => {
            if let Some(from) = sel.from {
                query = query.filter(request_statistics::completed_at.ge(DbTime(from)));
            }
            if let Some(to) = sel.to {
                query = query.filter(request_statistics::completed_at.lt(DbTime(to)));
            }
        }
    }
    // No ORDER BY: the figures do not depend on the order.
    let rows: Vec<Stored> = query.load(conn)?;
    let mut out: Vec<(RequestFacts, Derived)> = rows
        .into_iter()
        .map(|t| {
            let (id, r) = summary::stored_row(t);
            let facts = RequestFacts {
                id,
                legal_basis: r.legal_basis,
                kind: r.kind,
                priority: r.priority,
                issuer: r.issuer,
                addressee: r.addressee,
                enforcing: r.enforcing,
                data_categories: r.data_categories,
                clocks: vec![],
            };
            (facts, r.derived)
        })
        .collect();
    if sel.clocks {
        let index: HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, (r, _))| (r.id, i)).collect();
        let ids: Vec<Uuid> = out.iter().map(|(r, _)| r.id).collect();
        for chunk in ids.chunks(CHUNK) {
            let keys: Vec<DbUuid> = chunk.iter().copied().map(DbUuid).collect();
            #[allow(clippy::type_complexity)]
            let rows: Vec<(
                DbUuid,
                DbText<ClockKind>,
                DbText<Obligor>,
                DbText<ClockState>,
                DbTime,
                Option<DbTime>,
            )> = clocks::table
                .filter(clocks::request_id.eq_any(keys))
                .select((
                    clocks::request_id,
                    clocks::kind,
                    clocks::obligation_of,
                    clocks::state,
                    clocks::due_at,
                    clocks::closed_at,
                ))
                .order(clocks::id.asc())
                .load(conn)?;
            for (request, kind, obligation_of, state, due_at, closed_at) in rows {
                if let Some(&i) = index.get(&request.0) {
                    out[i].0.clocks.push(ClockFact {
                        kind: kind.0,
                        obligation_of: obligation_of.0,
                        state: state.0,
                        due_at: due_at.0,
                        closed_at: closed_at.map(|t| t.0),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The directory, as statistics name parties.
pub fn parties(conn: &mut AnyConnection) -> Result<HashMap<Uuid, PartyFact>, ApiError> {
    let rows: Vec<(DbUuid, String, Option<String>, String)> =
        parties::table.select((parties::id, parties::kind, parties::country, parties::name)).load(conn)?;
    Ok(rows.into_iter().map(|(id, kind, country, name)| (id.0, PartyFact { kind, country, name })).collect())
}

/// Whether a party exists.
pub fn party_exists(conn: &mut AnyConnection, id: Uuid) -> Result<bool, ApiError> {
    let found: Option<DbUuid> =
        parties::table.filter(parties::id.eq(DbUuid(id))).select(parties::id).first(conn).optional()?;
    Ok(found.is_some())
}
