//! The embedded default ledger: the issuer's own anchor log (`anchor-log.jsonl`).
//!
//! Each batch root becomes one line, signed with the issuer's Ed25519 key and chained to the
//! line before by its hash (`badgesafe_anchor::log`). A new line is written by replacing the
//! whole file atomically, so a crash leaves the old log or the new one, never a torn line. The
//! log is checked in full before every append; a log that does not check out is never
//! extended. Anchoring a root that is already in the log returns its entry.

use crate::{Anchored, Error, Event, Ledger, Save, Step};
use badgesafe_anchor::log::{self, Entry};
use badgesafe_crypto::Ed25519Signer;
use badgesafe_merkle::Hash;
use std::path::{Path, PathBuf};

/// The log's file name in an issuer folder.
pub const LOG_FILE: &str = "anchor-log.jsonl";
/// Largest log read (about three million batches).
pub const MAX_LOG_BYTES: u64 = 1 << 30;

/// The issuer's own anchor log.
pub struct LocalLog<'a> {
    path: PathBuf,
    issuer: String,
    key_id: String,
    signer: &'a Ed25519Signer,
}

impl<'a> LocalLog<'a> {
    /// The log at `path`, kept by `issuer`, signed by `signer` whose verification method is
    /// `key_id`.
    pub fn new(path: &Path, issuer: &str, key_id: &str, signer: &'a Ed25519Signer) -> Self {
        LocalLog {
            path: path.to_path_buf(),
            issuer: issuer.to_owned(),
            key_id: key_id.to_owned(),
            signer,
        }
    }

    fn bad(&self, why: impl Into<String>) -> Error {
        Error::Log {
            path: self.path.display().to_string(),
            why: why.into(),
        }
    }

    /// Reads and checks the whole log.
    pub fn entries(&self) -> Result<Vec<Entry>, Error> {
        self.read().map(|(_, entries)| entries)
    }

    fn read(&self) -> Result<(String, Vec<Entry>), Error> {
        let text = match badgesafe_fs::read_limited(&self.path, MAX_LOG_BYTES) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| self.bad("not UTF-8 text"))?,
            Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e.into()),
        };
        let entries = log::check_log(&text, &self.signer.public())
            .map_err(|e| self.bad(format!("{e}; it is not extended until it is repaired")))?;
        if let Some(other) = entries.iter().find(|e| e.log != self.issuer) {
            return Err(self.bad(format!(
                "entry {} belongs to {}, not to {}",
                other.seq, other.log, self.issuer
            )));
        }
        Ok((text, entries))
    }
}

fn anchored(e: &Entry) -> Anchored {
    Anchored {
        ledger: "local".into(),
        chain_id: 0,
        tx: e.to_tx(),
        time: e.time.clone(),
        position: e.seq,
        summary: format!(
            "recorded as entry {} of the issuer's own anchor log (not a public blockchain) at {}",
            e.seq, e.time
        ),
    }
}

impl Ledger for LocalLog<'_> {
    fn name(&self) -> &'static str {
        "local"
    }

    fn anchor(
        &self,
        root: &Hash,
        _pending: Option<&Step>,
        _save: &mut Save<'_>,
        _progress: &dyn Fn(Event),
    ) -> Result<Anchored, Error> {
        let mut lock_name = self.path.as_os_str().to_owned();
        lock_name.push(".lock");
        let _lock = badgesafe_fs::Lock::try_acquire(Path::new(&lock_name))?;
        let (mut text, entries) = self.read()?;
        if let Some(e) = entries.iter().find(|e| e.root == *root) {
            return Ok(anchored(e));
        }
        let prev = entries.last().map_or(log::GENESIS, Entry::hash);
        let time = chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .to_string();
        let entry = Entry::new_signed(
            &self.issuer,
            entries.len() as u64 + 1,
            &time,
            *root,
            prev,
            &self.key_id,
            self.signer,
        );
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&entry.to_line());
        text.push('\n');
        badgesafe_fs::write_atomic(&self.path, text.as_bytes(), false)?;
        Ok(anchored(&entry))
    }
}
