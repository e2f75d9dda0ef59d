//! Tree and proofs for a batch of 100,000 leaves. `cargo bench -p badgesafe-merkle --bench tree`.

use badgesafe_merkle::{Hash, Tree, root_from};
use criterion::{Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let leaves: Vec<Hash> = (0..100_000u32)
        .map(|i| Sha256::digest(i.to_le_bytes()).into())
        .collect();
    c.bench_function("tree of 100,000 leaves and every proof", |b| {
        b.iter(|| {
            let tree = Tree::new(black_box(leaves.clone())).unwrap_or_else(|e| panic!("{e}"));
            let proofs: Vec<_> = (0..tree.len())
                .map(|i| tree.proof(i).unwrap_or_default())
                .collect();
            (tree.root(), proofs)
        })
    });
    let tree = Tree::new(leaves.clone()).unwrap_or_else(|e| panic!("{e}"));
    let proof = tree.proof(54_321).unwrap_or_default();
    eprintln!("proof length for 100,000 leaves: {} steps", proof.len());
    c.bench_function("check one proof (100,000 leaves)", |b| {
        b.iter(|| root_from(black_box(&leaves[54_321]), &proof))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
