//! What the app keeps in web storage or sends to its other tabs, as JSON: each type with its
//! hand-written conversion. The field names and shapes are those the app has always written
//! (data of a tab opened before an update stays readable), and the e2e tests read them.
//! Pure Rust, so `cargo test` checks every shape on the host.
pub mod tab_message;
pub mod tokens;
