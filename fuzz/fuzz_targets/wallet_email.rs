//! A saved e-mail (or any file) handed to the wallet's import: splitting it into candidate
//! badges never panics and respects the limits, and each candidate goes through reading,
//! verification (offline) and adding without a panic; nothing is added twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (found, notes) = badgesafe_wallet::import::candidates("fuzz.eml", data);
    assert!(found.len() <= badgesafe_wallet::import::MAX_ATTACHMENTS * badgesafe_wallet::import::MAX_NESTING);
    let decoded: usize = found.iter().map(|c| c.bytes.len()).sum();
    assert!(decoded <= badgesafe_wallet::import::MAX_DECODED_BYTES);
    assert!(notes.iter().all(|n| !n.source.is_empty()));
    let Ok(mut contents) = badgesafe_wallet::Contents::new("2026-12-04T00:00:00Z") else {
        return;
    };
    let opts = badgesafe_verify::Options {
        fetcher: None,
        now: chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z")
            .expect("a time")
            .into(),
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    };
    for c in &found {
        let _ = badgesafe_wallet::import::import_one(&mut contents, c, &opts, true, "2026-12-04T00:00:00Z");
    }
    let mut ids: Vec<&str> = contents.badges.iter().map(|b| b.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a badge was added twice");
});
