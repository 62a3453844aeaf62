//! `--format prometheus`: the Prometheus text exposition format (version 0.0.4) as the
//! node_exporter textfile collector reads it. Write it with `--output FILE` (atomic: a temporary
//! file in the same directory, then a rename) into the collector's directory.
//!
//! Metric and label names are stable API (README "Cron and Prometheus"):
//!
//! | metric | labels | value |
//! |---|---|---|
//! | `keymatch_pair_match` | cert, key, origin | 1 when the key is proven to belong to the certificate, else 0 |
//! | `keymatch_pair_verdict` | cert, key, origin, verdict | 1 for the pair's verdict, 0 for every other verdict |
//! | `keymatch_certificate_not_after_seconds` | cert, key, origin | the leaf's notAfter, Unix seconds |
//! | `keymatch_findings` | code, severity | findings with that code and severity (every code is listed, 0 when none) |
//! | `keymatch_scan_files` | | files looked at |
//! | `keymatch_scan_duration_seconds` | | wall time of the scan |
//! | `keymatch_last_scan_timestamp_seconds` | | when the scan finished, Unix seconds |
//!
//! `cert` and `key` are the paths as printed by the scan; `origin` is where the pair came from
//! (`nginx etc/nginx/sites-enabled/shop:12`, `sibling`, `certbot`, …).

use super::{Emitter, PairReport, RenderOptions, Report};
use crate::finding::{Code, Severity};
use crate::verify::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

pub struct Prometheus;

/// Every verdict, for the state-set metric `keymatch_pair_verdict`.
const VERDICTS: [Verdict; 7] = [
    Verdict::Match,
    Verdict::Mismatch,
    Verdict::KeyCorrupt,
    Verdict::Encrypted,
    Verdict::Unsupported,
    Verdict::Unreadable,
    Verdict::Malformed,
];

/// Escape a label value: backslash, double quote and line feed (exposition format spec).
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut dyn Write, name: &str, help: &str) -> io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

/// A float as the format wants it (Go's `strconv.ParseFloat` syntax).
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// `origin` label: the kind, then the config file and line when there is one.
fn origin_label(pr: &PairReport) -> String {
    match (&pr.origin.path, pr.origin.line) {
        (Some(p), Some(l)) => format!("{} {}:{}", pr.origin.kind, p, l),
        (Some(p), None) => format!("{} {}", pr.origin.kind, p),
        _ => pr.origin.kind.clone(),
    }
}

/// `cert="…",key="…",origin="…"`, escaped.
fn pair_labels(pr: &PairReport) -> String {
    let path = |i: &Option<super::ItemRef>| i.as_ref().map(|i| i.path.clone()).unwrap_or_default();
    format!(
        "cert=\"{}\",key=\"{}\",origin=\"{}\"",
        escape_label(&path(&pr.cert)),
        escape_label(&path(&pr.key)),
        escape_label(&origin_label(pr))
    )
}

/// Per probed endpoint (`probe`, `scan --probe`): handshake, signature, served leaf's notAfter.
fn endpoints(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut seen = BTreeSet::new();
    let eps: Vec<_> = report
        .endpoints
        .iter()
        .map(|e| (e, format!("endpoint=\"{}\"", escape_label(&e.label))))
        .filter(|(_, l)| seen.insert(l.clone()))
        .collect();
    header(
        out,
        "keymatch_endpoint_handshake_ok",
        "Whether a TLS handshake with the endpoint completed and its signature verified (1) or not (0).",
    )?;
    for (e, labels) in &eps {
        let ok = e.error.is_none() && e.signature != crate::report::Signature::Invalid;
        writeln!(out, "keymatch_endpoint_handshake_ok{{{labels}}} {}", u8::from(ok))?;
    }
    header(
        out,
        "keymatch_endpoint_signature_valid",
        "Whether the endpoint's handshake signature verified with its certificate's key (1) or not (0).",
    )?;
    for (e, labels) in &eps {
        let valid = e.signature == crate::report::Signature::Valid;
        writeln!(out, "keymatch_endpoint_signature_valid{{{labels}}} {}", u8::from(valid))?;
    }
    header(
        out,
        "keymatch_endpoint_certificate_not_after_seconds",
        "The served leaf certificate's notAfter, Unix seconds.",
    )?;
    for (e, labels) in &eps {
        if let Some(leaf) = e.chain.first() {
            writeln!(out, "keymatch_endpoint_certificate_not_after_seconds{{{labels}}} {}", leaf.not_after_unix)?;
        }
    }
    Ok(())
}

impl Emitter for Prometheus {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        // One series per label set: two pairs that print the same (the same files named twice in
        // one config line) would be a duplicate series, which the collector rejects.
        let mut seen = BTreeSet::new();
        let pairs: Vec<(&PairReport, String)> =
            report.pairs.iter().map(|p| (p, pair_labels(p))).filter(|(_, l)| seen.insert(l.clone())).collect();

        header(
            out,
            "keymatch_pair_match",
            "Whether the pair's private key is proven to belong to its certificate (1) or not (0).",
        )?;
        for (pr, labels) in &pairs {
            writeln!(out, "keymatch_pair_match{{{labels}}} {}", u8::from(pr.verdict == Verdict::Match))?;
        }

