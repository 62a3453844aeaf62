//! Parsing the committed fixtures (`fixtures/check/<scenario>/`, made by
//! `fixtures/generate.sh` with the openssl CLI): every label and encoding, the
//! traps in docs/DESIGN.md, and a never-panic sweep over truncations and bit flips.

use super::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn check_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("check")
}

fn read(rel: &str) -> Vec<u8> {
    let p = check_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn passphrase() -> Vec<Vec<u8>> {
    let text = String::from_utf8(read("passphrase.txt")).unwrap();
    vec![text.lines().next().unwrap().as_bytes().to_vec()]
}

fn parse(rel: &str) -> ParsedFile {
    parse_bytes(&read(rel), Source::new(rel), &[])
}

fn parse_with(rel: &str, pass: &[Vec<u8>]) -> ParsedFile {
    parse_bytes(&read(rel), Source::new(rel), pass)
}

fn expect(scenario: &str) -> HashMap<String, String> {
    let text = String::from_utf8(read(&format!("{scenario}/expect"))).unwrap();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.split('#').next().unwrap_or("").trim().to_string()))
        .collect()
}

fn scenarios() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(check_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("expect").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn only_cert(p: &ParsedFile) -> &CertInfo {
    let certs: Vec<_> = p.certificates().collect();
    assert!(!certs.is_empty(), "{}: no certificate in {:?}", p.source.path, p.items);
    certs[0].2
}

fn only_key(p: &ParsedFile) -> &PrivateKey {
    let keys: Vec<_> = p.private_keys().collect();
    assert_eq!(keys.len(), 1, "{}: {:?}", p.source.path, p.items);
    keys[0].2
}

/// The (cert file, key file) of a scenario, from its `args=`.
fn pair_files(scenario: &str) -> (String, String) {
    let e = expect(scenario);
    let args: Vec<&str> = e["args"].split_whitespace().collect();
    let cert = format!("{scenario}/{}", args[0]);
    let key = format!("{scenario}/{}", args.get(1).unwrap_or(&args[0]));
    (cert, key)
}

/// Every `verdict=match` scenario: the certificate's public key and the one
/// derived from the private key match (equal numbers; RSA identifiers that
/// OpenSSL uses together), are supported, and have one fingerprint.
#[test]
fn every_matching_fixture_pair_decodes_to_equal_public_keys() {
    let mut seen = 0;
    for s in scenarios() {
        let e = expect(&s);
        if e.get("verdict").map(String::as_str) != Some("match") {
            continue;
        }
        // The scenario's passphrase file (relative to its directory), else the shared one.
        let pass = match e.get("passphrase_file") {
            Some(f) => {
                let text = String::from_utf8(read(&format!("{s}/{f}"))).unwrap();
                vec![text.lines().next().unwrap().as_bytes().to_vec()]
            }
            None => passphrase(),
        };
        let (cert_file, key_file) = pair_files(&s);
        let cf = parse_with(&cert_file, &pass);
        let kf = parse_with(&key_file, &pass);
        assert!(cf.findings.is_empty() && kf.findings.is_empty(), "{s}: {:?} {:?}", cf.findings, kf.findings);
        let cert = only_cert(&cf);
        let key = only_key(&kf);
        assert!(cert.public_key.is_supported(), "{s}: {:?}", cert.public_key);
        let key_public = key.public.as_ref().unwrap_or_else(|| panic!("{s}: no public key"));
        let verdict = crate::verify::public_keys_match(&cert.public_key, key_public);
        assert_eq!(verdict, crate::verify::KeyMatch::Match, "{s}");
        let fp = cert.public_key.fingerprint().unwrap();
        assert_eq!(key_public.fingerprint().as_ref(), Some(&fp), "{s}");
        assert!(fp.starts_with("sha256:") && fp.len() == 71, "{s}: {fp}");
        seen += 1;
    }
    assert!(seen >= 40, "only {seen} matching scenarios");
}

#[test]
fn formats_follow_labels_and_der_structure() {
    let pass = passphrase();
    let cases: &[(&str, KeyFormat, &str)] = &[
        ("rsa2048-pkcs1-pem/key.pem", KeyFormat::Pkcs1, "RSA-2048"),
        ("rsa2048-pkcs8-pem/key.pem", KeyFormat::Pkcs8, "RSA-2048"),
        ("rsa2048-pkcs1-der/key.der", KeyFormat::Pkcs1, "RSA-2048"),
        ("rsa16384/key.pem", KeyFormat::Pkcs8, "RSA-16384"),
        ("p256-sec1-pem/key.pem", KeyFormat::Sec1, "EC-P256"),
        ("p256-sec1-der/key.der", KeyFormat::Sec1, "EC-P256"),
        ("p384-pkcs8-pem/key.pem", KeyFormat::Pkcs8, "EC-P384"),
        ("p521-sec1-pem/key.pem", KeyFormat::Sec1, "EC-P521"),
        ("ed25519-pkcs8-der/key.der", KeyFormat::Pkcs8, "Ed25519"),
        ("enc-pkcs8-pbkdf2-aes256/key.pem", KeyFormat::Pkcs8Encrypted, "RSA-2048"),
        ("enc-pkcs8-scrypt/key.pem", KeyFormat::Pkcs8Encrypted, "EC-P256"),
        ("enc-pkcs8-pbkdf2-sha1-aes128/key.pem", KeyFormat::Pkcs8Encrypted, "EC-P256"),
        ("enc-pkcs8-des3/key.pem", KeyFormat::Pkcs8Encrypted, "RSA-2048"),
        ("enc-legacy-aes128/key.pem", KeyFormat::LegacyEncrypted, "RSA-2048"),
        ("enc-legacy-aes192/key.pem", KeyFormat::LegacyEncrypted, "RSA-2048"),
        ("enc-legacy-aes256/key.pem", KeyFormat::LegacyEncrypted, "EC-P256"),
        ("enc-legacy-des3/key.pem", KeyFormat::LegacyEncrypted, "RSA-2048"),
    ];
    for (file, format, alg) in cases {
        let p = parse_with(file, &pass);
        let k = only_key(&p);
        assert_eq!(k.format, *format, "{file}");
        assert_eq!(k.material.algorithm(), *alg, "{file}");
        if file.ends_with(".der") {
            assert_eq!(p.items[0].line, None, "{file}");
        } else {
            assert!(p.items[0].line.is_some(), "{file}");
        }
    }
    // Bare DER PKCS#8 (the DER inside openssl's PEM PKCS#8 output): told apart from PKCS#1 and SEC1.
    for (file, alg) in [
        ("rsa2048-pkcs8-pem/key.pem", "RSA-2048"),
        ("p256-pkcs8-pem/key.pem", "EC-P256"),
        ("ed25519-pkcs8-pem/key.pem", "Ed25519"),
    ] {
        let text = read(file);
        let der = pem::decode_body(&pem::split(&text, 1).0[0]).unwrap();
        let p = parse_bytes(&der, Source::new("key.bin"), &[]);
        let k = only_key(&p);
        assert_eq!((k.format, k.material.algorithm().as_str()), (KeyFormat::Pkcs8, alg), "{file}");
        assert_eq!(k.public, only_key(&parse(file)).public, "{file}");
    }
    let c = parse("rsa2048-pkcs1-der/cert.der");
    assert_eq!(c.items.len(), 1);
    assert!(matches!(c.items[0].kind, ItemKind::Certificate(_)));
    assert_eq!((c.items[0].block, c.items[0].line), (0, None));
}

#[test]
fn explicit_and_compressed_ec_equal_the_named_uncompressed_form() {
    for s in ["p256-explicit", "p256-compressed"] {
        let (cert_file, key_file) = pair_files(s);
        let cert = only_cert(&parse(&cert_file)).public_key.clone();
        let PublicKey::Ec { curve, point } = &cert else { panic!("{s}: {cert:?}") };
        assert_eq!(*curve, Curve::P256);
        assert_eq!(point.len(), 65);
        assert_eq!(point[0], 4);
        let kf = parse(&key_file);
        assert_eq!(only_key(&kf).public.as_ref(), Some(&cert), "{s}");
        // The canonical SPKI names the curve and carries the uncompressed point.
        let der = pubkey::canonical_spki_der(&cert).unwrap();
        assert_eq!(pubkey::decode_spki(&der).unwrap(), cert);
        assert!(der.windows(8).any(|w| w == [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]));
    }
}

#[test]
fn sec1_without_public_and_after_ec_parameters() {
    let p = parse("p256-sec1-nopub/key.pem");
    let KeyMaterial::Ec(ec) = &only_key(&p).material else { panic!() };
    assert!(ec.stored_public.is_none());
    let p = parse("p256-ecparams-block/key.pem");
    assert_eq!(p.items.len(), 2);
    assert!(matches!(&p.items[0].kind, ItemKind::Other(l) if l == "EC PARAMETERS"));
    assert_eq!(p.items[1].block, 1);
    let k = only_key(&p);
    assert_eq!(k.format, KeyFormat::Sec1);
    assert!(matches!(k.public, Some(PublicKey::Ec { curve: Curve::P256, .. })));
}

#[test]
fn stored_public_halves_are_kept_for_verify() {
    let p = parse("p256-sec1-pem/key.pem");
    let k = only_key(&p);
    let KeyMaterial::Ec(ec) = &k.material else { panic!() };
    let Some(PublicKey::Ec { point, .. }) = &k.public else { panic!() };
    assert_eq!(ec.stored_public.as_ref().unwrap().as_ref().unwrap(), point);

    let p = parse("corrupt-ec-pub/key.pem");
    let k = only_key(&p);
    let KeyMaterial::Ec(ec) = &k.material else { panic!() };
    let Some(PublicKey::Ec { point, .. }) = &k.public else { panic!() };
    match ec.stored_public.as_ref().unwrap() {
        Ok(stored) => assert_ne!(stored, point),
        Err(reason) => assert!(!reason.is_empty()),
    }

    let p = parse("ed25519-pkcs8v2/key.pem");
    let k = only_key(&p);
    let KeyMaterial::Ed25519(ed) = &k.material else { panic!() };
    let Some(PublicKey::Ed25519(derived)) = &k.public else { panic!() };
    assert_eq!(ed.stored_public.as_deref(), Some(&derived[..]));

    let p = parse("corrupt-ed25519-pub/key.pem");
    let k = only_key(&p);
    let KeyMaterial::Ed25519(ed) = &k.material else { panic!() };
    let Some(PublicKey::Ed25519(derived)) = &k.public else { panic!() };
    assert!(ed.stored_public.is_some());
    assert_ne!(ed.stored_public.as_deref(), Some(&derived[..]));

    // Ed448 PKCS#8 v2: the stored public key is kept beside the derived one.
    let p = parse("corrupt-ed448-pub/key.pem");
    let k = only_key(&p);
    let KeyMaterial::Ed448(ed) = &k.material else { panic!("{k:?}") };
    let Some(PublicKey::Ed448(derived)) = &k.public else { panic!() };
    assert_eq!(ed.stored_public.as_ref().map(Vec::len), Some(57));
    assert_ne!(ed.stored_public.as_deref(), Some(&derived[..]));
    let cert = parse("corrupt-ed448-pub/cert.pem");
    assert_eq!(only_cert(&cert).public_key, PublicKey::Ed448(*derived));
}

#[test]
fn rsa_numbers_are_decoded() {
    let p = parse("rsa2048-pkcs1-pem/key.pem");
    let KeyMaterial::Rsa(r) = &only_key(&p).material else { panic!() };
    assert_eq!(bit_len(&r.n), 2048);
    assert_eq!(r.e, [1, 0, 1]);
    for (name, v) in [("d", &r.d), ("p", &r.p), ("q", &r.q), ("dp", &r.dp), ("dq", &r.dq), ("qinv", &r.qinv)] {
        assert!(!v.is_empty() && v[0] != 0, "{name}");
    }
    assert_eq!(bit_len(&r.p), 1024);
    // PSS certificates decode to the same canonical RSA key as the key file.
    let cert = only_cert(&parse("rsa-pss/cert.pem")).public_key.clone();
    assert!(matches!(cert, PublicKey::Rsa { .. }));
}

#[test]
fn pem_variants_keep_blocks_and_lines() {
    for s in ["bom", "crlf", "b64-76", "text-around", "trusted-certificate", "x509-certificate-label"] {
        let (cert_file, key_file) = pair_files(s);
        let cf = parse(&cert_file);
        let kf = parse(&key_file);
        assert!(cf.certificates().count() >= 1, "{s}");
        assert_eq!(only_key(&kf).public.as_ref(), Some(&only_cert(&cf).public_key), "{s}");
    }
    // `openssl x509 -text` output: the block starts after the text dump.
    let cf = parse(&pair_files("text-around").0);
    let line = cf.items[0].line.unwrap();
    assert!(line > 10, "BEGIN line {line}");
    let text = String::from_utf8(read(&pair_files("text-around").0)).unwrap();
    assert!(text.lines().nth(line as usize - 1).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    // CRLF and BOM do not shift line numbers.
    assert_eq!(parse(&pair_files("crlf").0).items[0].line, Some(1));
    assert_eq!(parse(&pair_files("bom").0).items[0].line, Some(1));
}

#[test]
fn bundles_number_blocks_in_file_order() {
    let p = parse("combined-key-first/combined.pem");
    let kinds: Vec<&str> = p
        .items
        .iter()
        .map(|i| match i.kind {
            ItemKind::PrivateKey(_) => "key",
            ItemKind::Certificate(_) => "cert",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["key", "cert", "cert"]);
    assert_eq!(p.items.iter().map(|i| i.block).collect::<Vec<_>>(), [0, 1, 2]);
    let lines: Vec<u32> = p.items.iter().map(|i| i.line.unwrap()).collect();
    assert!(lines[0] == 1 && lines[0] < lines[1] && lines[1] < lines[2]);
    let leaf = p.certificates().next().unwrap().2;
    let inter = p.certificates().nth(1).unwrap().2;
    assert_eq!(leaf.issuer_der, inter.subject_der);
    assert!(inter.is_ca && !leaf.is_ca);

    let p = parse("chain-order/cert.pem");
    assert_eq!(p.certificates().count(), 2);
}

#[test]
fn certificate_fields() {
    let p = parse("rsa2048-pkcs8-pem/cert.pem");
    let c = only_cert(&p);
    assert!(c.subject.contains("CN="), "{}", c.subject);
    assert!(c.issuer.contains("CN="), "{}", c.issuer);
    assert_ne!(c.subject_der, c.issuer_der, "leaves are issued by the test CA");
    // notBefore 2025-01-01, valid 100 years.
    assert_eq!(c.not_before, 1_735_689_600);
    assert!(c.not_after > c.not_before + 99 * 365 * 86400);
    // A PKCS #1 signature algorithm (sha256WithRSAEncryption and its siblings).
    let sig_alg = super::oid::parse(&c.signature_algorithm);
    assert_eq!(sig_alg.and_then(|o| o.parent()), Some(der::oid::db::rfc5912::PKCS_1), "{}", c.signature_algorithm);
    assert!(!c.signature.is_empty() && !c.tbs_der.is_empty() && c.tbs_der[0] == 0x30);
    assert_eq!(c.cert_sha256.len(), 64);
    assert!(!c.serial.is_empty() && c.serial.chars().all(|ch| ch.is_ascii_hexdigit()));
    assert!(c.dns_names.iter().all(|n| n == &n.to_ascii_lowercase()));
    // The DER copy of the same kind of certificate decodes to the same fields' shape.
    let d = parse("rsa2048-pkcs1-der/cert.der");
    let dc = only_cert(&d);
    assert_eq!(dc.cert_sha256.len(), 64);
    assert_eq!(dc.not_before, 1_735_689_600);
}

#[test]
fn encrypted_keys_without_a_working_passphrase() {
    let p = parse("enc-nopass/key.pem");
    let enc: Vec<_> =
        p.items.iter().filter_map(|i| if let ItemKind::EncryptedKey(e) = &i.kind { Some(e) } else { None }).collect();
    assert_eq!(enc.len(), 1, "{:?}", p.items);
    assert_eq!(enc[0].locked, Locked::NoPassphrase);
    assert!(!enc[0].scheme.is_empty());
    assert!(p.findings.is_empty());

    let wrong = String::from_utf8(read("wrongpass.txt")).unwrap();
    let wrong = vec![wrong.lines().next().unwrap().as_bytes().to_vec()];
    let p = parse_with("enc-wrongpass/key.pem", &wrong);
    assert!(matches!(&p.items[0].kind, ItemKind::EncryptedKey(e) if e.locked == Locked::WrongPassphrase));
    assert!(p.has_key_material());

    // Each encryption scheme: wrong passphrase → locked with a named scheme; right one (second) → opened.
    for (s, scheme) in [
        ("enc-pkcs8-pbkdf2-aes256", "AES-256-CBC"),
        ("enc-pkcs8-scrypt", "scrypt"),
        ("enc-pkcs8-des3", "DES-EDE3-CBC"),
        ("enc-pkcs8-pbkdf2-sha1-aes128", "PBKDF2-HMAC-SHA1, AES-128-CBC"),
        ("enc-legacy-aes128", "AES-128-CBC"),
        ("enc-legacy-aes192", "AES-192-CBC"),
        ("enc-legacy-aes256", "AES-256-CBC"),
        ("enc-legacy-des3", "DES-EDE3-CBC"),
    ] {
        let file = format!("{s}/key.pem");
        let p = parse_with(&file, &wrong);
        match &p.items[0].kind {
            ItemKind::EncryptedKey(e) => assert!(e.scheme.contains(scheme), "{s}: {}", e.scheme),
            other => panic!("{s}: {other:?}"),
        }
        let both = [wrong[0].clone(), passphrase()[0].clone()];
        let p = parse_with(&file, &both);
        assert!(matches!(p.items[0].kind, ItemKind::PrivateKey(_)), "{s}");
    }
}

#[test]
fn unsupported_algorithms_are_named() {
    for (s, name) in [("dsa", "DSA"), ("secp256k1", "EC secp256k1"), ("rsa-multiprime", "RSA multi-prime")] {
        let (cert_file, key_file) = pair_files(s);
        let kf = parse(&key_file);
        let k = only_key(&kf);
        assert!(matches!(&k.material, KeyMaterial::Unsupported { algorithm } if algorithm == name), "{s}: {k:?}");
        assert_eq!(k.public, Some(PublicKey::Unsupported { algorithm: name.to_string() }), "{s}");
        let cf = parse(&cert_file);
        let cert_alg = only_cert(&cf).public_key.algorithm();
        if s != "rsa-multiprime" {
            assert_eq!(cert_alg, name, "{s}");
        }
        assert!(kf.findings.is_empty() && cf.findings.is_empty());
    }
}

#[test]
fn public_key_is_never_a_private_key() {
    let (_, key_file) = pair_files("public-key-as-key");
    let p = parse(&key_file);
    assert!(!p.has_key_material());
    assert!(
        matches!(&p.items[0].kind, ItemKind::PublicKey(k) if matches!(**k, PublicKey::Rsa { .. } | PublicKey::Ec { .. }))
    );
}

#[test]
fn truncated_empty_and_random_material() {
    let (cert_file, _) = pair_files("truncated-pem");
    let p = parse(&cert_file);
    assert!(matches!(p.items[0].kind, ItemKind::Malformed { claimed: Claimed::Certificate, .. }));
    assert!(p.has_cert_material());
    assert_eq!(p.findings.len(), 1);
    let f = &p.findings[0];
    assert_eq!(f.code, Code::Malformed);
    assert!(f.message.contains(&cert_file) && f.message.contains("block 0"), "{}", f.message);
    assert_eq!(f.locations[0].block, Some(0));
    assert_eq!(f.locations[0].line, Some(1));

    let (_, key_file) = pair_files("empty-key");
    let p = parse(&key_file);
    assert!(p.items.is_empty() && p.findings.is_empty());

    // Garbage in base64 and an empty block, built from a real certificate.
    let text = String::from_utf8(read("rsa2048-pkcs8-pem/cert.pem")).unwrap();
    let damaged = text.replacen("MII", "M*I", 1);
    let p = parse_bytes(damaged.as_bytes(), Source::new("d.pem"), &[]);
    assert!(matches!(p.items[0].kind, ItemKind::Malformed { .. }));
    assert_eq!(p.findings.len(), 1);
    let empty = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n";
    let p = parse_bytes(empty.as_bytes(), Source::new("e.pem"), &[]);
    assert!(
        matches!(&p.items[0].kind, ItemKind::Malformed { claimed: Claimed::PrivateKey, reason } if reason.contains("empty"))
    );
    assert!(p.has_key_material());
}

#[test]
fn der_files_are_told_apart_by_structure_not_name() {
    let cert = read("rsa2048-pkcs1-der/cert.der");
    let key = read("rsa2048-pkcs8-der/key.der");
    // Swapped names: structure decides.
    let p = parse_bytes(&cert, Source::new("thing.key"), &[]);
    assert!(matches!(p.items[0].kind, ItemKind::Certificate(_)));
    let p = parse_bytes(&key, Source::new("thing.crt"), &[]);
    assert!(matches!(p.items[0].kind, ItemKind::PrivateKey(_)));
    // Concatenated DER: the first object only.
    let mut both = cert.clone();
    both.extend_from_slice(&key);
    let p = parse_bytes(&both, Source::new("both.der"), &[]);
    assert_eq!(p.items.len(), 1);
    assert!(matches!(p.items[0].kind, ItemKind::Certificate(_)));
    // Truncated DER: malformed under a certificate/key name, ignored otherwise.
    let cut = &cert[..cert.len() / 2];
    let p = parse_bytes(cut, Source::new("cert.der"), &[]);
    assert!(matches!(p.items[0].kind, ItemKind::Malformed { claimed: Claimed::Certificate, .. }));
    assert_eq!(p.findings.len(), 1);
    let p = parse_bytes(cut, Source::new("libfoo.so"), &[]);
    assert!(p.items.is_empty() && p.findings.is_empty());
    let cut = &key[..key.len() - 10];
    let p = parse_bytes(cut, Source::new("server.key"), &[]);
    assert!(matches!(p.items[0].kind, ItemKind::Malformed { claimed: Claimed::PrivateKey, .. }));
}

#[test]
fn block_limit_keeps_the_first_blocks_and_notes_it() {
    let one = String::from_utf8(read("rsa2048-pkcs8-pem/cert.pem")).unwrap();
    let many = one.repeat(MAX_BLOCKS + 3);
    let p = parse_bytes(many.as_bytes(), Source::new("many.pem"), &[]);
    assert_eq!(p.items.len(), MAX_BLOCKS);
    assert_eq!(p.findings.len(), 1);
    assert_eq!(p.findings[0].code, Code::Unsupported);
}

/// A small deterministic generator (xorshift64*), so the sweep is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn all_fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![check_dir()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.metadata().map(|m| m.len() < 64 * 1024).unwrap_or(false) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Truncations and bit flips of every fixture file, and random bytes, never panic.
#[test]
fn never_panics_on_damaged_input() {
    let wrong = vec![b"wrong".to_vec()];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let files = all_fixture_files();
    assert!(files.len() > 50, "{} fixture files", files.len());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // scrypt is slow in debug builds: damage its file without trying passphrases.
        let pass: &[Vec<u8>] = if path.to_string_lossy().contains("scrypt") { &[] } else { &wrong };
        // PEM text and its DER decoding (so DER parsing sees damage too).
        let mut inputs = vec![bytes.clone()];
        if let Some(b) = pem::split(&bytes, 4).0.first() {
            if let Ok(der) = pem::decode_body(b) {
                inputs.push(der);
            }
        }
        for input in &inputs {
            let n = input.len();
            for _ in 0..12 {
                let cut = rng.below(n + 1);
                let _ = parse_bytes(&input[..cut], Source::new(&name), pass);
            }
            for _ in 0..24 {
                let mut m = input.clone();
                if m.is_empty() {
                    break;
                }
                for _ in 0..1 + rng.below(3) {
                    let i = rng.below(m.len());
                    m[i] ^= 1 << rng.below(8);
                }
                let _ = parse_bytes(&m, Source::new(&name), pass);
            }
        }
    }
    for len in [0, 1, 2, 3, 16, 100, 2048] {
        for _ in 0..20 {
            let mut v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if let Some(first) = v.first_mut() {
                *first = 0x30;
            }
            let _ = parse_bytes(&v, Source::new("random.der"), &wrong);
        }
    }
}

/// Labels the fixtures do not carry, made with the openssl CLI in a temporary
/// directory: CSR, DH parameters, RSA PUBLIC KEY, X25519, in one bundle and as DER.
#[test]
fn other_labels_are_recognised_and_left_alone() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let key = check_dir().join("rsa2048-pkcs8-pem/key.pem");
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir.path()).output().expect("openssl CLI");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let key_s = key.to_str().unwrap();
    run(&["req", "-new", "-key", key_s, "-subj", "/CN=x", "-out", "req.pem"]);
    run(&["req", "-new", "-key", key_s, "-subj", "/CN=x", "-outform", "DER", "-out", "req.der"]);
    run(&["rsa", "-in", key_s, "-RSAPublicKey_out", "-out", "rsapub.pem"]);
    run(&["pkey", "-in", key_s, "-pubout", "-outform", "DER", "-out", "pub.der"]);
    run(&["genpkey", "-algorithm", "X25519", "-out", "x25519.pem"]);
    run(&["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_rfc5114:2", "-out", "dh.pem"]);
    let mut bundle = Vec::new();
    for f in ["req.pem", "dh.pem", "rsapub.pem", "x25519.pem"] {
        bundle.extend(std::fs::read(dir.path().join(f)).unwrap());
        bundle.extend_from_slice(b"some text between blocks\n");
    }
    bundle.extend(read("rsa2048-pkcs8-pem/cert.pem"));
    let p = parse_bytes(&bundle, Source::new("bundle.pem"), &[]);
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    let blocks: Vec<usize> = p.items.iter().map(|i| i.block).collect();
    assert_eq!(blocks, (0..p.items.len()).collect::<Vec<_>>());
    assert!(blocks.len() >= 5);
    assert!(matches!(&p.items[0].kind, ItemKind::Other(l) if l == "CERTIFICATE REQUEST"));
    assert!(matches!(&p.items[1].kind, ItemKind::Other(l) if l.contains("PARAMETERS")), "{:?}", p.items[1]);
    let key_public = only_key(&parse("rsa2048-pkcs8-pem/key.pem")).public.clone().unwrap();
    assert!(matches!(&p.items[2].kind, ItemKind::PublicKey(k) if **k == key_public));
    let ItemKind::PrivateKey(x) = &p.items[3].kind else { panic!("{:?}", p.items[3]) };
    assert_eq!(x.public, Some(PublicKey::Unsupported { algorithm: "X25519".into() }));
    assert!(matches!(p.items[4].kind, ItemKind::Certificate(_)));

    let der = |f: &str| parse_bytes(&std::fs::read(dir.path().join(f)).unwrap(), Source::new(f), &[]);
    let p = der("req.der");
    assert!(matches!(&p.items[0].kind, ItemKind::Other(l) if l == "CERTIFICATE REQUEST"));
    let p = der("pub.der");
    assert!(matches!(&p.items[0].kind, ItemKind::PublicKey(k) if **k == key_public));
    assert!(!p.has_key_material());
}

