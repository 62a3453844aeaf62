//! Reading one file safely: never block on a FIFO, never read a device, never
//! read past the size cap, never follow a link the caller did not resolve.

use super::walk::DirFd;
use super::{FileMeta, ReadOutcome};
use rustix::fs::{Mode, OFlags};
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// How the reason of an `Unreadable` outcome starts when the file is over the size cap.
pub const TOO_LARGE: &str = "larger than the size limit";

/// True when an `Unreadable` reason says the file was over the size cap (such a file is always
/// reported: a certificate or key must not hide behind padding).
pub fn is_too_large(reason: &str) -> bool {
    reason.starts_with(TOO_LARGE)
}

/// The `Unreadable` reason for `size` bytes over `cap`.
pub fn too_large(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(size) => format!("{TOO_LARGE} ({size} bytes > {cap} bytes; see --max-file-size)"),
        None => format!("{TOO_LARGE} (more than {cap} bytes; see --max-file-size)"),
    }
}

/// Open `path` with `O_NONBLOCK|O_NOFOLLOW`, check with `fstat` that it is a
/// regular file no larger than `cap`, and read it. A symlink at `path` itself
/// is refused here (callers resolve links first, see `resolve`).
pub fn read_regular(path: &Path, cap: u64) -> ReadOutcome {
    match read_selectively(path, cap, &|_, _| true) {
        Selective::Whole(outcome) => outcome,
        Selective::Skipped(meta) => ReadOutcome::Read { bytes: Vec::new(), meta },
    }
}

/// What [`read_selectively`] did.
#[derive(Debug)]
pub enum Selective {
    /// The file was read through the cap (or could not be).
    Whole(ReadOutcome),
    /// The first bytes said it is of no interest: the rest was not read.
    Skipped(FileMeta),
}

/// Like [`read_regular`], but read only the first [`HEAD_LEN`](super::sniff::HEAD_LEN)
/// bytes first and the rest only when `want(head, size)` says so. Of a file over
/// the cap only the head is read: it is reported too large when wanted, skipped otherwise.
pub fn read_selectively(path: &Path, cap: u64, want: &dyn Fn(&[u8], u64) -> bool) -> Selective {
    read_opened(open_regular(path), cap, want)
}

/// [`read_selectively`] of the file `name` in the open directory `dir` (a walked file): opened
/// with `openat`, so no link in the directory's path, even one made since the walk listed
/// it, can redirect the read.
pub fn read_selectively_at(dir: &DirFd, name: &OsStr, cap: u64, want: &dyn Fn(&[u8], u64) -> bool) -> Selective {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::NOCTTY | OFlags::CLOEXEC;
    let opened = rustix::fs::openat(dir.as_fd(), name, flags, Mode::empty())
        .map(File::from)
        .map_err(|e| open_error(e.into()))
        .and_then(check_regular);
    read_opened(opened, cap, want)
}

fn read_opened(
    opened: Result<(File, Metadata), ReadOutcome>,
    cap: u64,
    want: &dyn Fn(&[u8], u64) -> bool,
) -> Selective {
    let (file, meta) = match opened {
        Ok(x) => x,
        Err(outcome) => return Selective::Whole(outcome),
    };
    let fmeta = FileMeta { mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid(), size: meta.len() };
    let head_len = meta.len().min(super::sniff::HEAD_LEN as u64);
    let mut bytes = Vec::with_capacity(head_len as usize);
    let mut file = file.take(cap + 1);
    if let Err(e) = (&mut file).take(head_len).read_to_end(&mut bytes) {
        return Selective::Whole(ReadOutcome::Unreadable { reason: e.to_string() });
    }
    if !want(&bytes, meta.len()) {
        return Selective::Skipped(fmeta);
    }
    if meta.len() > cap {
        return Selective::Whole(ReadOutcome::Unreadable { reason: too_large(Some(meta.len()), cap) });
    }
    bytes.reserve((meta.len() as usize).saturating_sub(bytes.len()));
    // Read through the cap even if the file grew since fstat.
    if let Err(e) = file.read_to_end(&mut bytes) {
        return Selective::Whole(ReadOutcome::Unreadable { reason: e.to_string() });
    }
    if bytes.len() as u64 > cap {
        return Selective::Whole(ReadOutcome::Unreadable { reason: too_large(None, cap) });
    }
    Selective::Whole(ReadOutcome::Read { bytes, meta: fmeta })
}

/// Open without blocking or following, and check with `fstat` that it is a regular file.
fn open_regular(path: &Path) -> Result<(File, Metadata), ReadOutcome> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
        .map_err(open_error)?;
    check_regular(file)
}

/// `fstat` the open file: a regular file, or the reason it is not read.
fn check_regular(file: File) -> Result<(File, Metadata), ReadOutcome> {
    let meta = file.metadata().map_err(|e| ReadOutcome::Unreadable { reason: e.to_string() })?;
    if !meta.file_type().is_file() {
        let what = super::resolve::kind_name(&meta);
        return Err(ReadOutcome::Unreadable { reason: format!("not a regular file ({what})") });
    }
    Ok((file, meta))
}

fn open_error(e: std::io::Error) -> ReadOutcome {
    match e.kind() {
        ErrorKind::NotFound => ReadOutcome::Missing { target: None },
        ErrorKind::PermissionDenied => ReadOutcome::Unreadable { reason: "permission denied".to_string() },
        _ if e.raw_os_error() == Some(libc::ELOOP) => {
            ReadOutcome::Unreadable { reason: "a symbolic link (not followed)".to_string() }
        }
        _ => ReadOutcome::Unreadable { reason: e.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_only_when_wanted_and_under_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let mut data = vec![b'a'; 20_000];
        data[19_000] = b'z';
        std::fs::write(&p, &data).unwrap();
        match read_selectively(&p, 1 << 20, &|head, size| head.len() == 8192 && size == 20_000) {
            Selective::Whole(ReadOutcome::Read { bytes, meta }) => {
                assert_eq!(bytes, data);
                assert_eq!(meta.size, 20_000);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(read_selectively(&p, 1 << 20, &|_, _| false), Selective::Skipped(_)));
        assert!(matches!(read_regular(&p, 100), ReadOutcome::Unreadable { reason } if is_too_large(&reason)));
        // Over the cap: reported when the head is wanted, skipped when not.
        assert!(matches!(read_selectively(&p, 100, &|_, _| false), Selective::Skipped(_)));
        assert!(matches!(read_regular(dir.path(), 100), ReadOutcome::Unreadable { .. }));
        assert!(matches!(read_regular(&dir.path().join("nope"), 100), ReadOutcome::Missing { .. }));
    }
}
