//! The wallet pages (`badgesafe wallet open`): the student's vault in the browser, served on
//! 127.0.0.1 only, behind a random per-run token in every path. Server-rendered, no
//! JavaScript, Dutch and English; unlock, add the badge e-mail and share badges each take three
//! clicks or fewer.

// The helpers' error is the page to answer with, an axum `Response`.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use badgesafe_pages::{CSS, Lang, security_headers};
use badgesafe_wallet::import::{self, Outcome};
use badgesafe_wallet::{Badge, Secret, Vault};

mod pdf;
pub mod relay_client;
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const LANG_COOKIE: &str = "bs_wallet_lang";
/// The largest upload (all files of one import together).
pub const MAX_UPLOAD_BYTES: usize = 40 * 1024 * 1024;
/// The most files in one upload.
pub const MAX_UPLOAD_FILES: usize = 100;

/// Where the network is reached for verification (`None`: offline).
pub type SharedFetcher = Option<Box<dyn badgesafe_verify::Fetcher + Send>>;

/// One wallet served to its student.
pub struct WalletApp {
    path: PathBuf,
    token: String,
    authority: String,
    vault: Mutex<Option<Vault>>,
    made: Mutex<Vec<Made>>,
    fetcher: SharedFetcher,
    verifier: Option<String>,
}

/// A presentation made in this run, for download.
struct Made {
    domain: String,
    expires: String,
    json: Vec<u8>,
}

impl WalletApp {
    /// The app for the vault at `path`, served at `authority` (`127.0.0.1:PORT`), with a fresh
    /// random token.
    pub fn new(
        path: PathBuf,
        authority: String,
        fetcher: SharedFetcher,
        verifier: Option<String>,
    ) -> Result<Self, String> {
        if let Some(v) = &verifier {
            relay_client::check_verifier_url(v)?;
        }
        let token = badgesafe_crypto::random_bytes::<16>()
            .map(hex::encode)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            path,
            token,
            authority,
            vault: Mutex::new(None),
            made: Mutex::new(Vec::new()),
            fetcher,
            verifier,
        })
    }

    /// The address to open: `http://127.0.0.1:PORT/TOKEN/`.
    pub fn url(&self) -> String {
        format!("http://{}/{}/", self.authority, self.token)
    }
}

type App = State<Arc<WalletApp>>;

/// The routes. Every page lives under the token; anything else is "not found".
pub fn router(app: Arc<WalletApp>) -> Router {
    Router::new()
        .route("/{token}/", get(home))
        .route("/{token}/style.css", get(style))
        .route("/{token}/unlock", post(unlock))
        .route("/{token}/lock", post(lock))
        .route("/{token}/check", post(check))
        .route("/{token}/import", get(import_page).post(import_post))
        .route("/{token}/share", get(share_page).post(share_post))
        .route("/{token}/shared/{n}", get(shared_page))
        .route("/{token}/shared/{n}/download", get(shared_download))
        .route("/{token}/link/{id}", get(link_page))
        .route("/{token}/link/{id}/portfolio.pdf", get(link_pdf))
        .route("/{token}/unshare/{id}", post(unshare))
        .route("/{token}/lang/{lang}", get(set_lang))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::of(headers, LANG_COOKIE)
}

