//! Postfix `main.cf`: `smtpd_tls_cert_file` / `smtpd_tls_key_file` (the key
//! defaults to the certificate file), the `eccert`/`eckey` and `dcert`/`dkey`
//! pairs, `smtpd_tls_chain_files` (each file may hold a key then its
//! certificates; when set, the legacy parameters are ignored), and the
//! `smtp_tls_*` client equivalents. Continuation lines start with whitespace;
//! `$name`, `${name}` and `$(name)` expand from `main.cf` (plus
//! `config_directory`); the server names are `myhostname`. `master.cf` services
//! that override TLS parameters (`-o smtpd_tls_cert_file=…`) give their own
//! claims, at the `-o` line. TLS switched off (`…_tls_security_level = none`)
//! loads nothing. For `scan --probe`, master.cf's smtpd `inet` services are listeners
//! (STARTTLS or wrappermode; see [`listeners`]).

use super::claim::IPV4_ANY;
use super::{
    clean_names, has_component, has_variable, lines, unresolvable, Claim, ClaimedFile, ConfFile, Cx, Dialect, Listener,
};
use crate::servers::Starttls;
use std::collections::HashMap;
use std::path::Path;

pub struct Postfix;

impl Dialect for Postfix {
    fn name(&self) -> &'static str {
        "postfix"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        super::file_name(path) == "main.cf"
            && (has_component(path, &["postfix"]) || text.contains("smtpd_") || text.contains("myhostname"))
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let main: Params = parse(text).into_iter().map(|(k, (line, v))| (k, (0, line, v))).collect();
        let mut files = vec![file.clone()];
        // master.cf services may override TLS parameters with `-o name=value`.
        let master = cx.included(file, &file.server_dir().join("master.cf"));
        let services = match cx.read_text(&master.local) {
            Some(mtext) => {
                cx.visited.insert(crate::paths::normalize(&master.local));
                files.push(master);
                services(&mtext)
            }
            None => Vec::new(),
        };
        let overrides_tls =
            |s: &Service| s.overrides.iter().any(|(_, n, _)| n.contains("_tls_") || n.ends_with("_use_tls"));
        let at = files.get(1).map(|m| m.at(0, cx.ctx.map).path);
        // Whose parameters a listening service's TLS follows: an smtpd service its own; postscreen
        // hands every connection to the `smtpd` pass service (`smtpd_service_name`), which speaks TLS.
        let pass_name = main.get("smtpd_service_name").map(|(_, _, v)| v.as_str()).unwrap_or("smtpd");
        let pass = services.iter().position(|s| s.kind == "pass" && s.name == pass_name);
        let mut served: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
        for (i, s) in services.iter().enumerate() {
            let owner = match s.command.rsplit('/').next() {
                Some("postscreen") => pass,
                _ => Some(i),
            };
            if let Some(list) = owner.and_then(|o| served.get_mut(o)) {
                list.push(i);
            }
        }
        let served_by = |o: usize| served.get(o).into_iter().flatten().filter_map(|&i| services.get(i));
        // The services that keep main.cf's TLS parameters listen with its certificates.
        let plain: Vec<Listener> = (0..services.len())
            .filter(|&o| services.get(o).is_some_and(|s| !overrides_tls(s)))
            .flat_map(|o| served_by(o).flat_map(|s| listeners(s, &main, &files, at.as_deref())))
            .collect();
        emit(&files, &main, None, &plain, cx);
        for (o, service) in services.iter().enumerate().filter(|(_, s)| overrides_tls(s)) {
            let mut p = main.clone();
            for (line, n, v) in &service.overrides {
                p.insert(n.clone(), (1, *line, v.clone()));
            }
            let own: Vec<Listener> = served_by(o).flat_map(|s| listeners(s, &p, &files, at.as_deref())).collect();
            emit(&files, &p, Some(&service.name), &own, cx);
        }
    }
}

