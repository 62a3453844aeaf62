//! The published hook, run by the real `pre-commit` framework on a temporary git repository: a
//! commit with a mismatched certificate/key pair is refused with keymatch's message, a healthy
//! one goes through.
//!
//! `pre-commit` comes from PyPI (installed on first use into `target/ci-venv`; another one can be
//! named with KEYMATCH_TEST_PRE_COMMIT). The hook definition is read from the repository's own
//! `.pre-commit-hooks.yaml`; only `language: rust` (which would build keymatch with cargo from
//! a URL, impossible offline) becomes `language: system` with the entry pointing at the binary
//! under test.

mod common;
mod pytools;

use common::{sibling_pair, RSA2048};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use yaml_rust2::{Yaml, YamlLoader};

fn pre_commit() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYMATCH_TEST_PRE_COMMIT") {
        return PathBuf::from(p);
    }
    pytools::venv().join("bin/pre-commit")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} "));
    out
}

/// Isolate git and pre-commit from the machine's settings (a global core.hooksPath would make
/// `pre-commit install` refuse) and keep pre-commit's cache in the test's directory.
fn isolated<'a>(cmd: &'a mut Command, repo: &Path) -> &'a mut Command {
    let home = repo.join("..");
    cmd.env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_HOME", home.join("pre-commit-home"))
}

fn git(repo: &Path, args: &[&str]) -> Output {
    run(isolated(&mut Command::new("git"), repo)
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE"))
}

/// `.pre-commit-config.yaml` for a local repo holding the published hook, made runnable offline.
fn config_from_published_hook() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
        .expect("read .pre-commit-hooks.yaml");
    let docs = YamlLoader::load_from_str(&text).expect(".pre-commit-hooks.yaml is YAML");
    let hooks = docs.first().and_then(Yaml::as_vec).expect("a list of hooks");
    let hook = hooks.iter().find(|h| h["id"].as_str() == Some("keymatch")).expect("hook id keymatch");
    assert_eq!(hook["language"].as_str(), Some("rust"), "the published hook is built by pre-commit with cargo");
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false), "pairing needs the whole tree");
    let entry = hook["entry"].as_str().expect("entry");
    let args = entry.strip_prefix("keymatch ").expect("entry runs keymatch");
    let mut out = String::from("repos:\n  - repo: local\n    hooks:\n      - id: keymatch\n");
    out.push_str(&format!("        name: {}\n", hook["name"].as_str().unwrap_or("keymatch")));
    out.push_str(&format!("        entry: '{} {}'\n", env!("CARGO_BIN_EXE_keymatch"), args));
    out.push_str("        language: system\n        pass_filenames: false\n");
    if let Some(b) = hook["always_run"].as_bool() {
        out.push_str(&format!("        always_run: {b}\n"));
    }
    if let Some(b) = hook["require_serial"].as_bool() {
        out.push_str(&format!("        require_serial: {b}\n"));
    }
    out
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn commit_with_mismatched_pair_is_refused_and_healthy_one_passes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("deploy/ssl")).expect("mkdir");
    assert!(git(&repo, &["init", "-q"]).status.success());
    std::fs::write(repo.join(".pre-commit-config.yaml"), config_from_published_hook()).expect("write config");
    std::fs::write(tmp.path().join("gitconfig"), "").expect("write gitconfig");
    let install = run(isolated(&mut Command::new(pre_commit()), &repo).arg("install").current_dir(&repo));
    assert!(install.status.success(), "pre-commit install: {}", text(&install));

    // A healthy pair: the commit goes through.
    sibling_pair(&repo.join("deploy/ssl"), "shop", RSA2048, 3650, false);
    assert!(git(&repo, &["add", "-A"]).status.success());
    let ok = git(&repo, &["commit", "-q", "-m", "healthy pair"]);
    assert!(ok.status.success(), "healthy commit refused:\n{}", text(&ok));
    assert!(text(&ok).contains("keymatch"), "the hook ran:\n{}", text(&ok));

    // A certificate whose key is another one: refused, with keymatch's message.
    sibling_pair(&repo.join("deploy/ssl"), "api", RSA2048, 3650, true);
    assert!(git(&repo, &["add", "-A"]).status.success());
    let refused = git(&repo, &["commit", "-q", "-m", "mismatched pair"]);
    let msg = text(&refused);
    assert!(!refused.status.success(), "mismatched commit accepted:\n{msg}");
    assert!(msg.contains("key-mismatch"), "keymatch's finding is shown:\n{msg}");
    assert!(msg.contains("deploy/ssl/api."), "the files are named:\n{msg}");
    let head = git(&repo, &["log", "--format=%s"]);
    assert_eq!(String::from_utf8_lossy(&head.stdout).trim(), "healthy pair");

    // .keymatch.toml can lower the bar; the hook reads it from the repository root.
    std::fs::write(repo.join(".keymatch.toml"), "fail-on = \"never\"\n").expect("write");
    assert!(git(&repo, &["add", "-A"]).status.success());
    let allowed = git(&repo, &["commit", "-q", "-m", "accepted by config"]);
    assert!(allowed.status.success(), "fail-on = never still refused:\n{}", text(&allowed));
}

