//! Caddy (`Caddyfile`): `tls <cert_file> <key_file>` inside a site block; the
//! site addresses are the names (scheme, port and path dropped). Snippets
//! `(name) { … }` and the global options block are not sites; `import` of
//! files is followed (relative to the Caddyfile). `tls internal`, `tls EMAIL`
//! and automatic HTTPS have no files to check.

use super::{clean_names, has_variable, unresolvable, Claim, ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Caddy;

impl Dialect for Caddy {
    fn name(&self) -> &'static str {
        "caddy"
    }

    fn recognises(&self, path: &Path, text: &str) -> bool {
        let name = super::file_name(path);
        (name == "Caddyfile" || name.ends_with(".caddyfile") || name.ends_with(".caddy")) && text.contains("tls")
    }

    fn is_entry(&self, path: &Path, _text: &str) -> bool {
        super::file_name(path) == "Caddyfile"
    }

    fn read_entry(&self, file: &ConfFile, text: &str, cx: &mut Cx<'_, '_>) {
        let mut lines_in: Vec<(ConfFile, u32, Vec<String>)> = Vec::new();
        flatten(file, text, cx, &mut lines_in, 0);
        // depth 0: site headers; depth 1 inside a site: directives.
        // Relative paths: Caddy's working directory, taken as the Caddyfile's directory.
        let dir = file.server_dir();
        let mut depth = 0usize;
        let mut site: Option<Vec<String>> = None;
        for (f, n, w) in &lines_in {
            let opens = w.last().is_some_and(|x| x == "{");
            let closes = w.first().is_some_and(|x| x == "}");
            if closes {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    site = None;
                }
                continue;
            }
            if depth == 0 {
                if opens {
                    let addrs: Vec<String> =
                        w[..w.len() - 1].iter().map(|a| a.trim_end_matches(',').to_string()).collect();
                    let is_site = !addrs.is_empty() && !addrs.first().is_some_and(|a| a.starts_with('('));
                    site = is_site.then_some(addrs);
                    depth = 1;
                }
                continue;
            }
            if depth == 1 {
                if let (Some(addrs), Some("tls"), Some(c), Some(k)) =
                    (&site, w.first().map(String::as_str), w.get(1), w.get(2))
                {
                    if k != "{" {
                        let names = clean_names(addrs.iter().map(|a| host_of(a)));
                        let side = |t: &str| {
                            if has_variable(t) || t.contains('{') {
                                unresolvable(t, *n, "it uses a placeholder")
                            } else {
                                cx.claimed(f, t, &dir, *n)
                            }
                        };
                        let claim = Claim {
                            dialect: "caddy",
                            config: f.at(*n, cx.ctx.map),
                            context: addrs.first().map(|a| format!("site {a}")),
                            cert: side(c),
                            key: Some(side(k)),
                            chain: None,
                            names,
                            listeners: Vec::new(),
                            passphrase: super::Passphrase::none("Caddy has no passphrase option for key files"),
                            key_config: None,
                        };
                        cx.push(claim);
                    }
                }
            }
            if opens {
                depth += 1;
            }
        }
    }
}

/// `https://shop.example.com:443/path` → `shop.example.com`.
fn host_of(a: &str) -> &str {
    let a = a.split_once("://").map(|(_, r)| r).unwrap_or(a);
    let a = a.split('/').next().unwrap_or(a);
    match a.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => a,
    }
}

/// Lines as words (comments dropped), with `import FILE` spliced in.
fn flatten(
    file: &ConfFile,
    text: &str,
    cx: &mut Cx<'_, '_>,
    out: &mut Vec<(ConfFile, u32, Vec<String>)>,
    depth: usize,
) {
    for (n, l) in super::lines(text) {
        let w = super::words(l);
        if w.is_empty() {
            continue;
        }
        if w.first().is_some_and(|x| x == "import") && depth < 8 {
            if let Some(p) = w.get(1) {
                let server = crate::paths::normalize(&file.server_dir().join(p));
                let targets = cx.expand(file, &server);
                if targets.iter().any(|s| cx.ctx.fs.is_file(&cx.local_of(file, s))) {
                    cx.each_include(file, targets, |cx, inc, t| flatten(&inc, &t, cx, out, depth + 1));
                    continue;
                }
            }
        }
        out.push((file.clone(), n, w));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Tree;

    #[test]
    fn site_blocks_give_names_and_pairs() {
        let t = Tree::new(&[
            (
                "etc/caddy/Caddyfile",
                "{\n\temail admin@example.com\n}\n(common) {\n\ttls /snip.crt /snip.key\n}\n\
                 shop.example.com, https://www.example.com:443 {\n\ttls /etc/ssl/shop.crt /etc/ssl/shop.key\n\treverse_proxy localhost:8080\n}\n\
                 auto.example.com {\n\ttls internal\n}\nimport sites/*.caddy\n",
            ),
            ("etc/caddy/sites/blog.caddy", "blog.example.com {\n  # tls /old.crt /old.key\n  tls certs/blog.crt certs/blog.key {\n    protocols tls1.3\n  }\n}\n"),
        ]);
        let (claims, _) = t.claims();
        assert_eq!(
            t.summary(&claims),
            vec![
                "etc/caddy/Caddyfile:8 etc/ssl/shop.crt@8 etc/ssl/shop.key@8 - [shop.example.com,www.example.com]",
                "etc/caddy/sites/blog.caddy:3 etc/caddy/certs/blog.crt@3 etc/caddy/certs/blog.key@3 - [blog.example.com]",
            ]
        );
    }
}
