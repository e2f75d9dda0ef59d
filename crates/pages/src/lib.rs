//! What the server-rendered pages (the school's staff pages, the student's wallet pages) share:
//! the two languages, cookies, and the security headers every page is sent with.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

impl Lang {
    /// The Dutch or the English text.
    pub fn t<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// `nl` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The other language: its code and its own name.
    pub fn other(self) -> (&'static str, &'static str) {
        match self {
            Lang::Nl => ("en", "English"),
            Lang::En => ("nl", "Nederlands"),
        }
    }

    /// The language a cookie chose, else the browser's first preference (Dutch unless it
    /// starts with English).
    pub fn of(headers: &HeaderMap, cookie_name: &str) -> Lang {
        match cookie(headers, cookie_name) {
            Some("en") => Lang::En,
            Some("nl") => Lang::Nl,
            _ => {
                let accept = headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("nl");
                if accept.trim_start().starts_with("en") {
                    Lang::En
                } else {
                    Lang::Nl
                }
            }
        }
    }
}

/// A cookie's value.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Adds the headers every page gets: a CSP that allows nothing but this origin's style sheet,
/// `data:` images and forms posting here; no sniffing, no caching, same-origin referrers.
pub fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with no-referrer, browsers send `Origin: null` on form
    // posts, and the origin checks need the real one.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The style sheet both sets of pages use: large text, visible focus, enough contrast.
pub const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:1rem;color:#111;background:#fff;line-height:1.5}\
nav a{margin-right:1rem}a{color:#0645ad}table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{border:1px solid #888;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}\
label{display:block;margin-top:.6rem;font-weight:600}input,textarea,select{font-size:1rem;padding:.3rem;max-width:100%}\
button{font-size:1rem;padding:.4rem 1rem;margin:.5rem .5rem .5rem 0;background:#0b5394;color:#fff;border:0;border-radius:4px;cursor:pointer}\
button.danger{background:#a61c00}.error{color:#a61c00;font-weight:600}.ok{color:#1d6b2f;font-weight:600}\
progress{width:20rem;height:1.2rem}:focus{outline:3px solid #f9a825;outline-offset:2px}\
.big{font-size:1.25rem}.badges{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}\
.badges li{border:2px solid #888;border-radius:8px;padding:.8rem;width:14rem}.badges img{width:12rem;height:12rem;object-fit:contain}\
.badges label{font-weight:400}.badges input[type=checkbox]{width:1.5rem;height:1.5rem;vertical-align:middle}\
.qr svg{width:12rem;height:12rem}code.link{word-break:break-all}\
@media print{nav,.noprint,.actions,header{display:none}body{max-width:none;padding:0}.badges li{break-inside:avoid;width:10rem}.badges img{width:8rem;height:8rem}}\
.actions a{display:inline-block;font-size:1.25rem;padding:.6rem 1.2rem;margin:.5rem .5rem .5rem 0;background:#0b5394;color:#fff;border-radius:6px;text-decoration:none}";
