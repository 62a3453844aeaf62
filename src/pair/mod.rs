//! Pair: decide which certificate goes with which key, in this order —
//! config claims (what the server loads), files holding both, well-known
//! layouts (certbot `live/`, `name.crt`/`name.key`, `ssl.crt/`+`ssl.key/`,
//! `tls.crt`/`tls.key`, AWS IoT, one-cert-one-key directories), then an index
//! of every key's public-key fingerprint. The index also names the right file
//! when a configured pair is wrong, and leaves the orphans.

pub mod index;
pub mod layouts;
pub(crate) mod resolve;

use crate::finding::Location;

/// A file's place in the scan's [`Catalog`] (`catalog[id]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// An item's place in its file's [`ParsedFile::items`](crate::parse::ParsedFile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub usize);

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
    File { file: FileId, item: Option<ItemId> },
    /// Named and not read. Boxed: it is rare, and a scan keeps tens of thousands of pairs of
    /// up to three sides each.
    Unread(Box<Unread>),
}

/// A side named by a config or a link that keymatch did not read.
#[derive(Debug, Clone)]
pub enum Unread {
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
    /// A config names this pair and its key file is encrypted: what the server makes of it.
    pub unlock: Option<KeyUnlock>,
    /// Other files holding the very same certificate file / key material, paired through this
    /// pair instead of each with each (index pairing).
    pub cert_copies: Vec<FileId>,
    pub key_copies: Vec<FileId>,
}

/// What a server does with an encrypted key that its config names, from the
/// config's passphrase source (`servers::Passphrase`). Holds no passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUnlock {
    /// The server cannot get a passphrase (no option, or it asks on a terminal at
    /// start); `why` completes "the key is encrypted and …".
    Never { why: String },
    /// The config gives `count` passphrases from `source`; `opens`: they open
    /// every encrypted key in the file (as the server would try them, in order);
    /// `tried`: keymatch could try them (an encryption scheme it cannot decrypt,
    /// or a work factor over its cap, is not a verdict on the passphrases).
    Given { source: String, count: usize, opens: bool, tried: bool },
    /// A program gives it, which keymatch does not run.
    Program { source: String },
}

impl Pair {
    /// A pair of two whole catalogue files (no chain, no names, no hints yet).
    pub fn of_files(origin: Origin, cert: FileId, key: FileId) -> Pair {
        Pair {
            origin,
            cert: Side::File { file: cert, item: None },
            key: Side::File { file: key, item: None },
            chain: None,
            names: Vec::new(),
            key_for_cert_elsewhere: Vec::new(),
            cert_for_key_elsewhere: Vec::new(),
            unlock: None,
            cert_copies: Vec::new(),
            key_copies: Vec::new(),
        }
    }
}

use crate::discover::FileMeta;
use crate::finding::Finding;
use crate::parse::ParsedFile;
use std::path::{Path, PathBuf};

/// Every file the scan looked at closely, by [`FileId`].
#[derive(Debug, Default)]
pub struct Catalog {
    pub entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// Add a file; its id.
    pub fn push(&mut self, entry: CatalogEntry) -> FileId {
        self.entries.push(entry);
        FileId(self.entries.len() - 1)
    }

    /// Every file with its id, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &CatalogEntry)> {
        self.entries.iter().enumerate().map(|(i, e)| (FileId(i), e))
    }

    pub fn get(&self, id: FileId) -> Option<&CatalogEntry> {
        self.entries.get(id.0)
    }
}

impl std::ops::Index<FileId> for Catalog {
    type Output = CatalogEntry;
    fn index(&self, id: FileId) -> &CatalogEntry {
        &self.entries[id.0]
    }
}

impl std::ops::IndexMut<FileId> for Catalog {
    fn index_mut(&mut self, id: FileId) -> &mut CatalogEntry {
        &mut self.entries[id.0]
    }
}

