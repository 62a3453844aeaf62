//! Server configs: each dialect (one file per server family) recognises its
//! config files, follows includes, knows which files are active, and turns the
//! directives that name certificates and keys into [`Claim`]s: "this server
//! loads this certificate with this key", with the config file and line.
//!
//! Adding a dialect: one new file implementing [`Dialect`] and one line in
//! [`dialects`].

use crate::finding::Location;
use std::path::PathBuf;

/// A certificate/key pair that a server config says it loads.
#[derive(Debug, Clone)]
pub struct Claim {
    /// "nginx", "apache", "haproxy", "postfix", "dovecot", "lighttpd", "kubernetes", …
    pub dialect: &'static str,
    /// The directive that names the certificate (file + 1-based line).
    pub config: Location,
    /// Context for messages: "server shop.example.com", "secret web/shop-tls", …
    pub context: Option<String>,
    pub cert: ClaimedFile,
    /// `None`: the key is in the certificate file (Apache without
    /// SSLCertificateKeyFile, HAProxy combined, lighttpd pemfile, …).
    pub key: Option<ClaimedFile>,
    /// A separate chain file (SSLCertificateChainFile, ssl.ca-file, …).
    pub chain: Option<ClaimedFile>,
    /// Host names the server serves this pair for (for `name-mismatch`).
    pub names: Vec<String>,
    /// Passphrases the server would use (nginx ssl_password_file lines).
    pub passphrases: Vec<Vec<u8>>,
}

/// One file a claim names.
#[derive(Debug, Clone)]
pub enum ClaimedFile {
    /// A path on the server, and where it is here (after --root/--map/relative resolution).
    Path { server_path: String, local: PathBuf, line: u32 },
    /// Material inside the config itself (a Kubernetes Secret's data, an OpenVPN
    /// `<cert>` block). `label` is a display source such as `secret.yaml#web/shop-tls/tls.crt`.
    Inline { label: String, bytes: Vec<u8>, line: u32 },
    /// Cannot be resolved statically (a variable): reported as a note, never a false finding.
    Unresolvable { text: String, reason: String, line: u32 },
}

impl ClaimedFile {
    pub fn line(&self) -> u32 {
        match self {
            ClaimedFile::Path { line, .. }
            | ClaimedFile::Inline { line, .. }
            | ClaimedFile::Unresolvable { line, .. } => *line,
        }
    }
}

use crate::discover::ReadOutcome;
use crate::finding::Finding;
use crate::paths::PathMap;
use std::path::Path;

/// What dialects may use while reading configs.
pub struct ServerContext<'a> {
    /// `--root` / `--map`: server paths → local paths.
    pub map: &'a PathMap,
    /// Read an included file (symlinks resolved, size-capped).
    pub read: &'a (dyn Fn(&Path) -> ReadOutcome + Sync),
}

/// Is this file (by path and first bytes) a config of some dialect? Cheap.
pub fn looks_like_config(path: &Path, head: &[u8]) -> bool {
    let _ = (path, head);
    false
}

/// The claims of all configs among `files` (path, content), plus findings
/// about the configs themselves (notes for unresolvable paths, …).
pub fn find_claims(files: &[(PathBuf, &[u8])], ctx: &ServerContext<'_>) -> (Vec<Claim>, Vec<Finding>) {
    let _ = (files, ctx);
    (Vec::new(), Vec::new())
}