/// The reason OpenSSL will not read the key item of a file (`None`: it reads it).
fn key_unloadable(rel: &str) -> Option<Unloadable> {
    let p = parse(rel);
    let (_, item, _) = p.private_keys().next().unwrap_or_else(|| panic!("{rel}: no key in {:?}", p.items));
    item.unloadable().cloned()
}

/// A key body of another structure than its label says is decoded (the
/// mathematics stays checkable) and marked, except PKCS#8 of the label's own
/// algorithm, which every server loads.
#[test]
fn label_body_swaps_decode_and_are_marked_where_servers_refuse_them() {
    let swap = |label: &str, body: &str| Some(Unloadable::LabelBody { label: label.into(), body: body.into() });
    for (rel, want) in [
        ("label-pkcs1-as-pkcs8/key.pem", swap("PRIVATE KEY", "a PKCS#1 RSAPrivateKey")),
        ("label-sec1-as-pkcs8/key.pem", swap("PRIVATE KEY", "a SEC1 ECPrivateKey")),
        ("label-pkcs8-ec-as-rsa/key.pem", swap("RSA PRIVATE KEY", "a PKCS#8 PrivateKeyInfo")),
        ("label-pkcs1-as-ec/key.pem", swap("EC PRIVATE KEY", "a PKCS#1 RSAPrivateKey")),
        ("label-pkcs8-as-rsa/key.pem", None),
        ("label-pkcs8-as-ec/key.pem", None),
    ] {
        let p = parse(rel);
        assert!(p.findings.is_empty(), "{rel}: {:?}", p.findings);
        assert_eq!(key_unloadable(rel), want, "{rel}");
        let (cert, _) = pair_files(rel.split('/').next().unwrap());
        assert_eq!(only_key(&p).public, Some(only_cert(&parse(&cert)).public_key.clone()), "{rel}");
    }
    // A body that is none of the key structures stays malformed, with the label's reason.
    let mut text = read("label-pkcs1-as-pkcs8/key.pem");
    let der = pem::decode_body(&pem::split(&text, 2).0[0]).unwrap();
    text = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der[..der.len() / 2])
    )
    .into_bytes();
    let p = parse_bytes(&text, Source::new("half.pem"), &[]);
    assert_eq!(codes_of(&p), ["malformed"]);
}

