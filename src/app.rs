//! The pipeline, end to end: `check` (one pair) and `scan` (whole trees).
//! discover → parse → pair → verify → report; each stage's output feeds the
//! next, and every stage adds findings. Returns a finished [`Report`]; printing
//! and exit codes are `main.rs`'s business.

use crate::config::{CheckConfig, Common, ScanConfig};
use crate::discover::{self, Looked, ReadOutcome, WalkedFile};
use crate::error::Error;
use crate::finding::{Code, Finding, Location};
use crate::pair::{self, Catalog, CatalogEntry, ConfiguredPair, EntryStatus, FileId, KeyUnlock, Origin, Pair, Side};
use crate::parse::{self, ItemKind, KeyFormat, Source};
use crate::paths::{self, PathMap};
use crate::report::{rfc3339, ItemRef, PairReport, Report};
use crate::servers::{self, Claim, ClaimedFile, Passphrase, ServerContext};
use crate::verify::{self, Clock, PairMaterial, Verdict};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// `keymatch check CERT [KEY]`. CERT and KEY may come in either order (the files' content
/// decides); a Kubernetes YAML file with one TLS Secret, or `FILE#namespace/name` (the path
/// `scan` prints), is checked as that Secret.
pub fn check(cfg: &CheckConfig) -> Result<Report, Error> {
    let map = PathMap::default();
    let mut catalog = Catalog::default();
    let cap = |p: &Path| if p == Path::new("-") { cfg.max_stdin_size } else { cfg.max_file_size };
    let (file, selector) = split_selector(&cfg.cert);
    if let Some(selector) = selector {
        if cfg.key.is_some() {
            return Err(Error::Usage(format!(
                "check: {} names a Kubernetes Secret, which holds its own key: give it alone",
                paths::display(&cfg.cert)
            )));
        }
        return check_secret(cfg, &file, Some(&selector));
    }
    if cfg.key.is_none() && file != Path::new("-") && is_kubernetes_yaml(&file, cfg.max_file_size) {
        return check_secret(cfg, &file, None);
    }
    let first = load_named(&mut catalog, &cfg.cert, cap(&cfg.cert), &map, &cfg.common.passphrases)?;
    let (cert, key) = match &cfg.key {
        Some(k) => {
            let second = load_named(&mut catalog, k, cap(k), &map, &cfg.common.passphrases)?;
            // Either order: a key-only first file and a certificate in the second are KEY CERT.
            let holds = |id: FileId| catalog.entries[id].parsed().map(holdings).unwrap_or((false, false));
            match (holds(first), holds(second)) {
                ((false, true), (true, _)) => (second, first),
                _ => (first, second),
            }
        }
        None => {
            forgotten_key(&catalog.entries[first])?;
            (first, first)
        }
    };
    // The origin's kind selects the server rules verify applies (`verify::load`, `verify::readers`).
    let pair = Pair::of_files(Origin::kind(cfg.server.as_deref().unwrap_or("check")), cert, key);
    check_pairs(&catalog, vec![pair], cfg)
}

/// Verify `check`'s pair(s) and make the report.
fn check_pairs(catalog: &Catalog, pairs: Vec<Pair>, cfg: &CheckConfig) -> Result<Report, Error> {
    let clock = Clock { now: cfg.common.now, warn_days: cfg.common.warn_days };
    let mut report = Report::default();
    for pair in &pairs {
        // File modes are a property of where a key is deployed, which `scan` audits;
        // `check` answers only whether the two files belong together and are healthy.
        let (pair_report, findings) = verify_one(catalog, pair, &clock, Modes::Ignore, &VerifyMemo::default());
        // `check` exits 0 only when it proved the pair (or proved it wrong, with an error finding).
        report.unproven |=
            matches!(pair_report.verdict, Verdict::Encrypted | Verdict::Unsupported | Verdict::Unreadable);
        report.pairs.push(pair_report);
        report.findings.extend(findings);
    }
    add_parse_findings(catalog, &mut report);
    count_material(catalog, &mut report);
    finish(report, &cfg.common)
}

/// (holds a certificate, holds a private key), counting items that claim to be one.
fn holdings(p: &parse::ParsedFile) -> (bool, bool) {
    (p.items.iter().any(|i| i.kind.is_cert_like()), p.items.iter().any(|i| i.kind.is_key_like()))
}

/// `check CERT` alone when CERT holds a certificate and no private key (or a key and no
/// certificate): the other file was forgotten, a usage error that says what to give.
fn forgotten_key(entry: &CatalogEntry) -> Result<(), Error> {
    let Some(parsed) = entry.parsed() else { return Ok(()) };
    let path = &entry.path;
    match holdings(parsed) {
        (true, false) => Err(Error::Usage(format!(
            "check: {path} holds a certificate but no private key; give the key file too: keymatch check {path} KEY"
        ))),
        (false, true) => Err(Error::Usage(format!(
            "check: {path} holds a private key but no certificate; give the certificate file too: keymatch check CERT {path}"
        ))),
        _ => Ok(()),
    }
}

