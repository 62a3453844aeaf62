//! Private keys → [`PrivateKey`]: PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2),
//! PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` v1 and v2 (RFC 5208, RFC 5958),
//! SEC1 `ECPrivateKey` (RFC 5915), Ed25519 and Ed448 `CurvePrivateKey` (RFC 8410 §7).
//!
//! The public key is derived from the private half here (RSA: the stored n and
//! e, under the PKCS#8 algorithm identifier: rsaEncryption or RSASSA-PSS with
//! its parameters; EC: d·G; Ed25519, Ed448: from the seed). Consistency checks between the stored
//! and derived values are verify's job.
//!
//! Each structure is decoded first with the RustCrypto crates (`pkcs1`,
//! `pkcs8`, `sec1`). When a crate refuses the bytes, the lenient reader in
//! [`super::asn1`] decodes them instead (the `*_lenient` functions): keys in the
//! wild carry non-minimal lengths, trailing data, explicit EC parameters (which
//! `sec1` does not model), a public key tagged `[1]` explicitly, or a PKCS#1
//! version that does not agree with the primes present — servers load them,
//! and keymatch must not call them malformed. Errors (a `malformed` finding's
//! reason) always come from the lenient reader, so a key the crates refuse and
//! the lenient reader refuses too is reported exactly as before.

use super::asn1::{self, strip_leading_zeros, Tlv};
use super::error::ParseError;
use super::model::{
    Curve, EcPrivate, Ed25519Private, Ed448Private, KeyFormat, KeyMaterial, PrivateKey, PublicKey, RsaPrivate,
    Unloadable,
};
use super::oid::{self, Oid};
use super::pubkey::{self, EcParams};
use der::{Decode, Encode, Tagged};

pub(crate) fn unsupported(format: KeyFormat, algorithm: String) -> PrivateKey {
    PrivateKey::new(
        format,
        KeyMaterial::Unsupported { algorithm: algorithm.clone() },
        Some(PublicKey::Unsupported { algorithm }),
    )
}

