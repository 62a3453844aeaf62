//! Docker `daemon.json`: `"tls"`/`"tlsverify"` with `"tlscert"` / `"tlskey"`
//! (and `"tlscacert"` as the chain to trust). Lines are found in the text.

use super::{has_component, Claim, ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Docker;

impl Dialect for Docker {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        super::file_name(path) == "daemon.json" && (has_component(path, &["docker"]) || text.contains("tlscert"))
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return };
        let (Some(cert), Some(key)) = (v["tlscert"].as_str(), v["tlskey"].as_str()) else { return };
        let cline = line_of(text, "\"tlscert\"");
        let kline = line_of(text, "\"tlskey\"");
        let dir = file.server_dir();
        cx.push(Claim {
            dialect: "docker",
            config: file.at(cline, cx.ctx.map),
            context: Some("dockerd".into()),
            cert: cx.claimed(file, cert, &dir, cline),
            key: Some(cx.claimed(file, key, &dir, kline)),
            chain: None,
            names: Vec::new(),
            listeners: Vec::new(),
            passphrase: super::Passphrase::none("the Docker daemon has no passphrase option for tlskey"),
            key_config: None,
        });
    }
}

/// The 1-based line of the first occurrence of `needle` (1 if absent).
pub fn line_of(text: &str, needle: &str) -> u32 {
    text.find(needle).map(|i| text.get(..i).unwrap_or("").matches('\n').count() as u32 + 1).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn daemon_json_pair() {
        let t = Tree::new(&[(
            "etc/docker/daemon.json",
            "{\n  \"tlsverify\": true,\n  \"tlscacert\": \"/etc/docker/ca.pem\",\n  \"tlscert\": \"/etc/docker/server-cert.pem\",\n  \"tlskey\": \"/etc/docker/server-key.pem\"\n}\n",
        )]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec!["etc/docker/daemon.json:4 etc/docker/server-cert.pem@4 etc/docker/server-key.pem@5 -"]
        );
    }
}
