//! The typed items parsing produces. Key types never print secret numbers:
//! their `Debug` shows the algorithm only.

use super::asn1::bit_len;
use std::fmt;
use std::sync::Arc;

/// One decoded thing in a file.
#[derive(Debug, Clone)]
pub struct Item {
    /// 0-based PEM block index (0 for a bare DER file).
    pub block: usize,
    /// 1-based line of the `-----BEGIN` (None for DER).
    pub line: Option<u32>,
    pub kind: ItemKind,
    /// Why OpenSSL's PEM reader will not read this block as it is (an indented
    /// BEGIN line, an END line of another label), when it will not. What the
    /// decoded content adds (PKCS#8 v2, a hybrid point of the wrong parity, a
    /// label that does not allow the body) is on the key or certificate:
    /// [`Item::unloadable`] gives either. Boxed: it is rare, and a scan keeps an item for every
    /// block of every file until its pairs are verified.
    pub unloadable: Option<Box<Unloadable>>,
}

impl Item {
    pub fn new(block: usize, line: Option<u32>, kind: ItemKind) -> Item {
        Item { block, line, kind, unloadable: None }
    }

    /// Why OpenSSL 3.0 will not read this item: the PEM armour's reason, else the content's.
    pub fn unloadable(&self) -> Option<&Unloadable> {
        self.unloadable.as_deref().or(match &self.kind {
            ItemKind::Certificate(c) => c.unloadable.as_ref(),
            ItemKind::PrivateKey(k) => k.unloadable.as_deref(),
            _ => None,
        })
    }
}

/// Why OpenSSL 3.0 (the library nginx, HAProxy and Apache link on Debian 12)
/// will not read a certificate or key that keymatch decodes. Which servers
/// refuse it, and how, is verify's business (`verify::readers`): each case was
/// run against the real servers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unloadable {
    /// The `-----BEGIN` line does not start at column 0: OpenSSL's PEM reader
    /// does not see the block at all (indented body lines are fine).
    IndentedBegin,
    /// The END line names another label than the BEGIN line (`bad end line`).
    EndLabel { begin: String, end: String },
    /// The PEM label does not allow the body's structure: PKCS#1 or SEC1 under
    /// `PRIVATE KEY`, PKCS#8 of another algorithm under `RSA PRIVATE KEY` /
    /// `EC PRIVATE KEY`, SEC1 under `RSA PRIVATE KEY`, PKCS#1 under `EC PRIVATE KEY`.
    LabelBody { label: String, body: String },
    /// PKCS#8 v2 (RFC 5958 `OneAsymmetricKey`, version 1): OpenSSL 3.0 has no decoder for it.
    Pkcs8V2,
    /// An EC point in hybrid form (0x06/0x07, X9.62 §4.3.6) whose prefix's
    /// parity bit disagrees with y; `what` names where ("stored public key", "certificate's key").
    HybridParity { what: &'static str },
}

impl Unloadable {
    /// Why, in a sentence fragment for messages.
    pub fn reason(&self) -> String {
        match self {
            Unloadable::IndentedBegin => {
                "its -----BEGIN line is indented, and OpenSSL's PEM reader sees only armour that starts its line".into()
            }
            Unloadable::EndLabel { begin, end } => {
                format!("it begins as {begin} but its END line says {end} (OpenSSL: bad end line)")
            }
            Unloadable::LabelBody { label, body } => {
                format!("it holds {body} under the label {label}, which OpenSSL's PEM key reader does not accept")
            }
            Unloadable::Pkcs8V2 => {
                "it is PKCS#8 v2 (RFC 5958 OneAsymmetricKey with a publicKey), which OpenSSL 3.0 cannot decode".into()
            }
            Unloadable::HybridParity { what } => format!(
                "the {what} is an EC point in hybrid form whose prefix (0x06/0x07) disagrees with the parity of y, which OpenSSL refuses"
            ),
        }
    }
}

/// Every large kind is behind a pointer (a key's struct is 320 bytes, a public key's over 100),
/// and a scan keeps tens of thousands of items: an item is the size of its small kinds. A
/// certificate is shared: files that hold the same certificate share one decoded copy
/// ([`super::ItemPool`]), and so is a private key (a scan meets one key in many files).
#[derive(Debug, Clone)]
pub enum ItemKind {
    Certificate(Arc<CertInfo>),
    PrivateKey(Arc<PrivateKey>),
    /// An encrypted private key that no given passphrase opened.
    EncryptedKey(Box<EncryptedKey>),
    /// `PUBLIC KEY`, `RSA PUBLIC KEY`: recognised, never taken for a private key.
    PublicKey(Box<PublicKey>),
    /// Recognised and left alone: `CERTIFICATE REQUEST`, `DH PARAMETERS`,
    /// `X509 CRL`, `EC PARAMETERS`, PGP, OpenSSH keys, …  Holds the label.
    Other(String),
    /// Claims to be a certificate or key and does not decode.
    Malformed {
        claimed: Claimed,
        reason: String,
    },
}

