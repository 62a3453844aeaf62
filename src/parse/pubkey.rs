//! SubjectPublicKeyInfo ↔ canonical [`PublicKey`]: decoding (RSA, RSASSA-PSS
//! with its parameters, EC named and explicit-but-known curves, compressed
//! points, Ed25519, Ed448) and the canonical SPKI DER whose SHA-256 is the
//! key's fingerprint.
//!
//! RFC 5280 §4.1.2.7 (SPKI), RFC 3279 / RFC 5480 (RSA, EC, ECParameters),
//! RFC 4055 (RSASSA-PSS), RFC 8410 (Ed25519, Ed448), SEC 1 §2.3 (point encodings).

use super::asn1::{self, Tlv};
use super::asn1::{bit_len, strip_leading_zeros};
use super::error::ParseError;
use super::model::{Curve, PssHash, PssParams, PublicKey, RsaScheme};
use super::oid::{self, Oid};
use der::{asn1::AnyRef, Decode, Encode, Tagged};
use p256::elliptic_curve::sec1::ToSec1Point;

/// The largest RSA modulus keymatch checks (BoringSSL's maximum).
pub(crate) const MAX_RSA_BITS: usize = 16384;

/// A readable name for an algorithm OID (dotted) keymatch does not check.
pub(crate) fn algorithm_name(dotted: &str) -> String {
    let name = match oid::parse(dotted) {
        Some(oid::ID_X_25519) => "X25519",
        Some(oid::ID_X_448) => "X448",
        Some(oid::ID_DSA) => "DSA",
        Some(oid::DH_KEY_AGREEMENT) => "DH",
        Some(oid::DHPUBLICNUMBER) => "X9.42 DH",
        Some(oid::ID_EC_DH) => "ECDH",
        Some(oid::SM2) => "SM2",
        Some(oid::GOST_R3410_2012_256) => "GOST R 34.10-2012 (256)",
        Some(oid::GOST_R3410_2012_512) => "GOST R 34.10-2012 (512)",
        Some(oid::ID_ML_DSA_44) => "ML-DSA-44",
        Some(oid::ID_ML_DSA_65) => "ML-DSA-65",
        Some(oid::ID_ML_DSA_87) => "ML-DSA-87",
        _ => return format!("algorithm {dotted}"),
    };
    name.to_string()
}

fn curve_name(dotted: &str) -> String {
    let name = match oid::parse(dotted) {
        Some(oid::SECP256K1) => "secp256k1",
        Some(oid::SECP_224_R_1) => "secp224r1",
        Some(oid::PRIME192V1) => "prime192v1",
        Some(oid::BRAINPOOL_P_256_R_1) => "brainpoolP256r1",
        Some(oid::BRAINPOOL_P_384_R_1) => "brainpoolP384r1",
        Some(oid::BRAINPOOL_P_512_R_1) => "brainpoolP512r1",
        Some(oid::SM2) => "SM2",
        _ => return dotted.to_string(),
    };
    name.to_string()
}

/// The curve an `ECParameters` value names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum EcParams {
    Known(Curve),
    /// A curve keymatch does not check: "EC secp256k1", "EC 1.2.3…", "EC explicit parameters (unknown curve)".
    Unsupported(String),
}

/// Domain parameters of a supported curve, big-endian, from the curve crates
/// (`primeorder::PrimeCurveParams`), for telling explicit parameters apart.
/// p and n are kept as p − 1 and n − 1: the largest field element and scalar.
struct Domain {
    curve: Curve,
    p_minus_1: Vec<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
    gx: Vec<u8>,
    gy: Vec<u8>,
    n_minus_1: Vec<u8>,
}

fn domain(curve: Curve) -> Domain {
    use primeorder::PrimeCurveParams;
    use primeorder::PrimeField;
    macro_rules! domain {
        ($c:ident, $params:ty) => {{
            type Fe = <$params as primeorder::FieldArithmetic>::FieldElement;
            let (gx, gy) = <$params as PrimeCurveParams>::GENERATOR;
            Domain {
                curve,
                p_minus_1: (-Fe::ONE).to_repr().to_vec(),
                a: <$params as PrimeCurveParams>::EQUATION_A.to_repr().to_vec(),
                b: <$params as PrimeCurveParams>::EQUATION_B.to_repr().to_vec(),
                gx: gx.to_repr().to_vec(),
                gy: gy.to_repr().to_vec(),
                n_minus_1: (-$c::Scalar::ONE).to_repr().to_vec(),
            }
        }};
    }
    match curve {
        Curve::P256 => domain!(p256, p256::NistP256),
        Curve::P384 => domain!(p384, p384::NistP384),
        Curve::P521 => domain!(p521, p521::NistP521),
    }
}

fn domains() -> [Domain; 3] {
    [domain(Curve::P256), domain(Curve::P384), domain(Curve::P521)]
}

