//! The playground, one feature: what the app shows of its own session so a person learns
//! what PKCE does. The flow timeline's record of every step ([`timeline`], kept in this tab's
//! sessionStorage as [`entries`]), the scrubbing of its secrets when the session ends
//! ([`masking`]), Copy as curl ([`curl`]), the explanations beside each step ([`explain`]),
//! and the views: the timeline, the JWT inspector, "What happens when you connect".
//!
//! Nothing of the sign-in depends on it but the record calls (`timeline::note`, `request`,
//! `answer`); `oauth/` imports nothing from here. `entries`, `masking`, `curl` and `explain`
//! are pure Rust, tested on the host.
pub mod curl;
pub mod entries;
pub mod explain;
pub mod masking;

#[cfg(target_arch = "wasm32")]
pub mod jwt_inspector;
#[cfg(target_arch = "wasm32")]
pub mod request_summary;
#[cfg(target_arch = "wasm32")]
pub mod timeline;
#[cfg(target_arch = "wasm32")]
pub mod timeline_view;
