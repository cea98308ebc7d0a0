//! State changes of requests: create, update a draft, the lifecycle actions (`act`),
//! clarifications and messages, the enforcing authority's hold, lapse; and the clocks each
//! action starts, stops or pauses.

use super::*;

pub(super) fn unroutable(pointer: &str, why: String) -> ApiError {
    ApiError::validation(vec![FieldError::new(pointer, "unroutable", why)])
}

/// Where a request goes: the addressee, its receiving entity (providers) and the enforcing
/// authority to notify (EU production orders).
pub(super) struct Route {
    addressee: Party,
    entity: Option<LegalEntity>,
    enforcing: Option<Party>,
    /// The version and rule of the addressee's published policy that chose `entity`.
    entity_policy: Option<(i64, usize)>,
}

impl Route {
    /// What events record of the routing: the receiving entity and, when the addressee's
    /// published routing chose it, the policy version and rule (issue 18), so the addressee
    /// sees why the request came to it. Null for a state authority.
    fn data(&self) -> Value {
        match &self.entity {
            None => Value::Null,
            Some(entity) => json!({
                "entity": entity,
                "policy_version": self.entity_policy.map(|(version, _)| version),
                "policy_rule": self.entity_policy.map(|(_, rule)| rule),
            }),
        }
    }

    /// `data` with the routing added, for a provider's request.
    fn with_data(&self, mut data: Value) -> Value {
        if self.entity.is_some() {
            data["routing"] = self.data();
        }
        data
    }

    /// Makes the route the request's: its addressee, entity and enforcing authority, as
    /// participants and on the row.
    fn apply(&self, conn: &mut AnyConnection, row: &mut RequestRow, now: DateTime<Utc>) -> Result<(), ApiError> {
        repo::remove_participant(conn, row.id, row.addressee_party, ParticipantRole::Addressee)?;
        if let Some(old) = &row.enforcing_party {
            repo::remove_participant(conn, row.id, old.0, ParticipantRole::EnforcingAuthority)?;
        }
        participant(conn, row.id, self.addressee.id, ParticipantRole::Addressee, now)?;
        if let Some(enforcing) = &self.enforcing {
            participant(conn, row.id, enforcing.id, ParticipantRole::EnforcingAuthority, now)?;
        }
        row.addressee_party = self.addressee.id;
        row.addressee_entity = self.entity.as_ref().map(|e| DbJson(encode(e)));
        row.enforcing_party = self.enforcing.as_ref().map(|p| DbUuid(p.id));
        Ok(())
    }
}

pub(super) fn active_parties(conn: &mut AnyConnection, country: &str) -> Result<Vec<Party>, ApiError> {
    let filter =
        party_repo::PartyFilter { kind: None, country: Some(country.to_owned()), statuses: vec![PartyStatus::Active] };
    let rows = party_repo::list_parties(conn, &filter, Page { limit: 10_000, after: None })?;
    rows.into_iter().map(|r| r.into_party()).collect()
}

/// The directory as the caller read it already for routing (issue 16: statements per action):
/// the party named by id (`None`: there is none), or the active parties of the named country.
pub(super) enum Known {
    Named(Option<Box<Party>>),
    Candidates(Vec<Party>),
}

/// The issuer and what routing to `spec` reads of the directory, in one statement: the
/// addressee named by id, or the active parties of a valid country (else only the issuer).
fn issuer_and_route_candidates(
    conn: &mut AnyConnection,
    issuer: Uuid,
    spec: &AddresseeSpec,
) -> Result<(Party, Option<Known>), ApiError> {
    let (named, country) = match (spec.party_id, &spec.country) {
        (Some(id), None) => (Some(id), None),
        (None, Some(country)) => (None, crate::validate::country(country).ok()),
        _ => (None, None),
    };
    let read: Vec<Party> = party_repo::find_issuer_and_candidates(conn, issuer, named, country.as_deref())?
        .into_iter()
        .map(|row| row.into_party())
        .collect::<Result<_, _>>()?;
    let issuer_party = read
        .iter()
        .find(|p| p.id == issuer)
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("party {issuer} vanished")))?;
    let known = match (named, country) {
        (Some(id), _) => Some(Known::Named(read.into_iter().find(|p| p.id == id).map(Box::new))),
        // As `active_parties` reads them: the country's active parties by id (the issuer among
        // them only if it is one).
        (None, Some(country)) => Some(Known::Candidates(
            read.into_iter()
                .filter(|p| p.status == PartyStatus::Active && p.country.as_deref() == Some(country.as_str()))
                .collect(),
        )),
        (None, None) => None,
    };
    Ok((issuer_party, known))
}

/// The route to `spec`, with what the caller read of the directory already
/// (`issuer_and_route_candidates`; `None`: read it here).
pub(super) fn route(
    conn: &mut AnyConnection,
    spec: &AddresseeSpec,
    basis: &LegalBasis,
    content: &RequestContent,
    issuer: &Party,
    pointer: &str,
    known: Option<Known>,
) -> Result<Route, ApiError> {
    let addressee = match (spec.party_id, &spec.country) {
        (Some(id), None) => {
            let named = match known {
                Some(Known::Named(party)) => party.map(|p| *p),
                _ => party_service::get_party(conn, id)?,
            };
            let found = named
                .filter(|p| p.status == PartyStatus::Active)
                .ok_or_else(|| unroutable(&format!("{pointer}/party_id"), format!("no active party {id}")))?;
            routing::check_recipient(&found, basis, issuer)
                .map_err(|why| unroutable(&format!("{pointer}/party_id"), why))?;
            found
        }
        (None, Some(country)) => {
            let country =
                crate::validate::country(country).map_err(|m| unroutable(&format!("{pointer}/country"), m))?;
            let candidates = match known {
                Some(Known::Candidates(candidates)) => candidates,
                _ => active_parties(conn, &country)?,
            };
            let found = routing::resolve_country(&country, basis, &candidates)
                .map_err(|why| unroutable(&format!("{pointer}/country"), why))?
                .clone();
            routing::check_recipient(&found, basis, issuer)
                .map_err(|why| unroutable(&format!("{pointer}/country"), why))?;
            found
        }
        _ => return Err(unroutable(pointer, "give exactly one of party_id or country".into())),
    };
    route_to(conn, addressee, basis, content, issuer, pointer)
}

