//! The release wasm split into a main module and lazily loaded parts (issue 20), with
//! [`wasm_split_cli_support`], the library behind cargo-leptos' `--split`.
//!
//! Trunk builds the app as always, but with [`RUSTFLAGS`] (`--cfg ilert_split`: the
//! functions declared with `part!` become wasm-split's split points, see
//! src/components/on_demand.rs; `--emit-relocs`: the linker keeps the relocations the
//! splitter needs) into its own target dir ([`target_dir`]), so that the unsplit builds keep
//! their cache. Trunk's own wasm-bindgen output of that wasm is then replaced ([`apply`]):
//!
//! 1. the linked wasm (before wasm-bindgen) is split: a main module, one module per part
//!    (and shared chunks), and a link module, the JS that fetches and instantiates a part
//!    when the main module asks for it;
//! 2. wasm-bindgen runs on the main module (keeping the linker's exports the parts import),
//!    wasm-opt on it with index.html's options, and on each part without
//!    `--zero-filled-memory` (a part's data goes into the main module's live memory);
//! 3. each part gets a content-hashed name, `ilert-pkce-part-<name>-<hash>.wasm` (cached
//!    immutable by the hosting files, like every `ilert-pkce-` file), and the link module
//!    fetches it with its Subresource Integrity;
//! 4. the link module, `ilert-pkce-load-<hash>.js`, reaches the main module's exports through
//!    `window.wasmBindings`, which the start script sets before `init` (so the link module
//!    names no other file by its hash, and the glue can name it by its own), and index.html
//!    preloads it with its integrity (`<link rel="modulepreload">`), as Trunk does the glue.
//!
//! The CSP needs nothing new: parts are fetched from the page's own origin (`connect-src
//! 'self'`) and compiled like the main module (`script-src 'wasm-unsafe-eval'`).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cmd::{run, tool};
use crate::hosting::BasePath;
use crate::paths::{read_text, write};
use crate::{minify, paths};

