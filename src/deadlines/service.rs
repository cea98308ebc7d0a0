//! Clock changes, in the transaction of the request change that causes them.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::{self, ClockState};
use crate::db::AnyConnection;
use crate::db::codec::encode_text;
use crate::db::schema::{clocks, party_clock_targets};
use crate::db::types::{DbText, DbTime, DbUuid};
use crate::error::ApiError;
use crate::legal_bases::LegalBasis;
use crate::vocab::{ClockKind, ClockTrigger, DataCategory, Obligor, Priority};

crate::db::types::text_columns!(ClockState);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clocks)]
pub struct ClockRow {
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub request_id: Uuid,
    #[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]
    pub party_id: Uuid,
    #[diesel(serialize_as = DbText<ClockKind>, deserialize_as = DbText<ClockKind>)]
    pub kind: ClockKind,
    #[diesel(serialize_as = DbText<Obligor>, deserialize_as = DbText<Obligor>)]
    pub obligation_of: Obligor,
    #[diesel(serialize_as = DbText<ClockState>, deserialize_as = DbText<ClockState>)]
    pub state: ClockState,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub started_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub due_at: DateTime<Utc>,
    pub span_secs: i64,
    pub remaining_secs: Option<i64>,
    pub binding: bool,
    pub emergency: bool,
    pub pauses_on_clarification: bool,
    pub citation: String,
    pub next_reminder_at: Option<DbTime>,
    pub closed_at: Option<DbTime>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub created_at: DateTime<Utc>,
    #[diesel(serialize_as = DbTime, deserialize_as = DbTime)]
    pub updated_at: DateTime<Utc>,
}

/// A legal clock of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6fa-0000-7000-8000-00000000c10c", "request_id": "0193a6f5-0000-7000-8000-000000000001",
    "party_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c90", "kind": "respond", "obligation_of": "addressee",
    "state": "running", "started_at": "2026-11-30T08:00:00Z", "due_at": "2026-12-10T08:00:00Z",
    "remaining_secs": null, "binding": true, "emergency": false, "pauses_on_clarification": true,
    "citation": "Reg. (EU) 2023/1543 Art 10(2) (10 days), Art 10(4) (8 hours in an emergency)", "closed_at": null
}))]
pub struct Clock {
    pub id: Uuid,
    pub request_id: Uuid,
    /// The party that must act before the clock runs out.
    pub party_id: Uuid,
    pub kind: ClockKind,
    pub obligation_of: Obligor,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// When it runs out (while paused: when it would, had it not been paused).
    pub due_at: DateTime<Utc>,
    /// Seconds that were left when it was paused.
    pub remaining_secs: Option<i64>,
    /// Set by law (true) or a default target (false).
    pub binding: bool,
    pub emergency: bool,
    pub pauses_on_clarification: bool,
    pub citation: String,
    pub closed_at: Option<DateTime<Utc>>,
}

impl ClockRow {
    pub fn into_clock(self) -> Result<Clock, ApiError> {
        Ok(Clock {
            state: self.state,
            kind: self.kind,
            obligation_of: self.obligation_of,
            id: self.id,
            request_id: self.request_id,
            party_id: self.party_id,
            started_at: self.started_at,
            due_at: self.due_at,
            remaining_secs: self.remaining_secs,
            binding: self.binding,
            emergency: self.emergency,
            pauses_on_clarification: self.pauses_on_clarification,
            citation: self.citation,
            closed_at: self.closed_at.map(|t| t.0),
        })
    }
}

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

