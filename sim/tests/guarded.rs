//! Issue 17 over real HTTP: the hooks refuse what another website can send, ilert-sim
//! answers only Host names of loopback (DNS rebinding), answers made by fault rules are
//! inert as pages, and the request log masks every secret.

mod common;

use common::*;
use ilert_sim::masked;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

const HOOKS: &[(&str, &str)] = &[
    ("POST", "/_sim/reset"),
    ("POST", "/_sim/revoke_refresh_tokens"),
    ("POST", "/_sim/revoke_access_tokens"),
    ("POST", "/_sim/faults"),
    ("DELETE", "/_sim/faults"),
    ("POST", "/_sim/clients"),
];

#[tokio::test]
async fn hooks_refuse_forms_text_and_requests_without_the_header() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let rule = json!({"endpoint": "authorize", "forever": true,
        "action": {"respond": {"status": 200, "content_type": "text/html", "body": "<b>x</b>"}}});
    let client = json!({"id": "evil", "redirect_uri": "https://evil.example/cb"});
    let before = (
        sim.get_json("/_sim/stats").await,
        sim.get_json("/_sim/faults").await,
        sim.get_json("/_sim/clients").await,
    );
    for (method, path) in HOOKS {
        let body = match *path {
            "/_sim/faults" => rule.to_string(),
            "/_sim/clients" => client.to_string(),
            _ => "{}".to_string(),
        };
        for (content_type, with_header, status) in [
            // An HTML form with enctype text/plain: JSON-looking text with one `=` in it.
            ("text/plain", false, StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (
                "application/x-www-form-urlencoded",
                false,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            ("text/plain", true, StatusCode::UNSUPPORTED_MEDIA_TYPE),
            ("application/json", false, StatusCode::FORBIDDEN),
        ] {
            let mut req = sim
                .http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    sim.url(path),
                )
                .header(header::CONTENT_TYPE, content_type)
                .header(header::ORIGIN, "http://evil.example")
                .body(body.clone());
            if with_header {
                req = req.header("x-ilert-sim-hook", "1");
            }
            let resp = req.send().await.unwrap();
            let what = format!("{method} {path} {content_type} header {with_header}");
            assert_eq!(resp.status(), status, "{what}");
            assert!(resp
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none());
            let error: Value = resp.json().await.unwrap();
            assert!(error["error"].is_string(), "{what}: {error}");
        }
    }
    // Nothing changed: the counters, the rules, the clients, the refresh token.
    let after = (
        sim.get_json("/_sim/stats").await,
        sim.get_json("/_sim/faults").await,
        sim.get_json("/_sim/clients").await,
    );
    assert_eq!(after, before);
    assert_eq!(
        sim.refresh(str_of(&t, "refresh_token")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn only_a_loopback_host_is_answered() {
    let sim = start(config()).await;
    let port = sim.base.rsplit(':').next().unwrap().to_string();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.9.9.9:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
    ] {
        let resp = sim
            .http
            .get(sim.url("/_sim/stats"))
            .header(header::HOST, &host)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{host}");
    }
    for host in [
        format!("rebind.attacker.example:{port}"),
        "attacker.example".to_string(),
        format!("192.168.1.2:{port}"),
        format!("localhost.attacker.example:{port}"),
    ] {
        for (method, path) in [
            ("GET", "/_sim/stats"),
            ("POST", "/_sim/reset"),
            ("GET", "/"),
        ] {
            let resp = sim
                .http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    sim.url(path),
                )
                .header(header::HOST, &host)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-ilert-sim-hook", "1")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
            let error: Value = resp.json().await.unwrap();
            let text = error["error"].as_str().unwrap();
            assert!(text.contains("localhost") && text.contains(&host), "{text}");
        }
    }
    // The refused reset reset nothing.
    assert_eq!(sim.get_json("/_sim/stats").await["token_requests"], 0);
}

#[tokio::test]
async fn a_fault_answer_is_sandboxed_and_not_sniffed() {
    let sim = start(config()).await;
    let rule = json!({"endpoint": "authorize", "action": {"respond": {"status": 200,
        "content_type": "text/html", "body": "<script>alert(1)</script>",
        "headers": {"Content-Security-Policy": "default-src *", "X-Content-Type-Options": "x"}}}});
    let resp = sim.hook(Method::POST, "/_sim/faults", &rule).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let tamper = json!({"endpoint": "token", "action": {"tamper": {"set": {"expires_in": 0}}}});
    let resp = sim.hook(Method::POST, "/_sim/faults", &tamper).await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let page = sim.authorize(&authorize_query("profile", "s")).await;
    let code = sim.code("profile").await;
    let tampered = sim
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .await;
    for resp in [&page, &tampered] {
        let csp: Vec<_> = resp
            .headers()
            .get_all(header::CONTENT_SECURITY_POLICY)
            .iter()
            .collect();
        assert_eq!(csp, ["sandbox; default-src 'none'"]);
        assert_eq!(resp.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    assert_eq!(page.text().await.unwrap(), "<script>alert(1)</script>");
}

#[tokio::test]
async fn the_request_log_masks_codes_verifiers_and_tokens() {
    let sim = start(config()).await;
    let code = sim.code("profile offline_access").await;
    let t = sim.exchange(&code).await;
    let (access, refresh) = (str_of(&t, "access_token"), str_of(&t, "refresh_token"));
    let t2: Value = sim.refresh(refresh).await.json().await.unwrap();
    sim.token_info(access).await;
    assert_eq!(
        sim.revoke(str_of(&t2, "refresh_token")).await,
        StatusCode::OK
    );
    // A bearer token where a token request has none: still masked.
    let resp = sim
        .http
        .post(sim.url(TOKEN))
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());

    let mut all = String::new();
    for endpoint in ["token", "token_info", "revoke"] {
        all += &sim
            .get_json(&format!("/_sim/requests?endpoint={endpoint}"))
            .await
            .to_string();
    }
    for secret in [
        code.as_str(),
        VERIFIER,
        access,
        refresh,
        str_of(&t2, "access_token"),
        str_of(&t2, "refresh_token"),
    ] {
        assert!(!all.contains(secret), "{secret} in {all}");
        assert!(
            !all.contains(&secret[secret.len() - 12..]),
            "{secret} in {all}"
        );
    }
    // What was sent stays checkable, by fingerprint.
    let log = sim.get_json("/_sim/requests").await;
    assert_eq!(log[0]["form"]["code"], masked(&code));
    assert_eq!(log[0]["form"]["code_verifier"], masked(VERIFIER));
    assert_eq!(log[1]["form"]["refresh_token"], masked(refresh));
    assert_eq!(
        log[2]["authorization"],
        format!("Bearer {}", masked(access))
    );
    let info = sim.get_json("/_sim/requests?endpoint=token_info").await;
    assert_eq!(info[0]["form"]["token"], masked(access));
    let revoke = sim.get_json("/_sim/requests?endpoint=revoke").await;
    assert_eq!(
        revoke[0]["form"]["token"],
        masked(str_of(&t2, "refresh_token"))
    );
}
