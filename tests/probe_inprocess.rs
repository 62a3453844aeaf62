//! `keymatch probe` against small servers in the test: rustls servers that speak
//! SMTP, IMAP or POP3 and then STARTTLS, and a rustls server whose signing key is
//! not its certificate's (a P-256 key behind an RSA certificate: a pair real
//! servers refuse to load, so only an in-process server can serve it).

mod common;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;

/// DER of `NAME.crt` and of `KEY` as PKCS#8, made with openssl in `dir`.
fn material(dir: &Path, name: &str, key_args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let key = format!("{name}.key");
    common::openssl_ok(dir, &[&["genpkey"], key_args, &["-out", &key]].concat());
    let (subj, san) = (format!("/CN={name}.example"), format!("subjectAltName=DNS:{name}.example"));
    let crt = format!("{name}.crt");
    common::openssl_ok(
        dir,
        &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-addext", &san, "-days", "30", "-out", &crt],
    );
    common::openssl_ok(dir, &["x509", "-in", &crt, "-outform", "DER", "-out", &format!("{name}.crt.der")]);
    common::openssl_ok(
        dir,
        &["pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", &format!("{name}.key.der")],
    );
    (
        std::fs::read(dir.join(format!("{name}.crt.der"))).unwrap(),
        std::fs::read(dir.join(format!("{name}.key.der"))).unwrap(),
    )
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn server_config(cert: Vec<u8>, key: Vec<u8>) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing = provider.key_provider.load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key))).unwrap();
    let certified = Arc::new(CertifiedKey::new(vec![CertificateDer::from(cert)], signing));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Fixed(certified))),
    )
}

/// Serve one connection: the plain-text dialogue `dialogue` (lines to send before reading each
/// client line, the last entry sent after the last read), then a TLS handshake. Returns the
/// port and the thread, which yields the client lines it read.
fn serve_one(
    config: Arc<rustls::ServerConfig>,
    dialogue: Vec<&'static str>,
) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut read = Vec::new();
        let steps = dialogue.len();
        for (i, say) in dialogue.into_iter().enumerate() {
            sock.write_all(say.as_bytes()).unwrap();
            if i + 1 < steps {
                read.push(read_line(&mut sock));
            }
        }
        let mut conn = rustls::ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut sock).is_err() {
                break;
            }
        }
        read
    });
    (port, handle)
}

/// One line, a byte at a time (nothing of the TLS handshake after it is consumed).
fn read_line(sock: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut r = BufReader::with_capacity(1, sock);
    r.read_until(b'\n', &mut line).unwrap();
    String::from_utf8_lossy(&line).trim_end().to_string()
}

fn probe(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) =
        common::run_keymatch(&[&["probe", "--format", "json", "--timeout", "5"], args].concat(), &std::env::temp_dir());
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")))
}

#[test]
fn starttls_smtp_imap_pop3_ftp() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = material(tmp.path(), "mail", common::P256);
    let cases: [(&str, Vec<&'static str>, Vec<&str>); 4] = [
        (
            "smtp",
            vec![
                "220 mail.example ESMTP test\r\n",
                "250-mail.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                "220 2.0.0 Ready to start TLS\r\n",
            ],
            vec!["EHLO keymatch.invalid", "STARTTLS"],
        ),
        (
            "imap",
            vec!["* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", "k1 OK Begin TLS negotiation now\r\n"],
            vec!["k1 STARTTLS"],
        ),
        ("pop3", vec!["+OK POP3 ready\r\n", "+OK Begin TLS negotiation\r\n"], vec!["STLS"]),
        ("ftp", vec!["220-welcome\r\n220 ready\r\n", "234 AUTH TLS successful\r\n"], vec!["AUTH TLS"]),
    ];
    for (proto, dialogue, expect_read) in cases {
        let (port, server) = serve_one(server_config(cert.clone(), key.clone()), dialogue);
        let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--sni", "mail.example", "--starttls", proto]);
        let ep = &doc["endpoints"][0];
        assert_eq!(code, 0, "{proto}: {doc}");
        assert_eq!((ep["starttls"].as_str(), ep["signature"].as_str()), (Some(proto), Some("valid")), "{doc}");
        assert_eq!(ep["tls_version"], "TLSv1.3");
        assert_eq!(ep["chain"][0]["subject"], "CN=mail.example");
        assert_eq!(server.join().unwrap(), expect_read, "{proto}");
    }
}

#[test]
fn smtp_without_starttls_offered_is_probe_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = material(tmp.path(), "mail", common::P256);
    let (port, _server) = serve_one(
        server_config(cert, key),
        vec!["220 mail.example ESMTP\r\n", "250-mail.example\r\n250 PIPELINING\r\n"],
    );
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--starttls", "smtp"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["findings"][0]["code"], "probe-failed");
    let msg = doc["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("does not offer STARTTLS"), "{msg}");
}

#[test]
fn a_signing_key_of_another_algorithm_is_served_key_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let (rsa_cert, _) = material(tmp.path(), "rsa", common::RSA2048);
    let (_, ec_key) = material(tmp.path(), "ec", common::P256);
    let (port, _server) = serve_one(server_config(rsa_cert, ec_key), vec![""]);
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--sni", "rsa.example"]);
    let ep = &doc["endpoints"][0];
    assert_eq!(code, 1, "{doc}");
    assert_eq!(ep["signature"], "invalid", "{doc}");
    assert_eq!(doc["findings"][0]["code"], "served-key-mismatch", "{doc}");
    assert!(doc["findings"][0]["message"].as_str().unwrap().contains("cannot make"), "{doc}");
}

#[test]
fn starttls_postgres_ssl_request() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = material(tmp.path(), "db", common::P256);
    let config = server_config(cert, key);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        std::io::Read::read_exact(&mut sock, &mut request).unwrap();
        sock.write_all(b"S").unwrap();
        let mut conn = rustls::ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut sock).is_err() {
                break;
            }
        }
        request
    });
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--sni", "db.example", "--starttls", "postgres"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["endpoints"][0]["signature"], "valid", "{doc}");
    // SSLRequest: length 8, request code 80877103.
    assert_eq!(server.join().unwrap(), [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
}
