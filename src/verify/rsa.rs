//! RSA (RFC 8017): the consistency of a private key's numbers, modelled on
//! what OpenSSL 3.0 computes with them; whether a key's and a certificate's
//! algorithm identifiers (rsaEncryption, RSASSA-PSS and its parameters,
//! RFC 4055) work together in OpenSSL; and chain signature checks
//! (RSASSA-PKCS1-v1_5 §8.2 and RSASSA-PSS §8.1).
//!
//! OpenSSL 3.0 (`rsa_ossl_mod_exp` in crypto/rsa/rsa_ossl.c) computes a
//! private operation with the CRT values (p, q, dP, dQ, qInv), checks the
//! result with the public exponent (`result^e ≡ input mod n`) and, when that
//! fails, computes `input^d mod n` instead, whose result it does not check. So
//! a damaged key still works while one of the two paths is right: [`check`]
//! decides each path mathematically, as [`Consistency`] tells.
//!
//! ## What primality decides, and what it costs
//!
//! Take a key whose cheap relations all hold: n = p·q, e·dP ≡ 1 (mod p−1),
//! e·dQ ≡ 1 (mod q−1), q·qInv ≡ 1 (mod p), e·d ≡ 1 (mod p−1) and (mod q−1).
//! With p and q prime, Fermat's little theorem gives x^(e·dP) ≡ x (mod p) for
//! every x, the same modulo q, and the CRT joins the two halves: both paths are
//! right. With p composite, x^(e·dP) ≡ x (mod p) holds for every x only when p
//! is squarefree and λ(p) divides e·dP − 1, which depends on p's unknown
//! factors: a generator that took a composite p for a prime writes a key that
//! satisfies every relation above while both of OpenSSL's paths give wrong
//! results (fixtures/check/rsa-composite-p, believed-prime). So the relations
//! cannot tell what OpenSSL does; a fact about p's multiplicative structure
//! can, and every such fact (a Fermat or strong probable-prime test, or
//! OpenSSL's own CRT step x^dP mod p on a test value, checked with e) costs an
//! exponentiation modulo p with an exponent as large as p. One exponentiation
//! modulo p and one modulo q, about one RSA private operation, is therefore the
//! least an exact check of a sound key costs; everything else is
//! multiplication and division.
//!
//! keymatch pays that floor once per key and no more: p and q get one strong
//! probable-prime round each (Miller–Rabin), with a base derived from the
//! number itself (`is_probable_prime`). No result is cached by key bytes: a
//! key met in many files is tested in each (the shared benchmark corpus reuses
//! 40 keys, where such a cache would time nothing real).
//!
//! What one round leaves out: a composite p (or q) for which that base is a
//! strong liar; keymatch would then judge the key by the relations (sound)
//! where OpenSSL's results are wrong for some or all inputs. For any odd
//! composite at most a quarter of the bases are strong liars (Monier, Rabin
//! 1980), and for composites that arise by accident almost none: a random odd
//! k-bit composite passes one round with probability below k²·4^(2−√k)
//! (Damgård, Landrock, Pomerance 1993), 2^-40 for the 1024-bit factors of
//! RSA-2048 and 2^-64 for RSA-4096's, and a product of two primes p₁·p₂ (what a
//! generator that skipped its own test writes) has at most gcd(p₁−1, p₂−1)²
//! Fermat liars among its p−1 bases. Only a key built on purpose against this
//! test can pass it, which was also true of the Miller–Rabin rounds with the
//! fixed bases 2, 3, 5, … that keymatch ran before (four for a 1024-bit factor;
//! composites that pass all of them can be constructed, Arnault 1995); and a
//! base derived from the number is not one that known families of pseudoprimes
//! are built against (every composite Mersenne number is a strong pseudoprime
//! to base 2, for one): fooling it takes a search against SHA-256 as well.
//! Baillie–PSW (a base-2 round and a strong Lucas test; no composite known to
//! pass it) was measured at about 4.5 rounds' cost in crypto-primes 0.7, as
//! much as the rounds it would replace. Trial division by small primes is not
//! done: the round rejects almost every composite at the cost of one
//! exponentiation, and a sound key never gains from it.
//!
//! `scan --no-prime-test` ([`PrimeTest::Skipped`]) leaves the round out for
//! keys whose relations hold when odd p and q are taken as prime: such a key is
//! consistent at the cost of multiplications and divisions, and one built on a
//! composite p or q, as above, is then reported consistent too. A key whose
//! relations fail is checked again with the round, so every damaged key is
//! judged as without the option (benches/README.md has what it saves).
//!
//! Only a damaged key whose factorisation is unknown (p·q ≠ n, or a composite
//! p or q) costs exponentiations beyond that: `(x^e)^d' ≡ x` on a few values,
//! modulo n for the d path and modulo p or q for the CRT path. Every number is
//! bounded by the modulus size before it is used, so no input makes this panic
//! or hang.

use super::rsa_keys::RsaKeys;
use super::{PrimeTest, SigCheck};
use crate::parse::{strip_leading_zeros, PssHash, PssParams, RsaPrivate, RsaScheme};
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use der::oid::ObjectIdentifier;
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// The largest modulus keymatch checks (docs/DESIGN.md "Limits").
pub(crate) const MAX_MODULUS_BITS: u64 = 16384;

