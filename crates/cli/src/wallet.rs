//! `badgesafe wallet …`: the student's vault from the command line.

use anyhow::{Context as _, Result, bail};
use badgesafe_wallet::import::{Imported, Outcome};
use badgesafe_wallet::{Secret, Vault};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct VaultArg {
    /// The vault file.
    #[arg(long, env = "BADGESAFE_VAULT")]
    pub vault: PathBuf,
}

#[derive(Args, Clone)]
pub struct NetArgs {
    /// Do not use the network: checks that need it are reported as skipped.
    #[arg(long)]
    pub offline: bool,
    /// Also fetch plain http:// addresses of other hosts (some OB 2.0 issuers need it).
    #[arg(long)]
    pub allow_http: bool,
    /// Seconds to wait for each network request.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

#[derive(Subcommand)]
pub enum WalletCommand {
    /// Make a new vault. Prints the recovery code once: write it down.
    Init(VaultArg),
    /// Import badges: baked PNG/SVG, JSON, JWT, a delivery e-mail (.eml), OB 2.0 badges, whole
    /// folders, or an https:// address of a hosted badge. Each is verified first.
    Import {
        #[command(flatten)]
        vault: VaultArg,
        #[command(flatten)]
        net: NetArgs,
        /// Keep badges that fail verification, marked as not verified.
        #[arg(long)]
        keep_unverified: bool,
        /// Files, folders or addresses.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// List the badges.
    List {
        #[command(flatten)]
        vault: VaultArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Only badges from an issuer whose name or id contains this.
        #[arg(long)]
        issuer: Option<String>,
        /// Only badges with a skill (alignment, tag, type or name) containing this.
        #[arg(long)]
        skill: Option<String>,
    },
    /// Show one badge with its last verification report.
    Show {
        #[command(flatten)]
        vault: VaultArg,
        /// Print JSON (the badge as the vault keeps it).
        #[arg(long)]
        json: bool,
        /// The badge id or short id.
        id: String,
    },
    /// Verify badges again now (revocation, suspension, expiry); all without ids.
    Check {
        #[command(flatten)]
        vault: VaultArg,
        #[command(flatten)]
        net: NetArgs,
        /// Badge ids or short ids.
        ids: Vec<String>,
    },
    /// Write a badge baked into its image (PNG or SVG).
    Export {
        #[command(flatten)]
        vault: VaultArg,
        /// The badge id or short id.
        id: String,
        /// The file to write (.png or .svg, as the badge image is).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Sign a presentation of chosen badges for one verifier, valid until an expiry.
    Present {
        #[command(flatten)]
        vault: VaultArg,
        /// Badge ids or short ids, separated by commas.
        #[arg(long, value_delimiter = ',', required = true)]
        badges: Vec<String>,
        /// Who it is for (the verifier's domain).
        #[arg(long)]
        domain: String,
        /// The verifier's challenge, when it gave one.
        #[arg(long)]
        challenge: Option<String>,
        /// How long it is valid (30m, 12h, 7d, 2w) or until when (a date-time).
        #[arg(long)]
        expires: String,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Share chosen badges as a link: the presentation is encrypted here, the verifier's relay
    /// keeps only the ciphertext until the expiry (at most 90 days), the key is in the link.
    Share {
        #[command(flatten)]
        vault: VaultArg,
        /// Badge ids or short ids, separated by commas.
        #[arg(long, value_delimiter = ',', required = true)]
        badges: Vec<String>,
        /// Who it is for (the employer's domain).
        #[arg(long)]
        domain: String,
        /// How long (30m, 12h, 7d, 2w; at most 90 days) or until when.
        #[arg(long, default_value = "30d")]
        expires: String,
        /// The verifier whose relay keeps the share (https, or http on this machine).
        #[arg(long, env = "BADGESAFE_VERIFIER")]
        verifier: String,
    },
    /// Withdraw a share at once (its id, or its link).
    Unshare {
        #[command(flatten)]
        vault: VaultArg,
        /// The share's id or link.
        share: String,
    },
    /// List the shares made from this vault.
    Shares(VaultArg),
    /// Change the passphrase (the new one from a prompt or BADGESAFE_NEW_PASSPHRASE).
    Passphrase(VaultArg),
    /// Open the vault with the recovery code (prompt or BADGESAFE_RECOVERY_CODE) and set a new
    /// passphrase.
    Recover(VaultArg),
    /// Copy the vault to a backup file (checked to open with the passphrase first).
    Backup {
        #[command(flatten)]
        vault: VaultArg,
        /// The backup file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Put a backup back as the vault (checked to open with the passphrase first).
    Restore {
        #[command(flatten)]
        vault: VaultArg,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing vault file.
        #[arg(long)]
        force: bool,
    },
    /// Open the wallet pages in the browser: served on 127.0.0.1 only, behind a random token.
    Open {
        #[command(flatten)]
        vault: VaultArg,
        #[command(flatten)]
        net: NetArgs,
        /// The loopback address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// Print the address but do not start a browser.
        #[arg(long)]
        no_browser: bool,
        /// The verifier whose relay keeps share links made in the pages.
        #[arg(long, env = "BADGESAFE_VERIFIER")]
        verifier: Option<String>,
    },
    /// Join another vault (such as the phone's) into this one, by credential id. The other
    /// vault's passphrase comes from a prompt or BADGESAFE_OTHER_PASSPHRASE.
    Merge {
        #[command(flatten)]
        vault: VaultArg,
        /// The other vault.
        #[arg(long)]
        from: PathBuf,
    },
}

fn secret(var: &str, prompt: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(v) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(v));
    }
    Ok(zeroize::Zeroizing::new(
        rpassword::prompt_password(prompt).with_context(|| format!("reading {var}"))?,
    ))
}

fn new_secret(var: &str, what: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(v) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(v));
    }
    let p = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("{what}: ")).context("reading the passphrase")?,
    );
    let again = zeroize::Zeroizing::new(
        rpassword::prompt_password("Again: ").context("reading the passphrase")?,
    );
    if *p != *again {
        bail!("the two passphrases differ");
    }
    Ok(p)
}

