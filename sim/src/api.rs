//! The REST API part: `GET /api/users/current`, and a 404 in iLert's shape for the rest.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::Value;

use crate::errors::ApiError;
use crate::jwt::AccessClaims;
use crate::token::active_access;
use crate::{scopes, users, AppState};

/// The caller's access token from `Authorization: Bearer <token>` (RFC 6750 §2.1: the
/// scheme is case-insensitive, but it must be there: a bare token is refused).
fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<AccessClaims, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("Missing Authorization header"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("Malformed Authorization header"))?;
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
    active_access(app, token)
        .map_err(|why| ApiError::unauthorized(format!("Invalid access token: {why}")))
}

pub async fn current_user(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    app.store().stats.user_requests += 1;
    let claims = authenticate(&app, &headers)?;
    if !scopes::contains(&claims.il_s, scopes::PROFILE) {
        return Err(ApiError::forbidden(
            "The access token lacks the scope profile",
        ));
    }
    let user = users::by_username(&claims.il_u)
        .ok_or_else(|| ApiError::unauthorized("The token's user does not exist"))?;
    Ok(Json(user.json.clone()))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("This endpoint is not simulated by ilert-sim")
}
