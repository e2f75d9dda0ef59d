//! DID and controller documents: `did:key` derivation, `did:web` URLs, and verification-method
//! look-up in a fetched document. Pure: fetching is the caller's job.

use badgesafe_crypto::{Ed25519Public, PublicKey};
use serde_json::Value;

/// Errors while reading identifiers and documents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `did:key` that is not a valid Ed25519 key.
    #[error("invalid did:key {did}: {source}")]
    DidKey {
        /// The DID.
        did: String,
        /// Why it is invalid.
        #[source]
        source: badgesafe_crypto::Error,
    },
    /// A `did:web` that does not map to a URL.
    #[error("invalid did:web {0}")]
    DidWeb(String),
    /// A DID method badgesafe cannot resolve.
    #[error("unsupported DID method in {0} (supported: did:key, did:web)")]
    UnsupportedMethod(String),
    /// The document does not list the verification method.
    #[error("{document} does not list verification method {method}")]
    MethodNotFound {
        /// The document's id or URL.
        document: String,
        /// The method looked for.
        method: String,
    },
    /// The verification method has no usable key.
    #[error("verification method {method}: {reason}")]
    BadMethod {
        /// The method id.
        method: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A verification method with its key and controller.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationMethod {
    /// The method's id (absolute).
    pub id: String,
    /// Who controls the key.
    pub controller: String,
    /// The public key.
    pub key: PublicKey,
}

/// `did:key:z6Mk…` for an Ed25519 key.
pub fn did_key(public: &Ed25519Public) -> String {
    format!("did:key:{}", public.to_multikey())
}

/// `did:key:z6Mk…#z6Mk…`, the verification method of a `did:key`.
pub fn did_key_method(public: &Ed25519Public) -> String {
    let mk = public.to_multikey();
    format!("did:key:{mk}#{mk}")
}

/// Resolves a `did:key` (with or without fragment) to its verification method, without network.
pub fn resolve_did_key(did_url: &str) -> Result<VerificationMethod, Error> {
    let (did, fragment) = did_url.split_once('#').unwrap_or((did_url, ""));
    let multikey = did
        .strip_prefix("did:key:")
        .ok_or_else(|| Error::UnsupportedMethod(did_url.to_owned()))?;
    let public = Ed25519Public::from_multikey(multikey).map_err(|source| Error::DidKey {
        did: did.to_owned(),
        source,
    })?;
    if !fragment.is_empty() && fragment != multikey {
        return Err(Error::MethodNotFound {
            document: did.to_owned(),
            method: did_url.to_owned(),
        });
    }
    Ok(VerificationMethod {
        id: format!("{did}#{multikey}"),
        controller: did.to_owned(),
        key: PublicKey::Ed25519(public),
    })
}

/// The HTTPS URL of the DID document of a `did:web` (DID fragment ignored).
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com%3A3000:user:alice` → `https://example.com:3000/user/alice/did.json`.
/// `localhost` and `127.0.0.1` map to `http://`, for development and tests.
pub fn did_web_url(did: &str) -> Result<String, Error> {
    let did = did.split('#').next().unwrap_or(did);
    let rest = did
        .strip_prefix("did:web:")
        .ok_or_else(|| Error::UnsupportedMethod(did.to_owned()))?;
    let mut parts = rest.split(':');
    let host = parts
        .next()
        .unwrap_or_default()
        .replace("%3A", ":")
        .replace("%3a", ":");
    let host_only = host.split(':').next().unwrap_or_default();
    let valid_host = !host_only.is_empty()
        && host_only
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let path: Vec<&str> = parts.collect();
    if !valid_host
        || path
            .iter()
            .any(|p| p.is_empty() || p.contains(['/', '?', '#', '%']))
    {
        return Err(Error::DidWeb(did.to_owned()));
    }
    let scheme = if matches!(host_only, "localhost" | "127.0.0.1") {
        "http"
    } else {
        "https"
    };
    Ok(if path.is_empty() {
        format!("{scheme}://{host}/.well-known/did.json")
    } else {
        format!("{scheme}://{host}/{}/did.json", path.join("/"))
    })
}

fn absolute(id: &str, document_id: &str) -> String {
    if id.starts_with('#') {
        format!("{document_id}{id}")
    } else {
        id.to_owned()
    }
}

/// Finds `method_id` in a DID or controller document (or a bare verification-method document)
/// and reads its key. Supports `Multikey`, `Ed25519VerificationKey2020` (multibase),
/// `Ed25519VerificationKey2018` (base58) and `JsonWebKey`/`JsonWebKey2020` (JWK).
pub fn find_method(
    document: &Value,
    document_url: &str,
    method_id: &str,
) -> Result<VerificationMethod, Error> {
    let doc_id = document
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(document_url);
    let not_found = || Error::MethodNotFound {
        document: doc_id.to_owned(),
        method: method_id.to_owned(),
    };
    // The document may itself be the verification method.
    if document.get("id").and_then(Value::as_str) == Some(method_id)
        && (document.get("publicKeyMultibase").is_some() || document.get("publicKeyJwk").is_some())
    {
        return read_method(document, doc_id);
    }
    let mut candidates: Vec<&Value> = Vec::new();
    for key in [
        "verificationMethod",
        "assertionMethod",
        "authentication",
        "publicKey",
    ] {
        match document.get(key) {
            Some(Value::Array(items)) => candidates.extend(items.iter()),
            Some(v @ Value::Object(_)) => candidates.push(v),
            _ => {}
        }
    }
    let found = candidates
        .into_iter()
        .filter(|c| c.is_object())
        .find(|c| {
            c.get("id")
                .and_then(Value::as_str)
                .map(|id| absolute(id, doc_id))
                == Some(method_id.to_owned())
        })
        .ok_or_else(not_found)?;
    read_method(found, doc_id)
}

fn read_method(vm: &Value, doc_id: &str) -> Result<VerificationMethod, Error> {
    let id = vm
        .get("id")
        .and_then(Value::as_str)
        .map(|i| absolute(i, doc_id))
        .unwrap_or_default();
    let bad = |reason: String| Error::BadMethod {
        method: id.clone(),
        reason,
    };
    let controller = vm
        .get("controller")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("it has no controller".into()))?
        .to_owned();
    let ty = vm.get("type").and_then(Value::as_str).unwrap_or_default();
    let key = if let Some(mb) = vm.get("publicKeyMultibase").and_then(Value::as_str) {
        PublicKey::Ed25519(Ed25519Public::from_multikey(mb).map_err(|e| bad(e.to_string()))?)
    } else if let Some(b58) = vm.get("publicKeyBase58").and_then(Value::as_str) {
        PublicKey::Ed25519(Ed25519Public::from_base58(b58).map_err(|e| bad(e.to_string()))?)
    } else if let Some(jwk) = vm.get("publicKeyJwk") {
        PublicKey::from_jwk(jwk).map_err(|e| bad(e.to_string()))?
    } else {
        return Err(bad(format!(
            "type {ty:?} has no publicKeyMultibase, publicKeyBase58 or publicKeyJwk"
        )));
    };
    Ok(VerificationMethod {
        id,
        controller,
        key,
    })
}

