//! JSON-LD → RDF and RDFC-1.0 for a typical ~3 KB OB 3.0 credential, warm and cold.
//! `cargo bench -p badgesafe-jsonld --bench canonicalize`; figures go in BENCHMARKS.md.

use badgesafe_jsonld::{PinnedLoader, Processor, canonicalize_quads};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::Value;
use std::hint::black_box;

fn credential() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/samples/1edtech-spec-examples/skillAssertionCase.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    if let Some(o) = doc.as_object_mut() {
        o.remove("proof");
    }
    doc
}

fn bench(c: &mut Criterion) {
    let doc = credential();
    let warm = Processor::new(PinnedLoader);
    let quads = warm
        .to_rdf(&doc)
        .map(|r| r.quads)
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{} quads", quads.len());
    c.bench_function("to_rdf, contexts cached", |b| {
        b.iter(|| warm.to_rdf(black_box(&doc)))
    });
    c.bench_function("RDFC-1.0 of the quads", |b| {
        b.iter(|| canonicalize_quads(black_box(&quads)))
    });
    c.bench_function("canonicalize, contexts cached", |b| {
        b.iter(|| badgesafe_jsonld::canonicalize(black_box(&doc)))
    });
    c.bench_function("to_rdf, new processor (contexts processed)", |b| {
        b.iter_batched(
            || Processor::new(PinnedLoader),
            |p| p.to_rdf(black_box(&doc)),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
