//! The share relay: it keeps the ciphertext of a shared presentation until its expiry (at most
//! 90 days) or until the student withdraws it with the deletion token. It never sees the key
//! (that stays in the link's fragment) and never keeps plaintext. Each share is one file,
//! written atomically; after expiry or withdrawal only a tombstone (the reason and the date) is
//! kept for 30 days, so the link can say what happened.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest as _;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{MAX_INPUT_BYTES, Verifier, json_answer};

/// The longest a share may live.
pub const MAX_DAYS: i64 = 90;
/// How long a tombstone is kept after a share ended.
const TOMBSTONE_DAYS: i64 = 30;

/// The relay's folder and the address links point at.
pub struct Relay {
    dir: PathBuf,
    public_url: String,
    max_bytes: u64,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    /// base64url of IV ‖ AES-256-GCM ciphertext; `None` once ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ciphertext: Option<String>,
    /// Unix milliseconds.
    expires: i64,
    /// SHA-256 (hex) of the deletion token.
    delete: String,
    /// When it was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    withdrawn: Option<i64>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn is_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn b64u_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

impl Relay {
    /// A relay keeping its files in `dir` (created), with links under `public_url`.
    pub fn new(dir: PathBuf, public_url: &str) -> Result<Self, String> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("creating the share folder {}: {e}", dir.display()))?;
        Ok(Self {
            dir,
            public_url: public_url.trim_end_matches('/').to_owned(),
            max_bytes: 1024 * 1024 * 1024,
        })
    }

    /// At most this many bytes of shares are kept (default 1 GiB); a new share beyond it is
    /// refused (507) until older ones end.
    pub fn with_limit(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    fn used(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn read(&self, id: &str) -> Option<Stored> {
        let bytes = std::fs::read(self.path(id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn write(&self, id: &str, s: &Stored) -> Result<(), String> {
        let bytes = serde_json::to_vec(s).map_err(|e| e.to_string())?;
        badgesafe_fs::write_atomic(&self.path(id), &bytes, true).map_err(|e| e.to_string())
    }

    /// Ends expired shares (ciphertext dropped, tombstone kept) and removes old tombstones.
    /// Returns how many files changed.
    pub fn purge(&self) -> usize {
        let now = now_ms();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut changed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json").filter(|i| is_id(i)) else {
                continue;
            };
            let Some(mut s) = self.read(id) else {
                continue;
            };
            let ended = s.withdrawn.unwrap_or(s.expires).min(s.expires);
            if now > ended + TOMBSTONE_DAYS * 86_400_000 {
                if std::fs::remove_file(e.path()).is_ok() {
                    changed += 1;
                }
            } else if s.ciphertext.is_some() && now >= s.expires {
                s.ciphertext = None;
                if self.write(id, &s).is_ok() {
                    changed += 1;
                }
            }
        }
        changed
    }
}

#[derive(Deserialize)]
pub(crate) struct NewShare {
    ciphertext: String,
    expires: String,
}

/// `POST /shares {"ciphertext", "expires"}` → 201 `{"id", "url", "expires", "deleteToken"}`.
pub(crate) async fn create(State(v): State<Arc<Verifier>>, body: axum::body::Bytes) -> Response {
    let bad = |why: &str| json_answer(StatusCode::BAD_REQUEST, json!({"error": why}));
    let Ok(new) = serde_json::from_slice::<NewShare>(&body) else {
        return bad("send {\"ciphertext\": base64url, \"expires\": date-time}");
    };
    let Some(ct) = b64u_decode(&new.ciphertext) else {
        return bad("ciphertext is not base64url");
    };
    if ct.len() < 12 + 16 {
        return bad("ciphertext is too short to be AES-GCM output");
    }
    if ct.len() > MAX_INPUT_BYTES {
        return json_answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": "the share is larger than 8 MiB"}),
        );
    }
    let Ok(expires) = chrono::DateTime::parse_from_rfc3339(&new.expires) else {
        return bad("expires is not a date-time");
    };
    let expires = expires.timestamp_millis();
    let now = now_ms();
    if expires <= now {
        return bad("expires has passed");
    }
    if expires > now + MAX_DAYS * 86_400_000 {
        return bad("a share lives at most 90 days");
    }
    if v.relay.used() + body.len() as u64 > v.relay.max_bytes {
        return json_answer(
            StatusCode::INSUFFICIENT_STORAGE,
            json!({"error": "the share relay is full; try again later"}),
        );
    }
    let (Ok(id), Ok(token)) = (
        badgesafe_crypto::random_bytes::<16>(),
        badgesafe_crypto::random_bytes::<32>(),
    ) else {
        return json_answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "no randomness"}),
        );
    };
    let (id, token) = (hex::encode(id), hex::encode(token));
    let stored = Stored {
        ciphertext: Some(new.ciphertext),
        expires,
        delete: hex::encode(sha2::Sha256::digest(token.as_bytes())),
        withdrawn: None,
    };
    if let Err(e) = v.relay.write(&id, &stored) {
        return json_answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": format!("the share could not be stored: {e}")}),
        );
    }
    json_answer(
        StatusCode::CREATED,
        json!({"id": id, "url": format!("{}/s/{id}", v.relay.public_url), "expires": new.expires, "deleteToken": token}),
    )
}

/// `GET /shares/{id}` → `{"ciphertext", "expires"}`, 410 `{"error", "withdrawn"|"expired"}`
/// once ended, 404 when unknown.
pub(crate) async fn fetch(State(v): State<Arc<Verifier>>, Path(id): Path<String>) -> Response {
    let gone = |reason: &str, why: &str| {
        json_answer(StatusCode::GONE, json!({"error": why, "reason": reason}))
    };
    if !is_id(&id) {
        return json_answer(StatusCode::NOT_FOUND, json!({"error": "no such share"}));
    }
    let Some(mut s) = v.relay.read(&id) else {
        return json_answer(
            StatusCode::NOT_FOUND,
            json!({"error": "no such share (it never existed, or ended more than 30 days ago)"}),
        );
    };
    if s.withdrawn.is_some() {
        return gone("withdrawn", "the student withdrew this share");
    }
    if now_ms() >= s.expires {
        if s.ciphertext.take().is_some() {
            let _ = v.relay.write(&id, &s);
        }
        return gone("expired", "this share has expired");
    }
    let expires = chrono::DateTime::from_timestamp_millis(s.expires)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    json_answer(
        StatusCode::OK,
        json!({"ciphertext": s.ciphertext, "expires": expires}),
    )
}

/// `DELETE /shares/{id}` with `Authorization: Bearer DELETE_TOKEN` → 204; the ciphertext is
/// gone at once.
pub(crate) async fn withdraw(
    State(v): State<Arc<Verifier>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !is_id(&id) {
        return json_answer(StatusCode::NOT_FOUND, json!({"error": "no such share"}));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(mut s) = v.relay.read(&id) else {
        return json_answer(StatusCode::NOT_FOUND, json!({"error": "no such share"}));
    };
    if hex::encode(sha2::Sha256::digest(token.as_bytes())) != s.delete {
        return json_answer(
            StatusCode::FORBIDDEN,
            json!({"error": "that is not this share's deletion token"}),
        );
    }
    s.ciphertext = None;
    s.withdrawn.get_or_insert_with(now_ms);
    match v.relay.write(&id, &s) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => json_answer(StatusCode::SERVICE_UNAVAILABLE, json!({"error": e})),
    }
}