fn passphrase() -> Result<zeroize::Zeroizing<String>> {
    secret("BADGESAFE_PASSPHRASE", "Passphrase: ")
}

/// Opens the vault and holds its lock (so two commands cannot overwrite each other's save).
fn open(v: &VaultArg) -> Result<(Vault, badgesafe_fs::Lock)> {
    let lock = lock(&v.vault)?;
    let p = passphrase()?;
    let vault = Vault::open(&v.vault, Secret::Passphrase(&p))
        .with_context(|| format!("opening {}", v.vault.display()))?;
    Ok((vault, lock))
}

fn lock(vault: &Path) -> Result<badgesafe_fs::Lock> {
    let mut name = vault.as_os_str().to_owned();
    name.push(".lock");
    badgesafe_fs::Lock::try_acquire(Path::new(&name))
        .with_context(|| format!("{} is in use by another badgesafe command", vault.display()))
}

fn now_xsd() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

struct Net {
    fetcher: badgesafe_fetch::HttpFetcher,
    offline: bool,
}

impl Net {
    fn new(a: &NetArgs) -> Self {
        let plain = if a.allow_http {
            badgesafe_fetch::PlainHttp::Anywhere
        } else {
            badgesafe_fetch::PlainHttp::LoopbackOnly
        };
        Self {
            fetcher: badgesafe_fetch::HttpFetcher::new(
                Duration::from_secs(a.timeout.max(1)),
                plain,
            ),
            offline: a.offline,
        }
    }

    fn options(&self) -> badgesafe_verify::Options<'_> {
        badgesafe_verify::Options {
            fetcher: if self.offline {
                None
            } else {
                Some(&self.fetcher)
            },
            now: chrono::Utc::now(),
            recipient_email: None,
            rpc: &[],
            confirmations: 1,
        }
    }
}

/// Every file under `path` (sorted), or `path` itself.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading the folder {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
            {
                continue;
            }
            files_under(&e, out)?;
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

fn print_imported(r: &Imported) -> bool {
    match &r.outcome {
        Outcome::Added { name, verified, .. } => {
            if *verified {
                println!("added     {name}  ({})", r.source);
            } else {
                println!(
                    "added     {name}  ({}) — NOT VERIFIED, kept as you asked",
                    r.source
                );
            }
            true
        }
        Outcome::Duplicate { name, .. } => {
            println!("already   {name}  ({}): in the wallet already", r.source);
            true
        }
        Outcome::Refused(why) => {
            println!(
                "refused   {}: not verified ({why}); --keep-unverified keeps it anyway",
                r.source
            );
            false
        }
        Outcome::Skipped(why) => {
            println!("skipped   {}: {why}", r.source);
            false
        }
    }
}

