//! JSON-LD to RDF and RDFC-1.0 of arbitrary JSON over the pinned contexts: a result or an
//! error, never a panic; canonicalizing twice gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let processor = badgesafe_jsonld::Processor::new(badgesafe_jsonld::PinnedLoader);
    if let Ok(rdf) = processor.to_rdf(&doc) {
        let first = badgesafe_jsonld::canonicalize_quads(&rdf.quads);
        if let Ok(first) = first {
            let again = processor
                .to_rdf(&doc)
                .expect("the same document processes again");
            let second = badgesafe_jsonld::canonicalize_quads(&again.quads)
                .expect("the same quads canonicalize again");
            assert_eq!(first, second, "cached contexts change nothing");
        }
    }
    let _ = badgesafe_jsonld::canonicalize(&doc);
});
