//! Entry points for the `cargo fuzz` targets in `fuzz/` and for their stable
//! replay test (`tests/fuzz_regressions.rs`): each takes arbitrary bytes, runs
//! one reader the way a scan does, and panics only when an invariant breaks
//! (a panic inside the reader is a bug too). Not a supported API.
//!
//! Input formats (so corpora can be built from `fixtures/`):
//! - [`parse`]: the bytes of one file.
//! - [`server_config`]: one byte choosing the config path (and so the dialect),
//!   then config files separated by `0xFF` bytes: the first at that path, the
//!   others served for whatever the first includes (chosen by the include's path).
//! - [`keymatch_toml`], [`yaml`]: the file's text.
//! - [`verdict`]: a little-endian `u16` length, that many bytes of certificate
//!   file, then the key file.

use crate::discover::{FileMeta, ReadOutcome};
use crate::finding::Code;
use crate::parse::{self, ItemKind, KeyMaterial, ParsedFile, PrivateKey, PublicKey, Source};
use crate::paths::PathMap;
use crate::servers::{self, ServerContext};
use crate::verify::{self, PairMaterial, PrimeTest, Verdict};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use p256::elliptic_curve::sec1::ToSec1Point;
use std::path::{Path, PathBuf};

/// The passphrase of the encrypted fixtures, so decryption paths are reached.
pub const PASSPHRASE: &[u8] = b"keymatch-test-pass";

/// Where fuzzed configs claim to live: a directory that does not exist, so no
/// include or glob reaches a real file.
const ROOT: &str = "/nonexistent-keymatch-fuzz";

/// Config paths by the first input byte (modulo the length): one per dialect.
pub const CONFIG_PATHS: &[&str] = &[
    "etc/nginx/nginx.conf",
    "etc/apache2/apache2.conf",
    "etc/haproxy/haproxy.cfg",
    "etc/postfix/main.cf",
    "etc/dovecot/dovecot.conf",
    "etc/lighttpd/lighttpd.conf",
    "k8s/secret.yaml",
    "etc/openvpn/server.conf",
    "etc/redis/redis.conf",
    "etc/postgresql/15/main/postgresql.conf",
    "etc/mysql/my.cnf",
    "etc/docker/daemon.json",
    "etc/caddy/Caddyfile",
    "etc/traefik/traefik.yml",
    "etc/envoy/envoy.yaml",
];

/// `parse_bytes` on one file, under a name chosen by the input length (PEM,
/// key and extensionless names change how bare DER is reported).
pub fn parse(data: &[u8]) {
    let name = ["fuzz.pem", "fuzz.key", "fuzz"][data.len() % 3];
    let parsed = parse::parse_bytes(data, Source::new(name), &[PASSPHRASE.to_vec()]);
    check_parsed(&parsed);
}

/// What every parse result must satisfy, whatever the bytes.
fn check_parsed(parsed: &ParsedFile) {
    assert!(parsed.items.len() <= parse::MAX_BLOCKS, "more items than the block limit");
    let malformed = parsed.items.iter().any(|it| matches!(it.kind, ItemKind::Malformed { .. }));
    if malformed {
        assert!(parsed.findings.iter().any(|f| f.code == Code::Malformed), "a malformed item without a finding");
    }
    for f in &parsed.findings {
        assert!(f.message.contains(&parsed.source.path), "a finding that does not name the file: {}", f.message);
    }
    for (_, _, key) in parsed.private_keys() {
        // Parse derives the public key of every private key it can; for RSA always.
        if let KeyMaterial::Rsa(_) = key.material {
            assert!(key.public.is_some(), "an RSA key without its public key");
        }
    }
}