/// One file: parsed, or named/walked but not readable.
#[derive(Debug)]
pub struct CatalogEntry {
    /// Display path (what the user can open).
    pub path: String,
    /// The path as the server names it, when translated.
    pub server_path: Option<String>,
    /// Where it is on this machine ([`CatalogEntry::fs_path`]).
    pub fs_path: FsPath,
    /// The walked entry is a symlink (certbot `live/`).
    pub is_symlink: bool,
    /// What the walk saw in the file's directory (all false when it was not walked).
    pub walked_dir: crate::discover::DirFacts,
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

/// Where a catalogue file is on this machine. Most paths are their display form: they are
/// not stored twice (a scan keeps tens of thousands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsPath {
    /// Nowhere: standard input, inline material.
    None,
    /// The entry's display path, which is the path itself (valid UTF-8).
    Display,
    /// A path that its display form does not give back (not valid UTF-8).
    Other(PathBuf),
}

impl FsPath {
    /// `path`, whose display form is `display`.
    pub fn of(display: &str, path: &Path) -> FsPath {
        if path.as_os_str() == std::ffi::OsStr::new(display) {
            FsPath::Display
        } else {
            FsPath::Other(path.to_path_buf())
        }
    }
}

impl CatalogEntry {
    /// Where it is on this machine (None for standard input and inline material).
    pub fn fs_path(&self) -> Option<&Path> {
        match &self.fs_path {
            FsPath::None => None,
            FsPath::Display => Some(Path::new(&self.path)),
            FsPath::Other(p) => Some(p),
        }
    }

    pub fn parsed(&self) -> Option<&ParsedFile> {
        match &self.status {
            EntryStatus::Parsed { parsed, .. } => Some(parsed),
            _ => None,
        }
    }

    /// Take the file's parsed items (certificates, keys: what pairing and verification read)
    /// once nothing will read them again; its path, metadata and findings stay for the report.
    /// The caller frees them (elsewhere: freeing a large tree's certificates and keys takes a while).
    pub fn take_material(&mut self) -> Vec<crate::parse::Item> {
        match &mut self.status {
            EntryStatus::Parsed { parsed, .. } => std::mem::take(&mut parsed.items),
            _ => Vec::new(),
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
    /// Set when the key file is encrypted.
    pub unlock: Option<KeyUnlock>,
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
        state.push(Pair {
            origin: c.origin,
            key: c.key.unwrap_or_else(|| c.cert.clone()),
            cert: c.cert,
            chain: c.chain,
            names: c.names,
            key_for_cert_elsewhere: Vec::new(),
            cert_for_key_elsewhere: Vec::new(),
            unlock: c.unlock,
            cert_copies: Vec::new(),
            key_copies: Vec::new(),
        });
    }
    // 2. Files holding both a certificate and a private key.
    for f in files.eligible() {
        if f.is_combined() && !state.used[f.id] {
            state.use_file(f.id);
            state.add(Origin::kind("combined"), f.id, f.id);
        }
    }
    // 3. Layouts, most specific first; the fingerprint index, which does not depend on what
    // pairs, is built meanwhile on the other worker.
    let mut idx = if in_pool() {
        rayon::join(|| layouts::pair_layouts(&files, &mut state), || index::Index::new(&files)).1
    } else {
        layouts::pair_layouts(&files, &mut state);
        index::Index::new(&files)
    };
    // 4. The fingerprint index, for keys still alone.
    index::pair_by_index(&files, &idx, &mut state);

    let mut pairs = state.pairs;
    let queries = index::prepare_hints(&files, &mut idx, &pairs);
    let idx = &idx;
    let fill = |pairs: &mut [Pair]| {
        if in_pool() {
            use rayon::prelude::*;
            pairs.par_iter_mut().zip(&queries).for_each(|(p, q)| index::fill_hints(idx, q, p));
        } else {
            pairs.iter_mut().zip(&queries).for_each(|(p, q)| index::fill_hints(idx, q, p));
        }
    };
    let orphans = if in_pool() {
        rayon::join(|| fill(&mut pairs), || index::orphans(&files, idx, &state.used)).1
    } else {
        fill(&mut pairs);
        index::orphans(&files, idx, &state.used)
    };
    let mut findings = state.findings;
    findings.extend(orphans);
    Pairing { pairs, findings }
}

/// Pairing's hash maps, keyed by public keys and paths: foldhash (randomly seeded per process)
/// hashes a modulus or a path several times faster than std's SipHash, and a whole estate's
/// pairing hashes each file's several times.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The set of [`FastMap`].
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Running on a scan's worker pool, where independent steps (pairing's, the report's sorting) go
/// in parallel (`check` handles a few files on its own thread, and starts no pool for them).
pub(crate) fn in_pool() -> bool {
    rayon::current_thread_index().is_some()
}

/// By [`FileId`]: whether the file is taken (`used[id]`).
pub(crate) struct Used(Vec<bool>);

impl std::ops::Index<FileId> for Used {
    type Output = bool;
    fn index(&self, id: FileId) -> &bool {
        &self.0[id.0]
    }
}

impl Used {
    /// `used[id]`, false for an id past the end.
    pub fn get(&self, id: FileId) -> bool {
        self.0.get(id.0).copied().unwrap_or(false)
    }
}

/// Pairing in progress: which files are taken, the pairs and findings so far.
pub(crate) struct State {
    /// By [`FileId`]: the file is a side of some pair (or a certbot companion).
    pub used: Used,
    pub pairs: Vec<Pair>,
    pub findings: Vec<Finding>,
}

impl State {
    fn new(n: usize) -> State {
        State { used: Used(vec![false; n]), pairs: Vec::new(), findings: Vec::new() }
    }

