//! SIMULATOR-ONLY fault injection: rules that make an endpoint misbehave on purpose, so tests
//! can see how an app copes with a failing server.
//!
//! A rule is added with `POST /_sim/faults` (or preset with [`SimConfig::faults`] /
//! `--fault JSON`), listed with `GET /_sim/faults` and all are dropped with
//! `DELETE /_sim/faults`. Its JSON:
//!
//! ```json
//! {"endpoint": "token",             // token | token_info | revoke | user | authorize
//!  "grant_type": "refresh_token",   // optional, token only: authorization_code | refresh_token
//!  "method": "POST",                // optional: GET | POST (authorize answers both)
//!  "count": 1,                      // matching requests it applies to (default 1) ...
//!  "forever": false,                // ... or true (count absent or 0): every one
//!  "delay_ms": 0,                   // optional: wait this long first
//!  "action": {"respond": {"status": 503}}}
//! ```
//!
//! `user` is `GET /api/users/current`; `authorize` is `GET` (the consent page) and `POST`
//! (the consent answer) of `/api/developers/oauth2/authorize`. The actions:
//!
//! - `{"respond": {"status": 503, "body": "…", "content_type": "…", "headers": {"Retry-After": "7"}}}`:
//!   answers this instead of the endpoint, which never sees the request (no code is used up,
//!   no refresh token rotated). `status` 200..=599 is required. `body` may be a string (sent
//!   as is) or any other JSON value (sent as JSON). Without `content_type` a JSON body is
//!   `application/json`, a string body `text/plain; charset=utf-8`. The CORS headers are
//!   added as to any answer, and the names in `headers` are added to
//!   `Access-Control-Expose-Headers`, so that a page's fetch can read them.
//! - `{"hang": true}`: never answers. The request is held until the client gives up, for
//!   at most [`HANG_LIMIT`]; then, or at `DELETE /_sim/faults`, or when the server shuts
//!   down, its connection is closed without an answer. Other requests are served meanwhile.
//! - `{"reset": true}`: closes the connection without any answer (a TCP reset): the client
//!   sees a network error. Needs the server of [`crate::serve`] / [`crate::spawn`] / the
//!   binary; a bare [`crate::app`] served elsewhere answers 500 instead. Note that browsers
//!   may silently resend a request whose reused keep-alive connection failed before any
//!   answer (Chromium does, up to twice): a rule that must reach the page wants
//!   `"count": 3` or `"forever": true`.
//! - `{"tamper": {"set": {"expires_in": 0}, "set_raw": {"n": "1e999"}, "remove": ["refresh_token"], "form_encoded": false}}`:
//!   runs the endpoint, then rewrites its answer if that is a JSON object: `remove` drops
//!   top-level fields, `set` sets or adds fields to any JSON value, `set_raw` to raw text
//!   inserted as it is (numbers beyond 64 bits, broken JSON), and `form_encoded: true` sends
//!   the result as `application/x-www-form-urlencoded` (strings as they are, null as empty,
//!   anything else as its JSON text). Status and other headers stay the endpoint's. An
//!   answer that is not a JSON object (revoke's empty 200) passes unchanged.
//! - `{"pass": true}`: the endpoint answers as usual (with `delay_ms`: a slow answer).
//!
//! Rules are tried in the order they were added; the first one that matches the request and
//! has uses left applies, once, and a rule whose count is used up is removed. CORS
//! preflights never reach the rules (the CORS layer answers them first), nor do methods an
//! endpoint does not answer.
//!
//! Everything stays observable in `GET /_sim/stats`: `received` counts every request that
//! reached an endpoint, faulted or not (the older counters count what the endpoints
//! processed), `received_by_grant` splits `received.token` by grant type, and `faulted`
//! counts the requests a rule applied to. A token, token_info or revoke request that the
//! endpoint never saw (`respond`, `hang`, `reset`) is still in `GET /_sim/requests`, with
//! `"fault": "respond"` (or `hang`, `reset`), the status sent (`null` when none was) and as
//! `error` the `code` of a `respond` body given as a JSON object.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::params::Params;
#[cfg(doc)]
use crate::SimConfig;
use crate::{token, AppState};

/// How long a `hang` holds a request at most.
pub const HANG_LIMIT: Duration = Duration::from_secs(600);

