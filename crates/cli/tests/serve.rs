#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `badgesafe serve` run as a process, against SQLite and the machine's PostgreSQL, a real SMTP
//! server (Nodemailer's smtp-server) or the outbox folder: results in, badges out by e-mail,
//! verified from the received messages; crashes, SMTP outages and concurrent clients.

use badgesafe_testkit::{SmtpSink, free_port};
use mail_parser::MimeHeaders as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_badgesafe"))
}

/// A running service, killed when dropped.
struct Serve {
    child: Option<Child>,
    url: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Serve {
    fn start(data: &Path, extra: &[&str]) -> Self {
        Self::start_env(data, extra, &[])
    }

    fn start_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--data".into(),
            data.display().to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--poll-seconds".into(),
            "1".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let mut s = Serve {
            child: None,
            url: format!("http://127.0.0.1:{port}"),
            args,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        s.launch();
        s
    }

    fn launch(&mut self) {
        self.child = Some(
            bin()
                .args(&self.args)
                .envs(self.env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap(),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(format!("{}/health", self.url)).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the service did not start: {:?}", self.args);
    }

    /// SIGKILL: no clean-up of any kind.
    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let auth = token.map(|t| format!("Bearer {t}"));
        let resp = match (method, body) {
            ("GET", _) => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (_, b) => {
                let mut r = agent.post(&url);
                if method == "PUT" {
                    r = agent.put(&url);
                }
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(b.unwrap_or_default())
            }
        }
        .unwrap();
        let status = resp.status().as_u16();
        let text = resp.into_body().read_to_string().unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    fn get(&self, path: &str, token: &str) -> Value {
        let (status, v) = self.call("GET", path, Some(token), None);
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        self.call("POST", path, Some(token), Some(body.to_string().as_bytes()))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn token(data: &Path, database: Option<&str>, scope: &str) -> String {
    let mut cmd = bin();
    cmd.args([
        "token",
        "create",
        "--data",
        &data.display().to_string(),
        "--app",
        "tests",
        "--scope",
        scope,
    ]);
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn shared(rel: &str) -> PathBuf {
    badgesafe_testkit::data(rel)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Two achievements: a PNG one and an SVG one.
fn catalogue(s: &Serve, token: &str) {
    let png = std::fs::read(shared(
        "samples/1edtech-validator/ob20/assets/robotics-badge.png",
    ))
    .unwrap();
    let (status, v) = s.post(
        "/api/achievements",
        token,
        &json!({"key": "EHBO", "name": "Eerste hulp", "description": "Kan eerste hulp verlenen.",
                "criteria": "Praktijkexamen EHBO gehaald.", "image": format!("data:image/png;base64,{}", b64(&png)),
                "achievementType": "Certificate",
                "alignment": [{"type": ["Alignment"], "targetName": "MBO kwalificatie", "targetUrl": "https://example.org/kwalificatie"}]}),
    );
    assert_eq!(status, 201, "{v}");
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="40" fill="#1a7f37"/></svg>"##;
    let (status, v) = s.post(
        "/api/achievements",
        token,
        &json!({"key": "ZWEM-A", "name": "Zwemdiploma A", "description": "Kan zwemmen.",
                "criteria": "Afzwemmen gehaald.", "image": b64(svg.as_bytes())}),
    );
    assert_eq!(status, 201, "{v}");
}

fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A delivered message: recipient, attachments (name, bytes).
struct Received {
    to: String,
    text: String,
    attachments: Vec<(String, Vec<u8>)>,
}

fn parse(raw: &[u8]) -> Received {
    let m = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a MIME message");
    let to = m
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned();
    let text = m.body_text(0).unwrap_or_default().into_owned();
    let attachments = m
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or_default().to_owned(),
                a.contents().to_vec(),
            )
        })
        .collect();
    Received {
        to,
        text,
        attachments,
    }
}

fn outbox_messages(data: &Path) -> Vec<Vec<u8>> {
    let dir = data.join("outbox");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Verifies a received badge file as an employer would, with the service reachable.
fn verify(bytes: &[u8], email: &str) -> badgesafe_verify::Report {
    verify_on(bytes, email, &[])
}

fn verify_on(
    bytes: &[u8],
    email: &str,
    rpc: &[&dyn badgesafe_anchor::eth::Rpc],
) -> badgesafe_verify::Report {
    let fetcher = badgesafe_fetch::HttpFetcher::new(
        Duration::from_secs(10),
        badgesafe_fetch::PlainHttp::LoopbackOnly,
    );
    let opts = badgesafe_verify::Options {
        fetcher: Some(&fetcher),
        now: chrono::Utc::now(),
        recipient_email: Some(email),
        rpc,
        confirmations: 1,
    };
    badgesafe_verify::verify_bytes(bytes, &opts)
}

fn outcome(report: &badgesafe_verify::Report, check: &str) -> String {
    report
        .checks
        .iter()
        .filter(|c| c.check == check)
        .map(|c| format!("{:?}", c.outcome))
        .collect::<Vec<_>>()
        .join(",")
}

fn batches_done(s: &Serve, token: &str) -> Option<Value> {
    let v = s.get("/api/batches", token);
    let all = v["batches"].as_array()?;
    (v["waiting"] == 0 && !all.is_empty() && all.iter().all(|b| b["state"] == "done")).then_some(v)
}

const CSV: &str = "\u{feff}E-mailadres;Naam;Badge;Datum;Resultaat;Bewijs\r\n\
anna@school.example;Anna de Vries;EHBO;30-06-2026;8,5;https://school.example/portfolio/anna\r\n\
anna@school.example;Anna de Vries;ZWEM-A;01-07-2026;;\r\n\
bram@school.example;Bram Bakker;EHBO;30-06-2026;7;\r\n\
geen-adres;Fout;EHBO;30-06-2026;;\r\n\
cem@school.example;Cem Yilmaz;ONBEKEND;30-06-2026;;\r\n\
cem@school.example;Cem Yilmaz;ZWEM-A;31-02-2026;;\r\n\
ANNA@school.example;Anna;EHBO;2026-06-30;;\r\n\
cem@school.example;Cem Yilmaz;ZWEM-A;02-07-2026;;\r\n";

#[test]
fn a_csv_becomes_signed_anchored_baked_badges_in_each_students_mailbox_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = token(&data, None, "admin");
    let s = Serve::start(&data, &["--retention-days", "0"]);
    catalogue(&s, &admin);

    // Checked first: every bad row named, nothing issued.
    let (status, imp) = s.call("POST", "/api/imports", Some(&admin), Some(CSV.as_bytes()));
    assert_eq!(status, 201, "{imp}");
    assert_eq!(imp["rows"], 4);
    let errors: Vec<(u64, String)> = imp["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![5, 6, 7, 8],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("has no @"));
    assert!(errors[1].1.contains("not in the catalogue"));
    assert!(errors[2].1.contains("not a date"));
    assert!(errors[3].1.contains("repeats line 2"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        s.get("/api/batches", &admin)["batches"],
        json!([]),
        "nothing is issued before confirmation"
    );
    assert!(outbox_messages(&data).is_empty());

    let id = imp["id"].as_str().unwrap();
    let (status, conf) = s.post(&format!("/api/imports/{id}/confirm"), &admin, &json!({}));
    assert_eq!((status, conf["queued"].as_u64()), (200, Some(4)), "{conf}");
    let (status, _) = s.post(&format!("/api/imports/{id}/confirm"), &admin, &json!({}));
    assert_eq!(status, 409, "confirming twice");

    let batches = wait_for("the batch", 60, || batches_done(&s, &admin));
    assert_eq!(batches["batches"].as_array().unwrap().len(), 1);
    let messages = wait_for("three messages", 30, || {
        let m = outbox_messages(&data);
        (m.len() == 3).then_some(m)
    });
    let mut by_student: HashMap<String, Received> = HashMap::new();
    for raw in &messages {
        let r = parse(raw);
        assert!(
            r.text.contains("Hallo") && r.text.contains("Hello"),
            "Dutch and English"
        );
        assert!(
            by_student.insert(r.to.clone(), r).is_none(),
            "one message per student"
        );
    }
    let anna = &by_student["anna@school.example"];
    let mut names: Vec<&str> = anna.attachments.iter().map(|a| a.0.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec!["EHBO.json", "EHBO.png", "ZWEM-A.json", "ZWEM-A.svg"]
    );
    let mut first_id = String::new();
    for (name, bytes) in &anna.attachments {
        let report = verify(bytes, "anna@school.example");
        assert!(report.verified, "{name}: {}", report.to_text());
        assert_eq!(
            outcome(&report, "recipient"),
            "Passed",
            "{name}: {}",
            report.to_text()
        );
        assert_eq!(
            outcome(&report, "status.revocation"),
            "Passed",
            "{}",
            report.to_text()
        );
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.check.starts_with("anchor")
                    && c.outcome == badgesafe_verify::Outcome::Passed),
            "{}",
            report.to_text()
        );
        if name == "EHBO.json" {
            let doc: Value = serde_json::from_slice(bytes).unwrap();
            first_id = doc["id"].as_str().unwrap().to_owned();
            // The picture travels inside the credential, covered by signature and anchor.
            assert!(
                doc["credentialSubject"]["achievement"]["image"]["id"]
                    .as_str()
                    .unwrap()
                    .starts_with("data:image/png;base64,")
            );
            assert_eq!(doc["credentialSubject"]["result"][0]["value"], "8,5");
            assert_eq!(
                doc["evidence"][0]["id"],
                "https://school.example/portfolio/anna"
            );
            assert!(
                !doc.to_string().contains("anna@"),
                "no plain e-mail address in the badge"
            );
        }
    }
    assert!(
        verify(
            &by_student["bram@school.example"].attachments[0].1,
            "anna@school.example"
        )
        .checks
        .iter()
        .any(|c| c.check == "recipient" && c.outcome == badgesafe_verify::Outcome::Failed)
    );

    // Re-importing the same rows never issues twice.
    let (_, again) = s.call("POST", "/api/imports", Some(&admin), Some(CSV.as_bytes()));
    let (_, conf) = s.post(
        &format!("/api/imports/{}/confirm", again["id"].as_str().unwrap()),
        &admin,
        &json!({}),
    );
    assert_eq!(
        (conf["queued"].as_u64(), conf["alreadyIssued"].as_u64()),
        (Some(0), Some(4))
    );

    // Revocation: reason required, recorded, and seen by verifiers; the list is cached by ETag.
    let (status, _) = s.post(
        &format!("/api/credentials/{first_id}/revoke"),
        &admin,
        &json!({}),
    );
    assert_eq!(status, 400, "a reason is required");
    let (status, r) = s.post(
        &format!("/api/credentials/{first_id}/suspend"),
        &admin,
        &json!({"reason": "x"}),
    );
    assert_eq!(status, 409, "{r}");
    let (status, r) = s.post(
        &format!("/api/credentials/{first_id}/revoke"),
        &admin,
        &json!({"reason": "examenfraude"}),
    );
    assert_eq!(status, 200, "{r}");
    let ehbo_png = &anna
        .attachments
        .iter()
        .find(|a| a.0 == "EHBO.png")
        .unwrap()
        .1;
    let report = verify(ehbo_png, "anna@school.example");
    assert!(!report.verified);
    assert_eq!(outcome(&report, "status.revocation"), "Failed");
    let list_url = format!("{}/status/revocation-0", s.url);
    let resp = ureq::get(&list_url).call().unwrap();
    let etag = resp
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let again = agent
        .get(&list_url)
        .header("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(
        s.get(&format!("/api/credentials/{first_id}"), &admin)["statusReason"],
        "examenfraude"
    );

    // Privacy: with a 0-day window, a purge leaves nothing personal.
    let report = |json: bool| {
        let mut c = bin();
        c.args(["privacy-report", "--data", &data.display().to_string()]);
        if json {
            c.arg("--json");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let before: Value = serde_json::from_str(&report(true)).unwrap();
    assert_eq!(before["credentialsWithPersonalData"], 4);
    assert!(report(false).contains("credentials with the student's e-mail address"));
    let o = bin()
        .args([
            "purge",
            "--data",
            &data.display().to_string(),
            "--retention-days",
            "0",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        outbox_messages(&data).is_empty(),
        "the outbox folder's messages are purged too"
    );
    let after: Value = serde_json::from_str(&report(true)).unwrap();
    assert_eq!(
        (
            after["credentialsWithPersonalData"].as_u64(),
            after["credentialsPurged"].as_u64()
        ),
        (Some(0), Some(4)),
        "{after}"
    );
    let c = s.get(&format!("/api/credentials/{first_id}"), &admin);
    assert_eq!(
        (c["email"].clone(), c["name"].clone()),
        (Value::Null, Value::Null)
    );
    let (status, _) = s.post(
        "/api/outbox/resend",
        &admin,
        &json!({"batch": batches["batches"][0]["id"], "email": "anna@school.example"}),
    );
    assert_eq!(status, 404, "nothing left to resend after the purge");
    // Still revocable after the purge: the status index is kept.
    assert!(s.get(&format!("/api/credentials/{first_id}"), &admin)["revoked"].is_string());
}

#[test]
fn bad_input_gets_a_clear_4xx() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = token(&data, None, "admin");
    let results = token(&data, None, "results");
    let s = Serve::start(&data, &[]);
    catalogue(&s, &admin);
    // (method, path, token, body, status, what the error says)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("POST", "/api/imports", None, b"x".to_vec(), 401, "needs an API token"),
        ("POST", "/api/imports", Some("bs_nope"), b"x".to_vec(), 401, "not valid"),
        ("POST", "/api/achievements", Some(results.as_str()), b"{}".to_vec(), 403, "scope"),
        ("POST", "/api/imports", Some(admin.as_str()), b"".to_vec(), 422, "empty"),
        ("POST", "/api/imports", Some(admin.as_str()), b"naam,datum\nA,2026-01-01\n".to_vec(), 422, "no email column"),
        ("POST", "/api/results", Some(results.as_str()), b"{\"results\": [".to_vec(), 400, "not valid JSON"),
        ("POST", "/api/results", Some(results.as_str()), br#"{"results":[{"email":"a@b.nl","name":"A","achievement":"NOPE","date":"2026-01-01"}]}"#.to_vec(), 422, "nothing was queued"),
        ("POST", "/api/achievements", Some(admin.as_str()), br#"{"key":"X","name":"X","description":"d","criteria":"c","image":"aGVsbG8="}"#.to_vec(), 400, "neither a PNG nor an SVG"),
        ("POST", "/api/achievements", Some(admin.as_str()), format!(r#"{{"key":"X","name":"X","description":"d","criteria":"c","image":"{}"}}"#, b64(&vec![0u8; 300 * 1024])).into_bytes(), 400, "larger than 256 KiB"),
        ("POST", "/api/achievements", Some(admin.as_str()), br#"{"key":"EHBO","name":"X","description":"d","criteria":"c","image":"x"}"#.to_vec(), 400, "not base64"),
        ("POST", "/api/achievements", Some(admin.as_str()), br#"{"key":"bad key","name":"X"}"#.to_vec(), 400, "must be 1 to 64"),
        ("POST", "/api/achievements", Some(admin.as_str()), br#"{"key":"K","colour":"red"}"#.to_vec(), 400, "unknown field"),
        ("POST", "/api/imports/nope/confirm", Some(admin.as_str()), b"".to_vec(), 404, "no import"),
        ("POST", "/api/credentials/urn:uuid:x/revoke", Some(admin.as_str()), br#"{"reason":"r"}"#.to_vec(), 404, "not found"),
        ("GET", "/status/revocation-9", None, vec![], 404, "no status list"),
        ("POST", "/api/results", Some(results.as_str()), vec![b' '; 2 * 1024 * 1024 + 1], 413, "larger than this endpoint accepts"),
        ("PUT", "/api/results", Some(results.as_str()), b"{}".to_vec(), 405, "HTTP method"),
        ("POST", "/credentials/issue", Some(admin.as_str()), br#"{"credential": 5}"#.to_vec(), 400, "must be an object"),
    ];
    for (method, path, tok, body, want, says) in cases {
        let (status, v) = s.call(
            method,
            path,
            tok,
            if method == "GET" { None } else { Some(&body) },
        );
        assert_eq!(status, want, "{method} {path}: {v}");
        assert!(
            v.to_string().contains(says),
            "{method} {path}: {v} should say {says:?}"
        );
        assert!(
            v.get("error").is_some(),
            "{method} {path}: JSON error body {v}"
        );
    }
    // A valid push after the failed one: the failed one left nothing behind.
    let (status, v) = s.post("/api/results", &results, &json!({"results": [{"email": "a@b.nl", "name": "A", "achievement": "EHBO", "date": "2026-01-01"}]}));
    assert_eq!((status, v["queued"].as_u64()), (201, Some(1)), "{v}");
}

fn scratch_pg() -> String {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(badgesafe_store::testing::scratch_postgres())
        .unwrap()
}

fn drop_pg(url: &str) {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(badgesafe_store::testing::drop_postgres(url))
        .unwrap();
}

/// Pushes both achievements for each student in `students`; returns (queued, already issued).
fn push(s: &Serve, token: &str, students: std::ops::Range<usize>) -> (u64, u64) {
    let rows: Vec<Value> = students
        .flat_map(|i| {
            ["EHBO", "ZWEM-A"].map(|a| json!({"email": format!("student{i}@school.example"), "name": format!("Student {i}"), "achievement": a, "date": "2026-06-30"}))
        })
        .collect();
    let (status, v) = s.post("/api/results", token, &json!({"results": rows}));
    assert_eq!(status, 201, "{v}");
    (
        v["queued"].as_u64().unwrap(),
        v["alreadyIssued"].as_u64().unwrap(),
    )
}

#[test]
fn two_instances_on_postgres_deliver_through_smtp_after_an_outage_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = scratch_pg();
    let smtp_port = free_port();
    let smtp = format!("smtp://school:secret@127.0.0.1:{smtp_port}");
    let (d1, d2) = (dir.path().join("one"), dir.path().join("two"));
    let admin = token(&d1, Some(&db), "admin");
    // Both instances sign with the same issuer identity.
    let a = Serve::start(
        &d1,
        &[
            "--database",
            &db,
            "--smtp",
            &smtp,
            "--mail-retry-seconds",
            "1",
        ],
    );
    std::fs::create_dir_all(&d2).unwrap();
    let copy = |name: &str| {
        let (from, to) = (d1.join("issuer").join(name), d2.join("issuer").join(name));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if from.exists() {
            std::fs::copy(from, to).unwrap();
        }
    };
    for f in std::fs::read_dir(d1.join("issuer")).unwrap() {
        copy(f.unwrap().file_name().to_str().unwrap());
    }
    let b = Serve::start(
        &d2,
        &[
            "--database",
            &db,
            "--smtp",
            &smtp,
            "--mail-retry-seconds",
            "1",
            "--batch-max",
            "40",
        ],
    );
    catalogue(&a, &admin);
    let results = token(&d1, Some(&db), "results");

    // The SMTP server is down: results are issued, delivery waits.
    assert_eq!(push(&a, &results, 0..50), (100, 0));
    assert_eq!(push(&b, &results, 50..100), (100, 0));
    assert_eq!(
        push(&b, &results, 25..75),
        (0, 100),
        "pushed again through the other instance"
    );
    wait_for("the batches", 120, || batches_done(&a, &admin));
    let failing = wait_for("failed attempts", 30, || {
        let v = a.get("/api/outbox", &admin);
        let m = v["messages"].as_array()?.clone();
        (m.len() == 100 && m.iter().all(|x| x["attempts"].as_u64() >= Some(1))).then_some(m)
    });
    assert!(
        failing[0]["lastError"].as_str().unwrap().contains("SMTP"),
        "{}",
        failing[0]
    );

    // It comes back: everything is delivered, each student once, all badges together.
    let sink = SmtpSink::start(
        smtp_port,
        &dir.path().join("inbox"),
        Some(("school", "secret")),
        None,
    );
    let got = wait_for("100 messages", 120, || {
        let m = sink.messages();
        (m.len() >= 100).then_some(m)
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.messages().len(), 100, "no message twice");
    let mut seen = std::collections::HashSet::new();
    for raw in &got {
        let r = parse(raw);
        assert!(seen.insert(r.to.clone()), "{} got two messages", r.to);
        assert_eq!(
            r.attachments.len(),
            4,
            "both badges of {} in one message",
            r.to
        );
    }
    let r = parse(&got[17]);
    let report = verify(&r.attachments[0].1, &r.to);
    assert!(report.verified, "{}", report.to_text());
    let batches = a.get("/api/batches", &admin);
    let total: u64 = batches["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 200, "every result issued once across both instances");
    drop((a, b));
    drop_pg(&db);
}

#[test]
fn a_service_killed_mid_batch_finishes_it_exactly_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sink = SmtpSink::start(0, &dir.path().join("inbox"), None, None);
    let admin = token(&data, None, "admin");
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let mut s = Serve::start(&data, &["--smtp", &smtp]);
    catalogue(&s, &admin);
    let mut csv = String::from("email,name,achievement,date\n");
    let students = 600;
    for i in 0..students {
        csv.push_str(&format!(
            "s{i}@school.example,Student {i},EHBO,2026-06-30\n"
        ));
    }
    let (_, imp) = s.call("POST", "/api/imports", Some(&admin), Some(csv.as_bytes()));
    assert_eq!(imp["rows"], students);
    s.post(
        &format!("/api/imports/{}/confirm", imp["id"].as_str().unwrap()),
        &admin,
        &json!({}),
    );
    // Kill it while it signs.
    wait_for("signing to start", 60, || {
        let v = s.get("/api/batches", &admin);
        let b = &v["batches"][0];
        (b["signed"].as_u64().unwrap_or(0) > 0 || b["state"] != "open" && b["state"].is_string())
            .then_some(())
    });
    s.kill9();
    assert!(
        sink.messages().len() < students,
        "killed before delivery finished"
    );
    s.restart();
    wait_for("the batch", 120, || batches_done(&s, &admin));
    let started = Instant::now();
    let got = wait_for("every message", 180, || {
        let m = sink.messages();
        (m.len() >= students).then_some(m)
    });
    eprintln!("{} messages in {:?}", students, started.elapsed());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sink.messages().len(), students, "nobody mailed twice");
    let to: std::collections::HashSet<String> = got.iter().map(|m| parse(m).to).collect();
    assert_eq!(to.len(), students, "nobody left out");
    let batches = s.get("/api/batches", &admin)["batches"].clone();
    assert_eq!(batches.as_array().unwrap().len(), 1);
    assert_eq!(batches[0]["total"], students);
    let log = std::fs::read_to_string(data.join("issuer/anchor-log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1, "one anchor");
    let r = parse(&got[42]);
    assert!(verify(&r.attachments[0].1, &r.to).verified);
}

#[test]
fn fifty_concurrent_clients_issue_without_errors_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = token(&data, None, "admin");
    let issue = token(&data, None, "issue");
    let s = Serve::start(&data, &[]);
    catalogue(&s, &admin);
    let issuer_id = {
        let meta: Value =
            serde_json::from_slice(&std::fs::read(data.join("issuer/issuer.json")).unwrap())
                .unwrap();
        meta["profile"]["id"].as_str().unwrap().to_owned()
    };
    let ids = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for client in 0..50 {
            let (s, admin, issue, ids, issuer_id) = (&s, &admin, &issue, &ids, &issuer_id);
            scope.spawn(move || {
                // The same 10 results from every client, and 4 of its own.
                let mut rows: Vec<Value> = (0..10)
                    .map(|i| json!({"email": format!("shared{i}@school.example"), "name": "S", "achievement": "EHBO", "date": "2026-06-30"}))
                    .collect();
                rows.extend((0..4).map(|i| json!({"email": format!("c{client}-{i}@school.example"), "name": "C", "achievement": "EHBO", "date": "2026-06-30"})));
                let (status, v) = s.post("/api/results", admin, &json!({"results": rows}));
                assert_eq!(status, 201, "{v}");
                let (status, v) = s.post(
                    "/credentials/issue",
                    issue,
                    &json!({"credential": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiableCredential"],
                        "issuer": issuer_id,
                        "credentialSubject": {"id": format!("did:example:{client}")}
                    }, "options": {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}}),
                );
                assert_eq!(status, 201, "{v}");
                ids.lock().unwrap().push(v["verifiableCredential"]["credentialStatus"]["statusListIndex"].as_str().unwrap().to_owned());
            });
        }
    });
    let ids = ids.into_inner().unwrap();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        50,
        "every VC-API credential has its own status index"
    );
    let done = wait_for("the batches", 120, || batches_done(&s, &admin));
    let total: u64 = done["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 10 + 50 * 4, "shared results issued once");
    let messages = wait_for("messages", 60, || {
        let m = outbox_messages(&data);
        (m.len() == 210).then_some(m)
    });
    assert_eq!(messages.len(), 210);
}

#[test]
fn the_service_anchors_each_batch_in_one_ethereum_transaction() {
    let anvil = badgesafe_testkit::Anvil::start(31337);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let issuer_dir = data.join("issuer");
    let run = |args: &[&str]| {
        let o = bin()
            .args(args)
            .env("BADGESAFE_ETH_KEY", badgesafe_testkit::DEV_KEY)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let d = issuer_dir.display().to_string();
    run(&[
        "issuer",
        "init",
        "--dir",
        &d,
        "--name",
        "Ketenschool",
        "--url",
        "https://school.example",
    ]);
    run(&[
        "issuer",
        "eth-account",
        "--dir",
        &d,
        "--chain-id",
        "31337",
        "--from-env",
    ]);
    let admin = token(&data, None, "admin");
    // The wrong chain is refused before anything is issued.
    let o = bin()
        .args([
            "serve",
            "--data",
            &data.display().to_string(),
            "--ledger",
            "ethereum",
        ])
        .env("BADGESAFE_ETH_KEY", badgesafe_testkit::DEV_KEY)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("needs --rpc"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = Serve::start_env(
        &data,
        &["--ledger", "ethereum", "--rpc", &anvil.url],
        &[("BADGESAFE_ETH_KEY", badgesafe_testkit::DEV_KEY)],
    );
    catalogue(&s, &admin);
    assert_eq!(push(&s, &admin, 0..3), (6, 0));
    let done = wait_for("the batch", 90, || batches_done(&s, &admin));
    let anchor = &done["batches"][0]["anchor"];
    assert_eq!(
        (anchor["ledger"].as_str(), anchor["chainId"].as_u64()),
        (Some("ethereum"), Some(31337)),
        "{anchor}"
    );
    let nonce = anvil.rpc(
        "eth_getTransactionCount",
        json!([badgesafe_testkit::DEV_ACCOUNT, "latest"]),
    );
    assert_eq!(nonce, "0x1", "one transaction for the batch");
    let messages = wait_for("three messages", 30, || {
        let m = outbox_messages(&data);
        (m.len() == 3).then_some(m)
    });
    let r = parse(&messages[0]);
    let node = badgesafe_fetch::HttpRpc::new(&anvil.url, Duration::from_secs(10)).unwrap();
    let report = verify_on(&r.attachments[0].1, &r.to, &[&node]);
    assert!(report.verified, "{}", report.to_text());
    assert!(
        report.checks.iter().any(|c| c.check.starts_with("anchor")
            && c.detail.contains("31337")
            && c.outcome == badgesafe_verify::Outcome::Passed),
        "{}",
        report.to_text()
    );
    // The CLI revokes as the API does.
    let doc: Value = serde_json::from_slice(
        &r.attachments
            .iter()
            .find(|a| a.0.ends_with(".json"))
            .unwrap()
            .1,
    )
    .unwrap();
    let id = doc["id"].as_str().unwrap();
    let o = bin()
        .args([
            "credential",
            "--data",
            &data.display().to_string(),
            "suspend",
            id,
            "--reason",
            "x",
        ])
        .output()
        .unwrap();
    assert!(
        !o.status.success() && String::from_utf8_lossy(&o.stderr).contains("cannot be suspended")
    );
    let o = bin()
        .args([
            "credential",
            "--data",
            &data.display().to_string(),
            "revoke",
            id,
            "--reason",
            "diploma ingetrokken",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = verify_on(&r.attachments[0].1, &r.to, &[&node]);
    assert!(
        !report.verified
            && report
                .get("status.revocation")
                .is_some_and(|c| c.outcome == badgesafe_verify::Outcome::Failed),
        "{}",
        report.to_text()
    );
}

#[test]
fn https_and_smtp_with_starttls_and_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let sink = SmtpSink::start(
        0,
        &dir.path().join("inbox"),
        Some(("school", "secret")),
        Some((&cert, &key)),
    );
    let admin = token(&data, None, "admin");
    let port = free_port();
    let smtp = format!("smtp://school:secret@localhost:{}?tls=required", sink.port);
    let mut child = bin()
        .args([
            "serve",
            "--data",
            &data.display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--tls-cert",
            &cert.display().to_string(),
            "--tls-key",
            &key.display().to_string(),
        ])
        .args([
            "--smtp",
            &smtp,
            "--smtp-ca",
            &cert.display().to_string(),
            "--poll-seconds",
            "1",
        ])
        .args(["--recipient-identity", "plain"])
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            ureq::tls::Certificate::from_der(ck.cert.der()).to_owned(),
        ])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("https://localhost:{port}");
    wait_for("HTTPS", 30, || {
        agent.get(format!("{url}/health")).call().ok()
    });
    // Plain HTTP to the TLS port gets nowhere.
    assert!(
        ureq::get(format!("http://127.0.0.1:{port}/health"))
            .call()
            .is_err()
    );
    let png = std::fs::read(shared(
        "samples/1edtech-validator/ob20/assets/robotics-badge.png",
    ))
    .unwrap();
    let post = |path: &str, body: Value| {
        let mut r = agent
            .post(format!("{url}{path}"))
            .header("Authorization", &format!("Bearer {admin}"))
            .send(body.to_string())
            .unwrap();
        assert!(
            r.status().is_success(),
            "{path}: {}",
            r.body_mut().read_to_string().unwrap()
        );
    };
    post(
        "/api/achievements",
        json!({"key": "EHBO", "name": "Eerste hulp", "description": "d", "criteria": "c", "image": b64(&png)}),
    );
    post(
        "/api/results",
        json!({"results": [{"email": "anna@school.example", "name": "Anna", "achievement": "EHBO", "date": "2026-06-30"}]}),
    );
    let got = wait_for("the message over STARTTLS", 60, || {
        let m = sink.messages();
        (!m.is_empty()).then_some(m)
    });
    let r = parse(&got[0]);
    assert_eq!(r.to, "anna@school.example");
    let doc: Value = serde_json::from_slice(&r.attachments[1].1).unwrap();
    // Configured to name the student plainly.
    let identity = &doc["credentialSubject"]["identifier"][0];
    assert_eq!(
        (
            identity["hashed"].as_bool(),
            identity["identityHash"].as_str()
        ),
        (Some(false), Some("anna@school.example")),
        "{identity}"
    );
    // The status list lives at the https URL.
    assert!(
        doc["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap()
            .starts_with(&format!("https://127.0.0.1:{port}/status/"))
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // Off loopback, plain HTTP is refused.
    let o = bin()
        .args([
            "serve",
            "--data",
            &data.display().to_string(),
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a loopback address"));
}

#[test]
fn staff_run_the_whole_flow_in_a_browser_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sink = SmtpSink::start(0, &dir.path().join("inbox"), None, None);
    let admin = token(&data, None, "admin");
    let o = bin()
        .args([
            "staff",
            "add",
            "--data",
            &data.display().to_string(),
            "--username",
            "conciërge",
        ])
        .env("BADGESAFE_STAFF_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .args([
            "staff",
            "add",
            "--data",
            &data.display().to_string(),
            "--username",
            "kort",
        ])
        .env("BADGESAFE_STAFF_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 12"));
    let s = Serve::start(
        &data,
        &["--smtp", &format!("smtp://127.0.0.1:{}", sink.port)],
    );
    catalogue(&s, &admin);
    // A VC-API credential with a suspension entry, for the staff to suspend and reinstate.
    let issuer: Value =
        serde_json::from_slice(&std::fs::read(data.join("issuer/issuer.json")).unwrap()).unwrap();
    let (status, vc) = s.post(
        "/credentials/issue",
        &token(&data, None, "issue"),
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer["profile"]["id"],
            "credentialSubject": {"id": "did:example:stagiair"}
        }, "options": {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}}),
    );
    assert_eq!(status, 201, "{vc}");
    let vc = &vc["verifiableCredential"];
    let entry = &vc["credentialStatus"];
    let csv = dir.path().join("resultaten.csv");
    std::fs::write(&csv, CSV).unwrap();
    let image = dir.path().join("vca.png");
    std::fs::copy(
        shared("samples/1edtech-validator/ob20/assets/robotics-badge.png"),
        &image,
    )
    .unwrap();
    let out = Command::new("node")
        .arg(badgesafe_testkit::repo().join("interop/staff-flow.mjs"))
        .args([
            &s.url,
            "conciërge",
            "correct horse battery",
            &csv.display().to_string(),
            "bram@school.example",
            &image.display().to_string(),
            vc["id"].as_str().unwrap(),
            entry["statusListCredential"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    assert!(v.get("error").is_none(), "{}\n{}", v["error"], v["page"]);
    assert_eq!(
        (v["redirectedToLogin"].as_bool(), v["lang"].as_str()),
        (Some(true), Some("nl")),
        "{v}"
    );
    assert!(
        v["wrongPassword"].as_str().unwrap().contains("klopt niet"),
        "{v}"
    );
    assert!(v["afterLogin"].as_str().unwrap().ends_with("/staff"));
    assert_eq!(
        (
            v["cookie"]["httpOnly"].as_bool(),
            v["cookie"]["sameSite"].as_str()
        ),
        (Some(true), Some("Strict")),
        "{}",
        v["cookie"]
    );
    assert_eq!(v["uploadLabel"], "CSV-bestand");
    assert!(
        v["catalogue"].as_str().unwrap().contains("Veilig werken"),
        "{}",
        v["catalogue"]
    );
    assert_eq!(v["editForm"], "https://www.vca.nl/");
    assert!(
        v["catalogueAfterEdit"]
            .as_str()
            .unwrap()
            .contains("Veilig werken (VCA)"),
        "{}",
        v["catalogueAfterEdit"]
    );
    let vca = s.get("/api/achievements/VCA", &admin);
    assert_eq!(
        vca["achievement"]["alignment"][0]["targetName"], "VCA Basis",
        "{vca}"
    );
    assert_eq!(vca["achievement"]["name"], "Veilig werken (VCA)");
    assert_eq!(v["editResult"], "behaald, niet behaald");
    let rd = &vca["achievement"]["resultDescription"][0];
    assert_eq!(
        (rd["resultType"].as_str(), rd["allowedValue"].clone()),
        (Some("Status"), json!(["behaald", "niet behaald"])),
        "{vca}"
    );
    let lines: Vec<&str> = v["reviewErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(lines, vec!["5", "6", "7", "8"], "{}", v["review"]);
    assert!(
        v["review"]
            .as_str()
            .unwrap()
            .contains("4 regels zijn in orde"),
        "{}",
        v["review"]
    );
    assert!(v["afterIssue"].as_str().unwrap().ends_with("/staff"));
    assert!(
        v["dashboard"]
            .as_str()
            .unwrap()
            .contains("klaar, e-mail in de wachtrij")
    );
    assert_eq!(v["sentRows"], 3, "{}", v["outbox"]);
    assert!(
        v["afterRevoke"]
            .as_str()
            .unwrap()
            .contains("Ingetrokken op"),
        "{}",
        v["afterRevoke"]
    );
    assert!(
        v["afterRevoke"]
            .as_str()
            .unwrap()
            .contains("Examenfraude vastgesteld")
    );
    // Suspended and reinstated from the staff pages: the signed status list said so each time.
    let bit = |list: &Value| {
        let bits = badgesafe_status::Bitstring::decode(
            list["credentialSubject"]["encodedList"].as_str().unwrap(),
        )
        .unwrap();
        bits.get(entry["statusListIndex"].as_str().unwrap().parse().unwrap())
            .unwrap()
    };
    assert!(
        v["afterSuspend"].as_str().unwrap().contains("Geschorst op")
            && v["afterSuspend"]
                .as_str()
                .unwrap()
                .contains("Onderzoek loopt"),
        "{}",
        v["afterSuspend"]
    );
    assert!(bit(&v["listWhileSuspended"]), "{}", v["listWhileSuspended"]);
    assert!(
        !v["afterUnsuspend"]
            .as_str()
            .unwrap()
            .contains("Geschorst op"),
        "{}",
        v["afterUnsuspend"]
    );
    assert!(
        !bit(&v["listAfterUnsuspend"]),
        "{}",
        v["listAfterUnsuspend"]
    );
    let fetched = s.get(
        &format!("/api/credentials/{}", vc["id"].as_str().unwrap()),
        &admin,
    );
    assert_eq!(fetched["suspended"], Value::Null, "{fetched}");
    assert_eq!(v["forgedStatus"], 403);
    assert_eq!(v["crossSiteStatus"], 403);
    assert!(
        v["english"].as_str().unwrap().contains("Overview"),
        "{}",
        v["english"]
    );
    assert_eq!(v["englishLang"], "en");
    assert!(v["csp"].as_str().unwrap().contains("default-src 'none'"));
    let axe = v["axe"].as_object().unwrap();
    assert_eq!(
        axe.len(),
        14,
        "every staff page in both languages was audited"
    );
    for (page, violations) in axe {
        assert_eq!(violations, &json!([]), "axe-core on {page}");
    }
    // What the staff member did reached the students, and the revocation the verifiers.
    let got = wait_for("three messages", 30, || {
        let m = sink.messages();
        (m.len() == 3).then_some(m)
    });
    let bram = got
        .iter()
        .map(|m| parse(m))
        .find(|r| r.to == "bram@school.example")
        .unwrap();
    let report = verify(&bram.attachments[0].1, "bram@school.example");
    assert_eq!(
        outcome(&report, "status.revocation"),
        "Failed",
        "{}",
        report.to_text()
    );
}

#[test]
fn the_import_command_shows_errors_asks_and_follows_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = token(&data, None, "admin");
    let s = Serve::start(&data, &[]);
    catalogue(&s, &admin);
    let csv = dir.path().join("resultaten.csv");
    std::fs::write(&csv, CSV).unwrap();
    let import = |extra: &[&str]| {
        bin()
            .args(["import", "--server", &s.url])
            .args(extra)
            .arg(&csv)
            .env("BADGESAFE_TOKEN", &admin)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // Without a terminal to ask on, nothing is issued unless --yes says so.
    let o = import(&[]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(
        out.contains("4 valid rows, 4 with errors") && out.contains("line     5: email"),
        "{out}"
    );
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(s.get("/api/batches", &admin)["waiting"], 0);
    let o = import(&["--yes"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("4 badges issued, anchored and queued"),
        "{out}"
    );
    assert!(
        batches_done(&s, &admin).is_some(),
        "the command returns when the batch is done"
    );
    let o = import(&["--yes"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 rows were issued before"));
    let o = bin()
        .args(["import", "--server", &s.url, "--token", "bs_wrong", "--yes"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid (unknown or revoked)"));

    // The published documents.
    let jwks: Value = ureq::get(format!("{}/.well-known/jwks.json", s.url))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519", "{jwks}");
    let ach: Value = ureq::get(format!("{}/achievements/EHBO", s.url))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(ach["name"], "Eerste hulp");
}

#[test]
fn sealed_issuer_keys_are_opened_with_the_password_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let issuer = data.join("issuer");
    let d = issuer.display().to_string();
    let o = bin()
        .args([
            "issuer",
            "init",
            "--dir",
            &d,
            "--name",
            "School",
            "--url",
            "https://school.example",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let secret = std::fs::read_to_string(issuer.join("signing-key.json")).unwrap();
    let o = bin()
        .args(["issuer", "seal-keys", "--dir", &d])
        .env("BADGESAFE_KEY_PASSWORD", "een lang wachtwoord")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!issuer.join("signing-key.json").exists() && !issuer.join("rsa-key.pem").exists());
    let sealed = std::fs::read(issuer.join("signing-key.sealed")).unwrap();
    let secret: Value = serde_json::from_str(&secret).unwrap();
    let needle = secret["secretKeyMultibase"].as_str().unwrap().as_bytes();
    assert!(
        !sealed.windows(needle.len()).any(|w| w == needle),
        "the key is not readable at rest"
    );
    let o = bin()
        .args(["issuer", "seal-keys", "--dir", &d])
        .env("BADGESAFE_KEY_PASSWORD", "een lang wachtwoord")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("sealed already"));

    let serve = |password: Option<&str>| {
        let mut c = bin();
        c.args([
            "serve",
            "--data",
            &data.display().to_string(),
            "--listen",
            "127.0.0.1:1",
        ])
        .stdin(Stdio::null());
        if let Some(p) = password {
            c.env("BADGESAFE_KEY_PASSWORD", p);
        } else {
            c.env_remove("BADGESAFE_KEY_PASSWORD");
        }
        String::from_utf8_lossy(&c.output().unwrap().stderr).into_owned()
    };
    assert!(
        serve(None).contains("set BADGESAFE_KEY_PASSWORD"),
        "{}",
        serve(None)
    );
    assert!(
        serve(Some("verkeerd wachtwoord")).contains("wrong password"),
        "{}",
        serve(Some("x"))
    );

    let admin = token(&data, None, "admin");
    let s = Serve::start_env(
        &data,
        &[],
        &[("BADGESAFE_KEY_PASSWORD", "een lang wachtwoord")],
    );
    catalogue(&s, &admin);
    assert_eq!(push(&s, &admin, 0..1), (2, 0));
    wait_for("the batch", 60, || batches_done(&s, &admin));
    let m = wait_for("the message", 30, || outbox_messages(&data).pop());
    let r = parse(&m);
    assert!(verify(&r.attachments[0].1, &r.to).verified);
    drop(s);

    // The key can come from the environment instead; a key of another issuer is refused.
    let secret = secret["secretKeyMultibase"].as_str().unwrap();
    let other = badgesafe_crypto::Ed25519Signer::from_seed(&[9; 32]).to_secret_multibase();
    let mut c = bin();
    c.args([
        "serve",
        "--data",
        &data.display().to_string(),
        "--listen",
        "127.0.0.1:1",
    ])
    .stdin(Stdio::null())
    .env_remove("BADGESAFE_KEY_PASSWORD")
    .env("BADGESAFE_SIGNING_KEY", other.as_str());
    let err = String::from_utf8_lossy(&c.output().unwrap().stderr).into_owned();
    assert!(err.contains("belongs to another issuer"), "{err}");
    let s = Serve::start_env(&data, &[], &[("BADGESAFE_SIGNING_KEY", secret)]);
    assert_eq!(push(&s, &admin, 1..2), (2, 0));
    wait_for("the batch", 60, || batches_done(&s, &admin));
}

#[test]
fn vc_api_presentations_are_verified_with_their_challenge_and_domain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let issue = token(&data, None, "issue");
    let s = Serve::start(&data, &[]);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(data.join("issuer/issuer.json")).unwrap()).unwrap();
    let issuer = meta["profile"]["id"].as_str().unwrap();
    let holder = badgesafe_crypto::Ed25519Signer::from_seed(&[7; 32]);
    let holder_did = badgesafe_did::did_key(&holder.public());
    let (status, v) = s.post(
        "/issuers/jcs/credentials/issue",
        &issue,
        &json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                "issuer": issuer, "name": "Stage", "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": {"id": holder_did}}}),
    );
    assert_eq!(status, 201, "{v}");
    let vc = v["verifiableCredential"].clone();
    let present = |vc: &Value, challenge: &str, domain: &str| {
        let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                        "holder": holder_did, "verifiableCredential": [vc]});
        badgesafe_proof::sign(
            vp,
            &badgesafe_proof::ProofOptions {
                suite: badgesafe_proof::Suite::EddsaRdfc2022,
                verification_method: badgesafe_did::did_key_method(&holder.public()),
                proof_purpose: "authentication".into(),
                created: Some("2026-12-04T10:00:00Z".into()),
                expires: None,
                domain: Some(domain.into()),
                challenge: Some(challenge.into()),
            },
            &holder,
        )
        .unwrap()
    };
    let check = |vp: &Value| {
        s.call(
            "POST",
            "/presentations/verify",
            None,
            Some(json!({"verifiablePresentation": vp, "options": {"challenge": "n0nce", "domain": "werkgever.example"}}).to_string().as_bytes()),
        )
    };
    let (status, v) = check(&present(&vc, "n0nce", "werkgever.example"));
    assert_eq!((status, v["verified"].as_bool()), (200, Some(true)), "{v}");
    let (status, v) = check(&present(&vc, "n0nce", "concurrent.example"));
    assert_eq!(status, 400);
    assert!(
        v["problemDetails"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("domain is \"concurrent.example\""),
        "{v}"
    );
    let (status, v) = check(&present(&vc, "old", "werkgever.example"));
    assert_eq!(status, 400);
    assert!(v.to_string().contains("challenge"), "{v}");
    let mut tampered = vc.clone();
    tampered["name"] = "Directeur".into();
    let (status, v) = check(&present(&tampered, "n0nce", "werkgever.example"));
    assert_eq!(status, 400);
    assert_eq!(v["problemDetails"][0]["title"], "credential.1", "{v}");
    let mut forged = present(&vc, "n0nce", "werkgever.example");
    forged["holder"] = "did:example:someone-else".into();
    let (status, v) = check(&forged);
    assert_eq!(status, 400, "{v}");
    let (status, v) = s.call(
        "POST",
        "/presentations/verify",
        None,
        Some(br#"{"verifiablePresentation": 1}"#),
    );
    assert_eq!(status, 400, "{v}");
}

#[test]
fn vc_api_issue_refuses_malformed_credentials_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let issue = token(&data, None, "issue");
    let results = token(&data, None, "results");
    let s = Serve::start(&data, &[]);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(data.join("issuer/issuer.json")).unwrap()).unwrap();
    let issuer = meta["profile"]["id"].as_str().unwrap().to_owned();
    let base = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                      "issuer": issuer, "credentialSubject": {"id": "did:example:student"}});
    let (status, v) = s.post("/credentials/issue", &issue, &json!({"credential": base}));
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["verifiableCredential"]["proof"]["cryptosuite"],
        "eddsa-rdfc-2022"
    );
    let (status, v) = s.post(
        "/issuers/jcs/credentials/issue",
        &issue,
        &json!({"credential": base}),
    );
    assert_eq!(
        (
            status,
            v["verifiableCredential"]["proof"]["cryptosuite"].as_str()
        ),
        (201, Some("eddsa-jcs-2022"))
    );
    let (status, _) = s.post("/credentials/issue", &results, &json!({"credential": base}));
    assert_eq!(status, 403, "issuing needs the issue scope");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "@context",
            json!("https://www.w3.org/ns/credentials/v2"),
            "@context must be an array",
        ),
        (
            "@context",
            json!(["https://www.w3.org/2018/credentials/examples/v1"]),
            "VC base context",
        ),
        (
            "@context",
            json!(["https://www.w3.org/ns/credentials/v2", 5]),
            "neither a URL nor an object",
        ),
        (
            "@context",
            json!([
                "https://www.w3.org/ns/credentials/v2",
                "https://example.org/unknown"
            ]),
            "example.org/unknown",
        ),
        ("type", json!(["Foo"]), "VerifiableCredential"),
        (
            "type",
            json!(["VerifiableCredential", "NoSuchType"]),
            "NoSuchType",
        ),
        ("issuer", json!("did:key:z6MkfOther"), "not this instance"),
        ("issuer", Value::Null, "issuer is missing"),
        ("credentialSubject", json!({}), "non-empty"),
        ("credentialSubject", json!([]), "non-empty"),
        (
            "credentialSubject",
            json!({"id": ["did:a", "did:b"]}),
            "single URL",
        ),
        ("id", json!("not a url"), "id must be a URL"),
        ("validFrom", json!("2026-13-01"), "dateTimeStamp"),
        (
            "validUntil",
            json!("2020-01-01T00:00:00Z"),
            "later than validUntil",
        ),
        (
            "credentialStatus",
            json!({"id": "https://x.example/1"}),
            "credentialStatus has no type",
        ),
        (
            "credentialSchema",
            json!({"type": "JsonSchema"}),
            "credentialSchema.id is missing",
        ),
        (
            "termsOfUse",
            json!({"id": "https://x.example/t"}),
            "termsOfUse has no type",
        ),
        (
            "name",
            json!(5),
            "name must be a string or a language object",
        ),
        (
            "relatedResource",
            json!([{"id": "https://x.example/r"}]),
            "neither digestSRI nor digestMultibase",
        ),
        ("undefinedTerm", json!("x"), "undefinedTerm"),
    ];
    for (field, value, says) in cases {
        let mut c = base.clone();
        if field == "validUntil" {
            c["validFrom"] = "2026-01-01T00:00:00Z".into();
        }
        if value.is_null() {
            c.as_object_mut().unwrap().remove(field);
        } else {
            c[field] = value;
        }
        let (status, v) = s.post("/credentials/issue", &issue, &json!({"credential": c}));
        assert!(status == 400 || status == 422, "{field}: {status} {v}");
        assert!(
            v.to_string().contains(says),
            "{field}: {v} should say {says:?}"
        );
    }
    let (status, v) = s.post(
        "/credentials/issue",
        &issue,
        &json!({"credential": base, "options": {"colour": 1}}),
    );
    assert_eq!(status, 400, "{v}");
    assert!(v.to_string().contains("unknown option"));
}

#[test]
fn repeated_wrong_passwords_lock_the_staff_login_for_a_while() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = bin()
        .args([
            "staff",
            "add",
            "--data",
            &data.display().to_string(),
            "--username",
            "admin",
        ])
        .env("BADGESAFE_STAFF_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    assert!(o.status.success());
    let s = Serve::start(&data, &[]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let login = |password: &str| {
        let r = agent
            .post(format!("{}/staff/login", s.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!(
                "username=admin&password={}",
                password.replace(' ', "+")
            ))
            .unwrap();
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, cookie)
    };
    let (status, cookie) = login("correct horse battery");
    assert_eq!(status, 303);
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    for _ in 0..5 {
        assert_eq!(login("wrong").0, 401);
    }
    assert_eq!(login("wrong").0, 429);
    assert_eq!(
        login("correct horse battery").0,
        429,
        "locked even with the right password"
    );
}

/// A service that has mailed Bram five badges (three first-aid, two swimming); the delivery
/// e-mail saved as a mail client would.
fn five_badges_for_bram(dir: &Path) -> (Serve, String, PathBuf) {
    let data = dir.join("data");
    let admin = token(&data, None, "admin");
    let s = Serve::start(&data, &["--verify-allow-private"]);
    catalogue(&s, &admin);
    let rows: Vec<Value> = [
        ("EHBO", "2026-06-01"),
        ("EHBO", "2026-06-02"),
        ("EHBO", "2026-06-03"),
        ("ZWEM-A", "2026-06-04"),
        ("ZWEM-A", "2026-06-05"),
    ]
    .iter()
    .map(|(a, d)| json!({"email": "bram@school.example", "name": "Bram", "achievement": a, "date": d}))
    .collect();
    let (status, v) = s.post("/api/results", &admin, &json!({"results": rows}));
    assert_eq!(status, 201, "{v}");
    let mail = wait_for("the delivery e-mail", 60, || {
        let m = outbox_messages(&data);
        (m.len() == 1).then(|| m[0].clone())
    });
    let eml = dir.join("Je badges.eml");
    std::fs::write(&eml, &mail).unwrap();
    (s, admin, eml)
}

/// `badgesafe wallet ARGS[0] --vault VAULT ARGS[1..]` with Bram's passphrase.
fn bram_wallet(vault: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["wallet", args[0], "--vault", vault.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    bin()
        .args(&all)
        .env("BADGESAFE_PASSPHRASE", "bram's geheime zin")
        .output()
        .unwrap()
}

#[test]
fn a_student_keeps_the_delivery_email_in_the_wallet_and_presents_two_badges() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin, eml) = five_badges_for_bram(dir.path());
    let vault = dir.path().join("bram.vault");
    let wallet = |args: &[&str]| bram_wallet(&vault, args);
    let o = wallet(&["init"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = wallet(&["import", eml.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("5 added; the wallet holds 5 badges."), "{out}");
    // Importing the e-mail again adds nothing.
    let o = wallet(&["import", eml.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 added; the wallet holds 5 badges."));
    let list: Value = serde_json::from_slice(&wallet(&["list", "--json"]).stdout).unwrap();
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 5, "{list:?}");
    assert!(list.iter().all(|b| b["status"] == "verified"), "{list:?}");
    let swim: Vec<&Value> = list
        .iter()
        .filter(|b| b["name"] == "Zwemdiploma A")
        .collect();
    assert_eq!(swim.len(), 2, "{list:#?}");
    let by_skill: Value =
        serde_json::from_slice(&wallet(&["list", "--json", "--skill", "MBO kwalificatie"]).stdout)
            .unwrap();
    assert_eq!(by_skill.as_array().unwrap().len(), 3, "{by_skill}");
    // Two badges for one employer.
    let first_aid = list.iter().find(|b| b["name"] == "Eerste hulp").unwrap();
    let chosen = format!(
        "{},{}",
        first_aid["shortId"].as_str().unwrap(),
        swim[0]["id"].as_str().unwrap()
    );
    let vp = dir.path().join("voor-werkgever.json");
    let o = wallet(&[
        "present",
        "--badges",
        &chosen,
        "--domain",
        "werkgever.example",
        "--challenge",
        "c-42",
        "--expires",
        "7d",
        "-o",
        vp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let verify_vp = |domain: &str| {
        bin()
            .args([
                "verify",
                "--json",
                "--domain",
                domain,
                "--challenge",
                "c-42",
                vp.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let o = verify_vp("werkgever.example");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{report:#}");
    assert_eq!(report["credentials"].as_array().unwrap().len(), 2);
    assert!(
        report["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verified"] == true)
    );
    let o = verify_vp("iemand-anders.example");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        report["checks"]
            .to_string()
            .contains("not \\\"iemand-anders.example\\\""),
        "{report:#}"
    );
    // The school revokes one presented badge: the wallet's re-check and the employer see it.
    let first = first_aid["id"].as_str().unwrap();
    let (status, v) = s.post(
        &format!("/api/credentials/{first}/revoke"),
        &admin,
        &json!({"reason": "verkeerd uitgereikt"}),
    );
    assert_eq!(status, 200, "{v}");
    let o = wallet(&["check"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let list: Value = serde_json::from_slice(&wallet(&["list", "--json"]).stdout).unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "revoked").count(),
        1,
        "{statuses:?}"
    );
    let o = verify_vp("werkgever.example");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        report["checks"].to_string().contains("revoked"),
        "{report:#}"
    );
    // Exported back to a baked PNG, a badge verifies on its own.
    let png = dir.path().join("zwemmen.svg");
    let o = wallet(&[
        "export",
        swim[1]["shortId"].as_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = verify(&std::fs::read(&png).unwrap(), "bram@school.example");
    assert!(report.verified, "{}", report.to_text());
}

#[test]
fn the_wallet_pages_unlock_add_the_email_and_share_two_badges_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _admin, eml) = five_badges_for_bram(dir.path());
    let vault = dir.path().join("bram.vault");
    let o = bram_wallet(&vault, &["init"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .args([
            "wallet",
            "open",
            "--vault",
            vault.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a loopback address"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut child = bin()
        .args([
            "wallet",
            "open",
            "--no-browser",
            "--vault",
            vault.to_str().unwrap(),
            "--verifier",
            &s.url,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("Your wallet is open at ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = Command::new("node")
        .arg(badgesafe_testkit::repo().join("interop/wallet-flow.mjs"))
        .args([&url, "bram's geheime zin", eml.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    assert!(v.get("error").is_none(), "{}\n{}", v["error"], v["page"]);
    assert_eq!(
        (v["withoutToken"].as_u64(), v["wrongToken"].as_u64()),
        (Some(404), Some(404))
    );
    assert!(
        v["locked"].as_str().unwrap().contains("Kluis openen"),
        "{}",
        v["locked"]
    );
    assert_eq!(
        v["focused"], "passphrase",
        "the passphrase field has the focus"
    );
    assert!(
        v["wrongPassphrase"].as_str().unwrap().contains("past niet"),
        "{}",
        v["wrongPassphrase"]
    );
    assert!(
        v["unlocked"]
            .as_str()
            .unwrap()
            .contains("Je kluis is nog leeg"),
        "{}",
        v["unlocked"]
    );
    assert!(
        v["imported"]
            .as_str()
            .unwrap()
            .contains("5 badges toegevoegd"),
        "{}",
        v["imported"]
    );
    assert!(
        v["portfolio"]
            .as_str()
            .unwrap()
            .contains("Je hebt 5 badges"),
        "{}",
        v["portfolio"]
    );
    let images = v["images"].as_array().unwrap();
    assert_eq!(images.len(), 5, "{images:?}");
    assert!(
        images.iter().all(
            |i| i["width"].as_f64().unwrap() >= 150.0 && !i["alt"].as_str().unwrap().is_empty()
        ),
        "large images with text: {images:?}"
    );
    assert_eq!(v["shareChoices"], 5);
    for (task, n) in v["clicks"].as_object().unwrap() {
        assert!(n.as_u64().unwrap() <= 3, "{task} took {n} clicks");
    }
    assert_eq!(v["clicks"].as_object().unwrap().len(), 4);
    // The link made in the pages: a QR code, a one-page print, withdrawn from the page.
    assert!(
        v["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/s/", s.url)),
        "{}",
        v["link"]
    );
    assert_eq!(v["qr"], 1);
    assert_eq!(v["pdfPages"], 1, "the portfolio prints on one page");
    // badgesafe's own PDF of it: one page; the first-aid badges' PNGs embedded (image and mask).
    assert_eq!(v["portfolioPdf"]["magic"], "%PDF-", "{}", v["portfolioPdf"]);
    assert_eq!(v["portfolioPdf"]["pages"], 1, "{}", v["portfolioPdf"]);
    assert!(
        v["portfolioPdf"]["images"].as_u64().unwrap() >= 2,
        "{}",
        v["portfolioPdf"]
    );
    assert_eq!(
        (v["relayBefore"].as_u64(), v["relayAfter"].as_u64()),
        (Some(200), Some(410))
    );
    assert!(
        v["afterUnshare"].as_str().unwrap().contains("ingetrokken"),
        "{}",
        v["afterUnshare"]
    );
    assert!(
        v["shared"]
            .as_str()
            .unwrap()
            .contains("2 badges voor werkgever.example"),
        "{}",
        v["shared"]
    );
    // What the employer gets verifies for them, and only for them.
    let vp = &v["presentation"];
    assert_eq!(vp["verifiableCredential"].as_array().unwrap().len(), 2);
    let fetcher = badgesafe_fetch::HttpFetcher::new(
        Duration::from_secs(10),
        badgesafe_fetch::PlainHttp::LoopbackOnly,
    );
    let opts = badgesafe_verify::Options {
        fetcher: Some(&fetcher),
        now: chrono::Utc::now(),
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    };
    let expect = |d| badgesafe_verify::presentation::Expect {
        challenge: None,
        domain: Some(d),
    };
    let (report, inner) = badgesafe_verify::presentation::verify_presentation(
        vp,
        &opts,
        &expect("werkgever.example"),
    );
    assert!(report.verified, "{}", report.to_text());
    assert!(inner.iter().all(|r| r.verified));
    let (report, _) =
        badgesafe_verify::presentation::verify_presentation(vp, &opts, &expect("ander.example"));
    assert!(!report.verified);
    assert!(
        v["english"].as_str().unwrap().contains("Back to my badges"),
        "{}",
        v["english"]
    );
    assert!(v["afterLock"].as_str().unwrap().contains("Kluis openen"));
    assert!(v["csp"].as_str().unwrap().contains("default-src 'none'"));
    let axe = v["axe"].as_object().unwrap();
    assert_eq!(
        axe.len(),
        11,
        "every wallet page in both languages, and the locked page"
    );
    for (page, violations) in axe {
        assert_eq!(violations, &json!([]), "axe-core on {page}");
    }
}

#[test]
fn an_employer_opens_a_share_link_and_sees_two_verified_badges_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _admin, eml) = five_badges_for_bram(dir.path());
    let vault = dir.path().join("bram.vault");
    let wallet = |args: &[&str]| {
        let o = bram_wallet(&vault, args);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    wallet(&["init"]);
    wallet(&["import", eml.to_str().unwrap()]);
    let list: Value = serde_json::from_str(&wallet(&["list", "--json"])).unwrap();
    let named = |n: &str| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|b| b["name"] == n)
            .map(|b| b["shortId"].as_str().unwrap().to_owned())
            .collect()
    };
    let (first_aid, swim) = (named("Eerste hulp"), named("Zwemdiploma A"));
    assert_eq!((first_aid.len(), swim.len()), (3, 2), "{list}");
    let link_of = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("http://"))
            .unwrap_or_else(|| panic!("{out}"))
            .to_owned()
    };
    let two = link_of(&wallet(&[
        "share",
        "--badges",
        &format!("{},{}", first_aid[0], swim[0]),
        "--domain",
        "werkgever.example",
        "--expires",
        "7d",
        "--verifier",
        &s.url,
    ]));
    let short = link_of(&wallet(&[
        "share",
        "--badges",
        &first_aid[1],
        "--domain",
        "werkgever.example",
        "--expires",
        "3s",
        "--verifier",
        &s.url,
    ]));
    let made = Instant::now();
    assert!(wallet(&["shares"]).contains("2 badge(s) for werkgever.example"));
    // The relay holds ciphertext only: nothing readable of the badges.
    let share_id = two
        .split("/s/")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_owned();
    let stored =
        std::fs::read_to_string(dir.path().join(format!("data/shares/{share_id}.json"))).unwrap();
    assert!(
        !stored.contains("Eerste hulp") && !stored.contains("credentialSubject"),
        "{stored}"
    );
    // A tampered badge file: the name changed inside its image.
    let png = dir.path().join("echt.png");
    wallet(&["export", &first_aid[2], "-o", png.to_str().unwrap()]);
    let baked = std::fs::read(&png).unwrap();
    let inside = badgesafe_bake::unbake(&baked).unwrap().unwrap();
    let changed = inside
        .payload
        .as_str()
        .replace("Eerste hulp", "Hartchirurgie");
    assert_ne!(
        changed,
        inside.payload.as_str(),
        "the badge names its achievement"
    );
    let tampered = dir.path().join("vals.png");
    std::fs::write(&tampered, badgesafe_bake::bake(&baked, &changed).unwrap()).unwrap();

    let flow = |args: &[&str]| {
        let out = Command::new("node")
            .arg(badgesafe_testkit::repo().join("interop/verifier-flow.mjs"))
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
        assert!(v.get("error").is_none(), "{}\n{}", v["error"], v["at"]);
        v
    };
    let v = flow(&["open", &s.url, &two]);
    assert!(
        v["page"]
            .as_str()
            .unwrap()
            .contains("Geopend en gecontroleerd"),
        "{}",
        v["page"]
    );
    let cards = v["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2, "{}", v["page"]);
    for c in cards {
        let c = c.as_str().unwrap();
        assert!(
            c.contains("Echt en in orde")
                && c.contains("Niet ingetrokken")
                && c.contains("Uitgegeven door"),
            "{c}"
        );
    }
    assert_eq!(v["images"], 2);
    assert!(
        v["requests"].as_array().unwrap().iter().all(|r| {
            let r = r.as_str().unwrap();
            r.starts_with(&s.url) || r.starts_with("data:image/")
        }),
        "nothing from elsewhere: {}",
        v["requests"]
    );
    assert!(
        v["wrongKey"]
            .as_str()
            .unwrap()
            .contains("sleutel in deze link past niet"),
        "{}",
        v["wrongKey"]
    );
    assert!(
        v["noKey"].as_str().unwrap().contains("mist zijn sleutel"),
        "{}",
        v["noKey"]
    );
    assert_eq!(v["axeShare"], json!([]), "axe-core on the share page");

    // The student withdraws the first link; the second one runs out.
    assert!(wallet(&["unshare", &share_id]).contains("Withdrawn"));
    assert!(wallet(&["shares"]).contains("withdrawn"));
    let stored =
        std::fs::read_to_string(dir.path().join(format!("data/shares/{share_id}.json"))).unwrap();
    assert!(
        !stored.contains("ciphertext"),
        "withdrawn means deleted: {stored}"
    );
    while made.elapsed() < Duration::from_secs(4) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let v = flow(&["after", &s.url, &two, &short, tampered.to_str().unwrap()]);
    assert!(
        v["withdrawn"]
            .as_str()
            .unwrap()
            .contains("niet meer gedeeld"),
        "{}",
        v["withdrawn"]
    );
    assert!(
        v["expired"].as_str().unwrap().contains("verlopen"),
        "{}",
        v["expired"]
    );
    let t = v["tampered"].as_str().unwrap();
    assert!(
        t.contains("Niet in orde") && t.contains("Handtekening klopt niet"),
        "{t}"
    );
    assert!(v["verdict"]["cls"].as_str().unwrap().contains("error"));
    assert!(
        v["firstLoadBytes"].as_u64().unwrap() < 200 * 1024,
        "{}",
        v["firstLoadBytes"]
    );
    assert!(v["csp"].as_str().unwrap().contains("default-src 'none'"));
    let axe = v["axe"].as_object().unwrap();
    assert_eq!(axe.len(), 4);
    for (page, violations) in axe {
        assert_eq!(violations, &json!([]), "axe-core on {page}");
    }
}
