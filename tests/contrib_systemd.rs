//! The systemd units in `contrib/systemd` as shipped: `systemd-analyze verify` accepts them (with
//! the binary under test in ExecStart= and its generated manual page on MANPATH, as the install
//! steps put them), `systemd-analyze security` rates the service's sandbox, and the service's
//! commands do what its comments say: the first writes the textfile whatever it finds, the second
//! prints the findings (to the journal) and fails the unit on an error.
//!
//! `systemd-analyze` comes from the Debian package `systemd` (`.ci/run` installs it): the tests
//! that need it fail under CI=true when it is missing, and are skipped with a message otherwise.

mod common;

use common::sibling_pair;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn systemd_analyze() -> Option<PathBuf> {
    let found = ["/usr/bin", "/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join("systemd-analyze"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "systemd-analyze is not installed, and CI=true needs it");
        eprintln!("skipped: systemd-analyze is not installed (Debian package systemd)");
    }
    found
}

/// The units in a temporary directory, ExecStart= pointing at the binary under test, and a
/// MANPATH holding `keymatch man` (Documentation=man:keymatch(1) is checked by verify).
fn staged_units(dir: &Path) -> PathBuf {
    for unit in ["keymatch.service", "keymatch.timer"] {
        let text = repo_file(&format!("contrib/systemd/{unit}"))
            .replace("/usr/local/bin/keymatch", env!("CARGO_BIN_EXE_keymatch"));
        std::fs::write(dir.join(unit), text).expect("write unit");
    }
    let man = dir.join("man");
    std::fs::create_dir_all(man.join("man1")).expect("mkdir");
    let page = Command::new(env!("CARGO_BIN_EXE_keymatch")).arg("man").output().expect("keymatch man");
    assert!(page.status.success());
    std::fs::write(man.join("man1/keymatch.1"), page.stdout).expect("write man page");
    man
}

fn verify(analyze: &Path, dir: &Path, man: &Path) -> (bool, String) {
    let out = Command::new(analyze)
        .args(["verify", "keymatch.service", "keymatch.timer"])
        .current_dir(dir)
        .env("MANPATH", man)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .expect("run systemd-analyze verify");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn units_pass_systemd_analyze_verify() {
    let Some(analyze) = systemd_analyze() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let man = staged_units(tmp.path());
    let (ok, said) = verify(&analyze, tmp.path(), &man);
    assert!(ok && said.trim().is_empty(), "systemd-analyze verify:\n{said}");
    // Not vacuous: a unit whose ExecStart= binary is missing is refused.
    let service = tmp.path().join("keymatch.service");
    let text = std::fs::read_to_string(&service).expect("read");
    std::fs::write(&service, text.replace(env!("CARGO_BIN_EXE_keymatch"), "/nonexistent/keymatch")).expect("write");
    let (ok, said) = verify(&analyze, tmp.path(), &man);
    assert!(!ok && said.contains("/nonexistent/keymatch"), "a missing binary passed verify:\n{said}");
}

#[test]
fn service_sandbox_is_rated_ok_by_systemd_analyze_security() {
    let Some(analyze) = systemd_analyze() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    staged_units(tmp.path());
    let out = Command::new(analyze)
        .args(["security", "--offline=true", "--no-pager", "keymatch.service"])
        .current_dir(tmp.path())
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .expect("run systemd-analyze security");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let level: f64 = said
        .lines()
        .find_map(|l| l.split("Overall exposure level for keymatch.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{said}"));
    // The unit as first shipped rated 8.5 EXPOSED; hardened, 1.1 OK.
    assert!(level <= 2.0, "exposure {level}:\n{said}");
}

/// Directive values of a unit, continuation lines joined.
fn directives(text: &str, name: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{name}=")))
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn service_is_read_only_offline_and_holds_one_capability() {
    let text = repo_file("contrib/systemd/keymatch.service");
    let one = |name: &str| -> String {
        let v = directives(&text, name);
        assert_eq!(v.len(), 1, "{name}= once: {v:?}");
        v[0].clone()
    };
    assert_eq!(one("ProtectSystem"), "strict");
    assert_eq!(one("ReadWritePaths"), "/var/lib/prometheus/node-exporter", "only the textfile directory is writable");
    assert_eq!(one("PrivateNetwork"), "yes");
    assert_eq!(one("RestrictAddressFamilies"), "none");
    assert_eq!(one("CapabilityBoundingSet"), "CAP_DAC_READ_SEARCH");
    assert_eq!(one("NoNewPrivileges"), "yes");
    let exec = directives(&text, "ExecStart");
    assert_eq!(exec.len(), 2, "{exec:?}");
    assert!(exec[0].contains("--output /var/lib/prometheus/node-exporter/keymatch.prom"), "{exec:?}");
}

/// Run one ExecStart= command of the service with /etc and the textfile directory replaced.
fn exec(command: &str, etc: &Path, textfile_dir: &Path) -> (i32, String, String) {
    let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
    assert_eq!(words.first().map(String::as_str), Some("/usr/local/bin/keymatch"));
    assert_eq!(words.last().map(String::as_str), Some("/etc"));
    words.pop();
    words.push(etc.display().to_string());
    for w in &mut words {
        if let Some(file) = w.strip_prefix("/var/lib/prometheus/node-exporter/") {
            *w = textfile_dir.join(file).display().to_string();
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_keymatch")).args(&words[1..]).output().expect("run keymatch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn service_writes_the_textfile_and_fails_with_the_findings_in_the_journal() {
    let text = repo_file("contrib/systemd/keymatch.service");
    let exec_lines = directives(&text, "ExecStart");
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("etc");
    let textfiles = tmp.path().join("node-exporter");
    std::fs::create_dir_all(etc.join("ssl")).expect("mkdir");
    std::fs::create_dir_all(&textfiles).expect("mkdir");
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    sibling_pair(&etc.join("ssl"), "shop", ec, 3650, false);

    // Healthy: the textfile is written, the journal gets nothing, the unit succeeds.
    let (code, out, err) = exec(&exec_lines[0], &etc, &textfiles);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = exec(&exec_lines[1], &etc, &textfiles);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "nothing to say when all is well");

    // A mismatched pair: the textfile still says so; the second run prints it and fails.
    sibling_pair(&etc.join("ssl"), "api", ec, 3650, true);
    let (code, out, err) = exec(&exec_lines[0], &etc, &textfiles);
    assert_eq!(code, 0, "the textfile run does not fail on findings: {out}{err}");
    let prom = std::fs::read_to_string(textfiles.join("keymatch.prom")).expect("textfile written");
    assert!(prom.contains("verdict=\"mismatch\"} 1"), "{prom}");
    let (code, out, _) = exec(&exec_lines[1], &etc, &textfiles);
    assert_eq!(code, 1, "the unit fails: {out}");
    assert!(
        out.contains("error[key-mismatch]") && out.contains("ssl/api.key"),
        "the journal says what and where:\n{out}"
    );

    // A missing textfile directory: the first run fails (exit 2) and says why on standard error.
    let (code, _, err) = exec(&exec_lines[0], &etc, &tmp.path().join("gone"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gone"), "{err}");
}
