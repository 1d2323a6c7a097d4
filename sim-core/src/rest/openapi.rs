//! `GET /api-docs/openapi.json`: an OpenAPI 3.0 document of exactly what the simulator
//! serves, made from the same table the router serves ([`super::RESOURCES`]), so the two
//! cannot drift. Written here for the simulator, not a copy of iLert's: each operation names
//! the scope it needs (`security`, and `x-ilert-scope` for tools that read one string).
use serde_json::{json, Map, Value};

use super::{Resource, RESOURCES};
use crate::scopes::{self, Level, OFFLINE_ACCESS, PROFILE, WILDCARD};

/// The document, for a simulator mounted at `mount` ("" at the root).
pub fn document(mount: &str) -> Value {
    let mut paths = Map::new();
    for r in RESOURCES {
        let mut collection = Map::new();
        collection.insert("get".into(), list(r));
        if r.writable {
            collection.insert(
                "post".into(),
                op(
                    r,
                    &format!("create-{}", r.path),
                    Level::Write,
                    &format!("Create a {}", r.noun),
                    Some(body(r, true)),
                    ok(r.noun),
                ),
            );
        }
        paths.insert(format!("/api/{}", r.path), Value::Object(collection));

        if r.path == "on-calls" {
            continue;
        }
        let mut item = Map::new();
        item.insert("parameters".into(), json!([id_param()]));
        item.insert(
            "get".into(),
            op(
                r,
                &format!("get-{}", r.path),
                Level::Read,
                &format!("Get one {}", r.noun),
                None,
                ok(r.noun),
            ),
        );
        if r.writable {
            item.insert(
                "put".into(),
                op(
                    r,
                    &format!("change-{}", r.path),
                    Level::Write,
                    &format!("Change a {} (the fields the body names)", r.noun),
                    Some(body(r, false)),
                    ok(r.noun),
                ),
            );
            item.insert(
                "delete".into(),
                op(
                    r,
                    &format!("delete-{}", r.path),
                    Level::Delete,
                    &format!("Delete a {}", r.noun),
                    None,
                    json!({ "204": { "description": "Deleted" } }),
                ),
            );
        }
        paths.insert(format!("/api/{}/{{id}}", r.path), Value::Object(item));
    }
    let alerts = RESOURCES
        .iter()
        .find(|r| r.path == "alerts")
        .expect("alerts are served");
    paths.insert(
        "/api/alerts/count".into(),
        json!({ "get": op(alerts, "count-alerts", Level::Read, "Count the alerts", None, json!({
            "200": { "description": "The number of alerts", "content": { "application/json": { "schema": {
                "type": "object", "required": ["count"], "properties": { "count": { "type": "integer" } }
            } } } }
        })) }),
    );
    for (action, status) in super::ALERT_ACTIONS {
        paths.insert(
            format!("/api/alerts/{{id}}/{action}"),
            json!({
                "parameters": [id_param()],
                "put": op(alerts, &format!("{action}-alert"), Level::Write, &format!("Set an alert's status to {status}"), None, ok("alert")),
            }),
        );
    }
    paths.insert(
        "/api/users/current".into(),
        json!({ "get": {
            "tags": ["users"],
            "summary": "The user the token acts for",
            "operationId": "get-users-current",
            "security": [{ "oauth2": [PROFILE] }, { "oauth2": [WILDCARD] }],
            "x-ilert-scope": PROFILE,
            "responses": with_errors(ok("user")),
        } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "ilert-sim: iLert's REST API as the simulator serves it",
            "version": "1",
            "description": "The endpoints ilert-sim serves, over seeded demo data. A bare scope or :r opens GET, :w adds POST and PUT, :d adds DELETE; wildcard opens every resource at its level. A token without the scope a call needs gets 403 OAUTH2_SCOPE_ERROR naming it."
        },
        "servers": [{ "url": if mount.is_empty() { "/" } else { mount } }],
        "paths": paths,
        "components": {
            "securitySchemes": { "oauth2": {
                "type": "oauth2",
                "flows": { "authorizationCode": {
                    "authorizationUrl": format!("{mount}/api/developers/oauth2/authorize"),
                    "tokenUrl": format!("{mount}/api/developers/oauth2/token"),
                    "refreshUrl": format!("{mount}/api/developers/oauth2/token"),
                    "scopes": scope_list(),
                } }
            } },
            "schemas": { "Error": {
                "type": "object",
                "required": ["status", "message", "code"],
                "properties": {
                    "status": { "type": "integer" },
                    "message": { "type": "string" },
                    "code": { "type": "string" },
                    "scope": { "type": "string", "description": "With OAUTH2_SCOPE_ERROR: the scope the call needs" }
                }
            } }
        }
    })
}

/// One operation on `r` that needs `level`; `id` is unique in the document.
fn op(
    r: &Resource,
    id: &str,
    level: Level,
    summary: &str,
    body: Option<Value>,
    responses: Value,
) -> Value {
    let scope = scopes::needed(r.scope, level);
    let wildcard = scopes::needed(WILDCARD, level);
    let mut op = json!({
        "tags": [r.path],
        "summary": summary,
        "operationId": id,
        "security": [{ "oauth2": [scope] }, { "oauth2": [wildcard] }],
        "x-ilert-scope": scope,
        "responses": with_errors(responses),
    });
    if let Some(body) = body {
        op["requestBody"] = body;
    }
    op
}

fn list(r: &Resource) -> Value {
    let summary = format!("List the {}", r.path.replace('-', " "));
    let mut op = op(
        r,
        &format!("list-{}", r.path),
        Level::Read,
        &summary,
        None,
        json!({
            "200": { "description": "One page of the list", "content": { "application/json": { "schema": {
                "type": "array", "items": { "type": "object" }
            } } } }
        }),
    );
    op["parameters"] = json!([
        { "name": "start-index", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
        { "name": "max-results", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": super::MAX_RESULTS, "default": 50 } }
    ]);
    op
}

fn ok(noun: &str) -> Value {
    json!({ "200": { "description": format!("The {noun}"), "content": { "application/json": {
        "schema": { "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } } }
    } } } })
}

fn body(r: &Resource, create: bool) -> Value {
    let properties: Map<String, Value> = r
        .required
        .iter()
        .map(|f| (f.to_string(), json!({ "type": "string", "minLength": 1 })))
        .collect();
    let mut schema = json!({ "type": "object", "properties": properties });
    if create && !r.required.is_empty() {
        schema["required"] = json!(r.required);
    }
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } })
}

fn with_errors(mut responses: Value) -> Value {
    let error = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    responses["400"] = error("The body or a parameter cannot be taken");
    responses["401"] = error("No valid access token");
    responses["403"] = error("The token lacks the scope (OAUTH2_SCOPE_ERROR, with scope)");
    responses["404"] = error("No item with this id");
    responses
}

/// Every scope the authorize endpoint accepts, in words.
fn scope_list() -> Map<String, Value> {
    let mut out = Map::new();
    for name in [PROFILE, OFFLINE_ACCESS] {
        out.insert(
            name.into(),
            json!(scopes::describe_one(name).unwrap_or_default()),
        );
    }
    let names = scopes::RESOURCES.iter().map(|(n, _)| *n).chain([WILDCARD]);
    for name in names {
        for suffix in ["", ":r", ":w", ":d"] {
            let token = format!("{name}{suffix}");
            out.insert(
                token.clone(),
                json!(scopes::describe_one(&token).unwrap_or_default()),
            );
        }
    }
    out
}
