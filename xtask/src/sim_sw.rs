//! The built-in simulator in the release build: sim-sw (the core behind wasm-bindgen) for
//! wasm32, its glue for a classic worker (`--target no-modules`), wasm-opt, content-hashed
//! names (`ilert-sim-<hash>.js`, `ilert-sim-<hash>_bg.wasm`, cached for a year like the app's) and `sim-worker.js` (sim-sw/worker.js with
//! those names in it). The page never links these files: they are not in the first load.
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cmd::{self, tool};
use crate::paths::{self, read, write};

/// Every file of the built-in simulator in a build starts with it.
pub const PREFIX: &str = "ilert-sim-";
/// The worker's URL must be the same in every version (a registration is for one URL).
pub const WORKER: &str = "sim-worker.js";
const WORKER_TEMPLATE: &str = include_str!("../../sim-sw/worker.js");

/// What wasm-opt needs to read the wasm rustc 1.95 writes (as Trunk passes them for the app).
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds the simulator and writes its three files into `dist`. Returns its version: the
/// hash in the glue's and the wasm's names, which the page asks for (`sim-worker.js?v=<hash>`,
/// see xtask's dist) so that it never talks to the worker of another build.
pub fn build_into(dist: &Path) -> Result<String, String> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| paths::root().join("target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The pinned stable toolchain (rust-toolchain.toml), not the app's nightly.
    cmd::run(tool(&cargo).args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "ilert-sim-sw",
    ]))?;
    let raw_wasm = target_dir.join("wasm32-unknown-unknown/release/ilert_sim_sw.wasm");
    let work = target_dir.join("sim-sw-bindgen");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    cmd::run(
        tool("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-typescript",
                "--out-name",
                "sim",
            ])
            .arg("--out-dir")
            .arg(&work)
            .arg(&raw_wasm),
    )?;
    let opt = work.join("sim_opt.wasm");
    cmd::run(
        tool(&paths::node_bin().join("wasm-opt").to_string_lossy())
            .arg("-Oz")
            .args(WASM_OPT_FEATURES)
            .arg(work.join("sim_bg.wasm"))
            .arg("-o")
            .arg(&opt),
    )?;
    let glue = read(&work.join("sim.js"))?;
    let wasm = read(&opt)?;
    let (version, files) = files(&glue, &wasm);
    for (name, bytes) in &files {
        write(&dist.join(name), bytes)?;
    }
    println!(
        "sim-sw: {} and {} ({} B wasm) for {WORKER}",
        files[0].0,
        files[1].0,
        wasm.len()
    );
    Ok(version)
}

/// The version (one hash of glue and wasm) and the glue, the wasm and the worker, by name:
/// the hash is in both names, so the worker's bytes change whenever either does.
fn files(glue: &[u8], wasm: &[u8]) -> (String, [(String, Vec<u8>); 3]) {
    let mut h = Sha256::new();
    h.update(glue);
    h.update(wasm);
    let hash: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let glue_name = format!("{PREFIX}{hash}.js");
    let wasm_name = format!("{PREFIX}{hash}_bg.wasm");
    let worker = WORKER_TEMPLATE
        .replace("__SIM_GLUE__", &glue_name)
        .replace("__SIM_WASM__", &wasm_name);
    let files = [
        (glue_name, glue.to_vec()),
        (wasm_name, wasm.to_vec()),
        (WORKER.to_string(), worker.into_bytes()),
    ];
    (hash, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_loads_the_hashed_files_of_its_own_build() {
        let (version, [(glue, _), (wasm, _), (worker, bytes)]) = files(b"glue", b"wasm");
        assert_eq!(worker, WORKER);
        assert_eq!(glue, format!("{PREFIX}{version}.js"));
        assert!(
            glue.starts_with(PREFIX) && glue.ends_with(".js") && glue.len() == PREFIX.len() + 19
        );
        assert_eq!(wasm, glue.replace(".js", "_bg.wasm"));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(&format!("const GLUE = '{glue}';")));
        assert!(text.contains(&format!("const WASM = '{wasm}';")));
        assert!(!text.contains("__SIM_"));
        // Another build: other names, other worker bytes (so the browser installs it).
        let (_, [(other, _), _, (_, other_bytes)]) = files(b"glue", b"wasm2");
        assert_ne!(other, glue);
        assert_ne!(other_bytes, text.into_bytes());
    }
}
