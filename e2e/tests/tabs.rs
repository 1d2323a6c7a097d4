//! Two tabs that hold the same tokens (a duplicated tab copies sessionStorage) must not spend
//! one rotated refresh token twice: refreshes take a Web Lock, and the refreshing tab hands
//! its new tokens to the other.
use std::time::Duration;

use e2e::Harness;

/// The access token of the second tab, read through the first (same origin).
async fn second_tab_access_token(h: &Harness) -> String {
    let raw = h
        .js("return window.second.sessionStorage.getItem('ilert-pkce.tokens');")
        .await;
    let tokens: serde_json::Value = serde_json::from_str(raw.as_str().unwrap()).unwrap();
    tokens["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_refresh_in_one_tab_hands_the_new_tokens_to_its_duplicate() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open_duplicate_tab().await;
    let shared = h.access_token().await;
    assert_eq!(
        second_tab_access_token(&h).await,
        shared,
        "the second tab starts with the same tokens"
    );

    h.click("[data-testid=refresh]").await;
    let fresh = h
        .until("a new token in the first tab", || async {
            Some(h.access_token().await).filter(|t| *t != shared)
        })
        .await;
    h.until("the second tab to take it over", || async {
        (second_tab_access_token(&h).await == fresh).then_some(())
    })
    .await;

    // The second tab refreshes with the token it was handed: no invalid_grant, no sign-out.
    h.js("window.second.document.querySelector('[data-testid=refresh]').click();")
        .await;
    h.until("the second tab's own refresh", || async {
        (second_tab_access_token(&h).await != fresh).then_some(())
    })
    .await;
    let stats = h.sim_stats().await;
    assert_eq!(
        (
            stats["refresh_grants"].as_u64(),
            stats["failed_token_requests"].as_u64()
        ),
        (Some(2), Some(0)),
        "{stats}"
    );
    h.stop().await;
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_send_one_request() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open_duplicate_tab().await;
    let shared = h.access_token().await;
    h.js(
        "window.second.document.querySelector('[data-testid=refresh]').click();
          document.querySelector('[data-testid=refresh]').click();",
    )
    .await;
    let fresh = h
        .until("a new token in the first tab", || async {
            Some(h.access_token().await).filter(|t| *t != shared)
        })
        .await;
    h.until("both tabs on the same new token", || async {
        (second_tab_access_token(&h).await == fresh).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stats = h.sim_stats().await;
    assert_eq!(
        (
            stats["refresh_grants"].as_u64(),
            stats["failed_token_requests"].as_u64()
        ),
        (Some(1), Some(0)),
        "{stats}"
    );
    assert!(
        h.tokens().await.is_some()
            && h.browser
                .find(e2e::fantoccini::Locator::Css("[data-testid=notice]"))
                .await
                .is_err()
    );
    h.stop().await;
}

#[tokio::test]
async fn signing_out_in_one_tab_signs_out_its_duplicate() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open_duplicate_tab().await;
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    h.until("the second tab to forget its tokens", || async {
        h.js("return window.second.sessionStorage.getItem('ilert-pkce.tokens');")
            .await
            .is_null()
            .then_some(())
    })
    .await;
    let text = h.js("return window.second.document.body.innerText;").await;
    assert!(
        text.as_str().unwrap().contains("Signed out in another tab"),
        "{text}"
    );
    h.stop().await;
}