/// Request bodies are read whole here (to match `grant_type` and to log faulted requests),
/// up to axum's own limit for the bodies the endpoints take.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The endpoints a rule can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Token,
    TokenInfo,
    Revoke,
    /// `GET /api/users/current`.
    User,
    /// `GET` and `POST /api/developers/oauth2/authorize`.
    Authorize,
}

impl Endpoint {
    /// The endpoint a request is for, if it is one of those and a method it answers.
    pub fn of(method: &Method, path: &str) -> Option<Endpoint> {
        let endpoint = match path {
            "/api/developers/oauth2/token" => Endpoint::Token,
            "/api/developers/oauth2/token_info" => Endpoint::TokenInfo,
            "/api/developers/oauth2/revoke" => Endpoint::Revoke,
            "/api/users/current" => Endpoint::User,
            "/api/developers/oauth2/authorize" => Endpoint::Authorize,
            _ => return None,
        };
        endpoint.answers(method.as_str()).then_some(endpoint)
    }

    fn answers(self, method: &str) -> bool {
        match self {
            Endpoint::Token | Endpoint::TokenInfo | Endpoint::Revoke => method == "POST",
            Endpoint::User => method == "GET",
            Endpoint::Authorize => method == "GET" || method == "POST",
        }
    }

    /// Its name in rules, in the stats and in `GET /_sim/requests?endpoint=`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::TokenInfo => "token_info",
            Endpoint::Revoke => "revoke",
            Endpoint::User => "user",
            Endpoint::Authorize => "authorize",
        }
    }

    /// The form-posting endpoints, whose requests the request log keeps.
    fn logged(self) -> bool {
        matches!(
            self,
            Endpoint::Token | Endpoint::TokenInfo | Endpoint::Revoke
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
}

impl GrantType {
    /// The grant type of a token request's `grant_type` parameter.
    pub fn from_param(value: &str) -> Option<GrantType> {
        match value {
            "authorization_code" => Some(GrantType::AuthorizationCode),
            "refresh_token" => Some(GrantType::RefreshToken),
            _ => None,
        }
    }
}

/// One fault rule, as `POST /_sim/faults` takes it (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub endpoint: Endpoint,
    /// Token requests of this grant type only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<GrantType>,
    /// `GET` or `POST` only (for `authorize`, which answers both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// How many matching requests it applies to; absent means 1 (or every one with `forever`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub forever: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    pub action: FaultAction,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a rule does to a request it applies to. Each is a one-key JSON object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer this instead of the endpoint.
    Respond(Respond),
    /// Never answer (must be `true`).
    Hang(bool),
    /// Close the connection without an answer (must be `true`).
    Reset(bool),
    /// Let the endpoint answer, then rewrite its JSON.
    Tamper(Tamper),
    /// Let the endpoint answer (must be `true`); with `delay_ms`, late.
    Pass(bool),
}