/// Every dialect's reader through [`servers::find_claims`], with includes
/// served from the input.
pub fn server_config(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let path = CONFIG_PATHS[usize::from(selector) % CONFIG_PATHS.len()];
    let files: Vec<&[u8]> = rest.split(|&b| b == 0xFF).take(16).collect();
    let Some(&first) = files.first() else { return };
    let main = PathBuf::from(ROOT).join(path);
    let read = |p: &Path| -> ReadOutcome {
        // The included file a path gets: stable per path, so cycles stay cycles.
        let h = p.as_os_str().as_encoded_bytes().iter().fold(0usize, |h, &b| h.wrapping_mul(31).wrapping_add(b.into()));
        let bytes = files[h % files.len()].to_vec();
        let meta = FileMeta { mode: 0o644, uid: 0, gid: 0, size: bytes.len() as u64 };
        ReadOutcome::Read { bytes, meta }
    };
    let map = PathMap::default();
    let ctx = ServerContext { map: &map, read: &read };
    let input = [(main.clone(), first)];
    let (claims, findings) = servers::find_claims(&input, &ctx);
    for c in &claims {
        assert!(!c.config.path.is_empty(), "a claim without its config file");
        assert!(c.config.line.is_some_and(|l| l >= 1), "a claim without a 1-based line");
    }
    for f in &findings {
        assert!(!f.locations.is_empty(), "a config finding without a location");
    }
}

/// The `.keymatch.toml` loader on one file's text.
pub fn keymatch_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("repo/.keymatch.toml");
    match crate::config_file::parse(path, text) {
        Ok(cfg) => {
            for (server, _) in &cfg.map {
                assert!(server.is_absolute(), "a map entry with a relative server path");
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("repo/.keymatch.toml"), "an error that does not name the file: {msg}");
        }
    }
}

/// The YAML reader (Kubernetes, Traefik, Envoy) on one file's text.
pub fn yaml(data: &[u8]) {
    let text = servers::decode(data);
    let docs = servers::yaml::load(&text);
    // YAML breaks lines at LF, CRLF and a lone CR.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count() as u32;
    let mut stack: Vec<&servers::yaml::Node> = docs.iter().collect();
    while let Some(node) = stack.pop() {
        assert!(node.line <= lines + 1, "a node located after the end of the text");
        match &node.kind {
            servers::yaml::Kind::Map(m) => stack.extend(m.iter().map(|(_, v)| v)),
            servers::yaml::Kind::Seq(v) => stack.extend(v.iter()),
            _ => {}
        }
    }
}

/// A pair built from the input, verified; the verdict invariants checked.
pub fn verdict(data: &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else { return };
    let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    let (cert, key) = rest.split_at(len);
    let pass = [PASSPHRASE.to_vec()];
    let cert_file = parse::parse_bytes(cert, Source::new("cert.crt"), &pass);
    let key_file = parse::parse_bytes(key, Source::new("key.key"), &pass);
    check_parsed(&cert_file);
    check_parsed(&key_file);
    let material = PairMaterial { cert_file: Some(&cert_file), key_file: Some((&key_file, None)), chain_file: None };
    let out = verify::verify_pair(&material, PrimeTest::OneRound);
    check_verdict(&cert_file, &key_file, &out);
}

/// The verdict invariants: `match` only for equal public keys and a consistent
/// private half (checked here independently of `verify`), never with a
/// key-corrupt or mismatch finding; anything else explained by some finding.
pub fn check_verdict(cert_file: &ParsedFile, key_file: &ParsedFile, out: &verify::PairOutcome) {
    if out.verdict != Verdict::Match {
        let explained = !out.findings.is_empty() || !cert_file.findings.is_empty() || !key_file.findings.is_empty();
        assert!(explained, "verdict {} without any finding", out.verdict.as_str());
        return;
    }
    let bad = [Code::KeyCorrupt, Code::KeyMismatch, Code::ChainOrder, Code::EncryptedKey, Code::Malformed];
    assert!(!out.findings.iter().any(|f| bad.contains(&f.code)), "match with a finding against it");
    let leaf = cert_file.certificates().next().map(|(_, _, c)| &c.public_key);
    let Some(leaf) = leaf else { panic!("match without a certificate") };
    let key = out.key_item.and_then(|i| key_file.items.get(i.0)).map(|it| &it.kind);
    let Some(ItemKind::PrivateKey(key)) = key else { panic!("match without a decoded private key") };
    assert!(key.public.as_ref() == Some(leaf), "match with unequal public keys");
    if let Err(why) = consistent(key, leaf) {
        panic!("match, but the private key is inconsistent: {why}");
    }
}

