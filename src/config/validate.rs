//! What is wrong with a configuration, field by field, in words the settings panel shows.

use super::ilert::{normalize_tenant, tenant_authorize_url};
use super::origins::{list_text, OriginPattern};
use super::url::{origin_of, parse_url, UrlParts};
use super::Config;
use crate::error::Error;
use crate::oauth::scopes::is_known_scope;
use crate::route::Page;

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

/// The problems [`Config::validate`] has found so far.
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(&mut self, field: &'static str, message: String) {
        self.0.push(ConfigProblem { field, message });
    }
}

/// A URL the sign-in sends something to, and why it may not be used.
pub(super) enum EndpointProblem {
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
    /// Everything wrong with this configuration (empty when it is usable). With the app's root
    /// (origin and base path, as the page has them), also checks that the redirect URI comes
    /// back to this app's callback page. One check per field, in the order of the settings.
    pub fn validate(&self, app_root: Option<&str>) -> Vec<ConfigProblem> {
        let mut problems = Problems(Vec::new());
        let (allowed, bad) = self.origin_patterns();
        for m in bad {
            problems.add("allowed_origins", m);
        }
        self.check_client_id(&mut problems);
        self.check_authorize(&allowed, &mut problems);
        self.check_api_base(&allowed, &mut problems);
        self.check_redirect_uri(app_root, &mut problems);
        self.check_issuer(&mut problems);
        self.check_scopes(&mut problems);
        problems.0
    }

    fn check_client_id(&self, problems: &mut Problems) {
        if self.client_id.trim().is_empty() {
            problems.add(
                "client_id",
                "The client id is empty: enter the client id of the app registered in iLert."
                    .into(),
            );
        }
    }

    /// The tenant's authorize URL when a tenant is set, else the authorize URL (or iLert's).
    fn check_authorize(&self, allowed: &[OriginPattern], problems: &mut Problems) {
        let tenant = self.tenant.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(t) = tenant {
            match normalize_tenant(t).and_then(|_| tenant_authorize_url(t)) {
                Err(e) => {
                    let m = match e {
                        Error::Config(m) => m,
                        other => other.to_string(),
                    };
                    problems.add("tenant", format!("The tenant is not valid: {m}."));
                }
                Ok(url) => {
                    if let Err(e) = check_endpoint("tenant's authorize URL", &url, false, allowed) {
                        problems.add("tenant", e.message());
                    }
                }
            }
        } else {
            let url = self.authorize_endpoint().unwrap_or_default();
            if let Err(e) = check_endpoint("authorize URL", &url, false, allowed) {
                problems.add("authorize_url", e.message());
            }
        }
    }

    fn check_api_base(&self, allowed: &[OriginPattern], problems: &mut Problems) {
        match check_endpoint("API base", &self.api_base, true, allowed) {
            Err(e) => problems.add("api_base", e.message()),
            Ok(base) => {
                // The endpoints are the base with a path appended: they must stay on its origin.
                for url in [
                    self.token_url(),
                    self.token_info_url(),
                    self.revoke_url(),
                    self.user_url(),
                ] {
                    if parse_url(&url).map(|u| u.origin).as_deref() != Some(base.origin.as_str()) {
                        problems.add(
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
    }

    /// An absolute http(s) URL that comes back to this app's callback page: with the app's
    /// root, its path and origin exactly; without, at least a path ending in the callback's.
    fn check_redirect_uri(&self, app_root: Option<&str>, problems: &mut Problems) {
        let Some(u) = parse_url(&self.redirect_uri).filter(UrlParts::is_http) else {
            problems.add(
                "redirect_uri",
                format!(
                    "The redirect URI \"{}\" is not an absolute http(s) URL.",
                    shown(&self.redirect_uri)
                ),
            );
            return;
        };
        if let Err(m) = check_scheme("redirect URI", &u) {
            problems.add("redirect_uri", m);
        }
        if u.has_userinfo {
            problems.add(
                "redirect_uri",
                "The redirect URI must not contain a user name or password (…@).".into(),
            );
        }
        if u.has_fragment {
            problems.add(
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
            Some((_, base)) if u.path != format!("{base}{callback}") => problems.add(
                "redirect_uri",
                format!("The redirect URI's path must be {base}{callback}: that is the page of this app that handles iLert's answer."),
            ),
            None if !u.path.ends_with(&format!("/{callback}")) => problems.add(
                "redirect_uri",
                format!("The redirect URI must end in /{callback}: that is the page of this app that handles iLert's answer."),
            ),
            _ => {}
        }
        if let Some((origin, _)) = root.filter(|(origin, _)| u.origin != *origin) {
            problems.add(
                "redirect_uri",
                format!("The redirect URI must be on this page's origin ({origin}), or the callback never reaches this app."),
            );
        }
    }

    fn check_issuer(&self, problems: &mut Problems) {
        let Some(issuer) = self.issuer.as_deref().filter(|i| !i.trim().is_empty()) else {
            return;
        };
        match parse_url(issuer).filter(UrlParts::is_http) {
            None => problems.add(
                "issuer",
                format!(
                    "The issuer \"{}\" is not an absolute http(s) URL.",
                    shown(issuer)
                ),
            ),
            Some(u) => {
                if let Err(m) = check_scheme("issuer", &u) {
                    problems.add("issuer", m);
                } else if u.has_userinfo || u.has_query || u.has_fragment {
                    problems.add(
                        "issuer",
                        "The issuer must not contain a user name, a query (?…) or a fragment (#…)."
                            .into(),
                    );
                }
            }
        }
    }

    fn check_scopes(&self, problems: &mut Problems) {
        if self.scopes.iter().all(|s| s.trim().is_empty()) {
            problems.add(
                "scopes",
                "No scopes: request at least \"profile\" to read your user profile.".into(),
            );
        }
        for s in &self.scopes {
            if !s.trim().is_empty() && !is_known_scope(s) {
                problems.add("scopes", format!("\"{s}\" is not a scope iLert knows (e.g. profile, offline_access, source:w)."));
            }
        }
    }
}

/// A URL as typed, trimmed and shortened for messages.
pub(super) fn shown(url: &str) -> String {
    let url = url.trim();
    match url.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &url[..i]),
        None => url.to_string(),
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
pub(super) fn check_endpoint(
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
