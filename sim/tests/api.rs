//! users/current, token_info, revoke, CORS, latency, the test hooks and the binary itself.

mod common;

use common::*;
use ilert_sim::SimConfig;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn users_current_refuses_bad_authorization() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let access = str_of(&t, "access_token");
    let refresh = str_of(&t, "refresh_token");

    assert_api_error(sim.current_user(None).await, 401).await;
    // The `Bearer ` prefix is required.
    let resp = sim.current_user(Some(access)).await;
    assert!(resp.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_api_error(resp, 401).await;
    assert_api_error(
        sim.current_user(Some(&format!("Token {access}"))).await,
        401,
    )
    .await;
    assert_api_error(sim.current_user(Some("Bearer ")).await, 401).await;
    assert_api_error(sim.current_user(Some("Bearer garbage")).await, 401).await;
    assert_api_error(sim.current_user(Some("Bearer a.b.c")).await, 401).await;
    // A refresh token is not an access token.
    assert_api_error(
        sim.current_user(Some(&format!("Bearer {refresh}"))).await,
        401,
    )
    .await;
    // A token whose signature does not match (one byte of the signature changed).
    let mut forged = access.to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_api_error(
        sim.current_user(Some(&format!("Bearer {forged}"))).await,
        401,
    )
    .await;
    // The scheme is case-insensitive (RFC 6750).
    assert_eq!(
        sim.current_user(Some(&format!("bearer {access}")))
            .await
            .status(),
        StatusCode::OK
    );

    // Without the profile scope the token is valid but not enough.
    let t = sim.tokens("incident:r").await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    let resp = sim.current_user(Some(&bearer)).await;
    let message = assert_api_error(resp, 403).await;
    assert!(message.contains("profile"), "{message}");

    // Other API paths are not simulated: a 404 in the REST shape.
    let resp = sim
        .http
        .get(sim.url("/api/heartbeats"))
        .send()
        .await
        .unwrap();
    assert_api_error(resp, 404).await;
}

