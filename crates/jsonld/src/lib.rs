//! JSON-LD → RDF → RDFC-1.0 canonical N-Quads over the pinned contexts only.
//!
//! * A JSON-LD 1.1 processor of our own ([`Processor`]): expansion, node map generation and
//!   deserialization to RDF as JSON-LD 1.1 Processing Algorithms and API specifies them. It keeps
//!   processed contexts: a document naming the same context URLs, and every type- or
//!   property-scoped context in them, reuses the active context built the first time. That is
//!   what makes `eddsa-rdfc-2022` cheap: processing the VC and OB contexts costs milliseconds,
//!   reusing them costs nothing.
//! * Contexts come only from [`badgesafe_contexts`]; any other context URL is an error that names
//!   it ([`Error::UnknownContext`]).
//! * Data-loss detection (VC Data Integrity §"Securing Data Losslessly"): whatever JSON-LD would
//!   silently drop (a term or type the contexts do not define, a relative or malformed IRI, a
//!   malformed language tag) is reported by the processor, and [`to_rdf`] refuses such a
//!   document with [`Error::UndefinedTerms`], naming each item.
//! * RDFC-1.0 canonicalization of our own ([`canonicalize_quads`]), with a bound on the work a
//!   poison graph can cause.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

mod canon;
mod code;
mod context;
mod expand;
mod iri;
mod quad;
mod rdf;
mod syntax;

pub use code::ErrorCode;
use context::{ActiveContext, TermDef};
pub use quad::{Literal, Node, Object, Quad};

/// Errors while turning a JSON-LD document into canonical N-Quads.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document names a context that is not in the pinned set.
    #[error("context {0} is not one of the pinned contexts (contexts are never fetched)")]
    UnknownContext(String),
    /// The document is not valid JSON-LD.
    #[error("invalid JSON-LD ({code}): {detail}")]
    Invalid {
        /// The JSON-LD error code.
        code: ErrorCode,
        /// What was wrong, and where.
        detail: String,
    },
    /// Terms, types, IRIs or language tags that JSON-LD would drop.
    #[error("JSON-LD would drop data that a signature must cover: {}", .0.join(", "))]
    UndefinedTerms(Vec<String>),
    /// The document is not a JSON object.
    #[error("not a JSON-LD document: {0}")]
    NotADocument(&'static str),
    /// RDFC-1.0 failed (for example, the poison guard stopped it).
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
}

impl Error {
    /// The JSON-LD error code, for errors the specification names.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Invalid { code, .. } => Some(*code),
            Error::UnknownContext(_) => Some(ErrorCode::LoadingRemoteContextFailed),
            _ => None,
        }
    }
}

/// Something JSON-LD processing dropped from the document. These are the cases jsonld.js
/// refuses in its safe mode, which Data Integrity implementations use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// A property, type or vocabulary value that no context defines.
    Term(String),
    /// A relative IRI (there is no base IRI to resolve it against).
    RelativeIri(String),
    /// An IRI that is not valid.
    InvalidIri(String),
    /// A language tag that is not well-formed.
    InvalidLanguage(String),
    /// A keyword-like term (`@…`) that a context defines or uses; JSON-LD ignores it.
    ReservedTerm(String),
    /// Something that no triple can hold: a value, list or node outside any node, an empty
    /// object, a `null` `@value`.
    Ignored(String),
    /// The base direction of a string, which RDF does not carry without `rdfDirection`.
    Direction(String),
}

impl Dropped {
    /// What deduplicates reports: the same IRI-like string counts once, whatever the reason.
    fn key(&self) -> (u8, String) {
        match self {
            Dropped::Term(s) | Dropped::RelativeIri(s) | Dropped::InvalidIri(s) => (0, s.clone()),
            other => (1, other.to_string()),
        }
    }
}

