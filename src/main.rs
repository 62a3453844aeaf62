//! The `keymatch` binary: parse arguments, run, print, exit (0 clean, 1
//! findings at or above `--fail-on`, 2 could not do the job; a broken pipe
//! exits quietly). The only place that prints or exits.

use clap::Parser;
use keymatch::cli::Cli;
use keymatch::config::Command;
use keymatch::finding::Code;
use keymatch::report::{self, RenderOptions};
use keymatch::{app, Error};
use std::io::Write;
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
    let (report, common, name) = match command {
        Command::Explain(code) => return explain(&code),
        Command::Check(cfg) => (app::check(&cfg)?, cfg.common, "check"),
        Command::Scan(cfg) => (app::scan(&cfg)?, cfg.common, "scan"),
    };
    let opts = RenderOptions {
        color: common.color,
        quiet: common.quiet,
        command: name,
        duration_seconds: started.elapsed().as_secs_f64(),
        finished_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        base: None,
    };
    let mut buf = Vec::new();
    report::emitter(common.format).emit(&report, &opts, &mut buf).map_err(Error::Output)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&buf).and_then(|_| out.flush()).map_err(Error::Output)?;
    Ok(report.exit_code(common.fail_on) as u8)
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
