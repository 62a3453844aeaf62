//! Hostile input and a safe edge (issue #10): keymatch runs as root from cron over trees other
//! people wrote. Each test here failed on the code before the fix: `--output` onto special files
//! and planted links, `--root` escaped by relative links, oversized input, `check` exiting 0
//! without proof, foreign settings files, control characters in names, `-j`, copies paired N × N,
//! option errors, and passphrases in `Debug`.

mod common;

use common::{openssl_ok, sibling_pair};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Run keymatch in `dir` (no colour, no passphrase from the environment), feeding `stdin` from a
/// thread (keymatch may stop reading early); fail if it runs for more than a minute.
fn run(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (i32, String, String) {
    run_wrapped(dir, &[], args, stdin)
}

/// [`run`], with keymatch started through `wrapper` (a command and its arguments) when not empty.
fn run_wrapped(dir: &Path, wrapper: &[&str], args: &[&str], stdin: Option<Vec<u8>>) -> (i32, String, String) {
    let bin = env!("CARGO_BIN_EXE_keymatch");
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let mut child = cmd
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("KEYMATCH_PASSPHRASE")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keymatch");
    let feeder = stdin.map(|bytes| {
        let mut input = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        })
    });
    // Collect the output on a thread (a report larger than a pipe must not block keymatch).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("keymatch {args:?} did not finish within a minute");
        }
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
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
    let mut v: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect();
    v.sort();
    v
}

/// A directory with one matching P-256 pair `site.crt` + `site.key` (mode 0600).
fn pair_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    sibling_pair(tmp.path(), "site", common::P256, 3650, false);
    fs::set_permissions(tmp.path().join("site.key"), fs::Permissions::from_mode(0o600)).expect("chmod");
    tmp
}

// 1. --output never replaces a special file.

#[test]
fn output_onto_a_fifo_or_device_writes_into_it_and_keeps_it() {
    let tmp = pair_dir();
    let d = tmp.path();
    // A device node like /dev/null (char 1:3), made here rather than touching the machine's.
    let made = Command::new("mknod").arg(d.join("null")).args(["c", "1", "3"]).status().expect("mknod");
    assert!(made.success(), "mknod needs root (the suite runs as root)");
    let (code, out, err) = run(d, &["scan", "--no-config", "site.crt", "site.key", "-o", "null"], None);
    assert_eq!(code, 0, "{out}{err}");
    let meta = fs::symlink_metadata(d.join("null")).expect("stat");
    assert!(meta.file_type().is_char_device(), "the device node was replaced by a {:?}", meta.file_type());
    assert_eq!(meta.rdev(), libc_makedev(1, 3));

    // A FIFO: the report goes through it to its reader, and the FIFO stays.
    let made = Command::new("mkfifo").arg(d.join("pipe")).status().expect("mkfifo");
    assert!(made.success());
    let fifo = d.join("pipe");
    let reader = std::thread::spawn(move || fs::read_to_string(fifo).expect("read fifo"));
    let (code, _, err) = run(d, &["scan", "--no-config", "site.crt", "site.key", "-o", "pipe"], None);
    assert_eq!(code, 0, "{err}");
    let got = reader.join().expect("reader");
    assert!(got.contains("MATCH site.crt + site.key"), "the reader got the report: {got}");
    assert!(fs::symlink_metadata(d.join("pipe")).expect("stat").file_type().is_fifo(), "the FIFO was replaced");
}

fn libc_makedev(major: u64, minor: u64) -> u64 {
    (major << 8) | minor
}

#[test]
fn output_refuses_a_directory_a_socket_and_a_link_to_a_file() {
    let tmp = pair_dir();
    let d = tmp.path();
    fs::write(d.join("victim"), "precious").expect("write");
    symlink("victim", d.join("link.prom")).expect("symlink");
    fs::create_dir(d.join("dir.prom")).expect("mkdir");
    let _sock = std::os::unix::net::UnixListener::bind(d.join("sock.prom")).expect("bind");
    for target in ["link.prom", "dir.prom", "sock.prom"] {
        let (code, out, err) = run(d, &["scan", "--no-config", "site.crt", "site.key", "-o", target], None);
        assert_eq!(code, 2, "{target}: {out}{err}");
        assert!(err.contains(target) && err.contains("--output"), "{target}: {err}");
    }
    assert!(fs::symlink_metadata(d.join("link.prom")).expect("stat").file_type().is_symlink(), "link replaced");
    assert_eq!(fs::read_to_string(d.join("victim")).expect("read"), "precious");
    assert!(fs::symlink_metadata(d.join("sock.prom")).expect("stat").file_type().is_socket(), "socket replaced");
    let left: Vec<String> =
        fs::read_dir(d).expect("ls").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(!left.iter().any(|n| n.ends_with(".tmp")), "temporary files left: {left:?}");
}

