//! The app's errors, in two layers: what the protocol said ([`oauth::Error`]: the server's
//! codes and text, a refused callback) inside what happened to the app around it (the network,
//! a time limit, the simulator, storage, the refresh budget, the configuration, no session, a
//! navigation). Each knows its own heading ([`Error::title`]) and what the person can do
//! ([`Error::hint`]); its `Display` is the sentence under the heading. (The model is oauth2-rs'
//! `RequestTokenError::{ServerResponse, Request, Parse}`.)
use std::fmt;

use crate::oauth::callback::CallbackError;
use crate::oauth::pending::StateError;
use crate::oauth::{self, Error as Protocol};

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The server's answer or the callback said no, or could not be read as the protocol says.
    Protocol(Protocol),

    /// The request could not be sent or its answer not read (CORS, offline, DNS).
    Network(String),

    /// The server answered with a redirect, which the app never follows (the glue asks fetch
    /// not to): it would carry the request's form wherever it points.
    Redirected {
        /// Where the request went.
        url: String,
    },

    /// No answer came within the time limit; the request was abandoned.
    Timeout {
        /// Where the request went.
        url: String,
        /// The limit, ms.
        after_ms: u32,
    },

    /// The built-in simulator (a Service Worker of this app) cannot serve this page: no
    /// Service Worker support, its script not in the build, or not in control of the page.
    /// The text says which, and what to do.
    Simulator(String),

    /// Web storage refused to keep something the flow needs.
    Storage(String),

    /// A refresh was not sent: the app sends at most a few refresh requests a minute.
    Throttled {
        /// The budget per minute.
        limit: usize,
        /// Seconds until a refresh may be sent again.
        wait_s: u64,
    },

    /// A refresh was not sent: the cross-tab lock of the session was not granted in time
    /// (another tab, or any page of this origin, holds it).
    LockBusy {
        /// How long this tab waited, ms.
        waited_ms: u32,
    },

    /// The configuration is unusable (or a URL outside it was about to be sent to).
    Config(String),

    /// A call that needs a session came when there was none (or it ended meanwhile).
    NotSignedIn,

    /// The browser refused to leave for the authorize page.
    Navigation(String),
}

impl Error {
    /// The protocol error inside, if that is what this is.
    pub fn protocol(&self) -> Option<&Protocol> {
        match self {
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is an OAuth `invalid_grant` (dead code or refresh token: sign in again).
    pub fn is_invalid_grant(&self) -> bool {
        self.protocol().is_some_and(Protocol::is_invalid_grant)
    }

    /// Whether the REST API refused the access token (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Protocol(Protocol::Unauthorized { .. }))
    }

    /// The OAuth or REST error code carried by this error, if any.
    pub fn code(&self) -> Option<&str> {
        self.protocol().and_then(Protocol::code)
    }

    /// The HTTP status of the answer behind this error, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.protocol().and_then(Protocol::status)
    }

    /// A short heading for the UI, above the [`Display`](fmt::Display) text.
    pub fn title(&self) -> &'static str {
        match self {
            Error::Protocol(e) => match e {
                Protocol::Authorization { .. } => "iLert did not grant access",
                Protocol::OAuth { .. } => "The token request was refused",
                Protocol::Api { .. } => "iLert sent back an error",
                Protocol::Unauthorized { .. } => "The access token was refused",
                Protocol::NotJson { .. } => "The answer was not JSON",
                Protocol::InvalidResponse { .. } => "The answer was not understood",
                Protocol::Callback(_) => "The sign-in answer is not usable",
                Protocol::State(_) => "Sign-in attempt not recognised",
            },
            Error::Network(_) => "Network failure",
            Error::Config(_) => "The configuration has a problem",
            Error::Timeout { .. } => "No answer in time",
            Error::Redirected { .. } => "The server answered with a redirect",
            Error::Storage(_) => "This tab cannot keep the sign-in",
            Error::Throttled { .. } => "Too many refreshes",
            Error::LockBusy { .. } => "The session's lock is busy",
            Error::Simulator(_) => "The built-in simulator is not available",
            Error::NotSignedIn => "Not signed in",
            Error::Navigation(_) => "The browser did not leave for iLert",
        }
    }

    /// What the person can do about it, one sentence for the UI (None when Display says it all).
    pub fn hint(&self) -> Option<&'static str> {
        match self.protocol()? {
            Protocol::OAuth { code, .. } => Some(match code.as_str() {
                "invalid_grant" => "The code or refresh token is unknown, expired or already used: sign in again with Connect.",
                "invalid_client" | "unauthorized_client" => "Check the client id in the settings: it must be the id of an app registered in iLert.",
                "invalid_scope" => "Remove the scopes the app is not allowed to request, then connect again.",
                "access_denied" => "Access was not granted; connect again to retry.",
                "invalid_request" => "The request was malformed; check the redirect URI and client id, then connect again.",
                "unsupported_grant_type" => "The server does not accept this grant type for this client.",
                "server_error" | "temporarily_unavailable" => "The server had a problem; try again in a moment.",
                _ => "Try again; if it keeps failing, check the settings and connect again.",
            }),
            Protocol::Unauthorized { .. } => Some("Sign in again with Connect."),
            Protocol::Authorization { error, .. } if error == "access_denied" => {
                Some("Access was not granted; press Connect to try again.")
            }
            Protocol::Authorization { .. } => {
                Some("Check the client id, redirect URI and scopes in the settings, then connect again.")
            }
            _ => None,
        }
    }
}

