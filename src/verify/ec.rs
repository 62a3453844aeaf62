//! EC P-256, P-384, P-521 (SEC 1 v2): the consistency of a private key
//! (0 < d < order, stored public point = d·G, §3.2.1) and ECDSA chain
//! signature checks (§4.1.4, signatures DER-encoded as RFC 5480 §2.2 / RFC 5758 §3.2).

use super::ec_tables::EcTables;
use super::SigCheck;
use crate::parse::{strip_leading_zeros, Curve, EcPrivate};

/// The group order n of each curve, big-endian (SEC 2 v2 §2.4.2, §2.5.1, §2.6.1).
fn order(curve: Curve) -> &'static [u8] {
    match curve {
        Curve::P256 => &[
            0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6,
            0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
        ],
        Curve::P384 => &[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
            0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
        ],
        Curve::P521 => &[
            0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x51, 0x86,
            0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09, 0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8,
            0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38, 0x64, 0x09,
        ],
    }
}

/// Is the big-endian scalar in 1..order?
pub(crate) fn scalar_in_range(curve: Curve, d: &[u8]) -> bool {
    let d = strip_leading_zeros(d);
    let n = order(curve);
    // Both without leading zeros: a longer one is larger; equal length compares bytewise.
    !d.is_empty() && (d.len() < n.len() || (d.len() == n.len() && d < n))
}

/// d·G as an uncompressed SEC1 point, or `None` if d is out of range.
pub(crate) fn public_point(curve: Curve, d: &[u8]) -> Option<Vec<u8>> {
    if !scalar_in_range(curve, d) {
        return None;
    }
    crate::parse::pubkey::derive_ec_public(curve, d)
}

/// The inconsistencies of an EC private key: "d out of range" or
/// "public point ≠ d·G" (or a stored point that does not decode). `derived` is
/// d·G when the caller already has it (parse derives it for every key: a
/// scalar multiplication costs more than everything else here); otherwise it
/// is computed.
pub(crate) fn key_problems(k: &EcPrivate, derived: Option<&[u8]>) -> Vec<String> {
    let mut problems = Vec::new();
    let in_range = scalar_in_range(k.curve, &k.d);
    if !in_range {
        problems.push(format!("d (the scalar is not in 1 … order−1 of {})", k.curve.name()));
    }
    let computed;
    let derived = match derived {
        _ if !in_range => None,
        Some(point) => Some(point),
        None => {
            computed = public_point(k.curve, &k.d);
            computed.as_deref()
        }
    };
    match &k.stored_public {
        None => {}
        Some(Err(reason)) => problems.push(format!("the stored public point does not decode ({reason})")),
        Some(Ok(stored)) if derived.is_some_and(|derived| stored.as_slice() != derived) => {
            problems.push("public point ≠ d·G".into());
        }
        Some(Ok(_)) => {}
    }
    problems
}

/// ECDSA verification of a DER signature over an already hashed message.
/// An issuer key seen before is checked with its precomputed table
/// in the scan's `tables` ([`ec_tables`](super::ec_tables)), otherwise with the
/// curve crate's verify.
pub(crate) fn verify_ecdsa(
    tables: &EcTables,
    curve: Curve,
    point: &[u8],
    prehash: &[u8],
    signature_der: &[u8],
) -> SigCheck {
    tables
        .verify(curve, point, prehash, signature_der)
        .unwrap_or_else(|| verify_ecdsa_uncached(curve, point, prehash, signature_der))
}

/// [`verify_ecdsa`] with the curve crate's `VerifyingKey::verify_prehash`
/// alone: no table is used or built.
pub fn verify_ecdsa_uncached(curve: Curve, point: &[u8], prehash: &[u8], signature_der: &[u8]) -> SigCheck {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    macro_rules! check {
        ($c:ident) => {{
            let Ok(key) = $c::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return SigCheck::Unchecked("the issuer's EC point does not decode".into());
            };
            let Ok(sig) = $c::ecdsa::Signature::from_der(signature_der) else {
                return SigCheck::Invalid;
            };
            key.verify_prehash(prehash, &sig)
        }};
    }
    let result = match curve {
        Curve::P256 => check!(p256),
        Curve::P384 => check!(p384),
        Curve::P521 => check!(p521),
    };
    match result {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_range_bounds() {
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let n = order(curve).to_vec();
            assert!(!scalar_in_range(curve, &[0]), "{curve:?} d = 0");
            assert!(!scalar_in_range(curve, &[]), "{curve:?} empty d");
            assert!(scalar_in_range(curve, &[1]));
            assert!(!scalar_in_range(curve, &n), "{curve:?} d = order");
            let mut below = n.clone();
            if let Some(last) = below.last_mut() {
                *last -= 1;
            }
            assert!(scalar_in_range(curve, &below), "{curve:?} d = order - 1");
            let mut with_zeros = vec![0, 0];
            with_zeros.extend_from_slice(&below);
            assert!(scalar_in_range(curve, &with_zeros), "leading zeros do not count");
            let mut above = vec![1];
            above.extend_from_slice(&n);
            assert!(!scalar_in_range(curve, &above));
        }
    }

    #[test]
    fn one_times_g_is_the_generator() {
        // P-256 generator x coordinate (SEC 2 §2.4.2).
        let g = public_point(Curve::P256, &[1]).unwrap_or_default();
        assert_eq!(g.len(), 65);
        assert_eq!(g[0], 4);
        assert_eq!(&g[1..5], &[0x6b, 0x17, 0xd1, 0xf2]);
        assert_eq!(public_point(Curve::P521, &[1]).map(|p| p.len()), Some(133));
        assert_eq!(public_point(Curve::P384, &[0]), None);
    }

    #[test]
    fn key_problems_name_the_component() {
        let d = vec![7u8; 32];
        let good = public_point(Curve::P256, &d);
        let key = |d: Vec<u8>, stored| EcPrivate { curve: Curve::P256, d, stored_public: stored };
        assert!(key_problems(&key(d.clone(), good.clone().map(Ok)), None).is_empty());
        assert!(key_problems(&key(d.clone(), good.clone().map(Ok)), good.as_deref()).is_empty());
        assert!(key_problems(&key(d.clone(), None), None).is_empty());
        let other = public_point(Curve::P256, &[8u8; 32]);
        assert_eq!(key_problems(&key(d.clone(), other.clone().map(Ok)), None), ["public point ≠ d·G"]);
        assert_eq!(key_problems(&key(d.clone(), other.map(Ok)), good.as_deref()), ["public point ≠ d·G"]);
        let bad = key_problems(&key(d.clone(), Some(Err("not on the curve".into()))), None);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("does not decode"));
        assert_eq!(key_problems(&key(vec![0; 32], None), None).len(), 1);
        assert_eq!(key_problems(&key(order(Curve::P256).to_vec(), good.clone().map(Ok)), good.as_deref()).len(), 1);
    }
}