// 2. The temporary file is unpredictable and created exclusively.

#[test]
fn planted_temporary_name_links_are_never_followed() {
    let tmp = pair_dir();
    let d = tmp.path();
    let out_dir = d.join("textfile");
    fs::create_dir(&out_dir).expect("mkdir");
    fs::write(d.join("victim"), "precious").expect("write");
    // The old name was `.NAME.PID.tmp`. In a new PID namespace keymatch is PID 1, so the name is
    // known; where namespaces are not allowed, plant links for the next few thousand PIDs.
    let in_namespace = Command::new("unshare").args(["--pid", "--fork", "true"]).status().is_ok_and(|s| s.success());
    let wrapper: &[&str] = if in_namespace { &["unshare", "--pid", "--fork"] } else { &[] };
    let last: u32 = fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("/proc/sys/kernel/ns_last_pid");
    let pids: Vec<u32> = (1..100).chain(last + 1..last + 2900).collect();
    for pid in &pids {
        symlink(d.join("victim"), out_dir.join(format!(".keymatch.prom.{pid}.tmp"))).expect("plant");
    }
    fs::write(out_dir.join("keymatch.prom"), "old").expect("write");
    fs::set_permissions(out_dir.join("keymatch.prom"), fs::Permissions::from_mode(0o644)).expect("chmod");
    let args =
        ["scan", "--no-config", "--format", "prometheus", "-o", "textfile/keymatch.prom", "site.crt", "site.key"];
    let (code, _, err) = run_wrapped(d, wrapper, &args, None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read_to_string(d.join("victim")).expect("read"), "precious", "a planted link was followed");
    let written = fs::read_to_string(out_dir.join("keymatch.prom")).expect("read");
    assert!(written.contains("keymatch_pair_match{"), "{written}");
    let meta = fs::symlink_metadata(out_dir.join("keymatch.prom")).expect("stat");
    assert!(meta.file_type().is_file());
    assert_eq!(meta.mode() & 0o777, 0o644, "the replaced file's mode is kept");
    let links = fs::read_dir(&out_dir)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_symlink()).unwrap_or(false))
        .count();
    assert_eq!(links, pids.len(), "every planted link is still a link");
    let tmps = fs::read_dir(&out_dir)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .count();
    assert_eq!(tmps, 1, "no temporary file left beside the report");
}

// 8. -j is bounded.

#[test]
fn absurd_job_counts_are_refused_at_once() {
    let tmp = pair_dir();
    let (code, out, err) = run(tmp.path(), &["scan", "--no-config", "-j", "100000", "."], None);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("-j") && err.contains("100000"), "{err}");
    assert!(out.is_empty());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let most = (4 * cores).to_string();
    let (code, out, err) = run(tmp.path(), &["scan", "--no-config", "-j", &most, "--format", "json", "."], None);
    assert_eq!(code, 0, "4 per core is allowed: {err}");
    assert_eq!(json(&out)["summary"]["pairs"], 1);
}

// 10. Errors about files named by options name the option.

