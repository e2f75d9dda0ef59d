//! Making and withdrawing share links: the presentation is signed and encrypted here, only
//! the ciphertext goes to the verifier's relay. Used by `wallet share`/`unshare` and the pages.

use badgesafe_wallet::Contents;
use badgesafe_wallet::share::{MAX_DAYS, Share};
use std::time::Duration;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The verifier's base address: https, or plain http on this machine only.
pub fn check_verifier_url(url: &str) -> Result<String, String> {
    let base = url.trim().trim_end_matches('/').to_owned();
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| base.starts_with(p));
    if !base.starts_with("https://") && !loopback {
        return Err(
            "the verifier must be an https:// address (plain http only on this machine)".into(),
        );
    }
    Ok(base)
}

fn xsd(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Signs a presentation of `ids` for `domain` until `until`, encrypts it, stores the
/// ciphertext at the relay of `verifier` and records the share in `contents` (the caller
/// saves the vault).
pub fn share(
    contents: &mut Contents,
    ids: &[&str],
    domain: &str,
    until: chrono::DateTime<chrono::Utc>,
    verifier: &str,
) -> Result<Share, String> {
    let base = check_verifier_url(verifier)?;
    let now = chrono::Utc::now();
    if until > now + chrono::Duration::days(MAX_DAYS) {
        return Err(format!("a share lives at most {MAX_DAYS} days"));
    }
    let vp = badgesafe_wallet::present::present(
        contents,
        ids,
        &badgesafe_wallet::present::Audience {
            domain,
            challenge: None,
            created: &xsd(now),
            expires: &xsd(until),
        },
    )
    .map_err(|e| e.to_string())?;
    let plain = serde_json::to_vec(&vp).map_err(|e| e.to_string())?;
    let (key, sealed) = badgesafe_wallet::share::seal(&plain).map_err(|e| e.to_string())?;
    let resp = agent()
        .post(&format!("{base}/shares"))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({"ciphertext": sealed, "expires": xsd(until)}).to_string())
        .map_err(|e| format!("sending the share to {base}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .into_body()
        .read_to_string()
        .map_err(|e| format!("reading the relay's answer: {e}"))?;
    let answer: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("{base}/shares did not answer JSON (HTTP {status})"))?;
    if status != 201 {
        return Err(format!(
            "the relay refused the share: {} (HTTP {status})",
            answer["error"].as_str().unwrap_or("?")
        ));
    }
    let (Some(id), Some(url), Some(token)) = (
        answer["id"].as_str(),
        answer["url"].as_str(),
        answer["deleteToken"].as_str(),
    ) else {
        return Err(format!(
            "the relay's answer lacks id, url or deleteToken: {answer}"
        ));
    };
    let share = Share {
        id: id.to_owned(),
        link: badgesafe_wallet::share::link(url, &key),
        delete_token: token.to_owned(),
        domain: domain.to_owned(),
        expires: xsd(until),
        badges: vp["verifiableCredential"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect(),
        created: xsd(now),
        withdrawn: None,
    };
    contents.shares.push(share.clone());
    Ok(share)
}

/// Withdraws the share with this id or link at its relay and marks it in `contents` (the caller
/// saves the vault).
pub fn withdraw(contents: &mut Contents, which: &str) -> Result<Share, String> {
    let which = which.trim();
    let Some(i) = contents
        .shares
        .iter()
        .position(|s| s.id == which || s.link == which)
    else {
        return Err(format!("no share {which} in this vault"));
    };
    let s = contents.shares[i].clone();
    let (base, _) = s
        .link
        .split_once("/s/")
        .ok_or_else(|| format!("the stored link {} has no /s/", s.link))?;
    let resp = agent()
        .delete(&format!("{base}/shares/{}", s.id))
        .header("Authorization", &format!("Bearer {}", s.delete_token))
        .call()
        .map_err(|e| format!("asking {base} to delete the share: {e}"))?;
    let status = resp.status().as_u16();
    if status != 204 {
        let text = resp.into_body().read_to_string().unwrap_or_default();
        return Err(format!(
            "the relay did not withdraw the share (HTTP {status}): {text}"
        ));
    }
    contents.shares[i].withdrawn = Some(xsd(chrono::Utc::now()));
    Ok(contents.shares[i].clone())
}
