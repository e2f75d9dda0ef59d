//! The whole verifier on arbitrary bytes, offline: a report, never a panic, and a report that
//! says "verified" only with a passed proof and no failed check.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = badgesafe_verify::Options {
        fetcher: None,
        now: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        recipient_email: Some("student@example.org"),
        rpc: &[],
        confirmations: 1,
    };
    let report = badgesafe_verify::verify_bytes(data, &opts);
    let json = serde_json::to_value(&report).expect("reports serialize");
    if report.verified {
        let checks = json["checks"].as_array().expect("checks");
        assert!(checks.iter().all(|c| c["outcome"] != "failed"));
        assert!(checks.iter().any(|c| {
            c["outcome"] == "passed"
                && c["check"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("proof.") || id == "ob2.signature")
        }));
    }
});
