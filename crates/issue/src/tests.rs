use super::*;
use badgesafe_verify::{Options, Outcome};

fn issuer() -> Issuer {
    let signer = Ed25519Signer::from_seed(&[5; 32]);
    let did = badgesafe_did::did_key(&signer.public());
    Issuer {
        profile: json!({"id": did, "type": ["Profile"], "name": "Test School"}),
        verification_method: badgesafe_did::did_key_method(&signer.public()),
        signer,
        rsa: Some(RsaSigner::generate().unwrap()),
        rsa_kid: Some("rsa-1".into()),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn verify(bytes: &[u8]) -> badgesafe_verify::Report {
    badgesafe_verify::verify_bytes(
        bytes,
        &Options {
            fetcher: None,
            now: now(),
            recipient_email: Some("student@example.org"),
            rpc: &[],
            confirmations: 1,
        },
    )
}

#[test]
fn every_format_signs_and_verifies() {
    let iss = issuer();
    let cred = sample_credential("student@example.org", "pepper", None);
    for format in [Format::Rdfc, Format::Jcs, Format::JwtEdDsa] {
        let signed = iss.sign(&cred, format, now()).unwrap();
        let text = signed.to_text().unwrap();
        let r = verify(text.as_bytes());
        assert!(r.verified, "{format:?}\n{}", r.to_text());
        assert_eq!(r.get("recipient").unwrap().outcome, Outcome::Passed);
    }
    let jwt = iss.sign(&cred, Format::JwtRs256, now()).unwrap();
    let r = verify(jwt.to_text().unwrap().as_bytes());
    // RS256 with a kid that is not a DID: the key must come from the issuer's JWKS.
    assert_eq!(
        r.get("proof.jwt").unwrap().outcome,
        Outcome::Failed,
        "{}",
        r.to_text()
    );
    let Signed::Jwt(compact) = jwt else { panic!() };
    let decoded = badgesafe_proof::jws::decode(&compact).unwrap();
    assert_eq!(decoded.alg().unwrap(), "RS256");
    decoded.verify(&iss.rsa.as_ref().unwrap().public()).unwrap();
    assert_eq!(decoded.payload["iss"], iss.profile["id"]);
    assert!(decoded.payload["nbf"].is_i64() && decoded.payload["jti"].is_string());
}

#[test]
fn prepare_fills_and_normalizes() {
    let iss = issuer();
    let mut cred = sample_credential("a@example.org", "s", None);
    cred["type"] = json!("OpenBadgeCredential");
    cred["credentialSubject"]["achievement"]["type"] = json!("Achievement");
    cred["credentialSubject"]["achievement"]["name"] = json!({"@value": "x", "@language": "en-US"});
    let doc = iss.prepare(&cred, now());
    // A value object is not allowed for name by the schema: the error names the field.
    let err = doc.unwrap_err().to_string();
    assert!(err.contains("/credentialSubject/achievement/name"), "{err}");
    cred["credentialSubject"]["achievement"]["name"] = json!("Welding");
    let doc = iss.prepare(&cred, now()).unwrap();
    assert!(doc["id"].as_str().unwrap().starts_with("urn:uuid:"));
    assert_eq!(doc["@context"][0], badgesafe_contexts::VC_V2);
    assert_eq!(doc["@context"][1], badgesafe_contexts::OB_V3);
    assert_eq!(
        doc["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(
        doc["credentialSubject"]["achievement"]["type"],
        json!(["Achievement"])
    );
    assert_eq!(doc["validFrom"], "2026-12-04T10:00:00Z");
    assert_eq!(doc["issuer"]["name"], "Test School");
    // Two credentials get different ids.
    let other = iss.prepare(&cred, now()).unwrap();
    assert_ne!(doc["id"], other["id"]);
}

#[test]
fn language_tags_are_lowercased_before_signing() {
    let mut v = json!({"description": {"@value": "x", "@language": "nl-NL"}, "tag": "one"});
    normalize(&mut v);
    assert_eq!(v["description"]["@language"], "nl-nl");
    assert_eq!(v["tag"], json!(["one"]));
}

#[test]
fn an_issuer_profile_with_other_identifiers_signs() {
    let mut iss = issuer();
    iss.profile["otherIdentifier"] = json!({
        "type": "IdentifierEntry",
        "identifier": "eip155:11155111:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        "identifierType": "accountId"
    });
    let doc = iss.prepare(&badgesafe_issue_sample(), now()).unwrap();
    // The entry list becomes an array; the entry's own identifier stays a string.
    assert_eq!(
        doc["issuer"]["otherIdentifier"][0]["identifier"],
        "eip155:11155111:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    );
    let mut subject = json!({"identifier": {"type": "IdentityObject", "identityHash": "x"}});
    normalize(&mut subject);
    assert!(subject["identifier"].is_array());
}

#[test]
fn a_result_keeps_its_single_result_description_id() {
    // Found through the staff pages: a Result's resultDescription (one id) was wrapped in an
    // array like an Achievement's list of ResultDescriptions, which the OB schema refuses.
    let mut cred = badgesafe_issue_sample();
    cred["credentialSubject"]["achievement"]["resultDescription"] = json!({
        "id": "urn:badgesafe:result:X", "type": "ResultDescription", "name": "Uitslag", "resultType": "Status"
    });
    cred["credentialSubject"]["result"] = json!([{"type": ["Result"], "value": "behaald", "resultDescription": "urn:badgesafe:result:X"}]);
    let doc = issuer().prepare(&cred, now()).unwrap();
    assert_eq!(
        doc["credentialSubject"]["result"][0]["resultDescription"],
        "urn:badgesafe:result:X"
    );
    assert!(doc["credentialSubject"]["achievement"]["resultDescription"].is_array());
    issuer().sign(&cred, Format::Rdfc, now()).unwrap();
}

fn badgesafe_issue_sample() -> Value {
    sample_credential(
        "student@example.org",
        "00112233445566778899aabbccddeeff",
        None,
    )
}

#[test]
fn bad_input_is_refused_with_reasons() {
    let iss = issuer();
    let cases = [
        (json!([1]), "JSON object"),
        (
            json!({"@context": ["https://www.w3.org/2018/credentials/v1"]}),
            "VC 1.1",
        ),
        (
            json!({"issuer": "did:example:other", "credentialSubject": {}}),
            "did:example:other",
        ),
        (
            json!({"type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:1"}}),
            "OpenBadgeCredential",
        ),
        (
            json!({"credentialSubject": {"type": ["AchievementSubject"], "id": "did:example:1"}}),
            "achievement",
        ),
        (json!({"proof": {}}), "already has a proof"),
    ];
    for (input, needle) in cases {
        let err = iss
            .sign(&input, Format::Rdfc, now())
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{input}: {err}");
    }
    // An undefined term is named by the signer.
    let mut cred = sample_credential("a@example.org", "s", None);
    cred["credentialSubject"]["favouriteColour"] = json!("blue");
    let err = iss
        .sign(&cred, Format::Rdfc, now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("favouriteColour"), "{err}");
}

#[test]
fn extension_context_is_added_for_1edtech_types() {
    let iss = issuer();
    let mut cred = sample_credential("a@example.org", "s", None);
    cred["credentialStatus"] =
        json!({"id": "https://school.example/revocations", "type": "1EdTechRevocationList"});
    let doc = iss.prepare(&cred, now()).unwrap();
    assert!(
        doc["@context"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == badgesafe_contexts::OB_EXTENSIONS)
    );
    iss.sign(&cred, Format::Rdfc, now()).unwrap();
}
