//! URLs as a browser reads them (WHATWG URL standard): the browser's own parser
//! (`web_sys::Url`) on wasm32, so the wasm build reads URLs exactly as the browser will use
//! them without linking a second parser, and the `url` crate on the host. Both halves are
//! here, side by side; the same vectors run through both ([`super::url_vectors`]).

/// An absolute URL as a browser reads it (WHATWG URL standard), split into what the checks
/// need. Made by [`parse_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme, lowercase, without `:`.
    pub scheme: String,
    /// The host as the browser writes it: lowercase, IPv4 in dotted decimal (`127.1` is
    /// `127.0.0.1`), IPv6 in brackets (`[::1]`); empty when the URL has none.
    pub host: String,
    /// The port, None when absent or the scheme's default (`:443` on https).
    pub port: Option<u16>,
    /// The path (`/` for an http(s) URL without one).
    pub path: String,
    /// Whether there is a query (`?…`, even empty).
    pub has_query: bool,
    /// Whether there is a fragment (`#…`, even empty).
    pub has_fragment: bool,
    /// Whether there is a user name or password (`user:pw@`).
    pub has_userinfo: bool,
    /// `scheme://host[:port]` (default port dropped); `null` for URLs without an origin.
    pub origin: String,
}

impl UrlParts {
    /// Whether the scheme is http or https.
    pub fn is_http(&self) -> bool {
        matches!(self.scheme.as_str(), "http" | "https")
    }

    /// Whether the host is the local machine (where plain http is acceptable).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

pub(super) fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Parses an absolute URL (trimmed) the way the browser does: `web_sys::Url` on wasm32, the
/// `url` crate on the host. None when it is not an absolute URL.
pub fn parse_url(url: &str) -> Option<UrlParts> {
    let url = url.trim();
    #[cfg(target_arch = "wasm32")]
    {
        browser::parse(url)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        native_url::parse(url)
    }
}

/// The browser half of [`parse_url`]: `web_sys::Url`, the parser the browser itself uses when
/// it follows the URL.
#[cfg(target_arch = "wasm32")]
mod browser {
    use super::UrlParts;

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
        // The serialisation has `#` only where the fragment starts, and `?` before it only where
        // the query starts (elsewhere they are percent-encoded): an empty `?` or `#` still
        // counts, as the url crate's `query()` / `fragment()` are Some("").
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
}

/// The host half of [`parse_url`]: the `url` crate (never linked into the wasm build).
#[cfg(not(target_arch = "wasm32"))]
mod native_url {
    use super::UrlParts;

    pub fn parse(s: &str) -> Option<UrlParts> {
        let u = url::Url::parse(s).ok()?;
        Some(UrlParts {
            scheme: u.scheme().to_string(),
            host: u.host_str().unwrap_or("").to_string(),
            port: u.port(),
            path: u.path().to_string(),
            has_query: u.query().is_some(),
            has_fragment: u.fragment().is_some(),
            has_userinfo: !u.username().is_empty() || u.password().is_some(),
            origin: u.origin().ascii_serialization(),
        })
    }
}

/// The origin of an absolute URL, `scheme://host[:port]`, as the browser reads it: scheme and
/// host lowercased, default ports (80 for http, 443 for https) dropped; None if the text is not
/// an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    parse_url(url).filter(UrlParts::is_http).map(|u| u.origin)
}
