//! What servers do with the keys their configs name, as `scan` predicts it:
//! encrypted keys by the server's passphrase source (nginx `ssl_password_file`,
//! HAProxy none, Apache `SSLPassPhraseDialog`, Dovecot `ssl_key_password`),
//! the PEM-only rule, a config-named file that holds nothing, and keys that
//! pair with nothing but could not be checked. Each test builds a temp tree
//! with the openssl CLI; the behaviour each expectation stands for was seen on
//! the real servers (tests/real_servers.rs starts nginx and HAProxy).

mod common;

use serde_json::Value;
use std::path::Path;

/// A P-256 key `NAME.key`, its self-signed `NAME.crt`, and `NAME.enc` (the key
/// under AES-256 with passphrase `right`) in `dir`.
fn material(dir: &Path, name: &str) {
    let key = format!("{name}.key");
    common::openssl_ok(dir, &[&["genpkey"], common::P256, &["-out", &key]].concat());
    let subj = format!("/CN={name}.example");
    common::openssl_ok(
        dir,
        &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-days", "36500", "-out", &format!("{name}.crt")],
    );
    common::openssl_ok(
        dir,
        &["pkey", "-in", &key, "-aes256", "-passout", "pass:right", "-out", &format!("{name}.enc")],
    );
}

/// A temp tree with `files` (relative path, text; `{D}` stands for the tree's path)
/// and the material of `names` under `ssl/`.
fn tree(names: &[&str], files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let ssl = t.path().join("ssl");
    std::fs::create_dir_all(&ssl).unwrap();
    for n in names {
        material(&ssl, n);
    }
    let d = t.path().display().to_string();
    for (p, text) in files {
        let path = t.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("{D}", &d)).unwrap();
    }
    t
}

/// `keymatch scan DIR --format json` (plus `args`): exit code and the JSON.
fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    let d = dir.display().to_string();
    let mut all = vec!["scan", d.as_str(), "--format", "json", "--at", common::AT, "--allow", "key-permissions"];
    all.extend_from_slice(args);
    let (code, out, err) = common::run_keymatch(&all, dir);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}{err}"));
    (code, json)
}

/// The findings with `code`: (severity, message, "file:line" of every location).
fn with_code(json: &Value, code: &str) -> Vec<(String, String, Vec<String>)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            let locs = f["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let path = l["path"].as_str().unwrap();
                    let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
                    match l["line"].as_u64() {
                        Some(n) => format!("{name}:{n}"),
                        None => name,
                    }
                })
                .collect();
            (f["severity"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string(), locs)
        })
        .collect()
}

fn codes(json: &Value) -> Vec<String> {
    let mut c: Vec<String> =
        json["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
    c.sort();
    c
}

fn verdicts(json: &Value) -> Vec<String> {
    json["pairs"].as_array().unwrap().iter().map(|p| p["verdict"].as_str().unwrap().to_string()).collect()
}

fn nginx(server: &str) -> String {
    format!("events {{}}\nhttp {{\n  server {{\n    listen 443 ssl;\n{server}  }}\n}}\n")
}

#[test]
fn nginx_encrypted_key_without_password_file_is_an_error() {
    let conf = nginx("    ssl_certificate {D}/ssl/a.crt;\n    ssl_certificate_key {D}/ssl/a.enc;\n");
    let t = tree(&["a"], &[("nginx/nginx.conf", &conf)]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "error");
    assert!(f[0].1.contains("no ssl_password_file") && f[0].1.contains("will not start"), "{}", f[0].1);
    assert!(f[0].2.contains(&"nginx.conf:5".to_string()), "{:?}", f[0].2);
    assert_eq!(verdicts(&json), vec!["encrypted"]);

    // With the passphrase given to keymatch, the pair is checked, and nginx still cannot start.
    std::fs::write(t.path().join("pass.txt"), "right\n").unwrap();
    let (code, json) = scan(t.path(), &["--passphrase-file", "pass.txt"]);
    assert_eq!(code, 1);
    assert_eq!(verdicts(&json), vec!["match"]);
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "error");
    assert!(f[0].1.contains("keymatch opened it"), "{}", f[0].1);
}

