//! `.keymatch.toml`: per-repository settings, found by walking up from the scanned path (or
//! given with `--config FILE`). Command-line flags override its values; list flags (`--map`,
//! `--exclude`, `--allow`) add to its lists.
//!
//! ```toml
//! root = "image"                       # DIR stands for `/` (relative to this file)
//! exclude = ["vendor/**", "*.example"] # globs, as --exclude
//! allow = ["orphan-key"]               # finding codes not reported, as --allow
//! fail-on = "warning"                  # error | warning | note | never
//! warn-days = 21
//!
//! [map]                                # SERVER = LOCAL (LOCAL relative to this file)
//! "/etc/nginx" = "deploy/nginx"
//! ```
//!
//! An unknown key or a bad value is an error that names the file and the line.
//!
//! keymatch runs as root over trees other people wrote: a found file owned by another user
//! than the one running keymatch (or root), or writable by others, is not obeyed (see
//! [`untrusted`]), as git's `safe.directory` does for repositories.

use crate::error::Error;
use crate::finding::Code;
use crate::report::FailOn;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for.
pub const FILE_NAME: &str = ".keymatch.toml";

/// What the file says, validated. Paths are already joined to the file's directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileConfig {
    /// Where the settings came from.
    pub path: PathBuf,
    pub root: Option<PathBuf>,
    /// `(SERVER, LOCAL)`, SERVER absolute and normalised.
    pub map: Vec<(PathBuf, PathBuf)>,
    pub exclude: Vec<String>,
    pub allow: Vec<Code>,
    pub fail_on: Option<FailOn>,
    pub warn_days: Option<u32>,
    /// `[servers]`: config files named for a dialect, as `--server DIALECT=PATH`.
    pub servers: Vec<(&'static str, PathBuf)>,
    /// Why a found file was not used (for standard error).
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    root: Option<Spanned<String>>,
    #[serde(default)]
    map: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    fail_on: Option<RawFailOn>,
    warn_days: Option<u32>,
    #[serde(default)]
    servers: BTreeMap<String, Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawFailOn {
    Error,
    Warning,
    Note,
    Never,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|&&b| b == b'\n').count() + 1
}

fn error_at(path: &Path, text: &str, offset: Option<usize>, msg: &str) -> Error {
    let msg = msg.trim().replace('\n', " ");
    match offset {
        Some(o) => Error::Usage(format!("{}:{}: {}", path.display(), line_of(text, o), msg)),
        None => Error::Usage(format!("{}: {}", path.display(), msg)),
    }
}

/// Parse the text of a config file at `path` (the path is used for messages and as the base of
/// relative paths).
pub fn parse(path: &Path, text: &str) -> Result<FileConfig, Error> {
    let raw: Raw = toml::from_str(text)
        .map_err(|e| error_at(path, text, e.span().map(|s| s.start), &format!("invalid setting: {}", e.message())))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let local = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() || dir.as_os_str().is_empty() || dir == Path::new(".") {
            p.to_path_buf()
        } else {
            dir.join(p)
        }
    };
    let mut cfg = FileConfig { path: path.to_path_buf(), ..FileConfig::default() };
    if let Some(root) = &raw.root {
        if root.get_ref().is_empty() {
            return Err(error_at(path, text, Some(root.span().start), "root: must name a directory"));
        }
        cfg.root = Some(local(root.get_ref()));
    }
    for (server, to) in &raw.map {
        if !server.starts_with('/') || to.get_ref().is_empty() {
            return Err(error_at(
                path,
                text,
                Some(to.span().start),
                &format!("map: '{server}' = '{}' is not an absolute server path = a local path", to.get_ref()),
            ));
        }
        cfg.map.push((crate::paths::normalize(Path::new(server)), local(to.get_ref())));
    }
    for glob in &raw.exclude {
        if let Err(e) = globset::Glob::new(glob.get_ref()) {
            return Err(error_at(path, text, Some(glob.span().start), &format!("exclude: {e}")));
        }
        cfg.exclude.push(glob.get_ref().clone());
    }
    for name in &raw.allow {
        let code = Code::from_name(name.get_ref()).ok_or_else(|| {
            error_at(
                path,
                text,
                Some(name.span().start),
                &format!("allow: unknown finding code '{}' (see `keymatch explain`)", name.get_ref()),
            )
        })?;
        cfg.allow.push(code);
    }
    cfg.fail_on = raw.fail_on.map(|f| match f {
        RawFailOn::Error => FailOn::Error,
        RawFailOn::Warning => FailOn::Warning,
        RawFailOn::Note => FailOn::Note,
        RawFailOn::Never => FailOn::Never,
    });
    cfg.warn_days = raw.warn_days;
    for (name, files) in &raw.servers {
        let dialect = crate::servers::dialect_named(name).ok_or_else(|| {
            let at = files.first().map(|f| f.span().start);
            error_at(path, text, at, &format!("servers: unknown server '{name}' ({})", crate::servers::dialect_names()))
        })?;
        for f in files {
            if f.get_ref().is_empty() {
                return Err(error_at(path, text, Some(f.span().start), &format!("servers: {name}: an empty path")));
            }
            cfg.servers.push((dialect.name(), local(f.get_ref())));
        }
    }
    Ok(cfg)
}

/// Read and parse `path`.
pub fn load(path: &Path) -> Result<FileConfig, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
    parse(path, &text)
}

