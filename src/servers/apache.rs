//! Apache httpd (Debian `apache2.conf`, RHEL `conf/httpd.conf`):
//! `SSLCertificateFile` / `SSLCertificateKeyFile` (paired by position; no key
//! file: the key is in the certificate file), `SSLCertificateChainFile`, per
//! `<VirtualHost>` with `SSLEngine on`, inheriting from the main server;
//! `ServerName` / `ServerAlias`; `Include` / `IncludeOptional` with globs
//! relative to `ServerRoot`; `Define` and `${VAR}`; `<IfModule>` and
//! `<IfDefine>` (negated module tests are taken as false); continuation lines. For `scan
//! --probe`, TLS `<VirtualHost ADDR:PORT>`s are listeners (`Listen` gives a port-less one's).

use super::claim::IPV4_ANY;
use super::{
    clean_names, has_component, has_variable, lines, unresolvable, Claim, ConfFile, Cx, Dialect, Listener, Passphrase,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Apache;

const MAX_DEPTH: usize = 16;

impl Dialect for Apache {
    fn name(&self) -> &'static str {
        "apache"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let in_tree = has_component(path, &["apache2", "httpd", "apache"])
            || name == "httpd.conf"
            || name == "apache2.conf"
            || name == "httpd-ssl.conf";
        if !in_tree
            || name == "envvars"
            || name == "magic"
            || [".pem", ".crt", ".key"].iter().any(|e| name.ends_with(e))
        {
            return false;
        }
        contains_any_ignore_case(text.as_bytes())
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        let name = super::file_name(path);
        name == "apache2.conf" || name == "httpd.conf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let dir = file.server_dir();
        // RHEL keeps httpd.conf in `conf/` under the ServerRoot.
        let root = if dir.file_name().is_some_and(|n| n == "conf") {
            dir.parent().map(Path::to_path_buf).unwrap_or(dir)
        } else {
            dir
        };
        let mut st = State { server_root: root, files: vec![file.clone()], ..State::default() };
        st.read(0, text, cx, 0);
        st.finish(cx);
    }
}

/// What [`contains_any_ignore_case`] looks for, lowercased.
const APACHE_KEYS: [&str; 7] =
    ["<virtualhost", "sslcertificatefile", "serverroot", "include", "loadmodule", "servername", "listen "];

/// Does the text name (in any ASCII case) a directive or section only Apache configs have?
/// Looked at in windows lowercased on the stack, not in a lowercased copy of the whole file
/// (this runs for every candidate file in an Apache tree; most name one in their first lines).
fn contains_any_ignore_case(text: &[u8]) -> bool {
    /// Bytes per window; consecutive windows overlap by more than the longest key, so every
    /// occurrence lies whole in one window.
    const WINDOW: usize = 4096;
    const OVERLAP: usize = 32;
    static FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::LazyLock::new(|| APACHE_KEYS.iter().map(memchr::memmem::Finder::new).collect());
    let mut buf = [0u8; WINDOW + OVERLAP];
    let mut start = 0;
    loop {
        let end = (start + WINDOW + OVERLAP).min(text.len());
        let Some((window, src)) = buf.get_mut(..end - start).zip(text.get(start..end)) else { return false };
        window.copy_from_slice(src);
        window.make_ascii_lowercase();
        if FINDERS.iter().any(|f| f.find(window).is_some()) {
            return true;
        }
        if end == text.len() {
            return false;
        }
        start += WINDOW;
    }
}

#[derive(Debug, Clone)]
struct Arg {
    text: String,
    line: u32,
    file: usize,
}

#[derive(Debug, Clone, Default)]
struct Level {
    certs: Vec<Arg>,
    keys: Vec<Arg>,
    chain: Option<Arg>,
    engine: Option<bool>,
    names: Vec<String>,
    first_name: Option<String>,
    line: u32,
    /// Relative paths resolve against the ServerRoot in force when they were read.
    root: PathBuf,
    /// `<VirtualHost ADDR>`.
    addr: String,
    /// The file the `<VirtualHost>` opens in.
    file: usize,
}