impl ItemKind {
    pub fn is_key_like(&self) -> bool {
        matches!(self, ItemKind::PrivateKey(_) | ItemKind::EncryptedKey(_))
            || matches!(self, ItemKind::Malformed { claimed: Claimed::PrivateKey, .. })
    }
    pub fn is_cert_like(&self) -> bool {
        matches!(self, ItemKind::Certificate(_))
            || matches!(self, ItemKind::Malformed { claimed: Claimed::Certificate, .. })
    }
}

/// What a malformed item claimed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    Certificate,
    PrivateKey,
    PublicKey,
}

/// A certificate, reduced to what keymatch checks.
#[derive(Debug, Clone)]
pub struct CertInfo {
    /// The decoded subject public key (canonical form).
    pub public_key: PublicKey,
    /// RFC 4514-style display of the subject and issuer names.
    pub subject: String,
    pub issuer: String,
    /// DER of the subject and issuer `Name`s, for exact issuer/subject comparison.
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// Validity, as Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// basicConstraints cA = TRUE.
    pub is_ca: bool,
    /// subjectAltName dNSName entries, lower-cased.
    pub dns_names: Vec<String>,
    /// Serial number, hex.
    pub serial: String,
    /// What chain signature checks need: the DER of tbsCertificate, the
    /// signature algorithm (OID and DER of its parameters) and the signature bits.
    pub tbs_der: Vec<u8>,
    pub signature_algorithm: String,
    pub signature_params_der: Option<Vec<u8>>,
    pub signature: Vec<u8>,
    /// SHA-256 of the whole certificate DER, hex (to tell copies apart / equal).
    pub cert_sha256: String,
    /// Why OpenSSL will not load this certificate although it decodes (a hybrid
    /// point of the wrong parity), when it will not.
    pub unloadable: Option<Unloadable>,
}

/// A public key in canonical, decoded form: encodings never matter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// Big-endian magnitudes without leading zero bytes, and the algorithm
    /// identifier the key is stored under (OpenSSL keeps the two apart).
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        scheme: RsaScheme,
    },
    /// Uncompressed SEC1 point (`04 || X || Y`) on a supported named curve.
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// The 57-byte Ed448 public key (RFC 8032 §5.2.5).
    Ed448([u8; 57]),
    /// Anything keymatch does not check; names the algorithm (e.g. "DSA",
    /// "EC secp256k1", "RSA multi-prime").
    Unsupported {
        algorithm: String,
    },
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.algorithm())
    }
}

impl PublicKey {
    /// "RSA-2048", "EC-P256", "Ed25519", or the unsupported algorithm's name.
    pub fn algorithm(&self) -> String {
        match self {
            PublicKey::Rsa { n, .. } => format!("RSA-{}", bit_len(n)),
            PublicKey::Ec { curve, .. } => format!("EC-{}", curve.name()),
            PublicKey::Ed25519(_) => "Ed25519".to_string(),
            PublicKey::Ed448(_) => "Ed448".to_string(),
            PublicKey::Unsupported { algorithm } => algorithm.clone(),
        }
    }

    /// Key size in bits (RSA modulus length, curve size, 256 for Ed25519, 456 for Ed448).
    pub fn bits(&self) -> Option<usize> {
        match self {
            PublicKey::Rsa { n, .. } => Some(bit_len(n)),
            PublicKey::Ec { curve, .. } => Some(curve.bits()),
            PublicKey::Ed25519(_) => Some(256),
            PublicKey::Ed448(_) => Some(456),
            PublicKey::Unsupported { .. } => None,
        }
    }

    pub fn is_supported(&self) -> bool {
        !matches!(self, PublicKey::Unsupported { .. })
    }
}

/// The algorithm identifier of an RSA key (RFC 4055 §1.2). OpenSSL loads the
/// two as different key types, and an RSASSA-PSS key's parameters restrict
/// the signatures it makes (key) or accepts (certificate).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RsaScheme {
    /// rsaEncryption (also every PKCS#1 `RSA PRIVATE KEY`).
    Encryption,
    /// id-RSASSA-PSS; `None` when the identifier has no parameters (no restrictions).
    Pss(Option<PssParams>),
}

