//! Leaving built-in mode: a visitor used the built-in simulator, then the deployment's
//! config.json switches to iLert. On the next load, before anything else and without a press
//! of Connect, the app removes the simulator: its worker unregistered, its IndexedDB database
//! deleted, its hooks no longer answering, a session signed in to it ended. And a deployment
//! may forbid the built-in simulator (`"allow_built_in": false`): Settings does not offer it,
//! and saved settings that chose it are read as iLert's.
//!
//! The release build exactly as `cargo xtask dist` makes it, copied so that the test can
//! rewrite its config.json (`Harness::built_in_from`, which reads it at each request).
use std::path::Path;

use e2e::fantoccini::Locator;
use e2e::Harness;
use serde_json::{json, Value};

/// A copy of the release build in a fresh directory (kept alive by the TempDir).
fn site() -> (e2e::TempDir, std::path::PathBuf) {
    let copy = e2e::TempDir::new("ilert-pkce-builtin-exit");
    let site = copy.path().join("site");
    e2e::copy_dir(&e2e::dist_dir(), &site);
    (copy, site)
}

/// config.json for iLert (an iLert that is never reached: nothing in these tests signs in
/// there), with `extra` fields.
fn ilert_config(app: &str, extra: Value) -> String {
    let mut config = e2e::app_config(app, "http://127.0.0.1:9");
    config["server"] = json!("ilert");
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    config.to_string()
}

fn write_config(site: &Path, text: &str) {
    std::fs::write(site.join("config.json"), text).unwrap();
    let _ = std::fs::remove_file(site.join("config.json.br"));
    let _ = std::fs::remove_file(site.join("config.json.gz"));
}

/// The scope and script of every Service Worker registration of the page's origin.
async fn registrations(h: &Harness) -> Value {
    h.js_async(
        "navigator.serviceWorker.getRegistrations().then((rs) => done(rs.map((r) =>
           [r.scope, (r.active || r.waiting || r.installing || {}).scriptURL])));",
    )
    .await
}

/// Whether the origin has the simulator's IndexedDB database.
async fn has_sim_database(h: &Harness) -> bool {
    h.js_async("indexedDB.databases().then((l) => done(l.some((d) => d.name === 'ilert-sim')));")
        .await
        == Value::Bool(true)
}

/// `fetch(<app>/_sim/_sim/stats)` from the page: the status and the worker's mark
/// (`x-ilert-sim`), null when the simulator did not answer.
async fn stats_fetch(h: &Harness) -> Value {
    h.js_async(&format!(
        "fetch('{}/_sim/_sim/stats', {{ cache: 'no-store' }}).then(
           (r) => done([r.status, r.headers.get('x-ilert-sim')]), (e) => done(String(e)));",
        h.app
    ))
    .await
}

/// The premise: the visitor's browser has the simulator, its worker and its data.
async fn assert_built_in_in_use(h: &Harness) {
    let found = registrations(h).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert!(
        found[0][1].as_str().unwrap().contains("/sim-worker.js?v="),
        "{found}"
    );
    assert!(has_sim_database(h).await);
    assert_eq!(stats_fetch(h).await[1], "service-worker");
}

/// After the switch: no worker, no database, no answer from the hooks, the page not
/// controlled, and no request of the page ever went under /_sim/.
async fn assert_simulator_gone(h: &Harness) {
    assert_eq!(registrations(h).await, json!([]));
    assert!(
        !has_sim_database(h).await,
        "the simulator's database is still there"
    );
    assert_eq!(
        h.js("return navigator.serviceWorker.controller === null;")
            .await,
        Value::Bool(true)
    );
    let sent = h
        .js("return performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/_sim/'));")
        .await;
    assert_eq!(sent, json!([]), "the page sent requests to the simulator");
    let stats = stats_fetch(h).await;
    assert_eq!(stats[1], Value::Null, "the hooks still answer: {stats}");
    assert!(
        !has_sim_database(h).await,
        "the hook's fetch brought the database back"
    );
}

/// A visitor signed in and out with the built-in simulator; the deployment then switches to
/// iLert. The next load removes the simulator before anything else, with no Connect pressed.
#[tokio::test(flavor = "multi_thread")]
async fn after_a_switch_to_ilert_the_next_load_removes_the_simulator() {
    let (_copy, site) = site();
    let h = Harness::built_in_from(site.clone()).await;
    h.sign_in().await;
    h.click("[data-testid=sign-out]").await;
    h.wait_contains("[data-testid=notice]", "Signed out").await;
    assert_built_in_in_use(&h).await;

    write_config(&site, &ilert_config(&h.app, json!({})));
    h.open("/").await;
    h.wait_text("[data-testid=connect]", "Connect to iLert")
        .await;
    let served = h.served();
    assert!(!served.iter().any(|p| p.starts_with("/_sim")), "{served:?}");
    assert_simulator_gone(&h).await;
    h.stop().await;
}

