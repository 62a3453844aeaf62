//! Encrypted private keys: PKCS#8 `EncryptedPrivateKeyInfo` (RFC 5958 §3)
//! and OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`,
//! key = EVP_BytesToKey(MD5, salt = IV[..8], one iteration); AES-CBC,
//! DES-EDE3-CBC and DES-EDE-CBC).
//!
//! keymatch decrypts what OpenSSL 3.0 decrypts with its default provider,
//! which is what nginx, HAProxy and Apache load keys with:
//! - PBES2 (RFC 8018 §6.2): PBKDF2 with HMAC-SHA1/224/256/384/512 or scrypt,
//!   with AES-CBC or DES-EDE3-CBC (through the `pkcs5` crate; AES-GCM, which
//!   the crate also decrypts, OpenSSL 3.0 refuses in PBES2);
//! - PKCS#12 PBE (RFC 7292 Appendix C) `pbeWithSHAAnd3-KeyTripleDES-CBC` and
//!   `pbeWithSHAAnd2-KeyTripleDES-CBC`, with the KDF of RFC 7292 Appendix B.
//!
//! Schemes that need OpenSSL's legacy provider (RC2, RC4, DES-CBC, PBES1,
//! Blowfish, CAST5, SEED, IDEA), PBES2 with AES-GCM and scrypt above OpenSSL's
//! memory limit are
//! [`Locked::ServerCannotLoad`], without being decrypted: the server cannot
//! read them whatever the passphrase.
//!
//! Each passphrase is tried in order; a wrong one shows up as bad padding or a
//! plaintext that does not decode, and the next is tried. Work factors are
//! capped so a hostile file cannot make keymatch spin or eat memory.

use super::asn1;
use super::error::ParseError;
use super::model::{EncryptedKey, KeyFormat, Locked, PrivateKey};
use super::oid;
use asn1::Tlv;
use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use md5::{Digest, Md5};

/// PBKDF2 and PKCS#12 KDF iteration counts above this are not attempted
/// (OpenSSL writes 2048, OWASP recommends 600 000 for PBKDF2-HMAC-SHA256).
pub(crate) const MAX_ITERATIONS: u64 = 4_000_000;
/// scrypt work (N·r·p) above this is not attempted (OpenSSL's default is 2^14·8).
pub(crate) const MAX_SCRYPT_WORK: u64 = 1 << 22;
/// OpenSSL 3.0 refuses scrypt parameters whose buffers (128·r·p + 128·r·(N+2)
/// bytes) exceed 32 MiB when it decrypts a PBES2 key (`SCRYPT_MAX_MEM`).
const OPENSSL_SCRYPT_MAX_MEM: u64 = 32 * 1024 * 1024;

/// The result of trying the passphrases.
#[derive(Debug)]
pub(crate) enum Opened {
    Key(Box<PrivateKey>),
    Locked(EncryptedKey),
}

fn locked(scheme: impl Into<String>, why: Locked) -> Opened {
    Opened::Locked(EncryptedKey { scheme: scheme.into(), locked: why })
}

/// Locked after trying: no passphrase, or none of them worked.
fn not_opened(scheme: String, passphrases: &[Vec<u8>]) -> Opened {
    let why = if passphrases.is_empty() { Locked::NoPassphrase } else { Locked::WrongPassphrase };
    locked(scheme, why)
}

fn legacy_provider(what: &str) -> Locked {
    Locked::ServerCannotLoad(format!("{what} is only in OpenSSL 3.0's legacy provider"))
}

/// `ENCRYPTED PRIVATE KEY` / DER `EncryptedPrivateKeyInfo`. `Err`: the structure does not decode.
///
/// The outer structure is read leniently (a non-minimal length is accepted,
/// as OpenSSL does); the scheme is decided by the algorithm OID.
pub(crate) fn pkcs8(bytes: &[u8], passphrases: &[Vec<u8>]) -> Result<Opened, ParseError> {
    let seq = asn1::read_tlv(bytes)?.0.expect(asn1::SEQUENCE, "EncryptedPrivateKeyInfo")?;
    let mut r = seq.children();
    let alg = r.read_tag(asn1::SEQUENCE, "encryptionAlgorithm")?;
    let data = r.read_tag(asn1::OCTET_STRING, "encryptedData")?.content;
    let mut a = alg.children();
    let dotted = asn1::oid_to_string(a.read_tag(asn1::OID, "encryption algorithm OID")?.content);
    let params = if a.is_empty() { None } else { Some(a.read()?) };
    if oid::parse(&dotted) == Some(oid::PBES2) {
        return Ok(pbes2(params, data, passphrases));
    }
    // The PKCS#12 and PBES1 schemes are numbered arcs under one OID each.
    if let Some(n) = dotted.strip_prefix(&format!("{}.", oid::PKCS_12_PBE_IDS)) {
        return Ok(pkcs12_pbe(n, params, data, passphrases));
    }
    if let Some(n) = dotted.strip_prefix(&format!("{}.", oid::PKCS_5)) {
        if let Some(name) = pbes1_name(n) {
            return Ok(locked(format!("PKCS#8 PBES1 {name}"), legacy_provider("PBES1 (PBKDF1)")));
        }
    }
    Ok(locked(format!("PKCS#8 {dotted}"), Locked::UnsupportedScheme))
}

