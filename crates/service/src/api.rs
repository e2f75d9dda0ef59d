//! HTTP: the published documents, status lists, the staff JSON API and the VC-API.
//!
//! Every error is JSON `{"error": "...", "problemDetails": [...]}` with a 4xx status naming the
//! problem; a database that cannot be reached is a 503.

use crate::{ENTRIES_PER_LIST, Service, credential, now_ms, xsd};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use badgesafe_store::Store;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::Arc;

type Svc = State<Arc<Service>>;

/// Largest JSON request body.
pub const MAX_JSON: usize = 2 * 1024 * 1024;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<badgesafe_store::Error> for ApiError {
    fn from(e: badgesafe_store::Error) -> Self {
        use badgesafe_store::Error as E;
        let status = match &e {
            E::NotFound(_) => StatusCode::NOT_FOUND,
            E::Conflict(_) => StatusCode::CONFLICT,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Store(e) => e.into(),
            other => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let details = if self.details.is_empty() {
            vec![
                json!({"type": "about:blank", "title": self.status.canonical_reason().unwrap_or("error"), "detail": self.message}),
            ]
        } else {
            self.details
        };
        (
            self.status,
            axum::Json(json!({"error": self.message, "problemDetails": details})),
        )
            .into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

fn created(v: Value) -> ApiResult {
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

fn ok(v: Value) -> ApiResult {
    Ok(axum::Json(v).into_response())
}

/// Parses a JSON body strictly (repeated keys are refused).
fn json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad("the request has no body; send JSON"));
    }
    badgesafe_jcs::from_slice_strict(bytes)
        .map_err(|e| ApiError::bad(format!("the body is not valid JSON: {e}")))
}

/// SHA-256 hex of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A fresh secret token (256 bits, hex).
pub fn new_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(format!("bs_{}", hex::encode(b)))
}

/// Checks the bearer token has one of `scopes`; returns the application's name.
async fn authorize(
    store: &Store,
    headers: &HeaderMap,
    scopes: &[&str],
) -> Result<String, ApiError> {
    let unauthorized = |m: &str| {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, m);
        e.details = vec![json!({"type": "about:blank", "title": "Unauthorized", "detail": m})];
        e
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "this needs an API token: Authorization: Bearer TOKEN",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("the Authorization header must be \"Bearer TOKEN\""))?;
    let Some(t) = store.token_by_hash(&token_hash(token)).await? else {
        return Err(unauthorized(
            "the API token is not valid (unknown or revoked)",
        ));
    };
    if t.scope != "admin" && !scopes.contains(&t.scope.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "the token of {} has scope {:?}; this needs {}",
                t.app,
                t.scope,
                scopes.join(" or ")
            ),
        ));
    }
    Ok(t.app)
}

/// The routes.
pub fn router(svc: Arc<Service>) -> Router {
    let upload_limit = svc.config.max_upload;
    let mut r = Router::new()
        .route("/health", get(|| async { axum::Json(json!({"ok": true})) }))
        .route("/status/{id}", get(status_list))
        .route("/achievements/{key}", get(public_achievement))
        .route(
            "/api/achievements",
            get(list_achievements).post(create_achievement),
        )
        .route(
            "/api/achievements/{key}",
            get(get_achievement).put(edit_achievement),
        )
        .route("/api/achievements/{key}/retire", post(retire_achievement))
        .route("/api/achievements/{key}/restore", post(restore_achievement))
        .route(
            "/api/imports",
            get(list_imports)
                .post(upload_csv)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/imports/{id}", get(get_import))
        .route("/api/imports/{id}/confirm", post(confirm_import))
        .route("/api/imports/{id}/discard", post(discard_import))
        .route("/api/results", post(push_results))
        .route("/api/batches", get(list_batches))
        .route("/api/batches/{id}", get(get_batch))
        .route("/api/credentials", get(list_credentials))
        .route("/api/credentials/{id}", get(get_credential))
        .route("/api/credentials/{id}/{action}", post(change_status))
        .route("/api/outbox", get(list_outbox))
        .route("/api/outbox/resend", post(resend))
        .route("/api/privacy", get(privacy))
        .route("/credentials/issue", post(vc_issue_default))
        .route("/issuers/{instance}/credentials/issue", post(vc_issue))
        .route("/credentials/verify", post(vc_verify))
        .route("/credentials/status", post(vc_status))
        .route("/presentations/verify", post(vp_verify));
    for doc in &svc.published {
        let body = doc.body.clone();
        let ty = doc.content_type;
        r = r.route(
            &doc.path,
            get(move || async move { ([(header::CONTENT_TYPE, ty)], body) }),
        );
    }
    r.merge(crate::staff::router(upload_limit))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such page or endpoint") })
        .layer(axum::middleware::map_response(json_errors))
        .layer(DefaultBodyLimit::max(MAX_JSON))
        .with_state(svc)
}

/// Turns the framework's own plain-text rejections (body too large, bad path, wrong method)
/// into the JSON error form.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") || v.contains("html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let text = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = match (status, text.is_empty()) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            format!("the request body is larger than this endpoint accepts ({text})")
        }
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            "this endpoint does not take that HTTP method".to_owned()
        }
        (_, true) => status.canonical_reason().unwrap_or("error").to_owned(),
        _ => text,
    };
    ApiError::new(status, message).into_response()
}

