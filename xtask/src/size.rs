//! `cargo xtask size`: the release wasm as a CDN serves it, raw and brotli-compressed.
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{paths, setup, test};

pub fn run() -> Result<(), String> {
    setup::ensure()?;
    test::release_build()?;
    report(&paths::dist_release()).map(|_| ())
}

/// The release wasm's size, raw and brotli (quality 11), printed and returned.
pub fn report(dist: &Path) -> Result<(u64, u64), String> {
    let wasm = find_wasm(dist)?;
    let bytes = std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let compressed = brotli_len(&bytes);
    println!(
        "release wasm {}: {} bytes raw ({:.1} KiB), {} bytes brotli ({:.1} KiB)",
        wasm.file_name().unwrap_or_default().to_string_lossy(),
        bytes.len(),
        bytes.len() as f64 / 1024.0,
        compressed,
        compressed as f64 / 1024.0
    );
    Ok((bytes.len() as u64, compressed))
}

fn find_wasm(dist: &Path) -> Result<PathBuf, String> {
    std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or_else(|| format!("no .wasm in {}", dist.display()))
}

fn brotli_len(bytes: &[u8]) -> u64 {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("writing to memory");
    }
    out.len() as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn brotli_shrinks_repetitive_input() {
        let input = vec![b'a'; 10_000];
        let n = super::brotli_len(&input);
        assert!(n > 0 && n < 100, "{n}");
    }
}
