//! STARTTLS: the plain-text exchange that turns a connection into TLS for
//! SMTP (RFC 3207), IMAP (RFC 2595), POP3 (RFC 2595 `STLS`), FTP (RFC 4217
//! `AUTH TLS`), PostgreSQL (`SSLRequest`) and MySQL/MariaDB (the server's
//! protocol-10 greeting, then the client's `SSLRequest` packet with `CLIENT_SSL`).
//! Responses are read a byte at a time so that nothing past the server's reply
//! (the TLS handshake) is consumed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub use crate::servers::Starttls;

/// Run the protocol's upgrade on `sock`; no read or write goes past `timeout` from now.
pub fn upgrade(proto: Starttls, sock: &mut TcpStream, timeout: Duration) -> Result<(), String> {
    let mut io = Lines { sock, deadline: Instant::now() + timeout, timeout };
    match proto {
        Starttls::Smtp => {
            io.reply_code("220", "greeting")?;
            io.send("EHLO keymatch.invalid\r\n")?;
            let ehlo = io.reply_code("250", "EHLO")?;
            if !ehlo.iter().any(|l| l.get(4..).is_some_and(|t| t.trim().eq_ignore_ascii_case("STARTTLS"))) {
                return Err("the server does not offer STARTTLS".into());
            }
            io.send("STARTTLS\r\n")?;
            io.reply_code("220", "STARTTLS").map(|_| ())
        }
        Starttls::Ftp => {
            io.reply_code("220", "greeting")?;
            io.send("AUTH TLS\r\n")?;
            io.reply_code("234", "AUTH TLS").map(|_| ())
        }
        Starttls::Imap => {
            let greeting = io.line()?;
            if !greeting.starts_with("* OK") {
                return Err(format!("unexpected greeting: {}", shorten(&greeting)));
            }
            io.send("k1 STARTTLS\r\n")?;
            loop {
                let line = io.line()?;
                if let Some(rest) = line.strip_prefix("k1 ") {
                    return if rest.starts_with("OK") {
                        Ok(())
                    } else {
                        Err(format!("STARTTLS refused: {}", shorten(&line)))
                    };
                }
            }
        }
        Starttls::Pop3 => {
            let greeting = io.line()?;
            if !greeting.starts_with("+OK") {
                return Err(format!("unexpected greeting: {}", shorten(&greeting)));
            }
            io.send("STLS\r\n")?;
            let line = io.line()?;
            if line.starts_with("+OK") {
                Ok(())
            } else {
                Err(format!("STLS refused: {}", shorten(&line)))
            }
        }
        Starttls::Postgres => {
            // SSLRequest: length 8, code 80877103; the server answers one byte, S or N.
            io.write(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f], "the SSLRequest")?;
            match io.byte()? {
                b'S' => Ok(()),
                b'N' => Err("the server does not accept SSL".into()),
                other => Err(format!("unexpected answer to SSLRequest (byte 0x{other:02x})")),
            }
        }
        Starttls::Mysql => mysql(&mut io),
    }
}

/// `CLIENT_SSL`: the server can switch to TLS (capability flags, lower 16 bits).
const CLIENT_SSL: u32 = 0x0800;
/// The capabilities sent in the SSLRequest: CLIENT_LONG_PASSWORD, CLIENT_LONG_FLAG,
/// CLIENT_PROTOCOL_41, CLIENT_SSL, CLIENT_TRANSACTIONS, CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH.
const SSL_REQUEST_CAPS: u32 =
    0x0000_0001 | 0x0000_0004 | 0x0000_0200 | CLIENT_SSL | 0x0000_2000 | 0x0000_8000 | 0x0008_0000;

/// MySQL/MariaDB: read the server's Protocol::HandshakeV10 packet, check that it offers
/// `CLIENT_SSL`, and answer with Protocol::SSLRequest (sequence id 1); TLS starts after it.
fn mysql(io: &mut Lines<'_>) -> Result<(), String> {
    let mut header = [0u8; 4];
    for b in &mut header {
        *b = io.byte()?;
    }
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if len == 0 || len > 4096 {
        return Err(format!("a greeting packet of {len} bytes is not a MySQL server's"));
    }
    let mut payload = vec![0u8; len];
    for b in &mut payload {
        *b = io.byte()?;
    }
    let caps = greeting_capabilities(&payload)?;
    if caps & CLIENT_SSL == 0 {
        return Err("the server does not offer SSL (CLIENT_SSL is not among its capabilities)".into());
    }
    let mut request = Vec::with_capacity(36);
    request.extend_from_slice(&[32, 0, 0, header[3].wrapping_add(1)]);
    request.extend_from_slice(&SSL_REQUEST_CAPS.to_le_bytes());
    request.extend_from_slice(&(1u32 << 24).to_le_bytes()); // max packet size: 16 MiB
    request.push(0x21); // utf8_general_ci
    request.extend_from_slice(&[0u8; 23]);
    io.write(&request, "the SSLRequest")
}