fn codes_of(p: &ParsedFile) -> Vec<&'static str> {
    p.findings.iter().map(|f| f.code.as_str()).collect()
}

/// A BER indefinite-length outer SEQUENCE reads as the DER it stands for, in
/// PEM and in a bare DER file; the certificate's identity is the DER's.
#[test]
fn ber_indefinite_outer_sequence_reads_as_its_der() {
    let p = parse("ber-indefinite-cert/cert.pem");
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    assert_eq!(p.certificates().count(), 2);
    let bytes = read("ber-indefinite-cert/cert.pem");
    let ber = pem::decode_body(&pem::split(&bytes, 4).0[0]).unwrap();
    assert_eq!(&ber[..2], &[0x30, 0x80]);
    let der_file = parse_bytes(&ber, Source::new("leaf.der"), &[]);
    assert!(der_file.findings.is_empty(), "{:?}", der_file.findings);
    let (a, b) = (only_cert(&p), only_cert(&der_file));
    assert_eq!((&a.cert_sha256, &a.public_key), (&b.cert_sha256, &b.public_key));
    // The definite re-encoding is what the SHA-256 identity is taken over.
    let mut der = vec![0x30, 0x82];
    der.extend_from_slice(&u16::try_from(ber.len() - 4).unwrap().to_be_bytes());
    der.extend_from_slice(&ber[2..ber.len() - 2]);
    assert_eq!(only_cert(&parse_bytes(&der, Source::new("leaf.der"), &[])).cert_sha256, a.cert_sha256);
    // Without its end-of-contents the certificate does not decode.
    let cut = parse_bytes(&ber[..ber.len() - 2], Source::new("leaf.der"), &[]);
    assert_eq!(codes_of(&cut), ["malformed"]);
}

