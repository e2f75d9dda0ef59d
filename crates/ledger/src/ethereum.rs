//! Anchoring on an Ethereum-compatible chain over JSON-RPC.
//!
//! One EIP-1559 transaction per batch: to the burn address, value 0, calldata exactly the 32-byte
//! root (`shared/spec/ANCHORING.md` §7.4). alloy builds and signs it; the JSON-RPC calls go
//! through [`Rpc`] (badgesafe's blocking HTTP client), so nothing here needs an async runtime.
//!
//! Crash safety: every signed transaction is saved (as a [`Step`]) before it is broadcast. A
//! later run looks for each saved transaction on the node first. If none is known and the nonce
//! is still free, the last one is broadcast again unchanged; if the fees no longer suffice it is
//! replaced with the same nonce, so at most one can ever be mined. Only when another transaction
//! consumed the nonce is a new nonce used. The batch counts as anchored after N confirmations.

use crate::{Anchored, Error, Event, Ledger, Save, SentTx, Step};
use alloy_consensus::{SignableTransaction as _, TxEip1559};
use alloy_eips::eip2718::Encodable2718 as _;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync as _;
use alloy_signer_local::PrivateKeySigner;
use badgesafe_anchor::eth::{self, Rpc};
use badgesafe_anchor::{BURN_ADDRESS, Chain};
use badgesafe_merkle::Hash;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// An anchoring account's secp256k1 key.
pub struct EthKey {
    signer: PrivateKeySigner,
}

impl std::fmt::Debug for EthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EthKey")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

impl EthKey {
    /// A key given as 32 bytes of hex (with or without `0x`), as in `BADGESAFE_ETH_KEY`.
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        let h = t.strip_prefix("0x").unwrap_or(t);
        let bytes = zeroize::Zeroizing::new(
            hex::decode(h).map_err(|_| Error::Key("the Ethereum key is not hex".into()))?,
        );
        if bytes.len() != 32 {
            return Err(Error::Key(format!(
                "the Ethereum key is {} bytes; a secp256k1 private key is 32",
                bytes.len()
            )));
        }
        let signer = PrivateKeySigner::from_slice(&bytes)
            .map_err(|_| Error::Key("the Ethereum key is not a valid secp256k1 key".into()))?;
        Ok(EthKey { signer })
    }

    /// A key from an encrypted Ethereum keystore (Web3 Secret Storage) file.
    pub fn from_keystore(path: &Path, password: &[u8]) -> Result<Self, Error> {
        let signer = PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
            Error::Key(format!(
                "cannot open the key file {}: {}",
                path.display(),
                match e.to_string() {
                    m if m.contains("Mac Mismatch") => "wrong password".to_owned(),
                    m => m,
                }
            ))
        })?;
        Ok(EthKey { signer })
    }

    /// A new random key, written to `path` as an encrypted keystore (0600, atomically). Refuses
    /// to overwrite an existing file.
    pub fn create_keystore(path: &Path, password: &[u8]) -> Result<Self, Error> {
        if path.exists() {
            return Err(Error::Key(format!(
                "{} already exists; refusing to overwrite a key",
                path.display()
            )));
        }
        if password.is_empty() {
            return Err(Error::Key("the key file password must not be empty".into()));
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let staging = tempfile::tempdir_in(dir.unwrap_or(Path::new(".")))
            .map_err(|e| Error::Key(format!("creating a temporary folder: {e}")))?;
        let key = zeroize::Zeroizing::new(
            badgesafe_crypto::random_bytes::<32>()
                .map_err(|e| Error::Key(format!("no randomness for a new key: {e}")))?,
        );
        let (signer, _) = PrivateKeySigner::encrypt_keystore(
            staging.path(),
            &mut rand08::rngs::OsRng,
            key.as_slice(),
            password,
            Some("key.json"),
        )
        .map_err(|e| Error::Key(format!("encrypting the new key: {e}")))?;
        let bytes = std::fs::read(staging.path().join("key.json"))
            .map_err(|e| Error::Key(format!("reading the new key file: {e}")))?;
        badgesafe_fs::write_atomic(path, &bytes, true)?;
        Ok(EthKey { signer })
    }

    /// The account, lower case with `0x`.
    pub fn address(&self) -> String {
        format!("{:#x}", self.signer.address())
    }

    /// The public key as a secp256k1 JWK (what Blockcerts verifiers derive the address from).
    pub fn public_jwk(&self) -> Value {
        use base64::Engine as _;
        let point = self.signer.public_key();
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        json!({"kty": "EC", "crv": "secp256k1", "x": b64(&point[..32]), "y": b64(&point[32..])})
    }
}

