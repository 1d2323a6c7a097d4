//! Confidential clients (iLert's "backend app") over HTTP: the code exchange and the refresh
//! exactly as iLert's docs show them with curl, HTTP Basic, what is refused and how, what
//! a refusal leaves usable, registration at run time, and that no secret leaks.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use ilert_sim::{Client, SimConfig};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::process::Command;

const BACKEND: &str = "ilert-backend-app";
const BACKEND_REDIRECT: &str = "http://localhost:8080/oauth/callback";
/// With characters that HTTP Basic's urlencoding must carry (RFC 6749 §2.3.1).
const SECRET: &str = "xXbV7:q+r%2F/s=";
const REVOKE: &str = "/api/developers/oauth2/revoke";
const TOKEN_INFO: &str = "/api/developers/oauth2/token_info";

fn backend_config() -> SimConfig {
    let mut cfg = config();
    let backend = Client::new(BACKEND, BACKEND_REDIRECT, 251)
        .unwrap()
        .with_secret(SECRET)
        .unwrap();
    cfg.clients.push(backend);
    cfg
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `Authorization: Basic base64(urlencode(client_id):urlencode(secret))`.
fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{}:{}", urlencode(id), urlencode(secret));
    format!("Basic {}", STANDARD.encode(pair))
}

/// The backend app's authorize + consent, with PKCE or without: the code.
async fn backend_code(sim: &Sim, pkce: bool) -> String {
    let mut query = vec![
        ("client_id", BACKEND),
        ("response_type", "code"),
        ("redirect_uri", BACKEND_REDIRECT),
        ("scope", "profile incident:r"),
        ("state", "backend-state"),
    ];
    if pkce {
        query.push(("code_challenge", CHALLENGE));
        query.push(("code_challenge_method", "S256"));
    }
    let id = sim.consent(&query).await;
    let resp = sim.decide(&id, "grant", "ada").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let q = location(&resp, BACKEND_REDIRECT);
    assert_eq!(q["state"], "backend-state");
    q["code"].clone()
}

