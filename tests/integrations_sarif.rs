//! `--format sarif` is valid SARIF 2.1.0: real keymatch output (the binary run over trees of
//! openssl-made material) and a report with findings of every shape, validated against the
//! official OASIS schema in `tests/sarif-schema-2.1.0.json` with the `jsonschema` crate.

mod common;

use common::{run_keymatch, sibling_pair, P256};
use keymatch::finding::{Code, Finding, Location};
use keymatch::report::{sarif, RenderOptions, Report};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json"))
        .expect("read the vendored schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

fn tree() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site dir");
    std::fs::create_dir_all(site.join("ssl")).expect("mkdir");
    sibling_pair(&site.join("ssl"), "good", P256, 3650, false);
    sibling_pair(&site.join("ssl"), "bad", P256, 3650, true);
    std::fs::write(
        site.join("ssl/broken.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    (tmp, site)
}

#[test]
fn real_scan_output_validates_against_the_official_schema() {
    let validator = schema();
    let (tmp, _site) = tree();
    let (code, stdout, stderr) = run_keymatch(&["scan", "--no-config", "--format", "sarif", "site dir"], tmp.path());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("SARIF output is JSON");
    assert_valid(&validator, &doc);
    assert_eq!(doc["version"], "2.1.0");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    // Every result refers to a rule by id and index, and points into the scanned root.
    for r in doc["runs"][0]["results"].as_array().expect("results") {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        for loc in r["locations"].as_array().expect("locations") {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(uri.starts_with("ssl/"), "{uri} is not relative to the scanned root");
        }
    }
}

#[test]
fn scan_output_reports_the_mismatch_with_a_stable_fingerprint() {
    let validator = schema();
    let (tmp, _site) = tree();
    let run = || run_keymatch(&["scan", "--no-config", "--format", "sarif", "site dir"], tmp.path());
    let (code, first, stderr) = run();
    assert_eq!(code, 1, "a mismatched pair must fail the scan: {stderr}");
    let (_, second, _) = run();
    assert_eq!(first, second, "SARIF output is deterministic");
    let doc: Value = serde_json::from_str(&first).expect("JSON");
    assert_valid(&validator, &doc);
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let mismatch = results.iter().find(|r| r["ruleId"] == "key-mismatch").expect("a key-mismatch result");
    assert_eq!(mismatch["level"], "error");
    let uris: Vec<&str> = mismatch["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .filter_map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.iter().any(|u| u.starts_with("ssl/bad.")), "{uris:?}");
    assert!(!mismatch["partialFingerprints"][sarif::FINGERPRINT_KEY].as_str().unwrap_or("").is_empty());
}

#[test]
fn every_finding_shape_validates() {
    let validator = schema();
    let mut report = Report {
        findings: Code::ALL
            .iter()
            .enumerate()
            .map(|(i, &code)| {
                let locations = match i % 4 {
                    0 => vec![Location::file("etc/nginx/sites-enabled/shop.conf").with_line(12)],
                    1 => vec![Location::file("ssl/bundle with space.pem").with_block(2)],
                    2 => vec![
                        Location::file("/etc/ssl/private/x.key").with_server_path(Some("/srv/x.key".into())),
                        Location::file("ümlaut/a#b.pem"),
                    ],
                    _ => Vec::new(),
                };
                let f = Finding::new(code, format!("{} \"quoted\" <tag> & more", code.summary()), locations);
                if i % 2 == 0 {
                    f.with_hint("do the thing")
                } else {
                    f
                }
            })
            .collect(),
        ..Report::default()
    };
    report.finish();
    let opts = RenderOptions { base: Some(PathBuf::from("etc")), ..RenderOptions::default() };
    let doc = sarif::document(&report, &opts);
    assert_valid(&validator, &doc);
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(Code::ALL.len()));
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let validator = schema();
    let mut doc = sarif::document(&Report::default(), &RenderOptions::default());
    assert_valid(&validator, &doc);
    doc["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&doc), "a level outside the enum must be rejected");
    let mut doc = sarif::document(&Report::default(), &RenderOptions::default());
    doc["version"] = Value::from("2.0.0");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn scan_of_all_fixtures_validates() {
    let validator = schema();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) =
        run_keymatch(&["scan", "--no-config", "--at", "2030-01-01T00:00:00Z", "--format", "sarif", "fixtures"], root);
    assert_eq!(code, 1, "the fixtures hold broken pairs on purpose: {stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_valid(&validator, &doc);
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let rules: std::collections::BTreeSet<&str> = results.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    for code in ["key-mismatch", "key-corrupt", "malformed"] {
        assert!(rules.contains(code), "no {code} result among {rules:?}");
    }
    // Fingerprints tell every result apart.
    let fps: std::collections::BTreeSet<&str> =
        results.iter().filter_map(|r| r["partialFingerprints"][sarif::FINGERPRINT_KEY].as_str()).collect();
    assert_eq!(fps.len(), results.len(), "duplicate fingerprints");
}
