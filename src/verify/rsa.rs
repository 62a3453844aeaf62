//! RSA (RFC 8017): the consistency of a private key's numbers, whether a
//! key's and a certificate's algorithm identifiers (rsaEncryption,
//! RSASSA-PSS and its parameters, RFC 4055) work together in OpenSSL, and
//! chain signature checks (RSASSA-PKCS1-v1_5 §8.2 and RSASSA-PSS §8.1).
//!
//! Consistency uses only multiplication, division, gcd and the extended
//! Euclid inverse (no modular exponentiation), so a 4096-bit key costs well
//! under a millisecond. Every number is bounded before it is used, so no input
//! makes it panic or take long.

use super::SigCheck;
use crate::parse::{strip_leading_zeros, PssHash, PssParams, RsaPrivate, RsaScheme};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// The largest modulus keymatch checks (docs/DESIGN.md "Limits").
pub(crate) const MAX_MODULUS_BITS: u64 = 16384;

/// The inconsistent components of an RSA private key (RFC 8017 §3.2), named
/// as PKCS#1 names them: "p·q ≠ n", "d", "dP", "dQ", "qInv". Empty when consistent.
pub(crate) fn key_problems(k: &RsaPrivate) -> Vec<String> {
    let mut problems = Vec::new();
    let n = big(&k.n);
    let e = big(&k.e);
    let n_bits = n.bits();
    if n.is_zero() {
        return vec!["n is zero".into()];
    }
    if n_bits > MAX_MODULUS_BITS {
        return vec![format!("n has {n_bits} bits, above the {MAX_MODULUS_BITS}-bit limit")];
    }
    // Everything below is bounded by the modulus size; anything larger is wrong.
    let too_big = |x: &[u8]| bits_of(x) > n_bits;
    if e.is_zero() || e.is_one() || too_big(&k.e) {
        problems.push("e (not a valid public exponent)".into());
        return problems;
    }
    let (p, q) = (big(&k.p), big(&k.q));
    let trivial = |x: &BigUint, raw: &[u8]| x <= &BigUint::one() || too_big(raw);
    if trivial(&p, &k.p) || trivial(&q, &k.q) {
        problems.push("p·q ≠ n (a prime factor is 0, 1 or larger than n)".into());
        return problems;
    }
    let n_ok = p.bits() + q.bits() <= n_bits + 1 && &p * &q == n;
    if !n_ok {
        problems.push("p·q ≠ n".into());
    }
    let one = BigUint::one();
    let p1 = &p - &one;
    let q1 = &q - &one;

    // d·e ≡ 1 (mod λ(n)), λ(n) = lcm(p−1, q−1): the same as d·e ≡ 1 modulo both
    // p−1 and q−1, which needs no gcd (the costly part). Only meaningful when p·q = n.
    if n_ok {
        let d_ok = !too_big(&k.d) && p1 > one && q1 > one && {
            let de = big(&k.d) * &e;
            &de % &p1 == one && &de % &q1 == one
        };
        if !d_ok {
            problems.push("d".into());
        }
    }
    // The stored CRT exponents: dP = d mod (p−1), i.e. the inverse of e modulo
    // p−1 (checked that way so that a wrong d is not also blamed on dP).
    if !crt_exponent_ok(&k.dp, &e, &p1) {
        problems.push("dP".into());
    }
    if !crt_exponent_ok(&k.dq, &e, &q1) {
        problems.push("dQ".into());
    }
    // qInv = q⁻¹ mod p.
    let qinv_ok = bits_of(&k.qinv) <= p.bits() && {
        let qinv = big(&k.qinv);
        qinv < p && (&qinv * &q) % &p == one
    };
    if !qinv_ok {
        problems.push("qInv".into());
    }
    problems
}

