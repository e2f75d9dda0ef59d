#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `badgesafe wallet` as a student runs it: recovery, backups, merging, bad input, and a
//! `kill -9` loop against saving.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const PASS: &str = "mijn geheime zin";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_badgesafe"))
}

fn shared(rel: &str) -> PathBuf {
    badgesafe_testkit::data(rel)
}

fn wallet(vault: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["wallet", args[0], "--vault", vault.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    let mut cmd = bin();
    cmd.args(&all).env("BADGESAFE_PASSPHRASE", PASS);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

fn ids(vault: &Path, pass: &str) -> Vec<String> {
    let o = wallet(
        vault,
        &["list", "--json"],
        &[("BADGESAFE_PASSPHRASE", pass)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut ids: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn recovery_code(init_output: &str) -> String {
    init_output
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 39 && l.matches('-').count() == 7)
        .unwrap_or_else(|| panic!("no recovery code in {init_output}"))
        .to_owned()
}

#[test]
fn the_recovery_code_opens_the_vault_and_sets_a_new_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("bram.vault");
    let out = ok(wallet(&vault, &["init"], &[]));
    let code = recovery_code(&out);
    ok(wallet(
        &vault,
        &[
            "import",
            "--offline",
            shared("samples/1edtech-validator/ob30/simple-json.png")
                .to_str()
                .unwrap(),
        ],
        &[],
    ));
    // Init never overwrites.
    let o = wallet(&vault, &["init"], &[]);
    assert!(
        !o.status.success() && text(&o).contains("exists already"),
        "{}",
        text(&o)
    );
    // Wrong passphrase, wrong code: clear errors, nothing changes.
    let before = std::fs::read(&vault).unwrap();
    let o = wallet(&vault, &["list"], &[("BADGESAFE_PASSPHRASE", "vergeten!")]);
    assert!(text(&o).contains("wrong passphrase"), "{}", text(&o));
    let wrong = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH";
    let o = wallet(
        &vault,
        &["recover"],
        &[
            ("BADGESAFE_RECOVERY_CODE", wrong),
            ("BADGESAFE_NEW_PASSPHRASE", "nieuwe zin 1"),
        ],
    );
    assert!(
        !o.status.success() && text(&o).contains("wrong recovery code"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&vault).unwrap(), before);
    // The right code, typed in lower case without dashes.
    let typed = code.to_lowercase().replace('-', "");
    ok(wallet(
        &vault,
        &["recover"],
        &[
            ("BADGESAFE_RECOVERY_CODE", &typed),
            ("BADGESAFE_NEW_PASSPHRASE", "nieuwe zin 1"),
        ],
    ));
    assert_eq!(ids(&vault, "nieuwe zin 1").len(), 1);
    let o = wallet(&vault, &["list"], &[]);
    assert!(
        text(&o).contains("wrong passphrase"),
        "the old passphrase no longer opens it"
    );
    // And the passphrase can be changed with the passphrase.
    ok(wallet(
        &vault,
        &["passphrase"],
        &[
            ("BADGESAFE_PASSPHRASE", "nieuwe zin 1"),
            ("BADGESAFE_NEW_PASSPHRASE", "nieuwe zin 2"),
        ],
    ));
    assert_eq!(ids(&vault, "nieuwe zin 2").len(), 1);
    // The code still works after both changes.
    ok(wallet(
        &vault,
        &["recover"],
        &[
            ("BADGESAFE_RECOVERY_CODE", &code),
            ("BADGESAFE_NEW_PASSPHRASE", PASS),
        ],
    ));
    assert_eq!(ids(&vault, PASS).len(), 1);
}

#[test]
fn backup_restore_and_merge_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let phone = dir.path().join("phone.vault");
    let laptop = dir.path().join("laptop.vault");
    ok(wallet(&phone, &["init"], &[]));
    ok(wallet(
        &laptop,
        &["init"],
        &[("BADGESAFE_PASSPHRASE", "laptop zin")],
    ));
    let f = |rel: &str| shared(rel).display().to_string();
    ok(wallet(
        &phone,
        &[
            "import",
            "--offline",
            &f("samples/1edtech-validator/ob30/simple-json.png"),
            &f("samples/1edtech-validator/ob30/complete.json"),
        ],
        &[],
    ));
    ok(wallet(
        &laptop,
        &[
            "import",
            "--offline",
            &f("samples/1edtech-validator/ob30/complete.json"),
            &f("interop/lite-eddsa-rdfc-2022.json"),
        ],
        &[("BADGESAFE_PASSPHRASE", "laptop zin")],
    ));
    let backup = dir.path().join("phone-backup.vault");
    ok(wallet(
        &phone,
        &["backup", "-o", backup.to_str().unwrap()],
        &[],
    ));
    let o = wallet(&phone, &["backup", "-o", backup.to_str().unwrap()], &[]);
    assert!(text(&o).contains("exists already"), "{}", text(&o));
    let out = ok(wallet(
        &phone,
        &["merge", "--from", laptop.to_str().unwrap()],
        &[("BADGESAFE_OTHER_PASSPHRASE", "laptop zin")],
    ));
    assert!(out.contains("1 added"), "{out}");
    let mut union = ids(&laptop, "laptop zin");
    union.extend(ids(&backup, PASS));
    union.sort();
    union.dedup();
    assert_eq!(ids(&phone, PASS), union);
    // The phone is lost: the backup comes back, as it was.
    std::fs::remove_file(&phone).unwrap();
    ok(wallet(
        &phone,
        &["restore", "--from", backup.to_str().unwrap()],
        &[],
    ));
    assert_eq!(ids(&phone, PASS), ids(&backup, PASS));
    let o = wallet(
        &phone,
        &["restore", "--from", backup.to_str().unwrap()],
        &[],
    );
    assert!(text(&o).contains("--force"), "{}", text(&o));
    // A restore from something that is not a vault leaves the vault as it was.
    let before = std::fs::read(&phone).unwrap();
    let o = wallet(
        &phone,
        &[
            "restore",
            "--force",
            "--from",
            &f("samples/1edtech-validator/ob30/simple.json"),
        ],
        &[],
    );
    assert!(text(&o).contains("not a badgesafe vault"), "{}", text(&o));
    assert_eq!(std::fs::read(&phone).unwrap(), before);
}

#[test]
fn bad_vaults_and_hostile_imports_get_clear_errors_and_leave_the_vault_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.vault");
    ok(wallet(&vault, &["init"], &[]));
    let good = std::fs::read_to_string(&vault).unwrap();
    let bad = dir.path().join("bad.vault");
    for (name, content, want) in [
        (
            "truncated",
            good[..good.len() * 2 / 3].to_owned(),
            "cut short",
        ),
        (
            "newer",
            good.replacen("badgesafe-vault 1", "badgesafe-vault 7", 1),
            "newer badgesafe (format 7)",
        ),
        ("not a vault", "hello".to_owned(), "not a badgesafe vault"),
    ] {
        std::fs::write(&bad, &content).unwrap();
        let o = wallet(&bad, &["list"], &[]);
        assert!(
            !o.status.success() && text(&o).contains(want),
            "{name}: {}",
            text(&o)
        );
        let o = wallet(
            &bad,
            &[
                "import",
                shared("samples/1edtech-validator/ob30/simple.json")
                    .to_str()
                    .unwrap(),
            ],
            &[],
        );
        assert!(text(&o).contains(want), "{name}: {}", text(&o));
        assert_eq!(
            std::fs::read_to_string(&bad).unwrap(),
            content,
            "{name}: untouched"
        );
    }
    // Hostile or broken files to import.
    let big = dir.path().join("big.png");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(40 * 1024 * 1024).unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"@context\": [").unwrap();
    let zipmail = dir.path().join("zip.eml");
    std::fs::write(&zipmail, "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=badges.zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n--XX--\r\n").unwrap();
    let before = std::fs::read(&vault).unwrap();
    let o = wallet(&vault, &["import", big.to_str().unwrap()], &[]);
    assert!(
        !o.status.success() && text(&o).contains("larger than the limit"),
        "{}",
        text(&o)
    );
    let o = wallet(
        &vault,
        &["import", dir.path().join("missing.png").to_str().unwrap()],
        &[],
    );
    assert!(
        !o.status.success() && text(&o).contains("missing.png"),
        "{}",
        text(&o)
    );
    let o = wallet(
        &vault,
        &[
            "import",
            broken.to_str().unwrap(),
            zipmail.to_str().unwrap(),
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("not JSON") && out.contains("zip archives are not opened"),
        "{out}"
    );
    assert!(out.contains("0 added"), "{out}");
    assert_eq!(std::fs::read(&vault).unwrap(), before, "nothing was saved");
    // A badge that fails verification is refused, or kept when the student says so.
    let tampered = shared("samples/1edtech-validator/ob30/simple-err-proof-value.json");
    let o = wallet(&vault, &["import", tampered.to_str().unwrap()], &[]);
    assert!(
        text(&o).contains("refused") && text(&o).contains("--keep-unverified"),
        "{}",
        text(&o)
    );
    assert!(ids(&vault, PASS).is_empty());
    ok(wallet(
        &vault,
        &["import", "--keep-unverified", tampered.to_str().unwrap()],
        &[],
    ));
    let list: Value =
        serde_json::from_slice(&wallet(&vault, &["list", "--json"], &[]).stdout).unwrap();
    assert_eq!(list[0]["status"], "not verified", "{list}");
    // A folder imports everything in it; a presentation of an unknown badge is refused.
    let o = wallet(
        &vault,
        &[
            "present",
            "--badges",
            "nothing",
            "--domain",
            "x.example",
            "--expires",
            "1d",
            "-o",
            "/dev/null",
        ],
        &[],
    );
    assert!(text(&o).contains("no badge nothing"), "{}", text(&o));
}

#[test]
fn a_folder_of_badges_imports_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.vault");
    ok(wallet(&vault, &["init"], &[]));
    let folder = dir.path().join("badges");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    for (rel, to) in [
        ("samples/1edtech-validator/ob30/simple-json.svg", "a.svg"),
        ("samples/1edtech-validator/ob30/complete.json", "sub/b.json"),
        ("samples/1edtech-validator/clr20/simple.jwt", "sub/c.jwt"),
    ] {
        std::fs::copy(shared(rel), folder.join(to)).unwrap();
    }
    let out = ok(wallet(
        &vault,
        &["import", "--offline", folder.to_str().unwrap()],
        &[],
    ));
    assert!(out.contains("3 added"), "{out}");
}

