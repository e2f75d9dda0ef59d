//! `badgesafe anchor`: signed credentials (JSON files or baked PNG/SVG badges) become one batch,
//! its root goes on a ledger, and each file gets its anchor proof.
//!
//! Unfinished batches in the issuer's `batches/` folder are finished first, so a run that died
//! (or a transaction still waiting for confirmations) is picked up by the next `anchor`.

use crate::files::{self, Anchoring};
use anyhow::{Context as _, Result, bail};
use badgesafe_anchor::{ProofKind, Receipt};
use badgesafe_fetch::HttpRpc;
use badgesafe_ledger::batch::{Batches, Record};
use badgesafe_ledger::ethereum::{self, EthKey, EthLedger};
use badgesafe_ledger::local::{LOG_FILE, LocalLog};
use badgesafe_ledger::{Event, Ledger};
use badgesafe_merkle::Hash;
use badgesafe_service::pipeline::parallel;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the batch records live in an issuer folder.
pub const BATCH_DIR: &str = "batches";
/// The environment variable holding a hex Ethereum key.
pub const KEY_ENV: &str = "BADGESAFE_ETH_KEY";
/// The environment variable holding the key file password.
pub const PASSWORD_ENV: &str = "BADGESAFE_KEY_PASSWORD";

/// Which ledger `--ledger` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LedgerKind {
    /// The issuer's own signed, hash-chained log (anchor-log.jsonl); no blockchain.
    Local,
    /// An Ethereum-compatible chain over JSON-RPC (--rpc).
    Ethereum,
}

/// Anchor signed credentials as one batch on a ledger.
///
/// The files (JSON, or baked PNG/SVG badges) become one batch: its Merkle root goes on the
/// ledger and each file gets its anchor proof. Unfinished batches of earlier runs are finished
/// first; with no files, that is all it does.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The issuer folder.
    #[arg(long)]
    pub issuer: PathBuf,
    /// Where the batch root goes.
    #[arg(long, value_enum, default_value_t = LedgerKind::Local)]
    pub ledger: LedgerKind,
    /// The JSON-RPC endpoint of the chain (--ledger ethereum).
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// Blocks (the transaction's own included) before the batch counts as anchored.
    #[arg(long, default_value_t = 1)]
    pub confirmations: u64,
    /// The most the transaction may pay per gas, in gwei.
    #[arg(long, default_value_t = 100.0)]
    pub max_fee_gwei: f64,
    /// The tip per gas, in gwei (default: what the node suggests).
    #[arg(long)]
    pub priority_fee_gwei: Option<f64>,
    /// Seconds to wait for the confirmations before leaving the batch pending.
    #[arg(long, default_value_t = 600)]
    pub wait: u64,
    /// Seconds to wait for each JSON-RPC call.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// An encrypted Ethereum keystore to send from (default: $BADGESAFE_ETH_KEY, then the
    /// issuer's anchor-key.json). Its password comes from $BADGESAFE_KEY_PASSWORD or the
    /// terminal.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// The credentials.
    pub files: Vec<PathBuf>,
}

impl Args {
    /// Defaults for anchoring `files` on the local log of the issuer in `issuer`.
    pub fn local(issuer: PathBuf, files: Vec<PathBuf>) -> Self {
        Args {
            issuer,
            ledger: LedgerKind::Local,
            rpc: None,
            confirmations: 1,
            max_fee_gwei: 100.0,
            priority_fee_gwei: None,
            wait: 600,
            timeout: 10,
            key_file: None,
            files,
        }
    }
}

/// How a credential file holds its credential.
enum Container {
    Json,
    /// A baked badge: the image to bake the anchored credential back into.
    Image(Vec<u8>),
}

/// A credential file, read.
struct Input {
    container: Container,
    doc: Value,
}

fn open(path: &Path) -> Result<Input> {
    let bytes = files::read_input(path)?;
    if badgesafe_bake::sniff(&bytes).is_some() {
        let baked = badgesafe_bake::unbake(&bytes)
            .with_context(|| format!("reading {}", path.display()))?
            .with_context(|| format!("{} carries no baked credential", path.display()))?;
        let text = baked.payload.as_str().trim();
        if !text.starts_with('{') {
            bail!(
                "{} carries a VC-JWT (or an OB 2.0 assertion URL); anchor proofs go into JSON credentials with Data Integrity proofs",
                path.display()
            );
        }
        let doc = badgesafe_jcs::from_str_strict(text).with_context(|| {
            format!(
                "the credential baked into {} is not valid JSON",
                path.display()
            )
        })?;
        return Ok(Input {
            container: Container::Image(bytes),
            doc,
        });
    }
    let text = String::from_utf8_lossy(&bytes);
    if text.trim_start().starts_with("ey") {
        bail!(
            "{} is a VC-JWT; anchor proofs go into JSON credentials with Data Integrity proofs",
            path.display()
        );
    }
    let doc = badgesafe_jcs::from_slice_strict(&bytes)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    if !doc.is_object() {
        bail!("{} is not a JSON object", path.display());
    }
    Ok(Input {
        container: Container::Json,
        doc,
    })
}