    pub fn use_file(&mut self, id: FileId) {
        if let Some(u) = self.used.0.get_mut(id.0) {
            *u = true;
        }
    }

    /// Add a pair. A pair is about 700 bytes and a whole estate has tens of thousands: the list
    /// grows by a quarter at a time, not by doubling, so that growing it never holds three
    /// times what it keeps (the old list and one twice its size).
    pub fn push(&mut self, pair: Pair) {
        if self.pairs.len() == self.pairs.capacity() {
            self.pairs.reserve_exact(self.pairs.len() / 4 + 64);
        }
        self.pairs.push(pair);
    }

    /// Record a pair of two catalogue files and mark both used.
    pub fn add(&mut self, origin: Origin, cert: FileId, key: FileId) {
        self.use_file(cert);
        self.use_file(key);
        self.push(Pair::of_files(origin, cert, key));
    }
}

#[cfg(test)]
mod tests {
    /// A path whose display form is itself is stored once; one that is not valid UTF-8 keeps
    /// its own bytes, and the entry gives back the path it was read from either way.
    #[test]
    fn fs_path_is_the_display_path_unless_that_loses_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let entry = |path: &Path| {
            let display = crate::paths::display(path);
            CatalogEntry {
                fs_path: FsPath::of(&display, path),
                path: display,
                server_path: None,
                is_symlink: false,
                walked_dir: crate::discover::DirFacts::default(),
                real_path: None,
                status: EntryStatus::Unreadable { reason: "test".into() },
            }
        };
        let plain = entry(Path::new("etc/ssl/site.pem"));
        assert_eq!(plain.fs_path, FsPath::Display);
        assert_eq!(plain.fs_path(), Some(Path::new("etc/ssl/site.pem")));
        let raw = Path::new(std::ffi::OsStr::from_bytes(b"etc/ssl/caf\xe9.pem"));
        let latin1 = entry(raw);
        assert_eq!(latin1.fs_path, FsPath::Other(raw.to_path_buf()));
        assert_eq!(latin1.fs_path(), Some(raw));
        assert_ne!(latin1.path.as_bytes(), raw.as_os_str().as_bytes());
    }

    use super::*;
    use crate::finding::Code;
    use crate::parse::{CertInfo, Item, ItemKind, KeyFormat, KeyMaterial, PrivateKey, PublicKey, Source};

    fn pk(n: u8) -> PublicKey {
        PublicKey::Ed25519([n; 32])
    }

