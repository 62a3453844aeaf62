//! `keymatch check`: the one pair (or Kubernetes Secret) the user names.

use super::pair_report::{verify_one, Modes};
use super::{add_parse_findings, count_material, finish};
use crate::config::{CheckConfig, ScanConfig};
use crate::discover::{self, ReadOutcome};
use crate::error::Error;
use crate::pair::{
    self,
    resolve::{resolve_claims, FileIndex, Reading},
    Catalog, CatalogEntry, EntryStatus, FileId, FsPath, Origin, Pair,
};
use crate::parse::{self, Source};
use crate::paths::{self, PathMap};
use crate::report::Report;
use crate::servers::{self, Claim, ClaimedFile, ServerContext};
use crate::verify::memo::VerifyMemo;
use crate::verify::{Clock, PrimeTest, Verdict};
use std::io::Read;
use std::path::{Path, PathBuf};

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
            let holds = |id: FileId| catalog[id].parsed().map(holdings).unwrap_or((false, false));
            match (holds(first), holds(second)) {
                ((false, true), (true, _)) => (second, first),
                _ => (first, second),
            }
        }
        None => {
            forgotten_key(&catalog[first])?;
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
        let (pair_report, findings) =
            verify_one(catalog, pair, &clock, PrimeTest::OneRound, Modes::Ignore, &VerifyMemo::default());
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
        prime_test: PrimeTest::OneRound,
        settings: None,
        common: cfg.common.clone(),
    };
    let mut catalog = Catalog::default();
    let reading = Reading {
        map: &scan_cfg.map,
        max_file_size: scan_cfg.discover.max_file_size,
        passphrases: &cfg.common.passphrases,
    };
    let index = FileIndex::of(&catalog);
    let configured = resolve_claims(&mut catalog, chosen, &reading, index);
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
    Ok(catalog.push(CatalogEntry {
        fs_path: FsPath::of(&display, path),
        path: display,
        server_path: None,
        is_symlink: false,
        walked_dir: crate::discover::DirFacts::default(),
        real_path: None,
        status,
    }))
}

pub(super) fn read_stdin(cap: u64) -> ReadOutcome {
    let mut bytes = Vec::new();
    match std::io::stdin().lock().take(cap + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > cap => ReadOutcome::Unreadable { reason: discover::read::too_large(None, cap) },
        Ok(_) => ReadOutcome::Read { bytes, meta: Default::default() },
        Err(e) => ReadOutcome::Unreadable { reason: e.to_string() },
    }
}
