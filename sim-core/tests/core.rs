//! The core driven as a host would drive it, with the time passed in: lifetimes are tested
//! by moving `now`, never by sleeping.

use ilert_sim_core::{Request, SeededEntropy, Sim, SimConfig, Step};
use serde_json::{json, Value};

mod common;
use common::*;

#[test]
fn the_whole_flow_in_memory() {
    let mut s = sim(1);
    let c = code(&mut s, "profile offline_access", T0);
    let t = exchange(&mut s, &c, T0 + 1000);
    assert_eq!(t.status, 200);
    assert_eq!(t.header("cache-control"), Some("no-store"));
    let t = json_of(&t);
    assert_eq!(t["token_type"], "Bearer");
    let access = t["access_token"].as_str().unwrap();
    let u = user(&mut s, access, T0 + 2000);
    assert_eq!(json_of(&u)["username"], "ada");
    let r = json_of(&refresh(
        &mut s,
        t["refresh_token"].as_str().unwrap(),
        T0 + 3000,
    ));
    assert_ne!(r["refresh_token"], t["refresh_token"]);
    // Rotation: the old refresh token is dead.
    let again = refresh(&mut s, t["refresh_token"].as_str().unwrap(), T0 + 4000);
    assert_eq!(json_of(&again)["code"], "invalid_grant");
    // A replayed code: iLert's error shape, 401.
    let replay = exchange(&mut s, &c, T0 + 5000);
    assert_eq!(replay.status, 401);
    assert_eq!(json_of(&replay)["code"], "invalid_grant");
}

#[test]
fn a_code_expires_after_its_lifetime() {
    let mut s = sim(2);
    let ttl = SimConfig::default().code_ttl * 1000;
    let c = code(&mut s, "profile", T0);
    assert_eq!(exchange(&mut s, &c, T0 + ttl - 1).status, 200);
    let c = code(&mut s, "profile", T0);
    let late = exchange(&mut s, &c, T0 + ttl);
    assert_eq!(json_of(&late)["error"], "Provided code has expired");
}

