//! The law as written (issue 13; shared/research/legal-audit.md): each correction of the
//! catalogue and the clock engine as a scenario through the HTTP API, on both backends, with
//! time moved by the test.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::clocked::*;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestResponse};

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap().with_timezone(&Utc)
}

async fn clocks(app: &TestApp, who: &Actor, id: &str) -> Vec<Value> {
    ok(&get(app, who, &format!("/v1/requests/{id}/clocks")).await, 200)["items"].as_array().unwrap().clone()
}

fn clock<'a>(clocks: &'a [Value], kind: &str) -> &'a Value {
    clocks.iter().find(|c| c["kind"] == kind).unwrap_or_else(|| panic!("no {kind} clock in {clocks:?}"))
}

fn kinds(clocks: &[Value]) -> Vec<String> {
    clocks.iter().map(|c| c["kind"].as_str().unwrap().to_owned()).collect()
}

async fn event_list(app: &TestApp, who: &Actor, id: &str) -> Vec<Value> {
    ok(&get(app, who, &format!("/v1/requests/{id}/events")).await, 200)["items"].as_array().unwrap().clone()
}

async fn event_types(app: &TestApp, who: &Actor, id: &str) -> Vec<String> {
    event_list(app, who, id).await.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

async fn create(app: &TestApp, who: &Actor, body: Value) -> String {
    ok(&post(app, who, "/v1/requests", body).await, 201)["id"].as_str().unwrap().to_owned()
}

async fn submit(app: &TestApp, who: &Actor, body: Value) -> String {
    let id = create(app, who, body).await;
    ok(&post(app, who, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    id
}

async fn request(app: &TestApp, who: &Actor, id: &str) -> Value {
    ok(&get(app, who, &format!("/v1/requests/{id}")).await, 200)
}

async fn upload(app: &TestApp, who: &Actor, request: &str, body: &[u8]) -> TestResponse {
    app.send(
        TestRequest::post()
            .uri(&format!("/v1/requests/{request}/attachments?file_name=records.pdf"))
            .insert_header(("authorization", format!("Bearer {}", who.token)))
            .insert_header(("content-type", "application/pdf"))
            .set_payload(body.to_vec()),
    )
    .await
}

async fn put(app: &TestApp, who: &Actor, path: &str, body: Value) -> TestResponse {
    app.call(Method::PUT, path, Some(&who.token), Some(body)).await
}

fn order_to(w: &World, categories: Value) -> Value {
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    order["content"]["data_categories"] = categories;
    order
}

// 1. Reg. 2023/1543 Art 8(1)-(2): whom an EPOC notifies.

async fn epoc_notifies_the_enforcing_authority_only_where_article_8_requires(backend: TestBackend) {
    let Some((app, w)) = app(backend).await else { return };
    // Data requested solely to identify the user (Art 3(10)) and subscriber data: no notification.
    let id = submit(&app, &w.fr_prosecutor, order_to(&w, json!(["subscriber", "identification"]))).await;
    let r = request(&app, &w.fr_prosecutor, &id).await;
    assert_eq!(r["enforcing_authority"], Value::Null, "{r}");
    assert_eq!(r["data_hold"], Value::Null);
    assert_eq!(kinds(&clocks(&app, &w.fr_prosecutor, &id).await), ["respond"]);

    // Traffic data: notified, and the authority's 10 days run.
    let id = submit(&app, &w.fr_prosecutor, order_to(&w, json!(["identification", "traffic"]))).await;
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["enforcing_authority"]["id"], w.ie_enforcing.id.as_str());

    // Art 8(2): one condition is not enough; both exempt.
    let mut one = order_to(&w, json!(["content"]));
    one["content"]["offence_in_issuing_state"] = json!(true);
    one["content"]["notification_exempt_reason"] = json!("Committed in Paris.");
    let id = submit(&app, &w.fr_prosecutor, one.clone()).await;
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["enforcing_authority"]["id"], w.ie_enforcing.id.as_str());
    one["content"]["person_resides_in_issuing_state"] = json!(true);
    let id = submit(&app, &w.fr_prosecutor, one).await;
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["enforcing_authority"], Value::Null);
}
on_both_backends!(epoc_notifies_the_enforcing_authority_only_where_article_8_requires);

// 1. Reg. 2023/1543 Art 8(4), Art 10(2): the answer is held until the authority's time ends.

