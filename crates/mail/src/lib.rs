//! The delivery e-mail: one message per student with their new badges (baked images and JSON)
//! and a short explanation in Dutch and English, sent over SMTP (lettre) or written as `.eml`
//! files to an outbox folder (the embedded default).

use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a message could not be made or sent.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid e-mail address {0:?}")]
    Address(String),
    #[error(
        "the SMTP URL is not usable: {0} (use smtp://[user:password@]host[:port][?tls=required] or smtps://…)"
    )]
    Url(String),
    #[error("the SMTP CA certificate is not usable: {0}")]
    Ca(String),
    #[error("building the message: {0}")]
    Build(String),
    /// The server or network failed; `permanent` when the server refused the message for good
    /// (a 5xx reply), so trying again will not help.
    #[error("SMTP: {message}")]
    Send { message: String, permanent: bool },
    #[error(transparent)]
    Fs(#[from] badgesafe_fs::Error),
}

impl Error {
    /// Whether trying again later cannot help.
    pub fn is_permanent(&self) -> bool {
        match self {
            Error::Send { permanent, .. } => *permanent,
            Error::Address(_) | Error::Build(_) => true,
            _ => false,
        }
    }
}

/// One badge in a message.
#[derive(Debug, Clone)]
pub struct Badge {
    /// The achievement's name, as the message lists it.
    pub name: String,
    /// A file name without extension (safe characters only).
    pub file_stem: String,
    /// The baked image.
    pub image: Vec<u8>,
    /// `image/png` or `image/svg+xml`.
    pub image_type: String,
    /// The credential JSON.
    pub json: String,
}

/// What a delivery message says and who it is from.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    /// `School <noreply@school.example>`.
    pub from: &'a str,
    pub to: &'a str,
    /// The student's name, for the greeting.
    pub name: Option<&'a str>,
    /// The school's name.
    pub school: &'a str,
    /// A stable id, so a message sent twice can be recognised (`<id@host>` without brackets).
    pub message_id: &'a str,
    /// Where the wallet is explained.
    pub wallet_url: &'a str,
    pub badges: &'a [Badge],
}

fn safe_stem(s: &str) -> String {
    let stem: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "badge".into()
    } else {
        stem.chars().take(60).collect()
    }
}

/// The plain-text body, Dutch first, then English.
pub fn body_text(l: &Letter<'_>) -> String {
    let list: String = l
        .badges
        .iter()
        .map(|b| format!("  - {}\n", b.name))
        .collect();
    let hello_nl = l.name.map_or("Hallo,".into(), |n| format!("Hallo {n},"));
    let hello_en = l.name.map_or("Hello,".into(), |n| format!("Hello {n},"));
    format!(
        "{hello_nl}\n\n\
         {school} geeft je {count_nl}:\n{list}\n\
         Een badge is een digitaal bewijs van wat je hebt geleerd. Niemand kan hem namaken.\n\
         In de bijlagen staat elke badge als plaatje (.png of .svg) en als bestand (.json).\n\n\
         Zo bewaar je ze:\n\
         1. Open je badgesafe-kluis.\n\
         2. Kies \"Importeren\" en kies dit e-mailbericht (of de bijlagen).\n\
         3. Klaar. Jij beslist wie je badges ziet, en tot wanneer.\n\
         Uitleg: {wallet}\n\n\
         Bewaar dit bericht goed. De school stuurt de badges maar één keer en bewaart je\n\
         gegevens niet lang.\n\n\
         ----\n\n\
         {hello_en}\n\n\
         {school} awards you {count_en}:\n{list}\n\
         A badge is digital proof of what you have learned. Nobody can forge it.\n\
         Each badge is attached as a picture (.png or .svg) and as a file (.json).\n\n\
         To keep them:\n\
         1. Open your badgesafe wallet.\n\
         2. Choose \"Import\" and pick this e-mail (or the attachments).\n\
         3. Done. You decide who sees your badges, and until when.\n\
         Help: {wallet}\n\n\
         Keep this message. The school sends the badges only once and does not keep your\n\
         data for long.\n",
        school = l.school,
        wallet = l.wallet_url,
        count_nl = if l.badges.len() == 1 {
            "een badge".to_string()
        } else {
            format!("{} badges", l.badges.len())
        },
        count_en = if l.badges.len() == 1 {
            "a badge".to_string()
        } else {
            format!("{} badges", l.badges.len())
        },
    )
}

