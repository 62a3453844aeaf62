//! `keymatch probe`: connect to live TLS endpoints, record the chain they serve,
//! prove the handshake signature against the served leaf's public key, and check
//! the served chain with the same code as files ([`crate::verify::cert_health`]).
//!
//! The client is rustls (ring provider) with a certificate verifier of our own
//! ([`Recorder`]): it accepts any chain (self-signed and private CAs are probed
//! like public ones), records it, and checks the server's handshake signature
//! itself. A signature that does not verify is `served-key-mismatch`; a
//! connection or handshake that fails is `probe-failed`. No application data is
//! ever sent: after the handshake the client sends close_notify and hangs up.

mod listeners;
pub mod starttls;

pub use listeners::targets_from_claims;

use crate::error::Error;
use crate::finding::{Code, Finding, Location, Severity};
use crate::parse::{parse_bytes, Source};
pub use crate::report::Signature;
use crate::report::{ChainCertReport, DiskRef, EndpointReport, Report};
use crate::verify::{cert_health, Clock, PairMaterial};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use starttls::Starttls;
use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most endpoints probed at once (`-j`): each is one thread and one socket.
pub const MAX_JOBS: usize = 512;
/// Endpoints probed at once when `-j` is not given.
pub const DEFAULT_JOBS: usize = 32;

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A host name or IP address, as given (without brackets).
    pub host: String,
    pub port: u16,
    /// The SNI name sent; `None` sends none (an IP address without `--sni`).
    pub sni: Option<String>,
    pub starttls: Option<Starttls>,
    /// Named on the command line (a failure is an error) rather than found in a config (a warning).
    pub named: bool,
    /// The certificate file a config names for this listener (`scan --probe`).
    pub disk: Option<DiskRef>,
}

impl Target {
    /// Parse `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address. The port defaults to
    /// 443, or the STARTTLS protocol's; the SNI name to `sni`, else HOST when it is a name.
    pub fn parse(spec: &str, sni: Option<&str>, starttls: Option<Starttls>) -> Result<Target, String> {
        let spec = spec.trim();
        let default_port = starttls.map(Starttls::default_port).unwrap_or(443);
        let (host, port) = if let Some(rest) = spec.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(|| format!("'{spec}': missing ']'"))?;
            match after.strip_prefix(':') {
                Some(p) => (h.to_string(), parse_port(spec, p)?),
                None if after.is_empty() => (h.to_string(), default_port),
                None => return Err(format!("'{spec}': unexpected text after ']'")),
            }
        } else if spec.parse::<std::net::Ipv6Addr>().is_ok() {
            (spec.to_string(), default_port)
        } else {
            match spec.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), parse_port(spec, p)?),
                None => (spec.to_string(), default_port),
            }
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(format!("'{spec}' is not HOST[:PORT]"));
        }
        let sni = match sni {
            Some(s) => Some(s.to_string()),
            None if host.parse::<std::net::IpAddr>().is_ok() => None,
            None => Some(host.trim_end_matches('.').to_string()),
        };
        Ok(Target { host, port, sni, starttls, named: true, disk: None })
    }

    /// `tls://127.0.0.1:8443 (example.com)`: where findings about the endpoint are located.
    pub fn label(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let scheme = match self.starttls {
            Some(p) => format!("{}+starttls", p.as_str()),
            None => "tls".to_string(),
        };
        match &self.sni {
            Some(sni) => format!("{scheme}://{host}:{} ({sni})", self.port),
            None => format!("{scheme}://{host}:{}", self.port),
        }
    }
}

fn parse_port(spec: &str, p: &str) -> Result<u16, String> {
    p.parse::<u16>().ok().filter(|&n| n > 0).ok_or_else(|| format!("'{spec}': '{p}' is not a port"))
}

/// What the verifier saw during one handshake.
#[derive(Debug, Default)]
struct Recorded {
    chain: Vec<Vec<u8>>,
    signature: Signature,
    /// Why the signature is invalid or was not checked.
    detail: Option<String>,
}