/// The anchor proofs a credential carries, decoded.
fn anchor_receipts(doc: &Value) -> Vec<Result<Receipt, String>> {
    let proofs: Vec<&Value> = match doc.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p) => vec![p],
        None => Vec::new(),
    };
    proofs
        .into_iter()
        .filter(|p| ProofKind::of(p).is_some())
        .map(|p| {
            p.get("proofValue")
                .and_then(Value::as_str)
                .ok_or_else(|| "an anchor proof without proofValue".to_owned())
                .and_then(|v| Receipt::decode(v).map_err(|e| e.to_string()))
        })
        .collect()
}

fn issuer_of(doc: &Value) -> Option<&str> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(o) => o.get("id").and_then(Value::as_str),
        None => None,
    }
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let b = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed}") {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_message(what.to_owned());
    b
}

pub(crate) fn gwei_to_wei(g: f64, flag: &str) -> Result<u128> {
    if !g.is_finite() || !(0.0..=1e9).contains(&g) {
        bail!("{flag} must be a number of gwei between 0 and 1000000000, not {g}");
    }
    Ok((g * ethereum::GWEI as f64).round() as u128)
}

/// The password for an encrypted key file: `BADGESAFE_KEY_PASSWORD`, or asked on the terminal.
pub fn password(what: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(format!("Password for {what}: "))
            .context("reading the password")?;
        return Ok(zeroize::Zeroizing::new(p));
    }
    bail!("{what} is encrypted: set {PASSWORD_ENV} or run on a terminal to be asked")
}

/// The anchoring key: `--key-file`, else `BADGESAFE_ETH_KEY`, else the issuer's key file.
pub fn eth_key(
    dir: &Path,
    anchoring: Option<&Anchoring>,
    key_file: Option<&Path>,
) -> Result<EthKey> {
    let file = match key_file {
        Some(f) => Some(f.to_path_buf()),
        None => {
            if let Ok(hex) = std::env::var(KEY_ENV) {
                return EthKey::from_hex(&hex).context(KEY_ENV);
            }
            anchoring
                .and_then(|a| a.key_file.as_ref())
                .map(|f| dir.join(f))
        }
    };
    let Some(file) = file else {
        bail!(
            "no Ethereum key: give --key-file (an encrypted keystore) or set {KEY_ENV}; `badgesafe issuer eth-account` makes one"
        );
    };
    let pw = password(&file.display().to_string())?;
    Ok(EthKey::from_keystore(&file, pw.as_bytes())?)
}

/// Shows a ledger event: on the spinner (a terminal), or as a line on stderr when it differs
/// from the last line (logs do not repeat the same wait twice a second).
fn show(event: &Event, spinner: &ProgressBar, tty: bool, last: &std::cell::RefCell<String>) {
    let line = match event {
        Event::Sending { tx } => format!("sending transaction {tx}"),
        Event::Resuming { tx } => format!("resuming: looking for transaction {tx}"),
        Event::Rebroadcast { tx } => {
            format!("the node did not know transaction {tx}; broadcast it again unchanged")
        }
        Event::Waiting {
            tx,
            block,
            confirmations,
            needed,
        } => match block {
            Some(b) => {
                format!("transaction {tx} in block {b}: {confirmations}/{needed} confirmations")
            }
            None => format!("transaction {tx} sent, waiting to be mined"),
        },
        Event::Retrying { why } => format!("node unreachable, retrying: {why}"),
    };
    if tty {
        spinner.set_message(line);
    } else if *last.borrow() != line {
        eprintln!("  {line}");
        *last.borrow_mut() = line;
    }
}

