//! What happens to any HTTP answer: one judgement for every endpoint, before the parser of
//! the step reads the details. An answer is a success (2xx JSON), an OAuth error (iLert's
//! `{"code","error"}` or RFC 6749's `{"error","error_description"}`), an HTTP error (any other
//! non-2xx, e.g. iLert's REST `{"status","message","code"}`), or not JSON. Transport failures
//! (network, timeout) never get this far: the glue turns them into errors itself.
use crate::json::{self, Value};

use super::error::{api_error, oauth_error, snippet, Error};
use super::form::{is_secret, mask};
use super::request::Kind;

/// One HTTP answer, unjudged, as the glue read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    pub duration_ms: f64,
    /// The `Retry-After` header, if any (read by the refresh back-off).
    pub retry_after: Option<String>,
    /// Whether the built-in simulator's Service Worker answered (its `x-ilert-sim` header).
    pub by_worker: bool,
}

impl Answer {
    /// An answer with just a status, type and body (tests, and callers that have no timing).
    pub fn new(status: u16, content_type: Option<&str>, body: &str) -> Answer {
        Answer {
            status,
            content_type: content_type.map(str::to_string),
            body: body.to_string(),
            duration_ms: 0.0,
            retry_after: None,
            by_worker: false,
        }
    }
}

/// For a number the parser refused as out of range: what it was and where, read back from
/// the body at the error's position (the member it is the value of, if any).
fn out_of_range(body: &str, e: &json::Error) -> Option<String> {
    if e.what != "number out of range" {
        return None;
    }
    let at = e.offset;
    let rest = body.get(at..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')))
        .unwrap_or(rest.len());
    let number = &rest[..len];
    // A number of 100 KB is named by its start.
    let shown = match number.char_indices().nth(24) {
        Some((cut, _)) => format!("{}… ({} digits)", &number[..cut], number.len()),
        None => number.to_string(),
    };
    let member = body[..at]
        .trim_end()
        .strip_suffix(':')
        .map(str::trim_end)
        .and_then(|b| b.strip_suffix('"'))
        .and_then(key_before)
        .filter(|name| !name.is_empty());
    Some(match member {
        // A server chooses the key: as long as it likes, so cut like any text it sends.
        Some(name) => format!("\"{}\" is {shown}, a number beyond what a double can hold (valid JSON, but no number the app can use)", snippet(name)),
        None => format!("it holds {shown}, a number beyond what a double can hold (valid JSON, but no number the app can use)"),
    })
}

/// The key whose closing quote ends `text` (that quote already cut): back to the opening
/// quote, past any escaped one (`"a\"b"` is the key `a\"b`, as written).
fn key_before(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    while let Some(quote) = bytes[..end].iter().rposition(|&b| b == b'"') {
        let backslashes = bytes[..quote]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(&text[quote + 1..]);
        }
        end = quote;
    }
    None
}

/// Judges an answer of step `kind`: the JSON of a success, or the error it stands for.
pub fn classify(
    kind: Kind,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<Value, Error> {
    let success = (200..300).contains(&status);
    // RFC 7009: any 2xx is a successful revocation, whatever the body.
    if kind == Kind::Revoke && success {
        return Ok(Value::Null);
    }
    // The REST API's 401: the access token was refused, whatever the body says.
    if kind == Kind::User && status == 401 {
        return Err(Error::Unauthorized {
            message: json::parse(body).ok().and_then(|v| message_of(&v)),
        });
    }
    let token_endpoint = matches!(kind, Kind::CodeExchange | Kind::Refresh);
    if !success && !token_endpoint && body.trim().is_empty() {
        return Err(Error::Api {
            status,
            code: None,
            message: None,
        });
    }
    let value = json::parse(body).map_err(|e| match out_of_range(body, &e) {
        // Valid JSON that no double holds (`"expires_in": 1e309`): "not JSON" would be false.
        Some(reason) => Error::InvalidResponse { status, reason },
        None => Error::NotJson {
            status,
            content_type: content_type.map(str::to_string),
            snippet: snippet(&masked_form(body)),
        },
    })?;
    if success {
        return Ok(value);
    }
    Err(match kind {
        // The token endpoint speaks OAuth only; an error without a code is not understood.
        Kind::CodeExchange | Kind::Refresh => {
            oauth_error(status, &value).unwrap_or_else(|| Error::InvalidResponse {
                status,
                reason: format!(
                    "the error answer has neither an OAuth error code nor a message: {}",
                    snippet(body)
                ),
            })
        }
        Kind::TokenInfo | Kind::Revoke => {
            oauth_error(status, &value).unwrap_or_else(|| api_error(status, &value))
        }
        // The REST API's own shape: {"status","message","code"}.
        Kind::User => api_error(status, &value),
    })
}

fn message_of(v: &Value) -> Option<String> {
    ["message", "error_description", "error"]
        .iter()
        .find_map(|k| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        })
        .map(str::to_string)
}