fn page(l: Lang, app: &WalletApp, title: &str, status: StatusCode, body: Markup) -> Response {
    let (code, name) = l.other();
    let t = &app.token;
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · badgesafe" }
                link rel="stylesheet" href={ "/" (t) "/style.css" };
            }
            body {
                header {
                    nav aria-label=(l.t("Taal", "Language")) {
                        a href={ "/" (t) "/lang/" (code) } lang=(code) { (name) }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    security_headers(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response(),
    )
}

fn message(l: Lang, app: &WalletApp, status: StatusCode, nl: &str, en: &str) -> Response {
    let home = format!("/{}/", app.token);
    page(
        l,
        app,
        l.t("Er ging iets mis", "Something went wrong"),
        status,
        html! {
            p.error.big { (l.t(nl, en)) }
            p { a href=(home) { (l.t("Terug naar mijn badges", "Back to my badges")) } }
        },
    )
}

/// Only this run's token, only this host (no DNS rebinding), forms only from this page.
async fn guard(State(app): App, req: Request, next: Next) -> Response {
    let l = lang(req.headers());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let port = app.authority.rsplit(':').next().unwrap_or_default();
    if host != app.authority && host != format!("localhost:{port}") {
        return message(
            l,
            &app,
            StatusCode::FORBIDDEN,
            "Deze kluis opent alleen op dit apparaat.",
            "This safe opens on this device only.",
        );
    }
    let token_ok = req
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|p| p.split('/').next())
        .is_some_and(|t| t == app.token);
    if !token_ok {
        return not_found_page(l, &app);
    }
    if req.method() == axum::http::Method::POST
        && let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        && origin != format!("http://{host}")
    {
        return message(
            l,
            &app,
            StatusCode::FORBIDDEN,
            "Dit formulier kwam van een andere website.",
            "This form came from another web site.",
        );
    }
    next.run(req).await
}

fn not_found_page(l: Lang, _app: &WalletApp) -> Response {
    security_headers(
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            l.t(
                "Deze pagina bestaat niet. Open de kluis met het adres dat badgesafe liet zien.",
                "This page does not exist. Open the safe with the address badgesafe showed.",
            )
            .to_owned(),
        )
            .into_response(),
    )
}

async fn not_found(State(app): App, headers: HeaderMap) -> Response {
    not_found_page(lang(&headers), &app)
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        CSS,
    )
        .into_response()
}

async fn set_lang(State(app): App, Path((_, l)): Path<(String, String)>) -> Response {
    let code = if l == "en" { "en" } else { "nl" };
    (
        [(
            header::SET_COOKIE,
            format!("{LANG_COOKIE}={code}; Path=/; SameSite=Strict; HttpOnly"),
        )],
        Redirect::to(&format!("/{}/", app.token)),
    )
        .into_response()
}

fn status_words(l: Lang, b: &Badge) -> (&'static str, &'static str) {
    let (nl, en, class) = match b.status() {
        "verified" => ("Echt: gecontroleerd", "Genuine: checked", "ok"),
        "revoked" => (
            "Ingetrokken door de school",
            "Revoked by the school",
            "error",
        ),
        "suspended" => ("Tijdelijk geschorst", "Suspended for now", "error"),
        "expired" => ("Verlopen", "Expired", "error"),
        _ => ("Niet gecontroleerd", "Not checked", "error"),
    };
    (l.t(nl, en), class)
}

fn badge_card(l: Lang, b: &Badge, heading: bool) -> Markup {
    let (words, class) = status_words(l, b);
    html! {
        @if let Some(src) = import::image_of(b) {
            img src=(src) alt=(b.name);
        }
        @if heading { h2 { (b.name) } } @else { strong { (b.name) } }
        p { (l.t("Van ", "From ")) (b.issuer) }
        p { (l.t("Gekregen op ", "Received on ")) (b.issued.get(..10).unwrap_or(&b.issued)) }
        p class=(class) { (words) }
    }
}

async fn home(State(app): App, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let t = app.token.clone();
    let Ok(guard) = app.vault.lock() else {
        return broken(l, &app);
    };
    let Some(vault) = guard.as_ref() else {
        drop(guard);
        return unlock_page(l, &app, StatusCode::OK, None);
    };
    let body = html! {
        div.actions {
            a href={ "/" (t) "/import" } { (l.t("Badge-e-mail toevoegen", "Add the badge e-mail")) }
            a href={ "/" (t) "/share" } { (l.t("Badges delen", "Share badges")) }
        }
        @if vault.contents.badges.is_empty() {
            p.big { (l.t("Je kluis is nog leeg. Voeg de e-mail met je badges van school toe.", "Your safe is empty. Add the e-mail with your badges from school.")) }
        } @else {
            p.big { (l.t("Je hebt ", "You have ")) (vault.contents.badges.len()) (l.t(" badges.", " badges.")) }
            ul.badges {
                @for b in &vault.contents.badges {
                    li { (badge_card(l, b, true)) }
                }
            }
        }
        @if !vault.contents.badges.is_empty() {
            form method="post" action={ "/" (t) "/check" } {
                button type="submit" { (l.t("Alles opnieuw controleren (ingetrokken? verlopen?)", "Check everything again (revoked? expired?)")) }
            }
        }
        form method="post" action={ "/" (t) "/lock" } {
            button type="submit" { (l.t("Kluis sluiten", "Close the safe")) }
        }
    };
    drop(guard);
    page(
        l,
        &app,
        l.t("Mijn badges", "My badges"),
        StatusCode::OK,
        body,
    )
}

