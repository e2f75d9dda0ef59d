use super::*;
use badgesafe_crypto::Ed25519Signer;
use badgesafe_merkle::{Step, root_from};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn proofs(doc: &Value) -> Vec<&Value> {
    match doc.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p) => vec![p],
        None => Vec::new(),
    }
}

const GENERATED: &[&str] = &[
    "blockcerts/generated/mock/cert0000.json",
    "blockcerts/generated/mock/cert0001.json",
    "blockcerts/generated/mock/cert0002.json",
    "blockcerts/generated/anvil/cert0000.json",
    "blockcerts/generated/anvil/cert0001.json",
    "blockcerts/generated/anvil/cert0002.json",
    "blockcerts/generated/anvil/cert0003.json",
    "blockcerts/generated/anvil/cert0004.json",
    "blockcerts/generated/ob3/mock/ob3-0000.json",
    "blockcerts/generated/ob3/mock/ob3-0001.json",
    "blockcerts/generated/ob3/mock/ob3-0002.json",
    "blockcerts/generated/ob3/anvil/ob3-0000.json",
    "blockcerts/generated/ob3/anvil/ob3-0001.json",
    "blockcerts/generated/ob3/anvil/ob3-0002.json",
];

/// badgesafe writes exactly the bytes cert-issuer writes: every generated proofValue decodes
/// and encodes back to itself; the leaf recomputes from the credential; the path leads to the
/// root.
#[test]
fn cert_issuer_receipts_round_trip_byte_for_byte_and_check_out() {
    for rel in GENERATED {
        let doc = read_json(rel);
        let proof = proofs(&doc)[0];
        assert_eq!(
            ProofKind::of(proof),
            Some(ProofKind::DataIntegrity),
            "{rel}"
        );
        let value = proof["proofValue"].as_str().unwrap();
        let receipt = Receipt::decode(value).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(
            receipt.encode().unwrap(),
            value,
            "{rel}: re-encoding differs"
        );
        assert_eq!(
            leaf_hash(&doc, 0).unwrap(),
            receipt.target_hash,
            "{rel}: leaf"
        );
        assert_eq!(
            root_from(&receipt.target_hash, &receipt.path),
            receipt.merkle_root,
            "{rel}: path"
        );
    }
}

#[test]
fn blinks_match_the_manifest() {
    let blink = |rel: &str| {
        let doc = read_json(rel);
        let r = Receipt::decode(proofs(&doc)[0]["proofValue"].as_str().unwrap()).unwrap();
        r.anchors.iter().map(Anchor::blink).collect::<Vec<_>>()
    };
    assert_eq!(
        blink("blockcerts/generated/anvil/cert0000.json"),
        ["blink:eth:sepolia:0x8c1a10330a5572b258da36de5f634a685fafa0dc1dacac0a316d8a560d26c62e"]
    );
    assert_eq!(
        blink("blockcerts/generated/ob3/anvil/ob3-0001.json"),
        ["blink:eth:sepolia:0x3d0ea559423183ea712d00594620954dd60914f6e0d038d45f1512181cdd0863"]
    );
    assert_eq!(
        blink("blockcerts/generated/mock/cert0001.json"),
        ["blink:mocknet:This has not been issued on a blockchain and is for testing only"]
    );
    assert_eq!(
        blink("blockcerts/upstream/ethereum-sepolia-v3.json"),
        ["blink:eth:sepolia:0x1f615470024000c3ab532ed74c5a60b8f6c2feb6489a67be20f103831996f9ab"]
    );
    assert_eq!(
        blink("blockcerts/upstream/testnet-v3-did.json"),
        ["blink:btc:testnet:140ee9382a5c84433b9c89a5d9fea26c47415838b5841deb0c36a8a4b9121f2e"]
    );
}

