//! Files the CLI reads and writes: the issuer folder and atomic, crash-safe writes.

use anyhow::{Context as _, Result, bail};
use badgesafe_crypto::{Ed25519Signer, RsaSigner};
use badgesafe_issue::Issuer;
use serde_json::{Value, json};
use std::path::Path;

/// Largest input file read, in bytes (images and credentials are far smaller).
pub const MAX_INPUT_BYTES: u64 = badgesafe_bake::MAX_IMAGE_BYTES as u64;

/// Reads a file, refusing anything larger than [`MAX_INPUT_BYTES`].
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    Ok(badgesafe_fs::read_limited(path, MAX_INPUT_BYTES)?)
}

/// Writes `bytes` to `path` atomically (see [`badgesafe_fs::write_atomic`]). `private` makes the
/// file readable by its owner only (0600).
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    Ok(badgesafe_fs::write_atomic(path, bytes, private)?)
}

const ISSUER_FILE: &str = "issuer.json";
const KEY_FILE: &str = "signing-key.json";
const RSA_FILE: &str = "rsa-key.pem";
/// The signing key sealed with a password (`issuer seal-keys`).
const SEALED_KEY_FILE: &str = "signing-key.sealed";
/// The RSA key sealed with a password.
const SEALED_RSA_FILE: &str = "rsa-key.sealed";
/// The issuer profile to publish at its URL (`--profile-url` issuers).
pub const PROFILE_FILE: &str = "profile.json";
/// The did:web document to publish (`--did-web` issuers).
pub const DID_FILE: &str = "did.json";
/// The encrypted key of the Ethereum anchoring account, when badgesafe made it.
pub const ETH_KEY_FILE: &str = "anchor-key.json";
/// The fragment of the anchoring account's verification method.
pub const ANCHOR_FRAGMENT: &str = "anchor-1";

/// What `issuer init` creates.
pub struct NewIssuer<'a> {
    pub dir: &'a Path,
    pub name: &'a str,
    pub url: &'a str,
    pub did_web: Option<&'a str>,
    pub profile_url: Option<&'a str>,
}

/// Whether `url` may name an issuer: https, or plain http on this machine (for tests and
/// local development).
fn check_profile_url(url: &str) -> Result<()> {
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]",
    ];
    if url.contains('#') || url.contains('?') {
        bail!("--profile-url must not have a fragment or query: {url:?}");
    }
    if url.starts_with("https://") && url.len() > "https://".len()
        || loopback.iter().any(|p| url.starts_with(p))
    {
        Ok(())
    } else {
        bail!(
            "--profile-url must be an https:// URL (plain http only on this machine), not {url:?}"
        )
    }
}

/// Creates keys and the issuer profile in `dir`. Refuses to overwrite an existing issuer.
pub fn init_issuer(n: &NewIssuer<'_>) -> Result<Issuer> {
    if !(n.url.starts_with("https://") || n.url.starts_with("http://")) {
        bail!("--url must be an http(s) URL, not {:?}", n.url);
    }
    if n.name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    if n.did_web.is_some() && n.profile_url.is_some() {
        bail!("choose one of --did-web and --profile-url");
    }
    if let Some(u) = n.profile_url {
        check_profile_url(u)?;
    }
    std::fs::create_dir_all(n.dir).with_context(|| format!("creating {}", n.dir.display()))?;
    if n.dir.join(ISSUER_FILE).exists() || n.dir.join(KEY_FILE).exists() {
        bail!(
            "{} already holds an issuer; refusing to overwrite its keys",
            n.dir.display()
        );
    }
    let signer = Ed25519Signer::generate().context("generating the Ed25519 key")?;
    let rsa = RsaSigner::generate().context("generating the RSA key")?;
    let (id, vm) = match (n.did_web, n.profile_url) {
        (Some(host), _) => {
            let did = format!("did:web:{}", host.replace(':', "%3A"));
            badgesafe_did::did_web_url(&did).with_context(|| format!("--did-web {host}"))?;
            (did.clone(), format!("{did}#key-1"))
        }
        (None, Some(url)) => (url.to_owned(), format!("{url}#key-1")),
        (None, None) => (
            badgesafe_did::did_key(&signer.public()),
            badgesafe_did::did_key_method(&signer.public()),
        ),
    };
    let profile = json!({"id": id, "type": ["Profile"], "name": n.name, "url": n.url});
    let rsa_kid = format!("{id}#rsa-1");
    let key = json!({
        "type": "Multikey",
        "id": vm,
        "controller": id,
        "publicKeyMultibase": signer.public().to_multikey(),
        "secretKeyMultibase": signer.to_secret_multibase().as_str(),
    });
    write_atomic(
        &n.dir.join(KEY_FILE),
        serde_json::to_string_pretty(&key)?.as_bytes(),
        true,
    )?;
    write_atomic(&n.dir.join(RSA_FILE), rsa.to_pkcs8_pem()?.as_bytes(), true)?;
    let mut rsa_jwk = rsa.public().to_jwk();
    rsa_jwk["kid"] = rsa_kid.clone().into();
    rsa_jwk["alg"] = "RS256".into();
    rsa_jwk["iss"] = id.clone().into();
    let mut ed_jwk = signer.public().to_jwk();
    ed_jwk["kid"] = vm.clone().into();
    ed_jwk["alg"] = "EdDSA".into();
    ed_jwk["iss"] = id.clone().into();
    write_atomic(
        &n.dir.join("jwks.json"),
        serde_json::to_string_pretty(&json!({"keys": [ed_jwk, rsa_jwk]}))?.as_bytes(),
        false,
    )?;
    let issuer_json = json!({"profile": profile, "verificationMethod": vm, "rsaKid": rsa_kid});
    publish(n.dir, &issuer_json, &signer)?;
    write_atomic(
        &n.dir.join(ISSUER_FILE),
        serde_json::to_string_pretty(&issuer_json)?.as_bytes(),
        false,
    )?;
    Ok(Issuer {
        profile,
        signer,
        verification_method: vm,
        rsa: Some(rsa),
        rsa_kid: Some(rsa_kid),
    })
}