// ---- published -----------------------------------------------------------------------------

async fn public_achievement(State(svc): Svc, Path(key): Path<String>) -> ApiResult {
    let a =
        svc.store.achievement_by_key(&key).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("no achievement {key:?}"))
        })?;
    let mut obj = credential::achievement_object(&a, &svc.config.public_url);
    obj["@context"] = json!([badgesafe_contexts::VC_V2, badgesafe_contexts::OB_V3]);
    ok(obj)
}

/// The signed status list `purpose-n`, signed again only when a bit changed.
async fn status_list(State(svc): Svc, Path(id): Path<String>, headers: HeaderMap) -> ApiResult {
    let (purpose, list) = id
        .rsplit_once('-')
        .and_then(|(p, n)| Some((p, n.parse::<i64>().ok()?)))
        .filter(|(p, n)| matches!(*p, "revocation" | "suspension") && *n >= 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no status list {id:?}")))?;
    let used = svc.store.status_indices_used().await?;
    if list * ENTRIES_PER_LIST >= used.max(1) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no status list {id:?} yet"),
        ));
    }
    let (body, version) = status_list_body(&svc, purpose, list).await?;
    let etag = format!("\"{purpose}-{list}-v{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+ld+json".to_string()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "max-age=60, must-revalidate".into()),
        ],
        body,
    )
        .into_response())
}

/// The signed body and version of a status list.
pub async fn status_list_body(
    svc: &Service,
    purpose: &str,
    list: i64,
) -> Result<(String, i64), ApiError> {
    let row = svc.store.status_list(list, purpose).await?;
    if let Some(r) = &row
        && r.signed_version == Some(r.version)
        && let Some(body) = &r.signed_body
    {
        return Ok((body.clone(), r.version));
    }
    let (bits, version) = row.map_or_else(
        || (badgesafe_status::Bitstring::new(), 0),
        |r| (badgesafe_status::Bitstring::from_bytes(r.bits), r.version),
    );
    let url = svc.status_list_url(purpose, list);
    let now = chrono::Utc::now();
    let doc = badgesafe_status::list_credential(
        &url,
        svc.issuer.id(),
        purpose,
        &bits,
        &xsd(now.timestamp_millis()),
    );
    let signed = svc
        .issuer
        .sign_exact(doc, badgesafe_proof::Suite::EddsaRdfc2022, now)
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("signing the status list: {e}"),
            )
        })?;
    let body = signed.to_string();
    svc.store
        .store_signed_list(list, purpose, version, &body, ENTRIES_PER_LIST)
        .await?;
    Ok((body, version))
}

// ---- achievements --------------------------------------------------------------------------

fn achievement_json(a: &badgesafe_store::Achievement, public_url: &str) -> Value {
    json!({
        "key": a.key,
        "retired": a.retired.map(xsd),
        "created": xsd(a.created),
        "updated": xsd(a.updated),
        "achievement": credential::achievement_object(a, public_url),
    })
}

async fn list_achievements(State(svc): Svc, headers: HeaderMap) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let all = svc.store.achievements().await?;
    ok(
        json!({"achievements": all.iter().map(|a| achievement_json(a, &svc.config.public_url)).collect::<Vec<_>>()}),
    )
}

async fn get_achievement(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let a =
        svc.store.achievement_by_key(&key).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("no achievement {key:?}"))
        })?;
    ok(achievement_json(&a, &svc.config.public_url))
}

/// Checks that credentials for this achievement can be made and signed (schema and JSON-LD),
/// so a bad alignment is refused now and not at issuing time.
fn check_signable(svc: &Service, a: &badgesafe_store::Achievement) -> Result<(), ApiError> {
    let object = credential::achievement_object(a, &svc.config.public_url);
    let p = badgesafe_store::Pending {
        id: "check".into(),
        credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
        status_index: 0,
        salt: "salt".into(),
        position: 0,
        email: "student@example.org".into(),
        name: "Student".into(),
        achievement: a.key.clone(),
        award_date: "2026-01-01".into(),
        result: Some("pass".into()),
        evidence: Some("https://example.org/evidence".into()),
    };
    let url = |purpose: &str, list: i64| svc.status_list_url(purpose, list);
    let doc = credential::credential(
        &p,
        &object,
        &url,
        ENTRIES_PER_LIST,
        "2026-01-01T00:00:00Z",
        true,
    );
    svc.issuer
        .sign(&doc, badgesafe_issue::Format::Rdfc, chrono::Utc::now())
        .map(|_| ())
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("badges of this achievement could not be signed: {e}"),
            )
        })
}

