//! The verifier: any input (JSON, compact JWS, baked PNG or SVG) → a [`Report`] of named checks.
//!
//! Synchronous and free of I/O of its own: the clock is an input, and documents on the network
//! (keys, DID documents, status lists, OB 2.0 hosted objects) come through a [`Fetcher`] the
//! caller supplies, or not at all in offline mode. An invalid credential never gives `Err`; it
//! gives a report whose failed checks say why.

use badgesafe_crypto::PublicKey;
use chrono::{DateTime, Utc};
use serde_json::Value;

mod anchoring;
mod ob2;
pub mod presentation;
mod report;
mod status;
pub mod trust;

pub use report::{Check, Outcome, Report};

/// Gets documents from the network for the verifier.
pub trait Fetcher: Sync {
    /// The body at `url` (`accept` is the HTTP Accept header). `Err` carries a plain reason,
    /// such as "connection refused" or "HTTP 404".
    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, String>;

    /// True for a fetcher that holds only pinned documents (offline with pinned keys): an
    /// address it does not hold is reported as not checked (offline), not as failed.
    fn pinned_only(&self) -> bool {
        false
    }
}

/// How a verification runs.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Where network documents come from; `None` is offline mode, in which network checks are
    /// reported as skipped.
    pub fetcher: Option<&'a dyn Fetcher>,
    /// The time to check validity against.
    pub now: DateTime<Utc>,
    /// An e-mail address the recipient must match, when the user gives one.
    pub recipient_email: Option<&'a str>,
    /// JSON-RPC endpoints for checking Ethereum anchors, each used for the chain it serves.
    /// Anchors are never looked up anywhere else.
    pub rpc: &'a [&'a dyn badgesafe_anchor::eth::Rpc],
    /// How many blocks must confirm an anchoring transaction (its own block included).
    pub confirmations: u64,
}

/// Largest JSON input accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// Deepest JSON nesting accepted (serde_json refuses deeper input too).
pub const MAX_JSON_DEPTH: usize = 64;

/// Verifies a file's bytes: JSON credential, compact JWS, or baked PNG/SVG.
pub fn verify_bytes(bytes: &[u8], opts: &Options<'_>) -> Report {
    let mut report = Report::new();
    let text = match badgesafe_bake::sniff(bytes) {
        Some(fmt) => match badgesafe_bake::unbake(bytes) {
            Ok(Some(baked)) => {
                let kind = match &baked.payload {
                    badgesafe_bake::Payload::Json(_) => "JSON",
                    badgesafe_bake::Payload::Jws(_) => "JWT",
                    badgesafe_bake::Payload::Url(_) => "hosted-assertion URL",
                };
                let std = match baked.standard {
                    badgesafe_bake::Standard::OpenBadges3 => "Open Badges 3.0",
                    badgesafe_bake::Standard::Clr2 => "CLR 2.0",
                    badgesafe_bake::Standard::OpenBadges2 => "Open Badges 2.0",
                };
                report.pass(
                    "format.file",
                    format!(
                        "{} image with a baked {std} credential ({kind})",
                        format_name(fmt)
                    ),
                );
                if baked.standard == badgesafe_bake::Standard::OpenBadges2 {
                    ob2::verify_ob2_payload(&baked.payload, opts, &mut report);
                    return report.finish();
                }
                baked.payload.as_str().to_owned()
            }
            Ok(None) => {
                report.fail(
                    "format.file",
                    format!("{} image without a baked credential", format_name(fmt)),
                );
                return report.finish();
            }
            Err(e) => {
                report.fail("format.file", e.to_string());
                return report.finish();
            }
        },
        None => match std::str::from_utf8(bytes) {
            Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
            Err(_) => {
                report.fail(
                    "format.file",
                    "not a PNG, SVG, JSON or JWT file (binary data that is not UTF-8)",
                );
                return report.finish();
            }
        },
    };
    verify_text(&text, opts, &mut report);
    report.finish()
}

fn format_name(f: badgesafe_bake::ImageFormat) -> &'static str {
    match f {
        badgesafe_bake::ImageFormat::Png => "PNG",
        badgesafe_bake::ImageFormat::Svg => "SVG",
    }
}

