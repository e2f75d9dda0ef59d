//! The ledgers against a real anvil and real files: anchoring, crashes between steps, a node
//! that dies and comes back empty, pending confirmations, fee caps and the local log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use badgesafe_anchor::eth;
use badgesafe_crypto::Ed25519Signer;
use badgesafe_fetch::HttpRpc;
use badgesafe_ledger::batch::Batches;
use badgesafe_ledger::ethereum::{Config, EthKey, EthLedger, GWEI};
use badgesafe_ledger::local::LocalLog;
use badgesafe_ledger::{Error, Event, Ledger, Step};
use badgesafe_merkle::Hash;
use badgesafe_testkit::{Anvil, DEV_ACCOUNT, DEV_KEY, DEV_KEY_1};
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

const SEPOLIA: u64 = 11_155_111;

fn rpc(anvil: &Anvil) -> HttpRpc {
    HttpRpc::new(&anvil.url, Duration::from_secs(5))
        .unwrap()
        .without_cache()
}

fn cfg() -> Config {
    Config {
        wait: Duration::from_secs(20),
        poll: Duration::from_millis(100),
        ..Config::default()
    }
}

fn root(n: u8) -> Hash {
    [n; 32]
}

/// Mined transactions of `account` (its nonce).
fn nonce(anvil: &Anvil, account: &str) -> u64 {
    eth::quantity(
        &anvil.rpc("eth_getTransactionCount", json!([account, "latest"])),
        "nonce",
    )
    .unwrap()
}

fn no_events(_: Event) {}

#[test]
fn a_root_is_anchored_in_one_transaction_saved_before_it_is_sent() {
    let anvil = Anvil::start(SEPOLIA);
    let rpc = rpc(&anvil);
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    assert_eq!(key.address(), DEV_ACCOUNT);
    let ledger = EthLedger::new(&rpc, &key, cfg());
    let saved = Mutex::new(Vec::new());
    let a = ledger
        .anchor(
            &root(7),
            None,
            &mut |s: &Step| {
                // Saved before the broadcast: the node does not know the transaction yet.
                let Step::Ethereum { sent, .. } = s;
                let hash = &sent.last().unwrap().hash;
                assert!(
                    anvil
                        .rpc("eth_getTransactionByHash", json!([hash]))
                        .is_null()
                );
                saved.lock().unwrap().push(s.clone());
                Ok(())
            },
            &no_events,
        )
        .unwrap();
    assert_eq!(a.ledger, "ethereum");
    assert_eq!(a.chain_id, SEPOLIA);
    assert_eq!(a.position, 1);
    assert!(
        a.summary.contains("Ethereum sepolia (chain 11155111)"),
        "{}",
        a.summary
    );
    let saved = saved.into_inner().unwrap();
    assert_eq!(saved.len(), 1);
    let Step::Ethereum {
        sent,
        from,
        chain_id,
    } = &saved[0];
    assert_eq!((from.as_str(), *chain_id), (DEV_ACCOUNT, SEPOLIA));
    assert_eq!(sent[0].hash, a.tx);
    // On chain: to the burn address, exactly the root as data, from the key's account.
    let facts = eth::lookup(&rpc, &a.tx, &root(7)).unwrap().unwrap();
    assert_eq!(facts.from, DEV_ACCOUNT);
    assert_eq!(facts.block, Some(1));
    let tx = anvil.rpc("eth_getTransactionByHash", json!([a.tx]));
    assert_eq!(tx["type"], "0x2", "an EIP-1559 transaction");
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
}

