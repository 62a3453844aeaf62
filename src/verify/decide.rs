//! The key decision for one pair, step by step: the certificate side (the
//! leaf), the key side (which item, and whether it is a usable private key),
//! algorithms keymatch does not check, the private key's own consistency, and
//! then match, or mismatch with the finding that explains it (`chain-order`
//! when a later certificate of the bundle is the key's).

use super::{
    bundle, encrypted_key_finding, file_location, fingerprint_or_unknown, first_cert_malformed, has_finding,
    item_location, key_item, later_match, public_keys_match, unsupported_finding, where_in, Block, KeyHealth, KeyMatch,
    PairMaterial, PairOutcome, PrimeTest, Verdict,
};
use crate::finding::{Code, Finding, Location, Severity};
use crate::parse::{ItemKind, KeyMaterial, ParsedFile, PrivateKey, PublicKey};
use std::sync::Arc;

/// The private key of a pair and where it is.
struct KeyAt<'a> {
    key: &'a Arc<PrivateKey>,
    /// Its location (file and PEM block).
    loc: Location,
    /// "in FILE (PEM block N, line L)", for messages.
    at: String,
}

/// match / mismatch / key-corrupt / encrypted / unsupported / malformed, with
/// the findings that explain it (see [`super::verify_pair`]).
pub(super) fn decide_pair(
    material: &PairMaterial<'_>,
    prime_test: PrimeTest,
    memo: &super::memo::KeyHealthMemo,
) -> PairOutcome {
    let mut out = PairOutcome {
        verdict: Verdict::Malformed,
        algorithm: String::new(),
        cert_fingerprint: None,
        key_fingerprint: None,
        key_item: None,
        not_after: None,
        findings: Vec::new(),
        loaded_by: Vec::new(),
    };
    let leaf = leaf_side(material, &mut out);
    let Some(key) = key_side(material, leaf.is_some(), &mut out) else {
        return out;
    };
    out.key_fingerprint = key.key.public.as_ref().and_then(|p| p.fingerprint());
    let Some(leaf) = leaf else {
        out.algorithm = key.key.material.algorithm();
        return out;
    };
    if let Some(finding) = unsupported(&leaf, &key) {
        out.verdict = Verdict::Unsupported;
        out.findings.push(finding);
        return out;
    }
    let health = memo.health(key.key, prime_test);
    let Some(key_public) = &key.key.public else {
        out.verdict = Verdict::KeyCorrupt;
        out.findings.push(corrupt(&health, &key, ""));
        return out;
    };
    let key_match = public_keys_match(&leaf.cert.public_key, key_public);
    if key_match == KeyMatch::Match {
        if health.problems.is_empty() {
            out.verdict = Verdict::Match;
        } else {
            out.verdict = Verdict::KeyCorrupt;
            out.findings.push(corrupt(&health, &key, &format!(" although its public key matches {}", leaf.describe())));
        }
        return out;
    }
    out.verdict = Verdict::Mismatch;
    out.findings.push(mismatch(&bundle(material), &leaf, key_public, &key_match, &key));
    if !health.problems.is_empty() {
        out.findings.push(corrupt(&health, &key, ""));
    }
    out
}

/// The certificate side: the leaf (its algorithm, fingerprint and notAfter go
/// into `out`), or a `malformed` finding for a certificate file that holds none.
fn leaf_side<'a>(material: &PairMaterial<'a>, out: &mut PairOutcome) -> Option<Block<'a>> {
    let leaf =
        material.cert_file.filter(|f| !first_cert_malformed(f)).and_then(|f| Block::all_of(f).into_iter().next());
    if let Some(leaf) = &leaf {
        out.algorithm = leaf.cert.public_key.algorithm();
        out.cert_fingerprint = leaf.cert.public_key.fingerprint();
        out.not_after = Some(leaf.cert.not_after);
    } else if let Some(file) = material.cert_file {
        if !has_finding(file, Code::Malformed) {
            out.findings.push(
                Finding::new(
                    Code::Malformed,
                    format!("{} holds no certificate", file.source.path),
                    vec![file_location(file)],
                )
                .with_hint(
                    "point the configuration at the certificate file (PEM `-----BEGIN CERTIFICATE-----` or DER)",
                ),
            );
        }
    }
    leaf
}

/// The key side: the pair's private key (its item goes into `out`), or `None`
/// with the finding that says why there is none to compare: no key in the
/// file, a public key only, an encrypted key (`Encrypted` when there is a
/// leaf), a key that does not decode.
fn key_side<'a>(material: &PairMaterial<'a>, has_leaf: bool, out: &mut PairOutcome) -> Option<KeyAt<'a>> {
    let (key_file, given) = material.key_file?;
    let Some((index, item)) = key_item(key_file, given) else {
        no_private_key(key_file, out);
        return None;
    };
    out.key_item = Some(index);
    let loc = item_location(key_file, item);
    let at = where_in(key_file, item);
    match &item.kind {
        ItemKind::PrivateKey(key) => Some(KeyAt { key, loc, at }),
        ItemKind::EncryptedKey(enc) => {
            if has_leaf {
                out.verdict = Verdict::Encrypted;
            }
            out.findings.push(encrypted_key_finding(enc, &at, loc));
            None
        }
        _ => {
            if !has_finding(key_file, Code::Malformed) {
                out.findings.push(
                    Finding::new(Code::Malformed, format!("the private key {at} does not decode"), vec![loc])
                        .with_hint("copy the key again from its source and check it with `openssl pkey -noout`"),
                );
            }
            None
        }
    }
}

