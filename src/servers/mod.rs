//! Server configs: each dialect (one file per server family) recognises its
//! config files, follows includes, knows which files are active, and turns the
//! directives that name certificates and keys into [`Claim`]s: "this server
//! loads this certificate with this key", with the config file and line, and
//! how that server gets an encrypted key's passphrase ([`Passphrase`]: none, a
//! prompt at start, passphrases the config gives, or a program keymatch never runs).
//!
//! Adding a dialect: one new file implementing [`Dialect`], its `pub mod` and
//! one line in [`dialects`] (and, when its files have no usual extension, its
//! directory in `candidate_path`).
//!
//! Limits: templates and examples (`/usr/share`, `doc/`, `examples/`) are not
//! configs; include cycles are cut; a dialect reads at most [`INCLUDE_BUDGET`]
//! included files per scan; nesting is bounded, so hostile input ends.
//!
//! Paths. A config names paths as the server sees them. Where they are here:
//! an explicit `--map` prefix first; then, when the config sits at its
//! conventional location in the scanned tree (`<dir>/etc/nginx/…`), under
//! `<dir>` (the "default rule" for repositories and copied servers); then
//! `--root`. Relative paths are joined to the dialect's own base first (nginx's
//! conf dir, Apache's `ServerRoot`, …), in server terms.

pub mod apache;
pub mod caddy;
pub mod docker;
pub mod dovecot;
pub mod envoy;
pub mod haproxy;
pub mod kubernetes;
pub mod lighttpd;
pub mod mysql;
pub mod nginx;
pub mod openvpn;
pub mod postfix;
pub mod postgres;
pub mod redis;
pub mod traefik;

use crate::finding::Location;
use std::collections::HashSet;
use std::path::PathBuf;

/// A certificate/key pair that a server config says it loads.
/// `Debug` leaves out the passphrases (see the manual impl below).
#[derive(Clone)]
pub struct Claim {
    /// "nginx", "apache", "haproxy", "postfix", "dovecot", "lighttpd", "kubernetes", …
    pub dialect: &'static str,
    /// The directive that names the certificate (file + 1-based line).
    pub config: Location,
    /// Context for messages: "server shop.example.com", "secret web/shop-tls", …
    pub context: Option<String>,
    pub cert: ClaimedFile,
    /// `None`: the key is in the certificate file (Apache without
    /// SSLCertificateKeyFile, HAProxy combined, lighttpd pemfile, …).
    pub key: Option<ClaimedFile>,
    /// A separate chain file (SSLCertificateChainFile, ssl.ca-file, …).
    pub chain: Option<ClaimedFile>,
    /// Host names the server serves this pair for (for `name-mismatch`).
    pub names: Vec<String>,
    /// TLS listeners the config declares for this certificate (`scan --probe`).
    pub listeners: Vec<Listener>,
    /// How the server gets the passphrase of an encrypted key.
    pub passphrase: Passphrase,
    /// The config file the key directive is in, when it is not `config.path`
    /// (a key named in an included snippet). The line is the key's own line.
    pub key_config: Option<Location>,
}

/// A TLS listener a config declares: the address as written (a wildcard is `None`) and port,
/// how TLS starts there, and what the server selects this certificate by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub host: Option<String>,
    pub port: u16,
    /// 1-based line of the listen directive.
    pub line: u32,
    /// The config file of that line, when it is not the claim's own (`config.path`): a
    /// master.cf service, a Dovecot `inet_listener` in another file, the `bind` of a crt-list.
    pub file: Option<String>,
    /// `None`: TLS from the first byte; else the plain-text protocol that upgrades the connection.
    pub starttls: Option<crate::probe::starttls::Starttls>,
    /// The names the server selects this certificate by, sent as SNI one probe each.
    pub sni: Sni,
    /// This is the certificate the listener serves without SNI (HAProxy's first `crt`): also
    /// probed once without SNI.
    pub default: bool,
}

impl Listener {
    /// Implicit TLS selected by these names, located in the claim's config file.
    pub fn tls(host: Option<String>, port: u16, line: u32, names: Vec<String>) -> Listener {
        Listener { host, port, line, file: None, starttls: None, sni: Sni::Names(names), default: false }
    }
}

/// What a server selects a listener's certificate by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sni {
    /// These names (nginx `server_name`, Apache `ServerName`/`ServerAlias`, Dovecot
    /// `local_name`, HAProxy crt-list filters), one probe each; none usable: one without SNI.
    Names(Vec<String>),
    /// The certificate's own names, its subjectAltName DNS entries and subject CN (HAProxy `crt`).
    Certificate,
    /// No selection by name: one probe without SNI (Postfix without `tls_server_sni_maps`).
    Without,
}

/// How a server gets the passphrase of an encrypted private key, as its config
/// says. `Debug` shows the source and the number of passphrases, never them.
#[derive(Clone, PartialEq, Eq)]
pub enum Passphrase {
    /// The server has no way to get one: it cannot load an encrypted key.
    /// `why` completes "the key is encrypted and …" ("HAProxy 2.6 has no
    /// passphrase option, so it will not start").
    None { why: String },
    /// The server asks on a terminal when it starts, so it will not start
    /// unattended (Apache `SSLPassPhraseDialog builtin`, nginx without
    /// `ssl_password_file`). `why` completes "the key is encrypted and …".
    Prompt { why: String },
    /// The config gives passphrases that keymatch reads, tried in order as the
    /// server tries them (nginx `ssl_password_file` lines, Dovecot
    /// `ssl_key_password`). `source` names the directive and file:
    /// "ssl_password_file /etc/nginx/pass".
    Given { source: String, passphrases: Vec<Vec<u8>> },
    /// A program gives it (`SSLPassPhraseDialog exec:`, PostgreSQL
    /// `ssl_passphrase_command`): keymatch never runs it, so it cannot know the
    /// passphrase. `source` names the directive and program.
    Program { source: String },
}

