//! Every object identifier keymatch knows, in one place: the RustCrypto
//! database (`const_oid::db`, through `der`) where it has the OID, an
//! `ObjectIdentifier::new_unwrap` constant here where it does not. Nowhere
//! else in `src/` is an OID spelled as a dotted string
//! (`tests/oid_literals.rs` checks it).
//!
//! Items carry OIDs as the dotted text the lenient reader makes of them
//! ([`super::asn1::oid_to_string`]), which is also what messages show for an
//! OID keymatch has no name for; [`parse`] turns that text back into an
//! [`Oid`] to compare it with these constants.

pub(crate) use der::oid::ObjectIdentifier as Oid;

// Public key algorithms and curves (RFC 5912, RFC 8410, RFC 5639, FIPS 204).
pub(crate) use der::oid::db::fips204::{ID_ML_DSA_44, ID_ML_DSA_65, ID_ML_DSA_87};
pub(crate) use der::oid::db::rfc5639::{BRAINPOOL_P_256_R_1, BRAINPOOL_P_384_R_1, BRAINPOOL_P_512_R_1};
pub(crate) use der::oid::db::rfc5912::{
    DHPUBLICNUMBER, ID_DSA, ID_EC_DH, ID_EC_PUBLIC_KEY, ID_MGF_1, ID_RSASSA_PSS, RSA_ENCRYPTION, SECP_224_R_1,
    SECP_256_R_1, SECP_384_R_1, SECP_521_R_1,
};
pub(crate) use der::oid::db::rfc8410::{ID_ED_25519, ID_ED_448, ID_X_25519, ID_X_448};
/// SM2 (GB/T 32918).
pub(crate) const SM2: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// GOST R 34.10-2012 with a 256-bit key (RFC 9215).
pub(crate) const GOST_R3410_2012_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.1");
/// GOST R 34.10-2012 with a 512-bit key (RFC 9215).
pub(crate) const GOST_R3410_2012_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.2");
/// PKCS #3 dhKeyAgreement.
pub(crate) const DH_KEY_AGREEMENT: Oid = Oid::new_unwrap("1.2.840.113549.1.3.1");
/// X9.62 prime-field (explicit EC parameters, RFC 3279 §2.3.5).
pub(crate) const PRIME_FIELD: Oid = Oid::new_unwrap("1.2.840.10045.1.1");
/// X9.62 prime192v1.
pub(crate) const PRIME192V1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.1");
/// SEC 2 secp256k1.
pub(crate) const SECP256K1: Oid = Oid::new_unwrap("1.3.132.0.10");

// Hashes and signature algorithms (RFC 5912, RFC 5758).
#[cfg(test)]
pub(crate) use der::oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION;
pub(crate) use der::oid::db::rfc5912::{ID_SHA_1, ID_SHA_224, ID_SHA_256, ID_SHA_384, ID_SHA_512};
/// ecdsa-with-SHA1 (RFC 3279 §2.2.3).
pub(crate) const ECDSA_WITH_SHA_1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");

// Certificates: extensions and name attributes (RFC 5280, RFC 4519, PKCS #9).
pub(crate) use der::oid::db::rfc2985::PKCS_9_AT_EMAIL_ADDRESS;
pub(crate) use der::oid::db::rfc4519::{
    BUSINESS_CATEGORY, C, CN, DC, GN, L, O, OU, POSTAL_CODE, SERIAL_NUMBER, SN, ST, STREET, TITLE, UID,
};
pub(crate) use der::oid::db::rfc5912::{ID_CE_BASIC_CONSTRAINTS, ID_CE_SUBJECT_ALT_NAME};
/// organizationIdentifier (X.520, ETSI EN 319 412-1).
pub(crate) const ORGANIZATION_IDENTIFIER: Oid = Oid::new_unwrap("2.5.4.97");
/// jurisdictionOfIncorporationCountryName (EV Guidelines).
pub(crate) const JURISDICTION_C: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.60.2.1.3");