async fn an_epoc_answer_is_held_until_the_enforcing_authority_window_ends(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let id = submit(&app, &w.fr_prosecutor, order_to(&w, json!(["traffic"]))).await;
    let r = request(&app, &w.fr_prosecutor, &id).await;
    assert_eq!(r["data_hold"]["status"], "held_pending_enforcing_authority", "{r}");
    assert_eq!(time(&r["data_hold"]["release_at"]), t0 + TimeDelta::days(10));
    assert_eq!(r["legal_basis_version"], "2026-12-01T00:00:00Z", "the request pins its catalogue entry");

    advance(&app, &mut w, TimeDelta::days(2)).await;
    let records = b"%PDF subscriber and traffic records";
    let attachment = ok(&upload(&app, &w.platform, &id, records).await, 201)["id"].as_str().unwrap().to_owned();
    let answered = ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Records of the account attached.", "attachments": [attachment]}),
        )
        .await,
        200,
    );
    assert_eq!(answered["status"], "completed");
    assert_eq!(answered["data_hold"]["status"], "held_pending_enforcing_authority");

    // The issuer learns that an answer exists and when it comes, nothing of its data.
    let types = event_types(&app, &w.fr_prosecutor, &id).await;
    assert!(types.contains(&"response.held".to_owned()), "{types:?}");
    assert!(!types.contains(&"request.responded".to_owned()), "{types:?}");
    // The attachment's record stays in the audit chain (which must verify), its content does not reach the issuer.
    let export = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/audit/export")).await, 200);
    assert_eq!(export["verdict"]["status"], "intact", "{}", export["verdict"]);
    let events = serde_json::to_string(&event_list(&app, &w.fr_prosecutor, &id).await).unwrap();
    assert!(!events.contains("Records of the account"), "the text is held: {events}");
    let listed = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/attachments")).await, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");
    get(&app, &w.fr_prosecutor, &format!("/v1/attachments/{attachment}")).await.assert_problem(404, "not_found");
    let feed = ok(&get(&app, &w.fr_prosecutor, "/v1/notifications").await, 200).to_string();
    assert!(!feed.contains("Records of the account") && !feed.contains("records.pdf"), "{feed}");
    // The platform still sees its own answer and attachment.
    assert_eq!(
        ok(&get(&app, &w.platform, &format!("/v1/requests/{id}/attachments")).await, 200)["items"][0]["id"],
        attachment.as_str()
    );

    // The answer no longer cancels the authority's clock.
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(
        (clock(&c, "respond")["state"].as_str(), clock(&c, "object")["state"].as_str()),
        (Some("met"), Some("running"))
    );

    // Day 10: the authority raised nothing; the data go to the issuer.
    advance(&app, &mut w, TimeDelta::days(8) + TimeDelta::minutes(1)).await;
    scan(&app).await;
    let r = request(&app, &w.fr_prosecutor, &id).await;
    assert_eq!(r["data_hold"]["status"], "released", "{r}");
    let released: Vec<Value> = event_list(&app, &w.fr_prosecutor, &id)
        .await
        .into_iter()
        .filter(|e| e["type"] == "response.released")
        .collect();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0]["data"]["text"], "Records of the account attached.");
    assert_eq!(released[0]["data"]["attachments"][0]["id"], attachment.as_str());
    let listed = ok(&get(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/attachments")).await, 200);
    assert_eq!(listed["items"][0]["id"], attachment.as_str());
    let downloaded = get(&app, &w.fr_prosecutor, &format!("/v1/attachments/{attachment}")).await;
    assert_eq!((downloaded.status.as_u16(), &downloaded.body[..]), (200, &records[..]));
    // Too late to object now (Art 12(1)).
    post(
        &app,
        &w.ie_enforcing,
        &format!("/v1/requests/{id}/objection"),
        json!({"reason": "fundamental_rights", "text": "Late."}),
    )
    .await
    .assert_problem(409, "conflict");
    scan(&app).await;
    assert_eq!(event_types(&app, &w.fr_prosecutor, &id).await.iter().filter(|t| *t == "response.released").count(), 1);
}
on_both_backends!(an_epoc_answer_is_held_until_the_enforcing_authority_window_ends);

async fn the_enforcing_authority_releases_early_or_withholds(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    // Art 10(2): it confirms early that it raises no ground.
    let early = submit(&app, &w.fr_prosecutor, order_to(&w, json!(["content"]))).await;
    advance(&app, &mut w, TimeDelta::days(1)).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{early}/responses"),
            json!({"outcome": "fulfilled", "text": "Messages."}),
        )
        .await,
        200,
    );
    post(&app, &w.platform, &format!("/v1/requests/{early}/no-grounds"), json!({}))
        .await
        .assert_problem(403, "forbidden");
    let r = ok(&post(&app, &w.ie_enforcing, &format!("/v1/requests/{early}/no-grounds"), json!({})).await, 200);
    assert_eq!(r["data_hold"]["status"], "released");
    let types = event_types(&app, &w.fr_prosecutor, &early).await;
    assert!(types.ends_with(&["request.no_grounds".to_owned(), "response.released".to_owned()]), "{types:?}");
    assert_eq!(clock(&clocks(&app, &w.ie_enforcing, &early).await, "object")["state"], "met");

    // Art 8(4), Art 12: it objects after the answer; the held data never reach the issuer.
    let withheld = submit(&app, &w.fr_prosecutor, order_to(&w, json!(["content"]))).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{withheld}/responses"),
            json!({"outcome": "fulfilled", "text": "Private messages."}),
        )
        .await,
        200,
    );
    advance(&app, &mut w, TimeDelta::days(2)).await;
    let r = ok(
        &post(
            &app,
            &w.ie_enforcing,
            &format!("/v1/requests/{withheld}/objection"),
            json!({"reason": "fundamental_rights", "text": "Immunity of the person concerned (Art 12(1)(a))."}),
        )
        .await,
        200,
    );
    assert_eq!((r["data_hold"]["status"].as_str(), r["outcome"].as_str()), (Some("withheld"), Some("refused")));
    advance(&app, &mut w, TimeDelta::days(10)).await;
    scan(&app).await;
    let events = serde_json::to_string(&event_list(&app, &w.fr_prosecutor, &withheld).await).unwrap();
    assert!(!events.contains("Private messages") && !events.contains("response.released"), "{events}");
}
on_both_backends!(the_enforcing_authority_releases_early_or_withholds);

