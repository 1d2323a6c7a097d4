//! The built-in simulator: the release build served by a plain static server, no ilert-sim
//! process; the Service Worker `sim-worker.js` answers under `/_sim/` with the simulator core
//! (wasm) and keeps its state in IndexedDB.

use e2e::{Harness, CLIENT_ID};
use serde_json::Value;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Registers the worker from the page and waits until it controls the page.
async fn install_worker(h: &Harness) {
    h.open("/").await;
    let registered = h
        .js_async(
            "navigator.serviceWorker.register('/sim-worker.js', { scope: '/' })
               .then(() => navigator.serviceWorker.ready)
               .then(() => done('ok'), (e) => done('error: ' + e));",
        )
        .await;
    assert_eq!(registered, "ok");
    // clients.claim() at activate takes the open page; a reload does it surely.
    let controlled = h
        .js("return navigator.serviceWorker.controller !== null;")
        .await;
    if controlled != Value::Bool(true) {
        h.open("/").await;
    }
    h.until("the page is controlled by the worker", || async {
        (h.js("return navigator.serviceWorker.controller !== null;")
            .await
            == Value::Bool(true))
        .then_some(())
    })
    .await;
}

/// `fetch` from the page: `{status, body}` with the body as JSON (or text when it is not).
async fn fetch(h: &Harness, path: &str, init: &str) -> Value {
    h.js_async(&format!(
        "fetch({path:?}, {init}).then(async (r) => {{
           const text = await r.text();
           let body; try {{ body = JSON.parse(text); }} catch (e) {{ body = text; }}
           done({{ status: r.status, body }});
         }}, (e) => done({{ error: String(e) }}));"
    ))
    .await
}

fn form(pairs: &[(&str, &str)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    format!(
        "{{ method: 'POST', headers: {{ 'content-type': 'application/x-www-form-urlencoded' }}, body: {:?} }}",
        body.join("&")
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_worker_answers_as_ilert_with_no_server_behind_it() {
    let h = Harness::static_only().await;
    install_worker(&h).await;

    // The REST API's 401, in iLert's shape, from the worker.
    let user = fetch(&h, "/_sim/api/users/current", "{}").await;
    assert_eq!(user["status"], 401, "{user}");
    assert_eq!(user["body"]["status"], 401, "{user}");
    assert_eq!(user["body"]["code"], "UNAUTHORIZED", "{user}");

    // Outside /_sim/ the worker stays out of the way: the static server answers.
    let config = fetch(&h, "/config.json", "{}").await;
    assert_eq!(config["status"], 200);
    assert_eq!(config["body"]["client_id"], CLIENT_ID);

    // A navigation to the authorize endpoint gets the consent page, whose form posts under
    // the mount.
    let redirect = format!("{}/webapp", h.app);
    let query = [
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "profile offline_access"),
        ("state", "s1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    h.open(&format!("/_sim/api/developers/oauth2/authorize?{query}"))
        .await;
    h.wait("#grant").await;
    assert_eq!(h.text("#client").await, CLIENT_ID);
    let action = h
        .js("return document.querySelector('form').getAttribute('action');")
        .await;
    assert_eq!(action, "/_sim/api/developers/oauth2/authorize");

    // The token endpoint, fetched from the app's page (the consent page's CSP allows no
    // fetch): an unknown code is iLert's invalid_grant.
    h.open("/").await;
    let bad = fetch(
        &h,
        "/_sim/api/developers/oauth2/token",
        &form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", "not-a-code"),
            ("code_verifier", VERIFIER),
            ("redirect_uri", &redirect),
        ]),
    )
    .await;
    // (iLert answers invalid_grant with 401, not RFC 6749's 400.)
    assert_eq!(bad["status"], 401, "{bad}");
    assert_eq!(bad["body"]["code"], "invalid_grant", "{bad}");
    assert!(bad["body"]["error"].is_string(), "{bad}");

    // The request log (the simulator's hooks, under the mount) saw that exchange.
    let log = fetch(&h, "/_sim/_sim/requests", "{}").await;
    assert_eq!(log["status"], 200, "{log}");
    assert_eq!(log["body"].as_array().map(Vec::len), Some(1), "{log}");
    h.stop().await;
}

/// The app signs in against the worker (consent page, callback, token exchange, profile);
/// then the browser stops the worker (DevTools protocol) and the session's refresh token
/// still works: the worker's state came back from IndexedDB.
#[tokio::test(flavor = "multi_thread")]
async fn the_app_signs_in_with_the_worker_and_its_state_survives_a_stop() {
    let h = Harness::static_only().await;
    install_worker(&h).await;
    h.sign_in().await;
    let refresh = h.refresh_token().await;

    e2e::bench::browser::cdp(&h.browser, "ServiceWorker.enable", serde_json::json!({}))
        .await
        .unwrap();
    e2e::bench::browser::cdp(
        &h.browser,
        "ServiceWorker.stopAllWorkers",
        serde_json::json!({}),
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let refreshed = fetch(
        &h,
        "/_sim/api/developers/oauth2/token",
        &form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &refresh),
        ]),
    )
    .await;
    assert_eq!(refreshed["status"], 200, "{refreshed}");
    assert!(refreshed["body"]["access_token"].is_string(), "{refreshed}");
    h.stop().await;
}
