//! Pairing by well-known layouts, most specific first: certbot `live/`,
//! Kubernetes `tls.crt`/`tls.key`, AWS IoT, `name.crt` beside `name.key`,
//! `ssl.crt/x.crt` beside `ssl.key/x.key` (and Debian `certs/` + `private/`),
//! and a directory holding exactly one leaf certificate and one key.

use super::index::{FileInfo, Files};
use super::FastMap;
use super::{FileId, Origin, State, Used};
use crate::finding::{Code, Finding};
use crate::pair::EntryStatus;
use std::collections::BTreeMap;
use std::path::Path;

/// Suffixes that make a certificate's stem, longest first.
const CERT_SUFFIXES: &[&str] = &[".cert.pem", ".crt.pem", ".crt", ".cer", ".cert", ".pem", ".der"];
/// Suffixes that make a key's stem, longest first.
const KEY_SUFFIXES: &[&str] = &[".key.pem", ".key.der", ".key", ".pem", ".der"];

/// The name without a certificate suffix (`shop.crt` → `shop`).
pub fn cert_stem(name: &str) -> Option<&str> {
    CERT_SUFFIXES.iter().find_map(|s| name.strip_suffix(s)).filter(|s| !s.is_empty())
}

/// The name without a key suffix (`shop.key.pem` → `shop`).
pub fn key_stem(name: &str) -> Option<&str> {
    KEY_SUFFIXES.iter().find_map(|s| name.strip_suffix(s)).filter(|s| !s.is_empty())
}

/// A name that says "key" by itself (for files that could not be read).
fn named_like_key(name: &str) -> bool {
    name.ends_with(".key") || name.ends_with(".key.pem") || name.ends_with(".key.der")
}

/// Pair by layout, in order; each step sees only files earlier steps left.
pub(crate) fn pair_layouts(files: &Files<'_>, state: &mut State) {
    let dirs = by_directory(files);
    certbot(&dirs, state);
    fixed_names(
        &dirs,
        state,
        "kubernetes-dir",
        |n| n == "tls.crt",
        |c| (c == "tls.crt").then(|| "tls.key".to_string()),
    );
    fixed_names(
        &dirs,
        state,
        "aws-iot",
        |n| n.ends_with("-certificate.pem.crt"),
        |c| c.strip_suffix("-certificate.pem.crt").map(|id| format!("{id}-private.pem.key")),
    );
    sibling(&dirs, state);
    split_dir(files, state);
    one_per_directory(&dirs, state);
}

/// Eligible files by directory, in directory ([`Path`]) order, each directory's files sorted by
/// name (then catalogue order).
type Dirs<'f, 'a> = Vec<(&'f Path, Vec<&'f FileInfo<'a>>)>;

/// [`Dirs`] of the eligible files. Grouped by the directory's bytes (a hash per file), then
/// the distinct directories alone are sorted as paths: a tree of many files costs one hash each,
/// not a component-by-component path comparison per level of an ordered map.
fn by_directory<'f, 'a>(files: &'f Files<'a>) -> Dirs<'f, 'a> {
    let mut slot: FastMap<&[u8], usize> = FastMap::default();
    let mut dirs: Dirs<'f, 'a> = Vec::new();
    // The catalogue lists a directory's files together, mostly: the previous file's directory
    // is compared before any hashing.
    let mut last: Option<(&[u8], usize)> = None;
    for f in files.eligible() {
        let dir = f.dir();
        let bytes = dir.as_os_str().as_encoded_bytes();
        let i = match last {
            Some((b, i)) if b == bytes => i,
            _ => *slot.entry(bytes).or_insert_with(|| {
                dirs.push((dir, Vec::new()));
                dirs.len() - 1
            }),
        };
        last = Some((bytes, i));
        dirs[i].1.push(f);
    }
    drop(slot);
    dirs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // Two spellings of one directory (`a//b`, `a/./b`) are one path: merged, as one map key.
    let mut merged: Dirs<'f, 'a> = Vec::with_capacity(dirs.len());
    let mut respell = false;
    for (dir, list) in dirs {
        match merged.last_mut() {
            Some((last, files)) if *last == dir => {
                files.extend(list);
                respell = true;
            }
            _ => merged.push((dir, list)),
        }
    }
    for (_, list) in &mut merged {
        if respell {
            list.sort_unstable_by_key(|f| f.id);
        }
        list.sort_by_key(|f| f.name);
    }
    merged
}

/// Can `f` be the certificate side of a layout pair?
fn cert_side(f: &FileInfo<'_>) -> bool {
    f.is_cert_file() || f.is_unread()
}

/// Can `f` be the key side of a layout pair?
fn key_side(f: &FileInfo<'_>) -> bool {
    f.is_key_file() || f.is_unread()
}

/// What one directory's step decided, applied to the [`State`] in directory order.
enum Action {
    Pair(&'static str, FileId, FileId),
    Use(FileId),
    Finding(Finding),
}

/// One directory's view of the state during a step: a step reads and marks only the files of
/// the directory it looks at, so directories are decided apart (on the workers) and their
/// actions applied in directory order give what one pass in order gives.
struct Local<'s> {
    used: &'s Used,
    taken: Vec<FileId>,
    actions: Vec<Action>,
}

impl Local<'_> {
    fn used(&self, id: FileId) -> bool {
        self.used[id] || self.taken.contains(&id)
    }
    fn use_file(&mut self, id: FileId) {
        self.taken.push(id);
        self.actions.push(Action::Use(id));
    }
    fn add(&mut self, kind: &'static str, cert: FileId, key: FileId) {
        self.taken.extend([cert, key]);
        self.actions.push(Action::Pair(kind, cert, key));
    }
}

