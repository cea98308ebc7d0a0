//! The figures as pure functions of the audit trail: what each event means for a request
//! (submitted, first answer, data delivered, outcome, refusal, withdrawal …), how clocks ended,
//! and the aggregation into counts, durations and the Art 28 report. No database, no HTTP.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::dto::{
    Art28Report, Art28Row, Art28Totals, BasisTimes, ClockResult, Count, Durations, EnforcingFigures, Figures, Group,
    OrderType, PeriodOf, ReasonCount,
};
use crate::deadlines::rules::ClockState;
use crate::vocab::Direction;
use crate::vocab::{ClockKind, DataCategory, EventType, Obligor};

/// One event of a request's trail, as stored.
#[derive(Debug, Clone)]
pub struct EventFact {
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

/// One clock of a request, as stored.
#[derive(Debug, Clone)]
pub struct ClockFact {
    pub kind: ClockKind,
    pub obligation_of: Obligor,
    pub state: ClockState,
    pub due_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A request with its clocks (what its events say is its `Derived`).
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub id: Uuid,
    pub legal_basis: String,
    pub kind: String,
    pub priority: String,
    pub issuer: Uuid,
    pub addressee: Uuid,
    pub enforcing: Option<Uuid>,
    pub data_categories: Vec<String>,
    pub clocks: Vec<ClockFact>,
}

/// A party of the directory, as far as statistics name it.
#[derive(Debug, Clone)]
pub struct PartyFact {
    pub kind: String,
    pub country: Option<String>,
    pub name: String,
}

/// The event types statistics read; every other event is irrelevant to them.
pub const EVENT_TYPES: [EventType; 14] = [
    EventType::Submitted,
    EventType::Acknowledged,
    EventType::ClarificationRequested,
    EventType::Recognised,
    EventType::Derogation,
    EventType::Forwarded,
    EventType::Responded,
    EventType::ResponseHeld,
    EventType::ResponseReleased,
    EventType::Objected,
    EventType::NoGrounds,
    EventType::Withdrawn,
    EventType::DeconflictionHit,
    // Not read for a figure, kept so that the list names every type a completion can come from.
    EventType::PreservationReleased,
];

/// The events that complete a request (the period `period_of=completed` applies to the first).
pub const COMPLETING: [EventType; 4] =
    [EventType::Responded, EventType::ResponseHeld, EventType::Objected, EventType::Withdrawn];

/// Outcomes that carry the data asked for.
const WITH_DATA: [&str; 2] = ["fulfilled", "partially_fulfilled"];

/// What the trail says about one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub submitted_at: Option<DateTime<Utc>>,
    pub first_answer_at: Option<DateTime<Utc>>,
    pub data_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub refusal_reason: Option<String>,
    pub withdrawn: bool,
    pub forwards: u64,
    pub clarifications: u64,
    pub objection_reasons: Vec<String>,
    pub no_grounds: bool,
    /// Deconfliction hits on the request (`deconfliction.hit` events: a hit counts on each of its two requests).
    pub deconfliction_hits: u64,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// What one event changes in what the trail says of its request: the `Derived` of that event
/// alone, and whether it replaces the outcome and refusal reason. The one place where the
/// meaning of an event is written; `Derived::then` adds a step to a request's state (and
/// `db::dialect::upsert_request_statistics` does the same in SQL on the stored row, which
/// `summary::check` verifies against a recomputation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub change: Derived,
    /// An answer (or an objection that refuses) sets the outcome and the refusal reason, even
    /// to none.
    pub sets_outcome: bool,
}

/// The step of one event; empty for an event statistics do not read.
pub fn step(e: &EventFact) -> Step {
    let at = Some(e.occurred_at);
    let mut d = Derived::default();
    let mut sets_outcome = false;
    match e.event_type {
        EventType::Submitted => d.submitted_at = at,
        EventType::Acknowledged | EventType::Recognised | EventType::Derogation => d.first_answer_at = at,
        EventType::ClarificationRequested => {
            d.first_answer_at = at;
            d.clarifications = 1;
        }
        EventType::Forwarded => d.forwards = 1,
        EventType::Responded | EventType::ResponseHeld => {
            d.first_answer_at = at;
            d.completed_at = at;
            let outcome = text(&e.data, "outcome");
            // Data reach the issuer with the answer unless it is held (Reg. (EU) 2023/1543
            // Art 8(4)): then with its release.
            if e.event_type == EventType::Responded && outcome.as_deref().is_some_and(|o| WITH_DATA.contains(&o)) {
                d.data_at = at;
            }
            d.refusal_reason = text(&e.data, "refusal_reason");
            d.outcome = outcome;
            sets_outcome = true;
        }
        EventType::ResponseReleased if text(&e.data, "outcome").as_deref().is_some_and(|o| WITH_DATA.contains(&o)) => {
            d.data_at = at;
        }
        EventType::Objected => {
            let reason = text(&e.data, "reason");
            d.objection_reasons.push(reason.clone().unwrap_or_else(|| "none".into()));
            let after_answer = e.data.get("after_answer").and_then(Value::as_bool).unwrap_or(false);
            // Before the answer the ground ends the request refused (Art 12); after it, only
            // held data withheld change the outcome (Art 8(4)); an objection to the use of data
            // already sent (Art 10(4)) does not.
            if !after_answer || text(&e.data, "effect").as_deref() == Some("withheld") {
                d.completed_at = at;
                d.outcome = Some("refused".into());
                d.refusal_reason = reason;
                sets_outcome = true;
            }
        }
        EventType::NoGrounds => d.no_grounds = true,
        EventType::DeconflictionHit => d.deconfliction_hits = 1,
        EventType::Withdrawn => {
            d.withdrawn = true;
            d.completed_at = at;
        }
        _ => {}
    }
    Step { change: d, sets_outcome }
}

