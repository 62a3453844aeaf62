//! Differential test against the openssl CLI (3.0): for every
//! `fixtures/check` scenario, openssl's own answer — both public keys in
//! canonical form (`x509 -pubkey`, `pkey -pubout`, EC as uncompressed points
//! on named curves, compared as DER) and `pkey -check` — must agree with
//! keymatch's verdict:
//!
//! | openssl | keymatch |
//! |---|---|
//! | cannot read the certificate or the key | malformed, encrypted or unreadable, or `server-cannot-load` |
//! | `pkey -check` fails | key-corrupt |
//! | same public key, check ok | match |
//! | different public keys, check ok | mismatch (or `server-cannot-load`: the CLI skipped a block the servers fail on) |
//!
//! except for the scenarios in [`DIVERGENCES`], where OpenSSL does not or
//! cannot answer the same question. A divergence must still hold (keymatch
//! gives the listed verdict and openssl still disagrees), so the list cannot
//! rot. keymatch's `sha256:` fingerprints are also compared with sha256 of
//! `openssl pkey -pubout -outform DER` for RSA, named-curve EC and Ed25519 keys.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// Scenarios where keymatch and OpenSSL knowingly differ: (scenario, keymatch's verdict, why).
const DIVERGENCES: &[(&str, &str, &str)] = &[
    (
        "p256-ecparams-block",
        "match",
        "openssl pkey does not read an EC PRIVATE KEY without parameters, even after an EC PARAMETERS \
         block (openssl ecparam + SEC1 written that way); keymatch takes the curve from the preceding block",
    ),
    (
        "enc-pkcs8-camellia",
        "encrypted",
        "keymatch does not decrypt PBES2 with Camellia (nor ARIA, SM4, AES-OFB/CFB, HMAC-MD5 or \
         HMAC-SHA512-224/256 PRFs); OpenSSL 3.0 does, so the key stays encrypted-key (warning)",
    ),
    (
        "enc-pkcs8-pbkdf2-over-cap",
        "encrypted",
        "keymatch does not run PBKDF2 above 4 000 000 iterations (a hostile file must not make it spin); \
         OpenSSL has no such limit and opens the key",
    ),
    (
        "pss-params-compatible",
        "match",
        "openssl pkey -pubout keeps the RSASSA-PSS parameters, so different restrictions compare unequal; \
         s_server serves this pair and s_client handshakes with it (tests/pss_ed448_servers.rs)",
    ),
    (
        "pss-params-unrestricted-key",
        "match",
        "openssl pkey -pubout keeps the RSASSA-PSS parameters, so a key without restrictions and a restricted \
         certificate compare unequal; s_server serves this pair and s_client handshakes with it",
    ),
    (
        "pss-params-key-only-sha1",
        "mismatch",
        "equal SPKIs, but both restrict RSASSA-PSS to SHA-1, which no TLS signature scheme uses: every \
         handshake fails (tests/pss_ed448_servers.rs)",
    ),
    ("dsa", "unsupported", "keymatch does not check DSA keys; OpenSSL does"),
    ("dsa-der", "unsupported", "keymatch does not check DSA keys; OpenSSL does"),
    ("secp256k1", "unsupported", "keymatch checks P-256, P-384 and P-521 only; OpenSSL knows secp256k1"),
    ("rsa-multiprime", "unsupported", "keymatch does not check multi-prime RSA keys; OpenSSL does"),
];

/// Scenarios whose keymatch fingerprint is not sha256 of `openssl pkey -pubout -outform DER`, and why.
const FINGERPRINT_DIVERGENCES: &[(&str, &str)] = &[
    ("rsa-pss", PSS_FINGERPRINT),
    ("pss-cert-rsa-key", PSS_FINGERPRINT),
    ("rsa-cert-pss-key", PSS_FINGERPRINT),
    ("pss-params-hash", PSS_FINGERPRINT),
    ("pss-params-mgf", PSS_FINGERPRINT),
    ("pss-params-salt", PSS_FINGERPRINT),
    ("pss-params-key-only-sha1", PSS_FINGERPRINT),
    ("pss-params-compatible", PSS_FINGERPRINT),
    ("pss-params-unrestricted-key", PSS_FINGERPRINT),
    ("pss-params-same", PSS_FINGERPRINT),
];

const PSS_FINGERPRINT: &str = "keymatch fingerprints every RSA key as rsaEncryption (so a PSS certificate and an \
     rsaEncryption key of the same n, e have one fingerprint, and verify compares the identifiers); openssl keeps \
     the id-RSASSA-PSS SPKI algorithm and its parameters";

