//! The scan's verification memo: pairs that read the same files are verified
//! once, a private key that several files share is checked once, and the scan's ECDSA
//! issuer tables live here.

use super::{key_health, EcTables, KeyHealth, PairOutcome, PrimeTest};
use crate::finding::Finding;
use crate::pair::{FileId, ItemId, Pair, Side};
use crate::parse::PrivateKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

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
    /// The keys of more than one pair (`None`: every key): only their results are kept, a
    /// pair's own are not worth a copy of its findings.
    shared: Option<std::collections::HashSet<MaterialKey>>,
    done: std::sync::Mutex<HashMap<MaterialKey, Arc<OnceLock<Verified>>>>,
    /// The scan's ECDSA issuer tables (chain signatures).
    pub(crate) tables: EcTables,
    /// The health of private keys that several files share.
    pub(crate) key_health: KeyHealthMemo,
}

/// Private keys' health ([`key_health`]), each computed once for a key that several catalogue
/// items share (the parse pool hands every file that holds a key the same decoded copy:
/// certbot's `archive/` and `live/`, one secret in many namespaces). Keyed by the shared copy's
/// address: each entry keeps a [`Weak`] to that copy, which keeps its allocation, so that no
/// other key can be given the address while the entry exists (a dropped key's entry is never
/// looked up again). A key that one item holds is checked directly (nothing to share).
#[derive(Default)]
pub(crate) struct KeyHealthMemo {
    checked: Mutex<HashMap<SharedKey, (Weak<PrivateKey>, KeyHealth)>>,
}

/// A shared key's address and the primality mode it was checked under.
type SharedKey = (usize, PrimeTest);

impl KeyHealthMemo {
    pub(crate) fn health(&self, key: &Arc<PrivateKey>, prime_test: PrimeTest) -> KeyHealth {
        if Arc::strong_count(key) < 2 {
            return key_health(key, prime_test);
        }
        let id = (Arc::as_ptr(key) as usize, prime_test);
        if let Some(health) = self.checked.lock().ok().and_then(|checked| checked.get(&id).map(|(_, h)| h.clone())) {
            return health;
        }
        // Checked outside the lock: the other workers go on; two that meet a new key at once
        // both check it.
        let health = key_health(key, prime_test);
        if let Ok(mut checked) = self.checked.lock() {
            checked.insert(id, (Arc::downgrade(key), health.clone()));
        }
        health
    }

    /// Keys checked and kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.checked.lock().map(|c| c.len()).unwrap_or(0)
    }
}

impl VerifyMemo {
    /// A memo for pairs with these keys: it keeps the results of the keys several pairs share.
    pub(crate) fn for_pairs(keys: impl Iterator<Item = MaterialKey>) -> VerifyMemo {
        let mut seen = std::collections::HashSet::new();
        let mut shared = std::collections::HashSet::new();
        for key in keys {
            if seen.contains(&key) {
                shared.insert(key);
            } else {
                seen.insert(key);
            }
        }
        VerifyMemo { shared: Some(shared), ..VerifyMemo::default() }
    }

    pub(crate) fn get(&self, key: MaterialKey, compute: impl FnOnce() -> Verified) -> Verified {
        if self.shared.as_ref().is_some_and(|shared| !shared.contains(&key)) {
            return compute();
        }
        // Take the slot under the lock, compute outside it: other pairs go on in parallel.
        let slot = match self.done.lock() {
            Ok(mut done) => done.entry(key).or_default().clone(),
            Err(_) => return compute(),
        };
        slot.get_or_init(compute).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_bytes, ItemKind, Source};

    fn key(scenario: &str) -> Arc<PrivateKey> {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check").join(scenario).join("key.pem");
        let parsed = parse_bytes(&std::fs::read(&path).unwrap(), Source::new("key.pem"), &[]);
        parsed
            .items
            .iter()
            .find_map(|it| match &it.kind {
                ItemKind::PrivateKey(k) => Some(Arc::clone(k)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{scenario}: no key"))
    }

    /// A shared key is checked once per primality mode and gets the health a direct check gives,
    /// damage included; a key one item holds is not kept.
    #[test]
    fn shared_keys_are_checked_once_and_as_a_direct_check() {
        let memo = KeyHealthMemo::default();
        let alone = key("rsa2048-pkcs1-pem");
        assert_eq!(memo.health(&alone, PrimeTest::Skipped), key_health(&alone, PrimeTest::Skipped));
        assert_eq!(memo.len(), 0);
        for scenario in
            ["rsa2048-pkcs1-pem", "corrupt-wrong-dp", "corrupt-composite-p", "p256-sec1-pem", "corrupt-ec-pub"]
        {
            let shared = key(scenario);
            let other_file = Arc::clone(&shared);
            for prime_test in [PrimeTest::Skipped, PrimeTest::OneRound] {
                let direct = key_health(&shared, prime_test);
                assert_eq!(memo.health(&shared, prime_test), direct, "{scenario}");
                assert_eq!(memo.health(&other_file, prime_test), direct, "{scenario}");
            }
            if scenario.starts_with("corrupt") {
                assert!(!key_health(&shared, PrimeTest::OneRound).problems.is_empty(), "{scenario}");
            }
        }
        // A composite p is found only by the primality round: the two modes are kept apart.
        let composite = key("corrupt-composite-p");
        assert_ne!(key_health(&composite, PrimeTest::Skipped), key_health(&composite, PrimeTest::OneRound));
        assert_eq!(memo.len(), 10);
    }
}
