#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `badgesafe anchor` as a user runs it, against a real anvil and a real HTTP server that
//! publishes the issuer profile: a 1,000-badge batch, crashes, pending batches, the local log.

use badgesafe_testkit::{Anvil, DEV_ACCOUNT, DEV_KEY, DEV_KEY_1, Server, data};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const SEPOLIA: &str = "11155111";

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_badgesafe"));
    c.current_dir(dir)
        .env_remove("BADGESAFE_ETH_KEY")
        .env_remove("BADGESAFE_KEY_PASSWORD");
    c
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    bin(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn err(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An issuer whose profile `server` publishes, with `key` as its anchoring account.
fn issuer(dir: &Path, server: &Server, key: Option<&str>) {
    let url = server.url("/profile.json");
    ok(&run(
        dir,
        &[
            "issuer",
            "init",
            "--dir",
            "school",
            "--name",
            "Praktijkschool Noord",
            "--url",
            "https://noord.example",
            "--profile-url",
            &url,
        ],
        &[],
    ));
    if let Some(k) = key {
        ok(&account_from_env(dir, SEPOLIA, k));
    }
    publish(dir, server);
}

/// `badgesafe issuer eth-account --dir school --chain-id CHAIN --from-env` with `key`.
fn account_from_env(dir: &Path, chain: &str, key: &str) -> Output {
    run(
        dir,
        &[
            "issuer",
            "eth-account",
            "--dir",
            "school",
            "--chain-id",
            chain,
            "--from-env",
        ],
        &[("BADGESAFE_ETH_KEY", key)],
    )
}

fn publish(dir: &Path, server: &Server) {
    server.serve(
        "/profile.json",
        "application/json",
        std::fs::read(dir.join("school/profile.json")).unwrap(),
    );
}

/// `badgesafe issuer init --dir school --name School --url https://s.example` plus `extra`.
fn init_plain(dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "issuer",
        "init",
        "--dir",
        "school",
        "--name",
        "School",
        "--url",
        "https://s.example",
    ];
    args.extend_from_slice(extra);
    ok(&run(dir, &args, &[]));
}

/// Signs `n` credentials with the issuer in `dir/school` (in-process: 1,000 `badgesafe sign`
/// runs would only time process start-up).
fn sign_many(dir: &Path, n: usize) -> Vec<PathBuf> {
    let meta: Value =
        serde_json::from_slice(&std::fs::read(dir.join("school/issuer.json")).unwrap()).unwrap();
    let key: Value =
        serde_json::from_slice(&std::fs::read(dir.join("school/signing-key.json")).unwrap())
            .unwrap();
    let issuer = badgesafe_issue::Issuer {
        profile: meta["profile"].clone(),
        signer: badgesafe_crypto::Ed25519Signer::from_secret_multibase(
            key["secretKeyMultibase"].as_str().unwrap(),
        )
        .unwrap(),
        verification_method: meta["verificationMethod"].as_str().unwrap().to_owned(),
        rsa: None,
        rsa_kid: None,
    };
    std::fs::create_dir_all(dir.join("out")).unwrap();
    (0..n)
        .map(|i| {
            let cred = badgesafe_issue::sample_credential(
                &format!("student{i}@example.org"),
                &format!("{i:032x}"),
                None,
            );
            let signed = issuer
                .sign(&cred, badgesafe_issue::Format::Rdfc, chrono::Utc::now())
                .unwrap();
            let path = dir.join(format!("out/badge{i:04}.json"));
            std::fs::write(&path, signed.to_text().unwrap()).unwrap();
            path
        })
        .collect()
}

/// `badgesafe anchor --issuer school --ledger ethereum --rpc URL` plus `extra`, sent from the
/// dev account.
fn eth_anchor(dir: &Path, rpc: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "anchor", "--issuer", "school", "--ledger", "ethereum", "--rpc", rpc,
    ];
    args.extend_from_slice(extra);
    run(dir, &args, &[("BADGESAFE_ETH_KEY", DEV_KEY)])
}

/// `badgesafe anchor --issuer school FILE...` on the local log.
fn local_anchor(dir: &Path, files: &[&str]) -> Output {
    let mut args = vec!["anchor", "--issuer", "school"];
    args.extend_from_slice(files);
    run(dir, &args, &[])
}

fn strs(paths: &[PathBuf]) -> Vec<&str> {
    paths.iter().map(|p| p.to_str().unwrap()).collect()
}