// 1. Reg. 2023/1543 Art 10(4): in an emergency the data go at once; the authority may still
// object to their use within 96 hours of the notification.

async fn in_an_emergency_the_authority_objects_to_the_use_of_data_already_sent(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let mut order = order_to(&w, json!(["traffic"]));
    order["priority"] = json!("emergency");
    order["content"]["emergency_justification"] = json!("A trafficked minor is held at an unknown address.");
    let id = submit(&app, &w.fr_prosecutor, order.clone()).await;
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["data_hold"], Value::Null, "no suspensive effect");
    advance(&app, &mut w, TimeDelta::hours(3)).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Last login IPs."}),
        )
        .await,
        200,
    );
    assert!(event_types(&app, &w.fr_prosecutor, &id).await.contains(&"request.responded".to_owned()));
    advance(&app, &mut w, TimeDelta::hours(20)).await;
    let r = ok(
        &post(
            &app,
            &w.ie_enforcing,
            &format!("/v1/requests/{id}/objection"),
            json!({"reason": "fundamental_rights", "text": "The data may not be used as evidence."}),
        )
        .await,
        200,
    );
    assert_eq!(r["outcome"], "fulfilled", "the data were sent; the objection concerns their use");
    let objected =
        event_list(&app, &w.fr_prosecutor, &id).await.into_iter().find(|e| e["type"] == "request.objected").unwrap();
    assert_eq!(
        (objected["data"]["after_answer"].as_bool(), objected["data"]["effect"].as_str()),
        (Some(true), Some("use_objected"))
    );

    // After 96 hours it is too late.
    let late = submit(&app, &w.fr_prosecutor, order).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{late}/responses"),
            json!({"outcome": "no_data", "text": "None."}),
        )
        .await,
        200,
    );
    advance(&app, &mut w, TimeDelta::hours(96) + TimeDelta::minutes(1)).await;
    scan(&app).await;
    post(&app, &w.ie_enforcing, &format!("/v1/requests/{late}/objection"), json!({"reason": "other", "text": "Late."}))
        .await
        .assert_problem(409, "conflict");
}
on_both_backends!(in_an_emergency_the_authority_objects_to_the_use_of_data_already_sent);

// 1. Reg. 2023/1543 Art 11(1); 3. ETS 185 Art 29(7): preservation floors.

async fn the_addressee_cannot_end_a_preservation_before_the_law_does(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let mut order = order_to(&w, json!(["subscriber", "traffic"]));
    order["legal_basis"] = json!("eu_epoc_pr");
    order["content"].as_object_mut().unwrap().remove("validating_authority");
    order["content"].as_object_mut().unwrap().remove("recipient_authority");
    let id = submit(&app, &w.fr_prosecutor, order).await;
    let short = (t0 + TimeDelta::days(30)).to_rfc3339();
    let r = post(
        &app,
        &w.platform,
        &format!("/v1/requests/{id}/responses"),
        json!({"outcome": "preserved", "text": "Preserved.", "preserved_until": short}),
    )
    .await;
    let body = r.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "below_legal_period", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Art 11(1)"), "{body}");
    let longer = (t0 + TimeDelta::days(75)).to_rfc3339();
    let preserved = ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Preserved.", "preserved_until": longer}),
        )
        .await,
        200,
    );
    assert_eq!(time(&preserved["preservation_expires_at"]), t0 + TimeDelta::days(75));

    // ETS 185 Art 29(7): not less than 60 days from preservation, and no renewal.
    let id = submit(&app, &w.fr_24_7, preservation_request()).await;
    advance(&app, &mut w, TimeDelta::days(1)).await;
    let t1 = now(&app);
    let r = post(
        &app,
        &w.de_24_7,
        &format!("/v1/requests/{id}/responses"),
        json!({"outcome": "preserved", "text": "Preserved.", "preserved_until": (t1 + TimeDelta::days(59)).to_rfc3339()}),
    )
    .await;
    assert_eq!(r.assert_problem(422, "validation_failed")["errors"][0]["code"], "below_legal_period");
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
    let body = post(&app, &w.fr_24_7, &format!("/v1/requests/{id}/extend"), json!({"reason": "MLA in translation."}))
        .await
        .assert_problem(409, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("no extension"), "{body}");
    let basis = app.get("/v1/legal-bases/coe_budapest_29").await.json();
    assert_eq!((basis["verified"].as_bool(), basis["extensions"].as_array().map(Vec::len)), (Some(true), Some(0)));
}
on_both_backends!(the_addressee_cannot_end_a_preservation_before_the_law_does);

// 2. Dir. 2014/41 Arts 12, 16(1), 32(2).

