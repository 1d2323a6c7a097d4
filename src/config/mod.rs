//! Runtime configuration: read from `config.json` beside `index.html` (or the settings panel),
//! checked, and turned into endpoint URLs. Pure Rust: the one web API it needs, the browser's URL
//! parser, is read through [`url`], with the browser's parser on wasm32 and the `url` crate on
//! the host side by side, both reading URLs by the same standard (WHATWG URL).
//!
//! One module per job: [`json`] reads and writes the configuration, [`ilert`] holds every URL
//! and path of iLert, [`in_force`] turns a configuration into what a sign-in started now uses,
//! [`origins`] says where tokens may go, [`validate`] says what is wrong, [`url`] reads URLs.
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

pub mod ilert;
pub mod in_force;
pub mod json;
pub mod origins;
#[cfg(test)]
mod tests;
pub mod url;
pub mod url_vectors;
pub mod validate;

pub use ilert::{DEFAULT_ALLOWED_ORIGINS, DEFAULT_API_BASE, DEFAULT_AUTHORIZE_URL};
pub use in_force::{is_simulator_url, InForce, SIM_CLIENT_ID, SIM_MOUNT};
pub use json::RejectedSettings;
pub use origins::{
    default_allowed_origins, shared_suffix_problem, OriginPattern, SHARED_HOSTING_SUFFIXES,
};
pub use url::{origin_of, parse_url, UrlParts};
pub use url_vectors::{url_vector_mismatches, UrlVector, URL_VECTORS};
pub use validate::{check_endpoint_url, ConfigProblem};

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
