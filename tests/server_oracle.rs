//! The real servers as keymatch's oracle: every case of `fixtures/oracle/`
//! (made by `fixtures/gen_oracle.sh`) is loaded by nginx, HAProxy and Apache
//! (the Debian packages, OpenSSL 3.0), each started as a child process on
//! 127.0.0.1 with its own temporary config, pid and log files, and asked for
//! TLS handshakes by `openssl s_client` (TLS 1.2, TLS 1.3, and TLS 1.2
//! `AES128-SHA` for RSA certificates; no `-verify_return_error`). The server
//! *refuses* a case when its config test fails, it does not start (or dies),
//! or a handshake fails. keymatch must agree: `keymatch check --server NAME` on
//! the pair the server loads exits 1 exactly on the cases the server refuses
//! (check also exits 1 when it proved nothing, as an encrypted key it cannot
//! open), and `keymatch scan` on the tree holding the server's config exits 1
//! with an error finding exactly on those cases.
//!
//! Encrypted keys are tried twice where the server has a passphrase source:
//! with it (nginx `ssl_password_file`, Apache `SSLPassPhraseDialog exec:`; keymatch
//! gets the same passphrase with `--passphrase-file`) and without it. HAProxy has
//! none. Servers are stopped by PID (SIGTERM, then SIGKILL), never by name.
//!
//! When `CI=true`, a missing `nginx`, `haproxy` or `apache2` binary fails the
//! test; elsewhere the servers found are used. `KEYMATCH_ORACLE_TABLE=FILE`
//! writes the observed table (markdown) to FILE before the assertions run:
//! `tests/oracle/table.sh` uses it to regenerate `docs/server-oracle.md`.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Ports 25000.. are this suite's (one per run, so runs never collide).
const BASE_PORT: u16 = 25000;
/// Runs in flight at once: the servers mostly wait, so more than the 2 cores.
const WORKERS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Server {
    Nginx,
    Haproxy,
    Apache,
}

impl Server {
    const ALL: [Server; 3] = [Server::Nginx, Server::Haproxy, Server::Apache];

    fn name(self) -> &'static str {
        match self {
            Server::Nginx => "nginx",
            Server::Haproxy => "haproxy",
            Server::Apache => "apache",
        }
    }

    fn binary(self) -> &'static str {
        match self {
            Server::Nginx => "nginx",
            Server::Haproxy => "haproxy",
            Server::Apache => "apache2",
        }
    }

    /// Can this server be given a key's passphrase without a terminal?
    fn has_passphrase_source(self) -> bool {
        self != Server::Haproxy
    }

    /// The config test the server's documentation recommends before a reload.
    fn config_test_name(self) -> &'static str {
        match self {
            Server::Nginx => "nginx -t",
            Server::Haproxy => "haproxy -c",
            Server::Apache => "apache2 -t",
        }
    }
}

/// One `fixtures/oracle/<name>/case` manifest.
#[derive(Debug, Clone)]
struct Case {
    name: String,
    what: String,
    cert: String,
    key: String,
    handshakes: Vec<String>,
    encrypted: bool,
}

fn oracle_dir() -> PathBuf {
    fixtures().join("oracle")
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(oracle_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("case");
        if !manifest.is_file() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&manifest).unwrap();
        let get = |k: &str| {
            text.lines().find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('='))).map(|v| v.trim().to_string())
        };
        let need = |k: &str| get(k).unwrap_or_else(|| panic!("{name}/case: no {k}="));
        out.push(Case {
            what: need("what"),
            cert: need("cert"),
            key: need("key"),
            handshakes: need("handshakes").split_whitespace().map(String::from).collect(),
            encrypted: get("encrypted").as_deref() == Some("yes"),
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 40, "fixtures/oracle holds {} cases; run fixtures/gen_oracle.sh", out.len());
    out
}

/// One case on one server, with or without the server's passphrase source.
#[derive(Debug, Clone)]
struct Job {
    case: Case,
    server: Server,
    passphrase: bool,
    port: u16,
}

