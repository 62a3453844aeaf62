//! Human output, like a compiler: per pair a verdict line, then each finding
//! with its location, its code, one line saying what is wrong and one saying
//! what to do; findings not about a pair follow; then a summary line.

use super::{Emitter, PairReport, RenderOptions, Report};
use crate::finding::{Finding, Location, Severity};
use crate::verify::Verdict;
use std::borrow::Cow;
use std::io::{self, Write};

pub struct Human;

/// Text from the scanned material (file names, certificate subjects, messages that quote them)
/// with control characters escaped: a name holding a newline cannot inject a fake report line,
/// an escape sequence cannot repaint the terminal or a cron mail. Newline, carriage return and tab
/// are written `\n`, `\r`, `\t`; other C0/C1 controls and the Unicode bidirectional controls
/// `\u{..}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    let needs = |c: char| c.is_control() || is_bidi(c);
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bidirectional embedding, override and isolate controls (they reorder what the terminal shows).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        match sev {
            Severity::Error => self.wrap("1;31", "error"),
            Severity::Warning => self.wrap("1;33", "warning"),
            Severity::Note => self.wrap("1;36", "note"),
        }
    }
    fn verdict(&self, v: Verdict) -> String {
        let text = v.as_str().to_uppercase();
        match v {
            Verdict::Match => self.wrap("1;32", &text),
            Verdict::Encrypted | Verdict::Unsupported => self.wrap("1;33", &text),
            _ => self.wrap("1;31", &text),
        }
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

pub fn location_text(loc: &Location) -> String {
    let mut s = escape(&loc.path).into_owned();
    if let Some(line) = loc.line {
        s.push_str(&format!(":{line}"));
    } else if let Some(block) = loc.block {
        s.push_str(&format!(" (PEM block {block})"));
    }
    if let Some(sp) = &loc.server_path {
        if sp != &loc.path {
            s.push_str(&format!(" [{}]", escape(sp)));
        }
    }
    s
}

fn item_text(item: &Option<super::ItemRef>) -> String {
    match item {
        None => "-".to_string(),
        Some(i) => {
            let mut s = escape(&i.path).into_owned();
            if let Some(b) = i.block.filter(|&b| b > 0) {
                s.push_str(&format!(" (PEM block {b})"));
            }
            s
        }
    }
}

fn write_finding(out: &mut dyn Write, p: &Paint, f: &Finding) -> io::Result<()> {
    let mut locs = f.locations.iter();
    let head = locs.next().map(location_text).unwrap_or_else(|| "-".to_string());
    writeln!(out, "  {}: {}[{}] {}", head, p.severity(f.severity), f.code, escape(&f.message))?;
    for extra in locs {
        writeln!(out, "      {} {}", p.dim("also:"), location_text(extra))?;
    }
    match &f.hint {
        Some(h) => writeln!(out, "      {} {}", p.dim("fix:"), escape(h))?,
        None => writeln!(out, "      {} keymatch explain {}", p.dim("see:"), f.code)?,
    }
    Ok(())
}

fn pair_header(out: &mut dyn Write, p: &Paint, pr: &PairReport) -> io::Result<()> {
    let origin = match (&pr.origin.path, pr.origin.line) {
        (Some(path), Some(line)) => format!("{} {}:{}", pr.origin.kind, path, line),
        (Some(path), None) => format!("{} {}", pr.origin.kind, path),
        _ => pr.origin.kind.clone(),
    };
    writeln!(
        out,
        "{} {} + {}  {}",
        p.verdict(pr.verdict),
        item_text(&pr.cert),
        item_text(&pr.key),
        p.dim(&escape(&format!("[{origin}] {}", pr.algorithm))),
    )
}

/// "copies: 1999 more of the certificate (a.crt, b.crt, c.crt, …); 1999 more of the key (…)".
fn copies_line(out: &mut dyn Write, p: &Paint, pr: &PairReport) -> io::Result<()> {
    let list = |what: &str, paths: &[String]| -> Option<String> {
        let (first, rest) =
            (paths.iter().take(3).map(|s| escape(s)).collect::<Vec<_>>(), paths.len().saturating_sub(3));
        let more = if rest > 0 { format!(", and {rest} more") } else { String::new() };
        (!paths.is_empty()).then(|| format!("{} of the {what} ({}{more})", paths.len(), first.join(", ")))
    };
    let parts: Vec<String> =
        [list("certificate", &pr.cert_copies), list("key", &pr.key_copies)].into_iter().flatten().collect();
    if parts.is_empty() {
        return Ok(());
    }
    writeln!(out, "      {} {}", p.dim("identical copies checked with it:"), parts.join("; "))
}

/// Does this finding concern this pair's certificate or key file?
fn belongs(f: &Finding, pr: &PairReport) -> bool {
    let paths: Vec<&str> = [&pr.cert, &pr.key].iter().filter_map(|i| i.as_ref().map(|i| i.path.as_str())).collect();
    f.locations.iter().any(|l| paths.contains(&l.path.as_str()))
        || matches!((&pr.origin.path, f.locations.first()), (Some(op), Some(l)) if *op == l.path && pr.origin.line == l.line)
}

impl Emitter for Human {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        let p = Paint { on: opts.color };
        if opts.command == "check" {
            return emit_check(report, opts, &p, out);
        }
        let mut used = vec![false; report.findings.len()];
        for pr in &report.pairs {
            let mine: Vec<usize> =
                (0..report.findings.len()).filter(|&i| !used[i] && belongs(&report.findings[i], pr)).collect();
            if opts.quiet && mine.is_empty() {
                continue;
            }
            pair_header(out, &p, pr)?;
            copies_line(out, &p, pr)?;
            for i in mine {
                used[i] = true;
                write_finding(out, &p, &report.findings[i])?;
            }
        }
        let rest: Vec<&Finding> = report.findings.iter().zip(&used).filter(|(_, u)| !**u).map(|(f, _)| f).collect();
        if !rest.is_empty() {
            if !report.pairs.is_empty() {
                writeln!(out)?;
            }
            writeln!(out, "{}", p.dim("not part of a pair:"))?;
            for f in rest {
                write_finding(out, &p, f)?;
            }
        }
        if !opts.quiet {
            summary_line(report, out)?;
        }
        Ok(())
    }
}