async fn create_achievement(State(svc): Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    let input = json_body(&body)?;
    created(add_achievement(&svc, &who, &input).await?)
}

/// Adds a new achievement to the catalogue (the API and the staff pages).
pub async fn add_achievement(svc: &Service, who: &str, input: &Value) -> Result<Value, ApiError> {
    let a =
        credential::achievement_from_json(input, None, None, now_ms()).map_err(ApiError::bad)?;
    if svc.store.achievement_by_key(&a.key).await?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "achievement {:?} exists; edit it with PUT /api/achievements/{}",
                a.key, a.key
            ),
        ));
    }
    check_signable(svc, &a)?;
    svc.store.put_achievement(&a).await?;
    svc.store
        .audit(who, "achievement.create", &a.key, "", now_ms())
        .await?;
    Ok(achievement_json(&a, &svc.config.public_url))
}

async fn edit_achievement(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    let input = json_body(&body)?;
    ok(change_achievement(&svc, &who, &key, &input).await?)
}

/// Edits an achievement: the fields given replace the stored ones (the API and the staff
/// pages). Badges issued before keep what they were signed with.
pub async fn change_achievement(
    svc: &Service,
    who: &str,
    key: &str,
    input: &Value,
) -> Result<Value, ApiError> {
    let old =
        svc.store.achievement_by_key(key).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("no achievement {key:?}"))
        })?;
    let a = credential::achievement_from_json(input, Some(key), Some(&old), now_ms())
        .map_err(ApiError::bad)?;
    check_signable(svc, &a)?;
    svc.store.put_achievement(&a).await?;
    svc.store
        .audit(who, "achievement.edit", &a.key, "", now_ms())
        .await?;
    Ok(achievement_json(&a, &svc.config.public_url))
}

async fn retire_achievement(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    svc.store.retire_achievement(&key, Some(now_ms())).await?;
    svc.store
        .audit(&who, "achievement.retire", &key, "", now_ms())
        .await?;
    ok(json!({"key": key, "retired": true}))
}

async fn restore_achievement(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    svc.store.retire_achievement(&key, None).await?;
    svc.store
        .audit(&who, "achievement.restore", &key, "", now_ms())
        .await?;
    ok(json!({"key": key, "retired": false}))
}

// ---- results in ----------------------------------------------------------------------------

async fn active_keys(store: &Store) -> Result<std::collections::HashSet<String>, ApiError> {
    Ok(store
        .achievements()
        .await?
        .into_iter()
        .filter(|a| a.retired.is_none())
        .map(|a| a.key)
        .collect())
}

/// Runs an intake check against the catalogue's active keys and today's date.
fn check_rows(
    keys: &std::collections::HashSet<String>,
    check: impl FnOnce(
        &badgesafe_intake::Context<'_>,
    ) -> Result<badgesafe_intake::Checked, badgesafe_intake::Error>,
) -> Result<badgesafe_intake::Checked, ApiError> {
    let known = |k: &str| keys.contains(k);
    let cx = badgesafe_intake::Context {
        known: &known,
        today: chrono::Utc::now().date_naive(),
    };
    check(&cx).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

fn errors_json(errors: &[badgesafe_intake::RowError]) -> Vec<Value> {
    errors
        .iter()
        .map(|e| json!({"line": e.line, "reason": e.reason}))
        .collect()
}

fn new_results(rows: &[badgesafe_intake::Row]) -> Vec<badgesafe_store::NewResult> {
    rows.iter()
        .map(|r| badgesafe_store::NewResult {
            key: r.key(),
            email: r.email.clone(),
            name: r.name.clone(),
            achievement: r.achievement.clone(),
            award_date: r.date.to_string(),
            result: r.result.clone(),
            evidence: r.evidence.clone(),
        })
        .collect()
}

/// Checks an uploaded CSV and keeps it for confirmation; nothing is issued yet.
pub async fn check_upload(svc: &Service, who: &str, bytes: &[u8]) -> Result<Value, ApiError> {
    let keys = active_keys(&svc.store).await?;
    let checked = check_rows(&keys, |cx| badgesafe_intake::check_csv(bytes, cx))?;
    let id = badgesafe_store::random_id();
    let rows = serde_json::to_string(&checked.rows).map_err(|e| ApiError::bad(e.to_string()))?;
    let errors =
        serde_json::to_string(&checked.errors).map_err(|e| ApiError::bad(e.to_string()))?;
    svc.store
        .create_import(
            &id,
            &format!("csv:{who}"),
            &rows,
            &errors,
            checked.rows.len() as i64,
            checked.errors.len() as i64,
            now_ms(),
        )
        .await?;
    Ok(json!({
        "id": id,
        "state": "checked",
        "rows": checked.rows.len(),
        "errors": errors_json(&checked.errors),
        "confirm": format!("/api/imports/{id}/confirm"),
    }))
}

async fn upload_csv(State(svc): Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["results"]).await?;
    created(check_upload(&svc, &who, &body).await?)
}

