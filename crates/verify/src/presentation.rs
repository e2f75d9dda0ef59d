//! Verifiable Presentations (VC 2.0): the envelope, the holder's `authentication` proof bound
//! to a challenge and domain, and every credential inside.

use crate::{Options, PublicKey, Report, Resolve, resolve_method};
use serde_json::Value;

/// What the verifier asked the holder for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expect<'a> {
    /// The nonce the verifier gave; the proof must carry exactly it.
    pub challenge: Option<&'a str>,
    /// Who the presentation is for; the proof must carry exactly it.
    pub domain: Option<&'a str>,
}

/// The presentation in `bytes` when they are a JSON object whose `type` includes
/// `VerifiablePresentation`; anything else is left to [`crate::verify_bytes`].
pub fn parse(bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes)
        .ok()?
        .trim_start_matches('\u{feff}');
    if text.len() > crate::MAX_JSON_BYTES || !text.trim_start().starts_with('{') {
        return None;
    }
    let doc: Value = serde_json::from_str(text).ok()?;
    let is_vp = match doc.get("type") {
        Some(Value::Array(t)) => t.iter().any(|t| t == "VerifiablePresentation"),
        Some(t) => t == "VerifiablePresentation",
        None => false,
    };
    is_vp.then_some(doc)
}

fn holder(vp: &Value) -> Option<&str> {
    match vp.get("holder") {
        Some(Value::String(s)) => Some(s),
        Some(o) => o.get("id").and_then(Value::as_str),
        None => None,
    }
}

/// Verifies a presentation: `presentation.format`, `presentation.proof.N` (or a skip when it
/// has none: then it is checked structurally only), and `credential.N` for each credential,
/// with that credential's own report in the second part of the result.
pub fn verify_presentation(
    vp: &Value,
    opts: &Options<'_>,
    expect: &Expect<'_>,
) -> (Report, Vec<Report>) {
    let mut report = Report::new();
    let mut inner = Vec::new();
    let bad = |why: &str| why.to_owned();
    let format = (|| {
        let ctx = vp
            .get("@context")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("@context must be an array"))?;
        if ctx.first().and_then(Value::as_str) != Some(badgesafe_contexts::VC_V2) {
            return Err(bad(
                "the first @context must be https://www.w3.org/ns/credentials/v2",
            ));
        }
        let types = vp
            .get("type")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("type must be an array"))?;
        if !types.iter().any(|t| t == "VerifiablePresentation") {
            return Err(bad("type must include VerifiablePresentation"));
        }
        let h = holder(vp).ok_or_else(|| bad("holder must be a URL or an object with a URL id"))?;
        if !h.contains(':') {
            return Err(bad("holder must be a URL or an object with a URL id"));
        }
        Ok(())
    })();
    match format {
        Ok(()) => report.pass("presentation.format", "a VC 2.0 VerifiablePresentation"),
        Err(why) => report.fail("presentation.format", why),
    }
    let credentials: Vec<&Value> = match vp.get("verifiableCredential") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
    };
    // The holder's proofs.
    let proofs = badgesafe_proof::proofs(vp);
    if proofs.is_empty() {
        report.skip("presentation.proof", "the presentation has no proof: it is checked structurally only, so anyone could have sent it");
    }
    for (i, proof) in proofs.iter().enumerate() {
        let id = format!("presentation.proof.{}", i + 1);
        let result = (|| -> Result<String, Option<String>> {
            let suite = badgesafe_proof::Suite::of(proof).map_err(|e| Some(e.to_string()))?;
            let purpose = proof
                .get("proofPurpose")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if purpose != "authentication" {
                return Err(Some(format!(
                    "proofPurpose must be authentication, found {purpose:?}"
                )));
            }
            for (field, want) in [("challenge", expect.challenge), ("domain", expect.domain)] {
                let got = proof.get(field).and_then(Value::as_str);
                if let Some(w) = want
                    && got != Some(w)
                {
                    return Err(Some(match got {
                        None => format!("the proof has no {field}; {w:?} was asked for"),
                        Some(g) => format!("the proof's {field} is {g:?}, not {w:?}"),
                    }));
                }
            }
            if let Some(exp) = proof.get("expires").and_then(Value::as_str) {
                let at = chrono::DateTime::parse_from_rfc3339(exp)
                    .map_err(|_| Some(format!("expires {exp:?} is not a date-time")))?;
                if at < opts.now {
                    return Err(Some(format!("the presentation expired at {exp}")));
                }
            }
            let vm = proof
                .get("verificationMethod")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let method = match resolve_method(vm, opts) {
                Ok(m) => m,
                Err(Resolve::Offline(why)) => {
                    return Err(Some(format!(
                        "the holder's key could not be checked offline ({why})"
                    )));
                }
                Err(Resolve::Failed(why)) => return Err(Some(why)),
            };
            if Some(method.controller.as_str()) != holder(vp) {
                return Err(Some(format!(
                    "the key belongs to {}, not to the holder {:?}",
                    method.controller,
                    holder(vp).unwrap_or_default()
                )));
            }
            let PublicKey::Ed25519(key) = &method.key else {
                return Err(Some(format!("{vm} is not an Ed25519 key")));
            };
            badgesafe_proof::verify(vp, proof, key).map_err(|e| Some(e.to_string()))?;
            let mut detail = format!(
                "{}: signed by the holder {}",
                suite.name(),
                method.controller
            );
            if let Some(d) = proof.get("domain").and_then(Value::as_str) {
                detail.push_str(&format!(", for {d:?}"));
            }
            if let Some(e) = proof.get("expires").and_then(Value::as_str) {
                detail.push_str(&format!(", valid until {e}"));
            }
            Ok(detail)
        })();
        match result {
            Ok(detail) => report.pass_authentic(id, detail),
            Err(why) => report.fail(id, why.unwrap_or_default()),
        }
    }
    if credentials.is_empty() {
        report.skip(
            "presentation.credentials",
            "the presentation holds no credentials",
        );
    }
    for (i, c) in credentials.iter().enumerate() {
        let id = format!("credential.{}", i + 1);
        if !c.is_object() {
            report.fail(id, "is not a JSON object");
            // Its own report too, so that reports and credentials stay in step.
            let mut own = Report::new();
            own.fail("format.json", "the credential is not a JSON object");
            inner.push(own.finish());
            continue;
        }
        let r = crate::verify_bytes(c.to_string().as_bytes(), opts);
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("the credential");
        if r.verified {
            report.pass_authentic(id, format!("{name}: verified"));
        } else {
            let why = r
                .checks
                .iter()
                .find(|k| k.outcome == crate::Outcome::Failed)
                .map_or_else(
                    || "not verified".to_owned(),
                    |k| format!("{}: {}", k.check, k.detail),
                );
            report.fail(id, format!("{name}: {why}"));
        }
        inner.push(r);
    }
    (report.finish(), inner)
}
