//! Confidential clients (iLert's backend apps) in the core: registered with a secret, they
//! may skip PKCE, get refresh tokens without `offline_access`, and must present the secret
//! to spend a code or a refresh token; a failed authentication spends nothing.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ilert_sim_core::{Client, Request, Response, SeededEntropy, Sim, SimConfig, Step};
use serde_json::{json, Value};

const PUBLIC: &str = "ilert-pkce-demo";
const PUBLIC_REDIRECT: &str = "http://localhost:4597/webapp";
const BACKEND: &str = "backend-app";
const REDIRECT: &str = "http://localhost:8080/oauth/callback";
const SECRET: &str = "s3cr:et+with%odd=chars";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const TOKEN: &str = "/api/developers/oauth2/token";
const REVOKE: &str = "/api/developers/oauth2/revoke";
const INFO: &str = "/api/developers/oauth2/token_info";
const T0: u64 = 1_700_000_000_000;

fn config() -> SimConfig {
    let mut config = SimConfig::default();
    let backend = Client::new(BACKEND, REDIRECT, 251)
        .unwrap()
        .with_secret(SECRET)
        .unwrap();
    config.clients.push(backend);
    config
}

fn sim(seed: u64) -> Sim {
    Sim::new(config(), Box::new(SeededEntropy(seed)))
}

fn answer(sim: &mut Sim, req: Request) -> Response {
    match sim.handle_now(req, T0) {
        Step::Answer(r) => r,
        other => panic!("no answer: {other:?}"),
    }
}

/// A request to a state-changing test hook, as the tests send it: JSON and the hook header.
fn hook(method: &str, path: &str, body: &str) -> Request {
    Request::new(method, path)
        .with_header("Content-Type", "application/json")
        .with_header("X-Ilert-Sim-Hook", "1")
        .with_body(body)
}

fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("{}", r.body_text()))
}

fn location_param(r: &Response, name: &str) -> Option<String> {
    let loc = r.header("location").expect("a redirect");
    let q = loc.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Authorize (with `extra` query pairs) and grant as ada: the redirect.
fn authorize(sim: &mut Sim, client: &str, redirect: &str, extra: &[(&str, &str)]) -> Response {
    let mut pairs = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", "profile"),
        ("state", "st"),
    ];
    // An `extra` pair takes the place of the default of the same name.
    pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    pairs.extend_from_slice(extra);
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let page = answer(
        sim,
        Request::new("GET", &format!("/api/developers/oauth2/authorize?{q}")),
    );
    if page.status != 200 {
        return page;
    }
    let html = page.body_text();
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let form = [("request_id", id), ("user", "ada"), ("decision", "grant")];
    answer(
        sim,
        Request::form("/api/developers/oauth2/authorize", &form),
    )
}

/// A backend app's code, without PKCE (or with it: `pkce`).
fn code(sim: &mut Sim, pkce: bool) -> String {
    let extra: &[(&str, &str)] = if pkce {
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    } else {
        &[]
    };
    let r = authorize(sim, BACKEND, REDIRECT, extra);
    assert_eq!(r.status, 303, "{}", r.body_text());
    location_param(&r, "code").unwrap()
}

fn form(sim: &mut Sim, path: &str, pairs: &[(&str, &str)]) -> Response {
    answer(sim, Request::form(path, pairs))
}

fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

fn exchange(sim: &mut Sim, code: &str) -> Response {
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    form(sim, TOKEN, &pairs)
}

fn assert_error(r: &Response, code: &str, status: u16) -> String {
    assert_eq!(r.status, status, "{}", r.body_text());
    let body = json_of(r);
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    body["error"].as_str().unwrap().to_string()
}

