//! The `keymatch` binary: parse arguments, run, print, exit (0 clean, 1
//! findings at or above `--fail-on`, 2 could not do the job; a broken pipe
//! exits quietly). The only place that prints or exits.

/// jemalloc rather than the system allocator: see the note in Cargo.toml.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's run-time options, read once before its first allocation (its `malloc_conf`
/// global; tikv-jemalloc-sys prefixes jemalloc's symbols with `_rjem_`, so the environment
/// variable that overrides this is `_RJEM_MALLOC_CONF`). A C string: a pointer to NUL-terminated
/// bytes, hence a reference to an array (a thin pointer), not to a slice.
///
/// `dirty_decay_ms:30`: pages that a free empties go back to the kernel within about 30 ms.
/// jemalloc's default keeps them for 10 s, and a scan frees most of what its walk allocated (file
/// bytes, parse temporaries) while it still runs: at 20,000 pairs the process held about 21 MiB of
/// such pages at the end of pairing (benches/README.md, "2026-12-01 night"). Returning them at
/// once (`dirty_decay_ms:0`, sessions 14-20) cost a `madvise` (and a TLB shootdown on the other
/// cores) for every page run that verification's freeing of finished pairs emptied, and a page
/// fault to take a page back: at 20,000 pairs 14,000 calls and a quarter of the page faults. The
/// 30 ms let the report's allocations reuse those pages: CPU −4 to −6 %, peak RSS +3 to +7 MiB
/// (113 → 117-121 MiB; benches/README.md, "session 21").
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8; 18] = b"dirty_decay_ms:30\0";

use clap::Parser;
use keymatch::cli::Cli;
use keymatch::config::Command;
use keymatch::finding::Code;
use keymatch::report::{self, RenderOptions};
use keymatch::{app, Error};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    // `--format nagios`: "could not run" is the plugin state UNKNOWN (exit 3, a status line on
    // standard output), whatever stopped the run.
    let nagios = keymatch::cli::nagios_requested(std::env::args_os());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if nagios && e.use_stderr() => {
            let _ = e.print();
            let first = e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            return unknown(&format!("keymatch could not run: {first}"));
        }
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keymatch: {e}");
            if nagios {
                return unknown(&format!("keymatch could not run: {e}"));
            }
            ExitCode::from(2)
        }
    }
}

/// `KEYMATCH UNKNOWN - reason`, exit 3 (the monitoring plugin convention).
fn unknown(reason: &str) -> ExitCode {
    let _ = print(report::nagios::unknown(reason).as_bytes());
    ExitCode::from(report::nagios::State::Unknown.exit_code())
}

fn run(cli: Cli) -> Result<u8, Error> {
    let command = cli.into_command()?;
    for w in command.warnings() {
        eprintln!("keymatch: warning: {}", keymatch::report::human::escape(w));
    }
    let started = std::time::Instant::now();
    let (report, common, name, base) = match command {
        Command::Explain(code) => return explain(&code),
        Command::Print(bytes) => return print(&bytes),
        Command::Check(cfg) => (app::check(&cfg)?, cfg.common, "check", None),
        Command::Probe(cfg) => (app::probe(&cfg)?, cfg.common, "probe", None),
        Command::Scan(cfg) => {
            let base = scanned_root(&cfg.paths);
            (app::scan(&cfg)?, cfg.common, "scan", base)
        }
        Command::Inventory(cfg) => return inventory(&cfg),
    };
    let opts = RenderOptions {
        color: common.color && common.output.is_none(),
        quiet: common.quiet,
        command: name,
        duration_seconds: started.elapsed().as_secs_f64(),
        finished_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        base,
        now: common.now,
        warn_days: common.warn_days,
    };
    let emitter = report::emitter(common.format);
    match &common.output {
        Some(path) => {
            let mut buf = Vec::new();
            emitter.emit(&report, &opts, &mut buf).map_err(Error::Output)?;
            write_output(path, &buf)?
        }
        // Streamed through a buffer: a large scan's report is never held whole a second time.
        None => {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
            emitter.emit(&report, &opts, &mut out).and_then(|_| out.flush()).map_err(Error::Output)?
        }
    }
    app::mark_phase("output");
    let code = match common.format {
        report::Format::Nagios => report::nagios::state(&report).exit_code(),
        _ => report.exit_code(common.fail_on) as u8,
    };
    app::drop_in_background(report);
    Ok(code)
}

/// `keymatch inventory`: a scan's certificates as a table or JSON. A listing: exit 0 whatever
/// the findings (`scan` judges them), 2 when the scan could not run.
fn inventory(cfg: &keymatch::config::ScanConfig) -> Result<u8, Error> {
    let report = app::scan(cfg)?;
    let inv = report::inventory::Inventory::from_report(&report, cfg.common.now);
    let mut buf = Vec::new();
    match cfg.common.format {
        report::Format::Json => inv.write_json(&mut buf),
        _ => inv.write_human(&mut buf),
    }
    .map_err(Error::Output)?;
    match &cfg.common.output {
        Some(path) => write_output(path, &buf)?,
        None => _ = print(&buf)?,
    }
    app::drop_in_background(report);
    Ok(0)
}