/// Are two big-endian magnitudes equal (leading zeros ignored)?
fn same_magnitude(a: &[u8], b: &[u8]) -> bool {
    strip_leading_zeros(a) == strip_leading_zeros(b)
}

/// A big-endian magnitude minus one; `None` for zero.
fn minus_one(be: &[u8]) -> Option<Vec<u8>> {
    let mut out = strip_leading_zeros(be).to_vec();
    for byte in out.iter_mut().rev() {
        let (v, borrow) = byte.overflowing_sub(1);
        *byte = v;
        if !borrow {
            return Some(out);
        }
    }
    None
}

/// Field size in bytes of a supported curve.
pub(crate) fn field_len(curve: Curve) -> usize {
    match curve {
        Curve::P256 => 32,
        Curve::P384 => 48,
        Curve::P521 => 66,
    }
}

/// Decode `ECParameters ::= CHOICE { namedCurve OID, specifiedCurve SpecifiedECDomain, implicitCurve NULL }`
/// (RFC 5480 §2.1.1, SEC 1 §C.2).
pub(crate) fn ec_params(params: &Tlv<'_>) -> Result<EcParams, ParseError> {
    match params.tag {
        asn1::OID => Ok(named_curve(&asn1::oid_to_string(params.content))),
        asn1::SEQUENCE => explicit_params(params),
        asn1::NULL => Err("EC parameters are implicitlyCA (inherited), which cannot be resolved".into()),
        t => Err(format!("EC parameters: unexpected {}", asn1::tag_name(t)).into()),
    }
}

/// The curve a `namedCurve` OID (dotted) names.
pub(crate) fn named_curve(dotted: &str) -> EcParams {
    match oid::parse(dotted) {
        Some(oid::SECP_256_R_1) => EcParams::Known(Curve::P256),
        Some(oid::SECP_384_R_1) => EcParams::Known(Curve::P384),
        Some(oid::SECP_521_R_1) => EcParams::Known(Curve::P521),
        _ => EcParams::Unsupported(format!("EC {}", curve_name(dotted))),
    }
}

/// [`ec_params`] for parameters a RustCrypto crate decoded: a named curve
/// through `der`'s OID type; explicit parameters (which no crate models) by
/// the lenient reader over the same bytes.
pub(crate) fn ec_params_any(params: &AnyRef<'_>) -> Result<EcParams, ParseError> {
    if params.tag() == der::Tag::ObjectIdentifier {
        let oid: der::asn1::ObjectIdentifier = params.decode_as().map_err(|e| format!("EC curve OID: {e}"))?;
        return Ok(named_curve(&oid.to_string()));
    }
    let bytes = params.to_der().map_err(|e| format!("EC parameters: {e}"))?;
    ec_params(&asn1::read_tlv(&bytes)?.0)
}

/// SpecifiedECDomain: compare p, a, b, G and the order with the known curves.
fn explicit_params(seq: &Tlv<'_>) -> Result<EcParams, ParseError> {
    let mut r = seq.children();
    let _version = r.read_tag(asn1::INTEGER, "EC parameters version")?;
    let field = r.read_tag(asn1::SEQUENCE, "EC fieldID")?;
    let mut fr = field.children();
    let field_type = fr.read_tag(asn1::OID, "EC field type")?;
    if asn1::oid(field_type.content) != Some(oid::PRIME_FIELD) {
        return Ok(EcParams::Unsupported("EC over a characteristic-two field".into()));
    }
    let p = fr.read_tag(asn1::INTEGER, "EC prime")?.uint()?;
    let curve = r.read_tag(asn1::SEQUENCE, "EC curve")?;
    let mut cr = curve.children();
    let a = cr.read_tag(asn1::OCTET_STRING, "EC a")?.content;
    let b = cr.read_tag(asn1::OCTET_STRING, "EC b")?.content;
    let base = r.read_tag(asn1::OCTET_STRING, "EC base point")?.content;
    let order = r.read_tag(asn1::INTEGER, "EC order")?.uint()?;
    let (Some(p_minus_1), Some(n_minus_1)) = (minus_one(p), minus_one(order)) else {
        return Ok(EcParams::Unsupported("EC explicit parameters (unknown curve)".into()));
    };
    for d in domains() {
        if same_magnitude(&p_minus_1, &d.p_minus_1)
            && same_magnitude(a, &d.a)
            && same_magnitude(b, &d.b)
            && same_magnitude(&n_minus_1, &d.n_minus_1)
            && base_matches(base, &d)
        {
            return Ok(EcParams::Known(d.curve));
        }
    }
    Ok(EcParams::Unsupported("EC explicit parameters (unknown curve)".into()))
}

