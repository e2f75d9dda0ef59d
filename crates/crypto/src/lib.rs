//! Keys and signatures: Ed25519 (Multikey / multibase), and the JOSE algorithms VC-JWT needs
//! (EdDSA, RS256, ES256), with public keys read from JWK or PEM.
//!
//! Pure: no I/O. Secret key material is zeroized on drop and never printed by `Debug`.

pub mod base58;
pub mod sealed;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use serde_json::{Value, json};
use zeroize::Zeroizing;

/// Multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 private key (varint of 0x1300).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// Errors from key parsing, key generation and signature checks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A multibase string that does not decode.
    #[error("invalid multibase value: {0}")]
    Multibase(String),
    /// A multibase value in an encoding other than base58btc (`z…`).
    #[error(
        "expected a base58btc multibase value (starting with 'z'), found one starting with {0:?}"
    )]
    MultibaseEncoding(char),
    /// A multicodec header that is not the expected key type.
    #[error(
        "expected an Ed25519 {expected} key (multicodec header {header}), found header {found}"
    )]
    WrongKeyType {
        /// "public" or "private".
        expected: &'static str,
        /// The header that was required, in hex.
        header: &'static str,
        /// The header that was found, in hex.
        found: String,
    },
    /// Key bytes of the wrong length.
    #[error("{what} must be {expected} bytes, found {found}")]
    Length {
        /// What was being read.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The bytes are not a valid key.
    #[error("invalid {0} key")]
    InvalidKey(&'static str),
    /// A JWK that cannot be used.
    #[error("invalid JWK: {0}")]
    Jwk(String),
    /// A PEM document that cannot be used.
    #[error("invalid PEM key: {0}")]
    Pem(String),
    /// The key type does not fit the JOSE algorithm.
    #[error("a {key} key cannot verify {alg} signatures")]
    AlgorithmMismatch {
        /// The algorithm asked for.
        alg: String,
        /// The kind of key supplied.
        key: &'static str,
    },
    /// A JOSE algorithm badgesafe does not support.
    #[error("unsupported JOSE algorithm {0:?} (supported: EdDSA, RS256, ES256)")]
    UnsupportedAlgorithm(String),
    /// A signature that does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
}

/// Fills a buffer from the operating system's random number generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| Error::Random(e.to_string()))?;
    Ok(buf)
}

fn decode_base58btc(value: &str) -> Result<Vec<u8>, Error> {
    let first = value
        .chars()
        .next()
        .ok_or_else(|| Error::Multibase("empty string".into()))?;
    if first != 'z' {
        return Err(Error::MultibaseEncoding(first));
    }
    base58::decode(&value[1..]).map_err(|e| Error::Multibase(e.to_string()))
}

/// Decodes a `z…` multibase (base58btc) string, as Data Integrity `proofValue`s use.
pub fn decode_multibase_base58btc(value: &str) -> Result<Vec<u8>, Error> {
    decode_base58btc(value)
}

/// Encodes bytes as a `z…` multibase (base58btc) string.
pub fn encode_multibase_base58btc(bytes: &[u8]) -> String {
    let mut out = String::from("z");
    out.push_str(&base58::encode(bytes));
    out
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ed25519Public(ed25519_dalek::VerifyingKey);

impl std::fmt::Debug for Ed25519Public {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ed25519Public({})", self.to_multikey())
    }
}

impl Ed25519Public {
    /// Reads raw 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::Length {
            what: "an Ed25519 public key",
            expected: 32,
            found: bytes.len(),
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&arr)
            .map(Self)
            .map_err(|_| Error::InvalidKey("Ed25519 public"))
    }

    /// Reads a Multikey `publicKeyMultibase` (`z6Mk…`).
    pub fn from_multikey(value: &str) -> Result<Self, Error> {
        let bytes = decode_base58btc(value)?;
        let Some(rest) = bytes.strip_prefix(&ED25519_PUB) else {
            return Err(Error::WrongKeyType {
                expected: "public",
                header: "ed01",
                found: hex::encode(bytes.get(..2).unwrap_or(&bytes)),
            });
        };
        Self::from_bytes(rest)
    }

    /// Reads a legacy `publicKeyBase58` value (raw key, no multicodec header).
    pub fn from_base58(value: &str) -> Result<Self, Error> {
        let bytes = base58::decode(value).map_err(|e| Error::Multibase(e.to_string()))?;
        Self::from_bytes(&bytes)
    }

    /// The Multikey `publicKeyMultibase` form.
    pub fn to_multikey(&self) -> String {
        let mut bytes = ED25519_PUB.to_vec();
        bytes.extend_from_slice(self.0.as_bytes());
        encode_multibase_base58btc(&bytes)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Checks a detached Ed25519 signature (RFC 8032, pure EdDSA).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| Error::Length {
            what: "an Ed25519 signature",
            expected: 64,
            found: signature.len(),
        })?;
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| Error::BadSignature)
    }

    /// The public JWK (`kty` OKP, `crv` Ed25519).
    pub fn to_jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(self.0.as_bytes())})
    }
}

