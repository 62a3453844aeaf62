//! Reading one file safely: never block on a FIFO, never read a device, never
//! read past the size cap, never follow a link the caller did not resolve.

use super::{FileMeta, ReadOutcome};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Open `path` with `O_NONBLOCK|O_NOFOLLOW`, check with `fstat` that it is a
/// regular file no larger than `cap`, and read it. A symlink at `path` itself
/// is refused here (callers resolve links first, see `resolve`).
pub fn read_regular(path: &Path, cap: u64) -> ReadOutcome {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => return open_error(e),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return ReadOutcome::Unreadable { reason: e.to_string() },
    };
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            "a directory"
        } else if meta.mode() & libc::S_IFMT == libc::S_IFIFO {
            "a FIFO"
        } else if meta.mode() & libc::S_IFMT == libc::S_IFSOCK {
            "a socket"
        } else {
            "a device or special file"
        };
        return ReadOutcome::Unreadable { reason: format!("not a regular file ({what})") };
    }
    if meta.len() > cap {
        return ReadOutcome::Unreadable {
            reason: format!("larger than the size limit ({} bytes > {} bytes; see --max-file-size)", meta.len(), cap),
        };
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read through the cap even if the file grew since fstat.
    if let Err(e) = file.take(cap + 1).read_to_end(&mut bytes) {
        return ReadOutcome::Unreadable { reason: e.to_string() };
    }
    if bytes.len() as u64 > cap {
        return ReadOutcome::Unreadable { reason: format!("larger than the size limit ({cap} bytes)") };
    }
    ReadOutcome::Read {
        bytes,
        meta: FileMeta { mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid(), size: meta.len() },
    }
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
