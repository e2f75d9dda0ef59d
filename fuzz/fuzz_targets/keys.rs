//! Key parsers fed arbitrary text: multibase, multikeys, Ed25519 secrets, JWKs and PEM.
#![no_main]

use badgesafe_crypto::{Ed25519Public, Ed25519Signer, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = badgesafe_crypto::decode_multibase_base58btc(text);
    if let Ok(key) = Ed25519Public::from_multikey(text) {
        assert_eq!(
            Ed25519Public::from_multikey(&key.to_multikey())
                .ok()
                .map(|k| *k.as_bytes()),
            Some(*key.as_bytes())
        );
    }
    let _ = Ed25519Public::from_base58(text);
    let _ = Ed25519Signer::from_secret_multibase(text);
    let _ = PublicKey::from_pem(text);
    if let Ok(jwk) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = PublicKey::from_jwk(&jwk);
    }
});
