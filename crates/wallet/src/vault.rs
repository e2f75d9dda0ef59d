//! The vault file: three ASCII-armoured age files under a one-line header.
//!
//! ```text
//! badgesafe-vault 1
//! # (comment lines: how to open it with the age tool)
//! -----BEGIN AGE ENCRYPTED FILE-----   block 1: the vault key (an age X25519 identity),
//! …                                            encrypted with the passphrase (age scrypt)
//! -----END AGE ENCRYPTED FILE-----
//! -----BEGIN AGE ENCRYPTED FILE-----   block 2: the same key, encrypted with the recovery code
//! …
//! -----END AGE ENCRYPTED FILE-----
//! -----BEGIN AGE ENCRYPTED FILE-----   block 3: the wallet (JSON), encrypted to the vault key
//! …
//! -----END AGE ENCRYPTED FILE-----
//! ```
//!
//! Block 1 is what `age -p` writes for a passphrase-protected identity file, so with the age
//! tool alone: `age -d -i block1.age block3.age > wallet.json`. Saving re-encrypts block 3
//! only (no key derivation); changing the passphrase rewrites block 1.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use crate::Error;
use crate::contents::Contents;

/// The first line of every vault file, before the format number.
pub const MAGIC: &str = "badgesafe-vault";
/// The vault format this version reads and writes.
pub const FORMAT: u32 = 1;
/// The scrypt work factor (N = 2^17, 128 MiB, r = 8, p = 1) for new vaults and passphrases.
pub const WORK_FACTOR: u8 = 17;
/// The largest work factor a vault may ask for when it is opened (2^20: 1 GiB); larger is
/// refused before any work, so a hostile file cannot tie up the machine.
pub const MAX_WORK_FACTOR: u8 = 20;
/// The largest vault file read.
pub const MAX_VAULT_BYTES: u64 = 512 * 1024 * 1024;

const BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
const END: &str = "-----END AGE ENCRYPTED FILE-----";
const HELP: &str =
    "# A badgesafe wallet: Open Badges kept by their student. Without badgesafe, the age tool
# (https://age-encryption.org) opens it. Block 1 below is the vault key, encrypted with the
# passphrase; block 2 is the same key, encrypted with the recovery code (type it with its
# dashes); block 3 is the wallet itself (JSON), encrypted to that key. Save block 1 as key.age
# and block 3 as wallet.age, then run: age -d -i key.age wallet.age > wallet.json
";

/// What opens a vault.
#[derive(Clone, Copy)]
pub enum Secret<'a> {
    /// The student's passphrase.
    Passphrase(&'a str),
    /// The recovery code printed when the vault was made.
    RecoveryCode(&'a str),
}

/// The three armoured blocks of a vault file, unopened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The vault key under the passphrase.
    pub passphrase_key: String,
    /// The vault key under the recovery code.
    pub recovery_key: String,
    /// The wallet under the vault key.
    pub wallet: String,
}

impl Container {
    /// Reads a vault file's text: the header line, then exactly three armoured blocks.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default().trim_end();
        let Some(version) = first.strip_prefix(MAGIC) else {
            return Err(Error::NotAVault);
        };
        let version: u32 = version.trim().parse().map_err(|_| {
            Error::Damaged(format!("the header line {first:?} has no format number"))
        })?;
        if version > FORMAT {
            return Err(Error::Newer {
                found: version,
                supported: FORMAT,
            });
        }
        if version == 0 {
            return Err(Error::Damaged("format 0 does not exist".into()));
        }
        if !text.ends_with('\n') {
            return Err(Error::Damaged(
                "the file is cut short: its last line is incomplete".into(),
            ));
        }
        let mut blocks: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        for line in lines {
            let line = line.trim_end();
            match (&mut current, line) {
                (None, "") => {}
                (None, l) if l.starts_with('#') => {}
                (None, BEGIN) => current = Some(format!("{BEGIN}\n")),
                (None, l) => {
                    return Err(Error::Damaged(format!(
                        "unexpected text between blocks: {:?}",
                        l.chars().take(40).collect::<String>()
                    )));
                }
                (Some(block), END) => {
                    block.push_str(END);
                    block.push('\n');
                    blocks.push(std::mem::take(block));
                    current = None;
                }
                (Some(_), BEGIN) => {
                    return Err(Error::Damaged(format!(
                        "block {} has no end line",
                        blocks.len() + 1
                    )));
                }
                (Some(block), l) => {
                    block.push_str(l);
                    block.push('\n');
                }
            }
        }
        if current.is_some() {
            return Err(Error::Damaged(format!(
                "the file is cut short: block {} has no end line",
                blocks.len() + 1
            )));
        }
        match <[String; 3]>::try_from(blocks) {
            Ok([passphrase_key, recovery_key, wallet]) => Ok(Self {
                passphrase_key,
                recovery_key,
                wallet,
            }),
            Err(found) => Err(Error::Damaged(format!(
                "a vault has 3 blocks, this file has {} (is it cut short?)",
                found.len()
            ))),
        }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        format!(
            "{MAGIC} {FORMAT}\n{HELP}{}{}{}",
            self.passphrase_key, self.recovery_key, self.wallet
        )
    }
}

