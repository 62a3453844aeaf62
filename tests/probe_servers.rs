//! `keymatch probe` against real servers on 127.0.0.1: Debian nginx with SNI
//! vhosts (healthy RSA on TLS 1.2 and 1.3, healthy EC on a TLS 1.2-only
//! listener, and a vhost holding a P-256 key whose stored public point is the
//! certificate's while its secret is another key's: nginx starts with it and
//! `nginx -t` passes), a listener that accepts and never speaks, and a closed
//! port. `openssl s_client` is the oracle for what a client sees.
//!
//! When nginx is missing the test fails under CI=true and is skipped elsewhere.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server child stopped by PID when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(ports: &[u16], child: &mut Child) {
    let start = Instant::now();
    for &port in ports {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(child.try_wait().unwrap().is_none(), "the server exited at start");
            assert!(start.elapsed() < Duration::from_secs(10), "nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `NAME.key` and a self-signed `NAME.crt` for `NAME.example` (with that SAN) in `dir`.
fn pair(dir: &Path, name: &str, key_args: &[&str]) {
    let key = format!("{name}.key");
    common::openssl_ok(dir, &[&["genpkey"], key_args, &["-out", &key]].concat());
    let subj = format!("/CN={name}.example");
    let san = format!("subjectAltName=DNS:{name}.example");
    let crt = format!("{name}.crt");
    common::openssl_ok(
        dir,
        &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-addext", &san, "-days", "3650", "-out", &crt],
    );
}

/// `bad.key`: SEC1 P-256 holding `other.key`'s secret and `ec.key`'s public point (the
/// certificate's). A named-curve SEC1 P-256 key as openssl writes it is 121 bytes, the public
/// point its last 65 (SEC1 layout below).
fn spliced_key(dir: &Path) {
    for k in ["ec", "other"] {
        common::openssl_ok(dir, &["ec", "-in", &format!("{k}.key"), "-outform", "DER", "-out", &format!("{k}.der")]);
    }
    let ec = std::fs::read(dir.join("ec.der")).unwrap();
    let other = std::fs::read(dir.join("other.der")).unwrap();
    assert_eq!((ec.len(), other.len()), (121, 121));
    // 30 77 02 01 01 04 20 | d (32) | a0 0a OID (10) a1 44 03 42 00 | 04 x y (65)
    assert_eq!((&ec[..7], &ec[39..56]), (&other[..7], &other[39..56]));
    let bad = [&other[..56], &ec[56..]].concat();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bad);
    let body: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let pem = format!("-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n", body.join("\n"));
    std::fs::write(dir.join("bad.key"), pem).unwrap();
}

fn s_client(port: u16, sni: &str, extra: &[&str]) -> String {
    let connect = format!("127.0.0.1:{port}");
    let out = Command::new("openssl")
        .args([&["s_client", "-brief", "-connect", &connect, "-servername", sni], extra].concat())
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn probe_json(args: &[&str], cwd: &Path) -> (i32, serde_json::Value, Duration) {
    let started = Instant::now();
    let (code, out, err) = common::run_keymatch(&[&["probe", "--format", "json"], args].concat(), cwd);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc, started.elapsed())
}

fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn nginx_vhosts_healthy_and_holding_another_key() {
    let Some(nginx) = common::server_binary("nginx") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let ssl = d.join("ssl");
    std::fs::create_dir_all(&ssl).unwrap();
    std::fs::create_dir_all(d.join("tmp")).unwrap();
    pair(&ssl, "rsa", common::RSA2048);
    pair(&ssl, "ec", common::P256);
    common::openssl_ok(&ssl, &[&["genpkey"], common::P256, &["-out", "other.key"]].concat());
    spliced_key(&ssl);
    let (p13, p12, p12bad) = (28101u16, 28102u16, 28103u16);
    let s = ssl.display();
    let conf = format!(
        "worker_processes 1; error_log {dd}/error.log; pid {dd}/nginx.pid; events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {dd}/tmp; proxy_temp_path {dd}/tmp; fastcgi_temp_path {dd}/tmp; uwsgi_temp_path {dd}/tmp; scgi_temp_path {dd}/tmp;
 server {{ listen 127.0.0.1:{p13} ssl; server_name rsa.example; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate {s}/rsa.crt; ssl_certificate_key {s}/rsa.key; }}
 server {{ listen 127.0.0.1:{p13} ssl; server_name bad.example; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate {s}/ec.crt; ssl_certificate_key {s}/bad.key; }}
 server {{ listen 127.0.0.1:{p12} ssl; server_name ec.example; ssl_protocols TLSv1.2; ssl_certificate {s}/ec.crt; ssl_certificate_key {s}/ec.key; }}
 server {{ listen 127.0.0.1:{p12bad} ssl; server_name bad.example; ssl_protocols TLSv1.2; ssl_certificate {s}/ec.crt; ssl_certificate_key {s}/bad.key; }}
}}\n",
        dd = d.display()
    );
    let conf_path = d.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let prefix = d.display().to_string();
    let conf_arg = conf_path.display().to_string();
    // nginx's own test passes the spliced key (it compares the public halves only).
    let t = Command::new(&nginx).args(["-t", "-c", &conf_arg, "-p", &prefix]).output().unwrap();
    assert!(t.status.success(), "nginx -t: {}", String::from_utf8_lossy(&t.stderr));
    let child = Command::new(&nginx)
        .args(["-c", &conf_arg, "-p", &prefix, "-g", "daemon off; master_process off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    wait_listening(&[p13, p12, p12bad], &mut server.0);

    // The oracle: OpenSSL's client fails on the bad vhost's signature, succeeds on the others.
    assert!(s_client(p13, "rsa.example", &[]).contains("CONNECTION ESTABLISHED"));
    assert!(s_client(p12, "ec.example", &["-tls1_2"]).contains("CONNECTION ESTABLISHED"));
    for (port, v) in [(p13, "-tls1_3"), (p12bad, "-tls1_2")] {
        let said = s_client(port, "bad.example", &[v]);
        assert!(said.contains("bad signature") || said.contains("decrypt"), "s_client {v}: {said}");
    }

    let (code, doc, _) = probe_json(&[&format!("127.0.0.1:{p13}"), "--sni", "rsa.example"], d);
    let ep = &doc["endpoints"][0];
    assert_eq!(code, 0, "{doc}");
    assert_eq!((ep["tls_version"].as_str(), ep["signature"].as_str()), (Some("TLSv1.3"), Some("valid")), "{doc}");
    assert_eq!(ep["chain"][0]["subject"], "CN=rsa.example");
    assert!(codes(&doc).is_empty(), "{doc}");

    let (code, doc, _) = probe_json(&[&format!("127.0.0.1:{p12}"), "--sni", "ec.example"], d);
    let ep = &doc["endpoints"][0];
    assert_eq!(code, 0, "{doc}");
    assert_eq!((ep["tls_version"].as_str(), ep["signature"].as_str()), (Some("TLSv1.2"), Some("valid")), "{doc}");
    assert!(ep["cipher"].as_str().unwrap().contains("ECDSA"), "{doc}");

    for (port, version) in [(p13, "TLSv1.3"), (p12bad, "TLSv1.2")] {
        let (code, doc, _) = probe_json(&[&format!("127.0.0.1:{port}"), "--sni", "bad.example"], d);
        let ep = &doc["endpoints"][0];
        assert_eq!(code, 1, "{doc}");
        assert_eq!((ep["tls_version"].as_str(), ep["signature"].as_str()), (Some(version), Some("invalid")), "{doc}");
        // The certificate names ec.example, not bad.example: also a name-mismatch warning.
        assert_eq!(codes(&doc), ["served-key-mismatch", "name-mismatch"], "{doc}");
        assert_eq!(doc["findings"][0]["severity"], "error");
    }

    // Several endpoints at once, human output: one line each, the exit code of the worst.
    let (code, out, _) = common::run_keymatch(
        &["probe", &format!("127.0.0.1:{p12}"), &format!("127.0.0.1:{p12bad}"), "--sni", "ec.example"],
        d,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("OK tls://127.0.0.1:{p12} (ec.example)")), "{out}");
    assert!(out.contains(&format!("KEY-MISMATCH tls://127.0.0.1:{p12bad} (ec.example)")), "{out}");
    let (_, out, _) = common::run_keymatch(
        &[
            "probe",
            &format!("127.0.0.1:{p12}"),
            &format!("127.0.0.1:{p12bad}"),
            "--sni",
            "ec.example",
            "--format",
            "prometheus",
        ],
        d,
    );
    assert!(
        out.contains(&format!("keymatch_endpoint_handshake_ok{{endpoint=\"tls://127.0.0.1:{p12} (ec.example)\"}} 1\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "keymatch_endpoint_signature_valid{{endpoint=\"tls://127.0.0.1:{p12bad} (ec.example)\"}} 0\n"
        )),
        "{out}"
    );

    // scan --probe: every `listen … ssl` once per server_name; what is served is what is on disk.
    let scan = |d: &Path| {
        let (code, out, err) = common::run_keymatch(
            &["scan", &conf_arg, "--probe", "--probe-timeout", "5", "--format", "json", "--allow", "key-permissions"],
            d,
        );
        (code, serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")))
    };
    let (_, doc) = scan(d);
    let eps = doc["endpoints"].as_array().unwrap();
    let seen: Vec<(u64, &str, &str)> = eps
        .iter()
        .map(|e| (e["port"].as_u64().unwrap(), e["sni"].as_str().unwrap(), e["signature"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (p13 as u64, "rsa.example", "valid"),
            (p13 as u64, "bad.example", "invalid"),
            (p12 as u64, "ec.example", "valid"),
            (p12bad as u64, "bad.example", "invalid")
        ],
        "{doc}"
    );
    assert_eq!(eps[0]["disk"]["path"], format!("{s}/rsa.crt"));
    assert_eq!(eps[0]["disk"]["line"], 3);
    assert!(!codes(&doc).contains(&"stale-cert".to_string()), "{doc}");
    assert_eq!(codes(&doc).iter().filter(|c| *c == "served-key-mismatch").count(), 2, "{doc}");

    // Renewed on disk, not reloaded: the server still serves the old certificate.
    common::openssl_ok(
        &ssl,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rsa.key",
            "-subj",
            "/CN=rsa.example",
            "-addext",
            "subjectAltName=DNS:rsa.example",
            "-days",
            "7300",
            "-out",
            "rsa.new",
        ],
    );
    std::fs::rename(ssl.join("rsa.new"), ssl.join("rsa.crt")).unwrap();
    assert!(s_client(p13, "rsa.example", &[]).contains("CONNECTION ESTABLISHED"));
    let (code, doc) = scan(d);
    assert_eq!(code, 1, "{doc}");
    let stale: Vec<&serde_json::Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "stale-cert").collect();
    assert_eq!(stale.len(), 1, "{doc}");
    assert_eq!(stale[0]["severity"], "error");
    let msg = stale[0]["message"].as_str().unwrap();
    assert!(msg.contains("The certificate on disk is newer"), "{msg}");
    let locs: Vec<String> = stale[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}:{}", l["path"].as_str().unwrap(), l["line"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(locs, [format!("{conf_arg}:3"), format!("tls://127.0.0.1:{p13} (rsa.example):0")], "{doc}");
    drop(server);
}

#[test]
fn silent_listener_and_closed_port_fail_within_the_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = std::env::temp_dir();
    let (code, doc, took) =
        probe_json(&[&format!("127.0.0.1:{silent_port}"), &format!("127.0.0.1:{closed_port}"), "--timeout", "1"], &d);
    assert_eq!(code, 1, "{doc}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(codes(&doc), ["probe-failed", "probe-failed"], "{doc}");
    let messages: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("no TLS handshake within 1 s")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("refused")), "{messages:?}");
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "error"));
    drop(silent);
}

