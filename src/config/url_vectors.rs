//! Test vectors for [`super::url`]: run on the host by the unit tests and in Chromium by
//! tests/browser.rs, so both URL parsers must read them alike. Public for the browser tests;
//! nothing in the app calls it, so the release wasm does not carry it.

use super::ilert::DEFAULT_ALLOWED_ORIGINS;
use super::origins::OriginPattern;
use super::url::{origin_of, parse_url};
use super::validate::check_endpoint_url;

/// One URL and how the checks must read it: the same table runs on the host (`url` crate) and
/// in the browser (`web_sys::Url`, tests/browser.rs), so both parsers must agree.
#[derive(Debug, Clone, Copy)]
pub struct UrlVector {
    /// The text as typed.
    pub url: &'static str,
    /// Its origin as the browser reads it; None when it is not an absolute http(s) URL.
    pub origin: Option<&'static str>,
    /// Whether the default allowed_origins admit it as an authorize URL or API base.
    pub allowed: bool,
}

const fn v(url: &'static str, origin: Option<&'static str>, allowed: bool) -> UrlVector {
    UrlVector {
        url,
        origin,
        allowed,
    }
}

/// The URL vectors (see [`UrlVector`]).
#[rustfmt::skip]
pub const URL_VECTORS: &[UrlVector] = &[
    v("https://api.ilert.com", Some("https://api.ilert.com"), true),
    v("https://app.ilert.com/api/developers/oauth2/authorize", Some("https://app.ilert.com"), true),
    // A backslash ends the host, as a slash does: the browser goes to api.ilert.com …
    v("https://api.ilert.com\\@evil.example", Some("https://api.ilert.com"), true),
    // … and here to evil.example, whatever comes after the "@".
    v("https://evil.example\\@api.ilert.com", Some("https://evil.example"), false),
    // Userinfo: the host is what follows the last "@".
    v("https://api.ilert.com@evil.example", Some("https://evil.example"), false),
    v("https://user:pw@api.ilert.com", Some("https://api.ilert.com"), false),
    v("https://user@acme.ilert.com", Some("https://acme.ilert.com"), false),
    v("https://api.ilert.com%2F@evil.example", Some("https://evil.example"), false),
    v("https://api.ilert.com%40evil.example", None, false),
    // Ports: the default one is the same origin, any other is not.
    v("https://api.ilert.com:443", Some("https://api.ilert.com"), true),
    v("https://api.ilert.com:0443/x", Some("https://api.ilert.com"), true),
    v("https://api.ilert.com:8443", Some("https://api.ilert.com:8443"), false),
    v("https://api.ilert.com:99999", None, false),
    v("https://api.ilert.com:x", None, false),
    // Case and spelling.
    v("HTTPS://API.ILERT.COM", Some("https://api.ilert.com"), true),
    v("https:api.ilert.com", Some("https://api.ilert.com"), true),
    v("https:///api.ilert.com", Some("https://api.ilert.com"), true),
    v("https://api.il\tert.com", Some("https://api.ilert.com"), true),
    v("  https://api.ilert.com/  ", Some("https://api.ilert.com"), true),
    // Look-alikes.
    v("https://api.ilert.com.evil.example", Some("https://api.ilert.com.evil.example"), false),
    v("https://evililert.com", Some("https://evililert.com"), false),
    v("https://ilert.com", Some("https://ilert.com"), false),
    v("https://api.ilert.com.", Some("https://api.ilert.com."), false),
    // One tenant label under ilert.com, over https only.
    v("https://acme.ilert.com", Some("https://acme.ilert.com"), true),
    v("https://ACME.ilert.com/api/developers/oauth2/authorize", Some("https://acme.ilert.com"), true),
    v("https://a.b.ilert.com", Some("https://a.b.ilert.com"), false),
    v("https://acme.ilert.com:8443", Some("https://acme.ilert.com:8443"), false),
    v("http://acme.ilert.com", Some("http://acme.ilert.com"), false),
    v("http://api.ilert.com", Some("http://api.ilert.com"), false),
    // Loopback, http or https, any port.
    v("http://localhost:4598", Some("http://localhost:4598"), true),
    v("https://localhost", Some("https://localhost"), true),
    v("http://127.0.0.1:9", Some("http://127.0.0.1:9"), true),
    v("http://[::1]:4598", Some("http://[::1]:4598"), true),
    v("http://[0:0:0:0:0:0:0:1]:4598/x", Some("http://[::1]:4598"), true),
    v("http://127.1", Some("http://127.0.0.1"), true),
    v("http://0x7f000001:4598", Some("http://127.0.0.1:4598"), true),
    v("http://localhost.evil.example", Some("http://localhost.evil.example"), false),
    v("http://127.0.0.2", Some("http://127.0.0.2"), false),
    // Not http(s), or not absolute.
    v("javascript:alert(1)", None, false),
    v("data:text/html,<script>alert(1)</script>", None, false),
    v("ftp://api.ilert.com", None, false),
    v("//api.ilert.com", None, false),
    v("/api", None, false),
    v("api.ilert.com", None, false),
    v("", None, false),
    v("https://", None, false),
    // A space in the host: the standard refuses it (Chromium would write %20).
    v("https://ex ample.com", None, false),
    v("https://ex%20ample.com", None, false),
    v("http://[::1", None, false),
    // Fragments are refused, a query is fine for the authorize URL.
    v("https://app.ilert.com/authorize#x", Some("https://app.ilert.com"), false),
    v("https://app.ilert.com/authorize?x=1", Some("https://app.ilert.com"), true),
];

/// Runs [`URL_VECTORS`] through [`parse_url`] and the default allowed list; the mismatches,
/// as readable lines (empty when the parser in use agrees with the table).
pub fn url_vector_mismatches() -> Vec<String> {
    let allowed: Vec<OriginPattern> = DEFAULT_ALLOWED_ORIGINS
        .iter()
        .map(|p| OriginPattern::parse(p).expect("the default list is well formed"))
        .collect();
    let mut out = Vec::new();
    for vector in URL_VECTORS {
        let origin = origin_of(vector.url);
        if origin.as_deref() != vector.origin {
            out.push(format!(
                "{:?}: origin {origin:?}, expected {:?} (parsed: {:?})",
                vector.url,
                vector.origin,
                parse_url(vector.url)
            ));
        }
        let verdict = check_endpoint_url(vector.url, &allowed);
        if verdict.is_ok() != vector.allowed {
            out.push(format!(
                "{:?}: {verdict:?}, expected allowed = {} (parsed: {:?})",
                vector.url,
                vector.allowed,
                parse_url(vector.url)
            ));
        }
    }
    out
}
