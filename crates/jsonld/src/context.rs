//! Active contexts: the Context Processing, Create Term Definition and IRI Expansion algorithms
//! of JSON-LD 1.1 Processing Algorithms and API (§4.1, §4.2, §5.2).
//!
//! An [`ActiveContext`] is immutable once built and shared behind an `Arc`; term definitions are
//! shared between contexts, so deriving a context from another copies only the term table.

use crate::code::ErrorCode;
use crate::syntax::{
    colon_after_first, ends_with_gen_delim, has_keyword_form, is_absolute_iri, is_blank, is_keyword,
};
use crate::{Error, Processor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many remote contexts one context may pull in, directly or through others.
const MAX_REMOTE_CONTEXTS: usize = 32;

static NEXT_CONTEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn invalid(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::Invalid {
        code,
        detail: detail.into(),
    }
}

/// A base direction of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }

    fn parse(v: &Value) -> Result<Option<Direction>, Error> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) if s == "ltr" => Ok(Some(Direction::Ltr)),
            Value::String(s) if s == "rtl" => Ok(Some(Direction::Rtl)),
            other => Err(invalid(
                ErrorCode::InvalidBaseDirection,
                format!("{other} is not \"ltr\", \"rtl\" or null"),
            )),
        }
    }
}

/// A container mapping: a set of container keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Container(u8);

impl Container {
    pub(crate) const LIST: u8 = 1;
    pub(crate) const SET: u8 = 2;
    pub(crate) const INDEX: u8 = 4;
    pub(crate) const LANGUAGE: u8 = 8;
    pub(crate) const ID: u8 = 16;
    pub(crate) const TYPE: u8 = 32;
    pub(crate) const GRAPH: u8 = 64;

    pub(crate) fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    fn flag(keyword: &str) -> Option<u8> {
        Some(match keyword {
            "@list" => Self::LIST,
            "@set" => Self::SET,
            "@index" => Self::INDEX,
            "@language" => Self::LANGUAGE,
            "@id" => Self::ID,
            "@type" => Self::TYPE,
            "@graph" => Self::GRAPH,
            _ => return None,
        })
    }
}

/// A term definition (JSON-LD 1.1 §4.1 "term definition").
#[derive(Debug, Clone, Default)]
pub(crate) struct TermDef {
    /// The IRI mapping; `None` when the term is mapped to `null`.
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    pub reverse: bool,
    pub base_url: Option<String>,
    /// The scoped context, shared so that caches can key on its address.
    pub context: Option<Arc<Value>>,
    pub container: Container,
    /// `Some(None)`: explicitly no direction.
    pub direction: Option<Option<Direction>>,
    pub index: Option<String>,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<String>>,
    pub nest: Option<String>,
    pub type_mapping: Option<String>,
}

impl TermDef {
    /// Equal but for `protected` (Create Term Definition step 28.1).
    fn same_as(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.reverse == other.reverse
            && self.context.as_deref() == other.context.as_deref()
            && self.container == other.container
            && self.direction == other.direction
            && self.index == other.index
            && self.language == other.language
            && self.nest == other.nest
            && self.type_mapping == other.type_mapping
    }
}

/// An active context.
#[derive(Debug, Clone)]
pub(crate) struct ActiveContext {
    /// Unique for every context built; caches key on it.
    pub id: u64,
    /// Whether the context sits in (or came from) a cache, so that contexts derived from it may
    /// be cached too.
    pub stable: bool,
    pub base: Option<String>,
    pub original_base: Option<String>,
    pub vocab: Option<String>,
    pub language: Option<String>,
    pub direction: Option<Direction>,
    pub terms: HashMap<Arc<str>, Arc<TermDef>>,
    pub previous: Option<Arc<ActiveContext>>,
    /// Keyword-like terms (`@…`) that context definitions used and JSON-LD ignored.
    pub reserved: Vec<String>,
}

