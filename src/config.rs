//! Runtime configuration: read from `config.json` beside `index.html` (or the settings panel),
//! checked, and turned into endpoint URLs. Pure Rust, no web APIs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::oauth::authorize::{normalize_tenant, tenant_authorize_url};
use crate::oauth::scopes::{is_known_scope, parse_scopes, DEFAULT_SCOPES};
use crate::oauth::token::{REVOKE_PATH, TOKEN_INFO_PATH, TOKEN_PATH, USER_PATH};
use crate::oauth::Error;

/// iLert's authorize endpoint when neither a tenant nor an authorize URL is configured.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://app.ilert.com/api/developers/oauth2/authorize";

/// iLert's API base (token, revoke, token_info, users) as used by iLert's own clients.
pub const DEFAULT_API_BASE: &str = "https://api.ilert.com";

/// The app's route for the OAuth callback; a redirect URI must point at it.
pub const CALLBACK_PATH: &str = "/webapp";

/// The app's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// The OAuth client id of the app registered in iLert.
    pub client_id: String,
    /// The iLert tenant (`acme` for acme.ilert.com); when set, its own authorize URL is used.
    #[serde(default)]
    pub tenant: Option<String>,
    /// The authorize endpoint, used when no tenant is set (default: [`DEFAULT_AUTHORIZE_URL`]).
    #[serde(default)]
    pub authorize_url: Option<String>,
    /// The base of the token, token_info, revoke and users endpoints, e.g. `https://api.ilert.com`.
    pub api_base: String,
    /// Where iLert sends the browser back; must be registered in iLert exactly like this.
    pub redirect_uri: String,
    /// The scopes to request.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The expected issuer of callbacks (RFC 9207 `iss`), if any.
    #[serde(default)]
    pub issuer: Option<String>,
}

/// The scopes used when the configuration names none.
fn default_scopes() -> Vec<String> {
    DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// One thing wrong with a configuration, for the settings panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The field it is about, as named in config.json.
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
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
    (
        "redirect_uri",
        "the URL iLert sends the browser back to, e.g. http://localhost:4597/webapp",
    ),
];