/// PKCS#1 `RSAPrivateKey` (the whole DER).
pub(crate) fn pkcs1(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, ParseError> {
    pkcs1_strict(bytes, format).map_or_else(|| pkcs1_lenient(bytes, format), Ok)
}

/// PKCS#1 through the `pkcs1` crate; `None` when it refuses the bytes or the
/// key does not decode (the lenient reader then decides, with its reason).
pub(crate) fn pkcs1_strict(bytes: &[u8], format: KeyFormat) -> Option<PrivateKey> {
    let k = pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(bytes).ok()?;
    let n = strip_leading_zeros(k.modulus.as_bytes());
    let e = strip_leading_zeros(k.public_exponent.as_bytes());
    if n.is_empty() || e.is_empty() {
        return None;
    }
    if k.other_prime_infos.is_some() {
        return Some(unsupported(format, "RSA multi-prime".into()));
    }
    let num = |u: der::asn1::UintRef<'_>| strip_leading_zeros(u.as_bytes()).to_vec();
    match pubkey::rsa_public(n, e) {
        public @ PublicKey::Rsa { .. } => Some(PrivateKey::new(
            format,
            KeyMaterial::Rsa(RsaPrivate {
                n: n.to_vec(),
                e: e.to_vec(),
                d: num(k.private_exponent),
                p: num(k.prime1),
                q: num(k.prime2),
                dp: num(k.exponent1),
                dq: num(k.exponent2),
                qinv: num(k.coefficient),
            }),
            Some(public),
        )),
        PublicKey::Unsupported { algorithm } => Some(unsupported(format, algorithm)),
        _ => None,
    }
}

/// PKCS#1 `RSAPrivateKey` with the lenient reader (the fallback).
fn pkcs1_lenient(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let seq = asn1::read_tlv(bytes)?.0.expect(asn1::SEQUENCE, "RSAPrivateKey")?;
    pkcs1_tlv(&seq, format)
}

fn pkcs1_tlv(seq: &Tlv<'_>, format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let mut r = seq.children();
    let version = r.read_tag(asn1::INTEGER, "RSAPrivateKey version")?.small_uint()?;
    let mut next =
        |what: &str| -> Result<Vec<u8>, ParseError> { Ok(r.read_tag(asn1::INTEGER, what)?.uint()?.to_vec()) };
    let n = next("RSA modulus")?;
    let e = next("RSA public exponent")?;
    let d = next("RSA private exponent")?;
    let p = next("RSA prime p")?;
    let q = next("RSA prime q")?;
    let dp = next("RSA exponent dP")?;
    let dq = next("RSA exponent dQ")?;
    let qinv = next("RSA coefficient qInv")?;
    let multi = version != 0 || !r.is_empty();
    if version > 1 {
        return Err(format!("RSAPrivateKey version {version}").into());
    }
    if n.is_empty() || e.is_empty() {
        return Err("RSA modulus or exponent is zero".into());
    }
    if multi {
        return Ok(unsupported(format, "RSA multi-prime".into()));
    }
    match pubkey::rsa_public(&n, &e) {
        public @ PublicKey::Rsa { .. } => {
            Ok(PrivateKey::new(format, KeyMaterial::Rsa(RsaPrivate { n, e, d, p, q, dp, dq, qinv }), Some(public)))
        }
        PublicKey::Unsupported { algorithm } => Ok(unsupported(format, algorithm)),
        _ => Err("RSA key did not decode".into()),
    }
}

/// SEC1 `ECPrivateKey` (the whole DER). `outer` are parameters known from
/// outside the structure (PKCS#8 algorithm parameters, or a preceding
/// `EC PARAMETERS` block), used when the key carries none itself.
pub(crate) fn sec1(bytes: &[u8], outer: Option<&EcParams>, format: KeyFormat) -> Result<PrivateKey, ParseError> {
    sec1_strict(bytes, outer, format).map_or_else(|| sec1_lenient(bytes, outer, format), Ok)
}

/// SEC1 through the `sec1` crate (named curves only); `None` when it refuses.
pub(crate) fn sec1_strict(bytes: &[u8], outer: Option<&EcParams>, format: KeyFormat) -> Option<PrivateKey> {
    let k = sec1::EcPrivateKey::from_der(bytes).ok()?;
    let params = match (k.parameters, outer) {
        (Some(sec1::EcParameters::NamedCurve(oid)), _) => pubkey::named_curve(&oid.to_string()),
        (None, Some(o)) => o.clone(),
        (None, None) => return None,
    };
    let curve = match params {
        EcParams::Known(c) => c,
        EcParams::Unsupported(name) => return Some(unsupported(format, name)),
    };
    Some(ec_key(curve, k.private_key, k.public_key.map(|p| stored_point(curve, p)), format).hybrid(k.public_key))
}

/// SEC1 `ECPrivateKey` with the lenient reader (the fallback; explicit parameters).
fn sec1_lenient(bytes: &[u8], outer: Option<&EcParams>, format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let seq = asn1::read_tlv(bytes)?.0.expect(asn1::SEQUENCE, "ECPrivateKey")?;
    let mut r = seq.children();
    let version = r.read_tag(asn1::INTEGER, "ECPrivateKey version")?.small_uint()?;
    if version != 1 {
        return Err(format!("ECPrivateKey version {version}, not 1").into());
    }
    let d = r.read_tag(asn1::OCTET_STRING, "EC private key")?.content;
    let mut inner: Option<EcParams> = None;
    let mut stored: Option<&[u8]> = None;
    let mut stored_err: Option<String> = None;
    while !r.is_empty() {
        let el = r.read()?;
        match el.tag {
            0xa0 => inner = Some(pubkey::ec_params(&el.children().read()?)?),
            0xa1 => match el.children().read().and_then(|b| b.bit_string_bytes()) {
                Ok(p) => stored = Some(p),
                Err(e) => stored_err = Some(e.to_string()),
            },
            t => return Err(format!("ECPrivateKey: unexpected {}", asn1::tag_name(t)).into()),
        }
    }
    let params = match (inner, outer) {
        (Some(i), _) => i,
        (None, Some(o)) => o.clone(),
        (None, None) => {
            return Err("EC private key without curve parameters (and no EC PARAMETERS block before it)".into())
        }
    };
    let curve = match params {
        EcParams::Known(c) => c,
        EcParams::Unsupported(name) => return Ok(unsupported(format, name)),
    };
    Ok(ec_key(curve, d, stored.map(|p| stored_point(curve, p)).or(stored_err.map(Err)), format).hybrid(stored))
}

/// A stored EC public point, decoded; the reason as the model keeps it when it does not decode.
fn stored_point(curve: Curve, bytes: &[u8]) -> Result<Vec<u8>, String> {
    pubkey::decode_point(curve, bytes).map_err(|e| e.to_string())
}

fn ec_key(curve: Curve, d: &[u8], stored_public: Option<Result<Vec<u8>, String>>, format: KeyFormat) -> PrivateKey {
    let stored = stored_public.as_ref().and_then(|p| p.as_deref().ok());
    let public = pubkey::derive_ec_public_against(curve, d, stored).map(|point| PublicKey::Ec { curve, point });
    PrivateKey::new(format, KeyMaterial::Ec(EcPrivate { curve, d: d.to_vec(), stored_public }), public)
}

impl PrivateKey {
    /// Mark a key whose stored public point is hybrid with the wrong parity bit.
    fn hybrid(mut self, stored: Option<&[u8]>) -> PrivateKey {
        if stored.is_some_and(pubkey::hybrid_parity_wrong) && self.unloadable.is_none() {
            self.unloadable = Some(Box::new(Unloadable::HybridParity { what: "stored public key" }));
        }
        self
    }
}

/// PKCS#8 `PrivateKeyInfo` (v1) or `OneAsymmetricKey` (v2), the whole DER.
/// A v2 key is decoded and marked [`Unloadable::Pkcs8V2`]: OpenSSL 3.0 reads none.
pub(crate) fn pkcs8(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let mut key = pkcs8_strict(bytes, format).map_or_else(|| pkcs8_lenient(bytes, format), Ok)?;
    let version = asn1::read_tlv(bytes)
        .ok()
        .and_then(|(top, _)| top.children().read_tag(asn1::INTEGER, "version").ok().and_then(|v| v.small_uint().ok()));
    if version == Some(1) {
        key.unloadable = Some(Box::new(Unloadable::Pkcs8V2));
    }
    Ok(key)
}

/// The PKCS#8 v2 `[1] publicKey` of an RSA key (an `RSAPublicKey`), attached for verify.
fn rsa_in_pkcs8(mut key: PrivateKey, public_key: Option<&[u8]>) -> PrivateKey {
    if matches!(key.material, KeyMaterial::Rsa(_)) {
        key.attached_public = public_key.map(|p| Box::new(pubkey::decode_rsa_public_key(p).map_err(|e| e.to_string())));
    }
    key
}

/// PKCS#8 v1/v2 through the `pkcs8` crate; `None` when it refuses the bytes or
/// the inner key does not decode.
pub(crate) fn pkcs8_strict(bytes: &[u8], format: KeyFormat) -> Option<PrivateKey> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(bytes).ok()?;
    let private = info.private_key.as_bytes();
    let public_key = info.public_key.map(|b| b.raw_bytes());
    match info.algorithm.oid {
        alg @ (oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS) => {
            let params = match info.algorithm.parameters {
                Some(p) => Some(p.to_der().ok()?),
                None => None,
            };
            rsa_under(alg, params.as_deref(), rsa_in_pkcs8(pkcs1(private, format).ok()?, public_key)).ok()
        }
        oid::ID_EC_PUBLIC_KEY => {
            let outer = match info.algorithm.parameters {
                Some(p) if p.tag() != der::Tag::Null => Some(pubkey::ec_params_any(&p).ok()?),
                _ => None,
            };
            Some(ec_in_pkcs8(sec1(private, outer.as_ref(), format).ok()?, public_key))
        }
        oid::ID_ED_25519 => ed25519(private, public_key, format).ok(),
        oid::ID_ED_448 => ed448(private, public_key, format).ok(),
        other => Some(unsupported(format, pubkey::algorithm_name(&other.to_string()))),
    }
}

