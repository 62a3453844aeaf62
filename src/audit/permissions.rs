//! `key-permissions`: the mode audit of private key files, as a server admin
//! means it. A key may be read by its owner and by the group the server (or
//! Debian's `ssl-cert` convention, root:ssl-cert 0640) reads it through; it is
//! a finding when anyone else can read it. Files inside a version-control work
//! tree (`.git`, `.hg`, `.svn` at or above them) are not audited: git keeps no
//! modes, so a checkout's 0644 says nothing about the deployed file, and
//! `chmod 600` there changes nothing that is committed. A tree that etckeeper
//! keeps (`/etc/.git` beside `/etc/.etckeeper`) is a deployed tree: audited.

use crate::discover::{DirFacts, FileMeta};
use crate::finding::{Code, Finding, Location};
use crate::parse::Source;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Debian's group for services that read keys under `/etc/ssl/private`.
const SSL_CERT: &str = "ssl-cert";

/// The group each server family runs as on Debian (the `User`/`Group` its package creates).
fn server_groups(kind: &str) -> &'static [&'static str] {
    match kind {
        "nginx" | "apache" | "lighttpd" => &["www-data"],
        "haproxy" => &["haproxy"],
        "postfix" => &["postfix"],
        "dovecot" => &["dovecot"],
        "postgres" => &["postgres"],
        "mysql" => &["mysql"],
        "redis" => &["redis"],
        "caddy" => &["caddy"],
        "traefik" => &["traefik"],
        "envoy" => &["envoy"],
        // A pair found by layout or by the key index: no config says which server reads it,
        // so any server family's group is its own.
        _ => &["www-data", "haproxy", "postfix", "dovecot", "postgres", "mysql", "redis", "caddy", "traefik", "envoy"],
    }
}

/// The mode audit for one run: group names (from `/etc/group`, or the `--root` image's) and a
/// per-directory cache of "is this inside a version-control work tree". Shared by the workers.
#[derive(Debug)]
pub struct ModeAudit {
    group_file: PathBuf,
    groups: OnceLock<HashMap<u32, String>>,
    work_tree: Mutex<WorkTrees>,
}

/// What [`ModeAudit::in_work_tree`] found about the ancestors of key directories, per run, so
/// that the directories of a tree share their ancestors' checks: where each resolves (`None`: it
/// does not), and whether a resolved one holds a `.git`, `.hg` or `.svn` (`Some`, with whether
/// that work tree is etckeeper's) or none (`None`). A key's own directory is looked at each
/// time and not kept: a tree has about as many of those as keys, and few keys share one (a
/// walked key's directory is not looked at: the walk's listing said what it holds).
#[derive(Debug, Default)]
struct WorkTrees {
    resolved: HashMap<PathBuf, Option<PathBuf>>,
    markers: HashMap<PathBuf, Option<bool>>,
    /// Walk roots: inside a work tree through a marker above them.
    above_roots: HashMap<PathBuf, bool>,
}

impl ModeAudit {
    /// `root`: the `--root` image, whose `etc/group` (when it has one) names its files' groups.
    pub fn new(root: Option<&Path>) -> ModeAudit {
        // A tree without its own group file (an infrastructure repository under --root) holds
        // files the host made: the host's groups name them.
        let group_file = match root.map(|r| r.join("etc/group")) {
            Some(g) if g.is_file() => g,
            _ => PathBuf::from("/etc/group"),
        };
        ModeAudit { group_file, groups: OnceLock::new(), work_tree: Mutex::new(WorkTrees::default()) }
    }

    fn group_name(&self, gid: u32) -> Option<&str> {
        self.groups
            .get_or_init(|| parse_group_file(&std::fs::read_to_string(&self.group_file).unwrap_or_default()))
            .get(&gid)
            .map(String::as_str)
    }

