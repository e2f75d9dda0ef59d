//! Baking: credentials embedded in badge images, bytes in and bytes out.
//!
//! * PNG: one uncompressed `iTXt` chunk, keyword `openbadgecredential` (OB 3.0), `clrcredential`
//!   (CLR 2.0) or `openbadges` (OB 2.0, also the legacy `tEXt` URL form). Placed before `IEND`.
//! * SVG: `<openbadges:credential>` in namespace `https://purl.imsglobal.org/ob/v3p0` right after
//!   the `<svg>` start tag: JSON in CDATA, or a compact JWS in `verify="…"`. CLR and OB 2.0
//!   (`<openbadges:assertion>`, namespace `http://openbadges.org`) are read too.
//!
//! Never parses the credential it carries. Re-baking replaces an existing credential; a file with
//! more than one credential is refused. Limits: [`MAX_IMAGE_BYTES`], [`MAX_CREDENTIAL_BYTES`].

mod png;
mod svg;

pub use png::{bake_png, unbake_png};
pub use svg::{bake_svg, unbake_svg};

/// Largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
/// Largest embedded credential accepted, in bytes.
pub const MAX_CREDENTIAL_BYTES: usize = 4 * 1024 * 1024;

/// Which standard the embedded credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// Open Badges 3.0 (`openbadgecredential`).
    OpenBadges3,
    /// CLR 2.0 (`clrcredential`).
    Clr2,
    /// Open Badges 2.0 (`openbadges`).
    OpenBadges2,
}

/// What an image carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A JSON credential with an embedded proof.
    Json(String),
    /// A compact JWS (VC-JWT, or an OB 2.0 signed assertion).
    Jws(String),
    /// The URL of a hosted OB 2.0 assertion.
    Url(String),
}

impl Payload {
    /// The text carried, whatever its form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Json(s) | Self::Jws(s) | Self::Url(s) => s,
        }
    }

    fn classify(text: String) -> Self {
        let t = text.trim_start();
        if t.starts_with('{') {
            Self::Json(text)
        } else if t.starts_with("http://") || t.starts_with("https://") {
            Self::Url(text.trim().to_owned())
        } else {
            Self::Jws(text.trim().to_owned())
        }
    }
}

/// A credential found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baked {
    /// The standard, from the keyword or element.
    pub standard: Standard,
    /// The credential.
    pub payload: Payload,
}

/// The image formats badgesafe bakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// SVG.
    Svg,
}

/// Errors while baking or unbaking.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an image of the expected format.
    #[error("not a {0} file")]
    NotAnImage(&'static str),
    /// The file is larger than [`MAX_IMAGE_BYTES`].
    #[error("the image is {0} bytes, larger than the limit of {MAX_IMAGE_BYTES} bytes")]
    ImageTooLarge(usize),
    /// The credential is larger than [`MAX_CREDENTIAL_BYTES`].
    #[error(
        "the embedded credential is {0} bytes, larger than the limit of {MAX_CREDENTIAL_BYTES} bytes"
    )]
    CredentialTooLarge(usize),
    /// The PNG structure is broken.
    #[error("corrupt PNG: {0}")]
    CorruptPng(String),
    /// The SVG does not parse.
    #[error("invalid SVG: {0}")]
    InvalidSvg(String),
    /// More than one credential is embedded.
    #[error("the image carries {0} credentials; a baked badge must carry exactly one")]
    SeveralCredentials(usize),
    /// A compressed credential chunk (forbidden by the baking specification).
    #[error("the credential chunk is compressed, which Open Badges baking forbids")]
    Compressed,
    /// The embedded text is not UTF-8.
    #[error("the embedded credential is not UTF-8 text")]
    NotUtf8,
    /// The image is too irregular to carry a credential that reads back reliably.
    #[error(
        "this {0} is too irregular to carry a credential that reads back unchanged; re-save it with an image editor"
    )]
    Unbakeable(&'static str),
}

/// Detects PNG or SVG from the first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(png::SIGNATURE) {
        return Some(ImageFormat::Png);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if (head.starts_with("<?xml")
        || head.starts_with("<svg")
        || head.starts_with("<!--")
        || head.starts_with("<!DOCTYPE svg"))
        && head.contains("<svg")
    {
        return Some(ImageFormat::Svg);
    }
    None
}

/// Extracts the credential from a PNG or SVG. `Ok(None)` means a valid image with no credential.
pub fn unbake(bytes: &[u8]) -> Result<Option<Baked>, Error> {
    match sniff(bytes) {
        Some(ImageFormat::Png) => unbake_png(bytes),
        Some(ImageFormat::Svg) => unbake_svg(bytes),
        None => Err(Error::NotAnImage("PNG or SVG")),
    }
}

/// Bakes `credential` (JSON or compact JWS) into a PNG or SVG, replacing any credential it had.
///
/// The result is unbaked again before it is returned: an image that would not give back exactly
/// this credential, once, is refused instead of written.
pub fn bake(image: &[u8], credential: &str) -> Result<Vec<u8>, Error> {
    let (baked, kind) = match sniff(image) {
        Some(ImageFormat::Png) => (bake_png(image, credential)?, "PNG"),
        Some(ImageFormat::Svg) => (bake_svg(image, credential)?, "SVG"),
        None => return Err(Error::NotAnImage("PNG or SVG")),
    };
    match unbake(&baked) {
        Ok(Some(b)) if b.payload.as_str().trim() == credential.trim() => Ok(baked),
        _ => Err(Error::Unbakeable(kind)),
    }
}

#[cfg(test)]
mod tests;
