use super::*;
use serde_json::json;

fn sample(rel: &str) -> Value {
    let path = format!(
        "{}/../../../shared/data/samples/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn spec_example_hash_matches() {
    assert_eq!(
        identity_hash("a@example.com", "Kosher"),
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    );
}

#[test]
fn valid_fixtures_pass_the_schema() {
    for f in [
        "1edtech-validator/ob30/simple.json",
        "1edtech-validator/ob30/complete.json",
        "1edtech-spec-examples/fullOpenBadge.json",
        "1edtech-validator/clr20/simple.json",
        "1edtech-validator/ob30/endorsement-valid.json",
    ] {
        let doc = sample(f);
        let kind = kind_of(&doc).unwrap();
        validate(&doc, kind).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

#[test]
fn missing_required_field_is_named() {
    let mut doc = sample("1edtech-validator/ob30/simple.json");
    doc.as_object_mut().unwrap().remove("validFrom");
    let err = validate(&doc, Kind::Achievement).unwrap_err().to_string();
    assert!(err.contains("validFrom"), "{err}");
    let mut doc = sample("1edtech-validator/ob30/simple.json");
    doc["credentialSubject"]["achievement"]["name"] = json!(42);
    let err = validate(&doc, Kind::Achievement).unwrap_err().to_string();
    assert!(err.contains("/credentialSubject/achievement/name"), "{err}");
}

#[test]
fn built_credential_is_schema_valid_and_emits_arrays() {
    let mut ach = Achievement::new(
        "https://school.example/achievements/1",
        "Welding",
        "Can weld",
        Criteria {
            id: None,
            narrative: Some("Weld two plates".into()),
        },
    );
    ach.alignment = Some(vec![Alignment::new(
        "ESCO welding",
        "https://esco.example/weld",
    )]);
    let subject = AchievementSubject {
        id: None,
        kind: OneOrMany::Many(vec!["AchievementSubject".into()]),
        identifier: Some(vec![IdentityObject::hashed(
            "emailAddress",
            "a@example.com",
            "salt",
        )]),
        achievement: ach,
        result: Some(vec![AchievementResult::value("8", None)]),
    };
    let cred = AchievementCredential::new(
        Profile::new("did:example:school", "School"),
        subject,
        "2026-01-01T00:00:00Z".into(),
    );
    assert!(cred.id.starts_with("urn:uuid:"));
    let v = serde_json::to_value(&cred).unwrap();
    assert!(
        v["type"].is_array()
            && v["credentialSubject"]["identifier"].is_array()
            && v["issuer"]["type"].is_array()
    );
    validate(&v, Kind::Achievement).unwrap();
    assert!(subject_is_identified(&v));
    // Single values are accepted on input.
    let mut single = v.clone();
    single["type"] = json!("OpenBadgeCredential");
    single["issuer"]["type"] = json!("Profile");
    let back: AchievementCredential = serde_json::from_value(single).unwrap();
    assert_eq!(back.issuer.id, "did:example:school");
}

#[test]
fn unidentified_subject_is_detected() {
    let doc = json!({"credentialSubject": {"type": ["AchievementSubject"]}});
    assert!(!subject_is_identified(&doc));
    assert!(subject_is_identified(
        &json!({"credentialSubject": {"id": "did:example:1"}})
    ));
}
