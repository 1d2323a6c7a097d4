//! `POST token`, `token_info` and `revoke`: the OAuth endpoints an app calls with fetch.

use serde::Serialize;
use serde_json::json;

use crate::errors::{no_store, OAuthError};
use crate::http::{Request, Response};
use crate::jwt::{AccessClaims, RefreshClaims, ISSUER};
use crate::params::{is_form, Params};
use crate::store::CodeUse;
use crate::users::TENANT_ID;
use crate::{pkce, random, scopes, Sim};

/// iLert's token answer; the refresh fields only when `offline_access` was granted.
#[derive(Serialize, Debug)]
pub struct TokenResponse {
    pub token_type: &'static str,
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<u64>,
}

const NOT_FORM: &str = "Content-Type must be application/x-www-form-urlencoded";

pub fn token(sim: &mut Sim, req: &Request, now: u64) -> Response {
    let params = Params::parse(&req.body);
    let result = if is_form(req) {
        exchange(sim, &params, now)
    } else {
        Err(OAuthError::invalid_request(NOT_FORM))
    };
    sim.store.stats.token_requests += 1;
    if result.is_err() {
        sim.store.stats.failed_token_requests += 1;
    }
    let result = result.map(|t| no_store(Response::json(200, &t)));
    answer(sim, "token", req, &params, result, now)
}

/// The answer of a form endpoint, success or OAuth error, logged for `GET /_sim/requests`.
/// The answer is logged with what the client sent, for `GET /_sim/requests`: tests assert on it.
fn answer(
    sim: &mut Sim,
    endpoint: &'static str,
    req: &Request,
    params: &Params,
    result: Result<Response, OAuthError>,
    now: u64,
) -> Response {
    let (response, error) = match result {
        Ok(response) => (response, None),
        Err(e) => (e.response(), Some(e.code)),
    };
    let entry = log_entry(endpoint, req, params, Some(response.status), error, now);
    sim.store.log_request(endpoint, entry);
    response
}

/// One entry of the request log; `status` is `None` when no answer was sent (a fault).
pub(crate) fn log_entry(
    endpoint: &str,
    req: &Request,
    params: &Params,
    status: Option<u16>,
    error: Option<&str>,
    now: u64,
) -> serde_json::Value {
    let form = is_form(req);
    json!({
        "endpoint": endpoint,
        "at_ms": now,
        "content_type": req.header("content-type"),
        "accept": req.header("accept"),
        "origin": req.header("origin"),
        "form": if form { params.to_json() } else { json!({}) },
        "body": if form { None } else { Some(String::from_utf8_lossy(&req.body)) },
        "status": status,
        "error": error,
    })
}

fn exchange(sim: &mut Sim, params: &Params, now: u64) -> Result<TokenResponse, OAuthError> {
    if let Some(dup) = params.duplicate() {
        return Err(OAuthError::invalid_request(dup));
    }
    let get = |name| params.get(name).ok().flatten();
    let grant_type =
        get("grant_type").ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type {grant_type} is not supported"
        )));
    }
    let client_id =
        get("client_id").ok_or_else(|| OAuthError::invalid_request("client_id is required"))?;
    if sim.config.client(client_id).is_none() {
        return Err(OAuthError::invalid_client(format!(
            "Unknown client_id: {client_id}"
        )));
    }
    if grant_type == "authorization_code" {
        code_grant(sim, params, client_id, now)
    } else {
        refresh_grant(sim, params, client_id, now)
    }
}

fn code_grant(
    sim: &mut Sim,
    params: &Params,
    client_id: &str,
    now: u64,
) -> Result<TokenResponse, OAuthError> {
    let get = |name| params.get(name).ok().flatten();
    let code = get("code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let verifier = get("code_verifier")
        .ok_or_else(|| OAuthError::invalid_request("code_verifier is required (PKCE)"))?;
    if !pkce::verifier_is_valid(verifier) {
        return Err(OAuthError::invalid_request(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    let store = &mut sim.store;
    let c = match store.use_code(code) {
        CodeUse::Unknown => return Err(OAuthError::invalid_grant("Provided code is unknown")),
        CodeUse::Replayed(grant) => {
            if let Some(g) = grant {
                store.revoke_grant(g);
            }
            return Err(OAuthError::invalid_grant(
                "Provided code was already used; the tokens issued for it are revoked",
            ));
        }
        CodeUse::Fresh(c) => c,
    };
    if c.expires_ms <= now {
        return Err(OAuthError::invalid_grant("Provided code has expired"));
    }
    if c.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "Provided code was issued to another client",
        ));
    }
    if get("redirect_uri").is_some_and(|r| r != c.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the one used at authorize",
        ));
    }
    if !pkce::matches(verifier, &c.code_challenge) {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    let grant = store.new_grant(code, client_id, &c.username, &c.scope);
    store.stats.authorization_code_grants += 1;
    Ok(issue(sim, grant, &c.scope, now))
}

