//! Reading one file safely: never block on a FIFO, never read a device, never
//! read past the size cap, never follow a link the caller did not resolve.

use super::open::open_leaving_atime;
use super::sniff::HEAD_LEN;
use super::walk::DirFd;
use super::{FileMeta, ReadOutcome};
use rustix::fs::OFlags;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::MetadataExt;
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
    let opened = open_leaving_atime(dir.as_fd(), name, FILE_FLAGS)
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
    let (mut file, meta) = match opened {
        Ok(x) => x,
        Err(outcome) => return Selective::Whole(outcome),
    };
    let fmeta = FileMeta { mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid(), size: meta.len() };
    let unreadable = |e: std::io::Error| Selective::Whole(ReadOutcome::Unreadable { reason: e.to_string() });
    let size = meta.len();
    let head = size.min(HEAD_LEN as u64) as usize;
    // A file shorter than a head is asked for one byte more than fstat says it holds: the read
    // that returns less has read all of it, with no further call to be told so.
    let head_limit = head + usize::from(head < HEAD_LEN);
    let mut bytes = Vec::with_capacity(head_limit);
    let mut ended = match fill(&mut file, &mut bytes, head, head_limit) {
        Ok(ended) => ended,
        Err(e) => return unreadable(e),
    };
    if !want(&bytes, size) {
        return Selective::Skipped(fmeta);
    }
    if size > cap {
        return Selective::Whole(ReadOutcome::Unreadable { reason: too_large(Some(size), cap) });
    }
    if !ended {
        // The rest, again asking for one byte past the size fstat gave.
        let target = usize::try_from(size).unwrap_or(usize::MAX);
        ended = match fill(&mut file, &mut bytes, target, target.saturating_add(1)) {
            Ok(ended) => ended,
            Err(e) => return unreadable(e),
        };
    }
    // It grew since fstat: read on through the cap.
    if !ended {
        let left = (cap + 1).saturating_sub(bytes.len() as u64);
        if let Err(e) = (&mut file).take(left).read_to_end(&mut bytes) {
            return unreadable(e);
        }
    }
    if bytes.len() as u64 > cap {
        return Selective::Whole(ReadOutcome::Unreadable { reason: too_large(None, cap) });
    }
    Selective::Whole(ReadOutcome::Read { bytes, meta: fmeta })
}

/// Read onto `bytes` until it holds `target` bytes or the file ends, asking the reads for at most
/// `limit` bytes in all (`limit` above `target` looks one byte past where the file should end).
/// True when the file ended: a read returned nothing, or fewer bytes than asked once `target`
/// was reached (a regular file's read is short only at its end). False when `limit` was reached.
fn fill(file: &mut File, bytes: &mut Vec<u8>, target: usize, limit: usize) -> std::io::Result<bool> {
    loop {
        let ask = limit.saturating_sub(bytes.len());
        if ask == 0 {
            return Ok(false);
        }
        bytes.reserve_exact(ask);
        // Into the spare capacity, which rustix counts into the length: nothing is zeroed first.
        let got = loop {
            match rustix::io::read(&*file, rustix::buffer::spare_capacity(bytes)) {
                Err(rustix::io::Errno::INTR) => continue,
                other => break other,
            }
        };
        let got = got.map_err(std::io::Error::from)?;
        if got == 0 || (got < ask && bytes.len() >= target) {
            return Ok(true);
        }
        // More than asked (the allocator's spare room was larger): not the end, whatever follows.
        if got > ask {
            return Ok(false);
        }
    }
}

/// How a file is opened to be read: never blocking (a FIFO), following no link, taking no terminal.
const FILE_FLAGS: OFlags =
    OFlags::RDONLY.union(OFlags::NONBLOCK).union(OFlags::NOFOLLOW).union(OFlags::NOCTTY).union(OFlags::CLOEXEC);

/// Open without blocking or following, and check with `fstat` that it is a regular file.
fn open_regular(path: &Path) -> Result<(File, Metadata), ReadOutcome> {
    let file =
        open_leaving_atime(rustix::fs::CWD, path, FILE_FLAGS).map(File::from).map_err(|e| open_error(e.into()))?;
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
    fn files_around_the_head_size_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, 100, HEAD_LEN - 1, HEAD_LEN, HEAD_LEN + 1, 3 * HEAD_LEN + 7] {
            let p = dir.path().join(format!("f{len}"));
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&p, &data).unwrap();
            match read_selectively(&p, 1 << 20, &|head, size| head.len() == len.min(HEAD_LEN) && size == len as u64) {
                Selective::Whole(ReadOutcome::Read { bytes, .. }) => assert_eq!(bytes, data, "{len}"),
                other => panic!("{len}: {other:?}"),
            }
            // Exactly at the cap is under it; one byte less is over.
            assert!(matches!(read_regular(&p, len as u64), ReadOutcome::Read { bytes, .. } if bytes == data));
            if len > 0 {
                assert!(
                    matches!(read_regular(&p, len as u64 - 1), ReadOutcome::Unreadable { reason } if is_too_large(&reason))
                );
            }
        }
    }

    #[test]
    fn fill_stops_at_the_end_or_at_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, [7u8; 100]).unwrap();
        let fill_new = |target, limit| {
            let mut bytes = Vec::new();
            let ended = fill(&mut File::open(&p).unwrap(), &mut bytes, target, limit).unwrap();
            (ended, bytes.len())
        };
        // As fstat said: the one-byte-longer read comes back short, the end is known.
        assert_eq!(fill_new(100, 101), (true, 100));
        // More than expected (a file that grew): the limit is reached, the end is not known.
        assert_eq!(fill_new(50, 51), (false, 51));
        // Less than expected (a file that shrank): read to its end.
        assert_eq!(fill_new(200, 201), (true, 100));
        // A limit of what is already held reads nothing.
        let mut bytes = vec![1, 2, 3];
        assert!(!fill(&mut File::open(&p).unwrap(), &mut bytes, 3, 3).unwrap());
        assert_eq!(bytes, [1, 2, 3]);
    }

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
