//! Cost of verify's per-pair work, on committed material (release build):
//! `cargo bench --bench verify`. Prints the median of several rounds for the
//! key decision (`verify_pair`, RSA consistency and EC/Ed25519 checks), for
//! each kind of chain signature, and for ECDSA the crate's verify (an issuer's
//! first signature) against the issuer's precomputed table (every later one)
//! and the cost of building that table. Measured, never asserted.

use keymatch::parse::{parse_bytes, Curve, ItemKind, KeyMaterial, ParsedFile, PublicKey, Source};
use keymatch::verify::{
    self, chain, ec,
    ec_tables::{IssuerTable, WideTable, XCheck, WIDE_AFTER},
    rsa::Hash,
    PairMaterial, PrimeTest, SigCheck, Verdict,
};
use p256::elliptic_curve::sec1::ToSec1Point;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn load(rel: &str) -> ParsedFile {
    let path = format!("{ROOT}/{rel}");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_bytes(&bytes, Source::new(rel), &[])
}

/// The first certificate of a file `load` read.
fn first_cert<'a>(file: &'a ParsedFile, name: &str) -> &'a keymatch::parse::CertInfo {
    file.certificates().next().map(|(_, _, c)| c).unwrap_or_else(|| panic!("{name}: no certificate"))
}

/// Median over 7 rounds of the mean of `n` calls.
fn time(n: u32, mut f: impl FnMut()) -> Duration {
    let mut rounds: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed() / n
        })
        .collect();
    rounds.sort();
    rounds[3]
}

