//! Open Badges 3.0 on VC Data Model 2.0: typed values for building credentials, and validation of
//! any credential JSON against the official (embedded) JSON Schemas.
//!
//! Knows nothing about proofs, keys or I/O. Multi-valued fields are emitted as arrays and
//! accepted as single values ([`OneOrMany`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::OnceLock;

mod types;
pub use types::*;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document does not satisfy the JSON Schema.
    #[error("schema {schema}: {}", .problems.join("; "))]
    Schema {
        /// Which schema.
        schema: &'static str,
        /// Each violation, with its JSON location.
        problems: Vec<String>,
    },
    /// An embedded schema failed to compile (a build defect, never input-dependent).
    #[error("embedded schema {0} failed to compile: {1}")]
    SchemaCompile(&'static str, String),
    /// The credential's `type` names no schema badgesafe has.
    #[error("no schema for credential types {0:?}")]
    NoSchema(Vec<String>),
}

/// A field that may be one value or an array; always serialized as an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value (accepted on input only).
    One(T),
    /// An array.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values as a slice-like vector of references.
    pub fn iter(&self) -> Box<dyn Iterator<Item = &T> + '_> {
        match self {
            Self::One(t) => Box::new(std::iter::once(t)),
            Self::Many(v) => Box::new(v.iter()),
        }
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(v: Vec<T>) -> Self {
        Self::Many(v)
    }
}

/// The kinds of credential with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `OpenBadgeCredential` / `AchievementCredential`.
    Achievement,
    /// `EndorsementCredential`.
    Endorsement,
    /// `ClrCredential`.
    Clr,
}

impl Kind {
    fn schema(self) -> (&'static str, &'static str) {
        match self {
            Self::Achievement => (
                "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                include_str!("../schemas/ob_v3p0_achievementcredential_schema.json"),
            ),
            Self::Endorsement => (
                "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
                include_str!("../schemas/ob_v3p0_endorsementcredential_schema.json"),
            ),
            Self::Clr => (
                "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
                include_str!("../schemas/clr_v2p0_clrcredential_schema.json"),
            ),
        }
    }
}

/// The `type` values of a document (string or array).
pub fn types_of(doc: &Value) -> Vec<String> {
    match doc.get("type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Which schema a credential falls under, from its `type`.
pub fn kind_of(doc: &Value) -> Option<Kind> {
    let types = types_of(doc);
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("ClrCredential") {
        Some(Kind::Clr)
    } else if has("EndorsementCredential") {
        Some(Kind::Endorsement)
    } else if has("OpenBadgeCredential") || has("AchievementCredential") {
        Some(Kind::Achievement)
    } else {
        None
    }
}

/// True when `@context[0]` is the VC 1.1 context (validated by the v1.1 rules, not these schemas).
pub fn is_vc_v1(doc: &Value) -> bool {
    let first = match doc.get("@context") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    first.and_then(Value::as_str) == Some("https://www.w3.org/2018/credentials/v1")
}

struct Compiled {
    schemas: boon::Schemas,
    index: Vec<(Kind, boon::SchemaIndex)>,
}

fn compiled() -> Result<&'static Compiled, Error> {
    static CELL: OnceLock<Result<Compiled, Error>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let mut index = Vec::new();
        for kind in [Kind::Achievement, Kind::Endorsement, Kind::Clr] {
            let (url, text) = kind.schema();
            let json: Value =
                serde_json::from_str(text).map_err(|e| Error::SchemaCompile(url, e.to_string()))?;
            compiler
                .add_resource(url, json)
                .map_err(|e| Error::SchemaCompile(url, e.to_string()))?;
            let idx = compiler
                .compile(url, &mut schemas)
                .map_err(|e| Error::SchemaCompile(url, e.to_string()))?;
            index.push((kind, idx));
        }
        Ok(Compiled { schemas, index })
    })
    .as_ref()
    .map_err(|e| Error::SchemaCompile("embedded", e.to_string()))
}

/// Validates a credential against the official schema for its kind.
pub fn validate(doc: &Value, kind: Kind) -> Result<(), Error> {
    let c = compiled()?;
    let (url, _) = kind.schema();
    let Some((_, idx)) = c.index.iter().find(|(k, _)| *k == kind) else {
        return Err(Error::NoSchema(types_of(doc)));
    };
    c.schemas.validate(doc, *idx).map_err(|e| Error::Schema {
        schema: url.rsplit('/').next().unwrap_or(url),
        problems: leaf_errors(&e),
    })
}

fn leaf_errors(e: &boon::ValidationError<'_, '_>) -> Vec<String> {
    if e.causes.is_empty() {
        let at = e.instance_location.to_string();
        let at = if at.is_empty() { "/".to_owned() } else { at };
        vec![format!("at {at}: {}", e.kind)]
    } else {
        let mut out: Vec<String> = e.causes.iter().flat_map(leaf_errors).collect();
        out.dedup();
        out.truncate(10);
        out
    }
}

/// OB 3.0 verification step 1: the subject needs an `id` or at least one `identifier`.
pub fn subject_is_identified(doc: &Value) -> bool {
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    !subjects.is_empty()
        && subjects.iter().all(|s| {
            s.get("id").and_then(Value::as_str).is_some()
                || match s.get("identifier") {
                    Some(Value::Array(items)) => !items.is_empty(),
                    Some(Value::Object(_)) => true,
                    _ => false,
                }
        })
}

#[cfg(test)]
mod tests;
