//! The bundle as a chain (RFC 5280 §6.1, RFC 8446 §4.4.2): in file order
//! (then the chain file's), each certificate must be issued by the next one —
//! its issuer name equals the next one's subject and its signature verifies
//! with the next one's key (`chain-broken`) — and the leaf's issuer must be in
//! the bundle unless the leaf is self-issued (`chain-incomplete`).

use super::ec_tables::EcTables;
use super::{ec, ed25519, ed448, rsa, Block, SigCheck};
use crate::finding::{Code, Finding};
use crate::parse::oid::ECDSA_WITH_SHA_1;
use crate::parse::{CertInfo, PublicKey};
use der::oid::db::{rfc5912, rfc8410};
use der::oid::ObjectIdentifier;
use rsa::Hash;

/// RSASSA-PKCS1-v1_5 signature algorithms (RFC 4055 §5, RFC 8017 App. A.2.4).
const RSA_PKCS1V15: [(ObjectIdentifier, Hash); 5] = [
    (rfc5912::SHA_1_WITH_RSA_ENCRYPTION, Hash::Sha1),
    (rfc5912::SHA_224_WITH_RSA_ENCRYPTION, Hash::Sha224),
    (rfc5912::SHA_256_WITH_RSA_ENCRYPTION, Hash::Sha256),
    (rfc5912::SHA_384_WITH_RSA_ENCRYPTION, Hash::Sha384),
    (rfc5912::SHA_512_WITH_RSA_ENCRYPTION, Hash::Sha512),
];

/// ECDSA signature algorithms (RFC 5758 §3.2, RFC 3279 §2.2.3).
const ECDSA: [(ObjectIdentifier, Hash); 5] = [
    (ECDSA_WITH_SHA_1, Hash::Sha1),
    (rfc5912::ECDSA_WITH_SHA_224, Hash::Sha224),
    (rfc5912::ECDSA_WITH_SHA_256, Hash::Sha256),
    (rfc5912::ECDSA_WITH_SHA_384, Hash::Sha384),
    (rfc5912::ECDSA_WITH_SHA_512, Hash::Sha512),
];

