//! The reading context of one dialect: [`ServerContext`] (path map and file
//! reader the caller gives), [`Env`] (the path map and the [`ConfigFs`] the
//! dialects read through), [`ConfFile`] (a config file here and on the server),
//! and [`Cx`], the include state (files visited, the include stack that cuts
//! cycles, the [`INCLUDE_BUDGET`]) with the path translation from server paths
//! to local ones (`--map`, the default rule, `--root`, absolute links in a tree).

use super::fs::ConfigFs;
use super::glob::{glob, has_glob, literal_prefix};
use super::syntax::decode;
use super::{Claim, ClaimedFile};
use crate::discover::ReadOutcome;
use crate::finding::{Finding, Location};
use crate::paths::{self, PathMap};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the caller gives for reading configs: the path map and the scan's reader.
/// [`find_claims`](super::find_claims) wraps it in a [`HostFs`](super::HostFs) and hands the
/// dialects an [`Env`].
pub struct ServerContext<'a> {
    /// `--root` / `--map`: server paths → local paths.
    pub map: &'a PathMap,
    /// Read an included file (symlinks resolved, size-capped).
    pub read: &'a (dyn Fn(&Path) -> ReadOutcome + Sync),
}

/// What the dialects read through: the path map and the files around the configs.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// `--root` / `--map`: server paths → local paths.
    pub map: &'a PathMap,
    /// Every read, listing and look at a file goes here (never `std::fs`).
    pub fs: &'a dyn ConfigFs,
}

/// A config file being read: where it is here, and where it is on the server.
#[derive(Debug, Clone)]
pub struct ConfFile {
    /// Local path (as walked, or as an include resolved it).
    pub local: PathBuf,
    /// The path as the server knows it (absolute when known).
    pub server: PathBuf,
    /// `<dir>` of the default rule: the tree the config's `etc/` sits in.
    pub base: Option<PathBuf>,
}

impl ConfFile {
    /// Location of a line of this file, for claims and findings.
    pub fn at(&self, line: u32, map: &PathMap) -> Location {
        let display = paths::display(&self.local);
        let server = paths::display(&self.server);
        let sp = (map.translates() && server != display && self.server.is_absolute()).then_some(server);
        Location::file(display).with_server_path(sp).with_line(line)
    }