/// The rustflags of the split build, beside the release build's own.
pub const RUSTFLAGS: [&str; 3] = ["--cfg", "ilert_split", "-Clink-args=--emit-relocs"];
/// The split build's file names, in [`crate::paths`] (a leaf module) for the modules this
/// one uses.
pub use crate::paths::{LINK_IMPORT, LINK_PREFIX, PART_PREFIX};
/// wasm-opt's options for the parts (index.html's, less `--zero-filled-memory` and
/// `--low-memory-unused`, which hold for the main module's own memory only), with the
/// features the release toolchain uses (a part has no target_features section).
const PART_OPT: [&str; 9] = [
    "-Oz",
    "--strip-producers",
    "--strip-debug",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Where the split build's cargo and the splitter write.
pub fn target_dir() -> PathBuf {
    paths::root().join("target/split")
}

/// What [`apply`] made that the rest of the build needs to know.
#[derive(Debug)]
pub struct Split {
    /// The main module's exports that the link module takes by name for the parts: their
    /// names must stay.
    pub shared_exports: BTreeSet<String>,
}

/// Replaces Trunk's glue and wasm in `dist` (built with [`RUSTFLAGS`] into [`target_dir`])
/// with the split main module and its glue, and adds the parts and the link module.
pub fn apply(dist: &Path, base: &BasePath) -> Result<Split, String> {
    let started = std::time::Instant::now();
    let target = target_dir();
    let linked = target.join("wasm32-unknown-unknown/release/ilert-pkce.wasm");
    let input = paths::read(&linked)?;
    let out = target.join("parts");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let main = out.join("main.wasm");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &out;
    options.main_out_path = &main;
    options.link_name = LINK_IMPORT;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("wasm-split of {}: {e:?}", linked.display()))?;
    if split.split_modules.is_empty() {
        return Err(format!(
            "wasm-split found no split point in {}: was it built with --cfg ilert_split?",
            linked.display()
        ));
    }

    // wasm-bindgen on the main module only, keeping the linker's exports for the parts.
    let bindgen = target.join("bindgen");
    run(tool("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .args(["--no-demangle", "--out-name", "ilert-pkce", "--out-dir"])
        .arg(&bindgen)
        .arg(&main))?;
    let main_wasm = bindgen.join("ilert-pkce_bg.wasm");
    let glue_path = bindgen.join("ilert-pkce.js");
    let (glue, wasm) = without_stream_classes(&read_text(&glue_path)?, &paths::read(&main_wasm)?)?;
    write(&glue_path, glue.as_bytes())?;
    write(&main_wasm, &wasm)?;
    wasm_opt(&main_wasm, &main_opt_args()?)?;

    // The parts: optimised, content-hashed, fetched with their integrity.
    let mut link = read_text(&out.join(LINK_IMPORT.trim_start_matches("./")))?;
    let mut parts = Vec::new();
    for module in &split.split_modules {
        wasm_opt(module, &PART_OPT)?;
        let bytes = paths::read(module)?;
        let stem = module
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: no file name", module.display()))?;
        let short = stem
            .strip_prefix("split_")
            .unwrap_or(stem)
            .replace('_', "-");
        let name = format!("{PART_PREFIX}{short}-{}.wasm", hash16(&bytes));
        link = fetch_with_integrity(&link, &format!("./{stem}.wasm"), &name, &bytes)?;
        write(&dist.join(&name), &bytes)?;
        parts.push(name);
    }
    let shared_exports = shared_exports(&link)?;
    let link = link_without_glue_import(&link)?;
    let link_path = target.join("link.js");
    write(&link_path, link.as_bytes())?;
    minify::terser(&link_path)?;
    let link = paths::read(&link_path)?;
    let link_name = format!("{LINK_PREFIX}{}.js", hash16(&link));
    write(&dist.join(&link_name), &link)?;

    // Trunk's glue and wasm (of the unsplit module) give way to the main module's.
    let glue = read_text(&bindgen.join("ilert-pkce.js"))?;
    let glue = import_link_module(&glue, &link_name)?;
    let (trunk_wasm, trunk_js) = crate::names::the_pair(dist)?;
    let index = dist.join("index.html");
    let mut html = read_text(&index)?;
    for (file, new) in [
        (&trunk_js, glue.into_bytes()),
        (&trunk_wasm, paths::read(&main_wasm)?),
    ] {
        let old = paths::read(file)?;
        html = minify::replace_integrity(&html, &old, &new)?;
        write(file, &new)?;
    }
    let html = preload_link_module(&html, base, &link_name, &link)?;
    let html = bindings_before_init(&html)?;
    write(&index, html.as_bytes())?;
    println!(
        "split: main module and {} parts in {:.1} s (split, wasm-bindgen, wasm-opt): {}",
        parts.len(),
        started.elapsed().as_secs_f64(),
        parts.join(", ")
    );
    Ok(Split { shared_exports })
}

/// The JS classes that wasm-streams exports through wasm-bindgen. Leptos always enables
/// server_fn's `browser` feature, which links wasm-streams for streaming server functions;
/// this app has none, and LTO cannot drop a `#[wasm_bindgen]` export, so their code and glue
/// classes sat in the first load unused. Dropped before wasm-opt, which then removes their
/// code: measured −1,029 B brotli of the main wasm (−3,908 B raw) and −318 B of the glue.
const STREAM_CLASSES: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// wasm-bindgen's glue and wasm without [`STREAM_CLASSES`]: each class, its finalizer and its
/// exports (`intounderlying…`, `__wbg_intounderlying…`). A glue that names them in any other
/// way (a new wasm-bindgen, a use of the classes) is an error, not a silent miss; a glue
/// without them is returned as it is.
fn without_stream_classes(glue: &str, wasm: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut glue = glue.to_string();
    for class in STREAM_CLASSES {
        let Some(start) = glue.find(&format!("export class {class} {{")) else {
            continue;
        };
        let last = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
        );
        let end = glue[start..]
            .find(&last)
            .map(|i| start + i + last.len())
            .ok_or_else(|| format!("the glue's class {class} does not end as expected"))?;
        glue.replace_range(start..end, "");
        let finalizer = format!("const {class}Finalization = ");
        let start = glue
            .find(&finalizer)
            .ok_or_else(|| format!("the glue has no {class}Finalization"))?;
        let end = glue[start..]
            .find(");\n")
            .map(|i| start + i + 3)
            .ok_or_else(|| format!("the glue's {class}Finalization does not end as expected"))?;
        glue.replace_range(start..end, "");
    }
    let is_stream =
        |name: &str| name.starts_with("intounderlying") || name.starts_with("__wbg_intounderlying");
    if STREAM_CLASSES.iter().any(|c| glue.contains(c)) || glue.contains("intounderlying") {
        return Err("the glue still uses wasm-streams' classes after they were cut".into());
    }
    let (wasm, _) = crate::names::without_exports(wasm, is_stream)?;
    Ok((glue, wasm))
}

