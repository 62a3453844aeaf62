//! Human output, like a compiler: per pair a verdict line, then each finding
//! with its location, its code, what is wrong and, right after, the `fix:` line
//! saying what to do; findings not about a pair follow; then a summary line
//! ("1 pair: 1 error, 0 warnings"). Lines are wrapped at 100 columns for a
//! terminal and cron mail (a path is never broken); paths are printed as the
//! scan was given them; a config location that is a symbolic link (Debian's
//! `sites-enabled/`) also names its target. Written through one buffer.

use super::{Emitter, PairReport, RenderOptions, Report};
use crate::finding::{Finding, Location, Severity};
use crate::verify::Verdict;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

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

/// Lines are wrapped at this many characters (paths are never broken, so a line with one very
/// long path may be longer); continuation lines are indented by six spaces.
const WIDTH: usize = 100;
const INDENT: &str = "      ";

/// "1 error", "2 errors", "0 files".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Greedy word wrap of `text` at spaces: the first line has `first` characters left, the others
/// `WIDTH` less the indent. A word longer than a line (a long path) stays whole on its own line.
fn wrap(text: &str, first: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut room = first.max(20);
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        let len = line.chars().count();
        let wlen = word.chars().count();
        if len == 0 || len + 1 + wlen <= room {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
        } else {
            lines.push(word.to_string());
            room = WIDTH - INDENT.len();
        }
    }
    lines
}