#[test]
fn a_crash_after_saving_resends_the_same_transaction_once() {
    let anvil = Anvil::start(SEPOLIA);
    let rpc = rpc(&anvil);
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    let ledger = EthLedger::new(&rpc, &key, cfg());
    // The process "dies" right after the step is saved: the save fails, nothing is sent.
    let mut saved = None;
    let err = ledger
        .anchor(
            &root(1),
            None,
            &mut |s: &Step| {
                saved = Some(s.clone());
                Err(Error::Batch("power cut".into()))
            },
            &no_events,
        )
        .unwrap_err();
    assert!(err.to_string().contains("power cut"));
    let saved = saved.unwrap();
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 0, "nothing was broadcast");
    // The next run finds the saved transaction unknown, its nonce free: same bytes again.
    let events = Mutex::new(Vec::new());
    let a = ledger
        .anchor(
            &root(1),
            Some(&saved),
            &mut |_: &Step| panic!("nothing new may be signed"),
            &|e| events.lock().unwrap().push(e),
        )
        .unwrap();
    let Step::Ethereum { sent, .. } = &saved;
    assert_eq!(a.tx, sent[0].hash);
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::Rebroadcast { tx } if *tx == a.tx))
    );
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
    // And a third run (the batch record was lost after anchoring) sends nothing new.
    let again = ledger
        .anchor(
            &root(1),
            Some(&saved),
            &mut |_: &Step| panic!("nothing new may be signed"),
            &no_events,
        )
        .unwrap();
    assert_eq!(again.tx, a.tx);
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
}

#[test]
fn an_unconfirmed_root_is_pending_until_enough_blocks() {
    let anvil = Anvil::start(SEPOLIA);
    let rpc = rpc(&anvil);
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    let ledger = EthLedger::new(
        &rpc,
        &key,
        Config {
            confirmations: 3,
            wait: Duration::from_millis(600),
            ..cfg()
        },
    );
    let mut saved = None;
    let err = ledger
        .anchor(
            &root(2),
            None,
            &mut |s: &Step| {
                saved = Some(s.clone());
                Ok(())
            },
            &no_events,
        )
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Pending { .. }), "{msg}");
    assert!(msg.contains("has 1 of the 3 confirmations needed"), "{msg}");
    assert!(msg.contains("run the same command again"), "{msg}");
    anvil.mine(2);
    let a = ledger
        .anchor(
            &root(2),
            saved.as_ref(),
            &mut |_: &Step| panic!("nothing new may be signed"),
            &no_events,
        )
        .unwrap();
    assert!(a.summary.contains("3 confirmations"), "{}", a.summary);
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
}

#[test]
fn a_node_killed_while_waiting_and_restarted_empty_gets_the_same_transaction_once() {
    let mut anvil = Anvil::start(SEPOLIA);
    let url = anvil.url.clone();
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    let saved = Mutex::new(None);
    let events = Mutex::new(Vec::new());
    let result = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let rpc = HttpRpc::new(&url, Duration::from_secs(2))
                .unwrap()
                .without_cache();
            let ledger = EthLedger::new(
                &rpc,
                &key,
                Config {
                    confirmations: 3,
                    wait: Duration::from_secs(60),
                    ..cfg()
                },
            );
            ledger.anchor(
                &root(3),
                None,
                &mut |st: &Step| {
                    *saved.lock().unwrap() = Some(st.clone());
                    Ok(())
                },
                &|e| events.lock().unwrap().push(e),
            )
        });
        // Mined (block 1), waiting for 2 more blocks: kill the node, bring it back with no state.
        while nonce(&anvil, DEV_ACCOUNT) == 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        anvil.kill();
        std::thread::sleep(Duration::from_millis(800));
        anvil.restart(&[]);
        // The ledger sends the very same transaction again; then the blocks come.
        while nonce(&anvil, DEV_ACCOUNT) == 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
        anvil.mine(2);
        worker.join().unwrap()
    });
    let a = result.unwrap();
    let Some(Step::Ethereum { sent, .. }) = saved.into_inner().unwrap() else {
        panic!("nothing saved")
    };
    assert_eq!(sent.len(), 1, "signed once");
    assert_eq!(a.tx, sent[0].hash);
    assert_eq!(
        nonce(&anvil, DEV_ACCOUNT),
        1,
        "anchored once on the new chain"
    );
    let events = events.into_inner().unwrap();
    assert!(
        events.iter().any(|e| matches!(e, Event::Retrying { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Rebroadcast { .. })),
        "{events:?}"
    );
    assert!(
        eth::lookup(&rpc(&anvil), &a.tx, &root(3))
            .unwrap()
            .unwrap()
            .confirmations
            >= 3
    );
}

