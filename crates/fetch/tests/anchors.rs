//! Anchor verification against a real Ethereum node (anvil): the cert-issuer batches in
//! `shared/data/blockcerts/generated`, replayed from their raw transactions as the MANIFEST
//! explains, and the faults an RPC endpoint can show.
//!
//! The issuer profiles those fixtures name (`https://issuer.example.org/…`) cannot exist here;
//! an in-memory fetcher serves them from the fixture files. Everything on chain is real.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use badgesafe_anchor::eth::Rpc;
use badgesafe_fetch::HttpRpc;
use badgesafe_testkit::{Anvil, Server, data};
use badgesafe_verify::{Fetcher, Options, Outcome, Report, verify_bytes};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// Serves fixture files for the URLs the fixtures name.
struct Profiles(HashMap<String, Vec<u8>>);

impl Fetcher for Profiles {
    fn get(&self, url: &str, _accept: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(url)
            .cloned()
            .ok_or_else(|| format!("HTTP 404 for {url}"))
    }
}

fn profiles(profile_file: &str) -> Profiles {
    Profiles(HashMap::from([
        (
            "https://issuer.example.org/profile.json".to_owned(),
            std::fs::read(data(profile_file)).unwrap(),
        ),
        (
            "https://issuer.example.org/revocation.json".to_owned(),
            std::fs::read(data("blockcerts/generated/anvil/anvil-revocation.json")).unwrap(),
        ),
    ]))
}

/// Sends a recorded transaction and waits until anvil has mined it (its automining answers
/// the hash before the block exists).
fn replay(anvil: &Anvil, raw_tx_file: &str) -> String {
    let raw = std::fs::read_to_string(data(raw_tx_file)).unwrap();
    let hash = anvil
        .rpc("eth_sendRawTransaction", json!([raw.trim()]))
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while anvil
        .rpc("eth_getTransactionReceipt", json!([hash]))
        .is_null()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "anvil did not mine {hash}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    hash
}

fn verify(file: &str, fetcher: &dyn Fetcher, rpc: &[&dyn Rpc], confirmations: u64) -> Report {
    let bytes = std::fs::read(data(file)).unwrap();
    verify_bytes(
        &bytes,
        &Options {
            fetcher: Some(fetcher),
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc,
            confirmations,
        },
    )
}

/// The report with no network at all.
fn offline(bytes: &[u8]) -> Report {
    verify_bytes(
        bytes,
        &Options {
            fetcher: None,
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc: &[],
            confirmations: 1,
        },
    )
}

fn outcome(r: &Report, id: &str) -> (Outcome, String) {
    let c = r
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in\n{}", r.to_text()));
    (c.outcome, c.detail.clone())
}

#[test]
fn cert_issuer_batches_verify_against_their_replayed_transactions() {
    let anvil = Anvil::start(11_155_111);
    assert_eq!(
        replay(&anvil, "blockcerts/generated/anvil/eth1-raw-tx.hex"),
        "0x8c1a10330a5572b258da36de5f634a685fafa0dc1dacac0a316d8a560d26c62e"
    );
    let ob3_node = Anvil::start(11_155_111);
    replay(&ob3_node, "blockcerts/generated/ob3/anvil/ob3-raw-tx.hex");
    let web = profiles("blockcerts/generated/anvil/anvil-issuer-profile.json");
    let rpc1 = HttpRpc::new(&anvil.url, Duration::from_secs(5)).unwrap();
    let rpc2 = HttpRpc::new(&ob3_node.url, Duration::from_secs(5)).unwrap();
    let both: [&dyn Rpc; 2] = [&rpc1, &rpc2];
    for file in (0..5)
        .map(|i| format!("blockcerts/generated/anvil/cert000{i}.json"))
        .chain((0..3).map(|i| format!("blockcerts/generated/ob3/anvil/ob3-000{i}.json")))
    {
        // Two endpoints on the same chain id: the one that knows the transaction answers.
        let rpc: &[&dyn Rpc] = if file.contains("ob3") {
            &both[1..]
        } else {
            &both[..1]
        };
        let r = verify(&file, &web, rpc, 1);
        assert!(r.verified, "{file}\n{}", r.to_text());
        assert_eq!(outcome(&r, "proof.1").0, Outcome::Passed);
        let (o, detail) = outcome(&r, "anchor.1");
        assert_eq!(o, Outcome::Passed, "{detail}");
        assert!(
            detail.contains("anchored on Ethereum sepolia (chain 11155111) at "),
            "{detail}"
        );
        assert!(
            outcome(&r, "anchor.1.issuer")
                .1
                .contains(badgesafe_testkit::DEV_ACCOUNT)
        );
    }
}

