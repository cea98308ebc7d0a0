//! The deadline scanner: reads only the clocks whose next reminder is due (an index on
//! `next_reminder_at`), so its cost follows the number of due clocks, not of stored requests.
//! The clocks of a scan are handled in one transaction (each in its own savepoint when one
//! fails), each clock's request locked first (as every action on the request locks it before
//! its clocks); reminders carry a dedupe key
//! (`clock id:offset`) and state changes are conditional updates, so any number of rescans
//! and of instances send each reminder once.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::auth::keys::KeyRing;
use crate::db::AnyConnection;
use crate::db::dialect;
use crate::db::prepared::prepared;
use crate::db::schema::{clocks, requests};
use crate::db::types::{DbText, DbTime, DbUuid};
use crate::deadlines::model::ClockRow;
use crate::deadlines::rules::{self, ClockState};
use crate::error::ApiError;
use crate::requests::model::RequestRow;
use crate::requests::service as request_service;
use crate::state::AppState;
use crate::vocab::{ClockKind, EventType, RequestStatus};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub examined: usize,
    pub reminders: usize,
    pub missed: usize,
    pub lapsed: usize,
}

/// The ids of clocks that need a look at `now`, soonest first.
pub fn due_clocks(conn: &mut AnyConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>, ApiError> {
    let ids: Vec<DbUuid> = clocks::table
        .filter(clocks::next_reminder_at.le(DbTime(now)))
        .select(clocks::id)
        .order(clocks::next_reminder_at.asc())
        .limit(limit)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

impl ScanReport {
    fn add(&mut self, (reminded, missed, lapsed): (bool, bool, bool)) {
        self.examined += 1;
        self.reminders += usize::from(reminded);
        self.missed += usize::from(missed);
        self.lapsed += usize::from(lapsed);
    }
}

/// One scan: the due clocks in one transaction (one durable commit per scan, not per clock).
/// Usually all of them go straight through. When one fails, that transaction is undone and the
/// scan goes again with each clock in its own savepoint, so that the failing one alone is
/// rolled back (and looked at at the next scan): a savepoint costs two round trips per clock
/// (`SAVEPOINT`, `RELEASE`), a third of a reminder's, paid only when needed (issue 16).
pub async fn scan(state: &AppState, limit: i64) -> Result<ScanReport, ApiError> {
    // Events of the scan are signed: with the keys every instance uses now.
    if let Some(store) = &state.key_store {
        store.refresh_if_due(&state.db, &state.tokens.keys).await;
    }
    let now = state.clock.now();
    let ids = state.db.run(move |conn| due_clocks(conn, now, limit)).await?;
    if ids.is_empty() {
        return Ok(ScanReport::default());
    }
    let (tokens, all) = (state.tokens.clone(), ids.clone());
    let straight = state
        .db
        .write(move |conn| -> Result<ScanReport, ApiError> {
            let mut report = ScanReport::default();
            for id in all {
                report.add(process(conn, &tokens.keys, id, now)?);
            }
            Ok(report)
        })
        .await;
    match straight {
        Ok(report) => return Ok(report),
        Err(error) => tracing::info!(error = %error, "a clock failed; the scan goes again, clock by clock"),
    }
    let tokens = state.tokens.clone();
    state
        .db
        .write(move |conn| -> Result<ScanReport, ApiError> {
            let mut report = ScanReport::default();
            for id in ids {
                match diesel::Connection::transaction(conn, |conn| process(conn, &tokens.keys, id, now)) {
                    Ok(step) => report.add(step),
                    Err(error) => {
                        tracing::warn!(clock = %id, error = %error, "clock scan failed; retried at the next scan")
                    }
                }
            }
            Ok(report)
        })
        .await
}

/// Moves a clock from one state to another only if it is still in the first: of two
/// scanners, one wins.
fn transition(
    conn: &mut AnyConnection,
    id: Uuid,
    from: ClockState,
    to: ClockState,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let closed = matches!(to, ClockState::Met | ClockState::Cancelled).then_some(DbTime(now));
    let n =
        prepared(
            diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(id))).filter(clocks::state.eq(DbText(from))))
                .set((clocks::state.eq(DbText(to)), clocks::closed_at.eq(closed), clocks::updated_at.eq(DbTime(now)))),
        )
        .execute(conn)?;
    Ok(n == 1)
}

fn set_next(conn: &mut AnyConnection, id: Uuid, next: Option<DateTime<Utc>>) -> Result<(), ApiError> {
    prepared(next_look(id, next)).execute(conn)?;
    Ok(())
}

type OneClock = diesel::dsl::Filter<clocks::table, diesel::dsl::Eq<clocks::id, DbUuid>>;
type NextLook = diesel::dsl::Eq<clocks::next_reminder_at, Option<DbTime>>;

/// The update of a clock's next look, to run alone (`set_next`) or with its reminder's event.
fn next_look(id: Uuid, next: Option<DateTime<Utc>>) -> diesel::dsl::Update<OneClock, NextLook> {
    diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(id)))).set(clocks::next_reminder_at.eq(next.map(DbTime)))
}