impl FaultAction {
    pub fn kind(&self) -> &'static str {
        match self {
            FaultAction::Respond(_) => "respond",
            FaultAction::Hang(_) => "hang",
            FaultAction::Reset(_) => "reset",
            FaultAction::Tamper(_) => "tamper",
            FaultAction::Pass(_) => "pass",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Respond {
    pub status: u16,
    /// A string is sent as it is, any other JSON value as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tamper {
    /// Top-level fields to set (or add), to any JSON value.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub set: Map<String, Value>,
    /// Top-level fields to set to raw text, inserted as it is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set_raw: BTreeMap<String, String>,
    /// Top-level fields to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// Send the result as `application/x-www-form-urlencoded`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub form_encoded: bool,
}

impl FaultRule {
    /// Parses and checks a rule given as JSON.
    pub fn from_json(value: Value) -> Result<FaultRule, String> {
        let rule: FaultRule = serde_json::from_value(value).map_err(|e| e.to_string())?;
        rule.check()?;
        Ok(rule)
    }

    /// Why the rule cannot be installed, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let endpoint = self.endpoint.name();
        if self.grant_type.is_some() && self.endpoint != Endpoint::Token {
            return Err(format!(
                "grant_type applies to endpoint token only, not {endpoint}"
            ));
        }
        if let Some(m) = &self.method {
            if !self.endpoint.answers(m) {
                return Err(format!(
                    "endpoint {endpoint} does not answer method {m:?} (GET or POST, in capitals)"
                ));
            }
        }
        match (self.forever, self.count) {
            (true, Some(n)) if n > 0 => {
                return Err("forever: true takes no count (or count 0)".into())
            }
            (false, Some(0)) => {
                return Err("count 0 would never apply; use forever: true for always".into())
            }
            _ => {}
        }
        match &self.action {
            FaultAction::Hang(false) | FaultAction::Reset(false) | FaultAction::Pass(false) => {
                Err(format!(
                    "{{\"{}\": false}} is not an action; use true",
                    self.action.kind()
                ))
            }
            FaultAction::Respond(r) => {
                if !(200..=599).contains(&r.status) {
                    return Err(format!("status {} is not 200..=599", r.status));
                }
                if let Some(ct) = &r.content_type {
                    HeaderValue::from_str(ct)
                        .map_err(|_| format!("content_type {ct:?} is not a header value"))?;
                }
                for (name, value) in &r.headers {
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| format!("{name:?} is not a header name"))?;
                    HeaderValue::from_str(value)
                        .map_err(|_| format!("{value:?} ({name}) is not a header value"))?;
                }
                Ok(())
            }
            FaultAction::Tamper(t) => {
                let named_twice = t
                    .set
                    .keys()
                    .find(|k| t.set_raw.contains_key(*k) || t.remove.contains(k))
                    .or_else(|| t.set_raw.keys().find(|k| t.remove.contains(k)));
                match named_twice {
                    Some(k) => Err(format!(
                        "tamper names field {k:?} more than once (set, set_raw, remove)"
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn matches(&self, endpoint: Endpoint, method: &Method, grant: Option<GrantType>) -> bool {
        self.endpoint == endpoint
            && self.method.as_ref().is_none_or(|m| m == method.as_str())
            && self.grant_type.is_none_or(|g| grant == Some(g))
    }
}

/// An installed rule, as `GET /_sim/faults` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Installed {
    pub id: u64,
    /// The matching requests it still applies to; `null` for a `forever` rule.
    pub remaining: Option<u64>,
    /// How many requests it applied to so far.
    pub applied: u64,
    #[serde(flatten)]
    pub rule: FaultRule,
}

#[derive(Default)]
struct Rules {
    last_id: u64,
    list: Vec<Installed>,
}

/// The installed rules, and the signal that ends every `hang`.
pub struct Faults {
    rules: Mutex<Rules>,
    released: watch::Sender<u64>,
}

impl Faults {
    /// Installs `preset` (from [`SimConfig::faults`]); panics on a rule that does not check.
    pub fn new(preset: &[FaultRule]) -> Faults {
        let faults = Faults {
            rules: Mutex::default(),
            released: watch::Sender::new(0),
        };
        for (i, rule) in preset.iter().enumerate() {
            if let Err(e) = faults.add(rule.clone()) {
                panic!("SimConfig.faults[{i}]: {e}");
            }
        }
        faults
    }

    fn rules(&self) -> MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, rule: FaultRule) -> Result<Installed, String> {
        rule.check()?;
        let mut rules = self.rules();
        rules.last_id += 1;
        let installed = Installed {
            id: rules.last_id,
            remaining: if rule.forever {
                None
            } else {
                Some(rule.count.unwrap_or(1))
            },
            applied: 0,
            rule,
        };
        rules.list.push(installed.clone());
        Ok(installed)
    }

    pub fn list(&self) -> Vec<Installed> {
        self.rules().list.clone()
    }

    /// Drops every rule and ends every `hang`; gives the number of rules dropped.
    pub fn clear(&self) -> usize {
        let mut rules = self.rules();
        let dropped = rules.list.len();
        rules.list.clear();
        self.released.send_modify(|n| *n += 1);
        dropped
    }

    /// Ends every `hang` now (at shutdown).
    pub fn release_hangs(&self) {
        let _rules = self.rules();
        self.released.send_modify(|n| *n += 1);
    }

    /// The first rule that applies to this request, used once; and the signal a `hang` waits
    /// for (taken under the same lock, so no `clear` is missed in between).
    fn take(
        &self,
        endpoint: Endpoint,
        method: &Method,
        grant: Option<GrantType>,
    ) -> Option<(FaultRule, watch::Receiver<u64>)> {
        let mut rules = self.rules();
        let i = rules
            .list
            .iter()
            .position(|r| r.rule.matches(endpoint, method, grant))?;
        let installed = &mut rules.list[i];
        installed.applied += 1;
        let rule = installed.rule.clone();
        if let Some(n) = &mut installed.remaining {
            *n -= 1;
            if *n == 0 {
                rules.list.remove(i);
            }
        }
        Some((rule, self.released.subscribe()))
    }
}

/// Marks an answer a rule produced or changed (read by the stderr request log).
#[derive(Clone, Copy, Debug)]
pub struct Applied(pub &'static str);

/// Header names a `respond` answer wants readable by a page's fetch.
#[derive(Clone, Debug)]
struct Expose(Vec<HeaderName>);

/// The fault layer: counts what arrives at the endpoints and applies the rules. It sits
/// inside the CORS layer, so fault answers carry CORS headers and preflights never get here.
pub async fn middleware(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(endpoint) = Endpoint::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let (request, body) = if endpoint.logged() {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => (Request::from_parts(parts, Body::from(bytes.clone())), bytes),
            Err(e) => {
                let message = format!("Failed to buffer the request body: {e}");
                return (StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
            }
        }
    } else {
        (request, Bytes::new())
    };
    let params = Params::parse(&body);
    let grant = match endpoint {
        Endpoint::Token => params
            .get("grant_type")
            .ok()
            .flatten()
            .and_then(GrantType::from_param),
        _ => None,
    };
    {
        let mut store = app.store();
        *store.stats.received.get_mut(endpoint) += 1;
        if let Some(g) = grant {
            *store.stats.received_by_grant.get_mut(g) += 1;
        }
    }
    let Some((rule, released)) = app.faults.take(endpoint, request.method(), grant) else {
        return next.run(request).await;
    };
    *app.store().stats.faulted.get_mut(endpoint) += 1;
    let kind = rule.action.kind();
    if endpoint.logged() {
        // The endpoint will not see these: log them as it would have.
        let sent = match &rule.action {
            FaultAction::Respond(r) => Some(StatusCode::from_u16(r.status).ok()),
            FaultAction::Hang(_) | FaultAction::Reset(_) => Some(None),
            _ => None,
        };
        if let Some(status) = sent {
            let code = match &rule.action {
                FaultAction::Respond(Respond {
                    body: Some(Value::Object(o)),
                    ..
                }) => o.get("code").and_then(Value::as_str),
                _ => None,
            };
            let mut entry = token::log_entry(
                endpoint.name(),
                request.headers(),
                &body,
                &params,
                status,
                code,
            );
            entry["fault"] = kind.into();
            app.store().log_request(endpoint.name(), entry);
        }
    }
    if rule.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
    }
    let conn = request
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|c| c.0.clone());
    let mut response = match &rule.action {
        FaultAction::Pass(_) => next.run(request).await,
        FaultAction::Respond(r) => respond(r),
        FaultAction::Hang(_) => {
            drop(request);
            hang(released).await;
            reset(conn)
        }
        FaultAction::Reset(_) => reset(conn),
        FaultAction::Tamper(t) => tamper(t, next.run(request).await).await,
    };
    response.extensions_mut().insert(Applied(kind));
    response
}

/// Outside the CORS layer: adds the header names of a `respond` answer to
/// `Access-Control-Expose-Headers` (the CORS layer overwrites what is set inside it).
pub async fn expose(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let Some(Expose(names)) = response.extensions_mut().remove::<Expose>() else {
        return response;
    };
    let h = response.headers_mut();
    if !h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        return response;
    }
    let mut list: Vec<String> = h
        .get_all(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(String::from)
        .collect();
    list.extend(names.iter().map(|n| n.as_str().to_string()));
    if let Ok(v) = HeaderValue::from_str(&list.join(",")) {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
    response
}

fn respond(r: &Respond) -> Response {
    let (text, default_type) = match &r.body {
        None => (String::new(), None),
        Some(Value::String(s)) => (s.clone(), Some("text/plain; charset=utf-8")),
        Some(v) => (v.to_string(), Some("application/json")),
    };
    let mut response = Response::new(Body::from(text));
    *response.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    let content_type = r.content_type.as_deref().or(default_type);
    if let Some(v) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let mut exposed = Vec::new();
    for (name, value) in &r.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n.clone(), v);
            exposed.push(n);
        }
    }
    if !exposed.is_empty() {
        response.extensions_mut().insert(Expose(exposed));
    }
    response
}

async fn hang(mut released: watch::Receiver<u64>) {
    tokio::select! {
        () = tokio::time::sleep(HANG_LIMIT) => {}
        _ = released.changed() => {}
    }
}

/// Aborts the request's connection: nothing of the returned answer is sent.
fn reset(conn: Option<Conn>) -> Response {
    match conn {
        Some(conn) => {
            conn.abort();
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "ilert-sim: a reset fault needs the server of ilert_sim::serve or ilert_sim::spawn",
        )
            .into_response(),
    }
}

/// A field of a tampered answer: a JSON value, or raw text.
enum Field {
    Json(Value),
    Raw(String),
}

impl Field {
    fn json_text(&self) -> String {
        match self {
            Field::Json(v) => v.to_string(),
            Field::Raw(s) => s.clone(),
        }
    }