/// How the Ethereum ledger pays and waits.
#[derive(Debug, Clone)]
pub struct Config {
    /// The most the batch may pay per gas (`maxFeePerGas` cap), in wei.
    pub max_fee_per_gas: u128,
    /// The tip per gas, in wei; `None` asks the node (`eth_maxPriorityFeePerGas`).
    pub priority_fee_per_gas: Option<u128>,
    /// Blocks (the transaction's own included) before the batch counts as anchored.
    pub confirmations: u64,
    /// How long to wait for them before reporting the batch as pending.
    pub wait: Duration,
    /// Time between checks.
    pub poll: Duration,
    /// The chain the issuer publishes its account for; another chain is refused.
    pub chain_id: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_fee_per_gas: 100 * GWEI,
            priority_fee_per_gas: None,
            confirmations: 1,
            wait: Duration::from_secs(600),
            poll: Duration::from_millis(500),
            chain_id: None,
        }
    }
}

/// 10⁹ wei.
pub const GWEI: u128 = 1_000_000_000;
/// Gas an anchoring transaction may use at most (it needs about 21,500).
const MAX_GAS: u64 = 100_000;

/// `12.5 gwei` for people.
pub fn gwei(wei: u128) -> String {
    let whole = wei / GWEI;
    let frac = wei % GWEI;
    if frac == 0 {
        format!("{whole} gwei")
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{} gwei", f.trim_end_matches('0'))
    }
}

/// An Ethereum-compatible chain reached over one JSON-RPC endpoint.
pub struct EthLedger<'a> {
    rpc: &'a dyn Rpc,
    key: &'a EthKey,
    cfg: Config,
}

/// What [`EthLedger`] found when it looked for its transactions.
enum Found {
    /// One of them, and what the node says about it.
    Known(usize, eth::Facts),
    /// None of them.
    Unknown,
}

impl<'a> EthLedger<'a> {
    /// A ledger sending from `key` through `rpc`. Give it an uncached client: it must see the
    /// chain as it is now.
    pub fn new(rpc: &'a dyn Rpc, key: &'a EthKey, cfg: Config) -> Self {
        EthLedger { rpc, key, cfg }
    }

    fn call(&self, method: &str, params: Value) -> Result<Value, Error> {
        self.rpc
            .call(method, params)
            .map_err(|e| Error::Rpc(format!("{} ({method}): {e}", self.rpc.endpoint())))
    }

    fn quantity(&self, method: &str, params: Value) -> Result<u128, Error> {
        let v = self.call(method, params)?;
        let s = v.as_str().unwrap_or_default();
        let h = s.strip_prefix("0x").ok_or_else(|| {
            Error::Rpc(format!(
                "{} ({method}): {v} is not a hex quantity",
                self.rpc.endpoint()
            ))
        })?;
        u128::from_str_radix(if h.is_empty() { "0" } else { h }, 16).map_err(|_| {
            Error::Rpc(format!(
                "{} ({method}): {s} is not a number below 2^128",
                self.rpc.endpoint()
            ))
        })
    }

    /// The next nonce of the account counting only mined transactions.
    fn mined_nonce(&self) -> Result<u64, Error> {
        let n = self.quantity(
            "eth_getTransactionCount",
            json!([self.key.address(), "latest"]),
        )?;
        u64::try_from(n).map_err(|_| Error::Rpc("the nonce is out of range".into()))
    }

    fn find(&self, sent: &[SentTx], root: &Hash) -> Result<Found, Error> {
        for (i, tx) in sent.iter().enumerate().rev() {
            match eth::lookup(self.rpc, &tx.hash, root) {
                Ok(Some(facts)) => {
                    if facts.from != self.key.address() {
                        return Err(Error::Batch(format!(
                            "transaction {} was sent by {}, not by the anchoring account {}",
                            tx.hash,
                            facts.from,
                            self.key.address()
                        )));
                    }
                    return Ok(Found::Known(i, facts));
                }
                Ok(None) => {}
                Err(e) => return Err(Error::Rpc(e.to_string())),
            }
        }
        Ok(Found::Unknown)
    }