/// Whether the request's legal basis keeps a preservation alive while a follow-up is open:
/// Reg. 2023/1543 Art 11(2) and ETS 185 Art 29(7) do; 18 U.S.C. 2703(f)(2) gives only 90 + 90
/// days, whatever follows.
fn kept_by_follow_up(conn: &mut AnyConnection, row: &RequestRow) -> Result<bool, ApiError> {
    let basis = request_service::basis_for(conn, row)?;
    Ok(basis.clocks.iter().any(|c| c.kind == ClockKind::Preservation && c.kept_while_follow_up_open))
}

/// The issuer confirmed a follow-up request sent outside Rogatory (Reg. 2023/1543 Art 11(2),
/// Annex V): the data stay preserved until the issuer releases them (Art 11(3)).
fn confirmed_follow_up(row: &RequestRow) -> bool {
    row.follow_up_confirmed_at.is_some()
}

/// An open request that follows up this one (e.g. the production request after a
/// preservation) keeps the preservation alive until it is answered (Reg. 2023/1543 Art 11(2)).
fn open_follow_up(conn: &mut AnyConnection, request: Uuid) -> Result<bool, ApiError> {
    let open =
        [RequestStatus::Submitted, RequestStatus::Acknowledged, RequestStatus::AwaitingClarification].map(DbText);
    let found = requests::table
        .filter(requests::follow_up_of.eq(DbUuid(request)))
        .filter(requests::status.eq_any(open))
        .select(requests::id)
        .first::<DbUuid>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Handles one clock; returns (reminder sent, became missed, lapsed).
fn process(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(bool, bool, bool), ApiError> {
    // The request first, then its clock, as every action on the request takes them; the clock
    // is then read as it stands under that lock.
    let Some(request) = crate::requests::repo::find_for_update_of_clock(conn, id)? else {
        return Ok((false, false, false));
    };
    let Some(clock): Option<ClockRow> =
        clocks::table.filter(clocks::id.eq(DbUuid(id))).select(ClockRow::as_select()).first(conn).optional()?
    else {
        return Ok((false, false, false));
    };
    let state = clock.state;
    let kind = clock.kind;
    let span = TimeDelta::seconds(clock.span_secs);
    let step = rules::scan(state, kind, clock.started_at, clock.due_at, span, clock.emergency, now);
    let data = |label: Option<&str>| {
        json!({"clock": clock.id, "kind": kind, "party": clock.party_id, "obligation_of": clock.obligation_of,
            "due_at": crate::audit::chain::time_text(clock.due_at), "citation": clock.citation, "reminder": label})
    };
    if step.becomes_missed && kind == ClockKind::Preservation {
        if kept_by_follow_up(conn, &request)?
            && (confirmed_follow_up(&request) || open_follow_up(conn, clock.request_id)?)
        {
            set_next(conn, id, Some(now + TimeDelta::days(1)))?;
            return Ok((false, false, false));
        }
        if !transition(conn, id, ClockState::Running, ClockState::Met, now)? {
            return Ok((false, false, false));
        }
        set_next(conn, id, None)?;
        request_service::lapse(conn, clock.request_id, now)?;
        request_service::event(conn, keys, clock.request_id, None, EventType::PreservationLapsed, data(None), now)?;
        return Ok((false, false, true));
    }
    if step.becomes_missed {
        if !transition(conn, id, ClockState::Running, ClockState::Missed, now)? {
            return Ok((false, false, false));
        }
        // The enforcing authority's time ended without a ground: held data go to the issuer
        // (Reg. 2023/1543 Art 10(2)). It can no longer object (Art 12(1)), so its clock is
        // reported once and does not escalate.
        let next_look = if kind == ClockKind::Object {
            request_service::release_hold(conn, keys, clock.request_id, now)?;
            None
        } else {
            step.next_look
        };
        set_next(conn, id, next_look)?;
        request_service::event(conn, keys, clock.request_id, None, EventType::ClockMissed, data(Some("due")), now)?;
        return Ok((false, true, false));
    }
    let reminder = match step.send {
        Some(reminder) if dialect::insert_sent_reminder(conn, &format!("{}:{}", clock.id, reminder.label), now)? => {
            reminder
        }
        // Nothing to send, or sent already (by another scan, or before a crash).
        _ => {
            set_next(conn, id, step.next_look)?;
            return Ok((false, false, false));
        }
    };
    let event_type = match (reminder.missed, kind) {
        (true, _) => EventType::ClockMissed,
        (false, ClockKind::Preservation) => EventType::PreservationExpiring,
        (false, _) => EventType::ClockApproaching,
    };
    // The request was read under its lock and is unchanged: the event links to its head as read,
    // and the clock's next look goes in the event's statement (issue 16: one round trip fewer
    // per reminder, twice on PostgreSQL).
    let next = Box::new(next_look(id, step.next_look));
    request_service::event_after(conn, keys, request, vec![next], event_type, data(Some(&reminder.label)), now)?;
    Ok((true, false, false))
}
