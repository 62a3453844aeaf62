//! `keymatch scan` over every scenario of `fixtures/trees/` (made by
//! `fixtures/gen_trees.sh`): the pairs, the findings and the exit code must be
//! exactly the ones its `expected` file lists. Also: `-j 1` and `-j 2` give
//! byte-identical output, and `scan -` reads standard input.

mod scan_common;
use scan_common::*;
use std::fs;

/// An `expected` file: `exit N`, `pair KIND CERT KEY VERDICT` lines, and one
/// `CODE PATH[:LINE]` line per finding (the finding has a location there).
struct Expected {
    exit: i32,
    pairs: Vec<String>,
    findings: Vec<(String, String)>,
}

fn expected(scenario: &str) -> Expected {
    let text = fs::read_to_string(trees().join(scenario).join("expected")).unwrap();
    let mut e = Expected { exit: -1, pairs: Vec::new(), findings: Vec::new() };
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        match line.split_once(' ').unwrap() {
            ("exit", n) => e.exit = n.parse().unwrap(),
            ("pair", rest) => e.pairs.push(rest.to_string()),
            (code, loc) => e.findings.push((code.to_string(), loc.to_string())),
        }
    }
    e.pairs.sort();
    e
}

/// `got` ("path" or "path:line") is at `want`: the same, or `want` names no line.
fn same_place(got: &str, want: &str) -> bool {
    got == want || got.rsplit_once(':').is_some_and(|(path, line)| path == want && line.parse::<u32>().is_ok())
}

fn check_scenario(scenario: &str) {
    let want = expected(scenario);
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&trees().join(scenario), tmp.path());
    let out = keymatch(tmp.path(), &["scan", "--at", AT, "--format", "json", "."], None);
    let doc = json(&out);
    let got_findings = findings(&doc);
    let shown: Vec<String> = got_findings.iter().map(|(c, l)| format!("{c} {}", l.join(" "))).collect();
    assert_eq!(pairs(&doc), want.pairs, "{scenario}: pairs");
    // Every expected finding matches one actual finding, and nothing else is reported.
    let mut unmatched = got_findings.clone();
    for (code, loc) in &want.findings {
        let i = unmatched.iter().position(|(c, locs)| c == code && locs.iter().any(|l| same_place(l, loc)));
        match i {
            Some(i) => {
                unmatched.remove(i);
            }
            None => panic!("{scenario}: expected `{code} {loc}` among\n{}", shown.join("\n")),
        }
    }
    assert!(unmatched.is_empty(), "{scenario}: unexpected findings {unmatched:?}\nall:\n{}", shown.join("\n"));
    assert_eq!(out.status.code(), Some(want.exit), "{scenario}: exit code; findings:\n{}", shown.join("\n"));
}

macro_rules! scenarios {
    ($($name:ident => $dir:literal,)*) => {
        $( #[test] fn $name() { check_scenario($dir); } )*

        #[test]
        fn every_scenario_directory_is_tested() {
            let mut listed = vec![$($dir),*];
            listed.sort();
            let mut dirs: Vec<String> = fs::read_dir(trees()).unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.file_type().unwrap().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            dirs.sort();
            assert_eq!(dirs, listed);
        }
    };
}

scenarios! {
    certbot_healthy => "certbot-healthy",
    certbot_old_key => "certbot-old-key",
    certbot_dangling => "certbot-dangling",
    combined => "combined",
    layouts => "layouts",
    haystack => "haystack",
    orphans => "orphans",
    dates => "dates",
    chain_order => "chain-order",
    chain_broken => "chain-broken",
    weak_key => "weak-key",
    permissions => "permissions",
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in ["layouts", "haystack", "certbot-old-key", "orphans"] {
        copy_tree(&trees().join(scenario), &tmp.path().join(scenario));
    }
    let run = |jobs: &str, format: &str| {
        keymatch(tmp.path(), &["scan", "--at", AT, "--format", format, "-j", jobs, "."], None)
    };
    for format in ["json", "human"] {
        let one = run("1", format);
        let two = run("2", format);
        assert!(!one.stdout.is_empty());
        assert_eq!(String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&two.stdout), "{format}");
        assert_eq!(one.status.code(), two.status.code());
    }
}

#[test]
fn scan_dash_reads_standard_input() {
    let combined = fs::read(trees().join("combined/etc/haproxy/certs/shop.example.pem")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = keymatch(tmp.path(), &["scan", "--at", AT, "--format", "json", "-"], Some(&combined));
    let doc = json(&out);
    assert_eq!(pairs(&doc), ["combined - - match"]);
    assert_eq!(out.status.code(), Some(0));
    // A lone certificate on standard input is an orphan, not an error.
    let lone = fs::read(trees().join("orphans/certs/lonely.example.crt")).unwrap();
    let out = keymatch(tmp.path(), &["scan", "--at", AT, "--format", "json", "-"], Some(&lone));
    let f = findings(&json(&out));
    assert_eq!(f, [("orphan-cert".to_string(), vec!["-".to_string()])]);
}
