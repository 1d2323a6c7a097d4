//! Where things are: the repository root, the release build, the tools' search path; and
//! reading and writing a file with its name in the error.
use std::path::{Component, Path, PathBuf};

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

/// The release build the e2e suite serves; separate from `dist/`, which `trunk serve` rewrites.
pub fn dist_release() -> PathBuf {
    root().join("dist-release")
}

/// The React comparison page of `cargo xtask bench`, built by Vite from bench/react-signin/
/// (under target/: no watcher sees it).
pub fn react_dist() -> PathBuf {
    root().join("target/bench/react-dist")
}

/// `~/.cargo/bin` (where `cargo install` puts trunk and wasm-bindgen).
pub fn cargo_bin() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cargo").join("bin")
}

/// npm's local bin folder, where binaryen's wasm-opt lands.
pub fn node_bin() -> PathBuf {
    root().join("node_modules").join(".bin")
}

/// PATH with the project's tools first, so trunk finds the pinned wasm-bindgen and wasm-opt.
pub fn tool_path() -> std::ffi::OsString {
    let mut dirs = vec![node_bin(), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries are valid")
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file need not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The name of every part of the split release build starts so (then `<name>-<hash>.wasm`;
/// see xtask/src/split.rs).
pub const PART_PREFIX: &str = "ilert-pkce-part-";
/// The split build's link module's file name starts so (then `<hash>.js`).
pub const LINK_PREFIX: &str = "ilert-pkce-load-";
/// The module name under which the split main module imports the part loaders.
pub const LINK_IMPORT: &str = "./__wasm_split.js";

/// A file's bytes; the error names the file.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A file's text; the error names the file.
pub fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a file; the error names the file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
