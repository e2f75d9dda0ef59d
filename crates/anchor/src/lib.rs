//! Anchoring formats and checks, without any I/O: Blockcerts MerkleProof2019 receipts, the
//! chains they name, the leaf a credential contributes to its batch, the anchor proof object,
//! badgesafe's local anchor log, and what an Ethereum transaction must show.
//!
//! `shared/spec/ANCHORING.md` has the byte formats this crate follows.

use badgesafe_merkle::Hash;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

pub mod eth;
pub mod log;
pub mod proof_value;

pub use proof_value::Receipt;

/// The cryptosuite of an anchor proof.
pub const CRYPTOSUITE: &str = "merkle-proof-2019";
/// Where anchoring transactions go: nobody holds its key.
pub const BURN_ADDRESS: &str = "0xdeaddeaddeaddeaddeaddeaddeaddeaddeaddead";

/// Errors reading or making anchor data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `proofValue` does not decode.
    #[error("the anchor proofValue is not valid: {0}")]
    ProofValue(String),
    /// The credential could not be canonicalized.
    #[error(transparent)]
    Canonicalization(#[from] badgesafe_jsonld::Error),
    /// The credential is not a JSON object.
    #[error("the credential must be a JSON object")]
    NotAnObject,
    /// A local anchor log entry is malformed.
    #[error("the anchor log entry is not valid: {0}")]
    LogEntry(String),
    /// An Ethereum answer is malformed or does not show the anchor.
    #[error("{0}")]
    Transaction(String),
}

/// A blockchain, as the MerkleProof2019 keymap numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    /// Bitcoin, with its network id (mainnet 1, regtest 2, testnet 3).
    Bitcoin(u64),
    /// An Ethereum-compatible chain, by its chain id.
    Ethereum(u64),
    /// Not a blockchain: a test anchor (cert-issuer's mockchain), or badgesafe's local log.
    Mocknet,
}

impl Chain {
    /// The keymap's chain number: btc 0, eth 1, mocknet -1.
    pub fn code(self) -> i64 {
        match self {
            Chain::Bitcoin(_) => 0,
            Chain::Ethereum(_) => 1,
            Chain::Mocknet => -1,
        }
    }

    /// The network name Blockcerts verifiers know, if any.
    pub fn network_name(self) -> Option<&'static str> {
        match self {
            Chain::Bitcoin(1) | Chain::Ethereum(1) => Some("mainnet"),
            Chain::Bitcoin(2) => Some("regtest"),
            Chain::Bitcoin(3) => Some("testnet"),
            Chain::Ethereum(3) => Some("ropsten"),
            Chain::Ethereum(4) => Some("rinkeby"),
            Chain::Ethereum(5) => Some("goerli"),
            Chain::Ethereum(11_155_111) => Some("sepolia"),
            _ => None,
        }
    }

    /// In words, for reports: "Ethereum sepolia (chain 11155111)".
    pub fn describe(self) -> String {
        match self {
            Chain::Ethereum(id) => match self.network_name() {
                Some(n) => format!("Ethereum {n} (chain {id})"),
                None => format!("the Ethereum-compatible chain {id}"),
            },
            Chain::Bitcoin(n) => format!(
                "Bitcoin {}",
                self.network_name()
                    .map_or_else(|| format!("network {n}"), str::to_owned)
            ),
            Chain::Mocknet => "mocknet (no blockchain)".to_owned(),
        }
    }
}

/// Where a batch root was anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The chain.
    pub chain: Chain,
    /// The transaction id as the receipt writes it (`0x…` for Ethereum), or the local log
    /// entry for badgesafe's own log.
    pub tx: String,
}

impl Anchor {
    /// The Blockcerts "blink": `blink:eth:sepolia:0x…`.
    pub fn blink(&self) -> String {
        match self.chain {
            Chain::Mocknet => format!("blink:mocknet:{}", self.tx),
            Chain::Bitcoin(_) | Chain::Ethereum(_) => {
                let chain = if matches!(self.chain, Chain::Bitcoin(_)) {
                    "btc"
                } else {
                    "eth"
                };
                let network = self
                    .chain
                    .network_name()
                    .map_or_else(|| self.chain_id_text(), str::to_owned);
                format!("blink:{chain}:{network}:{}", self.tx)
            }
        }
    }

