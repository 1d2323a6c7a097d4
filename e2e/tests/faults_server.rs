//! The fault matrix, server side: ilert-sim's endpoints fail or answer oddly on purpose (see
//! sim-core/src/faults.rs), and each test checks what the person sees, what the tab keeps or
//! forgets, that nothing stays "loading", and that the next try works.
use std::time::{Duration, Instant};

use e2e::fantoccini::Locator;
use e2e::tokens::jwt_in;
use e2e::Harness;
use serde_json::{json, Value};

const TOKENS: &str = "ilert-pkce.tokens";
const PENDING: &str = "ilert-pkce.pending";
const TIMELINE: &str = "ilert-pkce.timeline";
const PROFILE_ERROR: &str = "[data-testid=profile] [data-testid=load-error]";
const INFO_ERROR: &str = "[data-testid=token-info] [data-testid=load-error]";

/// A fault on the code exchange only (refreshes pass).
async fn on_exchange(h: &Harness, rule: Value) {
    let mut rule = rule;
    rule["endpoint"] = "token".into();
    rule["grant_type"] = "authorization_code".into();
    h.fault(rule).await;
}

/// Connect → Grant with the fault in place; the callback page's error card.
async fn exchange_error(h: &Harness) -> String {
    h.sign_in_as("ada").await;
    h.text("[data-testid=error]").await
}

/// No tokens and no pending attempt in this tab, and no token left in the stored timeline
/// (a refused answer may carry one).
async fn assert_nothing_kept(h: &Harness) {
    assert_eq!(h.session_storage(TOKENS).await, None, "tokens stored");
    assert_eq!(
        h.session_storage(PENDING).await,
        None,
        "the pending attempt is still stored"
    );
    assert_eq!(
        jwt_in(&timeline_text(h).await),
        None,
        "a token stays in the stored timeline"
    );
}

/// Nothing on the page says it is still loading.
async fn assert_settled(h: &Harness) {
    let text = h
        .js("return document.body.innerText;")
        .await
        .as_str()
        .unwrap()
        .to_string();
    for busy in [
        "Finishing sign-in…",
        "Loading the profile…",
        "Asking iLert about the token…",
    ] {
        assert!(!text.contains(busy), "still {busy:?} on the page: {text}");
    }
    assert_eq!(
        h.js("return document.querySelectorAll('[aria-busy=true]').length;")
            .await,
        0
    );
}

/// Waits up to `secs` for `css` to contain `needle` (for the 15 s time limit).
async fn wait_long(h: &Harness, css: &str, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(el) = h.browser.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return text;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "`{css}` did not contain {needle:?} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The stored timeline as text ("" if none).
async fn timeline_text(h: &Harness) -> String {
    h.session_storage(TIMELINE)
        .await
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The stored timeline's entries of `step`.
async fn entries(h: &Harness, step: &str) -> Vec<Value> {
    let all = h.session_storage(TIMELINE).await.unwrap_or(json!([]));
    all.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["step"] == step)
        .cloned()
        .collect()
}

/// Connect, then back on the app: the state and challenge of this tab's pending attempt.
async fn pending_attempt(h: &Harness) -> (String, String) {
    h.connect().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let store = h.session_storage(PENDING).await.expect("a pending attempt");
    let attempt = store["attempts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    (
        attempt["state"].as_str().unwrap().into(),
        attempt["challenge"].as_str().unwrap().into(),
    )
}

async fn no_notice(h: &Harness) -> bool {
    h.browser
        .find(Locator::Css("[data-testid=notice]"))
        .await
        .is_err()
}

// 1
#[tokio::test]
async fn exchange_500_shows_ilerts_error_and_connect_again_works() {
    let h = Harness::start().await;
    on_exchange(&h, json!({"action": {"respond": {"status": 500, "body": {"code": "server_error", "error": "Oops"}}}})).await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("server_error") && error.contains("Oops") && error.contains("HTTP 500"),
        "{error}"
    );
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.sign_in().await;
    assert!(h.tokens().await.is_some());
    h.stop().await;
}

