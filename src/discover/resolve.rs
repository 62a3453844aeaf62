//! Resolving symlinks by hand, so that `--root` confines every link as a
//! chroot would (a mounted image's `/etc/letsencrypt/live/x/cert.pem ->
//! /etc/letsencrypt/archive/x/cert1.pem` must stay inside the image, and so
//! must `../../../../etc/shadow`: `..` at the root stays at the root), and so
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
/// and `--map` apply), relative targets against the link's directory. Under
/// `--root` (a path inside the root directory) every component is looked up by
/// hand, as in a chroot: a link in a directory of the path, a relative target
/// or a `..` never leaves the root. Only `lstat`/`readlink` are used: nothing
/// is opened, so a FIFO or a device costs nothing.
pub fn resolve(path: &Path, map: &PathMap) -> Resolved {
    match locate(path, map) {
        Ok((real, meta)) if meta.file_type().is_file() => Resolved::File(real),
        Ok((_, meta)) => Resolved::Unreadable { reason: format!("not a regular file ({})", kind_name(&meta)) },
        Err(outcome) => outcome,
    }
}

/// Where `path` leads, whatever is there (a directory too), links followed as [`resolve`]
/// follows them: the path with no link left at its end, and that entry's metadata. `Err` is
/// the [`Resolved`] that says why there is nothing (missing, a loop, unreadable).
pub fn locate(path: &Path, map: &PathMap) -> Result<(PathBuf, fs::Metadata), Resolved> {
    if let Some(root) = &map.root {
        let (root_n, path_n) = (crate::paths::normalize(root), crate::paths::normalize(path));
        if let Ok(inside) = path_n.strip_prefix(&root_n) {
            return locate_in_root(&root_n, inside, map);
        }
        // `--root .`, or one path relative and the other absolute: compare them absolute.
        if let Ok(cwd) = std::env::current_dir() {
            let (root_a, path_a) = (crate::paths::normalize(&cwd.join(root)), crate::paths::normalize(&cwd.join(path)));
            if let Ok(inside) = path_a.strip_prefix(&root_a) {
                return locate_in_root(&root_a, inside, map);
            }
        }
    }
    locate_on_host(path, map)
}

/// The link-level metadata of `path`, or what its absence means: missing (a
/// dangling link names `last_target`) or unreadable.
fn lstat(path: &Path, last_target: &Option<PathBuf>) -> Result<fs::Metadata, Resolved> {
    fs::symlink_metadata(path).map_err(|e| match e {
        e if e.kind() == ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => {
            Resolved::Missing { target: last_target.clone() }
        }
        e if e.kind() == ErrorKind::PermissionDenied => {
            Resolved::Unreadable { reason: "permission denied".to_string() }
        }
        e => Resolved::Unreadable { reason: e.to_string() },
    })
}