fn unlock_page(l: Lang, app: &WalletApp, status: StatusCode, error: Option<&str>) -> Response {
    let t = &app.token;
    page(
        l,
        app,
        l.t("Mijn badgekluis", "My badge safe"),
        status,
        html! {
            @if let Some(e) = error { p.error.big role="alert" { (e) } }
            form method="post" action={ "/" (t) "/unlock" } {
                label.big for="passphrase" { (l.t("Je wachtwoordzin", "Your passphrase")) }
                input.big id="passphrase" name="passphrase" type="password" autocomplete="current-password" required autofocus;
                div { button.big type="submit" { (l.t("Kluis openen", "Open the safe")) } }
            }
        },
    )
}

fn broken(l: Lang, app: &WalletApp) -> Response {
    message(
        l,
        app,
        StatusCode::INTERNAL_SERVER_ERROR,
        "De kluis kan niet meer gebruikt worden in deze sessie. Sluit badgesafe en open de kluis opnieuw.",
        "The safe cannot be used in this session any more. Close badgesafe and open the safe again.",
    )
}

type Form = axum::Form<HashMap<String, String>>;

async fn unlock(State(app): App, headers: HeaderMap, form: Form) -> Response {
    let l = lang(&headers);
    let passphrase = zeroize::Zeroizing::new(form.get("passphrase").cloned().unwrap_or_default());
    let worker = app.clone();
    let opened = tokio::task::spawn_blocking(move || {
        Vault::open(&worker.path, Secret::Passphrase(&passphrase))
    })
    .await;
    match opened {
        Ok(Ok(v)) => {
            let Ok(mut guard) = app.vault.lock() else {
                return broken(l, &app);
            };
            *guard = Some(v);
            Redirect::to(&format!("/{}/", app.token)).into_response()
        }
        Ok(Err(badgesafe_wallet::Error::WrongPassphrase)) => unlock_page(
            l,
            &app,
            StatusCode::UNAUTHORIZED,
            Some(l.t(
                "Deze wachtwoordzin past niet. Probeer het nog eens.",
                "That passphrase does not fit. Try again.",
            )),
        ),
        Ok(Err(e)) => unlock_page(
            l,
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&e.to_string()),
        ),
        Err(_) => broken(l, &app),
    }
}

async fn lock(State(app): App, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let Ok(mut guard) = app.vault.lock() else {
        return broken(l, &app);
    };
    *guard = None;
    Redirect::to(&format!("/{}/", app.token)).into_response()
}

/// Verifies every badge again (revocation, suspension, expiry) and saves the new reports.
async fn check(State(app): App, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let done = on_vault(&app, l, SAVE_FAILED, |w, vault| {
        let opts = verify_options(w);
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for b in vault.contents.badges.iter_mut() {
            import::recheck(b, &opts, &now);
        }
        vault.save().map_err(|e| e.to_string())
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/{}/", app.token)).into_response(),
        Err(r) => r,
    }
}

/// How a failure of [`on_vault`] is answered: the status and the message before the reason.
type Failure = (StatusCode, &'static str, &'static str);
const SAVE_FAILED: Failure = (
    StatusCode::INTERNAL_SERVER_ERROR,
    "De kluis kon niet bewaard worden",
    "The safe could not be saved",
);

/// Runs `f` on the open vault in a blocking thread (it may verify, fetch and save). A locked
/// vault answers the unlock page; an error, the `failure` message with its reason.
async fn on_vault<T: Send + 'static>(
    app: &Arc<WalletApp>,
    l: Lang,
    failure: Failure,
    f: impl FnOnce(&WalletApp, &mut Vault) -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
    enum Outcome<T> {
        Done(T),
        Locked,
        Failed(String),
    }
    let worker = app.clone();
    let done = tokio::task::spawn_blocking(move || {
        let Ok(mut guard) = worker.vault.lock() else {
            return Outcome::Failed("the safe's lock is broken".into());
        };
        match guard.as_mut() {
            None => Outcome::Locked,
            Some(vault) => match f(&worker, vault) {
                Ok(t) => Outcome::Done(t),
                Err(e) => Outcome::Failed(e),
            },
        }
    })
    .await;
    let (status, nl, en) = failure;
    match done {
        Ok(Outcome::Done(t)) => Ok(t),
        Ok(Outcome::Locked) => Err(unlock_page(l, app, StatusCode::OK, None)),
        Ok(Outcome::Failed(e)) => Err(message(
            l,
            app,
            status,
            &format!("{nl}: {e}"),
            &format!("{en}: {e}"),
        )),
        Err(_) => Err(broken(l, app)),
    }
}