/// Does the private half produce `public` and agree with itself? Computed
/// here from the numbers, not with `verify`'s code.
pub fn consistent(key: &PrivateKey, public: &PublicKey) -> Result<(), String> {
    match (&key.material, public) {
        (KeyMaterial::Rsa(k), PublicKey::Rsa { n, e, .. }) => {
            let big = BigUint::from_bytes_be;
            let (kn, ke, d, p, q) = (big(&k.n), big(&k.e), big(&k.d), big(&k.p), big(&k.q));
            if kn != big(n) || ke != big(e) {
                return Err("n or e differ from the certificate's".into());
            }
            let one = BigUint::one();
            if p <= one || q <= one || &p * &q != kn {
                return Err("p·q ≠ n".into());
            }
            let (p1, q1) = (&p - &one, &q - &one);
            let de = &d * &ke;
            if &de % &p1 != one || &de % &q1 != one {
                return Err("d·e ≢ 1 mod p−1, q−1".into());
            }
            if (big(&k.dp) * &ke) % &p1 != one || (big(&k.dq) * &ke) % &q1 != one {
                return Err("dP or dQ".into());
            }
            let qinv = big(&k.qinv);
            if qinv.is_zero() || qinv >= p || (&qinv * &q) % &p != one {
                return Err("qInv".into());
            }
            Ok(())
        }
        (KeyMaterial::Ec(k), PublicKey::Ec { curve, point }) => {
            if *curve != k.curve {
                return Err("another curve".into());
            }
            let derived = ec_public(k.curve, &k.d).ok_or("d out of range")?;
            if &derived != point {
                return Err("d·G ≠ the certificate's point".into());
            }
            match &k.stored_public {
                Some(Err(_)) => Err("the stored point does not decode".into()),
                Some(Ok(stored)) if stored != point => Err("stored point ≠ d·G".into()),
                _ => Ok(()),
            }
        }
        (KeyMaterial::Ed25519(k), PublicKey::Ed25519(pk)) => {
            let derived = ed25519_dalek::SigningKey::from_bytes(&k.seed).verifying_key().to_bytes();
            if &derived != pk {
                return Err("the seed's public key ≠ the certificate's".into());
            }
            match &k.stored_public {
                Some(stored) if stored.as_slice() != pk.as_slice() => Err("stored public key ≠ the seed's".into()),
                _ => Ok(()),
            }
        }
        (KeyMaterial::Ed448(k), PublicKey::Ed448(pk)) => {
            // RFC 8032 §5.2.5 through the ed448-goldilocks crate directly.
            let secret = ed448_goldilocks::SecretKey::from(k.seed);
            let derived = ed448_goldilocks::SigningKey::from(&secret).verifying_key().to_bytes();
            if &derived != pk {
                return Err("the seed's public key ≠ the certificate's".into());
            }
            match &k.stored_public {
                Some(stored) if stored.as_slice() != pk.as_slice() => Err("stored public key ≠ the seed's".into()),
                _ => Ok(()),
            }
        }
        _ => Err("the key's algorithm is not the certificate's".into()),
    }
}

/// d·G (uncompressed) with the curve crates, for d in 1..order.
fn ec_public(curve: parse::Curve, d: &[u8]) -> Option<Vec<u8>> {
    let d = parse::strip_leading_zeros(d);
    let len = match curve {
        parse::Curve::P256 => 32,
        parse::Curve::P384 => 48,
        parse::Curve::P521 => 66,
    };
    let mut padded = vec![0u8; len];
    padded.get_mut(len.checked_sub(d.len())?..)?.copy_from_slice(d);
    Some(match curve {
        parse::Curve::P256 => {
            p256::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
        }
        parse::Curve::P384 => {
            p384::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
        }
        parse::Curve::P521 => {
            p521::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
        }
    })
}