/// The Ethereum account an issuer anchors from, as `issuer.json` records it.
#[derive(Debug, Clone)]
pub struct Anchoring {
    pub address: String,
    pub chain_id: u64,
    /// The encrypted key file in the issuer folder, if badgesafe keeps the key.
    pub key_file: Option<String>,
    pub public_key_jwk: Value,
    pub since: String,
}

/// The anchoring account of the issuer in `dir`, if one was added.
pub fn load_anchoring(dir: &Path) -> Result<Option<Anchoring>> {
    let meta = read_json(dir, ISSUER_FILE)?;
    let Some(a) = meta.get("anchoring") else {
        return Ok(None);
    };
    let text = |k: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("{ISSUER_FILE}: anchoring has no {k}"))
    };
    Ok(Some(Anchoring {
        address: text("address")?,
        chain_id: a
            .get("chainId")
            .and_then(Value::as_u64)
            .with_context(|| format!("{ISSUER_FILE}: anchoring has no chainId"))?,
        key_file: a.get("keyFile").and_then(Value::as_str).map(str::to_owned),
        public_key_jwk: a
            .get("publicKeyJwk")
            .cloned()
            .with_context(|| format!("{ISSUER_FILE}: anchoring has no publicKeyJwk"))?,
        since: text("since")?,
    }))
}

/// Records `key`'s account as the issuer's anchoring account on `chain_id`: in `issuer.json`,
/// in the profile that signed credentials embed (`otherIdentifier`), and in the documents to
/// publish. Replaces an earlier account.
pub fn set_anchoring(dir: &Path, a: &Anchoring) -> Result<()> {
    let mut meta = read_json(dir, ISSUER_FILE)?;
    let signer = load_issuer(dir)?.signer;
    meta["anchoring"] = json!({
        "address": a.address,
        "chainId": a.chain_id,
        "keyFile": a.key_file,
        "publicKeyJwk": a.public_key_jwk,
        "since": a.since,
    });
    let entry = json!({
        "type": "IdentifierEntry",
        "identifier": format!("eip155:{}:{}", a.chain_id, a.address),
        "identifierType": "accountId",
    });
    let profile = meta
        .get_mut("profile")
        .and_then(Value::as_object_mut)
        .with_context(|| format!("{ISSUER_FILE} has no profile"))?;
    let mut ids: Vec<Value> = match profile.remove("otherIdentifier") {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    ids.retain(|e| {
        !e.get("identifier")
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("eip155:"))
    });
    ids.push(entry);
    profile.insert("otherIdentifier".into(), Value::Array(ids));
    publish(dir, &meta, &signer)?;
    write_atomic(
        &dir.join(ISSUER_FILE),
        serde_json::to_string_pretty(&meta)?.as_bytes(),
        false,
    )
}

