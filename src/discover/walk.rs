//! Walking the roots, depth first, each directory's entries sorted by the bytes of
//! their names; skipping version-control and build directories and `--exclude`
//! globs (neither is opened); directory symlinks are not descended unless
//! `--follow`, and then loops are reported once and not followed again.
//!
//! Each directory is opened relative to its parent's descriptor
//! (`openat(…, O_DIRECTORY|O_NOFOLLOW)`) and listed with getdents (the type from
//! `d_type`, or `statat` where the file system gives none); a regular file is
//! handed over with its directory's descriptor, so the reader opens it by name
//! there and a directory swapped for a link meanwhile cannot redirect the read.
//! Descriptors are held within a budget ([`dir_budget`]); past it, directories
//! and files are opened by path. Each file also carries what its directory's
//! listing holds ([`DirFacts`]), for the work-tree test of `key-permissions`.

use super::open::open_leaving_atime;
use super::{DirFacts, DiscoverOptions, Walk, WalkedFile};
use crate::finding::{Code, Finding, Location, Severity};
use crate::paths;
use globset::{Glob, GlobSet, GlobSetBuilder};
use rustix::fs::{self, AtFlags, FileType, OFlags, RawDir};
use std::collections::HashSet;
use std::ffi::{CStr, CString, OsStr};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
    walk_each_within(roots, opts, dir_budget(), on_file)
}

/// Directory descriptors a walk holds at most: the directories it is in and those of files
/// handed over and not yet read (the scan has up to ~4096 files in flight, from as many as
/// ~2000 directories in a tree of small ones). A quarter of the soft `RLIMIT_NOFILE` (users'
/// is often 1024), between 32 and 4096; when it is spent, directories and files are opened by
/// path, as before, rather than waiting or failing.
pub fn dir_budget() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    soft.map_or(4096, |n| usize::try_from(n / 4).unwrap_or(4096)).clamp(32, 4096)
}

fn walk_each_within(
    roots: &[PathBuf],
    opts: &DiscoverOptions,
    budget: usize,
    on_file: &mut dyn FnMut(WalkedFile),
) -> Vec<Finding> {
    // Invalid globs were refused before the scan started (`compile_excludes`).
    let excludes = compile_excludes(&opts.excludes).unwrap_or_else(|_| GlobSet::empty());
    let mut walker = Walker::new(opts.follow, &excludes, budget, on_file);
    for root in roots {
        walker.root(root);
    }
    walker.findings
}

/// An open directory whose files are read relative to it (see [`WalkedFile::dir`]). Counted
/// against the walk's budget while it lives.
#[derive(Debug)]
pub struct DirFd {
    fd: OwnedFd,
    live: Arc<AtomicUsize>,
}

impl DirFd {
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for DirFd {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The position getdents gives after a directory's last entry on ext4, whose directories are
/// hash-indexed by default (`EXT4_HTREE_EOF_64BIT`, set only once the listing is exhausted; an
/// entry's hash position never takes that value). The walk stops listing there instead of making
/// one more call to be told the directory has ended: at 20,000 pairs (107,000 directories) that
/// call was about a tenth of the scan's system calls and 5 % of its time (benches/README.md). Any
/// other position, on any file system, is followed by the next call as before.
const LISTING_ENDS: u64 = i64::MAX as u64;

/// One entry of a directory's listing: its name and type (`Unknown` when the file system
/// gives none in `d_type`).
struct Entry {
    name: CString,
    kind: FileType,
}

/// A directory being walked: its path, its descriptor (`None`: over the budget, its entries are
/// opened by path), the entries not yet visited, and what its listing holds.
struct Frame {
    path: PathBuf,
    dir: Option<Arc<DirFd>>,
    entries: std::vec::IntoIter<Entry>,
    facts: DirFacts,
    /// (st_dev, st_ino), with `--follow` only: a link back to it is a loop.
    id: Option<(u64, u64)>,
}

struct Walker<'a> {
    follow: bool,
    excludes: &'a GlobSet,
    budget: usize,
    live: Arc<AtomicUsize>,
    buf: Vec<MaybeUninit<u8>>,
    on_file: &'a mut dyn FnMut(WalkedFile),
    findings: Vec<Finding>,
    loops_seen: HashSet<PathBuf>,
}

/// How a directory is reached: from the root by path, or as a name in its parent's listing.
enum Via<'a> {
    Path,
    Name { parent: Option<&'a DirFd>, name: &'a CStr, link: bool },
}

