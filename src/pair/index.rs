//! The catalogue seen by pairing ([`Files`]: what each file holds, where it
//! is, which files are aliases of one another), and the public-key index:
//! it pairs keys that no layout placed, names the right file when a pair
//! mismatches, and finds the orphans.

use super::{Catalog, CatalogEntry, EntryStatus, FileId, Origin, Pair, Side, State, Used};
use super::{FastMap, FastSet};
use crate::finding::{Code, Finding, Location};
use crate::parse::{ItemKind, PublicKey};
use std::path::Path;

/// At most this many files are named in a mismatch hint.
pub const MAX_HINTS: usize = 3;

/// One catalogue entry as pairing sees it. A scan holds one per catalogue file while it pairs
/// (the peak of its memory): what the entry's items give cheaply ([`FileInfo::cert_keys`],
/// [`FileInfo::key_publics`]) is read from them when asked, not copied here.
#[derive(Debug)]
pub struct FileInfo<'a> {
    pub id: FileId,
    pub entry: &'a CatalogEntry,
    /// The display path's directory, as a path ("" when none; layouts group files by it).
    dir: &'a Path,
    /// The file name ("" when none).
    pub name: &'a str,
    /// Holds (or claims to hold) a certificate / a private key.
    pub has_cert: bool,
    pub has_key: bool,
    /// The first certificate's public key, and whether that certificate is a CA.
    pub leaf: Option<(&'a PublicKey, bool)>,
    /// Some certificate in the file is not a CA.
    pub any_non_ca: bool,
    /// Not a candidate for pairing or orphan reports: certbot `archive/`
    /// history, or the target of a walked symlink (the link stands for it).
    pub hidden: bool,
    /// Files that are this same file (a symlink and its target), this one included.
    pub group: FileId,
    /// The directory's parent is named `live` / `archive` (certbot): the parent's parent.
    certbot: Certbot<'a>,
}

/// Where a file sits in a certbot tree, by its directory's parent's name: `<root>/live/<name>/`
/// or `<root>/archive/<name>/` (the root is `None` when the parent has no parent).
#[derive(Debug, Clone, Copy)]
enum Certbot<'a> {
    None,
    Live(Option<&'a Path>),
    Archive(Option<&'a Path>),
}

impl<'a> FileInfo<'a> {
    /// Every certificate's public key in the file.
    pub fn cert_keys(&self) -> impl Iterator<Item = &'a PublicKey> + 'a {
        self.entry.parsed().into_iter().flat_map(|p| p.certificates().map(|(_, _, c)| &c.public_key))
    }
    /// The public keys derived from every private key in the file (first first).
    pub fn key_publics(&self) -> impl Iterator<Item = &'a PublicKey> + 'a {
        self.entry.parsed().into_iter().flat_map(|p| p.private_keys().filter_map(|(_, _, k)| k.public.as_ref()))
    }
    /// The first of [`FileInfo::key_publics`].
    pub fn first_key_public(&self) -> Option<&'a PublicKey> {
        self.key_publics().next()
    }
    pub fn parsed(&self) -> bool {
        matches!(self.entry.status, EntryStatus::Parsed { .. })
    }
    /// A file holding both a certificate and a private key.
    pub fn is_combined(&self) -> bool {
        self.has_cert && self.has_key
    }
    /// Certificates and no private key.
    pub fn is_cert_file(&self) -> bool {
        self.has_cert && !self.has_key
    }
    /// A private key and no certificate.
    pub fn is_key_file(&self) -> bool {
        self.has_key && !self.has_cert
    }
    /// A certificate file whose first certificate is a decoded non-CA certificate.
    pub fn is_leaf_file(&self) -> bool {
        self.is_cert_file() && matches!(self.leaf, Some((_, false)))
    }
    /// A certificate file holding some non-CA certificate (an intermediate-first
    /// bundle included): not a pure CA file.
    pub fn has_leaf(&self) -> bool {
        self.is_cert_file() && self.any_non_ca
    }
    /// Named, not read: a dangling link or an unreadable file.
    pub fn is_unread(&self) -> bool {
        !self.parsed()
    }
    pub fn dir(&self) -> &'a Path {
        self.dir
    }
    pub fn location(&self) -> Location {
        Location::file(&self.entry.path).with_server_path(self.entry.server_path.clone())
    }
}

