//! CORS as iLert's API does it here: only the origins of the registered redirect URIs may read
//! answers, and they may send `Authorization` (which makes the browser send a preflight
//! first). The headers are those tower-http's `CorsLayer` gave the axum-only simulator.

use crate::config::SimConfig;
use crate::guard;
use crate::http::{Request, Response};

const VARY: &str = "origin, access-control-request-method, access-control-request-headers";

/// The origin of the request, if it is one CORS lets in. None for the test hooks: no other
/// origin may read them or pass a preflight for them (see [`crate::guard`]).
fn allowed<'a>(config: &SimConfig, req: &'a Request) -> Option<&'a str> {
    if guard::is_hook(&req.path) {
        return None;
    }
    let origin = req.header("origin")?;
    config
        .clients
        .iter()
        .any(|c| c.origin == origin)
        .then_some(origin)
}

/// The answer to any `OPTIONS` request: a preflight, never seen by the endpoints.
pub fn preflight(config: &SimConfig, req: &Request) -> Response {
    let mut r = Response::new(200);
    r.set_header("vary", VARY);
    r.set_header("access-control-allow-methods", "GET,POST,PUT,DELETE");
    r.set_header(
        "access-control-allow-headers",
        "authorization,content-type,accept",
    );
    r.set_header("access-control-max-age", "600");
    if let Some(origin) = allowed(config, req) {
        r.set_header("access-control-allow-origin", origin);
    }
    r
}

/// Adds the CORS headers to an answer; `exposed` are more header names a page's fetch may
/// read (those of a fault's answer).
pub fn finish(config: &SimConfig, req: &Request, r: &mut Response, exposed: &[String]) {
    r.append_header("vary", VARY);
    let Some(origin) = allowed(config, req) else {
        r.set_header("access-control-expose-headers", "www-authenticate");
        return;
    };
    r.set_header("access-control-allow-origin", origin);
    let mut list = vec!["www-authenticate".to_string()];
    list.extend(exposed.iter().cloned());
    r.set_header("access-control-expose-headers", &list.join(","));
}