    fn cert(n: u8, is_ca: bool) -> ItemKind {
        ItemKind::Certificate(std::sync::Arc::new(CertInfo {
            public_key: pk(n),
            subject: format!("CN=c{n}"),
            issuer: "CN=ca".into(),
            subject_der: Vec::new(),
            issuer_der: Vec::new(),
            not_before: 0,
            not_after: 0,
            is_ca,
            dns_names: Vec::new(),
            serial: "01".into(),
            tbs_der: Vec::new(),
            signature_algorithm: String::new(),
            signature_params_der: None,
            signature: Vec::new(),
            cert_sha256: String::new(),
            unloadable: None,
        }))
    }

    fn key(n: u8) -> ItemKind {
        ItemKind::PrivateKey(std::sync::Arc::new(PrivateKey::new(
            KeyFormat::Pkcs8,
            KeyMaterial::Unsupported { algorithm: "test".into() },
            Some(pk(n)),
        )))
    }

    /// A catalogue from (path, items); `None` items: a dangling symlink.
    fn catalog(files: &[(&str, Option<Vec<ItemKind>>)]) -> Catalog {
        let entries = files
            .iter()
            .map(|(path, items)| CatalogEntry {
                path: path.to_string(),
                server_path: None,
                fs_path: FsPath::Display,
                is_symlink: items.is_none(),
                walked_dir: crate::discover::DirFacts::default(),
                real_path: None,
                status: match items {
                    Some(items) => EntryStatus::Parsed {
                        parsed: ParsedFile {
                            source: Source::new(*path),
                            items: items.iter().enumerate().map(|(i, k)| Item::new(i, None, k.clone())).collect(),
                            findings: Vec::new(),
                        },
                        meta: None,
                    },
                    None => EntryStatus::Missing { target: Some(PathBuf::from("../../archive/x/fullchain3.pem")) },
                },
            })
            .collect();
        Catalog { entries }
    }

    fn path_of(c: &Catalog, s: &Side) -> String {
        match s {
            Side::File { file, .. } => c[*file].path.clone(),
            other => format!("{other:?}"),
        }
    }

    /// (origin, cert, key), sorted.
    fn pairs(c: &Catalog, p: &Pairing) -> Vec<(String, String, String)> {
        let mut v: Vec<_> =
            p.pairs.iter().map(|x| (x.origin.kind.clone(), path_of(c, &x.cert), path_of(c, &x.key))).collect();
        v.sort();
        v
    }

    fn codes(p: &Pairing) -> Vec<(Code, String)> {
        let mut v: Vec<_> = p.findings.iter().map(|f| (f.code, f.locations[0].path.clone())).collect();
        v.sort();
        v
    }

    fn t(kind: &str, c: &str, k: &str) -> (String, String, String) {
        (kind.to_string(), c.to_string(), k.to_string())
    }

