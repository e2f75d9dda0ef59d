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
fn a_null_context_resets_and_what_it_leaves_undefined_is_named() {
    let ok = json!({"@context": [null, "https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential"});
    assert!(to_rdf(&ok).is_ok());
    let cleared = json!({"@context": [{"a": "https://example.com/a"}, null], "a": 1});
    match to_rdf(&cleared) {
        // The node is then empty, which jsonld.js's safe mode refuses as well.
        Err(Error::UndefinedTerms(terms)) => assert_eq!(terms, ["a", "an empty object"]),
        other => panic!("expected undefined terms, got {other:?}"),
    }
    let reset = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", {"@protected": false}],
        "type": "VerifiableCredential",
        "credentialSubject": {"@context": null, "name": "Alice"}
    });
    match to_rdf(&reset) {
        Err(Error::Invalid { code, .. }) => {
            assert_eq!(code, ErrorCode::InvalidContextNullification)
        }
        other => panic!("expected a nullification error, got {other:?}"),
    }
}

#[test]
fn protected_terms_cannot_be_redefined() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", {"name": "https://evil.example/name"}],
        "type": "VerifiableCredential",
        "name": "x"
    });
    assert!(matches!(
        to_rdf(&doc),
        Err(Error::Invalid {
            code: ErrorCode::ProtectedTermRedefinition,
            ..
        })
    ));
}

#[test]
fn processed_contexts_are_reused_and_give_the_same_output() {
    let doc = read_json("vectors/1edtech-ob30-eddsa-rdfc-2022/unsigned-credential.json");
    let processor = Processor::new(PinnedLoader);
    let first = processor.to_rdf(&doc).unwrap();
    let cached_after_first = lock(&processor.contexts).len();
    assert!(
        cached_after_first >= 2,
        "top-level and type-scoped contexts are cached"
    );
    let second = processor.to_rdf(&doc).unwrap();
    assert_eq!(
        lock(&processor.contexts).len(),
        cached_after_first,
        "no new entries on reuse"
    );
    assert_eq!(
        canonicalize_quads(&first.quads).unwrap(),
        canonicalize_quads(&second.quads).unwrap()
    );
    // A fresh processor (nothing cached) agrees too.
    let fresh = Processor::new(PinnedLoader).to_rdf(&doc).unwrap();
    assert_eq!(
        canonicalize_quads(&fresh.quads).unwrap(),
        canonicalize_quads(&first.quads).unwrap()
    );
}

#[test]
fn inline_contexts_are_processed_every_time_and_not_cached() {
    let processor = Processor::new(PinnedLoader);
    for i in 0..50 {
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", {"n": format!("https://example.com/n{i}")}],
            "type": "VerifiableCredential",
            "n": i
        });
        let rdf = processor.to_rdf(&doc).unwrap();
        assert!(rdf.dropped.is_empty());
        let canon = canonicalize_quads(&rdf.quads).unwrap();
        assert!(
            canon.contains(&format!("<https://example.com/n{i}> \"{i}\"")),
            "{canon}"
        );
    }
    // Only the one URL-only context (the VC context on the empty context) was cached.
    assert!(lock(&processor.contexts).len() <= 2);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let nested = |levels: usize| {
        let mut doc = json!({"https://example.com/p": "leaf"});
        for _ in 1..levels {
            doc = json!({"https://example.com/p": [doc]});
        }
        doc
    };
    // At the limit, on a thread with the 2 MiB stack that test and runtime worker threads get.
    let at_limit = nested(expand::MAX_DEPTH / 2);
    let ok = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || to_rdf(&at_limit).map(|q| q.len()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(ok.unwrap(), expand::MAX_DEPTH / 2);
    assert!(matches!(
        to_rdf(&nested(expand::MAX_DEPTH)),
        Err(Error::Invalid { .. })
    ));
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

/// Found by the `jsonld_vs_oxjsonld` fuzz target, where oxjsonld 0.2.7 gives `base-foo`: values
/// of an index map are expanded "from a map" (Expansion step 13.8.3.6), so they keep the scoped
/// context of the type that holds them. jsonld.js 9.0.0 gives `inner-foo` too.
#[test]
fn index_map_values_keep_the_enclosing_type_scoped_context() {
    let doc = json!({
        "@context": {
            "@vocab": "http://example/",
            "prop": {"@container": "@index"},
            "foo": "http://example/base-foo",
            "Outer": {"@context": {"prop": {"@id": "http://example/outer-prop", "@container": "@type"}}},
            "Inner": {"@context": {"foo": "http://example/inner-foo"}}
        },
        "@type": "Outer",
        "prop": {"Inner": {"prop": {"index": {"@id": "http://example/inner-with-index", "foo": "v"}}}}
    });
    let canon = canonicalize(&doc).unwrap();
    assert!(
        canon.contains("<http://example/inner-with-index> <http://example/inner-foo> \"v\""),
        "{canon}"
    );
}

/// The cases jsonld.js's safe mode refuses, which Data Integrity signers and verifiers use.
#[test]
fn what_jsonld_js_safe_mode_refuses_is_refused() {
    let v2 = "https://www.w3.org/ns/credentials/v2";
    let cases = [
        (
            json!({"@context": v2, "type": "VerifiableCredential",
                   "name": {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"}}),
            "the base direction of \"مرحبا\"",
        ),
        (
            json!({"@context": [v2, {"@foo": "https://example.com/foo"}], "type": "VerifiableCredential"}),
            "reserved term \"@foo\" in a context",
        ),
        (
            json!({"@context": v2, "type": "VerifiableCredential", "name": {"@value": null}}),
            "a value object whose @value is null",
        ),
        (
            json!({"@context": v2, "@graph": [{"id": "urn:x:1"}, "loose"]}),
            "a node with only an @id",
        ),
        (
            json!({"https://example.com/label": {"@value": "x", "@language": ""}}),
            "invalid language tag \"\"",
        ),
        (
            json!({"@id": "", "@type": "https://example.com/T"}),
            "relative IRI \"\"",
        ),
    ];
    for (doc, want) in cases {
        match to_rdf(&doc) {
            Err(Error::UndefinedTerms(items)) => {
                assert!(items.iter().any(|i| i == want), "{want} not in {items:?}");
            }
            other => panic!("{doc}: expected {want}, got {other:?}"),
        }
    }
}

#[test]
fn long_dropped_values_are_quoted_short() {
    let long = "x".repeat(500);
    let shown = Dropped::RelativeIri(long).to_string();
    assert!(shown.starts_with("relative IRI \"xxxx"), "{shown}");
    assert!(shown.ends_with("… (500 characters)"), "{shown}");
    assert!(shown.len() < 120, "{shown}");
    assert_eq!(
        Dropped::RelativeIri("a/b".into()).to_string(),
        "relative IRI \"a/b\""
    );
}