// 2
#[tokio::test]
async fn exchange_503_html_says_not_json() {
    let h = Harness::start().await;
    let page = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    on_exchange(
        &h,
        json!({"action": {"respond": {"status": 503, "body": page, "content_type": "text/html"}}}),
    )
    .await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("The answer was not JSON") && error.contains("instead of JSON"),
        "{error}"
    );
    assert!(
        error.contains("HTTP 503") && error.contains("text/html"),
        "{error}"
    );
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

// 3
#[tokio::test]
async fn exchange_200_with_an_empty_body_says_empty_body() {
    let h = Harness::start().await;
    on_exchange(&h, json!({"action": {"respond": {"status": 200}}})).await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("HTTP 200") && error.contains("an empty body instead of JSON"),
        "{error}"
    );
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

// 4
#[tokio::test]
async fn exchange_that_hangs_gives_up_after_15_s_and_connect_again_works() {
    let h = Harness::start().await;
    on_exchange(&h, json!({"action": {"hang": true}})).await;
    h.sign_in_as("ada").await;
    let granted = Instant::now();
    let error = wait_long(&h, "[data-testid=error]", "No answer in time", 25).await;
    assert!(
        granted.elapsed() >= Duration::from_secs(14),
        "gave up after {:?}",
        granted.elapsed()
    );
    let token_url = format!("{}/api/developers/oauth2/token", h.sim);
    assert!(
        error.contains(&token_url) && error.contains("did not answer within 15 s"),
        "{error}"
    );
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.sign_in().await;
    h.stop().await;
}

// 5
#[tokio::test]
async fn exchange_connection_reset_says_network_failure() {
    let h = Harness::start().await;
    on_exchange(&h, json!({"count": 3, "action": {"reset": true}})).await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("Network failure") && error.contains("could not reach"),
        "{error}"
    );
    assert!(error.contains("connection was cut"), "{error}");
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.clear_faults().await;
    h.sign_in().await;
    h.stop().await;
}

