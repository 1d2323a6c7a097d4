//! The protocol layer's error: what the server's answer or the callback said, or why it
//! could not be read as the protocol says; plus the helpers that read an error answer's shape
//! (iLert's, RFC 6749's, the REST API's) for `super::answer::classify`. What happened around
//! a request (network, time limit, storage, …) is the app's layer, `crate::error`.

use std::fmt;

use crate::json::Value;

use super::callback::CallbackError;
use super::pending::StateError;

/// What a protocol step's answer or callback said, with the server's own code and text.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// iLert sent the browser back with `error` (and maybe `error_description`) instead of a
    /// code: the person denied access, or the authorize request was refused.
    Authorization {
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// The server's human text, if any.
        description: Option<String>,
    },

    /// An OAuth error from the token endpoint, in iLert's shape (`code` + `error`) or RFC 6749's
    /// (`error` + `error_description`).
    OAuth {
        /// The HTTP status (iLert sends `invalid_grant` with 401).
        status: u16,
        /// The OAuth error code, e.g. `invalid_grant`.
        code: String,
        /// The server's human text, if any.
        description: Option<String>,
    },

    /// An error answer of iLert's REST API (`{"status":…,"message":"…","code":"…"}`) or any
    /// other non-2xx answer of it.
    Api {
        /// The HTTP status.
        status: u16,
        /// The REST error code, if the body had one.
        code: Option<String>,
        /// The server's message, if the body had one.
        message: Option<String>,
    },

    /// The REST API refused the access token (HTTP 401); the session refreshes and retries once.
    Unauthorized {
        /// The server's message, if the body had one.
        message: Option<String>,
    },

    /// The server answered something that is not JSON (an HTML error page, an empty body, …).
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The answer's `Content-Type`, if it had one.
        content_type: Option<String>,
        /// The start of the body (about 120 characters, whitespace collapsed).
        snippet: String,
    },

    /// The answer is JSON but not of the expected shape.
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What exactly is wrong with the answer.
        reason: String,
    },

    /// The callback query is not a usable sign-in answer.
    Callback(CallbackError),

    /// The callback's `state` does not match a sign-in attempt started in this tab.
    State(StateError),
}

impl Error {
    /// Whether this is an OAuth `invalid_grant` (dead code or refresh token: sign in again).
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, Error::OAuth { code, .. } if code == "invalid_grant")
    }

    /// The OAuth or REST error code carried by this error, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::OAuth { code, .. } => Some(code),
            Error::Authorization { error, .. } => Some(error),
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the answer behind this error, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::OAuth { status, .. }
            | Error::Api { status, .. }
            | Error::NotJson { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }
}

/// A text the server sent, if it says anything.
fn said(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.trim().is_empty())
}