impl Passphrase {
    /// No passphrase option: `why` completes "the key is encrypted and …".
    pub fn none(why: impl Into<String>) -> Passphrase {
        Passphrase::None { why: why.into() }
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Passphrase::None { why } => f.debug_struct("None").field("why", why).finish(),
            Passphrase::Prompt { why } => f.debug_struct("Prompt").field("why", why).finish(),
            Passphrase::Given { source, passphrases } => f
                .debug_struct("Given")
                .field("source", source)
                .field("passphrases", &format_args!("[{} redacted]", passphrases.len()))
                .finish(),
            Passphrase::Program { source } => f.debug_struct("Program").field("source", source).finish(),
        }
    }
}

/// One file a claim names. `Debug` shows the length of inline material, never its bytes.
#[derive(Clone)]
pub enum ClaimedFile {
    /// A path on the server, and where it is here (after --root/--map/relative resolution).
    Path { server_path: String, local: PathBuf, line: u32 },
    /// Material inside the config itself (a Kubernetes Secret's data, an OpenVPN
    /// `<cert>` block). `label` is a display source such as `secret.yaml#web/shop-tls/tls.crt`.
    Inline { label: String, bytes: Vec<u8>, line: u32 },
    /// Cannot be resolved statically (a variable): reported as a note, never a false finding.
    Unresolvable { text: String, reason: String, line: u32 },
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim")
            .field("dialect", &self.dialect)
            .field("config", &self.config)
            .field("context", &self.context)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("chain", &self.chain)
            .field("names", &self.names)
            .field("passphrase", &self.passphrase)
            .field("key_config", &self.key_config)
            .finish()
    }
}

impl std::fmt::Debug for ClaimedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimedFile::Path { server_path, local, line } => f
                .debug_struct("Path")
                .field("server_path", server_path)
                .field("local", local)
                .field("line", line)
                .finish(),
            ClaimedFile::Inline { label, bytes, line } => f
                .debug_struct("Inline")
                .field("label", label)
                .field("bytes", &format_args!("<{} bytes>", bytes.len()))
                .field("line", line)
                .finish(),
            ClaimedFile::Unresolvable { text, reason, line } => {
                f.debug_struct("Unresolvable").field("text", text).field("reason", reason).field("line", line).finish()
            }
        }
    }
}

impl ClaimedFile {
    pub fn line(&self) -> u32 {
        match self {
            ClaimedFile::Path { line, .. }
            | ClaimedFile::Inline { line, .. }
            | ClaimedFile::Unresolvable { line, .. } => *line,
        }
    }
}

use crate::discover::ReadOutcome;
use crate::finding::Finding;
use crate::paths::{self, PathMap};
use std::path::Path;

/// What dialects may use while reading configs.
pub struct ServerContext<'a> {
    /// `--root` / `--map`: server paths → local paths.
    pub map: &'a PathMap,
    /// Read an included file (symlinks resolved, size-capped).
    pub read: &'a (dyn Fn(&Path) -> ReadOutcome + Sync),
}

/// One server family.
pub trait Dialect: Sync {
    /// "nginx", "apache", …
    fn name(&self) -> &'static str;
    /// Is this file (by path and content) one of this dialect's configs (entry point or included)?
    fn recognises(&self, path: &Path, text: &str) -> bool;
    /// Is it a top-level config the server starts from (nginx.conf, main.cf, …)?
    /// Other recognised files are read only through includes.
    fn is_entry(&self, path: &Path, text: &str) -> bool;
    /// Read one entry point (following includes through `cx`) and add its claims.
    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>);
    /// Files that only make sense when included (Debian `sites-available`…): never read alone.
    fn standalone(&self, path: &Path) -> bool {
        !has_component(path, &["sites-available", "conf-available", "mods-available", "conf.modules.d"])
    }
    /// Read all of this dialect's files (sorted by path): every entry point once; when
    /// there is none (a repository of fragments), every standalone file once. Dialects
    /// that relate files to each other (Kubernetes Ingresses and Secrets) override this.
    fn read_all(&self, mine: &[(&PathBuf, &str)], cx: &mut Cx<'_, '_>) {
        let entries: Vec<&(&PathBuf, &str)> = mine.iter().filter(|(p, t)| self.is_entry(p, t)).collect();
        let any_entry = !entries.is_empty();
        for (p, text) in entries {
            if cx.visited.insert(paths::normalize(p)) {
                let file = cx.conf_file(p);
                cx.stack.push(paths::normalize(p));
                self.read_entry(&file, text, cx);
                cx.stack.pop();
            }
        }
        if !any_entry {
            for (p, text) in mine {
                if self.standalone(p) && cx.visited.insert(paths::normalize(p)) {
                    let file = cx.conf_file(p);
                    cx.stack.push(paths::normalize(p));
                    self.read_entry(&file, text, cx);
                    cx.stack.pop();
                }
            }
        }
    }
}

/// Every dialect, in the order they are tried.
pub fn dialects() -> &'static [&'static dyn Dialect] {
    &[
        &nginx::Nginx,
        &apache::Apache,
        &haproxy::Haproxy,
        &postfix::Postfix,
        &dovecot::Dovecot,
        &lighttpd::Lighttpd,
        &kubernetes::Kubernetes,
        &openvpn::Openvpn,
        &redis::Redis,
        &postgres::Postgres,
        &mysql::Mysql,
        &docker::Docker,
        &caddy::Caddy,
        &traefik::Traefik,
        &envoy::Envoy,
    ]
}

/// Is this file (by path and first bytes) a config of some dialect? Cheap.
pub fn looks_like_config(path: &Path, head: &[u8]) -> bool {
    if !candidate_path(path) {
        return false;
    }
    // Standard input is looked at whole: `kubectl get secrets -A -o yaml` names its first TLS
    // secret anywhere in tens of MiB.
    let head = if path == Path::new("-") { head } else { &head[..head.len().min(64 * 1024)] };
    let text = String::from_utf8_lossy(head);
    dialects().iter().any(|d| d.recognises(path, &text))
}

