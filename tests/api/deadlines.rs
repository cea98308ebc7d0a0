//! Legal clocks across the catalogue, with time moved by the test (never slept): reminders
//! sent once, states reached, pauses honoured, preservations lapsing or kept alive.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::clocked::*;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend};

async fn clocks(app: &TestApp, who: &Actor, id: &str) -> Vec<Value> {
    ok(&get(app, who, &format!("/v1/requests/{id}/clocks")).await, 200)["items"].as_array().unwrap().clone()
}

fn clock<'a>(clocks: &'a [Value], kind: &str) -> &'a Value {
    clocks.iter().find(|c| c["kind"] == kind).unwrap_or_else(|| panic!("no {kind} clock in {clocks:?}"))
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

/// Events of a type, with their reminder label.
async fn reminders(app: &TestApp, who: &Actor, id: &str, event_type: &str) -> Vec<String> {
    let list = ok(&get(app, who, &format!("/v1/requests/{id}/events")).await, 200);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == event_type)
        .map(|e| {
            format!("{}:{}", e["data"]["kind"].as_str().unwrap_or("?"), e["data"]["reminder"].as_str().unwrap_or("-"))
        })
        .collect()
}

async fn submit(app: &TestApp, who: &Actor, body: Value) -> String {
    let id = ok(&post(app, who, "/v1/requests", body).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(app, who, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    id
}

async fn epoc_clocks(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = submit(&app, &w.fr_prosecutor, order).await;

    // Reg. 2023/1543 Art 10(2): 10 days to respond; the notified enforcing authority has 10 days to object.
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(c.len(), 2);
    assert_eq!(
        (clock(&c, "respond")["party_id"].as_str(), clock(&c, "respond")["state"].as_str()),
        (Some(w.platform.id.as_str()), Some("running"))
    );
    assert_eq!(time(&clock(&c, "respond")["due_at"]), t0 + TimeDelta::days(10));
    assert_eq!(clock(&c, "object")["party_id"], w.ie_enforcing.id.as_str());
    assert_eq!(scan(&app).await.reminders, 0);

    // Half way: one reminder per clock, however often the scanner runs.
    advance(&app, &mut w, TimeDelta::days(5) + TimeDelta::hours(1)).await;
    assert_eq!(scan(&app).await.reminders, 2);
    assert_eq!(scan(&app).await.reminders, 0);
    assert_eq!(reminders(&app, &w.fr_prosecutor, &id, "clock.approaching").await, ["respond:half", "object:half"]);
    let feed = ok(&get(&app, &w.platform, "/v1/notifications").await, 200);
    assert!(feed["items"].as_array().unwrap().iter().any(|n| n["event_type"] == "clock.approaching"), "{feed}");

    // A clarification pauses the respond clock (not the enforcing authority's) and the answer
    // resumes it with the time that was left.
    let cid = ok(
        &post(&app, &w.platform, &format!("/v1/requests/{id}/clarifications"), json!({"question": "Which account?"}))
            .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(clock(&c, "respond")["state"], "paused");
    assert_eq!(clock(&c, "respond")["remaining_secs"], (TimeDelta::days(5) - TimeDelta::hours(1)).num_seconds());
    assert_eq!(clock(&c, "object")["state"], "running");
    advance(&app, &mut w, TimeDelta::days(3)).await;
    ok(
        &post(
            &app,
            &w.fr_prosecutor,
            &format!("/v1/requests/{id}/clarifications/{cid}/answer"),
            json!({"answer": "The handle."}),
        )
        .await,
        200,
    );
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(clock(&c, "respond")["state"], "running");
    assert_eq!(time(&clock(&c, "respond")["due_at"]), t0 + TimeDelta::days(13), "three paused days added");

    // Day 10: the enforcing authority's clock runs out: missed, escalated to it and the issuer.
    advance(&app, &mut w, TimeDelta::days(2) + TimeDelta::minutes(1)).await;
    let report = scan(&app).await;
    assert_eq!((report.missed, report.reminders), (1, 0), "object missed; respond is due on day 13");
    assert_eq!(clock(&clocks(&app, &w.platform, &id).await, "object")["state"], "missed");
    let overdue = ok(&get(&app, &w.fr_prosecutor, "/v1/requests?overdue=true").await, 200);
    assert_eq!(overdue["items"][0]["id"], id.as_str());
    let issuer_feed = ok(&get(&app, &w.fr_prosecutor, "/v1/notifications").await, 200);
    assert!(issuer_feed["items"].as_array().unwrap().iter().any(|n| n["event_type"] == "clock.missed"));

    // The platform answers on day 12: its clock is met; the missed one stays missed.
    advance(&app, &mut w, TimeDelta::days(2)).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "no_data", "text": "No such account."}),
        )
        .await,
        200,
    );
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(
        (clock(&c, "respond")["state"].as_str(), clock(&c, "object")["state"].as_str()),
        (Some("met"), Some("missed"))
    );
    advance(&app, &mut w, TimeDelta::days(5)).await;
    assert_eq!(scan(&app).await.examined, 0, "closed clocks are not scanned");
}