#[tokio::test]
async fn the_rest_api_over_http_with_cors_for_every_verb() {
    let sim = start(config()).await;
    let origin = "http://localhost:4597";
    let pre = preflight(&sim, "/api/alert-sources/1", origin).await;
    let methods = pre.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    for verb in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.split(',').any(|m| m == verb), "{verb} in {methods}");
    }
    // No token: 401, as for users/current.
    let resp = sim.http.get(sim.url("/api/alerts")).send().await.unwrap();
    assert_api_error(resp, 401).await;

    let t = sim.tokens("source:w").await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    let created: Value = sim
        .http
        .post(sim.url("/api/alert-sources"))
        .header("authorization", &bearer)
        .header("origin", origin)
        .json(&serde_json::json!({ "name": "Grafana", "integrationType": "GRAFANA" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["name"], "Grafana");
    let url = sim.url(&format!("/api/alert-sources/{}", created["id"]));
    let resp = sim
        .http
        .delete(&url)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["scope"].as_str()),
        (Some("OAUTH2_SCOPE_ERROR"), Some("source:d"))
    );
    let list: Value = sim
        .http
        .get(sim.url("/api/alert-sources"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        3,
        "the refused DELETE removed nothing"
    );
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let sim = start(SimConfig {
        access_ttl: 1,
        refresh_ttl: 1,
        ..config()
    })
    .await;
    let t = sim.tokens("profile offline_access").await;
    assert_eq!(t["expires_in"], 1);
    assert_eq!(t["refresh_token_expires_in"], 1);
    let access = str_of(&t, "access_token");
    let bearer = format!("Bearer {access}");
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    // Tokens live at least their ttl and less than a second more.
    tokio::time::sleep(Duration::from_millis(2050)).await;
    let message = assert_api_error(sim.current_user(Some(&bearer)).await, 401).await;
    assert!(message.contains("expired"), "{message}");
    assert_eq!(sim.token_info(access).await, json!({"active": false}));
    assert_oauth_error(
        sim.refresh(str_of(&t, "refresh_token")).await,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn token_info_inactive_shapes() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let inactive = json!({"active": false});
    assert_eq!(sim.token_info("garbage").await, inactive);
    assert_eq!(sim.token_info("a.b.c").await, inactive);
    assert_eq!(sim.token_info(str_of(&t, "refresh_token")).await, inactive);
    assert_eq!(
        sim.token_info(str_of(&t, "access_token")).await["active"],
        true
    );

    // Revoking the access token itself ends it; the refresh token lives on.
    assert_eq!(sim.revoke(str_of(&t, "access_token")).await, StatusCode::OK);
    assert_eq!(sim.token_info(str_of(&t, "access_token")).await, inactive);
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    assert_api_error(sim.current_user(Some(&bearer)).await, 401).await;
    assert_eq!(
        sim.refresh(str_of(&t, "refresh_token")).await.status(),
        StatusCode::OK
    );

    // No token, or not a form: invalid_request.
    let resp = sim
        .post_form("/api/developers/oauth2/token_info", &[])
        .await;
    assert_oauth_error(resp, "invalid_request").await;
    let resp = sim
        .http
        .post(sim.url("/api/developers/oauth2/token_info"))
        .json(&json!({"token": "x"}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, "invalid_request").await;
}

#[tokio::test]
async fn revoke_follows_rfc7009() {
    let sim = start(config()).await;
    assert_eq!(sim.revoke("unknown-token").await, StatusCode::OK);
    let t = sim.tokens("profile offline_access").await;
    let refresh = str_of(&t, "refresh_token");
    assert_eq!(sim.revoke(refresh).await, StatusCode::OK);
    assert_eq!(
        sim.revoke(refresh).await,
        StatusCode::OK,
        "revoking twice is fine"
    );
    assert_oauth_error(sim.refresh(refresh).await, "invalid_grant").await;
    // As on iLert, the access token keeps working until it expires.
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    let resp = sim.post_form("/api/developers/oauth2/revoke", &[]).await;
    assert_oauth_error(resp, "invalid_request").await;
    assert_eq!(sim.get_json("/_sim/stats").await["revocations"], 4);
}

#[tokio::test]
async fn hooks_revoke_everything() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    let resp = sim
        .hook(
            reqwest::Method::POST,
            "/_sim/revoke_refresh_tokens",
            &json!({}),
        )
        .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["revoked"], 1);
    assert_oauth_error(
        sim.refresh(str_of(&t, "refresh_token")).await,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    let resp = sim
        .hook(
            reqwest::Method::POST,
            "/_sim/revoke_access_tokens",
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_api_error(sim.current_user(Some(&bearer)).await, 401).await;
    let cfg = sim.get_json("/_sim/config").await;
    assert_eq!(cfg["clients"][0]["client_id"], CLIENT);
    assert_eq!(cfg["access_ttl"], 3600);
}

async fn preflight(sim: &Sim, path: &str, origin: &str) -> reqwest::Response {
    sim.http
        .request(Method::OPTIONS, sim.url(path))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_allows_only_registered_origins() {
    let sim = start(config()).await;
    let resp = preflight(&sim, "/api/users/current", ORIGIN).await;
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], ORIGIN);
    assert!(h[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("authorization"));
    assert!(h[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap()
        .contains("GET"));

    for other in ["http://localhost:4598", "http://evil.example", "null"] {
        let resp = preflight(&sim, "/api/users/current", other).await;
        assert!(
            resp.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none(),
            "{other}"
        );
    }

    // The actual cross-origin calls carry the header too, for the registered origin only.
    let t = sim.tokens("profile").await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    for (origin, allowed) in [(ORIGIN, true), ("http://evil.example", false)] {
        let resp = sim
            .http
            .get(sim.url("/api/users/current"))
            .header(header::ORIGIN, origin)
            .header(header::AUTHORIZATION, &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_some(),
            allowed
        );
        let resp = sim
            .http
            .post(sim.url(TOKEN))
            .header(header::ORIGIN, origin)
            .form(&[("grant_type", "refresh_token")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_some(),
            allowed
        );
    }
    // The test hooks let no origin in, not even the app's: they are for the tests.
    let resp = sim
        .http
        .get(sim.url("/_sim/stats"))
        .header(header::ORIGIN, ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}

#[tokio::test]
async fn latency_delays_the_fetched_endpoints_only() {
    let sim = start(SimConfig {
        latency_ms: 400,
        ..config()
    })
    .await;
    let started = Instant::now();
    let id = sim.consent(&authorize_query("profile", "s")).await;
    let code = location(&sim.decide(&id, "grant", "ada").await, REDIRECT)["code"].clone();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "authorize is not delayed"
    );

    let started = Instant::now();
    let t = sim.exchange(&code).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    let started = Instant::now();
    sim.token_info(str_of(&t, "access_token")).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    let started = Instant::now();
    sim.current_user(Some(&format!("Bearer {}", str_of(&t, "access_token"))))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn latency_delays_cors_preflights_too() {
    let sim = start(SimConfig {
        latency_ms: 400,
        ..config()
    })
    .await;
    for path in [TOKEN, "/api/users/current"] {
        let started = Instant::now();
        let resp = sim
            .http
            .request(Method::OPTIONS, sim.url(path))
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send()
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(400), "{path}");
        assert!(resp.status().is_success());
        assert_eq!(resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], ORIGIN);
    }
    // The test hooks are not delayed.
    let started = Instant::now();
    sim.get_json("/_sim/stats").await;
    assert!(started.elapsed() < Duration::from_millis(400));
}

#[test]
fn the_binary_announces_itself_and_serves() {
    let exe = env!("CARGO_BIN_EXE_ilert-sim");
    let help = Command::new(exe).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--latency-ms"));
    assert_eq!(
        Command::new(exe)
            .arg("--bogus")
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );

    let (mut child, base) =
        common::spawn_binary(&["--port", "0", "--client", "demo=http://localhost:5000/cb"]);
    assert!(base.starts_with("http://127.0.0.1:"));
    let result = std::panic::catch_unwind(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let body = reqwest::get(format!("{base}/_sim/config"))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap();
            assert_eq!(
                body["clients"][0]["redirect_uri"],
                "http://localhost:5000/cb"
            );
            let resp = reqwest::get(format!("{base}/")).await.unwrap();
            assert!(resp.text().await.unwrap().contains("ilert-sim is running"));
        });
    });
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("GET /_sim/config 200"), "{log}");
    result.unwrap();
}
