//! Dovecot (`dovecot.conf`): `ssl_cert = </path` / `ssl_key = </path`,
//! `ssl_alt_cert` / `ssl_alt_key`, Dovecot 2.4's `ssl_server_cert_file` /
//! `ssl_server_key_file`, overrides inside `local_name host { }` (the names)
//! and other sections, `ssl_key_password`, and `!include` / `!include_try`
//! with globs relative to the including file. For `scan --probe`, the imap/pop3 login
//! services' `inet_listener`s are listeners (see `Reader::listeners`).

use super::claim::IPV4_ANY;
use super::{
    clean_names, has_component, lines, unresolvable, words, Claim, ClaimedFile, ConfFile, Cx, Dialect, Listener, Sni,
};
use crate::servers::Starttls;
use std::path::Path;

pub struct Dovecot;

const MAX_DEPTH: usize = 16;

impl Dialect for Dovecot {
    fn name(&self) -> &'static str {
        "dovecot"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name == "dovecot.conf"
            || (has_component(path, &["dovecot"]) && (name.ends_with(".conf") || name.ends_with(".ext"))))
            && (text.contains("ssl") || text.contains("protocols") || text.contains("!include"))
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        super::file_name(path) == "dovecot.conf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut r = Reader { files: vec![file.clone()], stack: vec![Section::default()], done: Vec::new() };
        r.read(0, text, cx, 0);
        while let Some(s) = r.stack.pop() {
            r.done.push(s);
        }
        r.finish(cx);
    }
}

#[derive(Debug, Clone)]
struct Val {
    text: String,
    line: u32,
    file: usize,
}

#[derive(Debug, Clone, Default)]
struct Section {
    /// `local_name mail.example.com` → names; the top level has none.
    names: Vec<String>,
    label: Option<String>,
    cert: Option<Val>,
    key: Option<Val>,
    alt_cert: Option<Val>,
    alt_key: Option<Val>,
    password: Option<Val>,
    /// `ssl = yes | no | required` (in an `inet_listener`: implicit TLS there).
    ssl: Option<String>,
    /// Where the section opens (`service imap-login {`, `inet_listener imaps {`).
    line: u32,
    file: usize,
    /// `port`, `address` (in an `inet_listener`), `listen` and `protocols` (top level).
    port: Option<Val>,
    address: Option<Val>,
    listen: Option<Val>,
    protocols: Option<Val>,
    /// Index of the parent in `done` order is not kept; children copy what they inherit when opened.
    inherited: Box<Option<Section>>,
}

struct Reader {
    files: Vec<ConfFile>,
    stack: Vec<Section>,
    done: Vec<Section>,
}

impl Reader {
    fn read(&mut self, file: usize, text: &str, cx: &mut Cx<'_, '_>, depth: usize) {
        for (n, l) in lines(text) {
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if let Some(rest) = t.strip_prefix("!include_try").or_else(|| t.strip_prefix("!include")) {
                if depth < MAX_DEPTH {
                    if let Some(p) = words(rest).first() {
                        self.include(file, p, cx, depth);
                    }
                }
                continue;
            }
            if t == "}" || t.starts_with("} ") {
                if self.stack.len() > 1 {
                    if let Some(s) = self.stack.pop() {
                        self.done.push(s);
                    }
                }
                continue;
            }
            if let Some(head) = t.strip_suffix('{') {
                let w = words(head);
                let parent = self.stack.last().cloned().unwrap_or_default();
                let mut s = Section { inherited: Box::new(Some(parent)), line: n, file, ..Section::default() };
                if let (Some(kind), Some(arg)) = (w.first(), w.get(1)) {
                    s.label = Some(format!("{kind} {arg}"));
                    if kind == "local_name" {
                        s.names = clean_names(w.iter().skip(1).map(String::as_str));
                    }
                } else if let Some(kind) = w.first() {
                    s.label = Some(kind.clone());
                }
                self.stack.push(s);
                continue;
            }
            let Some((k, v)) = t.split_once('=') else { continue };
            let value = words(v.trim()).join(" ");
            let val = Val { text: value.clone(), line: n, file };
            let Some(cur) = self.stack.last_mut() else { continue };
            match k.trim() {
                "ssl_cert" | "ssl_server_cert_file" => cur.cert = Some(val),
                "ssl_key" | "ssl_server_key_file" => cur.key = Some(val),
                "ssl_alt_cert" => cur.alt_cert = Some(val),
                "ssl_alt_key" => cur.alt_key = Some(val),
                "ssl_key_password" | "ssl_server_key_password" => cur.password = Some(val),
                "ssl" => cur.ssl = Some(value),
                "port" => cur.port = Some(val),
                "address" => cur.address = Some(val),
                "listen" => cur.listen = Some(val),
                // `protocols = $protocols imap` (Debian's protocols.d) adds to the list so far.
                "protocols" => {
                    let before = cur.protocols.take().map(|p| p.text).unwrap_or_default();
                    let text = value.replace("$protocols", &before);
                    cur.protocols = Some(Val { text, ..val });
                }
                _ => {}
            }
        }
    }

