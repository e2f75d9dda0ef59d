//! PNG chunk walking, `iTXt`/`tEXt` credential chunks (PNG spec §11.3.4).

use crate::{Baked, Error, MAX_CREDENTIAL_BYTES, MAX_IMAGE_BYTES, Payload, Standard};

pub(crate) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const OB3: &[u8] = b"openbadgecredential";
const CLR: &[u8] = b"clrcredential";
const OB2: &[u8] = b"openbadges";

struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// Byte range of the whole chunk (length, type, data, CRC) in the file.
    span: std::ops::Range<usize>,
}

fn chunks(bytes: &[u8]) -> Result<Vec<Chunk<'_>>, Error> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Error::ImageTooLarge(bytes.len()));
    }
    if !bytes.starts_with(SIGNATURE) {
        return Err(Error::NotAnImage("PNG"));
    }
    let mut out = Vec::new();
    let mut pos = SIGNATURE.len();
    loop {
        let header = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| Error::CorruptPng(format!("truncated chunk header at byte {pos}")))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::CorruptPng(format!(
                "invalid chunk type at byte {pos}"
            )));
        }
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| {
                Error::CorruptPng(format!(
                    "chunk {} at byte {pos} claims {len} bytes but the file ends first (truncated)",
                    String::from_utf8_lossy(&kind)
                ))
            })?;
        let data = &bytes[pos + 8..pos + 8 + len];
        let crc_stored = u32::from_be_bytes([
            bytes[end - 4],
            bytes[end - 3],
            bytes[end - 2],
            bytes[end - 1],
        ]);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&kind);
        hasher.update(data);
        if hasher.finalize() != crc_stored {
            return Err(Error::CorruptPng(format!(
                "CRC mismatch in chunk {}",
                String::from_utf8_lossy(&kind)
            )));
        }
        if out.is_empty() && &kind != b"IHDR" {
            return Err(Error::CorruptPng("the first chunk is not IHDR".into()));
        }
        out.push(Chunk {
            kind,
            data,
            span: pos..end,
        });
        pos = end;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// A credential chunk's keyword and decoded text, if the chunk is one.
fn credential_chunk(chunk: &Chunk<'_>) -> Result<Option<(Standard, String)>, Error> {
    let (is_itxt, is_text) = (&chunk.kind == b"iTXt", &chunk.kind == b"tEXt");
    if !is_itxt && !is_text {
        return Ok(None);
    }
    let Some(nul) = chunk.data.iter().position(|&b| b == 0) else {
        return Ok(None);
    };
    let standard = match &chunk.data[..nul] {
        k if k == OB3 => Standard::OpenBadges3,
        k if k == CLR => Standard::Clr2,
        k if k == OB2 => Standard::OpenBadges2,
        _ => return Ok(None),
    };
    let text_bytes = if is_text {
        &chunk.data[nul + 1..]
    } else {
        let rest = &chunk.data[nul + 1..];
        let (&flag, rest) = rest
            .split_first()
            .ok_or_else(|| Error::CorruptPng("truncated iTXt chunk".into()))?;
        let (_method, rest) = rest
            .split_first()
            .ok_or_else(|| Error::CorruptPng("truncated iTXt chunk".into()))?;
        if flag != 0 {
            return Err(Error::Compressed);
        }
        let lang_end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| Error::CorruptPng("iTXt language tag not terminated".into()))?;
        let rest = &rest[lang_end + 1..];
        let tk_end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| Error::CorruptPng("iTXt translated keyword not terminated".into()))?;
        &rest[tk_end + 1..]
    };
    if text_bytes.len() > MAX_CREDENTIAL_BYTES {
        return Err(Error::CredentialTooLarge(text_bytes.len()));
    }
    let text = String::from_utf8(text_bytes.to_vec()).map_err(|_| Error::NotUtf8)?;
    Ok(Some((standard, text)))
}

/// Extracts the credential from a PNG, scanning every chunk.
pub fn unbake_png(bytes: &[u8]) -> Result<Option<Baked>, Error> {
    let mut found = Vec::new();
    for chunk in chunks(bytes)? {
        if let Some(hit) = credential_chunk(&chunk)? {
            found.push(hit);
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => {
            let (standard, text) = found.remove(0);
            Ok(Some(Baked {
                standard,
                payload: Payload::classify(text),
            }))
        }
        n => Err(Error::SeveralCredentials(n)),
    }
}

/// Bakes `credential` into a PNG: every existing credential chunk is removed and one
/// `iTXt openbadgecredential` chunk is written just before `IEND`. Other chunks stay byte for byte.
pub fn bake_png(image: &[u8], credential: &str) -> Result<Vec<u8>, Error> {
    if credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(Error::CredentialTooLarge(credential.len()));
    }
    let all = chunks(image)?;
    let mut out = Vec::with_capacity(image.len() + credential.len() + 64);
    out.extend_from_slice(SIGNATURE);
    for chunk in &all {
        if &chunk.kind == b"IEND" {
            let mut data = Vec::with_capacity(OB3.len() + 5 + credential.len());
            data.extend_from_slice(OB3);
            data.extend_from_slice(&[0, 0, 0, 0, 0]); // NUL, no compression, method 0, empty language, empty translation
            data.extend_from_slice(credential.as_bytes());
            write_chunk(&mut out, b"iTXt", &data)?;
        }
        // `credential_chunk` only fails for a chunk that is one of ours; drop those as well.
        if !matches!(credential_chunk(chunk), Ok(Some(_)) | Err(_)) {
            out.extend_from_slice(&image[chunk.span.clone()]);
        }
    }
    Ok(out)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(data.len()).map_err(|_| Error::CredentialTooLarge(data.len()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    out.extend_from_slice(&hasher.finalize().to_be_bytes());
    Ok(())
}
