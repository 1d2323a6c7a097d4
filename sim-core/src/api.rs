//! The REST API part: `GET /api/users/current`, and a 404 in iLert's shape for the rest.

use crate::errors::ApiError;
use crate::http::{valid_value, Request, Response};
use crate::jwt::AccessClaims;
use crate::token::active_access;
use crate::{scopes, users, Sim};

/// The caller's access token from `Authorization: Bearer <token>` (RFC 6750 §2.1: the
/// scheme is case-insensitive, but it must be there: a bare token is refused).
pub(crate) fn authenticate(sim: &Sim, req: &Request, now: u64) -> Result<AccessClaims, ApiError> {
    let value = req
        .header("authorization")
        .ok_or_else(|| ApiError::unauthorized("Missing Authorization header"))?;
    if !valid_value(value) {
        return Err(ApiError::unauthorized("Malformed Authorization header"));
    }
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty() => {
            token
        }
        _ => {
            return Err(ApiError::unauthorized(
                "Authorization header must be 'Bearer <access token>'",
            ))
        }
    };
    active_access(sim, token, now)
        .map_err(|why| ApiError::unauthorized(format!("Invalid access token: {why}")))
}

pub fn current_user(sim: &mut Sim, req: &Request, now: u64) -> Response {
    sim.store.stats.user_requests += 1;
    match user_of(sim, req, now) {
        Ok(json) => Response::json(200, json),
        Err(e) => e.response(),
    }
}

fn user_of(sim: &Sim, req: &Request, now: u64) -> Result<&'static serde_json::Value, ApiError> {
    let claims = authenticate(sim, req, now)?;
    if !scopes::allows_profile(&claims.il_s) {
        return Err(ApiError::scope_missing(scopes::PROFILE.into()));
    }
    let user = users::by_username(&claims.il_u)
        .ok_or_else(|| ApiError::unauthorized("The token's user does not exist"))?;
    Ok(&user.json)
}

pub fn not_found() -> Response {
    ApiError::not_found("This endpoint is not simulated by ilert-sim").response()
}
