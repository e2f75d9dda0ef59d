//! Presentations: chosen badges in a VC 2.0 `VerifiablePresentation`, signed by the holder
//! (`eddsa-rdfc-2022`, proof purpose `authentication`) for one verifier until a set time.

use serde_json::{Value, json};

use crate::Error;
use crate::contents::{Contents, Kind};

/// Who the presentation is for and until when.
#[derive(Debug, Clone)]
pub struct Audience<'a> {
    /// The verifier (`domain`), such as `werkgever.example`.
    pub domain: &'a str,
    /// The verifier's nonce (`challenge`), when it gave one.
    pub challenge: Option<&'a str>,
    /// When the presentation is made (`created`), an XML Schema dateTime.
    pub created: &'a str,
    /// When it stops being valid (`expires`).
    pub expires: &'a str,
}

/// Signs a presentation of the badges with these ids (or short ids), in the given order.
pub fn present(contents: &Contents, ids: &[&str], audience: &Audience<'_>) -> Result<Value, Error> {
    if ids.is_empty() {
        return Err(Error::Present("choose at least one badge".into()));
    }
    if audience.domain.trim().is_empty() {
        return Err(Error::Present(
            "say who the presentation is for (the domain)".into(),
        ));
    }
    if audience.expires <= audience.created {
        return Err(Error::Present(format!(
            "the expiry {} is not after {}",
            audience.expires, audience.created
        )));
    }
    let mut credentials = Vec::new();
    let mut seen = Vec::new();
    for id in ids {
        let badge = contents.find(id)?;
        if seen.contains(&&badge.id) {
            continue;
        }
        seen.push(&badge.id);
        match badge.kind {
            Kind::Vc => credentials.push(badge.credential.clone()),
            Kind::VcJwt => {
                return Err(Error::Present(format!(
                    "{} is a JWT badge; a presentation holds JSON badges only, so share its file instead",
                    badge.name
                )));
            }
            Kind::Ob2 => {
                return Err(Error::Present(format!(
                    "{} is an Open Badges 2.0 badge, which cannot go in a VC 2.0 presentation; share its file instead",
                    badge.name
                )));
            }
        }
    }
    let signer = contents.holder.signer()?;
    let vp = json!({
        "@context": [badgesafe_contexts::VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": contents.holder.did,
        "verifiableCredential": credentials,
    });
    let options = badgesafe_proof::ProofOptions {
        suite: badgesafe_proof::Suite::EddsaRdfc2022,
        verification_method: badgesafe_did::did_key_method(&signer.public()),
        proof_purpose: "authentication".into(),
        created: Some(audience.created.into()),
        expires: Some(audience.expires.into()),
        domain: Some(audience.domain.trim().into()),
        challenge: audience.challenge.map(str::to_owned),
    };
    let mut signed = badgesafe_proof::sign(vp, &options, &signer)
        .map_err(|e| Error::Present(format!("signing: {e}")))?;
    // One proof: an object, not a one-element array.
    if let Some(Value::Array(proofs)) = signed.get_mut("proof")
        && proofs.len() == 1
    {
        let only = proofs.remove(0);
        signed["proof"] = only;
    }
    Ok(signed)
}

/// Reads an expiry: a duration from `now` (`90s`, `30m`, `12h`, `7d`, `2w`) or a date-time.
pub fn expiry(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    let t = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        let at = at.with_timezone(&chrono::Utc);
        if at <= now {
            return Err(Error::Present(format!("the expiry {t} has passed")));
        }
        return Ok(at);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().map_err(|_| {
        Error::Present(format!(
            "{t:?} is not an expiry: use a number and s, m, h, d or w (such as 7d), or a date-time"
        ))
    })?;
    let d = match unit {
        "s" => chrono::Duration::try_seconds(n),
        "m" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        "w" => chrono::Duration::try_weeks(n),
        _ => None,
    }
    .filter(|d| *d > chrono::Duration::zero() && *d <= chrono::Duration::days(3660))
    .ok_or_else(|| {
        Error::Present(format!(
            "{t:?} is not an expiry: use a number and s, m, h, d or w (such as 7d, at most 10 years), or a date-time"
        ))
    })?;
    Ok(now + d)
}