/// The rest of a route once its addressee is known: a provider's receiving entity (its
/// published routing, else the directory's regions) and the enforcing authority to notify.
pub(super) fn route_to(
    conn: &mut AnyConnection,
    addressee: Party,
    basis: &LegalBasis,
    content: &RequestContent,
    issuer: &Party,
    pointer: &str,
) -> Result<Route, ApiError> {
    let (entity, entity_policy) = if addressee.kind == PartyKind::ServiceProvider {
        let issuer_country = issuer.country.clone().unwrap_or_default();
        let choice = routing::provider_entity(&addressee, &issuer_country, basis, addressee.request_policy.as_ref())
            .map_err(|why| unroutable(pointer, why))?;
        (Some(choice.entity), choice.policy)
    } else {
        (None, None)
    };
    let enforcing = match (&entity, needs_enforcing_notification(basis, content)) {
        (Some(entity), true) => {
            let candidates = active_parties(conn, &entity.country)?;
            Some(
                routing::enforcing_authority(&entity.country, &candidates)
                    .map_err(|why| unroutable(pointer, why))?
                    .clone(),
            )
        }
        _ => None,
    };
    Ok(Route { addressee, entity, enforcing, entity_policy })
}

/// A preservation whose time ran out (the deadline scanner): `preserved` → `lapsed`.
pub fn lapse(conn: &mut AnyConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    let row = repo::find_for_update(conn, id)?.ok_or_else(|| not_found(id))?;
    if row.status == RequestStatus::Preserved {
        save(conn, row, RequestStatus::Lapsed, now)?;
    }
    Ok(())
}

pub(super) fn participant(
    conn: &mut AnyConnection,
    request: Uuid,
    party: Uuid,
    role: ParticipantRole,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    repo::add_participant(conn, ParticipantRow { request_id: request, party_id: party, role, added_at: now })
}

/// The participants of a new request (all joined at `now`) as `repo::participants` reads them
/// back: by role as stored (text), then party. The signed view must not depend on who built it.
fn participants_as_read(joining: &[(&Party, ParticipantRole)], now: DateTime<Utc>) -> Vec<Participant> {
    let mut out: Vec<Participant> = joining
        .iter()
        .map(|(party, role)| Participant {
            party: PartyRef { id: party.id, name: party.name.clone(), country: party.country.clone() },
            role: *role,
            since: now,
        })
        .collect();
    out.sort_by_cached_key(|p| (encode_text(&p.role), p.party.id));
    out
}

/// Creates a draft: validated against its legal basis and routed to the competent party.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    input: NewRequest,
    now: DateTime<Utc>,
) -> Result<Request, ApiError> {
    caller.require(&[Role::Operator])?;
    let (issuer, known) = issuer_and_route_candidates(conn, caller.party, &input.addressee)?;
    if issuer.kind != PartyKind::StateAuthority {
        return Err(ApiError::new(ProblemType::Forbidden, "only state authorities issue requests"));
    }
    let basis = basis(conn, &input.legal_basis)?;
    let content = content::validate(input.content, &basis, input.priority, now).map_err(ApiError::validation)?;
    if let Some(earlier) = input.follow_up_of {
        let mine = repo::find(conn, earlier)?.is_some_and(|r| r.issuer_party == caller.party);
        if !mine {
            return Err(ApiError::validation(vec![FieldError::new(
                "/follow_up_of",
                "unknown_request",
                format!("your party issued no request {earlier}"),
            )]));
        }
    }
    let route = route(conn, &input.addressee, &basis, &content, &issuer, "/addressee", known)?;
    let country = issuer.country.clone().unwrap_or_else(|| "XX".into());
    let year = now.year();
    let number = repo::next_reference_number(conn, &country, year)?;
    let id = Uuid::now_v7();
    let row = RequestRow {
        id,
        reference: format!("{country}-{year}-{number:06}"),
        legal_basis: basis.code.clone(),
        kind: basis.request_kind,
        priority: input.priority,
        status: RequestStatus::Draft,
        issuer_party: issuer.id,
        addressee_party: route.addressee.id,
        enforcing_party: route.enforcing.as_ref().map(|p| DbUuid(p.id)),
        addressee_entity: route.entity.as_ref().map(|e| DbJson(encode(e))),
        content: encode(&content),
        follow_up_of: input.follow_up_of.map(DbUuid),
        drafted_by: caller.client,
        outcome: None,
        submitted_at: None,
        preservation_expires_at: None,
        extensions_used: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        legal_basis_pinned: None,
        hold_status: None,
        hold_until: None,
        follow_up_confirmed_at: None,
        head_seq: 0,
        head_hash: None,
    };
    let mut joining = vec![(&issuer, ParticipantRole::Issuer), (&route.addressee, ParticipantRole::Addressee)];
    if let Some(enforcing) = &route.enforcing {
        joining.push((enforcing, ParticipantRole::EnforcingAuthority));
    }
    let parties: Vec<(Uuid, ParticipantRole)> = joining.iter().map(|(party, role)| (party.id, *role)).collect();
    let inserts = vec![repo::request_insert(row.clone()), repo::participants_insert(id, &parties, now)];
    let (_, created) = first_event(
        conn,
        keys,
        row,
        inserts,
        participants_as_read(&joining, now),
        Some(caller),
        EventType::RequestCreated,
        route.with_data(json!({"legal_basis": basis.code, "addressee": route.addressee.id, "enforcing_authority": route.enforcing.as_ref().map(|p| p.id)})),
        now,
    )?;
    Ok(created)
}

