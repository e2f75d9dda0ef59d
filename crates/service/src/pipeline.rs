//! The workers: batches (form → sign → anchor → bake → queue mail), mail delivery with retries,
//! and the purge.
//!
//! Each step reads what the previous one committed and commits its own result in one
//! transaction, so a process killed at any point leaves a batch at a step that the next
//! instance to claim it simply runs again. Signing is deterministic (ids, salts, status indices
//! and the time are fixed when the batch is formed), the ledger is asked again for the same
//! root (the local log and Ethereum both answer with the existing anchor), and a message is
//! marked sent right after the SMTP server accepts it.

use crate::{Anchoring, ENTRIES_PER_LIST, Error, Service, credential, now_ms, xsd};
use badgesafe_anchor::Receipt;
use badgesafe_issue::{Format, Signed as SignedCredential};
use badgesafe_ledger::{Anchored, Ledger as _, Step};
use badgesafe_merkle::{Hash, Tree};
use badgesafe_store::{Batch, Signed};
use serde_json::Value;
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Credentials baked and stored per transaction.
const BAKE_CHUNK: i64 = 500;

/// Runs `f` over `items` on every core, keeping the order; `tick` is called after each item
/// (for progress displays). A panic in `f` is resumed on the caller's thread.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    tick: &(dyn Fn() + Sync),
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                s.spawn(move || {
                    part.iter()
                        .map(|item| {
                            let r = f(item);
                            tick();
                            r
                        })
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Runs blocking work while keeping the staff progress figure and the batch's lease up to
/// date (one statement every half second).
async fn with_progress<R: Send + 'static>(
    svc: &Arc<Service>,
    batch: &str,
    counter: Arc<AtomicI64>,
    column: Progress,
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, Error> {
    let mut task = tokio::task::spawn_blocking(work);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let lease = svc.config.lease.as_millis() as i64;
    loop {
        tokio::select! {
            r = &mut task => return r.map_err(|e| Error::Other(format!("worker thread: {e}"))),
            _ = tick.tick() => {
                let n = counter.load(Ordering::Relaxed);
                let progress = match column { Progress::Signed(b) => (n, b), Progress::Baked(s) => (s, n) };
                svc.store.renew_batch(batch, &svc.instance, progress, now_ms(), lease).await?;
            }
        }
    }
}

fn count(done: &AtomicI64) {
    done.fetch_add(1, Ordering::Relaxed);
}

#[derive(Clone, Copy)]
enum Progress {
    Signed(i64),
    Baked(i64),
}

/// Forms and works batches until the process ends.
pub async fn batch_worker(svc: Arc<Service>) {
    loop {
        match batch_round(&svc).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => eprintln!("badgesafe: batch worker: {e}"),
        }
        tokio::select! {
            () = svc.wake_batches.notified() => {}
            () = tokio::time::sleep(svc.config.poll) => {}
        }
    }
}

/// One round: finish a claimable batch, or form a new one. `Ok(true)` when there may be more.
pub async fn batch_round(svc: &Arc<Service>) -> Result<bool, Error> {
    let lease = svc.config.lease.as_millis() as i64;
    let ledger = match svc.anchoring {
        Anchoring::Local { .. } => "local",
        Anchoring::Ethereum { .. } => "ethereum",
    };
    let batch = match svc
        .store
        .claim_batch(&svc.instance, now_ms(), lease)
        .await?
    {
        Some(b) => b,
        None => {
            let fresh = || {
                (
                    badgesafe_model::new_credential_id(),
                    badgesafe_store::random_id(),
                )
            };
            match svc
                .store
                .form_batch(
                    &svc.instance,
                    ledger,
                    svc.config.batch_max,
                    now_ms(),
                    lease,
                    &fresh,
                )
                .await?
            {
                Some(b) => b,
                None => return Ok(false),
            }
        }
    };
    let id = batch.id.clone();
    match work_batch(svc, batch).await {
        Ok(()) => {
            svc.wake_mail.notify_one();
            Ok(true)
        }
        Err(e) => {
            svc.store.batch_error(&id, Some(&e.to_string())).await?;
            Err(e)
        }
    }
}

async fn work_batch(svc: &Arc<Service>, mut batch: Batch) -> Result<(), Error> {
    if batch.ledger
        != match svc.anchoring {
            Anchoring::Local { .. } => "local",
            Anchoring::Ethereum { .. } => "ethereum",
        }
    {
        return Err(Error::Other(format!(
            "batch {} was started on the {} ledger; run the service with that ledger to finish it",
            batch.id, batch.ledger
        )));
    }
    if batch.state == "open" {
        sign_batch(svc, &batch).await?;
        batch = reload(svc, &batch.id).await?;
    }
    if batch.state == "signed" {
        anchor_batch(svc, &batch).await?;
        batch = reload(svc, &batch.id).await?;
    }
    if batch.state == "anchored" {
        bake_batch(svc, &batch).await?;
        svc.store.finish_batch(&batch.id, now_ms()).await?;
    }
    Ok(())
}

async fn reload(svc: &Service, id: &str) -> Result<Batch, Error> {
    svc.store
        .batch(id)
        .await?
        .ok_or_else(|| Error::Other(format!("batch {id} disappeared")))
}

async fn achievement_objects(
    svc: &Service,
) -> Result<HashMap<String, (Value, badgesafe_store::Achievement)>, Error> {
    Ok(svc
        .store
        .achievements()
        .await?
        .into_iter()
        .map(|a| {
            (
                a.key.clone(),
                (
                    credential::achievement_object(&a, &svc.config.public_url),
                    a,
                ),
            )
        })
        .collect())
}

async fn sign_batch(svc: &Arc<Service>, batch: &Batch) -> Result<(), Error> {
    let pending = svc.store.batch_results(&batch.id).await?;
    let achievements = achievement_objects(svc).await?;
    let created = chrono::DateTime::from_timestamp_millis(batch.created)
        .ok_or_else(|| Error::Other(format!("batch {} has a bad time", batch.id)))?;
    let valid_from = xsd(batch.created);
    let counter = Arc::new(AtomicI64::new(0));
    let issuer = svc.issuer.clone();
    let me = svc.clone();
    let done = counter.clone();
    let signed = with_progress(svc, &batch.id, counter, Progress::Signed(0), move || {
        let url = |purpose: &str, list: i64| me.status_list_url(purpose, list);
        parallel(&pending, &|| count(&done), |p| -> Result<Signed, Error> {
            let (object, _) = achievements.get(&p.achievement).ok_or_else(|| {
                Error::Other(format!(
                    "achievement {:?} is not in the catalogue",
                    p.achievement
                ))
            })?;
            let doc = credential::credential(
                p,
                object,
                &url,
                ENTRIES_PER_LIST,
                &valid_from,
                me.config.hash_recipient,
            );
            let SignedCredential::Json(doc) = issuer.sign(&doc, Format::Rdfc, created)? else {
                return Err(Error::Other("the signer returned a JWT".into()));
            };
            let leaf = badgesafe_anchor::leaf_hash(&doc, 0)?;
            Ok(Signed {
                id: p.credential_id.clone(),
                result_id: p.id.clone(),
                position: p.position,
                status_index: p.status_index,
                achievement: p.achievement.clone(),
                email: p.email.clone(),
                name: p.name.clone(),
                leaf_hash: hex::encode(leaf),
                body: doc.to_string(),
            })
        })
    })
    .await?;
    let signed: Vec<Signed> = signed.into_iter().collect::<Result<_, _>>()?;
    let leaves = leaves_of(signed.iter().map(|s| s.leaf_hash.as_str()))?;
    let root = hex::encode(Tree::new(leaves)?.root());
    svc.store
        .store_signed(&batch.id, &svc.instance, &signed, &root, now_ms())
        .await?;
    Ok(())
}

fn leaves_of<'a>(hexes: impl Iterator<Item = &'a str>) -> Result<Vec<Hash>, Error> {
    hexes
        .map(|h| {
            badgesafe_anchor::proof_value::parse_hash(h, "leaf")
                .map_err(|_| Error::Other(format!("stored leaf {h:?} is not a hash")))
        })
        .collect()
}