/// Resolution outside any root: the operating system resolves the directories of each
/// path; links at the last component are followed here.
fn locate_on_host(path: &Path, map: &PathMap) -> Result<(PathBuf, fs::Metadata), Resolved> {
    let mut current = path.to_path_buf();
    let mut last_target: Option<PathBuf> = None;
    for _ in 0..=MAX_HOPS {
        let meta = lstat(&current, &last_target)?;
        if !meta.file_type().is_symlink() {
            return Ok((current, meta));
        }
        let target = fs::read_link(&current)
            .map_err(|e| Resolved::Unreadable { reason: format!("cannot read the symbolic link: {e}") })?;
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
    Err(Resolved::Unreadable { reason: format!("a symbolic link loop (more than {MAX_HOPS} links)") })
}

/// True when a `--map` prefix (not the root) takes the absolute path `target`.
fn mapped(map: &PathMap, target: &Path) -> bool {
    let normal = crate::paths::normalize(target);
    map.maps.iter().any(|(prefix, _)| normal.starts_with(prefix))
}

/// Resolve `inside` (components below `root`) component by component, as `openat2`'s
/// `RESOLVE_IN_ROOT` would: `..` at the root stays there, absolute link targets start again
/// at the root (or leave through a `--map` prefix, which the user named), relative ones
/// continue from the link's directory. The result has no link left in it.
fn locate_in_root(root: &Path, inside: &Path, map: &PathMap) -> Result<(PathBuf, fs::Metadata), Resolved> {
    use std::collections::VecDeque;
    use std::ffi::OsString;
    use std::path::Component;
    let push_components = |todo: &mut VecDeque<OsString>, p: &Path| {
        let mut front: Vec<OsString> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(n) => front.push(n.to_os_string()),
                Component::ParentDir => front.push(OsString::from("..")),
                Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            }
        }
        for c in front.into_iter().rev() {
            todo.push_front(c);
        }
    };
    let mut todo: VecDeque<OsString> = VecDeque::new();
    push_components(&mut todo, inside);
    let mut stack: Vec<OsString> = Vec::new();
    let mut last_target: Option<PathBuf> = None;
    let mut hops = 0;
    let here = |stack: &[OsString]| stack.iter().fold(root.to_path_buf(), |p, c| p.join(c));
    while let Some(name) = todo.pop_front() {
        if name == ".." {
            stack.pop();
            continue;
        }
        let candidate = here(&stack).join(&name);
        let last = todo.is_empty();
        let meta = lstat(&candidate, &last_target)?;
        let ft = meta.file_type();
        if ft.is_symlink() {
            hops += 1;
            if hops > MAX_HOPS {
                return Err(Resolved::Unreadable {
                    reason: format!("a symbolic link loop (more than {MAX_HOPS} links)"),
                });
            }
            let target = fs::read_link(&candidate)
                .map_err(|e| Resolved::Unreadable { reason: format!("cannot read the symbolic link: {e}") })?;
            if target.is_absolute() {
                if mapped(map, &target) {
                    // A `--map` names where this server directory is: continue there.
                    let mut rest = map.to_local(&target);
                    rest.extend(todo.iter());
                    return locate_on_host(&rest, map).map_err(|e| match e {
                        Resolved::Missing { target: None } => Resolved::Missing { target: Some(target) },
                        other => other,
                    });
                }
                stack.clear();
            }
            push_components(&mut todo, &target);
            last_target = Some(target);
            continue;
        }
        if last {
            return Ok((candidate, meta));
        }
        if !ft.is_dir() {
            return Err(Resolved::Missing { target: last_target });
        }
        stack.push(name);
    }
    // The path ends at a directory (the root itself, or after `..`).
    let dir = here(&stack);
    let meta = lstat(&dir, &last_target)?;
    Ok((dir, meta))
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

    #[test]
    fn under_a_root_no_link_leaves_it() {
        let host = tempfile::tempdir().unwrap();
        let h = host.path();
        let img = h.join("img");
        fs::create_dir_all(img.join("etc/ssl/private")).unwrap();
        fs::create_dir_all(img.join("srv")).unwrap();
        fs::create_dir_all(h.join("etc/ssl")).unwrap();
        fs::write(h.join("etc/ssl/host.pem"), b"host").unwrap();
        fs::write(img.join("etc/ssl/host.pem"), b"image").unwrap();
        let map = PathMap { root: Some(img.clone()), maps: Vec::new() };
        // A relative climb far past the root stays at the root.
        symlink("../../../../../../../etc/ssl/host.pem", img.join("etc/ssl/private/a.pem")).unwrap();
        assert_eq!(resolve(&img.join("etc/ssl/private/a.pem"), &map), Resolved::File(img.join("etc/ssl/host.pem")));
        // A relative climb to a file only the host has: missing, not the host's file.
        symlink("../../../../../../../host-only.pem", img.join("etc/b.pem")).unwrap();
        fs::write(h.join("host-only.pem"), b"host").unwrap();
        assert!(matches!(resolve(&img.join("etc/b.pem"), &map), Resolved::Missing { .. }));
        // A directory link inside the path, relative and absolute, is resolved inside too.
        symlink("../../..", img.join("srv/up")).unwrap();
        assert_eq!(resolve(&img.join("srv/up/etc/ssl/host.pem"), &map), Resolved::File(img.join("etc/ssl/host.pem")));
        symlink("/etc", img.join("srv/etc")).unwrap();
        assert_eq!(resolve(&img.join("srv/etc/ssl/host.pem"), &map), Resolved::File(img.join("etc/ssl/host.pem")));
        // An absolute file link, and a loop.
        symlink("/etc/ssl/host.pem", img.join("srv/abs.pem")).unwrap();
        assert_eq!(resolve(&img.join("srv/abs.pem"), &map), Resolved::File(img.join("etc/ssl/host.pem")));
        symlink("loop2", img.join("srv/loop1")).unwrap();
        symlink("loop1", img.join("srv/loop2")).unwrap();
        assert!(matches!(resolve(&img.join("srv/loop1"), &map), Resolved::Unreadable { .. }));
        assert!(matches!(resolve(&img.join("srv/.."), &map), Resolved::Unreadable { .. }));
    }
}