    fn include(&mut self, file: usize, pattern: &str, cx: &mut Cx<'_, '_>, depth: usize) {
        let Some(from) = self.files.get(file).cloned() else { return };
        let server_pattern = crate::paths::normalize(&from.server_dir().join(pattern));
        let targets = cx.expand(&from, &server_pattern);
        cx.each_include(&from, targets, |cx, inc, text| {
            self.files.push(inc);
            let idx = self.files.len() - 1;
            self.read(idx, &text, cx, depth + 1);
        });
    }

    /// `ssl_key_password = secret`, or `<FILE` (Dovecot reads a setting's value
    /// from a file so, all of it): the passphrase, tried as given.
    fn password(&self, value: &Val, cx: &Cx<'_, '_>) -> super::Passphrase {
        let Some(path) = value.text.strip_prefix('<') else {
            return super::Passphrase::Given {
                source: "ssl_key_password".into(),
                passphrases: vec![value.text.as_bytes().to_vec()],
            };
        };
        let path = path.trim();
        let source = format!("ssl_key_password <{path}");
        let read = self.files.get(value.file).map(|from| {
            let local = cx.local_of(from, &crate::paths::normalize(&from.server_dir().join(path)));
            cx.ctx.fs.read(&local)
        });
        match read {
            // The whole file, a final newline included: Dovecot 2.3 does not strip it
            // (a file `right\n` does not open a key whose passphrase is `right`).
            Some(crate::discover::ReadOutcome::Read { bytes, .. }) => {
                super::Passphrase::Given { source, passphrases: vec![bytes] }
            }
            _ => super::Passphrase::Given {
                source: format!("{source} (missing or unreadable)"),
                passphrases: Vec::new(),
            },
        }
    }

    fn finish(&self, cx: &mut Cx<'_, '_>) {
        // `ssl = no` at the top level: Dovecot loads no certificate.
        if self.done.last().and_then(|top| top.ssl.as_deref()) == Some("no") {
            return;
        }
        let listeners = self.listeners(cx);
        for s in &self.done {
            let parent = s.inherited.as_ref().as_ref();
            let get = |f: fn(&Section) -> &Option<Val>| f(s).clone().or_else(|| parent.and_then(|p| f(p).clone()));
            let password = s.password.clone().or_else(|| parent.and_then(|p| p.password.clone()));
            type Pick = fn(&Section) -> &Option<Val>;
            let pairs: [(Pick, Pick); 2] = [(|x| &x.cert, |x| &x.key), (|x| &x.alt_cert, |x| &x.alt_key)];
            for (cert_of, key_of) in pairs {
                // Only the section that sets a value claims it (children inherit, they do not repeat it).
                let own = cert_of(s).is_some() || key_of(s).is_some();
                if !own {
                    continue;
                }
                let (Some(c), k) = (get(cert_of), get(key_of)) else { continue };
                let Some(cfile) = self.files.get(c.file) else { continue };
                let key = k.as_ref().and_then(|k| self.files.get(k.file).map(|f| (f, k)));
                let key_config = key.filter(|(_, k)| k.file != c.file).map(|(f, k)| f.at(k.line, cx.ctx.map));
                let claim = Claim {
                    dialect: "dovecot",
                    config: cfile.at(c.line, cx.ctx.map),
                    context: s.label.clone(),
                    cert: value_file(cfile, &c, cx),
                    key: key.map(|(f, k)| value_file(f, k, cx)),
                    chain: None,
                    names: s.names.clone(),
                    listeners: listeners
                        .iter()
                        .filter(|(proto, _)| only(s).is_none_or(|o| o == *proto))
                        .map(|(_, l)| Listener { sni: Sni::Names(s.names.clone()), ..l.clone() })
                        .collect(),
                    passphrase: match &password {
                        Some(p) => self.password(p, cx),
                        None => super::Passphrase::none(
                            "Dovecot has no ssl_key_password for it, so its TLS handshakes fail (Dovecot 2.3 starts, \
                             but its login processes cannot load the key)",
                        ),
                    },
                    key_config,
                };
                cx.push(claim);
            }
        }
    }
}

