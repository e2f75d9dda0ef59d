//! The Merkle tree of a batch, as Blockcerts builds it (`blockcerts-merkletools`,
//! `shared/spec/ANCHORING.md` §1): leaves are SHA-256 digests in issuance order, a parent is
//! `SHA-256(left ‖ right)` over the raw bytes with no domain prefix, and an odd last node is
//! promoted unchanged to the next level. A proof lists the siblings bottom-up; a promoted node
//! contributes no step.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// One step of a proof: the sibling to hash with, and on which side it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `parent = SHA-256(sibling ‖ current)`.
    Left(Hash),
    /// `parent = SHA-256(current ‖ sibling)`.
    Right(Hash),
}

/// Errors building a tree.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A batch needs at least one leaf.
    #[error("a Merkle tree needs at least one leaf")]
    Empty,
    /// A proof was asked for a leaf the tree does not have.
    #[error("leaf {index} is out of range: the tree has {len} leaves")]
    NoSuchLeaf {
        /// The leaf asked for.
        index: usize,
        /// How many leaves there are.
        len: usize,
    },
}

/// `SHA-256(left ‖ right)`.
pub fn parent(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A Merkle tree: every level, leaves first.
#[derive(Debug, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Builds the tree over `leaves`, in their order.
    pub fn new(leaves: Vec<Hash>) -> Result<Self, Error> {
        if leaves.is_empty() {
            return Err(Error::Empty);
        }
        let mut levels = vec![leaves];
        while let Some(level) = levels.last()
            && level.len() > 1
        {
            let next: Vec<Hash> = level
                .chunks(2)
                // `chunks` never yields an empty slice: one node left over is promoted.
                .map(|pair| match pair {
                    [l, r] => parent(l, r),
                    _ => pair[0],
                })
                .collect();
            levels.push(next);
        }
        Ok(Tree { levels })
    }

    /// How many leaves the tree has.
    pub fn len(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
    }

    /// Whether the tree has no leaves (never true for a built tree).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The root.
    pub fn root(&self) -> Hash {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_default()
    }

    /// The leaf at `index`.
    pub fn leaf(&self, index: usize) -> Option<Hash> {
        self.levels.first().and_then(|l| l.get(index)).copied()
    }

    /// The proof of the leaf at `index`, bottom-up.
    pub fn proof(&self, index: usize) -> Result<Vec<Step>, Error> {
        if index >= self.len() {
            return Err(Error::NoSuchLeaf {
                index,
                len: self.len(),
            });
        }
        let mut steps = Vec::with_capacity(self.levels.len());
        let mut i = index;
        for level in &self.levels[..self.levels.len() - 1] {
            if i % 2 == 1 {
                steps.push(Step::Left(level[i - 1]));
            } else if let Some(right) = level.get(i + 1) {
                steps.push(Step::Right(*right));
            }
            i /= 2;
        }
        Ok(steps)
    }
}

/// The root a proof leads to from `target`.
pub fn root_from(target: &Hash, path: &[Step]) -> Hash {
    path.iter().fold(*target, |h, step| match step {
        Step::Left(l) => parent(l, &h),
        Step::Right(r) => parent(&h, r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hash {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| Sha256::digest(i.to_le_bytes()).into())
            .collect()
    }

    /// The cert-issuer batch in shared/data/blockcerts/generated/mock (3 leaves, odd promoted).
    #[test]
    fn cert_issuer_mock_batch() {
        let l0 = h("da3d2e5d401aeb40b780bbcf1558a6678cca6acc0bc8c899e6df6266b354fb7a");
        let l1 = h("ecfd00a07825d62d6854a6a0328d2a0798b20b1f3ac5548eedcd8bf779b747f1");
        let l2 = h("00a0eda010800e7a1fd1ac2a7a8f4d03e01fb94b0b4694a44590131cf7842a21");
        let tree = Tree::new(vec![l0, l1, l2]).unwrap();
        assert_eq!(
            tree.root(),
            h("550484fb5ab80be03e458fb834a9b136c512232b20b05385d3156c7a5bd975f7")
        );
        assert_eq!(
            tree.proof(0).unwrap(),
            vec![Step::Right(l1), Step::Right(l2)]
        );
        assert_eq!(
            tree.proof(1).unwrap(),
            vec![Step::Left(l0), Step::Right(l2)]
        );
        assert_eq!(tree.proof(2).unwrap(), vec![Step::Left(parent(&l0, &l1))]);
    }

    #[test]
    fn every_proof_leads_to_the_root_and_grows_with_log2() {
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 1000] {
            let ls = leaves(n);
            let tree = Tree::new(ls.clone()).unwrap();
            let bound = (usize::BITS - (n - 1).leading_zeros()) as usize;
            for (i, leaf) in ls.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(proof.len() <= bound, "n={n} i={i}: {} steps", proof.len());
                assert_eq!(root_from(leaf, &proof), tree.root(), "n={n} i={i}");
            }
        }
        assert_eq!(Tree::new(leaves(1)).unwrap().proof(0).unwrap(), vec![]);
    }

    #[test]
    fn a_wrong_leaf_or_step_misses_the_root() {
        let ls = leaves(9);
        let tree = Tree::new(ls.clone()).unwrap();
        let mut proof = tree.proof(4).unwrap();
        assert_ne!(root_from(&ls[5], &proof), tree.root());
        proof[0] = match proof[0] {
            Step::Left(x) => Step::Right(x),
            Step::Right(x) => Step::Left(x),
        };
        assert_ne!(root_from(&ls[4], &proof), tree.root());
    }

    #[test]
    fn empty_batches_and_missing_leaves_are_errors() {
        assert_eq!(Tree::new(Vec::new()).unwrap_err(), Error::Empty);
        let tree = Tree::new(leaves(3)).unwrap();
        assert_eq!(
            tree.proof(3).unwrap_err(),
            Error::NoSuchLeaf { index: 3, len: 3 }
        );
    }
}