#[test]
fn bare_der_dsa_key_is_unsupported_not_malformed() {
    let p = parse("dsa-der/key.der");
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    assert_eq!(only_key(&p).material.algorithm(), "DSA");
}

/// Indented BEGIN lines and END lines of another label are noted on the item;
/// the material still decodes.
#[test]
fn armour_openssl_refuses_is_noted_on_the_item() {
    let unloadable =
        |rel: &str| parse(rel).items.iter().map(|it| it.unloadable().cloned()).collect::<Vec<Option<Unloadable>>>();
    assert_eq!(unloadable("indented-leaf/cert.pem"), [Some(Unloadable::IndentedBegin), None]);
    assert_eq!(unloadable("indented-chain/cert.pem"), [None, Some(Unloadable::IndentedBegin)]);
    assert_eq!(unloadable("indented-key/key.pem"), [Some(Unloadable::IndentedBegin)]);
    let end = |begin: &str, end: &str| Some(Unloadable::EndLabel { begin: begin.into(), end: end.into() });
    assert_eq!(unloadable("end-label-leaf/cert.pem"), [end("CERTIFICATE", "PRIVATE KEY"), None]);
    assert_eq!(unloadable("end-label-chain/cert.pem"), [None, end("CERTIFICATE", "X509 CRL")]);
    assert_eq!(unloadable("end-label-key/key.pem"), [end("PRIVATE KEY", "RSA PRIVATE KEY")]);
    for rel in ["indented-leaf/cert.pem", "end-label-key/key.pem", "rsa2048-pkcs8-pem/cert.pem"] {
        assert!(parse(rel).findings.is_empty(), "{rel}");
    }
    assert_eq!(unloadable("rsa2048-pkcs8-pem/cert.pem"), [None, None]);
    // PEM inside YAML (Ansible variables, Helm values) is indented by the YAML:
    // a server never reads that file, so nothing is noted.
    let bytes = read("indented-leaf/cert.pem");
    for name in ["group_vars/web.yml", "values.YAML", "cert.pem.j2"] {
        let p = parse_bytes(&bytes, Source::new(name), &[]);
        assert!(p.items.iter().all(|it| it.unloadable().is_none()), "{name}");
        assert_eq!(p.certificates().count(), 2, "{name}");
    }
}