fn import_json(i: &badgesafe_store::Import) -> Value {
    let errors: Value = serde_json::from_str(&i.errors_json).unwrap_or_else(|_| json!([]));
    json!({
        "id": i.id,
        "created": xsd(i.created),
        "source": i.source,
        "state": i.state,
        "rows": i.row_count,
        "errorCount": i.error_count,
        "errors": errors,
        "queued": i.queued,
        "skipped": i.skipped,
    })
}

async fn list_imports(State(svc): Svc, headers: HeaderMap) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let all = svc.store.imports(100).await?;
    ok(json!({"imports": all.iter().map(import_json).collect::<Vec<_>>()}))
}

async fn get_import(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let i = svc
        .store
        .import(&id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no import {id}")))?;
    ok(import_json(&i))
}

/// Confirms an import: its valid rows are queued for issuing. Returns (queued, skipped).
pub async fn confirm(svc: &Service, who: &str, id: &str) -> Result<(u64, u64), ApiError> {
    let i = svc
        .store
        .import(id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no import {id}")))?;
    let rows: Vec<badgesafe_intake::Row> = match &i.rows_json {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::new(StatusCode::CONFLICT, format!("import {id} is damaged: {e}"))
        })?,
        None => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("import {id} is {}; it cannot be confirmed", i.state),
            ));
        }
    };
    let (queued, skipped) = svc
        .store
        .confirm_import(id, &new_results(&rows), now_ms())
        .await?;
    svc.store
        .audit(
            who,
            "import.confirm",
            id,
            &format!("{queued} queued, {skipped} already issued"),
            now_ms(),
        )
        .await?;
    svc.wake_batches.notify_one();
    Ok((queued, skipped))
}

async fn confirm_import(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["results"]).await?;
    let (queued, skipped) = confirm(&svc, &who, &id).await?;
    ok(json!({"id": id, "queued": queued, "alreadyIssued": skipped}))
}

async fn discard_import(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["results"]).await?;
    svc.store.discard_import(&id, now_ms()).await?;
    svc.store
        .audit(&who, "import.discard", &id, "", now_ms())
        .await?;
    ok(json!({"id": id, "state": "discarded"}))
}

/// Results pushed by a school application: all rows valid, or nothing is queued.
async fn push_results(State(svc): Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["results"]).await?;
    let input = json_body(&body)?;
    let keys = active_keys(&svc.store).await?;
    let checked = check_rows(&keys, |cx| badgesafe_intake::check_json(&input, cx))?;
    if !checked.errors.is_empty() {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{} of the results are not valid; nothing was queued",
                checked.errors.len()
            ),
        );
        e.details = checked
            .errors
            .iter()
            .map(|r| json!({"type": "about:blank", "title": format!("result {}", r.line), "detail": r.reason, "line": r.line}))
            .collect();
        return Err(e);
    }
    let (queued, skipped) = svc
        .store
        .queue_results(&new_results(&checked.rows), now_ms())
        .await?;
    svc.store
        .audit(
            &who,
            "results.push",
            &who,
            &format!("{queued} queued, {skipped} already issued"),
            now_ms(),
        )
        .await?;
    svc.wake_batches.notify_one();
    created(json!({"queued": queued, "alreadyIssued": skipped}))
}

// ---- batches, credentials, outbox ----------------------------------------------------------

/// A batch as the API and the staff page show it.
pub fn batch_json(b: &badgesafe_store::Batch) -> Value {
    let anchored: Option<Value> = b
        .anchored
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok());
    json!({
        "id": b.id,
        "created": xsd(b.created),
        "state": b.state,
        "total": b.total,
        "signed": b.signed,
        "baked": b.baked,
        "ledger": b.ledger,
        "root": b.root,
        "anchor": anchored,
        "error": b.error,
        "finished": b.finished.map(xsd),
    })
}

async fn list_batches(State(svc): Svc, headers: HeaderMap) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let all = svc.store.batches(100).await?;
    ok(
        json!({"waiting": svc.store.waiting_results().await?, "batches": all.iter().map(batch_json).collect::<Vec<_>>()}),
    )
}

