//! One pair → its report entry and findings: a side that is missing, unreadable
//! or holds nothing becomes a finding; otherwise the key decision and the
//! certificate's health (shared through the scan's [`VerifyMemo`]), placed at
//! the config line that names the pair.

use crate::finding::{Code, Finding, Location};
use crate::pair::{Catalog, EntryStatus, Origin, Pair, Side, Unread};
use crate::parse::ItemKind;
use crate::report::{rfc3339, ItemRef, PairReport};
use crate::verify::memo::{MaterialKey, VerifyMemo};
use crate::verify::{self, Clock, PairMaterial, PrimeTest, Verdict};
use std::path::Path;

/// Whether `verify_one` reports `key-permissions` for the key file.
#[derive(Clone, Copy)]
pub(super) enum Modes<'a> {
    Audit(&'a crate::audit::ModeAudit),
    Ignore,
}

/// Verify one pair: missing/unreadable sides become findings; otherwise the
/// key decision (RSA factors tested as `prime_test` says) and the
/// certificate's health (through `memo`).
pub(super) fn verify_one(
    catalog: &Catalog,
    pair: &Pair,
    clock: &Clock,
    prime_test: PrimeTest,
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
        Side::File { file, item } => catalog[*file].parsed().map(|p| (p, *item)),
        _ => None,
    };
    let material = PairMaterial {
        cert_file: file_of(&pair.cert).map(|(p, _)| p),
        key_file: file_of(&pair.key),
        chain_file: pair.chain.as_ref().and_then(file_of).map(|(p, _)| p),
    };
    let (outcome, health) = memo.get(MaterialKey::of(pair), || {
        let outcome = verify::verify_pair_with(&material, prime_test, &memo.key_health);
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
            k.block = pf.items.get(item.0).map(|i| i.block);
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
        let entry = &catalog[*file];
        if let EntryStatus::Parsed { meta: Some(meta), parsed } = &entry.status {
            if parsed.has_key_material() {
                let fs_path = entry.fs_path();
                if let Some(f) =
                    audit.key_permissions(&parsed.source, meta, fs_path, entry.walked_dir, &pair.origin.kind)
                {
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
            ([one], _) => f.hint = Some(format!("use {one} (it belongs to this certificate)").into()),
            ([_, ..], _) => {
                f.hint = Some(format!("use one of {} (each belongs to this certificate)", keys.join(", ")).into())
            }
            ([], [_, ..]) => {
                f.hint = Some(
                    format!(
                        "configure the key of this certificate (not found in the scan), or serve {} with this key",
                        certs.join(", ")
                    )
                    .into(),
                )
            }
            ([], []) => {}
        }
    }
}

fn side_ref(catalog: &Catalog, side: &Side) -> Option<ItemRef> {
    match side {
        Side::File { file, item } => {
            let e = &catalog[*file];
            let block = item.and_then(|i| e.parsed().and_then(|p| p.items.get(i.0)).map(|it| it.block));
            Some(ItemRef { path: e.path.clone(), server_path: e.server_path.clone(), block })
        }
        Side::Unread(u) => match u.as_ref() {
            Unread::Missing { path, server_path, .. } | Unread::Unreadable { path, server_path, .. } => {
                Some(ItemRef { path: path.clone(), server_path: server_path.clone(), block: None })
            }
            Unread::Unresolvable { .. } => None,
        },
    }
}

/// Do two sides name the same file (a key that is in the certificate file)?
fn same_side(a: &Side, b: &Side) -> bool {
    match (a, b) {
        (Side::File { file: x, .. }, Side::File { file: y, .. }) => x == y,
        (Side::Unread(a), Side::Unread(b)) => match (a.as_ref(), b.as_ref()) {
            (Unread::Missing { path: x, at: ax, .. }, Unread::Missing { path: y, at: ay, .. })
            | (Unread::Unreadable { path: x, at: ax, .. }, Unread::Unreadable { path: y, at: ay, .. }) => {
                x == y && ax == ay
            }
            (Unread::Unresolvable { text: x, at: ax, .. }, Unread::Unresolvable { text: y, at: ay, .. }) => {
                x == y && ax == ay
            }
            _ => false,
        },
        _ => false,
    }
}

/// A side that cannot be verified: the finding that says why.
fn side_problem(catalog: &Catalog, side: &Side, role: &str) -> Option<Finding> {
    match side {
        Side::File { file, .. } => {
            let e = &catalog[*file];
            let loc = Location::file(&e.path).with_server_path(e.server_path.clone());
            match &e.status {
                EntryStatus::Parsed { .. } => None,
                EntryStatus::Missing { target } => Some(missing(role, &e.path, target.as_deref(), vec![loc])),
                EntryStatus::Unreadable { reason } => Some(unreadable(role, &e.path, reason, vec![loc])),
            }
        }
        Side::Unread(u) => match u.as_ref() {
            Unread::Missing { path, server_path, at } => {
                let mut locs = Vec::new();
                locs.extend(at.clone());
                locs.push(Location::file(path).with_server_path(server_path.clone()));
                let shown = server_path.as_deref().unwrap_or(path);
                Some(missing(role, shown, None, locs))
            }
            Unread::Unreadable { path, server_path, reason, at } => {
                let mut locs = Vec::new();
                locs.extend(at.clone());
                locs.push(Location::file(path).with_server_path(server_path.clone()));
                Some(unreadable(role, path, reason, locs))
            }
            Unread::Unresolvable { text, reason, at } => Some(Finding::new(
                Code::Unsupported,
                format!("the {role} path '{text}' cannot be resolved statically ({reason}); this pair is not checked"),
                at.iter().cloned().collect(),
            )),
        },
    }
}

/// A file a config names as a certificate or key that holds neither (3 KiB of
/// random bytes under HAProxy's `crt`, a renamed `.pfx`): `malformed` at the
/// config line. Files with a certificate, a key, a public key or a block that
/// claims to be one of them are the verification's to judge.
fn holds_nothing(catalog: &Catalog, side: &Side, role: &str, pair: &Pair) -> Option<Finding> {
    let Side::File { file, .. } = side else { return None };
    let e = &catalog[*file];
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
