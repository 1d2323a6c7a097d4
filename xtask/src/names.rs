//! Short names for what the release wasm and its JS glue call each other by. wasm-bindgen
//! names every import `__wbg_<name>_<16 hex digits>` under the module `./<crate>_bg.js`, and
//! the closure exports by their full Rust types (`wasm_bindgen_<hash>___convert__closures…`):
//! about 200 names, each written twice (the wasm's import or export section, the glue's
//! imports object or `wasm.<name>` call), whose random hex digits brotli cannot compress.
//! Renamed to `a`, `b`, … in both files (measured −5.0 KB brotli), and their integrity in
//! index.html updated. The glue only ever writes these names as property keys (`,name:`) or
//! member accesses (`.name`); any other occurrence is an error, not a silent miss.
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::{minify, paths};

/// The exports the glue or a page use by their own names: kept.
fn keeps_export(name: &str) -> bool {
    name == "memory" || name == "__wbindgen_start"
}

/// `wasm` without the exports that `drop` picks, and how many it dropped. Their code stays
/// until wasm-opt, which then removes what nothing calls any more.
pub fn without_exports(
    wasm: &[u8],
    drop: impl Fn(&str) -> bool,
) -> Result<(Vec<u8>, usize), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("not a wasm module (version 1)".into());
    }
    let mut dropped = 0;
    let mut out = wasm[..8].to_vec();
    let mut r = Reader { bytes: wasm, at: 8 };
    while r.at < wasm.len() {
        let id = r.byte()?;
        let size = r.leb()?;
        let body = r.take(size)?;
        if id != 7 {
            section(id, body, &mut out);
            continue;
        }
        let mut s = Reader { bytes: body, at: 0 };
        let count = s.leb()?;
        let mut kept = Vec::new();
        for _ in 0..count {
            let start = s.at;
            let field = s.name()?;
            s.byte()?;
            s.leb()?;
            if drop(&field) {
                dropped += 1;
            } else {
                kept.extend_from_slice(&body[start..s.at]);
            }
        }
        if s.at != body.len() {
            return Err("the wasm's export section was not read to its end".into());
        }
        let mut new = Vec::new();
        leb(count - dropped, &mut new);
        new.extend_from_slice(&kept);
        section(id, &new, &mut out);
    }
    Ok((out, dropped))
}

/// Renames the wasm's imports and exports in `dist` (its one `_bg.wasm` and the glue beside
/// it), but the exports in `keep` (those the split build's parts import by name), and
/// updates both files' integrity in index.html.
pub fn shorten(dist: &Path, keep: &BTreeSet<String>) -> Result<(), String> {
    let (wasm_path, js_path) = the_pair(dist)?;
    let wasm = paths::read(&wasm_path)?;
    let js = paths::read_text(&js_path)?;
    let (new_wasm, new_js) = rename(&wasm, &js, keep)?;
    let index = dist.join("index.html");
    let html = paths::read_text(&index)?;
    let html = minify::replace_integrity(&html, &wasm, &new_wasm)?;
    let html = minify::replace_integrity(&html, js.as_bytes(), new_js.as_bytes())?;
    std::fs::write(&wasm_path, &new_wasm).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
    std::fs::write(&js_path, &new_js).map_err(|e| format!("{}: {e}", js_path.display()))?;
    std::fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))
}

/// The app's wasm (`<name>_bg.wasm`) and its glue (`<name>.js`).
pub fn the_pair(dist: &Path) -> Result<(PathBuf, PathBuf), String> {
    let files: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let wasm: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("_bg.wasm"))
        .collect();
    let [wasm] = wasm.as_slice() else {
        return Err(format!(
            "expected one _bg.wasm in {}, found {}",
            dist.display(),
            wasm.len()
        ));
    };
    let name = wasm.to_string_lossy();
    let js = PathBuf::from(format!(
        "{}.js",
        name.strip_suffix("_bg.wasm").unwrap_or(&name)
    ));
    if !js.exists() {
        return Err(format!("{} has no glue {}", wasm.display(), js.display()));
    }
    Ok(((*wasm).clone(), js))
}