/// An open vault: its file, its key and what it holds.
pub struct Vault {
    path: PathBuf,
    key: age::x25519::Identity,
    container: Container,
    /// The wallet. Change it, then [`Vault::save`].
    pub contents: Contents,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("badges", &self.contents.badges.len())
            .finish_non_exhaustive()
    }
}

fn armor(plaintext: &[u8], recipient: &dyn age::Recipient) -> Result<String, Error> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient))
        .map_err(|e| Error::Crypto(e.to_string()))?;
    let armored =
        age::armor::ArmoredWriter::wrap_output(Vec::new(), age::armor::Format::AsciiArmor)
            .map_err(|e| Error::Crypto(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(armored)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    writer
        .write_all(plaintext)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    let armored = writer.finish().map_err(|e| Error::Crypto(e.to_string()))?;
    let bytes = armored.finish().map_err(|e| Error::Crypto(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Crypto(e.to_string()))
}

fn with_passphrase(plaintext: &[u8], passphrase: &str) -> Result<String, Error> {
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
    recipient.set_work_factor(WORK_FACTOR);
    armor(plaintext, &recipient)
}

/// Which block failed, for the error.
#[derive(Clone, Copy)]
enum Block {
    Passphrase,
    Recovery,
    Wallet,
}

fn dearmor(
    block: &str,
    which: Block,
    identity: &dyn age::Identity,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let damaged = |e: &dyn std::fmt::Display| {
        Error::Damaged(format!(
            "{} cannot be read: {e}",
            match which {
                Block::Passphrase => "block 1 (the key under the passphrase)",
                Block::Recovery => "block 2 (the key under the recovery code)",
                Block::Wallet => "block 3 (the wallet)",
            }
        ))
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(block.as_bytes()))
        .map_err(|e| damaged(&e))?;
    let mut reader = match decryptor.decrypt(std::iter::once(identity)) {
        Ok(r) => r,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
            return Err(match which {
                Block::Passphrase => Error::WrongPassphrase,
                Block::Recovery => Error::WrongRecoveryCode,
                Block::Wallet => Error::Damaged(
                    "block 3 (the wallet) is not encrypted to this vault's key".into(),
                ),
            });
        }
        Err(age::DecryptError::ExcessiveWork { required, .. }) => {
            return Err(Error::Damaged(format!(
                "the vault asks for a key derivation of 2^{required}, more than the 2^{MAX_WORK_FACTOR} badgesafe allows"
            )));
        }
        Err(e) => return Err(damaged(&e)),
    };
    let mut out = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut out).map_err(|e| damaged(&e))?;
    Ok(out)
}

fn scrypt_identity(secret: &str) -> age::scrypt::Identity {
    let mut id = age::scrypt::Identity::new(SecretString::from(secret.to_owned()));
    id.set_max_work_factor(MAX_WORK_FACTOR);
    id
}

/// Reads the vault file's text, refusing what is not one before any key derivation.
pub fn read_container(path: &Path) -> Result<Container, Error> {
    let bytes = badgesafe_fs::read_limited(path, MAX_VAULT_BYTES)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| match bytes.starts_with(MAGIC.as_bytes()) {
            true => Error::Damaged("the file is not text".into()),
            false => Error::NotAVault,
        })?;
    Container::parse(text)
}

