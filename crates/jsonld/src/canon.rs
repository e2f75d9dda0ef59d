//! RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 21 May 2024), §4.
//!
//! Blank nodes are numbered once and handled by index; quads are serialized only where the
//! algorithm hashes or outputs them. Poison graphs are refused: the Hash N-Degree Quads
//! algorithm may run at most [`HNDQ_CALL_LIMIT`] times and try at most [`PERMUTATION_LIMIT`]
//! permutations per canonicalization.

use crate::Error;
use crate::quad::{Node, Object, Quad, write_quad};
use sha2::Digest;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How often Hash N-Degree Quads may run (the default of `rdf-canon`).
const HNDQ_CALL_LIMIT: usize = 4000;
/// How many permutations all Hash N-Degree Quads runs may try together.
const PERMUTATION_LIMIT: usize = 100_000;

/// An identifier issuer (§4.5): blank node index → `{prefix}{n}`, in issuance order.
#[derive(Clone)]
struct Issuer {
    prefix: &'static str,
    issued: HashMap<usize, String>,
    order: Vec<usize>,
}

impl Issuer {
    fn new(prefix: &'static str) -> Self {
        Issuer {
            prefix,
            issued: HashMap::new(),
            order: Vec::new(),
        }
    }

    fn get(&self, node: usize) -> Option<&str> {
        self.issued.get(&node).map(String::as_str)
    }

    fn issue(&mut self, node: usize) -> &str {
        let next = self.order.len();
        let prefix = self.prefix;
        let order = &mut self.order;
        self.issued.entry(node).or_insert_with(|| {
            order.push(node);
            format!("{prefix}{next}")
        })
    }
}

fn poison(why: &str) -> Error {
    Error::Canonicalization(format!(
        "the dataset needs too much work to canonicalize ({why}); it may be a poison graph"
    ))
}

struct State<'a, D> {
    quads: Vec<&'a Quad>,
    labels: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// For each blank node, the quads it appears in.
    node_quads: Vec<Vec<usize>>,
    first_degree: Vec<String>,
    canonical: Issuer,
    calls: usize,
    permutations: usize,
    _digest: std::marker::PhantomData<D>,
}

fn blank(node: &Node) -> Option<&str> {
    match node {
        Node::Blank(b) => Some(b),
        Node::Iri(_) => None,
    }
}

/// The blank nodes of a quad with their positions.
fn components(q: &Quad) -> impl Iterator<Item = (&str, char)> {
    let object = match &q.object {
        Object::Node(n) => blank(n),
        Object::Literal(_) => None,
    };
    [
        (blank(&q.subject), 's'),
        (object, 'o'),
        (q.graph.as_ref().and_then(blank), 'g'),
    ]
    .into_iter()
    .filter_map(|(b, p)| b.map(|b| (b, p)))
}

impl<'a, D: Digest> State<'a, D> {
    fn hex_hash(data: &[u8]) -> String {
        hex::encode(D::digest(data))
    }

    /// Hash First Degree Quads (§4.6).
    fn hash_first_degree(&self, node: usize) -> String {
        let me = self.labels[node];
        let mut lines: Vec<String> = self.node_quads[node]
            .iter()
            .map(|&qi| {
                let mut line = String::new();
                write_quad(&mut line, self.quads[qi], &|b, out| {
                    out.push_str(if b == me { "a" } else { "z" });
                });
                line
            })
            .collect();
        lines.sort_unstable();
        Self::hex_hash(lines.concat().as_bytes())
    }

    /// Hash Related Blank Node (§4.7).
    fn hash_related(&self, related: usize, quad: &Quad, issuer: &Issuer, position: char) -> String {
        let mut input = String::new();
        input.push(position);
        if position != 'g' {
            input.push('<');
            input.push_str(&quad.predicate);
            input.push('>');
        }
        if let Some(id) = self.canonical.get(related).or_else(|| issuer.get(related)) {
            input.push_str("_:");
            input.push_str(id);
        } else {
            input.push_str(&self.first_degree[related]);
        }
        Self::hex_hash(input.as_bytes())
    }