impl Job {
    fn label(&self) -> String {
        match (self.case.encrypted, self.passphrase) {
            (false, _) => self.case.name.clone(),
            (true, true) => format!("{} (passphrase source)", self.case.name),
            (true, false) => format!("{} (no passphrase source)", self.case.name),
        }
    }
}

/// keymatch's answer.
#[derive(Debug, Default, Clone)]
struct Km {
    exit: Option<i32>,
    errors: Vec<String>,
    warnings: Vec<String>,
    /// `pairs[].origin.kind` (scan: the server's config must be among them).
    origins: Vec<String>,
    problem: Option<String>,
}

impl Km {
    fn says_error(&self) -> bool {
        self.exit == Some(1) && !self.errors.is_empty()
    }

    /// Exit 0 or 1 with findings that explain it (exit 2, a crash or bad JSON is never an answer).
    fn answered(&self) -> bool {
        self.problem.is_none()
            && matches!(self.exit, Some(0) | Some(1))
            && (self.exit == Some(0)) == self.errors.is_empty()
    }

    fn cell(&self) -> String {
        if let Some(p) = &self.problem {
            return format!("exit {:?}: {p}", self.exit);
        }
        let mut s = self.exit.map_or("?".to_string(), |c| c.to_string());
        if !self.errors.is_empty() {
            let _ = write!(s, " {}", self.errors.join(", "));
        }
        if !self.warnings.is_empty() {
            let _ = write!(s, " (warn: {})", self.warnings.join(", "));
        }
        s
    }
}

/// What one run observed.
#[derive(Debug, Clone)]
struct Outcome {
    job: Job,
    config_ok: bool,
    started: bool,
    /// (handshake name, succeeded); empty when the server never listened.
    handshakes: Vec<(String, bool)>,
    server_says: String,
    check: Km,
    scan: Km,
}

impl Outcome {
    fn refused(&self) -> bool {
        !self.config_ok || !self.started || self.handshakes.iter().any(|(_, ok)| !ok)
    }

    /// `check` is a gate: it exits 1 on an error finding and also when it proved
    /// nothing (an encrypted key it cannot open, an unsupported algorithm), so its
    /// exit code is the answer.
    fn check_agrees(&self) -> bool {
        self.check.problem.is_none()
            && matches!(self.check.exit, Some(0) | Some(1))
            && (self.check.exit == Some(1)) == self.refused()
    }

    fn scan_agrees(&self) -> bool {
        self.scan.answered() && self.scan.says_error() == self.refused()
    }
}