/// Why OpenSSL 3.0 will not use a key stored under `key` with a certificate
/// whose key (same n and e) is stored under `cert`; `None` when they work
/// together. Measured with `openssl s_server`/`s_client` (TLS 1.2 and 1.3),
/// nginx 1.22, HAProxy 2.6 and Apache 2.4 (fixtures/gen_check_pss_ed448.sh, tests/pss_ed448_servers.rs):
///
/// - rsaEncryption and RSASSA-PSS are different key types to OpenSSL:
///   `s_server`, HAProxy and Apache refuse the pair, nginx starts and every handshake
///   fails.
/// - Two RSASSA-PSS identifiers: the server signs with the key's restrictions
///   (hash, MGF1 hash, minimum salt), or with SHA-256 and MGF1 with SHA-256
///   when the key has none (clients offer `rsa_pss_pss_sha256` first); TLS
///   allows only SHA-256/384/512 and a salt as long as the hash (RFC 8446
///   §4.2.3). The client verifies with the certificate's restrictions, or with
///   MGF1 over the signature's hash when it has none. Any disagreement
///   fails every handshake; the servers still load the pair.
pub(crate) fn scheme_conflict(cert: &RsaScheme, key: &RsaScheme) -> Option<String> {
    let both = || format!("the key is {} and the certificate's key is {}", key.describe(), cert.describe());
    match (cert, key) {
        (RsaScheme::Encryption, RsaScheme::Encryption) => None,
        (RsaScheme::Encryption, RsaScheme::Pss(_)) | (RsaScheme::Pss(_), RsaScheme::Encryption) => Some(format!(
            "{}: OpenSSL treats them as different keys (`openssl s_server`, HAProxy and Apache refuse the pair; nginx starts and every handshake fails)",
            both()
        )),
        (RsaScheme::Pss(c), RsaScheme::Pss(k)) => pss_conflict(c.as_ref(), k.as_ref())
            .map(|why| format!("{}: {why}, so every TLS handshake fails (OpenSSL servers still load the pair)", both())),
    }
}

/// The RSASSA-PSS half of [`scheme_conflict`].
fn pss_conflict(cert: Option<&PssParams>, key: Option<&PssParams>) -> Option<String> {
    let (hash, mgf) = match key {
        Some(k) => (k.hash.clone(), k.mgf1_hash.clone()),
        None => (PssHash::Sha256, PssHash::Sha256),
    };
    let Some(len) = hash.tls_len() else {
        return Some(format!("the key signs only with {}, which no TLS signature scheme uses", hash.name()));
    };
    if let Some(k) = key.filter(|k| k.salt_len > len) {
        return Some(format!(
            "the key requires a salt of at least {} bytes, and TLS signs with a salt as long as the hash ({len} bytes)",
            k.salt_len
        ));
    }
    let Some(c) = cert else {
        return (mgf != hash).then(|| {
            format!(
                "the key signs with MGF1 over {}, and a certificate without restrictions is verified with MGF1 over the signature's hash ({})",
                mgf.name(),
                hash.name()
            )
        });
    };
    if c.hash != hash {
        let unrestricted =
            if key.is_none() { " (it has no restrictions, and clients ask for SHA-256 first)" } else { "" };
        return Some(format!(
            "the key signs with {}{unrestricted} and the certificate accepts only {}",
            hash.name(),
            c.hash.name()
        ));
    }
    if c.mgf1_hash != mgf {
        return Some(format!(
            "the key signs with MGF1 over {} and the certificate accepts only MGF1 over {}",
            mgf.name(),
            c.mgf1_hash.name()
        ));
    }
    (c.salt_len > len).then(|| {
        format!(
            "the certificate requires a salt of at least {} bytes, and TLS signs with {} with a salt of {len} bytes",
            c.salt_len,
            hash.name()
        )
    })
}

/// `x` < m and x·e ≡ 1 (mod m), with m = p−1 > 1.
fn crt_exponent_ok(x: &[u8], e: &BigUint, m: &BigUint) -> bool {
    if m <= &BigUint::one() || bits_of(x) > m.bits() {
        return false;
    }
    let x = big(x);
    &x < m && (x * e) % m == BigUint::one()
}

