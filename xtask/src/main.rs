//! `cargo xtask …`: the project's tools, written in Rust so that a fresh clone needs nothing
//! but cargo.
//!
//! - `setup`: install what is missing (Chromium + driver, nginx, trunk, wasm-bindgen-cli,
//!   wasm-opt).
//! - `demo`: ilert-sim on 127.0.0.1:4598 and `trunk serve` on localhost:4597.
//! - `test`: every suite, from host unit tests to the e2e run in Chromium.
//! - `dist` (or `size`): the release build in dist-release/ for a base path, with a constant
//!   CSP, host files and precompressed copies; its first-load size.
//! - `deploy-files`: deploy/nginx.conf and deploy/Caddyfile from the generators.
//! - `bench`: first-load bytes and timings of the release build in headless Chromium.
//!
//! The hosting configs (and the CSP they send) and the first-load budget are the library's
//! (lib.rs), for the e2e suite.
mod bench;
mod cmd;
mod demo;
mod dist;
#[cfg(test)]
mod layout;
mod minify;
mod names;
mod paths;
mod setup;
mod sim_sw;
mod size;
mod split;
mod test;

use xtask::{csp, hosting};

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::ensure(),
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("size") | Some("dist") => dist::run(&args[1..]),
        Some("deploy-files") => dist::write_deploy_files(),
        Some("bench") => bench::run(&args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <command>\n\n\
         setup   install what is missing: Chromium + chromedriver, nginx (apt; its service\n        \
         stays off), trunk 0.21.14, wasm-bindgen-cli (= Cargo.lock), wasm-opt (npm\n        \
         binaryen 132), the wasm32 target\n\
         demo    run ilert-sim on 127.0.0.1:4598 and the app on http://localhost:4597\n\
         test    run every suite (host, simulator, wasm in Chromium, release build, e2e)\n        \
         flags: --skip-e2e, --skip-wasm\n\
         dist    build the release app into dist-release/ with deploy/config.json: a CSP whose\n        \
         connect-src is its allowed_origins, _headers, _redirects, 404.html, .br and .gz\n        \
         copies; print the first-load size; write nginx and Caddy configs for it to\n        \
         target/deploy/\n        \
         flags: --base-path /x/ (default /: the URL path the app is served under),\n        \
         --out DIR (default dist-release/; else only under target/, e.g. target/dist-sub),\n        \
         --config FILE (default deploy/config.json)\n\
         size    the same as dist\n\
         deploy-files  rewrite deploy/nginx.conf and deploy/Caddyfile (base path /, the CSP\n        \
         of deploy/config.json)\n\
         bench   the release build in headless Chromium against ilert-sim, median/min/max of\n        \
         7+ runs (a fresh Chromium each): first-load bytes (brotli 11), time to Connect\n        \
         (loopback, slow 4G), callback to profile + token info (API latency 0 and 50 ms)\n        \
         flags: --runs N (at least 7), --out PATH (default target/bench/bench.json),\n        \
         --quick (fewer runs, no warm-up: for development)"
    );
}
