//! The PKCE flow in a real Chromium against ilert-sim, as a person would click through it.
use std::time::Duration;

use e2e::{flows, Harness};
use serde_json::json;

#[tokio::test]
async fn connect_grant_shows_profile_and_token_info_and_cleans_the_url() {
    let h = Harness::start().await;
    h.open("/").await;
    assert_eq!(h.text("[data-testid=connect]").await, "Connect to iLert");
    assert_eq!(h.text("[data-testid=client-id]").await, "ilert-pkce-demo");
    assert!(h
        .text("[data-testid=scopes]")
        .await
        .contains("offline_access"));

    h.click("[data-testid=connect]").await;
    // The simulator's consent page names the client and the scopes.
    let consent = h.text("body").await;
    assert!(consent.contains("ilert-pkce-demo"), "{consent}");
    let authorize_url = h.url().await;
    assert!(
        authorize_url.contains("code_challenge_method=S256"),
        "{authorize_url}"
    );
    assert!(authorize_url.contains("response_type=code"));
    h.click("#grant").await;

    h.assert_signed_in_as_ada().await;

    // Exactly one token request, shaped as RFC 6749 + 7636 and iLert want it.
    let stats = h.sim_stats().await;
    assert_eq!(stats["authorization_code_grants"], 1, "{stats}");
    let requests = h.sim_requests().await;
    let exchange = requests
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r.to_string().contains("authorization_code"))
        .expect("a code exchange");
    let text = exchange.to_string();
    for needle in [
        "code_verifier",
        "redirect_uri",
        "ilert-pkce-demo",
        "application/x-www-form-urlencoded",
        "application/json",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }

    // Secrets: masked on screen, the refresh token never in localStorage.
    let token = h.access_token().await;
    let shown = h.text("[data-testid=access-token] .secret-value").await;
    assert!(
        !shown.contains(&token[10..]),
        "the access token is shown unmasked"
    );
    let local = h.js("return JSON.stringify(localStorage);").await;
    let refresh = h.refresh_token().await;
    assert!(
        !local.as_str().unwrap().contains(&refresh),
        "refresh token in localStorage"
    );
    // refresh_token_expires_in is a year: the panel says how long the session can last.
    assert_eq!(
        h.text("[data-testid=refresh-expires]").await,
        "364 more days"
    );
    let countdown = h.text("[data-testid=expires-in]").await;
    assert!(
        countdown.starts_with("59:") || countdown.starts_with("1:00:"),
        "{countdown}"
    );

    let ms = h.callback_to_profile_ms().await;
    e2e::metric(&format!(
        "callback → profile shown: {ms} ms (Chromium, ilert-sim on loopback)"
    ));
    h.screenshot("docs/screenshots/signed-in.png").await;
    h.stop().await;
}