/// The test values x for which a path must give `(x^e)^d' ≡ x` when keymatch
/// cannot decide it from the factorisation (a composite p or q, or p·q ≠ n).
const PROBES: [u32; 2] = [2, 3];

/// What OpenSSL 3.0 gets out of the CRT values p, q, dP, dQ, qInv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrtPath {
    /// They give correct results.
    Right,
    /// They give wrong results; OpenSSL's check with e notices and it
    /// recomputes with d.
    Wrong,
    /// OpenSSL cannot compute with them at all (p or q is zero or even, so it
    /// has no Montgomery form) and the operation fails without trying d.
    Fails,
}

/// An RSA private key's inconsistencies and what OpenSSL 3.0 computes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consistency {
    /// The inconsistent components, named as PKCS#1 names them ("p is not
    /// prime", "p·q ≠ n", "d", "dP", "dQ", "qInv", …). Empty when consistent.
    pub problems: Vec<String>,
    /// The CRT path.
    pub crt: CrtPath,
    /// The plain `input^d mod n` path gives correct results.
    pub d_path: bool,
}

impl Consistency {
    /// Do signatures and decryptions with this key come out right in OpenSSL 3.0?
    pub fn openssl_works(&self) -> bool {
        match self.crt {
            CrtPath::Right => true,
            CrtPath::Wrong => self.d_path,
            CrtPath::Fails => false,
        }
    }

    /// One clause on what OpenSSL does with this key, for a finding's message.
    /// Every clause is what `openssl s_server`, nginx, HAProxy and Apache were
    /// seen to do with such a key (tests/rsa_paths_s_server.rs).
    pub fn impact(&self) -> &'static str {
        match (self.crt, self.d_path) {
            (CrtPath::Right, true) => "",
            (CrtPath::Right, false) => {
                "OpenSSL computes with p, q and the CRT values, which are right, so OpenSSL servers work; \
                 stacks that validate keys at load (python `cryptography`) refuse it"
            }
            (CrtPath::Wrong, true) => {
                "OpenSSL notices the wrong CRT result with its check against e and recomputes with d, \
                 which is right, so OpenSSL servers work; stacks that validate keys at load (python \
                 `cryptography`) refuse it"
            }
            (CrtPath::Wrong, false) => {
                "both of OpenSSL's ways of computing with it (the CRT values, and d after its check \
                 against e fails) give wrong results, so every handshake fails: clients see a bad \
                 signature, or bad_record_mac with RSA key exchange"
            }
            (CrtPath::Fails, _) => {
                "OpenSSL cannot compute with an even or zero prime factor and the operation fails, \
                 so every handshake fails with an internal_error or decrypt_error alert"
            }
        }
    }
}

/// The inconsistent components of an RSA private key (see [`Consistency::problems`]).
pub fn key_problems(k: &RsaPrivate) -> Vec<String> {
    check(k).problems
}

/// Check an RSA private key's numbers the way OpenSSL 3.0 uses them.
pub fn check(k: &RsaPrivate) -> Consistency {
    check_with(k, PrimeTest::OneRound)
}

/// [`check`]; with [`PrimeTest::Skipped`], odd p and q are taken as prime, and
/// a key whose relations then all hold is consistent without an exponentiation
/// (the module doc says what that leaves out). A key that is damaged anyway is
/// checked again with the test, so that its damage is described and judged
/// exactly as without `--no-prime-test`.
pub fn check_with(k: &RsaPrivate, prime_test: PrimeTest) -> Consistency {
    match prime_test {
        PrimeTest::OneRound => check_numbers(k, true),
        PrimeTest::Skipped => {
            let assumed = check_numbers(k, false);
            if assumed.problems.is_empty() {
                assumed
            } else {
                check_numbers(k, true)
            }
        }
    }
}

