//! `cargo xtask setup`: installs, idempotently and only what is missing, every tool the build
//! and the tests need. When all is present it only runs a few `--version` checks.
use std::path::Path;
use std::time::Instant;

use crate::cmd::{output, run, tool};
use crate::paths;

pub const TRUNK_VERSION: &str = "0.21.14";
/// geckodriver, Firefox's WebDriver server (crates.io), for the e2e suite in Firefox ESR.
pub const GECKODRIVER_VERSION: &str = "0.36.0";
pub const WASM_OPT_VERSION: &str = "version_132";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The toolchain of the release wasm only (everything else builds with rust-toolchain.toml's
/// stable): a nightly pinned to a date, for `-Cpanic=immediate-abort`, which needs the
/// standard library rebuilt (`-Zbuild-std`, hence rust-src). Measured on this app: −20.4 KB
/// brotli (−76 KB raw) of the wasm, because no panic message, location or formatting code is
/// linked. A panic in the release build traps at once instead of printing; the tests still
/// run the stable, panic-printing build too.
pub const RELEASE_TOOLCHAIN: &str = "nightly-2026-10-01";

/// Installs whatever is missing; fast when nothing is.
pub fn ensure() -> Result<(), String> {
    let started = Instant::now();
    check_trunk_pins()?;
    wasm_target()?;
    lint_tools()?;
    release_toolchain()?;
    std_dependencies()?;
    chromium()?;
    firefox()?;
    webkit()?;
    nginx()?;
    node_tools()?;
    trunk()?;
    wasm_bindgen()?;
    println!(
        "xtask setup: all tools present ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn wasm_target() -> Result<(), String> {
    // Run inside the project so rustup answers for the pinned toolchain.
    let installed =
        output(tool("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("xtask setup: adding the {WASM_TARGET} target");
    run(tool("rustup").args(["target", "add", WASM_TARGET]))
}

fn release_toolchain() -> Result<(), String> {
    let sysroot = output(
        tool("rustc")
            .arg(format!("+{RELEASE_TOOLCHAIN}"))
            .args(["--print", "sysroot"]),
    );
    if sysroot.is_some_and(|root| {
        Path::new(&root)
            .join("lib/rustlib/src/rust/library")
            .is_dir()
    }) {
        return Ok(());
    }
    println!("xtask setup: installing {RELEASE_TOOLCHAIN} with rust-src (for the release wasm)");
    run(tool("rustup").args([
        "toolchain",
        "install",
        RELEASE_TOOLCHAIN,
        "--profile",
        "minimal",
        "--component",
        "rust-src",
    ]))
}

/// Downloads the crates the standard library depends on (std's own Cargo.lock), which
/// `-Zbuild-std` compiles: the release build runs offline (Trunk.toml), and a fresh machine
/// has none of them in cargo's cache ("no matching package named `wasip1`"). A tenth of a
/// second when they are there.
fn std_dependencies() -> Result<(), String> {
    let sysroot = output(
        tool("rustc")
            .arg(format!("+{RELEASE_TOOLCHAIN}"))
            .args(["--print", "sysroot"]),
    )
    .ok_or_else(|| format!("{RELEASE_TOOLCHAIN} has no sysroot"))?;
    let manifest = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/Cargo.toml");
    run(tool("cargo")
        .arg(format!("+{RELEASE_TOOLCHAIN}"))
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(&manifest))
}

/// Makes `command` (a `trunk build --release`) build the wasm with [`RELEASE_TOOLCHAIN`]:
/// the standard library rebuilt, panics that abort at once. The rustflags repeat
/// `.cargo/config.toml`'s, which an environment setting would otherwise replace.
/// `extra`: more rustflags (the split build's, [`crate::split::RUSTFLAGS`]).
pub fn release_toolchain_env_with(
    command: &mut std::process::Command,
    extra: &[&str],
) -> Result<(), String> {
    let config = std::fs::read_to_string(paths::root().join(".cargo/config.toml"))
        .map_err(|e| format!("cannot read .cargo/config.toml: {e}"))?;
    let mut flags = wasm_rustflags(&config)
        .ok_or(".cargo/config.toml has no [target.wasm32-unknown-unknown] rustflags")?;
    flags.extend(["-Zunstable-options", "-Cpanic=immediate-abort"].map(String::from));
    flags.extend(extra.iter().map(|f| f.to_string()));
    command
        .env("RUSTUP_TOOLCHAIN", RELEASE_TOOLCHAIN)
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        // The standard library's smaller variants of its algorithms (sorting, formatting):
        // the first load −729 B brotli (main wasm −1,967 B raw), measured in issue 20.
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    Ok(())
}

/// The `rustflags = [...]` list under `[target.wasm32-unknown-unknown]` (one line).
fn wasm_rustflags(config: &str) -> Option<Vec<String>> {
    let section = config.split("[target.wasm32-unknown-unknown]").nth(1)?;
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("rustflags"))?;
    let list = line.split_once('=')?.1.trim();
    let inner = list.strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .map(|item| item.trim().trim_matches('\'').to_string())
            .filter(|item| !item.is_empty())
            .collect(),
    )
}

/// rustfmt and clippy of the pinned toolchain (`cargo xtask test` runs both).
fn lint_tools() -> Result<(), String> {
    let fmt = output(tool("cargo").args(["fmt", "--version"])).is_some();
    let clippy = output(tool("cargo").args(["clippy", "--version"])).is_some();
    if fmt && clippy {
        return Ok(());
    }
    println!("xtask setup: adding rustfmt and clippy");
    run(tool("rustup").args(["component", "add", "rustfmt", "clippy"]))
}

fn chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    println!("xtask setup: installing chromium and chromium-driver (apt)");
    apt_install(&["chromium", "chromium-driver"])
}

/// Debian's Firefox ESR and geckodriver (crates.io, pinned): `cargo xtask test` runs the
/// engines' e2e file in Firefox too.
fn firefox() -> Result<(), String> {
    if !Path::new(FIREFOX).exists() {
        println!("xtask setup: installing firefox-esr (apt)");
        apt_install(&["firefox-esr"])?;
    }
    let version = output(tool(&geckodriver()).arg("--version")).unwrap_or_default();
    if version.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")) {
        return Ok(());
    }
    println!("xtask setup: installing geckodriver {GECKODRIVER_VERSION} (a few minutes)");
    run(tool("cargo").args([
        "install",
        "geckodriver",
        "--version",
        GECKODRIVER_VERSION,
        "--locked",
    ]))
}

