//! What a vault holds (block 3, JSON): the holder's key and the badges.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// The `format` value of the wallet JSON.
pub const CONTENTS_FORMAT: &str = "badgesafe-wallet";
/// The version of the wallet JSON this badgesafe writes.
pub const CONTENTS_VERSION: u32 = 1;

/// A holder key: a `did:key` and its Ed25519 secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// `did:key:z6Mk…`.
    pub did: String,
    /// The Ed25519 seed as `secretKeyMultibase`.
    pub secret_key_multibase: String,
}

impl std::fmt::Debug for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Holder")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

impl Holder {
    /// A fresh holder key.
    pub fn generate() -> Result<Self, Error> {
        let signer = badgesafe_crypto::Ed25519Signer::generate()
            .map_err(|e| Error::Crypto(e.to_string()))?;
        Ok(Self {
            did: badgesafe_did::did_key(&signer.public()),
            secret_key_multibase: signer.to_secret_multibase().to_string(),
        })
    }

    /// The signing key, checked against the DID.
    pub fn signer(&self) -> Result<badgesafe_crypto::Ed25519Signer, Error> {
        let signer =
            badgesafe_crypto::Ed25519Signer::from_secret_multibase(&self.secret_key_multibase)
                .map_err(|e| Error::Damaged(format!("the holder key: {e}")))?;
        if badgesafe_did::did_key(&signer.public()) != self.did {
            return Err(Error::Damaged(
                "the holder key does not belong to the holder's DID".into(),
            ));
        }
        Ok(signer)
    }
}

/// How a badge is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An Open Badges 3.0 (or CLR 2.0, or other VC) credential as JSON with an embedded proof.
    Vc,
    /// A VC secured as a compact JWS (VC-JWT); `credential` is the JWS string.
    VcJwt,
    /// An Open Badges 2.0 assertion (hosted or signed); `credential` is its JSON or JWS.
    Ob2,
}

/// One badge in the wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// The credential's own `id`, or `sha256:…` of its bytes when it has none.
    pub id: String,
    /// How the credential is kept.
    pub kind: Kind,
    /// The credential: a JSON object, or the compact JWS as a string.
    pub credential: Value,
    /// A `data:` image to bake into when the credential carries none of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The achievement's name.
    pub name: String,
    /// The achievement's description, when it has one.
    #[serde(default)]
    pub description: String,
    /// The issuer's name (or its id when it has no name).
    pub issuer: String,
    /// The issuer's id.
    pub issuer_id: String,
    /// When it was issued (as the credential says).
    pub issued: String,
    /// Skills: alignment target names, tags and the achievement type.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Where it came from (a file name, an e-mail attachment, a URL).
    pub source: String,
    /// When it was added.
    pub added: String,
    /// When it was last verified.
    pub checked: String,
    /// Whether that verification passed.
    pub verified: bool,
    /// That verification's report (the same JSON as `badgesafe verify --json`).
    pub report: Value,
}

impl Badge {
    /// A short plain-words status: `verified`, `revoked`, `suspended`, `expired` or
    /// `not verified`.
    pub fn status(&self) -> &'static str {
        if self.verified {
            return "verified";
        }
        let failed = |prefix: &str, word: &str| {
            self.report["checks"].as_array().is_some_and(|checks| {
                checks.iter().any(|c| {
                    c["outcome"] == "failed"
                        && c["check"].as_str().is_some_and(|id| id.starts_with(prefix))
                        && c["detail"].as_str().is_some_and(|d| d.contains(word))
                })
            })
        };
        if failed("status.", "suspend") {
            "suspended"
        } else if failed("status.revocation", "") {
            "revoked"
        } else if failed("status.validity", "") {
            "expired"
        } else {
            "not verified"
        }
    }

    /// The first 8 hex digits of SHA-256 of the id: short enough to type.
    pub fn short_id(&self) -> String {
        use sha2::Digest as _;
        hex::encode(&sha2::Sha256::digest(self.id.as_bytes())[..4])
    }

    /// The credential as the text it is verified from: JSON, or the JWS.
    pub fn credential_text(&self) -> String {
        match &self.credential {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }
}

