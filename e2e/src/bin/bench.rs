//! `cargo xtask bench` runs this: see `e2e::bench`.
//! It checks the flags and passes them in the environment (`e2e::bench::args_from_env`).
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let result = match e2e::bench::args_from_env() {
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
