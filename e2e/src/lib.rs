//! The e2e harness: for each test, a fresh ilert-sim, the release build of the app served on
//! `localhost:<free port>` with a config.json that points at that simulator, a WebDriver
//! server and a browser with a fresh profile: headless Chromium by default, Firefox or
//! WebKitGTK by `ILERT_PKCE_ENGINE` ([`Engine`]). Tests drive the real flow through it.
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, ClientBuilder, Locator};
use ilert_sim::SimConfig;
use serde_json::{json, Value};
use tower_http::services::{ServeDir, ServeFile};

pub use fantoccini;

pub mod bench;
pub mod driver;
pub mod faults;
pub mod flows;
pub mod nginx;
pub mod oidc;
pub mod tokens;

pub use driver::Driver;
pub use nginx::copy_dir;

pub const CLIENT_ID: &str = "ilert-pkce-demo";

/// Run before a page's own scripts: `requestIdleCallback` that never calls back. The app
/// prefetches its parts in idle time (src/components/on_demand.rs), so a page with this
/// fetches a part only when it needs it. The app's fallback for browsers without it (a 2 s
/// timer) does not run either: the function is there.
pub const NO_IDLE_TIME: &str = "window.requestIdleCallback = () => 0;";

/// What [`Harness::without_idle_time`] returns, for [`Harness::with_idle_time`].
pub struct IdleTimeOff(());
/// The entry of the refused list that makes the app's server give every HTML page
/// [`NO_IDLE_TIME`] first ([`Harness::without_idle_time`]); no path contains it.
const NO_IDLE_MARK: &str = "\u{0}no-idle-time";
/// Where the app's server serves [`NO_IDLE_TIME`] (a script of the origin: the app's CSP
/// lets it run, in every engine).
const NO_IDLE_SCRIPT: &str = "/__e2e/no-idle-time.js";
/// The header the simulator's state-changing test hooks want (with JSON), so that no other
/// website can call them (see sim-core/src/guard.rs).
pub const SIM_HOOK_HEADER: &str = ilert_sim::HOOK_HEADER;
/// How long a test waits for something to appear before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// One test's world: simulator, app server, browser.
pub struct Harness {
    pub browser: Client,
    /// `http://localhost:<port>`: the app's origin, as the redirect URI has it.
    pub app: String,
    /// `http://127.0.0.1:<port>`: the simulator.
    pub sim: String,
    http: reqwest::Client,
    /// How long the app's server waits before it answers `/config.json` (ms).
    config_delay_ms: Arc<AtomicU64>,
    /// chromedriver and its Chromium: dropped (all of them ended) before the profile goes.
    _chromedriver: Driver,
    profile: TempDir,
    /// The app's server when it is a real nginx (`Harness::behind_nginx`).
    pub nginx: Option<nginx::Nginx>,
    /// The simulator is the built-in one, a Service Worker in the browser: the test talks to
    /// it with `fetch` from the app's page (a request from outside the browser would reach
    /// the static host, not the worker).
    in_browser_sim: bool,
    /// Every path the app's server was asked for, in order (not when it is nginx).
    served: Served,
    /// The app's server answers 503 to every path that contains one of these (not nginx).
    refused: Served,
}

/// The paths a test's app server was asked for.
pub type Served = Arc<Mutex<Vec<String>>>;

/// The release build made for the sub-path `/ilert-pkce/` (`cargo xtask test` builds it with
/// `cargo xtask dist --base-path /ilert-pkce/` into target/dist-ilert-pkce/).
pub fn subpath_dist_dir() -> PathBuf {
    let dir = std::env::var_os("ILERT_PKCE_DIST_SUBPATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/dist-ilert-pkce")
        });
    assert!(
        dir.join("index.html").exists(),
        "no sub-path build at {}: run `cargo xtask test`, which builds it first",
        dir.display()
    );
    dir
}

/// The release build the tests serve (`cargo xtask test` builds it into dist-release/).
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("ILERT_PKCE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist-release"));
    assert!(
        dir.join("index.html").exists(),
        "no release build at {}: run `cargo xtask test`, which builds it first",
        dir.display()
    );
    dir
}

impl Harness {
    /// Starts everything with the simulator's defaults.
    pub async fn start() -> Harness {
        Harness::with_sim(|_| {}).await
    }

    /// Starts everything; `tune` adjusts the simulator (token lifetimes, latency).
    pub async fn with_sim(tune: impl FnOnce(&mut SimConfig)) -> Harness {
        Harness::custom(tune, |config| config.to_string()).await
    }

