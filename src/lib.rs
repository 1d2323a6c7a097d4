//! ilert-pkce: an OAuth2 authorization-code + PKCE client of iLert, as a Leptos CSR app.
//!
//! `oauth`, `config`, `json`, `stored` and the playground's record are pure Rust and tested on the host with `cargo test`; everything that
//! touches the browser is compiled for wasm32 only.
pub mod config;
pub mod error;
pub mod json;
pub mod oauth;
pub mod playground;
pub mod route;
pub mod session;
pub mod stored;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod pages;
#[cfg(target_arch = "wasm32")]
pub mod settings;