// 6
#[tokio::test]
async fn expires_in_zero_is_adjusted_and_starts_no_refresh_storm() {
    let h = Harness::start().await;
    on_exchange(
        &h,
        json!({"action": {"tamper": {"set": {"expires_in": 0}}}}),
    )
    .await;
    h.sign_in().await;
    let adjusted = entries(&h, "TokenExchange").await;
    let note = adjusted
        .iter()
        .find(|e| e["title"] == "The token's lifetime was adjusted")
        .expect("a lifetime note");
    assert_eq!(note["fields"][0]["value"], "0", "{note}");
    h.wait_contains(
        "[data-testid=timeline]",
        "The token's lifetime was adjusted",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(
        h.sim_received_grant("refresh_token").await,
        0,
        "refreshes within 8 s of a 0 s lifetime"
    );
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.stop().await;
}

// 7
#[tokio::test]
async fn odd_expires_in_values_give_a_sane_lifetime() {
    let h = Harness::start().await;
    let cases = [
        ("-5", json!({"set": {"expires_in": -5}})),
        ("1.5", json!({"set": {"expires_in": 1.5}})),
        ("\"abc\"", json!({"set": {"expires_in": "abc"}})),
        ("absent", json!({"remove": ["expires_in"]})),
    ];
    for (sent, tamper) in cases {
        on_exchange(&h, json!({"action": {"tamper": tamper}})).await;
        h.sign_in().await;
        let now = h.js("return Date.now();").await.as_f64().unwrap();
        let tokens = h.tokens().await.unwrap();
        // The lifetime the app took, not the time left: a loaded machine may spend more than
        // a second between the answer and this read.
        let lifetime_s = tokens["lifetime_ms"].as_f64().unwrap() / 1000.0;
        assert!(
            (30.0..=3600.0).contains(&lifetime_s),
            "expires_in {sent}: the token lasts {lifetime_s} s"
        );
        let left_s = (tokens["expires_at_ms"].as_f64().unwrap() - now) / 1000.0;
        assert!(
            left_s > 0.0 && left_s <= lifetime_s,
            "expires_in {sent}: {left_s} s left of {lifetime_s} s"
        );
        assert_eq!(
            h.timeline_field("TokenExchange", "expires_in")
                .await
                .as_deref(),
            Some(sent)
        );
        h.click("[data-testid=sign-out]").await;
        h.wait_contains("[data-testid=notice]", "Signed out").await;
        h.wait("[data-testid=connect]").await;
    }
    h.stop().await;
}

// 8
#[tokio::test]
async fn token_type_mac_is_refused() {
    let h = Harness::start().await;
    on_exchange(
        &h,
        json!({"action": {"tamper": {"set": {"token_type": "mac"}}}}),
    )
    .await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("The answer was not understood") && error.contains("\"mac\""),
        "{error}"
    );
    assert!(
        error.contains("only Bearer tokens are supported"),
        "{error}"
    );
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

// 9
#[tokio::test]
async fn an_answer_without_access_token_is_refused() {
    let h = Harness::start().await;
    on_exchange(
        &h,
        json!({"action": {"tamper": {"remove": ["access_token"]}}}),
    )
    .await;
    let error = exchange_error(&h).await;
    assert!(error.contains("no access_token"), "{error}");
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

// 10
#[tokio::test]
async fn an_empty_refresh_token_means_none_and_disables_refresh() {
    let h = Harness::start().await;
    on_exchange(
        &h,
        json!({"action": {"tamper": {"set": {"refresh_token": ""}}}}),
    )
    .await;
    h.sign_in().await;
    assert_eq!(h.tokens().await.unwrap()["refresh_token"], Value::Null);
    assert_eq!(
        h.js("return document.querySelector('[data-testid=refresh]').disabled;")
            .await,
        true
    );
    let title = h
        .js("return document.querySelector('[data-testid=refresh]').title;")
        .await;
    assert!(
        title.as_str().unwrap().contains("No refresh token"),
        "{title}"
    );
    // The sign-in asked for offline_access: the advice to ask for it would be wrong.
    let shown = h.text("[data-testid=refresh-token]").await;
    assert_eq!(
        shown,
        "none: the server issued no refresh token although offline_access was requested"
    );
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert_settled(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn a_number_beyond_a_double_is_named_not_called_not_json() {
    let h = Harness::start().await;
    on_exchange(
        &h,
        json!({"action": {"tamper": {"set_raw": {"expires_in": "1e309"}}}}),
    )
    .await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("\"expires_in\" is 1e309, a number beyond what a double can hold"),
        "{error}"
    );
    assert!(!error.contains("instead of JSON"), "{error}");
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

async fn card_failed(h: &Harness) -> Value {
    h.js(&format!(
        "return document.querySelector('{INFO_ERROR}') !== null;"
    ))
    .await
}

#[tokio::test]
async fn a_display_only_token_info_member_of_another_type_is_shown_as_it_came() {
    let h = Harness::start().await;
    // panva's oidc-provider, configured like iLert, says app_id as a string, and adds members.
    h.fault(json!({"endpoint": "token_info", "forever": true,
                   "action": {"tamper": {"set": {"app_id": "pkce-demo", "client_id": "ilert-pkce-demo"}}}}))
        .await;
    h.sign_in().await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert_eq!(h.text("[data-testid=info-app-id]").await, "pkce-demo");
    assert_eq!(h.text("[data-testid=info-other]").await, "ilert-pkce-demo");
    assert_eq!(card_failed(&h).await, false, "the card did not fail");
    // A refresh asks again: still shown, no error.
    h.click("[data-testid=refresh]").await;
    h.until("the refresh to land", || async {
        (h.sim_received_grant("refresh_token").await >= 1).then_some(())
    })
    .await;
    h.wait_text("[data-testid=info-app-id]", "pkce-demo").await;
    assert_eq!(
        card_failed(&h).await,
        false,
        "the card did not fail after the refresh"
    );
    h.stop().await;
}

// 11
#[tokio::test]
async fn a_form_encoded_token_answer_is_refused_without_leaking_the_token() {
    let h = Harness::start().await;
    on_exchange(&h, json!({"action": {"tamper": {"form_encoded": true}}})).await;
    let error = exchange_error(&h).await;
    assert!(
        error.contains("instead of JSON") && error.contains("application/x-www-form-urlencoded"),
        "{error}"
    );
    assert!(
        error.contains("access_token=eyJh••••"),
        "the token's value is not masked: {error}"
    );
    assert_eq!(jwt_in(&error), None, "a token in the error: {error}");
    assert_nothing_kept(&h).await;
    let stored = timeline_text(&h).await;
    let page = h
        .js("return document.body.innerText;")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let leaks: Vec<String> = [("the stored timeline", stored), ("the page", page)]
        .into_iter()
        .filter_map(|(place, text)| {
            jwt_in(&text).map(|jwt| format!("{place} holds {}… ({} chars)", &jwt[..24], jwt.len()))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "the refused answer's token is kept in clear: {leaks:?}"
    );
    h.stop().await;
}

// 12
#[tokio::test]
async fn profile_500_shows_ilerts_words_and_try_again_loads_it() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "user", "action": {"respond": {"status": 500, "body": {"status": 500, "message": "DB down", "code": "INTERNAL"}}}})).await;
    h.sign_in_as("ada").await;
    let error = h.text(PROFILE_ERROR).await;
    assert!(
        error.contains("HTTP 500") && error.contains("DB down"),
        "{error}"
    );
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert_settled(&h).await;
    h.click("[data-testid=profile] [data-testid=retry]").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    assert!(h.browser.find(Locator::Css(PROFILE_ERROR)).await.is_err());
    assert!(h.tokens().await.is_some());
    h.stop().await;
}

// 13
#[tokio::test]
async fn profile_403_shows_missing_scope_and_keeps_the_session() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "user", "action": {"respond": {"status": 403, "body": {"status": 403, "message": "Missing scope", "code": "FORBIDDEN"}}}})).await;
    h.sign_in_as("ada").await;
    let error = h.text(PROFILE_ERROR).await;
    assert!(
        error.contains("HTTP 403") && error.contains("Missing scope"),
        "{error}"
    );
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert!(h.tokens().await.is_some(), "a 403 ended the session");
    assert!(no_notice(&h).await, "a 403 is not the end of the session");
    assert_eq!(
        h.sim_received_grant("refresh_token").await,
        0,
        "a 403 is not a reason to refresh"
    );
    h.click("[data-testid=profile] [data-testid=retry]").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.stop().await;
}

