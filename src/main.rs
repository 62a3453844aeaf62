//! The `keymatch` binary: parse arguments, run, print, exit (0 clean, 1
//! findings at or above `--fail-on`, 2 could not do the job; a broken pipe
//! exits quietly). The only place that prints or exits.

/// jemalloc rather than the system allocator: see the note in Cargo.toml.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
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
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Error> {
    let command = cli.into_command()?;
    let started = std::time::Instant::now();
    let (report, common, name, base) = match command {
        Command::Explain(code) => return explain(&code),
        Command::Print(bytes) => return print(&bytes),
        Command::Check(cfg) => (app::check(&cfg)?, cfg.common, "check", None),
        Command::Scan(cfg) => {
            let base = scanned_root(&cfg.paths);
            (app::scan(&cfg)?, cfg.common, "scan", base)
        }
    };
    let opts = RenderOptions {
        color: common.color && common.output.is_none(),
        quiet: common.quiet,
        command: name,
        duration_seconds: started.elapsed().as_secs_f64(),
        finished_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        base,
    };
    let mut buf = Vec::new();
    report::emitter(common.format).emit(&report, &opts, &mut buf).map_err(Error::Output)?;
    match &common.output {
        Some(path) => write_atomically(path, &buf)?,
        None => print(&buf).map(|_| ())?,
    }
    let code = report.exit_code(common.fail_on) as u8;
    app::drop_in_background(report);
    Ok(code)
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

/// `--output FILE`: write a temporary file in FILE's directory, flush it to disk, then rename it
/// over FILE, so a reader (the node_exporter textfile collector) never sees half a report. The
/// temporary name starts with a dot and does not end in `.prom`, so the collector ignores it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::Io { path: path.to_path_buf(), source: e };
    let name =
        path.file_name().ok_or_else(|| Error::path(path, "--output must name a file"))?.to_string_lossy().into_owned();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result =
        std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all())).and_then(|_| {
            // Keep the mode of the file being replaced (a textfile must stay readable by the collector).
            if let Ok(meta) = std::fs::metadata(path) {
                std::fs::set_permissions(&tmp, meta.permissions())?;
            }
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

fn explain(name: &str) -> Result<u8, Error> {
    let code = Code::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        Error::Usage(format!("unknown finding code '{name}'; known codes: {}", all.join(", ")))
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} ({}): {}\n\n{}", code, code.severity(), code.summary(), code.explanation())
        .map_err(Error::Output)?;
    Ok(0)
}