async fn tree_of(svc: &Service, batch: &Batch) -> Result<Tree, Error> {
    let leaves = svc.store.batch_leaves(&batch.id).await?;
    let tree = Tree::new(leaves_of(leaves.iter().map(String::as_str))?)?;
    if Some(hex::encode(tree.root())) != batch.root {
        return Err(Error::Other(format!(
            "batch {}: the stored leaves do not give the stored root",
            batch.id
        )));
    }
    Ok(tree)
}

async fn anchor_batch(svc: &Arc<Service>, batch: &Batch) -> Result<(), Error> {
    let root = tree_of(svc, batch).await?.root();
    let pending: Option<Step> = batch
        .step
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| Error::Other(format!("batch {}: saved ledger step: {e}", batch.id)))?;
    let me = svc.clone();
    let id = batch.id.clone();
    let handle = tokio::runtime::Handle::current();
    let anchored: Anchored = tokio::task::spawn_blocking(move || -> Result<Anchored, Error> {
        let mut save = |step: &Step| -> Result<(), badgesafe_ledger::Error> {
            let text = serde_json::to_string(step)
                .map_err(|e| badgesafe_ledger::Error::Batch(e.to_string()))?;
            handle
                .block_on(me.store.save_step(&id, &me.instance, &text))
                .map_err(|e| badgesafe_ledger::Error::Batch(e.to_string()))
        };
        let progress = |_: badgesafe_ledger::Event| {};
        match &me.anchoring {
            Anchoring::Local { log } => {
                let ledger = badgesafe_ledger::local::LocalLog::new(
                    log,
                    me.issuer.id(),
                    &me.issuer.verification_method,
                    &me.issuer.signer,
                );
                Ok(ledger.anchor(&root, pending.as_ref(), &mut save, &progress)?)
            }
            Anchoring::Ethereum {
                rpc_url,
                key,
                chain_id,
                confirmations,
                max_fee_per_gas,
                ..
            } => {
                let rpc = badgesafe_fetch::HttpRpc::new(rpc_url, Duration::from_secs(20))
                    .map_err(Error::Other)?
                    .without_cache();
                let ledger = badgesafe_ledger::ethereum::EthLedger::new(
                    &rpc,
                    key,
                    badgesafe_ledger::ethereum::Config {
                        max_fee_per_gas: *max_fee_per_gas,
                        priority_fee_per_gas: None,
                        confirmations: *confirmations,
                        wait: Duration::from_secs(120),
                        poll: Duration::from_millis(500),
                        chain_id: Some(*chain_id),
                    },
                );
                Ok(ledger.anchor(&root, pending.as_ref(), &mut save, &progress)?)
            }
        }
    })
    .await
    .map_err(|e| Error::Other(format!("anchoring thread: {e}")))??;
    let text = serde_json::to_string(&anchored).map_err(|e| Error::Other(e.to_string()))?;
    svc.store.set_anchored(&batch.id, &text).await?;
    Ok(())
}

