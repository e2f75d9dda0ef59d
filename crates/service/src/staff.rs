//! The staff pages: server-rendered, usable without JavaScript, in Dutch and English.
//! Flow: sign in → upload a CSV → review its errors → issue → follow the batch and delivery →
//! revoke. Also the catalogue.
//!
//! Sessions are a random cookie (HttpOnly, SameSite=Strict, Secure on https) whose SHA-256 is
//! stored; every form carries the session's CSRF token, and a POST whose `Origin` is not this
//! service is refused. Passwords are argon2id hashes.

// The helpers' error is the page to answer with, an axum `Response`.
#![allow(clippy::result_large_err)]

use crate::api::{self, ApiError};
use crate::{Service, now_ms, xsd};
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use badgesafe_pages::{CSS, Lang, cookie, security_headers};
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::Arc;

type Svc = State<Arc<Service>>;
type Form = axum::Form<HashMap<String, String>>;

const COOKIE: &str = "bs_staff";
const LANG_COOKIE: &str = "bs_lang";
/// Session length.
const SESSION_MS: i64 = 8 * 3600 * 1000;

/// An argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn password_ok(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::of(headers, LANG_COOKIE)
}

fn hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

struct Session {
    user: String,
    csrf: String,
}

async fn session(svc: &Service, headers: &HeaderMap) -> Result<Option<Session>, ApiError> {
    let Some(token) = cookie(headers, COOKIE) else {
        return Ok(None);
    };
    Ok(svc
        .store
        .session(&hash(token), now_ms())
        .await?
        .map(|(user, csrf)| Session { user, csrf }))
}

/// The page a visitor without a session gets instead.
fn to_login() -> Response {
    Redirect::to("/staff/login").into_response()
}

/// Checks a POST: same origin, a live session, the form's CSRF token.
async fn post_session(
    svc: &Service,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<Session, Response> {
    same_origin(svc, headers)?;
    let s = session(svc, headers)
        .await
        .map_err(IntoResponse::into_response)?
        .ok_or_else(to_login)?;
    let given = csrf.unwrap_or_default();
    if hash(given) != hash(&s.csrf) {
        return Err(page_error(
            lang(headers),
            StatusCode::FORBIDDEN,
            "Het formulier is verlopen; laad de pagina opnieuw.",
            "The form has expired; reload the page.",
        ));
    }
    Ok(s)
}

fn same_origin(svc: &Service, headers: &HeaderMap) -> Result<(), Response> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let ours = svc.config.public_url.trim_end_matches('/');
    if origin == ours {
        return Ok(());
    }
    // The service may be reached at its listen address too (development).
    if let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok())
        && (origin == format!("http://{host}") || origin == format!("https://{host}"))
    {
        return Ok(());
    }
    eprintln!("badgesafe: refused a staff form from origin {origin:?} (this service is {ours})");
    Err(page_error(
        lang(headers),
        StatusCode::FORBIDDEN,
        "Dit formulier kwam van een andere website.",
        "This form came from another web site.",
    ))
}