/// The `n`th short name: a … z, A … Z, aa, ab, …
fn short(mut n: usize) -> String {
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(ALPHA[n % ALPHA.len()]);
        n /= ALPHA.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the wasm ends early")?;
        self.at += 1;
        Ok(b)
    }
    fn leb(&mut self) -> Result<usize, String> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let b = self.byte()?;
            value |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(value);
            }
            shift += 7;
        }
    }
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at + n;
        let slice = self.bytes.get(self.at..end).ok_or("the wasm ends early")?;
        self.at = end;
        Ok(slice)
    }
    fn name(&mut self) -> Result<String, String> {
        let n = self.leb()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a wasm name is not UTF-8".into())
    }
    fn limits(&mut self) -> Result<(), String> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 == 1 {
            self.leb()?;
        }
        Ok(())
    }
}

fn leb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn name(text: &str, out: &mut Vec<u8>) {
    leb(text.len(), out);
    out.extend_from_slice(text.as_bytes());
}

/// A section of a wasm module: its id, its size, its body.
fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(body.len(), out);
    out.extend_from_slice(body);
}

/// The wasm and the glue with short names (see the module's comment).
fn rename(wasm: &[u8], js: &str, keep: &BTreeSet<String>) -> Result<(Vec<u8>, String), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("not a wasm module (version 1)".into());
    }
    let mut names: HashMap<String, String> = HashMap::new();
    let mut module: Option<String> = None;
    let mut out = wasm[..8].to_vec();
    let mut r = Reader { bytes: wasm, at: 8 };
    while r.at < wasm.len() {
        let id = r.byte()?;
        let size = r.leb()?;
        let body = r.take(size)?;
        let mut s = Reader { bytes: body, at: 0 };
        let mut new = Vec::new();
        match id {
            2 => {
                let count = s.leb()?;
                leb(count, &mut new);
                for _ in 0..count {
                    let m = s.name()?;
                    let field = s.name()?;
                    let start = s.at;
                    match s.byte()? {
                        0 => drop(s.leb()?),
                        1 => {
                            s.byte()?;
                            s.limits()?
                        }
                        2 => s.limits()?,
                        3 => drop(s.take(2)?),
                        4 => {
                            s.byte()?;
                            s.leb()?;
                        }
                        kind => return Err(format!("unknown import kind {kind}")),
                    }
                    if m == crate::paths::LINK_IMPORT {
                        // The split main module's part loaders, from the link module: kept.
                        name(&m, &mut new);
                        name(&field, &mut new);
                        new.extend_from_slice(&body[start..s.at]);
                        continue;
                    }
                    if module.get_or_insert_with(|| m.clone()) != &m {
                        return Err(format!("imports from two modules: {m} and {module:?}"));
                    }
                    let count = names.len();
                    let short_name = names.entry(field).or_insert_with(|| short(count));
                    name("a", &mut new);
                    name(short_name, &mut new);
                    new.extend_from_slice(&body[start..s.at]);
                }
            }
            7 => {
                let count = s.leb()?;
                leb(count, &mut new);
                for _ in 0..count {
                    let field = s.name()?;
                    let start = s.at;
                    s.byte()?;
                    s.leb()?;
                    if keeps_export(&field) || keep.contains(&field) {
                        name(&field, &mut new);
                    } else {
                        let count = names.len();
                        name(names.entry(field).or_insert_with(|| short(count)), &mut new);
                    }
                    new.extend_from_slice(&body[start..s.at]);
                }
            }
            _ => {
                new.extend_from_slice(body);
                s.at = body.len();
            }
        }
        if s.at != body.len() {
            return Err(format!("wasm section {id} was not read to its end"));
        }
        section(id, &new, &mut out);
    }
    let module = module.ok_or("the wasm imports nothing")?;
    let key = format!("\"{module}\":");
    if js.matches(&key).count() != 1 {
        return Err(format!("the glue names the import module {key} not once"));
    }
    let js = js.replacen(&key, "a:", 1);
    Ok((out, replace_names(&js, &names)?))
}