/// Write `prefix` (visible width `prefix_len`, may hold colour codes) and `text` wrapped.
fn write_wrapped(out: &mut dyn Write, prefix: &str, prefix_len: usize, text: &str) -> io::Result<()> {
    let mut lines = wrap(text, WIDTH.saturating_sub(prefix_len)).into_iter();
    writeln!(out, "{prefix}{}", lines.next().unwrap_or_default())?;
    for l in lines {
        writeln!(out, "{INDENT}{l}")?;
    }
    Ok(())
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

/// Colour, and the symbolic links already looked up (a config location in `sites-enabled/` is
/// usually a link into `sites-available/`: the report names both).
struct Ctx {
    paint: Paint,
    links: RefCell<HashMap<String, Option<String>>>,
}

impl Ctx {
    fn new(color: bool) -> Ctx {
        Ctx { paint: Paint { on: color }, links: RefCell::new(HashMap::new()) }
    }

    /// " (-> etc/nginx/sites-available/shop)" when `path` is a symbolic link: its target, relative
    /// to where keymatch runs as `path` is (an absolute target as the link says it).
    fn link_note(&self, path: &str) -> String {
        let mut links = self.links.borrow_mut();
        let note = links.entry(path.to_string()).or_insert_with(|| link_target(Path::new(path)));
        match note {
            Some(t) => format!(" (-> {})", escape(t)),
            None => String::new(),
        }
    }

    fn location_text(&self, loc: &Location) -> String {
        self.location(loc, true)
    }

    /// `path:line` (with ` (-> target)` when `link` and the path is a symbolic link), or
    /// `path (PEM block N)`, then ` [server path]` when the server names the file otherwise.
    fn location(&self, loc: &Location, link: bool) -> String {
        let mut s = escape(&loc.path).into_owned();
        if let Some(line) = loc.line {
            s.push_str(&format!(":{line}"));
            if link {
                s.push_str(&self.link_note(&loc.path));
            }
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
}

/// Where a symbolic link points, joined to the link's directory and tidied lexically
/// (`etc/nginx/sites-enabled/../sites-available/shop` → `etc/nginx/sites-available/shop`).
fn link_target(path: &Path) -> Option<String> {
    if !std::fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
        return None;
    }
    let target = std::fs::read_link(path).ok()?;
    if target.is_absolute() {
        return Some(target.to_string_lossy().into_owned());
    }
    let joined = path.parent().map(|d| d.join(&target)).unwrap_or(target);
    let mut parts: Vec<Component> = Vec::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let tidy: PathBuf = parts.iter().collect();
    Some(tidy.to_string_lossy().into_owned())
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

/// A finding: where and what (wrapped), then right away what to do, then its other locations.
fn write_finding(out: &mut dyn Write, ctx: &Ctx, f: &Finding) -> io::Result<()> {
    let p = &ctx.paint;
    let mut locs = f.locations.iter();
    let first = locs.next();
    let tag_len = f.severity.as_str().len() + f.code.as_str().len() + 2;
    let mut head = first.map(|l| ctx.location_text(l)).unwrap_or_else(|| "-".to_string());
    // A link target that would push the head line past the width gets a line of its own.
    let mut link_line = None;
    if let Some(l) = first {
        if l.line.is_some() && 4 + head.chars().count() + tag_len > WIDTH {
            let note = ctx.link_note(&l.path);
            if !note.is_empty() {
                head = ctx.location(l, false);
                link_line =
                    Some(format!("{}{}", escape(&l.path), note.replacen(" (->", " ->", 1).trim_end_matches(')')));
            }
        }
    }
    let plain_len = 4 + head.chars().count() + tag_len + 1;
    let prefix = format!("  {}: {}[{}] ", head, p.severity(f.severity), f.code);
    if plain_len > WIDTH / 2 {
        // A long location: the message starts on its own line.
        writeln!(out, "{}", prefix.trim_end())?;
        write_wrapped(out, INDENT, INDENT.len(), &escape(&f.message))?;
    } else {
        write_wrapped(out, &prefix, plain_len, &escape(&f.message))?;
    }
    match &f.hint {
        Some(h) => write_wrapped(out, &format!("{INDENT}{} ", p.dim("fix:")), INDENT.len() + 5, &escape(h))?,
        None => writeln!(out, "{INDENT}{} keymatch explain {}", p.dim("see:"), f.code)?,
    }
    if let Some(l) = link_line {
        writeln!(out, "{INDENT}{} {l}", p.dim("link:"))?;
    }
    for extra in locs {
        writeln!(out, "{INDENT}{} {}", p.dim("also:"), ctx.location_text(extra))?;
    }
    Ok(())
}

/// "MISMATCH cert + key", then on its own line where the pair comes from and its algorithm.
fn pair_header(out: &mut dyn Write, ctx: &Ctx, pr: &PairReport) -> io::Result<()> {
    let p = &ctx.paint;
    let origin = match (&pr.origin.path, pr.origin.line) {
        (Some(path), Some(line)) => {
            format!("{} {}:{}{}", pr.origin.kind, escape(path), line, ctx.link_note(path))
        }
        (Some(path), None) => format!("{} {}", pr.origin.kind, escape(path)),
        _ => escape(&pr.origin.kind).into_owned(),
    };
    let cert = item_text(&pr.cert);
    let key = item_text(&pr.key);
    let tail = format!("[{origin}] {}", escape(&pr.algorithm));
    let verdict_len = pr.verdict.as_str().len();
    let one_line = verdict_len + cert.chars().count() + key.chars().count() + tail.chars().count() + 6;
    if one_line <= WIDTH {
        writeln!(out, "{} {} + {}  {}", p.verdict(pr.verdict), cert, key, p.dim(&tail))
    } else {
        writeln!(out, "{} {} + {}", p.verdict(pr.verdict), cert, key)?;
        writeln!(out, "{INDENT}{}", p.dim(&tail))
    }
}

/// "copies: 1999 more of the certificate (a.crt, b.crt, c.crt, …); 1999 more of the key (…)".
fn copies_line(out: &mut dyn Write, ctx: &Ctx, pr: &PairReport) -> io::Result<()> {
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
    let label = "identical copies checked with it:";
    write_wrapped(out, &format!("{INDENT}{} ", ctx.paint.dim(label)), INDENT.len() + label.len() + 1, &parts.join("; "))
}

/// Which findings go under which pair: a finding belongs to the first pair (in report order) that
/// names one of its locations' files as certificate or key, or whose config line is its first
/// location. Indexed by path, so many pairs and findings cost linear time.
fn assign(report: &Report) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_line: HashMap<(&str, Option<u32>), Vec<usize>> = HashMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        for l in &f.locations {
            by_path.entry(l.path.as_str()).or_default().push(i);
        }
        if let Some(l) = f.locations.first() {
            by_line.entry((l.path.as_str(), l.line)).or_default().push(i);
        }
    }
    let mut used = vec![false; report.findings.len()];
    let mut per_pair = Vec::with_capacity(report.pairs.len());
    for pr in &report.pairs {
        let mut mine: Vec<usize> = Vec::new();
        for item in [&pr.cert, &pr.key].into_iter().flatten() {
            mine.extend(by_path.get(item.path.as_str()).into_iter().flatten().copied());
        }
        if let Some(op) = &pr.origin.path {
            mine.extend(by_line.get(&(op.as_str(), pr.origin.line)).into_iter().flatten().copied());
        }
        mine.sort_unstable();
        mine.dedup();
        mine.retain(|&i| !std::mem::replace(&mut used[i], true));
        per_pair.push(mine);
    }
    let rest = (0..report.findings.len()).filter(|&i| !used[i]).collect();
    (per_pair, rest)
}

impl Emitter for Human {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 * 1024, out);
        let ctx = Ctx::new(opts.color);
        if opts.command == "check" {
            emit_check(report, opts, &ctx, &mut out)?;
            return out.flush();
        }
        let (per_pair, rest) = assign(report);
        for (pr, mine) in report.pairs.iter().zip(per_pair) {
            if opts.quiet && mine.is_empty() {
                continue;
            }
            pair_header(&mut out, &ctx, pr)?;
            copies_line(&mut out, &ctx, pr)?;
            for i in mine {
                write_finding(&mut out, &ctx, &report.findings[i])?;
            }
        }
        // Live endpoints take the findings located at their `tls://` label.
        let mut rest: Vec<usize> = rest;
        for ep in &report.endpoints {
            let (mine, others): (Vec<usize>, Vec<usize>) =
                rest.iter().partition(|&&i| report.findings[i].locations.iter().any(|l| l.path == ep.label));
            rest = others;
            if opts.quiet && mine.is_empty() {
                continue;
            }
            endpoint_header(&mut out, &ctx.paint, ep)?;
            for i in mine {
                write_finding(&mut out, &ctx, &report.findings[i])?;
            }
        }
        if !rest.is_empty() {
            if !report.pairs.is_empty() {
                writeln!(out)?;
            }
            writeln!(out, "{}", ctx.paint.dim("not part of a pair:"))?;
            for i in rest {
                write_finding(&mut out, &ctx, &report.findings[i])?;
            }
        }
        if !opts.quiet {
            summary_line(report, &mut out)?;
        }
        out.flush()
    }
}

