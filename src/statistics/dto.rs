//! Wire types of statistics: the query, the figures, and the Reg. (EU) 2023/1543 Art 28 report.
//! Each figure's definition is its schema description, so the spec says what is counted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::vocab::Direction;

/// Which time of a request the period (`from`, `to`) applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodOf {
    /// The submission: the first `request.submitted` event (after approval where the party
    /// requires one).
    #[default]
    Submitted,
    /// The completion: the first event that gave the request an outcome (`request.responded`,
    /// `response.held`, `request.objected` before any answer) or withdrew it
    /// (`request.withdrawn`).
    Completed,
}

/// Whose requests are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatisticsScope {
    /// The requests of one party (the caller's, or the `party` an exchange administrator names).
    Party,
    /// Every request of the exchange: exchange administrators only.
    Exchange,
}

/// Filters and grouping of `GET /v1/statistics`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// `party` (default for parties) or `exchange` (default for exchange administrators, who
    /// alone may ask for it).
    pub scope: Option<StatisticsScope>,
    /// Exchange administrators: the figures of this party (as it would see them).
    pub party: Option<Uuid>,
    /// Start of the period, inclusive (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// End of the period, exclusive (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Which time the period applies to: `submitted` (default) or `completed`.
    pub period_of: Option<PeriodOf>,
    /// Only requests under this legal basis (its catalogue code).
    pub legal_basis: Option<String>,
    /// Only the requests the party issued (`outgoing`) or received (`incoming`: addressed to it,
    /// notified to it as enforcing authority, or forwarded by it). Not with `scope=exchange`.
    pub direction: Option<Direction>,
    /// Only requests with this counterpart party: the addressee of outgoing requests, the issuer
    /// of incoming ones (exchange-wide: the issuer or the addressee).
    pub counterpart: Option<Uuid>,
    /// One or two dimensions, comma-separated, to break the figures down by: `legal_basis`,
    /// `kind`, `priority`, `direction`, `data_category`, `counterpart`, `counterpart_country`,
    /// `counterpart_type`, `outcome`, `refusal_reason`, `month` (of the period's time, `YYYY-MM`).
    #[param(
        pattern = r"^(legal_basis|kind|priority|direction|data_category|counterpart|counterpart_country|counterpart_type|outcome|refusal_reason|month)(,(legal_basis|kind|priority|direction|data_category|counterpart|counterpart_country|counterpart_type|outcome|refusal_reason|month))?$",
        example = "legal_basis,outcome"
    )]
    pub group_by: Option<String>,
}

/// One value of a breakdown and how many requests have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"value": "eu_epoc", "total": 3, "issued": 3, "received": 0}))]
pub struct Count {
    /// The value (a legal basis code, an ISO 3166-1 country, `none` where a request has none).
    pub value: String,
    /// Requests with this value.
    pub total: u64,
    /// Of them, issued by the party (null exchange-wide).
    pub issued: Option<u64>,
    /// Of them, received by the party (null exchange-wide).
    pub received: Option<u64>,
}

/// A distribution of durations, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"count": 2, "median_secs": 129600.0, "p90_secs": 172800.0, "mean_secs": 129600.0}))]
pub struct Durations {
    /// How many durations were measured.
    pub count: u64,
    /// The median: the middle value, or the mean of the two middle values (null when none).
    pub median_secs: Option<f64>,
    /// The 90th percentile by nearest rank: the smallest value with at least 90% of the values at
    /// or below it (null when none).
    pub p90_secs: Option<f64>,
    /// The arithmetic mean (null when none).
    pub mean_secs: Option<f64>,
}

/// How the requests' legal clocks of one kind ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"kind": "respond", "obligation_of": "addressee", "met": 3, "missed": 1, "open": 0, "cancelled": 1,
    "missed_by": {"count": 1, "median_secs": 86400.0, "p90_secs": 86400.0, "mean_secs": 86400.0},
    "met_with_margin": {"count": 3, "median_secs": 691200.0, "p90_secs": 777600.0, "mean_secs": 662400.0}}))]
pub struct ClockResult {
    pub kind: crate::vocab::ClockKind,
    pub obligation_of: crate::vocab::Obligor,
    /// Closed by the act they wait for at or before their due time.
    pub met: u64,
    /// Closed after their due time, or past it and still open (whether or not the deadline
    /// scanner had marked them `missed` yet).
    pub missed: u64,
    /// Running or paused, not yet due.
    pub open: u64,
    /// Ended without the act (the request was withdrawn, forwarded, or refused by the enforcing
    /// authority).
    pub cancelled: u64,
    /// For missed clocks: how late (the closing time, or now for an open one, minus the due time).
    pub missed_by: Durations,
    /// For met clocks: how early (the due time minus the closing time).
    pub met_with_margin: Durations,
}

/// Times of the requests of one legal basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"legal_basis": "eu_epoc",
    "first_answer": {"count": 2, "median_secs": 129600.0, "p90_secs": 172800.0, "mean_secs": 129600.0},
    "data": {"count": 1, "median_secs": 864000.0, "p90_secs": 864000.0, "mean_secs": 864000.0}}))]
