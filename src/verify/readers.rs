//! `server-cannot-load`: material keymatch decodes but the servers' TLS library
//! (OpenSSL 3.0, as Debian 12 links it into nginx 1.22, HAProxy 2.6 and
//! Apache 2.4) will not read as it is.
//!
//! Parse says why OpenSSL will not read an item ([`Unloadable`]); this module
//! says which servers that stops, from what each server did when it was
//! started with such a file (see `tests/openssl_reader.rs` and
//! fixtures/README.md). The servers differ because they read keys differently:
//! nginx and HAProxy call `PEM_read_bio_PrivateKey` (the PEM label decides the
//! decoder); Apache's mod_ssl also reads keys whose label does not fit their
//! body, or whose armour OpenSSL's PEM reader refuses.

use super::{item_location, where_in};
use crate::finding::{Code, Finding, Severity};
use crate::parse::{Item, ParsedFile, Unloadable};

/// What the item is to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The private key.
    Key,
    /// The first certificate of the certificate file: the one the server serves.
    Leaf,
    /// A later certificate: sent as the chain.
    Chain,
}

/// Which of the servers refuse to start with the item, and which load it.
struct Fate {
    refuse: &'static [&'static str],
    load: &'static [&'static str],
}

const ALL: &[&str] = &["nginx", "HAProxy", "Apache"];
const NGINX_HAPROXY: &[&str] = &["nginx", "HAProxy"];

/// The servers' fate for each case, as observed with nginx 1.22.1, HAProxy
/// 2.6.12 and Apache 2.4 on OpenSSL 3.0.19 (`None`: not a case the servers
/// were tried with, so no finding).
fn fate(u: &Unloadable, role: Role) -> Option<Fate> {
    use Role::*;
    use Unloadable as U;
    Some(match (u, role) {
        (U::IndentedBegin | U::EndLabel { .. } | U::LabelBody { .. }, Key) => {
            Fate { refuse: NGINX_HAPROXY, load: &["Apache"] }
        }
        (U::Pkcs8V2 | U::HybridParity { .. }, Key) => Fate { refuse: ALL, load: &[] },
        (U::IndentedBegin | U::EndLabel { .. } | U::HybridParity { .. }, Leaf) => Fate { refuse: ALL, load: &[] },
        // The block is skipped: every server starts, and sends the chain without it.
        (U::IndentedBegin, Chain) => Fate { refuse: &[], load: ALL },
        (U::EndLabel { .. }, Chain) => Fate { refuse: &["nginx", "Apache"], load: &["HAProxy"] },
        _ => return None,
    })
}

/// "nginx", "nginx and HAProxy", "nginx, HAProxy and Apache".
fn names(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What to do, per case.
fn hint(u: &Unloadable, role: Role) -> String {
    match u {
        Unloadable::IndentedBegin => "remove the blanks before -----BEGIN (the armour must start its line)".into(),
        Unloadable::EndLabel { begin, .. } => format!("make the END line match its BEGIN line: -----END {begin}-----"),
        Unloadable::LabelBody { body, .. } => {
            let fits = if body.contains("PKCS#1") {
                "RSA PRIVATE KEY"
            } else if body.contains("SEC1") {
                "EC PRIVATE KEY"
            } else {
                "PRIVATE KEY"
            };
            format!("label the block as what it holds: -----BEGIN {fits}----- and -----END {fits}-----")
        }
        Unloadable::Pkcs8V2 => "rewrite the key as PKCS#8 v1 (version 0, without the [1] publicKey field; OpenSSL 3.0 cannot read it to convert it), or generate a new key and certificate".into(),
        Unloadable::HybridParity { .. } if role == Role::Key => {
            "rewrite the key with its public point uncompressed (the private scalar is intact), or generate a new key and certificate".into()
        }
        Unloadable::HybridParity { .. } => {
            "reissue the certificate from a request whose public key is encoded uncompressed".into()
        }
    }
}

/// The `server-cannot-load` finding for one item of a pair, if the servers
/// refuse it (error) or load it without it (warning: a chain block they skip).
/// `next_cert` describes the certificate the servers take instead of an
/// invisible leaf (its `describe()`), when there is one.
pub(crate) fn finding(file: &ParsedFile, item: &Item, role: Role, next_cert: Option<&str>) -> Option<Loadable> {
    let u = item.unloadable()?;
    let fate = fate(u, role)?;
    let what = match role {
        Role::Key => "the private key",
        Role::Leaf => "the certificate",
        Role::Chain => "the chain certificate",
    };
    let place = where_in(file, item);
    let reason = u.reason();
    let mut message = if fate.refuse.is_empty() {
        format!(
            "OpenSSL does not read {what} {place}: {reason}; {} start without it and send the chain without this certificate",
            names(fate.load)
        )
    } else {
        format!("{} will not start with {what} {place}: {reason}", names(fate.refuse))
    };
    if role == Role::Leaf && *u == Unloadable::IndentedBegin {
        message.push_str(&match next_cert {
            Some(next) => {
                format!(" (they take the next certificate, {next}, as the server's, and the key does not match it)")
            }
            None => " (they find no certificate in the file)".into(),
        });
    }
    if !fate.load.is_empty() && !fate.refuse.is_empty() {
        message.push_str(&format!("; {} loads it", names(fate.load)));
    }
    let severity = if fate.refuse.is_empty() { Severity::Warning } else { Severity::Error };
    let finding = Finding::new(Code::ServerCannotLoad, message, vec![item_location(file, item)])
        .with_severity(severity)
        .with_hint(hint(u, role));
    Some(Loadable { finding, loaded_by: fate.load })
}

/// A `server-cannot-load` finding, and the servers that load the item all the same.
#[derive(Debug, Clone)]
pub(crate) struct Loadable {
    pub finding: Finding,
    pub loaded_by: &'static [&'static str],
}

