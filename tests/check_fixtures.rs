//! `keymatch check` over every `fixtures/check/<scenario>`: the verdict, the
//! finding codes and the exit code must be the ones its `expect` file (and
//! fixtures/README.md) states. Failures are collected over all scenarios and
//! reported in one assertion, so the message shows the whole picture.

mod common;

use common::*;
use std::collections::BTreeMap;

/// The scenarios fixtures/README.md and the team's layout contract promise.
const REQUIRED: &[&str] = &[
    "rsa2048-pkcs1-pem",
    "rsa2048-pkcs8-pem",
    "rsa2048-pkcs1-der",
    "rsa2048-pkcs8-der",
    "rsa4096-pkcs8-pem",
    "rsa8192",
    "rsa16384",
    "rsa-pss",
    "p256-sec1-pem",
    "p256-pkcs8-pem",
    "p256-sec1-der",
    "p256-pkcs8-der",
    "p384-sec1-pem",
    "p384-pkcs8-pem",
    "p521-sec1-pem",
    "p521-pkcs8-pem",
    "p256-sec1-nopub",
    "p256-ecparams-block",
    "p256-explicit",
    "p256-compressed",
    "ed25519-pkcs8-pem",
    "ed25519-pkcs8-der",
    "ed25519-pkcs8v2",
    "mismatch-rsa",
    "mismatch-p256",
    "mismatch-p384",
    "mismatch-ed25519",
    "mismatch-rsa-vs-ec",
    "mismatch-same-n-other-e",
    "corrupt-wrong-d",
    "corrupt-wrong-dp",
    "corrupt-wrong-qinv",
    "corrupt-ec-pub",
    "corrupt-ed25519-pub",
    "corrupt-wrong-dq",
    "corrupt-pq-not-n",
    "corrupt-even-p",
    "corrupt-wrong-dp-and-d",
    "corrupt-composite-p",
    "corrupt-composite-p-right-d",
    "corrupt-composite-p-crt-right",
    "bom",
    "crlf",
    "b64-76",
    "text-around",
    "trusted-certificate",
    "x509-certificate-label",
    "enc-pkcs8-pbkdf2-aes256",
    "enc-pkcs8-scrypt",
    "enc-pkcs8-des3",
    "enc-legacy-aes128",
    "enc-legacy-aes256",
    "enc-legacy-des3",
    "enc-nopass",
    "enc-wrongpass",
    "combined",
    "combined-key-first",
    "chain-order",
    "truncated-pem",
    "empty-key",
    "random-bytes",
    "public-key-as-key",
    "ed448",
    "dsa",
    "secp256k1",
    "rsa-multiprime",
];

