//! MerkleProof2019 `proofValue`s (multibase base58btc of CBOR, both the cert-issuer and the
//! JavaScript forms) and the local-log entries they may carry: an error or a receipt, never a
//! panic; a receipt that decodes encodes back to one that decodes the same.
//!
//! Input: a JSON document (its `proofValue`s are used, as in the Blockcerts seeds), or raw
//! CBOR bytes after a 0x01 byte (wrapped as a proofValue here), or the proofValue text itself.
#![no_main]

use badgesafe_anchor::{Receipt, log::Entry};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn proof_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("proofValue", Value::String(s)) => out.push(s.clone()),
                    _ => proof_values(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| proof_values(x, out)),
        _ => {}
    }
}

fn check(text: &str) {
    let Ok(receipt) = Receipt::decode(text) else {
        return;
    };
    for anchor in &receipt.anchors {
        let _ = anchor.blink();
        if let Some(Ok(entry)) = Entry::from_tx(&anchor.tx) {
            let _ = entry.to_line();
        }
    }
    if let Ok(again) = receipt.encode() {
        let back = Receipt::decode(&again).expect("an encoded receipt decodes");
        assert_eq!(back, receipt);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some((&1, cbor)) = data.split_first() {
        check(&badgesafe_crypto::encode_multibase_base58btc(cbor));
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let mut found = Vec::new();
        proof_values(&v, &mut found);
        for p in found {
            check(&p);
        }
        return;
    }
    check(text);
});
