//! Vault files and decrypted wallet JSON of arbitrary bytes: the container parser and the
//! contents reader never panic; a container that parses renders back to text that parses to
//! the same blocks. (Decryption itself is age's, fuzzed upstream; scrypt is too slow to run
//! here per input.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = badgesafe_wallet::vault::Container::parse(text)
    {
        let again = badgesafe_wallet::vault::Container::parse(&c.render()).expect("renders back");
        assert_eq!(again, c);
    }
    if let Ok(contents) = badgesafe_wallet::Contents::from_json(data) {
        // What was read writes back and reads again to the same badges.
        let json = contents.to_json().expect("writes");
        let again = badgesafe_wallet::Contents::from_json(&json).expect("reads back");
        assert_eq!(again.badges.len(), contents.badges.len());
        for b in &contents.badges {
            let _ = b.status();
            let _ = badgesafe_wallet::import::image_of(b);
            let _ = badgesafe_wallet::import::export_baked(b);
        }
    }
});
