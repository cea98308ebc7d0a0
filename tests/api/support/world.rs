//! The parties of the scenario tests and small request helpers.

use actix_web::http::Method;
use serde_json::{Value, json};

use super::{TestApp, TestResponse, platform};

/// One party of the scenarios: its id and a token of a client with every working role.
pub struct Actor {
    pub id: String,
    pub token: String,
    pub credentials: super::Credentials,
}

pub struct World {
    pub fr_24_7: Actor,
    pub de_24_7: Actor,
    pub de_central: Actor,
    pub fr_prosecutor: Actor,
    pub ie_enforcing: Actor,
    pub platform: Actor,
    pub stranger: Actor,
}

pub async fn actor(app: &TestApp, admin: &str, party: Value) -> Actor {
    let (party, credentials, token) =
        app.party_with_token(admin, party, &["operator", "responder", "party_admin"]).await;
    Actor { id: party["id"].as_str().unwrap().to_owned(), token, credentials }
}

pub fn state(name: &str, country: &str, designations: Value, accepts: Value) -> Value {
    json!({"kind": "state_authority", "name": name, "country": country, "designations": designations,
        "accepted_legal_bases": accepts, "notification_emails": [format!("desk@{}.example.org", country.to_lowercase())]})
}

pub async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    World {
        fr_24_7: actor(
            app,
            &admin,
            state(
                "OCLCTIC 24/7 point of contact",
                "FR",
                json!(["contact_point_24_7", "police"]),
                json!(["coe_budapest_29", "mlat"]),
            ),
        )
        .await,
        de_24_7: actor(
            app,
            &admin,
            state(
                "BKA 24/7 point of contact",
                "DE",
                json!(["contact_point_24_7", "police"]),
                json!(["coe_budapest_29"]),
            ),
        )
        .await,
        de_central: actor(
            app,
            &admin,
            state("Bundesamt fuer Justiz", "DE", json!(["central_authority"]), json!(["mlat", "coe_budapest_29"])),
        )
        .await,
        fr_prosecutor: actor(
            app,
            &admin,
            state("Parquet de Paris J3 cyber", "FR", json!(["judicial"]), json!(["eu_epoc"])),
        )
        .await,
        ie_enforcing: actor(
            app,
            &admin,
            state("Irish enforcing authority", "IE", json!(["enforcing_authority", "judicial"]), json!([])),
        )
        .await,
        platform: actor(app, &admin, platform()).await,
        stranger: actor(
            app,
            &admin,
            state("Policia Nacional 24/7", "ES", json!(["contact_point_24_7"]), json!(["coe_budapest_29"])),
        )
        .await,
    }
}

impl World {
    /// New tokens for everyone, after the test moved the clock past their lifetime.
    pub async fn refresh(&mut self, app: &TestApp) {
        for actor in [
            &mut self.fr_24_7,
            &mut self.de_24_7,
            &mut self.de_central,
            &mut self.fr_prosecutor,
            &mut self.ie_enforcing,
            &mut self.platform,
            &mut self.stranger,
        ] {
            actor.token = app.token(&actor.credentials).await;
        }
    }
}

pub fn preservation_request() -> Value {
    json!({
        "legal_basis": "coe_budapest_29",
        "priority": "urgent",
        "addressee": {"country": "DE"},
        "content": {
            "issuing_authority": "OCLCTIC 24/7 point of contact, Nanterre",
            "offences": ["Trafficking in human beings (Code penal art. 225-4-1)"],
            "facts_summary": "Victims recruited through fake modelling offers sent from this mailbox, then exploited in Paris.",
            "targets": [
                {"type": "email", "value": "Recruiter.Jobs2026@Example-Mail.de"},
                {"type": "ip", "value": "203.0.113.7", "timestamp": "2026-11-20T21:14:05Z", "port": 51234}
            ],
            "data_categories": ["subscriber", "traffic"],
            "period": {"from": "2026-09-01T00:00:00Z", "to": "2026-11-29T00:00:00Z"},
            "custodian": "Example Mail GmbH, Berlin",
            "preservation_necessity": "The provider keeps connection logs for 90 days.",
            "mla_intent": true,
            "confidentiality": {"non_disclosure": true, "reason": "The suspects must not be alerted."}
        }
    })
}

pub fn production_order() -> Value {
    json!({
        "legal_basis": "eu_epoc",
        "addressee": {"party_id": null},
        "content": {
            "issuing_authority": "Parquet de Paris, J3 cybercriminalite",
            "issuing_file_number": "PARQUET-2026-118842",
            "validating_authority": "Juge des libertes et de la detention, Paris",
            "offences": ["Trafficking in human beings"],
            "max_custodial_sentence_months": 84,
            "targets": [{"type": "username", "value": "model.scout.paris", "service": "Example Social"}],
            "data_categories": ["subscriber", "traffic"],
            "recipient_authority": "Parquet de Paris, J3 cybercriminalite"
        }
    })
}

pub async fn post(app: &TestApp, who: &Actor, path: &str, body: Value) -> TestResponse {
    app.call(Method::POST, path, Some(&who.token), Some(body)).await
}

pub async fn get(app: &TestApp, who: &Actor, path: &str) -> TestResponse {
    app.call(Method::GET, path, Some(&who.token), None).await
}

#[track_caller]
pub fn ok(r: &TestResponse, status: u16) -> Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    r.json()
}

pub fn events(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}
