//! `keymatch inventory`: one row per certificate in use (configured by a
//! server, or paired by a layout or by its key), like `certbot certificates`
//! for every server: names (CN and SANs), notAfter, days left, the key file,
//! the pair's verdict and where it comes from (config and line, or layout),
//! sorted by days left. Built from a scan's [`Report`]; `--format json` gives
//! `{"certificates": [{path, names, not_after, days_left, key, verdict, origin}]}`.

use super::human::escape;
use super::Report;
use crate::pair::Origin;
use crate::verify::Verdict;
use serde::Serialize;
use std::io::{self, Write};

/// The inventory document.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub certificates: Vec<Row>,
}

/// One certificate in use.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The certificate file, as the scan names it.
    pub path: String,
    /// The leaf's common name, then its subjectAltName DNS names (no repeats).
    pub names: Vec<String>,
    /// The leaf's notAfter, RFC 3339 (UTC); `null` when the certificate could not be read.
    pub not_after: Option<String>,
    /// Whole days from "now" (`--at`) to notAfter, rounded down: negative once expired.
    pub days_left: Option<i64>,
    /// The key file the server (or the layout) pairs with it.
    pub key: Option<String>,
    pub verdict: Verdict,
    /// The config file and line that names it, or the layout that paired it.
    pub origin: Origin,
}

const DAY: i64 = 86_400;

impl Inventory {
    /// The certificates of a finished scan report, soonest to expire first (unknown dates last).
    pub fn from_report(report: &Report, now: i64) -> Inventory {
        let mut certificates: Vec<Row> = report
            .pairs
            .iter()
            .filter_map(|p| {
                let cert = p.cert.as_ref()?;
                Some(Row {
                    path: cert.path.clone(),
                    names: p.names.clone(),
                    not_after: p.not_after.clone(),
                    days_left: p.not_after_unix.map(|t| (t - now).div_euclid(DAY)),
                    key: p.key.as_ref().map(|k| k.path.clone()),
                    verdict: p.verdict,
                    origin: p.origin.clone(),
                })
            })
            .collect();
        certificates.sort_by(|a, b| {
            let when = |r: &Row| (r.days_left.is_none(), r.days_left);
            (when(a), &a.path, &a.origin.path, a.origin.line).cmp(&(when(b), &b.path, &b.origin.path, b.origin.line))
        });
        Inventory { certificates }
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        super::write_pretty_json(out, self)
    }

    /// A table: days left, notAfter, verdict, certificate, key, origin, names.
    pub fn write_human(&self, out: &mut dyn Write) -> io::Result<()> {
        let head = ["DAYS", "NOT AFTER", "VERDICT", "CERTIFICATE", "KEY", "ORIGIN", "NAMES"];
        let rows: Vec<[String; 7]> = self
            .certificates
            .iter()
            .map(|r| {
                [
                    r.days_left.map_or_else(|| "-".to_string(), |d| d.to_string()),
                    r.not_after.clone().unwrap_or_else(|| "-".to_string()),
                    r.verdict.as_str().to_string(),
                    escape(&r.path).into_owned(),
                    r.key.as_deref().map_or_else(|| "-".to_string(), |k| escape(k).into_owned()),
                    escape(&origin_text(&r.origin)).into_owned(),
                    if r.names.is_empty() { "-".to_string() } else { escape(&r.names.join(", ")).into_owned() },
                ]
            })
            .collect();
        let mut width = head.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 7]| -> String {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = width[i].saturating_sub(cell.chars().count());
                match i {
                    0 => s.push_str(&format!("{}{cell}", " ".repeat(pad))),
                    6 => s.push_str(cell),
                    _ => s.push_str(&format!("{cell}{}", " ".repeat(pad))),
                }
                if i < 6 {
                    s.push_str("  ");
                }
            }
            s.trim_end().to_string()
        };
        writeln!(out, "{}", line(head))?;
        for row in &rows {
            writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5], &row[6]]))?;
        }
        let n = self.certificates.len();
        writeln!(out, "\n{n} {}", if n == 1 { "certificate" } else { "certificates" })
    }
}

/// "nginx etc/nginx/sites-enabled/shop:12" for a config, the layout's name otherwise ("certbot").
fn origin_text(o: &Origin) -> String {
    match (&o.path, o.line) {
        (Some(p), Some(l)) => format!("{} {p}:{l}", o.kind),
        (Some(p), None) => format!("{} {p}", o.kind),
        _ => o.kind.clone(),
    }
}

/// The CN of an RFC 4514-style subject as the parser prints it (`CN=shop.example.com,O=…`,
/// commas inside a value escaped with `\`).
pub fn common_name(subject: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = subject.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' | '+' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts.into_iter().find_map(|p| p.strip_prefix("CN=").map(str::to_string)).filter(|cn| !cn.is_empty())
}

/// CN first, then the DNS names that are not the CN.
pub fn cert_names(subject: &str, dns_names: &[String]) -> Vec<String> {
    let mut names: Vec<String> = common_name(subject).into_iter().collect();
    for n in dns_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ItemRef, PairReport};

    fn pair(cert: &str, not_after: Option<i64>, line: Option<u32>) -> PairReport {
        PairReport {
            cert: Some(ItemRef { path: cert.into(), server_path: None, block: None }),
            key: None,
            origin: Origin { line, path: line.map(|_| "nginx.conf".into()), ..Origin::kind("nginx") },
            algorithm: "RSA-2048".into(),
            verdict: Verdict::Match,
            fingerprint: None,
            key_fingerprint: None,
            not_after: not_after.map(crate::report::rfc3339),
            not_after_unix: not_after,
            subject: None,
            names: Vec::new(),
            cert_copies: Vec::new(),
            key_copies: Vec::new(),
        }
    }

    #[test]
    fn rows_are_sorted_by_days_left_unknown_last() {
        let report = Report {
            pairs: vec![
                pair("a.crt", Some(100 * DAY), Some(1)),
                pair("b.crt", None, None),
                pair("c.crt", Some(DAY / 2), Some(2)),
                pair("d.crt", Some(-DAY / 2), Some(3)),
            ],
            ..Report::default()
        };
        let inv = Inventory::from_report(&report, 0);
        let got: Vec<(&str, Option<i64>)> = inv.certificates.iter().map(|r| (r.path.as_str(), r.days_left)).collect();
        assert_eq!(got, [("d.crt", Some(-1)), ("c.crt", Some(0)), ("a.crt", Some(100)), ("b.crt", None)]);
        let mut text = Vec::new();
        inv.write_human(&mut text).expect("write");
        let text = String::from_utf8(text).expect("utf-8");
        assert!(text.contains("nginx nginx.conf:3"), "{text}");
        assert!(text.ends_with("\n4 certificates\n"), "{text}");
    }

    #[test]
    fn names_are_the_cn_then_the_other_sans() {
        assert_eq!(common_name("CN=shop.example.com,O=keymatch test"), Some("shop.example.com".into()));
        assert_eq!(common_name("O=a\\,b,CN=x"), Some("x".into()));
        assert_eq!(common_name("O=only"), None);
        let sans = vec!["shop.example.com".to_string(), "www.example.com".to_string()];
        assert_eq!(cert_names("CN=shop.example.com", &sans), sans);
        assert_eq!(cert_names("CN=Shop CA", &sans[..1]), ["Shop CA", "shop.example.com"]);
    }
}