async fn get_batch(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&svc.store, &headers, &["results"]).await?;
    let b = svc
        .store
        .batch(&id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no batch {id}")))?;
    ok(batch_json(&b))
}

fn credential_json(c: &badgesafe_store::CredentialInfo) -> Value {
    json!({
        "id": c.id,
        "batch": c.batch_id,
        "achievement": c.achievement,
        "email": c.email,
        "name": c.name,
        "statusIndex": c.status_index,
        "issued": xsd(c.issued),
        "revoked": c.revoked.map(xsd),
        "suspended": c.suspended.map(xsd),
        "statusReason": c.status_reason,
        "purgeAfter": c.purge_after.map(xsd),
        "purged": c.purged.map(xsd),
    })
}

async fn list_credentials(
    State(svc): Svc,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    authorize(&svc.store, &headers, &[]).await?;
    let email = q.get("email").map(|e| e.trim().to_lowercase());
    let all = svc.store.credentials(email.as_deref(), 1000).await?;
    ok(json!({"credentials": all.iter().map(credential_json).collect::<Vec<_>>()}))
}

async fn get_credential(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&svc.store, &headers, &[]).await?;
    let c = svc
        .store
        .credential(&id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no credential {id}")))?;
    ok(credential_json(&c))
}

/// Revokes, suspends or unsuspends a credential; the reason is required for revoking and
/// suspending.
pub async fn set_status(
    svc: &Service,
    who: &str,
    id: &str,
    action: &str,
    reason: &str,
) -> Result<Value, ApiError> {
    status_change(&svc.store, &svc.config.public_url, who, id, action, reason).await
}

/// [`set_status`] on a database, for the CLI; `public_url` names the status lists.
pub async fn status_change(
    store: &Store,
    public_url: &str,
    who: &str,
    id: &str,
    action: &str,
    reason: &str,
) -> Result<Value, ApiError> {
    let (purpose, value) = match action {
        "revoke" => ("revocation", true),
        "suspend" => ("suspension", true),
        "unsuspend" => ("suspension", false),
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("unknown action {other:?}: use revoke, suspend or unsuspend"),
            ));
        }
    };
    if purpose == "suspension"
        && let Some(c) = store.credential(id).await?
        && c.batch_id != badgesafe_store::VC_API_BATCH
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "this badge cannot be suspended: an Open Badges 3.0 credential carries one status entry, and badgesafe badges carry a revocation entry; revoke it instead",
        ));
    }
    let reason = reason.trim();
    if value && reason.is_empty() {
        return Err(ApiError::bad(format!("{action} needs a reason")));
    }
    if reason.chars().count() > 500 {
        return Err(ApiError::bad("the reason is longer than 500 characters"));
    }
    let (list, changed) = store
        .set_status(id, purpose, value, reason, who, ENTRIES_PER_LIST, now_ms())
        .await?;
    Ok(
        json!({"id": id, "action": action, "changed": changed, "statusList": format!("{}/status/{purpose}-{list}", public_url.trim_end_matches('/'))}),
    )
}

async fn change_status(
    State(svc): Svc,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    let reason = if body.is_empty() {
        String::new()
    } else {
        match json_body(&body)?.get("reason") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err(ApiError::bad("reason must be a string")),
        }
    };
    ok(set_status(&svc, &who, &id, &action, &reason).await?)
}

async fn list_outbox(State(svc): Svc, headers: HeaderMap) -> ApiResult {
    authorize(&svc.store, &headers, &[]).await?;
    let all = svc.store.outbox(1000).await?;
    ok(json!({"messages": all.iter().map(|m| json!({
        "batch": m.batch_id, "email": m.email, "state": m.state, "attempts": m.attempts,
        "nextAttempt": xsd(m.next_attempt), "lastError": m.last_error, "sent": m.sent.map(xsd),
    })).collect::<Vec<_>>()}))
}

async fn resend(State(svc): Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    let who = authorize(&svc.store, &headers, &[]).await?;
    let input = json_body(&body)?;
    let field = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::bad(format!("{k} is required")))
    };
    let (batch, email) = (field("batch")?, field("email")?.to_lowercase());
    svc.store.resend(&batch, &email, now_ms()).await?;
    svc.store
        .audit(&who, "mail.resend", &batch, "", now_ms())
        .await?;
    svc.wake_mail.notify_one();
    ok(json!({"batch": batch, "email": email, "state": "queued"}))
}

async fn privacy(State(svc): Svc, headers: HeaderMap) -> ApiResult {
    authorize(&svc.store, &headers, &[]).await?;
    ok(privacy_json(&svc.store, svc.config.retention_days).await?)
}