    /// Is `file` inside a git, Mercurial or Subversion work tree (not one etckeeper keeps)?
    /// Each ancestor of its directory is resolved and looked at once per run. `walked`: what
    /// the walk saw in the file's directory, which then answers for it without looking again
    /// (all false when the file was not walked).
    pub fn in_work_tree(&self, file: &Path, walked: DirFacts) -> bool {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Listed from the root down without a link: the walk's listings say what the directory
        // and its ancestors down from the root hold; only what is above the root is looked at.
        if let (true, Some(depth)) = (walked.listed, walked.depth) {
            if let Some(etckeeper) = walked.nearest_vcs {
                return marker_of(true, etckeeper).unwrap_or(false);
            }
            let root =
                dir.ancestors().nth(depth as usize).map(|r| if r.as_os_str().is_empty() { Path::new(".") } else { r });
            if let Some(root) = root {
                return self.above_root(root);
            }
        }
        // The directory, not the file, is resolved: a key that is a link keeps its own place.
        self.resolve(dir, false, walked.plain).is_some_and(|real| {
            // The nearest ancestor with a marker decides. The file's own directory is the one
            // the walk listed: it resolves to the directory the walk opened.
            let own = walked.listed.then(|| marker_of(walked.vcs, walked.etckeeper));
            real.ancestors()
                .enumerate()
                .find_map(|(i, a)| match (i, own) {
                    (0, Some(marker)) => marker,
                    _ => self.marker(a, i > 0),
                })
                .unwrap_or(false)
        })
    }

    /// Is a walk's root inside a work tree through a marker above it (the root's own listing
    /// was the walk's)? Once per root and run.
    fn above_root(&self, root: &Path) -> bool {
        if let Some(known) = self.work_tree.lock().ok().and_then(|w| w.above_roots.get(root).copied()) {
            return known;
        }
        let inside = self
            .resolve(root, true, false)
            .is_some_and(|real| real.ancestors().skip(1).find_map(|a| self.marker(a, true)).unwrap_or(false));
        if let Ok(mut w) = self.work_tree.lock() {
            w.above_roots.insert(root.to_path_buf(), inside);
        }
        inside
    }

    /// `dir` resolved as [`std::fs::canonicalize`] does. A directory that is no link, below a
    /// parent named in the path, is its parent's resolution joined with its name: resolved so,
    /// each directory costs one `lstat` and the directories of a tree share their ancestors'
    /// resolution (`canonicalize` reads every component of the path as a link). `keep`: remember
    /// the answer (ancestors are always remembered). `plain`: the walk saw that `dir` is a
    /// directory and no link (its parent's listing said so): no `lstat`.
    fn resolve(&self, dir: &Path, keep: bool, plain: bool) -> Option<PathBuf> {
        // A poisoned lock only costs the cache.
        if let Some(known) = self.work_tree.lock().ok().and_then(|w| w.resolved.get(dir).cloned()) {
            return known;
        }
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        let name = match dir.components().next_back() {
            Some(std::path::Component::Normal(name)) => Some(name),
            _ => None,
        };
        let real = match (parent, name) {
            (Some(parent), Some(name)) if plain || dir.symlink_metadata().is_ok_and(|m| m.is_dir()) => {
                self.resolve(parent, true, false).map(|p| p.join(name))
            }
            _ => std::fs::canonicalize(dir).ok(),
        };
        if keep {
            if let Ok(mut w) = self.work_tree.lock() {
                w.resolved.insert(dir.to_path_buf(), real.clone());
            }
        }
        real
    }

    /// Does the resolved directory `dir` hold a version-control marker: `Some(inside)` (false
    /// when etckeeper keeps it), `None` when it holds none. `keep`: remember the answer.
    fn marker(&self, dir: &Path, keep: bool) -> Option<bool> {
        if let Some(known) = self.work_tree.lock().ok().and_then(|w| w.markers.get(dir).copied()) {
            return known;
        }
        let found = [".git", ".hg", ".svn"].iter().any(|v| dir.join(v).symlink_metadata().is_ok());
        let marker = marker_of(found, found && dir.join(".etckeeper").symlink_metadata().is_ok());
        if keep {
            if let Ok(mut w) = self.work_tree.lock() {
                w.markers.insert(dir.to_path_buf(), marker);
            }
        }
        marker
    }

