//! Resolving symlinks by hand, so that `--root` applies to absolute link
//! targets (a mounted image's `/etc/letsencrypt/live/x/cert.pem ->
//! /etc/letsencrypt/archive/x/cert1.pem` must stay inside the image) and so
//! that loops end after a fixed number of hops instead of hanging.

use crate::paths::PathMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// At most this many links are followed (Linux's own limit).
pub const MAX_HOPS: usize = 40;

/// Where a path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file, here (no symlink left to follow at the last component).
    File(PathBuf),
    /// Nothing there. `target` is the last link's target as written, when a link dangles.
    Missing { target: Option<PathBuf> },
    /// Something that is not read: a directory, FIFO, socket, device, a loop, or
    /// a path that cannot be looked at. `reason` is one line for the user.
    Unreadable { reason: String },
}

/// Follow `path` link by link: absolute targets through `map` (so `--root`
/// and `--map` apply), relative targets against the link's directory. Only
/// `lstat`/`readlink` are used: nothing is opened, so a FIFO or a device
/// costs nothing.
pub fn resolve(path: &Path, map: &PathMap) -> Resolved {
    let mut current = path.to_path_buf();
    let mut last_target: Option<PathBuf> = None;
    for _ in 0..=MAX_HOPS {
        let meta = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => {
                return Resolved::Missing { target: last_target };
            }
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                return Resolved::Unreadable { reason: "permission denied".to_string() };
            }
            Err(e) => return Resolved::Unreadable { reason: e.to_string() },
        };
        let ft = meta.file_type();
        if ft.is_file() {
            return Resolved::File(current);
        }
        if !ft.is_symlink() {
            return Resolved::Unreadable { reason: format!("not a regular file ({})", kind_name(&meta)) };
        }
        let target = match fs::read_link(&current) {
            Ok(t) => t,
            Err(e) => return Resolved::Unreadable { reason: format!("cannot read the symbolic link: {e}") },
        };
        current = if target.is_absolute() {
            map.to_local(&target)
        } else {
            match current.parent() {
                Some(dir) => dir.join(&target),
                None => target.clone(),
            }
        };
        last_target = Some(target);
    }
    Resolved::Unreadable { reason: format!("a symbolic link loop (more than {MAX_HOPS} links)") }
}

/// "a directory", "a FIFO", … for a non-regular file's metadata.
pub fn kind_name(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let ft = meta.file_type();
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn follows_relative_and_absolute_links_and_stops_loops() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("archive/x")).unwrap();
        fs::create_dir_all(d.join("live/x")).unwrap();
        fs::write(d.join("archive/x/cert1.pem"), b"x").unwrap();
        symlink("../../archive/x/cert1.pem", d.join("live/x/cert.pem")).unwrap();
        assert_eq!(
            resolve(&d.join("live/x/cert.pem"), &PathMap::default()),
            Resolved::File(d.join("live/x/../../archive/x/cert1.pem"))
        );
        // An absolute target is looked up under --root.
        symlink("/archive/x/cert1.pem", d.join("live/x/abs.pem")).unwrap();
        let map = PathMap { root: Some(d.to_path_buf()), maps: Vec::new() };
        assert_eq!(resolve(&d.join("live/x/abs.pem"), &map), Resolved::File(d.join("archive/x/cert1.pem")));
        // Dangling: the target as written.
        symlink("../../archive/x/cert9.pem", d.join("live/x/gone.pem")).unwrap();
        assert_eq!(
            resolve(&d.join("live/x/gone.pem"), &PathMap::default()),
            Resolved::Missing { target: Some(PathBuf::from("../../archive/x/cert9.pem")) }
        );
        // A loop ends.
        symlink("b", d.join("a")).unwrap();
        symlink("a", d.join("b")).unwrap();
        assert!(matches!(resolve(&d.join("a"), &PathMap::default()), Resolved::Unreadable { .. }));
        // A directory is not read.
        assert!(matches!(resolve(&d.join("archive"), &PathMap::default()), Resolved::Unreadable { .. }));
        assert_eq!(resolve(&d.join("nope"), &PathMap::default()), Resolved::Missing { target: None });
    }
}
