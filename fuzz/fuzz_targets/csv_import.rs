//! Results import of arbitrary bytes: never panics; every row it accepts has a checked e-mail
//! address, a known achievement and a date not after today, every line number lies within the
//! file, and no row is both accepted and refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
    let known = |a: &str| matches!(a, "EHBO" | "ZWEM-A" | "a");
    let cx = badgesafe_intake::Context {
        known: &known,
        today,
    };
    let Ok(checked) = badgesafe_intake::check_csv(data, &cx) else {
        return;
    };
    let lines = (0..data.len())
        .filter(|&i| badgesafe_intake::is_line_end(data, i))
        .count() as u64
        + 1;
    let mut accepted = std::collections::HashSet::new();
    for row in &checked.rows {
        assert!(row.line >= 2 && row.line <= lines, "line {} of {lines}", row.line);
        assert!(badgesafe_intake::check_email(&row.email).is_ok());
        assert!(known(&row.achievement));
        assert!(row.date <= today);
        assert!(accepted.insert(row.line), "line {} accepted twice", row.line);
    }
    for e in &checked.errors {
        assert!(e.line >= 1 && e.line <= lines, "error line {} of {lines}", e.line);
        assert!(!e.reason.is_empty());
    }
    // JSON pushed by applications goes through the same row checks.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = badgesafe_intake::check_json(&value, &cx);
    }
});