impl RsaScheme {
    /// "rsaEncryption", "RSASSA-PSS (no parameter restrictions)",
    /// "RSASSA-PSS (SHA-256, MGF1 with SHA-256, salt of at least 32 bytes)".
    pub fn describe(&self) -> String {
        match self {
            RsaScheme::Encryption => "rsaEncryption".into(),
            RsaScheme::Pss(None) => "RSASSA-PSS (no parameter restrictions)".into(),
            RsaScheme::Pss(Some(p)) => format!(
                "RSASSA-PSS ({}, MGF1 with {}, salt of at least {} bytes)",
                p.hash.name(),
                p.mgf1_hash.name(),
                p.salt_len
            ),
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1), defaults filled in (SHA-1, MGF1 with
/// SHA-1, salt 20). The trailer field is always 1 in practice and not kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PssParams {
    pub hash: PssHash,
    /// The hash inside MGF1 (another mask generation function: [`PssHash::Other`]).
    pub mgf1_hash: PssHash,
    pub salt_len: u64,
}

/// A hash named in RSASSA-PSS parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PssHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// Any other algorithm (its dotted OID).
    Other(String),
}

impl PssHash {
    pub fn from_oid(dotted: &str) -> PssHash {
        use super::oid;
        match oid::parse(dotted) {
            Some(oid::ID_SHA_1) => PssHash::Sha1,
            Some(oid::ID_SHA_224) => PssHash::Sha224,
            Some(oid::ID_SHA_256) => PssHash::Sha256,
            Some(oid::ID_SHA_384) => PssHash::Sha384,
            Some(oid::ID_SHA_512) => PssHash::Sha512,
            _ => PssHash::Other(dotted.to_string()),
        }
    }

    pub fn name(&self) -> String {
        match self {
            PssHash::Sha1 => "SHA-1".into(),
            PssHash::Sha224 => "SHA-224".into(),
            PssHash::Sha256 => "SHA-256".into(),
            PssHash::Sha384 => "SHA-384".into(),
            PssHash::Sha512 => "SHA-512".into(),
            PssHash::Other(oid) => format!("hash {oid}"),
        }
    }

    /// Output length in bytes, for the hashes TLS signs with (RFC 8446 §4.2.3).
    pub fn tls_len(&self) -> Option<u64> {
        match self {
            PssHash::Sha256 => Some(32),
            PssHash::Sha384 => Some(48),
            PssHash::Sha512 => Some(64),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P256",
            Curve::P384 => "P384",
            Curve::P521 => "P521",
        }
    }
    pub fn bits(self) -> usize {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }
}

/// How a private key was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY` / DER RSAPrivateKey.
    Pkcs1,
    /// `PRIVATE KEY` / DER OneAsymmetricKey v1 or v2.
    Pkcs8,
    /// `EC PRIVATE KEY` / DER ECPrivateKey.
    Sec1,
    /// `ENCRYPTED PRIVATE KEY`, decrypted with a given passphrase.
    Pkcs8Encrypted,
    /// `Proc-Type: 4,ENCRYPTED` + `DEK-Info`, decrypted with a given passphrase.
    LegacyEncrypted,
}

/// A decoded private key plus its public key as derived from the private half
/// (RSA: the stored n and e; EC: d·G; Ed25519: from the seed). Equality and hashing (of
/// every field) serve only to share one copy of a key that several files hold.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PrivateKey {
    pub format: KeyFormat,
    pub material: KeyMaterial,
    /// The public key derived from the private half; `None` when it cannot be
    /// derived (an EC scalar out of range: verify reports `key-corrupt`).
    pub public: Option<PublicKey>,
    /// The PKCS#8 v2 `[1] publicKey`, decoded, when the key material has no
    /// place of its own for it (RSA; EC whose SEC1 body stores a point too);
    /// `Err` when it does not decode. Verify requires it to be the key's public key.
    /// (Boxed, as `unloadable`: both are rare, and every item is as large as its largest kind.)
    pub attached_public: Option<Box<Result<PublicKey, String>>>,
    /// Why OpenSSL will not load this key although it decodes, when it will not.
    pub unloadable: Option<Box<Unloadable>>,
}

impl PrivateKey {
    /// A key with nothing attached and nothing OpenSSL refuses.
    pub fn new(format: KeyFormat, material: KeyMaterial, public: Option<PublicKey>) -> PrivateKey {
        PrivateKey { format, material, public, attached_public: None, unloadable: None }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, {})", self.format, self.material.algorithm())
    }
}

