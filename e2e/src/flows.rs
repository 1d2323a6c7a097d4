//! Flows that must hold against every home of the simulator: ilert-sim as a server (flow.rs)
//! and the built-in one in a Service Worker (builtin_sim.rs). Each starts from a fresh
//! harness and leaves it running.
use serde_json::Value;

use crate::{Harness, CLIENT_ID};

/// A challenge for a verifier nobody here knows: a code an attacker obtained.
const SOME_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

impl Harness {
    /// Waits until the tokens' access token is no longer `before`'s; gives the new tokens.
    pub async fn new_tokens_after(&self, before: &Value) -> Value {
        self.until("a new access token", || async {
            let t = self.tokens().await?;
            (t["access_token"] != before["access_token"]).then_some(t)
        })
        .await
    }

    /// Panics when the page shows a notice (an error, or any other message).
    pub async fn assert_no_notice(&self) {
        assert!(
            self.browser
                .find(fantoccini::Locator::Css("[data-testid=notice]"))
                .await
                .is_err(),
            "no notice expected: {}",
            self.text("[data-testid=notice]").await
        );
    }

    /// Waits for the signed-in page of ada: her profile, the token info (tenant, app 250,
    /// the scopes asked for) and an address bar without the code or the state.
    pub async fn assert_signed_in_as_ada(&self) {
        self.wait_text("[data-testid=profile-name]", "Ada Lovelace")
            .await;
        assert_eq!(self.text("[data-testid=profile-username]").await, "ada");
        assert_eq!(
            self.text("[data-testid=profile-email]").await,
            "ada@example.com"
        );
        assert_eq!(self.text("[data-testid=profile-role]").await, "ADMIN");
        assert_eq!(
            self.text("[data-testid=profile-timezone]").await,
            "Europe/Berlin"
        );
        self.wait_text("[data-testid=info-tenant]", "demo-tenant")
            .await;
        assert_eq!(self.text("[data-testid=info-active]").await, "yes");
        assert_eq!(self.text("[data-testid=info-app-id]").await, "250");
        assert_eq!(
            self.text("[data-testid=info-scope]").await,
            "profile offline_access"
        );
        // The code and state are gone from the address bar and the history entry.
        let url = self.url().await;
        assert!(!url.contains("code=") && !url.contains("state="), "{url}");
    }

    /// The simulator's answer to a refresh with `refresh_token`, sent as a second client would.
    async fn refresh_at_sim(&self, refresh_token: &str) -> (u16, Option<String>) {
        let (status, body) = self
            .sim_post(
                "/api/developers/oauth2/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT_ID),
                    ("refresh_token", refresh_token),
                ],
            )
            .await;
        (status, body["code"].as_str().map(str::to_string))
    }
}

/// Sign in, press "Refresh token": new tokens, the old refresh token dead at the server, one
/// refresh counted.
pub async fn the_refresh_button_rotates_the_tokens(h: &Harness) {
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    h.click("[data-testid=refresh]").await;
    let after = h.new_tokens_after(&before).await;
    assert_ne!(
        after["refresh_token"], before["refresh_token"],
        "the rotated refresh token replaces the old one"
    );
    // The playground says why the timer would not have refreshed this early.
    assert!(h
        .text("[data-testid=refresh-advice]")
        .await
        .contains("once per 5 minutes"));
    let old = before["refresh_token"].as_str().unwrap();
    assert_eq!(
        h.refresh_at_sim(old).await,
        (401, Some("invalid_grant".into()))
    );
    let stats = h.sim_stats().await;
    assert_eq!(
        stats["refresh_grants"], 1,
        "one refresh by the app: {stats}"
    );
    assert_eq!(
        stats["failed_token_requests"], 1,
        "ours, with the old token, refused: {stats}"
    );
}

/// Every access token refused (as an expired one would be), "Reload profile": one refresh
/// shared by the profile and token_info calls, each retried once, no error shown.
pub async fn a_401_refreshes_once_and_retries(h: &Harness) {
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    h.sim_hook("/_sim/revoke_access_tokens").await;
    let users_before = h.sim_stats().await["user_requests"].as_u64().unwrap();
    h.click("[data-testid=reload-profile]").await;
    h.new_tokens_after(&before).await;
    h.wait_text("[data-testid=profile-name]", "Ada Lovelace")
        .await;
    h.until("the retried profile call", || async {
        let stats = h.sim_stats().await;
        (stats["user_requests"].as_u64().unwrap() >= users_before + 2).then_some(())
    })
    .await;
    let stats = h.sim_stats().await;
    assert_eq!(stats["refresh_grants"], 1, "{stats}");
    h.assert_no_notice().await;
}

/// Sign out: the notice says the refresh token was revoked, nothing is kept, the server
/// counted the revocation and refuses the token.
pub async fn sign_out_revokes_and_forgets_everything(h: &Harness) {
    h.sign_in().await;
    let refresh = h.refresh_token().await;
    h.click("[data-testid=sign-out]").await;
    let notice = h.wait_contains("[data-testid=notice]", "Signed out").await;
    assert!(notice.contains("revoked"), "{notice}");
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none());
    assert_eq!(h.sim_stats().await["revocations"], 1);
    assert_eq!(
        h.refresh_at_sim(&refresh).await,
        (401, Some("invalid_grant".into()))
    );
}

/// Deny on the consent page: access_denied on screen, the error gone from the address bar,
/// no token request.
pub async fn deny_requests_no_token(h: &Harness) {
    h.connect().await;
    h.click("#deny").await;
    let error = h.text("[data-testid=error]").await;
    assert!(error.contains("access_denied"), "{error}");
    assert!(
        !h.url().await.contains("error="),
        "the error query is erased too"
    );
    assert_eq!(h.sim_stats().await["token_requests"], 0);
}

/// A real code, obtained by someone else, arrives with a state this tab never made: refused
/// before any token request, and the code leaves the address bar.
pub async fn a_forged_state_is_refused(h: &Harness) {
    h.connect().await;
    // Back on the app (the built-in simulator is reached from its pages); the sign-in this
    // tab started stays pending.
    h.open("/").await;
    let code = h.code_from_sim("forged-state", SOME_CHALLENGE).await;
    h.open(&format!("/webapp?code={code}&state=forged-state"))
        .await;
    let error = h.text("[data-testid=error]").await;
    assert!(error.contains("No token was requested"), "{error}");
    assert!(!h.url().await.contains("code="));
    assert_eq!(h.sim_stats().await["token_requests"], 0);
}