fn base_matches(g: &[u8], d: &Domain) -> bool {
    let len = field_len(d.curve);
    let Some((&tag, rest)) = g.split_first() else { return false };
    match tag {
        0x04 | 0x06 | 0x07 if rest.len() == 2 * len => {
            let (x, y) = rest.split_at(len);
            same_magnitude(x, &d.gx) && same_magnitude(y, &d.gy)
        }
        0x02 | 0x03 if rest.len() == len => {
            let y_odd = d.gy.last().is_some_and(|v| v & 1 == 1);
            same_magnitude(rest, &d.gx) && (tag == 0x03) == y_odd
        }
        _ => false,
    }
}

/// Decode a SEC1 point (compressed, uncompressed or hybrid) on `curve` to its
/// uncompressed form; a point that is not on the curve is an error.
pub(crate) fn decode_point(curve: Curve, bytes: &[u8]) -> Result<Vec<u8>, ParseError> {
    let bytes_owned;
    let mut bytes = bytes;
    // Hybrid form (0x06/0x07): same coordinates as uncompressed.
    if let Some((&(0x06 | 0x07), rest)) = bytes.split_first() {
        let mut v = Vec::with_capacity(bytes.len());
        v.push(0x04);
        v.extend_from_slice(rest);
        bytes_owned = v;
        bytes = &bytes_owned;
    }
    let point = match curve {
        Curve::P256 => p256::PublicKey::from_sec1_bytes(bytes).map(|k| k.to_sec1_point(false).as_bytes().to_vec()),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(bytes).map(|k| k.to_sec1_point(false).as_bytes().to_vec()),
        Curve::P521 => p521::PublicKey::from_sec1_bytes(bytes).map(|k| k.to_sec1_point(false).as_bytes().to_vec()),
    };
    point.map_err(|_| ParseError::Invalid(format!("the EC public point is not a valid point on {}", curve.name())))
}

/// A SEC1 point in hybrid form (0x06 even y, 0x07 odd y; X9.62 §4.3.6) whose
/// prefix disagrees with the parity of y. keymatch reads its coordinates as
/// they are; OpenSSL refuses the point.
pub(crate) fn hybrid_parity_wrong(bytes: &[u8]) -> bool {
    match (bytes.first(), bytes.last()) {
        (Some(&prefix @ (0x06 | 0x07)), Some(&last)) => {
            bytes.len() % 2 == 1 && bytes.len() >= 3 && prefix & 1 != last & 1
        }
        _ => false,
    }
}

/// d·G in uncompressed form; `None` when d is 0 or not below the curve order.
pub(crate) fn derive_ec_public(curve: Curve, d: &[u8]) -> Option<Vec<u8>> {
    derive_ec_public_against(curve, d, None)
}

/// [`derive_ec_public`], given the key's stored public point (`decode_point`'s uncompressed
/// form) if it has one: when the stored point is d·G, its bytes, which are d·G's
/// uncompressed form, found without d·G's affine coordinates. The secret key's
/// `public_key()` is d·G from the curve crate's constant-time basepoint table
/// (`mul_by_generator`), then a constant-time field inversion to affine; here the same d·G is
/// compared with the stored point projectively (`ProjectivePoint` equality, constant time,
/// a few multiplications), and converted to affine only when they differ (or nothing is
/// stored). The comparison's outcome is public: it is the key check's finding.
pub(crate) fn derive_ec_public_against(curve: Curve, d: &[u8], stored: Option<&[u8]>) -> Option<Vec<u8>> {
    let d = strip_leading_zeros(d);
    let len = field_len(curve);
    if d.len() > len {
        return None;
    }
    let mut padded = vec![0u8; len];
    padded.get_mut(len - d.len()..)?.copy_from_slice(d);
    macro_rules! derive {
        ($c:ident) => {{
            let secret = $c::SecretKey::from_slice(&padded).ok()?;
            let point = <$c::ProjectivePoint as p256::elliptic_curve::group::Group>::mul_by_generator(
                &secret.to_nonzero_scalar(),
            );
            if let Some(stored) = stored {
                if let Ok(key) = $c::PublicKey::from_sec1_bytes(stored) {
                    if point == key.to_projective() {
                        return Some(stored.to_vec());
                    }
                }
            }
            point.to_affine().to_sec1_point(false).as_bytes().to_vec()
        }};
    }
    let point = match curve {
        Curve::P256 => derive!(p256),
        Curve::P384 => derive!(p384),
        Curve::P521 => derive!(p521),
    };
    Some(point)
}

/// RSA public key from its numbers; moduli above [`MAX_RSA_BITS`] are unsupported.
pub(crate) fn rsa_public(n: &[u8], e: &[u8]) -> PublicKey {
    let bits = bit_len(n);
    if bits > MAX_RSA_BITS {
        return PublicKey::Unsupported { algorithm: format!("RSA-{bits} (above {MAX_RSA_BITS} bits)") };
    }
    PublicKey::Rsa {
        n: strip_leading_zeros(n).to_vec(),
        e: strip_leading_zeros(e).to_vec(),
        scheme: RsaScheme::Encryption,
    }
}

