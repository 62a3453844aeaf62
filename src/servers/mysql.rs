//! MySQL / MariaDB option files (`my.cnf`, `mysqld.cnf`, `*.cnf` under
//! `mysql/` or `mariadb`): `ssl-cert` / `ssl-key` / `ssl-ca` (or with `_`) in
//! the `[mysqld]`/`[server]`/`[mariadb]`/`[mysqld-N.N]`/`[mariadbd]` groups (the
//! server) and `[client]`/`[mysql]` (clients); `!include FILE` and
//! `!includedir DIR` (its `*.cnf`). Relative paths are relative to the data
//! directory (`datadir`), else the config's directory. For `scan --probe`, the server's
//! `port` on `bind-address` is a listener (see [`listeners`]).

use super::claim::IPV4_ANY;
use super::{has_component, lines, Claim, ConfFile, Cx, Dialect, Listener};
use crate::servers::Starttls;
use std::path::{Path, PathBuf};

pub struct Mysql;

impl Dialect for Mysql {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let in_tree = has_component(path, &["mysql", "mariadb", "my.cnf.d", "mariadb.conf.d", "mysql.conf.d"]);
        ((name == "my.cnf" || name == "mariadb.cnf") || (in_tree && name.ends_with(".cnf")))
            && (text.contains("ssl") || text.contains("!include"))
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        let name = super::file_name(path);
        name == "my.cnf" || name == "mariadb.cnf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut g = Groups { networking: true, ..Groups::default() };
        read(file, text, cx, &mut g, 0);
        for (side, o) in [("server", &g.server), ("client", &g.client)] {
            let Some((cf, cline, ctext)) = &o.cert else { continue };
            let base: PathBuf = g.datadir.clone().map(PathBuf::from).unwrap_or_else(|| cf.server_dir());
            // MySQL needs both; a certificate without its key leaves TLS off, nothing to pair.
            let Some((kf, kline, ktext)) = &o.key else { continue };
            let key = Some(cx.claimed(kf, ktext, &base, *kline));
            let key_config = (kf.local != cf.local).then(|| kf.at(*kline, cx.ctx.map));
            let claim = Claim {
                dialect: "mysql",
                config: cf.at(*cline, cx.ctx.map),
                context: Some(side.to_string()),
                cert: cx.claimed(cf, ctext, &base, *cline),
                key,
                chain: None,
                names: Vec::new(),
                listeners: if side == "server" { listeners(&g, cf, *cline, cx) } else { Vec::new() },
                passphrase: super::Passphrase::none("MySQL has no passphrase option for ssl_key"),
                key_config,
            };
            cx.push(claim);
        }
    }
}

/// Where the server speaks TLS after its handshake packet (`--starttls mysql`): `port` (3306)
/// on `bind-address` (every address when unset, `*` and `::` too: probed on 127.0.0.1; a list
/// in MySQL 8), located at the `port` line (else the certificate's); none with
/// `skip-networking`. No SNI selection.
fn listeners(g: &Groups, cert_file: &ConfFile, cert_line: u32, cx: &Cx<'_, '_>) -> Vec<Listener> {
    if !g.networking {
        return Vec::new();
    }
    let (port, file, line) = match &g.port {
        Some((f, l, p)) => match p.trim().parse::<u16>() {
            Ok(p) => (p, f, *l),
            Err(_) => return Vec::new(),
        },
        None => (3306, cert_file, cert_line),
    };
    let at = file.at(line, cx.ctx.map).path;
    let mut hosts: Vec<Option<String>> = Vec::new();
    for a in g.bind.as_deref().unwrap_or("*").split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let h = match a {
            "*" | IPV4_ANY | "::" => None,
            "localhost" => Some("127.0.0.1".to_string()),
            other => Some(other.trim_start_matches('[').trim_end_matches(']').to_string()),
        };
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    hosts
        .into_iter()
        .map(|host| Listener::without_sni(host, port, line, Some(at.clone()), Some(Starttls::Mysql)))
        .collect()
}

type Named = Option<(ConfFile, u32, String)>;

#[derive(Default)]
struct Options {
    cert: Named,
    key: Named,
}

#[derive(Default)]
struct Groups {
    server: Options,
    client: Options,
    datadir: Option<String>,
    /// The server's `port`, `bind-address` and whether `skip-networking` leaves TCP on.
    port: Named,
    bind: Option<String>,
    networking: bool,
}

