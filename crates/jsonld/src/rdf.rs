//! Node Map Generation (JSON-LD 1.1 Processing Algorithms §7.2) and Deserialize JSON-LD to RDF
//! (§8.1), from the expanded form to [`Quad`]s.

use crate::code::ErrorCode;
use crate::context::invalid;
use crate::quad::{Literal, Node, Object, Quad, XSD_STRING};
use crate::syntax::{
    is_absolute_iri, is_blank, is_keyword, is_well_formed_iri, is_well_formed_language,
    is_well_formed_node,
};
use crate::{Dropped, Error, RdfDirection};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const I18N: &str = "https://www.w3.org/ns/i18n#";
const DEFAULT_GRAPH: &str = "@default";
/// The label of nodes whose `@id` expansion dropped (already reported as dropped).
const NULL_ID: &str = "@null";

/// A value in the node map.
enum Item {
    /// A reference to a node.
    Node(String),
    /// A value object, as expansion made it.
    Value(Map<String, Value>),
    /// A list.
    List(Vec<Item>),
}

#[derive(Default)]
struct Entry {
    types: Vec<String>,
    properties: BTreeMap<String, Vec<Item>>,
    index: Option<String>,
}

/// The subject an element is processed for.
#[derive(Clone)]
enum Active {
    None,
    Node(String),
    /// A reverse property: the element becomes the subject and this node the object.
    Reverse(String),
}

/// Issues `_:b0`, `_:b1`, … and maps the document's labels to them.
#[derive(Default)]
struct Issuer {
    map: HashMap<String, String>,
    next: usize,
}

impl Issuer {
    fn fresh(&mut self) -> String {
        let label = format!("_:b{}", self.next);
        self.next += 1;
        label
    }

    fn relabel(&mut self, old: &str) -> String {
        if let Some(new) = self.map.get(old) {
            return new.clone();
        }
        let new = self.fresh();
        self.map.insert(old.to_owned(), new.clone());
        new
    }
}

struct NodeMap {
    graphs: BTreeMap<String, BTreeMap<String, Entry>>,
    issuer: Issuer,
}

impl NodeMap {
    fn node(&mut self, graph: &str, id: &str) -> &mut Entry {
        self.graphs
            .entry(graph.to_owned())
            .or_default()
            .entry(id.to_owned())
            .or_default()
    }

    fn add_unique(&mut self, graph: &str, subject: &str, property: &str, item: Item) {
        let values = self
            .node(graph, subject)
            .properties
            .entry(property.to_owned())
            .or_default();
        let duplicate = values.iter().any(|v| match (v, &item) {
            (Item::Node(a), Item::Node(b)) => a == b,
            (Item::Value(a), Item::Value(b)) => a == b,
            _ => false,
        });
        if !duplicate {
            values.push(item);
        }
    }

    fn push(&mut self, graph: &str, subject: &str, property: &str, item: Item) {
        self.node(graph, subject)
            .properties
            .entry(property.to_owned())
            .or_default()
            .push(item);
    }

    fn relabel_types(&mut self, types: &mut Value) {
        match types {
            Value::String(s) if is_blank(s) => *s = self.issuer.relabel(s),
            Value::Array(items) => {
                for t in items {
                    self.relabel_types(t);
                }
            }
            _ => {}
        }
    }

