//! Redis (`redis.conf`): `tls-cert-file` / `tls-key-file` (server), the
//! `tls-client-cert-file` / `tls-client-key-file` pair (outgoing connections;
//! the server pair is used when they are absent), `tls-key-file-pass`, and
//! `include` (relative to where redis-server runs; taken as the config's dir).

use super::{has_component, has_variable, lines, unresolvable, words, Claim, ClaimedFile, ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Redis;

impl Dialect for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let named = (name.starts_with("redis") || name.starts_with("sentinel")) && name.ends_with(".conf");
        (named || (has_component(path, &["redis"]) && name.ends_with(".conf"))) && text.contains("tls-")
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut d = Directives::default();
        read(file, text, cx, &mut d, 0);
        for (cert, key, context) in [(&d.cert, &d.key, "server"), (&d.client_cert, &d.client_key, "client")] {
            let Some((cf, cline, ctext)) = cert else { continue };
            let claimed = |f: &ConfFile, t: &str, l: u32| -> ClaimedFile {
                if has_variable(t) {
                    unresolvable(t, l, "it uses a variable")
                } else {
                    cx.claimed(f, t, &f.server_dir(), l)
                }
            };
            let key_claim = key.as_ref().map(|(kf, kl, kt)| (claimed(kf, kt, *kl), kf.at(*kl, cx.ctx.map)));
            let claim = Claim {
                dialect: "redis",
                config: cf.at(*cline, cx.ctx.map),
                context: Some(context.to_string()),
                cert: claimed(cf, ctext, *cline),
                key_config: key_claim
                    .as_ref()
                    .map(|(_, at)| at.clone())
                    .filter(|at| at.path != cf.at(0, cx.ctx.map).path),
                key: key_claim.map(|(k, _)| k),
                chain: None,
                names: Vec::new(),
                listeners: Vec::new(),
                passphrase: match &d.pass {
                    Some(p) => super::Passphrase::Given {
                        source: "tls-key-file-pass".into(),
                        passphrases: vec![p.as_bytes().to_vec()],
                    },
                    None => super::Passphrase::none("Redis has no tls-key-file-pass for it"),
                },
            };
            cx.push(claim);
        }
    }
}

type Named = Option<(ConfFile, u32, String)>;

#[derive(Default)]
struct Directives {
    cert: Named,
    key: Named,
    client_cert: Named,
    client_key: Named,
    pass: Option<String>,
}

fn read(file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>, d: &mut Directives, depth: usize) {
    for (n, l) in lines(text) {
        let w = words(l);
        let (Some(k), Some(v)) = (w.first(), w.get(1)) else { continue };
        let named = Some((file.clone(), n, v.clone()));
        match k.to_ascii_lowercase().as_str() {
            "tls-cert-file" => d.cert = named,
            "tls-key-file" => d.key = named,
            "tls-client-cert-file" => d.client_cert = named,
            "tls-client-key-file" => d.client_key = named,
            "tls-key-file-pass" => d.pass = Some(v.clone()),
            "include" if depth < 8 => {
                let server = crate::paths::normalize(&file.server_dir().join(v));
                let targets = cx.expand(file, &server);
                cx.each_include(file, targets, |cx, inc, t| read(&inc, &t, cx, d, depth + 1));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn server_and_client_pairs() {
        let t = Tree::new(&[(
            "etc/redis/redis.conf",
            "port 0\ntls-port 6379\n# tls-cert-file /old.crt\ntls-cert-file /etc/redis/tls/redis.crt\ntls-key-file \"/etc/redis/tls/redis.key\"\n\
             tls-client-cert-file client.crt\ntls-client-key-file client.key\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/redis/redis.conf:4 etc/redis/tls/redis.crt@4 etc/redis/tls/redis.key@5 -",
                "etc/redis/redis.conf:6 etc/redis/client.crt@6 etc/redis/client.key@7 -",
            ]
        );
    }

    #[test]
    fn key_file_pass_is_the_passphrase() {
        let t = Tree::new(&[(
            "etc/redis/redis.conf",
            "tls-cert-file /etc/ssl/r.crt\ntls-key-file /etc/ssl/r.key\ntls-key-file-pass s3cret\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            claims[0].passphrase,
            super::super::Passphrase::Given {
                source: "tls-key-file-pass".into(),
                passphrases: vec![b"s3cret".to_vec()]
            }
        );
    }
}