on_both_backends!(epoc_clocks);

async fn emergency_clocks(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    order["priority"] = json!("emergency");
    order["content"]["emergency_justification"] = json!("A trafficked minor is held at an unknown address.");
    let id = submit(&app, &w.fr_prosecutor, order).await;
    // Reg. 2023/1543 Art 10(4): 8 hours; the enforcing authority 96 hours.
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(time(&clock(&c, "respond")["due_at"]), t0 + TimeDelta::hours(8));
    assert_eq!(time(&clock(&c, "object")["due_at"]), t0 + TimeDelta::hours(96));
    assert_eq!(clock(&c, "respond")["emergency"], true);
    advance(&app, &mut w, TimeDelta::hours(7) + TimeDelta::minutes(5)).await;
    scan(&app).await;
    assert_eq!(
        reminders(&app, &w.platform, &id, "clock.approaching").await,
        ["respond:1h"],
        "half way skipped: only the latest is sent"
    );
    advance(&app, &mut w, TimeDelta::hours(1)).await;
    assert_eq!(scan(&app).await.missed, 1);
    // Emergencies escalate hourly while missed.
    advance(&app, &mut w, TimeDelta::hours(2)).await;
    scan(&app).await;
    assert_eq!(reminders(&app, &w.platform, &id, "clock.missed").await, ["respond:due", "respond:missed+2"]);
}

on_both_backends!(emergency_clocks);

async fn preservation_clocks(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let mut order = production_order();
    order["legal_basis"] = json!("eu_epoc_pr");
    order["addressee"] = json!({"party_id": w.platform.id});
    order["content"].as_object_mut().unwrap().remove("validating_authority");
    order["content"].as_object_mut().unwrap().remove("recipient_authority");
    let id = submit(&app, &w.fr_prosecutor, order).await;
    // Reg. 2023/1543 Art 11(1): preservation ends 60 days after receipt.
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(time(&clock(&c, "preservation")["due_at"]), t0 + TimeDelta::days(60));
    let preserved = ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Preserved."}),
        )
        .await,
        200,
    );
    assert_eq!(
        time(&preserved["preservation_expires_at"]),
        t0 + TimeDelta::days(60),
        "the request shows the legal expiry"
    );

    for (day, expected) in [(31, "preservation:half"), (47, "preservation:14d"), (54, "preservation:7d")] {
        let target = t0 + TimeDelta::days(day);
        let by = target - now(&app);
        advance(&app, &mut w, by).await;
        assert_eq!(scan(&app).await.reminders, 1, "day {day}");
        let sent = reminders(&app, &w.fr_prosecutor, &id, "preservation.expiring").await;
        assert_eq!(sent.last().map(String::as_str), Some(expected), "day {day}: {sent:?}");
    }
    // The issuer extends once by 30 days (Annex VI); the clock and the request move together.
    let extended = ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/extend"), json!({})).await, 200);
    assert_eq!(time(&extended["preservation_expires_at"]), t0 + TimeDelta::days(90));
    assert_eq!(time(&clock(&clocks(&app, &w.platform, &id).await, "preservation")["due_at"]), t0 + TimeDelta::days(90));
    let by = t0 + TimeDelta::days(90) + TimeDelta::minutes(1) - now(&app);
    advance(&app, &mut w, by).await;
    assert_eq!(scan(&app).await.lapsed, 1);
    let lapsed = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}")).await, 200);
    assert_eq!(lapsed["status"], "lapsed");
    assert_eq!(reminders(&app, &w.fr_prosecutor, &id, "preservation.lapsed").await.len(), 1);
    assert_eq!(scan(&app).await.lapsed, 0);
}

on_both_backends!(preservation_clocks);

