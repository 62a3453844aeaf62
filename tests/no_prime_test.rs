//! `scan --no-prime-test`: every fixture scenario gets the same pairs,
//! verdicts, findings and exit code as without it, except the one key whose
//! relations all hold on a composite p (`corrupt-composite-p`, where
//! `openssl s_server` fails every handshake: tests/rsa_paths_s_server.rs),
//! which the option by design no longer finds.

mod common;

use common::{fixtures, run_keymatch, AT};
use serde_json::Value;

const BLIND_SPOT: &str = "corrupt-composite-p/";

fn scan(args: &[&str]) -> (i32, Value) {
    let dir = fixtures().join("check");
    let mut all = vec!["scan", ".", "--format", "json", "--at", AT];
    all.extend_from_slice(args);
    let (code, out, err) = run_keymatch(&all, &dir);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON: {e}\n{out}\n{err}"));
    (code, json)
}

/// The entries of `key` ("pairs" or "findings") that do not mention the blind spot's files.
fn outside_blind_spot(report: &Value, key: &str) -> Vec<Value> {
    let list = report[key].as_array().unwrap_or_else(|| panic!("no {key} array"));
    list.iter().filter(|v| !v.to_string().contains(BLIND_SPOT)).cloned().collect()
}

fn blind_spot_pair(report: &Value) -> Value {
    let pairs = report["pairs"].as_array().expect("pairs");
    let mut found = pairs.iter().filter(|p| p["key"]["path"].as_str().is_some_and(|k| k.starts_with(BLIND_SPOT)));
    let pair = found.next().expect("a pair for corrupt-composite-p's key").clone();
    assert!(found.next().is_none(), "one pair for corrupt-composite-p's key");
    pair
}

#[test]
fn no_prime_test_changes_only_the_composite_factor_blind_spot() {
    let (code, with_test) = scan(&[]);
    let (code_skipped, skipped) = scan(&["--no-prime-test"]);

    // With the test the composite p is found; both of OpenSSL's paths are wrong: an error.
    assert_eq!(blind_spot_pair(&with_test)["verdict"], "key-corrupt");
    let errors: Vec<&Value> = with_test["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f.to_string().contains(BLIND_SPOT) && f["code"] == "key-corrupt")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["severity"], "error");
    assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains("p is not prime")), "{}", errors[0]);

    // Without it the key's relations all hold: judged consistent, and nothing is said of it.
    assert_eq!(blind_spot_pair(&skipped)["verdict"], "match");
    assert!(outside_blind_spot(&skipped, "findings").len() == skipped["findings"].as_array().map_or(0, Vec::len));

    // Every other scenario, damaged RSA keys included, is judged exactly alike.
    assert!(outside_blind_spot(&with_test, "pairs").len() > 50, "the scan found the scenarios");
    assert_eq!(outside_blind_spot(&with_test, "pairs"), outside_blind_spot(&skipped, "pairs"));
    assert_eq!(outside_blind_spot(&with_test, "findings"), outside_blind_spot(&skipped, "findings"));
    assert_eq!(with_test["summary"]["errors"].as_u64().map(|e| e - 1), skipped["summary"]["errors"].as_u64());
    // The tree holds other errors on purpose: both runs fail on them.
    assert_eq!((code, code_skipped), (1, 1));
}

#[test]
fn no_prime_test_is_a_scan_option() {
    let dir = fixtures().join("check").join("corrupt-composite-p");
    let (code, _, err) = run_keymatch(&["check", "cert.pem", "key.pem", "--no-prime-test"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--no-prime-test"), "{err}");
    let (code, out, err) = run_keymatch(&["scan", ".", "--no-prime-test", "--at", AT], &dir);
    assert_eq!(code, 0, "{out}{err}");
}
