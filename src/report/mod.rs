//! Report: the one model every output format renders (pairs with verdicts,
//! findings, summary), sorted so the same tree gives byte-identical output,
//! and the exit code. One emitter per format (`human`, `json`, …) writes to a
//! `&mut dyn Write`; only `main.rs` touches stdout/stderr.

pub mod human;
pub mod inventory;
pub mod json;
pub mod nagios;
pub mod prometheus;
pub mod sarif;

use crate::finding::{Finding, Severity};
use crate::pair::Origin;
use crate::verify::Verdict;
use serde::Serialize;
use std::io::{self, Write};

/// A certificate or key as a pair names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ItemRef {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<usize>,
}

/// One pair in the output.
#[derive(Debug, Clone, Serialize)]
pub struct PairReport {
    pub cert: Option<ItemRef>,
    pub key: Option<ItemRef>,
    pub origin: Origin,
    pub algorithm: String,
    pub verdict: Verdict,
    /// `sha256:` of the certificate's public key (canonical SPKI DER).
    pub fingerprint: Option<String>,
    /// `sha256:` of the public key derived from the private key.
    pub key_fingerprint: Option<String>,
    /// The leaf's notAfter, RFC 3339 (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// The leaf's notAfter as Unix seconds (for metrics).
    #[serde(skip)]
    pub not_after_unix: Option<i64>,
    /// The leaf's subject, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The leaf's common name, then its other subjectAltName DNS names (inventory).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Other files holding the same certificate file / the same key, checked through this pair.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cert_copies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_copies: Vec<String>,
}

/// A certificate of a served chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCertReport {
    pub subject: String,
    /// `sha256:` of the certificate's public key (as `pairs[].fingerprint`).
    pub fingerprint: Option<String>,
    /// SHA-256 of the whole certificate DER, hex.
    pub cert_sha256: String,
    /// notAfter, RFC 3339 (UTC).
    pub not_after: String,
    /// notAfter, Unix seconds (metrics).
    #[serde(skip)]
    pub not_after_unix: i64,
}

/// The certificate file a config names for a probed listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskRef {
    /// The certificate file.
    pub path: String,
    /// The config and the line that declares the listener.
    pub config: String,
    pub line: Option<u32>,
    /// SHA-256 of the leaf certificate on disk, hex, and its notAfter (RFC 3339).
    #[serde(skip)]
    pub cert_sha256: Option<String>,
    #[serde(skip)]
    pub not_after: Option<String>,
    /// SHA-256 of other certificates configured for the same address, port and name.
    #[serde(skip)]
    pub alternatives: Vec<String>,
}

/// One probed TLS endpoint (`keymatch probe`, `scan --probe`).
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    /// `tls://ADDR:PORT (SNI)`: where its findings are located.
    #[serde(skip)]
    pub label: String,
    pub address: String,
    pub port: u16,
    pub sni: Option<String>,
    pub starttls: Option<String>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// The certificates the server sent, leaf first.
    pub chain: Vec<ChainCertReport>,
    /// The handshake signature checked against the served leaf's key.
    pub signature: Signature,
    /// Why no handshake completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub disk: Option<DiskRef>,
}

/// The handshake signature of a probed endpoint (JSON `signature`), as checked against the served leaf's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signature {
    Valid,
    Invalid,
    #[default]
    NotChecked,
}

