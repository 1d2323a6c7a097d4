//! The browser half of `cargo xtask bench`: one fresh world per session (ilert-sim, the
//! release build served brotli-compressed, a chromedriver and a Chromium with a fresh profile),
//! DevTools protocol commands through chromedriver, and the two things a session measures:
//! a first load of Home, and a sign-in's callback.
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use ilert_sim::SimConfig;
use serde_json::{json, Value};

use super::site::{self, Dist, Served};
use crate::{app_config, start_browser, Driver, TempDir, CLIENT_ID};

/// Watches the page from its first instant (see the file).
pub const PROBE: &str = include_str!("probe.js");

/// How long one thing may take before the session fails.
const WAIT: Duration = Duration::from_secs(30);

/// DevTools' network emulation, in what `Network.emulateNetworkConditions` takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub latency_ms: f64,
    pub download_bits_per_s: f64,
    pub upload_bits_per_s: f64,
}

/// "Slow 4G": 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up (the raw figures, without the
/// extra factors DevTools' own preset applies).
pub const SLOW_4G: Throttle = Throttle {
    latency_ms: 150.0,
    download_bits_per_s: 1_600_000.0,
    upload_bits_per_s: 750_000.0,
};

impl Throttle {
    /// The parameters of `Network.emulateNetworkConditions` (throughputs in bytes per second).
    pub fn params(&self) -> Value {
        json!({
            "offline": false,
            "latency": self.latency_ms,
            "downloadThroughput": self.download_bits_per_s / 8.0,
            "uploadThroughput": self.upload_bits_per_s / 8.0,
        })
    }
}

/// A raw DevTools protocol command, sent the way chromedriver forwards them:
/// `POST /session/{id}/goog/cdp/execute` with `{"cmd": …, "params": …}`.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Sends a DevTools protocol command to the page and returns its result.
pub async fn cdp(browser: &Client, cmd: &str, params: Value) -> Result<Value, String> {
    browser
        .issue_cmd(Cdp {
            cmd: cmd.into(),
            params,
        })
        .await
        .map_err(|e| format!("{cmd}: {e}"))
}

/// One session's world, torn down by [`World::stop`].
pub struct World {
    pub browser: Client,
    /// `http://localhost:<port>`.
    pub app: String,
    pub served: Arc<Served>,
    /// Dropped on every way out, [`World::stop`] or an error: ends chromedriver and Chromium.
    _chromedriver: Driver,
    sim_task: tokio::task::JoinHandle<()>,
    app_task: tokio::task::JoinHandle<()>,
    _profile: TempDir,
}

impl World {
    /// A fresh ilert-sim (answering the API after `sim_latency_ms`), the app's server and a
    /// Chromium with a fresh profile, the probe installed for every document it opens.
    pub async fn start(dist: Arc<Dist>, sim_latency_ms: u64) -> Result<World, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let app = format!(
            "http://localhost:{}",
            listener.local_addr().map_err(|e| e.to_string())?.port()
        );
        let sim_config = SimConfig {
            latency_ms: sim_latency_ms,
            clients: vec![
                ilert_sim::Client::new(CLIENT_ID, &format!("{app}/webapp"), 250)
                    .map_err(|e| format!("{e:?}"))?,
            ],
            ..SimConfig::default()
        };
        let (sim_addr, sim_task) = ilert_sim::spawn(sim_config).await;
        let sim = format!("http://127.0.0.1:{}", sim_addr.port());
        let served = Arc::new(Served::default());
        let router = site::router(dist, app_config(&app, &sim).to_string(), served.clone());
        let app_task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let profile = TempDir::new("ilert-pkce-bench-profile");
        let (chromedriver, browser) = start_browser(profile.path()).await;
        let world = World {
            browser,
            app,
            served,
            _chromedriver: chromedriver,
            sim_task,
            app_task,
            _profile: profile,
        };
        // Network.enable in every session, so that the instrumentation is the same with and
        // without emulation.
        for (cmd, params) in [
            ("Network.enable", json!({})),
            (
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": PROBE }),
            ),
        ] {
            if let Err(e) = cdp(&world.browser, cmd, params).await {
                world.stop().await;
                return Err(e);
            }
        }
        Ok(world)
    }

    /// Closes Chromium and its driver, and stops the servers.
    pub async fn stop(self) {
        let _ = self.browser.clone().close().await;
        self.sim_task.abort();
        self.app_task.abort();
    }
}

