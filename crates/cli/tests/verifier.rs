#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `badgesafe verifier`: `POST /verify` answers every input format with the same report as
//! `badgesafe verify --json`; the trust list; limits; the relay's refusals.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_badgesafe"))
}

fn shared(rel: &str) -> PathBuf {
    badgesafe_testkit::data(rel)
}

struct Verifier {
    child: Child,
    url: String,
}

impl Drop for Verifier {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, extra: &[&str]) -> Verifier {
    let port = badgesafe_testkit::free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = bin()
        .args([
            "verifier",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            &listen,
        ])
        .args(extra)
        .spawn()
        .unwrap();
    let url = format!("http://{listen}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{url}/verify")).call().is_err() {
        assert!(Instant::now() < deadline, "the verifier did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Verifier { child, url }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(url: &str, body: &[u8]) -> (u16, Value) {
    let r = agent().post(url).send(body).unwrap();
    let status = r.status().as_u16();
    let text = r.into_body().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn trust_file(dir: &Path) -> PathBuf {
    let p = dir.join("trust.json");
    std::fs::write(
        &p,
        json!({"issuers": [{"name": "Example issuer", "ids": ["https://example.com/issuers/876543"], "accounts": []}]}).to_string(),
    )
    .unwrap();
    p
}

#[test]
fn post_verify_gives_the_cli_report_for_every_input_format() {
    let dir = tempfile::tempdir().unwrap();
    let trust = trust_file(dir.path());
    let v = start(
        &dir.path().join("data"),
        &[
            "--verify-offline",
            "--trust",
            trust.to_str().unwrap(),
            "--verify-rate",
            "0",
        ],
    );
    // A presentation, made by a wallet.
    let vault = dir.path().join("w.vault");
    let wallet = |args: &[&str]| {
        let o = bin()
            .args(args)
            .env("BADGESAFE_PASSPHRASE", "een lange zin")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    wallet(&["wallet", "init", "--vault", vault.to_str().unwrap()]);
    wallet(&[
        "wallet",
        "import",
        "--offline",
        "--vault",
        vault.to_str().unwrap(),
        shared("samples/1edtech-validator/ob30/simple-json.png")
            .to_str()
            .unwrap(),
    ]);
    let list: Value = serde_json::from_str(&wallet(&[
        "wallet",
        "list",
        "--json",
        "--vault",
        vault.to_str().unwrap(),
    ]))
    .unwrap();
    let vp = dir.path().join("vp.json");
    wallet(&[
        "wallet",
        "present",
        "--vault",
        vault.to_str().unwrap(),
        "--badges",
        list[0]["shortId"].as_str().unwrap(),
        "--domain",
        "werkgever.example",
        "--expires",
        "1d",
        "-o",
        vp.to_str().unwrap(),
    ]);
    let inputs = [
        shared("samples/1edtech-validator/ob30/simple.json"),
        shared("samples/1edtech-validator/ob30/simple-json.png"),
        shared("samples/1edtech-validator/ob30/simple-json.svg"),
        shared("samples/1edtech-validator/ob30/simple-jwt.png"),
        shared("samples/1edtech-validator/clr20/simple.jwt"),
        shared("samples/1edtech-validator/ob20/simple.jwt"),
        shared("samples/1edtech-validator/ob30/simple-err-proof-value.json"),
        vp.clone(),
    ];
    for input in &inputs {
        let bytes = std::fs::read(input).unwrap();
        let domain = if input == &vp {
            "?domain=werkgever.example"
        } else {
            ""
        };
        let (status, api) = post(&format!("{}/verify{domain}", v.url), &bytes);
        assert_eq!(status, 200, "{}: {api}", input.display());
        let mut args = vec![
            "verify",
            "--json",
            "--offline",
            "--trust",
            trust.to_str().unwrap(),
        ];
        if input == &vp {
            args.extend(["--domain", "werkgever.example"]);
        }
        args.push(input.to_str().unwrap());
        let o = bin().args(&args).output().unwrap();
        let mut cli: Value = serde_json::from_slice(&o.stdout).unwrap();
        cli.as_object_mut().unwrap().remove("file");
        assert_eq!(api, cli, "{}", input.display());
        assert!(api.to_string().contains("issuer.trusted"), "{api}");
    }
    // The trust check: the example issuer is on the list, the CLR issuer is not (and says so).
    let (_, simple) = post(
        &format!("{}/verify", v.url),
        &std::fs::read(&inputs[0]).unwrap(),
    );
    let trusted = simple["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "issuer.trusted")
        .unwrap();
    assert_eq!(trusted["outcome"], "passed", "{trusted}");
    assert!(
        trusted["detail"]
            .as_str()
            .unwrap()
            .contains("Example issuer")
    );
    let (_, clr) = post(
        &format!("{}/verify", v.url),
        &std::fs::read(&inputs[4]).unwrap(),
    );
    let untrusted = clr["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "issuer.trusted")
        .unwrap();
    assert_eq!(untrusted["outcome"], "skipped", "{untrusted}");
    assert!(
        untrusted["detail"]
            .as_str()
            .unwrap()
            .contains("not marked as trusted")
    );
    assert_eq!(
        clr["verified"], true,
        "not deciding without --require-trusted"
    );
    // Bad input.
    let (status, e) = post(&format!("{}/verify", v.url), b"");
    assert_eq!(status, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("empty"));
    let (status, e) = post(&format!("{}/verify", v.url), b"\x00\x01garbage\xff");
    assert_eq!((status, e["verified"].as_bool()), (200, Some(false)), "{e}");
    assert!(
        e["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("not a PNG, SVG, JSON or JWT"),
        "{e}"
    );
    let (status, _) = post(
        &format!("{}/verify", v.url),
        &vec![b' '; 8 * 1024 * 1024 + 1000],
    );
    assert_eq!(status, 413);
    // The relay refuses what it cannot keep, by name.
    for (body, want) in [
        (
            json!({"ciphertext": "!!", "expires": "2099-01-01T00:00:00Z"}),
            "base64url",
        ),
        (
            json!({"ciphertext": "A".repeat(64), "expires": "2099-01-01T00:00:00Z"}),
            "at most 90 days",
        ),
        (
            json!({"ciphertext": "A".repeat(64), "expires": "2000-01-01T00:00:00Z"}),
            "passed",
        ),
        (json!({"nothing": 1}), "ciphertext"),
    ] {
        let (status, e) = post(&format!("{}/shares", v.url), body.to_string().as_bytes());
        assert_eq!(status, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(want), "{want}: {e}");
    }
    let r = agent()
        .get(&format!(
            "{}/shares/0123456789abcdef0123456789abcdef",
            v.url
        ))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = agent()
        .delete(&format!(
            "{}/shares/0123456789abcdef0123456789abcdef",
            v.url
        ))
        .header("Authorization", "Bearer nope")
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[test]
fn require_trusted_decides_and_rate_limits_answer_429() {
    let dir = tempfile::tempdir().unwrap();
    let trust = trust_file(dir.path());
    let v = start(
        &dir.path().join("data"),
        &[
            "--verify-offline",
            "--trust",
            trust.to_str().unwrap(),
            "--require-trusted",
            "--verify-rate",
            "1",
        ],
    );
    let (status, clr) = post(
        &format!("{}/verify", v.url),
        &std::fs::read(shared("samples/1edtech-validator/clr20/simple.jwt")).unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(clr["verified"], false, "{clr}");
    let c = clr["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "issuer.trusted")
        .unwrap();
    assert_eq!(c["outcome"], "failed");
    // The same with the CLI.
    let o = bin()
        .args([
            "verify",
            "--offline",
            "--trust",
            trust.to_str().unwrap(),
            "--require-trusted",
        ])
        .arg(shared("samples/1edtech-validator/clr20/simple.jwt"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("not marked as trusted"));
    // One request a second, bursts of two: the third at once is refused, with Retry-After.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = agent()
            .post(&format!("{}/verify", v.url))
            .send(&b"{}"[..])
            .unwrap();
        if r.status().as_u16() == 429 {
            assert_eq!(r.headers().get("retry-after").unwrap(), "1");
        }
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Plain HTTP only on this machine.
    let o = bin()
        .args([
            "verifier",
            "--listen",
            "0.0.0.0:0",
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a loopback address"));
    let bad = dir.path().join("bad-trust.json");
    std::fs::write(&bad, r#"{"issuers": [{"name": "", "ids": []}]}"#).unwrap();
    let o = bin()
        .args(["verify", "--trust", bad.to_str().unwrap()])
        .arg(shared("samples/1edtech-validator/clr20/simple.jwt"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a name and at least one id"));
}

#[test]
fn the_verifier_fetches_only_from_public_addresses_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    // A badge signed by a did:web issuer whose document would be on this machine.
    let (signed, _) = did_web_badge(dir.path(), "127.0.0.1%3A9", "Binnen");
    let inside = std::fs::read_to_string(&signed).unwrap();
    let v = start(&dir.path().join("a"), &["--verify-rate", "0"]);
    let (_, r) = post(&format!("{}/verify", v.url), inside.as_bytes());
    assert_eq!(r["verified"], false);
    assert!(
        r["checks"]
            .to_string()
            .contains("not a public address (127.0.0.1)"),
        "{r}"
    );
    // The operator may allow it: then the fetch is tried (and here nothing listens on port 9).
    let v = start(
        &dir.path().join("b"),
        &["--verify-rate", "0", "--verify-allow-private"],
    );
    let (_, r) = post(&format!("{}/verify", v.url), inside.as_bytes());
    assert!(
        !r["checks"].to_string().contains("not a public address"),
        "{r}"
    );
}

#[test]
fn pinned_keys_verify_a_did_web_badge_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (signed, issuer) = did_web_badge(dir.path(), "noord.example", "Noord");
    let did: Value =
        serde_json::from_slice(&std::fs::read(issuer.join("did.json")).unwrap()).unwrap();
    let trust = dir.path().join("trust.json");
    std::fs::write(
        &trust,
        json!({"issuers": [{"name": "Praktijkschool Noord", "ids": ["did:web:noord.example"],
               "documents": {"https://noord.example/.well-known/did.json": did}}]})
        .to_string(),
    )
    .unwrap();
    let verify = |extra: &[&str]| {
        let o = bin()
            .args(["verify", "--json", "--offline"])
            .args(extra)
            .arg(&signed)
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let check = |r: &Value, id: &str| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Without pinned keys, offline: the key cannot be checked, so not verified.
    let r = verify(&[]);
    assert_eq!(r["verified"], false, "{r}");
    // With the trust list's pinned did.json: verified offline, and trusted.
    let r = verify(&["--trust", trust.to_str().unwrap()]);
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(check(&r, "identity.issuer_key")["outcome"], "passed", "{r}");
    assert_eq!(check(&r, "issuer.trusted")["outcome"], "passed", "{r}");
    // The verifier service does the same.
    let v = start(
        &dir.path().join("data"),
        &[
            "--verify-offline",
            "--trust",
            trust.to_str().unwrap(),
            "--verify-rate",
            "0",
        ],
    );
    let (_, api) = post(
        &format!("{}/verify", v.url),
        &std::fs::read(&signed).unwrap(),
    );
    assert_eq!(api["verified"], true, "{api}");
}

#[test]
fn a_full_relay_refuses_new_shares() {
    let dir = tempfile::tempdir().unwrap();
    let v = start(
        &dir.path().join("data"),
        &["--verify-offline", "--relay-max-mib", "1"],
    );
    let share = |n: usize| {
        let body = json!({"ciphertext": "A".repeat(n), "expires": (chrono_like_in(3600))});
        post(&format!("{}/shares", v.url), body.to_string().as_bytes())
    };
    let (status, first) = share(600 * 1024);
    assert_eq!(status, 201, "{first}");
    let (status, e) = share(600 * 1024);
    assert_eq!(status, 507, "{e}");
    assert!(e["error"].as_str().unwrap().contains("full"), "{e}");
}

/// An RFC 3339 time `secs` from now.
fn chrono_like_in(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A badge signed by a did:web issuer at `host` (made with `issuer init --did-web` and
/// `sign`); returns the signed file and the issuer folder (with its `did.json`).
fn did_web_badge(dir: &Path, host: &str, name: &str) -> (PathBuf, PathBuf) {
    let issuer = dir.join("issuer");
    let run = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
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
        issuer.to_str().unwrap(),
        "--name",
        name,
        "--url",
        "https://school.example",
        "--did-web",
        host,
    ]);
    let mut unsigned: Value = serde_json::from_slice(
        &std::fs::read(shared(
            "samples/1edtech-spec-examples/basicOpenBadgeCredential.json",
        ))
        .unwrap(),
    )
    .unwrap();
    unsigned["issuer"] =
        json!({"id": format!("did:web:{host}"), "type": ["Profile"], "name": name});
    let unsigned_file = dir.join("unsigned.json");
    std::fs::write(&unsigned_file, unsigned.to_string()).unwrap();
    let signed = dir.join("signed.json");
    run(&[
        "sign",
        "--issuer",
        issuer.to_str().unwrap(),
        unsigned_file.to_str().unwrap(),
        "-o",
        signed.to_str().unwrap(),
    ]);
    (signed, issuer)
}
