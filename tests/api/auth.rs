//! Tokens: the client-credentials grant, and every way a token must be refused.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::backend_test;
use crate::on_both_backends;
use crate::support::{
    Credentials, TestApp, TestBackend, TestDatabase, german_24_7, platform, store_argon2_secret, stored_secret_hash,
};

fn form(credentials: &Credentials) -> TestRequest {
    TestRequest::post().uri("/v1/oauth/token").set_form([
        ("grant_type", "client_credentials"),
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.as_str()),
    ])
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

#[track_caller]
fn assert_oauth_error(r: &crate::support::TestResponse, status: u16, error: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(body["code"], error);
    assert_eq!(body["status"], status);
}

backend_test! {
    async fn client_credentials_give_a_signed_token(app) {
        let credentials = app.bootstrap();
        let r = app.send(form(&credentials)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let body = r.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        let token = body["access_token"].as_str().unwrap();
        let header = header_of(token);
        assert_eq!(header["alg"], "EdDSA");
        let jwks = app.get("/.well-known/jwks.json").await.json();
        assert_eq!(header["kid"], jwks["keys"][0]["kid"]);
        let claims = claims_of(token);
        for claim in ["iss", "aud", "sub", "party", "roles", "exp", "iat", "nbf", "jti"] {
            assert!(claims.get(claim).is_some(), "{claim} missing: {claims}");
        }
        assert_eq!(claims["sub"], credentials.client_id.as_str());
        assert_eq!(claims["party"], credentials.party_id.as_str());
        assert_eq!(claims["roles"], json!(["exchange_admin"]));
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);

        // HTTP Basic works as well (RFC 6749 §2.3.1).
        let basic = STANDARD.encode(format!("{}:{}", credentials.client_id, credentials.client_secret));
        let r = app
            .send(TestRequest::post().uri("/v1/oauth/token")
                .insert_header(("authorization", format!("Basic {basic}")))
                .set_form([("grant_type", "client_credentials")]))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());

        let me = app.call(Method::GET, "/v1/me", Some(token), None).await;
        assert_eq!(me.status, 200, "{}", me.text());
        assert_eq!(me.json()["client_id"], credentials.client_id.as_str());
    }
}

backend_test! {
    async fn bad_token_requests_get_oauth_errors(app) {
        let credentials = app.bootstrap();
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        let r = app.send(form(&wrong)).await;
        assert_oauth_error(&r, 401, "invalid_client");
        assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"rogatory\""));
        let unknown = Credentials { client_id: "rgc_nobody".into(), ..credentials.clone() };
        assert_oauth_error(&app.send(form(&unknown)).await, 401, "invalid_client");

        let r = app.send(TestRequest::post().uri("/v1/oauth/token").set_form([
            ("grant_type", "password"), ("client_id", credentials.client_id.as_str()), ("client_secret", credentials.client_secret.as_str()),
        ])).await;
        assert_oauth_error(&r, 400, "unsupported_grant_type");
        let r = app.send(TestRequest::post().uri("/v1/oauth/token").set_form([
            ("client_id", credentials.client_id.as_str()), ("client_secret", credentials.client_secret.as_str()),
        ])).await;
        assert_oauth_error(&r, 400, "invalid_request");
        let r = app.send(TestRequest::post().uri("/v1/oauth/token").set_form([("grant_type", "client_credentials")])).await;
        assert_oauth_error(&r, 401, "invalid_client");
        let r = app.send(TestRequest::post().uri("/v1/oauth/token").set_json(json!({"grant_type": "client_credentials"}))).await;
        assert_oauth_error(&r, 400, "invalid_request");
    }
}

backend_test! {
    async fn repeated_failures_are_rate_limited(app) {
        let credentials = app.bootstrap();
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        for _ in 0..10 {
            assert_oauth_error(&app.send(form(&wrong)).await, 401, "invalid_client");
        }
        let r = app.send(form(&wrong)).await;
        r.assert_problem(429, "too_many_requests");
        let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=300).contains(&wait), "{wait}");
        // From the address that guessed, even the right secret waits.
        app.send(form(&credentials)).await.assert_problem(429, "too_many_requests");
    }
}