#[tokio::test]
async fn a_reload_keeps_the_session() {
    let h = Harness::start().await;
    h.sign_in().await;
    flows::a_reload_keeps_the_session(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn the_refresh_button_rotates_the_tokens() {
    let h = Harness::start().await;
    flows::the_refresh_button_rotates_the_tokens(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn the_token_is_refreshed_automatically_before_it_expires() {
    // 30 s: the shortest lifetime the app believes (a shorter one is raised to it).
    let h = Harness::with_sim(|c| c.access_ttl = 30).await;
    h.sign_in().await;
    let first = h.access_token().await;
    let expires_at = h.tokens().await.unwrap()["expires_at_ms"].as_f64().unwrap();
    // Before the old token expires, a new one is in place, without a click.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(34);
    loop {
        if h.access_token().await != first {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no automatic refresh"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let now = h.js("return Date.now();").await.as_f64().unwrap();
    assert!(now < expires_at, "refreshed only after expiry");
    assert!(h.sim_stats().await["refresh_grants"].as_u64().unwrap() >= 1);
    h.wait_text("[data-testid=info-active]", "yes").await;
    h.stop().await;
}

#[tokio::test]
async fn an_api_call_with_an_expired_token_refreshes_once_and_retries() {
    let h = Harness::start().await;
    flows::a_401_refreshes_once_and_retries(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_forgets_everything() {
    let h = Harness::start().await;
    flows::sign_out_revokes_and_forgets_everything(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn a_refresh_refused_with_invalid_grant_signs_out_with_the_reason() {
    let h = Harness::start().await;
    h.sign_in().await;
    // The user revokes the app in iLert: the refresh token dies.
    let refresh = h.refresh_token().await;
    let (status, _) = h
        .sim_post("/api/developers/oauth2/revoke", &[("token", &refresh)])
        .await;
    assert_eq!(status, 200);
    h.click("[data-testid=refresh]").await;
    let notice = h.text("[data-testid=notice]").await;
    assert!(
        notice.contains("session has ended") && notice.contains("invalid_grant"),
        "{notice}"
    );
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn deny_shows_access_denied_and_requests_no_token() {
    let h = Harness::start().await;
    flows::deny_requests_no_token(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn a_tampered_state_is_refused_and_no_token_is_requested() {
    let h = Harness::start().await;
    flows::a_forged_state_is_refused(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn a_replayed_callback_is_refused() {
    let h = Harness::start().await;
    h.sign_in().await;
    // The same callback URL again (from the history or a leaked log): its state is used up.
    let state = h
        .timeline_field("Callback", "state")
        .await
        .expect("the timeline has the state");
    let code = h
        .timeline_field("Callback", "code")
        .await
        .expect("the timeline has the code");
    h.js("sessionStorage.removeItem('ilert-pkce.tokens');")
        .await;
    h.open(&format!("/webapp?code={code}&state={state}")).await;
    let error = h.text("[data-testid=error]").await;
    assert!(error.contains("No token was requested"), "{error}");
    // Every code exchange that reached the simulator, refused ones included: the sign-in's.
    assert_eq!(h.sim_received_grant("authorization_code").await, 1);
    h.stop().await;
}

#[tokio::test]
async fn the_code_leaves_the_address_bar_before_the_token_request_is_sent() {
    let h = Harness::start().await;
    // The code exchange is held at the simulator: the page is mid-exchange as long as we look.
    h.fault(
        json!({"endpoint": "token", "grant_type": "authorization_code", "forever": true,
                   "action": {"hang": true}}),
    )
    .await;
    h.sign_in_as("ada").await;
    h.until("the code exchange to reach the simulator", || async {
        (h.sim_received_grant("authorization_code").await == 1).then_some(())
    })
    .await;
    let url = h.url().await;
    assert!(
        !url.contains("code=") && !url.contains("state="),
        "the code is in the address bar while it is being exchanged: {url}"
    );
    assert!(url.ends_with("/webapp"), "{url}");
    h.clear_faults().await;
    h.stop().await;
}

// config.json fetched once, beside the wasm: tests/engines.rs, in every engine, counted at
// the app's server.

#[tokio::test]
async fn the_callback_exchanges_the_code_and_shows_the_profile_without_waiting_for_config_json() {
    let h = Harness::start().await;
    h.connect().await;
    // The sign-in pinned its endpoints at Connect: from here on config.json takes 6 s.
    h.delay_config_json(6_000);
    h.js("document.getElementById('user').value = 'ada';").await;
    let granted = std::time::Instant::now();
    h.click("#grant").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert!(
        granted.elapsed() < Duration::from_secs(4),
        "the profile waited for config.json: {:?}",
        granted.elapsed()
    );
    h.stop().await;
}

/// From now on, the page notes every uncaught error (a wasm trap shows as one).
async fn watch_page_errors(h: &Harness) {
    h.js("window.__errors = []; addEventListener('error', (e) => window.__errors.push(String(e.message)));")
        .await;
}

/// The uncaught errors noted since [`watch_page_errors`].
async fn page_errors(h: &Harness) -> serde_json::Value {
    h.js("return window.__errors;").await
}

#[tokio::test]
async fn the_nav_changes_the_address_bar_and_home_comes_back_after_settings() {
    let h = Harness::start().await;
    h.sign_in().await;
    // After the callback, the address bar shows Home, not /webapp (a reload stays signed in).
    h.until("the address bar to show Home", || async {
        h.url().await.ends_with('/').then_some(())
    })
    .await;
    h.wait("[data-testid=timeline] ol.steps").await;
    watch_page_errors(&h).await;
    h.click("[data-testid=nav-settings]").await;
    h.wait("[data-testid=settings]").await;
    h.until("the address bar to show /settings", || async {
        h.url().await.ends_with("/settings").then_some(())
    })
    .await;
    // Back home by the nav: the page (and the timeline, first read by Home) is there again.
    h.click("header nav a:first-child").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.wait("[data-testid=timeline] ol.steps").await;
    assert!(h.url().await.ends_with('/'), "{}", h.url().await);
    assert_eq!(page_errors(&h).await, json!([]));
    h.stop().await;
}

#[tokio::test]
async fn on_a_first_visit_home_comes_back_after_settings() {
    let h = Harness::start().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    watch_page_errors(&h).await;
    // Home's timeline (still empty) is the first to read the record; leaving Home must not
    // take the record with it.
    h.click("[data-testid=nav-settings]").await;
    h.wait("[data-testid=settings]").await;
    h.click("header nav a:first-child").await;
    h.wait("[data-testid=connect]").await;
    h.wait("[data-testid=timeline]").await;
    // Back and Forward show the page of the address bar, in the same document (the app
    // follows popstate: src/browser/nav.rs), so the errors noted above are still there.
    h.browser.back().await.unwrap();
    h.wait("[data-testid=settings]").await;
    assert!(h.url().await.ends_with("/settings"), "{}", h.url().await);
    h.browser.forward().await.unwrap();
    h.wait("[data-testid=connect]").await;
    assert!(h.url().await.ends_with('/'), "{}", h.url().await);
    assert_eq!(page_errors(&h).await, json!([]));
    // And the page still works: Connect starts a sign-in whose steps the timeline shows.
    h.sign_in().await;
    h.wait("[data-testid=timeline] ol.steps").await;
    h.stop().await;
}

/// Issue 21, item 8: a server that does not rotate (ilert-sim `--rotate-refresh off`, as
/// iLert's own sample app and CLI suggest iLert behaves): Refresh brings a new access token,
/// the tab keeps its refresh token, the playground says the server kept it, and sign-out
/// revokes that very token.
#[tokio::test]
async fn without_rotation_the_tab_keeps_its_refresh_token_and_says_so() {
    use fantoccini::Locator;
    let h = Harness::with_sim(|c| c.rotate_refresh = false).await;
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    let refresh = h.refresh_token().await;
    for round in 1..=2 {
        let now = h.tokens().await.unwrap();
        h.browser
            .find(Locator::XPath(
                "//*[(self::button or @role='button') and normalize-space(.)='Refresh token']",
            ))
            .await
            .expect("a button named Refresh token")
            .click()
            .await
            .unwrap();
        let after = h.new_tokens_after(&now).await;
        assert_eq!(
            after["refresh_token"], before["refresh_token"],
            "round {round}"
        );
    }
    let said = h
        .until("the playground's word on rotation", || async {
            h.timeline_field("Refresh", "refresh_token").await
        })
        .await;
    assert!(said.contains("goes on working"), "{said}");
    assert_eq!(h.sim_stats().await["refresh_grants"], 2);
    // Still live at the server until the sign-out revokes it.
    h.click("[data-testid=sign-out]").await;
    h.wait_contains("[data-testid=notice]", "Signed out").await;
    assert_eq!(
        h.refresh_at_sim(&refresh).await,
        (401, Some("invalid_grant".into()))
    );
    h.stop().await;
}