/// `kill -9` at every moment of a save: the vault always opens and holds either the state before
/// the killed import or after it, and never loses an import that finished.
#[test]
fn kill_9_during_saves_never_corrupts_the_vault_or_loses_a_finished_save() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.vault");
    ok(wallet(&vault, &["init"], &[]));
    let template: Value = serde_json::from_slice(
        &std::fs::read(shared("samples/1edtech-validator/ob30/simple.json")).unwrap(),
    )
    .unwrap();
    let mut count = 0usize;
    let mut finished = 0;
    let mut killed = 0;
    for i in 0..40u64 {
        let mut doc = template.clone();
        doc["id"] = format!("urn:uuid:00000000-0000-4000-8000-{i:012}").into();
        let file = dir.path().join(format!("b{i}.json"));
        std::fs::write(&file, doc.to_string()).unwrap();
        let mut child = bin()
            .args([
                "wallet",
                "import",
                "--keep-unverified",
                "--offline",
                "--vault",
                vault.to_str().unwrap(),
                file.to_str().unwrap(),
            ])
            .env("BADGESAFE_PASSPHRASE", PASS)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole run of an import (open, verify, encrypt, write).
        std::thread::sleep(Duration::from_millis((i * 53) % 700));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = ids(&vault, PASS).len();
        assert!(
            now == count || now == count + 1,
            "round {i}: {count} before, {now} after"
        );
        if status.success() {
            assert_eq!(now, count + 1, "round {i}: a finished import was lost");
            finished += 1;
        } else {
            killed += 1;
        }
        count = now;
    }
    // The loop really did both: some imports ran to the end, some were killed.
    assert!(
        finished > 0 && killed > 0,
        "finished {finished}, killed {killed}"
    );
}

