//! The scan's verification memo: pairs that read the same files are verified
//! once, and the scan's ECDSA issuer tables live here.

use super::{EcTables, PairOutcome};
use crate::finding::Finding;
use crate::pair::FileId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The files (and items) a pair's verification reads, and the names it checks.
pub(crate) type MaterialKey =
    (Option<(FileId, Option<usize>)>, Option<(FileId, Option<usize>)>, Option<FileId>, Vec<String>);
/// A pair's key decision and its certificate's health findings.
pub(crate) type Verified = (PairOutcome, Vec<Finding>);

/// Pairs that name the same files — a wildcard certificate in a thousand
/// vhosts — are verified once: the key decision and the certificate's health
/// are computed for the first and shared (cloned) by the others; each pair
/// still gets its own report, config locations and hints. Keyed by catalogue
/// files, never by key bytes: two files holding the same key are two checks.
#[derive(Default)]
pub(crate) struct VerifyMemo {
    done: std::sync::Mutex<HashMap<MaterialKey, Arc<OnceLock<Verified>>>>,
    /// The scan's ECDSA issuer tables (chain signatures).
    pub(crate) tables: EcTables,
}

impl VerifyMemo {
    pub(crate) fn get(&self, key: MaterialKey, compute: impl FnOnce() -> Verified) -> Verified {
        // Take the slot under the lock, compute outside it: other pairs go on in parallel.
        let slot = match self.done.lock() {
            Ok(mut done) => done.entry(key).or_default().clone(),
            Err(_) => return compute(),
        };
        slot.get_or_init(compute).clone()
    }
}
