//! A JSON-RPC node that answers anything: the anchor lookup reads whatever comes back (the
//! transaction, its receipt, the block, the head) and gives a result or an error, never a panic.
//!
//! Input: a JSON array; its items are the node's answers, in the order they are asked for.
#![no_main]

use badgesafe_anchor::eth::{self, Rpc};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::Mutex;

struct Scripted(Mutex<std::vec::IntoIter<Value>>);

impl Rpc for Scripted {
    fn call(&self, _method: &str, _params: Value) -> Result<Value, String> {
        let mut answers = self.0.lock().map_err(|_| "poisoned".to_owned())?;
        match answers.next() {
            Some(Value::String(s)) if s.starts_with("error:") => Err(s),
            Some(v) => Ok(v),
            None => Err("no more answers".into()),
        }
    }

    fn endpoint(&self) -> &str {
        "fuzz"
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Array(answers)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let rpc = Scripted(Mutex::new(answers.clone().into_iter()));
    let _ = eth::lookup(&rpc, "0x00", &[0x55; 32]);
    let rpc = Scripted(Mutex::new(answers.into_iter()));
    let _ = eth::chain_id(&rpc);
});
