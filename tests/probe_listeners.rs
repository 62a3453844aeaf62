//! `scan --probe` against real servers on 127.0.0.1 (ports 21000-21999): the listeners each
//! dialect declares are probed as that server selects certificates (HAProxy by the
//! certificate's own names and its first `crt` without SNI, Apache by ServerName/ServerAlias,
//! Postfix and Dovecot with STARTTLS and implicit TLS), healthy first, then with the files
//! replaced after start and no reload: `stale-cert` at the config line and at the endpoint.
//!
//! When a server binary is missing the test fails under CI=true and is skipped elsewhere.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server child stopped by PID when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM first: Postfix's master and Dovecot stop their children on it.
        // The shell's builtin `kill`: no procps needed.
        let _ = Command::new("sh").arg("-c").arg(format!("kill -TERM {}", self.0.id())).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(cmd: &mut Command, ports: &[u16]) -> Server {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let mut server = Server(child);
    let started = Instant::now();
    for &port in ports {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(server.0.try_wait().unwrap().is_none(), "the server exited at start");
            assert!(started.elapsed() < Duration::from_secs(15), "nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    server
}

/// `NAME.key` (P-256) and a self-signed `NAME.crt` with CN `cn` and these DNS SANs, valid `days`.
fn pair(dir: &Path, name: &str, cn: &str, sans: &[&str], days: u32) {
    let key = format!("{name}.key");
    if !dir.join(&key).exists() {
        common::openssl_ok(dir, &[&["genpkey"], common::P256, &["-out", &key]].concat());
    }
    renew(dir, name, cn, sans, days);
}

/// A new `NAME.crt` for the existing `NAME.key`, written next to it and renamed over the old one
/// (as certbot and deploy tools replace files).
fn renew(dir: &Path, name: &str, cn: &str, sans: &[&str], days: u32) {
    let subj = format!("/CN={cn}");
    let san = format!("subjectAltName={}", sans.iter().map(|s| format!("DNS:{s}")).collect::<Vec<_>>().join(","));
    let days = days.to_string();
    let (key, tmp) = (format!("{name}.key"), format!("{name}.crt.new"));
    common::openssl_ok(
        dir,
        &["req", "-x509", "-new", "-key", &key, "-subj", &subj, "-addext", &san, "-days", &days, "-out", &tmp],
    );
    std::fs::rename(dir.join(&tmp), dir.join(format!("{name}.crt"))).unwrap();
}

/// `NAME.pem`: certificate then key in one file (HAProxy's combined PEM), replaced by rename.
fn combine(dir: &Path, name: &str) {
    let mut pem = std::fs::read(dir.join(format!("{name}.crt"))).unwrap();
    pem.extend(std::fs::read(dir.join(format!("{name}.key"))).unwrap());
    let tmp = dir.join(format!("{name}.pem.new"));
    std::fs::write(&tmp, pem).unwrap();
    std::fs::rename(tmp, dir.join(format!("{name}.pem"))).unwrap();
}

/// The subject CN `openssl s_client` sees with this SNI (`None`: no SNI), for the oracle.
fn served_cn(port: u16, sni: Option<&str>, starttls: Option<&str>) -> String {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec!["s_client", "-connect", &connect];
    match sni {
        Some(s) => args.extend(["-servername", s]),
        None => args.push("-noservername"),
    }
    if let Some(p) = starttls {
        args.extend(["-starttls", p]);
    }
    let out = Command::new("openssl").args(&args).stdin(Stdio::null()).output().expect("run openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("subject=CN = ").or_else(|| l.strip_prefix("subject=CN=")))
        .unwrap_or("")
        .to_string()
}

fn scan(config: &Path, cwd: &Path) -> (i32, Value) {
    let conf = config.display().to_string();
    let (code, out, err) = common::run_keymatch(
        &["scan", &conf, "--probe", "--probe-timeout", "5", "--format", "json", "--allow", "key-permissions"],
        cwd,
    );
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")))
}

/// (port, starttls, sni, signature, served CN) of every endpoint, in the report's order.
fn endpoints(doc: &Value) -> Vec<(u64, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    doc["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let cn = s(&e["chain"][0]["subject"]);
            (e["port"].as_u64().unwrap(), s(&e["starttls"]), s(&e["sni"]), s(&e["signature"]), cn)
        })
        .collect()
}

fn findings<'d>(doc: &'d Value, code: &str) -> Vec<&'d Value> {
    doc["findings"].as_array().unwrap().iter().filter(|f| f["code"] == code).collect()
}

