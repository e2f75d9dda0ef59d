//! Share links: a presentation encrypted with a fresh AES-256-GCM key (WebCrypto can open it in
//! the employer's browser). The relay gets only the ciphertext; the key travels in the link's
//! fragment (`…/s/ID#KEY`), which browsers never send to a server.

use aes_gcm::aead::{Aead as _, KeyInit as _};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A share the student made, kept in the vault (with its deletion token).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// The relay's id.
    pub id: String,
    /// The whole link, key included.
    pub link: String,
    /// What withdraws it.
    pub delete_token: String,
    /// Who it is for.
    pub domain: String,
    /// Until when.
    pub expires: String,
    /// The badge ids shown.
    pub badges: Vec<String>,
    /// When it was made.
    pub created: String,
    /// When it was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
}

fn b64u(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The longest a share may live, in days.
pub const MAX_DAYS: i64 = 90;

/// Encrypts `plaintext` with a fresh key: (key, IV ‖ ciphertext), both base64url.
pub fn seal(plaintext: &[u8]) -> Result<(String, String), Error> {
    let key = badgesafe_crypto::random_bytes::<32>().map_err(|e| Error::Crypto(e.to_string()))?;
    let iv = badgesafe_crypto::random_bytes::<12>().map_err(|e| Error::Crypto(e.to_string()))?;
    let cipher =
        aes_gcm::Aes256Gcm::new_from_slice(&key).map_err(|e| Error::Crypto(e.to_string()))?;
    let ct = cipher
        .encrypt(aes_gcm::Nonce::from_slice(&iv), plaintext)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    let mut out = iv.to_vec();
    out.extend_from_slice(&ct);
    Ok((b64u(&key), b64u(&out)))
}

/// Decrypts what [`seal`] made (the employer's browser does the same with WebCrypto).
pub fn open(key: &str, sealed: &str) -> Result<Vec<u8>, Error> {
    let d = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| Error::Crypto("not base64url".into()))
    };
    let (key, data) = (d(key)?, d(sealed)?);
    if data.len() < 12 {
        return Err(Error::Crypto("too short".into()));
    }
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key)
        .map_err(|_| Error::Crypto("the key is not 32 bytes".into()))?;
    cipher
        .decrypt(aes_gcm::Nonce::from_slice(&data[..12]), &data[12..])
        .map_err(|_| Error::Crypto("the key does not open it".into()))
}

/// The link: the relay's share address with the key as its fragment.
pub fn link(share_url: &str, key: &str) -> String {
    format!("{share_url}#{key}")
}

/// A QR code of `text` for a terminal (two rows per line).
pub fn qr_text(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Error::Present(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .quiet_zone(true)
        .build())
}

/// A QR code of `text` as SVG.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Error::Present(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_opens_with_its_key_only() {
        let (key, sealed) = seal(b"{\"a\":1}").unwrap();
        assert_eq!(open(&key, &sealed).unwrap(), b"{\"a\":1}");
        let (other, _) = seal(b"x").unwrap();
        assert!(open(&other, &sealed).is_err());
        let (_, again) = seal(b"{\"a\":1}").unwrap();
        assert_ne!(again, sealed, "a fresh key and IV every time");
        assert!(
            qr_text("https://verifier.example/s/abc#key")
                .unwrap()
                .contains('█')
        );
        assert!(
            qr_svg("https://verifier.example/s/abc#key")
                .unwrap()
                .starts_with("<?xml")
        );
    }
}
