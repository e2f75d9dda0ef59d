//! Data Integrity proofs (`eddsa-rdfc-2022`, `eddsa-jcs-2022`, and the legacy `eddsa-2022` and
//! `Ed25519Signature2020`) and compact JWS (VC-JWT). Knows nothing about badges: it secures any
//! JSON-LD document. Key look-up is the caller's job; this crate takes keys.
//!
//! Algorithms: W3C Data Integrity EdDSA Cryptosuites v1.1 §3.2 (rdfc) and §3.3 (jcs);
//! `shared/spec/STANDARDS.md` §2.3–2.6.

use badgesafe_crypto::{Ed25519Public, Ed25519Signer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub mod jws;

/// Errors while creating or checking a proof.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document is not a JSON object.
    #[error("the document must be a JSON object")]
    NotAnObject,
    /// The proof is malformed.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The proof type or cryptosuite is not supported.
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    /// Canonicalization failed (undefined terms, unknown contexts, …).
    #[error(transparent)]
    Canonicalization(#[from] badgesafe_jsonld::Error),
    /// The proof value does not decode.
    #[error("proofValue: {0}")]
    ProofValue(#[source] badgesafe_crypto::Error),
    /// The signature does not match the document and proof options.
    #[error(
        "the signature does not match: the credential or its proof was changed, or it was signed with another key"
    )]
    BadSignature,
}

/// The Data Integrity suites badgesafe knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suite {
    /// `DataIntegrityProof` / `eddsa-rdfc-2022` (the default).
    EddsaRdfc2022,
    /// `DataIntegrityProof` / `eddsa-jcs-2022`.
    EddsaJcs2022,
    /// `DataIntegrityProof` / `eddsa-2022`: the draft name of eddsa-rdfc-2022 (verify only).
    Eddsa2022,
    /// `Ed25519Signature2020` (verify only).
    Ed25519Signature2020,
}

impl Suite {
    /// The name shown in reports: the cryptosuite, or the proof type for legacy suites.
    pub fn name(self) -> &'static str {
        match self {
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::EddsaJcs2022 => "eddsa-jcs-2022",
            Self::Eddsa2022 => "eddsa-2022",
            Self::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// Identifies the suite of a proof object.
    pub fn of(proof: &Value) -> Result<Self, Error> {
        let ty = proof
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Malformed("the proof has no \"type\" string".into()))?;
        match ty {
            "DataIntegrityProof" => {
                let cs = proof
                    .get("cryptosuite")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Error::Malformed(
                            "a DataIntegrityProof needs a \"cryptosuite\" string".into(),
                        )
                    })?;
                match cs {
                    "eddsa-rdfc-2022" => Ok(Self::EddsaRdfc2022),
                    "eddsa-jcs-2022" => Ok(Self::EddsaJcs2022),
                    "eddsa-2022" => Ok(Self::Eddsa2022),
                    other => Err(Error::Unsupported(format!("cryptosuite {other:?}"))),
                }
            }
            "Ed25519Signature2020" => Ok(Self::Ed25519Signature2020),
            other => Err(Error::Unsupported(format!("proof type {other:?}"))),
        }
    }

    fn uses_jcs(self) -> bool {
        self == Self::EddsaJcs2022
    }
}

/// Options of a new proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The suite; only `EddsaRdfc2022` and `EddsaJcs2022` can sign.
    pub suite: Suite,
    /// The verification method (key id).
    pub verification_method: String,
    /// `assertionMethod` for credentials, `authentication` for presentations.
    pub proof_purpose: String,
    /// `created`, an XML Schema dateTime such as `2024-01-01T00:00:00Z`.
    pub created: Option<String>,
    /// `expires`, when the proof stops being valid.
    pub expires: Option<String>,
    /// `domain` (who the proof is for).
    pub domain: Option<String>,
    /// `challenge` (the verifier's nonce).
    pub challenge: Option<String>,
}

/// The proofs of a secured document: `proof` as one object or an array.
pub fn proofs(document: &Value) -> Vec<&Value> {
    match document.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p @ Value::Object(_)) => vec![p],
        _ => Vec::new(),
    }
}

