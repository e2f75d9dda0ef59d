#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Cross-implementation checks against Digital Bazaar's `@digitalbazaar/vc` with
//! `@digitalbazaar/eddsa-rdfc-2022-cryptosuite` (Node.js), installed into `interop/` by the test
//! command (`scripts/test`). These tests fail, not skip, when that install is missing.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    assert!(
        dir.join("node_modules/@digitalbazaar/vc").exists(),
        "interop/node_modules is missing: run the test command (scripts/test), which runs `npm ci` there"
    );
    dir
}

fn badgesafe(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_badgesafe"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn node(script: &str, args: &[&str]) -> std::process::Output {
    Command::new("node")
        .arg(interop_dir().join(script))
        .args(args)
        .output()
        .expect("node is installed")
}

#[test]
fn digital_bazaar_verifies_what_badgesafe_signs_and_rejects_tampering() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let o = badgesafe(dir, &["demo", "--dir", "demo"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let signed = dir.join("demo/badge.json");
    let o = node("verify.mjs", &[signed.to_str().unwrap()]);
    let out: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(out["verified"], true, "{out}");

    // The language-tag golden file: badgesafe and Digital Bazaar both accept its canonical form.
    let lang = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/interop/lite-lang-rdfc.json");
    let o = node("verify.mjs", &[lang.to_str().unwrap()]);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["verified"], true, "{out}");

    let mut cred: Value = serde_json::from_slice(&std::fs::read(&signed).unwrap()).unwrap();
    cred["name"] = "Forged badge".into();
    std::fs::write(dir.join("forged.json"), serde_json::to_vec(&cred).unwrap()).unwrap();
    let o = node("verify.mjs", &[dir.join("forged.json").to_str().unwrap()]);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["verified"], false, "{out}");
    assert!(!o.status.success());
}

#[test]
fn badgesafe_verifies_what_digital_bazaar_signs() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let out = dir.join("db-signed.json");
    // The public W3C test-vector key (never used outside tests).
    let o = node(
        "sign.mjs",
        &[
            "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
            "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = badgesafe(
        dir,
        &["verify", "--offline", "--json", out.to_str().unwrap()],
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["verified"], true, "{report:#}");
    assert!(o.status.success());
    // And a change to what Digital Bazaar signed is caught.
    let mut cred: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    cred["credentialSubject"]["id"] = "did:example:someone-else".into();
    std::fs::write(dir.join("changed.json"), serde_json::to_vec(&cred).unwrap()).unwrap();
    let o = badgesafe(dir, &["verify", "--offline", "changed.json"]);
    assert_eq!(o.status.code(), Some(1));
}

/// cert-verifier-js's verdict on a file: (status, message).
fn cert_verifier_js(file: &Path, profile: &Path, rpc: Option<&str>) -> (String, String) {
    let serve = format!("https://school.example/profile.json={}", profile.display());
    let mut args = vec!["--serve", serve.as_str()];
    if let Some(r) = rpc {
        args.extend(["--rpc", r]);
    }
    let f = file.to_str().unwrap();
    args.push(f);
    let o = node("cvjs-verify.mjs", &args);
    let out: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    (
        out["status"].as_str().unwrap_or_default().to_owned(),
        out["message"].to_string(),
    )
}

/// The Blockcerts reference verifier (`@blockcerts/cert-verifier-js` 6.35) checks badgesafe's
/// anchors: the leaf hash, the path, the root in an Ethereum transaction on anvil (chain id
/// 11155111, so the blink is `eth:sepolia`), the sender against the issuer profile's
/// `ecdsa-koblitz-pubkey`, and the eddsa-rdfc-2022 signature next to it.
#[test]
fn blockcerts_verifies_what_badgesafe_anchors() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let anvil = badgesafe_testkit::Anvil::start(11_155_111);
    let key = [("BADGESAFE_ETH_KEY", badgesafe_testkit::DEV_KEY)];
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_badgesafe"))
            .current_dir(dir)
            .args(args)
            .env_remove("BADGESAFE_KEY_PASSWORD")
            .envs(key)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&[
        "issuer",
        "init",
        "--dir",
        "school",
        "--name",
        "Praktijkschool Noord",
        "--url",
        "https://school.example",
        "--profile-url",
        "https://school.example/profile.json",
    ]);
    run(&[
        "issuer",
        "eth-account",
        "--dir",
        "school",
        "--chain-id",
        "11155111",
        "--from-env",
    ]);
    // Blockcerts verifiers want the account published strictly before the transaction's
    // block second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let unsigned = dir.join("unsigned.json");
    std::fs::write(
        &unsigned,
        serde_json::to_vec(&badgesafe_issue::sample_credential(
            "student@example.org",
            "0123456789abcdef0123456789abcdef",
            None,
        ))
        .unwrap(),
    )
    .unwrap();
    for name in ["a", "b", "c", "d"] {
        run(&[
            "sign",
            "--issuer",
            "school",
            "unsigned.json",
            "-o",
            &format!("{name}.json"),
        ]);
    }
    run(&[
        "anchor", "--issuer", "school", "--ledger", "ethereum", "--rpc", &anvil.url, "a.json",
        "b.json", "c.json",
    ]);
    run(&["anchor", "--issuer", "school", "d.json"]);
    let profile = dir.join("school/profile.json");
    for name in ["a.json", "b.json", "c.json"] {
        let (status, message) = cert_verifier_js(&dir.join(name), &profile, Some(&anvil.url));
        assert_eq!(status, "success", "{name}: {message}");
    }
    // The local log's anchor is a mocknet anchor to Blockcerts: accepted as a test anchor.
    let (status, message) = cert_verifier_js(&dir.join("d.json"), &profile, None);
    assert_eq!(status, "success", "d.json: {message}");

    // A tampered credential fails its local hash; another account's profile fails authenticity.
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(dir.join("a.json")).unwrap()).unwrap();
    doc["name"] = "Forged".into();
    std::fs::write(dir.join("forged.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let (status, message) = cert_verifier_js(&dir.join("forged.json"), &profile, Some(&anvil.url));
    assert_eq!(status, "failure");
    assert!(
        message.contains("Computed hash does not match remote hash"),
        "{message}"
    );
    let mut other: Value = serde_json::from_slice(&std::fs::read(&profile).unwrap()).unwrap();
    other["publicKey"][0]["id"] =
        format!("ecdsa-koblitz-pubkey:{}", badgesafe_testkit::DEV_ACCOUNT_1).into();
    let other_path = dir.join("other-profile.json");
    std::fs::write(&other_path, serde_json::to_vec(&other).unwrap()).unwrap();
    let (status, message) = cert_verifier_js(&dir.join("b.json"), &other_path, Some(&anvil.url));
    assert_eq!(status, "failure", "{message}");
    assert!(
        message.contains("does not belong to the claimed issuer"),
        "{message}"
    );
}
