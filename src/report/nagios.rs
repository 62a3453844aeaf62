//! `--format nagios`: the Nagios / Icinga / monitoring-plugins convention. One status line
//! `KEYMATCH OK|WARNING|CRITICAL - summary | perfdata`, then one line per error and warning
//! (the plugin's "long output"). The state follows the worst finding: an error is CRITICAL
//! (the server will not start or handshakes fail), a warning WARNING, notes stay OK; a `check`
//! that could not prove its pair is WARNING. `main.rs` exits 0, 1, 2 by the state, and 3
//! (UNKNOWN, written by [`unknown`]) when keymatch could not run at all.
//!
//! Perfdata follows the Monitoring Plugins development guidelines
//! (`'label'=value[UOM];[warn];[crit];[min];[max]`, space separated, thresholds in range syntax):
//! `pairs`, `errors` (critical above 0), `warnings` (warning above 0) and, when a pair has a
//! certificate with a date, `min_days_left` (warning below `--warn-days`, critical below 0).

use super::human::escape;
use super::{Emitter, RenderOptions, Report};
use crate::finding::{Finding, Severity};
use std::io::{self, Write};

pub struct Nagios;

/// Findings detailed below the status line at most (monitoring systems keep only so much of a
/// plugin's output); a last line counts the rest.
const MAX_DETAILS: usize = 50;

/// A monitoring plugin's state, with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// The plugin exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    pub fn exit_code(self) -> u8 {
        self as u8
    }
}

/// The state of a finished report: the worst finding decides.
pub fn state(report: &Report) -> State {
    let worst = report.findings.iter().map(|f| f.severity).max();
    match worst {
        Some(Severity::Error) => State::Critical,
        _ if report.unproven => State::Warning,
        Some(Severity::Warning) => State::Warning,
        _ => State::Ok,
    }
}

/// The status line for "keymatch could not run" (exit 3).
pub fn unknown(reason: &str) -> String {
    format!("KEYMATCH UNKNOWN - {}\n", one_line(reason))
}

/// Text from the scanned material on a plugin output line: control characters escaped, and `|`
/// (which starts perfdata on any line of a plugin's output) written as `¦`.
fn one_line(s: &str) -> String {
    escape(s).replace('|', "\u{a6}")
}

/// Whole days from `now` to `not_after`, rounded down (negative once expired).
fn days_left(not_after: i64, now: i64) -> i64 {
    (not_after - now).div_euclid(86_400)
}

fn where_(f: &Finding) -> String {
    match f.locations.first() {
        Some(l) => match l.line {
            Some(line) => format!("{}:{line}", l.path),
            None => l.path.clone(),
        },
        None => "-".to_string(),
    }
}

fn plural(n: usize, noun: &str) -> String {
    super::human::count(n, noun)
}

impl Emitter for Nagios {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let st = state(report);
        let min_days = report.pairs.iter().filter_map(|p| p.not_after_unix).map(|t| days_left(t, opts.now)).min();
        let serious: Vec<&Finding> = report.findings.iter().filter(|f| f.severity >= Severity::Warning).collect();
        let mut summary = match st {
            State::Ok => {
                let mut t = format!("{} checked", plural(s.pairs, "pair"));
                if let Some(d) = min_days {
                    t.push_str(&format!(", next expiry in {}", plural(d.max(0) as usize, "day")));
                }
                if s.notes > 0 {
                    t.push_str(&format!(", {}", plural(s.notes, "note")));
                }
                t
            }
            _ => {
                let mut parts = Vec::new();
                if s.errors > 0 {
                    parts.push(plural(s.errors, "error"));
                }
                if s.warnings > 0 {
                    parts.push(plural(s.warnings, "warning"));
                }
                if parts.is_empty() {
                    parts.push("the pair could not be proven".to_string());
                }
                let mut t = format!("{} in {}", parts.join(", "), plural(s.pairs, "pair"));
                if let Some(f) = serious.first() {
                    t.push_str(&format!(" (first: {} at {})", f.code, where_(f)));
                }
                t
            }
        };
        summary = one_line(&summary);
        let mut perf = vec![
            format!("pairs={};;;0", s.pairs),
            format!("errors={};;0;0", s.errors),
            format!("warnings={};0;;0", s.warnings),
        ];
        if let Some(d) = min_days {
            perf.push(format!("min_days_left={d};{}:;0:", opts.warn_days));
        }
        writeln!(out, "KEYMATCH {} - {} | {}", st.as_str(), summary, perf.join(" "))?;
        for f in serious.iter().take(MAX_DETAILS) {
            writeln!(out, "{}[{}] {}: {}", f.severity, f.code, one_line(&where_(f)), one_line(&f.message))?;
            if let Some(h) = &f.hint {
                writeln!(out, "  fix: {}", one_line(h))?;
            }
        }
        if serious.len() > MAX_DETAILS {
            writeln!(out, "and {} more (the human or JSON format lists them all)", serious.len() - MAX_DETAILS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_down_and_go_negative_once_expired() {
        assert_eq!(days_left(86_400 * 10 + 5, 0), 10);
        assert_eq!(days_left(86_399, 0), 0);
        assert_eq!(days_left(-1, 0), -1);
    }

    #[test]
    fn pipes_and_newlines_cannot_leave_their_line() {
        assert_eq!(one_line("a|b\nc"), "a\u{a6}b\\nc");
        assert_eq!(unknown("x\ny | z"), "KEYMATCH UNKNOWN - x\\ny \u{a6} z\n");
    }

    #[test]
    fn details_stop_at_the_cap_and_count_the_rest() {
        use crate::finding::{Code, Location};
        let mut report = Report::default();
        for i in 0..(MAX_DETAILS + 7) {
            let loc = Location::file(format!("k{i:03}.key"));
            report.findings.push(Finding::new(Code::KeyPermissions, format!("key {i} | mode 0644"), vec![loc]));
        }
        report.finish();
        let mut out = Vec::new();
        Nagios.emit(&report, &RenderOptions::default(), &mut out).expect("render");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("KEYMATCH WARNING - 57 warnings in 0 pairs (first: key-permissions at k000.key) | ")
        );
        assert_eq!(lines.len(), 1 + MAX_DETAILS + 1, "{text}");
        assert_eq!(lines[lines.len() - 1], "and 7 more (the human or JSON format lists them all)");
        assert!(lines[1..].iter().all(|l| !l.contains('|')), "{text}");
        assert_eq!(state(&report).exit_code(), 1);
    }

    #[test]
    fn exit_codes_follow_the_plugin_convention() {
        let codes: Vec<u8> =
            [State::Ok, State::Warning, State::Critical, State::Unknown].iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
    }
}
