//! PostgreSQL (`postgresql.conf`, with `postgresql.auto.conf` beside it):
//! with `ssl = on`, `ssl_cert_file` / `ssl_key_file` (defaults `server.crt` /
//! `server.key`), relative to the data directory (`data_directory`, else the
//! config's own directory, as on RHEL where the config lives in PGDATA);
//! `ssl_passphrase_command` is not run. `include`, `include_if_exists`,
//! `include_dir` are followed relative to the including file. For `scan --probe`, `port` on
//! `listen_addresses` is a listener (SSLRequest; see [`listeners`]).

use super::claim::IPV4_ANY;
use super::{has_component, lines, Claim, ConfFile, Cx, Dialect, Listener};
use crate::servers::Starttls;
use std::path::{Path, PathBuf};

pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name == "postgresql.conf" || (has_component(path, &["postgresql", "pgsql"]) && name.ends_with(".conf")))
            && text.contains("ssl")
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        super::file_name(path) == "postgresql.conf"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut s = Settings::default();
        read(file, text, cx, &mut s, 0);
        // ALTER SYSTEM settings, read after postgresql.conf.
        let auto = file.server_dir().join("postgresql.auto.conf");
        let auto_file = cx.included(file, &auto);
        if let Some(t) = cx.read_text(&auto_file.local) {
            cx.visited.insert(crate::paths::normalize(&auto_file.local));
            read(&auto_file, &t, cx, &mut s, 1);
        }
        let Some((sf, sline, on)) = &s.ssl else { return };
        if !on {
            return;
        }
        let data: PathBuf = match &s.data_dir {
            Some((_, _, d)) => PathBuf::from(d),
            None => file.server_dir(),
        };
        let (cf, cline, ctext) = s.cert.clone().unwrap_or((sf.clone(), *sline, "server.crt".into()));
        let (kf, kline, ktext) = s.key.clone().unwrap_or((sf.clone(), *sline, "server.key".into()));
        let key_config = (kf.local != cf.local).then(|| kf.at(kline, cx.ctx.map));
        let chain = None;
        let claim = Claim {
            dialect: "postgres",
            config: cf.at(cline, cx.ctx.map),
            context: Some("postgres server".into()),
            cert: cx.claimed(&cf, &ctext, &data, cline),
            key: Some(cx.claimed(&kf, &ktext, &data, kline)),
            chain,
            names: Vec::new(),
            listeners: listeners(&s, (sf, *sline), cx),
            // Without ssl_passphrase_command, PostgreSQL asks on the terminal at start
            // (and cannot reload such a key); keymatch never runs the command.
            passphrase: match &s.passphrase_command {
                Some(c) => super::Passphrase::Program { source: format!("ssl_passphrase_command '{c}'") },
                None => super::Passphrase::Prompt {
                    why: "PostgreSQL has no ssl_passphrase_command for it: it asks on a terminal at start, so it \
                          will not start unattended"
                        .into(),
                },
            },
            key_config,
        };
        cx.push(claim);
    }
}

/// Where PostgreSQL speaks TLS after an SSLRequest (its STARTTLS): `port` (5432 by default) on
/// each of `listen_addresses` (`localhost` by default, `*` every address, empty: Unix socket
/// only), located at the `port` line (else the `ssl` line). No SNI selection.
fn listeners(s: &Settings, ssl_at: (&ConfFile, u32), cx: &Cx<'_, '_>) -> Vec<Listener> {
    let port = match &s.port {
        Some((_, _, p)) => match p.trim().parse::<u16>() {
            Ok(p) => p,
            Err(_) => return Vec::new(),
        },
        None => 5432,
    };
    let (file, line) = match &s.port {
        Some((f, l, _)) => (f, *l),
        None => ssl_at,
    };
    let at = file.at(line, cx.ctx.map).path;
    let list = s.listen.as_ref().map(|(_, _, v)| v.as_str()).unwrap_or("localhost");
    let mut hosts: Vec<Option<String>> = Vec::new();
    let items: Vec<&str> = list.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
    for a in &items {
        let h = match *a {
            "*" | IPV4_ANY => None,
            "::" if items.iter().any(|i| matches!(*i, "*" | IPV4_ANY)) => continue,
            "::" => Some("::1".to_string()),
            "localhost" => Some("127.0.0.1".to_string()),
            other => Some(other.to_string()),
        };
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    hosts
        .into_iter()
        .map(|host| Listener::without_sni(host, port, line, Some(at.clone()), Some(Starttls::Postgres)))
        .collect()
}

type Set<T> = Option<(ConfFile, u32, T)>;

#[derive(Default)]
struct Settings {
    ssl: Set<bool>,
    cert: Set<String>,
    key: Set<String>,
    data_dir: Set<String>,
    passphrase_command: Option<String>,
    port: Set<String>,
    listen: Set<String>,
}

/// `name = value` or `name value`; values may be quoted with `'…'` (`''` is a quote); `#` comments.
fn setting(line: &str) -> Option<(String, String)> {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let end = t.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(t.len());
    let (name, rest) = t.split_at(end);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let value = if let Some(q) = rest.strip_prefix('\'') {
        let mut v = String::new();
        let mut chars = q.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                '\\' => v.extend(chars.next()),
                c => v.push(c),
            }
        }
        v
    } else {
        rest.split(|c: char| c.is_whitespace() || c == '#').next().unwrap_or("").to_string()
    };
    Some((name.to_ascii_lowercase(), value))
}

