//! Issue 17, items 1 and 8 in the core: the test hooks take only the app's and the tests'
//! requests (JSON and the hook header, no CORS), an answer made by a fault rule is inert as
//! a page, and nothing secret rests in the request log or the snapshot.

use base64::Engine;
use ilert_sim_core::{masked, Request, Response, SeededEntropy, Sim, SimConfig, Step};
use serde_json::{json, Value};

const CLIENT: &str = "ilert-pkce-demo";
const REDIRECT: &str = "http://localhost:4597/webapp";
const ORIGIN: &str = "http://localhost:4597";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const AUTHORIZE: &str = "/api/developers/oauth2/authorize";
const TOKEN: &str = "/api/developers/oauth2/token";
const REVOKE: &str = "/api/developers/oauth2/revoke";
const T0: u64 = 1_700_000_000_000;

fn sim(seed: u64) -> Sim {
    Sim::new(SimConfig::default(), Box::new(SeededEntropy(seed)))
}

fn answer(sim: &mut Sim, req: Request, now: u64) -> Response {
    match sim.handle_now(req, now) {
        Step::Answer(r) => r,
        other => panic!("no answer: {other:?}"),
    }
}

fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn hook(method: &str, path: &str, body: &str) -> Request {
    Request::new(method, path)
        .with_header("Content-Type", "application/json")
        .with_header("X-Ilert-Sim-Hook", "1")
        .with_body(body)
}

/// Authorize and grant as ada at `now`: the code.
fn code(sim: &mut Sim, now: u64) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "profile offline_access"),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let html = answer(sim, Request::new("GET", &format!("{AUTHORIZE}?{q}")), now).body_text();
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let form = [("request_id", id), ("user", "ada"), ("decision", "grant")];
    let r = answer(sim, Request::form(AUTHORIZE, &form), now);
    let location = r.header("location").unwrap();
    let q = location.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

fn tokens(sim: &mut Sim, form: &[(&str, &str)], now: u64) -> Value {
    let r = answer(sim, Request::form(TOKEN, form), now);
    assert_eq!(r.status, 200, "{}", r.body_text());
    json_of(&r)
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// Every state-changing hook, with a body that would change something.
fn state_changing() -> Vec<(&'static str, &'static str, String)> {
    let rule = json!({"endpoint": "authorize", "forever": true,
        "action": {"respond": {"status": 200, "content_type": "text/html",
                               "body": "<script>alert(document.domain)</script>"}}});
    let client = json!({"id": "evil", "redirect_uri": "https://evil.example/cb"});
    vec![
        ("POST", "/_sim/reset", "{}".into()),
        ("POST", "/_sim/revoke_refresh_tokens", "{}".into()),
        ("POST", "/_sim/revoke_access_tokens", "{}".into()),
        ("POST", "/_sim/faults", rule.to_string()),
        ("DELETE", "/_sim/faults", String::new()),
        ("POST", "/_sim/clients", client.to_string()),
        (
            "POST",
            "/_sim/config",
            r#"{"rotate_refresh": false}"#.into(),
        ),
    ]
}

/// A simulator with something each hook would change: a session, a request logged, a rule.
fn busy_sim() -> Sim {
    let mut s = sim(21);
    let c = code(&mut s, T0);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
    ];
    tokens(&mut s, &pairs, T0);
    let rule = json!({"endpoint": "token_info", "action": {"respond": {"status": 503}}});
    assert_eq!(
        answer(&mut s, hook("POST", "/_sim/faults", &rule.to_string()), T0).status,
        201
    );
    s
}