/// The facts `action`'s transition depends on, read only where it needs them
/// (`lifecycle::facts_needed`).
pub(crate) fn facts(conn: &mut AnyConnection, row: &RequestRow, action: Action) -> Result<Facts, ApiError> {
    let needed = lifecycle::facts_needed(action);
    let requires_approval = needed.requires_approval && party(conn, row.issuer_party)?.requires_approval;
    let recognisable = needed.recognisable && recognisable(&basis_for(conn, row)?);
    facts_from(conn, row, action, requires_approval, recognisable)
}

/// `facts` with the request's legal basis and issuer already read (one catalogue read per action).
fn facts_under(
    conn: &mut AnyConnection,
    row: &RequestRow,
    action: Action,
    basis: &LegalBasis,
    issuer: &Party,
) -> Result<Facts, ApiError> {
    facts_from(conn, row, action, issuer.requires_approval, recognisable(basis))
}

/// The basis has decisions of an executing authority (Dir. 2014/41 Arts 12, 32).
fn recognisable(basis: &LegalBasis) -> bool {
    basis.clocks.iter().any(|c| {
        matches!(c.kind, ClockKind::Recognition | ClockKind::ProvisionalMeasures)
            || c.starts_on == crate::vocab::ClockTrigger::Recognised
    })
}

fn facts_from(
    conn: &mut AnyConnection,
    row: &RequestRow,
    action: Action,
    requires_approval: bool,
    recognisable: bool,
) -> Result<Facts, ApiError> {
    let objection_window_open = lifecycle::facts_needed(action).objection_window_open
        && crate::deadlines::repo::for_request(conn, row.id)?.iter().any(|c| {
            c.obligation_of == crate::vocab::Obligor::EnforcingAuthority
                && c.state == crate::deadlines::rules::ClockState::Running
        });
    Ok(Facts {
        requires_approval,
        is_preservation: row.kind == RequestKind::Preservation,
        recognisable,
        objection_window_open,
    })
}

/// Writes the request with its new status if nobody changed it since it was read; `None`
/// when somebody did (its version moved).
pub(super) fn try_save(
    conn: &mut AnyConnection,
    mut row: RequestRow,
    status: RequestStatus,
    now: DateTime<Utc>,
) -> Result<Option<RequestRow>, ApiError> {
    let expected = row.version;
    row.status = status;
    row.version += 1;
    row.updated_at = now;
    Ok(repo::save(conn, &row, expected)?.then_some(row))
}

/// As `try_save`; a lost race is a 409 that names the status the request really has now, not
/// the one this change wanted.
pub(super) fn save(
    conn: &mut AnyConnection,
    row: RequestRow,
    status: RequestStatus,
    now: DateTime<Utc>,
) -> Result<RequestRow, ApiError> {
    let id = row.id;
    match try_save(conn, row, status, now)? {
        Some(saved) => Ok(saved),
        None => {
            let current = repo::find(conn, id)?.ok_or_else(|| not_found(id))?;
            Err(ApiError::conflict_in_status(&current.status, "the request changed meanwhile; read it again and retry"))
        }
    }
}

/// Edits a draft if it is still at `expected_version` (412 otherwise).
pub fn update_draft(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    id: Uuid,
    expected: crate::http::preconditions::IfMatch,
    patch: RequestPatch,
    now: DateTime<Utc>,
) -> Result<Request, ApiError> {
    let (mut row, side) = load_for_update(conn, caller, id)?;
    let facts = facts(conn, &row, Action::Edit)?;
    authorize(caller, side, Action::Edit, &row, facts)?;
    expected.check(row.version)?;
    let basis = basis(conn, &row.legal_basis)?;
    let priority: Priority = match patch.priority {
        Some(p) => p,
        None => row.priority,
    };
    let current: RequestContent = decode("requests.content", row.content.clone())?;
    let content =
        content::validate(patch.content.unwrap_or(current), &basis, priority, now).map_err(ApiError::validation)?;
    let mut changed = vec![];
    let mut routing = None;
    if let Some(spec) = &patch.addressee {
        let issuer = party(conn, caller.party)?;
        let route = route(conn, spec, &basis, &content, &issuer, "/addressee", None)?;
        route.apply(conn, &mut row, now)?;
        routing = route.entity.is_some().then(|| route.data());
        changed.push("addressee");
    }
    if patch.priority.is_some() {
        changed.push("priority");
    }
    row.priority = priority;
    row.content = encode(&content);
    changed.push("content");
    // Two edits with the same ETag: the second finds the version moved, a 412 as if its
    // If-Match had been checked after the first.
    let Some(saved) = try_save(conn, row, RequestStatus::Draft, now)? else {
        return Err(ApiError::new(ProblemType::PreconditionFailed, "the request changed meanwhile; read it again"));
    };
    let mut data = json!({"fields": changed});
    if let Some(routing) = routing {
        data["routing"] = routing;
    }
    Ok(event_on(conn, keys, saved, Some(caller), EventType::RequestUpdated, data, now)?.1)
}

/// A lifecycle action with its input.
pub enum Act {
    /// With the reason of an override of the policy check's `error` findings, if any.
    Submit(Option<String>),
    Approve,
    Acknowledge,
    Forward(Forward),
    Respond(NewResponse),
    Recognise(Recognition),
    Object(Objection),
    ConfirmNoGrounds,
    Derogate(Derogation),
    ConfirmFollowUp(FollowUpConfirmation),
    Withdraw(String),
    Extend(Option<String>),
    Release,
}