/// Adds a proof to `document` (appending to any proofs it already has). The new proof covers
/// the document without its earlier proofs.
pub fn sign(
    document: Value,
    options: &ProofOptions,
    signer: &Ed25519Signer,
) -> Result<Value, Error> {
    if !matches!(options.suite, Suite::EddsaRdfc2022 | Suite::EddsaJcs2022) {
        return Err(Error::Unsupported(format!(
            "{} is accepted for verification only",
            options.suite.name()
        )));
    }
    let Value::Object(mut secured) = document else {
        return Err(Error::NotAnObject);
    };
    let obj = &secured;
    let mut proof = Map::new();
    proof.insert("type".into(), "DataIntegrityProof".into());
    proof.insert("cryptosuite".into(), options.suite.name().into());
    if let Some(c) = &options.created {
        proof.insert("created".into(), c.clone().into());
    }
    if let Some(e) = &options.expires {
        proof.insert("expires".into(), e.clone().into());
    }
    proof.insert(
        "verificationMethod".into(),
        options.verification_method.clone().into(),
    );
    proof.insert("proofPurpose".into(), options.proof_purpose.clone().into());
    if let Some(d) = &options.domain {
        proof.insert("domain".into(), d.clone().into());
    }
    if let Some(c) = &options.challenge {
        proof.insert("challenge".into(), c.clone().into());
    }
    if options.suite.uses_jcs()
        && let Some(ctx) = obj.get("@context")
    {
        proof.insert("@context".into(), ctx.clone());
    }
    let covered = Covered {
        doc: obj,
        keep_proof: false,
        chained: None,
        context: None,
    };
    let hash = hash_covered(options.suite, &covered, &proof)?;
    let signature = signer.sign(&hash);
    proof.insert(
        "proofValue".into(),
        badgesafe_crypto::encode_multibase_base58btc(&signature).into(),
    );
    let all = match secured.remove("proof") {
        None => vec![Value::Object(proof)],
        Some(Value::Array(mut items)) => {
            items.push(Value::Object(proof));
            items
        }
        Some(single) => vec![single, Value::Object(proof)],
    };
    secured.insert("proof".into(), Value::Array(all));
    Ok(Value::Object(secured))
}

/// The document a proof covers, borrowed from the secured document: every entry but `proof`,
/// then the earlier proofs a proof chain names (`previousProof`) as `proof`, and for JCS the
/// proof's own `@context` in place of the document's.
struct Covered<'a> {
    doc: &'a Map<String, Value>,
    /// Keep the document's own `proof` entry as it is (`hash_data` on an unsecured document).
    keep_proof: bool,
    chained: Option<Vec<&'a Value>>,
    context: Option<&'a Value>,
}

impl Covered<'_> {
    fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.doc
            .iter()
            .filter(|(k, _)| self.keep_proof || *k != "proof")
            .map(|(k, v)| match (k.as_str(), self.context) {
                ("@context", Some(ctx)) => ("@context", ctx),
                (k, _) => (k, v),
            })
    }

    fn jcs(&self) -> Vec<u8> {
        let chained = self
            .chained
            .as_ref()
            .map(|c| Value::Array(c.iter().map(|p| (*p).clone()).collect()));
        let mut out = Vec::with_capacity(4096);
        badgesafe_jcs::write_entries(
            &mut out,
            self.entries().chain(chained.as_ref().map(|c| ("proof", c))),
        );
        out
    }

    fn to_value(&self) -> Value {
        let mut m: Map<String, Value> = self
            .entries()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
        if let Some(chained) = &self.chained {
            m.insert(
                "proof".into(),
                Value::Array(chained.iter().map(|p| (*p).clone()).collect()),
            );
        }
        Value::Object(m)
    }
}

/// The bytes that are signed: `SHA-256(canonical proof config) ‖ SHA-256(canonical document)`.
///
/// `proof` is the proof without `proofValue`. For RDFC suites the proof config takes the
/// document's `@context`; for JCS the proof carries its own.
pub fn hash_data(suite: Suite, unsecured: &Value, proof: &Value) -> Result<[u8; 64], Error> {
    let doc = unsecured.as_object().ok_or(Error::NotAnObject)?;
    let proof = proof
        .as_object()
        .ok_or_else(|| Error::Malformed("the proof is not an object".into()))?;
    let covered = Covered {
        doc,
        keep_proof: true,
        chained: None,
        context: None,
    };
    hash_covered(suite, &covered, proof)
}