fn verify_text(text: &str, opts: &Options<'_>, report: &mut Report) {
    let trimmed = text.trim();
    if badgesafe_proof::jws::looks_like_compact(trimmed) {
        let ob2 = badgesafe_proof::jws::decode(trimmed).is_ok_and(|j| is_ob2(&j.payload));
        if report.checks.is_empty() {
            report.pass(
                "format.file",
                if ob2 {
                    "compact JWS (Open Badges 2.0 signed assertion)"
                } else {
                    "compact JWS (VC-JWT)"
                },
            );
        }
        if ob2 {
            ob2::verify_ob2_payload(
                &badgesafe_bake::Payload::Jws(trimmed.to_owned()),
                opts,
                report,
            );
        } else {
            verify_jwt(trimmed, opts, report);
        }
        return;
    }
    if trimmed.len() > MAX_JSON_BYTES {
        report.fail(
            "format.json",
            format!(
                "{} bytes, larger than the limit of {MAX_JSON_BYTES}",
                trimmed.len()
            ),
        );
        return;
    }
    let doc: Value = match badgesafe_jcs::from_str_strict(trimmed) {
        Ok(v) => v,
        Err(e) => {
            if report.checks.is_empty() {
                report.fail(
                    "format.file",
                    format!("not a PNG, SVG, JSON or JWT file: JSON error {e}"),
                );
            } else {
                report.fail(
                    "format.json",
                    format!("the embedded credential is not valid JSON: {e}"),
                );
            }
            return;
        }
    };
    if report.checks.is_empty() {
        report.pass("format.file", "JSON document");
    }
    if depth(&doc) > MAX_JSON_DEPTH {
        report.fail(
            "format.json",
            format!("nested deeper than {MAX_JSON_DEPTH} levels"),
        );
        return;
    }
    if is_blockcerts_v2(&doc) {
        anchoring::check_2017(&doc, opts, report);
        validity(&doc, opts, report);
        return;
    }
    if is_ob2(&doc) {
        ob2::verify_ob2_json(&doc, opts, report);
        return;
    }
    verify_credential(&doc, opts, report);
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A Blockcerts v2 credential: an OB 2.0 assertion with a MerkleProof2017 `signature` block.
fn is_blockcerts_v2(doc: &Value) -> bool {
    let ty = doc.get("signature").and_then(|s| s.get("type"));
    let has = |t: &Value| t.as_str() == Some("MerkleProof2017");
    match ty {
        Some(Value::Array(items)) => items.iter().any(has),
        Some(t) => has(t),
        None => false,
    }
}

/// An OB 2.0 (or 1.x) assertion: an Open Badges context, and not a Verifiable Credential (a VC
/// may use the OB 2.0 vocabulary, as Blockcerts 3.0-beta credentials do).
fn is_ob2(doc: &Value) -> bool {
    let first = match doc.get("@context") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    if first
        .and_then(Value::as_str)
        .is_some_and(|c| c == badgesafe_contexts::VC_V1 || c == badgesafe_contexts::VC_V2)
    {
        return false;
    }
    let ctx_is_ob2 = |v: &Value| {
        v.as_str().is_some_and(|s| {
            s.starts_with("https://w3id.org/openbadges/v2")
                || s.starts_with("https://w3id.org/openbadges/v1")
        })
    };
    match doc.get("@context") {
        Some(Value::Array(items)) => items.iter().any(ctx_is_ob2),
        Some(v) => ctx_is_ob2(v),
        None => false,
    }
}

/// The credential in a file's bytes, as JSON: a JSON document, a baked image's JSON or JWT
/// payload (the `vc` claim when there is one), or a compact JWS's. `None` when there is none to
/// read (or it is only an address).
pub fn document(bytes: &[u8]) -> Option<Value> {
    let text = match badgesafe_bake::sniff(bytes) {
        Some(_) => match badgesafe_bake::unbake(bytes).ok()??.payload {
            badgesafe_bake::Payload::Url(_) => return None,
            p => p.as_str().to_owned(),
        },
        None => std::str::from_utf8(bytes).ok()?.to_owned(),
    };
    let text = text.trim().trim_start_matches('\u{feff}');
    if badgesafe_proof::jws::looks_like_compact(text) {
        let jws = badgesafe_proof::jws::decode(text).ok()?;
        return Some(match jws.payload.get("vc") {
            Some(vc) if vc.is_object() => vc.clone(),
            _ => jws.payload,
        });
    }
    if text.len() > MAX_JSON_BYTES {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
}

/// What [`verify_input`] found: one report, and for a presentation each credential's report
/// with the credential itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    /// The input's report (for a presentation, the holder's checks and one `credential.N` per
    /// credential).
    #[serde(flatten)]
    pub report: Report,
    /// For a presentation: each credential's own report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Report>,
    /// The credentials read from the input, in order (for showing them).
    #[serde(skip)]
    pub documents: Vec<Value>,
    /// Whether the input was a presentation.
    #[serde(skip)]
    pub presentation: bool,
}

/// Verifies any input the same way for the CLI, the API and the pages: a presentation (JSON
/// whose type includes `VerifiablePresentation`) with `expect`, else one credential file. With
/// a trust list each credential also gets `issuer.trusted` (see [`trust::check`]).
pub fn verify_input(
    bytes: &[u8],
    opts: &Options<'_>,
    expect: &presentation::Expect<'_>,
    trust: Option<(&trust::TrustList, bool)>,
) -> Verification {
    if let Some(vp) = presentation::parse(bytes) {
        let (mut report, inner) = presentation::verify_presentation(&vp, opts, expect);
        let documents: Vec<Value> = match vp.get("verifiableCredential") {
            Some(Value::Array(items)) => items.clone(),
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        };
        let credentials: Vec<Report> = match trust {
            Some((list, require)) => inner
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let was = r.verified;
                    let r = trust::check(r, documents.get(i), list, require);
                    let id = format!("credential.{}", i + 1);
                    if was
                        && !r.verified
                        && let Some(c) = report.checks.iter_mut().find(|c| c.check == id)
                    {
                        c.outcome = Outcome::Failed;
                        c.detail = format!("{}; its issuer is not on your trust list", c.detail);
                    }
                    r
                })
                .collect(),
            None => inner,
        };
        return Verification {
            report: report.finish(),
            credentials,
            documents,
            presentation: true,
        };
    }
    let report = verify_bytes(bytes, opts);
    let doc = document(bytes);
    let report = match trust {
        Some((list, require)) => trust::check(report, doc.as_ref(), list, require),
        None => report,
    };
    Verification {
        report,
        credentials: Vec::new(),
        documents: doc.into_iter().collect(),
        presentation: false,
    }
}

