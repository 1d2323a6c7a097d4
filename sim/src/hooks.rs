//! SIMULATOR-ONLY test hooks under `/_sim/`: no iLert server has them. The browser end-to-end
//! tests read what the app sent and count calls through them, and make the server fail.
//!
//! - `GET /_sim/stats`: the counters, `received` / `received_by_grant` / `faulted` included
//! - `GET /_sim/requests[?endpoint=token|token_info|revoke]`: the request log
//! - `GET /_sim/config`: the settings in force
//! - `POST /_sim/reset`: zeroes the counters, empties the request log
//! - `POST /_sim/revoke_refresh_tokens`, `POST /_sim/revoke_access_tokens`
//! - `POST /_sim/faults` (a JSON rule: 201 and the rule as installed, or 400 and
//!   `{"error": …}`), `GET /_sim/faults` (the rules in force, in matching order, each with
//!   `id`, `remaining` and `applied`), `DELETE /_sim/faults` (drops them all and ends every
//!   hanging request: `{"cleared": n}`). The rules are described in [`crate::faults`].

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::{FaultRule, Installed};
use crate::AppState;

/// `GET /_sim/stats`: the counters.
pub async fn stats(State(app): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(&app.store().stats).expect("stats serialize"))
}

#[derive(Deserialize)]
pub struct Which {
    endpoint: Option<String>,
}

/// `GET /_sim/requests[?endpoint=token|token_info|revoke]`: the last 50 requests of that
/// endpoint (default `token`), oldest first, with headers and form fields.
pub async fn requests(State(app): State<AppState>, Query(which): Query<Which>) -> Json<Value> {
    let endpoint = which.endpoint.as_deref().unwrap_or("token");
    Json(Value::Array(app.store().requests(endpoint)))
}

/// `POST /_sim/reset`: zeroes the counters and empties the request log (tokens stay valid).
pub async fn reset(State(app): State<AppState>) -> Json<Value> {
    app.store().reset_observations();
    Json(json!({ "reset": true }))
}

/// `POST /_sim/revoke_refresh_tokens`: what a user revoking the app in iLert's UI does:
/// every refresh token dies, access tokens keep working until they expire.
pub async fn revoke_refresh_tokens(State(app): State<AppState>) -> Json<Value> {
    Json(json!({ "revoked": app.store().revoke_all_refresh() }))
}

/// `POST /_sim/revoke_access_tokens`: every access token issued so far is refused from now
/// on, so a test can make the API answer 401 without waiting for expiry.
pub async fn revoke_access_tokens(State(app): State<AppState>) -> Json<Value> {
    Json(json!({ "revoked": app.store().revoke_all_access() }))
}

/// `GET /_sim/config`: the settings in force.
pub async fn config(State(app): State<AppState>) -> Json<Value> {
    let c = &app.config;
    let clients: Vec<Value> = c
        .clients
        .iter()
        .map(|cl| json!({ "client_id": cl.id, "redirect_uri": cl.redirect_uri, "origin": cl.origin, "app_id": cl.app_id }))
        .collect();
    Json(json!({
        "access_ttl": c.access_ttl, "refresh_ttl": c.refresh_ttl, "code_ttl": c.code_ttl,
        "latency_ms": c.latency_ms, "clients": clients,
    }))
}

/// `POST /_sim/faults`: adds a fault rule, tried after those already there.
pub async fn faults_add(State(app): State<AppState>, body: Bytes) -> Response {
    let added = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(FaultRule::from_json)
        .and_then(|rule| app.faults.add(rule));
    match added {
        Ok(installed) => (StatusCode::CREATED, Json(installed)).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response(),
    }
}

/// `GET /_sim/faults`: the rules in force, in the order they are tried.
pub async fn faults_list(State(app): State<AppState>) -> Json<Vec<Installed>> {
    Json(app.faults.list())
}

/// `DELETE /_sim/faults`: drops every rule and ends every hanging request.
pub async fn faults_clear(State(app): State<AppState>) -> Json<Value> {
    Json(json!({ "cleared": app.faults.clear() }))
}
