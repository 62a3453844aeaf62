//! The filesystem as the dialects see it: [`ConfigFs`] is everything a dialect
//! may ask of the files around a config (read one, list a directory, what kind
//! of entry a path is, a link's target), so a dialect is text in, claims out.
//! [`HostFs`] is the real one: files are read through the caller's reader
//! (`discover::read_file`: links resolved by hand, `--root` confined as a chroot,
//! size-capped, never a FIFO or device); `MemFs` (tests only) serves an in-memory
//! tree, so a dialect's unit test needs no temporary directory.
//!
//! Names are `OsStr`: a file whose name is not UTF-8 is listed and read like any
//! other, and only turned into text (lossily) when it is displayed.

use crate::discover::resolve::locate;
use crate::discover::ReadOutcome;
use crate::paths::PathMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What is at a path, links followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// A FIFO, socket, device…: never a config.
    Other,
}

/// The files around the configs, as a dialect reads them.
pub trait ConfigFs: Sync {
    /// Read a file (links resolved, size-capped).
    fn read(&self, path: &Path) -> ReadOutcome;
    /// The names in a directory, in no particular order; `None` when it cannot be listed.
    fn list(&self, dir: &Path) -> Option<Vec<OsString>>;
    /// What is at `path`, links followed; `None` when nothing is (or it cannot be looked at).
    fn kind(&self, path: &Path) -> Option<FileKind>;
    /// Is there an entry at `path` itself (a dangling link counts)?
    fn exists(&self, path: &Path) -> bool;
    /// The target of the symbolic link at `path`, as written; `None` when it is not a link.
    fn read_link(&self, path: &Path) -> Option<PathBuf>;

    /// Is `path` a directory (links followed)?
    fn is_dir(&self, path: &Path) -> bool {
        self.kind(path) == Some(FileKind::Dir)
    }
    /// Is `path` a regular file (links followed)?
    fn is_file(&self, path: &Path) -> bool {
        self.kind(path) == Some(FileKind::File)
    }
}

/// The real filesystem. Reading goes through `read` (the scan's reader, which
/// keeps `--root` confinement and the size cap). Listings and kinds follow links
/// as that reader does ([`locate`]): by hand, absolute targets through `map`, and
/// under `--root` never out of the root (an image's `conf.d -> /srv/conf` is the
/// image's `/srv/conf`, not this machine's). Only `lstat`, `readlink` and
/// `readdir` are used: nothing is opened.
pub struct HostFs<'a> {
    pub read: &'a (dyn Fn(&Path) -> ReadOutcome + Sync),
    pub map: &'a PathMap,
}

impl ConfigFs for HostFs<'_> {
    fn read(&self, path: &Path) -> ReadOutcome {
        (self.read)(path)
    }

    fn list(&self, dir: &Path) -> Option<Vec<OsString>> {
        let (real, meta) = locate(dir, self.map).ok()?;
        if !meta.is_dir() {
            return None;
        }
        let rd = std::fs::read_dir(real).ok()?;
        Some(rd.flatten().map(|e| e.file_name()).collect())
    }

    fn kind(&self, path: &Path) -> Option<FileKind> {
        let t = locate(path, self.map).ok()?.1.file_type();
        Some(if t.is_dir() {
            FileKind::Dir
        } else if t.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        })
    }

    fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        std::fs::read_link(path).ok()
    }
}

#[cfg(test)]
pub use mem::MemFs;

#[cfg(test)]
mod mem {
    use super::{ConfigFs, FileKind};
    use crate::discover::{FileMeta, ReadOutcome};
    use crate::paths::normalize;
    use std::collections::BTreeMap;
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    #[derive(Debug, Clone)]
    enum Entry {
        File(Vec<u8>),
        Dir,
        Link(PathBuf),
    }

    /// An in-memory tree for the dialects' unit tests: files, the directories
    /// above them, and symbolic links (followed as the kernel would, at most 40 hops).
    #[derive(Debug, Default, Clone)]
    pub struct MemFs {
        entries: BTreeMap<PathBuf, Entry>,
    }

    impl MemFs {
        pub fn new() -> MemFs {
            MemFs::default()
        }