pub fn run(command: WalletCommand) -> Result<ExitCode> {
    match command {
        WalletCommand::Init(v) => {
            let p = new_secret("BADGESAFE_PASSPHRASE", "New passphrase")?;
            let (vault, code) = Vault::create(&v.vault, &p, &now_xsd())?;
            println!("Made the vault {}.", v.vault.display());
            println!("Your holder id: {}", vault.contents.holder.did);
            println!();
            println!("Recovery code (write it down and keep it safe; it is shown only now):");
            println!();
            println!("    {code}");
            println!();
            println!("With this code you can open the vault if you forget the passphrase.");
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Import {
            vault,
            net,
            keep_unverified,
            paths,
        } => {
            let net = Net::new(&net);
            // Read everything first: an unreadable path stops the import before the vault changes.
            let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
            for p in &paths {
                if p.starts_with("https://") || p.starts_with("http://") {
                    if net.offline {
                        bail!("{p}: an address cannot be imported offline");
                    }
                    let c = badgesafe_wallet::import::fetch(p, &net.fetcher)
                        .map_err(anyhow::Error::msg)?;
                    inputs.push((c.source, c.bytes));
                    continue;
                }
                let mut files = Vec::new();
                files_under(Path::new(p), &mut files)?;
                for f in files {
                    let bytes =
                        badgesafe_fs::read_limited(&f, badgesafe_wallet::import::MAX_FILE_BYTES)
                            .with_context(|| format!("importing {}", f.display()))?;
                    inputs.push((f.display().to_string(), bytes));
                }
            }
            let (mut vault, _lock) = open(&vault)?;
            let opts = net.options();
            let now = now_xsd();
            let results = badgesafe_wallet::import::import_all(
                &mut vault.contents,
                &inputs,
                &opts,
                keep_unverified,
                &now,
            );
            let added = results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Added { .. }))
                .count();
            if added > 0 {
                vault.save()?;
            }
            let mut all_ok = true;
            for r in &results {
                all_ok &= print_imported(r);
            }
            println!(
                "{added} added; the wallet holds {} badges.",
                vault.contents.badges.len()
            );
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        WalletCommand::List {
            vault,
            json,
            issuer,
            skill,
        } => {
            let p = passphrase()?;
            let vault = Vault::open(&vault.vault, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", vault.vault.display()))?;
            let badges: Vec<_> = vault
                .contents
                .filter(issuer.as_deref(), skill.as_deref())
                .collect();
            if json {
                let items: Vec<serde_json::Value> = badges
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "id": b.id, "shortId": b.short_id(), "name": b.name, "issuer": b.issuer,
                            "issuerId": b.issuer_id, "issued": b.issued, "status": b.status(),
                            "verified": b.verified, "checked": b.checked, "skills": b.skills,
                            "kind": b.kind, "source": b.source,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else if badges.is_empty() {
                println!("No badges.");
            } else {
                for b in badges {
                    println!(
                        "{}  {}  {} — {} ({})",
                        b.short_id(),
                        b.issued.get(..10).unwrap_or(&b.issued),
                        b.name,
                        b.issuer,
                        b.status()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Show { vault, json, id } => {
            let p = passphrase()?;
            let vault = Vault::open(&vault.vault, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", vault.vault.display()))?;
            let b = vault.contents.find(&id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(b)?);
            } else {
                println!("{}", b.name);
                if !b.description.is_empty() {
                    println!("{}", b.description);
                }
                println!("issuer:  {} ({})", b.issuer, b.issuer_id);
                println!("issued:  {}", b.issued);
                println!("id:      {} (short {})", b.id, b.short_id());
                println!("status:  {} (checked {})", b.status(), b.checked);
                if !b.skills.is_empty() {
                    println!("skills:  {}", b.skills.join(", "));
                }
                for c in b.report["checks"].as_array().into_iter().flatten() {
                    println!(
                        "  {:8} {}: {}",
                        c["outcome"].as_str().unwrap_or_default(),
                        c["check"].as_str().unwrap_or_default(),
                        c["detail"].as_str().unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Check { vault, net, ids } => {
            let net = Net::new(&net);
            let (mut vault, _lock) = open(&vault)?;
            let wanted: Vec<String> = ids
                .iter()
                .map(|i| vault.contents.find(i).map(|b| b.id.clone()))
                .collect::<Result<_, _>>()?;
            let opts = net.options();
            let now = now_xsd();
            let mut all_ok = true;
            for b in vault.contents.badges.iter_mut() {
                if !wanted.is_empty() && !wanted.contains(&b.id) {
                    continue;
                }
                badgesafe_wallet::import::recheck(b, &opts, &now);
                all_ok &= b.verified;
                println!("{}  {} — {}", b.short_id(), b.name, b.status());
            }
            vault.save()?;
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        WalletCommand::Export { vault, id, output } => {
            let p = passphrase()?;
            let vault = Vault::open(&vault.vault, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", vault.vault.display()))?;
            let b = vault.contents.find(&id)?;
            let (bytes, ext) = badgesafe_wallet::import::export_baked(b)?;
            let given = output
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if given.as_deref() != Some(ext) {
                bail!(
                    "the badge image is {} but {} does not end in .{ext}",
                    ext.to_uppercase(),
                    output.display()
                );
            }
            crate::files::write_atomic(&output, &bytes, false)?;
            println!("Wrote {} ({}).", output.display(), b.name);
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Present {
            vault,
            badges,
            domain,
            challenge,
            expires,
            output,
        } => {
            let p = passphrase()?;
            let vault = Vault::open(&vault.vault, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", vault.vault.display()))?;
            let now = chrono::Utc::now();
            let until = badgesafe_wallet::present::expiry(&expires, now)?;
            let ids: Vec<&str> = badges.iter().map(String::as_str).collect();
            let vp = badgesafe_wallet::present::present(
                &vault.contents,
                &ids,
                &badgesafe_wallet::present::Audience {
                    domain: &domain,
                    challenge: challenge.as_deref(),
                    created: &now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    expires: &until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                },
            )?;
            crate::files::write_atomic(
                &output,
                serde_json::to_string_pretty(&vp)?.as_bytes(),
                false,
            )?;
            println!(
                "Wrote {}: {} badge(s) for {domain}, valid until {}.",
                output.display(),
                vp["verifiableCredential"].as_array().map_or(0, Vec::len),
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Share {
            vault,
            badges,
            domain,
            expires,
            verifier,
        } => share(&vault, &badges, &domain, &expires, &verifier),
        WalletCommand::Unshare { vault, share } => unshare(&vault, &share),
        WalletCommand::Shares(v) => {
            let p = passphrase()?;
            let vault = Vault::open(&v.vault, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", v.vault.display()))?;
            if vault.contents.shares.is_empty() {
                println!("No shares.");
            }
            let now = now_xsd();
            for s in &vault.contents.shares {
                let state = match &s.withdrawn {
                    Some(at) => format!("withdrawn {at}"),
                    None if s.expires <= now => format!("expired {}", s.expires),
                    None => format!("until {}", s.expires),
                };
                println!(
                    "{}  {} badge(s) for {} — {state}\n  {}",
                    s.id,
                    s.badges.len(),
                    s.domain,
                    s.link
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Passphrase(v) => {
            let (mut vault, _lock) = open(&v)?;
            let new = new_secret("BADGESAFE_NEW_PASSPHRASE", "New passphrase")?;
            vault.change_passphrase(&new)?;
            println!("The passphrase of {} is changed.", v.vault.display());
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Recover(v) => {
            let _lock = lock(&v.vault)?;
            let code = secret("BADGESAFE_RECOVERY_CODE", "Recovery code: ")?;
            let mut vault = Vault::open(&v.vault, Secret::RecoveryCode(&code))
                .with_context(|| format!("opening {}", v.vault.display()))?;
            let new = new_secret("BADGESAFE_NEW_PASSPHRASE", "New passphrase")?;
            vault.change_passphrase(&new)?;
            println!(
                "Opened {} with the recovery code and set the new passphrase ({} badges).",
                v.vault.display(),
                vault.contents.badges.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Backup { vault, output } => {
            let (mut vault, _lock) = open(&vault)?;
            if output.exists() {
                bail!("{} exists already; choose another name", output.display());
            }
            vault.save_as(&output)?;
            println!(
                "Backed up {} badges to {}.",
                vault.contents.badges.len(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Restore { vault, from, force } => {
            let _lock = lock(&vault.vault)?;
            if vault.vault.exists() && !force {
                bail!(
                    "{} exists; --force replaces it with the backup",
                    vault.vault.display()
                );
            }
            let p = passphrase()?;
            let mut backup = Vault::open(&from, Secret::Passphrase(&p))
                .with_context(|| format!("opening the backup {}", from.display()))?;
            backup.save_as(&vault.vault)?;
            println!(
                "Restored {} badges into {}.",
                backup.contents.badges.len(),
                vault.vault.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Open {
            vault,
            net,
            listen,
            no_browser,
            verifier,
        } => open_pages(&vault, &net, listen, no_browser, verifier),
        WalletCommand::Merge { vault, from } => {
            let (mut mine, _lock) = open(&vault)?;
            let p = secret(
                "BADGESAFE_OTHER_PASSPHRASE",
                &format!("Passphrase of {}: ", from.display()),
            )?;
            let other = Vault::open(&from, Secret::Passphrase(&p))
                .with_context(|| format!("opening {}", from.display()))?;
            let (added, replaced) = mine.contents.merge(other.contents);
            mine.save()?;
            println!(
                "Merged {}: {added} added, {replaced} unverified replaced by verified copies; {} badges now.",
                from.display(),
                mine.contents.badges.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open_pages(
    vault: &VaultArg,
    net: &NetArgs,
    listen: std::net::SocketAddr,
    no_browser: bool,
    verifier: Option<String>,
) -> Result<ExitCode> {
    if !listen.ip().is_loopback() {
        bail!(
            "the wallet pages are served on this device only: {listen} is not a loopback address"
        );
    }
    // A missing or damaged vault is said now, not in the browser.
    badgesafe_wallet::vault::read_container(&vault.vault)
        .with_context(|| format!("opening {}", vault.vault.display()))?;
    let _lock = lock(&vault.vault)?;
    let fetcher: badgesafe_wallet_web::SharedFetcher = if net.offline {
        None
    } else {
        Some(Box::new(Net::new(net).fetcher))
    };
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        let app = std::sync::Arc::new(
            badgesafe_wallet_web::WalletApp::new(
                vault.vault.clone(),
                addr.to_string(),
                fetcher,
                verifier,
            )
            .map_err(anyhow::Error::msg)?,
        );
        let url = app.url();
        println!("Your wallet is open at {url}");
        println!("(only on this device; press Ctrl-C to close it)");
        if !no_browser {
            match std::process::Command::new("xdg-open")
                .arg(&url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
            {
                Ok(_) => {}
                Err(_) => println!("Open that address in your browser."),
            }
        }
        axum::serve(listener, badgesafe_wallet_web::router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the wallet pages")?;
        Ok(ExitCode::SUCCESS)
    })
}

fn share(
    vault: &VaultArg,
    badges: &[String],
    domain: &str,
    expires: &str,
    verifier: &str,
) -> Result<ExitCode> {
    badgesafe_wallet_web::relay_client::check_verifier_url(verifier).map_err(anyhow::Error::msg)?;
    let (mut v, _lock) = open(vault)?;
    let until = badgesafe_wallet::present::expiry(expires, chrono::Utc::now())?;
    let ids: Vec<&str> = badges.iter().map(String::as_str).collect();
    let s =
        badgesafe_wallet_web::relay_client::share(&mut v.contents, &ids, domain, until, verifier)
            .map_err(anyhow::Error::msg)?;
    v.save()?;
    println!(
        "{} badge(s) shared for {domain} until {}:",
        s.badges.len(),
        s.expires
    );
    println!();
    println!("{}", s.link);
    println!();
    print!("{}", badgesafe_wallet::share::qr_text(&s.link)?);
    println!(
        "Withdraw it at any time: badgesafe wallet unshare --vault {} {}",
        vault.vault.display(),
        s.id
    );
    Ok(ExitCode::SUCCESS)
}

fn unshare(vault: &VaultArg, which: &str) -> Result<ExitCode> {
    let (mut v, _lock) = open(vault)?;
    let s = badgesafe_wallet_web::relay_client::withdraw(&mut v.contents, which)
        .map_err(anyhow::Error::msg)?;
    v.save()?;
    println!("Withdrawn: the link for {} no longer opens.", s.domain);
    Ok(ExitCode::SUCCESS)
}
