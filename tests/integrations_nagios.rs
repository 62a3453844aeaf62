//! `--format nagios` as a monitoring system reads it: the status line and exit code for OK,
//! WARNING, CRITICAL and UNKNOWN; the perfdata checked against a strict regular expression of
//! the Monitoring Plugins development guidelines' grammar, against the JSON report of the same
//! scan, and parsed by the real consumer-side parser `Monitoring::Plugin::Performance` (Debian
//! package libmonitoring-plugin-perl, the library monitoring plugins are written with; `.ci/run`
//! installs it, and with CI=true its absence fails the test), whose threshold evaluation must
//! give the state keymatch exited with.

mod common;

use common::{run_keymatch, sibling_pair, RSA2048};
use regex::Regex;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// `'label'=value[UOM];[warn];[crit];[min];[max]`, ranges as `[@][start:][end]` with `~` for
/// negative infinity (Monitoring Plugins development guidelines, "Performance data").
fn perf_regex() -> Regex {
    let num = r"-?[0-9]+(?:\.[0-9]+)?";
    let range = format!(r"@?(?:(?:~|{num})?:)?(?:{num})?");
    let label = r"(?:[A-Za-z_][A-Za-z0-9_]*|'[^'=]+')";
    let item = format!(
        r"({label})=({num})(us|ms|s|%|B|KB|MB|TB|c)?(?:;({range})(?:;({range})(?:;({num})?(?:;({num})?)?)?)?)?"
    );
    Regex::new(&format!("^{item}$")).expect("perfdata regex")
}

/// One parsed perfdata item: value, warn, crit, min.
#[derive(Debug, PartialEq)]
struct Perf {
    value: f64,
    warn: String,
    crit: String,
    min: String,
}

/// The status line's state, text and perfdata (each item matched by the strict grammar).
fn parse_status(out: &str) -> (String, String, BTreeMap<String, Perf>) {
    let first = out.lines().next().expect("a status line");
    let status = Regex::new(r"^KEYMATCH (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+?)(?: \| (.+))?$").expect("regex");
    let caps = status.captures(first).unwrap_or_else(|| panic!("not a plugin status line: {first:?}"));
    let item = perf_regex();
    let mut perf = BTreeMap::new();
    for word in caps.get(3).map(|m| m.as_str()).unwrap_or("").split(' ').filter(|w| !w.is_empty()) {
        let c = item.captures(word).unwrap_or_else(|| panic!("perfdata item {word:?} breaks the grammar"));
        let get = |i: usize| c.get(i).map(|m| m.as_str().to_string()).unwrap_or_default();
        let value: f64 = get(2).parse().expect("a number");
        assert!(perf.insert(get(1), Perf { value, warn: get(4), crit: get(5), min: get(6) }).is_none(), "{word}");
    }
    for line in out.lines().skip(1) {
        assert!(!line.contains('|'), "a detail line would start more perfdata: {line:?}");
    }
    (caps[1].to_string(), caps[2].to_string(), perf)
}

