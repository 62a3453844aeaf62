//! Helpers for the dialects' unit tests: a temp tree or an in-memory one ([`MemFs`]), scanned
//! like `keymatch scan`, and a one-line summary of each claim.
pub use super::fs::MemFs;
use super::*;
use crate::paths::PathMap;

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new(files: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Tree { dir }
    }
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    pub fn link(&self, link: &str, target: &str) {
        let l = self.path(link);
        std::fs::create_dir_all(l.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, l).unwrap();
    }
    /// Scan like `keymatch scan DIR`: every file under the tree that looks like a config.
    pub fn claims(&self) -> (Vec<Claim>, Vec<Finding>) {
        self.claims_with(&PathMap::default())
    }
    pub fn claims_with(&self, map: &PathMap) -> (Vec<Claim>, Vec<Finding>) {
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(self.dir.path()).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let bytes = std::fs::read(e.path()).unwrap();
                if looks_like_config(e.path(), &bytes) {
                    files.push((e.path().to_path_buf(), bytes));
                }
            }
        }
        let refs: Vec<(PathBuf, &[u8])> = files.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect();
        let read = |p: &Path| crate::discover::read_file(p, 1 << 20, map);
        let ctx = ServerContext { map, read: &read };
        find_claims(&refs, &ctx)
    }
    /// One line per claim: "config:line cert key chain [names]".
    pub fn summary(&self, claims: &[Claim]) -> Vec<String> {
        summary_under(self.dir.path(), claims)
    }
}

/// Scan an in-memory tree like `keymatch scan /`: every file in it that looks like a config.
pub fn mem_claims(fs: &MemFs) -> (Vec<Claim>, Vec<Finding>) {
    let files: Vec<(PathBuf, &[u8])> = fs.files().into_iter().filter(|(p, b)| looks_like_config(p, b)).collect();
    let map = PathMap::default();
    let c = find_claims_in(&files, &[], &Env { map: &map, fs });
    (c.claims, c.findings)
}

/// [`Tree::summary`] of an in-memory tree rooted at `/`.
pub fn mem_summary(claims: &[Claim]) -> Vec<String> {
    summary_under(Path::new("/"), claims)
}

/// A claimed file, relative to `dir`: "etc/ssl/a.pem", "?$var" for unresolvable, "inline:label".
pub fn show_under(dir: &Path, f: &ClaimedFile) -> String {
    match f {
        ClaimedFile::Path { local, line, .. } => {
            let rel = local.strip_prefix(dir).unwrap_or(local);
            format!("{}@{line}", rel.display())
        }
        ClaimedFile::Inline { label, line, .. } => format!("inline:{label}@{line}"),
        ClaimedFile::Unresolvable { text, line, .. } => format!("?{text}@{line}"),
    }
}

/// One line per claim, paths relative to `dir`: "config:line cert key chain [names]".
pub fn summary_under(dir: &Path, claims: &[Claim]) -> Vec<String> {
    let mut out: Vec<String> = claims
        .iter()
        .map(|c| {
            let cfg = Path::new(&c.config.path);
            let cfg = cfg.strip_prefix(dir).unwrap_or(cfg);
            format!(
                "{}:{} {} {} {}{}",
                cfg.display(),
                c.config.line.unwrap_or(0),
                show_under(dir, &c.cert),
                c.key.as_ref().map(|k| show_under(dir, k)).unwrap_or_else(|| "-".into()),
                c.chain.as_ref().map(|k| show_under(dir, k)).unwrap_or_else(|| "-".into()),
                if c.names.is_empty() { String::new() } else { format!(" [{}]", c.names.join(",")) }
            )
        })
        .collect();
    out.sort();
    out
}