fn verify_options(app: &WalletApp) -> badgesafe_verify::Options<'_> {
    badgesafe_verify::Options {
        fetcher: app
            .fetcher
            .as_deref()
            .map(|f| f as &dyn badgesafe_verify::Fetcher),
        now: chrono::Utc::now(),
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    }
}

/// The open vault, or the unlock page.
macro_rules! unlocked {
    ($app:expr, $l:expr, $guard:ident) => {
        let Ok($guard) = $app.vault.lock() else {
            return broken($l, &$app);
        };
        if $guard.is_none() {
            drop($guard);
            return unlock_page($l, &$app, StatusCode::OK, None);
        }
    };
}

async fn import_page(State(app): App, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    unlocked!(app, l, guard);
    drop(guard);
    let t = &app.token;
    page(
        l,
        &app,
        l.t("Badges toevoegen", "Add badges"),
        StatusCode::OK,
        html! {
            p.big { (l.t("Kies de e-mail met je badges (bewaard als .eml), of badgebestanden.", "Choose the e-mail with your badges (saved as .eml), or badge files.")) }
            form method="post" action={ "/" (t) "/import" } enctype="multipart/form-data" {
                label.big for="files" { (l.t("Bestanden", "Files")) }
                input.big id="files" name="files" type="file" multiple required accept=".eml,.png,.svg,.json,.jwt,.jws,message/rfc822,image/png,image/svg+xml,application/json";
                div {
                    input id="keep" name="keep" type="checkbox" value="1";
                    label for="keep" style="display:inline" { (l.t(" Ook bewaren als de controle mislukt", " Keep them even if the check fails")) }
                }
                div { button.big type="submit" { (l.t("Toevoegen", "Add")) } }
            }
            p { a href={ "/" (t) "/" } { (l.t("Terug naar mijn badges", "Back to my badges")) } }
        },
    )
}

async fn import_post(State(app): App, headers: HeaderMap, mut mp: Multipart) -> Response {
    let l = lang(&headers);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut keep = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return message(
                    l,
                    &app,
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "De bestanden kwamen niet goed aan ({e}). Zijn ze samen groter dan 40 MB?"
                    ),
                    &format!(
                        "The files did not arrive whole ({e}). Are they larger than 40 MB together?"
                    ),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return message(
                l,
                &app,
                StatusCode::BAD_REQUEST,
                "De bestanden kwamen niet goed aan. Zijn ze samen groter dan 40 MB?",
                "The files did not arrive whole. Are they larger than 40 MB together?",
            );
        };
        match name.as_str() {
            "keep" => keep = true,
            "files" => {
                if let Some(f) = file_name.filter(|_| !bytes.is_empty()) {
                    files.push((f, bytes.to_vec()));
                }
            }
            _ => {}
        }
        if files.len() > MAX_UPLOAD_FILES {
            return message(
                l,
                &app,
                StatusCode::BAD_REQUEST,
                "Kies minder bestanden (hoogstens 100 tegelijk).",
                "Choose fewer files (at most 100 at a time).",
            );
        }
    }
    if files.is_empty() {
        return message(
            l,
            &app,
            StatusCode::BAD_REQUEST,
            "Kies eerst een bestand.",
            "Choose a file first.",
        );
    }
    let done = on_vault(&app, l, SAVE_FAILED, move |w, vault| {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let results =
            import::import_all(&mut vault.contents, &files, &verify_options(w), keep, &now);
        if results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Added { .. }))
        {
            vault.save().map_err(|e| e.to_string())?;
        }
        Ok(results)
    })
    .await;
    let results = match done {
        Ok(r) => r,
        Err(r) => return r,
    };
    let t = &app.token;
    let added = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Added { .. }))
        .count();
    page(
        l,
        &app,
        l.t("Badges toegevoegd", "Badges added"),
        StatusCode::OK,
        html! {
            p.big.ok role="status" { (added) (l.t(" badges toegevoegd.", " badges added.")) }
            ul {
                @for r in &results {
                    li {
                        @match &r.outcome {
                            Outcome::Added { name, verified: true, .. } => { span.ok { (l.t("Toegevoegd: ", "Added: ")) } (name) }
                            Outcome::Added { name, verified: false, .. } => { span.error { (l.t("Toegevoegd, maar niet echt bevonden: ", "Added, but not found genuine: ")) } (name) }
                            Outcome::Duplicate { name, .. } => { (l.t("Stond er al: ", "Already there: ")) (name) }
                            Outcome::Refused(why) => { span.error { (l.t("Niet toegevoegd, de controle mislukte: ", "Not added, the check failed: ")) } (r.source) " — " (why) }
                            Outcome::Skipped(why) => { (l.t("Overgeslagen: ", "Skipped: ")) (r.source) " — " (why) }
                        }
                    }
                }
            }
            p.big { a href={ "/" (t) "/" } { (l.t("Naar mijn badges", "To my badges")) } }
        },
    )
}

