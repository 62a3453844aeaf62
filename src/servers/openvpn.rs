//! OpenVPN (`*.conf` under `openvpn/`, `*.ovpn`): `cert FILE` / `key FILE`
//! (relative to `cd DIR`, else the config's directory), and inline
//! `<cert>…</cert>` / `<key>…</key>` blocks; `pkcs12` is not checked (a note).

use super::{has_component, lines, unresolvable, words, Claim, ClaimedFile, ConfFile, Cx, Dialect, Passphrase};
use std::path::{Path, PathBuf};

pub struct Openvpn;

impl Dialect for Openvpn {
    fn name(&self) -> &'static str {
        "openvpn"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name.ends_with(".ovpn") || (has_component(path, &["openvpn"]) && name.ends_with(".conf")))
            && (text.contains("cert") || text.contains("pkcs12"))
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut dir: PathBuf = file.server_dir();
        let mut cert: Option<(u32, ClaimedFile)> = None;
        let mut key: Option<ClaimedFile> = None;
        let mut inline: Option<(String, u32, String)> = None;
        // `askpass` alone asks on the console; `askpass FILE` reads the first line of FILE.
        let mut askpass: Option<Option<ClaimedFile>> = None;
        let label = crate::paths::display(&file.local);
        for (n, l) in lines(text) {
            if let Some((tag, start, body)) = &mut inline {
                if l.trim() == format!("</{tag}>") {
                    let f = ClaimedFile::Inline {
                        label: format!("{label}#<{tag}>"),
                        bytes: body.as_bytes().to_vec(),
                        line: *start,
                    };
                    if tag == "cert" {
                        cert = Some((*start, f));
                    } else {
                        key = Some(f);
                    }
                    inline = None;
                } else {
                    body.push_str(l);
                    body.push('\n');
                }
                continue;
            }
            let t = l.trim();
            if t == "<cert>" || t == "<key>" {
                inline = Some((t.trim_matches(['<', '>']).to_string(), n, String::new()));
                continue;
            }
            if t.starts_with(';') {
                continue;
            }
            let w = words(t);
            if w.len() == 1 && w[0] == "askpass" {
                askpass = Some(None);
            }
            let (Some(k), Some(v)) = (w.first(), w.get(1)) else { continue };
            let named = |v: &str| -> ClaimedFile {
                if v == "[inline]" {
                    unresolvable(v, n, "the inline block is missing")
                } else {
                    cx.claimed(file, v, &dir, n)
                }
            };
            match k.as_str() {
                "cd" => dir = crate::paths::normalize(&dir.join(v)),
                "cert" => cert = Some((n, named(v))),
                "key" => key = Some(named(v)),
                "askpass" => askpass = Some(Some(cx.claimed(file, v, &dir, n))),
                "pkcs12" => {
                    cert = Some((n, unresolvable(v, n, "PKCS#12 files are not checked")));
                    key = None;
                }
                _ => {}
            }
        }
        let Some((line, cert)) = cert else { return };
        let key = match (&cert, key) {
            (ClaimedFile::Unresolvable { .. }, _) => None,
            (_, Some(k)) => Some(k),
            // OpenVPN needs both; without `key` there is nothing to pair.
            (_, None) => return,
        };
        cx.push(Claim {
            dialect: "openvpn",
            config: file.at(line, cx.ctx.map),
            context: file.local.file_name().map(|n| n.to_string_lossy().into_owned()),
            cert,
            key,
            chain: None,
            names: Vec::new(),
            listeners: Vec::new(),
            passphrase: passphrase(askpass, cx),
            key_config: None,
        });
    }
}

/// The passphrase source of an OpenVPN config: `askpass FILE` (its first line),
/// else a prompt on the console at start.
fn passphrase(askpass: Option<Option<ClaimedFile>>, cx: &Cx<'_, '_>) -> Passphrase {
    match askpass {
        Some(Some(ClaimedFile::Path { server_path, local, .. })) => {
            let source = format!("askpass {server_path}");
            match cx.ctx.fs.read(&local) {
                crate::discover::ReadOutcome::Read { bytes, .. } => {
                    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
                    let first = first.strip_suffix(b"\r").unwrap_or(first);
                    Passphrase::Given { source, passphrases: vec![first.to_vec()] }
                }
                _ => Passphrase::Given { source: format!("{source} (missing or unreadable)"), passphrases: Vec::new() },
            }
        }
        _ => Passphrase::Prompt {
            why:
                "OpenVPN has no `askpass FILE` for it: it asks on the console at start, so it will not start unattended"
                    .into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;
    use super::super::Passphrase;

    #[test]
    fn files_relative_to_cd_and_inline_blocks() {
        let t = Tree::new(&[
            ("etc/openvpn/server/server.conf", "port 1194\ncd /etc/openvpn\n;cert old.crt\ncert pki/issued/server.crt\nkey pki/private/server.key\n"),
            ("home/u/laptop.ovpn", "client\n<cert>\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n</cert>\n<key>\nK\n</key>\n"),
        ]);
        let (claims, _) = t.claims();
        let s = t.summary(&claims);
        assert_eq!(s[0], "etc/openvpn/server/server.conf:4 etc/openvpn/pki/issued/server.crt@4 etc/openvpn/pki/private/server.key@5 -");
        assert!(s[1].starts_with("home/u/laptop.ovpn:2 inline:"), "{s:?}");
        assert!(s[1].ends_with("laptop.ovpn#<key>@7 -"), "{s:?}");
    }

    #[test]
    fn askpass_file_gives_the_first_line_and_bare_askpass_prompts() {
        let t = Tree::new(&[
            ("etc/openvpn/server/a.conf", "cert a.crt\nkey a.key\naskpass /etc/openvpn/server/pass.txt\n"),
            ("etc/openvpn/server/pass.txt", "open sesame\r\nignored\n"),
            ("etc/openvpn/server/b.conf", "cert b.crt\nkey b.key\naskpass\n"),
            ("etc/openvpn/server/c.conf", "cert c.crt\nkey c.key\n"),
        ]);
        let (claims, _) = t.claims();
        let of = |name: &str| claims.iter().find(|c| c.config.path.ends_with(name)).unwrap().passphrase.clone();
        assert_eq!(
            of("a.conf"),
            Passphrase::Given {
                source: "askpass /etc/openvpn/server/pass.txt".into(),
                passphrases: vec![b"open sesame".to_vec()]
            }
        );
        assert!(matches!(of("b.conf"), Passphrase::Prompt { .. }));
        assert!(matches!(of("c.conf"), Passphrase::Prompt { .. }));
    }
}