/// Written straight into the formatter: no intermediate Strings.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => fmt::Display::fmt(e, f),
            Error::Network(m) => write!(f, "The request could not be completed: {m}. Check the network connection, the API base in the settings, and that the server allows requests from this page (CORS)."),
            Error::Redirected { url } => write!(f, "{url} answered with a redirect, which this app never follows: the request's form (a code and verifier, or a refresh token) would go wherever it points. Check the API base and authorize URL in the settings."),
            Error::Timeout { url, after_ms } => write!(f, "{url} did not answer within {} s, so the request was abandoned. The server or the network may be overloaded; try again.", after_ms / 1000),
            Error::Storage(m) | Error::Simulator(m) => f.write_str(m),
            Error::Throttled { limit, wait_s } => write!(f, "The refresh was not sent: this tab already sent {limit} refresh requests in the last minute, the most it allows itself. It is due again in {wait_s} s."),
            Error::LockBusy { waited_ms } => write!(f, "The refresh was not sent: another tab or page of this app has held the session's lock for {} s (two refreshes of one token at once would spend it twice). The session is kept; try again later, or close the other tabs of this app.", waited_ms / 1000),
            Error::Config(m) => write!(f, "The configuration is not usable: {m}. Fix it in the settings or in config.json."),
            Error::NotSignedIn => f.write_str("There is no session in this tab (it ended, or it never began): press Connect to sign in."),
            Error::Navigation(m) => write!(f, "The browser did not open iLert's sign-in page: {m}. Try Connect again."),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Protocol> for Error {
    fn from(e: Protocol) -> Error {
        Error::Protocol(e)
    }
}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Error {
        Error::Protocol(oauth::Error::Callback(e))
    }
}

impl From<StateError> for Error {
    fn from(e: StateError) -> Error {
        Error::Protocol(oauth::Error::State(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_hints() {
        let grant: Error = Protocol::OAuth {
            status: 401,
            code: "invalid_grant".into(),
            description: None,
        }
        .into();
        assert_eq!(grant.title(), "The token request was refused");
        assert!(grant.hint().unwrap().contains("sign in again"));
        assert!(grant.is_invalid_grant());
        let denied: Error = Protocol::Authorization {
            error: "access_denied".into(),
            description: None,
        }
        .into();
        assert!(denied.hint().unwrap().contains("Connect"));
        let not_json: Error = Protocol::NotJson {
            status: 502,
            content_type: None,
            snippet: String::new(),
        }
        .into();
        assert_eq!(not_json.title(), "The answer was not JSON");
        assert_eq!(not_json.status(), Some(502));
        let api: Error = Protocol::Api {
            status: 500,
            code: None,
            message: None,
        }
        .into();
        assert_eq!(api.title(), "iLert sent back an error");
        assert_eq!(Error::Network("x".into()).title(), "Network failure");
        assert_eq!(
            Error::Redirected { url: "u".into() }.title(),
            "The server answered with a redirect"
        );
        assert_eq!(
            Error::Timeout {
                url: "u".into(),
                after_ms: 15_000
            }
            .title(),
            "No answer in time"
        );
        assert_eq!(
            Error::from(StateError::Unknown).title(),
            "Sign-in attempt not recognised"
        );
        assert_eq!(Error::NotSignedIn.title(), "Not signed in");
    }

    #[test]
    fn the_app_layer_says_what_happened_word_for_word() {
        let e = Error::Redirected {
            url: "https://api.ilert.com/x".into(),
        };
        assert!(e.to_string().starts_with(
            "https://api.ilert.com/x answered with a redirect, which this app never follows"
        ));
        assert_eq!(e.status(), None);
        let e = Error::Network("Failed to fetch".into());
        assert!(e.to_string().contains("Failed to fetch"));
        assert!(e.to_string().contains("CORS"));
        assert_eq!(e.status(), None);
        assert_eq!(
            Error::Config("client_id is empty".into()).to_string(),
            "The configuration is not usable: client_id is empty. Fix it in the settings or in config.json."
        );
        // The protocol layer's words pass through unchanged.
        let e: Error = CallbackError::Both.into();
        assert_eq!(e.to_string(), CallbackError::Both.to_string());
        let unauthorized = Protocol::Unauthorized { message: None };
        assert_eq!(
            Error::from(unauthorized.clone()).to_string(),
            unauthorized.to_string()
        );
        assert!(Error::from(unauthorized).is_unauthorized());
    }
}
