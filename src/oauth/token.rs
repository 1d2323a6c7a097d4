//! The token endpoint and its siblings: validation of the answers of the code exchange,
//! refresh, revoke and token_info (their requests are built in `super::request`).

use super::answer::classify;
use super::error::{expect_object, json_kind, oauth_error};
use super::request::Kind;
use super::secret::Secret;
use super::Error;
use crate::json::number::Decimal;
use crate::json::{self, Value};

/// A name for a token that does not reveal it: base64url(SHA-256(token)). Tabs use it to tell
/// each other which refresh token was replaced or revoked.
pub fn fingerprint(token: &Secret) -> String {
    super::pkce::challenge_s256(token.expose())
}

/// A validated token response (code exchange or refresh).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// Always `Bearer` (compared case-insensitively; kept as the server sent it).
    pub token_type: String,
    /// The access token (a JWT at iLert).
    pub access_token: Secret,
    /// Seconds until the access token expires, as the app uses it: the server's `expires_in`
    /// kept within [`MIN_EXPIRES_IN_S`]..=[`MAX_EXPIRES_IN_S`].
    pub expires_in: u64,
    /// The server's `expires_in` as sent (JSON text, `absent` when missing), when the app could
    /// not use it as it was.
    pub expires_in_sent: Option<String>,
    /// The granted scopes, space-separated, if the server said.
    pub scope: Option<String>,
    /// A refresh token, if one was issued (PKCE clients: only with `offline_access`).
    pub refresh_token: Option<Secret>,
    /// Seconds until the refresh token expires, if the server said.
    pub refresh_token_expires_in: Option<u64>,
}

impl TokenResponse {
    /// When the access token expires, in ms since the epoch, given the time the answer arrived.
    pub fn expires_at_ms(&self, now_ms: f64) -> f64 {
        now_ms + self.expires_in as f64 * 1000.0
    }

    /// When the refresh token expires, in ms since the epoch, if the server said.
    pub fn refresh_expires_at_ms(&self, now_ms: f64) -> Option<f64> {
        self.refresh_token_expires_in
            .map(|s| now_ms + s as f64 * 1000.0)
    }

    /// As JSON, with the field names of the token endpoint's answer.
    pub fn to_value(&self) -> Value {
        json::object([
            ("token_type", self.token_type.as_str().into()),
            ("access_token", self.access_token.expose().into()),
            ("expires_in", self.expires_in.into()),
            ("expires_in_sent", self.expires_in_sent.clone().into()),
            ("scope", self.scope.clone().into()),
            (
                "refresh_token",
                self.refresh_token.as_ref().map(Secret::expose).into(),
            ),
            (
                "refresh_token_expires_in",
                self.refresh_token_expires_in.into(),
            ),
        ])
    }

    /// Reads what [`TokenResponse::to_value`] wrote (not a server's answer: that is
    /// [`parse_token_response`]'s job).
    pub fn from_value(v: &Value) -> Result<TokenResponse, String> {
        Ok(TokenResponse {
            token_type: v.req("token_type", Value::as_str)?.to_string(),
            access_token: v.req("access_token", Value::as_str)?.into(),
            expires_in: v.req("expires_in", Value::as_u64)?,
            expires_in_sent: v.opt("expires_in_sent", Value::as_str)?.map(str::to_string),
            scope: v.opt("scope", Value::as_str)?.map(str::to_string),
            refresh_token: v.opt("refresh_token", Value::as_str)?.map(Secret::from),
            refresh_token_expires_in: v.opt("refresh_token_expires_in", Value::as_u64)?,
        })
    }
}

/// A non-negative whole number of seconds, or why not.
fn seconds(v: &Value) -> Result<u64, String> {
    let Some(n) = v.as_number().and_then(Decimal::parse) else {
        return Err(format!("must be a number of seconds, got {}", json_kind(v)));
    };
    if n.negative && !n.is_zero() {
        return Err(format!("is negative ({})", v.compact()));
    }
    n.whole_u64()
        .ok_or_else(|| format!("is not a whole number ({})", v.compact()))
}

/// The shortest access-token lifetime the app believes: a server that says 0 or less must not
/// make it refresh in a loop.
pub const MIN_EXPIRES_IN_S: u64 = 30;
/// The longest: past a day the app refreshes anyway (a 401 would tell it sooner).
pub const MAX_EXPIRES_IN_S: u64 = 86_400;
/// When the server does not say: iLert's documented lifetime, one hour.
pub const DEFAULT_EXPIRES_IN_S: u64 = 3_600;

