//! Fault injection over HTTP: `/_sim/faults` rules and what each action does to a real
//! request, the counters that keep faulted requests visible, and CORS on fault answers.

mod common;

use common::*;
use ilert_sim::FaultRule;
use ilert_sim::SimConfig;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const TOKEN_INFO: &str = "/api/developers/oauth2/token_info";

impl Sim {
    /// Installs a rule, expecting 201 and the rule back as installed.
    async fn fault(&self, rule: Value) -> Value {
        let resp = self.hook(Method::POST, "/_sim/faults", &rule).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{rule}");
        resp.json().await.unwrap()
    }

    async fn faults(&self) -> Vec<Value> {
        self.get_json("/_sim/faults")
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    async fn clear_faults(&self) -> Value {
        let resp = self.hook(Method::DELETE, "/_sim/faults", &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    async fn stats(&self) -> Value {
        self.get_json("/_sim/stats").await
    }

    /// Waits until `stats[group][name]` reaches `n`.
    async fn until_counted(&self, group: &str, name: &str, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let stats = self.stats().await;
            if stats[group][name].as_u64() >= Some(n) {
                return;
            }
            assert!(Instant::now() < deadline, "{group}.{name} < {n}: {stats}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn code_form<'a>(&self, code: &'a str) -> [(&'static str, &'a str); 5] {
        [
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ]
    }
}

#[tokio::test]
async fn respond_answers_instead_and_burns_no_code() {
    let sim = start(config()).await;
    let installed = sim
        .fault(json!({"endpoint": "token", "action": {"respond": {
            "status": 503, "body": "{\"code\":\"busy\"}", "content_type": "application/json",
            "headers": {"Retry-After": "7", "X-Extra": "a"}}}}))
        .await;
    assert_eq!(installed["id"], 1);
    assert_eq!(installed["remaining"], 1);
    assert_eq!(installed["applied"], 0);
    assert_eq!(installed["endpoint"], "token");

    let code = sim.code("profile offline_access").await;
    let resp = sim.token(&sim.code_form(&code)).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()[header::RETRY_AFTER], "7");
    assert_eq!(resp.headers()["x-extra"], "a");
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(resp.text().await.unwrap(), "{\"code\":\"busy\"}");

    // The endpoint never saw it: the code still works, once.
    let t = sim.exchange(&code).await;
    assert!(t["refresh_token"].is_string());
    assert!(sim.faults().await.is_empty(), "a count-1 rule is used up");

    // Seen all the same: counted as received and faulted, and in the request log.
    let stats = sim.stats().await;
    assert_eq!(stats["token_requests"], 1, "processed: {stats}");
    assert_eq!(stats["received"]["token"], 2);
    assert_eq!(stats["received_by_grant"]["authorization_code"], 2);
    assert_eq!(stats["received_by_grant"]["refresh_token"], 0);
    assert_eq!(stats["faulted"]["token"], 1);
    assert_eq!(stats["faulted"]["user"], 0);
    let log = sim.get_json("/_sim/requests?endpoint=token").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["fault"], "respond");
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[0]["form"]["code"], ilert_sim::masked(&code));
    assert_eq!(log[1]["status"], 200);
    assert!(log[1].get("fault").is_none());

    // A JSON body without a content type is JSON; a text body is text.
    sim.fault(
        json!({"endpoint": "user", "action": {"respond": {"status": 401, "body": {"code": "X"}}}}),
    )
    .await;
    sim.fault(json!({"endpoint": "user", "action": {"respond": {"status": 502, "body": "<h1>Bad gateway</h1>"}}}))
        .await;
    let resp = sim.current_user(None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"code": "X"}));
    let resp = sim.current_user(None).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    assert_eq!(resp.text().await.unwrap(), "<h1>Bad gateway</h1>");
    assert_eq!(sim.stats().await["user_requests"], 0);
    assert_eq!(sim.stats().await["received"]["user"], 2);
}

