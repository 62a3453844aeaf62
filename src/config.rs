//! The CLI-free configuration the core runs on. `cli.rs` builds it from
//! arguments (and, later, `.keymatch.toml`); nothing below sees clap.

use crate::discover::DiscoverOptions;
use crate::finding::Code;
use crate::paths::PathMap;
use crate::report::{FailOn, Format};
use std::path::PathBuf;

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
    pub passphrases: Vec<Vec<u8>>,
    /// Findings with these codes are dropped (`--allow`).
    pub allow: Vec<Code>,
    /// `--output FILE` (written atomically) instead of standard output.
    pub output: Option<PathBuf>,
}

/// `keymatch check CERT [KEY]`.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub cert: PathBuf,
    pub key: Option<PathBuf>,
    pub max_file_size: u64,
    pub common: Common,
}

/// `keymatch scan [PATH…]`.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Directories and files to scan; `-` reads standard input.
    pub paths: Vec<PathBuf>,
    pub map: PathMap,
    pub discover: DiscoverOptions,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Show a progress bar on standard error (a terminal, and not quiet).
    pub progress: bool,
    pub common: Common,
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Command {
    Check(CheckConfig),
    Scan(ScanConfig),
    Explain(String),
    /// Text generated from the CLI definition (`completions`, `man`), printed as is.
    Print(Vec<u8>),
}