#[test]
fn anchor_faults_are_named() {
    let anvil = Anvil::start(11_155_111);
    replay(&anvil, "blockcerts/generated/anvil/eth1-raw-tx.hex");
    let web = profiles("blockcerts/generated/anvil/anvil-issuer-profile.json");
    let rpc = HttpRpc::new(&anvil.url, Duration::from_secs(5)).unwrap();
    let file = "blockcerts/generated/anvil/cert0002.json";

    // Not enough confirmations yet: pending.
    let r = verify(file, &web, &[&rpc], 5);
    let (o, d) = outcome(&r, "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(
        d.contains("pending") && d.contains("1 of the 5 confirmations"),
        "{d}"
    );
    anvil.mine(4);
    // The client keeps the chain head for a second; a new client sees the new blocks at once.
    let rpc = HttpRpc::new(&anvil.url, Duration::from_secs(5)).unwrap();
    let r = verify(file, &web, &[&rpc], 5);
    assert!(r.verified, "{}", r.to_text());

    // An issuer that does not publish the sending account.
    let mut profile: Value = serde_json::from_slice(
        &std::fs::read(data("blockcerts/generated/anvil/anvil-issuer-profile.json")).unwrap(),
    )
    .unwrap();
    profile["publicKey"][0]["id"] =
        json!("ecdsa-koblitz-pubkey:0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    profile["verificationMethod"] = json!([]);
    let other = Profiles(HashMap::from([(
        "https://issuer.example.org/profile.json".to_owned(),
        serde_json::to_vec(&profile).unwrap(),
    )]));
    let r = verify(file, &other, &[&rpc], 1);
    let (o, d) = outcome(&r, "anchor.1.issuer");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("does not publish"), "{d}");
    assert!(!r.verified);

    // The account's period: created after the transaction.
    profile["publicKey"][0] = json!({"id": format!("ecdsa-koblitz-pubkey:{}", badgesafe_testkit::DEV_ACCOUNT), "created": "2099-01-01T00:00:00Z"});
    let later = Profiles(HashMap::from([(
        "https://issuer.example.org/profile.json".to_owned(),
        serde_json::to_vec(&profile).unwrap(),
    )]));
    let (o, d) = outcome(&verify(file, &later, &[&rpc], 1), "anchor.1.issuer");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("outside the period"), "{d}");

    // No endpoint given; an endpoint of another chain; a closed port; garbage answers.
    let (o, d) = outcome(&verify(file, &web, &[], 1), "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("no JSON-RPC endpoint"), "{d}");
    let other_chain = Anvil::start(31_337);
    let wrong = HttpRpc::new(&other_chain.url, Duration::from_secs(5)).unwrap();
    let (o, d) = outcome(&verify(file, &web, &[&wrong], 1), "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("serves chain 31337"), "{d}");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let dead = HttpRpc::new(&closed, Duration::from_secs(2)).unwrap();
    let (o, d) = outcome(&verify(file, &web, &[&dead], 1), "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains(&closed), "{d}");
    let garbage = Server::start();
    garbage.serve("/", "text/html", "<html>not a node</html>");
    let junk = HttpRpc::new(&garbage.url("/"), Duration::from_secs(2)).unwrap();
    let (o, d) = outcome(&verify(file, &web, &[&junk], 1), "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("not JSON-RPC"), "{d}");

    // A transaction the node does not know (the receipt is otherwise intact).
    let fresh = Anvil::start(11_155_111);
    let unknown = HttpRpc::new(&fresh.url, Duration::from_secs(5)).unwrap();
    let (o, d) = outcome(&verify(file, &web, &[&unknown], 1), "anchor.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("is not known"), "{d}");
}

#[test]
fn offline_anchors_are_skipped_never_passed() {
    let bytes = std::fs::read(data("blockcerts/generated/anvil/cert0001.json")).unwrap();
    let r = offline(&bytes);
    assert_eq!(outcome(&r, "proof.1").0, Outcome::Passed);
    assert_eq!(outcome(&r, "anchor.1").0, Outcome::Skipped);
    assert!(
        !r.verified,
        "a receipt alone does not say who issued the credential"
    );
    assert!(
        r.to_text()
            .contains("no check that ran ties the credential to its issuer")
    );
}

#[test]
fn a_changed_credential_fails_its_receipt() {
    let mut doc: Value = serde_json::from_slice(
        &std::fs::read(data("blockcerts/generated/anvil/cert0003.json")).unwrap(),
    )
    .unwrap();
    doc["credentialSubject"]["name"] = json!("Someone Else");
    let r = offline(&serde_json::to_vec(&doc).unwrap());
    let (o, d) = outcome(&r, "proof.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("changed after it was anchored"), "{d}");
}

#[test]
fn mocknet_receipts_check_out_but_prove_no_issuer() {
    let web = Profiles(HashMap::new());
    for i in 0..3 {
        let r = verify(
            &format!("blockcerts/generated/mock/cert000{i}.json"),
            &web,
            &[],
            1,
        );
        assert_eq!(outcome(&r, "proof.1").0, Outcome::Passed, "{}", r.to_text());
        let (o, d) = outcome(&r, "anchor.1");
        assert_eq!(o, Outcome::Skipped);
        assert!(d.contains("mocknet"), "{d}");
        assert!(!r.verified);
    }
}

/// A copy of `file` whose first anchor proof has `proofValue` `value`.
fn with_proof_value(file: &str, value: &str) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(data(file)).unwrap()).unwrap();
    doc["proof"]["proofValue"] = json!(value);
    serde_json::to_vec(&doc).unwrap()
}

fn receipt_of(file: &str) -> badgesafe_anchor::Receipt {
    let doc: Value = serde_json::from_slice(&std::fs::read(data(file)).unwrap()).unwrap();
    badgesafe_anchor::Receipt::decode(doc["proof"]["proofValue"].as_str().unwrap()).unwrap()
}

fn verify_doc(bytes: &[u8], fetcher: &dyn Fetcher, rpc: &[&dyn Rpc]) -> Report {
    verify_bytes(
        bytes,
        &Options {
            fetcher: Some(fetcher),
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc,
            confirmations: 1,
        },
    )
}

#[test]
fn malformed_receipts_and_unhelpful_nodes_fail_by_name() {
    let anvil = Anvil::start(11_155_111);
    replay(&anvil, "blockcerts/generated/anvil/eth1-raw-tx.hex");
    let web = profiles("blockcerts/generated/anvil/anvil-issuer-profile.json");
    let rpc = HttpRpc::new(&anvil.url, Duration::from_secs(5)).unwrap();
    let file = "blockcerts/generated/anvil/cert0001.json";
    let good = receipt_of(file);

    let failed = |bytes: &[u8], id: &str, rpc: &[&dyn Rpc], want: &str| {
        let r = verify_doc(bytes, &web, rpc);
        let (o, d) = outcome(&r, id);
        assert_eq!(o, Outcome::Failed, "{id}: {d}");
        assert!(d.contains(want), "{id}: {d}");
        assert!(!r.verified);
    };

    // A corrupted proofValue: a character outside base58, then valid base58 that is not CBOR.
    let value = good.encode().unwrap();
    let mut broken = value.clone();
    broken.replace_range(40..41, "0");
    failed(
        &with_proof_value(file, &broken),
        "proof.1",
        &[&rpc],
        "not base58btc",
    );
    failed(
        &with_proof_value(file, &value[..value.len() / 2]),
        "proof.1",
        &[&rpc],
        "CBOR",
    );

    // A wrong path: one sibling changed.
    let mut r = good.clone();
    match &mut r.path[0] {
        badgesafe_merkle::Step::Left(h) | badgesafe_merkle::Step::Right(h) => h[0] ^= 1,
    }
    failed(
        &with_proof_value(file, &r.encode().unwrap()),
        "proof.1",
        &[&rpc],
        "the Merkle path does not lead from the credential to the batch root",
    );

    // A transaction id of the wrong length (checked before any node is asked).
    let mut r = good.clone();
    r.anchors[0].tx = "0x8c1a1033".into();
    failed(
        &with_proof_value(file, &r.encode().unwrap()),
        "anchor.1",
        &[],
        "is not 0x and 64 hex digits",
    );

    // A chain no endpoint serves.
    let mut r = good.clone();
    r.anchors[0].chain = badgesafe_anchor::Chain::Ethereum(424_242);
    failed(
        &with_proof_value(file, &r.encode().unwrap()),
        "anchor.1",
        &[&rpc],
        "the Ethereum-compatible chain 424242",
    );

    // A node that accepts the connection and never answers: the timeout ends it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let conns: Vec<_> = silent.incoming().take(1).collect();
        std::thread::sleep(Duration::from_millis(1500));
        drop(conns);
    });
    let slow = HttpRpc::new(&url, Duration::from_millis(400)).unwrap();
    let started = std::time::Instant::now();
    failed(
        &std::fs::read(data(file)).unwrap(),
        "anchor.1",
        &[&slow],
        "timed out",
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
    held.join().unwrap();

    // A node that answers with an error object.
    let erring = Server::start();
    erring.serve(
        "/",
        "application/json",
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"header not found"}}"#,
    );
    let node = HttpRpc::new(&erring.url("/"), Duration::from_secs(2)).unwrap();
    failed(
        &std::fs::read(data(file)).unwrap(),
        "anchor.1",
        &[&node],
        "header not found",
    );
}

