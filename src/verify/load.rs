//! Can the server that a config names load this pair's files? Two rules,
//! each seen on the real servers (Debian 12: nginx 1.22, HAProxy 2.6,
//! Apache 2.4 on OpenSSL 3.0; see tests/real_servers.rs):
//!
//! - Encrypted keys: what the server does depends on where it gets the
//!   passphrase ([`KeyUnlock`], from the config): none, or a prompt on a
//!   terminal at start (it will not start unattended: error); passphrases the
//!   config gives, which keymatch tries as the server does (error when none
//!   opens the key); a program, which keymatch never runs (warning: keymatch
//!   cannot know the passphrase).
//! - PEM only: nginx reads `ssl_certificate` and `ssl_certificate_key`,
//!   HAProxy `crt` (and its `.key`), Apache `SSLCertificateFile` as PEM only;
//!   a DER file there stops the server (`server-cannot-load`). Apache reads a
//!   DER `SSLCertificateKeyFile`.

use super::PairMaterial;
use crate::finding::{Code, Finding, Location, Severity};
use crate::pair::{ItemId, KeyUnlock, Pair};
use crate::parse::{EncryptedKey, Item, ItemKind, KeyFormat, Locked, ParsedFile};

/// The server's own name for a dialect, for messages.
fn server_name(kind: &str) -> &str {
    match kind {
        "nginx" => "nginx",
        "apache" => "Apache",
        "haproxy" => "HAProxy",
        "postfix" => "Postfix",
        "dovecot" => "Dovecot",
        "openvpn" => "OpenVPN",
        "redis" => "Redis",
        "postgres" => "PostgreSQL",
        "mysql" => "MySQL",
        "lighttpd" => "lighttpd",
        other => other,
    }
}

/// The config line that names the pair (its certificate directive).
fn config_location(pair: &Pair) -> Option<Location> {
    let path = pair.origin.path.as_ref()?;
    Some(Location {
        path: path.clone(),
        server_path: pair.origin.server_path.clone(),
        line: pair.origin.line,
        block: None,
    })
}

fn item_location(file: &ParsedFile, item: &Item) -> Location {
    let mut loc =
        Location::file(&file.source.path).with_server_path(file.source.server_path.clone()).with_block(item.block);
    loc.line = item.line;
    loc
}

fn where_in(file: &ParsedFile, item: &Item) -> String {
    match item.line {
        Some(line) => format!("{} PEM block {} (line {line})", file.source.path, item.block),
        None => file.source.path.clone(),
    }
}

const UNENCRYPTED_HINT: &str =
    "store the key unencrypted with mode 600 (`openssl pkey -in KEY -out KEY.new`), or give \
     the server its passphrase (nginx ssl_password_file, Dovecot ssl_key_password, OpenVPN askpass FILE)";

/// Findings about the server's own loading of the pair's files, added to (or
/// rewriting) `findings`, the pair's verification findings. `key_item` is the
/// key the verification used.
pub(crate) fn server_findings(
    pair: &Pair,
    material: &PairMaterial<'_>,
    key_item: Option<ItemId>,
    findings: &mut Vec<Finding>,
) {
    encrypted_key(pair, material, key_item, findings);
    pem_only(pair, material, key_item, findings);
}

fn encrypted_key(pair: &Pair, material: &PairMaterial<'_>, key_item: Option<ItemId>, findings: &mut Vec<Finding>) {
    let Some(unlock) = &pair.unlock else { return };
    let Some((file, _)) = material.key_file else { return };
    let Some(item) = key_item.and_then(|i| file.items.get(i.0)) else { return };
    let server = server_name(&pair.origin.kind);
    let key_where = where_in(file, item);
    let mut locations = vec![item_location(file, item)];
    locations.extend(config_location(pair));
    match &item.kind {
        ItemKind::EncryptedKey(enc) => {
            // Still locked: the verification said "encrypted-key"; say what the server does.
            let Some((severity, message, hint)) = locked(server, &key_where, enc, unlock) else { return };
            findings.retain(|f| f.code != Code::EncryptedKey);
            findings.push(Finding::new(Code::EncryptedKey, message, locations).with_severity(severity).with_hint(hint));
        }
        ItemKind::PrivateKey(k) if matches!(k.format, KeyFormat::Pkcs8Encrypted | KeyFormat::LegacyEncrypted) => {
            // keymatch opened it (the user's passphrase, or the server's): can the server?
            let message = match unlock {
                KeyUnlock::Never { why } => format!(
                    "the private key {key_where} is encrypted and {why} (keymatch opened it with another passphrase, to check the pair)"
                ),
                KeyUnlock::Given { source, count: 0, .. } => format!(
                    "the private key {key_where} is encrypted and {source} gives no passphrase, so {server} cannot load it (keymatch opened it with another passphrase, to check the pair)"
                ),
                KeyUnlock::Given { source, count, opens: false, tried: true } => format!(
                    "the private key {key_where} is encrypted and {}, so {server} cannot load it (keymatch opened it with another passphrase, to check the pair)",
                    none_opens(*count, source)
                ),
                _ => return,
            };
            findings.push(
                Finding::new(Code::EncryptedKey, message, locations)
                    .with_severity(Severity::Error)
                    .with_hint(UNENCRYPTED_HINT),
            );
        }
        _ => {}
    }
}