/// Text quoted in a message: at most 80 characters, the rest shown as `…`.
struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX: usize = 80;
        match self.0.char_indices().nth(MAX) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(
                f,
                "{:?}… ({} characters)",
                &self.0[..cut],
                self.0.chars().count()
            ),
        }
    }
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::Term(t) => f.write_str(t),
            Dropped::RelativeIri(i) => write!(f, "relative IRI {}", Quoted(i)),
            Dropped::InvalidIri(i) => write!(f, "invalid IRI {}", Quoted(i)),
            Dropped::InvalidLanguage(l) => write!(f, "invalid language tag {}", Quoted(l)),
            Dropped::ReservedTerm(t) => write!(f, "reserved term {} in a context", Quoted(t)),
            Dropped::Ignored(what) => f.write_str(what),
            Dropped::Direction(text) => write!(f, "the base direction of {}", Quoted(text)),
        }
    }
}

/// The RDF of a document, and what processing dropped from it.
#[derive(Debug, Clone)]
pub struct Rdf {
    /// The quads, with blank nodes labelled `_:b0`, `_:b1`, …
    pub quads: Vec<Quad>,
    /// Everything that was dropped, each item once, in document order.
    pub dropped: Vec<Dropped>,
}

/// A document a [`Loader`] returns.
#[derive(Debug, Clone)]
pub struct RemoteDocument {
    /// The URL the document was found at, after redirects; relative references in it resolve
    /// against this.
    pub url: String,
    /// The parsed document.
    pub document: Value,
}

/// Loads remote contexts.
pub trait Loader: Send + Sync {
    /// The document at `url`, or why there is none.
    fn load(&self, url: &str) -> Result<RemoteDocument, Error>;
}

impl<F> Loader for F
where
    F: Fn(&str) -> Result<RemoteDocument, Error> + Send + Sync,
{
    fn load(&self, url: &str) -> Result<RemoteDocument, Error> {
        self(url)
    }
}

/// The pinned contexts of [`badgesafe_contexts`], and nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct PinnedLoader;

impl Loader for PinnedLoader {
    fn load(&self, url: &str) -> Result<RemoteDocument, Error> {
        let c =
            badgesafe_contexts::get(url).ok_or_else(|| Error::UnknownContext(url.to_owned()))?;
        let document = serde_json::from_str(c.body).map_err(|e| Error::Invalid {
            code: ErrorCode::LoadingRemoteContextFailed,
            detail: format!("the pinned context {} is not JSON: {e}", c.url),
        })?;
        Ok(RemoteDocument {
            url: c.url.to_owned(),
            document,
        })
    }
}

/// How `@direction` becomes RDF (the `rdfDirection` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfDirection {
    /// `https://www.w3.org/ns/i18n#{language}_{direction}` datatypes.
    I18nDatatype,
    /// A blank node with `rdf:value`, `rdf:language` and `rdf:direction`.
    CompoundLiteral,
}

/// A remote context, parsed once.
struct LoadedContext {
    url: String,
    context: Arc<Value>,
}

/// What a processed context is cached under.
#[derive(Debug, PartialEq, Eq, Hash)]
enum CacheKey {
    /// An `@context` made only of URLs, processed on a context.
    Urls {
        active: u64,
        urls: Vec<String>,
        base: Option<String>,
    },
    /// A term's scoped context, processed on a context.
    Scoped {
        active: u64,
        term: usize,
        override_protected: bool,
        propagate: bool,
    },
}

/// A cached context; `_term` keeps the address a `Scoped` key names alive.
struct CacheEntry {
    context: Arc<ActiveContext>,
    _term: Option<Arc<TermDef>>,
}

/// How many processed contexts a processor keeps before it starts again.
const CACHE_LIMIT: usize = 1024;
/// How many remote documents a processor keeps.
const DOCUMENT_LIMIT: usize = 256;

/// A JSON-LD 1.1 to-RDF processor with a cache of processed contexts.
///
/// A processor is cheap to share between threads. Everything it caches is derived from the
/// documents its loader returns, so one processor must keep one loader.
pub struct Processor {
    loader: Box<dyn Loader>,
    json_ld_10: bool,
    base: Option<String>,
    rdf_direction: Option<RdfDirection>,
    expand_context: Option<Value>,
    initial: OnceLock<Result<Arc<ActiveContext>, Error>>,
    documents: Mutex<HashMap<String, Arc<LoadedContext>>>,
    contexts: Mutex<HashMap<CacheKey, CacheEntry>>,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("json_ld_10", &self.json_ld_10)
            .field("base", &self.base)
            .field("rdf_direction", &self.rdf_direction)
            .finish_non_exhaustive()
    }
}