#[test]
fn state_changing_hooks_refuse_forms_text_and_requests_without_the_header() {
    for (method, path, body) in state_changing() {
        // What an HTML form sends (text/plain with JSON-looking text, urlencoded,
        // multipart), what a no-cors fetch can send, and JSON without the header.
        let attempts = [
            (Some("text/plain"), true, 415),
            (Some("application/x-www-form-urlencoded"), true, 415),
            (Some("multipart/form-data; boundary=b"), true, 415),
            (None, true, 415),
            (Some("text/plain"), false, 415),
            (Some("application/json"), false, 403),
        ];
        for (content_type, header, status) in attempts {
            let mut s = busy_sim();
            let before = s.snapshot();
            let clients = s.config().clients.len();
            let mut req = Request::new(method, path).with_body(body.clone());
            if let Some(ct) = content_type {
                req = req.with_header("Content-Type", ct);
            }
            if header {
                req = req.with_header("X-Ilert-Sim-Hook", "1");
            }
            let r = answer(&mut s, req, T0);
            let what = format!("{method} {path} {content_type:?} header {header}");
            assert_eq!(r.status, status, "{what}: {}", r.body_text());
            assert!(json_of(&r)["error"].is_string(), "{what}");
            assert_eq!(s.snapshot(), before, "{what} changed the state");
            assert_eq!(s.config().clients.len(), clients, "{what}");
        }
        // The app's and the tests' request does its job.
        let mut s = busy_sim();
        let before = s.snapshot();
        let r = answer(&mut s, hook(method, path, &body), T0);
        assert!((200..300).contains(&r.status), "{method} {path}: {r:?}");
        assert_ne!(s.snapshot(), before, "{method} {path} changed nothing");
    }
}

#[test]
fn no_hook_answers_cors() {
    let mut s = sim(22);
    for (method, path, _) in state_changing() {
        let pre = Request::new("OPTIONS", path)
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", method)
            .with_header(
                "Access-Control-Request-Headers",
                "content-type,x-ilert-sim-hook",
            );
        let r = answer(&mut s, pre, T0);
        assert_eq!(r.header("access-control-allow-origin"), None, "{path}");
    }
    for path in [
        "/_sim/stats",
        "/_sim/requests",
        "/_sim/config",
        "/_sim/clients",
    ] {
        let get = Request::new("GET", path).with_header("Origin", ORIGIN);
        let r = answer(&mut s, get, T0);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None, "{path}");
    }
    // The endpoints still let the registered origin in.
    let get = Request::new("GET", "/api/users/current").with_header("Origin", ORIGIN);
    assert_eq!(
        answer(&mut s, get, T0).header("access-control-allow-origin"),
        Some(ORIGIN)
    );
}