/// The relations of [`check`], with p and q tested for primality or (`test_primes` false) taken
/// as prime when odd.
fn check_numbers(k: &RsaPrivate, test_primes: bool) -> Consistency {
    let broken = |problem: String| Consistency { problems: vec![problem], crt: CrtPath::Fails, d_path: false };
    let n = big(&k.n);
    let e = big(&k.e);
    let n_bits = n.bits();
    if n.is_zero() {
        return broken("n is zero".into());
    }
    if n_bits > MAX_MODULUS_BITS {
        return broken(format!("n has {n_bits} bits, above the {MAX_MODULUS_BITS}-bit limit"));
    }
    // Everything below is bounded by the modulus size; anything larger is wrong.
    let too_big = |x: &[u8]| bits_of(x) > n_bits;
    if e.is_zero() || e.is_one() || too_big(&k.e) {
        return broken("e (not a valid public exponent)".into());
    }
    let mut problems = Vec::new();
    let one = BigUint::one();
    let (p, q) = (big(&k.p), big(&k.q));
    let even = |x: &BigUint| !x.bit(0);
    // p or q of 0 or 1, or wider than n: no factor of n. OpenSSL still runs the
    // CRT path with an odd one (and falls back to d), but fails on an even one.
    let trivial = |x: &BigUint, raw: &[u8]| x <= &one || too_big(raw);
    let usable = !trivial(&p, &k.p) && !trivial(&q, &k.q);
    let n_ok = usable && p.bits() + q.bits() <= n_bits + 1 && &p * &q == n;
    if !usable {
        problems.push("p·q ≠ n (a prime factor is 0, 1 or larger than n)".into());
    }
    for (name, x) in [("p", &p), ("q", &q)] {
        if even(x) && !x.is_zero() {
            problems.push(format!("{name} is even"));
        }
    }
    let prime = |x: &BigUint| !even(x) && (!test_primes || is_probable_prime(x));
    let (p_prime, q_prime) = if !usable {
        (false, false)
    } else if p.bits().max(q.bits()) > 2048 {
        // Above RSA-4096 a test takes long enough for a second core to pay (`keymatch check` of one key).
        rayon::join(|| prime(&p), || prime(&q))
    } else {
        // A scan already checks keys in parallel.
        (prime(&p), prime(&q))
    };
    if usable && !even(&p) && !p_prime {
        problems.push("p is not prime".into());
    }
    if usable && !even(&q) && !q_prime {
        problems.push("q is not prime".into());
    }
    if usable && !n_ok {
        problems.push("p·q ≠ n".into());
    }
    let p1 = if p.is_zero() { BigUint::zero() } else { &p - &one };
    let q1 = if q.is_zero() { BigUint::zero() } else { &q - &one };
    let factored = p_prime && q_prime && n_ok && p != q;

    // The d path: d·e ≡ 1 (mod λ(n)). With n = p·q for distinct primes,
    // λ(n) = lcm(p−1, q−1), and that is the same as d·e ≡ 1 modulo both p−1
    // and q−1 (no gcd needed). Otherwise test it on a few values.
    let d = big(&k.d);
    let d_path = !too_big(&k.d)
        && !d.is_zero()
        && if factored {
            let de = &d * &e;
            &de % &p1 == one && &de % &q1 == one
        } else {
            round_trips(&n, &e, &d)
        };
    if !d_path {
        problems.push("d".into());
    }
    // The stored CRT values: dP = d mod (p−1), i.e. the inverse of e modulo
    // p−1 (checked that way so that a wrong d is not also blamed on dP).
    let dp_ok = crt_exponent_ok(&k.dp, &e, &p1);
    let dq_ok = crt_exponent_ok(&k.dq, &e, &q1);
    if !dp_ok {
        problems.push("dP".into());
    }
    if !dq_ok {
        problems.push("dQ".into());
    }
    // qInv = q⁻¹ mod p.
    let qinv_ok = usable && bits_of(&k.qinv) <= p.bits() && {
        let qinv = big(&k.qinv);
        qinv < p && (&qinv * &q) % &p == one
    };
    if !qinv_ok {
        problems.push("qInv".into());
    }

    // The CRT path gives input^dP mod p and input^dQ mod q, joined with qInv:
    // right when p·q = n, qInv is right and (x^e)^dP ≡ x mod p (and the same
    // for q). For a prime p that is e·dP ≡ 1 (mod p−1); for a composite p it
    // depends on p's unknown factors, so it is tested on a few values.
    let crt = if p.is_zero() || q.is_zero() || even(&p) || even(&q) {
        CrtPath::Fails
    } else if n_ok
        && qinv_ok
        && (if p_prime { dp_ok } else { !too_big(&k.dp) && round_trips(&p, &e, &big(&k.dp)) })
        && (if q_prime { dq_ok } else { !too_big(&k.dq) && round_trips(&q, &e, &big(&k.dq)) })
    {
        CrtPath::Right
    } else {
        CrtPath::Wrong
    };
    Consistency { problems, crt, d_path }
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

/// `x < m` and `x·e ≡ 1 (mod m)`, with m = p−1 > 1.
fn crt_exponent_ok(x: &[u8], e: &BigUint, m: &BigUint) -> bool {
    if m <= &BigUint::one() || bits_of(x) > m.bits() {
        return false;
    }
    let x = big(x);
    &x < m && (x * e) % m == BigUint::one()
}

/// `(x^e)^d ≡ x (mod m)` for every x in [`PROBES`], with m odd and above them.
fn round_trips(m: &BigUint, e: &BigUint, d: &BigUint) -> bool {
    use rayon::prelude::*;
    PROBES.par_iter().all(|&x| {
        let x = BigUint::from(x);
        m > &x && pow_mod(&x, e, m).and_then(|y| pow_mod(&y, d, m)).is_some_and(|y| y == x)
    })
}

/// `base^exp mod m` for an odd m > 1 (crypto-bigint Montgomery arithmetic); `None` for an even m.
fn pow_mod(base: &BigUint, exp: &BigUint, m: &BigUint) -> Option<BigUint> {
    if m <= &BigUint::one() {
        return None;
    }
    let modulus = Odd::new(BoxedUint::from_be_slice_vartime(&m.to_bytes_be())).into_option()?;
    let precision = modulus.bits_precision();
    let params = BoxedMontyParams::new_vartime(modulus);
    let base = BoxedUint::from_be_slice(&(base % m).to_bytes_be(), precision).ok()?;
    let exp_bits = u32::try_from(exp.bits()).ok()?;
    let exp = BoxedUint::from_be_slice_vartime(&exp.to_bytes_be());
    let result = BoxedMontyForm::new(base, &params).pow_bounded_exp(&exp, exp_bits).retrieve();
    Some(BigUint::from_bytes_be(&result.to_be_bytes()))
}

/// Is x prime? For x of 64 bits and less, Miller–Rabin with the first twelve
/// primes as bases, which is exact there. Above, one strong probable-prime
/// round (Miller–Rabin) with a base derived from x itself, 2 + SHA-256(x) mod
/// (x − 3); the module doc says what this leaves out. False for 0, 1 and even numbers.
fn is_probable_prime(x: &BigUint) -> bool {
    let Some(odd) = Odd::new(BoxedUint::from_be_slice_vartime(&x.to_bytes_be())).into_option() else {
        return false;
    };
    if x <= &BigUint::one() {
        return false;
    }
    let precision = odd.bits_precision();
    let mr = || crypto_primes::hazmat::MillerRabin::new(odd.clone());
    let passes = |mr: &crypto_primes::hazmat::MillerRabin<BoxedUint>, base: &BigUint| {
        BoxedUint::from_be_slice(&base.to_bytes_be(), precision).is_ok_and(|base| mr.test(&base).is_probably_prime())
    };
    if x.bits() <= 64 {
        const BASES: [u32; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        let mr = mr();
        // A base is taken modulo x; one that x divides says nothing (x is then b itself, or composite
        // and caught by another base).
        return BASES.iter().map(|&b| BigUint::from(b) % x).all(|b| b.is_zero() || passes(&mr, &b));
    }
    use sha2::Digest;
    let digest: [u8; 32] = sha2::Sha256::digest(x.to_bytes_be()).into();
    let base = BigUint::from_bytes_be(&digest) % (x - 3u32) + 2u32;
    passes(&mr(), &base)
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
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Hash> {
        use der::oid::db::rfc5912;
        Some(match *oid {
            rfc5912::ID_SHA_1 => Hash::Sha1,
            rfc5912::ID_SHA_224 => Hash::Sha224,
            rfc5912::ID_SHA_256 => Hash::Sha256,
            rfc5912::ID_SHA_384 => Hash::Sha384,
            rfc5912::ID_SHA_512 => Hash::Sha512,
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

/// RSASSA-PKCS1-v1_5 verification of `signature` over `message`; the issuer key (n, e) is
/// built once per scan (`keys`).
pub(crate) fn verify_pkcs1v15(
    keys: &RsaKeys,
    n: &[u8],
    e: &[u8],
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    let Some(key) = keys.get(n, e, public_key) else {
        return SigCheck::Unchecked("the issuer's RSA key is outside the sizes keymatch checks".into());
    };
    if pkcs1v15_verifies(&key, &hash.pkcs1v15().prefix, &hash.digest(message), signature) {
        SigCheck::Valid
    } else {
        SigCheck::Invalid
    }
}

/// RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2) of `signature` over a message whose hash is
/// `digest`, with `prefix` the DER DigestInfo header of that hash (§9.2 note 1, as the `rsa`
/// crate's `Pkcs1v15Sign` carries it). The same decisions as the crate's verify, with the public
/// exponentiation done in variable time ([`rsavp1_vartime`]).
fn pkcs1v15_verifies(key: &::rsa::PublicKey, prefix: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    use ::rsa::traits::PublicKeyParts;
    // Step 1: S is k octets long, k the length of n in octets.
    let k = key.size();
    if signature.len() != k {
        return false;
    }
    // Step 2: s = OS2IP(S); RSAVP1 refuses s ≥ n; EM = I2OSP(s^e mod n, k).
    let Ok(s) = BoxedUint::from_be_slice(signature, key.n_bits_precision()) else {
        return false;
    };
    if s >= *key.n().as_ref() {
        return false;
    }
    let m = rsavp1_vartime(key, s).to_be_bytes();
    // m < n < 256^k: the octets above the k lowest are zero.
    let Some((high, em)) = m.split_at_checked(m.len().saturating_sub(k)) else {
        return false;
    };
    // Step 3: EM' = EMSA-PKCS1-v1_5-ENCODE(H, k) = 0x00 ‖ 0x01 ‖ PS ‖ 0x00 ‖ T, where
    // T = DigestInfo = prefix ‖ H and PS is k − tLen − 3 ≥ 8 octets 0xff.
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return false;
    }
    let mut expected = Vec::with_capacity(k);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(k - t_len - 1, 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(digest);
    // Step 4: EM = EM'.
    high.iter().all(|&b| b == 0) && em == expected.as_slice()
}

/// RSAVP1's s^e mod n (RFC 8017 §5.2.2) by left-to-right square-and-multiply over the bits of e,
/// in the Montgomery form of the key's cached modulus parameters. Variable time: the key, the
/// signature and the message are all public. The key's e is odd and at least 3 (the `rsa` crate
/// refuses others when the key is built).
fn rsavp1_vartime(key: &::rsa::PublicKey, s: BoxedUint) -> BoxedUint {
    use ::rsa::traits::PublicKeyParts;
    use crypto_bigint::{MontyForm, MontyMultiplier};
    let params = key.n_params();
    let e = key.e();
    let base = BoxedMontyForm::new(s, params);
    let mut multiplier = <BoxedMontyForm as MontyForm>::Multiplier::from(params);
    let mut acc = base.clone();
    for bit in (0..e.bit_width_vartime().saturating_sub(1)).rev() {
        multiplier.square_assign(&mut acc);
        if e.bit_vartime(bit) {
            multiplier.mul_assign(&mut acc, &base);
        }
    }
    acc.retrieve()
}

/// RSASSA-PSS verification, with the hash, MGF1 hash and salt length taken
/// from the signature algorithm's RSASSA-PSS-params (RFC 4055 §3.1); the issuer key as
/// [`verify_pkcs1v15`].
pub(crate) fn verify_pss(
    keys: &RsaKeys,
    n: &[u8],
    e: &[u8],
    params_der: Option<&[u8]>,
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    let Some(params) = params_der else {
        return SigCheck::Unchecked("RSASSA-PSS without parameters".into());
    };
    let Ok(params) = pkcs1::RsaPssParams::<der::Any>::try_from(params) else {
        return SigCheck::Unchecked("RSASSA-PSS parameters that do not decode".into());
    };
    let Some(hash) = Hash::from_oid(&params.hash.oid) else {
        return SigCheck::Unchecked(format!("RSASSA-PSS with hash {}", params.hash.oid));
    };
    let mgf_hash = params.mask_gen.parameters.as_ref().and_then(|a| Hash::from_oid(&a.oid));
    if params.mask_gen.oid != der::oid::db::rfc5912::ID_MGF_1 || mgf_hash != Some(hash) {
        return SigCheck::Unchecked("RSASSA-PSS with a mask generation hash other than the message hash".into());
    }
    let Some(key) = keys.get(n, e, public_key) else {
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
        // One issuer key, built once and used for every check: each result is still its own.
        let keys = RsaKeys::default();
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
            assert_eq!(verify_pkcs1v15(&keys, &n, &e, hash, b"keymatch DigestInfo", &sig), SigCheck::Valid, "{name}");
            assert_eq!(verify_pkcs1v15(&keys, &n, &e, hash, b"another message", &sig), SigCheck::Invalid, "{name}");
            let other = if hash == Hash::Sha256 { Hash::Sha384 } else { Hash::Sha256 };
            assert_eq!(
                verify_pkcs1v15(&keys, &n, &e, other, b"keymatch DigestInfo", &sig),
                SigCheck::Invalid,
                "{name}"
            );
        }
    }

    /// A fresh RSA key from `openssl genpkey` (`bits`, public exponent `e`): its n, e, d.
    fn openssl_key(bits: u32, e: u64) -> (Vec<u8>, Vec<u8>, BigUint) {
        let out = std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
            .arg(format!("rsa_keygen_bits:{bits}"))
            .arg("-pkeyopt")
            .arg(format!("rsa_keygen_pubexp:{e}"))
            .output()
            .expect("openssl CLI");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let parsed = crate::parse::parse_bytes(&out.stdout, crate::parse::Source::new("genpkey.pem"), &[]);
        let key = parsed.private_keys().next().expect("a key").2;
        let crate::parse::KeyMaterial::Rsa(k) = &key.material else { panic!("not RSA") };
        (strip_leading_zeros(&k.n).to_vec(), strip_leading_zeros(&k.e).to_vec(), big(&k.d))
    }

    /// RSASSA-PKCS1-v1_5 decisions of [`pkcs1v15_verifies`] (variable-time public operation,
    /// encode and compare) equal the `rsa` crate's verify, which it replaced, on valid signatures
    /// and on every kind of wrong one: tampered signature or message, another hash, s ≥ n, a wrong
    /// length, and signatures of encoded messages that are wrong in one part (RSA private
    /// operation on a crafted EM). Keys with e = 65537 (2048 bits, testdata), e = 3, e = 2^32 + 15
    /// and a 1025-bit modulus (k = 129 octets, the top one 0x01).
    #[test]
    fn pkcs1v15_decisions_equal_the_rsa_crate() {
        let leaf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/verify/testdata/leaf.key.der")).unwrap();
        let parsed = crate::parse::parse_bytes(&leaf, crate::parse::Source::new("leaf.key.der"), &[]);
        let crate::parse::KeyMaterial::Rsa(k) = &parsed.private_keys().next().expect("a key").2.material else {
            panic!("not RSA")
        };
        let keys = [
            (strip_leading_zeros(&k.n).to_vec(), strip_leading_zeros(&k.e).to_vec(), big(&k.d)),
            openssl_key(1024, 3),
            openssl_key(1024, (1 << 32) + 15),
            openssl_key(1025, 65537),
        ];
        let hashes = [Hash::Sha1, Hash::Sha224, Hash::Sha256, Hash::Sha384, Hash::Sha512];
        // What, signature, digest, its hash, the expected decision.
        type Case = (String, Vec<u8>, Vec<u8>, Hash, bool);
        let (mut valid, mut invalid, mut over_n) = (0, 0, 0);
        for (n, e, d) in &keys {
            let key = public_key(n, e).expect("a key the crate accepts");
            let k = n.len();
            let n_big = big(n);
            // The RSA private operation on an encoded message (None when EM ≥ n).
            let sign = |em: &[u8]| {
                let m = big(em);
                (m < n_big).then(|| {
                    let s = m.modpow(d, &n_big).to_bytes_be();
                    [vec![0; k - s.len()], s].concat()
                })
            };
            for (i, &hash) in hashes.iter().enumerate() {
                let prefix = hash.pkcs1v15().prefix.to_vec();
                let digest = hash.digest(format!("message {i}").as_bytes());
                let other_digest = hash.digest(b"another message");
                let encode = |ps_len: usize, t: &[u8]| [vec![0, 1], vec![0xff; ps_len], vec![0], t.to_vec()].concat();
                let t = [prefix.as_slice(), &digest].concat();
                let em = encode(k - t.len() - 3, &t);
                let good = sign(&em).expect("EM < n");
                // (what, signature, digest, hash, expected)
                let mut cases: Vec<Case> = vec![
                    ("valid".into(), good.clone(), digest.clone(), hash, true),
                    ("another message".into(), good.clone(), other_digest.clone(), hash, false),
                    ("digest one octet short".into(), good.clone(), digest[1..].to_vec(), hash, false),
                    ("with a leading zero octet".into(), [vec![0], good.clone()].concat(), digest.clone(), hash, false),
                    ("one octet short".into(), good[1..].to_vec(), digest.clone(), hash, false),
                    ("empty".into(), vec![], digest.clone(), hash, false),
                    ("s = n".into(), n.clone(), digest.clone(), hash, false),
                    ("s = 2^8k − 1".into(), vec![0xff; k], digest.clone(), hash, false),
                    ("s = 0".into(), vec![0; k], digest.clone(), hash, false),
                    ("s = 1".into(), [vec![0; k - 1], vec![1]].concat(), digest.clone(), hash, false),
                    ("s = n − 1".into(), (&n_big - 1u32).to_bytes_be(), digest.clone(), hash, false),
                ];
                let other = hashes[(i + 1) % hashes.len()];
                let other_t =
                    [other.pkcs1v15().prefix.to_vec(), other.digest(format!("message {i}").as_bytes())].concat();
                cases.push((
                    "signed with another hash".into(),
                    good.clone(),
                    other.digest(format!("message {i}").as_bytes()),
                    other,
                    false,
                ));
                cases.push((
                    "another hash's EM".into(),
                    sign(&encode(k - other_t.len() - 3, &other_t)).expect("EM < n"),
                    digest.clone(),
                    hash,
                    false,
                ));
                for at in [0, 1, k / 2, k - 1] {
                    let mut bad = good.clone();
                    bad[at] ^= 0x01;
                    cases.push((format!("signature octet {at} flipped"), bad, digest.clone(), hash, false));
                }
                // Signatures of encoded messages wrong in one part.
                let mut crafted: Vec<(&str, Vec<u8>)> = Vec::new();
                for (what, at, value) in [
                    ("EM starts 0x01", 0, 0x01),
                    ("block type 2", 1, 0x02),
                    ("block type 0", 1, 0x00),
                    ("a PS octet 0xfe", 2 + (k - t.len() - 3) / 2, 0xfe),
                    ("the last PS octet 0x00", k - t.len() - 2, 0x00),
                    ("separator 0x01", k - t.len() - 1, 0x01),
                    ("DigestInfo length octet", k - t.len() + 1, t[1] ^ 0x01),
                    ("DigestInfo OID octet", k - t.len() + 8, t[8] ^ 0x01),
                    ("last hash octet", k - 1, em[k - 1] ^ 0x01),
                ] {
                    let mut bad = em.clone();
                    bad[at] = value;
                    crafted.push((what, bad));
                }
                // T shifted left over garbage (a PS one octet short), and PS of 7 octets with T padded.
                crafted.push(("garbage after the hash", [encode(k - t.len() - 4, &t), vec![0]].concat()));
                // DigestInfo without the NULL parameters (RFC 8017 §9.2 note 1 names both forms; the crate takes one).
                let mut no_null = prefix.clone();
                if let Some(at) = no_null.windows(2).position(|w| w == [0x05, 0x00]) {
                    no_null.drain(at..at + 2);
                    no_null[1] -= 2;
                    no_null[3] -= 2;
                    let t2 = [no_null.as_slice(), &digest].concat();
                    crafted.push(("DigestInfo without NULL", encode(k - t2.len() - 3, &t2)));
                }
                for (what, bad_em) in crafted {
                    match sign(&bad_em) {
                        Some(sig) => cases.push((what.into(), sig, digest.clone(), hash, false)),
                        None => over_n += 1,
                    }
                }
                for (what, sig, digest, hash, want) in cases {
                    let prefix = hash.pkcs1v15().prefix;
                    let ours = pkcs1v15_verifies(&key, &prefix, &digest, &sig);
                    let theirs = key.verify(hash.pkcs1v15(), &digest, &sig).is_ok();
                    assert_eq!(ours, theirs, "{} bits, e = {}: {what}", n_big.bits(), big(e));
                    assert_eq!(ours, want, "{} bits, e = {}: {what}", n_big.bits(), big(e));
                    if want {
                        valid += 1;
                    } else {
                        invalid += 1;
                    }
                }
            }
        }
        assert_eq!(valid, keys.len() * hashes.len());
        // 27 wrong signatures per key and hash, less the crafted ones whose EM was not below n.
        assert_eq!(invalid + over_n, 27 * keys.len() * hashes.len());
        // Only an EM starting 0x01 can reach n, and only for the 1025-bit modulus.
        assert!(over_n <= hashes.len(), "{over_n}");
    }

    /// Through the scan's key cache: a key outside the crate's limits is Unchecked, not Invalid;
    /// a built one is reused and verifies.
    #[test]
    fn verify_pkcs1v15_refuses_keys_outside_the_limits() {
        let keys = RsaKeys::default();
        let n = vec![0xc5; 256];
        for e in [vec![1], vec![2], vec![1; 9], vec![0x02, 0, 0, 0, 1]] {
            let got = verify_pkcs1v15(&keys, &n, &e, Hash::Sha256, b"m", &[0; 256]);
            assert!(matches!(got, SigCheck::Unchecked(_)), "e = {e:?}: {got:?}");
        }
        assert_eq!(verify_pkcs1v15(&keys, &n, &[3], Hash::Sha256, b"m", &[0; 256]), SigCheck::Invalid);
        assert_eq!(keys.len(), 1);
    }

    fn num(x: u32) -> Vec<u8> {
        BigUint::from(x).to_bytes_be()
    }

    /// A consistent toy key from small primes (the math does not care about size).
    fn toy() -> RsaPrivate {
        // p = 61, q = 53, n = 3233, e = 17, λ = lcm(60, 52) = 780, d = 413.
        RsaPrivate {
            n: num(3233),
            e: vec![17],
            d: num(413),
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

    /// A toy key whose p = 143 = 11·13 is composite: q = 43, n = 6149, e = 17.
    /// `d`, `dp` as the three constructions in fixtures/surgery.py make them
    /// (rsa-composite-p): believed-prime (2105, 117), right-d (173, 31),
    /// crt-right (2105, 53). A brute force over every input modulo n (in
    /// Python, when these were chosen) agrees with the path verdicts asserted below.
    fn composite(d: u32, dp: u32) -> RsaPrivate {
        RsaPrivate {
            n: num(6149),
            e: vec![17],
            d: num(d),
            p: num(143),
            q: vec![43],
            dp: num(dp),
            dq: vec![5],
            qinv: vec![10],
        }
    }

    fn paths(k: &RsaPrivate) -> (Vec<String>, CrtPath, bool, bool) {
        let c = check(k);
        let works = c.openssl_works();
        (c.problems, c.crt, c.d_path, works)
    }

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn consistent_toy_key_has_no_problems_and_both_paths() {
        assert_eq!(paths(&toy()), (vec![], CrtPath::Right, true, true));
        assert_eq!(check(&toy()).impact(), "");
    }

    #[test]
    fn one_wrong_crt_value_leaves_the_d_path() {
        let mut k = toy();
        k.dp = vec![54];
        assert_eq!(paths(&k), (strings(&["dP"]), CrtPath::Wrong, true, true));
        let mut k = toy();
        k.dq = vec![1];
        assert_eq!(paths(&k), (strings(&["dQ"]), CrtPath::Wrong, true, true));
        let mut k = toy();
        k.qinv = vec![39];
        assert_eq!(paths(&k), (strings(&["qInv"]), CrtPath::Wrong, true, true));
        assert!(check(&k).impact().contains("recomputes with d"));
    }

    #[test]
    fn a_wrong_d_leaves_the_crt_path() {
        let mut k = toy();
        k.d = num(415);
        assert_eq!(paths(&k), (strings(&["d"]), CrtPath::Right, false, true));
        assert!(check(&k).impact().contains("CRT values, which are right"));
    }

    #[test]
    fn p_q_of_another_key_leave_the_d_path() {
        // n, e, d of the toy key; p = 67, q = 71 and their own CRT values (d' = 1223).
        let mut k = toy();
        (k.p, k.q, k.dp, k.dq, k.qinv) = (vec![67], vec![71], vec![35], vec![33], vec![17]);
        assert_eq!(paths(&k), (strings(&["p·q ≠ n"]), CrtPath::Wrong, true, true));
        // ... and with d wrong too, nothing is left.
        k.d = num(415);
        assert_eq!(paths(&k), (strings(&["p·q ≠ n", "d"]), CrtPath::Wrong, false, false));
    }

    #[test]
    fn both_paths_wrong_fail() {
        let mut k = toy();
        k.dp = vec![54];
        k.d = num(415);
        assert_eq!(paths(&k), (strings(&["d", "dP"]), CrtPath::Wrong, false, false));
        assert!(check(&k).impact().contains("every handshake fails"));
        // A changed n (the certificate's) that p·q no longer gives: neither path computes modulo it.
        let mut k = toy();
        k.n = num(3233 + 2);
        assert_eq!(paths(&k), (strings(&["p·q ≠ n", "d"]), CrtPath::Wrong, false, false));
    }

    #[test]
    fn a_composite_p_is_found_and_each_path_judged() {
        // As a key generator that took 143 for a prime makes it: both paths wrong.
        assert_eq!(paths(&composite(2105, 117)), (strings(&["p is not prime", "d"]), CrtPath::Wrong, false, false));
        // d from the real λ(n) = lcm(10, 12, 42): the d path works.
        assert_eq!(paths(&composite(173, 31)), (strings(&["p is not prime", "dP"]), CrtPath::Wrong, true, true));
        // dP = e⁻¹ mod λ(143) = lcm(10, 12): the CRT path works although p is composite.
        assert_eq!(paths(&composite(2105, 53)), (strings(&["p is not prime", "d", "dP"]), CrtPath::Right, false, true));
        let mut k = toy();
        (k.p, k.q) = (vec![53], vec![61]); // still primes, only swapped
        assert!(check(&k).problems.iter().all(|p| !p.contains("prime")));
    }

    #[test]
    fn without_the_prime_test_only_a_composite_whose_relations_hold_passes() {
        let skipped = |k: &RsaPrivate| check_with(k, PrimeTest::Skipped);
        assert_eq!(skipped(&toy()), check(&toy()));
        // The blind spot: every relation holds when 143 is taken for a prime.
        let blind = skipped(&composite(2105, 117));
        assert_eq!((blind.problems.len(), blind.crt, blind.d_path), (0, CrtPath::Right, true));
        assert_eq!(check(&composite(2105, 117)).problems, strings(&["p is not prime", "d"]));
        // A relation fails: the key is checked again with the test, and judged as without the option.
        for k in [composite(173, 31), composite(2105, 53)] {
            assert_eq!(skipped(&k), check(&k));
        }
        let mut wrong_qinv = toy();
        wrong_qinv.qinv = num(1);
        assert_eq!(skipped(&wrong_qinv), check(&wrong_qinv));
        assert_eq!(check(&wrong_qinv).problems, strings(&["qInv"]));
    }

    #[test]
    fn an_even_or_zero_factor_fails_outright_and_one_falls_back_to_d() {
        // OpenSSL has no Montgomery form for an even modulus: the operation fails, d is never tried.
        let mut k = toy();
        k.p = num(122);
        let c = check(&k);
        assert!(c.problems.contains(&"p is even".to_string()), "{:?}", c.problems);
        assert_eq!((c.crt, c.d_path, c.openssl_works()), (CrtPath::Fails, true, false));
        assert!(c.impact().contains("even or zero"));
        let mut k = toy();
        k.q = vec![0];
        assert_eq!(check(&k).crt, CrtPath::Fails);
        assert!(!check(&k).openssl_works());
        // p = 1 is odd: the CRT result is wrong, the check against e notices, d is right.
        let mut k = toy();
        k.p = vec![1];
        let c = check(&k);
        assert_eq!((c.crt, c.d_path, c.openssl_works()), (CrtPath::Wrong, true, true));
    }

    #[test]
    fn miller_rabin_agrees_with_trial_division_below_ten_thousand() {
        for x in (3u32..10_000).step_by(2) {
            let prime = (3..).step_by(2).take_while(|f| f * f <= x).all(|f| x % f != 0);
            assert_eq!(is_probable_prime(&BigUint::from(x)), prime, "{x}");
        }
        // Strong pseudoprimes to bases 2, 3, 5, 7 (and a Carmichael number) are composite.
        for x in [3_215_031_751u64, 2_152_302_898_747, 561, 3_474_749_660_383, 341_550_071_728_321] {
            assert!(!is_probable_prime(&BigUint::from(x)), "{x}");
        }
        // 2^127 − 1 is prime, (2^127 − 1)·(2^89 − 1) is not.
        let m127 = (BigUint::one() << 127u32) - 1u32;
        let m89 = (BigUint::one() << 89u32) - 1u32;
        assert!(is_probable_prime(&m127));
        assert!(!is_probable_prime(&(&m127 * &m89)));
    }

    /// Composite Mersenne numbers 2^k − 1 (k prime) and the Fermat number
    /// 2^64 + 1 are strong pseudoprimes to base 2, above 64 bits: a round with
    /// the fixed base 2 takes them for primes, the base derived from the number does not.
    #[test]
    fn strong_pseudoprimes_to_base_two_are_composite() {
        for x in [
            (BigUint::one() << 67u32) - 1u32,
            (BigUint::one() << 101u32) - 1u32,
            (BigUint::one() << 103u32) - 1u32,
            (BigUint::one() << 64u32) + 1u32,
        ] {
            let odd = Odd::new(BoxedUint::from_be_slice_vartime(&x.to_bytes_be())).unwrap();
            let base = BoxedUint::from_be_slice(&[2], odd.bits_precision()).unwrap();
            let base_two = crypto_primes::hazmat::MillerRabin::new(odd).test(&base);
            assert!(base_two.is_probably_prime(), "{x} passes a base-2 round");
            assert!(!is_probable_prime(&x), "{x}");
        }
    }

    #[test]
    fn degenerate_numbers_are_problems_not_panics() {
        let mut k = toy();
        k.p = vec![1];
        k.q = k.n.clone();
        assert!(!check(&k).problems.is_empty());
        let mut k = toy();
        k.p = vec![];
        assert!(!check(&k).openssl_works());
        let mut k = toy();
        k.n = vec![0, 0];
        assert_eq!(key_problems(&k), ["n is zero"]);
        let mut k = toy();
        k.e = vec![1];
        assert_eq!(key_problems(&k).len(), 1);
        assert!(!check(&k).openssl_works());
        let mut k = toy();
        k.p = vec![2];
        k.q = vec![2];
        k.n = vec![4];
        k.dp = vec![0];
        assert!(!key_problems(&k).is_empty());
        assert!(!check(&k).openssl_works());
        let mut k = toy();
        k.d = vec![0xff; 5000];
        k.dp = vec![0xff; 5000];
        k.qinv = vec![0xff; 5000];
        assert_eq!(key_problems(&k), ["d", "dP", "qInv"]);
        assert!(!check(&k).openssl_works());
        let mut k = toy();
        k.n = vec![0xff; 3000];
        assert_eq!(key_problems(&k).len(), 1);
        // Every number as wide as n and nonsense: bounded work (two exponentiations
        // modulo n per probe at most), no panic. 4096 bits here to keep the test quick.
        let mut k = toy();
        k.n = vec![0xff; 512];
        k.p = vec![0xfd; 256];
        k.q = vec![0xfb; 256];
        k.d = vec![0xf7; 512];
        k.e = vec![0xf1; 512];
        k.dp = vec![0xf3; 512];
        assert!(!check(&k).openssl_works());
    }
}
