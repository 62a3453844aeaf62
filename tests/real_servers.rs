//! The real servers as the oracle: nginx and HAProxy (the Debian packages) are
//! started on configs with encrypted keys, passphrase files, DER and garbage
//! files, on 127.0.0.1 high ports, with standard input from /dev/null and no
//! controlling terminal (`setsid`), as under an init system. For each config,
//! keymatch's exit code must say what the server did: 0 when it started and
//! completed a TLS handshake (`openssl s_client`), 1 when it refused to start
//! or the handshake failed. Each case also states what the server does, so a
//! change in the servers shows up here.
//!
//! When a server binary is missing the test fails under CI=true and is skipped
//! (with a message) elsewhere.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Material in `dir/ssl`: P-256 `a.key`, `a.crt`, `a.enc` (passphrase `right`),
/// `a.der` (the certificate as DER), `combined.pem` / `combined-enc.pem`
/// (certificate then key), `noise.pem` (3 KiB of bytes that are nothing).
fn material(dir: &Path) {
    let ssl = dir.join("ssl");
    std::fs::create_dir_all(&ssl).unwrap();
    common::openssl_ok(&ssl, &[&["genpkey"], common::P256, &["-out", "a.key"]].concat());
    common::openssl_ok(
        &ssl,
        &["req", "-x509", "-new", "-key", "a.key", "-subj", "/CN=localhost", "-days", "36500", "-out", "a.crt"],
    );
    common::openssl_ok(&ssl, &["pkey", "-in", "a.key", "-aes256", "-passout", "pass:right", "-out", "a.enc"]);
    common::openssl_ok(&ssl, &["x509", "-in", "a.crt", "-outform", "DER", "-out", "a.der"]);
    let read = |n: &str| std::fs::read(ssl.join(n)).unwrap();
    std::fs::write(ssl.join("combined.pem"), [read("a.crt"), read("a.key")].concat()).unwrap();
    std::fs::write(ssl.join("combined-enc.pem"), [read("a.crt"), read("a.enc")].concat()).unwrap();
    let noise: Vec<u8> = (0u32..3072).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    std::fs::write(ssl.join("noise.pem"), noise).unwrap();
}

/// What the server did.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Fate {
    /// Started and completed a TLS handshake.
    Serves,
    /// Exited at start, or no handshake completed.
    Fails,
}

