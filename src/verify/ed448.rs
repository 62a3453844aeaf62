//! Ed448 (RFC 8032): the stored public key of a PKCS#8 v2 key must be the one
//! derived from the 57-byte seed (§5.2.5); chain signatures are PureEdDSA
//! (Ed448 with an empty context) over the tbsCertificate (RFC 8410 §6).
//! The curve arithmetic is the `ed448-goldilocks` crate's.

use super::SigCheck;
use crate::parse::key::ed448_public_from_seed as public_from_seed;
use crate::parse::Ed448Private;
use ed448_goldilocks::{Signature, VerifyingKey};

/// "stored public key ≠ the seed's" when a stored key disagrees; empty otherwise.
pub(crate) fn key_problems(k: &Ed448Private) -> Vec<String> {
    match &k.stored_public {
        Some(stored) if stored.as_slice() != public_from_seed(&k.seed) => {
            vec!["stored public key ≠ the one derived from the seed".into()]
        }
        _ => Vec::new(),
    }
}

/// Verify an Ed448 signature over `message` with the issuer's key.
pub(crate) fn verify(public: &[u8; 57], message: &[u8], signature: &[u8]) -> SigCheck {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return SigCheck::Unchecked("the issuer's Ed448 key does not decode".into());
    };
    let Ok(sig) = Signature::from_slice(signature) else {
        return SigCheck::Invalid;
    };
    match key.verify_raw(&sig, message) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex<const N: usize>(s: &str) -> [u8; N] {
        let s: String = s.split_whitespace().collect();
        let v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
        v.try_into().unwrap()
    }

    // RFC 8032 §7.4, "Blank" (empty message).
    const SEED: &str = "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3
                        528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b";
    const PUBLIC: &str = "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778
                          edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180";
    const SIG_EMPTY: &str = "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f
                             2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a
                             9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db
                             b61149f05a7363268c71d95808ff2e652600";

    #[test]
    fn derives_the_rfc_8032_public_key() {
        assert_eq!(public_from_seed(&unhex(SEED)), unhex::<57>(PUBLIC));
    }

    #[test]
    fn stored_public_key_must_match_the_seed() {
        let seed = unhex(SEED);
        let public: [u8; 57] = unhex(PUBLIC);
        assert!(key_problems(&Ed448Private { seed, stored_public: Some(public.to_vec()) }).is_empty());
        assert!(key_problems(&Ed448Private { seed, stored_public: None }).is_empty());
        let mut other = public.to_vec();
        other[56] ^= 1;
        assert_eq!(key_problems(&Ed448Private { seed, stored_public: Some(other) }).len(), 1);
        let short = Ed448Private { seed, stored_public: Some(public[..56].to_vec()) };
        assert_eq!(key_problems(&short).len(), 1);
    }

    /// Keys and a self-signed certificate from `openssl genpkey -algorithm ed448`:
    /// the derived public key is `openssl pkey -pubout`'s, and the certificate's
    /// signature verifies (and fails once damaged).
    #[test]
    fn agrees_with_openssl_generated_keys_and_certificates() {
        use crate::parse::{parse_bytes, ItemKind, PublicKey, Source};
        use std::process::Command;
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(dir.path()).output().expect("openssl CLI");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        for _ in 0..3 {
            run(&["genpkey", "-algorithm", "ed448", "-out", "k.pem"]);
            let spki = run(&["pkey", "-in", "k.pem", "-pubout", "-outform", "DER"]);
            run(&["req", "-x509", "-key", "k.pem", "-subj", "/CN=ed448.test", "-days", "1", "-out", "c.pem"]);
            let key = parse_bytes(&std::fs::read(dir.path().join("k.pem")).unwrap(), Source::new("k.pem"), &[]);
            let Some(ItemKind::PrivateKey(k)) = key.items.first().map(|i| &i.kind) else { panic!("{key:?}") };
            let Some(PublicKey::Ed448(public)) = &k.public else { panic!("{k:?}") };
            assert_eq!(&spki[spki.len() - 57..], public);
            let cert = parse_bytes(&std::fs::read(dir.path().join("c.pem")).unwrap(), Source::new("c.pem"), &[]);
            let Some(ItemKind::Certificate(c)) = cert.items.first().map(|i| &i.kind) else { panic!("{cert:?}") };
            assert_eq!(c.public_key, PublicKey::Ed448(*public));
            assert_eq!(
                super::super::chain::check_signature(c, &c.public_key, &super::super::ec_tables::EcTables::default()),
                SigCheck::Valid
            );
            let mut damaged = (**c).clone();
            damaged.signature[5] ^= 1;
            assert_eq!(
                super::super::chain::check_signature(
                    &damaged,
                    &c.public_key,
                    &super::super::ec_tables::EcTables::default()
                ),
                SigCheck::Invalid
            );
        }
    }

    #[test]
    fn verifies_the_rfc_8032_signature() {
        let public: [u8; 57] = unhex(PUBLIC);
        let sig: [u8; 114] = unhex(SIG_EMPTY);
        assert_eq!(verify(&public, b"", &sig), SigCheck::Valid);
        assert_eq!(verify(&public, b"x", &sig), SigCheck::Invalid);
        assert_eq!(verify(&public, b"", &sig[..113]), SigCheck::Invalid);
    }
}