/// The effective user id of this process (the owner of `/proc/self`'s status), when known.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Why the settings file at `path` must not be obeyed, or `None` when it may: it (and a link
/// leading to it) must be owned by the user running keymatch or by root, and not be writable
/// by others.
pub fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = effective_uid();
    let check = |meta: &std::fs::Metadata, what: &str| -> Option<String> {
        let uid = meta.uid();
        if uid != 0 && Some(uid) != me {
            return Some(format!("{what} is owned by uid {uid}, not by you or root"));
        }
        if !meta.file_type().is_symlink() && meta.mode() & 0o002 != 0 {
            return Some(format!("{what} is writable by others (mode {:o})", meta.mode() & 0o7777));
        }
        None
    };
    match std::fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => {
            check(&link, "the link").or_else(|| match std::fs::metadata(path) {
                Ok(meta) => check(&meta, "the file it points to"),
                Err(e) => Some(e.to_string()),
            })
        }
        Ok(meta) => check(&meta, "it"),
        Err(e) => Some(e.to_string()),
    }
}

/// The nearest `.keymatch.toml` at or above `start` (a directory, or a file whose directory is
/// used). The returned path is relative when `start` is, so messages and derived paths stay the
/// user's own.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = if start.is_dir() { start.to_path_buf() } else { start.parent()?.to_path_buf() };
    if dir.as_os_str().is_empty() {
        dir = PathBuf::from(".");
    }
    // Walk up lexically first (keeps relative paths relative), then through the absolute
    // ancestors of the current directory for the part above it.
    let mut lexical = crate::paths::normalize(&dir);
    loop {
        let candidate = lexical.join(FILE_NAME);
        if candidate.is_file() {
            return Some(strip_dot(candidate));
        }
        let above = if lexical == Path::new(".") { PathBuf::from("..") } else { lexical.join("..") };
        let above = crate::paths::normalize(&above);
        if above.starts_with("..") || above == lexical {
            break;
        }
        lexical = above;
    }
    let abs = std::fs::canonicalize(&lexical).ok()?;
    abs.ancestors().skip(1).map(|a| a.join(FILE_NAME)).find(|c| c.is_file())
}

fn strip_dot(p: PathBuf) -> PathBuf {
    match p.strip_prefix(".") {
        Ok(rest) => rest.to_path_buf(),
        Err(_) => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_keys_parse_and_paths_join_the_file_directory() {
        let text = "root = \"img\"\nexclude = [\"vendor/**\"]\nallow = [\"orphan-key\", \"orphan-cert\"]\n\
                    fail-on = \"warning\"\nwarn-days = 21\n[map]\n\"/etc/nginx/\" = \"deploy/nginx\"\n";
        let cfg = parse(Path::new("repo/.keymatch.toml"), text);
        let cfg = match cfg {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(cfg.root, Some(PathBuf::from("repo/img")));
        assert_eq!(cfg.map, vec![(PathBuf::from("/etc/nginx"), PathBuf::from("repo/deploy/nginx"))]);
        assert_eq!(cfg.exclude, vec!["vendor/**".to_string()]);
        assert_eq!(cfg.allow, vec![Code::OrphanKey, Code::OrphanCert]);
        assert_eq!(cfg.fail_on, Some(FailOn::Warning));
        assert_eq!(cfg.warn_days, Some(21));
        let here = parse(Path::new(".keymatch.toml"), "root = \"img\"\n").map(|c| c.root);
        assert_eq!(here.ok().flatten(), Some(PathBuf::from("img")));
    }

    fn err(text: &str) -> String {
        match parse(Path::new("a/.keymatch.toml"), text) {
            Ok(c) => panic!("accepted {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = err("warn-days = 3\n\nfail_on = \"error\"\n");
        assert!(e.starts_with("a/.keymatch.toml:3: "), "{e}");
        assert!(e.contains("fail_on"), "{e}");
        let e = err("fail-on = \"sometimes\"\n");
        assert!(e.starts_with("a/.keymatch.toml:1: "), "{e}");
        let e = err("# c\nallow = [\n  \"orphan-key\",\n  \"no-such-code\",\n]\n");
        assert!(e.starts_with("a/.keymatch.toml:4: allow: unknown finding code 'no-such-code'"), "{e}");
        let e = err("warn-days = -1\n");
        assert!(e.starts_with("a/.keymatch.toml:1: "), "{e}");
        let e = err("\n[map]\n\"etc/nginx\" = \"x\"\n");
        assert!(e.starts_with("a/.keymatch.toml:3: map:"), "{e}");
        let e = err("exclude = [\"a[\"]\n");
        assert!(e.starts_with("a/.keymatch.toml:1: exclude:"), "{e}");
    }

    #[test]
    fn found_by_walking_up() {
        let tmp = match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let deep = tmp.path().join("a/b/c");
        std::fs::create_dir_all(&deep).ok();
        assert_eq!(find(&deep).filter(|p| p.starts_with(tmp.path())), None);
        std::fs::write(tmp.path().join("a").join(FILE_NAME), "").ok();
        assert_eq!(find(&deep), Some(tmp.path().join("a").join(FILE_NAME)));
        std::fs::write(deep.join("x.pem"), "").ok();
        assert_eq!(find(&deep.join("x.pem")), Some(tmp.path().join("a").join(FILE_NAME)));
    }

    #[test]
    fn files_others_can_write_or_own_are_untrusted() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join(FILE_NAME);
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(untrusted(&p), None);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(untrusted(&p).is_some_and(|w| w.contains("writable by others")));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        // Another owner (the suite runs as root, which may chown).
        std::os::unix::fs::chown(&p, Some(65534), None).unwrap();
        assert!(untrusted(&p).is_some_and(|w| w.contains("uid 65534")), "{:?}", untrusted(&p));
    }
}
