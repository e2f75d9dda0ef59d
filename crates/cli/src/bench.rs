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

/// The bench issuer folder (a did:key issuer) in `dir`.
fn bench_issuer(dir: &std::path::Path) -> Result<Issuer> {
    crate::files::init_issuer(&crate::files::NewIssuer {
        dir,
        name: "Bench School",
        url: "https://school.example",
        did_web: None,
        profile_url: None,
    })
}

/// `badgesafe bench --batch N`: sign N credentials (eddsa-rdfc-2022, on every core) into files,
/// then anchor them as one batch exactly as `badgesafe anchor` does: the local log, or an
/// Ethereum chain with `--rpc` (key in `BADGESAFE_ETH_KEY`). Prints the times, the size of one
/// proof, and the peak memory.
pub(crate) fn batch(count: usize, rpc: Option<&str>) -> Result<()> {
    use crate::{anchor, files};
    if count == 0 {
        bail!("--batch must be at least 1");
    }
    let tmp = tempfile::tempdir().context("creating a temporary folder")?;
    let dir = tmp.path().join("school");
    let issuer = bench_issuer(&dir)?;
    if let Some(url) = rpc {
        let hex = std::env::var(anchor::KEY_ENV)
            .with_context(|| format!("--rpc needs the sending key in {}", anchor::KEY_ENV))?;
        let key = badgesafe_ledger::ethereum::EthKey::from_hex(&hex)?;
        let node = badgesafe_fetch::HttpRpc::new(url, Duration::from_secs(10))
            .map_err(anyhow::Error::msg)?
            .without_cache();
        let chain_id = badgesafe_anchor::eth::chain_id(&node)?;
        files::set_anchoring(
            &dir,
            &files::Anchoring {
                address: key.address(),
                chain_id,
                key_file: None,
                public_key_jwk: key.public_jwk(),
                since: badgesafe_issue::xsd_now(chrono::Utc::now()),
            },
        )?;
    }
    let issuer = files::load_issuer(&dir).unwrap_or(issuer);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).context("creating the output folder")?;
    let paths: Vec<std::path::PathBuf> = (0..count)
        .map(|i| out.join(format!("badge{i:06}.json")))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let now = chrono::Utc::now();
    let started = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = paths
            .chunks(count.div_ceil(threads))
            .enumerate()
            .map(|(part, chunk)| {
                let issuer = &issuer;
                s.spawn(move || -> Result<()> {
                    for (k, group) in chunk.chunks(256).enumerate() {
                        let mut made = Vec::with_capacity(group.len());
                        for (j, path) in group.iter().enumerate() {
                            let n = part * count.div_ceil(threads) + k * 256 + j;
                            let salt = hex::encode(badgesafe_crypto::random_bytes::<16>()?);
                            let cred = badgesafe_issue::sample_credential(
                                &format!("student{n}@example.org"),
                                &salt,
                                None,
                            );
                            let signed = issuer.sign(&cred, Format::Rdfc, now)?;
                            made.push((path.as_path(), signed.to_text()?.into_bytes()));
                        }
                        let items: Vec<(&std::path::Path, &[u8])> =
                            made.iter().map(|(p, b)| (*p, b.as_slice())).collect();
                        badgesafe_fs::write_many_atomic(&items)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        }
        Ok(())
    })?;
    let signing = started.elapsed();
    let anchoring_started = Instant::now();
    let mut args = anchor::Args::local(dir.clone(), paths.clone());
    if let Some(url) = rpc {
        args.ledger = anchor::LedgerKind::Ethereum;
        args.rpc = Some(url.to_owned());
    }
    anchor::run(&args)?;
    let anchoring = anchoring_started.elapsed();
    let first: Value = badgesafe_jcs::from_slice_strict(&std::fs::read(&paths[0])?)?;
    let proof_value = first["proof"][0]["proofValue"]
        .as_str()
        .context("the first credential has no anchor proof")?;
    let receipt = badgesafe_anchor::Receipt::decode(proof_value)?;
    let secs = |d: Duration| d.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let n = count as f64;
    println!(
        "batch of {count} eddsa-rdfc-2022 credentials on the {} ledger, {threads} threads",
        if rpc.is_some() { "ethereum" } else { "local" }
    );
    println!(
        "  sign + write      {:>8.3} s  ({:.0} credentials/s)",
        secs(signing),
        n / secs(signing)
    );
    println!(
        "  anchor            {:>8.3} s  (hash, tree, {}, proofs written back)",
        secs(anchoring),
        if rpc.is_some() {
            "one transaction, 1 confirmation"
        } else {
            "one log entry"
        }
    );
    println!("  total             {:>8.3} s", secs(signing + anchoring));
    println!(
        "  one proof         {} path steps, proofValue {} characters",
        receipt.path.len(),
        proof_value.len()
    );
    if let Some(peak) = peak_rss() {
        println!("  peak memory       {peak}");
    }
    Ok(())
}

/// `badgesafe bench --service N`: what `badgesafe serve` does with a CSV of N rows (N
/// students, one achievement), in this process on an SQLite file: check the upload, confirm
/// it, then sign (every core), anchor on the local log, bake into the achievement's PNG and
/// queue one message per student. Delivery is not part of it. Prints the times and the peak
/// memory.
pub(crate) fn service(count: usize) -> Result<()> {
    use badgesafe_service::{Anchoring, Config, Service, api, pipeline};
    use std::sync::Arc;
    if count == 0 {
        bail!("--service must be at least 1");
    }
    let tmp = tempfile::tempdir().context("creating a temporary folder")?;
    let issuer = crate::files::init_issuer(&crate::files::NewIssuer {
        dir: &tmp.path().join("issuer"),
        name: "Bench School",
        url: "https://school.example",
        did_web: None,
        profile_url: None,
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("db.sqlite").display()
    );
    let store = rt.block_on(badgesafe_store::Store::open(&url))?;
    let png = crate::image::badge_png();
    let svc = Arc::new(Service {
        store,
        issuer: Arc::new(issuer),
        config: Config::new("http://127.0.0.1:8080"),
        anchoring: Anchoring::Local {
            log: tmp.path().join("anchor-log.jsonl"),
        },
        mail: badgesafe_mail::Transport::folder(&tmp.path().join("outbox")),
        published: Vec::new(),
        instance: "bench".into(),
        wake_batches: tokio::sync::Notify::new(),
        wake_mail: tokio::sync::Notify::new(),
    });
    let achievement = badgesafe_service::credential::achievement_from_json(
        &serde_json::json!({"key": "EHBO", "name": "Eerste hulp", "description": "Kan eerste hulp verlenen.",
            "criteria": "Praktijkexamen gehaald.", "image": format!("data:image/png;base64,{}", crate::base64_encode(&png))}),
        None,
        None,
        badgesafe_service::now_ms(),
    )
    .map_err(anyhow::Error::msg)?;
    rt.block_on(svc.store.put_achievement(&achievement))?;
    let mut csv = String::from("email;naam;badge;datum;resultaat\n");
    for i in 0..count {
        csv.push_str(&format!(
            "leerling{i}@school.example;Leerling {i};EHBO;30-06-2026;{}\n",
            i % 10
        ));
    }
    println!(
        "{count} CSV rows ({} KiB), badge image {} bytes PNG, {} cores",
        csv.len() / 1024,
        png.len(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    let start = Instant::now();
    let (imported, checked, confirmed) = rt.block_on(async {
        let imp = api::check_upload(&svc, "bench", csv.as_bytes())
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        let checked = start.elapsed();
        let id = imp["id"].as_str().unwrap_or_default().to_owned();
        let (queued, _) = api::confirm(&svc, "bench", &id)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        anyhow::Ok((queued, checked, start.elapsed()))
    })?;
    rt.block_on(async {
        while pipeline::batch_round(&svc).await? {}
        anyhow::Ok(())
    })?;
    let total = start.elapsed();
    let p = rt.block_on(svc.store.privacy())?;
    let batches = rt.block_on(svc.store.batches(10))?;
    if imported != count as u64 || p.messages_queued != count as i64 || batches.len() != 1 {
        bail!(
            "expected {count} queued results and messages in one batch, got {imported}, {} and {}",
            p.messages_queued,
            batches.len()
        );
    }
    println!("check CSV            {:>8.2} s", checked.as_secs_f64());
    println!(
        "confirm (queue)      {:>8.2} s",
        (confirmed - checked).as_secs_f64()
    );
    println!(
        "sign+anchor+bake+queue {:>6.2} s",
        (total - confirmed).as_secs_f64()
    );
    println!(
        "total                {:>8.2} s  ({:.0} badges/s); {} messages queued",
        total.as_secs_f64(),
        count as f64 / total.as_secs_f64(),
        p.messages_queued
    );
    let db = std::fs::metadata(tmp.path().join("db.sqlite")).map_or(0, |m| m.len())
        + std::fs::metadata(tmp.path().join("db.sqlite-wal")).map_or(0, |m| m.len());
    println!("database size        {:>8.1} MiB", db as f64 / 1048576.0);
    if let Some(peak) = peak_rss() {
        println!("peak memory (VmHWM): {peak}");
    }
    Ok(())
}

/// A badge image of about 16 KiB: 64×64 RGBA of pseudo-random pixels (PNG cannot compress it),
/// as large as a typical school badge picture.
fn noise_png() -> Result<Vec<u8>> {
    let mut pixels = vec![0u8; 64 * 64 * 4];
    let mut x: u32 = 0x9e37_79b9;
    for p in pixels.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *p = x.to_le_bytes()[0];
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 64, 64);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&pixels)?;
    Ok(out)
}

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

/// `badgesafe bench --wallet N`: a vault with N signed badges (each with its image): unlock,
/// list, present five, save; and the vault size per badge.
pub(crate) fn wallet(count: usize) -> Result<()> {
    use base64::Engine as _;
    if count < 5 {
        bail!("--wallet needs at least 5 badges");
    }
    let now = chrono::Utc::now();
    let xsd = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let signer = Ed25519Signer::generate().context("generating a key")?;
    let id = badgesafe_did::did_key(&signer.public());
    let issuer = Issuer {
        profile: json!({"id": id, "type": ["Profile"], "name": "Bench School", "url": "https://school.example"}),
        verification_method: badgesafe_did::did_key_method(&signer.public()),
        signer,
        rsa: None,
        rsa_kid: None,
    };
    let png = noise_png()?;
    let image = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    );
    let dir = tempfile::tempdir().context("a temporary folder")?;
    let path = dir.path().join("bench.vault");
    let passphrase = "bench passphrase";
    let (mut vault, _) = badgesafe_wallet::Vault::create(&path, passphrase, &xsd)?;
    let opts = badgesafe_verify::Options {
        fetcher: None,
        now,
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    };
    let t = Instant::now();
    for i in 0..count {
        let mut unsigned = badgesafe_issue::sample_credential(
            &format!("student{i}@example.org"),
            "0123456789abcdef0123456789abcdef",
            Some(image.clone()),
        );
        unsigned["id"] = format!("urn:uuid:00000000-0000-4000-8000-{i:012}").into();
        let signed = issuer.sign(&unsigned, Format::Rdfc, now)?.to_text()?;
        let c = badgesafe_wallet::import::Candidate {
            source: format!("badge{i}.json"),
            bytes: signed.into_bytes(),
        };
        let r = badgesafe_wallet::import::import_one(&mut vault.contents, &c, &opts, false, &xsd);
        if !matches!(
            r.outcome,
            badgesafe_wallet::import::Outcome::Added { verified: true, .. }
        ) {
            bail!("badge {i} was not added: {:?}", r.outcome);
        }
    }
    let filled = t.elapsed();
    let t = Instant::now();
    vault.save()?;
    let save = t.elapsed();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "badgesafe bench --wallet: {count} badges (eddsa-rdfc-2022, each with a {} KiB PNG), signed, verified and added in {:.2} s",
        png.len() / 1024,
        filled.as_secs_f64()
    );
    #[allow(clippy::cast_precision_loss)]
    let per_badge = size as f64 / count as f64 / 1024.0;
    println!(
        "vault file: {:.1} MiB, {per_badge:.1} KiB per badge (the badge JSON with its image, its report, armoured)",
        size as f64 / 1024.0 / 1024.0
    );
    println!(
        "save (encrypt, write, fsync, rename): {:.0} ms",
        save.as_secs_f64() * 1e3
    );
    let mut unlock = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let v =
            badgesafe_wallet::Vault::open(&path, badgesafe_wallet::Secret::Passphrase(passphrase))?;
        unlock.push(t.elapsed());
        if v.contents.badges.len() != count {
            bail!("the vault opened with {} badges", v.contents.badges.len());
        }
    }
    println!(
        "unlock (scrypt N=2^{}, r=8, p=1: {} MiB; decrypt; parse): median {:.0} ms of 5",
        badgesafe_wallet::vault::WORK_FACTOR,
        (1u64 << badgesafe_wallet::vault::WORK_FACTOR) * 128 * 8 / 1024 / 1024,
        median_ms(unlock)
    );
    let mut list = Vec::new();
    let mut lines = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let text: Vec<String> = vault
            .contents
            .filter(None, None)
            .map(|b| {
                format!(
                    "{}  {}  {} — {} ({})",
                    b.short_id(),
                    b.issued,
                    b.name,
                    b.issuer,
                    b.status()
                )
            })
            .collect();
        list.push(t.elapsed());
        lines = text.len();
    }
    println!(
        "list {lines} badges (open vault): median {:.2} ms of 20",
        median_ms(list)
    );
    let ids: Vec<String> = vault
        .contents
        .badges
        .iter()
        .take(5)
        .map(|b| b.id.clone())
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let until =
        (now + chrono::Duration::days(7)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let audience = badgesafe_wallet::present::Audience {
        domain: "werkgever.example",
        challenge: Some("bench"),
        created: &xsd,
        expires: &until,
    };
    let mut present = Vec::new();
    for i in 0..21 {
        let t = Instant::now();
        let vp = badgesafe_wallet::present::present(&vault.contents, &refs, &audience)?;
        // The first one processes the JSON-LD contexts; the rest are what a student waits for.
        if i > 0 {
            present.push(t.elapsed());
        }
        if i == 0 {
            let (r, _) = badgesafe_verify::presentation::verify_presentation(
                &vp,
                &opts,
                &badgesafe_verify::presentation::Expect {
                    challenge: Some("bench"),
                    domain: Some("werkgever.example"),
                },
            );
            if !r.verified {
                bail!("the presentation did not verify:\n{}", r.to_text());
            }
        }
    }
    println!(
        "present 5 badges (eddsa-rdfc-2022, signed): median {:.2} ms of 20",
        median_ms(present)
    );
    match peak_rss() {
        Some(peak) => println!("peak memory (VmHWM): {peak}"),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}

/// `badgesafe bench --verifier N`: N `POST /verify` requests of an `eddsa-rdfc-2022` badge from
/// `clients` concurrent clients (threads with keep-alive connections) against the verifier
/// served on 127.0.0.1 in this process (offline: a did:key issuer needs no look-up).
pub(crate) fn verifier(count: usize, clients: usize) -> Result<()> {
    use std::sync::Arc;
    if count == 0 || clients == 0 {
        bail!("--verifier and --clients must be at least 1");
    }
    use crate::anchor;
    // A badge as badgesafe issues it: signed, then anchored (the issuer's local log).
    let dir = tempfile::tempdir().context("a temporary folder")?;
    let school = dir.path().join("school");
    let issuer = bench_issuer(&school)?;
    let unsigned = badgesafe_issue::sample_credential(
        "student@example.org",
        "0123456789abcdef0123456789abcdef",
        None,
    );
    let file = dir.path().join("badge.json");
    std::fs::write(
        &file,
        issuer
            .sign(&unsigned, Format::Rdfc, chrono::Utc::now())?
            .to_text()?,
    )?;
    anchor::run(&anchor::Args::local(school.clone(), vec![file.clone()]))?;
    let badge = Arc::new(std::fs::read(&file)?);
    let relay =
        badgesafe_verifier_web::relay::Relay::new(dir.path().join("shares"), "http://127.0.0.1")
            .map_err(anyhow::Error::msg)?;
    let v = Arc::new(badgesafe_verifier_web::Verifier::new(
        badgesafe_verify::trust::TrustList::default(),
        false,
        None,
        Vec::new(),
        relay,
        0,
    ));
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(async move {
        let app = badgesafe_verifier_web::router(v)
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://{addr}/verify");
    // One request first: it must verify (and the contexts get processed).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let first: serde_json::Value = serde_json::from_str(
        &agent
            .post(&url)
            .send(&badge[..])?
            .into_body()
            .read_to_string()?,
    )?;
    if first["verified"] != true {
        bail!("the bench badge did not verify: {first}");
    }
    println!(
        "badgesafe bench --verifier: {count} POST /verify of a {} byte badge (eddsa-rdfc-2022 + MerkleProof2019 on the local log), {clients} clients, server on 127.0.0.1 in this process",
        badge.len()
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (next, badge, url) = (next.clone(), badge.clone(), url.clone());
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut times = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    let t = Instant::now();
                    let r = agent.post(&url).send(&badge[..])?;
                    let ok = r.status().as_u16() == 200;
                    let body = r.into_body().read_to_string()?;
                    if !ok || !body.starts_with("{\"verified\":true") {
                        bail!("a verification failed: {body}");
                    }
                    times.push(t.elapsed());
                }
                Ok(times)
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(
            h.join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))??,
        );
    }
    let elapsed = start.elapsed();
    #[allow(clippy::cast_precision_loss)]
    let rate = all.len() as f64 / elapsed.as_secs_f64();
    let t = Times(all);
    println!(
        "{} verifications in {:.2} s: {rate:.0} per second; latency p50 {:.1} ms, p99 {:.1} ms",
        t.0.len(),
        elapsed.as_secs_f64(),
        t.quantile(0.5) / 1e3,
        t.quantile(0.99) / 1e3
    );
    match peak_rss() {
        Some(peak) => println!("peak memory (VmHWM): {peak}"),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}