/// Hybrid points: read by their coordinates; the wrong parity bit is noted
/// (key and certificate), the right one is not.
#[test]
fn hybrid_points_with_the_wrong_parity_are_noted() {
    let hybrid = |what| Some(Unloadable::HybridParity { what });
    assert_eq!(key_unloadable("hybrid-key-parity/key.pem"), hybrid("stored public key"));
    assert_eq!(key_unloadable("hybrid-ok/key.pem"), None);
    let cert = parse("hybrid-cert-parity/cert.pem");
    assert_eq!(cert.items[0].unloadable().cloned(), hybrid("certificate's public key"));
    assert_eq!(parse("hybrid-ok/cert.pem").items[0].unloadable(), None);
    // The coordinates are right: the key's stored point is its d·G, the certificate's point the key's.
    let key = parse("hybrid-key-parity/key.pem");
    let k = only_key(&key);
    let KeyMaterial::Ec(ec) = &k.material else { panic!("not EC") };
    assert_eq!(
        ec.stored_public.as_ref().and_then(|r| r.as_ref().ok()),
        k.public.as_ref().and_then(|p| match p {
            PublicKey::Ec { point, .. } => Some(point),
            _ => None,
        })
    );
    assert_eq!(Some(only_cert(&cert).public_key.clone()), only_key(&parse("hybrid-cert-parity/key.pem")).public);
}