/// The real parser: `label value warn crit status` per item, and the worst threshold status.
const PERL: &str = r#"
use strict; use warnings;
use Monitoring::Plugin::Performance use_die => 1;
my $first = <STDIN>; chomp $first;
my (undef, $perf) = split /\|/, $first, 2;
my @p = Monitoring::Plugin::Performance->parse_perfstring($perf // '');
my $worst = 0;
for my $p (@p) {
    my $s = $p->threshold->get_status($p->value);
    $worst = $s if $s > $worst;
    print $p->label, " ", $p->value, " ", $s, "\n";
}
print "worst $worst\n";
"#;

fn perl_parser_available() -> bool {
    Command::new("perl")
        .args(["-MMonitoring::Plugin::Performance", "-e", "1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Parse `out` with Monitoring::Plugin::Performance: (label → value, worst threshold status).
fn perl_parse(out: &str) -> Option<(BTreeMap<String, f64>, i32)> {
    if !perl_parser_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: Monitoring::Plugin::Performance (Debian libmonitoring-plugin-perl) is missing"
        );
        eprintln!("libmonitoring-plugin-perl not installed: perfdata checked with the strict grammar only");
        return None;
    }
    let mut child = Command::new("perl")
        .args(["-e", PERL])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run perl");
    child.stdin.take().expect("stdin").write_all(out.as_bytes()).expect("write");
    let res = child.wait_with_output().expect("perl");
    assert!(res.status.success(), "perl parser: {}", String::from_utf8_lossy(&res.stderr));
    let text = String::from_utf8_lossy(&res.stdout).into_owned();
    let mut values = BTreeMap::new();
    let mut worst = -1;
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["worst", w] => worst = w.parse().expect("status"),
            [label, value, _] => {
                values.insert(label.to_string(), value.parse().expect("value"));
            }
            _ => panic!("unexpected perl output {line:?}"),
        }
    }
    Some((values, worst))
}