/// A [`ServerCertVerifier`] that accepts any chain, records it, and checks the handshake signature.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    seen: Mutex<Recorded>,
}

impl Recorder {
    fn record_signature(
        &self,
        result: Result<HandshakeSignatureValid, rustls::Error>,
        scheme: SignatureScheme,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(ok) => {
                seen.signature = Signature::Valid;
                Ok(ok)
            }
            Err(rustls::Error::InvalidCertificate(CertificateError::BadSignature)) => {
                seen.signature = Signature::Invalid;
                seen.detail =
                    Some(format!("its {scheme:?} signature does not verify with the certificate's public key"));
                Err(rustls::Error::InvalidCertificate(CertificateError::BadSignature))
            }
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
            )) => {
                // The scheme is one we offered, but the certificate's key cannot make it (an
                // ECDSA signature from an RSA certificate, P-384 from a P-256 key): another key.
                seen.signature = Signature::Invalid;
                seen.detail =
                    Some(format!("it signed with {scheme:?}, which the certificate's public key cannot make"));
                Err(rustls::Error::InvalidCertificate(CertificateError::BadSignature))
            }
            Err(e) => {
                // A key rustls cannot check (an encoding webpki refuses): let the handshake go on.
                seen.signature = Signature::NotChecked;
                seen.detail = Some(format!("the signature was not checked: {e}"));
                Ok(HandshakeSignatureValid::assertion())
            }
        }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.chain = std::iter::once(end_entity).chain(intermediates).map(|c| c.as_ref().to_vec()).collect();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms);
        self.record_signature(r, dss.scheme)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms);
        self.record_signature(r, dss.scheme)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The step of a probe that failed: every `probe-failed` message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Resolving the host name.
    Dns,
    /// The TCP connect.
    Connect,
    /// The plain-text exchange before TLS (`--starttls`).
    Starttls(Starttls),
    /// The TLS handshake.
    Handshake,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Dns => f.write_str("dns"),
            Stage::Connect => f.write_str("connect"),
            Stage::Starttls(p) => write!(f, "starttls ({})", p.as_str()),
            Stage::Handshake => f.write_str("handshake"),
        }
    }
}

/// What one probe saw.
#[derive(Debug, Default)]
pub struct Served {
    /// The address connected to.
    pub peer: Option<SocketAddr>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// The certificates the server sent, DER, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub signature: Signature,
    pub signature_detail: Option<String>,
    /// Where the probe stopped (`None`: the handshake completed).
    pub stage: Option<Stage>,
    /// Why no handshake completed, `STAGE: reason` (`None`: it did).
    pub error: Option<String>,
}

/// Connect, run STARTTLS when asked, and handshake: resolving, connecting, STARTTLS and the
/// handshake each within `timeout`.
pub fn probe(target: &Target, timeout: Duration) -> Served {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder { provider: provider.clone(), seen: Mutex::new(Recorded::default()) });
    let mut served = Served::default();
    let result = connect(target, timeout, &mut served)
        .and_then(|sock| handshake(target, sock, timeout, provider, recorder.clone(), &mut served));
    let seen = std::mem::take(&mut *recorder.seen.lock().unwrap_or_else(|e| e.into_inner()));
    served.chain = seen.chain;
    served.signature = seen.signature;
    served.signature_detail = seen.detail;
    if let Err((stage, e)) = result {
        served.stage = Some(stage);
        served.error = Some(format!("{stage}: {e}"));
    }
    served
}

/// A failed step: where, and why.
type Failed = (Stage, String);

/// The host's addresses within `timeout`. The system resolver has no timeout of its own
/// (`getaddrinfo` can block for as long as its retries take), so it runs on a thread of its own
/// that is left behind when it does not answer in time.
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    resolve_with(host, port, timeout, |h, p| (h, p).to_socket_addrs().map(|a| a.collect()))
}

