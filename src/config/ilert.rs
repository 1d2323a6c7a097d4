//! iLert's own URLs and paths, in one place: its authorize endpoint and API base, the paths
//! of the endpoints under the API base, and the hosts tokens may go to by default.

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
