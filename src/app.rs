//! The pipeline, end to end: `check` (one pair) and `scan` (whole trees).
//! discover → parse → pair → verify → report; each stage's output feeds the
//! next, and every stage adds findings. Returns a finished [`Report`]; printing
//! and exit codes are `main.rs`'s business.

mod check;
mod pair_report;
mod probe;
mod progress;
mod timing;

pub use check::check;
pub use probe::probe;

use crate::audit;
use crate::config::{Common, ScanConfig};
use crate::discover::{self, Looked, ReadOutcome, WalkedFile};
use crate::error::Error;
use crate::finding::{Code, Finding, Location};
use crate::pair::{
    self,
    resolve::{resolve_claims, FileIndex, Reading},
    Catalog, CatalogEntry, EntryStatus, FileId, FsPath, Pair, Side,
};
use crate::parse::{self, ItemKind, Source};
use crate::paths::{self, PathMap};
use crate::report::{PairReport, Report};
use crate::servers::{self, ServerContext};
use crate::verify::memo::{MaterialKey, VerifyMemo};
use crate::verify::Clock;
use check::read_stdin;
use pair_report::{verify_one, Modes};
use progress::Progress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use timing::PhaseTimes;

/// `keymatch scan [PATH…]`.
pub fn scan(cfg: &ScanConfig) -> Result<Report, Error> {
    for p in &cfg.paths {
        if p != Path::new("-") && std::fs::symlink_metadata(p).is_err() {
            return Err(Error::path(p, "no such file or directory"));
        }
    }
    discover::walk::compile_excludes(&cfg.discover.excludes).map_err(Error::Usage)?;
    if let Some(root) = &cfg.map.root {
        if !root.is_dir() {
            return Err(Error::path(root, "--root is not a directory"));
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} worker threads: {e}", cfg.jobs)))?;
    pool.install(|| scan_in_pool(cfg))
}

/// One walked file after reading and parsing: a catalogue entry, or a config's path and bytes;
/// and whether it names TLS directives although no dialect recognised it.
/// (Boxed: tens of thousands are collected before they are sorted into the catalogue.)
type Seen = (Option<Box<CatalogEntry>>, Option<Box<(PathBuf, Vec<u8>)>>, bool);

/// Read, sniff and parse one walked file. The entry's `real_path` holds the
/// file actually read (links resolved); the caller canonicalises it, or drops
/// it when the walk saw no links.
/// `named`: the file is a scanned path itself. `confine`: `--follow` under `--root`, where the
/// walk went through directory links as the host resolves them: each file is looked up again,
/// inside the root (a link to the host's `/root` must not be read there).
fn look_and_parse(
    f: &WalkedFile,
    cap: u64,
    map: &PathMap,
    passphrases: &[Vec<u8>],
    named: bool,
    confine: bool,
    certs: &parse::ItemPool,
) -> Seen {
    if f.skip_content {
        return (None, None, false);
    }
    let confined;
    let f = if confine && f.is_regular {
        confined = WalkedFile { is_regular: false, ..f.clone() };
        &confined
    } else {
        f
    };
    let unclaimed = std::cell::Cell::new(false);
    let is_config = |path: &Path, head: &[u8]| {
        let config = servers::looks_like_config(path, head);
        if !config && servers::looks_like_unclaimed_config(head) {
            unclaimed.set(true);
        }
        config
    };
    let (mut looked, real) = discover::look_walked(f, cap, map, &is_config);
    let unclaimed = unclaimed.get();
    // A file named on the command line and over the size cap is reported whatever its first bytes.
    if named && matches!(looked, Looked::Nothing) {
        if let Some(size) = std::fs::metadata(&f.path).ok().map(|m| m.len()).filter(|&n| n > cap) {
            looked = Looked::Unreadable { reason: discover::read::too_large(Some(size), cap) };
        }
    }
    // Most walked files are nothing to keymatch: return before any allocation.
    if matches!(looked, Looked::Nothing) || matches!(looked, Looked::Missing { .. }) && !f.is_symlink {
        return (None, None, unclaimed);
    }
    let display = paths::display(&f.path);
    let status = match looked {
        Looked::Material { bytes, meta } => {
            // The file's bytes may be a private key: wiped once parsed.
            // A config that names a chain file parses its certificate file again (`resolve_claims`).
            let parsed = certs.parse_and_share(&zeroize::Zeroizing::new(bytes), Source::new(&display), passphrases);
            EntryStatus::Parsed { parsed, meta: Some(meta) }
        }
        Looked::Missing { target } if f.is_symlink => EntryStatus::Missing { target },
        Looked::Unreadable { reason } => EntryStatus::Unreadable { reason },
        Looked::Config { bytes } => return (None, Some(Box::new((f.path.clone(), bytes))), false),
        Looked::Missing { .. } | Looked::Nothing => return (None, None, unclaimed),
    };
    let entry = CatalogEntry {
        fs_path: FsPath::of(&display, &f.path),
        path: display,
        server_path: None,
        is_symlink: f.is_symlink,
        walked_dir: f.facts,
        real_path: real,
        status,
    };
    (Some(Box::new(entry)), None, false)
}

fn scan_in_pool(cfg: &ScanConfig) -> Result<Report, Error> {
    let cap = cfg.discover.max_file_size;
    let map = &cfg.map;
    let passphrases = &cfg.common.passphrases;
    let progress = Progress::new(cfg.progress);

    // discover: the walk runs on its own thread and streams files to the
    // workers, which read (only what may matter), sniff and parse in parallel
    // while the walk goes on. Results are sorted by path afterwards, so the
    // output does not depend on which worker took which file.
    let roots: Vec<PathBuf> = cfg.paths.iter().filter(|p| *p != Path::new("-")).cloned().collect();
    let phases = PhaseTimes::from_env();
    // Only what a file turned out to hold is kept: a file that is neither material nor a
    // config is counted and forgotten, so memory does not grow with the tree's other files.
    // Several roots may meet one file twice: their files are all kept, to drop the repeats.
    let several_roots = roots.len() > 1;
    let walked = std::sync::atomic::AtomicUsize::new(0);
    let links = std::sync::atomic::AtomicBool::new(false);
    let skipped_by_name = std::sync::atomic::AtomicUsize::new(0);
    let skipped = std::sync::Mutex::new(Vec::new());
    let certs = parse::ItemPool::default();
    let (walk_findings, mut seen) = std::thread::scope(|scope| {
        // Files go to the workers in batches: one hand-over (a channel send, a wake-up, the
        // bridge's lock) per file cost more than a small file's read.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, WalkedFile)>>(4096 / WALK_BATCH);
        let roots = &roots;
        let walker = scope.spawn(move || {
            let mut seq = 0;
            let mut batch = Vec::with_capacity(WALK_BATCH);
            let findings = discover::walk::walk_each(roots, &cfg.discover, &mut |f| {
                batch.push((seq, f));
                seq += 1;
                if batch.len() == WALK_BATCH {
                    _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(WALK_BATCH)));
                }
            });
            if !batch.is_empty() {
                _ = tx.send(batch);
            }
            findings
        });
        let seen: Vec<(usize, PathBuf, Seen)> = rx
            .into_iter()
            .par_bridge()
            .flat_map_iter(|batch| batch.into_iter())
            .filter_map(|(seq, f)| {
                let named = roots.contains(&f.path);
                let confine = cfg.discover.follow && map.root.is_some();
                let seen = look_and_parse(&f, cap, map, passphrases, named, confine, &certs);
                progress.inc();
                walked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if f.is_symlink {
                    links.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                // Counted here, before files that hold nothing are forgotten.
                if !seen.2 && f.skip_content {
                    skipped_by_name.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if cfg.verbose {
                        let why = f.path.file_name().and_then(discover::walk::skip_reason).unwrap_or("not material");
                        if let Ok(mut list) = skipped.lock() {
                            list.push((paths::display(&f.path), why));
                        }
                    }
                }
                let nothing = seen.0.is_none() && seen.1.is_none() && !seen.2;
                // The walked path is kept only to sort several roots' files and to name an
                // unclaimed config; otherwise it is freed here, while the walk allocates.
                let path = if several_roots || seen.2 { f.path } else { PathBuf::new() };
                (several_roots || !nothing).then_some((seq, path, seen))
            })
            .collect();
        // A walk that panicked is a bug: pass it on rather than report a partial scan.
        (walker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), seen)
    });
    drop(certs);
    phases.mark("walk+read+parse");
    // Into path order. One root's files came in path order: their walk sequence
    // says it. Several roots are sorted by path, dropping a file met under two.
    let files = if several_roots {
        seen.sort_by(|a, b| a.1.cmp(&b.1));
        seen.dedup_by(|a, b| a.1 == b.1);
        seen.len()
    } else {
        seen.sort_unstable_by_key(|(seq, _, _)| *seq);
        walked.into_inner()
    };
    let any_links = links.into_inner();

    let mut report = Report::default();
    report.findings.extend(walk_findings);
    report.summary.files = files;
    let mut entries = Vec::with_capacity(seen.iter().filter(|s| s.2 .0.is_some()).count());
    let mut config_files = Vec::new();
    let mut unclaimed = Vec::new();
    for (_, path, (entry, config, looks_unclaimed)) in seen {
        entries.extend(entry.map(|e| *e));
        config_files.extend(config.map(|c| *c));
        if looks_unclaimed {
            unclaimed.push(path);
        }
    }
    report.summary.skipped_by_name = skipped_by_name.into_inner();
    let mut skipped = skipped.into_inner().unwrap_or_default();
    skipped.sort();
    skipped.dedup();
    report.summary.skipped = skipped;
    report.summary.verbose = cfg.verbose;
    report.summary.settings = cfg.settings.as_deref().map(paths::display);
    // A link and its target are one file: know it when the walk saw links.
    entries.par_iter_mut().for_each(|e| {
        e.real_path = e.real_path.take().filter(|_| any_links).and_then(|r| std::fs::canonicalize(r).ok());
    });
    let mut catalog = Catalog { entries };

    // Standard input: PEM/DER material, or Kubernetes YAML (`kubectl get secrets -A -o yaml | keymatch scan -`).
    let mut stdin_config: Option<Vec<u8>> = None;
    if cfg.paths.iter().any(|p| p == Path::new("-")) {
        let status = match read_stdin(cfg.max_stdin_size) {
            ReadOutcome::Read { bytes, .. } if servers::looks_like_config(Path::new("-"), &bytes) => {
                report.summary.files += 1;
                stdin_config = Some(bytes);
                None
            }
            ReadOutcome::Read { bytes, meta } => Some(EntryStatus::Parsed {
                parsed: parse::parse_bytes(&bytes, Source::new("-"), passphrases),
                meta: Some(meta),
            }),
            ReadOutcome::Unreadable { reason } => Some(EntryStatus::Unreadable { reason }),
            ReadOutcome::Missing { .. } => Some(EntryStatus::Unreadable { reason: "no standard input".into() }),
        };
        if let Some(status) = status {
            report.summary.files += 1;
            catalog.entries.push(CatalogEntry {
                path: "-".into(),
                server_path: None,
                fs_path: FsPath::None,
                is_symlink: false,
                walked_dir: crate::discover::DirFacts::default(),
                real_path: None,
                status,
            });
        }
    }

    let mut configs: Vec<(PathBuf, &[u8])> = config_files.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect();
    configs.extend(stdin_config.as_deref().map(|b| (PathBuf::from("-"), b)));
    let read = |p: &Path| discover::read_file(p, cap, map);
    let ctx = ServerContext { map, read: &read };
    progress.phase("reading server configs", None);
    // Configs the user named for a dialect (`--server nginx=PATH`) are read wherever they are.
    let mut named_bytes = Vec::new();
    for (dialect, path) in &cfg.servers {
        match discover::read_file(path, cap, map) {
            ReadOutcome::Read { bytes, .. } => named_bytes.push((*dialect, path.clone(), bytes)),
            ReadOutcome::Missing { .. } => {
                return Err(Error::Option { option: "--server", path: path.clone(), reason: "no such file".into() })
            }
            ReadOutcome::Unreadable { reason } => {
                return Err(Error::Option { option: "--server", path: path.clone(), reason })
            }
        }
    }
    let named: Vec<(&'static str, PathBuf, &[u8])> =
        named_bytes.iter().map(|(d, p, b)| (*d, p.clone(), b.as_slice())).collect();
    // The catalogue's index for resolving the configs' paths does not depend on them: it is
    // built on the other worker while the configs are read.
    let (found, file_index) =
        rayon::join(|| servers::find_claims_named(&configs, &named, &ctx), || FileIndex::of(&catalog));
    // The configs' text is done with once their claims are known: free it before pairing.
    drop(configs);
    drop_in_background((config_files, named_bytes, stdin_config));
    // A file read as an include or named with --server was claimed after all.
    unclaimed.retain(|p| !found.read_paths.contains(&paths::normalize(p)));
    report.summary.unclaimed_configs = unclaimed.iter().map(|p| paths::display(p)).collect();
    let (claims, config_findings) = (found.claims, found.findings);
    report.summary.configs = found.read.into_iter().map(|(name, n)| (name.to_string(), n)).collect();
    let probe_targets = match &cfg.probe {
        Some(p) => crate::probe::targets_from_claims(&claims, p.remote),
        None => Vec::new(),
    };
    report.findings.extend(config_findings);
    phases.mark("configs");
    let reading = Reading { map: &cfg.map, max_file_size: cfg.discover.max_file_size, passphrases };
    let configured = resolve_claims(&mut catalog, claims, &reading, file_index);
    // Counted now: from here on, material is dropped as soon as what needs it is done.
    count_material(&catalog, &mut report);
    phases.mark("resolve");

    // pair, then verify every pair in parallel.
    progress.phase("pairing", None);
    let pairing = pair::pair_all(&catalog, configured);
    report.findings.extend(pairing.findings);
    phases.mark("pair");
    let clock = Clock { now: cfg.common.now, warn_days: cfg.common.warn_days };
    let memo = VerifyMemo::for_pairs(pairing.pairs.iter().map(MaterialKey::of));
    let audit = audit::ModeAudit::new(map.root.as_deref());
    progress.phase("verifying pairs", Some(pairing.pairs.len()));
    // Each file's parsed material is dropped once the last pair that reads it is verified
    // (a file no pair reads, at once): memory holds the material of the pairs in flight, not
    // the whole tree's, while the report grows.
    report.pairs.reserve_exact(pairing.pairs.len());
    let mut readers = vec![0u32; catalog.entries.len()];
    for id in pairing.pairs.iter().flat_map(pair_files) {
        readers[id.0] += 1;
    }
    // Material done with is freed by a worker while the next chunk of pairs is verified, not
    // on this thread between chunks (while the other workers wait).
    let mut done_with: Vec<Vec<parse::Item>> = Vec::new();
    for (entry, _) in catalog.entries.iter_mut().zip(&readers).filter(|(_, &n)| n == 0) {
        done_with.push(entry.take_material());
    }
    for chunk in pairing.pairs.chunks(VERIFY_CHUNK) {
        let free = std::mem::take(&mut done_with);
        let (verified, ()): (Vec<(PairReport, Vec<Finding>)>, ()) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|p| {
                        let v = verify_one(&catalog, p, &clock, cfg.prime_test, Modes::Audit(&audit), &memo);
                        progress.inc();
                        v
                    })
                    .collect()
            },
            || drop(free),
        );
        for ((mut pr, findings), pair) in verified.into_iter().zip(chunk) {
            let paths = |ids: &[FileId]| ids.iter().map(|&id| catalog[id].path.clone()).collect::<Vec<_>>();
            pr.cert_copies = paths(&pair.cert_copies);
            pr.key_copies = paths(&pair.key_copies);
            // Each copy of a key is a key on disk: its mode matters as the pair's own does.
            for &id in &pair.key_copies {
                let entry = &catalog[id];
                if let EntryStatus::Parsed { meta: Some(meta), parsed } = &entry.status {
                    let fs_path = entry.fs_path();
                    report.findings.extend(audit.key_permissions(
                        &parsed.source,
                        meta,
                        fs_path,
                        entry.walked_dir,
                        &pair.origin.kind,
                    ));
                }
            }
            report.pairs.push(pr);
            report.findings.extend(findings);
            for id in pair_files(pair) {
                readers[id.0] -= 1;
                if readers[id.0] == 0 {
                    done_with.push(catalog[id].take_material());
                }
            }
        }
    }
    drop(done_with);
    drop(memo);
    phases.mark("verify");
    progress.phase("sorting findings", None);
    report_oversize(&catalog, &pairing.pairs, &cfg.paths, &mut report.findings);
    add_parse_findings(&catalog, &mut report);
    if let Some(p) = &cfg.probe {
        progress.phase("probing listeners", None);
        let served = crate::probe::probe_all(&probe_targets, p.timeout, p.jobs);
        crate::probe::add_endpoints(&mut report, &probe_targets, &served, &clock);
        phases.mark("probe");
    }
    // Freeing a whole tree's parsed material takes tens of milliseconds: let
    // another thread do it while the report is written.
    drop_in_background((catalog, pairing.pairs));
    let report = finish(report, &cfg.common);
    phases.mark("report");
    progress.finish();
    report
}

