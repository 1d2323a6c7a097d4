//! The playground's explanations: what each authorize parameter, scope and JWT claim means,
//! in words for the page. The protocol core names and checks these; the words live here.
use crate::oauth::scopes::resource_scope;
use crate::playground::entries::Field;

/// A one-line explanation of a request or callback parameter, for the playground ("" if unknown).
pub fn explain_param(name: &str) -> &'static str {
    match name {
        "client_id" => "Which app is asking: the client id registered in iLert.",
        "response_type" => "\"code\": ask for an authorization code, to be exchanged for tokens.",
        "redirect_uri" => "Where iLert sends the browser back; must match the registered URI exactly.",
        "scope" => "What the app asks to access, space-separated.",
        "state" => "A fresh random value for this attempt; the callback must echo it, which ties the answer to this tab (CSRF protection).",
        "code_challenge" => "SHA-256 of the secret code verifier, base64url: proves later that the token request comes from whoever started here.",
        "code_challenge_method" => "\"S256\": the challenge is the SHA-256 of the verifier (never \"plain\").",
        "grant_type" => "Which grant is being exchanged: \"authorization_code\" or \"refresh_token\".",
        "code" => "The single-use authorization code from the callback (valid for 2 minutes).",
        "code_verifier" => "The secret the challenge was made from; only this tab knows it.",
        "refresh_token" => "The long-lived token that gets a new access token without signing in again.",
        "token" => "The token to inspect (token_info) or revoke.",
        "iss" => "The issuer of the answer (RFC 9207); checked against the configured issuer.",
        "error" => "The OAuth error code the server sent back instead of a code.",
        "error_description" => "The server's human-readable text about the error.",
        _ => "",
    }
}

/// What a scope grants, in words for the UI (unknown scopes say so).
pub fn explain_scope(scope: &str) -> String {
    match scope {
        "profile" => "read your user profile".to_string(),
        "offline_access" => {
            "a refresh token, so the session survives the 1-hour access token".to_string()
        }
        "openid" => "OpenID Connect: who you are (a subject id) and an ID token; standard, \
                     iLert's own API does not need it"
            .to_string(),
        "email" => "OpenID Connect: your email address; standard, iLert's own API does not need it"
            .to_string(),
        _ => match resource_scope(scope) {
            Some((what, level)) => format!("{what}: {level}"),
            None => format!("\"{scope}\" is not a scope this app knows; iLert may refuse it"),
        },
    }
}

/// What a claim (or header field) means, for the token panel; None for claims nobody documented.
pub fn explain_claim(name: &str) -> Option<&'static str> {
    Some(match name {
        "il_s" => "iLert: the scopes granted to this token, space-separated.",
        "il_u" => "iLert: the user the token acts for (username).",
        "il_t" => "iLert: the token type, ACCESS for access tokens, OAUTH for refresh tokens.",
        "il_n" => "Undocumented by iLert; seen as a short hex string (e.g. \"5cf\"), likely a nonce or key reference.",
        "il_a" => "Undocumented by iLert; seen as a small number, likely the OAuth app's id.",
        "il_v" => "Undocumented by iLert; seen as 1, likely the token format version.",
        "il_k" => "Undocumented by iLert; seen as a hex string in refresh tokens, likely the id of the refresh grant.",
        "iss" => "Issuer: who made the token (\"ilert\").",
        "sub" => "Subject: whom the token is about.",
        "aud" => "Audience: who the token is meant for.",
        "exp" => "Expires at (seconds since 1970-01-01 UTC).",
        "iat" => "Issued at (seconds since 1970-01-01 UTC).",
        "nbf" => "Not valid before (seconds since 1970-01-01 UTC).",
        "jti" => "The token's unique id.",
        "alg" => "Header: the signature algorithm (RS256 for iLert access tokens, HS256 for refresh tokens).",
        "typ" => "Header: the token type, JWT.",
        "kid" => "Header: the id of the key that signed the token.",
        _ => return None,
    })
}