fn nonce(anvil: &Anvil, account: &str) -> u64 {
    let v = anvil.rpc("eth_getTransactionCount", json!([account, "latest"]));
    badgesafe_anchor::eth::quantity(&v, "nonce").unwrap()
}

fn verify_json(dir: &Path, files: &[&str], extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(files);
    let o = run(dir, &args, &[]);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    match v {
        Value::Array(items) => items,
        one => vec![one],
    }
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

fn anchor_proof(path: &Path) -> Value {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc["proof"][0].clone()
}

#[test]
fn a_thousand_badges_go_in_one_transaction_and_every_one_verifies() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(11_155_111);
    let server = Server::start();
    issuer(dir, &server, Some(DEV_KEY));
    let files = sign_many(dir, 1000);
    // Two of them travel as baked badges.
    let png = dir.join("out/badge-baked.png");
    ok(&run(
        dir,
        &[
            "bake",
            "--image",
            data("samples/1edtech-validator/ob20/assets/robotics-badge.png")
                .to_str()
                .unwrap(),
            "--credential",
            files[998].to_str().unwrap(),
            "-o",
            png.to_str().unwrap(),
        ],
        &[],
    ));
    let svg = dir.join("out/badge-baked.svg");
    ok(&run(
        dir,
        &[
            "bake",
            "--image",
            data("samples/1edtech-validator/ob30/simple-json.svg")
                .to_str()
                .unwrap(),
            "--credential",
            files[999].to_str().unwrap(),
            "-o",
            svg.to_str().unwrap(),
        ],
        &[],
    ));
    let mut batch: Vec<PathBuf> = files[..998].to_vec();
    batch.push(png.clone());
    batch.push(svg.clone());

    let log = ok(&eth_anchor(dir, &anvil.url, &strs(&batch)));
    assert!(
        log.contains("of 1000 credentials on the ethereum ledger"),
        "{log}"
    );
    assert!(
        log.contains("wrote the anchor proof into 1000 credentials"),
        "{log}"
    );
    assert_eq!(
        nonce(&anvil, DEV_ACCOUNT),
        1,
        "one transaction for the whole batch"
    );

    // Every proof names the same root; paths are at most ceil(log2(1000)) = 10 steps.
    let mut roots = std::collections::HashSet::new();
    for f in &files[..998] {
        let p = anchor_proof(f);
        assert_eq!(p["cryptosuite"], "merkle-proof-2019");
        let r = badgesafe_anchor::Receipt::decode(p["proofValue"].as_str().unwrap()).unwrap();
        assert!(r.path.len() <= 10);
        roots.insert(r.merkle_root);
    }
    assert_eq!(roots.len(), 1);

    let reports = verify_json(dir, &strs(&batch), &["--rpc", &anvil.url]);
    assert_eq!(reports.len(), 1000);
    for r in &reports {
        assert_eq!(r["verified"], true, "{r}");
        assert_eq!(check(r, "anchor.1")["outcome"], "passed");
        assert!(
            check(r, "anchor.1")["detail"]
                .as_str()
                .unwrap()
                .contains("anchored on Ethereum sepolia (chain 11155111) at ")
        );
        assert_eq!(check(r, "anchor.1.issuer")["outcome"], "passed");
    }

    // A tampered badge fails its anchor check.
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&files[5]).unwrap()).unwrap();
    doc["credentialSubject"]["achievement"]["name"] = "Forged".into();
    let forged = dir.join("forged.json");
    std::fs::write(&forged, serde_json::to_vec(&doc).unwrap()).unwrap();
    let r = &verify_json(dir, &[forged.to_str().unwrap()], &["--rpc", &anvil.url])[0];
    assert_eq!(r["verified"], false);
    assert_eq!(check(r, "proof.1")["outcome"], "failed");
    assert!(
        check(r, "proof.1")["detail"]
            .as_str()
            .unwrap()
            .contains("changed after it was anchored")
    );

    // Offline, the anchor is skipped, never passed; with no endpoint it fails with the reason.
    let r = &verify_json(dir, &[files[0].to_str().unwrap()], &["--offline"])[0];
    assert_eq!(check(r, "anchor.1")["outcome"], "skipped");
    let r = &verify_json(dir, &[files[0].to_str().unwrap()], &[])[0];
    assert_eq!(check(r, "anchor.1")["outcome"], "failed");
    assert!(
        check(r, "anchor.1")["detail"]
            .as_str()
            .unwrap()
            .contains("--rpc URL")
    );

    // The same files again: refused, nothing sent.
    let e = err(&eth_anchor(dir, &anvil.url, &[files[0].to_str().unwrap()]));
    assert!(e.contains("already carries an anchor proof"), "{e}");
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
}