/// PKCS#8 v2 keys are marked, and their publicKey is attached when the
/// material has no place for it (RSA; EC whose SEC1 body stores a point).
#[test]
fn pkcs8_v2_is_marked_and_its_public_key_attached() {
    for rel in ["pkcs8v2-rsa/key.pem", "pkcs8v2-p256/key.pem", "ed25519-pkcs8v2/key.pem"] {
        assert_eq!(key_unloadable(rel), Some(Unloadable::Pkcs8V2), "{rel}");
    }
    for (rel, own) in [
        ("pkcs8v2-rsa/key.pem", true),
        ("pkcs8v2-p256/key.pem", true),
        ("pkcs8v2-rsa-wrong-pub/key.pem", false),
        ("pkcs8v2-p256-wrong-pub/key.pem", false),
    ] {
        let p = parse(rel);
        let k = only_key(&p);
        let attached = k.attached_public.as_deref().unwrap_or_else(|| panic!("{rel}: nothing attached")).clone();
        assert_eq!(attached.ok() == k.public, own, "{rel}");
    }
    assert_eq!(key_unloadable("rsa2048-pkcs8-pem/key.pem"), None);
    assert!(only_key(&parse("rsa2048-pkcs8-pem/key.pem")).attached_public.is_none());
}

fn shared_cert(p: &ParsedFile, n: usize) -> &Arc<CertInfo> {
    match &p.items.iter().filter(|it| matches!(it.kind, ItemKind::Certificate(_))).nth(n).unwrap().kind {
        ItemKind::Certificate(c) => c,
        _ => unreachable!(),
    }
}

