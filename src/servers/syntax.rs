//! Config syntax shared by the dialects: decoding config bytes to text, the
//! two lexers ([`lines`] and shell-like [`words`]), variables, server names and
//! path components.

use std::path::Path;

/// Config text: lossy UTF-8 without a BOM.
pub fn decode(bytes: &[u8]) -> String {
    decode_borrowed(bytes).into_owned()
}

/// [`decode`], borrowing `bytes` when they are UTF-8.
pub(super) fn decode_borrowed(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    utf8_lossy(bytes)
}

/// `String::from_utf8_lossy`, with valid UTF-8 (nearly every config) checked by `from_utf8`'s
/// fast path rather than chunk by chunk.
pub(super) fn utf8_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), std::borrow::Cow::Borrowed)
}

/// Does the path have one of these components? `names` are plain names (not empty, `.` or
/// `..`, no `/`): then a component is one of them exactly when a `/`-separated part of the
/// path's bytes is (this runs for every candidate config of a scan, for each dialect, and
/// splitting bytes is much cheaper than parsing [`Path::components`]).
pub fn has_component(path: &Path, names: &[&str]) -> bool {
    debug_assert!(names.iter().all(|n| !n.is_empty() && *n != "." && *n != ".." && !n.contains('/')));
    component_bytes(path).any(|part| names.iter().any(|n| part == n.as_bytes()))
}

/// The path's components as bytes: its `/`-separated parts that are not empty or `.` (a root or
/// a `.` names nothing; `..` is kept, as [`Path::components`] keeps it).
pub fn component_bytes(path: &Path) -> impl Iterator<Item = &[u8]> {
    path.as_os_str().as_encoded_bytes().split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".")
}

/// The file name; "" when there is none or it is not UTF-8 (no server config is named so).
pub fn file_name(path: &Path) -> &str {
    std::str::from_utf8(file_name_bytes(path)).unwrap_or_default()
}

/// [`Path::file_name`]'s bytes (empty for none), without parsing components when the path's
/// last `/`-separated part is a name (not empty, `.` or `..`), as it is for every walked file.
pub fn file_name_bytes(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes.rsplit(|&b| b == b'/').next() {
        Some(last) if !last.is_empty() && last != b"." && last != b".." => last,
        _ => path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default(),
    }
}

/// Does the text use a variable that keymatch cannot expand (`$name`, `${name}`)?
pub fn has_variable(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'$' && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'{' || *n == b'_'))
}

/// Server names as a config gives them → names to check: drop catch-alls,
/// regexes and anything with a variable; nginx's `.example.com` is `example.com`.
pub fn clean_names<'s>(names: impl IntoIterator<Item = &'s str>) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim().trim_end_matches('.');
        let n = n.strip_prefix('.').unwrap_or(n);
        if n.is_empty()
            || n == "_"
            || n == "*"
            || n == "localhost"
            || n.starts_with('~')
            || n.contains(['$', '/', ':', ' '])
            || n.parse::<std::net::IpAddr>().is_ok()
            // Only a leading one-label wildcard can be checked against SANs (nginx's `www.*` cannot).
            || n.get(1..).is_some_and(|rest| rest.contains('*'))
            || (n.starts_with('*') && !n.starts_with("*."))
        {
            continue;
        }
        let n = n.to_ascii_lowercase();
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Split text into lines, 1-based numbers, CR removed.
pub fn lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| ((i + 1) as u32, l.strip_suffix('\r').unwrap_or(l)))
}

/// Shell-like words of one line: whitespace separated, `"…"`/`'…'` quoted,
/// backslash escapes, `#` starts a comment at a word start.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '"' | '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-level name and component tests agree with [`Path::file_name`] and
    /// [`Path::components`] on the paths that are not plain.
    #[test]
    fn names_and_components_from_bytes_are_the_paths_own() {
        let paths = [
            "a/nginx/b.conf",
            "nginx",
            "/",
            "",
            ".",
            "..",
            "./nginx/x",
            "a/b/",
            "a/b/.",
            "a/b/..",
            "a//nginx//x",
            "/etc/nginx/./sites/x.conf",
            "a/./b",
            "../nginx",
            "a/nginx.d/x",
            "x/.kube/config",
            "a\u{ff}/b",
            "nginx/",
            "a/ngin",
            "/etc/mysql.conf.d/x.cnf",
        ];
        let names = ["nginx", ".kube", "mysql.conf.d", "b"];
        for p in paths {
            let path = Path::new(p);
            let std_name = path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default();
            assert_eq!(file_name_bytes(path), std_name, "{p}");
            assert_eq!(file_name(path), path.file_name().and_then(|n| n.to_str()).unwrap_or_default(), "{p}");
            for n in names {
                assert_eq!(has_component(path, &[n]), path.components().any(|c| c.as_os_str() == n), "{p} {n}");
            }
        }
        use std::os::unix::ffi::OsStrExt;
        let non_utf8 = Path::new(std::ffi::OsStr::from_bytes(b"etc/nginx/\xff.conf"));
        assert_eq!(file_name(non_utf8), "");
        assert_eq!(file_name_bytes(non_utf8), b"\xff.conf");
    }

    #[test]
    fn words_handle_quotes_escapes_and_comments() {
        assert_eq!(words(r#"  a "b c" 'd#e' f\ g # h"#), vec!["a", "b c", "d#e", "f g"]);
        assert_eq!(words("x#y z"), vec!["x#y", "z"]);
        assert!(words("   # only a comment").is_empty());
    }

    #[test]
    fn names_drop_catch_alls_and_regexes() {
        assert_eq!(
            clean_names([
                "_",
                "Shop.Example.com",
                ".example.org",
                "~^www\\d+",
                "$host",
                "*.a.com",
                "10.0.0.1",
                "www.*",
                "*x.b"
            ]),
            vec!["shop.example.com", "example.org", "*.a.com"]
        );
    }

    #[test]
    fn variables_are_detected() {
        assert!(has_variable("/etc/ssl/$ssl_server_name.crt"));
        assert!(has_variable("${SSL_DIR}/a.pem"));
        assert!(!has_variable("/etc/ssl/a$.pem"));
    }
}
