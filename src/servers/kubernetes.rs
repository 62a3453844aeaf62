//! Kubernetes YAML: several documents per file, `kind: List` with `items`
//! (what `kubectl get … -o yaml` prints). Secrets holding `tls.crt` and
//! `tls.key` (type `kubernetes.io/tls`, or any type with both keys) in `data`
//! (base64) or `stringData`; Ingress `tls[].hosts` naming a secret give its
//! names (same namespace, across all scanned files); kubeconfig users'
//! `client-certificate-data` / `client-key-data` (or `client-certificate` /
//! `client-key` paths). Locations name the file, the line of the object and
//! `namespace/name`. Parsed with yaml-rust2's marked event parser.

use super::yaml::{load, Kind, Node};
use super::{clean_names, Claim, ClaimedFile, ConfFile, Cx, Dialect};
use base64::Engine;
use std::path::{Path, PathBuf};

pub struct Kubernetes;

impl Dialect for Kubernetes {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        let yamlish = name.ends_with(".yaml")
            || name.ends_with(".yml")
            || name.ends_with(".json")
            || super::is_stdin(path)
            || (name == "config" && has_kube_dir(path))
            || name.starts_with("kubeconfig");
        // A manifest says what it is; YAML that merely holds a `tls.crt` (Helm values) stays material.
        // (Names first: this runs for every candidate file of a scan.)
        // "kind" first: one scan rules out most YAML that is not a manifest.
        let kinded =
            || text.contains("kind") && ["Secret", "Config", "List", "Ingress"].iter().any(|k| text.contains(k));
        yamlish
            && kinded()
            && (text.contains("tls.crt")
                || text.contains("client-certificate")
                || (text.contains("Ingress") && text.contains("secretName")))
    }

    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        true
    }

    fn read_entry(&self, _file: &ConfFile, _text: &str, _cx: &mut Cx<'_, '_>) {}

    fn read_all(&self, mine: &[(&PathBuf, &str)], cx: &mut Cx<'_, '_>) {
        let mut objects: Vec<(ConfFile, Node)> = Vec::new();
        for (p, text) in mine {
            let file = cx.conf_file(p);
            for doc in load(text) {
                collect(&doc, &file, &mut objects);
            }
        }
        // Ingress TLS hosts by (namespace, secret name).
        let mut hosts: Vec<((String, String), Vec<String>)> = Vec::new();
        for (_, o) in &objects {
            if o.str_at(&["kind"]) != Some("Ingress") {
                continue;
            }
            let ns = o.str_at(&["metadata", "namespace"]).unwrap_or("default").to_string();
            for t in o.at(&["spec", "tls"]).map(Node::items).unwrap_or_default() {
                let Some(secret) = t.str_at(&["secretName"]) else { continue };
                let names: Vec<&str> =
                    t.at(&["hosts"]).map(Node::items).unwrap_or_default().iter().filter_map(|h| h.as_str()).collect();
                hosts.push(((ns.clone(), secret.to_string()), clean_names(names)));
            }
        }
        for (file, o) in &objects {
            match o.str_at(&["kind"]) {
                Some("Secret") => secret(file, o, &hosts, cx),
                Some("Config") => kubeconfig(file, o, cx),
                _ => {}
            }
        }
    }
}

fn has_kube_dir(path: &Path) -> bool {
    path.parent().and_then(Path::file_name).is_some_and(|n| n == ".kube")
}

/// Top-level objects of a document, with `kind: List` items flattened.
fn collect(doc: &Node, file: &ConfFile, out: &mut Vec<(ConfFile, Node)>) {
    if doc.str_at(&["kind"]).is_some_and(|k| k == "List" || k.ends_with("List")) {
        for item in doc.at(&["items"]).map(Node::items).unwrap_or_default() {
            collect(item, file, out);
        }
    } else if matches!(doc.kind, Kind::Map(_)) {
        out.push((file.clone(), doc.clone()));
    }
}

fn label(file: &ConfFile) -> String {
    crate::paths::display(&file.local)
}

fn secret(file: &ConfFile, o: &Node, hosts: &[((String, String), Vec<String>)], cx: &mut Cx<'_, '_>) {
    let ns = o.str_at(&["metadata", "namespace"]).unwrap_or("default").to_string();
    let Some(name) = o.str_at(&["metadata", "name"]).map(String::from) else { return };
    let get = |k: &str| -> Option<(Vec<u8>, u32, bool)> {
        if let Some(n) = o.at(&["stringData", k]) {
            return n.as_str().map(|s| (s.as_bytes().to_vec(), n.line, true));
        }
        let n = o.at(&["data", k])?;
        let s: String = n.as_str()?.chars().filter(|c| !c.is_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
            Ok(b) => Some((b, n.line, true)),
            Err(_) => Some((Vec::new(), n.line, false)),
        }
    };
    let (Some(crt), Some(key)) = (get("tls.crt"), get("tls.key")) else { return };
    let is_tls = o.str_at(&["type"]).is_none_or(|t| t == "kubernetes.io/tls");
    if !is_tls {
        return;
    }
    let base = format!("{}#{ns}/{name}", label(file));
    let side = |(bytes, line, ok): (Vec<u8>, u32, bool), k: &str| -> ClaimedFile {
        if ok {
            ClaimedFile::Inline { label: format!("{base}/{k}"), bytes, line }
        } else {
            super::unresolvable(&format!("{base}/{k}"), line, "its data is not valid base64")
        }
    };
    let names = hosts.iter().filter(|((n, s), _)| *n == ns && *s == name).flat_map(|(_, h)| h.iter().cloned()).fold(
        Vec::new(),
        |mut acc: Vec<String>, h| {
            if !acc.contains(&h) {
                acc.push(h);
            }
            acc
        },
    );
    cx.push(Claim {
        dialect: "kubernetes",
        config: file.at(o.line, cx.ctx.map),
        context: Some(format!("{ns}/{name}")),
        cert: side(crt, "tls.crt"),
        key: Some(side(key, "tls.key")),
        chain: None,
        names,
        listeners: Vec::new(),
        passphrase: super::Passphrase::none("a Kubernetes TLS Secret carries no passphrase"),
        key_config: None,
    });
}