/// Run a step on every directory (on the workers in a scan) and apply what each decided, in
/// directory order.
fn per_dir<'f, 'a>(
    dirs: &Dirs<'f, 'a>,
    state: &mut State,
    step: impl Fn(&Path, &[&'f FileInfo<'a>], &mut Local<'_>) + Sync,
) {
    let used = &state.used;
    let one = |(dir, list): &(&'f Path, Vec<&'f FileInfo<'a>>)| {
        let mut local = Local { used, taken: Vec::new(), actions: Vec::new() };
        step(dir, list, &mut local);
        local.actions
    };
    let decided: Vec<Vec<Action>> = if super::in_pool() {
        use rayon::prelude::*;
        dirs.par_iter().with_min_len(64).map(one).collect()
    } else {
        dirs.iter().map(one).collect()
    };
    for action in decided.into_iter().flatten() {
        match action {
            Action::Pair(kind, cert, key) => state.add(Origin::kind(kind), cert, key),
            Action::Use(id) => state.use_file(id),
            Action::Finding(f) => state.findings.push(f),
        }
    }
}

/// certbot: `live/<name>/fullchain.pem` (else `cert.pem`) with `privkey.pem`.
/// The other files there (`cert.pem`, `chain.pem`) count as paired; a
/// dangling link among them is `missing-file`.
fn certbot(dirs: &Dirs<'_, '_>, state: &mut State) {
    per_dir(dirs, state, |dir, list, local| {
        if dir.parent().and_then(Path::file_name).is_none_or(|n| n != "live") {
            return;
        }
        let find = |local: &Local<'_>, name: &str| list.iter().find(|f| f.name == name && !local.used(f.id)).copied();
        let cert = find(local, "fullchain.pem")
            .filter(|f| cert_side(f))
            .or_else(|| find(local, "cert.pem").filter(|f| cert_side(f)));
        let key = find(local, "privkey.pem").filter(|f| key_side(f));
        let (Some(cert), Some(key)) = (cert, key) else { return };
        local.add("certbot", cert.id, key.id);
        for f in list.iter().filter(|f| ["cert.pem", "chain.pem", "fullchain.pem"].contains(&f.name)) {
            if local.used(f.id) {
                continue;
            }
            local.use_file(f.id);
            if let EntryStatus::Missing { target } = &f.entry.status {
                let to = target.as_ref().map(|t| format!(" to {}", t.display())).unwrap_or_default();
                local.actions.push(Action::Finding(
                    Finding::new(
                        Code::MissingFile,
                        format!("the certbot link {} is dangling{to}", f.entry.path),
                        vec![f.location()],
                    )
                    .with_hint("run `certbot renew`, or restore the archive/ file the link points to"),
                ));
            }
        }
    });
}

/// Two files with names fixed by a convention, in one directory.
fn fixed_names(
    dirs: &Dirs<'_, '_>,
    state: &mut State,
    kind: &'static str,
    is_cert_name: impl Fn(&str) -> bool + Sync,
    key_name: impl Fn(&str) -> Option<String> + Sync,
) {
    per_dir(dirs, state, |_, list, local| {
        let mut certs = list.iter().filter(|f| is_cert_name(f.name) && cert_side(f)).peekable();
        if certs.peek().is_none() {
            return;
        }
        // Key candidates by name (the first of a name wins): linear in the directory's size.
        let mut keys: FastMap<&str, &FileInfo<'_>> = FastMap::default();
        for f in list.iter().filter(|f| key_side(f)) {
            keys.entry(f.name).or_insert(f);
        }
        for cert in certs {
            let Some(want) = key_name(cert.name) else { continue };
            if let Some(key) = keys.get(want.as_str()) {
                if !local.used(cert.id) && !local.used(key.id) {
                    local.add(kind, cert.id, key.id);
                }
            }
        }
    });
}

/// `name.crt|.cer|.pem|.cert.pem|.der` with `name.key|.key.pem` in one
/// directory. At least one side must have been read; the other may be an
/// unreadable file whose name says what it is.
fn sibling(dirs: &Dirs<'_, '_>, state: &mut State) {
    per_dir(dirs, state, |_, list, local| {
        let mut keys: BTreeMap<&str, Vec<&FileInfo<'_>>> = BTreeMap::new();
        for f in list.iter().filter(|f| f.is_key_file() || (f.is_unread() && named_like_key(f.name))) {
            if let Some(stem) = key_stem(f.name) {
                keys.entry(stem).or_default().push(f);
            }
        }
        for cert in list.iter().filter(|f| f.is_cert_file() || (f.is_unread() && !named_like_key(f.name))) {
            let Some(stem) = cert_stem(cert.name) else { continue };
            if local.used(cert.id) {
                continue;
            }
            let candidates = keys.get(stem).map(Vec::as_slice).unwrap_or_default();
            let key = candidates.iter().find(|k| !local.used(k.id) && k.id != cert.id && (cert.parsed() || k.parsed()));
            if let Some(key) = key {
                local.add("sibling", cert.id, key.id);
            }
        }
    });
}

/// `P/A/x.crt` with `P/B/x.key` (A ≠ B) when (P, x) is unique on both sides:
/// `ssl.crt/` + `ssl.key/`, Debian `certs/` + `private/`.
fn split_dir(files: &Files<'_>, state: &mut State) {
    // Hashed (a path's hash agrees with its equality, as an ordered map's comparison does);
    // only the pairs made are put in (parent, stem) order.
    type Groups<'f, 'a> = FastMap<(&'f Path, &'f str), Vec<&'f FileInfo<'a>>>;
    let mut certs: Groups = FastMap::default();
    let mut keys: Groups = FastMap::default();
    for f in files.eligible().filter(|f| !state.used[f.id] && f.parsed()) {
        let Some(parent) = f.dir().parent() else { continue };
        if f.is_cert_file() {
            if let Some(stem) = cert_stem(f.name) {
                certs.entry((parent, stem)).or_default().push(f);
            }
        } else if f.is_key_file() {
            if let Some(stem) = key_stem(f.name) {
                keys.entry((parent, stem)).or_default().push(f);
            }
        }
    }
    let mut found: Vec<(&(&Path, &str), FileId, FileId)> = Vec::new();
    for (k, cs) in &certs {
        if let (Some(ks), [c]) = (keys.get(k), cs.as_slice()) {
            if let [key] = ks.as_slice() {
                if c.dir() != key.dir() {
                    found.push((k, c.id, key.id));
                }
            }
        }
    }
    found.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (_, c, k) in found {
        state.add(Origin::kind("split-dir"), c, k);
    }
}

/// A directory with exactly one unpaired leaf-certificate file (one holding a
/// non-CA certificate, first or not: an intermediate-first bundle is still the
/// site's certificate) and exactly one unpaired key file.
fn one_per_directory(dirs: &Dirs<'_, '_>, state: &mut State) {
    per_dir(dirs, state, |_, list, local| {
        let free = |f: &&&FileInfo<'_>| !local.used(f.id);
        let leaves: Vec<_> = list.iter().filter(free).filter(|f| f.has_leaf()).collect();
        let keys: Vec<_> = list.iter().filter(free).filter(|f| f.is_key_file()).collect();
        if let ([cert], [key]) = (leaves.as_slice(), keys.as_slice()) {
            let (c, k) = (cert.id, key.id);
            local.add("directory", c, k);
        }
    });
}