/// Which page a session measures: what its first load must have fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The app's release build: HTML, the JS glue, the wasm, CSS and config.json.
    App,
    /// The React comparison page (bench/react-signin/): HTML, one JS bundle, config.json.
    React,
}

impl Page {
    /// What a first load of this page fetches, each at least once (by name ending).
    pub fn needs(self) -> &'static [&'static str] {
        match self {
            Page::App => &[".wasm", ".js", ".css", "/config.json"],
            Page::React => &[".js", "/config.json"],
        }
    }
}

/// A first visit to Home: the bytes it downloaded and when Connect could be pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstLoad {
    /// ms from navigation start until "Connect to iLert" was visible and enabled.
    pub connect_ms: f64,
    /// Σ transferSize of the navigation and every resource (headers included).
    pub transfer_bytes: f64,
    /// Σ encodedBodySize (the bodies as they travelled: brotli).
    pub encoded_bytes: f64,
    /// Σ decodedBodySize (the bodies unpacked).
    pub decoded_bytes: f64,
    /// Each entry: name, initiator, transferSize, encodedBodySize, decodedBodySize.
    pub entries: Value,
    /// The probe's marks, the document's Navigation Timing and its requests' start and end.
    pub probe: Value,
}

/// Opens Home in `world` (under `throttle`, if any) and measures its first load.
pub async fn first_load(
    world: &World,
    page: Page,
    throttle: Option<Throttle>,
) -> Result<FirstLoad, String> {
    if let Some(throttle) = throttle {
        cdp(
            &world.browser,
            "Network.emulateNetworkConditions",
            throttle.params(),
        )
        .await?;
    }
    world
        .browser
        .goto(&format!("{}/", world.app))
        .await
        .map_err(|e| format!("opening Home: {e}"))?;
    let snapshot = wait_marks(&world.browser, &["connect"], false).await?;
    let connect_ms = mark(&snapshot, "connect")?;
    // Every response has ended by the load event and a short quiet time after it.
    let entries = world
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const collect = () => setTimeout(() => {
               const nav = performance.getEntriesByType('navigation')[0];
               done([nav, ...performance.getEntriesByType('resource')].map(e => ({
                 name: new URL(e.name).pathname, initiator: e.initiatorType || 'navigation',
                 transferSize: e.transferSize, encodedBodySize: e.encodedBodySize,
                 decodedBodySize: e.decodedBodySize, duration: e.duration })));
             }, 500);
             if (document.readyState === 'complete') collect();
             else addEventListener('load', collect);",
            vec![],
        )
        .await
        .map_err(|e| format!("reading Resource Timing: {e}"))?;
    // The split build's parts come in idle time once Connect is usable, maybe by now: they
    // are not the first load (e2e/tests/lazy_parts.rs proves a first visit needs none).
    let first = |e: &&Value| {
        !e["name"]
            .as_str()
            .is_some_and(|n| n.contains("/ilert-pkce-part-"))
    };
    let sum = |field: &str| -> f64 {
        entries
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(first)
                    .filter_map(|e| e[field].as_f64())
                    .sum()
            })
            .unwrap_or(f64::NAN)
    };
    let names: Vec<&str> = entries
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["name"].as_str()).collect())
        .unwrap_or_default();
    for what in page.needs() {
        if !names.iter().any(|n| n.ends_with(what)) {
            return Err(format!(
                "the first load of {page:?} has no {what} in Resource Timing: {names:?}"
            ));
        }
    }
    let plain = world.served.plain.load(Ordering::Relaxed);
    if plain > 0 {
        return Err(format!(
            "{plain} responses went out uncompressed: Chromium sent Accept-Encoding: {:?}",
            world.served.accept_encoding.lock().unwrap()
        ));
    }
    Ok(FirstLoad {
        connect_ms,
        transfer_bytes: sum("transferSize"),
        encoded_bytes: sum("encodedBodySize"),
        decoded_bytes: sum("decodedBodySize"),
        entries,
        probe: snapshot,
    })
}

