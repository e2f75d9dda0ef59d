//! Import: any input split into candidate badges (an e-mail gives its attachments), each one
//! verified, summarised and added unless it is already there or fails verification.

use mail_parser::MimeHeaders as _;
use serde_json::Value;
use sha2::Digest as _;

use crate::contents::{Badge, Contents, Kind};

/// The largest file accepted for import (an e-mail with its attachments).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// The most attachments read from one e-mail.
pub const MAX_ATTACHMENTS: usize = 200;
/// The most decoded attachment bytes read from one e-mail: a message whose parts decode to
/// more is refused rather than unpacked.
pub const MAX_DECODED_BYTES: usize = 64 * 1024 * 1024;
/// How deep attached e-mails (`message/rfc822`) are opened.
pub const MAX_NESTING: usize = 3;

/// One candidate badge: where it came from and its bytes.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// A file name, or `mail.eml › badge.png` for an attachment.
    pub source: String,
    /// The badge file's bytes (image, JSON or JWS).
    pub bytes: Vec<u8>,
}

/// What happened to one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Added; `verified` is false when the student kept a badge that failed verification.
    Added {
        /// The badge id.
        id: String,
        /// Its name.
        name: String,
        /// Whether it verified.
        verified: bool,
    },
    /// Already in the wallet; nothing added.
    Duplicate {
        /// The badge id.
        id: String,
        /// Its name.
        name: String,
    },
    /// Failed verification (the first failed check, in plain words); not added.
    Refused(String),
    /// Not a badge, or unreadable; not added.
    Skipped(String),
}

/// One input's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Where it came from.
    pub source: String,
    /// What happened.
    pub outcome: Outcome,
}

fn looks_like_mail(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let Ok(text) = std::str::from_utf8(head) else {
        return false;
    };
    let first = text.lines().next().unwrap_or_default();
    let name = first.split(':').next().unwrap_or_default();
    first.contains(':')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && text.lines().any(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("from:")
                || l.starts_with("mime-version:")
                || l.starts_with("content-type:")
        })
}

fn is_badge_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".svg", ".json", ".jsonld", ".jwt", ".jws"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Splits an input into candidate badges. An e-mail (`.eml`, or text that starts like one)
/// gives its badge attachments, and attached e-mails theirs, to [`MAX_NESTING`] levels; other
/// input is one candidate. Attachments that cannot be badges are reported, not dropped
/// silently.
pub fn candidates(source: &str, bytes: &[u8]) -> (Vec<Candidate>, Vec<Imported>) {
    let is_mail = source.to_ascii_lowercase().ends_with(".eml")
        || (badgesafe_bake::sniff(bytes).is_none() && looks_like_mail(bytes));
    if !is_mail {
        return (
            vec![Candidate {
                source: source.to_owned(),
                bytes: bytes.to_vec(),
            }],
            Vec::new(),
        );
    }
    let mut found = Vec::new();
    let mut notes = Vec::new();
    let mut budget = MAX_DECODED_BYTES;
    let Some(message) = mail_parser::MessageParser::default().parse(bytes) else {
        notes.push(Imported {
            source: source.to_owned(),
            outcome: Outcome::Skipped("not an e-mail message (no headers)".into()),
        });
        return (found, notes);
    };
    if let Err(why) = attachments(&message, source, 0, &mut budget, &mut found, &mut notes) {
        // All or nothing for one e-mail: a hostile message adds nothing.
        found.clear();
        notes.clear();
        notes.push(Imported {
            source: source.to_owned(),
            outcome: Outcome::Skipped(why),
        });
        return (found, notes);
    }
    if found.is_empty() && notes.is_empty() {
        notes.push(Imported {
            source: source.to_owned(),
            outcome: Outcome::Skipped("the e-mail has no attachments".into()),
        });
    }
    (found, notes)
}

