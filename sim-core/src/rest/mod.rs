//! iLert's REST API, scope by scope: alert sources, alerts (count, accept, resolve),
//! incidents, services, schedules and on-calls, escalation policies, teams and users, over
//! the demo tenant's seeded data ([`seed`]), kept in the store (and so in a snapshot).
//!
//! Every call needs a bearer token whose scopes open the resource at the call's level
//! ([`crate::scopes::allows`]); without it the answer is iLert's 403 `OAUTH2_SCOPE_ERROR`
//! naming the scope. Unknown ids are 404, bodies the API cannot take 400, all in iLert's
//! `{status, message, code}` shape. The paths and scopes are in [`RESOURCES`], which
//! `GET /api-docs/openapi.json` and docs/ilert-api.md describe.
pub mod openapi;
mod seed;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

use crate::api::authenticate;
use crate::errors::ApiError;
use crate::http::{Request, Response};
use crate::scopes::{self, Level};
use crate::time;
use crate::Sim;

/// One collection of the API.
#[derive(Debug)]
pub struct Resource {
    /// The path segment after `/api/`: `alert-sources`.
    pub path: &'static str,
    /// The scope that opens it: `source`.
    pub scope: &'static str,
    /// One item in words, for messages: `alert source`.
    pub noun: &'static str,
    /// Whether POST, PUT and DELETE are served (else only GET).
    pub writable: bool,
    /// Fields a new item must carry, as non-empty strings.
    pub required: &'static [&'static str],
}

/// The collections served, in the order the API reference lists them.
pub const RESOURCES: &[Resource] = &[
    Resource {
        path: "alert-sources",
        scope: "source",
        noun: "alert source",
        writable: true,
        required: &["name", "integrationType"],
    },
    Resource {
        path: "alerts",
        scope: "alert",
        noun: "alert",
        writable: false,
        required: &[],
    },
    Resource {
        path: "incidents",
        scope: "incident",
        noun: "incident",
        writable: true,
        required: &["summary", "status"],
    },
    Resource {
        path: "services",
        scope: "service",
        noun: "service",
        writable: true,
        required: &["name"],
    },
    Resource {
        path: "schedules",
        scope: "schedule",
        noun: "schedule",
        writable: true,
        required: &["name", "timezone"],
    },
    // Who is on call is read from the schedules, so `schedule` opens it (iLert's docs are
    // silent; see docs/ilert-api.md).
    Resource {
        path: "on-calls",
        scope: "schedule",
        noun: "on-call",
        writable: false,
        required: &[],
    },
    Resource {
        path: "escalation-policies",
        scope: "policy",
        noun: "escalation policy",
        writable: true,
        required: &["name"],
    },
    Resource {
        path: "teams",
        scope: "team",
        noun: "team",
        writable: true,
        required: &["name"],
    },
    Resource {
        path: "users",
        scope: "user",
        noun: "user",
        writable: true,
        required: &["firstName", "lastName", "email"],
    },
];

/// The actions on one alert, as iLert's API has them: `PUT /api/alerts/{id}/accept`.
const ALERT_ACTIONS: [(&str, &str); 2] = [("accept", "ACCEPTED"), ("resolve", "RESOLVED")];

/// The most items one page of a list holds (`max-results`).
const MAX_RESULTS: usize = 100;

/// The API's data: one list of JSON objects per collection, each with a numeric `id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Data {
    collections: BTreeMap<String, Vec<Value>>,
    next_id: u64,
}

/// Whether `path` is one of the API's collections (or below one).
pub fn serves(path: &str) -> bool {
    split(path).is_some()
}

/// `/api/alert-sources/7/x` → (resource, Some("7"), Some("x")).
fn split(path: &str) -> Option<(&'static Resource, Option<&str>, Option<&str>)> {
    let rest = path.strip_prefix("/api/")?;
    let mut parts = rest.splitn(3, '/');
    let collection = parts.next()?;
    let resource = RESOURCES.iter().find(|r| r.path == collection)?;
    let id = parts.next().filter(|s| !s.is_empty());
    let action = parts.next();
    Some((resource, id, action))
}

/// Answers a call of the API (the router sends every path [`serves`] says yes to).
pub fn handle(sim: &mut Sim, req: &Request, now: u64) -> Response {
    sim.store.stats.api_requests += 1;
    match answer(sim, req, now) {
        Ok(response) => response,
        Err(e) => e.response(),
    }
}

fn answer(sim: &mut Sim, req: &Request, now: u64) -> Result<Response, ApiError> {
    let (resource, id, action) = split(&req.path).expect("routed here by serves()");
    let level = Level::of_method(&req.method).ok_or_else(|| {
        ApiError::method_not_allowed(format!("{} is not a method of iLert's API", req.method))
    })?;
    let claims = authenticate(sim, req, now)?;
    if !scopes::allows(&claims.il_s, resource.scope, level) {
        return Err(ApiError::scope_missing(scopes::needed(
            resource.scope,
            level,
        )));
    }
    let data = sim.api_data.get_or_insert_with(seed::data);
    let method = req.method.as_str();
    match (method, id, action) {
        ("GET" | "HEAD", None, None) => list(data, resource, &req.query),
        ("GET" | "HEAD", Some("count"), None) if resource.path == "alerts" => {
            let count = data.items(resource).len();
            Ok(Response::json(200, &json!({ "count": count })))
        }
        ("GET" | "HEAD", Some(id), None) => Ok(Response::json(200, data.find(resource, id)?)),
        ("POST", None, None) if resource.writable => {
            let body = object(req)?;
            let item = data.create(resource, body, now)?;
            Ok(Response::json(200, &item))
        }
        ("PUT", Some(id), None) if resource.writable => {
            let body = object(req)?;
            let item = data.update(resource, id, body, now)?;
            Ok(Response::json(200, &item))
        }
        ("DELETE", Some(id), None) if resource.writable => {
            data.delete(resource, id)?;
            Ok(Response::new(204))
        }
        ("PUT", Some(id), Some(action)) if resource.path == "alerts" => {
            let Some((_, status)) = ALERT_ACTIONS.iter().find(|(a, _)| *a == action) else {
                return Err(not_served(req));
            };
            let item = data.set_status(resource, id, status, now)?;
            Ok(Response::json(200, &item))
        }
        _ => Err(not_served(req)),
    }
}