impl<'a> Walker<'a> {
    /// A walk that hands each file to `on_file`, holding at most `budget` directory descriptors.
    fn new(follow: bool, excludes: &'a GlobSet, budget: usize, on_file: &'a mut dyn FnMut(WalkedFile)) -> Self {
        Walker {
            follow,
            excludes,
            budget,
            live: Arc::new(AtomicUsize::new(0)),
            buf: vec![MaybeUninit::uninit(); 32 * 1024],
            on_file,
            findings: Vec::new(),
            loops_seen: HashSet::new(),
        }
    }

    fn root(&mut self, root: &Path) {
        let emit = |w: &mut Self, is_symlink, is_regular| {
            (w.on_file)(WalkedFile {
                path: root.to_path_buf(),
                is_symlink,
                is_regular,
                skip_content: false,
                dir: None,
                facts: DirFacts::default(),
            })
        };
        let meta = match std::fs::symlink_metadata(root) {
            Ok(m) => m,
            Err(e) => return self.unreadable_dir(root, root, &e),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            match std::fs::metadata(root) {
                // A root link to a directory is walked, with or without --follow.
                Ok(t) if t.is_dir() => {}
                Ok(t) => return emit(self, true, self.follow && t.is_file()),
                Err(_) => return emit(self, true, false),
            }
        } else if !ft.is_dir() {
            return emit(self, false, ft.is_file());
        }
        // With --follow, a link back to the root or to a directory above it is a loop.
        let mut ancestors: Vec<((u64, u64), PathBuf)> = Vec::new();
        if self.follow {
            if let Ok(canonical) = std::fs::canonicalize(root) {
                for a in canonical.ancestors().skip(1) {
                    if let Ok(m) = std::fs::metadata(a) {
                        ancestors.push(((m.dev(), m.ino()), a.to_path_buf()));
                    }
                }
                ancestors.reverse();
            }
        }
        match self.open_dir(root, Via::Path, None) {
            Ok(frame) => self.walk_from(root, frame, ancestors),
            Err(e) => self.unreadable_dir(root, root, &e),
        }
    }

    /// Open and list the directory `path` (reached as `via` says; `above`: what its parent's
    /// listing said, `None` for a root).
    fn open_dir(&mut self, path: &Path, via: Via<'_>, above: Option<DirFacts>) -> std::io::Result<Frame> {
        let plain = matches!(via, Via::Name { link: false, .. });
        // Listing a directory sets its access time too: opened with O_NOATIME while allowed.
        let opened = match via {
            Via::Path => open_leaving_atime(fs::CWD, path, DIR_FLAGS),
            Via::Name { parent: Some(parent), name, link } => {
                open_leaving_atime(parent.as_fd(), name, if link { DIR_FLAGS } else { DIR_FLAGS | OFlags::NOFOLLOW })
            }
            Via::Name { parent: None, link, .. } => {
                open_leaving_atime(fs::CWD, path, if link { DIR_FLAGS } else { DIR_FLAGS | OFlags::NOFOLLOW })
            }
        };
        let listed = opened.and_then(|fd| {
            let id = if self.follow { fs::fstat(&fd).map(|st| Some((st.st_dev, st.st_ino)))? } else { None };
            let entries = self.list(&fd)?;
            Ok((fd, id, entries))
        });
        // As `std::io::Error`: the note shows its Display, "Permission denied (os error 13)".
        let (fd, id, mut entries) = listed.map_err(std::io::Error::from)?;
        entries.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let mut facts = DirFacts { listed: true, plain, ..DirFacts::default() };
        for e in &entries {
            match e.name.as_bytes() {
                b".git" | b".hg" | b".svn" => facts.vcs = true,
                b".etckeeper" => facts.etckeeper = true,
                _ => {}
            }
        }
        // The chain of listings from the root down, unbroken by a link.
        facts.depth = match above {
            None => Some(0),
            Some(parent) if plain => parent.depth.and_then(|d| d.checked_add(1)),
            Some(_) => None,
        };
        if facts.depth.is_some() {
            facts.nearest_vcs = match above {
                _ if facts.vcs => Some(facts.etckeeper),
                Some(parent) => parent.nearest_vcs,
                None => None,
            };
        }
        // Kept while the budget allows; otherwise closed now, and what it holds opened by path.
        let dir = (self.live.load(Ordering::Relaxed) < self.budget).then(|| {
            self.live.fetch_add(1, Ordering::Relaxed);
            Arc::new(DirFd { fd, live: Arc::clone(&self.live) })
        });
        Ok(Frame { path: path.to_path_buf(), dir, entries: entries.into_iter(), facts, id })
    }

