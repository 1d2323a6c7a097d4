//! SIMULATOR-ONLY test hooks under `/_sim/`: no iLert server has them. The browser end-to-end
//! tests read what the app sent and count calls through them, and make the server fail.
//!
//! Every hook that changes state (`POST` and `DELETE` below) wants `Content-Type:
//! application/json` and `X-Ilert-Sim-Hook: 1`, or refuses with 415 / 403 and changes
//! nothing; no hook answers CORS, so no other origin reads or changes them ([`crate::guard`]).
//!
//! - `GET /_sim/stats`: the counters, `received` / `received_by_grant` / `faulted` included
//! - `GET /_sim/requests[?endpoint=token|token_info|revoke]`: the request log
//! - `GET /_sim/config`: the settings in force (clients without their secrets)
//! - `POST /_sim/clients` (JSON `{"id", "redirect_uri", "secret"}`, `secret` absent or null
//!   for a public client): registers a client at run
//!   time, or replaces the one of that id: 201 (200 when replaced) and the client as
//!   `GET /_sim/config` lists it, or 400 / 415 and `{"error": …}`. `GET /_sim/clients`: the
//!   clients in force. Snapshots keep what was registered.
//! - `POST /_sim/reset` (body `{}`): zeroes the counters, empties the request log
//! - `POST /_sim/revoke_refresh_tokens`, `POST /_sim/revoke_access_tokens` (body `{}`)
//! - `POST /_sim/faults` (a JSON rule: 201 and the rule as installed, or 400 and
//!   `{"error": …}`), `GET /_sim/faults` (the rules in force, in matching order, each with
//!   `id`, `remaining` and `applied`), `DELETE /_sim/faults` (drops them all and ends every
//!   hanging request: `{"cleared": n}`). The rules are described in [`crate::faults`].

use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::Client;
use crate::faults::FaultRule;
use crate::http::{Request, Response};
use crate::Sim;

/// `GET /_sim/stats`: the counters.
pub fn stats(sim: &Sim) -> Response {
    Response::json(200, &sim.store.stats)
}

/// `GET /_sim/requests[?endpoint=token|token_info|revoke]`: the last 50 requests of that
/// endpoint (default `token`), oldest first, with headers and form fields.
pub fn requests(sim: &Sim, req: &Request) -> Response {
    let endpoint = form_urlencoded::parse(req.query.as_bytes())
        .find(|(k, _)| k == "endpoint")
        .map_or_else(|| "token".to_string(), |(_, v)| v.into_owned());
    Response::json(200, &Value::Array(sim.store.requests(&endpoint)))
}

/// `POST /_sim/reset`: zeroes the counters and empties the request log (tokens stay valid).
pub fn reset(sim: &mut Sim) -> Response {
    sim.store.reset_observations();
    Response::json(200, &json!({ "reset": true }))
}

/// `POST /_sim/revoke_refresh_tokens`: what a user revoking the app in iLert's UI does:
/// every refresh token dies, access tokens keep working until they expire.
pub fn revoke_refresh_tokens(sim: &mut Sim) -> Response {
    Response::json(200, &json!({ "revoked": sim.store.revoke_all_refresh() }))
}

/// `POST /_sim/revoke_access_tokens`: every access token issued so far is refused from now
/// on, so a test can make the API answer 401 without waiting for expiry.
pub fn revoke_access_tokens(sim: &mut Sim) -> Response {
    Response::json(200, &json!({ "revoked": sim.store.revoke_all_access() }))
}

/// `GET /_sim/config`: the settings in force.
pub fn config(sim: &Sim) -> Response {
    let c = &sim.config;
    let clients: Vec<Value> = c.clients.iter().map(client_json).collect();
    Response::json(
        200,
        &json!({
            "access_ttl": c.access_ttl, "refresh_ttl": c.refresh_ttl, "code_ttl": c.code_ttl,
            "latency_ms": c.latency_ms, "rotate_refresh": c.rotate_refresh, "clients": clients,
        }),
    )
}

/// `POST /_sim/config`: changes the settings a running simulator may change, today
/// `rotate_refresh` (`{"rotate_refresh": false}`), for the built-in simulator, which has no
/// command line. Kept in the snapshot; anything else in the body is refused.
pub fn config_set(sim: &mut Sim, req: &Request) -> Response {
    let body = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => map,
        _ => return Response::json(400, &json!({ "error": "the body must be a JSON object" })),
    };
    for (key, value) in &body {
        match (key.as_str(), value) {
            ("rotate_refresh", Value::Bool(_)) => {}
            ("rotate_refresh", _) => {
                return Response::json(
                    400,
                    &json!({ "error": "rotate_refresh must be true or false" }),
                )
            }
            (other, _) => {
                let error = format!("{other} cannot be changed while the simulator runs");
                return Response::json(400, &json!({ "error": error }));
            }
        }
    }
    if let Some(Value::Bool(rotate)) = body.get("rotate_refresh") {
        sim.config.rotate_refresh = *rotate;
    }
    config(sim)
}

/// `POST /_sim/faults`: adds a fault rule, tried after those already there.
pub fn faults_add(sim: &mut Sim, req: &Request) -> Response {
    let added = serde_json::from_slice::<Value>(&req.body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(FaultRule::from_json)
        .and_then(|rule| sim.faults.add(rule));
    match added {
        Ok(installed) => Response::json(201, &installed),
        Err(error) => Response::json(400, &json!({ "error": error })),
    }
}

/// `GET /_sim/faults`: the rules in force, in the order they are tried.
pub fn faults_list(sim: &Sim) -> Response {
    Response::json(200, &sim.faults.list())
}

/// `DELETE /_sim/faults`: drops every rule and ends every hanging request.
pub fn faults_clear(sim: &mut Sim) -> Response {
    Response::json(200, &json!({ "cleared": sim.faults.clear() }))
}

/// A client as the hooks show it: whether it has a secret, never the secret.
pub fn client_json(c: &Client) -> Value {
    json!({
        "client_id": c.id, "redirect_uri": c.redirect_uri, "origin": c.origin,
        "app_id": c.app_id, "confidential": c.is_confidential(),
    })
}

/// The body of `POST /_sim/clients`. Unknown fields are refused, so that a misspelt
/// `secret` cannot register a public client unnoticed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClient {
    #[serde(alias = "client_id")]
    id: String,
    redirect_uri: String,
    #[serde(default, alias = "client_secret")]
    secret: Option<String>,
}

/// `GET /_sim/clients`: the clients in force.
pub fn clients_list(sim: &Sim) -> Response {
    let clients: Vec<Value> = sim.config.clients.iter().map(client_json).collect();
    Response::json(200, &clients)
}

/// `POST /_sim/clients`: registers a client (see [`Sim::register_client`]).
pub fn clients_add(sim: &mut Sim, req: &Request) -> Response {
    let added = serde_json::from_slice::<NewClient>(&req.body)
        .map_err(|e| format!("the body is not a client: {e}"))
        .and_then(|n| sim.register_client(&n.id, &n.redirect_uri, n.secret.as_deref()));
    match added {
        Ok((client, replaced)) => {
            Response::json(if replaced { 200 } else { 201 }, &client_json(&client))
        }
        Err(error) => Response::json(400, &json!({ "error": error })),
    }
}
