//! badgesafe's processor against oxjsonld, an independent JSON-LD 1.1 implementation, on every
//! JSON-LD document in `shared/data` (samples, vectors, interop files, Blockcerts fixtures):
//! both must give the same canonical N-Quads, or both must refuse the document. Documents are
//! checked whole and without their `proof`, which is what a Data Integrity proof signs.
//!
//! Not compared: documents from which badgesafe's processor reports dropped data (undefined
//! terms), because [`badgesafe_jsonld::to_rdf`] refuses those outright. On those, oxjsonld keeps
//! the nodes nested under an undefined property while the specification (Expansion step 13.3)
//! drops the whole value; no signature is ever computed over either result.
//!
//! Known oxjsonld deviations, each checked to still occur (see `KNOWN`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use badgesafe_jsonld::{PinnedLoader, Processor, canonicalize_quads};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "json" || e == "jsonld")
        {
            out.push(path);
        }
    }
}

/// oxjsonld's canonical N-Quads, or its first error.
fn reference(doc: &Value) -> Result<String, String> {
    canonicalize_quads(&common::oxjsonld_quads(doc)?).map_err(|e| e.to_string())
}

/// Files on which oxjsonld 0.2.7 refuses a valid document: (path prefix, its error, why badgesafe
/// is right).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "blockcerts/",
        "Overriding the protected term DataIntegrityProof",
        "the VC v2 and Data Integrity v2 contexts define DataIntegrityProof identically, and an \
         identical redefinition of a protected term is allowed (W3C toRdf #tpr23-#tpr25); \
         jsonld.js accepts these files and gives the same canonical N-Quads as badgesafe \
         (checked with interop/canonize-dir.mjs)",
    ),
    (
        "samples/1edtech-validator/ob20/",
        "@value and @id are incompatible",
        "an @language entry in a node object is ignored by the Expansion algorithm; oxjsonld's \
         streaming parser takes it for a value object",
    ),
];

#[test]
fn same_canonical_n_quads_as_oxjsonld_on_every_fixture() {
    let mut files = Vec::new();
    for sub in ["samples", "vectors", "interop", "blockcerts"] {
        json_files(&data_dir().join(sub), &mut files);
    }
    files.sort();
    let processor = Processor::new(PinnedLoader);
    let (mut compared, mut both_refused, mut lossy) = (0, 0, 0);
    let mut known_hits = vec![0; KNOWN.len()];
    let mut mismatches = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if doc.get("@context").is_none() {
            continue;
        }
        let mut variants = vec![("whole", doc.clone())];
        if let Some(mut unsecured) = doc.as_object().cloned()
            && unsecured.remove("proof").is_some()
        {
            variants.push(("without proof", Value::Object(unsecured)));
        }
        for (what, doc) in variants {
            let ours = processor.to_rdf(&doc);
            if let Ok(rdf) = &ours
                && !rdf.dropped.is_empty()
            {
                if std::env::var_os("SHOW_LOSSY").is_some() {
                    eprintln!("lossy {} ({what}): {:?}", path.display(), rdf.dropped);
                }
                lossy += 1;
                continue;
            }
            let ours = ours
                .map_err(|e| e.to_string())
                .and_then(|rdf| canonicalize_quads(&rdf.quads).map_err(|e| e.to_string()));
            let theirs = reference(&doc);
            let name = path
                .strip_prefix(data_dir())
                .unwrap_or(path)
                .display()
                .to_string();
            let known = |err: &str| {
                KNOWN
                    .iter()
                    .position(|(prefix, msg, _)| name.starts_with(prefix) && err.contains(msg))
            };
            match (ours, theirs) {
                (Ok(a), Ok(b)) if a == b => compared += 1,
                (Err(_), Err(_)) => both_refused += 1,
                (Ok(_), Err(e)) if known(&e).is_some() => {
                    if let Some(i) = known(&e) {
                        known_hits[i] += 1;
                    }
                }
                (a, b) => {
                    mismatches.push(format!("{name} ({what}):\nours: {a:?}\noxjsonld: {b:?}"))
                }
            }
        }
    }
    eprintln!(
        "{compared} documents equal, {both_refused} refused by both, {lossy} lossy (refused by \
         to_rdf), known oxjsonld deviations {known_hits:?}, {} mismatches",
        mismatches.len()
    );
    for (hits, (prefix, _, why)) in known_hits.iter().zip(KNOWN) {
        assert!(
            *hits > 0,
            "the known deviation under {prefix} no longer occurs ({why})"
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    assert!(compared >= 100, "only {compared} documents compared");
}