/// An RSA key from PKCS#8 takes the scheme of its algorithm identifier
/// (rsaEncryption or RSASSA-PSS with the identifier's parameters).
fn rsa_under(alg: Oid, params: Option<&[u8]>, mut key: PrivateKey) -> Result<PrivateKey, ParseError> {
    if let Some(public) = key.public.take() {
        key.public = Some(pubkey::rsa_under(alg, params, public)?);
    }
    // A PKCS#8 v2 publicKey is a bare RSAPublicKey: it takes the identifier too.
    if let Some(attached) = key.attached_public.take() {
        key.attached_public = Some(Box::new(match *attached {
            Ok(public) => pubkey::rsa_under(alg, params, public).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        }));
    }
    Ok(key)
}

/// The PKCS#8 v2 public key stands in for a SEC1 key that stores none; when
/// the SEC1 body stores one too, it is attached for verify to compare.
fn ec_in_pkcs8(mut key: PrivateKey, public_key: Option<&[u8]>) -> PrivateKey {
    if let (KeyMaterial::Ec(ec), Some(p)) = (&mut key.material, public_key) {
        let curve = ec.curve;
        let decoded = stored_point(curve, p);
        if ec.stored_public.is_none() {
            ec.stored_public = Some(decoded);
        } else {
            key.attached_public = Some(Box::new(decoded.map(|point| PublicKey::Ec { curve, point })));
        }
        key = key.hybrid(Some(p));
    }
    key
}