/// Builds the message: the text, then each badge's image and JSON.
pub fn compose(l: &Letter<'_>) -> Result<Message, Error> {
    let from: Mailbox = l.from.parse().map_err(|_| Error::Address(l.from.into()))?;
    let to: Mailbox = l.to.parse().map_err(|_| Error::Address(l.to.into()))?;
    let subject = if l.badges.len() == 1 {
        format!("Je badge van {} / Your badge from {}", l.school, l.school)
    } else {
        format!(
            "Je {n} badges van {s} / Your {n} badges from {s}",
            n = l.badges.len(),
            s = l.school
        )
    };
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body_text(l)));
    let mut used = std::collections::HashSet::new();
    for b in l.badges {
        let mut stem = safe_stem(&b.file_stem);
        let mut n = 2;
        while !used.insert(stem.clone()) {
            stem = format!("{}-{n}", safe_stem(&b.file_stem));
            n += 1;
        }
        let (ext, ty) = if b.image_type == "image/svg+xml" {
            ("svg", "image/svg+xml")
        } else {
            ("png", "image/png")
        };
        let ty = ContentType::parse(ty).map_err(|e| Error::Build(e.to_string()))?;
        parts = parts
            .singlepart(Attachment::new(format!("{stem}.{ext}")).body(b.image.clone(), ty))
            .singlepart(Attachment::new(format!("{stem}.json")).body(
                b.json.clone(),
                ContentType::parse("application/json").map_err(|e| Error::Build(e.to_string()))?,
            ));
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(MessageId::from(format!("<{}>", l.message_id)))
        .multipart(parts)
        .map_err(|e| Error::Build(e.to_string()))
}

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder, written atomically.
    Folder(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Folder(p) => write!(f, "Transport::Folder({})", p.display()),
        }
    }
}

impl Transport {
    /// An SMTP transport from `smtp://[user:password@]host[:port][?tls=required|opportunistic]`
    /// (STARTTLS) or `smtps://…` (TLS from the start). `ca_pem` adds a trusted root, for a
    /// school's own mail server certificate.
    pub fn smtp(url: &str, ca_pem: Option<&[u8]>, timeout: Duration) -> Result<Self, Error> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::Url(e.to_string()))?
            .timeout(Some(timeout));
        if let Some(pem) = ca_pem {
            let host = url
                .split_once("://")
                .map(|(_, rest)| rest)
                .and_then(|rest| rest.rsplit('@').next())
                .and_then(|rest| rest.split(['/', '?', ':']).next())
                .filter(|h| !h.is_empty())
                .ok_or_else(|| Error::Url("no host".into()))?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Error::Ca("no PEM certificate in it".into()));
            }
            let cert = Certificate::from_pem(pem).map_err(|e| Error::Ca(e.to_string()))?;
            let params = TlsParameters::builder(host.to_owned())
                .add_root_certificate(cert)
                .build_rustls()
                .map_err(|e| Error::Ca(e.to_string()))?;
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let tls = if url.starts_with("smtps://") {
                Tls::Wrapper(params)
            } else if query.contains("tls=required") {
                Tls::Required(params)
            } else if query.contains("tls=opportunistic") {
                Tls::Opportunistic(params)
            } else {
                return Err(Error::Ca(
                    "a CA certificate needs smtps:// or ?tls=required".into(),
                ));
            };
            builder = builder.tls(tls);
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Deletes `.eml` files written to the outbox folder before `before` (they hold names and
    /// addresses, so they go when the retention window ends). Returns how many; 0 for SMTP.
    pub fn purge_folder(&self, before: std::time::SystemTime) -> Result<u64, Error> {
        let Transport::Folder(dir) = self else {
            return Ok(0);
        };
        purge_eml(dir, before)
    }

    /// The outbox folder transport.
    pub fn folder(dir: &Path) -> Self {
        Transport::Folder(dir.to_path_buf())
    }

    /// Sends (or writes) a message. `name` names the `.eml` file in a folder.
    pub async fn send(&self, message: Message, name: &str) -> Result<(), Error> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| Error::Send {
                        permanent: e.is_permanent(),
                        message: e.to_string(),
                    })
            }
            Transport::Folder(dir) => {
                let dir = dir.clone();
                let path = dir.join(format!("{}.eml", safe_stem(name)));
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir).map_err(|source| badgesafe_fs::Error {
                        what: "creating",
                        path: dir.clone(),
                        source,
                    })?;
                    badgesafe_fs::write_atomic(&path, &bytes, true)
                })
                .await
                .map_err(|e| Error::Send {
                    message: e.to_string(),
                    permanent: false,
                })??;
                Ok(())
            }
        }
    }
}