    /// The Node Map Generation algorithm (§7.2.2).
    fn generate(
        &mut self,
        element: Value,
        graph: &str,
        subject: &Active,
        property: Option<&str>,
        mut list: Option<&mut Vec<Item>>,
    ) -> Result<(), Error> {
        let mut element = match element {
            // 1
            Value::Array(items) => {
                for item in items {
                    self.generate(item, graph, subject, property, list.as_deref_mut())?;
                }
                return Ok(());
            }
            Value::Object(m) => m,
            _ => return Ok(()),
        };
        // 3
        if let Some(types) = element.get_mut("@type") {
            self.relabel_types(types);
        }
        // 4
        if element.contains_key("@value") {
            let item = Item::Value(element);
            match (list, subject, property) {
                (Some(list), _, _) => list.push(item),
                (None, Active::Node(s), Some(p)) => self.add_unique(graph, s, p, item),
                _ => {}
            }
            return Ok(());
        }
        // 5
        if let Some(inner) = element.remove("@list") {
            let mut result = Vec::new();
            self.generate(inner, graph, subject, property, Some(&mut result))?;
            let item = Item::List(result);
            match (list, subject, property) {
                (Some(list), _, _) => list.push(item),
                (None, Active::Node(s), Some(p)) => self.push(graph, s, p, item),
                _ => {}
            }
            return Ok(());
        }
        // 6.1, 6.2
        let id = match element.remove("@id") {
            Some(Value::String(id)) if is_blank(&id) => self.issuer.relabel(&id),
            Some(Value::String(id)) => id,
            Some(Value::Null) => NULL_ID.to_owned(),
            _ => self.issuer.fresh(),
        };
        // 6.3, 6.4
        self.node(graph, &id);
        match (subject, property) {
            // 6.5
            (Active::Reverse(s), Some(p)) => self.add_unique(graph, &id, p, Item::Node(s.clone())),
            // 6.6
            (Active::Node(s), Some(p)) => {
                let reference = Item::Node(id.clone());
                match list {
                    Some(list) => list.push(reference),
                    None => self.add_unique(graph, s, p, reference),
                }
            }
            _ => {}
        }
        // 6.7
        if let Some(types) = element.remove("@type") {
            for t in crate::expand::as_array(types) {
                if let Value::String(t) = t {
                    let node = self.node(graph, &id);
                    if !node.types.contains(&t) {
                        node.types.push(t);
                    }
                }
            }
        }
        // 6.8
        if let Some(index) = element.remove("@index") {
            let index = index.as_str().unwrap_or_default().to_owned();
            let node = self.node(graph, &id);
            match &node.index {
                Some(existing) if *existing != index => {
                    return Err(invalid(
                        ErrorCode::ConflictingIndexes,
                        format!("{id} has the indexes {existing:?} and {index:?}"),
                    ));
                }
                _ => node.index = Some(index),
            }
        }
        // 6.9
        if let Some(Value::Object(reverse)) = element.remove("@reverse") {
            let referenced = Active::Reverse(id.clone());
            for (property, values) in reverse {
                for value in crate::expand::as_array(values) {
                    self.generate(value, graph, &referenced, Some(&property), None)?;
                }
            }
        }
        // 6.10
        if let Some(inner) = element.remove("@graph") {
            self.graphs.entry(id.clone()).or_default();
            self.generate(inner, &id, &Active::None, None, None)?;
        }
        // 6.11
        if let Some(included) = element.remove("@included") {
            self.generate(included, graph, &Active::None, None, None)?;
        }
        // 6.12
        let this = Active::Node(id.clone());
        for (property, value) in element {
            if is_keyword(&property) {
                continue;
            }
            let property = if is_blank(&property) {
                self.issuer.relabel(&property)
            } else {
                property
            };
            self.node(graph, &id)
                .properties
                .entry(property.clone())
                .or_default();
            self.generate(value, graph, &this, Some(&property), None)?;
        }
        Ok(())
    }
}

/// A node label (`_:` for blank nodes) as an RDF node.
fn node(label: &str) -> Node {
    match label.strip_prefix("_:") {
        Some(b) => Node::Blank(b.to_owned()),
        None => Node::Iri(label.to_owned()),
    }
}

fn iri(s: impl Into<String>) -> Object {
    Object::Node(Node::Iri(s.into()))
}

fn dropped_iri(s: &str) -> Dropped {
    if is_absolute_iri(s) {
        Dropped::InvalidIri(s.to_owned())
    } else {
        Dropped::RelativeIri(s.to_owned())
    }
}

struct Serializer<'a> {
    issuer: Issuer,
    direction: Option<RdfDirection>,
    dropped: &'a mut Vec<Dropped>,
}

impl Serializer<'_> {
    /// Notes an IRI that is dropped; nodes whose `@id` expansion dropped were noted already.
    fn drop_iri(&mut self, s: &str) {
        if s != NULL_ID {
            self.dropped.push(dropped_iri(s));
        }
    }
}

/// `(subject, predicate, object)` in the graph being written.
type Triple = (Node, String, Object);