/// Writes the documents the issuer publishes: `did.json` for did:web, `profile.json` for an
/// https profile, each naming the signing key and, once added, the anchoring account (as a
/// secp256k1 verification method with its `blockchainAccountId`, and as the Blockcerts
/// `publicKey` entry `ecdsa-koblitz-pubkey:0x…`).
fn publish(dir: &Path, meta: &Value, signer: &Ed25519Signer) -> Result<()> {
    let id = meta["profile"]["id"]
        .as_str()
        .with_context(|| format!("{ISSUER_FILE}: profile has no id"))?;
    let anchoring = meta.get("anchoring");
    let anchor_vm = anchoring.map(|a| {
        json!({
            "id": format!("{id}#{ANCHOR_FRAGMENT}"),
            "type": "EcdsaSecp256k1VerificationKey2019",
            "controller": id,
            "publicKeyJwk": a["publicKeyJwk"],
            "blockchainAccountId": format!("eip155:{}:{}", a["chainId"], a["address"].as_str().unwrap_or_default()),
        })
    });
    let blockcerts_key = anchoring.map(|a| {
        json!([{
            "id": format!("ecdsa-koblitz-pubkey:{}", a["address"].as_str().unwrap_or_default()),
            "created": a["since"],
        }])
    });
    let (file, mut doc) = if id.starts_with("did:web:") {
        (
            DID_FILE,
            badgesafe_did::did_web_document(id, "key-1", &signer.public()),
        )
    } else if id.starts_with("https://") || id.starts_with("http://") {
        let vm = format!("{id}#key-1");
        let mut doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/blockcerts/v3.2"],
            "id": id,
            "type": ["Profile", "BlockcertsIssuerProfile"],
            "name": meta["profile"]["name"],
            "url": meta["profile"]["url"],
            // A JWK, not a Multikey: cert-verifier-js reads Ed25519 keys from JWKs only.
            "verificationMethod": [{
                "id": vm,
                "type": "JsonWebKey",
                "controller": id,
                "publicKeyJwk": signer.public().to_jwk(),
            }],
            "assertionMethod": [vm],
        });
        if let Some(email) = meta["profile"].get("email") {
            doc["email"] = email.clone();
        }
        (PROFILE_FILE, doc)
    } else {
        // did:key: nothing to publish; the signed profile in each credential names the account.
        return Ok(());
    };
    if let Some(vm) = anchor_vm {
        let vm_id = vm["id"].clone();
        if let Some(list) = doc["verificationMethod"].as_array_mut() {
            list.push(vm);
        }
        if let Some(list) = doc["assertionMethod"].as_array_mut() {
            list.push(vm_id);
        }
    }
    if let Some(keys) = blockcerts_key {
        doc["publicKey"] = keys;
    }
    write_atomic(
        &dir.join(file),
        serde_json::to_string_pretty(&doc)?.as_bytes(),
        false,
    )
}

fn read_json(dir: &Path, name: &str) -> Result<Value> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (is {} an issuer folder? make one with `badgesafe issuer init`)",
            path.display(),
            dir.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn unseal(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let bytes = read_input(path)?;
    let password = crate::anchor::password(&path.display().to_string())?;
    badgesafe_crypto::sealed::open(password.as_bytes(), &bytes)
        .with_context(|| format!("opening {}", path.display()))
}

/// The environment variable that may hold the issuer's Ed25519 secret key (multibase), for
/// deployments that keep keys in a secret store rather than in files.
pub const SIGNING_KEY_ENV: &str = "BADGESAFE_SIGNING_KEY";

/// The key document for a secret from the environment, checked against the public key the
/// issuer publishes (`jwks.json`): a key for another issuer is refused.
fn key_from_env(dir: &Path, secret: &str) -> Result<Value> {
    let signer = Ed25519Signer::from_secret_multibase(secret.trim())
        .with_context(|| format!("{SIGNING_KEY_ENV} is not an Ed25519 secret key (multibase)"))?;
    let public = signer.public();
    let x = public.to_jwk()["x"].clone();
    let jwks = read_json(dir, "jwks.json")?;
    let published = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|k| k["crv"] == "Ed25519" && k["x"] == x);
    if !published {
        bail!(
            "{SIGNING_KEY_ENV} holds a key that {} does not publish; it belongs to another issuer",
            dir.join("jwks.json").display()
        );
    }
    Ok(json!({
        "secretKeyMultibase": secret.trim(),
        "publicKeyMultibase": public.to_multikey(),
    }))
}

/// The signing key document: from $BADGESAFE_SIGNING_KEY, sealed (`signing-key.sealed`, password from
/// $BADGESAFE_KEY_PASSWORD or the terminal) or plain (`signing-key.json`, mode 0600).
fn read_key(dir: &Path) -> Result<Value> {
    if let Ok(secret) = std::env::var(SIGNING_KEY_ENV) {
        return key_from_env(dir, &secret);
    }
    let sealed = dir.join(SEALED_KEY_FILE);
    if sealed.exists() {
        let bytes = unseal(&sealed)?;
        return serde_json::from_slice(&bytes)
            .with_context(|| format!("{} does not hold a key document", sealed.display()));
    }
    read_json(dir, KEY_FILE)
}

