//! Who may reach the simulator's test hooks: the app and the tests, never another website.
//!
//! - A state-changing hook (`POST`/`DELETE` under `/_sim/`) takes only a request with
//!   `Content-Type: application/json` and the header [`HOOK_HEADER`]. An HTML form cannot
//!   send either, and a cross-site `fetch` that sets them needs a CORS preflight, which no
//!   hook passes (see [`crate::cors`]): so no other site can change the simulator's state.
//! - The native host answers only requests whose `Host` names loopback ([`host_refusal`]):
//!   a DNS-rebinding site (`attacker.example` resolving to 127.0.0.1) is same-origin with
//!   the simulator in the browser's eyes, so this is what stops it. The Service Worker host
//!   does not need it: only its own origin's pages reach it.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::json;

use crate::http::{Request, Response};

/// The header every state-changing hook wants (any non-empty value; the callers send `1`).
pub const HOOK_HEADER: &str = "x-ilert-sim-hook";

/// Whether `path` (seen from the mount) is one of the test hooks.
pub fn is_hook(path: &str) -> bool {
    path == "/_sim" || path.starts_with("/_sim/")
}

/// Why a state-changing hook refuses `req`, as the answer to send; `None` when it may run.
pub fn hook_refusal(req: &Request) -> Option<Response> {
    let json = req
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let error = "Content-Type must be application/json: the simulator's test hooks take no \
                     form or text, so that no other website can post to them";
        return Some(Response::json(415, &json!({ "error": error })));
    }
    if req.header(HOOK_HEADER).is_none_or(|v| v.trim().is_empty()) {
        let error = format!(
            "the header {HOOK_HEADER}: 1 is required: the simulator's test hooks answer the app \
             and the tests only, never a request another website can make"
        );
        return Some(Response::json(403, &json!({ "error": error })));
    }
    None
}

/// Whether a `Host` header value names loopback: `localhost`, an address of 127.0.0.0/8 or
/// `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, after)) => {
                let Ok(ip) = inner.parse::<Ipv6Addr>() else {
                    return false;
                };
                if !ip.is_loopback() {
                    return false;
                }
                (None, after)
            }
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, _)) => (Some(name), &host[name.len()..]),
            None => (Some(host), ""),
        },
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    if !port_ok {
        return false;
    }
    match name {
        None => true,
        Some(n) => {
            n.eq_ignore_ascii_case("localhost")
                || n.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// The native host's answer to a request whose `Host` does not name loopback (a
/// DNS-rebinding page, or the simulator reached through another name); `None` for loopback.
pub fn host_refusal(req: &Request) -> Option<Response> {
    let host = req.header("host").unwrap_or_default();
    if is_loopback_host(host) {
        return None;
    }
    let error = format!(
        "ilert-sim answers only requests for localhost, 127.0.0.1 or [::1] (Host was {host:?}): \
         a page of another name that resolves to this machine must not reach it"
    );
    Some(Response::json(421, &json!({ "error": error })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(content_type: Option<&str>, header: Option<&str>) -> Request {
        let mut r = Request::new("POST", "/_sim/reset").with_body("{}");
        if let Some(ct) = content_type {
            r = r.with_header("Content-Type", ct);
        }
        if let Some(h) = header {
            r = r.with_header("X-Ilert-Sim-Hook", h);
        }
        r
    }

    #[test]
    fn a_hook_wants_json_and_its_header() {
        assert!(hook_refusal(&hook(Some("application/json"), Some("1"))).is_none());
        let with_charset = hook(Some("Application/JSON; charset=utf-8"), Some("1"));
        assert!(hook_refusal(&with_charset).is_none());
        for (ct, header, status) in [
            (None, Some("1"), 415),
            (Some("text/plain"), Some("1"), 415),
            (Some("application/x-www-form-urlencoded"), Some("1"), 415),
            (Some("multipart/form-data; boundary=x"), Some("1"), 415),
            (Some("application/json"), None, 403),
            (Some("application/json"), Some(" "), 403),
            (Some("text/plain"), None, 415),
        ] {
            let refused = hook_refusal(&hook(ct, header)).expect("refused");
            assert_eq!(refused.status, status, "{ct:?} {header:?}");
            assert_eq!(refused.header("content-type"), Some("application/json"));
            let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
            assert!(body["error"].as_str().unwrap().len() > 40, "{body}");
        }
    }

    #[test]
    fn only_loopback_hosts_pass() {
        for host in [
            "localhost",
            "LOCALHOST:4598",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:4598",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "attacker.example",
            "attacker.example:4598",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "10.0.0.1",
            "0.0.0.0",
            "[::2]",
            "[::1",
            "::1",
            "localhost:",
            "localhost:80x",
            "127.0.0.1:4598:1",
            "[::ffff:127.0.0.1]",
            "localhost@attacker.example",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn a_foreign_host_is_refused_with_words() {
        let r = Request::new("GET", "/_sim/stats").with_header("Host", "rebind.example:4598");
        let refused = host_refusal(&r).expect("refused");
        assert_eq!(refused.status, 421);
        assert!(refused.body_text().contains("rebind.example:4598"));
        assert!(host_refusal(&Request::new("GET", "/")).is_some(), "no Host");
        let ok = Request::new("GET", "/").with_header("host", "127.0.0.1:4598");
        assert!(host_refusal(&ok).is_none());
    }
}
