//! Encrypted private keys: PKCS#8 `EncryptedPrivateKeyInfo` with PBES2
//! (RFC 8018 §6.2: PBKDF2 with HMAC-SHA1/SHA-2 or scrypt, AES-CBC or
//! DES-EDE3-CBC), and OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED`
//! + `DEK-Info`, key = EVP_BytesToKey(MD5, salt = IV[..8], one iteration)).
//!
//! Each passphrase is tried in order; a wrong one shows up as bad padding or a
//! plaintext that does not decode, and the next is tried. Work factors are
//! capped so a hostile file cannot make keymatch spin or eat memory.

use super::der;
use super::model::{EncryptedKey, KeyFormat, PrivateKey};
use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use der::Tlv;
use md5::{Digest, Md5};

/// PBKDF2 iteration counts above this are not attempted (OpenSSL writes 2048,
/// OWASP recommends 600 000).
const MAX_PBKDF2_ITERATIONS: u32 = 4_000_000;
/// scrypt memory (128·r·N bytes) above this is not attempted.
const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;
/// scrypt work (N·r·p) above this is not attempted (OpenSSL's default is 2^17).
const MAX_SCRYPT_WORK: u64 = 1 << 22;

/// The result of trying the passphrases.
#[derive(Debug)]
pub enum Opened {
    Key(Box<PrivateKey>),
    Locked(EncryptedKey),
}

fn locked(scheme: String, passphrases: &[Vec<u8>]) -> Opened {
    Opened::Locked(EncryptedKey { scheme, tried_passphrases: !passphrases.is_empty() })
}

/// `ENCRYPTED PRIVATE KEY` / DER `EncryptedPrivateKeyInfo`. `Err`: the structure does not decode.
///
/// Decoded with `pkcs8::EncryptedPrivateKeyInfoRef` first; when the crate
/// refuses the bytes (an encryption scheme `pkcs5` does not model, a
/// non-minimal length, …) the lenient reader takes the structure apart and
/// names the scheme.
pub fn pkcs8(bytes: &[u8], passphrases: &[Vec<u8>]) -> Result<Opened, String> {
    use ::der::Decode;
    if let Ok(info) = pkcs8::EncryptedPrivateKeyInfoRef::from_der(bytes) {
        return Ok(open_pbes(&info.encryption_algorithm, info.encrypted_data.as_bytes(), passphrases));
    }
    let seq = der::read_tlv(bytes)?.0.expect(der::SEQUENCE, "EncryptedPrivateKeyInfo")?;
    let mut r = seq.children();
    let alg = r.read_tag(der::SEQUENCE, "encryptionAlgorithm")?;
    let data = r.read_tag(der::OCTET_STRING, "encryptedData")?.content;
    pkcs8_parts(&alg, data, passphrases)
}

fn pkcs8_parts(alg: &Tlv<'_>, data: &[u8], passphrases: &[Vec<u8>]) -> Result<Opened, String> {
    use ::der::Decode;
    let oid = alg.children().read_tag(der::OID, "encryption algorithm OID")?;
    let oid = der::oid_to_string(oid.content);
    match pkcs5::EncryptionScheme::from_der(alg.raw) {
        Ok(scheme) => Ok(open_pbes(&scheme, data, passphrases)),
        Err(_) => {
            let name = match oid.as_str() {
                "1.2.840.113549.1.5.13" => "PBES2 with an unsupported KDF or cipher".to_string(),
                o if o.starts_with("1.2.840.113549.1.12.1.") => format!("PKCS#12 PBE {o}, not supported"),
                o if o.starts_with("1.2.840.113549.1.5.") => format!("PBES1 {o}, not supported"),
                o => format!("{o}, not supported"),
            };
            Ok(Opened::Locked(EncryptedKey { scheme: format!("PKCS#8 {name}"), tried_passphrases: false }))
        }
    }
}

/// Try the passphrases on data encrypted with a decoded scheme (PBES2 only).
fn open_pbes(scheme: &pkcs5::EncryptionScheme, data: &[u8], passphrases: &[Vec<u8>]) -> Opened {
    let Some(params) = scheme.pbes2() else {
        return Opened::Locked(EncryptedKey {
            scheme: format!("PKCS#8 PBES1 {}, not supported", scheme.oid()),
            tried_passphrases: false,
        });
    };
    let (description, affordable) = describe_pbes2(params);
    if !affordable {
        return Opened::Locked(EncryptedKey {
            scheme: format!("{description}, work factor above keymatch's limit"),
            tried_passphrases: false,
        });
    }
    for pass in passphrases {
        let Ok(plain) = scheme.decrypt(pass, data) else { continue };
        if let Ok(key) = super::key::pkcs8(&plain, KeyFormat::Pkcs8Encrypted) {
            return Opened::Key(Box::new(key));
        }
    }
    locked(description, passphrases)
}

