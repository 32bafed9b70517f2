//! `cargo xtask cycles`: module-level import cycles inside each crate.
//!
//! Every `.rs` file under a crate's `src/` is a module (`a/mod.rs` and `a.rs` are `a`). A
//! module depends on another when its code (tests excluded) names it through a `crate::` or
//! `super::` path, in a `use` or inline, `use crate::{a, b::c}` groups and globs
//! (`use super::*` depends on the parent) included. The strongly
//! connected components of that graph with more than one module are the cycles: modules that
//! cannot be read or tested alone. Method calls across files are not seen (they name no
//! module), so this finds a lower bound.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One crate's cycles, each a sorted list of module paths (`container::start`).
pub fn crate_cycles(src: &Path) -> Result<Vec<Vec<String>>, String> {
    let mut files = Vec::new();
    walk(src, &mut files).map_err(|e| format!("reading {}: {e}", src.display()))?;
    let mut modules: BTreeMap<Vec<String>, PathBuf> = BTreeMap::new();
    for f in &files {
        modules.insert(module_path(src, f), f.clone());
    }
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, f) in &modules {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let text = strip_comments(strip_tests(&text));
        let text = text.as_str();
        let mut deps = BTreeSet::new();
        for (root, segments) in paths(text) {
            let mut path: Vec<String> = match root {
                Root::Crate => Vec::new(),
                // `super` of `a::b` is `a` (for `a/b/mod.rs` as for `a/b.rs`).
                Root::Super => m[..m.len().saturating_sub(1)].to_vec(),
            };
            path.extend(segments);
            // The longest prefix that is a module of this crate.
            if let Some(target) = (1..=path.len())
                .rev()
                .map(|i| path[..i].to_vec())
                .find(|p| modules.contains_key(p))
            {
                if &target != m {
                    deps.insert(target);
                }
            }
        }
        graph.insert(m.clone(), deps);
    }
    Ok(strongly_connected(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|m| m.join("::")).collect();
            names.sort();
            names
        })
        .collect())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The file without its `#[cfg(test)] mod tests` (at the bottom, by the house rule).
fn strip_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The file without its comment lines (doc links such as [`crate::journal`] are not imports).
fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

enum Root {
    Crate,
    Super,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every `crate::a::b` / `super::a` path in `text`, braces expanded one level
/// (`crate::{a, b::c}` gives `a` and `b::c`).
fn paths(text: &str) -> Vec<(Root, Vec<String>)> {
    let mut out = Vec::new();
    for (kw, root) in [("crate::", 0), ("super::", 1)] {
        let mut from = 0;
        while let Some(i) = text[from..].find(kw) {
            let at = from + i;
            from = at + kw.len();
            if text[..at].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            let rest = &text[from..];
            let mk = || if root == 0 { Root::Crate } else { Root::Super };
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let segs = segments(item.trim());
                    if !segs.is_empty() {
                        out.push((mk(), segs));
                    }
                }
            } else {
                let segs = segments(rest);
                // `super::*` names the parent itself (and `crate::*` the root, which
                // is no module's dependency).
                if !segs.is_empty() || rest.starts_with('*') {
                    out.push((mk(), segs));
                }
            }
        }
    }
    out
}

fn segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let ident: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if ident.is_empty() {
            break;
        }
        rest = &rest[ident.len()..];
        segs.push(ident);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    segs
}

/// Tarjan's strongly connected components.
fn strongly_connected(
    graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Vec<Vec<Vec<String>>> {
    struct T<'a> {
        g: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        next: usize,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let Some((w, _)) = g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            t.out.push(comp);
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn finds_a_cycle_through_use_groups_and_super() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().to_path_buf();
        write(&tmp, "lib.rs", "mod a;\nmod b;\nmod leaf;\n");
        write(
            &tmp,
            "a/mod.rs",
            "mod inner;\nuse crate::{leaf, b::Thing};\n",
        );
        write(&tmp, "a/inner.rs", "use super::Other;\n");
        write(
            &tmp,
            "b.rs",
            "pub struct Thing;\nfn f() { crate::a::inner::g() }\n",
        );
        write(
            &tmp,
            "leaf.rs",
            "pub fn x() {}\n#[cfg(test)]\nmod tests { use crate::b::Thing; }\n",
        );
        let cycles = crate_cycles(&tmp).unwrap();
        // a -> b (group), b -> a::inner (inline), a::inner -> a (super): one cycle; leaf's
        // test-only use of b does not count.
        assert_eq!(cycles, vec![vec!["a", "a::inner", "b"]]);
    }

    #[test]
    fn a_glob_import_of_the_parent_closes_a_cycle() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().to_path_buf();
        write(&tmp, "lib.rs", "mod verbs;\nmod steps;\n");
        // verbs::start sees `verbs` only through the glob; verbs calls steps, which
        // calls back into verbs::start.
        write(
            &tmp,
            "verbs/mod.rs",
            "mod start;\npub fn enter() { crate::steps::run() }\n",
        );
        write(
            &tmp,
            "verbs/start.rs",
            "use super::*;\npub fn go() { enter() }\n",
        );
        write(
            &tmp,
            "steps.rs",
            "pub fn run() { crate::verbs::start::go() }\n",
        );
        let cycles = crate_cycles(&tmp).unwrap();
        assert_eq!(cycles, vec![vec!["steps", "verbs", "verbs::start"]]);
    }

    #[test]
    fn no_cycle_in_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().to_path_buf();
        write(&tmp, "lib.rs", "mod a;\nmod b;\n");
        write(&tmp, "a.rs", "use crate::b;\n");
        write(&tmp, "b.rs", "pub fn f() {}\n");
        let cycles = crate_cycles(&tmp).unwrap();
        assert!(cycles.is_empty(), "{cycles:?}");
    }
}