fn layout(l: Lang, title: &str, user: Option<&str>, refresh: bool, body: Markup) -> Response {
    let other = l.other();
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if refresh { meta http-equiv="refresh" content="2"; }
                title { (title) " · badgesafe" }
                link rel="stylesheet" href="/staff/style.css";
            }
            body {
                header {
                    @if let Some(u) = user {
                        nav aria-label=(l.t("Hoofdmenu", "Main menu")) {
                            a href="/staff" { (l.t("Overzicht", "Overview")) }
                            a href="/staff/upload" { (l.t("Resultaten uploaden", "Upload results")) }
                            a href="/staff/outbox" { (l.t("Bezorging", "Delivery")) }
                            a href="/staff/credentials" { (l.t("Intrekken of schorsen", "Revoke or suspend")) }
                            a href="/staff/achievements" { (l.t("Catalogus", "Catalogue")) }
                            a href={ "/staff/lang/" (other.0) } lang=(other.0) { (other.1) }
                        }
                        p { (l.t("Ingelogd als ", "Signed in as ")) (u) }
                    } @else {
                        nav aria-label=(l.t("Taal", "Language")) { a href={ "/staff/lang/" (other.0) } lang=(other.0) { (other.1) } }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    security_headers(([(header::CONTENT_TYPE, api::html())], markup.into_string()).into_response())
}

fn page_error(l: Lang, status: StatusCode, nl: &str, en: &str) -> Response {
    let mut r = layout(
        l,
        l.t("Er ging iets mis", "Something went wrong"),
        None,
        false,
        html! {
            p.error role="alert" { (l.t(nl, en)) }
            p { a href="/staff" { (l.t("Terug naar het overzicht", "Back to the overview")) } }
        },
    );
    *r.status_mut() = status;
    r
}

fn api_error(l: Lang, e: &ApiError) -> Response {
    let mut r = layout(
        l,
        l.t("Dat lukte niet", "That did not work"),
        None,
        false,
        html! {
            p.error role="alert" { (e.message) }
            @for d in &e.details {
                @if let Some(detail) = d.get("detail").and_then(Value::as_str) { p { (d.get("title").and_then(Value::as_str).unwrap_or_default()) ": " (detail) } }
            }
            p { a href="/staff" { (l.t("Terug naar het overzicht", "Back to the overview")) } }
        },
    );
    *r.status_mut() = e.status;
    r
}

fn csrf_field(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

/// The staff routes; `max_upload` bounds the CSV upload.
pub fn router(max_upload: usize) -> Router<Arc<Service>> {
    Router::new()
        .route(
            "/staff/upload",
            get(upload_page)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(max_upload)),
        )
        .route("/staff", get(dashboard))
        .route(
            "/staff/style.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], CSS) }),
        )
        .route("/staff/lang/{code}", get(set_lang))
        .route("/staff/login", get(login_page).post(login))
        .route("/staff/logout", post(logout))
        .route("/staff/imports/{id}", get(import_page))
        .route("/staff/imports/{id}/{decision}", post(decide_import))
        .route("/staff/outbox", get(outbox_page))
        .route("/staff/outbox/resend", post(resend))
        .route("/staff/credentials", get(credentials_page))
        .route("/staff/credentials/status", post(change_status))
        .route(
            "/staff/achievements",
            get(achievements_page).post(create_achievement),
        )
        .route("/staff/achievements/{key}/retire", post(retire))
        .route(
            "/staff/achievements/{key}",
            get(edit_page).post(edit_achievement),
        )
}

async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "nl" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/staff").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/staff".into());
    (
        [(
            header::SET_COOKIE,
            format!("{LANG_COOKIE}={code}; Path=/staff; Max-Age=31536000; SameSite=Lax"),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

async fn login_page(headers: HeaderMap) -> Response {
    let l = lang(&headers);
    login_form(l, None)
}

fn login_form(l: Lang, error: Option<&str>) -> Response {
    layout(
        l,
        l.t("Inloggen", "Sign in"),
        None,
        false,
        html! {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/staff/login" {
                label for="username" { (l.t("Gebruikersnaam", "User name")) }
                input id="username" name="username" autocomplete="username" required;
                label for="password" { (l.t("Wachtwoord", "Password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                div { button type="submit" { (l.t("Inloggen", "Sign in")) } }
            }
        },
    )
}

/// Failed sign-ins per user name in this process: (count, first failure, ms).
static FAILURES: std::sync::LazyLock<std::sync::Mutex<HashMap<String, (u32, i64)>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));
/// Failed sign-ins allowed per user name in [`FAILURE_WINDOW_MS`].
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Minutes until `user` may try again, when it is locked out.
fn locked_out(user: &str, now: i64) -> Option<i64> {
    let map = FAILURES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(user)
        .filter(|(n, since)| *n >= MAX_FAILURES && now - since < FAILURE_WINDOW_MS)
        .map(|(_, since)| (FAILURE_WINDOW_MS - (now - since)) / 60_000 + 1)
}

fn record_failure(user: &str, now: i64) {
    let mut map = FAILURES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() > 10_000 {
        map.retain(|_, (_, since)| now - *since < FAILURE_WINDOW_MS);
    }
    let entry = map.entry(user.to_owned()).or_insert((0, now));
    if now - entry.1 >= FAILURE_WINDOW_MS {
        *entry = (0, now);
    }
    entry.0 += 1;
}

async fn login(State(svc): Svc, headers: HeaderMap, form: Form) -> Response {
    let l = lang(&headers);
    if let Err(r) = same_origin(&svc, &headers) {
        return r;
    }
    let user = form.get("username").map(|s| s.trim()).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    if let Some(minutes) = locked_out(&user.to_lowercase(), now_ms()) {
        let message = format!(
            "{} {minutes} {}",
            l.t(
                "Te vaak een verkeerd wachtwoord. Probeer het over",
                "Too many wrong passwords. Try again in"
            ),
            l.t("minuten opnieuw.", "minutes.")
        );
        let mut r = login_form(l, Some(&message));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return r;
    }
    let stored = match svc.store.staff_hash(user).await {
        Ok(h) => h,
        Err(e) => return api_error(l, &e.into()),
    };
    // The same work whether or not the user exists.
    let ok = match &stored {
        Some(h) => password_ok(h, password),
        None => {
            let _ = password_ok(
                "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                password,
            );
            false
        }
    };
    if !ok {
        record_failure(&user.to_lowercase(), now_ms());
        let mut r = login_form(
            l,
            Some(l.t(
                "Gebruikersnaam of wachtwoord klopt niet.",
                "Wrong user name or password.",
            )),
        );
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    }
    let (Ok(token), Ok(csrf)) = (api::new_token(), api::new_token()) else {
        return page_error(
            l,
            StatusCode::SERVICE_UNAVAILABLE,
            "Geen willekeurige getallen beschikbaar.",
            "No randomness available.",
        );
    };
    if let Err(e) = svc
        .store
        .create_session(&hash(&token), user, &csrf, now_ms() + SESSION_MS)
        .await
    {
        return api_error(l, &e.into());
    }
    FAILURES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&user.to_lowercase());
    let _ = svc
        .store
        .audit(user, "staff.login", user, "", now_ms())
        .await;
    let secure = if svc.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    (
        [(
            header::SET_COOKIE,
            format!(
                "{COOKIE}={token}; Path=/staff; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
                SESSION_MS / 1000
            ),
        )],
        Redirect::to("/staff"),
    )
        .into_response()
}

async fn logout(State(svc): Svc, headers: HeaderMap, form: Form) -> Response {
    if let Err(r) = post_session(&svc, &headers, form.get("csrf").map(String::as_str)).await {
        return r;
    }
    if let Some(token) = cookie(&headers, COOKIE) {
        let _ = svc.store.delete_session(&hash(token)).await;
    }
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/staff/login"),
    )
        .into_response()
}

/// Runs a GET page with a session, or sends the visitor to the login page.
macro_rules! signed_in {
    ($svc:expr, $headers:expr) => {
        match session(&$svc, &$headers).await {
            Ok(Some(s)) => s,
            Ok(None) => return to_login(),
            Err(e) => return api_error(lang(&$headers), &e),
        }
    };
}

fn state_text(l: Lang, state: &str) -> String {
    match state {
        "open" => l.t("wordt ondertekend", "being signed"),
        "signed" => l.t("wordt verankerd", "being anchored"),
        "anchored" => l.t("wordt in afbeeldingen gezet", "being baked into images"),
        "done" => l.t("klaar, e-mail in de wachtrij", "done, e-mail queued"),
        other => other,
    }
    .to_owned()
}

async fn dashboard(State(svc): Svc, headers: HeaderMap) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let (batches, waiting) = match (
        svc.store.batches(20).await,
        svc.store.waiting_results().await,
    ) {
        (Ok(b), Ok(w)) => (b, w),
        (Err(e), _) | (_, Err(e)) => return api_error(l, &e.into()),
    };
    let busy = waiting > 0 || batches.iter().any(|b| b.state != "done");
    layout(
        l,
        l.t("Overzicht", "Overview"),
        Some(&s.user),
        busy,
        html! {
            @if busy {
                p role="status" { (l.t("Badges worden uitgegeven. Deze pagina ververst zichzelf.", "Badges are being issued. This page refreshes itself.")) }
            }
            p { (waiting) " " (l.t("resultaten wachten op een batch.", "results are waiting for a batch.")) }
            h2 { (l.t("Batches", "Batches")) }
            @if batches.is_empty() { p { (l.t("Nog geen batches.", "No batches yet.")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { (l.t("Gestart", "Started")) }
                        th scope="col" { (l.t("Badges", "Badges")) }
                        th scope="col" { (l.t("Voortgang", "Progress")) }
                        th scope="col" { (l.t("Status", "State")) }
                        th scope="col" { (l.t("Verankerd", "Anchored")) }
                    } }
                    tbody {
                        @for b in &batches {
                            @let anchor: Option<Value> = b.anchored.as_deref().and_then(|a| serde_json::from_str(a).ok());
                            @let done = if b.state == "open" { b.signed } else { b.baked.max(if b.state == "done" { b.total } else { 0 }) };
                            tr {
                                td { (xsd(b.created)) }
                                td { (b.total) }
                                td {
                                    progress max=(b.total.max(1)) value=(done) aria-label=(l.t("voortgang", "progress")) {}
                                    " " (done) " / " (b.total)
                                }
                                td { (state_text(l, &b.state)) @if let Some(e) = &b.error { br; span.error { (e) } } }
                                td { @if let Some(a) = anchor { (a.get("summary").and_then(Value::as_str).unwrap_or_default()) } }
                            }
                        }
                    }
                }
            }
            form method="post" action="/staff/logout" { (csrf_field(&s)) button type="submit" { (l.t("Uitloggen", "Sign out")) } }
        },
    )
}

