//! `badgesafe serve`, `purge`, `privacy-report` and `token`: the issuer service's data folder,
//! flags and start-up. The service itself is `badgesafe_service`.

use crate::files;
use anyhow::{Context as _, Result, bail};
use badgesafe_service::{Anchoring, Config, Published, Service};
use badgesafe_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The data folder and database, shared by every service command.
#[derive(clap::Args, Clone)]
pub struct DataArgs {
    /// The service's data folder: issuer keys, the SQLite database, the anchor log and the
    /// e-mail outbox.
    #[arg(long, default_value = "badgesafe-data")]
    pub data: PathBuf,
    /// The database: sqlite://FILE or postgres://USER@HOST/DB. Default: badgesafe.sqlite in
    /// the data folder.
    #[arg(long, env = "BADGESAFE_DATABASE")]
    pub database: Option<String>,
}

impl DataArgs {
    fn url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data.join("badgesafe.sqlite").display()
            )
        })
    }

    /// Opens the database (creating the data folder for SQLite).
    pub fn open(&self, rt: &tokio::runtime::Runtime) -> Result<Store> {
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("creating {}", self.data.display()))?;
        let url = self.url();
        rt.block_on(Store::open(&url))
            .with_context(|| format!("opening the database {}", redact(&url)))
    }
}

/// A URL with its password hidden.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `badgesafe serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on. Plain HTTP is only allowed on a loopback address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub verifier: crate::verifier::VerifierArgs,
    /// A TLS certificate chain (PEM): serve HTTPS (rustls). Needs --tls-key.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM) for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The URL students and verifiers reach the service at (status lists and achievement ids
    /// are made from it). Default: http://LISTEN.
    #[arg(long)]
    pub public_url: Option<String>,
    /// The SMTP server: smtp://[user:password@]host[:port][?tls=required] or smtps://…
    /// Without it, messages are written as .eml files to the outbox folder in the data folder.
    #[arg(long, env = "BADGESAFE_SMTP")]
    pub smtp: Option<String>,
    /// A CA certificate (PEM) to trust for the SMTP server.
    #[arg(long, requires = "smtp")]
    pub smtp_ca: Option<PathBuf>,
    /// The sender of delivery messages.
    #[arg(long, default_value = "badgesafe <noreply@localhost>")]
    pub mail_from: String,
    /// Seconds before the first retry of a failed delivery (doubled each time, at most an hour).
    #[arg(long, default_value_t = 30)]
    pub mail_retry_seconds: u64,
    /// Days personal data is kept after delivery (0: purged at the first purge after delivery).
    #[arg(long, default_value_t = 30)]
    pub retention_days: i64,
    /// The school's name, when the service creates its issuer identity.
    #[arg(long, default_value = "badgesafe school")]
    pub name: String,
    /// The school's web site, when the service creates its issuer identity.
    #[arg(long, default_value = "https://school.example")]
    pub url: String,
    /// How badges name the student: by a salted SHA-256 of the e-mail address (hashed, the
    /// default) or by the plain address (plain: anyone who sees the badge reads it).
    #[arg(long, value_parser = ["hashed", "plain"], default_value = "hashed")]
    pub recipient_identity: String,
    /// Most results per batch.
    #[arg(long, default_value_t = 10_000)]
    pub batch_max: i64,
    /// Where batch roots go: the issuer's own log (default) or an Ethereum chain (--rpc; the
    /// account from `badgesafe issuer eth-account --dir DATA/issuer`).
    #[arg(long, value_enum, default_value_t = crate::anchor::LedgerKind::Local)]
    pub ledger: crate::anchor::LedgerKind,
    /// The chain's JSON-RPC endpoint, with --ledger ethereum.
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// Blocks (its own included) before a batch's transaction counts as anchored.
    #[arg(long, default_value_t = 1)]
    pub confirmations: u64,
    /// The most an anchoring transaction may pay per gas, in gwei.
    #[arg(long, default_value_t = 100.0)]
    pub max_fee_gwei: f64,
    /// The anchoring keystore (default: $BADGESAFE_ETH_KEY, then DATA/issuer/anchor-key.json
    /// with its password in $BADGESAFE_KEY_PASSWORD).
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// Seconds between looks for work when nothing wakes the workers.
    #[arg(long, default_value_t = 2)]
    pub poll_seconds: u64,
}

