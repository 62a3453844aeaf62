//! Command-line arguments (clap derive) and their conversion into a CLI-free
//! [`Command`](crate::config::Command). The only module that knows clap.

use crate::config::{Allow, CheckConfig, Command, Common, Passphrases, ProbeConfig, ScanConfig};
use crate::config_file::{self, FileConfig};
use crate::discover::DiscoverOptions;
use crate::error::Error;
use crate::finding::Code;
use crate::paths::{self, PathMap};
use crate::report::{FailOn, Format};
use crate::verify::PrimeTest;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// `--version`: the package version, plus `git describe` when built from a git checkout (build.rs).
pub const VERSION: &str = env!("KEYMATCH_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "keymatch",
    version = VERSION,
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
    /// Check one certificate file against one key file (or a file holding both, or a Kubernetes TLS Secret).
    Check(CheckArgs),
    /// Scan directories: find, pair and verify every certificate and key.
    Scan(ScanArgs),
    /// Connect to live TLS endpoints: record the chain they serve, prove the handshake signature against the served certificate, and check the chain.
    Probe(ProbeArgs),
    /// List every certificate in use (configured or paired), soonest to expire first: names, not after, days left, key, verdict, origin (human or json).
    Inventory(ScanArgs),
    /// Explain a finding code: what it means, why it breaks handshakes, how to fix it.
    Explain {
        /// A finding code, e.g. key-mismatch.
        code: String,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions {
        /// The shell, e.g. bash.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output; view it with `keymatch man | man -l -`.
    Man,
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
    /// Warn when a certificate expires within N days [default: 30].
    #[arg(long, value_name = "N")]
    pub warn_days: Option<u32>,
    /// Exit 1 when a finding is at or above this severity [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output: a regular file is replaced atomically (a random temporary file beside it, then a rename); a FIFO or character device is written in place; anything else is refused.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Settings file; default: the nearest .keymatch.toml at or above the scanned path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not read any .keymatch.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Do not report findings with this code (repeatable).
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
    /// Only findings: no summary, no healthy pairs.
    #[arg(short, long)]
    pub quiet: bool,
    /// Largest file read, in bytes (suffixes K, M, G) [default: 1M; standard input 256M].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Certificate file (PEM or DER); may also hold the key. A Kubernetes YAML file with one TLS
    /// Secret, or FILE#NAMESPACE/NAME (as scan prints it), checks that Secret.
    pub cert: PathBuf,
    /// Private key file; leave out when CERT holds the key too. CERT and KEY may come in either
    /// order (their content decides).
    pub key: Option<PathBuf>,
    /// The server that will load the pair: apply its own rules for the files it reads
    /// (DER, PEM label and armour quirks). Without it, what nginx or HAProxy refuses is an error.
    #[arg(long, value_name = "SERVER", value_parser = ["nginx", "haproxy", "apache"])]
    pub server: Option<String>,
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
    /// Worker threads (default: one per core; at most 4 per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Do not test RSA keys' p and q for primality (one Miller–Rabin round each, most of a large scan's CPU time). A key whose p or q is composite while its other numbers agree is then judged consistent; `openssl s_server` fails every handshake with such a key.
    #[arg(long)]
    pub no_prime_test: bool,
    /// Also connect to the TLS listeners the configs declare (nginx, Apache, HAProxy, lighttpd; Postfix, Dovecot, PostgreSQL and MySQL with STARTTLS too), once per name the server selects the certificate by, and compare the served certificate with the file on disk (stale-cert).
    #[arg(long)]
    pub probe: bool,
    /// With --probe: also listeners on addresses other than loopback and wildcards.
    #[arg(long, requires = "probe")]
    pub probe_remote: bool,
    /// With --probe: seconds for each connect and handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, requires = "probe")]
    pub probe_timeout: f64,
    /// DIALECT=PATH: read PATH as a config of that server (nginx, apache, haproxy, …) wherever it is (repeatable).
    #[arg(long, value_name = "DIALECT=PATH")]
    pub server: Vec<String>,
    /// List the files skipped by name (and why) and every file that looks like an unread config.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// Endpoints, HOST[:PORT] ([IPV6]:PORT); the port defaults to 443 or the STARTTLS protocol's.
    pub endpoints: Vec<String>,
    /// Read endpoints from FILE, one HOST[:PORT] a line (# comments).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The SNI name to send [default: HOST when it is a name; none for an IP address].
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// Upgrade a plain connection with this protocol's STARTTLS first.
    #[arg(long, value_enum)]
    pub starttls: Option<StarttlsArg>,
    /// Seconds allowed for the name resolution, the TCP connect, the STARTTLS exchange and the TLS handshake, each.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Endpoints probed at once [default: 32; at most 512].
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StarttlsArg {
    Smtp,
    Imap,
    Pop3,
    Ftp,
    Postgres,
    Mysql,
}

impl StarttlsArg {
    fn protocol(self) -> crate::probe::starttls::Starttls {
        use crate::probe::starttls::Starttls;
        match self {
            StarttlsArg::Smtp => Starttls::Smtp,
            StarttlsArg::Imap => Starttls::Imap,
            StarttlsArg::Pop3 => Starttls::Pop3,
            StarttlsArg::Ftp => Starttls::Ftp,
            StarttlsArg::Postgres => Starttls::Postgres,
            StarttlsArg::Mysql => Starttls::Mysql,
        }
    }
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
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// Prometheus text format, for the node_exporter textfile collector.
    Prometheus,
    /// Nagios / Icinga plugin output: status line with perfdata, exit 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN.
    Nagios,
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

pub use crate::discover::DEFAULT_MAX_FILE_SIZE;
/// Default size limit for standard input: `kubectl get secrets -A -o yaml` of a real cluster is
/// tens of MiB.
pub const DEFAULT_MAX_STDIN_SIZE: u64 = 256 * 1024 * 1024;

/// `--max-file-size` for files and for standard input: the value given applies to both.
fn size_limits(args: &CommonArgs) -> Result<(u64, u64), Error> {
    match &args.max_file_size {
        Some(s) => parse_size(s).map(|n| (n, n)),
        None => Ok((DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_STDIN_SIZE)),
    }
}

/// Parse an RFC 3339 time into Unix seconds.
pub fn parse_at(s: &str) -> Result<i64, Error> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| Error::Usage(format!("--at: '{s}' is not an RFC 3339 time ({e}); e.g. 2026-01-01T00:00:00Z")))
}

/// Passphrases: each line of the file (trailing CR/LF stripped), then KEYMATCH_PASSPHRASE.
pub fn load_passphrases(file: Option<&PathBuf>) -> Result<Passphrases, Error> {
    let mut out = Vec::new();
    if let Some(path) = file {
        let bytes = zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| Error::Option {
            option: "--passphrase-file",
            path: path.clone(),
            reason: e.to_string(),
        })?);
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
    Ok(Passphrases::new(out))
}

/// The most worker threads `-j` accepts: more only costs start-up time and memory.
pub fn max_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).saturating_mul(4)
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