/// The issuer id of a credential (`issuer` as a string or a Profile object).
pub fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(o) => o.get("id").and_then(Value::as_str),
        None => None,
    }
}

fn contexts(doc: &Value) -> Vec<&str> {
    match doc.get("@context") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// OB 3.0 / CLR 2.0 context URLs, including the pre-publication drafts some VC-JWT badges name
/// (those are never JSON-LD processed: a JWT is not canonicalized).
fn is_ob_context(c: &str) -> bool {
    c.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context")
        || c.starts_with("https://purl.imsglobal.org/spec/clr/v2p0/context")
        || c == "https://imsglobal.github.io/openbadges-specification/context.json"
        || c == "https://dc.imsglobal.org/draft/clr/v2p0/context"
}

/// The structural checks shared by embedded-proof and JWT credentials.
fn format_checks(doc: &Value, report: &mut Report) {
    let ctx = contexts(doc);
    let v2 = ctx.first() == Some(&badgesafe_contexts::VC_V2);
    let v1 = ctx.first() == Some(&badgesafe_contexts::VC_V1);
    let types = badgesafe_model::types_of(doc);
    let kind = badgesafe_model::kind_of(doc);
    if !v1 && !v2 {
        report.fail("format.context", "the first @context must be https://www.w3.org/ns/credentials/v2 (or the VC 1.1 context)");
    } else if kind.is_some() && !ctx.iter().any(|c| is_ob_context(c)) {
        report.fail(
            "format.context",
            "an Open Badges credential needs the OB 3.0 @context",
        );
    } else {
        report.pass(
            "format.context",
            format!("VC Data Model {}", if v2 { "2.0" } else { "1.1" }),
        );
    }
    if !types.iter().any(|t| t == "VerifiableCredential") {
        report.fail(
            "format.type",
            format!("type {types:?} does not include VerifiableCredential"),
        );
    } else if kind.is_none() {
        report.pass(
            "format.type",
            format!("{} (not an Open Badge)", types.join(", ")),
        );
    } else {
        report.pass("format.type", types.join(", "));
    }
    match kind {
        Some(k) if v2 => match badgesafe_model::validate(doc, k) {
            Ok(()) => report.pass("format.schema", "matches the official 1EdTech JSON Schema"),
            Err(e) => report.fail("format.schema", e.to_string()),
        },
        Some(_) => report.skip(
            "format.schema",
            "VC 1.1 credential: the 1EdTech VC 1.1 schema is not embedded",
        ),
        None => report.skip(
            "format.schema",
            "no Open Badges schema applies to this type",
        ),
    }
    if kind.is_some() {
        if badgesafe_model::subject_is_identified(doc) {
            report.pass(
                "format.subject",
                "the credential subject has an id or an identifier",
            );
        } else {
            report.fail(
                "format.subject",
                "the credential subject has neither an id nor an identifier",
            );
        }
    }
}

/// Verifies a credential with embedded proofs (already parsed JSON).
pub fn verify_credential(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    if !doc.is_object() {
        report.fail("format.json", "the credential must be a JSON object");
        return;
    }
    format_checks(doc, report);
    verify_credential_proofs_only(doc, opts, Binding::Published, report);
    validity(doc, opts, report);
    status::check(doc, opts, report);
    recipient(doc, opts, report);
}

/// How far the issuer-key check goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Controller equals issuer, and a key taken from a method-id fragment is confirmed with
    /// the issuer's published document.
    Published,
    /// Controller equals issuer only (for status lists, whose issuer was already confirmed).
    ControllerOnly,
}