// 14
#[tokio::test]
async fn token_info_500_shows_the_error_and_try_again_works() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "token_info", "action": {"respond": {"status": 500}}}))
        .await;
    h.sign_in().await;
    let error = h.text(INFO_ERROR).await;
    assert!(
        error.contains("The token info could not be loaded") && error.contains("HTTP 500"),
        "{error}"
    );
    assert_settled(&h).await;
    h.click("[data-testid=token-info] [data-testid=retry]")
        .await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    h.stop().await;
}

// 15
#[tokio::test]
async fn token_info_400_shows_the_oauth_error_and_description() {
    let h = Harness::start().await;
    let body = json!({"error": "invalid_request", "error_description": "client_id missing"});
    h.fault(
        json!({"endpoint": "token_info", "action": {"respond": {"status": 400, "body": body}}}),
    )
    .await;
    h.sign_in().await;
    let error = h.text(INFO_ERROR).await;
    assert!(
        error.contains("invalid_request")
            && error.contains("client_id missing")
            && error.contains("HTTP 400"),
        "{error}"
    );
    assert!(h.tokens().await.is_some());
    assert_settled(&h).await;
    h.stop().await;
}

// 16
#[tokio::test]
async fn token_info_that_hangs_says_no_answer_in_time() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "token_info", "action": {"hang": true}}))
        .await;
    h.sign_in().await;
    let error = wait_long(&h, INFO_ERROR, "No answer in time", 25).await;
    assert!(
        error.contains("token_info") && error.contains("within 15 s"),
        "{error}"
    );
    assert_settled(&h).await;
    h.click("[data-testid=token-info] [data-testid=retry]")
        .await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    h.stop().await;
}

