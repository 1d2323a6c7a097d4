//! The browser's own URL parser (`web_sys::Url`, the WHATWG URL standard) for the checks in
//! `crate::config`: the wasm build reads URLs exactly as the browser will use them, without
//! linking a second parser. The host build uses the `url` crate instead (see `config::parse_url`).
use crate::config::UrlParts;

/// Parses an absolute URL; None when the browser would not accept it without a base.
pub fn parse(url: &str) -> Option<UrlParts> {
    let u = web_sys::Url::new(url).ok()?;
    let host = u.hostname();
    // Chromium keeps some code points the standard forbids in a domain (a space becomes
    // `ex%20ample.com`) where the standard and the url crate refuse the URL. `%` is itself
    // forbidden in a domain, so a `%` in the parsed host means exactly that: refuse it too.
    if host.contains('%') {
        return None;
    }
    let href = u.href();
    // The serialisation has `#` only where the fragment starts, and `?` before it only where the
    // query starts (elsewhere they are percent-encoded): an empty `?` or `#` still counts, as
    // the url crate's `query()` / `fragment()` are Some("").
    let before_fragment = href.split('#').next().unwrap_or("");
    let port = match u.port() {
        p if p.is_empty() => None,
        p => Some(p.parse::<u16>().ok()?),
    };
    Some(UrlParts {
        scheme: u.protocol().trim_end_matches(':').to_ascii_lowercase(),
        host,
        port,
        path: u.pathname(),
        has_query: before_fragment.contains('?'),
        has_fragment: href.contains('#'),
        has_userinfo: !u.username().is_empty() || !u.password().is_empty(),
        origin: u.origin(),
    })
}
