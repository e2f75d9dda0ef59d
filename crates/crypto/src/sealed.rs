//! Secrets sealed with a password: argon2id derives a key, XChaCha20-Poly1305 encrypts.
//!
//! Format (all of it authenticated: the 60-byte header is the AEAD's associated data):
//! `"BSSEALv1"` (8) ‖ argon2 memory KiB (u32 BE) ‖ iterations (u32 BE) ‖ lanes (u32 BE) ‖
//! salt (16) ‖ nonce (24) ‖ ciphertext with its 16-byte tag.

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"BSSEALv1";
const HEADER: usize = 8 + 12 + 16 + 24;
/// argon2id cost for new seals: 64 MiB, 3 passes, 1 lane (about 0.15 s here).
pub const MEMORY_KIB: u32 = 64 * 1024;
pub const ITERATIONS: u32 = 3;
/// Largest memory cost accepted when opening (a hostile file must not exhaust memory).
const MAX_MEMORY_KIB: u32 = 1024 * 1024;

/// Why a sealed secret cannot be opened or made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("not a badgesafe sealed file (it does not start with BSSEALv1)")]
    NotSealed,
    #[error("the sealed file is truncated")]
    Truncated,
    #[error("the sealed file asks for an unusable key-derivation cost")]
    BadParameters,
    #[error("wrong password (or the file was changed)")]
    WrongPassword,
    #[error("{0}")]
    Internal(String),
}

fn derive(
    password: &[u8],
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, Error> {
    let params = argon2::Params::new(m, t, p, Some(32)).map_err(|_| Error::BadParameters)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password, salt, key.as_mut())
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(key)
}

/// Seals `secret` with `password` at the given argon2id cost.
pub fn seal_with(
    password: &[u8],
    secret: &[u8],
    memory_kib: u32,
    iterations: u32,
) -> Result<Vec<u8>, Error> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(e.to_string()))?;
    getrandom::fill(&mut nonce).map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + secret.len() + 16);
    out.extend_from_slice(MAGIC);
    for v in [memory_kib, iterations, 1] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let key = derive(password, &salt, memory_kib, iterations, 1)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: &out,
            },
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Seals `secret` with `password` at the default cost.
pub fn seal(password: &[u8], secret: &[u8]) -> Result<Vec<u8>, Error> {
    seal_with(password, secret, MEMORY_KIB, ITERATIONS)
}

/// Whether `bytes` look like a sealed file.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Opens a sealed secret.
pub fn open(password: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if !sealed.starts_with(MAGIC) {
        return Err(Error::NotSealed);
    }
    if sealed.len() < HEADER + 16 {
        return Err(Error::Truncated);
    }
    let word =
        |i: usize| u32::from_be_bytes([sealed[i], sealed[i + 1], sealed[i + 2], sealed[i + 3]]);
    let (m, t, p) = (word(8), word(12), word(16));
    if m > MAX_MEMORY_KIB || t == 0 || t > 64 || p == 0 || p > 16 {
        return Err(Error::BadParameters);
    }
    let salt = &sealed[20..36];
    let nonce = &sealed[36..60];
    let key = derive(password, salt, m, t, p)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: &sealed[HEADER..],
                aad: &sealed[..HEADER],
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| Error::WrongPassword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_names_every_failure() {
        let s = seal_with(b"pw", b"secret key", 1024, 1).unwrap();
        assert!(is_sealed(&s));
        assert!(!s.windows(10).any(|w| w == b"secret key"));
        assert_eq!(open(b"pw", &s).unwrap().as_slice(), b"secret key");
        assert_eq!(open(b"other", &s), Err(Error::WrongPassword));
        let mut flipped = s.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(open(b"pw", &flipped), Err(Error::WrongPassword));
        let mut cost = s.clone();
        cost[12..16].copy_from_slice(&2u32.to_be_bytes());
        assert_eq!(
            open(b"pw", &cost),
            Err(Error::WrongPassword),
            "the header is authenticated"
        );
        let mut huge = s.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(open(b"pw", &huge), Err(Error::BadParameters));
        assert_eq!(open(b"pw", &s[..40]), Err(Error::Truncated));
        assert_eq!(open(b"pw", b"{\"plain\": 1}"), Err(Error::NotSealed));
    }
}