/// The proof and issuer-key checks of an embedded-proof credential.
pub(crate) fn verify_credential_proofs_only(
    doc: &Value,
    opts: &Options<'_>,
    binding: Binding,
    report: &mut Report,
) {
    let issuer = issuer_id(doc);
    let proofs = badgesafe_proof::proofs(doc);
    if proofs.is_empty() {
        report.fail("proof.present", "the credential has no proof");
    }
    let mut bindings = Vec::new();
    let mut anchors = Vec::new();
    for (i, proof) in proofs.iter().enumerate() {
        let id = format!("proof.{}", i + 1);
        if let Some(kind) = badgesafe_anchor::ProofKind::of(proof) {
            anchors.push((i, *proof, kind));
            continue;
        }
        let suite = match badgesafe_proof::Suite::of(proof) {
            Ok(s) => s,
            Err(badgesafe_proof::Error::Unsupported(what)) => {
                report.skip(
                    id,
                    format!(
                        "{what} is not supported; another proof may still verify the credential"
                    ),
                );
                continue;
            }
            Err(e) => {
                report.fail(id, e.to_string());
                continue;
            }
        };
        let purpose = proof
            .get("proofPurpose")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if purpose != "assertionMethod" {
            report.fail(
                id,
                format!(
                    "{}: proofPurpose must be assertionMethod, found {purpose:?}",
                    suite.name()
                ),
            );
            continue;
        }
        let vm = proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let method = match resolve_method(vm, opts) {
            Ok(m) => m,
            Err(Resolve::Offline(why)) => {
                report.skip(
                    id,
                    format!("{}: key not checked offline ({why})", suite.name()),
                );
                continue;
            }
            Err(Resolve::Failed(why)) => {
                report.fail(id, format!("{}: {why}", suite.name()));
                continue;
            }
        };
        let PublicKey::Ed25519(key) = &method.key else {
            report.fail(
                id,
                format!(
                    "{}: verification method {vm} is not an Ed25519 key",
                    suite.name()
                ),
            );
            continue;
        };
        match badgesafe_proof::verify(doc, proof, key) {
            Ok(_) => {
                report.pass(&id, format!("{}: signature valid, key {vm}", suite.name()));
                bindings.push(method);
            }
            Err(e) => report.fail(&id, format!("{}: {e}", suite.name())),
        }
    }
    key_binding(issuer, &bindings, opts, binding, report);
    let ctx = anchoring::Context {
        doc,
        issuer,
        signed_by_issuer: report
            .get("identity.issuer_key")
            .is_some_and(|c| c.outcome == Outcome::Passed),
    };
    for (i, proof, kind) in anchors {
        anchoring::check_proof(i, proof, kind, &ctx, opts, report);
    }
}

