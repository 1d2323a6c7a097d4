//! One file per route.
pub mod callback;
pub mod home;
pub mod not_found;
pub mod settings;