/// The note on an answer of the built-in simulator, for the request as sent (its headers):
/// where the answer came from, why the timeline shows no CORS preflight, and whether iLert,
/// on another origin, would get one. Of this app's requests only the profile GET carries a
/// header that is not CORS-safelisted (Authorization); the rest are form-encoded POSTs with
/// Content-Type and Accept, "simple" requests (the tests check this against the requests).
pub fn worker_answer(headers: &[Field]) -> &'static str {
    if headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("authorization"))
    {
        "Answered by the built-in simulator, a Service Worker in this browser: the request never left the browser. No CORS preflight: the simulator is on this page's own origin, so nothing is cross-origin. Against iLert (api.ilert.com, another origin), the browser would first send an OPTIONS preflight for this request: its Authorization header is not CORS-safelisted."
    } else {
        "Answered by the built-in simulator, a Service Worker in this browser: the request never left the browser. No CORS preflight: the simulator is on this page's own origin, so nothing is cross-origin. Against iLert (api.ilert.com, another origin), this request would need none either: a form-encoded POST with only CORS-safelisted headers (Content-Type, Accept) is a simple request."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::authorize::{params, AuthorizeRequest};
    use crate::oauth::request::{self, Endpoints, Request};

    /// Whether the browser sends `r` to another origin without a preflight (Fetch: a
    /// "simple" request: GET, HEAD or POST, CORS-safelisted headers only, Content-Type one
    /// of the three form types).
    fn is_simple(r: &Request) -> bool {
        let method = matches!(r.method.as_str(), "GET" | "HEAD" | "POST");
        method
            && r.headers().iter().all(|h| match h.name {
                "Accept" | "Accept-Language" | "Content-Language" => true,
                "Content-Type" => [
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                    "text/plain",
                ]
                .contains(&h.as_sent()),
                _ => false,
            })
    }

    fn note_for(r: &Request) -> &'static str {
        let headers: Vec<Field> = r
            .headers()
            .into_iter()
            .map(|h| Field::new(h.name, h.as_sent(), h.is_secret()))
            .collect();
        worker_answer(&headers)
    }

    #[test]
    fn the_worker_note_says_exactly_which_requests_ilert_would_preflight() {
        let sim = "http://localhost:4597/_sim";
        let e = Endpoints {
            client_id: "ilert-pkce-demo".into(),
            token: format!("{sim}/api/developers/oauth2/token"),
            token_info: format!("{sim}/api/developers/oauth2/token_info"),
            revoke: format!("{sim}/api/developers/oauth2/revoke"),
            user: format!("{sim}/api/users/current"),
        };
        // The profile GET carries the access token in a header: preflighted at iLert.
        let profile = request::user(&e, &"tok".into());
        assert!(!is_simple(&profile));
        let note = note_for(&profile);
        assert!(note.starts_with("Answered by the built-in simulator, a Service Worker in this browser: the request never left the browser. No CORS preflight: the simulator is on this page's own origin"), "{note}");
        assert!(note.ends_with("would first send an OPTIONS preflight for this request: its Authorization header is not CORS-safelisted."), "{note}");
        // The token goes in the body of the form-encoded POSTs: simple, no preflight at iLert.
        for r in [
            request::code_exchange(&e, &"c".into(), &"v".into(), "http://localhost:4597/webapp"),
            request::refresh(&e, &"r".into()),
            request::token_info(&e, &"tok".into()),
            request::revoke(&e, &"r".into()),
        ] {
            assert!(is_simple(&r), "{:?}", r.kind);
            assert_eq!(r.method.as_str(), "POST");
            let names: Vec<&str> = r.headers().iter().map(|h| h.name).collect();
            assert_eq!(names, ["Content-Type", "Accept"], "{:?}", r.kind);
            let note = note_for(&r);
            assert!(note.ends_with("would need none either: a form-encoded POST with only CORS-safelisted headers (Content-Type, Accept) is a simple request."), "{:?}: {note}", r.kind);
        }
    }

    #[test]
    fn every_authorize_parameter_is_explained() {
        let scopes = vec!["profile".to_string()];
        let req = AuthorizeRequest {
            authorize_url: "https://app.ilert.com/api/developers/oauth2/authorize",
            client_id: "my-app",
            redirect_uri: "http://localhost:4597/webapp",
            scopes: &scopes,
            state: "st",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        };
        for (n, _) in params(&req) {
            assert!(!explain_param(n).is_empty(), "{n}");
        }
        assert_eq!(explain_param("nope"), "");
    }

    #[test]
    fn ilerts_claims_are_explained() {
        for key in [
            "il_s", "il_u", "il_t", "il_n", "il_a", "il_v", "il_k", "iss", "exp", "alg",
        ] {
            assert!(explain_claim(key).is_some(), "{key}");
        }
        assert!(explain_claim("il_k")
            .unwrap()
            .starts_with("Undocumented by iLert"));
        assert_eq!(explain_claim("whatever"), None);
    }

    #[test]
    fn scopes_are_explained() {
        assert_eq!(explain_scope("profile"), "read your user profile");
        assert!(explain_scope("offline_access").contains("refresh token"));
        assert_eq!(explain_scope("source:w"), "alert sources: read and write");
        assert_eq!(explain_scope("source"), "alert sources: read");
        assert_eq!(explain_scope("source:r"), "alert sources: read");
        assert_eq!(
            explain_scope("incident:d"),
            "incidents: read, write and delete"
        );
        assert_eq!(
            explain_scope("status_page:w"),
            "status pages: read and write"
        );
        assert!(explain_scope("source:x").contains("not a scope"));
        assert!(explain_scope("openid").starts_with("OpenID Connect"));
        assert!(explain_scope("email").contains("email address"));
        assert!(explain_scope("phone").contains("not a scope"));
    }
}
