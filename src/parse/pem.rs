//! A tolerant PEM splitter (RFC 7468 armour, RFC 1421 headers).
//!
//! Real files are not strict RFC 7468: text before, between and after blocks
//! (`openssl x509 -text`, pkcs12 `Bag Attributes`), a UTF-8 BOM, CRLF line
//! ends, base64 wrapped at any width, trailing spaces, a missing final newline,
//! `Proc-Type`/`DEK-Info` headers. This splitter accepts all of those and
//! reports, per block, its label, 1-based BEGIN line, headers and raw body;
//! decoding the base64 is [`decode_body`]'s job: `pem-rfc7468` first (strict
//! RFC 7468: no headers, canonical base64, even line widths), this module's
//! lenient decoder as the fallback, as the RustCrypto decoders come before the
//! lenient DER reader in [`super::asn1`]. Certificates, public and the bulk of
//! a scan's PEM, go to the lenient decoder only: both give the same bytes.

use super::error::ParseError;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// One `-----BEGIN …-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block<'a> {
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub line: u32,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), name and value trimmed.
    pub headers: Vec<(String, String)>,
    /// Base64 body lines (headers excluded), untrimmed slices of the input.
    pub body: Vec<&'a [u8]>,
    /// False when no END line followed (truncated file, or a new BEGIN came first).
    pub complete: bool,
    /// The BEGIN line starts with blanks. OpenSSL's PEM reader (`PEM_read_bio`)
    /// sees armour only at the start of a line, so it skips such a block.
    pub indented: bool,
    /// The END line's label, when it is not the BEGIN line's (OpenSSL: `bad end line`).
    pub end_label: Option<String>,
}

impl Block<'_> {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Searchers for the armour's fixed strings, built once per process: `memmem::find` builds one
/// (a SIMD setup) per call, and this runs for every line of every PEM block.
static FINDERS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 3]> = std::sync::LazyLock::new(|| {
    [
        memchr::memmem::Finder::new(b"-----BEGIN "),
        memchr::memmem::Finder::new(b"-----END "),
        memchr::memmem::Finder::new(b"-----"),
    ]
});

