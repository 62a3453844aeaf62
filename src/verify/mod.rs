//! Verify: per pair, decide whether the key belongs to the certificate (one
//! file per algorithm: `rsa`, `ec`, `ed25519`, `ed448`) and whether the private key is
//! internally consistent; then the certificate's health (`chain` order and
//! signatures, `dates`, key strength, names).

pub mod chain;
pub(crate) mod dates;
mod decide;
pub mod ec;
pub mod ec_tables;
pub(crate) mod ed25519;
pub(crate) mod ed448;
pub(crate) mod load;
pub(crate) mod memo;
pub(crate) mod names;
pub(crate) mod readers;
pub mod rsa;
pub(crate) mod rsa_keys;

#[cfg(test)]
mod fixture_tests;

pub use ec_tables::EcTables;

use crate::finding::{Code, Finding, Location};
use crate::pair::ItemId;
use crate::parse::{CertInfo, EncryptedKey, Item, ItemKind, KeyMaterial, Locked, ParsedFile, PrivateKey, PublicKey};
use serde::Serialize;

/// The verdict on one pair. See docs/DESIGN.md "What matches means".
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
    pub(crate) fn as_str(self) -> &'static str {
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

/// Whether an RSA key's factors p and q are tested for primality: one strong
/// probable-prime round each (the default), or not at all (`scan --no-prime-test`).
/// Without the test a key whose p or q is composite but whose other relations
/// hold is judged consistent, although OpenSSL computes wrong results with it
/// (the `rsa` module doc says why only a primality test finds it, and what it costs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrimeTest {
    OneRound,
    Skipped,
}

/// Do a certificate's public key and a key's public key match?
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyMatch {
    Match,
    Mismatch,
    /// Same RSA numbers under algorithm identifiers OpenSSL will not use
    /// together (why: see [`rsa::scheme_conflict`]).
    Incompatible(String),
    /// One side uses an algorithm keymatch does not check (named).
    Unsupported(String),
}

/// Compare two decoded public keys (never their encodings); for RSA, the
/// algorithm identifiers too, as OpenSSL does.
pub(crate) fn public_keys_match(cert: &PublicKey, key: &PublicKey) -> KeyMatch {
    match (cert, key) {
        (PublicKey::Unsupported { algorithm }, _) | (_, PublicKey::Unsupported { algorithm }) => {
            KeyMatch::Unsupported(algorithm.clone())
        }
        (PublicKey::Rsa { n: n1, e: e1, scheme: s1 }, PublicKey::Rsa { n: n2, e: e2, scheme: s2 })
            if n1 == n2 && e1 == e2 =>
        {
            rsa::scheme_conflict(s1, s2).map_or(KeyMatch::Match, KeyMatch::Incompatible)
        }
        (a, b) if a == b => KeyMatch::Match,
        _ => KeyMatch::Mismatch,
    }
}

/// The internal inconsistencies of a private key, each naming the component
/// that is wrong ("dP", "qInv", "p·q ≠ n", "public point ≠ d·G", …). Empty when consistent.
pub fn key_problems(key: &PrivateKey) -> Vec<String> {
    key_health(key, PrimeTest::OneRound).problems
}

/// A private key's inconsistencies, and what they do to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHealth {
    /// The inconsistent components (see [`key_problems`]).
    pub problems: Vec<String>,
    /// OpenSSL still computes right results with the key (it works around the
    /// damage: RSA only, see [`rsa::Consistency`]): `key-corrupt` is then a warning.
    pub openssl_works: bool,
    /// What the server does with it, one clause for a finding's message.
    pub impact: &'static str,
}

const USES_STORED: &str = "servers use the stored values, so handshakes fail";

/// Check a private key's internal consistency (see [`KeyHealth`]), including a
/// PKCS#8 v2 publicKey that is not the key's own; RSA factors are tested for
/// primality as `prime_test` says.
pub fn key_health(key: &PrivateKey, prime_test: PrimeTest) -> KeyHealth {
    let mut health = material_health(key, prime_test);
    let attached = match key.attached_public.as_deref() {
        Some(Err(reason)) => Some(format!("the PKCS#8 v2 publicKey does not decode ({reason})")),
        Some(Ok(attached)) if key.public.as_ref() != Some(attached) => {
            Some("the PKCS#8 v2 publicKey ≠ the key's public key".to_string())
        }
        _ => None,
    };
    if let Some(problem) = attached {
        health.problems.push(problem);
        health.openssl_works = false;
        if health.impact.is_empty() {
            health.impact = USES_STORED;
        }
    }
    health
}

fn material_health(key: &PrivateKey, prime_test: PrimeTest) -> KeyHealth {
    let others = |problems: Vec<String>| {
        let openssl_works = problems.is_empty();
        KeyHealth { problems, openssl_works, impact: if openssl_works { "" } else { USES_STORED } }
    };
    match &key.material {
        KeyMaterial::Rsa(k) => {
            let c = rsa::check_with(k, prime_test);
            KeyHealth { openssl_works: c.openssl_works(), impact: c.impact(), problems: c.problems }
        }
        KeyMaterial::Ec(k) => {
            // d·G as parse derived it, when it did (see `PrivateKey::public`).
            let derived = match &key.public {
                Some(PublicKey::Ec { curve, point }) if *curve == k.curve => Some(point.as_slice()),
                _ => None,
            };
            others(ec::key_problems(k, derived))
        }
        KeyMaterial::Ed25519(k) => others(ed25519::key_problems(k)),
        KeyMaterial::Ed448(k) => others(ed448::key_problems(k)),
        KeyMaterial::Unsupported { .. } => others(Vec::new()),
    }
}

