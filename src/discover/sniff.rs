//! Cheap sniffing: does the start of a file look like PEM armour or a DER
//! SEQUENCE whose length fits the file? Only such files are read whole and parsed.

use super::Sniff;

/// How many bytes of a file are read before deciding whether to read the rest.
pub const HEAD_LEN: usize = 8 * 1024;

/// Look at `head` (the first bytes of a file of `size` bytes).
///
/// Material when `-----BEGIN ` appears anywhere in `head`, or when the file
/// starts with a DER SEQUENCE (`30 len`, `30 81 len`, `30 82 len len`, `30 83 …`)
/// whose encoded length fits in `size` and whose first element starts with a
/// tag a certificate or key begins with (INTEGER, SEQUENCE, SET, `[0]`).
pub fn sniff(head: &[u8], size: u64) -> Sniff {
    if has_pem_armour(head) || looks_like_der(head, size) {
        Sniff::Material
    } else {
        Sniff::Nothing
    }
}

fn has_pem_armour(head: &[u8]) -> bool {
    const ARMOUR: &[u8] = b"-----BEGIN ";
    // Any run of five dashes covers a multiple of 5: look only there, then
    // check the few places the armour could start.
    let mut i = 4;
    while i < head.len() {
        if head.get(i) == Some(&b'-') {
            for start in i.saturating_sub(4)..=i {
                if head.get(start..).is_some_and(|t| t.starts_with(ARMOUR)) {
                    return true;
                }
            }
        }
        i += 5;
    }
    false
}

fn looks_like_der(head: &[u8], size: u64) -> bool {
    let (header, len) = match head {
        [0x30, l, ..] if *l < 0x80 => (2u64, u64::from(*l)),
        [0x30, 0x81, l, ..] if *l >= 0x80 => (3, u64::from(*l)),
        [0x30, 0x82, a, b, ..] => (4, u64::from(*a) << 8 | u64::from(*b)),
        [0x30, 0x83, a, b, c, ..] => (5, u64::from(*a) << 16 | u64::from(*b) << 8 | u64::from(*c)),
        _ => return false,
    };
    let first_inner = head.get(header as usize).copied();
    len > 0 && header + len <= size && matches!(first_inner, Some(0x02 | 0x30 | 0x31 | 0xa0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_armour_anywhere_in_the_head() {
        assert_eq!(sniff(b"-----BEGIN CERTIFICATE-----\n", 28), Sniff::Material);
        assert_eq!(sniff(b"Bag Attributes\n  x\n-----BEGIN PRIVATE KEY-----", 50), Sniff::Material);
        assert_eq!(sniff(b"----- BEGIN nothing ---", 23), Sniff::Nothing);
        assert_eq!(sniff(b"-----BEGIN", 10), Sniff::Nothing);
        assert_eq!(sniff(b"", 0), Sniff::Nothing);
        // Every alignment of the armour is found.
        for pad in 0..12 {
            let mut text = vec![b'x'; pad];
            text.extend_from_slice(b"-----BEGIN CERTIFICATE-----");
            assert_eq!(sniff(&text, text.len() as u64), Sniff::Material, "pad {pad}");
            let mut dashes = vec![b'-'; pad];
            dashes.extend_from_slice(b"----BEGIN x");
            assert_eq!(sniff(&dashes, dashes.len() as u64), if pad >= 1 { Sniff::Material } else { Sniff::Nothing });
        }
    }

    #[test]
    fn der_header_must_fit_the_file() {
        // A certificate-like header: 30 82 01 0a 30 …, 4 + 266 bytes.
        let mut der = vec![0x30, 0x82, 0x01, 0x0a, 0x30];
        der.resize(270, 0);
        assert_eq!(sniff(&der, 270), Sniff::Material);
        assert_eq!(sniff(&der, 300), Sniff::Material);
        assert_eq!(sniff(&der, 269), Sniff::Nothing, "truncated: length does not fit");
        // Ed25519 PKCS#8 (48 bytes, short form) and P-256 PKCS#8 (30 81 87).
        let mut ed = vec![0x30, 0x2e, 0x02, 0x01, 0x00];
        ed.resize(48, 0);
        assert_eq!(sniff(&ed, 48), Sniff::Material);
        let mut p8 = vec![0x30, 0x81, 0x87, 0x02];
        p8.resize(138, 0);
        assert_eq!(sniff(&p8, 138), Sniff::Material);
        // Text starting with '0' (0x30) is not DER.
        assert_eq!(sniff(b"0 * * * * root run-parts /etc/cron.hourly\n", 42), Sniff::Nothing);
        // Non-minimal long form 30 81 05 is not DER.
        assert_eq!(sniff(&[0x30, 0x81, 0x05, 0x02, 0, 0, 0, 0], 8), Sniff::Nothing);
    }
}
