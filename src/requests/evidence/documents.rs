//! Signed documents: when a request leaves (submitted, approved, forwarded) the exchange signs
//! its legal content, and when a party answers it signs the response (its text, outcome and the
//! digests of the attachments it cites); each as a compact JWS (RFC 7515) with its Ed25519 key,
//! over the canonical JSON (RFC 8785) of the document, bound to the event's hash. A recipient
//! checks it with nothing but the public JWKS: this is how a platform tells a genuine emergency
//! request from a forged one, and how an issuer shows what it was answered.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::jcs;
use crate::auth::keys::KeyRing;
use crate::requests::dto::Request;
use crate::vocab::EventType;

/// Media type of a signed request document (the JWS `cty`).
pub const CONTENT_TYPE: &str = "application/vnd.rogatory.request+json";
/// Media type of a signed response document.
pub const RESPONSE_CONTENT_TYPE: &str = "application/vnd.rogatory.response+json";
/// The payload's `type` of each kind of document.
pub const REQUEST_TYPE: &str = "rogatory.request";
pub const RESPONSE_TYPE: &str = "rogatory.response";
/// Events that make a request leave, each signed as a request document.
pub const LEAVING_EVENTS: [EventType; 2] = [EventType::Submitted, EventType::Forwarded];
/// Events that record an answer to the request, each signed as a response document.
pub const RESPONSE_EVENTS: [EventType; 2] = [EventType::Responded, EventType::Objected];

/// Signs a request `document` with the exchange's current key; returns the compact JWS.
pub fn sign(keys: &KeyRing, document: &Value) -> String {
    sign_as(keys, CONTENT_TYPE, document)
}

/// Signs `payload` (its canonical JSON) as a compact JWS of media type `cty`.
pub fn sign_as(keys: &KeyRing, cty: &str, payload: &Value) -> String {
    let header = json!({"alg": "EdDSA", "kid": keys.signing.kid, "typ": "JOSE", "cty": cty});
    keys.signing.compact_jws(&jcs::to_vec(&header), &jcs::to_vec(payload))
}

/// Verifies a compact JWS against a JWKS and returns its payload. Only `EdDSA` with a `kid`
/// of the set is accepted.
pub fn verify(jws: &str, jwks: &JwkSet) -> Result<Value, String> {
    let mut parts = jws.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS (three dot-separated parts)".into());
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|_| "header is not base64url")?)
        .map_err(|_| "header is not JSON")?;
    if header["alg"] != "EdDSA" {
        return Err(format!("algorithm {} is not accepted", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or("the header names no key (kid)")?;
    let jwk = jwks.find(kid).ok_or_else(|| format!("key {kid} is not in the key set"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let signing_input = &jws[..jws.len() - signature.len() - 1];
    let valid = jsonwebtoken::crypto::verify(signature, signing_input.as_bytes(), &key, Algorithm::EdDSA)
        .map_err(|e| e.to_string())?;
    if !valid {
        return Err("the signature does not match the document".into());
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| "payload is not base64url")?;
    serde_json::from_slice(&bytes).map_err(|_| "payload is not JSON".into())
}

/// The legal content of a request as a request document carries it (its `request` member):
/// what the exchange signs when the request leaves, and what `verify-export` compares the
/// bundle's request section with.
pub fn legal_content(request: &Request) -> Value {
    json!({
        "id": request.id,
        "reference": request.reference,
        "legal_basis": request.legal_basis,
        "kind": request.kind,
        "priority": request.priority,
        "issuer": request.issuer,
        "addressee": request.addressee,
        "addressee_entity": request.addressee_entity,
        "enforcing_authority": request.enforcing_authority,
        "content": request.content,
        "follow_up_of": request.follow_up_of,
        "submitted_at": request.submitted_at.map(crate::audit::chain::time_text),
    })
}

/// The event a document is bound to: its number, type and hash in the request's chain.
pub struct BoundEvent<'a> {
    pub seq: i32,
    pub event_type: EventType,
    pub hash: &'a str,
}

/// A request document: the request's legal content, bound to the event that made it leave.
pub fn request_document(request: &Request, exchange: &str, event: &BoundEvent) -> Value {
    json!({
        "type": REQUEST_TYPE,
        "exchange": exchange,
        "request": legal_content(request),
        "event": {"seq": event.seq, "type": event.event_type, "hash": event.hash},
    })
}

/// A response document: the answer exactly as its event records it (`data`: outcome, text,
/// the attachments it cites with their SHA-256, …), who gave it, bound to that event.
pub fn response_document(
    request: &Request,
    exchange: &str,
    party: Option<Uuid>,
    data: &Value,
    event: &BoundEvent,
) -> Value {
    json!({
        "type": RESPONSE_TYPE,
        "exchange": exchange,
        "request": {"id": request.id, "reference": request.reference},
        "party": party,
        "response": data,
        "event": {"seq": event.seq, "type": event.event_type, "hash": event.hash},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_documents_verify_and_any_change_fails() {
        let dir = std::env::temp_dir().join(format!("rogatory-doc-{}", uuid::Uuid::new_v4()));
        let (keys, _) = KeyRing::load(None, &dir.join("k.pem"), &[]).unwrap();
        let document = json!({"request": {"reference": "FR-2026-000001", "priority": "emergency"}});
        let jws = sign(&keys, &document);
        assert_eq!(verify(&jws, &keys.jwks()).unwrap(), document);

        // One changed byte of the payload.
        let parts: Vec<&str> = jws.split('.').collect();
        let forged = json!({"request": {"reference": "FR-2026-000001", "priority": "emergencY"}});
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(jcs::to_vec(&forged)), parts[2]);
        assert!(verify(&forged, &keys.jwks()).unwrap_err().contains("signature"));

        let (other, _) = KeyRing::load(None, &dir.join("other.pem"), &[]).unwrap();
        assert!(verify(&jws, &other.jwks()).unwrap_err().contains("not in the key set"));
        std::fs::remove_dir_all(dir).ok();
    }
}
