//! A small, lenient DER reader (X.690), plus telling bare DER objects apart by
//! their structure.
//!
//! The primary decoders are the RustCrypto crates (`x509-cert`, `spki`,
//! `pkcs1`, `pkcs8`, `sec1`); this reader is the documented fallback for what
//! they refuse, and the classifier for bare DER files (which structure is it?).
//! Lenient on purpose: real certificates carry non-minimal lengths, negative
//! serials and other small sins that strict decoders refuse. The reader only
//! checks what it needs to walk the structure safely (every length within its
//! parent), never panics, and never copies the input.

/// Universal tags used here.
use super::error::ParseError;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const TELETEX_STRING: u8 = 0x14;
pub(crate) const IA5_STRING: u8 = 0x16;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const UNIVERSAL_STRING: u8 = 0x1c;
pub(crate) const BMP_STRING: u8 = 0x1e;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// Nesting deeper than this is refused (no real certificate comes close).
const MAX_DEPTH: usize = 64;

/// One tag-length-value. `tag` is the identifier octet (0xff for multi-byte
/// tags, which keymatch never needs to interpret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// The whole encoding: identifier, length and content.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The elements of a constructed value.
    pub(crate) fn children(&self) -> Reader<'a> {
        Reader::new(self.content)
    }

    /// All elements of a constructed value, or an error if any does not decode.
    #[cfg(test)]
    pub(crate) fn elements(&self) -> Result<Vec<Tlv<'a>>, ParseError> {
        let mut r = self.children();
        let mut out = Vec::new();
        while !r.is_empty() {
            out.push(r.read()?);
        }
        Ok(out)
    }

    pub(crate) fn expect(self, tag: u8, what: &str) -> Result<Tlv<'a>, ParseError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(ParseError::Unexpected {
                what: Some(what.to_string()),
                expected: tag_name(tag),
                found: tag_name(self.tag),
            })
        }
    }

    /// An INTEGER's magnitude without leading zero bytes (the sign is ignored:
    /// keymatch reads only non-negative numbers, and serials are shown as encoded).
    pub(crate) fn uint(&self) -> Result<&'a [u8], ParseError> {
        if self.tag != INTEGER {
            return Err(ParseError::Unexpected { what: None, expected: tag_name(INTEGER), found: tag_name(self.tag) });
        }
        Ok(strip_leading_zeros(self.content))
    }

    /// A small non-negative INTEGER (versions, counts).
    pub(crate) fn small_uint(&self) -> Result<u64, ParseError> {
        let m = self.uint()?;
        if self.content.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(ParseError::NegativeInteger);
        }
        if m.len() > 8 {
            return Err(ParseError::IntegerTooLarge);
        }
        Ok(m.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A BIT STRING's bytes (the unused-bits count must be 0 for keys and signatures).
    pub(crate) fn bit_string_bytes(&self) -> Result<&'a [u8], ParseError> {
        if self.tag != BIT_STRING {
            return Err(ParseError::Unexpected {
                what: None,
                expected: tag_name(BIT_STRING),
                found: tag_name(self.tag),
            });
        }
        match self.content.split_first() {
            Some((0, rest)) => Ok(rest),
            Some(_) => Err(ParseError::BitStringUnusedBits),
            None => Err(ParseError::EmptyBitString),
        }
    }
}

/// Reads consecutive TLVs from a slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    pub(crate) fn read(&mut self) -> Result<Tlv<'a>, ParseError> {
        let (tlv, rest) = read_tlv(self.rest)?;
        self.rest = rest;
        Ok(tlv)
    }

    /// Read the next element, which must have `tag`.
    pub(crate) fn read_tag(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, ParseError> {
        if self.is_empty() {
            return Err(ParseError::Missing { what: what.to_string() });
        }
        self.read()?.expect(tag, what)
    }

    /// Read the next element if it has `tag`.
    pub(crate) fn read_optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, ParseError> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Decode one TLV at the start of `bytes`; returns it and what follows.
pub(crate) fn read_tlv(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8]), ParseError> {
    let (&first, mut rest) = bytes.split_first().ok_or("unexpected end of data")?;
    let mut tag = first;
    if first & 0x1f == 0x1f {
        // High tag number form: skip the tag number octets.
        loop {
            let (&b, r) = rest.split_first().ok_or("truncated tag")?;
            rest = r;
            if b & 0x80 == 0 {
                break;
            }
        }
        tag = 0xff;
    }
    let (&len0, r) = rest.split_first().ok_or("truncated length")?;
    rest = r;
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else if len0 == 0x80 {
        return Err(ParseError::IndefiniteLength);
    } else {
        let n = usize::from(len0 & 0x7f);
        if n > 4 {
            return Err(ParseError::LengthTooLarge);
        }
        let (len_bytes, r) = split_at(rest, n).ok_or("truncated length")?;
        rest = r;
        len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (content, after) = split_at(rest, len).ok_or_else(|| ParseError::Truncated {
        tag: tag_name(tag),
        declared: len,
        present: rest.len(),
    })?;
    let header_len = bytes.len() - rest.len();
    let raw = bytes.get(..header_len + len).ok_or("truncated")?;
    Ok((Tlv { tag, content, raw }, after))
}

fn split_at(b: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    if n <= b.len() {
        Some(b.split_at(n))
    } else {
        None
    }
}

/// Walk a whole DER tree (every constructed element), refusing anything that
/// does not nest properly. Used to check a structure fully decodes.
pub(crate) fn check_tree(tlv: &Tlv<'_>) -> Result<(), ParseError> {
    fn walk(t: &Tlv<'_>, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        if t.tag & 0x20 != 0 && t.tag != 0xff {
            let mut r = t.children();
            while !r.is_empty() {
                walk(&r.read()?, depth + 1)?;
            }
        }
        Ok(())
    }
    walk(tlv, 0)
}

