//! Who may see which figures (default deny: a party counts only requests it takes part in;
//! exchange-wide figures and another party's are for exchange administrators), and the figures.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::dto::{AppliedFilters, Art28Query, Art28Report, Statistics, StatisticsQuery, StatisticsScope};
use super::repo::{self, Selection};
use super::rules::{self, Counted};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::error::{ApiError, FieldError, ProblemType};

/// Roles that may read statistics: everyone of a party but a pure approver.
const READERS: [Role; 5] = [Role::Operator, Role::Responder, Role::Auditor, Role::PartyAdmin, Role::ExchangeAdmin];

fn forbidden(detail: &str) -> ApiError {
    ApiError::new(ProblemType::Forbidden, detail)
}

/// The party whose figures the caller asks for (`None`: the whole exchange), or 403.
fn whose(caller: &Caller, scope: Option<StatisticsScope>, party: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    caller.require(&READERS)?;
    let admin = caller.is_exchange_admin();
    match (scope, party) {
        (Some(StatisticsScope::Exchange), _) if !admin => {
            Err(forbidden("only an exchange administrator may see figures of the whole exchange"))
        }
        (_, Some(other)) if other != caller.party && !admin => {
            Err(forbidden("only an exchange administrator may see another party's figures"))
        }
        (Some(StatisticsScope::Exchange), Some(_)) => Err(ApiError::validation(vec![FieldError::new(
            "/party",
            "not_allowed",
            "give either scope=exchange or a party, not both",
        )])),
        (Some(StatisticsScope::Exchange), None) => Ok(None),
        (_, Some(party)) => Ok(Some(party)),
        (Some(StatisticsScope::Party), None) => Ok(Some(caller.party)),
        (None, None) if admin => Ok(None),
        (None, None) => Ok(Some(caller.party)),
    }
}

fn check_party(conn: &mut AnyConnection, party: Option<Uuid>, errors: &mut Vec<FieldError>) -> Result<(), ApiError> {
    if let Some(p) = party
        && !repo::party_exists(conn, p)?
    {
        errors.push(FieldError::new("/party", "unknown_party", format!("no party {p}")));
    }
    Ok(())
}

pub fn statistics(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: StatisticsQuery,
    now: DateTime<Utc>,
) -> Result<Statistics, ApiError> {
    let party = whose(caller, q.scope, q.party)?;
    let exchange_wide = party.is_none();
    let mut errors = vec![];
    check_party(conn, party, &mut errors)?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from >= to
    {
        errors.push(FieldError::new("/to", "before_from", "the period ends after it starts"));
    }
    if exchange_wide && q.direction.is_some() {
        errors.push(FieldError::new("/direction", "not_allowed", "exchange-wide figures have no direction"));
    }
    let dims = match rules::parse_group_by(q.group_by.as_deref(), exchange_wide) {
        Ok(dims) => dims,
        Err(why) => {
            errors.push(FieldError::new("/group_by", "invalid_group_by", why));
            vec![]
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let period_of = q.period_of.unwrap_or_default();
    let selection = Selection {
        party,
        legal_bases: q.legal_basis.clone().map(|b| vec![b]),
        from: q.from,
        to: q.to,
        period_of,
        clocks: true,
    };
    let (facts, derived): (Vec<_>, Vec<_>) = repo::requests_in(conn, &selection)?.into_iter().unzip();
    let parties = repo::parties(conn)?;
    let counted: Vec<Counted> = facts
        .iter()
        .zip(derived)
        .filter_map(|(f, derived)| {
            let bounded = q.from.is_some() || q.to.is_some();
            if bounded && !rules::in_period(rules::period_time(&derived, period_of), q.from, q.to) {
                return None;
            }
            let (direction, counterpart) = rules::relate(f, party);
            if q.direction.is_some() && direction != q.direction {
                return None;
            }
            if let Some(c) = q.counterpart {
                let matches = if exchange_wide { f.issuer == c || f.addressee == c } else { counterpart == c };
                if !matches {
                    return None;
                }
            }
            Some(Counted { facts: f, derived, direction, counterpart })
        })
        .collect();
    let all: Vec<&Counted> = counted.iter().collect();
    Ok(Statistics {
        generated_at: now,
        filters: AppliedFilters {
            scope: if exchange_wide { StatisticsScope::Exchange } else { StatisticsScope::Party },
            party,
            from: q.from,
            to: q.to,
            period_of,
            legal_basis: q.legal_basis,
            direction: q.direction,
            counterpart: q.counterpart,
            group_by: dims.iter().map(|d| d.name().to_owned()).collect(),
        },
        totals: rules::figures(&all, &parties, exchange_wide, now),
        groups: rules::groups(&counted, &dims, &parties, exchange_wide, period_of, now),
    })
}

/// The Art 28 report of the orders a party issued in a year (every party's, for an exchange
/// administrator without `party`): Art 28 counts the orders a Member State's authorities issue.
pub fn art28(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: Art28Query,
    now: DateTime<Utc>,
) -> Result<Art28Report, ApiError> {
    let party = whose(caller, None, q.party)?;
    let mut errors = vec![];
    check_party(conn, party, &mut errors)?;
    let start = |year: i32| Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single();
    let period = if (2000..=9998).contains(&q.year) { start(q.year).zip(start(q.year + 1)) } else { None };
    if period.is_none() {
        errors.push(FieldError::new("/year", "out_of_range", "a year from 2000 to 9998"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (from, to) = period.unwrap_or_default();
    let groups = repo::art28_groups(conn, party, from, to)?;
    let parties = repo::parties(conn)?;
    Ok(rules::art28(&groups, &parties, q.year, party, now))
}
