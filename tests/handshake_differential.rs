//! `openssl s_server` / `s_client` differential over 1,000 generated pairs:
//! each pair (mostly P-256, P-384 and Ed25519, some RSA-2048; matched,
//! mismatched, damaged by byte surgery, and in odd encodings) is loaded by
//! `openssl s_server` on 127.0.0.1, and `openssl s_client` asks for a TLS 1.3
//! handshake (and a TLS 1.2 `AES128-SHA` one, RSA key exchange, for RSA). The
//! pair *fails* when s_server does not start or a handshake fails; `keymatch
//! check CERT KEY` must exit 1 with an error exactly then. The test prints the
//! agreement per variant and fails on any disagreement.
//!
//! Pairs are made fresh each run with the openssl CLI (RSA keys come from a
//! small pool, each pair with its own certificate); the surgery is done on DER
//! bytes here, keeping every length, so the damage is exactly the one named.
//! Ports 26000-27899, one per pair; s_server is stopped by PID.
//! `KEYMATCH_DIFF_PAIRS=N` runs N pairs instead of 1,000 (for local runs);
//! `KEYMATCH_DIFF_TABLE=FILE` writes the per-variant table (markdown) to FILE
//! before the assertions (`tests/oracle/table.sh`: `docs/handshake-differential.md`).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const PAIRS: usize = 1000;
const BASE_PORT: u16 = 26000;
const WORKERS: usize = 3;
const RSA_POOL: usize = 12;
const PSS_POOL: usize = 4;

/// Every variant, in the order pairs cycle through them.
const VARIANTS: &[&str] = &[
    "p256-match",
    "p256-mismatch",
    "p256-sec1",
    "p256-sec1-compressed",
    "p256-sec1-explicit",
    "p256-sec1-wrong-pub",
    "p256-der-key",
    "p256-der-sec1-key",
    "p256-der-cert",
    "p256-crlf",
    "p256-bom",
    "p256-text-around",
    "p256-indented-key",
    "p256-truncated-key",
    "p256-sec1-under-private-key",
    "p256-sec1-hybrid-wrong-parity",
    "p256-ber-cert",
    "p256-enc-pbes2",
    "p256-enc-pkcs12-rc4",
    "p384-match",
    "p384-cert-p256-key",
    "ed25519-match",
    "ed25519-mismatch",
    "ed25519-pkcs8v2",
    "ed25519-pkcs8v2-wrong-pub",
    "ed448-match",
    "rsa-match",
    "rsa-mismatch",
    "rsa-pkcs1",
    "rsa-wrong-dp",
    "rsa-wrong-qinv",
    "rsa-wrong-d",
    "rsa-wrong-d-and-dq",
    "rsa-wrong-p",
    "rsa-cert-p256-key",
    "rsa-enc-legacy-pem",
    "rsa-enc-pkcs12-3des",
    "rsa-cert-pss-key",
    "rsapss-match",
    "rsapss-cert-rsa-key",
];

/// The passphrase of the encrypted variants (given to s_server with `-pass` and to keymatch in a file).
const PASS: &str = "keymatch-diff-pass";

fn ossl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).stdin(Stdio::null()).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
}

fn write(dir: &Path, f: &str, data: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(f);
    std::fs::write(&p, data).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s.into_bytes()
}

