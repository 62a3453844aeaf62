//! Filesystem traps the repository cannot hold, made at run time: a FIFO, a
//! socket, symlink loops, a mode-000 file, a link to /dev/zero, a sparse
//! 2 GiB file, a directory named like a certificate. Each scan must finish (a
//! hang fails the test; see `scan_common::keymatch`) and report them only
//! when a pairing rule names them.

mod scan_common;
use scan_common::*;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn make_traps(d: &Path) {
    fs::create_dir_all(d.join("traps/x.pem")).unwrap();
    assert!(Command::new("mkfifo").arg(d.join("traps/fifo.pem")).status().unwrap().success());
    let _socket = std::os::unix::net::UnixListener::bind(d.join("traps/socket.pem")).unwrap();
    symlink("loop-b.pem", d.join("traps/loop-a.pem")).unwrap();
    symlink("loop-a.pem", d.join("traps/loop-b.pem")).unwrap();
    symlink("/dev/zero", d.join("traps/zero.pem")).unwrap();
    symlink("..", d.join("traps/up")).unwrap();
    let sparse = fs::File::create(d.join("traps/sparse.pem")).unwrap();
    sparse.set_len(2 << 30).unwrap();
    fs::write(d.join("traps/locked.key"), b"not key material\n").unwrap();
    fs::set_permissions(d.join("traps/locked.key"), fs::Permissions::from_mode(0o000)).unwrap();
    // A Kubernetes-style directory whose files are a FIFO and a link to /dev/zero:
    // the layout names them, so they are reported unreadable.
    fs::create_dir_all(d.join("k8s/web-tls")).unwrap();
    assert!(Command::new("mkfifo").arg(d.join("k8s/web-tls/tls.crt")).status().unwrap().success());
    symlink("/dev/zero", d.join("k8s/web-tls/tls.key")).unwrap();
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn traps_finish_and_are_reported_only_when_named() {
    let tmp = tempfile::tempdir().unwrap();
    make_traps(tmp.path());
    for follow in [false, true] {
        let mut args = vec!["scan", "--at", AT, "--format", "json", "."];
        if follow {
            args.push("--follow");
        }
        let out = keymatch(tmp.path(), &args, None);
        let doc = json(&out);
        let mut got: Vec<String> = findings(&doc).into_iter().map(|(c, l)| format!("{c} {}", l.join(" "))).collect();
        // The mode-000 file is unreadable (not root: nothing names it, so nothing
        // is said) or readable and not material (root): never a finding.
        assert!(!got.iter().any(|f| f.contains("locked.key")), "{got:?} (root: {})", running_as_root());
        got.sort();
        let mut want = vec!["unreadable k8s/web-tls/tls.crt".to_string(), "unreadable k8s/web-tls/tls.key".to_string()];
        if follow {
            // traps/up -> .. is a loop back to the root: a note, once.
            want.insert(2, "unreadable traps/up".to_string());
        }
        assert_eq!(got, want, "follow={follow}");
        assert_eq!(pairs(&doc), ["kubernetes-dir k8s/web-tls/tls.crt k8s/web-tls/tls.key unreadable"]);
        assert_eq!(out.status.code(), Some(0), "warnings and notes only");
    }
    // The files are still there and untouched (keymatch is read-only).
    assert_eq!(fs::metadata(tmp.path().join("traps/sparse.pem")).unwrap().len(), 2 << 30);
    assert_eq!(fs::metadata(tmp.path().join("traps/locked.key")).unwrap().permissions().mode() & 0o777, 0);
}

#[test]
fn naming_a_trap_as_a_scan_root_is_handled() {
    let tmp = tempfile::tempdir().unwrap();
    make_traps(tmp.path());
    for root in ["traps/fifo.pem", "traps/zero.pem", "traps/sparse.pem", "traps/loop-a.pem", "traps/x.pem"] {
        let out = keymatch(tmp.path(), &["scan", "--at", AT, "--format", "json", root], None);
        let doc = json(&out);
        assert!(doc["pairs"].as_array().unwrap().is_empty(), "{root}");
        // A file named on the command line and over the size cap went unchecked: an error.
        let want = if root == "traps/sparse.pem" { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(want), "{root}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn bad_exclude_glob_and_missing_root_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = keymatch(tmp.path(), &["scan", "--exclude", "a[", "."], None);
    assert_eq!(out.status.code(), Some(2));
    let out = keymatch(tmp.path(), &["scan", "no-such-dir"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn excluded_and_vcs_paths_are_not_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let lone = fs::read(trees().join("orphans/certs/lonely.example.crt")).unwrap();
    for p in [".git/objects/x.crt", "node_modules/m/x.crt", "vendor/x.crt", "keep/x.crt", "keep/x.crt.bak"] {
        fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
        fs::write(d.join(p), &lone).unwrap();
    }
    let out =
        keymatch(d, &["scan", "--at", AT, "--format", "json", "--exclude", "vendor", "--exclude", "*.bak", "."], None);
    let got: Vec<String> = findings(&json(&out)).into_iter().map(|(c, l)| format!("{c} {}", l.join(" "))).collect();
    assert_eq!(got, ["orphan-cert keep/x.crt"]);
}
