//! Host names (RFC 6125 §6.4): is each configured server name covered by the
//! leaf's subjectAltName dNSNames? A wildcard `*.example.com` covers exactly
//! one label. Names a config cannot pin down (regexes, `$variables`, `_`,
//! `*`, IP literals) are skipped.

use super::Block;
use crate::finding::{Code, Finding};

/// The configured names the certificate does not cover, in the given order, without repeats.
pub(crate) fn uncovered(names: &[String], dns_names: &[String]) -> Vec<String> {
    let sans: Vec<String> = dns_names.iter().map(|n| normalise(n)).collect();
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = normalise(name);
        if !checkable(&name) || covered(&name, &sans) || out.contains(&name) {
            continue;
        }
        out.push(name);
    }
    out
}

/// The `name-mismatch` finding for one pair, if any configured name is uncovered.
pub(crate) fn check(leaf: &Block<'_>, names: &[String]) -> Option<Finding> {
    let missing = uncovered(names, &leaf.cert.dns_names);
    if missing.is_empty() {
        return None;
    }
    let sans = if leaf.cert.dns_names.is_empty() {
        "it has no DNS names".to_string()
    } else {
        format!("it covers {}", leaf.cert.dns_names.join(", "))
    };
    let (noun, it) = if missing.len() == 1 { ("name", "it") } else { ("names", "them") };
    Some(
        Finding::new(
            Code::NameMismatch,
            format!(
                "the certificate {} is served for the {noun} {}, which it does not cover ({sans})",
                leaf.describe(),
                missing.join(", ")
            ),
            vec![leaf.location()],
        )
        .with_hint(format!("add {it} to the certificate's subjectAltName, or serve another certificate for {it}")),
    )
}

fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Names a static check can decide.
fn checkable(name: &str) -> bool {
    if name.is_empty() || name == "_" || name == "*" || name.contains('$') || name.starts_with('~') {
        return false;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return false;
    }
    // Only a whole leading-label wildcard (`*.example.com`) is a name a certificate can carry.
    match name.strip_prefix("*.") {
        Some(rest) => !rest.contains('*') && !rest.is_empty(),
        None => !name.contains('*'),
    }
}

fn covered(name: &str, sans: &[String]) -> bool {
    let name = name.strip_prefix('.').unwrap_or(name);
    sans.iter().any(|san| {
        san == name
            || san.strip_prefix("*.").is_some_and(|suffix| {
                !name.starts_with("*.")
                    && name.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == suffix)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_and_case_insensitive() {
        let sans = names(&["example.com", "www.example.com"]);
        assert!(uncovered(&names(&["Example.COM", "www.example.com."]), &sans).is_empty());
        assert_eq!(uncovered(&names(&["shop.example.com"]), &sans), ["shop.example.com"]);
    }

    #[test]
    fn wildcard_covers_exactly_one_label() {
        let sans = names(&["*.example.com"]);
        assert!(uncovered(&names(&["a.example.com"]), &sans).is_empty());
        assert_eq!(uncovered(&names(&["example.com"]), &sans), ["example.com"]);
        assert_eq!(uncovered(&names(&["a.b.example.com"]), &sans), ["a.b.example.com"]);
        assert_eq!(uncovered(&names(&["a.example.org"]), &sans), ["a.example.org"]);
        // A configured wildcard needs the same wildcard in the certificate.
        assert!(uncovered(&names(&["*.example.com"]), &sans).is_empty());
        assert_eq!(uncovered(&names(&["*.example.com"]), &names(&["a.example.com"])), ["*.example.com"]);
    }

    #[test]
    fn unpinnable_names_are_skipped() {
        let sans = names(&["example.com"]);
        let odd =
            names(&["_", "", "*", "$host", "~^www\\d+\\.example\\.net$", "192.0.2.1", "[2001:db8::1]", "::1", "www.*"]);
        assert!(uncovered(&odd, &sans).is_empty());
    }

    #[test]
    fn repeats_are_listed_once() {
        let sans = names(&["example.com"]);
        assert_eq!(uncovered(&names(&["a.test", "A.test", "b.test"]), &sans), ["a.test", "b.test"]);
    }
}
