//! Flows that must hold against every home of the simulator: ilert-sim as a server (flow.rs)
//! and the built-in one in a Service Worker (builtin_sim.rs). Each starts from a fresh
//! harness and leaves it running.
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use serde_json::json;

use crate::bench::browser::cdp;
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
    pub async fn refresh_at_sim(&self, refresh_token: &str) -> (u16, Option<String>) {
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

/// Signed in: a reload of the page keeps the session (the same access token, the profile on
/// screen again, no second code exchange).
pub async fn a_reload_keeps_the_session(h: &Harness) {
    let before = h.access_token().await;
    h.browser.refresh().await.unwrap();
    h.wait_text("[data-testid=profile-name]", "Ada Lovelace")
        .await;
    assert_eq!(h.access_token().await, before);
    assert_eq!(h.sim_stats().await["authorization_code_grants"], 1);
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

/// Sign out: the notice says the refresh token was revoked, no token is kept (in any
/// storage of the page), the server
/// counted the revocation and refuses the token.
pub async fn sign_out_revokes_and_forgets_everything(h: &Harness) {
    h.sign_in().await;
    let refresh = h.refresh_token().await;
    let access = h.access_token().await;
    h.click("[data-testid=sign-out]").await;
    let notice = h.wait_contains("[data-testid=notice]", "Signed out").await;
    assert!(notice.contains("revoked"), "{notice}");
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none());
    // Neither token anywhere in the page's storage (the timeline included).
    let storage = h
        .js("return JSON.stringify([sessionStorage, localStorage]);")
        .await;
    let storage = storage.as_str().unwrap();
    for token in [&refresh, &access] {
        assert!(
            !storage.contains(token.as_str()),
            "a token is kept: {storage}"
        );
    }
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

/// Opens Home and waits until the worker the app registers controls it.
pub async fn controlled_home(h: &Harness) {
    h.open("/").await;
    h.until(
        "the page is controlled by the simulator's worker",
        || async {
            (h.js("return navigator.serviceWorker.controller !== null;")
                .await
                == Value::Bool(true))
            .then_some(())
        },
    )
    .await;
}

/// The first load in built-in mode is the app's own: the page fetches the files `cargo
/// xtask size` counts (the worker and its wasm come after, fetched by the worker), and they
/// are within the budget.
pub async fn first_load_is_the_apps_own_and_within_budget(h: &Harness) {
    controlled_home(h).await;
    h.wait("[data-testid=connect]").await;
    let fetched = h
        .js("return [location.href].concat(performance.getEntriesByType('resource').map((e) => e.name));")
        .await;
    let dist = crate::dist_dir();
    let mut names: Vec<String> = fetched
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let path = url::Url::parse(u.as_str().unwrap())
                .unwrap()
                .path()
                .to_string();
            match path.trim_start_matches('/') {
                "" => "index.html".to_string(),
                name => name.to_string(),
            }
        })
        .collect();
    names.sort();
    names.dedup();
    // The parts loaded on demand come in idle time once Connect is usable (by now, maybe):
    // not the first load (tests/lazy_parts.rs proves a first visit needs none of them).
    names.retain(|n| !n.starts_with("ilert-pkce-part-"));
    // WebKit lists the registration's fetch of the worker's script among the page's
    // resources (Chromium and Firefox do not): the worker's, not the app's first load.
    if crate::Engine::current() == crate::Engine::WebKit {
        names.retain(|n| n != "sim-worker.js");
    }
    for name in &names {
        assert!(
            !name.contains("sim-worker") && !name.starts_with("ilert-sim-"),
            "the page itself fetched {name}: {names:?}"
        );
    }
    let kinds = ["index.html", "config.json", ".wasm", ".css", "start-"];
    for kind in kinds {
        assert!(
            names.iter().any(|n| n.contains(kind)),
            "no {kind} in {names:?}"
        );
    }
    let total: u64 = names.iter().map(|n| brotli_size(&dist, n)).sum();
    println!("first load in built-in mode: {total} B brotli ({names:?})");
    assert!(
        total <= xtask::budget::FIRST_LOAD_BUDGET,
        "{total} B over the budget {} B: {names:?}",
        xtask::budget::FIRST_LOAD_BUDGET
    );
}

/// The brotli size of a file of the build: its `.br` copy, or compressed here (config.json,
/// which the build leaves uncompressed because a deployer edits it).
fn brotli_size(dist: &Path, name: &str) -> u64 {
    if let Ok(meta) = std::fs::metadata(dist.join(format!("{name}.br"))) {
        return meta.len();
    }
    let bytes = std::fs::read(dist.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        std::io::Write::write_all(&mut writer, &bytes).unwrap();
    }
    out.len() as u64
}

