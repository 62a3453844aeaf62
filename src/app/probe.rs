//! `keymatch probe`: probe the endpoints the user names and report what they serve.

use super::finish;
use crate::config::ProbeConfig;
use crate::error::Error;
use crate::probe::{add_endpoints, probe_all};
use crate::report::Report;
use crate::verify::Clock;

/// `keymatch probe`.
pub fn probe(cfg: &ProbeConfig) -> Result<Report, Error> {
    let clock = Clock { now: cfg.common.now, warn_days: cfg.common.warn_days };
    let served = probe_all(&cfg.targets, cfg.timeout, cfg.jobs);
    let mut report = Report::default();
    add_endpoints(&mut report, &cfg.targets, &served, &clock);
    report.summary.certificates = report.endpoints.iter().map(|e| e.chain.len()).sum();
    finish(report, &cfg.common)
}
