//! The whole verifier on arbitrary bytes, offline: a report, never a panic, and a report that
//! says "verified" only with a passed proof and no failed check. The same bytes also go through
//! `verify_input` (presentations, the trust list, pinned documents), as `POST /verify` takes them.
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
    let trust = badgesafe_verify::trust::TrustList {
        issuers: vec![badgesafe_verify::trust::TrustedIssuer {
            name: "School".into(),
            ids: vec!["did:web:school.example".into()],
            accounts: Vec::new(),
            documents: Default::default(),
        }],
    };
    let pinned = badgesafe_verify::trust::Pinned::new(&trust, None);
    let opts = badgesafe_verify::Options {
        fetcher: Some(&pinned),
        ..opts
    };
    let expect = badgesafe_verify::presentation::Expect {
        challenge: Some("c"),
        domain: Some("werkgever.example"),
    };
    let v = badgesafe_verify::verify_input(data, &opts, &expect, Some((&trust, true)));
    let json = serde_json::to_value(&v).expect("verifications serialize");
    if v.report.verified {
        assert!(json["checks"].as_array().expect("checks").iter().all(|c| c["outcome"] != "failed"));
    }
    // A presentation has one report per `credential.N` check; anything else has none.
    let n = v
        .report
        .checks
        .iter()
        .filter(|c| c.check.starts_with("credential."))
        .count();
    assert_eq!(v.credentials.len(), if v.presentation { n } else { 0 });
});
