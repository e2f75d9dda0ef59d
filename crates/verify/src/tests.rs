use super::*;
use std::collections::HashMap;

fn data_path(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn now() -> DateTime<Utc> {
    parse_time("2026-12-04T00:00:00Z").unwrap()
}

fn offline() -> Options<'static> {
    Options {
        fetcher: None,
        now: now(),
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    }
}

/// The report with `web` answering network requests.
fn online(bytes: &[u8], web: &dyn Fetcher) -> Report {
    verify_bytes(
        bytes,
        &Options {
            fetcher: Some(web),
            ..offline()
        },
    )
}

/// Serves fixture files for the URLs the 1EdTech fixtures name (a supplement to the real HTTP
/// tests of the fetch crate; it never answers for an unknown URL).
struct FixtureWeb(HashMap<String, Vec<u8>>);

impl Fetcher for FixtureWeb {
    fn get(&self, url: &str, _accept: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(url)
            .cloned()
            .ok_or_else(|| format!("connection refused ({url})"))
    }
}

fn outcome(r: &Report, id: &str) -> Outcome {
    r.get(id)
        .unwrap_or_else(|| panic!("no check {id} in {}", r.to_text()))
        .outcome
}

#[test]
fn valid_onedtech_fixtures_verify_offline() {
    let valid = [
        "samples/1edtech-validator/ob30/simple.json",
        "samples/1edtech-validator/ob30/complete.json",
        "samples/1edtech-validator/ob30/simple-context-alias.json",
        "samples/1edtech-validator/ob30/simple-context-version.json",
        "samples/1edtech-validator/ob30/simple-eddsa-2022.json",
        "samples/1edtech-validator/ob30/simple-multiple-proofs.json",
        "samples/1edtech-validator/ob30/endorsement-valid.json",
        "samples/1edtech-validator/ob30/simple_v1.json",
        "samples/1edtech-validator/ob30/simple.1ob",
        "samples/1edtech-validator/ob30/simple-json.png",
        "samples/1edtech-validator/ob30/simple-json.svg",
        "samples/1edtech-validator/ob30/simple-jwt.png",
        "samples/1edtech-validator/ob30/simple-jwt.svg",
        "samples/1edtech-validator/ob30/simple-jwt_v1.png",
        "samples/1edtech-validator/ob30/simple-jwt_v1.svg",
        "samples/1edtech-validator/clr20/simple.json",
        "samples/1edtech-validator/clr20/simple_v1.json",
        "samples/1edtech-validator/clr20/simple.jwt",
        "vectors/1edtech-ob30-eddsa-rdfc-2022/signed-credential.json",
        "vectors/1edtech-clr20-eddsa-rdfc-2022/signed-credential.json",
        "interop/ssi-eddsa-rdfc-2022.json",
        "interop/ssi-eddsa-jcs-2022.json",
        "interop/lite-eddsa-rdfc-2022.json",
        "interop/lite-eddsa-jcs-2022.json",
    ];
    for f in valid {
        let r = verify_bytes(&read(f), &offline());
        assert!(r.verified, "{f}\n{}", r.to_text());
    }
}

/// The W3C vectors are signed by a did:key that is not their example issuer: every proof checks,
/// and the issuer binding fails, as it must.
#[test]
fn w3c_vectors_have_valid_proofs_but_no_issuer_binding() {
    for f in [
        "vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        "vectors/w3c-vc-di-eddsa/eddsa-jcs-2022/signedJCS.json",
        "vectors/w3c-vc-di-eddsa/Ed25519Signature2020/signedEdSig.json",
        "vectors/w3c-vc-di-eddsa/proof-set-chain/signedProofSet2.json",
    ] {
        let r = verify_bytes(&read(f), &offline());
        let proofs: Vec<_> = r
            .checks
            .iter()
            .filter(|c| c.check.starts_with("proof."))
            .collect();
        assert!(
            !proofs.is_empty() && proofs.iter().all(|c| c.outcome == Outcome::Passed),
            "{f}\n{}",
            r.to_text()
        );
        assert_eq!(outcome(&r, "identity.issuer_key"), Outcome::Failed, "{f}");
    }
}

/// `lite-lang-rdfc.json` exists to test language-tag canonicalization: its proof verifies, but its
/// `name` is a JSON-LD value object, which the official OB 3.0 schema does not allow.
#[test]
fn language_tag_fixture_proof_verifies_and_schema_names_the_field() {
    let r = verify_bytes(&read("interop/lite-lang-rdfc.json"), &offline());
    assert_eq!(outcome(&r, "proof.1"), Outcome::Passed, "{}", r.to_text());
    assert_eq!(outcome(&r, "format.schema"), Outcome::Failed);
    assert!(r.get("format.schema").unwrap().detail.contains("/name"));
}