/// Runs `badgesafe anchor`. Returns the number of batches finished.
pub fn run(args: &Args) -> Result<usize> {
    let dir = &args.issuer;
    let issuer = files::load_issuer(dir)?;
    let issuer_id = issuer.id().to_owned();
    let anchoring = files::load_anchoring(dir)?;
    let batches = Batches::open(&dir.join(BATCH_DIR))?;

    // The ledger.
    let log_path = dir.join(LOG_FILE);
    let local = LocalLog::new(
        &log_path,
        &issuer_id,
        &issuer.verification_method,
        &issuer.signer,
    );
    let key;
    let rpc;
    let eth;
    let ledger: &dyn Ledger = match args.ledger {
        LedgerKind::Local => {
            if args.rpc.is_some() {
                bail!("--rpc is for --ledger ethereum");
            }
            &local
        }
        LedgerKind::Ethereum => {
            let Some(a) = &anchoring else {
                bail!(
                    "the issuer has no anchoring account yet: run `badgesafe issuer eth-account --dir {}` so that verifiers can tie its transactions to it",
                    dir.display()
                );
            };
            let url = args.rpc.as_deref().context(
                "--ledger ethereum needs --rpc URL (the JSON-RPC endpoint of the chain)",
            )?;
            key = eth_key(dir, Some(a), args.key_file.as_deref())?;
            if key.address() != a.address {
                bail!(
                    "the key is for account {}, but the issuer publishes {} as its anchoring account; verifiers would reject the anchor",
                    key.address(),
                    a.address
                );
            }
            rpc = HttpRpc::new(url, Duration::from_secs(args.timeout.max(1)))
                .map_err(anyhow::Error::msg)?
                .without_cache();
            // Before any batch is made: the node must serve the chain the account is published for.
            let served = badgesafe_anchor::eth::chain_id(&rpc)?;
            if served != a.chain_id {
                bail!(
                    "{url} serves chain {served}, but the issuer publishes its anchoring account for chain {}; give the RPC endpoint of that chain",
                    a.chain_id
                );
            }
            eth = EthLedger::new(
                &rpc,
                &key,
                ethereum::Config {
                    max_fee_per_gas: gwei_to_wei(args.max_fee_gwei, "--max-fee-gwei")?,
                    priority_fee_per_gas: args
                        .priority_fee_gwei
                        .map(|g| gwei_to_wei(g, "--priority-fee-gwei"))
                        .transpose()?,
                    confirmations: args.confirmations.max(1),
                    wait: Duration::from_secs(args.wait),
                    poll: Duration::from_millis(500),
                    chain_id: Some(a.chain_id),
                },
            );
            &eth
        }
    };
    let vm = match args.ledger {
        LedgerKind::Local => issuer.verification_method.clone(),
        LedgerKind::Ethereum => format!("{issuer_id}#{}", files::ANCHOR_FRAGMENT),
    };

    // Unfinished batches first.
    let mut finished = 0;
    for mut rec in batches.unfinished()? {
        if rec.ledger != ledger.name() {
            bail!(
                "batch {} was started on the {} ledger and is not finished; run `badgesafe anchor --issuer {} --ledger {}` first",
                rec.root,
                rec.ledger,
                dir.display(),
                rec.ledger
            );
        }
        eprintln!(
            "Finishing batch {} ({}) from an earlier run",
            rec.root,
            badgesafe_anchor::counted(rec.leaves.len() as u64, "credential")
        );
        complete(&batches, &mut rec, ledger, &vm)?;
        finished += 1;
    }
    if args.files.is_empty() {
        if finished == 0 {
            eprintln!("No unfinished batches, and no files given.");
        }
        return Ok(finished);
    }

    // A new batch.
    let mut seen = std::collections::HashSet::new();
    let mut targets = Vec::with_capacity(args.files.len());
    for f in &args.files {
        let abs = std::path::absolute(f).with_context(|| format!("locating {}", f.display()))?;
        if abs.to_str().is_none() {
            bail!("{} is not a UTF-8 path; rename it", f.display());
        }
        if !seen.insert(abs.clone()) {
            bail!("{} is given twice", f.display());
        }
        targets.push(abs);
    }
    let hashing = bar(targets.len(), "hashing");
    let leaves: Vec<Result<Hash>> = parallel(&targets, &|| hashing.inc(1), |path| {
        let input = open(path)?;
        if issuer_of(&input.doc) != Some(issuer_id.as_str()) {
            bail!(
                "{} was issued by {}, not by this issuer ({issuer_id})",
                path.display(),
                issuer_of(&input.doc).unwrap_or("nobody")
            );
        }
        if !anchor_receipts(&input.doc).is_empty() {
            bail!("{} already carries an anchor proof", path.display());
        }
        badgesafe_anchor::leaf_hash(&input.doc, 0)
            .with_context(|| format!("hashing {}", path.display()))
    });
    hashing.finish_and_clear();
    let problems: Vec<String> = leaves
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| format!("{e:#}")))
        .collect();
    if !problems.is_empty() {
        let shown = problems.len().min(20);
        bail!(
            "{} of the {} files cannot be anchored, so no batch was made:\n  {}{}",
            problems.len(),
            leaves.len(),
            problems[..shown].join("\n  "),
            if problems.len() > shown {
                format!("\n  … and {} more", problems.len() - shown)
            } else {
                String::new()
            }
        );
    }
    let leaves: Vec<Hash> = leaves.into_iter().collect::<Result<_>>()?;
    let mut rec = batches.create(
        ledger.name(),
        &leaves,
        targets.iter().map(|p| p.display().to_string()).collect(),
    )?;
    eprintln!(
        "Batch {} of {} on the {} ledger",
        rec.root,
        badgesafe_anchor::counted(leaves.len() as u64, "credential"),
        ledger.name()
    );
    complete(&batches, &mut rec, ledger, &vm)?;
    Ok(finished + 1)
}