/// The root SARIF paths are relative to: the one scanned directory (or a scanned file's directory).
fn scanned_root(paths: &[PathBuf]) -> Option<PathBuf> {
    match paths {
        [one] if one.as_os_str() != "-" => {
            if one.is_dir() {
                Some(one.clone())
            } else {
                one.parent().map(Path::to_path_buf)
            }
        }
        _ => None,
    }
}

fn print(bytes: &[u8]) -> Result<u8, Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(Error::Output)?;
    Ok(0)
}

/// `--output FILE`. A regular file, or a path where nothing is yet, is replaced atomically: the
/// report goes to an unpredictable temporary file created exclusively (never through a link) in
/// FILE's directory, is flushed to disk, and is renamed over FILE, so a reader (the node_exporter
/// textfile collector) never sees half a report. The temporary name starts with a dot and ends in
/// `.tmp`, so the collector ignores it. A FIFO or a character device (`/dev/null`, `/dev/stdout`)
/// is written directly, as a shell's `>` would; anything else (a directory, a block device, a
/// socket, a symbolic link to a regular file) is refused: keymatch never replaces a file that is
/// not a regular file, and never follows a link to replace what it points at.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::FileTypeExt;
    let refuse = |what: &str| {
        Error::path(
            path,
            format!("--output: {what}; keymatch replaces only a regular file or writes to a FIFO or character device"),
        )
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_atomically(path, bytes, None),
        Err(e) => Err(Error::Io { path: path.to_path_buf(), source: e }),
        Ok(meta) if meta.file_type().is_file() => write_atomically(path, bytes, Some(meta.permissions())),
        Ok(meta) => {
            let ft = meta.file_type();
            // Through a link only a stream target (`/dev/stdout` → `/proc/self/fd/1`) is written.
            let target = if ft.is_symlink() { std::fs::metadata(path).ok().map(|m| m.file_type()) } else { Some(ft) };
            match target {
                Some(t) if t.is_fifo() || t.is_char_device() => write_directly(path, bytes, ft.is_symlink()),
                Some(t) if t.is_dir() => Err(refuse("is a directory")),
                Some(t) if t.is_block_device() => Err(refuse("is a block device")),
                Some(t) if t.is_socket() => Err(refuse("is a socket")),
                Some(_) if ft.is_symlink() => Err(refuse("is a symbolic link (name the file it points to)")),
                None => Err(refuse("is a dangling symbolic link")),
                Some(_) => Err(refuse("is not a regular file")),
            }
        }
    }
}

/// Write to a FIFO or character device in place (no create, no truncate of anything else). When
/// the path is not a link, `O_NOFOLLOW` keeps it so should one be planted meanwhile.
fn write_directly(path: &Path, bytes: &[u8], through_link: bool) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = if through_link { libc::O_NOCTTY } else { libc::O_NOCTTY | libc::O_NOFOLLOW };
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(flags)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
        .map_err(|e| Error::Io { path: path.to_path_buf(), source: e })
}

/// A temporary file beside `path` (random name, `O_EXCL`), synced, then renamed over `path`.
/// The replaced file's mode is kept; a new file gets 0666 less the umask, as a shell's `>` would.
fn write_atomically(path: &Path, bytes: &[u8], keep: Option<std::fs::Permissions>) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |e: std::io::Error| Error::Io { path: path.to_path_buf(), source: e };
    let name =
        path.file_name().ok_or_else(|| Error::path(path, "--output must name a file"))?.to_string_lossy().into_owned();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(fail)?;
    tmp.write_all(bytes).and_then(|_| tmp.as_file().sync_all()).map_err(fail)?;
    if let Some(perms) = keep {
        tmp.as_file().set_permissions(perms).map_err(fail)?;
    }
    // On failure the temporary file is removed when `tmp` (or the error holding it) drops.
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

fn explain(name: &str) -> Result<u8, Error> {
    let code = Code::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        Error::Usage(format!("unknown finding code '{name}'; known codes: {}", all.join(", ")))
    })?;
    let mut out = std::io::stdout().lock();
    // Codes whose severity depends on what the server does say both.
    let severity = match code {
        Code::KeyCorrupt | Code::EncryptedKey | Code::ServerCannotLoad | Code::Unreadable | Code::ProbeFailed => {
            "error / warning"
        }
        Code::Unsupported => "note / error",
        other => other.severity().as_str(),
    };
    writeln!(out, "{} ({}): {}\n\n{}", code, severity, code.summary(), code.explanation()).map_err(Error::Output)?;
    Ok(0)
}