/// A numeric string's number, read as `str::parse::<f64>` reads it (`+120`, `0120`, `.5`,
/// `5.`, `1E3`; infinities and NaN give None, as they are refused anyway), but rewritten into
/// JSON's number grammar and taken apart exactly ([`Decimal`]): no float parser is linked.
fn number_text(s: &str) -> Option<Decimal> {
    let (minus, s) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let mut json = format!("{minus}{}", if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    json.push_str(exponent);
    Decimal::parse(&json)
}

/// `expires_in` as the app uses it, and the value sent when that had to be changed: missing
/// or unreadable is an hour, a fraction is rounded up, and the result is kept within
/// [`MIN_EXPIRES_IN_S`]..=[`MAX_EXPIRES_IN_S`]. A numeric string is read as its number.
pub fn sane_expires_in(sent: Option<&Value>) -> (u64, Option<String>) {
    let number = match sent {
        Some(Value::Number(n)) => Decimal::parse(n),
        Some(Value::String(s)) => number_text(s.trim()),
        _ => None,
    }
    // A string beyond any float (`"1e400"`) is as unreadable as before.
    .filter(|n| n.to_f64().is_finite());
    let used = number.map_or(DEFAULT_EXPIRES_IN_S, |n| {
        n.ceil_within(MIN_EXPIRES_IN_S, MAX_EXPIRES_IN_S)
    });
    let exact = sent.and_then(Value::as_u64) == Some(used);
    let sent_text = match sent {
        None => "absent".to_string(),
        Some(v) => v.compact(),
    };
    (used, (!exact).then_some(sent_text))
}

/// An optional string member: absent or null is None; another type is an error.
fn opt_string(status: u16, obj: &Value, name: &str) -> Result<Option<String>, Error> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::InvalidResponse {
            status,
            reason: format!("{name} must be a string, got {}", json_kind(other)),
        }),
    }
}

/// Validates a token endpoint answer (code exchange or refresh).
///
/// 2xx JSON of the right shape is the token; any error status is an [`Error::OAuth`] in either
/// iLert's or RFC 6749's shape (iLert's `invalid_grant` comes with 401: a grant error, not an
/// expired access token); a body that is not JSON is [`Error::NotJson`] whatever the status;
/// JSON of another shape is [`Error::InvalidResponse`].
pub fn parse_token_response(
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<TokenResponse, Error> {
    let value = classify(Kind::CodeExchange, status, content_type, body)?;
    let obj = expect_object(status, &value, "the token response")?;
    // A 2xx carrying an OAuth error instead of a token: report the error.
    if obj.get("access_token").is_none() {
        if let Some(e) = oauth_error(status, &value) {
            return Err(e);
        }
    }
    let invalid = |reason: String| Error::InvalidResponse { status, reason };

    let access_token = match obj.get("access_token") {
        Some(Value::String(s)) if !s.trim().is_empty() => Secret::new(s.as_str()),
        Some(Value::String(_)) => return Err(invalid("access_token is empty".into())),
        Some(other) => {
            return Err(invalid(format!(
                "access_token must be a string, got {}",
                json_kind(other)
            )))
        }
        None => return Err(invalid("the answer has no access_token".into())),
    };
    let token_type = match obj.get("token_type") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s.clone(),
        Some(Value::String(s)) => {
            return Err(invalid(format!(
                "token_type is \"{s}\", but only Bearer tokens are supported"
            )))
        }
        Some(other) => {
            return Err(invalid(format!(
                "token_type must be a string, got {}",
                json_kind(other)
            )))
        }
        None => return Err(invalid("the answer has no token_type".into())),
    };
    let (expires_in, expires_in_sent) = sane_expires_in(obj.get("expires_in"));
    let refresh_token_expires_in = match obj.get("refresh_token_expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(seconds(v).map_err(|e| invalid(format!("refresh_token_expires_in {e}")))?),
    };
    Ok(TokenResponse {
        token_type,
        access_token,
        expires_in,
        expires_in_sent,
        scope: opt_string(status, obj, "scope")?,
        refresh_token: opt_string(status, obj, "refresh_token")?.map(Secret::from),
        refresh_token_expires_in,
    })
}