#[derive(Debug, PartialEq)]
enum Sec {
    VHost,
    Cond(bool),
    Other,
}

#[derive(Default)]
struct State {
    server_root: PathBuf,
    defines: HashMap<String, String>,
    files: Vec<ConfFile>,
    global: Level,
    vhost: Option<Level>,
    vhosts: Vec<Level>,
    stack: Vec<Sec>,
    /// `SSLPassPhraseDialog` (server config only; `builtin` when absent).
    pass_dialog: Option<String>,
    /// `Listen [ADDR:]PORT`: the address (`None`: every one) and port.
    listens: Vec<(Option<String>, u16)>,
}

/// Logical lines: comments dropped, `\` continuations joined, numbered by their first line.
/// A line without continuation is borrowed from `text`.
pub fn logical_lines(text: &str) -> Vec<(u32, Cow<'_, str>)> {
    let mut out = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (n, l) in lines(text) {
        if let Some(stripped) = l.strip_suffix('\\') {
            let (start, mut acc) = pending.take().unwrap_or((n, String::new()));
            acc.push_str(stripped);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        match pending.take() {
            Some((start, mut acc)) => {
                acc.push_str(l);
                push_logical(&mut out, start, Cow::Owned(acc));
            }
            None => push_logical(&mut out, n, Cow::Borrowed(l)),
        }
    }
    if let Some((start, acc)) = pending {
        push_logical(&mut out, start, Cow::Owned(acc));
    }
    out
}

/// Keep one logical line, trimmed, unless it is empty or a comment.
fn push_logical<'t>(out: &mut Vec<(u32, Cow<'t, str>)>, n: u32, line: Cow<'t, str>) {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return;
    }
    let trimmed = match line {
        Cow::Borrowed(l) => Cow::Borrowed(l.trim()),
        Cow::Owned(ref l) => Cow::Owned(l.trim().to_string()),
    };
    out.push((n, trimmed));
}

/// Apache's words: whitespace separated, `"…"`/`'…'` quoted with `\"` escapes; `#` is not special mid-line.
/// An unquoted word is copied from the line at once.
fn conf_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else { break };
        if c == '"' || c == '\'' {
            let quoted = rest.get(1..).unwrap_or("");
            let mut w = String::new();
            let mut end = quoted.len();
            let mut chars = quoted.char_indices().peekable();
            while let Some((i, q)) = chars.next() {
                if q == '\\' && chars.peek().is_some_and(|&(_, n)| n == c || n == '\\') {
                    w.extend(chars.next().map(|(_, n)| n));
                } else if q == c {
                    end = i + q.len_utf8();
                    break;
                } else {
                    w.push(q);
                }
            }
            rest = quoted.get(end..).unwrap_or("");
            out.push(w);
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            out.push(word.to_string());
            rest = after;
        }
    }
    out
}

impl State {
    fn active(&self) -> bool {
        !self.stack.contains(&Sec::Cond(false))
    }