#[test]
fn fees_above_the_cap_wrong_chains_and_foreign_steps_are_refused() {
    let anvil = Anvil::start(SEPOLIA);
    let rpc = rpc(&anvil);
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    // Anvil starts with a base fee of 1 gwei.
    let cheap = EthLedger::new(
        &rpc,
        &key,
        Config {
            max_fee_per_gas: GWEI / 2,
            ..cfg()
        },
    );
    let e = cheap
        .anchor(&root(4), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("above the cap of 0.5 gwei"), "{e}");
    assert!(e.contains("--max-fee-gwei"), "{e}");
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 0);

    let elsewhere = EthLedger::new(
        &rpc,
        &key,
        Config {
            chain_id: Some(1),
            ..cfg()
        },
    );
    let e = elsewhere
        .anchor(&root(4), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "serves chain 11155111, but the issuer publishes its anchoring account for chain 1"
        ),
        "{e}"
    );

    // A step saved with another key, or for another chain.
    let other = EthKey::from_hex(DEV_KEY_1).unwrap();
    let step = Step::Ethereum {
        chain_id: SEPOLIA,
        from: other.address(),
        sent: vec![],
    };
    let e = EthLedger::new(&rpc, &key, cfg())
        .anchor(&root(4), Some(&step), &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("signed by 0x70997970"), "{e}");
    let step = Step::Ethereum {
        chain_id: 5,
        from: key.address(),
        sent: vec![],
    };
    let e = EthLedger::new(&rpc, &key, cfg())
        .anchor(&root(4), Some(&step), &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("signed for chain 5"), "{e}");

    // An account with nothing to pay with.
    let poor = EthKey::from_hex(&format!("0x{}", "11".repeat(32))).unwrap();
    let e = EthLedger::new(&rpc, &poor, cfg())
        .anchor(&root(4), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds 0 wei"), "{e}");
}

#[test]
fn an_unreachable_node_fails_with_the_reason_before_anything_is_signed() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let rpc = HttpRpc::new(&closed, Duration::from_secs(1))
        .unwrap()
        .without_cache();
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    let e = EthLedger::new(&rpc, &key, cfg())
        .anchor(&root(5), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&closed) && e.contains("Connection refused"),
        "{e}"
    );
}

#[test]
fn keys_come_from_keystores_and_hex_with_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("anchor-key.json");
    let made = EthKey::create_keystore(&path, b"correct horse").unwrap();
    let again = EthKey::from_keystore(&path, b"correct horse").unwrap();
    assert_eq!(made.address(), again.address());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let e = EthKey::from_keystore(&path, b"wrong")
        .unwrap_err()
        .to_string();
    assert!(e.contains("wrong password"), "{e}");
    let e = EthKey::create_keystore(&path, b"x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("refusing to overwrite"), "{e}");
    assert!(
        EthKey::from_hex("0x1234")
            .unwrap_err()
            .to_string()
            .contains("2 bytes")
    );
    assert!(
        EthKey::from_hex("nothex")
            .unwrap_err()
            .to_string()
            .contains("not hex")
    );
    let zero = format!("0x{}", "00".repeat(32));
    assert!(
        EthKey::from_hex(&zero)
            .unwrap_err()
            .to_string()
            .contains("not a valid secp256k1 key")
    );
    // The JWK gives the account, as Blockcerts verifiers derive it.
    let key = EthKey::from_hex(DEV_KEY).unwrap();
    assert_eq!(
        badgesafe_anchor::address_from_jwk(&key.public_jwk()).unwrap(),
        DEV_ACCOUNT
    );
}

