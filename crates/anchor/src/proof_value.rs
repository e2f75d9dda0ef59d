//! The `proofValue` of a MerkleProof2019 proof, byte-compatible with cert-issuer
//! (`shared/spec/ANCHORING.md` §2.2): `"z" + base58btc(CBOR)`, where the CBOR is an array of
//! `[key, value]` pairs — path (3), merkleRoot (0), targetHash (1), anchors (2), in that order.
//!
//! Values are written as cert-issuer writes them: a byte string holding a CBOR text string of
//! the lower-case hex. Both forms found in the wild are read: that one, and the raw bytes the
//! JavaScript encoder wraps instead.

use crate::{Anchor, Chain, Error};
use badgesafe_merkle::{Hash, Step};
use ciborium::Value as Cbor;

/// Longest `proofValue` accepted, in characters.
pub const MAX_PROOF_VALUE: usize = 64 * 1024;
/// Longest Merkle path accepted: a batch of 2^64 leaves needs 64 steps.
pub const MAX_PATH: usize = 64;
/// Most anchors one proof may name.
pub const MAX_ANCHORS: usize = 16;

/// A decoded MerkleProof2019 receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The batch root.
    pub merkle_root: Hash,
    /// The leaf: SHA-256 of the canonical credential this proof covers.
    pub target_hash: Hash,
    /// Siblings, bottom-up.
    pub path: Vec<Step>,
    /// Where the root was anchored.
    pub anchors: Vec<Anchor>,
}

fn cbor_bytes(value: &Cbor) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| Error::ProofValue(e.to_string()))?;
    Ok(out)
}

/// cert-issuer's wrapping: a byte string holding CBOR text.
fn wrapped_text(s: &str) -> Result<Cbor, Error> {
    Ok(Cbor::Bytes(cbor_bytes(&Cbor::Text(s.to_owned()))?))
}

fn int(v: i64) -> Cbor {
    Cbor::Integer(v.into())
}