        header(out, "keymatch_pair_verdict", "The pair's verdict: 1 for the current one, 0 for the others.")?;
        for (pr, labels) in &pairs {
            for v in VERDICTS {
                writeln!(
                    out,
                    "keymatch_pair_verdict{{{labels},verdict=\"{}\"}} {}",
                    v.as_str(),
                    u8::from(pr.verdict == v)
                )?;
            }
        }

        header(out, "keymatch_certificate_not_after_seconds", "The pair's leaf certificate notAfter, Unix seconds.")?;
        for (pr, labels) in &pairs {
            if let Some(t) = pr.not_after_unix {
                writeln!(out, "keymatch_certificate_not_after_seconds{{{labels}}} {t}")?;
            }
        }

        header(out, "keymatch_findings", "Findings of the last scan by code and severity.")?;
        let mut counts: BTreeMap<(Code, Severity), usize> = Code::ALL.iter().map(|&c| ((c, c.severity()), 0)).collect();
        for f in &report.findings {
            *counts.entry((f.code, f.severity)).or_insert(0) += 1;
        }
        for ((code, sev), n) in &counts {
            writeln!(out, "keymatch_findings{{code=\"{}\",severity=\"{}\"}} {n}", code.as_str(), sev.as_str())?;
        }

        if !report.endpoints.is_empty() {
            endpoints(report, out)?;
        }

        header(out, "keymatch_scan_files", "Files the last scan looked at.")?;
        writeln!(out, "keymatch_scan_files {}", report.summary.files)?;
        header(out, "keymatch_scan_duration_seconds", "Wall time of the last scan, seconds.")?;
        writeln!(out, "keymatch_scan_duration_seconds {}", number(opts.duration_seconds))?;
        header(out, "keymatch_last_scan_timestamp_seconds", "When the last scan finished, Unix seconds.")?;
        writeln!(out, "keymatch_last_scan_timestamp_seconds {}", opts.finished_unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Location};
    use crate::pair::Origin;
    use crate::report::ItemRef;

    fn pair(cert: &str, key: &str, verdict: Verdict, not_after: Option<i64>) -> PairReport {
        PairReport {
            cert: Some(ItemRef { path: cert.into(), server_path: None, block: None }),
            key: Some(ItemRef { path: key.into(), server_path: None, block: None }),
            origin: Origin { line: Some(7), path: Some("n.conf".into()), ..Origin::kind("nginx") },
            algorithm: "RSA-2048".into(),
            verdict,
            fingerprint: None,
            key_fingerprint: None,
            not_after: None,
            not_after_unix: not_after,
            subject: None,
            names: Vec::new(),
            cert_copies: Vec::new(),
            key_copies: Vec::new(),
        }
    }

    fn render(report: &Report) -> String {
        let opts = RenderOptions { duration_seconds: 0.25, finished_unix: 1_800_000_000, ..RenderOptions::default() };
        let mut buf = Vec::new();
        Prometheus.emit(report, &opts, &mut buf).ok();
        String::from_utf8(buf).unwrap_or_default()
    }

    #[test]
    fn pairs_findings_and_scan_metrics() {
        let mut report = Report {
            pairs: vec![
                pair("a.crt", "a.key", Verdict::Match, Some(4_000_000_000)),
                pair("b\"x.crt", "b.key", Verdict::Mismatch, None),
            ],
            findings: vec![Finding::new(Code::KeyMismatch, "m", vec![Location::file("b.key")])],
            ..Report::default()
        };
        report.finish();
        let text = render(&report);
        let labels_a = "cert=\"a.crt\",key=\"a.key\",origin=\"nginx n.conf:7\"";
        assert!(text.contains(&format!("keymatch_pair_match{{{labels_a}}} 1\n")), "{text}");
        assert!(text.contains("keymatch_pair_match{cert=\"b\\\"x.crt\",key=\"b.key\",origin=\"nginx n.conf:7\"} 0\n"));
        assert!(text.contains(&format!("keymatch_certificate_not_after_seconds{{{labels_a}}} 4000000000\n")));
        assert!(text.contains(&format!("keymatch_pair_verdict{{{labels_a},verdict=\"match\"}} 1\n")));
        assert!(text.contains(&format!("keymatch_pair_verdict{{{labels_a},verdict=\"mismatch\"}} 0\n")));
        assert!(text.contains("keymatch_findings{code=\"key-mismatch\",severity=\"error\"} 1\n"));
        assert!(text.contains("keymatch_findings{code=\"orphan-cert\",severity=\"note\"} 0\n"));
        assert!(text.contains("keymatch_scan_duration_seconds 0.25\n"));
        assert!(text.contains("keymatch_last_scan_timestamp_seconds 1800000000\n"));
        // Every metric has HELP and TYPE before its samples.
        for name in ["keymatch_pair_match", "keymatch_findings", "keymatch_last_scan_timestamp_seconds"] {
            let help = text.find(&format!("# HELP {name} ")).unwrap_or(usize::MAX);
            let ty = text.find(&format!("# TYPE {name} gauge")).unwrap_or(usize::MAX);
            assert!(help < ty && ty < text.len(), "{name}");
        }
    }

    #[test]
    fn duplicate_label_sets_are_written_once() {
        let report = Report {
            pairs: vec![pair("a.crt", "a.key", Verdict::Match, None), pair("a.crt", "a.key", Verdict::Match, None)],
            ..Report::default()
        };
        assert_eq!(render(&report).matches("keymatch_pair_match{").count(), 1);
    }

    #[test]
    fn label_escaping() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
