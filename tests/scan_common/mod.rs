//! Helpers shared by the `scan_*` integration tests (included with `mod`).

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const AT: &str = "2026-06-01T00:00:00Z";

pub fn trees() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/trees")
}

/// Copy a tree, keeping symlinks as symlinks; every regular file gets mode
/// 0600 (git keeps no modes), then the tree's `modes` file (`0644 path` lines)
/// is applied.
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let ft = entry.file_type().unwrap();
        if ft.is_symlink() {
            symlink(fs::read_link(&from).unwrap(), &to).unwrap();
        } else if ft.is_dir() {
            copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    if let Ok(modes) = fs::read_to_string(src.join("modes")) {
        for line in modes.lines().filter(|l| !l.trim().is_empty()) {
            let (mode, path) = line.split_once(' ').unwrap();
            let mode = u32::from_str_radix(mode, 8).unwrap();
            fs::set_permissions(dst.join(path), fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}

/// Run keymatch with `args` in `dir`, feeding `stdin`; fail the test if it has
/// not finished after a generous deadline (a hang, not a slow machine).
pub fn keymatch(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keymatch"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("keymatch {args:?} in {} did not finish", dir.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// The JSON report of a scan.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Pairs as "kind cert key verdict", sorted.
pub fn pairs(doc: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = doc["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {}",
                p["origin"]["kind"].as_str().unwrap_or("?"),
                p["cert"]["path"].as_str().unwrap_or("?"),
                p["key"]["path"].as_str().unwrap_or("?"),
                p["verdict"].as_str().unwrap_or("?")
            )
        })
        .collect();
    v.sort();
    v
}

/// Findings as (code, [path or path:line of every location]).
pub fn findings(doc: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let locs = f["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| match l["line"].as_u64() {
                    Some(line) => format!("{}:{line}", l["path"].as_str().unwrap()),
                    None => l["path"].as_str().unwrap().to_string(),
                })
                .collect();
            (f["code"].as_str().unwrap().to_string(), locs)
        })
        .collect()
}
