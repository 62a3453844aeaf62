//! Sets KEYMATCH_VERSION for `keymatch --version`: the package version, followed by
//! `git describe --tags --always` when building from a git checkout. Never fails:
//! without git (a crates.io tarball, a source archive) it is the package version alone.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let pkg = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let version = match git(&["describe", "--tags", "--always"]) {
        Some(d) => format!("{pkg} ({d})"),
        None => pkg,
    };
    println!("cargo:rustc-env=KEYMATCH_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
    // Rebuild when HEAD moves (a checkout, or a commit on the current branch) or a tag is made;
    // --git-path resolves these inside worktrees too.
    let mut watched = vec!["HEAD".to_string(), "refs/tags".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]).filter(|b| b.starts_with("refs/")) {
        watched.push(branch);
    }
    for p in &watched {
        if let Some(path) = git(&["rev-parse", "--git-path", p]).filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
