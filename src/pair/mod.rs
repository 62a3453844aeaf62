//! Pair: decide which certificate goes with which key, in this order —
//! config claims (what the server loads), files holding both, well-known
//! layouts (certbot `live/`, `name.crt`/`name.key`, `ssl.crt/`+`ssl.key/`,
//! `tls.crt`/`tls.key`, AWS IoT, one-cert-one-key directories), then an index
//! of every key's public-key fingerprint. The index also names the right file
//! when a configured pair is wrong, and leaves the orphans.

pub mod index;
pub mod layouts;

use crate::finding::Location;

/// Index of a parsed file in the scan's catalogue.
pub type FileId = usize;

/// Where a pair came from (`origin` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Origin {
    /// "check", "combined", "certbot", "sibling", "split-dir", "kubernetes-dir",
    /// "aws-iot", "directory", "index", or a server dialect ("nginx", …).
    pub kind: String,
    /// The config file and line, for dialect origins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// "server shop.example.com", "web/shop-tls", …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Origin {
    pub fn kind(kind: &str) -> Origin {
        Origin { kind: kind.to_string(), path: None, server_path: None, line: None, context: None }
    }
}

/// One side of a pair: the certificate file, the key file or the chain file.
#[derive(Debug, Clone)]
pub enum Side {
    /// A file in the catalogue; `item` picks one item (the key block) when known.
    File { file: FileId, item: Option<usize> },
    /// Named by a config or a link, and not there. `at` is where it is named.
    Missing { path: String, server_path: Option<String>, at: Option<Location> },
    /// Named, exists, not readable (not regular, permissions, too large).
    Unreadable { path: String, server_path: Option<String>, reason: String, at: Option<Location> },
    /// Named through something keymatch cannot resolve (a variable).
    Unresolvable { text: String, reason: String, at: Option<Location> },
}

/// A certificate and a key that belong together by configuration or layout.
#[derive(Debug, Clone)]
pub struct Pair {
    pub origin: Origin,
    pub cert: Side,
    pub key: Side,
    pub chain: Option<Side>,
    /// Server names to check against the leaf's SANs.
    pub names: Vec<String>,
    /// From the fingerprint index: where the key that belongs to this certificate is.
    pub key_for_cert_elsewhere: Vec<Location>,
    /// From the fingerprint index: where the certificate this key belongs to is.
    pub cert_for_key_elsewhere: Vec<Location>,
}

use crate::discover::FileMeta;
use crate::finding::Finding;
use crate::parse::ParsedFile;
use std::path::PathBuf;

/// Every file the scan looked at closely, by [`FileId`].
#[derive(Debug, Default)]
pub struct Catalog {
    pub entries: Vec<CatalogEntry>,
}

/// One file: parsed, or named/walked but not readable.
#[derive(Debug)]
pub struct CatalogEntry {
    /// Display path (what the user can open).
    pub path: String,
    /// The path as the server names it, when translated.
    pub server_path: Option<String>,
    /// Where it is on this machine (None for standard input and inline material).
    pub fs_path: Option<PathBuf>,
    /// The walked entry is a symlink (certbot `live/`).
    pub is_symlink: bool,
    /// The canonical path of the regular file actually read, when the scan saw
    /// symlinks (so a link and its target are known to be one file). `None`
    /// when unknown or not needed.
    pub real_path: Option<PathBuf>,
    pub status: EntryStatus,
}

#[derive(Debug)]
pub enum EntryStatus {
    Parsed {
        parsed: ParsedFile,
        meta: Option<FileMeta>,
    },
    /// A dangling symlink (or a named file that does not exist).
    Missing {
        target: Option<PathBuf>,
    },
    Unreadable {
        reason: String,
    },
}

impl CatalogEntry {
    pub fn parsed(&self) -> Option<&ParsedFile> {
        match &self.status {
            EntryStatus::Parsed { parsed, .. } => Some(parsed),
            _ => None,
        }
    }
}

/// A pair a server config names, with its files already looked up in the catalogue.
#[derive(Debug, Clone)]
pub struct ConfiguredPair {
    pub origin: Origin,
    pub cert: Side,
    /// `None`: the key is in the certificate file.
    pub key: Option<Side>,
    pub chain: Option<Side>,
    pub names: Vec<String>,
}

/// The result of pairing.
#[derive(Debug, Default)]
pub struct Pairing {
    pub pairs: Vec<Pair>,
    /// `orphan-key`, `orphan-cert`, `missing-file` for dangling layout links, …
    pub findings: Vec<Finding>,
}

/// Pair everything: configured pairs first, then combined files, layouts and
/// the fingerprint index; fill the `*_elsewhere` hints; report orphans.
/// Deterministic: the result depends only on the catalogue's paths and contents.
pub fn pair_all(catalog: &Catalog, configured: Vec<ConfiguredPair>) -> Pairing {
    let files = index::Files::new(catalog);
    let mut state = State::new(catalog.entries.len());

    // 1. What the server configs say.
    for c in configured {
        for side in [Some(&c.cert), c.key.as_ref(), c.chain.as_ref()].into_iter().flatten() {
            if let Side::File { file, .. } = side {
                state.use_file(*file);
            }
        }
        state.pairs.push(Pair {
            origin: c.origin,
            key: c.key.unwrap_or_else(|| c.cert.clone()),
            cert: c.cert,
            chain: c.chain,
            names: c.names,
            key_for_cert_elsewhere: Vec::new(),
            cert_for_key_elsewhere: Vec::new(),
        });
    }
    // 2. Files holding both a certificate and a private key.
    for f in files.eligible() {
        if f.is_combined() && !state.used[f.id] {
            state.use_file(f.id);
            state.add(Origin::kind("combined"), f.id, f.id);
        }
    }
    // 3. Layouts, most specific first.
    layouts::pair_layouts(&files, &mut state);
    // 4. The fingerprint index, for keys still alone.
    index::pair_by_index(&files, &mut state);

    let mut pairs = state.pairs;
    for p in &mut pairs {
        index::fill_hints(&files, p);
    }
    let mut findings = state.findings;
    findings.extend(index::orphans(&files, &state.used));
    Pairing { pairs, findings }
}

/// Pairing in progress: which files are taken, the pairs and findings so far.
pub(crate) struct State {
    /// By [`FileId`]: the file is a side of some pair (or a certbot companion).
    pub used: Vec<bool>,
    pub pairs: Vec<Pair>,
    pub findings: Vec<Finding>,
}

impl State {
    fn new(n: usize) -> State {
        State { used: vec![false; n], pairs: Vec::new(), findings: Vec::new() }
    }

    pub fn use_file(&mut self, id: FileId) {
        if let Some(u) = self.used.get_mut(id) {
            *u = true;
        }
    }

    /// Record a pair of two catalogue files and mark both used.
    pub fn add(&mut self, origin: Origin, cert: FileId, key: FileId) {
        self.use_file(cert);
        self.use_file(key);
        self.pairs.push(Pair {
            origin,
            cert: Side::File { file: cert, item: None },
            key: Side::File { file: key, item: None },
            chain: None,
            names: Vec::new(),
            key_for_cert_elsewhere: Vec::new(),
            cert_for_key_elsewhere: Vec::new(),
        });
    }
}