pub fn act(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    id: Uuid,
    act: Act,
    now: DateTime<Utc>,
) -> Result<Request, ApiError> {
    let (mut row, side) = load_for_update(conn, caller, id)?;
    let basis = basis_for(conn, &row)?;
    // The issuer, the addressee and the exchange's name, read once for the whole action.
    let ActionParties { issuer, addressee, exchange_name, participants, reach } = action_parties(conn, &row)?;
    // The participants as read, while the action leaves them as they are (a new route or a
    // forward changes them: they are read again for the signed request).
    let mut participants = Some(participants);
    let action = match &act {
        Act::Submit(_) => Action::Submit,
        Act::Approve => Action::Approve,
        Act::Acknowledge => Action::Acknowledge,
        Act::Forward(_) => Action::Forward,
        Act::Respond(r) => Action::Respond(r.outcome),
        Act::Recognise(_) => Action::Recognise,
        Act::Object(_) => Action::Object,
        Act::ConfirmNoGrounds => Action::ConfirmNoGrounds,
        Act::Derogate(_) => Action::Derogate,
        Act::ConfirmFollowUp(_) => Action::ConfirmFollowUp,
        Act::Withdraw(_) => Action::Withdraw,
        Act::Extend(_) => Action::Extend,
        Act::Release => Action::Release,
    };
    let facts = facts_under(conn, &row, action, &basis, &issuer)?;
    let status = authorize(caller, side, action, &row, facts)?;
    let act_scope = match &act {
        Act::Recognise(r) => Some(r.scope),
        _ => None,
    };
    // A request that leaves (submitted, approved, forwarded) is signed by the exchange.
    let leaves = status == RequestStatus::Submitted;
    // The issuer and the addressee as the request leaves (or goes to approval).
    let departing = if matches!(action, Action::Submit | Action::Approve) { Some((&issuer, &addressee)) } else { None };
    // A provider's request is routed again as it leaves, under the addressee's current
    // published routing (a policy published since drafting may name another entity).
    let mut departure: Option<Value> = None;
    if let Some((issuer, addressee)) = departing.as_ref().filter(|_| leaves)
        && addressee.kind == PartyKind::ServiceProvider
    {
        let content: RequestContent = decode("requests.content", row.content.clone())?;
        let route = route_to(conn, (*addressee).clone(), &basis, &content, issuer, "/addressee")?;
        let drafted: Option<LegalEntity> =
            row.addressee_entity.as_ref().map(|e| decode("requests.addressee_entity", e.0.clone())).transpose()?;
        if drafted != route.entity
            || row.enforcing_party.as_ref().map(|p| p.0) != route.enforcing.as_ref().map(|p| p.id)
        {
            route.apply(conn, &mut row, now)?;
            participants = None;
        }
        departure = route.entity.is_some().then(|| route.data());
    }
    if matches!(action, Action::Submit | Action::Approve) && leaves {
        // The request keeps the catalogue entry it was submitted under.
        row.legal_basis_pinned = Some(DbJson(encode(&basis)));
        // Outside emergencies the enforcing authority's notification is suspensive (Reg.
        // 2023/1543 Art 8(4)): the data wait for the end of its time (Art 10(2)).
        let priority: Priority = row.priority;
        if let Some(window) = hold_window(&basis, &row, priority) {
            row.hold_status = Some(DbText(HoldStatus::HeldPendingEnforcingAuthority));
            row.hold_until = Some(DbTime(now + window));
        }
    }
    let mut extra_events: Vec<(EventType, Value)> = vec![];
    // The issuing party's deconfliction setting, when the submission read the party anyway.
    let mut issuer_deconfliction: Option<bool> = None;
    let (event_type, data) = match act {
        Act::Submit(override_reason) => {
            // The addressee must still be competent when the request leaves.
            let (issuer, addressee) = departing
                .as_ref()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a submission reads its parties before acting")))?;
            issuer_deconfliction = Some(issuer.deconfliction);
            routing::check_recipient(addressee, &basis, issuer).map_err(|why| unroutable("/addressee", why))?;
            // The addressee's published policy and the legal basis's own rules (issue 18): errors
            // block unless overridden with a reason, which the event records with what it
            // overrode, for the addressee to see.
            let (policy_version, findings) = crate::requests::checks::service::findings(addressee, issuer, &row, now)?;
            let errors: Vec<&crate::requests::checks::dto::Finding> =
                findings.iter().filter(|f| f.severity == crate::requests::checks::dto::Severity::Error).collect();
            let reason = override_reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
            let overridden = match (errors.is_empty(), reason) {
                (true, _) => None,
                (false, Some(reason)) => Some(json!({
                    "reason": reason,
                    "policy_version": policy_version,
                    "findings": errors,
                })),
                (false, None) => {
                    let mut fields: Vec<FieldError> = errors
                        .iter()
                        .map(|f| FieldError::new(f.pointer.clone(), f.code.clone(), f.message.clone()))
                        .collect();
                    fields.push(FieldError::new(
                        "/override/reason",
                        "policy_check_failed",
                        "the request breaks the addressee's published policy or its legal basis's rules; fix it, or submit with `override` and a reason",
                    ));
                    return Err(ApiError::validation(fields));
                }
            };
            let mut data = if status == RequestStatus::Submitted {
                row.submitted_at = Some(DbTime(now));
                let mut data = json!({"addressee": row.addressee_party});
                if let Some(routing) = departure.take() {
                    data["routing"] = routing;
                }
                data
            } else {
                json!({})
            };
            if let Some(overridden) = overridden {
                data["checks_overridden"] = overridden;
            }
            if status == RequestStatus::Submitted {
                (EventType::Submitted, data)
            } else {
                (EventType::ApprovalRequested, data)
            }
        }
        Act::Approve => {
            // Four eyes: whoever drafted, edited or submitted the request cannot approve it.
            let took_part = caller.client == row.drafted_by
                || repo::client_did(
                    conn,
                    id,
                    caller.client,
                    &[EventType::RequestCreated, EventType::RequestUpdated, EventType::ApprovalRequested],
                )?;
            if took_part {
                return Err(ApiError::new(
                    ProblemType::Forbidden,
                    "four eyes: the approver cannot be a client that drafted, edited or submitted the request",
                ));
            }
            row.submitted_at = Some(DbTime(now));
            let mut data = json!({"addressee": row.addressee_party, "approved_by": caller.client});
            if let Some(routing) = departure.take() {
                data["routing"] = routing;
            }
            (EventType::Submitted, data)
        }
        Act::Acknowledge => (EventType::Acknowledged, json!({})),
        Act::Forward(forward) => {
            let reason = required_text(&forward.reason, "/reason")?;
            let content: RequestContent = decode("requests.content", row.content.clone())?;
            let route = route(conn, &forward.to, &basis, &content, &issuer, "/to", None)?;
            if route.addressee.id == row.addressee_party {
                return Err(unroutable("/to", "the request is already with this party".into()));
            }
            let from = row.addressee_party;
            repo::remove_participant(conn, id, from, ParticipantRole::Addressee)?;
            participant(conn, id, from, ParticipantRole::PreviousAddressee, now)?;
            // Forwarded back to an earlier addressee: it is the addressee again.
            repo::remove_participant(conn, id, route.addressee.id, ParticipantRole::PreviousAddressee)?;
            participant(conn, id, route.addressee.id, ParticipantRole::Addressee, now)?;
            row.addressee_party = route.addressee.id;
            row.addressee_entity = route.entity.as_ref().map(|e| DbJson(encode(e)));
            participants = None;
            (EventType::Forwarded, route.with_data(json!({"from": from, "to": route.addressee.id, "reason": reason})))
        }
        Act::Respond(response) => {
            let text = required_text(&response.text, "/text")?;
            let mut errors = vec![];
            match (response.outcome, response.refusal_reason) {
                (Outcome::Refused, None) => {
                    errors.push(FieldError::new("/refusal_reason", "required", "a refusal states its reason code"))
                }
                (Outcome::Refused, Some(_)) => {}
                (_, Some(_)) => {
                    errors.push(FieldError::new("/refusal_reason", "not_allowed", "only a refusal has a reason code"))
                }
                _ => {}
            }
            if let Err(error) = content::check_refusal_ground(
                &basis,
                response.outcome,
                response.refusal_reason,
                response.refusal_ground.as_deref(),
            ) {
                errors.push(error);
            }
            let preserved_until = if response.outcome == Outcome::Preserved {
                let until = match response.preserved_until {
                    Some(until) => until,
                    // The legal preservation period: the running clock's expiry (started on receipt,
                    // e.g. Reg. 2023/1543 Art 11(1)), or the basis's period from now.
                    None => match crate::deadlines::service::preservation(conn, id)? {
                        Some(clock) => clock.due_at,
                        None => {
                            let rule = basis.clocks.iter().find(|c| c.kind == ClockKind::Preservation);
                            now + rule.map(|r| r.duration.as_delta()).unwrap_or_else(|| chrono::TimeDelta::days(90))
                        }
                    },
                };
                if until <= now {
                    errors.push(FieldError::new(
                        "/preserved_until",
                        "in_the_past",
                        "preservation must last beyond now",
                    ));
                } else if let Some((floor, citation)) = legal_preservation_end(conn, &basis, id, now)?
                    && until < floor
                {
                    // Reg. 2023/1543 Art 11(1) (60 days), ETS 185 Art 29(7) (not less than 60 days):
                    // the addressee cannot end a preservation the law keeps longer.
                    errors.push(FieldError::new(
                        "/preserved_until",
                        "below_legal_period",
                        format!(
                            "the law keeps the data preserved until at least {} ({citation})",
                            crate::audit::chain::time_text(floor)
                        ),
                    ));
                }
                Some(until)
            } else {
                if response.preserved_until.is_some() {
                    errors.push(FieldError::new(
                        "/preserved_until",
                        "not_allowed",
                        "only a `preserved` answer has an end date",
                    ));
                }
                None
            };
            let attached = attachments::service::for_response(conn, caller, id, &response.attachments)?;
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            // An answer with data, while the enforcing authority's notification is suspensive,
            // is held from the issuer until the authority's time ends (Reg. 2023/1543 Art 8(4),
            // Art 10(2)). A window that ended before the scanner noticed is released first.
            if hold_of(&row) == Some(HoldStatus::HeldPendingEnforcingAuthority)
                && row.hold_until.as_ref().is_some_and(|t| t.0 <= now)
            {
                row.hold_status = Some(DbText(HoldStatus::Released));
            }
            let with_data = matches!(response.outcome, Outcome::Fulfilled | Outcome::PartiallyFulfilled);
            let held = with_data && hold_of(&row) == Some(HoldStatus::HeldPendingEnforcingAuthority);
            repo::insert_response(
                conn,
                ResponseRow {
                    id: Uuid::now_v7(),
                    request_id: id,
                    party_id: caller.party,
                    outcome: response.outcome,
                    refusal_reason: response.refusal_reason.map(DbText),
                    text: text.clone(),
                    preserved_until: preserved_until.map(DbTime),
                    created_at: now,
                    attachments: encode(&attached),
                    status: if held { HELD.to_owned() } else { DELIVERED.to_owned() },
                    release_at: if held { row.hold_until.clone() } else { None },
                },
            )?;
            row.outcome = Some(DbText(response.outcome));
            row.preservation_expires_at = preserved_until.map(DbTime);
            if held {
                // Nothing of the data in the event: its text and attachments follow in
                // `response.released`.
                (
                    EventType::ResponseHeld,
                    json!({"outcome": response.outcome, "status": HoldStatus::HeldPendingEnforcingAuthority,
                        "release_at": row.hold_until.as_ref().map(|t| t.0), "citation": HOLD_CITATION}),
                )
            } else {
                (
                    EventType::Responded,
                    json!({"outcome": response.outcome, "refusal_reason": response.refusal_reason,
                        "refusal_ground": response.refusal_ground, "text": text,
                        "preserved_until": preserved_until, "attachments": attached}),
                )
            }
        }
        Act::Recognise(decision) => {
            let clocks_now = crate::deadlines::repo::for_request(conn, id)?;
            let open = |kind: ClockKind| -> Result<bool, ApiError> {
                Ok(clocks_now.iter().any(|c| {
                    c.kind == kind
                        && matches!(
                            c.state,
                            crate::deadlines::rules::ClockState::Running
                                | crate::deadlines::rules::ClockState::Paused
                                | crate::deadlines::rules::ClockState::Missed
                        )
                }))
            };
            let (kind, citation) = match decision.scope {
                RecognitionScope::Order => (ClockKind::Recognition, "Dir. 2014/41/EU Art 12(3)"),
                RecognitionScope::ProvisionalMeasures => (ClockKind::ProvisionalMeasures, "Dir. 2014/41/EU Art 32(2)"),
            };
            if !open(kind)? {
                return Err(ApiError::conflict_in_status(
                    &row.status,
                    format!("there is no pending decision of this kind on this request ({citation})"),
                ));
            }
            (EventType::Recognised, json!({"scope": decision.scope, "citation": citation}))
        }
        Act::ConfirmNoGrounds => {
            // Reg. 2023/1543 Art 10(2): the authority confirms early that it raises no ground;
            // held data go to the issuer now.
            if hold_of(&row) == Some(HoldStatus::HeldPendingEnforcingAuthority) {
                row.hold_status = Some(DbText(HoldStatus::Released));
                extra_events.extend(released_events(conn, id)?);
            }
            (EventType::NoGrounds, json!({"citation": "Reg. (EU) 2023/1543 Art 10(2), Art 12(1)"}))
        }
        Act::Derogate(derogation) => {
            // Dir. (EU) 2023/977 Art 5(2): only where the basis allows it, to obtain a judicial
            // authorisation; the requesting party is told why.
            let reason = required_text(&derogation.reason, "/reason")?;
            let kinds: Vec<ClockKind> =
                basis.clocks.iter().filter(|c| c.derogable_for_judicial_authorisation).map(|c| c.kind).collect();
            if kinds.is_empty() {
                return Err(ApiError::conflict_in_status(
                    &row.status,
                    format!("{} has no time limit to derogate from (Dir. (EU) 2023/977 Art 5(2))", basis.code),
                ));
            }
            let paused = crate::deadlines::service::pause_for_derogation(conn, id, &kinds, now)?;
            if paused == 0 {
                return Err(ApiError::conflict_in_status(&row.status, "no running time limit to derogate from"));
            }
            (
                EventType::Derogation,
                json!({"reason": reason, "citation": "Dir. (EU) 2023/977 Art 5(2): derogation to obtain a judicial authorisation"}),
            )
        }
        Act::Object(objection) if row.status == RequestStatus::Completed => {
            // After the answer (Reg. 2023/1543 Art 8(4), Art 10(2) and (4)): held data are
            // withheld for good; data already sent in an emergency may not be used.
            let text = required_text(&objection.text, "/text")?;
            let effect = if hold_of(&row) == Some(HoldStatus::HeldPendingEnforcingAuthority) {
                row.hold_status = Some(DbText(HoldStatus::Withheld));
                repo::set_response_status(conn, id, HELD, WITHHELD)?;
                row.outcome = Some(DbText(Outcome::Refused));
                "withheld"
            } else {
                "use_objected"
            };
            let citation = if effect == "withheld" {
                "Reg. (EU) 2023/1543 Art 8(4), Art 10(2), Art 12"
            } else {
                "Reg. (EU) 2023/1543 Art 10(4): objection to the use of data already transmitted"
            };
            (
                EventType::Objected,
                json!({"reason": objection.reason, "text": text, "after_answer": true, "effect": effect, "citation": citation}),
            )
        }
        Act::Object(objection) => {
            let text = required_text(&objection.text, "/text")?;
            if hold_of(&row) == Some(HoldStatus::HeldPendingEnforcingAuthority) {
                row.hold_status = Some(DbText(HoldStatus::Withheld));
            }
            repo::insert_response(
                conn,
                ResponseRow {
                    id: Uuid::now_v7(),
                    request_id: id,
                    party_id: caller.party,
                    outcome: Outcome::Refused,
                    refusal_reason: Some(DbText(objection.reason)),
                    text: text.clone(),
                    preserved_until: None,
                    created_at: now,
                    attachments: json!([]),
                    status: DELIVERED.to_owned(),
                    release_at: None,
                },
            )?;
            row.outcome = Some(DbText(Outcome::Refused));
            (EventType::Objected, json!({"reason": objection.reason, "text": text}))
        }
        Act::Withdraw(reason) => {
            let reason = required_text(&reason, "/reason")?;
            (EventType::Withdrawn, json!({"reason": reason}))
        }
        Act::Extend(reason) => {
            let rule = basis.extensions.iter().find(|e| e.clock == ClockKind::Preservation).ok_or_else(|| {
                ApiError::conflict_in_status(
                    &row.status,
                    format!("{} allows no extension of the preservation", basis.code),
                )
            })?;
            if u32::try_from(row.extensions_used).unwrap_or(u32::MAX) >= rule.max_extensions {
                return Err(ApiError::conflict_in_status(
                    &row.status,
                    format!("{} allows {} extension(s), all used ({})", basis.code, rule.max_extensions, rule.citation),
                ));
            }
            if rule.requires_reasons && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "/reason",
                    "required",
                    format!("an extension under {} states its reasons ({})", basis.code, rule.citation),
                )]));
            }
            let from = row.preservation_expires_at.as_ref().map(|t| t.0).unwrap_or(now);
            let until = from + rule.duration.as_delta();
            row.preservation_expires_at = Some(DbTime(until));
            row.extensions_used += 1;
            (EventType::PreservationExtended, json!({"until": until, "reason": reason, "citation": rule.citation}))
        }
        Act::Release => (EventType::PreservationReleased, json!({})),
        Act::ConfirmFollowUp(confirmation) => {
            // Reg. 2023/1543 Art 11(1)-(2) (Annex V), ETS 185 Art 29(7): a follow-up request sent
            // outside Rogatory keeps the data preserved as long as the basis says.
            let reference = required_text(&confirmation.reference, "/reference")?;
            let Some(rule) =
                basis.clocks.iter().find(|c| c.kind == ClockKind::Preservation && c.kept_while_follow_up_open)
            else {
                return Err(ApiError::conflict_in_status(
                    &row.status,
                    format!("under {} a follow-up request does not keep the data preserved", basis.code),
                ));
            };
            if row.follow_up_confirmed_at.is_some() {
                return Err(ApiError::conflict_in_status(&row.status, "a follow-up request is already confirmed"));
            }
            row.follow_up_confirmed_at = Some(DbTime(now));
            (EventType::FollowUpConfirmed, json!({"reference": reference, "citation": rule.citation}))
        }
    };
    let saved = save(conn, row, status, now)?;
    update_clocks(conn, &saved, &basis, &act_scope, action, now)?;
    // Deconfliction when the request leaves its issuer (issue 18): looked up before the event,
    // the request's own hashes stored with it, the hits recorded after it (events of their own,
    // on this request and on the other party's).
    let mut deconfliction = if leaves && matches!(action, Action::Submit | Action::Approve) {
        crate::requests::deconfliction::service::look_up(conn, keys, &saved, issuer_deconfliction, now)?
    } else {
        None
    };
    // A request that leaves is signed by the exchange, and so is an answer: with the event.
    let mut documents = vec![];
    if leaves {
        documents.push(DocumentKind::Request);
    }
    if crate::requests::evidence::documents::RESPONSE_EVENTS.contains(&event_type) {
        documents.push(DocumentKind::Response);
    }
    let along = Along {
        documents,
        exchange: &exchange_name,
        reach: Some(&reach),
        lookup: deconfliction.as_mut(),
        ..Along::default()
    };
    // The request as the last event signed it is the answer: no re-read.
    let (recorded, mut request) =
        event_along(conn, keys, saved.clone(), participants.clone(), Some(caller), event_type, data, now, along)?;
    let mut current = saved;
    current.followed_by(recorded.seq, &recorded.hash);
    for (extra_type, extra_data) in extra_events {
        let (extra, view) = event_along(
            conn,
            keys,
            current.clone(),
            participants.clone(),
            None,
            extra_type,
            extra_data,
            now,
            Along::default(),
        )?;
        current.followed_by(extra.seq, &extra.hash);
        request = view;
    }
    if let Some(lookup) = deconfliction {
        crate::requests::deconfliction::service::record_hits(conn, keys, &current, lookup, now)?;
    }
    Ok(request)
}

