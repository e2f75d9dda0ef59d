//! Anchor proofs (MerkleProof2019 in its three forms, and Blockcerts v2 MerkleProof2017):
//!
//! * `proof.N`: the credential is a leaf of the anchored batch (its hash is the receipt's target
//!   and the path leads to the root). This alone proves integrity, not who issued it.
//! * `anchor.N`: the root is where the receipt says: an Ethereum transaction to the burn address
//!   carrying exactly the root, mined with enough confirmations (looked up only on the JSON-RPC
//!   endpoints the user gave), or an entry of the issuer's own anchor log signed with its key.
//! * `anchor.N.issuer`: the transaction was sent by an account the issuer publishes.

use crate::{Fetched, Options, Report, Resolve, fetch_json, resolve_method};
use badgesafe_anchor::{Chain, ProofKind, Receipt, eth, log};
use badgesafe_crypto::PublicKey;
use badgesafe_merkle::{Hash, root_from};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What the anchor checks know about the rest of the report.
pub(crate) struct Context<'a> {
    pub doc: &'a Value,
    pub issuer: Option<&'a str>,
    /// Whether a signature by the issuer's key passed (so its embedded profile is the issuer's).
    pub signed_by_issuer: bool,
}

fn short(h: &Hash) -> String {
    hex::encode(&h[..6])
}

fn time_text(t: Option<i64>) -> String {
    t.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .map_or_else(|| "an unknown time".into(), |d| d.to_rfc3339())
}

/// A MerkleProof2019 proof at `index` of the credential's proofs.
pub(crate) fn check_proof(
    index: usize,
    proof: &Value,
    kind: ProofKind,
    ctx: &Context<'_>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    let n = index + 1;
    let pid = format!("proof.{n}");
    let name = kind.name();
    let Some(value) = proof.get("proofValue").and_then(Value::as_str) else {
        report.fail(pid, format!("{name}: the proof has no proofValue"));
        return;
    };
    let receipt = match Receipt::decode(value) {
        Ok(r) => r,
        Err(e) => {
            report.fail(pid, format!("{name}: {e}"));
            return;
        }
    };
    let leaf = badgesafe_anchor::leaf_hash(ctx.doc, index);
    if check_receipt(leaf, &receipt, name, &pid, report) {
        check_anchor(&receipt, n, ctx, opts, report);
    }
}

/// A Blockcerts v2 credential: its `signature` block is a MerkleProof2017 receipt.
pub(crate) fn check_2017(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    report.pass("format.file", "Blockcerts v2 credential (JSON)");
    let receipt = match badgesafe_anchor::receipt_2017(&doc["signature"]) {
        Ok(r) => r,
        Err(e) => {
            report.fail("proof.1", format!("MerkleProof2017: {e}"));
            return;
        }
    };
    let issuer = doc
        .get("badge")
        .and_then(|b| b.get("issuer"))
        .and_then(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str)));
    let ctx = Context {
        doc,
        issuer,
        signed_by_issuer: false,
    };
    let leaf = badgesafe_anchor::leaf_hash_2017(doc);
    if check_receipt(leaf, &receipt, "MerkleProof2017", "proof.1", report) {
        check_anchor(&receipt, 1, &ctx, opts, report);
    }
}

