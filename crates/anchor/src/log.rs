//! badgesafe's local anchor log: the embedded default when no chain is configured.
//!
//! The log is the issuer's own: an append-only file of entries, each naming a batch root, the
//! time, its position, and the hash of the entry before it, signed with the issuer's Ed25519
//! key. The issuer can publish the file so that anyone can check that no entry was changed or
//! left out. It is **not** a public blockchain, and reports say so.
//!
//! An anchor proof carries its entry in the receipt's transaction field, as
//! `badgesafe-log:` + the entry's JSON, with the mocknet chain number: Blockcerts verifiers read
//! it as a test anchor, badgesafe checks the entry's signature against the issuer's key.

use crate::Error;
use badgesafe_crypto::{Ed25519Public, Ed25519Signer};
use badgesafe_merkle::Hash;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How a log entry is written in an anchor receipt.
pub const TX_PREFIX: &str = "badgesafe-log:";
/// The `prev` of the first entry.
pub const GENESIS: Hash = [0; 32];

/// One entry of the local anchor log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The issuer whose log this is.
    pub log: String,
    /// Position, from 1.
    pub seq: u64,
    /// When the root was logged (XML Schema dateTime).
    pub time: String,
    /// The batch root.
    pub root: Hash,
    /// Hash of the entry before ([`GENESIS`] for the first).
    pub prev: Hash,
    /// The verification method of the signing key.
    pub key: String,
    /// Ed25519 signature over [`Entry::signing_bytes`].
    pub sig: [u8; 64],
}

impl Entry {
    fn unsigned_json(&self) -> Value {
        json!({
            "log": self.log,
            "seq": self.seq,
            "time": self.time,
            "root": hex::encode(self.root),
            "prev": hex::encode(self.prev),
            "key": self.key,
        })
    }

    /// What the signature covers: the JCS form of the entry without `sig`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        badgesafe_jcs::to_vec(&self.unsigned_json())
    }

    /// A new signed entry.
    pub fn new_signed(
        log: &str,
        seq: u64,
        time: &str,
        root: Hash,
        prev: Hash,
        key: &str,
        signer: &Ed25519Signer,
    ) -> Self {
        let mut e = Entry {
            log: log.to_owned(),
            seq,
            time: time.to_owned(),
            root,
            prev,
            key: key.to_owned(),
            sig: [0; 64],
        };
        e.sig = signer.sign(&e.signing_bytes());
        e
    }

    /// The entry as JSON (one line of the log file).
    pub fn to_json(&self) -> Value {
        let mut v = self.unsigned_json();
        v["sig"] = badgesafe_crypto::encode_multibase_base58btc(&self.sig).into();
        v
    }

    /// The JCS text of the entry: a log file line, and what [`Entry::hash`] covers.
    pub fn to_line(&self) -> String {
        String::from_utf8_lossy(&badgesafe_jcs::to_vec(&self.to_json())).into_owned()
    }

    /// SHA-256 of the entry's line: the next entry's `prev`.
    pub fn hash(&self) -> Hash {
        Sha256::digest(self.to_line().as_bytes()).into()
    }

    /// The receipt transaction field for this entry.
    pub fn to_tx(&self) -> String {
        format!("{TX_PREFIX}{}", self.to_line())
    }

    /// Reads an entry from a log line or its JSON.
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let bad = |why: &str| Error::LogEntry(why.to_owned());
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| Error::LogEntry(format!("no {k} string")))
        };
        let hash = |k: &str| crate::proof_value::parse_hash(text(k)?, k).map_err(|_| bad(k));
        let sig_bytes = badgesafe_crypto::decode_multibase_base58btc(text("sig")?)
            .map_err(|e| Error::LogEntry(format!("sig: {e}")))?;
        let sig: [u8; 64] = sig_bytes
            .try_into()
            .map_err(|_| bad("sig is not a 64-byte Ed25519 signature"))?;
        Ok(Entry {
            log: text("log")?.to_owned(),
            seq: v
                .get("seq")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("no seq number"))?,
            time: text("time")?.to_owned(),
            root: hash("root")?,
            prev: hash("prev")?,
            key: text("key")?.to_owned(),
            sig,
        })
    }

    /// The entry in a receipt's transaction field; `None` when the field is something else.
    pub fn from_tx(tx: &str) -> Option<Result<Self, Error>> {
        let json = tx.strip_prefix(TX_PREFIX)?;
        Some(
            badgesafe_jcs::from_str_strict(json)
                .map_err(|e| Error::LogEntry(format!("not JSON: {e}")))
                .and_then(|v| Entry::from_json(&v)),
        )
    }

    /// Whether `key` made the signature.
    pub fn signed_by(&self, key: &Ed25519Public) -> bool {
        key.verify(&self.signing_bytes(), &self.sig).is_ok()
    }
}

/// Checks a whole log: positions 1, 2, 3, …, each `prev` the hash of the entry before, each
/// signature by `key`. Returns the entries.
pub fn check_log(lines: &str, key: &Ed25519Public) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::new();
    let mut prev = GENESIS;
    for (n, line) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let at = |why: String| Error::LogEntry(format!("line {}: {why}", n + 1));
        let v = badgesafe_jcs::from_str_strict(line).map_err(|e| at(e.to_string()))?;
        let e = Entry::from_json(&v).map_err(|e| at(e.to_string()))?;
        if e.seq != n as u64 + 1 {
            return Err(at(format!("position {} where {} was due", e.seq, n + 1)));
        }
        if e.prev != prev {
            return Err(at("does not chain to the entry before it".into()));
        }
        if !e.signed_by(key) {
            return Err(at("the signature does not match the issuer's key".into()));
        }
        prev = e.hash();
        entries.push(e);
    }
    Ok(entries)
}
