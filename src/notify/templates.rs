//! E-mail texts, plain and HTML, in the recipient party's language where a template exists
//! (English and French), English otherwise. Mails carry the reference, the legal basis, the
//! deadline and a link: never evidence content.

use serde_json::Value;

use crate::vocab::EventType;

pub use crate::mail::Mail;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// (event, English line, French line)
const LINES: [(EventType, &str, &str); 10] = [
    (
        EventType::Submitted,
        "A new request for evidence has been addressed to you.",
        "Une nouvelle demande de preuve vous a été adressée.",
    ),
    (
        EventType::ClarificationRequested,
        "The recipient asks for a clarification.",
        "Le destinataire demande une clarification.",
    ),
    (EventType::Responded, "Your request has been answered.", "Votre demande a reçu une réponse."),
    (
        EventType::ResponseReleased,
        "The answer to your order is released: the enforcing authority raised no ground for refusal.",
        "La réponse à votre injonction est transmise : l'autorité d'exécution n'a soulevé aucun motif de refus.",
    ),
    (
        EventType::Objected,
        "The enforcing authority has objected to the order.",
        "L'autorité d'exécution a soulevé une objection.",
    ),
    (
        EventType::Forwarded,
        "The request has been forwarded to another authority.",
        "La demande a été transmise à une autre autorité.",
    ),
    (EventType::ClockApproaching, "A legal deadline is approaching.", "Un délai légal arrive à échéance."),
    (EventType::ClockMissed, "A legal deadline has been missed.", "Un délai légal est dépassé."),
    (
        EventType::PreservationExpiring,
        "A preservation is about to expire; extend it if the data are still needed.",
        "Une conservation arrive à expiration ; prolongez-la si les données sont encore nécessaires.",
    ),
    (EventType::PreservationLapsed, "A preservation has lapsed.", "Une conservation a expiré."),
];

/// Renders the mail for a notification payload (`notify::fan_out`) in the first supported
/// language of `languages`.
pub fn render(notification: &Value, languages: &[String], public_url: &str) -> Mail {
    let french = languages.iter().find(|l| *l == "fr" || *l == "en").is_some_and(|l| l == "fr");
    let event_type = notification["event_type"].as_str().unwrap_or_default();
    let reference = notification["reference"].as_str().unwrap_or_default();
    let basis = notification["legal_basis"].as_str().unwrap_or_default();
    let request = notification["request_id"].as_str().unwrap_or_default();
    let due = notification["data"]["due_at"].as_str().map(str::to_owned);
    let line = LINES
        .iter()
        .find(|(t, _, _)| t.as_str() == event_type)
        .map(|(_, en, fr)| if french { *fr } else { *en })
        .unwrap_or(event_type);
    let link = format!("{}/v1/requests/{request}", public_url.trim_end_matches('/'));
    let (ref_label, basis_label, due_label, footer) = if french {
        (
            "Référence",
            "Base juridique",
            "Échéance (UTC)",
            "Message automatique de Rogatory. Le contenu de la demande n'est disponible que dans l'API.",
        )
    } else {
        (
            "Reference",
            "Legal basis",
            "Deadline (UTC)",
            "Automatic message from Rogatory. The request's content is available in the API only.",
        )
    };
    let subject = format!("[Rogatory] {reference}: {line}");
    let mut text = format!("{line}\n\n{ref_label}: {reference}\n{basis_label}: {basis}\n");
    let mut html = format!(
        "<p>{}</p><table><tr><th align=\"left\">{ref_label}</th><td>{}</td></tr><tr><th align=\"left\">{basis_label}</th><td>{}</td></tr>",
        escape(line),
        escape(reference),
        escape(basis)
    );
    if let Some(due) = &due {
        text.push_str(&format!("{due_label}: {due}\n"));
        html.push_str(&format!("<tr><th align=\"left\">{due_label}</th><td>{}</td></tr>", escape(due)));
    }
    text.push_str(&format!("\n{link}\n\n-- \n{footer}\n"));
    html.push_str(&format!(
        "</table><p><a href=\"{0}\">{0}</a></p><p><small>{1}</small></p>",
        escape(&link),
        escape(footer)
    ));
    Mail { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mails_carry_the_reference_and_deadline_in_the_party_language() {
        let n = json!({"event_type": "clock.missed", "reference": "FR-2026-000042", "legal_basis": "eu_epoc",
            "request_id": "0193a6f5-0000-7000-8000-000000000001", "data": {"due_at": "2026-12-10T08:00:00Z", "facts": "secret"}});
        let en = render(&n, &["de".into(), "en".into()], "https://x.example/");
        assert_eq!(en.subject, "[Rogatory] FR-2026-000042: A legal deadline has been missed.");
        assert!(en.text.contains("2026-12-10T08:00:00Z") && en.text.contains("https://x.example/v1/requests/0193a6f5"));
        assert!(!en.text.contains("secret"));
        let fr = render(&n, &["fr".into()], "https://x.example");
        assert!(fr.subject.contains("Un délai légal est dépassé."));
        assert!(fr.html.contains("Échéance"));
    }

    #[test]
    fn every_mailed_event_has_its_line_and_only_those() {
        for t in EventType::ALL {
            assert_eq!(LINES.iter().any(|(l, _, _)| *l == t), t.emailed(), "{t}");
        }
    }
}
