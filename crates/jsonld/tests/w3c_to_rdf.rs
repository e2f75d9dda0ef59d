//! The W3C JSON-LD 1.1 toRdf test suite (`shared/data/w3c-jsonld-api`), run against
//! badgesafe's processor.
//!
//! Every positive test must give the expected dataset (compared as RDFC-1.0 canonical N-Quads,
//! so blank node labels do not matter), every negative test must fail with the expected error
//! code. The only tests not run are those for JSON-LD 1.0 processors (`specVersion`
//! `json-ld-1.0`), the two that need generalized RDF, which badgesafe does not produce, and
//! `#ter56`, whose input (`expand/er56-in.jsonld`) is not in `shared/data`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use badgesafe_jsonld::{
    Error, ErrorCode, Processor, RdfDirection, RemoteDocument, canonicalize_quads,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

const SUITE_BASE: &str = "https://w3c.github.io/json-ld-api/tests/";

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/w3c-jsonld-api")
}

fn load(url: &str) -> Result<RemoteDocument, Error> {
    let failed = |why: String| Error::Invalid {
        code: ErrorCode::LoadingRemoteContextFailed,
        detail: why,
    };
    let rel = url
        .strip_prefix(SUITE_BASE)
        .ok_or_else(|| failed(format!("{url} is outside the test suite")))?;
    let text = std::fs::read_to_string(suite_dir().join(rel))
        .map_err(|e| failed(format!("{url}: {e}")))?;
    let document = serde_json::from_str(&text).map_err(|e| failed(format!("{url}: {e}")))?;
    Ok(RemoteDocument {
        url: url.to_owned(),
        document,
    })
}

fn canonical_expected(path: &Path) -> String {
    canonicalize_quads(&common::parse_nquads(path)).unwrap()
}

/// What one test did.
enum Outcome {
    Passed,
    Skipped(&'static str),
    Failed(String),
}

fn run(test: &Value) -> Outcome {
    let option = test.get("option").cloned().unwrap_or(Value::Null);
    let opt = |k: &str| option.get(k);
    if opt("specVersion").and_then(Value::as_str) == Some("json-ld-1.0") {
        return Outcome::Skipped("for JSON-LD 1.0 processors only");
    }
    if opt("produceGeneralizedRdf").and_then(Value::as_bool) == Some(true) {
        return Outcome::Skipped("generalized RDF is not produced");
    }
    let input = test["input"].as_str().unwrap_or_default();
    if !suite_dir().join(input).exists() {
        // #ter56 names expand/er56-in.jsonld, which shared/data does not carry.
        return Outcome::Skipped("the input file is not in shared/data");
    }
    let document_url = format!("{SUITE_BASE}{input}");
    let base = opt("base")
        .and_then(Value::as_str)
        .map_or(document_url.clone(), str::to_owned);
    let mut processor = Processor::new(load).with_base(base);
    if opt("processingMode").and_then(Value::as_str) == Some("json-ld-1.0") {
        processor = processor.with_json_ld_10();
    }
    match opt("rdfDirection").and_then(Value::as_str) {
        Some("i18n-datatype") => {
            processor = processor.with_rdf_direction(RdfDirection::I18nDatatype)
        }
        Some("compound-literal") => {
            processor = processor.with_rdf_direction(RdfDirection::CompoundLiteral);
        }
        _ => {}
    }
    if let Some(ctx) = opt("expandContext").and_then(Value::as_str) {
        match load(&format!("{SUITE_BASE}{ctx}")) {
            Ok(doc) => processor = processor.with_expand_context(doc.document),
            Err(e) => return Outcome::Failed(format!("expandContext: {e}")),
        }
    }
    let document = match load(&document_url) {
        Ok(d) => d.document,
        Err(e) => return Outcome::Failed(format!("input: {e}")),
    };
    let result = processor.to_rdf(&document);
    let types: Vec<&str> = test["@type"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(code) = test.get("expectErrorCode").and_then(Value::as_str) {
        return match result {
            Err(e) if e.code().map(ErrorCode::as_str) == Some(code) => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("expected error {code:?}, got {e}")),
            Ok(_) => Outcome::Failed(format!("expected error {code:?}, got a result")),
        };
    }
    let rdf = match result {
        Ok(rdf) => rdf,
        Err(e) => return Outcome::Failed(format!("unexpected error: {e}")),
    };
    if types.contains(&"jld:PositiveSyntaxTest") {
        return Outcome::Passed;
    }
    let Some(expect) = test.get("expect").and_then(Value::as_str) else {
        return Outcome::Failed("no expected output".into());
    };
    let expected = canonical_expected(&suite_dir().join(expect));
    match canonicalize_quads(&rdf.quads) {
        Ok(got) if got == expected => Outcome::Passed,
        Ok(got) => Outcome::Failed(format!("--- expected\n{expected}--- got\n{got}")),
        Err(e) => Outcome::Failed(format!("canonicalization: {e}")),
    }
}

#[test]
fn w3c_to_rdf_suite() {
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(suite_dir().join("toRdf-manifest.jsonld")).unwrap(),
    )
    .unwrap();
    let tests = manifest["sequence"].as_array().unwrap();
    let mut passed = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for test in tests {
        let id = test["@id"].as_str().unwrap_or("?");
        match run(test) {
            Outcome::Passed => passed += 1,
            Outcome::Skipped(why) => skipped.push(format!("{id}: {why}")),
            Outcome::Failed(why) => failures.push(format!("{id} {}: {why}", test["name"])),
        }
    }
    eprintln!(
        "W3C toRdf: {passed} passed, {} skipped, {} failed of {}\nskipped: {}",
        skipped.len(),
        failures.len(),
        tests.len(),
        skipped.join("; ")
    );
    assert_eq!(
        passed + skipped.len() + failures.len(),
        467,
        "the manifest has 467 tests"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // 10 tests are for JSON-LD 1.0 processors, 2 need generalized RDF, 1 lacks its input.
    assert_eq!(skipped.len(), 13, "skipped: {skipped:?}");
}