/// `FILE#namespace/name` (or a whole inline label, `FILE#namespace/name/tls.crt`) → the file
/// and the selector, when the whole argument is not itself an existing file.
fn split_selector(arg: &Path) -> (PathBuf, Option<String>) {
    let text = arg.to_string_lossy();
    if arg.symlink_metadata().is_err() {
        if let Some((file, sel)) = text.rsplit_once('#') {
            if !sel.is_empty() && Path::new(file).is_file() {
                return (PathBuf::from(file), Some(sel.to_string()));
            }
        }
    }
    (arg.to_path_buf(), None)
}

/// A file the Kubernetes dialect reads (a Secret, a List, a kubeconfig).
fn is_kubernetes_yaml(path: &Path, cap: u64) -> bool {
    match discover::read_file(path, cap, &PathMap::default()) {
        ReadOutcome::Read { bytes, .. } => {
            let text = String::from_utf8_lossy(&bytes);
            servers::dialects().iter().any(|d| d.name() == "kubernetes" && d.recognises(path, &text))
        }
        _ => false,
    }
}

/// The object a Kubernetes claim comes from, as `FILE#…` names it: `namespace/name` for a
/// Secret, `users/NAME` for a kubeconfig user (the certificate's label less its last part).
fn claim_id(c: &Claim) -> Option<String> {
    let label = match &c.cert {
        ClaimedFile::Inline { label, .. } => label.as_str(),
        ClaimedFile::Unresolvable { text, .. } => text.as_str(),
        ClaimedFile::Path { .. } => return c.context.clone(),
    };
    let (_, fragment) = label.rsplit_once('#')?;
    fragment.rsplit_once('/').map(|(id, _)| id.to_string())
}

/// `check FILE` / `check FILE#namespace/name` for Kubernetes YAML: the one TLS Secret (or
/// kubeconfig user) the file holds or the selector names; none or several is a usage error that
/// lists what the file holds.
fn check_secret(cfg: &CheckConfig, file: &Path, selector: Option<&str>) -> Result<Report, Error> {
    let map = PathMap::default();
    let bytes = match discover::read_file(file, cfg.max_file_size, &map) {
        ReadOutcome::Read { bytes, .. } => bytes,
        ReadOutcome::Missing { .. } => return Err(Error::path(file, "no such file")),
        ReadOutcome::Unreadable { reason } => return Err(Error::path(file, reason)),
    };
    let read = |p: &Path| discover::read_file(p, cfg.max_file_size, &map);
    let ctx = ServerContext { map: &map, read: &read };
    let (claims, _) = servers::find_claims(&[(file.to_path_buf(), bytes.as_slice())], &ctx);
    let claims: Vec<Claim> = claims.into_iter().filter(|c| c.dialect == "kubernetes").collect();
    let ids: Vec<String> = claims.iter().filter_map(claim_id).collect();
    let shown = paths::display(file);
    let list = || ids.iter().map(|id| format!("  keymatch check '{shown}#{id}'")).collect::<Vec<_>>().join("\n");
    let chosen: Vec<Claim> = match selector {
        Some(sel) => {
            let picked: Vec<Claim> = claims
                .into_iter()
                .filter(|c| claim_id(c).is_some_and(|id| sel == id || sel.starts_with(&format!("{id}/"))))
                .collect();
            if picked.is_empty() {
                let known = if ids.is_empty() { " none".to_string() } else { format!("\n{}", list()) };
                return Err(Error::Usage(format!("check: {shown} holds no TLS Secret '{sel}'; it holds:{known}")));
            }
            picked
        }
        None if claims.len() == 1 => claims,
        None if claims.is_empty() => {
            return Err(Error::Usage(format!("check: {shown} holds no TLS Secret (tls.crt and tls.key)")))
        }
        None => {
            return Err(Error::Usage(format!(
                "check: {shown} holds {} TLS Secrets; name one:\n{}",
                claims.len(),
                list()
            )))
        }
    };
    let scan_cfg = ScanConfig {
        paths: vec![file.to_path_buf()],
        max_stdin_size: cfg.max_stdin_size,
        map: map.clone(),
        discover: discover::DiscoverOptions { max_file_size: cfg.max_file_size, follow: false, excludes: Vec::new() },
        jobs: 1,
        progress: false,
        probe: None,
        servers: Vec::new(),
        verbose: false,
        settings: None,
        common: cfg.common.clone(),
    };
    let mut catalog = Catalog::default();
    let configured = resolve_claims(&mut catalog, chosen, &scan_cfg, &cfg.common.passphrases);
    let pairing = pair::pair_all(&catalog, configured);
    let mut pairs: Vec<Pair> = pairing.pairs.into_iter().filter(|p| p.origin.kind == "kubernetes").collect();
    // `--server`: the ingress controller's loading rules apply to the Secret.
    if let Some(server) = &cfg.server {
        pairs.iter_mut().for_each(|p| p.origin.kind = server.clone());
    }
    check_pairs(&catalog, pairs, cfg)
}

