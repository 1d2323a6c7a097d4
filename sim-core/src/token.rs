//! `POST token`, `token_info` and `revoke`: the OAuth endpoints an app calls with fetch.

use serde::Serialize;
use serde_json::json;

use crate::client_auth::{self, Credentials};
use crate::config::{Client, SimConfig};
use crate::errors::{no_store, OAuthError};
use crate::http::{Request, Response};
use crate::jwt::{AccessClaims, RefreshClaims, ISSUER};
use crate::params::{is_form, Params};
use crate::store::CodeUse;
use crate::users::TENANT_ID;
use crate::{mask, pkce, random, scopes, Sim};

/// iLert's token answer; the refresh fields only when `offline_access` was granted or the
/// client is confidential.
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
        exchange(sim, req, &params, now)
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
        Err(e) => {
            let mut response = e.response();
            client_auth::challenge(req, &e, &mut response);
            (response, Some(e.code))
        }
    };
    let entry = log_entry(
        &sim.config,
        endpoint,
        req,
        params,
        Some(response.status),
        error,
        now,
    );
    sim.store.log_request(endpoint, entry);
    response
}

/// One entry of the request log; `status` is `None` when no answer was sent (a fault).
/// Secrets never enter it (it is served by `/_sim/requests` and kept in snapshots): codes,
/// verifiers and tokens are [`mask::masked`], client secrets and HTTP Basic credentials
/// replaced by [`MASK`]; see [`masked_form`], [`masked_body`].
pub(crate) fn log_entry(
    config: &SimConfig,
    endpoint: &str,
    req: &Request,
    params: &Params,
    status: Option<u16>,
    error: Option<&str>,
    now: u64,
) -> serde_json::Value {
    let form = is_form(req);
    let authorization = req.header("authorization").map(|v| {
        let (scheme, credentials) = v.trim().split_once(' ').unwrap_or((v.trim(), ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            format!("{scheme} {}", mask::masked(credentials.trim()))
        } else {
            format!("{scheme} {MASK}")
        }
    });
    json!({
        "endpoint": endpoint,
        "at_ms": now,
        "content_type": req.header("content-type"),
        "accept": req.header("accept"),
        "origin": req.header("origin"),
        "authorization": authorization,
        "form": if form { masked_form(config, params.to_json()) } else { json!({}) },
        "body": if form { None } else { Some(masked_body(config, &req.body)) },
        "status": status,
        "error": error,
    })
}

pub use crate::mask::MASK;

/// The fields whose values work as credentials: the log shows them [`mask::masked`].
const SECRET_FIELDS: &[&str] = &[
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "token",
    "id_token",
    "password",
];

/// The fields of a form (or a JSON object body) for the log: a client secret (any field
/// named `…secret…`, right or wrong: a wrong one may be another environment's real one)
/// and any value that is a registered secret become [`MASK`]; codes, verifiers and tokens
/// ([`SECRET_FIELDS`]) their [`mask::masked`] form.
fn masked_form(config: &SimConfig, mut form: serde_json::Value) -> serde_json::Value {
    if let Some(fields) = form.as_object_mut() {
        for (name, value) in fields.iter_mut() {
            let lower = name.to_ascii_lowercase();
            let Some(text) = value.as_str() else {
                continue;
            };
            if lower.contains("secret") || is_secret(config, text) {
                *value = MASK.into();
            } else if SECRET_FIELDS.contains(&lower.as_str()) {
                *value = mask::masked(text).into();
            }
        }
    }
    form
}

/// A body that is not a form (logged to show what was sent instead): a JSON object with
/// its fields masked as a form's; anything else withheld, but for its size and fingerprint.
fn masked_body(config: &SimConfig, body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ serde_json::Value::Object(_)) => masked_form(config, v).to_string(),
        _ if body.is_empty() => String::new(),
        _ => format!(
            "{} ({} bytes that are not a JSON object)",
            mask::masked(&String::from_utf8_lossy(body)),
            body.len()
        ),
    }
}