/// The TLS listeners of a master.cf `inet` service running smtpd (or postscreen in front of
/// the smtpd pass service, whose parameters these are):
/// implicit TLS with `smtpd_tls_wrappermode = yes` (whatever the security level: Postfix 3.7
/// does so), STARTTLS when `smtpd_tls_security_level` is `may` or `encrypt` (or, unset, the
/// legacy `smtpd_use_tls` / `smtpd_enforce_tls` is `yes`), none otherwise. The service name is
/// `[HOST:]PORT` or a service (`smtp` 25, `submission` 587, `smtps`/`submissions` 465); without
/// a host, the addresses are `inet_interfaces` (`all`, the default, is a wildcard).
fn listeners(service: &Service, params: &Params, files: &[ConfFile], master: Option<&str>) -> Vec<Listener> {
    if service.kind != "inet" || !matches!(service.command.rsplit('/').next(), Some("smtpd" | "postscreen")) {
        return Vec::new();
    }
    let get = |name: &str| params.get(name).map(|(_, _, v)| v.as_str());
    let yes = |name: &str| get(name).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let starttls = if yes("smtpd_tls_wrappermode") {
        None
    } else {
        match get("smtpd_tls_security_level").unwrap_or("") {
            "may" | "encrypt" => Some(Starttls::Smtp),
            "" if yes("smtpd_use_tls") || yes("smtpd_enforce_tls") => Some(Starttls::Smtp),
            _ => return Vec::new(),
        }
    };
    let (host, port) = match service.name.rsplit_once(':') {
        Some((h, p)) => (Some(h.trim_start_matches('[').trim_end_matches(']').to_string()), p),
        None => (None, service.name.as_str()),
    };
    let port = match port {
        "smtp" => 25,
        "submission" => 587,
        "smtps" | "submissions" => 465,
        p => match p.parse::<u16>() {
            Ok(n) => n,
            Err(_) => return Vec::new(),
        },
    };
    let hosts: Vec<Option<String>> = match host {
        Some(h) => vec![wildcard(&h)],
        None => {
            let mut values: HashMap<&str, &str> =
                params.iter().map(|(k, (_, _, v))| (k.as_str(), v.as_str())).collect();
            let conf_dir = files.first().map(|f| crate::paths::display(&f.server_dir())).unwrap_or_default();
            values.entry("config_directory").or_insert(&conf_dir);
            let interfaces = get("inet_interfaces").and_then(|v| expand(v, &values, 0)).unwrap_or_else(|| "all".into());
            let mut out: Vec<Option<String>> = Vec::new();
            for i in interfaces.split([',', ' ', '\t']).filter(|i| !i.is_empty()) {
                let h = match i {
                    "all" => None,
                    "loopback-only" | "localhost" => Some("127.0.0.1".to_string()),
                    other => wildcard(other.trim_start_matches('[').trim_end_matches(']')),
                };
                if !out.contains(&h) {
                    out.push(h);
                }
            }
            out
        }
    };
    hosts
        .into_iter()
        .map(|host| Listener::without_sni(host, port, service.line, master.map(String::from), starttls))
        .collect()
}

/// `0.0.0.0` listens on every IPv4 address, `::` (probed on ::1) on every IPv6 one.
fn wildcard(host: &str) -> Option<String> {
    match host {
        "" | "*" | IPV4_ANY => None,
        "::" => Some("::1".to_string()),
        h => Some(h.to_string()),
    }
}

/// Parameters: name → (index of the file that sets it, line, value).
type Params = HashMap<String, (usize, u32, String)>;

