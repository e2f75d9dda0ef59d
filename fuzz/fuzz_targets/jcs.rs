//! JCS of arbitrary JSON: the same bytes as serde_json_canonicalizer (which does not round
//! integers beyond 2^53, so those are skipped), and output that parses back to the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn has_big_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.as_u64().is_some_and(|u| u > 1 << 53)
                || n.as_i64().is_some_and(|i| i.unsigned_abs() > 1 << 53)
        }
        Value::Array(items) => items.iter().any(has_big_integer),
        Value::Object(m) => m.values().any(has_big_integer),
        _ => false,
    }
}

/// Equal as JSON values, numbers compared as the doubles they denote.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let ours = badgesafe_jcs::to_vec(&value);
    let parsed: Value = serde_json::from_slice(&ours).expect("JCS output is JSON");
    if !has_big_integer(&value) {
        assert!(
            same(&parsed, &value),
            "JCS output parses back to another value"
        );
        if let Ok(reference) = serde_json_canonicalizer::to_vec(&value) {
            assert_eq!(ours, reference, "differs from serde_json_canonicalizer");
        }
    }
});