fn common(args: &CommonArgs, color: ColorChoice, file: &FileConfig) -> Result<Common, Error> {
    let now = match &args.at {
        Some(s) => parse_at(s)?,
        None => time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let mut allow = Vec::new();
    for name in &args.allow {
        let code = Code::from_name(name)
            .ok_or_else(|| Error::Usage(format!("--allow: unknown finding code '{name}' (see `keymatch explain`)")))?;
        allow.push(Allow { code, source: "--allow".to_string() });
    }
    let from_file = paths::display(&file.path);
    allow.extend(file.allow.iter().map(|&code| Allow { code, source: from_file.clone() }));
    Ok(Common {
        now,
        warn_days: args.warn_days.or(file.warn_days).unwrap_or(30),
        fail_on: match args.fail_on {
            Some(FailOnArg::Error) => FailOn::Error,
            Some(FailOnArg::Warning) => FailOn::Warning,
            Some(FailOnArg::Note) => FailOn::Note,
            Some(FailOnArg::Never) => FailOn::Never,
            None => file.fail_on.unwrap_or_default(),
        },
        format: match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Prometheus => Format::Prometheus,
            FormatArg::Nagios => Format::Nagios,
        },
        color: color_on(color),
        quiet: args.quiet,
        passphrases: load_passphrases(args.passphrase_file.as_ref())?,
        allow,
        warnings: file.warnings.clone(),
        output: args.output.clone(),
    })
}

