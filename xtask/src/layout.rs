//! The house's layout rules, checked on the sources themselves: no import circle between the
//! modules of a crate, and no file of the app above 600 lines of code (tests excluded). A
//! rule that only lives in a review comes back; these fail `cargo xtask test` instead.
//!
//! An import is any `use` or inline path that starts with `crate::`, `super::`, `self::` or
//! the crate's own name, grouped uses expanded, resolved to the longest module path that is a
//! file. A module using its own parent (its front) and a front re-exporting its own child are
//! not edges: that is how a folder's `mod.rs` works. Comments and test modules are skipped.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The most lines of code a file of the app may have, tests excluded.
pub const MAX_LINES_OF_CODE: usize = 600;

type Module = Vec<String>;

/// Every `.rs` file under `src`, by its module path (`["oauth", "token"]`; the crate root is
/// `[]`), with its text up to its test module.
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut module: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            if module.iter().any(|m| m == "tests") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            found.insert(module, without_tests(&text));
        }
    }
    found
}

/// The text before `#[cfg(test)] mod tests`, with `//` comments removed (a doc link is no
/// import).
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut test_attr = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if test_attr && trimmed.starts_with("mod tests") {
            break;
        }
        test_attr = trimmed.starts_with("#[cfg(test)]");
        let code = match line.find("//") {
            // A `//` inside a string (a URL) is kept; one after the code is a comment.
            Some(i) if line[..i].matches('"').count() % 2 == 0 => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// `a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let head = tree[..open].trim_end_matches("::");
    let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in body.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p))
        .map(|e| match e.as_str() {
            "self" => head.to_string(),
            _ => format!("{head}::{e}"),
        })
        .collect()
}

/// The module a path in `from` names, if it is one of this crate's.
fn resolve(
    from: &Module,
    path: &str,
    crate_name: &str,
    known: &BTreeMap<Module, String>,
) -> Option<Module> {
    let path = path.split(" as ").next()?.trim();
    let mut segments = path.split("::").map(str::trim).peekable();
    let mut full: Module = match *segments.peek()? {
        "crate" => {
            segments.next();
            vec![]
        }
        name if name == crate_name => {
            segments.next();
            vec![]
        }
        "self" => {
            segments.next();
            from.clone()
        }
        "super" => {
            let mut base = from.clone();
            while segments.peek() == Some(&"super") {
                segments.next();
                base.pop();
            }
            base
        }
        _ => return None,
    };
    full.extend(segments.map(str::to_string));
    (0..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|m| known.contains_key(m))
}