/// A command's exit status (None: killed at the deadline) and its output, stdout then stderr.
fn run_for(mut cmd: Command, dir: &Path, tag: &str, limit: Duration) -> (Option<i32>, String) {
    let out = dir.join(format!("{tag}.out"));
    let err = dir.join(format!("{tag}.err"));
    cmd.stdin(Stdio::null()).stdout(std::fs::File::create(&out).unwrap()).stderr(std::fs::File::create(&err).unwrap());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{tag}: cannot start: {e}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code().or(Some(-1));
        }
        if Instant::now() > deadline {
            stop(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default() + &std::fs::read_to_string(&err).unwrap_or_default();
    (status, text)
}

/// Stop a child by its PID: SIGTERM, a grace period, then SIGKILL.
fn stop(child: &mut Child) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    // The shell's builtin kill: /bin/kill (procps) is not on every minimal system.
    let _ = Command::new("sh").args(["-c", "kill -TERM \"$1\"", "sh", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A server command without a controlling terminal (`setsid`), so that no
/// passphrase prompt can reach one: OpenSSL's default prompt opens /dev/tty.
fn server_command(server: Server, args: &[&str]) -> Command {
    let mut cmd = Command::new("setsid");
    cmd.arg(server.binary()).args(args);
    cmd
}

fn copy_private(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The config file name keymatch and admins expect, and its text.
fn server_config(job: &Job, tmp: &Path, tree: &Path, cert: &Path, key: &Path, pass: &Path) -> (PathBuf, String) {
    let (t, port) = (tmp.display(), job.port);
    let (cert, key) = (cert.display(), key.display());
    match job.server {
        Server::Nginx => {
            let password =
                if job.passphrase { format!("    ssl_password_file {};\n", pass.display()) } else { String::new() };
            let temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
                .iter()
                .map(|k| format!("  {k}_temp_path {t}/{k};\n"))
                .collect::<String>();
            let conf = format!(
                "master_process off;\npid {t}/nginx.pid;\nerror_log {t}/error.log;\nevents {{ worker_connections 64; }}\n\
                 http {{\n  access_log off;\n{temp}  server {{\n    listen 127.0.0.1:{port} ssl;\n    server_name {name}.test;\n\
                 \x20   ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n{password}\
                 \x20   return 200 \"ok\\n\";\n  }}\n}}\n",
                name = job.case.name
            );
            (tree.join("nginx.conf"), conf)
        }
        Server::Haproxy => {
            let conf = format!(
                "global\n  maxconn 64\n\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n\n\
                 frontend fe\n  bind 127.0.0.1:{port} ssl crt {cert}\n  http-request return status 200\n"
            );
            (tree.join("haproxy.cfg"), conf)
        }
        Server::Apache => {
            let m = "/usr/lib/apache2/modules";
            let dialog =
                if job.passphrase { format!("SSLPassPhraseDialog exec:{t}/passphrase.sh\n") } else { String::new() };
            let conf = format!(
                "ServerRoot {t}\nServerName {name}.test\nPidFile {t}/apache.pid\nErrorLog {t}/error.log\nLogLevel warn\n\
                 DefaultRuntimeDir {t}\nMutex file:{t} default\nUser www-data\nGroup www-data\n\
                 LoadModule mpm_prefork_module {m}/mod_mpm_prefork.so\nLoadModule authz_core_module {m}/mod_authz_core.so\n\
                 LoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\nLoadModule ssl_module {m}/mod_ssl.so\n\
                 Listen 127.0.0.1:{port} https\nSSLSessionCache none\n{dialog}\
                 <VirtualHost 127.0.0.1:{port}>\n  SSLEngine on\n  SSLCertificateFile {cert}\n  SSLCertificateKeyFile {key}\n</VirtualHost>\n",
                name = job.case.name
            );
            (tree.join("apache2.conf"), conf)
        }
    }
}

/// OpenSSL reason strings (`error:CODE:lib:func:reason`) and the servers' own
/// error lines in `text` (with HAProxy's indented continuation lines), without
/// times, PIDs, ports and temporary paths.
fn reasons(text: &str, tmp: &Path, port: u16) -> Vec<String> {
    let tmp = tmp.display().to_string();
    let port = port.to_string();
    let scrub = |m: &str| -> String {
        let m = m.replace(&tmp, "…").replace(&port, "PORT");
        m.trim().trim_start_matches(": ").chars().take(200).collect()
    };
    let mut out: Vec<String> = Vec::new();
    let mut push = |m: String| {
        if !m.is_empty() && !out.contains(&m) {
            out.push(m);
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let mut rest = *line;
        let mut found = false;
        while let Some(at) = rest.find("error:") {
            rest = &rest[at + 6..];
            let fields: Vec<&str> = rest.splitn(5, ':').collect();
            if fields.len() >= 4 && fields[0].len() == 8 && fields[0].chars().all(|c| c.is_ascii_hexdigit()) {
                let mut reason: String = fields[3].chars().take_while(|&c| c != ')' && c != ':' && c != '(').collect();
                // nginx joins the queue as "reason error:NEXT…": the NEXT code follows this reason's " error".
                let next_is_code =
                    fields.get(4).is_some_and(|n| n.len() >= 8 && n[..8].chars().all(|c| c.is_ascii_hexdigit()));
                if next_is_code && reason.ends_with(" error") {
                    reason.truncate(reason.len() - " error".len());
                }
                push(scrub(&reason));
                found = true;
            }
        }
        let l = line.to_ascii_lowercase();
        let generic = l.contains("error(s) found in configuration file") || l.contains("fatal errors found");
        let serious = ["[emerg]", "[alert]", ":emerg]", ":alert]", ":crit]", ":error]"].iter().any(|m| l.contains(m));
        if found || generic || !serious {
            continue;
        }
        // nginx: "[emerg] PID#TID: message"; HAProxy: "[ALERT] (PID) : config : ... : message";
        // Apache: "[ssl:emerg] [pid N] AHxxxxx: message".
        let mut msg = if l.contains("[alert]") {
            line.rsplit(" : ").next().unwrap_or(line).to_string()
        } else if let Some(at) = line.find("[emerg] ") {
            let after = &line[at + 8..];
            after.split_once(": ").map_or(after, |(_, m)| m).to_string()
        } else {
            line.rsplit("] ").next().unwrap_or(line).to_string()
        };
        for next in lines.iter().skip(i + 1).take_while(|n| n.starts_with(' ') && !n.trim().is_empty()) {
            msg.push(' ');
            msg.push_str(next.trim());
        }
        push(scrub(&msg));
    }
    out
}

fn keymatch_json(cwd: &Path, args: &[String], pass: Option<&Path>) -> Km {
    let mut cmd = keymatch(cwd);
    cmd.args(args).args(["--at", AT, "--format", "json"]);
    if let Some(p) = pass {
        cmd.arg("--passphrase-file").arg(p);
    }
    let out = cmd.output().unwrap();
    let run: Run = out.into();
    let mut km = Km { exit: run.code, ..Km::default() };
    match run.json() {
        Ok(doc) => {
            for f in doc.get("findings").and_then(|f| f.as_array()).into_iter().flatten() {
                let code = f.get("code").and_then(|c| c.as_str()).unwrap_or("?").to_string();
                match f.get("severity").and_then(|s| s.as_str()) {
                    Some("error") => km.errors.push(code),
                    Some("warning") => km.warnings.push(code),
                    _ => {}
                }
            }
            for p in doc.get("pairs").and_then(|p| p.as_array()).into_iter().flatten() {
                if let Some(kind) = p.pointer("/origin/kind").and_then(|k| k.as_str()) {
                    km.origins.push(kind.to_string());
                }
            }
            km.errors.sort();
            km.errors.dedup();
            km.warnings.sort();
            km.warnings.dedup();
        }
        Err(e) => km.problem = Some(e.chars().take(120).collect()),
    }
    km
}

fn handshake_args(name: &str) -> &'static [&'static str] {
    match name {
        "tls12" => &["-tls1_2"],
        "tls13" => &["-tls1_3"],
        "aes128sha" => &["-tls1_2", "-cipher", "AES128-SHA"],
        other => panic!("unknown handshake {other}"),
    }
}

fn handshake_title(name: &str) -> &'static str {
    match name {
        "tls12" => "TLS1.2",
        "tls13" => "TLS1.3",
        "aes128sha" => "AES128-SHA",
        _ => "?",
    }
}

/// Wait until the server accepts TCP connections on the port (true), or exits or times out (false).
fn wait_listening(child: &mut Child, port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

fn run_job(job: &Job) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    let tree = tmp.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let src = oracle_dir().join(&job.case.name);
    // HAProxy reads the key from the `<crt>.key` sidecar (ssl-load-extra-files, on by default).
    let (cert_name, key_name) = match job.server {
        Server::Haproxy => ("site.pem".to_string(), "site.pem.key".to_string()),
        _ => (job.case.cert.clone(), job.case.key.clone()),
    };
    let (cert, key) = (tree.join(&cert_name), tree.join(&key_name));
    copy_private(&src.join(&job.case.cert), &cert);
    copy_private(&src.join(&job.case.key), &key);
    let pass = tmp.join("passphrase.txt");
    copy_private(&oracle_dir().join("passphrase.txt"), &pass);
    let script = tmp.join("passphrase.sh");
    std::fs::write(&script, format!("#!/bin/sh\nexec cat {}\n", pass.display())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let (conf, text) = server_config(job, tmp, &tree, &cert, &key, &pass);
    std::fs::write(&conf, text).unwrap();
    let conf_s = conf.display().to_string();
    let tmp_s = tmp.display().to_string();
    let err_log = format!("{tmp_s}/error.log");

    let (test_args, run_args): (Vec<&str>, Vec<&str>) = match job.server {
        Server::Nginx => (
            vec!["-t", "-c", &conf_s, "-p", &tmp_s, "-e", &err_log],
            vec!["-c", &conf_s, "-p", &tmp_s, "-e", &err_log, "-g", "daemon off;"],
        ),
        Server::Haproxy => (vec!["-c", "-f", &conf_s], vec!["-db", "-f", &conf_s]),
        Server::Apache => (vec!["-t", "-f", &conf_s], vec!["-X", "-f", &conf_s]),
    };
    let (test_status, test_out) =
        run_for(server_command(job.server, &test_args), tmp, "configtest", Duration::from_secs(15));
    let config_ok = test_status == Some(0);

    let log = tmp.join("server.log");
    let mut cmd = server_command(job.server, &run_args);
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(tmp.join("server.err")).unwrap());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{}: cannot start: {e}", job.server.binary()));
    let listening = wait_listening(&mut child, job.port, Duration::from_secs(20));
    let mut handshakes = Vec::new();
    let mut client_out = String::new();
    if listening {
        for h in &job.case.handshakes {
            let mut c = Command::new("openssl");
            c.arg("s_client").arg("-connect").arg(format!("127.0.0.1:{}", job.port)).args(handshake_args(h));
            let (status, out) = run_for(c, tmp, &format!("s_client-{h}"), Duration::from_secs(20));
            let ok = status == Some(0) && out.contains("Cipher is ") && !out.contains("Cipher is (NONE)");
            if !ok {
                client_out.push_str(&out);
            }
            handshakes.push((h.clone(), ok));
        }
    }
    let started = listening && child.try_wait().ok().flatten().is_none();
    stop(&mut child);
    if !started {
        // Apache binds its port before mod_ssl loads the pair and exits on failure: handshakes
        // that raced its exit say nothing more than "did not start".
        handshakes.clear();
        client_out.clear();
    }
    let server_log = ["server.log", "server.err", "error.log"]
        .iter()
        .map(|f| std::fs::read_to_string(tmp.join(f)).unwrap_or_default())
        .collect::<String>();
    let mut says = reasons(&test_out, tmp, job.port);
    // The client's view only when the server was there to answer (not "connection refused").
    let mut client = if started { reasons(&client_out, tmp, job.port) } else { Vec::new() };
    client.sort(); // several handshakes fail in different words (RSA padding checks of garbage): one order
    for r in reasons(&server_log, tmp, job.port).into_iter().chain(client) {
        if !says.contains(&r) {
            says.push(r);
        }
    }

    let pass_for_keymatch = (job.case.encrypted && job.passphrase).then_some(pass.as_path());
    let check_args = ["check".into(), "--server".into(), job.server.name().into(), cert_name.clone(), key_name.clone()];
    let check = keymatch_json(&tree, &check_args, pass_for_keymatch);
    let scan = keymatch_json(tmp, &["scan".into(), "tree".into()], pass_for_keymatch);
    Outcome { job: job.clone(), config_ok, started, handshakes, server_says: says.join("; "), check, scan }
}

fn available(server: Server) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {}", server.binary())])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        && Command::new("setsid").arg("--version").stdout(Stdio::null()).status().is_ok()
}

fn jobs(servers: &[Server]) -> Vec<Job> {
    let mut out = Vec::new();
    for case in cases() {
        for &server in servers {
            let variants: &[bool] =
                if case.encrypted && server.has_passphrase_source() { &[true, false] } else { &[false] };
            for &passphrase in variants {
                let port = BASE_PORT + out.len() as u16;
                out.push(Job { case: case.clone(), server, passphrase, port });
            }
        }
    }
    assert!(out.len() < 3000, "ports 25000-27999 only");
    out
}

fn run_all(jobs: &[Job]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let outcome = run_job(job);
                results.lock().unwrap().push((i, outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "ok"
    } else {
        "**fails**"
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The markdown page `docs/server-oracle.md`.
fn table(outcomes: &[Outcome], servers: &[Server]) -> String {
    let mut s = String::new();
    let refused = outcomes.iter().filter(|o| o.refused()).count();
    let check_ok = outcomes.iter().filter(|o| o.check_agrees()).count();
    let scan_ok = outcomes.iter().filter(|o| o.scan_agrees()).count();
    let names: Vec<&str> = servers.iter().map(|s| s.name()).collect();
    let _ = writeln!(
        s,
        "# What the real servers do with each trap\n\n\
         Generated by `tests/oracle/table.sh` from `tests/server_oracle.rs` (do not edit by hand). Each case of\n\
         `fixtures/oracle/` (made by `fixtures/gen_oracle.sh`; what each is: the `what=` line of its `case` file,\n\
         repeated below) was loaded by {} as Debian 12 ships them (nginx 1.22, HAProxy 2.6, Apache 2.4,\n\
         OpenSSL 3.0), each started on 127.0.0.1 with its own config (one process: nginx `master_process off`,\n\
         `haproxy -db`, `apache2 -X`; no terminal), then asked for handshakes by\n\
         `openssl s_client` (TLS 1.2, TLS 1.3, and TLS 1.2 `AES128-SHA` for RSA certificates).\n\n\
         - **config test**: `nginx -t`, `haproxy -c`, `apache2 -t` exit status;\n\
         - **start**: the server listened and was still running after the handshakes;\n\
         - **handshakes**: `s_client` exit status 0 with a cipher (no certificate verification asked);\n\
         - **server says**: the OpenSSL reasons and error lines from the config test, the server's log and the\n  \
         failing `s_client` (times, PIDs and paths removed);\n\
         - **check** / **scan**: `keymatch check --server NAME CERT KEY` and `keymatch scan` of the tree with the config\n  \
         (`--at {AT}`, `--passphrase-file` when the server has the passphrase): exit code, error codes and (warnings);\n\
         - **agree**: `check` exits 1, and `scan` exits 1 with an error, exactly when the server refuses (config test, start or a handshake fails).\n\n\
         Encrypted keys run with the server's passphrase source (nginx `ssl_password_file`, Apache\n\
         `SSLPassPhraseDialog exec:`) and without one (HAProxy has none; servers run without a terminal).\n\n\
         {} runs, {} refused by the server; `keymatch check` agrees on {}, `keymatch scan` on {}.\n",
        names.join(", "),
        outcomes.len(),
        refused,
        check_ok,
        scan_ok
    );
    let _ = writeln!(
        s,
        "## What the config tests catch\n\n| server | config test | runs | refused | refused but the config test passed | refused only at handshake |\n\
         |---|---|---|---|---|---|"
    );
    for server in servers {
        let runs: Vec<&Outcome> = outcomes.iter().filter(|o| o.job.server == *server).collect();
        let refused: Vec<&&Outcome> = runs.iter().filter(|o| o.refused()).collect();
        let missed = refused.iter().filter(|o| o.config_ok).count();
        let late = refused.iter().filter(|o| o.config_ok && o.started).count();
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |",
            server.name(),
            server.config_test_name(),
            runs.len(),
            refused.len(),
            missed,
            late
        );
    }
    let _ = writeln!(s, "\n## Cases\n\n| case | what |\n|---|---|");
    let mut seen = BTreeSet::new();
    for o in outcomes {
        if seen.insert(o.job.case.name.clone()) {
            let _ = writeln!(s, "| `{}` | {} |", o.job.case.name, escape(&o.job.case.what));
        }
    }
    let _ = writeln!(
        s,
        "\n## Observed\n\n| case | server | config test | start | handshakes | server says | check | scan | agree |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for o in outcomes {
        let hs = if o.handshakes.is_empty() {
            "—".to_string()
        } else {
            o.handshakes
                .iter()
                .map(|(h, ok)| format!("{} {}", handshake_title(h), yes_no(*ok)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let agree = match (o.check_agrees(), o.scan_agrees()) {
            (true, true) => "yes",
            (false, true) => "**no** (check)",
            (true, false) => "**no** (scan)",
            (false, false) => "**no**",
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            o.job.label(),
            o.job.server.name(),
            yes_no(o.config_ok),
            yes_no(o.started),
            hs,
            escape(&o.server_says.chars().take(320).collect::<String>()),
            escape(&o.check.cell()),
            escape(&o.scan.cell()),
            agree
        );
    }
    s
}

#[test]
fn keymatch_errors_exactly_where_the_real_servers_refuse() {
    let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
    let (servers, missing): (Vec<Server>, Vec<Server>) = Server::ALL.iter().partition(|s| available(**s));
    assert!(
        !ci || missing.is_empty(),
        "CI=true but {:?} not installed (.ci/run installs nginx, haproxy and apache2)",
        missing.iter().map(|s| s.binary()).collect::<Vec<_>>()
    );
    if !missing.is_empty() {
        eprintln!(
            "server oracle: not installed here, not run: {:?}",
            missing.iter().map(|s| s.binary()).collect::<Vec<_>>()
        );
    }
    assert!(!servers.is_empty(), "no server installed: the oracle needs nginx, haproxy or apache2");
    let jobs = jobs(&servers);
    let started = Instant::now();
    let outcomes = run_all(&jobs);
    eprintln!("server oracle: {} runs in {:.1}s", outcomes.len(), started.elapsed().as_secs_f64());
    if let Ok(path) = std::env::var("KEYMATCH_ORACLE_TABLE") {
        std::fs::write(&path, table(&outcomes, &servers)).unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    // The oracle itself: the good cases must work on every server, and keymatch scan must
    // pair them from the server's config, or the harness is broken.
    for o in &outcomes {
        if o.job.case.name.starts_with("good-") {
            assert!(
                o.scan.origins.iter().any(|k| k == o.job.server.name()),
                "{} on {}: keymatch scan did not pair from the {} config (origins {:?})",
                o.job.case.name,
                o.job.server.name(),
                o.job.server.name(),
                o.scan.origins
            );
            assert!(
                !o.refused(),
                "{} on {}: a good pair was refused ({}): the harness, not keymatch, is wrong",
                o.job.case.name,
                o.job.server.name(),
                o.server_says
            );
        }
    }
    let mut failures = Vec::new();
    for o in &outcomes {
        let server = if o.refused() { "refuses" } else { "works" };
        for (what, km, agrees) in [("check", &o.check, o.check_agrees()), ("scan", &o.scan, o.scan_agrees())] {
            if !agrees {
                failures.push(format!(
                    "  {} on {}: server {server} ({} config test {}, start {}, handshakes {:?}; {}), keymatch {what} exit {}",
                    o.job.label(),
                    o.job.server.name(),
                    o.job.server.config_test_name(),
                    yes_no(o.config_ok),
                    yes_no(o.started),
                    o.handshakes,
                    o.server_says,
                    km.cell()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements with the real servers over {} runs:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// `docs/server-oracle.md` covers every case of `fixtures/oracle/` (regenerate it with tests/oracle/table.sh).
#[test]
fn the_published_table_covers_every_case() {
    let doc = std::fs::read_to_string(repo().join("docs/server-oracle.md")).expect("docs/server-oracle.md");
    let missing: Vec<String> =
        cases().into_iter().map(|c| c.name).filter(|n| !doc.contains(&format!("| `{n}` |"))).collect();
    assert!(missing.is_empty(), "docs/server-oracle.md lacks {missing:?}: run tests/oracle/table.sh");
}
