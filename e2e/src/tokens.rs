//! Finding a token where none may be: the detectors the leak checks share.
//!
//! A real token only: random base64url text that happens to start with `eyJ` (a stored PKCE
//! state or challenge does so about once in 300 runs, e.g. `eyJ8HDTQMTw…`) is no alarm, and
//! neither is a masked token (`eyJh••••`).
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// The first JSON Web Token in `text`: three base64url segments joined by dots, the first of
/// which decodes to a JSON object with an `alg` member (every JWT header has one).
pub fn jwt_in(text: &str) -> Option<&str> {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    // Where a token may start: after any character that cannot be part of one (a quote, `=`,
    // a space, a dot), or at an `eyJ` glued to other text (`%20eyJ…` in a URL).
    let mut starts = text.char_indices().filter(|&(i, _)| {
        text[..i].chars().next_back().is_none_or(|c| !b64(c)) || text[i..].starts_with("eyJ")
    });
    starts.find_map(|(i, _)| {
        let run = &text[i..];
        let run = &run[..run.find(|c: char| !b64(c) && c != '.').unwrap_or(run.len())];
        let mut parts = run.splitn(4, '.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let decoded = URL_SAFE_NO_PAD.decode(header).ok()?;
        serde_json::from_slice::<Value>(&decoded).ok()?.get("alg")?;
        (!payload.is_empty()).then_some(())?;
        Some(&run[..header.len() + payload.len() + signature.len() + 2])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ilert_sim::{AccessClaims, Keys, RefreshClaims};

    /// An access and a refresh token as the simulator issues them.
    fn sim_tokens() -> (String, String) {
        let keys = Keys::from_hmac_key([7; 32]);
        let access = keys.sign_access(&AccessClaims {
            il_n: "5cf".into(),
            il_a: 250,
            il_s: "profile offline_access".into(),
            iss: "ilert".into(),
            il_u: "ada".into(),
            il_t: "ACCESS".into(),
            il_v: 1,
            exp: 2_000_000_000,
            iat: 1_700_000_000,
            jti: "j1".into(),
        });
        let refresh = keys.sign_refresh(&RefreshClaims {
            iss: "ilert".into(),
            il_t: "OAUTH".into(),
            il_v: 1,
            exp: 2_000_000_000,
            il_k: "k1".into(),
        });
        (access, refresh)
    }

    #[test]
    fn a_real_token_is_found_wherever_it_stands() {
        let (access, refresh) = sim_tokens();
        for token in [&access, &refresh] {
            for text in [
                format!(
                    r#"[{{"step":"Exchange","fields":[{{"name":"access_token","value":"{token}"}}]}}]"#
                ),
                format!("access_token={token}&token_type=bearer&expires_in=3600"),
                format!("Authorization: Bearer {token}\nnext line"),
                format!("GET /x?t=Bearer%20{token}"),
                token.clone(),
            ] {
                assert_eq!(jwt_in(&text), Some(token.as_str()), "in {text}");
            }
        }
        // Its last 20 characters cut off: still a token's three parts, still an alarm.
        let cut = &access[..access.len() - 20];
        assert_eq!(jwt_in(&format!("\"{cut}\"")), Some(cut));
    }

    #[test]
    fn random_base64url_that_starts_like_a_token_is_no_alarm() {
        // A stored pending attempt whose random state and challenge start with `eyJ` (seen
        // once as a false alarm of the old detector: "eyJ8HDTQMTw").
        let stored = r#"{"attempts":[{"state":"eyJ8HDTQMTwq3vR0b7xkLq2Yw9ZpJd4sUo1aNcEfGhI","challenge":"eyJhbGciOiJSUzI1NiJ9abcdefghijklmnopqrstuvw","verifier":"eyJ.x.y"}]}"#;
        assert_eq!(jwt_in(stored), None);
        // Three dotted segments whose first is no JSON object with `alg`.
        for text in [
            "eyJ8HDTQMTw.eyJpbF91IjoiYWRhIn0.c2ln",
            "eyJhIjoxfQ.eyJpbF91IjoiYWRhIn0.c2ln", // {"a":1}: no alg
            "WyJhbGciXQ.eyJpbF91IjoiYWRhIn0.c2ln", // ["alg"]: no object
            "ilert-pkce.timeline.v1",
        ] {
            assert_eq!(jwt_in(text), None, "{text}");
        }
        // A masked token keeps four characters; the header alone, or header and payload
        // without a signature part, are no credential either.
        let (access, _) = sim_tokens();
        let mut parts = access.split('.');
        let (header, payload) = (parts.next().unwrap(), parts.next().unwrap());
        for text in [
            "access_token=eyJh••••".to_string(),
            format!("{header}.{payload}"),
            format!("{header}.••••"),
            format!("{header}..sig"),
        ] {
            assert_eq!(jwt_in(&text), None, "{text}");
        }
    }
}
