//! State changes of the directory, each one transaction together with its audit entry.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;
use uuid::Uuid;

use super::dto::{ApiClient, ClientCredentials, NewClient, NewParty, Party, PartyPatch};
use super::model::{ApiClientRow, PartyRow};
use super::repo::{self, PartyFilter};
use super::rules::{self, PartyContent, StatusChange};
use crate::audit::{self, Actor};
use crate::auth::roles::Role;
use crate::auth::{Caller, secrets};
use crate::db::AnyConnection;
use crate::db::codec::encode;
use crate::db::types::DbJson;
use crate::error::{ApiError, FieldError, ProblemType};
use crate::legal_bases;
use crate::page::Page;
use crate::vocab::{PartyKind, PartyStatus};

fn known_legal_bases(conn: &mut AnyConnection) -> Result<Vec<String>, ApiError> {
    Ok(legal_bases::repo::list(conn)?.into_iter().map(|b| b.code).collect())
}

fn duplicate_name(name: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "/name",
        "duplicate_name",
        format!("a party named {name:?} already exists"),
    )])
}

fn row_from(
    id: Uuid,
    c: &PartyContent,
    status: PartyStatus,
    version: i64,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> PartyRow {
    PartyRow {
        id,
        kind: c.kind,
        name: c.name.clone(),
        name_key: rules::name_key(&c.name),
        country: c.country.clone(),
        designations: encode(&c.designations),
        legal_entities: encode(&c.legal_entities),
        accepted_legal_bases: encode(&c.accepted_legal_bases),
        languages: encode(&c.languages),
        emergency_contact: c.emergency_contact.clone(),
        notification_emails: encode(&c.notification_emails),
        status,
        version,
        created_at: created,
        updated_at: now,
        requires_approval: c.requires_approval,
        deconfliction: c.deconfliction,
        deconfliction_contact: c.deconfliction_contact.clone(),
        request_policy: None,
    }
}

fn content_of(p: &Party) -> PartyContent {
    PartyContent {
        kind: p.kind,
        name: p.name.clone(),
        country: p.country.clone(),
        designations: p.designations.clone(),
        legal_entities: p.legal_entities.clone(),
        accepted_legal_bases: p.accepted_legal_bases.clone(),
        languages: p.languages.clone(),
        emergency_contact: p.emergency_contact.clone(),
        notification_emails: p.notification_emails.clone(),
        requires_approval: p.requires_approval,
        deconfliction: p.deconfliction,
        deconfliction_contact: p.deconfliction_contact.clone(),
    }
}

/// Changing the directory (registering, verifying, suspending, reinstating a party) is the
/// exchange administrators' job; checked before the body is judged, so others get 403, not
/// advice on the body.
pub fn authorise_directory_change(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::ExchangeAdmin])
}

/// A suspension says why (it is recorded in the audit log and shown to the party).
pub fn suspension_reason(body: super::dto::SuspendParty) -> Result<String, ApiError> {
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "/reason",
            "required",
            "say why the party is suspended",
        )]));
    }
    // The spec's bound on every text field (`maxLength` 20000, in characters).
    if body.reason.chars().count() > 20_000 {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "/reason",
            "too_long",
            "at most 20000 characters",
        )]));
    }
    Ok(reason)
}

/// Creates a party. Parties created through the API start `pending_verification`; the command
/// line may create them `active` directly.
pub fn create_party(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: NewParty,
    status: PartyStatus,
    now: DateTime<Utc>,
) -> Result<Party, ApiError> {
    if input.kind == PartyKind::Exchange {
        return Err(ApiError::validation(vec![FieldError::new(
            "/kind",
            "not_allowed",
            "the exchange's own party is created by `rogatory admin bootstrap`",
        )]));
    }
    conn.transaction(|conn| {
        let content = rules::validate(input.into(), &known_legal_bases(conn)?).map_err(ApiError::validation)?;
        if repo::name_taken(conn, &rules::name_key(&content.name), None)? {
            return Err(duplicate_name(&content.name));
        }
        let row = row_from(Uuid::now_v7(), &content, status, 1, now, now);
        if !repo::insert_party(conn, row.clone())? {
            return Err(duplicate_name(&content.name));
        }
        let party = row.into_party()?;
        audit::record(
            conn,
            actor,
            "party.created",
            ("party", &party.id.to_string()),
            json!({"name": party.name, "status": party.status}),
            now,
        )?;
        Ok(party)
    })
}

