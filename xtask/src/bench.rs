//! `cargo xtask bench`: how heavy and how fast the release build is in headless Chromium
//! against ilert-sim, over several runs (each in a fresh Chromium with a fresh profile): the
//! first load's bytes on the wire (brotli 11, as a CDN serves it), the time until Connect can
//! be pressed (loopback and emulated slow 4G), and the time from the sign-in's callback to the
//! profile and token info (ilert-sim at 0 and 50 ms). Prints one table, writes JSON.
//!
//! Beside the app, in the same run and on the same server, a React 19 + oidc-client-ts sign-in
//! page (bench/react-signin/, built here by Vite into target/bench/react-dist/): its first load
//! and its Connect on slow 4G, and the ratio app/React (issue 20).
//!
//! The browser side is the `bench` binary of the e2e crate (`e2e/src/bench/`), so that xtask
//! stays free of WebDriver and tokio. It is built in the dev profile, as the e2e tests are:
//! the workspace's release profile is the wasm's (fat LTO, one codegen unit, panic=abort).
use std::path::{Path, PathBuf};

use crate::cmd::{run as run_cmd, tool};
use crate::hosting::BasePath;
use crate::paths::normalize;
use crate::{dist, paths, setup};

const MIN_RUNS: usize = 7;
/// As `cargo xtask test` runs the e2e suite.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub runs: usize,
    pub quick: bool,
    pub out: PathBuf,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let args = parse(args, &paths::root(), &cwd)?;
    setup::ensure()?;
    println!("\n==> release build (trunk build --release)");
    dist::release_build(&BasePath::root())?;
    println!("\n==> React comparison page (vite build)");
    react_build(&paths::react_dist())?;
    println!("\n==> bench: {} runs in headless Chromium", args.runs);
    // The bench binary reads these (e2e::bench::args_from_env): the flags are checked here only.
    let mut command = tool("cargo");
    command
        .args(["run", "-p", "e2e", "--bin", "bench"])
        .env("ILERT_PKCE_BENCH_RUNS", args.runs.to_string())
        .env("ILERT_PKCE_BENCH_OUT", &args.out)
        .env("ILERT_PKCE_BENCH_QUICK", if args.quick { "1" } else { "0" })
        .env("ILERT_PKCE_DIST", paths::dist_release())
        .env("ILERT_PKCE_BENCH_REACT_DIST", paths::react_dist())
        .env("CHROMEDRIVER", CHROMEDRIVER);
    run_cmd(&mut command)
}

/// The page whose config (bench/react-signin/vite.config.mjs) says how: a minified production
/// build, every file at the top of `out`, which is emptied first.
fn react_build(out: &Path) -> Result<(), String> {
    let config = paths::root().join(REACT_PAGE).join("vite.config.mjs");
    let vite = paths::node_bin().join("vite");
    let mut command = tool(&vite.to_string_lossy());
    command
        .arg("build")
        .arg("--config")
        .arg(&config)
        .arg("--outDir")
        .arg(out)
        .arg("--emptyOutDir");
    run_cmd(&mut command)
}

/// The React comparison page's sources.
pub const REACT_PAGE: &str = "bench/react-signin";

/// `--runs N` (default 7; fewer only with `--quick`), `--quick`, `--out PATH` (default
/// `target/bench/bench.json`; relative to the current directory; inside the project only
/// under `target/`, since a file written elsewhere in it can make `trunk serve` rebuild).
pub fn parse(args: &[String], root: &Path, cwd: &Path) -> Result<Args, String> {
    let mut runs = None;
    let mut quick = false;
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--runs" => {
                let v = value()?;
                runs = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("--runs wants a positive number, not {v:?}"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--quick" => quick = true,
            other => {
                return Err(format!(
                    "bench: unknown flag {other:?} (--runs N, --out PATH, --quick)"
                ))
            }
        }
    }
    let runs = runs.unwrap_or(if quick { 1 } else { MIN_RUNS });
    if runs < MIN_RUNS && !quick {
        return Err(format!(
            "--runs {runs}: a median and spread want at least {MIN_RUNS} runs (--quick allows fewer, for development)"
        ));
    }
    let out = match out {
        None => root.join("target/bench/bench.json"),
        Some(path) => normalize(&cwd.join(path)),
    };
    let root = normalize(root);
    if out.starts_with(&root) && !out.starts_with(root.join("target")) {
        return Err(format!(
            "--out {}: inside the project only under target/ (a file elsewhere in it can make `trunk serve` rebuild)",
            out.display()
        ));
    }
    if out.file_name().is_none() || out == root.join("target") {
        return Err(format!("--out {}: not a file name", out.display()));
    }
    Ok(Args { runs, quick, out })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in(list: &[&str], cwd: &str) -> Result<Args, String> {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        parse(&list, Path::new("/repo"), Path::new(cwd))
    }

    fn parse_(list: &[&str]) -> Result<Args, String> {
        parse_in(list, "/repo")
    }

    #[test]
    fn defaults_are_seven_runs_into_target_bench() {
        assert_eq!(
            parse_(&[]).unwrap(),
            Args {
                runs: 7,
                quick: false,
                out: "/repo/target/bench/bench.json".into()
            }
        );
    }

    #[test]
    fn fewer_than_seven_runs_only_with_quick() {
        assert!(parse_(&["--runs", "6"]).unwrap_err().contains("at least 7"));
        assert_eq!(parse_(&["--runs=12"]).unwrap().runs, 12);
        let quick = parse_(&["--quick", "--runs", "2"]).unwrap();
        assert_eq!((quick.runs, quick.quick), (2, true));
        assert_eq!(parse_(&["--quick"]).unwrap().runs, 1);
        assert!(parse_(&["--runs", "0", "--quick"]).is_err());
        assert!(parse_(&["--runs"]).unwrap_err().contains("needs a value"));
        assert!(parse_(&["--slow"]).unwrap_err().contains("unknown flag"));
    }

    #[test]
    fn out_is_relative_to_the_current_directory_and_outside_the_project_anything_goes() {
        assert_eq!(
            parse_in(&["--out", "b.json"], "/home/me").unwrap().out,
            PathBuf::from("/home/me/b.json")
        );
        assert_eq!(
            parse_in(&["--out=../tmp/./b.json"], "/home/me")
                .unwrap()
                .out,
            PathBuf::from("/home/tmp/b.json")
        );
        assert_eq!(
            parse_in(&["--out", "target/x/b.json"], "/repo")
                .unwrap()
                .out,
            PathBuf::from("/repo/target/x/b.json")
        );
        assert_eq!(
            parse_in(&["--out", "../target/b.json"], "/repo/e2e")
                .unwrap()
                .out,
            PathBuf::from("/repo/target/b.json")
        );
    }

    #[test]
    fn out_never_lands_in_the_project_outside_target() {
        for (out, cwd) in [
            ("bench.json", "/repo"),
            ("src/bench.json", "/repo"),
            ("target/../bench.json", "/repo"),
            ("/repo/public/b.json", "/"),
            ("../b.json", "/repo/src"),
            ("target", "/repo"),
        ] {
            assert!(parse_in(&["--out", out], cwd).is_err(), "{out} from {cwd}");
        }
    }
}