fn resolve_with<F>(host: &str, port: u16, timeout: Duration, lookup: F) -> Result<Vec<SocketAddr>, String>
where
    F: FnOnce(&str, u16) -> std::io::Result<Vec<SocketAddr>> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("keymatch-resolve".into())
        .spawn(move || {
            let _ = tx.send(lookup(&name, port));
        })
        .map_err(|e| format!("cannot start a resolver thread: {e}"))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(format!("{host} resolves to no address")),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(format!("cannot resolve {host}: {e}")),
        Err(_) => Err(format!("{host} was not resolved within {}", secs(timeout))),
    }
}

fn connect(target: &Target, timeout: Duration, served: &mut Served) -> Result<TcpStream, Failed> {
    let addrs = resolve(&target.host, target.port, timeout).map_err(|e| (Stage::Dns, e))?;
    // One deadline for every address the name has: the connect stage as a whole takes `timeout`.
    let deadline = Instant::now() + timeout;
    let mut last = format!("{} resolves to no address", target.host);
    for addr in addrs {
        let Some(rest) = left(deadline) else {
            last = format!("{last}; no time left for {addr} within {}", secs(timeout));
            break;
        };
        match TcpStream::connect_timeout(&addr, rest) {
            Ok(sock) => {
                served.peer = Some(addr);
                return Ok(sock);
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                last = format!("TCP connect to {addr} timed out after {}", secs(timeout));
            }
            Err(e) => last = format!("TCP connect to {addr} failed: {e}"),
        }
    }
    Err((Stage::Connect, last))
}

/// The time left before `deadline`, if any.
fn left(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

/// `1 s`, `0.5 s`.
pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// A TLS alert by its name in RFC 8446 (`handshake_failure`), from rustls' `HandshakeFailure`.
fn alert_name(alert: rustls::AlertDescription) -> String {
    let mut out = String::new();
    for (i, c) in format!("{alert:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Why rustls gave up, for a message.
fn handshake_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::AlertReceived(alert) => format!("the server sent the fatal alert {}", alert_name(*alert)),
        other => format!("the handshake failed: {other}"),
    }
}

fn handshake(
    target: &Target,
    mut sock: TcpStream,
    timeout: Duration,
    provider: Arc<CryptoProvider>,
    recorder: Arc<Recorder>,
    served: &mut Served,
) -> Result<(), Failed> {
    let hs = |e: String| (Stage::Handshake, e);
    let _ = sock.set_nodelay(true);
    if let Some(proto) = target.starttls {
        starttls::upgrade(proto, &mut sock, timeout).map_err(|e| (Stage::Starttls(proto), e))?;
    }
    // The handshake's own deadline starts after STARTTLS.
    let deadline = Instant::now() + timeout;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| hs(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder)
        .with_no_client_auth();
    let name: ServerName<'static> = match &target.sni {
        Some(sni) => {
            ServerName::try_from(sni.clone()).map_err(|e| hs(format!("'{sni}' cannot be sent as SNI: {e}")))?
        }
        None => match target.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => return Err(hs(format!("'{}' cannot be sent as SNI", target.host))),
        },
    };
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| hs(e.to_string()))?;
    let timed_out = || hs(format!("no TLS handshake within {}", secs(timeout)));
    let io_failed = |e: std::io::Error| hs(format!("the connection failed during the handshake: {e}"));
    loop {
        while conn.wants_write() {
            let Some(rest) = left(deadline) else { return Err(timed_out()) };
            sock.set_write_timeout(Some(rest)).map_err(io_failed)?;
            match conn.write_tls(&mut sock) {
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Err(timed_out()),
                Err(e) => return Err(io_failed(e)),
            }
        }
        if !conn.is_handshaking() {
            break;
        }
        let Some(rest) = left(deadline) else { return Err(timed_out()) };
        sock.set_read_timeout(Some(rest)).map_err(io_failed)?;
        match conn.read_tls(&mut sock) {
            Ok(0) => return Err(hs("the server closed the connection during the handshake".into())),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Err(timed_out()),
            Err(e) => return Err(io_failed(e)),
        }
        if let Err(e) = conn.process_new_packets() {
            // Send our alert (decrypt_error for a bad signature) before hanging up.
            let _ = sock.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = conn.write_tls(&mut sock);
            record_params(&conn, served);
            return Err(hs(handshake_error(&e)));
        }
    }
    record_params(&conn, served);
    conn.send_close_notify();
    let _ = sock.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = conn.write_tls(&mut sock);
    let _ = sock.flush();
    // Reading what the server may have sent meanwhile (tickets) is not needed; hang up.
    let _ = sock.shutdown(std::net::Shutdown::Both);
    Ok(())
}

