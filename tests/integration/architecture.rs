//! The shape of the library, checked from its source: the modules of `src/` import each other
//! without cycles (between top-level modules, and between the files of one folder), and clap is
//! used by `src/cli/` (and `src/main.rs`) only.
//!
//! Imports are read as text: every `crate::a::b` path and every `super::` path outside comments
//! and outside `#[cfg(test)] mod tests` blocks. `cargo test --test integration architecture::`
//! prints the cycle it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo_root;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The module path of a source file: `src/verify/mod.rs` → `verify`, `src/cms/armor.rs` →
/// `cms::armor`, `src/lib.rs` → the empty path (the crate root).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without comments and without its unit-test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string (a URL) is rare in import lines; cutting there only loses text.
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module paths this file refers to: `crate::x::y::Z` gives `[x, y, Z]`; `super::a` in module
/// `m::n` gives `[m, a]`.
fn referenced_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|p| p.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
            .take_while(|p| !p.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (at, _) in code.match_indices("crate::") {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue; // `$crate::`, `my_crate::`
        }
        out.push(ident(&code[at + "crate::".len()..]));
    }
    for (at, _) in code.match_indices("super::") {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        // `super` of `a/b.rs` (module a::b) is `a`; of `a/b/mod.rs` (module a::b) also `a`.
        let mut base: Vec<String> = module.to_vec();
        base.pop();
        base.extend(ident(&code[at + "super::".len()..]));
        out.push(base);
    }
    out
}

struct Graph {
    /// Module path → the module paths of files (the longest prefix that is a file) it imports.
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn library_graph() -> Graph {
    let src = repo_root().join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if file.ends_with("main.rs") {
            continue; // the binary is not part of the library's graph
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for path in referenced_paths(&module, &code) {
            // The longest prefix of the path that is a module file.
            let target = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p));
            if let Some(target) = target {
                if target != module {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        edges.entry(module).or_default();
    }
    Graph { edges }
}

/// A cycle in `edges` (as a list of nodes, first repeated last), if any.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|p| p == n).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(n.to_string(), Mark::Open);
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// The graph between top-level modules (`verify::policy` counts as `verify`).
fn top_level(graph: &Graph) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &graph.edges {
        let Some(f) = from.first() else { continue };
        let entry = out.entry(f.clone()).or_default();
        for to in tos {
            if let Some(t) = to.first() {
                if t != f {
                    entry.insert(t.clone());
                }
            }
        }
    }
    out
}

/// For each folder module, the graph between its files other than its `mod.rs`.
fn within_folders(graph: &Graph) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (from, tos) in &graph.edges {
        if from.len() < 2 {
            continue;
        }
        let parent = from[..from.len() - 1].join("::");
        let folder = out.entry(parent).or_default();
        let entry = folder.entry(from.join("::")).or_default();
        for to in tos {
            if to.len() == from.len() && to[..to.len() - 1] == from[..from.len() - 1] {
                entry.insert(to.join("::"));
            }
        }
    }
    out
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = library_graph();
    let top = top_level(&graph);
    assert!(top.len() >= 10, "the source tree was not read: {top:?}");
    // The check sees real imports: the signer imports the CMS module, the verifier the policy.
    assert!(top["keyless"].contains("cms") && top["verify"].contains("sigstore"), "{top:?}");
    if let Some(cycle) = find_cycle(&top) {
        panic!("import cycle between modules: {}", cycle.join(" -> "));
    }
}

#[test]
fn files_of_one_folder_import_each_other_without_cycles() {
    let graph = library_graph();
    for (folder, edges) in within_folders(&graph) {
        if let Some(cycle) = find_cycle(&edges) {
            panic!("import cycle inside {folder}: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle_and_accepts_a_tree() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    edges.entry("c".into()).or_default();
    assert_eq!(find_cycle(&edges), None);
    edges.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&edges), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));

    // And the reader turns `use` lines and `super::` into edges.
    let code = "use crate::sigstore::{self, Bundle};\nlet x = super::login::run();\n// crate::cli::nothing\n";
    let paths = referenced_paths(&["keyless".into(), "digest".into()], &code_of(code));
    assert_eq!(
        paths,
        vec![vec!["sigstore".to_string()], vec!["keyless".to_string(), "login".to_string(), "run".to_string()]]
    );
}

#[test]
fn clap_is_used_only_by_the_command_line_layer() {
    let src = repo_root().join("src");
    let mut offenders = Vec::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        if rel.starts_with("cli") || rel == Path::new("main.rs") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        if code.contains("clap::")
            || code.contains("clap_complete")
            || code.contains("clap_mangen")
            || code.contains("#[arg(")
            || code.contains("derive(Parser")
            || code.contains("ValueEnum")
        {
            offenders.push(rel.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "clap outside src/cli/: {offenders:?}");
    // The check reads the files it should: the CLI does use clap.
    let cli = std::fs::read_to_string(src.join("cli/mod.rs")).unwrap();
    assert!(cli.contains("clap::"), "src/cli/mod.rs no longer uses clap: update this test");
}
