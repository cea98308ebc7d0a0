//! Pure rules of the checks against a request's legal basis itself (issue 18): what the
//! instrument's text says about who may issue it, for which offences and which data, where the
//! request's content lets us tell. `error` only where the text clearly forbids what the request
//! says; otherwise `warning`. What drafting already refuses (required fields, emergencies on a
//! basis without an emergency procedure, an emergency without its justification) is not
//! repeated here. No database, no HTTP.

use chrono::{DateTime, Utc};

use super::dto::{Finding, FindingSource, Severity};
use crate::requests::dto::RequestContent;
use crate::vocab::{DataCategory, Priority};

/// What the check needs to know of the issuing party.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issuer {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Designated `judicial` in the directory (a judge, a court, an investigating judge or a
    /// public prosecutor: the directory does not tell them apart).
    pub judicial: bool,
}

/// Three years, in months (Reg. 2023/1543 Art 5(4)(a)).
const THREE_YEARS: u32 = 36;

fn finding(pointer: &str, severity: Severity, code: &str, citation: &str, message: impl Into<String>) -> Finding {
    Finding {
        pointer: pointer.into(),
        severity,
        code: code.into(),
        message: message.into(),
        source: FindingSource::LegalBasis,
        citation: Some(citation.into()),
    }
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Whether an EPOC asks for traffic data other than data requested solely to identify the
/// user (category `identification`, Art 3(10)), or content data: the orders of Art 4(2) and
/// Art 5(4).
fn traffic_or_content(content: &RequestContent) -> bool {
    content.data_categories.iter().any(|c| matches!(c, DataCategory::Traffic | DataCategory::Content))
}

/// What `content`, sent by `issuer` under `legal_basis` with `priority`, breaks of the legal
/// basis's own rules, checked at `now`.
pub fn check(
    legal_basis: &str,
    priority: Priority,
    content: &RequestContent,
    issuer: &Issuer,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    use Severity::{Error, Warning};
    let mut out = vec![];
    let epoc = legal_basis == "eu_epoc";
    let epoc_pr = legal_basis == "eu_epoc_pr";
    let heavy = epoc && traffic_or_content(content);

    // Reg. 2023/1543 Art 5(4): an EPOC for traffic data (except data requested for the sole
    // purpose of identifying the user) or content data "shall only be issued" (a) for offences
    // punishable in the issuing State by a custodial sentence of a maximum of at least 3 years,
    // or (b) for the offences it lists when committed by means of an information system, and
    // the points after it.
    if heavy && content.art_5_4_listed_offence != Some(true) {
        let art_5_4 = "Reg. (EU) 2023/1543 Art 5(4)";
        match content.max_custodial_sentence_months {
            Some(months) if months < THREE_YEARS => out.push(finding(
                "/content/max_custodial_sentence_months",
                Error,
                "offence_below_threshold",
                art_5_4,
                format!(
                    "an EPOC for traffic data (other than data requested solely to identify the user) or content \
                     data may be issued only for offences punishable in the issuing State by a custodial sentence \
                     of a maximum of at least 3 years, not {months} months, unless Art 5(4) lists the offence \
                     (then state art_5_4_listed_offence); ask for subscriber or identification data only (Art 5(3)), \
                     or drop traffic and content"
                ),
            )),
            Some(_) => {}
            None => out.push(finding(
                "/content/max_custodial_sentence_months",
                Warning,
                "offence_threshold_unstated",
                art_5_4,
                "an EPOC for traffic data (other than data requested solely to identify the user) or content data \
                 may be issued only for offences punishable in the issuing State by a custodial sentence of a \
                 maximum of at least 3 years, or those Art 5(4) lists; state max_custodial_sentence_months, or \
                 art_5_4_listed_offence",
            )),
        }
    }

    // Reg. 2023/1543 Art 4: an authority other than a judge, a court, an investigating judge or
    // a public prosecutor issues an order only with the validation of one of them (Art 4(1)(b),
    // (3)(b)); for traffic or content data, of a judge, a court or an investigating judge
    // (Art 4(2)(b)). Art 4(5) lets it seek validation afterwards in emergencies, for subscriber
    // and identification data and for preservation only.
    if (epoc || epoc_pr) && blank(&content.validating_authority) {
        if !issuer.judicial {
            let (citation, severity) = if heavy {
                ("Reg. (EU) 2023/1543 Art 4(2)", Error)
            } else if priority == Priority::Emergency {
                ("Reg. (EU) 2023/1543 Art 4(5)", Warning)
            } else if epoc {
                ("Reg. (EU) 2023/1543 Art 4(1)", Error)
            } else {
                ("Reg. (EU) 2023/1543 Art 4(3)", Error)
            };
            let message = match severity {
                Error => format!(
                    "the issuing party is not a judicial authority: the order must be validated by {} in the \
                     issuing State; state validating_authority",
                    if heavy {
                        "a judge, a court or an investigating judge"
                    } else {
                        "a judge, a court, an investigating judge or a public prosecutor"
                    }
                ),
                Warning => "the issuing party is not a judicial authority: in an emergency the order may be issued \
                            without prior validation where it cannot be obtained in time, and validation is then \
                            sought without undue delay"
                    .to_owned(),
            };
            out.push(finding("/content/validating_authority", severity, "validation_required", citation, message));
        } else if heavy {
            out.push(finding(
                "/content/validating_authority",
                Warning,
                "judge_required",
                "Reg. (EU) 2023/1543 Art 4(2)",
                "an EPOC for traffic data (other than data requested solely to identify the user) or content data \
                 is issued by a judge, a court or an investigating judge, or validated by one: a public prosecutor \
                 alone may not; if the issuing authority is a prosecutor, state validating_authority",
            ));
        }
    }

    // Reg. 2023/1543 Art 3(18), Art 10(4): the 8 hours apply to an emergency situation.
    if epoc && priority == Priority::Emergency {
        out.push(finding(
            "/priority",
            Warning,
            "emergency_definition",
            "Reg. (EU) 2023/1543 Art 3(18), Art 10(4)",
            "an emergency is an imminent threat to the life, physical integrity or safety of a person, or to a \
             critical infrastructure whose disruption or destruction would result in such a threat; the \
             emergency justification must show one",
        ));
    }

    // Orders and preservation reach data stored when they are received (Reg. 2023/1543 Art
    // 3(8)); ETS 185 Art 29(1) preserves "data stored by means of a computer system". A period
    // running past now asks for data that do not exist yet.
    if let Some(period) = &content.period
        && period.to > now
    {
        let citation = match legal_basis {
            "eu_epoc" | "eu_epoc_pr" => Some("Reg. (EU) 2023/1543 Art 3(8)"),
            "coe_budapest_29" => Some("ETS 185 Art 29(1)"),
            _ => None,
        };
        if let Some(citation) = citation {
            out.push(finding(
                "/content/period/to",
                Warning,
                "data_not_yet_stored",
                citation,
                "the period ends in the future: the instrument reaches data stored when the request is received, \
                 not data yet to come",
            ));
        }
    }

    // 18 U.S.C. 2711(4): a "governmental entity" is a department or agency of the United States
    // or any State or political subdivision thereof. 2703(f) binds a provider "upon the request
    // of a governmental entity"; 2702(b)(8) and (c)(4) permit disclosure "to a governmental
    // entity"; (c)(6) permits records (not contents) "to any person other than a governmental
    // entity".
    if matches!(legal_basis, "us_2703f" | "us_2702_emergency") && issuer.country.as_deref() != Some("US") {
        let message = if legal_basis == "us_2703f" {
            "a foreign authority is not a governmental entity (a department or agency of the United States or any \
             State or political subdivision thereof): 2703(f) does not oblige the provider to preserve for it; \
             preservation is voluntary (the binding route is ETS 185 Art 29 to the US 24/7 point of contact)"
        } else {
            "a foreign authority is not a governmental entity (a department or agency of the United States or any \
             State or political subdivision thereof): 2702(b)(8) and (c)(4) do not apply to it; a provider may \
             disclose records, not contents, under (c)(6), voluntarily"
        };
        out.push(finding("/legal_basis", Warning, "not_a_governmental_entity", "18 U.S.C. 2711(4)", message));
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use serde_json::json;

    use super::*;

    fn content(value: serde_json::Value) -> RequestContent {
        serde_json::from_value(value).unwrap()
    }

    fn codes(found: &[Finding]) -> Vec<(&str, &str, Severity)> {
        found.iter().map(|f| (f.pointer.as_str(), f.code.as_str(), f.severity)).collect()
    }

    const JUDGE: Issuer = Issuer { country: None, judicial: true };

    #[test]
    fn traffic_and_content_orders_need_a_three_year_offence_or_a_listed_one() {
        let now = Utc::now();
        let order = |months: serde_json::Value, listed: serde_json::Value, categories: serde_json::Value| {
            content(json!({"data_categories": categories, "max_custodial_sentence_months": months,
                "art_5_4_listed_offence": listed, "validating_authority": "JLD Paris"}))
        };
        let check = |c: &RequestContent| check("eu_epoc", Priority::Normal, c, &JUDGE, now);
        let two_years = check(&order(json!(24), json!(null), json!(["traffic"])));
        assert_eq!(
            codes(&two_years),
            [("/content/max_custodial_sentence_months", "offence_below_threshold", Severity::Error)]
        );
        assert_eq!(two_years[0].citation.as_deref(), Some("Reg. (EU) 2023/1543 Art 5(4)"));
        assert_eq!(two_years[0].source, FindingSource::LegalBasis);
        assert!(check(&order(json!(36), json!(null), json!(["content"]))).is_empty());
        assert!(check(&order(json!(24), json!(true), json!(["traffic"]))).is_empty());
        // Subscriber data and data solely to identify the user: every offence (Art 5(3)).
        assert!(check(&order(json!(6), json!(null), json!(["subscriber", "identification"]))).is_empty());
        let unstated = check(&order(json!(null), json!(null), json!(["traffic"])));
        assert_eq!(
            codes(&unstated),
            [("/content/max_custodial_sentence_months", "offence_threshold_unstated", Severity::Warning)]
        );
        // Other instruments: no such threshold.
        assert!(
            super::check(
                "eu_epoc_pr",
                Priority::Normal,
                &order(json!(6), json!(null), json!(["traffic"])),
                &JUDGE,
                now
            )
            .is_empty()
        );
    }

    #[test]
    fn a_non_judicial_issuer_needs_validation() {
        let now = Utc::now();
        let police = Issuer { country: Some("FR".into()), judicial: false };
        let traffic = content(json!({"data_categories": ["traffic"], "max_custodial_sentence_months": 120}));
        let found = check("eu_epoc", Priority::Normal, &traffic, &police, now);
        assert_eq!(codes(&found), [("/content/validating_authority", "validation_required", Severity::Error)]);
        assert_eq!(found[0].citation.as_deref(), Some("Reg. (EU) 2023/1543 Art 4(2)"));
        let subscriber = content(json!({"data_categories": ["subscriber"], "emergency_justification": "threat"}));
        let found = check("eu_epoc", Priority::Normal, &subscriber, &police, now);
        assert_eq!(found[0].citation.as_deref(), Some("Reg. (EU) 2023/1543 Art 4(1)"));
        // Emergencies: validation afterwards, for subscriber data (Art 4(5)); not for traffic.
        let found = check("eu_epoc", Priority::Emergency, &subscriber, &police, now);
        assert_eq!(
            codes(&found),
            [
                ("/content/validating_authority", "validation_required", Severity::Warning),
                ("/priority", "emergency_definition", Severity::Warning)
            ]
        );
        let found = check("eu_epoc", Priority::Emergency, &traffic, &police, now);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(
            check("eu_epoc_pr", Priority::Normal, &traffic, &police, now)[0].citation.as_deref(),
            Some("Reg. (EU) 2023/1543 Art 4(3)")
        );
        // With a validating authority, nothing.
        let validated = content(json!({"data_categories": ["traffic"], "max_custodial_sentence_months": 120,
            "validating_authority": "Juge d'instruction, Paris"}));
        assert!(check("eu_epoc", Priority::Normal, &validated, &police, now).is_empty());
        // A judicial issuer alone: may be a prosecutor, who may not issue traffic orders alone.
        let found = check("eu_epoc", Priority::Normal, &traffic, &JUDGE, now);
        assert_eq!(codes(&found), [("/content/validating_authority", "judge_required", Severity::Warning)]);
        assert!(check("eu_epoc", Priority::Normal, &subscriber, &JUDGE, now).is_empty());
    }

    #[test]
    fn future_data_and_foreign_issuers_of_us_requests_are_warned() {
        let now = Utc::now();
        let future = content(json!({"period": {"from": now - TimeDelta::days(10), "to": now + TimeDelta::days(10)}}));
        let found = check("coe_budapest_29", Priority::Urgent, &future, &JUDGE, now);
        assert_eq!(codes(&found), [("/content/period/to", "data_not_yet_stored", Severity::Warning)]);
        assert!(check("mlat", Priority::Normal, &future, &JUDGE, now).is_empty());
        let french = Issuer { country: Some("FR".into()), judicial: true };
        let found = check("us_2703f", Priority::Normal, &RequestContent::default(), &french, now);
        assert_eq!(codes(&found), [("/legal_basis", "not_a_governmental_entity", Severity::Warning)]);
        let american = Issuer { country: Some("US".into()), judicial: true };
        assert!(check("us_2702_emergency", Priority::Emergency, &RequestContent::default(), &american, now).is_empty());
    }
}