fn not_served(req: &Request) -> ApiError {
    ApiError::method_not_allowed(format!(
        "{} {} is not an endpoint of iLert's API (see /api-docs/openapi.json)",
        req.method, req.path
    ))
}

/// The request's body as a JSON object, or iLert's 400.
fn object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "The request body is not JSON: {e}"
        ))),
    }
}

/// One page of a collection: `start-index` (from 0) and `max-results` (at most 100).
fn list(data: &Data, resource: &Resource, query: &str) -> Result<Response, ApiError> {
    let mut start = 0usize;
    let mut max = 50usize;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let parsed = || {
            value.parse::<usize>().map_err(|_| {
                ApiError::bad_request(format!("{name} must be a whole number, not {value:?}"))
            })
        };
        match name.as_ref() {
            "start-index" => start = parsed()?,
            "max-results" => max = parsed()?.min(MAX_RESULTS),
            _ => {}
        }
    }
    let page: Vec<&Value> = data.items(resource).iter().skip(start).take(max).collect();
    Ok(Response::json(200, &json!(page)))
}

impl Data {
    fn items(&self, resource: &Resource) -> &[Value] {
        self.collections
            .get(resource.path)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn position(&self, resource: &Resource, id: &str) -> Result<usize, ApiError> {
        let missing = || ApiError::not_found(format!("There is no {} with id {id}", resource.noun));
        let id: u64 = id.parse().map_err(|_| missing())?;
        self.items(resource)
            .iter()
            .position(|item| item["id"] == json!(id))
            .ok_or_else(missing)
    }

    fn find(&self, resource: &Resource, id: &str) -> Result<&Value, ApiError> {
        let at = self.position(resource, id)?;
        Ok(&self.items(resource)[at])
    }

    fn exists(&self, collection: &str, id: &Value) -> bool {
        self.collections
            .get(collection)
            .is_some_and(|items| items.iter().any(|item| &item["id"] == id))
    }

    /// Checks the fields of a new or changed item: required strings, and references to
    /// items that exist.
    fn check(&self, resource: &Resource, item: &Map<String, Value>) -> Result<(), ApiError> {
        for field in resource.required {
            match item.get(*field) {
                Some(Value::String(s)) if !s.trim().is_empty() => {}
                Some(_) => {
                    return Err(ApiError::bad_request(format!(
                        "{field} must be a non-empty string"
                    )))
                }
                None => {
                    return Err(ApiError::bad_request(format!(
                        "A new {} needs {field}",
                        resource.noun
                    )))
                }
            }
        }
        for (field, collection) in seed::REFERENCES {
            if let Some(reference) = item.get(*field).filter(|v| !v.is_null()) {
                let id = &reference["id"];
                if !self.exists(collection, id) {
                    return Err(ApiError::bad_request(format!(
                        "{field}.id {id} does not name an item of /api/{collection}"
                    )));
                }
            }
        }
        Ok(())
    }

    fn create(
        &mut self,
        resource: &Resource,
        mut body: Map<String, Value>,
        now: u64,
    ) -> Result<Value, ApiError> {
        self.check(resource, &body)?;
        self.next_id += 1;
        body.insert("id".into(), json!(self.next_id));
        let stamp = json!(time::rfc3339(now));
        body.insert("createdAt".into(), stamp.clone());
        body.insert("updatedAt".into(), stamp);
        let item = Value::Object(body);
        self.collections
            .entry(resource.path.to_string())
            .or_default()
            .push(item.clone());
        Ok(item)
    }

    /// Changes the fields the body names; `id` and `createdAt` stay.
    fn update(
        &mut self,
        resource: &Resource,
        id: &str,
        body: Map<String, Value>,
        now: u64,
    ) -> Result<Value, ApiError> {
        let at = self.position(resource, id)?;
        let mut merged = self.items(resource)[at]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (key, value) in body {
            if key != "id" && key != "createdAt" {
                merged.insert(key, value);
            }
        }
        self.check(resource, &merged)?;
        merged.insert("updatedAt".into(), json!(time::rfc3339(now)));
        let item = Value::Object(merged);
        self.collections
            .get_mut(resource.path)
            .expect("found above")[at] = item.clone();
        Ok(item)
    }

    fn delete(&mut self, resource: &Resource, id: &str) -> Result<(), ApiError> {
        let at = self.position(resource, id)?;
        self.collections
            .get_mut(resource.path)
            .expect("found above")
            .remove(at);
        Ok(())
    }

    fn set_status(
        &mut self,
        resource: &Resource,
        id: &str,
        status: &str,
        now: u64,
    ) -> Result<Value, ApiError> {
        let at = self.position(resource, id)?;
        let item = &mut self
            .collections
            .get_mut(resource.path)
            .expect("found above")[at];
        item["status"] = json!(status);
        if status == "RESOLVED" {
            item["resolvedOn"] = json!(time::rfc3339(now));
        }
        Ok(item.clone())
    }
}