/// An RSA public key (from `RSAPublicKey` DER) under the algorithm `alg`
/// (rsaEncryption or id-RSASSA-PSS) with the identifier's parameters (DER).
pub(crate) fn rsa_under(alg: Oid, params: Option<&[u8]>, key: PublicKey) -> Result<PublicKey, ParseError> {
    match key {
        PublicKey::Rsa { n, e, .. } if alg == oid::ID_RSASSA_PSS => {
            Ok(PublicKey::Rsa { n, e, scheme: pss_scheme(params)? })
        }
        other => Ok(other),
    }
}

/// The scheme of an id-RSASSA-PSS identifier from its parameters (RFC 4055
/// §3.1): absent (or NULL) parameters restrict nothing; fields left out take
/// their defaults (SHA-1, MGF1 with SHA-1, salt 20). Read with the lenient
/// reader: the `pkcs1` crate keeps the salt length in a `u8`.
pub(crate) fn pss_scheme(params: Option<&[u8]>) -> Result<RsaScheme, ParseError> {
    let Some(bytes) = params else {
        return Ok(RsaScheme::Pss(None));
    };
    let (tlv, _) = asn1::read_tlv(bytes)?;
    if tlv.tag == asn1::NULL {
        return Ok(RsaScheme::Pss(None));
    }
    let seq = tlv.expect(asn1::SEQUENCE, "RSASSA-PSS parameters")?;
    let mut r = seq.children();
    let mut p = PssParams { hash: PssHash::Sha1, mgf1_hash: PssHash::Sha1, salt_len: 20 };
    if let Some(h) = r.read_optional(0xa0)? {
        p.hash = pss_hash(&h.children().read_tag(asn1::SEQUENCE, "RSASSA-PSS hashAlgorithm")?)?;
    }
    if let Some(m) = r.read_optional(0xa1)? {
        let alg = m.children().read_tag(asn1::SEQUENCE, "RSASSA-PSS maskGenAlgorithm")?;
        let mut ar = alg.children();
        let mgf = asn1::oid_to_string(ar.read_tag(asn1::OID, "RSASSA-PSS maskGenAlgorithm OID")?.content);
        p.mgf1_hash = if oid::parse(&mgf) == Some(oid::ID_MGF_1) {
            pss_hash(&ar.read_tag(asn1::SEQUENCE, "RSASSA-PSS MGF1 hash")?)?
        } else {
            PssHash::Other(mgf)
        };
    }
    if let Some(salt) = r.read_optional(0xa2)? {
        p.salt_len = salt.children().read_tag(asn1::INTEGER, "RSASSA-PSS saltLength")?.small_uint()?;
    }
    Ok(RsaScheme::Pss(Some(p)))
}

fn pss_hash(alg: &Tlv<'_>) -> Result<PssHash, ParseError> {
    Ok(PssHash::from_oid(&asn1::oid_to_string(alg.children().read_tag(asn1::OID, "hash OID")?.content)))
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017 §A.1.1).
pub(crate) fn decode_rsa_public_key(bytes: &[u8]) -> Result<PublicKey, ParseError> {
    rsa_public_key_strict(bytes).map_or_else(|| rsa_public_key_lenient(bytes), Ok)
}

/// `RSAPublicKey` through the `pkcs1` crate; `None` when it refuses the bytes.
fn rsa_public_key_strict(bytes: &[u8]) -> Option<PublicKey> {
    let k = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(bytes).ok()?;
    let (n, e) = (strip_leading_zeros(k.modulus.as_bytes()), strip_leading_zeros(k.public_exponent.as_bytes()));
    if n.is_empty() || e.is_empty() {
        return None;
    }
    Some(rsa_public(n, e))
}

/// `RSAPublicKey` with the lenient reader (the fallback).
fn rsa_public_key_lenient(bytes: &[u8]) -> Result<PublicKey, ParseError> {
    let seq = asn1::read_tlv(bytes)?.0.expect(asn1::SEQUENCE, "RSAPublicKey")?;
    let mut r = seq.children();
    let n = r.read_tag(asn1::INTEGER, "RSA modulus")?.uint()?;
    let e = r.read_tag(asn1::INTEGER, "RSA public exponent")?.uint()?;
    if n.is_empty() || e.is_empty() {
        return Err("RSA modulus or exponent is zero".into());
    }
    Ok(rsa_public(n, e))
}