fn record_params(conn: &rustls::ClientConnection, served: &mut Served) {
    served.tls_version = conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        other => format!("{other:?}"),
    });
    served.cipher = conn.negotiated_cipher_suite().map(|s| iana_name(&format!("{:?}", s.suite())));
}

/// A cipher suite by its IANA name, as `openssl s_client` prints it too: rustls calls the
/// TLS 1.3 suites `TLS13_AES_256_GCM_SHA384` where the registry (RFC 8446, B.4) says
/// `TLS_AES_256_GCM_SHA384`; the TLS 1.2 names are the registry's already.
fn iana_name(rustls_name: &str) -> String {
    match rustls_name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => rustls_name.to_string(),
    }
}

/// The served chain as a parsed file: PEM blocks in the order sent, located at the endpoint.
pub fn served_file(label: &str, chain: &[Vec<u8>]) -> crate::parse::ParsedFile {
    use base64::Engine;
    let mut pem = String::new();
    for der in chain {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    let mut file = parse_bytes(pem.as_bytes(), Source::new(label), &[]);
    // The lines are those of the PEM text made here, not of a file anyone can open.
    for item in &mut file.items {
        item.line = None;
    }
    for f in &mut file.findings {
        for loc in &mut f.locations {
            loc.line = None;
        }
    }
    file
}

/// Judge one probe: the endpoint for the report and its findings.
pub fn judge(target: &Target, served: &Served, clock: &Clock) -> (EndpointReport, Vec<Finding>) {
    let label = target.label();
    let here = vec![Location::file(&label)];
    let mut findings = Vec::new();
    let file = served_file(&label, &served.chain);
    let chain: Vec<ChainCertReport> = file
        .certificates()
        .map(|(_, _, c)| ChainCertReport {
            subject: c.subject.clone(),
            fingerprint: c.public_key.fingerprint(),
            cert_sha256: c.cert_sha256.clone(),
            not_after: crate::report::rfc3339(c.not_after),
            not_after_unix: c.not_after,
        })
        .collect();
    if served.signature == Signature::Invalid {
        let leaf = chain.first().map(|c| c.subject.as_str()).unwrap_or("?");
        findings.push(
            Finding::new(
                Code::ServedKeyMismatch,
                format!(
                    "{label} serves the certificate {leaf}, but {}: the server holds another private key than this certificate's, and every handshake fails",
                    served.signature_detail.as_deref().unwrap_or("its handshake signature does not verify")
                ),
                here.clone(),
            )
            .with_hint("configure the key that belongs to the certificate (keymatch scan over the server's config shows the pair) and reload the server"),
        );
    } else if let Some(err) = &served.error {
        let sev = if target.named { Severity::Error } else { Severity::Warning };
        findings.push(
            Finding::new(Code::ProbeFailed, format!("{label}: {err}"), here.clone())
                .with_severity(sev)
                .with_hint("check that the server runs, listens there and speaks TLS (or the STARTTLS protocol given)"),
        );
    }
    if !served.chain.is_empty() {
        findings.extend(file.findings.iter().cloned());
        let names: Vec<String> = target.sni.iter().cloned().collect();
        let material = PairMaterial { cert_file: Some(&file), key_file: None, chain_file: None };
        // One served chain: its own ECDSA tables (a table pays off only from an issuer's second signature).
        findings.extend(cert_health(&material, &names, clock, &crate::verify::EcTables::default()));
    }
    if let Some(disk) = &target.disk {
        if let Some(f) = stale(target, &label, &chain, disk) {
            findings.push(f);
        }
    }
    let endpoint = EndpointReport {
        label: label.clone(),
        address: target.host.clone(),
        port: target.port,
        sni: target.sni.clone(),
        starttls: target.starttls.map(|s| s.as_str().to_string()),
        tls_version: served.tls_version.clone(),
        cipher: served.cipher.clone(),
        chain,
        signature: served.signature,
        error: served.error.clone(),
        disk: target.disk.clone(),
    };
    (endpoint, findings)
}

/// `stale-cert`: the served leaf is not the certificate the config names.
fn stale(_target: &Target, label: &str, chain: &[ChainCertReport], disk: &DiskRef) -> Option<Finding> {
    let served = chain.first()?;
    let on_disk = disk.cert_sha256.as_deref()?;
    if served.cert_sha256 == on_disk || disk.alternatives.contains(&served.cert_sha256) {
        return None;
    }
    let newer = match (&disk.not_after, served.not_after.as_str()) {
        (Some(d), s) if d.as_str() > s => {
            format!(" The certificate on disk is newer (valid until {d}, the served one until {s}).")
        }
        _ => String::new(),
    };
    let mut locs = vec![Location::file(label)];
    let mut at = Location::file(&disk.config);
    at.line = disk.line;
    locs.push(at);
    Some(
        Finding::new(
            Code::StaleCert,
            format!(
                "{label} serves {} (valid until {}), not {} that the config names.{newer}",
                served.subject, served.not_after, disk.path
            ),
            locs,
        )
        .with_hint("reload the server so that it loads the certificate on disk, then probe again"),
    )
}

/// Probe every target, at most `jobs` at once, in the order given.
pub fn probe_all(targets: &[Target], timeout: Duration, jobs: usize) -> Vec<Served> {
    let jobs = jobs.clamp(1, MAX_JOBS).min(targets.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Served>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                let served = probe(t, timeout);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(served);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Served { error: Some("not probed".into()), ..Served::default() }))
        .collect()
}

