//! The student's wallet: one encrypted vault file (age, see [`vault`]), badges imported from
//! anywhere ([`import`]), and presentations signed by the holder ([`present`]).

pub mod contents;
pub mod import;
pub mod present;
pub mod recovery;
pub mod share;
pub mod vault;

pub use contents::{Badge, Contents, Holder, Kind};
pub use vault::{Secret, Vault};

use std::path::PathBuf;

/// Why a wallet operation failed, in words a student can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file does not start with the vault header.
    #[error("this file is not a badgesafe vault")]
    NotAVault,
    /// A vault written by a newer badgesafe.
    #[error(
        "this vault was made by a newer badgesafe (format {found}); this version reads format {supported}: update badgesafe"
    )]
    Newer {
        /// The format found.
        found: u32,
        /// The newest format this version reads.
        supported: u32,
    },
    /// The vault file is damaged or cut short.
    #[error("the vault file is damaged: {0}")]
    Damaged(String),
    /// The passphrase does not open the vault.
    #[error("wrong passphrase: it does not open this vault")]
    WrongPassphrase,
    /// The recovery code does not open the vault.
    #[error("wrong recovery code: it does not open this vault")]
    WrongRecoveryCode,
    /// The typed recovery code cannot be one.
    #[error("that is not a recovery code: {0}")]
    BadRecoveryCode(String),
    /// A new passphrase that is too short.
    #[error("the passphrase must have at least {0} characters")]
    WeakPassphrase(usize),
    /// Creating a vault where a file exists.
    #[error("{0} exists already; choose another file name (a vault is never overwritten)")]
    Exists(PathBuf),
    /// No badge with that id.
    #[error("no badge {0} in the wallet")]
    NoSuchBadge(String),
    /// A presentation that cannot be made.
    #[error("{0}")]
    Present(String),
    /// A badge that cannot be exported.
    #[error("{0}")]
    Export(String),
    /// Encryption failed.
    #[error("encryption failed: {0}")]
    Crypto(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
}

impl From<badgesafe_fs::Error> for Error {
    fn from(e: badgesafe_fs::Error) -> Self {
        if e.source.kind() == std::io::ErrorKind::InvalidData {
            // read_limited: over the size limit.
            return Error::Damaged(e.to_string());
        }
        Error::Io(e.to_string())
    }
}