/// Read and parse a file the user named; a file that does not exist is an error (exit 2).
fn load_named(
    catalog: &mut Catalog,
    path: &Path,
    cap: u64,
    map: &PathMap,
    passphrases: &[Vec<u8>],
) -> Result<FileId, Error> {
    let outcome = if path == Path::new("-") { read_stdin(cap) } else { discover::read_file(path, cap, map) };
    let display = paths::display(path);
    let status = match outcome {
        ReadOutcome::Read { bytes, meta } => EntryStatus::Parsed {
            parsed: parse::parse_bytes(&zeroize::Zeroizing::new(bytes), Source::new(&display), passphrases),
            meta: Some(meta),
        },
        ReadOutcome::Missing { .. } => return Err(Error::path(path, "no such file")),
        ReadOutcome::Unreadable { reason } => EntryStatus::Unreadable { reason },
    };
    catalog.entries.push(CatalogEntry {
        path: display,
        server_path: None,
        fs_path: Some(path.to_path_buf()),
        is_symlink: false,
        real_path: None,
        status,
    });
    Ok(catalog.entries.len() - 1)
}

fn read_stdin(cap: u64) -> ReadOutcome {
    let mut bytes = Vec::new();
    match std::io::stdin().lock().take(cap + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > cap => ReadOutcome::Unreadable { reason: discover::read::too_large(None, cap) },
        Ok(_) => ReadOutcome::Read { bytes, meta: Default::default() },
        Err(e) => ReadOutcome::Unreadable { reason: e.to_string() },
    }
}

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
            let mut parsed = parse::parse_bytes(&zeroize::Zeroizing::new(bytes), Source::new(&display), passphrases);
            // A config that names a chain file parses its certificate file again (`resolve_claims`).
            parsed.drop_last_signature();
            EntryStatus::Parsed { parsed, meta: Some(meta) }
        }
        Looked::Missing { target } if f.is_symlink => EntryStatus::Missing { target },
        Looked::Unreadable { reason } => EntryStatus::Unreadable { reason },
        Looked::Config { bytes } => return (None, Some(Box::new((f.path.clone(), bytes))), false),
        Looked::Missing { .. } | Looked::Nothing => return (None, None, unclaimed),
    };
    let entry = CatalogEntry {
        path: display,
        server_path: None,
        fs_path: Some(f.path.clone()),
        is_symlink: f.is_symlink,
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
    let (walk_findings, mut seen) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, WalkedFile)>(4096);
        let roots = &roots;
        let walker = scope.spawn(move || {
            let mut seq = 0;
            discover::walk::walk_each(roots, &cfg.discover, &mut |f| {
                _ = tx.send((seq, f));
                seq += 1;
            })
        });
        let seen: Vec<(usize, PathBuf, Seen)> = rx
            .into_iter()
            .par_bridge()
            .filter_map(|(seq, f)| {
                let named = roots.contains(&f.path);
                let confine = cfg.discover.follow && map.root.is_some();
                let seen = look_and_parse(&f, cap, map, passphrases, named, confine);
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
                (several_roots || !nothing).then_some((seq, f.path, seen))
            })
            .collect();
        // A walk that panicked is a bug: pass it on rather than report a partial scan.
        (walker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), seen)
    });
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
                fs_path: None,
                is_symlink: false,
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
    let found = servers::find_claims_named(&configs, &named, &ctx);
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
    let configured = resolve_claims(&mut catalog, claims, cfg, passphrases);
    // Counted now: from here on, material is dropped as soon as what needs it is done.
    count_material(&catalog, &mut report);
    phases.mark("resolve");

    // pair, then verify every pair in parallel.
    progress.phase("pairing", None);
    let pairing = pair::pair_all(&catalog, configured);
    report.findings.extend(pairing.findings);
    phases.mark("pair");
    let clock = Clock { now: cfg.common.now, warn_days: cfg.common.warn_days };
    let memo = VerifyMemo::for_pairs(&pairing.pairs);
    let audit = verify::ModeAudit::new(map.root.as_deref());
    progress.phase("verifying pairs", Some(pairing.pairs.len()));
    // Each file's parsed material is dropped once the last pair that reads it is verified
    // (a file no pair reads, at once): memory holds the material of the pairs in flight, not
    // the whole tree's, while the report grows.
    let mut readers = vec![0u32; catalog.entries.len()];
    for id in pairing.pairs.iter().flat_map(pair_files) {
        readers[id] += 1;
    }
    for (entry, _) in catalog.entries.iter_mut().zip(&readers).filter(|(_, &n)| n == 0) {
        entry.drop_material();
    }
    for chunk in pairing.pairs.chunks(VERIFY_CHUNK) {
        let verified: Vec<(PairReport, Vec<Finding>)> = chunk
            .par_iter()
            .map(|p| {
                let v = verify_one(&catalog, p, &clock, Modes::Audit(&audit), &memo);
                progress.inc();
                v
            })
            .collect();
        for ((mut pr, findings), pair) in verified.into_iter().zip(chunk) {
            let paths = |ids: &[FileId]| ids.iter().map(|&id| catalog.entries[id].path.clone()).collect::<Vec<_>>();
            pr.cert_copies = paths(&pair.cert_copies);
            pr.key_copies = paths(&pair.key_copies);
            // Each copy of a key is a key on disk: its mode matters as the pair's own does.
            for &id in &pair.key_copies {
                let entry = &catalog.entries[id];
                if let EntryStatus::Parsed { meta: Some(meta), parsed } = &entry.status {
                    let fs_path = entry.fs_path.as_deref();
                    report.findings.extend(audit.key_permissions(&parsed.source, meta, fs_path, &pair.origin.kind));
                }
            }
            report.pairs.push(pr);
            report.findings.extend(findings);
            for id in pair_files(pair) {
                readers[id] -= 1;
                if readers[id] == 0 {
                    catalog.entries[id].drop_material();
                }
            }
        }
    }
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

