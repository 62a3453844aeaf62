//! Command-line arguments (clap derive) and their conversion into a CLI-free
//! [`Command`](crate::config::Command). The only module that knows clap.

use crate::config::{CheckConfig, Command, Common, ScanConfig};
use crate::discover::DiscoverOptions;
use crate::error::Error;
use crate::finding::Code;
use crate::paths::PathMap;
use crate::report::{FailOn, Format};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "keymatch",
    version,
    about = "Find the TLS certificates and keys a server will load, pair them as the server does, and prove each pair belongs together",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
    /// When to colour human output (NO_COLOR disables `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Check one certificate file against one key file (or a file holding both).
    Check(CheckArgs),
    /// Scan directories: find, pair and verify every certificate and key.
    Scan(ScanArgs),
    /// Explain a finding code: what it means, why it breaks handshakes, how to fix it.
    Explain {
        /// A finding code, e.g. key-mismatch.
        code: String,
    },
}

/// Options shared by check and scan.
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Read passphrases for encrypted keys from FILE, one per line (also: KEYMATCH_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Evaluate dates as of this RFC 3339 time instead of now (e.g. 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Warn when a certificate expires within N days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub warn_days: u32,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Do not report findings with this code (repeatable).
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
    /// Only findings: no summary, no healthy pairs.
    #[arg(short, long)]
    pub quiet: bool,
    /// Largest file read, in bytes (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "1M")]
    pub max_file_size: String,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Certificate file (PEM or DER); may also hold the key.
    pub cert: PathBuf,
    /// Private key file; leave out when CERT holds the key too.
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Directories or files to scan; `-` reads PEM/DER from standard input. Default: `.` (or the --root).
    pub paths: Vec<PathBuf>,
    /// DIR stands for `/`: absolute paths in configs and symlinks are looked up inside it.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// SERVER=LOCAL: a server directory (e.g. /etc/nginx) is found at LOCAL (repeatable).
    #[arg(long, value_name = "SERVER=LOCAL")]
    pub map: Vec<String>,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Descend into symlinked directories.
    #[arg(long)]
    pub follow: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
}

/// Parse "1M", "512K", "1048576" into bytes.
pub fn parse_size(s: &str) -> Result<u64, Error> {
    let t = s.trim();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1024u64),
        Some('M') => (&t[..t.len() - 1], 1024 * 1024),
        Some('G') => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| Error::Usage(format!("--max-file-size: '{s}' is not a size (e.g. 1M, 512K, 1048576)")))
}

/// Parse an RFC 3339 time into Unix seconds.
pub fn parse_at(s: &str) -> Result<i64, Error> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| Error::Usage(format!("--at: '{s}' is not an RFC 3339 time ({e}); e.g. 2026-01-01T00:00:00Z")))
}

/// Passphrases: each line of the file (trailing CR/LF stripped), then KEYMATCH_PASSPHRASE.
pub fn load_passphrases(file: Option<&PathBuf>) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|e| Error::Io { path: path.clone(), source: e })?;
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.is_empty() {
                out.push(line.to_vec());
            }
        }
    }
    if let Some(v) = std::env::var_os("KEYMATCH_PASSPHRASE") {
        use std::os::unix::ffi::OsStrExt;
        if !v.is_empty() {
            out.push(v.as_bytes().to_vec());
        }
    }
    Ok(out)
}

fn color_on(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
        }
    }
}

fn common(args: &CommonArgs, color: ColorChoice) -> Result<Common, Error> {
    let now = match &args.at {
        Some(s) => parse_at(s)?,
        None => time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let mut allow = Vec::new();
    for name in &args.allow {
        allow.push(
            Code::from_name(name).ok_or_else(|| {
                Error::Usage(format!("--allow: unknown finding code '{name}' (see `keymatch explain`)"))
            })?,
        );
    }
    Ok(Common {
        now,
        warn_days: args.warn_days,
        fail_on: match args.fail_on {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Note => FailOn::Note,
            FailOnArg::Never => FailOn::Never,
        },
        format: match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
        },
        color: color_on(color),
        quiet: args.quiet,
        passphrases: load_passphrases(args.passphrase_file.as_ref())?,
        allow,
        output: None,
    })
}

/// Parse `--map SERVER=LOCAL`.
fn parse_map(s: &str) -> Result<(PathBuf, PathBuf), Error> {
    match s.split_once('=') {
        Some((server, local)) if server.starts_with('/') && !local.is_empty() => {
            Ok((crate::paths::normalize(std::path::Path::new(server)), PathBuf::from(local)))
        }
        _ => Err(Error::Usage(format!("--map: '{s}' is not SERVER=LOCAL with an absolute SERVER path"))),
    }
}

impl Cli {
    /// Turn arguments into the core's configuration.
    pub fn into_command(self) -> Result<Command, Error> {
        match self.command {
            Cmd::Explain { code } => Ok(Command::Explain(code)),
            Cmd::Check(a) => Ok(Command::Check(CheckConfig {
                max_file_size: parse_size(&a.common.max_file_size)?,
                common: common(&a.common, self.color)?,
                cert: a.cert,
                key: a.key,
            })),
            Cmd::Scan(a) => {
                let common = common(&a.common, self.color)?;
                let mut paths = a.paths;
                if paths.is_empty() {
                    paths.push(a.root.clone().unwrap_or_else(|| PathBuf::from(".")));
                }
                let maps = a.map.iter().map(|m| parse_map(m)).collect::<Result<Vec<_>, _>>()?;
                Ok(Command::Scan(ScanConfig {
                    paths,
                    map: PathMap { root: a.root, maps },
                    discover: DiscoverOptions {
                        max_file_size: parse_size(&a.common.max_file_size)?,
                        follow: a.follow,
                        excludes: a.exclude,
                    },
                    jobs: a.jobs.unwrap_or(0),
                    progress: !common.quiet && std::io::stderr().is_terminal(),
                    common,
                }))
            }
        }
    }
}