/// Creates (first run) or loads the issuer identity in `DATA/issuer`.
fn issuer(dir: &Path, name: &str, url: &str) -> Result<badgesafe_issue::Issuer> {
    if dir.join("issuer.json").exists() {
        files::load_issuer(dir)
    } else {
        let issuer = files::init_issuer(&files::NewIssuer {
            dir,
            name,
            url,
            did_web: None,
            profile_url: None,
        })?;
        eprintln!(
            "badgesafe: created issuer {} in {}",
            issuer.id(),
            dir.display()
        );
        Ok(issuer)
    }
}

/// The issuer folder's documents to publish, at their paths.
fn published(dir: &Path, issuer_id: &str, public_url: &str) -> Result<Vec<Published>> {
    let mut out = Vec::new();
    let mut add = |file: &str, path: String, content_type: &'static str| -> Result<()> {
        let p = dir.join(file);
        if p.exists() {
            out.push(Published {
                path,
                body: std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?,
                content_type,
            });
        }
        Ok(())
    };
    add(
        files::DID_FILE,
        "/.well-known/did.json".into(),
        "application/did+json",
    )?;
    add(
        "jwks.json",
        "/.well-known/jwks.json".into(),
        "application/json",
    )?;
    let profile_path = issuer_id
        .strip_prefix(public_url)
        .filter(|p| p.starts_with('/'))
        .map_or_else(|| "/issuer".to_owned(), str::to_owned);
    add(files::PROFILE_FILE, profile_path, "application/json")?;
    Ok(out)
}