    /// `key-permissions` for a key file with these modes, read by a server of family `server`
    /// (a pair's origin kind). `file`: where it is on this machine, for the work-tree test.
    pub fn key_permissions(
        &self,
        source: &Source,
        meta: &FileMeta,
        file: Option<&Path>,
        walked: DirFacts,
        server: &str,
    ) -> Option<Finding> {
        if source.path == "-" {
            return None;
        }
        let finding = match server {
            "postgres" => postgres_refuses(source, meta),
            _ => None,
        }
        .or_else(|| self.readable_by_others(source, meta, server));
        // Decided last: the work-tree test costs a lookup, and most keys have no finding.
        finding.filter(|_| !file.is_some_and(|f| self.in_work_tree(f, walked)))
    }

    /// Readable by all users, or by a group that is neither ssl-cert nor the server's own.
    fn readable_by_others(&self, source: &Source, meta: &FileMeta, server: &str) -> Option<Finding> {
        if meta.mode & 0o044 == 0 {
            return None;
        }
        let others = meta.mode & 0o004 != 0;
        let group = self.group_name(meta.gid);
        let own_group = group.is_some_and(|g| g == SSL_CERT || server_groups(server).contains(&g));
        let group_reads = meta.mode & 0o040 != 0 && !own_group;
        if !others && !group_reads {
            return None;
        }
        let group_text = match group {
            Some(g) => format!("group {g}"),
            None => format!("group {}", meta.gid),
        };
        let who = match (group_reads, others) {
            (true, true) => format!("its {group_text} and all users"),
            (false, true) => "all users".to_string(),
            _ => format!("its {group_text}"),
        };
        Some(
            Finding::new(
                Code::KeyPermissions,
                format!("the private key {} (mode {:04o}) is readable by {who}", source.path, meta.mode),
                vec![Location::file(&source.path).with_server_path(source.server_path.clone())],
            )
            .with_hint(format!(
                "chmod 600 {} (or chgrp {SSL_CERT} and chmod 640 when another service reads it through that group)",
                source.path
            )),
        )
    }
}

/// What a directory's names say, whether the walk listed them or they were probed: inside a work
/// tree (`Some(true)`) when it holds `.git`, `.hg` or `.svn` (`vcs`) and no `.etckeeper`;
/// `Some(false)` with `.etckeeper` (a deployed tree etckeeper keeps); `None` without a marker.
fn marker_of(vcs: bool, etckeeper: bool) -> Option<bool> {
    vcs.then_some(!etckeeper)
}

/// PostgreSQL 15 checks the key's mode itself and refuses to start ("private key file … has group
/// or world access") unless the key is at most 0600 when its own user owns it, or at most 0640 when
/// root owns it: then `key-permissions` is an error, whatever the group.
fn postgres_refuses(source: &Source, meta: &FileMeta) -> Option<Finding> {
    let limit = if meta.uid == 0 { 0o640 } else { 0o600 };
    if meta.mode & 0o777 & !limit == 0 {
        return None;
    }
    let mut f = Finding::new(
        Code::KeyPermissions,
        format!(
            "the private key {} (mode {:04o}, owner uid {}) has more access than PostgreSQL accepts, so it refuses to \
             start: at most 0600 when its own user owns the key, 0640 when root does",
            source.path, meta.mode, meta.uid
        ),
        vec![Location::file(&source.path).with_server_path(source.server_path.clone())],
    )
    .with_hint(format!(
        "chmod 600 {} when owned by postgres; or chown root:{SSL_CERT} {} and chmod 640 (Debian's convention)",
        source.path, source.path
    ));
    f.severity = crate::finding::Severity::Error;
    Some(f)
}

