//! The session: which tokens this tab holds, what the views show of them, and how a session
//! begins and ends. Views read its signals and call its methods; they never build a request.
//!
//! - Tokens live in memory (signals) and in sessionStorage, so a reload of the tab keeps the
//!   session and closing the tab ends it. Nothing here writes to localStorage.
//! - [`signin`]: how a session begins: Connect, the callback, the code exchange.
//! - [`refresh`]: when and how the access token is renewed (single flight, Web Lock, back-off).
//! - [`tabs`]: what a duplicated tab, which holds the same refresh token, is told.
//! - [`signout`]: forgetting locally first, then revoking.
//! - [`built_in`]: the end of a session of the built-in simulator when iLert's mode is in force.
//! - [`machine`]: every decision of the above, as a pure state machine tested on the host;
//!   [`driver`] and the rest of this folder carry its effects out in the browser.
//! - When a session ends in any way, no token, code or verifier stays in web storage: the
//!   tokens and pending sign-ins are removed and the timeline keeps masked values only.
pub mod machine;
mod notice;

pub use crate::stored::tokens::Tokens;
pub use notice::Notice;

#[cfg(target_arch = "wasm32")]
pub mod built_in;
#[cfg(target_arch = "wasm32")]
mod driver;
#[cfg(target_arch = "wasm32")]
mod refresh;
#[cfg(target_arch = "wasm32")]
pub mod signin;
#[cfg(target_arch = "wasm32")]
mod signout;
#[cfg(target_arch = "wasm32")]
mod tabs;

#[cfg(target_arch = "wasm32")]
pub use driver::{Load, Session};
#[cfg(target_arch = "wasm32")]
pub use refresh::RefreshFuture;