/// A validated token_info answer: what iLert knows about an access token.
///
/// Only `active` decides anything, so only it must have its type. Every other member is
/// shown as it came (a string as its text, anything else as its JSON): a display-only member
/// of an unexpected type (`"app_id": "pkce-demo"` from another server) must not sink the card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenInfo {
    /// Whether the token is currently valid.
    pub active: bool,
    /// The other members, in the server's order, as shown; null ones left out.
    pub members: Vec<(String, String)>,
}

/// The members the card names (iLert's answer): any other one is listed after them.
pub const KNOWN_INFO_MEMBERS: [&str; 4] = ["tenant_id", "username", "scope", "app_id"];

impl TokenInfo {
    /// A member as shown (`tenant_id`, `scope`, `app_id`, …), if the server sent one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The members the card does not name, in the server's order.
    pub fn others(&self) -> impl Iterator<Item = &(String, String)> {
        self.members
            .iter()
            .filter(|(n, _)| !KNOWN_INFO_MEMBERS.contains(&n.as_str()))
    }

    /// Reads a token_info object: `active` is required and must be true or false; the rest
    /// is kept as shown.
    pub fn from_value(v: &Value) -> Result<TokenInfo, String> {
        let members = v
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(name, value)| name != "active" && !matches!(value, Value::Null))
            .map(|(name, value)| {
                let shown = match value {
                    Value::String(s) => s.clone(),
                    other => other.compact(),
                };
                (name.clone(), shown)
            })
            .collect();
        Ok(TokenInfo {
            active: v.req("active", Value::as_bool)?,
            members,
        })
    }
}

