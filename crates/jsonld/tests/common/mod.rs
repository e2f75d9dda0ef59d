//! Conversions from the reference libraries' quads to badgesafe's, for comparisons in tests.

#![allow(dead_code)]

use badgesafe_jsonld::{Literal, Node, Object, Quad};

fn node02(s: &oxrdf02::Subject) -> Node {
    match s {
        oxrdf02::Subject::NamedNode(n) => Node::Iri(n.as_str().to_owned()),
        oxrdf02::Subject::BlankNode(b) => Node::Blank(b.as_str().to_owned()),
        #[allow(unreachable_patterns)]
        _ => panic!("quoted triples are not RDF 1.1"),
    }
}

fn literal(value: &str, datatype: &str, language: Option<&str>) -> Literal {
    match language {
        Some(l) => Literal::tagged(value, l),
        None => Literal::typed(value, datatype),
    }
}

/// oxrdf 0.2 (oxttl, rdf-canon) → badgesafe.
pub fn from_oxrdf02(q: &oxrdf02::Quad) -> Quad {
    let object = match &q.object {
        oxrdf02::Term::NamedNode(n) => Object::Node(Node::Iri(n.as_str().to_owned())),
        oxrdf02::Term::BlankNode(b) => Object::Node(Node::Blank(b.as_str().to_owned())),
        oxrdf02::Term::Literal(l) => {
            Object::Literal(literal(l.value(), l.datatype().as_str(), l.language()))
        }
        #[allow(unreachable_patterns)]
        _ => panic!("quoted triples are not RDF 1.1"),
    };
    let graph = match &q.graph_name {
        oxrdf02::GraphName::NamedNode(n) => Some(Node::Iri(n.as_str().to_owned())),
        oxrdf02::GraphName::BlankNode(b) => Some(Node::Blank(b.as_str().to_owned())),
        oxrdf02::GraphName::DefaultGraph => None,
    };
    Quad {
        subject: node02(&q.subject),
        predicate: q.predicate.as_str().to_owned(),
        object,
        graph,
    }
}

/// badgesafe → oxrdf 0.2, to run rdf-canon on the same dataset.
pub fn to_oxrdf02(q: &Quad) -> oxrdf02::Quad {
    use oxrdf02 as o;
    let node = |n: &Node| -> o::Subject {
        match n {
            Node::Iri(i) => o::NamedNode::new_unchecked(i.as_str()).into(),
            Node::Blank(b) => o::BlankNode::new_unchecked(b.as_str()).into(),
        }
    };
    let object: o::Term = match &q.object {
        Object::Node(Node::Iri(i)) => o::NamedNode::new_unchecked(i.as_str()).into(),
        Object::Node(Node::Blank(b)) => o::BlankNode::new_unchecked(b.as_str()).into(),
        Object::Literal(l) => match &l.language {
            Some(lang) => o::Literal::new_language_tagged_literal_unchecked(&l.value, lang).into(),
            None => {
                o::Literal::new_typed_literal(&l.value, o::NamedNode::new_unchecked(&l.datatype))
                    .into()
            }
        },
    };
    let graph: o::GraphName = match &q.graph {
        None => o::GraphName::DefaultGraph,
        Some(Node::Iri(i)) => o::NamedNode::new_unchecked(i.as_str()).into(),
        Some(Node::Blank(b)) => o::BlankNode::new_unchecked(b.as_str()).into(),
    };
    o::Quad::new(
        node(&q.subject),
        o::NamedNode::new_unchecked(q.predicate.as_str()),
        object,
        graph,
    )
}

/// oxrdf 0.3 (oxjsonld) → badgesafe.
pub fn from_oxrdf03(q: &oxrdf::Quad) -> Quad {
    let n = |s: &oxrdf::NamedOrBlankNode| match s {
        oxrdf::NamedOrBlankNode::NamedNode(n) => Node::Iri(n.as_str().to_owned()),
        oxrdf::NamedOrBlankNode::BlankNode(b) => Node::Blank(b.as_str().to_owned()),
    };
    let object = match &q.object {
        oxrdf::Term::NamedNode(x) => Object::Node(Node::Iri(x.as_str().to_owned())),
        oxrdf::Term::BlankNode(b) => Object::Node(Node::Blank(b.as_str().to_owned())),
        oxrdf::Term::Literal(l) => {
            Object::Literal(literal(l.value(), l.datatype().as_str(), l.language()))
        }
    };
    let graph = match &q.graph_name {
        oxrdf::GraphName::NamedNode(x) => Some(Node::Iri(x.as_str().to_owned())),
        oxrdf::GraphName::BlankNode(b) => Some(Node::Blank(b.as_str().to_owned())),
        oxrdf::GraphName::DefaultGraph => None,
    };
    Quad {
        subject: n(&q.subject),
        predicate: q.predicate.as_str().to_owned(),
        object,
        graph,
    }
}

/// Parses an N-Quads file with oxttl.
pub fn parse_nquads(path: &std::path::Path) -> Vec<Quad> {
    try_parse_nquads(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses an N-Quads file with oxttl; generalized RDF (blank node predicates) is an error.
pub fn try_parse_nquads(path: &std::path::Path) -> Result<Vec<Quad>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    oxttl::NQuadsParser::new()
        .for_slice(&bytes)
        .map(|q| q.map(|q| from_oxrdf02(&q)).map_err(|e| e.to_string()))
        .collect()
}

/// oxjsonld's quads for `doc`, with contexts from badgesafe's pinned set only; `Err` is
/// oxjsonld's first error.
pub fn oxjsonld_quads(doc: &serde_json::Value) -> Result<Vec<Quad>, String> {
    use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
    let bytes = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
    JsonLdParser::new()
        .for_slice(&bytes)
        .with_load_document_callback(|url, _| match badgesafe_contexts::get(url) {
            Some(c) => Ok(JsonLdRemoteDocument {
                document: c.body.as_bytes().to_vec(),
                document_url: c.url.to_owned(),
            }),
            None => Err(format!("unknown context {url}").into()),
        })
        .map(|q| q.map(|q| from_oxrdf03(&q)).map_err(|e| e.to_string()))
        .collect()
}