/// WebKitGTK's WebDriver (webkit2gtk-driver: WebKitWebDriver and the MiniBrowser it drives)
/// and Xvfb, the X display MiniBrowser needs, having no headless mode.
fn webkit() -> Result<(), String> {
    if Path::new(WEBKIT_DRIVER).exists()
        && Path::new(MINIBROWSER).exists()
        && Path::new(XVFB_RUN).exists()
    {
        return Ok(());
    }
    println!("xtask setup: installing webkit2gtk-driver and xvfb (apt)");
    apt_install(&["webkit2gtk-driver", "xvfb", "xauth"])
}

/// Where Debian and `cargo install` put the other engines' browsers and drivers (the e2e
/// harness looks in the same places: e2e/src/lib.rs).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";

/// geckodriver where `cargo install` puts it (cargo's bin folder).
pub fn geckodriver() -> String {
    let home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    format!("{home}/bin/geckodriver")
}

/// nginx with the brotli_static module, for the e2e tests that serve the release build as a
/// production host does (their own nginx process and config, as any user). Installed without
/// starting or enabling Debian's nginx service, which would take port 80.
fn nginx() -> Result<(), String> {
    if Path::new(NGINX).exists() && Path::new(BROTLI_STATIC_MODULE).exists() {
        return Ok(());
    }
    println!("xtask setup: installing nginx and libnginx-mod-http-brotli-static (apt; the service stays off)");
    apt_install_without_starting(&["nginx", "libnginx-mod-http-brotli-static"], "nginx")
}