/// Start `cmd` (no terminal, stdin /dev/null), wait until it listens on `port` or exits,
/// try a handshake, stop it. `log` is read for the failure message.
fn fate(mut cmd: Command, port: u16, log: &Path) -> (Fate, String) {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start server");
    let start = Instant::now();
    let mut listening = false;
    while start.elapsed() < Duration::from_secs(10) {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            listening = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let handshake = listening && {
        let out = Command::new("openssl")
            .args(["s_client", "-brief", "-connect", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .output()
            .expect("run openssl s_client");
        String::from_utf8_lossy(&out.stderr).contains("CONNECTION ESTABLISHED")
    };
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait for server");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stderr), std::fs::read_to_string(log).unwrap_or_default());
    (if handshake { Fate::Serves } else { Fate::Fails }, said)
}

/// keymatch's exit code on `dir`.
fn keymatch(dir: &Path) -> (i32, String) {
    let d = dir.display().to_string();
    let (code, out, err) = common::run_keymatch(&["scan", &d, "--at", common::AT, "--allow", "key-permissions"], dir);
    (code, format!("{out}{err}"))
}

fn check(server: &str, case: &str, expected: Fate, got: (Fate, String), dir: &Path) {
    let (fate, said) = got;
    assert_eq!(fate, expected, "{server} {case}: the server did not do what this case records; it said:\n{said}");
    let (code, report) = keymatch(dir);
    let want = if fate == Fate::Serves { 0 } else { 1 };
    assert_eq!(code, want, "{server} {case}: server {fate:?}, keymatch exit {code}:\n{report}\nserver said:\n{said}");
}

#[test]
fn nginx_starts_exactly_when_keymatch_passes() {
    let Some(nginx) = common::server_binary("nginx") else { return };
    // (case, ssl lines in the server block, password file text, what nginx does)
    let cases: &[(&str, &str, Option<&str>, Fate)] = &[
        ("plain pair", "ssl_certificate {D}/ssl/a.crt; ssl_certificate_key {D}/ssl/a.key;", None, Fate::Serves),
        (
            "encrypted key, no password file",
            "ssl_certificate {D}/ssl/a.crt; ssl_certificate_key {D}/ssl/a.enc;",
            None,
            Fate::Fails,
        ),
        (
            "password file, second line right",
            "ssl_password_file {D}/pass; ssl_certificate {D}/ssl/a.crt; ssl_certificate_key {D}/ssl/a.enc;",
            Some("wrong\nright\n"),
            Fate::Serves,
        ),
        (
            "password file, only wrong lines",
            "ssl_password_file {D}/pass; ssl_certificate {D}/ssl/a.crt; ssl_certificate_key {D}/ssl/a.enc;",
            Some("wrong\nright \n"),
            Fate::Fails,
        ),
        ("DER certificate", "ssl_certificate {D}/ssl/a.der; ssl_certificate_key {D}/ssl/a.key;", None, Fate::Fails),
        (
            "random bytes as certificate",
            "ssl_certificate {D}/ssl/noise.pem; ssl_certificate_key {D}/ssl/a.key;",
            None,
            Fate::Fails,
        ),
    ];
    for (i, (case, ssl, pass, expected)) in cases.iter().enumerate() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        material(d);
        if let Some(p) = pass {
            std::fs::write(d.join("pass"), p).unwrap();
        }
        let port = 23101 + i as u16;
        let conf = format!(
            "master_process off;\npid {D}/nginx.pid;\nerror_log {D}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  \
             client_body_temp_path {D}/tmp; proxy_temp_path {D}/tmp; fastcgi_temp_path {D}/tmp; uwsgi_temp_path {D}/tmp; \
             scgi_temp_path {D}/tmp;\n  server {{\n    listen 127.0.0.1:{port} ssl;\n    server_name localhost;\n    {ssl}\n    \
             location / {{ return 200; }}\n  }}\n}}\n",
            D = d.display()
        )
        .replace("{D}", &d.display().to_string());
        std::fs::create_dir_all(d.join("nginx")).unwrap();
        std::fs::write(d.join("nginx/nginx.conf"), &conf).unwrap();
        let mut cmd = Command::new("setsid");
        cmd.arg(&nginx).arg("-c").arg(d.join("nginx/nginx.conf")).arg("-p").arg(d).args(["-g", "daemon off;"]);
        let got = fate(cmd, port, &d.join("error.log"));
        check("nginx", case, *expected, got, d);
    }
}

#[test]
fn haproxy_starts_exactly_when_keymatch_passes() {
    let Some(haproxy) = common::server_binary("haproxy") else { return };
    let cases: &[(&str, &str, Fate)] = &[
        ("combined pair", "combined.pem", Fate::Serves),
        ("combined pair, encrypted key", "combined-enc.pem", Fate::Fails),
        ("random bytes under crt", "noise.pem", Fate::Fails),
    ];
    for (i, (case, crt, expected)) in cases.iter().enumerate() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        material(d);
        let port = 23121 + i as u16;
        let conf = format!(
            "global\n  pidfile {D}/haproxy.pid\ndefaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  \
             timeout connect 5s\nfrontend f\n  bind 127.0.0.1:{port} ssl crt {D}/ssl/{crt}\n  http-request return status 200\n",
            D = d.display()
        );
        std::fs::create_dir_all(d.join("haproxy")).unwrap();
        std::fs::write(d.join("haproxy/haproxy.cfg"), &conf).unwrap();
        let mut cmd = Command::new("setsid");
        cmd.arg(&haproxy).arg("-f").arg(d.join("haproxy/haproxy.cfg")).arg("-db");
        let got = fate(cmd, port, &d.join("none.log"));
        check("haproxy", case, *expected, got, d);
    }
}

#[test]
fn apache_starts_exactly_when_keymatch_passes() {
    let Some(apache) = common::server_binary("apache2") else { return };
    // (case, SSLPassPhraseDialog line, key file, what Apache does)
    let cases: &[(&str, &str, &str, Fate)] = &[
        ("plain key", "", "a.key", Fate::Serves),
        ("encrypted key, builtin dialog", "", "a.enc", Fate::Fails),
        ("encrypted key, exec: dialog", "SSLPassPhraseDialog exec:{D}/askpass.sh", "a.enc", Fate::Serves),
        ("DER certificate", "", "a.key", Fate::Fails),
    ];
    for (i, (case, dialog, key, expected)) in cases.iter().enumerate() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        material(d);
        // Run by Apache, never by keymatch.
        std::fs::write(d.join("askpass.sh"), "#!/bin/sh\necho right\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("askpass.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let cert = if case.starts_with("DER") { "a.der" } else { "a.crt" };
        let port = 23131 + i as u16;
        let m = "/usr/lib/apache2/modules";
        let conf = format!(
            "ServerRoot {D}\nLoadModule mpm_prefork_module {m}/mod_mpm_prefork.so\n\
             LoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\n\
             LoadModule ssl_module {m}/mod_ssl.so\nPidFile {D}/apache.pid\nErrorLog {D}/error.log\nMutex file:{D} default\n\
             ServerName localhost\nListen 127.0.0.1:{port}\n{dialog}\n<VirtualHost 127.0.0.1:{port}>\n  SSLEngine on\n  \
             SSLCertificateFile {D}/ssl/{cert}\n  SSLCertificateKeyFile {D}/ssl/{key}\n</VirtualHost>\n",
            D = d.display()
        )
        .replace("{D}", &d.display().to_string());
        std::fs::create_dir_all(d.join("apache2")).unwrap();
        std::fs::write(d.join("apache2/apache2.conf"), &conf).unwrap();
        let mut cmd = Command::new("setsid");
        cmd.arg(&apache).arg("-f").arg(d.join("apache2/apache2.conf")).arg("-X");
        let got = fate(cmd, port, &d.join("error.log"));
        check("apache", case, *expected, got, d);
    }
}