/// Issue 17, item 8: after sign-out, the worker's saved state (IndexedDB `ilert-sim`) holds
/// none of the session's tokens, its code or its verifier, not even the refresh token the
/// rotation replaced; the request log there shows them masked.
pub async fn after_sign_out_the_worker_keeps_no_secret(h: &Harness) {
    h.sign_in().await;
    let first = h.tokens().await.unwrap();
    h.click("[data-testid=refresh]").await;
    let second = h.new_tokens_after(&first).await;
    // What the app sent: the log shows it masked (`ilert_sim::masked`).
    let log = h.sim_requests().await;
    let sent: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| ["code", "code_verifier", "refresh_token"].map(|f| e["form"][f].clone()))
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 3, "code, verifier, refresh token: {log}");
    assert!(sent.iter().all(|s| s.starts_with("[masked] ")), "{sent:?}");
    let first_refresh = first["refresh_token"].as_str().unwrap();
    assert!(sent.contains(&ilert_sim::masked(first_refresh)));

    h.click("[data-testid=sign-out]").await;
    let notice = h.wait_contains("[data-testid=notice]", "Signed out").await;
    assert!(notice.contains("revoked"), "{notice}");
    let saved = h
        .js_async(
            "const open = indexedDB.open('ilert-sim');
             open.onsuccess = () => {
               const get = open.result.transaction('state').objectStore('state').get('snapshot');
               get.onsuccess = () => done(get.result);
               get.onerror = () => done(null);
             };
             open.onerror = () => done(null);",
        )
        .await;
    let saved = saved
        .as_str()
        .expect("the worker's saved state")
        .to_string();
    assert!(saved.contains("\"version\":2"), "{saved}");
    for tokens in [&first, &second] {
        for k in ["access_token", "refresh_token"] {
            let token = tokens[k].as_str().unwrap();
            let signature = token.rsplit('.').next().unwrap();
            assert!(
                !saved.contains(signature),
                "{k} in the worker's state: {saved}"
            );
        }
    }
    // The code and the verifier, known here by their masked form only: no piece of the saved
    // state masks to them.
    for masked in &sent {
        let prefix = masked["[masked] ".len()..]
            .split('\u{2026}')
            .next()
            .unwrap();
        let found = saved.match_indices(prefix).any(|(i, _)| {
            (i + 16..=saved.len().min(i + 1000))
                .filter(|j| saved.is_char_boundary(*j))
                .any(|j| ilert_sim::masked(&saved[i..j]) == *masked)
        });
        assert!(!found, "{masked} in the worker's state: {saved}");
    }
}

/// The access token of the second tab, read through the first (same origin).
pub async fn second_tab_access_token(h: &Harness) -> String {
    let raw = h
        .js("return window.second.sessionStorage.getItem('ilert-pkce.tokens');")
        .await;
    let tokens: serde_json::Value = serde_json::from_str(raw.as_str().unwrap()).unwrap();
    tokens["access_token"].as_str().unwrap().to_string()
}

/// A duplicated tab (same tokens) and its original press Refresh at once: one refresh
/// request, both tabs on its new tokens, no error.
pub async fn two_tabs_refreshing_at_once_send_one_request(h: &Harness) {
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
        (second_tab_access_token(h).await == fresh).then_some(())
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
                .find(crate::fantoccini::Locator::Css("[data-testid=notice]"))
                .await
                .is_err()
    );
}

/// Sign-out in one tab: its duplicate forgets its tokens too and says why.
pub async fn signing_out_in_one_tab_signs_out_its_duplicate(h: &Harness) {
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
}

/// The browser stops an idle worker whenever it likes (DevTools can too): the next request
/// starts it again from IndexedDB, so the session's refresh token is still known. Chromium
/// only: stopping a worker takes DevTools (`ServiceWorker.stopAllWorkers`).
pub async fn the_session_still_refreshes_after_the_worker_is_stopped(h: &Harness) {
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    cdp(&h.browser, "ServiceWorker.enable", json!({}))
        .await
        .unwrap();
    cdp(&h.browser, "ServiceWorker.stopAllWorkers", json!({}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    h.click("[data-testid=refresh]").await;
    let after = h.new_tokens_after(&before).await;
    assert_ne!(after["refresh_token"], before["refresh_token"]);
    h.assert_no_notice().await;
    assert_eq!(h.sim_stats().await["refresh_grants"], 1);
}

/// A hard reload (Shift+Reload) loads the page past the worker: it is not controlled, and
/// its requests would reach the static host. The app asks the worker to take it over first.
/// Chromium only: a hard reload takes DevTools (`Page.reload` with `ignoreCache`).
pub async fn a_hard_reload_past_the_worker_is_taken_over_again(h: &Harness) {
    h.sign_in().await;
    h.js("window.beforeReload = true;").await;
    cdp(&h.browser, "Page.reload", json!({ "ignoreCache": true }))
        .await
        .unwrap();
    h.until("the reloaded page", || async {
        (h.js("return window.beforeReload === undefined;").await == Value::Bool(true)).then_some(())
    })
    .await;
    // The premise: the navigation went past the worker (no worker started for it).
    let worker_start = h
        .js("return performance.getEntriesByType('navigation')[0].workerStart;")
        .await;
    assert_eq!(worker_start.as_f64(), Some(0.0), "not a hard reload");
    h.wait_text("[data-testid=profile-username]", "ada").await;
    h.click("[data-testid=reload-profile]").await;
    h.wait_text("[data-testid=profile-name]", "Ada Lovelace")
        .await;
    assert!(h
        .js("const c = navigator.serviceWorker.controller; return c ? c.scriptURL : '';")
        .await
        .as_str()
        .unwrap()
        .contains("sim-worker.js"));
    let served = h.served();
    assert!(!served.iter().any(|p| p.starts_with("/_sim")), "{served:?}");
    h.assert_no_notice().await;
}