/// The result of checking one signature in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigCheck {
    Valid,
    Invalid,
    /// An algorithm (or key) keymatch does not check: never `chain-broken`.
    Unchecked(String),
}

/// The input for one pair's verification.
pub struct PairMaterial<'a> {
    /// The certificate file (first certificate = leaf), if it could be read.
    pub cert_file: Option<&'a ParsedFile>,
    /// The file holding the key, and the item index of the key when known.
    pub key_file: Option<(&'a ParsedFile, Option<ItemId>)>,
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
    pub key_item: Option<ItemId>,
    /// The leaf's notAfter (Unix seconds).
    pub not_after: Option<i64>,
    pub findings: Vec<Finding>,
    /// Each `server-cannot-load` finding (index into `findings`) with the
    /// servers that load its item all the same ([`readers::for_origin`]).
    pub loaded_by: Vec<(usize, &'static [&'static str])>,
}

/// One certificate of a bundle, with the file and item it came from.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    pub file: &'a ParsedFile,
    pub item: &'a Item,
    pub cert: &'a CertInfo,
}

impl<'a> Block<'a> {
    /// Every certificate of a file, in file order.
    pub(crate) fn all_of(file: &'a ParsedFile) -> Vec<Block<'a>> {
        file.certificates().map(|(_, item, cert)| Block { file, item, cert }).collect()
    }

    /// The path, PEM block and line of this certificate.
    pub(crate) fn location(&self) -> Location {
        item_location(self.file, self.item)
    }

    /// "cert.pem PEM block 1 (line 31, CN=example.com)".
    pub(crate) fn describe(&self) -> String {
        match self.item.line {
            Some(line) => {
                format!("{} PEM block {} (line {line}, {})", self.file.source.path, self.item.block, self.cert.subject)
            }
            None => format!("{} ({})", self.file.source.path, self.cert.subject),
        }
    }
}

/// The certificates of the pair in chain order: the certificate file's, then
/// the chain file's. A chain block whose BEGIN line is indented is left out:
/// OpenSSL does not see it, so the server does not send it (`load`).
fn bundle<'a>(material: &PairMaterial<'a>) -> Vec<Block<'a>> {
    let mut blocks = material.cert_file.map(Block::all_of).unwrap_or_default();
    if let Some(chain) = material.chain_file {
        blocks.extend(Block::all_of(chain));
    }
    let mut index = 0;
    blocks.retain(|b| {
        index += 1;
        index == 1 || b.item.unloadable.as_deref() != Some(&crate::parse::Unloadable::IndentedBegin)
    });
    blocks
}

/// The first certificate-like item of the file, when it did not decode: the
/// server fails on it, so the next certificate is not the leaf.
fn first_cert_malformed(file: &ParsedFile) -> bool {
    file.items.iter().find(|it| it.kind.is_cert_like()).is_some_and(|it| matches!(it.kind, ItemKind::Malformed { .. }))
}

/// An item is located by path, PEM block and the line of its `-----BEGIN` (none for DER).
pub(crate) fn item_location(file: &ParsedFile, item: &Item) -> Location {
    let mut loc =
        Location::file(&file.source.path).with_server_path(file.source.server_path.clone()).with_block(item.block);
    loc.line = item.line;
    loc
}

/// "cert.pem PEM block 1" (or just the path for a DER file).
pub(crate) fn where_in(file: &ParsedFile, item: &Item) -> String {
    match item.line {
        Some(line) => format!("{} PEM block {} (line {line})", file.source.path, item.block),
        None => file.source.path.clone(),
    }
}

fn file_location(file: &ParsedFile) -> Location {
    Location::file(&file.source.path).with_server_path(file.source.server_path.clone())
}

fn has_finding(file: &ParsedFile, code: Code) -> bool {
    file.findings.iter().any(|f| f.code == code)
}

fn fingerprint_or_unknown(key: &PublicKey) -> String {
    key.fingerprint().unwrap_or_else(|| "(no fingerprint)".into())
}

/// The item of the key file that is the pair's key: the given one, else the
/// first private, encrypted or malformed key.
fn key_item(file: &ParsedFile, given: Option<ItemId>) -> Option<(ItemId, &Item)> {
    if let Some(i) = given {
        if let Some(item) = file.items.get(i.0).filter(|it| it.kind.is_key_like()) {
            return Some((i, item));
        }
    }
    file.items.iter().enumerate().find(|(_, it)| it.kind.is_key_like()).map(|(i, it)| (ItemId(i), it))
}

/// The first certificate after the leaf whose public key is `key`'s (`chain-order`).
/// When the first certificate does not match the pair's private key but a later one does
/// (the `chain-order` case), the index of that later certificate.
fn served_leaf_index(material: &PairMaterial<'_>, blocks: &[Block<'_>]) -> Option<usize> {
    let (key_file, given) = material.key_file?;
    let (_, item) = key_item(key_file, given)?;
    let ItemKind::PrivateKey(key) = &item.kind else {
        return None;
    };
    let public = key.public.as_ref()?;
    if public_keys_match(&blocks.first()?.cert.public_key, public) == KeyMatch::Match {
        return None;
    }
    blocks.iter().position(|b| public_keys_match(&b.cert.public_key, public) == KeyMatch::Match)
}

