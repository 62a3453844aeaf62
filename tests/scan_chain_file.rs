//! A scan keeps only what chain checks need: the walk drops the signature of each file's last
//! certificate (only a chain file after it makes it a link). A config's chain file brings it
//! back: the leaf-only certificate file is parsed again, and a chain file whose certificate
//! carries the leaf issuer's name but another key is still `chain-broken` (as `check` says too).

mod common;
use common::openssl_ok;
use std::fs;
use std::path::Path;
use std::process::Command;

/// A P-256 key at `dir/name.key`.
fn key(dir: &Path, name: &str) {
    openssl_ok(
        dir,
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &format!("{name}.key")],
    );
}

/// A self-signed CA `CN=Chain Test CA` with `name.key`.
fn ca(dir: &Path, name: &str) {
    key(dir, name);
    openssl_ok(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-subj",
            "/CN=Chain Test CA",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            &format!("{name}.crt"),
        ],
    );
}

#[test]
fn a_configured_chain_file_is_checked_against_the_leaf_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let root = tmp.path().join("root");
    fs::create_dir_all(&work).unwrap();
    // The real issuer, and an impostor with the same name and another key.
    ca(&work, "ca");
    ca(&work, "impostor");
    key(&work, "leaf");
    openssl_ok(&work, &["req", "-new", "-key", "leaf.key", "-subj", "/CN=shop.example", "-out", "leaf.csr"]);
    openssl_ok(
        &work,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "7",
            "-days",
            "3650",
            "-out",
            "leaf.crt",
        ],
    );
    let ssl = root.join("etc/apache2/ssl");
    let sites = root.join("etc/apache2/sites-enabled");
    fs::create_dir_all(&ssl).unwrap();
    fs::create_dir_all(&sites).unwrap();
    fs::copy(work.join("leaf.crt"), ssl.join("shop.crt")).unwrap();
    fs::copy(work.join("leaf.key"), ssl.join("shop.key")).unwrap();
    fs::copy(work.join("impostor.crt"), ssl.join("wrong-chain.crt")).unwrap();
    fs::copy(work.join("ca.crt"), ssl.join("right-chain.crt")).unwrap();
    fs::write(root.join("etc/apache2/apache2.conf"), "IncludeOptional sites-enabled/*.conf\n").unwrap();
    let site = |name: &str, chain: &str| {
        format!(
            "<VirtualHost *:443>\nServerName {name}\nSSLEngine on\nSSLCertificateFile /etc/apache2/ssl/shop.crt\n\
             SSLCertificateKeyFile /etc/apache2/ssl/shop.key\nSSLCertificateChainFile /etc/apache2/ssl/{chain}\n</VirtualHost>\n"
        )
    };
    fs::write(sites.join("shop.conf"), site("shop.example", "wrong-chain.crt")).unwrap();

    let scan = |root: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_keymatch"))
            .args(["scan", "--format", "json", "--allow", "key-permissions", "--root"])
            .arg(root)
            .arg(root)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<String> =
            doc["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
        (out.status.code(), codes)
    };
    let (code, codes) = scan(&root);
    assert!(codes.iter().any(|c| c == "chain-broken"), "{codes:?}");
    assert_eq!(code, Some(1), "{codes:?}");

    // The same files with the right chain file: nothing is broken.
    fs::write(sites.join("shop.conf"), site("shop.example", "right-chain.crt")).unwrap();
    let (code, codes) = scan(&root);
    assert!(!codes.iter().any(|c| c.starts_with("chain")), "{codes:?}");
    assert_eq!(code, Some(0), "{codes:?}");
}
