//! The employer's verifier: `POST /verify` (any input → the same report as
//! `badgesafe verify --json`), the verifier page (choose a file or paste JSON; each badge shown
//! with its checks in plain Dutch or English), and the share relay (ciphertext only, deleted at
//! expiry or on withdrawal; the key stays in the link's fragment). Served by `badgesafe serve`
//! and alone by `badgesafe verifier`.

// The helpers' error is the page to answer with, an axum `Response`.
#![allow(clippy::result_large_err)]

pub mod relay;
mod words;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use badgesafe_pages::{CSS, Lang, security_headers};
use badgesafe_verify::Verification;
use badgesafe_verify::trust::TrustList;
use maud::{DOCTYPE, Markup, html};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

const LANG_COOKIE: &str = "bs_verifier_lang";
/// The largest input verified (a baked image or a presentation).
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// Where the network is reached for verification (`None`: offline, with the trust list's
/// pinned keys only).
pub type SharedFetcher = Option<Box<dyn badgesafe_verify::Fetcher + Send>>;

/// The verifier's settings and state.
pub struct Verifier {
    /// Known issuers.
    pub trust: TrustList,
    /// Whether only known issuers count as verified.
    pub require_trusted: bool,
    fetcher: badgesafe_verify::trust::Pinned,
    rpc: Vec<Box<dyn badgesafe_anchor::eth::Rpc + Send + Sync>>,
    /// The share relay.
    pub relay: relay::Relay,
    limiter: Limiter,
}

impl Verifier {
    /// A verifier. `rate` is the requests per second one client address may make to
    /// `POST /verify` and `POST /shares` (bursts of twice that); 0 turns the limit off.
    pub fn new(
        trust: TrustList,
        require_trusted: bool,
        fetcher: SharedFetcher,
        rpc: Vec<Box<dyn badgesafe_anchor::eth::Rpc + Send + Sync>>,
        relay: relay::Relay,
        rate: u32,
    ) -> Self {
        Self {
            fetcher: badgesafe_verify::trust::Pinned::new(&trust, fetcher),
            trust,
            require_trusted,
            rpc,
            relay,
            limiter: Limiter {
                rate: f64::from(rate),
                buckets: Mutex::new(HashMap::new()),
            },
        }
    }

    /// Verifies any input with this verifier's network, anchors and trust list.
    pub fn verify(
        &self,
        bytes: &[u8],
        domain: Option<&str>,
        challenge: Option<&str>,
    ) -> Verification {
        let rpc: Vec<&dyn badgesafe_anchor::eth::Rpc> = self
            .rpc
            .iter()
            .map(|r| r.as_ref() as &dyn badgesafe_anchor::eth::Rpc)
            .collect();
        let opts = badgesafe_verify::Options {
            fetcher: Some(&self.fetcher),
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc: &rpc,
            confirmations: 1,
        };
        badgesafe_verify::verify_input(
            bytes,
            &opts,
            &badgesafe_verify::presentation::Expect { challenge, domain },
            Some((&self.trust, self.require_trusted)),
        )
    }
}

/// A token bucket per client address.
struct Limiter {
    rate: f64,
    buckets: Mutex<HashMap<std::net::IpAddr, (f64, std::time::Instant)>>,
}

impl Limiter {
    fn allow(&self, ip: std::net::IpAddr) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let Ok(mut b) = self.buckets.lock() else {
            return false;
        };
        let now = std::time::Instant::now();
        if b.len() > 10_000 {
            b.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 60);
        }
        let burst = self.rate * 2.0;
        let (tokens, at) = b.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

type App = State<Arc<Verifier>>;

