//! Issue 17, item 1: another website cannot turn the simulator's test hooks against a
//! sign-in, in either home of the simulator (the native ilert-sim, cross-origin; the
//! built-in one, a Service Worker on the app's own origin, from `dist-release/` as built).
//!
//! A second small server on another origin serves the attacker's pages. Against every
//! state-changing hook they try what a website can: an HTML form POST (`enctype=text/plain`
//! with a body that reads as JSON, and urlencoded), `fetch` (`no-cors`, and `cors` with the
//! hook header), and a top-level navigation. Afterwards, seen from the app's side, nothing
//! changed: no fault rule installed or cleared, counters not reset, tokens not revoked, no
//! client registered, and the authorize page is still the real consent page.
use std::sync::{Arc, Mutex};

use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use e2e::{Harness, CLIENT_ID, SIM_HOOK_HEADER};
use serde_json::{json, Value};

const TOKEN_PATH: &str = "/api/developers/oauth2/token";
const AUTHORIZE_PATH: &str = "/api/developers/oauth2/authorize";
/// The page the attacker's `respond` rule would serve for the authorize URL.
const PWNED: &str = "pwned-by-another-site";

/// The attacker's web server: serves whatever page the test gives it, at `/`.
struct Attacker {
    origin: String,
    page: Arc<Mutex<String>>,
    visits: Mutex<u64>,
}

