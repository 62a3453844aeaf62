//! An included config file whose name is not UTF-8 (byte 0xff) is read like any
//! other. nginx 1.22 includes it through `include conf.d/*.conf;` (seen with
//! `nginx -t`: a missing key named in such a file fails the test), so keymatch
//! claims and pairs the certificate it names; the name is made lossy only in the
//! report.

mod scan_common;
use scan_common::*;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

#[test]
fn a_certificate_named_in_an_include_with_a_non_utf8_name_is_claimed_and_paired() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let material = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/p256-pkcs8-pem");
    fs::create_dir_all(d.join("etc/nginx/conf.d")).unwrap();
    fs::create_dir_all(d.join("etc/ssl/shop")).unwrap();
    fs::copy(material.join("cert.pem"), d.join("etc/ssl/shop/cert.pem")).unwrap();
    fs::copy(material.join("key.pem"), d.join("etc/ssl/shop/key.pem")).unwrap();
    fs::set_permissions(d.join("etc/ssl/shop/key.pem"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(d.join("etc/nginx/nginx.conf"), "events {}\nhttp {\n    include conf.d/*.conf;\n}\n").unwrap();
    fs::write(
        d.join("etc/nginx/conf.d").join(OsStr::from_bytes(b"shop-\xff.conf")),
        "server {\n    listen 443 ssl;\n    ssl_certificate /etc/ssl/shop/cert.pem;\n    ssl_certificate_key /etc/ssl/shop/key.pem;\n}\n",
    )
    .unwrap();
    let out = keymatch(d, &["scan", "--at", AT, "--format", "json", "."], None);
    let doc = json(&out);
    assert_eq!(pairs(&doc), ["nginx etc/ssl/shop/cert.pem etc/ssl/shop/key.pem match"]);
    // The claim comes from the included file, named lossily (U+FFFD for 0xff) at display time.
    let origin = &doc["pairs"][0]["origin"];
    assert_eq!(origin["path"], "etc/nginx/conf.d/shop-\u{fffd}.conf");
    assert_eq!(origin["line"], 3);
    assert_eq!(doc["summary"]["configs"]["nginx"], 2, "nginx.conf and the included file");
    assert!(findings(&doc).is_empty(), "{:?}", findings(&doc));
    assert_eq!(out.status.code(), Some(0));
}