fn next_id() -> u64 {
    NEXT_CONTEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl ActiveContext {
    pub(crate) fn new(base: Option<String>) -> Self {
        ActiveContext {
            id: next_id(),
            stable: false,
            original_base: base.clone(),
            base,
            vocab: None,
            language: None,
            direction: None,
            terms: HashMap::new(),
            previous: None,
            reserved: Vec::new(),
        }
    }

    /// A copy with a new identity.
    fn derive(&self) -> Self {
        let mut copy = self.clone();
        copy.id = next_id();
        copy.stable = false;
        copy
    }

    pub(crate) fn term(&self, term: &str) -> Option<&TermDef> {
        self.terms.get(term).map(|t| &**t)
    }

    /// IRI Expansion (§5.2) outside context processing. `None` is `null`.
    pub(crate) fn expand_iri<'a>(
        &'a self,
        value: &'a str,
        document_relative: bool,
        vocab: bool,
    ) -> Option<Cow<'a, str>> {
        // 1, 2
        if is_keyword(value) {
            return Some(Cow::Borrowed(value));
        }
        if has_keyword_form(value) {
            return None;
        }
        // 4, 5
        if let Some(def) = self.term(value) {
            if let Some(iri) = &def.iri
                && is_keyword(iri)
            {
                return Some(Cow::Borrowed(iri));
            }
            if vocab {
                return def.iri.as_deref().map(Cow::Borrowed);
            }
        }
        // 6
        if let Some(colon) = colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Some(Cow::Borrowed(value));
            }
            if let Some(def) = self.term(prefix)
                && def.prefix
                && let Some(iri) = &def.iri
            {
                return Some(Cow::Owned(format!("{iri}{suffix}")));
            }
            if is_absolute_iri(value) {
                return Some(Cow::Borrowed(value));
            }
        }
        // 7
        if vocab && let Some(v) = &self.vocab {
            return Some(Cow::Owned(format!("{v}{value}")));
        }
        // 8
        if document_relative && let Some(base) = &self.base {
            return Some(Cow::Owned(crate::iri::resolve(base, value)));
        }
        Some(Cow::Borrowed(value))
    }
}

/// Resolves `reference` against `base`; `None` when there is no base to make it absolute.
pub(crate) fn resolve(base: Option<&str>, reference: &str) -> Option<String> {
    match base {
        Some(b) => Some(crate::iri::resolve(b, reference)),
        None if is_absolute_iri(reference) => Some(reference.to_owned()),
        None => None,
    }
}

/// The parameters Create Term Definition shares with the context processing that calls it.
struct Definitions<'a> {
    local: &'a Map<String, Value>,
    base_url: Option<&'a str>,
    protected: bool,
    override_protected: bool,
    remote: &'a [String],
    defined: HashMap<String, bool>,
}

