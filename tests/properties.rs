//! Property tests (proptest): keys written by the RustCrypto encoders parse back
//! to their public key, PEM armour variations do not change what is read, and
//! altering any private component of a good key never yields `match`.

use base64::Engine;
use keymatch::parse::{parse_bytes, Curve, ItemKind, ParsedFile, PublicKey, Source};
use keymatch::verify::{verify_pair, PairMaterial, PrimeTest, Verdict};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use proptest::prelude::*;
use std::path::Path;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check").join(rel)).unwrap()
}

fn parse(bytes: &[u8], name: &str) -> ParsedFile {
    parse_bytes(bytes, Source::new(name), &[])
}

/// The public key of the only item of a file: a private key's derived one, or a public key.
fn public_of(file: &ParsedFile) -> Option<PublicKey> {
    match &file.items.first()?.kind {
        ItemKind::PrivateKey(k) => k.public.clone(),
        ItemKind::PublicKey(p) => Some(PublicKey::clone(p)),
        _ => None,
    }
}

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Verify `key` (DER or PEM bytes) against the certificate file `cert`; also checks
/// the fuzz targets' verdict invariants.
fn verdict_of(cert: &ParsedFile, key: &[u8], name: &str) -> (Verdict, usize) {
    let key_file = parse(key, name);
    let material = PairMaterial { cert_file: Some(cert), key_file: Some((&key_file, None)), chain_file: None };
    let out = verify_pair(&material, PrimeTest::OneRound);
    keymatch::fuzzing::check_verdict(cert, &key_file, &out);
    (out.verdict, out.findings.len() + key_file.findings.len())
}