/// Written straight into the formatter: no intermediate Strings.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Authorization { error, description } => {
                write!(f, "iLert answered the authorize request with {error}")?;
                if let Some(d) = said(description) {
                    write!(f, ": {d}")?;
                }
                Ok(())
            }
            Error::OAuth {
                status,
                code,
                description,
            } => {
                f.write_str(code)?;
                if let Some(d) = said(description) {
                    write!(f, ": {d}")?;
                }
                write!(f, " (HTTP {status})")
            }
            Error::Api {
                status,
                code,
                message,
            } => {
                write!(f, "iLert's API answered HTTP {status}")?;
                if let Some(c) = code.as_deref().filter(|c| !c.is_empty()) {
                    write!(f, " ({c})")?;
                }
                match said(message) {
                    Some(m) => write!(f, ": {m}"),
                    None => f.write_str("."),
                }
            }
            Error::Unauthorized { message } => {
                f.write_str("iLert refused the access token (HTTP 401)")?;
                if let Some(m) = said(message) {
                    write!(f, ": {m}")?;
                }
                f.write_str(". It may have expired or been revoked; sign in again.")
            }
            Error::NotJson {
                status,
                content_type,
                snippet,
            } => {
                // Show the media type only, not charset and other parameters.
                let ct = match content_type.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    Some(c) => c.split(';').next().unwrap_or(c).trim(),
                    None => "no content type",
                };
                write!(f, "iLert answered HTTP {status} with {ct}")?;
                if snippet.is_empty() {
                    f.write_str(" and an empty body instead of JSON. Check the API base in the settings; a proxy or gateway may be in the way.")
                } else {
                    write!(f, " instead of JSON: {snippet}")
                }
            }
            Error::InvalidResponse { status, reason } => write!(f, "iLert's answer (HTTP {status}) is not what the app expected: {reason}. The server may have changed, or the API base points at the wrong server."),
            Error::Callback(e) => fmt::Display::fmt(e, f),
            Error::State(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Callback(e) => Some(e),
            Error::State(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Error {
        Error::Callback(e)
    }
}

impl From<StateError> for Error {
    fn from(e: StateError) -> Error {
        Error::State(e)
    }
}

/// The start of a body for an error message: whitespace collapsed, about 120 characters.
pub fn snippet(body: &str) -> String {
    const MAX: usize = 120;
    let collapsed = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX {
        collapsed
    } else {
        let mut s: String = collapsed.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// The body if it is a JSON object, or [`Error::InvalidResponse`] naming what it is instead.
pub(crate) fn expect_object<'a>(
    status: u16,
    value: &'a Value,
    what: &str,
) -> Result<&'a Value, Error> {
    match value {
        Value::Object(_) => Ok(value),
        other => Err(Error::InvalidResponse {
            status,
            reason: format!("{what} must be a JSON object, got {}", json_kind(other)),
        }),
    }
}

/// A short name of a JSON value's kind, for messages.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A non-empty string member of a JSON object.
pub(crate) fn str_field<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Reads an OAuth error in either shape: iLert's `{"code":…, "error":"text"}` (also with
/// `message` or `error_description` as the text) or RFC 6749's `{"error":…, "error_description":…}`.
pub(crate) fn oauth_error(status: u16, value: &Value) -> Option<Error> {
    let obj = value.is_object().then_some(value)?;
    if let Some(code) = str_field(obj, "code") {
        let description = str_field(obj, "error")
            .or_else(|| str_field(obj, "error_description"))
            .or_else(|| str_field(obj, "message"))
            .map(str::to_string);
        return Some(Error::OAuth {
            status,
            code: code.to_string(),
            description,
        });
    }
    let code = str_field(obj, "error")?;
    Some(Error::OAuth {
        status,
        code: code.to_string(),
        description: str_field(obj, "error_description").map(str::to_string),
    })
}

/// Reads a REST API error `{"status":…, "message":"…", "code":"…"}` (or anything else) as [`Error::Api`].
pub(crate) fn api_error(status: u16, value: &Value) -> Error {
    let get = |name: &str| str_field(value, name).map(str::to_string);
    Error::Api {
        status,
        code: get("code"),
        message: get("message")
            .or_else(|| get("error_description"))
            .or_else(|| get("error")),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_error_callback_reads_as_the_servers_words() {
        let e = Error::Authorization {
            error: "access_denied".into(),
            description: Some("The user denied access".into()),
        };
        assert_eq!(
            e.to_string(),
            "iLert answered the authorize request with access_denied: The user denied access"
        );
        assert_eq!(e.code(), Some("access_denied"));
        assert_eq!(e.status(), None);
        assert!(!e.is_invalid_grant());
    }
    use super::*;
    use serde_json::json;

    /// The app's JSON value of a `json!` literal.
    fn j(v: serde_json::Value) -> Value {
        crate::json::parse(&v.to_string()).unwrap()
    }

    #[test]
    fn oauth_display_matches_the_documented_form() {
        let e = Error::OAuth {
            status: 401,
            code: "invalid_grant".into(),
            description: Some("Provided code is unknown".into()),
        };
        assert_eq!(
            e.to_string(),
            "invalid_grant: Provided code is unknown (HTTP 401)"
        );
        assert!(e.is_invalid_grant());
        assert_eq!(e.code(), Some("invalid_grant"));
        assert_eq!(e.status(), Some(401));

        let e = Error::OAuth {
            status: 400,
            code: "invalid_scope".into(),
            description: None,
        };
        assert_eq!(e.to_string(), "invalid_scope (HTTP 400)");
        assert!(!e.is_invalid_grant());
    }

    #[test]
    fn not_json_display() {
        let e = Error::NotJson {
            status: 502,
            content_type: Some("text/html; charset=utf-8".into()),
            snippet: "<html>Bad Gateway</html>".into(),
        };
        assert_eq!(
            e.to_string(),
            "iLert answered HTTP 502 with text/html instead of JSON: <html>Bad Gateway</html>"
        );
        let e = Error::NotJson {
            status: 200,
            content_type: None,
            snippet: String::new(),
        };
        assert!(e
            .to_string()
            .contains("HTTP 200 with no content type and an empty body"));
    }

    #[test]
    fn other_displays_and_titles() {
        let e = Error::Api {
            status: 403,
            code: Some("FORBIDDEN".into()),
            message: Some("Missing scope".into()),
        };
        assert_eq!(
            e.to_string(),
            "iLert's API answered HTTP 403 (FORBIDDEN): Missing scope"
        );
        assert_eq!(
            Error::Api {
                status: 500,
                code: None,
                message: None
            }
            .to_string(),
            "iLert's API answered HTTP 500."
        );
        let e = Error::Unauthorized { message: None };
        assert!(e.to_string().contains("HTTP 401"));
        assert_eq!(e.status(), Some(401));
        let e: Error = CallbackError::Both.into();
        assert_eq!(e.to_string(), CallbackError::Both.to_string());
    }

    #[test]
    fn snippet_collapses_and_truncates() {
        assert_eq!(
            snippet("  <html>\n\t<body>  x </body>\r\n"),
            "<html> <body> x </body>"
        );
        let long = "é".repeat(300);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), 121);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(""), "");
    }

    #[test]
    fn both_error_shapes() {
        let ilert = j(json!({"code":"invalid_grant","error":"Provided code is unknown"}));
        assert_eq!(
            oauth_error(401, &ilert),
            Some(Error::OAuth {
                status: 401,
                code: "invalid_grant".into(),
                description: Some("Provided code is unknown".into())
            })
        );
        let rfc = j(json!({"error":"invalid_request","error_description":"missing code_verifier"}));
        assert_eq!(
            oauth_error(400, &rfc),
            Some(Error::OAuth {
                status: 400,
                code: "invalid_request".into(),
                description: Some("missing code_verifier".into())
            })
        );
        assert_eq!(
            oauth_error(400, &j(json!({"error":"access_denied"})))
                .unwrap()
                .to_string(),
            "access_denied (HTTP 400)"
        );
        assert_eq!(oauth_error(400, &j(json!({"foo":1}))), None);
        assert_eq!(oauth_error(400, &j(json!([1]))), None);
        assert_eq!(oauth_error(400, &j(json!({"error":""}))), None);
    }

    #[test]
    fn rest_error_shape() {
        let v = j(json!({"status":404,"message":"Not found","code":"NOT_FOUND"}));
        assert_eq!(
            api_error(404, &v),
            Error::Api {
                status: 404,
                code: Some("NOT_FOUND".into()),
                message: Some("Not found".into())
            }
        );
        assert_eq!(
            api_error(500, &j(json!(null))),
            Error::Api {
                status: 500,
                code: None,
                message: None
            }
        );
    }
}
