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
use crate::db::schema::{notifications, parties};
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

/// The request an event belongs to, as the fan-out needs it (`requests` reads it from its row).
pub struct Subject<'a> {
    pub id: Uuid,
    pub reference: &'a str,
    pub legal_basis: &'a str,
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
}

/// Fans an event out to feed, webhooks and e-mail jobs, in the caller's transaction.
pub fn fan_out(
    conn: &mut AnyConnection,
    request: &Subject<'_>,
    event: &Occurrence<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
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
    let payload = json!({
        "request_id": request.id,
        "reference": request.reference,
        "legal_basis": request.legal_basis,
        "event_id": event.id,
        "seq": event.seq,
        "event_type": event.event_type,
        "occurred_at": event.occurred_at,
        "data": event.data,
    });
    for party in targets.into_iter().filter(|p| Some(*p) != actor) {
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(DbUuid(Uuid::now_v7())),
                notifications::party_id.eq(DbUuid(party)),
                notifications::request_id.eq(Some(DbUuid(request.id))),
                notifications::event_type.eq(event.event_type.as_str()),
                notifications::summary.eq(summary(event.event_type, request.reference)),
                notifications::data.eq(DbJson(payload.clone())),
                notifications::created_at.eq(DbTime(now)),
            ))
            .execute(conn)?;
        webhooks::enqueue_for_party(conn, party, event.event_type, event.id, &payload, now)?;
        if event.event_type.emailed() {
            let (emails, languages): (Value, Value) = parties::table
                .filter(parties::id.eq(DbUuid(party)))
                .select((parties::notification_emails, parties::languages))
                .first::<(DbJson, DbJson)>(conn)
                .map(|(e, l)| (e.0, l.0))?;
            let to: Vec<String> = serde_json::from_value(emails).unwrap_or_default();
            if to.is_empty() {
                continue;
            }
            let languages: Vec<String> = serde_json::from_value(languages).unwrap_or_default();
            let job = json!({"to": to, "languages": languages, "party": party, "notification": payload});
            crate::jobs::queue::enqueue(conn, "email", job, Some(&format!("email:{}:{party}", event.id)), now)?;
        }
    }
    Ok(())
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