/// Validates a token_info answer; `{"active":false}` is a valid answer (an inactive token).
pub fn parse_token_info(
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<TokenInfo, Error> {
    let value = classify(Kind::TokenInfo, status, content_type, body)?;
    let obj = expect_object(status, &value, "the token_info answer")?;
    match obj.get("active") {
        Some(Value::Bool(_)) => {}
        None => {
            return Err(Error::InvalidResponse {
                status,
                reason: "the token_info answer has no \"active\" field".into(),
            })
        }
        Some(other) => {
            return Err(Error::InvalidResponse {
                status,
                reason: format!("\"active\" must be true or false, got {}", json_kind(other)),
            })
        }
    }
    TokenInfo::from_value(obj).map_err(|e| Error::InvalidResponse {
        status,
        reason: format!("the token_info answer has a field of the wrong type: {e}"),
    })
}

/// Validates a revocation answer: any 2xx is success, whatever the body (RFC 7009).
pub fn parse_revoke(status: u16, content_type: Option<&str>, body: &str) -> Result<(), Error> {
    classify(Kind::Revoke, status, content_type, body).map(|_| ())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fingerprint_is_stable_distinct_and_not_the_token() {
        let a = fingerprint(&"refresh-token-a".into());
        assert_eq!(a, fingerprint(&"refresh-token-a".into()));
        assert_ne!(a, fingerprint(&"refresh-token-b".into()));
        assert_eq!(a.len(), 43);
        assert!(!a.contains("refresh"));
    }

    use super::*;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn ilert_token_response() {
        let body = r#"{"token_type":"Bearer","access_token":"eyJ.a.b","expires_in":3600,"scope":"profile source:w",
                      "refresh_token":"eyJ.r.t","refresh_token_expires_in":31536000,"extra":[1]}"#;
        let t = parse_token_response(200, JSON, body).unwrap();
        assert_eq!(
            t,
            TokenResponse {
                token_type: "Bearer".into(),
                access_token: "eyJ.a.b".into(),
                expires_in: 3600,
                expires_in_sent: None,
                scope: Some("profile source:w".into()),
                refresh_token: Some("eyJ.r.t".into()),
                refresh_token_expires_in: Some(31_536_000),
            }
        );
        assert_eq!(t.expires_at_ms(1_000.0), 3_601_000.0);
        assert_eq!(t.refresh_expires_at_ms(0.0), Some(31_536_000_000.0));
        // Round-trips through its JSON.
        let text = t.to_value().compact();
        assert_eq!(
            text,
            r#"{"token_type":"Bearer","access_token":"eyJ.a.b","expires_in":3600,"expires_in_sent":null,"scope":"profile source:w","refresh_token":"eyJ.r.t","refresh_token_expires_in":31536000}"#
        );
        let back = TokenResponse::from_value(&json::parse(&text).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn minimal_and_lenient_token_responses() {
        let t = parse_token_response(
            200,
            None,
            r#"{"token_type":"bearer","access_token":"a","expires_in":60}"#,
        )
        .unwrap();
        assert_eq!(t.token_type, "bearer");
        assert_eq!(
            (t.scope, t.refresh_token, t.refresh_token_expires_in),
            (None, None, None)
        );
        // Content type is not trusted either way.
        let t = parse_token_response(201, Some("text/plain"), r#"{"token_type":"BEARER","access_token":"a","expires_in":60.0,"scope":null,"refresh_token":""}"#).unwrap();
        assert_eq!((t.expires_in, t.scope, t.refresh_token), (60, None, None));
    }

    #[test]
    fn ilert_invalid_grant_is_an_oauth_error_not_unauthorized() {
        let e = parse_token_response(
            401,
            JSON,
            r#"{"code":"invalid_grant","error":"Provided code is unknown"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::OAuth {
                status: 401,
                code: "invalid_grant".into(),
                description: Some("Provided code is unknown".into())
            }
        );
        assert!(e.is_invalid_grant());
        assert_eq!(
            e.to_string(),
            "invalid_grant: Provided code is unknown (HTTP 401)"
        );
    }

    #[test]
    fn rfc_error_shapes() {
        let e = parse_token_response(
            400,
            JSON,
            r#"{"error":"invalid_grant","error_description":"code expired"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::OAuth {
                status: 400,
                code: "invalid_grant".into(),
                description: Some("code expired".into())
            }
        );
        let e =
            parse_token_response(400, JSON, r#"{"error":"unsupported_grant_type"}"#).unwrap_err();
        assert_eq!(
            e,
            Error::OAuth {
                status: 400,
                code: "unsupported_grant_type".into(),
                description: None
            }
        );
        let e = parse_token_response(500, JSON, r#"{"code":"server_error","error":"Oops"}"#)
            .unwrap_err();
        assert_eq!(e.code(), Some("server_error"));
        // A 200 that carries an error instead of a token.
        let e = parse_token_response(
            200,
            JSON,
            r#"{"error":"invalid_request","error_description":"bad"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("invalid_request"));
    }

    #[test]
    fn unknown_error_shape_is_invalid_response() {
        let e = parse_token_response(400, JSON, r#"{"oops":true}"#).unwrap_err();
        assert!(
            matches!(e, Error::InvalidResponse { status: 400, .. }),
            "{e:?}"
        );
        let e = parse_token_response(500, JSON, "[]").unwrap_err();
        assert!(
            matches!(e, Error::InvalidResponse { status: 500, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn non_json_answers() {
        let e = parse_token_response(
            502,
            Some("text/html"),
            "<html>\n<body>Bad   Gateway</body></html>",
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::NotJson {
                status: 502,
                content_type: Some("text/html".into()),
                snippet: "<html> <body>Bad Gateway</body></html>".into()
            }
        );
        assert!(e
            .to_string()
            .starts_with("iLert answered HTTP 502 with text/html instead of JSON: <html>"));
        // An HTML page with 200 (e.g. an SPA fallback at the wrong API base).
        let e = parse_token_response(200, JSON, "<!doctype html><title>app</title>").unwrap_err();
        assert!(matches!(e, Error::NotJson { status: 200, .. }));
        let e = parse_token_response(200, JSON, "").unwrap_err();
        assert_eq!(
            e,
            Error::NotJson {
                status: 200,
                content_type: Some("application/json".into()),
                snippet: String::new()
            }
        );
        let e = parse_token_response(400, None, "   ").unwrap_err();
        assert!(matches!(
            e,
            Error::NotJson {
                status: 400,
                content_type: None,
                ..
            }
        ));
    }

    #[test]
    fn invalid_token_shapes() {
        let cases = [
            (
                r#"{"token_type":"Bearer","expires_in":3600}"#,
                "no access_token",
            ),
            (
                r#"{"token_type":"Bearer","access_token":"","expires_in":3600}"#,
                "access_token is empty",
            ),
            (
                r#"{"token_type":"Bearer","access_token":5,"expires_in":3600}"#,
                "access_token must be a string",
            ),
            (
                r#"{"token_type":"mac","access_token":"a","expires_in":3600}"#,
                "\"mac\"",
            ),
            (r#"{"access_token":"a","expires_in":3600}"#, "no token_type"),
            (
                r#"{"token_type":"Bearer","access_token":"a","expires_in":1,"refresh_token_expires_in":-5}"#,
                "refresh_token_expires_in is negative",
            ),
            (
                r#"{"token_type":"Bearer","access_token":"a","expires_in":1,"scope":["profile"]}"#,
                "scope must be a string",
            ),
            (
                r#"{"token_type":"Bearer","access_token":"a","expires_in":1,"refresh_token":{}}"#,
                "refresh_token must be a string",
            ),
            (r#""just a string""#, "must be a JSON object"),
            ("null", "must be a JSON object"),
        ];
        for (body, want) in cases {
            match parse_token_response(200, JSON, body) {
                Err(Error::InvalidResponse {
                    status: 200,
                    reason,
                }) => assert!(reason.contains(want), "{body}: {reason}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn refresh_lifetimes_are_whole_seconds() {
        let lifetime = |sent: &str| {
            let body = format!(
                r#"{{"token_type":"Bearer","access_token":"a","refresh_token":"r","refresh_token_expires_in":{sent}}}"#
            );
            match parse_token_response(200, JSON, &body) {
                Ok(t) => Ok(t.refresh_token_expires_in),
                Err(Error::InvalidResponse { reason, .. }) => Err(reason),
                Err(e) => panic!("{sent}: {e:?}"),
            }
        };
        assert_eq!(lifetime("31536000"), Ok(Some(31_536_000)));
        assert_eq!(lifetime("3.6e3"), Ok(Some(3600)));
        assert_eq!(lifetime("60.0"), Ok(Some(60)));
        assert_eq!(lifetime("-0"), Ok(Some(0)));
        assert_eq!(lifetime("null"), Ok(None));
        assert_eq!(
            lifetime("1.5"),
            Err("refresh_token_expires_in is not a whole number (1.5)".into())
        );
        assert_eq!(
            lifetime("-2e1"),
            Err("refresh_token_expires_in is negative (-2e1)".into())
        );
        assert_eq!(
            lifetime(r#""60""#),
            Err("refresh_token_expires_in must be a number of seconds, got a string".into())
        );
    }

    #[test]
    fn numeric_strings_read_as_rust_reads_them() {
        // The rule as it was written with floats: the oracle for the exact digits version.
        let with_floats = |f: f64| match f {
            f if f <= MIN_EXPIRES_IN_S as f64 => MIN_EXPIRES_IN_S,
            f if f >= MAX_EXPIRES_IN_S as f64 => MAX_EXPIRES_IN_S,
            f => f.ceil() as u64,
        };
        for text in [
            "120",
            "+120",
            "0120",
            "-1",
            ".5",
            "5.",
            "-.5",
            "90.2",
            "1e3",
            "1E+3",
            "2.5e-1",
            "007.50",
            "0",
            "-0",
            "1e300",
            "30",
            "30.5",
            "29.999",
            "86399.01",
            "86400",
            "1e-400",
            "0.000001e7",
        ] {
            let read = number_text(text).unwrap_or_else(|| panic!("{text}"));
            let rust = text.parse::<f64>().unwrap();
            if text != "1e300" {
                assert_eq!(read.to_f64(), rust, "{text}");
            }
            assert_eq!(
                read.ceil_within(MIN_EXPIRES_IN_S, MAX_EXPIRES_IN_S),
                with_floats(rust),
                "{text}"
            );
        }
        for text in [
            "", ".", "-", "+", "e5", "1e", "1.2.3", "1_0", "0x10", " 1", "inf", "NaN", "--1",
        ] {
            assert_eq!(number_text(text), None, "{text}");
        }
    }

    #[test]
    fn odd_expires_in_is_kept_within_sane_bounds_and_reported() {
        let cases: [(&str, u64, Option<&str>); 15] = [
            ("3600", 3600, None),
            ("60", 60, None),
            ("3600.0", 3600, Some("3600.0")),
            ("0", 30, Some("0")),
            ("-1", 30, Some("-1")),
            ("1", 30, Some("1")),
            ("1.5", 30, Some("1.5")),
            ("90.2", 91, Some("90.2")),
            ("null", 3600, Some("null")),
            (r#""120""#, 120, Some(r#""120""#)),
            // As sent: serde_json printed its float again (`1e+300`).
            ("1e300", 86_400, Some("1e300")),
            (r#"[1]"#, 3600, Some("[1]")),
            // A string beyond any float is unreadable; a number beyond it is no JSON at all.
            (r#""1e400""#, 3600, Some(r#""1e400""#)),
            (r#"" 45.5 ""#, 46, Some(r#"" 45.5 ""#)),
            ("1e-400", 30, Some("1e-400")),
        ];
        for (sent, used, note) in cases {
            let body =
                format!(r#"{{"token_type":"Bearer","access_token":"a","expires_in":{sent}}}"#);
            let t =
                parse_token_response(200, JSON, &body).unwrap_or_else(|e| panic!("{sent}: {e}"));
            assert_eq!(
                (t.expires_in, t.expires_in_sent.as_deref()),
                (used, note),
                "{sent}"
            );
        }
        assert!(matches!(
            parse_token_response(
                200,
                JSON,
                r#"{"token_type":"Bearer","access_token":"a","expires_in":1e400}"#
            ),
            Err(Error::InvalidResponse { reason, .. }) if reason.starts_with("\"expires_in\" is 1e400, a number beyond")
        ));
        let t = parse_token_response(200, JSON, r#"{"token_type":"Bearer","access_token":"a"}"#)
            .unwrap();
        assert_eq!(
            (t.expires_in, t.expires_in_sent.as_deref()),
            (3600, Some("absent"))
        );
    }

    #[test]
    fn token_info_active_and_inactive() {
        let body = r#"{"active":true,"tenant_id":"someTenant","username":"someUser","scope":"profile source:w","app_id":250,"new":1}"#;
        let info = parse_token_info(200, JSON, body).unwrap();
        assert!(info.active);
        assert_eq!(info.get("tenant_id"), Some("someTenant"));
        assert_eq!(info.get("scope"), Some("profile source:w"));
        assert_eq!(info.get("app_id"), Some("250"));
        let others: Vec<_> = info.others().cloned().collect();
        assert_eq!(others, [("new".to_string(), "1".to_string())]);
        assert_eq!(
            parse_token_info(200, JSON, r#"{"active":false}"#),
            Ok(TokenInfo::default())
        );
        assert!(matches!(
            parse_token_info(200, JSON, r#"{"username":"x"}"#),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(matches!(
            parse_token_info(200, JSON, r#"{"active":"yes"}"#),
            Err(Error::InvalidResponse { .. })
        ));
    }

    #[test]
    fn display_only_members_of_another_type_are_shown_as_they_came() {
        // panva's oidc-provider, configured like iLert, sends app_id as a string.
        let body = r#"{"active":true,"app_id":"pkce-demo","tenant_id":7,"scope":null,"exp":1712345678,"aud":["a","b"]}"#;
        let info = parse_token_info(200, JSON, body).unwrap();
        assert_eq!(info.get("app_id"), Some("pkce-demo"));
        assert_eq!(info.get("tenant_id"), Some("7"));
        assert_eq!(info.get("scope"), None, "null is not shown");
        let others: Vec<_> = info
            .others()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(others, [("exp", "1712345678"), ("aud", r#"["a","b"]"#)]);
        assert_eq!(
            parse_token_info(
                401,
                JSON,
                r#"{"code":"invalid_token","error":"Token expired"}"#
            ),
            Err(Error::OAuth {
                status: 401,
                code: "invalid_token".into(),
                description: Some("Token expired".into())
            })
        );
        assert_eq!(
            parse_token_info(403, JSON, r#"{"status":403,"message":"Forbidden"}"#),
            Err(Error::Api {
                status: 403,
                code: None,
                message: Some("Forbidden".into())
            })
        );
        assert!(matches!(
            parse_token_info(502, Some("text/html"), "<html/>"),
            Err(Error::NotJson { .. })
        ));
    }

    #[test]
    fn revoke_answers() {
        assert_eq!(parse_revoke(200, None, ""), Ok(()));
        assert_eq!(parse_revoke(204, None, ""), Ok(()));
        assert_eq!(parse_revoke(200, Some("text/plain"), "OK"), Ok(()));
        assert_eq!(parse_revoke(200, JSON, "{}"), Ok(()));
        assert_eq!(
            parse_revoke(500, None, ""),
            Err(Error::Api {
                status: 500,
                code: None,
                message: None
            })
        );
        assert_eq!(
            parse_revoke(400, JSON, r#"{"error":"invalid_request"}"#)
                .unwrap_err()
                .code(),
            Some("invalid_request")
        );
        assert!(matches!(
            parse_revoke(502, Some("text/html"), "<h1>Bad Gateway</h1>"),
            Err(Error::NotJson { status: 502, .. })
        ));
    }
}
