//! Durable batch records: one JSON file per batch in a folder (an issuer's `batches/`), named
//! by the batch root, rewritten atomically at every step.
//!
//! A record holds the leaves in issuance order (so the tree and every proof can be made again),
//! the ledger's saved [`Step`], the [`Anchored`] result once the ledger reports it, and whether
//! the proofs were delivered. While proofs are being delivered it also names the files they go
//! to; those names are dropped once the batch is done, since they may name people.
//!
//! The folder is locked while a [`Batches`] is open, so two processes never work on the same
//! batches at once.

use crate::{Anchored, Error, Event, Ledger, Step};
use badgesafe_anchor::Receipt;
use badgesafe_merkle::{Hash, Tree};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` of a batch record.
pub const FORMAT: &str = "badgesafe-batch/1";
/// Largest batch record read.
const MAX_RECORD_BYTES: u64 = 256 * 1024 * 1024;

/// One batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    pub format: String,
    /// The Merkle root, hex.
    pub root: String,
    /// When the batch was made, RFC 3339.
    pub created: String,
    /// `local` or `ethereum`.
    pub ledger: String,
    /// The leaves in issuance order, hex.
    pub leaves: Vec<String>,
    /// Where each leaf's proof goes, while the batch is not done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// What the ledger saved before acting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
    /// The anchor, once the ledger reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchored: Option<Anchored>,
    /// Whether every proof was delivered.
    #[serde(default)]
    pub done: bool,
}

impl Record {
    /// The leaves as hashes, checked to give the record's root.
    pub fn tree(&self) -> Result<Tree, Error> {
        let bad = |why: String| Error::Batch(format!("batch record {}: {why}", self.root));
        let leaves = self
            .leaves
            .iter()
            .enumerate()
            .map(|(i, h)| {
                badgesafe_anchor::proof_value::parse_hash(h, "leaf")
                    .map_err(|_| bad(format!("leaf {} is not a 32-byte hex hash", i + 1)))
            })
            .collect::<Result<Vec<Hash>, Error>>()?;
        let tree = Tree::new(leaves)?;
        if hex::encode(tree.root()) != self.root {
            return Err(bad("its leaves do not give its root".into()));
        }
        Ok(tree)
    }

    /// The receipt for each leaf, once anchored.
    pub fn receipts(&self) -> Result<Vec<Receipt>, Error> {
        let Some(anchored) = &self.anchored else {
            return Err(Error::Batch(format!(
                "batch {} is not anchored yet",
                self.root
            )));
        };
        let tree = self.tree()?;
        let anchor = anchored.anchor();
        (0..tree.len())
            .map(|i| {
                Ok(Receipt {
                    merkle_root: tree.root(),
                    target_hash: tree
                        .leaf(i)
                        .ok_or_else(|| Error::Batch(format!("batch {}: no leaf {i}", self.root)))?,
                    path: tree.proof(i)?,
                    anchors: vec![anchor.clone()],
                })
            })
            .collect()
    }
}

/// The batch folder, locked while open.
#[derive(Debug)]
pub struct Batches {
    dir: PathBuf,
    _lock: badgesafe_fs::Lock,
}

impl Batches {
    /// Opens (creating) the folder and takes its lock.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|source| badgesafe_fs::Error {
            what: "creating",
            path: dir.to_path_buf(),
            source,
        })?;
        let lock = badgesafe_fs::Lock::try_acquire(&dir.join(".lock"))?;
        Ok(Batches {
            dir: dir.to_path_buf(),
            _lock: lock,
        })
    }

    fn path(&self, root: &str) -> PathBuf {
        self.dir.join(format!("{root}.json"))
    }

    /// The record of the batch with `root`, if there is one.
    pub fn get(&self, root: &str) -> Result<Option<Record>, Error> {
        let path = self.path(root);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = badgesafe_fs::read_limited(&path, MAX_RECORD_BYTES)?;
        let rec: Record = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Batch(format!("{} is not a batch record: {e}", path.display())))?;
        if rec.format != FORMAT {
            return Err(Error::Batch(format!(
                "{} has format {:?}, not {FORMAT}",
                path.display(),
                rec.format
            )));
        }
        if rec.root != root {
            return Err(Error::Batch(format!(
                "{} holds the batch {}",
                path.display(),
                rec.root
            )));
        }
        Ok(Some(rec))
    }

    /// Batches not done yet, oldest first.
    pub fn unfinished(&self) -> Result<Vec<Record>, Error> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|source| badgesafe_fs::Error {
            what: "listing",
            path: self.dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(root) = name.strip_suffix(".json") else {
                continue;
            };
            if root.len() != 64 || !root.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            if let Some(rec) = self.get(root)?
                && !rec.done
            {
                out.push(rec);
            }
        }
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.root.cmp(&b.root)));
        Ok(out)
    }

    /// Saves `rec` atomically.
    pub fn save(&self, rec: &Record) -> Result<(), Error> {
        let text = serde_json::to_vec_pretty(rec)
            .map_err(|e| Error::Batch(format!("encoding batch {}: {e}", rec.root)))?;
        badgesafe_fs::write_atomic(&self.path(&rec.root), &text, false)?;
        Ok(())
    }

    /// Records a new batch of `leaves` whose proofs go to `targets` (same order). A batch with
    /// the same leaves that is not done is returned as it stands; one that is done is refused,
    /// since its credentials are anchored already.
    pub fn create(
        &self,
        ledger: &str,
        leaves: &[Hash],
        targets: Vec<String>,
    ) -> Result<Record, Error> {
        if targets.len() != leaves.len() {
            return Err(Error::Batch(format!(
                "{} leaves but {} targets",
                leaves.len(),
                targets.len()
            )));
        }
        let tree = Tree::new(leaves.to_vec())?;
        let root = hex::encode(tree.root());
        if let Some(existing) = self.get(&root)? {
            if existing.done {
                return Err(Error::Batch(format!(
                    "these credentials were anchored already, as batch {root} ({})",
                    existing
                        .anchored
                        .as_ref()
                        .map_or("no details", |a| a.summary.as_str())
                )));
            }
            return Ok(existing);
        }
        let rec = Record {
            format: FORMAT.into(),
            root,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ledger: ledger.into(),
            leaves: leaves.iter().map(hex::encode).collect(),
            targets,
            step: None,
            anchored: None,
            done: false,
        };
        self.save(&rec)?;
        Ok(rec)
    }

    /// Anchors the batch with `ledger` unless it is anchored already, saving every step.
    pub fn anchor(
        &self,
        rec: &mut Record,
        ledger: &dyn Ledger,
        progress: &dyn Fn(Event),
    ) -> Result<Anchored, Error> {
        if let Some(a) = &rec.anchored {
            return Ok(a.clone());
        }
        if rec.ledger != ledger.name() {
            return Err(Error::Batch(format!(
                "batch {} was started on the {} ledger; finish it with --ledger {}",
                rec.root, rec.ledger, rec.ledger
            )));
        }
        let root = rec.tree()?.root();
        let pending = rec.step.clone();
        let mut working = rec.clone();
        let result = ledger.anchor(
            &root,
            pending.as_ref(),
            &mut |step: &Step| {
                working.step = Some(step.clone());
                self.save(&working)
            },
            progress,
        );
        rec.step = working.step;
        let anchored = result?;
        rec.anchored = Some(anchored.clone());
        self.save(rec)?;
        Ok(anchored)
    }

    /// Marks the batch done: every proof delivered. The target names are dropped.
    pub fn finish(&self, rec: &mut Record) -> Result<(), Error> {
        rec.done = true;
        rec.targets.clear();
        self.save(rec)
    }
}