async fn upload_page(State(svc): Svc, headers: HeaderMap) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    layout(
        l,
        l.t("Resultaten uploaden", "Upload results"),
        Some(&s.user),
        false,
        html! {
            p { (l.t("Een CSV-bestand uit de leerlingadministratie, met de kolommen e-mail, naam, badge, datum, en eventueel resultaat en bewijs (een link). Excel met puntkomma's mag ook.",
                     "A CSV file from the student administration, with the columns email, name, achievement, date, and optionally result and evidence (a link). Excel files with semicolons work too.")) }
            p { (l.t("Eerst controleren we het hele bestand. Er wordt niets uitgegeven voordat u bevestigt.", "The whole file is checked first. Nothing is issued until you confirm.")) }
            form method="post" action="/staff/upload" enctype="multipart/form-data" {
                (csrf_field(&s))
                label for="csv" { (l.t("CSV-bestand", "CSV file")) }
                input id="csv" name="csv" type="file" accept=".csv,text/csv" required;
                div { button type="submit" { (l.t("Controleren", "Check")) } }
            }
        },
    )
}

/// A multipart POST from a signed-in staff member: the session, the text fields, the file.
async fn multipart_post(
    svc: &Service,
    headers: &HeaderMap,
    mp: Multipart,
) -> Result<(Session, HashMap<String, String>, Option<Vec<u8>>), Response> {
    let (fields, file) = read_multipart(mp)
        .await
        .map_err(|e| api_error(lang(headers), &ApiError::bad(e)))?;
    let s = post_session(svc, headers, fields.get("csrf").map(String::as_str)).await?;
    Ok((s, fields, file))
}

