#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `badgesafe` binary, run as a user would, in a temporary folder.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_badgesafe"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn unsigned(dir: &Path) -> PathBuf {
    let cred = serde_json::json!({
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Lassen",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": true, "identityType": "emailAddress",
                "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399", "salt": "Kosher"}],
            "achievement": {"id": "https://school.example/achievements/welding", "type": ["Achievement"], "name": "Lassen",
                "description": "Kan twee platen lassen.", "criteria": {"narrative": "Las twee platen onder toezicht."}}
        }
    });
    let path = dir.join("unsigned.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&cred).unwrap()).unwrap();
    path
}

fn init(dir: &Path) {
    let o = run(
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
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn issue_bake_and_verify_in_every_format() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    init(dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("school/signing-key.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key file must be private");
    }
    unsigned(dir);
    std::fs::copy(
        shared("samples/1edtech-validator/ob30/simple-json.svg"),
        dir.join("art.svg"),
    )
    .unwrap();
    let png = run(dir, &["demo", "--dir", "demo"]);
    assert_eq!(code(&png), 0, "{}{}", stdout(&png), stderr(&png));
    std::fs::copy(dir.join("demo/badge.png"), dir.join("art.png")).unwrap();
    for (suite, alg) in [
        ("rdfc", "eddsa"),
        ("jcs", "eddsa"),
        ("jwt", "eddsa"),
        ("jwt", "rs256"),
    ] {
        let out = format!("signed-{suite}-{alg}.txt");
        let o = run(
            dir,
            &[
                "sign",
                "--issuer",
                "school",
                "--suite",
                suite,
                "--jwt-alg",
                alg,
                "unsigned.json",
                "-o",
                &out,
            ],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        for img in ["art.png", "art.svg"] {
            let ext = &img[4..];
            let baked = format!("baked-{suite}-{alg}.{ext}");
            let o = run(
                dir,
                &["bake", "--image", img, "--credential", &out, "-o", &baked],
            );
            assert_eq!(code(&o), 0, "{}", stderr(&o));
            // Unbaking gives back exactly what was signed.
            let o = run(dir, &["unbake", &baked]);
            assert_eq!(
                stdout(&o).trim(),
                std::fs::read_to_string(dir.join(&out)).unwrap().trim()
            );
            let o = run(
                dir,
                &[
                    "verify",
                    "--offline",
                    "--json",
                    "--recipient",
                    "a@example.com",
                    &baked,
                ],
            );
            let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
            if alg == "rs256" {
                // The RS256 kid points at the issuer's JWKS, which offline mode cannot fetch.
                assert_eq!(code(&o), 1);
                assert_eq!(report["verified"], false);
            } else {
                assert_eq!(code(&o), 0, "{suite} {img}: {}", stdout(&o));
                assert_eq!(report["verified"], true);
                let recipient = report["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["check"] == "recipient")
                    .unwrap();
                assert_eq!(recipient["outcome"], "passed");
            }
        }
    }
}

#[test]
fn verify_exit_codes_and_readable_report() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let good = shared("samples/1edtech-validator/ob30/simple.json");
    let bad = shared("samples/1edtech-validator/ob30/simple-err-proof-value.json");
    let o = bin()
        .args(["verify", "--offline"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("VERIFIED") && stdout(&o).contains("[PASS] proof.1"));
    let o = bin()
        .args(["verify", "--offline"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("NOT VERIFIED"));
    let o = bin()
        .args(["verify", "--offline", "--json"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["verified"], false);
    // Unreadable input and usage errors exit 2.
    let o = run(dir, &["verify", "missing.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
    let o = run(dir, &["verify"]);
    assert_eq!(code(&o), 2);
    // Garbage is a failed report, not a crash.
    std::fs::write(dir.join("garbage.json"), b"{\"@context\": [").unwrap();
    let o = run(dir, &["verify", "--offline", "garbage.json"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("[FAIL] format.file"), "{}", stdout(&o));
}

#[test]
fn bad_input_gets_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    init(dir);
    // The issuer is never overwritten.
    let o = run(
        dir,
        &[
            "issuer",
            "init",
            "--dir",
            "school",
            "--name",
            "X",
            "--url",
            "https://x.example",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("refusing to overwrite"),
        "{}",
        stderr(&o)
    );
    let o = run(
        dir,
        &[
            "issuer", "init", "--dir", "other", "--name", "X", "--url", "ftp://x",
        ],
    );
    assert_eq!(code(&o), 2);
    std::fs::write(dir.join("broken.json"), b"{not json").unwrap();
    let o = run(
        dir,
        &[
            "sign",
            "--issuer",
            "school",
            "broken.json",
            "-o",
            "out.json",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
    assert!(
        !dir.join("out.json").exists(),
        "nothing is written on error"
    );
    std::fs::write(dir.join("extra.json"), br#"{"credentialSubject": {"id": "did:example:1", "type": ["AchievementSubject"], "shoeSize": 44, "achievement": {"id": "urn:uuid:1c6f7e0e-52b5-4c5e-8a0b-4f1a1c2d3e4f", "type": ["Achievement"], "name": "n", "description": "d", "criteria": {"narrative": "c"}}}}"#).unwrap();
    let o = run(
        dir,
        &["sign", "--issuer", "school", "extra.json", "-o", "out.json"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("shoeSize"), "{}", stderr(&o));
    let o = run(
        dir,
        &[
            "sign",
            "--issuer",
            "nowhere",
            "extra.json",
            "-o",
            "out.json",
        ],
    );
    assert!(stderr(&o).contains("issuer init"), "{}", stderr(&o));
    // Baking into a file that is not an image, or with the wrong extension.
    std::fs::write(dir.join("not-an-image.png"), b"hello").unwrap();
    let o = run(
        dir,
        &[
            "bake",
            "--image",
            "not-an-image.png",
            "--credential",
            "extra.json",
            "-o",
            "x.png",
        ],
    );
    assert_eq!(code(&o), 2);
    std::fs::copy(
        shared("samples/1edtech-validator/ob30/simple-json.svg"),
        dir.join("a.svg"),
    )
    .unwrap();
    let o = run(
        dir,
        &[
            "bake",
            "--image",
            "a.svg",
            "--credential",
            "extra.json",
            "-o",
            "x.png",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(".svg"), "{}", stderr(&o));
    let o = run(dir, &["unbake", "not-an-image.png"]);
    assert_eq!(code(&o), 2);
    // A truncated baked PNG names the problem.
    std::fs::copy(
        shared("samples/1edtech-validator/ob30/simple-json.png"),
        dir.join("full.png"),
    )
    .unwrap();
    let bytes = std::fs::read(dir.join("full.png")).unwrap();
    std::fs::write(dir.join("cut.png"), &bytes[..bytes.len() / 2]).unwrap();
    let o = run(dir, &["verify", "--offline", "cut.png"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("truncated"), "{}", stdout(&o));
}
