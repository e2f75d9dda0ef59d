//! `badgesafe`: the command line. Flag parsing, files and printing only; the work is in the
//! library crates.

mod anchor;
mod bench;
mod files;
mod image;
mod serve;
mod verifier;
mod wallet;

use anyhow::{Context as _, Result, bail};
use badgesafe_issue::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "badgesafe",
    version,
    about = "Open Badges 3.0: issue, bake, anchor and verify credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an issuer, sign, anchor and bake a sample badge, and verify it.
    Demo {
        /// Folder for the demo issuer and badge.
        #[arg(long, default_value = "badgesafe-demo")]
        dir: PathBuf,
        /// The sample recipient's e-mail address (stored only as a salted hash).
        #[arg(long, default_value = "student@example.org")]
        email: String,
    },
    /// Manage an issuer's identity.
    Issuer {
        #[command(subcommand)]
        command: IssuerCommand,
    },
    /// Sign an Open Badges 3.0 credential.
    Sign {
        /// The issuer folder.
        #[arg(long)]
        issuer: PathBuf,
        /// The proof format.
        #[arg(long, value_enum, default_value_t = Suite::Rdfc)]
        suite: Suite,
        /// The JWT algorithm, with `--suite jwt`.
        #[arg(long, value_enum, default_value_t = JwtAlg::Eddsa)]
        jwt_alg: JwtAlg,
        /// The unsigned credential (JSON).
        credential: PathBuf,
        /// Where to write the signed credential.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Bake a signed credential into a PNG or SVG badge image.
    Bake {
        /// The badge image (PNG or SVG).
        #[arg(long)]
        image: PathBuf,
        /// The signed credential (JSON or compact JWT).
        #[arg(long)]
        credential: PathBuf,
        /// The baked image to write (.png or .svg, matching the input).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print (or write) the credential baked into a PNG or SVG.
    Unbake {
        /// The baked image.
        file: PathBuf,
        /// Write the credential here instead of printing it.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Verify credentials: JSON, compact JWT, baked PNG or SVG, or OB 2.0 badges.
    Verify {
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
        /// Do not use the network; checks that need it are reported as skipped.
        #[arg(long)]
        offline: bool,
        /// Check that the badge was issued to this e-mail address.
        #[arg(long)]
        recipient: Option<String>,
        /// Also fetch plain http:// URLs from other hosts (some OB 2.0 issuers need it).
        #[arg(long)]
        allow_http: bool,
        /// Seconds to wait for each network request.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// A JSON-RPC endpoint to look up Ethereum anchors on (repeat for several chains). Only
        /// these are asked; there is no fallback to an explorer.
        #[arg(long, value_name = "URL")]
        rpc: Vec<String>,
        /// Blocks an anchoring transaction needs (its own included) to count as confirmed.
        #[arg(long, default_value_t = 1)]
        confirmations: u64,
        /// For a presentation: who you are (its proof must name this domain).
        #[arg(long)]
        domain: Option<String>,
        /// For a presentation: the challenge you gave the holder.
        #[arg(long)]
        challenge: Option<String>,
        /// A trust list (JSON: {"issuers": [{"name", "ids", "accounts"}]}): each credential
        /// gets the check issuer.trusted.
        #[arg(long, value_name = "FILE")]
        trust: Option<PathBuf>,
        /// Only issuers on the trust list count as verified.
        #[arg(long, requires = "trust")]
        require_trusted: bool,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    Anchor(anchor::Args),
    /// The employer's verifier alone: the page, POST /verify and the share relay.
    Verifier(Box<verifier::StandaloneArgs>),
    /// The student's wallet: an encrypted vault file with badges, presentations.
    Wallet {
        #[command(subcommand)]
        command: wallet::WalletCommand,
    },
    /// Run the school's issuer service: catalogue, results in (CSV and JSON), batches signed,
    /// anchored and baked, delivery e-mail, status lists and the VC-API.
    Serve(Box<serve::ServeArgs>),
    /// Upload a results CSV to a running service, show its errors, issue the valid rows and
    /// follow the batch with a progress bar.
    Import(serve::ImportArgs),
    /// Remove personal data whose retention window has ended (the service also does this
    /// every hour).
    Purge {
        #[command(flatten)]
        data: serve::DataArgs,
        /// Days personal data is kept after delivery.
        #[arg(long, default_value_t = 30)]
        retention_days: i64,
    },
    /// Print what the issuer service stores about people, and for how long.
    PrivacyReport {
        #[command(flatten)]
        data: serve::DataArgs,
        /// Days personal data is kept after delivery.
        #[arg(long, default_value_t = 30)]
        retention_days: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke, suspend or unsuspend an issued credential (as the service's API does).
    Credential {
        #[command(flatten)]
        data: serve::DataArgs,
        /// revoke, suspend or unsuspend.
        #[arg(value_parser = ["revoke", "suspend", "unsuspend"])]
        action: String,
        /// The credential id (urn:uuid:…).
        id: String,
        /// Why; required to revoke or suspend, and recorded.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Staff accounts for the web pages (/staff).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// API tokens for staff tools and school applications.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Time signing and verification per suite on this machine (one thread) and print the
    /// figures and the peak memory.
    Bench {
        /// Signatures and verifications per suite.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// An unsigned credential to use instead of the built-in sample.
        #[arg(long)]
        credential: Option<PathBuf>,
        /// Instead: sign this many credentials into files and anchor them as one batch, as
        /// `badgesafe anchor` does, timing both.
        #[arg(long, value_name = "N")]
        batch: Option<usize>,
        /// Instead: run N CSV rows through the issuer service (check, confirm, sign, anchor,
        /// bake, queue mail) on an SQLite file, timing it.
        #[arg(long, value_name = "N", conflicts_with = "batch")]
        service: Option<usize>,
        /// Instead: fill a wallet vault with N badges, then time unlock, list, a presentation
        /// of five and a save, and report the size per badge.
        #[arg(long, value_name = "N", conflicts_with_all = ["batch", "service"])]
        wallet: Option<usize>,
        /// Instead: N POST /verify requests against the verifier served in this process, from
        /// --clients concurrent clients; prints verifications per second.
        #[arg(long, value_name = "N", conflicts_with_all = ["batch", "service", "wallet"])]
        verifier: Option<usize>,
        /// Concurrent clients for --verifier.
        #[arg(long, default_value_t = 32, requires = "verifier")]
        clients: usize,
        /// With --batch: anchor on this Ethereum JSON-RPC endpoint (key in $BADGESAFE_ETH_KEY)
        /// instead of the local log.
        #[arg(long, value_name = "URL", requires = "batch")]
        rpc: Option<String>,
    },
}

#[derive(Subcommand)]
enum IssuerCommand {
    /// Create keys and an issuer profile in a new folder.
    Init {
        /// The folder to create.
        #[arg(long)]
        dir: PathBuf,
        /// The school's name, as badges show it.
        #[arg(long)]
        name: String,
        /// The school's web site.
        #[arg(long)]
        url: String,
        /// Use `did:web:HOST` as the issuer id (publish the folder's did.json there) instead of a did:key.
        #[arg(long, value_name = "HOST")]
        did_web: Option<String>,
        /// Use this https URL as the issuer id (publish the folder's profile.json there), as
        /// Blockcerts verifiers expect.
        #[arg(long, value_name = "URL")]
        profile_url: Option<String>,
    },
    /// Seal the issuer's private keys with a password (argon2id + XChaCha20-Poly1305), from
    /// $BADGESAFE_KEY_PASSWORD or the terminal; every later use asks for it the same way.
    SealKeys {
        /// The issuer folder.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Give the issuer an Ethereum anchoring account and publish it: a new key in an encrypted
    /// keystore (anchor-key.json, password from $BADGESAFE_KEY_PASSWORD or the terminal), an
    /// existing keystore (--import), or the key in $BADGESAFE_ETH_KEY (--from-env).
    EthAccount {
        /// The issuer folder.
        #[arg(long)]
        dir: PathBuf,
        /// The chain the account anchors on (11155111 is Sepolia; Blockcerts verifiers know
        /// mainnet, ropsten, rinkeby, goerli and sepolia).
        #[arg(long)]
        chain_id: u64,
        /// Use this encrypted keystore instead of making a key.
        #[arg(long, conflicts_with = "from_env")]
        import: Option<PathBuf>,
        /// Use the key in $BADGESAFE_ETH_KEY; badgesafe does not store it.
        #[arg(long)]
        from_env: bool,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff account or set its password ($BADGESAFE_STAFF_PASSWORD or the terminal).
    Add {
        #[command(flatten)]
        data: serve::DataArgs,
        /// The user name to sign in with.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token and print it once.
    Create {
        #[command(flatten)]
        data: serve::DataArgs,
        /// The application or person the token is for.
        #[arg(long)]
        app: String,
        /// admin (everything), results (push and upload results, see batches) or issue (the
        /// VC-API issue and status endpoints).
        #[arg(long, default_value = "results")]
        scope: String,
    },
    /// List tokens (never the secrets).
    List {
        #[command(flatten)]
        data: serve::DataArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        #[command(flatten)]
        data: serve::DataArgs,
        /// The token id, as `token list` shows it.
        id: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Suite {
    /// eddsa-rdfc-2022 (Data Integrity, RDF canonicalization)
    Rdfc,
    /// eddsa-jcs-2022 (Data Integrity, JSON canonicalization)
    Jcs,
    /// VC-JWT (compact JWS)
    Jwt,
}

#[derive(Clone, Copy, ValueEnum)]
enum JwtAlg {
    /// Ed25519
    Eddsa,
    /// RSA PKCS#1 v1.5 with SHA-256
    Rs256,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("badgesafe: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let now = chrono::Utc::now();
    match cli.command {
        Command::Demo { dir, email } => demo(&dir, &email),
        Command::Bench {
            verifier: Some(n),
            clients,
            ..
        } => {
            bench::verifier(n, clients)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            wallet: Some(n), ..
        } => {
            bench::wallet(n)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            service: Some(n), ..
        } => {
            bench::service(n)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            batch: Some(n),
            rpc,
            ..
        } => {
            bench::batch(n, rpc.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            count, credential, ..
        } => {
            let credential = match credential {
                None => None,
                Some(path) => {
                    let bytes = files::read_input(&path)?;
                    let mut doc = badgesafe_jcs::from_slice_strict(&bytes)
                        .with_context(|| format!("{} is not valid JSON", path.display()))?;
                    if let Some(o) = doc.as_object_mut() {
                        o.remove("proof");
                    }
                    Some(doc)
                }
            };
            bench::run(count, credential.as_ref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Issuer {
            command:
                IssuerCommand::Init {
                    dir,
                    name,
                    url,
                    did_web,
                    profile_url,
                },
        } => {
            let issuer = files::init_issuer(&files::NewIssuer {
                dir: &dir,
                name: &name,
                url: &url,
                did_web: did_web.as_deref(),
                profile_url: profile_url.as_deref(),
            })?;
            println!(
                "Created issuer {} in {}",
                issuer.profile["id"].as_str().unwrap_or_default(),
                dir.display()
            );
            println!("  signing key  {}", issuer.verification_method);
            if did_web.is_some() {
                println!(
                    "  publish {} as the did:web document",
                    dir.join(files::DID_FILE).display()
                );
            }
            if let Some(u) = &profile_url {
                println!(
                    "  publish {} at {u}",
                    dir.join(files::PROFILE_FILE).display()
                );
            }
            println!(
                "  publish {} at /.well-known/jwks.json for VC-JWT verifiers",
                dir.join("jwks.json").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Issuer {
            command: IssuerCommand::SealKeys { dir },
        } => {
            let password = match std::env::var(anchor::PASSWORD_ENV) {
                Ok(p) => zeroize::Zeroizing::new(p),
                Err(_) => {
                    let p = zeroize::Zeroizing::new(
                        rpassword::prompt_password("New password for the issuer keys: ")
                            .context("reading the password (or set BADGESAFE_KEY_PASSWORD)")?,
                    );
                    let again = zeroize::Zeroizing::new(
                        rpassword::prompt_password("Again: ").context("reading the password")?,
                    );
                    if p != again {
                        bail!("the passwords differ");
                    }
                    p
                }
            };
            for f in files::seal_keys(&dir, &password)? {
                println!("Sealed {}", dir.join(f).display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Issuer {
            command:
                IssuerCommand::EthAccount {
                    dir,
                    chain_id,
                    import,
                    from_env,
                },
        } => {
            eth_account(&dir, chain_id, import.as_deref(), from_env)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            serve::serve(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => {
            serve::import(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge {
            data,
            retention_days,
        } => {
            serve::purge(&data, retention_days)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PrivacyReport {
            data,
            retention_days,
            json,
        } => {
            serve::privacy_report(&data, retention_days, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Credential {
            data,
            action,
            id,
            reason,
        } => {
            serve::credential_status(&data, &id, &action, &reason)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Staff {
            command: StaffCommand::Add { data, username },
        } => {
            serve::staff_add(&data, &username)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            match command {
                TokenCommand::Create { data, app, scope } => {
                    serve::token_create(&data, &app, &scope)?
                }
                TokenCommand::List { data } => serve::token_list(&data)?,
                TokenCommand::Revoke { data, id } => serve::token_revoke(&data, &id)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Wallet { command } => wallet::run(command),
        Command::Verifier(args) => {
            verifier::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Anchor(args) => match anchor::run(&args) {
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(e)
                if e.downcast_ref::<badgesafe_ledger::Error>()
                    .is_some_and(|e| matches!(e, badgesafe_ledger::Error::Pending { .. })) =>
            {
                eprintln!("badgesafe: {e:#}");
                Ok(ExitCode::from(3))
            }
            Err(e) => Err(e),
        },
        Command::Sign {
            issuer,
            suite,
            jwt_alg,
            credential,
            output,
        } => {
            let issuer = files::load_issuer(&issuer)?;
            let bytes = files::read_input(&credential)?;
            let doc = badgesafe_jcs::from_slice_strict(&bytes)
                .with_context(|| format!("{} is not valid JSON", credential.display()))?;
            let format = match (suite, jwt_alg) {
                (Suite::Rdfc, _) => Format::Rdfc,
                (Suite::Jcs, _) => Format::Jcs,
                (Suite::Jwt, JwtAlg::Eddsa) => Format::JwtEdDsa,
                (Suite::Jwt, JwtAlg::Rs256) => Format::JwtRs256,
            };
            let signed = issuer
                .sign(&doc, format, now)
                .with_context(|| format!("signing {}", credential.display()))?;
            files::write_atomic(&output, signed.to_text()?.as_bytes(), false)?;
            println!("Signed {} -> {}", credential.display(), output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bake {
            image,
            credential,
            output,
        } => {
            let img = files::read_input(&image)?;
            let cred = files::read_input(&credential)?;
            let cred = String::from_utf8(cred)
                .with_context(|| format!("{} is not UTF-8 text", credential.display()))?;
            check_extension(&img, &output)?;
            let baked = badgesafe_bake::bake(&img, cred.trim())
                .with_context(|| format!("baking into {}", image.display()))?;
            files::write_atomic(&output, &baked, false)?;
            println!("Baked {} into {}", credential.display(), output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Unbake { file, output } => {
            let bytes = files::read_input(&file)?;
            let Some(baked) = badgesafe_bake::unbake(&bytes)
                .with_context(|| format!("reading {}", file.display()))?
            else {
                bail!("{} carries no baked credential", file.display());
            };
            match output {
                Some(out) => files::write_atomic(&out, baked.payload.as_str().as_bytes(), false)?,
                None => println!("{}", baked.payload.as_str()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            json,
            offline,
            recipient,
            allow_http,
            timeout,
            rpc,
            confirmations,
            domain,
            challenge,
            trust,
            require_trusted,
            files: paths,
        } => {
            let trust_list = match &trust {
                Some(p) => Some(
                    badgesafe_verify::trust::TrustList::from_json(&files::read_input(p)?)
                        .map_err(anyhow::Error::msg)?,
                ),
                None => None,
            };
            let plain = if allow_http {
                badgesafe_fetch::PlainHttp::Anywhere
            } else {
                badgesafe_fetch::PlainHttp::LoopbackOnly
            };
            let fetcher =
                badgesafe_fetch::HttpFetcher::new(Duration::from_secs(timeout.max(1)), plain);
            let endpoints: Vec<badgesafe_fetch::HttpRpc> = rpc
                .iter()
                .map(|u| {
                    badgesafe_fetch::HttpRpc::new(u, Duration::from_secs(timeout.max(1)))
                        .map_err(anyhow::Error::msg)
                })
                .collect::<Result<_>>()?;
            let endpoints: Vec<&dyn badgesafe_anchor::eth::Rpc> = endpoints
                .iter()
                .map(|r| r as &dyn badgesafe_anchor::eth::Rpc)
                .collect();
            // The trust list's pinned documents come first; offline, they are all there is.
            let pinned = badgesafe_verify::trust::Pinned::new(
                &trust_list.clone().unwrap_or_default(),
                if offline {
                    None
                } else {
                    Some(Box::new(fetcher))
                },
            );
            let opts = badgesafe_verify::Options {
                fetcher: Some(&pinned),
                now,
                recipient_email: recipient.as_deref(),
                rpc: &endpoints,
                confirmations: confirmations.max(1),
            };
            // Unreadable input is a usage error (exit 2), checked before anything is verified.
            let inputs: Vec<(PathBuf, Vec<u8>)> = paths
                .into_iter()
                .map(|p| files::read_input(&p).map(|b| (p, b)))
                .collect::<Result<_>>()?;
            let mut all_ok = true;
            let mut out = Vec::new();
            let expect = badgesafe_verify::presentation::Expect {
                challenge: challenge.as_deref(),
                domain: domain.as_deref(),
            };
            for (path, bytes) in &inputs {
                let v = badgesafe_verify::verify_input(
                    bytes,
                    &opts,
                    &expect,
                    trust_list.as_ref().map(|t| (t, require_trusted)),
                );
                all_ok &= v.report.verified;
                if json {
                    let mut j = serde_json::to_value(&v)?;
                    j["file"] = path.display().to_string().into();
                    out.push(j);
                    continue;
                }
                println!(
                    "{}: {}{}",
                    path.display(),
                    if v.presentation { "presentation " } else { "" },
                    if v.report.verified {
                        "VERIFIED"
                    } else {
                        "NOT VERIFIED"
                    }
                );
                print!("{}", v.report.to_text());
                for (i, r) in v.credentials.iter().enumerate() {
                    println!("  credential {}:", i + 1);
                    for line in r.to_text().lines() {
                        println!("    {line}");
                    }
                }
            }
            if json {
                let doc = if out.len() == 1 {
                    out.remove(0)
                } else {
                    serde_json::Value::Array(out)
                };
                println!("{}", serde_json::to_string_pretty(&doc)?);
            }
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn check_extension(image: &[u8], output: &Path) -> Result<()> {
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let want = match badgesafe_bake::sniff(image) {
        Some(badgesafe_bake::ImageFormat::Png) => "png",
        Some(badgesafe_bake::ImageFormat::Svg) => "svg",
        None => bail!("the image is neither PNG nor SVG"),
    };
    if ext.as_deref() != Some(want) {
        bail!(
            "the image is {} but the output {} does not end in .{want}",
            want.to_uppercase(),
            output.display()
        );
    }
    Ok(())
}

fn demo(dir: &Path, email: &str) -> Result<ExitCode> {
    let now = chrono::Utc::now();
    let issuer_dir = dir.join("issuer");
    let issuer = if issuer_dir.join("issuer.json").exists() {
        println!("Using the demo issuer in {}", issuer_dir.display());
        files::load_issuer(&issuer_dir)?
    } else {
        println!("Creating a demo issuer in {}", issuer_dir.display());
        files::init_issuer(&files::NewIssuer {
            dir: &issuer_dir,
            name: "Demo Praktijkschool",
            url: "https://school.example",
            did_web: None,
            profile_url: None,
        })?
    };
    let png = image::badge_png();
    let data_uri = format!("data:image/png;base64,{}", base64_encode(&png));
    let salt = hex::encode(badgesafe_crypto::random_bytes::<16>()?);
    let credential = badgesafe_issue::sample_credential(email, &salt, Some(data_uri));
    let signed = issuer.sign(&credential, Format::Rdfc, now)?;
    let text = signed.to_text()?;
    let json_path = dir.join("badge.json");
    let png_path = dir.join("badge.png");
    files::write_atomic(&json_path, text.as_bytes(), false)?;
    println!("Signed {} (eddsa-rdfc-2022)", json_path.display());
    // Anchored on the embedded default ledger: the issuer's own signed log.
    anchor::run(&anchor::Args::local(
        issuer_dir.clone(),
        vec![json_path.clone()],
    ))?;
    let text = String::from_utf8(files::read_input(&json_path)?)
        .context("the anchored badge is not UTF-8")?;
    let baked = badgesafe_bake::bake(&png, &text)?;
    files::write_atomic(&png_path, &baked, false)?;
    println!(
        "Anchored it in {} and baked it into {}",
        issuer_dir.join(badgesafe_ledger::local::LOG_FILE).display(),
        png_path.display()
    );
    let opts = badgesafe_verify::Options {
        fetcher: None,
        now,
        recipient_email: Some(email),
        rpc: &[],
        confirmations: 1,
    };
    let report = badgesafe_verify::verify_bytes(&baked, &opts);
    println!("\nVerifying {}:", png_path.display());
    print!("{}", report.to_text());
    Ok(if report.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn eth_account(dir: &Path, chain_id: u64, import: Option<&Path>, from_env: bool) -> Result<()> {
    files::load_issuer(dir)?;
    if chain_id == 0 {
        bail!("--chain-id must be a chain id, not 0");
    }
    let (key, key_file) = if from_env {
        let hex = std::env::var(anchor::KEY_ENV)
            .with_context(|| format!("--from-env: {} is not set", anchor::KEY_ENV))?;
        (
            badgesafe_ledger::ethereum::EthKey::from_hex(&hex)
                .with_context(|| anchor::KEY_ENV.to_owned())?,
            None,
        )
    } else if let Some(path) = import {
        let pw = anchor::password(&path.display().to_string())?;
        let key = badgesafe_ledger::ethereum::EthKey::from_keystore(path, pw.as_bytes())?;
        let bytes = files::read_input(path)?;
        files::write_atomic(&dir.join(files::ETH_KEY_FILE), &bytes, true)?;
        (key, Some(files::ETH_KEY_FILE.to_owned()))
    } else {
        let target = dir.join(files::ETH_KEY_FILE);
        let pw = anchor::password(&format!("the new key file {}", target.display()))?;
        (
            badgesafe_ledger::ethereum::EthKey::create_keystore(&target, pw.as_bytes())?,
            Some(files::ETH_KEY_FILE.to_owned()),
        )
    };
    let a = files::Anchoring {
        address: key.address(),
        chain_id,
        key_file,
        public_key_jwk: key.public_jwk(),
        since: badgesafe_issue::xsd_now(chrono::Utc::now()),
    };
    files::set_anchoring(dir, &a)?;
    println!("Anchoring account {} on chain {chain_id}", a.address);
    match &a.key_file {
        Some(f) => println!("  key (encrypted)  {}", dir.join(f).display()),
        None => println!("  key              ${} (not stored)", anchor::KEY_ENV),
    }
    for f in [files::DID_FILE, files::PROFILE_FILE] {
        if dir.join(f).exists() {
            println!("  publish the updated {} again", dir.join(f).display());
        }
    }
    println!("  fund it with enough for one transaction per batch (about 21,500 gas each)");
    println!("  credentials signed from now on name it in their issuer profile");
    Ok(())
}

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
