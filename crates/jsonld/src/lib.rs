//! JSON-LD → RDF → RDFC-1.0 canonical N-Quads over the pinned contexts only.
//!
//! * Contexts come only from [`badgesafe_contexts`]; any other context URL is an error that names it.
//! * Data-loss detection (VC Data Integrity §"Securing Data Losslessly"): a term or type the
//!   contexts do not define, and an `@id` that is a relative IRI, would be silently dropped by a
//!   JSON-LD processor. Here they are an [`Error::UndefinedTerms`] that names them.
//! * RDFC-1.0 with the poison guard of `rdf-canon` (a bounded number of N-degree hash calls).
//!
//! How data-loss detection works: the document is expanded once, with a sentinel `@vocab`
//! prepended to its top-level `@context` and a sentinel base IRI. A well-formed document never
//! produces a sentinel IRI, and for such a document the output is exactly what a processor with a
//! null vocabulary and a null base produces. Any sentinel IRI in the output marks a term that
//! would have been dropped, and its suffix is the term.

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod shim;

/// Prefix of IRIs that an undefined term expands to during detection.
const SENTINEL_VOCAB: &str = "urn:badgesafe:undefined-term:";
/// Base IRI used during detection, so that relative IRIs become visible.
const SENTINEL_BASE: &str = "https://relative-iri.badgesafe.invalid/";

/// Errors while turning a JSON-LD document into canonical N-Quads.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document names a context that is not in the pinned set.
    #[error("context {0} is not one of the pinned contexts (contexts are never fetched)")]
    UnknownContext(String),
    /// JSON-LD processing failed.
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    /// Terms, types or relative IRIs that JSON-LD would drop.
    #[error("undefined terms or relative IRIs would be dropped: {}", .0.join(", "))]
    UndefinedTerms(Vec<String>),
    /// The document is not a JSON object, or its `@context` cannot hold the detection sentinel.
    #[error("not a JSON-LD document: {0}")]
    NotADocument(&'static str),
    /// A `null` context would reset the active context and hide undefined terms.
    #[error("a null @context is not accepted: it would hide undefined terms")]
    NullContext,
    /// RDFC-1.0 failed (for example, the poison guard stopped it).
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
}

/// Converts a JSON-LD document into RDF quads, with data-loss detection.
pub fn to_rdf(document: &Value) -> Result<Vec<oxrdf::Quad>, Error> {
    reject_null_contexts(document)?;
    let mut doc = document.clone();
    let Some(obj) = doc.as_object_mut() else {
        return Err(Error::NotADocument("the top level must be a JSON object"));
    };
    let sentinel = serde_json::json!({ "@vocab": SENTINEL_VOCAB });
    let context = match obj.remove("@context") {
        None => Value::Array(vec![sentinel]),
        Some(Value::Array(mut items)) => {
            items.insert(0, sentinel);
            Value::Array(items)
        }
        Some(other) => Value::Array(vec![sentinel, other]),
    };
    obj.insert("@context".to_owned(), context);
    let bytes = serde_json::to_vec(&doc).map_err(|e| Error::JsonLd(e.to_string()))?;

    let parser = JsonLdParser::new()
        .with_base_iri(SENTINEL_BASE)
        .map_err(|e| Error::JsonLd(e.to_string()))?;
    let mut quads = Vec::new();
    let mut unknown_context = None;
    let iter = parser
        .for_slice(&bytes)
        .with_load_document_callback(|url, _options| match badgesafe_contexts::get(url) {
            Some(c) => Ok(JsonLdRemoteDocument {
                document: c.body.as_bytes().to_vec(),
                document_url: c.url.to_owned(),
            }),
            None => Err(Box::new(UnknownContextError(url.to_owned()))),
        });
    for quad in iter {
        match quad {
            Ok(q) => quads.push(q),
            Err(e) => {
                let msg = e.to_string();
                if unknown_context.is_none() {
                    unknown_context = Some(msg);
                }
            }
        }
    }
    if let Some(msg) = unknown_context {
        if let Some(url) = msg.strip_prefix(UNKNOWN_CONTEXT_PREFIX) {
            return Err(Error::UnknownContext(url.to_owned()));
        }
        // oxjsonld wraps loader errors; find our marker anywhere in the message.
        if let Some(pos) = msg.find(UNKNOWN_CONTEXT_PREFIX) {
            let url = &msg[pos + UNKNOWN_CONTEXT_PREFIX.len()..];
            let url = url.split_whitespace().next().unwrap_or(url);
            return Err(Error::UnknownContext(url.to_owned()));
        }
        return Err(Error::JsonLd(msg));
    }
    let lost = lost_terms(&quads);
    if !lost.is_empty() {
        return Err(Error::UndefinedTerms(lost));
    }
    Ok(quads)
}

const UNKNOWN_CONTEXT_PREFIX: &str = "unknown context: ";

#[derive(Debug)]
struct UnknownContextError(String);

impl std::fmt::Display for UnknownContextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{UNKNOWN_CONTEXT_PREFIX}{}", self.0)
    }
}

impl std::error::Error for UnknownContextError {}

fn reject_null_contexts(value: &Value) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "@context" {
                    let has_null = match v {
                        Value::Null => true,
                        Value::Array(items) => items.iter().any(Value::is_null),
                        _ => false,
                    };
                    if has_null {
                        return Err(Error::NullContext);
                    }
                } else {
                    reject_null_contexts(v)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(reject_null_contexts),
        _ => Ok(()),
    }
}

fn lost_terms(quads: &[oxrdf::Quad]) -> Vec<String> {
    let mut lost: Vec<String> = Vec::new();
    let mut note = |iri: &str| {
        let term = if let Some(t) = iri.strip_prefix(SENTINEL_VOCAB) {
            Some(t.to_owned())
        } else {
            iri.strip_prefix(SENTINEL_BASE)
                .map(|t| format!("relative IRI \"{t}\""))
        };
        if let Some(t) = term
            && !lost.contains(&t)
        {
            lost.push(t);
        }
    };
    for q in quads {
        if let oxrdf::NamedOrBlankNode::NamedNode(n) = &q.subject {
            note(n.as_str());
        }
        note(q.predicate.as_str());
        match &q.object {
            oxrdf::Term::NamedNode(n) => note(n.as_str()),
            oxrdf::Term::Literal(l) => note(l.datatype().as_str()),
            _ => {}
        }
        if let oxrdf::GraphName::NamedNode(n) = &q.graph_name {
            note(n.as_str());
        }
    }
    lost
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document.
pub fn canonicalize(document: &Value) -> Result<String, Error> {
    let quads = to_rdf(document)?;
    canonicalize_quads(&quads)
}

/// Canonical N-Quads (RDFC-1.0) of a set of quads.
pub fn canonicalize_quads(quads: &[oxrdf::Quad]) -> Result<String, Error> {
    let converted = shim::to_oxrdf02(quads)?;
    rdf_canon::canonicalize_quads(&converted).map_err(|e| Error::Canonicalization(e.to_string()))
}

/// SHA-256 of the canonical N-Quads of a document.
pub fn canonical_hash(document: &Value) -> Result<[u8; 32], Error> {
    let canon = canonicalize(document)?;
    Ok(Sha256::digest(canon.as_bytes()).into())
}

#[cfg(test)]
mod tests;