#[test]
fn option_file_errors_name_the_option_and_the_file() {
    let tmp = pair_dir();
    let d = tmp.path();
    let (code, _, err) = run(d, &["check", "site.crt", "site.key", "--passphrase-file", "no-such-pass.txt"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--passphrase-file") && err.contains("no-such-pass.txt"), "{err}");
    let (code, _, err) = run(d, &["scan", "--config", "no-such.toml", "."], None);
    assert_eq!(code, 2);
    assert!(err.contains("--config") && err.contains("no-such.toml"), "{err}");
    fs::write(d.join("bad.toml"), "warn-days = 3\nnope = 1\n").expect("write");
    let (code, _, err) = run(d, &["check", "site.crt", "site.key", "--config", "bad.toml"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--config") && err.contains("bad.toml:2"), "{err}");
}

// 7. Control characters in names cannot forge report lines or drive the terminal.

#[test]
fn control_characters_in_names_are_escaped_in_human_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    openssl_ok(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem"]);
    openssl_ok(d, &["req", "-x509", "-new", "-key", "k.pem", "-subj", "/CN=x", "-days", "30", "-out", "c.pem"]);
    let key_name = "evil\nMATCH all-good.crt + all-good.key\n.key";
    let cert_name = "clear\x1b[2J\x1b]0;owned\x07.crt";
    fs::rename(d.join("k.pem"), d.join(key_name)).expect("rename");
    fs::rename(d.join("c.pem"), d.join(cert_name)).expect("rename");
    // Not siblings: the index pairs them (a MATCH line naming both files), plus an orphan.
    openssl_ok(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "o.pem"]);
    fs::rename(d.join("o.pem"), d.join("lone\r\u{202e}yek.key")).expect("rename");
    let (code, out, err) = run(d, &["scan", "--no-config", "--color", "always", "."], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.lines().any(|l| l.starts_with("MATCH all-good")), "an injected line:\n{out}");
    assert!(out.contains("evil\\nMATCH all-good.crt + all-good.key\\n.key"), "{out}");
    assert!(out.contains("clear\\u{1b}[2J\\u{1b}]0;owned\\u{7}.crt"), "{out}");
    assert!(out.contains("lone\\r\\u{202e}yek.key"), "{out}");
    for bad in ["\x1b[2J", "\x1b]0", "\x07", "\r", "\u{202e}"] {
        assert!(!out.contains(bad), "{bad:?} printed raw:\n{out}");
    }
    // Colour codes keymatch writes itself are still there.
    assert!(out.contains("\x1b[1;32mMATCH\x1b[0m"), "{out}");
    // JSON keeps the names exact (escaped by JSON itself).
    let (_, out, _) = run(d, &["scan", "--no-config", "--format", "json", "."], None);
    assert!(out.contains("evil\\nMATCH all-good.crt + all-good.key\\n.key"), "{out}");
    assert!(out.contains("clear\\u001b[2J"), "{out}");
}

// 3. --root confines relative links too.

#[test]
fn relative_links_cannot_climb_out_of_the_root() {
    let host = tempfile::tempdir().expect("tempdir");
    let h = host.path();
    // The host's own key and certificate, which the image must never reach.
    sibling_pair(h, "hostsecret", common::P256, 3650, false);
    let img = h.join("img");
    fs::create_dir_all(img.join("etc/ssl")).expect("mkdir");
    sibling_pair(&img.join("etc/ssl"), "site", common::P256, 3650, false);
    fs::remove_file(img.join("etc/ssl/site.key")).expect("rm");
    // `../` far past the root, then the host path of the host's key.
    let climb =
        format!("{}{}", "../".repeat(12), h.join("hostsecret.key").display().to_string().trim_start_matches('/'));
    symlink(&climb, img.join("etc/ssl/site.key")).expect("symlink");
    // And a directory link that climbs out, with the key named through it.
    symlink(format!("{}{}", "../".repeat(12), h.display().to_string().trim_start_matches('/')), img.join("etc/up"))
        .expect("symlink");
    symlink("../up/hostsecret.crt", img.join("etc/ssl/other.crt")).expect("symlink");
    let host_fp = {
        let (_, out, _) = run(h, &["check", "hostsecret.crt", "hostsecret.key", "--format", "json"], None);
        json(&out)["pairs"][0]["key_fingerprint"].as_str().expect("fingerprint").to_string()
    };
    let (code, out, err) = run(h, &["scan", "--no-config", "--root", "img", "--format", "json"], None);
    let doc = json(&out);
    assert!(!out.contains(&host_fp), "the host's key was read through the image:\n{out}");
    assert!(!out.contains("hostsecret.example"), "the host's certificate was read:\n{out}");
    assert_eq!(code, 1, "{out}{err}");
    let missing: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "missing-file")
        .filter_map(|f| f["locations"][0]["path"].as_str())
        .collect();
    assert!(missing.contains(&"img/etc/ssl/site.key"), "the escaping link dangles inside the image: {out}");
    // The same from inside the image, `--root .` (root and paths spelled differently).
    let (_, out, _) = run(&img, &["scan", "--no-config", "--root", ".", "--format", "json"], None);
    assert!(!out.contains(&host_fp) && !out.contains("hostsecret.example"), "--root . escaped:\n{out}");
    assert!(json(&out)["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["code"] == "missing-file")), "{out}");
    // --follow descends directory links: an absolute one to a host directory is still looked up
    // inside the image.
    fs::create_dir(h.join("hostonly")).expect("mkdir");
    sibling_pair(&h.join("hostonly"), "hostonly", common::P256, 3650, false);
    symlink(h.join("hostonly"), img.join("etc/hostdir")).expect("symlink");
    let (_, out, err) = run(h, &["scan", "--no-config", "--root", "img", "--follow", "--format", "json"], None);
    assert!(!out.contains("hostonly.example"), "a host directory was read through the image:\n{out}{err}");
    assert!(!out.contains(&host_fp), "{out}");
}

// 4. Nothing over the size cap is silent.

/// `kubectl get secrets -A -o yaml` of a cluster: `padding` opaque secrets of 3 KiB, with one TLS
/// secret whose key is not its certificate's in the middle.
fn secret_list(dir: &Path, padding: usize) -> Vec<u8> {
    use base64::Engine;
    sibling_pair(dir, "shop", common::P256, 3650, true);
    let b64 = |p: &str| base64::engine::general_purpose::STANDARD.encode(fs::read(dir.join(p)).expect("read"));
    let blob = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 3000]);
    let mut items = Vec::new();
    for i in 0..padding {
        items.push(format!(
            "- apiVersion: v1\n  data:\n    blob: {blob}\n  kind: Secret\n  metadata:\n    name: opaque-{i}\n    namespace: default\n  type: Opaque\n"
        ));
    }
    items.insert(
        padding / 2,
        format!(
            "- apiVersion: v1\n  data:\n    tls.crt: {}\n    tls.key: {}\n  kind: Secret\n  metadata:\n    name: shop-tls\n    namespace: web\n  type: kubernetes.io/tls\n",
            b64("shop.crt"),
            b64("shop.key")
        ),
    );
    format!("apiVersion: v1\nitems:\n{}kind: List\nmetadata:\n  resourceVersion: \"\"\n", items.concat()).into_bytes()
}

#[test]
fn a_large_secret_list_on_standard_input_is_read_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = secret_list(tmp.path(), 700);
    assert!(list.len() > 2 * 1024 * 1024, "{} bytes", list.len());
    let (code, out, err) = run(tmp.path(), &["scan", "--no-config", "--format", "json", "-"], Some(list.clone()));
    let doc = json(&out);
    assert_eq!(code, 1, "{out}{err}");
    assert!(codes(&doc).contains(&"key-mismatch".to_string()), "{out}");
    assert_eq!(doc["summary"]["certificates"], 1);
    // With the limit given explicitly, the stream is refused out loud.
    let (code, out, _) =
        run(tmp.path(), &["scan", "--no-config", "--format", "json", "--max-file-size", "1M", "-"], Some(list));
    let doc = json(&out);
    assert_eq!(code, 1, "{out}");
    let f = &doc["findings"][0];
    assert_eq!((f["code"].as_str(), f["severity"].as_str()), (Some("unreadable"), Some("error")), "{out}");
    assert_eq!(f["locations"][0]["path"], "-");
    assert!(f["message"].as_str().unwrap_or("").contains("--max-file-size"), "{out}");
}

#[test]
fn oversized_files_always_get_a_finding_and_named_ones_fail() {
    let tmp = pair_dir();
    let d = tmp.path();
    // A bundle over 1 MiB: certificates repeated (a walked file: a warning).
    let cert = fs::read_to_string(d.join("site.crt")).expect("read");
    fs::create_dir(d.join("tree")).expect("mkdir");
    fs::write(d.join("tree/bundle.pem"), cert.repeat(2 * 1024 * 1024 / cert.len())).expect("write");
    // A large non-certificate file is not reported.
    fs::write(d.join("tree/blob.bin"), vec![0u8; 2 * 1024 * 1024]).expect("write");
    let (code, out, err) = run(d, &["scan", "--no-config", "--format", "json", "tree"], None);
    let doc = json(&out);
    assert_eq!(code, 0, "{out}{err}");
    let found: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            (s(&f["code"]), s(&f["severity"]), s(&f["locations"][0]["path"]))
        })
        .collect();
    assert_eq!(found, vec![("unreadable".into(), "warning".into(), "tree/bundle.pem".into())], "{out}");
    // Named on the command line: an error.
    let (code, out, _) = run(d, &["scan", "--no-config", "--format", "json", "tree/bundle.pem"], None);
    assert_eq!(code, 1, "{out}");
    assert_eq!(json(&out)["findings"][0]["severity"], "error", "{out}");
    // Named by a server config: an error at the pair.
    fs::create_dir(d.join("nginx")).expect("mkdir");
    let conf = format!(
        "events {{}}\nhttp {{\nserver {{\n  listen 443 ssl;\n  ssl_certificate {};\n  ssl_certificate_key {};\n}}\n}}\n",
        d.join("tree/bundle.pem").display(),
        d.join("site.key").display()
    );
    fs::write(d.join("nginx/nginx.conf"), conf).expect("write");
    let (code, out, _) = run(d, &["scan", "--no-config", "--format", "json", "nginx"], None);
    let doc = json(&out);
    assert_eq!(code, 1, "{out}");
    let big: Vec<&serde_json::Value> =
        doc["findings"].as_array().expect("findings").iter().filter(|f| f["code"] == "unreadable").collect();
    assert_eq!(big.len(), 1, "{out}");
    assert_eq!(big[0]["severity"], "error", "{out}");
}

