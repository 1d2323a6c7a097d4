//! Runtime configuration: read from `config.json` beside `index.html` (or the settings panel),
//! checked, and turned into endpoint URLs. Pure Rust: the one web API it needs, the browser's URL
//! parser, comes from `crate::browser::url` on wasm32 and from the `url` crate on the host, and
//! both read URLs by the same standard (WHATWG URL).
//!
//! Where tokens may go: the authorize URL (which gets the code challenge and sends the code) and
//! the API base (which gets the code, the verifier and the tokens) must be on an origin that the
//! deployer's `config.json` allows (`allowed_origins`, default: iLert's hosts and loopback).
//! Settings kept in the browser may change everything else, never that list.
//!
//! Which server: `"server": "ilert"` (the default) signs in to iLert with the fields below;
//! `"server": "built-in"` signs in to the simulator that a Service Worker of this app runs in
//! the browser, under `<app root>_sim/`, with fixed values ([`Config::in_force`]). The iLert
//! fields are then optional and kept, for a switch back to iLert in the settings.
//! `"allow_built_in": false` forbids the built-in server for a deployment: saved settings
//! cannot choose it then (they are read as iLert's, [`Config::from_settings_json`]).

use crate::json::{self, Value};
use crate::oauth::authorize::{normalize_tenant, tenant_authorize_url};
use crate::oauth::request::Endpoints;
use crate::oauth::scopes::{is_known_scope, parse_scopes, DEFAULT_SCOPES};
use crate::oauth::token::{REVOKE_PATH, TOKEN_INFO_PATH, TOKEN_PATH, USER_PATH};
use crate::oauth::Error;
use crate::route::Page;

/// iLert's authorize endpoint when neither a tenant nor an authorize URL is configured.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://app.ilert.com/api/developers/oauth2/authorize";

/// iLert's API base (token, revoke, token_info, users) as used by iLert's own clients.
pub const DEFAULT_API_BASE: &str = "https://api.ilert.com";

/// The origins the authorize URL and the API base may use when config.json names none:
/// iLert's hosts, any one tenant under ilert.com, and this machine on any port.
pub const DEFAULT_ALLOWED_ORIGINS: &[&str] = &[
    "https://app.ilert.com",
    "https://api.ilert.com",
    "https://*.ilert.com",
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
    "http://[::1]:*",
    "https://[::1]:*",
];

/// Where the built-in simulator answers, under the app's root: `<app root>_sim/…`.
pub const SIM_MOUNT: &str = "_sim";

/// The one client the built-in simulator knows (sim-sw's `CLIENT_ID`).
pub const SIM_CLIENT_ID: &str = "ilert-pkce-demo";

/// The authorize endpoint's path, at iLert and at the simulator alike.
const AUTHORIZE_PATH: &str = "/api/developers/oauth2/authorize";

/// Which server a sign-in talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Server {
    /// iLert (or any server the iLert fields name).
    #[default]
    Ilert,
    /// The simulator that a Service Worker of this app runs in the browser.
    BuiltIn,
}

impl Server {
    /// The value in config.json and saved settings.
    pub fn name(self) -> &'static str {
        match self {
            Server::Ilert => "ilert",
            Server::BuiltIn => "built-in",
        }
    }

    /// Reads `server` (absent or null: iLert, so every older config.json keeps working).
    fn of(v: &Value) -> Result<Server, Error> {
        const BOTH: &str = "\"built-in\" (the simulator that runs in this browser) or \"ilert\" (an iLert account, the default)";
        match v.get("server") {
            None | Some(Value::Null) => Ok(Server::Ilert),
            Some(Value::String(s)) => match s.trim() {
                "ilert" => Ok(Server::Ilert),
                "built-in" => Ok(Server::BuiltIn),
                other => Err(Error::Config(format!(
                    "\"server\" is \"{other}\": set it to {BOTH}"
                ))),
            },
            Some(_) => Err(Error::Config(format!("\"server\" must be a text: {BOTH}"))),
        }
    }
}

/// Whether `url` is answered by the built-in simulator of the app at `app_root` (origin and
/// base path, ending in `/`): it is under `<app_root>_sim/`.
pub fn is_simulator_url(url: &str, app_root: &str) -> bool {
    url.strip_prefix(app_root)
        .and_then(|rest| rest.strip_prefix(SIM_MOUNT))
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The app's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Which server a sign-in talks to; with [`Server::BuiltIn`] the fields below up to
    /// `issuer` are kept but not used (see [`Config::in_force`]), except `scopes`.
    pub server: Server,
    /// The OAuth client id of the app registered in iLert.
    pub client_id: String,
    /// The iLert tenant (`acme` for acme.ilert.com); when set, its own authorize URL is used.
    pub tenant: Option<String>,
    /// The authorize endpoint, used when no tenant is set (default: [`DEFAULT_AUTHORIZE_URL`]).
    pub authorize_url: Option<String>,
    /// The base of the token, token_info, revoke and users endpoints, e.g. `https://api.ilert.com`.
    pub api_base: String,
    /// Where iLert sends the browser back; must be registered in iLert exactly like this.
    pub redirect_uri: String,
    /// The scopes to request.
    pub scopes: Vec<String>,
    /// The expected issuer of callbacks (RFC 9207 `iss`), if any; see [`Config::expected_issuer`].
    pub issuer: Option<String>,
    /// The origins that the authorize URL (or the tenant's) and the API base may use: the
    /// deployer's choice, set only in config.json (saved settings cannot change it). Absent:
    /// [`DEFAULT_ALLOWED_ORIGINS`].
    ///
    /// Each entry is an origin, `scheme://host[:port]`, nothing after it (a trailing `/` is
    /// ignored); the scheme is `https`, or `http` for localhost, 127.0.0.1 and [::1] only.
    /// - `https://api.ilert.com`: exactly that origin (`:443` may be written or not);
    /// - `https://*.ilert.com`: any ONE label in front of ilert.com (`acme.ilert.com`, not
    ///   `ilert.com` nor `a.b.ilert.com`); the rest must have at least two labels;
    /// - `http://localhost:*`: any port, the default one included.
    ///
    /// Hosts are compared as a browser reads them: case-insensitive, `127.1` is `127.0.0.1`.
    pub allowed_origins: Option<Vec<String>>,
    /// Whether the built-in simulator may be used (config.json's `allow_built_in`, default
    /// true): the deployer's choice, like `allowed_origins`; saved settings cannot change it.
    pub allow_built_in: bool,
}

/// Why saved settings that chose the built-in simulator were read as iLert's.
pub const BUILT_IN_FORBIDDEN: &str = "This deployment does not offer the built-in simulator (config.json sets \"allow_built_in\": false), so the app signs in to iLert.";