/// A directory per case: `ok` (valid 10 years), `soon` (10 days), `wrong` (a key that is not the
/// certificate's); keys 0600, so only the case itself is a finding.
fn cases(root: &Path) {
    for (name, days, wrong) in [("ok", 3650, false), ("soon", 10, false), ("wrong", 3650, true)] {
        let dir = root.join(name);
        fs::create_dir(&dir).expect("mkdir");
        sibling_pair(&dir, name, RSA2048, days, wrong);
        fs::set_permissions(dir.join(format!("{name}.key")), fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn json_summary(dir: &str, cwd: &Path) -> serde_json::Value {
    let (_, out, err) = run_keymatch(&["scan", "--no-config", "--format", "json", dir], cwd);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    doc["summary"].clone()
}

#[test]
fn states_exit_codes_and_perfdata_agree_with_the_json_report_and_the_plugin_parser() {
    let tmp = tempfile::tempdir().expect("tempdir");
    cases(tmp.path());
    for (dir, state, code) in [("ok", "OK", 0), ("soon", "WARNING", 1), ("wrong", "CRITICAL", 2)] {
        let (got, out, err) = run_keymatch(&["scan", "--no-config", "--format", "nagios", dir], tmp.path());
        assert_eq!(got, code, "{dir}: {out}{err}");
        let (st, text, perf) = parse_status(&out);
        assert_eq!(st, state, "{out}");
        let summary = json_summary(dir, tmp.path());
        for label in ["pairs", "errors", "warnings"] {
            assert_eq!(perf[label].value, summary[label].as_f64().expect("count"), "{label} in {out}");
            assert_eq!(perf[label].min, "0", "{label}: counts are never negative");
        }
        assert_eq!((perf["errors"].crit.as_str(), perf["warnings"].warn.as_str()), ("0", "0"), "{out}");
        let days = perf["min_days_left"].value;
        assert_eq!((perf["min_days_left"].warn.as_str(), perf["min_days_left"].crit.as_str()), ("30:", "0:"));
        match dir {
            "ok" => {
                assert!((3648.0..=3650.0).contains(&days), "{out}");
                assert!(text.starts_with("1 pair checked, next expiry in 36"), "{text}");
                assert_eq!(out.lines().count(), 1, "nothing to detail when all is well: {out}");
            }
            "soon" => {
                assert!((8.0..=10.0).contains(&days), "{out}");
                assert!(text.contains("1 warning in 1 pair (first: expires-soon at soon/soon.crt:1)"), "{text}");
                assert!(
                    out.lines().nth(1).is_some_and(|l| l.starts_with("warning[expires-soon] soon/soon.crt:1: ")),
                    "{out}"
                );
            }
            _ => {
                assert!(text.starts_with("1 error in 1 pair (first: key-mismatch at wrong/wrong.crt:1)"), "{text}");
                assert!(
                    out.lines().nth(1).is_some_and(|l| l.starts_with("error[key-mismatch] wrong/wrong.crt:1: ")),
                    "{out}"
                );
            }
        }
        if let Some((values, worst)) = perl_parse(&out) {
            let mine: BTreeMap<String, f64> = perf.iter().map(|(k, v)| (k.clone(), v.value)).collect();
            assert_eq!(values, mine, "the plugin parser reads other perfdata than the grammar: {out}");
            assert_eq!(worst, code, "the thresholds in the perfdata give another state than the exit code: {out}");
        }
    }
}

#[test]
fn could_not_run_is_unknown_with_exit_3() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for args in [
        &["scan", "--format", "nagios", "no/such/dir"][..],
        &["scan", "--format=nagios", "--at", "yesterday", "."][..],
        &["scan", "--format", "nagios", "--no-such-option", "."][..],
        &["check", "--format", "nagios", "missing.crt", "missing.key"][..],
    ] {
        let (code, out, err) = run_keymatch(args, tmp.path());
        assert_eq!(code, 3, "{args:?}: {out}{err}");
        let (st, text, perf) = parse_status(&out);
        assert_eq!(st, "UNKNOWN", "{out}");
        assert!(text.starts_with("keymatch could not run: "), "{text}");
        assert!(perf.is_empty(), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }
    // Without --format nagios the same failures stay exit 2.
    let (code, out, _) = run_keymatch(&["scan", "no/such/dir"], tmp.path());
    assert_eq!((code, out.as_str()), (2, ""));
}

#[test]
fn check_of_one_pair_reports_its_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    cases(tmp.path());
    let (code, out, err) =
        run_keymatch(&["check", "--format", "nagios", "wrong/wrong.crt", "wrong/wrong.key"], tmp.path());
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(parse_status(&out).0, "CRITICAL");
    let (code, out, err) = run_keymatch(&["check", "--format", "nagios", "ok/ok.crt", "ok/ok.key"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    let (st, _, perf) = parse_status(&out);
    assert_eq!((st.as_str(), perf["pairs"].value, perf["errors"].value), ("OK", 1.0, 0.0), "{out}");
}

/// `negate` from Debian's monitoring-plugins-basic, a real plugin consumer: it runs a plugin, reads
/// its state from the exit code and (with `-s`) rewrites the state word of the status line. OK and
/// CRITICAL swap, WARNING and UNKNOWN stay.
#[test]
fn the_monitoring_plugins_negate_wrapper_reads_every_state() {
    let negate = Path::new("/usr/lib/nagios/plugins/negate");
    if !negate.exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true: negate (monitoring-plugins-basic) is missing");
        eprintln!("monitoring-plugins-basic not installed: negate not tried");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    cases(tmp.path());
    let bin = env!("CARGO_BIN_EXE_keymatch");
    for (dir, code, state) in
        [("ok", 2, "CRITICAL"), ("soon", 1, "WARNING"), ("wrong", 0, "OK"), ("missing", 3, "UNKNOWN")]
    {
        let out = Command::new(negate)
            .args(["-s", bin, "scan", "--no-config", "--format", "nagios", dir])
            .current_dir(tmp.path())
            .output()
            .expect("run negate");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{dir}: {text}");
        assert!(text.starts_with(&format!("KEYMATCH {state} - ")), "{dir}: {text}");
    }
}

#[test]
fn the_strict_grammar_rejects_what_a_plugin_parser_would_misread() {
    let re = perf_regex();
    for good in ["pairs=3;;;0", "min_days_left=-2;30:;0:", "'a b'=1.5s;~:10;@5:6;0;100", "x=1"] {
        assert!(re.is_match(good), "{good}");
    }
    for bad in ["pairs=3d", "pairs=", "pairs 3", "pairs=3;;;;;", "pairs=three", "=3", "a'=1"] {
        assert!(!re.is_match(bad), "{bad}");
    }
}
