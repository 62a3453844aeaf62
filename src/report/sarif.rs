//! `--format sarif`: SARIF 2.1.0 (OASIS, <https://docs.oasis-open.org/sarif/sarif/v2.1.0/>) as
//! GitHub code scanning reads it.
//!
//! - One `reportingDescriptor` (rule) per finding code, in [`Code::ALL`] order: `id` is the code,
//!   `shortDescription` its summary, `fullDescription` and `help` its explanation (§3.49), and
//!   `defaultConfiguration.level` its default severity (§3.50).
//! - One `result` per finding (§3.27) with `ruleId`/`ruleIndex`, `level`, the message (plus the
//!   hint), and one `physicalLocation` per location: the path relative to the scanned root
//!   (`uriBaseId` `%SRCROOT%`) and a `region.startLine`. GitHub requires a start line, so a
//!   location without a known line points at line 1 and says so in `properties.lineKnown`; the
//!   PEM block index and the server-side path go in `properties` too.
//! - `partialFingerprints["keymatch/v1"]` (§3.27.17): a hash of the code and the locations'
//!   paths and PEM blocks, not of line numbers or message text, so it survives edits elsewhere in
//!   a config and rewording of messages; `:N` numbers findings that hash alike.
//!
//! The output is deterministic (no timestamps), like JSON.

use super::{Emitter, RenderOptions, Report};
use crate::finding::{Code, Finding, Location, Severity};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The `$schema` written into every log (the OASIS 2.1.0 schema, as vendored in `tests/`).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key; bump the version if the hashed fields ever change.
pub const FINGERPRINT_KEY: &str = "keymatch/v1";

pub struct Sarif;

/// SARIF `level` for a severity (§3.27.10): the names are the same.
pub fn level(sev: Severity) -> &'static str {
    sev.as_str()
}

fn text(s: &str) -> Value {
    json!({ "text": s })
}

/// One rule per finding code.
fn rules() -> Vec<Value> {
    Code::ALL
        .iter()
        .map(|&code| {
            json!({
                "id": code.as_str(),
                "name": rule_name(code),
                "shortDescription": text(code.summary()),
                "fullDescription": text(code.explanation()),
                "help": text(&format!(
                    "{}\n\nIn a terminal: keymatch explain {}",
                    code.explanation(),
                    code.as_str()
                )),
                "defaultConfiguration": { "level": level(code.severity()) },
                "properties": { "tags": ["security", "tls"], "precision": "very-high" },
            })
        })
        .collect()
}

