//! Envoy (YAML or JSON bootstrap / listener config): every
//! `tls_certificates[]` with `certificate_chain` and `private_key` given as
//! `filename` or `inline_string`; the enclosing filter chain's
//! `filter_chain_match.server_names` are the names.

use super::yaml::{load, Kind, Node};
use super::{clean_names, Claim, ClaimedFile, ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Envoy;

impl Dialect for Envoy {
    fn name(&self) -> &'static str {
        "envoy"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            && text.contains("tls_certificates")
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        // JSON is YAML: one parser for both.
        for doc in load(text) {
            visit(&doc, &[], file, cx, 0);
        }
    }
}

fn visit(n: &Node, names: &[String], file: &ConfFile, cx: &mut Cx<'_, '_>, depth: usize) {
    if depth > 64 {
        return;
    }
    match &n.kind {
        Kind::Map(m) => {
            let own: Vec<String> = n
                .at(&["filter_chain_match", "server_names"])
                .map(|s| clean_names(s.items().iter().filter_map(|x| x.as_str())))
                .unwrap_or_default();
            let names: Vec<String> = if own.is_empty() { names.to_vec() } else { own };
            for (k, v) in m {
                if k == "tls_certificates" {
                    for c in v.items() {
                        certificate(c, &names, file, cx);
                    }
                } else {
                    visit(v, &names, file, cx, depth + 1);
                }
            }
        }
        Kind::Seq(items) => {
            for i in items {
                visit(i, names, file, cx, depth + 1);
            }
        }
        _ => {}
    }
}

fn source(n: &Node, what: &str, file: &ConfFile, cx: &Cx<'_, '_>) -> Option<ClaimedFile> {
    if let Some(f) = n.get("filename") {
        return Some(cx.claimed(file, f.as_str()?, &file.server_dir(), f.line));
    }
    let s = n.get("inline_string")?;
    let label = format!("{}:{}#{what}", crate::paths::display(&file.local), s.line);
    Some(ClaimedFile::Inline { label, bytes: s.as_str()?.as_bytes().to_vec(), line: s.line })
}

fn certificate(c: &Node, names: &[String], file: &ConfFile, cx: &mut Cx<'_, '_>) {
    let (Some(chain), Some(key)) = (c.get("certificate_chain"), c.get("private_key")) else { return };
    let (Some(cert), Some(key)) = (source(chain, "certificate_chain", file, cx), source(key, "private_key", file, cx))
    else {
        return;
    };
    cx.push(Claim {
        dialect: "envoy",
        config: file.at(cert.line(), cx.ctx.map),
        context: None,
        cert,
        key: Some(key),
        chain: None,
        names: names.to_vec(),
        listeners: Vec::new(),
        passphrase: password(c, file, cx),
        key_config: None,
    });
}

/// `password` of a `tls_certificates` entry (a DataSource): `inline_string`, or
/// `filename` (its whole content, as Envoy reads a DataSource file).
fn password(c: &Node, file: &ConfFile, cx: &Cx<'_, '_>) -> super::Passphrase {
    let Some(p) = c.get("password") else {
        return super::Passphrase::none("this Envoy tls_certificates entry gives no password");
    };
    if let Some(s) = p.get("inline_string").and_then(Node::as_str) {
        return super::Passphrase::Given {
            source: "password inline_string".into(),
            passphrases: vec![s.as_bytes().to_vec()],
        };
    }
    if let Some(f) = p.get("filename").and_then(Node::as_str) {
        let local = cx.local_of(file, &crate::paths::normalize(&file.server_dir().join(f)));
        let source = format!("password filename {f}");
        return match cx.ctx.fs.read(&local) {
            crate::discover::ReadOutcome::Read { bytes, .. } => {
                super::Passphrase::Given { source, passphrases: vec![bytes] }
            }
            _ => super::Passphrase::Given {
                source: format!("{source} (missing or unreadable)"),
                passphrases: Vec::new(),
            },
        };
    }
    super::Passphrase::none("this Envoy tls_certificates entry gives a password keymatch cannot read")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn listener_filter_chains_with_names() {
        let t = Tree::new(&[(
            "etc/envoy/envoy.yaml",
            "static_resources:\n  listeners:\n  - name: https\n    filter_chains:\n    - filter_chain_match:\n        server_names: [\"shop.example.com\"]\n      transport_socket:\n        name: envoy.transport_sockets.tls\n        typed_config:\n          common_tls_context:\n            tls_certificates:\n            - certificate_chain: { filename: \"/etc/envoy/certs/shop.crt\" }\n              private_key:\n                filename: /etc/envoy/certs/shop.key\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/envoy/envoy.yaml:12 etc/envoy/certs/shop.crt@12 etc/envoy/certs/shop.key@14 - [shop.example.com]"
            ]
        );
    }

    #[test]
    fn password_inline_or_from_a_file() {
        use super::super::Passphrase;
        let yaml = |pw: &str| {
            format!(
                "static_resources:\n  listeners:\n  - filter_chains:\n    - transport_socket:\n        typed_config:\n          \
                 common_tls_context:\n            tls_certificates:\n            - certificate_chain: {{ filename: /etc/envoy/a.crt }}\n              \
                 private_key: {{ filename: /etc/envoy/a.key }}\n{pw}"
            )
        };
        let t = Tree::new(&[
            ("etc/envoy/inline.yaml", &yaml("              password: { inline_string: s3cret }\n")),
            ("etc/envoy/file.yaml", &yaml("              password: { filename: /etc/envoy/pw }\n")),
            ("etc/envoy/pw", "from-file"),
            ("etc/envoy/none.yaml", &yaml("")),
        ]);
        let (claims, _) = t.claims();
        let of = |name: &str| claims.iter().find(|c| c.config.path.ends_with(name)).unwrap().passphrase.clone();
        assert_eq!(
            of("inline.yaml"),
            Passphrase::Given { source: "password inline_string".into(), passphrases: vec![b"s3cret".to_vec()] }
        );
        assert_eq!(
            of("file.yaml"),
            Passphrase::Given {
                source: "password filename /etc/envoy/pw".into(),
                passphrases: vec![b"from-file".to_vec()]
            }
        );
        assert!(matches!(of("none.yaml"), Passphrase::None { .. }));
    }
}
