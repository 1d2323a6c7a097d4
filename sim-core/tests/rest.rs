//! iLert's REST API in the core: every collection at every scope level (the verb × level
//! matrix), the seeded data's shapes, and iLert's answers for an unknown id, a bad body and
//! a missing scope.
use ilert_sim_core::{Request, Response, SeededEntropy, Sim, SimConfig};
use serde_json::{json, Value};

mod common;
use common::*;

/// The collections and whether they take writes, as the simulator serves them.
const COLLECTIONS: [(&str, &str, bool); 9] = [
    ("alert-sources", "source", true),
    ("alerts", "alert", false),
    ("incidents", "incident", true),
    ("services", "service", true),
    ("schedules", "schedule", true),
    ("on-calls", "schedule", false),
    ("escalation-policies", "policy", true),
    ("teams", "team", true),
    ("users", "user", true),
];

/// An access token for ada with `scope`.
fn token(sim: &mut Sim, scope: &str) -> String {
    let c = code(sim, scope, T0);
    let t = json_of(&exchange(sim, &c, T0));
    t["access_token"].as_str().expect("a token").to_string()
}

fn call(sim: &mut Sim, access: &str, method: &str, path: &str, body: Option<Value>) -> Response {
    let mut req =
        Request::new(method, path).with_header("Authorization", &format!("Bearer {access}"));
    if let Some(body) = body {
        req = req
            .with_header("Content-Type", "application/json")
            .with_body(body.to_string());
    }
    answer(sim, req, T0 + 1_000)
}

/// A body a create of `collection` takes.
fn valid(collection: &str) -> Value {
    match collection {
        "alert-sources" => {
            json!({ "name": "Grafana staging", "integrationType": "GRAFANA", "escalationPolicy": { "id": 1 } })
        }
        "incidents" => json!({ "summary": "Login slow", "status": "INVESTIGATING" }),
        "schedules" => json!({ "name": "Weekend", "timezone": "UTC" }),
        "users" => {
            json!({ "firstName": "Edsger", "lastName": "Dijkstra", "email": "edsger@example.com" })
        }
        _ => json!({ "name": "New one" }),
    }
}

#[test]
fn every_collection_opens_at_its_scope_level_and_names_the_missing_scope() {
    // (granted scope suffix, GET, POST/PUT, DELETE)
    let levels: [(&str, [bool; 3]); 8] = [
        ("", [true, false, false]),
        (":r", [true, false, false]),
        (":w", [true, true, false]),
        (":d", [true, true, true]),
        ("WILDCARD", [true, false, false]),
        ("WILDCARD:w", [true, true, false]),
        ("WILDCARD:d", [true, true, true]),
        ("NONE", [false, false, false]),
    ];
    for (collection, scope, writable) in COLLECTIONS {
        for (suffix, want) in levels {
            let granted = match suffix {
                "NONE" => "profile".to_string(),
                s if s.starts_with("WILDCARD") => s.replace("WILDCARD", "wildcard"),
                s => format!("{scope}{s}"),
            };
            let mut s = sim(7);
            let access = token(&mut s, &granted);
            let path = format!("/api/{collection}");
            let what = format!("{collection} with {granted:?}");

            let r = call(&mut s, &access, "GET", &path, None);
            check(&r, want[0], &format!("{scope}:r"), &format!("GET {what}"));
            if !writable {
                continue;
            }
            let r = call(&mut s, &access, "POST", &path, Some(valid(collection)));
            check(&r, want[1], &format!("{scope}:w"), &format!("POST {what}"));
            let id = if r.status == 200 {
                json_of(&r)["id"].clone()
            } else {
                json!(1)
            };
            let item = format!("{path}/{id}");
            let r = call(
                &mut s,
                &access,
                "PUT",
                &item,
                Some(json!({ "description": "changed" })),
            );
            check(&r, want[1], &format!("{scope}:w"), &format!("PUT {what}"));
            let r = call(&mut s, &access, "DELETE", &item, None);
            check(
                &r,
                want[2],
                &format!("{scope}:d"),
                &format!("DELETE {what}"),
            );
        }
    }
}