async fn an_eio_is_acknowledged_then_recognised(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let admin = app.admin_token_again().await;
    let prosecutor = actor(&app, &admin, state("Parquet de Lyon", "FR", json!(["judicial"]), json!(["eu_eio"]))).await;
    let court = actor(&app, &admin, state("Amtsgericht Berlin", "DE", json!(["judicial"]), json!(["eu_eio"]))).await;
    let eio = json!({"legal_basis": "eu_eio", "addressee": {"party_id": court.id}, "content": {
        "issuing_authority": "Parquet de Lyon", "offences": ["THB"], "facts_summary": "Victims recruited online.",
        "requested_measures": ["Hearing of a witness"]}});
    let id = submit(&app, &prosecutor, eio.clone()).await;
    let c = clocks(&app, &court, &id).await;
    assert_eq!(kinds(&c), ["acknowledge", "recognition"]);
    assert_eq!(time(&clock(&c, "acknowledge")["due_at"]), t0 + TimeDelta::days(7), "Art 16(1): within a week");
    assert_eq!(time(&clock(&c, "recognition")["due_at"]), t0 + TimeDelta::days(30), "Art 12(3)");

    // The acknowledgement (Annex B) is not the decision: execution does not start.
    advance(&app, &mut w, TimeDelta::days(2)).await;
    let court = Actor { token: app.token(&court.credentials).await, ..court };
    let prosecutor = Actor { token: app.token(&prosecutor.credentials).await, ..prosecutor };
    ok(&post(&app, &court, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
    let c = clocks(&app, &court, &id).await;
    assert_eq!(
        (clock(&c, "acknowledge")["state"].as_str(), clock(&c, "recognition")["state"].as_str(), c.len()),
        (Some("met"), Some("running"), 2)
    );

    // The decision on recognition, day 20: execution's 90 days run from it (Art 12(4)).
    advance(&app, &mut w, TimeDelta::days(18)).await;
    let court = Actor { token: app.token(&court.credentials).await, ..court };
    let prosecutor = Actor { token: app.token(&prosecutor.credentials).await, ..prosecutor };
    ok(&post(&app, &court, &format!("/v1/requests/{id}/recognise"), json!({"scope": "order"})).await, 200);
    let c = clocks(&app, &court, &id).await;
    assert_eq!(clock(&c, "recognition")["state"], "met");
    assert_eq!(time(&clock(&c, "execution")["due_at"]), t0 + TimeDelta::days(110));
    assert!(event_types(&app, &prosecutor, &id).await.contains(&"request.recognised".to_owned()));
    post(&app, &court, &format!("/v1/requests/{id}/recognise"), json!({})).await.assert_problem(409, "conflict");
    post(&app, &prosecutor, &format!("/v1/requests/{id}/recognise"), json!({})).await.assert_problem(403, "forbidden");

    // Art 32(2): an urgent EIO asking for provisional measures gets 24 hours, not a refusal.
    let t1 = now(&app);
    let mut urgent = eio;
    urgent["priority"] = json!("emergency");
    urgent["content"]["provisional_measures"] = json!(true);
    urgent["content"]["emergency_justification"] = json!("The funds will be moved abroad tonight.");
    let id = submit(&app, &prosecutor, urgent).await;
    let c = clocks(&app, &court, &id).await;
    assert_eq!(time(&clock(&c, "provisional_measures")["due_at"]), t1 + TimeDelta::hours(24));
    assert_eq!(clock(&c, "provisional_measures")["binding"], true);
    ok(
        &post(&app, &court, &format!("/v1/requests/{id}/recognise"), json!({"scope": "provisional_measures"})).await,
        200,
    );
    let c = clocks(&app, &court, &id).await;
    assert_eq!(
        (clock(&c, "provisional_measures")["state"].as_str(), clock(&c, "recognition")["state"].as_str()),
        (Some("met"), Some("running"))
    );

    // A basis without such decisions cannot be "recognised".
    let mla = submit(&app, &w.fr_24_7, preservation_request()).await;
    post(&app, &w.de_24_7, &format!("/v1/requests/{mla}/recognise"), json!({})).await.assert_problem(409, "conflict");
}
on_both_backends!(an_eio_is_acknowledged_then_recognised);

// 4. 18 U.S.C. 2703(f), 2711(4): a foreign issuer's preservation is not kept alive by a follow-up.

async fn a_2703f_hold_is_never_kept_alive_by_a_follow_up(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let mut letter = order_to(&w, json!(["subscriber", "traffic"]));
    letter["legal_basis"] = json!("us_2703f");
    let id = submit(&app, &w.fr_prosecutor, letter).await;
    let c = clocks(&app, &w.platform, &id).await;
    assert_eq!(
        (time(&clock(&c, "preservation")["due_at"]), clock(&c, "preservation")["binding"].as_bool()),
        (t0 + TimeDelta::days(90), Some(false))
    );
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Preserved voluntarily."}),
        )
        .await,
        200,
    );
    let mut production = order_to(&w, json!(["subscriber", "identification"]));
    production["follow_up_of"] = json!(id);
    submit(&app, &w.fr_prosecutor, production).await;
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/extend"), json!({})).await, 200);
    advance(&app, &mut w, TimeDelta::days(180) + TimeDelta::minutes(1)).await;
    assert_eq!(scan(&app).await.lapsed, 1, "90 + 90 days, whatever follow-up is open");
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["status"], "lapsed");

    let basis = app.get("/v1/legal-bases/us_2703f").await.json();
    assert_eq!((basis["binding"].as_bool(), basis["verified"].as_bool()), (Some(false), Some(false)));
    assert!(basis["notes"].as_str().unwrap().contains("2711(4)"), "{basis}");
    let emergency = app.get("/v1/legal-bases/us_2702_emergency").await.json();
    assert!(emergency["citation"].as_str().unwrap().contains("2702(c)(6)"), "{emergency}");
    assert!(!emergency["article"].as_str().unwrap().contains("(b)(8)"), "{emergency}");
    assert_eq!(emergency["binding"], false);
}
on_both_backends!(a_2703f_hold_is_never_kept_alive_by_a_follow_up);