/// The claims of one set of parameters (main.cf, or a master.cf service's view of it).
fn emit(files: &[ConfFile], params: &Params, service: Option<&str>, listeners: &[Listener], cx: &mut Cx<'_, '_>) {
    let Some(main) = files.first() else { return };
    let mut values: HashMap<&str, &str> = HashMap::new();
    for (name, (_, _, v)) in params {
        values.insert(name, v);
    }
    let conf_dir = crate::paths::display(&main.server_dir());
    values.entry("config_directory").or_insert(&conf_dir);
    let expand = |s: &str| expand(s, &values, 0);
    let get = |name: &str| params.get(name).and_then(|(f, l, v)| files.get(*f).map(|file| (file, *l, v.as_str())));
    let names =
        get("myhostname").and_then(|(_, _, v)| expand(v)).map(|h| clean_names([h.as_str()])).unwrap_or_default();
    for side in ["smtpd", "smtp"] {
        // TLS switched off explicitly: Postfix loads no certificate for this side.
        let level = get(&format!("{side}_tls_security_level")).map(|(_, _, v)| v);
        let use_tls = get(&format!("{side}_use_tls")).map(|(_, _, v)| v);
        if level == Some("none") || (level.is_none_or(str::is_empty) && use_tls == Some("no")) {
            continue;
        }
        let names = if side == "smtpd" { names.clone() } else { Vec::new() };
        let listeners = if side == "smtpd" { listeners.to_vec() } else { Vec::new() };
        let role = if side == "smtpd" { "smtpd (server)" } else { "smtp (client)" };
        let context = Some(match service {
            Some(svc) => format!("{role}, master.cf service {svc}"),
            None => role.to_string(),
        });
        if let Some((file, line, v)) = get(&format!("{side}_tls_chain_files")) {
            let list: Vec<String> =
                v.split([',', ' ', '\t', '\n']).filter(|s| !s.is_empty()).map(String::from).collect();
            if !list.is_empty() {
                chain_files(file, line, &list, &expand, context, (names, listeners), cx);
                continue;
            }
        }
        for (c, k) in [("cert", "key"), ("eccert", "eckey"), ("dcert", "dkey")] {
            let Some((cfile, cline, cval)) = get(&format!("{side}_tls_{c}_file")) else { continue };
            if cval.trim().is_empty() {
                continue;
            }
            let cert = path(cfile, cval, cline, &expand, cx);
            let (key, key_config) = match get(&format!("{side}_tls_{k}_file")) {
                Some((kfile, kline, kval)) if !kval.trim().is_empty() => (
                    Some(path(kfile, kval, kline, &expand, cx)),
                    (kfile.local != cfile.local).then(|| kfile.at(kline, cx.ctx.map)),
                ),
                // The key file defaults to $…_cert_file: the key is in the certificate file.
                _ => (None, None),
            };
            cx.push(Claim {
                dialect: "postfix",
                config: cfile.at(cline, cx.ctx.map),
                context: context.clone(),
                cert,
                key,
                chain: None,
                names: names.clone(),
                listeners: listeners.clone(),
                passphrase: super::Passphrase::none(
                    "Postfix has no passphrase option for its key files, so it cannot use it",
                ),
                key_config,
            });
        }
    }
}

/// One `-o name=value` of a master.cf service: (line, name, value).
type Override = (u32, String, String);

/// A master.cf service: `name type private unpriv chroot wakeup maxproc command [args]`.
struct Service {
    name: String,
    line: u32,
    /// `inet`, `unix`, `pass`, …
    kind: String,
    command: String,
    overrides: Vec<Override>,
}

/// master.cf services and their `-o name=value` overrides.
fn services(text: &str) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    for (n, l) in lines(text) {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        if !l.starts_with([' ', '\t']) {
            let word = |i: usize| words.get(i).map(|w| w.to_string()).unwrap_or_default();
            out.push(Service { name: word(0), line: n, kind: word(1), command: word(7), overrides: Vec::new() });
        }
        let Some(service) = out.last_mut() else { continue };
        let mut i = 0;
        while let Some(w) = words.get(i) {
            if *w == "-o" {
                if let Some((name, value)) = words.get(i + 1).and_then(|x| x.split_once('=')) {
                    service.overrides.push((n, name.trim().to_string(), value.trim().to_string()));
                }
                i += 1;
            }
            i += 1;
        }
    }
    out
}