fn refresh_grant(
    sim: &mut Sim,
    params: &Params,
    client_id: &str,
    now: u64,
) -> Result<TokenResponse, OAuthError> {
    let get = |name| params.get(name).ok().flatten();
    let token = get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let claims = sim.keys.verify_refresh(token, now / 1000).map_err(|why| {
        OAuthError::invalid_grant(format!("Provided refresh token is invalid: {why}"))
    })?;
    let store = &mut sim.store;
    let grant_id = store
        .usable_refresh(&claims.il_k, client_id)
        .map_err(OAuthError::invalid_grant)?
        .grant;
    let grant_scope = store
        .grant(grant_id)
        .map(|g| g.scope.clone())
        .unwrap_or_default();
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    let scope = match get("scope") {
        None => grant_scope,
        Some(s) => {
            let wanted = scopes::parse(s).map_err(OAuthError::invalid_scope)?;
            if let Some(extra) = wanted.iter().find(|w| !scopes::contains(&grant_scope, w)) {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {extra} was not granted"
                )));
            }
            wanted.join(" ")
        }
    };
    // Rotation: the presented refresh token stops working now.
    store.revoke_refresh(&claims.il_k);
    store.stats.refresh_grants += 1;
    Ok(issue(sim, grant_id, &scope, now))
}

/// Mints an access token for `scope`, and a refresh token when the grant holds `offline_access`.
fn issue(sim: &mut Sim, grant_id: u64, scope: &str, now: u64) -> TokenResponse {
    let grant = sim
        .store
        .grant(grant_id)
        .expect("issued for a stored grant")
        .clone();
    let config = &sim.config;
    let app_id = config.client(&grant.client_id).map_or(0, |c| c.app_id);
    let rng = &mut *sim.rng;
    let exp = |ttl: u64| (now + ttl * 1000).div_ceil(1000); // lives at least `ttl` seconds
    let claims = AccessClaims {
        il_n: random::hex::<2>(rng)[..3].to_string(),
        il_a: app_id,
        il_s: scope.to_string(),
        iss: ISSUER.into(),
        il_u: grant.username.clone(),
        il_t: "ACCESS".into(),
        il_v: 1,
        exp: exp(config.access_ttl),
        iat: now / 1000,
        jti: random::hex::<16>(rng),
    };
    sim.store.record_access(&claims.jti, grant_id);
    let access_token = sim.keys.sign_access(&claims);
    let refresh_token = scopes::contains(&grant.scope, scopes::OFFLINE_ACCESS).then(|| {
        let claims = RefreshClaims {
            iss: ISSUER.into(),
            il_t: "OAUTH".into(),
            il_v: 1,
            exp: exp(config.refresh_ttl),
            il_k: random::hex::<16>(rng),
        };
        sim.store
            .add_refresh(&claims.il_k, grant_id, claims.exp, now / 1000);
        sim.keys.sign_refresh(&claims)
    });
    TokenResponse {
        token_type: "Bearer",
        access_token,
        expires_in: config.access_ttl,
        scope: scope.to_string(),
        refresh_token_expires_in: refresh_token.as_ref().map(|_| config.refresh_ttl),
        refresh_token,
    }
}

/// The access token's claims if it is valid now and not revoked.
pub fn active_access(sim: &Sim, token: &str, now: u64) -> Result<AccessClaims, &'static str> {
    let claims = sim.keys.verify_access(token, now / 1000)?;
    if sim.store.access_revoked(&claims.jti) {
        return Err("token has been revoked");
    }
    Ok(claims)
}

pub fn token_info(sim: &mut Sim, req: &Request, now: u64) -> Response {
    let params = Params::parse(&req.body);
    sim.store.stats.token_info_requests += 1;
    let result = (|| {
        if !is_form(req) {
            return Err(OAuthError::invalid_request(NOT_FORM));
        }
        let token = params
            .get("token")
            .map_err(OAuthError::invalid_request)?
            .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
        // Anything but a live access token is inactive, refresh tokens included.
        Ok(match active_access(sim, token, now) {
            Ok(c) => json!({
                "active": true, "tenant_id": TENANT_ID, "username": c.il_u, "scope": c.il_s, "app_id": c.il_a,
            }),
            Err(_) => json!({ "active": false }),
        })
    })();
    let result = result.map(|v| no_store(Response::json(200, &v)));
    answer(sim, "token_info", req, &params, result, now)
}

/// RFC 7009: 200 for any token, known or not. A refresh token dies at once (its access
/// tokens live on until they expire, as when a user revokes an app in iLert); an access
/// token can be revoked on its own.
pub fn revoke(sim: &mut Sim, req: &Request, now: u64) -> Response {
    let params = Params::parse(&req.body);
    sim.store.stats.revocations += 1;
    let result = (|| {
        if !is_form(req) {
            return Err(OAuthError::invalid_request(NOT_FORM));
        }
        let get = |name| params.get(name).map_err(OAuthError::invalid_request);
        let token =
            get("token")?.ok_or_else(|| OAuthError::invalid_request("token is required"))?;
        let client_id = get("client_id")?;
        let now = now / 1000;
        let store = &mut sim.store;
        if let Ok(claims) = sim.keys.verify_refresh(token, now) {
            if let (Some(sent), Some(owner)) = (client_id, store.refresh_client(&claims.il_k)) {
                if sent != owner {
                    return Err(OAuthError::invalid_request(
                        "The token was issued to another client",
                    ));
                }
            }
            store.revoke_refresh(&claims.il_k);
        } else if let Ok(claims) = sim.keys.verify_access(token, now) {
            store.revoke_access(&claims.jti);
        }
        Ok(())
    })();
    let result = result.map(|()| no_store(Response::new(200)));
    answer(sim, "revoke", req, &params, result, now)
}