/// A sign-in's callback: when the profile and the token info were shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub profile_ms: f64,
    pub info_ms: f64,
    /// What the page showed (checked to be the user who signed in).
    pub shown: Value,
    /// The probe's marks, the /webapp document's Navigation Timing and its requests' start
    /// and end (the API's too: cross-origin, Resource Timing gives no more without
    /// Timing-Allow-Origin).
    pub probe: Value,
}

impl Callback {
    /// Both shown: the later of the two.
    pub fn both_ms(&self) -> f64 {
        self.profile_ms.max(self.info_ms)
    }
}

/// From Home (already open in `world`): Connect, ada on the simulator's consent page, Grant,
/// then the /webapp document's own clock from its navigation until profile and token info
/// are both on screen.
pub async fn sign_in(world: &World) -> Result<Callback, String> {
    let browser = &world.browser;
    find(browser, "[data-testid=connect]")
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking Connect: {e}"))?;
    find(browser, "#grant").await?;
    browser
        .execute("document.getElementById('user').value = 'ada';", vec![])
        .await
        .map_err(|e| format!("choosing ada: {e}"))?;
    find(browser, "#grant")
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking Grant: {e}"))?;
    let snapshot = wait_marks(browser, &["profile", "info"], true).await?;
    let shown = browser
        .execute(
            "const t = s => (document.querySelector(s) || {}).textContent;
             return { name: t('[data-testid=profile-name]'), email: t('[data-testid=profile-email]'),
                      active: t('[data-testid=info-active]'), tenant: t('[data-testid=info-tenant]'),
                      scope: t('[data-testid=info-scope]') };",
            vec![],
        )
        .await
        .map_err(|e| format!("reading the signed-in page: {e}"))?;
    if shown["name"] != "Ada Lovelace" || shown["active"] != "yes" {
        return Err(format!("the callback showed something else: {shown}"));
    }
    Ok(Callback {
        profile_ms: mark(&snapshot, "profile")?,
        info_ms: mark(&snapshot, "info")?,
        shown,
        probe: snapshot,
    })
}

/// Whether the part that Settings needs was already fetched (idle time) before the click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    /// Idle time fetched it: the click waits for no download.
    Done,
    /// No idle time ([`crate::NO_IDLE_TIME`], injected before the page's scripts): the click
    /// fetches it.
    Off,
}

