//! CLI conventions: completions, man page, --version, .keymatch.toml (discovery, overrides,
//! errors naming file and line), --output (atomic, errors), broken pipes.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

fn keymatch(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keymatch"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run keymatch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn completions_for_bash_zsh_fish_name_the_subcommands_and_flags() {
    for (shell, marker) in
        [("bash", "complete -F _keymatch"), ("zsh", "#compdef keymatch"), ("fish", "complete -c keymatch")]
    {
        let (code, out, err) = keymatch(&["completions", shell], here());
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell} script lacks {marker:?}");
        for word in ["scan", "check", "explain", "fail-on", "warn-days", "sarif", "prometheus"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, _, err) = keymatch(&["completions", "tcsh"], here());
    assert_eq!(code, 2, "unknown shell is a usage error: {err}");
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let (_, script, _) = keymatch(&["completions", "bash"], here());
    let mut child = Command::new("bash").arg("-n").stdin(Stdio::piped()).spawn().expect("bash");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(script.as_bytes()).expect("write");
    assert!(child.wait().expect("wait").success(), "bash -n rejects the completion script");
}

#[test]
fn man_page_is_roff_with_every_subcommand() {
    let (code, out, err) = keymatch(&["man"], here());
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(".ie") || out.contains(".TH keymatch"), "not roff: {}", &out[..out.len().min(200)]);
    for section in
        [".SH NAME", ".SH SYNOPSIS", ".SH \"KEYMATCH SCAN\"", ".SH \"KEYMATCH CHECK\"", ".SH \"KEYMATCH EXPLAIN\""]
    {
        assert!(out.contains(section), "man page lacks {section}");
    }
    assert!(out.contains("\\-\\-output"), "scan's --output is documented");
    // man(1) renders it without warnings when available.
    if let Ok(mut child) = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANWIDTH", "80")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(out.as_bytes()).expect("write");
        let mut rendered = String::new();
        child.stdout.take().expect("stdout").read_to_string(&mut rendered).ok();
        let status = child.wait().expect("wait");
        if status.success() {
            assert!(rendered.contains("KEYMATCH SCAN"), "{rendered}");
        }
    }
}

#[test]
fn version_names_the_package_version() {
    let (code, out, _) = keymatch(&["--version"], here());
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!("keymatch {}", env!("CARGO_PKG_VERSION"))), "{out}");
}

#[test]
fn config_file_is_found_by_walking_up_and_flags_override_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let deep = tmp.path().join("repo/deploy/site");
    std::fs::create_dir_all(&deep).expect("mkdir");
    // A bad value in a config two levels up: an error naming the file and line proves it was found.
    std::fs::write(tmp.path().join("repo/.keymatch.toml"), "# settings\nwarn-days = 10\nfail-on = \"sometimes\"\n")
        .expect("write");
    let (code, out, err) = keymatch(&["scan", "repo/deploy/site"], tmp.path());
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("keymatch: repo/.keymatch.toml:3: "), "{err}");
    assert!(err.contains("sometimes"), "{err}");

    std::fs::write(tmp.path().join("repo/.keymatch.toml"), "warn-days = 10\nunknown-key = 1\n").expect("write");
    let (code, _, err) = keymatch(&["scan", "repo"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.starts_with("keymatch: repo/.keymatch.toml:2: ") && err.contains("unknown-key"), "{err}");
    // --no-config and --config both bypass it.
    let (code, _, err) = keymatch(&["scan", "--no-config", "repo"], tmp.path());
    assert_eq!(code, 0, "{err}");
    std::fs::write(tmp.path().join("other.toml"), "allow = [\"orphan-key\"]\nfail-on = \"never\"\n").expect("write");
    let (code, _, err) = keymatch(&["scan", "--config", "other.toml", "repo"], tmp.path());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = keymatch(&["scan", "--config", "missing.toml", "repo"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn config_fail_on_applies_and_the_flag_overrides_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    // Damaged PEM: a `malformed` error finding.
    std::fs::write(repo.join("broken.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .expect("w");
    let (code, out, err) = keymatch(&["scan", "--no-config", "repo"], tmp.path());
    assert_eq!(code, 1, "a malformed certificate is an error finding:\n{out}{err}");
    std::fs::write(repo.join(".keymatch.toml"), "fail-on = \"never\"\n").expect("write");
    let (code, _, err) = keymatch(&["scan", "repo"], tmp.path());
    assert_eq!(code, 0, "fail-on = never from the file: {err}");
    let (code, _, err) = keymatch(&["scan", "--fail-on", "error", "repo"], tmp.path());
    assert_eq!(code, 1, "the flag overrides the file: {err}");
    std::fs::write(repo.join(".keymatch.toml"), "allow = [\"malformed\"]\n").expect("write");
    let (code, out, _) = keymatch(&["scan", "--format", "json", "repo"], tmp.path());
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0), "allowed code is not reported: {out}");
    assert_eq!(doc["summary"]["suppressed"], 1, "but it is counted: {out}");
}

#[test]
fn output_is_written_atomically_and_unwritable_output_is_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let target = out_dir.join("report.json");
    std::fs::write(&target, "old").expect("write");
    let (code, stdout, err) =
        keymatch(&["scan", "--no-config", "--format", "json", "-o", "out/report.json", "out"], tmp.path());
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty());
    let written = std::fs::read_to_string(&target).expect("read");
    assert!(written.contains("\"schema_version\": 1"), "{written}");
    let names: Vec<String> =
        std::fs::read_dir(&out_dir).expect("ls").flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
    assert_eq!(names, vec!["report.json".to_string()], "no temporary file left behind");

    let (code, _, err) = keymatch(&["scan", "--no-config", "-o", "no/such/dir/report.txt", "out"], tmp.path());
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no/such/dir/report.txt"), "the error names the file: {err}");
}

#[test]
fn broken_pipe_exits_quietly() {
    // The read end is closed before keymatch starts, so its first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_keymatch"))
        .args(["completions", "bash"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert!(out.status.success(), "exit {:?}", out.status);
    assert!(out.stderr.is_empty(), "nothing on stderr: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn broken_pipe_under_json_and_sarif_is_quiet_too() {
    // serde_json wraps the write error: its kind must survive, or `scan --format json | head`
    // ends with "writing output: Broken pipe" and exit 2.
    for format in ["json", "sarif"] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_keymatch"))
            .args(["scan", "--format", format])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert!(out.stderr.is_empty(), "{format}: nothing on stderr: {}", String::from_utf8_lossy(&out.stderr));
        assert_ne!(out.status.code(), Some(2), "{format}: a closed pipe is not a failure to run");
    }
}
