//! Files the CLI reads and writes: the issuer folder and atomic, crash-safe writes.

use anyhow::{Context as _, Result, bail};
use badgesafe_crypto::{Ed25519Signer, RsaSigner};
use badgesafe_issue::Issuer;
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Largest input file read, in bytes (images and credentials are far smaller).
pub const MAX_INPUT_BYTES: u64 = badgesafe_bake::MAX_IMAGE_BYTES as u64;

/// Reads a file, refusing anything larger than [`MAX_INPUT_BYTES`].
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", path.display());
    }
    if meta.len() > MAX_INPUT_BYTES {
        bail!(
            "{} is {} bytes, larger than the limit of {MAX_INPUT_BYTES} bytes",
            path.display(),
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename,
/// fsync of the folder. `private` makes the file readable by its owner only (0600).
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .context("setting permissions 0600")?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    #[cfg(unix)]
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing folder {}", dir.display()))?;
    Ok(())
}

const ISSUER_FILE: &str = "issuer.json";
const KEY_FILE: &str = "signing-key.json";
const RSA_FILE: &str = "rsa-key.pem";

/// What `issuer init` creates.
pub struct NewIssuer<'a> {
    pub dir: &'a Path,
    pub name: &'a str,
    pub url: &'a str,
    pub did_web: Option<&'a str>,
}

/// Creates keys and the issuer profile in `dir`. Refuses to overwrite an existing issuer.
pub fn init_issuer(n: &NewIssuer<'_>) -> Result<Issuer> {
    if !(n.url.starts_with("https://") || n.url.starts_with("http://")) {
        bail!("--url must be an http(s) URL, not {:?}", n.url);
    }
    if n.name.trim().is_empty() {
        bail!("--name must not be empty");
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
    let (id, vm) = match n.did_web {
        Some(host) => {
            let did = format!("did:web:{}", host.replace(':', "%3A"));
            badgesafe_did::did_web_url(&did).with_context(|| format!("--did-web {host}"))?;
            (did.clone(), format!("{did}#key-1"))
        }
        None => (
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
    if n.did_web.is_some() {
        let doc = badgesafe_did::did_web_document(&id, "key-1", &signer.public());
        write_atomic(
            &n.dir.join("did.json"),
            serde_json::to_string_pretty(&doc)?.as_bytes(),
            false,
        )?;
    }
    let issuer_json = json!({"profile": profile, "verificationMethod": vm, "rsaKid": rsa_kid});
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

/// Loads an issuer folder made by `issuer init`.
pub fn load_issuer(dir: &Path) -> Result<Issuer> {
    let read_json = |name: &str| -> Result<Value> {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (is {} an issuer folder? make one with `badgesafe issuer init`)",
                path.display(),
                dir.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
    };
    let meta = read_json(ISSUER_FILE)?;
    let key = read_json(KEY_FILE)?;
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
    let rsa = if rsa_path.exists() {
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