backend_test! {
    async fn new_secrets_are_stored_as_sha256(app) {
        let credentials = app.bootstrap();
        let hash = stored_secret_hash(&app, &credentials.client_id).unwrap();
        assert!(hash.starts_with("$sha256$"), "{hash}");
        assert!(!hash.contains(&credentials.client_secret));
        let admin = app.token(&credentials).await;
        let created = app.create_client(&admin, &credentials.party_id, &["exchange_admin"]).await;
        let hash = stored_secret_hash(&app, &created.client_id).unwrap();
        assert!(hash.starts_with("$sha256$"), "{hash}");
        assert_eq!(app.send(form(&created)).await.status, 200);
        let wrong = Credentials { client_secret: format!("{}x", created.client_secret), ..created };
        assert_oauth_error(&app.send(form(&wrong)).await, 401, "invalid_client");
    }
}

backend_test! {
    async fn argon2_secrets_still_verify_and_are_upgraded(app) {
        let credentials = app.bootstrap();
        store_argon2_secret(&app, &credentials.client_id, &credentials.client_secret);
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        assert_oauth_error(&app.send(form(&wrong)).await, 401, "invalid_client");
        assert!(stored_secret_hash(&app, &credentials.client_id).unwrap().starts_with("$argon2id$"), "kept after a failure");

        let r = app.send(form(&credentials)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let hash = stored_secret_hash(&app, &credentials.client_id).unwrap();
        assert!(hash.starts_with("$sha256$"), "upgraded on success: {hash}");
        assert_eq!(app.send(form(&credentials)).await.status, 200, "and the upgraded hash verifies");
        assert_oauth_error(&app.send(form(&wrong)).await, 401, "invalid_client");
    }
}

/// A token request from `address` (the TCP peer, as the server sees it).
fn from(request: TestRequest, address: &str) -> TestRequest {
    request.peer_addr(std::net::SocketAddr::new(address.parse().unwrap(), 40_000))
}

backend_test! {
    async fn guesses_from_one_address_do_not_lock_the_client_out(app) {
        let credentials = app.bootstrap();
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        for _ in 0..10 {
            assert_oauth_error(&app.send(from(form(&wrong), "198.51.100.7")).await, 401, "invalid_client");
        }
        // The guessing address is refused for this client, with any secret...
        let r = app.send(from(form(&wrong), "198.51.100.7")).await;
        r.assert_problem(429, "too_many_requests");
        app.send(from(form(&credentials), "198.51.100.7")).await.assert_problem(429, "too_many_requests");
        // ...and the client, from its own address, still gets its token (the client_id is public).
        let r = app.send(from(form(&credentials), "203.0.113.9")).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

backend_test! {
    async fn the_right_secret_passes_while_guesses_are_slowed(app) {
        let credentials = app.bootstrap();
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        // One guess from each of ten addresses: no address is over its limit, the client is.
        for i in 0..10 {
            let r = app.send(from(form(&wrong), &format!("198.51.100.{i}"))).await;
            assert_oauth_error(&r, 401, "invalid_client");
        }
        // A further guess, from a fresh address, is answered only after a pause...
        let started = std::time::Instant::now();
        assert_oauth_error(&app.send(from(form(&wrong), "198.51.100.50")).await, 401, "invalid_client");
        assert!(started.elapsed() >= std::time::Duration::from_millis(900), "{:?}", started.elapsed());
        // ...while the right secret gets its token at once.
        let started = std::time::Instant::now();
        let r = app.send(from(form(&credentials), "203.0.113.9")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(started.elapsed() < std::time::Duration::from_millis(900), "{:?}", started.elapsed());
    }
}

backend_test! {
    async fn concurrent_failures_are_all_counted(app) {
        let credentials = app.bootstrap();
        let wrong = Credentials { client_secret: "rgs_wrong".into(), ..credentials.clone() };
        let answers =
            futures_util::future::join_all((0..40).map(|_| app.send(from(form(&wrong), "198.51.100.7")))).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((checked, refused), (10, 30), "{statuses:?}");
    }
}

/// Behind a reverse proxy: the caller's address comes from `X-Forwarded-For`, only when the
/// TCP peer is a configured trusted proxy.
async fn behind_a_proxy_case(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let app = TestApp::on(
        database,
        &[("ROGATORY_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"), ("ROGATORY_TOKEN_MAX_ADDRESS_FAILURES", "20")],
    )
    .await;
    let credentials = app.bootstrap();
    let via_proxy = |request: TestRequest, forwarded_for: &str| {
        from(request, "10.0.0.2").insert_header(("x-forwarded-for", forwarded_for.to_owned()))
    };
    let random = |i: usize| Credentials {
        client_id: format!("rgc_random{i}"),
        client_secret: "rgs_guess".into(),
        party_id: String::new(),
    };
    // Ten random ids from one caller behind the proxy: every other caller still gets in.
    for i in 0..10 {
        assert_oauth_error(&app.send(via_proxy(form(&random(i)), "198.51.100.7")).await, 401, "invalid_client");
    }
    let r = app.send(via_proxy(form(&credentials), "203.0.113.9")).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The sprayer reaches its address's limit: refused for any client id, only it.
    for i in 10..20 {
        assert_oauth_error(&app.send(via_proxy(form(&random(i)), "198.51.100.7")).await, 401, "invalid_client");
    }
    app.send(via_proxy(form(&random(20)), "198.51.100.7")).await.assert_problem(429, "too_many_requests");
    app.send(via_proxy(form(&credentials), "198.51.100.7")).await.assert_problem(429, "too_many_requests");
    // Prepending a made-up address does not help: the proxy appends the real one.
    let r = app.send(via_proxy(form(&random(21)), "203.0.113.9, 198.51.100.7")).await;
    r.assert_problem(429, "too_many_requests");
    // A caller that is not a trusted proxy cannot choose its address either.
    for i in 0..20 {
        let r = app
            .send(
                from(form(&random(100 + i)), "198.51.100.8")
                    .insert_header(("x-forwarded-for", format!("203.0.113.{i}"))),
            )
            .await;
        assert_oauth_error(&r, 401, "invalid_client");
    }
    let r = app.send(from(form(&random(200)), "198.51.100.8").insert_header(("x-forwarded-for", "203.0.113.99"))).await;
    r.assert_problem(429, "too_many_requests");
    // Through two trusted proxies (192.0.2.1 in front of 10.0.0.2), the caller is still told apart.
    let r = app.send(via_proxy(form(&credentials), "203.0.113.10, 192.0.2.1")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.send(via_proxy(form(&random(300)), "198.51.100.7, 192.0.2.1")).await;
    r.assert_problem(429, "too_many_requests");
}

on_both_backends!(behind_a_proxy_callers_are_told_apart => behind_a_proxy_case);

/// Forges tokens with the exchange's own key, to show each check refuses what it must.
fn forge(app: &TestApp, header: Header, claims: &Value) -> String {
    // The signing key in hand: a file on SQLite, a row of the database on PostgreSQL.
    jsonwebtoken::encode(&header, claims, &app.state.tokens.keys.signing.encoding).unwrap()
}

fn signed_header(app: &TestApp) -> Header {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(app.state.tokens.keys.signing.kid.clone());
    header
}

backend_test! {
    async fn forged_and_stale_tokens_are_refused(app) {
        let admin = app.admin_token().await;
        let valid = claims_of(&admin);
        let now = chrono::Utc::now().timestamp();
        let app = &app;
        let me = |token: String| async move { app.call(Method::GET, "/v1/me", Some(&token), None).await };

        // The forge itself is sound: an untouched copy of the claims passes.
        assert_eq!(me(forge(app, signed_header(app), &valid)).await.status, 200);

        let r = app.get("/v1/me").await;
        r.assert_problem(401, "unauthorized");
        assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"rogatory\""));

        let r = me("not-a-jwt".into()).await;
        r.assert_problem(401, "unauthorized");
        assert!(r.header("www-authenticate").unwrap().contains("invalid_token"));

        let mut expired = valid.clone();
        expired["exp"] = json!(now - 120);
        expired["iat"] = json!(now - 1020);
        expired["nbf"] = json!(now - 1020);
        let body = me(forge(app, signed_header(app), &expired)).await.assert_problem(401, "unauthorized");
        assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");

        let mut early = valid.clone();
        early["nbf"] = json!(now + 600);
        let body = me(forge(app, signed_header(app), &early)).await.assert_problem(401, "unauthorized");
        assert!(body["detail"].as_str().unwrap().contains("not valid yet"), "{body}");

        let mut audience = valid.clone();
        audience["aud"] = json!("another-service");
        me(forge(app, signed_header(app), &audience)).await.assert_problem(401, "unauthorized");

        let mut issuer = valid.clone();
        issuer["iss"] = json!("https://evil.example");
        me(forge(app, signed_header(app), &issuer)).await.assert_problem(401, "unauthorized");

        // alg: none, with no signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(valid.to_string())
        );
        me(none).await.assert_problem(401, "unauthorized");

        // HS256 keyed with the published public key (the classic algorithm-confusion attack).
        let jwks = app.get("/.well-known/jwks.json").await.json();
        let public = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some(app.state.tokens.keys.signing.kid.clone());
        let confused = jsonwebtoken::encode(&hs, &valid, &EncodingKey::from_secret(&public).unwrap()).unwrap();
        me(confused).await.assert_problem(401, "unauthorized");

        // A tampered payload: an operator's token rewritten to claim other roles.
        let parts: Vec<&str> = admin.split('.').collect();
        let mut tampered = valid.clone();
        tampered["sub"] = json!("rgc_someone_else");
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(tampered.to_string()), parts[2]);
        me(tampered).await.assert_problem(401, "unauthorized");

        // Signed by a key the exchange does not know, once under our kid and once under its own.
        let stranger_key = rogatory::auth::keys::generate_private_key_pem();
        let stranger = EncodingKey::from_ed_pem(stranger_key.as_bytes()).unwrap();
        let with_our_kid = jsonwebtoken::encode(&signed_header(app), &valid, &stranger).unwrap();
        me(with_our_kid).await.assert_problem(401, "unauthorized");
        let mut unknown = Header::new(Algorithm::EdDSA);
        unknown.kid = Some("unknown-key".into());
        let body = me(jsonwebtoken::encode(&unknown, &valid, &stranger).unwrap()).await.assert_problem(401, "unauthorized");
        assert!(body["detail"].as_str().unwrap().contains("unknown key"), "{body}");
    }
}

backend_test! {
    async fn revocation_and_suspension_act_at_once(app) {
        let admin = app.admin_token().await;
        let (party, credentials, token) = app.party_with_token(&admin, german_24_7(), &["operator", "party_admin"]).await;
        assert_eq!(app.call(Method::GET, "/v1/me", Some(&token), None).await.status, 200);

        // Suspend the party: its unexpired token stops working, and it gets no new one.
        let pid = party["id"].as_str().unwrap();
        let r = app.call(Method::POST, &format!("/v1/parties/{pid}/suspend"), Some(&admin), Some(json!({"reason": "mailbox compromised"}))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let body = app.call(Method::GET, "/v1/me", Some(&token), None).await.assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("suspended"), "{body}");
        assert_oauth_error(&app.send(form(&credentials)).await, 400, "unauthorized_client");
        let r = app.call(Method::POST, &format!("/v1/parties/{pid}/reinstate"), Some(&admin), None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(app.call(Method::GET, "/v1/me", Some(&token), None).await.status, 200);

        // Revoke the client: the same token is refused at once.
        let clients = app.call(Method::GET, &format!("/v1/parties/{pid}/clients"), Some(&token), None).await.json();
        let id = clients["items"][0]["id"].as_str().unwrap().to_owned();
        let r = app.call(Method::DELETE, &format!("/v1/clients/{id}"), Some(&token), None).await;
        assert_eq!(r.status, 204, "{}", r.text());
        let body = app.call(Method::GET, "/v1/me", Some(&token), None).await.assert_problem(401, "unauthorized");
        assert!(body["detail"].as_str().unwrap().contains("revoked"), "{body}");
        assert_oauth_error(&app.send(form(&credentials)).await, 401, "invalid_client");
    }
}

backend_test! {
    async fn a_wrong_role_is_403(app) {
        let admin = app.admin_token().await;
        let (_, _, operator) = app.party_with_token(&admin, german_24_7(), &["operator"]).await;
        let body = app.call(Method::POST, "/v1/parties", Some(&operator), Some(platform())).await.assert_problem(403, "forbidden");
        assert!(body["detail"].as_str().unwrap().contains("exchange_admin"), "{body}");
    }
}

/// A national identity provider's tokens are accepted for the client mapped to the subject.
async fn external_issuer_case(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let idp_private = rogatory::auth::keys::generate_private_key_pem();
    let idp_public = rogatory::auth::keys::public_key_pem(idp_private.as_bytes()).unwrap();
    std::fs::write(database.path().join("idp.pem"), idp_public).unwrap();
    let issuers = json!([{"issuer": "https://idp.interieur.example.fr", "audience": "rogatory-fr",
        "algorithm": "EdDSA", "public_key_file": "idp.pem"}]);
    let issuers_file = database.path().join("issuers.json");
    std::fs::write(&issuers_file, issuers.to_string()).unwrap();
    let app = TestApp::on(database, &[("ROGATORY_EXTERNAL_ISSUERS_FILE", issuers_file.to_str().unwrap())]).await;

    let admin = app.admin_token().await;
    let party = app.create_party(&admin, crate::support::french_prosecutor(), true).await;
    let pid = party["id"].as_str().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("/v1/parties/{pid}/clients"),
            Some(&admin),
            Some(json!({
                "name": "Parquet case system via national IdP", "roles": ["operator"],
                "external_issuer": "https://idp.interieur.example.fr", "external_subject": "parquet-paris-cyber"
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["client_secret"].is_null(), "an external client has no secret");

    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": "https://idp.interieur.example.fr", "aud": "rogatory-fr", "sub": "parquet-paris-cyber",
        "exp": now + 300, "iat": now, "nbf": now});
    let key = EncodingKey::from_ed_pem(idp_private.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &key).unwrap();
    let me = app.call(Method::GET, "/v1/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["party_id"], pid);
    assert_eq!(me.json()["roles"], json!(["operator"]));

    // The same IdP, another subject: no client is mapped to it.
    let mut other = claims.clone();
    other["sub"] = json!("someone-else");
    let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &other, &key).unwrap();
    app.call(Method::GET, "/v1/me", Some(&token), None).await.assert_problem(401, "unauthorized");
    // The IdP's issuer with our audience is refused (audience is per issuer).
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("rogatory");
    let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &wrong_aud, &key).unwrap();
    app.call(Method::GET, "/v1/me", Some(&token), None).await.assert_problem(401, "unauthorized");
}

on_both_backends!(an_external_issuer_token_works => external_issuer_case);

/// After a key rotation, tokens signed with the previous key still verify, and both keys are
/// published.
#[actix_web::test]
async fn previous_keys_verify_after_rotation() {
    let Some(database) = TestDatabase::create(TestBackend::Sqlite) else { return };
    let old_key = database.path().join("old.pem");
    let new_key = database.path().join("new.pem");
    rogatory::auth::keys::write_new_key(&old_key).unwrap();
    rogatory::auth::keys::write_new_key(&new_key).unwrap();
    let url = database.url.clone();
    let dir = database.data_dir();
    let old = TestApp::on(database, &[("ROGATORY_JWT_SIGNING_KEY_FILE", old_key.to_str().unwrap())]).await;
    let old_token = old.admin_token().await;

    let settings = crate::support::settings_for(
        &url,
        &dir,
        &[
            ("ROGATORY_JWT_SIGNING_KEY_FILE", new_key.to_str().unwrap()),
            ("ROGATORY_JWT_PREVIOUS_KEY_FILES", old_key.to_str().unwrap()),
        ],
    );
    let state = actix_web::web::block(move || rogatory::AppState::init(settings)).await.unwrap().unwrap();
    let rotated = actix_web::test::init_service(rogatory::build_app(state)).await;
    let request =
        TestRequest::get().uri("/v1/me").insert_header(("authorization", format!("Bearer {old_token}"))).to_request();
    let response = actix_web::test::call_service(&rotated, request).await;
    assert_eq!(response.status(), 200);
    let jwks: Value = actix_web::test::call_and_read_body_json(
        &rotated,
        TestRequest::get().uri("/.well-known/jwks.json").to_request(),
    )
    .await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
}
