//! The employer's verifier: its flags, shared by `badgesafe serve` and `badgesafe verifier`.

use anyhow::{Context as _, Result, bail};
use badgesafe_verify::trust::TrustList;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Clone, Debug)]
pub struct VerifierArgs {
    /// The verifier's trust list (JSON: {"issuers": [{"name", "ids", "accounts"}]}); without
    /// one, every issuer is shown as not marked trusted.
    #[arg(long = "trust", value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// Only issuers on the trust list count as verified.
    #[arg(long, requires = "trust")]
    pub require_trusted: bool,
    /// Requests per second one client address may make to POST /verify and POST /shares
    /// (bursts of twice that); 0: no limit.
    #[arg(long, default_value_t = 20)]
    pub verify_rate: u32,
    /// Verify without the network: keys must be in the badge (did:key); anchors and status
    /// lists are reported as not checked.
    #[arg(long)]
    pub verify_offline: bool,
    /// Also fetch plain http:// addresses of other hosts while verifying.
    #[arg(long)]
    pub verify_allow_http: bool,
    /// Also fetch from loopback and private network addresses while verifying (off: only the
    /// public internet, against server-side request forgery).
    #[arg(long)]
    pub verify_allow_private: bool,
    /// JSON-RPC endpoints to check Ethereum anchors on (repeat for several chains).
    #[arg(long, value_name = "URL")]
    pub verify_rpc: Vec<String>,
    /// The most the share relay keeps, in MiB; new shares beyond it are refused (507).
    #[arg(long, default_value_t = 1024)]
    pub relay_max_mib: u64,
}

/// The verifier's routes, with its share relay in `data/shares` (expired shares purged every
/// minute).
pub fn router(args: &VerifierArgs, data: &Path, public_url: &str) -> Result<axum::Router> {
    let trust = match &args.trust {
        Some(p) => TrustList::from_json(&crate::files::read_input(p)?)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("reading {}", p.display()))?,
        None => TrustList::default(),
    };
    let fetcher: badgesafe_verifier_web::SharedFetcher = if args.verify_offline {
        None
    } else {
        Some(Box::new(
            badgesafe_fetch::HttpFetcher::new(
                Duration::from_secs(10),
                if args.verify_allow_http {
                    badgesafe_fetch::PlainHttp::Anywhere
                } else {
                    badgesafe_fetch::PlainHttp::LoopbackOnly
                },
            )
            .public_only(!args.verify_allow_private),
        ))
    };
    let rpc = args
        .verify_rpc
        .iter()
        .map(|u| {
            badgesafe_fetch::HttpRpc::new(u, Duration::from_secs(10))
                .map(|r| Box::new(r) as Box<dyn badgesafe_anchor::eth::Rpc + Send + Sync>)
                .map_err(anyhow::Error::msg)
        })
        .collect::<Result<Vec<_>>>()?;
    let relay = badgesafe_verifier_web::relay::Relay::new(data.join("shares"), public_url)
        .map_err(anyhow::Error::msg)?
        .with_limit(args.relay_max_mib.saturating_mul(1024 * 1024));
    let v = Arc::new(badgesafe_verifier_web::Verifier::new(
        trust,
        args.require_trusted,
        fetcher,
        rpc,
        relay,
        args.verify_rate,
    ));
    let purger = v.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let p = purger.clone();
            let _ = tokio::task::spawn_blocking(move || p.relay.purge()).await;
        }
    });
    Ok(badgesafe_verifier_web::router(v))
}

#[derive(Args)]
pub struct StandaloneArgs {
    /// Address to listen on. Plain HTTP is only allowed on a loopback address.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Folder for the share relay.
    #[arg(long, default_value = "badgesafe-verifier")]
    pub data: PathBuf,
    /// The address people reach this verifier at (share links use it).
    #[arg(long)]
    pub public_url: Option<String>,
    /// A PEM certificate chain for HTTPS.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Its PEM private key.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    #[command(flatten)]
    pub verifier: VerifierArgs,
}

/// `badgesafe verifier`: the verifier page, `POST /verify` and the share relay, alone.
pub fn run(args: &StandaloneArgs) -> Result<()> {
    if !args.listen.ip().is_loopback() && args.tls_cert.is_none() {
        bail!(
            "{} is not a loopback address: plain HTTP is only for this machine. Give --tls-cert and --tls-key, or listen on 127.0.0.1",
            args.listen
        );
    }
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async {
        let listener_probe = args.listen;
        let scheme = if args.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{listener_probe}"));
        let app = router(&args.verifier, &args.data, &public_url)?;
        crate::serve::listen_and_serve(
            app,
            args.listen,
            args.tls_cert.as_deref().zip(args.tls_key.as_deref()),
            &format!("badgesafe: verifier at {public_url}/verify"),
        )
        .await
    })
}
