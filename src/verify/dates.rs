//! Validity dates (RFC 5280 §4.1.2.5): `expired`, `not-yet-valid` and
//! `expires-soon` for the leaf, `expired` for the other certificates of the
//! bundle, all against the injected clock.

use super::{Block, Clock};
use crate::finding::{Code, Finding};

const DAY: i64 = 86_400;

/// Unix seconds as RFC 3339 UTC (`2026-01-31T12:00:00Z`), or `@N (Unix time)` beyond what
/// RFC 3339 can write (a certificate date never is: X.509 years have four digits).
pub(crate) fn rfc3339(unix: i64) -> String {
    let format = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("@{unix} (Unix time)"))
}

/// The date findings for the certificates of one bundle (the first is the leaf).
pub(crate) fn check(blocks: &[Block<'_>], clock: &Clock) -> Vec<Finding> {
    let mut findings = Vec::new();
    let now = clock.now;
    for (i, b) in blocks.iter().enumerate() {
        let c = b.cert;
        let role = if i == 0 { "the certificate" } else { "the chain certificate" };
        if now > c.not_after {
            findings.push(
                Finding::new(
                    Code::Expired,
                    format!("{role} {} expired on {} (it is now {})", b.describe(), rfc3339(c.not_after), rfc3339(now)),
                    vec![b.location()],
                )
                .with_hint(if i == 0 {
                    "renew the certificate (`certbot renew`, or ask your CA) and reload the server"
                } else {
                    "replace the expired chain certificate with the current one from your CA"
                }),
            );
            continue;
        }
        if i > 0 {
            continue;
        }
        if now < c.not_before {
            findings.push(
                Finding::new(
                    Code::NotYetValid,
                    format!(
                        "{role} {} is not valid before {} (it is now {})",
                        b.describe(),
                        rfc3339(c.not_before),
                        rfc3339(now)
                    ),
                    vec![b.location()],
                )
                .with_hint("check the system clock, or deploy the certificate once it is valid"),
            );
        } else if c.not_after.saturating_sub(now) <= i64::from(clock.warn_days).saturating_mul(DAY) {
            let days = c.not_after.saturating_sub(now) / DAY;
            findings.push(
                Finding::new(
                    Code::ExpiresSoon,
                    format!(
                        "{role} {} expires on {} ({} from now; warning at {} days)",
                        b.describe(),
                        rfc3339(c.not_after),
                        plural_days(days),
                        clock.warn_days
                    ),
                    vec![b.location()],
                )
                .with_hint("renew it now, or check that automatic renewal (certbot timer, cert-manager) runs"),
            );
        }
    }
    findings
}

fn plural_days(days: i64) -> String {
    match days {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::tests::{block_file, cert_info};

    const T2025: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(T2025), "2025-01-01T00:00:00Z");
        assert_eq!(rfc3339(i64::MAX), format!("@{} (Unix time)", i64::MAX));
    }

    #[test]
    fn leaf_dates() {
        let mut leaf = cert_info("leaf");
        leaf.not_before = T2025;
        leaf.not_after = T2025 + 90 * DAY;
        let file = block_file("cert.pem", vec![leaf]);
        let blocks = Block::all_of(&file);
        let at = |now| check(&blocks, &Clock { now, warn_days: 30 });
        assert!(at(T2025 + DAY).is_empty());
        assert_eq!(codes(&at(T2025 - 1)), ["not-yet-valid"]);
        let soon = at(T2025 + 80 * DAY);
        assert_eq!(codes(&soon), ["expires-soon"]);
        assert!(soon[0].message.contains("2025-04-01T00:00:00Z"), "{}", soon[0].message);
        assert!(soon[0].message.contains("10 days"), "{}", soon[0].message);
        assert_eq!(codes(&at(T2025 + 60 * DAY)), ["expires-soon"]);
        assert!(at(T2025 + 60 * DAY - 1).is_empty());
        let expired = at(T2025 + 91 * DAY);
        assert_eq!(codes(&expired), ["expired"]);
        assert!(expired[0].message.contains("expired on 2025-04-01T00:00:00Z"));
        assert_eq!(expired[0].locations[0].path, "cert.pem");
        assert!(check(&blocks, &Clock { now: T2025 + 80 * DAY, warn_days: 0 }).is_empty());
    }

    #[test]
    fn expired_intermediate_is_reported_but_not_its_warn_window() {
        let mut leaf = cert_info("leaf");
        leaf.not_before = T2025;
        leaf.not_after = T2025 + 900 * DAY;
        let mut inter = cert_info("inter");
        inter.not_before = T2025;
        inter.not_after = T2025 + 100 * DAY;
        let file = block_file("fullchain.pem", vec![leaf, inter]);
        let blocks = Block::all_of(&file);
        assert!(check(&blocks, &Clock { now: T2025 + 95 * DAY, warn_days: 30 }).is_empty());
        let f = check(&blocks, &Clock { now: T2025 + 101 * DAY, warn_days: 30 });
        assert_eq!(codes(&f), ["expired"]);
        assert_eq!(f[0].locations[0].block, Some(1));
        assert!(f[0].message.contains("CN=inter"), "{}", f[0].message);
    }
}