/// Decode a DER `SubjectPublicKeyInfo` (the whole TLV) into a canonical [`PublicKey`].
/// Errors describe why the key does not decode (for a `malformed` finding).
pub(crate) fn decode_spki(bytes: &[u8]) -> Result<PublicKey, ParseError> {
    if let Some(key) = spki_strict(bytes) {
        return Ok(key);
    }
    let (tlv, _) = asn1::read_tlv(bytes)?;
    decode_spki_tlv(&tlv)
}

/// SubjectPublicKeyInfo through the `spki` crate; `None` when it refuses the
/// bytes or the key inside does not decode (the lenient reader then decides,
/// with its reason: non-minimal lengths, trailing data, … are accepted there).
pub(crate) fn spki_strict(bytes: &[u8]) -> Option<PublicKey> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(bytes).ok()?;
    spki_ref(&info)
}

pub(crate) fn spki_ref(info: &spki::SubjectPublicKeyInfoRef<'_>) -> Option<PublicKey> {
    spki_parts(&info.algorithm.oid, info.algorithm.parameters.as_ref(), info.subject_public_key.as_bytes()?)
}

/// A SubjectPublicKeyInfo a crate decoded, by its parts (algorithm OID, its
/// parameters, the key bits); `None` when the key inside does not decode.
pub(crate) fn spki_parts(alg: &Oid, params: Option<&AnyRef<'_>>, key: &[u8]) -> Option<PublicKey> {
    match *alg {
        oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS => {
            let params = match params {
                Some(p) => Some(p.to_der().ok()?),
                None => None,
            };
            rsa_under(*alg, params.as_deref(), decode_rsa_public_key(key).ok()?).ok()
        }
        oid::ID_EC_PUBLIC_KEY => match ec_params_any(params?).ok()? {
            EcParams::Known(curve) => Some(PublicKey::Ec { curve, point: decode_point(curve, key).ok()? }),
            EcParams::Unsupported(name) => Some(PublicKey::Unsupported { algorithm: name }),
        },
        oid::ID_ED_25519 => Some(PublicKey::Ed25519(key.try_into().ok()?)),
        oid::ID_ED_448 => Some(PublicKey::Ed448(key.try_into().ok()?)),
        other => Some(PublicKey::Unsupported { algorithm: algorithm_name(&other.to_string()) }),
    }
}

pub(crate) fn decode_spki_tlv(spki: &Tlv<'_>) -> Result<PublicKey, ParseError> {
    let spki = spki.expect(asn1::SEQUENCE, "SubjectPublicKeyInfo")?;
    let mut r = spki.children();
    let alg = r.read_tag(asn1::SEQUENCE, "SubjectPublicKeyInfo algorithm")?;
    let key = r.read_tag(asn1::BIT_STRING, "SubjectPublicKeyInfo key")?.bit_string_bytes()?;
    let mut ar = alg.children();
    let dotted = asn1::oid_to_string(ar.read_tag(asn1::OID, "algorithm OID")?.content);
    let params = if ar.is_empty() { None } else { Some(ar.read()?) };
    match oid::parse(&dotted) {
        Some(alg @ (oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS)) => {
            rsa_under(alg, params.as_ref().map(|p| p.raw), decode_rsa_public_key(key)?)
        }
        Some(oid::ID_EC_PUBLIC_KEY) => {
            let params = params.ok_or("id-ecPublicKey without curve parameters")?;
            match ec_params(&params)? {
                EcParams::Known(curve) => Ok(PublicKey::Ec { curve, point: decode_point(curve, key)? }),
                EcParams::Unsupported(name) => Ok(PublicKey::Unsupported { algorithm: name }),
            }
        }
        Some(oid::ID_ED_25519) => {
            let k: [u8; 32] = key.try_into().map_err(|_| format!("Ed25519 key of {} bytes, not 32", key.len()))?;
            Ok(PublicKey::Ed25519(k))
        }
        Some(oid::ID_ED_448) => {
            let k: [u8; 57] = key.try_into().map_err(|_| format!("Ed448 key of {} bytes, not 57", key.len()))?;
            Ok(PublicKey::Ed448(k))
        }
        _ => Ok(PublicKey::Unsupported { algorithm: algorithm_name(&dotted) }),
    }
}

