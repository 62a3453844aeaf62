//! No import circles between sibling modules (issue #14 item 3).
//!
//! For every directory under `src/`, the files in it are the nodes and a
//! reference from one file's production code (everything before its first
//! `#[cfg(test)]`) to a sibling, written `super::name` or
//! `crate::<dir>::name`, is an edge. The test fails naming each circle it
//! finds, e.g. `src/parse: der -> model -> pubkey -> der`.
//!
//! A second check treats every file or directory directly under `src/` as
//! one node (`app.rs` and `app/` are the node `app`; `lib.rs` and `main.rs`
//! are left out) and a `crate::<other>` path in any of its files' production
//! code as an edge, and fails naming each circle between top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn production_code(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Does `code` name `path` followed by a non-identifier character?
fn names(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + path.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && before != Some(':') && !ident(after)
    })
}

fn graph(dir: &Path, module_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut code = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        if path.extension().is_some_and(|e| e == "rs") && !["mod", "lib", "main"].contains(&stem) {
            code.insert(stem.to_string(), production_code(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    let mut edges = BTreeMap::new();
    for (from, text) in &code {
        let to: BTreeSet<String> = code
            .keys()
            .filter(|&to| to != from)
            .filter(|to| {
                names(text, &format!("super::{to}"))
                    || (!module_path.is_empty() && names(text, &format!("crate::{module_path}::{to}")))
            })
            .cloned()
            .collect();
        edges.insert(from.clone(), to);
    }
    edges
}

fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn walk(edges: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, out: &mut BTreeSet<String>) {
        let last = path.last().unwrap().clone();
        for next in &edges[&last] {
            if let Some(at) = path.iter().position(|p| p == next) {
                // Report each circle once, starting from its smallest name.
                let mut ring: Vec<String> = path[at..].to_vec();
                let min = ring.iter().enumerate().min_by_key(|(_, n)| n.as_str()).map(|(i, _)| i).unwrap();
                ring.rotate_left(min);
                ring.push(ring[0].clone());
                out.insert(ring.join(" -> "));
            } else if path.len() < edges.len() {
                path.push(next.clone());
                walk(edges, path, out);
                path.pop();
            }
        }
    }
    let mut out = BTreeSet::new();
    for start in edges.keys() {
        walk(edges, &mut vec![start.clone()], &mut out);
    }
    out.into_iter().collect()
}

fn visit(dir: &Path, module_path: &str, found: &mut Vec<String>) {
    for ring in circles(&graph(dir, module_path)) {
        found.push(format!("{}: {ring}", dir.display()));
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let sub = if module_path.is_empty() { name } else { format!("{module_path}::{name}") };
            visit(&path, &sub, found);
        }
    }
}

/// The directory holding the child modules of the module in `file`.
fn child_dir(file: &Path) -> std::path::PathBuf {
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    }
}

/// The production code of the module in `file` and of every child module it
/// declares in its own production code (`mod x;` under `#[cfg(test)]` does
/// not count), appended to `out`.
fn module_code(file: &Path, out: &mut String) {
    let code = production_code(&std::fs::read_to_string(file).unwrap());
    out.push_str(&code);
    out.push('\n');
    for line in code.lines() {
        let line = line.trim();
        let Some(at) = line.find("mod ") else { continue };
        let (head, rest) = (&line[..at], &line[at + 4..]);
        if !(head.is_empty() || head.starts_with("pub")) || !rest.ends_with(';') {
            continue;
        }
        let name = rest.trim_end_matches(';').trim();
        let dir = child_dir(file);
        let child = [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")].into_iter().find(|p| p.is_file());
        module_code(&child.unwrap_or_else(|| panic!("{}: mod {name} not found", file.display())), out);
    }
}

/// The graph of the top-level modules of `src`.
fn top_level_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut code: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(String::from) else { continue };
        if ["lib", "main"].contains(&stem.as_str()) || code.contains_key(&stem) {
            continue;
        }
        let root = [src.join(format!("{stem}.rs")), src.join(&stem).join("mod.rs")].into_iter().find(|p| p.is_file());
        let Some(root) = root else { continue };
        let mut text = String::new();
        module_code(&root, &mut text);
        code.insert(stem, text);
    }
    top_level_edges(&code)
}

fn top_level_edges(code: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges = BTreeMap::new();
    for (from, text) in code {
        let to = code.keys().filter(|&to| to != from && names(text, &format!("crate::{to}"))).cloned().collect();
        edges.insert(from.clone(), to);
    }
    edges
}

#[test]
fn no_import_circles_between_top_level_modules() {
    let edges = top_level_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(edges["app"].contains("pair") && edges["verify"].contains("parse"), "the graph is read: {edges:?}");
    assert!(!edges.contains_key("lib") && !edges.contains_key("main"));
    let found = circles(&edges);
    assert!(found.is_empty(), "import circles between top-level modules of src/:\n{}", found.join("\n"));
}

#[test]
fn the_top_level_check_sees_a_circle() {
    let code: BTreeMap<String, String> = [
        ("parse", "use crate::finding::Finding;\nfn f() { crate::verify::ed448::x() }"),
        ("verify", "use crate::parse::Key;\n// crate::report\n"),
        ("finding", "#[cfg(test)]\nuse crate::parse;"),
        ("report", "use crate::verifying::X;"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), production_code(v)))
    .collect();
    let edges = top_level_edges(&code);
    assert_eq!(circles(&edges), vec!["parse -> verify -> parse"]);
    assert!(edges["finding"].is_empty(), "test code does not count");
    assert!(edges["report"].is_empty(), "comments and longer names do not count");
}

#[test]
fn no_import_circles_between_sibling_modules() {
    let mut found = Vec::new();
    visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut found);
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_circle() {
    let edges: BTreeMap<String, BTreeSet<String>> =
        [("der", vec!["model"]), ("model", vec!["pubkey"]), ("pubkey", vec!["der", "model"]), ("cert", vec!["der"])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
            .collect();
    assert_eq!(circles(&edges), vec!["der -> model -> pubkey -> der", "model -> pubkey -> model"]);
    let code = production_code("use super::model::bit_len;\n// super::pubkey\n#[cfg(test)]\nuse super::cert;");
    assert!(names(&code, "super::model"));
    assert!(!names(&code, "super::pubkey"), "comments do not count");
    assert!(!names(&code, "super::cert"), "test code does not count");
    assert!(!names("use super::models;", "super::model"));
}
