//! The Expansion and Value Expansion algorithms (JSON-LD 1.1 Processing Algorithms §5.1, §5.3).
//!
//! The expanded form is plain JSON, as in the specification. What expansion drops (undefined
//! properties and types) is noted as [`Dropped`].

use crate::code::ErrorCode;
use crate::context::{ActiveContext, Container, TermDef, invalid};
use crate::syntax::{is_absolute_iri, is_blank, is_keyword, is_well_formed_language};
use crate::{Dropped, Error, Processor};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Deeper documents are refused rather than risking the stack.
pub(crate) const MAX_DEPTH: usize = 128;

pub(crate) struct Expander<'p> {
    processor: &'p Processor,
    dropped: Vec<Dropped>,
    depth: usize,
}

pub(crate) fn as_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn as_slice(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

fn single(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), value);
    Value::Object(m)
}

pub(crate) fn is_value_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("@value"))
}

pub(crate) fn is_list_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("@list"))
}

fn is_graph_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.contains_key("@graph")
            && m.keys()
                .all(|k| matches!(k.as_str(), "@graph" | "@id" | "@index"))
    })
}

fn is_node_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        !m.contains_key("@value") && !m.contains_key("@list") && !m.contains_key("@set")
    })
}

/// The "add value" helper of the specification, always `as array`.
fn add_value(map: &mut Map<String, Value>, key: &str, value: Value) {
    let entry = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !entry.is_array() {
        let old = entry.take();
        *entry = Value::Array(vec![old]);
    }
    if let Value::Array(items) = entry {
        match value {
            Value::Array(values) => items.extend(values),
            v => items.push(v),
        }
    }
}

impl<'p> Expander<'p> {
    pub(crate) fn new(processor: &'p Processor) -> Self {
        Expander {
            processor,
            dropped: Vec::new(),
            depth: 0,
        }
    }

    pub(crate) fn into_dropped(self) -> Vec<Dropped> {
        self.dropped
    }

    fn drop_term(&mut self, term: &str) {
        self.dropped.push(Dropped::Term(term.to_owned()));
    }

    fn ignore(&mut self, what: String) {
        self.dropped.push(Dropped::Ignored(what));
    }

    /// A context the document uses: the reserved terms its definitions ignored are dropped data.
    fn using(&mut self, context: Arc<ActiveContext>) -> Arc<ActiveContext> {
        for term in &context.reserved {
            self.dropped.push(Dropped::ReservedTerm(term.clone()));
        }
        context
    }

