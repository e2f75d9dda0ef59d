//! The verifier's trust list: issuers the employer has marked as known. Being on it is its own
//! check (`issuer.trusted`); whether it decides the verdict is the caller's choice.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Report;

/// One known issuer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrustedIssuer {
    /// The organisation's name, as the employer knows it.
    pub name: String,
    /// Its issuer ids (`did:web:…`, `did:key:…`, profile URLs).
    pub ids: Vec<String>,
    /// Its anchoring accounts (`0x…`), for the record.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Pinned documents by address (its `did.json`, profile, JWKS): keys that verify without
    /// the network.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub documents: std::collections::BTreeMap<String, Value>,
}

/// The trust list file: `{"issuers": [{"name", "ids", "accounts"}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustList {
    /// The known issuers.
    pub issuers: Vec<TrustedIssuer>,
}

impl TrustList {
    /// Reads a trust list, naming what is wrong with it.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let list: Self =
            serde_json::from_slice(bytes).map_err(|e| format!("the trust list: {e}"))?;
        for (i, t) in list.issuers.iter().enumerate() {
            if t.name.trim().is_empty() || t.ids.is_empty() {
                return Err(format!(
                    "the trust list: issuer {} needs a name and at least one id",
                    i + 1
                ));
            }
        }
        Ok(list)
    }

    /// The trusted issuer with this id.
    pub fn find(&self, issuer: &str) -> Option<&TrustedIssuer> {
        self.issuers
            .iter()
            .find(|t| t.ids.iter().any(|i| i == issuer))
    }
}

fn name_of(doc: &Value) -> Option<&str> {
    doc.get("issuer")
        .and_then(|i| i.get("name"))
        .and_then(Value::as_str)
}

/// Adds `issuer.trusted` for the credential `doc` to its report: passed when its issuer is on
/// the list; otherwise skipped with a plain warning, or failed when `require` (then the report
/// is no longer verified).
pub fn check(report: Report, doc: Option<&Value>, list: &TrustList, require: bool) -> Report {
    const ID: &str = "issuer.trusted";
    let mut report = report;
    let issuer = doc.and_then(crate::issuer_id);
    match issuer.and_then(|i| list.find(i).map(|t| (i, t))) {
        Some((id, t)) => report.pass(
            ID,
            format!("issued by {} ({id}), on your trust list", t.name),
        ),
        None => {
            let who = match (issuer, doc.and_then(name_of)) {
                (Some(id), Some(name)) => format!("{name:?} ({id})"),
                (Some(id), None) => id.to_owned(),
                (None, _) => "an issuer without an id".to_owned(),
            };
            let why = format!("issued by {who}, an organisation you have not marked as trusted");
            if require {
                report.fail(ID, why);
            } else {
                report.skip(ID, why);
            }
        }
    }
    report.finish()
}

/// A [`crate::Fetcher`] that answers the trust list's pinned documents first, and the network
/// (`fallback`) for the rest; with no fallback it is offline with pinned keys only.
pub struct Pinned {
    docs: std::collections::HashMap<String, Vec<u8>>,
    fallback: Option<Box<dyn crate::Fetcher + Send>>,
}

impl Pinned {
    /// The pinned documents of `list`, over `fallback`.
    pub fn new(list: &TrustList, fallback: Option<Box<dyn crate::Fetcher + Send>>) -> Self {
        let docs = list
            .issuers
            .iter()
            .flat_map(|t| t.documents.iter())
            .map(|(url, doc)| (url.clone(), doc.to_string().into_bytes()))
            .collect();
        Self { docs, fallback }
    }
}

impl crate::Fetcher for Pinned {
    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, String> {
        if let Some(d) = self.docs.get(url) {
            return Ok(d.clone());
        }
        match &self.fallback {
            Some(f) => f.get(url, accept),
            None => Err(format!("{url} is not pinned (offline)")),
        }
    }

    fn pinned_only(&self) -> bool {
        self.fallback.is_none()
    }
}
