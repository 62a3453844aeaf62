//! The Python tools some tests drive (`prometheus_client`'s text parser, the `pre-commit`
//! framework), installed from PyPI into a virtualenv under `target/ci-venv` on first use, so that
//! plain `cargo test` works on a fresh machine. A lock file keeps concurrent test processes from
//! installing twice.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const PACKAGES: &[&str] = &["prometheus_client", "pre-commit"];

/// The virtualenv's directory, ready to use.
pub fn venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        let venv = target.join("ci-venv");
        std::fs::create_dir_all(&target).expect("create target/");
        let lock = File::create(target.join("ci-venv.lock")).expect("create target/ci-venv.lock");
        lock.lock().expect("lock target/ci-venv.lock");
        if !ready(&venv) {
            let _ = std::fs::remove_dir_all(&venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(PACKAGES));
            assert!(ready(&venv), "{} lacks {PACKAGES:?} after installing them", venv.display());
        }
        venv
    })
    .clone()
}

fn ready(venv: &Path) -> bool {
    venv.join("bin/pre-commit").exists()
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import prometheus_client"])
            .status()
            .is_ok_and(|s| s.success())
}

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed: {status}");
}