fn check_receipt(
    leaf: Result<Hash, badgesafe_anchor::Error>,
    receipt: &Receipt,
    name: &str,
    pid: &str,
    report: &mut Report,
) -> bool {
    let leaf = match leaf {
        Ok(l) => l,
        Err(e) => {
            report.fail(pid, format!("{name}: the credential cannot be hashed: {e}"));
            return false;
        }
    };
    if leaf != receipt.target_hash {
        report.fail(
            pid,
            format!(
                "{name}: the credential was changed after it was anchored: its hash {} is not the anchored leaf {}",
                hex::encode(leaf),
                hex::encode(receipt.target_hash)
            ),
        );
        return false;
    }
    if root_from(&receipt.target_hash, &receipt.path) != receipt.merkle_root {
        report.fail(
            pid,
            format!(
                "{name}: the Merkle path does not lead from the credential to the batch root {}",
                hex::encode(receipt.merkle_root)
            ),
        );
        return false;
    }
    report.pass_integrity(
        pid,
        format!(
            "{name}: the credential is in batch {}… ({})",
            short(&receipt.merkle_root),
            if receipt.path.is_empty() {
                "a batch of one: its hash is the root".to_owned()
            } else {
                format!(
                    "its hash is the anchored leaf; a path of {} leads to the root",
                    badgesafe_anchor::counted(receipt.path.len() as u64, "step")
                )
            }
        ),
    );
    true
}

fn check_anchor(
    receipt: &Receipt,
    n: usize,
    ctx: &Context<'_>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    let aid = format!("anchor.{n}");
    let Some(anchor) = receipt.anchors.first() else {
        report.fail(aid, "the receipt names no anchor");
        return;
    };
    match anchor.chain {
        Chain::Ethereum(chain_id) => check_ethereum(receipt, chain_id, &anchor.tx, n, ctx, opts, report),
        Chain::Mocknet => match log::Entry::from_tx(&anchor.tx) {
            Some(entry) => check_log_entry(entry, receipt, n, ctx, opts, report),
            None => report.skip(
                aid,
                "mocknet: a test anchor that is on no blockchain; it shows the credential is unchanged since the batch was made, not who made it",
            ),
        },
        Chain::Bitcoin(_) => report.skip(
            aid,
            format!(
                "{} transaction {}: badgesafe does not check Bitcoin anchors",
                anchor.chain.describe(),
                anchor.tx
            ),
        ),
    }
}

fn check_ethereum(
    receipt: &Receipt,
    chain_id: u64,
    tx: &str,
    n: usize,
    ctx: &Context<'_>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    let aid = format!("anchor.{n}");
    let iid = format!("anchor.{n}.issuer");
    let place = Chain::Ethereum(chain_id).describe();
    if !eth::is_tx_hash(tx) {
        report.fail(
            &aid,
            format!("{place}: the transaction id {tx:?} is not 0x and 64 hex digits"),
        );
        return;
    }
    if opts.fetcher.is_none_or(|f| f.pinned_only()) {
        report.skip(
            &aid,
            format!("{place} transaction {tx}: not checked (offline)"),
        );
        report.skip(&iid, "the anchoring account is not checked offline");
        return;
    }
    if opts.rpc.is_empty() {
        report.fail(
            &aid,
            format!("{place} transaction {tx}: no JSON-RPC endpoint was given to look it up (badgesafe asks only the nodes you name, with --rpc URL)"),
        );
        return;
    }
    let mut seen = Vec::new();
    let rpc = opts.rpc.iter().find(|r| match eth::chain_id(**r) {
        Ok(id) if id == chain_id => true,
        Ok(id) => {
            seen.push(format!("{} serves chain {id}", r.endpoint()));
            false
        }
        Err(e) => {
            seen.push(e.to_string());
            false
        }
    });
    let Some(rpc) = rpc else {
        report.fail(
            &aid,
            format!(
                "{place} transaction {tx}: no RPC endpoint serves that chain ({})",
                seen.join("; ")
            ),
        );
        return;
    };
    let facts = match eth::lookup(*rpc, tx, &receipt.merkle_root) {
        Err(e) => {
            report.fail(&aid, format!("{place}: {e}"));
            return;
        }
        Ok(None) => {
            report.fail(
                &aid,
                format!(
                    "{place}: transaction {tx} is not known to {}",
                    rpc.endpoint()
                ),
            );
            return;
        }
        Ok(Some(f)) => f,
    };
    let Some(block) = facts.block else {
        report.fail(
            &aid,
            format!("pending: {place} transaction {tx} is not mined yet"),
        );
        return;
    };
    if facts.confirmations < opts.confirmations {
        report.fail(
            &aid,
            format!(
                "pending: {place} transaction {tx} has {} of the {} confirmations needed",
                facts.confirmations, opts.confirmations
            ),
        );
        return;
    }
    report.pass_integrity(
        &aid,
        format!(
            "anchored on {place} at {}: transaction {tx} in block {block}, {}",
            time_text(facts.time),
            badgesafe_anchor::counted(facts.confirmations, "confirmation")
        ),
    );
    check_sender(&facts.from, facts.time, chain_id, &iid, ctx, opts, report);
}

