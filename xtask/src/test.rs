//! `cargo xtask test`: every suite, in the order a failure is cheapest to find.
//! CI (`.ci/run`) calls exactly this.
use std::time::Instant;

use crate::cmd::{self, run_tests, tool, Counts};
use crate::hosting::BasePath;
use crate::{dist, paths, setup, size};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The engines other than Chromium that tests/engines.rs runs in (`ILERT_PKCE_ENGINE`).
#[derive(Clone, Copy)]
enum Engine {
    Firefox,
    WebKit,
}

impl Engine {
    fn title(self) -> &'static str {
        match self {
            Engine::Firefox => "Firefox ESR",
            Engine::WebKit => "WebKitGTK",
        }
    }

    fn env(self) -> &'static str {
        match self {
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }
}

/// The e2e files `cargo xtask test` runs in Firefox and WebKit too (all of them run in
/// Chromium).
const ENGINE_FILES: [&str; 7] = [
    "engines",
    "tabs",
    "locks",
    "tab_channel",
    "lazy_parts",
    "builtin_exit",
    "harness",
];

/// `cargo test -p e2e --test <each of ENGINE_FILES>` in `engine`; WebKit's MiniBrowser,
/// which has no headless mode, under one Xvfb display for the whole run (`xvfb-run`).
fn engine_tests(engine: Engine, sub_path: &std::path::Path) -> std::process::Command {
    // The files that need no DevTools: duplicated tabs, locks, the tab channel, the parts
    // loaded on demand, leaving built-in mode, and harness.rs (a failed test leaves none of
    // this engine's processes behind either).
    let mut cargo = vec!["cargo", "test", "-p", "e2e"];
    for file in ENGINE_FILES {
        cargo.extend(["--test", file]);
    }
    cargo.push("--");
    // Three at a time: Firefox and WebKit take more of a 2-core machine than Chromium.
    let threads = "--test-threads=3";
    let mut command = match engine {
        Engine::Firefox => {
            let mut c = tool("cargo");
            c.args(&cargo[1..]).arg(threads);
            c
        }
        Engine::WebKit => {
            let mut c = tool(setup::XVFB_RUN);
            c.args(["-a", "-s", "-screen 0 1280x1024x24"])
                .args(cargo)
                .arg(threads);
            c
        }
    };
    command
        .env("ILERT_PKCE_ENGINE", engine.env())
        .env("GECKODRIVER", setup::geckodriver())
        .env("ILERT_PKCE_DIST", paths::dist_release())
        .env("ILERT_PKCE_DIST_SUBPATH", sub_path);
    command
}

pub fn run(args: &[String]) -> Result<(), String> {
    let skip_e2e = args.iter().any(|a| a == "--skip-e2e");
    let skip_wasm = args.iter().any(|a| a == "--skip-wasm");
    let started = Instant::now();
    setup::ensure()?;

    let mut total = Counts::default();
    let mut step = |name: &str, command: &mut std::process::Command| -> Result<(), String> {
        let t = Instant::now();
        println!("\n==> {name}");
        let counts = run_step(name, command)?;
        println!(
            "==> {name}: {} passed in {:.1}s",
            counts.passed,
            t.elapsed().as_secs_f64()
        );
        total.add(counts);
        Ok(())
    };

    lint()?;
    step(
        "host unit tests (src/oauth, config, xtask)",
        tool("cargo").args(["test", "-p", "ilert-pkce", "-p", "xtask"]),
    )?;
    step(
        "ilert-sim: its core in memory, its server over HTTP",
        tool("cargo").args([
            "test",
            "-p",
            "ilert-sim-core",
            "-p",
            "ilert-sim",
            "-p",
            "ilert-sim-sw",
        ]),
    )?;
    if !skip_wasm {
        step(
            "browser glue in headless Chromium (wasm-bindgen-test)",
            &mut wasm_tests(),
        )?;
    }
    let t = Instant::now();
    println!("\n==> release build (trunk build --release)");
    dist::release_build(&BasePath::root())?;
    println!("==> release build in {:.1}s", t.elapsed().as_secs_f64());
    size::report(&paths::dist_release())?;
    if !skip_e2e {
        // The same app under a sub-path, for the deployment tests on nginx (the wasm is
        // cached: Trunk only re-runs wasm-bindgen and wasm-opt).
        let t = Instant::now();
        let sub_path = paths::root().join("target/dist-ilert-pkce");
        println!("\n==> sub-path build (--base-path /ilert-pkce/)");
        dist::release_build_in(&BasePath::parse("/ilert-pkce/")?, &sub_path)?;
        println!("==> sub-path build in {:.1}s", t.elapsed().as_secs_f64());
        let mut e2e = tool("cargo");
        // Four tests at a time: most of an e2e test is waiting (timers, the 15 s time limit),
        // and more than four Chromiums at once overload a 2-core machine.
        e2e.args(["test", "-p", "e2e", "--", "--test-threads=4"])
            .env("ILERT_PKCE_DIST", paths::dist_release())
            .env("ILERT_PKCE_DIST_SUBPATH", &sub_path)
            .env("CHROMEDRIVER", CHROMEDRIVER);
        let metrics = paths::root().join("target/e2e-metrics.txt");
        let _ = std::fs::remove_file(&metrics);
        let skipped = paths::root().join("target/e2e-skipped.txt");
        let _ = std::fs::remove_file(&skipped);
        step("end to end in Chromium against ilert-sim", &mut e2e)?;
        // The flows that matter (tests/engines.rs) in the two other engines.
        for engine in [Engine::Firefox, Engine::WebKit] {
            step(
                &format!(
                    "end to end in {} ({})",
                    engine.title(),
                    ENGINE_FILES.join(", ")
                ),
                &mut engine_tests(engine, &sub_path),
            )?;
        }
        if let Ok(metrics) = std::fs::read_to_string(&metrics) {
            print!("{metrics}");
        }
        // Tests that could not run in an engine passed without running: counted as skipped,
        // each with its reason.
        let lines = std::fs::read_to_string(&skipped).unwrap_or_default();
        let lines: Vec<&str> = lines.lines().collect();
        if !lines.is_empty() {
            println!("\n{} e2e tests skipped, each with its reason:", lines.len());
            for line in &lines {
                println!("  {line}");
            }
            total.passed -= lines.len() as u64;
            total.ignored += lines.len() as u64;
        }
    }

    println!(
        "\nxtask test: all suites green in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "{} passed, {} failed, {} skipped",
        total.passed, total.failed, total.ignored
    );
    Ok(())
}