    /// Starts everything; `config` turns the test's default config.json into the text served.
    pub async fn custom(
        tune: impl FnOnce(&mut SimConfig),
        config_text: impl FnOnce(Value) -> String,
    ) -> Harness {
        let dist = dist_dir();
        let (app_listener, app) = app_listener().await;

        let mut config = sim_config(&app);
        tune(&mut config);
        let (sim_addr, _sim_task) = ilert_sim::spawn(config).await;
        let sim = format!("http://127.0.0.1:{}", sim_addr.port());

        let (config_delay_ms, served) = serve_app(
            app_listener,
            dist,
            Some(config_text(app_config(&app, &sim))),
        );
        Harness::with_browser(app, sim, config_delay_ms, None)
            .await
            .served_by(served)
    }

    /// A fresh Chromium (own profile) for a test whose servers are up.
    pub(crate) async fn with_browser(
        app: String,
        sim: String,
        config_delay_ms: Arc<AtomicU64>,
        nginx: Option<nginx::Nginx>,
    ) -> Harness {
        let profile = TempDir::new("ilert-pkce-e2e-profile");
        let (chromedriver, browser) = start_browser(&profile.0).await;
        Harness {
            browser,
            app,
            sim,
            http: reqwest::Client::new(),
            config_delay_ms,
            _chromedriver: chromedriver,
            profile,
            nginx,
            in_browser_sim: false,
            served: Served::default(),
            refused: Served::default(),
        }
    }

    fn served_by(mut self, (served, refused): (Served, Served)) -> Harness {
        self.served = served;
        self.refused = refused;
        self
    }

    /// From now on the app's server answers 503 to every path that contains `needle` (a
    /// network that cannot deliver a file), until [`Harness::refuse_nothing`].
    pub fn refuse(&self, needle: &str) {
        self.refused.lock().unwrap().push(needle.to_string());
    }

    /// From now on the app's server answers every path that contains `needle` (a wasm
    /// module) with its file altered but still valid (a CDN or proxy that changes it), until
    /// [`Harness::refuse_nothing`].
    pub fn tamper(&self, needle: &str) {
        self.refused
            .lock()
            .unwrap()
            .push(format!("{TAMPER}{needle}"));
    }

    /// The app's server answers every path again, unaltered.
    pub fn refuse_nothing(&self) {
        self.refused.lock().unwrap().clear();
    }

    /// The paths the app's server was asked for so far (query strings included).
    pub fn served(&self) -> Vec<String> {
        self.served.lock().unwrap().clone()
    }

    /// Serves the release build exactly as `cargo xtask dist` made it, its own config.json
    /// included (the built-in simulator), by a plain static server, with no ilert-sim
    /// process at all: `sim` is `<app>/_sim`, where the app's Service Worker answers.
    pub async fn built_in() -> Harness {
        Harness::built_in_from(dist_dir()).await
    }

    /// [`Harness::built_in`] for the build in `dist` (a copy a test changes as it runs: the
    /// server reads the files at each request).
    pub async fn built_in_from(dist: PathBuf) -> Harness {
        let (app_listener, app) = app_listener().await;
        let sim = format!("{app}/_sim");
        let (config_delay_ms, served) = serve_app(app_listener, dist, None);
        let mut h = Harness::with_browser(app, sim, config_delay_ms, None)
            .await
            .served_by(served);
        h.in_browser_sim = true;
        h
    }

    /// Runs asynchronous JavaScript in the page: `done` (the script's last argument) gives
    /// the value.
    pub async fn js_async(&self, script: &str) -> Value {
        let script = format!("const done = arguments[arguments.length - 1];\n{script}");
        tokio::time::timeout(WAIT, self.browser.execute_async(&script, vec![]))
            .await
            .unwrap_or_else(|_| panic!("script did not finish within {WAIT:?}: {script}"))
            .unwrap()
    }

    /// Starts the simulator and a real nginx serving the release build in `dist` under `base`
    /// (`/` or `/ilert-pkce/`) with the project's server block. The config.json served names
    /// no redirect_uri: the app must find its own callback page. `app` is then the origin
    /// plus the base path without its last slash (`http://localhost:<port>/ilert-pkce`).
    pub async fn behind_nginx(dist: PathBuf, base: &str) -> Harness {
        Harness::behind_nginx_with(dist, base, |_| {}).await
    }

    /// [`Harness::behind_nginx`] with `edit` applied to the config.json nginx serves (and
    /// makes its CSP from), which names the simulator in `api_base`.
    pub async fn behind_nginx_with(
        dist: PathBuf,
        base: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Harness {
        // The port is nginx's to pick; the simulator must know the redirect URI first, so the
        // simulator starts after nginx, and config.json (served by nginx) is written before.
        let (sim_listener, sim) = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = l.local_addr().unwrap().port();
            (l, format!("http://127.0.0.1:{port}"))
        };
        let mut config = app_config("", &sim);
        config.as_object_mut().unwrap().remove("redirect_uri");
        edit(&mut config);
        let server = nginx::Nginx::start(&dist, base, &config.to_string());
        let app = format!(
            "http://localhost:{}{}",
            server.port,
            base.trim_end_matches('/')
        );
        let sim_config = sim_config(&app);
        tokio::spawn(async move { ilert_sim::serve(sim_listener, sim_config).await });
        Harness::with_browser(app, sim, Arc::new(AtomicU64::new(0)), Some(server)).await
    }

