//! nginx: `ssl_certificate` / `ssl_certificate_key` per `server` block (in
//! `http`, `mail` and `stream`), inherited from the enclosing block when a
//! server sets none; several pairs in one block pair by position (the Nth key
//! goes with the Nth certificate); `ssl_password_file` lines are passphrases;
//! `include` with globs, relative to the conf dir (the directory of
//! `nginx.conf`), as nginx resolves every relative path.
//!
//! Syntax (ngx_conf_file.c): words separated by whitespace, `;` ends a
//! directive, `{ }` a block, `#` at a word start comments to the end of the
//! line, `"…"`/`'…'` quote, backslash escapes, `${var}` is part of a word.

use super::claim::IPV4_ANY;
use super::{
    clean_names, has_component, has_variable, unresolvable, Claim, ClaimedFile, ConfFile, Cx, Dialect, Listener,
    Passphrase, Sni,
};
use crate::finding::{Code, Finding, Location};
use std::path::{Path, PathBuf};

pub struct Nginx;

const MAX_DEPTH: usize = 16;

impl Dialect for Nginx {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let in_tree = has_component(path, &["nginx"]) || name.starts_with("nginx");
        in_tree
            && !name.ends_with(".pem")
            && !name.ends_with(".crt")
            && !name.ends_with(".key")
            && ["server_name", "ssl_certificate", "server {", "http {", "events {", "listen ", "include "]
                .iter()
                .any(|k| text.contains(k))
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        super::file_name(path) == "nginx.conf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let prefix = file.server_dir();
        let mut files = vec![file.clone()];
        let tree = load(0, text, &prefix, cx, &mut files, 0);
        let top = Ssl::default();
        // A fragment read on its own (a repository without nginx.conf) is `http` content; a file
        // with a top-level `http` or `events` block is a main config whatever its name
        // (`--server nginx=deploy/web/main.conf`).
        let fragment =
            !self.is_entry(&file.local, text) && !tree.iter().any(|d| d.name == "http" || d.name == "events");
        walk(&tree, &top, fragment, &files, &prefix, cx);
    }
}

/// One parsed directive.
#[derive(Debug, Clone, Default)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub line: u32,
    /// Index into the list of files read.
    pub file: usize,
    pub block: Option<Vec<Directive>>,
}

/// Tokenise and parse nginx text into directives (no includes followed).
pub fn parse(text: &str, file: usize) -> Vec<Directive> {
    let tokens = tokenize(text);
    let mut pos = 0;
    block(&tokens, &mut pos, file, 0)
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String, u32),
    Semi,
    Open,
    Close,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut cur = String::new();
    let mut start = 1u32;
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    macro_rules! flush {
        () => {
            if in_word {
                out.push(Tok::Word(std::mem::take(&mut cur), start));
                in_word = false;
            }
        };
    }
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                flush!();
                line += 1;
            }
            c if c.is_whitespace() => flush!(),
            '#' if !in_word => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            ';' => {
                flush!();
                out.push(Tok::Semi);
            }
            '{' if in_word && cur.ends_with('$') => cur.push('{'),
            '}' if in_word && cur.contains("${") && !cur.ends_with('}') && cur.rfind("${") > cur.rfind('}') => {
                cur.push('}')
            }
            '{' => {
                flush!();
                out.push(Tok::Open);
            }
            '}' => {
                flush!();
                out.push(Tok::Close);
            }
            '"' | '\'' if !in_word => {
                in_word = true;
                start = line;
                while let Some(q) = chars.next() {
                    match q {
                        _ if q == c => break,
                        '\\' => match chars.next() {
                            Some('n') => cur.push('\n'),
                            Some('t') => cur.push('\t'),
                            Some('r') => cur.push('\r'),
                            Some(e) if e == c || e == '\\' => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                if e == '\n' {
                                    line += 1;
                                }
                                cur.push(e);
                            }
                            None => {}
                        },
                        '\n' => {
                            line += 1;
                            cur.push('\n');
                        }
                        q => cur.push(q),
                    }
                }
                // A quoted word ends at its closing quote.
                flush!();
            }
            '\\' => {
                if !in_word {
                    in_word = true;
                    start = line;
                }
                match chars.next() {
                    Some('"') => cur.push('"'),
                    Some('\'') => cur.push('\''),
                    Some('\\') => cur.push('\\'),
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some(e) => {
                        if e == '\n' {
                            line += 1;
                        }
                        cur.push('\\');
                        cur.push(e);
                    }
                    None => {}
                }
            }
            c => {
                if !in_word {
                    in_word = true;
                    start = line;
                }
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(Tok::Word(cur, start));
    }
    out
}

