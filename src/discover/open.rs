//! How the scan opens what it reads: with `O_NOATIME` while the kernel allows it, so that reading
//! a tree leaves the access times of its files and directories as they were. Used by `read`
//! (files) and `walk` (directories).

use rustix::fs::{Mode, OFlags};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the kernel has refused `O_NOATIME` (EPERM: keymatch is neither the file's owner nor
/// holds CAP_FOWNER): from then on files and directories are opened without it.
static NOATIME_REFUSED: AtomicBool = AtomicBool::new(false);

/// `openat` with `O_NOATIME` while the kernel allows it, so that a scan leaves the access times
/// of what it reads as they were (keymatch modifies nothing it scans; root, which runs it on
/// servers, may always). Refused once, it is retried and dropped for the rest of the run.
pub(crate) fn open_leaving_atime<P: rustix::path::Arg + Copy>(
    dir: BorrowedFd<'_>,
    path: P,
    flags: OFlags,
) -> rustix::io::Result<OwnedFd> {
    if !NOATIME_REFUSED.load(Ordering::Relaxed) {
        match rustix::fs::openat(dir, path, flags | OFlags::NOATIME, Mode::empty()) {
            Err(rustix::io::Errno::PERM) => NOATIME_REFUSED.store(true, Ordering::Relaxed),
            opened => return opened,
        }
    }
    rustix::fs::openat(dir, path, flags, Mode::empty())
}
