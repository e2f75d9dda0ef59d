//! Achievements in and credentials out: checking a catalogue entry, and building the
//! credential a result becomes. No I/O.

use badgesafe_store::{Achievement, Pending};
use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Largest badge image accepted. The image travels inside every credential as a `data:` URI,
/// so it is kept small.
pub const MAX_IMAGE: usize = 256 * 1024;
/// Longest achievement key.
pub const MAX_KEY: usize = 64;

/// Fields of an achievement the API takes, besides the key.
const KNOWN: [&str; 13] = [
    "key",
    "name",
    "description",
    "criteria",
    "image",
    "achievementType",
    "alignment",
    "resultDescription",
    "tag",
    "fieldOfStudy",
    "humanCode",
    "specialization",
    "creditsAvailable",
];
/// Fields kept in the stored body (the rest of the OB `Achievement`).
const EXTRA: [&str; 8] = [
    "achievementType",
    "alignment",
    "resultDescription",
    "tag",
    "fieldOfStudy",
    "humanCode",
    "specialization",
    "creditsAvailable",
];

/// The catalogue's id for an achievement.
pub fn achievement_id(public_url: &str, key: &str) -> String {
    format!("{}/achievements/{key}", public_url.trim_end_matches('/'))
}

/// A `data:` URI of an image.
pub fn data_uri(image: &[u8], image_type: &str) -> String {
    format!(
        "data:{image_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(image)
    )
}

/// Reads an image given as a `data:` URI or as plain base64; checks it is a PNG or SVG of at
/// most [`MAX_IMAGE`] bytes that can carry a baked credential.
pub fn read_image(value: &str) -> Result<(Vec<u8>, String), String> {
    let b64 = match value.strip_prefix("data:") {
        Some(rest) => {
            let (meta, data) = rest
                .split_once(',')
                .ok_or("image: a data: URI needs a comma before its data")?;
            if !meta.ends_with(";base64") {
                return Err("image: the data: URI must be base64 (data:image/png;base64,…)".into());
            }
            data
        }
        None => value,
    };
    if b64.len() > MAX_IMAGE * 4 / 3 + 4 {
        return Err(format!("image is larger than {} KiB", MAX_IMAGE / 1024));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("image is not base64: {e}"))?;
    check_image(&bytes).map(|ty| (bytes, ty))
}

/// Checks raw image bytes; returns the media type.
pub fn check_image(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_IMAGE {
        return Err(format!("image is larger than {} KiB", MAX_IMAGE / 1024));
    }
    let ty = match badgesafe_bake::sniff(bytes) {
        Some(badgesafe_bake::ImageFormat::Png) => "image/png",
        Some(badgesafe_bake::ImageFormat::Svg) => "image/svg+xml",
        None => return Err("image is neither a PNG nor an SVG".into()),
    };
    // Baking must work on it, or every badge of this achievement would fail later.
    badgesafe_bake::bake(bytes, "{}").map_err(|e| format!("image cannot carry a badge: {e}"))?;
    Ok(ty.into())
}

fn text(obj: &Map<String, Value>, field: &str, max: usize) -> Result<String, String> {
    match obj.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > max {
                Err(format!("{field} is longer than {max} characters"))
            } else {
                Ok(s.trim().to_owned())
            }
        }
        Some(Value::String(_)) | None => Err(format!("{field} is required")),
        Some(_) => Err(format!("{field} must be a string")),
    }
}