fn attachments(
    message: &mail_parser::Message<'_>,
    source: &str,
    depth: usize,
    budget: &mut usize,
    found: &mut Vec<Candidate>,
    notes: &mut Vec<Imported>,
) -> Result<(), String> {
    if message.attachment_count() > MAX_ATTACHMENTS {
        return Err(format!(
            "the e-mail has {} attachments; at most {MAX_ATTACHMENTS} are read",
            message.attachment_count()
        ));
    }
    for (i, part) in message.attachments().enumerate() {
        let name = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("attachment {}", i + 1));
        let here = format!("{source} › {name}");
        if let Some(inner) = part.message() {
            if depth + 1 >= MAX_NESTING {
                return Err(format!(
                    "e-mails are attached inside each other more than {MAX_NESTING} deep"
                ));
            }
            attachments(inner, &here, depth + 1, budget, found, notes)?;
            continue;
        }
        let contents = part.contents();
        if contents.len() > *budget {
            return Err(format!(
                "the attachments decode to more than {} MiB",
                MAX_DECODED_BYTES / (1024 * 1024)
            ));
        }
        *budget -= contents.len();
        let ctype = part
            .content_type()
            .map(|c| {
                format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase()
            })
            .unwrap_or_default();
        let badge_type = matches!(
            ctype.as_str(),
            "image/png"
                | "image/svg+xml"
                | "application/json"
                | "application/ld+json"
                | "application/vc+jwt"
                | "application/jwt"
                | "application/vc+ld+json"
        );
        if is_badge_name(&name) || badge_type {
            found.push(Candidate {
                source: here,
                bytes: contents.to_vec(),
            });
        } else if ctype.contains("zip") || name.to_ascii_lowercase().ends_with(".zip") {
            notes.push(Imported {
                source: here,
                outcome: Outcome::Skipped(
                    "zip archives are not opened: unpack it and import the files".into(),
                ),
            });
        } else {
            notes.push(Imported {
                source: here,
                outcome: Outcome::Skipped(format!(
                    "not a badge file ({})",
                    if ctype.is_empty() { "no type" } else { &ctype }
                )),
            });
        }
    }
    Ok(())
}

/// A hosted badge (an OB 2.0 assertion, or a badge file) fetched from its address.
pub fn fetch(url: &str, fetcher: &dyn badgesafe_verify::Fetcher) -> Result<Candidate, String> {
    let bytes = fetcher
        .get(
            url,
            "application/ld+json, application/json, image/png, image/svg+xml",
        )
        .map_err(|e| format!("fetching {url}: {e}"))?;
    Ok(Candidate {
        source: url.to_owned(),
        bytes,
    })
}

/// What a candidate badge is once read: its kind, its credential and an image when the
/// credential carries none of its own.
struct Read {
    kind: Kind,
    credential: Value,
    image: Option<String>,
}