/// "the passphrase in SOURCE does not open it" / "none of the N passphrases in SOURCE opens it".
fn none_opens(count: usize, source: &str) -> String {
    if count == 1 {
        format!("the passphrase in {source} does not open it")
    } else {
        format!("none of the {count} passphrases in {source} opens it")
    }
}

/// The finding for a key that no passphrase opened, by what the server does.
fn locked(server: &str, key_where: &str, enc: &EncryptedKey, unlock: &KeyUnlock) -> Option<(Severity, String, String)> {
    if matches!(enc.locked, Locked::ServerCannotLoad(_)) {
        // No server decrypts it, whatever its passphrase: `server-cannot-load` says so.
        return None;
    }
    let scheme = &enc.scheme;
    // `tried_passphrases` is false both without passphrases and for a scheme keymatch cannot open.
    let user = if enc.tried_passphrases() {
        "none of the passphrases given to keymatch opens it either"
    } else {
        "keymatch did not open it either"
    };
    Some(match unlock {
        KeyUnlock::Never { why } => (
            Severity::Error,
            format!("the private key {key_where} is encrypted ({scheme}) and {why}; {user}, so the pair is unchecked"),
            UNENCRYPTED_HINT.to_string(),
        ),
        KeyUnlock::Given { source, count: 0, .. } => (
            Severity::Error,
            format!(
                "the private key {key_where} is encrypted ({scheme}) and {source} gives no passphrase, so {server} cannot load it; the pair is unchecked"
            ),
            "make the passphrase file hold the key's passphrase".to_string(),
        ),
        KeyUnlock::Given { source, count, tried: true, .. } => {
            let user = if enc.tried_passphrases() { "; nor does any passphrase given to keymatch" } else { "" };
            (
                Severity::Error,
                format!(
                    "the private key {key_where} is encrypted ({scheme}) and {}, so {server} cannot load it{user}; the pair is unchecked",
                    none_opens(*count, source)
                ),
                "put the key's passphrase in the file the config names, or configure the key that passphrase opens"
                    .to_string(),
            )
        }
        KeyUnlock::Given { source, tried: false, .. } => (
            Severity::Warning,
            format!(
                "the private key {key_where} is encrypted ({scheme}); keymatch cannot try the passphrases in {source} on it, so it cannot tell whether {server} opens it; the pair is unchecked"
            ),
            "re-encrypt the key with AES and PBKDF2 (`openssl pkey -in KEY -aes256 -out KEY.new`) to have it checked"
                .to_string(),
        ),
        KeyUnlock::Program { source } => (
            Severity::Warning,
            format!(
                "the private key {key_where} is encrypted ({scheme}) and {server} gets its passphrase from {source}, a program keymatch does not run, so keymatch cannot know the passphrase{}; the pair is unchecked",
                if enc.tried_passphrases() { " (none of the passphrases given to keymatch opens it)" } else { "" }
            ),
            "give keymatch the passphrase with --passphrase-file FILE or KEYMATCH_PASSPHRASE to check the pair"
                .to_string(),
        ),
    })
}

/// Which files a server reads as PEM only: (certificate, key) directive names.
fn pem_only_directives(kind: &str) -> (Option<&'static str>, Option<&'static str>) {
    match kind {
        "nginx" => (Some("ssl_certificate"), Some("ssl_certificate_key")),
        "haproxy" => (Some("crt"), Some("crt (and its .key)")),
        "apache" => (Some("SSLCertificateFile"), None),
        _ => (None, None),
    }
}

/// A certificate or key item decoded from bare DER (PEM items have a line).
fn is_der(item: &Item) -> bool {
    item.line.is_none() && (item.kind.is_cert_like() || item.kind.is_key_like())
}