/// What the request's clocks depend on, read from its row.
pub(super) fn clock_subject(row: &RequestRow) -> Result<crate::deadlines::service::ClockSubject, ApiError> {
    let content: RequestContent = decode("requests.content", row.content.clone())?;
    Ok(crate::deadlines::service::ClockSubject {
        request: row.id,
        issuer: row.issuer_party,
        addressee: row.addressee_party,
        enforcing: row.enforcing_party.as_ref().map(|p| p.0),
        priority: row.priority,
        flags: crate::deadlines::service::FLAGS.into_iter().filter(|f| content.flag(f)).collect(),
        data_categories: content.data_categories,
    })
}

/// What an action did to the request, as its clocks see it; `deadlines::rules::clock_changes`
/// decides what that does to them (DESIGN.md section 5).
pub(super) fn clock_step(
    action: Action,
    status: RequestStatus,
    scope: &Option<RecognitionScope>,
) -> Option<crate::deadlines::rules::RequestStep> {
    use crate::deadlines::rules::RequestStep;
    Some(match action {
        // Submitted for approval, the request has not reached its addressee yet.
        Action::Submit | Action::Approve if status == RequestStatus::Submitted => RequestStep::Received,
        Action::Acknowledge => RequestStep::Acknowledged,
        Action::Recognise => {
            RequestStep::Recognised { provisional_measures: *scope == Some(RecognitionScope::ProvisionalMeasures) }
        }
        Action::Forward => RequestStep::Forwarded,
        Action::Respond(Outcome::Preserved) => RequestStep::Preserved,
        Action::Respond(_) => RequestStep::Answered,
        Action::Object => RequestStep::Objected,
        Action::ConfirmNoGrounds => RequestStep::NoGroundsConfirmed,
        Action::Withdraw => RequestStep::Withdrawn,
        Action::Extend => RequestStep::Extended,
        Action::Release => RequestStep::Released,
        _ => return None,
    })
}