    /// `(maxFeePerGas, maxPriorityFeePerGas)` for a new transaction, at least 12.5% above
    /// `replacing` (what nodes require of a replacement).
    fn fees(&self, replacing: Option<&SentTx>) -> Result<(u128, u128), Error> {
        let block = self.call("eth_getBlockByNumber", json!(["latest", false]))?;
        let base = block
            .get("baseFeePerGas")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("0x"))
            .and_then(|h| u128::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                Error::Fees(format!(
                    "{} reports no EIP-1559 base fee; badgesafe sends EIP-1559 transactions only",
                    self.rpc.endpoint()
                ))
            })?;
        let mut tip = match self.cfg.priority_fee_per_gas {
            Some(t) => t,
            None => self
                .quantity("eth_maxPriorityFeePerGas", json!([]))
                .map_err(|e| {
                    Error::Fees(format!(
                        "the node suggests no priority fee ({e}); set one with --priority-fee-gwei"
                    ))
                })?,
        };
        let mut max_fee = base.saturating_mul(2).saturating_add(tip);
        let mut needed = base.saturating_add(tip);
        if let Some(prev) = replacing {
            let prev_fee: u128 = prev.max_fee_per_gas.parse().map_err(|_| {
                Error::Batch(format!(
                    "the batch record gives transaction {} a maxFeePerGas of {:?}, not a number of wei",
                    prev.hash, prev.max_fee_per_gas
                ))
            })?;
            let bumped = prev_fee.saturating_add(prev_fee / 8).saturating_add(1);
            max_fee = max_fee.max(bumped);
            needed = needed.max(bumped);
        }
        let cap = self.cfg.max_fee_per_gas;
        max_fee = max_fee.min(cap);
        tip = tip.min(max_fee);
        if max_fee < needed {
            return Err(Error::Fees(format!(
                "the network asks a base fee of {} plus a tip of {}, above the cap of {} per gas{}; raise --max-fee-gwei or try again later",
                gwei(base),
                gwei(tip),
                gwei(cap),
                if replacing.is_some() {
                    " (replacing a stuck transaction needs 12.5% more than it offered)"
                } else {
                    ""
                }
            )));
        }
        Ok((max_fee, tip))
    }

    fn sign(
        &self,
        chain_id: u64,
        root: &Hash,
        replacing: Option<&SentTx>,
    ) -> Result<SentTx, Error> {
        let from = self.key.address();
        let burn: Address = BURN_ADDRESS
            .parse()
            .map_err(|_| Error::Key("the burn address does not parse".into()))?;
        let data = format!("0x{}", hex::encode(root));
        let nonce = match replacing {
            Some(prev) => prev.nonce,
            None => {
                u64::try_from(self.quantity("eth_getTransactionCount", json!([from, "pending"]))?)
                    .map_err(|_| Error::Rpc("the nonce is out of range".into()))?
            }
        };
        let (max_fee, tip) = self.fees(replacing)?;
        let gas = u64::try_from(self.quantity(
            "eth_estimateGas",
            json!([{"from": from, "to": BURN_ADDRESS, "value": "0x0", "data": data}]),
        )?)
        .unwrap_or(u64::MAX);
        if gas > MAX_GAS {
            return Err(Error::Rpc(format!(
                "the node estimates {gas} gas for an anchoring transaction, more than the {MAX_GAS} it can need"
            )));
        }
        let balance = self.call("eth_getBalance", json!([from, "pending"]))?;
        let balance = balance
            .as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .and_then(|h| U256::from_str_radix(if h.is_empty() { "0" } else { h }, 16).ok())
            .ok_or_else(|| Error::Rpc(format!("eth_getBalance answered {balance}")))?;
        let most = U256::from(gas) * U256::from(max_fee);
        if balance < most {
            return Err(Error::Fees(format!(
                "the anchoring account {from} holds {balance} wei; the transaction may cost up to {most} wei ({gas} gas at {} per gas)",
                gwei(max_fee)
            )));
        }
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: gas,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(burn),
            value: U256::ZERO,
            access_list: Default::default(),
            input: Bytes::copy_from_slice(root),
        };
        let sig = self
            .key
            .signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| Error::Key(format!("signing the transaction: {e}")))?;
        let signed = tx.into_signed(sig);
        Ok(SentTx {
            nonce,
            hash: format!("{:#x}", signed.hash()),
            raw: format!("0x{}", hex::encode(signed.encoded_2718())),
            max_fee_per_gas: max_fee.to_string(),
        })
    }

    /// Broadcasts `raw`. `Ok(true)`: the node took it or already had it; `Ok(false)`: its fees
    /// no longer suffice and it must be replaced.
    fn broadcast(&self, raw: &str) -> Result<bool, Error> {
        match self.rpc.call("eth_sendRawTransaction", json!([raw])) {
            Ok(_) => Ok(true),
            Err(e) => {
                let m = e.to_ascii_lowercase();
                if m.contains("already known")
                    || m.contains("known transaction")
                    || m.contains("alreadyknown")
                    || m.contains("nonce too low")
                {
                    // Ours is there, or the nonce is used: the next look decides.
                    Ok(true)
                } else if m.contains("underpriced")
                    || m.contains("base fee")
                    || m.contains("fee cap")
                {
                    Ok(false)
                } else if m.contains("insufficient funds") {
                    Err(Error::Fees(format!(
                        "the anchoring account {} cannot pay for the transaction ({e})",
                        self.key.address()
                    )))
                } else {
                    Err(Error::Rpc(format!(
                        "{} (eth_sendRawTransaction): {e}",
                        self.rpc.endpoint()
                    )))
                }
            }
        }
    }

    /// Whether the node answers at all (errors while waiting are then worth retrying).
    fn reachable(&self) -> bool {
        self.mined_nonce().is_ok()
    }
}

