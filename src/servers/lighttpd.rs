//! lighttpd (`lighttpd.conf`): `ssl.pemfile` (may hold the key too),
//! `ssl.privkey`, `ssl.ca-file`, in the global scope and in nested
//! `$SERVER["socket"]` / `$HTTP["host"]` blocks (a host condition gives the
//! name), `var.name` string variables and `+` concatenation, `include` with
//! globs relative to the including file, and Debian's
//! `include_shell "…/include-conf-enabled.pl"` (= `conf-enabled/*.conf`). For `scan
//! --probe`, sockets with `ssl.engine = "enable"` are listeners (see `Reader::listeners`).

use super::claim::IPV4_ANY;
use super::{clean_names, has_component, unresolvable, Claim, ClaimedFile, ConfFile, Cx, Dialect, Listener};
use std::collections::HashMap;
use std::path::Path;

pub struct Lighttpd;

const MAX_DEPTH: usize = 16;

impl Dialect for Lighttpd {
    fn name(&self) -> &'static str {
        "lighttpd"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name == "lighttpd.conf" || (has_component(path, &["lighttpd"]) && name.ends_with(".conf")))
            && (text.contains("server.") || text.contains("ssl.") || text.contains("include"))
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        super::file_name(path) == "lighttpd.conf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut r = Reader {
            files: vec![file.clone()],
            vars: HashMap::new(),
            stack: vec![Block::default()],
            done: Vec::new(),
            main_dir: file.server_dir(),
            port: None,
            bind: None,
        };
        r.read(0, text, cx, 0);
        while let Some(b) = r.stack.pop() {
            r.done.push(b);
        }
        r.finish(cx);
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Op(String),
    Open,
    Close,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
}

fn tokenize(text: &str) -> Vec<(Tok, u32)> {
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' => {
                let start = line;
                let mut s = String::new();
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                match e {
                                    '"' | '\\' => s.push(e),
                                    'n' => s.push('\n'),
                                    't' => s.push('\t'),
                                    other => {
                                        s.push('\\');
                                        s.push(other);
                                    }
                                }
                            }
                        }
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        q => s.push(q),
                    }
                }
                out.push((Tok::Str(s), start));
            }
            '{' => out.push((Tok::Open, line)),
            '}' => out.push((Tok::Close, line)),
            '[' => out.push((Tok::LBracket, line)),
            ']' => out.push((Tok::RBracket, line)),
            '(' => out.push((Tok::LParen, line)),
            ')' => out.push((Tok::RParen, line)),
            ',' => out.push((Tok::Comma, line)),
            '=' | '+' | '!' | ':' | '~' | '>' => {
                let mut op = c.to_string();
                while let Some(&n) = chars.peek() {
                    if matches!(n, '=' | '~' | '>') {
                        op.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Op(op), line));
            }
            c => {
                let mut s = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || matches!(n, '.' | '_' | '-' | '$') {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Ident(s), line));
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Val {
    text: Option<String>,
    raw: String,
    line: u32,
    file: usize,
}

#[derive(Debug, Clone, Default)]
struct Block {
    names: Vec<String>,
    label: Option<String>,
    pemfile: Option<Val>,
    privkey: Option<Val>,
    ca: Option<Val>,
    parent_pem: Option<Val>,
    parent_key: Option<Val>,
    parent_ca: Option<Val>,
    parent_names: Vec<String>,
    /// The `$SERVER["socket"]` this block is in (inherited), and `ssl.engine` as in force here.
    socket: Option<Sock>,
    engine: Option<bool>,
}

/// `$SERVER["socket"] == "ADDR:PORT"`: the address (`None`: every one), port, and where.
#[derive(Debug, Clone)]
struct Sock {
    host: Option<String>,
    port: u16,
    line: u32,
    file: usize,
}

