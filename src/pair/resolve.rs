//! Claims → configured pairs: each file a server config names is found in
//! the catalogue, or read and parsed now, and an encrypted key is tried with
//! the passphrases that server would use.

use super::FastMap;
use super::{Catalog, CatalogEntry, ConfiguredPair, EntryStatus, FileId, FsPath, KeyUnlock, Origin, Side, Unread};
use crate::discover::{self, ReadOutcome};
use crate::finding::Location;
use crate::parse::{self, ItemKind, KeyFormat, Source};
use crate::paths::{self, PathMap};
use crate::servers::{Claim, ClaimedFile, Passphrase};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What reading the files configs name needs: how a server's paths map to
/// local ones, the size limit, and the user's passphrases.
pub(crate) struct Reading<'a> {
    pub map: &'a PathMap,
    pub max_file_size: u64,
    pub passphrases: &'a [Vec<u8>],
}

/// The catalogue's files by where they are, to find the files configs name: a config's absolute
/// path and the walk's relative one (`scan tree` with `/srv/tree/key.pem` in the config) are one
/// file. Depends on the catalogue only, so a scan builds it while the configs are read.
pub(crate) struct FileIndex {
    /// Normalised absolute path (its bytes: a normalised path has one spelling) → file.
    by_path: FastMap<std::ffi::OsString, FileId>,
    /// The working directory, asked once (relative paths are made absolute against it).
    cwd: Cwd,
}

/// The working directory as the OS gives it, and normalised when it is absolute.
struct Cwd {
    given: Option<PathBuf>,
    normal: Option<PathBuf>,
}

impl Cwd {
    fn now() -> Cwd {
        let given = std::env::current_dir().ok();
        let normal = given.as_deref().filter(|c| c.is_absolute()).map(paths::normalize);
        Cwd { given, normal }
    }
}

impl FileIndex {
    /// The index of every catalogue file on disk (a later file of one path wins).
    pub(crate) fn of(catalog: &Catalog) -> FileIndex {
        use rayon::prelude::*;
        let cwd = Cwd::now();
        let key_of = |(i, e): (usize, &CatalogEntry)| e.fs_path().map(|p| (file_key(&cwd, p), FileId(i)));
        // On a scan's workers, in parallel; `check`'s few files are not worth starting threads for.
        let keys: Vec<(std::ffi::OsString, FileId)> = if super::in_pool() {
            catalog.entries.par_iter().enumerate().filter_map(key_of).collect()
        } else {
            catalog.entries.iter().enumerate().filter_map(key_of).collect()
        };
        let mut by_path = FastMap::with_capacity_and_hasher(keys.len(), Default::default());
        by_path.extend(keys);
        FileIndex { by_path, cwd }
    }
}

/// `paths::normalize(std::path::absolute(p))` (`p` itself when that fails), with the working
/// directory asked once for the whole scan rather than for each path. A path already in normal
/// form (what the walk gives) is copied once: absolute, it is its own key; relative, the
/// normalised working directory joined with it.
fn file_key(cwd: &Cwd, p: &Path) -> std::ffi::OsString {
    if paths::is_normal(p) {
        if p.is_absolute() {
            return p.as_os_str().to_os_string();
        }
        if let Some(dir) = &cwd.normal {
            return paths::join_sized(dir, p).into_os_string();
        }
    }
    let absolute = if p.as_os_str().is_empty() || p.is_absolute() {
        std::path::absolute(p).ok()
    } else {
        cwd.given.as_deref().and_then(|cwd| std::path::absolute(cwd.join(p)).ok())
    };
    paths::normalize(absolute.as_deref().unwrap_or(p)).into_os_string()
}

