//! Where tokens may go: the deployer's `allowed_origins` (see [`Config::allowed_origins`]),
//! read into patterns that a URL's origin is matched against.

use super::ilert::DEFAULT_ALLOWED_ORIGINS;
use super::url::{is_loopback_host, parse_url, UrlParts};
use super::Config;

impl Config {
    /// The origins the authorize URL and API base may use: config.json's `allowed_origins`, or
    /// [`DEFAULT_ALLOWED_ORIGINS`]. Entries that are not well formed are left out (they never
    /// allow anything); [`Config::validate`] reports them.
    pub fn allowed_origins(&self) -> Vec<OriginPattern> {
        self.origin_patterns().0
    }

    /// The allowed origins as one text, for help and messages.
    pub fn allowed_origins_text(&self) -> String {
        list_text(&self.allowed_origins())
    }

    /// The well-formed patterns, and a message for each entry that is not.
    pub(super) fn origin_patterns(&self) -> (Vec<OriginPattern>, Vec<String>) {
        let mut patterns = Vec::new();
        let mut bad = Vec::new();
        match &self.allowed_origins {
            None => patterns = default_allowed_origins(),
            Some(list) => {
                for entry in list {
                    match OriginPattern::parse(entry) {
                        Ok(p) => patterns.push(p),
                        Err(m) => bad.push(format!("allowed_origins: {m}")),
                    }
                }
            }
        }
        (patterns, bad)
    }
}

/// [`DEFAULT_ALLOWED_ORIGINS`] as patterns: what a deployment allows when config.json names
/// none, or cannot be read.
pub fn default_allowed_origins() -> Vec<OriginPattern> {
    DEFAULT_ALLOWED_ORIGINS
        .iter()
        .map(|p| OriginPattern::parse(p).expect("the default list is well formed"))
        .collect()
}

