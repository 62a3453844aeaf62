//! Parse: bytes of one file → typed items (certificates, private keys, public
//! keys, other recognised PEM material) plus findings for material that claims
//! to be a certificate or key and does not decode.
//!
//! Submodules: `pem` (tolerant PEM block splitter: BOM, CRLF, text around
//! blocks, RFC 1421 headers), `asn1` (the lenient DER reader, telling DER objects apart by structure),
//! `cert` (X.509 → [`CertInfo`]), `key` (PKCS#1, PKCS#8 v1/v2, SEC1, Ed25519 →
//! [`PrivateKey`]), `pubkey` (SubjectPublicKeyInfo → canonical [`PublicKey`],
//! compressed points and explicit curves included), `encrypted` (PBES2 and
//! legacy `Proc-Type: 4,ENCRYPTED` decryption).
//!
//! Structures are decoded with the RustCrypto crates first (`x509-cert`,
//! `spki`, `pkcs1`, `pkcs8`, `sec1`); the lenient reader in `asn1` is the
//! fallback for what they refuse and the source of every `malformed` reason.
//!
//! Everything here is pure: no file system, no clock.

pub(crate) mod asn1;
pub(crate) mod cert;
pub(crate) mod encrypted;
pub(crate) mod error;
pub(crate) mod key;
pub mod model;
pub(crate) mod oid;
pub(crate) mod pem;
pub(crate) mod pubkey;
#[cfg(test)]
mod tests;

pub(crate) use asn1::{bit_len, strip_leading_zeros};
pub use model::*;

use crate::finding::{Code, Finding, Location};
use crate::pair::{FastMap, FastSet};
use encrypted::Opened;
use error::ParseError;
use pubkey::EcParams;
use std::sync::Arc;

/// At most this many PEM blocks are read from one file (docs/DESIGN.md "Limits").
pub(crate) const MAX_BLOCKS: usize = 1024;
/// Passphrases are tried on at most this many encrypted keys per file (key
/// derivation is deliberately slow; a file of a thousand scrypt keys must not stall a scan).
pub(crate) const MAX_DECRYPTED_PER_FILE: usize = 16;

/// Where the bytes came from, for locations in findings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    /// A path the user can open (or `-` for standard input, or a synthetic
    /// `file.yaml#namespace/name/tls.crt` for inline material).
    pub path: String,
    /// The path as a server config names it, when translated by `--root`/`--map`.
    pub server_path: Option<String>,
}

impl Source {
    pub fn new(path: impl Into<String>) -> Source {
        Source { path: path.into(), server_path: None }
    }
}

/// Everything found in one file.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub source: Source,
    pub items: Vec<Item>,
    /// `malformed`, `unsupported`, … about material in this file.
    pub findings: Vec<Finding>,
}

impl ParsedFile {
    pub fn certificates(&self) -> impl Iterator<Item = (usize, &Item, &CertInfo)> {
        self.items.iter().enumerate().filter_map(|(i, it)| match &it.kind {
            ItemKind::Certificate(c) => Some((i, it, c.as_ref())),
            _ => None,
        })
    }
    pub(crate) fn private_keys(&self) -> impl Iterator<Item = (usize, &Item, &PrivateKey)> {
        self.items.iter().enumerate().filter_map(|(i, it)| match &it.kind {
            ItemKind::PrivateKey(k) => Some((i, it, k.as_ref())),
            _ => None,
        })
    }
    /// Does this file hold anything that is (or claims to be) a private key?
    pub(crate) fn has_key_material(&self) -> bool {
        self.items.iter().any(|it| it.kind.is_key_like())
    }
    pub(crate) fn has_cert_material(&self) -> bool {
        self.items.iter().any(|it| it.kind.is_cert_like())
    }

    /// Drop the signed bytes and the signature of the file's last certificate: chain checks
    /// verify each certificate with the key of the one after it, so the last one is checked
    /// only when a chain file follows it (a config's chain directive). Memory for a scan of a
    /// whole tree; [`ParsedFile::signatures_dropped`] tells whether to parse the file again.
    pub fn drop_last_signature(&mut self) {
        let last = self.items.iter_mut().rev().find_map(|it| match &mut it.kind {
            ItemKind::Certificate(c) => Some(c),
            _ => None,
        });
        // Not yet shared when parsing just made it: no copy. One taken from the pool already
        // without them is left as it is.
        if let Some(c) = last.filter(|c| !c.tbs_der.is_empty() || !c.signature.is_empty()) {
            let c = std::sync::Arc::make_mut(c);
            c.tbs_der = Vec::new();
            c.signature = Vec::new();
        }
    }