#[test]
fn invalid_onedtech_fixtures_fail_the_right_check() {
    let cases = [
        ("simple-err-context.json", "proof.1"),
        ("simple-err-credential-subject-type.json", "proof.1"),
        ("simple-err-evidence-type.json", "proof.1"),
        ("simple-err-issuer-type.json", "proof.1"),
        ("simple-err-proof-value.json", "proof.1"),
        ("simple-err-type.json", "proof.1"),
        ("simple-err-proof-method.json", "proof.1"),
        ("simple-err-proof-method-no-scheme.json", "proof.1"),
        ("simple-err-proof-method-unknown-did-method.json", "proof.1"),
        ("simple-err-proof-method-unknown-scheme.json", "proof.1"),
        ("simple-err-expired.json", "status.validity"),
        ("simple-err-issued.json", "status.validity"),
        ("simple-err-issuer.json", "identity.issuer_key"),
        // Signed by a did:key whose controller is not the issuer (urn:uuid:…): the proof is valid,
        // but nothing binds the key to the issuer, so badgesafe refuses it.
        ("simple-did-key-method.json", "identity.issuer_key"),
        ("../clr20/complex.json", "identity.issuer_key"),
        ("simple-noproof.json", "proof.present"),
        ("endorsement-err-schema-status-refresh.json", "proof.1"),
    ];
    for (f, check) in cases {
        let r = verify_bytes(
            &read(&format!("samples/1edtech-validator/ob30/{f}")),
            &offline(),
        );
        assert!(!r.verified, "{f}");
        assert_eq!(outcome(&r, check), Outcome::Failed, "{f}\n{}", r.to_text());
    }
}

#[test]
fn network_checks_are_skipped_offline_and_failed_when_unreachable() {
    let file = read("samples/1edtech-validator/ob30/simple.json");
    let r = verify_bytes(&file, &offline());
    assert_eq!(outcome(&r, "identity.issuer_key"), Outcome::Skipped);
    let r = online(&file, &FixtureWeb(HashMap::new()));
    assert_eq!(
        outcome(&r, "identity.issuer_key"),
        Outcome::Failed,
        "{}",
        r.to_text()
    );
    assert!(!r.verified);
}

#[test]
fn did_web_keys_are_resolved_skipped_offline_and_failed_when_unreachable() {
    let signer = badgesafe_crypto::Ed25519Signer::from_seed(&[9; 32]);
    let did = "did:web:school.example";
    let mut cred: Value = serde_json::from_slice(&read(
        "samples/1edtech-spec-examples/basicOpenBadgeCredential.json",
    ))
    .unwrap();
    cred.as_object_mut().unwrap().remove("proof");
    cred["issuer"]["id"] = did.into();
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
    let bytes = serde_json::to_vec(&signed).unwrap();
    let r = verify_bytes(&bytes, &offline());
    assert_eq!(outcome(&r, "proof.1"), Outcome::Skipped);
    assert!(
        !r.verified,
        "a credential with no checked proof is not verified"
    );
    let empty = FixtureWeb(HashMap::new());
    let r = online(&bytes, &empty);
    assert_eq!(outcome(&r, "proof.1"), Outcome::Failed);
    let doc = badgesafe_did::did_web_document(did, "key-1", &signer.public());
    let web = FixtureWeb(HashMap::from([(
        "https://school.example/.well-known/did.json".to_owned(),
        doc.to_string().into_bytes(),
    )]));
    let r = online(&bytes, &web);
    assert!(r.verified, "{}", r.to_text());
    assert_eq!(outcome(&r, "identity.issuer_key"), Outcome::Passed);
    // Another key under the same id fails.
    let other = badgesafe_did::did_web_document(
        did,
        "key-1",
        &badgesafe_crypto::Ed25519Signer::from_seed(&[8; 32]).public(),
    );
    let web = FixtureWeb(HashMap::from([(
        "https://school.example/.well-known/did.json".to_owned(),
        other.to_string().into_bytes(),
    )]));
    let r = online(&bytes, &web);
    assert_eq!(outcome(&r, "proof.1"), Outcome::Failed);
}

