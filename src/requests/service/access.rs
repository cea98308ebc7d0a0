//! Who may see and act on a request: load it with the caller's side, authorise an action
//! (role and side), lock it for a change. Every request operation starts here.

use super::*;

/// The request if the caller's party may see it (issuer, participant, routing path), with the
/// caller's side; 404 otherwise, so that existence is not revealed.
pub(crate) fn load(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<(RequestRow, Side), ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(|| not_found(id))?;
    with_side(conn, caller, row)
}

/// The caller's side on a request it read; 404 when it has none it may see.
fn with_side(conn: &mut AnyConnection, caller: &Caller, row: RequestRow) -> Result<(RequestRow, Side), ApiError> {
    let id = row.id;
    let side = if row.issuer_party == caller.party {
        Side::Issuer
    } else if row.addressee_party == caller.party {
        Side::Addressee
    } else if row.enforcing_party.as_ref().is_some_and(|p| p.0 == caller.party) {
        Side::EnforcingAuthority
    } else if repo::is_participant(conn, id, caller.party)? {
        Side::Observer
    } else {
        return Err(not_found(id));
    };
    // A request is the issuer's own business until it leaves (drafted, or awaiting approval).
    if !has_left(row.status) && side != Side::Issuer {
        return Err(not_found(id));
    }
    Ok((row, side))
}

/// As `load`, for a change: the request's row is locked first (until the transaction ends),
/// so that of two concurrent changes the second sees what the first made of the request.
pub(crate) fn load_for_update(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(RequestRow, Side), ApiError> {
    let row = repo::find_for_update(conn, id)?.ok_or_else(|| not_found(id))?;
    with_side(conn, caller, row)
}

/// Who may act, then whether the status allows it: 403 for the wrong side or role, 409 with
/// the current status otherwise.
pub(crate) fn authorize(
    caller: &Caller,
    side: Side,
    action: Action,
    row: &RequestRow,
    facts: Facts,
) -> Result<RequestStatus, ApiError> {
    if !lifecycle::allowed_sides(action).contains(&side) {
        let who: Vec<&str> = lifecycle::allowed_sides(action)
            .iter()
            .map(|s| match s {
                Side::Issuer => "the issuer",
                Side::Addressee => "the current addressee",
                Side::EnforcingAuthority => "the enforcing authority",
                Side::Observer => "a party on the route",
            })
            .collect();
        return Err(ApiError::new(
            ProblemType::Forbidden,
            format!("only {} may {} this request", who.join(" or "), action.name()),
        ));
    }
    caller.require(lifecycle::required_roles(action))?;
    let status = row.status;
    lifecycle::next_status(status, action, facts).map_err(|why| ApiError::conflict_in_status(&row.status, why))
}

/// Whether the data of the request's other parties are kept from its issuer (Reg. 2023/1543
/// Art 8(4)): while held, and for good once the enforcing authority raised a ground.
pub fn hidden_from_issuer(row: &RequestRow) -> bool {
    matches!(hold_of(row), Some(HoldStatus::HeldPendingEnforcingAuthority | HoldStatus::Withheld))
}