/// The settings file for a run: `--config FILE`, else the nearest `.keymatch.toml` at or above
/// `start`, else none (`--no-config`, or nothing found).
fn file_config(args: &CommonArgs, start: &Path) -> Result<FileConfig, Error> {
    if args.no_config {
        return Ok(FileConfig::default());
    }
    match &args.config {
        Some(path) => match config_file::untrusted(path) {
            Some(why) => {
                Err(Error::Option { option: "--config", path: path.clone(), reason: format!("not used: {why}") })
            }
            None => Ok(()),
        }
        .and_then(|_| config_file::load(path))
        .map_err(|e| match e {
            Error::Io { path, source } => Error::Option { option: "--config", path, reason: source.to_string() },
            Error::Usage(msg) => Error::Usage(format!("--config {msg}")),
            other => other,
        }),
        None => match config_file::find(start) {
            Some(path) => match config_file::untrusted(&path) {
                // As git's safe.directory: settings another user could have written are not obeyed.
                Some(why) => Ok(FileConfig {
                    warnings: vec![format!("ignoring {}: {why}", paths::display(&path))],
                    ..FileConfig::default()
                }),
                None => config_file::load(&path),
            },
            None => Ok(FileConfig::default()),
        },
    }
}

/// A shell completion script, generated from the clap definitions.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "keymatch", &mut out);
    out
}

/// The roff manual page, generated from the clap definitions: the main page, then one section
/// per subcommand with its usage and options.
pub fn man_page() -> Result<Vec<u8>, Error> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out).map_err(Error::Output)?;
    let mut text = String::new();
    for sub in cmd.get_subcommands() {
        let mut sub = sub.clone();
        text.push_str(&format!(".SH \"KEYMATCH {}\"\n", sub.get_name().to_uppercase()));
        if let Some(about) = sub.get_about() {
            text.push_str(&format!("{}\n", roff(&about.to_string())));
        }
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage:").trim().replacen(
            sub.get_name(),
            &format!("keymatch {}", sub.get_name()),
            1,
        );
        text.push_str(&format!(".PP\n\\fB{}\\fR\n", roff(&usage)));
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set()) {
            let mut head = Vec::new();
            if let Some(short) = arg.get_short() {
                head.push(format!("\\fB\\-{short}\\fR"));
            }
            if let Some(long) = arg.get_long() {
                head.push(format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-")));
            }
            let values = arg.get_value_names().map(|v| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" "));
            let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
            let mut line = head.join(", ");
            match (values, takes_value) {
                (Some(v), true) if line.is_empty() => line = format!("\\fI{}\\fR", roff(&v)),
                (Some(v), true) => line.push_str(&format!(" \\fI{}\\fR", roff(&v))),
                (None, true) if line.is_empty() => line = format!("\\fI{}\\fR", roff(arg.get_id().as_str())),
                _ => {}
            }
            text.push_str(&format!(".TP\n{line}\n"));
            if let Some(help) = arg.get_help() {
                text.push_str(&format!("{}\n", roff(&help.to_string())));
            }
        }
    }
    out.extend_from_slice(text.as_bytes());
    Ok(out)
}

