//! X.509 certificate (RFC 5280 §4.1) → [`CertInfo`].
//!
//! Decoded first with `x509_cert::Certificate` ([`decode_strict`]). When it
//! refuses the bytes, the lenient reader in [`super::asn1`] decodes them
//! instead ([`decode_lenient`]): certificates in the wild carry negative or
//! over-long serials, non-minimal lengths, UTCTimes without seconds, duplicate
//! extensions and odd string types that servers load without complaint, and
//! keymatch must not call those malformed. The lenient reader decodes only what
//! keymatch needs and skips the rest structurally; its error is the reason a
//! `malformed` finding gives. Both paths give the same [`CertInfo`] for a
//! certificate both accept (tests compare them on every fixture).
//!
//! Names are displayed by keymatch's own RFC 4514-style writer
//! ([`name_to_string`]) on both paths, so the text never depends on the path.

use super::asn1::strip_leading_zeros;
use super::asn1::{self, Tlv};
use super::error::ParseError;
use super::model::{CertInfo, Unloadable};
use super::oid;
use super::pubkey;
use der::{asn1::AnyRef, Decode, Encode, Header, Reader, SliceReader};
use x509_cert::ext::pkix::{name::GeneralName, BasicConstraints, SubjectAltName};

/// Decode the first DER element of `bytes` as a certificate (for
/// `TRUSTED CERTIFICATE`, what follows it is OpenSSL's trust data, ignored).
///
/// An outer SEQUENCE of BER indefinite length (`30 80 … 00 00`) is read as
/// the DER it stands for: OpenSSL reads such a certificate, and serves it
/// re-encoded in DER, so every server tried loads it and clients see DER.
/// (Indefinite lengths inside are still refused: OpenSSL would verify the
/// signature over the BER tbsCertificate, which fails.)
pub(crate) fn decode(bytes: &[u8]) -> Result<CertInfo, ParseError> {
    let definite;
    let bytes = match outer_indefinite_to_der(bytes)? {
        Some(der) => {
            definite = der;
            &definite
        }
        None => bytes,
    };
    let mut cert = decode_strict(bytes).map_or_else(|| decode_lenient(bytes), Ok)?;
    if cert.unloadable.is_none() && spki_point_hybrid_parity_wrong(bytes) {
        cert.unloadable = Some(Unloadable::HybridParity { what: "certificate's public key" });
    }
    Ok(cert)
}

/// `30 80 <elements> 00 00 …` → `30 <definite length> <elements>`; `None` when
/// the outer SEQUENCE is not of indefinite length.
fn outer_indefinite_to_der(bytes: &[u8]) -> Result<Option<Vec<u8>>, ParseError> {
    let Some(inner) = bytes.strip_prefix(&[asn1::SEQUENCE, 0x80]) else {
        return Ok(None);
    };
    let mut rest = inner;
    while !rest.starts_with(&[0, 0]) {
        if rest.is_empty() {
            return Err("indefinite-length Certificate without end-of-contents".into());
        }
        rest = asn1::read_tlv(rest)?.1;
    }
    let content = inner.get(..inner.len() - rest.len()).ok_or("truncated")?;
    let mut out = Vec::with_capacity(content.len() + 6);
    asn1::write_tlv(&mut out, asn1::SEQUENCE, content);
    Ok(Some(out))
}

/// Is the certificate's subjectPublicKey an EC point in hybrid form with the wrong parity bit?
fn spki_point_hybrid_parity_wrong(cert: &[u8]) -> bool {
    let spki_bits = || -> Option<&[u8]> {
        let (c, _) = asn1::read_tlv(cert).ok()?;
        let tbs = c.children().read().ok()?;
        let mut t = tbs.children();
        if t.peek_tag() == Some(0xa0) {
            t.read().ok()?;
        }
        for _ in 0..5 {
            t.read().ok()?;
        }
        let spki = t.read().ok()?;
        let mut r = spki.children();
        let alg = r.read().ok()?;
        let oid = alg.children().read_tag(asn1::OID, "algorithm").ok()?;
        if asn1::oid(oid.content) != Some(oid::ID_EC_PUBLIC_KEY) {
            return None;
        }
        r.read().ok()?.bit_string_bytes().ok()
    };
    spki_bits().is_some_and(pubkey::hybrid_parity_wrong)
}

