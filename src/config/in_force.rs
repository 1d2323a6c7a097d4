//! The configuration in force: what a sign-in started now uses (the authorize endpoint, the
//! token, token_info, revoke and profile endpoints, the expected issuer, the redirect URI), for
//! the iLert server and for the built-in simulator alike.
//!
//! [`InForce`] is that, worked out once per change of settings (`crate::settings`): Connect,
//! Home, the request summary and the settings form all take this one value, none works it out
//! again.

use super::ilert::{
    tenant_authorize_url, AUTHORIZE_PATH, DEFAULT_AUTHORIZE_URL, REVOKE_PATH, TOKEN_INFO_PATH,
    TOKEN_PATH, USER_PATH,
};
use super::url::{origin_of, parse_url, UrlParts};
use super::validate::ConfigProblem;
use super::{Config, Server};
use crate::error::Error;
use crate::oauth::request::Endpoints;
use crate::route::Page;

/// Where the built-in simulator answers, under the app's root: `<app root>_sim/…`.
pub const SIM_MOUNT: &str = "_sim";

/// The one client the built-in simulator knows (sim-sw's `CLIENT_ID`).
pub const SIM_CLIENT_ID: &str = "ilert-pkce-demo";

/// Whether `url` is answered by the built-in simulator of the app at `app_root` (origin and
/// base path, ending in `/`): it is under `<app_root>_sim/`.
pub fn is_simulator_url(url: &str, app_root: &str) -> bool {
    url.strip_prefix(app_root)
        .and_then(|rest| rest.strip_prefix(SIM_MOUNT))
        .is_some_and(|rest| rest.starts_with('/'))
}

impl Config {
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
    pub(super) fn authorize_source(&self) -> (&'static str, String) {
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
}

/// The configuration in force for the app at one root, resolved once ([`InForce::resolve`]):
/// what a sign-in started now uses, and everything wrong with it.
#[derive(Debug, Clone)]
pub struct InForce {
    /// The configuration as chosen: config.json's or the saved settings (the settings form
    /// starts from it).
    pub chosen: Config,
    /// The configuration a sign-in uses: `chosen` with the iLert server, the built-in
    /// simulator's fixed values with it ([`Config::in_force`]).
    pub config: Config,
    /// The authorize endpoint, or why there is none (then `problems` says so too).
    pub authorize_url: Result<String, Error>,
    /// The client id and the endpoints a sign-in started now pins.
    pub endpoints: Endpoints,
    /// The issuer its callback must name ([`Config::expected_issuer`]).
    pub issuer: Option<String>,
    /// Everything wrong with `config` for the app at this root (empty when it is usable).
    pub problems: Vec<ConfigProblem>,
}

impl InForce {
    /// Works out the configuration in force of `chosen` for the app at `app_root` (origin and
    /// base path, `https://example.org/ilert-pkce/`; None outside a page), with its problems,
    /// the page-origin check of the redirect URI included.
    pub fn resolve(chosen: Config, app_root: Option<&str>) -> InForce {
        let config = chosen.in_force(app_root.unwrap_or_default());
        InForce {
            authorize_url: config.authorize_endpoint(),
            endpoints: config.endpoints(),
            issuer: config.expected_issuer(),
            problems: config.validate(app_root),
            config,
            chosen,
        }
    }

    /// Which server a sign-in talks to.
    pub fn server(&self) -> Server {
        self.config.server
    }

    /// Where the authorize endpoint sends the browser back.
    pub fn redirect_uri(&self) -> &str {
        &self.config.redirect_uri
    }

    /// The check the sign-in makes before it sends the browser anywhere: Ok when there is no
    /// problem, else one [`Error::Config`] that lists every problem.
    pub fn checked(&self) -> Result<(), Error> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let list = self
            .problems
            .iter()
            .map(ConfigProblem::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        Err(Error::Config(format!(
            "the configuration cannot be used to sign in: {list}"
        )))
    }
}