/// What is stored about whom and for how long.
pub async fn privacy_json(store: &Store, retention_days: i64) -> Result<Value, ApiError> {
    let p = store.privacy().await?;
    Ok(json!({
        "retentionDays": retention_days,
        "importsWithPersonalData": p.imports_waiting,
        "resultsWaitingToBeIssued": p.results_waiting,
        "resultKeysKeptAgainstReissue": p.results_kept_for_dedup,
        "credentialsWithPersonalData": p.credentials_with_personal_data,
        "credentialsAwaitingDelivery": p.credentials_awaiting_delivery,
        "credentialsPurged": p.credentials_purged,
        "nextPurge": p.next_purge.map(xsd),
        "messagesQueued": p.messages_queued,
        "messagesFailed": p.messages_failed,
        "messagesSentKept": p.messages_sent_kept,
        "staffAccounts": p.staff_accounts,
        "apiTokens": p.tokens,
        "statusReasons": p.status_reasons,
    }))
}

// ---- VC-API --------------------------------------------------------------------------------

async fn vc_issue_default(state: Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    vc_issue(state, headers, Path("rdfc".into()), body).await
}

fn is_url(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && !rest.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    }) && !s.chars().any(char::is_whitespace)
}

fn check_vc(svc: &Service, c: &Value) -> Result<(), String> {
    let obj = c.as_object().ok_or("credential must be an object")?;
    let ctx = obj
        .get("@context")
        .and_then(Value::as_array)
        .ok_or("@context must be an array")?;
    match ctx.first().and_then(Value::as_str) {
        Some(badgesafe_contexts::VC_V2 | badgesafe_contexts::VC_V1) => {}
        _ => return Err("the first @context must be the VC base context".into()),
    }
    if ctx.iter().any(|v| !(v.is_string() || v.is_object())) {
        return Err("@context holds an item that is neither a URL nor an object".into());
    }
    let types = obj
        .get("type")
        .and_then(Value::as_array)
        .ok_or("type must be an array")?;
    if !types.iter().any(|t| t == "VerifiableCredential") || types.iter().any(|t| !t.is_string()) {
        return Err("type must be strings including VerifiableCredential".into());
    }
    let issuer = match obj.get("issuer") {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .ok_or("issuer.id must be a URL")?,
        _ => return Err("issuer is missing or not a URL".into()),
    };
    if issuer != svc.issuer.id() {
        return Err(format!(
            "issuer {issuer} is not this instance ({})",
            svc.issuer.id()
        ));
    }
    match obj.get("credentialSubject") {
        Some(Value::Object(o)) if !o.is_empty() => {}
        Some(Value::Array(a))
            if !a.is_empty()
                && a.iter()
                    .all(|s| s.as_object().is_some_and(|o| !o.is_empty())) => {}
        _ => return Err("credentialSubject must be a non-empty object or array of objects".into()),
    }
    if let Some(id) = obj.get("id")
        && !id.as_str().is_some_and(is_url)
    {
        return Err("id must be a URL".into());
    }
    let date = |k: &str| -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, String> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map(Some)
                .map_err(|_| format!("{k} is not an XML Schema dateTimeStamp")),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    if let (Some(from), Some(until)) = (date("validFrom")?, date("validUntil")?)
        && from > until
    {
        return Err("validFrom is later than validUntil".into());
    }
    check_vc_parts(obj)
}

fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