/// `ADDR:PORT`, `:PORT`, `[V6]:PORT` (`0.0.0.0` and `*` are every IPv4 address, `[::]` every
/// IPv6 one, probed on ::1); `None` for a unix socket or what is not an address and port.
fn socket_address(spec: &str) -> Option<(Option<String>, u16)> {
    if spec.starts_with('/') {
        return None;
    }
    let (host, port) = spec.rsplit_once(':')?;
    let port = port.parse::<u16>().ok()?;
    let host = match host.trim_start_matches('[').trim_end_matches(']') {
        "" | "*" | IPV4_ANY => None,
        "::" => Some("::1".to_string()),
        h => Some(h.to_string()),
    };
    Some((host, port))
}

struct Reader {
    files: Vec<ConfFile>,
    vars: HashMap<String, String>,
    stack: Vec<Block>,
    done: Vec<Block>,
    main_dir: std::path::PathBuf,
    /// Global `server.port` (with its line and file) and `server.bind`.
    port: Option<(u16, u32, usize)>,
    bind: Option<String>,
}

impl Reader {
    /// Evaluate a value expression starting at `i`: strings, variables, `+`. Returns (value, next index).
    fn expr(&self, toks: &[(Tok, u32)], mut i: usize) -> (Option<String>, String, usize) {
        let mut out = Some(String::new());
        let mut raw = String::new();
        loop {
            match toks.get(i).map(|t| &t.0) {
                Some(Tok::Str(s)) => {
                    raw.push_str(s);
                    if let Some(o) = &mut out {
                        o.push_str(s);
                    }
                }
                Some(Tok::Ident(v)) => {
                    raw.push_str(v);
                    // `var.name` is known when set earlier; `env.NAME` depends on the process.
                    let val = v.strip_prefix("var.").and_then(|n| self.vars.get(n).cloned());
                    match (val, &mut out) {
                        (Some(x), Some(o)) => o.push_str(&x),
                        _ => out = None,
                    }
                }
                Some(Tok::LParen) => {
                    // An array value: skip to the matching parenthesis.
                    let mut depth = 0;
                    while let Some((t, _)) = toks.get(i) {
                        match t {
                            Tok::LParen => depth += 1,
                            Tok::RParen => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    out = None;
                }
                _ => return (out, raw, i),
            }
            i += 1;
            if matches!(toks.get(i), Some((Tok::Op(op), _)) if op == "+") {
                i += 1;
                continue;
            }
            return (out, raw, i);
        }
    }

    fn read(&mut self, file: usize, text: &str, cx: &mut Cx<'_, '_>, depth: usize) {
        let toks = tokenize(text);
        let mut i = 0;
        while let Some((t, line)) = toks.get(i) {
            let line = *line;
            match t {
                Tok::Close => {
                    if self.stack.len() > 1 {
                        if let Some(b) = self.stack.pop() {
                            self.done.push(b);
                        }
                    }
                    i += 1;
                }
                Tok::Ident(w) if w == "else" => i += 1,
                Tok::Ident(w) if w.starts_with('$') => {
                    // $HTTP["host"] == "name" {
                    let field = match (toks.get(i + 1), toks.get(i + 2)) {
                        (Some((Tok::LBracket, _)), Some((Tok::Str(f), _))) => f.clone(),
                        _ => String::new(),
                    };
                    let mut j = i + 1;
                    while toks.get(j).is_some_and(|t| t.0 != Tok::Open) {
                        j += 1;
                    }
                    let op = toks.get(i + 4).map(|t| t.0.clone());
                    let value = match toks.get(i + 5) {
                        Some((Tok::Str(s), _)) => Some(s.clone()),
                        _ => None,
                    };
                    let parent = self.stack.last().cloned().unwrap_or_default();
                    let mut b = Block {
                        label: Some(format!("{w}[\"{field}\"] {}", value.clone().unwrap_or_default())),
                        parent_pem: parent.pemfile.or(parent.parent_pem),
                        parent_key: parent.privkey.or(parent.parent_key),
                        parent_ca: parent.ca.or(parent.parent_ca),
                        parent_names: if parent.names.is_empty() { parent.parent_names } else { parent.names },
                        socket: parent.socket,
                        engine: parent.engine,
                        ..Block::default()
                    };
                    if w == "$SERVER" && field == "socket" && op == Some(Tok::Op("==".into())) {
                        if let Some((host, port)) = value.as_deref().and_then(socket_address) {
                            b.socket = Some(Sock { host, port, line, file });
                        }
                    }
                    if w == "$HTTP" && field == "host" && op == Some(Tok::Op("==".into())) {
                        if let Some(v) = &value {
                            b.names = clean_names([v.as_str()]);
                        }
                    }
                    self.stack.push(b);
                    i = j + 1;
                }
                Tok::Ident(w) if w == "include" || w == "include_shell" => {
                    let (v, raw, next) = self.expr(&toks, i + 1);
                    i = next;
                    let pattern = if w == "include_shell" {
                        raw.contains("include-conf-enabled").then(|| "conf-enabled/*.conf".to_string())
                    } else {
                        v
                    };
                    if let Some(p) = pattern {
                        if depth < MAX_DEPTH {
                            self.include(file, &p, w == "include_shell", cx, depth);
                        }
                    }
                }
                Tok::Ident(name) => {
                    let name = name.clone();
                    match toks.get(i + 1) {
                        Some((Tok::Op(op), _)) if op == "=" || op == "+=" || op == ":=" => {
                            let append = op == "+=";
                            let (v, raw, next) = self.expr(&toks, i + 2);
                            i = next;
                            self.assign(&name, v, raw, line, file, append);
                        }
                        _ => i += 1,
                    }
                }
                _ => i += 1,
            }
        }
    }

    fn assign(&mut self, name: &str, v: Option<String>, raw: String, line: u32, file: usize, append: bool) {
        if let Some(var) = name.strip_prefix("var.") {
            match (&v, append) {
                (Some(x), true) => {
                    let cur = self.vars.entry(var.to_string()).or_default();
                    cur.push_str(x);
                }
                (Some(x), false) => {
                    self.vars.insert(var.to_string(), x.clone());
                }
                (None, _) => {
                    self.vars.remove(var);
                }
            }
            return;
        }
        let global = self.stack.len() == 1;
        match name {
            "server.port" if global => {
                // A number is a bare word, not a string.
                self.port = v.as_deref().unwrap_or(&raw).trim().parse::<u16>().ok().map(|p| (p, line, file))
            }
            "server.bind" if global => self.bind = v.clone(),
            _ => {}
        }
        let val = Val { text: v, raw, line, file };
        let Some(cur) = self.stack.last_mut() else { return };
        match name {
            "ssl.engine" => cur.engine = val.text.as_deref().map(|e| e == "enable"),
            "ssl.pemfile" => cur.pemfile = Some(val),
            "ssl.privkey" => cur.privkey = Some(val),
            "ssl.ca-file" => cur.ca = Some(val),
            _ => {}
        }
    }

    fn include(&mut self, file: usize, pattern: &str, from_main: bool, cx: &mut Cx<'_, '_>, depth: usize) {
        let Some(from) = self.files.get(file).cloned() else { return };
        let dir = if from_main { self.main_dir.clone() } else { from.server_dir() };
        let server_pattern = crate::paths::normalize(&dir.join(pattern));
        let targets = cx.expand(&from, &server_pattern);
        cx.each_include(&from, targets, |cx, inc, text| {
            self.files.push(inc);
            let idx = self.files.len() - 1;
            self.read(idx, &text, cx, depth + 1);
        });
    }

    fn finish(&self, cx: &mut Cx<'_, '_>) {
        for b in &self.done {
            // A block claims a pair when it sets the certificate or the key itself.
            if b.pemfile.is_none() && b.privkey.is_none() {
                continue;
            }
            let Some(pem) = b.pemfile.clone().or_else(|| b.parent_pem.clone()) else { continue };
            let key = b.privkey.clone().or_else(|| b.parent_key.clone());
            let ca = b.ca.clone().or_else(|| b.parent_ca.clone());
            let Some(cfile) = self.files.get(pem.file) else { continue };
            let key_config = key
                .as_ref()
                .filter(|k| k.file != pem.file)
                .and_then(|k| self.files.get(k.file).map(|f| f.at(k.line, cx.ctx.map)));
            let names = if b.names.is_empty() { b.parent_names.clone() } else { b.names.clone() };
            let claim = Claim {
                dialect: "lighttpd",
                config: cfile.at(pem.line, cx.ctx.map),
                context: b.label.clone(),
                cert: self.file(&pem, cx),
                key: key.as_ref().map(|k| self.file(k, cx)),
                chain: ca.as_ref().map(|c| self.file(c, cx)),
                names: names.clone(),
                listeners: self.listeners(b, names, cx),
                // lighttpd 1.4.69 has no passphrase option: OpenSSL asks on a terminal
                // ("Enter PEM pass phrase:") and, without one, lighttpd stops.
                passphrase: super::Passphrase::Prompt {
                    why: "lighttpd has no passphrase option: OpenSSL asks on a terminal, so lighttpd will not start \
                          unattended"
                        .into(),
                },
                key_config,
            };
            cx.push(claim);
        }
    }

    /// Where a block's certificate is served: its `$SERVER["socket"]` with `ssl.engine =
    /// "enable"`; in the global scope, `server.bind` and `server.port` (443 when unset: lighttpd
    /// 1.4.69 listens there with the global engine on), and the sockets that turn the engine on
    /// without a certificate of their own. Selected by `$HTTP["host"] ==` names (lighttpd applies
    /// them to SNI).
    fn listeners(&self, b: &Block, names: Vec<String>, cx: &Cx<'_, '_>) -> Vec<Listener> {
        let mut socks: Vec<Sock> = Vec::new();
        match &b.socket {
            Some(s) if b.engine == Some(true) => socks.push(s.clone()),
            Some(_) => {}
            None => {
                if b.engine == Some(true) {
                    let at = b.pemfile.as_ref().or(b.privkey.as_ref()).map_or((0, 0), |p| (p.line, p.file));
                    let (port, line, file) = self.port.unwrap_or((443, at.0, at.1));
                    let host =
                        self.bind.as_deref().and_then(|h| socket_address(&format!("{h}:{port}"))).and_then(|a| a.0);
                    socks.push(Sock { host, port, line, file });
                }
                if b.label.is_none() {
                    socks.extend(
                        self.done
                            .iter()
                            .filter(|d| d.label.as_deref().is_some_and(|l| l.starts_with("$SERVER[\"socket\"]")))
                            .filter(|d| d.engine == Some(true) && d.pemfile.is_none() && d.privkey.is_none())
                            .filter_map(|d| d.socket.clone()),
                    );
                }
            }
        }
        socks
            .into_iter()
            .map(|s| {
                let file = self.files.get(s.file).map(|f| f.at(s.line, cx.ctx.map).path);
                Listener { file, ..Listener::tls(s.host, s.port, s.line, names.clone()) }
            })
            .collect()
    }

    fn file(&self, v: &Val, cx: &Cx<'_, '_>) -> ClaimedFile {
        let Some(from) = self.files.get(v.file) else {
            return unresolvable(&v.raw, v.line, "internal: unknown config file");
        };
        match &v.text {
            Some(t) => cx.claimed(from, t, &self.main_dir, v.line),
            None => unresolvable(&v.raw, v.line, "it uses a variable keymatch cannot evaluate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn tls_sockets_and_the_global_engine_are_listeners() {
        let listeners = |text: &str| {
            let t = Tree::new(&[("etc/lighttpd/lighttpd.conf", text)]);
            let (claims, _) = t.claims();
            let mut got: Vec<(Option<String>, u16, u32, Vec<String>)> = claims
                .iter()
                .flat_map(|c| {
                    c.listeners.iter().map(|l| {
                        let names = match &l.sni {
                            super::super::Sni::Names(n) => n.clone(),
                            other => panic!("{other:?}"),
                        };
                        (l.host.clone(), l.port, l.line, names)
                    })
                })
                .collect();
            got.sort();
            got
        };
        // The global engine: server.port (443 when unset) on server.bind.
        assert_eq!(listeners("ssl.engine = \"enable\"\nssl.pemfile = \"/a.pem\"\n"), [(None, 443, 2, vec![])]);
        assert_eq!(
            listeners(
                "server.port = 8443\nserver.bind = \"127.0.0.1\"\nssl.engine = \"enable\"\nssl.pemfile = \"/a.pem\"\n"
            ),
            [(Some("127.0.0.1".into()), 8443, 1, vec![])]
        );
        // Sockets: their own certificate, a host condition's, or the global one; not without the engine.
        assert_eq!(
            listeners(
                "server.port = 80\nssl.pemfile = \"/g.pem\"\n\
                 $SERVER[\"socket\"] == \"[::]:443\" {\n ssl.engine = \"enable\"\n ssl.pemfile = \"/s.pem\"\n\
                 $HTTP[\"host\"] == \"h.example\" {\n  ssl.pemfile = \"/h.pem\"\n }\n}\n\
                 $SERVER[\"socket\"] == \":8443\" {\n ssl.engine = \"enable\"\n}\n\
                 $SERVER[\"socket\"] == \":9443\" {\n ssl.pemfile = \"/off.pem\"\n}\n"
            ),
            [
                (None, 8443, 10, vec![]),
                (Some("::1".into()), 443, 3, vec![]),
                (Some("::1".into()), 443, 3, vec!["h.example".into()]),
            ]
        );
    }

    #[test]
    fn blocks_variables_includes_and_debian_conf_enabled() {
        let t = Tree::new(&[
            (
                "etc/lighttpd/lighttpd.conf",
                "var.ssldir = \"/etc/lighttpd/ssl\"\nserver.modules = ( \"mod_openssl\" )\n\
                 include_shell \"/usr/share/lighttpd/include-conf-enabled.pl\"\n",
            ),
            (
                "etc/lighttpd/conf-available/10-ssl.conf",
                "$SERVER[\"socket\"] == \"0.0.0.0:443\" {\n  ssl.engine = \"enable\"\n  ssl.pemfile = var.ssldir + \"/default.pem\"\n\
                 # ssl.pemfile = \"/old.pem\"\n  ssl.ca-file = \"/etc/ssl/chain.pem\"\n\
                 $HTTP[\"host\"] == \"shop.example.com\" {\n    ssl.pemfile = \"/etc/ssl/shop.crt\"\n    ssl.privkey = \"/etc/ssl/shop.key\"\n  }\n\
                 $HTTP[\"host\"] =~ \"^www\" { ssl.pemfile = env.CERT }\n}\n",
            ),
        ]);
        t.link("etc/lighttpd/conf-enabled/10-ssl.conf", "../conf-available/10-ssl.conf");
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/lighttpd/conf-enabled/10-ssl.conf:10 ?env.CERT@10 - etc/ssl/chain.pem@5",
                "etc/lighttpd/conf-enabled/10-ssl.conf:3 etc/lighttpd/ssl/default.pem@3 - etc/ssl/chain.pem@5",
                "etc/lighttpd/conf-enabled/10-ssl.conf:7 etc/ssl/shop.crt@7 etc/ssl/shop.key@8 etc/ssl/chain.pem@5 [shop.example.com]",
            ]
        );
    }
}