/// `js` with every identifier in `names` replaced; each must be a property key (`,name:` or
/// `{name:`) or a member access (`.name`).
fn replace_names(js: &str, names: &HashMap<String, String>) -> Result<String, String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    let mut before = ' ';
    while let Some(c) = rest.chars().next() {
        if is_ident(c) {
            let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
            let word = &rest[..end];
            let after = rest[end..].chars().next().unwrap_or(' ');
            match names.get(word) {
                Some(new) if before == '.' || (matches!(before, ',' | '{') && after == ':') => {
                    out.push_str(new)
                }
                Some(_) => return Err(format!("the glue uses {word} in an unexpected place")),
                None => out.push_str(word),
            }
            before = word.chars().last().unwrap_or(' ');
            rest = &rest[end..];
        } else {
            out.push(c);
            before = c;
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_count_up() {
        assert_eq!(short(0), "a");
        assert_eq!(short(51), "Z");
        assert_eq!(short(52), "aa");
        assert_eq!(short(53), "ab");
    }

    #[test]
    fn names_are_replaced_only_as_keys_and_members() {
        let names = HashMap::from([("__wbg_x_1".to_string(), "a".to_string())]);
        assert_eq!(
            replace_names("{__wbg_x_1:1,y:F.__wbg_x_1(2),__wbg_x_12:3}", &names).unwrap(),
            "{a:1,y:F.a(2),__wbg_x_12:3}"
        );
        assert!(replace_names("let __wbg_x_1=1", &names).is_err());
    }

    #[test]
    fn exports_are_dropped_by_name_and_the_rest_kept() {
        // (func) (func) (export "keep" (func 0)) (export "intounderlyingsink_close" (func 1))
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0, 3, 3, 2, 0, 0]);
        let mut exports = vec![2];
        name("keep", &mut exports);
        exports.extend_from_slice(&[0, 0]);
        name("intounderlyingsink_close", &mut exports);
        exports.extend_from_slice(&[0, 1]);
        section(7, &exports, &mut wasm);
        wasm.extend_from_slice(&[10, 7, 2, 2, 0, 0x0b, 2, 0, 0x0b]);
        let (out, dropped) = without_exports(&wasm, |n| n.starts_with("intounderlying")).unwrap();
        assert_eq!(dropped, 1);
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend_from_slice(&[1, 4, 1, 0x60, 0, 0, 3, 3, 2, 0, 0]);
        let mut exports = vec![1];
        name("keep", &mut exports);
        exports.extend_from_slice(&[0, 0]);
        section(7, &exports, &mut expected);
        expected.extend_from_slice(&[10, 7, 2, 2, 0, 0x0b, 2, 0, 0x0b]);
        assert_eq!(out, expected);
        assert_eq!(
            without_exports(&wasm, |_| false).unwrap(),
            (wasm.clone(), 0)
        );
    }

    #[test]
    fn imports_and_exports_are_renamed_in_both_files() {
        // (import "./m_bg.js" "__wbg_f_1" (func (type 0))) (export "closure_2" (func 0))
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut imports = vec![1];
        name("./m_bg.js", &mut imports);
        name("__wbg_f_1", &mut imports);
        imports.extend_from_slice(&[0, 0]);
        section(2, &imports, &mut wasm);
        let mut exports = vec![2];
        name("closure_2", &mut exports);
        exports.extend_from_slice(&[0, 0]);
        name("memory", &mut exports);
        exports.extend_from_slice(&[2, 0]);
        section(7, &exports, &mut wasm);
        let js = "const n={__wbg_f_1:function(){F.closure_2()}};return{\"./m_bg.js\":n}";
        let (new_wasm, new_js) = rename(&wasm, js, &BTreeSet::new()).unwrap();
        assert_eq!(new_js, "const n={a:function(){F.b()}};return{a:n}");
        let text = String::from_utf8_lossy(&new_wasm);
        assert!(!text.contains("__wbg_f_1") && !text.contains("closure_2"));
        assert!(text.contains("memory"));
    }
}