/// The same for a session that is still signed in to the simulator when the deployment
/// switches: the reload restores it, the app ends it (its grant went with the database), says
/// so, and sends none of its requests (profile, token info) anywhere.
#[tokio::test(flavor = "multi_thread")]
async fn a_restored_session_of_the_simulator_ends_when_the_deployment_switches_to_ilert() {
    let (_copy, site) = site();
    let h = Harness::built_in_from(site.clone()).await;
    h.sign_in().await;
    assert_built_in_in_use(&h).await;
    let refresh = h.refresh_token().await;

    write_config(&site, &ilert_config(&h.app, json!({})));
    h.open("/").await;
    let notice = h
        .wait_contains(
            "[data-testid=notice]",
            "built-in simulator's session has ended",
        )
        .await;
    assert!(notice.contains("Connect"), "{notice}");
    h.wait_text("[data-testid=connect]", "Connect to iLert")
        .await;
    assert!(
        h.tokens().await.is_none(),
        "the session's tokens are forgotten"
    );
    assert_simulator_gone(&h).await;
    let timeline = h
        .js("return sessionStorage.getItem('ilert-pkce.timeline') || '';")
        .await;
    assert!(
        !timeline.as_str().unwrap().contains(&refresh),
        "the refresh token stays in the timeline"
    );
    h.stop().await;
}

/// A deployment that forbids the built-in simulator: Settings shows the choice disabled with
/// the reason, and settings planted in localStorage that choose it are read as iLert's, said
/// once, and never bring the simulator's worker.
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_that_forbids_built_in_mode_never_runs_it() {
    let (_copy, site) = site();
    // The address first: config.json names the app's redirect URI.
    let h = Harness::built_in_from(site.clone()).await;
    write_config(
        &site,
        &ilert_config(&h.app, json!({ "allow_built_in": false })),
    );
    h.open("/settings").await;
    h.wait("[data-testid=settings]").await;
    let radio = h
        .browser
        .find(Locator::Css("input[name=server][value=built-in]"))
        .await
        .unwrap();
    assert_eq!(
        radio.prop("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    let reason = h.text("[data-testid=built-in-forbidden]").await;
    assert!(reason.contains("\"allow_built_in\": false"), "{reason}");

    // Saved settings that choose it, with usable iLert fields (as Settings wrote them while
    // the built-in simulator was offered), and a claim that it is allowed.
    let mut planted: Value =
        serde_json::from_str(&ilert_config(&h.app, json!({ "allow_built_in": true }))).unwrap();
    planted["server"] = json!("built-in");
    planted["client_id"] = json!("my-own-app");
    h.js(&format!(
        "localStorage.setItem('ilert-pkce.settings', {:?}); return true;",
        planted.to_string()
    ))
    .await;
    h.open("/").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "sign in to iLert")
        .await;
    assert!(notice.contains("allow_built_in"), "{notice}");
    assert_eq!(h.text("[data-testid=connect]").await, "Connect to iLert");
    assert_eq!(h.text("[data-testid=client-id]").await, "my-own-app");
    let stored = h
        .js("return JSON.parse(localStorage.getItem('ilert-pkce.settings'));")
        .await;
    assert_eq!(stored["server"], "ilert", "{stored}");
    assert!(stored.get("allow_built_in").is_none(), "{stored}");
    // Said once.
    h.open("/").await;
    h.wait_text("[data-testid=connect]", "Connect to iLert")
        .await;
    assert!(h
        .browser
        .find(Locator::Css("[data-testid=notice]"))
        .await
        .is_err());

    // Saved settings whose iLert fields are not usable: not used at all, saying why.
    planted["client_id"] = json!("");
    h.js(&format!(
        "localStorage.setItem('ilert-pkce.settings', {:?}); return true;",
        planted.to_string()
    ))
    .await;
    h.open("/").await;
    let rejected = h.text("[data-testid=settings-rejected]").await;
    assert!(rejected.contains("allow_built_in"), "{rejected}");
    assert_eq!(h.text("[data-testid=client-id]").await, e2e::CLIENT_ID);

    assert_eq!(registrations(&h).await, json!([]));
    let served = h.served();
    assert!(
        !served.iter().any(|p| p.contains("sim-worker")
            || p.contains("ilert-sim-")
            || p.starts_with("/_sim")),
        "{served:?}"
    );
    h.stop().await;
}