/// Seals the issuer's private keys with a password (argon2id + XChaCha20-Poly1305): each plain
/// key file is replaced by a `.sealed` one. Returns the files sealed.
pub fn seal_keys(dir: &Path, password: &str) -> Result<Vec<String>> {
    if password.chars().count() < 12 {
        bail!("the password must have at least 12 characters");
    }
    let mut done = Vec::new();
    for (plain, sealed) in [(KEY_FILE, SEALED_KEY_FILE), (RSA_FILE, SEALED_RSA_FILE)] {
        let (plain_path, sealed_path) = (dir.join(plain), dir.join(sealed));
        if sealed_path.exists() {
            bail!("{} is sealed already", sealed_path.display());
        }
        if !plain_path.exists() {
            continue;
        }
        let secret = zeroize::Zeroizing::new(read_input(&plain_path)?);
        let bytes = badgesafe_crypto::sealed::seal(password.as_bytes(), &secret)
            .with_context(|| format!("sealing {}", plain_path.display()))?;
        // Check it opens before the plain key is removed.
        if badgesafe_crypto::sealed::open(password.as_bytes(), &bytes)
            .map_or(true, |back| back.as_slice() != secret.as_slice())
        {
            bail!(
                "sealing {} did not round-trip; nothing was changed",
                plain_path.display()
            );
        }
        write_atomic(&sealed_path, &bytes, true)?;
        std::fs::remove_file(&plain_path)
            .with_context(|| format!("removing {}", plain_path.display()))?;
        badgesafe_fs::sync_dir(dir)?;
        done.push(sealed.to_owned());
    }
    if done.is_empty() {
        bail!("{} has no plain key files to seal", dir.display());
    }
    Ok(done)
}

/// Loads an issuer folder made by `issuer init`.
pub fn load_issuer(dir: &Path) -> Result<Issuer> {
    let meta = read_json(dir, ISSUER_FILE)?;
    let key = read_key(dir)?;
    let secret = key
        .get("secretKeyMultibase")
        .and_then(Value::as_str)
        .with_context(|| format!("{KEY_FILE} has no secretKeyMultibase"))?;
    let signer = Ed25519Signer::from_secret_multibase(secret)
        .with_context(|| format!("{KEY_FILE}: secretKeyMultibase"))?;
    if key.get("publicKeyMultibase").and_then(Value::as_str)
        != Some(signer.public().to_multikey().as_str())
    {
        bail!("{KEY_FILE}: publicKeyMultibase does not belong to secretKeyMultibase");
    }
    let profile = meta
        .get("profile")
        .cloned()
        .with_context(|| format!("{ISSUER_FILE} has no profile"))?;
    if profile.get("id").and_then(Value::as_str).is_none() {
        bail!("{ISSUER_FILE}: profile has no id");
    }
    let vm = meta
        .get("verificationMethod")
        .and_then(Value::as_str)
        .with_context(|| format!("{ISSUER_FILE} has no verificationMethod"))?;
    let rsa_path = dir.join(RSA_FILE);
    let sealed_rsa = dir.join(SEALED_RSA_FILE);
    // With the signing key from the environment and no password, the sealed RSA key (used
    // only for RS256 VC-JWTs) stays closed; RS256 then says the issuer has no RSA key.
    let rsa_closed = std::env::var_os(SIGNING_KEY_ENV).is_some()
        && std::env::var_os(crate::anchor::PASSWORD_ENV).is_none();
    let rsa = if sealed_rsa.exists() && rsa_closed {
        None
    } else if sealed_rsa.exists() {
        let pem = unseal(&sealed_rsa)?;
        let pem = std::str::from_utf8(&pem)
            .with_context(|| format!("{} does not hold a PEM key", sealed_rsa.display()))?;
        Some(RsaSigner::from_pkcs8_pem(pem).with_context(|| format!("{}", sealed_rsa.display()))?)
    } else if rsa_path.exists() {
        let pem = std::fs::read_to_string(&rsa_path)
            .with_context(|| format!("reading {}", rsa_path.display()))?;
        Some(RsaSigner::from_pkcs8_pem(&pem).with_context(|| format!("{}", rsa_path.display()))?)
    } else {
        None
    };
    Ok(Issuer {
        profile,
        signer,
        verification_method: vm.to_owned(),
        rsa,
        rsa_kid: meta
            .get("rsaKid")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}
