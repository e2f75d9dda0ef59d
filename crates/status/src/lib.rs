//! W3C Bitstring Status List v1.0: the bitstring, its `encodedList` form (GZIP, multibase
//! base64url) and the unsigned status list credential an issuer publishes.
//!
//! Pure: no I/O, no clock.

use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{Read as _, Write as _};

/// Smallest list the specification allows, in entries (16 KiB of bits).
pub const MIN_ENTRIES: usize = 131_072;
/// Largest decompressed list accepted (bounds GZIP bombs).
pub const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

/// Why an `encodedList` cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("encodedList is not multibase base64url (it must start with 'u')")]
    NotMultibase,
    #[error("encodedList is not base64url: {0}")]
    Base64(String),
    #[error("encodedList is not GZIP data: {0}")]
    Gzip(String),
    #[error("encodedList expands beyond {MAX_LIST_BYTES} bytes")]
    TooLarge,
    #[error("status list index {index} is outside the list of {len} entries")]
    OutOfRange { index: u64, len: u64 },
}

/// A bitstring with one bit per credential (`statusSize` 1). Index *i* is bit `7 − (i mod 8)`
/// of byte ⌊i/8⌋.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Default for Bitstring {
    fn default() -> Self {
        Self::new()
    }
}

impl Bitstring {
    /// An all-clear list of [`MIN_ENTRIES`] entries.
    pub fn new() -> Self {
        Bitstring {
            bytes: vec![0; MIN_ENTRIES / 8],
        }
    }

    /// A list over these bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Bitstring { bytes }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Entries in the list.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn locate(&self, index: u64) -> Result<(usize, u8), Error> {
        let byte = usize::try_from(index / 8)
            .ok()
            .filter(|b| *b < self.bytes.len())
            .ok_or(Error::OutOfRange {
                index,
                len: self.len(),
            })?;
        Ok((byte, 1u8 << (7 - (index % 8))))
    }

    /// The bit at `index`.
    pub fn get(&self, index: u64) -> Result<bool, Error> {
        let (byte, mask) = self.locate(index)?;
        Ok(self.bytes[byte] & mask != 0)
    }

    /// Sets or clears the bit at `index`.
    pub fn set(&mut self, index: u64, value: bool) -> Result<(), Error> {
        let (byte, mask) = self.locate(index)?;
        if value {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
        Ok(())
    }

    /// The `encodedList` value: multibase base64url (no padding) of the GZIP-compressed bits.
    pub fn encode(&self) -> String {
        encode_list(&self.bytes)
    }

    /// Reads an `encodedList`.
    pub fn decode(encoded: &str) -> Result<Self, Error> {
        decode_list(encoded).map(Self::from_bytes)
    }
}

/// Encodes bytes as `encodedList` (GZIP, multibase base64url).
pub fn encode_list(bytes: &[u8]) -> String {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let gz = enc
        .write_all(bytes)
        .and_then(|()| enc.finish())
        .unwrap_or_default();
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz)
    )
}

/// Multibase base64url (`u…`) of a GZIP-compressed bitstring → the bytes, at most
/// [`MAX_LIST_BYTES`].
pub fn decode_list(encoded: &str) -> Result<Vec<u8>, Error> {
    let b64 = encoded.strip_prefix('u').ok_or(Error::NotMultibase)?;
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|e| Error::Base64(e.to_string()))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_LIST_BYTES {
        return Err(Error::TooLarge);
    }
    Ok(out)
}

/// The status entry for `index` on the list published at `list_url`.
pub fn entry(list_url: &str, purpose: &str, index: u64) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// The unsigned `BitstringStatusListCredential` for a list, to be signed by `issuer`.
pub fn list_credential(
    list_url: &str,
    issuer: &str,
    purpose: &str,
    bits: &Bitstring,
    valid_from: &str,
) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_numbered_from_the_high_bit() {
        let mut b = Bitstring::new();
        assert_eq!(b.len(), MIN_ENTRIES as u64);
        b.set(0, true).unwrap();
        b.set(9, true).unwrap();
        assert_eq!(&b.as_bytes()[..2], &[0x80, 0x40]);
        assert!(b.get(9).unwrap());
        b.set(9, false).unwrap();
        assert!(!b.get(9).unwrap());
        assert_eq!(
            b.set(MIN_ENTRIES as u64, true),
            Err(Error::OutOfRange {
                index: MIN_ENTRIES as u64,
                len: MIN_ENTRIES as u64
            })
        );
    }

    #[test]
    fn encoding_round_trips_and_refuses_garbage() {
        let mut b = Bitstring::new();
        b.set(12345, true).unwrap();
        let enc = b.encode();
        assert!(enc.starts_with('u'));
        assert_eq!(Bitstring::decode(&enc).unwrap(), b);
        assert_eq!(decode_list("zabc"), Err(Error::NotMultibase));
        assert!(matches!(decode_list("u!!"), Err(Error::Base64(_))));
        assert!(matches!(decode_list("uAAAA"), Err(Error::Gzip(_))));
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        let big = vec![0u8; MAX_LIST_BYTES as usize + 1];
        assert_eq!(decode_list(&encode_list(&big)), Err(Error::TooLarge));
    }

    #[test]
    fn the_list_credential_names_its_entries() {
        let url = "https://school.example/status/1";
        let e = entry(url, "revocation", 7);
        assert_eq!(e["id"], "https://school.example/status/1#7");
        assert_eq!(e["statusListIndex"], "7");
        let c = list_credential(
            url,
            "did:key:z",
            "revocation",
            &Bitstring::new(),
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(c["credentialSubject"]["statusPurpose"], "revocation");
        assert_eq!(
            Bitstring::decode(c["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap(),
            Bitstring::new()
        );
    }
}
