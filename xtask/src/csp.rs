//! The Content-Security-Policy of a release build, written once for every place that carries
//! it: index.html's meta tag, `_headers`, the nginx and Caddy configs (see [`crate::hosting`]).
//! Trunk starts the app with an inline module script; the release build moves it into a file
//! of its own (`start-<hash>.js`, see xtask's dist), so no inline script is allowed.
//!
//! `connect-src` is the deployment's: `'self'` (config.json, the built-in simulator under
//! `<base>_sim/`) and the origins its config.json allows (`allowed_origins`, or the app's
//! default list), read by the app's own config module, so that the browser refuses a fetch
//! to any other origin even if the app were tricked into one. Editing config.json therefore
//! means writing the policy again (`cargo xtask dist`, `cargo xtask deploy-files`).
//!
//! index.html carries [`Csp::meta`] in a meta tag, so the policy holds on any static host,
//! even one that sends no headers (GitHub Pages). A meta tag cannot carry `frame-ancestors`
//! (browsers ignore it there, and Chromium warns on the console), so only the header has it.
use ilert_pkce::config::{Config, OriginPattern};
use ilert_pkce::error::Error;

/// The directives before connect-src.
const BEFORE: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";
/// The directives after it.
const AFTER: &str = "base-uri 'none'; form-action 'none'; object-src 'none'";

/// The policy of one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    /// connect-src's sources after `'self'`, in config.json's order, without repeats.
    connect: Vec<String>,
    /// Allowed origins a policy cannot name (IPv6 literals: CSP's grammar has none, and
    /// Chromium reports such a source as invalid on every page): the browser refuses them.
    pub unwritable: Vec<String>,
}

impl Csp {
    /// The policy for a deployment whose config.json is `text`: refused with the app's own
    /// message when the app would refuse that config.json (a wildcard over github.io, say).
    pub fn for_config_json(text: &str) -> Result<Csp, String> {
        let config = Config::from_json(text).map_err(|e| match e {
            Error::Config(m) => m,
            other => other.to_string(),
        })?;
        Csp::for_origins(&config.allowed_origins())
    }

    /// The policy that lets the page connect to itself and to `allowed`.
    pub fn for_origins(allowed: &[OriginPattern]) -> Result<Csp, String> {
        let mut csp = Csp {
            connect: Vec::new(),
            unwritable: Vec::new(),
        };
        for pattern in allowed {
            // The app's canonical spelling: lowercase, default port dropped, 127.1 read as
            // 127.0.0.1; `https://*.ilert.com` and `:*` are CSP's own syntax too.
            let source = pattern.to_string();
            if source.contains("://[") {
                csp.unwritable.push(source);
            } else if !is_host_source(&source) {
                return Err(format!(
                    "allowed_origins: \"{source}\" cannot be written in a Content-Security-Policy (host names of letters, digits, `-` and `.` only)"
                ));
            } else if !csp.connect.contains(&source) {
                csp.connect.push(source);
            }
        }
        Ok(csp)
    }

    /// connect-src's sources: `'self'` and the allowed origins.
    pub fn connect_src(&self) -> String {
        let mut sources = vec!["'self'".to_string()];
        sources.extend(self.connect.iter().cloned());
        sources.join(" ")
    }

    /// The policy of index.html's `<meta http-equiv="Content-Security-Policy">`.
    pub fn meta(&self) -> String {
        format!("{BEFORE}; connect-src {}; {AFTER}", self.connect_src())
    }

    /// The policy a host sends as the `Content-Security-Policy` header: [`Csp::meta`] and no
    /// framing.
    pub fn header(&self) -> String {
        format!("{}; frame-ancestors 'none'", self.meta())
    }
}

