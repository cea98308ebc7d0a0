//! Notifications: every request event is fanned out, in the transaction that records it, to the in-app
//! feed of the parties it concerns, to their webhook subscriptions and, for the events that
//! need a person's attention, to their notification addresses. Deliveries are jobs of the
//! outbox (`jobs`), so they happen exactly when the change commits.

pub mod egress;
pub mod feed;
pub mod repo;
pub mod templates;
pub mod webhooks;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::db::prepared::prepared;
use crate::db::schema::{notifications, parties, webhooks as webhooks_table};
use crate::db::together::Part;
use crate::db::types::{DbJson, DbTime, DbUuid};
use crate::error::ApiError;
use crate::vocab::{Audience, EventType};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed::list_notifications)
        .service(feed::read_notification)
        .service(webhooks::handlers::create_webhook)
        .service(webhooks::handlers::list_webhooks)
        .service(webhooks::handlers::delete_webhook)
        .service(webhooks::handlers::list_webhook_deliveries)
        .service(webhooks::handlers::test_webhook);
}

fn party_in(data: &Value, key: &str) -> Option<Uuid> {
    data.get(key).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok())
}

/// Which parties an event concerns (before removing the one that caused it): its audience
/// (`EventType::audience`) resolved on this request.
pub fn recipients(
    event_type: EventType,
    issuer: Uuid,
    addressee: Uuid,
    enforcing: Option<Uuid>,
    data: &Value,
) -> Vec<Uuid> {
    let mut parties: Vec<Uuid> = event_type
        .audience()
        .iter()
        .filter_map(|audience| match audience {
            Audience::Issuer => Some(issuer),
            Audience::Addressee => Some(addressee),
            Audience::Enforcing => enforcing,
            Audience::ForwardedTo => party_in(data, "to"),
            Audience::ClockParty => party_in(data, "party"),
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    parties.retain(|p| seen.insert(*p));
    parties
}

/// A one-line summary for the feed; never evidence content.
pub fn summary(event_type: EventType, reference: &str) -> String {
    format!("{reference}: {}", event_type.summary())
}

/// The request an event belongs to, as the fan-out needs it (`requests` takes it from its row,
/// before the row becomes the signed view).
pub struct Subject {
    pub id: Uuid,
    pub reference: String,
    pub legal_basis: String,
    pub issuer_party: Uuid,
    pub addressee_party: Uuid,
    pub enforcing_party: Option<Uuid>,
    /// It has left its issuer (been submitted) at least once.
    pub submitted: bool,
    /// The addressee's data are held from the issuer (Reg. 2023/1543 Art 8(4)).
    pub hidden_from_issuer: bool,
}

/// The recorded event to fan out.
pub struct Occurrence<'a> {
    pub id: Uuid,
    pub seq: i32,
    pub occurred_at: DateTime<Utc>,
    pub actor_party: Option<Uuid>,
    pub event_type: EventType,
    pub data: &'a Value,
    /// What the notifications carry instead of `data`, when the recipients may read more than
    /// the request's other parties (who read `data` in the trail).
    pub notice: Option<&'a Value>,
}

/// What fanning an event out writes (its feed notifications, webhook and e-mail jobs), to be
/// sent with the event's own inserts (`db::together`); the recipients' addresses and
/// subscriptions are read here, in one statement.
pub fn fan_out(
    conn: &mut AnyConnection,
    request: &Subject,
    event: &Occurrence<'_>,
    known: Option<&[Reach]>,
    now: DateTime<Utc>,
) -> Result<Vec<Part<'static>>, ApiError> {
    let actor = event.actor_party;
    let mut targets = recipients(
        event.event_type,
        request.issuer_party,
        request.addressee_party,
        request.enforcing_party,
        event.data,
    );
    // A request belongs to its issuer until it is sent: nothing about a draft (its withdrawal
    // and reason, its attachments' names and digests) reaches another party.
    if !request.submitted {
        targets.retain(|p| *p == request.issuer_party);
    }
    // While the data are held (Reg. 2023/1543 Art 8(4)) the issuer hears nothing of the
    // addressee's attachments.
    if event.event_type == EventType::AttachmentAdded && request.hidden_from_issuer {
        targets.retain(|p| *p != request.issuer_party);
    }
    let data = event.notice.unwrap_or(event.data);
    let payload = json!({
        "request_id": request.id,
        "reference": request.reference,
        "legal_basis": request.legal_basis,
        "event_id": event.id,
        "seq": event.seq,
        "event_type": event.event_type,
        "occurred_at": event.occurred_at,
        "data": data,
    });
    let targets: Vec<Uuid> = targets.into_iter().filter(|p| Some(*p) != actor).collect();
    if targets.is_empty() {
        return Ok(vec![]);
    }
    let backend = conn.backend();
    // Every recipient's addresses and webhook subscriptions as the caller read them in this
    // transaction, else in one statement (issue 16).
    let read;
    let reach = match known {
        Some(known) if targets.iter().all(|t| known.iter().any(|r| r.party == *t)) => known,
        _ => {
            read = reach_of(conn, &targets)?;
            &read[..]
        }
    };
    let mut writes: Vec<Part<'static>> = vec![];
    for party in targets {
        writes.push(Box::new(diesel::insert_into(notifications::table).values((
            notifications::id.eq(DbUuid(Uuid::now_v7())),
            notifications::party_id.eq(DbUuid(party)),
            notifications::request_id.eq(Some(DbUuid(request.id))),
            notifications::event_type.eq(event.event_type.as_str()),
            notifications::summary.eq(summary(event.event_type, &request.reference)),
            notifications::data.eq(DbJson(payload.clone())),
            notifications::created_at.eq(DbTime(now)),
        ))));
        let Some(reach) = reach.iter().find(|r| r.party == party) else { continue };
        writes.extend(webhooks::enqueue_to(backend, &reach.webhooks, event.event_type, event.id, &payload, now));
        if event.event_type.emailed() {
            if reach.emails.is_empty() {
                continue;
            }
            let (to, languages) = (&reach.emails, &reach.languages);
            let job = json!({"to": to, "languages": languages, "party": party, "notification": payload});
            let key = format!("email:{}:{party}", event.id);
            writes.push(crate::jobs::queue::enqueue_with(backend, "email", &job, Some(&key), now));
        }
    }
    Ok(writes)
}

