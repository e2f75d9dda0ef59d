//! Baking into arbitrary bytes: whenever baking succeeds, unbaking the result gives back exactly
//! the credential, once.
#![no_main]

use libfuzzer_sys::fuzz_target;

const CREDENTIAL: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"note":"]]> <x> & \" é"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(baked) = badgesafe_bake::bake(data, CREDENTIAL) else {
        return;
    };
    let unbaked = badgesafe_bake::unbake(&baked).expect("a baked image unbakes");
    let found = unbaked.expect("a baked image carries the credential");
    assert_eq!(found.payload.as_str(), CREDENTIAL);
    // Baking again replaces, never adds.
    let again = badgesafe_bake::bake(&baked, "{\"x\":1}").expect("re-baking a baked image works");
    let found = badgesafe_bake::unbake(&again)
        .expect("unbakes")
        .expect("carries one");
    assert_eq!(found.payload.as_str(), "{\"x\":1}");
});