const EXPIRIES: [(&str, &str, &str); 4] = [
    ("1d", "1 dag", "1 day"),
    ("7d", "1 week", "1 week"),
    ("30d", "1 maand", "1 month"),
    ("90d", "3 maanden", "3 months"),
];

async fn share_page(State(app): App, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    unlocked!(app, l, guard);
    let t = app.token.clone();
    let body = html! {
        @if let Some(vault) = guard.as_ref() {
            form method="post" action={ "/" (t) "/share" } {
                fieldset {
                    legend.big { (l.t("Welke badges wil je laten zien?", "Which badges do you want to show?")) }
                    ul.badges {
                        @for (i, b) in vault.contents.badges.iter().enumerate() {
                            li {
                                input id={ "b" (i) } name="badge" type="checkbox" value=(b.id);
                                label for={ "b" (i) } { (badge_card(l, b, false)) }
                            }
                        }
                    }
                }
                label.big for="domain" { (l.t("Voor wie? De website van de werkgever, zoals werkgever.nl", "For whom? The employer's web site, such as employer.com")) }
                input.big id="domain" name="domain" required;
                label.big for="expires" { (l.t("Hoe lang mag de werkgever ze zien?", "How long may the employer see them?")) }
                select.big id="expires" name="expires" {
                    @for (v, nl, en) in EXPIRIES {
                        option value=(v) selected[v == "7d"] { (l.t(nl, en)) }
                    }
                }
                label for="challenge" { (l.t("Code van de werkgever (alleen als je die kreeg)", "The employer's code (only if you got one)")) }
                input id="challenge" name="challenge";
                div {
                    button.big type="submit" name="how" value="file" { (l.t("Maak het bestand", "Make the file")) }
                    @if app.verifier.is_some() {
                        button.big type="submit" name="how" value="link" { (l.t("Maak een link", "Make a link")) }
                    }
                }
            }
        }
        p { a href={ "/" (t) "/" } { (l.t("Terug naar mijn badges", "Back to my badges")) } }
    };
    drop(guard);
    page(
        l,
        &app,
        l.t("Badges delen", "Share badges"),
        StatusCode::OK,
        body,
    )
}

