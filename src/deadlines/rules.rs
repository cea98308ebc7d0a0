//! Legal clocks as pure functions: which clocks a request starts on which event, with which
//! duration, how a clarification pauses them, and when their reminders fall (DESIGN.md
//! section 5). No database, no HTTP; unit-tested against the catalogue's legal values.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::legal_bases::LegalBasis;
use crate::vocab::{ClockKind, ClockTrigger, DataCategory, Obligor, Priority};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Met,
    Missed,
    Cancelled,
}

/// A clock to start.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockPlan {
    pub kind: ClockKind,
    pub obligation_of: Obligor,
    pub duration: TimeDelta,
    pub binding: bool,
    pub emergency: bool,
    pub pauses_on_clarification: bool,
    pub citation: String,
}

/// The clocks `trigger` starts for a request on `basis`. Emergency requests use the emergency
/// duration where the basis has one (e.g. 8 hours instead of 10 days, Reg. 2023/1543 Art
/// 10(4)); clocks that bind the enforcing authority start only when it was notified; clocks
/// tied to data categories start only when the request asks for one of them (CETS 224 Art 8:
/// 20 days for subscriber data, 45 for traffic data); a party's own target replaces a default
/// that no law sets (`binding: false`). A rule with a condition (`when`) starts only when the
/// request's priority and declarations meet it: Dir. 2014/41 Art 32(2)'s 24 hours for an
/// urgent EIO with provisional measures; Dir. (EU) 2023/977 Art 5(1)'s 8 hours, 3 days or 7
/// days by urgency and direct accessibility.
pub fn plan(
    basis: &LegalBasis,
    trigger: ClockTrigger,
    priority: Priority,
    categories: &[DataCategory],
    flags: &[&str],
    enforcing_notified: bool,
    target: impl Fn(ClockKind) -> Option<TimeDelta>,
) -> Vec<ClockPlan> {
    basis
        .clocks
        .iter()
        .filter(|rule| rule.starts_on == trigger)
        .filter(|rule| rule.obligation_of != Obligor::EnforcingAuthority || enforcing_notified)
        .filter(|rule| {
            rule.when_data_categories.as_ref().is_none_or(|wanted| wanted.iter().any(|c| categories.contains(c)))
        })
        .filter(|rule| {
            rule.when.as_ref().is_none_or(|when| {
                when.priorities.as_ref().is_none_or(|p| p.contains(&priority))
                    && when.flags.iter().all(|f| flags.contains(&f.as_str()))
                    && !when.not_flags.iter().any(|f| flags.contains(&f.as_str()))
            })
        })
        .map(|rule| {
            let emergency =
                priority == Priority::Emergency && (rule.emergency_duration.is_some() || rule.when.is_some());
            let duration = match (&rule.emergency_duration, emergency, rule.binding) {
                (Some(short), true, _) => short.as_delta(),
                (_, _, false) => target(rule.kind).unwrap_or_else(|| rule.duration.as_delta()),
                _ => rule.duration.as_delta(),
            };
            ClockPlan {
                kind: rule.kind,
                obligation_of: rule.obligation_of,
                duration,
                binding: rule.binding,
                emergency,
                pauses_on_clarification: rule.pauses_on_clarification,
                citation: rule.citation.clone(),
            }
        })
        .collect()
}

/// The time a clock keeps while paused, and its due time when it resumes.
pub fn pause(due_at: DateTime<Utc>, now: DateTime<Utc>) -> TimeDelta {
    (due_at - now).max(TimeDelta::zero())
}

pub fn resume(remaining: TimeDelta, now: DateTime<Utc>) -> DateTime<Utc> {
    now + remaining
}

/// The interval of reminders once a clock is missed: hourly for emergencies, daily otherwise.
pub fn missed_interval(emergency: bool) -> TimeDelta {
    if emergency { TimeDelta::hours(1) } else { TimeDelta::days(1) }
}

/// A reminder of a clock: when, and the offset label that makes its dedupe key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub at: DateTime<Utc>,
    pub label: String,
    pub missed: bool,
}

