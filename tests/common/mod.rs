//! Helpers shared by the integration tests: the fixture scenarios of
//! `fixtures/check/*/expect`, a private copy of them with key-safe modes, and
//! running the built `keymatch` binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Output formats every "no secrets" style test runs; extend when a renderer lands.
pub const FORMATS: &[&str] = &["human", "json", "sarif", "prometheus"];

/// A fixed "now" so no expectation depends on the clock (fixtures are valid 2025–2125).
pub const AT: &str = "2030-01-01T00:00:00Z";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// One `fixtures/check/<name>/expect`.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// Arguments after `keymatch check`, relative to the scenario directory.
    pub args: Vec<String>,
    pub verdict: String,
    /// Finding codes, sorted.
    pub findings: Vec<String>,
    pub exit: i32,
    /// Relative to the scenario directory.
    pub passphrase_file: Option<String>,
}

impl Scenario {
    /// The certificate argument and the key argument (the same file when only one is given).
    pub fn cert_and_key(&self) -> (String, String) {
        let cert = self.args.first().cloned().unwrap_or_default();
        let key = self.args.get(1).cloned().unwrap_or_else(|| cert.clone());
        (cert, key)
    }
}

fn parse_expect(name: &str, text: &str) -> Result<Scenario, String> {
    let mut kv = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (k, v) = line.split_once('=').ok_or_else(|| format!("{name}/expect: line without '=': {line}"))?;
        kv.insert(k.trim().to_string(), v.trim().to_string());
    }
    let get = |k: &str| kv.get(k).cloned().ok_or_else(|| format!("{name}/expect: no '{k}='"));
    let mut findings: Vec<String> =
        get("findings")?.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    findings.sort();
    Ok(Scenario {
        name: name.to_string(),
        args: get("args")?.split_whitespace().map(String::from).collect(),
        verdict: get("verdict")?,
        findings,
        exit: get("exit")?.parse().map_err(|e| format!("{name}/expect: exit: {e}"))?,
        passphrase_file: kv.get("passphrase_file").cloned(),
    })
}

/// Every scenario under `fixtures/check`, sorted by name.
pub fn scenarios() -> Vec<Scenario> {
    let dir = fixtures().join("check");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let expect = entry.path().join("expect");
        if !expect.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&expect).unwrap();
        out.push(parse_expect(&name, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no scenarios under {}", dir.display());
    out
}

/// A private copy of `fixtures/check` with every file at mode 0600: git does
/// not keep modes, and a group/world-readable key would add a
/// `key-permissions` finding that depends on the checkout's umask.
pub struct Staged {
    _dir: tempfile::TempDir,
    pub check: PathBuf,
}

impl Staged {
    pub fn scenario_dir(&self, s: &Scenario) -> PathBuf {
        self.check.join(&s.name)
    }
}

pub fn stage_check() -> Staged {
    let dir = tempfile::tempdir().unwrap();
    let check = dir.path().join("check");
    copy_tree(&fixtures().join("check"), &check);
    Staged { _dir: dir, check }
}

fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}

/// The outcome of one keymatch run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            format!("stdout is not JSON ({e}); exit {:?}; stderr: {}", self.code, first_lines(&self.stderr, 3))
        })
    }
}

pub fn first_lines(s: &str, n: usize) -> String {
    s.lines().take(n).collect::<Vec<_>>().join(" | ")
}

/// A `keymatch` command run from `dir`, with no passphrase in the environment
/// and no colour.
pub fn keymatch(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keymatch"));
    cmd.current_dir(dir).env_remove("KEYMATCH_PASSPHRASE").env("NO_COLOR", "1");
    cmd
}

/// `keymatch check ARGS --at AT --format FORMAT [--passphrase-file F]` in the scenario's directory.
pub fn run_check(staged: &Staged, s: &Scenario, format: &str) -> Run {
    let mut cmd = keymatch(&staged.scenario_dir(s));
    cmd.arg("check").args(&s.args).args(["--at", AT, "--format", format]);
    if let Some(pf) = &s.passphrase_file {
        cmd.arg("--passphrase-file").arg(pf);
    }
    cmd.output().unwrap().into()
}

/// `pairs[0].verdict` and the sorted finding codes of a JSON report.
pub fn verdict_and_codes(doc: &serde_json::Value) -> (Option<String>, Vec<String>) {
    let verdict = doc.pointer("/pairs/0/verdict").and_then(|v| v.as_str()).map(String::from);
    let mut codes: Vec<String> = doc
        .get("findings")
        .and_then(|f| f.as_array())
        .map(|a| a.iter().filter_map(|f| f.get("code").and_then(|c| c.as_str()).map(String::from)).collect())
        .unwrap_or_default();
    codes.sort();
    (verdict, codes)
}

/// Run the openssl CLI in `dir`, feeding `stdin`; stdout on success, the
/// first lines of stderr on failure.
pub fn openssl(args: &[&str], dir: &Path, stdin: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if let Some(mut input) = child.stdin.take() {
        // openssl may exit before reading (bad arguments): a broken pipe is its error, not ours.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(first_lines(&String::from_utf8_lossy(&out.stderr), 2))
    }
}

/// The DER format flag for a fixture file (`-inform DER` for `*.der`).
pub fn inform(file: &str) -> &'static str {
    if file.ends_with(".der") {
        "DER"
    } else {
        "PEM"
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `openssl genpkey` arguments for [`sibling_pair`] keys.
pub const RSA2048: &[&str] = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
pub const P256: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];

/// Run the openssl CLI in `dir`; panics with its standard error when it fails.
pub fn openssl_ok(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `NAME.key` (made with `openssl genpkey KEY_ARGS`) and a self-signed `NAME.crt` for
/// `CN=NAME.example`, valid `days`, in `dir`; with `wrong_key` the key is then replaced by a
/// fresh one, so the pair does not match.
pub fn sibling_pair(dir: &Path, name: &str, key_args: &[&str], days: u32, wrong_key: bool) {
    let key = format!("{name}.key");
    let crt = format!("{name}.crt");
    let genpkey = |dir: &Path| openssl_ok(dir, &[&["genpkey"], key_args, &["-out", &key]].concat());
    genpkey(dir);
    let (subj, days) = (format!("/CN={name}.example"), days.to_string());
    openssl_ok(dir, &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-days", &days, "-out", &crt]);
    if wrong_key {
        genpkey(dir);
    }
}

/// Run `keymatch ARGS` in `cwd`: (exit code, standard output, standard error).
pub fn run_keymatch(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keymatch")).args(args).current_dir(cwd).output().expect("run keymatch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A server binary from the system's sbin/bin directories, or `None` (the caller
/// skips) when it is missing; under `CI=true` a missing server fails the test.
pub fn server_binary(name: &str) -> Option<PathBuf> {
    let found = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{name} is not installed, and CI=true needs it");
        eprintln!("skipped: {name} is not installed");
    }
    found
}

/// Every `.rs` file below `dir`, depth first (the source checks of tests/module_size.rs and
/// tests/oid_literals.rs).
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
