//! The tokens of a signed-in session, as sessionStorage keeps them (`ilert-pkce.tokens`).
use crate::json::{self, Value};
use crate::oauth::request::Endpoints;
use crate::oauth::token::TokenResponse;
use crate::oauth::Secret;

/// The tokens of a signed-in session and what we know of their lifetimes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub scope: Option<String>,
    /// Wall-clock ms when the access token expires (from `expires_in`).
    pub expires_at_ms: f64,
    /// The access token's lifetime as granted, ms.
    pub lifetime_ms: f64,
    pub refresh_expires_at_ms: Option<f64>,
    /// When the last refresh happened (iLert: not more than once per 5 minutes).
    pub last_refresh_ms: Option<f64>,
    pub endpoints: Endpoints,
}

impl Tokens {
    /// Tokens from a token answer. A refresh answer without `refresh_token` keeps the old one
    /// (iLert does not document rotation); with one, the old one is dropped.
    pub fn from_answer(
        answer: TokenResponse,
        now_ms: f64,
        endpoints: Endpoints,
        previous: Option<&Tokens>,
    ) -> Self {
        let lifetime_ms = answer.expires_in as f64 * 1000.0;
        let expires_at_ms = answer.expires_at_ms(now_ms);
        let refresh_expires_at_ms = match &answer.refresh_token {
            Some(_) => answer.refresh_expires_at_ms(now_ms),
            None => previous.and_then(|p| p.refresh_expires_at_ms),
        };
        Tokens {
            refresh_token: answer
                .refresh_token
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            refresh_expires_at_ms,
            access_token: answer.access_token,
            scope: answer
                .scope
                .or_else(|| previous.and_then(|p| p.scope.clone())),
            expires_at_ms,
            lifetime_ms,
            last_refresh_ms: previous.map(|_| now_ms),
            endpoints,
        }
    }

    pub fn to_value(&self) -> Value {
        json::object([
            ("access_token", self.access_token.expose().into()),
            (
                "refresh_token",
                self.refresh_token.as_ref().map(Secret::expose).into(),
            ),
            ("scope", self.scope.clone().into()),
            ("expires_at_ms", self.expires_at_ms.into()),
            ("lifetime_ms", self.lifetime_ms.into()),
            ("refresh_expires_at_ms", self.refresh_expires_at_ms.into()),
            ("last_refresh_ms", self.last_refresh_ms.into()),
            ("endpoints", self.endpoints.to_value()),
        ])
    }

    pub fn from_value(v: &Value) -> Result<Tokens, String> {
        let text = |key| v.opt(key, Value::as_str).map(|t| t.map(str::to_string));
        Ok(Tokens {
            access_token: v.req("access_token", Value::as_str)?.into(),
            refresh_token: text("refresh_token")?.map(Secret::from),
            scope: text("scope")?,
            expires_at_ms: v.req("expires_at_ms", Value::as_f64)?,
            lifetime_ms: v.req("lifetime_ms", Value::as_f64)?,
            refresh_expires_at_ms: v.opt("refresh_expires_at_ms", Value::as_f64)?,
            last_refresh_ms: v.opt("last_refresh_ms", Value::as_f64)?,
            endpoints: Endpoints::from_value(v.req("endpoints", Some)?)?,
        })
    }

    /// The stored text.
    pub fn to_json(&self) -> String {
        self.to_value().compact()
    }

    /// Reads the stored text; None when it is not a tokens record.
    pub fn from_json(text: &str) -> Option<Tokens> {
        Tokens::from_value(&json::parse(text).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Endpoints {
        Endpoints {
            client_id: "demo".into(),
            token: "http://127.0.0.1:4598/api/developers/oauth2/token".into(),
            token_info: "http://127.0.0.1:4598/api/developers/oauth2/token_info".into(),
            revoke: "http://127.0.0.1:4598/api/developers/oauth2/revoke".into(),
            user: "http://127.0.0.1:4598/api/users/current".into(),
        }
    }

    fn answer(refresh: Option<&str>) -> TokenResponse {
        TokenResponse {
            token_type: "Bearer".into(),
            access_token: "access-1".into(),
            expires_in: 3600,
            expires_in_sent: None,
            scope: Some("profile offline_access".into()),
            refresh_token: refresh.map(Secret::from),
            refresh_token_expires_in: refresh.map(|_| 31_536_000),
        }
    }

    /// The shape sessionStorage held before this module existed (serde_json's derive).
    const STORED: &str = r#"{"access_token":"access-1","refresh_token":"refresh-1","scope":"profile offline_access","expires_at_ms":1712345678901.0,"lifetime_ms":3600000.0,"refresh_expires_at_ms":1743878078901.0,"last_refresh_ms":null,"endpoints":{"client_id":"demo","token":"http://127.0.0.1:4598/api/developers/oauth2/token","token_info":"http://127.0.0.1:4598/api/developers/oauth2/token_info","revoke":"http://127.0.0.1:4598/api/developers/oauth2/revoke","user":"http://127.0.0.1:4598/api/users/current"}}"#;

    #[test]
    fn a_debug_print_shows_no_token() {
        let t = Tokens::from_json(STORED).unwrap();
        let printed = format!("{t:?}");
        assert!(
            !printed.contains("access-1") && !printed.contains("refresh-1"),
            "{printed}"
        );
        assert!(printed.contains("[redacted]"), "{printed}");
    }

    #[test]
    fn the_stored_shape_is_unchanged() {
        let t = Tokens::from_answer(
            answer(Some("refresh-1")),
            1_712_342_078_901.0,
            endpoints(),
            None,
        );
        assert_eq!(t.to_json(), STORED);
        assert_eq!(Tokens::from_json(STORED), Some(t));
    }

    #[test]
    fn a_refresh_round_trips_with_fractions_and_nulls() {
        let first = Tokens::from_answer(answer(Some("r")), 1_000.0, endpoints(), None);
        let mut t = Tokens::from_answer(answer(None), 2_500.5, endpoints(), Some(&first));
        assert_eq!(t.refresh_token.as_ref().map(Secret::expose), Some("r"));
        assert_eq!(t.last_refresh_ms, Some(2_500.5));
        assert_eq!(Tokens::from_json(&t.to_json()), Some(t.clone()));
        t.refresh_token = None;
        t.scope = None;
        t.refresh_expires_at_ms = None;
        let text = t.to_json();
        assert!(
            text.contains(r#""refresh_token":null"#)
                && text.contains(r#""last_refresh_ms":2500.5"#),
            "{text}"
        );
        assert_eq!(Tokens::from_json(&text), Some(t));
    }

    #[test]
    fn what_serde_accepted_is_read_and_what_it_refused_is_not() {
        // Integers for floats, missing optional fields: as serde read them.
        let lean = r#"{"access_token":"a","expires_at_ms":5,"lifetime_ms":1e3,"endpoints":{"client_id":"c","token":"t","token_info":"i","revoke":"r","user":"u"},"extra":[1]}"#;
        let t = Tokens::from_json(lean).unwrap();
        assert_eq!(
            (
                t.expires_at_ms,
                t.lifetime_ms,
                t.refresh_token,
                t.last_refresh_ms
            ),
            (5.0, 1000.0, None, None)
        );
        for broken in [
            "",
            "null",
            "[]",
            r#"{"access_token":"a"}"#,
            &lean.replace(r#""a""#, "1"),
            &lean.replace("5,", r#""5","#),
            &lean.replace(r#""t","#, "null,"),
            &lean.replace(r#""extra""#, r#""scope":7,"x""#),
        ] {
            assert_eq!(Tokens::from_json(broken), None, "{broken}");
        }
    }
}