fn pem_only(pair: &Pair, material: &PairMaterial<'_>, key_item: Option<ItemId>, findings: &mut Vec<Finding>) {
    if pair.origin.kind == "check" {
        return pem_only_for_check(material, key_item, findings);
    }
    let (cert_directive, key_directive) = pem_only_directives(&pair.origin.kind);
    let server = server_name(&pair.origin.kind);
    for (file, is_key) in der_files(material, key_item) {
        let (directive, what, convert) = if is_key {
            (key_directive, "private key", CONVERT_KEY)
        } else {
            (cert_directive, "certificate", CONVERT_CERT)
        };
        let Some(directive) = directive else { continue };
        let mut locations = vec![Location::file(&file.source.path).with_server_path(file.source.server_path.clone())];
        locations.extend(config_location(pair));
        findings.push(
            Finding::new(
                Code::ServerCannotLoad,
                format!(
                    "{server} reads {directive} as PEM only, and the {what} {} is DER, so {server} will not start with it",
                    file.source.path
                ),
                locations,
            )
            .with_hint(format!("convert it to PEM (`{convert}`) and point the configuration at the PEM file")),
        );
    }
}

const CONVERT_CERT: &str = "openssl x509 -inform DER -in FILE -out FILE.pem";
const CONVERT_KEY: &str = "openssl pkey -inform DER -in FILE -out FILE.pem";

/// The pair's certificate and key that are bare DER, each file once: (file, is it the key).
fn der_files<'a>(material: &PairMaterial<'a>, key_item: Option<ItemId>) -> Vec<(&'a ParsedFile, bool)> {
    let cert = material.cert_file.and_then(|f| f.items.iter().find(|i| i.kind.is_cert_like()).map(|i| (f, i, false)));
    let key = material.key_file.and_then(|(f, _)| key_item.and_then(|i| f.items.get(i.0)).map(|i| (f, i, true)));
    let mut out: Vec<(&ParsedFile, bool)> = Vec::new();
    for (file, item, is_key) in [cert, key].into_iter().flatten() {
        if is_der(item) && !out.iter().any(|(f, _)| f.source.path == file.source.path) {
            out.push((file, is_key));
        }
    }
    out
}