/// This instance's id, kept in the data folder: a restarted service takes back at once the
/// work its earlier run had claimed, while other instances (other data folders) wait for the
/// lease to run out.
fn instance_id(data: &Path) -> Result<String> {
    let path = data.join("instance-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if id.trim().len() == 32 && id.trim().chars().all(|c| c.is_ascii_hexdigit()) => {
            Ok(id.trim().to_owned())
        }
        Ok(_) => bail!("{} is damaged: remove it and restart", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = badgesafe_store::random_id();
            files::write_atomic(&path, id.as_bytes(), false)?;
            Ok(id)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Runs the service until interrupted.
pub fn serve(args: &ServeArgs) -> Result<()> {
    if !args.listen.ip().is_loopback() && args.tls_cert.is_none() {
        bail!(
            "{} is not a loopback address: plain HTTP is only for development on this machine. Give --tls-cert and --tls-key to serve HTTPS, or listen on 127.0.0.1",
            args.listen
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let store = args.data.open(&rt)?;
    let public_url = args.public_url.clone().unwrap_or_else(|| {
        let scheme = if args.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", args.listen)
    });
    let issuer_dir = args.data.data.join("issuer");
    let issuer = issuer(&issuer_dir, &args.name, &args.url)?;
    let published = published(&issuer_dir, issuer.id(), &public_url)?;
    // The SMTP connection pool runs on the runtime.
    let _runtime = rt.enter();
    let mail = match &args.smtp {
        Some(url) => {
            let ca = args
                .smtp_ca
                .as_ref()
                .map(|p| std::fs::read(p).with_context(|| format!("reading {}", p.display())))
                .transpose()?;
            badgesafe_mail::Transport::smtp(url, ca.as_deref(), Duration::from_secs(30))
                .with_context(|| format!("--smtp {}", redact(url)))?
        }
        None => badgesafe_mail::Transport::folder(&args.data.data.join("outbox")),
    };
    let mut config = Config::new(&public_url);
    config.mail_from = args.mail_from.clone();
    config.retention_days = args.retention_days.max(0);
    config.batch_max = args.batch_max.max(1);
    config.hash_recipient = args.recipient_identity != "plain";
    config.retry_base = Duration::from_secs(args.mail_retry_seconds.max(1));
    config.poll = Duration::from_secs(args.poll_seconds.max(1));
    let anchoring = match args.ledger {
        crate::anchor::LedgerKind::Local => {
            if args.rpc.is_some() {
                bail!("--rpc is for --ledger ethereum");
            }
            Anchoring::Local {
                log: issuer_dir.join("anchor-log.jsonl"),
            }
        }
        crate::anchor::LedgerKind::Ethereum => {
            let Some(a) = files::load_anchoring(&issuer_dir)? else {
                bail!(
                    "the issuer has no anchoring account yet: run `badgesafe issuer eth-account --dir {}` so that verifiers can tie its transactions to it",
                    issuer_dir.display()
                );
            };
            let rpc_url = args.rpc.clone().context(
                "--ledger ethereum needs --rpc URL (the JSON-RPC endpoint of the chain)",
            )?;
            let key = crate::anchor::eth_key(&issuer_dir, Some(&a), args.key_file.as_deref())?;
            if key.address() != a.address {
                bail!(
                    "the key is for account {}, but the issuer publishes {} as its anchoring account",
                    key.address(),
                    a.address
                );
            }
            let node = badgesafe_fetch::HttpRpc::new(&rpc_url, Duration::from_secs(10))
                .map_err(anyhow::Error::msg)?
                .without_cache();
            let served = badgesafe_anchor::eth::chain_id(&node)?;
            if served != a.chain_id {
                bail!(
                    "{rpc_url} serves chain {served}, but the issuer publishes its anchoring account for chain {}",
                    a.chain_id
                );
            }
            Anchoring::Ethereum {
                rpc_url,
                key: Arc::new(key),
                chain_id: a.chain_id,
                confirmations: args.confirmations.max(1),
                max_fee_per_gas: crate::anchor::gwei_to_wei(args.max_fee_gwei, "--max-fee-gwei")?,
                verification_method: format!("{}#{}", issuer.id(), files::ANCHOR_FRAGMENT),
            }
        }
    };
    let service = Arc::new(Service {
        store,
        issuer: Arc::new(issuer),
        config,
        anchoring,
        mail,
        published,
        instance: instance_id(&args.data.data)?,
        wake_batches: tokio::sync::Notify::new(),
        wake_mail: tokio::sync::Notify::new(),
    });
    rt.block_on(async move {
        let app = badgesafe_service::start(service.clone());
        let shown = format!(
            "badgesafe: serving {public_url} (issuer {}, database {})",
            service.issuer.id(),
            redact(&args.data.url())
        );
        let app = app.merge(crate::verifier::router(
            &args.verifier,
            &args.data.data,
            &public_url,
        )?);
        listen_and_serve(
            app,
            args.listen,
            args.tls_cert.as_deref().zip(args.tls_key.as_deref()),
            &shown,
        )
        .await
    })
}

/// Serves `app` on `listen`: HTTPS with the certificate and key (rustls), else plain HTTP; until
/// Ctrl-C. Client addresses reach the handlers (for rate limits).
pub(crate) async fn listen_and_serve(
    app: axum::Router,
    listen: SocketAddr,
    tls: Option<(&Path, &Path)>,
    shown: &str,
) -> Result<()> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    if let Some((cert, key)) = tls {
        // One TLS stack: rustls with ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .with_context(|| {
                format!(
                    "reading the TLS certificate {} and key {}",
                    cert.display(),
                    key.display()
                )
            })?;
        let handle = axum_server::Handle::new();
        let stop = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        eprintln!("{shown} on https://{listen}");
        axum_server::bind_rustls(listen, tls)
            .handle(handle)
            .serve(app)
            .await
            .with_context(|| format!("serving HTTPS on {listen}"))
    } else {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        eprintln!("{shown} on http://{listen}");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")
    }
}

/// `badgesafe purge`.
pub fn purge(data: &DataArgs, retention_days: i64) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    let p = rt.block_on(badgesafe_service::pipeline::purge(
        &store,
        retention_days.max(0),
        badgesafe_service::now_ms(),
    ))?;
    let keep = Duration::from_secs(retention_days.max(0) as u64 * 24 * 3600);
    let files = badgesafe_mail::purge_eml(
        &data.data.join("outbox"),
        std::time::SystemTime::now() - keep,
    )?;
    println!(
        "Purged: {} credentials (bodies, images, names, addresses), {} sent messages, {} result keys, {} imports, {} sessions, {files} .eml files in the outbox folder",
        p.credentials, p.messages, p.results, p.imports, p.sessions
    );
    Ok(())
}