// The recipients' subscriptions join their parties (declared here, not in `db/schema.rs`, to
// keep this in its module, as `statistics::repo` does).
diesel::allow_tables_to_appear_in_same_query!(parties, webhooks_table);

/// How a party is reached: its notification addresses, languages and live webhook subscriptions
/// (id, event types).
#[derive(Debug, Clone)]
pub struct Reach {
    pub party: Uuid,
    pub emails: Vec<String>,
    pub languages: Vec<String>,
    pub webhooks: Vec<(Uuid, Vec<String>)>,
}

impl Reach {
    /// A party's addresses and languages as its row stores them, before its subscriptions.
    pub fn of(party: Uuid, emails: &Value, languages: &Value) -> Reach {
        Reach {
            party,
            emails: serde_json::from_value(emails.clone()).unwrap_or_default(),
            languages: serde_json::from_value(languages.clone()).unwrap_or_default(),
            webhooks: vec![],
        }
    }
}

/// A party (id, addresses, languages) with one of its live subscriptions (id, event types).
type ReachRow = (DbUuid, DbJson, DbJson, Option<DbUuid>, Option<DbJson>);

/// How each of `targets` is reached, in one statement: the parties joined to their live
/// subscriptions (one row per subscription, one for a party without any).
fn reach_of(conn: &mut AnyConnection, targets: &[Uuid]) -> Result<Vec<Reach>, ApiError> {
    let ids: Vec<DbUuid> = targets.iter().copied().map(DbUuid).collect();
    // On SQLite one text per number of recipients (`IN (?, ?)`): a request has a handful.
    let rows: Vec<ReachRow> = prepared(
        parties::table
            .left_join(
                webhooks_table::table
                    .on(webhooks_table::party_id.eq(parties::id).and(webhooks_table::deleted_at.is_null())),
            )
            .filter(parties::id.eq_any(ids))
            .select((
                parties::id,
                parties::notification_emails,
                parties::languages,
                webhooks_table::id.nullable(),
                webhooks_table::event_types.nullable(),
            ))
            .order((parties::id.asc(), webhooks_table::id.asc())),
    )
    .load(conn)?;
    let mut out: Vec<Reach> = vec![];
    for (party, emails, languages, webhook, types) in rows {
        if out.last().is_none_or(|r| r.party != party.0) {
            out.push(Reach::of(party.0, &emails.0, &languages.0));
        }
        if let (Some(id), Some(types), Some(reach)) = (webhook, types, out.last_mut()) {
            reach.webhooks.push((id.0, serde_json::from_value(types.0).unwrap_or_default()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_reach_the_parties_they_concern() {
        let (issuer, addressee, enforcing, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            recipients(EventType::Submitted, issuer, addressee, Some(enforcing), &json!({})),
            [addressee, enforcing]
        );
        assert_eq!(recipients(EventType::Responded, issuer, addressee, None, &json!({})), [issuer]);
        assert_eq!(recipients(EventType::Forwarded, issuer, addressee, None, &json!({"to": other})), [issuer, other]);
        assert_eq!(
            recipients(EventType::ClockMissed, issuer, addressee, None, &json!({"party": addressee})),
            [addressee, issuer]
        );
        assert_eq!(
            recipients(EventType::ClockApproaching, issuer, addressee, None, &json!({"party": enforcing})),
            [enforcing]
        );
        assert!(recipients(EventType::RequestCreated, issuer, addressee, None, &json!({})).is_empty());
        assert_eq!(summary(EventType::ClockMissed, "FR-2026-000001"), "FR-2026-000001: deadline missed");
    }
}
