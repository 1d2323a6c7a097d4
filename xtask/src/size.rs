//! `cargo xtask size`: the first load of the release build as a CDN serves it (every file
//! brotli-compressed at quality 11): the HTML, the start script, the JS glue, the wasm, the
//! CSS and config.json. `cargo xtask test` fails when the total exceeds [`FIRST_LOAD_BUDGET`].
use std::io::Write;
use std::path::{Path, PathBuf};

pub use xtask::budget::{FIRST_LOAD_BUDGET, FIRST_LOAD_GOAL};

/// One file of the first load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
}

/// Prints the first load's parts, raw and brotli, and fails over the budget. Returns the
/// parts (the wasm's among them).
pub fn report(dist: &Path) -> Result<Vec<Part>, String> {
    let parts = first_load(dist)?;
    let (raw, brotli): (u64, u64) = parts
        .iter()
        .fold((0, 0), |(r, b), p| (r + p.raw, b + p.brotli));
    println!("first load (brotli 11):");
    for p in &parts {
        println!(
            "  {:<40} {:>8} B raw {:>8} B brotli",
            p.name, p.raw, p.brotli
        );
    }
    println!(
        "  {:<40} {:>8} B raw {:>8} B brotli (budget {FIRST_LOAD_BUDGET} B, goal {FIRST_LOAD_GOAL} B)",
        "total", raw, brotli
    );
    let lazy = lazy_parts(dist)?;
    if !lazy.is_empty() {
        println!("loaded on demand, not in the first load (brotli 11):");
        for p in &lazy {
            println!(
                "  {:<40} {:>8} B raw {:>8} B brotli",
                p.name, p.raw, p.brotli
            );
        }
        let (raw, brotli): (u64, u64) = lazy
            .iter()
            .fold((0, 0), |(r, b), p| (r + p.raw, b + p.brotli));
        println!("  {:<40} {:>8} B raw {:>8} B brotli", "total", raw, brotli);
    }
    check_budget(brotli)?;
    Ok(parts)
}

/// The split build's parts ([`crate::split::PART_PREFIX`]): fetched when first needed (or in
/// idle time after Connect is usable), never before.
pub fn lazy_parts(dist: &Path) -> Result<Vec<Part>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            is_lazy(&name) && name.ends_with(".wasm")
        })
        .collect();
    files.sort();
    files.iter().map(|path| part(path)).collect()
}

/// Whether the file `name` of a build is one of its parts loaded on demand.
pub fn is_lazy(name: &str) -> bool {
    name.starts_with(crate::split::PART_PREFIX)
}

fn part(path: &Path) -> Result<Part, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Part {
        name: path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        raw: bytes.len() as u64,
        brotli: brotli_len(&bytes),
    })
}

/// Err when `brotli` bytes exceed the budget.
pub fn check_budget(brotli: u64) -> Result<(), String> {
    if brotli > FIRST_LOAD_BUDGET {
        return Err(format!(
            "the first load is {brotli} B brotli, over the budget of {FIRST_LOAD_BUDGET} B: see the parts above"
        ));
    }
    Ok(())
}

/// The files a first visit downloads: index.html and the JS, wasm and CSS it links (Trunk
/// names them with a hash, the start script too), plus config.json. Not the host's files
/// (`_headers`, `404.html`, …), nor the precompressed copies (`.br`, `.gz`), nor the built-in
/// simulator (`sim-worker.js` and the `ilert-sim-*` glue and wasm it loads): the page never links
/// them, only a Service Worker registered in built-in mode fetches them; nor the split build's
/// parts ([`lazy_parts`]). The split build's link module (`ilert-pkce-load-*.js`) is in it.
fn first_load(dist: &Path) -> Result<Vec<Part>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with(crate::sim_sw::PREFIX)
                || name == crate::sim_sw::WORKER
                || is_lazy(&name)
            {
                return false;
            }
            name == "index.html"
                || name == "config.json"
                || ["js", "wasm", "css"]
                    .iter()
                    .any(|x| p.extension().is_some_and(|e| e == *x))
        })
        .collect();
    files.sort();
    if !files
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "wasm"))
    {
        return Err(format!("no .wasm in {}", dist.display()));
    }
    files.iter().map(|path| part(path)).collect()
}

fn brotli_len(bytes: &[u8]) -> u64 {
    brotli(bytes).len() as u64
}

/// `bytes` compressed as a CDN does, and as the .br files of `cargo xtask dist` are: brotli
/// quality 11, a 4 MiB window (lgwin 22).
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_shrinks_repetitive_input() {
        let input = vec![b'a'; 10_000];
        let n = brotli_len(&input);
        assert!(n > 0 && n < 100, "{n}");
    }

    #[test]
    fn the_first_load_is_every_file_a_visit_downloads_and_the_budget_holds_it() {
        let dir = std::env::temp_dir().join(format!("xtask-size-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("index.html", "<html></html>"),
            ("app-1.js", "js"),
            ("app-1.js.br", "js"),
            ("app-1.js.gz", "js"),
            ("app-1_bg.wasm", "wasm"),
            ("app-1_bg.wasm.br", "wasm"),
            ("ilert-pkce-load-5.js", "the link module"),
            ("ilert-pkce-part-settings-6.wasm", "a part"),
            ("ilert-pkce-part-settings-6.wasm.br", "a part"),
            ("main-2.css", "css"),
            ("start-3.js", "start"),
            ("config.json", "{}"),
            ("sim-worker.js", "the built-in simulator's Service Worker"),
            ("ilert-sim-0123456789abcdef.js", "its glue"),
            ("ilert-sim-0123456789abcdef_bg.wasm", "its wasm"),
            ("_headers", "not downloaded by a visit"),
            ("_redirects", "not downloaded by a visit"),
            ("404.html", "<html></html>"),
            ("index.html.gz", "<html></html>"),
            (".nojekyll", ""),
        ] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let parts = report(&dir).unwrap();
        let names: Vec<_> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "app-1.js",
                "app-1_bg.wasm",
                "config.json",
                "ilert-pkce-load-5.js",
                "index.html",
                "main-2.css",
                "start-3.js"
            ]
        );
        let lazy = lazy_parts(&dir).unwrap();
        assert_eq!(
            lazy.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["ilert-pkce-part-settings-6.wasm"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(check_budget(FIRST_LOAD_BUDGET).is_ok());
        assert!(check_budget(FIRST_LOAD_BUDGET + 1)
            .unwrap_err()
            .contains("over the budget"));
        const { assert!(FIRST_LOAD_GOAL <= FIRST_LOAD_BUDGET) };
    }
}