/// `name = value` parameters with their line; the last definition wins.
pub fn parse(text: &str) -> HashMap<String, (u32, String)> {
    let mut out: HashMap<String, (u32, String)> = HashMap::new();
    let mut current: Option<(String, u32, String)> = None;
    for (n, l) in lines(text) {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if l.starts_with([' ', '\t']) {
            if let Some((_, _, v)) = &mut current {
                v.push(' ');
                v.push_str(t.trim_end());
            }
            continue;
        }
        if let Some((name, line, v)) = current.take() {
            out.insert(name, (line, v.trim().to_string()));
        }
        if let Some((name, value)) = l.split_once('=') {
            current = Some((name.trim().to_string(), n, value.trim().to_string()));
        }
    }
    if let Some((name, line, v)) = current {
        out.insert(name, (line, v.trim().to_string()));
    }
    out
}

/// Expand `$name`, `${name}`, `$(name)`; `None` if a name is unknown (or the expansion loops).
fn expand(s: &str, values: &HashMap<&str, &str>, depth: usize) -> Option<String> {
    if depth > 20 {
        return None;
    }
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = s.get(i + 1..).unwrap_or("");
        let (name, used) = match rest.chars().next() {
            Some(open @ ('{' | '(')) => {
                let close = if open == '{' { '}' } else { ')' };
                let end = rest.find(close)?;
                (rest.get(1..end)?, end + 1)
            }
            Some(_) => {
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
                (rest.get(..end)?, end)
            }
            None => return None,
        };
        // `${name?value}` / `${name:value}` conditionals: not expanded statically.
        let v = values.get(name)?;
        out.push_str(&expand(v, values, depth + 1)?);
        // Parameters that double at every level would grow without end.
        if out.len() > 64 * 1024 {
            return None;
        }
        for _ in 0..used {
            chars.next();
        }
    }
    Some(out)
}

fn path(
    file: &ConfFile,
    raw: &str,
    line: u32,
    expand: &dyn Fn(&str) -> Option<String>,
    cx: &Cx<'_, '_>,
) -> ClaimedFile {
    match expand(raw.trim()) {
        Some(p) if !has_variable(&p) => cx.claimed(file, &p, &file.server_dir(), line),
        _ => unresolvable(raw.trim(), line, "it uses a parameter that main.cf does not set"),
    }
}