    /// Some certificate has no signed bytes ([`ParsedFile::drop_last_signature`]).
    pub fn signatures_dropped(&self) -> bool {
        self.certificates().any(|(_, _, c)| c.tbs_der.is_empty())
    }
}

/// One decoded copy of each distinct certificate and private key, shared by every file that
/// holds it: a CA certificate in 50,000 chain files is decoded 50,000 times, and kept once. A
/// certificate is keyed by its SHA-256 (its decoded form is a function of its DER) and whether
/// its signed bytes were dropped ([`ParsedFile::drop_last_signature`]); a key by all it holds.
/// Dropped once the walk is done.
#[derive(Debug, Default)]
pub struct ItemPool {
    /// By SHA-256: `[0]` certificates with their signed bytes, `[1]` those without.
    certs: std::sync::Mutex<[FastMap<String, Arc<CertInfo>>; 2]>,
    keys: std::sync::Mutex<FastSet<Arc<PrivateKey>>>,
    /// Unencrypted private-key blocks already decoded, by what decoding one reads.
    key_blocks: std::sync::Mutex<FastMap<KeyBlock, Arc<PrivateKey>>>,
}

/// What decoding an unencrypted private key reads: how it is decoded (a PEM block's label, or the
/// structure of a bare DER file), the EC parameters of the file's `EC PARAMETERS` block before it,
/// and its DER (by SHA-256, so that the pool keeps no copy of the key's bytes). Keys equal here
/// decode to equal keys.
#[derive(Debug, PartialEq, Eq, Hash)]
struct KeyBlock {
    decoder: KeyDecoder,
    ec_params: Option<EcParams>,
    der_sha256: [u8; 32],
}

/// How a private key's DER is decoded: by [`plain_key`] under a PEM label, or by [`der_item`]
/// after the DER structure of a whole file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyDecoder {
    PemLabel(String),
    Der(asn1::DerKind),
}

impl ItemPool {
    /// Parse a walked file as [`parse_bytes`] does, [drop its last certificate's
    /// signature](ParsedFile::drop_last_signature) and [share](ItemPool::share) its items. A
    /// certificate block whose DER the pool already holds is not decoded again: the pool's copy is
    /// taken (a tree holds the same certificate in many files: copies, backups, chains).
    pub fn parse_and_share(&self, bytes: &[u8], source: Source, passphrases: &[Vec<u8>]) -> ParsedFile {
        let mut parsed = parse_bytes_with(bytes, source, passphrases, Some(self));
        parsed.drop_last_signature();
        self.share(&mut parsed);
        parsed
    }

    /// The pool's certificate whose DER is `der`, with its signed bytes or, when `stripped` allows
    /// it, without them (the file's last certificate, whose signature is dropped anyway).
    fn known_certificate(&self, der: &[u8], stripped: bool) -> Option<Arc<CertInfo>> {
        use sha2::{Digest, Sha256};
        let sha = asn1::hex(&Sha256::digest(der));
        let pools = self.certs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = if stripped { pools[1].get(sha.as_str()) } else { None };
        found.or_else(|| pools[0].get(sha.as_str())).cloned()
    }

