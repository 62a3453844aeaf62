//! keymatch: find the TLS certificates and private keys a server will load,
//! pair them the way the server does, and prove that each pair belongs
//! together.
//!
//! The design (what each stage does, the rules it follows and why) is
//! `docs/DESIGN.md` in the repository.
//!
//! The pipeline, one module per stage (see docs/DESIGN.md "Data flow"):
//! [`discover`] → [`parse`] → [`pair`] → [`verify`] → [`report`], with
//! [`servers`] reading server configs into claimed pairs, [`audit`] checking
//! how key files are deployed, and [`app`] running
//! the stages for `check` and `scan`.
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod discover;
pub mod error;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod pair;
pub mod parse;
pub mod paths;
pub mod probe;
pub mod report;
pub mod servers;
pub mod verify;

pub use error::Error;
pub use finding::{Code, Finding, Location, Severity};
