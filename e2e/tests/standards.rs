//! The app against a standards server, unchanged: panva's oidc-provider (OpenID Certified) on
//! iLert's paths, in a real Chromium. Sign-in, profile (an OpenID Connect userinfo answer),
//! token info (RFC 7662 introspection, which wants client_id from a public client), opaque
//! tokens, refresh with rotation, sign-out (RFC 7009 revocation, client_id again), and a
//! refresh token whose reuse made the server revoke the grant.
use std::time::Duration;

use e2e::oidc::{
    self, AUTHORIZE_PATH, REVOKE_PATH, SCOPES, TOKEN_INFO_PATH, TOKEN_PATH, USERNAME, USER_PATH,
};
use e2e::{Harness, CLIENT_ID};
use serde_json::Value;

/// The refresh token the app holds, from sessionStorage.
async fn refresh_token(h: &Harness) -> String {
    h.tokens().await.expect("signed in")["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

/// The requests the app made (from its origin) to an endpoint of the server.
async fn from_app(h: &Harness, route: &str) -> Vec<Value> {
    h.oidc_requests_to(route)
        .await
        .into_iter()
        .filter(|r| r["origin"] == h.app.as_str())
        .collect()
}

/// Every request of `route` carried this client's client_id as a form field (a public client
/// authenticates that way; oidc-provider refuses the request without it).
fn all_name_the_client(route: &str, requests: &[Value]) {
    assert!(
        !requests.is_empty(),
        "no {route} request reached the server"
    );
    for r in requests {
        assert_eq!(
            r["client_id"], CLIENT_ID,
            "{route} request without client_id: {r}"
        );
        assert_eq!(r["status"], 200, "{route} request refused: {r}");
    }
}

#[tokio::test]
async fn oidc_provider_starts_fast_on_ilerts_paths() {
    let server = oidc::start_server(CLIENT_ID, "http://localhost:1/webapp").await;
    let startup = server.startup;
    let issuer = &server.issuer;
    let discovery: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], issuer.as_str());
    for (field, path) in [
        ("authorization_endpoint", AUTHORIZE_PATH),
        ("token_endpoint", TOKEN_PATH),
        ("introspection_endpoint", TOKEN_INFO_PATH),
        ("revocation_endpoint", REVOKE_PATH),
        ("userinfo_endpoint", USER_PATH),
    ] {
        assert_eq!(discovery[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    for scope in SCOPES {
        assert!(
            discovery["scopes_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == scope),
            "{scope}: {discovery}"
        );
    }
    // Public clients (no secret) at the token endpoint; RFC 8414: introspection and revocation
    // take the token endpoint's methods unless they list their own.
    let methods = &discovery["token_endpoint_auth_methods_supported"];
    assert!(
        methods.as_array().unwrap().iter().any(|m| m == "none"),
        "{methods}"
    );
    // About 0.5 s on an idle machine (node and oidc-provider's modules; the key is EC P-256,
    // made in a millisecond). The limit leaves room for a loaded 2-core runner, where loading
    // the modules alone was measured at up to 1.6 s; the metrics line has the real number.
    assert!(
        startup < Duration::from_secs(5),
        "oidc-provider took {startup:?} to start"
    );
    // xtask prints this file after the suite (flow.rs starts it; this adds a line).
    let metrics = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/e2e-metrics.txt");
    // target/ of the workspace, which a CARGO_TARGET_DIR elsewhere leaves uncreated.
    std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(metrics)
        .unwrap();
    std::io::Write::write_all(
        &mut file,
        format!(
            "oidc-provider start → ready: {} ms (node e2e/oidc/server.mjs)\n",
            startup.as_millis()
        )
        .as_bytes(),
    )
    .unwrap();
}

#[tokio::test]
async fn sign_in_shows_the_oidc_profile_token_info_and_opaque_tokens() {
    let h = Harness::standards().await;
    h.open("/").await;
    // The OpenID Connect scopes are known, explained and not flagged as a configuration problem.
    let scopes = h.text("[data-testid=scopes]").await;
    for scope in SCOPES {
        assert!(scopes.contains(scope), "{scope}: {scopes}");
    }
    assert!(
        scopes.contains("OpenID Connect") && !scopes.contains("not a scope"),
        "{scopes}"
    );
    let main = h.text("main").await;
    assert!(!main.contains("The configuration has problems"), "{main}");

    // Connect: oidc-provider's login page, on iLert's authorize path, asked with PKCE S256.
    h.click("[data-testid=connect]").await;
    h.wait("#username").await;
    let login_url = h.url().await;
    assert!(
        login_url.starts_with(&format!("{}/interaction/", h.sim)),
        "{login_url}"
    );
    let authorize = h.oidc_requests_to("authorization").await;
    assert_eq!(authorize.len(), 1, "{authorize:?}");
    assert_eq!(authorize[0]["path"], AUTHORIZE_PATH);
    assert_eq!(
        authorize[0]["status"], 303,
        "the authorize request was refused: {}",
        authorize[0]
    );
    assert!(h.text("#client").await.contains(CLIENT_ID));

    // Login, then consent to all four scopes (offline_access too, without prompt=consent).
    h.oidc_login(USERNAME).await;
    let consent = h.text("#scopes").await;
    for scope in SCOPES {
        assert!(consent.contains(scope), "{scope} not asked: {consent}");
    }
    h.click("#allow").await;

    // Back on the app: the profile is the OpenID Connect userinfo answer.
    h.wait_text("[data-testid=profile-name]", "Ada Lovelace")
        .await;
    assert_eq!(h.text("[data-testid=profile-username]").await, "ada");
    assert_eq!(
        h.text("[data-testid=profile-email]").await,
        "ada@example.com"
    );
    assert_eq!(
        h.text("[data-testid=profile-timezone]").await,
        "Europe/London"
    );
    let url = h.url().await;
    assert!(
        url.starts_with(&h.app) && !url.contains("code=") && !url.contains("state="),
        "{url}"
    );

    // The tokens are opaque: no dots, and the inspector says what that means instead of failing.
    let tokens = h.tokens().await.expect("signed in");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token for offline_access");
    assert!(
        !access.contains('.') && !refresh.contains('.'),
        "tokens are not opaque"
    );
    for which in ["access", "refresh"] {
        let shown = h
            .text(&format!(
                "[data-testid=jwt-{which}] [data-testid=jwt-opaque]"
            ))
            .await;
        assert!(
            shown.contains("opaque") && shown.contains("not a JWT"),
            "{which}: {shown}"
        );
    }
    assert!(
        h.browser
            .find(e2e::fantoccini::Locator::Css("[data-testid=jwt-error]"))
            .await
            .is_err(),
        "a decoding error is shown"
    );

    // The code exchange: a public client with PKCE, no secret.
    let exchange = from_app(&h, "token").await;
    assert_eq!(exchange.len(), 1, "{exchange:?}");
    assert_eq!(exchange[0]["grant_type"], "authorization_code");
    assert_eq!(
        exchange[0]["fields"],
        serde_json::json!([
            "client_id",
            "code",
            "code_verifier",
            "grant_type",
            "redirect_uri"
        ])
    );
    all_name_the_client("token", &exchange);
    // users/current = userinfo: a bearer token, from the app's origin (CORS).
    let userinfo = from_app(&h, "userinfo").await;
    assert!(
        userinfo.iter().any(|r| r["method"] == "GET"
            && r["status"] == 200
            && r["authorization_header"] == "Bearer"),
        "{userinfo:?}"
    );

    // Token info = RFC 7662 introspection: active, with the granted scopes. oidc-provider
    // answers a public client only if the request names it with client_id.
    h.until("a token_info request", || async {
        from_app(&h, "introspection").await.first().cloned()
    })
    .await;
    all_name_the_client("introspection", &from_app(&h, "introspection").await);
    h.wait_text("[data-testid=info-active]", "yes").await;
    let scope = h.text("[data-testid=info-scope]").await;
    for s in SCOPES {
        assert!(scope.split(' ').any(|x| x == s), "{s}: {scope}");
    }
    // What the server says about the token agrees.
    let info = h.oidc_introspect(access).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["sub"], "ada-1");
    assert_eq!(info["client_id"], CLIENT_ID);
    h.screenshot("target/e2e-screenshots/standards-signed-in.png")
        .await;
    h.stop().await;
}

#[tokio::test]
async fn the_refresh_button_rotates_the_refresh_token() {
    let h = Harness::standards().await;
    h.oidc_sign_in().await;
    let old_access = h.access_token().await;
    let old_refresh = refresh_token(&h).await;

    assert_eq!(h.text("[data-testid=refresh]").await, "Refresh token");
    h.click("[data-testid=refresh]").await;
    let new_refresh = h
        .until("a new refresh token", || async {
            let t = h.tokens().await?;
            let r = t["refresh_token"].as_str()?.to_string();
            (r != old_refresh).then_some(r)
        })
        .await;
    assert_ne!(h.access_token().await, old_access);

    let refreshes: Vec<Value> = from_app(&h, "token")
        .await
        .into_iter()
        .filter(|r| r["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    all_name_the_client("token", &refreshes);

    // The new refresh token is live; the old one was rotated out (consumed, not yet reused).
    assert_eq!(h.oidc_introspect(&new_refresh).await["active"], true);
    assert_eq!(h.oidc_introspect(&old_refresh).await["active"], false);
    // The app asks token_info about the new access token, with client_id, and shows it active.
    h.until("token_info about the new access token", || async {
        (from_app(&h, "introspection").await.len() >= 2).then_some(())
    })
    .await;
    all_name_the_client("introspection", &from_app(&h, "introspection").await);
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert_eq!(h.text("[data-testid=profile-username]").await, "ada");
    h.stop().await;
}

#[tokio::test]
async fn sign_out_revokes_the_grant_at_the_server() {
    let h = Harness::standards().await;
    h.oidc_sign_in().await;
    let access = h.access_token().await;
    let refresh = refresh_token(&h).await;

    assert_eq!(h.text("[data-testid=sign-out]").await, "Sign out");
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none(), "tokens left in sessionStorage");
    // The tokens go first ("Signing out…"), then the notice says how the revocation went.
    let notice = h
        .until("the revocation's outcome", || async {
            let text = h.text("[data-testid=notice]").await;
            (!text.starts_with("Signing out")).then_some(text)
        })
        .await;

    // RFC 7009 with client_id: accepted; the refresh token and, with it, the grant are gone.
    let revocations = from_app(&h, "revocation").await;
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert!(
        revocations[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "token"),
        "{}",
        revocations[0]
    );
    all_name_the_client("revocation", &revocations);
    assert!(
        notice.starts_with("Signed out") && !notice.contains("failed"),
        "{notice}"
    );
    let (status, answer) = h.oidc_refresh(&refresh).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant")),
        "the refresh token still works: {answer}"
    );
    assert_eq!(
        h.oidc_introspect(&access).await["active"],
        false,
        "the grant's access token is still active"
    );
    h.stop().await;
}

#[tokio::test]
async fn reuse_of_a_spent_refresh_token_ends_the_session_with_words() {
    let h = Harness::standards().await;
    h.oidc_sign_in().await;
    let spent = refresh_token(&h).await;

    // Someone else spends the app's refresh token first (a thief, or a copy of the tab).
    let (status, stolen) = h.oidc_refresh(&spent).await;
    assert_eq!(status, 200, "{stolen}");
    let thiefs = stolen["refresh_token"]
        .as_str()
        .expect("rotation: a new refresh token")
        .to_string();
    assert_ne!(thiefs, spent);

    // The app presents the spent token: reuse. The server revokes the whole grant.
    h.click("[data-testid=refresh]").await;
    h.wait("[data-testid=connect]").await;
    let refreshes: Vec<Value> = from_app(&h, "token")
        .await
        .into_iter()
        .filter(|r| r["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0]["client_id"], CLIENT_ID);
    assert_eq!(
        (
            refreshes[0]["status"].as_u64(),
            refreshes[0]["error"].as_str()
        ),
        (Some(400), Some("invalid_grant")),
        "{}",
        refreshes[0]
    );
    let (status, answer) = h.oidc_refresh(&thiefs).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant")),
        "reuse did not revoke the grant: {answer}"
    );

    // The app ended the session and said so.
    assert!(h.tokens().await.is_none(), "tokens left in sessionStorage");
    let notice = h.wait("[data-testid=notice]").await;
    assert_eq!(notice.attr("role").await.unwrap().as_deref(), Some("alert"));
    let words = notice.text().await.unwrap().to_lowercase();
    assert!(
        words.contains("refresh token") && (words.contains("connect") || words.contains("sign in")),
        "{words}"
    );
    h.stop().await;
}