/// Every catalogue entry, classified.
#[derive(Debug)]
pub struct Files<'a> {
    pub all: Vec<FileInfo<'a>>,
}

impl<'a> Files<'a> {
    pub fn new(catalog: &'a Catalog) -> Files<'a> {
        let mut all: Vec<FileInfo<'a>> = if super::in_pool() {
            use rayon::prelude::*;
            catalog.entries.par_iter().enumerate().map(|(i, e)| classify(FileId(i), e)).collect()
        } else {
            catalog.iter().map(|(id, e)| classify(id, e)).collect()
        };
        // Aliases: entries that are one file on disk.
        let mut by_real: FastMap<&Path, FileId> = FastMap::default();
        for f in &mut all {
            if let Some(real) = f.entry.real_path.as_deref() {
                f.group = *by_real.entry(real).or_insert(f.id);
            }
        }
        // A walked symlink stands for its target: the target is not paired on its own.
        let linked: FastSet<&Path> =
            all.iter().filter(|f| f.entry.is_symlink).filter_map(|f| f.entry.real_path.as_deref()).collect();
        // The directory's parent and its name were looked at once per file, on the workers.
        let certbot_roots: FastSet<&Path> = all
            .iter()
            .filter_map(|f| match f.certbot {
                Certbot::Live(root) => root,
                _ => None,
            })
            .collect();
        for f in &mut all {
            let target_of_link =
                !f.entry.is_symlink && f.entry.real_path.as_deref().is_some_and(|r| linked.contains(r));
            let history = matches!(f.certbot, Certbot::Archive(Some(root)) if certbot_roots.contains(root));
            f.hidden = target_of_link || history;
        }
        Files { all }
    }

    /// Files that take part in layout and index pairing.
    pub fn eligible(&self) -> impl Iterator<Item = &FileInfo<'a>> {
        self.all.iter().filter(|f| !f.hidden)
    }

    pub fn get(&self, id: FileId) -> Option<&FileInfo<'a>> {
        self.all.get(id.0)
    }
}

fn classify(id: FileId, entry: &CatalogEntry) -> FileInfo<'_> {
    let path = Path::new(entry.path.as_str());
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = path.parent().unwrap_or(Path::new(""));
    let parent = dir.parent();
    let certbot = match parent.and_then(Path::file_name) {
        Some(n) if n == "live" => Certbot::Live(parent.and_then(Path::parent)),
        Some(n) if n == "archive" => Certbot::Archive(parent.and_then(Path::parent)),
        _ => Certbot::None,
    };
    let mut info = FileInfo {
        id,
        entry,
        dir,
        name,
        has_cert: false,
        has_key: false,
        leaf: None,
        any_non_ca: false,
        hidden: false,
        group: id,
        certbot,
    };
    if let Some(parsed) = entry.parsed() {
        info.has_cert = parsed.has_cert_material();
        info.has_key = parsed.has_key_material();
        let first_cert_like = parsed.items.iter().find(|it| it.kind.is_cert_like());
        if let Some(ItemKind::Certificate(c)) = first_cert_like.map(|it| &it.kind) {
            info.leaf = Some((&c.public_key, c.is_ca));
        }
        info.any_non_ca = parsed.certificates().any(|(_, _, c)| !c.is_ca);
    }
    info
}

/// Public key → the files holding it, as a private key and as a certificate.
/// Built once per scan; only supported keys are indexed.
pub(crate) struct Index<'f> {
    keys: FastMap<&'f PublicKey, Vec<FileId>>,
    /// First private keys only.
    first_keys: FastMap<&'f PublicKey, Vec<FileId>>,
    /// First certificates only.
    leaves: FastMap<&'f PublicKey, Vec<FileId>>,
    /// Any certificate in any file.
    any_cert: FastSet<&'f PublicKey>,
    /// Every certificate, by the files holding it (a file once per key).
    cert_files: FastMap<&'f PublicKey, Vec<FileId>>,
    /// Mismatch hints: the files whose first key / first certificate is this public key (see
    /// [`Nearby`]), built when a pair first asks (most public keys are never asked about).
    key_hints: FastMap<&'f PublicKey, Nearby<'f>>,
    leaf_hints: FastMap<&'f PublicKey, Nearby<'f>>,
}