#[test]
fn the_local_log_appends_signed_chained_entries_once_per_root() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("anchor-log.jsonl");
    let signer = Ed25519Signer::from_seed(&[9; 32]);
    let log = LocalLog::new(
        &path,
        "did:example:school",
        "did:example:school#key-1",
        &signer,
    );
    let a = log
        .anchor(&root(1), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap();
    let b = log
        .anchor(&root(2), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap();
    assert_eq!((a.position, b.position), (1, 2));
    assert!(a.summary.contains("not a public blockchain"));
    // The same root again: the same entry, nothing appended.
    let again = log
        .anchor(&root(1), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap();
    assert_eq!(again, a);
    let entries = log.entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].prev, entries[0].hash());
    assert_eq!(a.anchor().chain, badgesafe_anchor::Chain::Mocknet);

    // A changed log is never extended.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"seq\":1", "\"seq\":7", 1)).unwrap();
    let e = log
        .anchor(&root(3), None, &mut |_: &Step| Ok(()), &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not extended until it is repaired"), "{e}");
    std::fs::write(&path, &text).unwrap();
    // Another issuer's key cannot extend it either.
    let other = Ed25519Signer::from_seed(&[8; 32]);
    let e = LocalLog::new(
        &path,
        "did:example:school",
        "did:example:school#key-1",
        &other,
    )
    .anchor(&root(3), None, &mut |_: &Step| Ok(()), &no_events)
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not match the issuer's key"), "{e}");
    let e = LocalLog::new(
        &path,
        "did:example:other",
        "did:example:other#key-1",
        &signer,
    )
    .anchor(&root(3), None, &mut |_: &Step| Ok(()), &no_events)
    .unwrap_err()
    .to_string();
    assert!(e.contains("belongs to did:example:school"), "{e}");
}

#[test]
fn batch_records_survive_and_refuse_double_anchoring() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("batches");
    let signer = Ed25519Signer::from_seed(&[9; 32]);
    let log = LocalLog::new(
        &t.path().join("log"),
        "did:example:s",
        "did:example:s#k",
        &signer,
    );
    let leaves: Vec<Hash> = (0..5).map(root).collect();
    let targets: Vec<String> = (0..5).map(|i| format!("/x/{i}.json")).collect();
    let root_hex;
    {
        let batches = Batches::open(&dir).unwrap();
        // One process at a time.
        let e = Batches::open(&dir).unwrap_err().to_string();
        assert!(
            e.contains("another badgesafe process holds this lock"),
            "{e}"
        );
        let rec = batches.create("local", &leaves, targets.clone()).unwrap();
        root_hex = rec.root.clone();
        assert_eq!(batches.unfinished().unwrap().len(), 1);
        // Created again before it is done: the same record comes back.
        assert_eq!(
            batches.create("local", &leaves, targets.clone()).unwrap(),
            rec
        );
    }
    let batches = Batches::open(&dir).unwrap();
    let mut rec = batches.unfinished().unwrap().remove(0);
    let e = batches
        .anchor(&mut rec.clone(), &EthLedgerName, &no_events)
        .unwrap_err()
        .to_string();
    assert!(e.contains("finish it with --ledger local"), "{e}");
    let a = batches.anchor(&mut rec, &log, &no_events).unwrap();
    let receipts = rec.receipts().unwrap();
    assert_eq!(receipts.len(), 5);
    for (i, r) in receipts.iter().enumerate() {
        assert_eq!(r.target_hash, leaves[i]);
        assert_eq!(
            badgesafe_merkle::root_from(&r.target_hash, &r.path),
            r.merkle_root
        );
        assert_eq!(r.anchors[0], a.anchor());
    }
    batches.finish(&mut rec).unwrap();
    let stored = batches.get(&root_hex).unwrap().unwrap();
    assert!(
        stored.done && stored.targets.is_empty(),
        "file names are dropped"
    );
    assert!(batches.unfinished().unwrap().is_empty());
    let e = batches
        .create("local", &leaves, targets)
        .unwrap_err()
        .to_string();
    assert!(e.contains("anchored already"), "{e}");

    // A damaged record is named, not used.
    std::fs::write(
        dir.join(format!("{root_hex}.json")),
        std::fs::read_to_string(dir.join(format!("{root_hex}.json")))
            .unwrap()
            .replacen(&hex::encode(root(0)), &hex::encode(root(9)), 1),
    )
    .unwrap();
    let e = batches
        .get(&root_hex)
        .unwrap()
        .unwrap()
        .receipts()
        .unwrap_err()
        .to_string();
    assert!(e.contains("its leaves do not give its root"), "{e}");
    std::fs::write(dir.join(format!("{root_hex}.json")), "{not json").unwrap();
    let e = batches.unfinished().unwrap_err().to_string();
    assert!(e.contains("is not a batch record"), "{e}");
}

/// A ledger that is not the local one, to check a batch stays on its ledger.
struct EthLedgerName;

impl Ledger for EthLedgerName {
    fn name(&self) -> &'static str {
        "ethereum"
    }
    fn anchor(
        &self,
        _: &Hash,
        _: Option<&Step>,
        _: &mut badgesafe_ledger::Save<'_>,
        _: &dyn Fn(Event),
    ) -> Result<badgesafe_ledger::Anchored, Error> {
        unreachable!()
    }
}