pub struct BasisTimes {
    pub legal_basis: String,
    /// From submission to the addressee's first answer: its first acknowledgement, clarification
    /// question, decision on recognition, derogation or response (a forward is not an answer).
    pub first_answer: Durations,
    /// From submission to the data reaching the issuer: the first `fulfilled` or
    /// `partially_fulfilled` response delivered (`request.responded`), or released after the
    /// enforcing authority's time (`response.released`, Reg. (EU) 2023/1543 Art 10(2)).
    pub data: Durations,
}

/// The enforcing authorities' part (Reg. (EU) 2023/1543 Arts 8 and 12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"notified": 2, "objections": 1, "objections_by_reason": [{"value": "fundamental_rights", "total": 1, "issued": 1, "received": 0}], "no_grounds_confirmed": 0}))]
pub struct EnforcingFigures {
    /// Requests that notified an enforcing authority (Art 8(1)), at their submission.
    pub notified: u64,
    /// `request.objected` events: grounds raised by the enforcing authority (Art 12).
    pub objections: u64,
    pub objections_by_reason: Vec<Count>,
    /// Requests on which the authority confirmed early that it raises no ground (Art 10(2)).
    pub no_grounds_confirmed: u64,
}

/// The figures of a set of requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    /// Requests counted: submitted (drafts never count), visible to the scope, matching the filters.
    pub requests: u64,
    /// Of them, issued by the party (null exchange-wide).
    pub issued: Option<u64>,
    /// Of them, received by the party: addressed to it, notified to it, or forwarded by it (null
    /// exchange-wide).
    pub received: Option<u64>,
    pub by_legal_basis: Vec<Count>,
    pub by_kind: Vec<Count>,
    /// A request counts once for each category it asks for.
    pub by_data_category: Vec<Count>,
    pub by_priority: Vec<Count>,
    /// The counterpart's country: the addressee's for outgoing requests (exchange-wide too), the
    /// issuer's for incoming ones; for a provider, its country in the directory.
    pub by_counterpart_country: Vec<Count>,
    /// `state_authority` or `service_provider`.
    pub by_counterpart_type: Vec<Count>,
    /// The outcome the audit trail gives the request (its last answer; `refused` where the
    /// enforcing authority raised a ground before the answer or withheld held data); `none` while
    /// it has none.
    pub by_outcome: Vec<Count>,
    /// Refused requests by reason code (the answer's, or the enforcing authority's).
    pub by_refusal_reason: Vec<Count>,
    /// Requests with priority `emergency`.
    pub emergency: u64,
    /// Requests withdrawn by their issuer.
    pub withdrawn: u64,
    /// Requests forwarded at least once.
    pub forwarded: u64,
    /// `request.forwarded` events.
    pub forwards: u64,
    /// `request.clarification_requested` events.
    pub clarifications_asked: u64,
    /// Requests with at least one clarification asked.
    pub clarified: u64,
    /// Requests with neither an outcome nor a withdrawal yet.
    pub open: u64,
    /// Clock results by kind and obligor (preservation and non-disclosure periods are not
    /// obligations to act and are left out).
    pub clocks: Vec<ClockResult>,
    /// Time to first answer and to data, per legal basis.
    pub times: Vec<BasisTimes>,
    pub enforcing_authority: EnforcingFigures,
    /// `deconfliction.hit` events: a hit between two requests in scope counts on each of them.
    pub deconfliction_hits: u64,
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Group {
    /// The group's value for each `group_by` dimension.
    #[schema(value_type = Object, example = json!({"legal_basis": "eu_epoc"}))]
    pub key: std::collections::BTreeMap<String, String>,
    pub figures: Figures,
}

/// The filters the figures were computed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppliedFilters {
    pub scope: StatisticsScope,
    /// The party counted (null exchange-wide).
    pub party: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub period_of: PeriodOf,
    pub legal_basis: Option<String>,
    pub direction: Option<Direction>,
    pub counterpart: Option<Uuid>,
    pub group_by: Vec<String>,
}

/// Statistics of requests, computed from the audit trail (events and clocks), never from
/// counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Statistics {
    /// When the figures were computed (open clocks are measured against it).
    pub generated_at: DateTime<Utc>,
    pub filters: AppliedFilters,
    pub totals: Figures,
    /// One entry per combination of `group_by` values that has requests (empty without `group_by`).
    pub groups: Vec<Group>,
}

/// The year of the Art 28 report.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Art28Query {
    /// The calendar year (UTC) in which the orders were issued (submitted).
    #[param(minimum = 2000, maximum = 9998, example = 2026)]
    pub year: i32,
    /// Exchange administrators: the orders of this issuing party only (default: every party).
    pub party: Option<Uuid>,
}