// 5. CETS 197 Art 33: an urgent information notice, acknowledged; no answer owed.

async fn article_33_is_a_notice_the_recipient_acknowledges(backend: TestBackend) {
    let Some((app, w)) = app(backend).await else { return };
    let t0 = now(&app);
    let admin = app.admin_token_again().await;
    let police = actor(
        &app,
        &admin,
        state("Police judiciaire", "BE", json!(["police", "contact_point_24_7"]), json!(["coe_197_art33"])),
    )
    .await;
    let mut notice = json!({"legal_basis": "coe_197_art33", "priority": "emergency", "addressee": {"country": "BE"}, "content": {
        "issuing_authority": "OCLCTIC", "facts_summary": "A victim who testified is held in Brussels.",
        "emergency_justification": "Threats to her life were intercepted tonight."}});
    let body = post(&app, &w.fr_24_7, "/v1/requests", notice.clone()).await.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["pointer"], "/content/protected_person", "Art 28(1) persons only: {body}");
    notice["content"]["protected_person"] = json!("witness");
    let id = submit(&app, &w.fr_24_7, notice).await;
    let c = clocks(&app, &police, &id).await;
    assert_eq!(kinds(&c), ["acknowledge"], "no answer deadline on the recipient");
    assert_eq!(
        (time(&clock(&c, "acknowledge")["due_at"]), clock(&c, "acknowledge")["binding"].as_bool()),
        (t0 + TimeDelta::hours(1), Some(false))
    );
    ok(&post(&app, &police, &format!("/v1/requests/{id}/acknowledge"), json!({})).await, 200);
    assert_eq!(clock(&clocks(&app, &police, &id).await, "acknowledge")["state"], "met");
    let basis = app.get("/v1/legal-bases/coe_197_art33").await.json();
    assert!(basis["clocks"][0]["citation"].as_str().unwrap().contains("sender"), "{basis}");
}
on_both_backends!(article_33_is_a_notice_the_recipient_acknowledges);

// 6. ETS 030 Art 14(2); 7. own targets where no law sets a time.