/// Names and directories server configs have: everything else is not decoded at all.
/// Templates and examples (`/usr/share/…`, `doc/`, `examples/`) are not what a server loads.
fn candidate_path(path: &Path) -> bool {
    // Runs for every walked file: the name first, then one pass over borrowed
    // components; nothing is allocated.
    let name = path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default();
    // Certificates and keys in a server's tree (`/etc/nginx/ssl/x.pem`) are material, not configs.
    const MATERIAL: &[&str] = &[".pem", ".crt", ".cer", ".cert", ".key", ".der", ".csr", ".p12", ".pfx"];
    if MATERIAL.iter().any(|e| name.ends_with(e.as_bytes())) {
        return false;
    }
    const EXT: &[&str] = &[".conf", ".cf", ".cfg", ".yaml", ".yml", ".json", ".toml", ".ext", ".ovpn", ".cnf"];
    const DIRS: &[&str] = &[
        "nginx",
        "apache2",
        "apache",
        "httpd",
        "haproxy",
        "postfix",
        "dovecot",
        "lighttpd",
        ".kube",
        "sites-enabled",
        "conf-enabled",
    ];
    const TEMPLATES: &[&str] = &["doc", "docs", "examples", "example", "samples", "sample"];
    let mut candidate = path == Path::new("-")
        || EXT.iter().any(|e| name.ends_with(e.as_bytes()))
        || name == b"Caddyfile"
        || name.starts_with(b"kubeconfig");
    let mut previous_was_usr = false;
    for c in path.components() {
        let c = c.as_os_str();
        if previous_was_usr && c == "share" || TEMPLATES.iter().any(|t| c == *t) {
            return false;
        }
        previous_was_usr = c == "usr";
        candidate = candidate || DIRS.iter().any(|d| c == *d);
    }
    candidate
}

/// The dialect with this name (`nginx`, `apache`, …), for `--server NAME=PATH`.
pub fn dialect_named(name: &str) -> Option<&'static dyn Dialect> {
    dialects().iter().copied().find(|d| d.name() == name)
}

/// The dialects' names, for messages: "nginx, apache, …".
pub fn dialect_names() -> String {
    dialects().iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
}

/// Does a file no dialect recognised still look like a server's TLS config? Its first bytes name
/// a certificate directive of some server (nginx/Dovecot `ssl_cert…`, Apache
/// `SSLCertificateFile`, Postfix `…tls_cert_file`, lighttpd `ssl.pemfile`, HAProxy `ssl crt`).
/// Such a file is counted in the summary: it may be a config keymatch did not read because it sits
/// outside its server's usual paths (name it with `--server DIALECT=PATH`).
pub fn looks_like_unclaimed_config(head: &[u8]) -> bool {
    const MARKERS: &[&str] = &["ssl_cert", "SSLCertificateFile", "tls_cert_file", "ssl.pemfile", "ssl crt "];
    // PEM material that mentions a directive in its comments is material, not a config.
    let head = &head[..head.len().min(64 * 1024)];
    memchr::memmem::find(head, b"-----BEGIN ").is_none()
        && MARKERS.iter().any(|m| memchr::memmem::find(head, m.as_bytes()).is_some())
}

/// What reading the configs gave: claims, findings about the configs, and how many files each
/// dialect read (entry points and includes), by dialect name.
#[derive(Debug, Default)]
pub struct Claims {
    pub claims: Vec<Claim>,
    pub findings: Vec<Finding>,
    pub read: std::collections::BTreeMap<&'static str, usize>,
    /// Every config file some dialect read (normalised local paths).
    pub read_paths: HashSet<PathBuf>,
}

