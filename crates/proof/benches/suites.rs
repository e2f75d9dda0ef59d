//! Sign and verify a typical ~3 KB OB 3.0 credential with each suite.
//! `cargo bench -p badgesafe-proof --bench suites`; figures go in BENCHMARKS.md.

use badgesafe_crypto::{Ed25519Signer, PublicKey};
use badgesafe_proof::{ProofOptions, Suite, jws, proofs, sign, verify};
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

fn options(suite: Suite) -> ProofOptions {
    ProofOptions {
        suite,
        verification_method:
            "https://1edtech.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
                .into(),
        proof_purpose: "assertionMethod".into(),
        created: Some("2026-01-01T00:00:00Z".into()),
        expires: None,
        domain: None,
        challenge: None,
    }
}

fn bench(c: &mut Criterion) {
    let doc = credential();
    let size = serde_json::to_vec(&doc).map(|v| v.len()).unwrap_or(0);
    eprintln!("credential: skillAssertionCase.json, {size} bytes of compact JSON");
    let signer = Ed25519Signer::from_seed(&[7; 32]);
    let public = signer.public();
    for suite in [Suite::EddsaRdfc2022, Suite::EddsaJcs2022] {
        let opts = options(suite);
        let signed = sign(doc.clone(), &opts, &signer).unwrap_or_else(|e| panic!("{e}"));
        let proof = proofs(&signed)[0].clone();
        c.bench_function(&format!("{} sign", suite.name()), |b| {
            // The unsigned credential is moved into the signed one; cloning it is not timed.
            b.iter_batched(
                || doc.clone(),
                |d| sign(black_box(d), &opts, &signer),
                BatchSize::SmallInput,
            )
        });
        c.bench_function(&format!("{} verify", suite.name()), |b| {
            b.iter(|| verify(black_box(&signed), &proof, &public))
        });
    }
    let message = [7u8; 64];
    let signature = signer.sign(&message);
    c.bench_function("floor: Ed25519 sign of 64 bytes", |b| {
        b.iter(|| signer.sign(black_box(&message)))
    });
    c.bench_function("floor: Ed25519 verify of 64 bytes", |b| {
        b.iter(|| public.verify(black_box(&message), &signature))
    });
    c.bench_function("JCS of the credential (badgesafe-jcs)", |b| {
        b.iter(|| badgesafe_jcs::to_vec(black_box(&doc)))
    });
    c.bench_function("JCS of the credential (serde_json_canonicalizer)", |b| {
        b.iter(|| serde_json_canonicalizer::to_vec(black_box(&doc)))
    });
    c.bench_function("canonicalize (JSON-LD to RDFC-1.0 N-Quads)", |b| {
        b.iter(|| badgesafe_jsonld::canonicalize(black_box(&doc)))
    });
    let compact = jws::sign(&doc, Some("kid"), jws::JwsSigner::Ed25519(&signer))
        .unwrap_or_else(|e| panic!("{e}"));
    let key = PublicKey::Ed25519(public);
    c.bench_function("VC-JWT EdDSA sign", |b| {
        b.iter(|| {
            jws::sign(
                black_box(&doc),
                Some("kid"),
                jws::JwsSigner::Ed25519(&signer),
            )
        })
    });
    c.bench_function("VC-JWT EdDSA verify", |b| {
        b.iter(|| jws::decode(black_box(&compact)).map(|j| j.verify(&key)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
