//! Private keys → [`PrivateKey`]: PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2),
//! PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` v1 and v2 (RFC 5208, RFC 5958),
//! SEC1 `ECPrivateKey` (RFC 5915), Ed25519 `CurvePrivateKey` (RFC 8410 §7).
//!
//! The public key is derived from the private half here (RSA: the stored n and
//! e; EC: d·G; Ed25519: from the seed). Consistency checks between the stored
//! and derived values are verify's job.

use super::der::{self, Tlv};
use super::model::{Curve, EcPrivate, Ed25519Private, KeyFormat, KeyMaterial, PrivateKey, PublicKey, RsaPrivate};
use super::pubkey::{self, EcParams, OID_EC, OID_ED25519, OID_RSA, OID_RSA_PSS};

pub(crate) fn unsupported(format: KeyFormat, algorithm: String) -> PrivateKey {
    PrivateKey {
        format,
        public: Some(PublicKey::Unsupported { algorithm: algorithm.clone() }),
        material: KeyMaterial::Unsupported { algorithm },
    }
}

/// PKCS#1 `RSAPrivateKey` (the whole DER).
pub fn pkcs1(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, String> {
    let seq = der::read_tlv(bytes)?.0.expect(der::SEQUENCE, "RSAPrivateKey")?;
    pkcs1_tlv(&seq, format)
}

fn pkcs1_tlv(seq: &Tlv<'_>, format: KeyFormat) -> Result<PrivateKey, String> {
    let mut r = seq.children();
    let version = r.read_tag(der::INTEGER, "RSAPrivateKey version")?.small_uint()?;
    let mut next = |what: &str| -> Result<Vec<u8>, String> { Ok(r.read_tag(der::INTEGER, what)?.uint()?.to_vec()) };
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
        return Err(format!("RSAPrivateKey version {version}"));
    }
    if n.is_empty() || e.is_empty() {
        return Err("RSA modulus or exponent is zero".into());
    }
    if multi {
        return Ok(unsupported(format, "RSA multi-prime".into()));
    }
    match pubkey::rsa_public(&n, &e) {
        public @ PublicKey::Rsa { .. } => Ok(PrivateKey {
            format,
            public: Some(public),
            material: KeyMaterial::Rsa(RsaPrivate { n, e, d, p, q, dp, dq, qinv }),
        }),
        PublicKey::Unsupported { algorithm } => Ok(unsupported(format, algorithm)),
        _ => Err("RSA key did not decode".into()),
    }
}

/// SEC1 `ECPrivateKey` (the whole DER). `outer` are parameters known from
/// outside the structure (PKCS#8 algorithm parameters, or a preceding
/// `EC PARAMETERS` block), used when the key carries none itself.
pub fn sec1(bytes: &[u8], outer: Option<&EcParams>, format: KeyFormat) -> Result<PrivateKey, String> {
    let seq = der::read_tlv(bytes)?.0.expect(der::SEQUENCE, "ECPrivateKey")?;
    let mut r = seq.children();
    let version = r.read_tag(der::INTEGER, "ECPrivateKey version")?.small_uint()?;
    if version != 1 {
        return Err(format!("ECPrivateKey version {version}, not 1"));
    }
    let d = r.read_tag(der::OCTET_STRING, "EC private key")?.content;
    let mut inner: Option<EcParams> = None;
    let mut stored: Option<&[u8]> = None;
    let mut stored_err: Option<String> = None;
    while !r.is_empty() {
        let el = r.read()?;
        match el.tag {
            0xa0 => inner = Some(pubkey::ec_params(&el.children().read()?)?),
            0xa1 => match el.children().read().and_then(|b| b.bit_string_bytes()) {
                Ok(p) => stored = Some(p),
                Err(e) => stored_err = Some(e),
            },
            t => return Err(format!("ECPrivateKey: unexpected {}", der::tag_name(t))),
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
    Ok(ec_key(curve, d, stored.map(|p| pubkey::decode_point(curve, p)).or(stored_err.map(Err)), format))
}

fn ec_key(curve: Curve, d: &[u8], stored_public: Option<Result<Vec<u8>, String>>, format: KeyFormat) -> PrivateKey {
    let public = pubkey::derive_ec_public(curve, d).map(|point| PublicKey::Ec { curve, point });
    PrivateKey { format, public, material: KeyMaterial::Ec(EcPrivate { curve, d: d.to_vec(), stored_public }) }
}

/// PKCS#8 `PrivateKeyInfo` (v1) or `OneAsymmetricKey` (v2), the whole DER.
pub fn pkcs8(bytes: &[u8], format: KeyFormat) -> Result<PrivateKey, String> {
    let seq = der::read_tlv(bytes)?.0.expect(der::SEQUENCE, "PrivateKeyInfo")?;
    let mut r = seq.children();
    let version = r.read_tag(der::INTEGER, "PrivateKeyInfo version")?.small_uint()?;
    if version > 1 {
        return Err(format!("PrivateKeyInfo version {version}"));
    }
    let alg = r.read_tag(der::SEQUENCE, "privateKeyAlgorithm")?;
    let private = r.read_tag(der::OCTET_STRING, "privateKey")?.content;
    let mut public_key: Option<Vec<u8>> = None;
    while !r.is_empty() {
        let el = r.read()?;
        match el.tag {
            0xa0 => {} // attributes
            0x81 => public_key = Some(el.content.get(1..).ok_or("empty publicKey")?.to_vec()),
            0xa1 => public_key = Some(el.children().read()?.bit_string_bytes()?.to_vec()),
            t => return Err(format!("PrivateKeyInfo: unexpected {}", der::tag_name(t))),
        }
    }
    let mut ar = alg.children();
    let oid = der::oid_to_string(ar.read_tag(der::OID, "privateKeyAlgorithm OID")?.content);
    let params = if ar.is_empty() { None } else { Some(ar.read()?) };
    match oid.as_str() {
        OID_RSA | OID_RSA_PSS => pkcs1(private, format),
        OID_EC => {
            let outer = match params {
                Some(p) if p.tag != der::NULL => Some(pubkey::ec_params(&p)?),
                _ => None,
            };
            let mut key = sec1(private, outer.as_ref(), format)?;
            if let (KeyMaterial::Ec(ec), Some(p)) = (&mut key.material, public_key) {
                if ec.stored_public.is_none() {
                    ec.stored_public = Some(pubkey::decode_point(ec.curve, &p));
                }
            }
            Ok(key)
        }
        OID_ED25519 => {
            let seed: [u8; 32] = match private {
                [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest.try_into().map_err(|_| "Ed25519 seed")?,
                raw if raw.len() == 32 => raw.try_into().map_err(|_| "Ed25519 seed")?,
                other => return Err(format!("Ed25519 private key of {} bytes, not a 32-byte seed", other.len())),
            };
            let derived = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
            Ok(PrivateKey {
                format,
                public: Some(PublicKey::Ed25519(derived)),
                material: KeyMaterial::Ed25519(Ed25519Private { seed, stored_public: public_key }),
            })
        }
        other => Ok(unsupported(format, pubkey::algorithm_name(other))),
    }
}