impl Vault {
    /// Makes a new vault at `path` (which must not exist) with a fresh holder key. Returns it
    /// and the recovery code, which is shown to the student once and kept nowhere.
    pub fn create(path: &Path, passphrase: &str, now: &str) -> Result<(Self, String), Error> {
        check_passphrase(passphrase)?;
        if path.exists() {
            return Err(Error::Exists(path.to_owned()));
        }
        let key = age::x25519::Identity::generate();
        let key_text = Zeroizing::new(key.to_string().expose_secret().as_bytes().to_vec());
        let code = crate::recovery::new_code()?;
        let container = Container {
            passphrase_key: with_passphrase(&key_text, passphrase)?,
            recovery_key: with_passphrase(&key_text, &code)?,
            wallet: String::new(),
        };
        let mut vault = Self {
            path: path.to_owned(),
            key,
            container,
            contents: Contents::new(now)?,
        };
        vault.save_new()?;
        Ok((vault, code))
    }

    /// Opens the vault at `path` with the passphrase or the recovery code.
    pub fn open(path: &Path, secret: Secret<'_>) -> Result<Self, Error> {
        let container = read_container(path)?;
        Self::open_container(path, container, secret)
    }

    /// Opens an already read vault (`path` is where it will be saved).
    pub fn open_container(
        path: &Path,
        container: Container,
        secret: Secret<'_>,
    ) -> Result<Self, Error> {
        let key_text = match secret {
            Secret::Passphrase(p) => dearmor(
                &container.passphrase_key,
                Block::Passphrase,
                &scrypt_identity(p),
            )?,
            Secret::RecoveryCode(c) => {
                let code = crate::recovery::normalize(c)?;
                dearmor(
                    &container.recovery_key,
                    Block::Recovery,
                    &scrypt_identity(&code),
                )?
            }
        };
        let key: age::x25519::Identity = std::str::from_utf8(&key_text)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| Error::Damaged("the vault key is not an age identity".into()))?;
        let plain = dearmor(&container.wallet, Block::Wallet, &key)?;
        let contents = Contents::from_json(&plain)?;
        Ok(Self {
            path: path.to_owned(),
            key,
            container,
            contents,
        })
    }

    /// The vault's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn encrypt_contents(&mut self) -> Result<(), Error> {
        let json = Zeroizing::new(self.contents.to_json()?);
        self.container.wallet = armor(&json, &self.key.to_public())?;
        Ok(())
    }

    fn save_new(&mut self) -> Result<(), Error> {
        self.encrypt_contents()?;
        let text = self.container.render();
        // `create_new` so that two `init`s racing for one path cannot both win.
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| Error::Io(format!("creating a file in {}: {e}", dir.display())))?;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| Error::Io(format!("writing {}: {e}", self.path.display())))?;
        tmp.persist_noclobber(&self.path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists(self.path.clone())
            } else {
                Error::Io(format!("writing {}: {}", self.path.display(), e.error))
            }
        })?;
        badgesafe_fs::sync_dir(dir)?;
        Ok(())
    }

    /// Writes the vault: block 3 encrypted again, then the file replaced atomically (temporary
    /// file, fsync, rename, fsync of the folder). A crash leaves the old or the new vault.
    pub fn save(&mut self) -> Result<(), Error> {
        self.encrypt_contents()?;
        badgesafe_fs::write_atomic(&self.path, self.container.render().as_bytes(), true)?;
        Ok(())
    }

    /// Writes the vault to another file (a backup), atomically.
    pub fn save_as(&mut self, path: &Path) -> Result<(), Error> {
        self.encrypt_contents()?;
        badgesafe_fs::write_atomic(path, self.container.render().as_bytes(), true)?;
        Ok(())
    }

    /// Changes the passphrase (block 1) and saves.
    pub fn change_passphrase(&mut self, new: &str) -> Result<(), Error> {
        check_passphrase(new)?;
        let key_text = Zeroizing::new(self.key.to_string().expose_secret().as_bytes().to_vec());
        self.container.passphrase_key = with_passphrase(&key_text, new)?;
        self.save()
    }
}

/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

fn check_passphrase(p: &str) -> Result<(), Error> {
    if p.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}
