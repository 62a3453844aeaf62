//! Discover: walk the given roots, read regular files safely through a size
//! cap, and sniff which of them may hold certificates/keys (PEM armour or a DER
//! SEQUENCE header) or are server configs.
//!
//! Submodules: `read` (open with `O_NONBLOCK|O_NOFOLLOW`, `fstat`, capped
//! read; a walked regular file relative to its directory's descriptor; symlinks
//! resolved by hand so `--root` applies to absolute targets and loops are
//! caught), `walk` (directories opened relative to their parent's descriptor and
//! listed with getdents, sorted, skips, excludes, `--follow`; what each listing
//! holds is kept for the work-tree test), `sniff`, `open` (`O_NOATIME` while allowed).

pub mod open;
pub mod read;
pub mod resolve;
pub mod sniff;
pub mod walk;

use crate::finding::Finding;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// True when the walk saw a regular file (no link to resolve first).
    pub is_regular: bool,
    /// Counted but not opened: its name says it is no certificate or key
    /// (see [`walk::may_hold_material`]).
    pub skip_content: bool,
    /// The directory the walk listed it in, open (a regular file to read, while the walk's
    /// descriptor budget allows): the file is opened relative to it, by its name.
    pub dir: Option<Arc<walk::DirFd>>,
    /// What the walk saw in its directory's listing.
    pub facts: DirFacts,
}

/// What the walk saw in the listing of a walked file's directory, for the work-tree test of
/// `key-permissions` (`audit::permissions`). All false when the file was not walked (a root, a
/// file a config names): then the test looks for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirFacts {
    /// The directory was listed: `vcs` and `etckeeper` say what it holds.
    pub listed: bool,
    /// The directory is below the root and is no symbolic link itself: it resolves as its parent
    /// does, joined with its name.
    pub plain: bool,
    /// It holds a `.git`, `.hg` or `.svn` (of any type).
    pub vcs: bool,
    /// It holds a `.etckeeper`.
    pub etckeeper: bool,
    /// How many directories below the root it is (0: the root itself), when it and every
    /// directory between it and the root were reached without following a link: then their
    /// listings are what it and its ancestors down from the root hold, and `nearest_vcs` says it.
    pub depth: Option<u32>,
    /// With `depth`: the nearest of this directory and its ancestors up to the root that holds a
    /// `.git`, `.hg` or `.svn`, and whether that one also holds a `.etckeeper` (`None`: none does).
    pub nearest_vcs: Option<bool>,
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

/// Default `--max-file-size` for files: above the largest real CA bundle (~220 KB) and key.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

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
        DiscoverOptions { max_file_size: DEFAULT_MAX_FILE_SIZE, follow: false, excludes: Vec::new() }
    }
}

use crate::paths::PathMap;
use std::path::Path;

/// Read a file named by the user, a config or a layout: symlinks are resolved
/// by hand (absolute targets through `map`, so `--root` applies; loops are
/// caught), then the final file is read with [`read::read_regular`].
pub fn read_file(path: &Path, cap: u64, map: &PathMap) -> ReadOutcome {
    match resolve::resolve(path, map) {
        resolve::Resolved::File(real) => read::read_regular(&real, cap),
        resolve::Resolved::Missing { target } => ReadOutcome::Missing { target },
        resolve::Resolved::Unreadable { reason } => ReadOutcome::Unreadable { reason },
    }
}

/// What a walked file turned out to be, after reading only what may matter.
#[derive(Debug)]
pub enum Looked {
    /// May hold certificates or keys: the whole content.
    Material { bytes: Vec<u8>, meta: FileMeta },
    /// A server config (by name and first bytes): the whole content.
    Config { bytes: Vec<u8> },
    /// A dangling symlink (`target` as written) or a file gone since the walk.
    Missing { target: Option<PathBuf> },
    /// Not read: not a regular file, over the size cap, permission denied, a loop.
    Unreadable { reason: String },
    /// Nothing keymatch reads (the first bytes said so).
    Nothing,
}

/// Look at one walked file: resolve links (see [`read_file`]), `fstat`, skip
/// it unread when over `cap`, read the first 8 KiB, and read the rest only
/// when it is a config (`is_config(path, head)`) or sniffs as material.
/// Returns what it is and the path of the regular file actually read.
pub fn look(
    path: &Path,
    cap: u64,
    map: &PathMap,
    is_config: &dyn Fn(&Path, &[u8]) -> bool,
) -> (Looked, Option<PathBuf>) {
    look_resolved(path, cap, map, is_config, false, None)
}

/// [`look`] at a walked file; a regular file (as the walk saw it) is opened
/// directly, `O_NOFOLLOW` and `fstat` still guarding against a swap: by its name
/// relative to its directory's descriptor when the walk handed one over (a
/// directory swapped for a link since cannot redirect the read), else by path.
pub fn look_walked(
    file: &WalkedFile,
    cap: u64,
    map: &PathMap,
    is_config: &dyn Fn(&Path, &[u8]) -> bool,
) -> (Looked, Option<PathBuf>) {
    let regular = file.is_regular && !file.is_symlink;
    let at = file.dir.as_deref().filter(|_| regular).zip(file.path.file_name());
    look_resolved(&file.path, cap, map, is_config, regular, at)
}

fn look_resolved(
    path: &Path,
    cap: u64,
    map: &PathMap,
    is_config: &dyn Fn(&Path, &[u8]) -> bool,
    regular: bool,
    at: Option<(&walk::DirFd, &std::ffi::OsStr)>,
) -> (Looked, Option<PathBuf>) {
    let resolved = if regular { resolve::Resolved::File(path.to_path_buf()) } else { resolve::resolve(path, map) };
    let real = match resolved {
        resolve::Resolved::File(real) => real,
        resolve::Resolved::Missing { target } => return (Looked::Missing { target }, None),
        resolve::Resolved::Unreadable { reason } => return (Looked::Unreadable { reason }, None),
    };
    let config = std::cell::Cell::new(false);
    let want = |head: &[u8], size: u64| {
        if is_config(path, head) {
            config.set(true);
            true
        } else {
            sniff::sniff(head, size) == Sniff::Material
        }
    };
    let selective = match at {
        Some((dir, name)) => read::read_selectively_at(dir, name, cap, &want),
        None => read::read_selectively(&real, cap, &want),
    };
    let looked = match selective {
        read::Selective::Skipped(_) => Looked::Nothing,
        read::Selective::Whole(ReadOutcome::Read { bytes, .. }) if config.get() => Looked::Config { bytes },
        read::Selective::Whole(ReadOutcome::Read { bytes, meta }) => Looked::Material { bytes, meta },
        read::Selective::Whole(ReadOutcome::Missing { target }) => Looked::Missing { target },
        read::Selective::Whole(ReadOutcome::Unreadable { reason }) => Looked::Unreadable { reason },
    };
    (looked, Some(real))
}

/// Cheap look at a whole file's bytes: PEM armour or a DER SEQUENCE header. See [`sniff::sniff`].
pub fn sniff(bytes: &[u8]) -> Sniff {
    sniff::sniff(bytes, bytes.len() as u64)
}
