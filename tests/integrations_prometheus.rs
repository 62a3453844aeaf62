//! `--format prometheus --output FILE`: the file is parsed with the real Prometheus text parser of
//! the `prometheus_client` Python package (installed on first use into `target/ci-venv`; another
//! interpreter can be named with KEYMATCH_TEST_PYTHON) and its values are checked against the
//! JSON report of the same scan.

mod common;
mod pytools;

use common::{run_keymatch, sibling_pair, RSA2048};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python that has `prometheus_client`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYMATCH_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    pytools::venv().join("bin/python")
}

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {"families": {}, "samples": []}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    out["families"][fam.name] = {"type": fam.type, "help": fam.documentation}
    for s in fam.samples:
        out["samples"].append({"name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
"#;

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);
/// Metric families: name → (type, help).
type Families = BTreeMap<String, (String, String)>;

/// Parse a textfile with prometheus_client.
fn parse(path: &Path) -> (Families, Vec<Sample>) {
    let py = python();
    let out =
        Command::new(&py).arg("-c").arg(PARSE).arg(path).output().unwrap_or_else(|e| {
            panic!("cannot run {}: {e}; run .ci/run once, or set KEYMATCH_TEST_PYTHON", py.display())
        });
    assert!(
        out.status.success(),
        "prometheus_client rejected the file (or is not installed for {}: `pip install prometheus_client`):\n{}",
        py.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("parser output is JSON");
    let families = v["families"]
        .as_object()
        .expect("families")
        .iter()
        .map(|(k, f)| (k.clone(), (f["type"].as_str().unwrap_or("").into(), f["help"].as_str().unwrap_or("").into())))
        .collect();
    let samples = v["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| {
            let labels = s["labels"]
                .as_object()
                .expect("labels")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect();
            (s["name"].as_str().unwrap_or("").to_string(), labels, s["value"].as_f64().expect("value"))
        })
        .collect();
    (families, samples)
}

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| *v)
}

#[test]
fn textfile_parses_and_counts_agree_with_the_json_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).expect("mkdir");
    sibling_pair(&site, "good", RSA2048, 400, false);
    std::fs::write(site.join("junk.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        .expect("write");
    let collector = tmp.path().join("textfile");
    std::fs::create_dir_all(&collector).expect("mkdir");
    let prom = collector.join("keymatch.prom");
    let before = now().floor();
    let (code, stdout, stderr) = run_keymatch(
        &["scan", "--no-config", "--format", "prometheus", "--output", prom.to_str().expect("utf-8"), "site"],
        tmp.path(),
    );
    let after = now().ceil();
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert!(stdout.is_empty(), "with --output nothing goes to stdout: {stdout}");
    // Written atomically: only the final file is left in the collector's directory.
    let left: Vec<String> =
        std::fs::read_dir(&collector).expect("ls").flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
    assert_eq!(left, vec!["keymatch.prom".to_string()]);

    let (families, samples) = parse(&prom);
    // Where promtool is installed (.ci/run installs it), its linter agrees too.
    if let Ok(out) =
        Command::new("promtool").args(["check", "metrics"]).stdin(std::fs::File::open(&prom).expect("open")).output()
    {
        assert!(out.status.success(), "promtool check metrics: {}", String::from_utf8_lossy(&out.stderr));
    }
    for name in [
        "keymatch_pair_match",
        "keymatch_pair_verdict",
        "keymatch_certificate_not_after_seconds",
        "keymatch_findings",
        "keymatch_scan_files",
        "keymatch_scan_duration_seconds",
        "keymatch_last_scan_timestamp_seconds",
    ] {
        let (ty, help) = families.get(name).unwrap_or_else(|| panic!("{name} missing: {families:?}"));
        assert_eq!(ty, "gauge", "{name}");
        assert!(!help.is_empty(), "{name} has no HELP");
    }
    let finished = value(&samples, "keymatch_last_scan_timestamp_seconds", &[]).expect("finish time");
    assert!(before <= finished && finished <= after, "{before} <= {finished} <= {after}");
    let duration = value(&samples, "keymatch_scan_duration_seconds", &[]).expect("duration");
    assert!((0.0..=(after - before + 1.0)).contains(&duration), "{duration}");

    // The same scan as JSON: files and findings per (code, severity) agree.
    let (_, json, _) = run_keymatch(&["scan", "--no-config", "--format", "json", "site"], tmp.path());
    let report: Value = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(value(&samples, "keymatch_scan_files", &[]), report["summary"]["files"].as_f64());
    let mut counts: BTreeMap<(String, String), f64> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let key = (f["code"].as_str().unwrap_or("").to_string(), f["severity"].as_str().unwrap_or("").to_string());
        *counts.entry(key).or_default() += 1.0;
    }
    for code in keymatch::Code::ALL {
        let sev = code.severity().as_str();
        let want = counts.get(&(code.as_str().to_string(), sev.to_string())).copied().unwrap_or(0.0);
        assert_eq!(
            value(&samples, "keymatch_findings", &[("code", code.as_str()), ("severity", sev)]),
            Some(want),
            "{code}"
        );
    }
}

#[test]
fn pairs_report_match_and_not_after() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).expect("mkdir");
    sibling_pair(&site, "good", RSA2048, 400, false);
    sibling_pair(&site, "bad", RSA2048, 400, true);
    let prom = tmp.path().join("keymatch.prom");
    let (code, _, stderr) = run_keymatch(
        &["scan", "--no-config", "--format", "prometheus", "-o", prom.to_str().expect("utf-8"), "site"],
        tmp.path(),
    );
    assert_eq!(code, 1, "the mismatched pair fails the scan: {stderr}");
    let (_, samples) = parse(&prom);
    let good = [("cert", "site/good.crt"), ("key", "site/good.key")];
    let bad = [("cert", "site/bad.crt"), ("key", "site/bad.key")];
    assert_eq!(value(&samples, "keymatch_pair_match", &good), Some(1.0), "{samples:?}");
    assert_eq!(value(&samples, "keymatch_pair_match", &bad), Some(0.0), "{samples:?}");
    let with = |labels: &[(&'static str, &'static str)], verdict: &'static str| {
        let mut l = labels.to_vec();
        l.push(("verdict", verdict));
        value(&samples, "keymatch_pair_verdict", &l)
    };
    assert_eq!(with(&bad, "mismatch"), Some(1.0));
    assert_eq!(with(&bad, "match"), Some(0.0));
    // notAfter: 400 days from the certificate's creation (a moment ago), as openssl states it.
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", "site/good.crt"])
        .current_dir(tmp.path())
        .output()
        .expect("openssl x509");
    let text = String::from_utf8_lossy(&out.stdout);
    let iso = text.trim().trim_start_matches("notAfter=").replace(' ', "T");
    let want = time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339)
        .expect("openssl iso date")
        .unix_timestamp() as f64;
    assert_eq!(value(&samples, "keymatch_certificate_not_after_seconds", &good), Some(want));
}