/// An Ed25519 signing key. Zeroized on drop.
pub struct Ed25519Signer(ed25519_dalek::SigningKey);

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Ed25519Signer(public: {}, secret: redacted)",
            self.public().to_multikey()
        )
    }
}

impl Ed25519Signer {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, Error> {
        let seed = Zeroizing::new(random_bytes::<32>()?);
        Ok(Self::from_seed(&seed))
    }

    /// The key for a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// Reads a `secretKeyMultibase`: multicodec `0x1300` followed by the 32-byte seed, or by the
    /// 64-byte libsodium form (seed ‖ public key), whose public half must match.
    pub fn from_secret_multibase(value: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(decode_base58btc(value)?);
        let Some(rest) = bytes.strip_prefix(&ED25519_PRIV) else {
            return Err(Error::WrongKeyType {
                expected: "private",
                header: "8026",
                found: hex::encode(bytes.get(..2).unwrap_or(&bytes)),
            });
        };
        match rest.len() {
            32 | 64 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(&rest[..32]);
                let key = Self::from_seed(&seed);
                if rest.len() == 64 && key.public().as_bytes()[..] != rest[32..] {
                    return Err(Error::InvalidKey(
                        "Ed25519 private (public half does not match)",
                    ));
                }
                Ok(key)
            }
            found => Err(Error::Length {
                what: "an Ed25519 private key",
                expected: 32,
                found,
            }),
        }
    }

    /// The `secretKeyMultibase` form (multicodec `0x1300` + 32-byte seed).
    pub fn to_secret_multibase(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(ED25519_PRIV.to_vec());
        bytes.extend_from_slice(self.0.as_bytes());
        Zeroizing::new(encode_multibase_base58btc(&bytes))
    }

    /// The public half.
    pub fn public(&self) -> Ed25519Public {
        Ed25519Public(self.0.verifying_key())
    }

    /// A detached Ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// An RSA key for RS256 (RSASSA-PKCS1-v1_5 with SHA-256). Zeroized on drop by `rsa`.
pub struct RsaSigner(rsa::PrivateKey);

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaSigner(secret: redacted)")
    }
}

impl RsaSigner {
    /// A fresh 2048-bit key.
    pub fn generate() -> Result<Self, Error> {
        let mut rng = getrandom::SysRng;
        rsa::PrivateKey::new(&mut rng, 2048)
            .map(Self)
            .map_err(|e| Error::Random(e.to_string()))
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        use rsa::pkcs8::DecodePrivateKey as _;
        rsa::PrivateKey::from_pkcs8_pem(pem)
            .map(Self)
            .map_err(|e| Error::Pem(e.to_string()))
    }

    /// The PKCS#8 PEM form of the private key.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        use rsa::pkcs8::EncodePrivateKey as _;
        self.0
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .map(|s| Zeroizing::new(s.to_string()))
            .map_err(|e| Error::Pem(e.to_string()))
    }

    /// An RS256 signature over `message`.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(message);
        self.0
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hash)
            .map_err(|e| Error::Jwk(e.to_string()))
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey::Rsa(Box::new(self.0.to_public_key()))
    }
}

/// A public key that can check JOSE signatures.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PublicKey {
    /// Ed25519 (JOSE `EdDSA`).
    Ed25519(Ed25519Public),
    /// RSA (JOSE `RS256`).
    Rsa(Box<rsa::PublicKey>),
    /// NIST P-256 (JOSE `ES256`).
    P256(Box<p256::ecdsa::VerifyingKey>),
}

fn jwk_member<'a>(jwk: &'a Value, name: &str) -> Result<&'a str, Error> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Jwk(format!("member \"{name}\" is missing or not a string")))
}

fn jwk_bytes(jwk: &Value, name: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(jwk_member(jwk, name)?.trim_end_matches('='))
        .map_err(|e| Error::Jwk(format!("member \"{name}\" is not base64url: {e}")))
}

/// Largest RSA modulus accepted, in bits (bounds verification cost on hostile input).
pub const MAX_RSA_BITS: usize = 8192;