/// Ed25519 `CurvePrivateKey` (an OCTET STRING of the 32-byte seed; a bare seed is accepted).
fn ed25519(private: &[u8], stored_public: Option<&[u8]>, format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let seed: [u8; 32] = match private {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest.try_into().map_err(|_| "Ed25519 seed")?,
        raw if raw.len() == 32 => raw.try_into().map_err(|_| "Ed25519 seed")?,
        other => return Err(format!("Ed25519 private key of {} bytes, not a 32-byte seed", other.len()).into()),
    };
    let derived = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    Ok(PrivateKey::new(
        format,
        KeyMaterial::Ed25519(Ed25519Private { seed, stored_public: stored_public.map(<[u8]>::to_vec) }),
        Some(PublicKey::Ed25519(derived)),
    ))
}

/// Ed448 `CurvePrivateKey` (an OCTET STRING of the 57-byte seed; a bare seed
/// is accepted); the public key derived as RFC 8032 §5.2.5 says.
fn ed448(private: &[u8], stored_public: Option<&[u8]>, format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let seed: [u8; 57] = match private {
        [0x04, 0x39, rest @ ..] if rest.len() == 57 => rest.try_into().map_err(|_| "Ed448 seed")?,
        raw if raw.len() == 57 => raw.try_into().map_err(|_| "Ed448 seed")?,
        other => return Err(format!("Ed448 private key of {} bytes, not a 57-byte seed", other.len()).into()),
    };
    let derived = ed448_public_from_seed(&seed);
    Ok(PrivateKey::new(
        format,
        KeyMaterial::Ed448(Ed448Private { seed, stored_public: stored_public.map(<[u8]>::to_vec) }),
        Some(PublicKey::Ed448(derived)),
    ))
}

/// The Ed448 public key derived from a 57-byte seed (RFC 8032 §5.2.5); the
/// curve arithmetic is the `ed448-goldilocks` crate's.
pub(crate) fn ed448_public_from_seed(seed: &[u8; 57]) -> [u8; 57] {
    let secret = ed448_goldilocks::SecretKey::from(*seed);
    ed448_goldilocks::SigningKey::from(&secret).verifying_key().to_bytes()
}

