//! The flows that matter, in the engine `ILERT_PKCE_ENGINE` names (Chromium by default;
//! `cargo xtask test` runs this file again in Firefox ESR and in WebKitGTK, with tabs.rs,
//! locks.rs, tab_channel.rs, lazy_parts.rs, builtin_exit.rs and harness.rs): sign-in, reload,
//! the shared flows (`e2e::flows`) in both modes (ilert-sim as a server on another origin,
//! and the built-in simulator in a Service Worker), sign-out with no token left, the worker's
//! life cycle as far as WebDriver reaches, and the first-load checks, config.json and the
//! wasm counted at the test's server.
//!
//! A test that cannot run in an engine calls [`e2e::skip`] with its reason and returns:
//! `cargo xtask test` counts and lists those lines (README, "Engines").
use std::time::Duration;

use e2e::{flows, Engine, Harness};
use serde_json::Value;

/// Skips the rest of the test, with `reason`, when it is Some.
macro_rules! skip_if {
    ($test:expr, $reason:expr) => {
        if let Some(reason) = $reason {
            e2e::skip($test, &reason);
            return;
        }
    };
}

// ---- ilert-sim as a server, on another origin (127.0.0.1; the app on localhost) ----

#[tokio::test(flavor = "multi_thread")]
async fn native_sign_in_shows_the_profile_and_the_token_info() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.assert_signed_in_as_ada().await;
    assert_eq!(h.sim_stats().await["authorization_code_grants"], 1);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_a_reload_keeps_the_session() {
    let h = Harness::start().await;
    h.sign_in().await;
    flows::a_reload_keeps_the_session(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_the_refresh_button_rotates_the_tokens() {
    let h = Harness::start().await;
    flows::the_refresh_button_rotates_the_tokens(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_a_401_refreshes_once_and_retries() {
    let h = Harness::start().await;
    flows::a_401_refreshes_once_and_retries(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_sign_out_revokes_and_leaves_no_token() {
    let h = Harness::start().await;
    flows::sign_out_revokes_and_forgets_everything(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_deny_requests_no_token() {
    let h = Harness::start().await;
    flows::deny_requests_no_token(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_a_forged_state_is_refused() {
    let h = Harness::start().await;
    flows::a_forged_state_is_refused(&h).await;
    h.stop().await;
}

// Duplicated tabs: tests/tabs.rs, which `cargo xtask test` runs in every engine too.

#[tokio::test(flavor = "multi_thread")]
async fn native_first_load_fetches_config_json_and_the_wasm_once_each_side_by_side() {
    let h = Harness::start().await;
    assert_one_copy_each_side_by_side(&h, "first load").await;
    h.stop().await;
}

/// The main wasm altered on the way (still valid wasm, as a CDN or proxy could make it): the
/// start script fetches it with its integrity, so no engine runs it. (When the engine's only
/// integrity check was a preload's, Firefox and WebKit, which did not use that preload, ran
/// the glue's own fetch of it unchecked.)
#[tokio::test(flavor = "multi_thread")]
async fn an_altered_main_wasm_is_refused_by_its_integrity() {
    let h = Harness::start().await;
    h.tamper("_bg.wasm");
    h.open("/").await;
    h.until("the wasm to be requested", || async {
        h.served()
            .iter()
            .any(|p| p.ends_with("_bg.wasm") && !p.contains("-part-"))
            .then_some(())
    })
    .await;
    // Time for an altered module to start the app, had the browser accepted it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = h
        .js("return document.querySelector('[data-testid=connect]') !== null;")
        .await;
    assert_eq!(
        started,
        Value::Bool(false),
        "{}: the altered wasm ran",
        Engine::current().name()
    );
    h.stop().await;
}

// ---- the built-in simulator, a Service Worker of the app ----

#[tokio::test(flavor = "multi_thread")]
async fn built_in_sign_in_shows_the_profile_and_the_token_info() {
    let h = Harness::built_in().await;
    flows::controlled_home(&h).await;
    h.sign_in().await;
    h.assert_signed_in_as_ada().await;
    // A reload keeps the session, answered by the worker again.
    flows::a_reload_keeps_the_session(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_the_refresh_button_rotates_the_tokens() {
    let h = Harness::built_in().await;
    flows::the_refresh_button_rotates_the_tokens(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_a_401_refreshes_once_and_retries() {
    let h = Harness::built_in().await;
    flows::a_401_refreshes_once_and_retries(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_sign_out_revokes_and_leaves_no_token() {
    let h = Harness::built_in().await;
    flows::sign_out_revokes_and_forgets_everything(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_after_sign_out_the_worker_keeps_no_secret() {
    let h = Harness::built_in().await;
    flows::after_sign_out_the_worker_keeps_no_secret(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_deny_requests_no_token() {
    let h = Harness::built_in().await;
    flows::deny_requests_no_token(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_a_forged_state_is_refused() {
    let h = Harness::built_in().await;
    flows::a_forged_state_is_refused(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_first_load_is_the_apps_own_and_within_budget() {
    let h = Harness::built_in().await;
    flows::first_load_is_the_apps_own_and_within_budget(&h).await;
    h.stop().await;
}

/// The first load (no worker yet) and a reload (the worker controls the page, and passes the
/// app's files on to the static host): config.json and the wasm once each, side by side.
#[tokio::test(flavor = "multi_thread")]
async fn built_in_each_load_fetches_config_json_and_the_wasm_once_each_side_by_side() {
    let h = Harness::built_in().await;
    assert_one_copy_each_side_by_side(&h, "first load").await;
    flows::controlled_home(&h).await;
    h.wait("[data-testid=connect]").await;
    // That load's own late requests (config.json under a slow engine) are not the reload's.
    let mut before = h.served().len();
    loop {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let now = h.served().len();
        if now == before {
            break;
        }
        before = now;
    }
    h.browser.refresh().await.unwrap();
    h.wait("[data-testid=connect]").await;
    assert_one_copy_each_from(&h, before, "reload under the worker").await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_the_session_refreshes_after_the_worker_is_stopped() {
    skip_if!(
        "built_in_the_session_refreshes_after_the_worker_is_stopped",
        Engine::current().lacks_devtools()
    );
    let h = Harness::built_in().await;
    flows::the_session_still_refreshes_after_the_worker_is_stopped(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn built_in_a_hard_reload_past_the_worker_is_taken_over_again() {
    skip_if!(
        "built_in_a_hard_reload_past_the_worker_is_taken_over_again",
        Engine::current().lacks_devtools()
    );
    let h = Harness::built_in().await;
    flows::a_hard_reload_past_the_worker_is_taken_over_again(&h).await;
    h.stop().await;
}

// ---- helpers ----

/// Opens Home as a first load and checks it with [`assert_one_copy_each_from`].
async fn assert_one_copy_each_side_by_side(h: &Harness, load: &str) {
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    assert_one_copy_each_from(h, 0, load).await;
}

/// From the `from`th request the app's server was asked for on: config.json and the main
/// wasm requested once each (a preload an engine does not reuse made two), and config.json
/// on its way before the wasm had arrived (a copy fetched after the wasm made the app wait a
/// round trip more), by the page's Resource Timing.
async fn assert_one_copy_each_from(h: &Harness, from: usize, load: &str) {
    // Late requests (a second copy after the app started) have time to arrive.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let served: Vec<String> = h.served()[from..].to_vec();
    let path = |p: &String| p.split('?').next().unwrap_or_default().to_string();
    let configs = served
        .iter()
        .filter(|p| path(p).ends_with("/config.json"))
        .count();
    let main_wasm = |p: &String| {
        let p = path(p);
        p.ends_with("_bg.wasm") && !p.contains("-part-")
    };
    let wasms = served.iter().filter(|p| main_wasm(p)).count();
    // The wasm's name changes with its content: a load after the first may take it from the
    // HTTP cache and ask the server nothing. config.json is revalidated at each load.
    let wasms_expected = if from == 0 { 1..=1 } else { 0..=1 };
    assert!(
        configs == 1 && wasms_expected.contains(&wasms),
        "{} {load}: config.json once and the wasm {wasms_expected:?} times at the server, not {configs} and {wasms}: {served:?}",
        Engine::current().name()
    );
    let entries = h
        .js("return performance.getEntriesByType('resource')
               .filter(e => e.name.endsWith('/config.json') || e.name.endsWith('_bg.wasm'))
               .map(e => ({ name: e.name.split('/').pop(), start: e.startTime, end: e.responseEnd }));")
        .await;
    let entries = entries.as_array().unwrap();
    let find = |suffix: &str| -> &Value {
        entries
            .iter()
            .find(|e| e["name"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix} in the page's Resource Timing: {entries:?}"))
    };
    let (config, wasm) = (find("config.json"), find("_bg.wasm"));
    assert!(
        config["start"].as_f64().unwrap() <= wasm["end"].as_f64().unwrap(),
        "{} {load}: config.json was requested after the wasm had arrived: {entries:?}",
        Engine::current().name()
    );
    println!("{} {load}: served {served:?}", Engine::current().name());
}