/// Escape text for roff: backslashes, and a leading `.` or `'` that would start a request.
fn roff(s: &str) -> String {
    let s = s.replace('\\', "\\e");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// Parse `--server DIALECT=PATH`.
fn parse_server(s: &str) -> Result<(&'static str, PathBuf), Error> {
    let (name, path) = s.split_once('=').filter(|(_, p)| !p.is_empty()).ok_or_else(|| {
        Error::Usage(format!("--server: '{s}' is not DIALECT=PATH (e.g. nginx=deploy/web/nginx.conf)"))
    })?;
    let dialect = crate::servers::dialect_named(name).ok_or_else(|| {
        Error::Usage(format!("--server: unknown server '{name}' (one of: {})", crate::servers::dialect_names()))
    })?;
    Ok((dialect.name(), PathBuf::from(path)))
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

/// Whether the raw arguments ask for `--format nagios` (before they are parsed: a monitoring
/// system must get `KEYMATCH UNKNOWN` and exit 3 for arguments clap rejects, too).
pub fn nagios_requested(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    args.iter()
        .enumerate()
        .any(|(i, a)| a == "--format=nagios" || (a == "--format" && args.get(i + 1).is_some_and(|v| v == "nagios")))
}

impl Cli {
    /// Turn arguments into the core's configuration.
    pub fn into_command(self) -> Result<Command, Error> {
        match self.command {
            Cmd::Explain { code } => Ok(Command::Explain(code)),
            Cmd::Completions { shell } => Ok(Command::Print(completions(shell))),
            Cmd::Man => Ok(Command::Print(man_page()?)),
            Cmd::Check(a) => {
                let file = file_config(&a.common, &a.cert)?;
                let (max_file_size, max_stdin_size) = size_limits(&a.common)?;
                Ok(Command::Check(CheckConfig {
                    max_file_size,
                    max_stdin_size,
                    common: common(&a.common, self.color, &file)?,
                    cert: a.cert,
                    key: a.key,
                    server: a.server,
                }))
            }
            Cmd::Probe(a) => {
                let file = file_config(&a.common, Path::new("."))?;
                let common = common(&a.common, self.color, &file)?;
                let starttls = a.starttls.map(StarttlsArg::protocol);
                let mut targets = Vec::new();
                for spec in &a.endpoints {
                    targets.push(crate::probe::Target::parse(spec, a.sni.as_deref(), starttls).map_err(Error::Usage)?);
                }
                if let Some(path) = &a.targets {
                    targets.extend(crate::probe::read_targets(path, a.sni.as_deref(), starttls)?);
                }
                if targets.is_empty() {
                    return Err(Error::Usage("probe: name at least one HOST[:PORT] or --targets FILE".into()));
                }
                if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 3600.0) {
                    return Err(Error::Usage(format!(
                        "--timeout: {} is not a number of seconds from 0 to 3600",
                        a.timeout
                    )));
                }
                let jobs = match a.jobs {
                    Some(n) if n == 0 || n > crate::probe::MAX_JOBS => {
                        return Err(Error::Usage(format!(
                            "-j/--jobs: {n} endpoints at once is outside 1 to {}",
                            crate::probe::MAX_JOBS
                        )))
                    }
                    n => n.unwrap_or(crate::probe::DEFAULT_JOBS),
                };
                Ok(Command::Probe(ProbeConfig {
                    targets,
                    timeout: std::time::Duration::from_secs_f64(a.timeout),
                    jobs,
                    common,
                }))
            }
            Cmd::Scan(a) => scan_config(a, self.color).map(Command::Scan),
            Cmd::Inventory(a) => {
                if !matches!(a.common.format, FormatArg::Human | FormatArg::Json) {
                    return Err(Error::Usage("inventory: --format is human or json".into()));
                }
                scan_config(a, self.color).map(Command::Inventory)
            }
        }
    }
}

/// `scan` and `inventory` arguments → the scan's configuration.
fn scan_config(a: ScanArgs, color: ColorChoice) -> Result<ScanConfig, Error> {
    // The config file is looked for from the first scanned path (stdin: the current directory).
    let start = match a.paths.first().or(a.root.as_ref()) {
        Some(p) if p != Path::new("-") => p.clone(),
        _ => PathBuf::from("."),
    };
    let file = file_config(&a.common, &start)?;
    let common = common(&a.common, color, &file)?;
    let root = a.root.or(file.root);
    let mut paths = a.paths;
    if paths.is_empty() {
        paths.push(root.clone().unwrap_or_else(|| PathBuf::from(".")));
    }
    // Command-line maps come last so that they win over the file's for the same prefix.
    let mut maps = file.map;
    for m in &a.map {
        maps.push(parse_map(m)?);
    }
    let mut servers = file.servers;
    for s in &a.server {
        servers.push(parse_server(s)?);
    }
    let settings = (!file.path.as_os_str().is_empty()).then_some(file.path);
    let mut excludes = file.exclude;
    excludes.extend(a.exclude);
    let (max_file_size, max_stdin_size) = size_limits(&a.common)?;
    Ok(ScanConfig {
        paths,
        max_stdin_size,
        map: PathMap { root, maps },
        discover: DiscoverOptions { max_file_size, follow: a.follow, excludes },
        jobs: match a.jobs {
            Some(n) if n > max_jobs() => {
                return Err(Error::Usage(format!(
                    "-j/--jobs: {n} worker threads is more than 4 per core (at most {} here)",
                    max_jobs()
                )))
            }
            n => n.unwrap_or(0),
        },
        progress: !common.quiet && std::io::stderr().is_terminal(),
        probe: match a.probe {
            false => None,
            true if !(a.probe_timeout.is_finite() && a.probe_timeout > 0.0 && a.probe_timeout <= 3600.0) => {
                return Err(Error::Usage(format!(
                    "--probe-timeout: {} is not a number of seconds from 0 to 3600",
                    a.probe_timeout
                )))
            }
            true => Some(crate::config::ScanProbe {
                remote: a.probe_remote,
                timeout: std::time::Duration::from_secs_f64(a.probe_timeout),
                jobs: crate::probe::DEFAULT_JOBS,
            }),
        },
        servers,
        verbose: a.verbose,
        prime_test: if a.no_prime_test { PrimeTest::Skipped } else { PrimeTest::OneRound },
        settings,
        common,
    })
}
