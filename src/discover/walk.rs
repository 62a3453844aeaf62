//! Walking the roots: `walkdir`, sorted, skipping version-control and build
//! directories and `--exclude` globs; directory symlinks are not descended
//! unless `--follow`, and then loops are reported once and not followed again.

use super::{DiscoverOptions, Walk, WalkedFile};
use crate::finding::{Code, Finding, Location, Severity};
use crate::paths;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Directories never descended (below a root).
pub const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn", "node_modules", "target"];

/// Compile `--exclude` globs. `Err` names the glob that does not compile.
pub fn compile_excludes(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| format!("--exclude: '{g}' is not a glob ({e})"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| format!("--exclude: {e}"))
}

/// Walk every root; files (regular, symlinks that are not to directories,
/// FIFOs, sockets, devices) sorted by path, without duplicates.
pub fn walk(roots: &[PathBuf], opts: &DiscoverOptions) -> Walk {
    let mut files = Vec::new();
    let findings = walk_each(roots, opts, &mut |f| files.push(f));
    let mut out = Walk { files, findings };
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.files.dedup_by(|a, b| a.path == b.path);
    out
}

/// Walk every root and hand each file to `on_file` as soon as it is seen: the
/// scan reads files while the walk goes on. Each root's files come in path
/// order (names sorted within each directory, depth first); a file under two
/// roots comes twice. Returns the walk's
/// notes (symlink loops, directories that cannot be read).
pub fn walk_each(roots: &[PathBuf], opts: &DiscoverOptions, on_file: &mut dyn FnMut(WalkedFile)) -> Vec<Finding> {
    // Invalid globs were refused before the scan started (`compile_excludes`).
    let excludes = compile_excludes(&opts.excludes).unwrap_or_else(|_| GlobSet::empty());
    let mut findings = Vec::new();
    for root in roots {
        walk_one(root, opts.follow, &excludes, on_file, &mut findings);
    }
    findings
}

fn walk_one(
    root: &Path,
    follow: bool,
    excludes: &GlobSet,
    on_file: &mut dyn FnMut(WalkedFile),
    findings: &mut Vec<Finding>,
) {
    let excluded = |path: &Path| -> bool {
        if excludes.is_empty() {
            return false;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        excludes.is_match(rel) || path.file_name().is_some_and(|n| excludes.is_match(Path::new(n)))
    };
    let iter = walkdir::WalkDir::new(root).follow_links(follow).sort_by_file_name().into_iter().filter_entry(|e| {
        e.depth() == 0
            || !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n))
                || excluded(e.path()))
    });
    let mut loops_seen: HashSet<PathBuf> = HashSet::new();
    for entry in iter {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                walk_error(&err, root, &mut loops_seen, on_file, findings);
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let is_symlink = entry.path_is_symlink();
        if ft.is_symlink() && !follow && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
            // A directory symlink: not descended without --follow.
            continue;
        }
        // A root named on the command line is always read; below it, logs,
        // archives, images, libraries and databases are counted, not opened.
        let skip_content = ft.is_file() && entry.depth() > 0 && !may_hold_material(entry.file_name());
        on_file(WalkedFile { path: shown(root, entry.path()), is_symlink, is_regular: ft.is_file(), skip_content });
    }
}

/// False for names that are obviously not certificates or keys: logs (also
/// rotated: `x.log.3`), compressed files and archives, images, media and fonts,
/// compiled objects and shared libraries (`libx.so.1.2`), databases, pid and
/// lock files, source code, scripts, documentation, spreadsheets and systemd
/// units. Servers load none of these as TLS material (a key pasted into a
/// README is an example, not a deployment), and skipping them unopened is most
/// of what keeps a scan below the cost of reading the tree. Everything else —
/// no extension, `.pem`/`.crt`/`.key`, `.txt`, `.bin`, `.bak`, configs (`.conf`,
/// `.yaml`, `.json`, `.toml`, `.ini`, `.tf`, templates) — is sniffed.
pub fn may_hold_material(name: &std::ffi::OsStr) -> bool {
    skip_reason(name).is_none()
}