/// The server a pair's origin (a config dialect) names, as the findings spell it.
fn server_of(origin_kind: &str) -> Option<&'static str> {
    match origin_kind {
        "nginx" => Some("nginx"),
        "haproxy" => Some("HAProxy"),
        "apache" => Some("Apache"),
        _ => None,
    }
}

/// For a pair a server's config names: a `server-cannot-load` error about an
/// item that this server loads all the same becomes a warning (it starts; the
/// file breaks with the others). `loaded_by` pairs finding indexes with
/// [`Loadable::loaded_by`].
pub(crate) fn for_origin(findings: &mut [Finding], loaded_by: &[(usize, &'static [&'static str])], origin_kind: &str) {
    let Some(server) = server_of(origin_kind) else { return };
    for (index, loaders) in loaded_by {
        if let Some(f) = findings.get_mut(*index).filter(|f| f.code == Code::ServerCannotLoad) {
            if loaders.contains(&server) && f.severity == Severity::Error {
                f.severity = Severity::Warning;
                f.message.push_str(&format!(" (this pair is {server}'s, so it starts)"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ItemKind, Source};

    fn key_file(u: Unloadable) -> ParsedFile {
        let mut item = Item::new(0, Some(1), ItemKind::Other("PRIVATE KEY".into()));
        item.unloadable = Some(Box::new(u));
        ParsedFile { source: Source::new("key.pem"), items: vec![item], findings: Vec::new() }
    }

    /// An Apache pair with a key Apache reads: a warning; an nginx pair: an error.
    #[test]
    fn the_origin_server_that_loads_it_lowers_the_error() {
        let file =
            key_file(Unloadable::LabelBody { label: "PRIVATE KEY".into(), body: "a PKCS#1 RSAPrivateKey".into() });
        let l = finding(&file, &file.items[0], Role::Key, None).unwrap();
        assert_eq!(l.finding.severity, Severity::Error);
        assert!(l
            .finding
            .message
            .starts_with("nginx and HAProxy will not start with the private key key.pem PEM block 0"));
        assert!(l.finding.message.ends_with("; Apache loads it"), "{}", l.finding.message);
        for (origin, want) in [("apache", Severity::Warning), ("nginx", Severity::Error), ("check", Severity::Error)] {
            let mut findings = vec![l.finding.clone()];
            for_origin(&mut findings, &[(0, l.loaded_by)], origin);
            assert_eq!(findings[0].severity, want, "{origin}");
        }
        // PKCS#8 v2: no server loads it, whatever the origin.
        let file = key_file(Unloadable::Pkcs8V2);
        let l = finding(&file, &file.items[0], Role::Key, None).unwrap();
        let mut findings = vec![l.finding.clone()];
        for_origin(&mut findings, &[(0, l.loaded_by)], "apache");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.starts_with("nginx, HAProxy and Apache will not start"));
    }

    #[test]
    fn names_join_like_prose() {
        assert_eq!(names(&["nginx"]), "nginx");
        assert_eq!(names(NGINX_HAPROXY), "nginx and HAProxy");
        assert_eq!(names(ALL), "nginx, HAProxy and Apache");
    }

    #[test]
    fn every_key_case_stops_nginx_and_a_skipped_chain_block_stops_none() {
        let key_cases = [
            Unloadable::IndentedBegin,
            Unloadable::EndLabel { begin: "PRIVATE KEY".into(), end: "RSA PRIVATE KEY".into() },
            Unloadable::LabelBody { label: "PRIVATE KEY".into(), body: "a PKCS#1 RSAPrivateKey".into() },
            Unloadable::Pkcs8V2,
            Unloadable::HybridParity { what: "stored public key" },
        ];
        for u in &key_cases {
            let f = fate(u, Role::Key).unwrap();
            assert!(f.refuse.contains(&"nginx") && f.refuse.contains(&"HAProxy"), "{u:?}");
        }
        assert_eq!(fate(&key_cases[0], Role::Key).unwrap().load, ["Apache"]);
        let skipped = fate(&Unloadable::IndentedBegin, Role::Chain).unwrap();
        assert!(skipped.refuse.is_empty());
        assert!(fate(&Unloadable::Pkcs8V2, Role::Leaf).is_none());
        assert!(hint(&key_cases[2], Role::Key).contains("-----BEGIN RSA PRIVATE KEY-----"));
    }
}
