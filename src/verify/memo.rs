//! The scan's verification memo: pairs that read the same files are verified
//! once, and the scan's ECDSA issuer tables live here.

use super::{EcTables, PairOutcome};
use crate::finding::Finding;
use crate::pair::{FileId, ItemId, Pair, Side};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// What a pair's verification reads — its catalogue files (and items) — and
/// the names it checks: two pairs with equal keys get the same verification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MaterialKey {
    cert: Option<(FileId, Option<ItemId>)>,
    key: Option<(FileId, Option<ItemId>)>,
    chain: Option<FileId>,
    names: Vec<String>,
}

impl MaterialKey {
    pub(crate) fn of(pair: &Pair) -> MaterialKey {
        let file = |s: &Side| match s {
            Side::File { file, item } => Some((*file, *item)),
            _ => None,
        };
        MaterialKey {
            cert: file(&pair.cert),
            key: file(&pair.key),
            chain: pair.chain.as_ref().and_then(file).map(|(f, _)| f),
            names: pair.names.clone(),
        }
    }
}
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