    /// A real nginx serving the release build in `dist` under `base` exactly as built, its
    /// config.json (the built-in simulator) included: no simulator process, `sim` is
    /// `<app>/_sim`, where the app's Service Worker answers.
    pub async fn built_in_behind_nginx(dist: PathBuf, base: &str) -> Harness {
        let config = std::fs::read_to_string(dist.join("config.json")).unwrap();
        let server = nginx::Nginx::start(&dist, base, &config);
        let app = format!(
            "http://localhost:{}{}",
            server.port,
            base.trim_end_matches('/')
        );
        let sim = format!("{app}/_sim");
        let mut h =
            Harness::with_browser(app, sim, Arc::new(AtomicU64::new(0)), Some(server)).await;
        h.in_browser_sim = true;
        h
    }

    /// Opens a duplicate of the app's tab (`window.open` copies sessionStorage, as a duplicated
    /// tab does), waits until it shows the signed-in profile, and returns to the first tab.
    /// Gives the handles of the first and the second tab.
    pub async fn open_duplicate_tab(&self) -> (WindowHandle, WindowHandle) {
        self.js(&format!(
            "window.second = window.open('{}/', '_blank');",
            self.app
        ))
        .await;
        // The new window is listed once it exists (at once in Chromium, a moment later in
        // WebKitGTK).
        let windows = self
            .until("the second window", || async {
                let windows = self.browser.windows().await.unwrap();
                (windows.len() == 2).then_some(windows)
            })
            .await;
        let first = self.browser.window().await.unwrap();
        let other = windows.into_iter().find(|w| *w != first).unwrap();
        self.browser.switch_to_window(other.clone()).await.unwrap();
        self.wait_text("[data-testid=profile-username]", "ada")
            .await;
        self.browser.switch_to_window(first.clone()).await.unwrap();
        (first, other)
    }