    /// Pairing on the workers (hint candidates built and hints filled in parallel) gives the
    /// pairs, hints and findings of pairing in order, in the same order.
    #[test]
    fn pairing_on_workers_is_pairing_in_order() {
        let mut files: Vec<(String, Option<Vec<ItemKind>>)> = Vec::new();
        for i in 0..120u8 {
            let n = i % 50;
            match i % 6 {
                0 => {
                    files.push((format!("le/live/s{i}/cert.pem"), Some(vec![cert(n, false)])));
                    files.push((format!("le/live/s{i}/chain.pem"), None));
                    files.push((format!("le/live/s{i}/fullchain.pem"), Some(vec![cert(n, false), cert(90, true)])));
                    files.push((format!("le/live/s{i}/privkey.pem"), Some(vec![key(n)])));
                }
                1 => {
                    files.push((format!("k8s/s{i}/tls.crt"), Some(vec![cert(n, false)])));
                    files.push((format!("k8s/s{i}/tls.key"), Some(vec![key(n + 1)])));
                }
                2 => {
                    files.push((format!("ssl/s{i}/a.crt"), Some(vec![cert(n, false)])));
                    files.push((format!("ssl/s{i}/a.pem"), Some(vec![cert(n + 2, false)])));
                    files.push((format!("ssl/s{i}/a.key"), Some(vec![key(n)])));
                }
                3 => {
                    files.push((format!("one/s{i}/site.pem"), Some(vec![cert(n, false)])));
                    files.push((format!("one/s{i}/secret.pem"), Some(vec![key(n + 3)])));
                    files.push((format!("one/s{i}/ca.pem"), Some(vec![cert(91, true)])));
                }
                4 => files.push((format!("loose/s{i}/k.pem"), Some(vec![key(n)]))),
                _ => files.push((format!("loose/s{i}/c.pem"), Some(vec![cert(n, false)]))),
            }
        }
        let refs: Vec<(&str, Option<Vec<ItemKind>>)> = files.iter().map(|(p, i)| (p.as_str(), i.clone())).collect();
        let c = catalog(&refs);
        let show = |p: &Pairing| {
            let pairs: Vec<_> = p
                .pairs
                .iter()
                .map(|x| {
                    let hints = (&x.key_for_cert_elsewhere, &x.cert_for_key_elsewhere, &x.cert_copies, &x.key_copies);
                    format!("{} {} {} {hints:?}", x.origin.kind, path_of(&c, &x.cert), path_of(&c, &x.key))
                })
                .collect();
            (pairs, format!("{:?}", p.findings))
        };
        let alone = show(&pair_all(&c, Vec::new()));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            assert!(pool.install(|| show(&pair_all(&c, Vec::new()))) == alone, "{threads} workers");
        }
        let kinds = |k: &str| alone.0.iter().filter(|p| p.starts_with(&format!("{k} "))).count();
        assert_eq!([kinds("certbot"), kinds("kubernetes-dir"), kinds("sibling"), kinds("directory")], [20, 20, 20, 20]);
        assert!(alone.0.iter().any(|p| p.contains("Location")), "some pair has hints");
        assert!(alone.1.contains("dangling"));
    }

    #[test]
    fn every_layout_pairs_in_order() {
        let c = catalog(&[
            ("etc/haproxy/site.pem", Some(vec![key(1), cert(1, false), cert(90, true)])),
            ("etc/letsencrypt/live/a/cert.pem", Some(vec![cert(2, false)])),
            ("etc/letsencrypt/live/a/chain.pem", Some(vec![cert(90, true)])),
            ("etc/letsencrypt/live/a/fullchain.pem", Some(vec![cert(2, false), cert(90, true)])),
            ("etc/letsencrypt/live/a/privkey.pem", Some(vec![key(2)])),
            ("k8s/web-tls/ca.crt", Some(vec![cert(91, true)])),
            ("k8s/web-tls/tls.crt", Some(vec![cert(3, false)])),
            ("k8s/web-tls/tls.key", Some(vec![key(3)])),
            ("iot/abc-certificate.pem.crt", Some(vec![cert(4, false)])),
            ("iot/abc-private.pem.key", Some(vec![key(4)])),
            ("iot/abc-public.pem.key", Some(vec![ItemKind::PublicKey(Box::new(pk(4)))])),
            ("apache/ssl/shop.crt", Some(vec![cert(5, false)])),
            ("apache/ssl/shop.csr", Some(vec![ItemKind::Other("CERTIFICATE REQUEST".into())])),
            ("apache/ssl/shop.key", Some(vec![key(6)])),
            ("apache/ssl/www.cert.pem", Some(vec![cert(7, false)])),
            ("apache/ssl/www.key.pem", Some(vec![key(7)])),
            ("legacy/ssl.crt/old.crt", Some(vec![cert(8, false)])),
            ("legacy/ssl.key/old.key", Some(vec![key(8)])),
            ("etc/ssl/certs/ca-1.pem", Some(vec![cert(92, true)])),
            ("etc/ssl/certs/deb.pem", Some(vec![cert(9, false)])),
            ("etc/ssl/private/deb.key", Some(vec![key(9)])),
            ("nginx/ssl/x/fullchain.pem", Some(vec![cert(10, false), cert(90, true)])),
            ("nginx/ssl/x/privkey.pem", Some(vec![key(10)])),
            ("backup/lost.key", Some(vec![key(11)])),
            ("srv/found.crt", Some(vec![cert(11, false)])),
            ("keys/shop.key.2024-05-01", Some(vec![key(5)])),
            ("old/lonely.key", Some(vec![key(12)])),
            ("old/alone.crt", Some(vec![cert(13, false)])),
            ("old/dup.crt", Some(vec![cert(14, false)])),
            ("jwt/private.pem", Some(vec![key(15)])),
            ("jwt/public.pem", Some(vec![ItemKind::PublicKey(Box::new(pk(15)))])),
            ("co/x/fullchain.pem", Some(vec![cert(90, true), cert(16, false)])),
            ("co/x/privkey.pem", Some(vec![key(16)])),
            ("idx/bundle.pem", Some(vec![cert(91, true), cert(17, false)])),
            ("zz/k.key", Some(vec![key(17)])),
        ]);
        let p = pair_all(&c, Vec::new());
        assert_eq!(
            pairs(&c, &p),
            vec![
                t("aws-iot", "iot/abc-certificate.pem.crt", "iot/abc-private.pem.key"),
                t("certbot", "etc/letsencrypt/live/a/fullchain.pem", "etc/letsencrypt/live/a/privkey.pem"),
                t("combined", "etc/haproxy/site.pem", "etc/haproxy/site.pem"),
                t("directory", "co/x/fullchain.pem", "co/x/privkey.pem"),
                t("directory", "nginx/ssl/x/fullchain.pem", "nginx/ssl/x/privkey.pem"),
                t("index", "idx/bundle.pem", "zz/k.key"),
                t("index", "srv/found.crt", "backup/lost.key"),
                t("kubernetes-dir", "k8s/web-tls/tls.crt", "k8s/web-tls/tls.key"),
                t("sibling", "apache/ssl/shop.crt", "apache/ssl/shop.key"),
                t("sibling", "apache/ssl/www.cert.pem", "apache/ssl/www.key.pem"),
                t("split-dir", "etc/ssl/certs/deb.pem", "etc/ssl/private/deb.key"),
                t("split-dir", "legacy/ssl.crt/old.crt", "legacy/ssl.key/old.key"),
            ]
        );
        // old/ has two leaves and one key: no directory pair, three orphans.
        assert_eq!(
            codes(&p),
            vec![
                (Code::OrphanKey, "jwt/private.pem".to_string()),
                (Code::OrphanKey, "old/lonely.key".to_string()),
                (Code::OrphanCert, "old/alone.crt".to_string()),
                (Code::OrphanCert, "old/dup.crt".to_string()),
            ]
        );
        // The mismatched sibling pair names the right key and says where its own key's cert is (nowhere).
        let shop = p.pairs.iter().find(|x| path_of(&c, &x.cert) == "apache/ssl/shop.crt").unwrap();
        let names: Vec<_> = shop.key_for_cert_elsewhere.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(names, ["keys/shop.key.2024-05-01"]);
        assert!(shop.cert_for_key_elsewhere.is_empty());
        // A matching pair gets no hints.
        let www = p.pairs.iter().find(|x| path_of(&c, &x.cert) == "apache/ssl/www.cert.pem").unwrap();
        assert!(www.key_for_cert_elsewhere.is_empty() && www.cert_for_key_elsewhere.is_empty());
    }

    #[test]
    fn fixed_names_in_one_directory_and_hints_near_first() {
        let c = catalog(&[
            ("a/k1.key", Some(vec![key(5)])),
            ("b/k2.key", Some(vec![key(5)])),
            ("c/k3.key", Some(vec![key(5)])),
            ("iot/a-certificate.pem.crt", Some(vec![cert(1, false)])),
            ("iot/a-private.pem.key", Some(vec![key(1)])),
            ("iot/b-certificate.pem.crt", Some(vec![cert(2, false)])),
            ("iot/b-private.pem.key", Some(vec![key(2)])),
            ("iot/c-certificate.pem.crt", Some(vec![cert(3, false)])),
            ("iot/c-private.pem.key", Some(vec![key(3)])),
            ("site/x.crt", Some(vec![cert(5, false)])),
            ("site/x.key", Some(vec![key(6)])),
            ("site/zz.key", Some(vec![key(5)])),
        ]);
        let p = pair_all(&c, Vec::new());
        assert_eq!(
            pairs(&c, &p),
            vec![
                t("aws-iot", "iot/a-certificate.pem.crt", "iot/a-private.pem.key"),
                t("aws-iot", "iot/b-certificate.pem.crt", "iot/b-private.pem.key"),
                t("aws-iot", "iot/c-certificate.pem.crt", "iot/c-private.pem.key"),
                t("sibling", "site/x.crt", "site/x.key"),
            ]
        );
        // Four files hold the right key: the one beside the certificate first, then by path, three at most.
        let x = p.pairs.iter().find(|x| path_of(&c, &x.cert) == "site/x.crt").unwrap();
        let names: Vec<_> = x.key_for_cert_elsewhere.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(names, ["site/zz.key", "a/k1.key", "b/k2.key"]);
        assert!(x.cert_for_key_elsewhere.is_empty());
    }

    #[test]
    fn certbot_dangling_links_and_history() {
        let c = catalog(&[
            ("le/archive/a/cert1.pem", Some(vec![cert(1, false)])),
            ("le/archive/a/fullchain1.pem", Some(vec![cert(1, false), cert(90, true)])),
            ("le/archive/a/privkey1.pem", Some(vec![key(1)])),
            ("le/archive/a/privkey2.pem", Some(vec![key(2)])),
            ("le/live/a/cert.pem", Some(vec![cert(2, false)])),
            ("le/live/a/chain.pem", None),
            ("le/live/a/fullchain.pem", Some(vec![cert(2, false), cert(90, true)])),
            ("le/live/a/privkey.pem", Some(vec![key(1)])),
            ("le/live/b/fullchain.pem", None),
            ("le/live/b/privkey.pem", Some(vec![key(3)])),
        ]);
        let p = pair_all(&c, Vec::new());
        assert_eq!(
            pairs(&c, &p),
            vec![
                t("certbot", "le/live/a/fullchain.pem", "le/live/a/privkey.pem"),
                t("certbot", "le/live/b/fullchain.pem", "le/live/b/privkey.pem"),
            ]
        );
        // The dangling chain.pem is reported; the dangling fullchain.pem is a pair side (verify reports it).
        assert_eq!(codes(&p), vec![(Code::MissingFile, "le/live/a/chain.pem".to_string())]);
        assert!(p.findings[0].message.contains("../../archive/x/fullchain3.pem"));
        // live/a's key is the old one: the index knows where the right one is.
        let a = &p.pairs.iter().find(|x| path_of(&c, &x.cert) == "le/live/a/fullchain.pem").unwrap();
        let names: Vec<_> = a.key_for_cert_elsewhere.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(names, ["le/archive/a/privkey2.pem"]);
        let names: Vec<_> = a.cert_for_key_elsewhere.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(names, ["le/archive/a/cert1.pem", "le/archive/a/fullchain1.pem"]);
    }

    #[test]
    fn configured_pairs_come_first_and_a_link_stands_for_its_target() {
        let mut c = catalog(&[
            ("srv/current.crt", Some(vec![cert(1, false)])),
            ("srv/current.key", Some(vec![key(1)])),
            ("srv/v2.crt", Some(vec![cert(1, false)])),
            ("srv/v2.key", Some(vec![key(1)])),
            ("conf/a.pem", Some(vec![cert(2, false)])),
            ("conf/a.key", Some(vec![key(2)])),
        ]);
        for (i, real) in [(0, "/r/v2.crt"), (1, "/r/v2.key"), (2, "/r/v2.crt"), (3, "/r/v2.key")] {
            c.entries[i].real_path = Some(PathBuf::from(real));
            c.entries[i].is_symlink = i < 2;
        }
        let configured = vec![ConfiguredPair {
            origin: Origin::kind("nginx"),
            cert: Side::File { file: FileId(4), item: None },
            key: Some(Side::File { file: FileId(5), item: None }),
            chain: None,
            names: vec!["a.example".into()],
            unlock: None,
        }];
        let p = pair_all(&c, configured);
        assert_eq!(
            pairs(&c, &p),
            vec![t("nginx", "conf/a.pem", "conf/a.key"), t("sibling", "srv/current.crt", "srv/current.key")]
        );
        assert!(p.findings.is_empty(), "{:?}", p.findings);
    }
}