/// `badgesafe privacy-report`.
pub fn privacy_report(data: &DataArgs, retention_days: i64, json: bool) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    let p = rt.block_on(store.privacy())?;
    if json {
        let v = rt
            .block_on(badgesafe_service::api::privacy_json(&store, retention_days))
            .map_err(|e| anyhow::anyhow!(e.message))?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let next = p
        .next_purge
        .map_or_else(|| "none planned".into(), badgesafe_service::xsd);
    println!(
        "What badgesafe stores about people (retention window: {retention_days} days after delivery)\n"
    );
    println!("Students");
    println!(
        "  {:>7} uploaded imports still holding names and e-mail addresses (kept until confirmed or discarded, at most 1 day)",
        p.imports_waiting
    );
    println!(
        "  {:>7} results waiting to be issued: e-mail address, name, achievement, date, result, evidence URL",
        p.results_waiting
    );
    println!(
        "  {:>7} credentials with the student's e-mail address, name, signed credential and baked image",
        p.credentials_with_personal_data
    );
    println!(
        "          of which {} await delivery (kept until delivered); the next purge is {next}",
        p.credentials_awaiting_delivery
    );
    println!(
        "  {:>7} messages queued, {} failed (the address is kept with them), {} sent messages kept until the purge",
        p.messages_queued, p.messages_failed, p.messages_sent_kept
    );
    let eml = std::fs::read_dir(data.data.join("outbox"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0);
    println!(
        "  {eml:>7} delivery messages (.eml, with badges, names and addresses) in {}, removed {retention_days} days after they were written",
        data.data.join("outbox").display()
    );
    println!("After the purge");
    println!(
        "  {:>7} credentials keep only their id, status index, leaf hash and batch anchor",
        p.credentials_purged
    );
    println!(
        "  {:>7} results keep a SHA-256 key of (e-mail, achievement, date) until the purge, so a re-import does not issue twice",
        p.results_kept_for_dedup
    );
    println!(
        "  {:>7} revocation or suspension reasons recorded by staff (no personal data should be written in them)",
        p.status_reasons
    );
    println!("Staff and applications");
    println!(
        "  {:>7} staff accounts (user name, argon2 password hash)",
        p.staff_accounts
    );
    println!(
        "  {:>7} live API tokens (application name, SHA-256 of the token)",
        p.tokens
    );
    println!("On chain and in the anchor log: Merkle roots only, nothing personal.");
    Ok(())
}

/// `badgesafe token create`.
pub fn token_create(data: &DataArgs, app: &str, scope: &str) -> Result<()> {
    if !matches!(scope, "admin" | "results" | "issue") {
        bail!("--scope must be admin, results or issue");
    }
    if app.trim().is_empty() || app.len() > 100 {
        bail!("--app must name the application (1 to 100 characters)");
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    let token = badgesafe_service::api::new_token().map_err(anyhow::Error::msg)?;
    let id = badgesafe_store::random_id()[..12].to_owned();
    rt.block_on(store.create_token(
        &id,
        app.trim(),
        scope,
        &badgesafe_service::api::token_hash(&token),
        badgesafe_service::now_ms(),
    ))?;
    eprintln!("Token {id} for {app} ({scope}). It is shown only now; keep it secret:");
    println!("{token}");
    Ok(())
}

/// `badgesafe token list`.
pub fn token_list(data: &DataArgs) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    for t in rt.block_on(store.tokens())? {
        println!(
            "{}  {:8} {}  created {}{}",
            t.id,
            t.scope,
            t.app,
            badgesafe_service::xsd(t.created),
            t.revoked
                .map(|r| format!(", revoked {}", badgesafe_service::xsd(r)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `badgesafe token revoke`.
pub fn token_revoke(data: &DataArgs, id: &str) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    rt.block_on(store.revoke_token(id, badgesafe_service::now_ms()))?;
    println!("Revoked token {id}");
    Ok(())
}

/// `badgesafe credential revoke|suspend|unsuspend`.
pub fn credential_status(data: &DataArgs, id: &str, action: &str, reason: &str) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    let who = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    let v = rt
        .block_on(badgesafe_service::api::status_change(
            &store,
            "",
            &format!("cli:{who}"),
            id,
            action,
            reason,
        ))
        .map_err(|e| anyhow::anyhow!(e.message))?;
    if v["changed"] == true {
        println!("{id}: {action} done; verifiers see it at their next status list fetch");
    } else {
        println!("{id}: already in that state; nothing changed");
    }
    Ok(())
}

/// `badgesafe staff add`: the password comes from $BADGESAFE_STAFF_PASSWORD or the terminal.
pub fn staff_add(data: &DataArgs, username: &str) -> Result<()> {
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        bail!("--username must be 1 to 64 letters, digits, '.', '-', '_' or '@'");
    }
    let password = match std::env::var("BADGESAFE_STAFF_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let p = rpassword::prompt_password(format!("Password for {username}: "))
                .context("reading the password (or set BADGESAFE_STAFF_PASSWORD)")?;
            let again = rpassword::prompt_password("Again: ").context("reading the password")?;
            if p != again {
                bail!("the passwords differ");
            }
            p
        }
    };
    if password.chars().count() < 12 {
        bail!("the password must have at least 12 characters");
    }
    let hash = badgesafe_service::staff::hash_password(&password).map_err(anyhow::Error::msg)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = data.open(&rt)?;
    rt.block_on(store.put_staff(username, &hash, badgesafe_service::now_ms()))?;
    println!("Staff account {username} can sign in at /staff");
    Ok(())
}

/// `badgesafe import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The service, e.g. http://127.0.0.1:8080.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An API token (scope results or admin).
    #[arg(long, env = "BADGESAFE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Issue the valid rows without asking, even when some rows have errors.
    #[arg(long)]
    pub yes: bool,
    /// The results CSV.
    pub file: PathBuf,
}

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: &str,
    body: Option<Vec<u8>>,
) -> Result<serde_json::Value> {
    let auth = format!("Bearer {token}");
    let resp = match body {
        Some(b) => agent
            .post(url)
            .header("Authorization", &auth)
            .header("Content-Type", "text/csv")
            .send(b),
        None if method == "POST" => agent.post(url).header("Authorization", &auth).send_empty(),
        None => agent.get(url).header("Authorization", &auth).call(),
    }
    .with_context(|| format!("{method} {url}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .into_body()
        .read_to_string()
        .with_context(|| format!("reading the answer to {method} {url}"))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{method} {url} did not answer JSON (HTTP {status})"))?;
    if status >= 400 {
        let mut msg = v["error"].as_str().unwrap_or("error").to_owned();
        for d in v["problemDetails"].as_array().into_iter().flatten().skip(1) {
            msg.push_str(&format!("\n  {}", d["detail"].as_str().unwrap_or_default()));
        }
        bail!("{msg} (HTTP {status})");
    }
    Ok(v)
}

/// Uploads a results CSV, shows its errors, confirms and follows the batch with a progress bar.
pub fn import(args: &ImportArgs) -> Result<()> {
    use std::io::IsTerminal as _;
    let base = args.server.trim_end_matches('/');
    let csv = files::read_input(&args.file)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let before: std::collections::HashSet<String> = call(
        &agent,
        "GET",
        &format!("{base}/api/batches"),
        &args.token,
        None,
    )?["batches"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["id"].as_str().map(str::to_owned))
        .collect();
    let checked = call(
        &agent,
        "POST",
        &format!("{base}/api/imports"),
        &args.token,
        Some(csv),
    )
    .with_context(|| format!("uploading {}", args.file.display()))?;
    let rows = checked["rows"].as_u64().unwrap_or(0);
    let errors = checked["errors"].as_array().cloned().unwrap_or_default();
    println!(
        "{}: {rows} valid rows, {} with errors",
        args.file.display(),
        errors.len()
    );
    for e in &errors {
        println!(
            "  line {:>5}: {}",
            e["line"].as_u64().unwrap_or(0),
            e["reason"].as_str().unwrap_or_default()
        );
    }
    let id = checked["id"]
        .as_str()
        .context("the service gave the upload no id")?;
    if rows == 0 {
        call(
            &agent,
            "POST",
            &format!("{base}/api/imports/{id}/discard"),
            &args.token,
            None,
        )?;
        bail!("nothing to issue");
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not confirmed: run again with --yes to issue the {rows} valid rows");
        }
        eprint!("Issue the {rows} valid rows? [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "j" | "J" | "yes" | "ja") {
            call(
                &agent,
                "POST",
                &format!("{base}/api/imports/{id}/discard"),
                &args.token,
                None,
            )?;
            println!("Discarded; nothing was issued.");
            return Ok(());
        }
    }
    let confirmed = call(
        &agent,
        "POST",
        &format!("{base}/api/imports/{id}/confirm"),
        &args.token,
        None,
    )?;
    let queued = confirmed["queued"].as_u64().unwrap_or(0);
    let skipped = confirmed["alreadyIssued"].as_u64().unwrap_or(0);
    if skipped > 0 {
        println!("{skipped} rows were issued before and are skipped");
    }
    if queued == 0 {
        println!("Nothing new to issue.");
        return Ok(());
    }
    let bar = indicatif::ProgressBar::new(queued);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("issuing");
    loop {
        let v = call(
            &agent,
            "GET",
            &format!("{base}/api/batches"),
            &args.token,
            None,
        )?;
        let new: Vec<&serde_json::Value> = v["batches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["id"].as_str().is_some_and(|i| !before.contains(i)))
            .collect();
        let n = |b: &serde_json::Value, k: &str| b[k].as_u64().unwrap_or(0);
        let progress: u64 = new
            .iter()
            .map(|b| {
                if b["state"] == "done" {
                    n(b, "total")
                } else {
                    (n(b, "signed") + n(b, "baked")) / 2
                }
            })
            .sum();
        bar.set_position(progress.min(queued));
        if let Some(e) = new.iter().find_map(|b| b["error"].as_str()) {
            bar.set_message(format!("retrying: {e}"));
        }
        if v["waiting"] == 0 && !new.is_empty() && new.iter().all(|b| b["state"] == "done") {
            bar.finish_with_message("done");
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("{queued} badges issued, anchored and queued for delivery by e-mail");
    Ok(())
}