/// `malformed` for a key file with no private key in it (unless parse said so already).
fn no_private_key(key_file: &ParsedFile, out: &mut PairOutcome) {
    if has_finding(key_file, Code::Malformed) {
        return;
    }
    let public = key_file.items.iter().any(|it| matches!(it.kind, ItemKind::PublicKey(_)));
    let (message, hint) = if public {
        (
            format!("{} holds a public key, not a private key", key_file.source.path),
            "configure the private key file (`-----BEGIN PRIVATE KEY-----` or similar); a public key cannot serve TLS",
        )
    } else {
        (
            format!("{} holds no private key", key_file.source.path),
            "configure the file that holds the private key for this certificate",
        )
    };
    out.findings.push(Finding::new(Code::Malformed, message, vec![file_location(key_file)]).with_hint(hint));
}

/// An algorithm keymatch does not check, on either side: `unsupported`, never a mismatch.
fn unsupported(leaf: &Block<'_>, key: &KeyAt<'_>) -> Option<Finding> {
    let (algorithm, loc, side) = match (&leaf.cert.public_key, &key.key.material, &key.key.public) {
        (PublicKey::Unsupported { algorithm }, _, _) => (algorithm, leaf.location(), "certificate"),
        (_, KeyMaterial::Unsupported { algorithm }, _) | (_, _, Some(PublicKey::Unsupported { algorithm })) => {
            (algorithm, key.loc.clone(), "private key")
        }
        _ => return None,
    };
    Some(unsupported_finding(leaf, algorithm, side, &key.at, loc))
}

/// `key-corrupt` for a private key whose numbers disagree (`what` is added to
/// the message): a warning when OpenSSL works around the damage, an error when
/// handshakes fail.
fn corrupt(health: &KeyHealth, key: &KeyAt<'_>, what: &str) -> Finding {
    let problems = &health.problems;
    let key_where = &key.at;
    let listed = if problems.is_empty() { "its public key cannot be derived".to_string() } else { problems.join(", ") };
    // A damaged key OpenSSL works around is a warning: handshakes work.
    if !problems.is_empty() && health.openssl_works {
        return Finding::new(
            Code::KeyCorrupt,
            format!("the private key {key_where} is damaged ({listed}){what}; {}", health.impact),
            vec![key.loc.clone()],
        )
        .with_severity(Severity::Warning)
        .with_hint("restore the key from a good copy, or generate a new key and certificate; `openssl pkey -in KEY -check -noout` shows the damage");
    }
    let impact =
        if health.impact.is_empty() { "servers use the stored values, so handshakes fail" } else { health.impact };
    Finding::new(
        Code::KeyCorrupt,
        format!("the private key {key_where} is internally inconsistent ({listed}){what}; {impact}"),
        vec![key.loc.clone()],
    )
    .with_hint("restore the key from a good copy, or generate a new key and certificate; `openssl pkey -in KEY -check -noout` shows the damage")
}

/// The finding for a key that is not the leaf's: `chain-order` when a later
/// certificate of the bundle is the key's, else `key-mismatch` (same RSA
/// numbers under incompatible algorithm identifiers, or another key).
fn mismatch(
    blocks: &[Block<'_>],
    leaf: &Block<'_>,
    key_public: &PublicKey,
    key_match: &KeyMatch,
    key: &KeyAt<'_>,
) -> Finding {
    let key_where = &key.at;
    if let Some(right) = later_match(blocks, key_public) {
        return Finding::new(
            Code::ChainOrder,
            format!(
                "the key {key_where} matches {}, not the first certificate {}: the server presents the first one as its own",
                right.describe(),
                leaf.describe()
            ),
            vec![leaf.location(), right.location(), key.loc.clone()],
        )
        .with_hint("put the leaf certificate (the one the key belongs to) first, then its intermediates in order");
    }
    if let KeyMatch::Incompatible(why) = key_match {
        return Finding::new(
            Code::KeyMismatch,
            format!(
                "the private key {key_where} has the RSA modulus and exponent of the certificate {}, but {why}",
                leaf.describe()
            ),
            vec![leaf.location(), key.loc.clone()],
        )
        .with_hint("store the key under the certificate's algorithm identifier and parameters (or issue a certificate for the key as it is); `openssl x509 -in CERT -noout -text` and `openssl pkey -in KEY -noout -text` show both");
    }
    let cert_pk = &leaf.cert.public_key;
    let detail = match (cert_pk, key_public) {
        (PublicKey::Rsa { n: n1, e: e1, .. }, PublicKey::Rsa { n: n2, e: e2, .. }) if n1 == n2 && e1 != e2 => {
            " (same modulus, different public exponent)"
        }
        _ => "",
    };
    Finding::new(
        Code::KeyMismatch,
        format!(
            "the private key {key_where} does not belong to the certificate {}{detail}: the certificate's key is {} {}, the private key's is {} {}",
            leaf.describe(),
            cert_pk.algorithm(),
            fingerprint_or_unknown(cert_pk),
            key_public.algorithm(),
            fingerprint_or_unknown(key_public),
        ),
        vec![leaf.location(), key.loc.clone()],
    )
    .with_hint("configure the key that belongs to this certificate, or issue a certificate for this key")
}