    /// From now on the app's server answers `/config.json` only after `ms` milliseconds.
    pub fn delay_config_json(&self, ms: u64) {
        self.config_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// From now on, until [`Harness::with_idle_time`], no page this browser opens gets idle
    /// time ([`NO_IDLE_TIME`]), so the app prefetches no part: what a page fetches is what it
    /// needs. The test's server puts a script of the origin before the app's in every HTML
    /// page it serves, so the app itself has no switch for it, and it works in every engine
    /// (DevTools' `Page.addScriptToEvaluateOnNewDocument` is Chromium's only).
    pub async fn without_idle_time(&self) -> IdleTimeOff {
        self.refused.lock().unwrap().push(NO_IDLE_MARK.to_string());
        IdleTimeOff(())
    }

    /// Pages opened from now on get idle time again.
    pub async fn with_idle_time(&self, _off: IdleTimeOff) {
        self.refused.lock().unwrap().retain(|n| n != NO_IDLE_MARK);
    }

    /// Opens a path of the app.
    pub async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.app))
            .await
            .unwrap();
    }

    /// Waits for an element to appear.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let found = tokio::time::timeout(
                left,
                self.browser.wait().forever().for_element(Locator::Css(css)),
            )
            .await
            .unwrap_or_else(|_| panic!("`{css}` did not appear within {WAIT:?}"));
            match found {
                Ok(element) => return element,
                // A page that navigates (the consent page's Grant, the callback) aborts the
                // search under way ("aborted by navigation"): the element may be on the next
                // page, so look again there.
                Err(e) if format!("{e:?}").contains("navigation") && !left.is_zero() => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("looking for `{css}`: {e:?}"),
            }
        }
    }

    /// Waits until `check` returns Some; panics with `what` after WAIT.
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        self.until(&format!("the text of `{css}`"), || async {
            match self.wait(css).await.text().await {
                Ok(text) => Some(text),
                // Re-rendered between finding and reading: find it again.
                Err(e) if e.to_string().contains("stale element") => None,
                Err(e) => panic!("reading `{css}`: {e}"),
            }
        })
        .await
    }

    /// Waits until the element `css` has exactly `expected` as text.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        self.until(&format!("`{css}` to read {expected:?}"), || async {
            let el = self.browser.find(Locator::Css(css)).await.ok()?;
            (el.text().await.ok()? == expected).then_some(())
        })
        .await
    }

    /// Waits until the element `css` has a text that contains `needle`; returns that text.
    pub async fn wait_contains(&self, css: &str, needle: &str) -> String {
        self.until(&format!("`{css}` to contain {needle:?}"), || async {
            let text = self
                .browser
                .find(Locator::Css(css))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.contains(needle).then_some(text)
        })
        .await
    }

    /// Clicks the element `css` (waiting for it). An element the app re-renders between
    /// finding and clicking ("stale element") is found again.
    pub async fn click(&self, css: &str) {
        self.until(&format!("`{css}` to take a click"), || async {
            match self.wait(css).await.click().await {
                Ok(_) => Some(()),
                Err(e) if e.to_string().contains("stale element") => None,
                Err(e) => panic!("clicking `{css}`: {e}"),
            }
        })
        .await
    }

    /// Runs JavaScript in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.browser.execute(script, vec![]).await.unwrap()
    }

    /// The JSON stored under `key` in the page's sessionStorage.
    pub async fn session_storage(&self, key: &str) -> Option<Value> {
        let raw = self
            .js(&format!("return sessionStorage.getItem({key:?});"))
            .await;
        raw.as_str().map(|s| serde_json::from_str(s).unwrap())
    }

    /// The session's stored tokens.
    pub async fn tokens(&self) -> Option<Value> {
        self.session_storage("ilert-pkce.tokens").await
    }

    /// The current access token, from sessionStorage.
    pub async fn access_token(&self) -> String {
        self.tokens().await.expect("signed in")["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The current refresh token, from sessionStorage.
    pub async fn refresh_token(&self) -> String {
        self.tokens().await.expect("signed in")["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_string()
    }

    pub async fn url(&self) -> String {
        self.browser.current_url().await.unwrap().to_string()
    }

    /// Home → Connect → waits for the simulator's consent page.
    pub async fn connect(&self) {
        self.open("/").await;
        self.click("[data-testid=connect]").await;
        self.wait("#grant").await;
    }

    /// Connect → the simulator's consent page → pick `user` → Grant.
    pub async fn sign_in_as(&self, user: &str) {
        self.connect().await;
        self.js(&format!(
            "document.getElementById('user').value = {user:?};"
        ))
        .await;
        self.click("#grant").await;
    }

    /// Signs in as ada and waits for the profile.
    pub async fn sign_in(&self) {
        self.sign_in_as("ada").await;
        self.wait_text("[data-testid=profile-username]", "ada")
            .await;
    }

    /// GETs a JSON path of the server under test (`/_sim/stats`, `/_test/requests`, …).
    pub async fn sim_get(&self, path: &str) -> Value {
        let (status, body) = self.sim_request("GET", path, None).await;
        assert!((200..300).contains(&status), "GET {path}: {status} {body}");
        body
    }

    /// POSTs to one of the simulator's test hooks (`/_sim/reset`, …) and returns its JSON.
    pub async fn sim_hook(&self, path: &str) -> Value {
        let (status, body) = self.sim_request("POST", path, None).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {body}");
        body
    }

    /// One request to the simulator (`path` under `sim`), with a body of
    /// `(content type, text)`: from this process to ilert-sim, or with `fetch` from the
    /// app's page to the built-in one. Gives the status and the body as JSON (Null when it
    /// is not JSON). A state-changing test hook (not GET under `/_sim/`) gets what it
    /// wants: the header [`SIM_HOOK_HEADER`] and, when no body is given, JSON `{}`.
    pub async fn sim_request(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.sim);
        let hook = path.starts_with("/_sim/") && !matches!(method, "GET" | "HEAD");
        let headers: &[(&str, &str)] = if hook { &[(SIM_HOOK_HEADER, "1")] } else { &[] };
        let body = match body {
            None if hook => Some(("application/json", "{}".to_string())),
            body => body,
        };
        if self.in_browser_sim {
            let answer = self.page_fetch_with(method, &url, headers, body).await;
            let status = answer["status"].as_u64().unwrap_or(0) as u16;
            let body = serde_json::from_str(answer["text"].as_str().unwrap_or_default())
                .unwrap_or(Value::Null);
            return (status, body);
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, text)) = body {
            request = request.header("content-type", content_type).body(text);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `fetch(url)` from the page the browser shows (an app page, which the built-in
    /// simulator's worker controls): `{status, url, text}` with the URL after redirects.
    pub async fn page_fetch(&self, method: &str, url: &str, body: Option<(&str, String)>) -> Value {
        self.page_fetch_with(method, url, &[], body).await
    }

    /// [`Harness::page_fetch`] with more request headers.
    pub async fn page_fetch_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, String)>,
    ) -> Value {
        let (content_type, text) = body.map_or((Value::Null, Value::Null), |(c, t)| {
            (Value::from(c), Value::from(t))
        });
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(n, v)| (n.to_string(), Value::from(*v)))
            .collect();
        let script = "const [method, url, type, body, headers, done] = arguments;
            const init = { method, cache: 'no-store', headers };
            if (type !== null) { init.headers['content-type'] = type; init.body = body; }
            fetch(url, init).then(
              async (r) => done({ status: r.status, url: r.url, text: await r.text() }),
              (e) => done({ error: String(e) }));";
        let args = vec![
            Value::from(method),
            Value::from(url),
            content_type,
            text,
            Value::Object(headers),
        ];
        let answer = tokio::time::timeout(WAIT, self.browser.execute_async(script, args))
            .await
            .unwrap_or_else(|_| panic!("fetch {method} {url} did not finish within {WAIT:?}"))
            .unwrap();
        assert!(
            answer.get("error").is_none(),
            "fetch {method} {url} from {}: {answer}",
            self.url().await
        );
        answer
    }

    /// The simulator's request counters.
    pub async fn sim_stats(&self) -> Value {
        self.sim_get("/_sim/stats").await
    }

    /// The simulator's log of token-endpoint requests.
    pub async fn sim_requests(&self) -> Value {
        self.sim_get("/_sim/requests").await
    }

    /// POSTs a form straight to the simulator (as an attacker or a second client would).
    pub async fn sim_post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let text = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.sim_request(
            "POST",
            path,
            Some(("application/x-www-form-urlencoded", text)),
        )
        .await
    }

    /// Gets a real authorization code for `client_id` straight from the simulator, outside the
    /// browser, as an attacker who injects a code into someone else's callback would.
    pub async fn code_from_sim(&self, state: &str, challenge: &str) -> String {
        if self.in_browser_sim {
            return self.code_from_built_in_sim(state, challenge).await;
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let authorize = format!("{}/api/developers/oauth2/authorize", self.sim);
        let page = http
            .get(format!(
                "{authorize}?{}",
                self.authorize_query(state, challenge)
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer = http
            .post(authorize)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(grant_form(&page))
            .send()
            .await
            .unwrap();
        code_in(answer.headers()["location"].to_str().unwrap())
    }

    /// [`Harness::code_from_sim`] from the built-in simulator: the consent page and the
    /// grant with `fetch` from the app's page (the worker answers only the browser), the
    /// code read from the URL the grant's redirect ends at.
    async fn code_from_built_in_sim(&self, state: &str, challenge: &str) -> String {
        let authorize = format!("{}/api/developers/oauth2/authorize", self.sim);
        let query = self.authorize_query(state, challenge);
        let page = self
            .page_fetch("GET", &format!("{authorize}?{query}"), None)
            .await;
        let form = grant_form(page["text"].as_str().unwrap_or_default());
        let granted = self
            .page_fetch(
                "POST",
                &authorize,
                Some(("application/x-www-form-urlencoded", form)),
            )
            .await;
        code_in(granted["url"].as_str().unwrap())
    }

    /// The authorize query of the test client for `state` and `challenge`.
    fn authorize_query(&self, state: &str, challenge: &str) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("client_id", CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", &format!("{}/webapp", self.app)),
                ("scope", "profile offline_access"),
                ("state", state),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .finish()
    }

    /// How long the app took from the callback page's start to the profile on screen, in
    /// ms, as the profile card records it (waiting for it).
    pub async fn callback_to_profile_ms(&self) -> String {
        self.until("the callback→profile timing", || async {
            self.js("const e = document.querySelector('[data-callback-to-profile-ms]'); return e && e.dataset.callbackToProfileMs;")
                .await
                .as_str()
                .map(str::to_string)
        })
        .await
    }

    /// The value of a field of the timeline's entries of `step` (e.g. Callback / state).
    pub async fn timeline_field(&self, step: &str, name: &str) -> Option<String> {
        let entries = self.session_storage("ilert-pkce.timeline").await?;
        entries
            .as_array()?
            .iter()
            .filter(|e| e["step"] == step)
            .find_map(|e| {
                e["fields"]
                    .as_array()?
                    .iter()
                    .find(|f| f["name"] == name)
                    .and_then(|f| f["value"].as_str().map(str::to_string))
            })
    }

    /// Runs axe-core (node_modules/axe-core, from package.json) on the page and returns the
    /// violations of serious or critical impact, one line each.
    pub async fn axe_serious(&self) -> Vec<String> {
        let axe =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask setup`)", axe.display()));
        self.js(&format!("{source}\n;return true;")).await;
        let found = self
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)));",
                vec![],
            )
            .await
            .unwrap();
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// Whether the page scrolls sideways (it should not, at any width from 360 px).
    pub async fn overflows_horizontally(&self) -> Option<String> {
        let wide = self
            .js("if (document.documentElement.scrollWidth <= window.innerWidth + 1) return null;
                 const w = document.documentElement.clientWidth;
                 return `page ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window: ` +
                   [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
                   .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');")
            .await;
        wide.as_str().map(str::to_string)
    }

    /// Saves a PNG of the page.
    pub async fn screenshot(&self, path: &str) {
        let png = self.browser.screenshot().await.unwrap();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, png).unwrap();
    }

    /// Resizes the window (CSS pixels).
    pub async fn resize(&self, width: u32, height: u32) {
        self.browser.set_window_size(width, height).await.unwrap();
    }

    /// The browser's profile folder (its `--user-data-dir`, unique to this harness).
    pub fn profile(&self) -> &std::path::Path {
        self.profile.path()
    }

    /// Closes the browser (its WebDriver session); dropping the harness then ends the driver
    /// and whatever of the browser is left. A test that fails before this ends them all the
    /// same, when its harness is dropped (see [`Driver`]).
    pub async fn stop(self) {
        let _ = self.browser.clone().close().await;
    }
}

/// The form that grants ada the request of a consent page (its `request_id`).
pub fn grant_form(consent_page: &str) -> String {
    let request_id = consent_page
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("a consent form: {consent_page}"));
    format!("request_id={request_id}&user=ada&decision=grant")
}

/// The `code` of a callback URL.
pub fn code_in(callback: &str) -> String {
    let url = url::Url::parse(callback).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {callback}"))
        .1
        .into_owned()
}

/// Adds a line to target/e2e-metrics.txt, which `cargo xtask test` prints after the suite
/// (and removes before it): a number measured by a test is a result of the run, not a log line.
pub fn metric(line: &str) {
    use std::io::Write;
    // target/ of the workspace, which a CARGO_TARGET_DIR elsewhere leaves uncreated.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target");
    std::fs::create_dir_all(dir).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(format!("{dir}/e2e-metrics.txt"))
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

/// A listener for the app's server and the app's origin on it (`http://localhost:<port>`,
/// the host the redirect URI names).
pub(crate) async fn app_listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, format!("http://localhost:{port}"))
}

/// The simulator of a test: quiet, on a free port, with the app at `app` as its one client.
fn sim_config(app: &str) -> SimConfig {
    SimConfig {
        clients: vec![ilert_sim::Client::new(CLIENT_ID, &format!("{app}/webapp"), 250).unwrap()],
        ..SimConfig::default()
    }
}

/// The config.json the app gets in a test: `app`'s callback, `sim` as iLert.
pub fn app_config(app: &str, sim: &str) -> Value {
    json!({
        "client_id": CLIENT_ID,
        "authorize_url": format!("{sim}/api/developers/oauth2/authorize"),
        "tenant": null,
        "api_base": sim,
        "redirect_uri": format!("{app}/webapp"),
        "scopes": ["profile", "offline_access"],
    })
}

/// Marks an entry of the refused list as one to alter rather than refuse ([`Harness::tamper`]).
const TAMPER: &str = "tamper:";

/// A path on the app's own server that answers every request like a broken gateway: HTTP 502
/// with an HTML page. Point `api_base` here to test non-JSON answers.
pub const BROKEN_API: &str = "/broken-gateway";

/// Serves the release build like a CDN with an SPA fallback, and this test's config.json
/// (`None`: the build's own). Returns the delay before `/config.json` is answered, for tests
/// to set (0 at first), and the log of the paths asked for with the list of those refused
/// ([`Harness::refuse`]).
pub(crate) fn serve_app(
    listener: tokio::net::TcpListener,
    dist: PathBuf,
    config: Option<String>,
) -> (Arc<AtomicU64>, (Served, Served)) {
    let delay = Arc::new(AtomicU64::new(0));
    let config_delay = delay.clone();
    let served = Served::default();
    let log = served.clone();
    let refused = Served::default();
    let refusing = refused.clone();
    // None: the build's own, read at each request, so a test may change it as it runs.
    let config_file = dist.join("config.json");
    let files = ServeDir::new(&dist).fallback(ServeFile::new(dist.join("index.html")));
    let gateway = || async {
        (
            axum::http::StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
    };
    let router = Router::new()
        .route(
            "/config.json",
            get(move || async move {
                let ms = config_delay.load(Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let text = config.unwrap_or_else(|| {
                    std::fs::read_to_string(&config_file).expect("the build's config.json")
                });
                ([("content-type", "application/json")], text)
            }),
        )
        .route(
            &format!("{BROKEN_API}/{{*rest}}"),
            axum::routing::any(gateway),
        )
        .route(
            NO_IDLE_SCRIPT,
            get(|| async { ([("content-type", "text/javascript")], NO_IDLE_TIME) }),
        )
        .fallback_service(files)
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let uri = request.uri();
                let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
                log.lock().unwrap().push(path.to_string());
                let (refuse, tamper, no_idle) = {
                    let list = refusing.lock().unwrap();
                    let hit = |tampered: bool| {
                        list.iter().any(|n| match n.strip_prefix(TAMPER) {
                            Some(n) => tampered && path.contains(n),
                            None => !tampered && path.contains(n.as_str()),
                        })
                    };
                    (
                        hit(false),
                        hit(true),
                        list.iter().any(|n| n == NO_IDLE_MARK),
                    )
                };
                let answer = next.run(request);
                async move {
                    use axum::response::IntoResponse;
                    if refuse {
                        return (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            "refused by the test",
                        )
                            .into_response();
                    }
                    let answer = answer.await;
                    let html = answer
                        .headers()
                        .get(axum::http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("text/html"));
                    if no_idle && html {
                        // The no-idle script first: a classic script runs before the app's
                        // module scripts, which wait for the parser.
                        return altered(answer, |bytes| {
                            let page = String::from_utf8_lossy(&bytes);
                            let tag = format!("<script src={NO_IDLE_SCRIPT}></script>");
                            match page.find("<script") {
                                Some(at) => format!("{}{tag}{}", &page[..at], &page[at..]),
                                None => format!("{page}{tag}"),
                            }
                            .into_bytes()
                        })
                        .await;
                    }
                    if !tamper {
                        return answer;
                    }
                    // A wasm module with a custom section added (id 0, 5 bytes, named
                    // "test"): still a valid module, so only its integrity can tell.
                    altered(answer, |mut bytes| {
                        bytes.extend_from_slice(&[0, 5, 4, b't', b'e', b's', b't']);
                        bytes
                    })
                    .await
                }
            },
        ));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (delay, (served, refused))
}

/// `answer` with its body changed by `change`, as a proxy that alters files would send it.
/// Not kept: the file's validators go (they would revalidate the altered copy as the file),
/// and the next load gets the file as built (a test that stops altering sees it at once).
async fn altered(
    answer: axum::response::Response,
    change: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    let (mut parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the file's bytes")
        .to_vec();
    for name in [header::CONTENT_LENGTH, header::ETAG, header::LAST_MODIFIED] {
        parts.headers.remove(name);
    }
    parts.headers.insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    axum::response::Response::from_parts(parts, axum::body::Body::from(change(bytes)))
}

/// The browser engine the tests drive: `ILERT_PKCE_ENGINE` = `chromium` (the default),
/// `firefox` (Firefox ESR through geckodriver) or `webkit` (WebKitGTK's MiniBrowser through
/// WebKitWebDriver, which needs an X display: `xvfb-run`, as `cargo xtask test` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

impl Engine {
    /// The engine `ILERT_PKCE_ENGINE` names; an unknown name stops the test.
    pub fn current() -> Engine {
        match std::env::var("ILERT_PKCE_ENGINE").as_deref() {
            Err(_) | Ok("") | Ok("chromium") => Engine::Chromium,
            Ok("firefox") => Engine::Firefox,
            Ok("webkit") => Engine::WebKit,
            Ok(other) => panic!("ILERT_PKCE_ENGINE={other}: chromium, firefox or webkit"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// Chromium's DevTools protocol (through chromedriver's `goog/cdp/execute`): what a test
    /// that needs it gives as its reason to skip elsewhere, None where it is there.
    pub fn lacks_devtools(self) -> Option<String> {
        (self != Engine::Chromium).then(|| {
            format!(
                "needs Chromium's DevTools protocol, which {}'s WebDriver does not offer",
                self.name()
            )
        })
    }
}

/// A test that cannot run in the current engine says why, in one line, on stderr and in
/// target/e2e-skipped.txt, which `cargo xtask test` counts and prints (and removes before
/// the suite). Call it and return: the test then passes without having run, so the line is
/// what tells it apart.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let line = format!("{}: {test}: {reason}", Engine::current().name());
    eprintln!("SKIPPED {line}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target");
    std::fs::create_dir_all(dir).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(format!("{dir}/e2e-skipped.txt"))
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

/// A WebDriver server and a browser session through it, in the engine of
/// [`Engine::current`], with `profile` as the browser's profile (Chromium, Firefox); a
/// session that cannot start (a busy machine, tests running side by side) gets a fresh
/// driver, up to three times.
pub async fn start_browser(profile: &std::path::Path) -> (Driver, Client) {
    const ATTEMPTS: u32 = 3;
    let engine = Engine::current();
    for attempt in 1..=ATTEMPTS {
        let (driver, driver_url) = match start_driver(engine, profile) {
            Ok(started) => started,
            Err(e) if attempt < ATTEMPTS => {
                eprintln!("{e}; trying a fresh driver");
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        match connect_browser(engine, &driver_url, profile).await {
            Ok(browser) => return (driver, browser),
            // Dropping the driver ends it and any browser it started.
            Err(e) if attempt < ATTEMPTS => {
                eprintln!(
                    "no {} session through {driver_url} ({e}); trying a fresh driver",
                    engine.name()
                );
            }
            Err(e) => panic!("cannot start {} through its driver: {e}", engine.name()),
        }
    }
    unreachable!("the last attempt panics or returns")
}

/// Where Debian puts the browsers and drivers (`cargo xtask setup` installs them).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";

/// geckodriver: `GECKODRIVER`, else the one `cargo install` put in cargo's bin folder.
pub fn geckodriver() -> String {
    std::env::var("GECKODRIVER").unwrap_or_else(|_| {
        let home = std::env::var("CARGO_HOME")
            .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
        format!("{home}/bin/geckodriver")
    })
}

fn start_driver(engine: Engine, profile: &std::path::Path) -> Result<(Driver, String), String> {
    match engine {
        Engine::Chromium => {
            let binary =
                std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
            Driver::start(&binary, profile)
        }
        Engine::Firefox => {
            let binary = geckodriver();
            assert!(
                std::path::Path::new(&binary).exists(),
                "no {binary}: run `cargo xtask setup`"
            );
            // Its own Marionette port too (0: the browser picks one), so drivers side by
            // side never share one.
            Driver::start_on_free_port(
                &binary,
                &["--marionette-port".into(), "0".into()],
                |p| format!("--port={p}"),
                profile,
            )
        }
        Engine::WebKit => {
            assert!(
                std::path::Path::new(WEBKIT_DRIVER).exists(),
                "no {WEBKIT_DRIVER}: run `cargo xtask setup`"
            );
            // MiniBrowser has no headless mode: an X display it is, Xvfb's (one of its own
            // when none is set, in the driver's process group).
            let (program, args): (&str, Vec<String>) = if std::env::var_os("DISPLAY").is_some() {
                (WEBKIT_DRIVER, vec![])
            } else {
                ("xvfb-run", vec!["-a".into(), WEBKIT_DRIVER.into()])
            };
            Driver::start_on_free_port(program, &args, |p| format!("--port={p}"), profile)
        }
    }
}

async fn connect_browser(
    engine: Engine,
    driver: &str,
    profile: &std::path::Path,
) -> Result<Client, String> {
    let mut caps = serde_json::Map::new();
    match engine {
        Engine::Chromium => {
            caps.insert(
                "goog:chromeOptions".into(),
                json!({
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--window-size=1280,1000",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                }),
            );
        }
        Engine::Firefox => {
            caps.insert("browserName".into(), json!("firefox"));
            caps.insert(
                "moz:firefoxOptions".into(),
                json!({
                    "binary": FIREFOX,
                    "args": ["-headless", "--width=1280", "--height=1000",
                             "-profile", profile.display().to_string()],
                    "prefs": {
                        // No updates, telemetry or first-run pages during a test.
                        "app.update.enabled": false,
                        "browser.shell.checkDefaultBrowser": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        // A JSON file as plain text of its origin (tests/locks.rs takes the
                        // app's lock on /config.json), not in the JSON viewer, whose page is
                        // not the origin's.
                        "devtools.jsonview.enabled": false,
                    },
                }),
            );
        }
        Engine::WebKit => {
            caps.insert(
                "webkitgtk:browserOptions".into(),
                // A script may open a window (the duplicated tab of tests/tabs.rs), as
                // chromedriver and geckodriver allow: MiniBrowser blocks it by default.
                json!({ "binary": MINIBROWSER, "args": [
                    "--automation", "--javascript-can-open-windows-automatically=true",
                ] }),
            );
        }
    }
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(driver)
        .await
        .map_err(|e| e.to_string())?;
    if engine != Engine::Chromium {
        // The window Chromium gets from --window-size (layout tests measure against it).
        let _ = client.set_window_size(1280, 1000).await;
    }
    Ok(client)
}

/// A directory removed on drop (a fresh Chromium profile per test).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let unique = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server on another origin (127.0.0.1, while the app is on localhost) that counts every
/// request reaching it and answers each, CORS allowed, with a token answer: where a hostile
/// tab message, stored endpoint or redirect would send the app's tokens.
pub async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            (
                [
                    ("content-type", "application/json"),
                    ("access-control-allow-origin", "*"),
                ],
                r#"{"access_token":"stolen","token_type":"Bearer","expires_in":3600}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, hits)
}