/// The private numbers. No `Debug` that prints them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum KeyMaterial {
    Rsa(RsaPrivate),
    Ec(EcPrivate),
    Ed25519(Ed25519Private),
    Ed448(Ed448Private),
    /// DSA, X25519, other curves, multi-prime RSA, …
    Unsupported {
        algorithm: String,
    },
}

impl KeyMaterial {
    pub fn algorithm(&self) -> String {
        match self {
            KeyMaterial::Rsa(k) => format!("RSA-{}", bit_len(&k.n)),
            KeyMaterial::Ec(k) => format!("EC-{}", k.curve.name()),
            KeyMaterial::Ed25519(_) => "Ed25519".to_string(),
            KeyMaterial::Ed448(_) => "Ed448".to_string(),
            KeyMaterial::Unsupported { algorithm } => algorithm.clone(),
        }
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMaterial({})", self.algorithm())
    }
}

/// RSA private key numbers (PKCS#1 RSAPrivateKey), big-endian magnitudes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RsaPrivate {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
    pub d: Vec<u8>,
    pub p: Vec<u8>,
    pub q: Vec<u8>,
    pub dp: Vec<u8>,
    pub dq: Vec<u8>,
    pub qinv: Vec<u8>,
}

/// EC private key: the curve, the scalar, and the public point if the file stored one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EcPrivate {
    pub curve: Curve,
    /// Big-endian scalar as stored.
    pub d: Vec<u8>,
    /// The stored public point decoded to uncompressed SEC1, if present.
    /// `Err` holds why a stored point did not decode (verify: key-corrupt).
    pub stored_public: Option<Result<Vec<u8>, String>>,
}

/// Ed25519 private key: the 32-byte seed and the stored public key (PKCS#8 v2), if any.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ed25519Private {
    pub seed: [u8; 32],
    pub stored_public: Option<Vec<u8>>,
}

/// Ed448 private key: the 57-byte seed and the stored public key (PKCS#8 v2), if any.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ed448Private {
    pub seed: [u8; 57],
    pub stored_public: Option<Vec<u8>>,
}

/// An encrypted key that could not be opened.
#[derive(Debug, Clone)]
pub struct EncryptedKey {
    /// "PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)", "legacy PEM (DES-EDE3-CBC)", …
    pub scheme: String,
    /// Why it stayed locked.
    pub locked: Locked,
}

/// Why an encrypted key stayed locked, most decisive first: a scheme the
/// server cannot read is an error whatever the passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locked {
    /// OpenSSL 3.0 without its legacy provider (what nginx, HAProxy and Apache
    /// load keys with) cannot decrypt the scheme; holds why ("RC2 is in
    /// OpenSSL's legacy provider"). keymatch does not decrypt it either.
    ServerCannotLoad(String),
    /// keymatch cannot decrypt the scheme (OpenSSL may: Camellia, ARIA, …).
    UnsupportedScheme,
    /// The key derivation's work factor is above keymatch's limit, so no
    /// passphrase was tried; holds it and the limit ("5000000 PBKDF2
    /// iterations; keymatch's limit is 4000000").
    WorkFactorOverCap(String),
    /// No passphrase was given.
    NoPassphrase,
    /// Passphrases were given and none opened the key.
    WrongPassphrase,
}

impl EncryptedKey {
    /// Passphrases were tried on the key and none opened it (as opposed to none
    /// given, or a scheme or work factor keymatch does not try).
    pub fn tried_passphrases(&self) -> bool {
        matches!(self.locked, Locked::WrongPassphrase)
    }

    /// Why the key stayed locked, as a clause: "no passphrase was given", …
    pub fn locked_reason(&self) -> String {
        match &self.locked {
            Locked::ServerCannotLoad(why) => format!("OpenSSL 3.0 cannot decrypt its scheme ({why})"),
            Locked::UnsupportedScheme => "keymatch cannot decrypt this scheme".into(),
            Locked::WorkFactorOverCap(work) => format!("its key derivation is too costly for keymatch to try ({work})"),
            Locked::NoPassphrase => "no passphrase was given".into(),
            Locked::WrongPassphrase => "none of the given passphrases opens it".into(),
        }
    }
}

// Private numbers are wiped from memory when dropped (issue #10: key material in `Zeroizing`).
impl Drop for RsaPrivate {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for part in [&mut self.d, &mut self.p, &mut self.q, &mut self.dp, &mut self.dq, &mut self.qinv] {
            part.zeroize();
        }
    }
}

impl Drop for EcPrivate {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.d);
    }
}

impl Drop for Ed25519Private {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
    }
}

impl Drop for Ed448Private {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
    }
}
