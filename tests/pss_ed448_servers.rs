//! The RSA algorithm identifier and Ed448 scenarios (fixtures/gen_check_pss_ed448.sh)
//! against the real oracle: `openssl s_server` loads each scenario's
//! certificate and key, and `openssl s_client` tries a TLS 1.2 and a TLS 1.3
//! handshake. keymatch must exit 1 exactly when the server refused the pair
//! or a handshake failed, and 0 when both handshakes succeeded.

mod common;

use common::*;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The scenarios this test owns, plus the PSS and Ed448 pairs of gen_check.sh.
const SCENARIOS: &[&str] = &[
    "rsa-pss",
    "ed448",
    "pss-cert-rsa-key",
    "rsa-cert-pss-key",
    "pss-params-hash",
    "pss-params-mgf",
    "pss-params-salt",
    "pss-params-key-only-sha1",
    "pss-params-compatible",
    "pss-params-unrestricted-key",
    "pss-params-same",
    "mismatch-ed448",
    "corrupt-ed448-pub",
];

/// The scenarios `s_server` refuses to start with: rsaEncryption against
/// RSASSA-PSS ("Private key does not match the certificate public key"),
/// another Ed448 key ("key values mismatch"), and PKCS#8 v2, which OpenSSL
/// 3.0 does not read. Every other failure is in the handshakes.
const REFUSED_AT_LOAD: &[&str] = &["pss-cert-rsa-key", "rsa-cert-pss-key", "mismatch-ed448", "corrupt-ed448-pub"];

/// What OpenSSL did with a scenario.
#[derive(Debug, PartialEq)]
enum Served {
    /// `s_server` exited at start (its first error line).
    Refused(String),
    /// The server ran; (TLS 1.2 handshake ok, TLS 1.3 handshake ok).
    Handshakes(bool, bool),
}

impl Served {
    fn works(&self) -> bool {
        *self == Served::Handshakes(true, true)
    }
}

/// A port nobody listens on now (the kernel's choice).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Stops the server (by its own handle) however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn handshake(port: u16, version: &str) -> bool {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), version, "-brief"])
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    String::from_utf8_lossy(&out.stderr).contains("CONNECTION ESTABLISHED")
}

fn serve(dir: &Path, cert: &str, key: &str) -> Served {
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert", cert, "-key", key, "-www"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_server");
    let mut server = Server(child);
    let start = Instant::now();
    loop {
        if let Some(_status) = server.0.try_wait().expect("s_server status") {
            let mut err = String::new();
            if let Some(mut e) = server.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            let why = err.lines().find(|l| !l.contains("temp DH")).unwrap_or("").to_string();
            assert!(!why.contains("Address already in use"), "port {port} was taken: {why}");
            return Served::Refused(why);
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "s_server neither listened nor exited");
        std::thread::sleep(Duration::from_millis(25));
    }
    Served::Handshakes(handshake(port, "-tls1_2"), handshake(port, "-tls1_3"))
}

#[test]
fn keymatch_exits_1_exactly_when_openssl_refuses_the_pair_or_a_handshake_fails() {
    let staged = stage_check();
    let all = scenarios();
    let mut failures = Vec::new();
    let mut worked = 0;
    for name in SCENARIOS {
        let s = all.iter().find(|s| s.name == *name).unwrap_or_else(|| panic!("no scenario {name}"));
        let dir = staged.scenario_dir(s);
        let (cert, key) = s.cert_and_key();
        let served = serve(&dir, &cert, &key);
        // Where the failure shows: at load (s_server checks the pair) or in the handshakes.
        let refused = matches!(served, Served::Refused(_));
        if refused != REFUSED_AT_LOAD.contains(name) {
            failures.push(format!("  {name}: OpenSSL {served:?}, expected refused at load: {}", !refused));
        }
        let run = run_check(&staged, s, "json");
        let want = if served.works() { 0 } else { 1 };
        worked += usize::from(served.works());
        if run.code != Some(want) {
            failures.push(format!("  {name}: OpenSSL {served:?}, keymatch exit {:?}", run.code));
        }
    }
    // Both outcomes are exercised.
    assert!(worked >= 4 && worked < SCENARIOS.len(), "{worked} of {} scenarios worked", SCENARIOS.len());
    assert!(failures.is_empty(), "keymatch and OpenSSL disagree:\n{}", failures.join("\n"));
}

/// The messages name both algorithm identifiers and say what the servers do.
#[test]
fn identifier_conflicts_name_both_identifiers() {
    let staged = stage_check();
    let all = scenarios();
    let message = |name: &str| -> String {
        let s = all.iter().find(|s| s.name == name).unwrap();
        let doc = run_check(&staged, s, "json").json().unwrap();
        doc.pointer("/findings/0/message").and_then(|m| m.as_str()).unwrap_or_default().to_string()
    };
    let m = message("pss-cert-rsa-key");
    assert!(m.contains("the key is rsaEncryption"), "{m}");
    assert!(m.contains("certificate's key is RSASSA-PSS (no parameter restrictions)"), "{m}");
    assert!(m.contains("HAProxy and Apache refuse the pair"), "{m}");
    let m = message("pss-params-hash");
    assert!(m.contains("RSASSA-PSS (SHA-384, MGF1 with SHA-384, salt of at least 48 bytes)"), "{m}");
    assert!(m.contains("RSASSA-PSS (SHA-256, MGF1 with SHA-256, salt of at least 32 bytes)"), "{m}");
    assert!(m.contains("accepts only SHA-256"), "{m}");
    let m = message("pss-params-salt");
    assert!(m.contains("salt of at least 64 bytes"), "{m}");
    let m = message("mismatch-ed448");
    assert!(m.contains("Ed448 sha256:"), "{m}");
}