/// The remaining structural rules of `VC-API.md`: ids, typed parts, language values, related
/// resources.
fn check_vc_parts(obj: &serde_json::Map<String, Value>) -> Result<(), String> {
    let single_url = |what: &str, v: &Value| -> Result<(), String> {
        match v {
            Value::String(s) if is_url(s) => Ok(()),
            _ => Err(format!("{what} id must be a single URL")),
        }
    };
    for s in items(obj.get("credentialSubject").unwrap_or(&Value::Null)) {
        if let Some(id) = s.get("id") {
            single_url("credentialSubject", id)?;
        }
    }
    for field in [
        "credentialStatus",
        "credentialSchema",
        "termsOfUse",
        "evidence",
        "refreshService",
    ] {
        let Some(v) = obj.get(field) else { continue };
        for part in items(v) {
            let Some(p) = part.as_object() else {
                return Err(format!("{field} must be an object or an array of objects"));
            };
            match p.get("type") {
                Some(Value::String(_)) => {}
                Some(Value::Array(t)) if !t.is_empty() && t.iter().all(Value::is_string) => {}
                _ => return Err(format!("{field} has no type")),
            }
            match (field, p.get("id")) {
                ("credentialSchema", None) => return Err("credentialSchema.id is missing".into()),
                (_, Some(id)) => single_url(field, id)?,
                _ => {}
            }
        }
    }
    let language_value = |what: &str, v: &Value| -> Result<(), String> {
        let ok = |x: &Value| {
            x.as_object().is_some_and(|o| {
                o.get("@value").is_some_and(Value::is_string)
                    && o.keys()
                        .all(|k| matches!(k.as_str(), "@value" | "@language" | "@direction"))
            })
        };
        match v {
            Value::String(_) => Ok(()),
            Value::Array(a) if !a.is_empty() && a.iter().all(ok) => Ok(()),
            x if ok(x) => Ok(()),
            _ => Err(format!(
                "{what} must be a string or a language object {{\"@value\", \"@language\"}}"
            )),
        }
    };
    for k in ["name", "description"] {
        if let Some(v) = obj.get(k) {
            language_value(k, v)?;
        }
        if let Some(v) = obj.get("issuer").and_then(|i| i.get(k)) {
            language_value(&format!("issuer.{k}"), v)?;
        }
    }
    if let Some(rr) = obj.get("relatedResource") {
        let mut seen = std::collections::HashSet::new();
        for r in items(rr) {
            let id = r.get("id").and_then(Value::as_str).filter(|s| is_url(s));
            let Some(id) = id else {
                return Err("relatedResource items need a URL id".into());
            };
            if !seen.insert(id) {
                return Err(format!("relatedResource {id} appears twice"));
            }
            if r.get("digestSRI").is_none() && r.get("digestMultibase").is_none() {
                return Err(format!(
                    "relatedResource {id} has neither digestSRI nor digestMultibase"
                ));
            }
        }
    }
    Ok(())
}