/// The vault is standard age: an independent implementation (typage, npm `age-encryption`)
/// opens it with the passphrase or the recovery code, as a student could without badgesafe.
#[test]
fn another_age_implementation_opens_the_vault_with_the_passphrase_or_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.vault");
    let code = recovery_code(&ok(wallet(&vault, &["init"], &[])));
    ok(wallet(
        &vault,
        &[
            "import",
            "--offline",
            shared("samples/1edtech-validator/ob30/simple-json.png")
                .to_str()
                .unwrap(),
        ],
        &[],
    ));
    let did = {
        let o = wallet(&vault, &["list", "--json"], &[]);
        assert!(o.status.success());
        serde_json::from_slice::<Value>(&o.stdout).unwrap()[0]["id"].clone()
    };
    for (which, secret) in [("passphrase", PASS), ("recovery", code.as_str())] {
        let o = Command::new("node")
            .arg(badgesafe_testkit::repo().join("interop/age-open.mjs"))
            .args([vault.to_str().unwrap(), which, secret])
            .output()
            .unwrap();
        assert!(o.status.success(), "{which}: {}", text(&o));
        let w: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(w["format"], "badgesafe-wallet");
        assert!(
            w["holder"]["did"]
                .as_str()
                .unwrap()
                .starts_with("did:key:z6Mk")
        );
        assert_eq!(w["badges"][0]["id"], did, "{which}");
    }
    let o = Command::new("node")
        .arg(badgesafe_testkit::repo().join("interop/age-open.mjs"))
        .args([vault.to_str().unwrap(), "passphrase", "not the passphrase"])
        .output()
        .unwrap();
    assert!(!o.status.success());
}