/// Why a file is counted but not opened, by its name (`None`: it is read). The reason names
/// the kind of file, for `scan -v`: "a log", "an archive or compressed file", …
pub fn skip_reason(name: &std::ffi::OsStr) -> Option<&'static str> {
    const NOT_MATERIAL: &[(&str, &[&str])] = &[
        ("a log", &["log"]),
        (
            "an archive or compressed file",
            &[
                "gz", "tgz", "bz2", "tbz2", "xz", "txz", "zst", "lz4", "lzma", "zip", "7z", "rar", "tar", "jar", "war",
                "ear", "whl", "deb", "rpm", "iso",
            ],
        ),
        (
            "an image, media file or font",
            &[
                "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "tif", "tiff", "svg", "mp3", "mp4", "ogg", "wav",
                "flac", "avi", "mkv", "mov", "webm", "woff", "woff2", "ttf", "otf", "eot",
            ],
        ),
        ("a document", &["pdf", "md", "markdown", "rst", "adoc", "html", "htm", "css", "csv", "tsv"]),
        ("compiled code or a library", &["so", "dll", "dylib", "exe", "o", "a", "class", "pyc", "pyo", "wasm", "rlib"]),
        ("a database", &["db", "sqlite", "sqlite3"]),
        ("a pid or lock file", &["pid", "lock"]),
        (
            "source code or a script",
            &[
                "py", "rb", "go", "rs", "java", "kt", "scala", "c", "h", "cc", "cpp", "hpp", "cs", "php", "pl", "pm",
                "lua", "swift", "js", "mjs", "cjs", "ts", "tsx", "jsx", "vue", "sh", "bash", "zsh", "fish", "ps1",
                "sql",
            ],
        ),
        ("a systemd unit", &["service", "socket", "timer", "mount", "path"]),
    ];
    let name = name.as_encoded_bytes();
    // The last dot-separated part that is not a number: trailing numbers are
    // rotations or versions (`syslog.log.1`, `libssl.so.3.0.2`). The part before
    // the first dot is the stem, never an extension.
    let stem_len = name.iter().position(|&b| b == b'.').unwrap_or(name.len());
    let exts = name.get(stem_len..).unwrap_or_default();
    let ext = exts.rsplit(|&b| b == b'.').find(|e| !e.is_empty() && !e.iter().all(u8::is_ascii_digit))?;
    NOT_MATERIAL
        .iter()
        .find(|(_, exts)| exts.iter().any(|n| ext.eq_ignore_ascii_case(n.as_bytes())))
        .map(|(why, _)| *why)
}

fn walk_error(
    err: &walkdir::Error,
    root: &Path,
    loops_seen: &mut HashSet<PathBuf>,
    on_file: &mut dyn FnMut(WalkedFile),
    findings: &mut Vec<Finding>,
) {
    let Some(path) = err.path() else { return };
    if let Some(ancestor) = err.loop_ancestor() {
        if loops_seen.insert(path.to_path_buf()) {
            let shown_path = paths::display(&shown(root, path));
            findings.push(
                Finding::new(
                    Code::Unreadable,
                    format!(
                        "{shown_path} is a symbolic link back to {}, a directory already being scanned; not followed again",
                        paths::display(&shown(root, ancestor))
                    ),
                    vec![Location::file(shown_path)],
                )
                .with_severity(Severity::Note)
                .with_hint("nothing to do; the directory was scanned once"),
            );
        }
        return;
    }
    // With --follow a dangling link is an error for walkdir; it is still a file entry.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        on_file(WalkedFile { path: shown(root, path), is_symlink: true, is_regular: false, skip_content: false });
        return;
    }
    let shown_path = paths::display(&shown(root, path));
    let reason = err.io_error().map(|e| e.to_string()).unwrap_or_else(|| err.to_string());
    findings.push(
        Finding::new(
            Code::Unreadable,
            format!("the directory {shown_path} cannot be read ({reason}); what it holds was not scanned"),
            vec![Location::file(shown_path)],
        )
        .with_severity(Severity::Note)
        .with_hint("run keymatch as a user who can read it, or --exclude it"),
    );
}

