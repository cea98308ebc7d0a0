//! Checks of a request against its addressee's published request policy and its legal basis's
//! own rules: on demand before it is sent, and at submission (`service::act`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dto::{CheckReport, Finding};
use super::{legal, rules};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::db::codec::decode;
use crate::error::{ApiError, ProblemType};
use crate::parties::dto::Party;
use crate::requests::dto::RequestContent;
use crate::requests::model::RequestRow;

/// What a request breaks of its addressee's published policy (nothing when there is none),
/// then of its legal basis's own rules; with the policy's version.
pub fn findings(
    addressee: &Party,
    issuer: &Party,
    row: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(Option<i64>, Vec<Finding>), ApiError> {
    let content: RequestContent = decode("requests.content", row.content.clone())?;
    let mut found = match &addressee.request_policy {
        Some(published) => rules::check(&published.policy, &row.legal_basis, row.priority, &content),
        None => vec![],
    };
    let issuer = legal::Issuer {
        country: issuer.country.clone(),
        judicial: issuer.designations.contains(&crate::vocab::Designation::Judicial),
    };
    found.extend(legal::check(&row.legal_basis, row.priority, &content, &issuer, now));
    Ok((addressee.request_policy.as_ref().map(|p| p.version), found))
}

/// Checks one of the caller's party's requests against its addressee's policy and its legal
/// basis (the issuer's `operator` or `approver`); another party's request is a 404.
pub fn check(conn: &mut AnyConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<CheckReport, ApiError> {
    let (row, _) = crate::requests::service::load(conn, caller, id)?;
    if row.issuer_party != caller.party {
        return Err(ApiError::new(ProblemType::Forbidden, "only the issuer checks a request before sending it"));
    }
    caller.require(&[Role::Operator, Role::Approver])?;
    let addressee = crate::parties::service::get_party(conn, row.addressee_party)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {} vanished", row.addressee_party)))?;
    let issuer = crate::parties::service::get_party(conn, row.issuer_party)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {} vanished", row.issuer_party)))?;
    let (policy_version, findings) = findings(&addressee, &issuer, &row, now)?;
    Ok(CheckReport {
        addressee: row.addressee_party,
        policy_version,
        blocks_submission: rules::blocks(&findings),
        findings,
    })
}