/// Whether statistics read events of this type (whether an event of it changes the summary).
pub fn reads(event_type: EventType) -> bool {
    EVENT_TYPES.contains(&event_type)
}

impl Derived {
    /// Adds a step: the first submission, answer, data and completion stay; an outcome is
    /// replaced; counts add up; objections are listed in order.
    pub fn then(&mut self, s: &Step) {
        let c = &s.change;
        self.submitted_at = self.submitted_at.or(c.submitted_at);
        self.first_answer_at = self.first_answer_at.or(c.first_answer_at);
        self.data_at = self.data_at.or(c.data_at);
        self.completed_at = self.completed_at.or(c.completed_at);
        if s.sets_outcome {
            self.outcome = c.outcome.clone();
            self.refusal_reason = c.refusal_reason.clone();
        }
        self.withdrawn |= c.withdrawn;
        self.forwards += c.forwards;
        self.clarifications += c.clarifications;
        self.objection_reasons.extend(c.objection_reasons.iter().cloned());
        self.no_grounds |= c.no_grounds;
        self.deconfliction_hits += c.deconfliction_hits;
    }

    /// The next event of the request's trail.
    pub fn apply(&mut self, e: &EventFact) {
        self.then(&step(e));
    }
}

/// Reads a request's events in order.
pub fn derive(events: &[EventFact]) -> Derived {
    events.iter().fold(Derived::default(), |mut d, e| {
        d.apply(e);
        d
    })
}

/// A request, what its trail says, and how it relates to the party counted.
pub struct Counted<'a> {
    pub facts: &'a RequestFacts,
    pub derived: Derived,
    /// Relative to the party counted; `None` exchange-wide.
    pub direction: Option<Direction>,
    pub counterpart: Uuid,
}

/// How `party` (`None`: the exchange) sees a request: outgoing if it issued it, incoming
/// otherwise; the counterpart is the addressee of outgoing requests (exchange-wide too) and the
/// issuer of incoming ones.
pub fn relate(facts: &RequestFacts, party: Option<Uuid>) -> (Option<Direction>, Uuid) {
    match party {
        None => (None, facts.addressee),
        Some(p) if p == facts.issuer => (Some(Direction::Outgoing), facts.addressee),
        Some(_) => (Some(Direction::Incoming), facts.issuer),
    }
}

/// The time of the request the period applies to.
pub fn period_time(d: &Derived, of: PeriodOf) -> Option<DateTime<Utc>> {
    match of {
        PeriodOf::Submitted => d.submitted_at,
        PeriodOf::Completed => d.completed_at,
    }
}

/// Whether `at` lies in `[from, to)`.
pub fn in_period(at: Option<DateTime<Utc>>, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
    match at {
        None => false,
        Some(at) => from.is_none_or(|f| at >= f) && to.is_none_or(|t| at < t),
    }
}

/// A dimension of `group_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    LegalBasis,
    Kind,
    Priority,
    Direction,
    DataCategory,
    Counterpart,
    CounterpartCountry,
    CounterpartType,
    Outcome,
    RefusalReason,
    Month,
}

impl Dimension {
    pub const ALL: [Dimension; 11] = [
        Dimension::LegalBasis,
        Dimension::Kind,
        Dimension::Priority,
        Dimension::Direction,
        Dimension::DataCategory,
        Dimension::Counterpart,
        Dimension::CounterpartCountry,
        Dimension::CounterpartType,
        Dimension::Outcome,
        Dimension::RefusalReason,
        Dimension::Month,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::LegalBasis => "legal_basis",
            Dimension::Kind => "kind",
            Dimension::Priority => "priority",
            Dimension::Direction => "direction",
            Dimension::DataCategory => "data_category",
            Dimension::Counterpart => "counterpart",
            Dimension::CounterpartCountry => "counterpart_country",
            Dimension::CounterpartType => "counterpart_type",
            Dimension::Outcome => "outcome",
            Dimension::RefusalReason => "refusal_reason",
            Dimension::Month => "month",
        }
    }
}