    fn chain_id_text(&self) -> String {
        match self.chain {
            Chain::Bitcoin(n) | Chain::Ethereum(n) => n.to_string(),
            Chain::Mocknet => String::new(),
        }
    }
}

/// The kinds of anchor proof badgesafe reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofKind {
    /// `DataIntegrityProof` with cryptosuite `merkle-proof-2019` (what badgesafe writes).
    DataIntegrity,
    /// The legacy `MerkleProof2019` proof type.
    MerkleProof2019,
    /// `ChainedProof2021` with `chainedProofType` `MerkleProof2019`.
    Chained,
}

impl ProofKind {
    /// The anchor kind of a proof object, if it is one.
    pub fn of(proof: &Value) -> Option<Self> {
        let ty = proof.get("type").and_then(Value::as_str)?;
        match ty {
            "DataIntegrityProof"
                if proof.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE) =>
            {
                Some(ProofKind::DataIntegrity)
            }
            "MerkleProof2019" => Some(ProofKind::MerkleProof2019),
            "ChainedProof2021"
                if proof.get("chainedProofType").and_then(Value::as_str)
                    == Some("MerkleProof2019") =>
            {
                Some(ProofKind::Chained)
            }
            _ => None,
        }
    }

    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            ProofKind::DataIntegrity => CRYPTOSUITE,
            ProofKind::MerkleProof2019 => "MerkleProof2019",
            ProofKind::Chained => "ChainedProof2021 (MerkleProof2019)",
        }
    }
}

/// The document an anchor proof at position `index` of the `proof` array covers, as Blockcerts
/// computes it: the credential with only the proofs before it (none for the first proof).
pub fn covered(doc: &Value, index: usize) -> Result<Value, Error> {
    let obj = doc.as_object().ok_or(Error::NotAnObject)?;
    let mut out: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| *k != "proof")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let earlier: Vec<Value> = match obj.get("proof") {
        Some(Value::Array(items)) => items.iter().take(index).cloned().collect(),
        _ => Vec::new(),
    };
    if !earlier.is_empty() {
        out.insert("proof".into(), Value::Array(earlier));
    }
    Ok(Value::Object(out))
}

/// The leaf a credential contributes: SHA-256 of the canonical N-Quads of what an anchor proof
/// at position `index` covers (`index` = the number of proofs the credential has before it).
pub fn leaf_hash(doc: &Value, index: usize) -> Result<Hash, Error> {
    let canon = badgesafe_jsonld::canonicalize(&covered(doc, index)?)?;
    Ok(Sha256::digest(canon.as_bytes()).into())
}

/// The leaf of a MerkleProof2017 (Blockcerts v2) credential: its canonical form without the
/// `signature` block.
pub fn leaf_hash_2017(doc: &Value) -> Result<Hash, Error> {
    let obj = doc.as_object().ok_or(Error::NotAnObject)?;
    let unsigned: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| *k != "signature")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let canon = badgesafe_jsonld::canonicalize(&Value::Object(unsigned))?;
    Ok(Sha256::digest(canon.as_bytes()).into())
}

/// The anchor proof object cert-issuer writes (`shared/spec/ANCHORING.md` §1).
pub fn proof_object(
    receipt: &Receipt,
    id: &str,
    verification_method: &str,
    created: &str,
) -> Result<Value, Error> {
    Ok(json!({
        "id": id,
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
        "created": created,
        "proofValue": receipt.encode()?,
        "verificationMethod": verification_method,
    }))
}

/// Puts the anchor proof `proof` first among the credential's proofs (making `proof` an
/// array). First, because Blockcerts verifiers hash an anchor proof's credential with the
/// proofs before it: at the front, the leaf is the credential without any proof, so it does not
/// depend on the issuer's signatures, which (as a proof set) each cover the credential without
/// proofs too.
pub fn attach(doc: &mut Value, proof: Value) -> Result<(), Error> {
    let obj = doc.as_object_mut().ok_or(Error::NotAnObject)?;
    let mut proofs = vec![proof];
    match obj.remove("proof") {
        None => {}
        Some(Value::Array(items)) => proofs.extend(items),
        Some(single) => proofs.push(single),
    }
    obj.insert("proof".into(), Value::Array(proofs));
    Ok(())
}

