//! `credentialStatus`: W3C BitstringStatusList and 1EdTechRevocationList.

use crate::{Fetched, Options, Report, fetch_bytes, fetch_json};
use serde_json::Value;

const ID: &str = "status.revocation";
use badgesafe_status::MIN_ENTRIES;

pub(crate) fn check(doc: &Value, opts: &Options<'_>, report: &mut Report) {
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        None => {
            report.skip(
                ID,
                "the credential has no credentialStatus, so it cannot be revoked",
            );
            return;
        }
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
    };
    for entry in entries {
        let ty = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match ty {
            "BitstringStatusListEntry" => bitstring(doc, entry, opts, report),
            "1EdTechRevocationList" => onedtech(doc, entry, opts, report),
            other => report.fail(ID, format!("unsupported credentialStatus type {other:?}")),
        }
    }
}

fn onedtech(doc: &Value, entry: &Value, opts: &Options<'_>, report: &mut Report) {
    let Some(url) = entry.get("id").and_then(Value::as_str) else {
        report.fail(ID, "1EdTechRevocationList entry has no id");
        return;
    };
    let list = match fetch_json(url, opts) {
        Err(Fetched::Offline) => {
            return report.skip(ID, format!("revocation list {url} not checked (offline)"));
        }
        Err(Fetched::Failed(why)) => {
            return report.fail(ID, format!("could not get revocation list {url}: {why}"));
        }
        Ok(v) => v,
    };
    let Some(revoked) = list.get("revokedCredential").and_then(Value::as_array) else {
        return report.fail(
            ID,
            format!("revocation list {url} has no revokedCredential array"),
        );
    };
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let hit = revoked.iter().find(|r| {
        r.get("id").and_then(Value::as_str) == Some(id)
            && r.get("revoked").and_then(Value::as_bool).unwrap_or(true)
    });
    match hit {
        Some(r) => {
            let reason = r
                .get("revocationReason")
                .and_then(Value::as_str)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            report.fail(ID, format!("revoked by the issuer (list {url}){reason}"));
        }
        None => report.pass(ID, format!("not revoked (list {url})")),
    }
}

fn bitstring(doc: &Value, entry: &Value, opts: &Options<'_>, report: &mut Report) {
    let purpose = entry
        .get("statusPurpose")
        .and_then(Value::as_str)
        .unwrap_or("revocation")
        .to_owned();
    let index = match entry.get("statusListIndex") {
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let Some(index) = index else {
        return report.fail(
            ID,
            "statusListIndex is missing or not a non-negative integer",
        );
    };
    let size = entry.get("statusSize").and_then(Value::as_u64).unwrap_or(1);
    if !(1..=8).contains(&size) {
        return report.fail(ID, format!("statusSize {size} is not supported (1 to 8)"));
    }
    let Some(url) = entry.get("statusListCredential").and_then(Value::as_str) else {
        return report.fail(ID, "BitstringStatusListEntry has no statusListCredential");
    };
    let body = match fetch_bytes(
        url,
        "application/vc+ld+json, application/ld+json, application/json",
        opts,
    ) {
        Err(Fetched::Offline) => {
            return report.skip(ID, format!("status list {url} not checked (offline)"));
        }
        Err(Fetched::Failed(why)) => {
            return report.fail(ID, format!("could not get status list {url}: {why}"));
        }
        Ok(b) => b,
    };
    let list: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return report.fail(ID, format!("status list {url} is not JSON: {e}")),
    };
    // The list must be a credential of the same issuer, with a valid proof.
    let mut inner = Report::new();
    crate::verify_credential_proofs_only(&list, opts, crate::Binding::ControllerOnly, &mut inner);
    if !inner
        .checks
        .iter()
        .any(|c| c.check.starts_with("proof.") && c.outcome == crate::Outcome::Passed)
    {
        return report.fail(ID, format!("status list {url} has no proof that verifies"));
    }
    if let Some(bad) = inner
        .checks
        .iter()
        .find(|c| c.outcome == crate::Outcome::Failed)
    {
        return report.fail(
            ID,
            format!(
                "status list {url} does not verify: {} {}",
                bad.check, bad.detail
            ),
        );
    }
    if crate::issuer_id(&list) != crate::issuer_id(doc) {
        return report.fail(
            ID,
            format!(
                "status list {url} was issued by {:?}, not by the credential's issuer",
                crate::issuer_id(&list)
            ),
        );
    }
    let subject = list.get("credentialSubject");
    let list_purpose = subject
        .and_then(|s| s.get("statusPurpose"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if list_purpose != purpose {
        return report.fail(
            ID,
            format!("status list purpose {list_purpose:?} does not match the entry's {purpose:?}"),
        );
    }
    let Some(encoded) = subject
        .and_then(|s| s.get("encodedList"))
        .and_then(Value::as_str)
    else {
        return report.fail(ID, format!("status list {url} has no encodedList"));
    };
    let bits = match badgesafe_status::decode_list(encoded) {
        Ok(b) => b,
        Err(e) => return report.fail(ID, format!("status list {url}: {e}")),
    };
    if bits.len() * 8 / (size as usize) < MIN_ENTRIES {
        return report.fail(ID, format!("status list {url} is shorter than the {MIN_ENTRIES} entries the specification requires"));
    }
    let start = index.saturating_mul(size);
    let mut value = 0u8;
    for bit in start..start + size {
        let byte = usize::try_from(bit / 8).ok().and_then(|i| bits.get(i));
        let Some(byte) = byte else {
            return report.fail(
                ID,
                format!("statusListIndex {index} is outside status list {url}"),
            );
        };
        value = (value << 1) | ((byte >> (7 - (bit % 8))) & 1);
    }
    let what = match purpose.as_str() {
        "revocation" => "revoked",
        "suspension" => "suspended",
        _ => "flagged",
    };
    if value == 0 {
        report.pass(ID, format!("not {what} (status list {url}, index {index})"));
    } else if purpose == "revocation" || purpose == "suspension" {
        report.fail(
            ID,
            format!("{what} by the issuer (status list {url}, index {index})"),
        );
    } else {
        report.pass(
            ID,
            format!("status {purpose} = {value} (status list {url}, index {index})"),
        );
    }
}
