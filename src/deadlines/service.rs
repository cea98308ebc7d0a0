//! Clock changes, in the transaction of the request change that causes them.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::model::ClockRow;
use super::repo;
use super::rules::{self, ClockChange, ClockState};
use crate::db::AnyConnection;
use crate::db::prepared::prepared;
use crate::db::schema::clocks;
use crate::db::types::{DbTime, DbUuid};
use crate::error::ApiError;
use crate::legal_bases::LegalBasis;
use crate::vocab::{ClockKind, ClockTrigger, DataCategory, Obligor, Priority};

/// What a request's clocks depend on, read from the request by `requests`.
#[derive(Debug, Clone)]
pub struct ClockSubject {
    pub request: Uuid,
    pub issuer: Uuid,
    pub addressee: Uuid,
    pub enforcing: Option<Uuid>,
    pub priority: Priority,
    pub data_categories: Vec<DataCategory>,
    /// The declarations of the request's content (among `FLAGS`) that hold.
    pub flags: Vec<&'static str>,
}

fn obligor_party(request: &ClockSubject, obligor: Obligor) -> Option<Uuid> {
    match obligor {
        Obligor::Addressee => Some(request.addressee),
        Obligor::Issuer => Some(request.issuer),
        Obligor::EnforcingAuthority => request.enforcing,
    }
}

/// The declarations of a request's content that clock conditions may name.
pub const FLAGS: [&str; 4] =
    ["provisional_measures", "directly_accessible", "offence_in_issuing_state", "person_resides_in_issuing_state"];

/// The clock kinds a party may give its own target where the basis sets none at all (e.g.
/// ETS 185 Art 31, ETS 030): to acknowledge and to respond.
pub const OWN_TARGET_KINDS: [ClockKind; 2] = [ClockKind::Acknowledge, ClockKind::Respond];

/// Starts the clocks `trigger` starts for this request, for the obligors `only` accepts.
pub fn start(
    conn: &mut AnyConnection,
    request: &ClockSubject,
    basis: &LegalBasis,
    trigger: ClockTrigger,
    only: impl Fn(Obligor) -> bool,
    now: DateTime<Utc>,
) -> Result<Vec<ClockRow>, ApiError> {
    let addressee = request.addressee;
    // The addressee's own targets, read once (issue 16): a binding clock ignores them.
    let own = repo::targets_for_basis(conn, addressee, &basis.code)?;
    let own_target = |kind: ClockKind| own.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t);
    let targets: Vec<(ClockKind, TimeDelta)> = basis
        .clocks
        .iter()
        .filter(|r| !r.binding)
        .filter_map(|rule| own_target(rule.kind).map(|t| (rule.kind, t)))
        .collect();
    let mut plans = rules::plan(
        basis,
        trigger,
        request.priority,
        &request.data_categories,
        &request.flags,
        request.enforcing.is_some(),
        |kind| targets.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t),
    );
    // No time by law at all for this kind (ETS 185 Art 31, ETS 030 …): the party's own target,
    // if it set one, runs from receipt.
    if trigger == ClockTrigger::Received {
        for kind in OWN_TARGET_KINDS {
            if basis.clocks.iter().any(|r| r.kind == kind) {
                continue;
            }
            if let Some(duration) = own_target(kind) {
                plans.push(rules::ClockPlan {
                    kind,
                    obligation_of: Obligor::Addressee,
                    duration,
                    binding: false,
                    emergency: false,
                    pauses_on_clarification: true,
                    citation: format!("No time by law ({}): the addressee's own target", basis.citation),
                });
            }
        }
    }
    let mut started = Vec::new();
    for plan in plans.into_iter().filter(|p| only(p.obligation_of)) {
        let Some(party) = obligor_party(request, plan.obligation_of) else { continue };
        let due = now + plan.duration;
        let next = rules::scan(ClockState::Running, plan.kind, now, due, plan.duration, plan.emergency, now).next_look;
        let row = ClockRow {
            id: Uuid::now_v7(),
            request_id: request.request,
            party_id: party,
            kind: plan.kind,
            obligation_of: plan.obligation_of,
            state: ClockState::Running,
            started_at: now,
            due_at: due,
            span_secs: plan.duration.num_seconds(),
            remaining_secs: None,
            binding: plan.binding,
            emergency: plan.emergency,
            pauses_on_clarification: plan.pauses_on_clarification,
            citation: plan.citation,
            next_reminder_at: next.map(DbTime),
            closed_at: None,
            created_at: now,
            updated_at: now,
        };
        repo::insert(conn, &row)?;
        started.push(row);
    }
    Ok(started)
}

/// The addressee derogates from a time limit while it obtains a judicial authorisation (Dir.
/// (EU) 2023/977 Art 5(2)): its running clocks of these kinds pause, keeping the time left,
/// until it answers. Returns how many paused.
pub fn pause_for_derogation(
    conn: &mut AnyConnection,
    request: Uuid,
    kinds: &[ClockKind],
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut paused = 0;
    for mut row in repo::for_request(conn, request)? {
        let addressee = row.obligation_of == Obligor::Addressee;
        if row.state == ClockState::Running && addressee && kinds.contains(&row.kind) {
            row.remaining_secs = Some(rules::pause(row.due_at, now).num_seconds());
            row.state = ClockState::Paused;
            row.next_reminder_at = None;
            row.updated_at = now;
            repo::save(conn, &row)?;
            paused += 1;
        }
    }
    Ok(paused)
}

