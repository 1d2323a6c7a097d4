//! The two error shapes of iLert's API.
//!
//! OAuth endpoints answer `{"code":"invalid_grant","error":"Provided code is unknown"}` (the
//! OAuth code in `code`, the text in `error`: not RFC 6749's shape) and `invalid_grant` comes
//! with 401, not 400. The REST API answers `{"status":401,"message":"…","code":"…"}`.

use serde_json::json;

use crate::http::Response;

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

    pub fn status(&self) -> u16 {
        match self.code {
            "invalid_grant" | "invalid_client" => 401,
            "server_error" => 500,
            _ => 400,
        }
    }

    pub fn response(&self) -> Response {
        let body = json!({ "code": self.code, "error": self.message });
        no_store(Response::json(self.status(), &body))
    }
}

/// Token answers must not be cached (RFC 6749 §5.1).
pub fn no_store(mut response: Response) -> Response {
    response.set_header("cache-control", "no-store");
    response.set_header("pragma", "no-cache");
    response
}

/// An error of the REST API (`/api/users/current` and the like).
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// The scope a 403 `OAUTH2_SCOPE_ERROR` says is missing (iLert adds it as `scope`).
    pub scope: Option<String>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            scope: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "UNAUTHORIZED", message)
    }
    /// The token is valid but lacks `scope` (e.g. `source:w`) for this call.
    pub fn scope_missing(scope: String) -> Self {
        ApiError {
            scope: Some(scope.clone()),
            ..Self::new(
                403,
                "OAUTH2_SCOPE_ERROR",
                format!("The access token lacks the scope {scope} for this request"),
            )
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }
    /// A body or parameter the API cannot take.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BAD_REQUEST", message)
    }
    /// A method the path does not answer.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "METHOD_NOT_ALLOWED", message)
    }

    pub fn response(&self) -> Response {
        let mut body = json!({ "status": self.status, "message": self.message, "code": self.code });
        if let Some(scope) = &self.scope {
            body["scope"] = json!(scope);
        }
        let mut response = Response::json(self.status, &body);
        if self.status == 401 {
            // RFC 6750 §3: tells a client it may refresh and retry.
            response.set_header(
                "www-authenticate",
                "Bearer realm=\"ilert\", error=\"invalid_token\"",
            );
        }
        response
    }
}