#[test]
fn a_backend_app_signs_in_without_pkce_and_refreshes_with_its_secret() {
    let mut s = sim(1);
    let c = code(&mut s, false);
    let t = exchange(&mut s, &c);
    assert_eq!(t.status, 200, "{}", t.body_text());
    let t = json_of(&t);
    // A refresh token without offline_access: iLert asks that scope of PKCE-only clients.
    assert_eq!(t["scope"], "profile");
    assert_eq!(t["refresh_token_expires_in"], 31_536_000);
    let refresh = t["refresh_token"].as_str().unwrap();
    let r = form(
        &mut s,
        TOKEN,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("client_secret", SECRET),
            ("refresh_token", refresh),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let r = json_of(&r);
    assert!(r["refresh_token"].is_string());
    assert_ne!(r["refresh_token"], t["refresh_token"]);
    // The same with HTTP Basic (the form's client_id may be left out).
    let req = Request::form(
        TOKEN,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", r["refresh_token"].as_str().unwrap()),
        ],
    )
    .with_header("Authorization", &basic(BACKEND, SECRET));
    assert_eq!(answer(&mut s, req).status, 200);
    // token_info names the backend app.
    let info = form(
        &mut s,
        INFO,
        &[("token", t["access_token"].as_str().unwrap())],
    );
    assert_eq!(json_of(&info)["app_id"], 251);
}

#[test]
fn a_missing_or_wrong_secret_is_invalid_client_and_spends_nothing() {
    let mut s = sim(2);
    let c = code(&mut s, false);
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("code", c.as_str()),
    ];
    let why = assert_error(&form(&mut s, TOKEN, &base), "invalid_client", 401);
    assert!(why.contains("confidential"), "{why}");
    let mut wrong = base.to_vec();
    wrong.push(("client_secret", "not-it"));
    let r = form(&mut s, TOKEN, &wrong);
    assert_error(&r, "invalid_client", 401);
    // No challenge: the header was not tried (and a browser may prompt for a Basic one).
    assert_eq!(r.header("www-authenticate"), None);
    let req = Request::form(TOKEN, &base).with_header("Authorization", &basic(BACKEND, "not-it"));
    let r = answer(&mut s, req);
    assert_error(&r, "invalid_client", 401);
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"ilert\""));
    // The code is still good.
    let t = json_of(&exchange(&mut s, &c));
    let refresh = t["refresh_token"].as_str().unwrap();

    // A refresh without the secret, or with a wrong one: refused, and not rotated.
    let rbase = [
        ("grant_type", "refresh_token"),
        ("client_id", BACKEND),
        ("refresh_token", refresh),
    ];
    assert_error(&form(&mut s, TOKEN, &rbase), "invalid_client", 401);
    let mut rwrong = rbase.to_vec();
    rwrong.push(("client_secret", "not-it"));
    assert_error(&form(&mut s, TOKEN, &rwrong), "invalid_client", 401);
    let mut right = rbase.to_vec();
    right.push(("client_secret", SECRET));
    assert_eq!(form(&mut s, TOKEN, &right).status, 200);
    let stats = json_of(&answer(&mut s, Request::new("GET", "/_sim/stats")));
    assert_eq!(stats["authorization_code_grants"], 1);
    assert_eq!(stats["refresh_grants"], 1);
}

#[test]
fn both_methods_at_once_are_invalid_request() {
    let mut s = sim(3);
    let c = code(&mut s, false);
    let req = Request::form(
        TOKEN,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", BACKEND),
            ("client_secret", SECRET),
            ("code", &c),
        ],
    )
    .with_header("Authorization", &basic(BACKEND, SECRET));
    let r = answer(&mut s, req);
    let why = assert_error(&r, "invalid_request", 400);
    assert!(why.contains("not both"), "{why}");
    assert_eq!(r.header("www-authenticate"), None);
    assert_eq!(exchange(&mut s, &c).status, 200, "the code was not spent");
}