/// The allowed origins as one text.
pub(super) fn list_text(patterns: &[OriginPattern]) -> String {
    if patterns.is_empty() {
        "none".into()
    } else {
        patterns
            .iter()
            .map(OriginPattern::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The port part of an [`OriginPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    /// `:*`
    Any,
    /// That port; None is the scheme's default.
    Exact(Option<u16>),
}

/// One entry of `allowed_origins` (syntax: see [`Config::allowed_origins`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    /// The host, or with `one_label` the domain under which one label is allowed.
    host: String,
    one_label: bool,
    port: PortPattern,
}

/// Domains under which anyone can host a site (a shared hosting or cloud provider's domain,
/// each tenant one label below it): `https://*.github.io` would allow every GitHub Pages
/// user. A short curated list, not the public-suffix list (which would not fit the wasm's
/// size budget); with [`shared_suffix_problem`]'s structural rule for `co.uk`-like suffixes.
/// xtask refuses the same patterns when it writes the CSP (it calls this module).
pub const SHARED_HOSTING_SUFFIXES: &[&str] = &[
    "github.io",
    "githubusercontent.com",
    "gitlab.io",
    "netlify.app",
    "pages.dev",
    "workers.dev",
    "vercel.app",
    "herokuapp.com",
    "web.app",
    "firebaseapp.com",
    "azurewebsites.net",
    "azurestaticapps.net",
    "cloudfront.net",
    "amazonaws.com",
    "appspot.com",
    "blogspot.com",
    "onrender.com",
    "fly.dev",
    "glitch.me",
    "surge.sh",
    "ngrok.io",
    "ngrok-free.app",
    "trycloudflare.com",
];

/// The first labels of `co.uk`-like public suffixes: `*.` over `<one of these>.<ccTLD>`
/// spans every domain registered there.
const SECOND_LEVEL_LABELS: &[&str] = &[
    "co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob", "mil", "ltd", "plc",
    "sch", "nom",
];

/// Why `*.` + `domain` spans many tenants' sites (None when it does not): `domain` is, or
/// lies under, a [`SHARED_HOSTING_SUFFIXES`] entry, or is a two-label suffix like `co.uk`
/// ([`SECOND_LEVEL_LABELS`] + a two-letter country code).
pub fn shared_suffix_problem(domain: &str) -> Option<String> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    if let Some(s) = SHARED_HOSTING_SUFFIXES
        .iter()
        .find(|s| d == **s || d.ends_with(&format!(".{s}")))
    {
        let part = if d == *s {
            String::new()
        } else {
            format!(" (part of {s})")
        };
        return Some(format!(
            "spans {d}{part}, where anyone can host a site: list the exact origin instead"
        ));
    }
    match d.split('.').collect::<Vec<_>>()[..] {
        [second, cc]
            if SECOND_LEVEL_LABELS.contains(&second)
                && cc.len() == 2
                && cc.bytes().all(|b| b.is_ascii_lowercase()) =>
        {
            Some(format!(
                "spans {d}, a public suffix under which anyone can register a domain: list the exact origin instead"
            ))
        }
        _ => None,
    }
}

/// The label that stands in for `*` while the URL parser reads a pattern's host.
const WILDCARD_LABEL: &str = "wildcard-label";

impl OriginPattern {
    /// Reads one entry: `https://host`, `https://*.domain`, `http://localhost:*`, ….
    pub fn parse(text: &str) -> Result<OriginPattern, String> {
        let t = text.trim();
        let why = |m: &str| Err(format!("\"{t}\" {m}"));
        let Some((scheme, rest)) = t.split_once("://") else {
            return why("is not an origin: write scheme://host[:port], e.g. https://api.ilert.com");
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return why("must start with https:// (or http:// for localhost, 127.0.0.1 and [::1])");
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '\\', '?', '#', '@']) || rest.chars().any(char::is_whitespace) {
            return why("must be an origin only (scheme://host[:port]): no path, query, fragment or user name");
        }
        let (rest, any_port) = match rest.strip_suffix(":*") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (rest, one_label) = match rest.strip_prefix("*.") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if rest.contains('*') {
            return why("may use * only as \"*.\" in front of a domain (one label) or as \":*\" for any port");
        }
        let probe = if one_label {
            format!("{scheme}://{WILDCARD_LABEL}.{rest}/")
        } else {
            format!("{scheme}://{rest}/")
        };
        let Some(u) = parse_url(&probe).filter(|u| {
            u.scheme == scheme && !u.host.is_empty() && u.path == "/" && !u.has_userinfo
        }) else {
            return why("is not a valid origin");
        };
        let host = if one_label {
            let suffix = u
                .host
                .strip_prefix(WILDCARD_LABEL)
                .and_then(|s| s.strip_prefix('.'))
                .filter(|s| s.contains('.') && !s.starts_with('.'));
            match suffix {
                Some(s) => {
                    if let Some(m) = shared_suffix_problem(s) {
                        return why(&m);
                    }
                    s.to_string()
                }
                None => return why("is too broad: \"*.\" must stand in front of a domain of at least two labels, e.g. https://*.ilert.com"),
            }
        } else {
            u.host.clone()
        };
        if scheme == "http" && (one_label || !is_loopback_host(&host)) {
            return why(
                "uses plain http, which is allowed only for localhost, 127.0.0.1 and [::1]",
            );
        }
        Ok(OriginPattern {
            scheme,
            host,
            one_label,
            port: if any_port {
                PortPattern::Any
            } else {
                PortPattern::Exact(u.port)
            },
        })
    }

    /// Whether the URL's origin is one this pattern allows.
    pub fn matches(&self, u: &UrlParts) -> bool {
        if u.scheme != self.scheme || u.has_userinfo {
            return false;
        }
        if let PortPattern::Exact(p) = self.port {
            if u.port != p {
                return false;
            }
        }
        if !self.one_label {
            return u.host == self.host;
        }
        let Some(label) = u
            .host
            .strip_suffix(self.host.as_str())
            .and_then(|l| l.strip_suffix('.'))
        else {
            return false;
        };
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    }
}

impl std::fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wildcard = if self.one_label { "*." } else { "" };
        write!(f, "{}://{wildcard}{}", self.scheme, self.host)?;
        match self.port {
            PortPattern::Any => write!(f, ":*"),
            PortPattern::Exact(Some(p)) => write!(f, ":{p}"),
            PortPattern::Exact(None) => Ok(()),
        }
    }
}