/// A resolved verification method, with how its link to the controller was established.
struct Method {
    key: PublicKey,
    controller: String,
    id: String,
    /// True when the key was read from the method id's fragment and not from a document the
    /// controller published.
    from_fragment: bool,
}

impl From<badgesafe_did::VerificationMethod> for Method {
    /// A method read from a DID or controller document.
    fn from(m: badgesafe_did::VerificationMethod) -> Self {
        Method {
            key: m.key,
            controller: m.controller,
            id: m.id,
            from_fragment: false,
        }
    }
}

enum Resolve {
    Offline(String),
    Failed(String),
}

fn resolve_method(vm: &str, opts: &Options<'_>) -> Result<Method, Resolve> {
    if vm.is_empty() {
        return Err(Resolve::Failed(
            "the proof has no verificationMethod".into(),
        ));
    }
    if vm.starts_with("did:key:") {
        return badgesafe_did::resolve_did_key(vm)
            .map(Method::from)
            .map_err(|e| Resolve::Failed(e.to_string()));
    }
    if vm.starts_with("did:web:") {
        let url = badgesafe_did::did_web_url(vm).map_err(|e| Resolve::Failed(e.to_string()))?;
        return method_in_document(&url, vm, "did:web document", opts);
    }
    if vm.starts_with("did:") {
        return Err(Resolve::Failed(format!(
            "unsupported DID method in verificationMethod {vm} (did:key and did:web are supported)"
        )));
    }
    // `[controller]#z6Mk…`: the key is in the fragment (the 1EdTech pattern).
    if let Some((controller, fragment)) = vm.split_once('#')
        && fragment.starts_with("z6Mk")
        && (vm.starts_with("https://") || vm.starts_with("http://") || vm.starts_with("urn:"))
    {
        let key = badgesafe_crypto::Ed25519Public::from_multikey(fragment).map_err(|e| {
            Resolve::Failed(format!(
                "verificationMethod fragment is not a valid Ed25519 Multikey: {e}"
            ))
        })?;
        return Ok(Method {
            key: PublicKey::Ed25519(key),
            controller: controller.to_owned(),
            id: vm.to_owned(),
            from_fragment: true,
        });
    }
    if !(vm.starts_with("https://") || vm.starts_with("http://")) {
        return Err(Resolve::Failed(format!(
            "verificationMethod {vm:?} is not a DID or an HTTP(S) URL"
        )));
    }
    let url = vm.split('#').next().unwrap_or(vm);
    method_in_document(url, vm, "key document", opts)
}

/// The verification method `vm` in the document at `url` (`what` names the document).
fn method_in_document(
    url: &str,
    vm: &str,
    what: &str,
    opts: &Options<'_>,
) -> Result<Method, Resolve> {
    let doc = fetch_json(url, opts).map_err(|e| match e {
        Fetched::Offline => Resolve::Offline(format!("{what} {url}")),
        Fetched::Failed(why) => Resolve::Failed(format!("could not get the {what} {url}: {why}")),
    })?;
    badgesafe_did::find_method(&doc, url, vm)
        .map(Method::from)
        .map_err(|e| Resolve::Failed(e.to_string()))
}

