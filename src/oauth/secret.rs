//! A value that lets whoever holds it act as the person: an access or refresh token, an
//! authorization code, a PKCE verifier. (The pattern is oauth2-rs' `new_secret_type!`, kept to
//! one non-generic type: one set of impls in the wasm.)
//!
//! `Debug` and `Display` print `[redacted]`, so a `{:?}` of a token answer, a log line or a
//! panic message cannot carry one; the value is read only through [`Secret::expose`], which
//! makes every place that sends, stores or shows it easy to find. What the app builds from a
//! `Secret` (a form field, a bearer header) is masked in the timeline because of its type, not
//! because of its name.
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: to send it, store it in this tab, fingerprint it, or show it after
    /// Reveal.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_print_the_value() {
        let s = Secret::new("eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{s}"), "[redacted]");
        // Inside a derived Debug of a bigger value too.
        let pair = (Some(s.clone()), "x");
        assert!(!format!("{pair:?}").contains("c2VjcmV0"), "{pair:?}");
        assert_eq!(s.expose(), "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln");
    }
}