/// `/etc/group` lines `name:x:gid:members` → gid → name (the first name wins for a gid).
fn parse_group_file(text: &str) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(gid)) = (fields.next(), fields.next(), fields.next()) else { continue };
        if let Ok(gid) = gid.trim().parse::<u32>() {
            out.entry(gid).or_insert_with(|| name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ModeAudit {
        /// The test for a file that was not walked: every directory looked at.
        fn in_work_tree_probed(&self, file: &Path) -> bool {
            self.in_work_tree(file, DirFacts::default())
        }
    }

    fn audit_with(groups: &str) -> ModeAudit {
        let a = ModeAudit::new(None);
        let _ = a.groups.set(parse_group_file(groups));
        a
    }

    fn meta(mode: u32, gid: u32) -> FileMeta {
        FileMeta { mode, uid: 0, gid, size: 1 }
    }

    const GROUPS: &str = "root:x:0:\nwww-data:x:33:\nssl-cert:x:103:postgres\nhaproxy:x:105:\nstaff:x:50:\n";

    #[test]
    fn owner_and_the_servers_own_group_are_not_findings() {
        let a = audit_with(GROUPS);
        let s = Source::new("k.pem");
        assert!(a.key_permissions(&s, &meta(0o600, 0), None, DirFacts::default(), "nginx").is_none());
        assert!(
            a.key_permissions(&s, &meta(0o640, 103), None, DirFacts::default(), "nginx").is_none(),
            "root:ssl-cert 0640"
        );
        assert!(
            a.key_permissions(&s, &meta(0o640, 33), None, DirFacts::default(), "nginx").is_none(),
            "nginx's www-data"
        );
        assert!(
            a.key_permissions(&s, &meta(0o640, 105), None, DirFacts::default(), "sibling").is_none(),
            "layout: any server's group"
        );
    }

    #[test]
    fn other_groups_and_all_users_are_findings() {
        let a = audit_with(GROUPS);
        let s = Source::new("k.pem");
        let f = a
            .key_permissions(&s, &meta(0o640, 105), None, DirFacts::default(), "nginx")
            .expect("haproxy's group is not nginx's");
        assert!(f.message.contains("its group haproxy"), "{}", f.message);
        let f = a.key_permissions(&s, &meta(0o640, 50), None, DirFacts::default(), "sibling").expect("staff");
        assert!(f.message.contains("group staff"), "{}", f.message);
        let f = a.key_permissions(&s, &meta(0o644, 103), None, DirFacts::default(), "nginx").expect("world-readable");
        assert!(f.message.ends_with("readable by all users"), "{}", f.message);
        let f = a.key_permissions(&s, &meta(0o644, 50), None, DirFacts::default(), "nginx").expect("both");
        assert!(f.message.contains("group staff and all users"), "{}", f.message);
        let f = a.key_permissions(&s, &meta(0o640, 4242), None, DirFacts::default(), "nginx").expect("unknown gid");
        assert!(f.message.contains("group 4242"), "{}", f.message);
    }

    #[test]
    fn postgres_refuses_more_than_0600_for_its_own_user_and_0640_for_root() {
        let a = audit_with(GROUPS);
        let s = Source::new("k.pem");
        let pg = |mode, uid, gid| {
            a.key_permissions(&s, &FileMeta { mode, uid, gid, size: 1 }, None, DirFacts::default(), "postgres")
        };
        assert!(pg(0o640, 0, 103).is_none(), "root:ssl-cert 0640 starts");
        assert!(pg(0o600, 101, 104).is_none(), "postgres:postgres 0600 starts");
        let f = pg(0o640, 101, 103).expect("postgres-owned 0640 is refused even with group ssl-cert");
        assert_eq!(f.severity, crate::finding::Severity::Error);
        assert!(f.message.contains("refuses to start"), "{}", f.message);
        assert_eq!(pg(0o644, 0, 0).map(|f| f.severity), Some(crate::finding::Severity::Error));
        // nginx reads the same key as root: a warning there.
        let f = a.key_permissions(&s, &meta(0o644, 0), None, DirFacts::default(), "nginx").expect("world-readable");
        assert_eq!(f.severity, crate::finding::Severity::Warning);
    }

    #[test]
    fn work_trees_are_not_audited_but_etckeeper_trees_are() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let key = tmp.path().join("repo/ssl/site.key");
        std::fs::create_dir_all(key.parent().expect("parent")).expect("mkdir");
        let plain = tmp.path().join("plain/site.key");
        std::fs::create_dir_all(plain.parent().expect("parent")).expect("mkdir");
        let a = audit_with(GROUPS);
        assert!(!a.in_work_tree_probed(&key));
        // Cached per directory: a new audit sees the repository appear.
        std::fs::create_dir(tmp.path().join("repo/.hg")).expect("mkdir");
        let a = audit_with(GROUPS);
        assert!(a.in_work_tree_probed(&key));
        assert!(!a.in_work_tree_probed(&plain));
        let s = Source::new("site.key");
        assert!(a.key_permissions(&s, &meta(0o644, 0), Some(&key), DirFacts::default(), "nginx").is_none());
        assert!(a.key_permissions(&s, &meta(0o644, 0), Some(&plain), DirFacts::default(), "nginx").is_some());
        std::fs::write(tmp.path().join("repo/.etckeeper"), "").expect("write");
        let a = audit_with(GROUPS);
        assert!(!a.in_work_tree_probed(&key), "etckeeper keeps modes: audited");
    }

    #[test]
    fn a_directory_is_judged_where_it_resolves_and_nested_trees_by_the_nearest_marker() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path();
        for d in ["repo/.git", "repo/a/b", "repo/etc/.git", "repo/etc/ssl", "plain/c"] {
            std::fs::create_dir_all(t.join(d)).expect("mkdir");
        }
        std::fs::write(t.join("repo/etc/.etckeeper"), "").expect("write");
        std::os::unix::fs::symlink(t.join("repo/a"), t.join("plain/into-repo")).expect("symlink");
        std::os::unix::fs::symlink(t.join("plain/c"), t.join("repo/a/out")).expect("symlink");
        let a = audit_with(GROUPS);
        for _ in 0..2 {
            // Asked twice: the cached answers are the first ones.
            assert!(a.in_work_tree_probed(&t.join("repo/a/b/k.key")));
            assert!(a.in_work_tree_probed(&t.join("repo/a/k.key")));
            assert!(!a.in_work_tree_probed(&t.join("repo/etc/ssl/k.key")), "etckeeper's tree inside a checkout");
            assert!(
                a.in_work_tree_probed(&t.join("plain/into-repo/b/k.key")),
                "a linked directory resolves into the checkout"
            );
            assert!(!a.in_work_tree_probed(&t.join("repo/a/out/k.key")), "a linked directory resolves out of it");
            assert!(!a.in_work_tree_probed(&t.join("plain/c/k.key")));
            assert!(!a.in_work_tree_probed(&t.join("nowhere/k.key")), "a directory that does not resolve");
        }
        // Resolved as canonicalize does, through links, `.`, `..` and doubled slashes.
        for d in [
            "repo/a/b",
            "plain/into-repo/b",
            "plain/into-repo/b/..",
            "plain/into-repo/./b",
            "repo/a/out",
            "plain//c/",
            "repo/a/out/../../etc/ssl",
        ] {
            let dir = t.join(d);
            assert_eq!(a.resolve(&dir, false, false), std::fs::canonicalize(&dir).ok(), "{d}");
            assert_eq!(a.resolve(&dir, true, false), std::fs::canonicalize(&dir).ok(), "{d}");
        }
        assert_eq!(a.resolve(&t.join("plain/nowhere/x"), false, false), None);
    }

    #[test]
    fn a_walked_keys_directory_is_judged_by_the_walks_listing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path();
        for d in ["repo/.git", "etc/.git", "plain", "up/.hg", "up/down"] {
            std::fs::create_dir_all(t.join(d)).expect("mkdir");
        }
        std::fs::write(t.join("etc/.etckeeper"), "").expect("write");
        for f in ["repo/k.key", "etc/k.key", "plain/k.key", "up/down/k.key"] {
            std::fs::write(t.join(f), "x").expect("write");
        }
        let walked = crate::discover::walk::walk(&[t.to_path_buf()], &Default::default());
        let facts = |name: &str| walked.files.iter().find(|f| f.path.ends_with(name)).expect(name).facts;
        let a = audit_with(GROUPS);
        let s = Source::new("k.key");
        let audited = |name: &str, facts| a.key_permissions(&s, &meta(0o644, 0), Some(&t.join(name)), facts, "nginx");
        assert!(audited("repo/k.key", facts("repo/k.key")).is_none(), "beside .git: a work tree");
        assert!(audited("etc/k.key", facts("etc/k.key")).is_some(), "beside .etckeeper: audited");
        assert!(audited("plain/k.key", facts("plain/k.key")).is_some(), "neither");
        assert!(audited("up/down/k.key", facts("up/down/k.key")).is_none(), "an ancestor's marker still counts");
        // The same verdicts as looking.
        for f in &walked.files {
            assert_eq!(a.in_work_tree(&f.path, f.facts), a.in_work_tree_probed(&f.path), "{}", f.path.display());
        }
        // The listing decides for the key's own directory: the disk is not looked at again.
        let listed = |vcs, etckeeper| DirFacts { listed: true, plain: true, vcs, etckeeper, ..DirFacts::default() };
        assert!(a.in_work_tree(&t.join("plain/k.key"), listed(true, false)));
        assert!(!a.in_work_tree(&t.join("repo/k.key"), listed(false, false)));
        assert!(!a.in_work_tree(&t.join("repo/k.key"), listed(true, true)));
        // Not listed (a root, a config's path): looked at.
        assert!(a.in_work_tree(&t.join("repo/k.key"), DirFacts::default()));
    }

    #[test]
    fn the_walks_listings_decide_from_the_root_down_and_markers_above_the_root_still_count() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path();
        for d in
            ["outer/.git", "outer/inner/x/y", "outer/inner/etc/.git", "outer/inner/etc/ssl/vendored/.svn", "clean/a/b"]
        {
            std::fs::create_dir_all(t.join(d)).expect("mkdir");
        }
        std::fs::write(t.join("outer/inner/etc/.etckeeper"), "").expect("write");
        let keys = [
            ("outer/inner/k.key", true),
            ("outer/inner/x/y/k.key", true),
            ("outer/inner/etc/ssl/k.key", false),
            ("outer/inner/etc/ssl/vendored/k.key", true),
            ("clean/a/b/k.key", false),
            ("clean/k.key", false),
        ];
        for (f, _) in keys {
            std::fs::write(t.join(f), "x").expect("write");
        }
        // Links followed: what is below them is judged where it resolves, by looking.
        std::os::unix::fs::symlink(t.join("outer/inner/x"), t.join("clean/a/into-repo")).expect("symlink");
        let opts = crate::discover::DiscoverOptions { follow: true, ..Default::default() };
        let walked = crate::discover::walk::walk(&[t.join("outer/inner"), t.join("clean")], &opts);
        let a = audit_with(GROUPS);
        let b = audit_with(GROUPS);
        let facts = |name: &Path| walked.files.iter().find(|f| f.path == name).expect("walked").facts;
        for (f, inside) in keys {
            let path = t.join(f);
            assert!(facts(&path).depth.is_some(), "{f}: listed from its root down");
            assert_eq!(a.in_work_tree(&path, facts(&path)), inside, "{f}");
        }
        let linked = t.join("clean/a/into-repo/y/k.key");
        assert_eq!(facts(&linked).depth, None, "reached through a link");
        assert!(a.in_work_tree(&linked, facts(&linked)), "resolves into the checkout");
        // Every walked file: the same verdict as looking at the disk, with a fresh cache.
        for f in &walked.files {
            assert_eq!(a.in_work_tree(&f.path, f.facts), b.in_work_tree_probed(&f.path), "{}", f.path.display());
        }
    }
}