/// Anchors a batch (unless it is anchored already) and writes every proof.
fn complete(batches: &Batches, rec: &mut Record, ledger: &dyn Ledger, vm: &str) -> Result<()> {
    let tty = std::io::stderr().is_terminal();
    let spinner = ProgressBar::new_spinner();
    if tty {
        spinner.enable_steady_tick(Duration::from_millis(120));
    }
    let last = std::cell::RefCell::new(String::new());
    let result = batches.anchor(rec, ledger, &|e| show(&e, &spinner, tty, &last));
    spinner.finish_and_clear();
    let anchored = result?;
    eprintln!("  {}", anchored.summary);
    let chain = anchored.anchor().chain;
    if matches!(chain, badgesafe_anchor::Chain::Ethereum(_)) && chain.network_name().is_none() {
        eprintln!(
            "  note: {} has no Blockcerts network name (mainnet, ropsten, rinkeby, goerli, sepolia), so Blockcerts verifiers cannot check this anchor; badgesafe can",
            chain.describe()
        );
    }
    let receipts = rec.receipts()?;
    if rec.targets.len() != receipts.len() {
        bail!(
            "batch {} names {} files for {} leaves; its record is damaged",
            rec.root,
            rec.targets.len(),
            receipts.len()
        );
    }
    let root = receipts
        .first()
        .map(|r| r.merkle_root)
        .context("an empty batch")?;
    let work: Vec<(PathBuf, Receipt)> = rec
        .targets
        .iter()
        .map(PathBuf::from)
        .zip(receipts)
        .collect();
    // In chunks: the new files of a chunk are made in parallel, then written with one flush.
    let writing = bar(work.len(), "writing");
    let mut failures: Vec<String> = Vec::new();
    for chunk in work.chunks(WRITE_CHUNK) {
        let made = parallel(chunk, &|| writing.inc(1), |(path, receipt)| {
            with_proof(path, receipt, &root, vm, &anchored.time)
        });
        let mut ready: Vec<(&Path, Vec<u8>)> = Vec::new();
        for ((path, _), result) in chunk.iter().zip(made) {
            match result {
                Ok(Some(bytes)) => ready.push((path, bytes)),
                Ok(None) => {}
                Err(e) => failures.push(format!("{e:#}")),
            }
        }
        let items: Vec<(&Path, &[u8])> = ready.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        badgesafe_fs::write_many_atomic(&items)?;
    }
    writing.finish_and_clear();
    if !failures.is_empty() {
        bail!(
            "batch {} is anchored, but {} of its proofs could not be written (the batch stays unfinished; fix the files and run `badgesafe anchor` again):\n  {}",
            rec.root,
            failures.len(),
            failures.join("\n  ")
        );
    }
    let n = work.len();
    batches.finish(rec)?;
    eprintln!(
        "  wrote the anchor proof into {}",
        badgesafe_anchor::counted(n as u64, "credential")
    );
    Ok(())
}

/// Files written per flush.
const WRITE_CHUNK: usize = 256;

/// The new content of a credential file with its anchor proof; `None` when the proof is there
/// already (an earlier run wrote it before it was stopped).
fn with_proof(
    path: &Path,
    receipt: &Receipt,
    root: &Hash,
    vm: &str,
    created: &str,
) -> Result<Option<Vec<u8>>> {
    let mut input = open(path)?;
    let present = anchor_receipts(&input.doc);
    if present
        .iter()
        .any(|r| r.as_ref().is_ok_and(|r| r.merkle_root == *root))
    {
        return Ok(None);
    }
    if !present.is_empty() {
        bail!("{} carries another anchor proof now", path.display());
    }
    let leaf = badgesafe_anchor::leaf_hash(&input.doc, 0)
        .with_context(|| format!("hashing {}", path.display()))?;
    if leaf != receipt.target_hash {
        bail!(
            "{} changed after the batch was made; its proof was not written",
            path.display()
        );
    }
    let id = badgesafe_model::new_credential_id();
    let proof = badgesafe_anchor::proof_object(receipt, &id, vm, created)?;
    badgesafe_anchor::attach(&mut input.doc, proof)?;
    let text = serde_json::to_string_pretty(&input.doc)?;
    Ok(Some(match &input.container {
        Container::Json => text.into_bytes(),
        Container::Image(image) => badgesafe_bake::bake(image, &text)
            .with_context(|| format!("baking into {}", path.display()))?,
    }))
}
