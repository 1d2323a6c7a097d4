//! The built-in simulator: the release build exactly as `cargo xtask dist` makes it (its own
//! config.json: the built-in simulator), served by a plain static server, with no ilert-sim
//! process. The app registers its Service Worker (`sim-worker.js?v=<version>`), which answers
//! under `/_sim/` with the simulator's core (wasm) and keeps its state in IndexedDB. The test
//! talks to that simulator with `fetch` from the app's page (`Harness::built_in`).
use std::time::{Duration, Instant};

use e2e::bench::browser::cdp;
use e2e::flows::controlled_home;
use e2e::{flows, Harness, CLIENT_ID};
use serde_json::{json, Value};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The URL of the worker that controls the page.
async fn controller_url(h: &Harness) -> String {
    h.js("const c = navigator.serviceWorker.controller; return c ? c.scriptURL : '';")
        .await
        .as_str()
        .unwrap()
        .to_string()
}

/// Connect → consent page → Grant → profile, timed in two legs (the person's pause on the
/// consent page left out): ms until the consent page is there, and from Grant to the profile
/// (with the app's own part of it).
async fn timed_sign_in(h: &Harness) -> (f64, String) {
    async fn until_present(h: &Harness, css: &str) {
        let deadline = Instant::now() + e2e::WAIT;
        while h
            .js(&format!("return document.querySelector({css:?}) !== null;"))
            .await
            != Value::Bool(true)
        {
            assert!(Instant::now() < deadline, "{css} never appeared");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    h.wait("[data-testid=connect]").await;
    let started = Instant::now();
    h.click("[data-testid=connect]").await;
    until_present(h, "#grant").await;
    let consent = started.elapsed().as_secs_f64() * 1000.0;
    let granted = Instant::now();
    h.click("#grant").await;
    until_present(h, "[data-testid=profile-name]").await;
    let profile = granted.elapsed().as_secs_f64() * 1000.0;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    // Of which the app's own part: from the callback page's start to the profile shown.
    let in_app = h.callback_to_profile_ms().await;
    (
        consent,
        format!("{profile:.0} ms ({in_app} ms callback → profile)"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_worker_answers_as_ilert_with_no_server_behind_it() {
    let h = Harness::built_in().await;
    controlled_home(&h).await;
    // The worker of this build: the page asked for its version.
    assert!(
        controller_url(&h).await.contains("/sim-worker.js?v="),
        "{}",
        controller_url(&h).await
    );

    // The REST API's 401, in iLert's shape, from the worker.
    let (status, user) = h.sim_request("GET", "/api/users/current", None).await;
    assert_eq!(status, 401, "{user}");
    assert_eq!(user["status"], 401, "{user}");
    assert_eq!(user["code"], "UNAUTHORIZED", "{user}");

    // Outside /_sim/ the worker stays out of the way: the static server answers.
    let config = h.page_fetch("GET", "/config.json", None).await;
    assert_eq!(config["status"], 200);
    let config: Value = serde_json::from_str(config["text"].as_str().unwrap()).unwrap();
    assert_eq!(config["server"], "built-in", "{config}");

    // A navigation to the authorize endpoint gets the consent page, whose form posts under
    // the mount.
    let redirect = format!("{}/webapp", h.app);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", redirect.as_str()),
            ("scope", "profile offline_access"),
            ("state", "s1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    h.open(&format!("/_sim/api/developers/oauth2/authorize?{query}"))
        .await;
    h.wait("#grant").await;
    assert_eq!(h.text("#client").await, CLIENT_ID);
    let action = h
        .js("return document.querySelector('form').getAttribute('action');")
        .await;
    assert_eq!(action, "/_sim/api/developers/oauth2/authorize");

    // The token endpoint, fetched from the app's page (the consent page's CSP allows no
    // fetch): an unknown code is iLert's invalid_grant (401, not RFC 6749's 400).
    h.open("/").await;
    let (status, bad) = h
        .sim_post(
            "/api/developers/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT_ID),
                ("code", "not-a-code"),
                ("code_verifier", VERIFIER),
                ("redirect_uri", &redirect),
            ],
        )
        .await;
    assert_eq!(status, 401, "{bad}");
    assert_eq!(bad["code"], "invalid_grant", "{bad}");
    assert!(bad["error"].is_string(), "{bad}");

    // The request log (the simulator's hooks, under the mount) saw that exchange.
    assert_eq!(h.sim_requests().await.as_array().map(Vec::len), Some(1));
    // And the static server never saw any of it.
    let served = h.served();
    assert!(!served.iter().any(|p| p.starts_with("/_sim")), "{served:?}");
    h.stop().await;
}

/// Copied to a static host as it is, the build is a demo: the page says plainly that the
/// built-in simulator is in use, Connect signs in through the worker's consent page, and the
/// profile, the token info and the timeline (which marks the worker's answers) follow.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_of_dist_release_is_a_whole_demo_with_no_server_behind_it() {
    let h = Harness::built_in().await;
    h.open("/").await;
    let banner = h.text("[data-testid=builtin-banner]").await;
    assert!(
        banner.to_lowercase().contains("built-in simulator"),
        "{banner}"
    );
    assert_eq!(
        h.text("[data-testid=connect]").await,
        "Connect to the built-in simulator"
    );
    assert_eq!(h.text("[data-testid=client-id]").await, CLIENT_ID);
    assert_eq!(
        h.text("[data-testid=authorize-url]").await,
        format!("{}/_sim/api/developers/oauth2/authorize", h.app)
    );
    assert_eq!(
        h.text("[data-testid=redirect-uri]").await,
        format!("{}/webapp", h.app)
    );

    h.screenshot("docs/screenshots/built-in.png").await;
    let (consent_ms, profile_ms) = timed_sign_in(&h).await;
    h.assert_signed_in_as_ada().await;
    // Signed in, the page still says where the session comes from.
    assert!(h
        .text("[data-testid=builtin-banner]")
        .await
        .to_lowercase()
        .contains("built-in simulator"));

    // The timeline marks each answer of the worker and says why no preflight shows.
    let marks = h
        .until("the timeline's marks of the worker's answers", || async {
            let marks = h
                .browser
                .find_all(fantoccini::Locator::Css("[data-testid=answered-by-worker]"))
                .await
                .ok()?;
            (marks.len() >= 3).then_some(marks)
        })
        .await;
    let note = marks[0].text().await.unwrap();
    assert!(
        note.contains("Service Worker") && note.contains("preflight"),
        "{note}"
    );

    // One code exchange, shaped as RFC 6749 + 7636 want it, in the worker's log.
    let stats = h.sim_stats().await;
    assert_eq!(stats["authorization_code_grants"], 1, "{stats}");
    let exchange = h.sim_requests().await.to_string();
    assert!(exchange.contains("code_verifier"), "{exchange}");
    // Nothing of it reached the static server.
    let served = h.served();
    assert!(!served.iter().any(|p| p.starts_with("/_sim")), "{served:?}");

    // A second sign-in, with the worker installed and its wasm compiled.
    h.click("[data-testid=sign-out]").await;
    h.wait_contains("[data-testid=notice]", "Signed out").await;
    // Count the page's register() calls from here on: a page its build's worker already
    // controls must not call it (it waits behind the browser's own update check of the
    // worker, which the navigation started: 1.6 to 3 s seen under load).
    cdp(
        &h.browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "window.registers = 0; const sw = navigator.serviceWorker; const register = sw.register.bind(sw); sw.register = (...a) => { window.registers += 1; return register(...a); };" }),
    )
    .await
    .unwrap();
    let (warm_consent_ms, warm_profile_ms) = timed_sign_in(&h).await;
    assert_eq!(
        h.js("return window.registers;").await,
        json!(0),
        "the callback page registered the worker again"
    );
    e2e::metric(&format!(
        "built-in simulator, Connect → consent page: {consent_ms:.0} ms first (worker installed, wasm fetched), {warm_consent_ms:.0} ms after; Grant → profile shown: {profile_ms} / {warm_profile_ms} (Chromium, WebDriver polling included)"
    ));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_button_rotates_the_tokens_at_the_worker() {
    let h = Harness::built_in().await;
    flows::the_refresh_button_rotates_the_tokens(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_from_the_worker_refreshes_once_and_retries() {
    let h = Harness::built_in().await;
    flows::a_401_refreshes_once_and_retries(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_revokes_the_refresh_token_at_the_worker() {
    let h = Harness::built_in().await;
    flows::sign_out_revokes_and_forgets_everything(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deny_at_the_workers_consent_page_requests_no_token() {
    let h = Harness::built_in().await;
    flows::deny_requests_no_token(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_state_with_a_real_code_of_the_worker_is_refused() {
    let h = Harness::built_in().await;
    flows::a_forged_state_is_refused(&h).await;
    h.stop().await;
}

/// The browser stops an idle worker whenever it likes (DevTools can too): the next request
/// starts it again from IndexedDB, so the session's refresh token is still known.
#[tokio::test(flavor = "multi_thread")]
async fn the_session_still_refreshes_after_the_browser_stops_the_worker() {
    let h = Harness::built_in().await;
    flows::the_session_still_refreshes_after_the_worker_is_stopped(&h).await;
    h.stop().await;
}

/// A hard reload (Shift+Reload) loads the page past the worker: it is not controlled, and
/// its requests would reach the static host. The app asks the worker to take it over first.
#[tokio::test(flavor = "multi_thread")]
async fn a_hard_reload_past_the_worker_is_taken_over_again() {
    let h = Harness::built_in().await;
    flows::a_hard_reload_past_the_worker_is_taken_over_again(&h).await;
    h.stop().await;
}

/// Some private windows have no Service Workers: the page says the built-in simulator is
/// unavailable, offers the iLert settings, and fetches nothing of the simulator.
#[tokio::test(flavor = "multi_thread")]
async fn without_service_workers_the_page_says_so_and_offers_the_ilert_settings() {
    let h = Harness::built_in().await;
    cdp(
        &h.browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "delete Navigator.prototype.serviceWorker;" }),
    )
    .await
    .unwrap();
    h.open("/").await;
    let alert = h.text("[data-testid=builtin-unavailable]").await;
    assert!(alert.contains("unavailable"), "{alert}");
    assert!(h
        .browser
        .find(fantoccini::Locator::Css(
            "[data-testid=builtin-unavailable] a[href='/settings']"
        ))
        .await
        .is_ok());
    assert!(
        h.browser
            .find(fantoccini::Locator::Css("[data-testid=connect]"))
            .await
            .is_err(),
        "no Connect that cannot work"
    );
    let served = h.served();
    assert!(
        !served
            .iter()
            .any(|p| p.contains("sim-worker") || p.contains("ilert-sim-")),
        "{served:?}"
    );
    h.stop().await;
}

/// A deployment pointed at iLert (here ilert-sim as a server) never fetches the built-in
/// simulator, and leaves no worker behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_for_ilert_never_fetches_the_built_in_simulator() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open("/settings").await;
    h.wait("[data-testid=settings]").await;
    h.open("/").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    let served = h.served();
    assert!(
        !served
            .iter()
            .any(|p| p.contains("sim-worker") || p.contains("ilert-sim-")),
        "{served:?}"
    );
    let registrations = h
        .js_async("navigator.serviceWorker.getRegistrations().then((r) => done(r.length));")
        .await;
    assert_eq!(registrations, 0);
    h.stop().await;
}

/// The first load in built-in mode is the app's own and within the budget.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_load_in_built_in_mode_is_the_apps_own_and_within_budget() {
    let h = Harness::built_in().await;
    flows::first_load_is_the_apps_own_and_within_budget(&h).await;
    h.stop().await;
}

/// A new version is deployed while a session of the old one lives: the old worker (stopped,
/// as the browser does) would need its files, which the new deployment no longer has. The
/// page of the new version waits for the worker of its own version, which takes over, reads
/// the old one's state from IndexedDB, and the session goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_version_takes_over_from_the_old_worker_and_never_uses_its_files() {
    let copy = e2e::TempDir::new("ilert-pkce-versions");
    let site = copy.path().join("site");
    e2e::copy_dir(&e2e::dist_dir(), &site);
    let h = Harness::built_in_from(site.clone()).await;
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    let old_worker = controller_url(&h).await;
    let old = old_worker.split("?v=").nth(1).unwrap().to_string();

    // Version 2: the same simulator under new names, the old files gone.
    let new = "f0f1f2f3f4f5f6f7";
    assert_ne!(old, new);
    for suffix in [".js", "_bg.wasm"] {
        std::fs::rename(
            site.join(format!("ilert-sim-{old}{suffix}")),
            site.join(format!("ilert-sim-{new}{suffix}")),
        )
        .unwrap();
        for packed in [".br", ".gz"] {
            let _ = std::fs::remove_file(site.join(format!("ilert-sim-{old}{suffix}{packed}")));
        }
    }
    for file in ["sim-worker.js", "index.html"] {
        let text = std::fs::read_to_string(site.join(file)).unwrap();
        assert!(text.contains(&old), "{file} names version {old}");
        std::fs::write(site.join(file), text.replace(&old, new)).unwrap();
        let _ = std::fs::remove_file(site.join(format!("{file}.br")));
        let _ = std::fs::remove_file(site.join(format!("{file}.gz")));
    }
    cdp(&h.browser, "ServiceWorker.enable", json!({}))
        .await
        .unwrap();
    cdp(&h.browser, "ServiceWorker.stopAllWorkers", json!({}))
        .await
        .unwrap();
    let switched = h.served().len();

    h.open("/").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    assert!(
        controller_url(&h).await.ends_with(&format!("?v={new}")),
        "{}",
        controller_url(&h).await
    );
    h.click("[data-testid=refresh]").await;
    h.new_tokens_after(&before).await;
    h.assert_no_notice().await;
    let after: Vec<String> = h.served()[switched..].to_vec();
    assert!(
        after
            .iter()
            .any(|p| p.contains(&format!("ilert-sim-{new}"))),
        "{after:?}"
    );
    // The old worker's files are never asked for. Its script URL may be (`sim-worker.js?v=<old>`):
    // that is the browser's own update check of the old registration, which the host answers
    // with the new script, whose files are the new ones.
    assert!(
        !after
            .iter()
            .any(|p| p.contains(&old) && !p.starts_with("/sim-worker.js?v=")),
        "{after:?}"
    );
    h.stop().await;
}

/// A host that lacks the worker (dist-release/ copied in part): Connect says what is wrong
/// and offers the iLert settings, instead of navigating to a consent page nobody answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_host_without_the_worker_file_says_so_at_connect() {
    let copy = e2e::TempDir::new("ilert-pkce-no-worker");
    let site = copy.path().join("site");
    e2e::copy_dir(&e2e::dist_dir(), &site);
    std::fs::remove_file(site.join("sim-worker.js")).unwrap();
    let h = Harness::built_in_from(site).await;
    h.open("/").await;
    h.click("[data-testid=connect]").await;
    let notice = h.text("[data-testid=notice]").await;
    assert!(
        notice.contains("could not register") && notice.contains("iLert account"),
        "{notice}"
    );
    assert_eq!(h.url().await, format!("{}/", h.app), "no navigation");
    let served = h.served();
    assert!(!served.iter().any(|p| p.starts_with("/_sim")), "{served:?}");
    h.stop().await;
}

/// The built-in simulator models iLert's backend apps too: a client registered at run time
/// with a secret gets a code without PKCE, and the exchange needs the secret (a wrong one is
/// refused and spends nothing), giving a refresh token without `offline_access`.
#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_simulator_knows_confidential_clients() {
    const BACKEND: &str = "backend-demo";
    const SECRET: &str = "test-secret-not-real";
    let h = Harness::built_in().await;
    controlled_home(&h).await;
    let redirect = format!("{}/backend/callback", h.app);
    let (status, registered) = h
        .sim_request(
            "POST",
            "/_sim/clients",
            Some((
                "application/json",
                json!({ "id": BACKEND, "redirect_uri": redirect, "secret": SECRET }).to_string(),
            )),
        )
        .await;
    assert_eq!(status, 201, "{registered}");
    assert!(!registered.to_string().contains(SECRET));

    // Authorize without code_challenge, scope profile only; grant as ada.
    let authorize = format!("{}/api/developers/oauth2/authorize", h.sim);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", BACKEND),
            ("response_type", "code"),
            ("redirect_uri", redirect.as_str()),
            ("scope", "profile"),
            ("state", "s"),
        ])
        .finish();
    let page = h
        .page_fetch("GET", &format!("{authorize}?{query}"), None)
        .await;
    let granted = h
        .page_fetch(
            "POST",
            &authorize,
            Some((
                "application/x-www-form-urlencoded",
                e2e::grant_form(page["text"].as_str().unwrap()),
            )),
        )
        .await;
    let code = e2e::code_in(granted["url"].as_str().unwrap());

    let exchange = |secret: &'static str| {
        let code = code.clone();
        let redirect = redirect.clone();
        let h = &h;
        async move {
            h.sim_post(
                "/api/developers/oauth2/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", BACKEND),
                    ("client_secret", secret),
                    ("code", &code),
                    ("redirect_uri", &redirect),
                ],
            )
            .await
        }
    };
    let (status, body) = exchange("wrong").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = exchange(SECRET).await;
    assert_eq!(status, 200, "the refused try spent nothing: {body}");
    assert!(body["refresh_token"].is_string(), "{body}");
    // The request log never shows the secret.
    let log = h.sim_requests().await.to_string();
    assert!(!log.contains(SECRET), "{log}");
    h.stop().await;
}

/// Issue 17, item 8: after sign-out the worker's saved state holds no secret of the session.
#[tokio::test(flavor = "multi_thread")]
async fn after_sign_out_the_worker_keeps_no_secret_of_the_session() {
    let h = Harness::built_in().await;
    flows::after_sign_out_the_worker_keeps_no_secret(&h).await;
    h.stop().await;
}
