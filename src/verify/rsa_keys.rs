//! The RSA issuer keys of one scan, built once: an `rsa` crate public key
//! holds the modulus's Montgomery parameters, whose constant-time division
//! costs most of a chain signature check (about five times the public
//! exponentiation of a 2048-bit signature), and a scan checks thousands of
//! leaves signed by the same few intermediates.
//!
//! What is cached is the issuer's public key as the `rsa` crate builds it,
//! keyed by its modulus and exponent bytes; no verification result is cached:
//! every signature is fully checked against its own message. At most
//! [`MAX_KEYS`] keys per scan; past that bound a key is built for each check.
//! The cache is owned by the scan ([`EcTables`](super::EcTables) holds it, as
//! it holds the ECDSA tables) and dropped with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Issuer keys kept per scan (about 1.5 KiB each for RSA-2048).
pub(crate) const MAX_KEYS: usize = 256;

/// An issuer key's modulus and public exponent, big-endian without leading zeros.
type NE = (Vec<u8>, Vec<u8>);

/// Built RSA issuer keys by (n, e), shared by a scan's threads. The keys come from the
/// scanned files: the map keeps std's keyed SipHash.
#[derive(Default)]
pub struct RsaKeys(Mutex<HashMap<NE, Arc<::rsa::PublicKey>>>);

impl RsaKeys {
    /// The public key of (n, e), built once per scan; `None` when `build` refuses it
    /// (refusals are cheap and not kept).
    pub(crate) fn get(
        &self,
        n: &[u8],
        e: &[u8],
        build: impl FnOnce(&[u8], &[u8]) -> Option<::rsa::PublicKey>,
    ) -> Option<Arc<::rsa::PublicKey>> {
        let n = crate::parse::strip_leading_zeros(n);
        let e = crate::parse::strip_leading_zeros(e);
        // A poisoned lock only costs the cache.
        if let Some(key) = self.0.lock().ok().and_then(|m| m.get(&(n.to_vec(), e.to_vec())).cloned()) {
            return Some(key);
        }
        // Built outside the lock: two threads may both build a new key once, and keep one.
        let key = Arc::new(build(n, e)?);
        if let Ok(mut m) = self.0.lock() {
            if m.len() < MAX_KEYS {
                m.entry((n.to_vec(), e.to_vec())).or_insert_with(|| key.clone());
            }
        }
        Some(key)
    }

    /// Keys kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `rsa` crate's key for (n, e), counting the builds in `built`.
    fn counted_build(built: &std::cell::Cell<usize>, n: &[u8], e: &[u8]) -> Option<::rsa::PublicKey> {
        built.set(built.get() + 1);
        ::rsa::PublicKey::new(::rsa::BoxedUint::from_be_slice_vartime(n), ::rsa::BoxedUint::from_be_slice_vartime(e))
            .ok()
    }

    #[test]
    fn a_key_is_built_once_and_refusals_are_not_kept() {
        let keys = RsaKeys::default();
        let built = std::cell::Cell::new(0);
        let n = [[0u8].as_slice(), &[0xc5; 128]].concat();
        let build = |n: &[u8], e: &[u8]| counted_build(&built, n, e);
        let a = keys.get(&n, &[1, 0, 1], build).unwrap();
        // Leading zeros do not make another key.
        let b = keys.get(&n[1..], &[0, 1, 0, 1], build).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(built.get(), 1);
        assert!(keys.get(&n, &[3], build).is_some());
        assert_eq!((built.get(), keys.len()), (2, 2));
        // An even modulus is refused, each time it is asked for.
        assert!(keys.get(&[0xc4; 128], &[1, 0, 1], build).is_none());
        assert!(keys.get(&[0xc4; 128], &[1, 0, 1], build).is_none());
        assert_eq!((built.get(), keys.len()), (4, 2));
    }

    #[test]
    fn past_the_bound_keys_are_built_each_time() {
        let keys = RsaKeys::default();
        let built = std::cell::Cell::new(0);
        let build = |n: &[u8], e: &[u8]| counted_build(&built, n, e);
        for i in 0..MAX_KEYS + 1 {
            let mut n = vec![0xc5; 128];
            n[..8].copy_from_slice(&(i as u64 | 1 << 63).to_be_bytes());
            assert!(keys.get(&n, &[1, 0, 1], build).is_some());
        }
        assert_eq!(keys.len(), MAX_KEYS);
        let last = [((MAX_KEYS as u64) | 1 << 63).to_be_bytes().as_slice(), &[0xc5; 120]].concat();
        keys.get(&last, &[1, 0, 1], build);
        assert_eq!(built.get(), MAX_KEYS + 2);
    }
}