/// One dialect's result: its name, claims, findings, files read (count and paths).
type DialectRead = (&'static str, Vec<Claim>, Vec<Finding>, usize, HashSet<PathBuf>);

/// The claims of all configs among `files` (path, content), plus findings
/// about the configs themselves (notes for unresolvable paths, …).
pub fn find_claims(files: &[(PathBuf, &[u8])], ctx: &ServerContext<'_>) -> (Vec<Claim>, Vec<Finding>) {
    let c = find_claims_named(files, &[], ctx);
    (c.claims, c.findings)
}

/// [`find_claims`], plus config files the user named for a dialect (`--server nginx=PATH`, the
/// settings file's `[servers]`): each is read by that dialect as an entry point, wherever it is
/// and whatever its name, and by no other dialect.
pub fn find_claims_named(
    files: &[(PathBuf, &[u8])],
    named: &[(&'static str, PathBuf, &[u8])],
    ctx: &ServerContext<'_>,
) -> Claims {
    use rayon::prelude::*;
    let named_paths: HashSet<PathBuf> = named.iter().map(|(_, p, _)| paths::normalize(p)).collect();
    // Borrowed when the bytes are UTF-8 already (the common case): configs are held once.
    let decoded: Vec<(&PathBuf, std::borrow::Cow<'_, str>)> = files
        .par_iter()
        .filter(|(p, _)| !named_paths.contains(&paths::normalize(p)))
        .map(|(p, b)| (p, decode_borrowed(b)))
        .collect();
    // Dialects read their configs independently, in parallel; their results are
    // joined in registration order, so the output does not depend on timing.
    let per_dialect: Vec<DialectRead> = dialects()
        .par_iter()
        .map(|d| {
            let mut cx = Cx {
                ctx,
                claims: Vec::new(),
                findings: Vec::new(),
                visited: HashSet::new(),
                budget: INCLUDE_BUDGET,
                stack: Vec::new(),
            };
            // Files named for this dialect are entry points, read first.
            let forced: Vec<(&PathBuf, String)> =
                named.iter().filter(|(n, _, _)| *n == d.name()).map(|(_, p, b)| (p, decode(b))).collect();
            for (p, text) in &forced {
                if cx.visited.insert(paths::normalize(p)) {
                    let file = cx.conf_file(p);
                    cx.stack.push(paths::normalize(p));
                    d.read_entry(&file, text, &mut cx);
                    cx.stack.pop();
                }
            }
            let mut mine: Vec<(&PathBuf, &str)> =
                decoded.iter().filter(|(p, text)| d.recognises(p, text)).map(|(p, t)| (*p, t.as_ref())).collect();
            mine.sort_by(|a, b| a.0.cmp(b.0));
            // The named files go too: dialects that relate files (Kubernetes) read them in read_all.
            mine.splice(0..0, forced.iter().map(|(p, t)| (*p, t.as_str())));
            d.read_all(&mine, &mut cx);
            // Dialects that relate files rather than include them (Kubernetes) mark none visited.
            let read = if cx.visited.is_empty() { mine.len() } else { cx.visited.len() };
            let mut seen = cx.visited;
            seen.extend(mine.iter().map(|(p, _)| paths::normalize(p)));
            (d.name(), dedupe(cx.claims), cx.findings, read, seen)
        })
        .collect();
    let mut out = Claims::default();
    for (name, c, f, read, seen) in per_dialect {
        out.read_paths.extend(seen);
        out.claims.extend(c);
        out.findings.extend(f);
        if read > 0 {
            out.read.insert(name, read);
        }
    }
    out
}

/// Config text: lossy UTF-8 without a BOM.
pub fn decode(bytes: &[u8]) -> String {
    decode_borrowed(bytes).into_owned()
}

/// [`decode`], borrowing `bytes` when they are UTF-8.
fn decode_borrowed(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes)
}

/// The same pair named by one directive for several servers (nginx `http`-level
/// certificates inherited by every `server`) is one claim, with all the names.
fn dedupe(claims: Vec<Claim>) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for c in claims {
        let id = format!(
            "{}|{:?}|{:?}|{}|{}|{}",
            c.dialect,
            c.config,
            c.key_config,
            identity(Some(&c.cert)),
            identity(c.key.as_ref()),
            identity(c.chain.as_ref())
        );
        match index.get(&id).and_then(|&i| out.get_mut(i)) {
            Some(o) => {
                for n in c.names {
                    if !o.names.contains(&n) {
                        o.names.push(n);
                    }
                }
                // Each listener keeps the names it selects by: merged, they still probe apart.
                for l in c.listeners {
                    if !o.listeners.contains(&l) {
                        o.listeners.push(l);
                    }
                }
                o.context = None;
            }
            None => {
                index.insert(id, out.len());
                out.push(c);
            }
        }
    }
    out
}

/// What makes two claimed files the same (never the inline bytes themselves).
fn identity(f: Option<&ClaimedFile>) -> String {
    match f {
        None => "-".to_string(),
        Some(ClaimedFile::Path { local, line, .. }) => format!("p:{}:{line}", local.display()),
        Some(ClaimedFile::Inline { label, line, .. }) => format!("i:{label}:{line}"),
        Some(ClaimedFile::Unresolvable { text, line, .. }) => format!("u:{text}:{line}"),
    }
}

/// A config file being read: where it is here, and where it is on the server.
#[derive(Debug, Clone)]
pub struct ConfFile {
    /// Local path (as walked, or as an include resolved it).
    pub local: PathBuf,
    /// The path as the server knows it (absolute when known).
    pub server: PathBuf,
    /// `<dir>` of the default rule: the tree the config's `etc/` sits in.
    pub base: Option<PathBuf>,
}

impl ConfFile {
    /// Location of a line of this file, for claims and findings.
    pub fn at(&self, line: u32, map: &PathMap) -> Location {
        let display = paths::display(&self.local);
        let server = paths::display(&self.server);
        let sp = (map.translates() && server != display && self.server.is_absolute()).then_some(server);
        Location::file(display).with_server_path(sp).with_line(line)
    }

    /// The server's directory holding this file.
    pub fn server_dir(&self) -> PathBuf {
        self.server.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// The reading state of one dialect: the context, what it found, what it read.
pub struct Cx<'c, 'a> {
    pub ctx: &'c ServerContext<'a>,
    pub claims: Vec<Claim>,
    pub findings: Vec<Finding>,
    /// Local paths (normalised) already read, so an included snippet is read once per entry point.
    pub visited: HashSet<PathBuf>,
    /// Includes left to read for this dialect: a glob that includes itself stops here, not never.
    pub budget: usize,
    /// The files being included right now (innermost last): a file never includes itself.
    pub stack: Vec<PathBuf>,
}

/// Included files one dialect reads at most in one scan.
pub const INCLUDE_BUDGET: usize = 4096;

impl Cx<'_, '_> {
    /// A walked config file: find its base (default rule) and its server path.
    pub fn conf_file(&self, local: &Path) -> ConfFile {
        let base = conventional_base(local);
        let server = server_of(local, base.as_deref(), self.ctx.map);
        ConfFile { local: local.to_path_buf(), server, base }
    }

    /// A file named from inside `from` (an include) by its server path.
    pub fn included(&self, from: &ConfFile, server: &Path) -> ConfFile {
        let local = relink(&self.local_of(from, server), from.base.as_deref(), self.ctx.map);
        ConfFile { local, server: server.to_path_buf(), base: from.base.clone() }
    }

    /// Where the server path `server` (absolute, or relative to the process) is here.
    pub fn local_of(&self, from: &ConfFile, server: &Path) -> PathBuf {
        local_of(server, from.base.as_deref(), self.ctx.map)
    }

    /// The claimed file for a path text in a config, relative paths joined to `rel_base` (a server path).
    pub fn claimed(&self, from: &ConfFile, text: &str, rel_base: &Path, line: u32) -> ClaimedFile {
        let p = Path::new(text);
        let server = if p.is_absolute() { paths::normalize(p) } else { paths::normalize(&rel_base.join(p)) };
        self.path_claim(from, &server, line)
    }

    /// The claimed file for a server path already resolved (absolute, or relative to where keymatch runs).
    pub fn path_claim(&self, from: &ConfFile, server: &Path, line: u32) -> ClaimedFile {
        let local = relink(&self.local_of(from, server), from.base.as_deref(), self.ctx.map);
        ClaimedFile::Path { server_path: paths::display(server), local, line }
    }

    /// Read an included file's text (`None`: missing or unreadable — includes that
    /// are not there are the server's problem, not a pair's).
    pub fn read_text(&self, local: &Path) -> Option<String> {
        match (self.ctx.read)(local) {
            ReadOutcome::Read { bytes, .. } => Some(decode(&bytes)),
            _ => None,
        }
    }

    /// Expand an include pattern given in server terms: the matching files' server paths, sorted.
    /// A glob costs one unit of the include budget (a directory listing and a compiled
    /// pattern; globs that match nothing would otherwise be free), none once it is spent.
    pub fn expand(&mut self, from: &ConfFile, server_pattern: &Path) -> Vec<PathBuf> {
        let local_pattern = self.local_of(from, server_pattern);
        let text = paths::display(server_pattern);
        if !has_glob(&text) {
            return vec![server_pattern.to_path_buf()];
        }
        if !self.spend(from) {
            return Vec::new();
        }
        let locals = glob(&local_pattern);
        // Server path of each match: the pattern's literal prefix, in server terms, plus the rest.
        let (lit_server, lit_local) = (literal_prefix(server_pattern), literal_prefix(&local_pattern));
        locals.into_iter().filter_map(|l| l.strip_prefix(&lit_local).ok().map(|rest| lit_server.join(rest))).collect()
    }

    /// Read the included files `targets` (server paths, in order) with `read`. A cycle or a spent
    /// include budget stops the loop; a missing or unreadable include is skipped (the server's
    /// problem, not a pair's). While `read` runs, the file is marked visited and is on the
    /// include stack.
    pub fn each_include(
        &mut self,
        from: &ConfFile,
        targets: Vec<PathBuf>,
        mut read: impl FnMut(&mut Self, ConfFile, String),
    ) {
        for server in targets {
            let inc = self.included(from, &server);
            if self.including(&inc.local) || !self.spend(from) {
                break;
            }
            let Some(text) = self.read_text(&inc.local) else { continue };
            let key = paths::normalize(&inc.local);
            self.visited.insert(key.clone());
            self.stack.push(key);
            read(self, inc, text);
            self.stack.pop();
        }
    }

    /// Is `local` already being read further up the include chain (a cycle)?
    pub fn including(&self, local: &Path) -> bool {
        let n = paths::normalize(local);
        self.stack.contains(&n)
    }

    /// Take one include from the budget; `false` when it is spent (a note says so once).
    pub fn spend(&mut self, from: &ConfFile) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        if self.budget == 0 {
            self.findings.push(Finding::new(
                crate::finding::Code::Unsupported,
                format!(
                    "more than {INCLUDE_BUDGET} included config files (an include that includes itself?); the rest are not read"
                ),
                vec![Location::file(paths::display(&from.local))],
            ));
        }
        true
    }

    /// Add a claim (context, names and passphrases as given).
    pub fn push(&mut self, claim: Claim) {
        self.claims.push(claim);
    }
}

/// The `<dir>` of `<dir>/etc/<server>/…`: the tree the config's `etc` sits in.
/// `usr/local/etc` (BSD) counts as `etc` too.
pub fn conventional_base(local: &Path) -> Option<PathBuf> {
    let comps: Vec<_> = local.components().collect();
    let idx = comps.iter().rposition(|c| c.as_os_str() == "etc")?;
    // `etc` must be a directory with something below it.
    if idx + 1 >= comps.len() {
        return None;
    }
    let mut start = idx;
    if idx >= 2
        && comps.get(idx - 1).is_some_and(|c| c.as_os_str() == "local")
        && comps.get(idx - 2).is_some_and(|c| c.as_os_str() == "usr")
    {
        start = idx - 2;
    }
    let mut base = PathBuf::new();
    for c in comps.iter().take(start) {
        base.push(c.as_os_str());
    }
    Some(base)
}

/// The server path of a local config file.
fn server_of(local: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    if let Some(base) = base {
        if let Ok(rest) = local.strip_prefix(base) {
            return Path::new("/").join(rest);
        }
    }
    let best = map.maps.iter().filter(|(_, l)| local.starts_with(l)).max_by_key(|(_, l)| l.components().count());
    if let Some((server, l)) = best {
        if let Ok(rest) = local.strip_prefix(l) {
            return server.join(rest);
        }
    }
    if let Some(root) = &map.root {
        if let Ok(rest) = local.strip_prefix(root) {
            return Path::new("/").join(rest);
        }
    }
    local.to_path_buf()
}

/// Where a server path is here: an explicit `--map` first, then under the
/// config's `<dir>` when it exists there (or nothing else translates), then `--root`.
fn local_of(server: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    if !server.is_absolute() {
        return server.to_path_buf();
    }
    let normal = paths::normalize(server);
    if map.maps.iter().any(|(prefix, _)| normal.starts_with(prefix)) {
        return map.to_local(&normal);
    }
    if let Some(base) = base {
        let rest = normal.strip_prefix("/").unwrap_or(&normal);
        let candidate = if base.as_os_str().is_empty() { rest.to_path_buf() } else { base.join(rest) };
        if base == Path::new("/") {
            return map.to_local(&normal);
        }
        if std::fs::symlink_metadata(&candidate).is_ok() || map.root.is_none() {
            return candidate;
        }
    }
    map.to_local(&normal)
}

/// A symlink with an absolute target (`sites-enabled/shop -> /etc/nginx/sites-available/shop`)
/// in a tree found by the default rule points into that tree, not into this machine's `/`.
/// Returns the final target when some hop was absolute, else `local` unchanged (so a
/// relative link keeps its own name in messages). With `--root`, discover maps targets itself.
fn relink(local: &Path, base: Option<&Path>, map: &PathMap) -> PathBuf {
    let Some(base) = base else { return local.to_path_buf() };
    if map.root.is_some() || base == Path::new("/") {
        return local.to_path_buf();
    }
    let mut cur = local.to_path_buf();
    let mut absolute = false;
    for _ in 0..16 {
        let Ok(target) = std::fs::read_link(&cur) else { break };
        cur = if target.is_absolute() {
            absolute = true;
            local_of(&target, Some(base), map)
        } else {
            paths::normalize(&cur.parent().unwrap_or(Path::new("")).join(target))
        };
    }
    if absolute {
        cur
    } else {
        local.to_path_buf()
    }
}

/// Does the path have one of these components?
pub fn has_component(path: &Path, names: &[&str]) -> bool {
    path.components().any(|c| names.iter().any(|n| c.as_os_str() == *n))
}

/// The file name; "" when there is none or it is not UTF-8 (no server config is named so).
pub fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or_default()
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The leading components without glob characters.
fn literal_prefix(pattern: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in pattern.components() {
        if has_glob(&c.as_os_str().to_string_lossy()) {
            break;
        }
        out.push(c.as_os_str());
    }
    out
}

/// Expand a glob over the local filesystem, component by component; sorted
/// like glob(3). Hidden files match only a pattern starting with a dot.
pub fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<_> = pattern.components().collect();
    let last = comps.len().saturating_sub(1);
    for (i, c) in comps.iter().enumerate() {
        let part = c.as_os_str().to_string_lossy().into_owned();
        if !has_glob(&part) {
            for p in &mut current {
                p.push(c.as_os_str());
            }
            continue;
        }
        let matcher = match globset::GlobBuilder::new(&part).literal_separator(true).build() {
            Ok(g) => g.compile_matcher(),
            Err(_) => return Vec::new(),
        };
        let mut next = Vec::new();
        for dir in &current {
            let listing = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Ok(rd) = std::fs::read_dir(listing) else { continue };
            let mut names: Vec<String> = rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            for n in names {
                if n.starts_with('.') && !part.starts_with('.') {
                    continue;
                }
                if matcher.is_match(&n) {
                    next.push(dir.join(&n));
                }
            }
        }
        current = next;
        if i < last {
            current.retain(|p| p.is_dir());
        }
    }
    current.retain(|p| !p.is_dir());
    current.sort();
    current
}

/// Does the text use a variable that keymatch cannot expand (`$name`, `${name}`)?
pub fn has_variable(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'$' && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'{' || *n == b'_'))
}

