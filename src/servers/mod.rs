//! Server configs: each dialect (one file per server family) recognises its
//! config files, follows includes, knows which files are active, and turns the
//! directives that name certificates and keys into [`Claim`]s: "this server
//! loads this certificate with this key", with the config file and line, and
//! how that server gets an encrypted key's passphrase ([`Passphrase`]: none, a
//! prompt at start, passphrases the config gives, or a program keymatch never runs).
//!
//! The pipeline, by module: [`find_claims`] (here) decodes the candidate files
//! and hands each dialect those it [`Dialect::recognises`]; the dialect reads
//! them through its [`Cx`] (`context`: include state and budget, server paths
//! → local paths; every file it reads, lists or looks at goes through the
//! [`ConfigFs`] of `fs`, never `std::fs`), tokenising with `syntax` (the `lines`/`words` lexers) or
//! `yaml` (Kubernetes, Traefik, Envoy), expanding include patterns with
//! `glob`, and pushes [`Claim`]s (`claim`: the claim model and its dedupe).
//! This module keeps the dialect registry and the recognition of config files.
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
mod claim;
mod context;
pub mod docker;
pub mod dovecot;
pub mod envoy;
pub mod fs;
mod glob;
pub mod haproxy;
pub mod kubernetes;
pub mod lighttpd;
pub mod mysql;
pub mod nginx;
pub mod openvpn;
pub mod postfix;
pub mod postgres;
pub mod redis;
mod syntax;
#[cfg(test)]
pub(crate) mod testutil;
pub mod traefik;
pub mod yaml;

pub use claim::{unresolvable, Claim, ClaimedFile, Listener, Passphrase, Sni, Starttls};
pub use context::{conventional_base, ConfFile, Cx, Env, ServerContext, INCLUDE_BUDGET};
pub use fs::{ConfigFs, FileKind, HostFs};
pub use glob::glob;
pub use syntax::{clean_names, decode, file_name, has_component, has_variable, lines, words};

use crate::finding::Finding;
use crate::paths;
use claim::dedupe;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use syntax::decode_borrowed;

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
            let alone: Vec<(&PathBuf, &str)> = mine.iter().filter(|(p, _)| self.standalone(p)).copied().collect();
            read_standalone(&alone, cx, &|file, text, cx| self.read_entry(file, text, cx));
        }
    }
}

/// Standalone files read one by one, in order, each as an entry point: what the default
/// [`Dialect::read_all`] does without entry points. Files are read on the workers, a chunk at a
/// time, each with a context of its own; a chunk's results are kept when reading each file alone
/// was the same as reading them in order: no file included anything or marked anything visited
/// (then the include budget, the visited set and the include stack each file saw are those of
/// the serial reading), and no finding points where an earlier one does (nginx reports a missing
/// password file once per place). Otherwise that chunk is read again in order, on this thread.
fn read_standalone<'c, 'a>(
    files: &[(&PathBuf, &str)],
    cx: &mut Cx<'c, 'a>,
    read: &(dyn Fn(&ConfFile, &str, &mut Cx<'c, 'a>) + Sync),
) {
    use rayon::prelude::*;
    /// Files per chunk: enough to keep the workers busy, few enough that a chunk read twice
    /// (it included something) costs little.
    const CHUNK: usize = 64;
    let one = |cx: &mut Cx<'c, 'a>, p: &Path, key: PathBuf, text: &str| {
        let file = cx.conf_file(p);
        cx.stack.push(key);
        read(&file, text, cx);
        cx.stack.pop();
    };
    let parallel = rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1;
    for chunk in files.chunks(CHUNK) {
        if parallel && chunk.len() > 1 {
            // The files the serial reading would read: not visited before, first of their spelling.
            let mut fresh: Vec<(&Path, PathBuf, &str)> = Vec::with_capacity(chunk.len());
            for (p, text) in chunk {
                let key = paths::normalize(p);
                if cx.visited.insert(key.clone()) {
                    fresh.push((p.as_path(), key, text));
                }
            }
            let (env, budget) = (cx.ctx, cx.budget);
            let alone: Vec<Cx<'c, 'a>> = fresh
                .par_iter()
                .map(|(p, key, text)| {
                    let mut own = Cx::new(env);
                    own.budget = budget;
                    one(&mut own, p, key.clone(), text);
                    own
                })
                .collect();
            let unchanged = alone.iter().all(|o| o.budget == budget && o.visited.is_empty());
            if unchanged && findings_apart(&cx.findings, &alone) {
                for own in alone {
                    cx.claims.extend(own.claims);
                    cx.findings.extend(own.findings);
                }
                continue;
            }
            for (_, key, _) in &fresh {
                cx.visited.remove(key);
            }
        }
        for (p, text) in chunk {
            let key = paths::normalize(p);
            if cx.visited.insert(key.clone()) {
                one(cx, p, key, text);
            }
        }
    }
}