impl Receipt {
    /// The `proofValue`, exactly as cert-issuer writes it.
    pub fn encode(&self) -> Result<String, Error> {
        let path = self
            .path
            .iter()
            .map(|step| {
                let (dir, h) = match step {
                    Step::Left(h) => (0, h),
                    Step::Right(h) => (1, h),
                };
                Ok(Cbor::Array(vec![int(dir), wrapped_text(&hex::encode(h))?]))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let anchors = self
            .anchors
            .iter()
            .map(|a| {
                let tx = wrapped_text(&a.tx)?;
                Ok(Cbor::Array(match a.chain {
                    Chain::Mocknet => vec![
                        Cbor::Array(vec![int(0), int(-1)]),
                        Cbor::Array(vec![int(1), tx]),
                    ],
                    Chain::Bitcoin(network) | Chain::Ethereum(network) => vec![
                        Cbor::Array(vec![int(0), int(a.chain.code())]),
                        Cbor::Array(vec![int(1), Cbor::Integer(network.into())]),
                        Cbor::Array(vec![int(2), tx]),
                    ],
                }))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let root = Cbor::Array(vec![
            Cbor::Array(vec![int(3), Cbor::Array(path)]),
            Cbor::Array(vec![int(0), wrapped_text(&hex::encode(self.merkle_root))?]),
            Cbor::Array(vec![int(1), wrapped_text(&hex::encode(self.target_hash))?]),
            Cbor::Array(vec![int(2), Cbor::Array(anchors)]),
        ]);
        Ok(badgesafe_crypto::encode_multibase_base58btc(&cbor_bytes(
            &root,
        )?))
    }

    /// Reads a `proofValue` in either form.
    pub fn decode(proof_value: &str) -> Result<Self, Error> {
        if proof_value.len() > MAX_PROOF_VALUE {
            return Err(Error::ProofValue(format!(
                "{} characters, more than the limit of {MAX_PROOF_VALUE}",
                proof_value.len()
            )));
        }
        if !proof_value.starts_with('z') {
            return Err(Error::ProofValue(
                "it must be multibase base58btc (start with \"z\")".into(),
            ));
        }
        let bytes = badgesafe_crypto::decode_multibase_base58btc(proof_value)
            .map_err(|e| Error::ProofValue(format!("not base58btc: {e}")))?;
        let root: Cbor = ciborium::de::from_reader_with_recursion_limit(bytes.as_slice(), 16)
            .map_err(|e| Error::ProofValue(format!("not CBOR: {e}")))?;
        let Cbor::Array(entries) = root else {
            return Err(Error::ProofValue(
                "the CBOR is not an array of [key, value]".into(),
            ));
        };
        let (mut merkle_root, mut target_hash, mut path, mut anchors) = (None, None, None, None);
        for entry in entries {
            let (key, value) = pair(entry, "entry")?;
            match key {
                0 => merkle_root = Some(hash(&value, "merkleRoot")?),
                1 => target_hash = Some(hash(&value, "targetHash")?),
                2 => anchors = Some(decode_anchors(value)?),
                3 => path = Some(decode_path(value)?),
                other => {
                    return Err(Error::ProofValue(format!(
                        "unknown key {other} in the receipt"
                    )));
                }
            }
        }
        Ok(Receipt {
            merkle_root: merkle_root.ok_or(Error::ProofValue("no merkleRoot".into()))?,
            target_hash: target_hash.ok_or(Error::ProofValue("no targetHash".into()))?,
            path: path.unwrap_or_default(),
            anchors: anchors.ok_or(Error::ProofValue("no anchors".into()))?,
        })
    }
}

/// `[integer key, value]`.
fn pair(entry: Cbor, what: &str) -> Result<(i128, Cbor), Error> {
    let Cbor::Array(mut kv) = entry else {
        return Err(Error::ProofValue(format!(
            "a receipt {what} is not a [key, value] pair"
        )));
    };
    if kv.len() != 2 {
        return Err(Error::ProofValue(format!(
            "a receipt {what} has {} items, not 2",
            kv.len()
        )));
    }
    let value = kv.pop().unwrap_or(Cbor::Null);
    let key = match kv.pop() {
        Some(Cbor::Integer(i)) => i128::from(i),
        _ => {
            return Err(Error::ProofValue(format!(
                "a receipt {what} key is not an integer"
            )));
        }
    };
    Ok((key, value))
}

/// A value that is text: either wrapped CBOR text, wrapped raw bytes (as hex), or plain text.
fn text(value: &Cbor, what: &str) -> Result<String, Error> {
    match value {
        Cbor::Text(s) => Ok(s.clone()),
        Cbor::Bytes(b) => {
            match ciborium::de::from_reader_with_recursion_limit::<Cbor, _>(b.as_slice(), 2) {
                Ok(Cbor::Text(s)) => Ok(s),
                Ok(Cbor::Bytes(raw)) => Ok(hex::encode(raw)),
                _ => Ok(hex::encode(b)),
            }
        }
        _ => Err(Error::ProofValue(format!(
            "{what} is neither text nor bytes"
        ))),
    }
}

fn hash(value: &Cbor, what: &str) -> Result<Hash, Error> {
    let hex_text = text(value, what)?;
    parse_hash(&hex_text, what)
}

/// 64 hex characters (an optional `0x` allowed) as a SHA-256 digest.
pub fn parse_hash(hex_text: &str, what: &str) -> Result<Hash, Error> {
    let h = hex_text.strip_prefix("0x").unwrap_or(hex_text);
    let mut out = [0u8; 32];
    if h.len() != 64 {
        return Err(Error::ProofValue(format!(
            "{what} must be 32 bytes (64 hex digits), not {} characters",
            h.len()
        )));
    }
    hex::decode_to_slice(h, &mut out)
        .map_err(|_| Error::ProofValue(format!("{what} is not hexadecimal")))?;
    Ok(out)
}

fn decode_path(value: Cbor) -> Result<Vec<Step>, Error> {
    let Cbor::Array(steps) = value else {
        return Err(Error::ProofValue("the path is not an array".into()));
    };
    if steps.len() > MAX_PATH {
        return Err(Error::ProofValue(format!(
            "the path has {} steps, more than {MAX_PATH}",
            steps.len()
        )));
    }
    steps
        .into_iter()
        .map(|s| {
            let (dir, v) = pair(s, "path step")?;
            let h = hash(&v, "a path step")?;
            match dir {
                0 => Ok(Step::Left(h)),
                1 => Ok(Step::Right(h)),
                other => Err(Error::ProofValue(format!(
                    "a path step has direction {other}, not 0 (left) or 1 (right)"
                ))),
            }
        })
        .collect()
}

fn decode_anchors(value: Cbor) -> Result<Vec<Anchor>, Error> {
    let Cbor::Array(items) = value else {
        return Err(Error::ProofValue("anchors is not an array".into()));
    };
    if items.is_empty() || items.len() > MAX_ANCHORS {
        return Err(Error::ProofValue(format!(
            "a receipt needs 1 to {MAX_ANCHORS} anchors, not {}",
            items.len()
        )));
    }
    items
        .into_iter()
        .map(|item| {
            let Cbor::Array(fields) = item else {
                return Err(Error::ProofValue("an anchor is not an array".into()));
            };
            let (mut chain, mut network, mut tx) = (None, None, None);
            let mut second = None;
            for f in fields {
                let (k, v) = pair(f, "anchor field")?;
                match k {
                    0 => match v {
                        Cbor::Integer(i) => chain = Some(i128::from(i)),
                        _ => {
                            return Err(Error::ProofValue(
                                "the anchor chain is not an integer".into(),
                            ));
                        }
                    },
                    1 => second = Some(v),
                    2 => tx = Some(text(&v, "the transaction id")?),
                    other => {
                        return Err(Error::ProofValue(format!("unknown anchor field {other}")));
                    }
                }
            }
            // Mocknet anchors carry the transaction at key 1 (cert-issuer) or a network there.
            match second {
                Some(Cbor::Integer(i)) => network = Some(i128::from(i)),
                Some(v) if tx.is_none() => tx = Some(text(&v, "the transaction id")?),
                _ => {}
            }
            let tx = tx.ok_or(Error::ProofValue("an anchor has no transaction id".into()))?;
            let chain =
                match (chain, network) {
                    (Some(-1), _) => Chain::Mocknet,
                    (Some(0), Some(n)) => Chain::Bitcoin(u64::try_from(n).map_err(|_| {
                        Error::ProofValue(format!("Bitcoin network {n} is not valid"))
                    })?),
                    (Some(1), Some(n)) => Chain::Ethereum(u64::try_from(n).map_err(|_| {
                        Error::ProofValue(format!("Ethereum chain {n} is not valid"))
                    })?),
                    (Some(c), _) => {
                        return Err(Error::ProofValue(format!(
                            "unknown chain {c} in the anchor"
                        )));
                    }
                    (None, _) => return Err(Error::ProofValue("an anchor names no chain".into())),
                };
            Ok(Anchor { chain, tx })
        })
        .collect()
}