    /// Hash N-Degree Quads (§4.8).
    fn hash_n_degree(&mut self, node: usize, issuer: &Issuer) -> Result<(String, Issuer), Error> {
        self.calls += 1;
        if self.calls > HNDQ_CALL_LIMIT {
            return Err(poison("too many recursive hashes"));
        }
        let mut issuer = issuer.clone();
        // 1-3
        let mut related_by_hash: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &qi in &self.node_quads[node] {
            let quad = self.quads[qi];
            for (label, position) in components(quad) {
                let Some(&related) = self.index.get(label) else {
                    continue;
                };
                if related == node {
                    continue;
                }
                let hash = self.hash_related(related, quad, &issuer, position);
                related_by_hash.entry(hash).or_default().push(related);
            }
        }
        // 4, 5
        let mut data = String::new();
        for (related_hash, mut nodes) in related_by_hash {
            data.push_str(&related_hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            nodes.sort_unstable();
            let mut permutation = nodes;
            loop {
                self.permutations += 1;
                if self.permutations > PERMUTATION_LIMIT {
                    return Err(poison("too many permutations"));
                }
                if let Some((path, copy)) =
                    self.try_permutation(&permutation, &issuer, &chosen_path)?
                {
                    chosen_path = path;
                    chosen_issuer = Some(copy);
                }
                if !next_permutation(&mut permutation) {
                    break;
                }
            }
            data.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        Ok((Self::hex_hash(data.as_bytes()), issuer))
    }

    /// Step 5.4 for one permutation: its path and issuer, if it beats `chosen_path`.
    fn try_permutation(
        &mut self,
        permutation: &[usize],
        issuer: &Issuer,
        chosen_path: &str,
    ) -> Result<Option<(String, Issuer)>, Error> {
        let worse = |path: &str| {
            !chosen_path.is_empty() && path.len() >= chosen_path.len() && path > chosen_path
        };
        let mut copy = issuer.clone();
        let mut path = String::new();
        let mut recursion = Vec::new();
        for &related in permutation {
            if let Some(id) = self.canonical.get(related) {
                path.push_str("_:");
                path.push_str(id);
            } else {
                if copy.get(related).is_none() {
                    recursion.push(related);
                }
                path.push_str("_:");
                path.push_str(copy.issue(related));
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for related in recursion {
            let (hash, result_issuer) = self.hash_n_degree(related, &copy)?;
            path.push_str("_:");
            path.push_str(copy.issue(related));
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            copy = result_issuer;
            if worse(&path) {
                return Ok(None);
            }
        }
        if chosen_path.is_empty() || path.as_str() < chosen_path {
            Ok(Some((path, copy)))
        } else {
            Ok(None)
        }
    }
}

/// The next permutation in lexicographic order; `false` after the last one.
fn next_permutation(items: &mut [usize]) -> bool {
    let n = items.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && items[i - 1] >= items[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while items[j] <= items[i - 1] {
        j -= 1;
    }
    items.swap(i - 1, j);
    items[i..].reverse();
    true
}

/// The canonical N-Quads of `quads` and the canonical label of every blank node label.
pub(crate) fn canonicalize<D: Digest>(
    quads: &[Quad],
) -> Result<(String, HashMap<String, String>), Error> {
    // A dataset is a set: duplicates count once.
    let mut seen = HashSet::new();
    let quads: Vec<&Quad> = quads.iter().filter(|q| seen.insert(*q)).collect();
    let mut state = State::<D> {
        labels: Vec::new(),
        index: HashMap::new(),
        node_quads: Vec::new(),
        first_degree: Vec::new(),
        canonical: Issuer::new("c14n"),
        calls: 0,
        permutations: 0,
        quads,
        _digest: std::marker::PhantomData,
    };
    // 2
    for (qi, quad) in state.quads.iter().enumerate() {
        for (label, _) in components(quad) {
            let next = state.labels.len();
            let node = *state.index.entry(label).or_insert(next);
            if node == next {
                state.labels.push(label);
                state.node_quads.push(Vec::new());
            }
            if state.node_quads[node].last() != Some(&qi) {
                state.node_quads[node].push(qi);
            }
        }
    }
    // 3
    let mut by_hash: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for node in 0..state.labels.len() {
        let hash = state.hash_first_degree(node);
        state.first_degree.push(hash.clone());
        by_hash.entry(hash).or_default().push(node);
    }
    // 4
    by_hash.retain(|_, nodes| {
        if let [only] = nodes.as_slice() {
            state.canonical.issue(*only);
            false
        } else {
            true
        }
    });
    // 5
    for nodes in by_hash.into_values() {
        let mut paths = Vec::new();
        for node in nodes {
            if state.canonical.get(node).is_some() {
                continue;
            }
            let mut temporary = Issuer::new("b");
            temporary.issue(node);
            paths.push(state.hash_n_degree(node, &temporary)?);
        }
        paths.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in paths {
            for node in issuer.order {
                state.canonical.issue(node);
            }
        }
    }
    // 6, 7
    let labels: HashMap<&str, &str> = state
        .index
        .iter()
        .filter_map(|(label, node)| state.canonical.get(*node).map(|c| (*label, c)))
        .collect();
    let mut lines: Vec<String> = state
        .quads
        .iter()
        .map(|q| {
            let mut line = String::new();
            write_quad(&mut line, q, &|b, out| {
                out.push_str(labels.get(b).copied().unwrap_or(b))
            });
            line
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    let map = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Ok((lines.concat(), map))
}

#[cfg(test)]
mod tests {
    use super::next_permutation;

    #[test]
    fn permutations_are_all_visited_once() {
        let mut items = vec![0, 1, 2, 3];
        let mut seen = vec![items.clone()];
        while next_permutation(&mut items) {
            seen.push(items.clone());
        }
        assert_eq!(seen.len(), 24);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 24);
        assert!(!next_permutation(&mut [7]));
    }
}