    /// The server's directory holding this file.
    pub fn server_dir(&self) -> PathBuf {
        self.server.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// The reading state of one dialect: the context, what it found, what it read.
pub struct Cx<'c, 'a> {
    pub ctx: &'c Env<'a>,
    pub claims: Vec<Claim>,
    pub findings: Vec<Finding>,
    /// Local paths (normalised) already read, so an included snippet is read once per entry point.
    pub visited: HashSet<PathBuf>,
    /// Includes left to read for this dialect: a glob that includes itself stops here, not never.
    pub budget: usize,
    /// The files being included right now (innermost last): a file never includes itself.
    pub stack: Vec<PathBuf>,
}

/// Included files one dialect reads at most in one scan.
pub const INCLUDE_BUDGET: usize = 4096;

impl<'c, 'a> Cx<'c, 'a> {
    /// A fresh reading state: nothing read, the whole include budget.
    pub fn new(ctx: &'c Env<'a>) -> Cx<'c, 'a> {
        Cx {
            ctx,
            claims: Vec::new(),
            findings: Vec::new(),
            visited: HashSet::new(),
            budget: INCLUDE_BUDGET,
            stack: Vec::new(),
        }
    }

    /// A walked config file: find its base (default rule) and its server path.
    pub fn conf_file(&self, local: &Path) -> ConfFile {
        let base = conventional_base(local);
        let server = server_of(local, base.as_deref(), self.ctx.map);
        ConfFile { local: local.to_path_buf(), server, base }
    }

    /// A file named from inside `from` (an include) by its server path.
    pub fn included(&self, from: &ConfFile, server: &Path) -> ConfFile {
        let local = relink(self.ctx.fs, &self.local_of(from, server), from.base.as_deref(), self.ctx.map);
        ConfFile { local, server: server.to_path_buf(), base: from.base.clone() }
    }

    /// Where the server path `server` (absolute, or relative to the process) is here.
    pub fn local_of(&self, from: &ConfFile, server: &Path) -> PathBuf {
        local_of(self.ctx.fs, server, from.base.as_deref(), self.ctx.map)
    }

    /// The claimed file for a path text in a config, relative paths joined to `rel_base` (a server path).
    pub fn claimed(&self, from: &ConfFile, text: &str, rel_base: &Path, line: u32) -> ClaimedFile {
        let p = Path::new(text);
        let server = if p.is_absolute() { paths::normalize(p) } else { paths::normalize(&rel_base.join(p)) };
        self.path_claim(from, &server, line)
    }

    /// The claimed file for a server path already resolved (absolute, or relative to where keymatch runs).
    pub fn path_claim(&self, from: &ConfFile, server: &Path, line: u32) -> ClaimedFile {
        let local = relink(self.ctx.fs, &self.local_of(from, server), from.base.as_deref(), self.ctx.map);
        ClaimedFile::Path { server_path: paths::display(server), local, line }
    }

    /// Read an included file's text (`None`: missing or unreadable — includes that
    /// are not there are the server's problem, not a pair's).
    pub fn read_text(&self, local: &Path) -> Option<String> {
        match self.ctx.fs.read(local) {
            ReadOutcome::Read { bytes, .. } => Some(decode(&bytes)),
            _ => None,
        }
    }

    /// Expand an include pattern given in server terms: the matching files' server paths, sorted.
    /// A glob costs one unit of the include budget (a directory listing and a compiled
    /// pattern; globs that match nothing would otherwise be free), none once it is spent.
    pub fn expand(&mut self, from: &ConfFile, server_pattern: &Path) -> Vec<PathBuf> {
        let local_pattern = self.local_of(from, server_pattern);
        if !has_glob(server_pattern) {
            return vec![server_pattern.to_path_buf()];
        }
        if !self.spend(from) {
            return Vec::new();
        }
        let locals = glob(self.ctx.fs, &local_pattern);
        // Server path of each match: the pattern's literal prefix, in server terms, plus the rest.
        let (lit_server, lit_local) = (literal_prefix(server_pattern), literal_prefix(&local_pattern));
        locals.into_iter().filter_map(|l| l.strip_prefix(&lit_local).ok().map(|rest| lit_server.join(rest))).collect()
    }

    /// Read the included files `targets` (server paths, in order) with `read`. A cycle or a spent
    /// include budget stops the loop; a missing or unreadable include is skipped (the server's
    /// problem, not a pair's). While `read` runs, the file is marked visited and is on the
    /// include stack.
    pub fn each_include(
        &mut self,
        from: &ConfFile,
        targets: Vec<PathBuf>,
        mut read: impl FnMut(&mut Self, ConfFile, String),
    ) {
        for server in targets {
            let inc = self.included(from, &server);
            if self.including(&inc.local) || !self.spend(from) {
                break;
            }
            let Some(text) = self.read_text(&inc.local) else { continue };
            let key = paths::normalize(&inc.local);
            self.visited.insert(key.clone());
            self.stack.push(key);
            read(self, inc, text);
            self.stack.pop();
        }
    }

    /// Is `local` already being read further up the include chain (a cycle)?
    pub fn including(&self, local: &Path) -> bool {
        let n = paths::normalize(local);
        self.stack.contains(&n)
    }

    /// Take one include from the budget; `false` when it is spent (a note says so once).
    pub fn spend(&mut self, from: &ConfFile) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        if self.budget == 0 {
            self.findings.push(Finding::new(
                crate::finding::Code::Unsupported,
                format!(
                    "more than {INCLUDE_BUDGET} included config files (an include that includes itself?); the rest are not read"
                ),
                vec![Location::file(paths::display(&from.local))],
            ));
        }
        true
    }

    /// Add a claim (context, names and passphrases as given).
    pub fn push(&mut self, claim: Claim) {
        self.claims.push(claim);
    }
}

/// The `<dir>` of `<dir>/etc/<server>/…`: the tree the config's `etc` sits in.
/// `usr/local/etc` (BSD) counts as `etc` too.
pub fn conventional_base(local: &Path) -> Option<PathBuf> {
    let comps: Vec<_> = local.components().collect();
    let idx = comps.iter().rposition(|c| c.as_os_str() == "etc")?;
    // `etc` must be a directory with something below it.
    if idx + 1 >= comps.len() {
        return None;
    }
    let mut start = idx;
    if idx >= 2
        && comps.get(idx - 1).is_some_and(|c| c.as_os_str() == "local")
        && comps.get(idx - 2).is_some_and(|c| c.as_os_str() == "usr")
    {
        start = idx - 2;
    }
    let mut base = PathBuf::new();
    for c in comps.iter().take(start) {
        base.push(c.as_os_str());
    }
    Some(base)
}

/// The server path of a local config file.
pub(super) fn server_of(local: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    if let Some(base) = base {
        if let Ok(rest) = local.strip_prefix(base) {
            return Path::new("/").join(rest);
        }
    }
    let best = map.maps.iter().filter(|(_, l)| local.starts_with(l)).max_by_key(|(_, l)| l.components().count());
    if let Some((server, l)) = best {
        if let Ok(rest) = local.strip_prefix(l) {
            return server.join(rest);
        }
    }
    if let Some(root) = &map.root {
        if let Ok(rest) = local.strip_prefix(root) {
            return Path::new("/").join(rest);
        }
    }
    local.to_path_buf()
}

/// Where a server path is here: an explicit `--map` first, then under the
/// config's `<dir>` when it exists there (or nothing else translates), then `--root`.
pub(super) fn local_of(fs: &dyn ConfigFs, server: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    if !server.is_absolute() {
        return server.to_path_buf();
    }
    let normal = paths::normalize(server);
    if map.maps.iter().any(|(prefix, _)| normal.starts_with(prefix)) {
        return map.to_local(&normal);
    }
    if let Some(base) = base {
        let rest = normal.strip_prefix("/").unwrap_or(&normal);
        let candidate = if base.as_os_str().is_empty() { rest.to_path_buf() } else { base.join(rest) };
        if base == Path::new("/") {
            return map.to_local(&normal);
        }
        if fs.exists(&candidate) || map.root.is_none() {
            return candidate;
        }
    }
    map.to_local(&normal)
}

/// A symlink with an absolute target (`sites-enabled/shop -> /etc/nginx/sites-available/shop`)
/// in a tree found by the default rule points into that tree, not into this machine's `/`.
/// Returns the final target when some hop was absolute, else `local` unchanged (so a
/// relative link keeps its own name in messages). With `--root`, discover maps targets itself.
pub(super) fn relink(fs: &dyn ConfigFs, local: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    let Some(base) = base else { return local.to_path_buf() };
    if map.root.is_some() || base == Path::new("/") {
        return local.to_path_buf();
    }
    let mut cur = local.to_path_buf();
    let mut absolute = false;
    for _ in 0..16 {
        let Some(target) = fs.read_link(&cur) else { break };
        cur = if target.is_absolute() {
            absolute = true;
            local_of(fs, &target, Some(base), map)
        } else {
            paths::normalize(&cur.parent().unwrap_or(Path::new("")).join(target))
        };
    }
    if absolute {
        cur
    } else {
        local.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil;
    use super::*;

    #[test]
    fn conventional_base_finds_the_tree_around_etc() {
        assert_eq!(conventional_base(Path::new("repo/etc/nginx/nginx.conf")), Some(PathBuf::from("repo")));
        assert_eq!(conventional_base(Path::new("/etc/nginx/nginx.conf")), Some(PathBuf::from("/")));
        assert_eq!(conventional_base(Path::new("x/usr/local/etc/nginx/nginx.conf")), Some(PathBuf::from("x")));
        assert_eq!(conventional_base(Path::new("deploy/nginx/nginx.conf")), None);
    }

    #[test]
    fn local_paths_follow_map_then_default_rule_then_root() {
        let t = testutil::Tree::new(&[("repo/etc/ssl/a.pem", "x")]);
        let base = t.path("repo");
        let read = |p: &Path| crate::discover::read_file(p, 1 << 20, &PathMap::default());
        let default = PathMap::default();
        let host = super::super::fs::HostFs { read: &read, map: &default };
        let map = PathMap { root: None, maps: vec![(PathBuf::from("/etc/nginx"), PathBuf::from("deploy/nginx"))] };
        assert_eq!(
            local_of(&host, Path::new("/etc/nginx/x.pem"), Some(&base), &map),
            PathBuf::from("deploy/nginx/x.pem")
        );
        assert_eq!(local_of(&host, Path::new("/etc/ssl/a.pem"), Some(&base), &map), t.path("repo/etc/ssl/a.pem"));
        let rooted = PathMap { root: Some(PathBuf::from("img")), maps: Vec::new() };
        assert_eq!(
            local_of(&host, Path::new("/etc/ssl/b.pem"), Some(&base), &rooted),
            PathBuf::from("img/etc/ssl/b.pem")
        );
        assert_eq!(
            local_of(&host, Path::new("/etc/ssl/b.pem"), Some(&base), &PathMap::default()),
            t.path("repo/etc/ssl/b.pem")
        );
    }

    #[test]
    fn include_fan_out_stops_at_the_budget_with_a_note() {
        // Five levels of eight files each including the next level: 8^5 reads without a budget.
        let mut files: Vec<(String, String)> = vec![("etc/nginx/nginx.conf".into(), "include l1/*.conf;\n".into())];
        for level in 1..=5 {
            for i in 0..8 {
                files.push((format!("etc/nginx/l{level}/{i}.conf"), format!("include l{}/*.conf;\n", level + 1)));
            }
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let t = testutil::Tree::new(&refs);
        let (_, findings) = t.claims();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("included config files"));
    }

    #[test]
    fn globs_that_match_nothing_spend_the_include_budget() {
        // Found by fuzzing (fuzz/regressions/server_config): thousands of glob includes
        // matching nothing cost a directory listing and a compiled pattern each, for free.
        let many = "include none/*.conf;\n".repeat(INCLUDE_BUDGET + 10);
        let t = testutil::Tree::new(&[("etc/nginx/nginx.conf", &many)]);
        let (_, findings) = t.claims();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("included config files"));
    }

    #[test]
    fn absolute_links_in_a_repository_point_into_it() {
        let t = testutil::Tree::new(&[
            ("repo/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }\n"),
            (
                "repo/etc/nginx/sites-available/shop",
                "server { ssl_certificate /etc/ssl/live.pem; ssl_certificate_key /etc/ssl/k.pem; }\n",
            ),
            ("repo/etc/ssl/archive/cert1.pem", "x"),
        ]);
        t.link("repo/etc/nginx/sites-enabled/shop", "/etc/nginx/sites-available/shop");
        t.link("repo/etc/ssl/live.pem", "/etc/ssl/archive/cert1.pem");
        t.link("repo/etc/ssl/k.pem", "archive/key1.pem");
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec!["repo/etc/nginx/sites-available/shop:1 repo/etc/ssl/archive/cert1.pem@1 repo/etc/ssl/k.pem@1 -"]
        );
    }
}
