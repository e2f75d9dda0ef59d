use super::*;
use serde_json::json;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn read_text(rel: &str) -> String {
    std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn w3c_vector_canonical_document_matches_byte_for_byte() {
    let doc = read_json("vectors/w3c-vc-di-eddsa/unsigned.json");
    let canon = canonicalize(&doc).unwrap();
    assert_eq!(
        canon,
        read_text("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt")
    );
}

#[test]
fn onedtech_ob30_vector_canonical_document_matches() {
    let doc = read_json("vectors/1edtech-ob30-eddsa-rdfc-2022/unsigned-credential.json");
    let canon = canonicalize(&doc).unwrap();
    assert_eq!(
        canon,
        read_text("vectors/1edtech-ob30-eddsa-rdfc-2022/document-canon.nq")
    );
    let hash = hex::encode(canonical_hash(&doc).unwrap());
    assert_eq!(
        hash,
        "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
    );
}

#[test]
fn onedtech_clr20_vector_canonical_document_matches() {
    let doc = read_json("vectors/1edtech-clr20-eddsa-rdfc-2022/unsigned-credential.json");
    let canon = canonicalize(&doc).unwrap();
    assert_eq!(
        canon,
        read_text("vectors/1edtech-clr20-eddsa-rdfc-2022/document-canon.nq")
    );
}

#[test]
fn undefined_property_is_named() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2", "favouriteColour": "blue"}
    });
    match to_rdf(&doc) {
        Err(Error::UndefinedTerms(terms)) => assert_eq!(terms, vec!["favouriteColour".to_owned()]),
        other => panic!("expected undefined terms, got {other:?}"),
    }
}

#[test]
fn undefined_type_and_relative_id_are_named() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "not-absolute",
        "type": ["VerifiableCredential", "MysteryCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"}
    });
    let Err(Error::UndefinedTerms(terms)) = to_rdf(&doc) else {
        panic!("expected undefined terms");
    };
    assert!(terms.contains(&"MysteryCredential".to_owned()), "{terms:?}");
    assert!(
        terms.contains(&"relative IRI \"not-absolute\"".to_owned()),
        "{terms:?}"
    );
}

#[test]
fn extension_types_need_the_extensions_context() {
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:9a1b7a8e-1f5b-4b0c-9a8e-1f5b4b0c9a8e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:1", "type": ["Profile"]},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialStatus": {"id": "https://example.com/revocations", "type": "1EdTechRevocationList"},
        "credentialSubject": {"id": "did:example:2", "type": ["AchievementSubject"]}
    });
    assert!(
        matches!(to_rdf(&doc), Err(Error::UndefinedTerms(t)) if t == ["1EdTechRevocationList"])
    );
    doc["@context"].as_array_mut().unwrap().push(json!(
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
    ));
    assert!(to_rdf(&doc).is_ok());
}

#[test]
fn unknown_context_is_named_and_never_fetched() {
    let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx.json"], "type": "VerifiableCredential"});
    match to_rdf(&doc) {
        Err(Error::UnknownContext(url)) => assert_eq!(url, "https://evil.example/ctx.json"),
        other => panic!("expected unknown context, got {other:?}"),
    }
}

#[test]
fn null_context_is_refused() {
    let doc = json!({"@context": [null, "https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential"});
    assert!(matches!(to_rdf(&doc), Err(Error::NullContext)));
}

#[test]
fn not_an_object_is_refused() {
    assert!(matches!(
        to_rdf(&json!([1, 2])),
        Err(Error::NotADocument(_))
    ));
}

#[test]
fn language_tags_are_lowercased_as_jsonld_js_does() {
    let doc = read_json("interop/lite-lang-rdfc.json");
    let mut unsigned = doc.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let canon = canonicalize(&unsigned).unwrap();
    assert!(canon.contains("\"Teamwork Badge\"@en-us"), "{canon}");
}
