//! `GET/POST /api/developers/oauth2/authorize`: the browser-facing half of the flow.
//!
//! The request is checked in RFC 6749 §4.1.2.1's order: first whether it can be trusted to
//! come from a registered client (if not, an error page and no redirect, so the endpoint is
//! no open redirector), then everything else, whose errors go back to the client.

use crate::config::{Client, SimConfig};
use crate::http::{Request, Response};
use crate::params::{is_form, Params};
use crate::store::{Code, Pending};
use crate::{pages, pkce, random, scopes, users, Sim};

const ONLY_S256: &str = "only PKCE with code_challenge_method=S256 is allowed";

/// An error that is sent back to the client's redirect URI.
struct Bounce {
    error: &'static str,
    description: String,
}

fn bounce(error: &'static str, description: impl Into<String>) -> Bounce {
    Bounce {
        error,
        description: description.into(),
    }
}

pub fn authorize_get(sim: &mut Sim, req: &Request, now: u64) -> Response {
    sim.store.stats.authorize_requests += 1;
    let params = Params::parse(req.query.as_bytes());
    let client = match trusted_client(&sim.config, &params) {
        Ok(c) => c,
        Err(message) => return pages::error_page(&message),
    };
    // A duplicated state cannot be echoed faithfully: leave it out of that error.
    let state = params.get("state").ok().flatten();
    match check_request(&params, &client) {
        Ok((scope, code_challenge)) => {
            let pending = Pending {
                client_id: client.id.clone(),
                redirect_uri: client.redirect_uri.clone(),
                scope: scope.clone(),
                state: state.map(String::from),
                code_challenge,
                created_ms: now,
            };
            let request_id = random::hex::<16>(&mut *sim.rng);
            sim.store.add_pending(request_id.clone(), pending, now);
            pages::consent_page(&client, &scope, &request_id, &sim.config.mount)
        }
        Err(b) => {
            let mut q = vec![
                ("error", b.error),
                ("error_description", b.description.as_str()),
            ];
            q.extend(state.map(|s| ("state", s)));
            pages::redirect(302, &client.redirect_uri, &q)
        }
    }
}

/// The registered client, if `client_id` and `redirect_uri` both match one exactly.
fn trusted_client(config: &SimConfig, params: &Params) -> Result<Client, String> {
    let client_id = params.get("client_id")?.ok_or("client_id is missing")?;
    let client = config
        .client(client_id)
        .ok_or_else(|| format!("Unknown client_id: {client_id}"))?;
    let redirect_uri = params
        .get("redirect_uri")?
        .ok_or("redirect_uri is missing")?;
    if redirect_uri != client.redirect_uri {
        return Err(format!(
            "redirect_uri {redirect_uri} does not match the redirect URI registered for {client_id}"
        ));
    }
    Ok(client.clone())
}

/// Checks the rest of the request; gives the normalised scope and the code challenge (none
/// only for a confidential client that sent none: its secret proves it at the token
/// endpoint, and iLert calls PKCE optional but suggested there).
fn check_request(params: &Params, client: &Client) -> Result<(String, Option<String>), Bounce> {
    if let Some(dup) = params.duplicate() {
        return Err(bounce("invalid_request", dup));
    }
    let get = |name| params.get(name).ok().flatten();
    match get("response_type") {
        None => return Err(bounce("invalid_request", "response_type is required")),
        Some("code") => {}
        Some(other) => {
            return Err(bounce(
                "unsupported_response_type",
                format!("response_type {other} is not supported; use code"),
            ))
        }
    }
    let scope = || {
        scopes::parse(get("scope").unwrap_or(""))
            .map(|s| s.join(" "))
            .map_err(|e| bounce("invalid_scope", e))
    };
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), _) => c,
        (None, None) if client.is_confidential() => return Ok((scope()?, None)),
        (None, Some(_)) if client.is_confidential() => {
            return Err(bounce(
                "invalid_request",
                "code_challenge_method was sent without code_challenge",
            ))
        }
        (None, _) => {
            return Err(bounce(
                "invalid_request",
                format!("code_challenge is required for a public client: {ONLY_S256}"),
            ))
        }
    };
    match get("code_challenge_method") {
        Some("S256") => {}
        None => {
            return Err(bounce(
                "invalid_request",
                format!("code_challenge_method is required: {ONLY_S256}"),
            ))
        }
        Some(other) => {
            return Err(bounce(
                "invalid_request",
                format!("code_challenge_method {other} is not supported: {ONLY_S256}"),
            ))
        }
    }
    if !pkce::challenge_is_valid(challenge) {
        return Err(bounce(
            "invalid_request",
            "code_challenge must be the base64url (no padding) SHA-256 of the verifier: 43 characters",
        ));
    }
    Ok((scope()?, Some(challenge.to_string())))
}

/// The consent form's answer: a code, or `access_denied`, back to the client.
pub fn authorize_post(sim: &mut Sim, req: &Request, now: u64) -> Response {
    if !is_form(req) {
        return pages::error_page(
            "The consent form must be posted as application/x-www-form-urlencoded.",
        );
    }
    let params = Params::parse(&req.body);
    let get = |name| params.get(name).ok().flatten();
    let Some(pending) = get("request_id")
        .and_then(|id| sim.store.pending(id, now))
        .cloned()
    else {
        return pages::error_page(
            "This authorization request is unknown, expired or was already answered. Start again from the app.",
        );
    };
    let decision = get("decision");
    let user = get("user").and_then(users::by_username);
    let state = pending.state.as_deref();
    let response = match (decision, user) {
        (Some("grant"), Some(user)) => {
            let code = random::token(&mut *sim.rng);
            sim.store.add_code(
                &code,
                Code {
                    client_id: pending.client_id.clone(),
                    redirect_uri: pending.redirect_uri.clone(),
                    username: user.username.to_string(),
                    scope: pending.scope.clone(),
                    code_challenge: pending.code_challenge.clone(),
                    expires_ms: now + sim.config.code_ttl * 1000,
                    used: false,
                    grant: None,
                },
            );
            let mut q = vec![("code", code.as_str())];
            q.extend(state.map(|s| ("state", s)));
            pages::redirect(303, &pending.redirect_uri, &q)
        }
        (Some("grant"), None) => return pages::error_page("Choose one of the demo users."),
        (Some("deny"), _) => {
            let mut q = vec![
                ("error", "access_denied"),
                ("error_description", "The user denied access to the app"),
            ];
            q.extend(state.map(|s| ("state", s)));
            pages::redirect(303, &pending.redirect_uri, &q)
        }
        _ => return pages::error_page("The answer must be Grant access or Deny."),
    };
    // Answered: the same consent form cannot be posted again.
    sim.store
        .take_pending(get("request_id").unwrap_or_default());
    sim.store.stats.consent_answers += 1;
    response
}