fn is_secret(config: &SimConfig, text: &str) -> bool {
    config
        .clients
        .iter()
        .filter_map(|c| c.secret.as_ref())
        .any(|s| s.matches(text))
}

fn exchange(
    sim: &mut Sim,
    req: &Request,
    params: &Params,
    now: u64,
) -> Result<TokenResponse, OAuthError> {
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
    let creds = client_auth::credentials(req, params)?;
    let client_id = creds
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("client_id is required"))?;
    let client = sim
        .config
        .client(client_id)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_client(format!("Unknown client_id: {client_id}")))?;
    // iLert's PKCE guide: "the client secret can be omitted by relying on PKCE". A
    // confidential client that sends no secret is its own public half: the exchange of a
    // code issued for a challenge, with a verifier, and the refreshes of a grant begun that
    // way go through on PKCE alone (and bring a refresh token only with offline_access, as
    // for a public client). A secret that is sent must still be right.
    let pkce_only = client.is_confidential()
        && !creds.tried()
        && if grant_type == "authorization_code" {
            get("code_verifier").is_some()
                && get("code").is_some_and(|c| sim.store.fresh_code_has_challenge(c))
        } else {
            // A token of a grant begun with the secret needs it; one this simulator no
            // longer knows (revoked, rotated) goes on to be refused as invalid_grant, as a
            // public client's would be.
            get("refresh_token")
                .and_then(|t| sim.keys.verify_refresh(t, now / 1000).ok())
                .is_some_and(|claims| sim.store.refresh_pkce_only(&claims.il_k) != Some(false))
        };
    // Before the code or refresh token is looked at: a failed authentication spends nothing.
    if !pkce_only {
        client_auth::authenticate(&client, creds.secret.as_deref())?;
    }
    if grant_type == "authorization_code" {
        code_grant(sim, params, &client, pkce_only, now)
    } else {
        refresh_grant(sim, params, &client.id, now)
    }
}

fn code_grant(
    sim: &mut Sim,
    params: &Params,
    client: &Client,
    pkce_only: bool,
    now: u64,
) -> Result<TokenResponse, OAuthError> {
    let client_id = client.id.as_str();
    let get = |name| params.get(name).ok().flatten();
    let code = get("code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    // A public client proves itself with PKCE alone; a confidential one did with its secret.
    let verifier = get("code_verifier");
    if verifier.is_none() && !client.is_confidential() {
        return Err(OAuthError::invalid_request(
            "code_verifier is required (PKCE)",
        ));
    }
    if verifier.is_some_and(|v| !pkce::verifier_is_valid(v)) {
        return Err(OAuthError::invalid_request(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    let store = &mut sim.store;
    // A code issued with a challenge always needs the verifier, secret or not (RFC 9700
    // §2.1.1); refused before the code is spent, like a public client's missing verifier.
    if verifier.is_none() && store.fresh_code_has_challenge(code) {
        return Err(OAuthError::invalid_request(
            "code_verifier is required: the code was issued for a code_challenge",
        ));
    }
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
    match (verifier, &c.code_challenge) {
        (Some(v), Some(challenge)) if !pkce::matches(v, challenge) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier does not match the code_challenge",
            ))
        }
        // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is refused (a
        // PKCE downgrade).
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier was sent, but the code was issued without a code_challenge",
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier is required: the code was issued for a code_challenge",
            ))
        }
        _ => {}
    }
    let grant = store.new_grant(code, client_id, &c.username, &c.scope, pkce_only);
    store.stats.authorization_code_grants += 1;
    Ok(issue(sim, grant, &c.scope, true, now))
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
    store.stats.refresh_grants += 1;
    if !sim.config.rotate_refresh {
        // No rotation: the presented refresh token goes on working, and the answer brings
        // none (a client keeps the one it has).
        return Ok(issue(sim, grant_id, &scope, false, now));
    }
    // Rotation: the presented refresh token stops working now.
    store.revoke_refresh(&claims.il_k);
    Ok(issue(sim, grant_id, &scope, true, now))
}