// 17
#[tokio::test]
async fn one_401_from_the_profile_refreshes_once_and_shows_it() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "user", "action": {"respond": {"status": 401, "body": {"status": 401, "message": "Token expired", "code": "UNAUTHORIZED"}}}})).await;
    h.sign_in().await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    assert_eq!(h.sim_received_grant("refresh_token").await, 1);
    assert_eq!(h.sim_received("user").await, 2, "the 401, then the retry");
    assert!(
        no_notice(&h).await && h.browser.find(Locator::Css(PROFILE_ERROR)).await.is_err(),
        "an error is shown"
    );
    assert!(h.tokens().await.is_some());
    h.stop().await;
}

// 18
#[tokio::test]
async fn a_profile_401_that_survives_a_refresh_ends_the_session() {
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    let users = h.sim_received("user").await;
    h.fault(json!({"endpoint": "user", "forever": true, "action": {"respond": {"status": 401, "body": {"status": 401, "message": "Unauthorized"}}}})).await;
    h.click("[data-testid=reload-profile]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "no longer accepts")
        .await;
    assert!(
        notice.contains("HTTP 401") && notice.contains("connect again"),
        "{notice}"
    );
    h.wait("[data-testid=connect]").await;
    assert_eq!(
        h.sim_received_grant("refresh_token").await,
        1,
        "one refresh"
    );
    assert_eq!(
        h.sim_received("user").await,
        users + 2,
        "one call, one retry"
    );
    assert_nothing_kept(&h).await;
    let stored = timeline_text(&h).await;
    for secret in ["access_token", "refresh_token"] {
        assert!(
            !stored.contains(before[secret].as_str().unwrap()),
            "{secret} kept in the timeline"
        );
    }
    assert_eq!(jwt_in(&stored), None, "a token in the stored timeline");
    h.stop().await;
}

// 19
#[tokio::test]
async fn a_revocation_answered_500_still_forgets_the_tokens_and_says_so() {
    let h = Harness::start().await;
    h.sign_in().await;
    let refresh = h.refresh_token().await;
    h.fault(json!({"endpoint": "revoke", "action": {"respond": {"status": 500, "body": {"status": 500, "message": "DB down"}}}})).await;
    h.click("[data-testid=sign-out]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "revocation failed")
        .await;
    assert!(
        notice.contains("500") && notice.contains("DB down"),
        "{notice}"
    );
    h.wait("[data-testid=connect]").await;
    assert_nothing_kept(&h).await;
    let revoke = entries(&h, "Revoke").await;
    let token = revoke[0]["request"]["form"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "token")
        .unwrap()
        .clone();
    assert!(token["value"].as_str().unwrap().contains("••••"), "{token}");
    let stored = timeline_text(&h).await;
    assert!(
        !stored.contains(&refresh) && jwt_in(&stored).is_none(),
        "a token in the stored timeline: {stored}"
    );
    h.stop().await;
}

// 19b (issue 17, item 5)
/// A revocation answer that echoes the refresh token, spelled with JSON escapes (`\u002e` for
/// its dots, `\/`): sign-out forgot the token before revoking, yet no spelling of it is stored.
#[tokio::test]
async fn a_revocation_answer_echoing_the_token_with_escapes_leaves_no_spelling_of_it() {
    let h = Harness::start().await;
    h.sign_in().await;
    let refresh = h.refresh_token().await;
    let escaped = refresh.replace('.', r"\u002e");
    assert_ne!(escaped, refresh, "a JWT has dots to escape");
    let body = format!(r#"{{"revoked":"{escaped}","note":"token {escaped} \/ gone"}}"#);
    h.fault(json!({"endpoint": "revoke", "action": {"respond": {"status": 200, "content_type": "application/json", "body": body}}})).await;
    h.click("[data-testid=sign-out]").await;
    h.wait_contains("[data-testid=notice]", "revoked at iLert")
        .await;
    assert_nothing_kept(&h).await;
    let stored = timeline_text(&h).await;
    for spelling in [refresh.as_str(), escaped.as_str(), &refresh[..40]] {
        assert!(!stored.contains(spelling), "{spelling} in {stored}");
    }
    let answer = &entries(&h, "Revoke").await[0]["answer"]["body"];
    let answer: Value = serde_json::from_str(answer.as_str().unwrap()).unwrap();
    assert!(
        answer["revoked"].as_str().unwrap().contains("••••")
            && answer["note"].as_str().unwrap().contains("••••"),
        "{answer}"
    );
    h.stop().await;
}

// 20
#[tokio::test]
async fn a_revocation_that_hangs_signs_out_at_once_and_says_it_failed_later() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.fault(json!({"endpoint": "revoke", "action": {"hang": true}}))
        .await;
    h.click("[data-testid=sign-out]").await;
    let clicked = Instant::now();
    h.wait("[data-testid=connect]").await;
    assert!(
        clicked.elapsed() < Duration::from_secs(3),
        "Connect came back after {:?}",
        clicked.elapsed()
    );
    assert_eq!(h.tokens().await, None, "tokens kept while revoking");
    assert!(h.text("[data-testid=notice]").await.contains("Signing out"));
    let notice = wait_long(&h, "[data-testid=notice]", "revocation failed", 25).await;
    assert!(notice.contains("did not answer within 15 s"), "{notice}");
    assert!(clicked.elapsed() >= Duration::from_secs(14));
    assert_nothing_kept(&h).await;
    h.stop().await;
}

// 21
#[tokio::test]
async fn a_callback_from_another_issuer_is_refused_and_the_right_one_accepted() {
    let h = Harness::start().await;
    let (state, challenge) = pending_attempt(&h).await;
    let code = h.code_from_sim(&state, &challenge).await;
    h.open(&format!(
        "/webapp?code={code}&state={state}&iss=https%3A%2F%2Fevil.example"
    ))
    .await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("issuer \"https://evil.example\"") && error.contains(&h.sim),
        "{error}"
    );
    assert_eq!(h.sim_stats().await["token_requests"], 0);
    assert_nothing_kept(&h).await;

    let (state, challenge) = pending_attempt(&h).await;
    let code = h.code_from_sim(&state, &challenge).await;
    let iss = h.sim.replace(':', "%3A").replace('/', "%2F");
    h.open(&format!("/webapp?code={code}&state={state}&iss={iss}"))
        .await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.stop().await;
}

// 22
#[tokio::test]
async fn a_6_kb_code_is_exchanged_refused_and_erased() {
    let h = Harness::start().await;
    let (state, _) = pending_attempt(&h).await;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let code: String = (0..6000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            alphabet[(seed % 64) as usize] as char
        })
        .collect();
    h.open(&format!("/webapp?code={code}&state={state}")).await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("The token request was refused") && error.contains("invalid_grant"),
        "{error}"
    );
    assert_eq!(h.sim_received("token").await, 1);
    assert!(
        !h.url().await.contains("code="),
        "the code stays in the address bar"
    );
    assert!(!error.contains(&code[..40]), "the code is shown: {error}");
    assert_nothing_kept(&h).await;
    assert_settled(&h).await;
    h.stop().await;
}