/// PKCS#8 with the lenient reader (the fallback).
fn pkcs8_lenient(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, ParseError> {
    let seq = asn1::read_tlv(bytes)?.0.expect(asn1::SEQUENCE, "PrivateKeyInfo")?;
    let mut r = seq.children();
    let version = r.read_tag(asn1::INTEGER, "PrivateKeyInfo version")?.small_uint()?;
    if version > 1 {
        return Err(format!("PrivateKeyInfo version {version}").into());
    }
    let alg = r.read_tag(asn1::SEQUENCE, "privateKeyAlgorithm")?;
    let private = r.read_tag(asn1::OCTET_STRING, "privateKey")?.content;
    let mut public_key: Option<Vec<u8>> = None;
    while !r.is_empty() {
        let el = r.read()?;
        match el.tag {
            0xa0 => {} // attributes
            0x81 => public_key = Some(el.content.get(1..).ok_or("empty publicKey")?.to_vec()),
            0xa1 => public_key = Some(el.children().read()?.bit_string_bytes()?.to_vec()),
            t => return Err(format!("PrivateKeyInfo: unexpected {}", asn1::tag_name(t)).into()),
        }
    }
    let mut ar = alg.children();
    let dotted = asn1::oid_to_string(ar.read_tag(asn1::OID, "privateKeyAlgorithm OID")?.content);
    let params = if ar.is_empty() { None } else { Some(ar.read()?) };
    match oid::parse(&dotted) {
        Some(alg @ (oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS)) => {
            rsa_under(alg, params.as_ref().map(|p| p.raw), rsa_in_pkcs8(pkcs1(private, format)?, public_key.as_deref()))
        }
        Some(oid::ID_EC_PUBLIC_KEY) => {
            let outer = match params {
                Some(p) if p.tag != asn1::NULL => Some(pubkey::ec_params(&p)?),
                _ => None,
            };
            Ok(ec_in_pkcs8(sec1(private, outer.as_ref(), format)?, public_key.as_deref()))
        }
        Some(oid::ID_ED_25519) => ed25519(private, public_key.as_deref(), format),
        Some(oid::ID_ED_448) => ed448(private, public_key.as_deref(), format),
        _ => Ok(unsupported(format, pubkey::algorithm_name(&dotted))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::pem;

    /// The DER of the last PEM block of a fixture (a `.der` file as it is).
    fn fixture_der(rel: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check").join(rel);
        let bytes = std::fs::read(&path).unwrap();
        if rel.ends_with(".der") {
            return bytes;
        }
        let (blocks, _) = pem::split(&bytes, 8);
        pem::decode_body(blocks.last().unwrap()).unwrap()
    }

    /// Everything observable about a decoded key, secret numbers included (for comparison only).
    fn fields(k: &PrivateKey) -> (KeyFormat, Option<PublicKey>, Vec<Vec<u8>>, String) {
        let nums = match &k.material {
            KeyMaterial::Rsa(r) => {
                vec![&r.n, &r.e, &r.d, &r.p, &r.q, &r.dp, &r.dq, &r.qinv].into_iter().cloned().collect()
            }
            KeyMaterial::Ec(e) => vec![e.d.clone(), format!("{:?}", e.stored_public).into_bytes()],
            KeyMaterial::Ed25519(e) => vec![e.seed.to_vec(), e.stored_public.clone().unwrap_or_default()],
            KeyMaterial::Ed448(e) => vec![e.seed.to_vec(), e.stored_public.clone().unwrap_or_default()],
            KeyMaterial::Unsupported { .. } => vec![],
        };
        (k.format, k.public.clone(), nums, k.material.algorithm())
    }

    /// d·G as `ec_key` derived it before it compared with the stored point: the secret
    /// key's `public_key()` (to affine), uncompressed.
    fn old_derive(curve: Curve, d: &[u8]) -> Option<Vec<u8>> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let d = crate::parse::strip_leading_zeros(d);
        let len = pubkey::field_len(curve);
        let padded = [vec![0u8; len.checked_sub(d.len())?], d.to_vec()].concat();
        Some(match curve {
            Curve::P256 => {
                p256::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
            }
            Curve::P384 => {
                p384::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
            }
            Curve::P521 => {
                p521::SecretKey::from_slice(&padded).ok()?.public_key().to_sec1_point(false).as_bytes().to_vec()
            }
        })
    }

    /// `ec_key` with the stored point compared projectively gives the key (public point
    /// included) and the key problems the old derivation gave, for stored points that are
    /// d·G (uncompressed, compressed, hybrid with either parity bit), another key's point,
    /// a point that does not decode, none; and scalars 0, n, too long, with leading zeros.
    #[test]
    fn ec_key_with_a_stored_point_is_the_old_derivation() {
        use sha2::{Digest, Sha512};
        let mut compared = 0;
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let len = pubkey::field_len(curve);
            let secret = |seed: &str| {
                let mut d = Sha512::new().chain_update(seed).chain_update(format!("{curve:?}")).finalize().to_vec();
                d.extend_from_slice(&Sha512::digest(&d));
                d.truncate(len);
                if curve == Curve::P521 {
                    d[0] &= 1;
                }
                d
            };
            let order = match curve {
                Curve::P256 => (-p256::Scalar::ONE).to_bytes().to_vec(),
                Curve::P384 => (-p384::Scalar::ONE).to_bytes().to_vec(),
                Curve::P521 => (-p521::Scalar::ONE).to_bytes().to_vec(),
            };
            let n = {
                let mut n = order.clone();
                if let Some(last) = n.last_mut() {
                    *last += 1; // n − 1 is even on these curves
                }
                n
            };
            let mut scalars: Vec<Vec<u8>> = (0..4).map(|i| secret(&format!("d {i}"))).collect();
            scalars.push(vec![1]);
            scalars.push([vec![0, 0], secret("leading zeros")].concat());
            scalars.push(order.clone());
            scalars.push(vec![0]);
            scalars.push(n);
            scalars.push([vec![1], secret("too long")].concat());
            let other = old_derive(curve, &secret("other")).unwrap();
            for d in &scalars {
                let mut stored: Vec<Option<Result<Vec<u8>, String>>> = vec![None, Some(Err("bad".into()))];
                stored.push(Some(stored_point(curve, &other)));
                if let Some(dg) = old_derive(curve, d) {
                    let (x, y) = dg[1..].split_at(len);
                    let odd = y[len - 1] & 1;
                    for encoded in [
                        dg.clone(),
                        [vec![2 + odd], x.to_vec()].concat(),
                        [vec![3 - odd], x.to_vec()].concat(),
                        [vec![6 + odd], x.to_vec(), y.to_vec()].concat(),
                        [vec![7 - odd], x.to_vec(), y.to_vec()].concat(),
                    ] {
                        stored.push(Some(stored_point(curve, &encoded)));
                    }
                } else {
                    stored.push(Some(stored_point(curve, &other)));
                }
                for s in stored {
                    let new = ec_key(curve, d, s.clone(), KeyFormat::Sec1);
                    let old = PrivateKey::new(
                        KeyFormat::Sec1,
                        KeyMaterial::Ec(EcPrivate { curve, d: d.clone(), stored_public: s.clone() }),
                        old_derive(curve, d).map(|point| PublicKey::Ec { curve, point }),
                    );
                    assert!(new == old, "{curve:?} d {d:02x?} stored {s:?}");
                    assert_eq!(fields(&new), fields(&old));
                    assert_eq!(crate::verify::key_problems(&new), crate::verify::key_problems(&old));
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }

    fn p256_params() -> EcParams {
        EcParams::Known(Curve::P256)
    }

    /// The fixtures decode through the crates, to exactly what the lenient reader gives.
    #[test]
    fn fixture_keys_take_the_crate_path_and_agree_with_the_lenient_reader() {
        for rel in ["rsa2048-pkcs1-pem/key.pem", "rsa2048-pkcs1-der/key.der"] {
            let der = fixture_der(rel);
            let strict = pkcs1_strict(&der, KeyFormat::Pkcs1).unwrap_or_else(|| panic!("{rel}: pkcs1 refused"));
            assert_eq!(fields(&strict), fields(&pkcs1_lenient(&der, KeyFormat::Pkcs1).unwrap()), "{rel}");
            assert_eq!(strict.material.algorithm(), "RSA-2048");
        }
        for rel in
            ["p256-sec1-pem/key.pem", "p256-sec1-nopub/key.pem", "p521-sec1-pem/key.pem", "p256-sec1-der/key.der"]
        {
            let der = fixture_der(rel);
            let strict = sec1_strict(&der, None, KeyFormat::Sec1).unwrap_or_else(|| panic!("{rel}: sec1 refused"));
            assert_eq!(fields(&strict), fields(&sec1_lenient(&der, None, KeyFormat::Sec1).unwrap()), "{rel}");
        }
        // SEC1 without parameters, the curve from a preceding EC PARAMETERS block.
        let der = fixture_der("p256-ecparams-block/key.pem");
        let strict = sec1_strict(&der, Some(&p256_params()), KeyFormat::Sec1).unwrap();
        assert_eq!(strict.material.algorithm(), "EC-P256");
        assert_eq!(fields(&strict), fields(&sec1_lenient(&der, Some(&p256_params()), KeyFormat::Sec1).unwrap()));
        assert!(sec1_strict(&der, None, KeyFormat::Sec1).is_none());
        for (rel, alg) in [
            ("rsa4096-pkcs8-pem/key.pem", "RSA-4096"),
            ("p384-pkcs8-pem/key.pem", "EC-P384"),
            ("p256-compressed/key.pem", "EC-P256"),
            ("p256-pkcs8-der/key.der", "EC-P256"),
            ("ed25519-pkcs8-pem/key.pem", "Ed25519"),
            ("ed25519-pkcs8v2/key.pem", "Ed25519"),
            ("rsa-multiprime/key.pem", "RSA multi-prime"),
            ("ed448/key.pem", "Ed448"),
        ] {
            let der = fixture_der(rel);
            let strict = pkcs8_strict(&der, KeyFormat::Pkcs8).unwrap_or_else(|| panic!("{rel}: pkcs8 refused"));
            assert_eq!(strict.material.algorithm(), alg, "{rel}");
            assert_eq!(fields(&strict), fields(&pkcs8_lenient(&der, KeyFormat::Pkcs8).unwrap()), "{rel}");
        }
    }

    /// What the crates refuse and servers load: explicit curve parameters, a
    /// non-minimal length, trailing bytes. The lenient reader decodes them.
    #[test]
    fn keys_the_crates_refuse_fall_back_to_the_lenient_reader() {
        let explicit = fixture_der("p256-explicit/key.pem");
        assert!(sec1_strict(&explicit, None, KeyFormat::Sec1).is_none());
        let k = sec1(&explicit, None, KeyFormat::Sec1).unwrap();
        assert_eq!(k.material.algorithm(), "EC-P256");
        assert!(matches!(k.public, Some(PublicKey::Ec { curve: Curve::P256, .. })));

        let rsa = fixture_der("rsa2048-pkcs1-der/key.der");
        let (seq, _) = asn1::read_tlv(&rsa).unwrap();
        let mut long = vec![asn1::SEQUENCE, 0x84];
        long.extend_from_slice(&(seq.content.len() as u32).to_be_bytes());
        long.extend_from_slice(seq.content);
        let mut trailing = rsa.clone();
        trailing.extend_from_slice(&[0, 0]);
        let base = fields(&pkcs1(&rsa, KeyFormat::Pkcs1).unwrap());
        for odd in [long, trailing] {
            assert!(pkcs1_strict(&odd, KeyFormat::Pkcs1).is_none());
            assert_eq!(fields(&pkcs1(&odd, KeyFormat::Pkcs1).unwrap()), base);
        }
        // Both refuse: the reason is the lenient reader's.
        let err = pkcs1(&rsa[..100], KeyFormat::Pkcs1).unwrap_err();
        assert_eq!(err, pkcs1_lenient(&rsa[..100], KeyFormat::Pkcs1).unwrap_err());
    }
}