pub fn get_party(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Party>, ApiError> {
    repo::find_party(conn, id)?.map(PartyRow::into_party).transpose()
}

/// A party as the caller may see it: exchange administrators see every party, others only
/// active parties and their own (404 otherwise: do not reveal parties under verification).
pub fn visible_party(conn: &mut AnyConnection, caller: &Caller, id: Uuid) -> Result<Party, ApiError> {
    get_party(conn, id)?
        .filter(|p| caller.is_exchange_admin() || p.status == PartyStatus::Active || p.id == caller.party)
        .ok_or_else(|| ApiError::not_found(format!("no party {id}")))
}

pub fn list_parties(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: Option<PartyKind>,
    country: Option<String>,
    status: Option<PartyStatus>,
    page: Page,
) -> Result<(Vec<Party>, Option<String>), ApiError> {
    let statuses = match (caller.is_exchange_admin(), status) {
        (true, Some(s)) => vec![s],
        (true, None) => vec![PartyStatus::PendingVerification, PartyStatus::Active, PartyStatus::Suspended],
        (false, Some(PartyStatus::Active) | None) => vec![PartyStatus::Active],
        (false, Some(_)) => {
            return Err(ApiError::new(
                ProblemType::Forbidden,
                "only exchange administrators list parties that are not active",
            ));
        }
    };
    let country = country.map(|c| c.trim().to_ascii_uppercase());
    let rows = repo::list_parties(conn, &PartyFilter { kind, country, statuses }, page)?;
    let (rows, next) = page.finish(rows, |r| r.id);
    Ok((rows.into_iter().map(PartyRow::into_party).collect::<Result<_, _>>()?, next))
}

/// Applies a patch if the party is still at `expected_version` (412 otherwise).
pub fn update_party(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    expected: crate::http::preconditions::IfMatch,
    patch: PartyPatch,
    now: DateTime<Utc>,
) -> Result<Party, ApiError> {
    conn.transaction(|conn| {
        let current = visible_party(conn, caller, id)?;
        if !caller.is_exchange_admin() {
            if current.id != caller.party {
                return Err(ApiError::new(ProblemType::Forbidden, "a party administrator changes only its own party"));
            }
            caller.require(&[Role::PartyAdmin])?;
            rules::patch_allowed_for_party_admin(&patch).map_err(|m| ApiError::new(ProblemType::Forbidden, m))?;
        }
        expected.check(current.version)?;
        let changed: Vec<&str> = [
            ("name", patch.name.is_some()),
            ("country", patch.country.is_some()),
            ("designations", patch.designations.is_some()),
            ("legal_entities", patch.legal_entities.is_some()),
            ("accepted_legal_bases", patch.accepted_legal_bases.is_some()),
            ("languages", patch.languages.is_some()),
            ("emergency_contact", patch.emergency_contact.is_some()),
            ("notification_emails", patch.notification_emails.is_some()),
            ("requires_approval", patch.requires_approval.is_some()),
            ("deconfliction", patch.deconfliction.is_some()),
            ("deconfliction_contact", patch.deconfliction_contact.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, present)| present.then_some(f))
        .collect();
        let content = rules::validate(content_of(&current).apply(patch), &known_legal_bases(conn)?)
            .map_err(ApiError::validation)?;
        if repo::name_taken(conn, &rules::name_key(&content.name), Some(id))? {
            return Err(duplicate_name(&content.name));
        }
        let mut row = row_from(id, &content, current.status, current.version + 1, current.created_at, now);
        row.request_policy = current.request_policy.as_ref().map(|p| DbJson(encode(p)));
        if !repo::update_party(conn, &row, current.version)? {
            return Err(stale(current.version));
        }
        // Opting out of deconfliction withdraws the party's stored target hashes: they match
        // nothing any more (issue 18).
        if current.deconfliction && !content.deconfliction {
            repo::forget_deconfliction_targets(conn, id)?;
        }
        audit::record(
            conn,
            &caller.actor(),
            "party.updated",
            ("party", &id.to_string()),
            json!({"fields": changed}),
            now,
        )?;
        row.into_party()
    })
}

fn stale(current: i64) -> ApiError {
    ApiError::new(
        ProblemType::PreconditionFailed,
        format!("the party changed since it was read; it is now at version {current}: read it again"),
    )
}

/// Verifies, suspends or reinstates a party (exchange administrators; checked by the caller).
pub fn change_status(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    change: StatusChange,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Party, ApiError> {
    conn.transaction(|conn| {
        let current = get_party(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no party {id}")))?;
        let status = rules::change_status(current.kind, current.status, change)
            .map_err(|m| ApiError::new(ProblemType::Conflict, m))?;
        let mut row = row_from(id, &content_of(&current), status, current.version + 1, current.created_at, now);
        row.request_policy = current.request_policy.as_ref().map(|p| DbJson(encode(p)));
        if !repo::update_party(conn, &row, current.version)? {
            return Err(stale(current.version));
        }
        audit::record(
            conn,
            actor,
            change.action(),
            ("party", &id.to_string()),
            json!({"from": current.status, "to": status, "reason": reason}),
            now,
        )?;
        row.into_party()
    })
}

/// The party whose clients the caller manages: its own as party administrator, any as
/// exchange administrator. Another party's clients are not found (404), a wrong role is 403.
fn managed_party(conn: &mut AnyConnection, caller: &Caller, party: Uuid) -> Result<Party, ApiError> {
    if !caller.is_exchange_admin() {
        if party != caller.party {
            return Err(ApiError::not_found(format!("no party {party}")));
        }
        caller.require(&[Role::PartyAdmin])?;
    }
    get_party(conn, party)?.ok_or_else(|| ApiError::not_found(format!("no party {party}")))
}

/// Creates an API client for a party and returns its secret, once.
pub fn create_client(
    conn: &mut AnyConnection,
    actor: &Actor,
    party: &Party,
    input: NewClient,
    granted_by_exchange_admin: bool,
    external_issuers: &[String],
    now: DateTime<Utc>,
) -> Result<ClientCredentials, ApiError> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("/name", "invalid_length", "a client name has 1 to 200 characters"));
    }
    if let Err(mut e) = rules::validate_roles(&input.roles, party.kind, granted_by_exchange_admin) {
        errors.append(&mut e);
    }
    let external = match (input.external_issuer, input.external_subject) {
        (None, None) => None,
        (Some(issuer), Some(subject)) if !subject.trim().is_empty() => {
            if !external_issuers.contains(&issuer) {
                errors.push(FieldError::new(
                    "/external_issuer",
                    "unknown_issuer",
                    format!("{issuer:?} is not a configured external issuer"),
                ));
            }
            Some((issuer, subject.trim().to_owned()))
        }
        _ => {
            errors.push(FieldError::new(
                "/external_subject",
                "required",
                "external_issuer and external_subject go together",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // External-only clients have no secret: they authenticate with their identity provider.
    let secret = external.is_none().then(secrets::new_client_secret);
    let secret_hash = secret.as_deref().map(secrets::hash_secret);
    conn.transaction(|conn| {
        let row = ApiClientRow {
            id: Uuid::now_v7(),
            party_id: party.id,
            client_id: secrets::new_client_id(),
            name,
            secret_hash,
            external_issuer: external.as_ref().map(|(i, _)| i.clone()),
            external_subject: external.as_ref().map(|(_, s)| s.clone()),
            roles: encode(&input.roles),
            created_at: now,
            created_by: actor.client.map(crate::db::types::DbUuid),
            revoked_at: None,
            revoked_by: None,
        };
        if !repo::insert_client(conn, row.clone())? {
            return Err(ApiError::validation(vec![FieldError::new(
                "/external_subject",
                "duplicate",
                "another client already maps this external subject",
            )]));
        }
        let client = row.into_client()?;
        audit::record(
            conn,
            actor,
            "client.created",
            ("api_client", &client.id.to_string()),
            json!({"party": party.id, "client_id": client.client_id, "roles": client.roles}),
            now,
        )?;
        Ok(ClientCredentials { client_id: client.client_id.clone(), client, client_secret: secret })
    })
}

pub fn create_client_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    party: Uuid,
    input: NewClient,
    external_issuers: &[String],
    now: DateTime<Utc>,
) -> Result<ClientCredentials, ApiError> {
    let party = managed_party(conn, caller, party)?;
    create_client(conn, &caller.actor(), &party, input, caller.is_exchange_admin(), external_issuers, now)
}

pub fn list_clients(conn: &mut AnyConnection, caller: &Caller, party: Uuid) -> Result<Vec<ApiClient>, ApiError> {
    let party = managed_party(conn, caller, party)?;
    repo::list_clients(conn, party.id)?.into_iter().map(ApiClientRow::into_client).collect()
}

/// Revokes a client: its tokens stop working at once (every request re-checks the client).
pub fn revoke_client(conn: &mut AnyConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let client = repo::find_client(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no client {id}")))?;
        managed_party(conn, caller, client.party_id).map_err(|e| {
            if e.kind() == ProblemType::NotFound { ApiError::not_found(format!("no client {id}")) } else { e }
        })?;
        if !repo::revoke_client(conn, id, Some(caller.client), now)? {
            return Err(ApiError::new(ProblemType::Conflict, "the client is already revoked"));
        }
        audit::record(
            conn,
            &caller.actor(),
            "client.revoked",
            ("api_client", &id.to_string()),
            json!({"client_id": client.client_id}),
            now,
        )?;
        Ok(())
    })
}

/// Creates the exchange's own party and its first `exchange_admin` client, on an empty
/// directory only.
pub fn bootstrap(
    conn: &mut AnyConnection,
    name: &str,
    email: Option<String>,
    now: DateTime<Utc>,
) -> Result<ClientCredentials, ApiError> {
    let actor = Actor::cli("admin bootstrap");
    conn.transaction(|conn| {
        if repo::exchange_exists(conn)? {
            return Err(ApiError::new(
                ProblemType::Conflict,
                "this exchange is already bootstrapped; use an exchange_admin client",
            ));
        }
        let content = PartyContent {
            kind: PartyKind::Exchange,
            name: name.to_owned(),
            country: None,
            designations: vec![],
            legal_entities: vec![],
            accepted_legal_bases: vec![],
            languages: vec!["en".into()],
            emergency_contact: None,
            notification_emails: email.into_iter().collect(),
            requires_approval: false,
            deconfliction: true,
            deconfliction_contact: None,
        };
        let content = rules::validate(content, &[]).map_err(ApiError::validation)?;
        let row = row_from(Uuid::now_v7(), &content, PartyStatus::Active, 1, now, now);
        if !repo::insert_party(conn, row.clone())? {
            return Err(duplicate_name(&content.name));
        }
        let party = row.into_party()?;
        audit::record(
            conn,
            &actor,
            "exchange.bootstrapped",
            ("party", &party.id.to_string()),
            json!({"name": party.name}),
            now,
        )?;
        let input = NewClient {
            name: "exchange administrator".into(),
            roles: vec![Role::ExchangeAdmin],
            external_issuer: None,
            external_subject: None,
        };
        create_client(conn, &actor, &party, input, true, &[], now)
    })
}
