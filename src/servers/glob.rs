//! Include globs (`include conf.d/*.conf;`): expanded component by component
//! through a [`ConfigFs`] (the local filesystem in a scan), sorted like glob(3), hidden files only for a
//! pattern that starts with a dot.

use super::fs::ConfigFs;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Does the text (or a path component) hold a glob character?
pub(super) fn has_glob(s: impl AsRef<OsStr>) -> bool {
    s.as_ref().as_encoded_bytes().iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// The leading components without glob characters.
pub(super) fn literal_prefix(pattern: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in pattern.components() {
        if has_glob(c) {
            break;
        }
        out.push(c.as_os_str());
    }
    out
}

/// Expand a glob over `fs`, component by component; sorted like glob(3) (by
/// bytes). Hidden files match only a pattern starting with a dot. Names are
/// matched as the bytes they are (globset matches bytes on Unix), so a file
/// whose name is not UTF-8 is found like any other. A pattern comes from config
/// text, which is UTF-8 (decoded lossily), so it is matched as text.
pub fn glob(fs: &dyn ConfigFs, pattern: &Path) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<_> = pattern.components().collect();
    let last = comps.len().saturating_sub(1);
    for (i, c) in comps.iter().enumerate() {
        let part = c.as_os_str();
        if !has_glob(part) {
            for p in &mut current {
                p.push(part);
            }
            continue;
        }
        let matcher = match globset::GlobBuilder::new(&part.to_string_lossy()).literal_separator(true).build() {
            Ok(g) => g.compile_matcher(),
            Err(_) => return Vec::new(),
        };
        let dot_pattern = part.as_encoded_bytes().starts_with(b".");
        let mut next = Vec::new();
        for dir in &current {
            let listing = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Some(mut names) = fs.list(listing) else { continue };
            names.sort();
            for n in names {
                if n.as_encoded_bytes().starts_with(b".") && !dot_pattern {
                    continue;
                }
                if matcher.is_match(Path::new(&n)) {
                    next.push(dir.join(&n));
                }
            }
        }
        current = next;
        if i < last {
            current.retain(|p| fs.is_dir(p));
        }
    }
    current.retain(|p| !fs.is_dir(p));
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
        let read = |p: &Path| crate::discover::read_file(p, 1 << 20, &crate::paths::PathMap::default());
        let map = crate::paths::PathMap::default();
        let got = glob(&super::super::fs::HostFs { read: &read, map: &map }, &t.path("d/*.conf"));
        assert_eq!(got, vec![t.path("d/a.conf"), t.path("d/b.conf")]);
    }

    #[test]
    fn names_that_are_not_utf8_are_matched_and_kept_as_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let odd = OsStr::from_bytes(b"\xff.conf");
        let odd_dir = OsStr::from_bytes(b"s\xfe");
        let fs = super::super::fs::MemFs::new()
            .file(Path::new("/e/d").join(odd), "x")
            .file("/e/d/a.conf", "x")
            .file("/e/d/b.txt", "x")
            .file(Path::new("/e/d").join(odd_dir).join("c.conf"), "x")
            .file(Path::new("/e/d").join(OsStr::from_bytes(b".\xff.conf")), "x");
        assert_eq!(
            glob(&fs, Path::new("/e/d/*.conf")),
            vec![PathBuf::from("/e/d/a.conf"), Path::new("/e/d").join(odd)]
        );
        assert_eq!(
            glob(&fs, Path::new("/e/d/?.conf")),
            vec![PathBuf::from("/e/d/a.conf"), Path::new("/e/d").join(odd)]
        );
        assert_eq!(glob(&fs, Path::new("/e/d/*/*.conf")), vec![Path::new("/e/d").join(odd_dir).join("c.conf")]);
        assert_eq!(
            glob(&fs, Path::new("/e/d/.*.conf")),
            vec![Path::new("/e/d").join(OsStr::from_bytes(b".\xff.conf"))]
        );
    }
}