/// The path as the user will see it: under a root given as `.`, without the `./`.
fn shown(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new(".") {
        if let Ok(rest) = path.strip_prefix(".") {
            if !rest.as_os_str().is_empty() {
                return rest.to_path_buf();
            }
        }
    }
    path.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn names(w: &Walk, root: &Path) -> Vec<String> {
        w.files.iter().map(|f| paths::display(f.path.strip_prefix(root).unwrap_or(&f.path))).collect()
    }

    #[test]
    fn skips_vcs_dirs_excludes_and_directory_links() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in [".git", "node_modules/x", "a/b", "vendor"] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        for f in [".git/k.pem", "node_modules/x/k.pem", "a/b/c.pem", "a/z.key", "a/skip.bak", "vendor/v.pem", "top.crt"]
        {
            fs::write(d.join(f), b"x").unwrap();
        }
        symlink("a", d.join("link-to-dir")).unwrap();
        symlink("a/z.key", d.join("link-to-file")).unwrap();
        symlink("nowhere", d.join("dangling")).unwrap();
        let opts = DiscoverOptions { excludes: vec!["*.bak".into(), "vendor".into()], ..Default::default() };
        let w = walk(&[d.to_path_buf()], &opts);
        assert_eq!(names(&w, d), ["a/b/c.pem", "a/z.key", "dangling", "link-to-file", "top.crt"]);
        assert!(w.files.iter().find(|f| f.path.ends_with("link-to-file")).unwrap().is_symlink);
        assert!(w.findings.is_empty());
        assert!(compile_excludes(&["a[".to_string()]).is_err());
    }

    #[test]
    fn follow_descends_links_and_reports_a_loop_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("real/sub")).unwrap();
        fs::write(d.join("real/sub/f.pem"), b"x").unwrap();
        symlink("../..", d.join("real/sub/up")).unwrap();
        symlink("real", d.join("alias")).unwrap();
        let opts = DiscoverOptions { follow: true, ..Default::default() };
        let w = walk(&[d.to_path_buf()], &opts);
        assert_eq!(names(&w, d), ["alias/sub/f.pem", "real/sub/f.pem"]);
        assert_eq!(w.findings.len(), 2, "{:?}", w.findings);
        assert!(w.findings.iter().all(|f| f.code == Code::Unreadable && f.severity == Severity::Note));
        let no_follow = walk(&[d.to_path_buf()], &DiscoverOptions::default());
        assert_eq!(names(&no_follow, d), ["real/sub/f.pem"]);
    }

    #[test]
    fn logs_archives_images_and_libraries_are_counted_not_opened() {
        for name in
            ["syslog.log", "app.log.3", "x.tar.gz", "libssl.so.3", "libz.so.1.2.13", "a.PNG", "cert9.db", "app.jar"]
        {
            assert!(!may_hold_material(name.as_ref()), "{name}");
        }
        for name in
            ["server.key", "fullchain.pem", "tls.crt", "key.txt", "blob.bin", "privkey", "site.key.1", "a.log.pem"]
        {
            assert!(may_hold_material(name.as_ref()), "{name}");
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("debug.log"), b"-----BEGIN PRIVATE KEY-----").unwrap();
        fs::write(d.join("debug.pem"), b"-----BEGIN PRIVATE KEY-----").unwrap();
        let w = walk(&[d.to_path_buf()], &DiscoverOptions::default());
        let skipped: Vec<bool> = w.files.iter().map(|f| f.skip_content).collect();
        assert_eq!(names(&w, d), ["debug.log", "debug.pem"]);
        assert_eq!(skipped, [true, false]);
        assert_eq!(skip_reason("app.log.3".as_ref()), Some("a log"));
        assert_eq!(skip_reason("libz.so.1.2.13".as_ref()), Some("compiled code or a library"));
        assert_eq!(skip_reason("keymatch.service".as_ref()), Some("a systemd unit"));
        assert_eq!(skip_reason("server.key".as_ref()), None);
        // A file named on the command line is always read.
        let named = walk(&[d.join("debug.log")], &DiscoverOptions::default());
        assert!(!named.files[0].skip_content);
    }
}
