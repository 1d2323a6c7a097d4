//! The part of xtask other crates use: the e2e suite serves the release build with a real
//! nginx configured by [`hosting`], the same generator `cargo xtask dist` and deploy/ use,
//! and checks what a page fetches against [`budget`].
//! Pure text, no I/O and no process: the `cargo xtask` commands are the binary's (main.rs).
pub mod budget;
pub mod csp;
pub mod hosting;