/// "PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)" and whether its work factor is within limits.
fn describe_pbes2(p: &pkcs5::pbes2::Parameters) -> (String, bool) {
    use pkcs5::pbes2::{EncryptionScheme as E, Kdf, Pbkdf2Prf as Prf};
    let (kdf, ok) = match &p.kdf {
        Kdf::Pbkdf2(k) => {
            let prf = match k.prf {
                Prf::HmacWithSha1 => "SHA1",
                Prf::HmacWithSha224 => "SHA224",
                Prf::HmacWithSha256 => "SHA256",
                Prf::HmacWithSha384 => "SHA384",
                Prf::HmacWithSha512 => "SHA512",
                _ => "other",
            };
            (format!("PBKDF2-HMAC-{prf}"), k.iteration_count <= MAX_PBKDF2_ITERATIONS)
        }
        Kdf::Scrypt(s) => {
            let mem = 128u64.saturating_mul(u64::from(s.block_size)).saturating_mul(s.cost_parameter);
            let work =
                s.cost_parameter.saturating_mul(u64::from(s.block_size)).saturating_mul(u64::from(s.parallelization));
            ("scrypt".to_string(), mem <= MAX_SCRYPT_MEMORY && work <= MAX_SCRYPT_WORK)
        }
        _ => ("other KDF".to_string(), false),
    };
    let cipher = match p.encryption {
        E::Aes128Cbc { .. } => "AES-128-CBC",
        E::Aes192Cbc { .. } => "AES-192-CBC",
        E::Aes256Cbc { .. } => "AES-256-CBC",
        E::Aes128Gcm { .. } => "AES-128-GCM",
        E::Aes256Gcm { .. } => "AES-256-GCM",
        E::DesEde3Cbc { .. } => "DES-EDE3-CBC",
        _ => "other cipher",
    };
    (format!("PKCS#8 PBES2 ({kdf}, {cipher})"), ok)
}

/// Legacy OpenSSL PEM encryption. `dek_info` is the `DEK-Info` header value
/// ("AES-128-CBC,<hex IV>"); `parse` decodes the plaintext per the block label.
pub fn legacy(
    dek_info: &str,
    ciphertext: &[u8],
    passphrases: &[Vec<u8>],
    parse: &dyn Fn(&[u8]) -> Result<PrivateKey, String>,
) -> Result<Opened, String> {
    let (alg, iv_hex) = dek_info.split_once(',').ok_or("DEK-Info without an IV")?;
    let alg = alg.trim().to_ascii_uppercase();
    let iv = unhex(iv_hex.trim()).ok_or("DEK-Info IV is not hex")?;
    let (key_len, block) = match alg.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        _ => {
            return Ok(Opened::Locked(EncryptedKey {
                scheme: format!("legacy PEM ({alg}, not supported)"),
                tried_passphrases: false,
            }))
        }
    };
    if iv.len() != block {
        return Err(format!("DEK-Info IV of {} bytes for {alg}", iv.len()));
    }
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block) {
        return Err(format!("encrypted key of {} bytes is not a whole number of {alg} blocks", ciphertext.len()));
    }
    let salt = iv.get(..8).ok_or("IV too short")?;
    for pass in passphrases {
        let key = bytes_to_key(pass, salt, key_len);
        let plain = match alg.as_str() {
            "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext),
            "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext),
            "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext),
            _ => cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext),
        };
        let Some(plain) = plain else { continue };
        if let Ok(key) = parse(&plain) {
            return Ok(Opened::Key(Box::new(key)));
        }
    }
    Ok(locked(format!("legacy PEM ({alg})"), passphrases))
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

    #[test]
    fn bytes_to_key_matches_openssl() {
        // openssl enc -aes-128-cbc -k secret -S 0102030405060708 -md md5 -P
        let key = bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8], 16);
        assert_eq!(der::hex(&key), EXPECTED_KEY);
    }

    const EXPECTED_KEY: &str = "c9e5a1bd216dbe1317e230cef48f38ee";

    /// The fixtures' `ENCRYPTED PRIVATE KEY`s decode through the `pkcs8`
    /// crate; the same key with a non-minimal outer length (which it refuses)
    /// opens through the lenient reader, to the same key.
    #[test]
    fn encrypted_pkcs8_crate_path_and_fallback_open_alike() {
        use ::der::Decode;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
        let text = std::fs::read_to_string(dir.join("passphrase.txt")).unwrap();
        let pass = vec![text.lines().next().unwrap().as_bytes().to_vec()];
        for scenario in ["enc-pkcs8-pbkdf2-aes256", "enc-pkcs8-scrypt", "enc-pkcs8-des3"] {
            let bytes = std::fs::read(dir.join(scenario).join("key.pem")).unwrap();
            let (blocks, _) = crate::parse::pem::split(&bytes, 4);
            let der = crate::parse::pem::decode_body(&blocks[0]).unwrap();
            assert!(pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).is_ok(), "{scenario}");
            let Ok(Opened::Key(direct)) = pkcs8(&der, &pass) else { panic!("{scenario}: did not open") };
            let (top, _) = der::read_tlv(&der).unwrap();
            let mut long = vec![der::SEQUENCE, 0x84];
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
