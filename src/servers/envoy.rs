//! Envoy (YAML or JSON bootstrap / listener config): every
//! `tls_certificates[]` with `certificate_chain` and `private_key` given as
//! `filename` or `inline_string`; the enclosing filter chain's
//! `filter_chain_match.server_names` are the names.

use super::kubernetes::{load, Kind, Node};
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
        passphrase: super::Passphrase::none("this Envoy tls_certificates entry gives no password"),
        key_config: None,
    });
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
}