/// The scopes used when the configuration names none.
fn default_scopes() -> Vec<String> {
    DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// A JSON list of texts.
fn strings(v: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for s in v.as_array()? {
        out.push(s.as_str()?.to_string());
    }
    Some(out)
}

/// One thing wrong with a configuration, for the settings panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The field it is about, as named in config.json (`settings` for saved settings that
    /// could not be read at all).
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Saved settings (localStorage) that were read back and refused: they are not used.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedSettings {
    /// The saved configuration, if it could be read at all (with the deployer's
    /// `allowed_origins`): for showing the problems next to the fields.
    pub config: Option<Config>,
    /// Why it was refused (never empty).
    pub problems: Vec<ConfigProblem>,
}

impl RejectedSettings {
    /// One paragraph for the person: what was refused, why, and what is used instead.
    pub fn summary(&self) -> String {
        let why = self
            .problems
            .iter()
            .map(ConfigProblem::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "The settings saved in this browser were not used, because: {why} The app uses config.json's configuration instead; fix the settings or reset them to the defaults."
        )
    }
}

/// What each required field is, for "missing field" messages.
const REQUIRED: &[(&str, &str)] = &[
    (
        "client_id",
        "the OAuth client id of the app registered in iLert",
    ),
    (
        "api_base",
        "the base URL of iLert's API, e.g. https://api.ilert.com",
    ),
];

/// An optional text that is empty or blank counts as absent.
fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A URL the sign-in sends something to, and why it may not be used.
enum EndpointProblem {
    /// Not on an allowed origin.
    NotAllowed(String),
    /// Anything else (not a URL, http, userinfo, …).
    Other(String),
}

impl EndpointProblem {
    fn message(self) -> String {
        match self {
            EndpointProblem::NotAllowed(m) | EndpointProblem::Other(m) => m,
        }
    }
}

impl Config {
    /// Reads the deployer's configuration (config.json) from JSON, with messages that name the
    /// missing or wrong field.
    ///
    /// Text values are trimmed; blank optional values count as absent; `scopes` may be a list or
    /// a space-separated string, and defaults to `profile offline_access`. `allowed_origins`
    /// must be well formed, and the authorize URL (or tenant) and API base must be in it;
    /// everything else is left to [`Config::validate`].
    pub fn from_json(s: &str) -> Result<Config, Error> {
        let c = Config::parse_json(s)?;
        if c.server == Server::BuiltIn && !c.allow_built_in {
            return Err(Error::Config(
                "config.json sets \"server\": \"built-in\" and \"allow_built_in\": false: forbid the built-in simulator with \"server\": \"ilert\" (and the iLert fields), or allow it".into(),
            ));
        }
        let (patterns, bad) = c.origin_patterns();
        if let Some(m) = bad.into_iter().next() {
            return Err(Error::Config(format!("config.json: {m}")));
        }
        // With the built-in server these are only kept, not used: the settings check them
        // when someone switches to iLert.
        let (field, url) = c.authorize_source();
        let own = [(field, url), ("api_base", c.api_base.clone())];
        let own = if c.server == Server::Ilert {
            &own[..]
        } else {
            &[]
        };
        for (field, url) in own.iter().cloned() {
            // Other problems (not a URL, http, …) are the settings panel's to show.
            if let Err(EndpointProblem::NotAllowed(_)) =
                check_endpoint(field, &url, field == "api_base", &patterns)
            {
                return Err(Error::Config(format!(
                    "config.json: {field} \"{}\" (origin {}) is not in allowed_origins ({}): add its origin there, or point {field} at an allowed origin",
                    shown(&url),
                    origin_of(&url).unwrap_or_default(),
                    list_text(&patterns)
                )));
            }
        }
        Ok(c)
    }

    /// Reads settings saved in this browser and checks them again before any use: the
    /// deployer's `allowed_origins` and `allow_built_in` replace whatever the saved text says,
    /// and every problem [`Config::validate`] finds in the configuration in force for the app
    /// at `app_root` ([`Config::in_force`]; without the page-origin check, which Connect
    /// makes) refuses them. Saved settings that choose the built-in server where the deployer
    /// forbids it are read as iLert's: then the second value is true (say so, once).
    // Called once per page load: the size of the refusal does not matter.
    #[allow(clippy::result_large_err)]
    pub fn from_settings_json(
        s: &str,
        deployer: &Config,
        app_root: &str,
    ) -> Result<(Config, bool), RejectedSettings> {
        let mut c = Config::parse_json(s).map_err(|e| RejectedSettings {
            config: None,
            problems: vec![ConfigProblem {
                field: "settings",
                message: format!("They could not be read ({e})."),
            }],
        })?;
        c.allowed_origins = deployer.allowed_origins.clone();
        c.allow_built_in = deployer.allow_built_in;
        let refused = c.server == Server::BuiltIn && !c.allow_built_in;
        if refused {
            c.server = Server::Ilert;
        }
        let mut problems = c.in_force(app_root).validate(None);
        if refused && !problems.is_empty() {
            problems.insert(
                0,
                ConfigProblem {
                    field: "server",
                    message: BUILT_IN_FORBIDDEN.into(),
                },
            );
        }
        if problems.is_empty() {
            Ok((c, refused))
        } else {
            Err(RejectedSettings {
                config: Some(c),
                problems,
            })
        }
    }

    /// The JSON reading and normalisation, without any check.
    fn parse_json(s: &str) -> Result<Config, Error> {
        let value = json::parse(s)
            .map_err(|e| Error::Config(format!("config.json is not valid JSON ({e})")))?;
        if !value.is_object() {
            return Err(Error::Config(
                "config.json must be a JSON object with client_id and api_base (and optionally redirect_uri, scopes, tenant or authorize_url)"
                    .into(),
            ));
        }
        let server = Server::of(&value)?;
        let allow_built_in = match value.get("allow_built_in") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Error::Config(
                "\"allow_built_in\" must be true or false (without quotes): false forbids the built-in simulator for this deployment, true (the default) offers it".into(),
            )),
        };
        // The simulator needs no iLert values: absent, they are iLert's defaults.
        let required = if server == Server::Ilert {
            REQUIRED
        } else {
            &[]
        };
        for (field, what) in required {
            match value.get(field) {
                None | Some(Value::Null) => {
                    return Err(Error::Config(format!(
                        "\"{field}\" is missing: set it to {what}"
                    )))
                }
                Some(Value::String(v)) if v.trim().is_empty() => {
                    return Err(Error::Config(format!(
                        "\"{field}\" is empty: set it to {what}"
                    )))
                }
                Some(Value::String(_)) => {}
                Some(_) => {
                    return Err(Error::Config(format!("\"{field}\" must be a text: {what}")))
                }
            }
        }
        let c = Config::from_value(&value).map_err(|e| {
            Error::Config(format!("config.json has a field of the wrong type ({e})"))
        })?;
        Ok(Config {
            server,
            client_id: c.client_id.trim().to_string(),
            tenant: non_blank(c.tenant),
            authorize_url: non_blank(c.authorize_url),
            api_base: c.api_base.trim().to_string(),
            redirect_uri: c.redirect_uri.trim().to_string(),
            // One scope list however it was written: trimmed, no blanks, no duplicates.
            scopes: parse_scopes(&c.scopes.join(" ")),
            issuer: non_blank(c.issuer),
            allowed_origins: c
                .allowed_origins
                .map(|l| l.into_iter().map(|o| o.trim().to_string()).collect()),
            allow_built_in,
        })
    }

    /// The fields as written, unchecked (`server` is read by [`Server::of`]): text fields must
    /// be texts (optional ones may be missing or null; `client_id` and `api_base` too, as
    /// `""` and [`DEFAULT_API_BASE`], since [`Config::parse_json`] has made sure they are there
    /// unless the server is the built-in one), `scopes` a list of texts or one space-separated
    /// text (missing or null: the defaults), `allowed_origins` a list of texts.
    fn from_value(v: &Value) -> Result<Config, String> {
        let optional = |key| v.opt(key, Value::as_str).map(|t| t.map(str::to_string));
        let text = |key, default: &str| {
            optional(key).map(|t| non_blank(t).unwrap_or_else(|| default.to_string()))
        };
        let list = |key| v.opt(key, strings);
        let scopes = match v.get("scopes") {
            Some(Value::String(s)) => parse_scopes(s),
            _ => list("scopes")?.unwrap_or_else(default_scopes),
        };
        Ok(Config {
            server: Server::Ilert,
            client_id: text("client_id", "")?,
            tenant: optional("tenant")?,
            authorize_url: optional("authorize_url")?,
            api_base: text("api_base", DEFAULT_API_BASE)?,
            // Blank or missing: the page's own `<origin><base>webapp` (`with_redirect_default`).
            redirect_uri: optional("redirect_uri")?.unwrap_or_default(),
            scopes,
            issuer: optional("issuer")?,
            allowed_origins: list("allowed_origins")?,
            allow_built_in: true,
        })
    }

    /// As JSON (localStorage keeps it compact): `allowed_origins` only when set,
    /// `allow_built_in` only when false.
    pub fn to_value(&self) -> Value {
        let mut members = vec![
            ("server", self.server.name().into()),
            ("client_id", self.client_id.as_str().into()),
            ("tenant", self.tenant.clone().into()),
            ("authorize_url", self.authorize_url.clone().into()),
            ("api_base", self.api_base.as_str().into()),
            ("redirect_uri", self.redirect_uri.as_str().into()),
            ("scopes", self.scopes.clone().into()),
            ("issuer", self.issuer.clone().into()),
        ];
        if let Some(origins) = &self.allowed_origins {
            members.push(("allowed_origins", origins.clone().into()));
        }
        if !self.allow_built_in {
            members.push(("allow_built_in", Value::Bool(false)));
        }
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// The configuration as pretty JSON (for the settings panel).
    pub fn to_json(&self) -> String {
        self.to_value().pretty()
    }

    /// The authorize endpoint: the tenant's if a tenant is set, else `authorize_url`, else iLert's default.
    pub fn authorize_endpoint(&self) -> Result<String, Error> {
        if let Some(t) = self.tenant.as_deref().filter(|t| !t.trim().is_empty()) {
            return tenant_authorize_url(t);
        }
        match self
            .authorize_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(u) => Ok(u.to_string()),
            None => Ok(DEFAULT_AUTHORIZE_URL.to_string()),
        }
    }

    /// Which field decides the authorize endpoint, and the endpoint (the tenant's text when the
    /// tenant is not valid).
    fn authorize_source(&self) -> (&'static str, String) {
        match self.tenant.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => (
                "tenant",
                tenant_authorize_url(t).unwrap_or_else(|_| t.to_string()),
            ),
            None => (
                "authorize_url",
                self.authorize_endpoint()
                    .unwrap_or_else(|_| DEFAULT_AUTHORIZE_URL.to_string()),
            ),
        }
    }

    /// The issuer that callbacks must name (RFC 9207 `iss`): the configured `issuer` if set,
    /// else the origin of the authorize endpoint (e.g. `https://app.ilert.com`). None when
    /// neither is known (no issuer and an unusable authorize endpoint).
    pub fn expected_issuer(&self) -> Option<String> {
        if let Some(i) = self
            .issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            return Some(i.to_string());
        }
        let endpoint = self.authorize_endpoint().ok()?;
        parse_url(&endpoint)
            .filter(UrlParts::is_http)
            .map(|u| u.origin)
    }

    /// The API base without trailing slashes.
    fn base(&self) -> &str {
        self.api_base.trim().trim_end_matches('/')
    }

    /// The token endpoint (code exchange and refresh).
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base())
    }

    /// The token_info endpoint.
    pub fn token_info_url(&self) -> String {
        format!("{}{TOKEN_INFO_PATH}", self.base())
    }

    /// The revocation endpoint.
    pub fn revoke_url(&self) -> String {
        format!("{}{REVOKE_PATH}", self.base())
    }

    /// The current user's profile endpoint.
    pub fn user_url(&self) -> String {
        format!("{}{USER_PATH}", self.base())
    }

    /// The client id and every endpoint a sign-in started now would use (Connect pins them).
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            client_id: self.client_id.clone(),
            token: self.token_url(),
            token_info: self.token_info_url(),
            revoke: self.revoke_url(),
            user: self.user_url(),
        }
    }

    /// The origins the authorize URL and API base may use: config.json's `allowed_origins`, or
    /// [`DEFAULT_ALLOWED_ORIGINS`]. Entries that are not well formed are left out (they never
    /// allow anything); [`Config::validate`] reports them.
    pub fn allowed_origins(&self) -> Vec<OriginPattern> {
        self.origin_patterns().0
    }

    /// The allowed origins as one text, for help and messages.
    pub fn allowed_origins_text(&self) -> String {
        list_text(&self.allowed_origins())
    }

    /// The well-formed patterns, and a message for each entry that is not.
    fn origin_patterns(&self) -> (Vec<OriginPattern>, Vec<String>) {
        let mut patterns = Vec::new();
        let mut bad = Vec::new();
        match &self.allowed_origins {
            None => patterns = default_allowed_origins(),
            Some(list) => {
                for entry in list {
                    match OriginPattern::parse(entry) {
                        Ok(p) => patterns.push(p),
                        Err(m) => bad.push(format!("allowed_origins: {m}")),
                    }
                }
            }
        }
        (patterns, bad)
    }

    /// With the redirect URI a deployment gets when config.json names none: the callback page
    /// of the app at `app_root` (origin and base path, `https://example.org/ilert-pkce/`).
    pub fn with_redirect_default(mut self, app_root: &str) -> Config {
        if self.redirect_uri.is_empty() {
            self.redirect_uri = format!("{app_root}{}", Page::Callback.path());
        }
        self
    }

    /// The configuration a sign-in started now uses, for the app at `app_root` (origin and
    /// base path, `https://example.org/ilert-pkce/`): with the iLert server this one; with the
    /// built-in one the simulator's fixed values under `<app_root>_sim`, this configuration's
    /// scopes, and only the page's own origin allowed (the tokens never leave the browser).
    pub fn in_force(&self, app_root: &str) -> Config {
        if self.server == Server::Ilert {
            return self.clone();
        }
        let root = app_root.trim();
        let slash = if root.ends_with('/') { "" } else { "/" };
        let sim = format!("{root}{slash}{SIM_MOUNT}");
        Config {
            server: Server::BuiltIn,
            client_id: SIM_CLIENT_ID.into(),
            tenant: None,
            authorize_url: Some(format!("{sim}{AUTHORIZE_PATH}")),
            redirect_uri: format!("{root}{slash}{}", Page::Callback.path()),
            api_base: sim,
            scopes: self.scopes.clone(),
            issuer: None,
            allowed_origins: Some(origin_of(root).into_iter().collect()),
            allow_built_in: self.allow_built_in,
        }
    }

    /// Everything wrong with this configuration (empty when it is usable). With the app's root
    /// (origin and base path, as the page has them), also checks that the redirect URI comes
    /// back to this app's callback page.
    pub fn validate(&self, app_root: Option<&str>) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let mut problem =
            |field: &'static str, message: String| problems.push(ConfigProblem { field, message });

        let (allowed, bad) = self.origin_patterns();
        for m in bad {
            problem("allowed_origins", m);
        }

        if self.client_id.trim().is_empty() {
            problem(
                "client_id",
                "The client id is empty: enter the client id of the app registered in iLert."
                    .into(),
            );
        }

        let tenant = self.tenant.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(t) = tenant {
            match normalize_tenant(t).and_then(|_| tenant_authorize_url(t)) {
                Err(e) => {
                    let m = match e {
                        Error::Config(m) => m,
                        other => other.to_string(),
                    };
                    problem("tenant", format!("The tenant is not valid: {m}."));
                }
                Ok(url) => {
                    if let Err(e) = check_endpoint("tenant's authorize URL", &url, false, &allowed)
                    {
                        problem("tenant", e.message());
                    }
                }
            }
        } else {
            let url = self.authorize_endpoint().unwrap_or_default();
            if let Err(e) = check_endpoint("authorize URL", &url, false, &allowed) {
                problem("authorize_url", e.message());
            }
        }

        match check_endpoint("API base", &self.api_base, true, &allowed) {
            Err(e) => problem("api_base", e.message()),
            Ok(base) => {
                // The endpoints are the base with a path appended: they must stay on its origin.
                for url in [
                    self.token_url(),
                    self.token_info_url(),
                    self.revoke_url(),
                    self.user_url(),
                ] {
                    if parse_url(&url).map(|u| u.origin).as_deref() != Some(base.origin.as_str()) {
                        problem(
                            "api_base",
                            format!(
                                "The API base \"{}\" does not keep its origin when the endpoint paths are appended ({url}).",
                                shown(&self.api_base)
                            ),
                        );
                        break;
                    }
                }
            }
        }

        match parse_url(&self.redirect_uri).filter(UrlParts::is_http) {
            None => problem(
                "redirect_uri",
                format!(
                    "The redirect URI \"{}\" is not an absolute http(s) URL.",
                    shown(&self.redirect_uri)
                ),
            ),
            Some(u) => {
                if let Err(m) = check_scheme("redirect URI", &u) {
                    problem("redirect_uri", m);
                }
                if u.has_userinfo {
                    problem(
                        "redirect_uri",
                        "The redirect URI must not contain a user name or password (…@).".into(),
                    );
                }
                if u.has_fragment {
                    problem(
                        "redirect_uri",
                        "The redirect URI must not contain a fragment (#…).".into(),
                    );
                }
                let root = app_root.filter(|r| !r.trim().is_empty()).map(|r| {
                    let origin = origin_of(r).unwrap_or_else(|| r.trim().to_string());
                    let base = parse_url(r).map_or_else(|| "/".to_string(), |p| p.path);
                    (origin, base)
                });
                let callback = Page::Callback.path();
                match &root {
                    Some((_, base)) if u.path != format!("{base}{callback}") => problem(
                        "redirect_uri",
                        format!("The redirect URI's path must be {base}{callback}: that is the page of this app that handles iLert's answer."),
                    ),
                    None if !u.path.ends_with(&format!("/{callback}")) => problem(
                        "redirect_uri",
                        format!("The redirect URI must end in /{callback}: that is the page of this app that handles iLert's answer."),
                    ),
                    _ => {}
                }
                if let Some((origin, _)) = root.filter(|(origin, _)| u.origin != *origin) {
                    problem(
                        "redirect_uri",
                        format!("The redirect URI must be on this page's origin ({origin}), or the callback never reaches this app."),
                    );
                }
            }
        }

        if let Some(issuer) = self.issuer.as_deref().filter(|i| !i.trim().is_empty()) {
            match parse_url(issuer).filter(UrlParts::is_http) {
                None => problem(
                    "issuer",
                    format!(
                        "The issuer \"{}\" is not an absolute http(s) URL.",
                        shown(issuer)
                    ),
                ),
                Some(u) => {
                    if let Err(m) = check_scheme("issuer", &u) {
                        problem("issuer", m);
                    } else if u.has_userinfo || u.has_query || u.has_fragment {
                        problem(
                            "issuer",
                            "The issuer must not contain a user name, a query (?…) or a fragment (#…)."
                                .into(),
                        );
                    }
                }
            }
        }

        if self.scopes.iter().all(|s| s.trim().is_empty()) {
            problem(
                "scopes",
                "No scopes: request at least \"profile\" to read your user profile.".into(),
            );
        }
        for s in &self.scopes {
            if !s.trim().is_empty() && !is_known_scope(s) {
                problem("scopes", format!("\"{s}\" is not a scope iLert knows (e.g. profile, offline_access, source:w)."));
            }
        }
        problems
    }

    /// The check the sign-in makes before it sends the browser anywhere: Ok when
    /// [`Config::validate`] finds nothing (with the app's root, if known), else one
    /// [`Error::Config`] that lists every problem.
    pub fn checked(&self, app_root: Option<&str>) -> Result<(), Error> {
        let problems = self.validate(app_root);
        if problems.is_empty() {
            return Ok(());
        }
        let list = problems
            .iter()
            .map(ConfigProblem::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        Err(Error::Config(format!(
            "the configuration cannot be used to sign in: {list}"
        )))
    }
}