/// The fastest of 21 rounds of the mean of `n` calls: on a shared machine, the round
/// least disturbed by other processes; for side-by-side comparisons of two ways.
fn fastest(n: u32, mut f: impl FnMut()) -> Duration {
    (0..21)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed() / n
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // RSA consistency runs one Miller–Rabin round on each of p and q: a handful of calls for the big keys.
    // The damaged keys show the cost of the exponentiations modulo n (p·q ≠ n) and modulo p
    // (a composite p) that a key with an unknown factorisation needs.
    println!("verify_pair (key decision and key consistency):");
    for (s, calls, verdict) in [
        ("rsa2048-pkcs1-pem", 50, Verdict::Match),
        ("rsa4096-pkcs8-pem", 10, Verdict::Match),
        ("rsa8192", 2, Verdict::Match),
        ("rsa16384", 1, Verdict::Match),
        ("corrupt-wrong-dp", 50, Verdict::KeyCorrupt),
        ("corrupt-pq-not-n", 20, Verdict::KeyCorrupt),
        ("corrupt-composite-p", 20, Verdict::KeyCorrupt),
        ("p256-sec1-pem", 200, Verdict::Match),
        ("p384-sec1-pem", 200, Verdict::Match),
        ("ed25519-pkcs8-pem", 200, Verdict::Match),
    ] {
        let cert = load(&format!("fixtures/check/{s}/cert.pem"));
        let key = load(&format!("fixtures/check/{s}/key.pem"));
        let m = PairMaterial { cert_file: Some(&cert), key_file: Some((&key, None)), chain_file: None };
        assert_eq!(verify::verify_pair(&m, PrimeTest::OneRound).verdict, verdict, "{s}");
        let t = time(calls, || {
            std::hint::black_box(verify::verify_pair(&m, PrimeTest::OneRound));
        });
        println!("  {s:<28} {t:>12.1?}");
    }
    println!("EC private key (fastest of 21 rounds): parsing the PEM file (which checks d·G against the stored point) / d·G to affine (the curve crate's constant-time basepoint table, then an inversion: parse before session 19) / d·G compared projectively with the stored point (parse since):");
    for s in ["p256-sec1-pem", "p384-sec1-pem"] {
        let rel = format!("fixtures/check/{s}/key.pem");
        let bytes = std::fs::read(format!("{ROOT}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let parsed = parse_bytes(&bytes, Source::new(&rel), &[]);
        let Some(key) = parsed.items.iter().find_map(|i| match &i.kind {
            ItemKind::PrivateKey(k) => Some(k),
            _ => None,
        }) else {
            panic!("{rel}: no key")
        };
        let KeyMaterial::Ec(ec) = &key.material else { panic!("{rel}: not EC") };
        let stored = match &ec.stored_public {
            Some(Ok(point)) => point.clone(),
            _ => panic!("{rel}: no stored point"),
        };
        macro_rules! derive {
            ($c:ident, $compare:expr) => {{
                let sk = $c::SecretKey::from_slice(&ec.d).unwrap_or_else(|e| panic!("{rel}: {e}"));
                if $compare {
                    let dg = <$c::ProjectivePoint as p256::elliptic_curve::group::Group>::mul_by_generator(
                        &sk.to_nonzero_scalar(),
                    );
                    let stored = $c::PublicKey::from_sec1_bytes(&stored).unwrap_or_else(|e| panic!("{rel}: {e}"));
                    assert!(dg == stored.to_projective());
                } else {
                    std::hint::black_box(sk.public_key().to_sec1_point(false));
                }
            }};
        }
        let derive = |compare: bool| {
            fastest(100, || match ec.curve {
                Curve::P256 => derive!(p256, compare),
                _ => derive!(p384, compare),
            })
        };
        let (affine, projective) = (derive(false), derive(true));
        let parse = fastest(100, || {
            std::hint::black_box(parse_bytes(&bytes, Source::new(&rel), &[]));
        });
        println!("  {s:<28} {parse:>12.1?} {affine:>12.1?} {projective:>12.1?}");
    }
    println!("chain signature check (one link): the same issuer every time (ECDSA from its table, RSA key built once) / a new scan each time:");
    let tables = verify::EcTables::default();
    let td = "src/verify/testdata";
    for (leaf, issuer, what) in [
        ("leaf.pem", "inter.pem", "RSA-2048 PKCS#1 v1.5 SHA-256"),
        ("leaf-pss.pem", "inter.pem", "RSA-2048 PSS SHA-384"),
        ("ec-leaf.pem", "ec-inter.pem", "ECDSA P-384 SHA-384"),
        ("p521-self.pem", "p521-self.pem", "ECDSA P-521 SHA-512"),
        ("ed25519-self.pem", "ed25519-self.pem", "Ed25519"),
    ] {
        let (l, i) = (load(&format!("{td}/{leaf}")), load(&format!("{td}/{issuer}")));
        let (lc, ic) = (first_cert(&l, leaf), first_cert(&i, issuer));
        assert_eq!(chain::check_signature(lc, &ic.public_key, &tables), SigCheck::Valid, "{what}");
        let t = time(50, || {
            std::hint::black_box(chain::check_signature(lc, &ic.public_key, &tables));
        });
        let first = time(50, || {
            std::hint::black_box(chain::check_signature(lc, &ic.public_key, &verify::EcTables::default()));
        });
        println!("  {what:<30} {t:>12.1?} {first:>12.1?}");
    }
    println!("RSA PKCS#1 v1.5, issuer key built once: the rsa crate's verify (constant-time public operation) vs keymatch's (variable time):");
    for (leaf, issuer, hash, what) in [
        ("leaf.pem", "inter.pem", Hash::Sha256, "RSA-2048 SHA-256, e = 65537"),
        ("root.pem", "root.pem", Hash::Sha256, "RSA-2048 SHA-256 (self-signed)"),
    ] {
        let (l, i) = (load(&format!("{td}/{leaf}")), load(&format!("{td}/{issuer}")));
        let (lc, ic) = (first_cert(&l, leaf), first_cert(&i, issuer));
        let PublicKey::Rsa { n, e, .. } = &ic.public_key else { panic!("{issuer}: not an RSA key") };
        let key =
            rsa::PublicKey::new(rsa::BoxedUint::from_be_slice_vartime(n), rsa::BoxedUint::from_be_slice_vartime(e))
                .unwrap_or_else(|err| panic!("{issuer}: {err}"));
        let digest = hash.digest(&lc.tbs_der);
        let scheme = || rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
        assert!(key.verify(scheme(), &digest, &lc.signature).is_ok(), "{what}");
        let crate_verify = time(100, || {
            std::hint::black_box(key.verify(scheme(), &hash.digest(&lc.tbs_der), &lc.signature).is_ok());
        });
        let tables = verify::EcTables::default();
        assert_eq!(chain::check_signature(lc, &ic.public_key, &tables), SigCheck::Valid, "{what}");
        let ours = time(100, || {
            std::hint::black_box(chain::check_signature(lc, &ic.public_key, &tables));
        });
        println!("  {what:<30} crate {crate_verify:>10.1?}   keymatch {ours:>10.1?}");
    }
    println!("ECDSA: the crate's verify (an issuer's first signature) vs the issuer's table (repeated issuer):");
    for (leaf, issuer, hash, what) in [
        ("ec-leaf.pem", "ec-inter.pem", Hash::Sha384, "P-384 SHA-384"),
        ("p521-self.pem", "p521-self.pem", Hash::Sha512, "P-521 SHA-512"),
    ] {
        let (l, i) = (load(&format!("{td}/{leaf}")), load(&format!("{td}/{issuer}")));
        let (lc, ic) = (first_cert(&l, leaf), first_cert(&i, issuer));
        let PublicKey::Ec { curve, point } = &ic.public_key else { panic!("{issuer}: not an EC key") };
        let prehash = hash.digest(&lc.tbs_der);
        let sig = lc.signature.as_slice();
        let table = IssuerTable::new(*curve, point).unwrap_or_else(|| panic!("{issuer}: no table"));
        assert_eq!(ec::verify_ecdsa_uncached(*curve, point, &prehash, sig), SigCheck::Valid, "{what}");
        // No wide table for this one (no budget), whatever its number of checks.
        let no_wide = AtomicUsize::new(0);
        assert_eq!(table.verify(&prehash, sig, &no_wide), SigCheck::Valid, "{what}");
        let crate_verify = time(50, || {
            std::hint::black_box(ec::verify_ecdsa_uncached(*curve, point, &prehash, sig));
        });
        let table_verify = time(50, || {
            std::hint::black_box(table.verify(&prehash, sig, &no_wide));
        });
        // An issuer past WIDE_AFTER checks, with its wide table.
        let wide = IssuerTable::new(*curve, point).unwrap_or_else(|| panic!("{issuer}: no table"));
        let one_wide = AtomicUsize::new(1);
        let wide_build = time(1, || {
            for _ in 0..=WIDE_AFTER {
                std::hint::black_box(wide.verify(&prehash, sig, &one_wide));
            }
        });
        assert_eq!(one_wide.load(std::sync::atomic::Ordering::Relaxed), 0, "{what}: the wide table was built");
        let wide_verify = time(50, || {
            std::hint::black_box(wide.verify(&prehash, sig, &one_wide));
        });
        let build = time(20, || {
            std::hint::black_box(IssuerTable::new(*curve, point));
        });
        println!("  {what:<30} crate {crate_verify:>10.1?}   table {table_verify:>10.1?}   (table build {build:.1?})");
        println!(
            "  {what:<30} wide table {wide_verify:>10.1?}   (its first {} checks with the wide build: {wide_build:.1?})",
            WIDE_AFTER + 1
        );
    }
    let p256_g = time(1, || drop(std::hint::black_box(WideTable::<p256::NistP256>::generator())));
    let p384_g = time(1, || drop(std::hint::black_box(WideTable::<p384::NistP384>::generator())));
    let p521_g = time(1, || drop(std::hint::black_box(WideTable::<p521::NistP521>::generator())));
    println!(
        "  generator tables (once per curve and process): P-256 {p256_g:.1?}, P-384 {p384_g:.1?}, P-521 {p521_g:.1?}"
    );
    println!("x(R) = r (fastest of 21 rounds): R to affine (a constant-time inversion) vs a point P with x = r (a square root: the crate's decompress, keymatch's XCheck) and R = ±P:");
    x_check();
}

/// The two ways to decide r = x(R) mod n (verify/ec_tables.rs, `XCheck`): R to affine (one
/// constant-time field inversion) against decompressing x (one square root) and comparing
/// projectively (R = ±P).
fn x_check() {
    use p256::elliptic_curve::point::AffineCoordinates;
    use p256::elliptic_curve::{group::Group, point::DecompressPoint, subtle::Choice};
    macro_rules! m {
        ($c:ident, $C:ident) => {{
            let r = $c::ProjectivePoint::GENERATOR * $c::Scalar::from(12345u64);
            let r = r.double() + r;
            let x = r.to_affine().x();
            let inv = fastest(200, || {
                std::hint::black_box(std::hint::black_box(r).to_affine());
            });
            let dec = fastest(200, || {
                let p = $c::AffinePoint::decompress(std::hint::black_box(&x), Choice::from(0)).unwrap();
                let p = $c::ProjectivePoint::from(p);
                std::hint::black_box(r == p || r == -p);
            });
            let ours = fastest(200, || {
                let p = <$c::$C as XCheck>::point_with_x(std::hint::black_box(&x)).unwrap();
                let p = $c::ProjectivePoint::from(p);
                std::hint::black_box(r == p || r == -p);
            });
            println!(
                "  {:<6} to_affine {inv:>10.1?}   decompress and compare {dec:>10.1?}   XCheck::point_with_x and compare {ours:>10.1?}",
                stringify!($c)
            );
        }};
    }
    m!(p256, NistP256);
    m!(p384, NistP384);
    m!(p521, NistP521);
}