// 5. `check` exits 0 only when it proved the pair.

#[test]
fn check_fails_when_it_proves_nothing() {
    let tmp = pair_dir();
    let d = tmp.path();
    let (code, out, err) = run(d, &["check", "site.crt", "site.key"], None);
    assert_eq!(code, 0, "the proof still passes: {out}{err}");
    fs::create_dir(d.join("adir")).expect("mkdir");
    assert!(Command::new("mkfifo").arg(d.join("fifo")).status().expect("mkfifo").success());
    assert!(Command::new("mknod").arg(d.join("zero")).args(["c", "1", "5"]).status().expect("mknod").success());
    let cert = fs::read_to_string(d.join("site.crt")).expect("read");
    let key = fs::read_to_string(d.join("site.key")).expect("read");
    fs::write(d.join("big.pem"), format!("{key}{}", cert.repeat(2 * 1024 * 1024 / cert.len()))).expect("write");
    openssl_ok(d, &["pkey", "-in", "site.key", "-aes256", "-passout", "pass:right", "-out", "enc.key"]);
    fs::write(d.join("wrong.txt"), "wrong\n").expect("write");
    fs::write(d.join("right.txt"), "right\n").expect("write");
    for (args, verdict) in [
        (vec!["site.crt", "adir"], "unreadable"),
        (vec!["adir", "site.key"], "unreadable"),
        (vec!["site.crt", "fifo"], "unreadable"),
        (vec!["zero", "site.key"], "unreadable"),
        (vec!["big.pem"], "unreadable"),
        (vec!["site.crt", "enc.key"], "encrypted"),
        (vec!["site.crt", "enc.key", "--passphrase-file", "wrong.txt"], "encrypted"),
    ] {
        let mut all = vec!["check", "--format", "json"];
        all.extend(&args);
        let (code, out, err) = run(d, &all, None);
        assert_eq!(code, 1, "{args:?} proved nothing but exited {code}: {out}{err}");
        assert_eq!(json(&out)["pairs"][0]["verdict"], verdict, "{args:?}: {out}");
    }
    let (code, out, err) = run(d, &["check", "site.crt", "enc.key", "--passphrase-file", "right.txt"], None);
    assert_eq!(code, 0, "{out}{err}");
}