async fn a_follow_up_keeps_a_preservation_alive(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let id = submit(&app, &w.fr_24_7, preservation_request()).await;
    assert!(clocks(&app, &w.de_24_7, &id).await.is_empty(), "ETS 185 Art 29: the clock starts when data are preserved");
    advance(&app, &mut w, TimeDelta::days(2)).await;
    let t1 = now(&app);
    ok(
        &post(
            &app,
            &w.de_24_7,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Preserved."}),
        )
        .await,
        200,
    );
    assert_eq!(time(&clock(&clocks(&app, &w.de_24_7, &id).await, "preservation")["due_at"]), t1 + TimeDelta::days(60));
    let mla = json!({"legal_basis": "mlat", "addressee": {"country": "DE"}, "follow_up_of": id, "content": {
        "issuing_authority": "OCLCTIC", "offences": ["THB"], "facts_summary": "Production of the preserved data.", "requested_measures": ["Production"]}});
    let follow_up = submit(&app, &w.fr_24_7, mla).await;
    advance(&app, &mut w, TimeDelta::days(61)).await;
    let report = scan(&app).await;
    assert_eq!(report.lapsed, 0, "kept while the follow-up is open");
    assert_eq!(ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await, 200)["status"], "preserved");
    ok(
        &post(
            &app,
            &w.de_central,
            &format!("/v1/requests/{follow_up}/responses"),
            json!({"outcome": "fulfilled", "text": "Produced."}),
        )
        .await,
        200,
    );
    advance(&app, &mut w, TimeDelta::days(1) + TimeDelta::minutes(1)).await;
    assert_eq!(scan(&app).await.lapsed, 1);
    assert_eq!(ok(&get(&app, &w.fr_24_7, &format!("/v1/requests/{id}")).await, 200)["status"], "lapsed");
}

on_both_backends!(a_follow_up_keeps_a_preservation_alive);

async fn eio_and_party_targets(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let admin = app.admin_token_again().await;
    let prosecutor = actor(&app, &admin, state("Parquet de Lyon", "FR", json!(["judicial"]), json!(["eu_eio"]))).await;
    let court = actor(&app, &admin, state("Amtsgericht Berlin", "DE", json!(["judicial"]), json!(["eu_eio"]))).await;
    let eio = json!({"legal_basis": "eu_eio", "addressee": {"party_id": court.id}, "content": {
        "issuing_authority": "Parquet de Lyon", "offences": ["THB"], "facts_summary": "x", "requested_measures": ["Hearing of a witness"]}});
    let id = submit(&app, &prosecutor, eio).await;
    // Dir. 2014/41 Art 16(1): a week to acknowledge; Art 12(3): 30 days to decide on
    // recognition; Art 12(4): 90 days to execute from the decision.
    let c = clocks(&app, &court, &id).await;
    assert_eq!((c.len(), time(&clock(&c, "recognition")["due_at"])), (2, t0 + TimeDelta::days(30)));
    advance(&app, &mut w, TimeDelta::days(20)).await;
    let court_token = app.token(&court.credentials).await;
    let court = Actor { token: court_token, ..court };
    ok(&post(&app, &court, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
    ok(&post(&app, &court, &format!("/v1/requests/{id}/recognise"), json!({})).await, 200);
    let c = clocks(&app, &court, &id).await;
    assert_eq!(clock(&c, "recognition")["state"], "met");
    assert_eq!(time(&clock(&c, "execution")["due_at"]), t0 + TimeDelta::days(110));

    // No time by law for MLA: Germany's central authority sets its own target of 60 days.
    let path = format!("/v1/parties/{}/clock-targets/mlat", w.de_central.id);
    let r = app
        .call(
            actix_web::http::Method::PUT,
            &path,
            Some(&w.de_central.token),
            Some(json!({"clock": "respond", "duration": "P60D"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .call(
            actix_web::http::Method::PUT,
            &format!("/v1/parties/{}/clock-targets/eu_epoc", w.de_central.id),
            Some(&w.de_central.token),
            Some(json!({"clock": "respond", "duration": "P60D"})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    app.call(
        actix_web::http::Method::PUT,
        &path,
        Some(&w.stranger.token),
        Some(json!({"clock": "respond", "duration": "P1D"})),
    )
    .await
    .assert_problem(404, "not_found");
    let mla = json!({"legal_basis": "mlat", "addressee": {"country": "DE"}, "content": {
        "issuing_authority": "OCLCTIC", "offences": ["THB"], "facts_summary": "x", "requested_measures": ["y"]}});
    let t1 = now(&app);
    let id = submit(&app, &w.fr_24_7, mla).await;
    let c = clocks(&app, &w.de_central, &id).await;
    assert_eq!(
        (time(&clock(&c, "respond")["due_at"]), clock(&c, "respond")["binding"].as_bool()),
        (t1 + TimeDelta::days(60), Some(false))
    );
    let due = ok(
        &get(
            &app,
            &w.fr_24_7,
            &format!(
                "/v1/requests?due_before={}",
                (t1 + TimeDelta::days(61)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
        .await,
        200,
    );
    assert_eq!(due["items"].as_array().unwrap().len(), 1);
    // Withdrawal cancels every clock.
    ok(&post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/withdraw"), json!({"reason": "Resolved."})).await, 200);
    assert_eq!(clock(&clocks(&app, &w.fr_24_7, &id).await, "respond")["state"], "cancelled");
}

on_both_backends!(eio_and_party_targets);