    fn form_text(&self) -> String {
        match self {
            Field::Json(Value::String(s)) | Field::Raw(s) => s.clone(),
            Field::Json(Value::Null) => String::new(),
            Field::Json(v) => v.to_string(),
        }
    }
}

/// The rewritten text and content type of a JSON object answer.
fn tampered(t: &Tamper, object: Map<String, Value>) -> (String, &'static str) {
    let mut fields: Vec<(String, Field)> = object
        .into_iter()
        .filter(|(k, _)| !t.remove.contains(k))
        .map(|(k, v)| (k, Field::Json(v)))
        .collect();
    let sets = t.set.iter().map(|(k, v)| (k, Field::Json(v.clone())));
    let raws = t.set_raw.iter().map(|(k, v)| (k, Field::Raw(v.clone())));
    for (key, field) in sets.chain(raws) {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = field,
            None => fields.push((key.clone(), field)),
        }
    }
    if t.form_encoded {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, f) in &fields {
            form.append_pair(k, &f.form_text());
        }
        (form.finish(), "application/x-www-form-urlencoded")
    } else {
        let members: Vec<String> = fields
            .iter()
            .map(|(k, f)| format!("{}:{}", Value::from(k.as_str()), f.json_text()))
            .collect();
        (format!("{{{}}}", members.join(",")), "application/json")
    }
}

