//! Shared helpers: start a simulator on a free port and walk the browser's part of the flow
//! over real HTTP.
#![allow(dead_code)]

use ilert_sim::SimConfig;
use reqwest::{header, redirect, Response, StatusCode, Url};
use serde_json::Value;
use std::collections::HashMap;

pub const CLIENT: &str = "ilert-pkce-demo";
pub const REDIRECT: &str = "http://localhost:4597/webapp";
pub const ORIGIN: &str = "http://localhost:4597";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const TOKEN: &str = "/api/developers/oauth2/token";
pub const AUTHORIZE: &str = "/api/developers/oauth2/authorize";

/// Starts the `ilert-sim` binary with `args` (which should include `--port 0`) and reads
/// its first line: gives the process (stderr piped, for its log) and its base URL.
pub fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ilert-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("ilert-sim listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    (child, base)
}

pub fn config() -> SimConfig {
    SimConfig::default()
}

pub struct Sim {
    pub base: String,
    pub http: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
}

pub async fn start(config: SimConfig) -> Sim {
    let (addr, server) = ilert_sim::spawn(config).await;
    let http = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    Sim {
        base: format!("http://{addr}"),
        http,
        _server: server,
    }
}

/// The standard authorize query for the default client.
pub fn authorize_query<'a>(scope: &'a str, state: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", CLIENT),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", state),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

/// The query parameters of a redirect's Location, which must start with `prefix`.
pub fn location(resp: &Response, prefix: &str) -> HashMap<String, String> {
    let loc = resp
        .headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap();
    assert!(
        loc.starts_with(&format!("{prefix}?")),
        "{loc} does not go to {prefix}"
    );
    Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The hidden request id of a consent page.
pub fn request_id(html: &str) -> String {
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).expect("consent form has a request_id") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get_json(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A request to a state-changing test hook as the tests send it: JSON (`{}` when there
    /// is nothing to say) and `X-Ilert-Sim-Hook: 1`.
    pub async fn hook(&self, method: reqwest::Method, path: &str, body: &Value) -> Response {
        self.http
            .request(method, self.url(path))
            .header("x-ilert-sim-hook", "1")
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn authorize(&self, query: &[(&str, &str)]) -> Response {
        self.http
            .get(self.url(AUTHORIZE))
            .query(query)
            .send()
            .await
            .unwrap()
    }

    /// Opens the consent page for `query` and gives its request id.
    pub async fn consent(&self, query: &[(&str, &str)]) -> String {
        let resp = self.authorize(query).await;
        assert_eq!(resp.status(), StatusCode::OK);
        request_id(&resp.text().await.unwrap())
    }

    pub async fn decide(&self, request_id: &str, decision: &str, user: &str) -> Response {
        let form = [
            ("request_id", request_id),
            ("user", user),
            ("decision", decision),
        ];
        self.http
            .post(self.url(AUTHORIZE))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Authorize + grant as `user`: the code the browser would bring back.
    pub async fn code_for(&self, scope: &str, user: &str) -> String {
        let id = self.consent(&authorize_query(scope, "st-1")).await;
        let resp = self.decide(&id, "grant", user).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let q = location(&resp, REDIRECT);
        assert_eq!(q["state"], "st-1");
        q["code"].clone()
    }

    pub async fn code(&self, scope: &str) -> String {
        self.code_for(scope, "ada").await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.post_form(TOKEN, form).await
    }

    /// Exchanges a code as the app does, expecting success.
    pub async fn exchange(&self, code: &str) -> Value {
        let resp = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("code", code),
                ("code_verifier", VERIFIER),
                ("redirect_uri", REDIRECT),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// A full flow to tokens.
    pub async fn tokens(&self, scope: &str) -> Value {
        let code = self.code(scope).await;
        self.exchange(&code).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    pub async fn current_user(&self, authorization: Option<&str>) -> Response {
        let mut req = self
            .http
            .get(self.url("/api/users/current"))
            .header(header::ACCEPT, "application/json");
        if let Some(a) = authorization {
            req = req.header(header::AUTHORIZATION, a);
        }
        req.send().await.unwrap()
    }

    pub async fn token_info(&self, token: &str) -> Value {
        let resp = self
            .post_form("/api/developers/oauth2/token_info", &[("token", token)])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    pub async fn revoke(&self, token: &str) -> StatusCode {
        self.post_form("/api/developers/oauth2/revoke", &[("token", token)])
            .await
            .status()
    }
}

/// Asserts an OAuth error in iLert's shape: exactly `code` and `error`, with the status
/// iLert uses for that code.
pub async fn assert_oauth_error(resp: Response, code: &str) -> String {
    let expected = match code {
        "invalid_grant" | "invalid_client" => 401,
        "server_error" => 500,
        _ => 400,
    };
    assert_eq!(resp.status().as_u16(), expected, "status for {code}");
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = resp.json().await.unwrap();
    let obj = body.as_object().unwrap();
    assert_eq!(obj.len(), 2, "only code and error: {body}");
    assert_eq!(body["code"], code, "{body}");
    let text = body["error"].as_str().unwrap().to_string();
    assert!(!text.is_empty());
    text
}

/// Asserts a REST API error `{"status":…,"message":…,"code":…}` (and `scope`, for a 403
/// `OAUTH2_SCOPE_ERROR` only).
pub async fn assert_api_error(resp: Response, status: u16) -> String {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    let scoped = body["code"] == "OAUTH2_SCOPE_ERROR" && body["scope"].is_string();
    assert_eq!(
        body.as_object().unwrap().len(),
        3 + usize::from(scoped),
        "{body}"
    );
    assert_eq!(body["status"], status);
    assert!(body["code"].is_string());
    body["message"].as_str().unwrap().to_string()
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}
