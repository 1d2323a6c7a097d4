//! The token endpoint over HTTP: the happy path, PKCE, codes, refresh rotation and limits,
//! and the tokens' JWT shape.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::*;
use ilert_sim::masked;
use ilert_sim::{Client, SimConfig};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[tokio::test]
async fn happy_path_code_user_info_refresh_revoke() {
    let sim = start(config()).await;

    // Consent page, grant, code.
    let code = sim.code("profile offline_access source:w").await;

    // Code -> tokens, in iLert's shape, not cacheable.
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let t: Value = resp.json().await.unwrap();
    assert_eq!(
        keys(&t),
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "refresh_token_expires_in",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["refresh_token_expires_in"], 31_536_000);
    assert_eq!(t["scope"], "profile offline_access source:w");
    let access = str_of(&t, "access_token");
    let refresh = str_of(&t, "refresh_token");

    // The profile.
    let resp = sim.current_user(Some(&format!("Bearer {access}"))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let user: Value = resp.json().await.unwrap();
    assert_eq!(user["id"], 1);
    assert_eq!(user["username"], "ada");
    assert_eq!(user["firstName"], "Ada");
    assert_eq!(user["lastName"], "Lovelace");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "ADMIN");
    assert_eq!(user["timezone"], "Europe/Berlin");
    assert_eq!(user["language"], "en");
    for field in [
        "position",
        "department",
        "avatarUrl",
        "region",
        "shiftColor",
        "createdAt",
        "updatedAt",
    ] {
        assert!(user[field].is_string(), "{field}");
    }

    // token_info.
    let info = sim.token_info(access).await;
    assert_eq!(
        info,
        serde_json::json!({"active": true, "tenant_id": "demo-tenant", "username": "ada",
            "scope": "profile offline_access source:w", "app_id": 250})
    );

    // Refresh rotates: a new pair, the old refresh token refused at once.
    let resp = sim.refresh(refresh).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let t2: Value = resp.json().await.unwrap();
    assert_eq!(keys(&t2), keys(&t));
    assert_eq!(t2["scope"], t["scope"]);
    let refresh2 = str_of(&t2, "refresh_token");
    assert_ne!(refresh2, refresh);
    assert_ne!(str_of(&t2, "access_token"), access);
    let why = assert_oauth_error(sim.refresh(refresh).await, "invalid_grant").await;
    assert!(why.contains("revoked"), "{why}");
    // Rotation left the access tokens alone.
    assert_eq!(
        sim.current_user(Some(&format!("Bearer {access}")))
            .await
            .status(),
        StatusCode::OK
    );

    // Revoke: 200, then the refresh token is refused.
    assert_eq!(sim.revoke(refresh2).await, StatusCode::OK);
    assert_oauth_error(sim.refresh(refresh2).await, "invalid_grant").await;

    let stats = sim.get_json("/_sim/stats").await;
    assert_eq!(stats["token_requests"], 4);
    assert_eq!(stats["authorization_code_grants"], 1);
    assert_eq!(stats["refresh_grants"], 1);
    assert_eq!(stats["failed_token_requests"], 2);
    assert_eq!(stats["revocations"], 1);
    assert_eq!(stats["token_info_requests"], 1);
    assert_eq!(stats["user_requests"], 2);

    // The request log shows what the client sent.
    let log = sim.get_json("/_sim/requests").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    let first = &log[0];
    assert_eq!(first["form"]["grant_type"], "authorization_code");
    assert_eq!(first["form"]["client_id"], CLIENT);
    // Masked, but a test can tell which value was sent.
    assert_eq!(first["form"]["code_verifier"], masked(VERIFIER));
    assert_eq!(first["form"]["redirect_uri"], REDIRECT);
    assert_eq!(first["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(first["accept"], "application/json");
    assert_eq!(first["status"], 200);
    assert_eq!(log[2]["error"], "invalid_grant");
    assert_eq!(log[2]["status"], 401);
    let revokes = sim.get_json("/_sim/requests?endpoint=revoke").await;
    assert_eq!(revokes[0]["form"]["token"], masked(refresh2));

    // Reset clears the observations only.
    let resp = sim
        .hook(reqwest::Method::POST, "/_sim/reset", &serde_json::json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sim.get_json("/_sim/stats").await["token_requests"], 0);
    assert_eq!(sim.get_json("/_sim/requests").await, serde_json::json!([]));
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let sim = start(config()).await;
    let t = sim.tokens("profile incident:r").await;
    assert_eq!(
        keys(&t),
        ["access_token", "expires_in", "scope", "token_type"]
    );
    assert_eq!(t["scope"], "profile incident:r");
}

#[tokio::test]
async fn pkce_mismatch_is_invalid_grant_401() {
    let sim = start(config()).await;
    let code = sim.code("profile").await;
    let other_verifier = "x".repeat(43);
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", &other_verifier),
        ])
        .await;
    let why = assert_oauth_error(resp, "invalid_grant").await;
    assert!(why.contains("code_verifier"), "{why}");
}

