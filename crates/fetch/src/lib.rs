//! HTTP(S) for the verifier and the ledgers: DID documents, keys, status lists, OB 2.0 hosted
//! objects, and Ethereum JSON-RPC ([`HttpRpc`]).
//!
//! Every request has a timeout and a size limit. Only `https://` is fetched, except plain
//! `http://` to a loopback host (`localhost`, `127.0.0.1`, `[::1]`) for development and tests,
//! or anywhere when the caller allows it (OB 2.0 issuers from before HTTPS was common).
//! Redirects are followed by hand (at most [`MAX_REDIRECTS`]) so each hop passes the same rule.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Redirect hops followed at most.
pub const MAX_REDIRECTS: usize = 5;

/// A [`badgesafe_verify::Fetcher`] over HTTP(S) with rustls.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    agent: ureq::Agent,
    max_bytes: u64,
    allow_plain_http: bool,
    public_only: bool,
}

/// Who may be reached over plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainHttp {
    /// Only loopback hosts.
    LoopbackOnly,
    /// Any host (needed for some OB 2.0 issuers).
    Anywhere,
}

fn config(timeout: Duration) -> ureq::config::Config {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("badgesafe/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// An HTTP client with an overall timeout per request, no automatic redirects, and statuses as
/// answers (the callers name them).
fn agent(timeout: Duration) -> ureq::Agent {
    config(timeout).into()
}

/// ureq's resolver, refusing names that resolve to an address that is not public. It runs
/// when the connection is made, so a DNS answer that changed since [`HttpFetcher`]'s own check
/// (rebinding) is caught too.
#[derive(Debug, Default)]
struct PublicResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for PublicResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.0.resolve(uri, config, timeout)?;
        if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} is not a public address ({}); this verifier only fetches from the public internet",
                    uri.host().unwrap_or_default(),
                    a.ip()
                ),
            )));
        }
        Ok(addrs)
    }
}

impl HttpFetcher {
    /// A fetcher with a per-request timeout.
    pub fn new(timeout: Duration, plain_http: PlainHttp) -> Self {
        let agent = agent(timeout);
        Self {
            agent,
            max_bytes: badgesafe_verify::MAX_FETCH_BYTES as u64,
            allow_plain_http: plain_http == PlainHttp::Anywhere,
            public_only: false,
        }
    }

    /// Only public addresses: a host that is, or resolves to, a loopback, private, link-local,
    /// shared (CGNAT), unique-local, multicast or unspecified address is refused (against
    /// server-side request forgery in a public verifier). Redirects are checked the same way.
    pub fn public_only(mut self, yes: bool) -> Self {
        self.public_only = yes;
        if yes {
            let timeout = self
                .agent
                .config()
                .timeouts()
                .global
                .unwrap_or(Duration::from_secs(10));
            self.agent = ureq::Agent::with_parts(
                config(timeout),
                ureq::unversioned::transport::DefaultConnector::new(),
                PublicResolver::default(),
            );
        }
        self
    }

    fn check_address(&self, url: &str) -> Result<(), String> {
        use std::net::ToSocketAddrs as _;
        if !self.public_only {
            return Ok(());
        }
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6.split_once(']').unwrap_or((v6, ""));
                (
                    h.to_owned(),
                    after.strip_prefix(':').and_then(|p| p.parse().ok()),
                )
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().ok()),
                None => (authority.to_owned(), None),
            },
        };
        let port = port.unwrap_or(if scheme == "http" { 80 } else { 443 });
        let addrs: Vec<std::net::SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} is not a public address ({}); this verifier only fetches from the public internet",
                a.ip()
            ));
        }
        Ok(())
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

/// Whether an address is on the public internet.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(std::net::IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
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
            self.check_address(&current)?;
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

/// An Ethereum JSON-RPC endpoint over HTTP(S): `https://`, or plain `http://` to this machine
/// (a local node). Every call has a timeout and a size limit; there are no redirects.
///
/// Answers that cannot change are kept for the life of the value: the chain id, blocks by
/// number, and transactions and receipts once mined. `eth_blockNumber` is kept one second.
pub struct HttpRpc {
    url: String,
    agent: ureq::Agent,
    next_id: AtomicU64,
    cache: Mutex<HashMap<(String, String), Value>>,
    head: Mutex<Option<(Instant, Value)>>,
    caching: bool,
}

impl std::fmt::Debug for HttpRpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRpc")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Largest JSON-RPC answer accepted.
pub const MAX_RPC_BYTES: u64 = 2 * 1024 * 1024;
const RPC_CACHE_LIMIT: usize = 10_000;

impl HttpRpc {
    /// An endpoint at `url` with a per-call timeout.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        HttpFetcher::new(timeout, PlainHttp::LoopbackOnly)
            .check_url(url)
            .map_err(|e| format!("RPC endpoint: {e}"))?;
        let agent = agent(timeout);
        Ok(Self {
            url: url.to_owned(),
            agent,
            next_id: AtomicU64::new(1),
            cache: Mutex::new(HashMap::new()),
            head: Mutex::new(None),
            caching: true,
        })
    }

    /// The same endpoint with no cache: every call goes to the node. For the issuer, who must
    /// see the chain as it is now (a restarted or reorganised node forgets what it said).
    pub fn without_cache(mut self) -> Self {
        self.caching = false;
        self
    }

    fn post(&self, method: &str, params: &Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => "timed out".to_owned(),
                other => other.to_string(),
            })?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_RPC_BYTES)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(n) => format!("the answer is larger than {n} bytes"),
                other => other.to_string(),
            })?;
        let answer: Value = serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "HTTP {status}: the answer is not JSON-RPC ({})",
                String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
            )
        })?;
        if let Some(err) = answer.get("error").filter(|e| !e.is_null()) {
            let msg = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("error");
            return Err(format!("the node answered: {msg}"));
        }
        if status != 200 {
            return Err(format!("HTTP {status}"));
        }
        match answer.get("result") {
            Some(r) if answer.get("id") == Some(&json!(id)) => Ok(r.clone()),
            Some(_) => Err("the answer is for another request".into()),
            None => Err("the answer has no result".into()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl badgesafe_anchor::eth::Rpc for HttpRpc {
    fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        if !self.caching {
            return self.post(method, &params);
        }
        if method == "eth_blockNumber"
            && let Some((at, v)) = lock(&self.head).as_ref()
            && at.elapsed() < Duration::from_secs(1)
        {
            return Ok(v.clone());
        }
        let key = (method.to_owned(), params.to_string());
        if let Some(v) = lock(&self.cache).get(&key) {
            return Ok(v.clone());
        }
        let result = self.post(method, &params)?;
        let lasting = match method {
            "eth_chainId" => true,
            "eth_getBlockByNumber" => {
                params
                    .get(0)
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.starts_with("0x"))
                    && !result.is_null()
            }
            "eth_getTransactionByHash" => result.get("blockNumber").is_some_and(|b| !b.is_null()),
            "eth_getTransactionReceipt" => !result.is_null(),
            _ => false,
        };
        if lasting {
            let mut cache = lock(&self.cache);
            if cache.len() >= RPC_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, result.clone());
        } else if method == "eth_blockNumber" {
            *lock(&self.head) = Some((Instant::now(), result.clone()));
        }
        Ok(result)
    }

    fn endpoint(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests;