    /// Every entry of the open directory but `.` and `..`.
    fn list(&mut self, fd: &OwnedFd) -> rustix::io::Result<Vec<Entry>> {
        let mut entries = Vec::new();
        let mut raw = RawDir::new(fd, &mut self.buf);
        while let Some(entry) = raw.next() {
            let entry = entry?;
            let ends = entry.next_entry_cookie() == LISTING_ENDS;
            let name = entry.file_name();
            if name != c"." && name != c".." {
                entries.push(Entry { name: name.to_owned(), kind: entry.file_type() });
            }
            // The last entry of a getdents call carries where the next call would start.
            if ends && raw.is_buffer_empty() {
                break;
            }
        }
        Ok(entries)
    }

    /// Walk below the root's frame, depth first. `ancestors`: with `--follow`, the directories
    /// above the root (a link back to one is a loop).
    fn walk_from(&mut self, root: &Path, frame: Frame, ancestors: Vec<((u64, u64), PathBuf)>) {
        let mut stack = vec![frame];
        while let Some(top) = stack.last_mut() {
            let Some(entry) = top.entries.next() else {
                stack.pop();
                continue;
            };
            let path = paths::join_sized(&top.path, Path::new(OsStr::from_bytes(entry.name.as_bytes())));
            let dir = top.dir.clone();
            let facts = top.facts;
            let at = |flags: AtFlags| match &dir {
                Some(d) => fs::statat(d.as_fd(), entry.name.as_c_str(), flags),
                None => fs::statat(fs::CWD, &path, flags),
            };
            let kind = match entry.kind {
                // No d_type on this file system: ask.
                FileType::Unknown => match at(AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => FileType::from_raw_mode(st.st_mode),
                    // Gone since the listing.
                    Err(_) => continue,
                },
                kind => kind,
            };
            let name = OsStr::from_bytes(entry.name.as_bytes());
            let emit = |w: &mut Self, path: PathBuf, is_symlink: bool, is_regular: bool| {
                let skip_content = is_regular && !may_hold_material(name);
                // Only a regular file that is read is opened through its directory.
                let dir = if is_regular && !is_symlink && !skip_content { dir.clone() } else { None };
                (w.on_file)(WalkedFile {
                    path: shown_owned(root, path),
                    is_symlink,
                    is_regular,
                    skip_content,
                    dir,
                    facts,
                });
            };
            match kind {
                FileType::Directory => {
                    if SKIPPED_DIRS.iter().any(|d| d.as_bytes() == entry.name.as_bytes()) || self.excluded(root, &path)
                    {
                        continue;
                    }
                    let via = Via::Name { parent: dir.as_deref(), name: &entry.name, link: false };
                    match self.open_dir(&path, via, Some(facts)) {
                        Ok(frame) => stack.push(frame),
                        Err(e) => self.unreadable_dir(root, &path, &e),
                    }
                }
                FileType::Symlink if self.follow => {
                    let Ok(target) = at(AtFlags::empty()) else {
                        // A dangling link is a file entry (it is reported missing).
                        if !self.excluded(root, &path) {
                            emit(self, path, true, false);
                        }
                        continue;
                    };
                    let target_kind = FileType::from_raw_mode(target.st_mode);
                    if target_kind != FileType::Directory {
                        if !self.excluded(root, &path) {
                            emit(self, path, true, target_kind == FileType::RegularFile);
                        }
                        continue;
                    }
                    if SKIPPED_DIRS.iter().any(|d| d.as_bytes() == entry.name.as_bytes()) || self.excluded(root, &path)
                    {
                        continue;
                    }
                    let id = (target.st_dev, target.st_ino);
                    let ancestor = ancestors
                        .iter()
                        .map(|(id, p)| (*id, p.as_path()))
                        .chain(stack.iter().filter_map(|f| f.id.map(|id| (id, f.path.as_path()))))
                        .find(|(a, _)| *a == id)
                        .map(|(_, p)| p.to_path_buf());
                    if let Some(ancestor) = ancestor {
                        self.loop_note(root, &path, &ancestor);
                        continue;
                    }
                    let via = Via::Name { parent: dir.as_deref(), name: &entry.name, link: true };
                    match self.open_dir(&path, via, Some(facts)) {
                        Ok(frame) => stack.push(frame),
                        // A link to a directory that cannot be read is a file entry, as before.
                        Err(_) => emit(self, path, true, false),
                    }
                }
                FileType::Symlink => {
                    // A directory link: not descended without --follow.
                    if self.excluded(root, &path)
                        || at(AtFlags::empty()).is_ok_and(|t| FileType::from_raw_mode(t.st_mode) == FileType::Directory)
                    {
                        continue;
                    }
                    emit(self, path, true, false);
                }
                kind => {
                    if !self.excluded(root, &path) {
                        emit(self, path, false, kind == FileType::RegularFile);
                    }
                }
            }
        }
    }

