//! Files that must survive a crash: atomic replacement, bounded reads, and an exclusive lock
//! for a folder that several processes may use at once.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A file operation that failed, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("{what} {}: {source}", path.display())]
pub struct Error {
    /// What was being done ("writing", "reading", …).
    pub what: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

fn err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error {
        what,
        path: path.to_path_buf(),
        source,
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file next to `path` holding `bytes`, not yet flushed. It takes the permissions
/// of the file it will replace (a new file is readable by its owner only); `private` forces
/// 0600.
fn stage(path: &Path, bytes: &[u8], private: bool) -> Result<tempfile::NamedTempFile, Error> {
    let dir = parent_dir(path);
    let mut tmp =
        tempfile::NamedTempFile::new_in(&dir).map_err(err("creating a temporary file in", &dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = if private {
            Some(0o600)
        } else {
            std::fs::metadata(path)
                .ok()
                .map(|m| m.permissions().mode() & 0o777)
        };
        if let Some(mode) = mode {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(err("setting the permissions of", path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes).map_err(err("writing", path))?;
    Ok(tmp)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename,
/// fsync of the folder. After a crash the file holds either the old or the new content, never
/// a mix. `private` makes the file readable by its owner only (0600); otherwise a replaced
/// file keeps its permissions.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<(), Error> {
    let tmp = stage(path, bytes, private)?;
    tmp.as_file().sync_all().map_err(err("syncing", path))?;
    tmp.persist(path)
        .map_err(|e| err("renaming into", path)(e.error))?;
    sync_dir(&parent_dir(path))
}

/// Writes many files atomically with one flush for all of them instead of one per file: each
/// new content goes to a temporary file next to its target, all are made durable together
/// (Linux `syncfs`, once per file system), and only then is each renamed over its target and
/// each folder synced once. After a crash every file holds its old or its new content.
pub fn write_many_atomic(items: &[(&Path, &[u8])]) -> Result<(), Error> {
    let staged = items
        .iter()
        .map(|(path, bytes)| stage(path, bytes, false).map(|t| (t, *path)))
        .collect::<Result<Vec<_>, Error>>()?;
    flush(&staged)?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (tmp, path) in staged {
        tmp.persist(path)
            .map_err(|e| err("renaming into", path)(e.error))?;
        let dir = parent_dir(path);
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs.iter().try_for_each(|d| sync_dir(d))
}

#[cfg(target_os = "linux")]
fn flush(staged: &[(tempfile::NamedTempFile, &Path)]) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt as _;
    let mut devices = Vec::new();
    for (tmp, path) in staged {
        let dev = tmp
            .as_file()
            .metadata()
            .map_err(err("reading the metadata of", path))?
            .dev();
        if !devices.contains(&dev) {
            devices.push(dev);
            rustix::fs::syncfs(tmp.as_file())
                .map_err(|e| err("syncing the file system of", path)(e.into()))?;
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn flush(staged: &[(tempfile::NamedTempFile, &Path)]) -> Result<(), Error> {
    for (tmp, path) in staged {
        tmp.as_file().sync_all().map_err(err("syncing", path))?;
    }
    Ok(())
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(err("syncing folder", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let meta = std::fs::metadata(path).map_err(err("reading", path))?;
    if !meta.is_file() {
        return Err(err("reading", path)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if meta.len() > limit {
        return Err(err("reading", path)(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} bytes, larger than the limit of {limit} bytes",
                meta.len()
            ),
        )));
    }
    std::fs::read(path).map_err(err("reading", path))
}

/// An exclusive lock on a lock file, held until dropped. A second process that asks for the
/// same lock gets an error at once instead of waiting.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Takes the lock on `path` (created if missing).
    pub fn try_acquire(path: &Path) -> Result<Self, Error> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(err("opening the lock file", path))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(err("locking", path)(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "another badgesafe process holds this lock",
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(err("locking", path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_files() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a.json");
        write_atomic(&p, b"one", false).unwrap();
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
        let e = write_atomic(&t.path().join("no/such/dir/x"), b"x", false).unwrap_err();
        assert!(
            e.to_string().contains("creating a temporary file in"),
            "{e}"
        );
    }

    #[test]
    fn many_files_are_replaced_together_keeping_their_permissions() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a.json");
        let b = t.path().join("sub/b.json");
        std::fs::create_dir(t.path().join("sub")).unwrap();
        std::fs::write(&a, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_many_atomic(&[(&a, b"new a"), (&b, b"new b")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&a).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 2);
        assert_eq!(std::fs::read_dir(t.path().join("sub")).unwrap().count(), 1);
        // A target in a missing folder fails before anything is replaced.
        let missing = t.path().join("nope/c.json");
        let e = write_many_atomic(&[(&a, b"newer"), (&missing, b"c")]).unwrap_err();
        assert!(
            e.to_string().contains("creating a temporary file in"),
            "{e}"
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
    }

    #[test]
    fn reads_are_bounded() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("big");
        std::fs::write(&p, vec![0u8; 100]).unwrap();
        assert_eq!(read_limited(&p, 100).unwrap().len(), 100);
        let e = read_limited(&p, 99).unwrap_err().to_string();
        assert!(
            e.contains("100 bytes, larger than the limit of 99 bytes"),
            "{e}"
        );
        let e = read_limited(t.path(), 99).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn a_lock_is_exclusive_until_dropped() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(".lock");
        let held = Lock::try_acquire(&p).unwrap();
        let e = Lock::try_acquire(&p).unwrap_err().to_string();
        assert!(
            e.contains("another badgesafe process holds this lock"),
            "{e}"
        );
        drop(held);
        Lock::try_acquire(&p).unwrap();
    }
}