#[test]
fn a_killed_anchor_run_is_finished_by_the_next_one_with_the_same_transaction() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(11_155_111);
    let server = Server::start();
    issuer(dir, &server, Some(DEV_KEY));
    let files = sign_many(dir, 20);
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut args = vec![
        "anchor",
        "--issuer",
        "school",
        "--ledger",
        "ethereum",
        "--rpc",
        &anvil.url,
        "--confirmations",
        "3",
        "--wait",
        "120",
    ];
    args.extend(strs(&files));
    let mut child = bin(dir)
        .args(&args)
        .env("BADGESAFE_ETH_KEY", DEV_KEY)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The transaction is mined; the run waits for two more blocks. Kill it there.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while nonce(&anvil, DEV_ACCOUNT) == 0 {
        assert!(std::time::Instant::now() < deadline, "never sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for (f, b) in files.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(f).unwrap(),
            b,
            "no proof written before the confirmations"
        );
    }
    anvil.mine(2);
    // The next run, with no files, finishes the batch from its record: no new transaction.
    let log = ok(&eth_anchor(dir, &anvil.url, &["--confirmations", "3"]));
    assert!(log.contains("Finishing batch"), "{log}");
    assert!(log.contains("resuming"), "{log}");
    assert!(
        log.contains("wrote the anchor proof into 20 credentials"),
        "{log}"
    );
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1, "anchored once");
    for r in verify_json(
        dir,
        &strs(&files),
        &["--rpc", &anvil.url, "--confirmations", "3"],
    ) {
        assert_eq!(r["verified"], true, "{r}");
    }
    // The finished record keeps the leaves and the transaction, not the file names.
    let records: Vec<PathBuf> = std::fs::read_dir(dir.join("school/batches"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(records.len(), 1);
    let rec: Value = serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    assert_eq!(rec["done"], true);
    assert!(rec.get("targets").is_none());
    assert_eq!(rec["leaves"].as_array().unwrap().len(), 20);
}

#[test]
fn an_unconfirmed_batch_is_reported_pending_and_finished_later() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(11_155_111);
    let server = Server::start();
    issuer(dir, &server, Some(DEV_KEY));
    let files = sign_many(dir, 3);
    let mut args = vec!["--confirmations", "2", "--wait", "1"];
    args.extend(strs(&files));
    let o = eth_anchor(dir, &anvil.url, &args);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("pending: transaction 0x") && e.contains("has 1 of the 2 confirmations"),
        "{e}"
    );
    // No proof is written while pending.
    assert!(anchor_proof(&files[0])["cryptosuite"] != "merkle-proof-2019");
    anvil.mine(1);
    let log = ok(&eth_anchor(dir, &anvil.url, &["--confirmations", "2"]));
    assert!(log.contains("2 confirmations"), "{log}");
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 1);
    for r in verify_json(
        dir,
        &strs(&files),
        &["--rpc", &anvil.url, "--confirmations", "2"],
    ) {
        assert_eq!(r["verified"], true, "{r}");
    }
    // A verifier that wants more confirmations than there are reports the anchor as pending.
    let r = &verify_json(
        dir,
        &[files[0].to_str().unwrap()],
        &["--rpc", &anvil.url, "--confirmations", "9"],
    )[0];
    assert_eq!(check(r, "anchor.1")["outcome"], "failed");
    assert!(
        check(r, "anchor.1")["detail"]
            .as_str()
            .unwrap()
            .starts_with("pending")
    );
}