impl Serializer<'_> {
    /// Object to RDF (§8.2). `None` when the item is dropped.
    fn object(&mut self, item: Item, extra: &mut Vec<Triple>) -> Option<Object> {
        match item {
            Item::Node(id) => {
                if is_well_formed_node(&id) {
                    Some(Object::Node(node(&id)))
                } else {
                    self.drop_iri(&id);
                    None
                }
            }
            Item::List(items) => Some(self.list(items, extra)),
            Item::Value(v) => self.literal(v, extra),
        }
    }

    /// List Conversion (§8.3).
    fn list(&mut self, items: Vec<Item>, extra: &mut Vec<Triple>) -> Object {
        let nil = || iri(format!("{RDF}nil"));
        if items.is_empty() {
            return nil();
        }
        let nodes: Vec<String> = items.iter().map(|_| self.issuer.fresh()).collect();
        for (i, item) in items.into_iter().enumerate() {
            let subject = node(&nodes[i]);
            let mut embedded = Vec::new();
            if let Some(o) = self.object(item, &mut embedded) {
                extra.push((subject.clone(), format!("{RDF}first"), o));
            }
            let rest = match nodes.get(i + 1) {
                Some(next) => Object::Node(node(next)),
                None => nil(),
            };
            extra.push((subject, format!("{RDF}rest"), rest));
            extra.extend(embedded);
        }
        Object::Node(node(&nodes[0]))
    }

    /// Steps 4 to 15 of Object to RDF: a value object.
    fn literal(&mut self, mut item: Map<String, Value>, extra: &mut Vec<Triple>) -> Option<Object> {
        let value = item.remove("@value").unwrap_or(Value::Null);
        let mut datatype = match item.remove("@type") {
            Some(Value::String(t)) => Some(t),
            _ => None,
        };
        let language = match item.remove("@language") {
            Some(Value::String(l)) => Some(l),
            _ => None,
        };
        let direction = match item.remove("@direction") {
            Some(Value::String(d)) => Some(d),
            _ => None,
        };
        // 6
        if let Some(t) = &datatype
            && t != "@json"
            && !is_well_formed_iri(t)
        {
            self.drop_iri(t);
            return None;
        }
        // 7
        if let Some(l) = &language
            && !is_well_formed_language(l)
        {
            self.dropped.push(Dropped::InvalidLanguage(l.clone()));
            return None;
        }
        let lexical = if datatype.as_deref() == Some("@json") {
            // 8
            datatype = Some(format!("{RDF}JSON"));
            String::from_utf8(badgesafe_jcs::to_vec(&value)).ok()?
        } else {
            match value {
                // 9
                Value::Bool(b) => {
                    datatype.get_or_insert_with(|| format!("{XSD}boolean"));
                    b.to_string()
                }
                // 10, 11
                Value::Number(n) => {
                    let as_double = datatype.as_deref() == Some(&*format!("{XSD}double"));
                    match integer_form(&n) {
                        Some(i) if !as_double => {
                            datatype.get_or_insert_with(|| format!("{XSD}integer"));
                            i
                        }
                        _ => {
                            datatype.get_or_insert_with(|| format!("{XSD}double"));
                            double_form(n.as_f64().unwrap_or(f64::NAN))
                        }
                    }
                }
                Value::String(s) => s,
                _ => return None,
            }
        };
        // 13
        if let (Some(d), Some(mode)) = (&direction, self.direction) {
            let language = language.as_deref().unwrap_or("").to_ascii_lowercase();
            match mode {
                RdfDirection::I18nDatatype => {
                    let dt = format!("{I18N}{language}_{d}");
                    return Some(Object::Literal(Literal::typed(lexical, dt)));
                }
                RdfDirection::CompoundLiteral => {
                    let label = self.issuer.fresh();
                    let s = node(&label);
                    let plain = |v: String| Object::Literal(Literal::typed(v, XSD_STRING));
                    extra.push((s.clone(), format!("{RDF}value"), plain(lexical)));
                    if !language.is_empty() {
                        extra.push((s.clone(), format!("{RDF}language"), plain(language)));
                    }
                    extra.push((s, format!("{RDF}direction"), plain(d.clone())));
                    return Some(Object::Node(node(&label)));
                }
            }
        }
        if direction.is_some() {
            self.dropped.push(Dropped::Direction(lexical.clone()));
        }
        // 14
        Some(Object::Literal(match (language, datatype) {
            (Some(l), _) => Literal::tagged(lexical, l),
            (None, Some(t)) => Literal::typed(lexical, t),
            (None, None) => Literal::typed(lexical, XSD_STRING),
        }))
    }
}

/// The canonical lexical form of an `xsd:integer`, when the number is one (no fraction, below
/// 10^21 in magnitude).
fn integer_form(n: &serde_json::Number) -> Option<String> {
    if let Some(i) = n.as_i64() {
        return Some(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.to_string());
    }
    let f = n.as_f64()?;
    if f.fract() != 0.0 || f.abs() >= 1e21 || !f.is_finite() {
        return None;
    }
    // Exact: |f| < 10^21 < 2^127.
    #[allow(clippy::cast_possible_truncation)]
    let i = f as i128;
    Some(i.to_string())
}

/// The canonical lexical form of an `xsd:double` as JSON-LD writes it: `toExponential(15)` with
/// trailing zeros of the mantissa removed (`1.1E0`, `5.0E-1`, `1.0E21`).
fn double_form(f: f64) -> String {
    let s = format!("{f:.15E}");
    let Some((mantissa, exponent)) = s.split_once('E') else {
        return s;
    };
    let mut mantissa = mantissa.trim_end_matches('0').to_owned();
    if mantissa.ends_with('.') {
        mantissa.push('0');
    }
    format!("{mantissa}E{exponent}")
}