async fn ets_030_cites_article_14_2_and_parties_set_their_own_targets(backend: TestBackend) {
    let Some((app, w)) = app(backend).await else { return };
    let mla = json!({"legal_basis": "mlat", "addressee": {"country": "DE"}, "content": {
        "issuing_authority": "OCLCTIC", "requested_measures": ["Hearing of a witness"]}});
    let body = post(&app, &w.fr_24_7, "/v1/requests", mla).await.assert_problem(422, "validation_failed");
    let messages: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 2, "{body}");
    assert!(messages.iter().all(|m| m.contains("ETS 030 Art 14(2)")), "{messages:?}");

    // ETS 185 Art 31 has no clock: Germany's central authority sets its own target.
    let path = format!("/v1/parties/{}/clock-targets/coe_budapest_31", w.de_central.id);
    ok(&put(&app, &w.de_central, &path, json!({"clock": "respond", "duration": "P30D"})).await, 200);
    put(&app, &w.de_central, &path, json!({"clock": "execution", "duration": "P30D"}))
        .await
        .assert_problem(422, "validation_failed");
    let body = put(
        &app,
        &w.de_central,
        &format!("/v1/parties/{}/clock-targets/eu_eio", w.de_central.id),
        json!({"clock": "recognition", "duration": "P60D"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "set_by_law");
    let admin = app.admin_token_again().await;
    let paris =
        actor(&app, &admin, state("Parquet de Paris", "FR", json!(["central_authority"]), json!(["coe_budapest_31"])))
            .await;
    let berlin =
        actor(&app, &admin, state("BfJ Art 31 desk", "DE", json!(["central_authority"]), json!(["coe_budapest_31"])))
            .await;
    ok(
        &put(
            &app,
            &berlin,
            &format!("/v1/parties/{}/clock-targets/coe_budapest_31", berlin.id),
            json!({"clock": "respond", "duration": "P30D"}),
        )
        .await,
        200,
    );
    let t0 = now(&app);
    let art31 = json!({"legal_basis": "coe_budapest_31", "addressee": {"party_id": berlin.id}, "content": {
        "issuing_authority": "Parquet de Paris", "offences": ["THB"], "facts_summary": "Mailbox used to recruit victims.",
        "targets": [{"type": "email", "value": "recruiter@example-mail.de"}], "data_categories": ["content"]}});
    let id = submit(&app, &paris, art31).await;
    let c = clocks(&app, &berlin, &id).await;
    assert_eq!(
        (time(&clock(&c, "respond")["due_at"]), clock(&c, "respond")["binding"].as_bool()),
        (t0 + TimeDelta::days(30), Some(false))
    );
}
on_both_backends!(ets_030_cites_article_14_2_and_parties_set_their_own_targets);

// Instruments: ETS 185 Art 30, Dir. (EU) 2023/977, CETS 224 Arts 6 and 10.

async fn the_new_instruments_route_and_clock(backend: TestBackend) {
    let Some((app, _w)) = app(backend).await else { return };
    let t0 = now(&app);
    let admin = app.admin_token_again().await;
    let fr_spoc = actor(
        &app,
        &admin,
        state(
            "SPOC France (SCCOPOL)",
            "FR",
            json!(["single_point_of_contact", "police"]),
            json!(["eu_2023_977", "coe_224_art10"]),
        ),
    )
    .await;
    let nl_spoc = actor(
        &app,
        &admin,
        state("SPOC Nederland (LIRC)", "NL", json!(["single_point_of_contact"]), json!(["eu_2023_977"])),
    )
    .await;
    let nl_central =
        actor(&app, &admin, state("Landelijk Parket", "NL", json!(["central_authority"]), json!(["coe_224_art10"])))
            .await;
    let de_art30 =
        actor(&app, &admin, state("BKA 24/7 Art 30", "AT", json!(["contact_point_24_7"]), json!(["coe_budapest_30"])))
            .await;
    let registrar = actor(
        &app,
        &admin,
        json!({"kind": "service_provider", "name": "Example Registrar", "country": "NL",
            "legal_entities": [{"region": "*", "country": "NL", "name": "Example Registrar BV"}],
            "accepted_legal_bases": ["coe_224_art6"], "languages": ["en"], "notification_emails": ["abuse@registrar.example"]}),
    )
    .await;

    // Dir. (EU) 2023/977 Art 5(1): 8 hours, 3 days, 7 days, from receipt.
    let info = |priority: &str, direct: bool| {
        json!({"legal_basis": "eu_2023_977", "priority": priority, "addressee": {"country": "NL"}, "content": {
            "issuing_authority": "SPOC France", "facts_summary": "Phone number used to advertise victims.",
            "directly_accessible": direct}})
    };
    for (priority, direct, hours) in
        [("urgent", true, 8), ("urgent", false, 72), ("normal", true, 168), ("normal", false, 168)]
    {
        let id = submit(&app, &fr_spoc, info(priority, direct)).await;
        assert_eq!(request(&app, &fr_spoc, &id).await["addressee"]["id"], nl_spoc.id.as_str(), "routed to the SPOC");
        let c = clocks(&app, &nl_spoc, &id).await;
        assert_eq!(c.len(), 1, "{priority} {direct}: {c:?}");
        assert_eq!(time(&c[0]["due_at"]), t0 + TimeDelta::hours(hours), "{priority} {direct}");
        assert!(c[0]["citation"].as_str().unwrap().contains("Art 5(1)"));
    }

    // Art 5(2): the requested SPOC derogates to obtain a judicial authorisation; the 8 hours pause.
    let id = submit(&app, &fr_spoc, info("urgent", true)).await;
    app.clock.as_ref().unwrap().advance(TimeDelta::hours(2));
    let nl_spoc = Actor { token: app.token(&nl_spoc.credentials).await, ..nl_spoc };
    let fr_spoc = Actor { token: app.token(&fr_spoc.credentials).await, ..fr_spoc };
    let nl_central = Actor { token: app.token(&nl_central.credentials).await, ..nl_central };
    let de_art30 = Actor { token: app.token(&de_art30.credentials).await, ..de_art30 };
    let registrar = Actor { token: app.token(&registrar.credentials).await, ..registrar };
    let admin = app.admin_token_again().await;
    post(&app, &nl_spoc, &format!("/v1/requests/{id}/derogation"), json!({"reason": " "}))
        .await
        .assert_problem(422, "validation_failed");
    ok(
        &post(
            &app,
            &nl_spoc,
            &format!("/v1/requests/{id}/derogation"),
            json!({"reason": "The register needs a judge's authorisation."}),
        )
        .await,
        200,
    );
    let c = clocks(&app, &nl_spoc, &id).await;
    assert_eq!((c[0]["state"].as_str(), c[0]["remaining_secs"].as_i64()), (Some("paused"), Some(6 * 3600)));
    let told = event_list(&app, &fr_spoc, &id).await.into_iter().find(|e| e["type"] == "request.derogation").unwrap();
    assert!(told["data"]["citation"].as_str().unwrap().contains("Art 5(2)"), "{told}");
    post(&app, &nl_spoc, &format!("/v1/requests/{id}/derogation"), json!({"reason": "Again."}))
        .await
        .assert_problem(409, "conflict");
    // A clarification and its answer do not end the derogation.
    let cid = ok(
        &post(
            &app,
            &nl_spoc,
            &format!("/v1/requests/{id}/clarifications"),
            json!({"question": "Which number format?"}),
        )
        .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &post(&app, &fr_spoc, &format!("/v1/requests/{id}/clarifications/{cid}/answer"), json!({"answer": "E.164."}))
            .await,
        200,
    );
    assert_eq!(clocks(&app, &nl_spoc, &id).await[0]["state"], "paused");
    ok(
        &post(
            &app,
            &nl_spoc,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "fulfilled", "text": "Holder: J. Doe."}),
        )
        .await,
        200,
    );
    assert_eq!(clocks(&app, &nl_spoc, &id).await[0]["state"], "met");
    let t0 = now(&app);

    // ETS 185 Art 30: to the 24/7 point, "expeditiously": a default target.
    let art30 = json!({"legal_basis": "coe_budapest_30", "addressee": {"country": "AT"}, "content": {
        "issuing_authority": "OCLCTIC", "offences": ["THB"],
        "targets": [{"type": "ip", "value": "203.0.113.7", "timestamp": "2026-11-20T21:14:05Z"}]}});
    let admin_fr =
        actor(&app, &admin, state("OCLCTIC Art 30", "FR", json!(["contact_point_24_7"]), json!(["coe_budapest_30"])))
            .await;
    let id = submit(&app, &admin_fr, art30).await;
    assert_eq!(request(&app, &admin_fr, &id).await["addressee"]["id"], de_art30.id.as_str());
    let c = clocks(&app, &de_art30, &id).await;
    assert_eq!((time(&c[0]["due_at"]), c[0]["binding"].as_bool()), (t0 + TimeDelta::hours(72), Some(false)));
    // Art 30(2): refusal only on the listed grounds.
    let responses = format!("/v1/requests/{id}/responses");
    let body = post(
        &app,
        &de_art30,
        &responses,
        json!({"outcome": "refused", "refusal_reason": "overbroad", "text": "Too broad."}),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(
        (body["errors"][0]["pointer"].as_str(), body["errors"][0]["code"].as_str()),
        (Some("/refusal_ground"), Some("required"))
    );
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Art 30(2)"), "{body}");
    post(
        &app,
        &de_art30,
        &responses,
        json!({"outcome": "refused", "refusal_reason": "other", "refusal_ground": "too_expensive", "text": "No."}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let refused = ok(
        &post(
            &app,
            &de_art30,
            &responses,
            json!({"outcome": "refused", "refusal_reason": "other", "refusal_ground": "political_offence", "text": "A political offence."}),
        )
        .await,
        200,
    );
    assert_eq!(refused["outcome"], "refused");

    // CETS 224 Art 6: to the registrar; no clock until the text is quoted; in-force status as data.
    let art6 = json!({"legal_basis": "coe_224_art6", "addressee": {"party_id": registrar.id}, "content": {
        "issuing_authority": "OCLCTIC", "targets": [{"type": "domain", "value": "Model-Jobs-Paris.example"}]}});
    let id = submit(&app, &admin_fr_with(&app, &admin).await, art6).await;
    assert!(clocks(&app, &registrar, &id).await.is_empty());
    let basis = app.get("/v1/legal-bases/coe_224_art6").await.json();
    assert_eq!((basis["verified"].as_bool(), basis["in_force"]["status"].as_str()), (Some(false), Some("unknown")));

    // CETS 224 Art 10: emergency mutual assistance, an unverified default.
    let art10 = json!({"legal_basis": "coe_224_art10", "priority": "emergency", "addressee": {"country": "NL"}, "content": {
        "issuing_authority": "SPOC France", "facts_summary": "Victim held.", "requested_measures": ["Subscriber data"],
        "emergency_justification": "Life in danger."}});
    let id = submit(&app, &fr_spoc, art10).await;
    let c = clocks(&app, &nl_central, &id).await;
    assert_eq!(
        (time(&c[0]["due_at"]), c[0]["binding"].as_bool(), c[0]["emergency"].as_bool()),
        (t0 + TimeDelta::hours(24), Some(false), Some(true))
    );
}
on_both_backends!(the_new_instruments_route_and_clock);

async fn admin_fr_with(app: &TestApp, admin: &str) -> Actor {
    actor(app, admin, state("OCLCTIC domain desk", "FR", json!(["police"]), json!(["coe_224_art6"]))).await
}

// The catalogue is versioned: a request keeps the entry it was submitted under.

async fn a_later_correction_of_the_catalogue_does_not_move_a_running_request(backend: TestBackend) {
    use diesel::RunQueryDsl;
    let Some((app, mut w)) = app(backend).await else { return };
    let t0 = now(&app);
    let admin = app.admin_token_again().await;
    let prosecutor = actor(&app, &admin, state("Parquet de Nice", "FR", json!(["judicial"]), json!(["eu_eio"]))).await;
    let court = actor(&app, &admin, state("Landgericht Bonn", "DE", json!(["judicial"]), json!(["eu_eio"]))).await;
    let eio = json!({"legal_basis": "eu_eio", "addressee": {"party_id": court.id}, "content": {
        "issuing_authority": "Parquet de Nice", "offences": ["THB"], "facts_summary": "Victims recruited online.",
        "requested_measures": ["Bank records"]}});
    let pinned = submit(&app, &prosecutor, eio.clone()).await;
    let draft = create(&app, &prosecutor, eio).await;

    // A later version of the entry shortens execution to 30 days (as a correction migration would).
    let mut basis = app.get("/v1/legal-bases/eu_eio").await.json();
    for c in basis["clocks"].as_array_mut().unwrap() {
        if c["kind"] == "execution" {
            c["duration"] = json!("P30D");
        }
    }
    let sql = format!(
        "UPDATE legal_bases SET clocks = '{}', effective_from = '2027-01-01 00:00:00.000000+00:00' WHERE code = 'eu_eio'",
        basis["clocks"].to_string().replace('\'', "''")
    );
    let mut conn = app.database.connect();
    diesel::sql_query(sql).execute(&mut conn).expect("a later catalogue version");
    let later = submit(
        &app,
        &prosecutor,
        json!({"legal_basis": "eu_eio", "addressee": {"party_id": court.id}, "content": {
        "issuing_authority": "Parquet de Nice", "offences": ["THB"], "facts_summary": "Another case.",
        "requested_measures": ["Bank records"]}}),
    )
    .await;
    ok(&post(&app, &prosecutor, &format!("/v1/requests/{draft}/submit"), json!({})).await, 200);

    advance(&app, &mut w, TimeDelta::days(1)).await;
    let court = Actor { token: app.token(&court.credentials).await, ..court };
    for id in [&pinned, &later, &draft] {
        ok(&post(&app, &court, &format!("/v1/requests/{id}/recognise"), json!({})).await, 200);
    }
    let execution = |c: Vec<Value>| time(&clock(&c, "execution")["due_at"]);
    let decided = t0 + TimeDelta::days(1);
    assert_eq!(execution(clocks(&app, &court, &pinned).await), decided + TimeDelta::days(90), "pinned at submission");
    assert_eq!(request(&app, &court, &pinned).await["legal_basis_version"], "2026-12-01T00:00:00Z");
    assert_eq!(execution(clocks(&app, &court, &later).await), decided + TimeDelta::days(30));
    assert_eq!(request(&app, &court, &later).await["legal_basis_version"], "2027-01-01T00:00:00Z");
    // A draft is pinned when it is submitted, not when it was drafted.
    assert_eq!(execution(clocks(&app, &court, &draft).await), decided + TimeDelta::days(30));
}
on_both_backends!(a_later_correction_of_the_catalogue_does_not_move_a_running_request);

// Reg. 2023/1543 Art 11(1)-(3), Annex V: a follow-up sent outside Rogatory, confirmed by the
// issuer, keeps an EPOC-PR preservation until the issuer releases it; not a 2703(f) hold.

async fn a_confirmed_follow_up_keeps_an_epoc_pr_until_released(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let mut order = order_to(&w, json!(["subscriber", "traffic"]));
    order["legal_basis"] = json!("eu_epoc_pr");
    order["content"].as_object_mut().unwrap().remove("validating_authority");
    order["content"].as_object_mut().unwrap().remove("recipient_authority");
    let id = submit(&app, &w.fr_prosecutor, order).await;
    let confirm = format!("/v1/requests/{id}/follow-up-confirmation");
    let reference = json!({"reference": "EPOC PARQUET-2026-118842-2 via e-Evidence, 2026-12-20"});
    // Only once the data are preserved, and only by the issuer.
    post(&app, &w.fr_prosecutor, &confirm, reference.clone()).await.assert_problem(409, "conflict");
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{id}/responses"),
            json!({"outcome": "preserved", "text": "Preserved."}),
        )
        .await,
        200,
    );
    post(&app, &w.platform, &confirm, reference.clone()).await.assert_problem(403, "forbidden");
    advance(&app, &mut w, TimeDelta::days(50)).await;
    let confirmed = ok(&post(&app, &w.fr_prosecutor, &confirm, reference.clone()).await, 200);
    assert!(confirmed["follow_up_confirmed_at"].is_string(), "{confirmed}");
    post(&app, &w.fr_prosecutor, &confirm, reference.clone()).await.assert_problem(409, "conflict");
    assert!(event_types(&app, &w.platform, &id).await.contains(&"preservation.follow_up_confirmed".to_owned()));
    advance(&app, &mut w, TimeDelta::days(30)).await;
    assert_eq!(scan(&app).await.lapsed, 0, "Art 11(2): preserved as long as necessary");
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["status"], "preserved");
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/release"), json!({})).await, 200);
    assert_eq!(request(&app, &w.fr_prosecutor, &id).await["status"], "released");

    // 18 U.S.C. 2703(f): no such confirmation.
    let mut letter = order_to(&w, json!(["subscriber"]));
    letter["legal_basis"] = json!("us_2703f");
    let us = submit(&app, &w.fr_prosecutor, letter).await;
    ok(
        &post(
            &app,
            &w.platform,
            &format!("/v1/requests/{us}/responses"),
            json!({"outcome": "preserved", "text": "Preserved."}),
        )
        .await,
        200,
    );
    let body = post(&app, &w.fr_prosecutor, &format!("/v1/requests/{us}/follow-up-confirmation"), reference)
        .await
        .assert_problem(409, "conflict");
    assert!(body["detail"].as_str().unwrap().contains("us_2703f"), "{body}");
}
on_both_backends!(a_confirmed_follow_up_keeps_an_epoc_pr_until_released);