/// Files that hold the same certificate or key share one decoded copy; a certificate whose
/// signed bytes were dropped is not shared with its whole form, and another key stays apart.
#[test]
fn item_pool_shares_identical_certificates_and_keys() {
    let pool = ItemPool::default();
    let mut a = parse("chain-order/cert.pem");
    let mut b = parse("chain-order/cert.pem");
    let mut key_a = parse("chain-order/key.pem");
    let mut key_b = parse("chain-order/key.pem");
    let mut other_key = parse("b64-76/key.pem");
    let mut stripped = parse("chain-order/cert.pem");
    stripped.drop_last_signature();
    for f in [&mut a, &mut b, &mut key_a, &mut key_b, &mut other_key, &mut stripped] {
        pool.share(f);
    }
    assert!(Arc::ptr_eq(shared_cert(&a, 0), shared_cert(&b, 0)));
    assert!(Arc::ptr_eq(shared_cert(&a, 1), shared_cert(&b, 1)));
    // The file's last certificate lost its signed bytes, the one before did not.
    assert!(Arc::ptr_eq(shared_cert(&a, 0), shared_cert(&stripped, 0)));
    assert!(!Arc::ptr_eq(shared_cert(&a, 1), shared_cert(&stripped, 1)));
    assert!(shared_cert(&stripped, 1).tbs_der.is_empty() && !shared_cert(&a, 1).tbs_der.is_empty());
    let key = |p: &ParsedFile| match &p.items[0].kind {
        ItemKind::PrivateKey(k) => Arc::clone(k),
        other => panic!("{other:?}"),
    };
    assert!(Arc::ptr_eq(&key(&key_a), &key(&key_b)));
    assert!(!Arc::ptr_eq(&key(&key_a), &key(&other_key)));
    assert_ne!(key(&key_a).public, key(&other_key).public);
}

