//! `Error`: keymatch could not do its job (bad arguments, a root that does not
//! exist, output not writable). Everything about the scanned material is a
//! [`Finding`](crate::finding::Finding) instead.

use std::path::PathBuf;

/// An error that stops keymatch (exit code 2). Carries the path it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{}: {reason}", path.display())]
    Path { path: PathBuf, reason: String },
    #[error("{0}")]
    Usage(String),
    /// A file named by an option (`--passphrase-file`, `--config`) that cannot be used.
    #[error("{option} {}: {reason}", path.display())]
    Option { option: &'static str, path: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("writing output: {0}")]
    Output(std::io::Error),
}

impl Error {
    pub fn path(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::Path { path: path.into(), reason: reason.into() }
    }

    /// True for a broken pipe on output (`keymatch scan | head`): exit quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