/// The reminder points of a running clock (DESIGN.md section 5): at 50% of its span, 24 hours
/// before (1 hour for clocks under a day), and for preservations also 14 and 7 days before,
/// since providers want extension requests at least 7 days early. Points before the start are
/// dropped; the due time itself is the moment the clock is missed.
pub fn reminders(kind: ClockKind, started_at: DateTime<Utc>, due_at: DateTime<Utc>, span: TimeDelta) -> Vec<Reminder> {
    let mut points = vec![(started_at + span / 2, "half".to_owned())];
    if kind == ClockKind::Preservation {
        points.push((due_at - TimeDelta::days(14), "14d".into()));
        points.push((due_at - TimeDelta::days(7), "7d".into()));
    }
    if span < TimeDelta::days(1) {
        points.push((due_at - TimeDelta::hours(1), "1h".into()));
    } else {
        points.push((due_at - TimeDelta::hours(24), "24h".into()));
    }
    let mut points: Vec<Reminder> = points
        .into_iter()
        .filter(|(at, _)| *at > started_at && *at < due_at)
        .map(|(at, label)| Reminder { at, label, missed: false })
        .collect();
    points.sort_by_key(|r| r.at);
    points.dedup_by_key(|r| r.at);
    points
}

/// The `k`-th reminder after a clock was missed.
pub fn missed_reminder(due_at: DateTime<Utc>, emergency: bool, k: i32) -> Reminder {
    Reminder { at: due_at + missed_interval(emergency) * k, label: format!("missed+{k}"), missed: true }
}

/// What the scanner does with a clock at `now`: the one reminder to send (the latest point
/// that has passed; older ones a slow scan skipped are not worth sending late) and when to
/// look at the clock again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanStep {
    pub send: Option<Reminder>,
    /// The clock reached its due time while running: it is missed now.
    pub becomes_missed: bool,
    pub next_look: Option<DateTime<Utc>>,
}

pub fn scan(
    state: ClockState,
    kind: ClockKind,
    started_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    span: TimeDelta,
    emergency: bool,
    now: DateTime<Utc>,
) -> ScanStep {
    match state {
        ClockState::Running if now >= due_at => {
            ScanStep { send: None, becomes_missed: true, next_look: Some(missed_reminder(due_at, emergency, 1).at) }
        }
        ClockState::Running => {
            let points = reminders(kind, started_at, due_at, span);
            let send = points.iter().rev().find(|r| r.at <= now).cloned();
            let next_look = points.iter().find(|r| r.at > now).map(|r| r.at).or(Some(due_at));
            ScanStep { send, becomes_missed: false, next_look }
        }
        ClockState::Missed => {
            let interval = missed_interval(emergency);
            let k = ((now - due_at).num_seconds() / interval.num_seconds().max(1)) as i32;
            let send = (k >= 1).then(|| missed_reminder(due_at, emergency, k));
            ScanStep {
                send,
                becomes_missed: false,
                next_look: Some(missed_reminder(due_at, emergency, k.max(0) + 1).at),
            }
        }
        ClockState::Paused | ClockState::Met | ClockState::Cancelled => {
            ScanStep { send: None, becomes_missed: false, next_look: None }
        }
    }
}

/// What happened to a request, as its clocks see it: the lifecycle (`requests`) names the
/// step, this module decides what it does to the clocks (DESIGN.md section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStep {
    /// The request reached its addressee (submitted, or approved and so submitted).
    Received,
    Acknowledged,
    /// The executing authority decided; `provisional_measures` when the decision is the one on
    /// provisional measures (Dir. 2014/41 Art 32(2)), not on recognition (Art 12(3)).
    Recognised {
        provisional_measures: bool,
    },
    Forwarded,
    /// The addressee answered that the data are preserved.
    Preserved,
    /// Any other answer.
    Answered,
    Objected,
    NoGroundsConfirmed,
    Withdrawn,
    Extended,
    Released,
}

/// Which open clocks a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    All,
    Kind(ClockKind),
    AllBut(ClockKind),
    Obligor(Obligor),
}

impl Select {
    pub fn matches(self, kind: ClockKind, obligor: Obligor) -> bool {
        match self {
            Select::All => true,
            Select::Kind(k) => kind == k,
            Select::AllBut(k) => kind != k,
            Select::Obligor(o) => obligor == o,
        }
    }
}

/// One change to a request's clocks, in the order given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Close the open clocks selected, in this state (a missed clock stays missed).
    Close(Select, ClockState),
    /// Start the clocks the trigger starts, for one obligor or all.
    Start(ClockTrigger, Option<Obligor>),
    /// Start the preservation clocks, unless one already runs.
    StartPreservationOnce,
    /// Move the running preservation clock to the expiry the request now shows.
    FollowPreservationExpiry,
}

