//! HTTP(S) for the verifier: DID documents, keys, status lists, OB 2.0 hosted objects.
//!
//! Every request has a timeout and a size limit. Only `https://` is fetched, except plain
//! `http://` to a loopback host (`localhost`, `127.0.0.1`, `[::1]`) for development and tests,
//! or anywhere when the caller allows it (OB 2.0 issuers from before HTTPS was common).
//! Redirects are followed by hand (at most [`MAX_REDIRECTS`]) so each hop passes the same rule.

use std::time::Duration;

/// Redirect hops followed at most.
pub const MAX_REDIRECTS: usize = 5;

/// A [`badgesafe_verify::Fetcher`] over HTTP(S) with rustls.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    agent: ureq::Agent,
    max_bytes: u64,
    allow_plain_http: bool,
}

/// Who may be reached over plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainHttp {
    /// Only loopback hosts.
    LoopbackOnly,
    /// Any host (needed for some OB 2.0 issuers).
    Anywhere,
}

impl HttpFetcher {
    /// A fetcher with a per-request timeout.
    pub fn new(timeout: Duration, plain_http: PlainHttp) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("badgesafe/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            max_bytes: badgesafe_verify::MAX_FETCH_BYTES as u64,
            allow_plain_http: plain_http == PlainHttp::Anywhere,
        }
    }

    fn check_url(&self, url: &str) -> Result<(), String> {
        if url.starts_with("https://") {
            return Ok(());
        }
        let Some(rest) = url.strip_prefix("http://") else {
            return Err(format!("only https:// URLs are fetched, not {url}"));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = if authority.starts_with('[') {
            authority
                .split(']')
                .next()
                .map(|h| format!("{h}]"))
                .unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default().to_owned()
        };
        let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
        if loopback || self.allow_plain_http {
            Ok(())
        } else {
            Err(format!(
                "plain http:// is only fetched from this machine (loopback), not {url}"
            ))
        }
    }
}

fn resolve_location(base: &str, location: &str) -> String {
    if location.starts_with("https://") || location.starts_with("http://") {
        return location.to_owned();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if location.starts_with('/') {
        format!("{}{location}", &base[..authority_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= authority_end)
            .unwrap_or(authority_end);
        format!("{}/{location}", &base[..dir_end])
    }
}

impl badgesafe_verify::Fetcher for HttpFetcher {
    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, String> {
        let mut current = url.split('#').next().unwrap_or(url).to_owned();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&current)?;
            let mut resp = self
                .agent
                .get(&current)
                .header("Accept", accept)
                .call()
                .map_err(|e| match e {
                    ureq::Error::Timeout(_) => "timed out".to_owned(),
                    other => other.to_string(),
                })?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| format!("HTTP {status} without a Location header"))?;
                current = resolve_location(&current, location);
                continue;
            }
            if status != 200 {
                return Err(format!("HTTP {status}"));
            }
            return resp
                .body_mut()
                .with_config()
                .limit(self.max_bytes)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(n) => {
                        format!("the answer is larger than {n} bytes")
                    }
                    other => other.to_string(),
                });
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }
}

#[cfg(test)]
mod tests;