/// Runs one step's tests. The step fails, naming itself, when its command fails, when a test
/// failed, or when no test passed: a step that silently runs nothing (a filter that matches
/// nothing, a test target dropped from the command) must not pass as green.
fn run_step(name: &str, command: &mut std::process::Command) -> Result<Counts, String> {
    let counts = run_tests(command).map_err(|e| format!("step `{name}`: {e}"))?;
    if counts.failed > 0 {
        return Err(format!(
            "step `{name}`: {} tests failed ({} passed)",
            counts.failed, counts.passed
        ));
    }
    if counts.passed == 0 {
        return Err(format!(
            "step `{name}` reported no test passed ({} skipped)",
            counts.ignored
        ));
    }
    Ok(counts)
}

/// Formatting and clippy with warnings as errors, for the host and for the wasm32 app: the
/// cheapest failures first.
fn lint() -> Result<(), String> {
    let t = Instant::now();
    println!(
        "\n==> cargo fmt --check, clippy -D warnings (host and {})",
        setup::WASM_TARGET
    );
    cmd::run(tool("cargo").args(["fmt", "--all", "--check"]))?;
    cmd::run(tool("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    cmd::run(tool("cargo").args([
        "clippy",
        "-p",
        "ilert-pkce",
        // The simulator's core must keep building for the browser, and its browser home too.
        "-p",
        "ilert-sim-core",
        "-p",
        "ilert-sim-sw",
        "--all-targets",
        "--target",
        setup::WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))?;
    println!("==> lints clean in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

fn wasm_tests() -> std::process::Command {
    let mut command = tool("cargo");
    command
        .args([
            "test",
            "-p",
            "ilert-pkce",
            "--target",
            setup::WASM_TARGET,
            "--test",
            "browser",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "180");
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step whose command prints `output` and exits with `code`.
    fn step_printing(output: &str, code: u8) -> Result<Counts, String> {
        let mut command = std::process::Command::new("sh");
        command.args([
            "-c",
            "printf '%s' \"$0\"; exit $1",
            output,
            &code.to_string(),
        ]);
        run_step("the step", &mut command)
    }

    const TWO_BINARIES: &str = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/flow.rs (target/debug/deps/flow-0123)
running 5 tests
test result: ok. 4 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 9.00s

   Doc-tests e2e
running 0 tests
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    #[test]
    fn the_other_engines_run_each_engine_file_webkit_under_xvfb() {
        for engine in [Engine::Firefox, Engine::WebKit] {
            let command = engine_tests(engine, std::path::Path::new("/sub"));
            let args: Vec<String> = command
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let program = command.get_program().to_string_lossy().into_owned();
            assert_eq!(program == setup::XVFB_RUN, matches!(engine, Engine::WebKit));
            for file in ENGINE_FILES {
                assert!(
                    args.windows(2).any(|w| w[0] == "--test" && w[1] == file),
                    "{file}: {args:?}"
                );
                assert!(
                    paths::root().join(format!("e2e/tests/{file}.rs")).exists(),
                    "{file}"
                );
            }
            let engine_var = command
                .get_envs()
                .find(|(k, _)| *k == "ILERT_PKCE_ENGINE")
                .and_then(|(_, v)| v);
            assert_eq!(engine_var, Some(std::ffi::OsStr::new(engine.env())));
        }
    }

    #[test]
    fn a_step_sums_the_results_of_every_test_binary() {
        assert_eq!(
            step_printing(TWO_BINARIES, 0),
            Ok(Counts {
                passed: 7,
                failed: 0,
                ignored: 1
            })
        );
    }

    #[test]
    fn a_step_where_no_test_passed_fails_and_names_itself() {
        for output in [
            "running 0 tests\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 12 filtered out\n",
            "running 2 tests\ntest result: ok. 0 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out\n",
            // No result line at all (a runner that printed nothing).
            "",
        ] {
            let error = step_printing(output, 0).unwrap_err();
            assert!(
                error.contains("step `the step`") && error.contains("no test passed"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_step_with_a_failing_test_fails_and_names_itself() {
        let failing = format!(
            "{TWO_BINARIES}running 2 tests\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n"
        );
        // As cargo does: the failing binary makes the command fail.
        let error = step_printing(&failing, 101).unwrap_err();
        assert!(
            error.contains("step `the step`") && error.contains("failed"),
            "{error}"
        );
        // A runner that reports a failure yet exits 0 fails the step too.
        let error = step_printing(&failing, 0).unwrap_err();
        assert!(
            error.contains("step `the step`") && error.contains("1 tests failed"),
            "{error}"
        );
    }
}