/// Node Map Generation and Deserialize JSON-LD to RDF over an expanded document.
pub(crate) fn to_rdf(
    expanded: Vec<Value>,
    direction: Option<RdfDirection>,
    dropped: &mut Vec<Dropped>,
) -> Result<Vec<Quad>, Error> {
    let mut map = NodeMap {
        graphs: BTreeMap::new(),
        issuer: Issuer::default(),
    };
    map.graphs.entry(DEFAULT_GRAPH.to_owned()).or_default();
    map.generate(
        Value::Array(expanded),
        DEFAULT_GRAPH,
        &Active::None,
        None,
        None,
    )?;
    let NodeMap { graphs, issuer } = map;
    // A node with neither types nor properties that nothing refers to (a node with only an
    // @id inside a graph container, say) leaves no trace in the RDF: its @id is dropped.
    let mut referenced: std::collections::HashSet<&str> =
        graphs.keys().map(String::as_str).collect();
    fn refer<'a>(item: &'a Item, referenced: &mut std::collections::HashSet<&'a str>) {
        match item {
            Item::Node(id) => {
                referenced.insert(id);
            }
            Item::List(items) => items.iter().for_each(|i| refer(i, referenced)),
            Item::Value(_) => {}
        }
    }
    for graph in graphs.values() {
        for entry in graph.values() {
            entry.types.iter().for_each(|t| {
                referenced.insert(t);
            });
            for items in entry.properties.values() {
                items.iter().for_each(|i| refer(i, &mut referenced));
            }
        }
    }
    for graph in graphs.values() {
        for (id, entry) in graph {
            if entry.types.is_empty()
                && entry.properties.is_empty()
                && id != NULL_ID
                && !referenced.contains(id.as_str())
            {
                dropped.push(Dropped::Ignored("a node with only an @id".to_owned()));
            }
        }
    }
    let mut out = Vec::new();
    let mut ser = Serializer {
        issuer,
        direction,
        dropped,
    };
    for (graph_name, graph) in graphs {
        let graph_term = if graph_name == DEFAULT_GRAPH {
            None
        } else if !is_well_formed_node(&graph_name) {
            ser.drop_iri(&graph_name);
            continue;
        } else {
            Some(node(&graph_name))
        };
        let quad = |subject: Node, predicate: String, object: Object| Quad {
            subject,
            predicate,
            object,
            graph: graph_term.clone(),
        };
        for (id, entry) in graph {
            if !is_well_formed_node(&id) {
                ser.drop_iri(&id);
                continue;
            }
            let s = node(&id);
            for t in entry.types {
                if is_well_formed_node(&t) {
                    out.push(quad(
                        s.clone(),
                        format!("{RDF}type"),
                        Object::Node(node(&t)),
                    ));
                } else {
                    ser.drop_iri(&t);
                }
            }
            for (property, items) in entry.properties {
                if is_blank(&property) {
                    // Generalized RDF (blank node predicates) is not produced.
                    if !items.is_empty() {
                        ser.dropped.push(Dropped::Term(property));
                    }
                    continue;
                }
                if !is_well_formed_iri(&property) {
                    ser.drop_iri(&property);
                    continue;
                }
                for item in items {
                    let mut extra = Vec::new();
                    if let Some(o) = ser.object(item, &mut extra) {
                        out.push(quad(s.clone(), property.clone(), o));
                    }
                    for (es, ep, eo) in extra {
                        out.push(quad(es, ep, eo));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_forms() {
        assert_eq!(double_form(1.1), "1.1E0");
        assert_eq!(double_form(11.0), "1.1E1");
        assert_eq!(double_form(0.5), "5.0E-1");
        assert_eq!(double_form(1e21), "1.0E21");
        assert_eq!(double_form(-2.25), "-2.25E0");
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).ok();
        assert_eq!(n("5").and_then(|n| integer_form(&n)).as_deref(), Some("5"));
        assert_eq!(
            n("5.0").and_then(|n| integer_form(&n)).as_deref(),
            Some("5")
        );
        assert_eq!(
            n("-0.0").and_then(|n| integer_form(&n)).as_deref(),
            Some("0")
        );
        assert_eq!(
            n("1e20").and_then(|n| integer_form(&n)).as_deref(),
            Some("100000000000000000000")
        );
        assert_eq!(n("1e21").and_then(|n| integer_form(&n)), None);
        assert_eq!(n("5.5").and_then(|n| integer_form(&n)), None);
    }
}
