//! HAProxy (`haproxy.cfg`): `bind … ssl crt <file|dir>` in `frontend` and
//! `listen` sections (a directory means every certificate file in it, except
//! the `.key`/`.ocsp`/`.issuer`/`.sctl` companions), `crt-list <file>` with
//! per-line SNI filters, `crt-base` / `key-base` from `global`, and the `.key`
//! sidecar (`site.pem.key`) that HAProxy loads when the certificate file holds
//! no private key. Client certificates on `server … crt FILE` lines are pairs too.
//! For `scan --probe`, a `bind … ssl` line's addresses are listeners (see [`bind`]).

use super::claim::IPV4_ANY;
use super::{
    clean_names, has_component, has_variable, lines, unresolvable, words, Claim, ClaimedFile, ConfFile, Cx, Dialect,
    Listener, Sni,
};
use crate::finding::Location;
use std::path::{Path, PathBuf};

pub struct Haproxy;

const SECTIONS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "listen",
    "backend",
    "peers",
    "resolvers",
    "userlist",
    "program",
    "cache",
    "ring",
    "mailers",
    "http-errors",
    "crt-store",
];

impl Dialect for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let named = name.starts_with("haproxy") && name.ends_with(".cfg");
        let in_tree = has_component(path, &["haproxy"]) && name.ends_with(".cfg");
        (named || in_tree)
            && lines(text).any(|(_, l)| {
                let w = l.split_whitespace().next().unwrap_or("");
                matches!(w, "global" | "defaults" | "frontend" | "listen" | "backend")
            })
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let dir = file.server_dir();
        let mut crt_base: Option<PathBuf> = None;
        let mut key_base: Option<PathBuf> = None;
        let mut section = String::new();
        for (n, l) in lines(text) {
            let w = words(l);
            let Some(first) = w.first() else { continue };
            if SECTIONS.contains(&first.as_str()) {
                section = match w.get(1) {
                    Some(name) => format!("{first} {name}"),
                    None => first.clone(),
                };
                continue;
            }
            match first.as_str() {
                "crt-base" if section == "global" => crt_base = w.get(1).map(|b| dir.join(b)),
                "key-base" if section == "global" => key_base = w.get(1).map(|b| dir.join(b)),
                "bind" if section.starts_with("frontend") || section.starts_with("listen") => {
                    let bases = Bases { dir: &dir, crt: crt_base.as_deref(), key: key_base.as_deref() };
                    bind(file, n, &w, &section, &bases, cx);
                }
                // Client certificates HAProxy presents to servers: `server NAME ADDR … crt FILE`.
                "server" | "default-server"
                    if section.starts_with("backend") || section.starts_with("listen") || section == "defaults" =>
                {
                    let bases = Bases { dir: &dir, crt: crt_base.as_deref(), key: key_base.as_deref() };
                    let context = match w.get(1) {
                        Some(name) if first == "server" => format!("{section} server {name}"),
                        _ => format!("{section} {first}"),
                    };
                    if let Some(i) = w.iter().position(|x| x == "crt") {
                        if let Some(arg) = w.get(i + 1) {
                            let at = file.at(n, cx.ctx.map);
                            one_or_unresolvable(file, &at, arg, n, &context, &bases, cx);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

struct Bases<'p> {
    dir: &'p Path,
    crt: Option<&'p Path>,
    key: Option<&'p Path>,
}

fn bind(file: &ConfFile, line: u32, w: &[String], section: &str, bases: &Bases<'_>, cx: &mut Cx<'_, '_>) {
    let first = cx.claims.len();
    bind_certificates(file, line, w, section, bases, cx);
    // The listeners: every address of the line when it speaks TLS (`ssl`). HAProxy selects a
    // certificate by its own names (or a crt-list line's filters); the first one loaded is the
    // default, served without SNI (not with `strict-sni`, which refuses such a handshake).
    if !w.iter().any(|x| x == "ssl") {
        return;
    }
    let listeners = bind_addresses(w.get(1).map(String::as_str).unwrap_or(""), line);
    let strict = w.iter().any(|x| x == "strict-sni");
    let at = file.at(line, cx.ctx.map).path;
    for (i, c) in cx.claims.iter_mut().enumerate().skip(first) {
        let sni = if c.names.is_empty() { Sni::Certificate } else { Sni::Names(c.names.clone()) };
        let file = (c.config.path != at).then(|| at.clone());
        c.listeners = listeners
            .iter()
            .map(|l| Listener { sni: sni.clone(), default: i == first && !strict, file: file.clone(), ..l.clone() })
            .collect();
    }
}

/// `bind ADDR:PORT[,ADDR:PORT…]`: `:443`, `*:443`, `0.0.0.0:443` and `:::443` are wildcards
/// (`:::443` probed on ::1), `ipv4@`/`ipv6@` prefixes are dropped; unix sockets, `fd@`, port
/// ranges and what is not an address and port are not listeners keymatch can probe.
fn bind_addresses(spec: &str, line: u32) -> Vec<Listener> {
    let mut out = Vec::new();
    for a in spec.split(',') {
        let a = a.strip_prefix("ipv4@").or_else(|| a.strip_prefix("ipv6@")).unwrap_or(a);
        if a.contains('@') || a.starts_with('/') {
            continue;
        }
        let Some((host, port)) = a.rsplit_once(':') else { continue };
        let Ok(port) = port.parse::<u16>() else { continue };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = match host {
            "" | "*" | IPV4_ANY => None,
            "::" | ":" => Some("::1".to_string()),
            h => Some(h.to_string()),
        };
        out.push(Listener::tls(host, port, line, Vec::new()));
    }
    out
}

fn bind_certificates(file: &ConfFile, line: u32, w: &[String], section: &str, bases: &Bases<'_>, cx: &mut Cx<'_, '_>) {
    let mut i = 0;
    while let Some(opt) = w.get(i) {
        i += 1;
        let Some(arg) = w.get(i) else { break };
        match opt.as_str() {
            "crt" => {
                i += 1;
                let at = file.at(line, cx.ctx.map);
                certificate(file, &at, arg, line, section, Vec::new(), bases, cx);
            }
            "crt-list" => {
                i += 1;
                crt_list(file, arg, line, section, bases, cx);
            }
            _ => {}
        }
    }
}

/// A client certificate (`server … crt FILE`): one file, relative to `crt-base`.
fn one_or_unresolvable(
    file: &ConfFile,
    at: &Location,
    arg: &str,
    line: u32,
    context: &str,
    bases: &Bases<'_>,
    cx: &mut Cx<'_, '_>,
) {
    if has_variable(arg) {
        cx.push(claim(
            at,
            Some(context.to_string()),
            unresolvable(arg, line, "it uses an environment variable"),
            None,
            Vec::new(),
        ));
        return;
    }
    let server = crate::paths::normalize(&bases.crt.unwrap_or(bases.dir).join(arg));
    one(file, at, &server, line, Some(context.to_string()), Vec::new(), bases, cx);
}

/// A `crt` argument: a file, or a directory of them.
#[allow(clippy::too_many_arguments)]
fn certificate(
    file: &ConfFile,
    at: &Location,
    arg: &str,
    line: u32,
    section: &str,
    names: Vec<String>,
    bases: &Bases<'_>,
    cx: &mut Cx<'_, '_>,
) {
    let context = Some(section.to_string());
    if has_variable(arg) {
        cx.push(claim(at, context, unresolvable(arg, line, "it uses an environment variable"), None, names));
        return;
    }
    let base = bases.crt.unwrap_or(bases.dir);
    let server = crate::paths::normalize(&base.join(arg));
    let local = cx.local_of(file, &server);
    if cx.ctx.fs.is_dir(&local) {
        // Names as bytes: a file whose name is not UTF-8 is loaded like any other.
        let Some(mut entries) = cx.ctx.fs.list(&local) else { return };
        entries.sort();
        for name in entries {
            let bytes = name.as_encoded_bytes();
            let skip = [".key", ".ocsp", ".issuer", ".sctl", ".dh"].iter().any(|s| bytes.ends_with(s.as_bytes()));
            if skip || bytes.starts_with(b".") || cx.ctx.fs.is_dir(&local.join(&name)) {
                continue;
            }
            one(file, at, &server.join(&name), line, context.clone(), names.clone(), bases, cx);
        }
        return;
    }
    one(file, at, &server, line, context, names, bases, cx);
}

/// One certificate file, with its key inside or in the `.key` sidecar.
#[allow(clippy::too_many_arguments)]
fn one(
    file: &ConfFile,
    at: &Location,
    server: &Path,
    line: u32,
    context: Option<String>,
    names: Vec<String>,
    bases: &Bases<'_>,
    cx: &mut Cx<'_, '_>,
) {
    let cert = cx.path_claim(file, server, line);
    let local = cx.local_of(file, server);
    let holds_key = cx.read_text(&local).is_none_or(|t| t.contains("PRIVATE KEY-----"));
    let key = if holds_key {
        None
    } else {
        // `<name>.key`, built from the name's bytes (it need not be UTF-8).
        let sidecar = |name: &std::ffi::OsStr| {
            let mut n = name.to_os_string();
            n.push(".key");
            n
        };
        let side = match (bases.key, server.file_name()) {
            (Some(kb), Some(name)) => kb.join(sidecar(name)),
            _ => PathBuf::from(sidecar(server.as_os_str())),
        };
        Some(cx.path_claim(file, &side, line))
    };
    cx.push(claim(at, context, cert, key, names));
}

fn claim(
    at: &Location,
    context: Option<String>,
    cert: ClaimedFile,
    key: Option<ClaimedFile>,
    names: Vec<String>,
) -> Claim {
    Claim {
        dialect: "haproxy",
        config: at.clone(),
        context,
        cert,
        key,
        chain: None,
        names,
        listeners: Vec::new(),
        passphrase: super::Passphrase::Prompt {
            why:
                "HAProxy 2.6 has no passphrase option: OpenSSL asks on a terminal, so HAProxy will not start unattended"
                    .into(),
        },
        key_config: None,
    }
}

/// `crt-list FILE`: `<crtfile> [ssl options] [[!]sni …]` per line.
fn crt_list(file: &ConfFile, arg: &str, line: u32, section: &str, bases: &Bases<'_>, cx: &mut Cx<'_, '_>) {
    if has_variable(arg) {
        let at = file.at(line, cx.ctx.map);
        cx.push(claim(
            &at,
            Some(section.to_string()),
            unresolvable(arg, line, "it uses an environment variable"),
            None,
            Vec::new(),
        ));
        return;
    }
    let server = crate::paths::normalize(&bases.dir.join(arg));
    let list = cx.included(file, &server);
    let Some(text) = cx.read_text(&list.local) else {
        // The list itself is missing: say so through its own claim.
        let at = file.at(line, cx.ctx.map);
        let cert = cx.path_claim(file, &server, line);
        cx.push(claim(&at, Some(section.to_string()), cert, None, Vec::new()));
        return;
    };
    cx.visited.insert(crate::paths::normalize(&list.local));
    for (n, l) in lines(&text) {
        let mut w = words(l);
        // Drop the `[ssl options]` group.
        if let Some(start) = w.iter().position(|x| x.starts_with('[')) {
            let end = w.iter().position(|x| x.ends_with(']')).unwrap_or(start);
            if end >= start {
                w.drain(start..=end);
            }
        }
        let Some(crt) = w.first().cloned() else { continue };
        let names = clean_names(w.iter().skip(1).filter(|s| !s.starts_with('!')).map(String::as_str));
        let at = list.at(n, cx.ctx.map);
        certificate(&list, &at, &crt, n, section, names, bases, cx);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;
    use super::*;

    const PEM_KEY: &str = "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n";
    const PEM_CERT: &str = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";

    #[test]
    fn combined_sidecar_directory_and_crt_list() {
        let both = format!("{PEM_CERT}{PEM_KEY}");
        let t = Tree::new(&[
            (
                "etc/haproxy/haproxy.cfg",
                "global\n    crt-base /etc/haproxy/certs\n    log /dev/log local0\n\
                 defaults\n    mode http\n\
                 frontend web\r\n    bind :443 ssl crt both.pem crt /etc/ssl/split.pem  alpn h2\n\
                 #   bind :444 ssl crt /etc/ssl/commented.pem\n\
                 listen dir\n    bind :8443 ssl crt /etc/haproxy/dir/\n\
                 frontend sni\n    bind :9443 ssl crt-list /etc/haproxy/list.txt\n\
                 backend b\n    server s1 10.0.0.1:443 ssl crt /etc/ssl/client.pem\n",
            ),
            ("etc/haproxy/certs/both.pem", &both),
            ("etc/ssl/split.pem", PEM_CERT),
            ("etc/ssl/client.pem", &both),
            ("etc/haproxy/dir/a.pem", &both),
            ("etc/haproxy/dir/b.pem", PEM_CERT),
            ("etc/haproxy/dir/b.pem.key", PEM_KEY),
            ("etc/haproxy/dir/b.pem.ocsp", "x"),
            (
                "etc/haproxy/list.txt",
                "# comment\n/etc/haproxy/dir/a.pem [alpn h2 ssl-min-ver TLSv1.2] shop.example.com !old.example.com\n\n/etc/haproxy/dir/b.pem *.example.org\n",
            ),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/haproxy/haproxy.cfg:10 etc/haproxy/dir/a.pem@10 - -",
                "etc/haproxy/haproxy.cfg:10 etc/haproxy/dir/b.pem@10 etc/haproxy/dir/b.pem.key@10 -",
                "etc/haproxy/haproxy.cfg:14 etc/ssl/client.pem@14 - -",
                "etc/haproxy/haproxy.cfg:7 etc/haproxy/certs/both.pem@7 - -",
                "etc/haproxy/haproxy.cfg:7 etc/ssl/split.pem@7 etc/ssl/split.pem.key@7 -",
                "etc/haproxy/list.txt:2 etc/haproxy/dir/a.pem@2 - - [shop.example.com]",
                "etc/haproxy/list.txt:4 etc/haproxy/dir/b.pem@4 etc/haproxy/dir/b.pem.key@4 - [*.example.org]",
            ]
        );
    }

    #[test]
    fn a_cfg_elsewhere_is_not_haproxy() {
        assert!(!Haproxy.recognises(Path::new("app/settings.cfg"), "global\n"));
        assert!(Haproxy.recognises(Path::new("x/haproxy.cfg"), "global\n  daemon\n"));
    }

    #[test]
    fn haproxy_has_no_passphrase_option() {
        let t = Tree::new(&[("etc/haproxy/haproxy.cfg", "frontend f\n bind :443 ssl crt /etc/ssl/site.pem\n")]);
        let (claims, _) = t.claims();
        assert_eq!(claims.len(), 1);
        assert!(
            matches!(&claims[0].passphrase, super::super::Passphrase::Prompt { why } if why.contains("HAProxy 2.6"))
        );
    }
}
