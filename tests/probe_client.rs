//! `keymatch probe` as a client, against servers in the test on 127.0.0.1:22100-22199 (and a
//! Debian MariaDB on 22306): MySQL STARTTLS, TLS 1.2-only servers with the right and a wrong
//! signing key, every stage (dns, connect, starttls, handshake) ending within `--timeout` with
//! its name in the message, the JSON endpoint contract, the other formats, and `--targets` errors.

mod common;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::SupportedProtocolVersion;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// DER of a self-signed `NAME.crt` for `NAME.example` and of `NAME.key` as PKCS#8, made with openssl.
fn material(dir: &Path, name: &str, key_args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let key = format!("{name}.key");
    common::openssl_ok(dir, &[&["genpkey"], key_args, &["-out", &key]].concat());
    let (subj, san, crt) =
        (format!("/CN={name}.example"), format!("subjectAltName=DNS:{name}.example"), format!("{name}.crt"));
    common::openssl_ok(
        dir,
        &[
            "req", "-x509", "-new", "-key", &key, "-subj", &subj, "-addext", &san, "-days", "3650", "-outform", "DER",
            "-out", &crt,
        ],
    );
    common::openssl_ok(
        dir,
        &["pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", &format!("{name}.p8")],
    );
    (std::fs::read(dir.join(crt)).unwrap(), std::fs::read(dir.join(format!("{name}.p8"))).unwrap())
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// A rustls server that presents `cert` and signs with `key` (which need not belong to it).
fn server_config(cert: &[u8], key: &[u8], versions: &[&'static SupportedProtocolVersion]) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing =
        provider.key_provider.load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()))).unwrap();
    let certified = Arc::new(CertifiedKey::new(vec![CertificateDer::from(cert.to_vec())], signing));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Fixed(certified))),
    )
}

/// Accept connections on 127.0.0.1:`port` for the rest of the test process, each on a thread
/// running `session`.
fn serve<F>(port: u16, session: F)
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| panic!("port {port}: {e}"));
    let session = Arc::new(session);
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let session = session.clone();
            std::thread::spawn(move || session(sock));
        }
    });
}

/// The server side of a TLS handshake on `sock`.
fn tls(config: &Arc<rustls::ServerConfig>, mut sock: TcpStream) {
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
    while conn.is_handshaking() {
        if conn.complete_io(&mut sock).is_err() {
            break;
        }
    }
}

fn serve_tls(port: u16, config: Arc<rustls::ServerConfig>) {
    serve(port, move |sock| tls(&config, sock));
}

/// `keymatch probe --format json ARGS`: exit code, document, wall time.
fn probe(args: &[&str]) -> (i32, Value, Duration) {
    let started = Instant::now();
    let (code, out, err) =
        common::run_keymatch(&[&["probe", "--format", "json"], args].concat(), &std::env::temp_dir());
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc, started.elapsed())
}