/// No finding of a file read alone points where a finding before it (earlier files, or what
/// was read before them) does.
fn findings_apart(before: &[Finding], alone: &[Cx<'_, '_>]) -> bool {
    if alone.iter().all(|o| o.findings.is_empty()) {
        return true;
    }
    let mut seen: HashSet<&crate::finding::Location> = before.iter().filter_map(|f| f.locations.first()).collect();
    for own in alone {
        if own.findings.iter().filter_map(|f| f.locations.first()).any(|l| seen.contains(l)) {
            return false;
        }
        seen.extend(own.findings.iter().filter_map(|f| f.locations.first()));
    }
    true
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
    let head = if is_stdin(path) { head } else { &head[..head.len().min(64 * 1024)] };
    let text = syntax::utf8_lossy(head);
    dialects().iter().any(|d| d.recognises(path, &text))
}

/// Standard input (`-`). Compared as bytes: `Path`'s `==` compares component by component, and
/// this runs for every walked file.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str().as_encoded_bytes() == b"-"
}

/// Names and directories server configs have: everything else is not decoded at all.
/// Templates and examples (`/usr/share/…`, `doc/`, `examples/`) are not what a server loads.
fn candidate_path(path: &Path) -> bool {
    // Runs for every walked file: the name first, then one pass over borrowed
    // components; nothing is allocated.
    let name = syntax::file_name_bytes(path);
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
    let mut candidate = is_stdin(path)
        || EXT.iter().any(|e| name.ends_with(e.as_bytes()))
        || name == b"Caddyfile"
        || name.starts_with(b"kubeconfig");
    let mut previous_was_usr = false;
    for c in syntax::component_bytes(path) {
        if previous_was_usr && c == b"share" || TEMPLATES.iter().any(|t| c == t.as_bytes()) {
            return false;
        }
        previous_was_usr = c == b"usr";
        candidate = candidate || DIRS.iter().any(|d| c == d.as_bytes());
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

/// The words whose presence in a file's first bytes makes it look like a TLS config.
const CONFIG_MARKERS: &[&str] = &["ssl_cert", "SSLCertificateFile", "tls_cert_file", "ssl.pemfile", "ssl crt "];

/// A search for all [`CONFIG_MARKERS`] in one pass, the fastest this CPU allows.
enum Markers {
    /// aho-corasick's packed (SIMD, Teddy) searcher. The automaton's prefilter looks for the
    /// markers' first bytes (s, S, t), which text is full of: over the heads of 30,000 files of
    /// the 20,000-pair corpus it took about 4.7 times as long.
    Packed(aho_corasick::packed::Searcher),
    /// Where the CPU has no SIMD searcher.
    Automaton(aho_corasick::AhoCorasick),
    /// Where no automaton could be built: one search per marker.
    Each,
}

impl Markers {
    fn fastest() -> Markers {
        match aho_corasick::packed::Searcher::new(CONFIG_MARKERS.iter()) {
            Some(packed) => Markers::Packed(packed),
            None => aho_corasick::AhoCorasick::new(CONFIG_MARKERS).map_or(Markers::Each, Markers::Automaton),
        }
    }

    fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Markers::Packed(packed) => packed.find(haystack).is_some(),
            Markers::Automaton(automaton) => automaton.is_match(haystack),
            Markers::Each => CONFIG_MARKERS.iter().any(|m| memchr::memmem::find(haystack, m.as_bytes()).is_some()),
        }
    }
}