fn key_binding(
    issuer: Option<&str>,
    methods: &[Method],
    opts: &Options<'_>,
    binding: Binding,
    report: &mut Report,
) {
    const ID: &str = "identity.issuer_key";
    let Some(issuer) = issuer else {
        report.fail(ID, "the credential has no issuer id");
        return;
    };
    if methods.is_empty() {
        report.skip(ID, "no verified proof to bind to the issuer");
        return;
    }
    for m in methods {
        if m.controller != issuer {
            report.fail(
                ID,
                format!(
                    "the key's controller {} is not the issuer {issuer}",
                    m.controller
                ),
            );
            return;
        }
    }
    let Some(m) = methods
        .iter()
        .find(|m| m.from_fragment && binding == Binding::Published)
    else {
        report.pass(
            ID,
            format!("the signing key is controlled by the issuer {issuer}"),
        );
        return;
    };
    // The key came from the method id itself; confirm that the issuer publishes it.
    if !(m.controller.starts_with("https://") || m.controller.starts_with("http://")) {
        report.skip(ID, format!("key {} names the issuer as controller; the issuer id is not a URL, so that it publishes the key cannot be checked", m.id));
        return;
    }
    match fetch_json(&m.controller, opts) {
        Err(Fetched::Offline) => report.skip(
            ID,
            format!("key {} names the issuer as controller; that the issuer publishes it was not checked (offline)", m.id),
        ),
        Err(Fetched::Failed(why)) => report.fail(ID, format!("could not get the issuer document {} to confirm key {}: {why}", m.controller, m.id)),
        Ok(doc) => match badgesafe_did::find_method(&doc, &m.controller, &m.id) {
            Ok(found) if found.key == m.key => report.pass(ID, format!("the issuer {issuer} publishes signing key {}", m.id)),
            Ok(_) => report.fail(ID, format!("the issuer publishes a different key under {}", m.id)),
            Err(e) => report.fail(ID, format!("the issuer document does not confirm the key: {e}")),
        },
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn validity(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    const ID: &str = "status.validity";
    let (from_key, until_key) =
        if doc.get("issuanceDate").is_some() || doc.get("expirationDate").is_some() {
            ("issuanceDate", "expirationDate")
        } else {
            ("validFrom", "validUntil")
        };
    let read = |key: &str| -> Result<Option<DateTime<Utc>>, String> {
        match doc.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => parse_time(s)
                .map(Some)
                .ok_or_else(|| format!("{key} {s:?} is not a date-time with a time zone")),
            Some(_) => Err(format!("{key} is not a string")),
        }
    };
    let (from, until) = match (read(from_key), read(until_key)) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => {
            report.fail(ID, e);
            return;
        }
    };
    let now = opts.now;
    match (from, until) {
        (Some(f), _) if now < f => {
            report.fail(ID, format!("not valid yet: valid from {}", f.to_rfc3339()))
        }
        (_, Some(u)) if now > u => report.fail(ID, format!("expired on {}", u.to_rfc3339())),
        (None, _) => report.fail(ID, format!("the credential has no {from_key}")),
        (Some(f), Some(u)) => report.pass(
            ID,
            format!("valid from {} until {}", f.to_rfc3339(), u.to_rfc3339()),
        ),
        (Some(f), None) => report.pass(ID, format!("valid from {}, no expiry", f.to_rfc3339())),
    }
}

