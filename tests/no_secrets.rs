//! No output of keymatch — any format, `check` over every fixture scenario and
//! `scan` over all of `fixtures/` — contains private key material: neither any
//! 40-character window of a private key's base64 body, nor any private number
//! (RSA d, p, q, dP, dQ, qInv and further primes; EC and Ed25519 `priv`) in
//! decimal, lower hex, upper hex or openssl's colon-separated hex. The numbers
//! come from `openssl pkey -text -noout` at test time (falling back to
//! `openssl asn1parse` for keys OpenSSL 3.0 cannot read: PKCS#8 v2, SEC1
//! without parameters).

mod common;

use common::*;
use num_bigint::BigUint;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const WINDOW: usize = 40;

/// What must never appear in an output.
#[derive(Default)]
struct Secrets {
    /// Every 40-character window of every private key's base64 body.
    windows: HashSet<String>,
    /// Private numbers in every written form, with a label for the message.
    numbers: Vec<(String, String)>,
}

impl Secrets {
    /// The first secret `output` contains, described.
    fn leak(&self, output: &str) -> Option<String> {
        let bytes = output.as_bytes();
        if bytes.len() >= WINDOW {
            for i in 0..=bytes.len() - WINDOW {
                if let Some(w) = std::str::from_utf8(&bytes[i..i + WINDOW]).ok().filter(|w| self.windows.contains(*w)) {
                    return Some(format!("a private key's base64 ({w}…)"));
                }
            }
        }
        self.numbers.iter().find(|(form, _)| output.contains(form.as_str())).map(|(_, what)| what.clone())
    }
}

/// Every file under `dir`, recursively (symlinks not followed).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            files(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

/// PEM blocks whose label ends in PRIVATE KEY: (whole block text, base64 body).
fn private_key_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r').trim_start_matches('\u{feff}');
        if line.starts_with("-----BEGIN ") && line.ends_with("PRIVATE KEY-----") {
            current = Some((format!("{line}\n"), String::new()));
        } else if let Some((block, body)) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END ") {
                out.extend(current.take());
            } else if !line.contains(':') {
                body.push_str(line.trim());
            }
        }
    }
    out
}

/// Secret fields of `openssl pkey -text -noout`: (field, number).
fn numbers_from_text(text: &str) -> Vec<(String, BigUint)> {
    let secret = |f: &str| {
        f == "priv"
            || f.starts_with("privateExponent")
            || f.starts_with("prime")
            || f.starts_with("exponent")
            || f.starts_with("coefficient")
    };
    let mut out = Vec::new();
    let mut field: Option<(String, String)> = None;
    let mut flush = |field: &mut Option<(String, String)>| {
        if let Some((name, hex)) = field.take() {
            if let Some(n) = BigUint::parse_bytes(hex.as_bytes(), 16) {
                out.push((name, n));
            }
        }
    };
    for line in text.lines() {
        if line.starts_with(' ') {
            if let Some((_, hex)) = field.as_mut() {
                hex.extend(line.chars().filter(|c| c.is_ascii_hexdigit()));
            }
        } else {
            flush(&mut field);
            if let Some(name) = line.strip_suffix(':').map(str::trim) {
                if secret(name) {
                    field = Some((name.to_string(), String::new()));
                }
            }
        }
    }
    flush(&mut field);
    out
}

/// For keys openssl cannot load: the OCTET STRINGs of the structure (SEC1 d;
/// PKCS#8 v2 Ed25519 seed, inside its inner OCTET STRING), and the private
/// INTEGERs (d, p, q, dP, dQ, qInv) of a PKCS#1 RSAPrivateKey under a label
/// that does not fit it.
fn numbers_from_asn1parse(text: &str) -> Vec<(String, BigUint)> {
    let mut out: Vec<(String, BigUint)> = text
        .lines()
        .filter_map(|l| l.split_once("OCTET STRING      [HEX DUMP]:").map(|(_, h)| h.trim()))
        .map(|h| if h.len() == 68 && h.starts_with("0420") { &h[4..] } else { h })
        .filter_map(|h| BigUint::parse_bytes(h.as_bytes(), 16).map(|n| ("private octets".to_string(), n)))
        .collect();
    let top_integers: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(":d=1 "))
        .filter_map(|l| l.split_once("prim: INTEGER           :").map(|(_, h)| h.trim()))
        .collect();
    if top_integers.len() == 9 && text.lines().filter(|l| l.contains(":d=1 ")).count() == 9 {
        out.extend(
            top_integers[3..]
                .iter()
                .filter_map(|h| BigUint::parse_bytes(h.as_bytes(), 16).map(|n| ("private integer".to_string(), n))),
        );
    }
    out
}

fn forms(n: &BigUint) -> Vec<String> {
    let lower = n.to_str_radix(16);
    let bytes = n.to_bytes_be();
    let colon = bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
    vec![n.to_str_radix(10), lower.clone(), lower.to_uppercase(), colon]
}