#[test]
fn with_pkce_the_verifier_is_checked_as_well() {
    let mut s = sim(4);
    // Missing: refused before the code is spent.
    let c = code(&mut s, true);
    let why = assert_error(&exchange(&mut s, &c), "invalid_request", 400);
    assert!(why.contains("code_verifier"), "{why}");
    // Wrong: the code is spent, as for a public client.
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("code", c.as_str()),
        ("code_verifier", "x".repeat(43).leak()),
    ];
    assert_error(&form(&mut s, TOKEN, &pairs), "invalid_grant", 401);
    // Right (a fresh code): secret and verifier both.
    let c = code(&mut s, true);
    pairs[3].1 = &c;
    pairs[4].1 = VERIFIER;
    let t = form(&mut s, TOKEN, &pairs);
    assert_eq!(t.status, 200, "{}", t.body_text());
    // Right verifier but a wrong secret: refused, PKCE or not.
    let c = code(&mut s, true);
    let wrong_secret = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("client_secret", "not-it"),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
    ];
    assert_error(&form(&mut s, TOKEN, &wrong_secret), "invalid_client", 401);
    // A verifier for a code issued without a challenge: a downgrade, refused (RFC 9700).
    let c = code(&mut s, false);
    pairs[3].1 = &c;
    let why = assert_error(&form(&mut s, TOKEN, &pairs), "invalid_grant", 401);
    assert!(why.contains("without a code_challenge"), "{why}");
}