#[tokio::test]
async fn replayed_code_is_refused_and_revokes_its_tokens() {
    let sim = start(config()).await;
    let code = sim.code("profile offline_access").await;
    let t = sim.exchange(&code).await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );

    let replay = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_oauth_error(replay, "invalid_grant").await;
    // RFC 6749 §4.1.2: what was issued from the code is revoked.
    assert_api_error(sim.current_user(Some(&bearer)).await, 401).await;
    assert_oauth_error(
        sim.refresh(str_of(&t, "refresh_token")).await,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        sim.token_info(str_of(&t, "access_token")).await,
        serde_json::json!({"active": false})
    );
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let sim = start(SimConfig {
        code_ttl: 1,
        ..config()
    })
    .await;
    let code = sim.code("profile").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .await;
    let why = assert_oauth_error(resp, "invalid_grant").await;
    assert!(why.contains("expired"), "{why}");
}

#[tokio::test]
async fn code_bound_to_redirect_uri_and_client() {
    let mut cfg = config();
    cfg.clients
        .push(Client::new("other-app", "http://127.0.0.1:9999/cb", 251).unwrap());
    let sim = start(cfg).await;

    // A redirect_uri that differs from the one at authorize.
    let code = sim.code("profile").await;
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", "http://localhost:4597/webapp/"),
        ])
        .await;
    assert!(assert_oauth_error(resp, "invalid_grant")
        .await
        .contains("redirect_uri"));

    // Another registered client presenting this client's code.
    let code = sim.code("profile").await;
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "other-app"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert!(assert_oauth_error(resp, "invalid_grant")
        .await
        .contains("another client"));

    // An unknown client.
    let code = sim.code("profile").await;
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "nobody"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_oauth_error(resp, "invalid_client").await;

    // An unknown code.
    let resp = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", "made-up"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        assert_oauth_error(resp, "invalid_grant").await,
        "Provided code is unknown"
    );
}

#[tokio::test]
async fn malformed_token_requests() {
    let sim = start(config()).await;
    let code = sim.code("profile").await;

    // Not a form.
    let resp = sim
        .http
        .post(sim.url(TOKEN))
        .header(header::CONTENT_TYPE, "application/json")
        .body(format!(r#"{{"grant_type":"authorization_code","client_id":"{CLIENT}","code":"{code}","code_verifier":"{VERIFIER}"}}"#))
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, "invalid_request").await;

    let base = [("client_id", CLIENT), ("code", code.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // No verifier, a short verifier, one with a character outside RFC 7636's alphabet.
    assert_oauth_error(
        sim.token(&with(&[("grant_type", "authorization_code")]))
            .await,
        "invalid_request",
    )
    .await;
    let short = with(&[
        ("grant_type", "authorization_code"),
        ("code_verifier", "abc"),
    ]);
    assert_oauth_error(sim.token(&short).await, "invalid_request").await;
    let bad_chars = with(&[
        ("grant_type", "authorization_code"),
        (
            "code_verifier",
            "dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk",
        ),
    ]);
    assert_oauth_error(sim.token(&bad_chars).await, "invalid_request").await;
    // Missing and unsupported grant types.
    assert_oauth_error(sim.token(&base).await, "invalid_request").await;
    let password = with(&[("grant_type", "password")]);
    assert_oauth_error(sim.token(&password).await, "unsupported_grant_type").await;
    let cc = [("grant_type", "client_credentials"), ("client_id", CLIENT)];
    assert_oauth_error(sim.token(&cc).await, "unsupported_grant_type").await;
    // A parameter twice (RFC 6749 §3.1).
    let twice = with(&[
        ("grant_type", "authorization_code"),
        ("code_verifier", VERIFIER),
        ("code_verifier", VERIFIER),
    ]);
    assert_oauth_error(sim.token(&twice).await, "invalid_request").await;
    // No client_id.
    let no_client = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
    ];
    assert_oauth_error(sim.token(&no_client).await, "invalid_request").await;
    // None of that burnt the code: it still works.
    sim.exchange(&code).await;

    // A refresh without a token, and with garbage.
    let no_token = [("grant_type", "refresh_token"), ("client_id", CLIENT)];
    assert_oauth_error(sim.token(&no_token).await, "invalid_request").await;
    assert_oauth_error(sim.refresh("garbage").await, "invalid_grant").await;

    assert_eq!(
        sim.get_json("/_sim/stats").await["failed_token_requests"],
        11
    );
}

#[tokio::test]
async fn refresh_token_rules() {
    let mut cfg = config();
    cfg.clients
        .push(Client::new("other-app", "http://127.0.0.1:9999/cb", 251).unwrap());
    let sim = start(cfg).await;
    let t = sim.tokens("profile offline_access incident:w").await;
    let refresh = str_of(&t, "refresh_token");

    // Another client cannot use it, and trying does not burn it.
    let resp = sim
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "other-app"),
            ("refresh_token", refresh),
        ])
        .await;
    assert_oauth_error(resp, "invalid_grant").await;

    // A refresh may narrow the scope, never widen it.
    let widen = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT),
        ("refresh_token", refresh),
        ("scope", "profile incident:d"),
    ];
    assert_oauth_error(sim.token(&widen).await, "invalid_scope").await;
    let narrow = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT),
        ("refresh_token", refresh),
        ("scope", "profile"),
    ];
    let resp = sim.token(&narrow).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let t2: Value = resp.json().await.unwrap();
    assert_eq!(t2["scope"], "profile");
    // The grant keeps its scope: the next refresh gets it all back.
    let t3: Value = sim
        .refresh(str_of(&t2, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t3["scope"], "profile offline_access incident:w");
}

