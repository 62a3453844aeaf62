//! Issue 12, the first hour of daily use: `key-permissions` as a server admin
//! means it (no mode audit inside a version-control work tree; root:ssl-cert
//! 0640 is Debian's convention), `check`'s argument forms (swapped CERT and KEY,
//! a forgotten KEY, Kubernetes Secret files and `file#namespace/name`), and
//! `keymatch inventory`.

mod common;
use common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A matching pair from the committed trees, copied to `dir/NAME.crt` and `dir/NAME.key` with `mode`.
fn pair_in(dir: &Path, name: &str, mode: u32) {
    let src = fixtures().join("trees/permissions/etc/ssl");
    fs::create_dir_all(dir).unwrap();
    fs::copy(src.join("open.example.crt"), dir.join(format!("{name}.crt"))).unwrap();
    fs::copy(src.join("open.example.key"), dir.join(format!("{name}.key"))).unwrap();
    fs::set_permissions(dir.join(format!("{name}.key")), fs::Permissions::from_mode(mode)).unwrap();
}

/// `(code, first location's path)` of every finding of a JSON report.
fn codes_at(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (f["code"].as_str().unwrap().to_string(), f["locations"][0]["path"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

fn scan_json(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = keymatch(dir).args(["scan", "--at", AT, "--format", "json", "--no-config"]).args(args).output().unwrap();
    let run: Run = out.into();
    (run.code, run.json().unwrap())
}

#[test]
fn a_0644_key_in_a_git_checkout_is_not_a_finding_outside_one_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("infra");
    pair_in(&repo.join("ssl"), "site", 0o644);
    let git = Command::new("git").args(["init", "-q"]).current_dir(&repo).status().expect("run git");
    assert!(git.success());
    pair_in(&tmp.path().join("loose"), "site", 0o644);

    let (code, doc) = scan_json(tmp.path(), &["infra"]);
    assert_eq!(codes_at(&doc), Vec::<(String, String)>::new(), "{doc}");
    assert_eq!(code, Some(0));
    // A path inside the work tree, not its top, is in it too.
    let (_, doc) = scan_json(&repo.join("ssl"), &["."]);
    assert_eq!(codes_at(&doc), Vec::<(String, String)>::new(), "{doc}");

    let (code, doc) = scan_json(tmp.path(), &["loose"]);
    assert_eq!(codes_at(&doc), [("key-permissions".to_string(), "loose/site.key".to_string())], "{doc}");
    let msg = doc["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("readable by") && msg.contains("all users"), "{msg}");
    assert_eq!(code, Some(0), "a warning");
}

/// `groupadd -f ssl-cert` when the group is missing (the tests run as root).
fn ssl_cert_gid() -> u32 {
    let lookup = || {
        let out = Command::new("getent").args(["group", "ssl-cert"]).output().expect("run getent");
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        line.split(':').nth(2).and_then(|g| g.trim().parse::<u32>().ok())
    };
    if let Some(gid) = lookup() {
        return gid;
    }
    let made = Command::new("groupadd").args(["-f", "ssl-cert"]).status().expect("run groupadd");
    assert!(made.success(), "groupadd -f ssl-cert failed: these tests need root");
    lookup().expect("ssl-cert after groupadd")
}

#[test]
fn a_root_ssl_cert_0640_key_is_debians_convention_not_a_finding() {
    use std::os::unix::fs::MetadataExt;
    let gid = ssl_cert_gid();
    let tmp = tempfile::tempdir().unwrap();
    let ssl = tmp.path().join("etc/ssl/private");
    pair_in(&ssl, "snakeoil", 0o640);
    std::os::unix::fs::chown(ssl.join("snakeoil.key"), Some(0), Some(gid)).expect("chown root:ssl-cert (run as root)");
    assert_eq!(fs::metadata(ssl.join("snakeoil.key")).unwrap().gid(), gid);
    let (code, doc) = scan_json(tmp.path(), &["."]);
    assert_eq!(codes_at(&doc), Vec::<(String, String)>::new(), "{doc}");
    assert_eq!(code, Some(0));

    // The same key readable by everyone is a finding, whatever its group.
    fs::set_permissions(ssl.join("snakeoil.key"), fs::Permissions::from_mode(0o644)).unwrap();
    let (_, doc) = scan_json(tmp.path(), &["."]);
    assert_eq!(codes_at(&doc), [("key-permissions".to_string(), "etc/ssl/private/snakeoil.key".to_string())]);
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    keymatch(dir).args(args).args(["--at", AT, "--no-config"]).output().unwrap().into()
}

#[test]
fn check_with_a_forgotten_key_is_a_usage_error_that_says_what_to_give() {
    let tmp = tempfile::tempdir().unwrap();
    pair_in(tmp.path(), "site", 0o600);
    let run = run_in(tmp.path(), &["check", "site.crt"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.contains("site.crt holds a certificate but no private key"), "{}", run.stderr);
    assert!(run.stderr.contains("keymatch check site.crt KEY"), "{}", run.stderr);
    // A key alone: the certificate is what is missing.
    let run = run_in(tmp.path(), &["check", "site.key"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("keymatch check CERT site.key"), "{}", run.stderr);
}

#[test]
fn check_takes_cert_and_key_in_either_order() {
    let tmp = tempfile::tempdir().unwrap();
    pair_in(tmp.path(), "site", 0o600);
    for args in [["site.crt", "site.key"], ["site.key", "site.crt"]] {
        let run = run_in(tmp.path(), &["check", args[0], args[1], "--format", "json"]);
        let doc = run.json().unwrap();
        assert_eq!(run.code, Some(0), "{args:?}: {doc}");
        assert_eq!(doc["pairs"][0]["verdict"], "match", "{args:?}");
        assert_eq!(doc["pairs"][0]["cert"]["path"], "site.crt", "{args:?}");
        assert_eq!(doc["pairs"][0]["key"]["path"], "site.key", "{args:?}");
        assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{args:?}: {doc}");
    }
}

/// One `kubernetes.io/tls` Secret `NS/NAME` holding the committed pair.
fn secret_yaml(ns: &str, name: &str) -> String {
    use base64::Engine;
    let b64 = |f: &str| {
        let bytes = fs::read(fixtures().join("trees/permissions/etc/ssl").join(f)).unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {}\n",
        b64("open.example.crt"),
        b64("open.example.key")
    )
}

#[test]
fn check_reads_a_kubernetes_secret_file_and_the_paths_scan_prints() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("one.yaml"), secret_yaml("web", "site-tls")).unwrap();
    let run = run_in(tmp.path(), &["check", "one.yaml", "--format", "json"]);
    let doc = run.json().unwrap();
    assert_eq!(run.code, Some(0), "{doc}");
    assert_eq!(doc["pairs"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["pairs"][0]["verdict"], "match");
    assert_eq!(doc["pairs"][0]["cert"]["path"], "one.yaml#web/site-tls/tls.crt");

    // Two Secrets, one of them with the wrong key (fixtures/servers/kubernetes-wrong-key).
    let dir = fixtures().join("servers/kubernetes-wrong-key");
    let run = run_in(&dir, &["check", "deploy/secrets.yaml"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.contains("deploy/secrets.yaml holds 2 TLS Secrets; name one"), "{}", run.stderr);
    assert!(run.stderr.contains("keymatch check 'deploy/secrets.yaml#web/shop-tls'"), "{}", run.stderr);
    assert!(run.stderr.contains("keymatch check 'deploy/secrets.yaml#web/blog-tls'"), "{}", run.stderr);

    let verdict = |arg: &str| {
        let run = run_in(&dir, &["check", arg, "--format", "json"]);
        let doc = run.json().unwrap();
        assert_eq!(doc["pairs"].as_array().unwrap().len(), 1, "{arg}: {doc}");
        (run.code, doc["pairs"][0]["verdict"].as_str().unwrap().to_string())
    };
    assert_eq!(verdict("deploy/secrets.yaml#web/blog-tls"), (Some(0), "match".to_string()));
    assert_eq!(verdict("deploy/secrets.yaml#web/shop-tls"), (Some(1), "mismatch".to_string()));
    // The label scan prints for the Secret's certificate names the same Secret.
    assert_eq!(verdict("deploy/secrets.yaml#web/shop-tls/tls.crt"), (Some(1), "mismatch".to_string()));

    let run = run_in(&dir, &["check", "deploy/secrets.yaml#web/none"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("holds no TLS Secret 'web/none'"), "{}", run.stderr);
}

fn inventory_json(dir: &Path, at: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let run: Run =
        keymatch(dir).args(["inventory", "--format", "json", "--no-config", "--at", at, "."]).output().unwrap().into();
    let doc = run.json().unwrap();
    let obj = doc.as_object().unwrap();
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["certificates"], "{doc}");
    (run.code, doc["certificates"].as_array().unwrap().clone())
}

#[test]
fn inventory_json_lists_certificates_in_use_soonest_first() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("trees/dates"), tmp.path());
    let (code, rows) = inventory_json(tmp.path(), "2026-06-01T00:00:00Z");
    assert_eq!(code, Some(0), "a listing: exit 0 even with an expired certificate");
    for r in &rows {
        let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["days_left", "key", "names", "not_after", "origin", "path", "verdict"], "{r}");
    }
    let got: Vec<(String, i64, String)> = rows
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().into(),
                r["days_left"].as_i64().unwrap(),
                r["not_after"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("etc/ssl/expired.example.crt".to_string(), -516, "2025-01-01T00:00:00Z".to_string()),
            ("etc/ssl/soon.example.crt".to_string(), 10, "2026-06-11T00:00:00Z".to_string()),
            ("etc/ssl/future.example.crt".to_string(), 34181, "2120-01-01T00:00:00Z".to_string()),
        ]
    );
    assert_eq!(rows[1]["names"], serde_json::json!(["soon.example"]));
    assert_eq!(rows[1]["key"], "etc/ssl/soon.example.key");
    assert_eq!(rows[1]["verdict"], "match");
    assert_eq!(rows[1]["origin"], serde_json::json!({"kind": "sibling"}));
}

#[test]
fn inventory_names_the_config_line_and_the_sans() {
    let dir = fixtures().join("servers/nginx-dual-order");
    let (code, rows) = inventory_json(&dir, AT);
    assert_eq!(code, Some(0));
    let got: Vec<(String, String, String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().into(),
                r["key"].as_str().unwrap().into(),
                r["verdict"].as_str().unwrap().into(),
                r["origin"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // Same days left: by path.
    assert_eq!(
        got,
        [
            ("etc/pki/nginx/shop-ecdsa.crt".into(), "etc/pki/nginx/private/shop-rsa.key".into(), "mismatch".into(), 5),
            ("etc/pki/nginx/shop-rsa.crt".into(), "etc/pki/nginx/private/shop-ecdsa.key".into(), "mismatch".into(), 4),
        ]
    );
    assert_eq!(rows[0]["origin"]["kind"], "nginx");
    assert_eq!(rows[0]["origin"]["path"], "etc/nginx/conf.d/shop.conf");
    assert_eq!(rows[0]["names"], serde_json::json!(["shop.example.com", "www.shop.example.com"]));
    // The human table has one row per certificate, soonest first, and the origin as config:line.
    let run: Run = keymatch(&dir).args(["inventory", "--no-config", "--at", AT, "."]).output().unwrap().into();
    assert_eq!(run.code, Some(0));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with(" DAYS  NOT AFTER"), "{}", run.stdout);
    assert!(
        lines[1].contains("etc/pki/nginx/shop-ecdsa.crt") && lines[1].contains("nginx etc/nginx/conf.d/shop.conf:5")
    );
    assert_eq!(lines.last(), Some(&"2 certificates"));
    // Only human and json.
    let run: Run = keymatch(&dir).args(["inventory", "--format", "sarif", "."]).output().unwrap().into();
    assert_eq!(run.code, Some(2), "{run:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let ft = entry.file_type().unwrap();
        if ft.is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
            fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}

/// PostgreSQL checks the key's mode itself (seen with PostgreSQL 15: "private key file … has group
/// or world access", FATAL): a root-owned 0644 key its config names is an error; Debian's
/// root:ssl-cert 0640 starts and is no finding.
#[test]
fn postgres_refuses_a_world_readable_key_and_accepts_root_ssl_cert_0640() {
    let gid = ssl_cert_gid();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("servers/postgres-debian"), tmp.path());
    let key = tmp.path().join("etc/ssl/private/ssl-cert-snakeoil.key");
    std::os::unix::fs::chown(&key, Some(0), Some(gid)).expect("chown root:ssl-cert (run as root)");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
    let (code, doc) = scan_json(tmp.path(), &["--root", "."]);
    assert_eq!(codes_at(&doc), Vec::<(String, String)>::new(), "{doc}");
    assert_eq!(code, Some(0));

    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let (code, doc) = scan_json(tmp.path(), &["--root", "."]);
    assert_eq!(codes_at(&doc), [("key-permissions".to_string(), "etc/ssl/private/ssl-cert-snakeoil.key".to_string())]);
    assert_eq!(doc["findings"][0]["severity"], "error", "{doc}");
    assert!(doc["findings"][0]["message"].as_str().unwrap().contains("PostgreSQL"), "{doc}");
    assert_eq!(code, Some(1));
}