/// Renames the glue and the main module of `dist` after their final content
/// (`ilert-pkce-<hash>.js`, `ilert-pkce-<hash>_bg.wasm`), and index.html's references: Trunk
/// named them after the unsplit build's.
pub fn name_by_content(dist: &Path) -> Result<(), String> {
    let (wasm, js) = crate::names::the_pair(dist)?;
    let js_bytes = paths::read(&js)?;
    let wasm_bytes = paths::read(&wasm)?;
    let index = dist.join("index.html");
    let mut html = read_text(&index)?;
    for (path, new) in [
        (&js, format!("ilert-pkce-{}.js", hash16(&js_bytes))),
        (&wasm, format!("ilert-pkce-{}_bg.wasm", hash16(&wasm_bytes))),
    ] {
        let old = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let refs = html.matches(&old).count();
        if refs == 0 {
            return Err(format!("index.html does not name {old}"));
        }
        html = html.replace(&old, &new);
        std::fs::rename(path, dist.join(&new))
            .map_err(|e| format!("{} → {new}: {e}", path.display()))?;
    }
    write(&index, html.as_bytes())
}

/// index.html's wasm-opt options for the app (`data-wasm-opt="z"` and its
/// `data-wasm-opt-params`), as Trunk passes them.
fn main_opt_args() -> Result<Vec<String>, String> {
    let page = read_text(&paths::root().join("index.html"))?;
    let params = page
        .split("data-wasm-opt-params=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("index.html has no data-wasm-opt-params")?;
    let mut args = vec!["-Oz".to_string()];
    args.extend(params.split_whitespace().map(String::from));
    Ok(args)
}

/// wasm-opt (binaryen, npm) on `file` in place.
fn wasm_opt<S: AsRef<std::ffi::OsStr>>(file: &Path, args: &[S]) -> Result<(), String> {
    let wasm_opt = paths::node_bin().join("wasm-opt");
    run(tool(&wasm_opt.to_string_lossy())
        .arg(file)
        .args(args)
        .arg("-o")
        .arg(file))
}

/// 16 hex digits of the SHA-256 of `bytes`: a file's content-hashed name.
pub fn hash16(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The link module with the part at `old` (as the splitter names it) fetched as `new`, with
/// `bytes`' integrity: the browser refuses a part that is not the one built.
fn fetch_with_integrity(link: &str, old: &str, new: &str, bytes: &[u8]) -> Result<String, String> {
    let from = format!("fetch(new URL(\"{old}\", import.meta.url))");
    let to = format!(
        "fetch(new URL(\"./{new}\", import.meta.url), {{ integrity: \"{}\" }})",
        minify::integrity(bytes)
    );
    match link.matches(&from).count() {
        1 => Ok(link.replace(&from, &to)),
        n => Err(format!(
            "the link module fetches {old} {n} times, expected once (a new wasm_split_cli_support?)"
        )),
    }
}

/// The main module's exports that the link module takes for the parts
/// (`const { a, b, } = initSync(undefined, undefined);`).
fn shared_exports(link: &str) -> Result<BTreeSet<String>, String> {
    let end = link
        .find("} = initSync(")
        .ok_or("the link module does not take the main module's exports from initSync")?;
    let start = link[..end]
        .rfind("const {")
        .ok_or("the link module does not take the main module's exports from initSync")?;
    Ok(link[start + "const {".len()..end]
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect())
}

/// The link module with its import of the glue (`import { initSync } from "./main.js";`)
/// replaced by `window.wasmBindings` (the glue's exports, set by the start script before
/// `init`): the glue names the link module by its hash, so the link module cannot name the
/// glue by its own.
fn link_without_glue_import(link: &str) -> Result<String, String> {
    let import = "import { initSync } from \"./main.js\";";
    if link.matches(import).count() != 1 {
        return Err(format!(
            "the link module does not start with `{import}` (a new wasm_split_cli_support?)"
        ));
    }
    Ok(link.replace(
        import,
        "const initSync = (m, i) => window.wasmBindings.initSync(m, i);",
    ))
}

/// The glue with its imports of the link module pointed at `name`. Only the `from` clauses: the
/// wasm still imports its loaders under the module name [`LINK_IMPORT`].
fn import_link_module(glue: &str, name: &str) -> Result<String, String> {
    let mut out = glue.to_string();
    let mut count = 0;
    for quote in ['\'', '"'] {
        let from = format!("from {quote}{LINK_IMPORT}{quote}");
        count += out.matches(&from).count();
        out = out.replace(&from, &format!("from {quote}./{name}{quote}"));
    }
    // wasm-bindgen imports it once per part loader (`import * as import1 from …`).
    if count == 0 {
        return Err(format!("the glue does not import {LINK_IMPORT}"));
    }
    Ok(out)
}

/// index.html with `<link rel="modulepreload">` of the link module, with its integrity,
/// before the start script: fetched beside the glue, not after it, and pinned.
fn preload_link_module(
    html: &str,
    base: &BasePath,
    name: &str,
    bytes: &[u8],
) -> Result<String, String> {
    let at = html
        .find("<script type=module>")
        .or_else(|| html.find("<script type=\"module\">"))
        .ok_or("index.html has no inline module script (Trunk's start script)")?;
    Ok(format!(
        "{}<link rel=\"modulepreload\" href=\"{base}{name}\" integrity=\"{}\" crossorigin=\"anonymous\">{}",
        &html[..at],
        minify::integrity(bytes),
        &html[at..]
    ))
}

/// index.html whose start script sets `window.wasmBindings` (the glue's exports) before it
/// calls `init`, not after: a part may load while the app starts.
fn bindings_before_init(html: &str) -> Result<String, String> {
    let set = "window.wasmBindings=bindings;";
    let set_spaced = "window.wasmBindings = bindings;";
    let html = if html.contains(set) {
        html.replacen(set, "", 1)
    } else if html.contains(set_spaced) {
        html.replacen(set_spaced, "", 1)
    } else {
        return Err("Trunk's start script does not set window.wasmBindings".into());
    };
    let init = html
        .find("const wasm")
        .or_else(|| html.find("await init("))
        .ok_or("Trunk's start script has no `await init(`")?;
    Ok(format!(
        "{}window.wasmBindings = bindings;\n{}",
        &html[..init],
        &html[init..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_streams_classes_leave_the_glue_and_nothing_else_does() {
        let class = |c: &str, f: &str| {
            format!(
                "export class {c} {{\n    free() {{\n        wasm.__wbg_{f}_free(ptr, 0);\n    }}\n}}\nif (Symbol.dispose) {c}.prototype[Symbol.dispose] = {c}.prototype.free;\n\n"
            )
        };
        let finalizer = |c: &str, f: &str| {
            format!("const {c}Finalization = (typeof FinalizationRegistry === 'undefined')\n    ? {{ register: () => {{}} }}\n    : new FinalizationRegistry(ptr => wasm.__wbg_{f}_free(ptr, 1));\n")
        };
        let names = [
            ("IntoUnderlyingByteSource", "intounderlyingbytesource"),
            ("IntoUnderlyingSink", "intounderlyingsink"),
            ("IntoUnderlyingSource", "intounderlyingsource"),
        ];
        let mut glue = String::from("let wasm;\n");
        for (c, f) in names {
            glue += &class(c, f);
        }
        glue += "function keep() { return wasm.f(); }\n";
        for (c, f) in names {
            glue += &finalizer(c, f);
        }
        glue += "export { keep };\n";
        let wasm = b"\0asm\x01\0\0\0".to_vec();
        let (out, _) = without_stream_classes(&glue, &wasm).unwrap();
        assert_eq!(
            out,
            // The blank lines between the classes stay (the minifier takes them).
            "let wasm;\n\n\n\nfunction keep() { return wasm.f(); }\nexport { keep };\n"
        );
        // Without the classes: as it was.
        assert_eq!(without_stream_classes(&out, &wasm).unwrap().0, out);
        // A use elsewhere is an error.
        let used = glue.replace("wasm.f()", "IntoUnderlyingSink.__wrap(1)");
        assert!(without_stream_classes(&used, &wasm).is_err());
    }

    const LINK: &str = "import { initSync } from \"./main.js\";\n\
        let sharedImports = undefined;\nfunction getSharedImports() {\n    if (sharedImports === undefined) {\n\
        sharedImports = { __wasm_split: {  } };\n\
        const { __indirect_function_table, __stack_pointer, } = initSync(undefined, undefined);\n\
        }\n}\nconst __chunk_0 = makeLoad(() => {\n    const src = fetch(new URL(\"./chunk_0.wasm\", import.meta.url));\n}, []);\n";

    #[test]
    fn the_link_module_names_the_hashed_parts_with_their_integrity_and_not_the_glue() {
        let link = fetch_with_integrity(
            LINK,
            "./chunk_0.wasm",
            "ilert-pkce-part-chunk-0-ab.wasm",
            b"x",
        )
        .unwrap();
        assert!(link.contains(&format!(
            "fetch(new URL(\"./ilert-pkce-part-chunk-0-ab.wasm\", import.meta.url), {{ integrity: \"{}\" }})",
            minify::integrity(b"x")
        )));
        assert!(fetch_with_integrity(LINK, "./split_x.wasm", "y", b"x").is_err());
        let link = link_without_glue_import(&link).unwrap();
        assert!(!link.contains("main.js") && link.contains("window.wasmBindings.initSync"));
        assert_eq!(
            shared_exports(LINK)
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["__indirect_function_table", "__stack_pointer"]
        );
    }

    #[test]
    fn the_glue_imports_the_hashed_link_module_and_the_page_sets_the_bindings_first() {
        let glue = "import { a } from './__wasm_split.js';\nimports['./__wasm_split.js'] = x;";
        let out = import_link_module(glue, "ilert-pkce-load-1.js").unwrap();
        assert_eq!(
            out,
            "import { a } from './ilert-pkce-load-1.js';\nimports['./__wasm_split.js'] = x;"
        );
        assert!(import_link_module("nothing", "x.js").is_err());
        let page = "<head><script type=module>import init, * as bindings from '/a.js';\nconst wasm = await init({ module_or_path: '/a_bg.wasm' });\nwindow.wasmBindings = bindings;\ndispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));</script>";
        let page = bindings_before_init(page).unwrap();
        let set = page.find("window.wasmBindings = bindings;").unwrap();
        assert!(set < page.find("await init(").unwrap(), "{page}");
        assert_eq!(page.matches("window.wasmBindings").count(), 1);
        let page =
            preload_link_module(&page, &BasePath::parse("/x/").unwrap(), "l.js", b"l").unwrap();
        assert!(page.contains(&format!(
            "<link rel=\"modulepreload\" href=\"/x/l.js\" integrity=\"{}\" crossorigin=\"anonymous\"><script type=module>",
            minify::integrity(b"l")
        )));
    }
}