#[test]
fn published_manifest_passes_pre_commit_validation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let ok = run(Command::new(pre_commit())
        .arg("validate-manifest")
        .arg(&manifest)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home")));
    assert!(ok.status.success(), "pre-commit validate-manifest: {}", text(&ok));
    // The validator is not vacuous: a hook without an entry is rejected.
    let bad = tmp.path().join("bad-hooks.yaml");
    std::fs::write(&bad, "- id: keymatch\n  name: keymatch\n  language: rust\n").expect("write");
    let rejected = run(Command::new(pre_commit())
        .arg("validate-manifest")
        .arg(&bad)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home")));
    assert!(!rejected.status.success(), "a hook without entry was accepted");
}

/// The YAML blocks of the README's "Pre-commit hook" section, in order.
fn readme_hook_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let section = readme.split("\n## Pre-commit hook\n").nth(1).expect("a Pre-commit hook section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section.split("```yaml\n").skip(1).filter_map(|b| b.split("```").next()).map(String::from).collect()
}

#[test]
fn readme_local_hook_works_as_written() {
    let blocks = readme_hook_blocks();
    let local = blocks.iter().find(|b| b.contains("repo: local")).expect("a local hook in the README");
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("ssl")).expect("mkdir");
    std::fs::write(tmp.path().join("gitconfig"), "").expect("write gitconfig");
    assert!(git(&repo, &["init", "-q"]).status.success());
    std::fs::write(repo.join(".pre-commit-config.yaml"), local).expect("write config");
    let install = run(isolated(&mut Command::new(pre_commit()), &repo).arg("install").current_dir(&repo));
    assert!(install.status.success(), "pre-commit install: {}", text(&install));
    // `keymatch` on PATH, as after `cargo install --path .`.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_keymatch")).parent().expect("bin dir");
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let commit = |msg: &str| {
        assert!(git(&repo, &["add", "-A"]).status.success());
        run(isolated(&mut Command::new("git"), &repo)
            .args(["commit", "-q", "-m", msg])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com"))
    };
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    sibling_pair(&repo.join("ssl"), "shop", ec, 3650, false);
    let ok = commit("healthy");
    assert!(ok.status.success(), "healthy commit refused:\n{}", text(&ok));
    sibling_pair(&repo.join("ssl"), "api", ec, 3650, true);
    let refused = commit("mismatch");
    assert!(!refused.status.success(), "mismatched commit accepted:\n{}", text(&refused));
    assert!(text(&refused).contains("error[key-mismatch]"), "{}", text(&refused));
}

#[test]
fn readme_pins_a_commit_and_autoupdate_freeze_sets_one() {
    let blocks = readme_hook_blocks();
    let remote = blocks.iter().find(|b| b.contains("rev:")).expect("a pinned hook in the README");
    let docs = YamlLoader::load_from_str(remote).expect("README block is YAML");
    let rev = docs[0]["repos"][0]["rev"].as_str().expect("rev").to_string();
    assert!(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()), "rev is a full commit SHA: {rev}");

    // An upstream with the published manifest and no tag, as this repository is today.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("gitconfig"), "").expect("write gitconfig");
    let upstream = tmp.path().join("upstream");
    std::fs::create_dir_all(&upstream).expect("mkdir");
    assert!(git(&upstream, &["init", "-q"]).status.success());
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        upstream.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy manifest");
    assert!(git(&upstream, &["add", "-A"]).status.success());
    assert!(git(&upstream, &["commit", "-q", "-m", "hooks"]).status.success());
    let head = String::from_utf8_lossy(&git(&upstream, &["rev-parse", "HEAD"]).stdout).trim().to_string();

    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    assert!(git(&repo, &["init", "-q"]).status.success());
    let url = docs[0]["repos"][0]["repo"].as_str().expect("repo URL");
    let config = remote.replace(url, &upstream.display().to_string());
    std::fs::write(repo.join(".pre-commit-config.yaml"), &config).expect("write config");
    let update =
        run(isolated(&mut Command::new(pre_commit()), &repo).args(["autoupdate", "--freeze"]).current_dir(&repo));
    assert!(update.status.success(), "pre-commit autoupdate --freeze: {}", text(&update));
    let updated = std::fs::read_to_string(repo.join(".pre-commit-config.yaml")).expect("read config");
    let docs = YamlLoader::load_from_str(&updated).expect("YAML");
    assert_eq!(docs[0]["repos"][0]["rev"].as_str(), Some(head.as_str()), "{updated}");
}
