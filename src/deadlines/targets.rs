//! A party's own clock targets, for the clocks no law times: who may read and set them
//! (party administrators of the party, exchange administrators) and which clocks may be set.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dto::{ClockTarget, ClockTargetEntry};
use super::repo;
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::Db;
use crate::db::codec::decode_text;
use crate::error::{ApiError, FieldError};
use crate::legal_bases;

/// A party's targets are its administrators' business (and the exchange's); another party's
/// are not found, not forbidden.
fn manage(caller: &Caller, party: Uuid) -> Result<(), ApiError> {
    if caller.is_exchange_admin() {
        return Ok(());
    }
    if party != caller.party {
        return Err(ApiError::not_found(format!("no party {party}")));
    }
    caller.require(&[Role::PartyAdmin])
}

pub async fn list(db: &Db, caller: &Caller, party: Uuid) -> Result<Vec<ClockTargetEntry>, ApiError> {
    manage(caller, party)?;
    let rows = db.run(move |conn| repo::targets(conn, party)).await?;
    rows.into_iter()
        .map(|(legal_basis, clock, duration_secs)| {
            Ok(ClockTargetEntry {
                legal_basis,
                clock: decode_text("party_clock_targets.clock_kind", clock)?,
                duration_secs,
            })
        })
        .collect::<Result<_, ApiError>>()
}

/// Sets the party's target for a clock of `code` that the law does not time.
pub async fn set(
    db: &Db,
    caller: &Caller,
    party: Uuid,
    code: String,
    target: ClockTarget,
    now: DateTime<Utc>,
) -> Result<ClockTargetEntry, ApiError> {
    manage(caller, party)?;
    let duration = target.duration.as_delta();
    if duration < chrono::TimeDelta::hours(1) || duration > chrono::TimeDelta::days(3650) {
        return Err(ApiError::validation(vec![FieldError::new(
            "/duration",
            "out_of_range",
            "between one hour and ten years",
        )]));
    }
    let basis_code = code.clone();
    db.write(move |conn| -> Result<(), ApiError> {
        crate::parties::service::get_party(conn, party)?
            .ok_or_else(|| ApiError::not_found(format!("no party {party}")))?;
        let basis = legal_bases::repo::find(conn, &basis_code)?.ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "code",
                "unknown_legal_basis",
                format!("{basis_code:?} is not in the catalogue"),
            )])
        })?;
        // A party sets its own target where no law sets the time: a clock the catalogue
        // marks `binding: false`, or (to acknowledge or respond) a basis with no such clock
        // at all, like ETS 185 Art 31 or ETS 030.
        let rules: Vec<_> = basis.clocks.iter().filter(|c| c.kind == target.clock).collect();
        let settable = if rules.is_empty() {
            crate::deadlines::service::OWN_TARGET_KINDS.contains(&target.clock)
        } else {
            rules.iter().all(|c| !c.binding)
        };
        if !settable {
            let why = match rules.iter().find(|c| c.binding) {
                Some(rule) => format!("the law sets this time ({})", rule.citation),
                None => {
                    format!("a party may set its own target only to acknowledge or respond, not {:?}", target.clock)
                }
            };
            return Err(ApiError::validation(vec![FieldError::new(
                "/clock",
                "set_by_law",
                format!("{}: {why}", basis.code),
            )]));
        }
        repo::set_target(conn, party, &basis.code, target.clock, duration, now)
    })
    .await?;
    Ok(ClockTargetEntry { legal_basis: code, clock: target.clock, duration_secs: duration.num_seconds() })
}