fn data_uri(bytes: &[u8], mime: &str) -> String {
    use base64::Engine as _;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn is_ob2(doc: &Value) -> bool {
    let ctx = |c: &Value| {
        c.as_str()
            .is_some_and(|s| s.contains("w3id.org/openbadges/v2"))
    };
    match doc.get("@context") {
        Some(Value::Array(items)) => items.iter().any(ctx),
        Some(c) => ctx(c),
        None => false,
    }
}

fn read_candidate(
    bytes: &[u8],
    fetcher: Option<&dyn badgesafe_verify::Fetcher>,
) -> Result<Read, String> {
    let (text, image) = match badgesafe_bake::sniff(bytes) {
        Some(fmt) => {
            let baked = badgesafe_bake::unbake(bytes)
                .map_err(|e| e.to_string())?
                .ok_or("an image without a baked badge")?;
            let mime = match fmt {
                badgesafe_bake::ImageFormat::Png => "image/png",
                badgesafe_bake::ImageFormat::Svg => "image/svg+xml",
            };
            let text = match baked.payload {
                badgesafe_bake::Payload::Url(url) => {
                    let f = fetcher.ok_or(
                        "the image holds only the address of a hosted badge, which cannot be fetched offline",
                    )?;
                    let body = f.get(&url, "application/ld+json, application/json")?;
                    String::from_utf8(body).map_err(|_| format!("{url} did not return text"))?
                }
                other => other.as_str().to_owned(),
            };
            (text, Some(data_uri(bytes, mime)))
        }
        None => (
            std::str::from_utf8(bytes)
                .map_err(|_| "not a PNG, SVG, JSON or JWT file")?
                .trim_start_matches('\u{feff}')
                .trim()
                .to_owned(),
            None,
        ),
    };
    if badgesafe_proof::jws::looks_like_compact(&text) {
        let jws = badgesafe_proof::jws::decode(&text).map_err(|e| e.to_string())?;
        let kind = if is_ob2(&jws.payload) || jws.payload.get("recipient").is_some() {
            Kind::Ob2
        } else {
            Kind::VcJwt
        };
        return Ok(Read {
            kind,
            credential: Value::String(text),
            image,
        });
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    if !doc.is_object() {
        return Err("the JSON is not an object".into());
    }
    let kind = if is_ob2(&doc) { Kind::Ob2 } else { Kind::Vc };
    Ok(Read {
        kind,
        credential: doc,
        image,
    })
}

/// The credential's claims: the JSON itself, or a JWS payload (VC-JWT may wrap it in `vc`).
fn claims(read: &Value) -> Value {
    match read {
        Value::String(jws) => badgesafe_proof::jws::decode(jws)
            .map(|j| match j.payload.get("vc") {
                Some(vc) if vc.is_object() => vc.clone(),
                _ => j.payload,
            })
            .unwrap_or(Value::Null),
        v => v.clone(),
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        // Multilingual values: {"nl": "…", "en": "…"} or [{"@value": …}].
        Value::Object(m) => m
            .get("@value")
            .or_else(|| m.get("en"))
            .or_else(|| m.values().next())
            .and_then(text_of),
        Value::Array(items) => items.first().and_then(text_of),
        _ => None,
    }
}

struct Summary {
    id: Option<String>,
    name: String,
    description: String,
    issuer: String,
    issuer_id: String,
    issued: String,
    skills: Vec<String>,
}

fn summarize(kind: Kind, c: &Value) -> Summary {
    let s = |v: Option<&Value>| v.and_then(text_of).unwrap_or_default();
    let (achievement, issuer, issued) = match kind {
        Kind::Ob2 => {
            let badge = c.get("badge").cloned().unwrap_or(Value::Null);
            let issuer = badge.get("issuer").cloned().unwrap_or(Value::Null);
            (badge, issuer, s(c.get("issuedOn")))
        }
        Kind::Vc | Kind::VcJwt => {
            let subject = match c.get("credentialSubject") {
                Some(Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
                Some(v) => v.clone(),
                None => Value::Null,
            };
            let achievement = subject
                .get("achievement")
                .cloned()
                .unwrap_or_else(|| c.clone());
            let issued = s(c.get("validFrom").or_else(|| c.get("issuanceDate")));
            (
                achievement,
                c.get("issuer").cloned().unwrap_or(Value::Null),
                issued,
            )
        }
    };
    let (issuer_name, issuer_id) = match &issuer {
        Value::String(id) => (id.clone(), id.clone()),
        v => (s(v.get("name")), s(v.get("id"))),
    };
    let mut skills: Vec<String> = Vec::new();
    for a in achievement
        .get("alignment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = a.get("targetName").and_then(text_of) {
            skills.push(n);
        }
    }
    for t in achievement
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = text_of(t) {
            skills.push(t);
        }
    }
    if let Some(t) = achievement.get("achievementType").and_then(text_of) {
        skills.push(t);
    }
    let mut name = s(achievement.get("name"));
    if name.is_empty() {
        name = s(c.get("name"));
    }
    if name.is_empty() {
        name = match &achievement {
            Value::String(url) => url.clone(),
            _ => "(no name)".into(),
        };
    }
    Summary {
        id: c
            .get("id")
            .or_else(|| c.get("jti"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        name,
        description: s(achievement.get("description")),
        issuer: if issuer_name.is_empty() {
            issuer_id.clone()
        } else {
            issuer_name
        },
        issuer_id,
        issued,
        skills,
    }
}

/// Fetches an OB 2.0 assertion's badge class and issuer when they are only addresses, for the
/// name and issuer shown; a failed fetch leaves the address (verification reports it).
fn expand_ob2(claims: &mut Value, fetcher: &dyn badgesafe_verify::Fetcher) {
    let get = |url: &str| -> Option<Value> {
        let body = fetcher
            .get(url, "application/ld+json, application/json")
            .ok()?;
        serde_json::from_slice::<Value>(&body)
            .ok()
            .filter(Value::is_object)
    };
    if let Some(url) = claims.get("badge").and_then(Value::as_str)
        && let Some(class) = get(url)
    {
        claims["badge"] = class;
    }
    if let Some(url) = claims
        .get("badge")
        .and_then(|b| b.get("issuer"))
        .and_then(Value::as_str)
        && let Some(issuer) = get(url)
    {
        claims["badge"]["issuer"] = issuer;
    }
}

/// A badge's image as a `data:` URI: the achievement's (or OB 2.0 badge class's) embedded
/// image, else the image it was imported from.
pub fn image_of(badge: &Badge) -> Option<String> {
    let c = claims(&badge.credential);
    let from = |v: Option<&Value>| -> Option<String> {
        let v = v?;
        let url = v.as_str().or_else(|| v.get("id").and_then(Value::as_str))?;
        url.starts_with("data:image/").then(|| url.to_owned())
    };
    let subject = match c.get("credentialSubject") {
        Some(Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    from(subject.get("achievement").and_then(|a| a.get("image")))
        .or_else(|| from(c.get("badge").and_then(|b| b.get("image"))))
        .or_else(|| badge.image.clone())
}

/// Verifies one candidate and adds it to `contents` unless it is there already, or fails
/// verification and `keep_unverified` is false.
pub fn import_one(
    contents: &mut Contents,
    candidate: &Candidate,
    opts: &badgesafe_verify::Options<'_>,
    keep_unverified: bool,
    now: &str,
) -> Imported {
    let done = |outcome| Imported {
        source: candidate.source.clone(),
        outcome,
    };
    let read = match read_candidate(&candidate.bytes, opts.fetcher) {
        Ok(r) => r,
        Err(why) => return done(Outcome::Skipped(why)),
    };
    let mut claims = claims(&read.credential);
    if read.kind == Kind::Ob2
        && let Some(f) = opts.fetcher
    {
        expand_ob2(&mut claims, f);
    }
    let summary = summarize(read.kind, &claims);
    let id = summary.id.clone().unwrap_or_else(|| {
        let text = match &read.credential {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(text.as_bytes()))
        )
    });
    if let Some(b) = contents.badges.iter().find(|b| b.id == id) {
        if b.credential == read.credential {
            return done(Outcome::Duplicate {
                id,
                name: b.name.clone(),
            });
        }
        return done(Outcome::Skipped(format!(
            "a different badge with the same id {id} ({}) is in the wallet already; ids must be unique",
            b.name
        )));
    }
    let report = badgesafe_verify::verify_bytes(&candidate.bytes, opts);
    if !report.verified && !keep_unverified {
        let why = report
            .checks
            .iter()
            .find(|c| c.outcome == badgesafe_verify::Outcome::Failed)
            .map_or_else(
                || "no check ties it to its issuer".to_owned(),
                |c| format!("{}: {}", c.check, c.detail),
            );
        return done(Outcome::Refused(why));
    }
    let mut badge = Badge {
        id: id.clone(),
        kind: read.kind,
        credential: read.credential,
        image: None,
        name: summary.name.clone(),
        description: summary.description,
        issuer: summary.issuer,
        issuer_id: summary.issuer_id,
        issued: summary.issued,
        skills: summary.skills,
        source: candidate.source.clone(),
        added: now.into(),
        checked: now.into(),
        verified: report.verified,
        report: serde_json::to_value(&report).unwrap_or(Value::Null),
    };
    // Keep the imported image only when the credential does not carry one.
    if image_of(&badge).is_none() {
        badge.image = read.image;
    }
    contents.badges.push(badge);
    done(Outcome::Added {
        id,
        name: summary.name,
        verified: report.verified,
    })
}

/// Imports whole inputs (files, e-mails, fetched addresses): each is split into candidates and
/// each candidate imported as [`import_one`] does. A badge an input carries twice (an e-mail
/// attaches it as image and as JSON) is reported once.
pub fn import_all(
    contents: &mut Contents,
    inputs: &[(String, Vec<u8>)],
    opts: &badgesafe_verify::Options<'_>,
    keep_unverified: bool,
    now: &str,
) -> Vec<Imported> {
    let mut results = Vec::new();
    for (source, bytes) in inputs {
        let (found, notes) = candidates(source, bytes);
        results.extend(notes);
        let mut added_here: Vec<String> = Vec::new();
        for c in &found {
            let r = import_one(contents, c, opts, keep_unverified, now);
            if let Outcome::Duplicate { id, .. } = &r.outcome
                && added_here.contains(id)
            {
                continue;
            }
            if let Outcome::Added { id, .. } = &r.outcome {
                added_here.push(id.clone());
            }
            results.push(r);
        }
    }
    results
}

/// Verifies a badge again (revocation, expiry, keys) and stores the new report.
pub fn recheck(badge: &mut Badge, opts: &badgesafe_verify::Options<'_>, now: &str) {
    let report = badgesafe_verify::verify_bytes(badge.credential_text().as_bytes(), opts);
    badge.verified = report.verified;
    badge.report = serde_json::to_value(&report).unwrap_or(Value::Null);
    badge.checked = now.into();
}

/// The badge baked into its image again: PNG or SVG, as the image is.
pub fn export_baked(badge: &Badge) -> Result<(Vec<u8>, &'static str), crate::Error> {
    use base64::Engine as _;
    let uri = image_of(badge)
        .ok_or_else(|| crate::Error::Export("this badge has no image to bake it into".into()))?;
    let (head, data) = uri
        .split_once(',')
        .ok_or_else(|| crate::Error::Export("the badge image is not a data: URI".into()))?;
    let bytes = if head.ends_with(";base64") {
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| crate::Error::Export(format!("the badge image: {e}")))?
    } else {
        data.as_bytes().to_vec()
    };
    let ext = match badgesafe_bake::sniff(&bytes) {
        Some(badgesafe_bake::ImageFormat::Png) => "png",
        Some(badgesafe_bake::ImageFormat::Svg) => "svg",
        None => {
            return Err(crate::Error::Export(
                "the badge image is neither PNG nor SVG".into(),
            ));
        }
    };
    let baked = badgesafe_bake::bake(&bytes, &badge.credential_text())
        .map_err(|e| crate::Error::Export(e.to_string()))?;
    Ok((baked, ext))
}
