//! OB 3.0 classes (`shared/spec/STANDARDS.md` §1.5). Only the fields badgesafe issues are typed;
//! a credential received from elsewhere is kept as JSON and validated with the schema.

use crate::OneOrMany;
use serde::{Deserialize, Serialize};

fn many(t: &str) -> OneOrMany<String> {
    OneOrMany::Many(vec![t.to_owned()])
}

/// `Image`: `id` is a URL or a `data:` URI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// URL or data URI.
    pub id: String,
    /// Always `Image`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Alternative text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

impl Image {
    /// An image by URL or data URI.
    pub fn new(id: impl Into<String>, caption: Option<String>) -> Self {
        Self {
            id: id.into(),
            kind: "Image".into(),
            caption,
        }
    }
}

/// `Profile`: the issuer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// URI of the issuer (a DID or an https URL).
    pub id: String,
    /// Contains `Profile`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Contact address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

impl Profile {
    /// A profile with an id and a name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: many("Profile"),
            name: Some(name.into()),
            url: None,
            email: None,
            description: None,
            image: None,
        }
    }
}

/// `Criteria`: how the achievement is earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Criteria {
    /// URL of a criteria page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Markdown text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// `Alignment`: a link to a framework or standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// Contains `Alignment`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// Name of the target.
    pub target_name: String,
    /// URL of the target.
    pub target_url: String,
    /// Code in the framework.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// The framework's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// e.g. `ceasn:Competency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
}

impl Alignment {
    /// An alignment to a named target.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            kind: many("Alignment"),
            target_name: name.into(),
            target_url: url.into(),
            target_code: None,
            target_framework: None,
            target_type: None,
        }
    }
}

/// `ResultDescription`: a kind of result the achievement records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    /// URI.
    pub id: String,
    /// Contains `ResultDescription`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// Name.
    pub name: String,
    /// e.g. `LetterGrade`, `Percent`, `Status`.
    pub result_type: String,
    /// Allowed values, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_value: Option<Vec<String>>,
}

/// `Achievement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// URI of the achievement.
    pub id: String,
    /// Contains `Achievement`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// e.g. `Badge`, `Certificate`, `Competency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Criteria.
    pub criteria: Criteria,
    /// The badge image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Alignments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// Result descriptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_description: Option<Vec<ResultDescription>>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// Who created the achievement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<Profile>,
}

impl Achievement {
    /// An achievement with the required fields.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
        criteria: Criteria,
    ) -> Self {
        Self {
            id: id.into(),
            kind: many("Achievement"),
            achievement_type: None,
            name: name.into(),
            description: description.into(),
            criteria,
            image: None,
            alignment: None,
            result_description: None,
            tag: None,
            creator: None,
        }
    }
}

/// `Result`: what the learner achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementResult {
    /// Contains `Result`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// The `id` of a ResultDescription of the achievement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    /// The value, e.g. `8.5`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// e.g. `Completed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl AchievementResult {
    /// A result with a value.
    pub fn value(value: impl Into<String>, result_description: Option<String>) -> Self {
        Self {
            kind: many("Result"),
            result_description,
            value: Some(value.into()),
            status: None,
        }
    }
}

/// `Evidence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// URL (or data URI) of the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Contains `Evidence`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Markdown narrative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

impl Evidence {
    /// Evidence at a URL.
    pub fn url(url: impl Into<String>) -> Self {
        Self {
            id: Some(url.into()),
            kind: many("Evidence"),
            name: None,
            narrative: None,
        }
    }
}

/// `IdentityObject`: a (usually hashed) identifier of the recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// Always `IdentityObject`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether `identity_hash` is hashed.
    pub hashed: bool,
    /// `sha256$<hex>` or the plain identifier.
    pub identity_hash: String,
    /// e.g. `emailAddress`.
    pub identity_type: String,
    /// Salt appended before hashing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

impl IdentityObject {
    /// A salted SHA-256 identity: `sha256$hex(sha256(identifier ‖ salt))`.
    pub fn hashed(identity_type: &str, identifier: &str, salt: &str) -> Self {
        Self {
            kind: "IdentityObject".into(),
            hashed: true,
            identity_hash: identity_hash(identifier, salt),
            identity_type: identity_type.into(),
            salt: Some(salt.into()),
        }
    }

    /// A plain identity: the identifier itself, readable by anyone who sees the credential.
    pub fn plain(identity_type: &str, identifier: &str) -> Self {
        Self {
            kind: "IdentityObject".into(),
            hashed: false,
            identity_hash: identifier.into(),
            identity_type: identity_type.into(),
            salt: None,
        }
    }
}

/// `sha256$<hex>` over UTF-8(identifier ‖ salt) (OB 3.0 IdentityHash).
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(identifier.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex::encode(h.finalize()))
}

/// `AchievementSubject`: the learner and what they achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// The learner's DID, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Contains `AchievementSubject`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// Identifiers, such as a hashed e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Vec<IdentityObject>>,
    /// The achievement.
    pub achievement: Achievement,
    /// Results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<AchievementResult>>,
}

/// An `OpenBadgeCredential` without proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementCredential {
    /// JSON-LD contexts.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `urn:uuid:…`.
    pub id: String,
    /// `VerifiableCredential`, `OpenBadgeCredential`.
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    /// The issuer.
    pub issuer: Profile,
    /// When it becomes valid.
    pub valid_from: String,
    /// When it stops being valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The subject.
    pub credential_subject: AchievementSubject,
    /// Evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<Evidence>>,
    /// The original award date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// Status entry (BitstringStatusListEntry or 1EdTechRevocationList).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<serde_json::Value>,
}

/// A fresh random `urn:uuid:` (version 4) id.
pub fn new_credential_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

impl AchievementCredential {
    /// A credential for `subject`, issued by `issuer`, valid from `valid_from`, with a random id.
    pub fn new(issuer: Profile, subject: AchievementSubject, valid_from: String) -> Self {
        let name = Some(subject.achievement.name.clone());
        Self {
            context: vec![
                "https://www.w3.org/ns/credentials/v2".into(),
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json".into(),
            ],
            id: new_credential_id(),
            kind: OneOrMany::Many(vec![
                "VerifiableCredential".into(),
                "OpenBadgeCredential".into(),
            ]),
            issuer,
            valid_from,
            valid_until: None,
            name,
            credential_subject: subject,
            evidence: None,
            awarded_date: None,
            credential_status: None,
        }
    }
}
