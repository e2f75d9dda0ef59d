//! Differential: where badgesafe's processor drops nothing and oxjsonld also succeeds, both
//! give the same canonical N-Quads. Not compared: oxjsonld errors (it refuses some valid
//! documents, see crates/jsonld/tests/differential.rs) and IRIs with dot segments, which oxjsonld
//! does not remove from a base IRI as RFC 3986 asks (W3C toRdf #te091, #t0122, #t0123), and
//! documents with `@type` maps, where oxjsonld drops the type-scoped context of index map
//! values that jsonld.js and badgesafe keep (crates/jsonld/src/tests.rs), and documents
//! naming blank nodes themselves (`_:…`), whose unusual labels oxjsonld drops and jsonld.js
//! keeps. `fuzz/compare-with-jsonld-js` is the reference comparison.
#![no_main]

use badgesafe_jsonld::{Node, Object, PinnedLoader, Processor, Quad};
use libfuzzer_sys::fuzz_target;

// The conversions the JSON-LD differential tests use.
#[path = "../../crates/jsonld/tests/common/mod.rs"]
mod common;

fn has_type_map(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.iter().any(|(k, v)| {
            (k == "@container"
                && (v == "@type" || v.as_array().is_some_and(|a| a.iter().any(|x| x == "@type"))))
                || has_type_map(v)
        }),
        serde_json::Value::Array(items) => items.iter().any(has_type_map),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if has_type_map(&doc) || data.windows(3).any(|w| w == b"\"_:") {
        return;
    }
    let Ok(ours) = Processor::new(PinnedLoader).to_rdf(&doc) else {
        return;
    };
    if !ours.dropped.is_empty() {
        return;
    }
    // The same JSON value for both: oxjsonld reads repeated keys differently.
    let Ok(theirs) = common::oxjsonld_quads(&doc) else {
        return;
    };
    let dotted = |q: &Quad| {
        let iri = |n: &Node| matches!(n, Node::Iri(i) if i.contains("/./") || i.contains("/../"));
        iri(&q.subject)
            || matches!(&q.object, Object::Node(n) if iri(n))
            || q.graph.as_ref().is_some_and(iri)
    };
    if theirs.iter().any(dotted) {
        return;
    }
    let (Ok(a), Ok(b)) = (
        badgesafe_jsonld::canonicalize_quads(&ours.quads),
        badgesafe_jsonld::canonicalize_quads(&theirs),
    ) else {
        return;
    };
    assert_eq!(a, b, "badgesafe and oxjsonld disagree");
});
