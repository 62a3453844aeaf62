//! What a scan says it recognised (issue 12, point 6): the server configs it read per family and
//! the settings file it obeyed, in the human summary and JSON `summary`; `-v` lists the files
//! skipped by name and why; `--server DIALECT=PATH` (and the settings file's `[servers]`) reads a
//! config outside its server's usual paths; a file that names TLS directives but that no dialect
//! read is mentioned in the summary.

mod common;

use common::{keymatch, openssl_ok};
use std::path::Path;

const EC: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `dir/NAME.key` and a self-signed `dir/NAME.crt` for it.
fn pair(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let key = format!("{name}.key");
    openssl_ok(dir, &[&["genpkey"], EC, &["-out", &key]].concat());
    let subj = format!("/CN={name}.example");
    openssl_ok(
        dir,
        &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-days", "3650", "-out", &format!("{name}.crt")],
    );
}

fn key_only(dir: &Path, name: &str) {
    openssl_ok(dir, &[&["genpkey"], EC, &["-out", &format!("{name}.key")]].concat());
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = keymatch(dir).args(args).output().expect("run keymatch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(String::from)).collect()
}

#[test]
fn summary_counts_configs_per_server_family_and_names_the_settings_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    pair(&d.join("web/etc/ssl"), "shop");
    let combined = [
        std::fs::read_to_string(d.join("web/etc/ssl/shop.crt")).expect("crt"),
        std::fs::read_to_string(d.join("web/etc/ssl/shop.key")).expect("key"),
    ]
    .concat();
    write(&d.join("web/etc/haproxy/certs/shop.pem"), &combined);
    write(&d.join("web/etc/nginx/nginx.conf"), "events {}\nhttp {\n    include /etc/nginx/sites-enabled/*;\n}\n");
    write(
        &d.join("web/etc/nginx/sites-enabled/shop"),
        "server {\n    listen 443 ssl;\n    server_name shop.example;\n    ssl_certificate /etc/ssl/shop.crt;\n    ssl_certificate_key /etc/ssl/shop.key;\n}\n",
    );
    write(
        &d.join("web/etc/haproxy/haproxy.cfg"),
        "global\n    log stdout local0\nfrontend fe\n    bind :443 ssl crt /etc/haproxy/certs/shop.pem\n    default_backend be\nbackend be\n    server s1 127.0.0.1:8080\n",
    );
    write(&d.join(".keymatch.toml"), "warn-days = 10\n");

    let (code, out, err) = run(d, &["scan", "--format", "json", "web"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    assert_eq!(doc["summary"]["configs"], serde_json::json!({"haproxy": 1, "nginx": 2}), "{out}");
    assert_eq!(doc["summary"]["settings"], ".keymatch.toml", "{out}");
    let origins: Vec<&str> =
        doc["pairs"].as_array().expect("pairs").iter().filter_map(|p| p["origin"]["kind"].as_str()).collect();
    assert!(origins.contains(&"nginx") && origins.contains(&"haproxy"), "{origins:?}");

    let (_, human, _) = run(d, &["scan", "web"]);
    assert!(human.contains("\nconfigs read: 1 haproxy, 2 nginx\n"), "{human}");
    assert!(human.contains("\nsettings: .keymatch.toml\n"), "{human}");
    // Without a settings file the summary names none.
    let (_, human, _) = run(d, &["scan", "--no-config", "web"]);
    assert!(!human.contains("settings:"), "{human}");
    let (_, out, _) = run(d, &["scan", "--no-config", "--format", "json", "web"]);
    assert!(json(&out)["summary"].get("settings").is_none(), "{out}");
}

/// deploy/web/main.conf (not at etc/nginx, not named nginx*) includes sites/shop.conf, which serves
/// shop.crt with old.key, the wrong key.
fn unconventional_tree(d: &Path) {
    pair(&d.join("deploy/ssl"), "shop");
    key_only(&d.join("deploy/ssl"), "old");
    write(&d.join("deploy/web/main.conf"), "events {}\nhttp {\n    include sites/*.conf;\n}\n");
    write(
        &d.join("deploy/web/sites/shop.conf"),
        "server {\n    listen 443 ssl;\n    server_name shop.example;\n    ssl_certificate /etc/ssl/shop.crt;\n    ssl_certificate_key /etc/ssl/old.key;\n}\n",
    );
}

#[test]
fn a_config_outside_the_usual_paths_is_mentioned_and_read_when_named_with_server() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    unconventional_tree(d);

    // Not recognised: the mismatch goes unseen, but the summary says a file looked like a config.
    let (code, out, err) = run(d, &["scan", "--no-config", "--format", "json", "deploy"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    assert_eq!(doc["summary"]["unclaimed_configs"], serde_json::json!(["deploy/web/sites/shop.conf"]), "{out}");
    assert!(doc["summary"].get("configs").is_none(), "{out}");
    let (_, human, _) = run(d, &["scan", "--no-config", "deploy"]);
    assert!(
        human.contains(
            "1 file names TLS certificate directives but no server dialect read them (deploy/web/sites/shop.conf); \
             if one is a server config, name it with --server DIALECT=PATH"
        ),
        "{human}"
    );

    // Named with --server: read as nginx reads it, the wrong key is found at its config line.
    let args = [
        "scan",
        "--no-config",
        "--format",
        "json",
        "--server",
        "nginx=deploy/web/main.conf",
        "--map",
        "/etc/ssl=deploy/ssl",
        "deploy",
    ];
    let (code, out, err) = run(d, &args);
    assert_eq!(code, 1, "{out}{err}");
    let doc = json(&out);
    assert!(codes(&doc).contains(&"key-mismatch".to_string()), "{out}");
    assert_eq!(doc["summary"]["configs"], serde_json::json!({"nginx": 2}), "{out}");
    assert!(doc["summary"].get("unclaimed_configs").is_none(), "the included file was read: {out}");
    let pair = &doc["pairs"][0];
    assert_eq!(pair["origin"]["kind"], "nginx", "{out}");
    assert_eq!(pair["origin"]["path"], "deploy/web/sites/shop.conf", "{out}");
    assert_eq!(pair["key"]["path"], "deploy/ssl/old.key", "{out}");

    // The same from the settings file's [servers] (paths relative to the file).
    write(
        &d.join("deploy/.keymatch.toml"),
        "[servers]\nnginx = [\"web/main.conf\"]\n\n[map]\n\"/etc/ssl\" = \"ssl\"\n",
    );
    let (code, out, err) = run(d, &["scan", "--format", "json", "deploy"]);
    assert_eq!(code, 1, "{out}{err}");
    let doc = json(&out);
    assert!(codes(&doc).contains(&"key-mismatch".to_string()), "{out}");
    assert_eq!(doc["summary"]["settings"], "deploy/.keymatch.toml", "{out}");
    assert_eq!(doc["summary"]["configs"], serde_json::json!({"nginx": 2}), "{out}");
}

#[test]
fn server_option_errors_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    unconventional_tree(d);
    let (code, _, err) = run(d, &["scan", "--no-config", "--server", "ngnix=deploy/web/main.conf", "deploy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown server 'ngnix'") && err.contains("nginx, apache, haproxy"), "{err}");
    let (code, _, err) = run(d, &["scan", "--no-config", "--server", "nginx", "deploy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not DIALECT=PATH"), "{err}");
    let (code, _, err) = run(d, &["scan", "--no-config", "--server", "nginx=deploy/web/gone.conf", "deploy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--server") && err.contains("deploy/web/gone.conf"), "{err}");
    write(&d.join("bad/.keymatch.toml"), "[servers]\nnginks = [\"x.conf\"]\n");
    let (code, _, err) = run(d, &["scan", "bad"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad/.keymatch.toml:2") && err.contains("unknown server 'nginks'"), "{err}");
}

#[test]
fn verbose_lists_the_files_skipped_by_name_and_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    pair(&d.join("site"), "shop");
    // A key pasted into a log is still not opened: its name says it is a log.
    let key = std::fs::read_to_string(d.join("site/shop.key")).expect("key");
    write(&d.join("site/debug.log.1"), &key);
    write(&d.join("site/deploy.sh"), "#!/bin/sh\n");
    let (code, out, err) = run(d, &["scan", "--no-config", "-v", "site"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\nskipped by name, not opened (2):\n  site/debug.log.1: a log\n  site/deploy.sh: source code or a script\n"), "{out}");
    let (_, quiet_list, _) = run(d, &["scan", "--no-config", "site"]);
    assert!(!quiet_list.contains("skipped by name"), "only with -v: {quiet_list}");
    let (_, out, _) = run(d, &["scan", "--no-config", "--format", "json", "site"]);
    assert_eq!(json(&out)["summary"]["skipped_by_name"], 2, "{out}");
}