/// Judge probes into a report: endpoints, their findings, and the served certificates counted.
pub fn add_endpoints(report: &mut Report, targets: &[Target], served: &[Served], clock: &Clock) {
    for (t, s) in targets.iter().zip(served) {
        let (endpoint, findings) = judge(t, s, clock);
        report.endpoints.push(endpoint);
        report.findings.extend(findings);
    }
    report.summary.endpoints = report.endpoints.len();
}

/// Read `--targets FILE`: one `HOST[:PORT]` a line; blank lines and `#` comments skipped. A line
/// that does not parse is an error naming the file and the line; so is a file with no endpoint.
pub fn read_targets(
    path: &std::path::Path,
    sni: Option<&str>,
    starttls: Option<Starttls>,
) -> Result<Vec<Target>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Option {
        option: "--targets",
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| Error::Usage(format!("--targets {}:{}: {e}", path.display(), n + 1));
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some((spec, rest)) = line.split_once(char::is_whitespace) {
            return Err(at(format!(
                "'{spec}' is followed by '{}': one HOST[:PORT] a line (--sni and --starttls apply to every line)",
                rest.trim()
            )));
        }
        out.push(Target::parse(line, sni, starttls).map_err(at)?);
    }
    if out.is_empty() {
        return Err(Error::Usage(format!("--targets {}: no endpoint in it (one HOST[:PORT] a line)", path.display())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_default_ports_and_sni() {
        let t = Target::parse("example.com", None, None).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.sni.as_deref()), ("example.com", 443, Some("example.com")));
        let t = Target::parse("127.0.0.1:8443", None, None).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.sni.as_deref()), ("127.0.0.1", 8443, None));
        let t = Target::parse("[::1]:993", Some("mail.example"), None).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.sni.as_deref()), ("::1", 993, Some("mail.example")));
        let t = Target::parse("::1", None, None).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        let t = Target::parse("mx.example", None, Some(Starttls::Smtp)).unwrap();
        assert_eq!(t.port, 25);
        assert_eq!(t.label(), "smtp+starttls://mx.example:25 (mx.example)");
        for bad in ["", "host:0", "host:99999", "host:x", "[::1", "a b:1"] {
            assert!(Target::parse(bad, None, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_resolver_that_does_not_answer_is_left_behind_at_the_timeout() {
        let started = Instant::now();
        let slow = |_: &str, _: u16| {
            std::thread::sleep(Duration::from_secs(5));
            Ok(Vec::new())
        };
        let e = resolve_with("slow.example", 443, Duration::from_millis(300), slow).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(e, "slow.example was not resolved within 0.3 s");
        let failing = |_: &str, _: u16| Err(std::io::Error::other("no such name"));
        let e = resolve_with("x.invalid", 443, Duration::from_secs(1), failing).unwrap_err();
        assert_eq!(e, "cannot resolve x.invalid: no such name");
        let none = |_: &str, _: u16| Ok(Vec::new());
        assert_eq!(
            resolve_with("e.example", 1, Duration::from_secs(1), none).unwrap_err(),
            "e.example resolves to no address"
        );
        // An address literal is not looked up.
        assert_eq!(resolve("::1", 8443, Duration::from_millis(1)).unwrap(), ["[::1]:8443".parse().unwrap()]);
    }

    #[test]
    fn alerts_by_their_rfc_names() {
        assert_eq!(alert_name(rustls::AlertDescription::HandshakeFailure), "handshake_failure");
        assert_eq!(alert_name(rustls::AlertDescription::UnrecognisedName), "unrecognised_name");
        assert_eq!(alert_name(rustls::AlertDescription::DecryptError), "decrypt_error");
    }

    #[test]
    fn mysql_greeting_capabilities() {
        let mut p = vec![0x0a];
        p.extend_from_slice(b"8.0.36\0");
        p.extend_from_slice(&[1, 0, 0, 0]);
        p.extend_from_slice(b"12345678\0");
        p.extend_from_slice(&0xffffu16.to_le_bytes());
        p.extend_from_slice(&[0xff, 2, 0]);
        p.extend_from_slice(&0xdfffu16.to_le_bytes());
        assert_eq!(starttls::greeting_capabilities(&p).unwrap(), 0xdfff_ffff);
        // Cut before the upper half: the lower 16 bits alone.
        assert_eq!(starttls::greeting_capabilities(&p[..p.len() - 5]).unwrap(), 0xffff);
        assert!(starttls::greeting_capabilities(&p[..10]).unwrap_err().contains("cut before"));
        assert!(starttls::greeting_capabilities(&[9, 0]).unwrap_err().contains("protocol version 9"));
        let err = [&[0xff, 0x10, 0x04][..], b"Too many connections"].concat();
        assert_eq!(
            starttls::greeting_capabilities(&err).unwrap_err(),
            "the server refused the connection: error 1040 'Too many connections'"
        );
    }

    #[test]
    fn a_closed_port_is_probe_failed_at_once() {
        // Bind then drop: the port is (almost certainly) closed now.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let t = Target::parse(&format!("127.0.0.1:{port}"), None, None).unwrap();
        let started = Instant::now();
        let s = probe(&t, Duration::from_secs(5));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(s.error.as_deref().unwrap_or("").contains("refused"), "{:?}", s.error);
        let (ep, findings) = judge(&t, &s, &Clock { now: 0, warn_days: 30 });
        assert_eq!(ep.signature, Signature::NotChecked);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].code, findings[0].severity), (Code::ProbeFailed, Severity::Error));
        // A listener found in a config rather than named: a warning.
        let found = Target { named: false, ..t };
        let (_, findings) = judge(&found, &s, &Clock { now: 0, warn_days: 30 });
        assert_eq!((findings[0].code, findings[0].severity), (Code::ProbeFailed, Severity::Warning));
    }
}
