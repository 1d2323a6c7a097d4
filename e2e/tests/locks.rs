//! No lock can stall the session: any page of the app's origin can take the session's Web
//! Lock (`ilert-pkce.refresh`) and never let go. A sign-out then still revokes, after a
//! bounded wait, and says so; a refresh says the lock is busy and keeps the session.
use std::time::{Duration, Instant};

use e2e::{Harness, CLIENT_ID};

/// The app's lock, as src/session/refresh.rs names it.
const LOCK: &str = "ilert-pkce.refresh";

/// Opens another page of the app's origin in a new tab (a plain file of the host, so no
/// app runs there), takes the session's lock there for good, and comes back to the app.
async fn hold_the_lock_elsewhere(h: &Harness) {
    let app_tab = h.browser.window().await.unwrap();
    let other = h.browser.new_window(true).await.unwrap().handle;
    h.browser.switch_to_window(other).await.unwrap();
    h.browser
        .goto(&format!("{}/config.json", h.app))
        .await
        .unwrap();
    let held = h
        .js_async(&format!(
            "navigator.locks.request('{LOCK}', () => {{ done(true); return new Promise(() => {{}}); }});"
        ))
        .await;
    assert_eq!(held, serde_json::Value::Bool(true));
    h.browser.switch_to_window(app_tab).await.unwrap();
    let seen = h
        .js_async("navigator.locks.query().then((s) => done(s.held.map((l) => l.name)));")
        .await;
    assert_eq!(
        seen,
        serde_json::json!([LOCK]),
        "the app's page sees the lock held"
    );
}

/// Waits up to `limit` for `[data-testid=notice]` to contain `needle`; gives its text and
/// how long it took.
async fn notice_within(h: &Harness, needle: &str, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    loop {
        if let Ok(el) = h
            .browser
            .find(e2e::fantoccini::Locator::Css("[data-testid=notice]"))
            .await
        {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return (text, started.elapsed());
                }
            }
        }
        assert!(
            started.elapsed() < limit,
            "no notice with {needle:?} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sign_out_revokes_even_when_another_page_holds_the_lock() {
    let h = Harness::start().await;
    h.sign_in().await;
    let refresh = h.refresh_token().await;
    hold_the_lock_elsewhere(&h).await;

    h.click("[data-testid=sign-out]").await;
    // The sign-out's wait (5 s) plus a margin for the revocation and a busy machine.
    let (notice, took) = notice_within(&h, "revoked", Duration::from_secs(12)).await;
    assert!(notice.starts_with("Signed out"), "{notice}");
    assert!(notice.contains("held the session's lock"), "{notice}");
    assert!(
        took >= Duration::from_millis(4_500),
        "it did not wait: {took:?}"
    );
    assert!(h.tokens().await.is_none());
    assert_eq!(h.sim_stats().await["revocations"], 1);
    let (status, body) = h
        .sim_post(
            "/api/developers/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_grant"))
    );
    // The timeline keeps the revocation and why it went without the lock.
    let timeline = h
        .js("return sessionStorage.getItem('ilert-pkce.timeline') || '';")
        .await;
    assert!(
        timeline
            .as_str()
            .unwrap()
            .contains("Revoking without the lock"),
        "{timeline}"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_refresh_says_the_lock_is_busy_and_keeps_the_session() {
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    hold_the_lock_elsewhere(&h).await;

    h.click("[data-testid=refresh]").await;
    // The refresh's wait (16 s) plus a margin.
    let (notice, took) = notice_within(&h, "lock", Duration::from_secs(25)).await;
    assert!(notice.contains("The session's lock is busy"), "{notice}");
    assert!(notice.contains("try again later"), "{notice}");
    assert!(took >= Duration::from_secs(15), "it did not wait: {took:?}");
    assert_eq!(
        h.tokens().await.unwrap(),
        before,
        "the session is kept as it was"
    );
    h.wait_text("[data-testid=profile-username]", "ada").await;
    let stats = h.sim_stats().await;
    assert_eq!(stats["refresh_grants"], 0, "{stats}");
    h.stop().await;
}