fn hash_covered(
    suite: Suite,
    covered: &Covered<'_>,
    proof: &Map<String, Value>,
) -> Result<[u8; 64], Error> {
    if let Some(created) = proof.get("created") {
        let created = created
            .as_str()
            .ok_or_else(|| Error::Malformed("\"created\" is not a string".into()))?;
        if !is_xsd_datetime(created) {
            return Err(Error::Malformed(format!(
                "\"created\" {created:?} is not an XML Schema dateTime"
            )));
        }
    }
    let (config_hash, doc_hash) = if suite.uses_jcs() {
        let mut config_bytes = Vec::with_capacity(512);
        badgesafe_jcs::write_entries(
            &mut config_bytes,
            proof
                .iter()
                .filter(|(k, _)| *k != "proofValue")
                .map(|(k, v)| (k.as_str(), v)),
        );
        (Sha256::digest(&config_bytes), Sha256::digest(covered.jcs()))
    } else {
        let ctx = covered
            .entries()
            .find(|(k, _)| *k == "@context")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Error::Malformed("the document has no @context".into()))?;
        let mut config: Map<String, Value> = proof
            .iter()
            .filter(|(k, _)| *k != "proofValue")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        config.insert("@context".into(), ctx);
        let config_canon = badgesafe_jsonld::canonicalize(&Value::Object(config))?;
        let doc_canon = badgesafe_jsonld::canonicalize(&covered.to_value())?;
        (
            Sha256::digest(config_canon.as_bytes()),
            Sha256::digest(doc_canon.as_bytes()),
        )
    };
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&config_hash);
    out[32..].copy_from_slice(&doc_hash);
    Ok(out)
}

/// What a proof covers, borrowed from `secured`.
fn covered_by<'a>(secured: &'a Value, proof: &'a Value) -> Result<Covered<'a>, Error> {
    let doc = secured.as_object().ok_or(Error::NotAnObject)?;
    let previous: Vec<&str> = match proof.get("previousProof") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(Error::Malformed(
                "\"previousProof\" must be a string or an array of strings".into(),
            ));
        }
    };
    let mut chained = None;
    if !previous.is_empty() {
        let all = proofs(secured);
        let mut found_all = Vec::new();
        for id in previous {
            let found = all
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .ok_or_else(|| {
                    Error::Malformed(format!("previousProof {id:?} is not in the document"))
                })?;
            found_all.push(*found);
        }
        chained = Some(found_all);
    }
    let mut context = None;
    if Suite::of(proof)?.uses_jcs()
        && let Some(proof_ctx) = proof.get("@context")
    {
        let as_list = |v: &'a Value| -> &'a [Value] {
            match v {
                Value::Array(items) => items,
                other => std::slice::from_ref(other),
            }
        };
        let doc_ctx = doc.get("@context").map(as_list).unwrap_or_default();
        let proof_list = as_list(proof_ctx);
        if doc_ctx.len() < proof_list.len() || doc_ctx[..proof_list.len()] != *proof_list {
            return Err(Error::Malformed(
                "the proof's @context is not a prefix of the document's @context".into(),
            ));
        }
        context = Some(proof_ctx);
    }
    Ok(Covered {
        doc,
        keep_proof: false,
        chained,
        context,
    })
}

/// The document a proof covers: the secured document without `proof`, plus the earlier proofs
/// named by `previousProof` (proof chains), and for JCS the proof's own `@context`.
pub fn unsecured_for(secured: &Value, proof: &Value) -> Result<Value, Error> {
    covered_by(secured, proof).map(|c| c.to_value())
}

/// Checks one proof of `secured` with `key`.
pub fn verify(secured: &Value, proof: &Value, key: &Ed25519Public) -> Result<Suite, Error> {
    let suite = Suite::of(proof)?;
    let value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Malformed("the proof has no \"proofValue\" string".into()))?;
    let signature =
        badgesafe_crypto::decode_multibase_base58btc(value).map_err(Error::ProofValue)?;
    if signature.len() != 64 {
        return Err(Error::Malformed(format!(
            "proofValue must hold a 64-byte Ed25519 signature, found {} bytes",
            signature.len()
        )));
    }
    let covered = covered_by(secured, proof)?;
    let proof_map = proof
        .as_object()
        .ok_or_else(|| Error::Malformed("the proof is not an object".into()))?;
    let hash = hash_covered(suite, &covered, proof_map)?;
    key.verify(&hash, &signature)
        .map_err(|_| Error::BadSignature)?;
    Ok(suite)
}

/// A loose check of the XML Schema dateTime form `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]`.
pub fn is_xsd_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 19 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        "" | "Z" => true,
        tz => {
            let t = tz.as_bytes();
            t.len() == 6
                && (t[0] == b'+' || t[0] == b'-')
                && t[1..3].iter().all(u8::is_ascii_digit)
                && t[3] == b':'
                && t[4..6].iter().all(u8::is_ascii_digit)
        }
    }
}

#[cfg(test)]
mod tests;