/// Mints an access token for `scope`, and (if `new_refresh`) a refresh token when the grant
/// holds `offline_access` or its client is confidential (iLert: only PKCE-only clients need
/// that scope for one).
fn issue(sim: &mut Sim, grant_id: u64, scope: &str, new_refresh: bool, now: u64) -> TokenResponse {
    let grant = sim
        .store
        .grant(grant_id)
        .expect("issued for a stored grant")
        .clone();
    let config = &sim.config;
    let client = config.client(&grant.client_id);
    let app_id = client.map_or(0, |c| c.app_id);
    let offline = new_refresh
        && (scopes::contains(&grant.scope, scopes::OFFLINE_ACCESS)
            || (client.is_some_and(Client::is_confidential) && !grant.pkce_only));
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
    sim.store.record_access(&claims.jti, grant_id, claims.exp);
    let access_token = sim.keys.sign_access(&claims);
    let refresh_token = offline.then(|| {
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
        // No client authentication needed (iLert documents `token` alone, and the answer
        // tells no more than the API tells the token's bearer), but credentials that are
        // sent must be right.
        client_auth::authenticated(&sim.config, &client_auth::credentials(req, &params)?)?;
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
/// token can be revoked on its own. Credentials that are sent must be right, and a
/// confidential client's token needs them (RFC 7009 §2.1); a `client_id` that is sent must
/// be the token's client.
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
        let creds = client_auth::credentials(req, &params)?;
        let authenticated = client_auth::authenticated(&sim.config, &creds)?.is_some();
        let now = now / 1000;
        let store = &mut sim.store;
        let target = if let Ok(claims) = sim.keys.verify_refresh(token, now) {
            let owner = store.refresh_client(&claims.il_k).map(String::from);
            let pkce_only = store.refresh_pkce_only(&claims.il_k) == Some(true);
            owner.map(|o| (o, pkce_only, Revoke::Refresh(claims.il_k)))
        } else if let Ok(claims) = sim.keys.verify_access(token, now) {
            let owner = store.access_client(&claims.jti).map(String::from);
            let pkce_only = store.access_pkce_only(&claims.jti) == Some(true);
            owner.map(|o| (o, pkce_only, Revoke::Access(claims.jti)))
        } else {
            None
        };
        // A token this simulator never issued (or no longer knows) is simply not revoked.
        let Some((owner, pkce_only, target)) = target else {
            return Ok(());
        };
        // A grant begun on PKCE alone is revoked like a public client's: no secret needed.
        check_revoker(&sim.config, &creds, authenticated || pkce_only, &owner)?;
        match target {
            Revoke::Refresh(key) => store.revoke_refresh(&key),
            Revoke::Access(jti) => store.revoke_access(&jti),
        }
        Ok(())
    })();
    let result = result.map(|()| no_store(Response::new(200)));
    answer(sim, "revoke", req, &params, result, now)
}

enum Revoke {
    Refresh(String),
    Access(String),
}

/// Whether the sender of a revocation may revoke a token of client `owner`.
fn check_revoker(
    config: &SimConfig,
    creds: &Credentials,
    authenticated: bool,
    owner: &str,
) -> Result<(), OAuthError> {
    if creds.client_id.as_deref().is_some_and(|sent| sent != owner) {
        return Err(OAuthError::invalid_request(
            "The token was issued to another client",
        ));
    }
    let confidential = config.client(owner).is_some_and(Client::is_confidential);
    if confidential && !authenticated {
        return Err(OAuthError::invalid_client(format!(
            "Client authentication failed: the token belongs to the confidential client {owner}; send its client_id and client_secret (form fields or HTTP Basic) to revoke it"
        )));
    }
    Ok(())
}