/// A URL as typed, trimmed and shortened for messages.
fn shown(url: &str) -> String {
    let url = url.trim();
    match url.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &url[..i]),
        None => url.to_string(),
    }
}

/// [`DEFAULT_ALLOWED_ORIGINS`] as patterns: what a deployment allows when config.json names
/// none, or cannot be read.
pub fn default_allowed_origins() -> Vec<OriginPattern> {
    DEFAULT_ALLOWED_ORIGINS
        .iter()
        .map(|p| OriginPattern::parse(p).expect("the default list is well formed"))
        .collect()
}

/// The allowed origins as one text.
fn list_text(patterns: &[OriginPattern]) -> String {
    if patterns.is_empty() {
        "none".into()
    } else {
        patterns
            .iter()
            .map(OriginPattern::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An absolute URL as a browser reads it (WHATWG URL standard), split into what the checks
/// need. Made by [`parse_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme, lowercase, without `:`.
    pub scheme: String,
    /// The host as the browser writes it: lowercase, IPv4 in dotted decimal (`127.1` is
    /// `127.0.0.1`), IPv6 in brackets (`[::1]`); empty when the URL has none.
    pub host: String,
    /// The port, None when absent or the scheme's default (`:443` on https).
    pub port: Option<u16>,
    /// The path (`/` for an http(s) URL without one).
    pub path: String,
    /// Whether there is a query (`?…`, even empty).
    pub has_query: bool,
    /// Whether there is a fragment (`#…`, even empty).
    pub has_fragment: bool,
    /// Whether there is a user name or password (`user:pw@`).
    pub has_userinfo: bool,
    /// `scheme://host[:port]` (default port dropped); `null` for URLs without an origin.
    pub origin: String,
}

impl UrlParts {
    /// Whether the scheme is http or https.
    pub fn is_http(&self) -> bool {
        matches!(self.scheme.as_str(), "http" | "https")
    }

    /// Whether the host is the local machine (where plain http is acceptable).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Parses an absolute URL (trimmed) the way the browser does: `web_sys::Url` on wasm32, the
/// `url` crate on the host. None when it is not an absolute URL.
pub fn parse_url(url: &str) -> Option<UrlParts> {
    let url = url.trim();
    #[cfg(target_arch = "wasm32")]
    {
        crate::browser::url::parse(url)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        native_url::parse(url)
    }
}

/// The host implementation of [`parse_url`]: the `url` crate (never linked into the wasm build).
#[cfg(not(target_arch = "wasm32"))]
mod native_url {
    use super::UrlParts;

    pub fn parse(s: &str) -> Option<UrlParts> {
        let u = url::Url::parse(s).ok()?;
        Some(UrlParts {
            scheme: u.scheme().to_string(),
            host: u.host_str().unwrap_or("").to_string(),
            port: u.port(),
            path: u.path().to_string(),
            has_query: u.query().is_some(),
            has_fragment: u.fragment().is_some(),
            has_userinfo: !u.username().is_empty() || u.password().is_some(),
            origin: u.origin().ascii_serialization(),
        })
    }
}

/// The port part of an [`OriginPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    /// `:*`
    Any,
    /// That port; None is the scheme's default.
    Exact(Option<u16>),
}

/// One entry of `allowed_origins` (syntax: see [`Config::allowed_origins`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    /// The host, or with `one_label` the domain under which one label is allowed.
    host: String,
    one_label: bool,
    port: PortPattern,
}

/// Domains under which anyone can host a site (a shared hosting or cloud provider's domain,
/// each tenant one label below it): `https://*.github.io` would allow every GitHub Pages
/// user. A short curated list, not the public-suffix list (which would not fit the wasm's
/// size budget); with [`shared_suffix_problem`]'s structural rule for `co.uk`-like suffixes.
/// xtask refuses the same patterns when it writes the CSP (it calls this module).
pub const SHARED_HOSTING_SUFFIXES: &[&str] = &[
    "github.io",
    "githubusercontent.com",
    "gitlab.io",
    "netlify.app",
    "pages.dev",
    "workers.dev",
    "vercel.app",
    "herokuapp.com",
    "web.app",
    "firebaseapp.com",
    "azurewebsites.net",
    "azurestaticapps.net",
    "cloudfront.net",
    "amazonaws.com",
    "appspot.com",
    "blogspot.com",
    "onrender.com",
    "fly.dev",
    "glitch.me",
    "surge.sh",
    "ngrok.io",
    "ngrok-free.app",
    "trycloudflare.com",
];

/// The first labels of `co.uk`-like public suffixes: `*.` over `<one of these>.<ccTLD>`
/// spans every domain registered there.
const SECOND_LEVEL_LABELS: &[&str] = &[
    "co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob", "mil", "ltd", "plc",
    "sch", "nom",
];

/// Why `*.` + `domain` spans many tenants' sites (None when it does not): `domain` is, or
/// lies under, a [`SHARED_HOSTING_SUFFIXES`] entry, or is a two-label suffix like `co.uk`
/// ([`SECOND_LEVEL_LABELS`] + a two-letter country code).
pub fn shared_suffix_problem(domain: &str) -> Option<String> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    if let Some(s) = SHARED_HOSTING_SUFFIXES
        .iter()
        .find(|s| d == **s || d.ends_with(&format!(".{s}")))
    {
        let part = if d == *s {
            String::new()
        } else {
            format!(" (part of {s})")
        };
        return Some(format!(
            "spans {d}{part}, where anyone can host a site: list the exact origin instead"
        ));
    }
    match d.split('.').collect::<Vec<_>>()[..] {
        [second, cc]
            if SECOND_LEVEL_LABELS.contains(&second)
                && cc.len() == 2
                && cc.bytes().all(|b| b.is_ascii_lowercase()) =>
        {
            Some(format!(
                "spans {d}, a public suffix under which anyone can register a domain: list the exact origin instead"
            ))
        }
        _ => None,
    }
}