/// The achievement the catalogue form describes, as the API takes it. `editing` names the
/// achievement being edited: then a missing image keeps the old one, and empty alignment and
/// result fields clear them.
fn achievement_input(
    fields: &HashMap<String, String>,
    file: Option<Vec<u8>>,
    editing: Option<&str>,
) -> Result<Value, String> {
    use base64::Engine as _;
    let mut input = serde_json::Map::new();
    for k in ["name", "description", "criteria"] {
        input.insert(k.into(), fields.get(k).cloned().unwrap_or_default().into());
    }
    let key = match editing {
        Some(k) => k.to_owned(),
        None => {
            let k = fields.get("key").cloned().unwrap_or_default();
            input.insert("key".into(), k.clone().into());
            k
        }
    };
    if let Some(img) = file.filter(|f| !f.is_empty()) {
        input.insert(
            "image".into(),
            base64::engine::general_purpose::STANDARD.encode(img).into(),
        );
    }
    let clear = || editing.map(|_| Value::Array(Vec::new()));
    if let Some(a) = alignment_from(fields)?.or_else(clear) {
        input.insert("alignment".into(), a);
    }
    if let Some(r) = result_from(fields, &key)?.or_else(clear) {
        input.insert("resultDescription".into(), r);
    }
    Ok(Value::Object(input))
}

/// Reads a multipart form: text fields and at most one file.
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(HashMap<String, String>, Option<Vec<u8>>), String> {
    let mut fields = HashMap::new();
    let mut file = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("the form could not be read: {e}")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| format!("the form could not be read: {e}"))?;
        if is_file {
            file = Some(bytes.to_vec());
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok((fields, file))
}

async fn upload(State(svc): Svc, headers: HeaderMap, mp: Multipart) -> Response {
    let l = lang(&headers);
    let (s, _, file) = match multipart_post(&svc, &headers, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(bytes) = file else {
        return page_error(
            l,
            StatusCode::BAD_REQUEST,
            "Kies een CSV-bestand.",
            "Choose a CSV file.",
        );
    };
    match api::check_upload(&svc, &s.user, &bytes).await {
        Ok(v) => Redirect::to(&format!(
            "/staff/imports/{}",
            v["id"].as_str().unwrap_or_default()
        ))
        .into_response(),
        Err(e) => api_error(l, &e),
    }
}

async fn import_page(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let imp = match svc.store.import(&id).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            return page_error(
                l,
                StatusCode::NOT_FOUND,
                "Deze upload bestaat niet.",
                "This upload does not exist.",
            );
        }
        Err(e) => return api_error(l, &e.into()),
    };
    let errors: Vec<badgesafe_intake::RowError> =
        serde_json::from_str(&imp.errors_json).unwrap_or_default();
    layout(
        l,
        l.t("Controle van de upload", "Upload check"),
        Some(&s.user),
        false,
        html! {
            p.ok { (imp.row_count) " " (l.t("regels zijn in orde.", "rows are valid.")) }
            @if !errors.is_empty() {
                p.error role="alert" { (errors.len()) " " (l.t("regels hebben een fout en worden niet uitgegeven:", "rows have an error and will not be issued:")) }
                table {
                    thead { tr { th scope="col" { (l.t("Regel", "Line")) } th scope="col" { (l.t("Reden", "Reason")) } } }
                    tbody { @for e in &errors { tr { td { (e.line) } td { (e.reason) } } } }
                }
            }
            @if imp.state == "checked" {
                @if imp.row_count > 0 {
                    form method="post" action={ "/staff/imports/" (imp.id) "/confirm" } {
                        (csrf_field(&s))
                        button type="submit" { (l.t("Uitgeven", "Issue")) " (" (imp.row_count) ")" }
                    }
                }
                form method="post" action={ "/staff/imports/" (imp.id) "/discard" } {
                    (csrf_field(&s))
                    button.danger type="submit" { (l.t("Niet uitgeven", "Discard")) }
                }
            } @else {
                p { (l.t("Status: ", "State: ")) (imp.state)
                    @if let Some(q) = imp.queued { ". " (q) " " (l.t("in de wachtrij", "queued")) }
                    @if let Some(sk) = imp.skipped { ", " (sk) " " (l.t("waren al uitgegeven", "were issued before")) } }
            }
        },
    )
}