/// Does the input contain PEM armour at all?
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    find(bytes, b"-----BEGIN ").is_some()
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let Some((f, rest)) = s.split_first() {
        if f.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let Some((l, rest)) = s.split_last() {
        if l.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// A line starting (after blanks) with `-----BEGIN LABEL-----` → (LABEL, what
/// follows on the same line: the body of a one-line PEM, usually nothing).
fn begin(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let t = trim(line);
    let rest = t.strip_prefix(b"-----BEGIN ")?;
    let close = find(rest, b"-----")?;
    Some((trim(rest.get(..close)?), rest.get(close + 5..)?))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    match FINDERS.iter().find(|f| f.needle() == needle) {
        Some(f) => f.find(hay),
        None => memchr::memmem::find(hay, needle),
    }
}

fn label_string(label: &[u8]) -> String {
    String::from_utf8_lossy(label).into_owned()
}

/// Split the input into PEM blocks, at most `max` of them; the bool is true
/// when more blocks were present than kept.
pub(crate) fn split(bytes: &[u8], max: usize) -> (Vec<Block<'_>>, bool) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut blocks: Vec<Block<'_>> = Vec::new();
    let mut current: Option<Block<'_>> = None;
    // Header parsing state for the current block.
    let mut in_headers = false;
    let mut more = false;
    // Lines as `split(|&b| b == b'\n')` gives them (an empty last one after a final newline
    // included), each end found with memchr.
    let mut rest = Some(bytes);
    let lines = std::iter::from_fn(|| {
        let r = rest?;
        match memchr::memchr(b'\n', r) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    });
    for (idx, mut line) in lines.enumerate() {
        let line_no = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        if let Some((label, rest)) = begin(line) {
            let indented = line.first().is_some_and(u8::is_ascii_whitespace);
            if let Some(open) = current.take() {
                // A new BEGIN before END: the open block is truncated.
                blocks.push(open);
            }
            if blocks.len() >= max {
                more = true;
                break;
            }
            current = Some(Block {
                label: label_string(label),
                line: line_no,
                headers: Vec::new(),
                body: Vec::new(),
                complete: false,
                indented,
                end_label: None,
            });
            in_headers = true;
            if trim(rest).is_empty() {
                continue;
            }
            // One-line PEM: the body follows the BEGIN on the same line.
            line = rest;
            in_headers = false;
        }
        let Some(block) = current.as_mut() else { continue };
        if let Some(pos) = find(line, b"-----END ") {
            let before = trim(line.get(..pos).unwrap_or(&[]));
            if !before.is_empty() {
                block.body.push(before);
            }
            block.complete = true;
            let rest = line.get(pos + 9..).unwrap_or(&[]);
            let end = trim(rest.get(..find(rest, b"-----").unwrap_or(rest.len())).unwrap_or(&[]));
            if end != block.label.as_bytes() {
                block.end_label = Some(label_string(end));
            }
            if let Some(done) = current.take() {
                blocks.push(done);
            }
            continue;
        }
        let t = trim(line);
        if in_headers {
            if t.is_empty() {
                // The blank line that ends RFC 1421 headers (or a stray blank line).
                if !block.headers.is_empty() {
                    in_headers = false;
                }
                continue;
            }
            let starts_with_space = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
            if starts_with_space && !block.headers.is_empty() {
                if let Some((_, v)) = block.headers.last_mut() {
                    v.push_str(&String::from_utf8_lossy(t));
                }
                continue;
            }
            if let Some(colon) = t.iter().position(|&b| b == b':') {
                let name = String::from_utf8_lossy(trim(t.get(..colon).unwrap_or(&[]))).into_owned();
                let value = String::from_utf8_lossy(trim(t.get(colon + 1..).unwrap_or(&[]))).into_owned();
                block.headers.push((name, value));
                continue;
            }
            in_headers = false;
        }
        if !t.is_empty() {
            block.body.push(t);
        }
    }
    if let Some(open) = current.take() {
        blocks.push(open);
    }
    (blocks, more)
}

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decode a block's base64 body: strictly with `pem-rfc7468` when the block is
/// RFC 7468 PEM (lines of one width), otherwise leniently (whitespace anywhere is ignored, padding
/// optional, trailing bits allowed). Both give the same bytes where both decode, so a
/// certificate, which holds nothing secret, goes straight to the lenient decoder: about twice as
/// fast as the constant-time one, which stays for everything else (keys above all).
pub(crate) fn decode_body(block: &Block<'_>) -> Result<Vec<u8>, ParseError> {
    if PUBLIC_LABELS.contains(&block.label.as_str()) {
        return decode_lenient(block);
    }
    match decode_strict(block) {
        Some(der) => Ok(der),
        None => decode_lenient(block),
    }
}

/// Labels of blocks that hold public data only.
const PUBLIC_LABELS: &[&str] = &["CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"];

/// The block re-armoured as its lines stand and decoded by `pem-rfc7468`;
/// `None` when that refuses it (headers, lines of differing widths, non-canonical base64,
/// a label RFC 7468 does not allow, no END line).
fn decode_strict(block: &Block<'_>) -> Option<Vec<u8>> {
    if !block.complete || !block.headers.is_empty() || block.end_label.is_some() {
        return None;
    }
    let total: usize = block.body.iter().map(|l| l.len() + 1).sum();
    let mut pem = Vec::with_capacity(total + 2 * block.label.len() + 32);
    pem.extend_from_slice(b"-----BEGIN ");
    pem.extend_from_slice(block.label.as_bytes());
    pem.extend_from_slice(b"-----\n");
    for line in &block.body {
        pem.extend_from_slice(line);
        pem.push(b'\n');
    }
    pem.extend_from_slice(b"-----END ");
    pem.extend_from_slice(block.label.as_bytes());
    pem.extend_from_slice(b"-----\n");
    // Any width the lines are wrapped at (openssl writes 64, others 76), the same for every line but the last.
    let mut decoder = pem_rfc7468::Decoder::new_detect_wrap(&pem).ok()?;
    let mut der = Vec::new();
    decoder.decode_to_end(&mut der).ok()?;
    Some(der)
}

/// The fallback: any base64 the block's lines hold, whitespace ignored.
fn decode_lenient(block: &Block<'_>) -> Result<Vec<u8>, ParseError> {
    let total: usize = block.body.iter().map(|l| l.len()).sum();
    let mut text = Vec::with_capacity(total);
    for line in &block.body {
        text.extend(line.iter().copied().filter(|b| !b.is_ascii_whitespace()));
    }
    ENGINE.decode(&text).map_err(|e| ParseError::Invalid(format!("the base64 does not decode ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The splitter's lines are `split(|&b| b == b'\n')`'s: blocks and their line numbers
    /// come out the same with CRLF, a missing or doubled final newline, and no newline at all.
    #[test]
    fn lines_are_split_at_every_newline() {
        let pem = "-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----";
        for text in [pem.to_string(), format!("{pem}\n"), format!("{pem}\n\n"), format!("x\n\n{pem}\n")] {
            let (blocks, more) = split(text.as_bytes(), 10);
            assert!(!more);
            assert_eq!(blocks.len(), 1, "{text:?}");
            let first_line = text.split('\n').position(|l| l.starts_with("-----BEGIN")).unwrap() + 1;
            assert_eq!(blocks[0].line as usize, first_line, "{text:?}");
            assert!(blocks[0].complete);
            assert_eq!(blocks[0].body, [b"QUJD".as_slice()]);
        }
        assert!(split(b"", 10).0.is_empty());
        assert!(split(b"\n", 10).0.is_empty());
    }

    #[test]
    fn splits_blocks_with_text_headers_bom_and_crlf() {
        let text = b"\xef\xbb\xbfBag Attributes\r\n    localKeyID: 01\r\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\r\n\r\nAAAA  \r\nAAAA\r\n-----END RSA PRIVATE KEY-----\r\ntext\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----";
        let (blocks, more) = split(text, 1024);
        assert!(!more);
        assert_eq!(blocks.len(), 2);
        let b = &blocks[0];
        assert_eq!(b.label, "RSA PRIVATE KEY");
        assert_eq!(b.line, 3);
        assert_eq!(b.header("proc-type"), Some("4,ENCRYPTED"));
        assert_eq!(b.header("DEK-Info"), Some("AES-128-CBC,00112233445566778899AABBCCDDEEFF"));
        assert_eq!(decode_body(b).unwrap(), vec![0u8; 6]);
        assert!(b.complete);
        assert_eq!(blocks[1].line, 11);
        assert_eq!(decode_body(&blocks[1]).unwrap(), b"ABC");
        assert!(blocks[1].complete, "no final newline is fine");
    }

    #[test]
    fn one_line_pem_and_end_after_base64() {
        let (blocks, _) = split(b"-----BEGIN CERTIFICATE-----QUJD-----END CERTIFICATE-----\n", 4);
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].complete);
        assert_eq!(decode_body(&blocks[0]).unwrap(), b"ABC");
        let (blocks, _) = split(b"  -----BEGIN X-----\nQUJD-----END X-----", 4);
        assert_eq!(decode_body(&blocks[0]).unwrap(), b"ABC");
        assert!(blocks[0].complete);
        // A BEGIN that does not start its line is not armour.
        let (blocks, _) = split(b"echo \"-----BEGIN CERTIFICATE-----\"\n", 4);
        assert!(blocks.is_empty());
    }

    /// What OpenSSL's PEM reader refuses is noted, not hidden: an indented BEGIN
    /// line (indented body and END lines are fine) and an END of another label.
    #[test]
    fn indented_begin_and_foreign_end_are_noted() {
        let text = b"  -----BEGIN CERTIFICATE-----\n  QUJD\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n  QUJD\n  -----END CERTIFICATE-----  \n\t-----BEGIN CERTIFICATE-----\nQUJD\n-----END PRIVATE KEY-----\n";
        let (blocks, _) = split(text, 8);
        assert_eq!(blocks.len(), 3);
        assert!(blocks[0].indented && blocks[0].end_label.is_none());
        assert!(!blocks[1].indented && blocks[1].end_label.is_none(), "{:?}", blocks[1]);
        assert!(blocks[2].indented);
        assert_eq!(blocks[2].end_label.as_deref(), Some("PRIVATE KEY"));
        assert!(blocks.iter().all(|b| b.complete && decode_body(b).unwrap() == b"ABC"));
        let (blocks, _) = split(b"-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----\r\n", 8);
        assert!(!blocks[0].indented && blocks[0].end_label.is_none());
    }

    #[test]
    fn begin_without_end_is_incomplete_and_block_limit_holds() {
        let (blocks, _) = split(b"-----BEGIN CERTIFICATE-----\nQUJD\n-----BEGIN PRIVATE KEY-----\nQUJD\n", 10);
        assert_eq!(blocks.len(), 2);
        assert!(!blocks[0].complete && !blocks[1].complete);
        let many = b"-----BEGIN X-----\n-----END X-----\n".repeat(5);
        let (blocks, more) = split(&many, 3);
        assert_eq!(blocks.len(), 3);
        assert!(more);
        let bad = Block {
            label: "X".into(),
            line: 1,
            headers: vec![],
            body: vec![b"!!"],
            complete: true,
            indented: false,
            end_label: None,
        };
        assert!(decode_body(&bad).is_err());
    }

    #[test]
    fn rfc7468_blocks_decode_strictly_the_rest_leniently() {
        let one = |text: &'static [u8]| split(text, 4).0.remove(0);
        let strict = one(b"-----BEGIN CERTIFICATE-----\nQUJDREVG\nR0g=\n-----END CERTIFICATE-----\n");
        assert_eq!(decode_strict(&strict).as_deref(), Some(&b"ABCDEFGH"[..]));
        assert_eq!(decode_body(&strict).unwrap(), b"ABCDEFGH");
        for (lenient, what) in [
            (one(b"-----BEGIN X-----\nQUJD\nREVGR0g=\n-----END X-----\n"), "a short line before a long one"),
            (one(b"-----BEGIN X-----\nQUJDREVGR0g\n-----END X-----\n"), "no padding"),
            (one(b"-----BEGIN X-----\nQUJDREVGR0h=\n-----END X-----\n"), "trailing bits set"),
            (one(b"-----BEGIN X-----\nQUJD REVG R0g=\n-----END X-----\n"), "blanks inside a line"),
            (one(b"-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nQUJDREVGR0g=\n-----END X-----\n"), "headers"),
            (one(b"-----BEGIN X-----\nQUJDREVGR0g=\n"), "no END line"),
        ] {
            assert_eq!(decode_strict(&lenient), None, "{what}");
            assert_eq!(decode_body(&lenient).unwrap(), b"ABCDEFGH", "{what}");
        }
    }

    /// Where the strict decoder accepts a fixture's block, it gives the lenient decoder's bytes.
    #[test]
    fn strict_and_lenient_agree_on_the_fixtures() {
        let mut strict = 0;
        for dir in ["fixtures/check", "src/verify/testdata"] {
            let mut files = vec![std::path::PathBuf::from(dir)];
            while let Some(path) = files.pop() {
                if path.is_dir() {
                    files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else { continue };
                for block in split(&bytes, 1024).0 {
                    if let Some(der) = decode_strict(&block) {
                        strict += 1;
                        assert_eq!(Ok(der), decode_lenient(&block), "{}", path.display());
                    }
                }
            }
        }
        assert!(strict > 100, "only {strict} blocks decoded strictly");
    }
}
