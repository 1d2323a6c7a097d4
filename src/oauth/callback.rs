//! The callback: reading the query iLert sends the browser back with (`?code=…&state=…` or
//! `?error=…&error_description=…&state=…`), and the RFC 9207 issuer check.
use super::secret::Secret;

/// What the callback query says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Success: an authorization code to exchange, with the echoed state.
    Code {
        /// The single-use authorization code.
        code: Secret,
        /// The state echoed back; must match a pending attempt.
        state: String,
        /// The issuer (RFC 9207), if the server sent one.
        iss: Option<String>,
    },
    /// Failure reported by the server (e.g. the person denied access).
    Error {
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// The server's text, if any.
        description: Option<String>,
        /// The state, if echoed (shown to the person even without it).
        state: Option<String>,
    },
}

impl Callback {
    /// The state this callback carries, if any.
    pub fn state(&self) -> Option<&str> {
        match self {
            Callback::Code { state, .. } => Some(state),
            Callback::Error { state, .. } => state.as_deref(),
        }
    }
}

/// Why a callback query is not a usable sign-in answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No callback parameters at all.
    #[error("The address carries no sign-in answer (no code and no error). Start with Connect.")]
    Empty,
    /// A code without a state.
    #[error("The sign-in answer has a code but no state, so it cannot be matched to a sign-in started in this tab. No token was requested. Start again with Connect.")]
    MissingState,
    /// A state but neither a code nor an error.
    #[error("The sign-in answer has neither a code nor an error. No token was requested. Start again with Connect.")]
    MissingCode,
    /// A parameter given more than once.
    #[error("The sign-in answer gives the parameter \"{0}\" more than once, so it was rejected. No token was requested. Start again with Connect.")]
    Duplicate(String),
    /// Both a code and an error.
    #[error("The sign-in answer carries both a code and an error, so it was rejected. No token was requested. Start again with Connect.")]
    Both,
    /// The callback's `iss` is not the configured issuer (RFC 9207 mix-up protection).
    #[error("The sign-in answer comes from issuer \"{got}\", but this app expects \"{expected}\", so it was rejected. Check the issuer in the settings, then start again with Connect.")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer in the callback.
        got: String,
    },
}

/// The parameters that mean something in a callback; any of them given twice is rejected.
const CALLBACK_PARAMS: &[&str] = &[
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
];

/// Parses a callback query (with or without the leading `?`), form-decoding its values.
///
/// Empty values count as absent. Unknown parameters are ignored. An `error` answer without
/// `state` is still returned, so the person sees what the server said.
pub fn parse_callback(query: &str) -> Result<Callback, CallbackError> {
    let q = query.trim();
    let q = q.strip_prefix('?').unwrap_or(q);
    let mut found: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        if !CALLBACK_PARAMS.contains(&k.as_ref()) {
            continue;
        }
        if found.iter().any(|(name, _)| *name == k) {
            return Err(CallbackError::Duplicate(k.into_owned()));
        }
        found.push((k.into_owned(), v.into_owned()));
    }
    let get = |name: &str| {
        found
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let (code, state, error) = (get("code"), get("state"), get("error"));
    match (code, error) {
        (Some(_), Some(_)) => Err(CallbackError::Both),
        (None, Some(error)) => Ok(Callback::Error {
            error,
            description: get("error_description"),
            state,
        }),
        (Some(code), None) => match state {
            Some(state) => Ok(Callback::Code {
                code: code.into(),
                state,
                iss: get("iss"),
            }),
            None => Err(CallbackError::MissingState),
        },
        (None, None) if state.is_some() => Err(CallbackError::MissingCode),
        (None, None) => Err(CallbackError::Empty),
    }
}