/// The protocol a `protocol imap { }` section (or one inside it) limits its settings to.
fn only(s: &Section) -> Option<&str> {
    let mut cur = Some(s);
    while let Some(x) = cur {
        if let Some(p) = x.label.as_deref().and_then(|l| l.strip_prefix("protocol ")) {
            return Some(p);
        }
        cur = x.inherited.as_ref().as_ref();
    }
    None
}

impl Reader {
    /// The IMAP and POP3 listeners of the protocols enabled (`protocols`; Debian's build enables
    /// none by default): the built-in `imap` 143 / `imaps` 993 and `pop3` 110 / `pop3s` 995, as
    /// `service imap-login { inet_listener imaps { port, address, ssl } }` changes them (port 0:
    /// none), on `listen` (`*, ::` by default). Implicit TLS where the listener has `ssl = yes`
    /// (imaps, pop3s), STARTTLS elsewhere (top-level `ssl = no` loads no certificate at all).
    fn listeners(&self, cx: &Cx<'_, '_>) -> Vec<(&'static str, Listener)> {
        let Some(top) = self.done.last() else { return Vec::new() };
        let Some(protocols) = &top.protocols else { return Vec::new() };
        let at = |v: &Val| self.files.get(v.file).map(|f| f.at(v.line, cx.ctx.map).path);
        let listen = top.listen.as_ref().map(|v| v.text.as_str()).unwrap_or("*, ::");
        let mut out = Vec::new();
        let enabled: Vec<&str> = protocols.text.split_whitespace().collect();
        for (proto, starttls, defaults) in [
            ("imap", Starttls::Imap, [("imap", 143, false), ("imaps", 993, true)]),
            ("pop3", Starttls::Pop3, [("pop3", 110, false), ("pop3s", 995, true)]),
        ] {
            if !enabled.contains(&proto) {
                continue;
            }
            let service = format!("service {proto}-login");
            let declared: Vec<&Section> = self
                .done
                .iter()
                .filter(|s| s.label.as_deref().is_some_and(|l| l.starts_with("inet_listener ")))
                .filter(|s| s.inherited.as_ref().as_ref().and_then(|p| p.label.as_deref()) == Some(service.as_str()))
                .collect();
            let mut all: Vec<(String, Option<u16>, bool, Option<&Section>)> =
                defaults.iter().map(|(name, port, ssl)| (name.to_string(), Some(*port), *ssl, None)).collect();
            for s in declared {
                let name = s.label.as_deref().and_then(|l| l.strip_prefix("inet_listener ")).unwrap_or("").to_string();
                let port = s.port.as_ref().map(|p| p.text.parse::<u16>().ok());
                let ssl = s.ssl.as_deref().map(|v| v == "yes");
                match all.iter_mut().find(|(n, ..)| *n == name) {
                    Some(l) => {
                        if let Some(p) = port {
                            l.1 = p;
                        }
                        if let Some(v) = ssl {
                            l.2 = v;
                        }
                        l.3 = Some(s);
                    }
                    None => all.push((name, port.flatten(), ssl.unwrap_or(false), Some(s))),
                }
            }
            for (_, port, ssl, section) in all {
                let Some(port) = port.filter(|p| *p != 0) else { continue };
                let (line, file) = match section {
                    Some(s) => match &s.port {
                        Some(v) => (v.line, at(v)),
                        None => (s.line, self.files.get(s.file).map(|f| f.at(s.line, cx.ctx.map).path)),
                    },
                    None => (protocols.line, at(protocols)),
                };
                let addresses = section.and_then(|s| s.address.as_ref()).map(|a| a.text.as_str()).unwrap_or(listen);
                for host in hosts(addresses) {
                    let starttls = (!ssl).then_some(starttls);
                    let sni = Sni::Names(Vec::new());
                    out.push((proto, Listener { host, port, line, file: file.clone(), starttls, sni, default: false }));
                }
            }
        }
        out
    }
}