/// The upstream Blockcerts samples (MerkleProof2017, the legacy MerkleProof2019 type,
/// ChainedProof2021, DataIntegrityProof, Bitcoin and Ethereum anchors): their receipts check
/// out offline; their anchors are skipped, never passed, so none of them is verified.
#[test]
fn upstream_blockcerts_receipts_check_out_offline() {
    let cases = [
        ("ethereum-ropsten-valid-2.0.json", "1", "MerkleProof2017"),
        ("ethereum-sepolia-v3.json", "1", "MerkleProof2019"),
        ("mocknet-v3-valid.json", "2", "ChainedProof2021"),
        ("mocknet-valid-2.0.json", "1", "MerkleProof2017"),
        (
            "mocknet-vc-v2-data-integrity-proof.json",
            "1",
            "merkle-proof-2019",
        ),
        ("mocknet-vc-v2-validFrom-valid.json", "1", "MerkleProof2019"),
        ("testnet-v3-did.json", "1", "MerkleProof2019"),
    ];
    for (file, n, kind) in cases {
        let bytes = std::fs::read(data(&format!("blockcerts/upstream/{file}"))).unwrap();
        let r = offline(&bytes);
        let (o, d) = outcome(&r, &format!("proof.{n}"));
        assert_eq!(o, Outcome::Passed, "{file}: {d}");
        assert!(d.starts_with(kind), "{file}: {d}");
        assert_eq!(
            outcome(&r, &format!("anchor.{n}")).0,
            Outcome::Skipped,
            "{file}"
        );
        assert!(!r.verified, "{file}");
    }
    // Blockcerts 3.0-beta signed a form jsonld.js makes by silently dropping relative IRIs;
    // badgesafe refuses to hash a document that loses data, and says which values.
    let bytes = std::fs::read(data(
        "blockcerts/upstream/blockcerts-3.0-beta-did-ethereum-ropsten.json",
    ))
    .unwrap();
    let r = offline(&bytes);
    let (o, d) = outcome(&r, "proof.1");
    assert_eq!(o, Outcome::Failed);
    assert!(d.contains("relative IRI \"text/html\""), "{d}");
    assert!(d.len() < 600, "{d}");
}
