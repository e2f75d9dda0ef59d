//! Compact JWS (RFC 7515) as VC-JWT uses it: EdDSA and RS256 to sign; EdDSA, RS256 and ES256
//! to verify.

use badgesafe_crypto::{Ed25519Signer, PublicKey, RsaSigner};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Largest compact JWS accepted, in bytes.
pub const MAX_JWS_BYTES: usize = 4 * 1024 * 1024;

/// Errors while reading, signing or checking a compact JWS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not three dot-separated base64url parts.
    #[error("not a compact JWS: {0}")]
    Format(&'static str),
    /// A part is not base64url.
    #[error("the JWS {part} is not valid base64url")]
    Base64 {
        /// Which part.
        part: &'static str,
    },
    /// A part is not the JSON it must be.
    #[error("the JWS {part} is not a JSON object: {reason}")]
    Json {
        /// Which part.
        part: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// Too large.
    #[error("the JWS is {0} bytes, larger than the limit of {MAX_JWS_BYTES}")]
    TooLarge(usize),
    /// The header has no `alg`.
    #[error("the JWS header has no \"alg\"")]
    NoAlg,
    /// The signature check failed.
    #[error(transparent)]
    Crypto(#[from] badgesafe_crypto::Error),
}

/// A decoded compact JWS.
#[derive(Debug, Clone)]
pub struct Jws {
    /// The protected header.
    pub header: Value,
    /// The payload, as JSON.
    pub payload: Value,
    signing_input: String,
    signature: Vec<u8>,
}

/// A key that signs a JWS.
#[derive(Debug, Clone, Copy)]
pub enum JwsSigner<'a> {
    /// `EdDSA` with Ed25519.
    Ed25519(&'a Ed25519Signer),
    /// `RS256`.
    Rsa(&'a RsaSigner),
}

impl JwsSigner<'_> {
    /// The JOSE `alg` value.
    pub fn alg(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "EdDSA",
            Self::Rsa(_) => "RS256",
        }
    }
}

/// Signs `payload` with a header of `alg`, optional `kid`, and `typ` `JWT` (the OB 3.0 profile
/// allows no other members).
pub fn sign(payload: &Value, kid: Option<&str>, signer: JwsSigner<'_>) -> Result<String, Error> {
    let mut header = serde_json::json!({"alg": signer.alg(), "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = kid.into();
    }
    let enc = |v: &Value| {
        serde_json::to_vec(v)
            .map(|b| URL_SAFE_NO_PAD.encode(b))
            .map_err(|e| Error::Json {
                part: "payload",
                reason: e.to_string(),
            })
    };
    let signing_input = format!("{}.{}", enc(&header)?, enc(payload)?);
    let signature = match signer {
        JwsSigner::Ed25519(k) => k.sign(signing_input.as_bytes()).to_vec(),
        JwsSigner::Rsa(k) => k.sign_rs256(signing_input.as_bytes())?,
    };
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// True when `text` has the shape of a compact JWS (three base64url parts).
pub fn looks_like_compact(text: &str) -> bool {
    let t = text.trim();
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && !parts[2].is_empty()
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Decodes a compact JWS without checking its signature.
pub fn decode(compact: &str) -> Result<Jws, Error> {
    let compact = compact.trim();
    if compact.len() > MAX_JWS_BYTES {
        return Err(Error::TooLarge(compact.len()));
    }
    let mut parts = compact.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Format(
            "it must have exactly three dot-separated parts",
        ));
    };
    let dec = |part: &'static str, s: &str| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| Error::Base64 { part })
    };
    let json = |part: &'static str, bytes: &[u8]| -> Result<Value, Error> {
        let v: Value = badgesafe_jcs::from_slice_strict(bytes).map_err(|e| Error::Json {
            part,
            reason: e.to_string(),
        })?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(Error::Json {
                part,
                reason: "not an object".into(),
            })
        }
    };
    let header = json("header", &dec("header", h)?)?;
    let payload = json("payload", &dec("payload", p)?)?;
    let signature = dec("signature", s)?;
    Ok(Jws {
        header,
        payload,
        signing_input: format!("{h}.{p}"),
        signature,
    })
}

impl Jws {
    /// The `alg` header.
    pub fn alg(&self) -> Result<&str, Error> {
        self.header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(Error::NoAlg)
    }

    /// The `kid` header, if any.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The embedded `jwk` header, if any.
    pub fn jwk(&self) -> Option<&Value> {
        self.header.get("jwk")
    }

    /// Checks the signature with `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), Error> {
        key.verify_jws(self.alg()?, self.signing_input.as_bytes(), &self.signature)?;
        Ok(())
    }
}