/// OpenSSL's `-v1` name of a PBES1 scheme (RFC 8018 §6.1, OID 1.2.840.113549.1.5.`n`).
fn pbes1_name(n: &str) -> Option<&'static str> {
    Some(match n {
        "1" => "PBE-MD2-DES",
        "3" => "PBE-MD5-DES",
        "4" => "PBE-MD2-RC2-64",
        "6" => "PBE-MD5-RC2-64",
        "10" => "PBE-SHA1-DES",
        "11" => "PBE-SHA1-RC2-64",
        _ => return None,
    })
}

/// PKCS#12 PBE (RFC 7292 Appendix C, OID 1.2.840.113549.1.12.1.`n`):
/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`.
fn pkcs12_pbe(n: &str, params: Option<Tlv<'_>>, data: &[u8], passphrases: &[Vec<u8>]) -> Opened {
    let (name, key_len) = match n {
        "1" => ("PBE-SHA1-RC4-128 (pbeWithSHAAnd128BitRC4)", 0),
        "2" => ("PBE-SHA1-RC4-40 (pbeWithSHAAnd40BitRC4)", 0),
        "3" => ("PBE-SHA1-3DES (pbeWithSHAAnd3-KeyTripleDES-CBC)", 24),
        "4" => ("PBE-SHA1-2DES (pbeWithSHAAnd2-KeyTripleDES-CBC)", 16),
        "5" => ("PBE-SHA1-RC2-128 (pbeWithSHAAnd128BitRC2-CBC)", 0),
        "6" => ("PBE-SHA1-RC2-40 (pbeWithSHAAnd40BitRC2-CBC)", 0),
        _ => return locked(format!("PKCS#8 PKCS#12 PBE {}.{n}", oid::PKCS_12_PBE_IDS), Locked::UnsupportedScheme),
    };
    let scheme = format!("PKCS#8 PKCS#12 {name}");
    match n {
        "1" | "2" => return locked(scheme, legacy_provider("RC4")),
        "5" | "6" => return locked(scheme, legacy_provider("RC2")),
        _ => {}
    }
    let Some((salt, iterations)) = params.and_then(|p| pkcs12_params(&p).ok()) else {
        return locked(format!("{scheme} with parameters that do not decode"), Locked::UnsupportedScheme);
    };
    if iterations > MAX_ITERATIONS {
        return locked(
            scheme,
            Locked::WorkFactorOverCap(format!("{iterations} iterations; keymatch's limit is {MAX_ITERATIONS}")),
        );
    }
    if data.is_empty() || !data.len().is_multiple_of(8) {
        return locked(
            format!("{scheme} with {} encrypted bytes, not whole blocks", data.len()),
            Locked::UnsupportedScheme,
        );
    }
    for pass in passphrases {
        let bmp = bmp_password(pass);
        let key = pkcs12_kdf(&bmp, salt, iterations, 1, key_len);
        let iv = pkcs12_kdf(&bmp, salt, iterations, 2, 8);
        let plain = if key_len == 24 {
            cbc_decrypt::<des::TdesEde3>(&key, &iv, data)
        } else {
            cbc_decrypt::<des::TdesEde2>(&key, &iv, data)
        };
        let Some(plain) = plain else { continue };
        if let Ok(key) = super::key::pkcs8(&plain, KeyFormat::Pkcs8Encrypted) {
            return Opened::Key(Box::new(key));
        }
    }
    not_opened(scheme, passphrases)
}

fn pkcs12_params<'a>(p: &Tlv<'a>) -> Result<(&'a [u8], u64), ParseError> {
    let p = p.expect(asn1::SEQUENCE, "pkcs-12PbeParams")?;
    let mut r = p.children();
    let salt = r.read_tag(asn1::OCTET_STRING, "salt")?.content;
    let iterations = r.read_tag(asn1::INTEGER, "iterations")?.small_uint()?;
    Ok((salt, iterations))
}

/// The password as PKCS#12 wants it (RFC 7292 Appendix B.1): BMPString
/// (UTF-16BE) with a terminating NUL. Like OpenSSL, bytes that are not UTF-8
/// are taken as Latin-1.
fn bmp_password(pass: &[u8]) -> Vec<u8> {
    let units: Vec<u16> = match std::str::from_utf8(pass) {
        Ok(s) => s.encode_utf16().collect(),
        Err(_) => pass.iter().map(|&b| u16::from(b)).collect(),
    };
    units.iter().chain(std::iter::once(&0)).flat_map(|u| u.to_be_bytes()).collect()
}

/// RFC 7292 Appendix B.2 with SHA-1 (u = 20, v = 64): `n` bytes of key
/// material of kind `id` (1 key, 2 IV, 3 MAC key). An iteration count of 0 is
/// taken as 1, as OpenSSL does.
fn pkcs12_kdf(password: &[u8], salt: &[u8], iterations: u64, id: u8, n: usize) -> Vec<u8> {
    use sha1::Sha1;
    const V: usize = 64;
    let stretch = |s: &[u8]| -> Vec<u8> {
        let len = s.len().div_ceil(V) * V;
        s.iter().copied().cycle().take(len).collect()
    };
    let mut i = stretch(salt);
    i.extend(stretch(password));
    let mut out = Vec::with_capacity(n + 20);
    loop {
        let mut h = Sha1::new();
        h.update([id; V]);
        h.update(&i);
        let mut a = h.finalize();
        for _ in 1..iterations.max(1) {
            a = Sha1::digest(a);
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            out.truncate(n);
            return out;
        }
        // I_j = (I_j + B + 1) mod 2^512 for each 64-byte block, B = A repeated.
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for block in i.chunks_mut(V) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().zip(&b).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum.to_be_bytes()[1];
                carry = sum >> 8;
            }
        }
    }
}

/// PBES2 (RFC 8018 §6.2). Decoded and decrypted by the `pkcs5` crate; when it
/// refuses the parameters (a cipher or PRF it does not model), they are read
/// here to name the scheme and to tell legacy-provider schemes apart.
fn pbes2(params: Option<Tlv<'_>>, data: &[u8], passphrases: &[Vec<u8>]) -> Opened {
    use der::Decode;
    let Some(params) = params else {
        return locked("PKCS#8 PBES2 without parameters", Locked::UnsupportedScheme);
    };
    let parts = pbes2_parts(&params);
    let scheme = match &parts {
        Ok(p) => format!("PKCS#8 PBES2 ({}, {})", p.kdf, p.cipher),
        Err(_) => "PKCS#8 PBES2 with parameters that do not decode".to_string(),
    };
    if let Ok(p) = &parts {
        if let Some(why) = &p.server_cannot_load {
            return locked(scheme, why.clone());
        }
        if let Some(over) = &p.over_cap {
            return locked(scheme, Locked::WorkFactorOverCap(over.clone()));
        }
    }
    let Ok(decoded) = pkcs5::pbes2::Parameters::from_der(params.raw) else {
        return locked(scheme, Locked::UnsupportedScheme);
    };
    for pass in passphrases {
        let Ok(plain) = decoded.decrypt(pass, data) else { continue };
        if let Ok(key) = super::key::pkcs8(&plain, KeyFormat::Pkcs8Encrypted) {
            return Opened::Key(Box::new(key));
        }
    }
    not_opened(scheme, passphrases)
}

/// What keymatch makes of PBES2 parameters before decrypting.
struct Pbes2Parts {
    /// "PBKDF2-HMAC-SHA256", "scrypt", …
    kdf: String,
    /// "AES-256-CBC", "DES-CBC", or the OID.
    cipher: String,
    server_cannot_load: Option<Locked>,
    /// The work factor and the limit, when above it.
    over_cap: Option<String>,
}

/// `PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }` (RFC 8018 A.4).
fn pbes2_parts(params: &Tlv<'_>) -> Result<Pbes2Parts, ParseError> {
    let params = params.expect(asn1::SEQUENCE, "PBES2-params")?;
    let mut r = params.children();
    let kdf_alg = r.read_tag(asn1::SEQUENCE, "keyDerivationFunc")?;
    let enc_alg = r.read_tag(asn1::SEQUENCE, "encryptionScheme")?;
    let cipher_oid = asn1::oid_to_string(enc_alg.children().read_tag(asn1::OID, "cipher OID")?.content);
    let (cipher, legacy) = cipher_name(&cipher_oid);
    // OpenSSL 3.0 has AES-GCM, but PKCS5_v2_PBE_keyivgen cannot set it up from
    // PBES2 parameters ("cipher parameter error"), whichever form they take.
    let gcm = cipher.ends_with("-GCM").then(|| {
        Locked::ServerCannotLoad(format!("OpenSSL 3.0 does not take {cipher} in PBES2: \"cipher parameter error\""))
    });
    let mut k = kdf_alg.children();
    let kdf_oid = asn1::oid_to_string(k.read_tag(asn1::OID, "KDF OID")?.content);
    let kdf_params = k.read_tag(asn1::SEQUENCE, "KDF parameters")?;
    let mut p = kdf_params.children();
    let _salt = p.read_tag(asn1::OCTET_STRING, "salt")?;
    let mut server_cannot_load = legacy.map(legacy_provider).or(gcm);
    let (kdf, over_cap) = match oid::parse(&kdf_oid) {
        Some(oid::ID_PBKDF_2) => {
            // PBKDF2-params (RFC 8018 A.2): salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1.
            let iterations = p.read_tag(asn1::INTEGER, "iterationCount")?.small_uint()?;
            let _key_length = p.read_optional(asn1::INTEGER)?;
            let prf = match p.read_optional(asn1::SEQUENCE)? {
                Some(prf) => asn1::oid_to_string(prf.children().read_tag(asn1::OID, "PRF OID")?.content),
                None => oid::HMAC_WITH_SHA1.to_string(),
            };
            let over = (iterations > MAX_ITERATIONS)
                .then(|| format!("{iterations} PBKDF2 iterations; keymatch's limit is {MAX_ITERATIONS}"));
            (format!("PBKDF2-{}", prf_name(&prf)), over)
        }
        Some(oid::SCRYPT) => {
            // scrypt-params (RFC 7914 §7.1): salt, costParameter N, blockSize r, parallelizationParameter p.
            let n = p.read_tag(asn1::INTEGER, "costParameter")?.small_uint()?;
            let bs = p.read_tag(asn1::INTEGER, "blockSize")?.small_uint()?;
            let par = p.read_tag(asn1::INTEGER, "parallelizationParameter")?.small_uint()?;
            let memory = 128u64
                .saturating_mul(bs)
                .saturating_mul(par)
                .saturating_add(128u64.saturating_mul(bs).saturating_mul(n.saturating_add(2)));
            if server_cannot_load.is_none() && memory > OPENSSL_SCRYPT_MAX_MEM {
                server_cannot_load = Some(Locked::ServerCannotLoad(format!(
                    "scrypt with N={n}, r={bs}, p={par} needs {memory} bytes, above OpenSSL 3.0's limit of {OPENSSL_SCRYPT_MAX_MEM} (32 MiB)"
                )));
            }
            let work = n.saturating_mul(bs).saturating_mul(par);
            let over = (work > MAX_SCRYPT_WORK)
                .then(|| format!("scrypt work N·r·p = {work}; keymatch's limit is {MAX_SCRYPT_WORK}"));
            ("scrypt".to_string(), over)
        }
        _ => (format!("KDF {kdf_oid}"), None),
    };
    Ok(Pbes2Parts { kdf, cipher, server_cannot_load, over_cap })
}

/// OpenSSL's name for a PBKDF2 PRF OID (RFC 8018 B.1), or the OID.
fn prf_name(dotted: &str) -> String {
    match oid::parse(dotted) {
        Some(oid::HMAC_WITH_SHA1) => "HMAC-SHA1",
        Some(oid::ID_HMAC_WITH_SHA_224) => "HMAC-SHA224",
        Some(oid::ID_HMAC_WITH_SHA_256) => "HMAC-SHA256",
        Some(oid::ID_HMAC_WITH_SHA_384) => "HMAC-SHA384",
        Some(oid::ID_HMAC_WITH_SHA_512) => "HMAC-SHA512",
        Some(oid::HMAC_WITH_SHA512_224) => "HMAC-SHA512-224",
        Some(oid::HMAC_WITH_SHA512_256) => "HMAC-SHA512-256",
        Some(oid::HMAC_WITH_MD5) => "HMAC-MD5",
        _ => return format!("PRF {dotted}"),
    }
    .to_string()
}

/// A PBES2 cipher's name, and the algorithm that needs OpenSSL's legacy
/// provider when it is one of those.
fn cipher_name(dotted: &str) -> (String, Option<&'static str>) {
    let (name, legacy) = match oid::parse(dotted) {
        Some(oid::ID_AES_128_CBC) => ("AES-128-CBC", None),
        Some(oid::ID_AES_192_CBC) => ("AES-192-CBC", None),
        Some(oid::ID_AES_256_CBC) => ("AES-256-CBC", None),
        Some(oid::ID_AES_128_GCM) => ("AES-128-GCM", None),
        Some(oid::ID_AES_256_GCM) => ("AES-256-GCM", None),
        Some(oid::AES_128_OFB) => ("AES-128-OFB", None),
        Some(oid::AES_128_CFB) => ("AES-128-CFB", None),
        Some(oid::AES_192_OFB) => ("AES-192-OFB", None),
        Some(oid::AES_192_CFB) => ("AES-192-CFB", None),
        Some(oid::AES_256_OFB) => ("AES-256-OFB", None),
        Some(oid::AES_256_CFB) => ("AES-256-CFB", None),
        Some(oid::DES_EDE_3_CBC) => ("DES-EDE3-CBC", None),
        Some(oid::DES_CBC) => ("DES-CBC", Some("DES-CBC")),
        Some(oid::RC_2_CBC) => ("RC2-CBC", Some("RC2")),
        Some(oid::RC5_CBC_PAD) => ("RC5-CBC", Some("RC5")),
        Some(oid::BF_CBC) => ("BF-CBC", Some("Blowfish")),
        Some(oid::CAST5_CBC) => ("CAST5-CBC", Some("CAST5")),
        Some(oid::SEED_CBC) => ("SEED-CBC", Some("SEED")),
        Some(oid::IDEA_CBC) => ("IDEA-CBC", Some("IDEA")),
        Some(oid::CAMELLIA_128_CBC) => ("CAMELLIA-128-CBC", None),
        Some(oid::CAMELLIA_192_CBC) => ("CAMELLIA-192-CBC", None),
        Some(oid::CAMELLIA_256_CBC) => ("CAMELLIA-256-CBC", None),
        Some(oid::ARIA_128_CBC) => ("ARIA-128-CBC", None),
        Some(oid::ARIA_192_CBC) => ("ARIA-192-CBC", None),
        Some(oid::ARIA_256_CBC) => ("ARIA-256-CBC", None),
        Some(oid::SM4_CBC) => ("SM4-CBC", None),
        _ => return (format!("cipher {dotted}"), None),
    };
    (name.to_string(), legacy)
}

/// Legacy OpenSSL PEM encryption. `dek_info` is the `DEK-Info` header value
/// ("AES-128-CBC,<hex IV>"); `parse` decodes the plaintext per the block label.
pub(crate) fn legacy(
    dek_info: &str,
    ciphertext: &[u8],
    passphrases: &[Vec<u8>],
    parse: &dyn Fn(&[u8]) -> Result<PrivateKey, ParseError>,
) -> Result<Opened, ParseError> {
    let (alg, iv_hex) = dek_info.split_once(',').ok_or("DEK-Info without an IV")?;
    let alg = alg.trim().to_ascii_uppercase();
    let iv = unhex(iv_hex.trim()).ok_or("DEK-Info IV is not hex")?;
    let (key_len, block) = match alg.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        "DES-EDE-CBC" => (16, 8),
        "DES-CBC" | "DESX-CBC" | "RC2-CBC" | "RC2-40-CBC" | "RC2-64-CBC" | "BF-CBC" | "CAST5-CBC" | "SEED-CBC"
        | "IDEA-CBC" => {
            let what = alg.trim_end_matches("-CBC");
            return Ok(locked(format!("legacy PEM ({alg})"), legacy_provider(what)));
        }
        _ => return Ok(locked(format!("legacy PEM ({alg})"), Locked::UnsupportedScheme)),
    };
    if iv.len() != block {
        return Err(format!("DEK-Info IV of {} bytes for {alg}", iv.len()).into());
    }
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block) {
        return Err(format!("encrypted key of {} bytes is not a whole number of {alg} blocks", ciphertext.len()).into());
    }
    let salt = iv.get(..8).ok_or("IV too short")?;
    for pass in passphrases {
        let key = bytes_to_key(pass, salt, key_len);
        let plain = match alg.as_str() {
            "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext),
            "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext),
            "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext),
            "DES-EDE-CBC" => cbc_decrypt::<des::TdesEde2>(&key, &iv, ciphertext),
            _ => cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext),
        };
        let Some(plain) = plain else { continue };
        if let Ok(key) = parse(&plain) {
            return Ok(Opened::Key(Box::new(key)));
        }
    }
    Ok(not_opened(format!("legacy PEM ({alg})"), passphrases))
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>>
where
    C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::KeyInit,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded_vec::<Pkcs7>(ciphertext).ok()
}

/// OpenSSL `EVP_BytesToKey` with MD5 and one iteration.
fn bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|c| {
            let hi = char::from(*c.first()?).to_digit(16)?;
            let lo = char::from(*c.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oid::Oid;

    #[test]
    fn bytes_to_key_matches_openssl() {
        // openssl enc -aes-128-cbc -k secret -S 0102030405060708 -md md5 -P
        let key = bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8], 16);
        assert_eq!(asn1::hex(&key), EXPECTED_KEY);
    }

    const EXPECTED_KEY: &str = "c9e5a1bd216dbe1317e230cef48f38ee";

    fn unhex_str(s: &str) -> Vec<u8> {
        unhex(&s.replace(':', "")).unwrap()
    }

    /// RFC 7292 Appendix B.2 against `openssl kdf -kdfopt digest:SHA1 … PKCS12KDF`
    /// (the first two are also OpenSSL's own PKCS#12 test vectors).
    #[test]
    fn pkcs12_kdf_matches_openssl() {
        let smeg = bmp_password(b"smeg");
        assert_eq!(asn1::hex(&smeg), "0073006d006500670000");
        let salt = unhex_str("0a58cf64530d823f");
        // -keylen 24 -kdfopt id:1 -kdfopt iter:1
        assert_eq!(asn1::hex(&pkcs12_kdf(&smeg, &salt, 1, 1, 24)), "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3");
        // -keylen 8 -kdfopt id:2 -kdfopt iter:1
        assert_eq!(asn1::hex(&pkcs12_kdf(&smeg, &salt, 1, 2, 8)), "79993dfe048d3b76");
        // queeg, 1000 iterations
        let queeg = bmp_password(b"queeg");
        let salt = unhex_str("05dec959acff72f7");
        assert_eq!(
            asn1::hex(&pkcs12_kdf(&queeg, &salt, 1000, 1, 24)),
            "ed2034e36328830ff09df1e1a07dd357185dac0d4f9eb3d4"
        );
        // A password longer than one 64-byte block (70 × "a" → 142 bytes), a
        // 20-byte salt, 48 bytes of output (three rounds of I_j updates), 3 iterations.
        let long = bmp_password("a".repeat(70).as_bytes());
        let salt: Vec<u8> = (0u8..20).collect();
        assert_eq!(
            asn1::hex(&pkcs12_kdf(&long, &salt, 3, 1, 48)),
            "badb8fbd22e9bc8c4bdcd1a2247927ddb46fc721a0655ed16db88d6f9e7dae026b406fbccbcdab5b04ffc599349126cd"
        );
        // The empty password is just the terminator; iteration count 2048, 1-byte salt.
        let empty = bmp_password(b"");
        assert_eq!(empty, [0, 0]);
        assert_eq!(asn1::hex(&pkcs12_kdf(&empty, &[1], 2048, 2, 8)), "c593743641ef79ed");
        // Iteration count 0 is taken as 1, as OpenSSL does.
        assert_eq!(pkcs12_kdf(&smeg, &[1], 0, 1, 24), pkcs12_kdf(&smeg, &[1], 1, 1, 24));
    }

    /// The password's BMPString: UTF-16BE (surrogate pairs beyond the BMP),
    /// bytes that are not UTF-8 taken as Latin-1, then a NUL, as OpenSSL's
    /// `OPENSSL_utf82uni` / `OPENSSL_asc2uni` do.
    #[test]
    fn bmp_password_is_openssls() {
        assert_eq!(
            asn1::hex(&bmp_password("pässwörd-🔑".as_bytes())),
            "007000e400730073007700f600720064002dd83ddd110000"
        );
        assert_eq!(asn1::hex(&bmp_password(&[0x70, 0xe4, 0x73])), "007000e400730000");
    }

    fn seq(parts: &[&[u8]]) -> Vec<u8> {
        asn1::tlv(asn1::SEQUENCE, &parts.concat())
    }
    fn oid(o: Oid) -> Vec<u8> {
        asn1::tlv(asn1::OID, o.as_bytes())
    }
    /// Arc `n` under `base` (a PKCS#12 PBE or PBES1 scheme).
    fn arc(base: Oid, n: u32) -> Oid {
        base.push_arc(n).unwrap()
    }
    fn int(v: u64) -> Vec<u8> {
        let mut b = v.to_be_bytes().to_vec();
        while b.len() > 1 && b[0] == 0 && b[1] & 0x80 == 0 {
            b.remove(0);
        }
        if b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        asn1::tlv(asn1::INTEGER, &b)
    }
    fn octets(b: &[u8]) -> Vec<u8> {
        asn1::tlv(asn1::OCTET_STRING, b)
    }
    fn epki(alg: &[u8]) -> Vec<u8> {
        seq(&[alg, &octets(&[0u8; 64])])
    }
    fn pbkdf2_aes(iterations: u64, cipher: Oid) -> Vec<u8> {
        let kdf = seq(&[&oid(oid::ID_PBKDF_2), &seq(&[&octets(&[7; 8]), &int(iterations)])]);
        seq(&[&oid(oid::PBES2), &seq(&[&kdf, &seq(&[&oid(cipher), &octets(&[0; 16])])])])
    }
    fn scrypt_aes(n: u64, r: u64, p: u64) -> Vec<u8> {
        let kdf = seq(&[&oid(oid::SCRYPT), &seq(&[&octets(&[7; 8]), &int(n), &int(r), &int(p)])]);
        seq(&[&oid(oid::PBES2), &seq(&[&kdf, &seq(&[&oid(oid::ID_AES_256_CBC), &octets(&[0; 16])])])])
    }
    fn reason(der: &[u8], passphrases: &[Vec<u8>]) -> (String, Locked) {
        match pkcs8(der, passphrases) {
            Ok(Opened::Locked(e)) => (e.scheme, e.locked),
            other => panic!("{other:?}"),
        }
    }

    /// Hostile work factors are refused before any key derivation runs (a test
    /// that ran 2^40 iterations would never finish), and the reason names the
    /// work factor and the limit; a scheme the server cannot read is reported
    /// as that first, whatever its work factor.
    #[test]
    fn work_factors_are_bounded_and_named() {
        let pass = vec![b"x".to_vec()];
        let (_, why) = reason(&epki(&pbkdf2_aes(1 << 40, oid::ID_AES_256_CBC)), &pass);
        assert_eq!(
            why,
            Locked::WorkFactorOverCap("1099511627776 PBKDF2 iterations; keymatch's limit is 4000000".into())
        );
        let (_, why) = reason(&epki(&pbkdf2_aes(MAX_ITERATIONS + 1, oid::ID_AES_128_CBC)), &[]);
        assert!(matches!(why, Locked::WorkFactorOverCap(_)), "{why:?}");
        // DES-CBC with a hostile count: the server cannot read it anyway.
        let (scheme, why) = reason(&epki(&pbkdf2_aes(1 << 40, oid::DES_CBC)), &pass);
        assert_eq!(scheme, "PKCS#8 PBES2 (PBKDF2-HMAC-SHA1, DES-CBC)");
        assert_eq!(why, Locked::ServerCannotLoad("DES-CBC is only in OpenSSL 3.0's legacy provider".into()));
        // PKCS#12 PBE: same iteration limit.
        let pbe = seq(&[&oid(oid::PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC), &seq(&[&octets(&[1; 8]), &int(1 << 40)])]);
        let (scheme, why) = reason(&epki(&pbe), &pass);
        assert!(scheme.contains("pbeWithSHAAnd3-KeyTripleDES-CBC"), "{scheme}");
        assert!(matches!(why, Locked::WorkFactorOverCap(ref w) if w.contains("1099511627776 iterations")), "{why:?}");
        // scrypt: OpenSSL's 32 MiB (buffers 128·r·p + 128·r·(N+2)) decides first ...
        for (n, r, p) in [(1 << 15, 8, 1), (1 << 20, 8, 1), (2, 1, 1 << 21), (1 << 14, 16, 1)] {
            let (_, why) = reason(&epki(&scrypt_aes(n, r, p)), &pass);
            assert!(
                matches!(why, Locked::ServerCannotLoad(ref w) if w.contains("above OpenSSL 3.0's limit")),
                "{why:?}"
            );
        }
        // ... then keymatch's own limit on N·r·p (small memory, many lanes).
        let (_, why) = reason(&epki(&scrypt_aes(1024, 1, 8192)), &pass);
        assert!(matches!(why, Locked::WorkFactorOverCap(ref w) if w.contains("N·r·p = 8388608")), "{why:?}");
        // Within every limit: tried, and the passphrase is wrong (the data is zeros).
        let (_, why) = reason(&epki(&scrypt_aes(1 << 10, 8, 1)), &pass);
        assert_eq!(why, Locked::WrongPassphrase);
        let (_, why) = reason(&epki(&scrypt_aes(1 << 10, 8, 1)), &[]);
        assert_eq!(why, Locked::NoPassphrase);
    }

    /// Schemes are named; the ones that need OpenSSL's legacy provider say so
    /// even without a passphrase; unknown and broken parameters are unsupported.
    #[test]
    fn schemes_are_classified_by_oid() {
        let pbe = |n: u32| seq(&[&oid(arc(oid::PKCS_12_PBE_IDS, n)), &seq(&[&octets(&[1; 8]), &int(2048)])]);
        for (n, what) in [(1, "RC4"), (2, "RC4"), (5, "RC2"), (6, "RC2")] {
            let (_, why) = reason(&epki(&pbe(n)), &[]);
            assert_eq!(why, Locked::ServerCannotLoad(format!("{what} is only in OpenSSL 3.0's legacy provider")));
        }
        for n in [1, 3, 4, 6, 10, 11] {
            let alg = seq(&[&oid(arc(oid::PKCS_5, n)), &seq(&[&octets(&[1; 8]), &int(2048)])]);
            let (scheme, why) = reason(&epki(&alg), &[]);
            assert!(scheme.starts_with("PKCS#8 PBES1 PBE-"), "{scheme}");
            assert!(matches!(why, Locked::ServerCannotLoad(ref w) if w.contains("PBKDF1")), "{why:?}");
        }
        for (cipher, name) in [(oid::RC_2_CBC, "RC2"), (oid::BF_CBC, "Blowfish")] {
            let (_, why) = reason(&epki(&pbkdf2_aes(2048, cipher)), &[b"x".to_vec()]);
            assert_eq!(why, Locked::ServerCannotLoad(format!("{name} is only in OpenSSL 3.0's legacy provider")));
        }
        // AES-GCM: the pkcs5 crate would decrypt it, OpenSSL 3.0 refuses it in PBES2.
        let (_, why) = reason(&epki(&pbkdf2_aes(2048, oid::ID_AES_256_GCM)), &[b"x".to_vec()]);
        assert!(matches!(why, Locked::ServerCannotLoad(ref w) if w.contains("AES-256-GCM in PBES2")), "{why:?}");
        let (scheme, why) = reason(&epki(&pbkdf2_aes(2048, oid::CAMELLIA_256_CBC)), &[b"x".to_vec()]);
        assert_eq!(
            (scheme.as_str(), why),
            ("PKCS#8 PBES2 (PBKDF2-HMAC-SHA1, CAMELLIA-256-CBC)", Locked::UnsupportedScheme)
        );
        let (scheme, why) = reason(&epki(&seq(&[&oid(oid::UNKNOWN)])), &[]);
        assert_eq!((scheme, why), (format!("PKCS#8 {}", oid::UNKNOWN), Locked::UnsupportedScheme));
        // 3DES PBE without its parameters, or with ciphertext that is not whole blocks.
        let (_, why) = reason(&epki(&seq(&[&oid(oid::PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC)])), &[b"x".to_vec()]);
        assert_eq!(why, Locked::UnsupportedScheme);
        let odd = seq(&[&pbe(3), &octets(&[0; 13])]);
        assert_eq!(reason(&odd, &[b"x".to_vec()]).1, Locked::UnsupportedScheme);
        let (_, why) = reason(&epki(&pbe(3)), &[b"x".to_vec()]);
        assert_eq!(why, Locked::WrongPassphrase);
    }

    /// Each scheme OpenSSL 3.0 opens by default, written by `openssl pkcs8`
    /// (or `openssl ec` for legacy PEM): keymatch opens it to the same key that
    /// `openssl pkey` decrypts, with the right passphrase and only with it.
    #[test]
    fn schemes_round_trip_with_openssl() {
        use std::process::Command;
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(dir.path()).output().unwrap();
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        std::fs::write(dir.path().join("pass"), "round trip 🔑\n").unwrap();
        let pass = vec![b"wrong".to_vec(), "round trip 🔑".as_bytes().to_vec()];
        run(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "plain.pem"]);
        let plain = run(&["pkcs8", "-topk8", "-nocrypt", "-in", "plain.pem", "-outform", "DER"]);
        let want = crate::parse::key::pkcs8(&plain, KeyFormat::Pkcs8).unwrap().public;
        assert!(want.is_some());
        for opts in [
            &["-v1", "PBE-SHA1-3DES"][..],
            &["-v1", "PBE-SHA1-2DES"],
            &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"],
            &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA384"],
            &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"],
            &["-v2", "des3", "-v2prf", "hmacWithSHA1", "-iter", "1"],
        ] {
            let mut args = vec!["pkcs8", "-topk8", "-in", "plain.pem", "-passout", "file:pass", "-outform", "DER"];
            args.extend_from_slice(opts);
            let der = run(&args);
            let Ok(Opened::Key(key)) = pkcs8(&der, &pass) else { panic!("{opts:?}: did not open") };
            assert_eq!(key.public, want, "{opts:?}");
            assert_eq!(key.format, KeyFormat::Pkcs8Encrypted);
            assert!(matches!(
                pkcs8(&der, &pass[..1]),
                Ok(Opened::Locked(EncryptedKey { locked: Locked::WrongPassphrase, .. }))
            ));
        }
        // Legacy PEM two-key 3DES: EVP_BytesToKey for 16 bytes, then DES-EDE-CBC.
        run(&["ec", "-in", "plain.pem", "-des-ede-cbc", "-passout", "file:pass", "-out", "legacy.pem"]);
        let text = std::fs::read(dir.path().join("legacy.pem")).unwrap();
        let (blocks, _) = crate::parse::pem::split(&text, 4);
        let dek = blocks[0].header("DEK-Info").unwrap();
        assert!(dek.starts_with("DES-EDE-CBC,"), "{dek}");
        let body = crate::parse::pem::decode_body(&blocks[0]).unwrap();
        let parse = |plain: &[u8]| crate::parse::key::sec1(plain, None, KeyFormat::LegacyEncrypted);
        let Ok(Opened::Key(key)) = legacy(dek, &body, &pass, &parse) else { panic!("DES-EDE-CBC did not open") };
        assert_eq!(key.public, want);
    }

    /// The outer `EncryptedPrivateKeyInfo` is read leniently: the same key
    /// with a non-minimal outer length (which the strict `pkcs8` crate
    /// refuses) opens to the same key.
    #[test]
    fn a_non_minimal_outer_length_opens_alike() {
        use der::Decode;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
        let text = std::fs::read_to_string(dir.join("passphrase.txt")).unwrap();
        let pass = vec![text.lines().next().unwrap().as_bytes().to_vec()];
        for scenario in ["enc-pkcs8-pbkdf2-aes256", "enc-pkcs8-scrypt", "enc-pkcs8-des3"] {
            let bytes = std::fs::read(dir.join(scenario).join("key.pem")).unwrap();
            let (blocks, _) = crate::parse::pem::split(&bytes, 4);
            let der = crate::parse::pem::decode_body(&blocks[0]).unwrap();
            assert!(pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).is_ok(), "{scenario}");
            let Ok(Opened::Key(direct)) = pkcs8(&der, &pass) else { panic!("{scenario}: did not open") };
            let (top, _) = asn1::read_tlv(&der).unwrap();
            let mut long = vec![asn1::SEQUENCE, 0x84];
            long.extend_from_slice(&(top.content.len() as u32).to_be_bytes());
            long.extend_from_slice(top.content);
            assert!(pkcs8::EncryptedPrivateKeyInfoRef::from_der(&long).is_err());
            let Ok(Opened::Key(fallback)) = pkcs8(&long, &pass) else { panic!("{scenario}: fallback did not open") };
            assert_eq!(direct.public, fallback.public, "{scenario}");
            assert!(direct.public.is_some());
            assert!(matches!(pkcs8(&long, &[b"wrong".to_vec()]), Ok(Opened::Locked(_))));
        }
    }
}