#[test]
fn an_answer_made_by_a_fault_rule_is_inert_as_a_page() {
    let mut s = sim(23);
    let rules = [
        json!({"endpoint": "authorize", "method": "GET", "action": {"respond": {"status": 200,
            "content_type": "text/html", "body": "<script>alert(1)</script>",
            "headers": {"Content-Security-Policy": "default-src *",
                        "X-Content-Type-Options": "off"}}}}),
        json!({"endpoint": "token", "action": {"tamper": {"set": {"expires_in": 0}}}}),
        json!({"endpoint": "token", "action": {"tamper": {"set": {"x": 1}, "form_encoded": true}}}),
    ];
    for rule in &rules {
        let r = answer(&mut s, hook("POST", "/_sim/faults", &rule.to_string()), T0);
        assert_eq!(r.status, 201, "{}", r.body_text());
    }
    let page = answer(&mut s, Request::new("GET", AUTHORIZE), T0);
    let c = code(&mut s, T0);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let tampered = answer(&mut s, Request::form(TOKEN, &pairs), T0);
    let empty = answer(&mut s, Request::form(TOKEN, &[("x", "y")]), T0);
    for r in [&page, &tampered, &empty] {
        assert!(r.fault.is_some(), "{r:?}");
        let csp: Vec<_> = r
            .headers
            .iter()
            .filter(|(n, _)| n == "content-security-policy")
            .collect();
        assert_eq!(csp.len(), 1, "{r:?}");
        assert_eq!(csp[0].1, "sandbox; default-src 'none'");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    assert_eq!(page.body_text(), "<script>alert(1)</script>");
    // An answer no rule made is left as the endpoint gives it.
    let plain = answer(&mut s, Request::form(TOKEN, &[("x", "y")]), T0);
    assert!(plain.fault.is_none());
    assert_eq!(plain.header("content-security-policy"), None);
}

/// The `il_k` of a refresh token (the key the store keeps it by, hashed).
fn il_k(refresh_token: &str) -> String {
    let payload = refresh_token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["il_k"].as_str().unwrap().to_string()
}

#[test]
fn after_sign_out_the_snapshot_holds_none_of_the_sessions_secrets() {
    let mut s = sim(24);
    let c = code(&mut s, T0);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT),
    ];
    let first = tokens(&mut s, &pairs, T0);
    let rotated = tokens(
        &mut s,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", str_of(&first, "refresh_token")),
        ],
        T0 + 1000,
    );
    // The app uses its access token, then signs out: it revokes its refresh token.
    let bearer = format!("Bearer {}", str_of(&rotated, "access_token"));
    let me = Request::new("GET", "/api/users/current").with_header("Authorization", &bearer);
    assert_eq!(answer(&mut s, me, T0 + 1500).status, 200);
    let token = str_of(&rotated, "refresh_token");
    let out = Request::form(REVOKE, &[("token", token), ("client_id", CLIENT)]);
    assert_eq!(answer(&mut s, out, T0 + 2000).status, 200);

    // The log still tells a test what was sent, by fingerprint.
    let log = json_of(&answer(
        &mut s,
        Request::new("GET", "/_sim/requests"),
        T0 + 2000,
    ));
    assert_eq!(log[0]["form"]["code"], masked(&c));
    assert_eq!(log[0]["form"]["code_verifier"], masked(VERIFIER));
    assert_eq!(log[0]["form"]["redirect_uri"], REDIRECT);
    assert_eq!(
        log[1]["form"]["refresh_token"],
        masked(str_of(&first, "refresh_token"))
    );
    let revokes = Request::new("GET", "/_sim/requests?endpoint=revoke");
    let revokes = json_of(&answer(&mut s, revokes, T0 + 2000));
    assert_eq!(revokes[0]["form"]["token"], masked(token));

    let mut secrets = vec![c.clone(), VERIFIER.to_string()];
    for t in [&first, &rotated] {
        for k in ["access_token", "refresh_token"] {
            let value = str_of(t, k);
            secrets.push(value.to_string());
            // The signature alone would do as well as the token for someone holding the rest.
            secrets.push(value.rsplit('.').next().unwrap().to_string());
        }
        secrets.push(il_k(str_of(t, "refresh_token")));
    }
    let snapshot = s.snapshot();
    for secret in &secrets {
        assert!(
            !snapshot.contains(secret.as_str()),
            "{secret} in {snapshot}"
        );
    }
    // The code's challenge went with the code's use.
    assert!(!snapshot.contains(CHALLENGE), "{snapshot}");
    // A revoked refresh token is refused, as revoked.
    let again = answer(
        &mut s,
        Request::form(
            TOKEN,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT),
                ("refresh_token", token),
            ],
        ),
        T0 + 3000,
    );
    assert_eq!(
        json_of(&again)["error"],
        "Provided refresh token has been revoked"
    );

    // Once the code and the access tokens expired, nothing of the session is left but the
    // counters and the masked log.
    let later = T0 + 2 * 3600 * 1000;
    answer(&mut s, Request::new("GET", "/_sim/stats"), later);
    let snapshot: Value = serde_json::from_str(&s.snapshot()).unwrap();
    let store = &snapshot["store"];
    for part in ["pending", "codes", "grants", "refresh", "access"] {
        assert_eq!(store[part], json!({}), "{part}: {store}");
    }
}

#[test]
fn revoke_refresh_tokens_empties_the_refresh_tokens_and_a_replayed_code_its_grant() {
    let mut s = sim(25);
    let c = code(&mut s, T0);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let t = tokens(&mut s, &pairs, T0);
    let r = answer(
        &mut s,
        hook("POST", "/_sim/revoke_refresh_tokens", "{}"),
        T0,
    );
    assert_eq!(json_of(&r)["revoked"], 1);
    let snapshot: Value = serde_json::from_str(&s.snapshot()).unwrap();
    assert_eq!(snapshot["store"]["refresh"], json!({}));
    assert!(!s.snapshot().contains(&il_k(str_of(&t, "refresh_token"))));

    // A replayed code still revokes what it gave (its spent record keeps the grant id).
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    let me = || Request::new("GET", "/api/users/current").with_header("Authorization", &bearer);
    assert_eq!(answer(&mut s, me(), T0).status, 200);
    let replay = answer(&mut s, Request::form(TOKEN, &pairs), T0 + 1000);
    assert_eq!(replay.status, 401);
    assert_eq!(answer(&mut s, me(), T0 + 1000).status, 401);
}