/// Walked files handed to the read workers at a time.
const WALK_BATCH: usize = 32;

/// Pairs verified at a time: enough to keep every worker busy, few enough that the material of
/// finished pairs is dropped as the scan goes.
const VERIFY_CHUNK: usize = 512;

/// The catalogue files a pair's verification reads (its certificate, key and chain files).
fn pair_files(pair: &Pair) -> impl Iterator<Item = FileId> + '_ {
    [Some(&pair.cert), Some(&pair.key), pair.chain.as_ref()].into_iter().flatten().filter_map(|s| match s {
        Side::File { file, .. } => Some(*file),
        _ => None,
    })
}

/// `KEYMATCH_PHASE_TIMES=1`: mark the end of a phase outside the scan (the binary's
/// "output", once the report is written), counted from the scan's start.
pub fn mark_phase(phase: &str) {
    PhaseTimes::from_env().mark(phase);
}

/// Drop `value` on a thread of its own, so that freeing large structures
/// (a scan's catalogue, a report) does not delay the output or the exit. The
/// process may end first: the operating system reclaims the memory then.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure (and the value) is dropped here.
    let _ = std::thread::Builder::new().name("keymatch-drop".into()).spawn(move || drop(value));
}

/// Files and streams over the size cap are never silent: each gets an `unreadable` finding (a
/// pair side already has one), an error when the command line or a server config names it, since
/// then something the user asked about went unchecked.
fn report_oversize(catalog: &Catalog, pairs: &[Pair], scanned: &[PathBuf], findings: &mut Vec<Finding>) {
    let too_large = |e: &CatalogEntry| match &e.status {
        EntryStatus::Unreadable { reason } if discover::read::is_too_large(reason) => Some(reason.clone()),
        _ => None,
    };
    let big: Vec<(&CatalogEntry, String)> = catalog.iter().filter_map(|(_, e)| too_large(e).map(|r| (e, r))).collect();
    if big.is_empty() {
        return;
    }
    let mut named: std::collections::HashSet<String> =
        scanned.iter().filter(|p| !p.is_dir()).map(|p| paths::display(p)).collect();
    for pair in pairs.iter().filter(|p| p.origin.path.is_some()) {
        for side in [Some(&pair.cert), Some(&pair.key), pair.chain.as_ref()].into_iter().flatten() {
            match side {
                Side::File { file, .. } => _ = named.insert(catalog[*file].path.clone()),
                Side::Unread(u) => {
                    if let crate::pair::Unread::Unreadable { path, .. } = u.as_ref() {
                        named.insert(path.clone());
                    }
                }
            }
        }
    }
    // One pass over the findings each way, whatever the number of large files.
    let mut reported: std::collections::HashSet<String> = findings
        .iter()
        .filter(|f| f.code == Code::Unreadable)
        .flat_map(|f| f.locations.iter().map(|l| l.path.clone()))
        .collect();
    let mut named_big: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (entry, reason) in big {
        if reported.insert(entry.path.clone()) {
            let loc = Location::file(&entry.path).with_server_path(entry.server_path.clone());
            let what =
                if entry.path == "-" { "standard input".to_string() } else { format!("the file {}", entry.path) };
            findings.push(
                Finding::new(Code::Unreadable, format!("{what} is not checked: {reason}"), vec![loc])
                    .with_hint("raise --max-file-size if it should be checked"),
            );
        }
        if named.contains(&entry.path) {
            named_big.insert(entry.path.clone());
        }
    }
    if named_big.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if f.code == Code::Unreadable && f.locations.iter().any(|l| named_big.contains(&l.path)) {
            f.severity = crate::finding::Severity::Error;
        }
    }
}