#[test]
fn the_local_log_is_the_default_and_says_what_it_is() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    // A did:key issuer: its log key resolves offline.
    init_plain(dir, &[]);
    let files = sign_many(dir, 4);
    let log = ok(&local_anchor(dir, &strs(&files[..2])));
    assert!(log.contains("on the local ledger"), "{log}");
    assert!(
        log.contains("issuer's own anchor log (not a public blockchain)"),
        "{log}"
    );
    ok(&local_anchor(dir, &strs(&files[2..3])));
    let text = std::fs::read_to_string(dir.join("school/anchor-log.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 2, "one signed line per batch");
    for r in verify_json(dir, &strs(&files[..3]), &["--offline"]) {
        assert_eq!(r["verified"], true, "{r}");
        let d = check(&r, "anchor.1")["detail"].as_str().unwrap().to_owned();
        assert!(
            d.contains("issuer's own anchor log (not a public blockchain)"),
            "{d}"
        );
    }

    // Refusals, each naming the problem.
    let twice = [files[3].to_str().unwrap(); 2];
    let e = err(&local_anchor(dir, &twice));
    assert!(e.contains("is given twice"), "{e}");
    let e = err(&local_anchor(dir, &["missing.json"]));
    assert!(e.contains("missing.json"), "{e}");
    std::fs::write(dir.join("jwt.txt"), "eyJhbGciOiJFZERTQSJ9.e30.c2ln").unwrap();
    let e = err(&local_anchor(dir, &["jwt.txt"]));
    assert!(e.contains("is a VC-JWT"), "{e}");
    // Every problem is named at once, and nothing is anchored.
    let e = err(&local_anchor(
        dir,
        &["jwt.txt", "missing.json", files[3].to_str().unwrap()],
    ));
    assert!(e.contains("2 of the 3 files cannot be anchored"), "{e}");
    assert!(
        e.contains("is a VC-JWT") && e.contains("missing.json"),
        "{e}"
    );
    let foreign = data("interop/lite-lang-rdfc.json");
    let e = err(&local_anchor(dir, &[foreign.to_str().unwrap()]));
    assert!(e.contains("not by this issuer"), "{e}");
    let e = err(&eth_anchor(
        dir,
        "http://127.0.0.1:1",
        &[files[3].to_str().unwrap()],
    ));
    assert!(
        e.contains("no anchoring account yet") && e.contains("issuer eth-account"),
        "{e}"
    );
    // Nothing was anchored by the refused runs.
    assert_eq!(
        std::fs::read_to_string(dir.join("school/anchor-log.jsonl")).unwrap(),
        text
    );
}

#[test]
fn the_anchoring_key_must_be_the_published_one() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(11_155_111);
    let server = Server::start();
    issuer(dir, &server, Some(DEV_KEY));
    let files = sign_many(dir, 1);
    let base = ["anchor", "--issuer", "school", "--ledger", "ethereum"];
    let mut args = base.to_vec();
    args.push(files[0].to_str().unwrap());
    let e = err(&run(dir, &args, &[("BADGESAFE_ETH_KEY", DEV_KEY)]));
    assert!(e.contains("needs --rpc URL"), "{e}");
    let mut args = base.to_vec();
    args.extend(["--rpc", &anvil.url, files[0].to_str().unwrap()]);
    let e = err(&run(dir, &args, &[("BADGESAFE_ETH_KEY", DEV_KEY_1)]));
    assert!(e.contains("verifiers would reject the anchor"), "{e}");
    let e = err(&run(dir, &args, &[]));
    assert!(
        e.contains("no Ethereum key") && e.contains("BADGESAFE_ETH_KEY"),
        "{e}"
    );
    let e = err(&run(dir, &args, &[("BADGESAFE_ETH_KEY", "0x1234")]));
    assert!(e.contains("2 bytes"), "{e}");
    assert_eq!(nonce(&anvil, DEV_ACCOUNT), 0);

    // An issuer with its own encrypted key file: wrong password, then the right one.
    let t2 = tempfile::tempdir().unwrap();
    let dir2 = t2.path();
    let server2 = Server::start();
    issuer(dir2, &server2, None);
    let e = err(&run(
        dir2,
        &[
            "issuer",
            "eth-account",
            "--dir",
            "school",
            "--chain-id",
            SEPOLIA,
        ],
        &[],
    ));
    assert!(e.contains("BADGESAFE_KEY_PASSWORD"), "{e}");
    let out = run(
        dir2,
        &[
            "issuer",
            "eth-account",
            "--dir",
            "school",
            "--chain-id",
            SEPOLIA,
        ],
        &[("BADGESAFE_KEY_PASSWORD", "pw-one")],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let account = stdout
        .split_whitespace()
        .find(|w| w.starts_with("0x"))
        .unwrap()
        .to_owned();
    publish(dir2, &server2);
    let profile: Value =
        serde_json::from_slice(&std::fs::read(dir2.join("school/profile.json")).unwrap()).unwrap();
    assert_eq!(
        profile["publicKey"][0]["id"],
        format!("ecdsa-koblitz-pubkey:{account}")
    );
    // Fund the new account from a dev account.
    anvil.rpc("anvil_setBalance", json!([account, "0xde0b6b3a7640000"]));
    let files2 = sign_many(dir2, 2);
    let mut args = vec![
        "anchor", "--issuer", "school", "--ledger", "ethereum", "--rpc", &anvil.url,
    ];
    args.extend(strs(&files2));
    let e = err(&run(dir2, &args, &[("BADGESAFE_KEY_PASSWORD", "wrong")]));
    assert!(e.contains("wrong password"), "{e}");
    ok(&run(dir2, &args, &[("BADGESAFE_KEY_PASSWORD", "pw-one")]));
    for r in verify_json(dir2, &strs(&files2), &["--rpc", &anvil.url]) {
        assert_eq!(r["verified"], true, "{r}");
    }
}

/// A did:key issuer publishes nothing; the profile its signature covers names the account
/// (`otherIdentifier` eip155:CHAIN:0x…). Credentials signed before the account was added do not.
#[test]
fn a_did_key_issuer_names_its_account_in_the_signed_profile() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(11_155_111);
    init_plain(dir, &[]);
    let early = sign_many(dir, 1);
    let early_copy = dir.join("early.json");
    std::fs::copy(&early[0], &early_copy).unwrap();
    ok(&account_from_env(dir, SEPOLIA, DEV_KEY));
    assert!(!dir.join("school/profile.json").exists() && !dir.join("school/did.json").exists());
    let files = sign_many(dir, 3);
    let doc: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(
        doc["issuer"]["otherIdentifier"][0]["identifier"],
        format!("eip155:11155111:{DEV_ACCOUNT}")
    );
    let mut batch = strs(&files);
    batch.push(early_copy.to_str().unwrap());
    ok(&eth_anchor(dir, &anvil.url, &batch));
    for r in verify_json(dir, &strs(&files), &["--rpc", &anvil.url]) {
        assert_eq!(r["verified"], true, "{r}");
        let d = check(&r, "anchor.1.issuer")["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(d.contains("names in its signed profile"), "{d}");
    }
    let r = &verify_json(dir, &[early_copy.to_str().unwrap()], &["--rpc", &anvil.url])[0];
    assert_eq!(r["verified"], false);
    assert_eq!(check(r, "anchor.1.issuer")["outcome"], "failed");
    assert!(
        check(r, "anchor.1.issuer")["detail"]
            .as_str()
            .unwrap()
            .contains("does not name as its anchoring account")
    );
}

#[test]
fn a_did_web_issuer_publishes_its_account_in_did_json() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    init_plain(dir, &["--did-web", "s.example"]);
    ok(&account_from_env(dir, "1", DEV_KEY));
    let did: Value =
        serde_json::from_slice(&std::fs::read(dir.join("school/did.json")).unwrap()).unwrap();
    let vm = did["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "did:web:s.example#anchor-1")
        .unwrap();
    assert_eq!(vm["blockchainAccountId"], format!("eip155:1:{DEV_ACCOUNT}"));
    assert_eq!(
        badgesafe_anchor::address_from_jwk(&vm["publicKeyJwk"]).unwrap(),
        DEV_ACCOUNT
    );
    assert!(
        did["assertionMethod"]
            .as_array()
            .unwrap()
            .contains(&json!("did:web:s.example#anchor-1"))
    );
    // The Ed25519 signing key is still there, first.
    assert_eq!(
        did["verificationMethod"][0]["id"],
        "did:web:s.example#key-1"
    );
    let e = err(&account_from_env(dir, "0", DEV_KEY));
    assert!(e.contains("--chain-id"), "{e}");
}

#[test]
fn a_chain_without_a_blockcerts_name_is_anchored_with_a_note() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = Anvil::start(31_337);
    let server = Server::start();
    let url = server.url("/profile.json");
    init_plain(dir, &["--profile-url", &url]);
    ok(&account_from_env(dir, "31337", DEV_KEY));
    publish(dir, &server);
    let files = sign_many(dir, 2);
    let log = ok(&eth_anchor(dir, &anvil.url, &strs(&files)));
    assert!(log.contains("has no Blockcerts network name"), "{log}");
    let r =
        badgesafe_anchor::Receipt::decode(anchor_proof(&files[0])["proofValue"].as_str().unwrap())
            .unwrap();
    assert!(r.anchors[0].blink().starts_with("blink:eth:31337:0x"));
    for r in verify_json(dir, &strs(&files), &["--rpc", &anvil.url]) {
        assert_eq!(r["verified"], true, "{r}");
    }
    // The issuer publishes its account for chain 31337: a node of another chain is refused.
    let sepolia = Anvil::start(11_155_111);
    let more = sign_many(dir, 1);
    let e = err(&eth_anchor(dir, &sepolia.url, &strs(&more)));
    assert!(
        e.contains("publishes its anchoring account for chain 31337"),
        "{e}"
    );
}