/// The JavaScript encoder's form (raw bytes) decodes too.
#[test]
fn the_javascript_encoding_decodes() {
    let doc = read_json("blockcerts/upstream/mocknet-v3-valid.json");
    let chained = proofs(&doc)[1];
    assert_eq!(ProofKind::of(chained), Some(ProofKind::Chained));
    let r = Receipt::decode(chained["proofValue"].as_str().unwrap()).unwrap();
    assert_eq!(r.anchors[0].chain, Chain::Mocknet);
    assert_eq!(r.anchors[0].tx.len(), 128, "64 raw bytes as hex");
    assert_eq!(root_from(&r.target_hash, &r.path), r.merkle_root);
}

#[test]
fn legacy_merkle_proof_2019_type_and_leaf() {
    let doc = read_json("blockcerts/upstream/ethereum-sepolia-v3.json");
    let proof = proofs(&doc)[0];
    assert_eq!(ProofKind::of(proof), Some(ProofKind::MerkleProof2019));
    let r = Receipt::decode(proof["proofValue"].as_str().unwrap()).unwrap();
    assert!(r.path.is_empty());
    assert_eq!(r.merkle_root, r.target_hash);
    assert_eq!(
        hex::encode(r.merkle_root),
        "b2c64ed78cccda992431c265a1d0bb657e8cefd14b1ef15ceadcc697c566994f"
    );
    assert_eq!(leaf_hash(&doc, 0).unwrap(), r.target_hash);
}

#[test]
fn merkle_proof_2017_receipts() {
    for (rel, chain) in [
        (
            "blockcerts/upstream/ethereum-ropsten-valid-2.0.json",
            Chain::Ethereum(3),
        ),
        ("blockcerts/upstream/mocknet-valid-2.0.json", Chain::Mocknet),
    ] {
        let doc = read_json(rel);
        let r = receipt_2017(&doc["signature"]).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(r.anchors[0].chain, chain, "{rel}");
        assert_eq!(root_from(&r.target_hash, &r.path), r.merkle_root, "{rel}");
        assert_eq!(leaf_hash_2017(&doc).unwrap(), r.target_hash, "{rel}: leaf");
    }
}

/// The two concurrent proofs of the upstream fixture: the second covers the first
/// (Blockcerts hashes the proofs before it).
#[test]
fn each_anchor_proof_covers_the_proofs_before_it() {
    let doc = read_json(
        "blockcerts/upstream/mocknet-vc-v2-data-integrity-proof-multiple-signatures-non-chained.json",
    );
    for (i, proof) in proofs(&doc).iter().enumerate() {
        let r = Receipt::decode(proof["proofValue"].as_str().unwrap()).unwrap();
        assert_eq!(leaf_hash(&doc, i).unwrap(), r.target_hash, "proof {i}");
    }
}

#[test]
fn bad_proof_values_are_named() {
    let doc = read_json("blockcerts/generated/anvil/cert0004.json");
    let good = proofs(&doc)[0]["proofValue"].as_str().unwrap().to_owned();
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "base58btc"),
        ("u123".into(), "base58btc"),
        ("z0OIl".into(), "not base58btc"),
        ("z2".into(), "not an array"),
        (format!("z{}", &good[1..good.len() - 6]), "CBOR"),
        ("z".repeat(70_000), "limit"),
    ];
    for (value, want) in cases {
        let err = Receipt::decode(&value).unwrap_err().to_string();
        assert!(err.contains(want), "{value:.20}: {err}");
    }
    let mut r = Receipt::decode(&good).unwrap();
    assert!(parse_hash_err("abcd").contains("64 hex digits"));
    r.anchors.clear();
    let empty = r.encode().unwrap();
    assert!(
        Receipt::decode(&empty)
            .unwrap_err()
            .to_string()
            .contains("anchors")
    );
}

fn parse_hash_err(s: &str) -> String {
    proof_value::parse_hash(s, "merkleRoot")
        .unwrap_err()
        .to_string()
}