/// Turn config claims into configured pairs, reading (and parsing) any named
/// file the walk did not already read. Files are parsed with the user's
/// passphrases; an encrypted key a config names is then tried with that
/// server's own passphrases (see [`server_unlock`]), whether or not the walk
/// read it first. `index`: [`FileIndex::of`] this catalogue.
pub(crate) fn resolve_claims(
    catalog: &mut Catalog,
    claims: Vec<Claim>,
    cfg: &Reading,
    index: FileIndex,
) -> Vec<ConfiguredPair> {
    let passphrases = cfg.passphrases;
    let FileIndex { mut by_path, cwd } = index;
    let file_key = |p: &Path| file_key(&cwd, p);
    let mut side = |catalog: &mut Catalog, f: &ClaimedFile, config: &Location| -> Side {
        let at = Some(Location { line: Some(f.line()), ..config.clone() });
        match f {
            ClaimedFile::Unresolvable { text, reason, .. } => {
                Side::Unread(Box::new(Unread::Unresolvable { text: text.clone(), reason: reason.clone(), at }))
            }
            ClaimedFile::Inline { label, bytes, .. } => {
                let file = catalog.push(CatalogEntry {
                    path: label.clone(),
                    server_path: None,
                    fs_path: FsPath::None,
                    is_symlink: false,
                    walked_dir: crate::discover::DirFacts::default(),
                    real_path: None,
                    status: EntryStatus::Parsed {
                        parsed: parse::parse_bytes(bytes, Source::new(label), passphrases),
                        meta: None,
                    },
                });
                Side::File { file, item: None }
            }
            ClaimedFile::Path { server_path, local, .. } => {
                let key = file_key(local);
                let display = paths::display(local);
                let sp = (cfg.map.translates() && *server_path != display).then(|| server_path.clone());
                let id = match by_path.get(&key) {
                    Some(&id) => {
                        if catalog[id].server_path.is_none() {
                            catalog[id].server_path = sp.clone();
                        }
                        id
                    }
                    None => {
                        let status = match discover::read_file(local, cfg.max_file_size, cfg.map) {
                            ReadOutcome::Read { bytes, meta } => EntryStatus::Parsed {
                                parsed: parse::parse_bytes(
                                    &bytes,
                                    Source { path: display.clone(), server_path: sp.clone() },
                                    passphrases,
                                ),
                                meta: Some(meta),
                            },
                            ReadOutcome::Missing { target } => EntryStatus::Missing { target },
                            ReadOutcome::Unreadable { reason } => EntryStatus::Unreadable { reason },
                        };
                        let id = catalog.push(CatalogEntry {
                            path: display.clone(),
                            server_path: sp.clone(),
                            fs_path: FsPath::of(&display, local),
                            is_symlink: false,
                            walked_dir: crate::discover::DirFacts::default(),
                            real_path: None,
                            status,
                        });
                        by_path.insert(key, id);
                        id
                    }
                };
                match &catalog[id].status {
                    EntryStatus::Parsed { .. } => Side::File { file: id, item: None },
                    EntryStatus::Missing { .. } => {
                        Side::Unread(Box::new(Unread::Missing { path: display, server_path: sp, at }))
                    }
                    EntryStatus::Unreadable { reason } => Side::Unread(Box::new(Unread::Unreadable {
                        path: display,
                        server_path: sp,
                        reason: reason.clone(),
                        at,
                    })),
                }
            }
        }
    };
    let mut tried = UnlockCache::new();
    claims
        .into_iter()
        .map(|c| {
            let cert = side(catalog, &c.cert, &c.config);
            let key = c.key.as_ref().map(|k| side(catalog, k, c.key_config.as_ref().unwrap_or(&c.config)));
            let chain = c.chain.as_ref().map(|k| side(catalog, k, &c.config));
            if let (Some(_), Side::File { file, .. }) = (&chain, &cert) {
                restore_signatures(catalog, *file, cfg);
            }
            // The key is in the key file, or in the certificate file when the claim names none.
            let (key_side, key_claimed) = match (&key, &c.key) {
                (Some(k), Some(kc)) => (k, kc),
                _ => (&cert, &c.cert),
            };
            let unlock = match key_side {
                Side::File { file, .. } => server_unlock(catalog, *file, key_claimed, &c.passphrase, cfg, &mut tried),
                _ => None,
            };
            ConfiguredPair {
                origin: Origin {
                    kind: c.dialect.to_string(),
                    path: Some(c.config.path.clone()),
                    server_path: c.config.server_path.clone(),
                    line: c.config.line,
                    context: c.context.clone(),
                },
                cert,
                key,
                chain,
                names: c.names,
                unlock,
            }
        })
        .collect()
}