/// Checkboxes repeat their name, so the share form is read as pairs.
async fn share_post(
    State(app): App,
    headers: HeaderMap,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let l = lang(&headers);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
    };
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "badge")
        .map(|(_, v)| v.clone())
        .collect();
    let domain = get("domain").unwrap_or_default();
    let challenge = get("challenge").filter(|c| !c.is_empty());
    let expires = get("expires").unwrap_or_else(|| "7d".into());
    if ids.is_empty() {
        return message(
            l,
            &app,
            StatusCode::BAD_REQUEST,
            "Kies minstens één badge.",
            "Choose at least one badge.",
        );
    }
    if domain.is_empty() {
        return message(
            l,
            &app,
            StatusCode::BAD_REQUEST,
            "Vul in voor wie de badges zijn.",
            "Say whom the badges are for.",
        );
    }
    let now = chrono::Utc::now();
    let until = match badgesafe_wallet::present::expiry(&expires, now) {
        Ok(u) => u,
        Err(e) => {
            return message(
                l,
                &app,
                StatusCode::BAD_REQUEST,
                &e.to_string(),
                &e.to_string(),
            );
        }
    };
    if get("how").as_deref() == Some("link") {
        let Some(verifier) = app.verifier.clone() else {
            return message(
                l,
                &app,
                StatusCode::BAD_REQUEST,
                "Deze kluis is geopend zonder verificatiedienst (--verifier).",
                "This safe was opened without a verifier (--verifier).",
            );
        };
        let failed = (
            StatusCode::BAD_GATEWAY,
            "De link kon niet gemaakt worden",
            "The link could not be made",
        );
        let made = on_vault(&app, l, failed, move |_, vault| {
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let s = relay_client::share(&mut vault.contents, &id_refs, &domain, until, &verifier)?;
            vault.save().map_err(|e| e.to_string())?;
            Ok(s.id)
        })
        .await;
        return match made {
            Ok(id) => Redirect::to(&format!("/{}/link/{id}", app.token)).into_response(),
            Err(r) => r,
        };
    }
    unlocked!(app, l, guard);
    let Some(vault) = guard.as_ref() else {
        return broken(l, &app);
    };
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let xsd =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let made = badgesafe_wallet::present::present(
        &vault.contents,
        &id_refs,
        &badgesafe_wallet::present::Audience {
            domain: &domain,
            challenge: challenge.as_deref(),
            created: &xsd(now),
            expires: &xsd(until),
        },
    );
    drop(guard);
    let vp = match made {
        Ok(vp) => vp,
        Err(e) => {
            return message(
                l,
                &app,
                StatusCode::BAD_REQUEST,
                &e.to_string(),
                &e.to_string(),
            );
        }
    };
    let Ok(json) = serde_json::to_vec_pretty(&vp) else {
        return broken(l, &app);
    };
    let Ok(mut made) = app.made.lock() else {
        return broken(l, &app);
    };
    made.push(Made {
        domain,
        expires: xsd(until),
        json,
    });
    let n = made.len();
    Redirect::to(&format!("/{}/shared/{n}", app.token)).into_response()
}

fn made_n(app: &WalletApp, n: &str) -> Option<(String, String, Vec<u8>)> {
    let n: usize = n.parse().ok()?;
    let made = app.made.lock().ok()?;
    let m = made.get(n.checked_sub(1)?)?;
    Some((m.domain.clone(), m.expires.clone(), m.json.clone()))
}

async fn shared_page(
    State(app): App,
    headers: HeaderMap,
    Path((_, n)): Path<(String, String)>,
) -> Response {
    let l = lang(&headers);
    let Some((domain, expires, json)) = made_n(&app, &n) else {
        return not_found_page(l, &app);
    };
    let count = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v["verifiableCredential"].as_array().map(Vec::len))
        .unwrap_or(0);
    let t = &app.token;
    page(
        l,
        &app,
        l.t("Klaar om te delen", "Ready to share"),
        StatusCode::OK,
        html! {
            p.big.ok role="status" {
                (count) (l.t(" badges voor ", " badges for ")) strong { (domain) } (l.t(", geldig tot ", ", valid until ")) (expires.get(..10).unwrap_or(&expires)) "."
            }
            p.big { (l.t("Sla het bestand op en stuur het naar de werkgever. Alleen die kan het gebruiken, en alleen tot de datum hierboven.", "Save the file and send it to the employer. Only they can use it, and only until the date above.")) }
            div.actions { a href={ "/" (t) "/shared/" (n) "/download" } download { (l.t("Bestand opslaan", "Save the file")) } }
            p { a href={ "/" (t) "/" } { (l.t("Terug naar mijn badges", "Back to my badges")) } }
        },
    )
}

async fn shared_download(
    State(app): App,
    headers: HeaderMap,
    Path((_, n)): Path<(String, String)>,
) -> Response {
    let l = lang(&headers);
    let Some((domain, _, json)) = made_n(&app, &n) else {
        return not_found_page(l, &app);
    };
    let safe: String = domain
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    security_headers(
        (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"badges-voor-{safe}.json\""),
                ),
            ],
            json,
        )
            .into_response(),
    )
}