/// Parses `group_by`: one or two known, distinct dimensions. `Err` says what is wrong.
pub fn parse_group_by(text: Option<&str>, exchange_wide: bool) -> Result<Vec<Dimension>, String> {
    let Some(text) = text else { return Ok(vec![]) };
    let names: Vec<&str> = text.split(',').map(str::trim).collect();
    if names.is_empty() || names.len() > 2 || names.iter().any(|n| n.is_empty()) {
        return Err("give one or two dimensions, comma-separated".into());
    }
    let mut out = vec![];
    for name in names {
        let Some(dim) = Dimension::ALL.into_iter().find(|d| d.name() == name) else {
            let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.name()).collect();
            return Err(format!("unknown dimension {name:?}; one of {}", known.join(", ")));
        };
        if out.contains(&dim) {
            return Err(format!("dimension {name:?} given twice"));
        }
        if dim == Dimension::Direction && exchange_wide {
            return Err("exchange-wide figures have no direction".into());
        }
        out.push(dim);
    }
    Ok(out)
}

fn party_text(parties: &HashMap<Uuid, PartyFact>, id: Uuid, f: impl Fn(&PartyFact) -> Option<String>) -> String {
    parties.get(&id).and_then(f).unwrap_or_else(|| "none".into())
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

/// The values of a dimension for a request (several for data categories, at least one).
fn values(c: &Counted, dim: Dimension, parties: &HashMap<Uuid, PartyFact>, of: PeriodOf) -> Vec<String> {
    let r = c.facts;
    let one = |v: Option<String>| vec![v.unwrap_or_else(|| "none".into())];
    match dim {
        Dimension::LegalBasis => vec![r.legal_basis.clone()],
        Dimension::Kind => vec![r.kind.clone()],
        Dimension::Priority => vec![r.priority.clone()],
        Dimension::Direction => one(c.direction.map(|d| direction_name(d).to_owned())),
        Dimension::DataCategory if r.data_categories.is_empty() => one(None),
        Dimension::DataCategory => r.data_categories.clone(),
        Dimension::Counterpart => vec![c.counterpart.to_string()],
        Dimension::CounterpartCountry => vec![party_text(parties, c.counterpart, |p| p.country.clone())],
        Dimension::CounterpartType => vec![party_text(parties, c.counterpart, |p| Some(p.kind.clone()))],
        Dimension::Outcome => one(c.derived.outcome.clone()),
        Dimension::RefusalReason => one(c.derived.refusal_reason.clone()),
        Dimension::Month => one(period_time(&c.derived, of).map(|t| format!("{:04}-{:02}", t.year(), t.month()))),
    }
}

/// The median, nearest-rank 90th percentile and mean of durations in seconds.
pub fn durations(mut secs: Vec<f64>) -> Durations {
    if secs.is_empty() {
        return Durations { count: 0, median_secs: None, p90_secs: None, mean_secs: None };
    }
    secs.sort_by(f64::total_cmp);
    let n = secs.len();
    let median = if n % 2 == 1 { secs[n / 2] } else { (secs[n / 2 - 1] + secs[n / 2]) / 2.0 };
    // Nearest rank: the ceil(0.9 n)-th smallest value.
    let rank = (9 * n).div_ceil(10);
    let p90 = secs[rank.max(1) - 1];
    let mean = secs.iter().sum::<f64>() / n as f64;
    Durations { count: n as u64, median_secs: Some(median), p90_secs: Some(p90), mean_secs: Some(mean) }
}

fn secs(d: chrono::TimeDelta) -> f64 {
    d.num_microseconds().map(|us| us as f64 / 1e6).unwrap_or(d.num_seconds() as f64)
}

/// Counts per value, with the party's issued/received split.
struct Tally {
    exchange_wide: bool,
    by: BTreeMap<String, (u64, u64, u64)>,
}

impl Tally {
    fn new(exchange_wide: bool) -> Self {
        Tally { exchange_wide, by: BTreeMap::new() }
    }

    fn add(&mut self, value: impl Into<String>, direction: Option<Direction>) {
        let e = self.by.entry(value.into()).or_default();
        e.0 += 1;
        match direction {
            Some(Direction::Outgoing) => e.1 += 1,
            Some(Direction::Incoming) => e.2 += 1,
            None => {}
        }
    }

    fn counts(self) -> Vec<Count> {
        let exchange_wide = self.exchange_wide;
        self.by
            .into_iter()
            .map(|(value, (total, issued, received))| Count {
                value,
                total,
                issued: (!exchange_wide).then_some(issued),
                received: (!exchange_wide).then_some(received),
            })
            .collect()
    }
}

/// Clock kinds that are periods, not obligations to act: no "met" or "missed".
const PERIODS: [ClockKind; 2] = [ClockKind::Preservation, ClockKind::NonDisclosure];

#[derive(Default)]
struct ClockTally {
    met: u64,
    missed: u64,
    open: u64,
    cancelled: u64,
    late: Vec<f64>,
    early: Vec<f64>,
}

/// How one clock ended, judged on its times (a clock answered late before the scanner marked it
/// `missed` is missed all the same).
fn tally_clock(t: &mut ClockTally, c: &ClockFact, now: DateTime<Utc>) {
    match (c.state, c.closed_at) {
        (ClockState::Cancelled, _) => t.cancelled += 1,
        (_, Some(closed)) if closed <= c.due_at => {
            t.met += 1;
            t.early.push(secs(c.due_at - closed));
        }
        (_, Some(closed)) => {
            t.missed += 1;
            t.late.push(secs(closed - c.due_at));
        }
        (ClockState::Missed, None) => {
            t.missed += 1;
            t.late.push(secs(now - c.due_at));
        }
        (ClockState::Running, None) if c.due_at < now => {
            t.missed += 1;
            t.late.push(secs(now - c.due_at));
        }
        _ => t.open += 1,
    }
}

/// The figures of a set of requests.
pub fn figures(
    items: &[&Counted],
    parties: &HashMap<Uuid, PartyFact>,
    exchange_wide: bool,
    now: DateTime<Utc>,
) -> Figures {
    let mut by_basis = Tally::new(exchange_wide);
    let mut by_kind = Tally::new(exchange_wide);
    let mut by_category = Tally::new(exchange_wide);
    let mut by_priority = Tally::new(exchange_wide);
    let mut by_country = Tally::new(exchange_wide);
    let mut by_type = Tally::new(exchange_wide);
    let mut by_outcome = Tally::new(exchange_wide);
    let mut by_reason = Tally::new(exchange_wide);
    let mut objections_by_reason = Tally::new(exchange_wide);
    let (mut issued, mut received) = (0, 0);
    let (mut emergency, mut withdrawn, mut forwarded, mut forwards, mut asked, mut clarified, mut open) =
        (0, 0, 0, 0, 0, 0, 0);
    let (mut notified, mut objections, mut no_grounds, mut hits) = (0, 0, 0, 0);
    // Keyed by the API spelling, so the clocks are listed in the order they always were.
    let mut clocks: BTreeMap<(String, String), (ClockKind, Obligor, ClockTally)> = BTreeMap::new();
    let mut times: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for c in items {
        let (r, d, dir) = (c.facts, &c.derived, c.direction);
        match dir {
            Some(Direction::Outgoing) => issued += 1,
            Some(Direction::Incoming) => received += 1,
            None => {}
        }
        by_basis.add(&r.legal_basis, dir);
        by_kind.add(&r.kind, dir);
        if r.data_categories.is_empty() {
            by_category.add("none", dir);
        }
        for category in &r.data_categories {
            by_category.add(category, dir);
        }
        by_priority.add(&r.priority, dir);
        by_country.add(party_text(parties, c.counterpart, |p| p.country.clone()), dir);
        by_type.add(party_text(parties, c.counterpart, |p| Some(p.kind.clone())), dir);
        by_outcome.add(d.outcome.clone().unwrap_or_else(|| "none".into()), dir);
        if d.outcome.as_deref() == Some("refused") {
            by_reason.add(d.refusal_reason.clone().unwrap_or_else(|| "none".into()), dir);
        }
        emergency += u64::from(r.priority == "emergency");
        withdrawn += u64::from(d.withdrawn);
        forwarded += u64::from(d.forwards > 0);
        forwards += d.forwards;
        asked += d.clarifications;
        clarified += u64::from(d.clarifications > 0);
        open += u64::from(d.outcome.is_none() && !d.withdrawn);
        notified += u64::from(r.enforcing.is_some());
        objections += d.objection_reasons.len() as u64;
        for reason in &d.objection_reasons {
            objections_by_reason.add(reason, dir);
        }
        no_grounds += u64::from(d.no_grounds);
        hits += d.deconfliction_hits;
        for clock in &r.clocks {
            if PERIODS.contains(&clock.kind) {
                continue;
            }
            let (_, _, t) = clocks
                .entry((clock.kind.to_string(), clock.obligation_of.to_string()))
                .or_insert_with(|| (clock.kind, clock.obligation_of, ClockTally::default()));
            tally_clock(t, clock, now);
        }
        let t = times.entry(r.legal_basis.clone()).or_default();
        if let Some(submitted) = d.submitted_at {
            if let Some(first) = d.first_answer_at {
                t.0.push(secs(first - submitted));
            }
            if let Some(data) = d.data_at {
                t.1.push(secs(data - submitted));
            }
        }
    }
    Figures {
        requests: items.len() as u64,
        issued: (!exchange_wide).then_some(issued),
        received: (!exchange_wide).then_some(received),
        by_legal_basis: by_basis.counts(),
        by_kind: by_kind.counts(),
        by_data_category: by_category.counts(),
        by_priority: by_priority.counts(),
        by_counterpart_country: by_country.counts(),
        by_counterpart_type: by_type.counts(),
        by_outcome: by_outcome.counts(),
        by_refusal_reason: by_reason.counts(),
        emergency,
        withdrawn,
        forwarded,
        forwards,
        clarifications_asked: asked,
        clarified,
        open,
        clocks: clocks
            .into_iter()
            .map(|(_, (kind, obligation_of, t))| ClockResult {
                kind,
                obligation_of,
                met: t.met,
                missed: t.missed,
                open: t.open,
                cancelled: t.cancelled,
                missed_by: durations(t.late),
                met_with_margin: durations(t.early),
            })
            .collect(),
        times: times
            .into_iter()
            .map(|(legal_basis, (first, data))| BasisTimes {
                legal_basis,
                first_answer: durations(first),
                data: durations(data),
            })
            .collect(),
        enforcing_authority: EnforcingFigures {
            notified,
            objections,
            objections_by_reason: objections_by_reason.counts(),
            no_grounds_confirmed: no_grounds,
        },
        deconfliction_hits: hits,
    }
}

/// The groups of `group_by`: every combination of values that has requests, in key order.
pub fn groups(
    items: &[Counted],
    dims: &[Dimension],
    parties: &HashMap<Uuid, PartyFact>,
    exchange_wide: bool,
    of: PeriodOf,
    now: DateTime<Utc>,
) -> Vec<Group> {
    if dims.is_empty() {
        return vec![];
    }
    let mut members: BTreeMap<Vec<String>, Vec<&Counted>> = BTreeMap::new();
    for c in items {
        let mut keys: Vec<Vec<String>> = vec![vec![]];
        for dim in dims {
            let vals: BTreeSet<String> = values(c, *dim, parties, of).into_iter().collect();
            keys = keys
                .into_iter()
                .flat_map(|k| vals.iter().map(move |v| [k.clone(), vec![v.clone()]].concat()))
                .collect();
        }
        for key in keys {
            members.entry(key).or_default().push(c);
        }
    }
    members
        .into_iter()
        .map(|(key, list)| Group {
            key: dims.iter().map(|d| d.name().to_owned()).zip(key).collect(),
            figures: figures(&list, parties, exchange_wide, now),
        })
        .collect()
}

/// The orders of a year alike in everything the Art 28 report counts by (legal basis, priority,
/// addressee, whether an enforcing authority was notified, data categories, outcome, refusal
/// reason, withdrawal), and how many: the report is a sum over these groups, which the database
/// forms (`GROUP BY` over the summary) instead of handing over every order.
#[derive(Debug, Clone, PartialEq)]
pub struct Art28Group {
    pub legal_basis: String,
    pub priority: String,
    pub addressee: Uuid,
    pub notified: bool,
    pub data_categories: Vec<String>,
    pub outcome: Option<String>,
    pub refusal_reason: Option<String>,
    pub withdrawn: bool,
    pub count: u64,
    /// For each order of the group that is an executed EPOC with data, the time from its
    /// submission to the data, in seconds (Art 28(2)(e)).
    pub to_data: Vec<f64>,
}

/// Seconds from `from` to `to`, as the figures count durations.
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    secs(to - from)
}

