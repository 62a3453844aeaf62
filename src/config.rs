//! The CLI-free configuration the core runs on. `cli.rs` builds it from
//! arguments (and, later, `.keymatch.toml`); nothing below sees clap.

use crate::discover::DiscoverOptions;
use crate::finding::Code;
use crate::paths::PathMap;
use crate::report::{FailOn, Format};
use crate::verify::PrimeTest;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The passphrases to try on encrypted keys. Wiped from memory when dropped; `Debug` shows only
/// how many there are, so a logged or printed configuration never holds one.
#[derive(Clone, Default)]
pub struct Passphrases(Zeroizing<Vec<Vec<u8>>>);

impl Passphrases {
    pub fn new(list: Vec<Vec<u8>>) -> Passphrases {
        Passphrases(Zeroizing::new(list))
    }
}

impl std::ops::Deref for Passphrases {
    type Target = [Vec<u8>];
    fn deref(&self) -> &[Vec<u8>] {
        &self.0
    }
}

impl std::fmt::Debug for Passphrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Passphrases({} redacted)", self.0.len())
    }
}

/// Settings shared by `check` and `scan`.
#[derive(Debug, Clone)]
pub struct Common {
    /// "Now", Unix seconds (`--at`, default the clock).
    pub now: i64,
    pub warn_days: u32,
    pub fail_on: FailOn,
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
    /// Passphrases to try on encrypted keys (file lines, then the environment).
    pub passphrases: Passphrases,
    /// Findings with these codes are dropped and counted (`--allow` first, then the settings file's).
    pub allow: Vec<Allow>,
    /// Said on standard error before the report (a settings file that was not trusted).
    pub warnings: Vec<String>,
    /// `--output FILE` (written atomically) instead of standard output.
    pub output: Option<PathBuf>,
}

/// One code not reported, and who asked: `--allow`, or the settings file's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub code: Code,
    pub source: String,
}

/// `keymatch check CERT [KEY]`.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub cert: PathBuf,
    pub key: Option<PathBuf>,
    pub max_file_size: u64,
    /// The size limit when CERT or KEY is `-` (standard input).
    pub max_stdin_size: u64,
    /// `--server`: the dialect whose loading rules apply ("nginx", "haproxy", "apache").
    pub server: Option<String>,
    pub common: Common,
}

/// `keymatch scan [PATH…]`.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Directories and files to scan; `-` reads standard input.
    pub paths: Vec<PathBuf>,
    /// The size limit for `-` (standard input).
    pub max_stdin_size: u64,
    pub map: PathMap,
    pub discover: DiscoverOptions,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Show a progress bar on standard error (a terminal, and not quiet).
    pub progress: bool,
    /// `--probe`: also connect to the TLS listeners the configs declare.
    pub probe: Option<ScanProbe>,
    /// Config files named for a dialect (`--server nginx=PATH`, the settings file's `[servers]`).
    pub servers: Vec<(&'static str, PathBuf)>,
    /// `-v`: list the files skipped by name and every unclaimed config in the summary.
    pub verbose: bool,
    /// `--no-prime-test`: RSA factors are not tested for primality.
    pub prime_test: PrimeTest,
    /// The settings file obeyed, for the summary.
    pub settings: Option<PathBuf>,
    pub common: Common,
}

/// `scan --probe` options.
#[derive(Debug, Clone)]
pub struct ScanProbe {
    /// Probe listeners on addresses that are not this machine's loopback too.
    pub remote: bool,
    pub timeout: std::time::Duration,
    pub jobs: usize,
}

/// `keymatch probe HOST[:PORT]…`.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    pub targets: Vec<crate::probe::Target>,
    /// For connect, STARTTLS and handshake, each.
    pub timeout: std::time::Duration,
    /// Endpoints probed at once.
    pub jobs: usize,
    pub common: Common,
}

impl Command {
    /// Warnings about the run's own settings, for standard error.
    pub fn warnings(&self) -> &[String] {
        match self {
            Command::Check(c) => &c.common.warnings,
            Command::Scan(c) | Command::Inventory(c) => &c.common.warnings,
            Command::Probe(c) => &c.common.warnings,
            Command::Explain(_) | Command::Print(_) => &[],
        }
    }
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Command {
    Check(CheckConfig),
    Scan(ScanConfig),
    Probe(ProbeConfig),
    /// `keymatch inventory`: a scan, rendered as one row per certificate in use.
    Inventory(ScanConfig),
    Explain(String),
    /// Text generated from the CLI definition (`completions`, `man`), printed as is.
    Print(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_configuration_never_shows_a_passphrase() {
        let common = Common {
            now: 0,
            warn_days: 30,
            fail_on: FailOn::Error,
            format: Format::Human,
            color: false,
            quiet: false,
            passphrases: Passphrases::new(vec![b"hunter2-secret".to_vec(), b"correct horse".to_vec()]),
            allow: Vec::new(),
            warnings: Vec::new(),
            output: None,
        };
        let shown = format!("{common:?} {common:#?}");
        assert!(shown.contains("Passphrases(2 redacted)"), "{shown}");
        for secret in ["hunter2", "correct horse", "104, 117, 110"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert_eq!(&common.passphrases[0], b"hunter2-secret");
    }
}
