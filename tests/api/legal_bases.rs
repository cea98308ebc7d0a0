//! The legal-basis catalogue, served from the database on both backends.

use serde_json::Value;

use crate::backend_test;
use crate::support::{TestApp, TestBackend};
use rogatory::legal_bases::IsoDuration;

const CODES: [&str; 16] = [
    "coe_197_art33",
    "coe_224_art10",
    "coe_224_art6",
    "coe_224_art7",
    "coe_224_art8",
    "coe_224_art9",
    "coe_budapest_29",
    "coe_budapest_30",
    "coe_budapest_31",
    "eu_2023_977",
    "eu_eio",
    "eu_epoc",
    "eu_epoc_pr",
    "mlat",
    "us_2702_emergency",
    "us_2703f",
];

fn codes(list: &Value) -> Vec<&str> {
    list["items"].as_array().expect("items").iter().map(|b| b["code"].as_str().expect("code")).collect()
}

fn clock<'a>(basis: &'a Value, kind: &str) -> &'a Value {
    basis["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("{} has no {kind} clock", basis["code"]))
}

backend_test! {
    async fn the_whole_catalogue_is_served_in_code_order(app) {
        let r = app.get("/v1/legal-bases").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        let list = r.json();
        assert_eq!(codes(&list), CODES);
        for basis in list["items"].as_array().unwrap() {
            assert!(!basis["citation"].as_str().unwrap().is_empty(), "{basis}");
            assert!(basis["verified"].is_boolean());
            assert!(!basis["allowed_recipient_kinds"].as_array().unwrap().is_empty(), "{basis}");
            for c in basis["clocks"].as_array().unwrap() {
                IsoDuration::parse(c["duration"].as_str().unwrap()).unwrap();
                assert!(!c["citation"].as_str().unwrap().is_empty());
            }
        }
    }
}

backend_test! {
    async fn an_epoc_carries_its_legal_clocks(app) {
        let r = app.get("/v1/legal-bases/eu_epoc").await;
        assert_eq!(r.status, 200);
        let epoc = r.json();
        assert_eq!(epoc["request_kind"], "production");
        assert_eq!(epoc["allowed_recipient_kinds"], serde_json::json!(["service_provider"]));
        let respond = clock(&epoc, "respond");
        assert_eq!((respond["duration"].as_str(), respond["emergency_duration"].as_str()), (Some("P10D"), Some("PT8H")));
        assert_eq!(respond["obligation_of"], "addressee");
        let object = clock(&epoc, "object");
        assert_eq!((object["duration"].as_str(), object["emergency_duration"].as_str()), (Some("P10D"), Some("PT96H")));
        assert_eq!(object["obligation_of"], "enforcing_authority");
        assert_eq!(epoc["verified"], true);
        assert_eq!(epoc["updated_at"], "2026-12-01T00:00:00Z");
        assert_eq!(epoc["effective_from"], "2026-12-01T00:00:00Z", "corrected by the law-as-written version");

        let pr = app.get("/v1/legal-bases/eu_epoc_pr").await.json();
        assert_eq!(clock(&pr, "preservation")["duration"], "P60D");
        assert_eq!(pr["extensions"][0]["duration"], "P30D");
        assert_eq!(pr["extensions"][0]["max_extensions"], 1);

        let eio = app.get("/v1/legal-bases/eu_eio").await.json();
        assert_eq!(clock(&eio, "execution")["starts_on"], "recognised");
        assert_eq!((clock(&eio, "acknowledge")["duration"].as_str(), clock(&eio, "acknowledge")["starts_on"].as_str()), (Some("P7D"), Some("received")));
        assert_eq!(eio["extensions"][0]["requires_reasons"], true);
    }
}

