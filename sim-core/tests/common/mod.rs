//! The core driven as a host drives it: requests in, the time passed in, answers out; the
//! sign-in as ada that the tests of the core share.
// Each test binary uses some of these.
#![allow(dead_code)]

use ilert_sim_core::{Request, Response, SeededEntropy, Sim, SimConfig, Step};
use serde_json::Value;

pub const CLIENT: &str = "ilert-pkce-demo";
pub const REDIRECT: &str = "http://localhost:4597/webapp";
pub const ORIGIN: &str = "http://localhost:4597";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const TOKEN: &str = "/api/developers/oauth2/token";
pub const T0: u64 = 1_700_000_000_000;

pub fn sim(seed: u64) -> Sim {
    Sim::new(SimConfig::default(), Box::new(SeededEntropy(seed)))
}

pub fn answer(sim: &mut Sim, req: Request, now: u64) -> Response {
    match sim.handle_now(req, now) {
        Step::Answer(r) => r,
        other => panic!("no answer: {other:?}"),
    }
}

/// A request to a state-changing test hook, as the tests send it: JSON and the hook header.
pub fn hook(method: &str, path: &str, body: &str) -> Request {
    Request::new(method, path)
        .with_header("Content-Type", "application/json")
        .with_header("X-Ilert-Sim-Hook", "1")
        .with_body(body)
}

pub fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn param(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).unwrap().1.clone()
}

/// Authorize and grant as ada at `now`: the code.
pub fn code(sim: &mut Sim, scope: &str, now: u64) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let page = answer(
        sim,
        Request::new("GET", &format!("/api/developers/oauth2/authorize?{q}")),
        now,
    );
    assert_eq!(page.status, 200);
    let html = page.body_text();
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let form = [("request_id", id), ("user", "ada"), ("decision", "grant")];
    let r = answer(
        sim,
        Request::form("/api/developers/oauth2/authorize", &form),
        now,
    );
    assert_eq!(r.status, 303);
    let q = query_of(r.header("location").unwrap());
    assert_eq!(param(&q, "state"), "st");
    param(&q, "code")
}

pub fn exchange(sim: &mut Sim, code: &str, now: u64) -> Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", code),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT),
    ];
    answer(sim, Request::form(TOKEN, &form), now)
}

pub fn refresh(sim: &mut Sim, token: &str, now: u64) -> Response {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT),
        ("refresh_token", token),
    ];
    answer(sim, Request::form(TOKEN, &form), now)
}

pub fn user(sim: &mut Sim, access: &str, now: u64) -> Response {
    let req = Request::new("GET", "/api/users/current")
        .with_header("Authorization", &format!("Bearer {access}"));
    answer(sim, req, now)
}
