//! Checks of a request against its addressee's published request policy: on demand before it
//! is sent, and at submission (`service::act`).

use uuid::Uuid;

use super::dto::{CheckReport, Finding};
use super::rules;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::db::codec::decode;
use crate::error::{ApiError, ProblemType};
use crate::parties::dto::Party;
use crate::requests::dto::RequestContent;
use crate::requests::model::RequestRow;

/// What a request breaks of its addressee's published policy (nothing when there is none).
pub fn findings(addressee: &Party, row: &RequestRow) -> Result<(Option<i64>, Vec<Finding>), ApiError> {
    let Some(published) = &addressee.request_policy else { return Ok((None, vec![])) };
    let content: RequestContent = decode("requests.content", row.content.clone())?;
    Ok((Some(published.version), rules::check(&published.policy, &row.legal_basis, row.priority, &content)))
}

/// Checks one of the caller's party's requests against its addressee's policy (the issuer's
/// `operator` or `approver`); another party's request is a 404.
pub fn check(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<CheckReport, ApiError> {
    let (row, _) = crate::requests::service::load(conn, caller, id)?;
    if row.issuer_party != caller.party {
        return Err(ApiError::new(ProblemType::Forbidden, "only the issuer checks a request before sending it"));
    }
    caller.require(&[Role::Operator, Role::Approver])?;
    let addressee = crate::parties::service::get_party(conn, row.addressee_party)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {} vanished", row.addressee_party)))?;
    let (policy_version, findings) = findings(&addressee, &row)?;
    Ok(CheckReport {
        addressee: row.addressee_party,
        policy_version,
        blocks_submission: rules::blocks(&findings),
        findings,
    })
}