/// A Multikey DID document for a `did:web` issuer with one Ed25519 assertion key.
pub fn did_web_document(did: &str, key_fragment: &str, public: &Ed25519Public) -> Value {
    let vm_id = format!("{did}#{key_fragment}");
    serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": vm_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public.to_multikey(),
        }],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use badgesafe_crypto::Ed25519Signer;

    #[test]
    fn did_key_vectors() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/vectors/w3c-ccg-did-method-key/ed25519-x25519.json"
        ))
        .unwrap();
        let vectors: Value = serde_json::from_str(&text).unwrap();
        let map = vectors.as_object().unwrap();
        assert!(map.len() >= 2);
        for (did, v) in map {
            let seed: [u8; 32] = hex::decode(v["seed"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            let signer = Ed25519Signer::from_seed(&seed);
            assert_eq!(&did_key(&signer.public()), did);
            let vm = resolve_did_key(&did_key_method(&signer.public())).unwrap();
            assert_eq!(vm.key, PublicKey::Ed25519(signer.public()));
            assert_eq!(&vm.controller, did);
            // The vector's own DID document lists the same key as base58.
            let doc = &v["didDocument"];
            let id = doc["verificationMethod"][0]["id"].as_str().unwrap();
            assert_eq!(find_method(doc, did, id).unwrap().key, vm.key);
        }
    }

    #[test]
    fn did_key_errors() {
        assert!(matches!(
            resolve_did_key("did:key:zzzz"),
            Err(Error::DidKey { .. })
        ));
        assert!(matches!(
            resolve_did_key("did:web:x"),
            Err(Error::UnsupportedMethod(_))
        ));
        let s = Ed25519Signer::from_seed(&[1; 32]);
        let other = Ed25519Signer::from_seed(&[2; 32]);
        let wrong = format!("{}#{}", did_key(&s.public()), other.public().to_multikey());
        assert!(matches!(
            resolve_did_key(&wrong),
            Err(Error::MethodNotFound { .. })
        ));
    }

    #[test]
    fn did_web_urls() {
        assert_eq!(
            did_web_url("did:web:example.com").unwrap(),
            "https://example.com/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A3000:user:alice#key-1").unwrap(),
            "https://example.com:3000/user/alice/did.json"
        );
        assert_eq!(
            did_web_url("did:web:localhost%3A8080").unwrap(),
            "http://localhost:8080/.well-known/did.json"
        );
        for bad in [
            "did:web:",
            "did:web:exa mple.com",
            "did:web:a.com::x",
            "did:web:a.com:..%2F",
        ] {
            assert!(did_web_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn methods_in_documents() {
        let s = Ed25519Signer::from_seed(&[3; 32]);
        let doc = did_web_document("did:web:school.example", "key-1", &s.public());
        let vm = find_method(
            &doc,
            "https://school.example/.well-known/did.json",
            "did:web:school.example#key-1",
        )
        .unwrap();
        assert_eq!(vm.controller, "did:web:school.example");
        assert!(matches!(
            find_method(&doc, "u", "did:web:school.example#key-2"),
            Err(Error::MethodNotFound { .. })
        ));
        let no_key = serde_json::json!({"id": "https://a/i", "verificationMethod": [{"id": "#k", "controller": "https://a/i", "type": "Multikey"}]});
        assert!(matches!(
            find_method(&no_key, "https://a/i", "https://a/i#k"),
            Err(Error::BadMethod { .. })
        ));
    }
}