backend_test! {
    async fn unverified_values_say_so(app) {
        let budapest = app.get("/v1/legal-bases/coe_budapest_29").await.json();
        // ETS 185 Art 29(7) is quoted now: verified.
        assert_eq!(budapest["verified"], true);
        assert_eq!(clock(&budapest, "preservation")["verified"], true);
        assert!(clock(&budapest, "preservation")["source_quote"].as_str().unwrap().contains("not less than sixty days"));
        assert_eq!(budapest["preferred_designations"][0], "contact_point_24_7");
        let fields: Vec<&str> = budapest["required_fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        for required in ["issuing_authority", "offences", "facts_summary", "targets", "custodian", "preservation_necessity", "mla_intent"] {
            assert!(fields.contains(&required), "Art 29(2) requires {required}: {fields:?}");
        }
        let art8 = app.get("/v1/legal-bases/coe_224_art8").await.json();
        assert_eq!(art8["verified"], false);
        let by_category: Vec<(&str, &str)> = art8["clocks"].as_array().unwrap().iter()
            .map(|c| (c["when_data_categories"][0].as_str().unwrap(), c["duration"].as_str().unwrap()))
            .collect();
        assert_eq!(by_category, [("subscriber", "P20D"), ("traffic", "P45D")]);
        let mlat = app.get("/v1/legal-bases/mlat").await.json();
        assert_eq!(clock(&mlat, "respond")["binding"], false, "no time by law: a party target");
    }
}

backend_test! {
    async fn the_catalogue_filters_by_kind_and_recipient(app) {
        let preservation = app.get("/v1/legal-bases?request_kind=preservation").await.json();
        assert_eq!(codes(&preservation), ["coe_budapest_29", "eu_epoc_pr", "us_2703f"]);
        let to_providers = app.get("/v1/legal-bases?request_kind=preservation&recipient_kind=service_provider").await.json();
        assert_eq!(codes(&to_providers), ["eu_epoc_pr", "us_2703f"]);
        let domains = app.get("/v1/legal-bases?request_kind=domain_registration").await.json();
        assert_eq!(codes(&domains), ["coe_224_art6"]);
        let none = app.get("/v1/legal-bases?request_kind=domain_registration&recipient_kind=state_authority").await.json();
        assert!(codes(&none).is_empty());
    }
}

backend_test! {
    async fn an_unknown_code_is_404(app) {
        let body = app.get("/v1/legal-bases/eu_epoc_x").await.assert_problem(404, "not_found");
        assert!(body["detail"].as_str().unwrap().contains("eu_epoc_x"));
    }
}

/// The seed is the same on both backends: the same rows, value for value.
#[actix_web::test]
async fn both_backends_hold_the_same_catalogue() {
    let (Some(sqlite), Some(postgres)) =
        (TestApp::spawn(TestBackend::Sqlite).await, TestApp::spawn(TestBackend::Postgres).await)
    else {
        return;
    };
    let on_sqlite = sqlite.get("/v1/legal-bases").await.json();
    let on_postgres = postgres.get("/v1/legal-bases").await.json();
    assert_eq!(codes(&on_sqlite).len(), CODES.len());
    assert_eq!(on_sqlite, on_postgres);
}

backend_test! {
    /// Every clock, required field and refusal ground carries its citation; `verified` only
    /// with a quote and a source; every CETS 224 figure stays unverified, with its in-force status.
    async fn every_verified_value_carries_its_quote(app) {
        let list = app.get("/v1/legal-bases").await.json();
        for basis in list["items"].as_array().unwrap() {
            let code = basis["code"].as_str().unwrap();
            let parts = basis["clocks"].as_array().unwrap().iter()
                .chain(basis["required_fields"].as_array().unwrap())
                .chain(basis["refusal_grounds"].as_array().unwrap());
            for part in parts {
                let cited = part.get("citation").or_else(|| part.get("source")).and_then(Value::as_str).unwrap_or("");
                assert!(!cited.is_empty(), "{code}: {part}");
                if part["verified"] == true {
                    assert!(part["source_quote"].as_str().is_some_and(|q| q.len() > 10), "{code}: verified without a quote: {part}");
                    assert!(part["source_url"].as_str().is_some_and(|u| u.starts_with("https://")), "{code}: {part}");
                }
            }
            if code.starts_with("coe_224") {
                assert_eq!(basis["verified"], false, "{code}");
                assert!(basis["clocks"].as_array().unwrap().iter().all(|c| c["verified"] == false), "{code}");
                assert_eq!(basis["in_force"]["status"], "unknown", "{code}");
            }
        }
    }
}

