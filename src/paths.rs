//! Server paths → local paths: `--root DIR` (DIR stands for `/`) and
//! `--map /etc/nginx=deploy/nginx` (a server prefix stands for a local
//! directory). Used for absolute paths that configs name and for absolute
//! symlink targets.

use std::path::{Component, Path, PathBuf};

/// How server-absolute paths are found on this machine.
#[derive(Debug, Clone, Default)]
pub struct PathMap {
    /// `--root`: `/` on the server is this directory here.
    pub root: Option<PathBuf>,
    /// `--map SERVER=LOCAL`, longest server prefix wins; consulted before `root`.
    pub maps: Vec<(PathBuf, PathBuf)>,
}

impl PathMap {
    /// Where the server path `server` (absolute, as a config names it) lives here.
    /// Relative paths are returned unchanged (callers join them to the right base first).
    pub fn to_local(&self, server: &Path) -> PathBuf {
        if !server.is_absolute() {
            return server.to_path_buf();
        }
        let normal = normalize(server);
        let best = self
            .maps
            .iter()
            .filter(|(prefix, _)| normal.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.components().count());
        if let Some((prefix, local)) = best {
            if let Ok(rest) = normal.strip_prefix(prefix) {
                return if rest.as_os_str().is_empty() { local.clone() } else { local.join(rest) };
            }
        }
        match &self.root {
            Some(root) => match normal.strip_prefix("/") {
                Ok(rest) => root.join(rest),
                Err(_) => root.clone(),
            },
            None => normal,
        }
    }

    /// True when server paths are translated (so locations carry `server_path`).
    pub fn translates(&self) -> bool {
        self.root.is_some() || !self.maps.is_empty()
    }
}

/// Is the path its own [`normalize`]: not empty, no `.` or `..` component, no empty one (`a//b`,
/// a trailing `/`), the root alone or followed by a name? Bytes only, nothing allocated.
pub fn is_normal(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let rest = match bytes {
        [] => return false,
        [b'/'] => return true,
        [b'/', rest @ ..] => rest,
        _ => bytes,
    };
    rest.split(|&b| b == b'/').all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// `dir` joined with `rest`, allocated once at its final size (`Path::join` copies `dir` and then
/// grows the copy to fit `rest`).
pub fn join_sized(dir: &Path, rest: &Path) -> PathBuf {
    let mut out = PathBuf::with_capacity(dir.as_os_str().len() + 1 + rest.as_os_str().len());
    out.push(dir);
    out.push(rest);
    out
}

/// Lexically resolve `.` and `..` (never above the start of an absolute path).
pub fn normalize(path: &Path) -> PathBuf {
    // Most paths are normal already (walked ones): one copy instead of one push per component.
    if is_normal(path) {
        return path.to_path_buf();
    }
    normalize_by_components(path)
}

/// [`normalize`] without its shortcut: component by component.
fn normalize_by_components(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !path.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// A path for display: lossy UTF-8.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path called normal is its own normalisation (and most such paths are called normal).
    #[test]
    fn normal_paths_are_what_normalize_gives() {
        let parts = ["", "/", "//", "a", "b.c", ".", "..", "...", ".a", "a/", "/a", "a/b", "./", "../"];
        let mut n = 0;
        for x in parts {
            for y in parts {
                for z in parts {
                    let p = format!("{x}{y}{z}");
                    let p = Path::new(&p);
                    let want = normalize_by_components(p);
                    assert_eq!(normalize(p), want, "{p:?}");
                    let same = want.as_os_str().as_encoded_bytes() == p.as_os_str().as_encoded_bytes();
                    assert!(same || !is_normal(p), "{p:?}");
                    n += usize::from(is_normal(p));
                }
            }
        }
        assert!(n > 100, "{n}");
    }

    #[test]
    fn root_and_maps_translate_absolute_paths() {
        let map = PathMap {
            root: Some(PathBuf::from("img")),
            maps: vec![(PathBuf::from("/etc/nginx"), PathBuf::from("deploy/nginx"))],
        };
        assert_eq!(map.to_local(Path::new("/etc/nginx/ssl/a.key")), PathBuf::from("deploy/nginx/ssl/a.key"));
        assert_eq!(map.to_local(Path::new("/etc/ssl/a.pem")), PathBuf::from("img/etc/ssl/a.pem"));
        assert_eq!(map.to_local(Path::new("/../etc/../x")), PathBuf::from("img/x"));
        assert_eq!(map.to_local(Path::new("rel/x")), PathBuf::from("rel/x"));
        assert_eq!(PathMap::default().to_local(Path::new("/etc/x")), PathBuf::from("/etc/x"));
    }
}