/// [`collect_secrets`], once per test binary.
fn secrets() -> &'static (Secrets, Vec<(String, usize)>) {
    static SECRETS: OnceLock<(Secrets, Vec<(String, usize)>)> = OnceLock::new();
    SECRETS.get_or_init(collect_secrets)
}

/// Every private key under fixtures/ (PEM blocks and DER key files), opened
/// with the fixtures' passphrase. Returns the secrets and, per key, how many
/// numbers were found (to assert that the fixtures we own gave some).
fn collect_secrets() -> (Secrets, Vec<(String, usize)>) {
    use base64::Engine;
    let root = fixtures();
    let pass = format!("file:{}", root.join("check/passphrase.txt").display());
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let mut secrets = Secrets::default();
    let mut per_key = Vec::new();
    let mut add = |secrets: &mut Secrets, name: String, body_b64: &str, input: &[u8], der: bool, pass: &str| {
        let chars: Vec<char> = body_b64.chars().collect();
        for w in chars.windows(WINDOW) {
            secrets.windows.insert(w.iter().collect());
        }
        let mut args = vec!["pkey", "-passin", pass, "-text", "-noout"];
        if der {
            args.extend(["-inform", "DER"]);
        }
        // Keys encrypted with RC2, RC4, DES-CBC, … open only with the legacy provider.
        let legacy = [&["pkey", "-provider", "legacy", "-provider", "default"][..], &args[1..]].concat();
        let nums = match openssl(&args, &root, input).or_else(|_| openssl(&legacy, &root, input)) {
            Ok(text) => numbers_from_text(&String::from_utf8_lossy(&text)),
            Err(_) => {
                let mut args = vec!["asn1parse"];
                if der {
                    args.extend(["-inform", "DER"]);
                }
                openssl(&args, &root, input)
                    .map(|t| numbers_from_asn1parse(&String::from_utf8_lossy(&t)))
                    .unwrap_or_default()
            }
        };
        per_key.push((name.clone(), nums.len()));
        for (field, n) in nums {
            for f in forms(&n) {
                secrets.numbers.push((f, format!("{field} of {name}")));
            }
        }
    };
    for path in all {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        // A scenario with its own passphrase.txt (gen_check_pbe.sh) uses it.
        let own = path.with_file_name("passphrase.txt");
        let pass = if own.is_file() { format!("file:{}", own.display()) } else { pass.clone() };
        for (i, (block, body)) in private_key_blocks(&text).into_iter().enumerate() {
            add(&mut secrets, format!("{rel} (key block {i})"), &body, block.as_bytes(), false, &pass);
        }
        let is_der_key = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("key"))
            && path.extension().is_some_and(|e| e == "der");
        if is_der_key {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            add(&mut secrets, rel, &b64, &bytes, true, &pass);
        }
    }
    (secrets, per_key)
}

#[test]
fn every_fixture_key_yields_its_private_numbers() {
    let (secrets, per_key) = secrets();
    let ours: Vec<&(String, usize)> =
        per_key.iter().filter(|(name, _)| name.starts_with("check/") || name.starts_with("ca/")).collect();
    assert!(ours.len() >= 60, "only {} private keys found under fixtures/check and fixtures/ca", ours.len());
    let empty: Vec<&String> = ours.iter().filter(|(_, n)| *n == 0).map(|(name, _)| name).collect();
    assert!(empty.is_empty(), "no private numbers could be read from: {empty:?}");
    assert!(secrets.windows.len() > 10_000, "only {} base64 windows", secrets.windows.len());
}

#[test]
fn the_detector_finds_planted_secrets() {
    let (secrets, _) = secrets();
    let (form, what) = secrets.numbers.first().cloned().expect("some private number");
    assert_eq!(secrets.leak(&format!("pair ok\n{form}\n")), Some(what));
    let window = secrets.windows.iter().next().cloned().expect("some window");
    assert!(secrets.leak(&format!("\"message\": \"x{window}y\"")).is_some());
    assert_eq!(secrets.leak("match RSA-2048 sha256:00ff"), None);
}

#[test]
fn no_output_contains_private_key_material() {
    let (secrets, _) = secrets();
    let staged = stage_check();
    let mut leaks = Vec::new();
    let mut runs = 0;
    for format in FORMATS {
        for s in scenarios() {
            let run = run_check(&staged, &s, format);
            runs += 1;
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                if let Some(what) = secrets.leak(text) {
                    leaks.push(format!("  check {} --format {format} ({stream}): {what}", s.name));
                }
            }
        }
        for pass in [None, Some("fixtures/check/passphrase.txt")] {
            let mut cmd = keymatch(&repo());
            cmd.args(["scan", "fixtures", "--at", AT, "--format", format]);
            if let Some(p) = pass {
                cmd.args(["--passphrase-file", p]);
            }
            let run: Run = cmd.output().unwrap().into();
            runs += 1;
            assert!(matches!(run.code, Some(0..=2)), "scan --format {format}: {run:?}");
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                if let Some(what) = secrets.leak(text) {
                    leaks.push(format!("  scan fixtures --format {format} {pass:?} ({stream}): {what}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{} of {runs} outputs leak private key material:\n{}", leaks.len(), leaks.join("\n"));
}