    fn base_url(&self) -> Option<&'p str> {
        self.processor.base.as_deref()
    }

    /// The expansion of a whole document, always an array (the `expand()` API steps).
    pub(crate) fn expand_document(
        &mut self,
        initial: &Arc<ActiveContext>,
        document: &Value,
    ) -> Result<Vec<Value>, Error> {
        let expanded = self.expand(initial, None, document, false)?;
        Ok(match expanded {
            Value::Object(mut m) if m.len() == 1 && m.contains_key("@graph") => {
                as_array(m.remove("@graph").unwrap_or(Value::Null))
            }
            other => as_array(other),
        })
    }

    fn expand(
        &mut self,
        active: &Arc<ActiveContext>,
        active_property: Option<&str>,
        element: &Value,
        from_map: bool,
    ) -> Result<Value, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(invalid(
                ErrorCode::InvalidLocalContext,
                format!("the document is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.depth += 1;
        let result = self.expand_element(active, active_property, element, from_map);
        self.depth -= 1;
        result
    }

    /// The Expansion Algorithm (§5.1.2).
    fn expand_element(
        &mut self,
        active: &Arc<ActiveContext>,
        active_property: Option<&str>,
        element: &Value,
        from_map: bool,
    ) -> Result<Value, Error> {
        // 3
        let property_def: Option<Arc<TermDef>> =
            active_property.and_then(|p| active.terms.get(p).cloned());
        match element {
            // 1
            Value::Null => Ok(Value::Null),
            // 5
            Value::Array(items) => {
                let list_container = property_def
                    .as_ref()
                    .is_some_and(|d| d.container.has(Container::LIST));
                let mut result = Vec::with_capacity(items.len());
                for item in items {
                    let mut expanded = self.expand(active, active_property, item, from_map)?;
                    if list_container && expanded.is_array() {
                        expanded = single("@list", expanded);
                    }
                    match expanded {
                        Value::Array(values) => result.extend(values),
                        Value::Null => {}
                        other => result.push(other),
                    }
                }
                Ok(Value::Array(result))
            }
            // 6
            Value::Object(map) => {
                self.expand_object(active, active_property, property_def, map, from_map)
            }
            // 4
            scalar => {
                let Some(property) = active_property.filter(|p| *p != "@graph") else {
                    self.ignore(format!("the free-floating value {scalar}"));
                    return Ok(Value::Null);
                };
                let context = match &property_def {
                    Some(def) if def.context.is_some() => {
                        let c = self.processor.scoped_context(active, def, true, true)?;
                        self.using(c)
                    }
                    _ => Arc::clone(active),
                };
                Ok(self.expand_value(&context, property, scalar))
            }
        }
    }

    fn expand_object(
        &mut self,
        active: &Arc<ActiveContext>,
        active_property: Option<&str>,
        property_def: Option<Arc<TermDef>>,
        element: &Map<String, Value>,
        from_map: bool,
    ) -> Result<Value, Error> {
        let mut active = Arc::clone(active);
        // 7
        if !from_map && let Some(previous) = &active.previous {
            let expands_to = |k: &String, keyword: &str| {
                active.expand_iri(k, false, true).as_deref() == Some(keyword)
            };
            let has_value = element.keys().any(|k| expands_to(k, "@value"));
            let only_id = element.len() == 1 && element.keys().all(|k| expands_to(k, "@id"));
            if !has_value && !only_id {
                let previous = Arc::clone(previous);
                active = previous;
            }
        }
        // 8
        if let Some(def) = &property_def
            && def.context.is_some()
        {
            let c = self.processor.scoped_context(&active, def, true, true)?;
            active = self.using(c);
        }
        // 9
        if let Some(local) = element.get("@context") {
            let c = self
                .processor
                .document_context(&active, local, self.base_url())?;
            active = self.using(c);
        }
        // 10
        let type_scoped = Arc::clone(&active);
        // 11
        let mut input_type = None;
        for (key, value) in element {
            if type_scoped.expand_iri(key, false, true).as_deref() != Some("@type") {
                continue;
            }
            let mut terms: Vec<&str> = as_slice(value).iter().filter_map(Value::as_str).collect();
            // 12: the last value of the first entry expanding to @type.
            if input_type.is_none() {
                input_type = Some(as_slice(value).last().and_then(Value::as_str));
            }
            terms.sort_unstable();
            for term in terms {
                if let Some(def) = type_scoped.terms.get(term)
                    && def.context.is_some()
                {
                    let c = self.processor.scoped_context(&active, def, false, false)?;
                    active = self.using(c);
                }
            }
        }
        let input_type = input_type
            .flatten()
            .and_then(|t| active.expand_iri(t, true, true).map(|c| c.into_owned()));
        // 12, 13, 14
        let mut result = Map::new();
        self.expand_entries(
            &active,
            &type_scoped,
            active_property,
            element,
            input_type.as_deref(),
            &mut result,
        )?;
        self.finish_object(result, active_property)
    }

    /// Steps 15 to 20.
    fn finish_object(
        &mut self,
        mut result: Map<String, Value>,
        active_property: Option<&str>,
    ) -> Result<Value, Error> {
        // 15
        if let Some(value) = result.get("@value") {
            let allowed = result.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "@direction" | "@index" | "@language" | "@type" | "@value"
                )
            });
            let typed = result.contains_key("@type");
            if !allowed
                || (typed
                    && (result.contains_key("@language") || result.contains_key("@direction")))
            {
                return Err(invalid(
                    ErrorCode::InvalidValueObject,
                    format!(
                        "a value object cannot have the entries {:?}",
                        result.keys().collect::<Vec<_>>()
                    ),
                ));
            }
            let json = result.get("@type").and_then(Value::as_str) == Some("@json");
            if !json {
                if value.is_null() || value.as_array().is_some_and(Vec::is_empty) {
                    self.ignore("a value object whose @value is null".to_owned());
                    return Ok(Value::Null);
                }
                if !value.is_string() && result.contains_key("@language") {
                    return Err(invalid(
                        ErrorCode::InvalidLanguageTaggedValue,
                        format!("only strings can have a language, not {value}"),
                    ));
                }
                if let Some(t) = result.get("@type")
                    && !t.as_str().is_some_and(is_absolute_iri)
                {
                    return Err(invalid(
                        ErrorCode::InvalidTypedValue,
                        format!("the datatype {t} is not an IRI"),
                    ));
                }
            }
        } else if let Some(t) = result.get_mut("@type") {
            // 16
            if !t.is_array() {
                let old = t.take();
                *t = Value::Array(vec![old]);
            }
        } else if result.contains_key("@set") || result.contains_key("@list") {
            // 17
            let others = result.len() - 1;
            if others > 1 || (others == 1 && !result.contains_key("@index")) {
                return Err(invalid(
                    ErrorCode::InvalidSetOrListObject,
                    format!(
                        "a set or list object cannot have the entries {:?}",
                        result.keys().collect::<Vec<_>>()
                    ),
                ));
            }
            if let Some(set) = result.remove("@set") {
                return Ok(self.drop_free_floating(set, active_property));
            }
        }
        // 18
        if result.len() == 1 && result.contains_key("@language") {
            self.ignore("an object with only @language".to_owned());
            return Ok(Value::Null);
        }
        Ok(self.drop_free_floating(Value::Object(result), active_property))
    }

    /// Step 19.
    fn drop_free_floating(&mut self, result: Value, active_property: Option<&str>) -> Value {
        if (active_property.is_none() || active_property == Some("@graph"))
            && let Value::Object(m) = &result
        {
            let what = if m.is_empty() {
                "an empty object"
            } else if m.contains_key("@value") {
                "a free-floating value"
            } else if m.contains_key("@list") {
                "a free-floating list"
            } else if m.len() == 1 && m.contains_key("@id") {
                "a node with only an @id"
            } else {
                return result;
            };
            self.ignore(what.to_owned());
            return Value::Null;
        }
        result
    }

    /// Steps 13 and 14: the entries of `element` (and of its nested values) into `result`.
    fn expand_entries(
        &mut self,
        active: &Arc<ActiveContext>,
        type_scoped: &Arc<ActiveContext>,
        active_property: Option<&str>,
        element: &Map<String, Value>,
        input_type: Option<&str>,
        result: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        let mut nests: Vec<&str> = Vec::new();
        for (key, value) in element {
            // 13.1
            if key == "@context" {
                continue;
            }
            // 13.2, 13.3
            let expanded_property = match active.expand_iri(key, false, true) {
                Some(p) if is_keyword(&p) || p.contains(':') => p.into_owned(),
                _ => {
                    self.drop_term(key);
                    continue;
                }
            };
            // 13.4
            if is_keyword(&expanded_property) {
                let ep = expanded_property.as_str();
                if active_property == Some("@reverse") {
                    return Err(invalid(
                        ErrorCode::InvalidReversePropertyMap,
                        format!("a reverse property map cannot contain the keyword {ep}"),
                    ));
                }
                let may_repeat =
                    ep == "@included" || (ep == "@type" && !self.processor.json_ld_10());
                if result.contains_key(ep) && !may_repeat {
                    return Err(invalid(
                        ErrorCode::CollidingKeywords,
                        format!("{ep} appears more than once (as {key:?})"),
                    ));
                }
                let expanded_value = match ep {
                    "@id" => {
                        let Value::String(id) = value else {
                            return Err(invalid(
                                ErrorCode::InvalidAtId,
                                format!("@id must be a string, not {value}"),
                            ));
                        };
                        match active.expand_iri(id, true, false) {
                            Some(iri) => Value::String(iri.into_owned()),
                            None => {
                                // A reserved, keyword-like @id: the node is dropped.
                                self.drop_term(id);
                                result.insert("@id".to_owned(), Value::Null);
                                continue;
                            }
                        }
                    }
                    "@type" => {
                        let strings: Vec<&str> = match value {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(items) => items
                                .iter()
                                .map(Value::as_str)
                                .collect::<Option<_>>()
                                .ok_or_else(|| {
                                    invalid(
                                        ErrorCode::InvalidTypeValue,
                                        format!("@type must be a string or an array of strings, not {value}"),
                                    )
                                })?,
                            other => {
                                return Err(invalid(
                                    ErrorCode::InvalidTypeValue,
                                    format!("@type must be a string or an array of strings, not {other}"),
                                ));
                            }
                        };
                        let mut types = Vec::with_capacity(strings.len());
                        for s in strings {
                            match type_scoped.expand_iri(s, true, true) {
                                Some(iri) => {
                                    if !is_absolute_iri(&iri)
                                        && !is_blank(&iri)
                                        && !is_keyword(&iri)
                                    {
                                        self.drop_term(s);
                                    }
                                    types.push(Value::String(iri.into_owned()));
                                }
                                None => self.drop_term(s),
                            }
                        }
                        let mut expanded = if value.is_string() && types.len() == 1 {
                            types.pop().unwrap_or(Value::Null)
                        } else {
                            Value::Array(types)
                        };
                        if let Some(existing) = result.remove("@type") {
                            let mut all = as_array(existing);
                            all.extend(as_array(expanded));
                            expanded = Value::Array(all);
                        }
                        expanded
                    }
                    "@graph" => Value::Array(as_array(self.expand(
                        active,
                        Some("@graph"),
                        value,
                        false,
                    )?)),
                    "@included" => {
                        if self.processor.json_ld_10() {
                            continue;
                        }
                        // Expanded with @included as the active property, so that values that are
                        // not node objects survive to be refused (W3C tests #tin07-#tin09).
                        let included =
                            as_array(self.expand(active, Some("@included"), value, false)?);
                        if let Some(bad) = included.iter().find(|v| !is_node_object(v)) {
                            return Err(invalid(
                                ErrorCode::InvalidAtIncluded,
                                format!("@included must hold node objects, not {bad}"),
                            ));
                        }
                        let mut all = result.remove("@included").map(as_array).unwrap_or_default();
                        all.extend(included);
                        Value::Array(all)
                    }
                    "@value" => {
                        let v = if input_type == Some("@json") {
                            if self.processor.json_ld_10() {
                                return Err(invalid(
                                    ErrorCode::InvalidValueObjectValue,
                                    "@json in json-ld-1.0 mode",
                                ));
                            }
                            value.clone()
                        } else if value.is_array() || value.is_object() {
                            return Err(invalid(
                                ErrorCode::InvalidValueObjectValue,
                                format!(
                                    "@value must be a string, number, boolean or null, not {value}"
                                ),
                            ));
                        } else {
                            value.clone()
                        };
                        result.insert("@value".to_owned(), v);
                        continue;
                    }
                    "@language" => match value {
                        Value::String(s) => {
                            if !is_well_formed_language(s) {
                                self.dropped.push(Dropped::InvalidLanguage(s.clone()));
                            }
                            Value::String(s.to_ascii_lowercase())
                        }
                        other => {
                            return Err(invalid(
                                ErrorCode::InvalidLanguageTaggedString,
                                format!("@language must be a string, not {other}"),
                            ));
                        }
                    },
                    "@direction" => {
                        if self.processor.json_ld_10() {
                            continue;
                        }
                        match value.as_str() {
                            Some("ltr" | "rtl") => value.clone(),
                            _ => {
                                return Err(invalid(
                                    ErrorCode::InvalidBaseDirection,
                                    format!("@direction must be \"ltr\" or \"rtl\", not {value}"),
                                ));
                            }
                        }
                    }
                    "@index" => match value {
                        Value::String(_) => value.clone(),
                        other => {
                            return Err(invalid(
                                ErrorCode::InvalidAtIndex,
                                format!("@index must be a string, not {other}"),
                            ));
                        }
                    },
                    "@list" => {
                        if active_property.is_none() || active_property == Some("@graph") {
                            self.ignore("a free-floating list".to_owned());
                            continue;
                        }
                        Value::Array(as_array(self.expand(
                            active,
                            active_property,
                            value,
                            false,
                        )?))
                    }
                    "@set" => self.expand(active, active_property, value, false)?,
                    "@reverse" => {
                        if !value.is_object() {
                            return Err(invalid(
                                ErrorCode::InvalidAtReverse,
                                format!("@reverse must be an object, not {value}"),
                            ));
                        }
                        let expanded = self.expand(active, Some("@reverse"), value, false)?;
                        if let Value::Object(mut reversed) = expanded {
                            if let Some(Value::Object(twice)) = reversed.remove("@reverse") {
                                for (property, items) in twice {
                                    add_value(result, &property, items);
                                }
                            }
                            if !reversed.is_empty() {
                                let reverse_map = result
                                    .entry("@reverse".to_owned())
                                    .or_insert_with(|| Value::Object(Map::new()));
                                if let Value::Object(reverse_map) = reverse_map {
                                    for (property, items) in reversed {
                                        for item in as_array(items) {
                                            if is_value_object(&item) || is_list_object(&item) {
                                                return Err(invalid(
                                                    ErrorCode::InvalidReversePropertyValue,
                                                    format!(
                                                        "the reverse property {property} cannot hold {item}"
                                                    ),
                                                ));
                                            }
                                            add_value(reverse_map, &property, item);
                                        }
                                    }
                                }
                            }
                        }
                        continue;
                    }
                    "@nest" => {
                        nests.push(key);
                        continue;
                    }
                    // Other keywords have no meaning in a node or value.
                    _ => continue,
                };
                // 13.4.16
                if !expanded_value.is_null() {
                    result.insert(expanded_property, expanded_value);
                }
                continue;
            }
            // 13.5
            let def = active.terms.get(key.as_str()).cloned();
            let container = def.as_ref().map(|d| d.container).unwrap_or_default();
            let json = def.as_ref().and_then(|d| d.type_mapping.as_deref()) == Some("@json");
            let mut expanded = if json {
                // 13.6
                let mut m = Map::new();
                m.insert("@value".to_owned(), value.clone());
                m.insert("@type".to_owned(), Value::String("@json".to_owned()));
                Value::Object(m)
            } else if let (true, Value::Object(map)) = (container.has(Container::LANGUAGE), value) {
                // 13.7
                self.expand_language_map(active, def.as_deref(), map)?
            } else if let (true, Value::Object(map)) = (
                container.has(Container::INDEX)
                    || container.has(Container::TYPE)
                    || container.has(Container::ID),
                value,
            ) {
                // 13.8
                self.expand_index_map(active, key, def.as_deref(), container, map)?
            } else {
                // 13.9
                self.expand(active, Some(key), value, false)?
            };
            // 13.10
            if expanded.is_null() {
                continue;
            }
            // 13.11
            if container.has(Container::LIST) && !is_list_object(&expanded) {
                expanded = single("@list", Value::Array(as_array(expanded)));
            }
            // 13.12
            if container.has(Container::GRAPH)
                && !container.has(Container::ID)
                && !container.has(Container::INDEX)
            {
                expanded = Value::Array(
                    as_array(expanded)
                        .into_iter()
                        .map(|ev| single("@graph", Value::Array(as_array(ev))))
                        .collect(),
                );
            }
            // 13.13, 13.14
            if def.as_ref().is_some_and(|d| d.reverse) {
                let reverse_map = result
                    .entry("@reverse".to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(reverse_map) = reverse_map {
                    for item in as_array(expanded) {
                        if is_value_object(&item) || is_list_object(&item) {
                            return Err(invalid(
                                ErrorCode::InvalidReversePropertyValue,
                                format!("the reverse property {key:?} cannot hold {item}"),
                            ));
                        }
                        add_value(reverse_map, &expanded_property, item);
                    }
                }
            } else {
                add_value(result, &expanded_property, expanded);
            }
        }
        // 14: steps 3, 8, 13 and 14 again for each nested value, with the nesting key as the
        // active property (so that its property-scoped context applies).
        for nesting_key in nests {
            let nested_values = element.get(nesting_key).map(as_slice).unwrap_or(&[]);
            let nested_active = match active.terms.get(nesting_key).cloned() {
                Some(def) if def.context.is_some() => {
                    let c = self.processor.scoped_context(active, &def, true, true)?;
                    self.using(c)
                }
                _ => Arc::clone(active),
            };
            for nested in nested_values {
                let Value::Object(nested) = nested else {
                    return Err(invalid(
                        ErrorCode::InvalidAtNest,
                        format!("the value of {nesting_key:?} must be an object, not {nested}"),
                    ));
                };
                if nested
                    .keys()
                    .any(|k| nested_active.expand_iri(k, false, true).as_deref() == Some("@value"))
                {
                    return Err(invalid(
                        ErrorCode::InvalidAtNest,
                        format!("the value of {nesting_key:?} cannot be a value object"),
                    ));
                }
                self.expand_entries(
                    &nested_active,
                    type_scoped,
                    Some(nesting_key),
                    nested,
                    input_type,
                    result,
                )?;
            }
        }
        Ok(())
    }

    /// Step 13.7: a language map.
    fn expand_language_map(
        &mut self,
        active: &ActiveContext,
        def: Option<&TermDef>,
        map: &Map<String, Value>,
    ) -> Result<Value, Error> {
        let mut out = Vec::new();
        let direction = match def.and_then(|d| d.direction) {
            Some(d) => d,
            None => active.direction,
        };
        for (language, values) in map {
            let none = language == "@none"
                || active.expand_iri(language, false, true).as_deref() == Some("@none");
            for item in as_slice(values) {
                match item {
                    Value::Null => continue,
                    Value::String(s) => {
                        let mut v = Map::new();
                        v.insert("@value".to_owned(), Value::String(s.clone()));
                        if !none && !is_well_formed_language(language) {
                            self.dropped
                                .push(Dropped::InvalidLanguage(language.clone()));
                        }
                        if !none {
                            v.insert(
                                "@language".to_owned(),
                                Value::String(language.to_ascii_lowercase()),
                            );
                        }
                        if let Some(d) = direction {
                            v.insert(
                                "@direction".to_owned(),
                                Value::String(d.as_str().to_owned()),
                            );
                        }
                        out.push(Value::Object(v));
                    }
                    other => {
                        return Err(invalid(
                            ErrorCode::InvalidLanguageMapValue,
                            format!("language map values must be strings, not {other}"),
                        ));
                    }
                }
            }
        }
        Ok(Value::Array(out))
    }

    /// Step 13.8: an index, id or type map.
    fn expand_index_map(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        def: Option<&TermDef>,
        container: Container,
        map: &Map<String, Value>,
    ) -> Result<Value, Error> {
        let mut out = Vec::new();
        let index_key = def.and_then(|d| d.index.as_deref()).unwrap_or("@index");
        for (index, index_value) in map {
            let mut map_context = Arc::clone(active);
            if container.has(Container::ID) || container.has(Container::TYPE) {
                if let Some(previous) = &active.previous {
                    map_context = Arc::clone(previous);
                }
                if container.has(Container::TYPE)
                    && let Some(index_def) = map_context.terms.get(index.as_str()).cloned()
                    && index_def.context.is_some()
                {
                    // A type-scoped context, not propagated, as jsonld.js processes it.
                    let c =
                        self.processor
                            .scoped_context(&map_context, &index_def, false, false)?;
                    map_context = self.using(c);
                }
            }
            let expanded_index = active
                .expand_iri(index, false, true)
                .map(|c| c.into_owned());
            let is_none = expanded_index.as_deref() == Some("@none");
            let wrapped;
            let index_value = if index_value.is_array() {
                index_value
            } else {
                wrapped = Value::Array(vec![index_value.clone()]);
                &wrapped
            };
            let items = as_array(self.expand(&map_context, Some(key), index_value, true)?);
            for item in items {
                let mut item = item;
                if container.has(Container::GRAPH) && !is_graph_object(&item) {
                    item = single("@graph", Value::Array(as_array(item)));
                }
                let Value::Object(obj) = &mut item else {
                    out.push(item);
                    continue;
                };
                if container.has(Container::INDEX) && index_key != "@index" && !is_none {
                    let re_expanded =
                        self.expand_value(active, index_key, &Value::String(index.clone()));
                    let Some(index_property) = active.expand_iri(index_key, false, true) else {
                        continue;
                    };
                    let index_property = index_property.into_owned();
                    let mut values = vec![re_expanded];
                    if let Some(existing) = obj.remove(&index_property) {
                        values.extend(as_array(existing));
                    }
                    obj.insert(index_property, Value::Array(values));
                    if obj.contains_key("@value") {
                        return Err(invalid(
                            ErrorCode::InvalidValueObject,
                            format!(
                                "the value in index {index:?} of {key:?} cannot take an index property"
                            ),
                        ));
                    }
                } else if container.has(Container::INDEX) && !obj.contains_key("@index") && !is_none
                {
                    obj.insert("@index".to_owned(), Value::String(index.clone()));
                } else if container.has(Container::ID) && !obj.contains_key("@id") && !is_none {
                    if let Some(id) = active.expand_iri(index, true, false) {
                        obj.insert("@id".to_owned(), Value::String(id.into_owned()));
                    }
                } else if container.has(Container::TYPE) && !is_none {
                    let mut types = Vec::new();
                    if let Some(t) = &expanded_index {
                        types.push(Value::String(t.clone()));
                    }
                    if let Some(existing) = obj.remove("@type") {
                        types.extend(as_array(existing));
                    }
                    obj.insert("@type".to_owned(), Value::Array(types));
                }
                out.push(item);
            }
        }
        Ok(Value::Array(out))
    }

    /// The Value Expansion algorithm (§5.3.2). `Null` when the value is dropped.
    fn expand_value(
        &mut self,
        active: &ActiveContext,
        active_property: &str,
        value: &Value,
    ) -> Value {
        let def = active.term(active_property);
        let type_mapping = def.and_then(|d| d.type_mapping.as_deref());
        if let Value::String(s) = value {
            match type_mapping {
                Some("@id") => {
                    return match active.expand_iri(s, true, false) {
                        Some(iri) => single("@id", Value::String(iri.into_owned())),
                        None => {
                            self.drop_term(s);
                            Value::Null
                        }
                    };
                }
                Some("@vocab") => {
                    return match active.expand_iri(s, true, true) {
                        Some(iri) => {
                            if !is_absolute_iri(&iri) && !is_blank(&iri) {
                                self.drop_term(s);
                            }
                            single("@id", Value::String(iri.into_owned()))
                        }
                        None => {
                            self.drop_term(s);
                            Value::Null
                        }
                    };
                }
                _ => {}
            }
        }
        let mut result = Map::new();
        result.insert("@value".to_owned(), value.clone());
        match type_mapping {
            Some(t) if t != "@id" && t != "@vocab" && t != "@none" => {
                result.insert("@type".to_owned(), Value::String(t.to_owned()));
            }
            _ => {
                if value.is_string() {
                    let language = match def.and_then(|d| d.language.as_ref()) {
                        Some(l) => l.as_deref(),
                        None => active.language.as_deref(),
                    };
                    let direction = match def.and_then(|d| d.direction) {
                        Some(d) => d,
                        None => active.direction,
                    };
                    if let Some(l) = language {
                        result.insert("@language".to_owned(), Value::String(l.to_owned()));
                    }
                    if let Some(d) = direction {
                        result.insert(
                            "@direction".to_owned(),
                            Value::String(d.as_str().to_owned()),
                        );
                    }
                }
            }
        }
        Value::Object(result)
    }
}
