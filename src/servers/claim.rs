//! The claim model: what a server config says it loads ([`Claim`]: certificate,
//! key, chain, names, listeners, and how the server gets a key's passphrase), and
//! the dedupe that makes one claim of a pair several servers inherit. `Debug`
//! never shows inline material or passphrases.

use crate::finding::Location;
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

/// The IPv4 wildcard address in a listen directive (`0.0.0.0`): every address, probed on 127.0.0.1.
pub const IPV4_ANY: &str = "0.0.0.0";

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
    pub starttls: Option<Starttls>,
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

    /// A listener where the server does not select by name (Postfix, PostgreSQL, MySQL): one
    /// probe without SNI, declared at `line` of `file`, TLS started by `starttls` (`None`: implicit).
    pub fn without_sni(
        host: Option<String>,
        port: u16,
        line: u32,
        file: Option<String>,
        starttls: Option<Starttls>,
    ) -> Listener {
        Listener { host, port, line, file, starttls, sni: Sni::Without, default: false }
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

/// An unresolvable claimed file for a path with a variable.
pub fn unresolvable(text: &str, line: u32, reason: &str) -> ClaimedFile {
    ClaimedFile::Unresolvable { text: text.to_string(), reason: reason.to_string(), line }
}

/// The same pair named by one directive for several servers (nginx `http`-level
/// certificates inherited by every `server`) is one claim, with all the names.
pub(super) fn dedupe(claims: Vec<Claim>) -> Vec<Claim> {
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

/// A protocol that upgrades a plain connection to TLS (the dialogue itself
/// is `probe::starttls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starttls {
    Smtp,
    Imap,
    Pop3,
    Ftp,
    Postgres,
    Mysql,
}

impl Starttls {
    pub fn as_str(self) -> &'static str {
        match self {
            Starttls::Smtp => "smtp",
            Starttls::Imap => "imap",
            Starttls::Pop3 => "pop3",
            Starttls::Ftp => "ftp",
            Starttls::Postgres => "postgres",
            Starttls::Mysql => "mysql",
        }
    }

    /// The protocol's port when a target names none.
    pub fn default_port(self) -> u16 {
        match self {
            Starttls::Smtp => 25,
            Starttls::Imap => 143,
            Starttls::Pop3 => 110,
            Starttls::Ftp => 21,
            Starttls::Postgres => 5432,
            Starttls::Mysql => 3306,
        }
    }

    pub fn from_name(name: &str) -> Option<Starttls> {
        [Starttls::Smtp, Starttls::Imap, Starttls::Pop3, Starttls::Ftp, Starttls::Postgres, Starttls::Mysql]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
