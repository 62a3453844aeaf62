//! No production module over 700 lines (issue #14, "Done when").
//!
//! A file's production code is everything before its inline test module
//! (`#[cfg(test)]` followed by `mod NAME {`). Files that are test modules
//! themselves (declared `#[cfg(test)] mod NAME;`, like `parse/tests.rs`) are
//! not production code and are not measured. The test fails naming each file
//! over the limit and its production line count.

mod common;

use common::rust_files;
use std::path::{Path, PathBuf};

const LIMIT: usize = 700;

/// Lines of `text` before its inline `#[cfg(test)] mod NAME {`.
fn production_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    for (i, pair) in lines.windows(2).enumerate() {
        if pair[0].trim() == "#[cfg(test)]" && is_mod_decl(pair[1]).is_some_and(|inline| inline) {
            return i;
        }
    }
    lines.len()
}

/// `mod NAME {` → Some(true), `mod NAME;` → Some(false), anything else → None.
fn is_mod_decl(line: &str) -> Option<bool> {
    let t = line.trim();
    let t = t.strip_prefix("pub(crate) ").or_else(|| t.strip_prefix("pub(super) ")).unwrap_or(t);
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let rest = t.strip_prefix("mod ")?;
    let name_end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    match rest[name_end..].trim() {
        "{" => Some(true),
        ";" => Some(false),
        _ => None,
    }
}

/// The files of modules declared `#[cfg(test)] mod NAME;` in `file`.
fn test_module_files(file: &Path, text: &str) -> Vec<PathBuf> {
    let stem = file.file_stem().unwrap().to_string_lossy();
    let dir = match stem.as_ref() {
        "mod" | "lib" | "main" => file.parent().unwrap().to_path_buf(),
        _ => file.with_extension(""),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for pair in lines.windows(2) {
        if pair[0].trim() == "#[cfg(test)]" && is_mod_decl(pair[1]) == Some(false) {
            let t = pair[1].trim().trim_end_matches(';');
            let name = t.rsplit(' ').next().unwrap();
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name).join("mod.rs"));
        }
    }
    out
}

/// (file, production lines) for every production file under `src/`.
fn measured() -> Vec<(PathBuf, usize)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let texts: Vec<(PathBuf, String)> =
        files.into_iter().map(|f| (f.clone(), std::fs::read_to_string(&f).unwrap())).collect();
    let tests: Vec<PathBuf> = texts.iter().flat_map(|(f, t)| test_module_files(f, t)).collect();
    texts
        .iter()
        .filter(|(f, _)| !tests.contains(f))
        .map(|(f, t)| (f.strip_prefix(&src).unwrap().to_path_buf(), production_lines(t)))
        .collect()
}

#[test]
fn no_production_module_exceeds_the_limit() {
    let measured = measured();
    // The walk found the crate (a test that measures nothing proves nothing).
    assert!(measured.iter().any(|(f, _)| f == Path::new("app.rs")), "src/app.rs not measured");
    assert!(!measured.iter().any(|(f, _)| f == Path::new("parse/tests.rs")), "test modules are not production");
    let over: Vec<String> = measured
        .iter()
        .filter(|(_, n)| *n > LIMIT)
        .map(|(f, n)| format!("src/{}: {n} production lines", f.display()))
        .collect();
    assert!(over.is_empty(), "modules over {LIMIT} production lines:\n{}", over.join("\n"));
}

#[test]
fn production_lines_stop_at_the_inline_test_module() {
    let text = "//! doc\n#[cfg(test)]\nmod fixture_tests;\nfn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n";
    assert_eq!(production_lines(text), 5);
    assert_eq!(production_lines("fn a() {}\nfn b() {}\n"), 2);
    assert_eq!(production_lines("#[cfg(test)]\npub(crate) mod tests {\n}\n"), 0);
    let declared = test_module_files(Path::new("/x/src/verify/mod.rs"), text);
    assert!(declared.contains(&PathBuf::from("/x/src/verify/fixture_tests.rs")));
    assert_eq!(
        test_module_files(Path::new("/x/src/app.rs"), "#[cfg(test)]\nmod t;\n")[0],
        Path::new("/x/src/app/t.rs")
    );
}