/// An unresolvable claimed file for a path with a variable.
pub fn unresolvable(text: &str, line: u32, reason: &str) -> ClaimedFile {
    ClaimedFile::Unresolvable { text: text.to_string(), reason: reason.to_string(), line }
}

/// Server names as a config gives them → names to check: drop catch-alls,
/// regexes and anything with a variable; nginx's `.example.com` is `example.com`.
pub fn clean_names<'s>(names: impl IntoIterator<Item = &'s str>) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim().trim_end_matches('.');
        let n = n.strip_prefix('.').unwrap_or(n);
        if n.is_empty()
            || n == "_"
            || n == "*"
            || n == "localhost"
            || n.starts_with('~')
            || n.contains(['$', '/', ':', ' '])
            || n.parse::<std::net::IpAddr>().is_ok()
            // Only a leading one-label wildcard can be checked against SANs (nginx's `www.*` cannot).
            || n.get(1..).is_some_and(|rest| rest.contains('*'))
            || (n.starts_with('*') && !n.starts_with("*."))
        {
            continue;
        }
        let n = n.to_ascii_lowercase();
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Split text into lines, 1-based numbers, CR removed.
pub fn lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| ((i + 1) as u32, l.strip_suffix('\r').unwrap_or(l)))
}

/// Shell-like words of one line: whitespace separated, `"…"`/`'…'` quoted,
/// backslash escapes, `#` starts a comment at a word start.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '"' | '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers for the dialects' unit tests: a temp tree and a context over it.
    use super::*;

    pub struct Tree {
        pub dir: tempfile::TempDir,
    }

    impl Tree {
        pub fn new(files: &[(&str, &str)]) -> Tree {
            let dir = tempfile::tempdir().unwrap();
            for (p, text) in files {
                let path = dir.path().join(p);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            Tree { dir }
        }
        pub fn path(&self, p: &str) -> PathBuf {
            self.dir.path().join(p)
        }
        pub fn link(&self, link: &str, target: &str) {
            let l = self.path(link);
            std::fs::create_dir_all(l.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, l).unwrap();
        }
        /// Scan like `keymatch scan DIR`: every file under the tree that looks like a config.
        pub fn claims(&self) -> (Vec<Claim>, Vec<Finding>) {
            self.claims_with(&PathMap::default())
        }
        pub fn claims_with(&self, map: &PathMap) -> (Vec<Claim>, Vec<Finding>) {
            let mut files = Vec::new();
            for e in walkdir::WalkDir::new(self.dir.path()).sort_by_file_name() {
                let e = e.unwrap();
                if e.file_type().is_file() {
                    let bytes = std::fs::read(e.path()).unwrap();
                    if looks_like_config(e.path(), &bytes) {
                        files.push((e.path().to_path_buf(), bytes));
                    }
                }
            }
            let refs: Vec<(PathBuf, &[u8])> = files.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect();
            let read = |p: &Path| crate::discover::read_file(p, 1 << 20, map);
            let ctx = ServerContext { map, read: &read };
            find_claims(&refs, &ctx)
        }
        /// A claimed file, relative to the tree: "etc/ssl/a.pem", "?$var" for unresolvable, "inline:label".
        pub fn show(&self, f: &ClaimedFile) -> String {
            match f {
                ClaimedFile::Path { local, line, .. } => {
                    let rel = local.strip_prefix(self.dir.path()).unwrap_or(local);
                    format!("{}@{line}", rel.display())
                }
                ClaimedFile::Inline { label, line, .. } => format!("inline:{label}@{line}"),
                ClaimedFile::Unresolvable { text, line, .. } => format!("?{text}@{line}"),
            }
        }
        /// One line per claim: "config:line cert key chain [names]".
        pub fn summary(&self, claims: &[Claim]) -> Vec<String> {
            let mut out: Vec<String> = claims
                .iter()
                .map(|c| {
                    let cfg = Path::new(&c.config.path);
                    let cfg = cfg.strip_prefix(self.dir.path()).unwrap_or(cfg);
                    format!(
                        "{}:{} {} {} {}{}",
                        cfg.display(),
                        c.config.line.unwrap_or(0),
                        self.show(&c.cert),
                        c.key.as_ref().map(|k| self.show(k)).unwrap_or_else(|| "-".into()),
                        c.chain.as_ref().map(|k| self.show(k)).unwrap_or_else(|| "-".into()),
                        if c.names.is_empty() { String::new() } else { format!(" [{}]", c.names.join(",")) }
                    )
                })
                .collect();
            out.sort();
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_handle_quotes_escapes_and_comments() {
        assert_eq!(words(r#"  a "b c" 'd#e' f\ g # h"#), vec!["a", "b c", "d#e", "f g"]);
        assert_eq!(words("x#y z"), vec!["x#y", "z"]);
        assert!(words("   # only a comment").is_empty());
    }

    #[test]
    fn conventional_base_finds_the_tree_around_etc() {
        assert_eq!(conventional_base(Path::new("repo/etc/nginx/nginx.conf")), Some(PathBuf::from("repo")));
        assert_eq!(conventional_base(Path::new("/etc/nginx/nginx.conf")), Some(PathBuf::from("/")));
        assert_eq!(conventional_base(Path::new("x/usr/local/etc/nginx/nginx.conf")), Some(PathBuf::from("x")));
        assert_eq!(conventional_base(Path::new("deploy/nginx/nginx.conf")), None);
    }

    #[test]
    fn stray_files_are_not_configs() {
        assert!(!looks_like_config(Path::new("src/app.conf"), b"server { listen 80; }"));
        assert!(!looks_like_config(Path::new("docs/main.cf"), b"# nothing here"));
        assert!(!looks_like_config(Path::new("k8s/deploy.yaml"), b"kind: Deployment\n"));
        assert!(!looks_like_config(Path::new("etc/nginx/ssl/shop.pem"), b"-----BEGIN CERTIFICATE-----"));
        assert!(!looks_like_config(Path::new("src/main.rs"), b"ssl_certificate"));
        assert!(!looks_like_config(
            Path::new("/usr/share/doc/haproxy/examples/edge.cfg"),
            b"frontend f\n bind :443 ssl crt x\n"
        ));
        assert!(!looks_like_config(
            Path::new("/usr/share/dovecot/dovecot.conf"),
            b"!include conf.d/*.conf\nssl = yes\n"
        ));
        assert!(looks_like_config(Path::new("etc/nginx/sites-enabled/shop"), b"server {\n ssl_certificate x;\n}"));
        assert!(looks_like_config(Path::new("-"), b"kind: Secret\ndata:\n  tls.crt: AA==\n"));
    }

    #[test]
    fn debug_never_shows_inline_material_or_passphrases() {
        let c = Claim {
            dialect: "kubernetes",
            config: Location::file("s.yaml"),
            context: None,
            cert: ClaimedFile::Inline { label: "s.yaml#a/b/tls.crt".into(), bytes: b"CERTBYTES".to_vec(), line: 1 },
            key: Some(ClaimedFile::Inline {
                label: "s.yaml#a/b/tls.key".into(),
                bytes: b"SECRETKEY".to_vec(),
                line: 2,
            }),
            chain: None,
            names: Vec::new(),
            listeners: Vec::new(),
            passphrase: Passphrase::Given { source: "x".into(), passphrases: vec![b"hunter2".to_vec()] },
            key_config: None,
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("tls.key") && shown.contains("<9 bytes>"));
        assert!(!shown.contains("SECRETKEY") && !shown.contains("hunter2") && !shown.contains("83, 69"));
    }

    #[test]
    fn names_drop_catch_alls_and_regexes() {
        assert_eq!(
            clean_names([
                "_",
                "Shop.Example.com",
                ".example.org",
                "~^www\\d+",
                "$host",
                "*.a.com",
                "10.0.0.1",
                "www.*",
                "*x.b"
            ]),
            vec!["shop.example.com", "example.org", "*.a.com"]
        );
    }

    #[test]
    fn variables_are_detected() {
        assert!(has_variable("/etc/ssl/$ssl_server_name.crt"));
        assert!(has_variable("${SSL_DIR}/a.pem"));
        assert!(!has_variable("/etc/ssl/a$.pem"));
    }

    #[test]
    fn local_paths_follow_map_then_default_rule_then_root() {
        let t = testutil::Tree::new(&[("repo/etc/ssl/a.pem", "x")]);
        let base = t.path("repo");
        let map = PathMap { root: None, maps: vec![(PathBuf::from("/etc/nginx"), PathBuf::from("deploy/nginx"))] };
        assert_eq!(local_of(Path::new("/etc/nginx/x.pem"), Some(&base), &map), PathBuf::from("deploy/nginx/x.pem"));
        assert_eq!(local_of(Path::new("/etc/ssl/a.pem"), Some(&base), &map), t.path("repo/etc/ssl/a.pem"));
        let rooted = PathMap { root: Some(PathBuf::from("img")), maps: Vec::new() };
        assert_eq!(local_of(Path::new("/etc/ssl/b.pem"), Some(&base), &rooted), PathBuf::from("img/etc/ssl/b.pem"));
        assert_eq!(
            local_of(Path::new("/etc/ssl/b.pem"), Some(&base), &PathMap::default()),
            t.path("repo/etc/ssl/b.pem")
        );
    }

    #[test]
    fn hostile_configs_end_without_panic_or_blowup() {
        let deep = format!("http {{ {} }}", "server { ".repeat(50_000));
        let doubling: String = (0..30).map(|i| format!("p{i} = $p{} $p{}\n", i + 1, i + 1)).collect();
        let t = testutil::Tree::new(&[
            ("etc/nginx/nginx.conf", "http {\n include conf.d/*.conf;\n}\n"),
            (
                "etc/nginx/conf.d/a.conf",
                "include conf.d/*.conf;\nserver { ssl_certificate a; ssl_certificate_key b; }\n",
            ),
            ("etc/nginx/conf.d/b.conf", "include conf.d/*.conf;\n"),
            ("etc/nginx/deep/nginx.conf", &deep),
            ("etc/postfix/main.cf", &format!("{doubling}smtpd_tls_cert_file = $p0\n")),
            (
                "etc/apache2/apache2.conf",
                "Include apache2.conf\n</VirtualHost>\n<VirtualHost\nSSLEngine on\nSSLCertificateFile \\",
            ),
            ("etc/dovecot/dovecot.conf", "!include dovecot.conf\n}}}}\nssl_cert = <\n"),
            (
                "etc/lighttpd/lighttpd.conf",
                "include \"lighttpd.conf\"\n$HTTP[\"host\"] == \"x\" { ssl.pemfile = ( \"a\" \n",
            ),
            ("etc/haproxy/haproxy.cfg", "frontend f\n bind :443 ssl crt\n bind :1 crt-list\n"),
        ]);
        let (claims, findings) = t.claims();
        // Include cycles are cut; the pair in a.conf is one claim; the other files still give theirs.
        assert!(findings.is_empty());
        assert_eq!(claims.iter().filter(|c| c.dialect == "nginx").count(), 1);
        assert!(claims.iter().any(|c| c.dialect == "postfix" && matches!(c.cert, ClaimedFile::Unresolvable { .. })));
    }

    #[test]
    fn random_syntax_soup_never_panics_in_any_dialect() {
        // A fixed-seed generator over the characters that drive the parsers.
        const ATOMS: &[&str] = &[
            "{",
            "}",
            ";",
            "\"",
            "'",
            "\\",
            "$",
            "${",
            "#",
            "\n",
            "\r\n",
            " ",
            "\t",
            "=",
            "<",
            ">",
            "</",
            "[",
            "]",
            "(",
            ")",
            ",",
            "+",
            ":",
            "- ",
            "ssl_certificate ",
            "ssl_certificate_key ",
            "server",
            "include ",
            "SSLCertificateFile ",
            "<VirtualHost *:443>",
            "</VirtualHost>",
            "SSLEngine on\n",
            "bind :443 ssl crt ",
            "crt-list ",
            "frontend f\n",
            "smtpd_tls_cert_file = ",
            "ssl_cert = <",
            "!include ",
            "ssl.pemfile = ",
            "$HTTP[\"host\"] == ",
            "var.x",
            "kind: Secret\n",
            "tls.crt: ",
            "tls.key: ",
            "&a ",
            "*a",
            "<cert>\n",
            "</cert>\n",
            "tls ",
            "certFile: ",
            "tls_certificates:",
            "/etc/ssl/a.pem",
            "..",
            "*",
            "\u{feff}",
            "\u{0}",
        ];
        const PATHS: &[&str] = &[
            "etc/nginx/nginx.conf",
            "etc/apache2/apache2.conf",
            "etc/haproxy/haproxy.cfg",
            "etc/postfix/main.cf",
            "etc/dovecot/dovecot.conf",
            "etc/lighttpd/lighttpd.conf",
            "k8s/x.yaml",
            "etc/openvpn/x.conf",
            "etc/redis/redis.conf",
            "etc/postgresql/postgresql.conf",
            "etc/mysql/my.cnf",
            "etc/docker/daemon.json",
            "etc/caddy/Caddyfile",
            "etc/traefik/t.yml",
            "etc/envoy/e.yaml",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..40 {
            let mut files: Vec<(String, String)> = Vec::new();
            for p in PATHS {
                let text: String = (0..200).map(|_| ATOMS[(next() % ATOMS.len() as u64) as usize]).collect();
                files.push((p.to_string(), text));
            }
            let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let t = testutil::Tree::new(&refs);
            let _ = t.claims();
        }
    }

    #[test]
    fn include_fan_out_stops_at_the_budget_with_a_note() {
        // Five levels of eight files each including the next level: 8^5 reads without a budget.
        let mut files: Vec<(String, String)> = vec![("etc/nginx/nginx.conf".into(), "include l1/*.conf;\n".into())];
        for level in 1..=5 {
            for i in 0..8 {
                files.push((format!("etc/nginx/l{level}/{i}.conf"), format!("include l{}/*.conf;\n", level + 1)));
            }
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let t = testutil::Tree::new(&refs);
        let (_, findings) = t.claims();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("included config files"));
    }

    #[test]
    fn globs_that_match_nothing_spend_the_include_budget() {
        // Found by fuzzing (fuzz/regressions/server_config): thousands of glob includes
        // matching nothing cost a directory listing and a compiled pattern each, for free.
        let many = "include none/*.conf;\n".repeat(INCLUDE_BUDGET + 10);
        let t = testutil::Tree::new(&[("etc/nginx/nginx.conf", &many)]);
        let (_, findings) = t.claims();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("included config files"));
    }

    #[test]
    fn absolute_links_in_a_repository_point_into_it() {
        let t = testutil::Tree::new(&[
            ("repo/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }\n"),
            (
                "repo/etc/nginx/sites-available/shop",
                "server { ssl_certificate /etc/ssl/live.pem; ssl_certificate_key /etc/ssl/k.pem; }\n",
            ),
            ("repo/etc/ssl/archive/cert1.pem", "x"),
        ]);
        t.link("repo/etc/nginx/sites-enabled/shop", "/etc/nginx/sites-available/shop");
        t.link("repo/etc/ssl/live.pem", "/etc/ssl/archive/cert1.pem");
        t.link("repo/etc/ssl/k.pem", "archive/key1.pem");
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec!["repo/etc/nginx/sites-available/shop:1 repo/etc/ssl/archive/cert1.pem@1 repo/etc/ssl/k.pem@1 -"]
        );
    }

    #[test]
    fn glob_expands_sorted_and_skips_hidden() {
        let t = testutil::Tree::new(&[("d/b.conf", ""), ("d/a.conf", ""), ("d/.h.conf", ""), ("d/c.txt", "")]);
        let got = glob(&t.path("d/*.conf"));
        assert_eq!(got, vec![t.path("d/a.conf"), t.path("d/b.conf")]);
    }
}