fn messages(doc: &Value) -> Vec<String> {
    doc["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect()
}

fn codes(doc: &Value) -> Vec<String> {
    doc["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// A MySQL Protocol::HandshakeV10 packet as MariaDB 10.11 sends it, with or without CLIENT_SSL.
fn mysql_greeting(ssl: bool) -> Vec<u8> {
    let caps_low: u16 = if ssl { 0xfeff } else { 0xfeff & !0x0800 };
    let mut p = vec![0x0a];
    p.extend_from_slice(b"5.5.5-10.11.19-MariaDB-test\0");
    p.extend_from_slice(&7u32.to_le_bytes());
    p.extend_from_slice(b"abcdefgh\0");
    p.extend_from_slice(&caps_low.to_le_bytes());
    p.push(0x2d);
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&0x81ffu16.to_le_bytes());
    p.push(21);
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(b"ijklmnopqrst\0mysql_native_password\0");
    let mut packet = vec![p.len() as u8, 0, 0, 0];
    packet.extend_from_slice(&p);
    packet
}

#[test]
fn mysql_starttls_greeting_then_ssl_request() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = material(tmp.path(), "db", common::P256);
    let config = server_config(&cert, &key, &[&rustls::version::TLS13, &rustls::version::TLS12]);
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    serve(22101, move |mut sock| {
        sock.write_all(&mysql_greeting(true)).unwrap();
        let mut request = [0u8; 36];
        sock.read_exact(&mut request).unwrap();
        tx.lock().unwrap().send(request).unwrap();
        tls(&config, sock);
    });
    let (code, doc, _) = probe(&["127.0.0.1:22101", "--sni", "db.example", "--starttls", "mysql"]);
    assert_eq!(code, 0, "{doc}");
    let ep = &doc["endpoints"][0];
    assert_eq!((ep["starttls"].as_str(), ep["signature"].as_str()), (Some("mysql"), Some("valid")), "{doc}");
    assert_eq!(ep["chain"][0]["subject"], "CN=db.example");
    let request = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    // Protocol::SSLRequest: 32 bytes, sequence id 1, CLIENT_SSL and CLIENT_PROTOCOL_41 set, 23 zeros.
    assert_eq!(request[..4], [32, 0, 0, 1]);
    let caps = u32::from_le_bytes([request[4], request[5], request[6], request[7]]);
    assert_eq!(caps & 0x0a00, 0x0a00, "{caps:#x}");
    assert!(request[13..].iter().all(|&b| b == 0));

    // The default port is MySQL's: the label says so (nothing listens on 3306 here to probe).
    let (_, doc, _) = probe(&["127.0.0.1", "--starttls", "mysql", "--timeout", "1"]);
    assert_eq!(doc["endpoints"][0]["port"], 3306, "{doc}");
}

#[test]
fn mysql_without_ssl_or_refusing_is_probe_failed_naming_why() {
    serve(22102, |mut sock| {
        let _ = sock.write_all(&mysql_greeting(false));
        let _ = sock.read(&mut [0u8; 64]);
    });
    // ERR_Packet instead of a greeting (MariaDB's answer to a blocked host).
    serve(22103, |mut sock| {
        let msg = b"Host '127.0.0.1' is blocked because of many connection errors";
        let mut p = vec![0xff];
        p.extend_from_slice(&1129u16.to_le_bytes());
        p.extend_from_slice(msg);
        let _ = sock.write_all(&[&[p.len() as u8, 0, 0, 0][..], &p].concat());
    });
    let (code, doc, _) = probe(&["127.0.0.1:22102", "127.0.0.1:22103", "--starttls", "mysql", "--timeout", "5"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(codes(&doc), ["probe-failed", "probe-failed"], "{doc}");
    let m = messages(&doc);
    assert!(m[0].starts_with("mysql+starttls://127.0.0.1:22102: starttls (mysql): "), "{m:?}");
    assert!(m[0].contains("does not offer SSL (CLIENT_SSL"), "{m:?}");
    assert!(m[1].contains("error 1129") && m[1].contains("is blocked"), "{m:?}");
}

/// Debian's MariaDB (package mariadb-server-core) started as a child on 127.0.0.1:22306 with its
/// own datadir, once with a certificate and once with `--skip-ssl`; `openssl s_client -starttls
/// mysql` is the oracle.
#[test]
fn mariadb_real_server() {
    let Some(mariadbd) = common::server_binary("mariadbd") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    common::openssl_ok(d, &[&["genpkey"], common::RSA2048, &["-out", "db.key"]].concat());
    common::openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "db.key",
            "-subj",
            "/CN=db.example",
            "-addext",
            "subjectAltName=DNS:db.example",
            "-days",
            "3650",
            "-out",
            "db.crt",
        ],
    );
    for (i, ssl) in [true, false].into_iter().enumerate() {
        let data = d.join(format!("data{i}"));
        std::fs::create_dir_all(&data).unwrap();
        let mut args: Vec<String> = [
            "--no-defaults",
            "--user=root",
            "--bind-address=127.0.0.1",
            "--port=22306",
            "--skip-grant-tables",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=8M",
            "--innodb-log-file-size=4M",
            "--innodb-data-file-path=ibdata1:4M:autoextend",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--datadir={}", data.display()));
        args.push(format!("--socket={}", d.join(format!("sock{i}")).display()));
        args.push(format!("--pid-file={}", d.join(format!("pid{i}")).display()));
        args.push(format!("--log-error={}", d.join(format!("err{i}.log")).display()));
        if ssl {
            args.push(format!("--ssl-cert={}", d.join("db.crt").display()));
            args.push(format!("--ssl-key={}", d.join("db.key").display()));
        } else {
            args.push("--skip-ssl".into());
        }
        let mut child = std::process::Command::new(&mariadbd)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", 22306)).is_err() {
            let log = std::fs::read_to_string(d.join(format!("err{i}.log"))).unwrap_or_default();
            assert!(child.try_wait().unwrap().is_none(), "mariadbd exited: {log}");
            assert!(started.elapsed() < Duration::from_secs(60), "mariadbd does not listen: {log}");
            std::thread::sleep(Duration::from_millis(100));
        }
        let oracle = std::process::Command::new("openssl")
            .args(["s_client", "-brief", "-starttls", "mysql", "-connect", "127.0.0.1:22306"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&oracle.stderr).into_owned();
        let (code, doc, _) =
            probe(&["127.0.0.1:22306", "--starttls", "mysql", "--sni", "db.example", "--timeout", "5"]);
        let _ = child.kill();
        let _ = child.wait();
        let ep = &doc["endpoints"][0];
        if ssl {
            assert!(said.contains("CONNECTION ESTABLISHED"), "s_client: {said}");
            assert_eq!(code, 0, "{doc}");
            assert_eq!(
                (ep["signature"].as_str(), ep["tls_version"].as_str()),
                (Some("valid"), Some("TLSv1.3")),
                "{doc}"
            );
            assert_eq!(ep["chain"][0]["subject"], "CN=db.example");
            // Both clients offer TLS_AES_256_GCM_SHA384 first: the same suite, named as OpenSSL names it.
            let suite = said.lines().find_map(|l| l.strip_prefix("Ciphersuite: ")).unwrap();
            assert_eq!(ep["cipher"].as_str(), Some(suite), "{said}\n{doc}");
        } else {
            assert!(!said.contains("CONNECTION ESTABLISHED"), "s_client: {said}");
            assert_eq!(code, 1, "{doc}");
            assert_eq!(codes(&doc), ["probe-failed"]);
            assert!(messages(&doc)[0].contains("starttls (mysql): the server does not offer SSL"), "{doc}");
        }
    }
}

#[test]
fn tls12_and_tls13_versions_ciphers_and_a_wrong_signing_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (ec_cert, ec_key) = material(tmp.path(), "ec", common::P256);
    let (_, other_key) = material(tmp.path(), "other", common::P256);
    let (rsa_cert, rsa_key) = material(tmp.path(), "rsa", common::RSA2048);
    let v12: &[&'static SupportedProtocolVersion] = &[&rustls::version::TLS12];
    let v13: &[&'static SupportedProtocolVersion] = &[&rustls::version::TLS13];
    serve_tls(22111, server_config(&ec_cert, &ec_key, v12));
    serve_tls(22112, server_config(&rsa_cert, &rsa_key, v12));
    serve_tls(22113, server_config(&ec_cert, &other_key, v12));
    serve_tls(22114, server_config(&rsa_cert, &ec_key, v12));
    serve_tls(22115, server_config(&ec_cert, &other_key, v13));
    serve_tls(22116, server_config(&rsa_cert, &rsa_key, v13));
    let ports = ["22111", "22112", "22113", "22114", "22115", "22116"];
    let targets: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let (code, doc, _) = probe(&targets);
    assert_eq!(code, 1, "{doc}");
    let eps = doc["endpoints"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> = eps
        .iter()
        .map(|e| (e["tls_version"].as_str().unwrap(), e["cipher"].as_str().unwrap(), e["signature"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "valid"),
            ("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "valid"),
            // ServerKeyExchange signed by another P-256 key: the signature does not verify.
            ("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "invalid"),
            // An EC key behind an RSA certificate: the server picks an ECDSA suite its certificate cannot sign.
            ("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "invalid"),
            ("TLSv1.3", "TLS_AES_256_GCM_SHA384", "invalid"),
            ("TLSv1.3", "TLS_AES_256_GCM_SHA384", "valid"),
        ],
        "{doc}"
    );
    let mismatches: Vec<&Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "served-key-mismatch").collect();
    assert_eq!(mismatches.len(), 3, "{doc}");
    let at = |f: &Value| f["locations"][0]["path"].as_str().unwrap().to_string();
    assert_eq!(at(mismatches[0]), "tls://127.0.0.1:22113");
    assert!(mismatches[0]["message"].as_str().unwrap().contains("ECDSA_NISTP256_SHA256 signature does not verify"));
    assert_eq!(at(mismatches[1]), "tls://127.0.0.1:22114");
    assert!(mismatches[1]["message"].as_str().unwrap().contains("which the certificate's public key cannot make"));
    assert_eq!(at(mismatches[2]), "tls://127.0.0.1:22115");
    assert!(mismatches.iter().all(|f| f["severity"] == "error"));
    // No other finding: the healthy endpoints have none, and no probe-failed beside a mismatch.
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3, "{doc}");
}

#[test]
fn every_stage_ends_within_the_timeout_and_names_itself() {
    // starttls: accepts and never speaks.
    serve(22121, |sock| {
        std::thread::sleep(Duration::from_secs(8));
        drop(sock);
    });
    // handshake: reads the ClientHello, sends the first bytes of a ServerHello, stalls.
    serve(22122, |mut sock| {
        let _ = sock.read(&mut [0u8; 4096]);
        let _ = sock.write_all(&[0x16, 0x03, 0x03, 0x00, 0x64, 0x02, 0x00, 0x00, 0x60, 0x03, 0x03]);
        std::thread::sleep(Duration::from_secs(8));
    });
    // handshake: hangs up after the ClientHello.
    serve(22123, |mut sock| {
        let _ = sock.read(&mut [0u8; 4096]);
    });
    // handshake: answers with the fatal alert handshake_failure (40).
    serve(22124, |mut sock| {
        let _ = sock.read(&mut [0u8; 4096]);
        let _ = sock.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40]);
        let _ = sock.read(&mut [0u8; 64]);
    });
    let closed = "127.0.0.1:22199";

    // Every STARTTLS protocol waits for the server at some point: each gives up after 1 s.
    let runs: Vec<_> = ["smtp", "imap", "pop3", "ftp", "postgres", "mysql"]
        .into_iter()
        .map(|proto| {
            std::thread::spawn(move || (proto, probe(&["127.0.0.1:22121", "--starttls", proto, "--timeout", "1"])))
        })
        .collect();
    for run in runs {
        let (proto, (code, doc, took)) = run.join().unwrap();
        assert_eq!(code, 1, "{doc}");
        assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(4), "{proto} took {took:?}");
        assert_eq!(
            messages(&doc),
            [format!("{proto}+starttls://127.0.0.1:22121: starttls ({proto}): no answer within 1 s")]
        );
        assert!(doc["endpoints"][0]["error"].as_str().unwrap().starts_with(&format!("starttls ({proto}): ")), "{doc}");
    }

    let targets = ["127.0.0.1:22122", "127.0.0.1:22123", "127.0.0.1:22124", closed, "nowhere.invalid"];
    let (code, doc, took) = probe(&[&targets[..], &["--timeout", "1", "-j", "8"]].concat());
    assert_eq!(code, 1, "{doc}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(4), "took {took:?}");
    let m = messages(&doc);
    assert_eq!(m.len(), 5, "{m:?}");
    let has = |prefix: &str, text: &str| m.iter().any(|x| x.starts_with(prefix) && x.contains(text));
    assert!(has("tls://127.0.0.1:22122: handshake: ", "no TLS handshake within 1 s"), "{m:?}");
    assert!(has("tls://127.0.0.1:22123: handshake: ", "closed the connection during the handshake"), "{m:?}");
    assert!(has("tls://127.0.0.1:22124: handshake: ", "the server sent the fatal alert handshake_failure"), "{m:?}");
    assert!(has("tls://127.0.0.1:22199: connect: ", "refused"), "{m:?}");
    // Resolution fails (no such name) or gives up at the timeout: either way at the dns stage.
    assert!(has("tls://nowhere.invalid:443 (nowhere.invalid): dns: ", "nowhere.invalid"), "{m:?}");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] == "probe-failed" && f["severity"] == "error"));
}