/// Canonical SPKI DER: rsaEncryption with NULL parameters for RSA (PSS
/// certificates included: the fingerprint names the numbers, and verify
/// compares the algorithm identifiers), id-ecPublicKey with the named curve
/// and the uncompressed point, id-Ed25519, id-Ed448. `None` for unsupported keys. Written with
/// `spki`/`pkcs1` + `asn1::Encode`.
pub(crate) fn canonical_spki_der(key: &PublicKey) -> Option<Vec<u8>> {
    use der::asn1::{BitStringRef, UintRef};
    let rsa_der;
    let (alg, parameters, bits): (Oid, Option<AnyRef<'_>>, &[u8]) = match key {
        PublicKey::Rsa { n, e, .. } => {
            let rsa = pkcs1::RsaPublicKey { modulus: UintRef::new(n).ok()?, public_exponent: UintRef::new(e).ok()? };
            rsa_der = rsa.to_der().ok()?;
            (oid::RSA_ENCRYPTION, Some(AnyRef::NULL), &rsa_der)
        }
        PublicKey::Ec { curve, point } => {
            let named = match curve {
                Curve::P256 => &oid::SECP_256_R_1,
                Curve::P384 => &oid::SECP_384_R_1,
                Curve::P521 => &oid::SECP_521_R_1,
            };
            (oid::ID_EC_PUBLIC_KEY, Some(AnyRef::from(named)), point)
        }
        PublicKey::Ed25519(k) => (oid::ID_ED_25519, None, &k[..]),
        PublicKey::Ed448(k) => (oid::ID_ED_448, None, &k[..]),
        PublicKey::Unsupported { .. } => return None,
    };
    spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef { oid: alg, parameters },
        subject_public_key: BitStringRef::new(0, bits).ok()?,
    }
    .to_der()
    .ok()
}

