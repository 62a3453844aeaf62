//! Helpers for the dialects' unit tests: a temp tree and a context over it.
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
    /// A claimed file, relative to the tree: "etc/ssl/a.pem", "?$var" for unresolvable, "inline:label".
    pub fn show(&self, f: &ClaimedFile) -> String {
        match f {
            ClaimedFile::Path { local, line, .. } => {
                let rel = local.strip_prefix(self.dir.path()).unwrap_or(local);
                format!("{}@{line}", rel.display())
            }
            ClaimedFile::Inline { label, line, .. } => format!("inline:{label}@{line}"),
            ClaimedFile::Unresolvable { text, line, .. } => format!("?{text}@{line}"),
        }
    }
    /// One line per claim: "config:line cert key chain [names]".
    pub fn summary(&self, claims: &[Claim]) -> Vec<String> {
        let mut out: Vec<String> = claims
            .iter()
            .map(|c| {
                let cfg = Path::new(&c.config.path);
                let cfg = cfg.strip_prefix(self.dir.path()).unwrap_or(cfg);
                format!(
                    "{}:{} {} {} {}{}",
                    cfg.display(),
                    c.config.line.unwrap_or(0),
                    self.show(&c.cert),
                    c.key.as_ref().map(|k| self.show(k)).unwrap_or_else(|| "-".into()),
                    c.chain.as_ref().map(|k| self.show(k)).unwrap_or_else(|| "-".into()),
                    if c.names.is_empty() { String::new() } else { format!(" [{}]", c.names.join(",")) }
                )
            })
            .collect();
        out.sort();
        out
    }
}
