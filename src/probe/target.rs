//! Which endpoints to probe: `HOST[:PORT]` from the command line or a
//! `--targets` file, and (`scan --probe`) the TLS listeners server configs
//! declare, each with the certificate file the config names for it.

use super::starttls::Starttls;
use crate::error::Error;
use crate::parse::{parse_bytes, Source};
use crate::report::DiskRef;
use crate::servers::Sni;

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A host name or IP address, as given (without brackets).
    pub host: String,
    pub port: u16,
    /// The SNI name sent; `None` sends none (an IP address without `--sni`).
    pub sni: Option<String>,
    pub starttls: Option<Starttls>,
    /// Named on the command line (a failure is an error) rather than found in a config (a warning).
    pub named: bool,
    /// The certificate file a config names for this listener (`scan --probe`).
    pub disk: Option<DiskRef>,
}

impl Target {
    /// Parse `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address. The port defaults to
    /// 443, or the STARTTLS protocol's; the SNI name to `sni`, else HOST when it is a name.
    pub fn parse(spec: &str, sni: Option<&str>, starttls: Option<Starttls>) -> Result<Target, String> {
        let spec = spec.trim();
        let default_port = starttls.map(Starttls::default_port).unwrap_or(443);
        let (host, port) = if let Some(rest) = spec.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(|| format!("'{spec}': missing ']'"))?;
            match after.strip_prefix(':') {
                Some(p) => (h.to_string(), parse_port(spec, p)?),
                None if after.is_empty() => (h.to_string(), default_port),
                None => return Err(format!("'{spec}': unexpected text after ']'")),
            }
        } else if spec.parse::<std::net::Ipv6Addr>().is_ok() {
            (spec.to_string(), default_port)
        } else {
            match spec.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), parse_port(spec, p)?),
                None => (spec.to_string(), default_port),
            }
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(format!("'{spec}' is not HOST[:PORT]"));
        }
        let sni = match sni {
            Some(s) => Some(s.to_string()),
            None if host.parse::<std::net::IpAddr>().is_ok() => None,
            None => Some(host.trim_end_matches('.').to_string()),
        };
        Ok(Target { host, port, sni, starttls, named: true, disk: None })
    }

    /// `tls://127.0.0.1:8443 (example.com)`: where findings about the endpoint are located.
    pub fn label(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let scheme = match self.starttls {
            Some(p) => format!("{}+starttls", p.as_str()),
            None => "tls".to_string(),
        };
        match &self.sni {
            Some(sni) => format!("{scheme}://{host}:{} ({sni})", self.port),
            None => format!("{scheme}://{host}:{}", self.port),
        }
    }
}

fn parse_port(spec: &str, p: &str) -> Result<u16, String> {
    p.parse::<u16>().ok().filter(|&n| n > 0).ok_or_else(|| format!("'{spec}': '{p}' is not a port"))
}

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
    if bytes.len() > crate::cli::DEFAULT_MAX_FILE_SIZE as usize {
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

/// Read `--targets FILE`: one `HOST[:PORT]` a line; blank lines and `#` comments skipped. A line
/// that does not parse is an error naming the file and the line; so is a file with no endpoint.
pub fn read_targets(
    path: &std::path::Path,
    sni: Option<&str>,
    starttls: Option<Starttls>,
) -> Result<Vec<Target>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Option {
        option: "--targets",
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| Error::Usage(format!("--targets {}:{}: {e}", path.display(), n + 1));
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some((spec, rest)) = line.split_once(char::is_whitespace) {
            return Err(at(format!(
                "'{spec}' is followed by '{}': one HOST[:PORT] a line (--sni and --starttls apply to every line)",
                rest.trim()
            )));
        }
        out.push(Target::parse(line, sni, starttls).map_err(at)?);
    }
    if out.is_empty() {
        return Err(Error::Usage(format!("--targets {}: no endpoint in it (one HOST[:PORT] a line)", path.display())));
    }
    Ok(out)
}