// 23
#[tokio::test]
async fn a_callback_with_two_states_is_refused() {
    let h = Harness::start().await;
    let (state, _) = pending_attempt(&h).await;
    h.open(&format!(
        "/webapp?code=abcdefghijkl&state={state}&state={state}"
    ))
    .await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("\"state\" more than once") && error.contains("No token was requested"),
        "{error}"
    );
    assert_eq!(h.sim_received("token").await, 0);
    assert!(!h.url().await.contains("code="));
    assert_eq!(h.tokens().await, None);
    assert_settled(&h).await;
    h.stop().await;
}

// 24
#[tokio::test]
async fn with_300_ms_latency_the_profile_appears_and_the_timeline_shows_it() {
    let h = Harness::with_sim(|c| c.latency_ms = 300).await;
    h.sign_in().await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    let duration = |e: &Value| {
        e["answer"]["duration_ms"]
            .as_f64()
            .expect("an answer with a duration")
    };
    let exchange = duration(&entries(&h, "TokenExchange").await[0]);
    let profile = duration(&entries(&h, "Profile").await[0]);
    // A form POST with safelisted headers needs no preflight; a GET with Authorization does.
    assert!(exchange >= 300.0, "the code exchange took {exchange} ms");
    assert!(
        profile >= 600.0,
        "users/current (preflight + request) took {profile} ms"
    );
    assert_settled(&h).await;
    h.stop().await;
}
