//! `scan --probe`: the endpoints to probe, from the TLS listeners the server configs declare
//! ([`crate::servers::Listener`]), each with the certificate file the config names on disk, so
//! that [`super::judge`] can tell a stale certificate (`stale-cert`).

use super::Target;
use crate::parse::{parse_bytes, Source};
use crate::report::DiskRef;
use crate::servers::Sni;

/// `scan --probe`: one target per TLS listener a claim declares and per name the server selects
/// the certificate by ([`Sni`]; none: no SNI), plus one without SNI for a listener's default
/// certificate. A wildcard listen is probed on 127.0.0.1; other addresses only when loopback,
/// unless `remote`. Targets for the same address, port, protocol and name are merged: the server
/// serves one of the certificates configured there (an RSA and an ECDSA one), and any of them is
/// not stale.
pub fn targets_from_claims(claims: &[crate::servers::Claim], remote: bool) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for claim in claims {
        let crate::servers::ClaimedFile::Path { server_path, local, .. } = &claim.cert else { continue };
        if claim.listeners.is_empty() {
            continue;
        }
        let leaf = disk_leaf(local);
        for l in &claim.listeners {
            let host = match &l.host {
                None => "127.0.0.1".to_string(),
                Some(h) if h == "localhost" => "127.0.0.1".to_string(),
                Some(h) => h.clone(),
            };
            let loopback = host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback && !remote {
                continue;
            }
            // Whether the server selects this certificate by names at all.
            let (by_name, mut names) = match &l.sni {
                Sni::Names(names) => (!names.is_empty(), sni_names(names)),
                Sni::Certificate => (true, sni_names(&leaf.names)),
                Sni::Without => (false, Vec::new()),
            };
            // Selected by names none of which can be sent (`*.example.com`): without SNI another
            // certificate answers, so there is nothing to probe unless it is the default one.
            if names.is_empty() && by_name && !l.default {
                continue;
            }
            if names.is_empty() || (l.default && !names.contains(&None)) {
                names.push(None);
            }
            for sni in &names {
                let disk = DiskRef {
                    path: server_path.clone(),
                    config: l.file.clone().unwrap_or_else(|| claim.config.path.clone()),
                    line: Some(l.line),
                    cert_sha256: leaf.sha.clone(),
                    not_after: leaf.not_after.clone(),
                    alternatives: Vec::new(),
                };
                let same =
                    |t: &&mut Target| t.host == host && t.port == l.port && &t.sni == sni && t.starttls == l.starttls;
                match out.iter_mut().find(same) {
                    Some(t) => {
                        if let (Some(d), Some(s)) = (t.disk.as_mut(), leaf.sha.clone()) {
                            d.alternatives.push(s);
                        }
                    }
                    None => out.push(Target {
                        host: host.clone(),
                        port: l.port,
                        sni: sni.clone(),
                        starttls: l.starttls,
                        named: false,
                        disk: Some(disk),
                    }),
                }
            }
        }
    }
    out
}

/// The names that can be sent as SNI, lower-cased, each once (wildcards, addresses and what is
/// not a host name cannot).
fn sni_names(names: &[String]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    for n in names {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        let host_name = n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if n.is_empty() || n == "_" || !host_name || n.parse::<std::net::IpAddr>().is_ok() {
            continue;
        }
        let n = Some(n);
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The first certificate in a file on disk: SHA-256, notAfter (RFC 3339), and the names it
/// answers for (subjectAltName DNS entries, then a subject CN that is a host name).
#[derive(Debug, Default)]
struct DiskLeaf {
    sha: Option<String>,
    not_after: Option<String>,
    names: Vec<String>,
}

fn disk_leaf(path: &std::path::Path) -> DiskLeaf {
    let Ok(bytes) = std::fs::read(path) else { return DiskLeaf::default() };
    if bytes.len() > crate::discover::DEFAULT_MAX_FILE_SIZE as usize {
        return DiskLeaf::default();
    }
    let file = parse_bytes(&bytes, Source::new(path.display().to_string()), &[]);
    let Some((_, _, c)) = file.certificates().next() else { return DiskLeaf::default() };
    let mut names = c.dns_names.clone();
    let cn = c.subject.split(',').find_map(|part| part.trim().strip_prefix("CN="));
    if let Some(cn) = cn.map(str::to_ascii_lowercase) {
        if !names.contains(&cn) {
            names.push(cn);
        }
    }
    DiskLeaf { sha: Some(c.cert_sha256.clone()), not_after: Some(crate::report::rfc3339(c.not_after)), names }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    #[test]
    fn targets_per_listener_as_the_server_selects() {
        use crate::probe::starttls::Starttls;
        use crate::servers::{Claim, ClaimedFile, Listener, Passphrase};
        let fixture = |name: &str| {
            let local =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check").join(name).join("cert.pem");
            ClaimedFile::Path { server_path: format!("/etc/ssl/{name}.pem"), local, line: 3 }
        };
        let claim = |cert: ClaimedFile, listeners: Vec<Listener>| Claim {
            dialect: "test",
            config: Location::file("server.conf"),
            context: None,
            cert,
            key: None,
            chain: None,
            names: vec!["ignored.example".into()],
            listeners,
            passphrase: Passphrase::none("-"),
            key_config: None,
        };
        let claims = [
            claim(
                fixture("bom"),
                vec![
                    // HAProxy: the certificate's own names (SAN and CN bom.test), and without SNI.
                    Listener { sni: Sni::Certificate, default: true, ..Listener::tls(None, 443, 7, Vec::new()) },
                    Listener::tls(Some("10.0.0.1".into()), 443, 8, vec!["remote.example".into()]),
                    Listener {
                        starttls: Some(Starttls::Smtp),
                        sni: Sni::Without,
                        file: Some("master.cf".into()),
                        ..Listener::tls(Some("localhost".into()), 25, 2, Vec::new())
                    },
                ],
            ),
            // Another certificate for the same address, port and name: one target, either not stale.
            claim(fixture("b64-76"), vec![Listener::tls(None, 443, 9, vec!["BOM.test.".into(), "*.wild".into()])]),
            // Selected only by a name that cannot be sent, and not the default: not probed.
            claim(fixture("b64-76"), vec![Listener::tls(None, 8443, 10, vec!["*.wild".into()])]),
        ];
        let t = targets_from_claims(&claims, false);
        let got: Vec<(String, u16, Option<String>, Option<Starttls>)> =
            t.iter().map(|t| (t.label(), t.port, t.sni.clone(), t.starttls)).collect();
        assert_eq!(
            got,
            [
                ("tls://127.0.0.1:443 (bom.test)".to_string(), 443, Some("bom.test".to_string()), None),
                ("tls://127.0.0.1:443".to_string(), 443, None, None),
                ("smtp+starttls://127.0.0.1:25".to_string(), 25, None, Some(Starttls::Smtp)),
            ]
        );
        assert!(t.iter().all(|t| !t.named));
        let disk = |i: usize| t[i].disk.as_ref().unwrap();
        assert_eq!((disk(0).config.as_str(), disk(0).line, disk(0).alternatives.len()), ("server.conf", Some(7), 1));
        assert_eq!((disk(2).config.as_str(), disk(2).line), ("master.cf", Some(2)));
        assert_eq!(disk(0).path, "/etc/ssl/bom.pem");
        // --probe-remote adds the listener on another address, with its own names.
        let t = targets_from_claims(&claims, true);
        assert_eq!(t.len(), 4);
        assert_eq!(t[2].label(), "tls://10.0.0.1:443 (remote.example)");
    }
}
