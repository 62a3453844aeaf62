//! [`ParseError`]: why bytes that claim to be a certificate or a key do not
//! decode. Its text is the reason a `malformed` finding gives, so `Display`
//! words each variant exactly as the finding does.

use std::fmt;

/// Why an ASN.1 structure (or a key or certificate inside it) does not decode.
/// The lenient DER reader (`asn1.rs`) gives the structural variants; the
/// decoders built on it give [`ParseError::Invalid`] with their own reason.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// An element of another type than the definition has there; `what`
    /// names the field when the caller did (tag names as `asn1::tag_name`).
    Unexpected { what: Option<String>, expected: String, found: String },
    /// A field the definition requires is not there.
    Missing { what: String },
    /// An INTEGER that must be positive is negative.
    NegativeInteger,
    /// An INTEGER too large for the count it holds (above 2^64).
    IntegerTooLarge,
    /// A BIT STRING of a key or signature with unused bits.
    BitStringUnusedBits,
    /// A BIT STRING without its unused-bits octet.
    EmptyBitString,
    /// A BER indefinite length, where DER needs a definite one.
    IndefiniteLength,
    /// A length field longer than keymatch reads.
    LengthTooLarge,
    /// An element whose declared length runs past the end of the data.
    Truncated { tag: String, declared: usize, present: usize },
    /// Elements nested deeper than any certificate or key is.
    TooDeep,
    /// Any other reason, in words (a decoder's own check, a RustCrypto crate's error).
    Invalid(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Unexpected { what: Some(what), expected, found } => {
                write!(f, "{what}: expected {expected}, found {found}")
            }
            ParseError::Unexpected { what: None, expected, found } => write!(f, "expected {expected}, found {found}"),
            ParseError::Missing { what } => write!(f, "{what}: missing"),
            ParseError::NegativeInteger => f.write_str("negative INTEGER"),
            ParseError::IntegerTooLarge => f.write_str("INTEGER too large"),
            ParseError::BitStringUnusedBits => f.write_str("BIT STRING with unused bits"),
            ParseError::EmptyBitString => f.write_str("empty BIT STRING"),
            ParseError::IndefiniteLength => f.write_str("indefinite length (BER, not DER)"),
            ParseError::LengthTooLarge => f.write_str("length too large"),
            ParseError::Truncated { tag, declared, present } => {
                write!(f, "truncated: {tag} declares {declared} bytes, {present} present")
            }
            ParseError::TooDeep => f.write_str("nested too deeply"),
            ParseError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ParseError {}

impl From<String> for ParseError {
    fn from(why: String) -> ParseError {
        ParseError::Invalid(why)
    }
}

impl From<&str> for ParseError {
    fn from(why: &str) -> ParseError {
        ParseError::Invalid(why.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_findings_wording() {
        let e = ParseError::Unexpected {
            what: Some("PrivateKeyInfo".into()),
            expected: "SEQUENCE".into(),
            found: "INTEGER".into(),
        };
        assert_eq!(e.to_string(), "PrivateKeyInfo: expected SEQUENCE, found INTEGER");
        let e = ParseError::Truncated { tag: "SEQUENCE".into(), declared: 10, present: 3 };
        assert_eq!(e.to_string(), "truncated: SEQUENCE declares 10 bytes, 3 present");
        assert_eq!(ParseError::from("time too short").to_string(), "time too short");
        assert_eq!(ParseError::Missing { what: "EC curve".into() }.to_string(), "EC curve: missing");
    }

    /// The lenient reader says what is wrong with a variant, not only in words.
    #[test]
    fn the_reader_gives_typed_reasons() {
        use super::super::asn1::read_tlv;
        let truncated = read_tlv(&[0x30, 0x05, 0x01]).unwrap_err();
        assert_eq!(truncated, ParseError::Truncated { tag: "SEQUENCE".into(), declared: 5, present: 1 });
        assert_eq!(truncated.to_string(), "truncated: SEQUENCE declares 5 bytes, 1 present");
        assert_eq!(read_tlv(&[0x30, 0x80, 0x00, 0x00]).unwrap_err(), ParseError::IndefiniteLength);
        let int = read_tlv(&[0x02, 0x01, 0x80]).unwrap().0;
        assert_eq!(int.small_uint().unwrap_err(), ParseError::NegativeInteger);
        let seq = read_tlv(&[0x30, 0x00]).unwrap().0;
        assert_eq!(seq.expect(0x02, "version").unwrap_err().to_string(), "version: expected INTEGER, found SEQUENCE");
    }
}