/// `check` without `--server`: a DER file is a warning naming the servers that
/// refuse it (a DER certificate: nginx, HAProxy and Apache; a DER key: nginx and
/// HAProxy, Apache reads it). DER is a fine encoding elsewhere (Java, Windows,
/// Go), so only `--server` (or a config, in `scan`) makes it an error.
fn pem_only_for_check(material: &PairMaterial<'_>, key_item: Option<ItemId>, findings: &mut Vec<Finding>) {
    for (file, is_key) in der_files(material, key_item) {
        let (what, who, convert) = if is_key {
            ("private key", "nginx and HAProxy read keys as PEM only (Apache reads DER keys)", CONVERT_KEY)
        } else {
            ("certificate", "nginx, HAProxy and Apache read certificates as PEM only", CONVERT_CERT)
        };
        findings.push(
            Finding::new(
                Code::ServerCannotLoad,
                format!("the {what} {} is DER: {who}, so they will not start with it", file.source.path),
                vec![Location::file(&file.source.path).with_server_path(file.source.server_path.clone())],
            )
            .with_severity(Severity::Warning)
            .with_hint(format!(
                "convert it to PEM (`{convert}`), or give `--server NAME` for the server that loads it"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::Origin;
    use crate::parse::{KeyMaterial, PrivateKey, PublicKey, Source};

    fn pair(kind: &str, unlock: Option<KeyUnlock>) -> Pair {
        let mut origin = Origin::kind(kind);
        origin.path = Some("etc/x.conf".into());
        origin.line = Some(7);
        let mut p = Pair::of_files(origin, crate::pair::FileId(0), crate::pair::FileId(1));
        p.unlock = unlock;
        p
    }

    fn file(path: &str, kind: ItemKind, line: Option<u32>) -> ParsedFile {
        ParsedFile { source: Source::new(path), items: vec![Item::new(0, line, kind)], findings: Vec::new() }
    }

    fn locked_key(tried: bool, scheme: &str) -> ParsedFile {
        file(
            "k.pem",
            ItemKind::EncryptedKey(Box::new(EncryptedKey {
                scheme: scheme.into(),
                locked: if tried { Locked::WrongPassphrase } else { Locked::NoPassphrase },
            })),
            Some(1),
        )
    }

    fn opened_key(format: KeyFormat, line: Option<u32>) -> ParsedFile {
        let key = PrivateKey::new(
            format,
            KeyMaterial::Unsupported { algorithm: "test".into() },
            Some(PublicKey::Ed25519([1; 32])),
        );
        file("k.pem", ItemKind::PrivateKey(std::sync::Arc::new(key)), line)
    }

    /// The findings for a pair whose key file is `key`, starting from the
    /// verification's generic encrypted-key warning when the key is locked.
    fn run(p: &Pair, key: &ParsedFile) -> Vec<Finding> {
        let material = PairMaterial { cert_file: None, key_file: Some((key, Some(ItemId(0)))), chain_file: None };
        let mut findings = Vec::new();
        if matches!(key.items[0].kind, ItemKind::EncryptedKey(_)) {
            findings.push(Finding::new(Code::EncryptedKey, "generic: no passphrase was given", Vec::new()));
        }
        server_findings(p, &material, Some(ItemId(0)), &mut findings);
        findings
    }

    fn given(count: usize, opens: bool, tried: bool) -> Option<KeyUnlock> {
        Some(KeyUnlock::Given { source: "ssl_password_file /etc/nginx/pass".into(), count, opens, tried })
    }

    #[test]
    fn a_locked_key_is_reported_by_what_the_server_does() {
        let never = Some(KeyUnlock::Never { why: "HAProxy 2.6 has no passphrase option".into() });
        let program = Some(KeyUnlock::Program { source: "SSLPassPhraseDialog exec:/bin/x".into() });
        let cases: Vec<(Option<KeyUnlock>, bool, Severity, &str)> = vec![
            (never, false, Severity::Error, "HAProxy 2.6 has no passphrase option; keymatch did not open it either"),
            (given(2, false, true), false, Severity::Error, "none of the 2 passphrases in ssl_password_file /etc/nginx/pass opens it, so nginx cannot load it"),
            (given(1, false, true), true, Severity::Error, "the passphrase in ssl_password_file /etc/nginx/pass does not open it, so nginx cannot load it; nor does any passphrase given to keymatch"),
            (given(0, false, false), false, Severity::Error, "ssl_password_file /etc/nginx/pass gives no passphrase"),
            (given(2, false, false), false, Severity::Warning, "keymatch cannot try the passphrases in ssl_password_file /etc/nginx/pass"),
            (program, false, Severity::Warning, "a program keymatch does not run, so keymatch cannot know the passphrase"),
        ];
        for (unlock, tried, severity, says) in cases {
            let f = run(&pair("nginx", unlock.clone()), &locked_key(tried, "PKCS#8 PBES2"));
            assert_eq!(f.len(), 1, "{unlock:?}: {f:?}");
            assert_eq!((f[0].code, f[0].severity), (Code::EncryptedKey, severity), "{unlock:?}");
            assert!(f[0].message.contains(says), "{unlock:?}: {}", f[0].message);
            assert!(!f[0].message.contains("no passphrase was given"));
            assert!(f[0].locations.iter().any(|l| l.path == "etc/x.conf" && l.line == Some(7)));
        }
        // A key no config names keeps the verification's finding.
        let f = run(&pair("sibling", None), &locked_key(false, "PKCS#8 PBES2"));
        assert_eq!(f[0].message, "generic: no passphrase was given");
    }

    #[test]
    fn an_opened_key_the_server_cannot_open_is_an_error() {
        let key = opened_key(KeyFormat::Pkcs8Encrypted, Some(1));
        let never = Some(KeyUnlock::Never { why: "nginx has no ssl_password_file for it".into() });
        for unlock in [never, given(2, false, true), given(0, false, false)] {
            let f = run(&pair("nginx", unlock.clone()), &key);
            assert_eq!(f.len(), 1, "{unlock:?}");
            assert_eq!((f[0].code, f[0].severity), (Code::EncryptedKey, Severity::Error));
            assert!(f[0].message.contains("keymatch opened it"), "{}", f[0].message);
        }
        // The server's passphrases open it, or a program may: nothing to say.
        let program = Some(KeyUnlock::Program { source: "x".into() });
        for unlock in [given(2, true, true), program] {
            assert!(run(&pair("nginx", unlock), &key).is_empty());
        }
        // Not encrypted at all.
        assert!(run(&pair("nginx", given(2, false, true)), &opened_key(KeyFormat::Pkcs8, Some(1))).is_empty());
    }

    #[test]
    fn der_files_under_pem_only_directives() {
        let cert = file(
            "c.der",
            ItemKind::Malformed { claimed: crate::parse::Claimed::Certificate, reason: String::new() },
            None,
        );
        let key = opened_key(KeyFormat::Pkcs8, None);
        let material =
            PairMaterial { cert_file: Some(&cert), key_file: Some((&key, Some(ItemId(0)))), chain_file: None };
        let codes = |kind: &str| {
            let mut f = Vec::new();
            server_findings(&pair(kind, None), &material, Some(ItemId(0)), &mut f);
            f.iter().map(|f| f.message.split(" is DER").next().unwrap_or("").to_string()).collect::<Vec<_>>()
        };
        assert_eq!(
            codes("nginx"),
            vec![
                "nginx reads ssl_certificate as PEM only, and the certificate c.der",
                "nginx reads ssl_certificate_key as PEM only, and the private key k.pem"
            ]
        );
        // Apache reads a DER key (seen with Apache 2.4.71), not a DER certificate.
        assert_eq!(codes("apache"), vec!["Apache reads SSLCertificateFile as PEM only, and the certificate c.der"]);
        assert!(codes("postfix").is_empty());
    }
}