fn later_match<'b, 'a>(blocks: &'b [Block<'a>], key: &PublicKey) -> Option<&'b Block<'a>> {
    blocks.iter().skip(1).find(|b| public_keys_match(&b.cert.public_key, key) == KeyMatch::Match)
}

/// The finding for a key that stayed encrypted: why it did, in the words of
/// what the user must do next.
fn encrypted_key_finding(enc: &EncryptedKey, key_where: &str, key_loc: Location) -> Finding {
    let scheme = &enc.scheme;
    let unchecked = |why: String, hint: &'static str| {
        Finding::new(
            Code::EncryptedKey,
            format!("the private key {key_where} is encrypted ({scheme}) and {why}, so the pair is unchecked"),
            vec![key_loc.clone()],
        )
        .with_hint(hint)
    };
    const REENCRYPT: &str = "re-encrypt it with a scheme OpenSSL 3.0 reads by default: `openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.new`";
    match &enc.locked {
        Locked::ServerCannotLoad(why) => Finding::new(
            Code::ServerCannotLoad,
            format!(
                "the private key {key_where} is encrypted with {scheme}, which the servers' OpenSSL 3.0 cannot decrypt ({why}): nginx and Apache refuse to start with it (\"cannot load certificate key\", \"Failed to configure encrypted (?) private key\"); keymatch did not decrypt it"
            ),
            vec![key_loc],
        )
        .with_hint("re-encrypt it with AES and PBKDF2: `openssl pkcs8 -topk8 -provider legacy -provider default -in KEY -v2 aes-256-cbc -out KEY.new`"),
        Locked::UnsupportedScheme => unchecked("keymatch cannot decrypt this scheme".into(), REENCRYPT),
        Locked::WorkFactorOverCap(work) => unchecked(
            format!("its key derivation is too costly for keymatch to try ({work})"),
            "re-encrypt it with a lower work factor: `openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 600000 -in KEY -out KEY.new`",
        ),
        Locked::NoPassphrase => unchecked(
            "no passphrase was given".into(),
            "give the passphrase with --passphrase-file FILE or KEYMATCH_PASSPHRASE",
        ),
        Locked::WrongPassphrase => unchecked(
            "none of the given passphrases opens it".into(),
            "give the right passphrase with --passphrase-file FILE (one per line) or KEYMATCH_PASSPHRASE; `openssl pkey -in KEY -noout` asks for it and fails on a wrong one",
        ),
    }
}

/// `unsupported` for a pair keymatch does not check: a note, except for a DSA
/// certificate, which OpenSSL 3.0 servers load but cannot serve (seen with
/// nginx, HAProxy and Apache in tests/server_oracle.rs: they start, and every
/// TLS 1.2 and 1.3 handshake fails with a handshake_failure alert), so an error.
fn unsupported_finding(leaf: &Block<'_>, algorithm: &str, side: &str, key_where: &str, loc: Location) -> Finding {
    let unchecked = format!(
        "the {side} uses {algorithm}, which keymatch does not check: the pair {} / {key_where} is unchecked",
        leaf.describe()
    );
    if matches!(&leaf.cert.public_key, PublicKey::Unsupported { algorithm } if algorithm == "DSA") {
        return Finding::new(
            Code::Unsupported,
            format!(
                "{unchecked}; OpenSSL 3.0 servers (nginx, HAProxy, Apache) load a DSA certificate but offer no cipher suite for it, so every TLS 1.2 and 1.3 handshake fails"
            ),
            vec![loc],
        )
        .with_severity(crate::finding::Severity::Error)
        .with_hint("issue an RSA or EC (P-256) certificate for this server");
    }
    Finding::new(Code::Unsupported, unchecked, vec![loc])
        .with_hint("compare by hand: `openssl x509 -in CERT -noout -pubkey` and `openssl pkey -in KEY -pubout`")
}

/// Decide one pair: match / mismatch (with `chain-order` when a later
/// certificate in the bundle matches) / key-corrupt / encrypted / unsupported /
/// malformed, with the findings that explain it; then `server-cannot-load`
/// for each of its items the servers' TLS library will not read (the verdict
/// stays the mathematics' own). Missing and unreadable files are the
/// caller's (pairing's) business: both files here were read. RSA factors are
/// tested for primality as `prime_test` says. The decision does not depend on
/// the time (the dates are [`cert_health`]'s).
pub fn verify_pair(material: &PairMaterial<'_>, prime_test: PrimeTest) -> PairOutcome {
    verify_pair_with(material, prime_test, &memo::KeyHealthMemo::default())
}

/// [`verify_pair`], taking the private key's health from `health` when its key is shared (a
/// scan's [`memo::KeyHealthMemo`]).
pub(crate) fn verify_pair_with(
    material: &PairMaterial<'_>,
    prime_test: PrimeTest,
    health: &memo::KeyHealthMemo,
) -> PairOutcome {
    let mut out = decide::decide_pair(material, prime_test, health);
    for l in load_findings(material, out.key_item) {
        out.loaded_by.push((out.findings.len(), l.loaded_by));
        out.findings.push(l.finding);
    }
    out
}