/// Whether `source` is a CSP host-source as the app's patterns write them: `scheme://`, an
/// optional `*.`, labels of letters, digits and `-`, an optional `:port` or `:*`. Also what
/// keeps the policy safe to put between the double quotes of an nginx or Caddy config.
fn is_host_source(source: &str) -> bool {
    let Some((scheme, rest)) = source.split_once("://") else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    matches!(scheme, "http" | "https")
        && port.is_none_or(|p| p == "*" || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// index.html with `csp`'s [`Csp::meta`] in a meta tag right after `<meta charset>`. Fails
/// when the page has an inline script (the policy would block it) or already has a policy.
/// Takes the page as written and as Trunk's minifier writes it (`<meta charset=utf-8>`).
pub fn add_to(html: &str, csp: &Csp) -> Result<String, String> {
    if let Some(inline) = inline_script(html) {
        return Err(format!(
            "index.html has an inline script, which the CSP blocks: {}",
            &inline[..inline.len().min(80)]
        ));
    }
    if html.contains("Content-Security-Policy") {
        return Err("index.html already has a Content-Security-Policy".into());
    }
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        csp.meta()
    );
    let charset = html
        .find("<meta charset")
        .ok_or("index.html has no <meta charset>")?;
    let at = charset + html[charset..].find('>').ok_or("unclosed <meta charset>")? + 1;
    Ok(format!("{}{meta}{}", &html[..at], &html[at..]))
}

/// The first `<script …>` tag of `html` without a `src` attribute, from its start.
fn inline_script(html: &str) -> Option<&str> {
    html.match_indices("<script").find_map(|(at, _)| {
        let tag = &html[at..at + html[at..].find('>').map_or(html.len() - at, |n| n + 1)];
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|word| word.starts_with("src="));
        (!has_src).then_some(&html[at..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's config.json (`cargo xtask dist`'s default): no allowed_origins, so the
    /// app's default list.
    const DEMO: &str = "{\"server\": \"built-in\"}";

    fn demo() -> Csp {
        Csp::for_config_json(DEMO).unwrap()
    }

    /// connect-src's sources in `policy`.
    fn connect_sources(policy: &str) -> Vec<&str> {
        policy
            .split("; ")
            .find_map(|d| d.strip_prefix("connect-src "))
            .unwrap()
            .split(' ')
            .collect()
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_connects_only_to_the_allowed_origins() {
        assert_eq!(
            demo().meta(),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' https://app.ilert.com https://api.ilert.com \
             https://*.ilert.com http://localhost:* https://localhost:* http://127.0.0.1:* \
             https://127.0.0.1:*; base-uri 'none'; form-action 'none'; object-src 'none'"
        );
        let meta = demo().meta();
        assert!(!meta.contains("'sha") && !meta.contains("unsafe-inline"));
        assert!(!meta.contains("frame-ancestors"), "ignored in a meta tag");
        assert_eq!(demo().header(), format!("{meta}; frame-ancestors 'none'"));
        // No scheme-source: every source names its host.
        for source in connect_sources(&meta) {
            assert!(source == "'self'" || source.contains("://"), "{source}");
        }
        // CSP's grammar has no IPv6 literals: [::1] is left out, and said so.
        assert_eq!(demo().unwritable, ["http://[::1]:*", "https://[::1]:*"]);
        assert_valid(&meta);
        assert_valid(&demo().header());
    }

    /// CSP Level 3's grammar (§2.2, serialized-policy and source-expression), written from the
    /// spec and not from the code above: every directive a known one, once; every source a
    /// keyword, a scheme or a host source; 'none' alone. A policy a browser would partly ignore
    /// (Chromium only warns on the console) fails here instead.
    fn assert_valid(policy: &str) {
        const DIRECTIVES: &[&str] = &[
            "default-src",
            "script-src",
            "style-src",
            "img-src",
            "connect-src",
            "base-uri",
            "form-action",
            "object-src",
            "frame-ancestors",
            "font-src",
            "media-src",
            "worker-src",
            "manifest-src",
            "frame-src",
            "child-src",
        ];
        const KEYWORDS: &[&str] = &[
            "'self'",
            "'none'",
            "'unsafe-inline'",
            "'unsafe-eval'",
            "'wasm-unsafe-eval'",
            "'strict-dynamic'",
            "'unsafe-hashes'",
            "'report-sample'",
        ];
        let scheme_ok = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        };
        let host_ok = |h: &str| {
            let h = h.strip_prefix("*.").unwrap_or(h);
            h == "*"
                || h.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        };
        let source_ok = |src: &str| {
            if KEYWORDS.contains(&src) {
                return true;
            }
            // A bare keyword is a host named "self" or "none": never what was meant.
            if KEYWORDS.contains(&format!("'{src}'").as_str()) || src.starts_with('\'') {
                return false;
            }
            if let Some(scheme) = src.strip_suffix(':') {
                return scheme_ok(scheme);
            }
            let rest = match src.split_once("://") {
                Some((scheme, rest)) => {
                    if !scheme_ok(scheme) {
                        return false;
                    }
                    rest
                }
                None => src,
            };
            let (host_port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let (host, port) = match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            };
            host_ok(host)
                && port.is_none_or(|p| {
                    p == "*" || (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                })
                && path
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != ';' && c != ',')
        };
        let mut seen = Vec::new();
        for directive in policy.split(';') {
            let mut tokens = directive.split_ascii_whitespace();
            // The grammar allows an empty directive (a trailing `;`).
            let Some(name) = tokens.next() else { continue };
            assert!(
                DIRECTIVES.contains(&name),
                "unknown directive {name:?} in {policy}"
            );
            assert!(!seen.contains(&name), "{name} twice in {policy}");
            seen.push(name);
            let sources: Vec<&str> = tokens.collect();
            assert!(!sources.is_empty(), "{name} has no source in {policy}");
            for source in &sources {
                assert!(
                    source_ok(source),
                    "{name}: {source:?} is not a CSP source expression"
                );
            }
            assert!(
                !sources.contains(&"'none'") || sources.len() == 1,
                "{name}: 'none' with other sources"
            );
        }
    }

    #[test]
    fn every_policy_written_follows_csps_grammar() {
        for config in [
            DEMO,
            r#"{"client_id": "c", "api_base": "https://api.ilert.com", "tenant": "acme"}"#,
            r#"{"server": "built-in", "allowed_origins": ["https://api.example.org:8443", "http://localhost:*", "http://[::1]:4598", "https://*.example.org"]}"#,
            r#"{"server": "built-in", "allowed_origins": []}"#,
        ] {
            let csp = Csp::for_config_json(config).unwrap();
            assert_valid(&csp.meta());
            assert_valid(&csp.header());
        }
        // The checker itself refuses what it is there for.
        for bad in [
            "default-src 'none'; connect-src 'self' http://[::1]:*",
            "default-src 'none'; form-action none",
            "default-src 'none' 'self'",
            "default-src 'none'; conect-src 'self'",
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval",
            "default-src 'none'; img-src 'self'; img-src data:",
        ] {
            assert!(
                std::panic::catch_unwind(|| assert_valid(bad)).is_err(),
                "{bad} passed the grammar check"
            );
        }
    }

    #[test]
    fn connect_src_is_self_and_config_jsons_allowed_origins_as_the_app_reads_them() {
        let csp = Csp::for_config_json(
            r#"{"client_id": "c", "api_base": "https://api.ilert.com", "tenant": "acme",
                "allowed_origins": ["https://*.ILERT.com", "https://api.ilert.com:443/",
                                    "https://api.ilert.com", "http://127.1:4598"]}"#,
        )
        .unwrap();
        assert_eq!(
            csp.connect_src(),
            "'self' https://*.ilert.com https://api.ilert.com http://127.0.0.1:4598"
        );
        assert!(csp.unwritable.is_empty());
        assert_eq!(
            connect_sources(&csp.header()),
            [
                "'self'",
                "https://*.ilert.com",
                "https://api.ilert.com",
                "http://127.0.0.1:4598"
            ]
        );
        // Ports: exact, any, the default one left out (a source without a port means it).
        let csp = Csp::for_config_json(
            r#"{"server": "built-in", "allowed_origins": ["https://api.example.org:8443", "http://localhost:*", "https://a.example.org:443"]}"#,
        )
        .unwrap();
        assert_eq!(
            csp.connect_src(),
            "'self' https://api.example.org:8443 http://localhost:* https://a.example.org"
        );
        // An empty list: the page's own origin only (the built-in simulator's).
        let csp = Csp::for_config_json(r#"{"server": "built-in", "allowed_origins": []}"#).unwrap();
        assert_eq!(csp.connect_src(), "'self'");
    }

    #[test]
    fn a_config_json_the_app_refuses_gives_no_policy() {
        for (text, why) in [
            (
                r#"{"server": "built-in", "allowed_origins": ["https://*.github.io"]}"#,
                "config.json: allowed_origins: \"https://*.github.io\" spans github.io, where anyone can host a site: list the exact origin instead",
            ),
            (
                r#"{"server": "built-in", "allowed_origins": ["https://*.co.uk"]}"#,
                "spans co.uk",
            ),
            (
                r#"{"server": "built-in", "allowed_origins": ["https://*.com"]}"#,
                "too broad",
            ),
            (
                r#"{"client_id": "c", "api_base": "https://evil.example"}"#,
                "not in allowed_origins",
            ),
            ("{nope", "not valid JSON"),
        ] {
            let err = Csp::for_config_json(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        // Hosts the app reads but a policy cannot name (nor an nginx config quote safely).
        let err = Csp::for_config_json(
            r#"{"server": "built-in", "allowed_origins": ["https://a_b.example.org"]}"#,
        )
        .unwrap_err();
        assert!(err.contains("cannot be written"), "{err}");
    }

    #[test]
    fn host_sources_are_checked() {
        for ok in [
            "https://api.ilert.com",
            "https://*.ilert.com:*",
            "http://127.0.0.1:4598",
            "https://xn--bcher-kva.example",
        ] {
            assert!(is_host_source(ok), "{ok}");
        }
        for bad in [
            "https:",
            "ftp://a.example",
            "https://a_b.example",
            "https://a.example.",
            "https://a..example",
            "https://a.example:",
            "https://a.example:8x",
            "https://a.example\"",
            "https://a.example;",
            "https://$host",
            "https://[::1]",
        ] {
            assert!(!is_host_source(bad), "{bad}");
        }
    }

    #[test]
    fn the_policy_comes_right_after_the_charset() {
        let page = "<head>\n<meta charset=\"utf-8\" />\n<script type=\"module\" src=\"/start-1.js\"></script></head>";
        let html = add_to(page, &demo()).unwrap();
        assert!(
            html.starts_with(&format!(
                "<head>\n<meta charset=\"utf-8\" /><meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
                demo().meta()
            )),
            "{html}"
        );
        let minified = "<!doctype html><html lang=en><meta charset=utf-8><title>t</title><script integrity=sha384-x src=/start-1.js type=module></script>";
        assert!(add_to(minified, &demo()).unwrap().starts_with(
            "<!doctype html><html lang=en><meta charset=utf-8><meta http-equiv=\"Content-Security-Policy\""
        ));
    }

    #[test]
    fn an_inline_script_or_a_second_policy_is_refused() {
        let inline = "<meta charset=utf-8><script type=module>import init from '/a.js';</script>";
        assert!(add_to(inline, &demo())
            .unwrap_err()
            .contains("inline script"));
        let mixed = "<meta charset=utf-8><script src=/a.js></script><script>alert(1)</script>";
        assert!(add_to(mixed, &demo())
            .unwrap_err()
            .contains("inline script"));
        let twice = add_to("<meta charset=utf-8>", &demo()).unwrap();
        assert!(add_to(&twice, &demo()).is_err());
        assert!(add_to("<title>no charset</title>", &demo()).is_err());
    }
}
