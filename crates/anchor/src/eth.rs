//! What an Ethereum anchoring transaction must show, read from JSON-RPC answers.
//!
//! The calls go through [`Rpc`], which the caller implements (badgesafe's HTTP client lives in
//! the fetch crate). Nothing here trusts an explorer: only the node the user configured.

use crate::{BURN_ADDRESS, Error, normalize_address};
use badgesafe_merkle::Hash;
use serde_json::{Value, json};

/// A JSON-RPC endpoint of one chain.
pub trait Rpc: Send + Sync {
    /// Calls `method`; `Err` carries a plain reason (connection refused, timeout, the node's
    /// error message, an answer that is not JSON-RPC).
    fn call(&self, method: &str, params: Value) -> Result<Value, String>;
    /// Where the endpoint is, for reports.
    fn endpoint(&self) -> &str;
}

/// `0x1a` → 26.
pub fn quantity(v: &Value, what: &str) -> Result<u64, Error> {
    let s = v
        .as_str()
        .ok_or_else(|| Error::Transaction(format!("{what} is not a hex quantity")))?;
    let h = s
        .strip_prefix("0x")
        .ok_or_else(|| Error::Transaction(format!("{what} {s:?} does not start with 0x")))?;
    u64::from_str_radix(h, 16)
        .map_err(|_| Error::Transaction(format!("{what} {s:?} is not a hex number")))
}

/// Whether `s` is an Ethereum transaction hash: `0x` and 64 hex digits.
pub fn is_tx_hash(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The chain id the node serves.
pub fn chain_id(rpc: &dyn Rpc) -> Result<u64, Error> {
    let v = rpc
        .call("eth_chainId", json!([]))
        .map_err(|e| Error::Transaction(format!("{}: {e}", rpc.endpoint())))?;
    quantity(&v, "eth_chainId")
}

/// An anchoring transaction as the node reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The sender, lower case.
    pub from: String,
    /// The block it was mined in, if mined.
    pub block: Option<u64>,
    /// The block's time, seconds since 1970, if mined.
    pub time: Option<i64>,
    /// How many blocks confirm it (its own included), if mined.
    pub confirmations: u64,
}

/// The transaction `tx_hash` on the node behind `rpc`, checked to carry exactly `root` as calldata
/// to the burn address and, once mined, to have succeeded.
///
/// `Ok(None)`: the node does not know the transaction.
pub fn lookup(rpc: &dyn Rpc, tx_hash: &str, root: &Hash) -> Result<Option<Facts>, Error> {
    if !is_tx_hash(tx_hash) {
        return Err(Error::Transaction(format!(
            "the transaction id {tx_hash:?} is not 0x and 64 hex digits"
        )));
    }
    let call = |method: &str, params: Value| {
        rpc.call(method, params)
            .map_err(|e| Error::Transaction(format!("{} ({method}): {e}", rpc.endpoint())))
    };
    let tx = call("eth_getTransactionByHash", json!([tx_hash]))?;
    if tx.is_null() {
        return Ok(None);
    }
    let field = |k: &str| tx.get(k).and_then(Value::as_str);
    let to = field("to").and_then(normalize_address);
    if to.as_deref() != Some(BURN_ADDRESS) {
        return Err(Error::Transaction(format!(
            "transaction {tx_hash} goes to {}, not to the burn address {BURN_ADDRESS}",
            field("to").unwrap_or("nobody")
        )));
    }
    let input = field("input").or_else(|| field("data")).unwrap_or_default();
    let expected = format!("0x{}", hex::encode(root));
    if !input.eq_ignore_ascii_case(&expected) {
        return Err(Error::Transaction(format!(
            "transaction {tx_hash} carries {} as data, not the batch root {expected}",
            if input.len() > 80 {
                &input[..80]
            } else {
                input
            }
        )));
    }
    let from = field("from")
        .and_then(normalize_address)
        .ok_or_else(|| Error::Transaction(format!("transaction {tx_hash} has no valid sender")))?;
    let Some(block) = tx.get("blockNumber").filter(|b| !b.is_null()) else {
        return Ok(Some(Facts {
            from,
            block: None,
            time: None,
            confirmations: 0,
        }));
    };
    let block = quantity(block, "blockNumber")?;
    let receipt = call("eth_getTransactionReceipt", json!([tx_hash]))?;
    if !receipt.is_null() && receipt.get("status").and_then(Value::as_str) != Some("0x1") {
        return Err(Error::Transaction(format!(
            "transaction {tx_hash} was mined but failed (status {})",
            receipt
                .get("status")
                .map_or("missing".into(), ToString::to_string)
        )));
    }
    let header = call(
        "eth_getBlockByNumber",
        json!([format!("0x{block:x}"), false]),
    )?;
    let time = header
        .get("timestamp")
        .map(|t| quantity(t, "the block timestamp"))
        .transpose()?
        .and_then(|t| i64::try_from(t).ok());
    let head = quantity(&call("eth_blockNumber", json!([]))?, "eth_blockNumber")?;
    Ok(Some(Facts {
        from,
        block: Some(block),
        time,
        confirmations: head.saturating_sub(block) + 1,
    }))
}