/// Starts, closes or moves the request's clocks after an action.
pub(super) fn update_clocks(
    conn: &mut AnyConnection,
    row: &RequestRow,
    basis: &LegalBasis,
    scope: &Option<RecognitionScope>,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(step) = clock_step(action, row.status, scope) else { return Ok(()) };
    let changes = crate::deadlines::rules::clock_changes(step);
    let expiry = row.preservation_expires_at.as_ref().map(|t| t.0);
    crate::deadlines::service::apply(conn, &clock_subject(row)?, basis, &changes, expiry, now)
}

/// How long the data of an EU production order are held from the issuer: the enforcing
/// authority's time, where it was notified and the order is not an emergency (Reg. 2023/1543
/// Art 8(4): "except in emergencies").
pub(super) fn hold_window(basis: &LegalBasis, row: &RequestRow, priority: Priority) -> Option<chrono::TimeDelta> {
    use crate::vocab::{ClockTrigger, Obligor};
    if row.enforcing_party.is_none() || priority == Priority::Emergency {
        return None;
    }
    basis
        .clocks
        .iter()
        .find(|c| c.obligation_of == Obligor::EnforcingAuthority && c.starts_on == ClockTrigger::Received)
        .map(|c| c.duration.as_delta())
}

/// The earliest end of a preservation the law sets: the running preservation clock, or the
/// basis's binding period from now (ETS 185 Art 29(7) starts on preservation). `None` where no
/// law sets one (a default target, e.g. 18 U.S.C. 2703(f) for a foreign issuer).
pub(super) fn legal_preservation_end(
    conn: &mut AnyConnection,
    basis: &LegalBasis,
    request: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(DateTime<Utc>, String)>, ApiError> {
    let Some(rule) = basis.clocks.iter().find(|c| c.kind == ClockKind::Preservation && c.binding) else {
        return Ok(None);
    };
    let end = match crate::deadlines::service::preservation(conn, request)? {
        Some(clock) if clock.binding => clock.due_at,
        _ => now + rule.duration.as_delta(),
    };
    Ok(Some((end, rule.citation.clone())))
}

/// The events that hand held data to the issuer: one `response.released` per held answer.
pub(super) fn released_events(conn: &mut AnyConnection, request: Uuid) -> Result<Vec<(EventType, Value)>, ApiError> {
    let mut out = vec![];
    for response in repo::responses(conn, request)? {
        if response.status == HELD {
            out.push((
                EventType::ResponseReleased,
                json!({"outcome": response.outcome, "text": response.text, "attachments": response.attachments,
                    "citation": HOLD_CITATION}),
            ));
        }
    }
    repo::set_response_status(conn, request, HELD, DELIVERED)?;
    Ok(out)
}

/// The enforcing authority's time ended without a ground (the deadline scanner): held data go
/// to the issuer (Reg. 2023/1543 Art 10(2)).
pub fn release_hold(conn: &mut AnyConnection, keys: &KeyRing, id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    let mut row = repo::find_for_update(conn, id)?.ok_or_else(|| not_found(id))?;
    if hold_of(&row) != Some(HoldStatus::HeldPendingEnforcingAuthority) {
        return Ok(());
    }
    let events = released_events(conn, id)?;
    row.hold_status = Some(DbText(HoldStatus::Released));
    let status = row.status;
    save(conn, row, status, now)?;
    for (event_type, data) in events {
        event(conn, keys, id, None, event_type, data, now)?;
    }
    Ok(())
}

pub(super) fn required_text(text: &str, pointer: &str) -> Result<String, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 20_000 {
        return Err(ApiError::validation(vec![FieldError::new(pointer, "required", "1 to 20000 characters")]));
    }
    Ok(trimmed.to_owned())
}

