//! The legal-basis catalogue, served from the database on both backends.

use serde_json::Value;

use crate::backend_test;
use crate::support::{TestApp, TestBackend};
use rogatory::legal_bases::IsoDuration;

const CODES: [&str; 12] = [
    "coe_197_art33",
    "coe_224_art7",
    "coe_224_art8",
    "coe_224_art9",
    "coe_budapest_29",
    "coe_budapest_31",
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
        assert_eq!(epoc["updated_at"], "2026-11-30T00:00:00Z");

        let pr = app.get("/v1/legal-bases/eu_epoc_pr").await.json();
        assert_eq!(clock(&pr, "preservation")["duration"], "P60D");
        assert_eq!(pr["extensions"][0]["duration"], "P30D");
        assert_eq!(pr["extensions"][0]["max_extensions"], 1);

        let eio = app.get("/v1/legal-bases/eu_eio").await.json();
        assert_eq!(clock(&eio, "execution")["starts_on"], "recognised");
        assert_eq!(eio["extensions"][0]["requires_reasons"], true);
    }
}

backend_test! {
    async fn unverified_values_say_so(app) {
        let budapest = app.get("/v1/legal-bases/coe_budapest_29").await.json();
        assert_eq!(budapest["verified"], false);
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
        let none = app.get("/v1/legal-bases?request_kind=domain_registration").await.json();
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