fn node_tools() -> Result<(), String> {
    if output(tool("npm").arg("--version")).is_none() {
        println!("xtask setup: installing nodejs and npm (apt)");
        apt_install(&["nodejs", "npm"])?;
    }
    let wasm_opt = paths::node_bin().join("wasm-opt");
    let version = output(tool(&wasm_opt.to_string_lossy()).arg("--version")).unwrap_or_default();
    // Every devDependency of package.json: binaryen's wasm-opt and terser for the release
    // build, axe-core and oidc-provider for the e2e suite, React, react-dom, oidc-client-ts and
    // Vite for the bench's comparison page (bench/react-signin/). Missing, or at another
    // version than package.json pins (exact versions only): `npm ci`.
    let package = std::fs::read_to_string(paths::root().join("package.json"))
        .map_err(|e| format!("cannot read package.json: {e}"))?;
    let missing: Vec<String> = dev_dependencies(&package)
        .into_iter()
        .filter(|(name, version)| {
            let installed = std::fs::read_to_string(npm_package_dir(name).join("package.json"));
            !installed.is_ok_and(|text| text.contains(&format!("\"version\": \"{version}\"")))
        })
        .map(|(name, _)| name)
        .collect();
    let tools = [
        paths::node_bin().join("terser"),
        paths::node_bin().join("vite"),
    ];
    if version.contains(WASM_OPT_VERSION) && missing.is_empty() && tools.iter().all(|t| t.exists())
    {
        return Ok(());
    }
    println!(
        "xtask setup: installing the npm packages (binaryen, terser, axe-core, oidc-provider, and the bench's React page) from package-lock.json"
    );
    run(tool("npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// Where npm puts a package (`@scope/name` included).
fn npm_package_dir(name: &str) -> std::path::PathBuf {
    paths::root().join("node_modules").join(name)
}

/// The names and versions under package.json's `"devDependencies"` (one `"name": "version"`
/// a line).
fn dev_dependencies(package_json: &str) -> Vec<(String, String)> {
    let Some(block) = package_json
        .split("\"devDependencies\"")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
    else {
        return Vec::new();
    };
    block
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.trim().strip_prefix('"')?.split_once('"')?;
            let version = rest.trim_start_matches([':', ' ']).strip_prefix('"')?;
            let version = version.split('"').next()?;
            Some((name.to_string(), version.to_string()))
        })
        .collect()
}

fn trunk() -> Result<(), String> {
    let version = output(tool("trunk").arg("--version")).unwrap_or_default();
    if version == format!("trunk {TRUNK_VERSION}") {
        return Ok(());
    }
    println!("xtask setup: installing trunk {TRUNK_VERSION} (a few minutes)");
    run(tool("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

fn wasm_bindgen() -> Result<(), String> {
    let wanted = locked_version("wasm-bindgen")?;
    let version = output(tool("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = output(tool("wasm-bindgen-test-runner").arg("--version")).unwrap_or_default();
    if version == format!("wasm-bindgen {wanted}") && runner.ends_with(&wanted) {
        return Ok(());
    }
    println!("xtask setup: installing wasm-bindgen-cli {wanted} (a few minutes)");
    // Not --locked: one of its locked dependencies is no longer on crates.io.
    run(tool("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// The nginx binary Debian installs.
const NGINX: &str = "/usr/sbin/nginx";
/// Debian's brotli_static module (libnginx-mod-http-brotli-static); the e2e suite loads it.
use xtask::hosting::DEBIAN_BROTLI_STATIC_MODULE as BROTLI_STATIC_MODULE;

/// `program args…` as root: directly when root already, else through sudo.
fn as_root(program: &str, args: &[&str]) -> std::process::Command {
    let root = output(tool("id").arg("-u")).as_deref() == Some("0");
    let mut command = if root {
        tool(program)
    } else {
        let mut sudo = tool("sudo");
        sudo.arg(program);
        sudo
    };
    command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
    command
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    run(&mut as_root("apt-get", &["update", "-q"]))?;
    let mut install = as_root(
        "apt-get",
        &["install", "-y", "-q", "--no-install-recommends"],
    );
    install.args(packages);
    run(&mut install)
}

/// Debian's way to keep a package's postinst from starting services: invoke-rc.d and
/// deb-systemd-invoke ask /usr/sbin/policy-rc.d, and 101 means "not allowed".
const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// [`apt_install`] with no service started by the packages (a policy-rc.d for the time of the
/// install, unless one is there already, as in Debian's container images), and `service`
/// disabled, which postinst enables for the next boot wherever systemd is installed.
fn apt_install_without_starting(packages: &[&str], service: &str) -> Result<(), String> {
    let ours = !Path::new(POLICY_RC_D).exists();
    if ours {
        run(&mut as_root(
            "sh",
            &[
                "-c",
                &format!(
                    "printf '#!/bin/sh\nexit 101\n' > {POLICY_RC_D} && chmod 755 {POLICY_RC_D}"
                ),
            ],
        ))?;
    }
    let installed = apt_install(packages);
    if ours {
        run(&mut as_root("rm", &["-f", POLICY_RC_D]))?;
    }
    installed?;
    if output(tool("systemctl").arg("--version")).is_some() {
        // Works without a running systemd too (it removes the links postinst made).
        let mut disable = vec!["disable", "--quiet", service];
        if Path::new("/run/systemd/system").is_dir() {
            disable.insert(1, "--now");
        }
        run(&mut as_root("systemctl", &disable))?;
    }
    Ok(())
}

/// The version of a package in Cargo.lock.
pub fn locked_version(name: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(paths::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    locked_version_in(&lock, name).ok_or_else(|| format!("{name} is not in Cargo.lock"))
}

fn locked_version_in(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let version = lines
                .next()?
                .trim()
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}

/// The `[tools]` pin of Trunk.toml, e.g. `wasm_bindgen`.
fn trunk_pin(trunk_toml: &str, key: &str) -> Option<String> {
    trunk_toml.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Trunk refuses tools whose version differs from its pins: say so before a long build.
fn check_trunk_pins() -> Result<(), String> {
    let toml = std::fs::read_to_string(paths::root().join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let locked = locked_version("wasm-bindgen")?;
    let pinned = trunk_pin(&toml, "wasm_bindgen").unwrap_or_default();
    if pinned != locked {
        return Err(format!(
            "Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has {locked}: make them equal"
        ));
    }
    if trunk_pin(&toml, "wasm_opt").as_deref() != Some(WASM_OPT_VERSION) {
        return Err(format!(
            "Trunk.toml must pin wasm_opt = \"{WASM_OPT_VERSION}\" (package.json's binaryen)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version_in(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version_in(lock, "wasm-bindgen-futures"), None);
    }

    #[test]
    fn the_release_build_keeps_the_project_rustflags() {
        let config = std::fs::read_to_string(paths::root().join(".cargo/config.toml")).unwrap();
        let flags = wasm_rustflags(&config).unwrap();
        assert!(
            flags.contains(&"getrandom_backend=\"wasm_js\"".to_string()),
            "{flags:?}"
        );
        assert!(flags.contains(&"erase_components".to_string()), "{flags:?}");
        let mut command = std::process::Command::new("true");
        release_toolchain_env_with(&mut command, &crate::split::RUSTFLAGS).unwrap();
        let encoded = command
            .get_envs()
            .find(|(k, _)| *k == "CARGO_ENCODED_RUSTFLAGS")
            .and_then(|(_, v)| v)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            encoded.split('\x1f').collect::<Vec<_>>(),
            [
                "--cfg",
                "getrandom_backend=\"wasm_js\"",
                "--cfg",
                "erase_components",
                "-Zunstable-options",
                "-Cpanic=immediate-abort",
                "--cfg",
                "ilert_split",
                "-Clink-args=--emit-relocs"
            ]
        );
    }

    #[test]
    fn trunk_pins_match_the_lock_file_and_package_json() {
        check_trunk_pins().unwrap();
        let package = std::fs::read_to_string(paths::root().join("package.json")).unwrap();
        assert!(
            package.contains("\"binaryen\": \"132.0.0\""),
            "package.json must pin binaryen 132"
        );
    }

    #[test]
    fn setup_checks_for_every_npm_package_of_package_json() {
        let package = std::fs::read_to_string(paths::root().join("package.json")).unwrap();
        let mut names: Vec<String> = dev_dependencies(&package)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "@vitejs/plugin-react",
                "axe-core",
                "binaryen",
                "oidc-client-ts",
                "oidc-provider",
                "react",
                "react-dom",
                "terser",
                "vite"
            ]
        );
    }

    #[test]
    fn dev_dependencies_are_the_names_of_that_block_only() {
        let text = "{\n \"name\": \"x\",\n \"devDependencies\": {\n  \"@a/b\": \"1.0.0\",\n  \"c\": \"2\"\n },\n \"other\": {\"d\": \"3\"}\n}";
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            dev_dependencies(text),
            [pair("@a/b", "1.0.0"), pair("c", "2")]
        );
        assert!(dev_dependencies("{}").is_empty());
    }
}
