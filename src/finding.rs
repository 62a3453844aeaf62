//! Findings: the one model of "something is wrong with the scanned material".
//!
//! A finding has a stable kebab-case [`Code`] (codes are API: never renamed or
//! reused), a [`Severity`], a message for the person who must fix it, and the
//! [`Location`]s it is about. Each code carries its short summary and its long
//! explanation here, next to its definition; `keymatch explain`, the human
//! report and SARIF rules all read them from this one place.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// How bad a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $sev:ident, $summary:literal, $explain:literal; )*) => {
        /// A finding code. See docs/DESIGN.md "Findings". Never rename or reuse one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// Every code, in the order of docs/DESIGN.md's table.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line: what the code means.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// The long explanation printed by `keymatch explain CODE`.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explain, )* }
            }
        }
    };
}

codes! {
    /// The key the server loads does not belong to the certificate it serves.
    KeyMismatch = "key-mismatch", Error,
    "the key the server loads does not belong to the certificate it serves",
    "The private key and the certificate carry different public keys (for RSA a different modulus or exponent, for EC another curve or point, for Ed25519 and Ed448 another key), or, for RSA, the same modulus and exponent under algorithm identifiers OpenSSL will not use together: an RSASSA-PSS certificate with an rsaEncryption key or the reverse (OpenSSL treats them as different keys: `openssl s_server`, HAProxy and Apache refuse the pair, nginx starts and every handshake fails), or RSASSA-PSS parameter restrictions (hash, MGF1 hash, minimum salt) on the key or the certificate that leave no TLS signature both sides accept (servers start, every handshake fails).\n\nWhy it breaks: the server proves possession of the certificate's key during the handshake. With RSA key exchange the client encrypts the pre-master secret to the certificate's key, the server decrypts it with the wrong key, and the client's Finished message fails its MAC check: the client sees the fatal alert bad_record_mac. With (EC)DHE the server's signature over the key exchange does not verify and the client aborts with decrypt_error or a signature failure. Every connection fails.\n\nHow to fix: configure the key that belongs to the certificate. When keymatch saw that key elsewhere in the scan it names the file; otherwise find it with `keymatch scan` over the directory where keys are kept, or issue a new certificate for the key you have. Compare with `openssl x509 -in CERT -noout -pubkey` and `openssl pkey -in KEY -pubout`. For an RSA identifier conflict, store the key under the certificate's identifier and parameters, or issue a certificate for the key as it is (`openssl x509 -noout -text` and `openssl pkey -noout -text` show both).";

    /// The key matches a later certificate in the bundle, not the first.
    ChainOrder = "chain-order", Error,
    "the key matches a certificate in the bundle, but not the first one",
    "The certificate file is a bundle, and the private key belongs to one of its later certificates instead of the first.\n\nWhy it breaks: servers (nginx, Apache, HAProxy, Postfix and others) treat the first certificate in the file as their own and send the rest as the chain. The key then does not match the certificate the server presents, and handshakes fail as for key-mismatch.\n\nHow to fix: put the leaf certificate (the one the key belongs to, the one for your host names) first, followed by its intermediates in order, each issued by the next. The finding names the block that matches.";

    /// The private key is internally inconsistent: an error when the server's
    /// operations fail with it, a warning when OpenSSL works around the damage.
    KeyCorrupt = "key-corrupt", Error,
    "the private key is internally inconsistent",
    "The private key's own numbers do not agree with each other: for RSA p or q is not prime, p·q differs from n, d·e is not 1 modulo λ(n), or a stored CRT value (dP, dQ, qInv) differs from the one recomputed from p, q and d; for EC the scalar is out of range or the stored public point is not d·G; for Ed25519 and Ed448 the stored public key is not the one derived from the seed.\n\nWhat the server does (RSA): OpenSSL 3.0 computes with the CRT values (p, q, dP, dQ, qInv), checks the result with the public exponent, and when it is wrong computes again with d. So an RSA key with one of the two ways still right works: a wrong dP, dQ or qInv, a wrong d with right CRT values, p and q that do not multiply to n while n, e and d are right. With such keys `openssl s_server`, nginx 1.22, HAProxy 2.6 and Apache 2.4 (Debian 12, OpenSSL 3.0) start and serve TLS 1.3, TLS 1.2 ECDHE-RSA and TLS 1.2 RSA key exchange; keymatch reports them as a warning. Other software refuses them: `openssl pkey -check` calls them invalid and python's `cryptography` (48) will not load them. When both ways are wrong (for example a wrong dP and a wrong d, or a p that is a product of two primes with d computed as if it were prime) the servers still start but every handshake fails: clients report a bad signature (TLS 1.3 and ECDHE), or the alert bad_record_mac with RSA key exchange. An even or zero p or q makes OpenSSL's operation fail outright (internal_error or decrypt_error alerts), without trying d. Both are errors.\n\nEC, Ed25519 and Ed448 keys with these problems are errors.\n\nHow to fix: restore the key from a good copy or generate a new key and certificate; a key that only works because OpenSSL repairs it fails elsewhere. `openssl pkey -in KEY -check -noout` confirms the damage.";

    /// The pair is mathematically fine, but the server's TLS library will not read the file.
    ServerCannotLoad = "server-cannot-load", Error,
    "the server's TLS library will not read this certificate or key file",
    "The certificate and key belong together, but the servers named in the finding will not load a file of the pair as it is: their TLS library (OpenSSL 3.0, as nginx, HAProxy and Apache link it on Debian 12) refuses its encoding or form, or an encryption scheme it cannot decrypt, or the server's directive does not accept the file format (for example DER where nginx reads only PEM).\n\nCases keymatch knows, each tried with nginx 1.22, HAProxy 2.6 and Apache 2.4 on OpenSSL 3.0:\n- a PKCS#8 v2 key (RFC 5958 OneAsymmetricKey with a [1] publicKey): OpenSSL 3.0 has no decoder for it, and all three refuse to start;\n- a key whose PEM label does not fit its body (PKCS#1 or SEC1 under PRIVATE KEY, PKCS#8 of another algorithm under RSA PRIVATE KEY or EC PRIVATE KEY, SEC1 under RSA PRIVATE KEY, PKCS#1 under EC PRIVATE KEY): nginx and HAProxy refuse, Apache reads it (PKCS#8 under the label of its own algorithm is read everywhere);\n- a -----BEGIN line that does not start its line: OpenSSL does not see the block. For the certificate, the servers take the next certificate in the file as theirs (and the key does not match it) or find none; for the key, nginx and HAProxy refuse; an intermediate is left out of the chain the servers send (a warning: they start);\n- an END line that names another label (OpenSSL: bad end line): the servers refuse the certificate; for an intermediate nginx and Apache refuse and HAProxy starts; for the key nginx and HAProxy refuse;\n- an EC point in hybrid form (0x06/0x07) whose prefix disagrees with the parity of y, in the key or the certificate: all three refuse.\n\nWhy it breaks: the servers named refuse to start or to reload with this configuration. When the pair comes from the config of a server that loads the file all the same, the finding is a warning: that server starts, and the file breaks with the others.\n\nHow to fix: the finding's hint says how (label the block as what it holds, remove the blanks before -----BEGIN, make the END line match its BEGIN line, write the key as PKCS#8 v1, reissue a certificate whose key is encoded uncompressed); for a key OpenSSL reads, `openssl pkey -in KEY -out KEY.new` writes it in the standard form, and `openssl x509 -in CERT -out CERT.pem` a certificate as PEM. Point the configuration at the new file.";

    /// A config names a certificate or key file that does not exist.
    MissingFile = "missing-file", Error,
    "a config names a certificate or key file that does not exist",
    "A server config, a certbot live/ link or a layout names a certificate or key file that does not exist (a dangling symlink counts as missing).\n\nWhy it breaks: the server refuses to start or reload (nginx 1.22: `[emerg] cannot load certificate \"…\": BIO_new_file() failed`, and `nginx -t` fails).\n\nHow to fix: restore the file, fix the path in the config, or for certbot run `certbot renew` / recreate the live/ links into archive/.";

    /// A file that claims to be a certificate or key does not decode.
    Malformed = "malformed", Error,
    "a file that claims to be a certificate or key does not decode",
    "A PEM block labelled as a certificate or key, or a DER object that starts like one, does not decode: it is truncated, its base64 is damaged, it is empty, or its ASN.1 is wrong.\n\nWhy it breaks: the server cannot load it and refuses to start or to serve TLS.\n\nHow to fix: copy the file again from its source (a truncated copy or a paste that lost lines is the usual cause) and check it with `openssl x509 -in FILE -noout` or `openssl pkey -in FILE -noout`.";

    /// The certificate has expired.
    Expired = "expired", Error,
    "the certificate has expired",
    "The current time (or --at) is after the certificate's notAfter.\n\nWhy it breaks: every client that checks dates rejects the certificate with certificate_expired.\n\nHow to fix: renew the certificate (`certbot renew`, or ask your CA) and reload the server.";

    /// The certificate is not valid yet.
    NotYetValid = "not-yet-valid", Error,
    "the certificate is not valid yet",
    "The current time (or --at) is before the certificate's notBefore.\n\nWhy it breaks: clients reject the certificate until that date; often the clock of the issuing machine or of this server is wrong.\n\nHow to fix: check the system clock, or deploy the certificate only once it is valid.";

    /// A certificate in the bundle is not signed by the next one.
    ChainBroken = "chain-broken", Error,
    "a certificate in the bundle is not signed by the next one",
    "In the certificate file (followed by the chain file, when a config names one), each certificate must be issued by the next one: its issuer name equals the next certificate's subject and its signature verifies with the next certificate's key. Here one link fails.\n\nWhy it breaks: clients build the path from the certificates the server sends; a wrong intermediate (for example one from a previous CA generation) makes them fail with unknown_ca or bad_certificate.\n\nHow to fix: replace the intermediate with the one that issued the certificate before it (your CA's chain file for this certificate), in leaf-to-root order.";

    /// The certificate expires within --warn-days.
    ExpiresSoon = "expires-soon", Warning,
    "the certificate expires soon",
    "The certificate's notAfter is within --warn-days (default 30) of now (or --at).\n\nWhy it matters: it still works, but it will break on that date unless it is renewed.\n\nHow to fix: renew it now, or check that automatic renewal (certbot timer, cert-manager) is running.";

    /// The leaf's issuer is neither in the bundle nor the leaf itself.
    ChainIncomplete = "chain-incomplete", Warning,
    "the leaf's issuer is not in the bundle",
    "The leaf certificate is not self-signed, and no certificate in the file (or the chain file) is its issuer.\n\nWhy it matters: browsers often repair this from caches or AIA fetching, but many clients (curl, Java, Go, mobile apps, mail servers) fail with unable to get local issuer certificate.\n\nHow to fix: serve the full chain: for certbot use fullchain.pem instead of cert.pem; otherwise append your CA's intermediate certificates after the leaf.";

    /// RSA key under 2048 bits.
    WeakKey = "weak-key", Warning,
    "the key is too weak",
    "The certificate's RSA key is shorter than 2048 bits.\n\nWhy it matters: current browsers and TLS libraries refuse such keys, and they can be factored with modest resources.\n\nHow to fix: generate a new key of at least 2048 bits (or an EC P-256 key) and reissue the certificate.";

    /// A configured server name is not covered by the certificate.
    NameMismatch = "name-mismatch", Warning,
    "a configured server name is not covered by the certificate",
    "The server config serves this certificate for a host name (server_name, ServerName, SNI filter, Ingress host, myhostname) that is not among the certificate's subjectAltName DNS names (a wildcard covers exactly one label).\n\nWhy it matters: clients connecting to that name fail hostname verification.\n\nHow to fix: add the name to the certificate, or serve another certificate for it.";

    /// A private key is readable by group or others.
    KeyPermissions = "key-permissions", Warning,
    "a private key is readable by users other than its owner and the server's own group",
    "The private key file (after following symlinks) grants read permission to everyone, or to a group that is neither Debian's ssl-cert (root:ssl-cert 0640 is the distribution's convention: PostgreSQL reads the snakeoil key through it) nor the group of the server that loads it (www-data for nginx, Apache and lighttpd, haproxy, postfix, dovecot, postgres, mysql, redis, caddy, traefik, envoy; any of them for a pair found by layout). PostgreSQL checks the mode itself and refuses to start (\"private key file has group or world access\") unless the key is at most 0600 when its own user owns it, at most 0640 when root owns it: for a key a PostgreSQL config names, more than that is an error. Files inside a git, Mercurial or Subversion work tree are not audited: git keeps no modes, so a checkout's 0644 says nothing about the deployed file (a tree etckeeper keeps, with .etckeeper at its top, is audited).\n\nWhy it matters: any local user or service in that group can copy the key and impersonate the server.\n\nHow to fix: `chmod 600 KEY`, or `chgrp ssl-cert KEY` and `chmod 640 KEY` when another service reads it through that group; check who owns it.";

    /// The key is encrypted and no passphrase was given.
    EncryptedKey = "encrypted-key", Warning,
    "the key is encrypted and keymatch, or the server that loads it, has no passphrase that opens it",
    "The private key is encrypted (ENCRYPTED PRIVATE KEY, or legacy Proc-Type: 4,ENCRYPTED), and either keymatch had no passphrase that opens it, so it cannot prove the pair, or the server whose config names it cannot get its passphrase. When keymatch cannot open the key, the message says why: no passphrase given, none of the given ones opens it, a scheme OpenSSL reads but keymatch does not decrypt (Camellia, ARIA, SM4, AES-OFB/CFB, HMAC-MD5 or HMAC-SHA512/256 PRFs), or a key derivation above keymatch's limit (PBKDF2 or PKCS#12 above 4000000 iterations, scrypt N·r·p above 4194304), which keymatch does not run so that a hostile file cannot make it spin. A scheme the server's OpenSSL 3.0 cannot decrypt at all (RC2, RC4, DES-CBC, PBES1, AES-GCM, scrypt above 32 MiB) is server-cannot-load instead.\n\nWhy it matters: a server loads the key at every start. When a config names the key and that server has no way to get the passphrase, it will not run unattended, and the finding is an error: nginx without ssl_password_file, HAProxy 2.6 (it has no passphrase option), Apache with SSLPassPhraseDialog builtin (the default) and OpenVPN without `askpass FILE` ask on a terminal and stop without one; Dovecot without ssl_key_password starts, and every TLS handshake fails. keymatch tries the passphrases a config gives, as the server does (each line of nginx's ssl_password_file in turn, Dovecot's ssl_key_password, the first line of OpenVPN's askpass file, Redis's tls-key-file-pass), and reports an error when none opens the key. It never runs a program a config names (Apache SSLPassPhraseDialog exec:, PostgreSQL ssl_passphrase_command): it cannot know that passphrase, and says so as a warning. An encrypted key that no config names is a warning: the pair is unchecked.\n\nHow to fix: for a server, store the key unencrypted with mode 600 (`openssl pkey -in KEY -out KEY.new`) or give the server its passphrase the way it reads one. To let keymatch check the pair, give it the passphrase with --passphrase-file FILE (one passphrase per line) or the KEYMATCH_PASSPHRASE environment variable; never on the command line.";

    /// A file could not be read.
    Unreadable = "unreadable", Warning,
    "a file could not be read",
    "A file that is named by a config or that may hold certificates or keys could not be read: permission denied, not a regular file (directory, FIFO, socket, device), or larger than --max-file-size.\n\nWhy it matters: the server may not be able to read it either, and keymatch could not check it. A file over the size limit is an error when the command line or a server config names it (what you asked about went unchecked), a warning when the walk found it.\n\nHow to fix: check the path and its permissions; run keymatch as a user that can read it (the server usually starts as root); for a large file or stream, raise --max-file-size.";

    /// An algorithm or format keymatch does not check.
    Unsupported = "unsupported", Note,
    "an algorithm or format keymatch does not check",
    "The material uses an algorithm or form that keymatch does not verify (for example DSA, X25519, another elliptic curve, multi-prime RSA), or a config path that cannot be resolved statically (a variable such as $ssl_server_name).\n\nWhy it matters: nothing is known to be wrong, but the pair is unchecked. One case is an error: a DSA certificate. nginx 1.22, HAProxy 2.6 and Apache 2.4 on OpenSSL 3.0 start with one, and every TLS 1.2 and TLS 1.3 handshake then fails (handshake_failure), so the finding says so.\n\nHow to fix: nothing to fix; check this pair by hand with openssl if it matters.";

    /// A private key that no certificate found matches.
    OrphanKey = "orphan-key", Note,
    "a private key that no certificate found matches",
    "No certificate seen in the scan belongs to this private key.\n\nWhy it matters: often a leftover from a renewal, or the key whose certificate is missing; a stray private key is also something to protect or delete.\n\nHow to fix: delete it if it is unused, or find the certificate it was issued for.";

    /// A leaf certificate with no key found.
    OrphanCert = "orphan-cert", Note,
    "a leaf certificate with no key found",
    "No private key seen in the scan belongs to this leaf certificate. CA certificates and intermediates in bundles are never orphans.\n\nWhy it matters: usually harmless (the key lives elsewhere, or the certificate is an old copy).\n\nHow to fix: nothing, unless a server is meant to use it: then the key is missing.";

    /// The running server signs handshakes with a key that is not its certificate's.
    ServedKeyMismatch = "served-key-mismatch", Error,
    "the running server signs its handshakes with a key that is not its certificate's",
    "keymatch probe connected to the server and checked the handshake signature (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange) against the public key of the certificate the server sent. It does not verify: the server holds another private key than its certificate's, or signed with an algorithm its certificate's key cannot make.\n\nWhy it breaks: clients check this signature and abort the handshake (`openssl s_client` stops with `bad signature`), so every connection fails. The server's own configuration test does not see it: nginx 1.22 starts, and `nginx -t` passes, with a P-256 key whose stored public point is the certificate's while its secret is another key's (OpenSSL compares only the public halves); keymatch scan reports such a key as key-corrupt.\n\nHow to fix: configure the key that belongs to the certificate and reload the server; `keymatch scan` over the server's configuration shows which pair is wrong.";

    /// The running server serves another certificate than the one its config names on disk.
    StaleCert = "stale-cert", Error,
    "the running server serves another certificate than the one its config names on disk",
    "keymatch scan --probe connected to a TLS listener a configuration declares, with the configured name as SNI, and the leaf certificate the server sent is not the certificate file the configuration names.\n\nWhy it matters: when the files are replaced (a renewal, a deploy) and the server is not reloaded, it goes on serving the certificate it loaded at start until that one expires (nginx 1.22, Apache 2.4, HAProxy 2.6, lighttpd 1.4, Postfix 3.7, Dovecot 2.3, PostgreSQL 15 and MariaDB 10.11 do so). The message says when the certificate on disk is the newer one. When several certificates are configured for the same address, port and name (an RSA and an ECDSA one), any of them being served is not stale.\n\nHow to fix: reload the server (`systemctl reload nginx`, or the service's reload) and probe again; if another certificate is still served, check which server block answers for that name.";

    /// A TLS endpoint could not be probed.
    ProbeFailed = "probe-failed", Error,
    "a TLS endpoint refused the connection, did not answer, or aborted the handshake",
    "keymatch probe could not complete a TLS handshake with the endpoint within --timeout (each of the name resolution, the TCP connect, the STARTTLS exchange and the handshake has that long): the name did not resolve, the TCP connection was refused or timed out, the server did not answer, closed the connection, refused STARTTLS, or sent an alert. The message names the stage that failed (dns, connect, starttls (PROTOCOL), handshake) and gives the error or the alert.\n\nWhy it matters: keymatch could not see what the endpoint serves, and clients connecting the same way fail too. It is an error for an endpoint named on the command line, a warning for a listener found in configurations by `scan --probe`.\n\nHow to fix: check that the server runs and listens on that address and port, that TLS is enabled there (or that --starttls names the protocol it speaks), and read the server's error log for the handshake.";
}