/// Results of trying a server's passphrases on a file: (file, passphrases) → (opens, tried).
type UnlockCache = HashMap<(FileId, Vec<Vec<u8>>), (bool, bool)>;

/// A certificate file followed by a chain file: its last certificate is a chain link after all,
/// so the file is parsed again whole when the walk dropped that signature.
fn restore_signatures(catalog: &mut Catalog, id: FileId, cfg: &Reading) {
    let passphrases = cfg.passphrases;
    let Some(entry) = catalog.entries.get_mut(id.0) else { return };
    let Some(path) = entry.fs_path().map(Path::to_path_buf) else { return };
    let EntryStatus::Parsed { parsed, .. } = &mut entry.status else { return };
    if !parsed.signatures_dropped() {
        return;
    }
    let path = path.as_path();
    if let ReadOutcome::Read { bytes, .. } = discover::read_file(path, cfg.max_file_size, cfg.map) {
        *parsed = parse::parse_bytes(&zeroize::Zeroizing::new(bytes), parsed.source.clone(), passphrases);
    }
}

/// What the server whose config names key file `id` makes of it, when the file
/// holds an encrypted key (`None` when it holds none). With passphrases from the
/// config, the file is parsed again with exactly those, in order, as the server
/// tries them; when they open a key the user's passphrases did not, the
/// catalogue keeps that parse, so the pair is checked.
fn server_unlock(
    catalog: &mut Catalog,
    id: FileId,
    claimed: &ClaimedFile,
    passphrase: &Passphrase,
    cfg: &Reading,
    cache: &mut UnlockCache,
) -> Option<KeyUnlock> {
    let entry = catalog.get(id)?;
    let parsed = entry.parsed()?;
    if !parsed.items.iter().any(|i| is_encrypted_key(&i.kind)) {
        return None;
    }
    let (source, given) = match passphrase {
        Passphrase::None { why } | Passphrase::Prompt { why } => return Some(KeyUnlock::Never { why: why.clone() }),
        Passphrase::Program { source } => return Some(KeyUnlock::Program { source: source.clone() }),
        Passphrase::Given { source, passphrases } => (source, passphrases),
    };
    let count = given.len();
    if let Some(&(opens, tried)) = cache.get(&(id, given.clone())) {
        return Some(KeyUnlock::Given { source: source.clone(), count, opens, tried });
    }
    let bytes = match claimed {
        ClaimedFile::Inline { bytes, .. } => Some(bytes.clone()),
        _ => entry.fs_path().and_then(|p| match discover::read_file(p, cfg.max_file_size, cfg.map) {
            ReadOutcome::Read { bytes, .. } => Some(bytes),
            _ => None,
        }),
    }?;
    let reparsed = parse::parse_bytes(&bytes, parsed.source.clone(), given);
    let locked = |p: &parse::ParsedFile| p.items.iter().filter(|i| matches!(i.kind, ItemKind::EncryptedKey(_))).count();
    let still: Vec<&parse::EncryptedKey> = reparsed
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::EncryptedKey(e) => Some(e.as_ref()),
            _ => None,
        })
        .collect();
    let opens = count > 0 && still.is_empty();
    let tried = count > 0 && still.iter().all(|e| e.tried_passphrases());
    cache.insert((id, given.clone()), (opens, tried));
    if locked(&reparsed) < locked(parsed) {
        // Keep what the user's passphrases opened too (a file with several keys).
        let users = cfg.passphrases;
        let better = if users.is_empty() {
            reparsed
        } else {
            parse::parse_bytes(&bytes, parsed.source.clone(), &[given.as_slice(), users].concat())
        };
        if let EntryStatus::Parsed { parsed, .. } = &mut catalog[id].status {
            *parsed = better;
        }
    }
    Some(KeyUnlock::Given { source: source.clone(), count, opens, tried })
}

/// An encrypted private key, opened or not.
fn is_encrypted_key(kind: &ItemKind) -> bool {
    match kind {
        ItemKind::EncryptedKey(_) => true,
        ItemKind::PrivateKey(k) => matches!(k.format, KeyFormat::Pkcs8Encrypted | KeyFormat::LegacyEncrypted),
        _ => false,
    }
}