fn summary_line(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "\n{} files, {} certificates, {} keys, {} pairs: {} errors, {} warnings, {} notes",
        s.files, s.certificates, s.keys, s.pairs, s.errors, s.warnings, s.notes
    )?;
    suppressed_line(report, out)?;
    recognised_lines(report, out)
}

/// What the scan recognised: the server configs it read, the settings file it obeyed, files that
/// look like configs but that no dialect read, and (`-v`) the files skipped by name.
fn recognised_lines(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    if !s.configs.is_empty() {
        let parts: Vec<String> = s.configs.iter().map(|(name, n)| format!("{n} {name}")).collect();
        writeln!(out, "configs read: {}", parts.join(", "))?;
    }
    if let Some(settings) = &s.settings {
        writeln!(out, "settings: {}", escape(settings))?;
    }
    if let Some(first) = s.unclaimed_configs.first() {
        let n = s.unclaimed_configs.len();
        let (noun, verb) = if n == 1 { ("file", "names") } else { ("files", "name") };
        let more = if n > 1 { format!(" and {} more", n - 1) } else { String::new() };
        writeln!(
            out,
            "{n} {noun} {verb} TLS certificate directives but no server dialect read them ({}{more}); \
             if one is a server config, name it with --server DIALECT=PATH",
            escape(first)
        )?;
        if s.verbose {
            for path in &s.unclaimed_configs {
                writeln!(out, "  {}", escape(path))?;
            }
        }
    }
    if s.verbose {
        writeln!(out, "skipped by name, not opened ({}):", s.skipped.len())?;
        for (path, why) in &s.skipped {
            writeln!(out, "  {}: {why}", escape(path))?;
        }
    }
    Ok(())
}

/// "3 findings not reported (allow): 2 orphan-key by repo/.keymatch.toml, 1 expired by --allow".
fn suppressed_line(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    if s.suppressed == 0 {
        return Ok(());
    }
    let parts: Vec<String> =
        s.suppressed_by.iter().map(|x| format!("{} {} by {}", x.count, x.code, escape(&x.source))).collect();
    let noun = if s.suppressed == 1 { "finding" } else { "findings" };
    writeln!(out, "{} {noun} not reported (allow): {}", s.suppressed, parts.join(", "))
}

/// `keymatch check`: one clear verdict, both fingerprints, what to do next.
fn emit_check(report: &Report, opts: &RenderOptions, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    if let Some(pr) = report.pairs.first() {
        let line = match pr.verdict {
            Verdict::Match => "the key belongs to the certificate",
            Verdict::Mismatch => "the key does not belong to the certificate the server would serve",
            Verdict::KeyCorrupt => "the private key is internally inconsistent",
            Verdict::Encrypted => "the key is encrypted; no passphrase opened it",
            Verdict::Unsupported => "keymatch does not check this algorithm or format",
            Verdict::Unreadable => "a file could not be read",
            Verdict::Malformed => "a file does not decode",
        };
        writeln!(out, "{}: {}", p.verdict(pr.verdict), line)?;
        writeln!(
            out,
            "  certificate  {}  {}  {}",
            item_text(&pr.cert),
            escape(&pr.algorithm),
            pr.fingerprint.as_deref().unwrap_or("-")
        )?;
        writeln!(out, "  key          {}  {}", item_text(&pr.key), pr.key_fingerprint.as_deref().unwrap_or("-"))?;
        if let Some(subject) = &pr.subject {
            writeln!(out, "  subject      {}", escape(subject))?;
        }
        if let Some(na) = &pr.not_after {
            writeln!(out, "  not after    {na}")?;
        }
    }
    for f in &report.findings {
        write_finding(out, p, f)?;
    }
    suppressed_line(report, out)?;
    if !opts.quiet && report.findings.is_empty() && report.summary.suppressed == 0 {
        if let Some(pr) = report.pairs.first() {
            if pr.verdict == Verdict::Match {
                writeln!(out, "  next: nothing to do; `keymatch scan` checks a whole server or repository")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_borrowed() {
        assert_eq!(escape("a\nMATCH all good\r\t"), "a\\nMATCH all good\\r\\t");
        assert_eq!(escape("x\x1b[2J\u{9b}y\u{202e}z\x7f"), "x\\u{1b}[2J\\u{9b}y\\u{202e}z\\u{7f}");
        assert!(matches!(escape("etc/ssl/é.pem"), std::borrow::Cow::Borrowed(_)));
    }
}
