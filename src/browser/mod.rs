//! The only place that touches web APIs. Each file is one capability, kept thin: the decisions
//! live in `crate::oauth` and `crate::session`.
pub mod broadcast;
pub mod clipboard;
pub mod clock;
pub mod config_file;
pub mod gloo_error;
pub mod history;
pub mod http;
pub mod locks;
pub mod nav;
pub mod random;
pub mod seal;
pub mod sim_worker;
pub mod storage;
pub mod wake;
