//! Replays every committed fuzz input (`fuzz/seeds/TARGET/*`, the minimised
//! corpora, and `fuzz/regressions/TARGET/*`, inputs that once crashed or hung)
//! through the entry points the `cargo fuzz` targets call, on the stable
//! toolchain: the targets' code cannot rot, and a fixed crash stays fixed.

use std::path::Path;
use std::time::{Duration, Instant};

type Entry = fn(&[u8]);

const TARGETS: &[(&str, Entry)] = &[
    ("parse", keymatch::fuzzing::parse),
    ("server_config", keymatch::fuzzing::server_config),
    ("keymatch_toml", keymatch::fuzzing::keymatch_toml),
    ("yaml", keymatch::fuzzing::yaml),
    ("verdict", keymatch::fuzzing::verdict),
];

/// The inputs of one target under `fuzz/KIND/TARGET`, sorted by name.
fn inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

fn replay(kind: &str) -> usize {
    let mut total = 0;
    for (target, entry) in TARGETS {
        for (name, bytes) in inputs(kind, target) {
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| entry(&bytes));
            assert!(result.is_ok(), "{target}: {name} panics");
            // A hang found by the fuzzer must stay fixed: generous for debug builds on a busy machine.
            assert!(start.elapsed() < Duration::from_secs(20), "{target}: {name} takes {:?}", start.elapsed());
            total += 1;
        }
    }
    total
}

#[test]
fn every_committed_seed_replays_without_a_broken_invariant() {
    let n = replay("seeds");
    // Every target has a committed corpus.
    for (target, _) in TARGETS {
        assert!(!inputs("seeds", target).is_empty(), "no seeds for {target}");
    }
    assert!(n >= TARGETS.len());
}

#[test]
fn every_regression_input_replays_without_a_broken_invariant() {
    replay("regressions");
}