        /// Add a file (and the directories above it).
        pub fn file(mut self, path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> MemFs {
            let path = normalize(path.as_ref());
            self.dirs_above(&path);
            self.entries.insert(path, Entry::File(bytes.as_ref().to_vec()));
            self
        }

        /// Add a symbolic link at `path` to `target` (as written).
        pub fn link(mut self, path: impl AsRef<Path>, target: impl AsRef<Path>) -> MemFs {
            let path = normalize(path.as_ref());
            self.dirs_above(&path);
            self.entries.insert(path, Entry::Link(target.as_ref().to_path_buf()));
            self
        }

        /// Every file (not link), with its bytes.
        pub fn files(&self) -> Vec<(PathBuf, &[u8])> {
            self.entries
                .iter()
                .filter_map(|(p, e)| match e {
                    Entry::File(b) => Some((p.clone(), b.as_slice())),
                    _ => None,
                })
                .collect()
        }

        fn dirs_above(&mut self, path: &Path) {
            let mut p = path.parent();
            while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
                self.entries.entry(d.to_path_buf()).or_insert(Entry::Dir);
                p = d.parent();
            }
        }

        /// Where `path` leads, every link on the way followed; `None` when nothing is there.
        fn follow(&self, path: &Path) -> Option<(PathBuf, &Entry)> {
            let mut cur = PathBuf::new();
            let mut hops = 0;
            for c in normalize(path).components() {
                cur = normalize(&cur.join(c.as_os_str()));
                while let Some(Entry::Link(t)) = self.entries.get(&cur) {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    let base = cur.parent().map(Path::to_path_buf).unwrap_or_default();
                    cur = normalize(&base.join(t));
                }
            }
            let e = self.entries.get(&cur)?;
            Some((cur, e))
        }
    }

    impl ConfigFs for MemFs {
        fn read(&self, path: &Path) -> ReadOutcome {
            match self.follow(path) {
                Some((_, Entry::File(bytes))) => {
                    let meta = FileMeta { mode: 0o644, uid: 0, gid: 0, size: bytes.len() as u64 };
                    ReadOutcome::Read { bytes: bytes.clone(), meta }
                }
                Some(_) => ReadOutcome::Unreadable { reason: "not a regular file (directory)".to_string() },
                None => ReadOutcome::Missing { target: None },
            }
        }

        fn list(&self, dir: &Path) -> Option<Vec<OsString>> {
            let (dir, Entry::Dir) = self.follow(dir)? else { return None };
            let names = self
                .entries
                .keys()
                .filter(|p| p.parent() == Some(dir.as_path()))
                .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
                .collect();
            Some(names)
        }

        fn kind(&self, path: &Path) -> Option<FileKind> {
            match self.follow(path)?.1 {
                Entry::File(_) => Some(FileKind::File),
                Entry::Dir => Some(FileKind::Dir),
                Entry::Link(_) => None,
            }
        }

        fn exists(&self, path: &Path) -> bool {
            self.entries.contains_key(&normalize(path))
        }

