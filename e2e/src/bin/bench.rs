//! `cargo xtask bench` runs this: see `e2e::bench`.
//! Alone: `cargo run -p e2e --bin bench -- [--runs N] [--out PATH] [--quick]` (after
//! `cargo xtask dist`; `ILERT_PKCE_DIST` and `CHROMEDRIVER` as for the e2e tests).
use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default_out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench/bench.json");
    let result = match e2e::bench::parse_args(&args, &default_out) {
        Ok(args) => e2e::bench::run(args).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