pub fn ask_clarification(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    id: Uuid,
    question: &str,
    now: DateTime<Utc>,
) -> Result<Clarification, ApiError> {
    let (row, side) = load_for_update(conn, caller, id)?;
    let facts = facts(conn, &row, Action::AskClarification)?;
    let status = authorize(caller, side, Action::AskClarification, &row, facts)?;
    let question = required_text(question, "/question")?;
    let clarification = ClarificationRow {
        id: Uuid::now_v7(),
        request_id: id,
        asked_by: caller.party,
        question: question.clone(),
        asked_at: now,
        answer: None,
        answered_at: None,
    };
    repo::insert_clarification(conn, clarification.clone())?;
    save(conn, row, status, now)?;
    crate::deadlines::service::pause_for_clarification(conn, id, now)?;
    event(
        conn,
        keys,
        id,
        Some(caller),
        EventType::ClarificationRequested,
        json!({"clarification": clarification.id, "question": question}),
        now,
    )?;
    Ok(clarification_dto(clarification))
}

pub fn answer_clarification(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    id: Uuid,
    clarification: Uuid,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<Clarification, ApiError> {
    let (row, side) = load_for_update(conn, caller, id)?;
    let facts = facts(conn, &row, Action::AnswerClarification)?;
    let found = repo::find_clarification(conn, id, clarification)?
        .ok_or_else(|| ApiError::not_found(format!("no clarification {clarification} on request {id}")))?;
    let status = authorize(caller, side, Action::AnswerClarification, &row, facts)?;
    if found.answer.is_some() {
        return Err(ApiError::conflict_in_status(&row.status, "this clarification is already answered"));
    }
    let answer = required_text(answer, "/answer")?;
    repo::answer_clarification(conn, clarification, &answer, now)?;
    save(conn, row, status, now)?;
    crate::deadlines::service::resume_after_clarification(conn, id, now)?;
    event(
        conn,
        keys,
        id,
        Some(caller),
        EventType::ClarificationAnswered,
        json!({"clarification": clarification, "answer": answer}),
        now,
    )?;
    let updated = repo::find_clarification(conn, id, clarification)?.ok_or_else(|| not_found(id))?;
    Ok(clarification_dto(updated))
}

pub fn post_message(
    conn: &mut AnyConnection,
    caller: &Caller,
    keys: &KeyRing,
    id: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Message, ApiError> {
    let (row, side) = load_for_update(conn, caller, id)?;
    let facts = facts(conn, &row, Action::PostMessage)?;
    authorize(caller, side, Action::PostMessage, &row, facts)?;
    let body = required_text(body, "/body")?;
    let message = MessageRow {
        id: Uuid::now_v7(),
        request_id: id,
        author_party: caller.party,
        author_client: caller.client,
        body,
        created_at: now,
    };
    repo::insert_message(conn, message.clone())?;
    event(conn, keys, id, Some(caller), EventType::MessagePosted, json!({"message": message.id}), now)?;
    Ok(message.into())
}