fn recipient(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    const ID: &str = "recipient";
    let Some(email) = opts.recipient_email else {
        report.skip(ID, "no recipient e-mail address given to match");
        return;
    };
    let subject = match doc.get("credentialSubject") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    let identifiers: Vec<&Value> = match subject.and_then(|s| s.get("identifier")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    for ident in identifiers {
        if ident.get("identityType").and_then(Value::as_str) != Some("emailAddress") {
            continue;
        }
        let Some(expected) = ident.get("identityHash").and_then(Value::as_str) else {
            continue;
        };
        let hashed = ident
            .get("hashed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let matches = if hashed {
            let salt = ident
                .get("salt")
                .and_then(Value::as_str)
                .unwrap_or_default();
            badgesafe_model::identity_hash(email, salt).eq_ignore_ascii_case(expected)
        } else {
            expected.eq_ignore_ascii_case(email)
        };
        if matches {
            report.pass(ID, format!("issued to {email}"));
        } else {
            report.fail(ID, format!("not issued to {email}"));
        }
        return;
    }
    report.fail(ID, "the credential has no e-mail identifier to match");
}

enum Fetched {
    Offline,
    Failed(String),
}

/// Largest network document accepted, in bytes.
pub const MAX_FETCH_BYTES: usize = 2 * 1024 * 1024;

fn fetch_bytes(url: &str, accept: &str, opts: &Options<'_>) -> Result<Vec<u8>, Fetched> {
    let Some(f) = opts.fetcher else {
        return Err(Fetched::Offline);
    };
    let body = match f.get(url, accept) {
        Ok(b) => b,
        Err(_) if f.pinned_only() => return Err(Fetched::Offline),
        Err(e) => return Err(Fetched::Failed(e)),
    };
    if body.len() > MAX_FETCH_BYTES {
        return Err(Fetched::Failed(format!(
            "the answer is larger than {MAX_FETCH_BYTES} bytes"
        )));
    }
    Ok(body)
}

fn fetch_json(url: &str, opts: &Options<'_>) -> Result<Value, Fetched> {
    let body = fetch_bytes(url, "application/ld+json, application/json", opts)?;
    serde_json::from_slice(&body)
        .map_err(|e| Fetched::Failed(format!("the answer is not JSON: {e}")))
}

fn verify_jwt(compact: &str, opts: &Options<'_>, report: &mut Report) {
    let jws = match badgesafe_proof::jws::decode(compact) {
        Ok(j) => j,
        Err(e) => {
            report.fail("proof.jwt", e.to_string());
            return;
        }
    };
    let alg = jws.alg().unwrap_or_default().to_owned();
    let typ = jws.header.get("typ").and_then(Value::as_str);
    if let Some(t) = typ
        && !matches!(t, "JWT" | "vc+jwt" | "vc+ld+jwt")
    {
        report.fail("format.jwt_header", format!("typ {t:?} is not JWT"));
    }
    // The credential: the `vc` claim (VC 1.1 style) or the whole payload (OB 3.0 / VC 2.0).
    let credential = jws
        .payload
        .get("vc")
        .cloned()
        .unwrap_or_else(|| jws.payload.clone());
    if !credential.is_object() {
        report.fail("format.json", "the JWT carries no credential object");
        return;
    }
    format_checks(&credential, report);
    let issuer = issuer_id(&credential).map(str::to_owned);
    // The key: an embedded JWK, or the kid.
    let key = if let Some(jwk) = jws.jwk() {
        PublicKey::from_jwk(jwk)
            .map(|k| (k, "the key in the JWT header".to_owned()))
            .map_err(|e| Resolve::Failed(e.to_string()))
    } else if let Some(kid) = jws.kid() {
        resolve_method(kid, opts).map(|m| (m.key, format!("key {kid}")))
    } else {
        Err(Resolve::Failed(
            "the JWT header has neither kid nor jwk".into(),
        ))
    };
    let signed = match key {
        Ok((key, from)) => match jws.verify(&key) {
            Ok(()) => {
                report.pass("proof.jwt", format!("{alg} signature valid, {from}"));
                Some(key)
            }
            Err(e) => {
                report.fail("proof.jwt", format!("{alg}: {e}"));
                None
            }
        },
        Err(Resolve::Offline(why)) => {
            report.skip(
                "proof.jwt",
                format!("{alg}: key not checked offline ({why})"),
            );
            None
        }
        Err(Resolve::Failed(why)) => {
            report.fail("proof.jwt", format!("{alg}: {why}"));
            None
        }
    };
    jwt_claims(&jws.payload, &credential, report);
    match (signed, issuer.as_deref()) {
        (Some(key), Some(iss)) => jwks_binding(iss, &key, jws.kid(), opts, report),
        (None, _) => report.skip(
            "identity.issuer_key",
            "no verified signature to bind to the issuer",
        ),
        (_, None) => report.fail("identity.issuer_key", "the credential has no issuer id"),
    }
    validity(&credential, opts, report);
    status::check(&credential, opts, report);
    recipient(&credential, opts, report);
}

fn jwt_claims(payload: &Value, credential: &Value, report: &mut Report) {
    const ID: &str = "format.jwt_claims";
    let mut problems = Vec::new();
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if let (Some(iss), Some(issuer)) = (s(payload, "iss"), issuer_id(credential)) {
        if iss != issuer {
            problems.push(format!("iss {iss} is not the issuer {issuer}"));
        }
    } else if payload.get("iss").is_none() {
        problems.push("iss is missing".to_owned());
    }
    if let (Some(jti), Some(id)) = (s(payload, "jti"), s(credential, "id"))
        && jti != id
    {
        problems.push(format!("jti {jti} is not the credential id {id}"));
    }
    let subject_id = credential
        .get("credentialSubject")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str);
    if let (Some(sub), Some(subject)) = (s(payload, "sub"), subject_id)
        && sub != subject
    {
        problems.push(format!("sub {sub} is not the subject {subject}"));
    }
    let from = s(credential, "validFrom")
        .or_else(|| s(credential, "issuanceDate"))
        .and_then(|t| parse_time(&t));
    if let (Some(nbf), Some(from)) = (payload.get("nbf").and_then(Value::as_i64), from)
        && nbf != from.timestamp()
    {
        problems.push(format!(
            "nbf {nbf} does not match the validity start {}",
            from.to_rfc3339()
        ));
    }
    if problems.is_empty() {
        report.pass(ID, "JWT claims agree with the credential");
    } else {
        report.fail(ID, problems.join("; "));
    }
}

