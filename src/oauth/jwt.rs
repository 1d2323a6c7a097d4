//! Decoding a JWT's header and claims for display.
//!
//! Not every access token is a JWT: many servers issue opaque tokens (random strings that
//! only the issuing server can map to a grant, RFC 6749 1.4), and some encrypt their JWTs
//! (JWE). [`decode`] says so with [`JwtError::Opaque`] and [`JwtError::Encrypted`], which are
//! not failures ([`JwtError::is_opaque`]): the app needs nothing from inside a token.
//!
//! The signature is deliberately NOT verified. The browser is not the audience that relies
//! on these tokens: it only shows what is inside them and sends them back to iLert, and
//! iLert's API verifies every token it receives. Verifying here would need iLert's signing
//! keys (RS256 public key, and the HS256 refresh secret which only iLert has) and would add
//! no security, because nothing the app decides depends on a claim: expiry is taken from
//! `expires_in` of the token response, the user from `/api/users/current`.

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use crate::json::{self, Value};

/// base64url that accepts the encoding with or without `=` padding.
const B64URL_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A JWT's decoded header and claims (the signature is not verified; see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header, e.g. `{"alg":"RS256","typ":"JWT"}`.
    pub header: Value,
    /// The claims (payload).
    pub claims: Value,
}

/// Why a token could not be decoded as a JWT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The token is empty.
    #[error("The token is empty.")]
    Empty,
    /// An opaque token: not three (or five) dot-separated parts, or its first part is no JSON
    /// header. Not an error: the server chose a format only it can read.
    #[error("An opaque token, not a JWT: only the server that issued it can read what it stands for, so there is nothing to decode here.")]
    Opaque,
    /// Five parts with a JOSE header: an encrypted JWT (JWE), readable only by its recipient.
    #[error("An encrypted JWT (JWE): only the server it is meant for can decrypt and read it. There is nothing to decode here.")]
    Encrypted,
    /// A part is not base64url.
    #[error("The JWT's {part} is not valid base64url: {detail}")]
    Base64 {
        /// Which part: header or claims.
        part: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// A part is not JSON.
    #[error("The JWT's {part} is not valid JSON: {detail}")]
    Json {
        /// Which part: header or claims.
        part: &'static str,
        /// What the parser said.
        detail: String,
    },
    /// A part is JSON but not an object.
    #[error("The JWT's {part} is JSON but not an object.")]
    NotObject {
        /// Which part: header or claims.
        part: &'static str,
    },
}

