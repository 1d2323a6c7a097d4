//! Answers that try to move the app: a redirect that would carry the token request's form to
//! another origin, and a body too large to parse without stalling the tab.
use std::sync::atomic::Ordering;

use e2e::Harness;
use serde_json::json;

#[tokio::test]
async fn a_redirected_code_exchange_is_an_error_and_the_form_goes_nowhere_else() {
    let (target, hits) = e2e::counting_server().await;
    let h = Harness::start().await;
    h.fault(json!({
        "endpoint": "token", "grant_type": "authorization_code",
        "action": {"respond": {"status": 307, "headers": {"Location": format!("{target}/steal")}}},
    }))
    .await;
    h.sign_in_as("ada").await;
    let error = h.wait_contains("[data-testid=error]", "redirect").await;
    assert!(error.contains("never follows"), "{error}");
    assert_eq!(h.tokens().await, None);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the form reached {target}");
    h.stop().await;
}

#[tokio::test]
async fn a_redirected_refresh_is_an_error_and_the_session_is_kept() {
    let (target, hits) = e2e::counting_server().await;
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.tokens().await;
    h.fault(json!({
        "endpoint": "token", "grant_type": "refresh_token",
        "action": {"respond": {"status": 308, "headers": {"Location": format!("{target}/steal")}}},
    }))
    .await;
    h.click("[data-testid=refresh]").await;
    let said = h.wait_contains("[data-testid=notice]", "redirect").await;
    assert!(said.contains("never follows"), "{said}");
    assert_eq!(h.tokens().await, before, "the session is kept");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the refresh token reached {target}"
    );
    h.stop().await;
}

#[tokio::test]
async fn an_answer_above_256_kb_is_refused_unread() {
    let h = Harness::start().await;
    h.sign_in().await;
    // 300 KB of JSON with 30,000 members: refused before parsing, with the size in words.
    let members: serde_json::Map<String, serde_json::Value> = (0..30_000)
        .map(|i| (format!("k{i:05}"), json!("xxxxx")))
        .collect();
    h.fault(json!({"endpoint": "user", "action": {"respond": {"status": 200, "body": members}}}))
        .await;
    h.open("/").await;
    let said = h
        .wait_contains("[data-testid=profile] [data-testid=load-error]", "256 KB")
        .await;
    assert!(said.contains("refused unread"), "{said}");
    // The card's Try again works once the server behaves.
    h.click("[data-testid=profile] [data-testid=retry]").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.stop().await;
}