fn big(be: &[u8]) -> BigUint {
    BigUint::from_bytes_be(be)
}

fn bits_of(be: &[u8]) -> u64 {
    crate::parse::bit_len(be) as u64
}

/// An `rsa` crate public key for signature checks, up to 16384 bits.
fn public_key(n: &[u8], e: &[u8]) -> Option<::rsa::PublicKey> {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    if n.is_empty() || e.is_empty() || e.len() > 8 || bits_of(n) > MAX_MODULUS_BITS {
        return None;
    }
    let n = ::rsa::BoxedUint::from_be_slice_vartime(n);
    let e = ::rsa::BoxedUint::from_be_slice_vartime(e);
    ::rsa::PublicKey::new_with_size_limits(n, e, 512..=MAX_MODULUS_BITS as usize).ok()
}

/// The hash functions X.509 signatures use with RSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(crate) fn from_oid(oid: &str) -> Option<Hash> {
        Some(match oid {
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The RSASSA-PKCS1-v1_5 scheme of this hash: `rsa` builds the DigestInfo
    /// prefix (RFC 8017 §9.2 note 1) from the hash's OID.
    fn pkcs1v15(self) -> ::rsa::Pkcs1v15Sign {
        match self {
            Hash::Sha1 => ::rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha224 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
            Hash::Sha256 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
}

/// RSASSA-PKCS1-v1_5 verification of `signature` over `message`.
pub(crate) fn verify_pkcs1v15(n: &[u8], e: &[u8], hash: Hash, message: &[u8], signature: &[u8]) -> SigCheck {
    let Some(key) = public_key(n, e) else {
        return SigCheck::Unchecked("the issuer's RSA key is outside the sizes keymatch checks".into());
    };
    match key.verify(hash.pkcs1v15(), &hash.digest(message), signature) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

const OID_MGF1: &str = "1.2.840.113549.1.1.8";

/// RSASSA-PSS verification, with the hash, MGF1 hash and salt length taken
/// from the signature algorithm's RSASSA-PSS-params (RFC 4055 §3.1).
pub(crate) fn verify_pss(n: &[u8], e: &[u8], params_der: Option<&[u8]>, message: &[u8], signature: &[u8]) -> SigCheck {
    let Some(params) = params_der else {
        return SigCheck::Unchecked("RSASSA-PSS without parameters".into());
    };
    let Ok(params) = pkcs1::RsaPssParams::<der::Any>::try_from(params) else {
        return SigCheck::Unchecked("RSASSA-PSS parameters that do not decode".into());
    };
    let Some(hash) = Hash::from_oid(&params.hash.oid.to_string()) else {
        return SigCheck::Unchecked(format!("RSASSA-PSS with hash {}", params.hash.oid));
    };
    let mgf_hash = params.mask_gen.parameters.as_ref().map(|a| a.oid.to_string());
    if params.mask_gen.oid.to_string() != OID_MGF1 || mgf_hash.as_deref().and_then(Hash::from_oid) != Some(hash) {
        return SigCheck::Unchecked("RSASSA-PSS with a mask generation hash other than the message hash".into());
    }
    let Some(key) = public_key(n, e) else {
        return SigCheck::Unchecked("the issuer's RSA key is outside the sizes keymatch checks".into());
    };
    let salt = usize::from(params.salt_len);
    let hashed = hash.digest(message);
    let result = match hash {
        Hash::Sha1 => key.verify(::rsa::Pss::<sha1::Sha1>::new_with_salt(salt), &hashed, signature),
        Hash::Sha224 => key.verify(::rsa::Pss::<sha2::Sha224>::new_with_salt(salt), &hashed, signature),
        Hash::Sha256 => key.verify(::rsa::Pss::<sha2::Sha256>::new_with_salt(salt), &hashed, signature),
        Hash::Sha384 => key.verify(::rsa::Pss::<sha2::Sha384>::new_with_salt(salt), &hashed, signature),
        Hash::Sha512 => key.verify(::rsa::Pss::<sha2::Sha512>::new_with_salt(salt), &hashed, signature),
    };
    match result {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PKCS#1 v1.5 signatures by `openssl dgst` verify with each hash (the
    /// DigestInfo prefixes come from `rsa`); another hash or message does not.
    #[test]
    fn openssl_pkcs1v15_signatures_verify_with_each_hash() {
        use crate::parse::PublicKey;
        let PublicKey::Rsa { n, e, .. } = crate::verify::tests::load_cert("leaf.pem").public_key else {
            panic!("leaf.pem: not RSA")
        };
        let dir = tempfile::tempdir().unwrap();
        let message = dir.path().join("message");
        std::fs::write(&message, b"keymatch DigestInfo").unwrap();
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/src/verify/testdata/leaf.key.der");
        for (hash, name) in [
            (Hash::Sha1, "sha1"),
            (Hash::Sha224, "sha224"),
            (Hash::Sha256, "sha256"),
            (Hash::Sha384, "sha384"),
            (Hash::Sha512, "sha512"),
        ] {
            let out = std::process::Command::new("openssl")
                .args(["dgst", &format!("-{name}"), "-sign", key, "-keyform", "DER"])
                .arg(&message)
                .output()
                .expect("openssl CLI");
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            let sig = out.stdout;
            assert_eq!(verify_pkcs1v15(&n, &e, hash, b"keymatch DigestInfo", &sig), SigCheck::Valid, "{name}");
            assert_eq!(verify_pkcs1v15(&n, &e, hash, b"another message", &sig), SigCheck::Invalid, "{name}");
            let other = if hash == Hash::Sha256 { Hash::Sha384 } else { Hash::Sha256 };
            assert_eq!(verify_pkcs1v15(&n, &e, other, b"keymatch DigestInfo", &sig), SigCheck::Invalid, "{name}");
        }
    }

    /// A consistent toy key from small primes (the math does not care about size).
    fn toy() -> RsaPrivate {
        // p = 61, q = 53, n = 3233, e = 17, λ = lcm(60, 52) = 780, d = 413.
        let n = BigUint::from(3233u32);
        RsaPrivate {
            n: n.to_bytes_be(),
            e: vec![17],
            d: BigUint::from(413u32).to_bytes_be(),
            p: vec![61],
            q: vec![53],
            dp: vec![53],   // 413 mod 60
            dq: vec![49],   // 413 mod 52
            qinv: vec![38], // 53·38 = 2014 = 33·61 + 1
        }
    }

    /// The identifiers of the matrix below: rsaEncryption, RSASSA-PSS without
    /// parameters, then (hash, MGF1 hash, salt) restrictions.
    fn schemes() -> Vec<RsaScheme> {
        use PssHash::*;
        let pss = |hash, mgf1_hash, salt_len| RsaScheme::Pss(Some(PssParams { hash, mgf1_hash, salt_len }));
        vec![
            RsaScheme::Encryption,
            RsaScheme::Pss(None),
            pss(Sha1, Sha1, 20),
            pss(Sha256, Sha256, 0),
            pss(Sha256, Sha256, 20),
            pss(Sha256, Sha256, 32),
            pss(Sha256, Sha256, 64),
            pss(Sha256, Sha384, 32),
            pss(Sha384, Sha384, 48),
            pss(Sha512, Sha512, 64),
        ]
    }

    /// What OpenSSL 3.0.19 did with one RSA key's numbers under each pair of
    /// identifiers (row: certificate, column: key, in [`schemes`] order):
    /// `1` = `openssl s_server -cert -key` started and `s_client` completed
    /// TLS 1.2 and TLS 1.3 handshakes; `.` = s_server refused the pair or both
    /// handshakes failed (TLS 1.2 and 1.3 always agreed).
    const OPENSSL: [&str; 10] = [
        "1.........",
        ".1.111..11",
        "..........",
        ".1.111....",
        ".1.111....",
        ".1.111....",
        "..........",
        ".......1..",
        "........1.",
        ".........1",
    ];

    #[test]
    fn scheme_conflicts_follow_what_openssl_did() {
        let all = schemes();
        for (row, cert) in all.iter().enumerate() {
            for (col, key) in all.iter().enumerate() {
                let worked = OPENSSL[row].as_bytes()[col] == b'1';
                let conflict = scheme_conflict(cert, key);
                assert_eq!(
                    conflict.is_none(),
                    worked,
                    "cert {} / key {}: {conflict:?}",
                    cert.describe(),
                    key.describe()
                );
            }
        }
    }

    #[test]
    fn scheme_conflicts_say_why() {
        let all = schemes();
        let why = |c: usize, k: usize| scheme_conflict(&all[c], &all[k]).unwrap();
        assert!(why(0, 1)
            .contains("the key is RSASSA-PSS (no parameter restrictions) and the certificate's key is rsaEncryption"));
        assert!(why(1, 0).contains("OpenSSL treats them as different keys"));
        assert!(why(1, 2).contains("signs only with SHA-1"), "{}", why(1, 2));
        assert!(why(1, 6).contains("salt of at least 64 bytes"), "{}", why(1, 6));
        assert!(why(1, 7).contains("MGF1 over SHA-384"), "{}", why(1, 7));
        assert!(why(8, 1).contains("clients ask for SHA-256 first"), "{}", why(8, 1));
        assert!(why(5, 8).contains("accepts only SHA-256"), "{}", why(5, 8));
        assert!(why(7, 5).contains("accepts only MGF1 over SHA-384"), "{}", why(7, 5));
        assert!(why(6, 5).contains("the certificate requires a salt of at least 64 bytes"), "{}", why(6, 5));
        let other = RsaScheme::Pss(Some(PssParams {
            hash: PssHash::Other("1.2.3".into()),
            mgf1_hash: PssHash::Other("1.2.3".into()),
            salt_len: 0,
        }));
        assert!(scheme_conflict(&other, &other).unwrap().contains("hash 1.2.3"));
    }

    #[test]
    fn consistent_toy_key_has_no_problems() {
        assert_eq!(key_problems(&toy()), Vec::<String>::new());
    }

    #[test]
    fn each_wrong_component_is_named_alone() {
        let mut k = toy();
        k.dp = vec![54];
        assert_eq!(key_problems(&k), ["dP"]);
        let mut k = toy();
        k.dq = vec![1];
        assert_eq!(key_problems(&k), ["dQ"]);
        let mut k = toy();
        k.qinv = vec![39];
        assert_eq!(key_problems(&k), ["qInv"]);
        let mut k = toy();
        k.d = BigUint::from(415u32).to_bytes_be();
        assert_eq!(key_problems(&k), ["d"]);
        let mut k = toy();
        k.n = BigUint::from(3233u32 + 2).to_bytes_be();
        assert_eq!(key_problems(&k), ["p·q ≠ n"]);
    }

    #[test]
    fn degenerate_numbers_are_problems_not_panics() {
        let mut k = toy();
        k.p = vec![1];
        k.q = k.n.clone();
        assert_eq!(key_problems(&k).len(), 1);
        let mut k = toy();
        k.p = vec![];
        assert_eq!(key_problems(&k).len(), 1);
        let mut k = toy();
        k.n = vec![0, 0];
        assert_eq!(key_problems(&k), ["n is zero"]);
        let mut k = toy();
        k.e = vec![1];
        assert_eq!(key_problems(&k).len(), 1);
        let mut k = toy();
        k.p = vec![2];
        k.q = vec![2];
        k.n = vec![4];
        k.dp = vec![0];
        assert!(!key_problems(&k).is_empty());
        let mut k = toy();
        k.d = vec![0xff; 5000];
        k.dp = vec![0xff; 5000];
        k.qinv = vec![0xff; 5000];
        assert_eq!(key_problems(&k), ["d", "dP", "qInv"]);
        let mut k = toy();
        k.n = vec![0xff; 3000];
        assert_eq!(key_problems(&k).len(), 1);
    }
}