// Password-based encryption (RFC 8018, RFC 7292, RFC 7914).
pub(crate) use der::oid::db::rfc5753::{
    ID_HMAC_WITH_SHA_224, ID_HMAC_WITH_SHA_256, ID_HMAC_WITH_SHA_384, ID_HMAC_WITH_SHA_512,
};
pub(crate) use der::oid::db::rfc5911::ID_PBKDF_2;
#[cfg(test)]
pub(crate) use der::oid::db::rfc7292::PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC;
pub(crate) use der::oid::db::rfc7292::PKCS_12_PBE_IDS;
/// pkcs-5 (RFC 8018 §A): the PBES1 schemes are its arcs 1 to 11.
pub(crate) const PKCS_5: Oid = Oid::new_unwrap("1.2.840.113549.1.5");
/// PBES2 (RFC 8018 §A.4).
pub(crate) const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
/// scrypt (RFC 7914 §7).
pub(crate) const SCRYPT: Oid = Oid::new_unwrap("1.3.6.1.4.1.11591.4.11");
/// hmacWithMD5 (RFC 8018 §B.1 lists its siblings; OpenSSL accepts it).
pub(crate) const HMAC_WITH_MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.6");
/// hmacWithSHA1 (RFC 8018 §B.1.1), PBKDF2's default PRF.
pub(crate) const HMAC_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
/// hmacWithSHA512-224 (RFC 8018 §B.1.2).
pub(crate) const HMAC_WITH_SHA512_224: Oid = Oid::new_unwrap("1.2.840.113549.2.12");
/// hmacWithSHA512-256 (RFC 8018 §B.1.2).
pub(crate) const HMAC_WITH_SHA512_256: Oid = Oid::new_unwrap("1.2.840.113549.2.13");

// Ciphers (RFC 5911, NIST CSOR, and the registrations OpenSSL's names come from).
pub(crate) use der::oid::db::rfc5911::{
    DES_EDE_3_CBC, ID_AES_128_CBC, ID_AES_128_GCM, ID_AES_192_CBC, ID_AES_256_CBC, ID_AES_256_GCM, RC_2_CBC,
};
/// AES-128-OFB (NIST CSOR).
pub(crate) const AES_128_OFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.3");
/// AES-128-CFB (NIST CSOR).
pub(crate) const AES_128_CFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.4");
/// AES-192-OFB (NIST CSOR).
pub(crate) const AES_192_OFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.23");
/// AES-192-CFB (NIST CSOR).
pub(crate) const AES_192_CFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.24");
/// AES-256-OFB (NIST CSOR).
pub(crate) const AES_256_OFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.43");
/// AES-256-CFB (NIST CSOR).
pub(crate) const AES_256_CFB: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.44");
/// DES-CBC (OIW).
pub(crate) const DES_CBC: Oid = Oid::new_unwrap("1.3.14.3.2.7");
/// RC5-CBC-Pad (RFC 8018 §B.2.4).
pub(crate) const RC5_CBC_PAD: Oid = Oid::new_unwrap("1.2.840.113549.3.9");
/// Blowfish CBC.
pub(crate) const BF_CBC: Oid = Oid::new_unwrap("1.3.6.1.4.1.3029.1.2");
/// CAST5-CBC (RFC 2144).
pub(crate) const CAST5_CBC: Oid = Oid::new_unwrap("1.2.840.113533.7.66.10");
/// SEED-CBC (RFC 4269).
pub(crate) const SEED_CBC: Oid = Oid::new_unwrap("1.2.410.200004.1.4");
/// IDEA-CBC.
pub(crate) const IDEA_CBC: Oid = Oid::new_unwrap("1.3.6.1.4.1.188.7.1.1.2");
/// Camellia-128-CBC (RFC 3657).
pub(crate) const CAMELLIA_128_CBC: Oid = Oid::new_unwrap("1.2.392.200011.61.1.1.1.2");
/// Camellia-192-CBC (RFC 3657).
pub(crate) const CAMELLIA_192_CBC: Oid = Oid::new_unwrap("1.2.392.200011.61.1.1.1.3");
/// Camellia-256-CBC (RFC 3657).
pub(crate) const CAMELLIA_256_CBC: Oid = Oid::new_unwrap("1.2.392.200011.61.1.1.1.4");
/// ARIA-128-CBC (RFC 5794).
pub(crate) const ARIA_128_CBC: Oid = Oid::new_unwrap("1.2.410.200046.1.1.2");
/// ARIA-192-CBC (RFC 5794).
pub(crate) const ARIA_192_CBC: Oid = Oid::new_unwrap("1.2.410.200046.1.1.7");
/// ARIA-256-CBC (RFC 5794).
pub(crate) const ARIA_256_CBC: Oid = Oid::new_unwrap("1.2.410.200046.1.1.12");
/// SM4-CBC (GB/T 32907).
pub(crate) const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");

/// An OID under the example arc no algorithm uses, for tests of unknown algorithms.
#[cfg(test)]
pub(crate) const UNKNOWN: Oid = Oid::new_unwrap("1.2.3.4");

/// The OID the dotted `text` names (`None` for text no [`Oid`] can hold,
/// which then names none of the constants above).
pub(crate) fn parse(text: &str) -> Option<Oid> {
    Oid::new(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_and_refuses_what_is_not_an_oid() {
        assert_eq!(parse(&RSA_ENCRYPTION.to_string()), Some(RSA_ENCRYPTION));
        assert_eq!(parse(&JURISDICTION_C.to_string()), Some(JURISDICTION_C));
        assert_eq!(parse("not an oid"), None);
        assert_eq!(parse(""), None);
    }
}