/// RFC 9207: when both an expected issuer and the callback's `iss` are present they must be equal.
pub fn check_issuer(expected: Option<&str>, iss: Option<&str>) -> Result<(), CallbackError> {
    match (expected.filter(|e| !e.is_empty()), iss) {
        (Some(expected), Some(got)) if expected != got => Err(CallbackError::IssuerMismatch {
            expected: expected.to_string(),
            got: got.to_string(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_with_and_without_question_mark() {
        let want = Callback::Code {
            code: "abc".into(),
            state: "xyz".into(),
            iss: None,
        };
        assert_eq!(parse_callback("?code=abc&state=xyz"), Ok(want.clone()));
        assert_eq!(parse_callback("code=abc&state=xyz"), Ok(want.clone()));
        assert_eq!(
            parse_callback("state=xyz&code=abc&session_state=ignored"),
            Ok(want.clone())
        );
        assert_eq!(want.state(), Some("xyz"));
        assert_eq!(
            parse_callback("?code=abc&state=xyz&iss=https%3A%2F%2Fapp.ilert.com"),
            Ok(Callback::Code {
                code: "abc".into(),
                state: "xyz".into(),
                iss: Some("https://app.ilert.com".into())
            })
        );
    }

    #[test]
    fn percent_encoded_values_are_decoded() {
        assert_eq!(
            parse_callback("?code=a%2Bb%2Fc%3D&state=s%7E1"),
            Ok(Callback::Code {
                code: "a+b/c=".into(),
                state: "s~1".into(),
                iss: None
            })
        );
        // A literal `+` in a form-encoded query is a space.
        assert_eq!(
            parse_callback("?code=a+b&state=s"),
            Ok(Callback::Code {
                code: "a b".into(),
                state: "s".into(),
                iss: None
            })
        );
    }

    #[test]
    fn error_answers() {
        assert_eq!(
            parse_callback(
                "?error=access_denied&error_description=The+user+denied+access%21&state=s1"
            ),
            Ok(Callback::Error {
                error: "access_denied".into(),
                description: Some("The user denied access!".into()),
                state: Some("s1".into()),
            })
        );
        // Without state it is still the server's error, shown to the person.
        let cb = parse_callback("error=invalid_scope").unwrap();
        assert_eq!(
            cb,
            Callback::Error {
                error: "invalid_scope".into(),
                description: None,
                state: None
            }
        );
        assert_eq!(cb.state(), None);
        assert!(matches!(
            parse_callback("error=x&error_description="),
            Ok(Callback::Error {
                description: None,
                ..
            })
        ));
    }

    #[test]
    fn malformed_queries() {
        assert_eq!(parse_callback(""), Err(CallbackError::Empty));
        assert_eq!(parse_callback("?"), Err(CallbackError::Empty));
        assert_eq!(parse_callback("  "), Err(CallbackError::Empty));
        assert_eq!(parse_callback("?foo=bar&&="), Err(CallbackError::Empty));
        assert_eq!(
            parse_callback("?code=abc"),
            Err(CallbackError::MissingState)
        );
        assert_eq!(
            parse_callback("?code=abc&state="),
            Err(CallbackError::MissingState)
        );
        assert_eq!(parse_callback("?state=s"), Err(CallbackError::MissingCode));
        assert_eq!(
            parse_callback("?code=&state=s"),
            Err(CallbackError::MissingCode)
        );
        assert_eq!(
            parse_callback("?code=a&state=s&state=t"),
            Err(CallbackError::Duplicate("state".into()))
        );
        assert_eq!(
            parse_callback("?code=a&code=a&state=s"),
            Err(CallbackError::Duplicate("code".into()))
        );
        assert_eq!(
            parse_callback("?error=a&error=b"),
            Err(CallbackError::Duplicate("error".into()))
        );
        assert_eq!(
            parse_callback("?code=a&state=s&error=access_denied"),
            Err(CallbackError::Both)
        );
        // Unknown parameters may repeat.
        assert!(parse_callback("?x=1&x=2&code=a&state=s").is_ok());
    }

    #[test]
    fn error_texts_are_clear() {
        assert!(CallbackError::Duplicate("state".into())
            .to_string()
            .contains("\"state\" more than once"));
        assert!(CallbackError::MissingState
            .to_string()
            .contains("No token was requested"));
        let e = CallbackError::IssuerMismatch {
            expected: "ilert".into(),
            got: "evil".into(),
        };
        assert!(e.to_string().contains("\"evil\"") && e.to_string().contains("\"ilert\""));
    }

    #[test]
    fn issuer_check() {
        assert_eq!(check_issuer(None, None), Ok(()));
        assert_eq!(check_issuer(Some("ilert"), None), Ok(()));
        assert_eq!(check_issuer(None, Some("ilert")), Ok(()));
        assert_eq!(check_issuer(Some(""), Some("ilert")), Ok(()));
        assert_eq!(check_issuer(Some("ilert"), Some("ilert")), Ok(()));
        assert_eq!(
            check_issuer(Some("ilert"), Some("https://evil.example")),
            Err(CallbackError::IssuerMismatch {
                expected: "ilert".into(),
                got: "https://evil.example".into()
            })
        );
    }

    #[test]
    fn a_6_kb_code_is_carried_whole_and_a_repeated_iss_is_refused() {
        let code = "A".repeat(6 * 1024);
        let query = format!("?code={code}&state=s&iss=https%3A%2F%2Fapp.ilert.com");
        assert_eq!(
            parse_callback(&query),
            Ok(Callback::Code {
                code: code.into(),
                state: "s".into(),
                iss: Some("https://app.ilert.com".into())
            })
        );
        assert_eq!(
            parse_callback(
                "?code=a&state=s&iss=https%3A%2F%2Fapp.ilert.com&iss=https%3A%2F%2Fevil.example"
            ),
            Err(CallbackError::Duplicate("iss".into()))
        );
        // RFC 9207 compares the issuer as a string: a trailing slash is another issuer.
        assert!(check_issuer(
            Some("https://app.ilert.com"),
            Some("https://app.ilert.com/")
        )
        .is_err());
    }
}