#[test]
fn targets_file_probed_concurrently_within_the_job_bound() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    let list: String = (0..6).map(|i| format!("127.0.0.1:{port}  # silent {i}\n\n")).collect();
    std::fs::write(tmp.path().join("targets.txt"), format!("# six silent endpoints\n{list}")).unwrap();
    // Six endpoints that each take the whole 1 s timeout: 6 at once take about 1 s, 2 at once 3 s.
    let (code, doc, took) = probe_json(&["--targets", "targets.txt", "--timeout", "1", "-j", "6"], tmp.path());
    assert_eq!(code, 1);
    assert_eq!(doc["endpoints"].as_array().unwrap().len(), 6, "{doc}");
    assert!(took < Duration::from_millis(2500), "-j 6 took {took:?}");
    let (_, _, took) = probe_json(&["--targets", "targets.txt", "--timeout", "1", "-j", "2"], tmp.path());
    assert!(took >= Duration::from_millis(2900), "-j 2 took {took:?}");
    let (code, _, err) = common::run_keymatch(&["probe", "--targets", "targets.txt", "-j", "0"], tmp.path());
    assert_eq!(code, 2, "{err}");
    drop(silent);
}

#[test]
fn a_failed_probe_in_sarif_and_prometheus() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("127.0.0.1:{closed}");
    let d = std::env::temp_dir();
    let (code, out, err) = common::run_keymatch(&["probe", &target, "--sni", "a.example", "--format", "sarif"], &d);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "probe-failed");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("tls://127.0.0.1:{closed}#a.example")
    );
    let (code, out, _) = common::run_keymatch(&["probe", &target, "--sni", "a.example", "--format", "prometheus"], &d);
    assert_eq!(code, 1);
    let label = format!("endpoint=\"tls://127.0.0.1:{closed} (a.example)\"");
    assert!(out.contains(&format!("keymatch_endpoint_handshake_ok{{{label}}} 0\n")), "{out}");
    assert!(out.contains(&format!("keymatch_endpoint_signature_valid{{{label}}} 0\n")), "{out}");
    assert!(out.contains("keymatch_findings{code=\"probe-failed\",severity=\"error\"} 1\n"), "{out}");
}