async fn tamper(t: &Tamper, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let (text, content_type) = tampered(t, object);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Response::from_parts(parts, Body::from(text))
}

/// The simulator's listener: TCP, whose connections a `reset` fault can abort.
pub struct SimListener(pub TcpListener);

impl axum::serve::Listener for SimListener {
    type Io = SimIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (SimIo, SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        let conn = Conn::default();
        (SimIo { stream, conn }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A handle on one connection, in every request's extensions as `ConnectInfo<Conn>`.
#[derive(Clone, Debug, Default)]
pub struct Conn(Arc<AtomicBool>);

impl Conn {
    /// From now on the connection fails every read and write, and is reset when dropped.
    pub fn abort(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn aborted(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Connected<IncomingStream<'_, SimListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.io().conn.clone()
    }
}

/// A TCP connection that [`Conn::abort`] can break.
pub struct SimIo {
    stream: TcpStream,
    conn: Conn,
}

impl SimIo {
    fn check(&self) -> io::Result<()> {
        if !self.conn.aborted() {
            return Ok(());
        }
        // SO_LINGER 0: closing sends a TCP reset, not a polite FIN.
        let _ = self.stream.set_zero_linger();
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset by an ilert-sim fault",
        ))
    }
}

impl AsyncRead for SimIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: Value) -> Result<FaultRule, String> {
        FaultRule::from_json(v)
    }

    #[test]
    fn rules_are_checked() {
        assert!(rule(json!({"endpoint": "token", "action": {"hang": true}})).is_ok());
        for bad in [
            json!({"endpoint": "tokens", "action": {"hang": true}}),
            json!({"endpoint": "token", "action": {"hang": false}}),
            json!({"endpoint": "token", "action": {"hang": true, "reset": true}}),
            json!({"endpoint": "token", "action": {"explode": true}}),
            json!({"endpoint": "token", "extra": 1, "action": {"pass": true}}),
            json!({"endpoint": "user", "grant_type": "refresh_token", "action": {"pass": true}}),
            json!({"endpoint": "token", "grant_type": "password", "action": {"pass": true}}),
            json!({"endpoint": "token", "method": "GET", "action": {"pass": true}}),
            json!({"endpoint": "authorize", "method": "post", "action": {"pass": true}}),
            json!({"endpoint": "token", "count": 0, "action": {"pass": true}}),
            json!({"endpoint": "token", "count": 2, "forever": true, "action": {"pass": true}}),
            json!({"endpoint": "token", "action": {"respond": {"status": 99}}}),
            json!({"endpoint": "token", "action": {"respond": {"status": 600}}}),
            json!({"endpoint": "token", "action": {"respond": {"body": "x"}}}),
            json!({"endpoint": "token", "action": {"respond": {"status": 500, "headers": {"a b": "x"}}}}),
            json!({"endpoint": "token", "action": {"respond": {"status": 500, "headers": {"x": "a\nb"}}}}),
            json!({"endpoint": "token", "action": {"tamper": {"set": {"a": 1}, "remove": ["a"]}}}),
            json!({"endpoint": "token", "action": {"tamper": {"sett": {}}}}),
        ] {
            assert!(rule(bad.clone()).is_err(), "{bad}");
        }
        let ok = rule(
            json!({"endpoint": "token", "count": 0, "forever": true, "action": {"pass": true}}),
        );
        assert!(ok.unwrap().forever);
        assert!(
            rule(json!({"endpoint": "authorize", "method": "POST", "action": {"pass": true}}))
                .is_ok()
        );
    }