fn kubeconfig(file: &ConfFile, o: &Node, cx: &mut Cx<'_, '_>) {
    for u in o.at(&["users"]).map(Node::items).unwrap_or_default() {
        let name = u.str_at(&["name"]).unwrap_or("?").to_string();
        let Some(user) = u.at(&["user"]) else { continue };
        let base = format!("{}#users/{name}", label(file));
        let side = |data: &str, path: &str| -> Option<ClaimedFile> {
            if let Some(n) = user.at(&[data]) {
                let s: String = n.as_str().unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect();
                return Some(match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
                    Ok(bytes) => ClaimedFile::Inline { label: format!("{base}/{data}"), bytes, line: n.line },
                    Err(_) => super::unresolvable(&format!("{base}/{data}"), n.line, "its data is not valid base64"),
                });
            }
            let n = user.at(&[path])?;
            Some(cx.claimed(file, n.as_str()?, &file.server_dir(), n.line))
        };
        let (Some(cert), Some(key)) =
            (side("client-certificate-data", "client-certificate"), side("client-key-data", "client-key"))
        else {
            continue;
        };
        cx.push(Claim {
            dialect: "kubernetes",
            config: file.at(u.line, cx.ctx.map),
            context: Some(format!("user {name}")),
            cert,
            key: Some(key),
            chain: None,
            names: Vec::new(),
            listeners: Vec::new(),
            passphrase: super::Passphrase::none("a Kubernetes TLS Secret carries no passphrase"),
            key_config: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;
    use super::*;

    #[test]
    fn helm_values_are_not_manifests() {
        assert!(!Kubernetes
            .recognises(Path::new("chart/values.yaml"), "ingress:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n"));
        assert!(Kubernetes.recognises(Path::new("k/s.yaml"), "kind: Secret\ndata:\n  tls.crt: AA==\n"));
    }

    #[test]
    fn kubectl_json_output_is_read_too() {
        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\n      \"kind\": \"Secret\",\n      \"metadata\": {\"name\": \"a\", \"namespace\": \"ns\"},\n      \"type\": \"kubernetes.io/tls\",\n      \"data\": {\"tls.crt\": \"eA==\", \"tls.key\": \"eQ==\"}\n    }\n  ]\n}\n";
        let t = Tree::new(&[("out/secrets.json", json)]);
        let (claims, _) = t.claims();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].context.as_deref(), Some("ns/a"));
        assert_eq!(claims[0].config.line, Some(5));
    }

    #[test]
    fn lines_are_one_based_object_starts() {
        let docs = load("# c\n---\napiVersion: v1\nkind: Secret\n---\n\nkind: List\nitems:\n- kind: A\n  x: 1\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].line, 3);
        let items = docs[1].at(&["items"]).unwrap().items();
        assert_eq!(items[0].line, 9);
    }

    #[test]
    fn secrets_ingress_names_lists_and_kubeconfig() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-tls\n  namespace: web\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: >-\n    {}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: shop, namespace: web}}\nspec:\n  tls:\n  - hosts: [shop.example.com, \"*.example.com\"]\n    secretName: shop-tls\n\
             ---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: other\n  stringData:\n    tls.crt: |\n      CERT\n    tls.key: KEY\n\
             - kind: Secret\n  metadata: {{name: opaque}}\n  type: Opaque\n  data: {{tls.crt: eA==, tls.key: eA==}}\n",
            b64("CRT"),
            b64("KEY")
        );
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: {}\n    client-key-data: '!!notbase64'\n",
            b64("C")
        );
        let t = Tree::new(&[("k8s/app.yaml", &yaml), ("home/.kube/config", &kubeconfig)]);
        let (claims, _) = t.claims();
        let s = t.summary(&claims);
        let yaml_path = t.path("k8s/app.yaml").display().to_string();
        let kc_path = t.path("home/.kube/config").display().to_string();
        assert_eq!(
            s,
            vec![
                format!("home/.kube/config:4 inline:{kc_path}#users/admin/client-certificate-data@6 ?{kc_path}#users/admin/client-key-data@7 -"),
                format!("k8s/app.yaml:1 inline:{yaml_path}#web/shop-tls/tls.crt@8 inline:{yaml_path}#web/shop-tls/tls.key@9 - [shop.example.com,*.example.com]"),
                format!("k8s/app.yaml:23 inline:{yaml_path}#default/other/tls.crt@28 inline:{yaml_path}#default/other/tls.key@30 -"),
            ]
        );
        let shop = claims.iter().find(|c| c.context.as_deref() == Some("web/shop-tls")).unwrap();
        match &shop.key {
            Some(ClaimedFile::Inline { bytes, .. }) => assert_eq!(bytes, b"KEY"),
            other => panic!("{other:?}"),
        }
    }
}
