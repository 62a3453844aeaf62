//! The typed items parsing produces. Key types never print secret numbers:
//! their `Debug` shows the algorithm only.

use std::fmt;

/// One decoded thing in a file.
#[derive(Debug, Clone)]
pub struct Item {
    /// 0-based PEM block index (0 for a bare DER file).
    pub block: usize,
    /// 1-based line of the `-----BEGIN` (None for DER).
    pub line: Option<u32>,
    pub kind: ItemKind,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    Certificate(Box<CertInfo>),
    PrivateKey(PrivateKey),
    /// An encrypted private key that no given passphrase opened.
    EncryptedKey(EncryptedKey),
    /// `PUBLIC KEY`, `RSA PUBLIC KEY`: recognised, never taken for a private key.
    PublicKey(PublicKey),
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
}

/// A public key in canonical, decoded form: encodings never matter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// Big-endian magnitudes without leading zero bytes.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed SEC1 point (`04 || X || Y`) on a supported named curve.
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// Anything keymatch does not check; names the algorithm (e.g. "Ed448", "DSA",
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
            PublicKey::Unsupported { algorithm } => algorithm.clone(),
        }
    }

    /// Key size in bits (RSA modulus length, curve size, 256 for Ed25519).
    pub fn bits(&self) -> Option<usize> {
        match self {
            PublicKey::Rsa { n, .. } => Some(bit_len(n)),
            PublicKey::Ec { curve, .. } => Some(curve.bits()),
            PublicKey::Ed25519(_) => Some(256),
            PublicKey::Unsupported { .. } => None,
        }
    }

    pub fn is_supported(&self) -> bool {
        !matches!(self, PublicKey::Unsupported { .. })
    }
}

/// Number of significant bits of a big-endian magnitude.
pub fn bit_len(be: &[u8]) -> usize {
    let be = strip_leading_zeros(be);
    match be.first() {
        None => 0,
        Some(&b) => (be.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

/// A big-endian magnitude without its leading zero bytes.
pub fn strip_leading_zeros(be: &[u8]) -> &[u8] {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    &be[start..]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
/// (RSA: the stored n and e; EC: d·G; Ed25519: from the seed).
#[derive(Clone)]
pub struct PrivateKey {
    pub format: KeyFormat,
    pub material: KeyMaterial,
    /// The public key derived from the private half; `None` when it cannot be
    /// derived (an EC scalar out of range: verify reports `key-corrupt`).
    pub public: Option<PublicKey>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, {})", self.format, self.material.algorithm())
    }
}

/// The private numbers. No `Debug` that prints them.
#[derive(Clone)]
pub enum KeyMaterial {
    Rsa(RsaPrivate),
    Ec(EcPrivate),
    Ed25519(Ed25519Private),
    /// Ed448, DSA, X25519, other curves, multi-prime RSA, …
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
#[derive(Clone)]
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
#[derive(Clone)]
pub struct EcPrivate {
    pub curve: Curve,
    /// Big-endian scalar as stored.
    pub d: Vec<u8>,
    /// The stored public point decoded to uncompressed SEC1, if present.
    /// `Err` holds why a stored point did not decode (verify: key-corrupt).
    pub stored_public: Option<Result<Vec<u8>, String>>,
}

/// Ed25519 private key: the 32-byte seed and the stored public key (PKCS#8 v2), if any.
#[derive(Clone)]
pub struct Ed25519Private {
    pub seed: [u8; 32],
    pub stored_public: Option<Vec<u8>>,
}

/// An encrypted key that could not be opened.
#[derive(Debug, Clone)]
pub struct EncryptedKey {
    /// "PKCS#8 PBES2 (PBKDF2, AES-256-CBC)", "legacy PEM (DES-EDE3-CBC)", …
    pub scheme: String,
    /// True when passphrases were given and none worked.
    pub tried_passphrases: bool,
}

impl PublicKey {
    /// `sha256:<hex>` of the canonical SPKI DER; `None` for unsupported keys.
    pub fn fingerprint(&self) -> Option<String> {
        super::pubkey::fingerprint(self)
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