impl Code {
    /// Parse a code from its kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a finding points: a file, and a line (configs) or a PEM block index (bundles).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// A path the user can open from where keymatch ran (relative stays relative).
    pub path: String,
    /// The path as the server's config names it, when `--root`/`--map` translated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_path: Option<String>,
    /// 1-based line number, for config files (and PEM blocks where known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 0-based PEM block index within the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<usize>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Location {
        Location { path: path.into(), server_path: None, line: None, block: None }
    }
    pub fn with_line(mut self, line: u32) -> Location {
        self.line = Some(line);
        self
    }
    pub fn with_block(mut self, block: usize) -> Location {
        self.block = Some(block);
        self
    }
    pub fn with_server_path(mut self, server_path: Option<String>) -> Location {
        self.server_path = server_path;
        self
    }
}

/// One finding about the scanned material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// What is wrong, where, and what to do. Never contains key material.
    pub message: String,
    /// What to do about it, one line (optional; `keymatch explain CODE` has more). Most hints
    /// are fixed text, borrowed rather than copied into each of a large scan's findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Cow<'static, str>>,
    pub locations: Vec<Location>,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>, locations: Vec<Location>) -> Finding {
        Finding { code, severity: code.severity(), message: message.into(), hint: None, locations }
    }

    /// Add the one-line "what to do".
    pub fn with_hint(mut self, hint: impl Into<Cow<'static, str>>) -> Finding {
        self.hint = Some(hint.into());
        self
    }

    /// Override the severity (for example a `note` for an unresolvable config path).
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    /// The key findings are sorted by: first location's (path, line, block), then code.
    pub fn sort_key(&self) -> (Option<&Location>, Code, &str) {
        (self.locations.first(), self.code, self.message.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {c}");
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'));
            assert_eq!(Code::from_name(c.as_str()), Some(c));
            assert!(!c.explanation().is_empty() && !c.summary().is_empty());
        }
    }

    #[test]
    fn code_list_is_the_documented_one() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "key-mismatch",
                "chain-order",
                "key-corrupt",
                "server-cannot-load",
                "missing-file",
                "malformed",
                "expired",
                "not-yet-valid",
                "chain-broken",
                "expires-soon",
                "chain-incomplete",
                "weak-key",
                "name-mismatch",
                "key-permissions",
                "encrypted-key",
                "unreadable",
                "unsupported",
                "orphan-key",
                "orphan-cert",
                "served-key-mismatch",
                "stale-cert",
                "probe-failed",
            ]
        );
    }
}