#[tokio::test]
async fn eleventh_refresh_token_revokes_the_oldest() {
    let sim = start(config()).await;
    let mut refresh = Vec::new();
    for _ in 0..11 {
        let t = sim.tokens("profile offline_access").await;
        refresh.push(str_of(&t, "refresh_token").to_string());
    }
    // Another user's tokens do not count against ada's.
    let code = sim.code_for("profile offline_access", "grace").await;
    let grace = sim.exchange(&code).await;

    let why = assert_oauth_error(sim.refresh(&refresh[0]).await, "invalid_grant").await;
    assert!(why.contains("revoked"), "{why}");
    for r in &refresh[1..] {
        assert_eq!(sim.refresh(r).await.status(), StatusCode::OK);
    }
    assert_eq!(
        sim.refresh(str_of(&grace, "refresh_token")).await.status(),
        StatusCode::OK
    );
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_are_jwts_shaped_like_ilerts() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access source:w").await;
    let access = str_of(&t, "access_token");
    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_part(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert!(header["kid"].is_string());
    let claims = decode_part(parts[1]);
    assert_eq!(
        keys(&claims),
        ["exp", "iat", "il_a", "il_n", "il_s", "il_t", "il_u", "il_v", "iss", "jti"]
    );
    assert_eq!(claims["il_a"], 250);
    assert_eq!(claims["il_s"], "profile offline_access source:w");
    assert_eq!(claims["iss"], "ilert");
    assert_eq!(claims["il_u"], "ada");
    assert_eq!(claims["il_t"], "ACCESS");
    assert_eq!(claims["il_v"], 1);
    assert!(str_of(&claims, "il_n")
        .chars()
        .all(|c| c.is_ascii_hexdigit()));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().unwrap();
    assert!(
        (now + 3599..=now + 3601).contains(&exp),
        "exp {exp}, now {now}"
    );

    // The signature checks out with the published demo public key (SPKI PEM; for RSA-2048
    // the PKCS#1 key that ring wants follows a fixed 24-byte header).
    let b64: String = ilert_sim::DEMO_PUBLIC_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let spki = STANDARD.decode(b64).unwrap();
    assert_eq!(spki.len(), 294);
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &spki[24..],
    );
    let signed = format!("{}.{}", parts[0], parts[1]);
    public
        .verify(
            signed.as_bytes(),
            &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
        )
        .expect("RS256 verifies");

    // Two tokens of the same second differ.
    let t2: Value = sim
        .refresh(str_of(&t, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    let claims2 = decode_part(str_of(&t2, "access_token").split('.').nth(1).unwrap());
    assert_ne!(claims2["jti"], claims["jti"]);

    // The refresh token: HS256 with iLert's claims.
    let refresh: Vec<&str> = str_of(&t, "refresh_token").split('.').collect();
    assert_eq!(decode_part(refresh[0])["alg"], "HS256");
    let rc = decode_part(refresh[1]);
    assert_eq!(keys(&rc), ["exp", "il_k", "il_t", "il_v", "iss"]);
    assert_eq!(rc["iss"], "ilert");
    assert_eq!(rc["il_t"], "OAUTH");
    assert_eq!(rc["il_v"], 1);
    assert!(str_of(&rc, "il_k").chars().all(|c| c.is_ascii_hexdigit()));
    let rexp = rc["exp"].as_u64().unwrap();
    assert!((now + 31_535_999..=now + 31_536_001).contains(&rexp));
}