/// Does a file no dialect recognised still look like a server's TLS config? Its first bytes name
/// a certificate directive of some server (nginx/Dovecot `ssl_cert…`, Apache
/// `SSLCertificateFile`, Postfix `…tls_cert_file`, lighttpd `ssl.pemfile`, HAProxy `ssl crt`).
/// Such a file is counted in the summary: it may be a config keymatch did not read because it sits
/// outside its server's usual paths (name it with `--server DIALECT=PATH`).
pub fn looks_like_unclaimed_config(head: &[u8]) -> bool {
    // Runs for every file read that is not a config: one pass over its first bytes for all the
    // markers (built once), and only when one is there, a look for PEM armour.
    static MARKERS: std::sync::LazyLock<Markers> = std::sync::LazyLock::new(Markers::fastest);
    let head = &head[..head.len().min(64 * 1024)];
    // PEM material that mentions a directive in its comments is material, not a config.
    MARKERS.is_match(head) && !crate::parse::pem::looks_like_pem(head)
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
    let fs = HostFs { read: ctx.read, map: ctx.map };
    find_claims_in(files, named, &Env { map: ctx.map, fs: &fs })
}

/// [`find_claims_named`] over any filesystem: the dialects read, list and look at
/// files only through `env` (the unit tests give them an in-memory tree).
pub fn find_claims_in(files: &[(PathBuf, &[u8])], named: &[(&'static str, PathBuf, &[u8])], env: &Env<'_>) -> Claims {
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
            let mut cx = Cx::new(env);
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
            // Recognising looks at every candidate's text: shared with the workers that finished
            // their own dialect (in order, as the files came).
            let mut mine: Vec<(&PathBuf, &str)> =
                decoded.par_iter().filter(|(p, text)| d.recognises(p, text)).map(|(p, t)| (*p, t.as_ref())).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_directive_in_a_file_no_dialect_read_is_an_unclaimed_config() {
        for text in [
            "server {\n  ssl_certificate /etc/x.pem;\n}\n",
            "<VirtualHost *:443>\n SSLCertificateFile /x.crt\n",
            "smtpd_tls_cert_file = /x.pem\n",
            "ssl.pemfile = \"/x.pem\"\n",
            "bind :443 ssl crt /x.pem\n",
        ] {
            assert!(looks_like_unclaimed_config(text.as_bytes()), "{text}");
            // The same words in PEM material's comments: material.
            let pem = format!("{text}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
            assert!(!looks_like_unclaimed_config(pem.as_bytes()), "{text}");
        }
        assert!(!looks_like_unclaimed_config(b"listen 443;\nserver_name x;\n"));
        assert!(!looks_like_unclaimed_config(b""));
        // Only the first 64 KiB are looked at.
        let mut late = vec![b'#'; 64 * 1024];
        late.extend_from_slice(b"ssl_certificate /x.pem;\n");
        assert!(!looks_like_unclaimed_config(&late));
    }

    /// The three searches for the markers agree, wherever a marker (whole or cut short) sits in
    /// haystacks shorter and longer than the SIMD searcher's blocks.
    #[test]
    fn every_marker_search_gives_the_same_answer() {
        let packed = aho_corasick::packed::Searcher::new(CONFIG_MARKERS.iter()).map(Markers::Packed);
        let searches =
            [packed, aho_corasick::AhoCorasick::new(CONFIG_MARKERS).ok().map(Markers::Automaton), Some(Markers::Each)];
        let searches: Vec<&Markers> = searches.iter().flatten().collect();
        assert!(searches.len() >= 2, "the automaton is always built");
        let filler = b"server_name ssl_certx tls_cer SSLCertificate ssl.pem ssl crt\n# sssS t_ ";
        let (mut checked, mut found) = (0, 0);
        for len in [0usize, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 100] {
            let text: Vec<u8> = filler.iter().cycle().take(len).copied().collect();
            for marker in CONFIG_MARKERS {
                for cut in [marker.len(), marker.len() - 1] {
                    for at in 0..=len {
                        let mut haystack = text.clone();
                        haystack.splice(at..at, marker.as_bytes()[..cut].iter().copied());
                        let want = Markers::Each.is_match(&haystack);
                        // A whole marker is found; a cut one only where the text around it completes one.
                        assert!(want || cut < marker.len(), "{haystack:?}");
                        found += usize::from(want);
                        for search in &searches {
                            assert_eq!(search.is_match(&haystack), want, "{haystack:?}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(found > 100 && checked - found > 100, "{found} of {checked}");
    }

    /// The directory test over the path's bytes decides as it did over [`Path::components`].
    #[test]
    fn candidate_directories_from_bytes_are_the_components_own() {
        fn by_components(path: &Path) -> Option<bool> {
            let mut previous_was_usr = false;
            let mut dir = false;
            for c in path.components() {
                let c = c.as_os_str();
                if previous_was_usr && c == "share"
                    || ["doc", "docs", "examples", "example", "samples", "sample"].contains(&c.to_str()?)
                {
                    return Some(false);
                }
                previous_was_usr = c == "usr";
                dir = dir || ["nginx", "apache2", "haproxy", ".kube", "sites-enabled"].iter().any(|d| c == *d);
            }
            Some(dir)
        }
        for (p, want) in [
            ("etc/nginx/x", true),
            ("/usr/share/nginx/x", false),
            ("/usr//share/nginx/x", false),
            ("/usr/./share/nginx/x", false),
            ("/usr/../share/nginx/x", true),
            ("./nginx/x", true),
            ("a/docs/nginx/x", false),
            ("a/sites-enabled//x", true),
            ("a/b/x", false),
            ("/x/.kube/y", true),
        ] {
            assert_eq!(candidate_path(Path::new(p)), want, "{p}");
            assert_eq!(by_components(Path::new(p)), Some(want), "{p}");
        }
    }

    /// Fragments read on the workers give what reading them in order gives: claims, findings and
    /// their order, with includes (which make a chunk be read again in order) among them.
    #[test]
    fn fragments_read_in_parallel_as_in_order() {
        let mut files: Vec<(String, String)> = Vec::new();
        for i in 0..150 {
            // s010 spends the whole include budget (globs matching nothing): s100's include
            // is then not read, as when the fragments are read in order.
            let include = match i {
                10 => (0..INCLUDE_BUDGET + 5).map(|j| format!("Include /etc/none/{j}-*.conf\n")).collect(),
                100 => "Include /etc/extra/x.inc\n".to_string(),
                _ => String::new(),
            };
            files.push((
                format!("etc/apache2/sites-enabled/s{i:03}.conf"),
                format!(
                    "{include}<VirtualHost *:443>\nServerName s{i}.example\nSSLEngine on\n\
                     SSLCertificateFile /etc/ssl/s{i}.crt\nSSLCertificateKeyFile /etc/ssl/s{i}.key\n</VirtualHost>\n"
                ),
            ));
            let include = if i == 20 { "include /etc/nginx/missing.conf;\n" } else { "" };
            files.push((
                format!("etc/nginx/conf.d/n{i:03}.conf"),
                format!(
                    "{include}server {{\n listen 443 ssl;\n ssl_certificate /etc/ssl/n{i}.crt;\n \
                     ssl_certificate_key /etc/ssl/n{i}.key;\n ssl_password_file /etc/nginx/pw{}.txt;\n}}\n",
                    i % 3
                ),
            ));
        }
        files.push((
            "etc/extra/x.inc".into(),
            "<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /etc/ssl/x.crt\n</VirtualHost>\n".into(),
        ));
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let t = testutil::Tree::new(&refs);
        // One worker reads in order; two read chunks of fragments alone.
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let (claims, findings) = pool(1).install(|| t.claims());
        let (claims_pool, findings_pool) = pool(2).install(|| t.claims());
        assert!(format!("{claims:?}") == format!("{claims_pool:?}"), "claims differ");
        assert!(format!("{findings:?}") == format!("{findings_pool:?}"), "findings differ");
        // Every nginx fragment names a missing password file; x.inc is never read.
        assert!(findings.iter().any(|f| f.message.contains("included config files")));
        assert!(!claims.iter().any(|c| c.config.path.ends_with("x.inc")));
        assert_eq!(findings.iter().filter(|f| f.message.contains("ssl_password_file")).count(), 150);
        assert_eq!(claims.iter().filter(|c| c.dialect == "apache").count(), 150);
        assert_eq!(claims.iter().filter(|c| c.dialect == "nginx").count(), 150);
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
}