#[test]
fn nginx_password_file_lines_are_tried_in_turn() {
    let conf = nginx(
        "    ssl_password_file {D}/nginx/pass;\n    ssl_certificate {D}/ssl/a.crt;\n    ssl_certificate_key {D}/ssl/a.enc;\n",
    );
    // The second line opens the key, as it does for nginx.
    let t = tree(&["a"], &[("nginx/nginx.conf", &conf), ("nginx/pass", "wrong\nright\n")]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!((code, codes(&json)), (0, Vec::<String>::new()), "{json}");
    assert_eq!(verdicts(&json), vec!["match"]);

    // Only wrong lines: nginx cannot load the key; never "no passphrase was given".
    std::fs::write(t.path().join("nginx/pass"), "wrong\nright \n").unwrap();
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "error");
    assert!(f[0].1.contains("none of the 2 passphrases in ssl_password_file"), "{}", f[0].1);
    assert!(!f[0].1.contains("no passphrase was given"));

    // keymatch's own passphrase opens it; the server's file still does not.
    std::fs::write(t.path().join("mine.txt"), "right\n").unwrap();
    let (code, json) = scan(t.path(), &["--passphrase-file", "mine.txt"]);
    assert_eq!(code, 1);
    assert_eq!(verdicts(&json), vec!["match"]);
    let f = with_code(&json, "encrypted-key");
    assert!(f.len() == 1 && f[0].1.contains("keymatch opened it"), "{json}");
}

#[test]
fn a_wrong_encrypted_key_behind_a_right_password_file_is_a_mismatch() {
    // The walk reads b.enc first (no passphrase); the config's password file must still be used.
    let conf = nginx(
        "    ssl_password_file {D}/nginx/pass;\n    ssl_certificate {D}/ssl/a.crt;\n    ssl_certificate_key {D}/ssl/b.enc;\n",
    );
    let t = tree(&["a", "b"], &[("nginx/nginx.conf", &conf), ("nginx/pass", "right\n")]);
    std::fs::remove_file(t.path().join("ssl/a.enc")).unwrap();
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let m = with_code(&json, "key-mismatch");
    assert_eq!(m.len(), 1, "{json}");
    assert!(m[0].2.contains(&"nginx.conf:6".to_string()), "{:?}", m[0].2);
    assert!(with_code(&json, "encrypted-key").is_empty(), "{json}");
}

#[test]
fn haproxy_cannot_use_an_encrypted_key() {
    let t = tree(&["a"], &[("haproxy/haproxy.cfg", "frontend f\n  bind :443 ssl crt {D}/ssl/combined.pem\n")]);
    let ssl = t.path().join("ssl");
    let combined = [std::fs::read(ssl.join("a.crt")).unwrap(), std::fs::read(ssl.join("a.enc")).unwrap()].concat();
    std::fs::write(ssl.join("combined.pem"), combined).unwrap();
    std::fs::remove_file(ssl.join("a.enc")).unwrap();
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "error");
    assert!(f[0].1.contains("HAProxy 2.6 has no passphrase option"), "{}", f[0].1);
    assert!(f[0].2.contains(&"haproxy.cfg:2".to_string()));
}

fn apache(dialog: &str) -> String {
    format!(
        "{dialog}<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile {{D}}/ssl/a.crt\n  SSLCertificateKeyFile {{D}}/ssl/a.enc\n</VirtualHost>\n"
    )
}

#[test]
fn apache_builtin_dialog_is_an_error_and_exec_a_warning() {
    let t = tree(&["a"], &[("apache2/apache2.conf", &apache(""))]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "error");
    assert!(f[0].1.contains("SSLPassPhraseDialog is builtin"), "{}", f[0].1);

    // exec: a program keymatch never runs; Apache may well start.
    let t = tree(&["a"], &[("apache2/apache2.conf", &apache("SSLPassPhraseDialog exec:{D}/never-run.sh\n"))]);
    std::fs::write(
        t.path().join("never-run.sh"),
        "#!/bin/sh\ntouch {D}/ran\necho right\n".replace("{D}", &t.path().display().to_string()),
    )
    .unwrap();
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 0, "{json}");
    let f = with_code(&json, "encrypted-key");
    assert_eq!(f.len(), 1, "{json}");
    assert_eq!(f[0].0, "warning");
    assert!(f[0].1.contains("a program keymatch does not run") && f[0].1.contains("cannot know"), "{}", f[0].1);
    assert!(!t.path().join("ran").exists());
}

