//! Include globs (`include conf.d/*.conf;`): expanded component by component
//! over the local filesystem, sorted like glob(3), hidden files only for a
//! pattern that starts with a dot.

use std::path::{Path, PathBuf};

pub(super) fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The leading components without glob characters.
pub(super) fn literal_prefix(pattern: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in pattern.components() {
        if has_glob(&c.as_os_str().to_string_lossy()) {
            break;
        }
        out.push(c.as_os_str());
    }
    out
}

/// Expand a glob over the local filesystem, component by component; sorted
/// like glob(3). Hidden files match only a pattern starting with a dot.
pub fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<_> = pattern.components().collect();
    let last = comps.len().saturating_sub(1);
    for (i, c) in comps.iter().enumerate() {
        let part = c.as_os_str().to_string_lossy().into_owned();
        if !has_glob(&part) {
            for p in &mut current {
                p.push(c.as_os_str());
            }
            continue;
        }
        let matcher = match globset::GlobBuilder::new(&part).literal_separator(true).build() {
            Ok(g) => g.compile_matcher(),
            Err(_) => return Vec::new(),
        };
        let mut next = Vec::new();
        for dir in &current {
            let listing = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Ok(rd) = std::fs::read_dir(listing) else { continue };
            let mut names: Vec<String> = rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            for n in names {
                if n.starts_with('.') && !part.starts_with('.') {
                    continue;
                }
                if matcher.is_match(&n) {
                    next.push(dir.join(&n));
                }
            }
        }
        current = next;
        if i < last {
            current.retain(|p| p.is_dir());
        }
    }
    current.retain(|p| !p.is_dir());
    current.sort();
    current
}

#[cfg(test)]
mod tests {
    use super::super::testutil;
    use super::*;

    #[test]
    fn glob_expands_sorted_and_skips_hidden() {
        let t = testutil::Tree::new(&[("d/b.conf", ""), ("d/a.conf", ""), ("d/.h.conf", ""), ("d/c.txt", "")]);
        let got = glob(&t.path("d/*.conf"));
        assert_eq!(got, vec![t.path("d/a.conf"), t.path("d/b.conf")]);
    }
}
