//! Two tabs that hold the same tokens (a duplicated tab copies sessionStorage) must not spend
//! one rotated refresh token twice: refreshes take a Web Lock, and the refreshing tab hands
//! its new tokens to the other.

use e2e::flows::second_tab_access_token;
use e2e::{flows, Harness};

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
    flows::two_tabs_refreshing_at_once_send_one_request(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn signing_out_in_one_tab_signs_out_its_duplicate() {
    let h = Harness::start().await;
    flows::signing_out_in_one_tab_signs_out_its_duplicate(&h).await;
    h.stop().await;
}