/// The whole wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    /// Always [`CONTENTS_FORMAT`].
    pub format: String,
    /// [`CONTENTS_VERSION`] when written by this badgesafe.
    pub version: u32,
    /// When the vault was made.
    pub created: String,
    /// The key presentations are signed with.
    pub holder: Holder,
    /// Holder keys of vaults merged into this one (kept, never lost).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_holders: Vec<Holder>,
    /// The badges, in the order they were added.
    pub badges: Vec<Badge>,
    /// Share links the student made, with their deletion tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<crate::share::Share>,
}

impl Contents {
    /// An empty wallet with a fresh holder key.
    pub fn new(now: &str) -> Result<Self, Error> {
        Ok(Self {
            format: CONTENTS_FORMAT.into(),
            version: CONTENTS_VERSION,
            created: now.into(),
            holder: Holder::generate()?,
            other_holders: Vec::new(),
            badges: Vec::new(),
            shares: Vec::new(),
        })
    }

    /// Reads the decrypted wallet JSON, refusing a newer version by name.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let raw: Value = serde_json::from_slice(bytes)
            .map_err(|e| Error::Damaged(format!("the wallet is not JSON: {e}")))?;
        if raw.get("format").and_then(Value::as_str) != Some(CONTENTS_FORMAT) {
            return Err(Error::Damaged(format!(
                "the wallet's format is not {CONTENTS_FORMAT:?}"
            )));
        }
        match raw.get("version").and_then(Value::as_u64) {
            Some(v) if v > u64::from(CONTENTS_VERSION) => {
                return Err(Error::Newer {
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: CONTENTS_VERSION,
                });
            }
            Some(_) => {}
            None => return Err(Error::Damaged("the wallet has no version".into())),
        }
        let contents: Self =
            serde_json::from_value(raw).map_err(|e| Error::Damaged(format!("the wallet: {e}")))?;
        contents.holder.signer()?;
        Ok(contents)
    }

    /// The JSON written into block 3.
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self).map_err(|e| Error::Damaged(e.to_string()))
    }

    /// The badge with this id or short id.
    pub fn find(&self, id: &str) -> Result<&Badge, Error> {
        let id = id.trim();
        let found: Vec<&Badge> = self
            .badges
            .iter()
            .filter(|b| b.id == id || b.short_id() == id)
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::NoSuchBadge(id.to_owned())),
            _ => Err(Error::NoSuchBadge(format!(
                "{id} (more than one badge has this short id; use the full id)"
            ))),
        }
    }

    /// Badges whose issuer or skills contain the given words (case-insensitive); `None` is
    /// no filter.
    pub fn filter<'a>(
        &'a self,
        issuer: Option<&'a str>,
        skill: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Badge> + 'a {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
        self.badges.iter().filter(move |b| {
            issuer.is_none_or(|i| has(&b.issuer, i) || has(&b.issuer_id, i))
                && skill.is_none_or(|s| b.skills.iter().any(|k| has(k, s)) || has(&b.name, s))
        })
    }

    /// Joins another wallet into this one by credential id, losing nothing: badges this one
    /// lacks are added (a verified copy replaces an unverified one of the same content), a
    /// different badge under an id this one has already is kept under `id~hash`, and the
    /// other holder key is kept. Returns how many badges were added and replaced.
    pub fn merge(&mut self, other: Contents) -> (usize, usize) {
        let (mut added, mut replaced) = (0, 0);
        for mut badge in other.badges {
            let mine = self.badges.iter().position(|b| b.id == badge.id);
            match mine {
                None => {
                    self.badges.push(badge);
                    added += 1;
                }
                Some(i) if self.badges[i].credential == badge.credential => {
                    if !self.badges[i].verified && badge.verified {
                        self.badges[i] = badge;
                        replaced += 1;
                    }
                }
                Some(_) => {
                    use sha2::Digest as _;
                    let hash = sha2::Sha256::digest(badge.credential_text().as_bytes());
                    badge.id = format!("{}~{}", badge.id, hex::encode(&hash[..4]));
                    if !self.badges.iter().any(|b| b.id == badge.id) {
                        self.badges.push(badge);
                        added += 1;
                    }
                }
            }
        }
        for h in std::iter::once(other.holder).chain(other.other_holders) {
            if h.did != self.holder.did && !self.other_holders.iter().any(|o| o.did == h.did) {
                self.other_holders.push(h);
            }
        }
        for s in other.shares {
            if !self.shares.contains(&s) {
                self.shares.push(s);
            }
        }
        (added, replaced)
    }
}
