//! Request policies: a party administrator publishes its party's.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::dto::{PublishedPolicy, RequestPolicy};
use super::{repo, rules};
use crate::audit;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::AnyConnection;
use crate::error::{ApiError, ProblemType};

/// Publishes a new version of a party's request policy (its own `party_admin`).
pub fn publish(
    conn: &mut AnyConnection,
    caller: &Caller,
    party: Uuid,
    policy: RequestPolicy,
    now: DateTime<Utc>,
) -> Result<PublishedPolicy, ApiError> {
    let current = crate::parties::service::visible_party(conn, caller, party)?;
    if current.id != caller.party {
        return Err(ApiError::new(
            ProblemType::Forbidden,
            "a party administrator publishes only its own party's policy",
        ));
    }
    caller.require(&[Role::PartyAdmin])?;
    let known: Vec<String> = crate::legal_bases::repo::list(conn)?.into_iter().map(|b| b.code).collect();
    let policy = rules::validate(
        policy,
        &known,
        rules::Directory { entities: &current.legal_entities, accepted_legal_bases: &current.accepted_legal_bases },
    )
    .map_err(ApiError::validation)?;
    let published = PublishedPolicy {
        version: current.request_policy.as_ref().map_or(1, |p| p.version + 1),
        published_at: now,
        policy,
    };
    repo::publish(conn, party, &published, Some(caller.client), now)?;
    audit::record(
        conn,
        &caller.actor(),
        "party.policy_published",
        ("party", &party.to_string()),
        json!({"version": published.version}),
        now,
    )?;
    Ok(published)
}