/// A share link with its QR code, and the printable one-page portfolio of its badges.
async fn link_page(
    State(app): App,
    headers: HeaderMap,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let l = lang(&headers);
    unlocked!(app, l, guard);
    drop(guard);
    let Some((share, badges)) = share_and_badges(&app, &id) else {
        return not_found_page(l, &app);
    };
    let qr = badgesafe_wallet::share::qr_svg(&share.link).unwrap_or_default();
    let t = &app.token;
    page(
        l,
        &app,
        l.t("Mijn badges", "My badges"),
        StatusCode::OK,
        html! {
            @if let Some(at) = &share.withdrawn {
                p.error.big role="status" { (l.t("Deze link is ingetrokken op ", "This link was withdrawn on ")) (at.get(..10).unwrap_or(at)) "." }
            } @else {
                p.big.ok.noprint role="status" { (l.t("De link is klaar. Print deze pagina of sla hem op als PDF, of stuur de link.", "The link is ready. Print this page or save it as a PDF, or send the link.")) }
            }
            section.portfolio {
                ul.badges {
                    @for b in &badges {
                        li {
                            @if let Some(src) = import::image_of(b) { img src=(src) alt=(b.name); }
                            strong { (b.name) }
                            p { (b.issuer) }
                            p { (b.issued.get(..10).unwrap_or(&b.issued)) }
                        }
                    }
                }
                div.qr role="img" aria-label=(l.t("QR-code van de link", "QR code of the link")) { (maud::PreEscaped(qr)) }
                p { (l.t("Controleer deze badges: scan de code of open ", "Check these badges: scan the code or open ")) code.link { (share.link) } }
                p { (l.t("Voor ", "For ")) (share.domain) (l.t(", geldig tot ", ", valid until ")) (share.expires.get(..10).unwrap_or(&share.expires)) "." }
            }
            div.actions.noprint { a href={ "/" (t) "/link/" (share.id) "/portfolio.pdf" } download { (l.t("PDF opslaan", "Save as PDF")) } }
            @if share.withdrawn.is_none() {
                form.noprint method="post" action={ "/" (t) "/unshare/" (share.id) } {
                    button.danger type="submit" { (l.t("Delen stoppen", "Stop sharing")) }
                }
            }
            p.noprint { a href={ "/" (t) "/" } { (l.t("Terug naar mijn badges", "Back to my badges")) } }
        },
    )
}

async fn unshare(
    State(app): App,
    headers: HeaderMap,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let l = lang(&headers);
    let sid = id.clone();
    let failed = (
        StatusCode::BAD_GATEWAY,
        "Delen stoppen lukte niet",
        "Stopping the share failed",
    );
    let done = on_vault(&app, l, failed, move |_, vault| {
        relay_client::withdraw(&mut vault.contents, &sid)?;
        vault.save().map_err(|e| e.to_string())
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/{}/link/{id}", app.token)).into_response(),
        Err(r) => r,
    }
}

/// The share and its badges, from the open vault.
fn share_and_badges(
    app: &WalletApp,
    id: &str,
) -> Option<(badgesafe_wallet::share::Share, Vec<Badge>)> {
    let guard = app.vault.lock().ok()?;
    let vault = guard.as_ref()?;
    let share = vault.contents.shares.iter().find(|s| s.id == id)?.clone();
    let badges = share
        .badges
        .iter()
        .filter_map(|b| vault.contents.badges.iter().find(|x| &x.id == b).cloned())
        .collect();
    Some((share, badges))
}

async fn link_pdf(
    State(app): App,
    headers: HeaderMap,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let l = lang(&headers);
    let Some((share, badges)) = share_and_badges(&app, &id) else {
        return not_found_page(l, &app);
    };
    match pdf::portfolio(l, &share, &badges) {
        Ok(bytes) => security_headers(
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"badges-portfolio.pdf\"".to_owned(),
                    ),
                ],
                bytes,
            )
                .into_response(),
        ),
        Err(e) => message(
            l,
            &app,
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("De PDF kon niet gemaakt worden: {e}"),
            &format!("The PDF could not be made: {e}"),
        ),
    }
}