/// Scenarios whose `openssl pkey -check` is skipped: it tests the primes and
/// takes ~40 s of CPU for RSA-16384. The public-key comparison still runs;
/// the key comes straight from `openssl genpkey` (see fixtures/gen_check.sh).
const NO_OPENSSL_CHECK: &[&str] = &["rsa16384"];

/// What openssl says about a scenario.
#[derive(Debug, Clone, PartialEq)]
enum Openssl {
    /// It could not read the certificate or the key (why).
    Unreadable(String),
    /// `pkey -check` failed (why).
    Corrupt(String),
    /// Same canonical public key.
    Same,
    Different,
}

impl Openssl {
    /// Does keymatch's verdict agree with this? `cannot_load`: keymatch reports
    /// `server-cannot-load` (the pair is decided, but the servers' OpenSSL will
    /// not read a file of it): then openssl failing to read it agrees, and so
    /// does openssl reading another pair (it skips a block the servers fail on
    /// and reads the next one). tests/openssl_reader.rs runs nginx on those.
    fn agrees(&self, verdict: &str, cannot_load: bool) -> bool {
        match self {
            Openssl::Unreadable(_) => cannot_load || matches!(verdict, "malformed" | "encrypted" | "unreadable"),
            Openssl::Corrupt(_) => verdict == "key-corrupt",
            Openssl::Same => verdict == "match",
            Openssl::Different => verdict == "mismatch" || cannot_load,
        }
    }
}

const EC_CANONICAL: &[&str] = &["-ec_conv_form", "uncompressed", "-ec_param_enc", "named_curve"];

/// `openssl pkey ARGS -outform DER`, in canonical EC form when it is an EC key
/// (openssl refuses the EC options for other keys, so try them, then without).
fn spki_der(args: &[&str], dir: &Path, stdin: &[u8]) -> Result<Vec<u8>, String> {
    let mut ec: Vec<&str> = args.to_vec();
    ec.extend(["-outform", "DER"]);
    let plain = ec.clone();
    ec.extend(EC_CANONICAL);
    openssl(&ec, dir, stdin).or_else(|_| openssl(&plain, dir, stdin))
}

/// openssl's view, and the `sha256:` of the canonical SPKI DER of each side it could read.
#[derive(Debug, Clone)]
struct Answer {
    view: Openssl,
    cert_fp: Option<String>,
    key_fp: Option<String>,
}

fn ask_openssl(dir: &Path, s: &Scenario) -> Answer {
    let (cert, key) = s.cert_and_key();
    let pass = match &s.passphrase_file {
        Some(pf) => format!("file:{pf}"),
        None => "pass:".to_string(),
    };
    let cert_der = openssl(&["x509", "-in", &cert, "-inform", inform(&cert), "-pubkey", "-noout"], dir, b"")
        .map_err(|e| format!("x509: {e}"))
        .and_then(|pem| spki_der(&["pkey", "-pubin"], dir, &pem).map_err(|e| format!("pkey -pubin: {e}")));
    let key_der = spki_der(&["pkey", "-in", &key, "-inform", inform(&key), "-passin", &pass, "-pubout"], dir, b"")
        .map_err(|e| format!("pkey: {e}"));
    let fp = |d: &Result<Vec<u8>, String>| d.as_ref().ok().map(|d| format!("sha256:{}", sha256_hex(d)));
    let (cert_fp, key_fp) = (fp(&cert_der), fp(&key_der));
    let view = match (cert_der, key_der) {
        (Err(e), _) | (_, Err(e)) => Openssl::Unreadable(e),
        (Ok(c), Ok(k)) => {
            let check = ["pkey", "-in", &key, "-inform", inform(&key), "-passin", &pass, "-check", "-noout"];
            let checked =
                if NO_OPENSSL_CHECK.contains(&s.name.as_str()) { Ok(Vec::new()) } else { openssl(&check, dir, b"") };
            match checked {
                Err(e) => Openssl::Corrupt(e),
                Ok(_) if c == k => Openssl::Same,
                Ok(_) => Openssl::Different,
            }
        }
    };
    Answer { view, cert_fp, key_fp }
}