fn read(file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>, s: &mut Settings, depth: usize) {
    for (n, l) in lines(text) {
        let Some((name, v)) = setting(l) else { continue };
        match name.as_str() {
            "ssl" => {
                s.ssl = Some((file.clone(), n, matches!(v.to_ascii_lowercase().as_str(), "on" | "true" | "yes" | "1")))
            }
            "ssl_cert_file" => s.cert = Some((file.clone(), n, v)),
            "ssl_key_file" => s.key = Some((file.clone(), n, v)),
            "data_directory" => s.data_dir = Some((file.clone(), n, v)),
            "port" => s.port = Some((file.clone(), n, v)),
            "listen_addresses" => s.listen = Some((file.clone(), n, v)),
            "ssl_passphrase_command" => s.passphrase_command = Some(v).filter(|c| !c.is_empty()),
            "include" | "include_if_exists" | "include_dir" if depth < 8 => {
                let server = crate::paths::normalize(&file.server_dir().join(&v));
                let pattern = if name == "include_dir" { server.join("*.conf") } else { server };
                let targets = cx.expand(file, &pattern);
                cx.each_include(file, targets, |cx, inc, t| read(&inc, &t, cx, s, depth + 1));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn debian_paths_and_rhel_defaults_in_the_data_directory() {
        let t = Tree::new(&[
            (
                "etc/postgresql/16/main/postgresql.conf",
                "data_directory = '/var/lib/postgresql/16/main'\t# use data in another directory\n\
                 ssl = on\nssl_cert_file = '/etc/ssl/certs/ssl-cert-snakeoil.pem'\n#ssl_key_file = 'x'\n\
                 ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'\ninclude_dir 'conf.d'\n",
            ),
            ("etc/postgresql/16/main/conf.d/tls.conf", "ssl_cert_file 'it''s.crt'\n"),
            ("var/lib/pgsql/data/postgresql.conf", "ssl = true\n"),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/postgresql/16/main/conf.d/tls.conf:1 var/lib/postgresql/16/main/it's.crt@1 etc/ssl/private/ssl-cert-snakeoil.key@5 -",
                "var/lib/pgsql/data/postgresql.conf:1 var/lib/pgsql/data/server.crt@1 var/lib/pgsql/data/server.key@1 -",
            ]
        );
    }

    #[test]
    fn port_and_listen_addresses_are_listeners() {
        use crate::servers::Starttls;
        let listeners = |text: &str| {
            let t = Tree::new(&[("etc/postgresql/15/main/postgresql.conf", text)]);
            let (claims, _) = t.claims();
            claims
                .iter()
                .flat_map(|c| c.listeners.iter().map(|l| (l.host.clone(), l.port, l.line, l.starttls)))
                .collect::<Vec<_>>()
        };
        let pg = Some(Starttls::Postgres);
        assert_eq!(listeners("ssl = on\n"), [(Some("127.0.0.1".to_string()), 5432, 1, pg)]);
        assert_eq!(listeners("listen_addresses = '*, ::'\nssl = on\nport = 5433\n"), [(None, 5433, 3, pg)]);
        assert_eq!(
            listeners("listen_addresses = '10.0.0.1,::'\nssl = on\n"),
            [(Some("10.0.0.1".to_string()), 5432, 2, pg), (Some("::1".to_string()), 5432, 2, pg)]
        );
        assert!(listeners("listen_addresses = ''\nssl = on\n").is_empty());
        assert!(listeners("ssl = off\n").is_empty());
    }

    #[test]
    fn passphrase_command_is_a_program_never_run() {
        let base = "ssl = on\nssl_cert_file = '/etc/ssl/pg.crt'\nssl_key_file = '/etc/ssl/pg.key'\n";
        let t = Tree::new(&[(
            "etc/postgresql/15/main/postgresql.conf",
            &format!("{base}ssl_passphrase_command = '/usr/local/bin/pgpass %p'\n"),
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            claims[0].passphrase,
            super::super::Passphrase::Program { source: "ssl_passphrase_command '/usr/local/bin/pgpass %p'".into() }
        );
        let t = Tree::new(&[("etc/postgresql/15/main/postgresql.conf", base)]);
        let (claims, _) = t.claims();
        assert!(matches!(claims[0].passphrase, super::super::Passphrase::Prompt { .. }));
    }
}
