//! The words around an error: a heading and what the person can do. The protocol core's
//! errors carry the facts (codes, statuses, the server's text); the views add these.
use crate::oauth::Error;

/// A short heading for the UI, above the [`Display`](std::fmt::Display) text.
pub fn title(error: &Error) -> &'static str {
    match error {
        Error::Authorization { .. } => "iLert did not grant access",
        Error::OAuth { .. } => "The token request was refused",
        Error::Api { .. } => "iLert sent back an error",
        Error::Unauthorized { .. } => "The access token was refused",
        Error::NotJson { .. } => "The answer was not JSON",
        Error::InvalidResponse { .. } => "The answer was not understood",
        Error::Network(_) => "Network failure",
        Error::Callback(_) => "The sign-in answer is not usable",
        Error::State(_) => "Sign-in attempt not recognised",
        Error::Config(_) => "The configuration has a problem",
        Error::Timeout { .. } => "No answer in time",
        Error::Redirected { .. } => "The server answered with a redirect",
        Error::Storage(_) => "This tab cannot keep the sign-in",
        Error::Throttled { .. } => "Too many refreshes",
        Error::LockBusy { .. } => "The session's lock is busy",
        Error::Simulator(_) => "The built-in simulator is not available",
    }
}

/// What the person can do about it, one sentence for the UI (None when Display says it all).
pub fn hint(error: &Error) -> Option<&'static str> {
    match error {
        Error::OAuth { code, .. } => Some(match code.as_str() {
            "invalid_grant" => "The code or refresh token is unknown, expired or already used: sign in again with Connect.",
            "invalid_client" | "unauthorized_client" => "Check the client id in the settings: it must be the id of an app registered in iLert.",
            "invalid_scope" => "Remove the scopes the app is not allowed to request, then connect again.",
            "access_denied" => "Access was not granted; connect again to retry.",
            "invalid_request" => "The request was malformed; check the redirect URI and client id, then connect again.",
            "unsupported_grant_type" => "The server does not accept this grant type for this client.",
            "server_error" | "temporarily_unavailable" => "The server had a problem; try again in a moment.",
            _ => "Try again; if it keeps failing, check the settings and connect again.",
        }),
        Error::Unauthorized { .. } => Some("Sign in again with Connect."),
        Error::Authorization { error, .. } if error == "access_denied" => {
            Some("Access was not granted; press Connect to try again.")
        }
        Error::Authorization { .. } => {
            Some("Check the client id, redirect URI and scopes in the settings, then connect again.")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::pending::StateError;

    #[test]
    fn titles_and_hints() {
        let grant = Error::OAuth {
            status: 401,
            code: "invalid_grant".into(),
            description: None,
        };
        assert_eq!(title(&grant), "The token request was refused");
        assert!(hint(&grant).unwrap().contains("sign in again"));
        let denied = Error::Authorization {
            error: "access_denied".into(),
            description: None,
        };
        assert!(hint(&denied).unwrap().contains("Connect"));
        assert_eq!(
            title(&Error::NotJson {
                status: 502,
                content_type: None,
                snippet: String::new()
            }),
            "The answer was not JSON"
        );
        assert_eq!(
            title(&Error::Api {
                status: 500,
                code: None,
                message: None
            }),
            "iLert sent back an error"
        );
        assert_eq!(title(&Error::Network("x".into())), "Network failure");
        assert_eq!(
            title(&Error::Redirected { url: "u".into() }),
            "The server answered with a redirect"
        );
        assert_eq!(
            title(&Error::Timeout {
                url: "u".into(),
                after_ms: 15_000
            }),
            "No answer in time"
        );
        assert_eq!(
            title(&StateError::Unknown.into()),
            "Sign-in attempt not recognised"
        );
    }
}
