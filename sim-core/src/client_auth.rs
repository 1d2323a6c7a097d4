//! Client authentication at the token, token_info and revoke endpoints (RFC 6749 §2.3).
//!
//! A confidential client (a backend app, registered with a secret) proves who it is with its
//! secret, either as the form field `client_secret` or as HTTP Basic
//! (`Authorization: Basic base64(urlencode(client_id):urlencode(secret))`, §2.3.1), never
//! both. A public client (a browser app) has no secret and sends none: PKCE proves it.
//!
//! Where each endpoint needs it (the choices where iLert's docs are silent are in
//! docs/ilert-api.md, "Backend (confidential) apps in ilert-sim"):
//! - token: always, for a confidential client (§3.2.1), checked before anything is spent;
//! - revoke: when the token belongs to a confidential client (RFC 7009 §2.1);
//! - token_info: never (iLert documents `token` alone, and it tells no more than the API
//!   tells the bearer), but credentials that are sent are checked all the same;
//! - everywhere: a secret sent for a public client, a wrong secret, or a malformed or
//!   non-Basic `Authorization` header is `invalid_client` 401; both methods at once is
//!   `invalid_request` 400.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

use crate::config::{Client, SimConfig};
use crate::errors::OAuthError;
use crate::http::{Request, Response};
use crate::params::Params;

/// The challenge of a 401 `invalid_client` to a client that tried the `Authorization`
/// header (RFC 6749 §5.2). Only then: a browser may show a password dialog for a Basic
/// challenge, and iLert's own `invalid_client` carries none.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"ilert\"";

/// Base64 with or without its `=` padding: clients differ there.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Who a request says it comes from, and the secret it sent.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// From HTTP Basic if used (a form `client_id` must then agree), else from the form.
    pub client_id: Option<String>,
    /// `None` when no secret, or an empty one, was sent.
    pub secret: Option<String>,
    /// Whether the `Authorization` header was used.
    pub via_header: bool,
}

impl Credentials {
    /// Whether the request tried to authenticate (so the credentials must be right).
    pub fn tried(&self) -> bool {
        self.secret.is_some() || self.via_header
    }
}

/// The credentials of a form request, or why they cannot be read.
pub fn credentials(req: &Request, params: &Params) -> Result<Credentials, OAuthError> {
    let form_id = params
        .get("client_id")
        .map_err(OAuthError::invalid_request)?;
    let form_secret = params
        .get("client_secret")
        .map_err(OAuthError::invalid_request)?;
    let Some(header) = req.header("authorization") else {
        return Ok(Credentials {
            client_id: form_id.map(String::from),
            secret: form_secret.map(String::from),
            via_header: false,
        });
    };
    if form_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "Use one client authentication method: client_secret in the form or HTTP Basic, not both (RFC 6749 §2.3)",
        ));
    }
    let (id, secret) = basic(header).map_err(OAuthError::invalid_client)?;
    if form_id.is_some_and(|f| f != id) {
        return Err(OAuthError::invalid_request(
            "client_id in the form differs from the client of the HTTP Basic credentials",
        ));
    }
    Ok(Credentials {
        client_id: Some(id),
        secret: (!secret.is_empty()).then_some(secret),
        via_header: true,
    })
}

/// The client id and secret of `Basic <base64>`; the error never quotes them.
fn basic(header: &str) -> Result<(String, String), &'static str> {
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err("Client authentication failed: only HTTP Basic is supported in the Authorization header");
    }
    let malformed = "Client authentication failed: malformed HTTP Basic credentials";
    let decoded = BASE64.decode(token.trim()).map_err(|_| malformed)?;
    let text = String::from_utf8(decoded).map_err(|_| malformed)?;
    let (id, secret) = text.split_once(':').ok_or(malformed)?;
    let (id, secret) = (
        form_decode(id).ok_or(malformed)?,
        form_decode(secret).ok_or(malformed)?,
    );
    if id.is_empty() {
        return Err(malformed);
    }
    Ok((id, secret))
}

/// RFC 6749 §2.3.1: both halves are `application/x-www-form-urlencoded` (Appendix B).
fn form_decode(s: &str) -> Option<String> {
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Checks `secret` against `client`: a confidential client must send its own, a public one
/// none at all.
pub fn authenticate(client: &Client, secret: Option<&str>) -> Result<(), OAuthError> {
    match (&client.secret, secret) {
        (Some(want), Some(got)) if want.matches(got) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::invalid_client(
            "Client authentication failed: wrong client_secret",
        )),
        (Some(_), None) => Err(OAuthError::invalid_client(format!(
            "Client authentication failed: {} is a confidential client and must send its client_secret (form field or HTTP Basic)",
            client.id
        ))),
        (None, Some(_)) => Err(OAuthError::invalid_client(format!(
            "Client authentication failed: {} is a public client and has no secret; send none (PKCE proves a public client)",
            client.id
        ))),
        (None, None) => Ok(()),
    }
}