/// The candidate files for a hint, one per alias group (its first path) and only files on
/// disk, in (path, group) order, overall and by directory. A hint then costs at most
/// [`MAX_HINTS`] steps plus a few skipped files, whatever the number of files holding the
/// key (a pool of keys reused by thousands of sites).
#[derive(Default)]
struct Nearby<'f> {
    all: Vec<&'f FileInfo<'f>>,
    by_dir: FastMap<&'f Path, Vec<&'f FileInfo<'f>>>,
}

impl<'f> Nearby<'f> {
    fn of(files: &'f Files<'f>, candidates: &[FileId]) -> Nearby<'f> {
        let mut by_group: FastMap<FileId, &'f FileInfo<'f>> = FastMap::default();
        for f in candidates.iter().filter_map(|&id| files.get(id)).filter(|f| f.entry.fs_path().is_some()) {
            by_group
                .entry(f.group)
                .and_modify(|g| {
                    if f.entry.path < g.entry.path {
                        *g = f;
                    }
                })
                .or_insert(f);
        }
        let mut all: Vec<&'f FileInfo<'f>> = by_group.into_values().collect();
        // One file per group: no two keys are equal, so an unstable sort gives the one order.
        all.sort_unstable_by(|a, b| (a.entry.path.as_str(), a.group).cmp(&(b.entry.path.as_str(), b.group)));
        let mut by_dir: FastMap<&'f Path, Vec<&'f FileInfo<'f>>> = FastMap::default();
        for f in &all {
            by_dir.entry(f.dir()).or_default().push(f);
        }
        Nearby { all, by_dir }
    }

    /// Up to [`MAX_HINTS`] files, never of `exclude_group`: those in `near`'s directory first,
    /// then by path.
    fn nearest(&self, near: &FileInfo<'_>, exclude_group: FileId) -> Vec<Location> {
        let dir = near.dir();
        let here = self.by_dir.get(dir).map(Vec::as_slice).unwrap_or_default();
        let elsewhere = self.all.iter().filter(|f| f.dir() != dir);
        here.iter()
            .chain(elsewhere)
            .filter(|f| f.group != exclude_group)
            .take(MAX_HINTS)
            .map(|f| f.location())
            .collect()
    }
}

impl<'f> Index<'f> {
    pub(crate) fn new(files: &'f Files<'_>) -> Index<'f> {
        let mut idx = Index {
            keys: FastMap::default(),
            first_keys: FastMap::default(),
            leaves: FastMap::default(),
            any_cert: FastSet::default(),
            cert_files: FastMap::default(),
            key_hints: FastMap::default(),
            leaf_hints: FastMap::default(),
        };
        for f in &files.all {
            for k in f.key_publics() {
                if k.is_supported() {
                    idx.keys.entry(k).or_default().push(f.id);
                }
            }
            if let Some(k) = f.first_key_public().filter(|k| k.is_supported()) {
                idx.first_keys.entry(k).or_default().push(f.id);
            }
            if let Some((pk, _)) = f.leaf {
                if pk.is_supported() {
                    idx.leaves.entry(pk).or_default().push(f.id);
                }
            }
            for c in f.cert_keys().filter(|k| k.is_supported()) {
                idx.any_cert.insert(c);
                let files = idx.cert_files.entry(c).or_default();
                if files.last() != Some(&f.id) {
                    files.push(f.id);
                }
            }
        }
        idx
    }
}

