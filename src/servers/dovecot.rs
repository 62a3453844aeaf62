//! Dovecot (`dovecot.conf`): `ssl_cert = </path` / `ssl_key = </path`,
//! `ssl_alt_cert` / `ssl_alt_key`, Dovecot 2.4's `ssl_server_cert_file` /
//! `ssl_server_key_file`, overrides inside `local_name host { }` (the names)
//! and other sections, `ssl_key_password`, and `!include` / `!include_try`
//! with globs relative to the including file.

use super::{clean_names, has_component, lines, unresolvable, words, Claim, ClaimedFile, ConfFile, Cx, Dialect};
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
    /// `ssl = yes | no | required`.
    ssl: Option<String>,
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
                let mut s = Section { inherited: Box::new(Some(parent)), ..Section::default() };
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
                    listeners: Vec::new(),
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
