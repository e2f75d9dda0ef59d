//! Putting batch roots on a ledger, for the issuer.
//!
//! Two ledgers sit behind [`Ledger`]:
//! * [`local::LocalLog`], the embedded default: the issuer's own append-only, hash-chained,
//!   signed log of roots (`anchor-log.jsonl`), which it can publish. Not a public chain.
//! * [`ethereum::EthLedger`]: one EIP-1559 transaction per batch on any EVM chain, sent to the
//!   burn address with exactly the 32-byte root as calldata, counted as anchored after N
//!   confirmations.
//!
//! A batch must survive a crash between any two steps without being anchored twice or lost.
//! [`batch`] keeps a durable record per batch; a ledger hands it a [`Step`] to save before it
//! does anything outside the process that it could not take back (a signed transaction is saved
//! before it is broadcast), and picks up from the saved step on the next run.

pub mod batch;
pub mod ethereum;
pub mod local;

use badgesafe_anchor::{Anchor, Chain};
use badgesafe_merkle::Hash;
use serde::{Deserialize, Serialize};

/// Why anchoring did not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Fs(#[from] badgesafe_fs::Error),
    #[error(transparent)]
    Anchor(#[from] badgesafe_anchor::Error),
    #[error(transparent)]
    Merkle(#[from] badgesafe_merkle::Error),
    /// The local anchor log is damaged or not the issuer's.
    #[error("the anchor log {path}: {why}")]
    Log { path: String, why: String },
    /// The node refused, failed or could not be reached.
    #[error("{0}")]
    Rpc(String),
    /// The anchoring key could not be read or used.
    #[error("{0}")]
    Key(String),
    /// The fees the network asks are above the configured cap, or the account cannot pay.
    #[error("{0}")]
    Fees(String),
    /// The transaction is sent but not yet confirmed; the batch record keeps it.
    #[error(
        "pending: transaction {tx} {why}; the batch is saved, run the same command again to finish it"
    )]
    Pending { tx: String, why: String },
    /// A batch record cannot be used.
    #[error("{0}")]
    Batch(String),
}

/// Where a root now stands, as a ledger reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anchored {
    /// The chain: `ethereum`, or `local` for the issuer's own log.
    pub ledger: String,
    /// The chain id (Ethereum), 0 for the local log.
    pub chain_id: u64,
    /// The transaction hash (`0x…`), or the log entry as its receipt carries it.
    pub tx: String,
    /// When the root was anchored (block time, or the log entry's time), RFC 3339.
    pub time: String,
    /// The block (Ethereum) or the log position.
    pub position: u64,
    /// One line for people.
    pub summary: String,
}

impl Anchored {
    /// The anchor as a MerkleProof2019 receipt names it.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            chain: if self.ledger == "ethereum" {
                Chain::Ethereum(self.chain_id)
            } else {
                Chain::Mocknet
            },
            tx: self.tx.clone(),
        }
    }
}

/// What a ledger saved about a batch before acting outside the process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ledger", rename_all = "camelCase")]
pub enum Step {
    /// Transactions signed for this batch. All but the last were replaced or dropped; at most
    /// one of them can ever be mined, because each replacement reuses the nonce unless another
    /// transaction already consumed it.
    #[serde(rename = "ethereum", rename_all = "camelCase")]
    Ethereum {
        chain_id: u64,
        from: String,
        sent: Vec<SentTx>,
    },
}

/// A signed Ethereum transaction, kept so that it can be broadcast again unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentTx {
    pub nonce: u64,
    pub hash: String,
    /// The EIP-2718 encoding, `0x…`.
    pub raw: String,
    /// Wei, decimal.
    pub max_fee_per_gas: String,
}

/// What a ledger is doing, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Signed and about to broadcast.
    Sending { tx: String },
    /// Found an earlier run's transaction.
    Resuming { tx: String },
    /// Broadcast again, unchanged, because the node did not know it.
    Rebroadcast { tx: String },
    /// Waiting for confirmations.
    Waiting {
        tx: String,
        block: Option<u64>,
        confirmations: u64,
        needed: u64,
    },
    /// The node could not be reached; trying again.
    Retrying { why: String },
}

/// Saves a [`Step`] durably; the ledger acts only after it returns `Ok`.
pub type Save<'a> = dyn FnMut(&Step) -> Result<(), Error> + 'a;

/// A place to anchor batch roots.
pub trait Ledger {
    /// `local` or `ethereum`.
    fn name(&self) -> &'static str;

    /// Anchors `root`. `pending` is what an earlier run saved for this same root, if anything.
    fn anchor(
        &self,
        root: &Hash,
        pending: Option<&Step>,
        save: &mut Save<'_>,
        progress: &dyn Fn(Event),
    ) -> Result<Anchored, Error>;
}