/// Blocks nest at most this deep (nginx configs use 3 or 4); deeper text is skipped, not recursed into.
const MAX_NESTING: usize = 64;

fn block(tokens: &[Tok], pos: &mut usize, file: usize, depth: usize) -> Vec<Directive> {
    let mut out = Vec::new();
    if depth > MAX_NESTING {
        let mut open = 1usize;
        while let Some(t) = tokens.get(*pos) {
            *pos += 1;
            match t {
                Tok::Open => open += 1,
                Tok::Close => {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        return out;
    }
    let mut cur: Option<Directive> = None;
    while let Some(t) = tokens.get(*pos) {
        *pos += 1;
        match t {
            Tok::Word(w, line) => match &mut cur {
                Some(d) => d.args.push(w.clone()),
                None => cur = Some(Directive { name: w.clone(), line: *line, file, ..Directive::default() }),
            },
            Tok::Semi => out.extend(cur.take()),
            Tok::Open => {
                let inner = block(tokens, pos, file, depth + 1);
                let mut d = cur.take().unwrap_or_default();
                d.block = Some(inner);
                d.file = file;
                out.push(d);
            }
            Tok::Close => break,
        }
    }
    // A directive without its `;` at the end of a file or block: keep it (nginx would refuse to start).
    out.extend(cur.take());
    out
}

/// Parse a file and splice its includes in place, recursively.
fn load(
    file: usize,
    text: &str,
    prefix: &Path,
    cx: &mut Cx<'_, '_>,
    files: &mut Vec<ConfFile>,
    depth: usize,
) -> Vec<Directive> {
    let parsed = parse(text, file);
    splice(parsed, prefix, cx, files, depth)
}

fn splice(
    directives: Vec<Directive>,
    prefix: &Path,
    cx: &mut Cx<'_, '_>,
    files: &mut Vec<ConfFile>,
    depth: usize,
) -> Vec<Directive> {
    let mut out = Vec::new();
    for mut d in directives {
        if d.name == "include" && d.block.is_none() && depth < MAX_DEPTH {
            let Some(pattern) = d.args.first() else { continue };
            let Some(from) = files.get(d.file).cloned() else { continue };
            let server_pattern = prefix.join(pattern);
            let targets = cx.expand(&from, &server_pattern);
            cx.each_include(&from, targets, |cx, inc, text| {
                files.push(inc);
                let idx = files.len() - 1;
                out.extend(load(idx, &text, prefix, cx, files, depth + 1));
            });
            continue;
        }
        if let Some(inner) = d.block.take() {
            d.block = Some(splice(inner, prefix, cx, files, depth));
        }
        out.push(d);
    }
    out
}

/// A directive's first argument with where it is.
#[derive(Debug, Clone)]
struct Arg {
    text: String,
    line: u32,
    file: usize,
}

/// SSL directives of one level; `None` = not set here (inherit).
#[derive(Debug, Clone, Default)]
struct Ssl {
    certs: Option<Vec<Arg>>,
    keys: Option<Vec<Arg>>,
    password: Option<Arg>,
}

impl Ssl {
    fn of(directives: &[Directive], parent: &Ssl) -> Ssl {
        let mut here = Ssl::default();
        for d in directives {
            let arg = d.args.first().map(|a| Arg { text: a.clone(), line: d.line, file: d.file });
            match (d.name.as_str(), arg) {
                ("ssl_certificate", Some(a)) => here.certs.get_or_insert_with(Vec::new).push(a),
                ("ssl_certificate_key", Some(a)) => here.keys.get_or_insert_with(Vec::new).push(a),
                ("ssl_password_file", Some(a)) => here.password = Some(a),
                _ => {}
            }
        }
        Ssl {
            certs: here.certs.or_else(|| parent.certs.clone()),
            keys: here.keys.or_else(|| parent.keys.clone()),
            password: here.password.or_else(|| parent.password.clone()),
        }
    }
}

/// `listen ADDR:PORT ssl …` (also `listen PORT ssl`, `[::]:443`, `*:443`); `None` for a listen
/// without `ssl`, a unix socket, or what is not an address and port.
fn listener(d: &Directive) -> Option<Listener> {
    if !d.args.iter().skip(1).any(|a| a == "ssl") {
        return None;
    }
    let spec = d.args.first()?;
    if spec.starts_with("unix:") {
        return None;
    }
    let (host, port) = if let Some(rest) = spec.strip_prefix('[') {
        let (h, p) = rest.split_once("]")?;
        (Some(h.to_string()), p.strip_prefix(':').unwrap_or("443"))
    } else if let Ok(port) = spec.parse::<u16>() {
        return Some(Listener::tls(None, port, d.line, Vec::new()));
    } else {
        match spec.rsplit_once(':') {
            Some((h, p)) => (Some(h.to_string()), p),
            None => (Some(spec.clone()), "443"),
        }
    };
    let port = port.parse::<u16>().ok()?;
    // `[::]` listens on IPv6 only (nginx's ipv6only=on default): probed on ::1.
    let host = host.filter(|h| !matches!(h.as_str(), "*" | IPV4_ANY)).map(|h| if h == "::" { "::1".into() } else { h });
    Some(Listener::tls(host, port, d.line, Vec::new()))
}

fn walk(
    directives: &[Directive],
    parent: &Ssl,
    in_proto: bool,
    files: &[ConfFile],
    prefix: &Path,
    cx: &mut Cx<'_, '_>,
) {
    let ssl = Ssl::of(directives, parent);
    for d in directives {
        let Some(inner) = &d.block else { continue };
        match d.name.as_str() {
            "http" | "mail" | "stream" if !in_proto => walk(inner, &ssl, true, files, prefix, cx),
            "server" if in_proto => server(d, inner, &ssl, files, prefix, cx),
            _ => {}
        }
    }
}

fn server(d: &Directive, inner: &[Directive], parent: &Ssl, files: &[ConfFile], prefix: &Path, cx: &mut Cx<'_, '_>) {
    let ssl = Ssl::of(inner, parent);
    let Some(certs) = &ssl.certs else { return };
    let keys = ssl.keys.clone().unwrap_or_default();
    let raw_names: Vec<&str> =
        inner.iter().filter(|x| x.name == "server_name").flat_map(|x| x.args.iter().map(String::as_str)).collect();
    let names = clean_names(raw_names.iter().copied());
    // Located in the listen directive's own file (the certificate may come from an included snippet).
    let listeners: Vec<Listener> = inner
        .iter()
        .filter(|x| x.name == "listen")
        .filter_map(|x| {
            let file = files.get(x.file).map(|f| f.at(x.line, cx.ctx.map).path);
            listener(x).map(|l| Listener { sni: Sni::Names(names.clone()), file, ..l })
        })
        .collect();
    let context = match raw_names.iter().find(|n| **n != "_" && !n.is_empty()) {
        Some(n) => format!("server {n}"),
        None => format!("server at line {}", d.line),
    };
    if let Some(p) = &ssl.password {
        missing_password_file(p, files, prefix, cx);
    }
    let passphrase = match &ssl.password {
        Some(p) => match password_lines(p, files, prefix, cx) {
            Some(passphrases) => Passphrase::Given { source: format!("ssl_password_file {}", p.text), passphrases },
            None => Passphrase::Given {
                source: format!("ssl_password_file {} (missing or unreadable)", p.text),
                passphrases: Vec::new(),
            },
        },
        None => Passphrase::Prompt {
            why:
                "nginx has no ssl_password_file for it: OpenSSL asks on a terminal, so nginx will not start unattended"
                    .into(),
        },
    };
    for (i, c) in certs.iter().enumerate() {
        // nginx refuses to start with fewer keys than certificates; nothing to pair then.
        let Some(k) = keys.get(i) else { continue };
        let Some(cfile) = files.get(c.file) else { continue };
        let Some(kfile) = files.get(k.file) else { continue };
        let config = cfile.at(c.line, cx.ctx.map);
        let key_config: Option<Location> = (k.file != c.file).then(|| kfile.at(k.line, cx.ctx.map));
        let cert = claimed(cfile, &c.text, c.line, prefix, cx, false);
        let key = claimed(kfile, &k.text, k.line, prefix, cx, true);
        cx.push(Claim {
            dialect: "nginx",
            config,
            context: Some(context.clone()),
            cert,
            key: Some(key),
            chain: None,
            names: names.clone(),
            listeners: listeners.clone(),
            passphrase: passphrase.clone(),
            key_config,
        });
    }
}

fn claimed(file: &ConfFile, text: &str, line: u32, prefix: &Path, cx: &Cx<'_, '_>, key: bool) -> ClaimedFile {
    if let Some(data) = text.strip_prefix("data:") {
        if has_variable(data) {
            return unresolvable(text, line, "the material comes from a variable at run time");
        }
        let label = format!("{}:{line} data:", crate::paths::display(&file.local));
        return ClaimedFile::Inline { label, bytes: data.as_bytes().to_vec(), line };
    }
    if key && text.starts_with("engine:") {
        return unresolvable(text, line, "the key is held by an OpenSSL engine");
    }
    if has_variable(text) {
        return unresolvable(text, line, "the path depends on a variable such as $ssl_server_name at run time");
    }
    cx.claimed(file, text, prefix, line)
}

/// A `ssl_password_file` that does not exist stops nginx at start, whatever the
/// key ("open() … failed" at the directive's line, seen with nginx 1.22).
fn missing_password_file(p: &Arg, files: &[ConfFile], prefix: &Path, cx: &mut Cx<'_, '_>) {
    let Some(from) = files.get(p.file) else { return };
    let server: PathBuf = crate::paths::normalize(&prefix.join(&p.text));
    let local = cx.local_of(from, &server);
    if !matches!(cx.ctx.fs.read(&local), crate::discover::ReadOutcome::Missing { .. }) {
        return;
    }
    let at = from.at(p.line, cx.ctx.map);
    if cx.findings.iter().any(|f| f.locations.first() == Some(&at)) {
        return;
    }
    cx.findings.push(
        Finding::new(
            Code::MissingFile,
            format!("the ssl_password_file {} does not exist, so nginx will not start", crate::paths::display(&server)),
            vec![at, Location::file(crate::paths::display(&local))],
        )
        .with_hint("create the file with the key's passphrase, or remove the directive if the key is not encrypted"),
    );
}

/// The passphrases of an `ssl_password_file`, tried in order as nginx does: one
/// per line, a trailing CR dropped, spaces kept (nginx 1.22 keeps them: a line
/// `right ` does not open a key whose passphrase is `right`), the last line
/// with or without a newline. `None`: the file is missing or unreadable.
fn password_lines(p: &Arg, files: &[ConfFile], prefix: &Path, cx: &Cx<'_, '_>) -> Option<Vec<Vec<u8>>> {
    let from = files.get(p.file)?;
    let server: PathBuf = crate::paths::normalize(&prefix.join(&p.text));
    let local = cx.local_of(from, &server);
    match cx.ctx.fs.read(&local) {
        crate::discover::ReadOutcome::Read { bytes, .. } => Some(
            bytes
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;
    use super::*;

    #[test]
    fn tokenizer_handles_quotes_escapes_comments_and_variables() {
        let d = parse("a \"b c\" 'd;e' f\\\"g;  # x;\r\n#ssl_certificate x;\nb ${v}/x {\n c;\n}\n", 0);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].args, vec!["b c", "d;e", "f\"g"]);
        assert_eq!(d[1].name, "b");
        assert_eq!(d[1].args, vec!["${v}/x"]);
        assert_eq!(d[1].line, 3);
        let inner = d[1].block.as_ref().unwrap();
        assert_eq!((inner[0].name.as_str(), inner[0].line), ("c", 4));
    }

    #[test]
    fn servers_pair_by_position_and_inherit_from_http() {
        let t = Tree::new(&[(
            "etc/nginx/nginx.conf",
            "http {\n  ssl_certificate /etc/ssl/default.crt;\n  ssl_certificate_key /etc/ssl/default.key;\n\
             server { listen 443 ssl; server_name _; }\n\
             server {\n  server_name shop.example.com .example.org;\n\
             ssl_certificate     \"/etc/ssl/rsa.crt\";\n  ssl_certificate_key /etc/ssl/rsa.key;\n\
             ssl_certificate /etc/ssl/ec.crt;   ssl_certificate_key   /etc/ssl/ec.key;\n\
             # ssl_certificate /etc/ssl/old.crt;\n }\n}\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/nginx/nginx.conf:2 etc/ssl/default.crt@2 etc/ssl/default.key@3 -",
                "etc/nginx/nginx.conf:7 etc/ssl/rsa.crt@7 etc/ssl/rsa.key@8 - [shop.example.com,example.org]",
                "etc/nginx/nginx.conf:9 etc/ssl/ec.crt@9 etc/ssl/ec.key@9 - [shop.example.com,example.org]",
            ]
        );
    }

    #[test]
    fn includes_sites_enabled_only_and_key_from_snippet() {
        let t = Tree::new(&[
            ("etc/nginx/nginx.conf", "events {}\nhttp {\n    include sites-enabled/*;\n}\n"),
            (
                "etc/nginx/sites-available/shop",
                "server {\n  server_name shop.example.com;\n  ssl_certificate ssl/shop.crt;\n  include snippets/key.conf;\n}\n",
            ),
            ("etc/nginx/sites-available/old", "server {\n ssl_certificate /etc/ssl/gone.crt;\n ssl_certificate_key /etc/ssl/gone.key;\n}\n"),
            ("etc/nginx/snippets/key.conf", "\n\nssl_certificate_key ssl/shop.key;\n"),
        ]);
        t.link("etc/nginx/sites-enabled/shop", "../sites-available/shop");
        let (claims, findings) = t.claims();
        assert!(findings.is_empty());
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/nginx/sites-enabled/shop:3 etc/nginx/ssl/shop.crt@3 etc/nginx/ssl/shop.key@3 - [shop.example.com]"
            ]
        );
        let key_at = claims[0].key_config.as_ref().unwrap();
        assert!(key_at.path.ends_with("etc/nginx/snippets/key.conf"));
        assert_eq!(key_at.line, Some(3));
    }

    #[test]
    fn variables_are_unresolvable_and_password_file_is_read() {
        let t = Tree::new(&[
            (
                "etc/nginx/nginx.conf",
                "http { server {\n ssl_certificate /etc/ssl/$ssl_server_name.crt;\n ssl_certificate_key /etc/ssl/$ssl_server_name.key;\n}\n\
                 server { ssl_password_file /etc/nginx/pass;\nssl_certificate a.crt; ssl_certificate_key a.key; } }\n",
            ),
            ("etc/nginx/pass", "first\r\nsecond\n"),
        ]);
        let (claims, _) = t.claims();
        let s = t.summary(&claims);
        assert_eq!(
            s,
            vec![
                "etc/nginx/nginx.conf:2 ?/etc/ssl/$ssl_server_name.crt@2 ?/etc/ssl/$ssl_server_name.key@3 -",
                "etc/nginx/nginx.conf:6 etc/nginx/a.crt@6 etc/nginx/a.key@6 -",
            ]
        );
        let with_pass = claims.iter().find(|c| c.config.line == Some(6)).unwrap();
        assert_eq!(
            with_pass.passphrase,
            Passphrase::Given {
                source: "ssl_password_file /etc/nginx/pass".into(),
                passphrases: vec![b"first".to_vec(), b"second".to_vec()]
            }
        );
    }

    #[test]
    fn odd_whitespace_split_directives_and_hash_inside_words() {
        let t = Tree::new(&[(
            "etc/nginx/nginx.conf",
            "http{server{server_name\tshop.example.com;\r\n\tssl_certificate\r\n\t\t/etc/ssl/a#1.crt\r\n\t;\r\n  ssl_certificate_key '/etc/ssl/my key.pem';}}",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec!["etc/nginx/nginx.conf:2 etc/ssl/a#1.crt@2 etc/ssl/my key.pem@5 - [shop.example.com]"]
        );
    }

    #[test]
    fn fewer_keys_than_certificates_pairs_what_it_can() {
        let t = Tree::new(&[(
            "etc/nginx/nginx.conf",
            "http { server {\n ssl_certificate a.crt;\n ssl_certificate b.crt;\n ssl_certificate_key a.key;\n } }\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(t.summary(&claims), vec!["etc/nginx/nginx.conf:2 etc/nginx/a.crt@2 etc/nginx/a.key@4 -"]);
    }

    #[test]
    fn without_nginx_conf_each_fragment_is_read_once_as_http_content() {
        let t = Tree::new(&[
            ("deploy/nginx/sites/shop.conf", "server {\n server_name shop.example.com;\n ssl_certificate /etc/ssl/shop.pem;\n include ../snippets/key.conf;\n}\n"),
            ("deploy/nginx/snippets/key.conf", "ssl_certificate_key /etc/ssl/shop.key;\n"),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].config.line, Some(3));
    }

    #[test]
    fn a_stray_conf_is_not_nginx() {
        assert!(!Nginx.recognises(Path::new("project/app.conf"), "server { listen 80; }"));
        assert!(Nginx.recognises(Path::new("etc/nginx/conf.d/app.conf"), "server { listen 80; }"));
    }

    #[test]
    fn passphrase_source_is_the_password_file_or_a_prompt() {
        let t = Tree::new(&[
            (
                "etc/nginx/nginx.conf",
                "http {\n ssl_password_file /etc/nginx/pass;\n server { ssl_certificate a.crt; ssl_certificate_key a.key; }\n\
                 server { ssl_certificate b.crt; ssl_certificate_key b.key; }\n}\n\
                 stream { server { ssl_certificate c.crt; ssl_certificate_key c.key; } }\n\
                 mail { ssl_password_file /etc/nginx/gone; server { ssl_certificate d.crt; ssl_certificate_key d.key; } }\n",
            ),
            // nginx keeps spaces and drops a trailing CR; the last line needs no newline.
            ("etc/nginx/pass", "wrong\r\n\nright \nlast"),
        ]);
        let (claims, findings) = t.claims();
        let by_line = |l: u32| claims.iter().find(|c| c.config.line == Some(l)).unwrap();
        let given = Passphrase::Given {
            source: "ssl_password_file /etc/nginx/pass".into(),
            passphrases: vec![b"wrong".to_vec(), b"right ".to_vec(), b"last".to_vec()],
        };
        assert_eq!(by_line(3).passphrase, given);
        assert_eq!(by_line(4).passphrase, given);
        assert!(matches!(&by_line(6).passphrase, Passphrase::Prompt { why } if why.contains("no ssl_password_file")));
        assert_eq!(
            by_line(7).passphrase,
            Passphrase::Given {
                source: "ssl_password_file /etc/nginx/gone (missing or unreadable)".into(),
                passphrases: Vec::new()
            }
        );
        // The missing password file stops nginx whatever the key: one finding at its line.
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, Code::MissingFile);
        assert_eq!(findings[0].locations[0].line, Some(7));
        assert!(findings[0].message.contains("/etc/nginx/gone"));
    }

    #[test]
    fn tls_listeners_of_a_server_block() {
        let text = "server {\n listen 443 ssl http2;\n listen [::]:8443 ssl;\n listen 10.0.0.5:9443 ssl;\n listen *:7443 ssl;\n listen 80;\n listen unix:/run/x.sock ssl;\n listen localhost ssl;\n}\n";
        let d = parse(text, 0);
        let inner = d[0].block.as_ref().unwrap();
        let got: Vec<(Option<String>, u16, u32)> =
            inner.iter().filter_map(listener).map(|l| (l.host, l.port, l.line)).collect();
        assert_eq!(
            got,
            [
                (None, 443, 2),
                (Some("::1".to_string()), 8443, 3),
                (Some("10.0.0.5".to_string()), 9443, 4),
                (None, 7443, 5),
                (Some("localhost".to_string()), 443, 8)
            ]
        );
    }
}
