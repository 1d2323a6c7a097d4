//! The two error shapes of iLert's API.
//!
//! OAuth endpoints answer `{"code":"invalid_grant","error":"Provided code is unknown"}` (the
//! OAuth code in `code`, the text in `error`: not RFC 6749's shape) and `invalid_grant` comes
//! with 401, not 400. The REST API answers `{"status":401,"message":"…","code":"…"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: &'static str,
    pub message: String,
}

impl OAuthError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        OAuthError {
            code,
            message: message.into(),
        }
    }
    pub fn invalid_request(m: impl Into<String>) -> Self {
        Self::new("invalid_request", m)
    }
    pub fn invalid_grant(m: impl Into<String>) -> Self {
        Self::new("invalid_grant", m)
    }
    pub fn invalid_scope(m: impl Into<String>) -> Self {
        Self::new("invalid_scope", m)
    }
    /// Not in iLert's documented list; RFC 6749 §5.2's answer to an unknown client_id.
    pub fn invalid_client(m: impl Into<String>) -> Self {
        Self::new("invalid_client", m)
    }
    pub fn unsupported_grant_type(m: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", m)
    }

    pub fn status(&self) -> StatusCode {
        match self.code {
            "invalid_grant" | "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "code": self.code, "error": self.message }));
        no_store((self.status(), body).into_response())
    }
}

/// Token answers must not be cached (RFC 6749 §5.1).
pub fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An error of the REST API (`/api/users/current` and the like).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "UNAUTHORIZED",
            message: message.into(),
        }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "FORBIDDEN",
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(
            json!({ "status": self.status.as_u16(), "message": self.message, "code": self.code }),
        );
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: tells a client it may refresh and retry.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ilert\", error=\"invalid_token\""),
            );
        }
        response
    }
}