/// A form-encoded body (some servers answer tokens that way) with its secret values masked, so
/// an error message quoting it never shows a token; any other text is returned as it is.
pub fn masked_form(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty()
        || trimmed.contains(char::is_whitespace)
        || !trimmed.contains('=')
        || trimmed.starts_with('<')
    {
        return body.to_string();
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(trimmed.as_bytes())
        .into_owned()
        .collect();
    if !pairs.iter().any(|(k, _)| is_secret(k)) {
        return body.to_string();
    }
    pairs
        .into_iter()
        .map(|(k, v)| {
            if is_secret(&k) {
                format!("{k}={}", mask(&v))
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `Retry-After` in ms from `now_ms`: delta-seconds, or an HTTP date read by `parse_date`
/// (the glue passes the browser's `Date.parse`). None when absent or unreadable.
pub fn retry_after_ms(
    header: Option<&str>,
    now_ms: f64,
    parse_date: impl Fn(&str) -> Option<f64>,
) -> Option<f64> {
    let value = header?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds as f64 * 1000.0);
    }
    let at = parse_date(value).filter(|t| t.is_finite())?;
    Some((at - now_ms).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn a_number_beyond_a_double_is_named_with_its_member_not_called_not_json() {
        let body = r#"{"token_type":"Bearer","access_token":"a",
            "expires_in": 1e309}"#;
        let e = classify(Kind::CodeExchange, 200, JSON, body).unwrap_err();
        assert_eq!(
            e,
            Error::InvalidResponse {
                status: 200,
                reason: "\"expires_in\" is 1e309, a number beyond what a double can hold (valid JSON, but no number the app can use)".into()
            }
        );
        let long = format!("[1, -{}]", "9".repeat(400));
        let Error::InvalidResponse { reason, .. } =
            classify(Kind::User, 200, JSON, &long).unwrap_err()
        else {
            panic!("not an invalid answer")
        };
        assert_eq!(reason, "it holds -99999999999999999999999… (401 digits), a number beyond what a double can hold (valid JSON, but no number the app can use)");
        // A key with an escaped quote is named whole, as written.
        let Error::InvalidResponse { reason, .. } =
            classify(Kind::User, 200, JSON, r#"{"a\"b": 2e400}"#).unwrap_err()
        else {
            panic!("not an invalid answer")
        };
        assert!(reason.starts_with(r#""a\"b" is 2e400"#), "{reason}");
        // A key of 10 KB is cut like any text the server sends.
        let long_key = format!(r#"{{"{}": 1e999}}"#, "k".repeat(10_000));
        let Error::InvalidResponse { reason, .. } =
            classify(Kind::User, 200, JSON, &long_key).unwrap_err()
        else {
            panic!("not an invalid answer")
        };
        assert!(
            reason.len() < 400 && reason.contains("k…\" is 1e999"),
            "{reason}"
        );
        // Not JSON stays not JSON.
        assert!(matches!(
            classify(Kind::User, 200, JSON, "{\"a\": 1e}"),
            Err(Error::NotJson { .. })
        ));
    }

    #[test]
    fn every_class_of_answer() {
        assert_eq!(
            classify(Kind::Refresh, 200, JSON, r#"{"a":1}"#).unwrap()["a"],
            1
        );
        let ilert = classify(
            Kind::Refresh,
            401,
            JSON,
            r#"{"code":"invalid_grant","error":"gone"}"#,
        )
        .unwrap_err();
        assert!(ilert.is_invalid_grant() && ilert.status() == Some(401));
        let rfc = classify(
            Kind::CodeExchange,
            400,
            JSON,
            r#"{"error":"invalid_request","error_description":"x"}"#,
        )
        .unwrap_err();
        assert_eq!(rfc.code(), Some("invalid_request"));
        let rest = classify(
            Kind::User,
            403,
            JSON,
            r#"{"status":403,"message":"Missing scope","code":"FORBIDDEN"}"#,
        )
        .unwrap_err();
        assert_eq!(
            rest,
            Error::Api {
                status: 403,
                code: Some("FORBIDDEN".into()),
                message: Some("Missing scope".into())
            }
        );
        assert!(matches!(
            classify(Kind::TokenInfo, 502, Some("text/html"), "<h1>Bad</h1>"),
            Err(Error::NotJson { status: 502, .. })
        ));
        assert_eq!(
            classify(Kind::TokenInfo, 500, None, ""),
            Err(Error::Api {
                status: 500,
                code: None,
                message: None
            })
        );
        assert!(matches!(
            classify(Kind::Refresh, 500, JSON, "[]"),
            Err(Error::InvalidResponse { status: 500, .. })
        ));
    }

    #[test]
    fn a_401_of_the_rest_api_is_unauthorized_whatever_the_body() {
        assert_eq!(
            classify(Kind::User, 401, None, "<html>"),
            Err(Error::Unauthorized { message: None })
        );
        assert_eq!(
            classify(Kind::User, 401, JSON, r#"{"message":"expired"}"#),
            Err(Error::Unauthorized {
                message: Some("expired".into())
            })
        );
        // From the token endpoint a 401 is a grant error (iLert), not an expired access token.
        assert!(classify(
            Kind::Refresh,
            401,
            JSON,
            r#"{"code":"invalid_grant","error":"x"}"#
        )
        .unwrap_err()
        .is_invalid_grant());
    }

    #[test]
    fn revocation_succeeds_on_any_2xx_body() {
        assert_eq!(classify(Kind::Revoke, 200, None, ""), Ok(Value::Null));
        assert_eq!(
            classify(Kind::Revoke, 204, Some("text/html"), "<html>"),
            Ok(Value::Null)
        );
        assert!(classify(Kind::Revoke, 503, None, "").is_err());
    }

    #[test]
    fn a_form_encoded_token_answer_is_not_json_and_its_secrets_are_masked() {
        let body =
            "access_token=eyJhbGciOiJSUzI1NiJ9.secretpayload.sig&token_type=bearer&expires_in=3600";
        let e = classify(
            Kind::CodeExchange,
            200,
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("token_type=bearer") && !text.contains("secretpayload"),
            "{text}"
        );
        assert_eq!(masked_form("<html>a=b</html>"), "<html>a=b</html>");
        assert_eq!(masked_form("a=1&b=2"), "a=1&b=2");
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        let no_date = |_: &str| None;
        assert_eq!(retry_after_ms(Some("7"), 0.0, no_date), Some(7000.0));
        assert_eq!(retry_after_ms(Some(" 0 "), 0.0, no_date), Some(0.0));
        assert_eq!(retry_after_ms(None, 0.0, no_date), None);
        assert_eq!(retry_after_ms(Some("soon"), 0.0, no_date), None);
        assert_eq!(retry_after_ms(Some("-5"), 0.0, no_date), None);
        let date = |_: &str| Some(10_000.0);
        assert_eq!(
            retry_after_ms(Some("Wed, 21 Oct 2026 07:28:00 GMT"), 4_000.0, date),
            Some(6_000.0)
        );
        assert_eq!(
            retry_after_ms(Some("Wed, 21 Oct 2026 07:28:00 GMT"), 20_000.0, date),
            Some(0.0)
        );
    }
}