#[test]
fn bitstring_status_list_revocation_is_found() {
    let list_url = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist";
    let web = FixtureWeb(HashMap::from([(
        list_url.to_owned(),
        read("samples/1edtech-validator/ob30/bit-string-list/testlist"),
    )]));
    let opts = Options {
        fetcher: Some(&web),
        ..offline()
    };
    for f in [
        "credential-status-revoked.json",
        "credential-status-revoked-blank-nodes.json",
    ] {
        let r = verify_bytes(
            &read(&format!(
                "samples/1edtech-validator/ob30/bit-string-list/{f}"
            )),
            &opts,
        );
        assert_eq!(
            outcome(&r, "status.revocation"),
            Outcome::Failed,
            "{f}\n{}",
            r.to_text()
        );
        assert!(
            r.get("status.revocation")
                .unwrap()
                .detail
                .contains("revoked")
        );
        assert_eq!(outcome(&r, "proof.1"), Outcome::Passed);
    }
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob30/bit-string-list/credential-status-revoked.json"),
        &offline(),
    );
    assert_eq!(outcome(&r, "status.revocation"), Outcome::Skipped);
}

#[test]
fn onedtech_revocation_list_is_read() {
    let doc: Value = serde_json::from_slice(&read(
        "samples/1edtech-validator/ob30/credential-status-revoked.json",
    ))
    .unwrap();
    let url = doc["credentialStatus"]["id"].as_str().unwrap().to_owned();
    let id = doc["id"].as_str().unwrap();
    let revoked = serde_json::json!({"revokedCredential": [{"id": id, "revoked": true, "revocationReason": "mistake"}]});
    let clean = serde_json::json!({"revokedCredential": [{"id": "urn:uuid:other"}]});
    let mut r = Report::new();
    let web = FixtureWeb(HashMap::from([(
        url.clone(),
        revoked.to_string().into_bytes(),
    )]));
    status::check(
        &doc,
        &Options {
            fetcher: Some(&web),
            ..offline()
        },
        &mut r,
    );
    assert_eq!(r.checks[0].outcome, Outcome::Failed);
    assert!(r.checks[0].detail.contains("mistake"));
    let mut r = Report::new();
    let web = FixtureWeb(HashMap::from([(url, clean.to_string().into_bytes())]));
    status::check(
        &doc,
        &Options {
            fetcher: Some(&web),
            ..offline()
        },
        &mut r,
    );
    assert_eq!(r.checks[0].outcome, Outcome::Passed);
}

fn ob2_web() -> FixtureWeb {
    let a = |f: &str| read(&format!("samples/1edtech-validator/ob20/assets/{f}"));
    FixtureWeb(HashMap::from([
        ("http://example.org/key1.json".to_owned(), a("key1.json")),
        ("http://example.org/key2.json".to_owned(), a("key2.json")),
        ("http://example.org/key3.json".to_owned(), a("key3.json")),
        (
            "https://example.org/robotics-badge.json".to_owned(),
            a("robotics-badge.json"),
        ),
        (
            "https://example.org/organization.json".to_owned(),
            a("organization.json"),
        ),
        (
            "https://example.org/organization-with-revocation-list.json".to_owned(),
            a("organization-with-revocation-list.json"),
        ),
        (
            "http://example.org/revocation-list.json".to_owned(),
            a("revocation-list.json"),
        ),
        (
            "http://example.org/empty-revocation-list.json".to_owned(),
            a("empty-revocation-list.json"),
        ),
        (
            "https://example.org/badge-from-organization-with-revocation-list.json".to_owned(),
            a("badge-from-organization-with-revocation-list.json"),
        ),
        (
            "https://example.org/badge-from-organization-with-empty-revocation-list.json"
                .to_owned(),
            a("badge-from-organization-with-empty-revocation-list.json"),
        ),
        (
            "https://example.org/organization-with-empty-revocation-list.json".to_owned(),
            a("organization-with-empty-revocation-list.json"),
        ),
    ]))
}