/// The type of a JSON value, for the contract below.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A healthy, a failed and a mismatched endpoint at once, for the contract and format tests.
fn three_endpoints(dir: &Path, base: u16) -> [String; 3] {
    let (cert, key) = material(dir, "ok", common::P256);
    let (_, other) = material(dir, "other", common::P256);
    serve_tls(base, server_config(&cert, &key, &[&rustls::version::TLS13, &rustls::version::TLS12]));
    serve_tls(base + 1, server_config(&cert, &other, &[&rustls::version::TLS13]));
    // base + 2 stays closed.
    [base, base + 2, base + 1].map(|p| format!("127.0.0.1:{p}"))
}

#[test]
fn json_endpoint_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let [ok, failed, bad] = three_endpoints(tmp.path(), 22131);
    let (code, doc, _) = probe(&[&ok, &failed, &bad, "--sni", "ok.example"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["summary"]["endpoints"], 3, "{doc}");
    let eps = doc["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 3);
    let fields = ["address", "port", "sni", "starttls", "tls_version", "cipher", "chain", "signature", "disk"];
    let types = |e: &Value| -> Vec<&'static str> { fields.iter().map(|f| kind(&e[*f])).collect() };
    for e in eps {
        for f in fields {
            assert!(e.get(f).is_some(), "{f} missing in {e}");
        }
    }
    // healthy
    assert_eq!(
        types(&eps[0]),
        ["string", "number", "string", "null", "string", "string", "array", "string", "null"],
        "{}",
        eps[0]
    );
    assert_eq!((eps[0]["address"].as_str(), eps[0]["port"].as_u64()), (Some("127.0.0.1"), Some(22131)));
    assert_eq!((eps[0]["sni"].as_str(), eps[0]["signature"].as_str()), (Some("ok.example"), Some("valid")));
    assert!(eps[0].get("error").is_none(), "{}", eps[0]);
    // failed: no version, cipher or chain; the error says the stage.
    assert_eq!(
        types(&eps[1]),
        ["string", "number", "string", "null", "null", "null", "array", "string", "null"],
        "{}",
        eps[1]
    );
    assert_eq!(eps[1]["chain"].as_array().unwrap().len(), 0);
    assert_eq!(eps[1]["signature"], "not-checked");
    assert!(eps[1]["error"].as_str().unwrap().starts_with("connect: "), "{}", eps[1]);
    // mismatched: the handshake got as far as the signature
    assert_eq!(
        types(&eps[2]),
        ["string", "number", "string", "null", "string", "string", "array", "string", "null"],
        "{}",
        eps[2]
    );
    assert_eq!(eps[2]["signature"], "invalid");
    for e in [&eps[0], &eps[2]] {
        let chain = e["chain"].as_array().unwrap();
        assert_eq!(chain.len(), 1, "{e}");
        let c = &chain[0];
        assert_eq!(
            (kind(&c["subject"]), kind(&c["fingerprint"]), kind(&c["not_after"])),
            ("string", "string", "string")
        );
        assert_eq!(c["subject"], "CN=ok.example");
        assert!(c["fingerprint"].as_str().unwrap().starts_with("sha256:"), "{c}");
        let not_after = c["not_after"].as_str().unwrap();
        assert!(not_after.len() == 20 && not_after.ends_with('Z') && not_after.as_bytes()[10] == b'T', "{not_after}");
    }
    // Sorted by location: 22132 before 22133.
    assert_eq!(codes(&doc), ["served-key-mismatch", "probe-failed"], "{doc}");
}

#[test]
fn probe_findings_in_human_sarif_prometheus_and_nagios() {
    let tmp = tempfile::tempdir().unwrap();
    let [ok, failed, bad] = three_endpoints(tmp.path(), 22141);
    let run = |format: &str| {
        common::run_keymatch(&["probe", &ok, &failed, &bad, "--sni", "ok.example", "--format", format], tmp.path())
    };
    let (code, out, _) = run("human");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("OK tls://127.0.0.1:22141 (ok.example)  TLSv1.3 TLS_AES_"), "{out}");
    assert!(out.contains("FAILED tls://127.0.0.1:22143 (ok.example)"), "{out}");
    assert!(
        out.contains("tls://127.0.0.1:22143 (ok.example): connect: TCP connect to 127.0.0.1:22143 failed"),
        "{out}"
    );
    assert!(out.contains("KEY-MISMATCH tls://127.0.0.1:22142 (ok.example)"), "{out}");
    assert!(out.contains("served-key-mismatch"), "{out}");
    assert!(out.contains("3 endpoints, 2 certificates served: 2 errors"), "{out}");

    let (code, out, _) = run("sarif");
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string();
            (r["ruleId"].as_str().unwrap().to_string(), uri)
        })
        .collect();
    assert_eq!(
        results,
        [
            ("served-key-mismatch".to_string(), "tls://127.0.0.1:22142#ok.example".to_string()),
            ("probe-failed".to_string(), "tls://127.0.0.1:22143#ok.example".to_string())
        ],
        "{out}"
    );

    let (code, out, _) = run("prometheus");
    assert_eq!(code, 1);
    for line in [
        "keymatch_endpoint_handshake_ok{endpoint=\"tls://127.0.0.1:22141 (ok.example)\"} 1",
        "keymatch_endpoint_handshake_ok{endpoint=\"tls://127.0.0.1:22143 (ok.example)\"} 0",
        "keymatch_endpoint_handshake_ok{endpoint=\"tls://127.0.0.1:22142 (ok.example)\"} 0",
        "keymatch_endpoint_signature_valid{endpoint=\"tls://127.0.0.1:22142 (ok.example)\"} 0",
        "keymatch_findings{code=\"served-key-mismatch\",severity=\"error\"} 1",
        "keymatch_findings{code=\"probe-failed\",severity=\"error\"} 1",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
    }

    let (code, out, _) = run("nagios");
    assert_eq!(code, 2, "{out}");
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("KEYMATCH CRITICAL - "), "{out}");
    let rest: Vec<&str> = lines.collect();
    assert!(
        rest.iter().any(|l| l.contains("probe-failed") && l.contains("tls://127.0.0.1:22143 (ok.example)")),
        "{out}"
    );
    assert!(
        rest.iter().any(|l| l.contains("served-key-mismatch") && l.contains("tls://127.0.0.1:22142 (ok.example)")),
        "{out}"
    );
}