/// JWT issuers publish their keys at `https://{authority of issuer}/.well-known/jwks.json`; a
/// `did:` issuer binds through its DID key instead.
fn jwks_binding(
    issuer: &str,
    key: &PublicKey,
    kid: Option<&str>,
    opts: &Options<'_>,
    report: &mut Report,
) {
    const ID: &str = "identity.issuer_key";
    if let Some(kid) = kid
        && kid.starts_with("did:")
    {
        let controller = kid.split('#').next().unwrap_or(kid);
        if controller == issuer {
            report.pass(
                ID,
                format!("the signing key {kid} is controlled by the issuer"),
            );
        } else {
            report.fail(
                ID,
                format!("the key's controller {controller} is not the issuer {issuer}"),
            );
        }
        return;
    }
    let Some(authority) = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .and_then(|r| r.split('/').next())
    else {
        report.fail(ID, format!("the issuer {issuer} is neither a DID nor an HTTP(S) URL, so its keys cannot be looked up"));
        return;
    };
    let scheme = if issuer.starts_with("http://") {
        "http"
    } else {
        "https"
    };
    let url = format!("{scheme}://{authority}/.well-known/jwks.json");
    let set = match fetch_bytes(&url, "application/jwk-set+json, application/json", opts) {
        Err(Fetched::Offline) => {
            report.skip(
                ID,
                format!("the issuer's key set {url} was not checked (offline)"),
            );
            return;
        }
        Err(Fetched::Failed(why)) => {
            report.fail(
                ID,
                format!("could not get the issuer's key set {url}: {why}"),
            );
            return;
        }
        Ok(b) => b,
    };
    let set: Value = match serde_json::from_slice(&set) {
        Ok(v) => v,
        Err(e) => {
            report.fail(ID, format!("the key set {url} is not JSON: {e}"));
            return;
        }
    };
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let listed = keys.iter().any(|k| {
        PublicKey::from_jwk(k).is_ok_and(|pk| &pk == key)
            && k.get("iss")
                .and_then(Value::as_str)
                .is_none_or(|i| i == issuer)
    });
    if listed {
        report.pass(
            ID,
            format!("the issuer's key set {url} lists the signing key"),
        );
    } else {
        report.fail(
            ID,
            format!("the issuer's key set {url} does not list the signing key"),
        );
    }
}

#[cfg(test)]
mod tests;
