//! The OAuth2 + PKCE protocol, with no web APIs in it.
//!
//! One module per protocol step, in the spirit of panva/oauth4webapi: each function builds
//! one request or validates one answer, and every answer from the server is checked before
//! anything in it is trusted. Errors carry the OAuth error code and the server's own text
//! (see [`Error`]). Nothing here touches the browser, so `cargo test --lib` runs it natively.

pub mod answer;
pub mod api_catalog;
pub mod authorize;
pub mod callback;
pub mod error;
pub mod form;
pub mod jwt;
pub mod pending;
pub mod pkce;
pub mod refresh_policy;
pub mod request;
pub mod scopes;
pub mod secret;
pub mod token;
pub mod user;

pub use error::Error;
pub use secret::Secret;