/// Deletes `.eml` files in `dir` last written before `before`; a missing folder is empty.
pub fn purge_eml(dir: &Path, before: std::time::SystemTime) -> Result<u64, Error> {
    let io = |what: &'static str, path: &Path, source: std::io::Error| badgesafe_fs::Error {
        what,
        path: path.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io("reading", dir, e).into()),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| io("reading", dir, e))?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .map_err(|e| io("reading", &path, e))?;
        if modified < before {
            std::fs::remove_file(&path).map_err(|e| io("removing", &path, e))?;
            removed += 1;
        }
    }
    if removed > 0 {
        badgesafe_fs::sync_dir(dir)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge(name: &str) -> Badge {
        Badge {
            name: name.into(),
            file_stem: name.into(),
            image: vec![0x89, b'P', b'N', b'G'],
            image_type: "image/png".into(),
            json: "{\"id\":\"urn:uuid:1\"}".into(),
        }
    }

    #[tokio::test]
    async fn a_message_carries_every_badge_twice_and_says_how_to_keep_them() {
        let badges = [
            badge("Eerste hulp"),
            badge("Eerste hulp"),
            badge("Zwemmen / A"),
        ];
        let l = Letter {
            from: "De School <noreply@school.example>",
            to: "anna@school.example",
            name: Some("Anna"),
            school: "De School",
            message_id: "batch1.abc@school.example",
            wallet_url: "https://badgesafe.example/wallet",
            badges: &badges,
        };
        let dir = tempfile::tempdir().unwrap();
        Transport::folder(dir.path())
            .send(compose(&l).unwrap(), "batch1 anna")
            .await
            .unwrap();
        let eml = std::fs::read_to_string(dir.path().join("batch1-anna.eml")).unwrap();
        let t = Transport::folder(dir.path());
        let now = std::time::SystemTime::now();
        assert_eq!(
            t.purge_folder(now - Duration::from_secs(3600)).unwrap(),
            0,
            "too recent"
        );
        assert_eq!(t.purge_folder(now + Duration::from_secs(1)).unwrap(), 1);
        assert!(!dir.path().join("batch1-anna.eml").exists());
        assert_eq!(purge_eml(&dir.path().join("missing"), now).unwrap(), 0);
        assert!(eml.contains("Message-ID: <batch1.abc@school.example>"));
        assert!(eml.contains("Subject: Je 3 badges van De School / Your 3 badges from De School"));
        for name in [
            "Eerste-hulp.png",
            "Eerste-hulp.json",
            "Eerste-hulp-2.png",
            "Zwemmen---A.json",
        ] {
            assert!(eml.contains(&format!("filename=\"{name}\"")), "{name}");
        }
        let text = body_text(&l);
        assert!(text.contains("Hallo Anna,") && text.contains("Hello Anna,"));
        assert!(text.contains("  - Zwemmen / A\n"));
    }

    #[test]
    fn bad_addresses_and_urls_are_named() {
        let l = Letter {
            from: "noreply@school.example",
            to: "not an address",
            name: None,
            school: "S",
            message_id: "x@y",
            wallet_url: "",
            badges: &[],
        };
        let e = compose(&l).unwrap_err();
        assert!(e.is_permanent());
        assert!(e.to_string().contains("not an address"));
        assert!(matches!(
            Transport::smtp("http://x", None, Duration::from_secs(1)),
            Err(Error::Url(_))
        ));
        assert!(matches!(
            Transport::smtp(
                "smtps://mail.example",
                Some(b"junk"),
                Duration::from_secs(1)
            ),
            Err(Error::Ca(_))
        ));
    }
}