async fn bake_batch(svc: &Arc<Service>, batch: &Batch) -> Result<(), Error> {
    let tree = Arc::new(tree_of(svc, batch).await?);
    let anchored: Anchored = serde_json::from_str(batch.anchored.as_deref().unwrap_or_default())
        .map_err(|e| Error::Other(format!("batch {}: saved anchor: {e}", batch.id)))?;
    let vm = match &svc.anchoring {
        Anchoring::Local { .. } => svc.issuer.verification_method.clone(),
        Anchoring::Ethereum {
            verification_method,
            ..
        } => verification_method.clone(),
    };
    // The image and its media type (checked when the achievement was saved).
    let images: Arc<HashMap<String, (Vec<u8>, String)>> = Arc::new(
        achievement_objects(svc)
            .await?
            .into_iter()
            .map(|(k, (_, a))| (k, (a.image, a.image_type)))
            .collect(),
    );
    let mut baked = batch.baked;
    loop {
        let todo = svc.store.unbaked(&batch.id, BAKE_CHUNK).await?;
        if todo.is_empty() {
            return Ok(());
        }
        let counter = Arc::new(AtomicI64::new(baked));
        let (tree, anchored, vm, images, done) = (
            tree.clone(),
            anchored.clone(),
            vm.clone(),
            images.clone(),
            counter.clone(),
        );
        let items = with_progress(
            svc,
            &batch.id,
            counter,
            Progress::Baked(batch.total),
            move || {
                parallel(
                    &todo,
                    &|| count(&done),
                    |c| -> Result<(String, String, Vec<u8>, String), Error> {
                        let mut doc: Value = serde_json::from_str(
                            c.body.as_deref().unwrap_or_default(),
                        )
                        .map_err(|e| Error::Other(format!("stored credential {}: {e}", c.id)))?;
                        let i =
                            usize::try_from(c.position).map_err(|e| Error::Other(e.to_string()))?;
                        let receipt = Receipt {
                            merkle_root: tree.root(),
                            target_hash: tree
                                .leaf(i)
                                .ok_or_else(|| Error::Other(format!("no leaf {i}")))?,
                            path: tree.proof(i)?,
                            anchors: vec![anchored.anchor()],
                        };
                        let proof = badgesafe_anchor::proof_object(
                            &receipt,
                            &badgesafe_model::new_credential_id(),
                            &vm,
                            &anchored.time,
                        )?;
                        badgesafe_anchor::attach(&mut doc, proof)?;
                        let text = doc.to_string();
                        let (image, ty) = images.get(&c.achievement).ok_or_else(|| {
                            Error::Other(format!("achievement {:?} has no image", c.achievement))
                        })?;
                        let baked = badgesafe_bake::bake(image, &text)?;
                        Ok((c.id.clone(), text, baked, ty.clone()))
                    },
                )
            },
        )
        .await?;
        let items: Vec<_> = items.into_iter().collect::<Result<_, _>>()?;
        baked += items.len() as i64;
        svc.store.store_baked(&batch.id, &items).await?;
    }
}