    #[test]
    fn first_matching_rule_applies_and_is_used_up() {
        let f = Faults::new(&[]);
        let add = |v: Value| f.add(rule(v).unwrap()).unwrap();
        add(
            json!({"endpoint": "token", "grant_type": "refresh_token", "count": 2, "action": {"hang": true}}),
        );
        add(json!({"endpoint": "token", "forever": true, "action": {"reset": true}}));
        let post = Method::POST;
        let kind = |g| {
            f.take(Endpoint::Token, &post, g)
                .map(|(r, _)| r.action.kind())
        };
        assert_eq!(kind(Some(GrantType::AuthorizationCode)), Some("reset"));
        assert_eq!(kind(Some(GrantType::RefreshToken)), Some("hang"));
        assert_eq!(f.list()[0].remaining, Some(1));
        assert_eq!(kind(Some(GrantType::RefreshToken)), Some("hang"));
        assert_eq!(f.list().len(), 1);
        assert_eq!(kind(Some(GrantType::RefreshToken)), Some("reset"));
        assert_eq!(kind(None), Some("reset"));
        assert_eq!(f.list()[0].applied, 3);
        assert_eq!(f.list()[0].remaining, None);
        assert!(f.take(Endpoint::User, &Method::GET, None).is_none());
        assert_eq!(f.clear(), 1);
        assert!(kind(None).is_none());
    }

    #[test]
    fn endpoints_by_method_and_path() {
        assert_eq!(
            Endpoint::of(&Method::POST, "/api/developers/oauth2/token"),
            Some(Endpoint::Token)
        );
        assert_eq!(
            Endpoint::of(&Method::OPTIONS, "/api/developers/oauth2/token"),
            None
        );
        assert_eq!(
            Endpoint::of(&Method::GET, "/api/developers/oauth2/token"),
            None
        );
        assert_eq!(
            Endpoint::of(&Method::GET, "/api/users/current"),
            Some(Endpoint::User)
        );
        assert_eq!(
            Endpoint::of(&Method::POST, "/api/developers/oauth2/authorize"),
            Some(Endpoint::Authorize)
        );
        assert_eq!(Endpoint::of(&Method::GET, "/_sim/faults"), None);
    }

    #[test]
    fn tampering_sets_removes_and_encodes() {
        let answer = json!({"access_token": "a b", "expires_in": 3600, "refresh_token": "r", "token_type": "Bearer"});
        let Value::Object(object) = answer else {
            unreachable!()
        };
        let t: Tamper = serde_json::from_value(json!({
            "set": {"expires_in": -1.5, "token_type": null, "extra": [1]},
            "set_raw": {"huge": "123456789012345678901234567890"},
            "remove": ["refresh_token"],
        }))
        .unwrap();
        let (text, ct) = tampered(&t, object.clone());
        assert_eq!(ct, "application/json");
        assert_eq!(
            text,
            r#"{"access_token":"a b","expires_in":-1.5,"token_type":null,"extra":[1],"huge":123456789012345678901234567890}"#
        );
        let form = Tamper {
            form_encoded: true,
            ..t
        };
        let (text, ct) = tampered(&form, object);
        assert_eq!(ct, "application/x-www-form-urlencoded");
        assert_eq!(
            text,
            "access_token=a+b&expires_in=-1.5&token_type=&extra=%5B1%5D&huge=123456789012345678901234567890"
        );
    }
}