#[test]
fn access_tokens_expire_with_the_time_passed_in() {
    let mut s = sim(3);
    let c = code(&mut s, "profile", T0);
    let t = json_of(&exchange(&mut s, &c, T0));
    let access = t["access_token"].as_str().unwrap();
    let ttl = SimConfig::default().access_ttl * 1000;
    assert_eq!(user(&mut s, access, T0 + ttl - 1000).status, 200);
    let expired = user(&mut s, access, T0 + ttl);
    assert_eq!(expired.status, 401);
    assert!(json_of(&expired)["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert!(expired.header("www-authenticate").is_some());
}

#[test]
fn waits_hangs_and_resets_are_decisions_for_the_host() {
    let config = SimConfig {
        latency_ms: 250,
        ..SimConfig::default()
    };
    let mut s = Sim::new(config, Box::new(SeededEntropy(4)));
    let Step::Wait { ms: 250, then } = s.handle(Request::new("GET", "/api/users/current"), T0)
    else {
        panic!("latency is a wait");
    };
    let Step::Answer(r) = s.resume(then, T0 + 250) else {
        panic!("then an answer")
    };
    assert_eq!(r.status, 401);

    let mut s = sim(5);
    let add = |s: &mut Sim, rule: Value| {
        let req = hook("POST", "/_sim/faults", &rule.to_string());
        assert_eq!(answer(s, req, T0).status, 201);
    };
    add(
        &mut s,
        json!({"endpoint": "user", "delay_ms": 40, "action": {"hang": true}}),
    );
    add(
        &mut s,
        json!({"endpoint": "user", "action": {"reset": true}}),
    );
    let req = || Request::new("GET", "/api/users/current");
    let Step::Wait { ms: 40, then } = s.handle(req(), T0) else {
        panic!("delay first")
    };
    assert!(matches!(s.resume(then, T0 + 40), Step::Hang));
    assert!(matches!(s.handle(req(), T0), Step::Reset));
    let epoch = s.hang_epoch();
    answer(&mut s, hook("DELETE", "/_sim/faults", ""), T0);
    assert_ne!(s.hang_epoch(), epoch, "clearing the rules ends the hangs");
    let stats = json_of(&answer(&mut s, Request::new("GET", "/_sim/stats"), T0));
    assert_eq!(stats["faulted"]["user"], 2);
}

#[test]
fn cors_lets_the_registered_origin_in() {
    let mut s = sim(6);
    let pre = Request::new("OPTIONS", TOKEN)
        .with_header("Origin", ORIGIN)
        .with_header("Access-Control-Request-Method", "POST");
    let r = answer(&mut s, pre, T0);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    let other =
        Request::new("GET", "/api/users/current").with_header("Origin", "https://evil.example");
    assert_eq!(
        answer(&mut s, other, T0).header("access-control-allow-origin"),
        None
    );
}

#[test]
fn the_same_seed_gives_the_same_answers() {
    let run = || {
        let mut s = sim(7);
        let c = code(&mut s, "profile offline_access", T0);
        exchange(&mut s, &c, T0).body_text()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_snapshot_carries_the_session_over_a_restart() {
    let mut s = sim(8);
    let c = code(&mut s, "profile offline_access", T0);
    let t = json_of(&exchange(&mut s, &c, T0));
    let rule = json!({"endpoint": "token_info", "action": {"respond": {"status": 503}}});
    answer(&mut s, hook("POST", "/_sim/faults", &rule.to_string()), T0);
    let saved = s.snapshot();
    drop(s);

    let mut s = Sim::restore(SimConfig::default(), Box::new(SeededEntropy(9)), &saved).unwrap();
    // The refresh token's HMAC key, the grant and the used code came back.
    let r = refresh(&mut s, t["refresh_token"].as_str().unwrap(), T0 + 1000);
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(exchange(&mut s, &c, T0 + 1000).status, 401);
    let info = Request::form("/api/developers/oauth2/token_info", &[("token", "x")]);
    assert_eq!(answer(&mut s, info, T0).status, 503);
    let stats = json_of(&answer(&mut s, Request::new("GET", "/_sim/stats"), T0));
    assert_eq!(stats["authorization_code_grants"], 1);
    assert!(Sim::restore(SimConfig::default(), Box::new(SeededEntropy(1)), "{}").is_err());
}

/// A simulator mounted under a prefix (as in a Service Worker at `/app/_sim`) answers only
/// there, and every URL it generates carries the prefix.
#[test]
fn a_mounted_simulator_answers_under_its_prefix_and_links_with_it() {
    const M: &str = "/app/_sim";
    let config = SimConfig {
        mount: M.to_string(),
        ..SimConfig::default()
    };
    let mut s = Sim::new(config, Box::new(SeededEntropy(9)));
    // iLert's 401 for the API under the mount; nothing outside it, nor at a near miss.
    let r = answer(
        &mut s,
        Request::new("GET", &format!("{M}/api/users/current")),
        T0,
    );
    assert_eq!(r.status, 401);
    assert_eq!(json_of(&r)["code"], "UNAUTHORIZED");
    for outside in ["/api/users/current", "/app/_simx/api/users/current", "/app"] {
        assert_eq!(
            answer(&mut s, Request::new("GET", outside), T0).status,
            404,
            "{outside}"
        );
    }
    // The mount itself is the index page, whose paths carry the prefix.
    let index = answer(&mut s, Request::new("GET", M), T0);
    assert_eq!(index.status, 200);
    assert!(index
        .body_text()
        .contains("<code>GET /app/_sim/api/developers/oauth2/authorize</code>"));
    // The consent form posts under the mount, and the whole flow works there.
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "profile"),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let page = answer(
        &mut s,
        Request::new("GET", &format!("{M}/api/developers/oauth2/authorize?{q}")),
        T0,
    );
    assert_eq!(page.status, 200);
    let html = page.body_text();
    assert!(html.contains("action=\"/app/_sim/api/developers/oauth2/authorize\""));
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let form = [("request_id", id), ("user", "ada"), ("decision", "grant")];
    let r = answer(
        &mut s,
        Request::form(&format!("{M}/api/developers/oauth2/authorize"), &form),
        T0,
    );
    assert_eq!(r.status, 303);
    // The redirect goes to the app's own URI, untouched by the mount.
    let location = r.header("location").unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let code = param(&query_of(location), "code");
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT),
    ];
    let tokens = answer(&mut s, Request::form(&format!("{M}{TOKEN}"), &form), T0);
    assert_eq!(tokens.status, 200, "{}", tokens.body_text());
    // The test hooks are the simulator's `/_sim/` under the mount.
    let log = answer(
        &mut s,
        Request::new("GET", &format!("{M}/_sim/requests")),
        T0,
    );
    assert_eq!(log.status, 200);
}

#[test]
fn without_rotation_a_refresh_brings_no_new_refresh_token_and_the_old_one_goes_on() {
    let mut s = Sim::new(
        SimConfig {
            rotate_refresh: false,
            ..SimConfig::default()
        },
        Box::new(SeededEntropy(40)),
    );
    let c = code(&mut s, "profile offline_access", T0);
    let first = json_of(&exchange(&mut s, &c, T0));
    let refresh_token = first["refresh_token"].as_str().unwrap().to_string();
    for i in 1..=3 {
        let r = json_of(&refresh(&mut s, &refresh_token, T0 + i * 1000));
        assert!(r["access_token"].is_string(), "refresh {i}: {r}");
        assert!(
            r.get("refresh_token").is_none(),
            "refresh {i} brought one: {r}"
        );
        assert!(r.get("refresh_token_expires_in").is_none(), "{r}");
    }
    // Revoked, it stops at once, as with rotation.
    let revoke = Request::form(
        "/api/developers/oauth2/revoke",
        &[("token", refresh_token.as_str()), ("client_id", CLIENT)],
    );
    assert_eq!(answer(&mut s, revoke, T0 + 5000).status, 200);
    let after = refresh(&mut s, &refresh_token, T0 + 6000);
    assert_eq!(json_of(&after)["code"], "invalid_grant");
}

#[test]
fn rotation_can_be_switched_at_run_time_and_outlives_a_restart() {
    let mut s = sim(41);
    let r = answer(
        &mut s,
        hook("POST", "/_sim/config", r#"{"rotate_refresh": false}"#),
        T0,
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(json_of(&r)["rotate_refresh"], false);
    for (body, why) in [
        (r#"{"rotate_refresh": "no"}"#, "true or false"),
        (r#"{"access_ttl": 1}"#, "cannot be changed"),
        ("[]", "JSON object"),
    ] {
        let r = answer(&mut s, hook("POST", "/_sim/config", body), T0);
        assert_eq!(r.status, 400, "{body}");
        assert!(
            json_of(&r)["error"].as_str().unwrap().contains(why),
            "{body}"
        );
    }
    let restored = Sim::restore(
        SimConfig::default(),
        Box::new(SeededEntropy(42)),
        &s.snapshot(),
    )
    .unwrap();
    assert!(!restored.config().rotate_refresh);
    let mut restored = restored;
    let c = code(&mut restored, "profile offline_access", T0);
    let t = json_of(&exchange(&mut restored, &c, T0));
    let again = json_of(&refresh(
        &mut restored,
        t["refresh_token"].as_str().unwrap(),
        T0 + 1000,
    ));
    assert!(again.get("refresh_token").is_none(), "{again}");
}