    /// `${NAME}` replaced by its `Define`d value (left as is when undefined).
    fn expand<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !s.contains("${") {
            return Cow::Borrowed(s);
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find('}') {
                Some(j) => {
                    let name = &after[..j];
                    match self.defines.get(name) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push_str("${");
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    fn level(&mut self) -> &mut Level {
        match &mut self.vhost {
            Some(v) => v,
            None => &mut self.global,
        }
    }

    fn read(&mut self, file: usize, text: &str, cx: &mut Cx<'_, '_>, depth: usize) {
        for (line, raw) in logical_lines(text) {
            let expanded = self.expand(&raw);
            let words = conf_words(&expanded);
            let Some(first) = words.first() else { continue };
            let name = first.to_ascii_lowercase();
            let args = words.get(1..).unwrap_or(&[]);
            if let Some(close) = name.strip_prefix("</") {
                let close = close.trim_end_matches('>');
                if let Some(sec) = self.stack.pop() {
                    if sec == Sec::VHost && close == "virtualhost" {
                        if let Some(v) = self.vhost.take() {
                            self.vhosts.push(v);
                        }
                    }
                }
                continue;
            }
            if let Some(open) = name.strip_prefix('<') {
                let open = open.trim_end_matches('>');
                let arg = args.join(" ");
                let arg = arg.trim_end_matches('>').trim().to_string();
                let sec = match open {
                    "virtualhost" if self.active() && self.vhost.is_none() => {
                        self.vhost = Some(Level {
                            line,
                            file,
                            root: self.server_root.clone(),
                            addr: arg.clone(),
                            ..Level::default()
                        });
                        Sec::VHost
                    }
                    "ifmodule" => Sec::Cond(!arg.starts_with('!')),
                    "ifdefine" => Sec::Cond(match arg.strip_prefix('!') {
                        Some(n) => !self.defines.contains_key(n),
                        None => self.defines.contains_key(&arg),
                    }),
                    _ => Sec::Other,
                };
                self.stack.push(sec);
                continue;
            }
            if !self.active() {
                continue;
            }
            // Only the directives below take their first argument (copied once, when taken).
            const TAKEN: [&str; 13] = [
                "serverroot",
                "define",
                "undefine",
                "include",
                "includeoptional",
                "sslengine",
                "sslcertificatefile",
                "sslcertificatekeyfile",
                "sslcertificatechainfile",
                "sslpassphrasedialog",
                "listen",
                "servername",
                "serveralias",
            ];
            let first_arg =
                args.first().filter(|_| TAKEN.contains(&name.as_str())).map(|a| Arg { text: a.clone(), line, file });
            match (name.as_str(), first_arg) {
                ("serverroot", Some(a)) => self.server_root = PathBuf::from(a.text),
                ("define", Some(a)) => {
                    self.defines.insert(a.text, args.get(1).cloned().unwrap_or_default());
                }
                ("undefine", Some(a)) => {
                    self.defines.remove(&a.text);
                }
                ("include" | "includeoptional", Some(a)) if depth < MAX_DEPTH => self.include(file, &a.text, cx, depth),
                ("sslengine", Some(a)) => self.level().engine = Some(a.text.eq_ignore_ascii_case("on")),
                ("sslcertificatefile", Some(a)) => self.level().certs.push(a),
                ("sslcertificatekeyfile", Some(a)) => self.level().keys.push(a),
                ("sslcertificatechainfile", Some(a)) => self.level().chain = Some(a),
                ("sslpassphrasedialog", Some(a)) => self.pass_dialog = Some(a.text),
                ("listen", Some(a)) => {
                    if let Some(l) = address(&a.text) {
                        self.listens.push(l);
                    }
                }
                ("servername", Some(a)) => {
                    let host = host_of(&a.text);
                    let lvl = self.level();
                    lvl.first_name.get_or_insert(host.clone());
                    lvl.names.push(host);
                }
                ("serveralias", Some(_)) => {
                    let hosts: Vec<String> = args.iter().map(|h| host_of(h)).collect();
                    self.level().names.extend(hosts);
                }
                _ => {}
            }
        }
    }

    fn include(&mut self, file: usize, pattern: &str, cx: &mut Cx<'_, '_>, depth: usize) {
        if has_variable(pattern) {
            return;
        }
        let Some(from) = self.files.get(file).cloned() else { return };
        let server_pattern = crate::paths::normalize(&self.server_root.join(pattern));
        let mut targets = cx.expand(&from, &server_pattern);
        // An included directory means every file in it.
        if targets.len() == 1 && cx.ctx.fs.is_dir(&cx.local_of(&from, &server_pattern)) {
            targets = cx.expand(&from, &server_pattern.join("*"));
        }
        cx.each_include(&from, targets, |cx, inc, text| {
            self.files.push(inc);
            let idx = self.files.len() - 1;
            self.read(idx, &text, cx, depth + 1);
        });
    }

    fn finish(mut self, cx: &mut Cx<'_, '_>) {
        if let Some(v) = self.vhost.take() {
            self.vhosts.push(v);
        }
        let global = self.global.clone();
        if global.engine == Some(true) {
            self.claims(&global, &global, "main server".to_string(), Vec::new(), cx);
        }
        // The first TLS virtual host of an address and port answers without SNI (or with a name
        // no virtual host has); the others only for their names.
        let mut first: Vec<(Option<String>, u16)> = Vec::new();
        for v in &self.vhosts {
            let context = match &v.first_name {
                Some(n) => format!("VirtualHost {n}"),
                None => format!("VirtualHost {} at line {}", v.addr, v.line),
            };
            let mut listeners = Vec::new();
            if v.engine.or(global.engine) == Some(true) {
                let names = clean_names(v.names.iter().map(String::as_str));
                let at = self.files.get(v.file).map(|f| f.at(v.line, cx.ctx.map).path);
                for (host, port) in self.vhost_addresses(&v.addr) {
                    let default = !first.contains(&(host.clone(), port));
                    if default {
                        first.push((host.clone(), port));
                    } else if names.is_empty() {
                        continue;
                    }
                    let l = Listener { file: at.clone(), default, ..Listener::tls(host, port, v.line, names.clone()) };
                    listeners.push(l);
                }
            }
            self.claims(v, &global, context, listeners, cx);
        }
    }

    /// `<VirtualHost *:443 [::1]:8443>`: each address and port; one without a port stands for
    /// every `Listen` port.
    fn vhost_addresses(&self, spec: &str) -> Vec<(Option<String>, u16)> {
        let mut out = Vec::new();
        for a in spec.split_whitespace() {
            match address(a) {
                Some(l) => out.push(l),
                None => {
                    let host = wildcard(a.trim_start_matches('[').trim_end_matches(']'));
                    for (lhost, port) in &self.listens {
                        out.push((host.clone().or_else(|| lhost.clone()), *port));
                    }
                }
            }
        }
        out.dedup();
        out
    }

    fn claims(&self, v: &Level, global: &Level, context: String, listeners: Vec<Listener>, cx: &mut Cx<'_, '_>) {
        if v.engine.or(global.engine) != Some(true) {
            return;
        }
        let certs = if v.certs.is_empty() { &global.certs } else { &v.certs };
        let keys = if v.keys.is_empty() { &global.keys } else { &v.keys };
        let chain = v.chain.as_ref().or(global.chain.as_ref());
        let names = clean_names(v.names.iter().map(String::as_str));
        for (i, c) in certs.iter().enumerate() {
            let Some(cfile) = self.files.get(c.file) else { continue };
            let key_arg = keys.get(i);
            let key = key_arg.and_then(|k| self.files.get(k.file).map(|f| self.claimed(f, k, v, cx)));
            let key_config = key_arg
                .filter(|k| k.file != c.file)
                .and_then(|k| self.files.get(k.file).map(|f| f.at(k.line, cx.ctx.map)));
            let chain = chain.and_then(|ch| self.files.get(ch.file).map(|f| self.claimed(f, ch, v, cx)));
            let claim = Claim {
                dialect: "apache",
                config: cfile.at(c.line, cx.ctx.map),
                context: Some(context.clone()),
                cert: self.claimed(cfile, c, v, cx),
                key,
                chain,
                names: names.clone(),
                listeners: listeners.clone(),
                passphrase: self.passphrase(),
                key_config,
            };
            cx.push(claim);
        }
    }

    /// How mod_ssl gets a key's passphrase: `SSLPassPhraseDialog builtin` (the
    /// default) asks on the terminal at start; `exec:PROGRAM` and `|PROGRAM` run a
    /// program, which keymatch never does.
    fn passphrase(&self) -> Passphrase {
        match self.pass_dialog.as_deref() {
            Some(d) if d.starts_with("exec:") || d.starts_with('|') => {
                Passphrase::Program { source: format!("SSLPassPhraseDialog {d}") }
            }
            _ => Passphrase::Prompt {
                why:
                    "Apache's SSLPassPhraseDialog is builtin (the default): it asks on a terminal at start, so Apache \
                      will not start unattended"
                        .into(),
            },
        }
    }

    fn claimed(&self, file: &ConfFile, a: &Arg, v: &Level, cx: &Cx<'_, '_>) -> super::ClaimedFile {
        if has_variable(&a.text) {
            return unresolvable(&a.text, a.line, "it uses a variable that no Define sets");
        }
        let root = if v.root.as_os_str().is_empty() { &self.server_root } else { &v.root };
        cx.claimed(file, &a.text, root, a.line)
    }
}

/// `ADDR:PORT` or `PORT` (`Listen`, `<VirtualHost>`): `*`, `_default_` and `0.0.0.0` are every
/// IPv4 address (`None`), `[::]` every IPv6 one (probed on ::1).
fn address(spec: &str) -> Option<(Option<String>, u16)> {
    if let Ok(port) = spec.parse::<u16>() {
        return Some((None, port));
    }
    let (host, port) = spec.rsplit_once(':')?;
    if host.contains(':') && !host.ends_with(']') {
        return None; // a bare IPv6 address without a port
    }
    let port = port.parse::<u16>().ok()?;
    Some((wildcard(host.trim_start_matches('[').trim_end_matches(']')), port))
}

fn wildcard(host: &str) -> Option<String> {
    match host {
        "*" | "_default_" | IPV4_ANY | "" => None,
        "::" => Some("::1".to_string()),
        h => Some(h.to_string()),
    }
}

/// `https://shop.example.com:443` → `shop.example.com`.
fn host_of(s: &str) -> String {
    let s = s.split_once("://").map(|(_, r)| r).unwrap_or(s);
    let s = s.split('/').next().unwrap_or(s);
    match s.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;
    use super::*;

    /// Apache's words as the character-by-character reading gave them.
    #[test]
    fn words_are_the_character_readers() {
        fn by_chars(line: &str) -> Vec<String> {
            let mut out = Vec::new();
            let mut chars = line.chars().peekable();
            loop {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                let Some(&c) = chars.peek() else { break };
                let mut w = String::new();
                if c == '"' || c == '\'' {
                    chars.next();
                    while let Some(q) = chars.next() {
                        if q == '\\' && chars.peek().is_some_and(|n| *n == c || *n == '\\') {
                            w.extend(chars.next());
                        } else if q == c {
                            break;
                        } else {
                            w.push(q);
                        }
                    }
                } else {
                    while let Some(&q) = chars.peek() {
                        if q.is_whitespace() {
                            break;
                        }
                        w.push(q);
                        chars.next();
                    }
                }
                out.push(w);
            }
            out
        }
        const ATOMS: &[&str] = &["a", "é", " ", "\t", "\u{a0}", "\"", "'", "\\", "x\"y", "${A}", ">", "\u{3000}"];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(ATOMS[(seed % ATOMS.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            assert_eq!(conf_words(&line), by_chars(&line), "{line:?}");
        }
        assert_eq!(
            conf_words(r#" SSLCertificateFile "/a b/c" 'd\'e' f"#),
            ["SSLCertificateFile", "/a b/c", "d'e", "f"]
        );
    }

    /// The windowed search finds what a search of the lowercased text finds, wherever the key
    /// falls against the windows' edges.
    #[test]
    fn directive_search_in_windows_is_the_lowercased_texts() {
        let whole = |t: &str| APACHE_KEYS.iter().any(|k| t.to_ascii_lowercase().contains(k));
        let mut found = 0;
        for len in [0, 1, 17, 4095, 4096, 4097, 4128, 4129, 8200, 12_300] {
            for key in ["SSLCertificateFile", "Listen ", "ListenX", "<VirtualHOST", "servernam", "ÉINCLUDE"] {
                for at in [0, 4080, 4090, 4095, 4096, 4110, 4127, 8180, 8191, 8192, 12_290] {
                    let mut t = "x".repeat(len);
                    if at <= t.len() {
                        t.insert_str(at, key);
                    }
                    assert_eq!(contains_any_ignore_case(t.as_bytes()), whole(&t), "{len} {key} {at}");
                    found += usize::from(whole(&t));
                }
            }
        }
        assert!(found > 100, "{found}");
    }

    #[test]
    fn logical_lines_join_continuations_and_drop_comments() {
        let l = logical_lines("  # c\r\nSSLCertificateFile \\\r\n   /a.pem\n\n  Foo bar # not a comment\n");
        assert_eq!(l, vec![(2, Cow::from("SSLCertificateFile     /a.pem")), (5, Cow::from("Foo bar # not a comment"))]);
        assert_eq!(conf_words(r#"A "b \" c" 'd'"#), vec!["A", "b \" c", "d"]);
    }

    #[test]
    fn debian_layout_with_enabled_sites_defines_and_default_key_in_cert() {
        let t = Tree::new(&[
            (
                "etc/apache2/apache2.conf",
                "Define SSLDIR /etc/ssl\nIncludeOptional mods-enabled/*.load\nIncludeOptional sites-enabled/*.conf\n",
            ),
            (
                "etc/apache2/sites-available/shop.conf",
                "<IfModule mod_ssl.c>\n<VirtualHost *:443>\n  ServerName https://shop.example.com:443\n  ServerAlias www.example.com\n\
                 SSLEngine on\n  SSLCertificateFile \"${SSLDIR}/shop.crt\"\n  SSLCertificateKeyFile ${SSLDIR}/shop.key\n\
                 SSLCertificateChainFile ${SSLDIR}/chain.pem\n  #SSLCertificateFile /etc/ssl/old.crt\n</VirtualHost>\n\
                 <VirtualHost *:443>\n SSLEngine On\n SSLCertificateFile ${UNSET}/x.pem\n</VirtualHost>\n</IfModule>\n",
            ),
            ("etc/apache2/sites-available/combined.conf", "<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /etc/ssl/both.pem\n</VirtualHost>\n"),
            ("etc/apache2/sites-available/off.conf", "<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /etc/ssl/gone.pem\n</VirtualHost>\n"),
        ]);
        t.link("etc/apache2/sites-enabled/shop.conf", "../sites-available/shop.conf");
        t.link("etc/apache2/sites-enabled/combined.conf", "../sites-available/combined.conf");
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/apache2/sites-enabled/combined.conf:3 etc/ssl/both.pem@3 - -",
                "etc/apache2/sites-enabled/shop.conf:13 ?${UNSET}/x.pem@13 - -",
                "etc/apache2/sites-enabled/shop.conf:6 etc/ssl/shop.crt@6 etc/ssl/shop.key@7 etc/ssl/chain.pem@8 [shop.example.com,www.example.com]",
            ]
        );
    }

    #[test]
    fn rhel_layout_resolves_relative_to_server_root() {
        let t = Tree::new(&[
            ("etc/httpd/conf/httpd.conf", "ServerRoot \"/etc/httpd\"\nInclude conf.modules.d/*.conf\nIncludeOptional conf.d/*.conf\n"),
            (
                "etc/httpd/conf.d/ssl.conf",
                "Listen 443 https\n<VirtualHost _default_:443>\nSSLEngine on\nSSLCertificateFile /etc/pki/tls/certs/localhost.crt\n\
                 SSLCertificateKeyFile pki/localhost.key\n</VirtualHost>\n<IfModule !mod_ssl.c>\nSSLCertificateFile /nope\n</IfModule>\n",
            ),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec!["etc/httpd/conf.d/ssl.conf:4 etc/pki/tls/certs/localhost.crt@4 etc/httpd/pki/localhost.key@5 -"]
        );
    }

    #[test]
    fn tls_virtual_hosts_are_listeners() {
        use super::super::Sni;
        let t = Tree::new(&[(
            "etc/apache2/apache2.conf",
            "Listen 443\nListen [::1]:8443\n\
             <VirtualHost *:443 [::]:443>\nServerName a.example\nServerAlias www.a.example\nSSLEngine on\nSSLCertificateFile /a.pem\n</VirtualHost>\n\
             <VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /nameless.pem\n</VirtualHost>\n\
             <VirtualHost _default_>\nServerName b.example\nSSLEngine on\nSSLCertificateFile /b.pem\n</VirtualHost>\n\
             <VirtualHost 10.0.0.1:80>\nServerName c.example\nSSLCertificateFile /c.pem\n</VirtualHost>\n",
        )]);
        let (claims, _) = t.claims();
        let mut got: Vec<(String, Option<String>, u16, u32, bool, Sni)> = claims
            .iter()
            .flat_map(|c| {
                let cert = t.summary(std::slice::from_ref(c))[0].split(' ').nth(1).unwrap_or("").to_string();
                c.listeners
                    .iter()
                    .map(move |l| (cert.clone(), l.host.clone(), l.port, l.line, l.default, l.sni.clone()))
            })
            .collect();
        got.sort_by_key(|g| (g.0.clone(), g.1.clone(), g.2));
        let a = Sni::Names(vec!["a.example".into(), "www.a.example".into()]);
        let b = Sni::Names(vec!["b.example".into()]);
        assert_eq!(
            got,
            [
                ("a.pem@7".to_string(), None, 443, 3, true, a.clone()),
                ("a.pem@7".to_string(), Some("::1".to_string()), 443, 3, true, a),
                // Not the first on *:443 and no name: Apache never selects it.
                ("b.pem@16".to_string(), None, 443, 13, false, b.clone()),
                ("b.pem@16".to_string(), Some("::1".to_string()), 8443, 13, true, b),
            ]
        );
    }

    #[test]
    fn no_sslengine_means_no_claim() {
        let t = Tree::new(&[(
            "etc/apache2/apache2.conf",
            "<VirtualHost *:80>\nSSLCertificateFile /a.pem\n</VirtualHost>\n",
        )]);
        assert!(t.claims().0.is_empty());
    }

    #[test]
    fn pass_phrase_dialog_builtin_prompts_and_exec_is_a_program() {
        let site = "<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /etc/ssl/a.pem\n</VirtualHost>\n";
        let t = Tree::new(&[("etc/apache2/apache2.conf", site)]);
        let (claims, _) = t.claims();
        assert!(matches!(&claims[0].passphrase, Passphrase::Prompt { why } if why.contains("builtin")));
        for dialog in ["exec:/usr/share/apache2/ask-for-passphrase", "|/usr/local/bin/pass"] {
            let text = format!("SSLPassPhraseDialog {dialog}\n{site}");
            let t = Tree::new(&[("etc/apache2/apache2.conf", &text)]);
            let (claims, _) = t.claims();
            assert_eq!(claims[0].passphrase, Passphrase::Program { source: format!("SSLPassPhraseDialog {dialog}") });
        }
        let t = Tree::new(&[("etc/apache2/apache2.conf", &format!("SSLPassPhraseDialog builtin\n{site}"))]);
        assert!(matches!(t.claims().0[0].passphrase, Passphrase::Prompt { .. }));
    }
}