/// The certificate through `x509_cert`; `None` when the crate refuses the
/// bytes, or something inside does not decode (the lenient reader then
/// decides, with its reason).
pub(crate) fn decode_strict(bytes: &[u8]) -> Option<CertInfo> {
    let mut reader = SliceReader::new(bytes).ok()?;
    let cert = x509_cert::Certificate::decode(&mut reader).ok()?;
    let cert_der = bytes.get(..usize::try_from(reader.position()).ok()?)?;
    // tbsCertificate exactly as stored (what the issuer signed), never re-encoded.
    let mut r = SliceReader::new(cert_der).ok()?;
    Header::decode(&mut r).ok()?;
    let start = usize::try_from(r.position()).ok()?;
    AnyRef::decode(&mut r).ok()?;
    let tbs_der = cert_der.get(start..usize::try_from(r.position()).ok()?)?;

    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info();
    let public_key = pubkey::spki_parts(
        &spki.algorithm.oid,
        spki.algorithm.parameters.as_ref().map(AnyRef::from).as_ref(),
        spki.subject_public_key.as_bytes()?,
    )?;
    let is_ca = tbs.get_extension::<BasicConstraints>().ok()?.is_some_and(|(_, bc)| bc.ca);
    let dns_names = match tbs.get_extension::<SubjectAltName>().ok()? {
        None => Vec::new(),
        Some((_, san)) => san
            .0
            .iter()
            .filter_map(|gn| match gn {
                GeneralName::DnsName(name) => Some(name.as_str().to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
    };
    let seconds = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).ok();
    let subject_der = tbs.subject().to_der().ok()?;
    let issuer_der = tbs.issuer().to_der().ok()?;
    let serial = strip_leading_zeros(tbs.serial_number().as_bytes());
    let sig_alg = cert.signature_algorithm();
    Some(CertInfo {
        public_key,
        subject: name_to_string(&asn1::read_tlv(&subject_der).ok()?.0),
        issuer: name_to_string(&asn1::read_tlv(&issuer_der).ok()?.0),
        subject_der,
        issuer_der,
        not_before: seconds(tbs.validity().not_before)?,
        not_after: seconds(tbs.validity().not_after)?,
        is_ca,
        dns_names,
        serial: if serial.is_empty() { "00".to_string() } else { asn1::hex(serial) },
        tbs_der: tbs_der.to_vec(),
        signature_algorithm: sig_alg.oid.to_string(),
        signature_params_der: match &sig_alg.parameters {
            Some(p) => Some(p.to_der().ok()?),
            None => None,
        },
        signature: cert.signature().raw_bytes().to_vec(),
        cert_sha256: {
            use sha2::{Digest, Sha256};
            asn1::hex(&Sha256::digest(cert_der))
        },
        unloadable: None,
    })
}

/// The certificate with the lenient reader (the fallback).
pub(crate) fn decode_lenient(bytes: &[u8]) -> Result<CertInfo, ParseError> {
    let (cert, _trailing) = asn1::read_tlv(bytes)?;
    decode_tlv(&cert)
}

pub(crate) fn decode_tlv(cert: &Tlv<'_>) -> Result<CertInfo, ParseError> {
    let cert = cert.expect(asn1::SEQUENCE, "Certificate")?;
    let mut r = cert.children();
    let tbs = r.read_tag(asn1::SEQUENCE, "tbsCertificate")?;
    let sig_alg = r.read_tag(asn1::SEQUENCE, "signatureAlgorithm")?;
    let sig = r.read_tag(asn1::BIT_STRING, "signatureValue")?;
    let signature = sig.content.get(1..).ok_or("empty signature")?.to_vec();
    let mut sr = sig_alg.children();
    let sig_oid = sr.read_tag(asn1::OID, "signature algorithm OID")?;
    let signature_params_der = if sr.is_empty() { None } else { Some(sr.read()?.raw.to_vec()) };

    let mut t = tbs.children();
    if t.peek_tag() == Some(0xa0) {
        t.read()?;
    }
    let serial = t.read_tag(asn1::INTEGER, "serialNumber")?;
    let _sig_inner = t.read_tag(asn1::SEQUENCE, "tbsCertificate signature")?;
    let issuer = t.read_tag(asn1::SEQUENCE, "issuer")?;
    let validity = t.read_tag(asn1::SEQUENCE, "validity")?;
    let subject = t.read_tag(asn1::SEQUENCE, "subject")?;
    let spki = t.read_tag(asn1::SEQUENCE, "subjectPublicKeyInfo")?;
    let mut is_ca = false;
    let mut dns_names = Vec::new();
    while !t.is_empty() {
        let el = t.read()?;
        if el.tag == 0xa3 {
            let exts = el.children().read_tag(asn1::SEQUENCE, "extensions")?;
            read_extensions(&exts, &mut is_ca, &mut dns_names)?;
        }
    }

    let mut vr = validity.children();
    let not_before = time(&vr.read()?).map_err(|e| format!("notBefore: {e}"))?;
    let not_after = time(&vr.read()?).map_err(|e| format!("notAfter: {e}"))?;
    let public_key = pubkey::decode_spki_tlv(&spki).map_err(|e| format!("subject public key: {e}"))?;

    let serial_mag = strip_leading_zeros(serial.content);
    let serial = if serial_mag.is_empty() { "00".to_string() } else { asn1::hex(serial_mag) };
    Ok(CertInfo {
        public_key,
        subject: name_to_string(&subject),
        issuer: name_to_string(&issuer),
        subject_der: subject.raw.to_vec(),
        issuer_der: issuer.raw.to_vec(),
        not_before,
        not_after,
        is_ca,
        dns_names,
        serial,
        tbs_der: tbs.raw.to_vec(),
        signature_algorithm: asn1::oid_to_string(sig_oid.content),
        signature_params_der,
        signature,
        cert_sha256: {
            use sha2::{Digest, Sha256};
            asn1::hex(&Sha256::digest(cert.raw))
        },
        unloadable: None,
    })
}

fn read_extensions(exts: &Tlv<'_>, is_ca: &mut bool, dns: &mut Vec<String>) -> Result<(), ParseError> {
    let mut r = exts.children();
    while !r.is_empty() {
        let ext = r.read_tag(asn1::SEQUENCE, "extension")?;
        let mut er = ext.children();
        let ext_oid = asn1::oid(er.read_tag(asn1::OID, "extension OID")?.content);
        er.read_optional(asn1::BOOLEAN)?;
        let value = er.read_tag(asn1::OCTET_STRING, "extension value")?;
        match ext_oid {
            Some(oid::ID_CE_BASIC_CONSTRAINTS) => {
                // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }
                let (bc, _) = asn1::read_tlv(value.content)?;
                if let Some(ca) = bc.children().read_optional(asn1::BOOLEAN)? {
                    *is_ca = ca.content.first().is_some_and(|&b| b != 0);
                }
            }
            Some(oid::ID_CE_SUBJECT_ALT_NAME) => {
                let (names, _) = asn1::read_tlv(value.content)?;
                let mut nr = names.children();
                while !nr.is_empty() {
                    let gn = nr.read()?;
                    if gn.tag == 0x82 {
                        dns.push(String::from_utf8_lossy(gn.content).to_ascii_lowercase());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// UTCTime / GeneralizedTime → Unix seconds (RFC 5280 §4.1.2.5; lenient about
/// missing seconds, fractions and offsets).
fn time(t: &Tlv<'_>) -> Result<i64, ParseError> {
    let s = std::str::from_utf8(t.content).map_err(|_| "time is not ASCII".to_string())?;
    let (year, rest) = match t.tag {
        asn1::UTC_TIME => {
            let yy: i64 = num(s.get(0..2))?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, s.get(2..).unwrap_or(""))
        }
        asn1::GENERALIZED_TIME => (num(s.get(0..4))?, s.get(4..).unwrap_or("")),
        other => return Err(format!("expected a time, found {}", asn1::tag_name(other)).into()),
    };
    let month = num(rest.get(0..2))?;
    let day = num(rest.get(2..4))?;
    let hour = num(rest.get(4..6))?;
    let minute = num(rest.get(6..8))?;
    let mut tail = rest.get(8..).unwrap_or("");
    let second = match tail.get(0..2) {
        Some(sec) if sec.bytes().all(|b| b.is_ascii_digit()) => {
            tail = tail.get(2..).unwrap_or("");
            num(Some(sec))?
        }
        _ => 0,
    };
    if let Some(frac) = tail.strip_prefix('.').or_else(|| tail.strip_prefix(',')) {
        tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match tail {
        "Z" | "" => 0,
        _ => {
            let sign = match tail.get(0..1) {
                Some("+") => 1,
                Some("-") => -1,
                _ => return Err(format!("bad time zone in '{s}'").into()),
            };
            let oh: i64 = num(tail.get(1..3))?;
            let om: i64 = num(tail.get(3..5))?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let invalid = || format!("invalid time '{s}'");
    // The date through `time` (a day the month does not have is refused); the
    // clock leniently (24:00 and a leap second are read as such).
    let month = u8::try_from(month).ok().and_then(|m| time::Month::try_from(m).ok()).ok_or_else(invalid)?;
    let day = u8::try_from(day).map_err(|_| invalid())?;
    let date = time::Date::from_calendar_date(i32::try_from(year).map_err(|_| invalid())?, month, day)
        .map_err(|_| invalid())?;
    if hour > 24 || minute > 59 || second > 60 {
        return Err(invalid().into());
    }
    let days = i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY);
    Ok(days * 86400 + hour * 3600 + minute * 60 + second - offset)
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

fn num(s: Option<&str>) -> Result<i64, ParseError> {
    let s = s.ok_or("time too short")?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not a number").into());
    }
    s.parse().map_err(|_| ParseError::Invalid(format!("'{s}' is not a number")))
}

fn attr_short_name(attr: &str) -> Option<&'static str> {
    let oid = oid::parse(attr)?;
    ATTRIBUTE_NAMES.iter().find(|(known, _)| *known == oid).map(|(_, name)| *name)
}

/// The short names of the attribute types names are made of, as OpenSSL prints them.
const ATTRIBUTE_NAMES: &[(oid::Oid, &str)] = &[
    (oid::CN, "CN"),
    (oid::C, "C"),
    (oid::L, "L"),
    (oid::ST, "ST"),
    (oid::STREET, "STREET"),
    (oid::O, "O"),
    (oid::OU, "OU"),
    (oid::SERIAL_NUMBER, "serialNumber"),
    (oid::SN, "SN"),
    (oid::GN, "GN"),
    (oid::TITLE, "title"),
    (oid::BUSINESS_CATEGORY, "businessCategory"),
    (oid::POSTAL_CODE, "postalCode"),
    (oid::ORGANIZATION_IDENTIFIER, "organizationIdentifier"),
    (oid::DC, "DC"),
    (oid::UID, "UID"),
    (oid::PKCS_9_AT_EMAIL_ADDRESS, "emailAddress"),
    (oid::JURISDICTION_C, "jurisdictionC"),
];

/// The short name of an attribute type from its OID's content bytes: a known type in its
/// (minimal) DER encoding is matched on the bytes, without making and re-reading its dotted
/// text; any other encoding goes through [`attr_short_name`], as before.
fn attr_short_name_der(content: &[u8]) -> Option<&'static str> {
    ATTRIBUTE_NAMES.iter().find(|(known, _)| known.as_bytes() == content).map(|(_, name)| *name)
}

/// RFC 4514-style display: RDNs last-to-first, `+` inside multi-valued RDNs,
/// special characters escaped; unknown attribute types as dotted OIDs and
/// values that are not strings as `#hex`.
pub(crate) fn name_to_string(name: &Tlv<'_>) -> String {
    let mut rdns: Vec<String> = Vec::new();
    let mut r = name.children();
    while let Ok(rdn) = r.read() {
        let mut text = String::new();
        let mut ar = rdn.children();
        while let Ok(atv) = ar.read() {
            let mut vr = atv.children();
            let (Ok(oid), Ok(value)) = (vr.read(), vr.read()) else { continue };
            if !text.is_empty() {
                text.push('+');
            }
            match attr_short_name_der(oid.content) {
                Some(name) => text.push_str(name),
                None => {
                    let attr = asn1::oid_to_string(oid.content);
                    text.push_str(attr_short_name(&attr).unwrap_or(&attr));
                }
            }
            text.push('=');
            match string_value(&value) {
                Some(s) => text.push_str(&escape(&s)),
                None => {
                    text.push('#');
                    text.push_str(&asn1::hex(value.raw));
                }
            }
        }
        rdns.push(text);
    }
    rdns.reverse();
    rdns.join(",")
}

fn string_value(v: &Tlv<'_>) -> Option<String> {
    match v.tag {
        asn1::UTF8_STRING | asn1::PRINTABLE_STRING | asn1::IA5_STRING | 0x1a | 0x12 => {
            Some(String::from_utf8_lossy(v.content).into_owned())
        }
        asn1::TELETEX_STRING => Some(v.content.iter().map(|&b| char::from(b)).collect()),
        asn1::BMP_STRING => {
            let units: Vec<u16> = v
                .content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        asn1::UNIVERSAL_STRING => Some(
            v.content
                .chunks(4)
                .map(|c| {
                    let mut b = [0u8; 4];
                    for (d, s) in b.iter_mut().zip(c) {
                        *d = *s;
                    }
                    char::from_u32(u32::from_be_bytes(b)).unwrap_or('\u{fffd}')
                })
                .collect(),
        ),
        _ => None,
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let last = s.chars().count().saturating_sub(1);
    for (i, c) in s.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c if c.is_control() => out.push_str(&format!("\\{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_by_bytes_equal_those_by_dotted_text() {
        for (oid, name) in ATTRIBUTE_NAMES {
            assert_eq!(attr_short_name_der(oid.as_bytes()), Some(*name));
            assert_eq!(attr_short_name(&asn1::oid_to_string(oid.as_bytes())), Some(*name));
        }
        // CN (2.5.4.3) with a non-minimal arc (0x80 0x03): not matched on the bytes, still a CN by its text.
        assert_eq!(attr_short_name_der(&[0x55, 0x04, 0x80, 0x03]), None);
        assert_eq!(attr_short_name(&asn1::oid_to_string(&[0x55, 0x04, 0x80, 0x03])), Some("CN"));
        assert_eq!(attr_short_name_der(super::oid::RSA_ENCRYPTION.as_bytes()), None);
    }

    #[test]
    fn times_decode_to_unix_seconds() {
        let utc = asn1::tlv(asn1::UTC_TIME, b"250101000000Z");
        assert_eq!(time(&asn1::read_tlv(&utc).unwrap().0).unwrap(), 1_735_689_600);
        let gen = asn1::tlv(asn1::GENERALIZED_TIME, b"21241208000000Z");
        assert_eq!(time(&asn1::read_tlv(&gen).unwrap().0).unwrap(), 4_889_289_600);
        let old = asn1::tlv(asn1::UTC_TIME, b"700101000000Z");
        assert_eq!(time(&asn1::read_tlv(&old).unwrap().0).unwrap(), 0);
        let bad = asn1::tlv(asn1::UTC_TIME, b"25x101000000Z");
        assert!(time(&asn1::read_tlv(&bad).unwrap().0).is_err());
        // Days a month does not have are refused (the hand calendar took 31 February).
        for day in
            ["250231000000Z", "250431000000Z", "250229000000Z", "250001000000Z", "251301000000Z", "250100000000Z"]
        {
            let t = asn1::tlv(asn1::UTC_TIME, day.as_bytes());
            assert!(time(&asn1::read_tlv(&t).unwrap().0).is_err(), "{day}");
        }
        let leap = asn1::tlv(asn1::GENERALIZED_TIME, b"20240229000000Z");
        assert_eq!(time(&asn1::read_tlv(&leap).unwrap().0).unwrap(), 1_709_164_800);
        let end_of_day = asn1::tlv(asn1::UTC_TIME, b"241231240000Z");
        assert_eq!(time(&asn1::read_tlv(&end_of_day).unwrap().0).unwrap(), 1_735_689_600);
    }

    /// A real certificate re-encoded with a negative serial and non-minimal
    /// lengths (both seen in the wild; strict decoders refuse them).
    #[test]
    fn negative_serial_and_non_minimal_lengths_still_decode() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/rsa2048-pkcs1-der/cert.der");
        let original = std::fs::read(path).unwrap();
        let base = decode(&original).unwrap();
        assert!(decode_strict(&original).is_some(), "x509-cert takes the original");
        let (cert, _) = asn1::read_tlv(&original).unwrap();
        let parts = cert.elements().unwrap();
        let tbs_parts = parts[0].elements().unwrap();
        let serial_at = usize::from(tbs_parts[0].tag == 0xa0);
        let mut tbs = Vec::new();
        for (i, el) in tbs_parts.iter().enumerate() {
            if i == serial_at {
                tbs.extend_from_slice(&[asn1::INTEGER, 0x02, 0xff, 0x7f]);
            } else {
                tbs.extend_from_slice(el.raw);
            }
        }
        let long_form = |tag: u8, content: &[u8]| {
            let mut v = vec![tag, 0x84];
            v.extend_from_slice(&(content.len() as u32).to_be_bytes());
            v.extend_from_slice(content);
            v
        };
        let mut body = long_form(asn1::SEQUENCE, &tbs);
        body.extend_from_slice(parts[1].raw);
        body.extend_from_slice(parts[2].raw);
        let odd = long_form(asn1::SEQUENCE, &body);
        assert!(decode_strict(&odd).is_none(), "x509-cert refuses it");
        let c = decode(&odd).unwrap();
        assert_eq!(c.serial, "ff7f");
        assert_eq!(c.public_key, base.public_key);
        assert_eq!((c.not_before, c.not_after, &c.subject), (base.not_before, base.not_after, &base.subject));
        assert_ne!(c.cert_sha256, base.cert_sha256);
    }

    /// Every field of a [`CertInfo`], for comparing the two paths.
    fn fields(c: &CertInfo) -> String {
        format!(
            "{:?} {:?} {} {} {:?} {:?} {} {} {} {:?} {} {} {:?} {:?} {} {:?}",
            c.public_key,
            c.public_key.fingerprint(),
            c.subject,
            c.issuer,
            c.subject_der,
            c.issuer_der,
            c.not_before,
            c.not_after,
            c.is_ca,
            c.dns_names,
            c.serial,
            asn1::hex(&c.tbs_der),
            c.signature_algorithm,
            c.signature_params_der,
            asn1::hex(&c.signature),
            c.cert_sha256,
        )
    }

    /// Every certificate among the fixtures (check, servers, trees, ca): DER of each.
    fn fixture_certificates() -> Vec<(String, Vec<u8>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name().into_iter().filter_map(Result::ok) {
            let path = entry.path();
            let name = path.display().to_string();
            let Ok(bytes) = std::fs::read(path) else { continue };
            if name.ends_with(".der") {
                out.push((name, bytes));
                continue;
            }
            let (blocks, _) = crate::parse::pem::split(&bytes, 64);
            for b in
                blocks.iter().filter(|b| b.complete && b.label.contains("CERTIFICATE") && !b.label.contains("REQUEST"))
            {
                if let Ok(body) = crate::parse::pem::decode_body(b) {
                    out.push((format!("{name} line {}", b.line), body));
                }
            }
        }
        out
    }

    /// The fixtures' certificates decode through x509-cert, to exactly what
    /// the lenient reader gives them.
    #[test]
    fn fixture_certificates_take_the_crate_path_and_agree_with_the_lenient_reader() {
        let certs = fixture_certificates();
        let mut compared = 0;
        for (name, der) in &certs {
            let Ok(lenient) = decode_lenient(der) else { continue };
            let strict = decode_strict(der).unwrap_or_else(|| panic!("{name}: x509-cert refused it"));
            assert_eq!(fields(&strict), fields(&lenient), "{name}");
            compared += 1;
        }
        assert!(compared >= 50, "only {compared} certificates among the fixtures");
    }

    #[test]
    fn names_escape_specials() {
        assert_eq!(escape("a,b"), "a\\,b");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape("#1"), "\\#1");
    }
}