    /// Replace each certificate and key of `file` by the pool's copy of it, adding those it lacks.
    pub fn share(&self, file: &mut ParsedFile) {
        // A poisoned lock only means another worker panicked: its map is still whole.
        for it in &mut file.items {
            match &mut it.kind {
                ItemKind::Certificate(c) => {
                    let mut pools = self.certs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let pool = &mut pools[usize::from(c.tbs_der.is_empty())];
                    match pool.get(c.cert_sha256.as_str()) {
                        Some(shared) => *c = Arc::clone(shared),
                        None => {
                            pool.insert(c.cert_sha256.clone(), Arc::clone(c));
                        }
                    }
                }
                ItemKind::PrivateKey(k) => {
                    let mut pool = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    match pool.get(k) {
                        Some(shared) => *k = Arc::clone(shared),
                        None => {
                            pool.insert(Arc::clone(k));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Parse one file's bytes. `passphrases` are tried in order on encrypted keys.
/// Never panics, whatever the bytes.
pub fn parse_bytes(bytes: &[u8], source: Source, passphrases: &[Vec<u8>]) -> ParsedFile {
    parse_bytes_with(bytes, source, passphrases, None)
}

/// [`parse_bytes`], taking already decoded certificates from `pool` when one is given.
fn parse_bytes_with(bytes: &[u8], source: Source, passphrases: &[Vec<u8>], pool: Option<&ItemPool>) -> ParsedFile {
    let mut out = ParsedFile { source, items: Vec::new(), findings: Vec::new() };
    if pem::looks_like_pem(bytes) {
        parse_pem(bytes, passphrases, pool, &mut out);
    }
    // No armour (or "-----BEGIN " only inside binary data): bare DER.
    if out.items.is_empty() && out.findings.is_empty() {
        // (Only its keys are looked up: a DER certificate is decoded, one per file.)
        parse_der(bytes, passphrases, &Known { pool, last_certificate: true }, &mut out);
    }
    // A vector grows by doubling from room for four: a scan keeps tens of thousands of these,
    // most with one or two items, so they keep only what they hold.
    out.items.shrink_to_fit();
    out.findings.shrink_to_fit();
    out
}

/// What a PEM label claims the block is, when it claims a certificate or key.
fn claim_of(label: &str) -> Option<Claimed> {
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => Some(Claimed::Certificate),
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "DSA PRIVATE KEY" => {
            Some(Claimed::PrivateKey)
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => Some(Claimed::PublicKey),
        _ => None,
    }
}

fn claimed_name(c: Claimed) -> &'static str {
    match c {
        Claimed::Certificate => "certificate",
        Claimed::PrivateKey => "private key",
        Claimed::PublicKey => "public key",
    }
}

fn parse_pem(bytes: &[u8], passphrases: &[Vec<u8>], pool: Option<&ItemPool>, out: &mut ParsedFile) {
    let (blocks, more) = pem::split(bytes, MAX_BLOCKS);
    // Only certificate blocks become certificates: after this one, none does.
    let last_certificate = blocks.iter().rposition(|b| claim_of(&b.label) == Some(Claimed::Certificate));
    // The curve of the last `EC PARAMETERS` block, for SEC1 keys without parameters.
    let mut ec_params: Option<EcParams> = None;
    let mut encrypted_seen = 0;
    for (index, block) in blocks.iter().enumerate() {
        let is_encrypted = block.label == "ENCRYPTED PRIVATE KEY" || block.header("DEK-Info").is_some();
        if is_encrypted {
            encrypted_seen += 1;
        }
        let pass = if encrypted_seen > MAX_DECRYPTED_PER_FILE { &[][..] } else { passphrases };
        let known = Known { pool, last_certificate: Some(index) == last_certificate };
        let kind = match pem_item(block, pass, &mut ec_params, &known) {
            Ok(kind) => kind,
            Err((claimed, reason)) => {
                let reason = reason.to_string();
                let loc = location(out, Some(index), Some(block.line));
                out.findings.push(malformed_finding(
                    &out.source,
                    claimed,
                    &format!("PEM block {index} ({}, line {})", block.label, block.line),
                    &reason,
                    loc,
                ));
                ItemKind::Malformed { claimed, reason }
            }
        };
        let mut item = Item::new(index, Some(block.line), kind);
        if claim_of(&block.label).is_some() {
            item.unloadable = if block.indented && !embeds_pem(&out.source.path) {
                Some(Box::new(Unloadable::IndentedBegin))
            } else {
                block.end_label.clone().map(|end| Box::new(Unloadable::EndLabel { begin: block.label.clone(), end }))
            };
        }
        out.items.push(item);
    }
    if more {
        let loc = location(out, None, None);
        out.findings.push(Finding::new(
            Code::Unsupported,
            format!(
                "{} holds more than {MAX_BLOCKS} PEM blocks; only the first {MAX_BLOCKS} were read",
                out.source.path
            ),
            vec![loc],
        ));
    }
}

/// Files of a structured text format that carries PEM inside its own syntax
/// (YAML block scalars, templates, …): their indentation is the format's, and
/// a server is given the extracted text, never the file. An indented BEGIN
/// line there is not noted as [`Unloadable::IndentedBegin`].
const PEM_CONTAINERS: &[&str] = &[
    ".yaml",
    ".yml",
    ".json",
    ".toml",
    ".tf",
    ".tfvars",
    ".hcl",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tpl",
    ".tmpl",
    ".erb",
    ".md",
    ".rst",
    ".xml",
    ".ini",
    ".properties",
];

fn embeds_pem(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    PEM_CONTAINERS.iter().any(|ext| lower.ends_with(ext))
}

fn location(out: &ParsedFile, block: Option<usize>, line: Option<u32>) -> Location {
    let mut loc = Location::file(&out.source.path).with_server_path(out.source.server_path.clone());
    loc.block = block;
    loc.line = line;
    loc
}

fn malformed_finding(source: &Source, claimed: Claimed, what: &str, reason: &str, loc: Location) -> Finding {
    Finding::new(
        Code::Malformed,
        format!("{}: {what} claims to be a {} but does not decode: {reason}", source.path, claimed_name(claimed)),
        vec![loc],
    )
    .with_hint("copy the file again from its source; check it with `openssl x509 -noout` or `openssl pkey -noout`")
}

/// What a scan's [`ItemPool`] already decoded, for one PEM block or bare DER file.
struct Known<'a> {
    pool: Option<&'a ItemPool>,
    /// The block is the file's last certificate block (whose signed bytes are dropped).
    last_certificate: bool,
}

impl Known<'_> {
    fn certificate(&self, der: &[u8]) -> Option<Arc<CertInfo>> {
        self.pool.and_then(|p| p.known_certificate(der, self.last_certificate))
    }

    /// The key `decode` gives for `der` (decoded by `decoder`, after the EC parameters `ec`),
    /// decoded once per distinct key when there is a pool: a tree holds the same key in many
    /// files (certbot's `archive/` and `live/`, a secret in every namespace, backups), and
    /// decoding an EC key multiplies its scalar by G to check the point it stores.
    fn private_key(
        &self,
        decoder: KeyDecoder,
        der: &[u8],
        ec: Option<&EcParams>,
        decode: impl FnOnce() -> Result<PrivateKey, ParseError>,
    ) -> Result<Arc<PrivateKey>, ParseError> {
        use sha2::{Digest, Sha256};
        let Some(pool) = self.pool else { return decode().map(Arc::new) };
        let block = KeyBlock { decoder, ec_params: ec.cloned(), der_sha256: Sha256::digest(der).into() };
        // A poisoned lock only means another worker panicked: its map is still whole.
        let blocks = || pool.key_blocks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(key) = blocks().get(&block).cloned() {
            return Ok(key);
        }
        // Decoded outside the lock; two workers that meet a new key at once both decode it.
        let key = Arc::new(decode()?);
        Ok(Arc::clone(blocks().entry(block).or_insert(key)))
    }
}

/// One PEM block → its item; `Err` for a block that claims to be a certificate
/// or key and does not decode.
/// `known`: the pool's already decoded certificates and keys, if any.
fn pem_item(
    block: &pem::Block<'_>,
    passphrases: &[Vec<u8>],
    ec_params: &mut Option<EcParams>,
    known: &Known<'_>,
) -> Result<ItemKind, (Claimed, ParseError)> {
    let label = block.label.as_str();
    let Some(claimed) = claim_of(label) else {
        if label == "EC PARAMETERS" && block.complete {
            if let Ok(body) = pem::decode_body(block) {
                if let Ok((params, _)) = asn1::read_tlv(&body) {
                    *ec_params = pubkey::ec_params(&params).ok();
                }
            }
        }
        return Ok(ItemKind::Other(block.label.clone()));
    };
    let fail = |reason: ParseError| (claimed, reason);
    if !block.complete {
        return Err(fail(format!("no -----END {label}----- line (the file is truncated)").into()));
    }
    let body = pem::decode_body(block).map_err(fail)?;
    if body.is_empty() {
        return Err(fail("the block is empty".into()));
    }
    let encrypted = block.header("Proc-Type").is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"));
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => match known.certificate(&body) {
            Some(c) => Ok(ItemKind::Certificate(c)),
            None => cert::decode(&body).map(|c| ItemKind::Certificate(Arc::new(c))).map_err(fail),
        },
        "PUBLIC KEY" => pubkey::decode_spki(&body).map(|k| ItemKind::PublicKey(Box::new(k))).map_err(fail),
        "RSA PUBLIC KEY" => {
            pubkey::decode_rsa_public_key(&body).map(|k| ItemKind::PublicKey(Box::new(k))).map_err(fail)
        }
        "ENCRYPTED PRIVATE KEY" => opened(encrypted::pkcs8(&body, passphrases)).map_err(fail),
        _ if encrypted => {
            let dek = block.header("DEK-Info").ok_or_else(|| fail("Proc-Type ENCRYPTED without DEK-Info".into()))?;
            let params = ec_params.clone();
            let parse = |plain: &[u8]| plain_key(label, plain, KeyFormat::LegacyEncrypted, params.as_ref());
            opened(encrypted::legacy(dek, &body, passphrases, &parse)).map_err(fail)
        }
        _ => {
            let format = match label {
                "PRIVATE KEY" => KeyFormat::Pkcs8,
                "EC PRIVATE KEY" => KeyFormat::Sec1,
                _ => KeyFormat::Pkcs1,
            };
            let ec = ec_params.as_ref();
            let decode = || plain_key(label, &body, format, ec);
            known
                .private_key(KeyDecoder::PemLabel(label.to_string()), &body, ec, decode)
                .map(ItemKind::PrivateKey)
                .map_err(fail)
        }
    }
}

fn opened(r: Result<Opened, ParseError>) -> Result<ItemKind, ParseError> {
    match r? {
        Opened::Key(k) => Ok(ItemKind::PrivateKey(std::sync::Arc::from(k))),
        Opened::Locked(e) => Ok(ItemKind::EncryptedKey(Box::new(e))),
    }
}

/// An unencrypted (or decrypted) private key by its PEM label.
///
/// An unencrypted body of another structure than its label names (PKCS#1 or
/// SEC1 under `PRIVATE KEY`, PKCS#8 under `RSA PRIVATE KEY`, …) is decoded by
/// its structure: `openssl pkey` and Apache read every such swap, nginx and
/// HAProxy most of them not. The key is marked [`Unloadable::LabelBody`],
/// except PKCS#8 of the label's own algorithm under `RSA PRIVATE KEY` /
/// `EC PRIVATE KEY`, which every server tried loads.
fn plain_key(label: &str, der: &[u8], format: KeyFormat, ec: Option<&EcParams>) -> Result<PrivateKey, ParseError> {
    let own = match label {
        "RSA PRIVATE KEY" => key::pkcs1(der, format),
        "EC PRIVATE KEY" => key::sec1(der, ec, format),
        "DSA PRIVATE KEY" => {
            asn1::read_tlv(der)?.0.expect(asn1::SEQUENCE, "DSAPrivateKey")?;
            return Ok(key::unsupported(format, "DSA".into()));
        }
        _ => key::pkcs8(der, format),
    };
    let Err(reason) = own else { return own };
    if format == KeyFormat::LegacyEncrypted {
        return Err(reason);
    }
    use asn1::DerKind as K;
    let kind = asn1::read_tlv(der).ok().and_then(|(top, _)| asn1::classify(&top));
    let (body, decoded) = match kind {
        Some(K::Pkcs8) if label != "PRIVATE KEY" => ("a PKCS#8 PrivateKeyInfo", key::pkcs8(der, format)),
        Some(K::Pkcs1Private) if label != "RSA PRIVATE KEY" => ("a PKCS#1 RSAPrivateKey", key::pkcs1(der, format)),
        Some(K::Sec1) if label != "EC PRIVATE KEY" => ("a SEC1 ECPrivateKey", key::sec1(der, ec, format)),
        _ => return Err(reason),
    };
    let mut key = decoded.map_err(|_| reason)?;
    let own_algorithm = matches!(
        (label, &key.material),
        ("RSA PRIVATE KEY", KeyMaterial::Rsa(_)) | ("EC PRIVATE KEY", KeyMaterial::Ec(_))
    );
    if !(kind == Some(K::Pkcs8) && own_algorithm) && key.unloadable.is_none() {
        key.unloadable = Some(Box::new(Unloadable::LabelBody { label: label.to_string(), body: body.to_string() }));
    }
    Ok(key)
}

/// File names under which a DER blob that does not decode is reported.
const DER_NAMES: &[&str] = &[".der", ".cer", ".crt", ".key", ".pem", ".p8", ".pk8"];

fn parse_der(bytes: &[u8], passphrases: &[Vec<u8>], known: &Known<'_>, out: &mut ParsedFile) {
    if bytes.first() != Some(&asn1::SEQUENCE) {
        return;
    }
    let lower = out.source.path.to_ascii_lowercase();
    let named = DER_NAMES.iter().any(|ext| lower.ends_with(ext));
    let by_name = if [".key", ".p8", ".pk8"].iter().any(|ext| lower.ends_with(ext)) {
        Claimed::PrivateKey
    } else {
        Claimed::Certificate
    };
    // A certificate whose outer SEQUENCE has BER indefinite length (OpenSSL reads it).
    if bytes.starts_with(&[asn1::SEQUENCE, 0x80]) {
        if let Ok(cert) = cert::decode(bytes) {
            out.items.push(Item::new(0, None, ItemKind::Certificate(std::sync::Arc::new(cert))));
            return;
        }
    }
    let result: Result<ItemKind, (Claimed, ParseError)> = match asn1::read_tlv(bytes) {
        Err(reason) if named => Err((by_name, reason)),
        Err(_) => return,
        Ok((top, _)) => match asn1::classify(&top) {
            Some(kind) => der_item(kind, top.raw, passphrases, known),
            None => match asn1::check_tree(&top) {
                Err(reason) if named => Err((by_name, reason)),
                _ => return,
            },
        },
    };
    let kind = match result {
        Ok(kind) => kind,
        Err((claimed, reason)) => {
            let reason = reason.to_string();
            let loc = location(out, Some(0), None);
            out.findings.push(malformed_finding(&out.source, claimed, "the DER object", &reason, loc));
            ItemKind::Malformed { claimed, reason }
        }
    };
    out.items.push(Item::new(0, None, kind));
}

fn der_item(
    kind: asn1::DerKind,
    raw: &[u8],
    passphrases: &[Vec<u8>],
    known: &Known<'_>,
) -> Result<ItemKind, (Claimed, ParseError)> {
    use asn1::DerKind as K;
    let key = |decode: &dyn Fn() -> Result<PrivateKey, ParseError>| {
        known
            .private_key(KeyDecoder::Der(kind), raw, None, decode)
            .map(ItemKind::PrivateKey)
            .map_err(|e| (Claimed::PrivateKey, e))
    };
    match kind {
        K::Certificate => cert::decode(raw)
            .map(|c| ItemKind::Certificate(std::sync::Arc::new(c)))
            .map_err(|e| (Claimed::Certificate, e)),
        K::CertificateRequest => Ok(ItemKind::Other("CERTIFICATE REQUEST".into())),
        K::Crl => Ok(ItemKind::Other("X509 CRL".into())),
        K::Pkcs8 => key(&|| key::pkcs8(raw, KeyFormat::Pkcs8)),
        K::Pkcs1Private => key(&|| key::pkcs1(raw, KeyFormat::Pkcs1)),
        K::Sec1 => key(&|| key::sec1(raw, None, KeyFormat::Sec1)),
        K::DsaPrivate => {
            Ok(ItemKind::PrivateKey(std::sync::Arc::new(key::unsupported(KeyFormat::Pkcs1, "DSA".into()))))
        }
        K::EncryptedPkcs8 => opened(encrypted::pkcs8(raw, passphrases)).map_err(|e| (Claimed::PrivateKey, e)),
        K::Spki => {
            pubkey::decode_spki(raw).map(|k| ItemKind::PublicKey(Box::new(k))).map_err(|e| (Claimed::PublicKey, e))
        }
        K::Pkcs1Public => pubkey::decode_rsa_public_key(raw)
            .map(|k| ItemKind::PublicKey(Box::new(k)))
            .map_err(|e| (Claimed::PublicKey, e)),
    }
}
