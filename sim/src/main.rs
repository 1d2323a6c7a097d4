//! `ilert-sim [--port N] [--access-ttl S] [--refresh-ttl S] [--code-ttl S] [--latency-ms MS]
//! [--client ID=REDIRECT_URI]… [--client-secret ID=SECRET]… [--fault JSON]… [--quiet]`: see
//! `ilert-sim --help`.

use ilert_sim::cli::{ArgsError, Options, USAGE};
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Options {
        port,
        quiet,
        sim: config,
    } = match Options::from_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(ArgsError::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("ilert-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ilert-sim: cannot bind 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    for c in &config.clients {
        // Whether it has a secret, never the secret.
        let kind = if c.is_confidential() {
            " (confidential, with a secret)"
        } else {
            " (public, PKCE)"
        };
        eprintln!("ilert-sim: client {} -> {}{kind}", c.id, c.redirect_uri);
    }
    // Tests and xtask wait for exactly this line on stdout.
    println!("ilert-sim listening on http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = ilert_sim::serve_until(listener, config, !quiet, shutdown).await {
        eprintln!("ilert-sim: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
