//! The W3C RDFC-1.0 test suite (`shared/data/w3c-rdf-canon`), byte for byte, and a differential
//! check against the `rdf-canon` crate on every dataset the JSON-LD toRdf suite expects.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use badgesafe_jsonld::{canonicalize_quads, canonicalize_quads_with};
use serde_json::Value;
use sha2::{Sha256, Sha384};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

#[test]
fn w3c_rdfc10_suite() {
    let dir = data("w3c-rdf-canon");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.jsonld")).unwrap())
            .unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    let mut failures = Vec::new();
    for t in entries {
        let id = t["id"].as_str().unwrap();
        let input = common::parse_nquads(&dir.join(t["action"].as_str().unwrap()));
        let result = match t.get("hashAlgorithm").and_then(Value::as_str) {
            Some("SHA384") => canonicalize_quads_with::<Sha384>(&input),
            _ => canonicalize_quads_with::<Sha256>(&input),
        };
        let kind = t["type"].as_str().unwrap();
        match kind {
            "rdfc:RDFC10NegativeEvalTest" => {
                if result.is_ok() {
                    failures.push(format!("{id}: expected an error (poison graph)"));
                }
            }
            "rdfc:RDFC10EvalTest" => {
                let expected =
                    std::fs::read_to_string(dir.join(t["result"].as_str().unwrap())).unwrap();
                match result {
                    Ok((got, _)) if got == expected => {}
                    Ok((got, _)) => failures.push(format!("{id}:\nexpected\n{expected}got\n{got}")),
                    Err(e) => failures.push(format!("{id}: {e}")),
                }
            }
            "rdfc:RDFC10MapTest" => {
                let expected: HashMap<String, String> = serde_json::from_str(
                    &std::fs::read_to_string(dir.join(t["result"].as_str().unwrap())).unwrap(),
                )
                .unwrap();
                match result {
                    Ok((_, map)) if map == expected => {}
                    Ok((_, map)) => {
                        failures.push(format!("{id}: expected {expected:?}, got {map:?}"));
                    }
                    Err(e) => failures.push(format!("{id}: {e}")),
                }
            }
            other => failures.push(format!("{id}: unknown test type {other}")),
        }
    }
    eprintln!(
        "W3C RDFC-1.0: {} of {} passed",
        entries.len() - failures.len(),
        entries.len()
    );
    assert_eq!(entries.len(), 86);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn same_output_as_rdf_canon_on_every_to_rdf_expected_dataset() {
    let dir = data("w3c-jsonld-api/toRdf");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "nq") {
            continue;
        }
        let Ok(quads) = common::try_parse_nquads(&path) else {
            continue; // generalized RDF (#te075, #t0118)
        };
        let theirs: Vec<oxrdf02::Quad> = quads.iter().map(common::to_oxrdf02).collect();
        let expected = rdf_canon::canonicalize_quads(&theirs).unwrap();
        assert_eq!(
            canonicalize_quads(&quads).unwrap(),
            expected,
            "{}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared > 300, "only {compared} datasets");
}