/// `chain-broken` for every link of the bundle that fails; ECDSA issuers
/// seen before are checked with their table in `tables`.
pub(crate) fn broken(blocks: &[Block<'_>], tables: &EcTables) -> Vec<Finding> {
    let mut findings = Vec::new();
    for pair in blocks.windows(2) {
        let [child, issuer] = pair else { continue };
        if child.cert.cert_sha256 == issuer.cert.cert_sha256 {
            continue; // the same certificate twice (cert file and chain file overlap)
        }
        let why = if child.cert.issuer_der != issuer.cert.subject_der {
            format!("it was issued by {}, not by the next certificate ({})", child.cert.issuer, issuer.cert.subject)
        } else {
            match check_signature(child.cert, &issuer.cert.public_key, tables) {
                SigCheck::Valid | SigCheck::Unchecked(_) => continue,
                SigCheck::Invalid => format!(
                    "the names match, but its signature does not verify with the key of the next certificate ({})",
                    issuer.cert.subject
                ),
            }
        };
        findings.push(
            Finding::new(
                Code::ChainBroken,
                format!("{} is not signed by {}: {why}", child.describe(), issuer.describe()),
                vec![child.location(), issuer.location()],
            )
            .with_hint("put the certificates in leaf-to-root order, each followed by the one that issued it (your CA's chain for this certificate)"),
        );
    }
    findings
}

/// `chain-incomplete` when the leaf is not self-issued and no other
/// certificate of the bundle has the leaf's issuer as its subject.
pub(crate) fn incomplete(blocks: &[Block<'_>]) -> Option<Finding> {
    let (leaf, rest) = blocks.split_first()?;
    if leaf.cert.issuer_der == leaf.cert.subject_der || rest.iter().any(|b| b.cert.subject_der == leaf.cert.issuer_der)
    {
        return None;
    }
    Some(
        Finding::new(
            Code::ChainIncomplete,
            format!(
                "the issuer of {} ({}) is not in the bundle, so clients that do not already have it cannot build the chain",
                leaf.describe(),
                leaf.cert.issuer
            ),
            vec![leaf.location()],
        )
        .with_hint("serve the full chain: append the intermediate certificates after the leaf (for certbot use fullchain.pem)"),
    )
}

/// Does `child`'s signature verify with `issuer_key`? `Unchecked` for
/// signature algorithms (or key types) keymatch does not check.
pub fn check_signature(child: &CertInfo, issuer_key: &PublicKey, tables: &EcTables) -> SigCheck {
    let oid = child.signature_algorithm.as_str();
    if child.tbs_der.is_empty() {
        // Dropped after parsing (`ParsedFile::drop_last_signature`): not a verdict.
        return SigCheck::Unchecked("signature not kept".into());
    }
    let tbs = child.tbs_der.as_slice();
    let sig = child.signature.as_slice();
    // An identifier that does not parse is an unknown algorithm, as any other.
    let typed = ObjectIdentifier::new(oid).ok();
    let lookup =
        |table: &[(ObjectIdentifier, Hash)]| typed.and_then(|t| table.iter().find(|(o, _)| *o == t).map(|(_, h)| *h));
    let rsa_hash = lookup(&RSA_PKCS1V15);
    let ecdsa_hash = lookup(&ECDSA);
    let is_pss = typed == Some(rfc5912::ID_RSASSA_PSS);
    let is_ed25519 = typed == Some(rfc8410::ID_ED_25519);
    let is_ed448 = typed == Some(rfc8410::ID_ED_448);
    if !(rsa_hash.is_some() || ecdsa_hash.is_some() || is_pss || is_ed25519 || is_ed448) {
        return SigCheck::Unchecked(format!("signature algorithm {oid}"));
    }
    match issuer_key {
        PublicKey::Unsupported { algorithm } => SigCheck::Unchecked(format!("issuer key {algorithm}")),
        PublicKey::Rsa { n, e, .. } => match rsa_hash {
            Some(h) => rsa::verify_pkcs1v15(tables.rsa(), n, e, h, tbs, sig),
            None if is_pss => rsa::verify_pss(tables.rsa(), n, e, child.signature_params_der.as_deref(), tbs, sig),
            None => SigCheck::Invalid,
        },
        PublicKey::Ec { curve, point } => match ecdsa_hash {
            Some(h) => ec::verify_ecdsa(tables, *curve, point, &h.digest(tbs), sig),
            None => SigCheck::Invalid,
        },
        PublicKey::Ed25519(key) if is_ed25519 => ed25519::verify(key, tbs, sig),
        PublicKey::Ed25519(_) => SigCheck::Invalid,
        PublicKey::Ed448(key) if is_ed448 => ed448::verify(key, tbs, sig),
        PublicKey::Ed448(_) => SigCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::tests::{block_file, load_cert};

    fn links(names: &[&str]) -> Vec<&'static str> {
        let file = block_file("bundle.pem", names.iter().map(|n| load_cert(n)).collect());
        let blocks = Block::all_of(&file);
        let mut codes: Vec<&str> = broken(&blocks, &EcTables::default()).iter().map(|f| f.code.as_str()).collect();
        codes.extend(incomplete(&blocks).map(|f| f.code.as_str()));
        codes
    }

    #[test]
    fn signatures_of_each_algorithm_verify() {
        assert!(links(&["leaf.pem", "inter.pem", "root.pem"]).is_empty(), "RSA PKCS#1 v1.5 SHA-256");
        assert!(links(&["leaf-pss.pem", "inter.pem", "root.pem"]).is_empty(), "RSASSA-PSS SHA-384");
        assert!(links(&["ec-leaf.pem", "ec-inter.pem", "root.pem"]).is_empty(), "ECDSA P-384 SHA-384, RSA over P-384");
        assert!(links(&["p521-self.pem"]).is_empty(), "self-signed leaf alone");
        for name in ["p521-self.pem", "ed25519-self.pem", "root.pem"] {
            let c = load_cert(name);
            assert_eq!(check_signature(&c, &c.public_key, &EcTables::default()), SigCheck::Valid, "{name}");
        }
    }

    #[test]
    fn an_intermediate_that_did_not_sign_the_leaf_breaks_the_chain() {
        assert_eq!(links(&["leaf.pem", "inter-other.pem"]), ["chain-broken"]);
        assert_eq!(links(&["leaf-pss.pem", "inter-other.pem"]), ["chain-broken"]);
        let file = block_file("bundle.pem", vec![load_cert("leaf.pem"), load_cert("inter-other.pem")]);
        let f = broken(&Block::all_of(&file), &EcTables::default());
        assert!(f[0].message.contains("signature does not verify"), "{}", f[0].message);
        assert_eq!(f[0].locations.iter().map(|l| l.block).collect::<Vec<_>>(), [Some(0), Some(1)]);
    }

    #[test]
    fn wrong_names_and_missing_issuer() {
        assert_eq!(links(&["leaf.pem", "root.pem"]), ["chain-broken", "chain-incomplete"]);
        assert_eq!(links(&["leaf.pem"]), ["chain-incomplete"]);
        assert_eq!(links(&["ec-leaf.pem", "inter.pem"]), ["chain-broken", "chain-incomplete"]);
    }

    #[test]
    fn tampered_or_unknown_signatures() {
        let inter = load_cert("inter.pem");
        let mut leaf = load_cert("leaf.pem");
        if let Some(b) = leaf.tbs_der.last_mut() {
            *b ^= 1;
        }
        assert_eq!(check_signature(&leaf, &inter.public_key, &EcTables::default()), SigCheck::Invalid);
        let mut ec = load_cert("ec-leaf.pem");
        let ec_inter = load_cert("ec-inter.pem");
        ec.signature.truncate(10);
        assert_eq!(check_signature(&ec, &ec_inter.public_key, &EcTables::default()), SigCheck::Invalid);
        let mut other_hash = load_cert("leaf.pem");
        other_hash.signature_algorithm = rfc5912::SHA_384_WITH_RSA_ENCRYPTION.to_string();
        assert_eq!(check_signature(&other_hash, &inter.public_key, &EcTables::default()), SigCheck::Invalid);
        let mut short = load_cert("leaf.pem");
        short.signature.pop();
        assert_eq!(check_signature(&short, &inter.public_key, &EcTables::default()), SigCheck::Invalid);
        let mut md5 = load_cert("leaf.pem");
        md5.signature_algorithm = rfc5912::MD_5_WITH_RSA_ENCRYPTION.to_string();
        assert!(matches!(check_signature(&md5, &inter.public_key, &EcTables::default()), SigCheck::Unchecked(_)));
        // An RSA signature algorithm with an EC issuer key cannot be right.
        assert_eq!(
            check_signature(&load_cert("leaf.pem"), &ec_inter.public_key, &EcTables::default()),
            SigCheck::Invalid
        );
        let mut pss = load_cert("leaf-pss.pem");
        pss.signature_params_der = Some(vec![0x30, 0x03, 0x02, 0x01]);
        assert!(matches!(check_signature(&pss, &inter.public_key, &EcTables::default()), SigCheck::Unchecked(_)));
    }
}

#[cfg(test)]
mod cost {
    use super::*;
    use crate::verify::tests::load_cert;

    #[test]
    fn signature_check_cost_is_printed() {
        // `cargo test signature_check_cost -- --nocapture`; never asserted.
        for (leaf, issuer) in
            [("leaf.pem", "inter.pem"), ("leaf-pss.pem", "inter.pem"), ("ec-leaf.pem", "ec-inter.pem")]
        {
            let (leaf, issuer) = (load_cert(leaf), load_cert(issuer));
            let rounds = 20u32;
            let start = std::time::Instant::now();
            for _ in 0..rounds {
                assert_eq!(check_signature(&leaf, &issuer.public_key, &EcTables::default()), SigCheck::Valid);
            }
            eprintln!("{} by {}: {:?} per check", leaf.subject, issuer.subject, start.elapsed() / rounds);
        }
    }
}