fn target(conn: &mut AnyConnection, party: Uuid, basis: &str, kind: ClockKind) -> Result<Option<TimeDelta>, ApiError> {
    let secs: Option<i64> = party_clock_targets::table
        .filter(party_clock_targets::party_id.eq(DbUuid(party)))
        .filter(party_clock_targets::legal_basis.eq(basis))
        .filter(party_clock_targets::clock_kind.eq(encode_text(&kind)))
        .select(party_clock_targets::duration_secs)
        .first(conn)
        .optional()?;
    Ok(secs.map(TimeDelta::seconds))
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
    let mut targets = Vec::new();
    for rule in basis.clocks.iter().filter(|r| !r.binding) {
        if let Some(t) = target(conn, addressee, &basis.code, rule.kind)? {
            targets.push((rule.kind, t));
        }
    }
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
            if let Some(duration) = target(conn, addressee, &basis.code, kind)? {
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
        diesel::insert_into(clocks::table).values(row.clone()).execute(conn)?;
        started.push(row);
    }
    Ok(started)
}

pub fn for_request(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<ClockRow>, ApiError> {
    Ok(clocks::table
        .filter(clocks::request_id.eq(DbUuid(request)))
        .select(ClockRow::as_select())
        .order(clocks::id.asc())
        .load(conn)?)
}

fn save(conn: &mut AnyConnection, row: &ClockRow) -> Result<(), ApiError> {
    diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(row.id))))
        .set((
            clocks::state.eq(DbText(row.state)),
            clocks::due_at.eq(DbTime(row.due_at)),
            clocks::remaining_secs.eq(row.remaining_secs),
            clocks::next_reminder_at.eq(row.next_reminder_at.clone()),
            clocks::closed_at.eq(row.closed_at.clone()),
            clocks::updated_at.eq(DbTime(row.updated_at)),
        ))
        .execute(conn)?;
    Ok(())
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
    for mut row in for_request(conn, request)? {
        let addressee = row.obligation_of == Obligor::Addressee;
        if row.state == ClockState::Running && addressee && kinds.contains(&row.kind) {
            row.remaining_secs = Some(rules::pause(row.due_at, now).num_seconds());
            row.state = ClockState::Paused;
            row.next_reminder_at = None;
            row.updated_at = now;
            save(conn, &row)?;
            paused += 1;
        }
    }
    Ok(paused)
}

/// A pending clarification pauses the clocks whose rule says so, keeping the time left.
pub fn pause_for_clarification(conn: &mut AnyConnection, request: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    for mut row in for_request(conn, request)? {
        if row.state == ClockState::Running && row.pauses_on_clarification {
            row.remaining_secs = Some(rules::pause(row.due_at, now).num_seconds());
            row.state = ClockState::Paused;
            row.next_reminder_at = None;
            row.updated_at = now;
            save(conn, &row)?;
        }
    }
    Ok(())
}

/// The answer resumes the clocks the clarification paused, with the time that was left; a
/// clock paused for another reason (a derogation, Dir. (EU) 2023/977 Art 5(2)) stays paused.
pub fn resume_after_clarification(conn: &mut AnyConnection, request: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    for mut row in for_request(conn, request)? {
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
            save(conn, &row)?;
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
    for mut row in for_request(conn, request)? {
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
            save(conn, &row)?;
        }
    }
    Ok(())
}

/// The running preservation clock, if any.
pub fn preservation(conn: &mut AnyConnection, request: Uuid) -> Result<Option<ClockRow>, ApiError> {
    for row in for_request(conn, request)? {
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
    diesel::update(clocks::table.filter(clocks::id.eq(DbUuid(row.id))))
        .set((
            clocks::due_at.eq(DbTime(due)),
            clocks::span_secs.eq(row.span_secs),
            clocks::next_reminder_at.eq(row.next_reminder_at.clone()),
            clocks::updated_at.eq(DbTime(now)),
        ))
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
            .filter(party_clock_targets::clock_kind.eq(encode_text(&kind))),
    )
    .execute(conn)?;
    diesel::insert_into(party_clock_targets::table)
        .values((
            party_clock_targets::party_id.eq(DbUuid(party)),
            party_clock_targets::legal_basis.eq(basis),
            party_clock_targets::clock_kind.eq(encode_text(&kind)),
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