/// The verifier's routes: `/verify` (page and API), `/shares` (relay), `/s/{id}` (a share
/// link's page). Needs `into_make_service_with_connect_info::<SocketAddr>()` for the rate
/// limit.
pub fn router(v: Arc<Verifier>) -> Router {
    Router::new()
        .route("/verify", get(page_get).post(verify_post))
        .route("/verify/page", post(page_post))
        .route("/verify/style.css", get(style))
        .route("/verify/share.js", get(share_js))
        .route("/verify/lang/{lang}", get(set_lang))
        .route("/shares", post(relay::create))
        .route("/shares/{id}", get(relay::fetch).delete(relay::withdraw))
        .route("/s/{id}", get(share_page))
        .layer(DefaultBodyLimit::max(MAX_INPUT_BYTES + 64 * 1024))
        .layer(axum::middleware::from_fn_with_state(v.clone(), limit))
        .with_state(v)
}

async fn limit(State(v): App, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::POST {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(ip) = ip
            && !v.limiter.allow(ip)
        {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"error": "too many requests from your address; wait a second and try again"})),
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
    }
    next.run(req).await
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::of(headers, LANG_COOKIE)
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        format!("{CSS}{}", words::EXTRA_CSS),
    )
        .into_response()
}

async fn set_lang(Path(l): Path<String>) -> Response {
    let code = if l == "en" { "en" } else { "nl" };
    (
        [(
            header::SET_COOKIE,
            format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax"),
        )],
        Redirect::to("/verify"),
    )
        .into_response()
}

fn layout(l: Lang, title: &str, script: bool, body: Markup) -> Response {
    let (code, name) = l.other();
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · badgesafe" }
                link rel="stylesheet" href="/verify/style.css";
                @if script { script src="/verify/share.js" defer {} }
            }
            body {
                header { nav aria-label=(l.t("Taal", "Language")) { a href={ "/verify/lang/" (code) } lang=(code) { (name) } } }
                main { h1 { (title) } (body) }
            }
        }
    };
    let mut r = security_headers(
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response(),
    );
    if script {
        // The share page's one script (same origin) may read the ciphertext and ask /verify.
        r.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    r
}

fn form(l: Lang) -> Markup {
    html! {
        form method="post" action="/verify/page" enctype="multipart/form-data" {
            label.big for="file" { (l.t("Kies een badge-bestand (PNG, SVG, JSON, JWT of een presentatie)", "Choose a badge file (PNG, SVG, JSON, JWT or a presentation)")) }
            input.big id="file" name="file" type="file" accept=".png,.svg,.json,.jsonld,.jwt,.jws,image/png,image/svg+xml,application/json";
            label for="text" { (l.t("Of plak de JSON of JWT hier", "Or paste the JSON or JWT here")) }
            textarea id="text" name="text" rows="6" cols="70" {}
            label for="domain" { (l.t("Bij een presentatie: jouw domein (waarvoor hij gemaakt is)", "For a presentation: your domain (who it was made for)")) }
            input id="domain" name="domain";
            label for="challenge" { (l.t("Bij een presentatie: de code die je gaf", "For a presentation: the code you gave")) }
            input id="challenge" name="challenge";
            div { button.big type="submit" { (l.t("Controleren", "Check")) } }
        }
    }
}

async fn page_get(headers: HeaderMap) -> Response {
    let l = lang(&headers);
    layout(
        l,
        l.t("Is deze badge echt?", "Is this badge genuine?"),
        false,
        html! {
            p.big { (l.t("Kies het bestand dat je kreeg. Je ziet meteen wie de badge uitgaf, of hij veranderd is, en of hij nog geldt.", "Choose the file you received. You see at once who issued the badge, whether it was changed, and whether it still holds.")) }
            (form(l))
        },
    )
}

async fn run_verify(
    v: Arc<Verifier>,
    bytes: Vec<u8>,
    domain: Option<String>,
    challenge: Option<String>,
) -> Option<Verification> {
    tokio::task::spawn_blocking(move || v.verify(&bytes, domain.as_deref(), challenge.as_deref()))
        .await
        .ok()
}

fn api_error(status: StatusCode, why: &str) -> Response {
    (status, axum::Json(json!({"error": why}))).into_response()
}