fn codes(doc: &Value) -> Vec<String> {
    doc["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// Every location of a finding as `PATH:LINE` (0 without a line), sorted.
fn locations(f: &Value) -> Vec<String> {
    let mut out: Vec<String> = f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}:{}", l["path"].as_str().unwrap(), l["line"].as_u64().unwrap_or(0)))
        .collect();
    out.sort();
    out
}

fn own(v: &[(u64, &str, &str, &str, &str)]) -> Vec<(u64, String, String, String, String)> {
    v.iter().map(|(p, t, s, g, c)| (*p, t.to_string(), s.to_string(), g.to_string(), c.to_string())).collect()
}

#[test]
fn haproxy_combined_pems_by_certificate_names_and_crt_list() {
    let Some(haproxy) = common::server_binary("haproxy") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    pair(d, "site", "site.example", &["site.example", "www.site.example"], 3650);
    pair(d, "other", "other.example", &["other.example"], 3650);
    combine(d, "site");
    combine(d, "other");
    std::fs::write(d.join("list.txt"), format!("{0}/other.pem alias.example\n{0}/site.pem\n", d.display())).unwrap();
    let (p1, p2) = (21101u16, 21102u16);
    let cfg = d.join("haproxy.cfg");
    std::fs::write(
        &cfg,
        format!(
            "global\n  maxconn 64\ndefaults\n  mode tcp\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n\
             frontend web\n  bind 127.0.0.1:{p1} ssl crt {dd}/site.pem crt {dd}/other.pem\n  default_backend none\n\
             frontend list\n  bind 127.0.0.1:{p2} ssl crt-list {dd}/list.txt\n  default_backend none\n\
             backend none\n  server s 127.0.0.1:21999\n",
            dd = d.display()
        ),
    )
    .unwrap();
    let check = Command::new(&haproxy).args(["-c", "-f"]).arg(&cfg).output().unwrap();
    assert!(check.status.success(), "haproxy -c: {}", String::from_utf8_lossy(&check.stderr));
    let server = start(Command::new(&haproxy).arg("-db").arg("-f").arg(&cfg), &[p1, p2]);

    // The oracle: HAProxy selects by the certificate's CN and SAN names, the first `crt` is the
    // default; a crt-list line's filter replaces the certificate's names.
    assert_eq!(served_cn(p1, Some("www.site.example"), None), "site.example");
    assert_eq!(served_cn(p1, Some("other.example"), None), "other.example");
    assert_eq!(served_cn(p1, None, None), "site.example");
    assert_eq!(served_cn(p2, Some("alias.example"), None), "other.example");
    assert_eq!(served_cn(p2, None, None), "other.example");

    let (code, doc) = scan(&cfg, d);
    let want_healthy = own(&[
        (p1 as u64, "-", "site.example", "valid", "CN=site.example"),
        (p1 as u64, "-", "www.site.example", "valid", "CN=site.example"),
        (p1 as u64, "-", "-", "valid", "CN=site.example"),
        (p1 as u64, "-", "other.example", "valid", "CN=other.example"),
        (p2 as u64, "-", "alias.example", "valid", "CN=other.example"),
        (p2 as u64, "-", "-", "valid", "CN=other.example"),
        (p2 as u64, "-", "site.example", "valid", "CN=site.example"),
        (p2 as u64, "-", "www.site.example", "valid", "CN=site.example"),
    ]);
    let mut got = endpoints(&doc);
    got.sort();
    let mut want = want_healthy.clone();
    want.sort();
    assert_eq!(got, want, "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk (a longer validity), HAProxy not reloaded: it serves the old one.
    renew(d, "site", "site.example", &["site.example", "www.site.example"], 7300);
    combine(d, "site");
    assert_eq!(served_cn(p1, Some("site.example"), None), "site.example");
    let (code, doc) = scan(&cfg, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    let mut at: Vec<Vec<String>> = stale.iter().map(|f| locations(f)).collect();
    at.sort();
    let c = cfg.display();
    let mut want: Vec<Vec<String>> = [
        (9, format!("tls://127.0.0.1:{p1}:0")),
        (9, format!("tls://127.0.0.1:{p1} (site.example):0")),
        (9, format!("tls://127.0.0.1:{p1} (www.site.example):0")),
        (12, format!("tls://127.0.0.1:{p2} (site.example):0")),
        (12, format!("tls://127.0.0.1:{p2} (www.site.example):0")),
    ]
    .into_iter()
    .map(|(line, ep)| {
        let mut v = vec![format!("{c}:{line}"), ep];
        v.sort();
        v
    })
    .collect();
    want.sort();
    assert_eq!(at, want, "{doc}");
    assert!(stale.iter().all(|f| f["severity"] == "error"), "{doc}");
    let msg = stale[0]["message"].as_str().unwrap();
    assert!(msg.contains("The certificate on disk is newer"), "{msg}");
    assert!(codes(&doc).iter().all(|c| c != "probe-failed"), "{doc}");
    drop(server);

    // HAProxy stopped: every listener the config declares is a probe-failed warning.
    let (code, doc) = scan(&cfg, d);
    let failed = findings(&doc, "probe-failed");
    assert_eq!(failed.len(), 8, "{doc}");
    assert!(failed.iter().all(|f| f["severity"] == "warning"), "{doc}");
    assert!(failed[0]["message"].as_str().unwrap().contains("refused"), "{doc}");
    assert_eq!(code, 0, "{doc}");
}

/// The master.cf services every Postfix needs besides the listeners (chroot off).
const POSTFIX_SERVICES: &str = "pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
";

#[test]
fn postfix_starttls_and_wrappermode_services() {
    let Some(postfix) = common::server_binary("postfix") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Postfix's daemons run as the postfix user: they must reach the queue below the temp dir.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = d.join("pfconf");
    for sub in ["pfconf", "queue", "data"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let chown = Command::new("chown").arg("postfix").arg(d.join("data")).status().unwrap();
    assert!(chown.success(), "chown postfix (the test needs root, as Postfix does)");
    pair(d, "mx", "mx.example", &["mx.example"], 3650);
    let (p25, p26, p465, p587) = (21025u16, 21026u16, 21465u16, 21587u16);
    std::fs::write(
        conf.join("main.cf"),
        format!(
            "compatibility_level = 3.6\nqueue_directory = {dd}/queue\ndata_directory = {dd}/data\n\
             myhostname = mx.example\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n\
             maillog_file_prefixes = {dd}\nmaillog_file = {dd}/maillog\n\
             smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {dd}/mx.crt\nsmtpd_tls_key_file = {dd}/mx.key\n\
             postscreen_greet_wait = 1s\n",
            dd = d.display()
        ),
    )
    .unwrap();
    // 25: postscreen in front of the smtpd pass service (STARTTLS at main.cf's level; postscreen
    // passes 127.0.0.1 at once); 26: smtpd itself; 465: implicit TLS (wrappermode); 587: STARTTLS
    // required, on the inet_interfaces address.
    std::fs::write(
        conf.join("master.cf"),
        format!(
            "127.0.0.1:{p25} inet n - n - 1 postscreen\nsmtpd pass - - n - - smtpd\n\
             dnsblog unix - - n - 0 dnsblog\ntlsproxy unix - - n - 0 tlsproxy\n\
             127.0.0.1:{p26} inet n - n - - smtpd\n{p465} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n\
             {p587} inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n{POSTFIX_SERVICES}"
        ),
    )
    .unwrap();
    let check = Command::new(&postfix).arg("-c").arg(&conf).arg("check").output().unwrap();
    assert!(check.status.success(), "postfix check: {}", String::from_utf8_lossy(&check.stderr));
    let master = ["/usr/lib/postfix/sbin/master", "/usr/libexec/postfix/master"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .expect("Postfix's master daemon");
    let server = start(Command::new(master).arg("-c").arg(&conf).arg("-s"), &[p25, p26, p465, p587]);

    assert_eq!(served_cn(p25, None, Some("smtp")), "mx.example");
    assert_eq!(served_cn(p26, None, Some("smtp")), "mx.example");
    assert_eq!(served_cn(p587, None, Some("smtp")), "mx.example");
    assert_eq!(served_cn(p465, None, None), "mx.example");

    let main_cf = conf.join("main.cf");
    let master_cf = conf.join("master.cf").display().to_string();
    let (code, doc) = scan(&main_cf, d);
    let mut got = endpoints(&doc);
    got.sort();
    let want = own(&[
        (p25 as u64, "smtp", "-", "valid", "CN=mx.example"),
        (p26 as u64, "smtp", "-", "valid", "CN=mx.example"),
        (p465 as u64, "-", "-", "valid", "CN=mx.example"),
        (p587 as u64, "smtp", "-", "valid", "CN=mx.example"),
    ]);
    assert_eq!(got, want, "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk, Postfix not reloaded: its smtpd processes keep the old certificate.
    renew(d, "mx", "mx.example", &["mx.example"], 7300);
    let (code, doc) = scan(&main_cf, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    let mut at: Vec<Vec<String>> = stale.iter().map(|f| locations(f)).collect();
    at.sort();
    let mut want: Vec<Vec<String>> = [
        (1, format!("smtp+starttls://127.0.0.1:{p25}:0")),
        (5, format!("smtp+starttls://127.0.0.1:{p26}:0")),
        (6, format!("tls://127.0.0.1:{p465}:0")),
        (8, format!("smtp+starttls://127.0.0.1:{p587}:0")),
    ]
    .into_iter()
    .map(|(line, ep)| {
        let mut v = vec![format!("{master_cf}:{line}"), ep];
        v.sort();
        v
    })
    .collect();
    want.sort();
    assert_eq!(at, want, "{doc}");
    assert!(stale.iter().all(|f| f["severity"] == "error"), "{doc}");
    assert!(stale[0]["message"].as_str().unwrap().contains("The certificate on disk is newer"), "{doc}");
    drop(server);
}

#[test]
fn dovecot_imap_starttls_imaps_and_local_name() {
    let Some(dovecot) = common::server_binary("dovecot") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The login processes run as dovenull: they must reach the base_dir below the temp dir.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    pair(d, "main", "main.example", &["main.example"], 3650);
    pair(d, "mail", "mail.example", &["mail.example"], 3650);
    let pop3 = Path::new("/usr/lib/dovecot/pop3").is_file();
    assert!(pop3 || std::env::var("CI").as_deref() != Ok("true"), "CI=true needs dovecot-pop3d");
    let (imap, imaps, pop3_port, pop3s) = (21143u16, 21993u16, 21110u16, 21995u16);
    let protocols = if pop3 { "imap pop3" } else { "imap" };
    let conf = d.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            "base_dir = {dd}/run\nstate_dir = {dd}/state\nlog_path = {dd}/dovecot.log\n\
             default_login_user = dovenull\ndefault_internal_user = dovecot\n\
             protocols = {protocols}\nlisten = 127.0.0.1\nssl = yes\n\
             ssl_cert = <{dd}/main.crt\nssl_key = <{dd}/main.key\n\
             local_name mail.example {{\n  ssl_cert = <{dd}/mail.crt\n  ssl_key = <{dd}/mail.key\n}}\n\
             passdb {{\n  driver = static\n  args = password=unused\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={dd}/home\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {imap}\n  }}\n  inet_listener imaps {{\n    port = {imaps}\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = {pop3_port}\n  }}\n  inet_listener pop3s {{\n    port = {pop3s}\n  }}\n}}\n",
            dd = d.display()
        ),
    )
    .unwrap();
    let mut ports = vec![imap, imaps];
    if pop3 {
        ports.extend([pop3_port, pop3s]);
    }
    let server = start(Command::new(&dovecot).arg("-F").arg("-c").arg(&conf), &ports);

    // The oracle: local_name selects by SNI, the top-level certificate is served without (or
    // with another) name, on STARTTLS and implicit TLS alike.
    assert_eq!(served_cn(imap, Some("mail.example"), Some("imap")), "mail.example");
    assert_eq!(served_cn(imaps, Some("mail.example"), None), "mail.example");
    assert_eq!(served_cn(imaps, None, None), "main.example");
    if pop3 {
        assert_eq!(served_cn(pop3_port, None, Some("pop3")), "main.example");
    }

    let (code, doc) = scan(&conf, d);
    let mut got = endpoints(&doc);
    got.sort();
    let mut want = vec![
        (imap as u64, "imap", "-", "valid", "CN=main.example"),
        (imap as u64, "imap", "mail.example", "valid", "CN=mail.example"),
        (imaps as u64, "-", "-", "valid", "CN=main.example"),
        (imaps as u64, "-", "mail.example", "valid", "CN=mail.example"),
    ];
    if pop3 {
        want.extend([
            (pop3_port as u64, "pop3", "-", "valid", "CN=main.example"),
            (pop3_port as u64, "pop3", "mail.example", "valid", "CN=mail.example"),
            (pop3s as u64, "-", "-", "valid", "CN=main.example"),
            (pop3s as u64, "-", "mail.example", "valid", "CN=mail.example"),
        ]);
    }
    let mut want = own(&want);
    want.sort();
    assert_eq!(got, want, "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // The top-level certificate renewed on disk, Dovecot not reloaded: it serves the old one
    // (its config process read the files at start); the local_name one is untouched.
    renew(d, "main", "main.example", &["main.example"], 7300);
    let (code, doc) = scan(&conf, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    let mut at: Vec<Vec<String>> = stale.iter().map(|f| locations(f)).collect();
    at.sort();
    let c = conf.display();
    let mut want: Vec<(u32, String)> =
        vec![(25, format!("imap+starttls://127.0.0.1:{imap}:0")), (28, format!("tls://127.0.0.1:{imaps}:0"))];
    if pop3 {
        want.extend([
            (33, format!("pop3+starttls://127.0.0.1:{pop3_port}:0")),
            (36, format!("tls://127.0.0.1:{pop3s}:0")),
        ]);
    }
    let mut want: Vec<Vec<String>> = want
        .into_iter()
        .map(|(line, ep)| {
            let mut v = vec![format!("{c}:{line}"), ep];
            v.sort();
            v
        })
        .collect();
    want.sort();
    assert_eq!(at, want, "{doc}");
    assert!(stale.iter().all(|f| f["severity"] == "error"), "{doc}");
    drop(server);
}

/// 1-based line of the first line of `text` that starts with `start`, after line `after`.
fn line_of(text: &str, start: &str, after: usize) -> usize {
    text.lines().enumerate().skip(after).find(|(_, l)| l.trim_start().starts_with(start)).map(|(i, _)| i + 1).unwrap()
}

#[test]
fn apache_virtual_hosts_by_server_name_and_alias() {
    let Some(apache) = common::server_binary("apache2") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    pair(d, "shop", "shop.example", &["shop.example", "www.shop.example"], 3650);
    pair(d, "blog", "blog.example", &["blog.example"], 3650);
    pair(d, "other", "other.example", &["other.example"], 3650);
    let (p1, p2) = (21443u16, 21444u16);
    let m = "/usr/lib/apache2/modules";
    let dd = d.display();
    let vhost = |addr: &str, names: &str, name: &str| {
        format!(
            "<VirtualHost {addr}>\n{names}  SSLEngine on\n  SSLCertificateFile {dd}/{name}.crt\n  \
             SSLCertificateKeyFile {dd}/{name}.key\n</VirtualHost>\n"
        )
    };
    let conf = format!(
        "ServerRoot {dd}\nLoadModule mpm_prefork_module {m}/mod_mpm_prefork.so\n\
         LoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\n\
         LoadModule ssl_module {m}/mod_ssl.so\nPidFile {dd}/apache.pid\nErrorLog {dd}/error.log\nMutex file:{dd} default\n\
         ServerName localhost\nListen 127.0.0.1:{p1}\nListen 127.0.0.1:{p2}\n{}{}{}",
        vhost(&format!("127.0.0.1:{p1}"), "  ServerName shop.example\n  ServerAlias www.shop.example\n", "shop"),
        vhost(&format!("127.0.0.1:{p1}"), "  ServerName blog.example\n", "blog"),
        vhost(&format!("_default_:{p2}"), "", "other"),
    );
    let conf_path = d.join("apache2.conf");
    std::fs::write(&conf_path, &conf).unwrap();
    let server = start(Command::new(&apache).arg("-f").arg(&conf_path).arg("-X"), &[p1, p2]);

    // The oracle: names select the virtual host, the first one of the port answers without SNI.
    assert_eq!(served_cn(p1, Some("www.shop.example"), None), "shop.example");
    assert_eq!(served_cn(p1, Some("blog.example"), None), "blog.example");
    assert_eq!(served_cn(p1, None, None), "shop.example");
    assert_eq!(served_cn(p2, None, None), "other.example");

    let (code, doc) = scan(&conf_path, d);
    let mut got = endpoints(&doc);
    got.sort();
    let mut want = own(&[
        (p1 as u64, "-", "shop.example", "valid", "CN=shop.example"),
        (p1 as u64, "-", "www.shop.example", "valid", "CN=shop.example"),
        (p1 as u64, "-", "-", "valid", "CN=shop.example"),
        (p1 as u64, "-", "blog.example", "valid", "CN=blog.example"),
        (p2 as u64, "-", "-", "valid", "CN=other.example"),
    ]);
    want.sort();
    assert_eq!(got, want, "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk, Apache not reloaded (a graceful restart would load it): the old one.
    renew(d, "shop", "shop.example", &["shop.example", "www.shop.example"], 7300);
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    let mut at: Vec<Vec<String>> = stale.iter().map(|f| locations(f)).collect();
    at.sort();
    let line = line_of(&conf, "<VirtualHost", 0);
    let mut want: Vec<Vec<String>> = ["", " (shop.example)", " (www.shop.example)"]
        .iter()
        .map(|sni| {
            let mut v = vec![format!("{}:{line}", conf_path.display()), format!("tls://127.0.0.1:{p1}{sni}:0")];
            v.sort();
            v
        })
        .collect();
    want.sort();
    assert_eq!(at, want, "{doc}");
    assert!(stale.iter().all(|f| f["severity"] == "error"), "{doc}");
    drop(server);
}

#[test]
fn lighttpd_sockets_and_host_conditions() {
    let Some(lighttpd) = common::server_binary("lighttpd") else { return };
    let module = Path::new("/usr/lib/lighttpd/mod_openssl.so");
    if !module.is_file() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true needs lighttpd-mod-openssl");
        eprintln!("skipped: lighttpd-mod-openssl is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    pair(d, "main", "main.example", &["main.example"], 3650);
    pair(d, "host", "host.example", &["host.example"], 3650);
    pair(d, "other", "other.example", &["other.example"], 3650);
    let (http, p1, p2) = (21080u16, 21543u16, 21544u16);
    let dd = d.display();
    // 21543: its own certificate, another for host.example; 21544: the engine on with the
    // global certificate.
    let conf = format!(
        "server.document-root = \"{dd}\"\nserver.port = {http}\nserver.bind = \"127.0.0.1\"\n\
         server.errorlog = \"{dd}/error.log\"\nserver.modules += (\"mod_openssl\")\n\
         ssl.pemfile = \"{dd}/other.crt\"\nssl.privkey = \"{dd}/other.key\"\n\
         $SERVER[\"socket\"] == \"127.0.0.1:{p1}\" {{\n  ssl.engine = \"enable\"\n  ssl.pemfile = \"{dd}/main.crt\"\n  \
         ssl.privkey = \"{dd}/main.key\"\n  $HTTP[\"host\"] == \"host.example\" {{\n    ssl.pemfile = \"{dd}/host.crt\"\n    \
         ssl.privkey = \"{dd}/host.key\"\n  }}\n}}\n$SERVER[\"socket\"] == \":{p2}\" {{\n  ssl.engine = \"enable\"\n}}\n"
    );
    let conf_path = d.join("lighttpd.conf");
    std::fs::write(&conf_path, &conf).unwrap();
    let server = start(Command::new(&lighttpd).arg("-D").arg("-f").arg(&conf_path), &[p1, p2]);

    // The oracle: a host condition selects by SNI; the socket's own certificate otherwise.
    assert_eq!(served_cn(p1, Some("host.example"), None), "host.example");
    assert_eq!(served_cn(p1, None, None), "main.example");
    assert_eq!(served_cn(p2, None, None), "other.example");

    let (code, doc) = scan(&conf_path, d);
    let mut got = endpoints(&doc);
    got.sort();
    let mut want = own(&[
        (p1 as u64, "-", "-", "valid", "CN=main.example"),
        (p1 as u64, "-", "host.example", "valid", "CN=host.example"),
        (p2 as u64, "-", "-", "valid", "CN=other.example"),
    ]);
    want.sort();
    assert_eq!(got, want, "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk, lighttpd not restarted: it serves the old one.
    renew(d, "main", "main.example", &["main.example"], 7300);
    renew(d, "other", "other.example", &["other.example"], 7300);
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    let mut at: Vec<Vec<String>> = stale.iter().map(|f| locations(f)).collect();
    at.sort();
    let c = conf_path.display();
    let l1 = line_of(&conf, "$SERVER", 0);
    let l2 = line_of(&conf, "$SERVER", l1);
    let mut want: Vec<Vec<String>> = [(l1, p1), (l2, p2)]
        .iter()
        .map(|(line, port)| {
            let mut v = vec![format!("{c}:{line}"), format!("tls://127.0.0.1:{port}:0")];
            v.sort();
            v
        })
        .collect();
    want.sort();
    assert_eq!(at, want, "{doc}");
    drop(server);
}

#[test]
fn postgres_ssl_request_on_port_and_listen_addresses() {
    // Debian keeps the server out of PATH, in /usr/lib/postgresql/VERSION/bin.
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .find(|b| b.join("postgres").is_file() && b.join("initdb").is_file());
    let Some(bin) = bin else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "postgresql is not installed, and CI=true needs it");
        eprintln!("skipped: postgresql is not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // PostgreSQL refuses to run as root: initdb and the server run as the postgres user.
    let chown = Command::new("chown").arg("postgres").arg(d).status().unwrap();
    assert!(chown.success(), "chown postgres (the test needs root to run PostgreSQL as postgres)");
    let as_postgres = |program: &Path| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--clear-groups"]).arg(program);
        c
    };
    let data = d.join("data");
    let init = as_postgres(&bin.join("initdb")).arg("-D").arg(&data).args(["-A", "trust", "-U", "postgres"]).output();
    let init = init.unwrap();
    assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
    pair(&data, "server", "pg.example", &["pg.example"], 3650);
    for f in ["server.crt", "server.key"] {
        let ok = Command::new("chown").arg("postgres").arg(data.join(f)).status().unwrap();
        assert!(ok.success());
    }
    let port = 21432u16;
    let conf_path = data.join("postgresql.conf");
    let mut conf = std::fs::read_to_string(&conf_path).unwrap();
    conf.push_str(&format!(
        "ssl = on\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n",
        d.display()
    ));
    std::fs::write(&conf_path, &conf).unwrap();
    let server = start(as_postgres(&bin.join("postgres")).arg("-D").arg(&data), &[port]);

    assert_eq!(served_cn(port, None, Some("postgres")), "pg.example");
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(endpoints(&doc), own(&[(port as u64, "postgres", "-", "valid", "CN=pg.example")]), "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk, PostgreSQL not reloaded (pg_ctl reload would load it): the old one.
    renew(&data, "server", "pg.example", &["pg.example"], 7300);
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    assert_eq!(stale.len(), 1, "{doc}");
    let line = line_of(&conf, &format!("port = {port}"), 0);
    let mut want = vec![format!("{}:{line}", conf_path.display()), format!("postgres+starttls://127.0.0.1:{port}:0")];
    want.sort();
    assert_eq!(locations(stale[0]), want, "{doc}");
    drop(server);
}

#[test]
fn mariadb_starttls_on_port_and_bind_address() {
    let Some(mariadbd) = common::server_binary("mariadbd") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("data")).unwrap();
    pair(d, "db", "db.example", &["db.example"], 3650);
    let port = 21306u16;
    let dd = d.display();
    // An empty data directory and no grant tables: enough to accept connections and speak TLS.
    let conf = format!(
        "[mysqld]\ndatadir = {dd}/data\nuser = root\nskip-grant-tables\nsocket = {dd}/mysqld.sock\n\
         pid-file = {dd}/mysqld.pid\nlog-error = {dd}/error.log\nport = {port}\nbind-address = 127.0.0.1\n\
         ssl-cert = {dd}/db.crt\nssl-key = {dd}/db.key\n"
    );
    let conf_path = d.join("my.cnf");
    std::fs::write(&conf_path, &conf).unwrap();
    let server = start(Command::new(&mariadbd).arg(format!("--defaults-file={}", conf_path.display())), &[port]);

    assert_eq!(served_cn(port, None, Some("mysql")), "db.example");
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(endpoints(&doc), own(&[(port as u64, "mysql", "-", "valid", "CN=db.example")]), "{doc}");
    assert!(findings(&doc, "stale-cert").is_empty(), "{doc}");
    assert!(findings(&doc, "probe-failed").is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");

    // Renewed on disk, MariaDB not restarted: it serves the old one.
    renew(d, "db", "db.example", &["db.example"], 7300);
    let (code, doc) = scan(&conf_path, d);
    assert_eq!(code, 1, "{doc}");
    let stale = findings(&doc, "stale-cert");
    assert_eq!(stale.len(), 1, "{doc}");
    let line = line_of(&conf, "port =", 0);
    let mut want = vec![format!("{}:{line}", conf_path.display()), format!("mysql+starttls://127.0.0.1:{port}:0")];
    want.sort();
    assert_eq!(locations(stale[0]), want, "{doc}");
    drop(server);
}