#[test]
fn targets_file_errors_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |text: &str| std::fs::write(tmp.path().join("t.txt"), text).unwrap();
    for (text, line, says) in [
        ("# list\n\n127.0.0.1:22199\nweb.example:443 sni=a.example\n", 4, "one HOST[:PORT] a line"),
        ("127.0.0.1:22199 # closed\n  \n[::1:443\n", 3, "missing ']'"),
        ("127.0.0.1:99999\n", 1, "is not a port"),
    ] {
        write(text);
        let (code, out, err) = common::run_keymatch(&["probe", "--targets", "t.txt"], tmp.path());
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(&format!("t.txt:{line}: ")) && err.contains(says), "{text:?}: {err}");
    }
    write("# nothing but comments\n\n");
    let (code, _, err) = common::run_keymatch(&["probe", "--targets", "t.txt"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("t.txt") && err.contains("no endpoint"), "{err}");
    // Comments after an endpoint and blank lines are fine.
    write("# one closed port\n\n127.0.0.1:22199   # closed\n");
    let (code, doc, _) = probe(&["--targets", &tmp.path().join("t.txt").display().to_string(), "--timeout", "1"]);
    assert_eq!(code, 1);
    assert_eq!(doc["endpoints"].as_array().unwrap().len(), 1, "{doc}");
}
