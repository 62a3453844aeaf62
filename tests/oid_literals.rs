//! No dotted OID string literals in `src/` (issue #14 item 4, "Done when").
//!
//! Object identifiers are typed: `const_oid::db` constants, or an
//! `ObjectIdentifier::new_unwrap` constant in `src/parse/oid.rs`, the one
//! place where an OID the database lacks is spelled out. Everywhere else a
//! string literal shaped like an OID (`"1.2.840.113549.1.1.1"`: a first arc
//! of 0, 1 or 2 and at least three arcs) fails this test, in production and
//! in test code alike; comment lines do not count.

mod common;

use common::rust_files;
use std::path::Path;

/// The one file that spells OIDs, and only inside `ObjectIdentifier::new_unwrap(…)` (there
/// written `Oid::new_unwrap(…)`).
const OID_FILE: &str = "parse/oid.rs";

/// Literals of OID shape that are not OIDs, or must stay for now: (file, literal, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    ("servers/claim.rs", "0.0.0.0", "IPV4_ANY, the IPv4 wildcard address of listen directives, not an OID"),
    ("report/sarif.rs", "2.1.0", "the SARIF format version, not an OID"),
    (
        "verify/rsa.rs",
        "1.2.3",
        "a made-up unknown hash OID in a unit test; the file belongs to the scale-rsa helper this session",
    ),
];

/// Does `s` start like a dotted OID: a first arc of 0, 1 or 2 and at least three arcs? A prefix
/// (`"1.2.840.113549.1.5."`) or a format string (`"1.2.840.113549.1.12.1.{n}"`) counts too.
fn oid_shaped(s: &str) -> bool {
    let head = s.split(|c: char| !(c.is_ascii_digit() || c == '.')).next().unwrap_or("");
    let arcs: Vec<&str> = head.split('.').filter(|a| !a.is_empty()).collect();
    s.starts_with(|c: char| c.is_ascii_digit())
        && !head.contains("..")
        && arcs.len() >= 3
        && matches!(arcs[0], "0" | "1" | "2")
}

/// The OID-shaped string literals of `text`: (line number, literal, the line).
fn oid_literals(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (i, part) in line.split('"').enumerate() {
            // Odd parts are between quotes.
            if i % 2 == 1 && oid_shaped(part) {
                out.push((n + 1, part.to_string(), line.to_string()));
            }
        }
    }
    out
}

#[test]
fn no_dotted_oid_string_literals_in_src() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ not found");
    let mut found = Vec::new();
    let mut spelled_in_oid_file = 0;
    let mut allowed_seen = vec![false; ALLOWED.len()];
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        for (line, literal, code) in oid_literals(&text) {
            if rel == OID_FILE && code.contains(&format!("::new_unwrap(\"{literal}\")")) {
                spelled_in_oid_file += 1;
                continue;
            }
            if let Some(i) = ALLOWED.iter().position(|(f, l, _)| *f == rel && *l == literal) {
                allowed_seen[i] = true;
                continue;
            }
            found.push(format!("src/{rel}:{line}: \"{literal}\""));
        }
    }
    // The list stays short: an entry whose literal is gone goes too.
    let stale: Vec<String> = ALLOWED
        .iter()
        .zip(&allowed_seen)
        .filter(|(_, seen)| !**seen)
        .map(|((f, l, _), _)| format!("{f}: {l}"))
        .collect();
    assert!(stale.is_empty(), "ALLOWED entries no longer needed: {stale:?}");
    assert!(spelled_in_oid_file > 0, "src/{OID_FILE} defines no OID (was it moved?)");
    assert!(
        found.is_empty(),
        "dotted OID string literals (use const_oid::db or src/{OID_FILE}):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_oid_literal() {
    let code = "    match oid {\n        \"1.2.840.113549.1.1.1\" => rsa(),\n    // \"1.3.101.112\" in a comment\n    let ip = \"127.0.0.1\";\n    let v = \"3.0\";\n";
    let found = oid_literals(code);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1.as_str()), (2, "1.2.840.113549.1.1.1"));
    assert!(oid_shaped("0.9.2342.19200300.100.1.25"));
    assert!(oid_shaped("1.2.840.113549.1.5.") && oid_shaped("1.2.840.113549.1.12.1.{n}"));
    assert!(!oid_shaped("10.0.0.5") && !oid_shaped("1.2") && !oid_shaped("1..2.3") && !oid_shaped("v1.2.3"));
}