/// (header length, content length) of the DER TLV at `pos`.
fn tlv(buf: &[u8], pos: usize) -> (usize, usize) {
    let first = buf[pos + 1] as usize;
    if first < 0x80 {
        return (2, first);
    }
    let n = first & 0x7f;
    let len = buf[pos + 2..pos + 2 + n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
    (2 + n, len)
}

/// Flip bit 1 of the last byte of the given INTEGERs (0 = version, 1 = n, 2 = e, 3 = d,
/// 4 = p, 5 = q, 6 = dP, 7 = dQ, 8 = qInv) of a PKCS#1 RSAPrivateKey: same length, wrong value.
fn damage_pkcs1(der: &mut [u8], fields: &[usize]) {
    let (hl, _) = tlv(der, 0);
    let mut pos = hl;
    for i in 0..9 {
        let (h, l) = tlv(der, pos);
        if fields.contains(&i) {
            der[pos + h + l - 1] ^= 0x02;
        }
        pos += h + l;
    }
}

fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7f => vec![n as u8],
        0x80..=0xff => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

fn seq(body: &[u8]) -> Vec<u8> {
    [&[0x30][..], &der_len(body.len()), body].concat()
}

const RSA_ENCRYPTION: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
const RSASSA_PSS: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// An RSA PKCS#8 (DER) with its AlgorithmIdentifier replaced by `alg` (rsaEncryption or
/// id-RSASSA-PSS without parameters); the RSAPrivateKey inside is untouched.
fn pkcs8_rewrap(der: &[u8], alg: &[u8]) -> Vec<u8> {
    let (hl, _) = tlv(der, 0);
    let (vh, vl) = tlv(der, hl);
    let version = &der[hl..hl + vh + vl];
    let at = hl + vh + vl;
    let (ah, al) = tlv(der, at);
    let rest = &der[at + ah + al..];
    seq(&[version, &seq(alg), rest].concat())
}

/// The 32-byte Ed25519 public key in a certificate (DER).
fn ed25519_pub_of_cert(cert_der: &[u8]) -> Vec<u8> {
    let needle = [0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
    let at = cert_der.windows(needle.len()).position(|w| w == needle).expect("Ed25519 SPKI in the certificate");
    cert_der[at + needle.len()..at + needle.len() + 32].to_vec()
}

/// PKCS#8 v2 (OneAsymmetricKey) of an Ed25519 PKCS#8 v1 DER, with `public` as its [1] publicKey.
fn ed25519_v2(v1: &[u8], public: &[u8]) -> Vec<u8> {
    assert_eq!(v1.len(), 48, "Ed25519 PKCS#8 v1 is 48 bytes");
    let mut body = vec![0x02, 0x01, 0x01];
    body.extend_from_slice(&v1[5..48]); // AlgorithmIdentifier and privateKey, as they were
    body.extend_from_slice(&[0x81, 0x21, 0x00]);
    body.extend_from_slice(public);
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    der
}

/// The files of one generated pair and how s_server reads them.
struct Pair {
    dir: PathBuf,
    cert: &'static str,
    key: &'static str,
    cert_der: bool,
    key_der: bool,
    rsa: bool,
    /// The key is encrypted with [`PASS`].
    passphrase: bool,
}

/// `req -x509` certificate for key file `key` (in dir) as `out`.
fn self_signed(dir: &Path, key: &str, out: &str) {
    ossl(dir, &["req", "-x509", "-new", "-key", key, "-subj", "/CN=pair.test", "-days", "36500", "-out", out]);
}

fn new_key(dir: &Path, alg: &str, out: &str) {
    let args: &[&str] = match alg {
        "p256" => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "p384" => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "ed25519" => &["-algorithm", "ED25519"],
        "ed448" => &["-algorithm", "ED448"],
        other => panic!("{other}"),
    };
    ossl(dir, &[&["genpkey"], args, &["-out", out]].concat());
}

fn make_pair(i: usize, variant: &'static str, root: &Path, rsa_pool: &[PathBuf], pss_pool: &[PathBuf]) -> Pair {
    let dir = root.join(format!("{i:04}"));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.as_path();
    let mut p = Pair {
        dir: dir.clone(),
        cert: "cert.pem",
        key: "key.pem",
        cert_der: false,
        key_der: false,
        rsa: false,
        passphrase: false,
    };
    let alg = variant.split('-').next().unwrap();
    match alg {
        "rsa" => {
            p.rsa = true;
            std::fs::copy(&rsa_pool[i % rsa_pool.len()], d.join("k.pem")).unwrap();
        }
        "rsapss" => {
            std::fs::copy(&pss_pool[i % pss_pool.len()], d.join("k.pem")).unwrap();
        }
        _ => {}
    }
    if matches!(alg, "rsa" | "rsapss") {
        self_signed(d, "k.pem", "cert.pem");
    } else {
        // Key and certificate in one openssl run (the key as genpkey writes it: PKCS#8 PEM).
        let newkey: &[&str] = match alg {
            "p256" => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "p384" => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "ed25519" => &["-newkey", "ed25519"],
            "ed448" => &["-newkey", "ed448"],
            other => panic!("{other}"),
        };
        let rest = ["-noenc", "-keyout", "k.pem", "-subj", "/CN=pair.test", "-days", "36500", "-out", "cert.pem"];
        ossl(d, &[&["req", "-x509"], newkey, &rest].concat());
    }
    let key_pem = read(d, "k.pem");
    let sec1_der = |extra: &[&str]| {
        ossl(d, &[&["ec", "-in", "k.pem", "-outform", "DER", "-out", "sec1.der"], extra].concat());
        read(d, "sec1.der")
    };
    let pkcs1_der = || {
        ossl(d, &["rsa", "-in", "k.pem", "-traditional", "-outform", "DER", "-out", "pkcs1.der"]);
        read(d, "pkcs1.der")
    };
    let key: Vec<u8> = match variant {
        "p256-match" | "p384-match" | "ed25519-match" | "rsa-match" => key_pem,
        "p256-mismatch" | "ed25519-mismatch" => {
            new_key(d, alg, "other.pem");
            read(d, "other.pem")
        }
        "rsa-mismatch" => std::fs::read(&rsa_pool[(i + 1) % rsa_pool.len()]).unwrap(),
        "p384-cert-p256-key" | "rsa-cert-p256-key" => {
            new_key(d, "p256", "other.pem");
            read(d, "other.pem")
        }
        "p256-sec1" => pem("EC PRIVATE KEY", &sec1_der(&[])),
        "p256-sec1-compressed" => pem("EC PRIVATE KEY", &sec1_der(&["-conv_form", "compressed"])),
        "p256-sec1-explicit" => pem("EC PRIVATE KEY", &sec1_der(&["-param_enc", "explicit"])),
        "p256-sec1-wrong-pub" => {
            let mut mine = sec1_der(&[]);
            new_key(d, "p256", "other.pem");
            ossl(d, &["ec", "-in", "other.pem", "-outform", "DER", "-out", "other.der"]);
            let other = read(d, "other.der");
            assert_eq!(mine.len(), other.len());
            let n = mine.len();
            mine[n - 65..].copy_from_slice(&other[n - 65..]); // the [1] public point
            pem("EC PRIVATE KEY", &mine)
        }
        "p256-der-key" | "p256-der-sec1-key" => {
            let pkcs8 = ["pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "key.der"];
            let sec1 = ["ec", "-in", "k.pem", "-outform", "DER", "-out", "key.der"];
            ossl(d, if variant == "p256-der-key" { &pkcs8[..] } else { &sec1[..] });
            p.key = "key.der";
            p.key_der = true;
            read(d, "key.der")
        }
        "p256-der-cert" => {
            ossl(d, &["x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der"]);
            p.cert = "cert.der";
            p.cert_der = true;
            key_pem
        }
        "p256-crlf" => String::from_utf8(key_pem).unwrap().replace('\n', "\r\n").into_bytes(),
        "p256-bom" => [b"\xef\xbb\xbf".as_slice(), &key_pem].concat(),
        "p256-text-around" => {
            [b"Key for pair.test, made by openssl genpkey\n".as_slice(), &key_pem, b"(end)\n"].concat()
        }
        "p256-indented-key" => {
            String::from_utf8(key_pem).unwrap().lines().map(|l| format!("  {l}\n")).collect::<String>().into_bytes()
        }
        "p256-truncated-key" => {
            let text = String::from_utf8(key_pem).unwrap();
            let cut = text.len() / 2;
            text[..cut].to_string().into_bytes()
        }
        "ed25519-pkcs8v2" | "ed25519-pkcs8v2-wrong-pub" => {
            ossl(d, &["pkey", "-in", "k.pem", "-outform", "DER", "-out", "k.der"]);
            let v1 = read(d, "k.der");
            let public = if variant == "ed25519-pkcs8v2" {
                ossl(d, &["x509", "-in", "cert.pem", "-outform", "DER", "-out", "c.der"]);
                ed25519_pub_of_cert(&read(d, "c.der"))
            } else {
                new_key(d, "ed25519", "other.pem");
                self_signed(d, "other.pem", "other.crt");
                ossl(d, &["x509", "-in", "other.crt", "-outform", "DER", "-out", "o.der"]);
                ed25519_pub_of_cert(&read(d, "o.der"))
            };
            pem("PRIVATE KEY", &ed25519_v2(&v1, &public))
        }
        "rsa-pkcs1" => pem("RSA PRIVATE KEY", &pkcs1_der()),
        "rsapss-match" => key_pem,
        "rsa-cert-pss-key" | "rsapss-cert-rsa-key" => {
            ossl(d, &["pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.der"]);
            let alg = if variant == "rsa-cert-pss-key" { RSASSA_PSS } else { RSA_ENCRYPTION };
            pem("PRIVATE KEY", &pkcs8_rewrap(&read(d, "k.der"), alg))
        }
        "p256-sec1-under-private-key" => pem("PRIVATE KEY", &sec1_der(&[])),
        "p256-sec1-hybrid-wrong-parity" => {
            let mut der = sec1_der(&[]);
            let n = der.len();
            let y_odd = der[n - 1] & 1;
            der[n - 65] = 0x06 | (1 - y_odd); // hybrid form, the parity byte of the other y
            pem("EC PRIVATE KEY", &der)
        }
        "p256-ber-cert" => {
            ossl(d, &["x509", "-in", "cert.pem", "-outform", "DER", "-out", "c.der"]);
            let der = read(d, "c.der");
            let (hl, len) = tlv(&der, 0);
            let ber = [&[0x30, 0x80][..], &der[hl..hl + len], &[0, 0]].concat();
            write(d, "cert.pem", &pem("CERTIFICATE", &ber));
            key_pem
        }
        "p256-enc-pbes2" | "p256-enc-pkcs12-rc4" | "rsa-enc-pkcs12-3des" => {
            let scheme: &[&str] = match variant {
                "p256-enc-pbes2" => &["-v2", "aes-256-cbc"],
                "p256-enc-pkcs12-rc4" => &["-v1", "PBE-SHA1-RC4-128", "-provider", "legacy", "-provider", "default"],
                _ => &["-v1", "PBE-SHA1-3DES"],
            };
            let passout = format!("pass:{PASS}");
            ossl(d, &[&["pkcs8", "-topk8", "-in", "k.pem", "-passout", &passout, "-out", "enc.pem"], scheme].concat());
            p.passphrase = true;
            read(d, "enc.pem")
        }
        "rsa-enc-legacy-pem" => {
            let passout = format!("pass:{PASS}");
            ossl(d, &["rsa", "-in", "k.pem", "-traditional", "-aes256", "-passout", &passout, "-out", "enc.pem"]);
            p.passphrase = true;
            read(d, "enc.pem")
        }
        "ed448-match" => key_pem,
        "rsa-wrong-dp" | "rsa-wrong-qinv" | "rsa-wrong-d" | "rsa-wrong-d-and-dq" | "rsa-wrong-p" => {
            let fields: &[usize] = match variant {
                "rsa-wrong-dp" => &[6],
                "rsa-wrong-qinv" => &[8],
                "rsa-wrong-d" => &[3],
                "rsa-wrong-d-and-dq" => &[3, 7],
                _ => &[4],
            };
            let mut der = pkcs1_der();
            damage_pkcs1(&mut der, fields);
            pem("RSA PRIVATE KEY", &der)
        }
        other => panic!("unknown variant {other}"),
    };
    write(d, p.key, &key);
    write(d, "pass.txt", format!("{PASS}\n").as_bytes());
    if !p.cert_der {
        let cert = read(d, "cert.pem");
        write(d, "cert.pem", &cert);
    }
    p
}

/// Does `openssl s_server` start with the pair and complete every handshake?
/// (false, why) when it does not.
fn s_server_truth(p: &Pair, port: u16) -> (bool, String) {
    let handshakes: &[&[&str]] =
        if p.rsa { &[&["-tls1_3"], &["-tls1_2", "-cipher", "AES128-SHA"]] } else { &[&["-tls1_3"]] };
    let mut cmd = Command::new("openssl");
    cmd.current_dir(&p.dir)
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-naccept", &handshakes.len().to_string()])
        .args(["-cert", p.cert, "-key", p.key])
        .args(if p.cert_der { &["-certform", "DER"][..] } else { &[][..] })
        .args(if p.key_der { &["-keyform", "DER"][..] } else { &[][..] })
        .args(["-pass", &format!("pass:{}", if p.passphrase { PASS } else { "" }), "-www"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = cmd.spawn().expect("start openssl s_server");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = lines.any(|l| l.map(|l| l.trim() == "ACCEPT").unwrap_or(false));
    let mut result = (true, String::new());
    if !listening {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut err);
        result = (false, format!("s_server: {}", first_reason(&err)));
    } else {
        for h in handshakes {
            let out = Command::new("timeout")
                .args(["10", "openssl", "s_client", "-connect", &format!("127.0.0.1:{port}")])
                .args(*h)
                .stdin(Stdio::null())
                .output()
                .expect("run openssl s_client");
            let text = String::from_utf8_lossy(&out.stdout);
            if !(out.status.success() && text.contains("Cipher is ") && !text.contains("Cipher is (NONE)")) {
                result = (false, format!("s_client {h:?}: {}", first_reason(&String::from_utf8_lossy(&out.stderr))));
                break;
            }
        }
    }
    let _ = server.kill(); // by PID; it has usually exited after -naccept already
    let _ = server.wait();
    result
}

/// The first OpenSSL reason string in `text`.
fn first_reason(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            let at = l.find("error:")?;
            l[at..].splitn(5, ':').nth(4).map(|r| r.split(':').next().unwrap_or(r).to_string())
        })
        .unwrap_or_else(|| first_lines(text, 1))
}

/// keymatch check: (exit code, error codes).
fn keymatch_check(p: &Pair) -> (Option<i32>, Vec<String>) {
    let mut cmd = keymatch(&p.dir);
    cmd.args(["check", p.cert, p.key, "--at", AT, "--format", "json"]);
    if p.passphrase {
        cmd.args(["--passphrase-file", "pass.txt"]);
    }
    let out = cmd.output().unwrap();
    let run: Run = out.into();
    let errors = run
        .json()
        .ok()
        .and_then(|doc| {
            doc.get("findings").and_then(|f| f.as_array()).map(|a| {
                a.iter()
                    .filter(|f| f.get("severity").and_then(|s| s.as_str()) == Some("error"))
                    .filter_map(|f| f.get("code").and_then(|c| c.as_str()).map(String::from))
                    .collect()
            })
        })
        .unwrap_or_default();
    (run.code, errors)
}

#[derive(Default)]
struct Tally {
    pairs: usize,
    server_fails: usize,
    keymatch_errors: usize,
    agree: usize,
    codes: std::collections::BTreeSet<String>,
    examples: Vec<String>,
}

/// The markdown page `docs/handshake-differential.md` (no timings, so reruns only change it when behaviour does).
fn page(tallies: &BTreeMap<&str, Tally>, total: usize, agree: usize) -> String {
    let mut s = format!(
        "# keymatch check against openssl s_server, pair by pair\n\n\
         Generated by `tests/oracle/table.sh` from `tests/handshake_differential.rs` (do not edit by hand).\n\
         {total} pairs are generated afresh (openssl CLI; surgery on DER bytes in the test), one variant after\n\
         the other; each is loaded by `openssl s_server` (OpenSSL 3.0) on 127.0.0.1 and asked for a TLS 1.3\n\
         handshake by `openssl s_client`, plus TLS 1.2 `AES128-SHA` (RSA key exchange) for RSA certificates.\n\
         A pair *fails* when s_server does not start or a handshake fails; keymatch agrees when\n\
         `keymatch check CERT KEY` exits 1 with an error exactly then. Encrypted variants give both the passphrase.\n\n\
         keymatch check agrees on **{agree} of {total}** pairs.\n\n\
         | variant | pairs | s_server / s_client fail | keymatch error | agree | keymatch error codes | first disagreement |\n\
         |---|---|---|---|---|---|---|\n"
    );
    for (v, t) in tallies {
        s.push_str(&format!(
            "| `{v}` | {} | {} | {} | {} | {} | {} |\n",
            t.pairs,
            t.server_fails,
            t.keymatch_errors,
            t.agree,
            t.codes.iter().cloned().collect::<Vec<_>>().join(", "),
            t.examples.first().map(|e| e.replace('|', "\\|")).unwrap_or_default()
        ));
    }
    s
}

#[test]
fn keymatch_check_agrees_with_s_server_on_generated_pairs() {
    let pairs: usize = std::env::var("KEYMATCH_DIFF_PAIRS").ok().and_then(|v| v.parse().ok()).unwrap_or(PAIRS);
    assert!(pairs <= 1900, "ports 26000-27899");
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // The RSA pool, made on WORKERS threads.
    let pool_dir = root.path().join("rsa-pool");
    std::fs::create_dir_all(&pool_dir).unwrap();
    let pool: Vec<PathBuf> = (0..RSA_POOL).map(|i| pool_dir.join(format!("rsa{i}.pem"))).collect();
    let pss_pool: Vec<PathBuf> = (0..PSS_POOL).map(|i| pool_dir.join(format!("pss{i}.pem"))).collect();
    let all: Vec<&PathBuf> = pool.iter().chain(&pss_pool).collect();
    std::thread::scope(|s| {
        for chunk in all.chunks(all.len().div_ceil(WORKERS)) {
            let dir = &pool_dir;
            s.spawn(move || {
                for k in chunk {
                    let name = k.file_name().unwrap().to_str().unwrap();
                    let alg = if name.starts_with("pss") { "RSA-PSS" } else { "RSA" };
                    ossl(dir, &["genpkey", "-algorithm", alg, "-pkeyopt", "rsa_keygen_bits:2048", "-out", name]);
                }
            });
        }
    });

    let next = AtomicUsize::new(0);
    let tallies: Mutex<BTreeMap<&str, Tally>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= pairs {
                    break;
                }
                let variant = VARIANTS[i % VARIANTS.len()];
                let pair = make_pair(i, variant, root.path(), &pool, &pss_pool);
                let (works, why) = s_server_truth(&pair, BASE_PORT + i as u16);
                let (exit, errors) = keymatch_check(&pair);
                let says_error = exit == Some(1) && !errors.is_empty();
                let answered = matches!(exit, Some(0) | Some(1));
                let fails = !works;
                let agree = answered && says_error == fails;
                let mut t = tallies.lock().unwrap();
                let t = t.entry(variant).or_default();
                t.pairs += 1;
                t.server_fails += usize::from(!works);
                t.keymatch_errors += usize::from(says_error);
                t.agree += usize::from(agree);
                t.codes.extend(errors.iter().cloned());
                if !agree && t.examples.is_empty() {
                    let server = if works { "s_server works".to_string() } else { format!("fails ({why})") };
                    t.examples.push(format!("{server}; keymatch check exit {exit:?} {errors:?}"));
                }
                let _ = std::fs::remove_dir_all(&pair.dir);
            });
        }
    });
    let tallies = tallies.into_inner().unwrap();
    let total: usize = tallies.values().map(|t| t.pairs).sum();
    let agree: usize = tallies.values().map(|t| t.agree).sum();
    let mut report = format!(
        "s_server differential: {total} pairs in {:.0}s, keymatch check agrees on {agree}\n\
         | variant | pairs | s_server/s_client fail | keymatch error | agree | keymatch error codes | first disagreement |\n\
         |---|---|---|---|---|---|---|\n",
        started.elapsed().as_secs_f64()
    );
    for (v, t) in &tallies {
        report.push_str(&format!(
            "| {v} | {} | {} | {} | {} | {} | {} |\n",
            t.pairs,
            t.server_fails,
            t.keymatch_errors,
            t.agree,
            t.codes.iter().cloned().collect::<Vec<_>>().join(", "),
            t.examples.first().map(String::as_str).unwrap_or("")
        ));
    }
    eprintln!("{report}");
    if let Ok(path) = std::env::var("KEYMATCH_DIFF_TABLE") {
        std::fs::write(&path, page(&tallies, total, agree)).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert_eq!(total, pairs);
    // Every variant ran, and the harness itself is sound: matched pairs work, mismatched ones fail.
    assert_eq!(tallies.len(), VARIANTS.len().min(pairs));
    for good in
        ["p256-match", "p384-match", "ed25519-match", "ed448-match", "rsa-match", "rsapss-match", "p256-enc-pbes2"]
    {
        if let Some(t) = tallies.get(good) {
            assert_eq!(t.server_fails, 0, "{good}: s_server refused a matched pair: the harness is wrong\n{report}");
        }
    }
    for bad in ["p256-mismatch", "ed25519-mismatch", "rsa-mismatch"] {
        if let Some(t) = tallies.get(bad) {
            assert_eq!(
                t.server_fails, t.pairs,
                "{bad}: s_server accepted a mismatched pair: the harness is wrong\n{report}"
            );
        }
    }
    assert_eq!(
        agree,
        total,
        "keymatch check disagrees with openssl s_server on {} of {total} pairs:\n{report}",
        total - agree
    );
}