impl Processor {
    /// A JSON-LD 1.1 processor that loads contexts with `loader`, with no base IRI.
    pub fn new(loader: impl Loader + 'static) -> Self {
        Processor {
            loader: Box::new(loader),
            json_ld_10: false,
            base: None,
            rdf_direction: None,
            expand_context: None,
            initial: OnceLock::new(),
            documents: Mutex::new(HashMap::new()),
            contexts: Mutex::new(HashMap::new()),
        }
    }

    /// The base IRI of the documents (the document URL, or the `base` option).
    #[must_use]
    pub fn with_base(mut self, base: impl Into<String>) -> Self {
        self.base = Some(base.into());
        self
    }

    /// Processing mode `json-ld-1.0` instead of `json-ld-1.1`.
    #[must_use]
    pub fn with_json_ld_10(mut self) -> Self {
        self.json_ld_10 = true;
        self
    }

    /// The `rdfDirection` option.
    #[must_use]
    pub fn with_rdf_direction(mut self, direction: RdfDirection) -> Self {
        self.rdf_direction = Some(direction);
        self
    }

    /// The `expandContext` option: a context applied before the document's own.
    #[must_use]
    pub fn with_expand_context(mut self, context: Value) -> Self {
        self.expand_context = Some(context);
        self
    }

    pub(crate) fn json_ld_10(&self) -> bool {
        self.json_ld_10
    }

    /// The RDF of `document` (JSON-LD 1.1 `toRdf`), with what processing dropped.
    pub fn to_rdf(&self, document: &Value) -> Result<Rdf, Error> {
        let initial = self.initial()?;
        let mut expander = expand::Expander::new(self);
        let expanded = expander.expand_document(&initial, document)?;
        let mut dropped = expander.into_dropped();
        let quads = rdf::to_rdf(expanded, self.rdf_direction, &mut dropped)?;
        let mut seen = std::collections::HashSet::new();
        dropped.retain(|d| seen.insert(d.key()));
        Ok(Rdf { quads, dropped })
    }

    fn initial(&self) -> Result<Arc<ActiveContext>, Error> {
        self.initial
            .get_or_init(|| {
                if let Some(b) = &self.base
                    && !syntax::is_absolute_iri(b)
                {
                    return Err(Error::Invalid {
                        code: ErrorCode::InvalidBaseIri,
                        detail: format!("the base {b:?} is not an absolute IRI"),
                    });
                }
                let mut initial = ActiveContext::new(self.base.clone());
                if let Some(ctx) = &self.expand_context {
                    let ctx = match ctx {
                        Value::Object(m) if m.contains_key("@context") => &m["@context"],
                        other => other,
                    };
                    initial = self.process_context(
                        &initial,
                        None,
                        ctx,
                        self.base.as_deref(),
                        &mut Vec::new(),
                        false,
                        true,
                        true,
                    )?;
                }
                initial.stable = true;
                Ok(Arc::new(initial))
            })
            .clone()
    }

    /// A remote context, loaded once.
    fn load_context(&self, url: &str) -> Result<Arc<LoadedContext>, Error> {
        if let Some(found) = lock(&self.documents).get(url) {
            return Ok(Arc::clone(found));
        }
        let doc = self.loader.load(url)?;
        let context = match doc.document {
            Value::Object(mut m) => m.remove("@context"),
            _ => None,
        };
        let Some(context) = context else {
            return Err(Error::Invalid {
                code: ErrorCode::InvalidRemoteContext,
                detail: format!("{url} has no top-level @context"),
            });
        };
        let loaded = Arc::new(LoadedContext {
            url: doc.url,
            context: Arc::new(context),
        });
        let mut documents = lock(&self.documents);
        if documents.len() >= DOCUMENT_LIMIT {
            documents.clear();
        }
        documents.insert(url.to_owned(), Arc::clone(&loaded));
        Ok(loaded)
    }

