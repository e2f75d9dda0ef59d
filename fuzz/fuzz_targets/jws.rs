//! Compact JWS (VC-JWT) decoding of arbitrary text, and checking it against a key: an error or
//! a result, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = badgesafe_proof::jws::looks_like_compact(text);
    let Ok(jws) = badgesafe_proof::jws::decode(text) else {
        return;
    };
    let _ = jws.alg();
    let _ = jws.kid();
    if let Some(jwk) = jws.jwk()
        && let Ok(key) = badgesafe_crypto::PublicKey::from_jwk(jwk)
    {
        let _ = jws.verify(&key);
    }
    let key = badgesafe_crypto::PublicKey::Ed25519(
        badgesafe_crypto::Ed25519Signer::from_seed(&[7; 32]).public(),
    );
    let _ = jws.verify(&key);
});
