//! The real server as the oracle for damaged RSA keys: every RSA
//! `fixtures/check/corrupt-*` scenario (and a sound key as control) is served
//! by `openssl s_server` (OpenSSL 3.0, the library nginx, HAProxy and Apache
//! link on Debian 12), and `s_client` makes three handshakes with it: TLS 1.2
//! ECDHE-RSA, TLS 1.3, and TLS 1.2 with RSA key exchange (`AES128-SHA`),
//! each followed by an HTTP request. keymatch must agree:
//!
//! | handshakes | keymatch |
//! |---|---|
//! | all work | no `key-corrupt` error, exit 0 (a damaged key is a `key-corrupt` warning) |
//! | all fail | a `key-corrupt` error, exit 1 |
//!
//! A scenario where some handshakes work and others fail is a failure of
//! this test: keymatch's model has no such case.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The client side of each handshake: `s_client` arguments.
const HANDSHAKES: &[(&str, &[&str])] = &[
    ("TLS 1.2 ECDHE-RSA", &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
    ("TLS 1.3", &["-tls1_3"]),
    ("TLS 1.2 RSA key exchange", &["-tls1_2", "-cipher", "AES128-SHA"]),
];

/// A sound RSA key, the control.
const CONTROL: &str = "rsa2048-pkcs8-pem";

/// `openssl s_server` on an ephemeral port of 127.0.0.1, stopped (by its PID) on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path, cert: &str, key: &str) -> Server {
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key, "-www", "-cipher", "ALL"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server runs");
        // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("ACCEPT ").and_then(|a| a.rsplit(':').next()?.parse().ok()));
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{}: openssl s_server did not start with {cert} and {key}", dir.display());
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, port }
    }

    /// One handshake and an HTTP request: did the page come back?
    fn handshake(&self, args: &[&str]) -> Result<(), String> {
        let connect = format!("127.0.0.1:{}", self.port);
        let mut client = Command::new("openssl")
            .args(["s_client", "-connect", &connect, "-ign_eof"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl s_client runs");
        if let Some(mut input) = client.stdin.take() {
            let _ = input.write_all(b"GET / HTTP/1.0\r\n\r\n");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = client.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = client.wait_with_output().expect("s_client output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.lines().any(|l| l.starts_with("HTTP/1.0 200")) {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr
            .lines()
            .filter(|l| l.contains("error:") || l.contains("alert"))
            .map(|l| l.split(':').skip(3).take(3).collect::<Vec<_>>().join(":"))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        Err(if why.is_empty() { "no HTTP response".into() } else { why })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scenarios with an RSA key: the damaged ones and the control.
fn rsa_scenarios() -> Vec<Scenario> {
    let all = scenarios();
    let picked: Vec<Scenario> = all
        .into_iter()
        .filter(|s| {
            s.name == CONTROL
                || (s.name.starts_with("corrupt-")
                    && !s.name.contains("ec-")
                    && !s.name.contains("ed25519")
                    && !s.name.contains("ed448"))
        })
        .collect();
    assert!(picked.len() >= 11, "expected the control and at least ten damaged RSA scenarios, found {}", picked.len());
    picked
}

/// keymatch's view: (severity of its key-corrupt finding, exit code).
fn keymatch_view(staged: &Staged, s: &Scenario) -> (Option<String>, Option<i32>) {
    let run = run_check(staged, s, "json");
    let doc = run.json().unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let findings = doc.get("findings").and_then(|f| f.as_array()).cloned().unwrap_or_default();
    let severity = findings
        .iter()
        .find(|f| f.get("code").and_then(|c| c.as_str()) == Some("key-corrupt"))
        .and_then(|f| f.get("severity").and_then(|v| v.as_str()).map(String::from));
    (severity, run.code)
}

#[test]
fn keymatch_severity_agrees_with_s_server_handshakes() {
    let staged = stage_check();
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for s in rsa_scenarios() {
        let dir = staged.scenario_dir(&s);
        let (cert, key) = s.cert_and_key();
        let server = Server::start(&dir, &cert, &key);
        let results: Vec<(&str, Result<(), String>)> =
            HANDSHAKES.iter().map(|(name, args)| (*name, server.handshake(args))).collect();
        drop(server);
        let works = results.iter().filter(|(_, r)| r.is_ok()).count();
        let (severity, exit) = keymatch_view(&staged, &s);
        let row = format!(
            "  {:32} {} | keymatch key-corrupt {}, exit {}",
            s.name,
            results
                .iter()
                .map(|(n, r)| format!(
                    "{n}: {}",
                    r.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| format!("FAIL ({e})"))
                ))
                .collect::<Vec<_>>()
                .join(", "),
            severity.as_deref().unwrap_or("-"),
            exit.map_or("-".into(), |c| c.to_string()),
        );
        table.push(row.clone());
        let agrees = if works == HANDSHAKES.len() {
            severity.as_deref() != Some("error") && exit == Some(0) && (s.name == CONTROL) == severity.is_none()
        } else if works == 0 {
            severity.as_deref() == Some("error") && exit == Some(1)
        } else {
            false
        };
        if !agrees {
            failures.push(row);
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(failures.is_empty(), "keymatch disagrees with openssl s_server:\n{}", failures.join("\n"));
}