/// Step 4: keys still alone pair with unpaired certificate files holding a
/// certificate with their public key (normally the first; a later one makes
/// verify report `chain-order`). Files holding identical material (byte-equal
/// certificates, the same private key numbers) are one group: each group of
/// keys pairs once, with the nearest group of certificates (same directory
/// first) not yet taken, and every certificate group left over pairs with the
/// nearest key group; the other files of a group are listed as the pair's
/// copies. So N copies of a certificate and N of its key make one pair, not
/// N × N, and the work is linear in the number of files.
pub(crate) fn pair_by_index(files: &Files<'_>, idx: &Index<'_>, state: &mut State) {
    // Unpaired key files by public key, in catalogue (path) order.
    let mut keys_by_pk: FastMap<&PublicKey, Vec<FileId>> = FastMap::default();
    let mut order: Vec<&PublicKey> = Vec::new();
    for key in files.eligible().filter(|f| f.is_key_file() && !state.used[f.id]) {
        let Some(pk) = key.first_key_public() else { continue };
        if !idx.cert_files.contains_key(pk) {
            continue;
        }
        keys_by_pk
            .entry(pk)
            .or_insert_with(|| {
                order.push(pk);
                Vec::new()
            })
            .push(key.id);
    }
    let mut new_pairs: Vec<(&[FileId], &[FileId])> = Vec::new();
    // Per public key: (key groups, certificate groups); a group is files holding identical material.
    let mut groups: Vec<(Groups, Groups)> = Vec::new();
    for pk in order {
        let keys = keys_by_pk.get(pk).map(Vec::as_slice).unwrap_or_default();
        let certs: Vec<FileId> = idx
            .cert_files
            .get(pk)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|&c| files.get(c).is_some_and(|f| !f.hidden && f.is_cert_file() && !state.used[c]))
            .collect();
        if certs.is_empty() {
            continue;
        }
        let key_groups = group_by(keys, |id| files.get(id).and_then(key_identity));
        let cert_groups = group_by(&certs, |id| files.get(id).and_then(cert_identity));
        groups.push((key_groups, cert_groups));
    }
    for (key_groups, cert_groups) in &groups {
        let dir_of = |g: &[FileId]| files.get(g[0]).map(FileInfo::dir);
        // Certificate groups not yet taken, by directory and overall, each taken once (amortised O(1)).
        let mut taken = vec![false; cert_groups.len()];
        let mut by_dir: FastMap<Option<&Path>, std::collections::VecDeque<usize>> = FastMap::default();
        for (i, g) in cert_groups.iter().enumerate() {
            by_dir.entry(dir_of(g)).or_default().push_back(i);
        }
        let mut next_any = 0;
        let mut first_key_in_dir: FastMap<Option<&Path>, usize> = FastMap::default();
        for (k, kg) in key_groups.iter().enumerate() {
            first_key_in_dir.entry(dir_of(kg)).or_insert(k);
            let here = by_dir.get_mut(&dir_of(kg));
            let mut pick = None;
            if let Some(q) = here {
                while let Some(i) = q.pop_front() {
                    if !taken[i] {
                        pick = Some(i);
                        break;
                    }
                }
            }
            if pick.is_none() {
                while next_any < cert_groups.len() && taken[next_any] {
                    next_any += 1;
                }
                pick = (next_any < cert_groups.len()).then_some(next_any);
            }
            // More key groups than certificate groups: share the first.
            let c = pick.unwrap_or(0);
            taken[c] = true;
            new_pairs.push((&cert_groups[c], kg));
        }
        for (_, cg) in cert_groups.iter().enumerate().filter(|(c, _)| !taken[*c]) {
            let k = first_key_in_dir.get(&dir_of(cg)).copied().unwrap_or(0);
            new_pairs.push((cg, &key_groups[k]));
        }
    }
    // Mark after the loop so that a certificate shared by keys pairs with each.
    for (cg, kg) in new_pairs {
        for &id in cg.iter().chain(kg) {
            state.use_file(id);
        }
        let mut pair = Pair::of_files(Origin::kind("index"), cg[0], kg[0]);
        pair.cert_copies = cg[1..].to_vec();
        pair.key_copies = kg[1..].to_vec();
        state.push(pair);
    }
}

/// Files holding identical material, the representative (first in path order) first.
type Groups = Vec<Vec<FileId>>;

/// `ids` grouped by `identity` (first appearance order; files without one stay alone).
fn group_by<T: std::hash::Hash + Eq>(ids: &[FileId], identity: impl Fn(FileId) -> Option<T>) -> Vec<Vec<FileId>> {
    let mut out: Vec<Vec<FileId>> = Vec::new();
    let mut seen: FastMap<T, usize> = FastMap::default();
    for &id in ids {
        match identity(id) {
            Some(t) => match seen.get(&t) {
                Some(&g) => out[g].push(id),
                None => {
                    seen.insert(t, out.len());
                    out.push(vec![id]);
                }
            },
            None => out.push(vec![id]),
        }
    }
    out
}

/// A certificate file's material: the SHA-256 of each item that is a certificate, and the item
/// count (a file with anything else in it is not a copy).
fn cert_identity<'a>(f: &FileInfo<'a>) -> Option<(usize, Vec<&'a str>)> {
    let parsed = f.entry.parsed()?;
    Some((parsed.items.len(), parsed.certificates().map(|(_, _, c)| c.cert_sha256.as_str()).collect()))
}