fn decode_part(part: &'static str, text: &str) -> Result<Value, JwtError> {
    let bytes = B64URL_ANY_PAD.decode(text).map_err(|e| JwtError::Base64 {
        part,
        detail: e.to_string(),
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| JwtError::Json {
        part,
        detail: "not UTF-8 text".into(),
    })?;
    let value = json::parse(text).map_err(|e| JwtError::Json {
        part,
        detail: e.to_string(),
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(JwtError::NotObject { part })
    }
}

impl JwtError {
    /// Whether the token is simply not readable here by design (opaque or encrypted), as
    /// opposed to a JWT that is broken.
    pub fn is_opaque(&self) -> bool {
        matches!(self, JwtError::Opaque | JwtError::Encrypted)
    }
}

/// Decodes a JWT's header and claims without verifying its signature (see the module docs).
///
/// A JWT is three dot-separated base64url parts (JWS: header.claims.signature) or five (JWE)
/// whose first part is a JSON object, the JOSE header. Any other token is
/// [`JwtError::Opaque`]; a JWE is [`JwtError::Encrypted`]; a JWS whose claims cannot be read
/// is a real error ([`JwtError::Base64`], [`JwtError::Json`], [`JwtError::NotObject`]).
pub fn decode(token: &str) -> Result<DecodedJwt, JwtError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(JwtError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 && parts.len() != 5 {
        return Err(JwtError::Opaque);
    }
    let header = decode_part("header", parts[0]).map_err(|_| JwtError::Opaque)?;
    if parts.len() == 5 {
        return Err(JwtError::Encrypted);
    }
    Ok(DecodedJwt {
        header,
        claims: decode_part("claims", parts[1])?,
    })
}

/// The `exp` claim in seconds since the epoch, if present and numeric.
pub fn expires_at(claims: &Value) -> Option<i64> {
    let exp = claims.get("exp")?;
    exp.as_i64().or_else(|| {
        exp.as_f64()
            .filter(|f| f.is_finite())
            .map(|f| f.floor() as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE as PADDED, URL_SAFE_NO_PAD};
    use serde_json::json;

    /// The app's JSON value of a `json!` literal.
    fn j(v: serde_json::Value) -> Value {
        json::parse(&v.to_string()).unwrap()
    }

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s.as_bytes())
    }

    fn jwt(header: &str, claims: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(claims), "ZHVtbXktc2lnbmF0dXJl")
    }

    const ACCESS_CLAIMS: &str = r#"{"il_n":"5cf","il_a":2,"il_s":"profile source:w","iss":"ilert","il_u":"jdoe","il_t":"ACCESS","il_v":1,"exp":1717171717}"#;
    const REFRESH_CLAIMS: &str =
        r#"{"iss":"ilert","il_t":"OAUTH","il_v":1,"exp":1748707717,"il_k":"9f86d081884c7d65"}"#;

    #[test]
    fn ilert_access_token_sample() {
        let d = decode(&jwt(r#"{"alg":"RS256","typ":"JWT"}"#, ACCESS_CLAIMS)).unwrap();
        assert_eq!(d.header, j(json!({"alg":"RS256","typ":"JWT"})));
        assert_eq!(d.header["alg"], "RS256");
        assert_eq!(d.claims["il_s"], "profile source:w");
        assert_eq!(d.claims["il_u"], "jdoe");
        assert_eq!(d.claims["il_t"], "ACCESS");
        assert_eq!(d.claims["il_a"], 2);
        assert_eq!(expires_at(&d.claims), Some(1_717_171_717));
    }

    #[test]
    fn ilert_refresh_token_sample() {
        let d = decode(&jwt(r#"{"alg":"HS256"}"#, REFRESH_CLAIMS)).unwrap();
        assert_eq!(d.header["alg"], "HS256");
        assert_eq!(d.claims["il_t"], "OAUTH");
        assert_eq!(d.claims["il_k"], "9f86d081884c7d65");
        assert_eq!(expires_at(&d.claims), Some(1_748_707_717));
    }

    #[test]
    fn padding_whitespace_and_empty_signature() {
        let padded = format!(
            "{}.{}.",
            PADDED.encode(br#"{"alg":"none"}"#),
            PADDED.encode(br#"{"exp":1.9e9,"a":"b"}"#)
        );
        assert!(padded.contains('='));
        let d = decode(&format!(" {padded}\n")).unwrap();
        assert_eq!(d.header["alg"], "none");
        assert_eq!(expires_at(&d.claims), Some(1_900_000_000));
        assert_eq!(expires_at(&j(json!({"exp":"soon"}))), None);
        assert_eq!(expires_at(&j(json!({}))), None);
    }

    #[test]
    fn opaque_tokens() {
        // oidc-provider's access and refresh tokens: 43 random base64url characters.
        for token in [
            "i8j1zS5fHRbrF-E_6RoY23_Gn1XYkZFx3m089oQq-6f",
            "opaque-token",
            // Google-style (one dot) and Ory-style (one dot) opaque tokens.
            "ya29.a0AfH6SMBx",
            "ory_at_abc.def",
            "a.b.c.d",
            "a.b.c.d.e.f",
        ] {
            assert_eq!(decode(token), Err(JwtError::Opaque), "{token}");
        }
        // Three or five parts, but the first is no JSON object: no JOSE header, so not a JWT.
        let c = b64(ACCESS_CLAIMS);
        for token in [
            format!("!!!.{c}.sig"),
            format!(".{c}.sig"),
            format!("{}.{c}.sig", b64("\"x\"")),
            "a.b.c".to_string(),
            "a.b.c.d.e".to_string(),
        ] {
            assert_eq!(decode(&token), Err(JwtError::Opaque), "{token}");
        }
        assert!(JwtError::Opaque.is_opaque());
        let text = JwtError::Opaque.to_string();
        assert!(text.starts_with("An opaque token, not a JWT"), "{text}");
        assert!(
            text.contains("only the server that issued it can read"),
            "{text}"
        );
    }

    #[test]
    fn encrypted_jwt() {
        let h = b64(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#);
        assert_eq!(
            decode(&format!("{h}.key.iv.ciphertext.tag")),
            Err(JwtError::Encrypted)
        );
        assert!(JwtError::Encrypted.is_opaque());
        assert!(JwtError::Encrypted.to_string().contains("JWE"));
    }

    #[test]
    fn malformed_tokens() {
        assert_eq!(decode(""), Err(JwtError::Empty));
        assert_eq!(decode("  "), Err(JwtError::Empty));
        assert!(!JwtError::Empty.is_opaque());
        // A JOSE header with claims that cannot be read: a broken JWT, an error.
        let h = b64(r#"{"alg":"RS256"}"#);
        for err in [
            decode(&format!("{h}.a+b/.sig")),
            decode(&format!("{h}.{}.sig", b64("not json"))),
            decode(&format!("{h}.{}.sig", b64("[1,2]"))),
        ] {
            assert!(!err.as_ref().unwrap_err().is_opaque(), "{err:?}");
        }
        assert!(matches!(
            decode(&format!("{h}.a+b/.sig")),
            Err(JwtError::Base64 { part: "claims", .. })
        ));
        assert!(matches!(
            decode(&format!("{h}.{}.sig", b64("not json"))),
            Err(JwtError::Json { part: "claims", .. })
        ));
        assert_eq!(
            decode(&format!("{h}.{}.sig", b64("[1,2]"))),
            Err(JwtError::NotObject { part: "claims" })
        );
    }
}