/// `server-cannot-load` for the leaf, the chain certificates and the key.
fn load_findings(material: &PairMaterial<'_>, key_index: Option<ItemId>) -> Vec<readers::Loadable> {
    let mut findings = Vec::new();
    let mut certs = material.cert_file.map(Block::all_of).unwrap_or_default();
    if material.cert_file.is_some_and(first_cert_malformed) {
        certs.clear();
    }
    if let Some(chain) = material.chain_file {
        certs.extend(Block::all_of(chain));
    }
    let visible = |b: &&Block<'_>| b.item.unloadable.as_deref() != Some(&crate::parse::Unloadable::IndentedBegin);
    if let Some((leaf, rest)) = certs.split_first() {
        let next = rest.iter().find(visible).map(|b| b.describe());
        findings.extend(readers::finding(leaf.file, leaf.item, readers::Role::Leaf, next.as_deref()));
        for b in rest {
            findings.extend(readers::finding(b.file, b.item, readers::Role::Chain, None));
        }
    }
    if let (Some((file, _)), Some(i)) = (material.key_file, key_index) {
        if let Some(item) = file.items.get(i.0) {
            findings.extend(readers::finding(file, item, readers::Role::Key, None));
        }
    }
    findings
}

/// The certificate's health: `chain-broken`, `chain-incomplete`, `expired`,
/// `not-yet-valid`, `expires-soon`, `weak-key`, and `name-mismatch` against `names`.
pub(crate) fn cert_health(
    material: &PairMaterial<'_>,
    names: &[String],
    clock: &Clock,
    tables: &EcTables,
) -> Vec<Finding> {
    let mut blocks = bundle(material);
    // An out-of-order bundle is reported once, as `chain-order` (by `verify_pair`);
    // its health is judged in the order that finding asks for (the key's
    // certificate first), so the links and dates reported are those of the
    // bundle the admin will have after the fix, not consequences of the order.
    if let Some(i) = served_leaf_index(material, &blocks) {
        let right = blocks.remove(i);
        blocks.insert(0, right);
    }
    let Some(leaf) = blocks.first().copied() else {
        return Vec::new();
    };
    let mut findings = chain::broken(&blocks, tables);
    findings.extend(chain::incomplete(&blocks));
    findings.extend(dates::check(&blocks, clock));
    if let PublicKey::Rsa { n, .. } = &leaf.cert.public_key {
        let bits = crate::parse::bit_len(n);
        if bits < 2048 {
            findings.push(
                Finding::new(
                    Code::WeakKey,
                    format!(
                        "the certificate {} has a {bits}-bit RSA key; clients refuse keys under 2048 bits",
                        leaf.describe()
                    ),
                    vec![leaf.location()],
                )
                .with_hint("generate a new key of at least 2048 bits (or EC P-256) and reissue the certificate"),
            );
        }
    }
    findings.extend(names::check(&leaf, names));
    findings
}

#[cfg(test)]
pub(crate) mod tests {
    //! Helpers build model values from the committed material in
    //! `src/verify/testdata/` (made by its `gen.sh`), decoded here with
    //! x509-cert and pkcs1 so that these tests do not depend on `parse`.
    use super::*;
    use crate::finding::Severity;
    use crate::parse::oid;
    use crate::parse::{Claimed, KeyFormat, RsaPrivate, RsaScheme, Source};
    use der::{Decode, DecodePem, Encode};
    use num_bigint::BigUint;

    const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/verify/testdata/");

    /// A synthetic certificate (dates, names and key only matter to the caller).
    pub(crate) fn cert_info(cn: &str) -> CertInfo {
        CertInfo {
            public_key: PublicKey::Ed25519([1; 32]),
            subject: format!("CN={cn}"),
            issuer: format!("CN={cn}"),
            subject_der: cn.as_bytes().to_vec(),
            issuer_der: cn.as_bytes().to_vec(),
            not_before: 0,
            not_after: i64::MAX / 2,
            is_ca: false,
            dns_names: Vec::new(),
            serial: "01".into(),
            tbs_der: Vec::new(),
            signature_algorithm: oid::ID_ED_25519.to_string(),
            signature_params_der: None,
            signature: Vec::new(),
            cert_sha256: cn.into(),
            unloadable: None,
        }
    }

    pub(crate) fn file_of(path: &str, kinds: Vec<ItemKind>) -> ParsedFile {
        let items = kinds
            .into_iter()
            .enumerate()
            .map(|(block, kind)| Item::new(block, Some(1 + 30 * block as u32), kind))
            .collect();
        ParsedFile { source: Source::new(path), items, findings: Vec::new() }
    }