#[test]
fn dovecot_key_password_opens_the_key_or_says_it_does_not() {
    let conf = |pw: &str| {
        format!("ssl = required\nssl_cert = <{{D}}/ssl/a.crt\nssl_key = <{{D}}/ssl/a.enc\nssl_key_password = {pw}\n")
    };
    let t = tree(&["a"], &[("dovecot/dovecot.conf", &conf("right"))]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!((code, verdicts(&json)), (0, vec!["match".to_string()]), "{json}");

    let t = tree(&["a"], &[("dovecot/dovecot.conf", &conf("wrong"))]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let f = with_code(&json, "encrypted-key");
    assert!(f.len() == 1 && f[0].0 == "error", "{json}");
    assert!(f[0].1.contains("the passphrase in ssl_key_password does not open it"), "{}", f[0].1);
}

#[test]
fn a_config_named_file_that_holds_nothing_is_malformed_at_the_config_line() {
    let t = tree(
        &[],
        &[
            ("haproxy/haproxy.cfg", "frontend f\n  bind :443 ssl crt {D}/ssl/site.pem\n"),
            (
                "nginx/nginx.conf",
                &nginx("    ssl_certificate {D}/ssl/shop.pfx;\n    ssl_certificate_key {D}/ssl/shop.pfx;\n"),
            ),
        ],
    );
    // 3 KiB of random bytes, and a renamed PKCS#12 file.
    let noise: Vec<u8> = (0u32..3072).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(t.path().join("ssl/site.pem"), noise).unwrap();
    let ssl = t.path().join("ssl");
    material(&ssl, "p");
    common::openssl_ok(
        &ssl,
        &["pkcs12", "-export", "-in", "p.crt", "-inkey", "p.key", "-passout", "pass:x", "-out", "shop.pfx"],
    );
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let m = with_code(&json, "malformed");
    let at: Vec<&Vec<String>> = m.iter().map(|f| &f.2).collect();
    assert!(
        at.iter().any(|l| l.contains(&"haproxy.cfg:2".to_string()) && l.contains(&"site.pem".to_string())),
        "{json}"
    );
    assert!(
        at.iter().any(|l| l.contains(&"nginx.conf:5".to_string()) && l.contains(&"shop.pfx".to_string())),
        "{json}"
    );
    assert!(m.iter().all(|f| f.0 == "error"));
}

#[test]
fn lone_keys_that_cannot_be_checked_get_a_finding() {
    let t = tree(&["a"], &[]);
    let ssl = t.path().join("ssl");
    std::fs::rename(ssl.join("a.enc"), ssl.join("lonely.key")).unwrap();
    for f in ["a.crt", "a.key"] {
        std::fs::remove_file(ssl.join(f)).unwrap();
    }
    common::openssl_ok(&ssl, &["genpkey", "-algorithm", "X448", "-out", "x448.key"]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 0, "{json}");
    let e = with_code(&json, "encrypted-key");
    assert!(e.len() == 1 && e[0].0 == "warning" && e[0].2 == vec!["lonely.key".to_string()], "{json}");
    assert!(e[0].1.contains("cannot tell which certificate"), "{}", e[0].1);
    let u = with_code(&json, "unsupported");
    assert!(u.len() == 1 && u[0].1.contains("X448") && u[0].2[0].starts_with("x448.key"), "{json}");
}

#[test]
fn nginx_reads_pem_only() {
    let conf = nginx("    ssl_certificate {D}/ssl/a.der;\n    ssl_certificate_key {D}/ssl/a.key;\n");
    let t = tree(&["a"], &[("nginx/nginx.conf", &conf)]);
    common::openssl_ok(&t.path().join("ssl"), &["x509", "-in", "a.crt", "-outform", "DER", "-out", "a.der"]);
    let (code, json) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(verdicts(&json), vec!["match"]);
    let f = with_code(&json, "server-cannot-load");
    assert_eq!(f.len(), 1, "{json}");
    assert!(f[0].1.contains("nginx reads ssl_certificate as PEM only") && f[0].1.contains("a.der"), "{}", f[0].1);
    assert!(f[0].2.contains(&"nginx.conf:5".to_string()));
}
