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
//!   at most [`HANG_LIMIT_MS`]; then, or at `DELETE /_sim/faults`, or when the server shuts
//!   down, its connection is closed without an answer. Other requests are served meanwhile.
//! - `{"reset": true}`: closes the connection without any answer (a TCP reset): the client
//!   sees a network error (the host carries it out: see [`crate::Step`]). Note that browsers
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

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::http::{valid_name, valid_value, Response};
#[cfg(doc)]
use crate::SimConfig;

/// How long a `hang` holds a request at most, in milliseconds.
pub const HANG_LIMIT_MS: u64 = 600_000;

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
    pub fn of(method: &str, path: &str) -> Option<Endpoint> {
        let endpoint = match path {
            "/api/developers/oauth2/token" => Endpoint::Token,
            "/api/developers/oauth2/token_info" => Endpoint::TokenInfo,
            "/api/developers/oauth2/revoke" => Endpoint::Revoke,
            "/api/users/current" => Endpoint::User,
            "/api/developers/oauth2/authorize" => Endpoint::Authorize,
            _ => return None,
        };
        endpoint.answers(method).then_some(endpoint)
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
    pub fn logged(self) -> bool {
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
                if let Some(ct) = r.content_type.as_ref().filter(|ct| !valid_value(ct)) {
                    return Err(format!("content_type {ct:?} is not a header value"));
                }
                for (name, value) in &r.headers {
                    if !valid_name(name) {
                        return Err(format!("{name:?} is not a header name"));
                    }
                    if !valid_value(value) {
                        return Err(format!("{value:?} ({name}) is not a header value"));
                    }
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

    fn matches(&self, endpoint: Endpoint, method: &str, grant: Option<GrantType>) -> bool {
        self.endpoint == endpoint
            && self.method.as_ref().is_none_or(|m| m == method)
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

/// The installed rules, and a counter the host watches to end every `hang`.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    last_id: u64,
    list: Vec<Installed>,
    hang_epoch: u64,
}

impl Faults {
    /// Installs `preset` (from [`SimConfig::faults`]); panics on a rule that does not check.
    pub fn new(preset: &[FaultRule]) -> Faults {
        let mut faults = Faults::default();
        for (i, rule) in preset.iter().enumerate() {
            if let Err(e) = faults.add(rule.clone()) {
                panic!("SimConfig.faults[{i}]: {e}");
            }
        }
        faults
    }

    pub fn add(&mut self, rule: FaultRule) -> Result<Installed, String> {
        rule.check()?;
        self.last_id += 1;
        let installed = Installed {
            id: self.last_id,
            remaining: if rule.forever {
                None
            } else {
                Some(rule.count.unwrap_or(1))
            },
            applied: 0,
            rule,
        };
        self.list.push(installed.clone());
        Ok(installed)
    }

    pub fn list(&self) -> &[Installed] {
        &self.list
    }

    /// Drops every rule and ends every `hang`; gives the number of rules dropped.
    pub fn clear(&mut self) -> usize {
        let dropped = self.list.len();
        self.list.clear();
        self.hang_epoch += 1;
        dropped
    }

    pub(crate) fn parts(&self) -> (u64, u64, &[Installed]) {
        (self.last_id, self.hang_epoch, &self.list)
    }

    pub(crate) fn from_parts(last_id: u64, hang_epoch: u64, list: Vec<Installed>) -> Faults {
        Faults {
            last_id,
            list,
            hang_epoch,
        }
    }

    /// Changes whenever the hanging requests must end (see [`crate::Sim::hang_epoch`]).
    pub fn hang_epoch(&self) -> u64 {
        self.hang_epoch
    }

    /// The first rule that applies to this request, used once.
    pub fn take(
        &mut self,
        endpoint: Endpoint,
        method: &str,
        grant: Option<GrantType>,
    ) -> Option<FaultRule> {
        let i = self
            .list
            .iter()
            .position(|r| r.rule.matches(endpoint, method, grant))?;
        let installed = &mut self.list[i];
        installed.applied += 1;
        let rule = installed.rule.clone();
        if let Some(n) = &mut installed.remaining {
            *n -= 1;
            if *n == 0 {
                self.list.remove(i);
            }
        }
        Some(rule)
    }
}

/// Makes an answer built from a rule inert as a page, whatever headers the rule set: a
/// `respond` body served for the authorize URL (a navigation) must not run script on the
/// origin it is served from (the app's own, for the built-in simulator).
pub fn harden(r: &mut Response) {
    r.set_header("content-security-policy", "sandbox; default-src 'none'");
    r.set_header("x-content-type-options", "nosniff");
}

/// The answer of a `respond` rule, and the header names a page's fetch must be able to read.
pub fn respond(r: &Respond) -> (Response, Vec<String>) {
    let (text, default_type) = match &r.body {
        None => (String::new(), None),
        Some(Value::String(s)) => (s.clone(), Some("text/plain; charset=utf-8")),
        Some(v) => (v.to_string(), Some("application/json")),
    };
    let mut response = Response::new(r.status).with_body(text);
    if let Some(ct) = r.content_type.as_deref().or(default_type) {
        response.set_header("content-type", ct);
    }
    let mut exposed = Vec::new();
    for (name, value) in &r.headers {
        response.append_header(name, value);
        exposed.push(name.to_ascii_lowercase());
    }
    (response, exposed)
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

/// Rewrites an endpoint's answer if it is a JSON object; anything else passes unchanged.
pub fn tamper(t: &Tamper, mut response: Response) -> Response {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&response.body) else {
        return response;
    };
    let (text, content_type) = tampered(t, object);
    response.body = text.into_bytes();
    response.set_header("content-type", content_type);
    response
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
        let mut f = Faults::new(&[]);
        f.add(rule(json!({"endpoint": "token", "grant_type": "refresh_token", "count": 2, "action": {"hang": true}})).unwrap()).unwrap();
        f.add(
            rule(json!({"endpoint": "token", "forever": true, "action": {"reset": true}})).unwrap(),
        )
        .unwrap();
        let kind = |f: &mut Faults, g| f.take(Endpoint::Token, "POST", g).map(|r| r.action.kind());
        assert_eq!(
            kind(&mut f, Some(GrantType::AuthorizationCode)),
            Some("reset")
        );
        assert_eq!(kind(&mut f, Some(GrantType::RefreshToken)), Some("hang"));
        assert_eq!(f.list()[0].remaining, Some(1));
        assert_eq!(kind(&mut f, Some(GrantType::RefreshToken)), Some("hang"));
        assert_eq!(f.list().len(), 1);
        assert_eq!(kind(&mut f, Some(GrantType::RefreshToken)), Some("reset"));
        assert_eq!(kind(&mut f, None), Some("reset"));
        assert_eq!(f.list()[0].applied, 3);
        assert_eq!(f.list()[0].remaining, None);
        assert!(f.take(Endpoint::User, "GET", None).is_none());
        let epoch = f.hang_epoch();
        assert_eq!(f.clear(), 1);
        assert_eq!(f.hang_epoch(), epoch + 1);
        assert!(kind(&mut f, None).is_none());
    }

    #[test]
    fn endpoints_by_method_and_path() {
        assert_eq!(
            Endpoint::of("POST", "/api/developers/oauth2/token"),
            Some(Endpoint::Token)
        );
        assert_eq!(
            Endpoint::of("OPTIONS", "/api/developers/oauth2/token"),
            None
        );
        assert_eq!(Endpoint::of("GET", "/api/developers/oauth2/token"), None);
        assert_eq!(
            Endpoint::of("GET", "/api/users/current"),
            Some(Endpoint::User)
        );
        assert_eq!(
            Endpoint::of("POST", "/api/developers/oauth2/authorize"),
            Some(Endpoint::Authorize)
        );
        assert_eq!(Endpoint::of("GET", "/_sim/faults"), None);
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