/// The outcomes that make an order executed for Art 28: data produced, or preserved.
pub const EXECUTED_OUTCOMES: [&str; 3] = ["fulfilled", "partially_fulfilled", "preserved"];

/// Executed for Art 28: data produced, or preserved (EPOC-PR).
fn executed(outcome: Option<&str>) -> bool {
    outcome.is_some_and(|o| EXECUTED_OUTCOMES.contains(&o))
}

/// Not executed for Art 28: refused (by the addressee, or on the enforcing authority's ground),
/// or no data.
fn not_executed(outcome: Option<&str>) -> bool {
    matches!(outcome, Some("refused" | "no_data"))
}

fn reason_counts(map: BTreeMap<String, u64>) -> Vec<ReasonCount> {
    map.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect()
}

/// The Art 28 report over the EPOCs and EPOC-PRs issued in the year (the caller selected them).
///
/// Reg. (EU) 2023/1543 Art 28(2) (DE, gesetze.legal/eu/vo_eu_2023_1543/28): "In jedem Fall erheben
/// die Mitgliedstaaten ab dem 18. August 2026 bei den zuständigen Behörden umfassende Statistiken
/// … und umfassen: a) die Zahl der ausgestellten EPOC und EPOC-PR, aufgeschlüsselt nach der Art der
/// angeforderten Daten, den Adressaten und der jeweiligen Situation (Notfall oder nicht); b) die
/// Zahl der EPOC, die im Rahmen von Ausnahmeregelungen für Notfälle ausgestellt wurden; c) die Zahl
/// der EPOC und EPOC-PR, denen Folge geleistet und denen nicht Folge geleistet wurde, aufgeschlüsselt
/// nach der Art der angeforderten Daten, den Adressaten und der jeweiligen Situation (Notfall oder
/// nicht); d) die Zahl der Mitteilungen an die Vollstreckungsbehörden gemäß Artikel 8 und die Zahl
/// der EPOC, denen nicht Folge geleistet wurde, aufgeschlüsselt nach der Art der angeforderten
/// Daten, den Adressaten, der jeweiligen Situation (Notfall oder nicht) und dem angeführten
/// Ablehnungsgrund; e) im Falle von EPOC, denen Folge geleistet wurde, die durchschnittliche
/// Zeitspanne zwischen dem Zeitpunkt der Ausstellung eines EPOC und dem Zeitpunkt des Erhalts der
/// angeforderten Daten, aufgeschlüsselt nach der Art der angeforderten Daten, den Adressaten und der
/// jeweiligen Situation (Notfall oder nicht); f) im Falle von EPOC-PR, denen Folge geleistet wurde,
/// die durchschnittliche Zeitspanne …" (point (f) onwards was not retrieved: not reported).
pub fn art28(
    items: &[Art28Group],
    parties: &HashMap<Uuid, PartyFact>,
    year: i32,
    party: Option<Uuid>,
    now: DateTime<Utc>,
) -> Art28Report {
    #[derive(Default)]
    struct Acc {
        issued: u64,
        executed: u64,
        not_executed: u64,
        pending: u64,
        withdrawn: u64,
        notified: u64,
        reasons: BTreeMap<String, u64>,
        to_data: Vec<f64>,
    }
    let mut rows: BTreeMap<(OrderType, String, Uuid, bool), Acc> = BTreeMap::new();
    let mut t = Art28Totals {
        epoc_issued: 0,
        epoc_pr_issued: 0,
        emergency_epoc_issued: 0,
        emergency_derogations: None,
        epoc_executed: 0,
        epoc_not_executed: 0,
        epoc_pr_executed: 0,
        epoc_pr_not_executed: 0,
        enforcing_authority_notifications: 0,
        refusal_reasons: vec![],
        mean_time_to_data_secs: None,
    };
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut to_data = vec![];
    for g in items {
        let order = match g.legal_basis.as_str() {
            "eu_epoc" => OrderType::Epoc,
            "eu_epoc_pr" => OrderType::EpocPr,
            _ => continue,
        };
        // Each figure counts every order of the group: `n` times what one order adds.
        let n = g.count;
        let emergency = g.priority == "emergency";
        let outcome = g.outcome.as_deref();
        let (done, refused) = (executed(outcome), not_executed(outcome));
        let reason = refused.then(|| g.refusal_reason.clone().unwrap_or_else(|| outcome.unwrap_or("none").to_owned()));
        let delays: &[f64] = if order == OrderType::Epoc && done { &g.to_data } else { &[] };
        let count = |yes: bool| n * u64::from(yes);
        match order {
            OrderType::Epoc => {
                t.epoc_issued += n;
                t.emergency_epoc_issued += count(emergency);
                t.epoc_executed += count(done);
                t.epoc_not_executed += count(refused);
            }
            OrderType::EpocPr => {
                t.epoc_pr_issued += n;
                t.epoc_pr_executed += count(done);
                t.epoc_pr_not_executed += count(refused);
            }
        }
        t.enforcing_authority_notifications += count(g.notified);
        if let Some(reason) = &reason {
            *reasons.entry(reason.clone()).or_default() += n;
        }
        to_data.extend_from_slice(delays);
        let categories = if g.data_categories.is_empty() { vec!["none".to_owned()] } else { g.data_categories.clone() };
        for category in categories {
            let a = rows.entry((order, category, g.addressee, emergency)).or_default();
            a.issued += n;
            a.executed += count(done);
            a.not_executed += count(refused);
            a.withdrawn += count(g.withdrawn && !done && !refused);
            a.pending += count(!g.withdrawn && !done && !refused);
            a.notified += count(g.notified);
            if let Some(reason) = &reason {
                *a.reasons.entry(reason.clone()).or_default() += n;
            }
            a.to_data.extend_from_slice(delays);
        }
    }
    t.refusal_reasons = reason_counts(reasons);
    t.mean_time_to_data_secs = durations(to_data).mean_secs;
    let rows = rows
        .into_iter()
        .filter_map(|((order_type, category, addressee, emergency), a)| {
            Some(Art28Row {
                order_type,
                // The request model validated the categories; one no longer in the vocabulary is left out.
                data_category: serde_json::from_value::<DataCategory>(Value::String(category)).ok()?,
                addressee_id: addressee,
                addressee_name: parties.get(&addressee).map(|p| p.name.clone()).unwrap_or_default(),
                emergency,
                issued: a.issued,
                executed: a.executed,
                not_executed: a.not_executed,
                pending: a.pending,
                withdrawn: a.withdrawn,
                enforcing_authority_notified: a.notified,
                refusal_reasons: reason_counts(a.reasons),
                mean_time_to_data_secs: durations(a.to_data).mean_secs,
            })
        })
        .collect();
    Art28Report {
        report: "eu-2023-1543-art28".into(),
        year,
        party,
        generated_at: now,
        citation: "Reg. (EU) 2023/1543 Art 28(2)(a)-(e)".into(),
        totals: t,
        rows,
    }
}