/// Messages sent at once per instance.
const SENDERS: usize = 4;

/// Delivers queued messages until the process ends, [`SENDERS`] at a time.
pub async fn mail_worker(svc: Arc<Service>) {
    for n in 1..SENDERS {
        tokio::spawn(mail_sender(svc.clone(), n));
    }
    mail_sender(svc, 0).await;
}

/// One sender; its lease owner is the instance and the sender's number, so senders never share
/// a message, and a restarted instance's sender takes back what it held before at once.
async fn mail_sender(svc: Arc<Service>, n: usize) {
    let owner = format!("{}:{n}", svc.instance);
    loop {
        match mail_round(&svc, &owner).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => eprintln!("badgesafe: mail worker: {e}"),
        }
        tokio::select! {
            () = svc.wake_mail.notified() => svc.wake_mail.notify_waiters(),
            () = tokio::time::sleep(svc.config.poll) => {}
        }
    }
}

/// The stable Message-ID of a batch's message to one student.
pub fn message_id(batch: &str, email: &str, public_url: &str) -> String {
    let host = public_url
        .split_once("://")
        .map_or(public_url, |(_, r)| r)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost");
    let who = hex::encode(&sha2::Sha256::digest(email.as_bytes())[..8]);
    format!("{batch}.{who}@{host}")
}