/// A badge fetched from its address (here a real HTTP server on loopback; other hosts need
/// https), verified like any other; an address that fails is named and adds nothing.
#[test]
fn a_hosted_badge_is_imported_from_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.vault");
    ok(wallet(&vault, &["init"], &[]));
    // A badge of a did:key issuer (the demo's), which verifies with no other look-up.
    let demo = dir.path().join("demo");
    ok(bin()
        .args(["demo", "--dir", demo.to_str().unwrap()])
        .output()
        .unwrap());
    let web = badgesafe_testkit::Server::start();
    web.serve(
        "/badges/demo.png",
        "image/png",
        std::fs::read(demo.join("badge.png")).unwrap(),
    );
    web.serve(
        "/badges/example.png",
        "image/png",
        std::fs::read(shared("samples/1edtech-validator/ob30/simple-json.png")).unwrap(),
    );
    let out = ok(wallet(
        &vault,
        &["import", &web.url("/badges/demo.png")],
        &[],
    ));
    assert!(out.contains("1 added"), "{out}");
    // This one names an issuer profile at example.com, which cannot be reached from here.
    let o = wallet(&vault, &["import", &web.url("/badges/example.png")], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("refused") && text(&o).contains("issuer"),
        "{}",
        text(&o)
    );
    let o = wallet(
        &vault,
        &["import", "--offline", &web.url("/badges/demo.png")],
        &[],
    );
    assert!(
        text(&o).contains("cannot be imported offline"),
        "{}",
        text(&o)
    );
    let o = wallet(&vault, &["import", &web.url("/missing.json")], &[]);
    assert!(
        !o.status.success() && text(&o).contains("404"),
        "{}",
        text(&o)
    );
    let list: Value =
        serde_json::from_slice(&wallet(&vault, &["list", "--json"], &[]).stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["source"], web.url("/badges/demo.png").as_str());
    assert_eq!(list[0]["status"], "verified");
}