        fn read_link(&self, path: &Path) -> Option<PathBuf> {
            match self.entries.get(&normalize(path)) {
                Some(Entry::Link(t)) => Some(t.clone()),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    use super::super::testutil::{mem_claims, mem_summary};
    use super::super::ClaimedFile;

    const PEM_KEY: &str = "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n";
    const PEM_CERT: &str = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";

    #[test]
    fn nginx_reads_an_include_glob_from_memory() {
        let fs = MemFs::new()
            .file("/etc/nginx/nginx.conf", "events {}\nhttp {\n    include conf.d/*.conf;\n}\n")
            .file(
                "/etc/nginx/conf.d/shop.conf",
                "server {\n listen 443 ssl;\n server_name shop.example.com;\n ssl_certificate /etc/ssl/shop.crt;\n ssl_certificate_key /etc/ssl/shop.key;\n}\n",
            )
            .file("/etc/nginx/conf.d/.old.conf", "server { ssl_certificate /etc/ssl/hidden.crt; ssl_certificate_key k; }\n")
            .file("/etc/nginx/conf.d/notes.txt", "server { ssl_certificate /etc/ssl/txt.crt; ssl_certificate_key k; }\n")
            .link("/etc/nginx/conf.d/www.conf", "../sites-available/www")
            .file("/etc/nginx/sites-available/www", "server {\n ssl_certificate ssl/www.crt;\n ssl_certificate_key ssl/www.key;\n}\n");
        let (claims, findings) = mem_claims(&fs);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(
            mem_summary(&claims),
            vec![
                "etc/nginx/conf.d/shop.conf:4 etc/ssl/shop.crt@4 etc/ssl/shop.key@5 - [shop.example.com]",
                "etc/nginx/conf.d/www.conf:2 etc/nginx/ssl/www.crt@2 etc/nginx/ssl/www.key@3 -",
            ]
        );
    }

    #[test]
    fn apache_follows_include_of_a_file_a_glob_and_a_directory_from_memory() {
        let vhost = |n: &str| {
            format!("<VirtualHost *:443>\nServerName {n}.example.com\nSSLEngine on\nSSLCertificateFile /etc/ssl/{n}.crt\nSSLCertificateKeyFile /etc/ssl/{n}.key\n</VirtualHost>\n")
        };
        let fs = MemFs::new()
            .file(
                "/etc/apache2/apache2.conf",
                "Include ports.conf\nIncludeOptional sites-enabled/*.conf\nInclude extra\n",
            )
            .file("/etc/apache2/ports.conf", "Listen 443\n")
            .file("/etc/apache2/sites-available/shop.conf", vhost("shop"))
            .file("/etc/apache2/sites-available/off.conf", vhost("off"))
            .link("/etc/apache2/sites-enabled/shop.conf", "../sites-available/shop.conf")
            .file("/etc/apache2/extra/mail.conf", vhost("mail"));
        let (claims, _) = mem_claims(&fs);
        assert_eq!(
            mem_summary(&claims),
            vec![
                "etc/apache2/extra/mail.conf:4 etc/ssl/mail.crt@4 etc/ssl/mail.key@5 - [mail.example.com]",
                "etc/apache2/sites-enabled/shop.conf:4 etc/ssl/shop.crt@4 etc/ssl/shop.key@5 - [shop.example.com]",
            ]
        );
    }

    #[test]
    fn haproxy_lists_a_crt_directory_from_memory() {
        let both = format!("{PEM_CERT}{PEM_KEY}");
        let fs = MemFs::new()
            .file("/etc/haproxy/haproxy.cfg", "frontend web\n    bind :443 ssl crt /etc/haproxy/certs/\n")
            .file("/etc/haproxy/certs/a.pem", &both)
            .file("/etc/haproxy/certs/b.pem", PEM_CERT)
            .file("/etc/haproxy/certs/b.pem.key", PEM_KEY)
            .file("/etc/haproxy/certs/b.pem.ocsp", "x")
            .file("/etc/haproxy/certs/.c.pem", &both)
            .file("/etc/haproxy/certs/old/d.pem", &both);
        let (claims, _) = mem_claims(&fs);
        assert_eq!(
            mem_summary(&claims),
            vec![
                "etc/haproxy/haproxy.cfg:2 etc/haproxy/certs/a.pem@2 - -",
                "etc/haproxy/haproxy.cfg:2 etc/haproxy/certs/b.pem@2 etc/haproxy/certs/b.pem.key@2 -",
            ]
        );
    }

    #[test]
    fn an_include_whose_name_is_not_utf8_is_read_and_shown_lossily() {
        let odd = Path::new("/etc/nginx/conf.d").join(std::ffi::OsStr::from_bytes(b"\xffshop.conf"));
        let fs = MemFs::new()
            .file("/etc/nginx/nginx.conf", "http {\n    include conf.d/*.conf;\n}\n")
            .file(&odd, "server {\n ssl_certificate /etc/ssl/odd.crt;\n ssl_certificate_key /etc/ssl/odd.key;\n}\n");
        let (claims, findings) = mem_claims(&fs);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(
            mem_summary(&claims),
            vec!["etc/nginx/conf.d/\u{fffd}shop.conf:2 etc/ssl/odd.crt@2 etc/ssl/odd.key@3 -"]
        );
    }

    #[test]
    fn a_crt_directory_entry_whose_name_is_not_utf8_is_claimed_by_its_bytes() {
        let both = format!("{PEM_CERT}{PEM_KEY}");
        let dir = Path::new("/etc/haproxy/certs");
        let odd = |s: &[u8]| dir.join(std::ffi::OsStr::from_bytes(s));
        let fs = MemFs::new()
            .file("/etc/haproxy/haproxy.cfg", "frontend web\n    bind :443 ssl crt /etc/haproxy/certs\n")
            .file(odd(b"\xfe.pem"), &both)
            .file(odd(b"\xfd.pem"), PEM_CERT)
            .file(odd(b"\xfd.pem.key"), PEM_KEY);
        let (claims, _) = mem_claims(&fs);
        let got: Vec<(PathBuf, Option<PathBuf>)> = claims
            .iter()
            .map(|c| {
                let local = |f: &ClaimedFile| match f {
                    ClaimedFile::Path { local, .. } => local.clone(),
                    other => panic!("{other:?}"),
                };
                (local(&c.cert), c.key.as_ref().map(local))
            })
            .collect();
        assert_eq!(got, vec![(odd(b"\xfd.pem"), Some(odd(b"\xfd.pem.key"))), (odd(b"\xfe.pem"), None)]);
    }

    #[test]
    fn mem_fs_follows_links_and_lists_raw_names() {
        let odd = std::ffi::OsStr::from_bytes(b"\xff.conf");
        let fs = MemFs::new()
            .file("/etc/nginx/conf.d/a.conf", "a")
            .file(Path::new("/etc/nginx/conf.d").join(odd), "odd")
            .link("/etc/nginx/sites-enabled/shop", "../sites-available/shop")
            .file("/etc/nginx/sites-available/shop", "shop")
            .link("/loop", "/loop");
        let mut names = fs.list(Path::new("/etc/nginx/conf.d")).unwrap();
        names.sort();
        assert_eq!(names, vec![OsString::from("a.conf"), odd.to_os_string()]);
        assert!(matches!(fs.read(Path::new("/etc/nginx/sites-enabled/shop")),
            ReadOutcome::Read { bytes, .. } if bytes == b"shop"));
        assert!(matches!(fs.read(Path::new("/etc/nginx/conf.d")), ReadOutcome::Unreadable { .. }));
        assert!(matches!(fs.read(Path::new("/loop")), ReadOutcome::Missing { .. }));
        assert!(fs.is_dir(Path::new("/etc/nginx")) && fs.is_file(Path::new("/etc/nginx/sites-enabled/shop")));
        assert!(fs.exists(Path::new("/loop")) && !fs.exists(Path::new("/nope")));
        assert_eq!(fs.read_link(Path::new("/loop")), Some(PathBuf::from("/loop")));
        assert_eq!(fs.read_link(Path::new("/etc/nginx/conf.d/a.conf")), None);
    }

    #[test]
    fn under_a_root_an_absolute_directory_link_is_listed_inside_the_image() {
        // An image whose conf.d is a link to /srv/conf: inside the image (a container, a
        // chroot) that link leads to the image's /srv/conf, so keymatch --root IMG lists
        // IMG/srv/conf, not this machine's /srv/conf.
        let t = super::super::testutil::Tree::new(&[
            ("img/etc/nginx/nginx.conf", "http {\n    include conf.d/*.conf;\n}\n"),
            (
                "img/srv/conf/shop.conf",
                "server {\n ssl_certificate /etc/ssl/shop.crt;\n ssl_certificate_key /etc/ssl/shop.key;\n}\n",
            ),
        ]);
        t.link("img/etc/nginx/conf.d", "/srv/conf");
        let map = crate::paths::PathMap { root: Some(t.path("img")), maps: Vec::new() };
        let (claims, findings) = t.claims_with(&map);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(
            t.summary(&claims),
            vec!["img/etc/nginx/conf.d/shop.conf:2 img/etc/ssl/shop.crt@2 img/etc/ssl/shop.key@3 -"]
        );
        // And the HostFs itself: kinds and listings go through the root.
        let read = |p: &Path| crate::discover::read_file(p, 1 << 20, &map);
        let fs = HostFs { read: &read, map: &map };
        assert!(fs.is_dir(&t.path("img/etc/nginx/conf.d")));
        assert_eq!(fs.list(&t.path("img/etc/nginx/conf.d")), Some(vec![OsString::from("shop.conf")]));
        assert!(fs.is_file(&t.path("img/etc/nginx/conf.d/shop.conf")));
        // A link climbing out of the root stays inside it.
        t.link("img/etc/up", "../../../../../../..");
        assert_eq!(fs.list(&t.path("img/etc/up/srv")), Some(vec![OsString::from("conf")]));
    }

    #[test]
    fn host_fs_lists_non_utf8_names_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"\xff.conf");
        std::fs::write(dir.path().join(odd), "x").unwrap();
        std::os::unix::fs::symlink("gone", dir.path().join("dangling")).unwrap();
        let read = |p: &Path| crate::discover::read_file(p, 1 << 20, &crate::paths::PathMap::default());
        let map = crate::paths::PathMap::default();
        let fs = HostFs { read: &read, map: &map };
        let mut names = fs.list(dir.path()).unwrap();
        names.sort();
        assert_eq!(names, vec![OsString::from("dangling"), odd.to_os_string()]);
        assert!(matches!(fs.read(&dir.path().join(odd)), ReadOutcome::Read { bytes, .. } if bytes == b"x"));
        assert!(fs.exists(&dir.path().join("dangling")) && fs.kind(&dir.path().join("dangling")).is_none());
        assert_eq!(fs.read_link(&dir.path().join("dangling")), Some(PathBuf::from("gone")));
        assert!(fs.is_dir(dir.path()) && fs.is_file(&dir.path().join(odd)));
    }
}
