//! Deployment audits: facts about where and how material is installed, not
//! about the material itself (the key maths is `verify`'s). Today one audit:
//! who can read a private key file ([`ModeAudit`], code `key-permissions`).

mod permissions;

pub use permissions::ModeAudit;