#[tokio::test]
async fn fault_answers_carry_cors_headers_and_expose_theirs() {
    let sim = start(config()).await;
    sim.fault(json!({"endpoint": "token", "forever": true,
        "action": {"respond": {"status": 429, "headers": {"Retry-After": "3"}}}}))
        .await;
    for (origin, allowed) in [(ORIGIN, true), ("http://evil.example", false)] {
        let resp = sim
            .http
            .post(sim.url(TOKEN))
            .header(header::ORIGIN, origin)
            .form(&[("grant_type", "refresh_token")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let h = resp.headers();
        assert_eq!(
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_some(),
            allowed
        );
        if allowed {
            assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], ORIGIN);
            let exposed = h[header::ACCESS_CONTROL_EXPOSE_HEADERS].to_str().unwrap();
            assert!(exposed.contains("retry-after"), "{exposed}");
            assert!(exposed.contains("www-authenticate"), "{exposed}");
        }
        assert!(resp.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn preflights_never_consume_a_rule() {
    let sim = start(config()).await;
    sim.fault(json!({"endpoint": "token", "action": {"respond": {"status": 500}}}))
        .await;
    for _ in 0..3 {
        let resp = sim
            .http
            .request(Method::OPTIONS, sim.url(TOKEN))
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        assert_eq!(resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], ORIGIN);
    }
    // Nor does a method the endpoint does not answer.
    let resp = sim.http.get(sim.url(TOKEN)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let rules = sim.faults().await;
    assert_eq!(
        (rules[0]["remaining"].as_u64(), rules[0]["applied"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(sim.stats().await["received"]["token"], 0);
    let resp = sim.token(&[("grant_type", "refresh_token")]).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn hang_holds_one_request_and_serves_the_others() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let refresh = str_of(&t, "refresh_token").to_string();
    sim.fault(
        json!({"endpoint": "token", "grant_type": "refresh_token", "action": {"hang": true}}),
    )
    .await;

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let url = sim.url(TOKEN);
    let form = [
        ("grant_type", "refresh_token".to_string()),
        ("client_id", CLIENT.to_string()),
        ("refresh_token", refresh.clone()),
    ];
    let started = Instant::now();
    let hung = tokio::spawn(async move { impatient.post(url).form(&form).send().await });
    sim.until_counted("faulted", "token", 1).await;

    // Meanwhile the simulator answers others, promptly.
    let info = sim.token_info(str_of(&t, "access_token")).await;
    assert_eq!(info["active"], true);
    assert!(started.elapsed() < Duration::from_millis(800));

    let err = hung.await.unwrap().expect_err("no answer ever comes");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(800));

    let log = sim.get_json("/_sim/requests").await;
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["fault"], "hang");
    assert_eq!(last["status"], Value::Null);
    assert_eq!(last["form"]["grant_type"], "refresh_token");
    // Not processed: the refresh token was not rotated.
    assert_eq!(sim.refresh(&refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn clearing_the_faults_ends_a_hang_without_an_answer() {
    let sim = start(config()).await;
    sim.fault(json!({"endpoint": "user", "action": {"hang": true}}))
        .await;
    let http = sim.http.clone();
    let url = sim.url("/api/users/current");
    let hung = tokio::spawn(async move { http.get(url).send().await });
    sim.until_counted("faulted", "user", 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!hung.is_finished());
    assert_eq!(sim.clear_faults().await, json!({"cleared": 0}));
    let result = tokio::time::timeout(Duration::from_secs(5), hung)
        .await
        .expect("released at once")
        .unwrap();
    let err = result.expect_err("the connection closes without an answer");
    assert!(!err.is_timeout(), "{err}");
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer() {
    let sim = start(config()).await;
    let t = sim.tokens("profile offline_access").await;
    let refresh = str_of(&t, "refresh_token");
    sim.fault(json!({"endpoint": "token", "action": {"reset": true}}))
        .await;
    let err = sim
        .http
        .post(sim.url(TOKEN))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .expect_err("a network error, not an answer");
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");

    let log = sim.get_json("/_sim/requests").await;
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["fault"], "reset");
    assert_eq!(last["status"], Value::Null);
    // The refresh token was not rotated, and the simulator serves on.
    assert_eq!(sim.refresh(refresh).await.status(), StatusCode::OK);
    let stats = sim.stats().await;
    assert_eq!(stats["received_by_grant"]["refresh_token"], 2);
    assert_eq!(stats["refresh_grants"], 1);

    // A reset with a delay is just as final.
    sim.fault(json!({"endpoint": "user", "delay_ms": 200, "action": {"reset": true}}))
        .await;
    let started = Instant::now();
    let err = sim
        .http
        .get(sim.url("/api/users/current"))
        .send()
        .await
        .expect_err("a network error");
    assert!(err.status().is_none(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));

    // On the wire: not one byte of an answer, then a TCP reset.
    sim.fault(json!({"endpoint": "user", "action": {"reset": true}}))
        .await;
    let addr = sim.base.trim_start_matches("http://").to_string();
    let (got, result) = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        tcp.write_all(b"GET /api/users/current HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        let result = tcp.read_to_end(&mut got);
        (got, result)
    })
    .await
    .unwrap();
    let err = result.expect_err("a reset, not an answer nor a polite end");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
}

#[tokio::test]
async fn tamper_rewrites_a_real_token_answer() {
    let sim = start(config()).await;
    sim.fault(
        json!({"endpoint": "token", "grant_type": "authorization_code", "action": {"tamper": {
        "set": {"expires_in": 0, "token_type": "mac", "extra": null},
        "remove": ["refresh_token"]}}}),
    )
    .await;
    let code = sim.code("profile offline_access").await;
    let resp = sim.token(&sim.code_form(&code)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["expires_in"], 0);
    assert_eq!(t["token_type"], "mac");
    assert_eq!(t["extra"], Value::Null);
    assert!(t.get("extra").is_some());
    assert!(t.get("refresh_token").is_none());
    assert_eq!(t["refresh_token_expires_in"], 31_536_000);
    assert_eq!(t["scope"], "profile offline_access");
    // The real answer was issued: its access token works.
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    // The endpoint processed it, so its own log entry stands, without a fault mark.
    let log = sim.get_json("/_sim/requests").await;
    assert_eq!(log[0]["status"], 200);
    assert!(log[0].get("fault").is_none());

    // Numbers beyond 64 bits, fractions, negatives, strings where numbers belong.
    let t = sim.tokens("profile offline_access").await;
    sim.fault(json!({"endpoint": "token", "action": {"tamper": {
        "set": {"expires_in": -1.5, "refresh_token_expires_in": "soon"},
        "set_raw": {"scope": "123456789012345678901234567890"}}}}))
        .await;
    let resp = sim.refresh(str_of(&t, "refresh_token")).await;
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"expires_in\":-1.5"), "{text}");
    assert!(
        text.contains("\"refresh_token_expires_in\":\"soon\""),
        "{text}"
    );
    assert!(
        text.contains("\"scope\":123456789012345678901234567890"),
        "{text}"
    );

    // Form encoded, as some old servers answer.
    let t = sim.tokens("profile offline_access").await;
    sim.fault(json!({"endpoint": "token", "action": {"tamper": {"set": {"expires_in": 60}, "form_encoded": true}}}))
        .await;
    let resp = sim.refresh(str_of(&t, "refresh_token")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    let body = resp.text().await.unwrap();
    let fields: std::collections::HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["expires_in"], "60");
    assert_eq!(fields["token_type"], "Bearer");
    assert_eq!(fields["scope"], "profile offline_access");
    assert_eq!(fields["refresh_token_expires_in"], "31536000");
    assert!(fields["refresh_token"].len() > 20);

    // An error answer is rewritten too, and keeps its status.
    sim.fault(
        json!({"endpoint": "token", "action": {"tamper": {"set": {"error_description": "x"}}}}),
    )
    .await;
    let resp = sim.refresh("not-a-token").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "invalid_grant");
    assert_eq!(body["error_description"], "x");
}

#[tokio::test]
async fn count_applies_to_exactly_n_requests() {
    let sim = start(config()).await;
    let t = sim.tokens("profile").await;
    let access = str_of(&t, "access_token");
    sim.fault(
        json!({"endpoint": "token_info", "count": 2, "action": {"respond": {"status": 500}}}),
    )
    .await;
    let status = || async {
        sim.post_form(TOKEN_INFO, &[("token", access)])
            .await
            .status()
    };
    assert_eq!(status().await, StatusCode::INTERNAL_SERVER_ERROR);
    let rules = sim.faults().await;
    assert_eq!(
        (rules[0]["remaining"].as_u64(), rules[0]["applied"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(status().await, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(sim.faults().await.is_empty());
    assert_eq!(status().await, StatusCode::OK);
    assert_eq!(status().await, StatusCode::OK);
    let stats = sim.stats().await;
    assert_eq!(stats["received"]["token_info"], 4);
    assert_eq!(stats["faulted"]["token_info"], 2);
    assert_eq!(stats["token_info_requests"], 2);

    // forever: every one, until cleared.
    sim.fault(
        json!({"endpoint": "token_info", "forever": true, "action": {"respond": {"status": 418}}}),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(status().await, StatusCode::IM_A_TEAPOT);
    }
    let rules = sim.faults().await;
    assert_eq!(rules[0]["remaining"], Value::Null);
    assert_eq!(rules[0]["applied"], 5);
    assert_eq!(sim.clear_faults().await, json!({"cleared": 1}));
    assert_eq!(status().await, StatusCode::OK);
}

#[tokio::test]
async fn grant_type_and_method_filters() {
    let sim = start(config()).await;
    sim.fault(
        json!({"endpoint": "token", "grant_type": "refresh_token", "forever": true,
        "action": {"respond": {"status": 503}}}),
    )
    .await;
    // Code exchanges pass; refreshes do not.
    let t = sim.tokens("profile offline_access").await;
    let t2 = sim.tokens("profile offline_access").await;
    for _ in 0..3 {
        let resp = sim.refresh(str_of(&t, "refresh_token")).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let stats = sim.stats().await;
    assert_eq!(stats["received_by_grant"]["refresh_token"], 3);
    assert_eq!(stats["received_by_grant"]["authorization_code"], 2);
    assert_eq!(stats["received"]["token"], 5);
    assert_eq!(stats["faulted"]["token"], 3);
    assert_eq!(stats["refresh_grants"], 0);
    sim.clear_faults().await;
    assert_eq!(
        sim.refresh(str_of(&t2, "refresh_token")).await.status(),
        StatusCode::OK
    );

    // authorize: the consent answer fails, the consent page does not.
    let reset = sim.hook(Method::POST, "/_sim/reset", &json!({})).await;
    assert_eq!(reset.status(), StatusCode::OK);
    sim.fault(json!({"endpoint": "authorize", "method": "POST", "action": {"respond": {"status": 500, "body": "down"}}}))
        .await;
    let id = sim.consent(&authorize_query("profile", "s")).await;
    let resp = sim.decide(&id, "grant", "ada").await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // The form was not consumed: answering again works.
    let resp = sim.decide(&id, "grant", "ada").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let stats = sim.stats().await;
    assert_eq!(stats["received"]["authorize"], 3);
    assert_eq!(stats["authorize_requests"], 1);
    assert_eq!(stats["consent_answers"], 1);
}

#[tokio::test]
async fn delay_slows_an_answer_that_is_otherwise_real() {
    let sim = start(config()).await;
    let t = sim.tokens("profile").await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    sim.fault(json!({"endpoint": "user", "delay_ms": 400, "action": {"pass": true}}))
        .await;
    let started = Instant::now();
    let resp = sim.current_user(Some(&bearer)).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["username"], "ada");
    // Used up: the next one is prompt.
    let started = Instant::now();
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::OK
    );
    assert!(started.elapsed() < Duration::from_millis(400));

    sim.fault(json!({"endpoint": "user", "delay_ms": 300, "action": {"respond": {"status": 504}}}))
        .await;
    let started = Instant::now();
    let resp = sim.current_user(Some(&bearer)).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The endpoint processed the two passed on, not the one answered by the fault.
    assert_eq!(sim.stats().await["user_requests"], 2);
    assert_eq!(sim.stats().await["received"]["user"], 3);
}

#[tokio::test]
async fn rules_are_listed_in_order_and_cleared() {
    let sim = start(config()).await;
    assert_eq!(sim.faults().await, Vec::<Value>::new());
    sim.fault(json!({"endpoint": "revoke", "action": {"respond": {"status": 500}}}))
        .await;
    sim.fault(json!({"endpoint": "revoke", "count": 3, "delay_ms": 5, "action": {"reset": true}}))
        .await;
    let rules = sim.faults().await;
    assert_eq!(
        rules,
        vec![
            json!({"id": 1, "remaining": 1, "applied": 0, "endpoint": "revoke",
                "action": {"respond": {"status": 500}}}),
            json!({"id": 2, "remaining": 3, "applied": 0, "endpoint": "revoke", "count": 3,
                "delay_ms": 5, "action": {"reset": true}}),
        ]
    );
    // The first added applies first.
    assert_eq!(sim.revoke("x").await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sim.faults().await.len(), 1);
    assert_eq!(sim.clear_faults().await, json!({"cleared": 1}));
    assert_eq!(sim.faults().await, Vec::<Value>::new());
    assert_eq!(sim.revoke("x").await, StatusCode::OK);
    assert_eq!(sim.stats().await["revocations"], 1);
    assert_eq!(sim.stats().await["received"]["revoke"], 2);
}

#[tokio::test]
async fn bad_rules_are_refused_with_a_reason() {
    let sim = start(config()).await;
    for (body, needle) in [
        ("not json", "not JSON"),
        (r#"{"endpoint":"token"}"#, "action"),
        (r#"{"endpoint":"nope","action":{"hang":true}}"#, "nope"),
        (
            r#"{"endpoint":"user","grant_type":"refresh_token","action":{"hang":true}}"#,
            "grant_type",
        ),
        (
            r#"{"endpoint":"token","action":{"respond":{"status":42}}}"#,
            "42",
        ),
        (
            r#"{"endpoint":"token","count":0,"action":{"pass":true}}"#,
            "forever",
        ),
    ] {
        let resp = sim
            .http
            .post(sim.url("/_sim/faults"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-ilert-sim-hook", "1")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = resp.json().await.unwrap();
        let text = error["error"].as_str().unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
    assert!(sim.faults().await.is_empty());
}

#[tokio::test]
async fn rules_can_be_preset_in_the_config() {
    let rule = |v: Value| FaultRule::from_json(v).unwrap();
    let sim = start(SimConfig {
        faults: vec![
            rule(json!({"endpoint": "token", "grant_type": "authorization_code", "action": {"respond": {"status": 500}}})),
            rule(json!({"endpoint": "user", "forever": true, "action": {"respond": {"status": 503}}})),
        ],
        ..config()
    })
    .await;
    assert_eq!(sim.faults().await.len(), 2);
    let code = sim.code("profile").await;
    assert_eq!(
        sim.token(&sim.code_form(&code)).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let t = sim.exchange(&code).await;
    let bearer = format!("Bearer {}", str_of(&t, "access_token"));
    assert_eq!(
        sim.current_user(Some(&bearer)).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