pub(crate) fn tag_name(tag: u8) -> String {
    match tag {
        BOOLEAN => "BOOLEAN".into(),
        INTEGER => "INTEGER".into(),
        BIT_STRING => "BIT STRING".into(),
        OCTET_STRING => "OCTET STRING".into(),
        NULL => "NULL".into(),
        OID => "OBJECT IDENTIFIER".into(),
        SEQUENCE => "SEQUENCE".into(),
        SET => "SET".into(),
        UTC_TIME => "UTCTime".into(),
        GENERALIZED_TIME => "GeneralizedTime".into(),
        t if t & 0xc0 == 0x80 => format!("[{}]", t & 0x1f),
        t => format!("tag 0x{t:02x}"),
    }
}

/// Dotted form of an OBJECT IDENTIFIER's content octets.
/// The OID of an OBJECT IDENTIFIER's content, when [`oid_to_string`] makes an OID of it that
/// an [`Oid`](super::oid::Oid) can hold.
pub(crate) fn oid(content: &[u8]) -> Option<super::oid::Oid> {
    super::oid::parse(&oid_to_string(content))
}

pub(crate) fn oid_to_string(content: &[u8]) -> String {
    let mut out = String::new();
    let mut value: u128 = 0;
    let mut first = true;
    for &b in content {
        if value > (u128::MAX >> 8) {
            return format!("invalid OID {}", hex(content));
        }
        value = (value << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, rest) = match value {
                    0..=39 => (0, value),
                    40..=79 => (1, value - 40),
                    _ => (2, value - 80),
                };
                out.push_str(&format!("{a}.{rest}"));
                first = false;
            } else {
                out.push_str(&format!(".{value}"));
            }
            value = 0;
        }
    }
    if out.is_empty() {
        return "empty OID".into();
    }
    out
}

/// Lower-case hex (serials, fingerprints, unknown attribute values): the
/// crate's one hex encoder.
pub(crate) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

// ---- writers (re-encoding an indefinite-length certificate; in tests, building
// odd DER; the canonical SPKI is written with `spki` + `der`) ----

/// Append one TLV, its length in the minimal definite form.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let used = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | used.len() as u8);
        out.extend_from_slice(used);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut v, tag, content);
    v
}

#[cfg(test)]
/// A non-negative INTEGER from a big-endian magnitude (minimal encoding).
pub(crate) fn write_uint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let m = strip_leading_zeros(magnitude);
    let mut content = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(m);
    write_tlv(out, INTEGER, &content);
}

/// What a bare DER object is, told by structure alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DerKind {
    Certificate,
    CertificateRequest,
    Crl,
    Pkcs8,
    EncryptedPkcs8,
    Pkcs1Private,
    Sec1,
    /// `DSAPrivateKey` (OpenSSL's traditional DSA form: version 0, p, q, g, y, x).
    DsaPrivate,
    Spki,
    Pkcs1Public,
}

