//! Ed25519 (RFC 8032): the stored public key of a PKCS#8 v2 key must be the
//! one derived from the seed (§5.1.5); chain signatures are PureEdDSA over
//! the tbsCertificate (RFC 8410 §6).

use super::SigCheck;
use crate::parse::Ed25519Private;

/// The public key derived from a 32-byte seed.
pub(crate) fn public_from_seed(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// "stored public key ≠ the seed's" when a stored key disagrees; empty otherwise.
pub(crate) fn key_problems(k: &Ed25519Private) -> Vec<String> {
    match &k.stored_public {
        Some(stored) if stored.as_slice() != public_from_seed(&k.seed) => {
            vec!["stored public key ≠ the one derived from the seed".into()]
        }
        _ => Vec::new(),
    }
}

/// Verify an Ed25519 signature over `message` with the issuer's key.
pub(crate) fn verify(public: &[u8; 32], message: &[u8], signature: &[u8]) -> SigCheck {
    use ed25519_dalek::Verifier;
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return SigCheck::Unchecked("the issuer's Ed25519 key does not decode".into());
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return SigCheck::Invalid;
    };
    match key.verify(message, &ed25519_dalek::Signature::from_bytes(&sig)) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 §7.1 TEST 1.
    const SEED: [u8; 32] = [
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49,
        0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
    ];
    const PUBLIC: [u8; 32] = [
        0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1,
        0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
    ];
    const SIG_EMPTY: [u8; 64] = [
        0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80, 0x6e, 0x82, 0x8a, 0x84, 0x87,
        0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55, 0x5f, 0xb8, 0x82, 0x15,
        0x90, 0xa3, 0x3b, 0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b, 0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b,
        0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b,
    ];

    #[test]
    fn derives_the_rfc_8032_public_key() {
        assert_eq!(public_from_seed(&SEED), PUBLIC);
    }

    #[test]
    fn stored_public_key_must_match_the_seed() {
        let good = Ed25519Private { seed: SEED, stored_public: Some(PUBLIC.to_vec()) };
        assert!(key_problems(&good).is_empty());
        let none = Ed25519Private { seed: SEED, stored_public: None };
        assert!(key_problems(&none).is_empty());
        let mut other = PUBLIC.to_vec();
        other[0] ^= 1;
        let bad = Ed25519Private { seed: SEED, stored_public: Some(other) };
        assert_eq!(key_problems(&bad).len(), 1);
        let short = Ed25519Private { seed: SEED, stored_public: Some(PUBLIC[..31].to_vec()) };
        assert_eq!(key_problems(&short).len(), 1);
    }

    #[test]
    fn verifies_the_rfc_8032_signature() {
        assert_eq!(verify(&PUBLIC, b"", &SIG_EMPTY), SigCheck::Valid);
        assert_eq!(verify(&PUBLIC, b"x", &SIG_EMPTY), SigCheck::Invalid);
        assert_eq!(verify(&PUBLIC, b"", &SIG_EMPTY[..63]), SigCheck::Invalid);
    }
}