/// The clocks the engine starts for each event, per basis, on both backends' catalogues: the
/// fixture is written from shared/research/legal-audit.md, not from the seed. Each entry:
/// (code, event, priority, data categories, content flags, enforcing authority notified)
/// → [(clock kind, hours, binding)].
mod engine {
    use super::*;
    use rogatory::deadlines::rules::plan;
    use rogatory::legal_bases::LegalBasis;
    use rogatory::vocab::Priority;
    use rogatory::vocab::{ClockTrigger, DataCategory};

    type Case = (
        &'static str,
        ClockTrigger,
        Priority,
        &'static [DataCategory],
        &'static [&'static str],
        bool,
        &'static [(&'static str, i64, bool)],
    );

    use ClockTrigger::{Preserved, Received, Recognised};
    use DataCategory::{Content, Identification, Subscriber, Traffic};
    use Priority::{Emergency, Normal, Urgent};

    const D: i64 = 24;
    const CASES: &[Case] = &[
        // Reg. 2023/1543 Art 10(3)-(4), Art 12(1): receipt; emergency; the authority only when notified.
        ("eu_epoc", Received, Normal, &[Traffic], &[], true, &[("respond", 10 * D, true), ("object", 10 * D, true)]),
        ("eu_epoc", Received, Emergency, &[Content], &[], true, &[("respond", 8, true), ("object", 96, true)]),
        ("eu_epoc", Received, Normal, &[Identification], &[], false, &[("respond", 10 * D, true)]),
        ("eu_epoc", Recognised, Normal, &[Traffic], &[], true, &[]),
        // Art 11(1): 60 days from receipt, nothing on preservation.
        ("eu_epoc_pr", Received, Normal, &[Subscriber], &[], false, &[("preservation", 60 * D, true)]),
        ("eu_epoc_pr", Preserved, Normal, &[Subscriber], &[], false, &[]),
        // Dir. 2014/41 Art 16(1), 12(3): acknowledgement and recognition on receipt; Art 12(4) on
        // the decision; Art 32(2) for urgent provisional measures.
        ("eu_eio", Received, Normal, &[], &[], false, &[("acknowledge", 7 * D, true), ("recognition", 30 * D, true)]),
        (
            "eu_eio",
            Received,
            Urgent,
            &[],
            &["provisional_measures"],
            false,
            &[("acknowledge", 7 * D, true), ("recognition", 30 * D, true), ("provisional_measures", 24, true)],
        ),
        (
            "eu_eio",
            Received,
            Normal,
            &[],
            &["provisional_measures"],
            false,
            &[("acknowledge", 7 * D, true), ("recognition", 30 * D, true)],
        ),
        ("eu_eio", Recognised, Normal, &[], &[], false, &[("execution", 90 * D, true)]),
        // ETS 185 Art 29(7): at least 60 days from preservation, nothing on receipt.
        ("coe_budapest_29", Received, Urgent, &[Traffic], &[], false, &[]),
        ("coe_budapest_29", Preserved, Urgent, &[Traffic], &[], false, &[("preservation", 60 * D, true)]),
        // ETS 185 Art 30(1): "expeditiously": a default target.
        ("coe_budapest_30", Received, Normal, &[Traffic], &[], false, &[("respond", 72, false)]),
        // ETS 185 Art 31: no time.
        ("coe_budapest_31", Received, Normal, &[Content], &[], false, &[]),
        // Dir. (EU) 2023/977 Art 5(1).
        ("eu_2023_977", Received, Urgent, &[], &["directly_accessible"], false, &[("respond", 8, true)]),
        ("eu_2023_977", Received, Emergency, &[], &[], false, &[("respond", 3 * D, true)]),
        ("eu_2023_977", Received, Normal, &[], &["directly_accessible"], false, &[("respond", 7 * D, true)]),
        // CETS 224: defaults until quoted.
        ("coe_224_art6", Received, Normal, &[Subscriber], &[], false, &[]),
        (
            "coe_224_art8",
            Received,
            Normal,
            &[Subscriber, Traffic],
            &[],
            false,
            &[("respond", 20 * D, true), ("respond", 45 * D, true)],
        ),
        ("coe_224_art9", Received, Emergency, &[Traffic], &[], false, &[("respond", 8, false)]),
        ("coe_224_art10", Received, Emergency, &[], &[], false, &[("respond", 24, false)]),
        // 18 U.S.C. 2703(f)(2), 2711(4): 90 days, not binding for a foreign issuer.
        ("us_2703f", Received, Normal, &[Traffic], &[], false, &[("preservation", 90 * D, false)]),
        ("us_2702_emergency", Received, Emergency, &[Content], &[], false, &[("respond", 8, false)]),
        // CETS 197 Art 33(1): the recipient acknowledges; no answer deadline.
        ("coe_197_art33", Received, Emergency, &[], &[], false, &[("acknowledge", 1, false)]),
        // ETS 030: no time by law; a default target.
        ("mlat", Received, Normal, &[], &[], false, &[("respond", 90 * D, false)]),
    ];

    /// Which clocks a clarification pauses and which survive the addressee's answer.
    const PAUSED_BY_CLARIFICATION: &[(&str, &[&str])] = &[
        ("eu_epoc", &["respond"]),
        ("eu_eio", &[]),
        ("coe_224_art8", &["respond"]),
        ("mlat", &["respond"]),
        ("coe_197_art33", &[]),
    ];

    async fn check(app: TestApp) {
        let mut bases = std::collections::HashMap::new();
        for basis in app.get("/v1/legal-bases").await.json()["items"].as_array().unwrap() {
            let parsed: LegalBasis = serde_json::from_value(basis.clone()).unwrap();
            bases.insert(parsed.code.clone(), parsed);
        }
        for (code, trigger, priority, categories, flags, notified, expected) in CASES {
            let basis = &bases[*code];
            let got: Vec<(String, i64, bool)> =
                plan(basis, *trigger, *priority, categories, flags, *notified, |_| None)
                    .into_iter()
                    .map(|p| (rogatory::db::codec::encode_text(&p.kind), p.duration.num_hours(), p.binding))
                    .collect();
            let want: Vec<(String, i64, bool)> = expected.iter().map(|(k, h, b)| ((*k).to_owned(), *h, *b)).collect();
            assert_eq!(got, want, "{code} on {trigger:?} ({priority:?}, {categories:?}, {flags:?})");
        }
        for (code, kinds) in PAUSED_BY_CLARIFICATION {
            let paused: Vec<String> = bases[*code]
                .clocks
                .iter()
                .filter(|c| c.pauses_on_clarification)
                .map(|c| rogatory::db::codec::encode_text(&c.kind))
                .collect();
            let mut want: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
            want.dedup();
            let mut paused = paused;
            paused.dedup();
            assert_eq!(paused, want, "{code}: clocks a clarification pauses");
        }
        // An answer leaves only the enforcing authority's clock running (Reg. 2023/1543 Art 8(4), 10(4)).
        let epoc = &bases["eu_epoc"];
        assert!(epoc.clocks.iter().any(|c| c.obligation_of == rogatory::vocab::Obligor::EnforcingAuthority));
        // Preservations kept by an open follow-up: EPOC-PR (Art 11(2)) and ETS 185 Art 29(7) only.
        let kept: Vec<&str> = bases
            .values()
            .filter(|b| b.clocks.iter().any(|c| c.kept_while_follow_up_open))
            .map(|b| b.code.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(kept, ["coe_budapest_29", "eu_epoc_pr"]);
    }

    #[actix_web::test]
    async fn sqlite() {
        if let Some(app) = TestApp::spawn(TestBackend::Sqlite).await {
            check(app).await;
        }
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::spawn(TestBackend::Postgres).await {
            check(app).await;
        }
    }
}