/// `POST /verify`: the body is the input (any format). `?format=html` answers the report as
/// an HTML fragment (the share page shows it); otherwise JSON.
async fn verify_post(
    State(v): App,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if body.is_empty() {
        return api_error(
            StatusCode::BAD_REQUEST,
            "the request body is empty: send the badge file (PNG, SVG, JSON, JWT) or a presentation",
        );
    }
    if body.len() > MAX_INPUT_BYTES {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the input is larger than 8 MiB",
        );
    }
    let domain = q.get("domain").filter(|d| !d.is_empty()).cloned();
    let challenge = q.get("challenge").filter(|c| !c.is_empty()).cloned();
    let Some(result) = run_verify(v, body.to_vec(), domain, challenge).await else {
        return api_error(StatusCode::SERVICE_UNAVAILABLE, "the verifier is busy");
    };
    if q.get("format").map(String::as_str) == Some("html") {
        let l = lang(&headers);
        return security_headers(
            (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                words::result(l, &result).into_string(),
            )
                .into_response(),
        );
    }
    axum::Json(result).into_response()
}

async fn page_post(State(v): App, headers: HeaderMap, mut mp: Multipart) -> Response {
    let l = lang(&headers);
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return again(
                    l,
                    l.t(
                        "Het bestand kwam niet goed aan. Is het groter dan 8 MB?",
                        "The file did not arrive whole. Is it larger than 8 MB?",
                    ),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let Ok(bytes) = field.bytes().await else {
            return again(
                l,
                l.t(
                    "Het bestand kwam niet goed aan. Is het groter dan 8 MB?",
                    "The file did not arrive whole. Is it larger than 8 MB?",
                ),
            );
        };
        if name == "file" {
            if !bytes.is_empty() {
                file = Some(bytes.to_vec());
            }
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let input = match (
        file,
        fields
            .get("text")
            .map(|t| t.trim())
            .filter(|t| !t.is_empty()),
    ) {
        (Some(f), _) => f,
        (None, Some(t)) => t.as_bytes().to_vec(),
        (None, None) => {
            return again(
                l,
                l.t(
                    "Kies eerst een bestand, of plak de tekst van de badge.",
                    "Choose a file first, or paste the badge's text.",
                ),
            );
        }
    };
    let get = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let Some(result) = run_verify(v, input, get("domain"), get("challenge")).await else {
        return again(
            l,
            l.t(
                "De controle kon niet worden uitgevoerd. Probeer het opnieuw.",
                "The check could not run. Try again.",
            ),
        );
    };
    layout(
        l,
        l.t("Uitslag", "Result"),
        false,
        html! {
            (words::result(l, &result))
            h2 { (l.t("Nog een badge controleren", "Check another badge")) }
            (form(l))
        },
    )
}

fn again(l: Lang, why: &str) -> Response {
    let mut r = layout(
        l,
        l.t("Is deze badge echt?", "Is this badge genuine?"),
        false,
        html! {
            p.error.big role="alert" { (why) }
            (form(l))
        },
    );
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

async fn share_page(headers: HeaderMap, Path(id): Path<String>) -> Response {
    let l = lang(&headers);
    layout(
        l,
        l.t("Gedeelde badges", "Shared badges"),
        true,
        html! {
            div id="share" data-id=(id) data-lang=(l.code()) {
                p.big role="status" id="share-status" {
                    (l.t("Even geduld: de badges worden geopend en gecontroleerd. Dit werkt alleen met JavaScript aan; de sleutel staat in de link en komt nooit op de server.", "One moment: the badges are being opened and checked. This needs JavaScript; the key is in the link and never reaches the server."))
                }
                div id="share-result" {}
            }
        },
    )
}

async fn share_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        include_str!("share.js"),
    )
        .into_response()
}

/// Turns a JSON value into the `data` of an API answer (for the relay).
pub(crate) fn json_answer(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}