/// The clock policy keyed on what happened to the request.
pub fn clock_changes(step: RequestStep) -> Vec<ClockChange> {
    use ClockChange::*;
    use RequestStep::*;
    match step {
        Received => vec![Start(ClockTrigger::Received, None)],
        // The acknowledgement of receipt (e.g. Dir. 2014/41 Art 16(1), Annex B) meets the
        // acknowledge clock only; for an EIO it is not the decision on recognition.
        Acknowledged => vec![Close(Select::Kind(ClockKind::Acknowledge), ClockState::Met)],
        // A decision implies receipt. The decision on recognition (Dir. 2014/41 Art 12(3))
        // starts execution's 90 days (Art 12(4)); the one on provisional measures meets Art
        // 32(2)'s 24 hours.
        Recognised { provisional_measures: true } => vec![
            Close(Select::Kind(ClockKind::Acknowledge), ClockState::Met),
            Close(Select::Kind(ClockKind::ProvisionalMeasures), ClockState::Met),
        ],
        Recognised { provisional_measures: false } => vec![
            Close(Select::Kind(ClockKind::Acknowledge), ClockState::Met),
            Close(Select::Kind(ClockKind::Recognition), ClockState::Met),
            Start(ClockTrigger::Recognised, None),
        ],
        // The new addressee's clocks start on its receipt.
        Forwarded => vec![
            Close(Select::Obligor(Obligor::Addressee), ClockState::Cancelled),
            Start(ClockTrigger::Received, Some(Obligor::Addressee)),
        ],
        // The preservation clock and the request show one expiry: the date the addressee gave.
        Preserved => vec![
            Close(Select::AllBut(ClockKind::Preservation), ClockState::Met),
            StartPreservationOnce,
            FollowPreservationExpiry,
        ],
        // An answer meets the addressee's clocks. The enforcing authority's keeps running: it
        // may still raise a ground (Reg. 2023/1543 Art 8(4), Art 10(2)) or, in an emergency,
        // object to the use of the data (Art 10(4)).
        Answered => vec![
            Close(Select::Obligor(Obligor::Addressee), ClockState::Met),
            Close(Select::Obligor(Obligor::Issuer), ClockState::Cancelled),
        ],
        Objected => vec![
            Close(Select::Obligor(Obligor::EnforcingAuthority), ClockState::Met),
            Close(Select::All, ClockState::Cancelled),
        ],
        NoGroundsConfirmed => vec![Close(Select::Obligor(Obligor::EnforcingAuthority), ClockState::Met)],
        Withdrawn => vec![Close(Select::All, ClockState::Cancelled)],
        Extended => vec![FollowPreservationExpiry],
        Released => vec![Close(Select::Kind(ClockKind::Preservation), ClockState::Met)],
    }
}

#[cfg(test)]
mod tests {
    use super::{ClockChange, RequestStep, Select, clock_changes};

    #[test]
    fn an_answer_meets_the_addressees_clocks_but_not_the_enforcing_authoritys() {
        let changes = clock_changes(RequestStep::Answered);
        let closes = |kind, obligor| {
            changes.iter().any(|c| matches!(c, ClockChange::Close(sel, _) if sel.matches(kind, obligor)))
        };
        assert!(closes(ClockKind::Respond, Obligor::Addressee));
        assert!(!closes(ClockKind::Object, Obligor::EnforcingAuthority), "Reg. 2023/1543 Art 10(2) time keeps running");
        assert_eq!(
            clock_changes(RequestStep::Forwarded),
            [
                ClockChange::Close(Select::Obligor(Obligor::Addressee), ClockState::Cancelled),
                ClockChange::Start(ClockTrigger::Received, Some(Obligor::Addressee))
            ]
        );
    }

    use super::*;
    use crate::legal_bases::IsoDuration;
    use crate::legal_bases::dto::{ClockRule, LegalBasis};
    use crate::vocab::{RecipientKind, RequestKind};

    fn rule(
        kind: ClockKind,
        obligor: Obligor,
        trigger: ClockTrigger,
        duration: &str,
        emergency: Option<&str>,
        binding: bool,
    ) -> ClockRule {
        ClockRule {
            kind,
            obligation_of: obligor,
            starts_on: trigger,
            duration: IsoDuration::parse(duration).unwrap(),
            emergency_duration: emergency.map(|e| IsoDuration::parse(e).unwrap()),
            binding,
            pauses_on_clarification: kind == ClockKind::Respond,
            when_data_categories: None,
            when: None,
            kept_while_follow_up_open: false,
            derogable_for_judicial_authorisation: false,
            citation: "test".into(),
            source_quote: None,
            source_url: None,
            verified: false,
        }
    }