#[test]
fn ob20_signed_assertions() {
    let web = ob2_web();
    let opts = Options {
        fetcher: Some(&web),
        ..offline()
    };
    let r = verify_bytes(&read("samples/1edtech-validator/ob20/simple.jwt"), &opts);
    assert_eq!(
        outcome(&r, "ob2.signature"),
        Outcome::Passed,
        "{}",
        r.to_text()
    );
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob20/simple-not-revoked.jwt"),
        &opts,
    );
    assert!(r.verified, "{}", r.to_text());
    assert_eq!(outcome(&r, "status.revocation"), Outcome::Passed);
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob20/simple-revoked.jwt"),
        &opts,
    );
    assert_eq!(
        outcome(&r, "ob2.signature"),
        Outcome::Passed,
        "{}",
        r.to_text()
    );
    assert_eq!(
        outcome(&r, "status.revocation"),
        Outcome::Failed,
        "{}",
        r.to_text()
    );
    let with_email = Options {
        recipient_email: Some("somebody@example.org"),
        rpc: &[],
        confirmations: 1,
        ..opts
    };
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob20/simple.jwt"),
        &with_email,
    );
    assert_eq!(outcome(&r, "recipient"), Outcome::Failed, "{}", r.to_text());
    let right = Options {
        recipient_email: Some("nobody@example.org"),
        rpc: &[],
        confirmations: 1,
        ..opts
    };
    let r = verify_bytes(&read("samples/1edtech-validator/ob20/simple.jwt"), &right);
    assert_eq!(outcome(&r, "recipient"), Outcome::Passed, "{}", r.to_text());
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob20/simple.jwt"),
        &offline(),
    );
    assert_eq!(outcome(&r, "ob2.signature"), Outcome::Skipped);
    assert!(!r.verified);
}

#[test]
fn hostile_inputs_give_reports_not_panics() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[1,2]".to_vec(),
        deep.into_bytes(),
        vec![0xff, 0xfe, 0x00],
        b"eyJhbGciOiJub25lIn0.e30.".to_vec(),
        b"aaa.bbb.ccc".to_vec(),
        br#"{"@context": 5, "type": {}}"#.to_vec(),
        br#"{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", "verificationMethod": "did:key:z6Mk", "proofValue": "z1"}}"#.to_vec(),
        b"\x89PNG\r\n\x1a\n\x00\x00".to_vec(),
        b"<svg><openbadges:credential".to_vec(),
    ];
    for input in inputs {
        let r = verify_bytes(&input, &offline());
        assert!(!r.verified, "{:?}", String::from_utf8_lossy(&input));
        assert!(
            r.checks.iter().any(|c| c.outcome == Outcome::Failed),
            "{}",
            r.to_text()
        );
    }
}

/// A signed credential with a key repeated: parsers disagree on which value counts, so the
/// credential is refused before anything is checked, naming the key.
#[test]
fn repeated_keys_are_refused() {
    let text = String::from_utf8(read("samples/1edtech-validator/ob30/simple.json")).unwrap();
    assert!(verify_bytes(text.as_bytes(), &offline()).verified);
    let twice = text.replacen("\"name\"", "\"name\": \"Forged\", \"name\"", 1);
    let r = verify_bytes(twice.as_bytes(), &offline());
    assert!(!r.verified);
    let fail = r
        .checks
        .iter()
        .find(|c| c.outcome == Outcome::Failed)
        .unwrap();
    assert!(
        fail.detail.contains("\"name\" appears twice"),
        "{}",
        r.to_text()
    );
}

#[test]
fn report_serializes_as_the_cli_promises() {
    let r = verify_bytes(
        &read("samples/1edtech-validator/ob30/simple.json"),
        &offline(),
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verified"], true);
    let first = &v["checks"][0];
    assert!(first["check"].is_string() && first["detail"].is_string());
    assert!(matches!(
        first["outcome"].as_str(),
        Some("passed" | "failed" | "skipped")
    ));
}

#[test]
fn a_presentation_keeps_each_credential_with_its_report_and_trust() {
    let simple: Value =
        serde_json::from_slice(&read("samples/1edtech-validator/ob30/simple.json")).unwrap();
    let vp = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:bram",
        "verifiableCredential": [5, simple],
    });
    let trust = trust::TrustList {
        issuers: vec![trust::TrustedIssuer {
            name: "Example".into(),
            ids: vec!["https://example.com/issuers/876543".into()],
            accounts: Vec::new(),
            documents: Default::default(),
        }],
    };
    let v = verify_input(
        vp.to_string().as_bytes(),
        &offline(),
        &presentation::Expect::default(),
        Some((&trust, true)),
    );
    assert!(v.presentation);
    assert_eq!(v.credentials.len(), 2, "one report per credential, in step");
    assert_eq!(outcome(&v.credentials[0], "format.json"), Outcome::Failed);
    assert_eq!(
        outcome(&v.credentials[1], "issuer.trusted"),
        Outcome::Passed,
        "the trust check looked at the right credential"
    );
    assert_eq!(outcome(&v.report, "credential.1"), Outcome::Failed);
    assert_eq!(outcome(&v.report, "presentation.proof"), Outcome::Skipped);
}
