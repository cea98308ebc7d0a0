//! Statistics (issue 19): a known history built through the API on a clock the test moves, then
//! every figure checked exactly, on both backends; the Art 28 report in JSON and CSV; who may see
//! which figures.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestBackend;
use crate::support::clocked::*;
use crate::support::world::*;

fn order_to(w: &World, categories: Value) -> Value {
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    order["content"]["data_categories"] = categories;
    order
}

async fn submit(app: &crate::support::TestApp, who: &Actor, body: Value) -> String {
    let id = ok(&post(app, who, "/v1/requests", body).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(app, who, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);
    id
}

/// Moves the clock to `h` hours after `t0`.
async fn at_hour(app: &crate::support::TestApp, w: &mut World, t0: DateTime<Utc>, h: i64) {
    let by = t0 + TimeDelta::hours(h) - now(app);
    assert!(by >= TimeDelta::zero(), "time only moves forward");
    advance(app, w, by).await;
}

fn count(value: &str, total: u64, issued: Option<u64>, received: Option<u64>) -> Value {
    json!({"value": value, "total": total, "issued": issued, "received": received})
}

fn out(value: &str, n: u64) -> Value {
    count(value, n, Some(n), Some(0))
}

fn inc(value: &str, n: u64) -> Value {
    count(value, n, Some(0), Some(n))
}

fn all(value: &str, n: u64) -> Value {
    count(value, n, None, None)
}

fn durations(values: &[f64]) -> Value {
    if values.is_empty() {
        return json!({"count": 0, "median_secs": null, "p90_secs": null, "mean_secs": null});
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    let p90 = v[(9 * n).div_ceil(10) - 1];
    json!({"count": n, "median_secs": median, "p90_secs": p90, "mean_secs": v.iter().sum::<f64>() / n as f64})
}

const H: f64 = 3600.0;

/// The history (hours after t0 = 2026-12-01T08:00Z):
/// - A: EPOC, traffic, to the platform, the Irish enforcing authority notified. Acknowledged h2,
///   clarification asked h24 and answered h48, answered `fulfilled` h72 (held, Art 8(4)), the
///   authority confirms no ground h96: the data reach the issuer at h96.
/// - B: EPOC, content, notified; the authority objects h48 (fundamental rights) before any answer.
/// - C: emergency EPOC, subscriber data, not notified; fulfilled h3 (8-hour clock met).
/// - F: EPOC, subscriber, refused h300 (insufficient information), 60 hours after its 10 days:
///   the scanner never ran, so the clock reads `met`; statistics count it missed.
/// - G: EPOC, subscriber, withdrawn by the issuer h5.
/// - D: ETS 185 Art 29 preservation, French 24/7 point to the German central authority,
///   forwarded h1 to the German 24/7 point, withdrawn h5.
/// - a draft of the prosecutor, never submitted.
struct History {
    t0: DateTime<Utc>,
}

async fn build(app: &crate::support::TestApp, w: &mut World) -> History {
    let t0 = now(app);
    let a = submit(app, &w.fr_prosecutor, order_to(w, json!(["traffic"]))).await;
    let b = submit(app, &w.fr_prosecutor, order_to(w, json!(["content"]))).await;
    let mut emergency = order_to(w, json!(["subscriber"]));
    emergency["priority"] = json!("emergency");
    emergency["content"]["emergency_justification"] = json!("A trafficked minor is held at an unknown address.");
    let c = submit(app, &w.fr_prosecutor, emergency).await;
    let f = submit(app, &w.fr_prosecutor, order_to(w, json!(["subscriber"]))).await;
    let g = submit(app, &w.fr_prosecutor, order_to(w, json!(["subscriber"]))).await;
    ok(&post(app, &w.fr_prosecutor, "/v1/requests", order_to(w, json!(["content"]))).await, 201);
    let mut preservation = preservation_request();
    preservation["addressee"] = json!({"party_id": w.de_central.id});
    let d = submit(app, &w.fr_24_7, preservation).await;

    at_hour(app, w, t0, 1).await;
    ok(
        &post(
            app,
            &w.de_central,
            &format!("/v1/requests/{d}/forward"),
            json!({"to": {"party_id": w.de_24_7.id}, "reason": "Preservation is for the 24/7 point."}),
        )
        .await,
        200,
    );
    at_hour(app, w, t0, 2).await;
    ok(&post(app, &w.platform, &format!("/v1/requests/{a}/acknowledge"), json!({})).await, 200);
    at_hour(app, w, t0, 3).await;
    ok(
        &post(
            app,
            &w.platform,
            &format!("/v1/requests/{c}/responses"),
            json!({"outcome": "fulfilled", "text": "IPs."}),
        )
        .await,
        200,
    );
    at_hour(app, w, t0, 5).await;
    ok(&post(app, &w.fr_prosecutor, &format!("/v1/requests/{g}/withdraw"), json!({"reason": "Solved."})).await, 200);
    ok(&post(app, &w.fr_24_7, &format!("/v1/requests/{d}/withdraw"), json!({"reason": "Solved."})).await, 200);
    at_hour(app, w, t0, 24).await;
    let cid = ok(
        &post(app, &w.platform, &format!("/v1/requests/{a}/clarifications"), json!({"question": "Which account?"}))
            .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    at_hour(app, w, t0, 48).await;
    ok(
        &post(
            app,
            &w.fr_prosecutor,
            &format!("/v1/requests/{a}/clarifications/{cid}/answer"),
            json!({"answer": "The handle."}),
        )
        .await,
        200,
    );
    ok(
        &post(
            app,
            &w.ie_enforcing,
            &format!("/v1/requests/{b}/objection"),
            json!({"reason": "fundamental_rights", "text": "Immunity (Art 12(1)(a))."}),
        )
        .await,
        200,
    );
    at_hour(app, w, t0, 72).await;
    let held = ok(
        &post(
            app,
            &w.platform,
            &format!("/v1/requests/{a}/responses"),
            json!({"outcome": "fulfilled", "text": "Records."}),
        )
        .await,
        200,
    );
    assert_eq!(held["data_hold"]["status"], "held_pending_enforcing_authority", "{held}");
    at_hour(app, w, t0, 96).await;
    ok(&post(app, &w.ie_enforcing, &format!("/v1/requests/{a}/no-grounds"), json!({})).await, 200);
    at_hour(app, w, t0, 300).await;
    ok(
        &post(
            app,
            &w.platform,
            &format!("/v1/requests/{f}/responses"),
            json!({"outcome": "refused", "refusal_reason": "insufficient_information", "text": "Which account?"}),
        )
        .await,
        200,
    );
    History { t0 }
}

fn stats_path(query: &str) -> String {
    if query.is_empty() { "/v1/statistics".into() } else { format!("/v1/statistics?{query}") }
}

async fn stats(app: &crate::support::TestApp, who: &Actor, query: &str) -> Value {
    ok(&get(app, who, &stats_path(query)).await, 200)
}

async fn every_figure_of_a_known_history(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    let h = build(&app, &mut w).await;
    let t0 = h.t0;

    // The prosecutor's figures, every one of them.
    let s = stats(&app, &w.fr_prosecutor, "").await;
    assert_eq!(
        s["generated_at"],
        json!((t0 + TimeDelta::hours(300)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
    assert_eq!(s["filters"]["scope"], "party");
    assert_eq!(s["filters"]["party"], w.fr_prosecutor.id.as_str());
    assert_eq!(s["groups"], json!([]));
    let expected = json!({
        "requests": 5, "issued": 5, "received": 0,
        "by_legal_basis": [out("eu_epoc", 5)],
        "by_kind": [out("production", 5)],
        "by_data_category": [out("content", 1), out("subscriber", 3), out("traffic", 1)],
        "by_priority": [out("emergency", 1), out("normal", 4)],
        "by_counterpart_country": [out("US", 5)],
        "by_counterpart_type": [out("service_provider", 5)],
        "by_outcome": [out("fulfilled", 2), out("none", 1), out("refused", 2)],
        "by_refusal_reason": [out("fundamental_rights", 1), out("insufficient_information", 1)],
        "emergency": 1, "withdrawn": 1, "forwarded": 0, "forwards": 0,
        "clarifications_asked": 1, "clarified": 1, "open": 0,
        "clocks": [
            // A met with 144 h to spare, B met (the objection) with 192 h.
            {"kind": "object", "obligation_of": "enforcing_authority", "met": 2, "missed": 0, "open": 0, "cancelled": 0,
                "missed_by": durations(&[]), "met_with_margin": durations(&[144.0 * H, 192.0 * H])},
            // A due h264 after its paused day, answered h72; C due h8, answered h3; F due h240,
            // answered h300; B (objected) and G (withdrawn) cancelled.
            {"kind": "respond", "obligation_of": "addressee", "met": 2, "missed": 1, "open": 0, "cancelled": 2,
                "missed_by": durations(&[60.0 * H]), "met_with_margin": durations(&[192.0 * H, 5.0 * H])},
        ],
        "times": [{"legal_basis": "eu_epoc",
            "first_answer": durations(&[2.0 * H, 3.0 * H, 300.0 * H]),
            "data": durations(&[96.0 * H, 3.0 * H])}],
        "enforcing_authority": {"notified": 2, "objections": 1,
            "objections_by_reason": [out("fundamental_rights", 1)], "no_grounds_confirmed": 1},
        "deconfliction_hits": 0,
    });
    assert_eq!(s["totals"], expected, "got {}", serde_json::to_string_pretty(&s["totals"]).unwrap());
    // The numbers behind the durations, written out once.
    assert_eq!(s["totals"]["times"][0]["first_answer"]["mean_secs"], json!(366000.0));
    assert_eq!(s["totals"]["times"][0]["data"]["median_secs"], json!(178200.0));
    assert_eq!(s["totals"]["clocks"][1]["met_with_margin"]["median_secs"], json!(354600.0));

    // The platform received the same five: the counterpart is the French issuer.
    let p = stats(&app, &w.platform, "").await["totals"].clone();
    assert_eq!((p["requests"].as_u64(), p["issued"].as_u64(), p["received"].as_u64()), (Some(5), Some(0), Some(5)));
    assert_eq!(p["by_counterpart_country"], json!([inc("FR", 5)]));
    assert_eq!(p["by_counterpart_type"], json!([inc("state_authority", 5)]));
    assert_eq!(p["by_outcome"], json!([inc("fulfilled", 2), inc("none", 1), inc("refused", 2)]));
    assert_eq!(p["clocks"], expected["clocks"]);

    // The enforcing authority was notified of A and B.
    let e = stats(&app, &w.ie_enforcing, "").await["totals"].clone();
    assert_eq!((e["requests"].as_u64(), e["received"].as_u64()), (Some(2), Some(2)));
    assert_eq!(e["enforcing_authority"]["notified"], 2);
    assert_eq!(e["enforcing_authority"]["objections_by_reason"], json!([inc("fundamental_rights", 1)]));

    // The forwarded preservation: issued by the French 24/7 point, received by both German
    // parties (the central authority stays on the route).
    let d = stats(&app, &w.fr_24_7, "").await["totals"].clone();
    assert_eq!(
        (d["requests"].as_u64(), d["issued"].as_u64(), d["forwarded"].as_u64(), d["withdrawn"].as_u64()),
        (Some(1), Some(1), Some(1), Some(1))
    );
    assert_eq!(d["by_kind"], json!([out("preservation", 1)]));
    assert_eq!(d["by_counterpart_country"], json!([out("DE", 1)]));
    assert_eq!(d["by_outcome"], json!([out("none", 1)]));
    for german in [&w.de_central, &w.de_24_7] {
        let g = stats(&app, german, "").await["totals"].clone();
        assert_eq!((g["received"].as_u64(), g["forwards"].as_u64()), (Some(1), Some(1)), "{g}");
    }
    // Nothing for a stranger; never the draft.
    assert_eq!(stats(&app, &w.stranger, "").await["totals"]["requests"], 0);

    // Filters: the period on submission or completion, direction, counterpart, legal basis.
    let from = |h: i64| (t0 + TimeDelta::hours(h)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let q = format!("from={}", from(1));
    assert_eq!(stats(&app, &w.fr_prosecutor, &q).await["totals"]["requests"], 0, "all submitted at t0");
    let q = format!("from={}&to={}&period_of=completed", from(40), from(100));
    let s = stats(&app, &w.fr_prosecutor, &q).await;
    assert_eq!(s["totals"]["requests"], 2, "A (held answer h72) and B (objection h48)");
    assert_eq!(s["totals"]["by_data_category"], json!([out("content", 1), out("traffic", 1)]));
    assert_eq!(stats(&app, &w.fr_prosecutor, "direction=incoming").await["totals"]["requests"], 0);
    assert_eq!(stats(&app, &w.fr_prosecutor, "direction=outgoing").await["totals"]["requests"], 5);
    let q = format!("counterpart={}", w.platform.id);
    assert_eq!(stats(&app, &w.fr_prosecutor, &q).await["totals"]["requests"], 5);
    let q = format!("counterpart={}", w.de_central.id);
    assert_eq!(stats(&app, &w.fr_prosecutor, &q).await["totals"]["requests"], 0);
    assert_eq!(stats(&app, &w.fr_prosecutor, "legal_basis=coe_budapest_29").await["totals"]["requests"], 0);

    // group_by: two dimensions, one group per combination that has requests.
    let s = stats(&app, &w.fr_prosecutor, "group_by=outcome,priority").await;
    let keys: Vec<(String, u64)> = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                format!("{}/{}", g["key"]["outcome"].as_str().unwrap(), g["key"]["priority"].as_str().unwrap()),
                g["figures"]["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("fulfilled/emergency".to_owned(), 1),
            ("fulfilled/normal".to_owned(), 1),
            ("none/normal".to_owned(), 1),
            ("refused/normal".to_owned(), 2)
        ]
    );
    let refused = &s["groups"][3]["figures"];
    assert_eq!(refused["by_refusal_reason"], expected["by_refusal_reason"]);
    let s = stats(&app, &w.fr_prosecutor, "group_by=data_category").await;
    let sizes: Vec<u64> =
        s["groups"].as_array().unwrap().iter().map(|g| g["figures"]["requests"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [1, 3, 1], "content, subscriber, traffic");

    // The exchange administrator: the whole exchange by default, or one party as it sees itself.
    let admin = app.admin_token_again().await;
    let x = ok(&app.call(actix_web::http::Method::GET, "/v1/statistics", Some(&admin), None).await, 200);
    assert_eq!(x["filters"]["scope"], "exchange");
    let t = &x["totals"];
    assert_eq!(
        (t["requests"].as_u64(), t["issued"].clone(), t["received"].clone()),
        (Some(6), Value::Null, Value::Null)
    );
    assert_eq!(t["by_legal_basis"], json!([all("coe_budapest_29", 1), all("eu_epoc", 5)]));
    assert_eq!(t["by_counterpart_country"], json!([all("DE", 1), all("US", 5)]));
    assert_eq!(t["by_counterpart_type"], json!([all("service_provider", 5), all("state_authority", 1)]));
    assert_eq!(t["by_outcome"], json!([all("fulfilled", 2), all("none", 2), all("refused", 2)]));
    assert_eq!(
        (t["withdrawn"].as_u64(), t["forwarded"].as_u64(), t["clarifications_asked"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    let path = format!("/v1/statistics?party={}", w.fr_prosecutor.id);
    let as_party = ok(&app.call(actix_web::http::Method::GET, &path, Some(&admin), None).await, 200);
    assert_eq!(as_party["totals"], expected);
}
on_both_backends!(every_figure_of_a_known_history);

async fn the_art_28_report_in_json_and_csv(backend: TestBackend) {
    let Some((app, mut w)) = app(backend).await else { return };
    build(&app, &mut w).await;
    let report = ok(&get(&app, &w.fr_prosecutor, "/v1/statistics/reports/eu-2023-1543-art28?year=2026").await, 200);
    let p = w.platform.id.as_str();
    let row = |category: &str,
               emergency: bool,
               issued: u64,
               executed: u64,
               not: u64,
               withdrawn: u64,
               notified: u64,
               reasons: Value,
               mean: Value| {
        json!({"order_type": "epoc", "data_category": category, "addressee_id": p, "addressee_name": "Example Platforms",
            "emergency": emergency, "issued": issued, "executed": executed, "not_executed": not, "pending": 0,
            "withdrawn": withdrawn, "enforcing_authority_notified": notified, "refusal_reasons": reasons,
            "mean_time_to_data_secs": mean})
    };
    assert_eq!(
        report["rows"],
        json!([
            row("content", false, 1, 0, 1, 0, 1, json!([{"reason": "fundamental_rights", "count": 1}]), Value::Null),
            row(
                "subscriber",
                false,
                2,
                0,
                1,
                1,
                0,
                json!([{"reason": "insufficient_information", "count": 1}]),
                Value::Null
            ),
            row("subscriber", true, 1, 1, 0, 0, 0, json!([]), json!(3.0 * H)),
            row("traffic", false, 1, 1, 0, 0, 1, json!([]), json!(96.0 * H)),
        ]),
        "{}",
        serde_json::to_string_pretty(&report["rows"]).unwrap()
    );
    assert_eq!(
        report["totals"],
        json!({"epoc_issued": 5, "epoc_pr_issued": 0, "emergency_epoc_issued": 1, "emergency_derogations": null,
            "epoc_executed": 2, "epoc_not_executed": 2, "epoc_pr_executed": 0, "epoc_pr_not_executed": 0,
            "enforcing_authority_notifications": 2,
            "refusal_reasons": [{"reason": "fundamental_rights", "count": 1}, {"reason": "insufficient_information", "count": 1}],
            "mean_time_to_data_secs": 178200.0})
    );
    assert_eq!((report["year"].as_i64(), report["party"].as_str()), (Some(2026), Some(w.fr_prosecutor.id.as_str())));
    // Another year has nothing; the platform issued nothing.
    let empty = ok(&get(&app, &w.fr_prosecutor, "/v1/statistics/reports/eu-2023-1543-art28?year=2025").await, 200);
    assert_eq!((empty["totals"]["epoc_issued"].as_u64(), empty["rows"].clone()), (Some(0), json!([])));
    let platform = ok(&get(&app, &w.platform, "/v1/statistics/reports/eu-2023-1543-art28?year=2026").await, 200);
    assert_eq!(platform["rows"], json!([]));

    // CSV: the same rows, one line each.
    let csv = app
        .send(
            actix_web::test::TestRequest::get()
                .uri("/v1/statistics/reports/eu-2023-1543-art28?year=2026")
                .insert_header(("authorization", format!("Bearer {}", w.fr_prosecutor.token)))
                .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(csv.status.as_u16(), 200, "{}", csv.text());
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.header("content-disposition"), Some("attachment; filename=\"eu-2023-1543-art28-2026.csv\""));
    let header = "year,order_type,data_category,addressee_id,addressee_name,emergency,issued,executed,not_executed,pending,withdrawn,enforcing_authority_notified,refused_wrong_addressee,refused_overbroad,refused_no_legal_basis,refused_data_not_held,refused_insufficient_information,refused_fundamental_rights,refused_other,refused_no_data,refused_other_grounds,mean_time_to_data_secs";
    let expected = format!(
        "{header}\r\n\
         2026,epoc,content,{p},Example Platforms,false,1,0,1,0,0,1,0,0,0,0,0,1,0,0,0,\r\n\
         2026,epoc,subscriber,{p},Example Platforms,false,2,0,1,0,1,0,0,0,0,0,1,0,0,0,0,\r\n\
         2026,epoc,subscriber,{p},Example Platforms,true,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,10800\r\n\
         2026,epoc,traffic,{p},Example Platforms,false,1,1,0,0,0,1,0,0,0,0,0,0,0,0,0,345600\r\n"
    );
    assert_eq!(csv.text(), expected);
    // `STATS_PRINT=1 cargo test --test api the_art_28_report_in_json_and_csv::sqlite -- --nocapture`
    // prints the bodies the README shows.
    if std::env::var("STATS_PRINT").is_ok() {
        let raw = get(&app, &w.fr_prosecutor, "/v1/statistics/reports/eu-2023-1543-art28?year=2026").await;
        eprintln!("REPORT {}", raw.text());
        eprintln!("CSV {}", csv.text());
        eprintln!("STATS {}", get(&app, &w.fr_prosecutor, &stats_path("group_by=legal_basis")).await.text());
    }
}
on_both_backends!(the_art_28_report_in_json_and_csv);

async fn figures_are_the_partys_own_unless_an_administrator_asks(backend: TestBackend) {
    let Some((app, w)) = app(backend).await else { return };
    // Exchange-wide and another party's figures: 403 for a party.
    get(&app, &w.fr_prosecutor, "/v1/statistics?scope=exchange").await.assert_problem(403, "forbidden");
    get(&app, &w.fr_prosecutor, &format!("/v1/statistics?party={}", w.platform.id))
        .await
        .assert_problem(403, "forbidden");
    get(
        &app,
        &w.fr_prosecutor,
        &format!("/v1/statistics/reports/eu-2023-1543-art28?year=2026&party={}", w.platform.id),
    )
    .await
    .assert_problem(403, "forbidden");
    // Its own, named: allowed.
    ok(&get(&app, &w.fr_prosecutor, &format!("/v1/statistics?party={}", w.fr_prosecutor.id)).await, 200);
    // An approver-only client reads no statistics.
    let admin = app.admin_token_again().await;
    let approver = app.create_client(&admin, &w.fr_prosecutor.id, &["approver"]).await;
    let token = app.token(&approver).await;
    app.call(actix_web::http::Method::GET, "/v1/statistics", Some(&token), None).await.assert_problem(403, "forbidden");

    // Validation: group_by, the period, a direction exchange-wide, the year.
    let body =
        get(&app, &w.fr_prosecutor, "/v1/statistics?group_by=colour").await.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["pointer"], "/group_by", "{body}");
    let body = get(&app, &w.fr_prosecutor, "/v1/statistics?group_by=kind,priority,outcome")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "invalid_group_by", "{body}");
    let body = get(&app, &w.fr_prosecutor, "/v1/statistics?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["pointer"], "/to", "{body}");
    let body = app
        .call(actix_web::http::Method::GET, "/v1/statistics?direction=incoming", Some(&admin), None)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["pointer"], "/direction", "{body}");
    get(&app, &w.fr_prosecutor, "/v1/statistics?period_of=never").await.assert_problem(400, "invalid_query_parameter");
    get(&app, &w.fr_prosecutor, "/v1/statistics/reports/eu-2023-1543-art28")
        .await
        .assert_problem(400, "invalid_query_parameter");
    get(&app, &w.fr_prosecutor, "/v1/statistics/reports/eu-2023-1543-art28?year=1066")
        .await
        .assert_problem(422, "validation_failed");
}
on_both_backends!(figures_are_the_partys_own_unless_an_administrator_asks);

/// Runs `rogatory statistics <command>` on the app's database, as an operator would.
fn statistics_cli(app: &crate::support::TestApp, command: &str) -> (bool, Value, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(["statistics", command])
        .current_dir(app.database.path())
        .env("DATABASE_URL", &app.database.url)
        .env("ROGATORY_DATA_DIR", app.database.data_dir())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the rogatory binary");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        output.status.success(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The summary kept with each event is the trail folded: after the known history every stored
/// row equals its recomputation from the events; a deleted or damaged summary is found by
/// `rogatory statistics check` (non-zero exit) and restored by `rogatory statistics rebuild`,
/// after which the report is what it was.
async fn the_summary_is_the_trail_and_the_cli_rebuilds_it(backend: TestBackend) {
    use diesel::prelude::*;
    use rogatory::db::schema::request_statistics;
    let Some((app, mut w)) = app(backend).await else { return };
    build(&app, &mut w).await;
    let report_path = "/v1/statistics/reports/eu-2023-1543-art28?year=2026";
    let report = ok(&get(&app, &w.fr_prosecutor, report_path).await, 200);
    let figures = stats(&app, &w.fr_prosecutor, "").await;

    let checked = rogatory::statistics::summary::check(&mut app.database.connect()).expect("check");
    assert_eq!(checked.differing, 0, "{:?}", checked.differences);
    // Six requests left their issuer (A, B, C, F, G, D); the draft has no row.
    assert_eq!(checked.rows, 6, "{checked:?}");
    let (ok_, out, stderr) = statistics_cli(&app, "check");
    assert!(ok_, "{stderr}");
    assert_eq!(out["differing"], 0, "{out}");

    // Damage: one row deleted, another's outcome and counts changed.
    let mut conn = app.database.connect();
    let rows: Vec<rogatory::db::types::DbUuid> = request_statistics::table
        .select(request_statistics::request_id)
        .order(request_statistics::request_id)
        .load(&mut conn)
        .unwrap();
    diesel::delete(request_statistics::table.filter(request_statistics::request_id.eq(rows[0].clone())))
        .execute(&mut conn)
        .unwrap();
    diesel::update(request_statistics::table.filter(request_statistics::request_id.eq(rows[1].clone())))
        .set((request_statistics::outcome.eq(Some("fulfilled")), request_statistics::forwards.eq(7_i64)))
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let (ok_, out, stderr) = statistics_cli(&app, "check");
    assert!(!ok_, "a damaged summary fails the check: {out}");
    assert_eq!(out["differing"], 2, "{out}");
    assert!(stderr.contains("rogatory statistics rebuild"), "{stderr}");
    let kinds: Vec<&str> = out["differences"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"missing") && kinds.contains(&"different"), "{out}");

    let (ok_, out, stderr) = statistics_cli(&app, "rebuild");
    assert!(ok_, "{stderr}");
    assert_eq!(out["rows"], 6, "{out}");
    let (ok_, out, stderr) = statistics_cli(&app, "check");
    assert!(ok_, "{out} {stderr}");
    assert_eq!(ok(&get(&app, &w.fr_prosecutor, report_path).await, 200), report);
    assert_eq!(stats(&app, &w.fr_prosecutor, "").await, figures);
}
on_both_backends!(the_summary_is_the_trail_and_the_cli_rebuilds_it);
