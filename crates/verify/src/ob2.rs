//! Open Badges 2.0 assertions: signed (JWS with an RSA key the issuer hosts) and hosted.
//! (OB 2.0 §Verification; `shared/spec/STANDARDS.md` §5.)

use crate::{Fetched, Options, Report, fetch_bytes, fetch_json, parse_time};
use badgesafe_bake::Payload;
use badgesafe_crypto::PublicKey;
use serde_json::Value;

pub(crate) fn verify_ob2_payload(payload: &Payload, opts: &Options<'_>, report: &mut Report) {
    match payload {
        Payload::Jws(jws) => verify_signed(jws, opts, report),
        Payload::Json(text) => match badgesafe_jcs::from_str_strict(text) {
            Ok(doc) => verify_ob2_json(&doc, opts, report),
            Err(e) => report.fail(
                "format.json",
                format!("the baked assertion is not JSON: {e}"),
            ),
        },
        Payload::Url(url) => match fetch_json(url, opts) {
            Ok(doc) => verify_ob2_json(&doc, opts, report),
            Err(Fetched::Offline) => report.skip(
                "ob2.hosted",
                format!("hosted assertion {url} not fetched (offline)"),
            ),
            Err(Fetched::Failed(why)) => report.fail(
                "ob2.hosted",
                format!("could not get hosted assertion {url}: {why}"),
            ),
        },
    }
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// A JSON OB 2.0 assertion: hosted verification is the only way to trust it.
pub(crate) fn verify_ob2_json(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    if str_of(doc, "type") != Some("Assertion") {
        report.fail(
            "format.type",
            "an Open Badges 2.0 document must be an Assertion",
        );
        return;
    }
    report.pass("format.type", "Open Badges 2.0 Assertion");
    let kind = doc
        .get("verification")
        .and_then(|v| str_of(v, "type"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind == "signed" || kind == "signedbadge" {
        report.fail(
            "ob2.signature",
            "a signed assertion must be given as its JWS, not as plain JSON",
        );
        return;
    }
    let Some(id) = str_of(doc, "id") else {
        report.fail("ob2.hosted", "the assertion has no id to fetch");
        return;
    };
    match fetch_bytes(id, "application/ld+json, application/json", opts) {
        Err(Fetched::Offline) => report.skip(
            "ob2.hosted",
            format!("hosted assertion {id} not fetched (offline)"),
        ),
        Err(Fetched::Failed(why)) => {
            let gone = why.contains("410");
            report.fail(
                "ob2.hosted",
                if gone {
                    format!("revoked: the issuer answers 410 Gone for {id}")
                } else {
                    format!("could not get hosted assertion {id}: {why}")
                },
            )
        }
        Ok(body) => match serde_json::from_slice::<Value>(&body) {
            Ok(hosted) if hosted.get("revoked").and_then(Value::as_bool) == Some(true) => report
                .fail(
                    "ob2.hosted",
                    format!(
                        "revoked by the issuer{}",
                        str_of(&hosted, "revocationReason")
                            .map(|r| format!(": {r}"))
                            .unwrap_or_default()
                    ),
                ),
            Ok(hosted) if str_of(&hosted, "id") == Some(id) => report.pass(
                "ob2.hosted",
                format!("the issuer hosts this assertion at {id}"),
            ),
            Ok(_) => report.fail(
                "ob2.hosted",
                format!("the document at {id} is not this assertion"),
            ),
            Err(e) => report.fail(
                "ob2.hosted",
                format!("the hosted assertion is not JSON: {e}"),
            ),
        },
    }
    ob2_common(doc, opts, report);
}

fn verify_signed(compact: &str, opts: &Options<'_>, report: &mut Report) {
    let jws = match badgesafe_proof::jws::decode(compact) {
        Ok(j) => j,
        Err(e) => return report.fail("ob2.signature", e.to_string()),
    };
    let doc = jws.payload.clone();
    if str_of(&doc, "type") != Some("Assertion") {
        return report.fail(
            "format.type",
            "the signed payload is not an Open Badges 2.0 Assertion",
        );
    }
    report.pass("format.type", "Open Badges 2.0 Assertion (signed)");
    let Some(creator) = doc.get("verification").and_then(|v| str_of(v, "creator")) else {
        return report.fail(
            "ob2.signature",
            "verification.creator (the key URL) is missing",
        );
    };
    let key_doc = match fetch_json(creator, opts) {
        Err(Fetched::Offline) => {
            report.skip(
                "ob2.signature",
                format!("key {creator} not fetched (offline)"),
            );
            return ob2_common(&doc, opts, report);
        }
        Err(Fetched::Failed(why)) => {
            return report.fail(
                "ob2.signature",
                format!("could not get key {creator}: {why}"),
            );
        }
        Ok(k) => k,
    };
    let key = match str_of(&key_doc, "publicKeyPem").map(PublicKey::from_pem) {
        Some(Ok(k)) => k,
        Some(Err(e)) => return report.fail("ob2.signature", format!("key {creator}: {e}")),
        None => {
            return report.fail(
                "ob2.signature",
                format!("key {creator} has no publicKeyPem"),
            );
        }
    };
    match jws.verify(&key) {
        Ok(()) => report.pass(
            "ob2.signature",
            format!(
                "{} signature valid, key {creator}",
                jws.alg().unwrap_or_default()
            ),
        ),
        Err(e) => return report.fail("ob2.signature", e.to_string()),
    }
    // The key's owner must be the issuer profile, and the profile must list the key.
    let owner = str_of(&key_doc, "owner").unwrap_or_default().to_owned();
    let badge = match doc.get("badge") {
        Some(Value::String(url)) => fetch_json(url, opts).ok(),
        Some(b @ Value::Object(_)) => Some(b.clone()),
        _ => None,
    };
    let issuer_url = badge.as_ref().and_then(|b| match b.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(o) => str_of(o, "id").map(str::to_owned),
        None => None,
    });
    match issuer_url {
        Some(iss) if iss == owner => match fetch_json(&iss, opts) {
            Ok(profile) => {
                let listed = match profile.get("publicKey") {
                    Some(Value::String(s)) => s == creator,
                    Some(Value::Array(items)) => items.iter().any(|k| {
                        k.as_str() == Some(creator)
                            || k.get("id").and_then(Value::as_str) == Some(creator)
                    }),
                    Some(o) => str_of(o, "id") == Some(creator),
                    None => false,
                };
                if listed {
                    report.pass(
                        "identity.issuer_key",
                        format!("the issuer {iss} lists key {creator}"),
                    );
                } else {
                    report.fail(
                        "identity.issuer_key",
                        format!("the issuer {iss} does not list key {creator}"),
                    );
                }
                revocation_list(&doc, &profile, opts, report);
            }
            Err(_) => report.fail(
                "identity.issuer_key",
                format!("could not get the issuer profile {iss}"),
            ),
        },
        Some(iss) => report.fail(
            "identity.issuer_key",
            format!("key {creator} is owned by {owner}, not by the issuer {iss}"),
        ),
        None => report.fail(
            "identity.issuer_key",
            "the badge class or its issuer could not be read",
        ),
    }
    ob2_common(&doc, opts, report);
}

fn revocation_list(doc: &Value, profile: &Value, opts: &Options<'_>, report: &mut Report) {
    let Some(url) = str_of(profile, "revocationList") else {
        return report.skip(
            "status.revocation",
            "the issuer publishes no revocation list",
        );
    };
    let id = str_of(doc, "id").unwrap_or_default();
    match fetch_json(url, opts) {
        Ok(list) => {
            let revoked = list
                .get("revokedAssertions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let hit = revoked.iter().find(|r| {
                r.as_str() == Some(id)
                    || str_of(r, "id") == Some(id)
                    || str_of(r, "uid") == Some(id)
            });
            match hit {
                Some(r) => report.fail(
                    "status.revocation",
                    format!(
                        "revoked by the issuer{}",
                        str_of(r, "revocationReason")
                            .map(|s| format!(": {s}"))
                            .unwrap_or_default()
                    ),
                ),
                None => report.pass(
                    "status.revocation",
                    format!("not on the revocation list {url}"),
                ),
            }
        }
        Err(Fetched::Offline) => report.skip(
            "status.revocation",
            format!("revocation list {url} not checked (offline)"),
        ),
        Err(Fetched::Failed(why)) => report.fail(
            "status.revocation",
            format!("could not get revocation list {url}: {why}"),
        ),
    }
}

fn ob2_common(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    let issued = str_of(doc, "issuedOn").and_then(parse_time);
    let expires = str_of(doc, "expires").and_then(parse_time);
    match (issued, expires) {
        (None, _) => report.fail("status.validity", "issuedOn is missing or not a date-time"),
        (Some(i), _) if opts.now < i => report.fail(
            "status.validity",
            format!("issued in the future ({})", i.to_rfc3339()),
        ),
        (Some(i), Some(e)) if e < i => {
            report.fail("status.validity", "expires before it was issued")
        }
        (_, Some(e)) if opts.now > e => {
            report.fail("status.validity", format!("expired on {}", e.to_rfc3339()))
        }
        (Some(i), _) => report.pass("status.validity", format!("issued on {}", i.to_rfc3339())),
    }
    let Some(email) = opts.recipient_email else {
        return report.skip("recipient", "no recipient e-mail address given to match");
    };
    let r = doc.get("recipient");
    let identity = r.and_then(|r| str_of(r, "identity")).unwrap_or_default();
    let salt = r.and_then(|r| str_of(r, "salt")).unwrap_or_default();
    let ok = if r
        .and_then(|r| r.get("hashed"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        badgesafe_model::identity_hash(email, salt).eq_ignore_ascii_case(identity)
    } else {
        identity.eq_ignore_ascii_case(email)
    };
    if ok {
        report.pass("recipient", format!("issued to {email}"));
    } else {
        report.fail("recipient", format!("not issued to {email}"));
    }
}