/// The label and DER of the first PEM block of a fixture.
fn first_block(pem: &[u8]) -> (String, Vec<u8>) {
    let text = std::str::from_utf8(pem).unwrap();
    let begin = text.find("-----BEGIN ").unwrap() + 11;
    let label = &text[begin..begin + text[begin..].find("-----").unwrap()];
    let body_start = begin + label.len() + 5;
    let end = text.find(&format!("-----END {label}-----")).unwrap();
    let b64: String = text[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    (label.to_string(), base64::engine::general_purpose::STANDARD.decode(b64).unwrap())
}

fn xor_at(bytes: &mut [u8], pos: usize, mask: u8) {
    let len = bytes.len();
    bytes[pos % len] ^= mask;
}

/// The EC private key and public key encodings keymatch reads, as the curve crates write them.
macro_rules! ec_encodings {
    ($secret:expr) => {{
        let secret = $secret;
        let public = secret.public_key();
        vec![
            (secret.to_pkcs8_der().unwrap().as_bytes().to_vec(), "k.key"),
            (secret.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes().to_vec(), "k.pem"),
            (secret.to_sec1_der().unwrap().to_vec(), "k.key"),
            (secret.to_sec1_pem(LineEnding::CRLF).unwrap().as_bytes().to_vec(), "k.pem"),
            (public.to_public_key_der().unwrap().as_bytes().to_vec(), "pub.der"),
            (public.to_public_key_pem(LineEnding::LF).unwrap().into_bytes(), "pub.pem"),
        ]
    }};
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn ec_keys_from_the_curve_crates_parse_to_their_public_point(
        curve in 0usize..3,
        scalar in proptest::collection::vec(any::<u8>(), 66),
    ) {
        let (encodings, expected) = match curve {
            0 => {
                let Ok(k) = p256::SecretKey::from_slice(&scalar[..32]) else { return Ok(()) };
                let point = k.public_key().to_sec1_point(false).as_bytes().to_vec();
                (ec_encodings!(&k), PublicKey::Ec { curve: Curve::P256, point })
            }
            1 => {
                let Ok(k) = p384::SecretKey::from_slice(&scalar[..48]) else { return Ok(()) };
                let point = k.public_key().to_sec1_point(false).as_bytes().to_vec();
                (ec_encodings!(&k), PublicKey::Ec { curve: Curve::P384, point })
            }
            _ => {
                let mut s = scalar.clone();
                s[0] &= 1; // 521 bits
                let Ok(k) = p521::SecretKey::from_slice(&s) else { return Ok(()) };
                let point = k.public_key().to_sec1_point(false).as_bytes().to_vec();
                (ec_encodings!(&k), PublicKey::Ec { curve: Curve::P521, point })
            }
        };
        for (bytes, name) in encodings {
            let file = parse(&bytes, name);
            prop_assert!(file.findings.is_empty(), "{name}: {:?}", file.findings);
            let got = public_of(&file);
            prop_assert_eq!(got.as_ref(), Some(&expected), "{}", name);
        }
    }

    #[test]
    fn ed25519_keys_from_dalek_parse_to_their_public_key(seed in any::<[u8; 32]>()) {
        let k = ed25519_dalek::SigningKey::from_bytes(&seed);
        let expected = PublicKey::Ed25519(k.verifying_key().to_bytes());
        // RFC 8410 layouts (ed25519-dalek's own encoder needs features keymatch does not use).
        let der = [&[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20][..], &seed]
            .concat();
        let pem = pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &der).unwrap();
        let public = k.verifying_key().to_bytes();
        let spki = [&[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00][..], &public].concat();
        for (bytes, name) in [(&der[..], "k.key"), (pem.as_bytes(), "k.pem"), (&spki[..], "pub.der")] {
            let file = parse(bytes, name);
            prop_assert!(file.findings.is_empty());
            let got = public_of(&file);
            prop_assert_eq!(got.as_ref(), Some(&expected), "{}", name);
        }
    }

    #[test]
    fn pem_armour_variations_read_the_same_material(
        which in 0usize..6,
        width in prop::sample::select(vec![48usize, 64, 76]),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        text_around in any::<bool>(),
    ) {
        let files = [
            "rsa2048-pkcs1-pem/key.pem",
            "rsa2048-pkcs8-pem/cert.pem",
            "p256-sec1-pem/key.pem",
            "p384-pkcs8-pem/key.pem",
            "ed25519-pkcs8-pem/key.pem",
            "p521-sec1-pem/cert.pem",
        ];
        let original = fixture(files[which]);
        let (label, der) = first_block(&original);
        let nl = if crlf { "\r\n" } else { "\n" };
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        if text_around {
            text.push_str(&format!("Subject: copied from a ticket{nl}{nl}"));
        }
        text.push_str(&format!("-----BEGIN {label}-----{nl}"));
        for chunk in b64.as_bytes().chunks(width) {
            text.push_str(std::str::from_utf8(chunk).unwrap());
            text.push_str(nl);
        }
        text.push_str(&format!("-----END {label}-----{nl}"));
        if text_around {
            text.push_str(&format!("-- {nl}regards{nl}"));
        }
        let before = parse(&original, "x.pem");
        let after = parse(text.as_bytes(), "x.pem");
        prop_assert!(after.findings.is_empty());
        let public = |f: &ParsedFile| match &f.items.first().map(|i| &i.kind) {
            Some(ItemKind::Certificate(c)) => Some(c.public_key.clone()),
            _ => public_of(f),
        };
        prop_assert!(public(&before).is_some());
        prop_assert_eq!(public(&before), public(&after));
    }

    #[test]
    fn altering_any_rsa_component_never_yields_match(
        component in 0usize..8,
        pos in any::<usize>(),
        mask in 1u8..,
    ) {
        use der::{Decode, Encode};
        let cert = parse(&fixture("rsa2048-pkcs1-der/cert.der"), "cert.der");
        let mut key = pkcs1::RsaPrivateKey::<der::asn1::Uint>::from_der(&fixture("rsa2048-pkcs1-der/key.der")).unwrap();
        let slot = match component {
            0 => &mut key.modulus,
            1 => &mut key.public_exponent,
            2 => &mut key.private_exponent,
            3 => &mut key.prime1,
            4 => &mut key.prime2,
            5 => &mut key.exponent1,
            6 => &mut key.exponent2,
            _ => &mut key.coefficient,
        };
        let mut bytes = slot.as_bytes().to_vec();
        xor_at(&mut bytes, pos, mask);
        *slot = der::asn1::Uint::new(&bytes).unwrap();
        let (verdict, findings) = verdict_of(&cert, &key.to_der().unwrap(), "key.key");
        prop_assert_ne!(verdict, Verdict::Match, "component {} altered", component);
        prop_assert!(findings > 0);
    }

    #[test]
    fn altering_an_ec_scalar_or_stored_point_never_yields_match(
        curve in 0usize..3,
        in_point in any::<bool>(),
        pos in any::<usize>(),
        mask in 1u8..,
    ) {
        let (dir, flen) = [("p256-sec1-der", 32), ("p384-sec1-pem", 48), ("p521-sec1-pem", 66)][curve];
        let (cert_name, key_name) = if curve == 0 { ("cert.der", "key.der") } else { ("cert.pem", "key.pem") };
        let cert = parse(&fixture(&format!("{dir}/{cert_name}")), cert_name);
        let raw = fixture(&format!("{dir}/{key_name}"));
        let mut der = if curve == 0 { raw } else { pem_rfc7468::decode_vec(&raw).unwrap().1 };
        // ECPrivateKey: version 1, then the scalar as an OCTET STRING of the field length.
        let start = der.windows(5).position(|w| w == [0x02, 0x01, 0x01, 0x04, flen as u8]).unwrap() + 5;
        let point_len = 2 * flen + 1;
        let (lo, len) = if in_point { (der.len() - point_len, point_len) } else { (start, flen) };
        der[lo + pos % len] ^= mask;
        let (verdict, findings) = verdict_of(&cert, &der, "key.key");
        prop_assert_ne!(verdict, Verdict::Match);
        prop_assert!(findings > 0);
    }

    #[test]
    fn altering_an_ed25519_seed_or_stored_key_never_yields_match(
        in_public in any::<bool>(),
        pos in 0usize..32,
        mask in 1u8..,
    ) {
        let cert = parse(&fixture("ed25519-pkcs8v2/cert.pem"), "cert.pem");
        let mut der = pem_rfc7468::decode_vec(&fixture("ed25519-pkcs8v2/key.pem")).unwrap().1;
        // OneAsymmetricKey v2: the seed after `04 22 04 20`, the public key in the last 32 bytes.
        let seed = der.windows(4).position(|w| w == [0x04, 0x22, 0x04, 0x20]).unwrap() + 4;
        let at = if in_public { der.len() - 32 + pos } else { seed + pos };
        der[at] ^= mask;
        let (verdict, findings) = verdict_of(&cert, &der, "key.key");
        prop_assert_ne!(verdict, Verdict::Match);
        prop_assert!(findings > 0);
    }
}

#[test]
fn the_unaltered_fixture_pairs_match() {
    for (dir, c, k) in [
        ("rsa2048-pkcs1-der", "cert.der", "key.der"),
        ("p256-sec1-der", "cert.der", "key.der"),
        ("p384-sec1-pem", "cert.pem", "key.pem"),
        ("p521-sec1-pem", "cert.pem", "key.pem"),
        ("ed25519-pkcs8v2", "cert.pem", "key.pem"),
    ] {
        let cert = parse(&fixture(&format!("{dir}/{c}")), c);
        let (verdict, _) = verdict_of(&cert, &fixture(&format!("{dir}/{k}")), k);
        assert_eq!(verdict, Verdict::Match, "{dir}");
    }
}
