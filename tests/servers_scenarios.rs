//! Server-config scenarios (fixtures/servers/, made by fixtures/gen_servers.sh):
//! run the built binary on each scenario and compare the findings — code, path
//! relative to the scenario, config line (the first location with a line and no PEM
//! block, else the first location) — and the exit code exactly with the scenario's
//! `expected` file.
//!
//! Each scenario is scanned twice: as a server root (`--root S`), and as a plain
//! tree (`scan S`), where the default rule (configs at `<dir>/etc/…` resolve
//! absolute paths under `<dir>`) must give the same findings. A scenario may
//! hold an `args` file: extra arguments, one per line, `{S}` standing for its path.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const AT: &str = "2026-06-01T00:00:00Z";

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/servers");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run fixtures/gen_servers.sh)", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected").is_file())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "{}: no scenarios (run fixtures/gen_servers.sh)", dir.display());
    out
}

/// Run keymatch; return (findings as "code path[:line]" with paths relative to `scenario`, exit code).
fn run(scenario: &Path, args: &[String], stdin: Option<&[u8]>) -> (Vec<String>, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keymatch"));
    cmd.arg("scan").args(args).args(["--at", AT, "--format", "json", "--allow", "key-permissions"]);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run keymatch");
    if let (Some(bytes), Some(mut w)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        w.write_all(bytes).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for keymatch");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: output is not JSON ({e}): {}{}",
            scenario.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let prefix = format!("{}/", scenario.display());
    let mut findings: Vec<String> = json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let code = f["code"].as_str().unwrap_or("?");
            // The config line when the finding has one (a line and no PEM block; locations are
            // sorted by path), else the first location.
            let locs = f["locations"].as_array().cloned().unwrap_or_default();
            let loc = locs
                .iter()
                .find(|l| l["line"].is_u64() && l["block"].is_null())
                .or(locs.first())
                .cloned()
                .unwrap_or_default();
            let path = loc["path"].as_str().unwrap_or("");
            let path = path.strip_prefix(&prefix).unwrap_or(path);
            match loc["line"].as_u64() {
                Some(l) => format!("{code} {path}:{l}"),
                None => format!("{code} {path}"),
            }
        })
        .collect();
    findings.sort();
    (findings, out.status.code().unwrap_or(-1))
}

fn expected(scenario: &Path) -> (Vec<String>, i32) {
    let text = std::fs::read_to_string(scenario.join("expected")).expect("expected file");
    let mut lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(String::from).collect();
    let exit =
        lines.pop().and_then(|l| l.strip_prefix("exit ").and_then(|n| n.parse().ok())).expect("last line: exit N");
    lines.sort();
    (lines, exit)
}

fn extra_args(scenario: &Path) -> Vec<String> {
    let s = scenario.display().to_string();
    std::fs::read_to_string(scenario.join("args"))
        .map(|t| t.lines().filter(|l| !l.is_empty()).map(|l| l.replace("{S}", &s)).collect())
        .unwrap_or_default()
}

/// Run every scenario with `leading(scenario)` (then its `args` file) and compare with `expected`.
fn every_scenario_matches(leading: impl Fn(&Path) -> Vec<String>) {
    let mut failures = Vec::new();
    for s in scenarios() {
        let mut args = leading(&s);
        args.extend(extra_args(&s));
        let got = run(&s, &args, None);
        let want = expected(&s);
        if got != want {
            failures.push(format!("{}\n  want {:?}\n  got  {:?}", s.display(), want, got));
        }
    }
    assert!(failures.is_empty(), "scenarios differ:\n{}", failures.join("\n"));
}

#[test]
fn every_scenario_as_a_server_root() {
    every_scenario_matches(|s| vec!["--root".to_string(), s.display().to_string()]);
}

#[test]
fn every_scenario_as_a_plain_tree_by_the_default_rule() {
    every_scenario_matches(|s| vec![s.display().to_string()]);
}

#[test]
fn kubernetes_yaml_on_standard_input() {
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/servers/kubernetes-wrong-key");
    let yaml = std::fs::read(s.join("deploy/secrets.yaml")).expect("secrets.yaml");
    let (findings, exit) = run(&s, &["-".to_string()], Some(&yaml));
    assert_eq!(findings, vec!["key-mismatch -:4".to_string()]);
    assert_eq!(exit, 1);
}

#[test]
fn a_repository_layout_with_map() {
    // deploy/nginx holds what will be /etc/nginx; without --map every path would be missing.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/servers/nginx-swapped");
    let nginx = dir.path().join("deploy/nginx");
    std::fs::create_dir_all(nginx.join("conf.d")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("deploy/ssl")).expect("mkdir");
    let conf = std::fs::read_to_string(src.join("etc/nginx/conf.d/sites.conf")).expect("sites.conf");
    std::fs::write(nginx.join("nginx.conf"), "events {}\nhttp {\n  include conf.d/*.conf;\n}\n").expect("write");
    std::fs::write(nginx.join("conf.d/sites.conf"), conf).expect("write");
    for f in ["shop.pem", "shop.key", "blog.pem", "blog.key"] {
        std::fs::copy(src.join("etc/ssl").join(f), dir.path().join("deploy/ssl").join(f)).expect("copy");
    }
    let d = dir.path().display().to_string();
    let args = vec![
        format!("{d}/deploy"),
        "--map".to_string(),
        format!("/etc/nginx={d}/deploy/nginx"),
        "--map".to_string(),
        format!("/etc/ssl={d}/deploy/ssl"),
    ];
    let (findings, exit) = run(dir.path(), &args, None);
    assert_eq!(
        findings,
        vec![
            "key-mismatch deploy/nginx/conf.d/sites.conf:11".to_string(),
            "key-mismatch deploy/nginx/conf.d/sites.conf:4".to_string()
        ]
    );
    assert_eq!(exit, 1);
}

#[test]
fn vhosts_sharing_files_are_each_reported_at_their_own_line() {
    // 40 server blocks on one wrong pair and 40 on one right pair: the pairs
    // share files (verified once), yet each wrong vhost gets its own finding.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/servers/nginx-swapped/etc/ssl");
    std::fs::create_dir_all(dir.path().join("etc/nginx")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("etc/ssl")).expect("mkdir");
    for f in ["shop.pem", "shop.key", "blog.key"] {
        std::fs::copy(src.join(f), dir.path().join("etc/ssl").join(f)).expect("copy");
    }
    let mut conf = String::from("events {}\nhttp {\n");
    for i in 0..80 {
        let key = if i % 2 == 0 { "blog.key" } else { "shop.key" };
        conf.push_str(&format!(
            "server {{ listen 443 ssl; server_name shop.example; ssl_certificate /etc/ssl/shop.pem; ssl_certificate_key /etc/ssl/{key}; }}\n"
        ));
    }
    conf.push_str("}\n");
    std::fs::write(dir.path().join("etc/nginx/nginx.conf"), conf).expect("write");
    let (findings, exit) = run(dir.path(), &[dir.path().display().to_string()], None);
    let mut expected: Vec<String> =
        (0..80).step_by(2).map(|i| format!("key-mismatch etc/nginx/nginx.conf:{}", i + 3)).collect();
    expected.sort();
    let mut mismatches: Vec<String> = findings.into_iter().filter(|f| f.starts_with("key-mismatch")).collect();
    mismatches.sort();
    assert_eq!(mismatches, expected);
    assert_eq!(exit, 1);
}
