//! Verify: per pair, decide whether the key belongs to the certificate (one
//! file per algorithm: `rsa`, `ec`, `ed25519`) and whether the private key is
//! internally consistent; then the certificate's health (`chain` order and
//! signatures, `dates`, key strength, names).

use crate::finding::Finding;
use crate::parse::{ParsedFile, PrivateKey, PublicKey};
use serde::Serialize;

/// The verdict on one pair. See DESIGN.md "What matches means".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Match,
    Mismatch,
    KeyCorrupt,
    Encrypted,
    Unsupported,
    Unreadable,
    Malformed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::KeyCorrupt => "key-corrupt",
            Verdict::Encrypted => "encrypted",
            Verdict::Unsupported => "unsupported",
            Verdict::Unreadable => "unreadable",
            Verdict::Malformed => "malformed",
        }
    }
}

/// "Now" and the warning horizon, injected so tests never read the clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Unix seconds.
    pub now: i64,
    pub warn_days: u32,
}

/// Do a certificate's public key and a key's public key match?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMatch {
    Match,
    Mismatch,
    /// One side uses an algorithm keymatch does not check (named).
    Unsupported(String),
}

/// Compare two decoded public keys (never their encodings).
pub fn public_keys_match(cert: &PublicKey, key: &PublicKey) -> KeyMatch {
    match (cert, key) {
        (PublicKey::Unsupported { algorithm }, _) | (_, PublicKey::Unsupported { algorithm }) => {
            KeyMatch::Unsupported(algorithm.clone())
        }
        (a, b) if a == b => KeyMatch::Match,
        _ => KeyMatch::Mismatch,
    }
}

/// The internal inconsistencies of a private key, each naming the component
/// that is wrong ("dP", "qInv", "p·q ≠ n", "public point ≠ d·G", …). Empty when consistent.
pub fn key_problems(key: &PrivateKey) -> Vec<String> {
    let _ = key;
    Vec::new()
}

/// The input for one pair's verification.
pub struct PairMaterial<'a> {
    /// The certificate file (first certificate = leaf), if it could be read.
    pub cert_file: Option<&'a ParsedFile>,
    /// The file holding the key, and the item index of the key when known.
    pub key_file: Option<(&'a ParsedFile, Option<usize>)>,
    /// A separate chain file named by a config.
    pub chain_file: Option<&'a ParsedFile>,
}

/// The outcome of verifying one pair.
#[derive(Debug, Clone)]
pub struct PairOutcome {
    pub verdict: Verdict,
    /// "RSA-2048", "EC-P256", … of the certificate's key (or the key's, if no cert).
    pub algorithm: String,
    /// `sha256:` fingerprint of the certificate's public key.
    pub cert_fingerprint: Option<String>,
    /// `sha256:` fingerprint of the public key derived from the private key.
    pub key_fingerprint: Option<String>,
    /// Which item of the key file was used.
    pub key_item: Option<usize>,
    /// The leaf's notAfter (Unix seconds).
    pub not_after: Option<i64>,
    pub findings: Vec<Finding>,
}

/// Decide one pair: match / mismatch (with `chain-order` when a later
/// certificate in the bundle matches) / key-corrupt / encrypted / unsupported /
/// malformed, with the findings that explain it. Missing and unreadable files
/// are the caller's (pairing's) business: both files here were read.
pub fn verify_pair(material: &PairMaterial<'_>, clock: &Clock) -> PairOutcome {
    let _ = clock;
    let leaf = material.cert_file.and_then(|f| f.certificates().next().map(|(_, _, c)| c));
    PairOutcome {
        verdict: Verdict::Unsupported,
        algorithm: leaf.map(|c| c.public_key.algorithm()).unwrap_or_default(),
        cert_fingerprint: leaf.and_then(|c| c.public_key.fingerprint()),
        key_fingerprint: None,
        key_item: None,
        not_after: leaf.map(|c| c.not_after),
        findings: Vec::new(),
    }
}

/// The certificate's health: `chain-broken`, `chain-incomplete`, `expired`,
/// `not-yet-valid`, `expires-soon`, `weak-key`, and `name-mismatch` against `names`.
pub fn cert_health(material: &PairMaterial<'_>, names: &[String], clock: &Clock) -> Vec<Finding> {
    let _ = (material, names, clock);
    Vec::new()
}

/// `key-permissions`: a private key file readable by group or others.
pub fn key_permissions(source: &crate::parse::Source, meta: &crate::discover::FileMeta) -> Option<Finding> {
    use crate::finding::{Code, Location};
    if meta.mode & 0o044 == 0 || source.path == "-" {
        return None;
    }
    let who = match (meta.mode & 0o040 != 0, meta.mode & 0o004 != 0) {
        (true, true) => "its group and all users",
        (false, true) => "all users",
        _ => "its group",
    };
    Some(
        Finding::new(
            Code::KeyPermissions,
            format!("the private key {} (mode {:04o}) is readable by {who}", source.path, meta.mode),
            vec![Location::file(&source.path).with_server_path(source.server_path.clone())],
        )
        .with_hint(format!("chmod 600 {}", source.path)),
    )
}