/// A pool that already holds a file's certificates hands them out without decoding them again,
/// and the files come out as if each had been parsed, stripped and shared on its own: the same
/// certificates, with the signed bytes kept exactly where they were (dropped from the last only).
#[test]
fn parse_and_share_reuses_the_pools_certificates() {
    let chain = read("chain-order/cert.pem");
    let text = String::from_utf8(chain.clone()).unwrap();
    let blocks: Vec<&str> = text.split_inclusive("-----END CERTIFICATE-----\n").collect();
    assert_eq!(blocks.len(), 2, "{text}");
    // The second certificate alone: there it is the last one, stripped.
    let second_alone = blocks[1].as_bytes().to_vec();
    // The second certificate first, then a certificate block that does not decode: the second is
    // still the file's last certificate, though not its last certificate block.
    let second_then_broken = [blocks[1], "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"].concat();
    let files: [(&str, &[u8]); 5] = [
        ("a.pem", &chain),
        ("b.pem", &chain),
        ("second.pem", &second_alone),
        ("again.pem", &second_alone),
        ("broken.pem", second_then_broken.as_bytes()),
    ];
    let pool = ItemPool::default();
    let fresh_pool = ItemPool::default();
    for (name, bytes) in files {
        let pooled = pool.parse_and_share(bytes, Source::new(name), &[]);
        let mut fresh = parse_bytes(bytes, Source::new(name), &[]);
        fresh.drop_last_signature();
        fresh_pool.share(&mut fresh);
        assert_eq!(format!("{pooled:?}"), format!("{fresh:?}"), "{name}");
    }
    let a = pool.parse_and_share(&chain, Source::new("c.pem"), &[]);
    let second = pool.parse_and_share(&second_alone, Source::new("d.pem"), &[]);
    let broken = pool.parse_and_share(second_then_broken.as_bytes(), Source::new("e.pem"), &[]);
    assert!(!shared_cert(&a, 0).tbs_der.is_empty() && shared_cert(&a, 1).tbs_der.is_empty());
    assert!(shared_cert(&second, 0).tbs_der.is_empty());
    assert!(Arc::ptr_eq(shared_cert(&second, 0), shared_cert(&broken, 0)));
    // The chain's last certificate and the same certificate alone: one stripped copy.
    assert!(Arc::ptr_eq(shared_cert(&a, 1), shared_cert(&second, 0)));
}

/// A pool decodes each distinct unencrypted private key once, and files come out exactly as if
/// each had been parsed, stripped and shared on its own: the memo tells keys apart by their PEM
/// label (a PKCS#1 body under `PRIVATE KEY` is marked unloadable), by the EC parameters before
/// them (a SEC1 body without parameters decodes only after an `EC PARAMETERS` block) and by
/// PEM against bare DER.
#[test]
fn parse_and_share_decodes_each_key_once() {
    let with_params = String::from_utf8(read("p256-ecparams-block/key.pem")).unwrap();
    let key_alone = with_params[with_params.find("-----BEGIN EC PRIVATE KEY-----").unwrap()..].to_string();
    let rsa = String::from_utf8(read("rsa2048-pkcs1-pem/key.pem")).unwrap();
    assert!(rsa.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{rsa}");
    let relabelled = rsa.replace("RSA PRIVATE KEY", "PRIVATE KEY");
    let sec1_der = read("p256-sec1-der/key.der");
    let sec1_pem = pem_rfc7468::encode_string("EC PRIVATE KEY", pem_rfc7468::LineEnding::LF, &sec1_der).unwrap();
    let pkcs8_der = read("p256-pkcs8-der/key.der");
    let files: [(&str, &[u8]); 10] = [
        ("params.pem", with_params.as_bytes()),
        ("alone.pem", key_alone.as_bytes()),
        ("params-again.pem", with_params.as_bytes()),
        ("rsa.pem", rsa.as_bytes()),
        ("relabelled.pem", relabelled.as_bytes()),
        ("rsa-again.pem", rsa.as_bytes()),
        ("sec1.der", &sec1_der),
        ("sec1.pem", sec1_pem.as_bytes()),
        ("sec1-again.der", &sec1_der),
        ("pkcs8.der", &pkcs8_der),
    ];
    let pool = ItemPool::default();
    let mut keys = Vec::new();
    for (name, bytes) in files {
        let pooled = pool.parse_and_share(bytes, Source::new(name), &[]);
        let mut fresh = parse_bytes(bytes, Source::new(name), &[]);
        fresh.drop_last_signature();
        ItemPool::default().share(&mut fresh);
        assert_eq!(format!("{pooled:?}"), format!("{fresh:?}"), "{name}");
        keys.push(pooled.items.iter().find_map(|it| match &it.kind {
            ItemKind::PrivateKey(k) => Some(Arc::clone(k)),
            _ => None,
        }));
    }
    // Only after its EC PARAMETERS block does the SEC1 body without parameters decode.
    assert!(keys[0].is_some() && keys[1].is_none());
    let relabelled_key = keys[4].as_ref().unwrap();
    assert!(relabelled_key.unloadable.is_some() && keys[3].as_ref().unwrap().unloadable.is_none());
    // The same keys again: the very keys decoded the first time.
    assert!(Arc::ptr_eq(keys[0].as_ref().unwrap(), keys[2].as_ref().unwrap()));
    assert!(Arc::ptr_eq(keys[3].as_ref().unwrap(), keys[5].as_ref().unwrap()));
    assert!(Arc::ptr_eq(keys[6].as_ref().unwrap(), keys[8].as_ref().unwrap()));
    // Decoded: the key after its parameters, the RSA key under two labels, the SEC1 key as DER and
    // as PEM, the PKCS#8 DER (the SEC1 key alone did not decode: nothing kept for it).
    assert_eq!(pool.key_blocks.lock().unwrap().len(), 6);
}
