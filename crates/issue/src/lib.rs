//! Issuing: prepare a credential (contexts, id, issuer, dates, arrays, language tags), check it
//! against the schema, and sign it as `eddsa-rdfc-2022`, `eddsa-jcs-2022` or VC-JWT.
//!
//! Pure: the clock is an input and keys are passed in.

use badgesafe_crypto::{Ed25519Signer, RsaSigner};
use badgesafe_proof::jws::JwsSigner;
use badgesafe_proof::{ProofOptions, Suite};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// Errors while issuing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The credential input is not usable.
    #[error("invalid credential: {0}")]
    Invalid(String),
    /// The credential names a different issuer.
    #[error("the credential's issuer {found} is not this issuer ({expected})")]
    WrongIssuer {
        /// This issuer's id.
        expected: String,
        /// The credential's.
        found: String,
    },
    /// The credential does not satisfy the OB 3.0 schema.
    #[error(transparent)]
    Schema(#[from] badgesafe_model::Error),
    /// Signing failed (undefined terms, unknown contexts, …).
    #[error(transparent)]
    Proof(#[from] badgesafe_proof::Error),
    /// JWT signing failed.
    #[error(transparent)]
    Jws(#[from] badgesafe_proof::jws::Error),
    /// RS256 was asked for but the issuer has no RSA key.
    #[error("this issuer has no RSA key for RS256")]
    NoRsaKey,
}

/// How to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Embedded `eddsa-rdfc-2022` proof (the default; the one 1EdTech certifies).
    Rdfc,
    /// Embedded `eddsa-jcs-2022` proof.
    Jcs,
    /// VC-JWT with EdDSA.
    JwtEdDsa,
    /// VC-JWT with RS256 (the OB 3.0 minimum for JWT).
    JwtRs256,
}

/// A signed credential.
#[derive(Debug, Clone, PartialEq)]
pub enum Signed {
    /// JSON with an embedded proof.
    Json(Value),
    /// Compact JWS.
    Jwt(String),
}

impl Signed {
    /// The text to write to a file or bake into an image.
    pub fn to_text(&self) -> Result<String, Error> {
        match self {
            Self::Json(v) => {
                serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(e.to_string()))
            }
            Self::Jwt(s) => Ok(s.clone()),
        }
    }
}

/// An issuer: its profile and keys.
#[derive(Debug)]
pub struct Issuer {
    /// The Profile object placed in `issuer`.
    pub profile: Value,
    /// The Ed25519 assertion key.
    pub signer: Ed25519Signer,
    /// The verification method id of `signer`.
    pub verification_method: String,
    /// The RSA key for RS256 VC-JWTs, if any.
    pub rsa: Option<RsaSigner>,
    /// The `kid` of the RSA key.
    pub rsa_kid: Option<String>,
}

const EXTENSION_TYPES: [&str; 3] = [
    "1EdTechRevocationList",
    "1EdTechCredentialRefresh",
    "1EdTechJsonSchemaValidator2019",
];
const ARRAY_FIELDS: [&str; 14] = [
    "evidence",
    "alignment",
    "result",
    "resultDescription",
    "endorsement",
    "endorsementJwt",
    "credentialSchema",
    "termsOfUse",
    "tag",
    "identifier",
    "otherIdentifier",
    "related",
    "rubricCriterionLevel",
    "allowedValue",
];
const SET_TYPES: [&str; 15] = [
    "VerifiableCredential",
    "OpenBadgeCredential",
    "AchievementCredential",
    "EndorsementCredential",
    "Profile",
    "AchievementSubject",
    "Achievement",
    "Alignment",
    "Evidence",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "Related",
    "Address",
    "EndorsementSubject",
];