/// The label that stands in for `*` while the URL parser reads a pattern's host.
const WILDCARD_LABEL: &str = "wildcard-label";

impl OriginPattern {
    /// Reads one entry: `https://host`, `https://*.domain`, `http://localhost:*`, ….
    pub fn parse(text: &str) -> Result<OriginPattern, String> {
        let t = text.trim();
        let why = |m: &str| Err(format!("\"{t}\" {m}"));
        let Some((scheme, rest)) = t.split_once("://") else {
            return why("is not an origin: write scheme://host[:port], e.g. https://api.ilert.com");
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return why("must start with https:// (or http:// for localhost, 127.0.0.1 and [::1])");
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '\\', '?', '#', '@']) || rest.chars().any(char::is_whitespace) {
            return why("must be an origin only (scheme://host[:port]): no path, query, fragment or user name");
        }
        let (rest, any_port) = match rest.strip_suffix(":*") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (rest, one_label) = match rest.strip_prefix("*.") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if rest.contains('*') {
            return why("may use * only as \"*.\" in front of a domain (one label) or as \":*\" for any port");
        }
        let probe = if one_label {
            format!("{scheme}://{WILDCARD_LABEL}.{rest}/")
        } else {
            format!("{scheme}://{rest}/")
        };
        let Some(u) = parse_url(&probe).filter(|u| {
            u.scheme == scheme && !u.host.is_empty() && u.path == "/" && !u.has_userinfo
        }) else {
            return why("is not a valid origin");
        };
        let host = if one_label {
            let suffix = u
                .host
                .strip_prefix(WILDCARD_LABEL)
                .and_then(|s| s.strip_prefix('.'))
                .filter(|s| s.contains('.') && !s.starts_with('.'));
            match suffix {
                Some(s) => {
                    if let Some(m) = shared_suffix_problem(s) {
                        return why(&m);
                    }
                    s.to_string()
                }
                None => return why("is too broad: \"*.\" must stand in front of a domain of at least two labels, e.g. https://*.ilert.com"),
            }
        } else {
            u.host.clone()
        };
        if scheme == "http" && (one_label || !is_loopback_host(&host)) {
            return why(
                "uses plain http, which is allowed only for localhost, 127.0.0.1 and [::1]",
            );
        }
        Ok(OriginPattern {
            scheme,
            host,
            one_label,
            port: if any_port {
                PortPattern::Any
            } else {
                PortPattern::Exact(u.port)
            },
        })
    }

    /// Whether the URL's origin is one this pattern allows.
    pub fn matches(&self, u: &UrlParts) -> bool {
        if u.scheme != self.scheme || u.has_userinfo {
            return false;
        }
        if let PortPattern::Exact(p) = self.port {
            if u.port != p {
                return false;
            }
        }
        if !self.one_label {
            return u.host == self.host;
        }
        let Some(label) = u
            .host
            .strip_suffix(self.host.as_str())
            .and_then(|l| l.strip_suffix('.'))
        else {
            return false;
        };
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    }
}

impl std::fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wildcard = if self.one_label { "*." } else { "" };
        write!(f, "{}://{wildcard}{}", self.scheme, self.host)?;
        match self.port {
            PortPattern::Any => write!(f, ":*"),
            PortPattern::Exact(Some(p)) => write!(f, ":{p}"),
            PortPattern::Exact(None) => Ok(()),
        }
    }
}

/// Checks that a URL is https, or http on the local machine.
fn check_scheme(what: &str, u: &UrlParts) -> Result<(), String> {
    match u.scheme.as_str() {
        "https" => Ok(()),
        "http" if u.is_loopback() => Ok(()),
        "http" => Err(format!(
            "The {what} must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])."
        )),
        other => Err(format!("The {what} must be an http(s) URL, not {other}:.")),
    }
}

/// Checks a URL the sign-in sends something to: absolute, https (or loopback http), no user
/// name, no fragment (with `api_base`, no query either: paths are appended to it), and on an
/// allowed origin. Returns the URL as the browser reads it.
fn check_endpoint(
    what: &str,
    url: &str,
    api_base: bool,
    allowed: &[OriginPattern],
) -> Result<UrlParts, EndpointProblem> {
    let other = |m: String| Err(EndpointProblem::Other(m));
    let Some(u) = parse_url(url) else {
        return other(format!(
            "The {what} \"{}\" is not an absolute http(s) URL.",
            shown(url)
        ));
    };
    if let Err(m) = check_scheme(what, &u) {
        return other(m);
    }
    if u.has_userinfo {
        return other(format!(
            "The {what} must not contain a user name or password (…@): the browser would go to {} instead.",
            u.origin
        ));
    }
    if u.has_fragment {
        return other(format!("The {what} must not contain a fragment (#…)."));
    }
    if api_base && u.has_query {
        return other(format!(
            "The {what} must not contain a query (?…): the endpoint paths are appended to it."
        ));
    }
    if !allowed.iter().any(|p| p.matches(&u)) {
        return Err(EndpointProblem::NotAllowed(format!(
            "The {what} \"{}\" is on {}, which this deployment does not allow. Allowed: {}. Only the deployment's config.json (allowed_origins) can allow more.",
            shown(url),
            u.origin,
            list_text(allowed)
        )));
    }
    Ok(u)
}

/// Whether `url` may be used as an authorize URL or API base under `allowed` (the checks of
/// [`Config::validate`] for those fields); Err says why not.
pub fn check_endpoint_url(url: &str, allowed: &[OriginPattern]) -> Result<(), String> {
    check_endpoint("URL", url, false, allowed)
        .map(|_| ())
        .map_err(EndpointProblem::message)
}

/// The origin of an absolute URL, `scheme://host[:port]`, as the browser reads it: scheme and
/// host lowercased, default ports (80 for http, 443 for https) dropped; None if the text is not
/// an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    parse_url(url).filter(UrlParts::is_http).map(|u| u.origin)
}

/// One URL and how the checks must read it: the same table runs on the host (`url` crate) and
/// in the browser (`web_sys::Url`, tests/browser.rs), so both parsers must agree.
#[derive(Debug, Clone, Copy)]
pub struct UrlVector {
    /// The text as typed.
    pub url: &'static str,
    /// Its origin as the browser reads it; None when it is not an absolute http(s) URL.
    pub origin: Option<&'static str>,
    /// Whether the default allowed_origins admit it as an authorize URL or API base.
    pub allowed: bool,
}

const fn v(url: &'static str, origin: Option<&'static str>, allowed: bool) -> UrlVector {
    UrlVector {
        url,
        origin,
        allowed,
    }
}

/// The URL vectors (see [`UrlVector`]).
#[rustfmt::skip]
pub const URL_VECTORS: &[UrlVector] = &[
    v("https://api.ilert.com", Some("https://api.ilert.com"), true),
    v("https://app.ilert.com/api/developers/oauth2/authorize", Some("https://app.ilert.com"), true),
    // A backslash ends the host, as a slash does: the browser goes to api.ilert.com …
    v("https://api.ilert.com\\@evil.example", Some("https://api.ilert.com"), true),
    // … and here to evil.example, whatever comes after the "@".
    v("https://evil.example\\@api.ilert.com", Some("https://evil.example"), false),
    // Userinfo: the host is what follows the last "@".
    v("https://api.ilert.com@evil.example", Some("https://evil.example"), false),
    v("https://user:pw@api.ilert.com", Some("https://api.ilert.com"), false),
    v("https://user@acme.ilert.com", Some("https://acme.ilert.com"), false),
    v("https://api.ilert.com%2F@evil.example", Some("https://evil.example"), false),
    v("https://api.ilert.com%40evil.example", None, false),
    // Ports: the default one is the same origin, any other is not.
    v("https://api.ilert.com:443", Some("https://api.ilert.com"), true),
    v("https://api.ilert.com:0443/x", Some("https://api.ilert.com"), true),
    v("https://api.ilert.com:8443", Some("https://api.ilert.com:8443"), false),
    v("https://api.ilert.com:99999", None, false),
    v("https://api.ilert.com:x", None, false),
    // Case and spelling.
    v("HTTPS://API.ILERT.COM", Some("https://api.ilert.com"), true),
    v("https:api.ilert.com", Some("https://api.ilert.com"), true),
    v("https:///api.ilert.com", Some("https://api.ilert.com"), true),
    v("https://api.il\tert.com", Some("https://api.ilert.com"), true),
    v("  https://api.ilert.com/  ", Some("https://api.ilert.com"), true),
    // Look-alikes.
    v("https://api.ilert.com.evil.example", Some("https://api.ilert.com.evil.example"), false),
    v("https://evililert.com", Some("https://evililert.com"), false),
    v("https://ilert.com", Some("https://ilert.com"), false),
    v("https://api.ilert.com.", Some("https://api.ilert.com."), false),
    // One tenant label under ilert.com, over https only.
    v("https://acme.ilert.com", Some("https://acme.ilert.com"), true),
    v("https://ACME.ilert.com/api/developers/oauth2/authorize", Some("https://acme.ilert.com"), true),
    v("https://a.b.ilert.com", Some("https://a.b.ilert.com"), false),
    v("https://acme.ilert.com:8443", Some("https://acme.ilert.com:8443"), false),
    v("http://acme.ilert.com", Some("http://acme.ilert.com"), false),
    v("http://api.ilert.com", Some("http://api.ilert.com"), false),
    // Loopback, http or https, any port.
    v("http://localhost:4598", Some("http://localhost:4598"), true),
    v("https://localhost", Some("https://localhost"), true),
    v("http://127.0.0.1:9", Some("http://127.0.0.1:9"), true),
    v("http://[::1]:4598", Some("http://[::1]:4598"), true),
    v("http://[0:0:0:0:0:0:0:1]:4598/x", Some("http://[::1]:4598"), true),
    v("http://127.1", Some("http://127.0.0.1"), true),
    v("http://0x7f000001:4598", Some("http://127.0.0.1:4598"), true),
    v("http://localhost.evil.example", Some("http://localhost.evil.example"), false),
    v("http://127.0.0.2", Some("http://127.0.0.2"), false),
    // Not http(s), or not absolute.
    v("javascript:alert(1)", None, false),
    v("data:text/html,<script>alert(1)</script>", None, false),
    v("ftp://api.ilert.com", None, false),
    v("//api.ilert.com", None, false),
    v("/api", None, false),
    v("api.ilert.com", None, false),
    v("", None, false),
    v("https://", None, false),
    // A space in the host: the standard refuses it (Chromium would write %20).
    v("https://ex ample.com", None, false),
    v("https://ex%20ample.com", None, false),
    v("http://[::1", None, false),
    // Fragments are refused, a query is fine for the authorize URL.
    v("https://app.ilert.com/authorize#x", Some("https://app.ilert.com"), false),
    v("https://app.ilert.com/authorize?x=1", Some("https://app.ilert.com"), true),
];

