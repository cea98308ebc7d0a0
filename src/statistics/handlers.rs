//! HTTP of statistics: the figures of a party or of the exchange, and the Art 28 report in JSON
//! or CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{Art28Query, Art28Report, Statistics, StatisticsQuery};
use super::{rules, service};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::problem::Problem;
use crate::http::responses::DatabaseUnavailable;
use crate::state::AppState;

/// Statistics of requests
///
/// Counts of the requests the caller's party issued and received (by legal basis, kind, data
/// category, priority, counterpart country and type, outcome and refusal reason; withdrawn,
/// forwarded, clarified), how their legal clocks ended (met, missed, by how much), the time to
/// the first answer and to the data (median, 90th percentile, mean) per legal basis, the
/// enforcing authorities' notifications and objections, and deconfliction hits. Every figure is
/// computed from the audit trail (request events and clocks) when asked, never kept as a
/// counter. A party counts only the requests it takes part in (issuer, addressee, notified
/// enforcing authority, or on the routing path); drafts never count. Exchange administrators
/// see the whole exchange by default, or one `party`; anyone else asking for either gets 403.
/// Filters: a period (`from`, `to`) on submission or completion (`period_of`), `legal_basis`,
/// `direction`, `counterpart`; `group_by` breaks the figures down by one or two dimensions.
#[utoipa::path(
    operation_id = "get_statistics",
    tag = "statistics",
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The figures", body = Statistics),
        (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Exchange-wide figures or another party's, asked for by a caller that is not an exchange administrator; or a client whose only role is approver", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The filters are not valid: unknown `group_by` dimension or more than two, a period that ends before it starts, an unknown party, a direction exchange-wide", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/statistics")]
pub async fn get_statistics(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<StatisticsQuery>,
) -> Result<web::Json<Statistics>, ApiError> {
    let now = state.clock.now();
    let query = query.into_inner();
    let figures = state.db.run(move |conn| service::statistics(conn, &caller, query, now)).await?;
    Ok(web::Json(figures))
}

/// Whether the client asked for CSV rather than JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv")))
}

/// The Reg. (EU) 2023/1543 Art 28 report of a year
///
/// The statistics Member States collect every year on European Production and Preservation Order
/// Certificates (Art 28(2)(a)-(e)): the orders issued in the calendar `year` (UTC) by type of
/// data requested, addressee and emergency; how many were executed and not executed; the
/// notifications to enforcing authorities (Art 8) and the grounds for refusal invoked; and the
/// mean time from issuing an EPOC to obtaining the data. Each figure's definition is in the
/// schema. A party's report counts the orders it issued; an exchange administrator's every
/// party's, or one `party`'s. `Accept: text/csv` returns the rows as CSV (RFC 4180), one line per
/// order type, data category, addressee and situation.
#[utoipa::path(
    operation_id = "get_epoc_statistics_report",
    tag = "statistics",
    params(Art28Query),
    responses(
        (status = 200, description = "The report (JSON, or CSV with `Accept: text/csv`)",
            content(
                (Art28Report = "application/json"),
                (String = "text/csv", example = json!("year,order_type,data_category,addressee_id,addressee_name,emergency,issued,executed,not_executed,pending,withdrawn,enforcing_authority_notified,refused_wrong_addressee,refused_overbroad,refused_no_legal_basis,refused_data_not_held,refused_insufficient_information,refused_fundamental_rights,refused_other,refused_no_data,refused_other_grounds,mean_time_to_data_secs\r\n2026,epoc,traffic,0193a6f2-5c1e-7a3b-9c4d-2e8f1a6b7c91,Example Platforms,false,2,1,1,0,0,2,0,0,0,0,0,1,0,0,0,864060\r\n")),
            )),
        (status = 400, description = "`year` missing or not a number, or another query parameter not valid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another party's report, asked for by a caller that is not an exchange administrator; or a client whose only role is approver", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A year out of range, or an unknown party", body = Problem, content_type = "application/problem+json"),
        DatabaseUnavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/statistics/reports/eu-2023-1543-art28")]
pub async fn get_epoc_statistics_report(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<Art28Query>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let query = query.into_inner();
    let report = state.db.run(move |conn| service::art28(conn, &caller, query, now)).await?;
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"eu-2023-1543-art28-{}.csv\"", report.year),
            ))
            .body(rules::art28_csv(&report)));
    }
    Ok(HttpResponse::Ok().json(report))
}