/// An optional text that is empty or blank counts as absent.
fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Config {
    /// Reads a configuration from JSON, with messages that name the missing or wrong field.
    ///
    /// Text values are trimmed; blank optional values count as absent; `scopes` may be a list or
    /// a space-separated string, and defaults to `profile offline_access`.
    pub fn from_json(s: &str) -> Result<Config, Error> {
        let value: Value = serde_json::from_str(s)
            .map_err(|e| Error::Config(format!("config.json is not valid JSON ({e})")))?;
        let Value::Object(mut obj) = value else {
            return Err(Error::Config(
                "config.json must be a JSON object with client_id, api_base and redirect_uri"
                    .into(),
            ));
        };
        for (field, what) in REQUIRED {
            match obj.get(*field) {
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
        match obj.get("scopes") {
            Some(Value::Null) => {
                obj.remove("scopes");
            }
            Some(Value::String(s)) => {
                let list = parse_scopes(s).into_iter().map(Value::String).collect();
                obj.insert("scopes".into(), Value::Array(list));
            }
            _ => {}
        }
        let c: Config = serde_json::from_value(Value::Object(obj)).map_err(|e| {
            Error::Config(format!("config.json has a field of the wrong type ({e})"))
        })?;
        Ok(Config {
            client_id: c.client_id.trim().to_string(),
            tenant: non_blank(c.tenant),
            authorize_url: non_blank(c.authorize_url),
            api_base: c.api_base.trim().to_string(),
            redirect_uri: c.redirect_uri.trim().to_string(),
            // One scope list however it was written: trimmed, no blanks, no duplicates.
            scopes: parse_scopes(&c.scopes.join(" ")),
            issuer: non_blank(c.issuer),
        })
    }

    /// The configuration as pretty JSON (for the settings panel and localStorage).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
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

    /// Everything wrong with this configuration (empty when it is usable). With the page's
    /// origin, also checks that the redirect URI comes back to this app.
    pub fn validate(&self, page_origin: Option<&str>) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let mut problem =
            |field: &'static str, message: String| problems.push(ConfigProblem { field, message });

        if self.client_id.trim().is_empty() {
            problem(
                "client_id",
                "The client id is empty: enter the client id of the app registered in iLert."
                    .into(),
            );
        }

        let tenant = self.tenant.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(t) = tenant {
            if let Err(e) = normalize_tenant(t) {
                let m = match e {
                    Error::Config(m) => m,
                    other => other.to_string(),
                };
                problem("tenant", format!("The tenant is not valid: {m}."));
            }
        }
        if tenant.is_none() {
            if let Some(u) = self
                .authorize_url
                .as_deref()
                .filter(|u| !u.trim().is_empty())
            {
                if let Err(m) = check_service_url("authorize URL", u) {
                    problem("authorize_url", m);
                }
            }
        }

        if let Err(m) = check_service_url("API base", &self.api_base) {
            problem("api_base", m);
        }

        match parse_url(&self.redirect_uri) {
            None => problem(
                "redirect_uri",
                format!(
                    "The redirect URI \"{}\" is not an absolute http(s) URL.",
                    self.redirect_uri.trim()
                ),
            ),
            Some(u) => {
                if let Err(m) = check_scheme("redirect URI", &u) {
                    problem("redirect_uri", m);
                }
                if u.fragment {
                    problem(
                        "redirect_uri",
                        "The redirect URI must not contain a fragment (#…).".into(),
                    );
                }
                if u.path != CALLBACK_PATH {
                    problem(
                        "redirect_uri",
                        format!("The redirect URI must end in {CALLBACK_PATH}: that is the page of this app that handles iLert's answer."),
                    );
                }
                if let Some(page) = page_origin.filter(|p| !p.trim().is_empty()) {
                    let page = origin_of(page).unwrap_or_else(|| page.trim().to_string());
                    if u.origin() != page {
                        problem(
                            "redirect_uri",
                            format!("The redirect URI must be on this page's origin ({page}), or the callback never reaches this app."),
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
}

/// An absolute URL split into what the checks need.
struct ParsedUrl {
    scheme: String,
    host: String,
    port: Option<u16>,
    /// The path, without query or fragment (`/` when empty).
    path: String,
    query: bool,
    fragment: bool,
}

impl ParsedUrl {
    /// `scheme://host[:port]`, the default port dropped.
    fn origin(&self) -> String {
        let default = match self.scheme.as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        };
        match self.port {
            Some(p) if Some(p) != default => format!("{}://{}:{p}", self.scheme, self.host),
            _ => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// Whether the host is the local machine (where plain http is acceptable).
    fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }
}

/// Splits `scheme://[userinfo@]host[:port][/path][?query][#fragment]`; None if not of that form.
fn parse_url(url: &str) -> Option<ParsedUrl> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let mut chars = scheme.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let (h, p) = host_port.split_at(close + 1);
        (
            h,
            p.strip_prefix(':')
                .or(if p.is_empty() { Some("") } else { None })?,
        )
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => (host_port, ""),
        }
    };
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\\^|%\"`{}".contains(c))
    {
        return None;
    }
    let port = if port.is_empty() {
        None
    } else if port.bytes().all(|b| b.is_ascii_digit()) {
        Some(port.parse::<u16>().ok()?)
    } else {
        return None;
    };
    let before_fragment = tail.split('#').next().unwrap_or("");
    Some(ParsedUrl {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port,
        path: match before_fragment.split('?').next().unwrap_or("") {
            "" => "/".to_string(),
            path => path.to_string(),
        },
        query: before_fragment.contains('?'),
        fragment: tail.contains('#'),
    })
}

/// Checks that a URL is https, or http on the local machine.
fn check_scheme(what: &str, u: &ParsedUrl) -> Result<(), String> {
    match u.scheme.as_str() {
        "https" => Ok(()),
        "http" if u.is_loopback() => Ok(()),
        "http" => Err(format!(
            "The {what} must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])."
        )),
        other => Err(format!("The {what} must be an http(s) URL, not {other}:.")),
    }
}

/// Checks an endpoint URL of the server: absolute, https (or loopback http), no fragment.
fn check_service_url(what: &str, url: &str) -> Result<(), String> {
    let u = parse_url(url).ok_or_else(|| {
        format!(
            "The {what} \"{}\" is not an absolute http(s) URL.",
            url.trim()
        )
    })?;
    check_scheme(what, &u)?;
    if u.fragment {
        return Err(format!("The {what} must not contain a fragment (#…)."));
    }
    if what == "API base" && u.query {
        return Err(format!(
            "The {what} must not contain a query (?…): the endpoint paths are appended to it."
        ));
    }
    Ok(())
}

/// The origin of an absolute URL, `scheme://host[:port]`: scheme and host lowercased, default
/// ports (80 for http, 443 for https) dropped; None if the text is not an absolute URL.
pub fn origin_of(url: &str) -> Option<String> {
    parse_url(url).map(|u| u.origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Config {
        Config::from_json(include_str!("../public/config.json")).unwrap()
    }

    #[test]
    fn the_repos_config_json_parses_and_is_valid() {
        let c = base();
        assert_eq!(c.client_id, "ilert-pkce-demo");
        assert_eq!(c.tenant, None);
        assert_eq!(
            c.authorize_url.as_deref(),
            Some("http://127.0.0.1:4598/api/developers/oauth2/authorize")
        );
        assert_eq!(c.api_base, "http://127.0.0.1:4598");
        assert_eq!(c.redirect_uri, "http://localhost:4597/webapp");
        assert_eq!(c.scopes, ["profile", "offline_access"]);
        assert_eq!(c.issuer, None);
        assert_eq!(c.validate(Some("http://localhost:4597")), vec![]);
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
        assert!(
            err(r#"{"client_id":"c","api_base":"x","redirect_uri":null}"#)
                .contains("\"redirect_uri\" is missing")
        );
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
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://a//","redirect_uri":"https://b","scopes":null}"#).unwrap();
        assert_eq!(c.scopes, ["profile", "offline_access"]);
        assert_eq!(c.user_url(), "https://a/api/users/current");
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://a","redirect_uri":"https://b","scopes":"profile  source:w profile"}"#).unwrap();
        assert_eq!(c.scopes, ["profile", "source:w"]);
        let c = Config::from_json(r#"{"client_id":"c","api_base":"https://a","redirect_uri":"https://b","scopes":["profile","profile"," "]}"#).unwrap();
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
        c.scopes = vec!["profile".into(), "openid".into(), "source:x".into()];
        let p = c.validate(None);
        assert_eq!(p.len(), 2);
        assert!(p[0].message.contains("\"openid\""));
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
        assert_eq!(
            origin_of(" https://example.com ").as_deref(),
            Some("https://example.com")
        );
        for bad in [
            "",
            "example.com",
            "/webapp",
            "https://",
            "https:///x",
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
    fn the_redirect_uri_must_point_at_the_callback_route() {
        let mut c = Config::from_json(include_str!("../public/config.json")).unwrap();
        assert!(c.validate(Some("http://localhost:4597")).is_empty());
        c.redirect_uri = "http://localhost:4597/callback".into();
        let problems = c.validate(Some("http://localhost:4597"));
        assert!(problems.iter().any(|p| p.field == "redirect_uri" && p.message.contains("/webapp")), "{problems:?}");
        c.redirect_uri = "http://localhost:4597/webapp?x=1".into();
        assert!(!c.validate(None).iter().any(|p| p.message.contains("must end in")));
    }
}