/// Runs [`URL_VECTORS`] through [`parse_url`] and the default allowed list; the mismatches,
/// as readable lines (empty when the parser in use agrees with the table).
pub fn url_vector_mismatches() -> Vec<String> {
    let allowed: Vec<OriginPattern> = DEFAULT_ALLOWED_ORIGINS
        .iter()
        .map(|p| OriginPattern::parse(p).expect("the default list is well formed"))
        .collect();
    let mut out = Vec::new();
    for vector in URL_VECTORS {
        let origin = origin_of(vector.url);
        if origin.as_deref() != vector.origin {
            out.push(format!(
                "{:?}: origin {origin:?}, expected {:?} (parsed: {:?})",
                vector.url,
                vector.origin,
                parse_url(vector.url)
            ));
        }
        let verdict = check_endpoint_url(vector.url, &allowed);
        if verdict.is_ok() != vector.allowed {
            out.push(format!(
                "{:?}: {verdict:?}, expected allowed = {} (parsed: {:?})",
                vector.url,
                vector.allowed,
                parse_url(vector.url)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repo's config.json, as the app at http://localhost:4597/ has it.
    fn base() -> Config {
        Config::from_json(include_str!("../public/config.json"))
            .unwrap()
            .with_redirect_default("http://localhost:4597/")
    }

    #[test]
    fn the_repos_config_json_parses_and_is_valid() {
        let c = Config::from_json(include_str!("../public/config.json")).unwrap();
        assert_eq!(c.client_id, "ilert-pkce-demo");
        assert_eq!(c.tenant, None);
        assert_eq!(
            c.authorize_url.as_deref(),
            Some("http://127.0.0.1:4598/api/developers/oauth2/authorize")
        );
        assert_eq!(c.api_base, "http://127.0.0.1:4598");
        // No redirect_uri: the page's own callback, wherever the build is served.
        assert_eq!(c.redirect_uri, "");
        let c = c.with_redirect_default("http://localhost:4597/");
        assert_eq!(c.redirect_uri, "http://localhost:4597/webapp");
        assert_eq!(c.scopes, ["profile", "offline_access"]);
        assert_eq!(c.issuer, None);
        // The repo's config.json spells out the default list, as an example for deployers.
        assert_eq!(
            c.allowed_origins.as_deref(),
            Some(
                &DEFAULT_ALLOWED_ORIGINS
                    .iter()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()[..]
            )
        );
        assert_eq!(
            c.expected_issuer().as_deref(),
            Some("http://127.0.0.1:4598")
        );
        assert_eq!(c.validate(Some("http://localhost:4597")), vec![]);
        assert_eq!(c.checked(Some("http://localhost:4597")), Ok(()));
        assert_eq!(c.validate(None), vec![]);
        assert_eq!(
            c.authorize_endpoint().unwrap(),
            "http://127.0.0.1:4598/api/developers/oauth2/authorize"
        );
        assert_eq!(
            c.token_url(),
            "http://127.0.0.1:4598/api/developers/oauth2/token"
        );
        assert_eq!(
            c.token_info_url(),
            "http://127.0.0.1:4598/api/developers/oauth2/token_info"
        );
        assert_eq!(
            c.revoke_url(),
            "http://127.0.0.1:4598/api/developers/oauth2/revoke"
        );
        assert_eq!(c.user_url(), "http://127.0.0.1:4598/api/users/current");
        assert_eq!(c.scopes.join(" "), "profile offline_access");
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
        assert_eq!(c, base());
    }

    #[test]
    fn from_json_messages() {
        let err = |s: &str| match Config::from_json(s) {
            Err(Error::Config(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        assert!(err("{nope").contains("not valid JSON"));
        assert!(err("[]").contains("must be a JSON object"));
        assert!(err(r#"{"api_base":"x","redirect_uri":"y"}"#).contains("\"client_id\" is missing"));
        assert!(
            err(r#"{"client_id":" ","api_base":"x","redirect_uri":"y"}"#)
                .contains("\"client_id\" is empty")
        );
        assert!(err(r#"{"client_id":"c","redirect_uri":"y"}"#).contains("\"api_base\" is missing"));
        // No redirect_uri: the app's own callback page (`with_redirect_default`).
        for optional in [
            r#"{"client_id":"c","api_base":"x","redirect_uri":null}"#,
            r#"{"client_id":"c","api_base":"x"}"#,
            r#"{"client_id":"c","api_base":"x","redirect_uri":" "}"#,
        ] {
            assert_eq!(Config::from_json(optional).unwrap().redirect_uri, "");
        }
        assert!(err(r#"{"client_id":5,"api_base":"x","redirect_uri":"y"}"#)
            .contains("\"client_id\" must be a text"));
        assert!(
            err(r#"{"client_id":"c","api_base":"x","redirect_uri":"y","scopes":[1]}"#)
                .contains("wrong type")
        );
    }

    #[test]
    fn from_json_defaults_and_normalisation() {
        let c = Config::from_json(
            r#"{"client_id":" c ","api_base":"https://api.ilert.com/","redirect_uri":"https://app.example/cb",
                "tenant":"  ","authorize_url":"","issuer":"","unknown":1}"#,
        )
        .unwrap();
        assert_eq!(c.client_id, "c");
        assert_eq!(
            (
                c.tenant.as_deref(),
                c.authorize_url.as_deref(),
                c.issuer.as_deref()
            ),
            (None, None, None)
        );
        assert_eq!(c.scopes, ["profile", "offline_access"]);
        assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
        assert_eq!(
            c.token_url(),
            "https://api.ilert.com/api/developers/oauth2/token"
        );
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com//","redirect_uri":"https://b","scopes":null}"#).unwrap();
        assert_eq!(c.scopes, ["profile", "offline_access"]);
        assert_eq!(c.user_url(), "https://api.ilert.com/api/users/current");
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com","redirect_uri":"https://b","scopes":"profile  source:w profile"}"#).unwrap();
        assert_eq!(c.scopes, ["profile", "source:w"]);
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com","redirect_uri":"https://b","scopes":["profile","profile"," "]}"#).unwrap();
        assert_eq!(c.scopes, ["profile"]);
    }

    #[test]
    fn tenant_wins_over_authorize_url() {
        let mut c = base();
        c.tenant = Some(" Acme ".into());
        assert_eq!(
            c.authorize_endpoint().unwrap(),
            "https://acme.ilert.com/api/developers/oauth2/authorize"
        );
        assert_eq!(c.validate(None), vec![]);
        c.tenant = Some("acme.ilert.com".into());
        assert!(matches!(c.authorize_endpoint(), Err(Error::Config(_))));
        let p = c.validate(None);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "tenant");
        c.tenant = Some("".into());
        c.authorize_url = None;
        assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
    }

    fn fields(c: &Config, origin: Option<&str>) -> Vec<&'static str> {
        c.validate(origin).into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn validation_problems() {
        let mut c = base();
        c.client_id = "".into();
        assert_eq!(fields(&c, None), ["client_id"]);

        let mut c = base();
        c.api_base = "api.ilert.com".into();
        assert_eq!(fields(&c, None), ["api_base"]);
        c.api_base = "http://api.ilert.com".into();
        assert!(c.validate(None)[0].message.contains("must use https"));
        c.api_base = "ftp://api.ilert.com".into();
        assert_eq!(fields(&c, None), ["api_base"]);
        c.api_base = "https://api.ilert.com/?x=1".into();
        assert!(c.validate(None)[0].message.contains("query"));
        c.api_base = "http://[::1]:4598".into();
        assert_eq!(fields(&c, None), Vec::<&str>::new());
        c.api_base = "http://localhost".into();
        assert_eq!(fields(&c, None), Vec::<&str>::new());

        let mut c = base();
        c.authorize_url = Some("http://evil.example/authorize".into());
        assert_eq!(fields(&c, None), ["authorize_url"]);
        c.authorize_url = Some("https://app.ilert.com/api/developers/oauth2/authorize#x".into());
        assert_eq!(fields(&c, None), ["authorize_url"]);
        c.authorize_url = Some("https://app.ilert.com/api/developers/oauth2/authorize?x=1".into());
        assert_eq!(fields(&c, None), Vec::<&str>::new());

        let mut c = base();
        c.scopes = vec![];
        assert_eq!(fields(&c, None), ["scopes"]);
        c.scopes = vec!["profile".into(), "nonsense".into(), "source:x".into()];
        let p = c.validate(None);
        assert_eq!(p.len(), 2);
        assert!(p[0].message.contains("\"nonsense\""));
        assert!(p[0].to_string().starts_with("scopes: "));
    }

    #[test]
    fn redirect_uri_checks() {
        let mut c = base();
        let problems = c.validate(Some("http://localhost:8080"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "redirect_uri");
        assert_eq!(
            problems[0].message,
            "The redirect URI must be on this page's origin (http://localhost:8080), or the callback never reaches this app."
        );
        assert_eq!(
            fields(&c, Some("HTTP://LocalHost:4597/")),
            Vec::<&str>::new()
        );
        assert_eq!(fields(&c, Some("http://127.0.0.1:4597")), ["redirect_uri"]);
        c.redirect_uri = "http://localhost:4597/webapp#x".into();
        assert_eq!(fields(&c, Some("http://localhost:4597")), ["redirect_uri"]);
        c.redirect_uri = "/webapp".into();
        assert_eq!(fields(&c, None), ["redirect_uri"]);
        c.redirect_uri = "http://app.example.com/webapp".into();
        assert_eq!(fields(&c, None), ["redirect_uri"]);
        c.redirect_uri = "https://app.example.com:443/webapp?x=1".into();
        assert_eq!(
            fields(&c, Some("https://app.example.com")),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://localhost:4597/webapp?x#y").as_deref(),
            Some("http://localhost:4597")
        );
        assert_eq!(
            origin_of("HTTPS://App.Example.COM:443/").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of("http://example.com:80").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(
            origin_of("https://example.com:80").as_deref(),
            Some("https://example.com:80")
        );
        assert_eq!(
            origin_of("http://[::1]:4597/x").as_deref(),
            Some("http://[::1]:4597")
        );
        assert_eq!(origin_of("http://[::1]/x").as_deref(), Some("http://[::1]"));
        assert_eq!(
            origin_of("https://user:pw@example.com/x").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            origin_of("https://example.com?x=1").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            origin_of("https://example.com:").as_deref(),
            Some("https://example.com")
        );
        // As the browser reads it: extra slashes before the host are skipped.
        assert_eq!(origin_of("https:///x").as_deref(), Some("https://x"));
        assert_eq!(
            origin_of(" https://example.com ").as_deref(),
            Some("https://example.com")
        );
        for bad in [
            "",
            "example.com",
            "/webapp",
            "https://",
            "javascript:alert(1)",
            "https://ex ample.com",
            "https://a:99999",
            "https://a:x",
            "1http://a",
            "http://[::1",
            "http://[::1]x",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_trailing_slash_on_the_api_base_does_not_change_the_endpoints() {
        let c = base();
        let mut d = c.clone();
        d.api_base = "http://127.0.0.1:4598/".into();
        assert_eq!(d.token_url(), c.token_url());
        assert_eq!(d.user_url(), "http://127.0.0.1:4598/api/users/current");
    }

    #[test]
    fn a_build_under_a_sub_path_gets_its_own_callback_by_default() {
        let mut c = base();
        c.redirect_uri = String::new();
        let c = c.with_redirect_default("https://someone.github.io/ilert-pkce/");
        assert_eq!(
            c.redirect_uri,
            "https://someone.github.io/ilert-pkce/webapp"
        );
        assert_eq!(
            c.validate(Some("https://someone.github.io/ilert-pkce/")),
            vec![]
        );
        // A named one is kept, and checked against where the app really is.
        let named = Config {
            redirect_uri: "https://someone.github.io/webapp".into(),
            ..c.clone()
        }
        .with_redirect_default("https://someone.github.io/ilert-pkce/");
        assert_eq!(named.redirect_uri, "https://someone.github.io/webapp");
        let problems = named.validate(Some("https://someone.github.io/ilert-pkce/"));
        assert_eq!(fields_of(&problems), ["redirect_uri"]);
        assert!(
            problems[0].message.contains("/ilert-pkce/webapp"),
            "{}",
            problems[0].message
        );
        // The same URI is right for the app at the root.
        assert_eq!(named.validate(Some("https://someone.github.io")), vec![]);
        // Another origin is refused too.
        let elsewhere = Config {
            redirect_uri: "https://other.example/ilert-pkce/webapp".into(),
            ..c
        };
        let problems = elsewhere.validate(Some("https://someone.github.io/ilert-pkce/"));
        assert!(problems[0].message.contains("https://someone.github.io"));
    }

    fn fields_of(problems: &[ConfigProblem]) -> Vec<&'static str> {
        problems.iter().map(|p| p.field).collect()
    }

    #[test]
    fn the_redirect_uri_must_point_at_the_callback_route() {
        let mut c = base();
        assert!(c.validate(Some("http://localhost:4597")).is_empty());
        c.redirect_uri = "http://localhost:4597/callback".into();
        let problems = c.validate(Some("http://localhost:4597"));
        assert!(
            problems
                .iter()
                .any(|p| p.field == "redirect_uri" && p.message.contains("/webapp")),
            "{problems:?}"
        );
        c.redirect_uri = "http://localhost:4597/webapp?x=1".into();
        assert!(!c
            .validate(None)
            .iter()
            .any(|p| p.message.contains("must end in")));
    }

    #[test]
    fn the_url_crate_reads_the_shared_vectors_like_a_browser() {
        let mismatches = url_vector_mismatches();
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
        assert!(URL_VECTORS.len() >= 40);
    }

    #[test]
    fn url_parts_of_the_tricky_ones() {
        let u = parse_url("https://api.ilert.com\\@evil.example").unwrap();
        assert_eq!(
            (u.host.as_str(), u.path.as_str(), u.has_userinfo),
            ("api.ilert.com", "/@evil.example", false)
        );
        let u = parse_url("https://api.ilert.com@evil.example").unwrap();
        assert_eq!((u.host.as_str(), u.has_userinfo), ("evil.example", true));
        let u = parse_url("https://api.ilert.com:443/a?b#c").unwrap();
        assert_eq!(u.port, None);
        assert_eq!(u.origin, "https://api.ilert.com");
        assert!(u.has_query && u.has_fragment);
        let u = parse_url("https://a/?#").unwrap();
        assert!(
            u.has_query && u.has_fragment,
            "empty query and fragment still count"
        );
        let u = parse_url("http://[::1]:4598").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("[::1]", Some(4598)));
        assert!(u.is_loopback());
    }

    fn pattern(s: &str) -> Result<String, String> {
        OriginPattern::parse(s).map(|p| p.to_string())
    }

    #[test]
    fn allowed_origin_syntax() {
        for (text, canonical) in [
            ("https://api.ilert.com", "https://api.ilert.com"),
            (" HTTPS://API.iLert.com/ ", "https://api.ilert.com"),
            ("https://api.ilert.com:443", "https://api.ilert.com"),
            ("https://api.ilert.com:8443", "https://api.ilert.com:8443"),
            ("https://*.ilert.com", "https://*.ilert.com"),
            ("https://*.ILERT.com:*", "https://*.ilert.com:*"),
            ("http://localhost:*", "http://localhost:*"),
            ("http://127.1:*", "http://127.0.0.1:*"),
            ("http://[0:0::1]:4598", "http://[::1]:4598"),
            ("https://ilert.example.org", "https://ilert.example.org"),
        ] {
            assert_eq!(pattern(text).as_deref(), Ok(canonical), "{text}");
        }
        for (text, why) in [
            ("api.ilert.com", "is not an origin"),
            ("ftp://api.ilert.com", "must start with https://"),
            ("javascript://x", "must start with https://"),
            ("http://api.ilert.com", "plain http"),
            ("http://*.localhost", "too broad"),
            ("http://*.ilert.com", "plain http"),
            ("https://*.com", "too broad"),
            ("https://*", "may use * only"),
            ("https://a.*.ilert.com", "may use * only"),
            ("https://*ilert.com", "may use * only"),
            ("https://api.ilert.com:8*", "may use * only"),
            ("https://api.ilert.com/api", "origin only"),
            ("https://api.ilert.com?x", "origin only"),
            ("https://api.ilert.com\\x", "origin only"),
            ("https://user@api.ilert.com", "origin only"),
            ("https://", "not a valid origin"),
            ("https://api.ilert.com:99999", "not a valid origin"),
            ("https://ex ample.com", "origin only"),
        ] {
            match pattern(text) {
                Err(m) => assert!(m.contains(why), "{text}: {m}"),
                Ok(p) => panic!("{text} was accepted as {p}"),
            }
        }
        let defaults: Vec<String> = base()
            .allowed_origins()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(defaults, DEFAULT_ALLOWED_ORIGINS);
        assert!(base().allowed_origins_text().starts_with(
            "https://app.ilert.com, https://api.ilert.com, https://*.ilert.com, http://localhost:*"
        ));
    }

    #[test]
    fn wildcards_over_a_shared_hosting_domain_or_a_public_suffix_are_refused() {
        for domain in SHARED_HOSTING_SUFFIXES {
            let text = format!("https://*.{domain}");
            match pattern(&text) {
                Err(m) => assert_eq!(
                    m,
                    format!("\"{text}\" spans {domain}, where anyone can host a site: list the exact origin instead"),
                ),
                Ok(p) => panic!("{text} was accepted as {p}"),
            }
        }
        for (text, why) in [
            ("https://*.GitHub.IO", "spans github.io,"),
            ("https://*.github.io.", "spans github.io,"),
            ("https://*.github.io:*", "spans github.io,"),
            ("https://*.gitlab.io", "spans gitlab.io,"),
            ("https://*.netlify.app", "spans netlify.app,"),
            ("https://*.pages.dev", "spans pages.dev,"),
            ("https://*.vercel.app", "spans vercel.app,"),
            ("https://*.herokuapp.com", "spans herokuapp.com,"),
            ("https://*.web.app", "spans web.app,"),
            ("https://*.firebaseapp.com", "spans firebaseapp.com,"),
            ("https://*.azurewebsites.net", "spans azurewebsites.net,"),
            ("https://*.cloudfront.net", "spans cloudfront.net,"),
            ("https://*.amazonaws.com", "spans amazonaws.com,"),
            ("https://*.appspot.com", "spans appspot.com,"),
            (
                "https://*.s3.amazonaws.com",
                "spans s3.amazonaws.com (part of amazonaws.com),",
            ),
            ("https://*.co.uk", "spans co.uk, a public suffix"),
            ("https://*.com.au", "spans com.au, a public suffix"),
            ("https://*.ac.uk", "spans ac.uk, a public suffix"),
            ("https://*.co.jp", "spans co.jp, a public suffix"),
            ("https://*.ne.jp", "spans ne.jp, a public suffix"),
            ("https://*.or.jp", "spans or.jp, a public suffix"),
            ("https://*.go.jp", "spans go.jp, a public suffix"),
            ("https://*.gov.uk", "spans gov.uk, a public suffix"),
            ("https://*.edu.au", "spans edu.au, a public suffix"),
            ("https://*.org.uk", "spans org.uk, a public suffix"),
            ("https://*.net.br", "spans net.br, a public suffix"),
            ("https://*.com", "too broad"),
            ("https://*.io", "too broad"),
            ("https://*.uk", "too broad"),
        ] {
            match pattern(text) {
                Err(m) => {
                    assert!(m.contains(why), "{text}: {m}");
                    assert!(m.starts_with(&format!("\"{text}\"")), "{text}: {m}");
                }
                Ok(p) => panic!("{text} was accepted as {p}"),
            }
        }
        // A deployer's own domains: one label under them, and exact origins on shared hosts.
        for ok in [
            "https://*.ilert.com",
            "https://*.eu.ilert.com",
            "https://*.ilert.co.uk",
            "https://*.example.com.au",
            "https://*.co.example",
            "https://*.mygithub.io",
            "https://you.github.io",
            "https://acme.netlify.app",
            "https://*.com.example",
        ] {
            assert!(pattern(ok).is_ok(), "{ok}: {:?}", pattern(ok));
        }
        assert!(OriginPattern::parse("https://*.eu.ilert.com")
            .unwrap()
            .matches(&parse_url("https://acme.eu.ilert.com").unwrap()));
        // config.json says so, naming the field, and so does a settings check.
        let m = match Config::from_json(&deployer(
            r#","allowed_origins":["https://*.github.io","https://app.ilert.example.org","https://api.ilert.example.org"]"#,
        )) {
            Err(Error::Config(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            m,
            "config.json: allowed_origins: \"https://*.github.io\" spans github.io, where anyone can host a site: list the exact origin instead"
        );
        let mut c = base();
        c.allowed_origins = Some(vec!["https://*.co.uk".into()]);
        let p = c.validate(None);
        assert_eq!(p[0].field, "allowed_origins");
        assert!(p[0].message.contains("spans co.uk"), "{}", p[0].message);
    }

    #[test]
    fn an_api_base_typed_into_settings_outside_the_list_is_refused_with_the_list() {
        let mut c = base();
        c.api_base = "https://api.evil.example".into();
        let p = c.validate(Some("http://localhost:4597"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "api_base");
        assert!(
            p[0].message.contains("https://api.evil.example"),
            "{}",
            p[0].message
        );
        assert!(p[0].message.contains("does not allow"), "{}", p[0].message);
        assert!(
            p[0].message
                .contains("https://api.ilert.com, https://*.ilert.com"),
            "{}",
            p[0].message
        );
        assert!(p[0].message.contains("config.json"), "{}", p[0].message);
        let err = c.checked(Some("http://localhost:4597")).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("api_base: The API base")),
            "{err:?}"
        );

        for (url, ok) in [
            ("https://api.ilert.com", true),
            ("https://api.ilert.com:443/", true),
            ("https://api.ilert.com:8443", false),
            ("https://evil.example\\@api.ilert.com", false),
            ("https://api.ilert.com@evil.example", false),
            ("https://user:pw@api.ilert.com", false),
            ("http://127.1:4598", true),
        ] {
            c.api_base = url.into();
            assert_eq!(
                c.validate(None).is_empty(),
                ok,
                "{url}: {:?}",
                c.validate(None)
            );
        }
        c.api_base = "https://user:pw@api.ilert.com".into();
        assert!(c.validate(None)[0].message.contains("user name"));

        let mut c = base();
        c.authorize_url = Some("https://app.ilert.com.evil.example/authorize".into());
        assert_eq!(fields(&c, None), ["authorize_url"]);
        c.authorize_url = Some("https://acme.ilert.com/api/developers/oauth2/authorize".into());
        assert_eq!(fields(&c, None), Vec::<&str>::new());
        c.authorize_url = Some("https://a.b.ilert.com/api/developers/oauth2/authorize".into());
        assert_eq!(fields(&c, None), ["authorize_url"]);
    }

    fn deployer(extra: &str) -> String {
        format!(
            r#"{{"client_id":"c","api_base":"https://api.ilert.example.org","authorize_url":"https://app.ilert.example.org/authorize",
                "redirect_uri":"https://demo.example.org/webapp"{extra}}}"#
        )
    }

    #[test]
    fn config_json_lists_its_own_origins() {
        let list = r#","allowed_origins":["https://app.ilert.example.org","https://api.ilert.example.org:443/"]"#;
        let c = Config::from_json(&deployer(list)).unwrap();
        assert_eq!(c.validate(Some("https://demo.example.org")), vec![]);
        assert_eq!(
            c.allowed_origins_text(),
            "https://app.ilert.example.org, https://api.ilert.example.org"
        );
        // iLert's own hosts are not allowed by this list.
        let mut d = c.clone();
        d.api_base = DEFAULT_API_BASE.into();
        assert_eq!(fields(&d, None), ["api_base"]);
        assert!(d.validate(None)[0]
            .message
            .contains("Allowed: https://app.ilert.example.org, https://api.ilert.example.org."));
        let mut d = c.clone();
        d.tenant = Some("acme".into());
        assert_eq!(fields(&d, None), ["tenant"]);
        let mut d = c.clone();
        d.authorize_url = None;
        assert_eq!(
            fields(&d, None),
            ["authorize_url"],
            "the default authorize URL is not on the list either"
        );
        // The round trip keeps the list.
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    }

    #[test]
    fn config_json_urls_outside_its_own_list_are_an_error_at_load() {
        let err = |s: &str| match Config::from_json(s) {
            Err(Error::Config(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        // Without a list, the default one applies.
        let m = err(&deployer(""));
        assert!(m.starts_with("config.json: authorize_url \"https://app.ilert.example.org/authorize\" (origin https://app.ilert.example.org) is not in allowed_origins (https://app.ilert.com, "), "{m}");
        let m = err(&deployer(
            r#","allowed_origins":["https://app.ilert.example.org"]"#,
        ));
        assert!(
            m.starts_with("config.json: api_base \"https://api.ilert.example.org\""),
            "{m}"
        );
        let m = err(&deployer(
            r#","allowed_origins":["https://*.example.org"], "tenant":"acme""#,
        ));
        assert!(
            m.starts_with(
                "config.json: tenant \"https://acme.ilert.com/api/developers/oauth2/authorize\""
            ),
            "{m}"
        );
        let m = err(&deployer(
            r#","allowed_origins":["https://*.example.org", "http://example.org"]"#,
        ));
        assert!(
            m.starts_with("config.json: allowed_origins: \"http://example.org\" uses plain http"),
            "{m}"
        );
        let m = err(&deployer(r#","allowed_origins":"https://*.example.org""#));
        assert!(m.contains("wrong type"), "{m}");
        let m = err(&deployer(r#","allowed_origins":[]"#));
        assert!(m.contains("is not in allowed_origins (none)"), "{m}");
        assert!(Config::from_json(&deployer(
            r#","allowed_origins":["https://*.ilert.example.org"]"#
        ))
        .is_ok());
        // Other problems are left to validate(), which the page shows.
        let c = Config::from_json(
            r#"{"client_id":"c","api_base":"ftp://x","redirect_uri":"https://b/webapp"}"#,
        )
        .unwrap();
        assert_eq!(fields(&c, None), ["api_base"]);
    }

    #[test]
    fn saved_settings_are_checked_again_and_cannot_widen_the_list() {
        let deployer = base();
        let mut mine = deployer.clone();
        mine.client_id = "my-app".into();
        mine.tenant = Some("acme".into());
        let back = Config::from_settings_json(&mine.to_json(), &deployer, ROOT).unwrap();
        assert_eq!(back, (mine.clone(), false));

        // A value that is outside the list (typed long ago, or edited in localStorage).
        mine.api_base = "https://api.evil.example".into();
        mine.allowed_origins = Some(vec!["https://api.evil.example".into()]);
        let rejected = Config::from_settings_json(&mine.to_json(), &deployer, ROOT).unwrap_err();
        assert_eq!(rejected.problems.len(), 1, "{rejected:?}");
        assert_eq!(rejected.problems[0].field, "api_base");
        let kept = rejected.config.clone().unwrap();
        assert_eq!(kept.api_base, "https://api.evil.example");
        assert_eq!(
            kept.allowed_origins, deployer.allowed_origins,
            "the deployer's list replaced the saved one"
        );
        let summary = rejected.summary();
        assert!(summary.starts_with("The settings saved in this browser were not used, because: api_base: The API base \"https://api.evil.example\""), "{summary}");
        assert!(summary.contains("https://*.ilert.com"), "{summary}");

        // A deployer with its own list: the saved settings get that list, whatever they say.
        let strict = Config::from_json(&deployer_with_list()).unwrap();
        let mut saved = strict.clone();
        saved.allowed_origins = None;
        saved.api_base = DEFAULT_API_BASE.into();
        let rejected = Config::from_settings_json(&saved.to_json(), &strict, ROOT).unwrap_err();
        assert_eq!(rejected.problems[0].field, "api_base");
        saved.api_base = strict.api_base.clone();
        assert_eq!(
            Config::from_settings_json(&saved.to_json(), &strict, ROOT).unwrap(),
            (strict, false)
        );

        let rejected = Config::from_settings_json("{nope", &deployer, ROOT).unwrap_err();
        assert_eq!(rejected.config, None);
        assert_eq!(rejected.problems[0].field, "settings");
        assert!(rejected.summary().contains("could not be read"));
    }

    /// Where the app is, for the tests that need it.
    const ROOT: &str = "http://localhost:4597/";

    #[test]
    fn the_server_is_ilert_unless_config_json_says_built_in() {
        let c = Config::from_json(include_str!("../public/config.json")).unwrap();
        assert_eq!(c.server, Server::Ilert);
        let c =
            Config::from_json(&deployer_with_list().replace('{', r#"{"server":"ilert","#)).unwrap();
        assert_eq!(c.server, Server::Ilert);
        // iLert's fields stay required for iLert.
        let m = Config::from_json(r#"{"server":"ilert","api_base":"https://api.ilert.com"}"#)
            .unwrap_err()
            .to_string();
        assert!(m.contains("\"client_id\" is missing"), "{m}");
    }

    #[test]
    fn built_in_needs_no_ilert_fields_and_starts_from_ilerts_defaults() {
        for text in [
            r#"{"server":"built-in"}"#,
            r#"{"server":" built-in ","client_id":" ","api_base":null}"#,
        ] {
            let c = Config::from_json(text).unwrap();
            assert_eq!(c.server, Server::BuiltIn, "{text}");
            assert_eq!(
                (c.client_id.as_str(), c.api_base.as_str()),
                ("", DEFAULT_API_BASE)
            );
            assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
            assert_eq!(c.scopes, ["profile", "offline_access"]);
        }
        // Written ones are kept as written, for a switch to iLert, and not checked against
        // allowed_origins at load: they are not used.
        let c = Config::from_json(
            r#"{"server":"built-in","client_id":"mine","api_base":"https://api.ilert.example.org",
                "tenant":"acme","scopes":"profile","allowed_origins":["https://app.ilert.com"]}"#,
        )
        .unwrap();
        assert_eq!(
            (
                c.client_id.as_str(),
                c.api_base.as_str(),
                c.tenant.as_deref()
            ),
            ("mine", "https://api.ilert.example.org", Some("acme"))
        );
        assert_eq!(c.scopes, ["profile"]);
        // A malformed list is still refused.
        let m = Config::from_json(r#"{"server":"built-in","allowed_origins":["ftp://x"]}"#)
            .unwrap_err()
            .to_string();
        assert!(m.contains("allowed_origins"), "{m}");
    }

    #[test]
    fn an_unknown_server_is_refused_naming_both_values() {
        for (text, said) in [
            (
                r#"{"server":"foo"}"#,
                "\"server\" is \"foo\": set it to \"built-in\"",
            ),
            (
                r#"{"server":"Built-In","client_id":"c","api_base":"https://api.ilert.com"}"#,
                "\"server\" is \"Built-In\"",
            ),
            (r#"{"server":true}"#, "\"server\" must be a text"),
        ] {
            match Config::from_json(text) {
                Err(Error::Config(m)) => {
                    assert!(m.contains(said), "{text}: {m}");
                    assert!(m.contains("\"ilert\""), "{text}: {m}");
                    assert!(m.contains("\"built-in\""), "{text}: {m}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_server_round_trips_through_saved_settings() {
        let deployer = base();
        assert!(deployer.to_json().contains(r#""server": "ilert""#));
        let mut built_in = deployer.clone();
        built_in.server = Server::BuiltIn;
        // Even iLert fields that would not pass: the simulator does not use them.
        built_in.client_id = String::new();
        let text = built_in.to_value().compact();
        assert!(text.starts_with(r#"{"server":"built-in","#), "{text}");
        assert_eq!(
            Config::from_settings_json(&text, &deployer, ROOT),
            Ok((built_in.clone(), false))
        );
        assert_eq!(Config::from_json(&text).unwrap(), built_in);
        // Its scopes are checked all the same.
        built_in.scopes = vec!["nonsense".into()];
        let rejected = Config::from_settings_json(&built_in.to_value().compact(), &deployer, ROOT)
            .unwrap_err();
        assert_eq!(fields_of(&rejected.problems), ["scopes"]);
        // Settings saved before there was a choice are iLert's.
        let mut old = deployer.to_value();
        if let Value::Object(members) = &mut old {
            members.retain(|(k, _)| k != "server");
        }
        assert_eq!(
            Config::from_settings_json(&old.compact(), &deployer, ROOT)
                .unwrap()
                .0
                .server,
            Server::Ilert
        );
    }

    #[test]
    fn in_force_with_the_built_in_server() {
        let mut c =
            Config::from_json(r#"{"server":"built-in","scopes":"profile source:w"}"#).unwrap();
        for (root, origin) in [
            ("https://demo.example.org/", "https://demo.example.org"),
            ("http://localhost:4597/", "http://localhost:4597"),
            (
                "https://someone.github.io/ilert-pkce/",
                "https://someone.github.io",
            ),
        ] {
            let f = c.in_force(root);
            assert_eq!(f.server, Server::BuiltIn);
            assert_eq!(f.client_id, SIM_CLIENT_ID);
            assert_eq!(f.tenant, None);
            assert_eq!(
                f.authorize_endpoint().unwrap(),
                format!("{root}_sim/api/developers/oauth2/authorize")
            );
            assert_eq!(f.api_base, format!("{root}_sim"));
            assert_eq!(
                f.token_url(),
                format!("{root}_sim/api/developers/oauth2/token")
            );
            assert_eq!(f.user_url(), format!("{root}_sim/api/users/current"));
            assert_eq!(f.redirect_uri, format!("{root}webapp"));
            assert_eq!(f.issuer, None);
            assert_eq!(f.expected_issuer().as_deref(), Some(origin));
            assert_eq!(f.scopes, ["profile", "source:w"]);
            assert_eq!(f.allowed_origins, Some(vec![origin.to_string()]));
            assert_eq!(f.validate(Some(root)), vec![], "{root}");
            assert_eq!(f.checked(Some(root)), Ok(()));
            for url in [
                f.authorize_endpoint().unwrap(),
                f.token_url(),
                f.revoke_url(),
            ] {
                assert!(is_simulator_url(&url, root), "{url}");
            }
            // The endpoints a sign-in pins are the simulator's.
            assert_eq!(f.endpoints().client_id, SIM_CLIENT_ID);
            assert!(is_simulator_url(&f.endpoints().token_info, root));
        }
        // A root without its final slash gets one.
        assert_eq!(
            c.in_force("http://localhost:4597").redirect_uri,
            "http://localhost:4597/webapp"
        );
        // The configured iLert fields do not leak into it.
        c.client_id = "mine".into();
        c.tenant = Some("acme".into());
        c.issuer = Some("https://issuer.example.org".into());
        let f = c.in_force(ROOT);
        assert_eq!(
            (
                f.client_id.as_str(),
                f.tenant.as_deref(),
                f.issuer.as_deref()
            ),
            (SIM_CLIENT_ID, None, None)
        );
        // iLert's configuration is in force as it is.
        let ilert = base();
        assert_eq!(ilert.in_force("https://demo.example.org/"), ilert);
    }

    #[test]
    fn which_urls_the_simulator_answers() {
        let root = "https://someone.github.io/ilert-pkce/";
        for (url, answered) in [
            (
                "https://someone.github.io/ilert-pkce/_sim/api/users/current",
                true,
            ),
            ("https://someone.github.io/ilert-pkce/_sim/", true),
            ("https://someone.github.io/ilert-pkce/_sim", false),
            ("https://someone.github.io/ilert-pkce/_simulator/x", false),
            ("https://someone.github.io/_sim/api/users/current", false),
            ("https://someone.github.io/ilert-pkce/webapp", false),
            (
                "https://other.example/ilert-pkce/_sim/api/users/current",
                false,
            ),
            ("https://api.ilert.com/api/users/current", false),
        ] {
            assert_eq!(is_simulator_url(url, root), answered, "{url}");
        }
        assert!(is_simulator_url("http://localhost:4597/_sim/x", ROOT));
    }

    #[test]
    fn config_json_may_forbid_the_built_in_server() {
        // Absent or null: allowed, and not written back.
        for text in [
            deployer_with_list(),
            deployer_with_list().replace('{', r#"{"allow_built_in":null,"#),
        ] {
            let c = Config::from_json(&text).unwrap();
            assert!(c.allow_built_in, "{text}");
            assert!(!c.to_json().contains("allow_built_in"));
        }
        let c =
            Config::from_json(&deployer_with_list().replace('{', r#"{"allow_built_in":false,"#))
                .unwrap();
        assert!(!c.allow_built_in);
        assert_eq!(c.server, Server::Ilert);
        // It round-trips (the settings panel shows it), but Settings::save never stores it.
        assert!(c.to_value().compact().contains(r#""allow_built_in":false"#));
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
        assert!(
            Config::from_json(&deployer_with_list().replace('{', r#"{"allow_built_in":true,"#))
                .unwrap()
                .allow_built_in
        );
        // A wrong type says what the field takes.
        for wrong in [r#""no""#, "0", "[]", r#""false""#] {
            let text =
                deployer_with_list().replace('{', &format!(r#"{{"allow_built_in":{wrong},"#));
            match Config::from_json(&text) {
                Err(Error::Config(m)) => {
                    assert!(
                        m.contains("\"allow_built_in\" must be true or false"),
                        "{wrong}: {m}"
                    );
                }
                other => panic!("{wrong}: {other:?}"),
            }
        }
        // Built-in chosen and forbidden at once is a contradiction, said as such.
        let m = Config::from_json(r#"{"server":"built-in","allow_built_in":false}"#)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("\"allow_built_in\": false") && m.contains("\"server\": \"built-in\""),
            "{m}"
        );
    }

    #[test]
    fn saved_settings_cannot_choose_a_forbidden_built_in_server() {
        let mut deployer = base();
        deployer.allow_built_in = false;
        // Saved while built-in was offered, with usable iLert fields: read as iLert's.
        let mut saved = base();
        saved.server = Server::BuiltIn;
        saved.client_id = "my-app".into();
        let text = saved.to_value().compact();
        assert!(!text.contains("allow_built_in"), "{text}");
        let (c, refused) = Config::from_settings_json(&text, &deployer, ROOT).unwrap();
        assert!(refused);
        assert_eq!(c.server, Server::Ilert);
        assert_eq!(c.client_id, "my-app");
        assert!(
            !c.allow_built_in,
            "the deployer's choice, not the saved one"
        );
        assert_eq!(
            c.in_force(ROOT).api_base,
            base().api_base,
            "iLert's endpoints, not the simulator's"
        );
        // Saved text that says it is allowed changes nothing.
        let planted = text.replace('{', r#"{"allow_built_in":true,"#);
        let (c, refused) = Config::from_settings_json(&planted, &deployer, ROOT).unwrap();
        assert!(refused && c.server == Server::Ilert && !c.allow_built_in);
        // With iLert fields that do not pass (fine for the simulator): refused, saying why first.
        saved.client_id = String::new();
        let rejected =
            Config::from_settings_json(&saved.to_value().compact(), &deployer, ROOT).unwrap_err();
        assert_eq!(fields_of(&rejected.problems), ["server", "client_id"]);
        assert!(
            rejected.summary().contains(BUILT_IN_FORBIDDEN),
            "{}",
            rejected.summary()
        );
        // Where it is allowed, the same text keeps the built-in server.
        let (c, refused) =
            Config::from_settings_json(&saved.to_value().compact(), &base(), ROOT).unwrap();
        assert!(!refused);
        assert_eq!(c.server, Server::BuiltIn);
        // iLert settings are not concerned.
        saved.server = Server::Ilert;
        saved.client_id = "my-app".into();
        let (c, refused) =
            Config::from_settings_json(&saved.to_value().compact(), &deployer, ROOT).unwrap();
        assert!(!refused);
        assert_eq!(c.server, Server::Ilert);
    }

    fn deployer_with_list() -> String {
        deployer(
            r#","allowed_origins":["https://app.ilert.example.org","https://api.ilert.example.org"]"#,
        )
    }

    #[test]
    fn the_expected_issuer() {
        let mut c = base();
        assert_eq!(
            c.expected_issuer().as_deref(),
            Some("http://127.0.0.1:4598")
        );
        c.tenant = Some("Acme".into());
        assert_eq!(
            c.expected_issuer().as_deref(),
            Some("https://acme.ilert.com")
        );
        c.tenant = None;
        c.authorize_url = None;
        assert_eq!(
            c.expected_issuer().as_deref(),
            Some("https://app.ilert.com")
        );
        c.issuer = Some("https://issuer.example.org/oauth".into());
        assert_eq!(
            c.expected_issuer().as_deref(),
            Some("https://issuer.example.org/oauth")
        );
        assert_eq!(
            fields(&c, None),
            Vec::<&str>::new(),
            "the issuer is not restricted by the list"
        );
        for bad in [
            "http://issuer.example.org",
            "https://issuer.example.org/?x",
            "https://issuer.example.org/#x",
            "ilert",
            "javascript:alert(1)",
        ] {
            c.issuer = Some(bad.into());
            assert_eq!(fields(&c, None), ["issuer"], "{bad}");
        }
        c.issuer = Some("http://localhost:4598".into());
        assert_eq!(fields(&c, None), Vec::<&str>::new());
        c.issuer = None;
        c.authorize_url = Some("not a url".into());
        assert_eq!(c.expected_issuer(), None);
    }
}