impl PublicKey {
    /// `sha256:<64 hex>` over [`canonical_spki_der`]; `None` for unsupported keys.
    /// Equals `openssl pkey -pubout -outform DER | sha256sum` for named-curve keys.
    pub(crate) fn fingerprint(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        let der = canonical_spki_der(self)?;
        let digest = Sha256::digest(&der);
        Some(format!("sha256:{}", asn1::hex(&digest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
        let mut ints = Vec::new();
        asn1::write_uint(&mut ints, n);
        asn1::write_uint(&mut ints, e);
        asn1::tlv(asn1::SEQUENCE, &ints)
    }

    #[test]
    fn rsa_above_16384_bits_is_unsupported() {
        let mut n = vec![0xc5u8; 2048];
        n[2047] |= 1;
        let at_limit = decode_rsa_public_key(&rsa_public_key_der(&n, &[1, 0, 1])).unwrap();
        assert_eq!(at_limit.algorithm(), "RSA-16384");
        n.insert(0, 1);
        let above = decode_rsa_public_key(&rsa_public_key_der(&n, &[1, 0, 1])).unwrap();
        assert_eq!(above, PublicKey::Unsupported { algorithm: "RSA-16385 (above 16384 bits)".into() });
        assert_eq!(canonical_spki_der(&above), None);
    }

    #[test]
    fn canonical_spki_round_trips() {
        let rsa = PublicKey::Rsa { n: vec![0xff; 256], e: vec![3], scheme: RsaScheme::Encryption };
        let der = canonical_spki_der(&rsa).unwrap();
        assert_eq!(decode_spki(&der).unwrap(), rsa);
        let ed = PublicKey::Ed25519([7; 32]);
        assert_eq!(decode_spki(&canonical_spki_der(&ed).unwrap()).unwrap(), ed);
        let g = domain(Curve::P256);
        let point = [&[4u8][..], &g.gx, &g.gy].concat();
        let ec = PublicKey::Ec { curve: Curve::P256, point };
        assert_eq!(decode_spki(&canonical_spki_der(&ec).unwrap()).unwrap(), ec);
    }

    /// The DER of the first PEM block of a fixture.
    fn fixture_block(rel: &str) -> Vec<u8> {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check").join(rel)).unwrap();
        let (blocks, _) = crate::parse::pem::split(&bytes, 8);
        crate::parse::pem::decode_body(&blocks[0]).unwrap()
    }

    /// The SubjectPublicKeyInfo TLV inside a certificate (lenient reader, for the test).
    fn cert_spki(cert: &[u8]) -> Vec<u8> {
        let (c, _) = asn1::read_tlv(cert).unwrap();
        let tbs = c.elements().unwrap()[0].elements().unwrap();
        tbs[usize::from(tbs[0].tag == 0xa0) + 5].raw.to_vec()
    }

    /// SPKIs decode through the `spki` crate (explicit curves too: the crate
    /// takes the structure, keymatch compares the domain) and agree with the
    /// lenient reader; a non-minimal length sends one to the fallback.
    #[test]
    fn spki_takes_the_crate_path_and_falls_back_for_what_it_refuses() {
        for (rel, alg) in [
            ("public-key-as-key/key.pem", None),
            ("p256-explicit/cert.pem", Some("EC-P256")),
            ("p256-compressed/cert.pem", Some("EC-P256")),
            ("rsa-pss/cert.pem", None),
            ("ed25519-pkcs8-pem/cert.pem", Some("Ed25519")),
            ("ed448/cert.pem", Some("Ed448")),
            ("secp256k1/cert.pem", Some("EC secp256k1")),
        ] {
            let block = fixture_block(rel);
            let spki = if rel.ends_with("cert.pem") { cert_spki(&block) } else { block };
            let strict = spki_strict(&spki).unwrap_or_else(|| panic!("{rel}: spki refused"));
            assert_eq!(strict, decode_spki_tlv(&asn1::read_tlv(&spki).unwrap().0).unwrap(), "{rel}");
            if let Some(alg) = alg {
                assert_eq!(strict.algorithm(), alg, "{rel}");
            }
            if strict.is_supported() {
                // The canonical form of an RSA key is rsaEncryption, whatever its identifier.
                let mut plain = strict.clone();
                if let PublicKey::Rsa { scheme, .. } = &mut plain {
                    *scheme = RsaScheme::Encryption;
                }
                let canonical = canonical_spki_der(&strict).unwrap();
                assert_eq!(spki_strict(&canonical), Some(plain), "{rel}");
            }
            let (top, _) = asn1::read_tlv(&spki).unwrap();
            let mut long = vec![asn1::SEQUENCE, 0x84];
            long.extend_from_slice(&(top.content.len() as u32).to_be_bytes());
            long.extend_from_slice(top.content);
            assert_eq!(spki_strict(&long), None, "{rel}");
            assert_eq!(decode_spki(&long).unwrap(), strict, "{rel}");
        }
    }

    /// RSASSA-PSS-params: absent, NULL and empty mean what RFC 4055 §3.1 says;
    /// salts above 255 (more than the `pkcs1` crate holds) decode; damage is an error.
    #[test]
    fn pss_parameters_decode_with_their_defaults() {
        assert_eq!(pss_scheme(None), Ok(RsaScheme::Pss(None)));
        assert_eq!(pss_scheme(Some(&[asn1::NULL, 0])), Ok(RsaScheme::Pss(None)));
        let sha1 = PssParams { hash: PssHash::Sha1, mgf1_hash: PssHash::Sha1, salt_len: 20 };
        assert_eq!(pss_scheme(Some(&[asn1::SEQUENCE, 0])), Ok(RsaScheme::Pss(Some(sha1))));
        let alg = |oid: &[u8]| asn1::tlv(asn1::SEQUENCE, &[asn1::tlv(asn1::OID, oid), vec![asn1::NULL, 0]].concat());
        let sha384 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
        let sha512 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
        let mgf1 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
        let mut salt = Vec::new();
        asn1::write_uint(&mut salt, &[0x01, 0x2c]);
        let fields = [
            asn1::tlv(0xa0, &alg(&sha384)),
            asn1::tlv(0xa1, &asn1::tlv(asn1::SEQUENCE, &[asn1::tlv(asn1::OID, &mgf1), alg(&sha512)].concat())),
            asn1::tlv(0xa2, &salt),
        ]
        .concat();
        let params = asn1::tlv(asn1::SEQUENCE, &fields);
        let want = PssParams { hash: PssHash::Sha384, mgf1_hash: PssHash::Sha512, salt_len: 300 };
        assert_eq!(pss_scheme(Some(&params)), Ok(RsaScheme::Pss(Some(want))));
        assert!(pss_scheme(Some(&params[..params.len() - 2])).is_err());
        assert!(pss_scheme(Some(&[asn1::INTEGER, 1, 0])).is_err());
    }

    /// The identifier travels with the numbers: an rsaEncryption SPKI and a
    /// PSS one of the same key decode to the same n, e and fingerprint, and
    /// different schemes.
    #[test]
    fn pss_spki_keeps_its_identifier() {
        let cert = fixture_block("pss-params-hash/cert.pem");
        let pss = decode_spki(&cert_spki(&cert)).unwrap();
        let PublicKey::Rsa { scheme, .. } = &pss else { panic!("{pss:?}") };
        assert_eq!(scheme.describe(), "RSASSA-PSS (SHA-256, MGF1 with SHA-256, salt of at least 32 bytes)");
        let rsa = decode_spki(&canonical_spki_der(&pss).unwrap()).unwrap();
        assert!(matches!(&rsa, PublicKey::Rsa { scheme: RsaScheme::Encryption, .. }));
        assert_eq!(rsa.fingerprint(), pss.fingerprint());
        assert_ne!(rsa, pss);
    }

    /// `openssl ecparam -param_enc explicit` of each supported curve names it.
    #[test]
    fn openssl_explicit_parameters_name_the_curve() {
        for (name, curve) in [("prime256v1", Curve::P256), ("secp384r1", Curve::P384), ("secp521r1", Curve::P521)] {
            for form in ["uncompressed", "compressed"] {
                let out = std::process::Command::new("openssl")
                    .args(["ecparam", "-name", name, "-param_enc", "explicit", "-conv_form", form, "-outform", "DER"])
                    .output()
                    .expect("openssl CLI");
                assert!(out.status.success(), "{name}");
                let (params, _) = asn1::read_tlv(&out.stdout).unwrap();
                assert_eq!(ec_params(&params), Ok(EcParams::Known(curve)), "{name} {form}");
            }
        }
        let out = std::process::Command::new("openssl")
            .args(["ecparam", "-name", "secp256k1", "-param_enc", "explicit", "-outform", "DER"])
            .output()
            .expect("openssl CLI");
        let (params, _) = asn1::read_tlv(&out.stdout).unwrap();
        assert!(matches!(ec_params(&params), Ok(EcParams::Unsupported(_))));
    }

    #[test]
    fn explicit_base_point_compressed_or_not_names_the_curve() {
        assert_eq!(minus_one(&[0, 1, 0]), Some(vec![0, 0xff]));
        assert_eq!(minus_one(&[2]), Some(vec![1]));
        assert_eq!(minus_one(&[0, 0]), None);
        for d in domains() {
            let len = field_len(d.curve);
            let x = d.gx.clone();
            let y = d.gy.clone();
            let pad = |v: &[u8]| {
                let v = strip_leading_zeros(v);
                [vec![0u8; len - v.len()], v.to_vec()].concat()
            };
            let unc = [vec![4u8], pad(&x), pad(&y)].concat();
            assert!(base_matches(&unc, &d));
            let odd = y.last().unwrap() & 1 == 1;
            let comp = [vec![if odd { 3 } else { 2 }], pad(&x)].concat();
            assert!(base_matches(&comp, &d));
            let wrong = [vec![if odd { 2 } else { 3 }], pad(&x)].concat();
            assert!(!base_matches(&wrong, &d));
        }
    }

    /// 0x06 says y is even, 0x07 odd; compressed, uncompressed and odd-sized inputs are never "hybrid".
    #[test]
    fn hybrid_parity_is_the_prefix_against_the_last_byte_of_y() {
        let g = domain(Curve::P256);
        let (x, y) = (g.gx.clone(), g.gy.clone());
        let odd = y.last().unwrap() & 1 == 1;
        let hybrid = |prefix: u8| [vec![prefix], x.clone(), y.clone()].concat();
        let (right, wrong) = if odd { (7, 6) } else { (6, 7) };
        assert!(!hybrid_parity_wrong(&hybrid(right)));
        assert!(hybrid_parity_wrong(&hybrid(wrong)));
        assert!(!hybrid_parity_wrong(&hybrid(4)));
        assert!(!hybrid_parity_wrong(&[wrong]));
        assert!(!hybrid_parity_wrong(&[&[wrong][..], &x].concat()[..x.len()]));
        // keymatch reads either by its coordinates.
        assert_eq!(decode_point(Curve::P256, &hybrid(wrong)).unwrap(), hybrid(4));
    }

    #[test]
    fn points_off_the_curve_are_refused() {
        let mut point = vec![4u8];
        point.extend_from_slice(&[1u8; 64]);
        assert!(decode_point(Curve::P256, &point).is_err());
        assert!(derive_ec_public(Curve::P256, &[0]).is_none());
        let n = [&domain(Curve::P256).n_minus_1[..], &[0]].concat(); // (n − 1)·256 + 0 > n
        assert!(derive_ec_public(Curve::P256, &n).is_none());
        assert!(derive_ec_public(Curve::P256, &[1]).is_some());
    }

    /// The fingerprint equals sha256 of `openssl pkey -pubout -outform DER`
    /// (named curves, uncompressed points, rsaEncryption, Ed25519).
    #[test]
    fn fingerprint_equals_openssl_pubout_der() {
        use sha2::{Digest, Sha256};
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
        for key in [
            "rsa2048-pkcs1-pem/key.pem",
            "rsa4096-pkcs8-pem/key.pem",
            "p256-sec1-pem/key.pem",
            "p384-pkcs8-pem/key.pem",
            "p521-sec1-pem/key.pem",
            "ed25519-pkcs8-pem/key.pem",
            "ed448/key.pem",
            "p256-sec1-nopub/key.pem",
        ] {
            let path = dir.join(key);
            let out = Command::new("openssl")
                .args(["pkey", "-pubout", "-outform", "DER", "-in"])
                .arg(&path)
                .output()
                .expect("the openssl CLI is needed for this test");
            assert!(out.status.success(), "{key}: {}", String::from_utf8_lossy(&out.stderr));
            let expected = format!("sha256:{}", asn1::hex(&Sha256::digest(&out.stdout)));
            let parsed = crate::parse::parse_bytes(&std::fs::read(&path).unwrap(), crate::parse::Source::new(key), &[]);
            let k = parsed.private_keys().next().unwrap().2;
            assert_eq!(k.public.as_ref().and_then(PublicKey::fingerprint), Some(expected), "{key}");
            assert_eq!(canonical_spki_der(k.public.as_ref().unwrap()).unwrap(), out.stdout, "{key}");
        }
    }
}