/// `listen = *, ::`: `*` is every IPv4 address (probed on 127.0.0.1), `::` every IPv6 one (on
/// ::1, only when IPv4 is not listened on as well: the same server twice).
fn hosts(list: &str) -> Vec<Option<String>> {
    let items: Vec<&str> = list.split([',', ' ']).map(str::trim).filter(|i| !i.is_empty()).collect();
    let mut out: Vec<Option<String>> = Vec::new();
    for i in &items {
        let h = match *i {
            "*" | IPV4_ANY => None,
            "::" | "[::]" if items.contains(&"*") => continue,
            "::" | "[::]" => Some("::1".to_string()),
            other => Some(other.trim_start_matches('[').trim_end_matches(']').to_string()),
        };
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// `</path` reads a file (2.3); 2.4's `_file` settings name it plainly.
fn value_file(file: &ConfFile, v: &Val, cx: &Cx<'_, '_>) -> ClaimedFile {
    let p = v.text.strip_prefix('<').unwrap_or(&v.text).trim();
    if p.contains('$') || p.contains('%') {
        return unresolvable(p, v.line, "it uses a Dovecot variable");
    }
    cx.claimed(file, p, &file.server_dir(), v.line)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn imap_and_pop3_listeners_with_local_names() {
        use super::super::Sni;
        use crate::servers::Starttls;
        let t = Tree::new(&[
            (
                "etc/dovecot/dovecot.conf",
                "protocols = imap\n!include conf.d/*.conf\nlisten = 127.0.0.1\n\
                 ssl_cert = </etc/ssl/main.pem\nssl_key = </etc/ssl/main.key\n\
                 local_name mail.example.com {\n  ssl_cert = </etc/ssl/mail.pem\n  ssl_key = </etc/ssl/mail.key\n}\n\
                 protocol pop3 {\n  ssl_cert = </etc/ssl/pop.pem\n  ssl_key = </etc/ssl/pop.key\n}\n",
            ),
            ("etc/dovecot/conf.d/pop3.conf", "protocols = $protocols pop3\n"),
            (
                "etc/dovecot/conf.d/10-master.conf",
                "service imap-login {\n  inet_listener imap {\n    port = 1143\n  }\n  inet_listener imaps {\n    port = 1993\n    address = ::1\n  }\n}\n\
                 service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n  inet_listener alt {\n    port = 2995\n    ssl = yes\n  }\n}\n",
            ),
        ]);
        let (claims, _) = t.claims();
        let mut got: Vec<_> = claims
            .iter()
            .flat_map(|c| {
                let cert = c.config.line.unwrap_or(0);
                c.listeners.iter().map(move |l| (cert, l.host.clone(), l.port, l.starttls, l.sni.clone()))
            })
            .collect();
        got.sort_by_key(|g| g.0);
        let (lo, six) = (Some("127.0.0.1".to_string()), Some("::1".to_string()));
        let none = Sni::Names(Vec::new());
        let mail = Sni::Names(vec!["mail.example.com".into()]);
        assert_eq!(
            got,
            [
                (4, lo.clone(), 1143, Some(Starttls::Imap), none.clone()),
                (4, six.clone(), 1993, None, none.clone()),
                (4, lo.clone(), 995, None, none.clone()),
                (4, lo.clone(), 2995, None, none.clone()),
                (7, lo.clone(), 1143, Some(Starttls::Imap), mail.clone()),
                (7, six, 1993, None, mail.clone()),
                (7, lo.clone(), 995, None, mail.clone()),
                (7, lo.clone(), 2995, None, mail),
                (11, lo.clone(), 995, None, none.clone()),
                (11, lo, 2995, None, none),
            ]
        );
        let main = claims.iter().find(|c| c.config.line == Some(4)).unwrap();
        let imaps = &main.listeners[1];
        assert_eq!(imaps.line, 6);
        assert!(imaps.file.as_deref().is_some_and(|f| f.ends_with("conf.d/10-master.conf")), "{imaps:?}");
        let pop3s = &main.listeners[2];
        assert_eq!(pop3s.line, 1);
        assert!(pop3s.file.as_deref().is_some_and(|f| f.ends_with("conf.d/pop3.conf")), "{pop3s:?}");
    }

    #[test]
    fn no_protocols_no_listeners() {
        let t = Tree::new(&[(
            "etc/dovecot/dovecot.conf",
            "ssl_cert = </etc/ssl/a.pem\nssl_key = </etc/ssl/a.key\nservice imap-login {\n inet_listener imaps {\n  port = 993\n }\n}\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(claims.len(), 1);
        assert!(claims[0].listeners.is_empty(), "{:?}", claims[0].listeners);
    }

    #[test]
    fn ssl_no_loads_nothing() {
        let t = Tree::new(&[(
            "etc/dovecot/dovecot.conf",
            "ssl = no\nssl_cert = </etc/ssl/a.pem\nssl_key = </etc/ssl/a.key\n",
        )]);
        assert!(t.claims().0.is_empty());
    }

    #[test]
    fn includes_sections_and_alt_certs() {
        let t = Tree::new(&[
            ("etc/dovecot/dovecot.conf", "protocols = imap\n!include conf.d/*.conf\n!include_try local.conf\n"),
            (
                "etc/dovecot/conf.d/10-ssl.conf",
                "ssl = required\nssl_cert = </etc/dovecot/private/rsa.pem\nssl_key = </etc/dovecot/private/rsa.key\n\
                 # ssl_cert = </etc/old.pem\nssl_alt_cert = </etc/ssl/ec.pem\nssl_alt_key = </etc/ssl/ec.key\n\
                 ssl_key_password = secret\n\
                 local_name mail.example.com {\n  ssl_cert = </etc/ssl/mail.pem\n  ssl_key = </etc/ssl/mail.key\n}\n\
                 protocol imap {\n  mail_max_userip_connections = 10\n}\n",
            ),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/dovecot/conf.d/10-ssl.conf:2 etc/dovecot/private/rsa.pem@2 etc/dovecot/private/rsa.key@3 -",
                "etc/dovecot/conf.d/10-ssl.conf:5 etc/ssl/ec.pem@5 etc/ssl/ec.key@6 -",
                "etc/dovecot/conf.d/10-ssl.conf:9 etc/ssl/mail.pem@9 etc/ssl/mail.key@10 - [mail.example.com]",
            ]
        );
        assert!(claims.iter().all(|c| c.passphrase
            == super::super::Passphrase::Given {
                source: "ssl_key_password".into(),
                passphrases: vec![b"secret".to_vec()]
            }));
    }

    #[test]
    fn key_password_inline_from_a_file_or_none() {
        use super::super::Passphrase;
        let t = Tree::new(&[
            (
                "etc/dovecot/dovecot.conf",
                "ssl_cert = </etc/ssl/a.pem\nssl_key = </etc/ssl/a.key\nssl_key_password = </etc/dovecot/keypass\n\
                 local_name other.example {\n ssl_cert = </etc/ssl/b.pem\n ssl_key = </etc/ssl/b.key\n}\n",
            ),
            ("etc/dovecot/keypass", "from file\n"),
        ]);
        let (claims, _) = t.claims();
        let want = Passphrase::Given {
            source: "ssl_key_password </etc/dovecot/keypass".into(),
            passphrases: vec![b"from file\n".to_vec()],
        };
        assert_eq!(claims.len(), 2);
        assert!(claims.iter().all(|c| c.passphrase == want), "{claims:?}");
        let t = Tree::new(&[("etc/dovecot/dovecot.conf", "ssl_cert = </etc/ssl/a.pem\nssl_key = </etc/ssl/a.key\n")]);
        let (claims, _) = t.claims();
        assert!(matches!(&claims[0].passphrase, Passphrase::None { why } if why.contains("ssl_key_password")));
    }
}