/// An account an issuer names for anchoring, with its validity period.
struct Account {
    address: String,
    created: Option<DateTime<Utc>>,
    ends: Option<DateTime<Utc>>,
}

fn parse_time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// `eip155:<chain>:0x…` for `chain_id`, or any chain when the entry names none.
fn caip10(s: &str, chain_id: u64) -> Option<String> {
    let rest = s.strip_prefix("eip155:")?;
    let (chain, addr) = rest.split_once(':')?;
    (chain.parse::<u64>().ok()? == chain_id)
        .then(|| badgesafe_anchor::normalize_address(addr))
        .flatten()
}

/// The anchoring accounts a published issuer document names: Blockcerts `publicKey` entries
/// (`ecdsa-koblitz-pubkey:0x…`), and verification methods with a `blockchainAccountId` or a
/// secp256k1 JWK.
fn accounts_in(doc: &Value, chain_id: u64) -> Vec<Account> {
    let mut out = Vec::new();
    let items = |k: &str| match doc.get(k) {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    };
    for entry in items("publicKey") {
        let key = entry
            .get("id")
            .or_else(|| entry.get("publicKey"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(address) = key
            .strip_prefix("ecdsa-koblitz-pubkey:")
            .and_then(badgesafe_anchor::normalize_address)
        {
            let ends = match (
                parse_time(entry.get("revoked")),
                parse_time(entry.get("expires")),
            ) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            out.push(Account {
                address,
                created: parse_time(entry.get("created")),
                ends,
            });
        }
    }
    for vm in items("verificationMethod") {
        let address = vm
            .get("blockchainAccountId")
            .and_then(Value::as_str)
            .and_then(|s| caip10(s, chain_id))
            .or_else(|| {
                vm.get("publicKeyJwk")
                    .and_then(badgesafe_anchor::address_from_jwk)
            });
        if let Some(address) = address {
            out.push(Account {
                address,
                created: None,
                ends: None,
            });
        }
    }
    out
}

fn check_sender(
    from: &str,
    time: Option<i64>,
    chain_id: u64,
    iid: &str,
    ctx: &Context<'_>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    let Some(issuer) = ctx.issuer else {
        report.fail(iid, "the credential names no issuer to bind the anchor to");
        return;
    };
    let published_at = if issuer.starts_with("https://") || issuer.starts_with("http://") {
        Some(issuer.split('#').next().unwrap_or(issuer).to_owned())
    } else if issuer.starts_with("did:web:") {
        badgesafe_did::did_web_url(issuer).ok()
    } else {
        None
    };
    let Some(url) = published_at else {
        // No published document (did:key): the issuer's profile in the credential, which a
        // signature by the issuer's key covers, may name the account.
        let named = ctx
            .doc
            .get("issuer")
            .and_then(|i| i.get("otherIdentifier"))
            .and_then(Value::as_array)
            .is_some_and(|ids| {
                ids.iter().any(|e| {
                    e.get("identifier")
                        .and_then(Value::as_str)
                        .and_then(|s| caip10(s, chain_id))
                        .as_deref()
                        == Some(from)
                })
            });
        if named && ctx.signed_by_issuer {
            report.pass_authentic(
                iid,
                format!(
                    "sent by {from}, the anchoring account the issuer names in its signed profile"
                ),
            );
        } else if named {
            report.fail(
                iid,
                format!("sent by {from}, which the credential's issuer profile names, but no signature by the issuer's key covers that profile"),
            );
        } else {
            report.fail(
                iid,
                format!("sent by {from}, which the issuer {issuer} does not name as its anchoring account"),
            );
        }
        return;
    };
    let doc = match fetch_json(&url, opts) {
        Ok(d) => d,
        Err(Fetched::Offline) => {
            report.skip(
                iid,
                format!("the issuer document {url} is not fetched offline"),
            );
            return;
        }
        Err(Fetched::Failed(why)) => {
            report.fail(
                iid,
                format!("could not get the issuer document {url}: {why}"),
            );
            return;
        }
    };
    let accounts = accounts_in(&doc, chain_id);
    let when = time.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0));
    match accounts.iter().find(|a| a.address == from) {
        None => report.fail(
            iid,
            format!(
                "sent by {from}, which {url} does not publish as an anchoring account of {issuer} (it lists {})",
                if accounts.is_empty() {
                    "none".to_owned()
                } else {
                    accounts.iter().map(|a| a.address.as_str()).collect::<Vec<_>>().join(", ")
                }
            ),
        ),
        Some(a) => {
            let before = matches!((a.created, when), (Some(c), Some(w)) if w < c);
            let after = matches!((a.ends, when), (Some(e), Some(w)) if w >= e);
            if before || after {
                report.fail(
                    iid,
                    format!("sent by {from}, an account {issuer} publishes, but outside the period it names for that account"),
                );
            } else {
                report.pass_authentic(
                    iid,
                    format!("sent by {from}, an anchoring account the issuer {issuer} publishes"),
                );
            }
        }
    }
}