/// From Home (open in `world`, Connect usable): the first click on the nav's Settings link
/// (after idle time has fetched the Settings part, for [`Prefetch::Done`]), and the ms from
/// that click until the Settings page's Save button is visible and enabled, both noted by the
/// probe in the page.
pub async fn settings_after_click(world: &World, prefetch: Prefetch) -> Result<f64, String> {
    let browser = &world.browser;
    if prefetch == Prefetch::Done {
        let deadline = Instant::now() + WAIT;
        loop {
            let fetched = browser
                .execute(
                    "return performance.getEntriesByType('resource').some(e =>
                       e.name.includes('/ilert-pkce-part-settings-') && e.responseEnd > 0);",
                    vec![],
                )
                .await
                .map_err(|e| format!("reading Resource Timing: {e}"))?;
            if fetched == true {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "idle time did not fetch the Settings part within {WAIT:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Fetched is not yet instantiated: the part's own promise settles just after.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    find(browser, "[data-testid=nav-settings]")
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking Settings: {e}"))?;
    let snapshot = wait_marks(browser, &["settings_click", "settings"], false).await?;
    let fetched: Vec<&str> = snapshot["resources"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    if !fetched
        .iter()
        .any(|n| n.contains("/ilert-pkce-part-settings-"))
    {
        return Err(format!(
            "Settings showed without its part (is the build split?): {fetched:?}"
        ));
    }
    Ok(mark(&snapshot, "settings")? - mark(&snapshot, "settings_click")?)
}

/// Waits for `css` in the current document. A click that navigates (Connect, Grant) may leave
/// WebDriver between two documents ("aborted by navigation"): such an answer is retried
/// until the deadline, like "not there yet".
async fn find(browser: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::from("not found");
    while Instant::now() < deadline {
        match browser.find(Locator::Css(css)).await {
            Ok(element) => return Ok(element),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(format!("`{css}` did not appear within {WAIT:?}: {last}"))
}

/// Waits (in the page, without polling it from here) until the probe has a mark for every
/// key, in the callback's document if `callback`; returns the probe's `{start, marks}`.
/// A navigation in flight makes a call fail or land in the previous document: it is retried.
async fn wait_marks(browser: &Client, keys: &[&str], callback: bool) -> Result<Value, String> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        let answer = browser
            .execute_async(
                "const [keys, callback, done] = arguments;
                 const b = window.__ilertBench;
                 if (!b) return done({ missing: location.href });
                 if (callback && !b.start.callback) return done({ elsewhere: location.href });
                 b.when(keys, 20000).then(ok => {
                   const n = performance.getEntriesByType('navigation')[0] || {};
                   const nav = {};
                   for (const k of ['type', 'redirectCount', 'fetchStart', 'responseStart', 'responseEnd',
                                    'domInteractive', 'domContentLoadedEventEnd', 'loadEventEnd']) nav[k] = n[k];
                   const resources = performance.getEntriesByType('resource').map(e => ({
                     name: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd }));
                   done({ ok, start: b.start, marks: b.marks, navigation: nav, resources });
                 });",
                vec![json!(keys), json!(callback)],
            )
            .await;
        match answer {
            Ok(v) if v["ok"] == true => return Ok(v),
            Ok(v) if v["ok"] == false => {
                return Err(format!("waited 20 s in vain for {keys:?}: {v}"));
            }
            Ok(v) => last = v.to_string(),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("no page with the probe showed {keys:?}: {last}"))
}

fn mark(snapshot: &Value, key: &str) -> Result<f64, String> {
    snapshot["marks"][key]
        .as_f64()
        .ok_or_else(|| format!("no `{key}` mark in {snapshot}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_s_first_load_needs_its_wasm_and_the_react_page_s_none() {
        assert!(Page::App.needs().contains(&".wasm"));
        assert!(!Page::React.needs().contains(&".wasm"));
        for page in [Page::App, Page::React] {
            assert!(page.needs().contains(&"/config.json"), "{page:?}");
        }
    }

    #[test]
    fn slow_4g_is_150_ms_and_1_6_mbit_down_750_kbit_up_in_bytes_per_second() {
        assert_eq!(
            SLOW_4G.params(),
            json!({"offline": false, "latency": 150.0, "downloadThroughput": 200_000.0, "uploadThroughput": 93_750.0})
        );
    }

    #[test]
    fn a_cdp_command_goes_to_chromedriver_s_forwarding_endpoint() {
        let command = Cdp {
            cmd: "Network.enable".into(),
            params: json!({}),
        };
        let base = url::Url::parse("http://127.0.0.1:9515/").unwrap();
        let url = command.endpoint(&base, Some("abc")).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9515/session/abc/goog/cdp/execute"
        );
        let (method, body) = command.method_and_body(&url);
        assert_eq!(method, http::Method::POST);
        let body: Value = serde_json::from_str(&body.unwrap()).unwrap();
        assert_eq!(body, json!({"cmd": "Network.enable", "params": {}}));
    }

    #[test]
    fn the_probe_watches_the_things_the_bench_waits_for() {
        for needle in [
            "addScriptToEvaluateOnNewDocument",
            "MutationObserver",
            "requestAnimationFrame",
            "[data-testid=connect]",
            "[data-testid=profile-email]",
            "[data-testid=info-scope]",
            "[data-testid=save-settings]",
            "[data-testid=nav-settings]",
            "window.__ilertBench",
        ] {
            assert!(PROBE.contains(needle), "{needle}");
        }
    }
}