/// A POST as curl sends `-d BODY -H 'Content-Type: …' -H 'Accept: application/json'`.
async fn curl_post(
    sim: &Sim,
    path: &str,
    body: String,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut req = sim
        .http
        .post(sim.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(a) = authorization {
        req = req.header(header::AUTHORIZATION, a);
    }
    req.body(body).send().await.unwrap()
}

fn challenge_of(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn the_docs_backend_exchange_and_refresh_work_as_curl_sends_them() {
    let sim = start(backend_config()).await;
    // No code_challenge: a backend app may leave PKCE out.
    let code = backend_code(&sim, false).await;

    // As the docs: grant_type=authorization_code&client_id=…&client_secret=…&code=…&redirect_uri=…
    // (curl -d sends the redirect URI as typed; the secret must be encoded: it has + and %).
    let body = format!(
        "grant_type=authorization_code&client_id={BACKEND}&client_secret={}&code={code}&redirect_uri={BACKEND_REDIRECT}",
        urlencode(SECRET)
    );
    let resp = curl_post(&sim, TOKEN, body, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "profile incident:r");
    // A refresh token though offline_access was not asked for: only PKCE-only clients need it.
    assert_eq!(t["refresh_token_expires_in"], 31_536_000);
    let access = str_of(&t, "access_token");
    let bearer = format!("Bearer {access}");
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    assert_eq!(sim.token_info(access).await["app_id"], 251);

    // The refresh, with the secret too.
    let body = format!(
        "grant_type=refresh_token&client_id={BACKEND}&client_secret={}&refresh_token={}",
        urlencode(SECRET),
        str_of(&t, "refresh_token")
    );
    let resp = curl_post(&sim, TOKEN, body, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let t2: Value = resp.json().await.unwrap();
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    assert_eq!(t2["scope"], "profile incident:r");

    // The request log shows that a secret was sent, not the secret.
    let log = sim.get_json("/_sim/requests").await;
    assert_eq!(log[0]["form"]["client_secret"], "[masked]");
    assert_eq!(log[0]["form"]["client_id"], BACKEND);
    assert_eq!(log[0]["accept"], "application/json");
    assert!(!log.to_string().contains(&urlencode(SECRET)));
    assert!(!log.to_string().contains(SECRET));
}

#[tokio::test]
async fn http_basic_authenticates_the_exchange_and_the_refresh() {
    let sim = start(backend_config()).await;
    let code = backend_code(&sim, false).await;
    // client_id in the form may be left out with Basic.
    let body = format!("grant_type=authorization_code&code={code}");
    let resp = curl_post(&sim, TOKEN, body, Some(&basic(BACKEND, SECRET))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    let body = format!(
        "grant_type=refresh_token&client_id={BACKEND}&refresh_token={}",
        str_of(&t, "refresh_token")
    );
    let resp = curl_post(&sim, TOKEN, body, Some(&basic(BACKEND, SECRET))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let log = sim.get_json("/_sim/requests").await;
    assert_eq!(log[1]["authorization"], "Basic [masked]");
    assert!(!log.to_string().contains(&STANDARD.encode(format!(
        "{}:{}",
        urlencode(BACKEND),
        urlencode(SECRET)
    ))));
}

#[tokio::test]
async fn a_missing_or_wrong_secret_is_refused_and_spends_nothing() {
    let sim = start(backend_config()).await;
    let code = backend_code(&sim, false).await;
    let form = |secret: Option<&'static str>| {
        let mut f = vec![
            ("grant_type", "authorization_code"),
            ("client_id", BACKEND),
            ("code", code.as_str()),
            ("redirect_uri", BACKEND_REDIRECT),
        ];
        f.extend(secret.map(|s| ("client_secret", s)));
        f
    };

    // No secret, a wrong one in the form: 401 invalid_client, no challenge (no header tried).
    let resp = sim.token(&form(None)).await;
    assert_eq!(challenge_of(&resp), None);
    let why = assert_oauth_error(resp, "invalid_client").await;
    assert!(why.contains("confidential"), "{why}");
    let resp = sim.token(&form(Some("wrong"))).await;
    assert_eq!(challenge_of(&resp), None);
    assert_oauth_error(resp, "invalid_client").await;
    // A wrong Basic secret, and a malformed Basic header: 401 with the Basic challenge.
    for authorization in [basic(BACKEND, "wrong"), "Basic not-base64!".to_string()] {
        let resp = sim
            .http
            .post(sim.url(TOKEN))
            .header(header::AUTHORIZATION, authorization)
            .form(&form(None))
            .send()
            .await
            .unwrap();
        assert_eq!(
            challenge_of(&resp).as_deref(),
            Some("Basic realm=\"ilert\"")
        );
        assert_oauth_error(resp, "invalid_client").await;
    }
    // Both methods at once: 400 invalid_request.
    let resp = sim
        .http
        .post(sim.url(TOKEN))
        .header(header::AUTHORIZATION, basic(BACKEND, SECRET))
        .form(&form(Some(SECRET)))
        .send()
        .await
        .unwrap();
    let why = assert_oauth_error(resp, "invalid_request").await;
    assert!(why.contains("not both"), "{why}");

    // None of that spent the code.
    let resp = sim.token(&form(Some(SECRET))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    let refresh = str_of(&t, "refresh_token");

    // A refresh without the secret, or with a wrong one: refused, and not rotated.
    let rform = |secret: Option<&'static str>| {
        let mut f = vec![
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("refresh_token", refresh),
        ];
        f.extend(secret.map(|s| ("client_secret", s)));
        f
    };
    assert_oauth_error(sim.token(&rform(None)).await, "invalid_client").await;
    assert_oauth_error(sim.token(&rform(Some("wrong"))).await, "invalid_client").await;
    let resp = sim
        .http
        .post(sim.url(TOKEN))
        .header(header::AUTHORIZATION, basic(BACKEND, "wrong"))
        .form(&rform(None))
        .send()
        .await
        .unwrap();
    assert!(challenge_of(&resp).is_some());
    assert_oauth_error(resp, "invalid_client").await;
    assert_eq!(
        sim.token(&rform(Some(SECRET))).await.status(),
        StatusCode::OK
    );

    let stats = sim.get_json("/_sim/stats").await;
    assert_eq!(stats["authorization_code_grants"], 1);
    assert_eq!(stats["refresh_grants"], 1);
    assert_eq!(stats["failed_token_requests"], 8);
}

#[tokio::test]
async fn with_pkce_a_backend_app_needs_the_verifier_and_a_right_secret_if_any() {
    let sim = start(backend_config()).await;
    let code = backend_code(&sim, true).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("code", code.as_str()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // The verifier with a wrong secret; the secret without the verifier (a code issued for
    // a challenge always needs it): neither spends the code.
    let resp = sim
        .token(&with(&[
            ("client_secret", "not-it"),
            ("code_verifier", VERIFIER),
        ]))
        .await;
    assert_oauth_error(resp, "invalid_client").await;
    let resp = sim.token(&with(&[("client_secret", SECRET)])).await;
    let why = assert_oauth_error(resp, "invalid_request").await;
    assert!(why.contains("code_verifier"), "{why}");
    let both = with(&[("client_secret", SECRET), ("code_verifier", VERIFIER)]);
    assert_eq!(sim.token(&both).await.status(), StatusCode::OK);
    // The verifier alone (iLert's PKCE guide: the secret may be omitted): a fresh code.
    let code = backend_code(&sim, true).await;
    let alone = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
    ];
    assert_eq!(sim.token(&alone).await.status(), StatusCode::OK);

    // A wrong verifier with the right secret: invalid_grant.
    let code = backend_code(&sim, true).await;
    let wrong = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("code", code.as_str()),
        ("code_verifier", &"x".repeat(43)),
    ];
    assert_oauth_error(sim.token(&wrong).await, "invalid_grant").await;
}

#[tokio::test]
async fn a_public_client_must_use_pkce_and_send_no_secret() {
    let sim = start(backend_config()).await;
    // Still no authorize without PKCE for the public client.
    let query: Vec<_> = authorize_query("profile", "s")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .collect();
    let resp = sim.authorize(&query).await;
    assert_eq!(location(&resp, REDIRECT)["error"], "invalid_request");

    let code = sim.code("profile").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("client_secret", "guessed"),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let why = assert_oauth_error(sim.token(&form).await, "invalid_client").await;
    assert!(why.contains("public client"), "{why}");
    // The code survived it.
    sim.exchange(&code).await;
}

#[tokio::test]
async fn revoke_needs_the_backend_apps_secret_token_info_does_not() {
    let sim = start(backend_config()).await;
    let code = backend_code(&sim, false).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("code", code.as_str()),
    ];
    let t: Value = sim.token(&form).await.json().await.unwrap();
    let refresh = str_of(&t, "refresh_token");
    let access = str_of(&t, "access_token");

    // token_info: as iLert documents it, the token alone.
    assert_eq!(sim.token_info(access).await["active"], true);
    let resp = sim
        .post_form(
            TOKEN_INFO,
            &[
                ("token", access),
                ("client_id", BACKEND),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_oauth_error(resp, "invalid_client").await;

    // revoke: RFC 7009 §2.1, the confidential client authenticates.
    assert_eq!(
        sim.post_form(REVOKE, &[("token", refresh)]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = sim
        .post_form(
            REVOKE,
            &[
                ("token", refresh),
                ("client_id", BACKEND),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_oauth_error(resp, "invalid_client").await;
    // Refused revocations left it alive: it refreshes (and rotates).
    let rform = [
        ("grant_type", "refresh_token"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("refresh_token", refresh),
    ];
    let t2: Value = sim.token(&rform).await.json().await.unwrap();
    let refresh2 = str_of(&t2, "refresh_token");
    let resp = sim
        .http
        .post(sim.url(REVOKE))
        .header(header::AUTHORIZATION, basic(BACKEND, SECRET))
        .form(&[("token", refresh2)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let rform2 = [
        ("grant_type", "refresh_token"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("refresh_token", refresh2),
    ];
    assert_oauth_error(sim.token(&rform2).await, "invalid_grant").await;

    // The public app's revocation is as before: the token alone.
    let pt = sim.tokens("profile offline_access").await;
    assert_eq!(
        sim.revoke(str_of(&pt, "refresh_token")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_tester_registers_a_backend_app_at_run_time() {
    let sim = start(config()).await;
    let s = &sim;
    let post = |body: Value| async move { s.hook(Method::POST, "/_sim/clients", &body).await };
    let resp =
        post(json!({"id": BACKEND, "redirect_uri": BACKEND_REDIRECT, "secret": SECRET})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let shown: Value = resp.json().await.unwrap();
    assert_eq!(shown["confidential"], true);
    assert_eq!(shown["app_id"], 251);
    let resp = post(json!({"id": BACKEND, "redirect_uri": "nope"})).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Not JSON: refused (a cross-site form could otherwise plant a client).
    let resp = sim
        .http
        .post(sim.url("/_sim/clients"))
        .header(header::CONTENT_TYPE, "text/plain")
        .header("x-ilert-sim-hook", "1")
        .body(json!({"id": "x", "redirect_uri": "http://x/"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let code = backend_code(&sim, false).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("code", code.as_str()),
        ("redirect_uri", BACKEND_REDIRECT),
    ];
    assert_eq!(sim.token(&form).await.status(), StatusCode::OK);

    // Listed everywhere as confidential, the secret nowhere.
    let clients = sim.get_json("/_sim/clients").await;
    assert_eq!(clients[1]["client_id"], BACKEND);
    let cfg = sim.get_json("/_sim/config").await;
    assert_eq!(cfg["clients"][1]["confidential"], true);
    assert_eq!(cfg["clients"][0]["confidential"], false);
    let index = sim
        .http
        .get(sim.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains("confidential"));
    for shown in [clients.to_string(), cfg.to_string(), index] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

/// The binary: `--client-secret` in `--help`, the startup line says "with a secret", and
/// neither that line nor the request log on stderr ever shows the secret.
#[test]
fn the_binary_takes_a_client_secret_and_never_prints_it() {
    let exe = env!("CARGO_BIN_EXE_ilert-sim");
    let help = Command::new(exe).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(help.contains("--client-secret ID=SECRET"), "{help}");
    assert!(help.contains("/_sim/clients"), "{help}");
    let bad = Command::new(exe)
        .args(["--client-secret", "unknown=hunter2-secret"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("no --client registers") && !said.contains("hunter2"),
        "{said}"
    );

    let client = format!("{BACKEND}={BACKEND_REDIRECT}");
    let secret = format!("{BACKEND}={SECRET}");
    let (mut child, base) = common::spawn_binary(&[
        "--port",
        "0",
        "--client",
        "web=http://localhost:5000/cb",
        "--client",
        &client,
        "--client-secret",
        &secret,
    ]);
    let result = std::panic::catch_unwind(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let http = reqwest::Client::new();
            for auth in [None, Some(basic(BACKEND, SECRET))] {
                let mut req = http.post(format!("{base}{TOKEN}")).form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", BACKEND),
                    ("client_secret", SECRET),
                    ("refresh_token", "x"),
                ]);
                if let Some(a) = auth {
                    req = req.header(header::AUTHORIZATION, a);
                }
                assert!(req.send().await.unwrap().status().is_client_error());
            }
            let cfg: Value = reqwest::get(format!("{base}/_sim/config"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(cfg["clients"][1]["confidential"], true);
        });
    });
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!(
            "ilert-sim: client {BACKEND} -> {BACKEND_REDIRECT} (confidential, with a secret)"
        )),
        "{log}"
    );
    assert!(log.contains("ilert-sim: client web -> http://localhost:5000/cb (public, PKCE)"));
    assert!(log.contains(&format!("POST {TOKEN} 400")), "{log}");
    for leak in [SECRET, &urlencode(SECRET), "xXbV7"] {
        assert!(!log.contains(leak), "{leak} in {log}");
    }
    result.unwrap();
}
