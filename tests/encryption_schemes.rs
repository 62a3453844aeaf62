//! Every encryption scheme `openssl pkcs8 -topk8` (and legacy PEM) can write,
//! against the two oracles that decide what a server does with it: `openssl
//! pkey -passin` with the default provider only (OpenSSL 3.0 as nginx, HAProxy
//! and Apache load keys), and `nginx -t` with `ssl_password_file`.
//!
//! keymatch must decrypt to a checked pair exactly the keys OpenSSL opens, and
//! report `server-cannot-load` (error) for the ones it cannot open, with or
//! without a passphrase — except the schemes in [`KEYMATCH_CANNOT_DECRYPT`],
//! which OpenSSL opens and keymatch reports as `encrypted-key` (warning).
//! The keys are made fresh by the openssl CLI in a temporary directory, and
//! the few it cannot write (PBES2 with AES-GCM, scrypt above 32 MiB) by the
//! `pkcs5` crate.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const PASSPHRASE: &str = "scheme-test-pass";

/// (name, openssl arguments writing `key.pem` from `plain.pem`, needs the legacy provider to write).
const SCHEMES: &[(&str, &[&str])] = &[
    // PKCS#12 PBE (RFC 7292 Appendix C)
    ("PBE-SHA1-3DES", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES"]),
    ("PBE-SHA1-2DES", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-2DES"]),
    ("PBE-SHA1-RC4-128", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-RC4-128"]),
    ("PBE-SHA1-RC4-40", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-RC4-40"]),
    ("PBE-SHA1-RC2-128", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-RC2-128"]),
    ("PBE-SHA1-RC2-40", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-RC2-40"]),
    // PBES1 (RFC 8018 §6.1)
    ("PBE-MD5-DES", &["pkcs8", "-topk8", "-v1", "PBE-MD5-DES"]),
    ("PBE-SHA1-DES", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-DES"]),
    ("PBE-SHA1-RC2-64", &["pkcs8", "-topk8", "-v1", "PBE-SHA1-RC2-64"]),
    // PBES2 (RFC 8018 §6.2): ciphers
    ("PBES2 AES-256-CBC", &["pkcs8", "-topk8", "-v2", "aes-256-cbc"]),
    ("PBES2 DES-EDE3-CBC", &["pkcs8", "-topk8", "-v2", "des3"]),
    ("PBES2 DES-CBC", &["pkcs8", "-topk8", "-v2", "des-cbc"]),
    ("PBES2 RC2-CBC", &["pkcs8", "-topk8", "-v2", "rc2-cbc"]),
    ("PBES2 BF-CBC", &["pkcs8", "-topk8", "-v2", "bf-cbc"]),
    ("PBES2 CAST5-CBC", &["pkcs8", "-topk8", "-v2", "cast5-cbc"]),
    ("PBES2 SEED-CBC", &["pkcs8", "-topk8", "-v2", "seed-cbc"]),
    ("PBES2 CAMELLIA-256-CBC", &["pkcs8", "-topk8", "-v2", "camellia-256-cbc"]),
    ("PBES2 ARIA-128-CBC", &["pkcs8", "-topk8", "-v2", "aria-128-cbc"]),
    ("PBES2 SM4-CBC", &["pkcs8", "-topk8", "-v2", "sm4-cbc"]),
    ("PBES2 AES-256-OFB", &["pkcs8", "-topk8", "-v2", "aes-256-ofb"]),
    // PBES2: PBKDF2 PRFs and scrypt
    ("PBKDF2-HMAC-SHA1", &["pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"]),
    ("PBKDF2-HMAC-SHA224", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"]),
    ("PBKDF2-HMAC-SHA384", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"]),
    ("PBKDF2-HMAC-SHA512", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"]),
    ("PBKDF2-HMAC-SHA512-256", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512-256"]),
    ("PBKDF2-HMAC-MD5", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithMD5"]),
    ("scrypt", &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-scrypt"]),
    // Legacy PEM (Proc-Type: 4,ENCRYPTED)
    ("legacy AES-256-CBC", &["ec", "-aes256"]),
    ("legacy DES-EDE3-CBC", &["ec", "-des3"]),
    ("legacy DES-EDE-CBC", &["ec", "-des-ede-cbc"]),
    ("legacy DES-CBC", &["ec", "-des"]),
    ("legacy BF-CBC", &["ec", "-bf"]),
    ("legacy RC2-CBC", &["ec", "-rc2-cbc"]),
    ("legacy CAMELLIA-128-CBC", &["ec", "-camellia128"]),
];

/// Schemes OpenSSL 3.0 opens that keymatch does not decrypt (no RustCrypto
/// support wired in, and rare): the key stays `encrypted-key`, a warning.
const KEYMATCH_CANNOT_DECRYPT: &[&str] = &[
    "PBES2 CAMELLIA-256-CBC",
    "PBES2 ARIA-128-CBC",
    "PBES2 SM4-CBC",
    "PBES2 AES-256-OFB",
    "PBKDF2-HMAC-SHA512-256",
    "PBKDF2-HMAC-MD5",
    "legacy CAMELLIA-128-CBC",
];

/// Schemes openssl does not write, made with the `pkcs5` crate: PBES2 with
/// AES-GCM (which `pkcs5` decrypts and OpenSSL 3.0 refuses), and scrypt around
/// OpenSSL's 32 MiB limit (128·r·p + 128·r·(N+2) bytes). (name, log2 N, r, GCM?)
const MADE_HERE: &[(&str, u8, u32, bool)] = &[
    ("PBES2 scrypt AES-256-GCM", 10, 8, true),
    ("PBES2 scrypt N=2^14 r=8 (16 MiB)", 14, 8, false),
    ("PBES2 scrypt N=2^15 r=8 (32 MiB + 3 KiB)", 15, 8, false),
    ("PBES2 scrypt N=2^14 r=16 (32 MiB + 4 KiB)", 14, 16, false),
];

/// The PKCS#8 encryption of `plain.pem` under a `pkcs5` PBES2 scheme, as PEM.
fn pkcs5_key(dir: &Path, log_n: u8, r: u32, gcm: bool) -> String {
    use pkcs5::der::Encode;
    use pkcs5::pbes2::Parameters;
    let der = openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", "plain.pem", "-outform", "DER"], dir, b"").unwrap();
    let params = pkcs5::scrypt::Params::new(log_n, r, 1).unwrap();
    let scheme = if gcm {
        Parameters::scrypt_aes256gcm(params, &[7; 16], [9; 12]).unwrap()
    } else {
        Parameters::generate_scrypt_aes256cbc(params, &[7; 16], [9; 16]).unwrap()
    };
    let encrypted = scheme.encrypt(PASSPHRASE, &der).unwrap();
    let alg = pkcs5::EncryptionScheme::from(scheme).to_der().unwrap();
    let data = pkcs5::der::asn1::OctetString::new(encrypted).unwrap().to_der().unwrap();
    let body = [alg, data].concat();
    let mut epki = vec![0x30, 0x82];
    epki.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    epki.extend(body);
    pem_rfc7468::encode_string("ENCRYPTED PRIVATE KEY", pem_rfc7468::LineEnding::LF, &epki).unwrap()
}

fn file_name(scheme: &str) -> String {
    scheme.replace(' ', "_") + ".pem"
}

/// A P-256 key, its self-signed certificate, the passphrase file, and every
/// scheme's encrypted key, written with the default provider when OpenSSL can
/// and with the legacy provider otherwise.
fn make_keys(dir: &Path) {
    std::fs::write(dir.join("pass"), format!("{PASSPHRASE}\n")).unwrap();
    openssl_ok(dir, &[&["genpkey", "-out", "plain.pem"], P256].concat());
    openssl_ok(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "plain.pem",
            "-subj",
            "/CN=schemes.test",
            "-days",
            "36500",
            "-out",
            "cert.pem",
        ],
    );
    for (scheme, args) in SCHEMES {
        let out = file_name(scheme);
        let io = ["-in", "plain.pem", "-passout", "file:pass", "-out", out.as_str()];
        let default = Command::new("openssl").args(*args).args(io).current_dir(dir).output().unwrap();
        // `openssl ec -des` with the default provider writes the key unencrypted
        // instead of failing: only an encrypted result counts.
        let written = std::fs::read_to_string(dir.join(&out)).unwrap_or_default();
        if !default.status.success() || !written.contains("ENCRYPTED") {
            let legacy = ["-provider", "legacy", "-provider", "default"];
            openssl_ok(dir, &[&args[..1], &legacy[..], &args[1..], &io[..]].concat());
        }
        let written = std::fs::read_to_string(dir.join(&out)).unwrap();
        assert!(written.contains("ENCRYPTED"), "{scheme}: openssl did not encrypt the key");
    }
    for (scheme, log_n, r, gcm) in MADE_HERE {
        std::fs::write(dir.join(file_name(scheme)), pkcs5_key(dir, *log_n, *r, *gcm)).unwrap();
    }
}

/// Every scheme's name, openssl-written then `pkcs5`-written.
fn all_schemes() -> Vec<&'static str> {
    SCHEMES.iter().map(|(n, _)| *n).chain(MADE_HERE.iter().map(|(n, ..)| *n)).collect()
}

/// Does OpenSSL 3.0 with its default provider open the key?
fn openssl_opens(dir: &Path, key: &str) -> bool {
    openssl(&["pkey", "-in", key, "-passin", "file:pass", "-noout"], dir, b"").is_ok()
}

/// keymatch check: (verdict, finding codes, first message, exit code).
fn check(dir: &Path, key: &str, with_passphrase: bool) -> (String, Vec<String>, String, i32) {
    let mut args = vec!["check", "cert.pem", key, "--format", "json", "--at", "2030-01-01T00:00:00Z"];
    if with_passphrase {
        args.extend(["--passphrase-file", "pass"]);
    }
    let (code, stdout, stderr) = run_keymatch(&args, dir);
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{key}: not JSON ({e}): {stdout}{stderr}"));
    let (verdict, codes) = verdict_and_codes(&doc);
    let message = doc.pointer("/findings/0/message").and_then(|m| m.as_str()).unwrap_or_default().to_string();
    (verdict.unwrap_or_default(), codes, message, code)
}

#[test]
fn keymatch_decrypts_exactly_what_openssl_decrypts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    make_keys(dir);
    let mut wrong = Vec::new();
    let mut opened = 0;
    for scheme in all_schemes() {
        let key = file_name(scheme);
        let opens = openssl_opens(dir, &key);
        let gap = KEYMATCH_CANNOT_DECRYPT.contains(&scheme);
        let got = check(dir, &key, true);
        let (verdict, codes, message, exit) = (&got.0, &got.1, &got.2, got.3);
        let ok = match (opens, gap) {
            (true, false) => verdict == "match" && codes.is_empty() && exit == 0,
            (true, true) => {
                // `check` proved nothing: exit 1, with the warning that says why.
                verdict == "encrypted"
                    && codes == &["encrypted-key"]
                    && exit == 1
                    && message.contains("keymatch cannot decrypt this scheme")
            }
            (false, _) => {
                // Without a passphrase too: the scheme alone decides.
                let bare = check(dir, &key, false);
                verdict == "encrypted"
                    && codes == &["server-cannot-load"]
                    && exit == 1
                    && ["legacy provider", "in PBES2", "above OpenSSL 3.0's limit"].iter().any(|w| message.contains(w))
                    && (bare.0.as_str(), bare.1.as_slice(), bare.3)
                        == ("encrypted", &["server-cannot-load".to_string()][..], 1)
            }
        };
        opened += usize::from(opens);
        if !ok {
            wrong.push(format!(
                "  {scheme}: openssl opens={opens}, keymatch {verdict} {codes:?} exit {exit}: {message}"
            ));
        }
        if gap && !opens {
            wrong.push(format!("  {scheme}: listed in KEYMATCH_CANNOT_DECRYPT, but openssl does not open it either"));
        }
    }
    assert!(wrong.is_empty(), "keymatch and OpenSSL 3.0 disagree:\n{}", wrong.join("\n"));
    // Both kinds are exercised: this is not a list of keys nobody can open.
    let all = all_schemes().len();
    assert!(opened >= 15 && opened + 10 <= all, "{opened} of {all} opened");
}

/// nginx is the server: `nginx -t` loads the certificate and key with
/// `ssl_password_file`, and must accept exactly the keys `openssl pkey` opens.
#[test]
fn nginx_loads_exactly_what_openssl_opens() {
    let Some(nginx) = server_binary("nginx") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    make_keys(dir);
    let mut wrong = Vec::new();
    for scheme in all_schemes() {
        let key = file_name(scheme);
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "pid {d}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n  access_log off;\n  server {{\n    \
                 listen 127.0.0.1:24400 ssl;\n    ssl_certificate {d}/cert.pem;\n    ssl_certificate_key {d}/{key};\n    \
                 ssl_password_file {d}/pass;\n  }}\n}}\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let out = Command::new(&nginx)
            .args(["-t", "-q", "-e", "stderr", "-p"])
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .output()
            .unwrap();
        let loads = out.status.success();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if loads != openssl_opens(dir, &key) || (!loads && !stderr.contains("cannot load certificate key")) {
            wrong.push(format!("  {scheme}: nginx -t ok={loads}: {}", first_lines(&stderr, 2)));
        }
    }
    assert!(wrong.is_empty(), "nginx and openssl pkey disagree:\n{}", wrong.join("\n"));
}

/// The server binary on PATH or in /usr/sbin; `None` (the test passes
/// vacuously, saying so) only outside CI: with CI=true a missing server fails.
fn server_binary(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([std::path::PathBuf::from("/usr/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{name} is not installed (CI=true requires it)");
        eprintln!("{name} is not installed: skipping this server check outside CI");
    }
    found
}
