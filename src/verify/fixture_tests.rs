//! Every `fixtures/check/<scenario>` through `parse::parse_bytes` and this
//! module: the verdict must be the `expect` file's, and the findings of parse,
//! `verify_pair` and `cert_health` together must be exactly its codes.

use super::*;
use crate::parse::{parse_bytes, Source};
use std::collections::BTreeMap;
use std::path::Path;

const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/check");
const CLOCK: Clock = Clock { now: 1_893_456_000, warn_days: 30 }; // 2030-01-01

fn expect(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("expect")).unwrap_or_default();
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

fn parse(dir: &Path, name: &str, passphrases: &[Vec<u8>]) -> ParsedFile {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()));
    parse_bytes(&bytes, Source::new(name), passphrases)
}

/// (verdict, sorted finding codes) for one scenario, as verify sees it.
fn run(dir: &Path, exp: &BTreeMap<String, String>) -> (Verdict, Vec<String>) {
    let passphrases: Vec<Vec<u8>> = exp
        .get("passphrase_file")
        .map(|p| std::fs::read_to_string(dir.join(p)).unwrap_or_default())
        .unwrap_or_default()
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let args: Vec<&str> = exp.get("args").map(|a| a.split_whitespace().collect()).unwrap_or_default();
    let cert = parse(dir, args[0], &passphrases);
    let key = args.get(1).map(|k| parse(dir, k, &passphrases));
    let key_ref = key.as_ref().unwrap_or(&cert);
    let material = PairMaterial { cert_file: Some(&cert), key_file: Some((key_ref, None)), chain_file: None };
    let outcome = verify_pair(&material, PrimeTest::OneRound);
    let mut findings: Vec<Finding> = cert.findings.clone();
    if let Some(k) = &key {
        findings.extend(k.findings.iter().cloned());
    }
    findings.extend(outcome.findings);
    // The server rules `check` applies without `--server` (DER files, `verify::load`).
    let pair =
        crate::pair::Pair::of_files(crate::pair::Origin::kind("check"), crate::pair::FileId(0), crate::pair::FileId(1));
    crate::verify::load::server_findings(&pair, &material, outcome.key_item, &mut findings);
    if matches!(outcome.verdict, Verdict::Match | Verdict::Mismatch | Verdict::KeyCorrupt) {
        findings.extend(cert_health(&material, &[], &CLOCK, &EcTables::default()));
    }
    let mut codes: Vec<String> = findings.iter().map(|f| f.code.as_str().to_string()).collect();
    codes.sort();
    (outcome.verdict, codes)
}

#[test]
fn every_check_fixture_gets_its_verdict_and_findings() {
    let mut dirs: Vec<_> = std::fs::read_dir(CHECK)
        .unwrap_or_else(|e| panic!("{CHECK}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 60, "only {} scenarios", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let exp = expect(dir);
        let (verdict, codes) = run(dir, &exp);
        let want: Vec<String> = exp
            .get("findings")
            .map(|f| f.split(',').filter(|c| !c.is_empty()).map(String::from).collect())
            .unwrap_or_default();
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if Some(verdict.as_str()) != exp.get("verdict").map(String::as_str) || codes != want {
            failures.push(format!(
                "{name}: got {} {codes:?}, want {:?} {want:?}",
                verdict.as_str(),
                exp.get("verdict")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corrupt_fixtures_name_the_component() {
    for (scenario, component) in [
        ("corrupt-wrong-dp", "dP"),
        ("corrupt-wrong-qinv", "qInv"),
        ("corrupt-wrong-d", "(d)"),
        ("corrupt-ec-pub", "public point ≠ d·G"),
        ("corrupt-ed25519-pub", "stored public key"),
        ("corrupt-ed448-pub", "stored public key"),
    ] {
        let dir = Path::new(CHECK).join(scenario);
        let cert = parse(&dir, "cert.pem", &[]);
        let key = parse(&dir, "key.pem", &[]);
        let material = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: None };
        let out = verify_pair(&material, PrimeTest::OneRound);
        assert_eq!(out.verdict, Verdict::KeyCorrupt, "{scenario}");
        assert!(out.findings[0].message.contains(component), "{scenario}: {}", out.findings[0].message);
    }
}

#[test]
fn compressed_and_explicit_certificates_match_like_named_ones() {
    for scenario in ["p256-compressed", "p256-explicit", "rsa-pss", "rsa16384"] {
        let dir = Path::new(CHECK).join(scenario);
        let cert = parse(&dir, "cert.pem", &[]);
        let key = parse(&dir, "key.pem", &[]);
        let material = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: None };
        let out = verify_pair(&material, PrimeTest::OneRound);
        assert_eq!(out.verdict, Verdict::Match, "{scenario}: {:?}", out.findings);
        assert!(out.cert_fingerprint.is_some() && out.cert_fingerprint == out.key_fingerprint, "{scenario}");
        assert!(cert_health(&material, &[], &CLOCK, &EcTables::default()).is_empty(), "{scenario}");
    }
}

#[test]
fn fixture_trees_chain_and_date_scenarios() {
    // fixtures/trees/chain-broken: a bundle whose intermediate did not sign the leaf.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/trees");
    let mut seen_broken = false;
    for entry in walk(&root.join("chain-broken")) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let file = parse_bytes(&bytes, Source::new(entry.display().to_string()), &[]);
        if file.certificates().count() < 2 {
            continue;
        }
        let material = PairMaterial { cert_file: Some(&file), key_file: None, chain_file: None };
        let codes: Vec<&str> =
            cert_health(&material, &[], &CLOCK, &EcTables::default()).iter().map(|f| f.code.as_str()).collect();
        seen_broken |= codes.contains(&"chain-broken");
    }
    assert!(seen_broken, "no chain-broken finding in fixtures/trees/chain-broken");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn real_rsa_keys_are_consistent_and_cheap_to_check() {
    // Prints the cost per key (`cargo test rsa_keys_are -- --nocapture`); never asserted.
    // One Miller–Rabin round on each of p and q makes the big keys the costly ones.
    for (scenario, rounds) in [("rsa2048-pkcs1-pem", 20u32), ("rsa4096-pkcs8-pem", 5), ("rsa8192", 1), ("rsa16384", 1)]
    {
        let dir = Path::new(CHECK).join(scenario);
        let file = parse(&dir, "key.pem", &[]);
        let (_, _, key) = file.private_keys().next().unwrap_or_else(|| panic!("{scenario}: no key"));
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            assert_eq!(key_problems(key), Vec::<String>::new(), "{scenario}");
        }
        eprintln!("{scenario}: key_problems {:?} per key", start.elapsed() / rounds);
    }
}