    pub(crate) fn block_file(path: &str, certs: Vec<CertInfo>) -> ParsedFile {
        file_of(path, certs.into_iter().map(|c| ItemKind::Certificate(std::sync::Arc::new(c))).collect())
    }

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!("{TESTDATA}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// A certificate from testdata as the parse stage would model it.
    pub(crate) fn load_cert(name: &str) -> CertInfo {
        use sha2::Digest;
        let cert = x509_cert::Certificate::from_pem(read(name)).unwrap();
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        let key_bits = spki.subject_public_key.raw_bytes();
        let public_key = match spki.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS => {
                let k = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(key_bits).unwrap();
                PublicKey::Rsa {
                    n: k.modulus.as_bytes().to_vec(),
                    e: k.public_exponent.as_bytes().to_vec(),
                    scheme: RsaScheme::Encryption,
                }
            }
            oid::ID_EC_PUBLIC_KEY => {
                let curve_oid = spki.algorithm.parameters.as_ref().unwrap().decode_as::<der::asn1::ObjectIdentifier>();
                let curve = match curve_oid.unwrap() {
                    oid::SECP_256_R_1 => crate::parse::Curve::P256,
                    oid::SECP_384_R_1 => crate::parse::Curve::P384,
                    oid::SECP_521_R_1 => crate::parse::Curve::P521,
                    other => panic!("curve {other}"),
                };
                PublicKey::Ec { curve, point: key_bits.to_vec() }
            }
            oid::ID_ED_25519 => PublicKey::Ed25519(key_bits.try_into().unwrap()),
            other => PublicKey::Unsupported { algorithm: other.to_string() },
        };
        let dns_names = tbs
            .get_extension::<x509_cert::ext::pkix::SubjectAltName>()
            .unwrap()
            .map(|(_, san)| {
                san.0
                    .iter()
                    .filter_map(|g| match g {
                        x509_cert::ext::pkix::name::GeneralName::DnsName(s) => Some(s.to_string().to_lowercase()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let validity = tbs.validity();
        CertInfo {
            public_key,
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            subject_der: tbs.subject().to_der().unwrap(),
            issuer_der: tbs.issuer().to_der().unwrap(),
            not_before: validity.not_before.to_unix_duration().as_secs() as i64,
            not_after: validity.not_after.to_unix_duration().as_secs() as i64,
            is_ca: false,
            dns_names,
            serial: "00".into(),
            tbs_der: tbs.to_der().unwrap(),
            signature_algorithm: cert.signature_algorithm().oid.to_string(),
            signature_params_der: cert.signature_algorithm().parameters.as_ref().map(|p| p.to_der().unwrap()),
            signature: cert.signature().raw_bytes().to_vec(),
            cert_sha256: base16ct::lower::encode_string(&sha2::Sha256::digest(cert.to_der().unwrap())),
            unloadable: None,
        }
    }

    /// The leaf's RSA private key numbers (PKCS#1 DER in testdata).
    pub(crate) fn leaf_rsa() -> RsaPrivate {
        let der = read("leaf.key.der");
        let k = pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(&der).unwrap();
        RsaPrivate {
            n: k.modulus.as_bytes().to_vec(),
            e: k.public_exponent.as_bytes().to_vec(),
            d: k.private_exponent.as_bytes().to_vec(),
            p: k.prime1.as_bytes().to_vec(),
            q: k.prime2.as_bytes().to_vec(),
            dp: k.exponent1.as_bytes().to_vec(),
            dq: k.exponent2.as_bytes().to_vec(),
            qinv: k.coefficient.as_bytes().to_vec(),
        }
    }

    pub(crate) fn rsa_key(k: RsaPrivate) -> PrivateKey {
        let public = PublicKey::Rsa { n: k.n.clone(), e: k.e.clone(), scheme: RsaScheme::Encryption };
        PrivateKey::new(KeyFormat::Pkcs1, KeyMaterial::Rsa(k), Some(public))
    }

    const CLOCK: Clock = Clock { now: 1_893_456_000, warn_days: 30 }; // 2030-01-01

    fn verify(cert: &ParsedFile, key: &ParsedFile) -> PairOutcome {
        verify_pair(
            &PairMaterial { cert_file: Some(cert), key_file: Some((key, None)), chain_file: None },
            PrimeTest::OneRound,
        )
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    fn leaf_file() -> ParsedFile {
        block_file("cert.pem", vec![load_cert("leaf.pem"), load_cert("inter.pem")])
    }

    #[test]
    fn rsa_pair_matches() {
        let key = file_of(
            "key.pem",
            vec![
                ItemKind::Other("EC PARAMETERS".into()),
                ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa()))),
            ],
        );
        let out = verify(&leaf_file(), &key);
        assert_eq!(out.verdict, Verdict::Match, "{:?}", out.findings);
        assert!(out.findings.is_empty());
        assert_eq!(out.algorithm, "RSA-2048");
        assert_eq!(out.key_item, Some(ItemId(1)));
        assert!(out.not_after.is_some_and(|t| t > CLOCK.now));
    }

    #[test]
    fn same_modulus_other_exponent_is_a_mismatch() {
        // A self-consistent key with the certificate's n and e = 65539.
        let mut k = leaf_rsa();
        let (p, q) = (BigUint::from_bytes_be(&k.p), BigUint::from_bytes_be(&k.q));
        let one = BigUint::from(1u32);
        let lambda = num_integer::Integer::lcm(&(&p - &one), &(&q - &one));
        let e = BigUint::from(65539u32);
        let d = e.modinv(&lambda).unwrap();
        k.e = e.to_bytes_be();
        k.d = d.to_bytes_be();
        k.dp = (&d % (&p - &one)).to_bytes_be();
        k.dq = (&d % (&q - &one)).to_bytes_be();
        assert!(rsa::key_problems(&k).is_empty());
        let out =
            verify(&leaf_file(), &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(k)))]));
        assert_eq!(out.verdict, Verdict::Mismatch);
        assert_eq!(codes(&out.findings), ["key-mismatch"]);
        assert!(out.findings[0].message.contains("same modulus, different public exponent"));
        assert!(out.findings[0].message.contains("cert.pem PEM block 0"), "{}", out.findings[0].message);
        assert_eq!(out.findings[0].locations.len(), 2);
    }

    #[test]
    fn one_wrong_path_is_a_warning_both_an_error() {
        let corrupt = |k: RsaPrivate| {
            let out =
                verify(&leaf_file(), &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(k)))]));
            assert_eq!(out.verdict, Verdict::KeyCorrupt);
            assert_eq!(codes(&out.findings), ["key-corrupt"]);
            out.findings[0].clone()
        };
        fn plus(x: &[u8], by: u32) -> Vec<u8> {
            (BigUint::from_bytes_be(x) + by).to_bytes_be()
        }
        // One path wrong: OpenSSL works around it (seen with s_server, nginx, HAProxy, Apache).
        type Damage = fn(&mut RsaPrivate);
        let damages: [(&str, Damage); 4] = [
            ("dP", |k| k.dp = plus(&k.dp, 2)),
            ("dQ", |k| k.dq = plus(&k.dq, 2)),
            ("qInv", |k| k.qinv = plus(&k.qinv, 1)),
            ("d", |k| k.d = plus(&k.d, 2)),
        ];
        for (what, damage) in damages {
            let mut k = leaf_rsa();
            damage(&mut k);
            assert_eq!(rsa::key_problems(&k), [what]);
            let f = corrupt(k);
            assert_eq!(f.severity, Severity::Warning, "{what}: {}", f.message);
            assert!(f.message.contains(&format!("damaged ({what})")), "{}", f.message);
            assert!(f.message.contains("OpenSSL servers work"), "{}", f.message);
            assert!(!f.message.contains("handshakes fail"), "{}", f.message);
        }
        // Both wrong: every handshake fails.
        let mut k = leaf_rsa();
        k.dp = plus(&k.dp, 2);
        k.d = plus(&k.d, 2);
        let f = corrupt(k);
        assert_eq!(f.severity, Severity::Error, "{}", f.message);
        assert!(
            f.message.contains("inconsistent (d, dP)") && f.message.contains("every handshake fails"),
            "{}",
            f.message
        );
    }

    #[test]
    fn rsa_16384_consistency() {
        // The fixture's RSA-16384 key (the largest supported size): Miller–Rabin on
        // two 8192-bit primes, then a damaged copy.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/check/rsa16384/key.pem");
        let file = crate::parse::parse_bytes(&std::fs::read(path).unwrap(), Source::new("key.pem"), &[]);
        let (_, _, key) = file.private_keys().next().unwrap();
        let KeyMaterial::Rsa(k) = &key.material else { panic!("not RSA") };
        let start = std::time::Instant::now();
        let c = rsa::check(k);
        eprintln!("RSA-16384 consistency: {:?}", start.elapsed());
        assert_eq!((c.problems.len(), c.crt, c.d_path), (0, rsa::CrtPath::Right, true));
        let mut bad = k.clone();
        bad.qinv = vec![1];
        let c = rsa::check(&bad);
        assert_eq!((c.problems, c.crt, c.d_path), (vec!["qInv".to_string()], rsa::CrtPath::Wrong, true));
    }

    #[test]
    fn key_of_a_later_certificate_is_chain_order() {
        let mut inter_key = leaf_rsa();
        // Give the key the intermediate's public numbers: only n and e matter for matching,
        // and a key that also fails its own checks must not hide the order problem.
        let inter = load_cert("inter.pem");
        if let PublicKey::Rsa { n, e, .. } = &inter.public_key {
            inter_key.n = n.clone();
            inter_key.e = e.clone();
        }
        let cert = block_file("cert.pem", vec![load_cert("leaf.pem"), inter]);
        let out =
            verify(&cert, &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(inter_key)))]));
        assert_eq!(out.verdict, Verdict::Mismatch);
        assert_eq!(codes(&out.findings), ["chain-order", "key-corrupt"]);
        let msg = &out.findings[0].message;
        assert!(msg.contains("PEM block 1") && msg.contains("Verify Test Intermediate"), "{msg}");

        // The real scenario: intermediate first, then the leaf, with the leaf's key.
        let swapped = block_file("cert.pem", vec![load_cert("inter.pem"), load_cert("leaf.pem")]);
        let out =
            verify(&swapped, &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]));
        assert_eq!(out.verdict, Verdict::Mismatch);
        assert_eq!(codes(&out.findings), ["chain-order"]);
        // Health is judged in the order chain-order asks for (leaf first): the misorder
        // itself is not reported again as broken links or a missing issuer ...
        let key = file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]);
        let with_key = PairMaterial { cert_file: Some(&swapped), key_file: Some((&key, None)), chain_file: None };
        assert_eq!(codes(&cert_health(&with_key, &[], &CLOCK, &EcTables::default())), Vec::<&str>::new());
        // ... but a bundle that stays broken once reordered still is: the other
        // intermediate (same name, another key) did not sign the leaf.
        let wrong = block_file("cert.pem", vec![load_cert("inter-other.pem"), load_cert("leaf.pem")]);
        let with_key = PairMaterial { cert_file: Some(&wrong), key_file: Some((&key, None)), chain_file: None };
        let health = cert_health(&with_key, &[], &CLOCK, &EcTables::default());
        assert_eq!(codes(&health), ["chain-broken"]);
        assert_eq!(health[0].locations.iter().filter_map(|l| l.block).collect::<Vec<_>>(), [1, 0]);
    }

    #[test]
    fn the_chain_file_counts_for_chain_order() {
        let cert = block_file("cert.pem", vec![load_cert("inter.pem")]);
        let chain = block_file("chain.pem", vec![load_cert("leaf.pem")]);
        let key = file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]);
        let m =
            PairMaterial { cert_file: Some(&cert), key_file: Some((&key, Some(ItemId(0)))), chain_file: Some(&chain) };
        let out = verify_pair(&m, PrimeTest::OneRound);
        assert_eq!(codes(&out.findings), ["chain-order"]);
        assert!(out.findings[0].message.contains("chain.pem"));
    }

    #[test]
    fn encrypted_key_says_why_it_stayed_locked() {
        let enc = |locked| {
            ItemKind::EncryptedKey(Box::new(EncryptedKey {
                scheme: "PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)".into(),
                locked,
            }))
        };
        let run = |locked| verify(&leaf_file(), &file_of("key.pem", vec![enc(locked)]));
        let out = run(Locked::NoPassphrase);
        assert_eq!(out.verdict, Verdict::Encrypted);
        assert_eq!(codes(&out.findings), ["encrypted-key"]);
        assert_eq!(out.findings[0].severity, crate::finding::Severity::Warning);
        assert!(out.findings[0].message.contains("no passphrase was given"));
        assert_eq!(
            out.findings[0].hint.as_deref(),
            Some("give the passphrase with --passphrase-file FILE or KEYMATCH_PASSPHRASE")
        );
        // Every other reason says what it is, and never "no passphrase was given".
        for (locked, code, says) in [
            (Locked::WrongPassphrase, "encrypted-key", "none of the given passphrases opens it"),
            (Locked::UnsupportedScheme, "encrypted-key", "keymatch cannot decrypt this scheme"),
            (
                Locked::WorkFactorOverCap("5000000 PBKDF2 iterations; keymatch's limit is 4000000".into()),
                "encrypted-key",
                "too costly for keymatch to try (5000000 PBKDF2 iterations; keymatch's limit is 4000000)",
            ),
            (
                Locked::ServerCannotLoad("RC2 is only in OpenSSL 3.0's legacy provider".into()),
                "server-cannot-load",
                "OpenSSL 3.0 cannot decrypt (RC2 is only in OpenSSL 3.0's legacy provider): nginx and Apache refuse to start",
            ),
        ] {
            let out = run(locked.clone());
            assert_eq!(out.verdict, Verdict::Encrypted, "{locked:?}");
            assert_eq!(codes(&out.findings), [code], "{locked:?}");
            let msg = &out.findings[0].message;
            assert!(msg.contains(says) && msg.contains("PKCS#8 PBES2"), "{locked:?}: {msg}");
            assert!(!msg.contains("no passphrase"), "{locked:?}: {msg}");
        }
        assert_eq!(run(Locked::ServerCannotLoad(String::new())).findings[0].severity, crate::finding::Severity::Error);
    }

    #[test]
    fn missing_or_wrong_material_is_malformed_once() {
        let key = file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]);
        let empty = file_of("cert.pem", vec![]);
        let out = verify(&empty, &key);
        assert_eq!(out.verdict, Verdict::Malformed);
        assert_eq!(codes(&out.findings), ["malformed"]);
        assert_eq!(out.findings[0].message, "cert.pem holds no certificate");

        let public = file_of("key.pem", vec![ItemKind::PublicKey(Box::new(load_cert("leaf.pem").public_key))]);
        let out = verify(&leaf_file(), &public);
        assert_eq!(out.verdict, Verdict::Malformed);
        assert_eq!(out.findings[0].message, "key.pem holds a public key, not a private key");

        let out = verify(&leaf_file(), &file_of("key.pem", vec![]));
        assert_eq!(out.findings[0].message, "key.pem holds no private key");

        // The parse already said so: no second finding.
        let mut truncated = file_of(
            "key.pem",
            vec![ItemKind::Malformed { claimed: Claimed::PrivateKey, reason: "no END line".into() }],
        );
        truncated.findings.push(Finding::new(Code::Malformed, "truncated", vec![]));
        let out = verify(&leaf_file(), &truncated);
        assert_eq!(out.verdict, Verdict::Malformed);
        assert!(out.findings.is_empty());
        let mut garbage = file_of("cert.pem", vec![]);
        garbage.findings.push(Finding::new(Code::Malformed, "garbage", vec![]));
        assert!(verify(&garbage, &key).findings.is_empty());
    }

    /// A first certificate that does not decode is not passed over: the server
    /// fails on it, so the key is not compared with the next certificate.
    #[test]
    fn a_malformed_leaf_is_not_replaced_by_the_next_certificate() {
        let mut cert = block_file("cert.pem", vec![load_cert("inter.pem")]);
        cert.items.insert(
            0,
            Item::new(0, Some(1), ItemKind::Malformed { claimed: Claimed::Certificate, reason: "BER".into() }),
        );
        cert.findings.push(Finding::new(Code::Malformed, "cert.pem block 0 does not decode", vec![]));
        let out =
            verify(&cert, &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]));
        assert_eq!(out.verdict, Verdict::Malformed);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }

    /// A PKCS#8 v2 publicKey that is another key's is corruption, never a match.
    #[test]
    fn an_attached_public_key_must_be_the_keys_own() {
        let mut key = rsa_key(leaf_rsa());
        key.attached_public = Some(Box::new(Ok(load_cert("inter.pem").public_key)));
        let out =
            verify(&leaf_file(), &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(key.clone()))]));
        assert_eq!(out.verdict, Verdict::KeyCorrupt);
        assert!(out.findings[0].message.contains("PKCS#8 v2 publicKey ≠"), "{}", out.findings[0].message);
        key.attached_public = Some(Box::new(Ok(load_cert("leaf.pem").public_key)));
        assert_eq!(
            verify(&leaf_file(), &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(key))])).verdict,
            Verdict::Match
        );
    }

    /// An indented chain block: OpenSSL skips it, so the chain is judged without
    /// it, and a warning says why; an indented leaf is an error naming the
    /// certificate the servers take instead. The verdict stays the mathematics'.
    #[test]
    fn what_openssl_skips_or_refuses_is_server_cannot_load() {
        let key = file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]);
        let root = block_file("root.pem", vec![load_cert("root.pem")]);
        let mut cert = leaf_file();
        cert.items[1].unloadable = Some(Box::new(crate::parse::Unloadable::IndentedBegin));
        let m = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: Some(&root) };
        let out = verify_pair(&m, PrimeTest::OneRound);
        assert_eq!(out.verdict, Verdict::Match);
        assert_eq!(codes(&out.findings), ["server-cannot-load"]);
        assert_eq!(out.findings[0].severity, crate::finding::Severity::Warning);
        assert_eq!(out.loaded_by, [(0, &["nginx", "HAProxy", "Apache"][..])]);
        // Without the intermediate, the leaf's issuer is missing (root.pem did not issue it) …
        assert!(codes(&cert_health(&m, &[], &CLOCK, &EcTables::default())).contains(&"chain-broken"));
        // … which it is not when OpenSSL reads the intermediate.
        cert.items[1].unloadable = None;
        let m = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: Some(&root) };
        assert!(cert_health(&m, &[], &CLOCK, &EcTables::default()).is_empty());

        cert.items[0].unloadable = Some(Box::new(crate::parse::Unloadable::IndentedBegin));
        let m = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: None };
        let out = verify_pair(&m, PrimeTest::OneRound);
        assert_eq!(out.verdict, Verdict::Match);
        assert_eq!(codes(&out.findings), ["server-cannot-load"]);
        assert_eq!(out.findings[0].severity, crate::finding::Severity::Error);
        assert!(
            out.findings[0].message.contains("they take the next certificate, cert.pem PEM block 1"),
            "{}",
            out.findings[0].message
        );
    }

    #[test]
    fn unsupported_is_never_a_mismatch() {
        let key = PrivateKey::new(
            KeyFormat::Pkcs8,
            KeyMaterial::Unsupported { algorithm: "Ed448".into() },
            Some(PublicKey::Unsupported { algorithm: "Ed448".into() }),
        );
        let out = verify(&leaf_file(), &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(key))]));
        assert_eq!(out.verdict, Verdict::Unsupported);
        assert_eq!(codes(&out.findings), ["unsupported"]);
        assert!(out.findings[0].message.contains("Ed448"));

        let mut dsa = load_cert("leaf.pem");
        dsa.public_key = PublicKey::Unsupported { algorithm: "DSA".into() };
        let out = verify(
            &block_file("cert.pem", vec![dsa]),
            &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(rsa_key(leaf_rsa())))]),
        );
        assert_eq!(out.verdict, Verdict::Unsupported);
        assert!(out.findings[0].message.contains("DSA"));
    }

    #[test]
    fn ec_scalar_out_of_range_is_key_corrupt() {
        let leaf = load_cert("ec-leaf.pem");
        let PublicKey::Ec { curve, point } = leaf.public_key.clone() else { panic!("not EC") };
        let cert = block_file("cert.pem", vec![leaf]);
        for d in [vec![0u8; 32], vec![0xff; 32]] {
            let key = PrivateKey::new(
                KeyFormat::Sec1,
                KeyMaterial::Ec(crate::parse::EcPrivate { curve, d, stored_public: Some(Ok(point.clone())) }),
                None,
            );
            let out = verify(&cert, &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(key))]));
            assert_eq!(out.verdict, Verdict::KeyCorrupt);
            assert_eq!(codes(&out.findings), ["key-corrupt"]);
            assert!(out.findings[0].message.contains("not in 1 … order−1"), "{}", out.findings[0].message);
        }
        // A consistent EC key for another point: a plain mismatch.
        let d = vec![5u8; 32];
        let other = ec::public_point(curve, &d).unwrap();
        let key = PrivateKey::new(
            KeyFormat::Sec1,
            KeyMaterial::Ec(crate::parse::EcPrivate { curve, d, stored_public: Some(Ok(other.clone())) }),
            Some(PublicKey::Ec { curve, point: other }),
        );
        let out = verify(&cert, &file_of("key.pem", vec![ItemKind::PrivateKey(std::sync::Arc::new(key))]));
        assert_eq!(out.verdict, Verdict::Mismatch);
        assert!(out.findings[0].message.contains("EC-P256"));
    }

    #[test]
    fn health_of_a_good_bundle_is_clean() {
        let cert = leaf_file();
        let root = block_file("root.pem", vec![load_cert("root.pem")]);
        let m = PairMaterial { cert_file: Some(&cert), key_file: None, chain_file: Some(&root) };
        let names = vec!["leaf.verify.test".to_string(), "x.wild.verify.test".into(), "_".into()];
        assert_eq!(cert_health(&m, &names, &CLOCK, &EcTables::default()), vec![]);
        let f = cert_health(&m, &["other.verify.test".to_string()], &CLOCK, &EcTables::default());
        assert_eq!(codes(&f), ["name-mismatch"]);
        assert!(f[0].message.contains("other.verify.test"));
    }

    #[test]
    fn weak_rsa_key_is_reported() {
        let mut leaf = cert_info("weak");
        leaf.public_key = PublicKey::Rsa { n: vec![0xc5; 128], e: vec![1, 0, 1], scheme: RsaScheme::Encryption };
        let cert = block_file("cert.pem", vec![leaf]);
        let m = PairMaterial { cert_file: Some(&cert), key_file: None, chain_file: None };
        let f = cert_health(&m, &[], &CLOCK, &EcTables::default());
        assert_eq!(codes(&f), ["weak-key"]);
        assert!(f[0].message.contains("1024-bit"));
    }
}