/// The registered client that `creds` authenticate as, when they try to; `None` when no
/// authentication was attempted.
pub fn authenticated<'a>(
    config: &'a SimConfig,
    creds: &Credentials,
) -> Result<Option<&'a Client>, OAuthError> {
    if !creds.tried() {
        return Ok(None);
    }
    let id = creds
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("client_id is required with client_secret"))?;
    let client = config
        .client(id)
        .ok_or_else(|| OAuthError::invalid_client(format!("Unknown client_id: {id}")))?;
    authenticate(client, creds.secret.as_deref())?;
    Ok(Some(client))
}

/// Adds the Basic challenge to an `invalid_client` answer when the request used the header.
pub fn challenge(req: &Request, error: &OAuthError, response: &mut Response) {
    if error.code == "invalid_client" && req.header("authorization").is_some() {
        response.set_header("www-authenticate", BASIC_CHALLENGE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn basic_req(id: &str, secret: &str, pairs: &[(&str, &str)]) -> (Request, Params) {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let value = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
        );
        let req = Request::form("/t", pairs).with_header("Authorization", &value);
        let params = Params::parse(&req.body);
        (req, params)
    }

    #[test]
    fn basic_credentials_are_form_urlencoded_halves() {
        // A secret with a colon, a plus, a percent and a space survives the round trip.
        let (req, params) = basic_req("back end", "s:e+c%r t", &[]);
        let c = credentials(&req, &params).unwrap();
        assert_eq!(c.client_id.as_deref(), Some("back end"));
        assert_eq!(c.secret.as_deref(), Some("s:e+c%r t"));
        assert!(c.via_header && c.tried());
        // Without padding, and with the scheme in another case.
        let req = Request::new("POST", "/t").with_header("authorization", "basic YTpi");
        let c = credentials(&req, &Params::default()).unwrap();
        assert_eq!(
            (c.client_id.unwrap(), c.secret.unwrap()),
            ("a".into(), "b".into())
        );
        let req = Request::new("POST", "/t").with_header("authorization", "Basic YWI6Yw");
        assert_eq!(
            credentials(&req, &Params::default())
                .unwrap()
                .secret
                .unwrap(),
            "c"
        );
    }

    #[test]
    fn form_credentials_and_none() {
        let req = Request::form("/t", &[("client_id", "a"), ("client_secret", "s")]);
        let c = credentials(&req, &Params::parse(&req.body)).unwrap();
        assert_eq!(c.secret.as_deref(), Some("s"));
        assert!(!c.via_header && c.tried());
        // An empty client_secret counts as omitted.
        let req = Request::form("/t", &[("client_id", "a"), ("client_secret", "")]);
        let c = credentials(&req, &Params::parse(&req.body)).unwrap();
        assert!(!c.tried());
        assert_eq!(c.client_id.as_deref(), Some("a"));
    }

    #[test]
    fn refusals() {
        let code = |req: &Request| {
            credentials(req, &Params::parse(&req.body))
                .unwrap_err()
                .code
        };
        // Both methods.
        let (req, _) = basic_req("a", "s", &[("client_secret", "s")]);
        assert_eq!(code(&req), "invalid_request");
        // Basic for one client, the form naming another.
        let (req, _) = basic_req("a", "s", &[("client_id", "b")]);
        assert_eq!(code(&req), "invalid_request");
        let (req, params) = basic_req("a", "s", &[("client_id", "a")]);
        assert!(credentials(&req, &params).is_ok());
        // Malformed or another scheme: the header failed to authenticate.
        for bad in [
            "Basic",
            "Basic !!!",
            "Basic YWJj",
            "Basic OmI=",
            "Bearer x",
            "Digest a=b",
        ] {
            let req = Request::new("POST", "/t").with_header("Authorization", bad);
            assert_eq!(code(&req), "invalid_client", "{bad}");
        }
        let twice = Request::form("/t", &[("client_secret", "a"), ("client_secret", "b")]);
        assert_eq!(code(&twice), "invalid_request");
    }

    #[test]
    fn a_confidential_client_needs_its_secret_and_a_public_one_none() {
        let public = Client::new("web", "http://localhost/cb", 250).unwrap();
        let backend = public.clone().with_secret("s3cret").unwrap();
        assert!(authenticate(&public, None).is_ok());
        assert!(authenticate(&backend, Some("s3cret")).is_ok());
        for (client, secret) in [
            (&public, Some("s3cret")),
            (&backend, None),
            (&backend, Some("s3cre")),
            (&backend, Some("s3cret ")),
        ] {
            let e = authenticate(client, secret).unwrap_err();
            assert_eq!((e.code, e.status()), ("invalid_client", 401));
            assert!(!e.message.contains("s3cret"), "{}", e.message);
        }
    }

    #[test]
    fn the_challenge_only_answers_the_header() {
        let e = OAuthError::invalid_client("x");
        let mut r = e.response();
        challenge(&Request::new("POST", "/t"), &e, &mut r);
        assert_eq!(r.header("www-authenticate"), None);
        let req = Request::new("POST", "/t").with_header("Authorization", "Basic YTpi");
        challenge(&req, &e, &mut r);
        assert_eq!(r.header("www-authenticate"), Some(BASIC_CHALLENGE));
        let mut r = OAuthError::invalid_grant("x").response();
        challenge(&req, &OAuthError::invalid_grant("x"), &mut r);
        assert_eq!(r.header("www-authenticate"), None);
    }
}