/// Sends one due message as `owner`. `Ok(true)` when one was handled.
pub async fn mail_round(svc: &Arc<Service>, owner: &str) -> Result<bool, Error> {
    let lease = svc.config.lease.as_millis() as i64;
    let Some(mail) = svc.store.claim_mail(owner, now_ms(), lease).await? else {
        return Ok(false);
    };
    let creds = svc
        .store
        .mail_credentials(&mail.batch_id, &mail.email)
        .await?;
    let names: HashMap<String, String> = svc.store.achievement_names().await?.into_iter().collect();
    let mut badges = Vec::new();
    let mut student = None;
    for c in &creds {
        let (Some(body), Some(image)) = (&c.body, &c.baked) else {
            continue;
        };
        student = student.or(c.name.clone());
        let pretty = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| body.clone());
        badges.push(badgesafe_mail::Badge {
            name: names
                .get(&c.achievement)
                .cloned()
                .unwrap_or_else(|| c.achievement.clone()),
            file_stem: c.achievement.clone(),
            image: image.clone(),
            image_type: c.baked_type.clone().unwrap_or_else(|| "image/png".into()),
            json: pretty,
        });
    }
    let now = now_ms();
    if badges.is_empty() {
        svc.store
            .mail_failed(
                &mail.batch_id,
                &mail.email,
                "no badges left to send (purged)",
                now,
                true,
            )
            .await?;
        return Ok(true);
    }
    let school = svc.school_name();
    let id = message_id(&mail.batch_id, &mail.email, &svc.config.public_url);
    let letter = badgesafe_mail::Letter {
        from: &svc.config.mail_from,
        to: &mail.email,
        name: student.as_deref(),
        school: &school,
        message_id: &id,
        wallet_url: &svc.config.wallet_url,
        badges: &badges,
    };
    let sent = match badgesafe_mail::compose(&letter) {
        // The outbox file is named by the Message-ID's local part: batch and student.
        Ok(m) => svc.mail.send(m, id.split('@').next().unwrap_or(&id)).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(()) => {
            let keep = svc.config.retention_days * 24 * 3600 * 1000;
            svc.store
                .mail_sent(&mail.batch_id, &mail.email, now, now + keep)
                .await?;
        }
        Err(e) => {
            let base = svc.config.retry_base.as_millis() as i64;
            let delay = base
                .saturating_mul(1 << mail.attempts.clamp(0, 16))
                .min(3_600_000);
            eprintln!(
                "badgesafe: delivery to {} failed (attempt {}): {e}",
                mail.email,
                mail.attempts + 1
            );
            svc.store
                .mail_failed(
                    &mail.batch_id,
                    &mail.email,
                    &e.to_string(),
                    now + delay,
                    e.is_permanent(),
                )
                .await?;
        }
    }
    Ok(true)
}

/// Purges on schedule.
pub async fn purge_worker(svc: Arc<Service>) {
    loop {
        if let Err(e) = purge(&svc.store, svc.config.retention_days, now_ms()).await {
            eprintln!("badgesafe: purge: {e}");
        }
        let keep = Duration::from_secs(svc.config.retention_days.max(0) as u64 * 24 * 3600);
        let before = std::time::SystemTime::now() - keep;
        let mail = svc.mail.clone();
        match tokio::task::spawn_blocking(move || mail.purge_folder(before)).await {
            Ok(Err(e)) => eprintln!("badgesafe: purging the outbox folder: {e}"),
            Err(e) => eprintln!("badgesafe: purging the outbox folder: {e}"),
            Ok(Ok(_)) => {}
        }
        tokio::time::sleep(svc.config.purge_every).await;
    }
}

/// Removes personal data whose retention has ended: delivered credentials after
/// `retention_days`, their result keys at the same time, undecided imports after a day.
pub async fn purge(
    store: &badgesafe_store::Store,
    retention_days: i64,
    now: i64,
) -> Result<badgesafe_store::Purged, Error> {
    let day = 24 * 3600 * 1000;
    Ok(store
        .purge(now, now - retention_days * day, now - day)
        .await?)
}