/// "OK tls://127.0.0.1:8443 (a.example)  TLSv1.3 TLS_AES_256_GCM_SHA384, signature valid, CN=a.example".
fn endpoint_header(out: &mut dyn Write, p: &Paint, ep: &super::EndpointReport) -> io::Result<()> {
    use crate::report::Signature;
    let head = match (ep.signature, &ep.error) {
        (Signature::Invalid, _) => p.wrap("1;31", "KEY-MISMATCH"),
        (_, Some(_)) => p.wrap("1;31", "FAILED"),
        _ => p.wrap("1;32", "OK"),
    };
    let mut parts = Vec::new();
    if let (Some(v), Some(c)) = (&ep.tls_version, &ep.cipher) {
        parts.push(format!("{v} {c}"));
    }
    if ep.error.is_none() || ep.signature == Signature::Invalid {
        let sig = match ep.signature {
            Signature::Valid => "signature valid",
            Signature::Invalid => "signature INVALID",
            Signature::NotChecked => "signature not checked",
        };
        parts.push(sig.to_string());
    }
    if let Some(leaf) = ep.chain.first() {
        parts.push(format!("{} (until {})", leaf.subject, leaf.not_after));
    }
    writeln!(out, "{} {}  {}", head, escape(&ep.label), p.dim(&escape(&parts.join(", "))))
}

fn summary_line(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    if s.endpoints > 0 && s.files == 0 {
        writeln!(
            out,
            "\n{} endpoints, {} certificates served: {} errors, {} warnings, {} notes",
            s.endpoints, s.certificates, s.errors, s.warnings, s.notes
        )?;
        return suppressed_line(report, out);
    }
    writeln!(
        out,
        "\n{}, {}, {}, {}: {}, {}, {}",
        count(s.files, "file"),
        count(s.certificates, "certificate"),
        count(s.keys, "key"),
        count(s.pairs, "pair"),
        count(s.errors, "error"),
        count(s.warnings, "warning"),
        count(s.notes, "note"),
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
fn emit_check(report: &Report, opts: &RenderOptions, ctx: &Ctx, out: &mut dyn Write) -> io::Result<()> {
    let p = &ctx.paint;
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
        write_finding(out, ctx, f)?;
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
    use super::{count, escape, wrap, WIDTH};

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(count(1, "error"), "1 error");
        assert_eq!(count(0, "error"), "0 errors");
        assert_eq!(count(2, "file"), "2 files");
        assert_eq!(count(1, "pair"), "1 pair");
        assert_eq!(count(1, "key"), "1 key");
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width_and_words_whole() {
        let text = "the private key etc/ssl/x.key does not belong to the certificate etc/ssl/y.pem ".repeat(4);
        let lines = wrap(text.trim_end(), 40);
        assert!(lines[0].chars().count() <= 40, "{lines:?}");
        assert!(lines.iter().skip(1).all(|l| l.chars().count() <= WIDTH - 6), "{lines:?}");
        assert_eq!(lines.join(" "), text.trim_end());
        let long = "x".repeat(150);
        let lines = wrap(&format!("a {long} b"), 60);
        assert_eq!(lines, ["a", long.as_str(), "b"]);
    }

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_borrowed() {
        assert_eq!(escape("a\nMATCH all good\r\t"), "a\\nMATCH all good\\r\\t");
        assert_eq!(escape("x\x1b[2J\u{9b}y\u{202e}z\x7f"), "x\\u{1b}[2J\\u{9b}y\\u{202e}z\\u{7f}");
        assert!(matches!(escape("etc/ssl/é.pem"), std::borrow::Cow::Borrowed(_)));
    }
}