/// `key-mismatch` → `KeyMismatch` (§3.49.7: a rule's `name` is an identifier-like string).
fn rule_name(code: Code) -> String {
    code.as_str()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A path as the scan printed it → a path relative to `base` (the scanned root) when it lies
/// under it, with `.` and `..` resolved lexically; other paths are kept (absolute ones too).
pub fn relative_to(path: &str, base: Option<&Path>) -> String {
    let p = crate::paths::normalize(Path::new(path));
    let rel = match base.map(crate::paths::normalize) {
        Some(b) if b != Path::new(".") => match p.strip_prefix(&b) {
            Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from(p.file_name().unwrap_or_default()),
            Ok(rest) => rest.to_path_buf(),
            Err(_) => p,
        },
        _ => p,
    };
    let mut out = String::new();
    for c in rel.components() {
        match c {
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// Percent-encode a path for a URI reference (RFC 3986 §2): unreserved characters, `/` and a
/// few safe sub-delimiters stay; every other byte becomes `%XX`. Absolute paths become `file://`.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A probed endpoint's location, `tls://127.0.0.1:443 (example.com)`, as an absolute URI
/// `tls://127.0.0.1:443#example.com` (the SNI name as the fragment).
fn endpoint_uri(path: &str) -> Option<String> {
    let (scheme, rest) = path.split_once("://")?;
    if !(scheme == "tls" || scheme.ends_with("+starttls")) {
        return None;
    }
    let (hostport, sni) = match rest.split_once(" (") {
        Some((h, s)) => (h, s.strip_suffix(')')),
        None => (rest, None),
    };
    let enc = |t: &str| path_to_uri(t).replace('/', "%2F");
    Some(match sni {
        Some(s) => format!(
            "{scheme}://{}#{}",
            enc(hostport).replace("%3A", ":").replace("%5B", "[").replace("%5D", "]"),
            enc(s)
        ),
        None => format!("{scheme}://{}", enc(hostport).replace("%3A", ":").replace("%5B", "[").replace("%5D", "]")),
    })
}

fn physical_location(loc: &Location, base: Option<&Path>) -> Value {
    let mut artifact = Map::new();
    match endpoint_uri(&loc.path) {
        Some(uri) => {
            artifact.insert("uri".into(), Value::String(uri));
        }
        None => {
            let rel = relative_to(&loc.path, base);
            artifact.insert("uri".into(), Value::String(path_to_uri(&rel)));
            if !rel.starts_with('/') {
                artifact.insert("uriBaseId".into(), Value::String("%SRCROOT%".into()));
            }
        }
    }
    let mut props = Map::new();
    props.insert("lineKnown".into(), Value::Bool(loc.line.is_some()));
    if let Some(block) = loc.block {
        props.insert("pemBlock".into(), json!(block));
    }
    if let Some(sp) = &loc.server_path {
        props.insert("serverPath".into(), Value::String(sp.clone()));
    }
    json!({
        "physicalLocation": {
            "artifactLocation": Value::Object(artifact),
            "region": { "startLine": loc.line.filter(|&l| l > 0).unwrap_or(1) },
        },
        "properties": Value::Object(props),
    })
}

/// Stable across runs: the code, and each location's relative path and PEM block.
pub fn fingerprint(f: &Finding, base: Option<&Path>) -> String {
    let mut h = Sha256::new();
    h.update(f.code.as_str().as_bytes());
    for loc in &f.locations {
        h.update(b"\0");
        h.update(relative_to(&loc.path, base).as_bytes());
        h.update(b"\0");
        if let Some(block) = loc.block {
            h.update(block.to_string().as_bytes());
        }
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn result(f: &Finding, base: Option<&Path>, fingerprint: String) -> Value {
    let index = Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0);
    let message = match &f.hint {
        Some(h) => format!("{} Fix: {}", f.message, h),
        None => format!("{} See: keymatch explain {}", f.message, f.code),
    };
    let locations: Vec<Value> = f.locations.iter().map(|l| physical_location(l, base)).collect();
    let mut fp = Map::new();
    fp.insert(FINGERPRINT_KEY.into(), Value::String(fingerprint));
    json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": index,
        "level": level(f.severity),
        "message": text(&message),
        "locations": locations,
        "partialFingerprints": Value::Object(fp),
    })
}

/// The whole SARIF log as a JSON value.
pub fn document(report: &Report, opts: &RenderOptions) -> Value {
    let base = opts.base.as_deref();
    // Two findings of one code in one file (a config naming two unresolvable paths) hash alike:
    // like GitHub's own fingerprints, a `:N` occurrence number (in the report's sorted order)
    // keeps them apart.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let hash = fingerprint(f, base);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            result(f, base, format!("{hash}:{n}"))
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "keymatch",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "summary": &report.summary },
        }],
    })
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        super::write_pretty_json(out, &document(report, opts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut r = Report {
            findings: vec![
                Finding::new(
                    Code::KeyMismatch,
                    "the key does not belong to the certificate",
                    vec![Location::file("./site/nginx.conf").with_line(12), Location::file("site/a b.key")],
                )
                .with_hint("configure site/right.key"),
                Finding::new(Code::OrphanKey, "stray key", vec![Location::file("site/old.pem").with_block(2)]),
            ],
            ..Report::default()
        };
        r.finish();
        r
    }

    #[test]
    fn one_rule_per_code_with_texts_and_levels() {
        let doc = document(&report(), &RenderOptions::default());
        let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
        assert_eq!(rules.len(), Code::ALL.len());
        for (rule, code) in rules.iter().zip(Code::ALL) {
            assert_eq!(rule["id"], code.as_str());
            assert_eq!(rule["shortDescription"]["text"], code.summary());
            assert_eq!(rule["fullDescription"]["text"], code.explanation());
            assert_eq!(rule["defaultConfiguration"]["level"], code.severity().as_str());
        }
        assert_eq!(rules[0]["name"], "KeyMismatch");
    }

    #[test]
    fn results_have_relative_locations_lines_and_fingerprints() {
        let opts = RenderOptions { base: Some(PathBuf::from("site")), ..RenderOptions::default() };
        let doc = document(&report(), &opts);
        let results = doc["runs"][0]["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), 2);
        let mismatch = &results[0];
        assert_eq!(mismatch["ruleId"], "key-mismatch");
        assert_eq!(mismatch["ruleIndex"], 0);
        assert_eq!(mismatch["level"], "error");
        let loc0 = &mismatch["locations"][0]["physicalLocation"];
        assert_eq!(loc0["artifactLocation"]["uri"], "nginx.conf");
        assert_eq!(loc0["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc0["region"]["startLine"], 12);
        assert_eq!(mismatch["locations"][1]["physicalLocation"]["artifactLocation"]["uri"], "a%20b.key");
        assert_eq!(mismatch["locations"][1]["properties"]["lineKnown"], false);
        assert!(mismatch["message"]["text"].as_str().unwrap_or("").contains("configure site/right.key"));
        let orphan = &results[1];
        assert_eq!(orphan["ruleIndex"], Code::ALL.iter().position(|&c| c == Code::OrphanKey).unwrap_or(99));
        assert_eq!(orphan["locations"][0]["properties"]["pemBlock"], 2);
        let fp = orphan["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap_or("");
        assert!(fp.len() == 34 && fp.ends_with(":1"), "{fp}");
    }

    #[test]
    fn fingerprints_ignore_lines_and_messages_but_not_paths() {
        let a = Finding::new(Code::KeyMismatch, "one", vec![Location::file("x/n.conf").with_line(3)]);
        let b = Finding::new(Code::KeyMismatch, "two", vec![Location::file("./x/n.conf").with_line(9)]);
        let c = Finding::new(Code::KeyMismatch, "one", vec![Location::file("x/m.conf").with_line(3)]);
        let d = Finding::new(Code::ChainOrder, "one", vec![Location::file("x/n.conf").with_line(3)]);
        assert_eq!(fingerprint(&a, None), fingerprint(&b, None));
        assert_ne!(fingerprint(&a, None), fingerprint(&c, None));
        assert_ne!(fingerprint(&a, None), fingerprint(&d, None));
        // Relative to the scanned root: the same file scanned from elsewhere keeps its fingerprint.
        assert_eq!(fingerprint(&a, Some(Path::new("x"))), {
            let e = Finding::new(Code::KeyMismatch, "one", vec![Location::file("n.conf")]);
            fingerprint(&e, None)
        });
    }

    #[test]
    fn findings_that_hash_alike_get_occurrence_numbers() {
        let mut report = Report {
            findings: vec![
                Finding::new(Code::Unsupported, "cert path", vec![Location::file("n.conf").with_line(3)]),
                Finding::new(Code::Unsupported, "key path", vec![Location::file("n.conf").with_line(4)]),
            ],
            ..Report::default()
        };
        report.finish();
        let doc = document(&report, &RenderOptions::default());
        let fps: Vec<String> = (0..2)
            .map(|i| doc["runs"][0]["results"][i]["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap_or("").into())
            .collect();
        assert_ne!(fps[0], fps[1]);
        assert_eq!(fps[0].split(':').next(), fps[1].split(':').next());
        assert!(fps[0].ends_with(":1") && fps[1].ends_with(":2"), "{fps:?}");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(relative_to("./a/../b/c.pem", None), "b/c.pem");
        assert_eq!(relative_to("/etc/ssl/x.pem", Some(Path::new("/etc"))), "ssl/x.pem");
        assert_eq!(relative_to("other/x.pem", Some(Path::new("site"))), "other/x.pem");
        assert_eq!(path_to_uri("/etc/ssl/x y#1.pem"), "file:///etc/ssl/x%20y%231.pem");
        assert_eq!(path_to_uri("dir/ü.pem"), "dir/%C3%BC.pem");
    }
}