impl Ledger for EthLedger<'_> {
    fn name(&self) -> &'static str {
        "ethereum"
    }

    fn anchor(
        &self,
        root: &Hash,
        pending: Option<&Step>,
        save: &mut Save<'_>,
        progress: &dyn Fn(Event),
    ) -> Result<Anchored, Error> {
        let chain_id = eth::chain_id(self.rpc).map_err(|e| Error::Rpc(e.to_string()))?;
        if let Some(want) = self.cfg.chain_id
            && want != chain_id
        {
            return Err(Error::Rpc(format!(
                "{} serves chain {chain_id}, but the issuer publishes its anchoring account for chain {want}",
                self.rpc.endpoint()
            )));
        }
        let from = self.key.address();
        let mut sent = match pending {
            None => Vec::new(),
            Some(Step::Ethereum {
                chain_id: c,
                from: f,
                sent,
            }) => {
                if *c != chain_id {
                    return Err(Error::Batch(format!(
                        "the batch's transaction was signed for chain {c}, but {} serves chain {chain_id}; give the RPC endpoint of chain {c}",
                        self.rpc.endpoint()
                    )));
                }
                if *f != from {
                    return Err(Error::Batch(format!(
                        "the batch's transaction was signed by {f}, but the key given is for {from}"
                    )));
                }
                if let Some(last) = sent.last() {
                    progress(Event::Resuming {
                        tx: last.hash.clone(),
                    });
                }
                sent.clone()
            }
        };
        let deadline = Instant::now() + self.cfg.wait;
        let mut last_state = String::from("is not sent yet");
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            let outcome = (|| -> Result<Option<Anchored>, Error> {
                if let Found::Known(i, facts) = self.find(&sent, root)? {
                    let tx = &sent[i];
                    match facts.block {
                        Some(block) if facts.confirmations >= self.cfg.confirmations => {
                            let time = facts
                                .time
                                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                                // A node that gives no block time: the time it was seen mined.
                                .unwrap_or_else(chrono::Utc::now)
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                            return Ok(Some(Anchored {
                                ledger: "ethereum".into(),
                                chain_id,
                                tx: tx.hash.clone(),
                                time: time.clone(),
                                position: block,
                                summary: format!(
                                    "anchored on {} at {time}: transaction {} in block {block}, {}",
                                    Chain::Ethereum(chain_id).describe(),
                                    tx.hash,
                                    badgesafe_anchor::counted(facts.confirmations, "confirmation")
                                ),
                            }));
                        }
                        block => {
                            last_state = match block {
                                Some(_) => format!(
                                    "has {} of the {} confirmations needed",
                                    facts.confirmations, self.cfg.confirmations
                                ),
                                None => "is not mined yet".into(),
                            };
                            progress(Event::Waiting {
                                tx: tx.hash.clone(),
                                block,
                                confirmations: facts.confirmations,
                                needed: self.cfg.confirmations,
                            });
                            return Ok(None);
                        }
                    }
                }
                // None of ours is known to the node.
                let replace = match sent.last() {
                    Some(last) if self.mined_nonce()? <= last.nonce => {
                        if self.broadcast(&last.raw)? {
                            progress(Event::Rebroadcast {
                                tx: last.hash.clone(),
                            });
                            last_state = "was broadcast again".into();
                            return Ok(None);
                        }
                        Some(last.clone())
                    }
                    // Never sent, or another transaction used the nonce: ours can no longer
                    // be mined, so a new nonce is safe.
                    _ => None,
                };
                let tx = self.sign(chain_id, root, replace.as_ref())?;
                sent.push(tx.clone());
                save(&Step::Ethereum {
                    chain_id,
                    from: from.clone(),
                    sent: sent.clone(),
                })?;
                progress(Event::Sending {
                    tx: tx.hash.clone(),
                });
                if !self.broadcast(&tx.raw)? {
                    return Err(Error::Fees(format!(
                        "{} refused transaction {} as underpriced; raise --max-fee-gwei",
                        self.rpc.endpoint(),
                        tx.hash
                    )));
                }
                last_state = "is not mined yet".into();
                Ok(None)
            })();
            match outcome {
                Ok(Some(done)) => return Ok(done),
                Ok(None) => {}
                Err(Error::Rpc(why)) if !self.reachable() => {
                    last_state = format!("could not be checked ({why})");
                    progress(Event::Retrying { why });
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(Error::Pending {
                    tx: sent
                        .last()
                        .map_or_else(|| "(none sent)".to_owned(), |t| t.hash.clone()),
                    why: last_state,
                });
            }
            // Look again soon at first (a local or fast chain mines at once), then every poll.
            let soon = Duration::from_millis(50) * rounds.min(10);
            std::thread::sleep(soon.min(self.cfg.poll));
        }
    }
}
