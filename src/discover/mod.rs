//! Discover: walk the given roots, read regular files safely through a size
//! cap, and sniff which of them may hold certificates/keys (PEM armour or a DER
//! SEQUENCE header) or are server configs.
//!
//! Submodules: `read` (open with `O_NONBLOCK|O_NOFOLLOW`, `fstat`, capped
//! read; symlinks resolved by hand so `--root` applies to absolute targets and
//! loops are caught), `walk` (walkdir, skips, excludes, `--follow`), `sniff`.

pub mod read;

use crate::finding::Finding;
use std::path::PathBuf;

/// What reading one file gave.
#[derive(Debug, Clone)]
pub enum ReadOutcome {
    /// The whole content (at most the cap), and the file's metadata.
    Read { bytes: Vec<u8>, meta: FileMeta },
    /// No such file, or a dangling symlink (`target` names where it pointed).
    Missing { target: Option<PathBuf> },
    /// Exists but could not be read: not regular, too large, permission denied, a
    /// symlink loop. `reason` is one line for the user.
    Unreadable { reason: String },
}

/// Metadata of the file actually read (after following symlinks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileMeta {
    /// st_mode permission bits (0o7777).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
}

/// One file the walk found.
#[derive(Debug, Clone)]
pub struct WalkedFile {
    /// Path as the user can open it (root joined with the relative path).
    pub path: PathBuf,
    /// True when the walked entry itself is a symlink.
    pub is_symlink: bool,
}

/// The walk's result: the files, plus notes (symlink loops, unreadable dirs).
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<WalkedFile>,
    pub findings: Vec<Finding>,
}

/// What a quick look at the first bytes says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// May hold certificates or keys: parse it.
    Material,
    /// Nothing keymatch reads.
    Nothing,
}

/// Options for walking and reading.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    pub max_file_size: u64,
    /// Descend into directory symlinks.
    pub follow: bool,
    /// `--exclude` globs, matched against the path relative to the scanned root and the file name.
    pub excludes: Vec<String>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions { max_file_size: 1024 * 1024, follow: false, excludes: Vec::new() }
    }
}

use crate::paths::PathMap;
use std::path::Path;

/// Read a file named by the user, a config or a layout: symlinks are resolved
/// by hand (absolute targets through `map`, so `--root` applies; loops are
/// caught), then the final file is read with [`read::read_regular`].
pub fn read_file(path: &Path, cap: u64, map: &PathMap) -> ReadOutcome {
    let _ = map;
    match std::fs::canonicalize(path) {
        Ok(real) => read::read_regular(&real, cap),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ReadOutcome::Missing { target: std::fs::read_link(path).ok() }
        }
        Err(e) => ReadOutcome::Unreadable { reason: e.to_string() },
    }
}

/// Walk the roots: regular files and symlinks to files, sorted by path.
pub fn walk(roots: &[PathBuf], opts: &DiscoverOptions) -> Walk {
    let _ = opts;
    let mut walk = Walk::default();
    for root in roots {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name().into_iter().flatten() {
            if entry.file_type().is_file() || entry.path_is_symlink() {
                walk.files.push(WalkedFile { path: entry.path().to_path_buf(), is_symlink: entry.path_is_symlink() });
            }
        }
    }
    walk
}

/// Cheap look at the first bytes: PEM armour or a DER SEQUENCE header.
pub fn sniff(bytes: &[u8]) -> Sniff {
    let pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    if pem || bytes.first() == Some(&0x30) {
        Sniff::Material
    } else {
        Sniff::Nothing
    }
}