/// The capability flags of a Protocol::HandshakeV10 payload; an ERR packet's message otherwise.
pub(crate) fn greeting_capabilities(p: &[u8]) -> Result<u32, String> {
    match p.first() {
        Some(0x0a) => {}
        Some(0xff) => {
            // ERR_Packet before the handshake: 0xff, error code (2), message.
            let code = p.get(1..3).map(|c| u16::from_le_bytes([c[0], c[1]])).unwrap_or(0);
            let text = String::from_utf8_lossy(p.get(3..).unwrap_or(&[]));
            return Err(format!("the server refused the connection: error {code} {}", shorten(&text)));
        }
        Some(v) => return Err(format!("protocol version {v} is not MySQL's handshake v10")),
        None => return Err("an empty greeting packet".into()),
    }
    // protocol version, server version NUL-terminated, connection id (4), auth data (8), filler.
    let version_end =
        p.iter().skip(1).position(|&b| b == 0).map(|i| i + 1).ok_or("a greeting without its server version")?;
    let lower = version_end + 1 + 4 + 8 + 1;
    let low = p.get(lower..lower + 2).ok_or("a greeting cut before its capability flags")?;
    let mut caps = u32::from(u16::from_le_bytes([low[0], low[1]]));
    // charset (1), status (2), then the upper 16 bits when the packet goes on.
    if let Some(high) = p.get(lower + 5..lower + 7) {
        caps |= u32::from(u16::from_le_bytes([high[0], high[1]])) << 16;
    }
    Ok(caps)
}

struct Lines<'a> {
    sock: &'a mut TcpStream,
    deadline: Instant,
    timeout: Duration,
}

impl Lines<'_> {
    /// The time left before the deadline.
    fn left(&self) -> Result<Duration, String> {
        self.deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()).ok_or_else(|| self.timed_out())
    }

    fn timed_out(&self) -> String {
        format!("no answer within {}", super::secs(self.timeout))
    }

    fn send(&mut self, text: &str) -> Result<(), String> {
        self.write(text.as_bytes(), text.trim_end())
    }

    fn write(&mut self, bytes: &[u8], what: &str) -> Result<(), String> {
        let rest = self.left()?;
        self.sock.set_write_timeout(Some(rest)).map_err(|e| e.to_string())?;
        self.sock.write_all(bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("sending {what}: the server took nothing within {}", super::secs(self.timeout))
            }
            _ => format!("sending {what}: {e}"),
        })
    }

    fn byte(&mut self) -> Result<u8, String> {
        let rest = self.left()?;
        self.sock.set_read_timeout(Some(rest)).map_err(|e| e.to_string())?;
        let mut b = [0u8; 1];
        match self.sock.read(&mut b) {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(_) => Ok(b[0]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                Err(self.timed_out())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// One line, without its CR LF; at most 4096 bytes.
    fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        loop {
            let b = self.byte()?;
            if b == b'\n' {
                break;
            }
            if buf.len() >= 4096 {
                return Err("a line longer than 4096 bytes".into());
            }
            buf.push(b);
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// A (multi-line) SMTP/FTP reply that must carry `code`; its lines.
    fn reply_code(&mut self, code: &str, what: &str) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line()?;
            let done = line.as_bytes().get(3) != Some(&b'-');
            if !line.starts_with(code) {
                return Err(format!("unexpected {what} reply: {}", shorten(&line)));
            }
            lines.push(line);
            if done || lines.len() > 100 {
                return Ok(lines);
            }
        }
    }
}

/// A server's line, cut and cleaned for a message.
fn shorten(line: &str) -> String {
    let clean: String = line.chars().map(|c| if c.is_control() { '?' } else { c }).take(120).collect();
    format!("'{clean}'")
}
