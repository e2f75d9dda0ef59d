use super::*;
use badgesafe_crypto::PublicKey;
use serde_json::json;

fn data(rel: &str) -> String {
    let path = format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_file(rel: &str) -> Value {
    serde_json::from_str(&data(rel)).unwrap()
}

fn w3c_signer() -> Ed25519Signer {
    Ed25519Signer::from_secret_multibase("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
        .unwrap()
}

fn options(suite: Suite, vm: &str, created: &str) -> ProofOptions {
    ProofOptions {
        suite,
        verification_method: vm.into(),
        proof_purpose: "assertionMethod".into(),
        created: Some(created.into()),
        expires: None,
        domain: None,
        challenge: None,
    }
}

const W3C_VM: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

#[test]
fn w3c_rdfc_vector_reproduces_hashes_and_proof_value() {
    let unsigned = json_file("vectors/w3c-vc-di-eddsa/unsigned.json");
    let config = json_file("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json");
    let hash = hash_data(Suite::EddsaRdfc2022, &unsigned, &config).unwrap();
    assert_eq!(
        hex::encode(&hash[..32]),
        data("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/proofHashDataInt.txt").trim()
    );
    assert_eq!(
        hex::encode(&hash[32..]),
        data("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/docHashDataInt.txt").trim()
    );
    let signed = sign(
        unsigned.clone(),
        &options(Suite::EddsaRdfc2022, W3C_VM, "2023-02-24T23:36:38Z"),
        &w3c_signer(),
    )
    .unwrap();
    let expected = json_file("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json");
    assert_eq!(
        signed["proof"][0]["proofValue"],
        expected["proof"]["proofValue"]
    );
    assert_eq!(
        verify(&expected, proofs(&expected)[0], &w3c_signer().public()).unwrap(),
        Suite::EddsaRdfc2022
    );
}

#[test]
fn w3c_jcs_vector_reproduces_proof_value() {
    let unsigned = json_file("vectors/w3c-vc-di-eddsa/unsigned.json");
    let signed = sign(
        unsigned.clone(),
        &options(Suite::EddsaJcs2022, W3C_VM, "2023-02-24T23:36:38Z"),
        &w3c_signer(),
    )
    .unwrap();
    let expected = json_file("vectors/w3c-vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    assert_eq!(
        signed["proof"][0]["proofValue"],
        expected["proof"]["proofValue"]
    );
    assert_eq!(
        signed["proof"][0]["proofValue"].as_str().unwrap(),
        data("vectors/w3c-vc-di-eddsa/eddsa-jcs-2022/sigBTC58JCS.txt").trim()
    );
    verify(&expected, proofs(&expected)[0], &w3c_signer().public()).unwrap();
}

#[test]
fn w3c_ed25519signature2020_vector_verifies() {
    let signed = json_file("vectors/w3c-vc-di-eddsa/Ed25519Signature2020/signedEdSig.json");
    assert_eq!(
        verify(&signed, proofs(&signed)[0], &w3c_signer().public()).unwrap(),
        Suite::Ed25519Signature2020
    );
}

#[test]
fn onedtech_ob30_and_clr_vectors_reproduce_proof_values() {
    for dir in [
        "vectors/1edtech-ob30-eddsa-rdfc-2022",
        "vectors/1edtech-clr20-eddsa-rdfc-2022",
    ] {
        let keys = json_file(&format!("{dir}/keys-and-intermediates.json"));
        let signer =
            Ed25519Signer::from_secret_multibase(keys["secretKeyMultibase"].as_str().unwrap())
                .unwrap();
        let unsigned = json_file(&format!("{dir}/unsigned-credential.json"));
        let opts = json_file(&format!("{dir}/proof-options.json"));
        let o = options(
            Suite::EddsaRdfc2022,
            opts["verificationMethod"].as_str().unwrap(),
            opts["created"].as_str().unwrap(),
        );
        let signed = sign(unsigned.clone(), &o, &signer).unwrap();
        assert_eq!(
            signed["proof"][0]["proofValue"], keys["proofValue"],
            "{dir}"
        );
        let hash = hash_data(Suite::EddsaRdfc2022, &unsigned, &opts).unwrap();
        assert_eq!(
            hex::encode(hash),
            keys["dataToSignHex"].as_str().unwrap(),
            "{dir}"
        );
        let published = json_file(&format!("{dir}/signed-credential.json"));
        verify(&published, proofs(&published)[0], &signer.public()).unwrap();
    }
}

#[test]
fn proof_sets_verify_each_proof_against_the_document_without_proofs() {
    let keys = json_file("vectors/w3c-vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let signed = json_file("vectors/w3c-vc-di-eddsa/proof-set-chain/signedProofSet2.json");
    let all = proofs(&signed);
    assert_eq!(all.len(), 2);
    for (proof, kp) in all.iter().zip(["keyPair1", "keyPair2"]) {
        let key = badgesafe_crypto::Ed25519Public::from_multikey(
            keys[kp]["publicKeyMultibase"].as_str().unwrap(),
        )
        .unwrap();
        verify(&signed, proof, &key).unwrap();
    }
}

#[test]
fn tampering_is_caught() {
    let mut signed = json_file("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json");
    signed["credentialSubject"]["alumniOf"] = json!("The School of Examples (forged)");
    let proof = signed["proof"].clone();
    assert!(matches!(
        verify(&signed, &proof, &w3c_signer().public()),
        Err(Error::BadSignature)
    ));
    let mut bad_created = json_file("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json");
    bad_created["proof"]["created"] = json!("yesterday");
    let p = bad_created["proof"].clone();
    assert!(matches!(
        verify(&bad_created, &p, &w3c_signer().public()),
        Err(Error::Malformed(_))
    ));
    let mut bad_value = json_file("vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json");
    bad_value["proof"]["proofValue"] = json!("not-multibase!");
    let p = bad_value["proof"].clone();
    assert!(matches!(
        verify(&bad_value, &p, &w3c_signer().public()),
        Err(Error::ProofValue(_))
    ));
}

#[test]
fn unknown_suites_and_types_are_named() {
    assert!(
        matches!(Suite::of(&json!({"type": "DataIntegrityProof", "cryptosuite": "ecdsa-sd-2023"})), Err(Error::Unsupported(m)) if m.contains("ecdsa-sd-2023"))
    );
    assert!(matches!(
        Suite::of(&json!({"type": "SomeProofType"})),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(Suite::of(&json!({})), Err(Error::Malformed(_))));
}

#[test]
fn jws_round_trips_for_eddsa_and_rs256() {
    let payload = json!({"iss": "did:example:1", "name": "Badge"});
    let ed = w3c_signer();
    let compact = jws::sign(
        &payload,
        Some("did:example:1#k"),
        jws::JwsSigner::Ed25519(&ed),
    )
    .unwrap();
    assert!(jws::looks_like_compact(&compact));
    let decoded = jws::decode(&compact).unwrap();
    assert_eq!(decoded.payload, payload);
    assert_eq!(decoded.header["typ"], "JWT");
    decoded.verify(&PublicKey::Ed25519(ed.public())).unwrap();
    let rsa = badgesafe_crypto::RsaSigner::generate().unwrap();
    let compact = jws::sign(&payload, None, jws::JwsSigner::Rsa(&rsa)).unwrap();
    let decoded = jws::decode(&compact).unwrap();
    decoded.verify(&rsa.public()).unwrap();
    assert!(decoded.verify(&PublicKey::Ed25519(ed.public())).is_err());
    // A changed payload fails.
    let mut parts: Vec<&str> = compact.split('.').collect();
    use base64::Engine as _;
    let forged =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"iss":"did:example:2"}"#);
    parts[1] = &forged;
    assert!(
        jws::decode(&parts.join("."))
            .unwrap()
            .verify(&rsa.public())
            .is_err()
    );
}

#[test]
fn malformed_jws_are_named() {
    assert!(matches!(jws::decode("a.b"), Err(jws::Error::Format(_))));
    assert!(matches!(
        jws::decode("!!.e30.AA"),
        Err(jws::Error::Base64 { part: "header" })
    ));
    assert!(matches!(
        jws::decode("e30.W10.AA"),
        Err(jws::Error::Json {
            part: "payload",
            ..
        })
    ));
}

#[test]
fn xsd_datetimes() {
    for ok in [
        "2023-02-24T23:36:38Z",
        "2026-12-03T16:10:42.782Z",
        "2020-01-01T00:00:00+01:00",
        "2020-01-01T00:00:00",
    ] {
        assert!(is_xsd_datetime(ok), "{ok}");
    }
    for bad in [
        "2023-02-24",
        "2023-02-24 23:36:38Z",
        "2023-02-24T23:36:38.Z",
        "2023-02-24T23:36:38+0100",
    ] {
        assert!(!is_xsd_datetime(bad), "{bad}");
    }
}