async fn vc_issue(
    State(svc): Svc,
    headers: HeaderMap,
    Path(instance): Path<String>,
    body: Bytes,
) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["issue"]).await?;
    let suite = match instance.as_str() {
        "rdfc" => badgesafe_proof::Suite::EddsaRdfc2022,
        "jcs" => badgesafe_proof::Suite::EddsaJcs2022,
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no issuer instance {other:?} (rdfc or jcs)"),
            ));
        }
    };
    let input = json_body(&body)?;
    let mut credential = input
        .get("credential")
        .cloned()
        .ok_or_else(|| ApiError::bad("credential is missing"))?;
    let options = match input.get("options") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(ApiError::bad("options must be an object")),
    };
    if let Some(k) = options
        .keys()
        .find(|k| !["credentialStatus", "credentialId", "mandatoryPointers"].contains(&k.as_str()))
    {
        return Err(ApiError::bad(format!("unknown option {k:?}")));
    }
    check_vc(&svc, &credential).map_err(ApiError::bad)?;
    if let Some(id) = options.get("credentialId") {
        let id = id
            .as_str()
            .filter(|s| is_url(s))
            .ok_or_else(|| ApiError::bad("options.credentialId must be a URL"))?;
        credential["id"] = id.into();
    }
    if let Some(status) = options.get("credentialStatus") {
        let purpose = status
            .get("statusPurpose")
            .and_then(Value::as_str)
            .unwrap_or("revocation");
        if status.get("type").and_then(Value::as_str) != Some("BitstringStatusListEntry")
            || !matches!(purpose, "revocation" | "suspension")
        {
            return Err(ApiError::bad(
                "options.credentialStatus must be a BitstringStatusListEntry for revocation or suspension",
            ));
        }
        let id = credential
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(badgesafe_model::new_credential_id);
        credential["id"] = id.clone().into();
        let index = svc
            .store
            .register_credential(&id, &format!("vc-api:{who}"), now_ms())
            .await?;
        let list = index / ENTRIES_PER_LIST;
        credential["credentialStatus"] = badgesafe_status::entry(
            &svc.status_list_url(purpose, list),
            purpose,
            (index % ENTRIES_PER_LIST) as u64,
        );
    }
    let issuer = svc.issuer.clone();
    let signed = tokio::task::spawn_blocking(move || {
        issuer.sign_exact(credential, suite, chrono::Utc::now())
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?
    .map_err(|e| ApiError::bad(e.to_string()))?;
    // VC-API: the proof is a single object.
    let mut signed = signed;
    if let Some(proof) = signed.get_mut("proof")
        && let Value::Array(items) = proof
        && items.len() == 1
    {
        let only = items.remove(0);
        *proof = only;
    }
    created(json!({"verifiableCredential": signed}))
}

/// Fetches for the verifier: this service's own status lists from the database, anything else
/// over HTTP(S).
struct LocalFirst {
    svc: Arc<Service>,
    http: badgesafe_fetch::HttpFetcher,
    handle: tokio::runtime::Handle,
}

impl badgesafe_verify::Fetcher for LocalFirst {
    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, String> {
        let own = format!("{}/status/", self.svc.config.public_url);
        if let Some(id) = url.strip_prefix(&own)
            && let Some((purpose, list)) = id
                .rsplit_once('-')
                .and_then(|(p, n)| Some((p, n.parse::<i64>().ok()?)))
        {
            return self
                .handle
                .block_on(status_list_body(&self.svc, purpose, list))
                .map(|(body, _)| body.into_bytes())
                .map_err(|e| e.message);
        }
        for p in &self.svc.published {
            if url == format!("{}{}", self.svc.config.public_url, p.path) {
                return Ok(p.body.clone());
            }
        }
        badgesafe_verify::Fetcher::get(&self.http, url, accept)
    }
}

async fn vc_verify(State(svc): Svc, body: Bytes) -> ApiResult {
    let input = json_body(&body)?;
    let vc = input
        .get("verifiableCredential")
        .cloned()
        .ok_or_else(|| ApiError::bad("verifiableCredential is missing"))?;
    let report = verifying(&svc, move |opts| {
        badgesafe_verify::verify_bytes(vc.to_string().as_bytes(), opts)
    })
    .await?;
    Ok(verify_answer(&report, json!(report)))
}

/// Runs `verify` on a blocking thread with the service's fetcher (its own status lists from
/// the database, other documents over HTTPS) and the current time.
async fn verifying<R: Send + 'static>(
    svc: &Arc<Service>,
    verify: impl FnOnce(&badgesafe_verify::Options<'_>) -> R + Send + 'static,
) -> Result<R, ApiError> {
    let handle = tokio::runtime::Handle::current();
    let me = svc.clone();
    tokio::task::spawn_blocking(move || {
        let fetcher = LocalFirst {
            svc: me,
            http: badgesafe_fetch::HttpFetcher::new(
                std::time::Duration::from_secs(10),
                badgesafe_fetch::PlainHttp::LoopbackOnly,
            ),
            handle,
        };
        let opts = badgesafe_verify::Options {
            fetcher: Some(&fetcher),
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc: &[],
            confirmations: 1,
        };
        verify(&opts)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
}

/// The VC-API answer for a report: 200 when verified, else 400 with each failed check as a
/// problem.
fn verify_answer(report: &badgesafe_verify::Report, results: Value) -> Response {
    let problems: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| c.outcome == badgesafe_verify::Outcome::Failed)
        .map(|c| json!({"type": "about:blank", "title": c.check, "detail": c.detail}))
        .collect();
    let body = json!({"verified": report.verified, "results": results, "problemDetails": problems});
    let status = if report.verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, axum::Json(body)).into_response()
}

async fn vp_verify(State(svc): Svc, body: Bytes) -> ApiResult {
    let input = json_body(&body)?;
    let vp = input
        .get("verifiablePresentation")
        .cloned()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad("verifiablePresentation is missing or not an object"))?;
    let text = |k: &str| -> Result<Option<String>, ApiError> {
        match input.pointer(&format!("/options/{k}")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::bad(format!("options.{k} must be a string"))),
        }
    };
    let (challenge, domain) = (text("challenge")?, text("domain")?);
    let (report, credentials) = verifying(&svc, move |opts| {
        let expect = badgesafe_verify::presentation::Expect {
            challenge: challenge.as_deref(),
            domain: domain.as_deref(),
        };
        badgesafe_verify::presentation::verify_presentation(&vp, opts, &expect)
    })
    .await?;
    Ok(verify_answer(
        &report,
        json!({"presentation": report, "credentials": credentials}),
    ))
}

async fn vc_status(State(svc): Svc, headers: HeaderMap, body: Bytes) -> ApiResult {
    let who = authorize(&svc.store, &headers, &["issue"]).await?;
    let input = json_body(&body)?;
    let id = input
        .get("credentialId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad("credentialId is missing"))?;
    let purpose = input
        .pointer("/credentialStatus/statusPurpose")
        .and_then(Value::as_str)
        .unwrap_or("revocation");
    let value = input
        .get("status")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::bad("status must be true or false"))?;
    let action = match (purpose, value) {
        ("revocation", true) => "revoke",
        ("suspension", true) => "suspend",
        ("suspension", false) => "unsuspend",
        ("revocation", false) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "revocation cannot be undone",
            ));
        }
        (other, _) => return Err(ApiError::bad(format!("unknown statusPurpose {other:?}"))),
    };
    let reason = input
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("set through the VC-API");
    ok(set_status(&svc, &who, id, action, reason).await?)
}

/// `Content-Type` header value helper for pages.
pub fn html() -> HeaderValue {
    HeaderValue::from_static("text/html; charset=utf-8")
}