/// Findings whose code is an error by default but a warning in this scenario: (scenario, code, why).
const WARNING_HERE: &[(&str, &str, &str)] = &[
    (
        "indented-chain",
        "server-cannot-load",
        "OpenSSL skips the indented intermediate: the servers start, and send the chain without it",
    ),
    (
        "rsa2048-pkcs1-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
    (
        "rsa2048-pkcs8-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
    (
        "p256-sec1-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
    (
        "p256-pkcs8-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
    (
        "ed25519-pkcs8-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
    (
        "dsa-der",
        "server-cannot-load",
        "DER is a fine encoding outside nginx/HAProxy/Apache: without --server, check only warns",
    ),
];

const VERDICTS: &[&str] = &["match", "mismatch", "key-corrupt", "encrypted", "unsupported", "unreadable", "malformed"];

/// Compare one run with its scenario; `None` when it agrees.
fn disagreement(s: &Scenario, run: &Run) -> Option<String> {
    let doc = match run.json() {
        Ok(d) => d,
        Err(e) => return Some(e),
    };
    let (verdict, codes) = verdict_and_codes(&doc);
    let mut wrong = Vec::new();
    if verdict.as_deref() != Some(s.verdict.as_str()) {
        wrong.push(format!("verdict {} (want {})", verdict.as_deref().unwrap_or("<no pair>"), s.verdict));
    }
    if codes != s.findings {
        wrong.push(format!("findings [{}] (want [{}])", codes.join(","), s.findings.join(",")));
    }
    if run.code != Some(s.exit) {
        wrong.push(format!("exit {:?} (want {})", run.code, s.exit));
    }
    (!wrong.is_empty()).then(|| wrong.join("; "))
}

#[test]
fn every_scenario_gives_its_verdict_findings_and_exit_code() {
    let staged = stage_check();
    let all = scenarios();
    let mut failures = Vec::new();
    for s in &all {
        let run = run_check(&staged, s, "json");
        if let Some(why) = disagreement(s, &run) {
            failures.push(format!("  {}: {why}", s.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios disagree with their expect file:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn expect_files_are_well_formed_and_every_required_scenario_exists() {
    let all = scenarios();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    let missing: Vec<&&str> = REQUIRED.iter().filter(|r| !names.contains(r)).collect();
    assert!(missing.is_empty(), "scenarios missing from fixtures/check: {missing:?}");
    let codes: Vec<&str> = keymatch::finding::Code::ALL.iter().map(|c| c.as_str()).collect();
    for s in &all {
        let dir = fixtures().join("check").join(&s.name);
        assert!(VERDICTS.contains(&s.verdict.as_str()), "{}: unknown verdict {}", s.name, s.verdict);
        assert!(matches!(s.exit, 0 | 1), "{}: exit {}", s.name, s.exit);
        assert!(!s.args.is_empty() && s.args.len() <= 2, "{}: args {:?}", s.name, s.args);
        for f in &s.findings {
            assert!(codes.contains(&f.as_str()), "{}: unknown finding code {f}", s.name);
        }
        for a in &s.args {
            assert!(dir.join(a).is_file(), "{}: {a} does not exist", s.name);
        }
        if let Some(pf) = &s.passphrase_file {
            assert!(dir.join(pf).is_file(), "{}: passphrase file {pf} does not exist", s.name);
        }
        // Exit 1 exactly when an error-severity finding is expected (default --fail-on error), or
        // when the verdict proves nothing (`check` exits 0 only when it proved the pair).
        // key-corrupt is an error or a warning (an RSA key OpenSSL works around): either exit.
        let varies = |f: &String| f == "key-corrupt";
        let has_error = s.findings.iter().filter(|f| !varies(f)).any(|f| {
            let lowered = WARNING_HERE.iter().any(|(n, c, _)| *n == s.name && c == f);
            !lowered
                && keymatch::finding::Code::from_name(f).map(|c| c.severity())
                    == Some(keymatch::finding::Severity::Error)
        });
        let unproven = matches!(s.verdict.as_str(), "encrypted" | "unsupported" | "unreadable");
        if !s.findings.iter().any(varies) {
            assert_eq!(s.exit == 1, has_error || unproven, "{}: exit {} vs findings {:?}", s.name, s.exit, s.findings);
        } else if has_error || unproven {
            assert_eq!(s.exit, 1, "{}: exit {} vs findings {:?}", s.name, s.exit, s.findings);
        }
    }
}

#[test]
fn readme_table_agrees_with_the_expect_files() {
    let readme = std::fs::read_to_string(fixtures().join("README.md")).unwrap();
    // One table per generator: `<!-- BEGIN check table (generated by X) -->` … `<!-- END check table … -->`.
    let (begin, end) = ("<!-- BEGIN check table", "<!-- END check table");
    let tables: Vec<&str> = readme
        .split(begin)
        .skip(1)
        .map(|rest| rest.split_once(end).map(|(t, _)| t).expect("a check table without its END marker"))
        .collect();
    assert!(tables.len() >= 2, "fixtures/README.md has the check tables of gen_check.sh and the topic generators");
    let mut rows = BTreeMap::new();
    for line in tables.iter().flat_map(|t| t.lines()).filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 5, "README row with {} cells: {line}", cells.len());
        let name = cells[0].trim_matches('`').to_string();
        let mut findings: Vec<String> =
            if cells[3] == "none" { Vec::new() } else { cells[3].split(',').map(|f| f.trim().to_string()).collect() };
        findings.sort();
        let again = rows.insert(name.clone(), (cells[2].to_string(), findings, cells[4].to_string()));
        assert!(again.is_none(), "{name} is in two README tables");
    }
    let all = scenarios();
    assert_eq!(rows.len(), all.len(), "README rows vs scenario directories");
    for s in &all {
        let row = rows.get(&s.name).unwrap_or_else(|| panic!("{} is not in fixtures/README.md", s.name));
        assert_eq!(row, &(s.verdict.clone(), s.findings.clone(), s.exit.to_string()), "README row of {}", s.name);
    }
}

#[test]
fn a_file_that_does_not_exist_exits_2_with_a_one_line_error_naming_it() {
    let staged = stage_check();
    let dir = staged.check.join("rsa2048-pkcs8-pem");
    for args in [["no-such-cert.pem", "key.pem"], ["cert.pem", "no-such-key.pem"]] {
        let missing = args.iter().find(|a| a.starts_with("no-such")).copied().unwrap_or_default();
        for format in FORMATS {
            let run: Run = keymatch(&dir).arg("check").args(args).args(["--format", format]).output().unwrap().into();
            assert_eq!(run.code, Some(2), "check {args:?} --format {format}: {run:?}");
            let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "check {args:?}: stderr should be one line: {:?}", run.stderr);
            assert!(lines[0].contains(missing), "check {args:?}: the error does not name {missing}: {}", lines[0]);
        }
    }
}

#[test]
fn keymatch_passphrase_unlocks_like_the_passphrase_file() {
    let staged = stage_check();
    let with_file: Vec<Scenario> = scenarios().into_iter().filter(|s| s.passphrase_file.is_some()).collect();
    assert!(with_file.len() >= 8, "expected the encrypted-key scenarios, found {}", with_file.len());
    let mut failures = Vec::new();
    for s in &with_file {
        let dir = staged.scenario_dir(s);
        let pf = dir.join(s.passphrase_file.as_deref().unwrap_or_default());
        let pass = std::fs::read_to_string(&pf).unwrap();
        let pass = pass.lines().next().unwrap_or_default();
        let run: Run = keymatch(&dir)
            .arg("check")
            .args(&s.args)
            .args(["--at", AT, "--format", "json"])
            .env("KEYMATCH_PASSPHRASE", pass)
            .output()
            .unwrap()
            .into();
        if let Some(why) = disagreement(s, &run) {
            failures.push(format!("  {} (KEYMATCH_PASSPHRASE): {why}", s.name));
        }
    }
    // And the environment variable is really what unlocked them: without it, the key stays encrypted.
    for s in with_file.iter().filter(|s| s.verdict == "match") {
        let run: Run = keymatch(&staged.scenario_dir(s))
            .arg("check")
            .args(&s.args)
            .args(["--at", AT, "--format", "json"])
            .output()
            .unwrap()
            .into();
        match run.json() {
            Ok(doc) => {
                let (verdict, codes) = verdict_and_codes(&doc);
                if verdict.as_deref() != Some("encrypted") || !codes.contains(&"encrypted-key".to_string()) {
                    failures.push(format!(
                        "  {} (no passphrase): verdict {verdict:?}, findings {codes:?} (want encrypted, encrypted-key)",
                        s.name
                    ));
                }
            }
            Err(e) => failures.push(format!("  {} (no passphrase): {e}", s.name)),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn human_output_names_the_verdict_algorithm_and_both_fingerprints() {
    let staged = stage_check();
    let all = scenarios();
    let mut failures = Vec::new();
    let picked = ["rsa2048-pkcs8-pem", "p384-pkcs8-pem", "ed25519-pkcs8-pem", "mismatch-p256", "corrupt-wrong-dp"];
    for name in picked {
        let s = all.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no scenario {name}"));
        let doc = match run_check(&staged, s, "json").json() {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("  {name}: {e}"));
                continue;
            }
        };
        let human = run_check(&staged, s, "human");
        let field = |f: &str| doc.pointer(&format!("/pairs/0/{f}")).and_then(|v| v.as_str()).map(String::from);
        let mut want = vec![("verdict", field("verdict")), ("algorithm", field("algorithm"))];
        want.push(("certificate fingerprint", field("fingerprint")));
        want.push(("key fingerprint", field("key_fingerprint")));
        for (what, value) in want {
            match value {
                None => failures.push(format!("  {name}: the JSON has no {what}")),
                Some(v) if v.is_empty() => failures.push(format!("  {name}: the JSON's {what} is empty")),
                Some(v) if what.ends_with("fingerprint") && !v.starts_with("sha256:") => {
                    failures.push(format!("  {name}: {what} {v} does not start with sha256:"))
                }
                Some(v) if !human.stdout.contains(&v) => {
                    failures.push(format!("  {name}: human output lacks the {what} {v}"))
                }
                Some(_) => {}
            }
        }
        if human.code != Some(s.exit) {
            failures.push(format!("  {name}: human output exits {:?} (want {})", human.code, s.exit));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
