//! Human output on a small nginx tree with one wrong key (issue #12): lines short enough for a
//! terminal and cron mail, the key that belongs to the certificate on the `fix:` line, paths
//! relative to where keymatch runs, a `sites-enabled` link named with its target, and counts in
//! the summary with their grammatical number.

mod common;

use common::{openssl_ok, run_keymatch, RSA2048};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

/// `site/etc/nginx` with `sites-enabled/shop -> ../sites-available/shop`, which serves
/// `shop.example.com.pem` with `wrong.key`; the certificate's own key sits in `right.key`.
fn mismatch_tree(root: &Path) {
    let ssl = root.join("site/etc/ssl/private");
    let nginx = root.join("site/etc/nginx");
    for d in [&ssl, &nginx.join("sites-available"), &nginx.join("sites-enabled")] {
        fs::create_dir_all(d).expect("mkdir");
    }
    openssl_ok(&ssl, &[&["genpkey"], RSA2048, &["-out", "right.key"]].concat());
    openssl_ok(&ssl, &[&["genpkey"], RSA2048, &["-out", "wrong.key"]].concat());
    openssl_ok(
        &ssl,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "right.key",
            "-subj",
            "/CN=shop.example.com",
            "-addext",
            "subjectAltName=DNS:shop.example.com",
            "-days",
            "3650",
            "-out",
            "shop.example.com.pem",
        ],
    );
    for k in ["right.key", "wrong.key"] {
        fs::set_permissions(ssl.join(k), fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    fs::write(nginx.join("nginx.conf"), "events {}\nhttp {\n\tinclude /etc/nginx/sites-enabled/*;\n}\n")
        .expect("write nginx.conf");
    fs::write(
        nginx.join("sites-available/shop"),
        "server {\n\tlisten 443 ssl;\n\tserver_name shop.example.com;\n\tssl_certificate /etc/ssl/private/shop.example.com.pem;\n\tssl_certificate_key /etc/ssl/private/wrong.key;\n}\n",
    )
    .expect("write site");
    symlink("../sites-available/shop", nginx.join("sites-enabled/shop")).expect("symlink");
}

#[test]
fn a_wrong_key_is_reported_in_short_lines_with_the_right_key_on_the_fix_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    mismatch_tree(tmp.path());
    let (code, out, err) = run_keymatch(&["scan", "--no-config", "site"], tmp.path());
    assert_eq!(code, 1, "{out}{err}");
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "a line over 100 characters ({}):\n{line}", line.chars().count());
    }
    let lines: Vec<&str> = out.lines().collect();
    let fix = "      fix: use site/etc/ssl/private/right.key (it belongs to this certificate)";
    let at = lines.iter().position(|l| *l == fix).unwrap_or_else(|| panic!("no {fix:?} in:\n{out}"));
    // The fix follows the finding at once: before the finding's other locations.
    let head = lines.iter().position(|l| l.contains("error[key-mismatch]")).expect("a key-mismatch finding");
    assert!(head < at && lines[head..at].iter().all(|l| !l.contains("also:")), "{out}");
    assert!(
        lines[head].starts_with(
            "  site/etc/nginx/sites-enabled/shop:4 (-> site/etc/nginx/sites-available/shop): error[key-mismatch]"
        ),
        "the config location names the link and its target:\n{out}"
    );
    assert!(out.contains("\n6 files, 1 certificate, 2 keys, 1 pair: 1 error, 0 warnings, 0 notes\n"), "{out}");
}

#[test]
fn paths_stay_relative_to_where_keymatch_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    mismatch_tree(tmp.path());
    let work = tmp.path().join("work");
    fs::create_dir(&work).expect("mkdir");
    let (code, out, err) = run_keymatch(&["scan", "--no-config", "../site"], &work);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("fix: use ../site/etc/ssl/private/right.key (it belongs to this certificate)"), "{out}");
    assert!(
        out.starts_with("MISMATCH ../site/etc/ssl/private/shop.example.com.pem + ../site/etc/ssl/private/wrong.key"),
        "{out}"
    );
    assert!(
        !out.contains(&tmp.path().to_string_lossy().into_owned()),
        "an absolute path where a relative one was given:\n{out}"
    );
}

#[test]
fn a_matching_pair_reads_in_the_singular() {
    let tmp = tempfile::tempdir().expect("tempdir");
    mismatch_tree(tmp.path());
    let ssl = tmp.path().join("site/etc/ssl/private");
    fs::remove_file(ssl.join("wrong.key")).expect("rm");
    fs::copy(ssl.join("right.key"), ssl.join("wrong.key")).expect("cp");
    fs::set_permissions(ssl.join("wrong.key"), fs::Permissions::from_mode(0o600)).expect("chmod");
    fs::remove_file(ssl.join("right.key")).expect("rm");
    let (code, out, err) = run_keymatch(&["scan", "--no-config", "site"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.lines().any(|l| l.ends_with(", 1 certificate, 1 key, 1 pair: 0 errors, 0 warnings, 0 notes")), "{out}");
}