/// A key file's material: SHA-256 over every private key's stored numbers and format (two
/// encodings of one key, or a damaged copy, are different material).
fn key_identity(f: &FileInfo<'_>) -> Option<[u8; 32]> {
    use crate::parse::KeyMaterial;
    use sha2::{Digest, Sha256};
    let parsed = f.entry.parsed()?;
    let mut h = Sha256::new();
    h.update((parsed.items.len() as u64).to_be_bytes());
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    for (_, _, k) in parsed.private_keys() {
        field(&[k.format as u8]);
        match &k.material {
            KeyMaterial::Rsa(r) => {
                for part in [&r.n, &r.e, &r.d, &r.p, &r.q, &r.dp, &r.dq, &r.qinv] {
                    field(part);
                }
            }
            KeyMaterial::Ec(e) => {
                field(e.curve.name().as_bytes());
                field(&e.d);
                match &e.stored_public {
                    Some(Ok(p)) => field(p),
                    Some(Err(why)) => field(why.as_bytes()),
                    None => field(b"-"),
                }
            }
            KeyMaterial::Ed25519(e) => {
                field(&e.seed);
                field(e.stored_public.as_deref().unwrap_or(b"-"));
            }
            KeyMaterial::Ed448(e) => {
                field(&e.seed);
                field(e.stored_public.as_deref().unwrap_or(b"-"));
            }
            KeyMaterial::Unsupported { .. } => return None,
        }
    }
    Some(h.finalize().into())
}

/// What a pair's hints look up: its certificate and key files, the certificate's public key
/// (whose key files are hinted) and the key's (whose certificate files are). `None` when the
/// pair needs no hints: one file (or aliases of one), or a certificate and key that match.
pub(crate) type HintQuery<'f> = (&'f FileInfo<'f>, &'f FileInfo<'f>, Option<&'f PublicKey>, Option<&'f PublicKey>);

fn hint_query<'f>(files: &'f Files<'f>, pair: &Pair) -> Option<HintQuery<'f>> {
    let (Side::File { file: cert_id, .. }, Side::File { file: key_id, .. }) = (&pair.cert, &pair.key) else {
        return None;
    };
    let (cert, key) = (files.get(*cert_id)?, files.get(*key_id)?);
    if cert.group == key.group {
        return None;
    }
    let leaf = cert.leaf.map(|(pk, _)| pk);
    let key_pub = key.first_key_public();
    if leaf.is_some() && leaf == key_pub {
        return None;
    }
    Some((cert, key, leaf, key_pub))
}

