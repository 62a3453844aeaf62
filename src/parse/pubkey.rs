//! SubjectPublicKeyInfo ↔ canonical [`PublicKey`]: decoding (RSA, RSASSA-PSS,
//! EC named and explicit-but-known curves, compressed points, Ed25519) and the
//! canonical SPKI DER whose SHA-256 is the key's fingerprint.

use super::model::PublicKey;

/// Canonical SPKI DER: rsaEncryption with NULL parameters for RSA (PSS
/// certificates included), id-ecPublicKey with the named curve and the
/// uncompressed point, id-Ed25519. `None` for unsupported keys.
pub fn canonical_spki_der(key: &PublicKey) -> Option<Vec<u8>> {
    let _ = key;
    None
}

/// `sha256:<64 hex>` over [`canonical_spki_der`]; `None` for unsupported keys.
/// Equals `openssl pkey -pubout -outform DER | sha256sum` for named-curve keys.
pub fn fingerprint(key: &PublicKey) -> Option<String> {
    use sha2::{Digest, Sha256};
    let der = canonical_spki_der(key)?;
    let digest = Sha256::digest(&der);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    Some(s)
}