fn check(r: &Response, allowed: bool, needed: &str, what: &str) {
    if allowed {
        assert!(
            (200..300).contains(&r.status),
            "{what}: {} {}",
            r.status,
            r.body_text()
        );
    } else {
        assert_eq!(r.status, 403, "{what}: {}", r.body_text());
        let body = json_of(r);
        assert_eq!(body["code"], "OAUTH2_SCOPE_ERROR", "{what}");
        assert_eq!(body["scope"], needed, "{what}");
        assert_eq!(body["status"], 403, "{what}");
    }
}

#[test]
fn a_created_alert_source_is_listed_changed_and_deleted() {
    let mut s = sim(8);
    let access = token(&mut s, "source:d");
    let created = json_of(&call(
        &mut s,
        &access,
        "POST",
        "/api/alert-sources",
        Some(valid("alert-sources")),
    ));
    assert_eq!(created["id"], 100);
    assert_eq!(created["name"], "Grafana staging");
    assert_eq!(created["createdAt"], "2023-11-14T22:13:21Z");
    let list = json_of(&call(&mut s, &access, "GET", "/api/alert-sources", None));
    assert_eq!(list.as_array().unwrap().len(), 3);
    let changed = json_of(&call(
        &mut s,
        &access,
        "PUT",
        "/api/alert-sources/100",
        Some(json!({ "name": "Grafana", "id": 5 })),
    ));
    assert_eq!(
        (changed["id"].clone(), changed["name"].clone()),
        (json!(100), json!("Grafana"))
    );
    assert_eq!(
        changed["integrationType"], "GRAFANA",
        "a PUT keeps the fields it does not name"
    );
    assert_eq!(
        call(&mut s, &access, "DELETE", "/api/alert-sources/100", None).status,
        204
    );
    let gone = call(&mut s, &access, "GET", "/api/alert-sources/100", None);
    assert_eq!(gone.status, 404);
    assert_eq!(json_of(&gone)["code"], "NOT_FOUND");
}

#[test]
fn the_seed_hangs_together() {
    let mut s = sim(9);
    let access = token(&mut s, "wildcard");
    let get = |s: &mut Sim, path: &str| json_of(&call(s, &access, "GET", path, None));
    let sources = get(&mut s, "/api/alert-sources");
    let alerts = get(&mut s, "/api/alerts");
    for alert in alerts.as_array().unwrap() {
        let source = &alert["alertSource"]["id"];
        assert!(
            sources
                .as_array()
                .unwrap()
                .iter()
                .any(|s| &s["id"] == source),
            "{alert}"
        );
    }
    assert_eq!(get(&mut s, "/api/alerts/count"), json!({ "count": 3 }));
    let incident = get(&mut s, "/api/incidents/1");
    let service = &incident["affectedServices"][0]["service"]["id"];
    assert_eq!(
        get(&mut s, &format!("/api/services/{service}"))["status"],
        "DEGRADED"
    );
    let on_call = get(&mut s, "/api/on-calls");
    assert_eq!(on_call[0]["user"]["username"], "grace");
    assert_eq!(
        get(&mut s, "/api/schedules/1")["currentShift"]["user"]["username"],
        "grace"
    );
    assert_eq!(get(&mut s, "/api/users").as_array().unwrap().len(), 3);
}