fn read(file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>, g: &mut Groups, depth: usize) {
    let mut group = String::new();
    for (n, l) in lines(text) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("!includedir").or_else(|| t.strip_prefix("!include")) {
            if depth < 8 {
                let arg = rest.trim();
                let server = crate::paths::normalize(&file.server_dir().join(arg));
                let pattern = if t.starts_with("!includedir") { server.join("*.cnf") } else { server };
                let targets = cx.expand(file, &pattern);
                cx.each_include(file, targets, |cx, inc, txt| read(&inc, &txt, cx, g, depth + 1));
            }
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            group = name.trim().to_ascii_lowercase();
            continue;
        }
        let server = matches!(group.as_str(), "mysqld" | "server" | "mariadb" | "mariadbd")
            || group.starts_with("mysqld-")
            || group.starts_with("mariadb-");
        let (k, v) = t.split_once('=').unwrap_or((t, ""));
        let k = k.trim().replace('_', "-").to_ascii_lowercase();
        let v = v.split(" #").next().unwrap_or(v).trim().trim_matches(['"', '\'']).to_string();
        if server {
            match k.as_str() {
                "port" => g.port = Some((file.clone(), n, v.clone())),
                "bind-address" => g.bind = Some(v.clone()),
                "skip-networking" => g.networking = matches!(v.to_ascii_lowercase().as_str(), "0" | "off" | "false"),
                _ => {}
            }
        }
        if !t.contains('=') {
            continue;
        }
        let client = matches!(group.as_str(), "client" | "mysql" | "client-server" | "client-mariadb");
        let o = if server {
            &mut g.server
        } else if client {
            &mut g.client
        } else {
            continue;
        };
        match k.as_str() {
            "ssl-cert" => o.cert = Some((file.clone(), n, v)),
            "ssl-key" => o.key = Some((file.clone(), n, v)),
            "datadir" if server => g.datadir = Some(v),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn the_server_port_and_bind_address_are_a_listener() {
        use crate::servers::Starttls;
        let listeners = |text: &str| {
            let t = Tree::new(&[("etc/mysql/my.cnf", text)]);
            let (claims, _) = t.claims();
            claims
                .iter()
                .flat_map(|c| c.listeners.iter().map(|l| (l.host.clone(), l.port, l.line, l.starttls)))
                .collect::<Vec<_>>()
        };
        let tls = "ssl-cert = /etc/mysql/c.pem\nssl-key = /etc/mysql/k.pem\n";
        let my = Some(Starttls::Mysql);
        assert_eq!(listeners(&format!("[mysqld]\n{tls}")), [(None, 3306, 2, my)]);
        assert_eq!(
            listeners(&format!("[client]\nport = 1\n[mariadb]\nport = 3307\nbind-address = localhost\n{tls}")),
            [(Some("127.0.0.1".to_string()), 3307, 4, my)]
        );
        assert!(listeners(&format!("[mysqld]\nskip-networking\n{tls}")).is_empty());
        assert_eq!(listeners(&format!("[mysqld]\nskip_networking = 0\n{tls}")).len(), 1);
    }

    #[test]
    fn groups_includes_and_datadir() {
        let t = Tree::new(&[
            ("etc/mysql/my.cnf", "[client-server]\n!includedir /etc/mysql/conf.d/\n"),
            (
                "etc/mysql/conf.d/ssl.cnf",
                "[mysqld]\ndatadir = /var/lib/mysql\n# ssl-cert = /old.pem\nssl_cert = server-cert.pem\nssl-key=\"/etc/mysql/ssl/server-key.pem\"\n\
                 [client]\nssl-cert=/etc/mysql/ssl/client-cert.pem\nssl-key=/etc/mysql/ssl/client-key.pem\n[mysqldump]\nssl-cert=/nope\n",
            ),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/mysql/conf.d/ssl.cnf:4 var/lib/mysql/server-cert.pem@4 etc/mysql/ssl/server-key.pem@5 -",
                "etc/mysql/conf.d/ssl.cnf:7 etc/mysql/ssl/client-cert.pem@7 etc/mysql/ssl/client-key.pem@8 -",
            ]
        );
    }
}