/// A pending clarification pauses the clocks whose rule says so, keeping the time left.
pub fn pause_for_clarification(conn: &mut AnyConnection, request: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    for mut row in repo::for_request(conn, request)? {
        if row.state == ClockState::Running && row.pauses_on_clarification {
            row.remaining_secs = Some(rules::pause(row.due_at, now).num_seconds());
            row.state = ClockState::Paused;
            row.next_reminder_at = None;
            row.updated_at = now;
            repo::save(conn, &row)?;
        }
    }
    Ok(())
}

/// The answer resumes the clocks the clarification paused, with the time that was left; a
/// clock paused for another reason (a derogation, Dir. (EU) 2023/977 Art 5(2)) stays paused.
pub fn resume_after_clarification(conn: &mut AnyConnection, request: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    for mut row in repo::for_request(conn, request)? {
        if row.state == ClockState::Paused && row.pauses_on_clarification {
            let left = TimeDelta::seconds(row.remaining_secs.unwrap_or(0));
            row.due_at = rules::resume(left, now);
            row.remaining_secs = None;
            row.state = ClockState::Running;
            let span = TimeDelta::seconds(row.span_secs);
            row.next_reminder_at =
                rules::scan(ClockState::Running, row.kind, row.started_at, row.due_at, span, row.emergency, now)
                    .next_look
                    .map(DbTime);
            row.updated_at = now;
            repo::save(conn, &row)?;
        }
    }
    Ok(())
}

/// Closes the open clocks of a request that match: `met` when answered, `cancelled` when the
/// request is withdrawn or no longer needs them.
pub fn close(
    conn: &mut AnyConnection,
    request: Uuid,
    matching: impl Fn(ClockKind, Obligor) -> bool,
    state: ClockState,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for mut row in repo::for_request(conn, request)? {
        let open = matches!(row.state, ClockState::Running | ClockState::Paused | ClockState::Missed);
        let obligor = row.obligation_of;
        if open && matching(row.kind, obligor) {
            // A missed clock stays missed (answering late or withdrawing does not rewrite
            // history); it only stops escalating.
            if row.state != ClockState::Missed {
                row.state = state;
            }
            row.next_reminder_at = None;
            row.closed_at = Some(DbTime(now));
            row.updated_at = now;
            repo::save(conn, &row)?;
        }
    }
    Ok(())
}

/// The running preservation clock, if any.
pub fn preservation(conn: &mut AnyConnection, request: Uuid) -> Result<Option<ClockRow>, ApiError> {
    for row in repo::for_request(conn, request)? {
        if row.kind == ClockKind::Preservation && row.state == ClockState::Running {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Moves a preservation clock to a new expiry (an extension, or the date the addressee gave).
pub fn set_preservation_due(
    conn: &mut AnyConnection,
    row: &mut ClockRow,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    row.due_at = due;
    row.span_secs = (due - row.started_at).num_seconds();
    row.next_reminder_at = rules::scan(
        ClockState::Running,
        ClockKind::Preservation,
        row.started_at,
        due,
        TimeDelta::seconds(row.span_secs),
        row.emergency,
        now,
    )
    .next_look
    .map(DbTime);
    row.updated_at = now;
    prepared(diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(row.id)))).set((
        clocks::due_at.eq(DbTime(due)),
        clocks::span_secs.eq(row.span_secs),
        clocks::next_reminder_at.eq(row.next_reminder_at.clone()),
        clocks::updated_at.eq(DbTime(now)),
    )))
    .execute(conn)?;
    Ok(())
}

/// Applies the clock policy's changes (`rules::clock_changes`) to a request's clocks, in the
/// transaction of the change that caused them. `preservation_expiry` is the expiry the request
/// now shows, if any.
pub fn apply(
    conn: &mut AnyConnection,
    subject: &ClockSubject,
    basis: &LegalBasis,
    changes: &[ClockChange],
    preservation_expiry: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let request = subject.request;
    for change in changes {
        match *change {
            ClockChange::Close(select, state) => {
                close(conn, request, |kind, obligor| select.matches(kind, obligor), state, now)?
            }
            ClockChange::Start(trigger, only) => {
                start(conn, subject, basis, trigger, |obligor| only.is_none_or(|o| o == obligor), now)?;
            }
            ClockChange::StartPreservationOnce => {
                if preservation(conn, request)?.is_none() {
                    start(conn, subject, basis, ClockTrigger::Preserved, |_| true, now)?;
                }
            }
            ClockChange::FollowPreservationExpiry => {
                if let (Some(mut clock), Some(until)) = (preservation(conn, request)?, preservation_expiry) {
                    set_preservation_due(conn, &mut clock, until, now)?;
                }
            }
        }
    }
    Ok(())
}