/// openssl's answer for every scenario, computed once per test binary (on two threads).
fn openssl_answers() -> &'static BTreeMap<String, Answer> {
    static ANSWERS: OnceLock<BTreeMap<String, Answer>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        let staged = stage_check();
        let all = scenarios();
        let (a, b) = all.split_at(all.len() / 2);
        let ask = |part: &[Scenario]| -> Vec<(String, Answer)> {
            part.iter().map(|s| (s.name.clone(), ask_openssl(&staged.scenario_dir(s), s))).collect()
        };
        std::thread::scope(|scope| {
            let first = scope.spawn(|| ask(a));
            let mut out = ask(b);
            out.extend(first.join().unwrap());
            out.into_iter().collect()
        })
    })
}

#[test]
fn keymatch_agrees_with_openssl_on_every_scenario() {
    let staged = stage_check();
    let all = scenarios();
    let mut failures = Vec::new();
    let mut compared_fingerprints = 0;
    for s in &all {
        let answer = &openssl_answers()[&s.name];
        let theirs = &answer.view;
        let doc = match run_check(&staged, s, "json").json() {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("  {}: {e}", s.name));
                continue;
            }
        };
        let (verdict, codes) = verdict_and_codes(&doc);
        let verdict = verdict.unwrap_or_else(|| "<no pair>".into());
        let cannot_load = codes.iter().any(|c| c == "server-cannot-load");
        match DIVERGENCES.iter().find(|(name, _, _)| *name == s.name) {
            Some((_, listed, why)) => {
                if verdict != *listed {
                    failures.push(format!("  {}: keymatch says {verdict}, the divergence list says {listed}", s.name));
                }
                if theirs.agrees(listed, cannot_load) {
                    failures.push(format!(
                        "  {}: openssl ({theirs:?}) now agrees with {listed}: remove it from DIVERGENCES ({why})",
                        s.name
                    ));
                }
            }
            None if !theirs.agrees(&verdict, cannot_load) => {
                failures.push(format!("  {}: keymatch says {verdict}, openssl says {theirs:?}", s.name))
            }
            None => {}
        }
        // Fingerprints: sha256 of openssl's canonical SPKI DER, for every side
        // openssl read, outside the divergences (unsupported algorithms have none).
        // Nor where the servers' OpenSSL will not read a file: the CLI may read another block.
        let diverges = DIVERGENCES.iter().any(|(n, _, _)| *n == s.name)
            || FINGERPRINT_DIVERGENCES.iter().any(|(n, _)| *n == s.name)
            || cannot_load;
        if !diverges {
            let mut sides = vec![("fingerprint", &answer.cert_fp)];
            // A corrupt key's stored public half (what openssl prints) may differ from the derived one.
            if matches!(theirs, Openssl::Same | Openssl::Different) {
                sides.push(("key_fingerprint", &answer.key_fp));
            }
            for (field, want) in sides {
                let Some(want) = want else { continue };
                compared_fingerprints += 1;
                let got = doc.pointer(&format!("/pairs/0/{field}")).and_then(|v| v.as_str());
                if got != Some(want.as_str()) {
                    failures.push(format!("  {}: {field} {got:?}, openssl gives {want}", s.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements with openssl over {} scenarios ({} fingerprints compared):\n{}",
        failures.len(),
        all.len(),
        compared_fingerprints,
        failures.join("\n")
    );
}

/// The divergence lists name real scenarios and give reasons.
#[test]
fn divergences_are_documented() {
    let names: Vec<String> = scenarios().into_iter().map(|s| s.name).collect();
    for (name, verdict, why) in DIVERGENCES {
        assert!(names.iter().any(|n| n == name), "DIVERGENCES names an unknown scenario {name}");
        assert!(!verdict.is_empty() && why.len() > 20, "{name}: give the verdict and a reason");
    }
    for (name, why) in FINGERPRINT_DIVERGENCES {
        assert!(names.iter().any(|n| n == name), "FINGERPRINT_DIVERGENCES names an unknown scenario {name}");
        assert!(why.len() > 20, "{name}: give a reason");
    }
}

/// openssl itself sees the fixtures as their expect files say wherever the
/// two can be compared: this keeps the generator honest independently of keymatch.
#[test]
fn openssl_confirms_the_fixtures() {
    let mut failures = Vec::new();
    for s in scenarios() {
        if DIVERGENCES.iter().any(|(n, _, _)| *n == s.name) {
            continue;
        }
        let theirs = &openssl_answers()[&s.name].view;
        if !theirs.agrees(&s.verdict, s.findings.iter().any(|c| c == "server-cannot-load")) {
            failures.push(format!("  {}: expect says {}, openssl says {theirs:?}", s.name, s.verdict));
        }
    }
    assert!(failures.is_empty(), "fixtures that openssl disagrees with:\n{}", failures.join("\n"));
}