#[test]
fn receipts_round_trip_with_every_chain() {
    let r = Receipt {
        merkle_root: [1; 32],
        target_hash: [2; 32],
        path: vec![Step::Left([3; 32]), Step::Right([4; 32])],
        anchors: vec![
            Anchor {
                chain: Chain::Ethereum(31337),
                tx: "0xabc".into(),
            },
            Anchor {
                chain: Chain::Mocknet,
                tx: "badgesafe-log:{}".into(),
            },
            Anchor {
                chain: Chain::Bitcoin(3),
                tx: "def".into(),
            },
        ],
    };
    assert_eq!(Receipt::decode(&r.encode().unwrap()).unwrap(), r);
    assert_eq!(r.anchors[0].blink(), "blink:eth:31337:0xabc");
}

#[test]
fn local_log_entries_sign_chain_and_round_trip() {
    let signer = Ed25519Signer::from_seed(&[9; 32]);
    let other = Ed25519Signer::from_seed(&[8; 32]);
    let first = log::Entry::new_signed(
        "did:key:z6Mk",
        1,
        "2026-01-01T00:00:00Z",
        [1; 32],
        log::GENESIS,
        "did:key:z6Mk#z6Mk",
        &signer,
    );
    let second = log::Entry::new_signed(
        "did:key:z6Mk",
        2,
        "2026-01-02T00:00:00Z",
        [2; 32],
        first.hash(),
        "did:key:z6Mk#z6Mk",
        &signer,
    );
    assert!(first.signed_by(&signer.public()) && !first.signed_by(&other.public()));
    let back = log::Entry::from_tx(&second.to_tx()).unwrap().unwrap();
    assert_eq!(back, second);
    let file = format!("{}\n{}\n", first.to_line(), second.to_line());
    assert_eq!(log::check_log(&file, &signer.public()).unwrap().len(), 2);
    // Out of order, or not chained, or another key: named.
    let swapped = format!("{}\n{}\n", second.to_line(), first.to_line());
    assert!(
        log::check_log(&swapped, &signer.public())
            .unwrap_err()
            .to_string()
            .contains("line 1")
    );
    assert!(
        log::check_log(&file, &other.public())
            .unwrap_err()
            .to_string()
            .contains("signature")
    );
    let mut forged = second.clone();
    forged.root = [7; 32];
    assert!(!forged.signed_by(&signer.public()));
    assert!(
        log::Entry::from_tx("badgesafe-log:{\"seq\":1}")
            .unwrap()
            .is_err()
    );
    assert!(log::Entry::from_tx("0xabc").is_none());
}

#[test]
fn addresses() {
    assert_eq!(
        normalize_address("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266").as_deref(),
        Some("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    );
    assert_eq!(normalize_address("0x123"), None);
    let profile = read_json("blockcerts/generated/anvil/anvil-issuer-profile.json");
    let jwk = &profile["verificationMethod"][0]["publicKeyJwk"];
    assert_eq!(
        address_from_jwk(jwk).as_deref(),
        Some("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    );
}

#[test]
fn covered_documents_and_attaching() {
    let mut doc = serde_json::json!({"@context": "x", "proof": [{"a": 1}, {"b": 2}]});
    assert_eq!(
        covered(&doc, 0).unwrap(),
        serde_json::json!({"@context": "x"})
    );
    assert_eq!(
        covered(&doc, 1).unwrap(),
        serde_json::json!({"@context": "x", "proof": [{"a": 1}]})
    );
    attach(&mut doc, serde_json::json!({"c": 3})).unwrap();
    assert_eq!(
        doc["proof"],
        serde_json::json!([{"c": 3}, {"a": 1}, {"b": 2}])
    );
    let mut single = serde_json::json!({"proof": {"a": 1}});
    attach(&mut single, serde_json::json!({"c": 3})).unwrap();
    assert_eq!(single["proof"], serde_json::json!([{"c": 3}, {"a": 1}]));
    let mut none = serde_json::json!({});
    attach(&mut none, serde_json::json!({"c": 3})).unwrap();
    assert_eq!(none["proof"], serde_json::json!([{"c": 3}]));
}
