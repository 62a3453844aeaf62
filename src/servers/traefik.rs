//! Traefik dynamic configuration (YAML or TOML): `tls.certificates[]` with
//! `certFile` / `keyFile`, and `tls.stores.<name>.defaultCertificate`. Values
//! may be file paths or the PEM text itself (inline). Traefik picks the
//! certificate by SAN, so there are no configured names.

use super::yaml::{load, Node};
use super::{has_component, Claim, ClaimedFile, ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Traefik;

impl Dialect for Traefik {
    fn name(&self) -> &'static str {
        "traefik"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let ext = name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".toml");
        ext && text.contains("certFile")
            && (has_component(path, &["traefik"]) || name.starts_with("traefik") || text.contains("keyFile"))
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let name = super::file_name(&file.local);
        let mut found: Vec<(String, u32, String, u32, String)> = Vec::new();
        if name.ends_with(".toml") {
            let Ok(v) = text.parse::<toml::Table>() else { return };
            let Some(tls) = v.get("tls") else { return };
            let mut certs: Vec<&toml::Value> =
                tls.get("certificates").and_then(|c| c.as_array()).map(|a| a.iter().collect()).unwrap_or_default();
            if let Some(stores) = tls.get("stores").and_then(|s| s.as_table()) {
                for (_, st) in stores {
                    certs.extend(st.get("defaultCertificate"));
                }
            }
            // TOML values carry no lines here: the Nth certFile/keyFile in the text.
            for (i, c) in certs.iter().enumerate() {
                let (Some(cf), Some(kf)) =
                    (c.get("certFile").and_then(|x| x.as_str()), c.get("keyFile").and_then(|x| x.as_str()))
                else {
                    continue;
                };
                found.push((
                    "certificate".into(),
                    nth_line(text, "certFile", i),
                    cf.into(),
                    nth_line(text, "keyFile", i),
                    kf.into(),
                ));
            }
        } else {
            for doc in load(text) {
                let Some(tls) = doc.get("tls") else { continue };
                let mut certs: Vec<&Node> = tls.at(&["certificates"]).map(Node::items).unwrap_or_default();
                if let Some(super::yaml::Kind::Map(stores)) = tls.get("stores").map(|s| &s.kind) {
                    for (_, st) in stores {
                        certs.extend(st.get("defaultCertificate"));
                    }
                }
                for c in certs {
                    let (Some(cf), Some(kf)) = (c.get("certFile"), c.get("keyFile")) else { continue };
                    let (Some(ct), Some(kt)) = (cf.as_str(), kf.as_str()) else { continue };
                    found.push(("certificate".into(), cf.line, ct.into(), kf.line, kt.into()));
                }
            }
        }
        let label = crate::paths::display(&file.local);
        let dir = file.server_dir();
        for (ctx, cline, ct, kline, kt) in found {
            let side = |t: &str, line: u32, what: &str| -> ClaimedFile {
                if t.contains("-----BEGIN") {
                    ClaimedFile::Inline { label: format!("{label}:{line}#{what}"), bytes: t.as_bytes().to_vec(), line }
                } else {
                    cx.claimed(file, t, &dir, line)
                }
            };
            let claim = Claim {
                dialect: "traefik",
                config: file.at(cline, cx.ctx.map),
                context: Some(ctx),
                cert: side(&ct, cline, "certFile"),
                key: Some(side(&kt, kline, "keyFile")),
                chain: None,
                names: Vec::new(),
                listeners: Vec::new(),
                passphrase: super::Passphrase::none("Traefik has no passphrase option for keyFile"),
                key_config: None,
            };
            cx.push(claim);
        }
    }
}

/// The 1-based line of the `n`th (0-based) line containing `needle` (1 if absent).
fn nth_line(text: &str, needle: &str, n: usize) -> u32 {
    super::lines(text)
        .filter(|(_, l)| l.contains(needle) && !l.trim_start().starts_with('#'))
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn yaml_and_toml_certificates_and_default_store() {
        let t = Tree::new(&[
            (
                "etc/traefik/dynamic/tls.yml",
                "tls:\n  certificates:\n    - certFile: /certs/shop.crt\n      keyFile: /certs/shop.key\n      stores: [default]\n  stores:\n    default:\n      defaultCertificate:\n        certFile: /certs/default.crt\n        keyFile: /certs/default.key\n",
            ),
            ("etc/traefik/dynamic/tls.toml", "# certFile in a comment\n[[tls.certificates]]\n  certFile = \"/certs/a.crt\"\n  keyFile = \"/certs/a.key\"\n"),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/traefik/dynamic/tls.toml:3 certs/a.crt@3 certs/a.key@4 -",
                "etc/traefik/dynamic/tls.yml:3 certs/shop.crt@3 certs/shop.key@4 -",
                "etc/traefik/dynamic/tls.yml:9 certs/default.crt@9 certs/default.key@10 -",
            ]
        );
    }
}