impl Attacker {
    /// A server on 127.0.0.1, reached as `http://<host>:<port>` (pick the host the target
    /// does not use, so that the attacker is another site, not only another origin).
    async fn start(host: &str) -> Attacker {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let page = Arc::new(Mutex::new(String::new()));
        let shown = page.clone();
        let app = Router::new().route(
            "/",
            get(move || {
                let html = shown.lock().unwrap().clone();
                async move { ([("cache-control", "no-store")], Html(html)).into_response() }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Attacker {
            origin: format!("http://{host}:{port}"),
            page,
            visits: Mutex::new(0),
        }
    }

    /// Shows `html` as the attacker's page in the browser's one tab (top level).
    async fn visit(&self, h: &Harness, html: String) {
        *self.page.lock().unwrap() = html;
        let n = {
            let mut v = self.visits.lock().unwrap();
            *v += 1;
            *v
        };
        h.browser
            .goto(&format!("{}/?visit={n}", self.origin))
            .await
            .unwrap();
    }

    /// A page whose form posts `fields` to `action` as soon as it loads; waits until the
    /// browser has navigated there (the answer is whatever the target gives a form).
    async fn form_post(&self, h: &Harness, action: &str, enctype: &str, fields: &[(&str, &str)]) {
        let inputs: String = fields
            .iter()
            .map(|(n, v)| {
                format!(
                    "<input type=hidden name=\"{}\" value=\"{}\">",
                    attr(n),
                    attr(v)
                )
            })
            .collect();
        let html = format!(
            "<!doctype html><title>win a prize</title>
             <form method=POST action=\"{}\" enctype=\"{enctype}\">{inputs}</form>
             <script>document.forms[0].submit();</script>",
            attr(action)
        );
        self.visit(h, html).await;
        self.until_at(h, action).await;
    }

    /// A page that navigates the top window to `target`; waits until it is there.
    async fn navigate(&self, h: &Harness, target: &str) {
        let html = format!(
            "<!doctype html><script>location.href = {};</script>",
            json!(target).to_string().replace("</", "<\\/")
        );
        self.visit(h, html).await;
        self.until_at(h, target).await;
    }

    /// A page that sends every `(method, url, body)` with `fetch`, `no-cors` (text/plain, as
    /// a simple request may) and `cors` (JSON and the hook header, which needs a preflight);
    /// gives how each ended (`fulfilled` / `rejected`).
    async fn fetches(&self, h: &Harness, calls: &[(&str, String, String)]) -> Vec<String> {
        // `</` written as `<\/` in the script: the hostile rule's body holds `</script>`.
        let calls = json!(calls).to_string().replace("</", "<\\/");
        let html = format!(
            "<!doctype html><title>loading</title><script>
             const calls = {calls};
             const tries = [];
             for (const [method, url, body] of calls) {{
               const withBody = method !== 'GET' && method !== 'HEAD';
               tries.push(fetch(url, {{ method, mode: 'no-cors', credentials: 'include',
                 headers: {{ 'content-type': 'text/plain' }}, body: withBody ? body : undefined }}));
               tries.push(fetch(url, {{ method, mode: 'cors', credentials: 'include',
                 headers: {{ 'content-type': 'application/json', '{SIM_HOOK_HEADER}': '1' }},
                 body: withBody ? body : undefined }}));
             }}
             Promise.allSettled(tries).then((r) => {{
               document.title = 'done ' + JSON.stringify(r.map((x) => x.status));
             }});
             </script>"
        );
        self.visit(h, html).await;
        let title = h
            .until("the attacker's fetches to end", || async {
                let t = h.browser.title().await.ok()?;
                t.strip_prefix("done ").map(str::to_string)
            })
            .await;
        serde_json::from_str(&title).unwrap()
    }

    async fn until_at(&self, h: &Harness, target: &str) {
        h.until(&format!("the browser to reach {target}"), || async {
            let url = h.browser.current_url().await.ok()?;
            url.as_str().starts_with(target).then_some(())
        })
        .await;
    }
}

/// Text for an HTML attribute value in double quotes.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The rule another site would like to install: its own page, with script, served for the
/// authorize URL on the simulator's origin (the app's own, for the built-in one).
fn hostile_rule() -> Value {
    json!({"endpoint": "authorize", "forever": true, "action": {"respond": {
        "status": 200, "content_type": "text/html",
        "body": format!("<h1 id=grant>{PWNED}</h1><script>document.title='{PWNED}'</script>")}}})
}

/// The body each state-changing hook would act on.
fn body_for(path: &str) -> String {
    match path {
        "/_sim/faults" => hostile_rule().to_string(),
        "/_sim/clients" => {
            json!({"id": "attacker", "redirect_uri": "https://attacker.example/cb?a=b"}).to_string()
        }
        _ => "{}".to_string(),
    }
}

const HOOKS: &[(&str, &str)] = &[
    ("POST", "/_sim/reset"),
    ("POST", "/_sim/revoke_refresh_tokens"),
    ("POST", "/_sim/revoke_access_tokens"),
    ("POST", "/_sim/faults"),
    ("DELETE", "/_sim/faults"),
    ("POST", "/_sim/clients"),
];

/// What the attacker must not change, as the app's side sees it.
#[derive(Debug, PartialEq)]
struct State {
    stats: Value,
    faults: Value,
    clients: Value,
}

async fn state(h: &Harness) -> State {
    State {
        stats: h.sim_stats().await,
        faults: h.sim_get("/_sim/faults").await,
        clients: h.sim_get("/_sim/clients").await,
    }
}

/// A page of the app's origin where the app does not run (so it makes no request of its
/// own) and from which the harness can `fetch` (the built-in simulator's worker controls it).
async fn quiet_app_page(h: &Harness) {
    h.open("/config.json").await;
}

fn authorize_url(h: &Harness) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", &format!("{}/webapp", h.app)),
            ("scope", "profile offline_access"),
            ("state", "s"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    format!("{}{AUTHORIZE_PATH}?{query}", h.sim)
}

/// The whole attack against the simulator of `h`, from an attacker at `attacker_host`;
/// `refused` is a word the answer to the text/plain form shows (the simulator's refusal).
async fn every_attack_changes_nothing(h: Harness, attacker_host: &str, refused: &str) {
    // A signed-in session, a rule of the tests' own, counters that are not zero.
    h.sign_in().await;
    let access = h.access_token().await;
    let refresh = h.refresh_token().await;
    let own_rule = json!({"endpoint": "token_info", "forever": true, "action": {"pass": true}});
    h.fault(own_rule).await;
    quiet_app_page(&h).await;
    let before = state(&h).await;
    assert_eq!(before.stats["authorization_code_grants"], 1, "{before:?}");
    assert_eq!(before.faults.as_array().map(Vec::len), Some(1));

    let attacker = Attacker::start(attacker_host).await;
    for (method, path) in HOOKS {
        let target = format!("{}{path}", h.sim);
        let body = body_for(path);
        if *method == "POST" {
            // text/plain: the browser sends `name=value` (and a line break): split at an `=`
            // inside a JSON string, the body arrives whole.
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => (r#"{"x":""#.to_string(), r#""}"#.to_string()),
            };
            attacker
                .form_post(&h, &target, "text/plain", &[(&name, &value)])
                .await;
            let shown = h.js("return document.body.innerText;").await;
            assert!(
                shown.as_str().unwrap_or_default().contains(refused),
                "{method} {path} as a text/plain form: {shown}"
            );
            attacker
                .form_post(
                    &h,
                    &target,
                    "application/x-www-form-urlencoded",
                    &[("json", &body)],
                )
                .await;
        }
        attacker.navigate(&h, &target).await;
    }
    let calls: Vec<(&str, String, String)> = HOOKS
        .iter()
        .map(|(m, p)| (*m, format!("{}{p}", h.sim), body_for(p)))
        .collect();
    let ended = attacker.fetches(&h, &calls).await;
    // Every cors try fails at its preflight (no hook answers CORS), so its request never
    // goes; the no-cors ones are sent and refused (DELETE cannot be no-cors at all).
    for (i, (method, path)) in HOOKS.iter().enumerate() {
        assert_eq!(ended[2 * i + 1], "rejected", "cors {method} {path}");
    }

    // Seen from the app's side: nothing changed.
    quiet_app_page(&h).await;
    let after = state(&h).await;
    assert_eq!(after, before);
    // The tokens still work: the access token at the API, the refresh token at the token
    // endpoint (revoke_* would have killed them).
    let me = h
        .page_fetch_with(
            "GET",
            &format!("{}/api/users/current", h.sim),
            &[("authorization", &format!("Bearer {access}"))],
            None,
        )
        .await;
    assert_eq!(me["status"], 200, "{me}");
    let (status, body) = h
        .sim_post(
            TOKEN_PATH,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The authorize URL, opened as a person would, is still the real consent page.
    h.browser.goto(&authorize_url(&h)).await.unwrap();
    h.wait("#grant").await;
    let source = h.browser.source().await.unwrap();
    assert!(!source.contains(PWNED), "{source}");
    assert!(source.contains("name=\"request_id\""), "{source}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_site_cannot_use_the_hooks_of_ilert_sim() {
    // The simulator is on 127.0.0.1, the app on localhost: the attacker on localhost too,
    // another site than the simulator's.
    let h = Harness::start().await;
    every_attack_changes_nothing(h, "localhost", "application/json").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_site_cannot_use_the_hooks_of_the_built_in_simulator() {
    // The app and its worker are on localhost: the attacker on 127.0.0.1.
    let h = Harness::built_in().await;
    every_attack_changes_nothing(h, "127.0.0.1", "fetch only").await;
}

/// The worker answers no navigation to a hook, not even a plain link to a reading one: the
/// hooks are for the app's `fetch` (and the consent page under `/api/` still is a page).
#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_simulator_answers_no_navigation_to_its_hooks() {
    let h = Harness::built_in().await;
    h.sign_in().await;
    for path in ["/_sim/stats", "/_sim/faults", "/_sim/requests"] {
        h.browser.goto(&format!("{}{path}", h.sim)).await.unwrap();
        let shown = h.js("return document.body.innerText;").await;
        let shown = shown.as_str().unwrap_or_default();
        assert!(
            shown.contains("answer the app's fetch only") && !shown.contains('{'),
            "{path}: {shown}"
        );
    }
    // The same hooks answer the app's fetch.
    quiet_app_page(&h).await;
    assert_eq!(h.sim_stats().await["authorization_code_grants"], 1);
    // And a navigation to the consent page is answered.
    h.browser.goto(&authorize_url(&h)).await.unwrap();
    h.wait("#grant").await;
    h.stop().await;
}