async fn decide_import(
    State(svc): Svc,
    headers: HeaderMap,
    Path((id, decision)): Path<(String, String)>,
    form: Form,
) -> Response {
    let l = lang(&headers);
    let s = match post_session(&svc, &headers, form.get("csrf").map(String::as_str)).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match decision.as_str() {
        "confirm" => api::confirm(&svc, &s.user, &id).await.map(|_| ()),
        "discard" => svc
            .store
            .discard_import(&id, now_ms())
            .await
            .map_err(ApiError::from),
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "unknown decision")),
    };
    match result {
        Ok(()) if decision == "confirm" => Redirect::to("/staff").into_response(),
        Ok(()) => Redirect::to(&format!("/staff/imports/{id}")).into_response(),
        Err(e) => api_error(l, &e),
    }
}

async fn outbox_page(State(svc): Svc, headers: HeaderMap) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let messages = match svc.store.outbox(500).await {
        Ok(m) => m,
        Err(e) => return api_error(l, &e.into()),
    };
    let busy = messages.iter().any(|m| m.state == "queued");
    layout(
        l,
        l.t("Bezorging", "Delivery"),
        Some(&s.user),
        busy,
        html! {
            table {
                thead { tr {
                    th scope="col" { (l.t("Leerling", "Student")) }
                    th scope="col" { (l.t("Status", "State")) }
                    th scope="col" { (l.t("Pogingen", "Attempts")) }
                    th scope="col" { (l.t("Laatste fout", "Last error")) }
                    th scope="col" { (l.t("Actie", "Action")) }
                } }
                tbody {
                    @for m in &messages {
                        tr {
                            td { (m.email) }
                            td { @match m.state.as_str() {
                                "sent" => { span.ok { (l.t("verzonden ", "sent ")) (m.sent.map(xsd).unwrap_or_default()) } }
                                "failed" => { span.error { (l.t("mislukt", "failed")) } }
                                _ => { (l.t("in de wachtrij", "queued")) }
                            } }
                            td { (m.attempts) }
                            td { (m.last_error.clone().unwrap_or_default()) }
                            td {
                                form method="post" action="/staff/outbox/resend" {
                                    (csrf_field(&s))
                                    input type="hidden" name="batch" value=(m.batch_id);
                                    input type="hidden" name="email" value=(m.email);
                                    button type="submit" aria-label={ (l.t("Opnieuw sturen naar ", "Send again to ")) (m.email) } { (l.t("Opnieuw sturen", "Send again")) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

async fn resend(State(svc): Svc, headers: HeaderMap, form: Form) -> Response {
    let l = lang(&headers);
    let s = match post_session(&svc, &headers, form.get("csrf").map(String::as_str)).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (batch, email) = (
        form.get("batch").cloned().unwrap_or_default(),
        form.get("email").cloned().unwrap_or_default(),
    );
    match svc.store.resend(&batch, &email, now_ms()).await {
        Ok(()) => {
            let _ = svc
                .store
                .audit(&s.user, "mail.resend", &batch, "", now_ms())
                .await;
            svc.wake_mail.notify_one();
            Redirect::to("/staff/outbox").into_response()
        }
        Err(e) => api_error(l, &e.into()),
    }
}

async fn credentials_page(
    State(svc): Svc,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let email = q
        .get("email")
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    let id = q
        .get("id")
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty());
    let found = match (&email, &id) {
        (Some(e), _) => svc.store.credentials(Some(e), 200).await,
        (None, Some(i)) => svc
            .store
            .credential(i)
            .await
            .map(|c| c.into_iter().collect()),
        (None, None) => Ok(Vec::new()),
    };
    let creds = match found {
        Ok(c) => c,
        Err(e) => return api_error(l, &e.into()),
    };
    let reason_label = l.t(
        "Reden (verplicht, zonder persoonsgegevens)",
        "Reason (required, no personal data)",
    );
    layout(
        l,
        l.t("Intrekken of schorsen", "Revoke or suspend"),
        Some(&s.user),
        false,
        html! {
            form method="get" action="/staff/credentials" {
                label for="email" { (l.t("E-mailadres van de leerling", "The student's e-mail address")) }
                input id="email" name="email" type="email" value=(email.clone().unwrap_or_default());
                div { button type="submit" { (l.t("Zoeken", "Search")) } }
            }
            form method="get" action="/staff/credentials" {
                label for="id" { (l.t("Of het id van de credential", "Or the credential's id")) }
                input id="id" name="id" value=(id.clone().unwrap_or_default());
                div { button type="submit" { (l.t("Zoeken", "Search")) } }
            }
            @if email.is_some() || id.is_some() {
                @if creds.is_empty() { p { (l.t("Geen badges gevonden (na de bewaartermijn staan adressen niet meer in het systeem).", "No badges found (after the retention window, addresses are no longer kept).")) } }
                @for c in &creds {
                    section {
                        h2 { (c.achievement) " · " (xsd(c.issued)) }
                        p { "id: " code { (c.id) } }
                        @if let Some(r) = c.revoked {
                            p.error { (l.t("Ingetrokken op ", "Revoked on ")) (xsd(r)) ": " (c.status_reason.clone().unwrap_or_default()) }
                        } @else {
                            @if let Some(at) = c.suspended {
                                p.error { (l.t("Geschorst op ", "Suspended on ")) (xsd(at)) ": " (c.status_reason.clone().unwrap_or_default()) }
                                form.unsuspend method="post" action="/staff/credentials/status" {
                                    (csrf_field(&s))
                                    input type="hidden" name="id" value=(c.id);
                                    input type="hidden" name="action" value="unsuspend";
                                    div { button type="submit" { (l.t("Schorsing opheffen", "Lift the suspension")) } }
                                }
                            } @else if c.batch_id == badgesafe_store::VC_API_BATCH {
                                // Badges carry one status entry, the revocation one (see api::status_change).
                                form.suspend method="post" action="/staff/credentials/status" {
                                    (csrf_field(&s))
                                    input type="hidden" name="id" value=(c.id);
                                    input type="hidden" name="action" value="suspend";
                                    label for={ "suspend-reason-" (c.id) } { (reason_label) }
                                    input id={ "suspend-reason-" (c.id) } name="reason" required maxlength="500";
                                    div { button type="submit" { (l.t("Schorsen", "Suspend")) } }
                                }
                            }
                            form.revoke method="post" action="/staff/credentials/status" {
                                (csrf_field(&s))
                                input type="hidden" name="id" value=(c.id);
                                input type="hidden" name="action" value="revoke";
                                label for={ "reason-" (c.id) } { (reason_label) }
                                input id={ "reason-" (c.id) } name="reason" required maxlength="500";
                                div { button.danger type="submit" { (l.t("Intrekken", "Revoke")) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `s` as a URL query value.
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn change_status(State(svc): Svc, headers: HeaderMap, form: Form) -> Response {
    let l = lang(&headers);
    let s = match post_session(&svc, &headers, form.get("csrf").map(String::as_str)).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = form.get("id").cloned().unwrap_or_default();
    let action = form.get("action").cloned().unwrap_or_default();
    let reason = form.get("reason").cloned().unwrap_or_default();
    match api::set_status(&svc, &s.user, &id, &action, &reason).await {
        Ok(_) => {
            let email = svc
                .store
                .credential(&id)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.email);
            let back = match email {
                Some(e) => format!("/staff/credentials?email={}", query_value(&e)),
                None => format!("/staff/credentials?id={}", query_value(&id)),
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => api_error(l, &e),
    }
}

async fn achievements_page(State(svc): Svc, headers: HeaderMap) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let all = match svc.store.achievements().await {
        Ok(a) => a,
        Err(e) => return api_error(l, &e.into()),
    };
    layout(
        l,
        l.t("Catalogus", "Catalogue"),
        Some(&s.user),
        false,
        html! {
            table {
                thead { tr {
                    th scope="col" { (l.t("Afbeelding", "Image")) }
                    th scope="col" { (l.t("Code", "Key")) }
                    th scope="col" { (l.t("Naam", "Name")) }
                    th scope="col" { (l.t("Criteria", "Criteria")) }
                    th scope="col" { (l.t("Actie", "Action")) }
                } }
                tbody {
                    @for a in &all {
                        tr {
                            td { img src=(crate::credential::data_uri(&a.image, &a.image_type)) alt=(a.name) width="64" height="64"; }
                            td { code { (a.key) } }
                            td { a href={ "/staff/achievements/" (a.key) } { (a.name) } }
                            td { (a.criteria) }
                            td {
                                @if a.retired.is_some() { (l.t("buiten gebruik", "retired")) } @else {
                                    form method="post" action={ "/staff/achievements/" (a.key) "/retire" } {
                                        (csrf_field(&s))
                                        button.danger type="submit" aria-label={ (l.t("Buiten gebruik stellen: ", "Retire: ")) (a.name) } { (l.t("Buiten gebruik", "Retire")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("Nieuwe badge", "New achievement")) }
            form method="post" action="/staff/achievements" enctype="multipart/form-data" {
                (csrf_field(&s))
                label for="key" { (l.t("Code (zoals in de CSV)", "Key (as in the CSV)")) }
                input id="key" name="key" required pattern="[A-Za-z0-9._-]{1,64}";
                label for="name" { (l.t("Naam", "Name")) }
                input id="name" name="name" required maxlength="200";
                label for="description" { (l.t("Beschrijving", "Description")) }
                textarea id="description" name="description" required maxlength="2000" {}
                label for="criteria" { (l.t("Criteria: wat moet de leerling kunnen?", "Criteria: what must the student be able to do?")) }
                textarea id="criteria" name="criteria" required maxlength="4000" {}
                label for="image" { (l.t("Afbeelding (PNG of SVG, hooguit 256 KiB)", "Image (PNG or SVG, at most 256 KiB)")) }
                input id="image" name="image" type="file" accept="image/png,image/svg+xml" required;
                (alignment_fields(l, "", ""))
                (result_fields(l, "", "", ""))
                div { button type="submit" { (l.t("Opslaan", "Save")) } }
            }
        },
    )
}

async fn create_achievement(State(svc): Svc, headers: HeaderMap, mp: Multipart) -> Response {
    let l = lang(&headers);
    let (s, fields, file) = match multipart_post(&svc, &headers, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = match achievement_input(&fields, file, None) {
        Ok(v) => v,
        Err(e) => return api_error(l, &ApiError::bad(e)),
    };
    match api::add_achievement(&svc, &s.user, &input).await {
        Ok(_) => Redirect::to("/staff/achievements").into_response(),
        Err(e) => api_error(l, &e),
    }
}

async fn retire(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
    form: Form,
) -> Response {
    let l = lang(&headers);
    let s = match post_session(&svc, &headers, form.get("csrf").map(String::as_str)).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match svc.store.retire_achievement(&key, Some(now_ms())).await {
        Ok(()) => {
            let _ = svc
                .store
                .audit(&s.user, "achievement.retire", &key, "", now_ms())
                .await;
            Redirect::to("/staff/achievements").into_response()
        }
        Err(e) => api_error(l, &e.into()),
    }
}

/// The OB result types a staff member can pick.
const RESULT_TYPES: [(&str, &str, &str); 5] = [
    (
        "Status",
        "Status (behaald / niet behaald)",
        "Status (passed / not passed)",
    ),
    (
        "LetterGrade",
        "Cijfer of beoordeling uit een lijst",
        "Grade from a list",
    ),
    (
        "GradePointAverage",
        "Gemiddeld cijfer",
        "Grade point average",
    ),
    ("Percent", "Percentage", "Percent"),
    ("RawScore", "Score", "Score"),
];

/// Optional fields for one result description (what the `result` column means).
fn result_fields(l: Lang, name: &str, kind: &str, allowed: &str) -> Markup {
    html! {
        fieldset {
            legend { (l.t("Wat betekent de kolom resultaat? (niet verplicht)", "What does the result column mean? (optional)")) }
            label for="resultName" { (l.t("Naam, bijvoorbeeld Eindcijfer", "Name, for example Final grade")) }
            input id="resultName" name="resultName" value=(name) maxlength="200";
            label for="resultType" { (l.t("Soort", "Kind")) }
            select id="resultType" name="resultType" {
                @for (value, nl, en) in RESULT_TYPES {
                    option value=(value) selected[kind == value] { (l.t(nl, en)) }
                }
            }
            label for="resultValues" { (l.t("Toegestane waarden, met komma's (leeg: elke waarde)", "Allowed values, comma-separated (empty: any value)")) }
            input id="resultValues" name="resultValues" value=(allowed) maxlength="2000";
        }
    }
}

/// The result description from the form fields: none when no name is given.
fn result_from(fields: &HashMap<String, String>, key: &str) -> Result<Option<Value>, String> {
    let name = fields
        .get("resultName")
        .map(|s| s.trim())
        .unwrap_or_default();
    if name.is_empty() {
        return Ok(None);
    }
    let kind = fields
        .get("resultType")
        .map(|s| s.trim())
        .unwrap_or_default();
    if !RESULT_TYPES.iter().any(|(v, _, _)| *v == kind) {
        return Err(format!("unknown result type {kind:?}"));
    }
    let allowed: Vec<&str> = fields
        .get("resultValues")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut rd = serde_json::json!({
        "id": format!("urn:badgesafe:result:{key}"),
        "type": ["ResultDescription"],
        "name": name,
        "resultType": kind,
    });
    if !allowed.is_empty() {
        rd["allowedValue"] = allowed.into();
    }
    Ok(Some(Value::Array(vec![rd])))
}

/// Optional fields for one alignment (a framework or qualification the badge matches).
fn alignment_fields(l: Lang, name: &str, url: &str) -> Markup {
    html! {
        fieldset {
            legend { (l.t("Koppeling aan een kwalificatie of kader (niet verplicht)", "Alignment with a qualification or framework (optional)")) }
            label for="alignmentName" { (l.t("Naam", "Name")) }
            input id="alignmentName" name="alignmentName" value=(name) maxlength="200";
            label for="alignmentUrl" { (l.t("Webadres", "Web address")) }
            input id="alignmentUrl" name="alignmentUrl" type="url" value=(url) maxlength="2048";
        }
    }
}

/// The alignment from the form fields: none when both are empty.
fn alignment_from(fields: &HashMap<String, String>) -> Result<Option<Value>, String> {
    let name = fields
        .get("alignmentName")
        .map(|s| s.trim())
        .unwrap_or_default();
    let url = fields
        .get("alignmentUrl")
        .map(|s| s.trim())
        .unwrap_or_default();
    match (name.is_empty(), url.is_empty()) {
        (true, true) => Ok(None),
        (false, false) if url.starts_with("https://") || url.starts_with("http://") => {
            Ok(Some(serde_json::json!([
                {"type": ["Alignment"], "targetName": name, "targetUrl": url}
            ])))
        }
        (false, false) => Err("the alignment's web address must start with https://".into()),
        _ => Err("an alignment needs both a name and a web address".into()),
    }
}

async fn edit_page(State(svc): Svc, headers: HeaderMap, Path(key): Path<String>) -> Response {
    let s = signed_in!(svc, headers);
    let l = lang(&headers);
    let a = match svc.store.achievement_by_key(&key).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return page_error(
                l,
                StatusCode::NOT_FOUND,
                "Deze badge bestaat niet.",
                "This achievement does not exist.",
            );
        }
        Err(e) => return api_error(l, &e.into()),
    };
    let body: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
    let first = &body["alignment"][0];
    let (an, au) = (
        first["targetName"].as_str().unwrap_or_default(),
        first["targetUrl"].as_str().unwrap_or_default(),
    );
    let rd = &body["resultDescription"][0];
    let (rn, rt) = (
        rd["name"].as_str().unwrap_or_default(),
        rd["resultType"].as_str().unwrap_or_default(),
    );
    let rv = rd["allowedValue"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    layout(
        l,
        &format!(
            "{} · {}",
            l.t("Badge aanpassen", "Edit achievement"),
            a.name
        ),
        Some(&s.user),
        false,
        html! {
            p { img src=(crate::credential::data_uri(&a.image, &a.image_type)) alt=(a.name) width="128" height="128"; }
            p { (l.t("Al uitgegeven badges blijven zoals ze zijn; de wijziging geldt voor nieuwe badges.", "Badges issued already stay as they are; the change applies to new badges.")) }
            form method="post" action={ "/staff/achievements/" (a.key) } enctype="multipart/form-data" {
                (csrf_field(&s))
                label for="name" { (l.t("Naam", "Name")) }
                input id="name" name="name" required maxlength="200" value=(a.name);
                label for="description" { (l.t("Beschrijving", "Description")) }
                textarea id="description" name="description" required maxlength="2000" { (a.description) }
                label for="criteria" { (l.t("Criteria: wat moet de leerling kunnen?", "Criteria: what must the student be able to do?")) }
                textarea id="criteria" name="criteria" required maxlength="4000" { (a.criteria) }
                label for="image" { (l.t("Nieuwe afbeelding (leeg laten om de huidige te houden)", "New image (leave empty to keep the current one)")) }
                input id="image" name="image" type="file" accept="image/png,image/svg+xml";
                (alignment_fields(l, an, au))
                (result_fields(l, rn, rt, &rv))
                div { button type="submit" { (l.t("Opslaan", "Save")) } }
            }
        },
    )
}

async fn edit_achievement(
    State(svc): Svc,
    headers: HeaderMap,
    Path(key): Path<String>,
    mp: Multipart,
) -> Response {
    let l = lang(&headers);
    let (s, fields, file) = match multipart_post(&svc, &headers, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = match achievement_input(&fields, file, Some(&key)) {
        Ok(v) => v,
        Err(e) => return api_error(l, &ApiError::bad(e)),
    };
    match api::change_achievement(&svc, &s.user, &key, &input).await {
        Ok(_) => Redirect::to("/staff/achievements").into_response(),
        Err(e) => api_error(l, &e),
    }
}