/// `smtpd_tls_chain_files`: each file holds a key and its certificates, or a
/// key file is followed by its certificate file.
fn chain_files(
    file: &ConfFile,
    line: u32,
    list: &[String],
    expand: &dyn Fn(&str) -> Option<String>,
    context: Option<String>,
    (names, listeners): (Vec<String>, Vec<Listener>),
    cx: &mut Cx<'_, '_>,
) {
    let claimed: Vec<ClaimedFile> = list.iter().map(|p| path(file, p, line, expand, cx)).collect();
    let kinds: Vec<(bool, bool)> = claimed
        .iter()
        .map(|f| match f {
            ClaimedFile::Path { local, .. } => match cx.read_text(local) {
                Some(t) => (t.contains("PRIVATE KEY-----"), t.contains("CERTIFICATE-----")),
                None => (true, true),
            },
            _ => (true, true),
        })
        .collect();
    let mut i = 0;
    while let Some(f) = claimed.get(i) {
        let (has_key, has_cert) = kinds.get(i).copied().unwrap_or((true, true));
        let (cert, key) = match claimed.get(i + 1) {
            Some(next) if has_key && !has_cert => {
                i += 1;
                (next.clone(), Some(f.clone()))
            }
            _ => (f.clone(), None),
        };
        i += 1;
        cx.push(Claim {
            dialect: "postfix",
            config: file.at(line, cx.ctx.map),
            context: context.clone(),
            cert,
            key,
            chain: None,
            names: names.clone(),
            listeners: listeners.clone(),
            passphrase: super::Passphrase::none(
                "Postfix has no passphrase option for its key files, so it cannot use it",
            ),
            key_config: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn parameters_continuations_and_expansion() {
        let t = Tree::new(&[(
            "etc/postfix/main.cf",
            "# TLS\nmyhostname = mail.example.com\ncerts = ${config_directory}/tls\n\
             smtpd_tls_cert_file =\n    $certs/rsa.crt\n  # indented comment\nsmtpd_tls_key_file=$(certs)/rsa.key\r\n\
             smtpd_tls_eccert_file = /etc/ssl/ec.pem\n\
             #smtpd_tls_dcert_file = /etc/ssl/dsa.pem\n\
             smtp_tls_cert_file = $undefined/client.pem\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/postfix/main.cf:10 ?$undefined/client.pem@10 - -",
                "etc/postfix/main.cf:4 etc/postfix/tls/rsa.crt@4 etc/postfix/tls/rsa.key@7 - [mail.example.com]",
                "etc/postfix/main.cf:8 etc/ssl/ec.pem@8 - - [mail.example.com]",
            ]
        );
    }

    #[test]
    fn master_cf_services_override_certificates() {
        let t = Tree::new(&[
            ("etc/postfix/main.cf", "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/ssl/mx.pem\n"),
            (
                "etc/postfix/master.cf",
                "# service type  private unpriv  chroot  wakeup  maxproc command + args\n\
                 smtp      inet  n       -       y       -       -       smtpd\n\
                 submission inet n       -       y       -       -       smtpd\n\
                 \x20 -o syslog_name=postfix/submission\n\
                 \x20 -o smtpd_tls_security_level=encrypt\n\
                 \x20 -o smtpd_tls_cert_file=/etc/ssl/submission.pem\n\
                 \x20 -o smtpd_tls_key_file=/etc/ssl/submission.key\n",
            ),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/postfix/main.cf:2 etc/ssl/mx.pem@2 - -",
                "etc/postfix/master.cf:6 etc/ssl/submission.pem@6 etc/ssl/submission.key@7 -",
            ]
        );
    }

    #[test]
    fn master_cf_smtpd_services_are_listeners() {
        use crate::servers::Starttls;
        let t = Tree::new(&[
            (
                "etc/postfix/main.cf",
                "inet_interfaces = loopback-only\nsmtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/ssl/mx.pem\n",
            ),
            (
                "etc/postfix/master.cf",
                "smtp      inet  n       -       y       -       -       smtpd\n\
                 submission inet n       -       y       -       -       smtpd\n\
                 \x20 -o smtpd_tls_security_level=encrypt\n\
                 smtps     inet  n       -       y       -       -       smtpd\n\
                 \x20 -o smtpd_tls_wrappermode=yes\n\
                 [::1]:2525 inet n       -       n       -       -       smtpd\n\
                 10.0.0.1:2526 inet n       -       n       -       -       smtpd\n\
                 \x20 -o smtpd_tls_security_level=none\n\
                 pickup    unix  n       -       y       60      1       pickup\n\
                 relay     unix  -       -       y       -       -       smtp\n",
            ),
        ]);
        let (claims, _) = t.claims();
        let got: Vec<(u32, Option<String>, u16, Option<Starttls>)> = claims
            .iter()
            .flat_map(|c| c.listeners.iter().map(|l| (l.line, l.host.clone(), l.port, l.starttls)))
            .collect();
        let lo = Some("127.0.0.1".to_string());
        assert_eq!(
            got,
            [
                (1, lo.clone(), 25, Some(Starttls::Smtp)),
                (6, Some("::1".to_string()), 2525, Some(Starttls::Smtp)),
                (2, lo.clone(), 587, Some(Starttls::Smtp)),
                (4, lo, 465, None),
            ]
        );
        assert!(claims.iter().flat_map(|c| &c.listeners).all(|l| l.sni == super::super::Sni::Without
            && l.file.as_deref().is_some_and(|f| f.ends_with("etc/postfix/master.cf"))));
    }

    #[test]
    fn postscreen_listens_with_the_smtpd_pass_services_parameters() {
        use crate::servers::Starttls;
        let t = Tree::new(&[
            ("etc/postfix/main.cf", "smtpd_tls_cert_file = /etc/ssl/mx.pem\n"),
            (
                "etc/postfix/master.cf",
                "smtp      inet  n       -       y       -       1       postscreen\n\
                 smtpd     pass  -       -       y       -       -       smtpd\n\
                 \x20 -o smtpd_tls_security_level=may\n\
                 dnsblog   unix  -       -       y       -       0       dnsblog\n\
                 tlsproxy  unix  -       -       y       -       0       tlsproxy\n",
            ),
        ]);
        let (claims, _) = t.claims();
        let got: Vec<(u32, Option<String>, u16, Option<Starttls>)> = claims
            .iter()
            .flat_map(|c| c.listeners.iter().map(|l| (l.line, l.host.clone(), l.port, l.starttls)))
            .collect();
        assert_eq!(got, [(1, None, 25, Some(Starttls::Smtp))]);
        // Without a pass service, postscreen hands nothing to smtpd: no listener.
        let t = Tree::new(&[
            ("etc/postfix/main.cf", "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/ssl/mx.pem\n"),
            ("etc/postfix/master.cf", "smtp inet n - y - 1 postscreen\n"),
        ]);
        assert!(t.claims().0.iter().all(|c| c.listeners.is_empty()));
    }

    #[test]
    fn no_starttls_without_a_security_level_but_wrappermode_is_tls() {
        use crate::servers::Starttls;
        let listeners = |main: &str| {
            let t = Tree::new(&[
                ("etc/postfix/main.cf", main),
                (
                    "etc/postfix/master.cf",
                    "smtp inet n - y - - smtpd\nsmtps inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\n",
                ),
            ]);
            let (claims, _) = t.claims();
            claims
                .iter()
                .flat_map(|c| c.listeners.iter().map(|l| (l.host.clone(), l.port, l.starttls)))
                .collect::<Vec<_>>()
        };
        assert_eq!(listeners("smtpd_tls_cert_file = /a.pem\n"), [(None, 465, None)]);
        assert_eq!(
            listeners("smtpd_use_tls = yes\ninet_interfaces = 192.0.2.1, all\nsmtpd_tls_cert_file = /a.pem\n"),
            [
                (Some("192.0.2.1".to_string()), 25, Some(Starttls::Smtp)),
                (None, 25, Some(Starttls::Smtp)),
                (Some("192.0.2.1".to_string()), 465, None),
                (None, 465, None)
            ]
        );
    }

    #[test]
    fn tls_switched_off_loads_nothing() {
        let t = Tree::new(&[(
            "etc/postfix/main.cf",
            "smtpd_tls_security_level = none\nsmtpd_tls_cert_file = /a.pem\nsmtp_use_tls = no\nsmtp_tls_cert_file = /b.pem\n",
        )]);
        assert!(t.claims().0.is_empty());
    }

    #[test]
    fn chain_files_override_legacy_parameters() {
        let t = Tree::new(&[
            (
                "etc/postfix/main.cf",
                "smtpd_tls_cert_file = /etc/ssl/legacy.pem\nsmtpd_tls_chain_files =\n  /etc/ssl/rsa.key,\n  /etc/ssl/rsa.crt\n  /etc/ssl/ec.pem\n",
            ),
            ("etc/ssl/rsa.key", "-----BEGIN PRIVATE KEY-----\n"),
            ("etc/ssl/rsa.crt", "-----BEGIN CERTIFICATE-----\n"),
            ("etc/ssl/ec.pem", "-----BEGIN EC PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n"),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/postfix/main.cf:2 etc/ssl/ec.pem@2 - -",
                "etc/postfix/main.cf:2 etc/ssl/rsa.crt@2 etc/ssl/rsa.key@2 -",
            ]
        );
    }
}