/// Classify a top-level SEQUENCE by its shape. `None`: none of the known objects.
pub(crate) fn classify(top: &Tlv<'_>) -> Option<DerKind> {
    if top.tag != SEQUENCE {
        return None;
    }
    let mut r = top.children();
    let mut el = Vec::with_capacity(4);
    while !r.is_empty() && el.len() < 12 {
        el.push(r.read().ok()?);
    }
    let tags: Vec<u8> = el.iter().map(|t| t.tag).collect();
    let is_alg_id = |t: &Tlv<'_>| t.tag == SEQUENCE && t.children().peek_tag() == Some(OID);
    match tags.as_slice() {
        // Signed objects: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
        [SEQUENCE, SEQUENCE, BIT_STRING] if el.get(1).is_some_and(is_alg_id) => {
            let tbs = el.first()?;
            let mut tr = tbs.children();
            let mut t = Vec::with_capacity(6);
            while !tr.is_empty() && t.len() < 6 {
                t.push(tr.read().ok()?.tag);
            }
            let is_time = |x: &u8| *x == UTC_TIME || *x == GENERALIZED_TIME;
            match t.as_slice() {
                [0xa0, INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, ..] => Some(DerKind::Certificate),
                [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, ..] => Some(DerKind::Certificate),
                [INTEGER, SEQUENCE, SEQUENCE, 0xa0, ..] => Some(DerKind::CertificateRequest),
                [INTEGER, SEQUENCE, SEQUENCE, x, ..] if is_time(x) => Some(DerKind::Crl),
                [SEQUENCE, SEQUENCE, x, ..] if is_time(x) => Some(DerKind::Crl),
                _ => None,
            }
        }
        [INTEGER, SEQUENCE, OCTET_STRING, ..] if el.get(1).is_some_and(is_alg_id) => {
            let v = el.first()?.small_uint().ok()?;
            (v <= 1).then_some(DerKind::Pkcs8)
        }
        [SEQUENCE, OCTET_STRING] if el.first().is_some_and(is_alg_id) => Some(DerKind::EncryptedPkcs8),
        [SEQUENCE, BIT_STRING] if el.first().is_some_and(is_alg_id) => Some(DerKind::Spki),
        [INTEGER, OCTET_STRING, ..] => {
            let v = el.first()?.small_uint().ok()?;
            let rest_ok = tags.iter().skip(2).all(|&t| t == 0xa0 || t == 0xa1);
            (v == 1 && rest_ok && tags.len() <= 4).then_some(DerKind::Sec1)
        }
        [INTEGER, INTEGER] => {
            // RSAPublicKey; demand a plausible modulus so an ECDSA signature
            // (also two INTEGERs) is not taken for a key.
            let n = el.first()?.uint().ok()?;
            let e = el.get(1)?.uint().ok()?;
            let plausible = bit_len(n) >= 768 && e.last().is_some_and(|b| b & 1 == 1) && e.len() <= 64;
            plausible.then_some(DerKind::Pkcs1Public)
        }
        [INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER] => {
            // DSAPrivateKey; demand a plausible p so that no other six INTEGERs pass.
            let p = el.get(1)?.uint().ok()?;
            (el.first()?.small_uint().ok()? == 0 && bit_len(p) >= 512).then_some(DerKind::DsaPrivate)
        }
        t if t.len() >= 9 && t.iter().take(9).all(|&x| x == INTEGER) => {
            let v = el.first()?.small_uint().ok()?;
            (v <= 1).then_some(DerKind::Pkcs1Private)
        }
        _ => None,
    }
}

/// Number of significant bits of a big-endian magnitude.
pub(crate) fn bit_len(be: &[u8]) -> usize {
    let be = strip_leading_zeros(be);
    match be.first() {
        None => 0,
        Some(&b) => (be.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

/// A big-endian magnitude without its leading zero bytes.
pub(crate) fn strip_leading_zeros(be: &[u8]) -> &[u8] {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    &be[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_long_and_non_minimal_lengths() {
        let (t, rest) = read_tlv(&[0x04, 0x81, 0x02, 0xaa, 0xbb, 0xcc]).unwrap();
        assert_eq!(t.content, &[0xaa, 0xbb]);
        assert_eq!(rest, &[0xcc]);
        assert!(read_tlv(&[0x30, 0x05, 0x01]).is_err());
        assert!(read_tlv(&[0x30, 0x80, 0x00, 0x00]).is_err());
        assert!(read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read_tlv(&[]).is_err());
    }

    #[test]
    fn oid_dotted() {
        use super::super::oid;
        let sha256_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        assert_eq!(oid_to_string(&sha256_rsa), oid::SHA_256_WITH_RSA_ENCRYPTION.to_string());
        assert_eq!(oid_to_string(&[0x2b, 0x65, 0x70]), oid::ID_ED_25519.to_string());
        assert_eq!(super::oid(&sha256_rsa), Some(oid::SHA_256_WITH_RSA_ENCRYPTION));
        // Both bytes agree with the DER the `der` crate writes.
        assert_eq!(oid::ID_ED_25519.as_bytes(), &[0x2b, 0x65, 0x70]);
    }

    #[test]
    fn writes_integers_minimally() {
        let mut v = Vec::new();
        write_uint(&mut v, &[0, 0, 0x80]);
        assert_eq!(v, [0x02, 0x02, 0x00, 0x80]);
        let mut v = Vec::new();
        write_uint(&mut v, &[]);
        assert_eq!(v, [0x02, 0x01, 0x00]);
        let big = tlv(OCTET_STRING, &[7u8; 300]);
        assert_eq!(&big[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
