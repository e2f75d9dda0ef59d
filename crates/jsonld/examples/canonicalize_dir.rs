//! Canonical N-Quads of every JSON file in a folder, as `badgesafe_jsonld::canonicalize` gives
//! them (pinned contexts, data-loss detection on). Prints `{"file": "nquads"}` or
//! `{"file": {"error": "..."}}` as JSON, like `interop/canonize-dir.mjs` does for jsonld.js.
//!
//! `cargo run --release -p badgesafe-jsonld --example canonicalize_dir -- DIR`

use serde_json::{Map, Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: canonicalize_dir DIR")?;
    let mut names: Vec<_> = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = Map::new();
    for name in names {
        let Ok(bytes) = std::fs::read(std::path::Path::new(&dir).join(&name)) else {
            continue;
        };
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if !doc.is_object() {
            continue;
        }
        let result = match badgesafe_jsonld::canonicalize(&doc) {
            Ok(nquads) => Value::String(nquads),
            Err(e) => json!({"error": e.to_string()}),
        };
        out.insert(name, result);
    }
    println!("{}", Value::Object(out));
    Ok(())
}