#[test]
fn a_public_client_still_needs_pkce_and_must_not_send_a_secret() {
    let mut s = sim(5);
    // Authorize without PKCE: sent back with invalid_request.
    let r = authorize(&mut s, PUBLIC, PUBLIC_REDIRECT, &[]);
    assert_eq!(r.status, 302);
    assert_eq!(location_param(&r, "error").unwrap(), "invalid_request");
    // A confidential client's method without a challenge is refused too.
    let r = authorize(
        &mut s,
        BACKEND,
        REDIRECT,
        &[("code_challenge_method", "S256")],
    );
    assert_eq!(location_param(&r, "error").unwrap(), "invalid_request");

    let r = authorize(
        &mut s,
        PUBLIC,
        PUBLIC_REDIRECT,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let c = location_param(&r, "code").unwrap();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC),
        ("code", c.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let mut with_secret = pairs.to_vec();
    with_secret.push(("client_secret", "anything"));
    let why = assert_error(&form(&mut s, TOKEN, &with_secret), "invalid_client", 401);
    assert!(why.contains("public client"), "{why}");
    let req = Request::form(TOKEN, &pairs).with_header("Authorization", &basic(PUBLIC, "x"));
    let r = answer(&mut s, req);
    assert_error(&r, "invalid_client", 401);
    assert!(r.header("www-authenticate").is_some());
    // Basic with an empty password only names the client: that is fine.
    let req = Request::form(TOKEN, &pairs).with_header("Authorization", &basic(PUBLIC, ""));
    let t = answer(&mut s, req);
    assert_eq!(t.status, 200, "{}", t.body_text());
    // And still no refresh token without offline_access.
    assert!(json_of(&t).get("refresh_token").is_none());
}

#[test]
fn revoking_a_backend_apps_token_needs_its_secret_token_info_does_not() {
    let mut s = sim(6);
    let c = code(&mut s, false);
    let t = json_of(&exchange(&mut s, &c));
    let refresh = t["refresh_token"].as_str().unwrap();
    let access = t["access_token"].as_str().unwrap();

    // token_info: the token alone will do; credentials sent must be right.
    assert_eq!(
        json_of(&form(&mut s, INFO, &[("token", access)]))["active"],
        true
    );
    let wrong = [
        ("token", access),
        ("client_id", BACKEND),
        ("client_secret", "no"),
    ];
    assert_error(&form(&mut s, INFO, &wrong), "invalid_client", 401);
    let right = [
        ("token", access),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
    ];
    assert_eq!(json_of(&form(&mut s, INFO, &right))["active"], true);

    // Revoke without the secret, or a wrong one: refused, the token lives.
    for pairs in [
        vec![("token", refresh)],
        vec![("token", refresh), ("client_id", BACKEND)],
        vec![
            ("token", refresh),
            ("client_id", BACKEND),
            ("client_secret", "no"),
        ],
        vec![("token", access)],
    ] {
        let r = form(&mut s, REVOKE, &pairs);
        assert_error(&r, "invalid_client", 401);
    }
    // Credentials of another client: not the token's client.
    let other = [("token", refresh), ("client_id", PUBLIC)];
    assert_error(&form(&mut s, REVOKE, &other), "invalid_request", 400);
    let rt = [
        ("grant_type", "refresh_token"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("refresh_token", refresh),
    ];
    let t2 = json_of(&form(&mut s, TOKEN, &rt));
    let refresh2 = t2["refresh_token"].as_str().unwrap();
    // With Basic: revoked.
    let req = Request::form(REVOKE, &[("token", refresh2)])
        .with_header("Authorization", &basic(BACKEND, SECRET));
    assert_eq!(answer(&mut s, req).status, 200);
    let rt2 = [
        ("grant_type", "refresh_token"),
        ("client_id", BACKEND),
        ("client_secret", SECRET),
        ("refresh_token", refresh2),
    ];
    assert_error(&form(&mut s, TOKEN, &rt2), "invalid_grant", 401);
    // An unknown token needs no credentials (RFC 7009: 200 for it), wrong ones still fail.
    assert_eq!(form(&mut s, REVOKE, &[("token", "unknown")]).status, 200);
    let wrong = [
        ("token", "unknown"),
        ("client_id", BACKEND),
        ("client_secret", "no"),
    ];
    assert_error(&form(&mut s, REVOKE, &wrong), "invalid_client", 401);
}

#[test]
fn the_request_log_never_shows_a_secret() {
    let mut s = sim(7);
    let c = code(&mut s, false);
    exchange(&mut s, &c);
    let req = Request::form(
        TOKEN,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .with_header("Authorization", &basic(BACKEND, SECRET));
    answer(&mut s, req);
    let json_body = json!({"grant_type": "authorization_code", "client_secret": SECRET});
    let req = Request::new("POST", TOKEN)
        .with_header("content-type", "application/json")
        .with_body(json_body.to_string());
    answer(&mut s, req);
    form(
        &mut s,
        REVOKE,
        &[
            ("token", "t"),
            ("client_id", BACKEND),
            ("client_secret", SECRET),
        ],
    );
    form(&mut s, INFO, &[("token", "t"), ("secret", SECRET)]);
    // A faulted request is logged the same way.
    let rule = json!({"endpoint": "token", "action": {"respond": {"status": 503}}});
    answer(&mut s, hook("POST", "/_sim/faults", &rule.to_string()));
    exchange(&mut s, "c");

    let log = json_of(&answer(&mut s, Request::new("GET", "/_sim/requests")));
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["form"]["client_secret"], "[masked]");
    assert_eq!(entries[0]["form"]["client_id"], BACKEND);
    assert_eq!(entries[1]["authorization"], "Basic [masked]");
    let body = entries[2]["body"].as_str().unwrap();
    assert!(body.contains(r#""client_secret":"[masked]""#), "{body}");
    assert_eq!(entries[3]["fault"], "respond");
    assert_eq!(entries[3]["form"]["client_secret"], "[masked]");
    let mut everything = log.to_string();
    for endpoint in ["revoke", "token_info"] {
        let req = Request::new("GET", &format!("/_sim/requests?endpoint={endpoint}"));
        everything += &answer(&mut s, req).body_text();
    }
    everything += &answer(&mut s, Request::new("GET", "/_sim/config")).body_text();
    everything += &answer(&mut s, Request::new("GET", "/_sim/clients")).body_text();
    everything += &answer(&mut s, Request::new("GET", "/")).body_text();
    assert!(everything.contains("[masked]"));
    assert!(!everything.contains(SECRET), "{everything}");
    assert!(!everything.contains("s3cr"), "{everything}");
}

/// `POST /_sim/clients`, as a tester registers a backend app in a running simulator.
fn register(sim: &mut Sim, body: Value) -> Response {
    answer(sim, hook("POST", "/_sim/clients", &body.to_string()))
}

#[test]
fn clients_registered_at_run_time_work_and_outlive_a_restart() {
    let mut s = Sim::new(SimConfig::default(), Box::new(SeededEntropy(8)));
    let r = register(
        &mut s,
        json!({"id": BACKEND, "redirect_uri": REDIRECT, "secret": SECRET}),
    );
    assert_eq!(r.status, 201, "{}", r.body_text());
    assert_eq!(
        json_of(&r),
        json!({"client_id": BACKEND, "redirect_uri": REDIRECT,
               "origin": "http://localhost:8080", "app_id": 251, "confidential": true})
    );
    let public = json!({"id": "spa", "redirect_uri": "http://localhost:3000/cb", "secret": null});
    assert_eq!(register(&mut s, public).status, 201);
    let list = json_of(&answer(&mut s, Request::new("GET", "/_sim/clients")));
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["confidential"], false);
    assert_eq!(list[2]["app_id"], 252);

    let c = code(&mut s, false);
    let saved = s.snapshot();
    // Only its SHA-256 rests in the snapshot.
    assert!(!saved.contains(SECRET), "{saved}");
    assert!(saved.contains("secret_sha256"), "{saved}");
    drop(s);
    // The host gives its own settings again; the registered clients come from the snapshot.
    let mut s = Sim::restore(SimConfig::default(), Box::new(SeededEntropy(9)), &saved).unwrap();
    assert_eq!(s.config().clients.len(), 3);
    assert!(s.config().client(BACKEND).unwrap().is_confidential());
    let mut no_secret = [
        ("grant_type", "authorization_code"),
        ("client_id", BACKEND),
        ("code", c.as_str()),
    ];
    assert_error(&form(&mut s, TOKEN, &no_secret), "invalid_client", 401);
    assert_eq!(exchange(&mut s, &c).status, 200);

    // Registering the id again replaces it (a new secret), keeping its app id.
    let r = register(
        &mut s,
        json!({"client_id": BACKEND, "redirect_uri": REDIRECT, "client_secret": "rotated"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(json_of(&r)["app_id"], 251);
    let c = code(&mut s, false);
    no_secret[2].1 = &c;
    let mut old = no_secret.to_vec();
    old.push(("client_secret", SECRET));
    assert_error(&form(&mut s, TOKEN, &old), "invalid_client", 401);
    let mut new = no_secret.to_vec();
    new.push(("client_secret", "rotated"));
    assert_eq!(form(&mut s, TOKEN, &new).status, 200);
    let s2 = Sim::restore(
        SimConfig::default(),
        Box::new(SeededEntropy(1)),
        &s.snapshot(),
    )
    .unwrap();
    assert!(s2
        .config()
        .client(BACKEND)
        .unwrap()
        .secret
        .as_ref()
        .unwrap()
        .matches("rotated"));
}

#[test]
fn registration_is_checked() {
    let mut s = sim(10);
    for (body, status) in [
        (json!({"id": "x", "redirect_uri": "ftp://x/"}), 400),
        (json!({"id": "", "redirect_uri": "http://x/"}), 400),
        (
            json!({"id": "x", "redirect_uri": "http://x/", "secret": ""}),
            400,
        ),
        (
            json!({"id": "x", "redirect_uri": "http://x/", "secret": "tab\there"}),
            400,
        ),
        // A misspelt field would register a public client unnoticed.
        (
            json!({"id": "x", "redirect_uri": "http://x/", "secrett": "s"}),
            400,
        ),
        (json!({"redirect_uri": "http://x/"}), 400),
    ] {
        let r = register(&mut s, body.clone());
        assert_eq!(r.status, status, "{body}: {}", r.body_text());
        assert!(json_of(&r)["error"].is_string());
    }
    // JSON only (a cross-site form post cannot plant a client without a preflight).
    let req = Request::new("POST", "/_sim/clients")
        .with_header("Content-Type", "text/plain")
        .with_header("X-Ilert-Sim-Hook", "1")
        .with_body(json!({"id": "x", "redirect_uri": "http://x/"}).to_string());
    assert_eq!(answer(&mut s, req).status, 415);
    assert_eq!(s.config().clients.len(), 2);
    let del = answer(&mut s, hook("DELETE", "/_sim/clients", ""));
    assert_eq!(del.status, 405);
}

#[test]
fn a_version_1_snapshot_is_refused() {
    // Written by the simulator of version 1: codes, refresh token keys and client secrets in
    // clear, and possibly a fault rule another website installed. Refused, so a host starts
    // afresh (the Service Worker does) and overwrites it.
    let fixture: Value = serde_json::from_str(include_str!(
        "fixtures/snapshot-before-confidential-clients.json"
    ))
    .unwrap();
    let text = fixture["snapshot"].as_str().unwrap();
    assert!(text.contains(fixture["fresh_code"].as_str().unwrap()));
    let refused = Sim::restore(SimConfig::default(), Box::new(SeededEntropy(11)), text);
    let why = refused.err().expect("refused");
    assert!(why.contains("version 1"), "{why}");
}

#[test]
fn a_mounted_simulator_registers_clients_under_its_mount() {
    let config = SimConfig {
        mount: "/app/_sim".into(),
        ..SimConfig::default()
    };
    let mut s = Sim::new(config, Box::new(SeededEntropy(12)));
    let body = json!({"id": BACKEND, "redirect_uri": REDIRECT, "secret": SECRET});
    let req = hook("POST", "/app/_sim/_sim/clients", &body.to_string());
    assert_eq!(answer(&mut s, req).status, 201);
    assert!(s.config().client(BACKEND).unwrap().is_confidential());
}

/// iLert's PKCE guide: "the client secret can be omitted by relying on PKCE". The browser
/// half of an app that also has a backend signs in with the same client id, no secret.
#[test]
fn a_backend_app_may_also_sign_in_on_pkce_alone_like_its_browser_half() {
    let mut s = sim(30);
    let pkce_only = |c: &str| {
        [
            ("grant_type", "authorization_code"),
            ("client_id", BACKEND),
            ("code", c),
            ("code_verifier", VERIFIER),
        ]
        .map(|(k, v)| (k, v.to_string()))
    };
    let send = |s: &mut Sim, pairs: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(s, TOKEN, &pairs)
    };

    // Without offline_access, as for a public client: no refresh token.
    let c = code(&mut s, true);
    let t = json_of(&send(&mut s, &pkce_only(&c)));
    assert!(t["access_token"].is_string(), "{t}");
    assert!(t.get("refresh_token").is_none(), "{t}");

    // With it: a refresh token, refreshed and revoked without the secret.
    let r = authorize(
        &mut s,
        BACKEND,
        REDIRECT,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "profile offline_access"),
        ],
    );
    let c = location_param(&r, "code").unwrap();
    let t = json_of(&send(&mut s, &pkce_only(&c)));
    let refresh = t["refresh_token"]
        .as_str()
        .expect("offline_access brings one")
        .to_string();
    let r = form(
        &mut s,
        TOKEN,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let next = json_of(&r)["refresh_token"].as_str().unwrap().to_string();
    let r = form(&mut s, REVOKE, &[("token", &next), ("client_id", BACKEND)]);
    assert_eq!(r.status, 200, "{}", r.body_text());
    let r = form(
        &mut s,
        TOKEN,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("refresh_token", &next),
        ],
    );
    assert_error(&r, "invalid_grant", 401);
}

#[test]
fn pkce_alone_opens_nothing_that_needed_the_secret() {
    let mut s = sim(31);
    // A code issued without a challenge: the verifier proves nothing; refused as before, and
    // the code is not spent.
    let c = code(&mut s, false);
    let r = form(
        &mut s,
        TOKEN,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", BACKEND),
            ("code", &c),
            ("code_verifier", VERIFIER),
        ],
    );
    let why = assert_error(&r, "invalid_client", 401);
    assert!(why.contains("confidential"), "{why}");
    let t = json_of(&exchange(&mut s, &c));
    // A grant begun with the secret keeps needing it to refresh and to revoke.
    let refresh = t["refresh_token"].as_str().unwrap();
    let r = form(
        &mut s,
        TOKEN,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("refresh_token", refresh),
        ],
    );
    assert_error(&r, "invalid_client", 401);
    let r = form(
        &mut s,
        REVOKE,
        &[("token", refresh), ("client_id", BACKEND)],
    );
    assert_error(&r, "invalid_client", 401);
}
