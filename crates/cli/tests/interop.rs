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
