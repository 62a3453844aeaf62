//! STARTTLS: the plain-text exchange that turns a connection into TLS for
//! SMTP (RFC 3207), IMAP (RFC 2595), POP3 (RFC 2595 `STLS`), FTP (RFC 4217
//! `AUTH TLS`) and PostgreSQL (`SSLRequest`). Responses are read a byte at a
//! time so that nothing past the server's reply (the TLS handshake) is consumed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

/// A protocol that upgrades a plain connection to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starttls {
    Smtp,
    Imap,
    Pop3,
    Ftp,
    Postgres,
}

impl Starttls {
    pub fn as_str(self) -> &'static str {
        match self {
            Starttls::Smtp => "smtp",
            Starttls::Imap => "imap",
            Starttls::Pop3 => "pop3",
            Starttls::Ftp => "ftp",
            Starttls::Postgres => "postgres",
        }
    }

    /// The protocol's port when a target names none.
    pub fn default_port(self) -> u16 {
        match self {
            Starttls::Smtp => 25,
            Starttls::Imap => 143,
            Starttls::Pop3 => 110,
            Starttls::Ftp => 21,
            Starttls::Postgres => 5432,
        }
    }

    pub fn from_name(name: &str) -> Option<Starttls> {
        [Starttls::Smtp, Starttls::Imap, Starttls::Pop3, Starttls::Ftp, Starttls::Postgres]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// Run the protocol's upgrade on `sock`; the socket's read timeout is set by the caller, and no
/// read goes past `deadline`.
pub fn upgrade(proto: Starttls, sock: &mut TcpStream, deadline: Instant) -> Result<(), String> {
    let mut io = Lines { sock, deadline };
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
            io.sock.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).map_err(|e| e.to_string())?;
            match io.byte()? {
                b'S' => Ok(()),
                b'N' => Err("the server does not accept SSL".into()),
                other => Err(format!("unexpected answer to SSLRequest (byte 0x{other:02x})")),
            }
        }
    }
}

struct Lines<'a> {
    sock: &'a mut TcpStream,
    deadline: Instant,
}

impl Lines<'_> {
    fn send(&mut self, text: &str) -> Result<(), String> {
        self.sock.write_all(text.as_bytes()).map_err(|e| format!("sending {}: {e}", text.trim_end()))
    }

    fn byte(&mut self) -> Result<u8, String> {
        let rest = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or("no answer within the timeout")?;
        self.sock.set_read_timeout(Some(rest)).map_err(|e| e.to_string())?;
        let mut b = [0u8; 1];
        match self.sock.read(&mut b) {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(_) => Ok(b[0]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                Err("no answer within the timeout".into())
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