// 6. A settings file someone else could write is not obeyed, and suppression is always counted.

#[test]
fn foreign_or_world_writable_settings_are_ignored_with_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    fs::create_dir(d.join("site")).expect("mkdir");
    sibling_pair(&d.join("site"), "shop", common::P256, 3650, true);
    fs::set_permissions(d.join("site/shop.key"), fs::Permissions::from_mode(0o600)).expect("chmod");
    let conf = d.join(".keymatch.toml");
    fs::write(&conf, "allow = [\"key-mismatch\"]\nfail-on = \"never\"\n").expect("write");
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o644)).expect("chmod");
    // Trusted (ours): obeyed, and the suppression is counted and named.
    let (code, out, err) = run(d, &["scan", "--format", "json", "site"], None);
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    assert_eq!(doc["summary"]["suppressed"], 1, "{out}");
    assert_eq!(doc["summary"]["suppressed_by"][0]["source"], ".keymatch.toml", "{out}");
    assert_eq!(doc["summary"]["suppressed_by"][0]["code"], "key-mismatch", "{out}");
    let (_, out, _) = run(d, &["scan", "site"], None);
    assert!(out.contains("1 finding not reported (allow): 1 key-mismatch by .keymatch.toml"), "{out}");
    let (code, out, _) = run(d, &["check", "site/shop.crt", "site/shop.key"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 finding not reported (allow): 1 key-mismatch by .keymatch.toml"), "{out}");
    // Owned by nobody: ignored, for scan and check, with a warning naming it.
    std::os::unix::fs::chown(&conf, Some(65534), Some(65534)).expect("chown (the suite runs as root)");
    for args in
        [vec!["scan", "--format", "json", "site"], vec!["check", "--format", "json", "site/shop.crt", "site/shop.key"]]
    {
        let (code, out, err) = run(d, &args, None);
        assert_eq!(code, 1, "{args:?}: the mismatch is reported: {out}{err}");
        assert!(codes(&json(&out)).contains(&"key-mismatch".to_string()), "{out}");
        assert_eq!(json(&out)["summary"]["suppressed"], 0);
        assert!(err.contains("warning") && err.contains(".keymatch.toml") && err.contains("65534"), "{err}");
    }
    // Named with --config: refused (exit 2), not silently used.
    let (code, _, err) = run(d, &["scan", "--config", ".keymatch.toml", "site"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--config .keymatch.toml"), "{err}");
    // Ours but writable by others: ignored too.
    std::os::unix::fs::chown(&conf, Some(0), Some(0)).expect("chown");
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o666)).expect("chmod");
    let (code, out, err) = run(d, &["scan", "site"], None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("writable by others"), "{err}");
}

// 9. Copies pair once, not N × N.

#[test]
fn thousands_of_copies_make_one_pair_with_the_copies_listed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    sibling_pair(d, "orig", common::P256, 3650, false);
    let (cert, key) = (fs::read(d.join("orig.crt")).expect("read"), fs::read(d.join("orig.key")).expect("read"));
    fs::create_dir_all(d.join("t/certs")).expect("mkdir");
    fs::create_dir_all(d.join("t/keys")).expect("mkdir");
    const N: usize = 2000;
    for i in 0..N {
        fs::write(d.join(format!("t/certs/c{i:04}.pem")), &cert).expect("write");
        let k = d.join(format!("t/keys/k{i:04}.pem"));
        fs::write(&k, &key).expect("write");
        fs::set_permissions(&k, fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    // One copy readable by all: still reported although it is only a copy.
    fs::set_permissions(d.join("t/keys/k0777.pem"), fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, out, err) = run(d, &["scan", "--no-config", "--format", "json", "t"], None);
    assert_eq!(code, 0, "{err}");
    let doc = json(&out);
    assert_eq!(doc["summary"]["certificates"], N);
    assert_eq!(doc["summary"]["keys"], N);
    assert_eq!(doc["summary"]["pairs"], 1, "one pair for identical copies");
    let pair = &doc["pairs"][0];
    assert_eq!(pair["verdict"], "match");
    assert_eq!(
        (pair["cert"]["path"].as_str(), pair["key"]["path"].as_str()),
        (Some("t/certs/c0000.pem"), Some("t/keys/k0000.pem"))
    );
    assert_eq!(pair["cert_copies"].as_array().map(Vec::len), Some(N - 1));
    assert_eq!(pair["key_copies"].as_array().map(Vec::len), Some(N - 1));
    assert_eq!(pair["key_copies"][0], "t/keys/k0001.pem");
    let found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or("").into(), f["locations"][0]["path"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(found, vec![("key-permissions".to_string(), "t/keys/k0777.pem".to_string())], "{found:?}");
    let (_, human, _) = run(d, &["scan", "--no-config", "t"], None);
    // Human output wraps long lines at 100 columns: compare with the line breaks undone.
    let unwrapped = human.replace("\n      ", " ");
    assert!(human.lines().all(|l| l.chars().count() <= 100), "{}", &human[..human.len().min(2000)]);
    assert!(
        unwrapped.contains("identical copies checked with it: 1999 of the certificate (t/certs/c0001.pem, t/certs/c0002.pem, t/certs/c0003.pem, and 1996 more)"),
        "{}",
        &human[..human.len().min(2000)]
    );
}

#[test]
fn the_same_key_in_another_encoding_is_checked_on_its_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    sibling_pair(d, "orig", common::P256, 3650, false);
    fs::create_dir_all(d.join("t/a")).expect("mkdir");
    fs::create_dir_all(d.join("t/b")).expect("mkdir");
    for (dir, n) in [("a", 3), ("b", 2)] {
        for i in 0..n {
            fs::copy(d.join("orig.crt"), d.join(format!("t/{dir}/cert{i}.pem"))).expect("copy");
            let k = d.join(format!("t/{dir}/private{i}.pem"));
            fs::copy(d.join("orig.key"), &k).expect("copy");
            fs::set_permissions(&k, fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    }
    // The same key in another encoding (SEC1) is other material: checked on its own.
    openssl_ok(d, &["ec", "-in", "orig.key", "-out", "t/b/private9.pem"]);
    fs::set_permissions(d.join("t/b/private9.pem"), fs::Permissions::from_mode(0o600)).expect("chmod");
    let (code, out, err) = run(d, &["scan", "--no-config", "--format", "json", "t"], None);
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    let mut pairs: Vec<String> = doc["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            format!(
                "{} + {} ({} cert copies, {} key copies)",
                p["cert"]["path"].as_str().unwrap_or("?"),
                p["key"]["path"].as_str().unwrap_or("?"),
                p["cert_copies"].as_array().map(Vec::len).unwrap_or(0),
                p["key_copies"].as_array().map(Vec::len).unwrap_or(0)
            )
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        vec![
            "t/a/cert0.pem + t/a/private0.pem (4 cert copies, 4 key copies)".to_string(),
            "t/a/cert0.pem + t/b/private9.pem (4 cert copies, 0 key copies)".to_string(),
        ],
        "{out}"
    );
}

#[test]
fn a_scan_leaves_the_access_times_of_what_it_reads() {
    // Reading a file or listing a directory sets its access time (relatime: when it is older
    // than the modification time or a day old). keymatch opens with O_NOATIME (it owns these
    // files; root may always), so a cron audit leaves no trace in the tree it reads.
    let dir = pair_dir();
    let d = dir.path();
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
    let times = fs::FileTimes::new().set_accessed(long_ago).set_modified(long_ago);
    let entries: Vec<std::path::PathBuf> =
        fs::read_dir(d).expect("list").map(|e| e.expect("entry").path()).chain([d.to_path_buf()]).collect();
    assert!(entries.len() >= 3, "a certificate, a key and their directory");
    for p in &entries {
        fs::File::open(p).expect("open").set_times(times).expect("set times");
    }
    let atimes = || entries.iter().map(|p| fs::metadata(p).expect("stat").atime()).collect::<Vec<_>>();
    let before = atimes();
    let (code, out, err) = run(d, &["scan", "--format", "json", "."], None);
    assert!(code == 0 || code == 1, "{code}: {err}");
    assert_eq!(json(&out)["summary"]["pairs"], 1, "the pair was read: {out}");
    assert_eq!(atimes(), before, "access times unchanged");
}

#[test]
fn files_of_another_owner_are_read_when_o_noatime_is_refused() {
    // Root without CAP_FOWNER (a container that drops it) over files another user owns: the
    // kernel refuses O_NOATIME (EPERM), and keymatch opens them without it.
    let dir = pair_dir();
    let d = dir.path();
    for e in fs::read_dir(d).expect("list") {
        std::os::unix::fs::chown(e.expect("entry").path(), Some(65534), Some(65534))
            .expect("chown (the suite runs as root)");
    }
    std::os::unix::fs::chown(d, Some(65534), Some(65534)).expect("chown");
    let (code, out, err) =
        run_wrapped(d, &["setpriv", "--bounding-set", "-fowner", "--"], &["scan", "--format", "json", "."], None);
    assert!(code == 0 || code == 1, "{code}: {err}");
    assert_eq!(json(&out)["summary"]["pairs"], 1, "the pair was read: {out}");
    assert!(codes(&json(&out)).iter().all(|c| c != "unreadable"), "{out}");
}