/// Counts for the summary line and JSON `summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub certificates: usize,
    pub keys: usize,
    pub pairs: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings not reported because `--allow` or a settings file's `allow` named their code.
    pub suppressed: usize,
    /// TLS endpoints probed (`probe`, `scan --probe`).
    #[serde(skip_serializing_if = "is_zero")]
    pub endpoints: usize,
    /// Who suppressed how many of which code (empty when nothing was suppressed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed_by: Vec<Suppressed>,
    /// The settings file obeyed (`.keymatch.toml` found, or `--config`); absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
    /// Server config files read (entry points and includes), by server family: `{"nginx": 3}`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub configs: std::collections::BTreeMap<String, usize>,
    /// Files that name a TLS certificate directive but that no dialect read (a config outside
    /// its server's usual paths: `--server DIALECT=PATH` names it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unclaimed_configs: Vec<String>,
    /// Files counted but not opened because their name says they hold no TLS material.
    pub skipped_by_name: usize,
    /// `scan -v`: those files and why (human output only).
    #[serde(skip)]
    pub skipped: Vec<(String, &'static str)>,
    /// `scan -v`: list every unclaimed config and skipped file (human output only).
    #[serde(skip)]
    pub verbose: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Findings of one code that one source (`--allow`, or a settings file) kept out of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Suppressed {
    /// `--allow`, or the settings file's path.
    pub source: String,
    pub code: String,
    pub count: usize,
}

/// Everything a run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub pairs: Vec<PairReport>,
    /// Probed TLS endpoints, in the order given.
    pub endpoints: Vec<EndpointReport>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Something the user named could not be checked (`check` without a proof: an encrypted,
    /// unsupported or unreadable side; a file or stream over the size cap): exit 1 whatever the
    /// findings' severities, unless `--fail-on never`.
    pub unproven: bool,
}

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

impl Report {
    /// Sort pairs and findings deterministically, drop exact duplicate
    /// findings, and count the summary's severities. Call once, before rendering.
    pub fn finish(&mut self) {
        for f in &mut self.findings {
            f.locations.sort();
            f.locations.dedup();
        }
        let by_key = |a: &Finding, b: &Finding| a.sort_key().cmp(&b.sort_key());
        let by_files = |a: &PairReport, b: &PairReport| (&a.cert, &a.key, &a.origin).cmp(&(&b.cert, &b.key, &b.origin));
        // A scan's tens of thousands are sorted on its workers (stable either way: one order).
        if crate::pair::in_pool() {
            use rayon::slice::ParallelSliceMut;
            self.findings.par_sort_by(by_key);
            self.pairs.par_sort_by(by_files);
        } else {
            self.findings.sort_by(by_key);
            self.pairs.sort_by(by_files);
        }
        self.findings.dedup();
        self.summary.pairs = self.pairs.len();
        self.summary.errors = self.count(Severity::Error);
        self.summary.warnings = self.count(Severity::Warning);
        self.summary.notes = self.count(Severity::Note);
    }

    fn count(&self, sev: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == sev).count()
    }

    /// 0 when nothing is at or above `fail_on` and nothing named went unchecked, else 1.
    pub fn exit_code(&self, fail_on: FailOn) -> i32 {
        match fail_on.threshold() {
            Some(t) if self.unproven || self.findings.iter().any(|f| f.severity >= t) => 1,
            _ => 0,
        }
    }
}

/// What renderers may need beyond the report.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// Only findings, no summary and no healthy pairs.
    pub quiet: bool,
    /// The command that produced the report ("check" or "scan").
    pub command: &'static str,
    /// Wall time of the scan and the Unix time it finished (metrics only;
    /// never in human or JSON output, which stay deterministic).
    pub duration_seconds: f64,
    pub finished_unix: i64,
    /// The scanned root (one directory, or a file's directory): SARIF paths are made
    /// relative to it. `None`: paths as printed, relative to where keymatch ran.
    pub base: Option<std::path::PathBuf>,
    /// "Now" as the run used it (`--at`, or the clock): days left (nagios perfdata).
    pub now: i64,
    /// `--warn-days` (nagios perfdata threshold).
    pub warn_days: u32,
}

/// `value` as pretty-printed JSON and a newline. Buffered here, in a writer whose type is
/// known: serde_json's many small writes are then copies into the buffer, not calls through
/// `dyn Write` (about a third of the writing time of a 47 MB report; benches/README.md).
pub(crate) fn write_pretty_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(256 * 1024, out);
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// One output format.
pub trait Emitter {
    fn emit(&self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()>;
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    /// SARIF 2.1.0 for code scanning (GitHub and others).
    Sarif,
    /// Prometheus text format for the node_exporter textfile collector.
    Prometheus,
    /// A Nagios / Icinga / monitoring-plugins check result (status line, perfdata, exit 0-3).
    Nagios,
}

/// The emitter for a format.
pub fn emitter(format: Format) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(human::Human),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Prometheus => Box::new(prometheus::Prometheus),
        Format::Nagios => Box::new(nagios::Nagios),
    }
}

/// Unix seconds → RFC 3339 UTC ("2026-11-27T00:00:00Z"): the crate's one date formatter, shared with
/// the date findings.
pub(crate) use crate::verify::dates::rfc3339;