    /// Processes an `@context` value found in a document.
    pub(crate) fn document_context(
        &self,
        active: &Arc<ActiveContext>,
        local: &Value,
        base_url: Option<&str>,
    ) -> Result<Arc<ActiveContext>, Error> {
        let urls: Option<Vec<String>> = match local {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        };
        let key = match urls {
            Some(urls) if active.stable => Some(CacheKey::Urls {
                active: active.id,
                urls,
                base: base_url.map(str::to_owned),
            }),
            _ => None,
        };
        self.cached(key, None, || {
            self.process_context(
                active,
                Some(active),
                local,
                base_url,
                &mut Vec::new(),
                false,
                true,
                true,
            )
        })
    }

    /// Processes the scoped context of `term` (which must have one).
    pub(crate) fn scoped_context(
        &self,
        active: &Arc<ActiveContext>,
        term: &Arc<TermDef>,
        override_protected: bool,
        propagate: bool,
    ) -> Result<Arc<ActiveContext>, Error> {
        let Some(local) = &term.context else {
            return Ok(Arc::clone(active));
        };
        let key = active.stable.then(|| CacheKey::Scoped {
            active: active.id,
            term: Arc::as_ptr(term) as usize,
            override_protected,
            propagate,
        });
        self.cached(key, Some(term), || {
            self.process_context(
                active,
                Some(active),
                local,
                term.base_url.as_deref(),
                &mut Vec::new(),
                override_protected,
                propagate,
                true,
            )
        })
    }

    fn cached(
        &self,
        key: Option<CacheKey>,
        term: Option<&Arc<TermDef>>,
        compute: impl FnOnce() -> Result<ActiveContext, Error>,
    ) -> Result<Arc<ActiveContext>, Error> {
        let Some(key) = key else {
            return compute().map(Arc::new);
        };
        if let Some(hit) = lock(&self.contexts).get(&key) {
            return Ok(Arc::clone(&hit.context));
        }
        let mut context = compute()?;
        context.stable = true;
        let context = Arc::new(context);
        let mut cache = lock(&self.contexts);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(
            key,
            CacheEntry {
                context: Arc::clone(&context),
                _term: term.cloned(),
            },
        );
        Ok(context)
    }
}

/// A poisoned lock only means another thread panicked while holding it; the maps stay valid.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The processor every signature uses: pinned contexts, no base IRI, JSON-LD 1.1.
static PINNED: LazyLock<Processor> = LazyLock::new(|| Processor::new(PinnedLoader));

/// Converts a JSON-LD document into RDF quads over the pinned contexts, refusing any document
/// from which processing would drop something.
pub fn to_rdf(document: &Value) -> Result<Vec<Quad>, Error> {
    if !document.is_object() {
        return Err(Error::NotADocument("the top level must be a JSON object"));
    }
    let rdf = PINNED.to_rdf(document)?;
    if !rdf.dropped.is_empty() {
        return Err(Error::UndefinedTerms(
            rdf.dropped.iter().map(ToString::to_string).collect(),
        ));
    }
    Ok(rdf.quads)
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document.
pub fn canonicalize(document: &Value) -> Result<String, Error> {
    let quads = to_rdf(document)?;
    canonicalize_quads(&quads)
}

/// Canonical N-Quads (RDFC-1.0, SHA-256) of a set of quads.
pub fn canonicalize_quads(quads: &[Quad]) -> Result<String, Error> {
    canon::canonicalize::<Sha256>(quads).map(|(nquads, _)| nquads)
}

/// RDFC-1.0 with another hash (the RDFC-1.0 `hashAlgorithm` parameter): the canonical N-Quads
/// and the canonical label issued for each blank node label of `quads`.
pub fn canonicalize_quads_with<D: Digest>(
    quads: &[Quad],
) -> Result<(String, HashMap<String, String>), Error> {
    canon::canonicalize::<D>(quads)
}

/// SHA-256 of the canonical N-Quads of a document.
pub fn canonical_hash(document: &Value) -> Result<[u8; 32], Error> {
    let canon = canonicalize(document)?;
    Ok(Sha256::digest(canon.as_bytes()).into())
}

#[cfg(test)]
mod tests;
