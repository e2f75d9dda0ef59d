use super::*;

const W3C_PUBLIC: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
const W3C_SECRET: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

#[test]
fn w3c_key_pair_round_trips() {
    let signer = Ed25519Signer::from_secret_multibase(W3C_SECRET).unwrap();
    assert_eq!(signer.public().to_multikey(), W3C_PUBLIC);
    assert_eq!(signer.to_secret_multibase().as_str(), W3C_SECRET);
    assert_eq!(
        hex::encode(signer.public().as_bytes()),
        "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f"
    );
}

#[test]
fn onedtech_64_byte_secret_is_accepted() {
    let secret = "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx";
    let signer = Ed25519Signer::from_secret_multibase(secret).unwrap();
    assert_eq!(
        signer.public().to_multikey(),
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    );
}

#[test]
fn did_key_vectors_derive_from_seeds() {
    let zero = Ed25519Signer::from_seed(&[0u8; 32]);
    assert_eq!(
        zero.public().to_multikey(),
        "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    );
    let base58 =
        Ed25519Public::from_base58("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS").unwrap();
    assert_eq!(base58, zero.public());
}

#[test]
fn bad_multikeys_are_named() {
    assert!(matches!(
        Ed25519Public::from_multikey("uAAAA"),
        Err(Error::MultibaseEncoding('u'))
    ));
    assert!(matches!(
        Ed25519Public::from_multikey("z0OIl"),
        Err(Error::Multibase(_))
    ));
    assert!(matches!(
        Ed25519Public::from_multikey(""),
        Err(Error::Multibase(_))
    ));
    // A secret key where a public key is expected.
    assert!(matches!(
        Ed25519Public::from_multikey(W3C_SECRET),
        Err(Error::WrongKeyType { .. })
    ));
    assert!(matches!(
        Ed25519Signer::from_secret_multibase(W3C_PUBLIC),
        Err(Error::WrongKeyType { .. })
    ));
    let short = encode_multibase_base58btc(&[0xed, 0x01, 1, 2, 3]);
    assert!(matches!(
        Ed25519Public::from_multikey(&short),
        Err(Error::Length { found: 3, .. })
    ));
}

#[test]
fn sign_and_verify_and_tamper() {
    let signer = Ed25519Signer::generate().unwrap();
    let sig = signer.sign(b"hello");
    signer.public().verify(b"hello", &sig).unwrap();
    assert!(matches!(
        signer.public().verify(b"hellO", &sig),
        Err(Error::BadSignature)
    ));
    assert!(matches!(
        signer.public().verify(b"hello", &sig[..10]),
        Err(Error::Length { .. })
    ));
}

#[test]
fn debug_never_prints_secrets() {
    let signer = Ed25519Signer::from_secret_multibase(W3C_SECRET).unwrap();
    let text = format!("{signer:?}");
    assert!(!text.contains(W3C_SECRET) && text.contains("redacted"));
}

#[test]
fn jwk_round_trip_and_jose_verification() {
    let signer = Ed25519Signer::generate().unwrap();
    let key = PublicKey::from_jwk(&signer.public().to_jwk()).unwrap();
    let sig = signer.sign(b"a.b");
    key.verify_jws("EdDSA", b"a.b", &sig).unwrap();
    assert!(matches!(
        key.verify_jws("RS256", b"a.b", &sig),
        Err(Error::AlgorithmMismatch { .. })
    ));
    assert!(matches!(
        key.verify_jws("HS256", b"a.b", &sig),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn rsa_rs256_round_trip_through_jwk_and_pem() {
    let signer = RsaSigner::generate().unwrap();
    let sig = signer.sign_rs256(b"x.y").unwrap();
    let jwk = signer.public().to_jwk();
    let key = PublicKey::from_jwk(&jwk).unwrap();
    key.verify_jws("RS256", b"x.y", &sig).unwrap();
    assert!(matches!(
        key.verify_jws("RS256", b"x.z", &sig),
        Err(Error::BadSignature)
    ));
    let pem = signer.to_pkcs8_pem().unwrap();
    let again = RsaSigner::from_pkcs8_pem(&pem).unwrap();
    assert_eq!(again.public(), signer.public());
}

#[test]
fn p256_es256_verifies() {
    use p256::ecdsa::signature::Signer as _;
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let sig: p256::ecdsa::Signature = sk.sign(b"m.n");
    let key = PublicKey::P256(Box::new(*sk.verifying_key()));
    let parsed = PublicKey::from_jwk(&key.to_jwk()).unwrap();
    parsed.verify_jws("ES256", b"m.n", &sig.to_bytes()).unwrap();
    assert!(matches!(
        parsed.verify_jws("ES256", b"m.o", &sig.to_bytes()),
        Err(Error::BadSignature)
    ));
}

#[test]
fn hostile_jwks_are_refused_with_reasons() {
    let cases = [
        serde_json::json!("not an object"),
        serde_json::json!({"kty": "OKP", "crv": "X25519", "x": "AA"}),
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "!!"}),
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}),
        serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
        serde_json::json!({"kty": "oct", "k": "AA"}),
        serde_json::json!({"crv": "Ed25519"}),
    ];
    for jwk in cases {
        assert!(PublicKey::from_jwk(&jwk).is_err(), "{jwk}");
    }
}

#[test]
fn ob20_pem_keys_parse() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/samples/1edtech-validator/ob20/assets/"
    );
    for name in ["key1.json", "key2.json", "key3.json"] {
        let text = std::fs::read_to_string(format!("{dir}{name}")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let pem = doc["publicKeyPem"].as_str().unwrap();
        assert!(
            matches!(PublicKey::from_pem(pem), Ok(PublicKey::Rsa(_))),
            "{name}"
        );
    }
    assert!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
    );
}