impl PublicKey {
    /// Reads a public JWK. A JWK with a private member (`d`) is refused.
    pub fn from_jwk(jwk: &Value) -> Result<Self, Error> {
        if !jwk.is_object() {
            return Err(Error::Jwk("a JWK must be a JSON object".into()));
        }
        if jwk.get("d").is_some() {
            return Err(Error::Jwk(
                "it contains a private key (\"d\"); only public keys may be shared".into(),
            ));
        }
        match jwk_member(jwk, "kty")? {
            "OKP" => {
                let crv = jwk_member(jwk, "crv")?;
                if crv != "Ed25519" {
                    return Err(Error::Jwk(format!(
                        "OKP curve {crv:?} is not supported (only Ed25519)"
                    )));
                }
                Ok(Self::Ed25519(Ed25519Public::from_bytes(&jwk_bytes(
                    jwk, "x",
                )?)?))
            }
            "RSA" => {
                let n = jwk_bytes(jwk, "n")?;
                let e = jwk_bytes(jwk, "e")?;
                if n.len() * 8 > MAX_RSA_BITS {
                    return Err(Error::Jwk(format!(
                        "RSA modulus larger than {MAX_RSA_BITS} bits"
                    )));
                }
                let n = rsa::BoxedUint::from_be_slice_vartime(&n);
                let e = rsa::BoxedUint::from_be_slice_vartime(&e);
                rsa::PublicKey::new(n, e)
                    .map(|k| Self::Rsa(Box::new(k)))
                    .map_err(|e| Error::Jwk(format!("invalid RSA key: {e}")))
            }
            "EC" => {
                let crv = jwk_member(jwk, "crv")?;
                if crv != "P-256" {
                    return Err(Error::Jwk(format!(
                        "EC curve {crv:?} is not supported (only P-256)"
                    )));
                }
                let x = jwk_bytes(jwk, "x")?;
                let y = jwk_bytes(jwk, "y")?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(Error::Jwk("P-256 coordinates must be 32 bytes each".into()));
                }
                let mut sec1 = vec![0x04];
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(|k| Self::P256(Box::new(k)))
                    .map_err(|_| Error::Jwk("the point is not on the P-256 curve".into()))
            }
            other => Err(Error::Jwk(format!(
                "key type {other:?} is not supported (OKP, RSA, EC)"
            ))),
        }
    }

    /// Reads a PEM public key (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        use rsa::pkcs8::DecodePublicKey as _;
        let pem = pem.trim();
        let key = if pem.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
            rsa::PublicKey::from_pkcs1_pem(pem).map_err(|e| Error::Pem(e.to_string()))?
        } else {
            rsa::PublicKey::from_public_key_pem(pem).map_err(|e| Error::Pem(e.to_string()))?
        };
        Ok(Self::Rsa(Box::new(key)))
    }

    /// The public JWK.
    pub fn to_jwk(&self) -> Value {
        match self {
            Self::Ed25519(k) => k.to_jwk(),
            Self::Rsa(k) => {
                use rsa::traits::PublicKeyParts as _;
                json!({
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(k.n().to_be_bytes_trimmed_vartime()),
                    "e": URL_SAFE_NO_PAD.encode(k.e().to_be_bytes_trimmed_vartime()),
                })
            }
            Self::P256(k) => {
                let point = k.to_sec1_point(false);
                let bytes = point.as_bytes();
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(bytes.get(1..33).unwrap_or_default()),
                    "y": URL_SAFE_NO_PAD.encode(bytes.get(33..65).unwrap_or_default()),
                })
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "Ed25519",
            Self::Rsa(_) => "RSA",
            Self::P256(_) => "P-256",
        }
    }

    /// Checks a JWS signature made with JOSE algorithm `alg` over `message`.
    pub fn verify_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let mismatch = || Error::AlgorithmMismatch {
            alg: alg.to_owned(),
            key: self.kind(),
        };
        match (alg, self) {
            ("EdDSA" | "Ed25519", Self::Ed25519(k)) => k.verify(message, signature),
            ("RS256", Self::Rsa(k)) => {
                use sha2::Digest as _;
                let hash = sha2::Sha256::digest(message);
                k.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hash, signature)
                    .map_err(|_| Error::BadSignature)
            }
            ("ES256", Self::P256(k)) => {
                use p256::ecdsa::signature::Verifier as _;
                let sig =
                    p256::ecdsa::Signature::from_slice(signature).map_err(|_| Error::Length {
                        what: "an ES256 signature",
                        expected: 64,
                        found: signature.len(),
                    })?;
                k.verify(message, &sig).map_err(|_| Error::BadSignature)
            }
            ("EdDSA" | "Ed25519" | "RS256" | "ES256", _) => Err(mismatch()),
            (other, _) => Err(Error::UnsupportedAlgorithm(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests;