    fn basis(code: &str, clocks: Vec<ClockRule>) -> LegalBasis {
        LegalBasis {
            code: code.into(),
            title: String::new(),
            instrument: String::new(),
            article: String::new(),
            request_kind: RequestKind::Production,
            allowed_recipient_kinds: vec![RecipientKind::ServiceProvider],
            preferred_designations: vec![],
            required_fields: vec![],
            clocks,
            extensions: vec![],
            refusal_grounds: vec![],
            refusal_grounds_exhaustive: false,
            citation: String::new(),
            source_quote: None,
            source_url: None,
            verified: true,
            binding: true,
            in_force: None,
            notes: None,
            effective_from: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn epoc() -> LegalBasis {
        basis(
            "eu_epoc",
            vec![
                rule(ClockKind::Respond, Obligor::Addressee, ClockTrigger::Received, "P10D", Some("PT8H"), true),
                rule(
                    ClockKind::Object,
                    Obligor::EnforcingAuthority,
                    ClockTrigger::Received,
                    "P10D",
                    Some("PT96H"),
                    true,
                ),
            ],
        )
    }

    fn durations(plans: &[ClockPlan]) -> Vec<(ClockKind, i64)> {
        plans.iter().map(|p| (p.kind, p.duration.num_hours())).collect()
    }

    /// Table of cases from the legal texts (research/domain.md section 1).
    #[test]
    fn clocks_follow_the_legal_texts() {
        let none = |_| None;
        // Reg. 2023/1543 Art 10(2): 10 days; Art 10(4): 8 hours in an emergency; the enforcing
        // authority's 10 days / 96 hours (Art 10(2)-(4), Art 12) only when it was notified.
        let normal = plan(&epoc(), ClockTrigger::Received, Priority::Normal, &[], &[], true, none);
        assert_eq!(durations(&normal), [(ClockKind::Respond, 240), (ClockKind::Object, 240)]);
        let emergency = plan(&epoc(), ClockTrigger::Received, Priority::Emergency, &[], &[], true, none);
        assert_eq!(durations(&emergency), [(ClockKind::Respond, 8), (ClockKind::Object, 96)]);
        assert!(emergency.iter().all(|p| p.emergency));
        let unnotified = plan(&epoc(), ClockTrigger::Received, Priority::Urgent, &[], &[], false, none);
        assert_eq!(durations(&unnotified), [(ClockKind::Respond, 240)], "urgent is not emergency");

        // Reg. 2023/1543 Art 11(1): preservation 60 days from receipt.
        let pr = basis(
            "eu_epoc_pr",
            vec![rule(ClockKind::Preservation, Obligor::Addressee, ClockTrigger::Received, "P60D", None, true)],
        );
        assert_eq!(
            durations(&plan(&pr, ClockTrigger::Received, Priority::Emergency, &[], &[], false, none)),
            [(ClockKind::Preservation, 1440)]
        );

        // Dir. 2014/41 Art 12(3)-(4): recognition 30 days from receipt, execution 90 days from recognition.
        let eio = basis(
            "eu_eio",
            vec![
                rule(ClockKind::Recognition, Obligor::Addressee, ClockTrigger::Received, "P30D", None, true),
                rule(ClockKind::Execution, Obligor::Addressee, ClockTrigger::Recognised, "P90D", None, true),
            ],
        );
        assert_eq!(
            durations(&plan(&eio, ClockTrigger::Received, Priority::Normal, &[], &[], false, none)),
            [(ClockKind::Recognition, 720)]
        );
        assert_eq!(
            durations(&plan(&eio, ClockTrigger::Recognised, Priority::Normal, &[], &[], false, none)),
            [(ClockKind::Execution, 2160)]
        );

        // CETS 224 Art 8: 20 days for subscriber information, 45 for traffic data.
        let mut subscriber = rule(ClockKind::Respond, Obligor::Addressee, ClockTrigger::Received, "P20D", None, true);
        subscriber.when_data_categories = Some(vec![DataCategory::Subscriber]);
        let mut traffic = rule(ClockKind::Respond, Obligor::Addressee, ClockTrigger::Received, "P45D", None, true);
        traffic.when_data_categories = Some(vec![DataCategory::Traffic]);
        let art8 = basis("coe_224_art8", vec![subscriber, traffic]);
        let both = plan(
            &art8,
            ClockTrigger::Received,
            Priority::Normal,
            &[DataCategory::Subscriber, DataCategory::Traffic],
            &[],
            false,
            none,
        );
        assert_eq!(durations(&both), [(ClockKind::Respond, 480), (ClockKind::Respond, 1080)]);
        let only_subscriber =
            plan(&art8, ClockTrigger::Received, Priority::Normal, &[DataCategory::Subscriber], &[], false, none);
        assert_eq!(durations(&only_subscriber), [(ClockKind::Respond, 480)]);

        // No time by law (MLA): the default target, or the party's own.
        let mlat = basis(
            "mlat",
            vec![rule(ClockKind::Respond, Obligor::Addressee, ClockTrigger::Received, "P90D", None, false)],
        );
        assert_eq!(
            durations(&plan(&mlat, ClockTrigger::Received, Priority::Normal, &[], &[], false, none)),
            [(ClockKind::Respond, 2160)]
        );
        let own = plan(&mlat, ClockTrigger::Received, Priority::Normal, &[], &[], false, |_| Some(TimeDelta::days(45)));
        assert_eq!(durations(&own), [(ClockKind::Respond, 1080)]);
        // A party target never replaces a legal time.
        let legal =
            plan(&epoc(), ClockTrigger::Received, Priority::Normal, &[], &[], false, |_| Some(TimeDelta::days(45)));
        assert_eq!(durations(&legal), [(ClockKind::Respond, 240)]);
    }

    #[test]
    fn a_pause_keeps_the_time_that_was_left() {
        let start = Utc::now();
        let due = start + TimeDelta::days(10);
        let left = pause(due, start + TimeDelta::days(3));
        assert_eq!(left, TimeDelta::days(7));
        assert_eq!(resume(left, start + TimeDelta::days(20)), start + TimeDelta::days(27));
        assert_eq!(pause(due, due + TimeDelta::days(1)), TimeDelta::zero());
    }

    #[test]
    fn reminder_points() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let labels = |r: Vec<Reminder>| r.into_iter().map(|r| r.label).collect::<Vec<_>>();
        assert_eq!(
            labels(reminders(ClockKind::Respond, t0, t0 + TimeDelta::days(10), TimeDelta::days(10))),
            ["half", "24h"]
        );
        assert_eq!(
            labels(reminders(ClockKind::Respond, t0, t0 + TimeDelta::hours(8), TimeDelta::hours(8))),
            ["half", "1h"]
        );
        assert_eq!(
            labels(reminders(ClockKind::Preservation, t0, t0 + TimeDelta::days(60), TimeDelta::days(60))),
            ["half", "14d", "7d", "24h"]
        );
        // A 10-day preservation: 14 days before is before the start; 7 days before comes first.
        assert_eq!(
            labels(reminders(ClockKind::Preservation, t0, t0 + TimeDelta::days(10), TimeDelta::days(10))),
            ["7d", "half", "24h"]
        );
    }

    #[test]
    fn scanning_sends_the_latest_passed_reminder_then_escalates() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let due = t0 + TimeDelta::days(10);
        let span = TimeDelta::days(10);
        let at = |d: i64, h: i64| t0 + TimeDelta::days(d) + TimeDelta::hours(h);
        let step = scan(ClockState::Running, ClockKind::Respond, t0, due, span, false, at(1, 0));
        assert_eq!((step.send, step.next_look), (None, Some(at(5, 0))));
        let step = scan(ClockState::Running, ClockKind::Respond, t0, due, span, false, at(5, 1));
        assert_eq!(step.send.unwrap().label, "half");
        assert_eq!(step.next_look, Some(at(9, 0)));
        // After a long outage only the latest point is sent.
        let step = scan(ClockState::Running, ClockKind::Respond, t0, due, span, false, at(9, 12));
        assert_eq!(step.send.unwrap().label, "24h");
        assert_eq!(step.next_look, Some(due));
        let step = scan(ClockState::Running, ClockKind::Respond, t0, due, span, false, due);
        assert!(step.becomes_missed);
        let step = scan(ClockState::Missed, ClockKind::Respond, t0, due, span, false, at(12, 3));
        assert_eq!(step.send.unwrap().label, "missed+2");
        assert_eq!(step.next_look, Some(at(13, 0)));
        // Emergencies escalate hourly.
        let step = scan(
            ClockState::Missed,
            ClockKind::Respond,
            t0,
            t0 + TimeDelta::hours(8),
            TimeDelta::hours(8),
            true,
            at(0, 11),
        );
        assert_eq!(step.send.unwrap().label, "missed+3");
        assert_eq!(scan(ClockState::Paused, ClockKind::Respond, t0, due, span, false, due).next_look, None);
    }
}
