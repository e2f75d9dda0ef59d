use super::*;
use badgesafe_testkit::Server;
use badgesafe_verify::{Fetcher, Options, Outcome};

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(Duration::from_millis(800), PlainHttp::LoopbackOnly)
}

#[test]
fn gets_follows_redirects_and_names_failures() {
    let web = Server::start();
    let base = web.base.clone();
    web.respond("/ok", 200, &[], b"{\"a\":1}");
    web.respond("/moved", 302, &[("Location", "/ok")], b"");
    web.respond("/out", 302, &[("Location", "http://example.com/x")], b"");
    web.respond("/gone", 410, &[], b"");
    web.respond(
        "/big",
        200,
        &[],
        vec![b' '; badgesafe_verify::MAX_FETCH_BYTES + 10],
    );
    let f = fetcher();
    web.respond_after(Duration::from_millis(1500), "/slow", 200, &[], "late");
    assert_eq!(
        f.get(&format!("{base}/ok"), "application/json").unwrap(),
        b"{\"a\":1}"
    );
    assert_eq!(
        f.get(&format!("{base}/moved"), "application/json").unwrap(),
        b"{\"a\":1}"
    );
    let e = f
        .get(&format!("{base}/out"), "application/json")
        .unwrap_err();
    assert!(e.contains("only fetched from this machine"), "{e}");
    assert_eq!(
        f.get(&format!("{base}/gone"), "*/*").unwrap_err(),
        "HTTP 410"
    );
    assert_eq!(
        f.get(&format!("{base}/missing"), "*/*").unwrap_err(),
        "HTTP 404"
    );
    assert!(
        f.get(&format!("{base}/big"), "*/*")
            .unwrap_err()
            .contains("larger than")
    );
    assert_eq!(
        f.get(&format!("{base}/slow"), "*/*").unwrap_err(),
        "timed out"
    );
    assert!(
        f.get("ftp://example.com/x", "*/*")
            .unwrap_err()
            .contains("only https://")
    );
    assert!(
        f.get("http://example.com/x", "*/*")
            .unwrap_err()
            .contains("loopback")
    );
    // Nothing listens on port 9 of loopback.
    assert!(f.get("http://127.0.0.1:9/x", "*/*").is_err());
}

#[test]
fn relative_redirects_resolve() {
    assert_eq!(
        resolve_location("https://a.example/b/c.json", "d.json"),
        "https://a.example/b/d.json"
    );
    assert_eq!(
        resolve_location("https://a.example/b/c.json", "/e"),
        "https://a.example/e"
    );
    assert_eq!(
        resolve_location("https://a.example", "f"),
        "https://a.example/f"
    );
}

#[test]
fn did_web_issuer_verifies_end_to_end_over_http() {
    let web = Server::start();
    let base = web.base.clone();
    let port = base.rsplit(':').next().unwrap();
    let did = format!("did:web:127.0.0.1%3A{port}");
    let signer = badgesafe_crypto::Ed25519Signer::generate().unwrap();
    web.respond(
        "/.well-known/did.json",
        200,
        &[],
        badgesafe_did::did_web_document(&did, "key-1", &signer.public())
            .to_string()
            .as_bytes(),
    );
    let cred = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:0b0c3f2e-6d2e-4d5b-9f59-0d7c2a0c1e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Loopback School"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Welding",
        "credentialSubject": {"id": "did:example:student", "type": ["AchievementSubject"], "achievement": {
            "id": "urn:uuid:3a1c8b7e-7c55-4a3f-a9f0-0a9e5c1d2b33", "type": ["Achievement"], "name": "Welding",
            "description": "Can weld", "criteria": {"narrative": "Weld two plates"}}}
    });
    let opts = badgesafe_proof::ProofOptions {
        suite: badgesafe_proof::Suite::EddsaRdfc2022,
        verification_method: format!("{did}#key-1"),
        proof_purpose: "assertionMethod".into(),
        created: Some("2026-01-01T00:00:00Z".into()),
        expires: None,
        domain: None,
        challenge: None,
    };
    let signed = badgesafe_proof::sign(cred.clone(), &opts, &signer).unwrap();
    let f = fetcher();
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let bytes = serde_json::to_vec(&signed).unwrap();
    let check = || {
        badgesafe_verify::verify_bytes(
            &bytes,
            &Options {
                fetcher: Some(&f),
                now,
                recipient_email: None,
                rpc: &[],
                confirmations: 1,
            },
        )
    };
    let report = check();
    assert!(report.verified, "{}", report.to_text());
    assert_eq!(
        report.get("identity.issuer_key").unwrap().outcome,
        Outcome::Passed
    );
    // The server stops publishing the key: the proof can no longer be checked.
    web.respond("/.well-known/did.json", 404, &[], b"");
    let report = check();
    assert!(!report.verified);
    assert!(
        report.get("proof.1").unwrap().detail.contains("HTTP 404"),
        "{}",
        report.to_text()
    );
}

#[test]
fn a_public_only_fetcher_refuses_every_non_public_address() {
    let web = Server::start();
    web.respond("/ok", 200, &[], b"{}");
    let open = fetcher();
    assert!(open.get(&web.url("/ok"), "*/*").is_ok());
    let public = fetcher().public_only(true);
    let e = public.get(&web.url("/ok"), "*/*").unwrap_err();
    assert!(e.contains("not a public address (127.0.0.1)"), "{e}");
    for url in [
        "https://10.1.2.3/x",
        "https://192.168.0.1/x",
        "https://172.16.5.5/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/x",
        "https://[::1]/x",
        "https://[fd00::1]/x",
        "https://[fe80::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://0.0.0.0/x",
        "https://localhost/x",
        "https://user@127.0.0.1:8443/x",
    ] {
        let e = public.get(url, "*/*").unwrap_err();
        assert!(e.contains("not a public address"), "{url}: {e}");
    }
    for ip in ["8.8.8.8", "2606:4700::1111", "151.101.1.1"] {
        assert!(is_public(ip.parse().unwrap()), "{ip}");
    }
    // A redirect to a private address is refused too.
    web.respond(
        "/to-inside",
        302,
        &[("Location", "https://10.0.0.1/secret")],
        b"",
    );
    // (The first hop is loopback, which only the open fetcher reaches; it must refuse the hop.)
    let e = open
        .public_only(true)
        .get(&web.url("/to-inside"), "*/*")
        .unwrap_err();
    assert!(e.contains("not a public address"), "{e}");
}

#[test]
fn the_connection_itself_refuses_a_non_public_address() {
    // What a name resolves to when the connection is made is checked again (DNS rebinding).
    let web = Server::start();
    web.respond("/ok", 200, &[], b"{}");
    let agent = ureq::Agent::with_parts(
        config(Duration::from_secs(2)),
        ureq::unversioned::transport::DefaultConnector::new(),
        PublicResolver::default(),
    );
    let e = agent.get(&web.url("/ok")).call().unwrap_err().to_string();
    assert!(e.contains("not a public address (127.0.0.1)"), "{e}");
    let open = ureq::Agent::new_with_config(config(Duration::from_secs(2)));
    assert!(open.get(&web.url("/ok")).call().is_ok());
}