impl Processor {
    /// The Context Processing Algorithm (§4.1.2). `active_arc` is `active` when the caller holds
    /// it in an `Arc`, so that a non-propagated result can point back to it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn process_context(
        &self,
        active: &ActiveContext,
        active_arc: Option<&Arc<ActiveContext>>,
        local: &Value,
        base_url: Option<&str>,
        remote: &mut Vec<String>,
        override_protected: bool,
        mut propagate: bool,
        validate_scoped: bool,
    ) -> Result<ActiveContext, Error> {
        // 1
        let mut result = active.derive();
        // 2
        if let Value::Object(map) = local
            && let Some(p) = map.get("@propagate")
        {
            propagate = p.as_bool().ok_or_else(|| {
                invalid(
                    ErrorCode::InvalidAtPropagate,
                    format!("@propagate must be true or false, not {p}"),
                )
            })?;
        }
        // 3
        if !propagate && result.previous.is_none() {
            result.previous = Some(match active_arc {
                Some(arc) => Arc::clone(arc),
                None => Arc::new(active.clone()),
            });
        }
        // 4
        let items = match local {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        // 5
        for context in items {
            match context {
                // 5.1
                Value::Null => {
                    if !override_protected && result.terms.values().any(|t| t.protected) {
                        return Err(invalid(
                            ErrorCode::InvalidContextNullification,
                            "a null context would clear protected terms",
                        ));
                    }
                    let before = Arc::new(result.clone());
                    let mut fresh = ActiveContext::new(result.original_base.clone());
                    if !propagate {
                        fresh.previous = Some(before);
                    }
                    result = fresh;
                }
                // 5.2
                Value::String(reference) => {
                    let url = resolve(base_url, reference).ok_or_else(|| {
                        invalid(
                            ErrorCode::LoadingDocumentFailed,
                            format!("context reference {reference:?} is not a valid IRI"),
                        )
                    })?;
                    if !validate_scoped && remote.contains(&url) {
                        continue;
                    }
                    if remote.len() >= MAX_REMOTE_CONTEXTS {
                        return Err(invalid(
                            ErrorCode::ContextOverflow,
                            format!("more than {MAX_REMOTE_CONTEXTS} remote contexts at {url}"),
                        ));
                    }
                    remote.push(url.clone());
                    let loaded = self.load_context(&url)?;
                    let mut nested = remote.clone();
                    result = self.process_context(
                        &result,
                        None,
                        &loaded.context,
                        Some(&loaded.url),
                        &mut nested,
                        false,
                        true,
                        validate_scoped,
                    )?;
                }
                // 5.4
                Value::Object(definition) => {
                    self.apply_context_definition(
                        &mut result,
                        definition,
                        base_url,
                        remote,
                        override_protected,
                    )?;
                }
                // 5.3
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidLocalContext,
                        format!("a context must be null, a string or an object, not {other}"),
                    ));
                }
            }
        }
        Ok(result)
    }

    /// Steps 5.5 to 5.13: one context definition.
    fn apply_context_definition(
        &self,
        result: &mut ActiveContext,
        definition: &Map<String, Value>,
        base_url: Option<&str>,
        remote: &[String],
        override_protected: bool,
    ) -> Result<(), Error> {
        // 5.5
        if let Some(version) = definition.get("@version") {
            if version.as_f64() != Some(1.1) {
                return Err(invalid(
                    ErrorCode::InvalidAtVersion,
                    format!("@version must be 1.1, not {version}"),
                ));
            }
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::ProcessingModeConflict,
                    "@version 1.1 in json-ld-1.0 mode",
                ));
            }
        }
        // 5.6
        let merged;
        let definition = match definition.get("@import") {
            None => definition,
            Some(import) => {
                if self.json_ld_10() {
                    return Err(invalid(
                        ErrorCode::InvalidContextEntry,
                        "@import in json-ld-1.0 mode",
                    ));
                }
                let Value::String(reference) = import else {
                    return Err(invalid(
                        ErrorCode::InvalidAtImport,
                        format!("@import must be a string, not {import}"),
                    ));
                };
                let url = resolve(base_url, reference).ok_or_else(|| {
                    invalid(
                        ErrorCode::InvalidAtImport,
                        format!("@import {reference:?} is not a valid IRI"),
                    )
                })?;
                let loaded = self.load_context(&url)?;
                let Value::Object(imported) = &*loaded.context else {
                    return Err(invalid(
                        ErrorCode::InvalidRemoteContext,
                        format!("the context imported from {url} is not an object"),
                    ));
                };
                if imported.contains_key("@import") {
                    return Err(invalid(
                        ErrorCode::InvalidContextEntry,
                        format!("the context imported from {url} itself has @import"),
                    ));
                }
                let mut m = imported.clone();
                for (k, v) in definition {
                    m.insert(k.clone(), v.clone());
                }
                merged = m;
                &merged
            }
        };
        // 5.7
        if let Some(base) = definition.get("@base")
            && remote.is_empty()
        {
            match base {
                Value::Null => result.base = None,
                Value::String(s) => {
                    let new_base = if is_absolute_iri(s) {
                        Some(s.clone())
                    } else {
                        result.base.as_deref().map(|b| crate::iri::resolve(b, s))
                    };
                    match new_base {
                        Some(b) => result.base = Some(b),
                        None => {
                            return Err(invalid(
                                ErrorCode::InvalidBaseIri,
                                format!("@base {s:?} cannot be resolved"),
                            ));
                        }
                    }
                }
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidBaseIri,
                        format!("@base must be a string or null, not {other}"),
                    ));
                }
            }
        }
        // 5.8
        if let Some(vocab) = definition.get("@vocab") {
            match vocab {
                Value::Null => result.vocab = None,
                Value::String(s) => {
                    if self.json_ld_10() && !is_absolute_iri(s) && !is_blank(s) {
                        return Err(invalid(
                            ErrorCode::InvalidVocabMapping,
                            format!("@vocab {s:?} must be absolute in json-ld-1.0 mode"),
                        ));
                    }
                    let expanded = result.expand_iri(s, true, true).map(Cow::into_owned);
                    match expanded {
                        Some(iri) if is_absolute_iri(&iri) || is_blank(&iri) => {
                            result.vocab = Some(iri);
                        }
                        _ => {
                            return Err(invalid(
                                ErrorCode::InvalidVocabMapping,
                                format!("@vocab {s:?} is not an IRI or blank node identifier"),
                            ));
                        }
                    }
                }
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidVocabMapping,
                        format!("@vocab must be a string or null, not {other}"),
                    ));
                }
            }
        }
        // 5.9
        if let Some(language) = definition.get("@language") {
            match language {
                Value::Null => result.language = None,
                Value::String(s) => result.language = Some(s.to_ascii_lowercase()),
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidDefaultLanguage,
                        format!("@language must be a string or null, not {other}"),
                    ));
                }
            }
        }
        // 5.10
        if let Some(direction) = definition.get("@direction") {
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::InvalidContextEntry,
                    "@direction in json-ld-1.0 mode",
                ));
            }
            result.direction = Direction::parse(direction)?;
        }
        // 5.11
        if let Some(propagate) = definition.get("@propagate") {
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::InvalidContextEntry,
                    "@propagate in json-ld-1.0 mode",
                ));
            }
            if !propagate.is_boolean() {
                return Err(invalid(
                    ErrorCode::InvalidAtPropagate,
                    format!("@propagate must be true or false, not {propagate}"),
                ));
            }
        }
        let protected = match definition.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(invalid(
                    ErrorCode::InvalidAtProtected,
                    format!("@protected must be true or false, not {other}"),
                ));
            }
        };
        // 5.12, 5.13
        let mut defs = Definitions {
            local: definition,
            base_url,
            protected,
            override_protected,
            remote,
            defined: HashMap::new(),
        };
        for key in definition.keys() {
            if matches!(
                key.as_str(),
                "@base"
                    | "@direction"
                    | "@import"
                    | "@language"
                    | "@propagate"
                    | "@protected"
                    | "@version"
                    | "@vocab"
            ) {
                continue;
            }
            self.create_term_definition(result, &mut defs, key)?;
        }
        Ok(())
    }

    /// IRI Expansion during context processing: creates the definitions `value` depends on.
    fn expand_iri_defining(
        &self,
        active: &mut ActiveContext,
        defs: &mut Definitions<'_>,
        value: &str,
        document_relative: bool,
        vocab: bool,
    ) -> Result<Option<String>, Error> {
        if is_keyword(value) {
            return Ok(Some(value.to_owned()));
        }
        if has_keyword_form(value) {
            return Ok(None);
        }
        // 3
        if defs.local.contains_key(value) && defs.defined.get(value) != Some(&true) {
            self.create_term_definition(active, defs, value)?;
        }
        // 6.3
        if let Some(colon) = colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix != "_"
                && !suffix.starts_with("//")
                && defs.local.contains_key(prefix)
                && defs.defined.get(prefix) != Some(&true)
            {
                self.create_term_definition(active, defs, prefix)?;
            }
        }
        Ok(active
            .expand_iri(value, document_relative, vocab)
            .map(Cow::into_owned))
    }

    /// The Create Term Definition algorithm (§4.2.2).
    fn create_term_definition(
        &self,
        active: &mut ActiveContext,
        defs: &mut Definitions<'_>,
        term: &str,
    ) -> Result<(), Error> {
        // 1
        match defs.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(invalid(
                    ErrorCode::CyclicIriMapping,
                    format!("the definition of {term:?} depends on itself"),
                ));
            }
            None => {}
        }
        // 2
        if term.is_empty() {
            return Err(invalid(
                ErrorCode::InvalidTermDefinition,
                "the empty string cannot be a term",
            ));
        }
        defs.defined.insert(term.to_owned(), false);
        // 3
        let Some(raw) = defs.local.get(term) else {
            return Err(invalid(
                ErrorCode::InvalidTermDefinition,
                format!("{term:?} is not in the local context"),
            ));
        };
        let raw = raw.clone();
        // 4, 5
        if term == "@type" {
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::KeywordRedefinition,
                    "@type cannot be redefined in json-ld-1.0 mode",
                ));
            }
            let allowed = match &raw {
                Value::Object(m) => {
                    !m.is_empty()
                        && m.iter().all(|(k, v)| {
                            (k == "@container" && v.as_str() == Some("@set")) || k == "@protected"
                        })
                }
                _ => false,
            };
            if !allowed {
                return Err(invalid(
                    ErrorCode::KeywordRedefinition,
                    "@type may only be given @container: @set and @protected",
                ));
            }
        } else if is_keyword(term) {
            return Err(invalid(
                ErrorCode::KeywordRedefinition,
                format!("the keyword {term} cannot be redefined"),
            ));
        } else if has_keyword_form(term) {
            // Reserved for future keywords: ignored.
            active.reserved.push(term.to_owned());
            return Ok(());
        }
        // 6
        let previous = active.terms.remove(term);
        // 7, 8, 9
        let (value, simple_term) = match raw {
            Value::Null => {
                let mut m = Map::new();
                m.insert("@id".into(), Value::Null);
                (m, false)
            }
            Value::String(s) => {
                let mut m = Map::new();
                m.insert("@id".into(), Value::String(s));
                (m, true)
            }
            Value::Object(m) => (m, false),
            other => {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    format!(
                        "the definition of {term:?} must be null, a string or an object, not {other}"
                    ),
                ));
            }
        };
        // 10, 11
        let protected = match value.get("@protected") {
            None => defs.protected,
            Some(p) => {
                if self.json_ld_10() {
                    return Err(invalid(
                        ErrorCode::InvalidTermDefinition,
                        "@protected in json-ld-1.0 mode",
                    ));
                }
                p.as_bool().ok_or_else(|| {
                    invalid(
                        ErrorCode::InvalidAtProtected,
                        format!("@protected of {term:?} must be true or false"),
                    )
                })?
            }
        };
        let mut def = TermDef {
            protected,
            ..TermDef::default()
        };
        // 12
        if let Some(t) = value.get("@type") {
            let Value::String(t) = t else {
                return Err(invalid(
                    ErrorCode::InvalidTypeMapping,
                    format!("@type of {term:?} must be a string"),
                ));
            };
            let expanded = self.expand_iri_defining(active, defs, t, false, true)?;
            let ok = match expanded.as_deref() {
                Some("@json" | "@none") => !self.json_ld_10(),
                Some("@id" | "@vocab") => true,
                Some(iri) => is_absolute_iri(iri),
                None => false,
            };
            if !ok {
                return Err(invalid(
                    ErrorCode::InvalidTypeMapping,
                    format!("@type {t:?} of {term:?} is not an IRI, @id, @vocab, @json or @none"),
                ));
            }
            def.type_mapping = expanded;
        }
        // 13
        if let Some(reverse) = value.get("@reverse") {
            if value.contains_key("@id") || value.contains_key("@nest") {
                return Err(invalid(
                    ErrorCode::InvalidReverseProperty,
                    format!("the reverse property {term:?} cannot have @id or @nest"),
                ));
            }
            let Value::String(reverse) = reverse else {
                return Err(invalid(
                    ErrorCode::InvalidIriMapping,
                    format!("@reverse of {term:?} must be a string"),
                ));
            };
            if has_keyword_form(reverse) {
                active.reserved.push(reverse.clone());
                return Ok(());
            }
            let iri = self.expand_iri_defining(active, defs, reverse, false, true)?;
            match iri {
                Some(iri) if is_absolute_iri(&iri) || is_blank(&iri) => def.iri = Some(iri),
                _ => {
                    return Err(invalid(
                        ErrorCode::InvalidIriMapping,
                        format!("@reverse {reverse:?} of {term:?} is not an IRI"),
                    ));
                }
            }
            if let Some(container) = value.get("@container") {
                def.container = match container.as_str() {
                    _ if container.is_null() => Container::default(),
                    Some("@set") => Container(Container::SET),
                    Some("@index") => Container(Container::INDEX),
                    _ => {
                        return Err(invalid(
                            ErrorCode::InvalidReverseProperty,
                            format!(
                                "the container of reverse property {term:?} must be @set, @index or null"
                            ),
                        ));
                    }
                };
            }
            def.reverse = true;
            active.terms.insert(Arc::from(term), Arc::new(def));
            defs.defined.insert(term.to_owned(), true);
            return Ok(());
        }
        // 15
        match value.get("@id") {
            Some(id) if id.as_str() != Some(term) => {
                if !id.is_null() {
                    let Value::String(id) = id else {
                        return Err(invalid(
                            ErrorCode::InvalidIriMapping,
                            format!("@id of {term:?} must be a string or null"),
                        ));
                    };
                    if !is_keyword(id) && has_keyword_form(id) {
                        active.reserved.push(id.clone());
                        return Ok(());
                    }
                    let iri = self.expand_iri_defining(active, defs, id, false, true)?;
                    let iri = match iri {
                        Some(k) if k == "@context" => {
                            return Err(invalid(
                                ErrorCode::InvalidKeywordAlias,
                                format!("{term:?} cannot alias @context"),
                            ));
                        }
                        Some(iri)
                            if is_keyword(&iri) || is_absolute_iri(&iri) || is_blank(&iri) =>
                        {
                            iri
                        }
                        _ => {
                            return Err(invalid(
                                ErrorCode::InvalidIriMapping,
                                format!(
                                    "@id {id:?} of {term:?} is not an IRI, blank node or keyword"
                                ),
                            ));
                        }
                    };
                    let inner_colon = term.len() > 2 && term[1..term.len() - 1].contains(':');
                    if inner_colon || term.contains('/') {
                        defs.defined.insert(term.to_owned(), true);
                        let own = self.expand_iri_defining(active, defs, term, false, true)?;
                        if own.as_deref() != Some(iri.as_str()) {
                            return Err(invalid(
                                ErrorCode::InvalidIriMapping,
                                format!(
                                    "the IRI-like term {term:?} would expand to itself, not to {iri:?}"
                                ),
                            ));
                        }
                    }
                    if !term.contains(':')
                        && !term.contains('/')
                        && simple_term
                        && (is_blank(&iri) || (!is_keyword(&iri) && ends_with_gen_delim(&iri)))
                    {
                        def.prefix = true;
                    }
                    def.iri = Some(iri);
                }
            }
            _ => {
                if let Some(colon) = colon_after_first(term) {
                    // 16
                    let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
                    if defs.local.contains_key(prefix) {
                        self.create_term_definition(active, defs, prefix)?;
                    }
                    def.iri = match active.term(prefix).and_then(|d| d.iri.as_deref()) {
                        Some(prefix_iri) => Some(format!("{prefix_iri}{suffix}")),
                        None => Some(term.to_owned()),
                    };
                } else if term.contains('/') {
                    // 17
                    match active.expand_iri(term, false, true) {
                        Some(iri) if is_absolute_iri(&iri) => def.iri = Some(iri.into_owned()),
                        _ => {
                            return Err(invalid(
                                ErrorCode::InvalidIriMapping,
                                format!("the relative term {term:?} does not expand to an IRI"),
                            ));
                        }
                    }
                } else if term == "@type" {
                    // 18
                    def.iri = Some("@type".to_owned());
                } else if let Some(vocab) = &active.vocab {
                    // 19
                    def.iri = Some(format!("{vocab}{term}"));
                } else {
                    return Err(invalid(
                        ErrorCode::InvalidIriMapping,
                        format!("{term:?} has no @id and there is no @vocab"),
                    ));
                }
            }
        }
        // 20
        if let Some(container) = value.get("@container") {
            def.container = self.container_mapping(term, container)?;
            if def.container.has(Container::TYPE) {
                match def.type_mapping.as_deref() {
                    None => def.type_mapping = Some("@id".to_owned()),
                    Some("@id" | "@vocab") => {}
                    Some(other) => {
                        return Err(invalid(
                            ErrorCode::InvalidTypeMapping,
                            format!("a @type container needs @type @id or @vocab, not {other:?}"),
                        ));
                    }
                }
            }
        }
        // 21
        if let Some(scoped) = value.get("@context") {
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    "scoped contexts in json-ld-1.0 mode",
                ));
            }
            let mut remote = defs.remote.to_vec();
            if let Err(e) = self.process_context(
                active,
                None,
                scoped,
                defs.base_url,
                &mut remote,
                true,
                true,
                false,
            ) {
                return Err(invalid(
                    ErrorCode::InvalidScopedContext,
                    format!("the scoped context of {term:?}: {e}"),
                ));
            }
            def.context = Some(Arc::new(scoped.clone()));
            def.base_url = defs.base_url.map(str::to_owned);
        }
        // 22
        if let Some(language) = value.get("@language")
            && !value.contains_key("@type")
        {
            def.language = Some(match language {
                Value::Null => None,
                Value::String(s) => Some(s.to_ascii_lowercase()),
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidLanguageMapping,
                        format!("@language of {term:?} must be a string or null, not {other}"),
                    ));
                }
            });
        }
        // 23
        if let Some(direction) = value.get("@direction")
            && !value.contains_key("@type")
        {
            def.direction = Some(Direction::parse(direction)?);
        }
        // 24
        if let Some(index) = value.get("@index") {
            if self.json_ld_10() || !def.container.has(Container::INDEX) {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    format!("@index of {term:?} needs an @index container"),
                ));
            }
            let Value::String(index) = index else {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    format!("@index of {term:?} must be a string"),
                ));
            };
            match active.expand_iri(index, false, true) {
                Some(iri) if is_absolute_iri(&iri) => {}
                _ => {
                    return Err(invalid(
                        ErrorCode::InvalidTermDefinition,
                        format!("@index {index:?} of {term:?} does not expand to an IRI"),
                    ));
                }
            }
            def.index = Some(index.clone());
        }
        // 25
        if let Some(nest) = value.get("@nest") {
            if self.json_ld_10() {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    "@nest in json-ld-1.0 mode",
                ));
            }
            match nest {
                Value::String(n) if !is_keyword(n) || n == "@nest" => def.nest = Some(n.clone()),
                other => {
                    return Err(invalid(
                        ErrorCode::InvalidAtNest,
                        format!("@nest of {term:?} must be a term or @nest, not {other}"),
                    ));
                }
            }
        }
        // 26
        if let Some(prefix) = value.get("@prefix") {
            if self.json_ld_10() || term.contains(':') || term.contains('/') {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    format!("{term:?} cannot have @prefix"),
                ));
            }
            def.prefix = prefix.as_bool().ok_or_else(|| {
                invalid(
                    ErrorCode::InvalidAtPrefix,
                    format!("@prefix of {term:?} must be true or false"),
                )
            })?;
            if def.prefix && def.iri.as_deref().is_some_and(is_keyword) {
                return Err(invalid(
                    ErrorCode::InvalidTermDefinition,
                    format!("the keyword alias {term:?} cannot be a prefix"),
                ));
            }
        }
        // 27
        if let Some(extra) = value.keys().find(|k| {
            !matches!(
                k.as_str(),
                "@id"
                    | "@reverse"
                    | "@container"
                    | "@context"
                    | "@direction"
                    | "@index"
                    | "@language"
                    | "@nest"
                    | "@prefix"
                    | "@protected"
                    | "@type"
            )
        }) {
            return Err(invalid(
                ErrorCode::InvalidTermDefinition,
                format!("the definition of {term:?} has the unknown entry {extra:?}"),
            ));
        }
        // 28
        let def = match previous {
            Some(prev) if !defs.override_protected && prev.protected => {
                if !prev.same_as(&def) {
                    return Err(invalid(
                        ErrorCode::ProtectedTermRedefinition,
                        format!("the protected term {term:?} cannot be redefined"),
                    ));
                }
                prev
            }
            _ => Arc::new(def),
        };
        // 29
        active.terms.insert(Arc::from(term), def);
        defs.defined.insert(term.to_owned(), true);
        Ok(())
    }

    /// Step 20: validates a container mapping.
    fn container_mapping(&self, term: &str, container: &Value) -> Result<Container, Error> {
        let bad = || {
            invalid(
                ErrorCode::InvalidContainerMapping,
                format!("{container} is not a valid container for {term:?}"),
            )
        };
        let keywords: Vec<&str> = match container {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) if !self.json_ld_10() => items
                .iter()
                .map(|v| v.as_str().ok_or_else(bad))
                .collect::<Result<_, _>>()?,
            _ => return Err(bad()),
        };
        let mut flags = 0u8;
        for k in &keywords {
            flags |= Container::flag(k).ok_or_else(bad)?;
        }
        let c = Container(flags);
        let count = flags.count_ones();
        let valid = if c.has(Container::LIST) {
            count == 1
        } else if c.has(Container::GRAPH) {
            flags & !(Container::GRAPH | Container::ID | Container::INDEX | Container::SET) == 0
                && !(c.has(Container::ID) && c.has(Container::INDEX))
        } else {
            count <= if c.has(Container::SET) { 2 } else { 1 }
        };
        let valid_10 =
            !self.json_ld_10() || flags & (Container::GRAPH | Container::ID | Container::TYPE) == 0;
        if !valid || !valid_10 || keywords.is_empty() {
            return Err(bad());
        }
        Ok(c)
    }
}
