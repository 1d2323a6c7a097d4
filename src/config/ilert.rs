//! iLert's own URLs and paths, in one place: its authorize endpoint and API base, the paths
//! of the endpoints under the API base, a tenant's own authorize endpoint, and the hosts tokens
//! may go to by default. The protocol (`crate::oauth`) knows none of them: it is handed the
//! URLs ([`crate::oauth::request::Endpoints`], the authorize URL) as values.

use crate::error::Error;

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

/// The authorize endpoint's path, at iLert and at the simulator alike.
pub const AUTHORIZE_PATH: &str = "/api/developers/oauth2/authorize";
/// Path of the token endpoint (code exchange and refresh), relative to the API base.
pub const TOKEN_PATH: &str = "/api/developers/oauth2/token";
/// Path of the token_info endpoint (access token introspection), relative to the API base.
pub const TOKEN_INFO_PATH: &str = "/api/developers/oauth2/token_info";
/// Path of the revocation endpoint (refresh tokens), relative to the API base.
pub const REVOKE_PATH: &str = "/api/developers/oauth2/revoke";
/// Path of the current user's profile, relative to the API base.
pub const USER_PATH: &str = "/api/users/current";

/// A tenant name trimmed, lowercased and checked to be one DNS label (1–63 of `a-z 0-9 -`).
pub fn normalize_tenant(tenant: &str) -> Result<String, Error> {
    let t = tenant.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(Error::Config("the tenant is empty".into()));
    }
    if t.contains('.') || t.contains('/') || t.contains(':') {
        return Err(Error::Config(format!(
            "the tenant \"{}\" must be only the first part of your iLert address, e.g. \"acme\" for acme.ilert.com",
            tenant.trim()
        )));
    }
    if t.len() > 63 {
        return Err(Error::Config(format!(
            "the tenant \"{t}\" is longer than 63 characters"
        )));
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(Error::Config(format!(
            "the tenant \"{}\" may contain only letters a–z, digits and hyphens",
            tenant.trim()
        )));
    }
    if t.starts_with('-') || t.ends_with('-') {
        return Err(Error::Config(format!(
            "the tenant \"{t}\" must not start or end with a hyphen"
        )));
    }
    Ok(t)
}

/// The tenant's own authorize endpoint, `https://<tenant>.ilert.com/api/developers/oauth2/authorize`
/// (it skips the login when the person is already signed in there).
pub fn tenant_authorize_url(tenant: &str) -> Result<String, Error> {
    let t = normalize_tenant(tenant)?;
    Ok(format!("https://{t}.ilert.com{AUTHORIZE_PATH}"))
}
