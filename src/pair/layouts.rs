//! Pairing by well-known layouts, most specific first: certbot `live/`,
//! Kubernetes `tls.crt`/`tls.key`, AWS IoT, `name.crt` beside `name.key`,
//! `ssl.crt/x.crt` beside `ssl.key/x.key` (and Debian `certs/` + `private/`),
//! and a directory holding exactly one leaf certificate and one key.

use super::index::{FileInfo, Files};
use super::FastMap;
use super::{FileId, Origin, State};
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

/// certbot: `live/<name>/fullchain.pem` (else `cert.pem`) with `privkey.pem`.
/// The other files there (`cert.pem`, `chain.pem`) count as paired; a
/// dangling link among them is `missing-file`.
fn certbot(dirs: &Dirs<'_, '_>, state: &mut State) {
    for (dir, list) in dirs {
        if dir.parent().and_then(Path::file_name).is_none_or(|n| n != "live") {
            continue;
        }
        let find = |name: &str| list.iter().find(|f| f.name == name && !state.used[f.id]).copied();
        let cert = find("fullchain.pem").filter(|f| cert_side(f)).or_else(|| find("cert.pem").filter(|f| cert_side(f)));
        let key = find("privkey.pem").filter(|f| key_side(f));
        let (Some(cert), Some(key)) = (cert, key) else { continue };
        state.add(Origin::kind("certbot"), cert.id, key.id);
        for f in list.iter().filter(|f| ["cert.pem", "chain.pem", "fullchain.pem"].contains(&f.name)) {
            if state.used[f.id] {
                continue;
            }
            state.use_file(f.id);
            if let EntryStatus::Missing { target } = &f.entry.status {
                let to = target.as_ref().map(|t| format!(" to {}", t.display())).unwrap_or_default();
                state.findings.push(
                    Finding::new(
                        Code::MissingFile,
                        format!("the certbot link {} is dangling{to}", f.entry.path),
                        vec![f.location()],
                    )
                    .with_hint("run `certbot renew`, or restore the archive/ file the link points to"),
                );
            }
        }
    }
}

/// Two files with names fixed by a convention, in one directory.
fn fixed_names(
    dirs: &Dirs<'_, '_>,
    state: &mut State,
    kind: &str,
    is_cert_name: impl Fn(&str) -> bool,
    key_name: impl Fn(&str) -> Option<String>,
) {
    for (_, list) in dirs {
        let mut certs = list.iter().filter(|f| is_cert_name(f.name) && cert_side(f)).peekable();
        if certs.peek().is_none() {
            continue;
        }
        // Key candidates by name (the first of a name wins): linear in the directory's size.
        let mut keys: FastMap<&str, &FileInfo<'_>> = FastMap::default();
        for f in list.iter().filter(|f| key_side(f)) {
            keys.entry(f.name).or_insert(f);
        }
        for cert in certs {
            let Some(want) = key_name(cert.name) else { continue };
            if let Some(key) = keys.get(want.as_str()) {
                if !state.used[cert.id] && !state.used[key.id] {
                    state.add(Origin::kind(kind), cert.id, key.id);
                }
            }
        }
    }
}

/// `name.crt|.cer|.pem|.cert.pem|.der` with `name.key|.key.pem` in one
/// directory. At least one side must have been read; the other may be an
/// unreadable file whose name says what it is.
fn sibling(dirs: &Dirs<'_, '_>, state: &mut State) {
    for (_, list) in dirs {
        let mut keys: BTreeMap<&str, Vec<&FileInfo<'_>>> = BTreeMap::new();
        for f in list.iter().filter(|f| f.is_key_file() || (f.is_unread() && named_like_key(f.name))) {
            if let Some(stem) = key_stem(f.name) {
                keys.entry(stem).or_default().push(f);
            }
        }
        for cert in list.iter().filter(|f| f.is_cert_file() || (f.is_unread() && !named_like_key(f.name))) {
            let Some(stem) = cert_stem(cert.name) else { continue };
            if state.used[cert.id] {
                continue;
            }
            let candidates = keys.get(stem).map(Vec::as_slice).unwrap_or_default();
            let key = candidates.iter().find(|k| !state.used[k.id] && k.id != cert.id && (cert.parsed() || k.parsed()));
            if let Some(key) = key {
                state.add(Origin::kind("sibling"), cert.id, key.id);
            }
        }
    }
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
    for (_, list) in dirs {
        let free = |f: &&&FileInfo<'_>| !state.used[f.id];
        let leaves: Vec<_> = list.iter().filter(free).filter(|f| f.has_leaf()).collect();
        let keys: Vec<_> = list.iter().filter(free).filter(|f| f.is_key_file()).collect();
        if let ([cert], [key]) = (leaves.as_slice(), keys.as_slice()) {
            let (c, k) = (cert.id, key.id);
            state.add(Origin::kind("directory"), c, k);
        }
    }
}