    fn excluded(&self, root: &Path, path: &Path) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        self.excludes.is_match(rel) || path.file_name().is_some_and(|n| self.excludes.is_match(Path::new(n)))
    }

    fn loop_note(&mut self, root: &Path, path: &Path, ancestor: &Path) {
        if !self.loops_seen.insert(path.to_path_buf()) {
            return;
        }
        let shown_path = paths::display(&shown(root, path));
        self.findings.push(
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

    fn unreadable_dir(&mut self, root: &Path, path: &Path, err: &std::io::Error) {
        let shown_path = paths::display(&shown(root, path));
        self.findings.push(
            Finding::new(
                Code::Unreadable,
                format!("the directory {shown_path} cannot be read ({err}); what it holds was not scanned"),
                vec![Location::file(shown_path)],
            )
            .with_severity(Severity::Note)
            .with_hint("run keymatch as a user who can read it, or --exclude it"),
        );
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);

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

/// [`shown`] of a path the caller is done with: itself, unless the root is `.`.
fn shown_owned(root: &Path, path: PathBuf) -> PathBuf {
    if root == Path::new(".") {
        shown(root, &path)
    } else {
        path
    }
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

    #[test]
    fn names_sort_by_their_bytes_around_the_dot_and_case() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Bytes: '-' (0x2d) < '.' (0x2e) < '0' < 'A' < '_' < 'a'; a directory sorts among files.
        for sub in ["a", "a.d", "B"] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        for f in ["a-b", "a.b", "a0", "A", "a_", "b", "a/x", "a/.y", "a.d/z", "B/k", "_"] {
            fs::write(d.join(f), b"x").unwrap();
        }
        let mut seen = Vec::new();
        let findings = walk_each(&[d.to_path_buf()], &DiscoverOptions::default(), &mut |f| {
            seen.push(paths::display(f.path.strip_prefix(d).unwrap()))
        });
        assert!(findings.is_empty());
        assert_eq!(seen, ["A", "B/k", "_", "a/.y", "a/x", "a-b", "a.b", "a.d/z", "a0", "a_", "b"]);
        // Under a root given as `.`, paths are shown without `./`: as walkdir did (the scan's old walk).
        let mut old = Vec::new();
        for e in walkdir::WalkDir::new(d).sort_by_file_name().into_iter().filter_map(Result::ok) {
            if !e.file_type().is_dir() {
                old.push(paths::display(e.path().strip_prefix(d).unwrap()));
            }
        }
        assert_eq!(seen, old);
    }

    #[test]
    fn a_tree_deeper_than_the_budget_and_a_directory_with_more_files_are_walked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let budget = 4;
        let mut deep = d.to_path_buf();
        let mut want = Vec::new();
        for i in 0..3 * budget {
            deep.push(format!("d{i}"));
            fs::create_dir(&deep).unwrap();
            fs::write(deep.join("k.pem"), b"x").unwrap();
        }
        let mut path = String::new();
        for i in 0..3 * budget {
            path.push_str(&format!("d{i}/"));
            want.push(format!("{path}k.pem"));
        }
        // `want` so far is shallowest first; depth first puts a directory's file ("k.pem") after
        // its subdirectory ("d…"): deepest first.
        want.reverse();
        fs::create_dir(d.join("wide")).unwrap();
        for i in 0..5 * budget {
            fs::write(d.join(format!("wide/{i:03}.pem")), b"x").unwrap();
            want.push(format!("wide/{i:03}.pem"));
        }
        let mut files = Vec::new();
        let findings =
            walk_each_within(&[d.to_path_buf()], &DiscoverOptions::default(), budget, &mut |f| files.push(f));
        assert!(findings.is_empty());
        let seen: Vec<String> = files.iter().map(|f| paths::display(f.path.strip_prefix(d).unwrap())).collect();
        assert_eq!(seen, want);
        // Every file kept: at most `budget` directories are held open, the rest went by path.
        let mut open: Vec<*const DirFd> = files.iter().filter_map(|f| f.dir.as_ref().map(Arc::as_ptr)).collect();
        open.dedup();
        assert!(!open.is_empty() && open.len() <= budget, "{}", open.len());
        assert!(files.iter().any(|f| f.dir.is_none()), "some files went by path");
        let live = files.iter().find_map(|f| f.dir.as_ref().map(|d| Arc::clone(&d.live))).unwrap();
        assert_eq!(live.load(Ordering::Relaxed), open.len());
        // Each file reads the same through its directory as by path.
        for f in &files {
            let (looked, _) = super::super::look_walked(f, 1 << 20, &crate::paths::PathMap::default(), &|_, _| false);
            assert!(matches!(looked, super::super::Looked::Nothing), "{}: {looked:?}", f.path.display());
        }
        drop(files);
        assert_eq!(live.load(Ordering::Relaxed), 0, "every descriptor closed");
    }

    #[test]
    fn a_directory_longer_than_one_listing_buffer_is_listed_whole() {
        // About 12 times the 32 KiB buffer: the listing takes several getdents calls, and only
        // the position after the last entry may end it.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut want: Vec<String> = (0..4000).map(|i| format!("{i:05}-{}.pem", "n".repeat(80))).collect();
        for name in &want {
            fs::write(d.join(name), b"x").unwrap();
        }
        let (excludes, mut on_file) = (GlobSet::empty(), |_| {});
        let mut walker = Walker::new(false, &excludes, 32, &mut on_file);
        let fd = rustix::fs::open(d, DIR_FLAGS, rustix::fs::Mode::empty()).unwrap();
        let mut listed: Vec<String> =
            walker.list(&fd).unwrap().iter().map(|e| e.name.to_str().unwrap().to_string()).collect();
        listed.sort();
        want.sort();
        assert_eq!(listed, want);
        // And through the walk.
        let w = walk(&[d.to_path_buf()], &DiscoverOptions::default());
        assert_eq!(w.files.len(), 4000);
    }

    #[test]
    fn a_walked_file_is_read_in_the_directory_the_walk_listed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("site")).unwrap();
        fs::create_dir_all(d.join("elsewhere")).unwrap();
        fs::write(d.join("site/k.pem"), b"-----BEGIN PRIVATE KEY-----\nlisted\n").unwrap();
        fs::write(d.join("elsewhere/k.pem"), b"-----BEGIN PRIVATE KEY-----\nswapped\n").unwrap();
        let w = walk(&[d.to_path_buf()], &DiscoverOptions::default());
        let f = w.files.iter().find(|f| f.path.ends_with("site/k.pem")).unwrap();
        assert!(f.dir.is_some());
        // The directory is swapped for a link after the walk: the read stays where the walk was.
        fs::rename(d.join("site"), d.join("moved")).unwrap();
        symlink("elsewhere", d.join("site")).unwrap();
        let (looked, _) = super::super::look_walked(f, 1 << 20, &crate::paths::PathMap::default(), &|_, _| false);
        match looked {
            super::super::Looked::Material { bytes, .. } => assert!(bytes.ends_with(b"listed\n")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unreadable_directory_is_a_note_with_the_systems_reason() {
        // The reason reads as walkdir's did: the `std::io::Error` Display.
        assert_eq!(
            std::io::Error::from(rustix::io::Errno::ACCESS).to_string(),
            std::io::Error::from_raw_os_error(13).to_string()
        );
        assert_eq!(std::io::Error::from(rustix::io::Errno::ACCESS).to_string(), "Permission denied (os error 13)");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("locked")).unwrap();
        fs::write(d.join("locked/k.pem"), b"x").unwrap();
        fs::write(d.join("open.pem"), b"x").unwrap();
        fs::set_permissions(d.join("locked"), std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
        let w = walk(&[d.to_path_buf()], &DiscoverOptions::default());
        // Root (CAP_DAC_OVERRIDE) reads a mode 000 directory; anyone else is refused.
        if fs::read_dir(d.join("locked")).is_ok() {
            assert_eq!(names(&w, d), ["locked/k.pem", "open.pem"]);
            assert!(w.findings.is_empty());
        } else {
            assert_eq!(names(&w, d), ["open.pem"]);
            assert_eq!(w.findings.len(), 1);
            let note = &w.findings[0].message;
            assert!(
                note.ends_with(
                    "locked cannot be read (Permission denied (os error 13)); what it holds was not scanned"
                ),
                "{note}"
            );
        }
        fs::set_permissions(d.join("locked"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        // A directory that is gone is such a note too, as walkdir gave it.
        let gone = walk(&[d.join("nowhere")], &DiscoverOptions::default());
        assert!(gone.files.is_empty());
        assert!(gone.findings[0].message.contains("cannot be read (No such file or directory (os error 2))"));
    }

    #[test]
    fn the_listing_says_which_markers_a_directory_holds() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["repo/.git", "etc/.git", "plain", "real"] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        fs::write(d.join("etc/.etckeeper"), b"").unwrap();
        fs::write(d.join("real/.hg"), b"").unwrap();
        for f in ["repo/k.key", "etc/k.key", "plain/k.key", "real/k.key", "top.key"] {
            fs::write(d.join(f), b"x").unwrap();
        }
        symlink("real", d.join("alias")).unwrap();
        let w = walk(&[d.to_path_buf()], &DiscoverOptions { follow: true, ..Default::default() });
        let facts = |name: &str| w.files.iter().find(|f| f.path.ends_with(name)).unwrap().facts;
        let seen = |name: &str| {
            let f = facts(name);
            (f.listed, f.plain, f.vcs, f.etckeeper)
        };
        assert_eq!(seen("repo/k.key"), (true, true, true, false));
        assert_eq!(seen("etc/k.key"), (true, true, true, true));
        assert_eq!(seen("plain/k.key"), (true, true, false, false));
        assert_eq!(seen("real/k.key"), (true, true, true, false));
        // Reached through a link: listed, but it resolves elsewhere.
        assert_eq!(seen("alias/k.key"), (true, false, true, false));
        // The root's own files: listed; the root is resolved by path.
        assert_eq!(seen("top.key"), (true, false, false, false));
        // From the root down: how deep, and the nearest marker on the way.
        let chain = |name: &str| (facts(name).depth, facts(name).nearest_vcs);
        assert_eq!(chain("top.key"), (Some(0), None));
        assert_eq!(chain("repo/k.key"), (Some(1), Some(false)));
        assert_eq!(chain("etc/k.key"), (Some(1), Some(true)));
        assert_eq!(chain("plain/k.key"), (Some(1), None));
        assert_eq!(chain("alias/k.key"), (None, None), "the chain ends at a link");
        // A root that is a file was not listed.
        let named = walk(&[d.join("top.key")], &DiscoverOptions::default());
        assert_eq!(named.files[0].facts, DirFacts::default());
    }
}