/// Checks an achievement as the API receives it, merging it over `existing` (an edit).
pub fn achievement_from_json(
    input: &Value,
    key_in_path: Option<&str>,
    existing: Option<&Achievement>,
    now: i64,
) -> Result<Achievement, String> {
    let mut obj = input
        .as_object()
        .cloned()
        .ok_or("the achievement must be a JSON object")?;
    if let Some(unknown) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {unknown:?} (known: {})",
            KNOWN.join(", ")
        ));
    }
    if let Some(old) = existing {
        let body: Value = serde_json::from_str(&old.body)
            .map_err(|e| format!("the stored achievement {} is damaged: {e}", old.key))?;
        for (k, v) in [
            ("name", Value::from(old.name.clone())),
            ("description", old.description.clone().into()),
            ("criteria", old.criteria.clone().into()),
        ] {
            obj.entry(k).or_insert(v);
        }
        if let Some(b) = body.as_object() {
            for (k, v) in b {
                obj.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    let key = match (key_in_path, obj.get("key")) {
        (Some(p), Some(Value::String(k))) if k != p => {
            return Err(format!("key {k:?} does not match the URL's {p:?}"));
        }
        (Some(p), _) => p.to_owned(),
        (None, Some(Value::String(k))) => k.clone(),
        (None, _) => return Err("key is required (a short code such as EHBO-1)".into()),
    };
    if key.is_empty()
        || key.len() > MAX_KEY
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "key {key:?} must be 1 to {MAX_KEY} letters, digits, '-', '_' or '.'"
        ));
    }
    let name = text(&obj, "name", 200)?;
    let description = text(&obj, "description", 2000)?;
    let criteria = text(&obj, "criteria", 4000)?;
    let (image, image_type) = match (obj.get("image"), existing) {
        (Some(Value::String(s)), _) => read_image(s)?,
        (Some(_), _) => return Err("image must be a data: URI or base64 string".into()),
        (None, Some(old)) => (old.image.clone(), old.image_type.clone()),
        (None, None) => return Err("image is required (a PNG or SVG)".into()),
    };
    let body: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| EXTRA.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Achievement {
        key,
        name,
        description,
        criteria,
        body: Value::Object(body).to_string(),
        image,
        image_type,
        retired: existing.and_then(|e| e.retired),
        created: existing.map_or(now, |e| e.created),
        updated: now,
    })
}

/// The OB `Achievement` object of a catalogue entry.
pub fn achievement_object(a: &Achievement, public_url: &str) -> Value {
    let mut out = json!({
        "id": achievement_id(public_url, &a.key),
        "type": ["Achievement"],
        "name": a.name,
        "description": a.description,
        "criteria": {"narrative": a.criteria},
        "image": {"id": data_uri(&a.image, &a.image_type), "type": "Image", "caption": a.name},
    });
    if let (Some(o), Ok(Value::Object(extra))) =
        (out.as_object_mut(), serde_json::from_str::<Value>(&a.body))
    {
        for (k, v) in extra {
            o.insert(k, v);
        }
    }
    out
}

/// The unsigned credential for a result.
pub fn credential(
    p: &Pending,
    achievement: &Value,
    status_list_url: &dyn Fn(&str, i64) -> String,
    entries_per_list: i64,
    valid_from: &str,
    hash_recipient: bool,
) -> Value {
    let identity = if hash_recipient {
        badgesafe_model::IdentityObject::hashed("emailAddress", &p.email, &p.salt)
    } else {
        badgesafe_model::IdentityObject::plain("emailAddress", &p.email)
    };
    let mut subject = json!({
        "type": ["AchievementSubject"],
        "identifier": [serde_json::to_value(identity).unwrap_or(Value::Null)],
        "achievement": achievement,
    });
    if let Some(r) = &p.result {
        let mut result = json!({"type": ["Result"], "value": r});
        // With one result description, the result refers to it.
        if let Some([only]) = achievement
            .get("resultDescription")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            && let Some(id) = only.get("id").and_then(Value::as_str)
        {
            result["resultDescription"] = id.into();
        }
        subject["result"] = json!([result]);
    }
    let list = p.status_index / entries_per_list;
    let index = (p.status_index % entries_per_list) as u64;
    let mut doc = json!({
        "id": p.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.get("name").cloned().unwrap_or(Value::Null),
        "validFrom": valid_from,
        "awardedDate": format!("{}T00:00:00Z", p.award_date),
        "credentialSubject": subject,
        // OB 3.0 allows one status entry per credential: revocation.
        "credentialStatus": badgesafe_status::entry(&status_list_url("revocation", list), "revocation", index),
    });
    if let Some(e) = &p.evidence {
        doc["evidence"] = json!([{"id": e, "type": ["Evidence"]}]);
    }
    doc
}