/// EPOC (production, Art 5) or EPOC-PR (preservation, Art 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// European Production Order Certificate (legal basis `eu_epoc`).
    Epoc,
    /// European Preservation Order Certificate (legal basis `eu_epoc_pr`).
    EpocPr,
}

crate::vocab::api_spelling!(OrderType);

/// How many orders were refused on one ground.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "fundamental_rights", "count": 1}))]
pub struct ReasonCount {
    /// The refusal reason code (the addressee's answer, or the ground the enforcing authority raised).
    pub reason: String,
    pub count: u64,
}

/// One line of the Art 28 report: orders of one type, data category, addressee and situation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"order_type": "epoc", "data_category": "traffic", "addressee_id": "0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c91",
    "addressee_name": "Example Platforms", "emergency": false, "issued": 2, "executed": 1, "not_executed": 1,
    "pending": 0, "withdrawn": 0, "enforcing_authority_notified": 2,
    "refusal_reasons": [{"reason": "fundamental_rights", "count": 1}], "mean_time_to_data_secs": 864060.0}))]
pub struct Art28Row {
    pub order_type: OrderType,
    /// The type of data requested (Art 3(9)-(12)); an order asking for several counts in each.
    pub data_category: crate::vocab::DataCategory,
    /// The addressee (the service provider; after a forward, the last one).
    pub addressee_id: Uuid,
    pub addressee_name: String,
    /// Issued in an emergency case (priority `emergency`, Art 3(18)).
    pub emergency: bool,
    /// Art 28(2)(a): orders issued (submitted) in the year.
    pub issued: u64,
    /// Art 28(2)(c): orders executed: data produced (`fulfilled`, `partially_fulfilled`), or
    /// preserved for an EPOC-PR.
    pub executed: u64,
    /// Art 28(2)(c), (d): orders not executed: refused by the addressee or on a ground the
    /// enforcing authority raised, or answered that it holds no data.
    pub not_executed: u64,
    /// Neither executed nor not executed yet.
    pub pending: u64,
    /// Withdrawn by the issuing authority.
    pub withdrawn: u64,
    /// Art 28(2)(d): orders notified to an enforcing authority under Art 8.
    pub enforcing_authority_notified: u64,
    /// Art 28(2)(d): not-executed orders by the ground for refusal invoked.
    pub refusal_reasons: Vec<ReasonCount>,
    /// Art 28(2)(e): for executed EPOCs, the mean time from issuing to obtaining the data, in
    /// seconds (null when none, and for EPOC-PRs).
    pub mean_time_to_data_secs: Option<f64>,
}

/// The totals of the Art 28 report over all lines (an order counts once, whatever its categories).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"epoc_issued": 3, "epoc_pr_issued": 1, "emergency_epoc_issued": 1,
    "emergency_derogations": null, "epoc_executed": 2, "epoc_not_executed": 1, "epoc_pr_executed": 1,
    "epoc_pr_not_executed": 0, "enforcing_authority_notifications": 2,
    "refusal_reasons": [{"reason": "fundamental_rights", "count": 1}], "mean_time_to_data_secs": 453630.0}))]
pub struct Art28Totals {
    /// Art 28(2)(a): EPOCs issued in the year.
    pub epoc_issued: u64,
    /// Art 28(2)(a): EPOC-PRs issued in the year.
    pub epoc_pr_issued: u64,
    /// Art 28(2)(a): EPOCs issued in an emergency case.
    pub emergency_epoc_issued: u64,
    /// Art 28(2)(b): EPOCs issued under the emergency derogation (issued without prior
    /// validation, Art 4(5)). Rogatory does not record ex-post validation: always null.
    pub emergency_derogations: Option<u64>,
    /// Art 28(2)(c): EPOCs executed.
    pub epoc_executed: u64,
    /// Art 28(2)(c): EPOCs not executed.
    pub epoc_not_executed: u64,
    /// Art 28(2)(c): EPOC-PRs executed (data preserved).
    pub epoc_pr_executed: u64,
    /// Art 28(2)(c): EPOC-PRs not executed.
    pub epoc_pr_not_executed: u64,
    /// Art 28(2)(d): notifications to enforcing authorities under Art 8.
    pub enforcing_authority_notifications: u64,
    /// Art 28(2)(d): orders not executed, by the ground for refusal invoked.
    pub refusal_reasons: Vec<ReasonCount>,
    /// Art 28(2)(e): mean time from issuing an EPOC to obtaining the data, in seconds, over the
    /// executed EPOCs that delivered data (null when none).
    pub mean_time_to_data_secs: Option<f64>,
}

/// The statistics Reg. (EU) 2023/1543 Art 28(2) requires for a calendar year, from the audit
/// trail. Also as CSV (`Accept: text/csv`): one line per row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Art28Report {
    /// `eu-2023-1543-art28`.
    pub report: String,
    pub year: i32,
    /// The party whose orders are counted (null: every party of the exchange).
    pub party: Option<Uuid>,
    pub generated_at: DateTime<Utc>,
    pub citation: String,
    pub totals: Art28Totals,
    pub rows: Vec<Art28Row>,
}
