//! The release's JS glue minified with terser (npm, package.json). Trunk 0.21 minifies HTML
//! and CSS but leaves wasm-bindgen's glue as written: measured 59.9 KB → 26.9 KB raw, 8.2 →
//! 6.3 KB brotli. Trunk pins the file with Subresource Integrity (`integrity="sha384-…"` on
//! its modulepreload link), so the hash in index.html is replaced with the minified file's.
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha384};

use crate::cmd::{run, tool};
use crate::paths;

/// Minifies the one JS file of `dist` in place and updates its integrity in index.html.
pub fn glue(dist: &Path) -> Result<(), String> {
    let js = the_glue(dist)?;
    let before = paths::read(&js)?;
    terser(&js)?;
    let after = paths::read(&js)?;
    let index = dist.join("index.html");
    let html = paths::read_text(&index)?;
    let html = replace_integrity(&html, &before, &after)?;
    std::fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))
}

/// Minifies the JS module at `path` in place (its exports keep their names).
pub fn terser(path: &Path) -> Result<(), String> {
    let terser = paths::node_bin().join("terser");
    run(tool(&terser.to_string_lossy())
        .arg(path)
        .args(["--module", "--compress", "passes=2", "--mangle", "--output"])
        .arg(path))
}

/// The wasm-bindgen glue: the only `.js` file Trunk writes (no snippets in this app), beside
/// the split build's link module (minified when written, see [`crate::split`]).
fn the_glue(dist: &Path) -> Result<PathBuf, String> {
    let js: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(crate::paths::LINK_PREFIX))
        })
        .collect();
    match js.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one JS file in {}, found {}",
            dist.display(),
            js.len()
        )),
    }
}

/// The SRI value of `bytes` as Trunk writes it (also the start script's, see dist.rs).
pub fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// `html` with the integrity of `before` replaced by that of `after`; an error when the page
/// does not pin `before` exactly once (the browser would refuse the minified file).
pub fn replace_integrity(html: &str, before: &[u8], after: &[u8]) -> Result<String, String> {
    let old = integrity(before);
    match html.matches(&old).count() {
        1 => Ok(html.replace(&old, &integrity(after))),
        n => Err(format!(
            "index.html pins the JS glue's integrity {n} times, expected once"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_integrity_follows_the_minified_file() {
        let page = format!(
            "<link rel=\"modulepreload\" href=\"/a.js\" integrity=\"{}\">",
            integrity(b"let a = 1;")
        );
        let updated = replace_integrity(&page, b"let a = 1;", b"let a=1").unwrap();
        assert!(updated.contains(&integrity(b"let a=1")), "{updated}");
        assert!(!updated.contains(&integrity(b"let a = 1;")));
        // SHA-384 of "abc" (FIPS 180-2: cb00753f…c825a7), base64 as `openssl dgst -sha384 -binary | base64` prints it.
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn a_page_that_does_not_pin_the_file_is_an_error() {
        assert!(replace_integrity("<html></html>", b"x", b"y").is_err());
    }
}