/// The hint candidates ([`Nearby`]) of every public key some pair's hints ask about, built
/// on the workers (each is a sort of the files holding that key: thousands for a key reused
/// by many sites).
/// Returns each pair's [`hint_query`], for [`fill_hints`].
pub(crate) fn prepare_hints<'f>(
    files: &'f Files<'f>,
    idx: &mut Index<'f>,
    pairs: &[Pair],
) -> Vec<Option<HintQuery<'f>>> {
    let queries: Vec<Option<HintQuery<'f>>> = pairs.iter().map(|p| hint_query(files, p)).collect();
    let mut want_keys: Vec<(&'f PublicKey, &[FileId])> = Vec::new();
    let mut want_leaves: Vec<(&'f PublicKey, &[FileId])> = Vec::new();
    let mut asked: (FastSet<&PublicKey>, FastSet<&PublicKey>) = Default::default();
    for &(_, _, leaf, key_pub) in queries.iter().flatten() {
        if let Some((pk, ids)) = leaf.and_then(|pk| idx.first_keys.get_key_value(pk)) {
            if !idx.key_hints.contains_key(pk) && asked.0.insert(pk) {
                want_keys.push((pk, ids));
            }
        }
        if let Some((pk, ids)) = key_pub.and_then(|pk| idx.leaves.get_key_value(pk)) {
            if !idx.leaf_hints.contains_key(pk) && asked.1.insert(pk) {
                want_leaves.push((pk, ids));
            }
        }
    }
    let build = |want: &[(&'f PublicKey, &[FileId])]| -> Vec<(&'f PublicKey, Nearby<'f>)> {
        if super::in_pool() {
            use rayon::prelude::*;
            want.par_iter().map(|&(pk, ids)| (pk, Nearby::of(files, ids))).collect()
        } else {
            want.iter().map(|&(pk, ids)| (pk, Nearby::of(files, ids))).collect()
        }
    };
    let (keys, leaves) = (build(&want_keys), build(&want_leaves));
    idx.key_hints.extend(keys);
    idx.leaf_hints.extend(leaves);
    queries
}

/// For a pair of two different files whose keys differ: which other files hold
/// the key for this certificate, and the certificate for this key. The candidates are those
/// [`prepare_hints`] built.
pub(crate) fn fill_hints(idx: &Index<'_>, query: &Option<HintQuery<'_>>, pair: &mut Pair) {
    let Some((cert, key, leaf, key_pub)) = *query else { return };
    if let Some(hints) = leaf.and_then(|pk| idx.key_hints.get(pk)) {
        pair.key_for_cert_elsewhere = hints.nearest(cert, key.group);
    }
    if let Some(hints) = key_pub.and_then(|pk| idx.leaf_hints.get(pk)) {
        pair.cert_for_key_elsewhere = hints.nearest(key, cert.group);
    }
}

/// `orphan-key`: a private key file, in no pair, whose public key no
/// certificate in the scan carries. `orphan-cert`: a file whose first
/// certificate is a leaf (not a CA), in no pair, whose public key no private
/// key in the scan carries.
/// A key file that pairs with nothing and that keymatch could not check: its
/// first key is encrypted and no passphrase opened it, or of an algorithm
/// keymatch does not check. Without this finding it would only be counted.
fn unchecked_key(f: &FileInfo<'_>) -> Option<Finding> {
    let EntryStatus::Parsed { parsed, .. } = &f.entry.status else { return None };
    let item = parsed.items.iter().find(|i| i.kind.is_key_like())?;
    let loc = f.location().with_block(item.block);
    match &item.kind {
        ItemKind::EncryptedKey(enc) => {
            let tried = enc.locked_reason();
            Some(
                Finding::new(
                    Code::EncryptedKey,
                    format!(
                        "the private key {} is encrypted ({}) and {tried}, so keymatch cannot tell which certificate it belongs to",
                        f.entry.path, enc.scheme
                    ),
                    vec![loc],
                )
                .with_hint("give the passphrase with --passphrase-file FILE or KEYMATCH_PASSPHRASE, or delete the key if it is unused"),
            )
        }
        ItemKind::PrivateKey(k) => {
            // Its public key decides: one keymatch can index is paired by the index.
            let unsupported = match (&k.public, &k.material) {
                (Some(PublicKey::Unsupported { algorithm }), _) => Some(algorithm),
                (None, crate::parse::KeyMaterial::Unsupported { algorithm }) => Some(algorithm),
                _ => None,
            }?;
            Some(Finding::new(
                Code::Unsupported,
                format!(
                    "the private key {} is {unsupported}, which keymatch does not check; it is not paired with any certificate",
                    f.entry.path
                ),
                vec![loc],
            ))
        }
        _ => None,
    }
}

pub(crate) fn orphans(files: &Files<'_>, idx: &Index<'_>, used: &Used) -> Vec<Finding> {
    let mut group_used: FastSet<FileId> = FastSet::default();
    for f in &files.all {
        if used.get(f.id) {
            group_used.insert(f.group);
        }
    }
    let mut out = Vec::new();
    for f in files.eligible().filter(|f| !group_used.contains(&f.group)) {
        if f.is_key_file() {
            if let Some(finding) = unchecked_key(f) {
                out.push(finding);
            } else if let Some(pk) = f.first_key_public() {
                if pk.is_supported() && !idx.any_cert.contains(pk) {
                    out.push(
                        Finding::new(
                            Code::OrphanKey,
                            format!(
                                "the private key {} ({}) belongs to no certificate found in the scan",
                                f.entry.path,
                                pk.algorithm()
                            ),
                            vec![f.location()],
                        )
                        .with_hint("delete it if it is unused, or find the certificate it was issued for"),
                    );
                }
            }
        } else if f.is_cert_file() {
            if let Some((pk, false)) = f.leaf {
                if pk.is_supported() && !idx.keys.contains_key(pk) {
                    out.push(
                        Finding::new(
                            Code::OrphanCert,
                            format!("no private key found in the scan belongs to the certificate {}", f.entry.path),
                            vec![f.location()],
                        )
                        .with_hint("nothing to do unless a server should use it: then its key is missing"),
                    );
                }
            }
        }
    }
    out
}