fn add_parse_findings(catalog: &Catalog, report: &mut Report) {
    for e in &catalog.entries {
        if let Some(p) = e.parsed() {
            report.findings.extend(p.findings.iter().cloned());
        }
    }
}

fn count_material(catalog: &Catalog, report: &mut Report) {
    let mut certs = 0;
    let mut keys = 0;
    for p in catalog.entries.iter().filter_map(|e| e.parsed()) {
        certs += p.items.iter().filter(|i| matches!(i.kind, ItemKind::Certificate(_))).count();
        keys +=
            p.items.iter().filter(|i| matches!(i.kind, ItemKind::PrivateKey(_) | ItemKind::EncryptedKey(_))).count();
    }
    report.summary.certificates = certs;
    report.summary.keys = keys;
    if report.summary.files == 0 {
        report.summary.files = catalog.entries.len();
    }
}

pub(crate) fn finish(mut report: Report, common: &Common) -> Result<Report, Error> {
    // Dropped findings are counted, by source and code, once duplicates are gone.
    report.finish();
    let mut counts: std::collections::BTreeMap<(&str, Code), usize> = std::collections::BTreeMap::new();
    report.findings.retain(|f| match common.allow.iter().find(|a| a.code == f.code) {
        Some(a) => {
            *counts.entry((a.source.as_str(), f.code)).or_default() += 1;
            false
        }
        None => true,
    });
    report.summary.suppressed = counts.values().sum();
    report.summary.suppressed_by = counts
        .into_iter()
        .map(|((source, code), count)| crate::report::Suppressed {
            source: source.to_string(),
            code: code.as_str().to_string(),
            count,
        })
        .collect();
    report.finish();
    Ok(report)
}