#[test]
fn accept_and_resolve_change_an_alert_with_alert_w() {
    let mut s = sim(10);
    let reader = token(&mut s, "alert:r");
    let r = call(&mut s, &reader, "PUT", "/api/alerts/1/accept", None);
    assert_eq!(
        (r.status, json_of(&r)["scope"].clone()),
        (403, json!("alert:w"))
    );
    let writer = token(&mut s, "alert:w");
    assert_eq!(
        json_of(&call(&mut s, &writer, "PUT", "/api/alerts/1/accept", None))["status"],
        "ACCEPTED"
    );
    let resolved = json_of(&call(&mut s, &writer, "PUT", "/api/alerts/1/resolve", None));
    assert_eq!(resolved["status"], "RESOLVED");
    assert_eq!(resolved["resolvedOn"], "2023-11-14T22:13:21Z");
    assert_eq!(
        call(&mut s, &writer, "PUT", "/api/alerts/1/snooze", None).status,
        405
    );
    assert_eq!(
        call(&mut s, &writer, "PUT", "/api/alerts/99/accept", None).status,
        404
    );
    // Alerts are raised by alert sources, not created through this API.
    assert_eq!(
        call(&mut s, &writer, "POST", "/api/alerts", Some(json!({}))).status,
        405
    );
}

#[test]
fn bad_bodies_ids_and_paging_get_ilerts_400_and_404() {
    let mut s = sim(11);
    let access = token(&mut s, "wildcard:d");
    let cases: [(&str, &str, &str, Option<Value>, u16); 8] = [
        ("not JSON", "POST", "/api/teams", None, 400),
        ("an array", "POST", "/api/teams", Some(json!([1])), 400),
        (
            "no name",
            "POST",
            "/api/teams",
            Some(json!({ "visibility": "PUBLIC" })),
            400,
        ),
        (
            "an empty name",
            "POST",
            "/api/services",
            Some(json!({ "name": " " })),
            400,
        ),
        (
            "an unknown policy",
            "POST",
            "/api/alert-sources",
            Some(
                json!({ "name": "x", "integrationType": "API", "escalationPolicy": { "id": 42 } }),
            ),
            400,
        ),
        ("an unknown id", "GET", "/api/teams/42", None, 404),
        ("a non-numeric id", "DELETE", "/api/teams/abc", None, 404),
        ("a bad page", "GET", "/api/teams?max-results=ten", None, 400),
    ];
    for (what, method, path, body, status) in cases {
        let mut req =
            Request::new(method, path).with_header("Authorization", &format!("Bearer {access}"));
        req = match body {
            Some(b) => req.with_body(b.to_string()),
            None if method == "POST" => req.with_body("name=x"),
            None => req,
        };
        let r = answer(&mut s, req, T0 + 1_000);
        assert_eq!(r.status, status, "{what}: {}", r.body_text());
        let body = json_of(&r);
        assert_eq!(body["status"], status, "{what}");
        assert!(
            body["code"].is_string() && body["message"].is_string(),
            "{what}: {body}"
        );
    }
    let page = json_of(&call(
        &mut s,
        &access,
        "GET",
        "/api/alerts?start-index=1&max-results=1",
        None,
    ));
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["id"], 2);
}

#[test]
fn wildcard_without_profile_reads_the_current_user_and_source_alone_does_not() {
    let mut s = sim(12);
    let wildcard = token(&mut s, "wildcard:d offline_access");
    assert_eq!(
        json_of(&user(&mut s, &wildcard, T0 + 1_000))["username"],
        "ada"
    );
    let source = token(&mut s, "source:d");
    let r = user(&mut s, &source, T0 + 1_000);
    assert_eq!(r.status, 403);
    assert_eq!(json_of(&r)["code"], "OAUTH2_SCOPE_ERROR");
    assert_eq!(json_of(&r)["scope"], "profile");
}

#[test]
fn no_token_is_a_401_and_the_data_outlives_a_snapshot() {
    let mut s = sim(13);
    let r = answer(&mut s, Request::new("GET", "/api/alert-sources"), T0);
    assert_eq!(r.status, 401);
    let access = token(&mut s, "team:w");
    call(
        &mut s,
        &access,
        "POST",
        "/api/teams",
        Some(json!({ "name": "Kept" })),
    );
    let snapshot = s.snapshot();
    let mut restored = Sim::restore(SimConfig::default(), Box::new(SeededEntropy(14)), &snapshot)
        .expect("a snapshot of this version");
    let teams = json_of(&call(&mut restored, &access, "GET", "/api/teams", None));
    assert_eq!(teams[1]["name"], "Kept");
}