/// Reads a MerkleProof2017 `signature` block into a receipt.
pub fn receipt_2017(signature: &Value) -> Result<Receipt, Error> {
    let hex_field = |k: &str| -> Result<Hash, Error> {
        let s = signature
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| Error::ProofValue(format!("the MerkleProof2017 block has no {k}")))?;
        proof_value::parse_hash(s, k)
    };
    let path = match signature.get("proof") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(steps)) => steps
            .iter()
            .map(|s| {
                if let Some(l) = s.get("left").and_then(Value::as_str) {
                    Ok(badgesafe_merkle::Step::Left(proof_value::parse_hash(
                        l,
                        "a path step",
                    )?))
                } else if let Some(r) = s.get("right").and_then(Value::as_str) {
                    Ok(badgesafe_merkle::Step::Right(proof_value::parse_hash(
                        r,
                        "a path step",
                    )?))
                } else {
                    Err(Error::ProofValue(
                        "a path step has neither left nor right".into(),
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(Error::ProofValue(
                "the MerkleProof2017 proof is not an array".into(),
            ));
        }
    };
    let anchors = signature
        .get("anchors")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::ProofValue("the MerkleProof2017 block has no anchors".into()))?
        .iter()
        .map(|a| {
            let tx = a
                .get("sourceId")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::ProofValue("an anchor has no sourceId".into()))?
                .to_owned();
            let chain = match a.get("chain").and_then(Value::as_str) {
                Some("bitcoinMainnet") => Chain::Bitcoin(1),
                Some("bitcoinTestnet") => Chain::Bitcoin(3),
                Some("bitcoinRegtest") => Chain::Bitcoin(2),
                Some("ethereumMainnet") => Chain::Ethereum(1),
                Some("ethereumRopsten") => Chain::Ethereum(3),
                Some("ethereumRinkeby") => Chain::Ethereum(4),
                Some("ethereumGoerli") => Chain::Ethereum(5),
                Some("ethereumSepolia") => Chain::Ethereum(11_155_111),
                Some("mockchain") => Chain::Mocknet,
                Some(other) => {
                    return Err(Error::ProofValue(format!("unknown chain {other:?}")));
                }
                None => match a.get("type").and_then(Value::as_str) {
                    Some("Mock") => Chain::Mocknet,
                    _ => return Err(Error::ProofValue("an anchor names no chain".into())),
                },
            };
            Ok(Anchor { chain, tx })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Receipt {
        merkle_root: hex_field("merkleRoot")?,
        target_hash: hex_field("targetHash")?,
        path,
        anchors,
    })
}

/// `1 confirmation`, `3 confirmations`: a count and a noun that takes a plain `s`.
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An Ethereum address in lower case with `0x`, from any case, with or without `0x`; `None`
/// when it is not 20 bytes of hex.
pub fn normalize_address(s: &str) -> Option<String> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    (h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("0x{}", h.to_ascii_lowercase()))
}

/// The Ethereum address of a secp256k1 public key given as a JWK (`x`, `y`): the last 20 bytes
/// of Keccak-256 of the 64-byte uncompressed point.
pub fn address_from_jwk(jwk: &Value) -> Option<String> {
    use base64::Engine as _;
    if jwk.get("crv").and_then(Value::as_str) != Some("secp256k1") {
        return None;
    }
    let coord = |k: &str| {
        jwk.get(k)
            .and_then(Value::as_str)
            .and_then(|s| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(s)
                    .ok()
            })
            .filter(|b| b.len() == 32)
    };
    let (x, y) = (coord("x")?, coord("y")?);
    let mut k = sha3::Keccak256::new();
    k.update(&x);
    k.update(&y);
    let digest = k.finalize();
    Some(format!("0x{}", hex::encode(&digest[12..])))
}

#[cfg(test)]
mod tests;