/// `YYYY-MM-DDThh:mm:ssZ`.
pub fn xsd_now(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Issuer {
    /// The issuer id (the profile's `id`).
    pub fn id(&self) -> &str {
        self.profile
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Adds a Data Integrity proof (`assertionMethod`) to `doc` as it is, without completing or
    /// checking it as an Open Badge: for status lists, and for VC-API callers who send the
    /// exact credential they want signed.
    pub fn sign_exact(&self, doc: Value, suite: Suite, now: DateTime<Utc>) -> Result<Value, Error> {
        let options = ProofOptions {
            suite,
            verification_method: self.verification_method.clone(),
            proof_purpose: "assertionMethod".into(),
            created: Some(xsd_now(now)),
            expires: None,
            domain: None,
            challenge: None,
        };
        Ok(badgesafe_proof::sign(doc, &options, &self.signer)?)
    }

    /// Completes and checks a credential before signing:
    /// contexts, a random `urn:uuid` id when it has none, this issuer's profile, `validFrom`,
    /// arrays for multi-valued fields, lower-case language tags, then the OB 3.0 schema.
    pub fn prepare(&self, credential: &Value, now: DateTime<Utc>) -> Result<Value, Error> {
        let mut doc = credential
            .as_object()
            .cloned()
            .ok_or_else(|| Error::Invalid("the credential must be a JSON object".into()))?;
        if doc.contains_key("proof") {
            return Err(Error::Invalid(
                "the credential already has a proof; sign the unsigned credential".into(),
            ));
        }
        // Contexts.
        let mut ctx: Vec<Value> = match doc.remove("@context") {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
        };
        if ctx.first().and_then(Value::as_str) == Some(badgesafe_contexts::VC_V1) {
            return Err(Error::Invalid(
                "badgesafe issues VC Data Model 2.0 only; the first @context is VC 1.1".into(),
            ));
        }
        ctx.retain(|c| c.as_str() != Some(badgesafe_contexts::VC_V2));
        ctx.insert(0, badgesafe_contexts::VC_V2.into());
        if !ctx.iter().any(|c| {
            c.as_str()
                .is_some_and(|s| s.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context"))
        }) {
            ctx.insert(1, badgesafe_contexts::OB_V3.into());
        }
        let text = serde_json::to_string(&doc).unwrap_or_default();
        if EXTENSION_TYPES
            .iter()
            .any(|t| text.contains(&format!("\"{t}\"")))
            && !ctx
                .iter()
                .any(|c| c.as_str() == Some(badgesafe_contexts::OB_EXTENSIONS))
        {
            ctx.push(badgesafe_contexts::OB_EXTENSIONS.into());
        }
        doc.insert("@context".into(), Value::Array(ctx));
        // Id, type, issuer, dates.
        match doc.get("id") {
            None => {
                doc.insert("id".into(), badgesafe_model::new_credential_id().into());
            }
            Some(Value::String(_)) => {}
            Some(_) => return Err(Error::Invalid("\"id\" must be a string".into())),
        }
        if !doc.contains_key("type") {
            doc.insert(
                "type".into(),
                json!(["VerifiableCredential", "OpenBadgeCredential"]),
            );
        }
        match doc.get("issuer") {
            None => {}
            Some(Value::String(s)) if s == self.id() => {}
            Some(Value::Object(o)) if o.get("id").and_then(Value::as_str) == Some(self.id()) => {}
            Some(other) => {
                let found = other
                    .as_str()
                    .or_else(|| other.get("id").and_then(Value::as_str))
                    .unwrap_or("(none)")
                    .to_owned();
                return Err(Error::WrongIssuer {
                    expected: self.id().to_owned(),
                    found,
                });
            }
        }
        doc.insert("issuer".into(), self.profile.clone());
        if !doc.contains_key("validFrom") {
            doc.insert("validFrom".into(), xsd_now(now).into());
        }
        let mut value = Value::Object(doc);
        normalize(&mut value);
        if let Some(Value::Array(types)) = value.get_mut("type")
            && !types.iter().any(|t| t == "VerifiableCredential")
        {
            types.insert(0, "VerifiableCredential".into());
        }
        let kind = badgesafe_model::kind_of(&value).ok_or_else(|| {
            Error::Invalid(
                "the type must include OpenBadgeCredential or AchievementCredential".into(),
            )
        })?;
        badgesafe_model::validate(&value, kind)?;
        if !badgesafe_model::subject_is_identified(&value) {
            return Err(Error::Invalid(
                "credentialSubject needs an id or an identifier".into(),
            ));
        }
        Ok(value)
    }

    /// Prepares and signs a credential.
    pub fn sign(
        &self,
        credential: &Value,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<Signed, Error> {
        let doc = self.prepare(credential, now)?;
        match format {
            Format::Rdfc => Ok(Signed::Json(self.sign_exact(
                doc,
                Suite::EddsaRdfc2022,
                now,
            )?)),
            Format::Jcs => Ok(Signed::Json(self.sign_exact(
                doc,
                Suite::EddsaJcs2022,
                now,
            )?)),
            Format::JwtEdDsa | Format::JwtRs256 => {
                let payload = jwt_payload(&doc)?;
                let (signer, kid) = if format == Format::JwtEdDsa {
                    (
                        JwsSigner::Ed25519(&self.signer),
                        Some(self.verification_method.as_str()),
                    )
                } else {
                    (
                        JwsSigner::Rsa(self.rsa.as_ref().ok_or(Error::NoRsaKey)?),
                        self.rsa_kid.as_deref(),
                    )
                };
                Ok(Signed::Jwt(badgesafe_proof::jws::sign(
                    &payload, kid, signer,
                )?))
            }
        }
    }
}

/// The OB 3.0 VC-JWT payload: the credential plus `iss`, `jti`, `nbf`, `sub`, `exp`.
fn jwt_payload(doc: &Value) -> Result<Value, Error> {
    let mut payload = doc.as_object().cloned().unwrap_or_default();
    let time = |k: &str| -> Result<Option<i64>, Error> {
        match doc.get(k).and_then(Value::as_str) {
            None => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.timestamp()))
                .map_err(|_| {
                    Error::Invalid(format!("{k} {s:?} is not a date-time with a time zone"))
                }),
        }
    };
    let issuer = doc
        .get("issuer")
        .and_then(|i| i.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    payload.insert("iss".into(), issuer);
    if let Some(id) = doc.get("id") {
        payload.insert("jti".into(), id.clone());
    }
    if let Some(nbf) = time("validFrom")? {
        payload.insert("nbf".into(), nbf.into());
    }
    if let Some(exp) = time("validUntil")? {
        payload.insert("exp".into(), exp.into());
    }
    if let Some(sub) = doc.get("credentialSubject").and_then(|s| s.get("id")) {
        payload.insert("sub".into(), sub.clone());
    }
    Ok(Value::Object(payload))
}

/// Emits arrays for multi-valued fields and lower-cases `@language` tags, recursively.
pub fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            normalize_object(map);
            for v in map.values_mut() {
                normalize(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn normalize_object(map: &mut Map<String, Value>) {
    for key in ARRAY_FIELDS {
        if let Some(v) = map.get_mut(key)
            && !v.is_array()
            && !v.is_null()
            // `identifier` is a list of IdentityObjects in a subject, but a single string in
            // an IdentifierEntry; `resultDescription` is a list of objects in an Achievement,
            // but a single id in a Result.
            && (!matches!(key, "identifier" | "resultDescription") || v.is_object())
        {
            *v = Value::Array(vec![v.take()]);
        }
    }
    if let Some(Value::String(t)) = map.get("type")
        && SET_TYPES.contains(&t.as_str())
    {
        let t = t.clone();
        map.insert("type".into(), Value::Array(vec![t.into()]));
    }
    if let Some(Value::String(lang)) = map.get_mut("@language") {
        *lang = lang.to_ascii_lowercase();
    }
}

/// A small sample credential for `recipient_email`, for demonstrations.
pub fn sample_credential(recipient_email: &str, salt: &str, image: Option<String>) -> Value {
    let mut achievement = json!({
        "id": "urn:uuid:6a1e4f2b-9c3d-4e8a-b7f1-2d5c8a9e0b14",
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": "Veilig werken / Working safely",
        "description": "Werkt veilig in de werkplaats. Works safely in the workshop.",
        "criteria": {"narrative": "Showed safe use of tools and protective equipment during a supervised workshop day."}
    });
    if let Some(img) = image {
        achievement["image"] =
            json!({"id": img, "type": "Image", "caption": "Working safely badge"});
    }
    json!({
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Veilig werken / Working safely",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [serde_json::to_value(badgesafe_model::IdentityObject::hashed("emailAddress", recipient_email, salt)).unwrap_or(Value::Null)],
            "achievement": achievement
        }
    })
}

#[cfg(test)]
mod tests;