fn check_log_entry(
    entry: Result<log::Entry, badgesafe_anchor::Error>,
    receipt: &Receipt,
    n: usize,
    ctx: &Context<'_>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    let aid = format!("anchor.{n}");
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            report.fail(aid, e.to_string());
            return;
        }
    };
    if entry.root != receipt.merkle_root {
        report.fail(
            aid,
            format!(
                "the anchor log entry records root {}, not this batch's root {}",
                hex::encode(entry.root),
                hex::encode(receipt.merkle_root)
            ),
        );
        return;
    }
    let Some(issuer) = ctx.issuer else {
        report.fail(
            aid,
            "the credential names no issuer whose log this could be",
        );
        return;
    };
    if entry.log != issuer {
        report.fail(
            aid,
            format!(
                "the anchor log entry belongs to {}, not to the issuer {issuer}",
                entry.log
            ),
        );
        return;
    }
    let method = match resolve_method(&entry.key, opts) {
        Ok(m) => m,
        Err(Resolve::Offline(why)) => {
            report.skip(
                aid,
                format!("the key of the issuer's anchor log is not checked offline ({why})"),
            );
            return;
        }
        Err(Resolve::Failed(why)) => {
            report.fail(aid, format!("the anchor log key: {why}"));
            return;
        }
    };
    let bound = method.controller == issuer && (!method.from_fragment || ctx.signed_by_issuer);
    let signed = match &method.key {
        PublicKey::Ed25519(k) => entry.signed_by(k),
        _ => false,
    };
    if !bound {
        report.fail(
            aid,
            format!(
                "the anchor log entry is signed with {}, which is not shown to be the issuer's key",
                entry.key
            ),
        );
    } else if !signed {
        report.fail(
            aid,
            format!(
                "the anchor log entry's signature does not match the key {}",
                entry.key
            ),
        );
    } else {
        report.pass_authentic(
            aid,
            format!(
                "recorded in the issuer's own anchor log (not a public blockchain) as entry {} at {}, signed with its key {}",
                entry.seq, entry.time, entry.key
            ),
        );
    }
}
