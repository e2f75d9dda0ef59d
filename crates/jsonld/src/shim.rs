//! oxjsonld produces oxrdf 0.3 quads; rdf-canon 0.15 still takes oxrdf 0.2 quads.

use crate::Error;
use oxrdf02 as old;

pub(crate) fn to_oxrdf02(quads: &[oxrdf::Quad]) -> Result<Vec<old::Quad>, Error> {
    quads.iter().map(convert_quad).collect()
}

fn convert_quad(q: &oxrdf::Quad) -> Result<old::Quad, Error> {
    let subject: old::Subject = match &q.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
        oxrdf::NamedOrBlankNode::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
    };
    let predicate = old::NamedNode::new_unchecked(q.predicate.as_str());
    let object: old::Term = match &q.object {
        oxrdf::Term::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
        oxrdf::Term::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
        oxrdf::Term::Literal(l) => match l.language() {
            Some(lang) => {
                old::Literal::new_language_tagged_literal_unchecked(l.value(), lang).into()
            }
            None => old::Literal::new_typed_literal(
                l.value(),
                old::NamedNode::new_unchecked(l.datatype().as_str()),
            )
            .into(),
        },
    };
    let graph_name = match &q.graph_name {
        oxrdf::GraphName::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
        oxrdf::GraphName::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
        oxrdf::GraphName::DefaultGraph => old::GraphName::DefaultGraph,
    };
    Ok(old::Quad::new(subject, predicate, object, graph_name))
}
