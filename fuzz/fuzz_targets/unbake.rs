//! PNG and SVG unbaking of arbitrary bytes: an error or a credential, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(baked)) = badgesafe_bake::unbake(data) {
        let _ = baked.payload.as_str().len();
    }
});
