//! `badgesafe bench`: end-to-end figures on this machine, one thread. Signing goes through the
//! issuer (completion, schema validation, proof) and verification through the full offline
//! report, as `badgesafe sign` and `badgesafe verify --offline` do.

use anyhow::{Context as _, Result, bail};
use badgesafe_crypto::Ed25519Signer;
use badgesafe_issue::{Format, Issuer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Per-operation times.
struct Times(Vec<Duration>);

impl Times {
    fn quantile(&self, q: f64) -> f64 {
        let mut v: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        v.sort_by(f64::total_cmp);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v.get(i).copied().unwrap_or(f64::NAN)
    }

    fn mean(&self) -> f64 {
        let total: f64 = self.0.iter().map(|d| d.as_secs_f64() * 1e6).sum();
        #[allow(clippy::cast_precision_loss)]
        let n = self.0.len().max(1) as f64;
        total / n
    }
}

/// Peak resident memory of this process, from `/proc/self/status` (Linux).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}

pub(crate) fn run(count: usize, credential: Option<&Value>) -> Result<()> {
    if count == 0 {
        bail!("--count must be at least 1");
    }
    let now = chrono::Utc::now();
    let signer = Ed25519Signer::generate().context("generating a key")?;
    let id = badgesafe_did::did_key(&signer.public());
    let issuer = Issuer {
        profile: json!({"id": id, "type": ["Profile"], "name": "Bench School", "url": "https://school.example"}),
        verification_method: badgesafe_did::did_key_method(&signer.public()),
        signer,
        rsa: None,
        rsa_kid: None,
    };
    let unsigned = match credential {
        // Only its shape and size matter: it is signed by the bench issuer.
        Some(c) => {
            let mut c = c.clone();
            if let Some(o) = c.as_object_mut() {
                o.insert("issuer".into(), issuer.profile.clone());
            }
            c
        }
        None => badgesafe_issue::sample_credential(
            "student@example.org",
            "0123456789abcdef0123456789abcdef",
            None,
        ),
    };
    let size = serde_json::to_vec(&issuer.prepare(&unsigned, now)?)?.len();
    println!(
        "badgesafe bench: {count} signatures and verifications per suite, one thread, \
         a credential of {size} bytes before signing"
    );
    let opts = badgesafe_verify::Options {
        fetcher: None,
        now,
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    };
    println!(
        "{:<18} {:>10} {:>10} {:>10}   {:>10} {:>10} {:>10}",
        "", "sign mean", "p50", "p99", "verify mean", "p50", "p99"
    );
    let mut first_rdfc = None;
    for (name, format) in [
        ("eddsa-rdfc-2022", Format::Rdfc),
        ("eddsa-jcs-2022", Format::Jcs),
        ("VC-JWT EdDSA", Format::JwtEdDsa),
    ] {
        let start = Instant::now();
        let first = issuer.sign(&unsigned, format, now)?.to_text()?;
        if format == Format::Rdfc {
            first_rdfc = Some(start.elapsed());
        }
        let report = badgesafe_verify::verify_bytes(first.as_bytes(), &opts);
        if !report.verified {
            bail!(
                "the {name} credential did not verify:\n{}",
                report.to_text()
            );
        }
        let mut sign = Vec::with_capacity(count);
        let mut verify = Vec::with_capacity(count);
        for _ in 0..count {
            let t = Instant::now();
            let signed = issuer.sign(&unsigned, format, now)?;
            sign.push(t.elapsed());
            let text = signed.to_text()?;
            let t = Instant::now();
            let report = badgesafe_verify::verify_bytes(text.as_bytes(), &opts);
            verify.push(t.elapsed());
            if !report.verified {
                bail!("a {name} credential did not verify");
            }
        }
        let (s, v) = (Times(sign), Times(verify));
        println!(
            "{name:<18} {:>8.1}µs {:>8.1}µs {:>8.1}µs   {:>9.1}µs {:>8.1}µs {:>8.1}µs",
            s.mean(),
            s.quantile(0.5),
            s.quantile(0.99),
            v.mean(),
            v.quantile(0.5),
            v.quantile(0.99),
        );
    }
    if let Some(first) = first_rdfc {
        println!(
            "first eddsa-rdfc-2022 signature, contexts not yet processed: {:.1} ms",
            first.as_secs_f64() * 1e3
        );
    }
    match peak_rss() {
        Some(peak) => println!("peak memory (VmHWM): {peak}"),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}