/// The refusal reason codes, in the order of the CSV columns.
pub const REASON_COLUMNS: [&str; 8] = [
    "wrong_addressee",
    "overbroad",
    "no_legal_basis",
    "data_not_held",
    "insufficient_information",
    "fundamental_rights",
    "other",
    "no_data",
];

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// The report as CSV (RFC 4180): a header, then one line per row. Refusals on a ground outside
/// the columns' list are in `refused_other_grounds`.
pub fn art28_csv(report: &Art28Report) -> String {
    let mut out = String::from(
        "year,order_type,data_category,addressee_id,addressee_name,emergency,issued,executed,not_executed,pending,withdrawn,enforcing_authority_notified",
    );
    for reason in REASON_COLUMNS {
        out.push_str(&format!(",refused_{reason}"));
    }
    out.push_str(",refused_other_grounds,mean_time_to_data_secs\r\n");
    for row in &report.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            report.year,
            row.order_type,
            row.data_category,
            row.addressee_id,
            csv_field(&row.addressee_name),
            row.emergency,
            row.issued,
            row.executed,
            row.not_executed,
            row.pending,
            row.withdrawn,
            row.enforcing_authority_notified
        ));
        let count = |reason: &str| row.refusal_reasons.iter().find(|r| r.reason == reason).map_or(0, |r| r.count);
        for reason in REASON_COLUMNS {
            out.push_str(&format!(",{}", count(reason)));
        }
        let others: u64 =
            row.refusal_reasons.iter().filter(|r| !REASON_COLUMNS.contains(&r.reason.as_str())).map(|r| r.count).sum();
        let mean = row.mean_time_to_data_secs.map(|m| m.to_string()).unwrap_or_default();
        out.push_str(&format!(",{others},{mean}\r\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use serde_json::json;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().with_timezone(&Utc) + TimeDelta::hours(h)
    }

    fn ev(t: EventType, h: i64, data: Value) -> EventFact {
        EventFact { event_type: t, occurred_at: at(h), data }
    }

    #[test]
    fn durations_median_p90_mean() {
        assert_eq!(durations(vec![]).count, 0);
        let d = durations(vec![3.0, 1.0, 2.0, 10.0]);
        assert_eq!((d.median_secs, d.p90_secs, d.mean_secs), (Some(2.5), Some(10.0), Some(4.0)));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(durations(ten).p90_secs, Some(9.0), "nearest rank: the 9th of 10");
        assert_eq!(durations(vec![7.0]).p90_secs, Some(7.0));
    }

    #[test]
    fn deconfliction_hits_are_counted_and_are_not_answers() {
        let d = derive(&[
            ev(EventType::Submitted, 0, json!({})),
            ev(
                EventType::DeconflictionHit,
                0,
                json!({"hit": "0193a700-0000-7000-8000-0000000000d1", "target_type": "phone"}),
            ),
            ev(
                EventType::DeconflictionHit,
                5,
                json!({"hit": "0193a700-0000-7000-8000-0000000000d2", "target_type": "email"}),
            ),
        ]);
        assert_eq!(d.deconfliction_hits, 2);
        assert_eq!((d.first_answer_at, d.completed_at), (None, None));
        assert!(EVENT_TYPES.contains(&EventType::DeconflictionHit), "statistics read the hit events");
    }

    #[test]
    fn a_trail_is_its_steps_added_in_order() {
        let trail = [
            ev(EventType::Submitted, 0, json!({})),
            ev(EventType::MessagePosted, 1, json!({"text": "hello"})),
            ev(EventType::Objected, 5, json!({"reason": "fundamental_rights"})),
            ev(EventType::Responded, 9, json!({"outcome": "no_data"})),
            ev(EventType::Forwarded, 10, json!({})),
            ev(EventType::Forwarded, 11, json!({})),
        ];
        assert_eq!(step(&trail[1]), Step::default(), "an event statistics do not read changes nothing");
        assert!(!reads(EventType::MessagePosted) && reads(EventType::Objected));
        // Split anywhere, the state of the first part plus the steps of the rest is the whole.
        for cut in 0..=trail.len() {
            let mut d = derive(&trail[..cut]);
            trail[cut..].iter().for_each(|e| d.then(&step(e)));
            assert_eq!(d, derive(&trail), "cut at {cut}");
        }
        let d = derive(&trail);
        // The answer replaces the objection's outcome and clears its reason; the first
        // completion stays.
        assert_eq!((d.outcome.as_deref(), d.refusal_reason.as_deref()), (Some("no_data"), None));
        assert_eq!((d.completed_at, d.forwards, d.objection_reasons.len()), (Some(at(5)), 2, 1));
    }

    #[test]
    fn a_held_answer_gives_data_at_its_release() {
        let d = derive(&[
            ev(EventType::Submitted, 0, json!({})),
            ev(EventType::Acknowledged, 2, json!({})),
            ev(EventType::ResponseHeld, 48, json!({"outcome": "fulfilled"})),
            ev(EventType::ResponseReleased, 240, json!({"outcome": "fulfilled"})),
        ]);
        assert_eq!((d.first_answer_at, d.completed_at, d.data_at), (Some(at(2)), Some(at(48)), Some(at(240))));
        assert_eq!(d.outcome.as_deref(), Some("fulfilled"));
    }

    #[test]
    fn objections_refuse_before_the_answer_or_when_they_withhold() {
        let before = derive(&[
            ev(EventType::Submitted, 0, json!({})),
            ev(EventType::Objected, 5, json!({"reason": "fundamental_rights"})),
        ]);
        assert_eq!(
            (before.outcome.as_deref(), before.refusal_reason.as_deref(), before.completed_at),
            (Some("refused"), Some("fundamental_rights"), Some(at(5)))
        );
        let use_only = derive(&[
            ev(EventType::Submitted, 0, json!({})),
            ev(EventType::Responded, 3, json!({"outcome": "fulfilled"})),
            ev(EventType::Objected, 20, json!({"reason": "other", "after_answer": true, "effect": "use_objected"})),
        ]);
        assert_eq!((use_only.outcome.as_deref(), use_only.objection_reasons.len()), (Some("fulfilled"), 1));
        let withheld = derive(&[
            ev(EventType::Submitted, 0, json!({})),
            ev(EventType::ResponseHeld, 3, json!({"outcome": "fulfilled"})),
            ev(EventType::Objected, 20, json!({"reason": "other", "after_answer": true, "effect": "withheld"})),
        ]);
        assert_eq!((withheld.outcome.as_deref(), withheld.data_at), (Some("refused"), None));
    }

    #[test]
    fn a_clock_answered_late_is_missed_even_before_the_scanner_saw_it() {
        let mut t = ClockTally::default();
        let clock = |state: ClockState, closed: Option<i64>| ClockFact {
            kind: ClockKind::Respond,
            obligation_of: Obligor::Addressee,
            state,
            due_at: at(10),
            closed_at: closed.map(at),
        };
        tally_clock(&mut t, &clock(ClockState::Met, Some(12)), at(100));
        tally_clock(&mut t, &clock(ClockState::Met, Some(4)), at(100));
        tally_clock(&mut t, &clock(ClockState::Running, None), at(11));
        tally_clock(&mut t, &clock(ClockState::Running, None), at(9));
        tally_clock(&mut t, &clock(ClockState::Cancelled, Some(1)), at(100));
        assert_eq!((t.met, t.missed, t.open, t.cancelled), (1, 2, 1, 1));
        assert_eq!((t.late, t.early), (vec![7200.0, 3600.0], vec![21600.0]));
    }

    #[test]
    fn group_by_is_one_or_two_known_dimensions() {
        assert_eq!(parse_group_by(Some("legal_basis,outcome"), false).unwrap().len(), 2);
        assert!(parse_group_by(Some("legal_basis,outcome,kind"), false).is_err());
        assert!(parse_group_by(Some("colour"), false).unwrap_err().contains("colour"));
        assert!(parse_group_by(Some("kind,kind"), false).is_err());
        assert!(parse_group_by(Some(""), false).is_err());
        assert!(parse_group_by(Some("direction"), true).is_err());
    }

    #[test]
    fn csv_quotes_names() {
        assert_eq!(csv_field("Example, Inc \"EU\""), "\"Example, Inc \"\"EU\"\"\"");
        assert_eq!(csv_field("Plain"), "Plain");
    }
}