/// The import graph: module → the modules it uses.
fn imports(src: &Path, crate_name: &str) -> BTreeMap<Module, BTreeSet<Module>> {
    let known = modules(src);
    let mut graph = BTreeMap::new();
    for (module, text) in &known {
        let mut to = BTreeSet::new();
        let mut add = |target: Option<Module>, reexport: bool| {
            let Some(target) = target else { return };
            let own_front = module.starts_with(&target);
            let own_child = target.starts_with(module);
            if !own_front && !(own_child && (reexport || target.len() > module.len())) {
                to.insert(target);
            }
        };
        for statement in text.split(';') {
            let s = statement.trim_start();
            let (reexport, rest) = match s.strip_prefix("pub") {
                Some(r) => (
                    true,
                    r.trim_start_matches(|c: char| c != ' ' && c != 'u')
                        .trim_start(),
                ),
                None => (false, s),
            };
            if let Some(tree) = rest.strip_prefix("use ") {
                for path in expand(tree) {
                    add(resolve(module, &path, crate_name, &known), reexport);
                }
            }
        }
        // Inline paths: `crate::oauth::token::fingerprint(…)`.
        for start in ["crate::", "super::"] {
            for (i, _) in text.match_indices(start) {
                let before = text[..i].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let path: String = text[i..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                add(
                    resolve(module, path.trim_end_matches(':'), crate_name, &known),
                    false,
                );
            }
        }
        graph.insert(module.clone(), to);
    }
    graph
}

/// Every strongly connected component of more than one module (Tarjan), each with its edges.
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<(Module, Module)>> {
    struct State<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        found: Vec<Vec<&'a Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.graph[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
        .iter()
        .map(|component| {
            component
                .iter()
                .flat_map(|a| {
                    graph[*a]
                        .iter()
                        .filter(|b| component.contains(b))
                        .map(|b| ((*a).clone(), b.clone()))
                })
                .collect()
        })
        .collect()
}

/// The lines of code of a file: not blank, not a comment, and before its test module.
fn lines_of_code(text: &str) -> usize {
    without_tests(text)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths;

    fn name(m: &Module) -> String {
        if m.is_empty() {
            "<root>".into()
        } else {
            m.join("::")
        }
    }

    fn circles_of(src: &str, crate_name: &str) -> Vec<String> {
        circles(&imports(&paths::root().join(src), crate_name))
            .iter()
            .map(|edges| {
                edges
                    .iter()
                    .map(|(a, b)| format!("{} -> {}", name(a), name(b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect()
    }

    #[test]
    fn no_import_circles_in_the_app_the_simulators_core_or_xtask() {
        for (src, crate_name) in [
            ("src", "ilert_pkce"),
            ("sim-core/src", "ilert_sim_core"),
            ("xtask/src", "xtask"),
        ] {
            assert_eq!(circles_of(src, crate_name), Vec::<String>::new(), "{src}");
        }
    }

    #[test]
    fn a_circle_is_found_through_grouped_and_inline_paths() {
        let dir = std::env::temp_dir().join(format!("xtask-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("lib.rs"), "pub mod a;\npub mod b;\npub mod c;\n").unwrap();
        std::fs::write(dir.join("a/mod.rs"), "pub mod inner;\npub use inner::X;\n").unwrap();
        std::fs::write(
            dir.join("a/inner.rs"),
            "use crate::{b::{self, Y}, c};\npub struct X;\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("b.rs"),
            "pub struct Y;\n// crate::c::Z in a comment\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("c.rs"),
            "pub fn f() { let _ = crate::a::inner::X; }\n#[cfg(test)]\nmod tests { use crate::b::Y; }\n",
        )
        .unwrap();
        let found = circles(&imports(&dir, "t"));
        let _ = std::fs::remove_dir_all(&dir);
        let found: Vec<Vec<String>> = found
            .iter()
            .map(|e| {
                e.iter()
                    .map(|(a, b)| format!("{}->{}", name(a), name(b)))
                    .collect()
            })
            .collect();
        // a::inner uses c (grouped), c uses a::inner (inline): one circle; b's comment and
        // c's test module are no edges, nor is the front a re-exporting its child.
        assert_eq!(found.len(), 1, "{found:?}");
        let mut edges = found[0].clone();
        edges.sort();
        assert_eq!(edges, ["a::inner->c", "c->a::inner"]);
    }

    #[test]
    fn grouped_uses_expand() {
        assert_eq!(
            expand("crate::a::{b, c::{d, self}, e as f}"),
            [
                "crate::a::b",
                "crate::a::c::d",
                "crate::a::c",
                "crate::a::e as f"
            ]
        );
    }

    #[test]
    fn web_storage_has_one_door() {
        let src = paths::root().join("src");
        let others: Vec<String> = modules(&src)
            .iter()
            .filter(|(m, text)| {
                m.as_slice() != ["browser", "storage"]
                    && (text.contains("gloo_storage") || text.contains("Storage::raw"))
            })
            .map(|(m, _)| name(m))
            .collect();
        assert_eq!(
            others,
            Vec::<String>::new(),
            "only browser::storage touches web storage"
        );
    }

    #[test]
    fn no_file_of_the_app_is_above_600_lines_of_code() {
        let src = paths::root().join("src");
        let mut long: Vec<String> = modules(&src)
            .keys()
            .filter_map(|m| {
                let mut path = src.join(m.join("/"));
                path = if path.with_extension("rs").exists() {
                    path.with_extension("rs")
                } else if m.is_empty() {
                    src.join("lib.rs")
                } else {
                    path.join("mod.rs")
                };
                let n = lines_of_code(&std::fs::read_to_string(&path).ok()?);
                (n > MAX_LINES_OF_CODE).then(|| format!("{} ({n})", path.display()))
            })
            .collect();
        long.sort();
        assert_eq!(long, Vec::<String>::new());
        assert_eq!(
            lines_of_code("a\n\n// c\nb // d\n#[cfg(test)]\nmod tests {\nx\n}\n"),
            3
        );
    }
}
