//! `GET /api-docs/openapi.json`: public, valid OpenAPI 3.0 (read by the `openapiv3` crate),
//! and exactly what the simulator serves: every operation it lists answers with the scope it
//! names, and a token without that scope gets the 403 naming it.
use ilert_sim_core::{Request, Response, Sim};
use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::{json, Value};

mod common;
use common::*;

fn token(sim: &mut Sim, scope: &str) -> String {
    let c = code(sim, scope, T0);
    let t = json_of(&exchange(sim, &c, T0));
    t["access_token"].as_str().expect("a token").to_string()
}

fn document(sim: &mut Sim) -> (Value, OpenAPI) {
    let r = answer(sim, Request::new("GET", "/api-docs/openapi.json"), T0);
    assert_eq!(r.status, 200, "public: no token needed");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let value = json_of(&r);
    let typed: OpenAPI = serde_json::from_value(value.clone()).expect("OpenAPI 3.0");
    (value, typed)
}

fn call(sim: &mut Sim, access: &str, method: &str, path: &str, body: Option<Value>) -> Response {
    let mut req =
        Request::new(method, path).with_header("Authorization", &format!("Bearer {access}"));
    if let Some(body) = body {
        req = req.with_body(body.to_string());
    }
    answer(sim, req, T0 + 1_000)
}

#[test]
fn the_document_is_openapi_3_and_every_operation_it_lists_is_served_with_its_scope() {
    let mut s = sim(21);
    let (raw, doc) = document(&mut s);
    assert!(doc.openapi.starts_with("3.0"), "{}", doc.openapi);
    let mut operations = 0;
    for (path, item) in &doc.paths.paths {
        let ReferenceOr::Item(item) = item else {
            panic!("{path}: a reference")
        };
        for (method, op) in item.iter() {
            operations += 1;
            let scope = raw["paths"][path][method]["x-ilert-scope"]
                .as_str()
                .unwrap()
                .to_string();
            let security = op
                .security
                .as_ref()
                .expect("every operation names its scope");
            assert!(
                security.iter().any(|s| s["oauth2"] == [scope.clone()]),
                "{method} {path}"
            );
            let concrete = path.replace("{id}", "1");
            let body = op.request_body.as_ref().map(|_| {
                let schema = &raw["paths"][path][method]["requestBody"]["content"]
                    ["application/json"]["schema"];
                let mut body = json!({});
                for field in schema["properties"].as_object().unwrap().keys() {
                    body[field] = json!("x");
                }
                body
            });
            let verb = method.to_uppercase();
            // With the scope it names: served (a fresh simulator: a DELETE removes the seed).
            let mut fresh = sim(22);
            let enough = token(&mut fresh, &scope);
            let r = call(&mut fresh, &enough, &verb, &concrete, body.clone());
            assert!(
                (200..300).contains(&r.status),
                "{verb} {concrete} with {scope}: {} {}",
                r.status,
                r.body_text()
            );
            // Without it: iLert's 403 naming it (users/current: any other scope).
            let other = if scope == "profile" {
                "source:d"
            } else {
                "profile"
            };
            let lacking = token(&mut fresh, other);
            let r = call(&mut fresh, &lacking, &verb, &concrete, body);
            assert_eq!(
                (r.status, json_of(&r)["scope"].clone()),
                (403, json!(scope)),
                "{verb} {concrete}"
            );
        }
    }
    // 8 writable collections × 5, 2 read-only lists, 1 alert by id, count, accept, resolve,
    // users/current.
    assert_eq!(
        operations,
        8 * 5 - 5 + 2 + 1 + 3 + 1,
        "{:?}",
        doc.paths.paths.keys().collect::<Vec<_>>()
    );
}

#[test]
fn its_oauth_flow_points_at_the_simulators_endpoints_and_lists_every_scope() {
    let mut s = sim(23);
    let (raw, _) = document(&mut s);
    let flow = &raw["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"];
    assert_eq!(flow["tokenUrl"], "/api/developers/oauth2/token");
    for scope in [
        "profile",
        "offline_access",
        "source:w",
        "wildcard:d",
        "metric_source:r",
    ] {
        assert!(
            flow["scopes"][scope]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{scope}"
        );
    }
}