/// Drop `value` on a thread of its own, so that freeing large structures
/// (a scan's catalogue, a report) does not delay the output or the exit. The
/// process may end first: the operating system reclaims the memory then.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure (and the value) is dropped here.
    let _ = std::thread::Builder::new().name("keymatch-drop".into()).spawn(move || drop(value));
}

/// Turn config claims into configured pairs, reading (and parsing) any named
/// file the walk did not already read. Files are parsed with the user's
/// passphrases; an encrypted key a config names is then tried with that
/// server's own passphrases (see [`server_unlock`]), whether or not the walk
/// read it first.
fn resolve_claims(
    catalog: &mut Catalog,
    claims: Vec<Claim>,
    cfg: &ScanConfig,
    passphrases: &[Vec<u8>],
) -> Vec<ConfiguredPair> {
    // Files are one file whatever way they were named: a config's absolute path and the
    // walk's relative one (`scan tree` with `/srv/tree/key.pem` in the config) meet here.
    let file_key = |p: &Path| paths::normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let mut by_path: HashMap<PathBuf, FileId> = HashMap::new();
    for (id, e) in catalog.entries.iter().enumerate() {
        if let Some(p) = &e.fs_path {
            by_path.insert(file_key(p), id);
        }
    }
    let mut side = |catalog: &mut Catalog, f: &ClaimedFile, config: &Location| -> Side {
        let at = Some(Location { line: Some(f.line()), ..config.clone() });
        match f {
            ClaimedFile::Unresolvable { text, reason, .. } => {
                Side::Unresolvable { text: text.clone(), reason: reason.clone(), at }
            }
            ClaimedFile::Inline { label, bytes, .. } => {
                catalog.entries.push(CatalogEntry {
                    path: label.clone(),
                    server_path: None,
                    fs_path: None,
                    is_symlink: false,
                    real_path: None,
                    status: EntryStatus::Parsed {
                        parsed: parse::parse_bytes(bytes, Source::new(label), passphrases),
                        meta: None,
                    },
                });
                Side::File { file: catalog.entries.len() - 1, item: None }
            }
            ClaimedFile::Path { server_path, local, .. } => {
                let key = file_key(local);
                let display = paths::display(local);
                let sp = (cfg.map.translates() && *server_path != display).then(|| server_path.clone());
                let id = match by_path.get(&key) {
                    Some(&id) => {
                        if catalog.entries[id].server_path.is_none() {
                            catalog.entries[id].server_path = sp.clone();
                        }
                        id
                    }
                    None => {
                        let status = match discover::read_file(local, cfg.discover.max_file_size, &cfg.map) {
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
                        catalog.entries.push(CatalogEntry {
                            path: display.clone(),
                            server_path: sp.clone(),
                            fs_path: Some(local.clone()),
                            is_symlink: false,
                            real_path: None,
                            status,
                        });
                        by_path.insert(key, catalog.entries.len() - 1);
                        catalog.entries.len() - 1
                    }
                };
                match &catalog.entries[id].status {
                    EntryStatus::Parsed { .. } => Side::File { file: id, item: None },
                    EntryStatus::Missing { .. } => Side::Missing { path: display, server_path: sp, at },
                    EntryStatus::Unreadable { reason } => {
                        Side::Unreadable { path: display, server_path: sp, reason: reason.clone(), at }
                    }
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
                restore_signatures(catalog, *file, cfg, passphrases);
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

/// A certificate file followed by a chain file: its last certificate is a chain link after all,
/// so the file is parsed again whole when the walk dropped that signature.
fn restore_signatures(catalog: &mut Catalog, id: FileId, cfg: &ScanConfig, passphrases: &[Vec<u8>]) {
    let Some(entry) = catalog.entries.get_mut(id) else { return };
    let (Some(path), EntryStatus::Parsed { parsed, .. }) = (&entry.fs_path, &mut entry.status) else { return };
    if !parsed.signatures_dropped() {
        return;
    }
    if let ReadOutcome::Read { bytes, .. } = discover::read_file(path, cfg.discover.max_file_size, &cfg.map) {
        *parsed = parse::parse_bytes(&zeroize::Zeroizing::new(bytes), parsed.source.clone(), passphrases);
    }
}

/// Results of trying a server's passphrases on a file: (file, passphrases) → (opens, tried).
type UnlockCache = HashMap<(FileId, Vec<Vec<u8>>), (bool, bool)>;

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
    cfg: &ScanConfig,
    cache: &mut UnlockCache,
) -> Option<KeyUnlock> {
    let entry = catalog.entries.get(id)?;
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
        _ => entry.fs_path.as_ref().and_then(|p| match discover::read_file(p, cfg.discover.max_file_size, &cfg.map) {
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
            ItemKind::EncryptedKey(e) => Some(e),
            _ => None,
        })
        .collect();
    let opens = count > 0 && still.is_empty();
    let tried = count > 0 && still.iter().all(|e| e.tried_passphrases());
    cache.insert((id, given.clone()), (opens, tried));
    if locked(&reparsed) < locked(parsed) {
        // Keep what the user's passphrases opened too (a file with several keys).
        let users = &cfg.common.passphrases;
        let better = if users.is_empty() {
            reparsed
        } else {
            parse::parse_bytes(&bytes, parsed.source.clone(), &[given.as_slice(), &users[..]].concat())
        };
        if let EntryStatus::Parsed { parsed, .. } = &mut catalog.entries[id].status {
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

/// Whether `verify_one` reports `key-permissions` for the key file.
#[derive(Clone, Copy)]
enum Modes<'a> {
    Audit(&'a verify::ModeAudit),
    Ignore,
}

/// The files (and items) a pair's verification reads, and the names it checks.
type MaterialKey = (Option<(FileId, Option<usize>)>, Option<(FileId, Option<usize>)>, Option<FileId>, Vec<String>);
/// A pair's key decision and its certificate's health findings.
type Verified = (verify::PairOutcome, Vec<Finding>);

/// Pairs that name the same files — a wildcard certificate in a thousand
/// vhosts — are verified once: the key decision and the certificate's health
/// are computed for the first and shared (cloned) by the others; each pair
/// still gets its own report, config locations and hints. Keyed by catalogue
/// files, never by key bytes: two files holding the same key are two checks.
#[derive(Default)]
struct VerifyMemo {
    /// The keys of more than one pair (`None`: every key): only their results are kept, a
    /// pair's own are not worth a copy of its findings.
    shared: Option<std::collections::HashSet<MaterialKey>>,
    done: std::sync::Mutex<HashMap<MaterialKey, Arc<OnceLock<Verified>>>>,
    /// The scan's ECDSA issuer tables (chain signatures).
    tables: verify::EcTables,
}

impl VerifyMemo {
    /// A memo for `pairs`: it keeps the results of the material keys several of them share.
    fn for_pairs(pairs: &[Pair]) -> VerifyMemo {
        let mut seen = std::collections::HashSet::new();
        let mut shared = std::collections::HashSet::new();
        for p in pairs {
            let key = material_key(p);
            if seen.contains(&key) {
                shared.insert(key);
            } else {
                seen.insert(key);
            }
        }
        VerifyMemo { shared: Some(shared), ..VerifyMemo::default() }
    }

    fn get(&self, key: MaterialKey, compute: impl FnOnce() -> Verified) -> Verified {
        if self.shared.as_ref().is_some_and(|shared| !shared.contains(&key)) {
            return compute();
        }
        // Take the slot under the lock, compute outside it: other pairs go on in parallel.
        let slot = match self.done.lock() {
            Ok(mut done) => done.entry(key).or_default().clone(),
            Err(_) => return compute(),
        };
        slot.get_or_init(compute).clone()
    }
}

/// The files (and items) a pair's verification reads, and its names: pairs with one key share
/// one verification.
fn material_key(pair: &Pair) -> MaterialKey {
    let file_key = |s: &Side| match s {
        Side::File { file, item } => Some((*file, *item)),
        _ => None,
    };
    let chain = pair.chain.as_ref().and_then(file_key).map(|(f, _)| f);
    (file_key(&pair.cert), file_key(&pair.key), chain, pair.names.clone())
}

/// Verify one pair: missing/unreadable sides become findings; otherwise the
/// key decision and the certificate's health (through `memo`).
fn verify_one(
    catalog: &Catalog,
    pair: &Pair,
    clock: &Clock,
    modes: Modes<'_>,
    memo: &VerifyMemo,
) -> (PairReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let cert_ref = side_ref(catalog, &pair.cert);
    let key_ref = side_ref(catalog, &pair.key);
    let mut report = PairReport {
        cert: cert_ref,
        key: key_ref,
        origin: pair.origin.clone(),
        algorithm: String::new(),
        verdict: Verdict::Unreadable,
        fingerprint: None,
        key_fingerprint: None,
        not_after: None,
        not_after_unix: None,
        subject: None,
        names: Vec::new(),
        cert_copies: Vec::new(),
        key_copies: Vec::new(),
    };
    let mut blocked = false;
    // A key "in the certificate file" is the same side: one problem, one finding.
    let key_side = (!same_side(&pair.cert, &pair.key)).then_some(&pair.key);
    for (role, side) in [("certificate", Some(&pair.cert)), ("key", key_side), ("chain", pair.chain.as_ref())] {
        if let Some(side) = side {
            if let Some(f) = side_problem(catalog, side, role).or_else(|| holds_nothing(catalog, side, role, pair)) {
                if role != "chain" {
                    blocked = true;
                    if f.code == Code::Unsupported {
                        report.verdict = Verdict::Unsupported;
                    }
                }
                findings.push(f);
            }
        }
    }
    if blocked {
        return (report, findings);
    }
    let file_of = |s: &Side| match s {
        Side::File { file, item } => catalog.entries[*file].parsed().map(|p| (p, *item)),
        _ => None,
    };
    let material = PairMaterial {
        cert_file: file_of(&pair.cert).map(|(p, _)| p),
        key_file: file_of(&pair.key),
        chain_file: pair.chain.as_ref().and_then(file_of).map(|(p, _)| p),
    };
    let (outcome, health) = memo.get(material_key(pair), || {
        let outcome = verify::verify_pair(&material, clock);
        let health = if matches!(outcome.verdict, Verdict::Match | Verdict::Mismatch | Verdict::KeyCorrupt) {
            verify::cert_health(&material, &pair.names, clock, &memo.tables)
        } else {
            Vec::new()
        };
        (outcome, health)
    });
    report.verdict = outcome.verdict;
    report.algorithm = outcome.algorithm.clone();
    report.fingerprint = outcome.cert_fingerprint.clone();
    report.key_fingerprint = outcome.key_fingerprint.clone();
    report.not_after_unix = outcome.not_after;
    report.not_after = outcome.not_after.map(rfc3339);
    if let (Some(k), Some(item)) = (report.key.as_mut(), outcome.key_item) {
        if let Some((pf, _)) = material.key_file {
            k.block = pf.items.get(item).map(|i| i.block);
        }
    }
    if let Some(cf) = material.cert_file {
        if let Some((_, _, c)) = cf.certificates().next() {
            report.subject = Some(c.subject.clone());
            report.names = crate::report::inventory::cert_names(&c.subject, &c.dns_names);
        }
    }
    let mut outcome_findings = outcome.findings;
    verify::readers::for_origin(&mut outcome_findings, &outcome.loaded_by, &pair.origin.kind);
    if outcome.verdict == Verdict::Mismatch {
        add_elsewhere_hints(&mut outcome_findings, pair);
    }
    findings.extend(outcome_findings);
    findings.extend(health);
    at_config_line(&mut findings, &pair.origin);
    verify::load::server_findings(pair, &material, outcome.key_item, &mut findings);
    if let (Modes::Audit(audit), Side::File { file, .. }) = (modes, &pair.key) {
        let entry = &catalog.entries[*file];
        if let EntryStatus::Parsed { meta: Some(meta), parsed } = &entry.status {
            if parsed.has_key_material() {
                let fs_path = entry.fs_path.as_deref();
                if let Some(f) = audit.key_permissions(&parsed.source, meta, fs_path, &pair.origin.kind) {
                    findings.push(f);
                }
            }
        }
    }
    (report, findings)
}

/// A pair a config names: its key and name findings also point at the config line.
fn at_config_line(findings: &mut [Finding], origin: &Origin) {
    let Some(path) = &origin.path else { return };
    let at = Location { path: path.clone(), server_path: origin.server_path.clone(), line: origin.line, block: None };
    for f in findings.iter_mut() {
        let config_fault = matches!(
            f.code,
            Code::KeyMismatch | Code::ChainOrder | Code::NameMismatch | Code::Malformed | Code::ServerCannotLoad
        );
        if config_fault && !f.locations.contains(&at) {
            f.locations.push(at.clone());
        }
    }
}

/// The pairing index knows where the right key / certificate is: the fix names the key that
/// belongs to the certificate (the most useful fact), the message where this key belongs.
fn add_elsewhere_hints(findings: &mut [Finding], pair: &Pair) {
    for f in findings.iter_mut().filter(|f| f.code == Code::KeyMismatch) {
        let keys: Vec<&str> = pair.key_for_cert_elsewhere.iter().map(|l| l.path.as_str()).collect();
        let certs: Vec<&str> = pair.cert_for_key_elsewhere.iter().map(|l| l.path.as_str()).collect();
        // The right key goes on the fix line; where this key belongs, in the message (the
        // finding's locations stay the pair's files, so the report still leads with the certificate).
        if !certs.is_empty() {
            f.message = format!("{}; this key belongs to {}", f.message, certs.join(", "));
        }
        match (keys.as_slice(), certs.as_slice()) {
            ([one], _) => f.hint = Some(format!("use {one} (it belongs to this certificate)")),
            ([_, ..], _) => f.hint = Some(format!("use one of {} (each belongs to this certificate)", keys.join(", "))),
            ([], [_, ..]) => {
                f.hint = Some(format!(
                    "configure the key of this certificate (not found in the scan), or serve {} with this key",
                    certs.join(", ")
                ))
            }
            ([], []) => {}
        }
    }
}

fn side_ref(catalog: &Catalog, side: &Side) -> Option<ItemRef> {
    match side {
        Side::File { file, item } => {
            let e = &catalog.entries[*file];
            let block = item.and_then(|i| e.parsed().and_then(|p| p.items.get(i)).map(|it| it.block));
            Some(ItemRef { path: e.path.clone(), server_path: e.server_path.clone(), block })
        }
        Side::Missing { path, server_path, .. } | Side::Unreadable { path, server_path, .. } => {
            Some(ItemRef { path: path.clone(), server_path: server_path.clone(), block: None })
        }
        Side::Unresolvable { .. } => None,
    }
}

/// Do two sides name the same file (a key that is in the certificate file)?
fn same_side(a: &Side, b: &Side) -> bool {
    match (a, b) {
        (Side::File { file: x, .. }, Side::File { file: y, .. }) => x == y,
        (Side::Missing { path: x, at: ax, .. }, Side::Missing { path: y, at: ay, .. })
        | (Side::Unreadable { path: x, at: ax, .. }, Side::Unreadable { path: y, at: ay, .. }) => x == y && ax == ay,
        (Side::Unresolvable { text: x, at: ax, .. }, Side::Unresolvable { text: y, at: ay, .. }) => x == y && ax == ay,
        _ => false,
    }
}

/// A side that cannot be verified: the finding that says why.
fn side_problem(catalog: &Catalog, side: &Side, role: &str) -> Option<Finding> {
    match side {
        Side::File { file, .. } => {
            let e = &catalog.entries[*file];
            let loc = Location::file(&e.path).with_server_path(e.server_path.clone());
            match &e.status {
                EntryStatus::Parsed { .. } => None,
                EntryStatus::Missing { target } => Some(missing(role, &e.path, target.as_deref(), vec![loc])),
                EntryStatus::Unreadable { reason } => Some(unreadable(role, &e.path, reason, vec![loc])),
            }
        }
        Side::Missing { path, server_path, at } => {
            let mut locs = Vec::new();
            locs.extend(at.clone());
            locs.push(Location::file(path).with_server_path(server_path.clone()));
            let shown = server_path.as_deref().unwrap_or(path);
            Some(missing(role, shown, None, locs))
        }
        Side::Unreadable { path, server_path, reason, at } => {
            let mut locs = Vec::new();
            locs.extend(at.clone());
            locs.push(Location::file(path).with_server_path(server_path.clone()));
            Some(unreadable(role, path, reason, locs))
        }
        Side::Unresolvable { text, reason, at } => Some(Finding::new(
            Code::Unsupported,
            format!("the {role} path '{text}' cannot be resolved statically ({reason}); this pair is not checked"),
            at.iter().cloned().collect(),
        )),
    }
}

/// A file a config names as a certificate or key that holds neither (3 KiB of
/// random bytes under HAProxy's `crt`, a renamed `.pfx`): `malformed` at the
/// config line. Files with a certificate, a key, a public key or a block that
/// claims to be one of them are the verification's to judge.
fn holds_nothing(catalog: &Catalog, side: &Side, role: &str, pair: &Pair) -> Option<Finding> {
    let Side::File { file, .. } = side else { return None };
    let e = &catalog.entries[*file];
    let parsed = e.parsed()?;
    let something = parsed.items.iter().any(|i| {
        i.kind.is_cert_like()
            || i.kind.is_key_like()
            || matches!(i.kind, ItemKind::PublicKey(_) | ItemKind::Malformed { .. })
    });
    if something || !parsed.findings.is_empty() {
        return None;
    }
    let config = pair.origin.path.as_ref()?;
    let mut locations = vec![Location {
        path: config.clone(),
        server_path: pair.origin.server_path.clone(),
        line: pair.origin.line,
        block: None,
    }];
    locations.push(Location::file(&e.path).with_server_path(e.server_path.clone()));
    let what = if parsed.items.is_empty() {
        "no certificate or private key (neither PEM nor DER that keymatch recognises)".to_string()
    } else {
        let labels: Vec<&str> = parsed
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Other(l) => Some(l.as_str()),
                _ => None,
            })
            .collect();
        format!("no certificate or private key, only {}", labels.join(", "))
    };
    Some(
        Finding::new(
            Code::Malformed,
            format!("the {role} file {} that the {} config names holds {what}", e.path, pair.origin.kind),
            locations,
        )
        .with_hint(
            "point the directive at the PEM file that holds it; a PKCS#12 file (.pfx/.p12) must be converted first \
             (`openssl pkcs12 -in FILE -nodes`)",
        ),
    )
}

fn unreadable(role: &str, path: &str, reason: &str, locations: Vec<Location>) -> Finding {
    Finding::new(Code::Unreadable, format!("the {role} file {path} cannot be read: {reason}"), locations)
        .with_hint("check the path and its permissions")
}

fn missing(role: &str, path: &str, target: Option<&Path>, locations: Vec<Location>) -> Finding {
    let msg = match target {
        Some(t) => format!("the {role} file {path} is a dangling symlink to {}", t.display()),
        None => format!("the {role} file {path} does not exist"),
    };
    Finding::new(Code::MissingFile, msg, locations).with_hint("restore the file or fix the path that names it")
}

/// Files and streams over the size cap are never silent: each gets an `unreadable` finding (a
/// pair side already has one), an error when the command line or a server config names it, since
/// then something the user asked about went unchecked.
fn report_oversize(catalog: &Catalog, pairs: &[Pair], scanned: &[PathBuf], findings: &mut Vec<Finding>) {
    let too_large = |e: &CatalogEntry| match &e.status {
        EntryStatus::Unreadable { reason } if discover::read::is_too_large(reason) => Some(reason.clone()),
        _ => None,
    };
    let big: Vec<(&CatalogEntry, String)> =
        catalog.entries.iter().filter_map(|e| too_large(e).map(|r| (e, r))).collect();
    if big.is_empty() {
        return;
    }
    let mut named: std::collections::HashSet<String> =
        scanned.iter().filter(|p| !p.is_dir()).map(|p| paths::display(p)).collect();
    for pair in pairs.iter().filter(|p| p.origin.path.is_some()) {
        for side in [Some(&pair.cert), Some(&pair.key), pair.chain.as_ref()].into_iter().flatten() {
            match side {
                Side::File { file, .. } => _ = named.insert(catalog.entries[*file].path.clone()),
                Side::Unreadable { path, .. } => _ = named.insert(path.clone()),
                _ => {}
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

/// `KEYMATCH_PHASE_TIMES=1`: print the time since the scan started at the end
/// of each pipeline phase on standard error, for benchmarking (benches/README.md).
struct PhaseTimes(Option<std::time::Instant>);

impl PhaseTimes {
    fn from_env() -> PhaseTimes {
        PhaseTimes(std::env::var_os("KEYMATCH_PHASE_TIMES").map(|_| std::time::Instant::now()))
    }
    fn mark(&self, phase: &str) {
        if let Some(start) = self.0 {
            let (rss, peak) = process_rss_mib();
            eprintln!(
                "keymatch: {phase} done at {:.1} ms (process CPU {:.1} ms, RSS {rss:.1} MiB, peak {peak:.1} MiB)",
                start.elapsed().as_secs_f64() * 1000.0,
                process_cpu_ms()
            );
        }
    }
}

/// Resident memory now and its peak so far, in MiB (`/proc/self/status` VmRSS, VmHWM).
fn process_rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |v| v / 1024.0)
    };
    (kib("VmRSS:"), kib("VmHWM:"))
}

/// User + system CPU time of the whole process so far, in milliseconds
/// (`/proc/self/stat`, clock ticks of 10 ms).
fn process_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (tick(11) + tick(12)) * 10.0
}

/// Scan progress on standard error through every phase (reading, configs, pairing,
/// verifying, sorting), shown only for scans longer than about half a second; `cfg.progress`
/// is set only for a terminal and without `--quiet`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
            bar.set_style(Progress::style("{spinner} reading: {pos} files {elapsed}"));
            bar
        });
        Progress { bar, start: std::time::Instant::now() }
    }
    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    }
    /// Show the bar once the scan has run for half a second; from then on it ticks by
    /// itself, so phases that count nothing still show that keymatch is working.
    fn show_when_due(&self, b: &indicatif::ProgressBar) {
        if b.is_hidden() && self.start.elapsed().as_millis() > 500 {
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }
    fn inc(&self) {
        if let Some(b) = &self.bar {
            self.show_when_due(b);
            b.inc(1);
        }
    }
    /// A new phase: `what`, and `of` items to count (or none).
    fn phase(&self, what: &str, of: Option<usize>) {
        if let Some(b) = &self.bar {
            let template = match of {
                Some(_) => format!("{{spinner}} {what}: {{pos}}/{{len}} {{elapsed}}"),
                None => format!("{{spinner}} {what} {{elapsed}}"),
            };
            b.set_style(Progress::style(&template));
            b.set_position(0);
            if let Some(n) = of {
                b.set_length(n as u64);
            }
            self.show_when_due(b);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
