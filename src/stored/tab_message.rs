//! What one tab tells the others of this origin over BroadcastChannel, as JSON text in
//! serde's externally tagged shape: `{"Refreshed":{"replaces":…,"tokens":{…}}}` or
//! `{"SignedOut":{"refresh":…}}` (a tab still running the previous version understands it).
use super::tokens::Tokens;
use crate::json::{self, Value};

// One message per refresh or sign-out: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum TabMessage {
    /// The refresh token with this fingerprint was spent; here are the tokens that replace it.
    Refreshed { replaces: String, tokens: Tokens },
    /// The refresh token with this fingerprint is being revoked.
    SignedOut { refresh: String },
}

impl TabMessage {
    pub fn to_json(&self) -> String {
        let (tag, body) = match self {
            TabMessage::Refreshed { replaces, tokens } => (
                "Refreshed",
                json::object([
                    ("replaces", replaces.as_str().into()),
                    ("tokens", tokens.to_value()),
                ]),
            ),
            TabMessage::SignedOut { refresh } => (
                "SignedOut",
                json::object([("refresh", refresh.as_str().into())]),
            ),
        };
        json::object([(tag, body)]).compact()
    }

    /// None for anything that is not a message of this app.
    pub fn from_json(text: &str) -> Option<TabMessage> {
        let value = json::parse(text).ok()?;
        let [(tag, body)] = value.as_object()?.as_slice() else {
            return None;
        };
        let text = |key| body.req(key, Value::as_str).ok().map(str::to_string);
        match tag.as_str() {
            "Refreshed" => Some(TabMessage::Refreshed {
                replaces: text("replaces")?,
                tokens: Tokens::from_value(body.get("tokens")?).ok()?,
            }),
            "SignedOut" => Some(TabMessage::SignedOut {
                refresh: text("refresh")?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::request::Endpoints;

    fn tokens() -> Tokens {
        Tokens {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            scope: None,
            expires_at_ms: 3_601_000.0,
            lifetime_ms: 3_600_000.0,
            refresh_expires_at_ms: None,
            last_refresh_ms: Some(1_000.0),
            endpoints: Endpoints {
                client_id: "c".into(),
                token: "t".into(),
                token_info: "i".into(),
                revoke: "r".into(),
                user: "u".into(),
            },
        }
    }

    #[test]
    fn the_shapes_are_serdes_externally_tagged_ones() {
        let signed_out = TabMessage::SignedOut {
            refresh: "fp".into(),
        };
        assert_eq!(signed_out.to_json(), r#"{"SignedOut":{"refresh":"fp"}}"#);
        let refreshed = TabMessage::Refreshed {
            replaces: "old".into(),
            tokens: tokens(),
        };
        let text = refreshed.to_json();
        assert_eq!(
            text,
            format!(
                r#"{{"Refreshed":{{"replaces":"old","tokens":{}}}}}"#,
                tokens().to_json()
            )
        );
        for message in [signed_out, refreshed] {
            assert_eq!(TabMessage::from_json(&message.to_json()), Some(message));
        }
    }

    #[test]
    fn anything_else_is_ignored() {
        for text in [
            "",
            "hello",
            "{}",
            r#"{"SignedOut":{"refresh":"a"},"Refreshed":{}}"#,
            r#"{"SignedOut":{"refresh":1}}"#,
            r#"{"SignedOut":{}}"#,
            r#"{"Refreshed":{"replaces":"old","tokens":{}}}"#,
            r#"{"Other":{"refresh":"a"}}"#,
            r#"["SignedOut"]"#,
        ] {
            assert_eq!(TabMessage::from_json(text), None, "{text}");
        }
    }
}
