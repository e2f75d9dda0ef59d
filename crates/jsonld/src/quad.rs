//! RDF quads as the processor produces them, and their canonical N-Quads form.

use std::fmt::{self, Write};

pub(crate) const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
pub(crate) const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

/// A subject, predicate or graph name: an IRI or a blank node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// An absolute IRI.
    Iri(String),
    /// A blank node, by its label without `_:`.
    Blank(String),
}

/// A literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Literal {
    /// The lexical form.
    pub value: String,
    /// The datatype IRI (`xsd:string` for plain strings, `rdf:langString` with a language).
    pub datatype: String,
    /// The language tag, for `rdf:langString`.
    pub language: Option<String>,
}

impl Literal {
    /// A string with a datatype; `xsd:string` for a plain string.
    pub fn typed(value: impl Into<String>, datatype: impl Into<String>) -> Self {
        Literal {
            value: value.into(),
            datatype: datatype.into(),
            language: None,
        }
    }

    /// A language-tagged string.
    pub fn tagged(value: impl Into<String>, language: impl Into<String>) -> Self {
        Literal {
            value: value.into(),
            datatype: RDF_LANG_STRING.to_owned(),
            language: Some(language.into()),
        }
    }
}

/// An object: a node or a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Object {
    /// An IRI or blank node.
    Node(Node),
    /// A literal.
    Literal(Literal),
}

/// An RDF quad; `graph` is `None` in the default graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad {
    /// The subject.
    pub subject: Node,
    /// The predicate IRI.
    pub predicate: String,
    /// The object.
    pub object: Object,
    /// The graph name.
    pub graph: Option<Node>,
}

/// Writes `s` as the inside of a canonical N-Quads string literal.
fn write_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{00}'..='\u{1F}' | '\u{7F}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// How blank node labels are written: `(label, out)` appends the label to use.
pub(crate) type Relabel<'f> = &'f dyn Fn(&str, &mut String);

/// Writes a node; blank node labels go through `label`.
pub(crate) fn write_node(out: &mut String, node: &Node, label: Relabel<'_>) {
    match node {
        Node::Iri(iri) => {
            out.push('<');
            out.push_str(iri);
            out.push('>');
        }
        Node::Blank(b) => {
            out.push_str("_:");
            label(b, out);
        }
    }
}

/// Writes one canonical N-Quads line, newline included; blank node labels go through `label`.
pub(crate) fn write_quad(out: &mut String, quad: &Quad, label: Relabel<'_>) {
    write_node(out, &quad.subject, label);
    out.push_str(" <");
    out.push_str(&quad.predicate);
    out.push_str("> ");
    match &quad.object {
        Object::Node(n) => write_node(out, n, label),
        Object::Literal(l) => {
            out.push('"');
            write_escaped(out, &l.value);
            out.push('"');
            if let Some(lang) = &l.language {
                out.push('@');
                out.push_str(lang);
            } else if l.datatype != XSD_STRING {
                out.push_str("^^<");
                out.push_str(&l.datatype);
                out.push('>');
            }
        }
    }
    if let Some(g) = &quad.graph {
        out.push(' ');
        write_node(out, g, label);
    }
    out.push_str(" .\n");
}

impl fmt::Display for Quad {
    /// The N-Quads line, with the newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        write_quad(&mut line, self, &|b, out| out.push_str(b));
        f.write_str(&line)
    }
}
